/* mqsender.c - send six messages with priorities on a POSIX message queue.
 *
 * Partner: mqreceiver. Protocol: queue.h. Not in the article, which only
 * mentions the POSIX mq_* API (ERRATA MQ-7): this is the same exchange as
 * sender/receiver, for comparison.
 *
 *     terminal 1: ./mqsender          terminal 2: ./mqreceiver
 *
 * A POSIX queue has a name (/mqpair, visible as /dev/mqueue/mqpair when the
 * mqueue file system is mounted) instead of an ftok key, and messages carry a
 * priority instead of a type: mq_receive always hands out the oldest message
 * of the highest priority, so the receiver cannot pick.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: mq_open, mq_send */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>

#include "ipc.h"
#include "queue.h"

static const char usage_text[] =
    "Usage: mqsender [-q NAME]\n"
    "Create a POSIX message queue (replacing one left by an earlier run) and send\n"
    "msg1..msg6 with priorities 1,1,2,2,3,3. The queue stays for mqreceiver.\n"
    "  -q, --queue NAME  queue name (default: " PosixQueueName ")\n"
    "  -h, --help        show this help\n"
    "Partner: mqreceiver (same -q). Example (two terminals):\n"
    "  ./mqsender -q /demo        ./mqreceiver -q /demo\n";

static const char *name = PosixQueueName;
static bool complete = false;

static void unlink_unfinished_queue(void)
{
    if (!complete)
        mq_unlink(name);
}

int main(int argc, char *argv[])
{
    static const struct option longopts[] = {{"queue", required_argument, NULL, 'q'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":q:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'q': name = optarg; break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();

    /* A queue left under this name by an unfinished run: remove it. */
    if (mq_unlink(name) == 0)
        note("removed %s left by an earlier run", name);
    else
        die_if(errno != ENOENT, "mq_unlink %s", name);

    /* Room for all six; each message at most MsgLen + 1 bytes. */
    struct mq_attr attr = {.mq_maxmsg = MsgCount, .mq_msgsize = MsgLen + 1};
    mqd_t mq = mq_open(name, O_WRONLY | O_CREAT | O_EXCL, AccessPerms, &attr);
    die_if(mq == (mqd_t)-1, "mq_open %s", name);
    atexit(unlink_unfinished_queue);

    for (int i = 0; i < MsgCount; i++) {
        /* The length is the payload's; the priority (0..31 at least) sorts
         * the queue. mq_send blocks if the queue is full. */
        if (mq_send(mq, Payloads[i], MsgLen + 1, (unsigned)SendTypes[i]) == -1) {
            if (errno == EINTR && stop_signal) {
                mq_unlink(name);
                exit_on_stop_signal();
            }
            die("mq_send %s", name);
        }
        printf("%s sent with priority %d\n", Payloads[i], SendTypes[i]);
    }
    complete = true; /* the queue now belongs to the receiver */
    die_if(mq_close(mq) == -1, "mq_close");
    return 0;
}
