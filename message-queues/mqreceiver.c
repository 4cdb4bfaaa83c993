/* mqreceiver.c - receive the six messages from a POSIX queue, by priority.
 *
 * Partner: mqsender. Protocol: queue.h. Beyond the article (MQ-7).
 *
 *     terminal 1: ./mqsender          terminal 2: ./mqreceiver
 *
 * mq_receive returns the oldest message of the highest priority: msg5, msg6,
 * msg3, msg4, msg1, msg2 (the System V receiver asks for a type instead). The
 * receiver takes the queue off its name (mq_unlink) before it receives, and
 * removes it too when it fails or is stopped. */
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
    "Receive msg1..msg6 from mqsender's POSIX queue, highest priority first, and\n"
    "remove the queue. A second mqreceiver waits for the next mqsender.\n"
    "  -q, --queue NAME       queue name (default: " PosixQueueName ")\n"
    "  -t, --timeout SECONDS  how long to wait for the sender (default: 30; 0: do not wait)\n"
    "  -h, --help             show this help\n"
    "Partner: mqsender (same -q). Example (two terminals):\n"
    "  ./mqreceiver -q /demo        ./mqsender -q /demo\n";

static const char *name = PosixQueueName;
static double timeout = 30;
static mqd_t held = (mqd_t)-1; /* the queue waited on, until taken off its name */
static mqd_t open_queue(struct backoff *wait);
static void remove_held_queue(void);
static bool take_queue(mqd_t mq);
static _Noreturn void give_up(mqd_t mq);

int main(int argc, char *argv[])
{
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

    /* Priorities order the messages that are in the queue when we ask.
     * Started early, we would take msg1 before msg5 even exists: wait (with
     * back-off) until the sender has put all six in and let go of its lock.
     * Then take the queue off its name: no other receiver can take it, and
     * a new sender makes a new one. */
    struct backoff wait = backoff_start(timeout);
    mqd_t mq = held = open_queue(&wait);
    atexit(remove_held_queue);
    for (;;) {
        struct mq_attr attr;
        die_if(mq_getattr(mq, &attr) == -1, "mq_getattr");
        if (attr.mq_curmsgs >= MsgCount && take_queue(mq)) {
            held = (mqd_t)-1; /* nameless now: it ends when we close it */
            break;
        }
        if (!queue_named(mq)) { /* replaced by a new sender: follow the name */
            die_if(mq_close(mq) == -1, "mq_close");
            mq = held = open_queue(&wait);
        } else if (!backoff_wait(&wait)) {
            give_up(mq);
        }
    }

    char buf[MsgLen + 2]; /* a message of the protocol's size (checked), and a NUL */
    struct timespec deadline = realtime_after(wait.deadline - now_monotonic());
    for (int i = 0; i < MsgCount; i++) {
        if (stop_signal) /* arrived while we were printing or waiting */
            exit_on_stop_signal();
        unsigned prio;
        ssize_t n = mq_timedreceive(mq, buf, MsgLen + 1, &prio, &deadline);
        if (n == -1) {
            if (errno == ETIMEDOUT)
                fail("gave up after %g s: got %d of %d messages", timeout, i, MsgCount);
            die_if(errno != EINTR, "mq_timedreceive %s", name);
            i--; /* interrupted: try again, or stop just above */
            continue;
        }
        buf[n] = '\0';
        printf("%s received with priority %u\n", buf, prio);
    }
    die_if(mq_close(mq) == -1, "mq_close"); /* nameless: the last close ends it */
    return 0;
}

/* Wait for the name (retry with back-off: no event says "a name appeared").
 * Never O_CREAT: only the sender creates. O_RDWR although we never send: the
 * write lock of take_queue needs it. A queue with other attributes was not
 * made by mqsender: refuse it, and leave it alone. */
static mqd_t open_queue(struct backoff *wait)
{
    mqd_t mq;
    for (bool said = false; (mq = mq_open(name, O_RDWR)) == (mqd_t)-1; said = true) {
        die_if(errno != ENOENT, "mq_open %s", name);
        if (!said)
            note("waiting for mqsender to create %s", name);
        if (!backoff_wait(wait))
            give_up(mq);
    }
    check_fits(mq, name);
    return mq;
}

/* Remove the queue's name, if no live mqsender holds its lock (lock_queue)
 * and the name is still this queue's: under the lock, no sender can replace
 * it, so mq_unlink removes this queue's name and no other. */
static bool take_queue(mqd_t mq)
{
    if (lock_queue(mq) == -1) {
        die_if(errno != EAGAIN && errno != EACCES, "fcntl F_SETLK %s", name);
        return false;
    }
    if (!queue_named(mq))
        return false;
    die_if(mq_unlink(name) == -1, "mq_unlink %s", name);
    return true;
}

/* Ending the queue is the receiver's job, after a failure too (MQ-4), but
 * only under its lock (take_queue): at exit, and quietly. */
static void remove_held_queue(void)
{
    if (held != (mqd_t)-1 && lock_queue(held) == 0 && queue_named(held))
        mq_unlink(name);
    held = (mqd_t)-1;
}

/* Stopped, or out of time: remove the queue, even one that appeared just
 * now - unless a live sender still holds it. */
static void give_up(mqd_t mq)
{
    struct mq_attr attr = {.mq_curmsgs = -1};
    held = mq != (mqd_t)-1 ? mq : mq_open(name, O_RDWR);
    if (held != (mqd_t)-1 && mq_getattr(held, &attr) == 0 && PosixQueueFits(attr))
        remove_held_queue();
    held = (mqd_t)-1;
    if (stop_signal)
        exit_on_stop_signal();
    if (attr.mq_curmsgs == -1)
        fail("gave up after %g s: no mqsender created %s", timeout, name);
    fail("gave up after %g s: %s holds %ld of %d messages", timeout, name, (long)attr.mq_curmsgs, MsgCount);
}
