/* mqreceiver.c - receive the six messages from a POSIX queue, by priority.
 *
 * Partner: mqsender. Protocol: queue.h. Beyond the article (MQ-7).
 *
 *     terminal 1: ./mqsender          terminal 2: ./mqreceiver
 *
 * mq_receive returns the oldest message of the highest priority: msg5,
 * msg6, msg3, msg4, msg1, msg2. Compare the System V receiver, which asks
 * for a type. mq_timedreceive gives the wait its own timeout. The receiver
 * removes the queue (mq_unlink) when it is done, fails, or is stopped.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: mq_open, mq_timedreceive */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>

#include "ipc.h"
#include "queue.h"

static const char usage_text[] =
    "Usage: mqreceiver [-q NAME] [-t SECONDS]\n"
    "Receive msg1..msg6 from mqsender's POSIX queue, highest priority first, then\n"
    "remove the queue.\n"
    "  -q, --queue NAME       queue name (default: " PosixQueueName ")\n"
    "  -t, --timeout SECONDS  how long to wait for the sender (default: 30)\n"
    "  -h, --help             show this help\n"
    "Partner: mqsender (same -q). Example (two terminals):\n"
    "  ./mqreceiver -q /demo        ./mqsender -q /demo\n";

static const char *name = PosixQueueName;

static void unlink_queue(void)
{
    mq_unlink(name);
}

int main(int argc, char *argv[])
{
    double timeout = 30;
    static const struct option longopts[] = {{"queue", required_argument, NULL, 'q'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":q:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'q': name = optarg; break;
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();

    /* Wait for the sender to create the queue (retry with back-off: there
     * is no event for "a name appeared"). Never O_CREAT: only the sender
     * creates, after removing any leftover. */
    struct backoff wait = backoff_start(timeout);
    mqd_t mq;
    for (bool said = false; (mq = mq_open(name, O_RDONLY)) == (mqd_t)-1; said = true) {
        die_if(errno != ENOENT, "mq_open %s", name);
        if (!said)
            note("waiting for mqsender to create %s", name);
        if (!backoff_wait(&wait)) {
            /* Stopped or timed out: ending the queue is the receiver's job,
             * even one that appeared just now. */
            unlink_queue();
            if (stop_signal)
                exit_on_stop_signal();
            fail("gave up after %g s: no mqsender created %s", timeout, name);
        }
    }
    atexit(unlink_queue);

    /* Priorities order the messages that are in the queue when we ask.
     * Started early, we would take msg1 before msg5 even exists: wait until
     * the sender has put all six in (retry with back-off, bounded). */
    struct mq_attr attr;
    for (;;) {
        die_if(mq_getattr(mq, &attr) == -1, "mq_getattr");
        if (attr.mq_curmsgs >= MsgCount)
            break;
        if (!backoff_wait(&wait)) {
            if (stop_signal) {
                unlink_queue();
                exit_on_stop_signal();
            }
            fail("gave up after %g s: got %ld of %d messages", timeout, (long)attr.mq_curmsgs, MsgCount);
        }
    }
    char buf[attr.mq_msgsize + 1]; /* mq_receive needs room for the largest message */
    struct timespec deadline = realtime_after(wait.deadline - now_monotonic());

    for (int i = 0; i < MsgCount; i++) {
        if (stop_signal) { /* arrived while we were printing */
            unlink_queue();
            exit_on_stop_signal();
        }
        unsigned prio;
        ssize_t n = mq_timedreceive(mq, buf, (size_t)attr.mq_msgsize, &prio, &deadline);
        if (n == -1) {
            if (errno == EINTR && stop_signal) {
                unlink_queue();
                exit_on_stop_signal();
            }
            if (errno == ETIMEDOUT)
                fail("gave up after %g s: got %d of %d messages", timeout, i, MsgCount);
            die_if(errno != EINTR, "mq_timedreceive %s", name);
            i--; /* interrupted by another signal: try again */
            continue;
        }
        buf[n] = '\0';
        printf("%s received with priority %u\n", buf, prio);
    }

    die_if(mq_close(mq) == -1, "mq_close");
    die_if(mq_unlink(name) == -1, "mq_unlink %s", name);
    return 0;
}
