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
#include <sys/stat.h>

#include "ipc.h"
#include "queue.h"

static const char usage_text[] =
    "Usage: mqsender [-q NAME]\n"
    "Create a POSIX message queue (replacing one left by an earlier run) and send\n"
    "msg1..msg6 with priorities 1,1,2,2,3,3. The queue stays for mqreceiver.\n"
    "Refuses (exit 1) while another mqsender is sending on the same name.\n"
    "  -q, --queue NAME  queue name (default: " PosixQueueName ")\n"
    "  -h, --help        show this help\n"
    "Partner: mqreceiver (same -q). Example (two terminals):\n"
    "  ./mqsender -q /demo        ./mqreceiver -q /demo\n";

static const char *name = PosixQueueName;
static bool own_queue = false; /* created and locked by us, not complete yet */

static mqd_t claim_queue(void);

static void unlink_unfinished_queue(void)
{
    if (own_queue)
        mq_unlink(name); /* safe: our lock keeps other senders off the name */
    own_queue = false;
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

    /* A new queue, locked while we send: refuse if a live mqsender has the
     * name, replace a queue left by an earlier run. */
    mqd_t mq = claim_queue();

    for (int i = 0; i < MsgCount && !stop_signal; i++) {
        /* The length is the payload's; the priority (0..31 at least) sorts
         * the queue. mq_send blocks if the queue is full. */
        if (mq_send(mq, Payloads[i], MsgLen + 1, (unsigned)SendTypes[i]) == -1) {
            die_if(!stop_signal, "mq_send %s", name);
            break; /* interrupted by SIGINT/SIGTERM */
        }
        printf("%s sent with priority %d\n", Payloads[i], SendTypes[i]);
    }
    if (stop_signal) { /* stopped while sending: the queue goes too */
        unlink_unfinished_queue();
        exit_on_stop_signal();
    }
    own_queue = false; /* complete: the queue now belongs to the receiver */
    die_if(mq_close(mq) == -1, "mq_close"); /* drops the lock: "all sent" */
    return 0;
}

/* Own the name: a queue this run created (O_EXCL), write-locked (lock_queue,
 * on the descriptor an mqd_t is on Linux) and still under its name. A queue
 * already there is locked by a live process (a sender still sending, or a
 * receiver taking it): refuse, touching nothing; or, unlocked, was left by
 * an earlier run: take its lock, remove it, try again. */
static mqd_t claim_queue(void)
{
    struct mq_attr attr = {.mq_maxmsg = MsgCount, .mq_msgsize = MsgLen + 1}; /* room for six */
    for (int tries = 0; tries < 100; tries++) {
        mqd_t mq = mq_open(name, O_WRONLY | O_CREAT | O_EXCL, AccessPerms, &attr);
        if (mq != (mqd_t)-1 && lock_queue(mq) == 0 && queue_named(mq)) {
            own_queue = true;
            atexit(unlink_unfinished_queue);
            return mq;
        }
        if (mq != (mqd_t)-1) { /* taken for a leftover before we locked it: again */
            die_if(mq_close(mq) == -1, "mq_close");
            continue;
        }
        die_if(errno != EEXIST, "mq_open %s", name);
        if ((mq = mq_open(name, O_WRONLY)) == (mqd_t)-1 && errno == ENOENT)
            continue; /* removed meanwhile */
        die_if(mq == (mqd_t)-1, "mq_open %s", name);
        check_fits(mq, name);
        if (lock_queue(mq) == -1) {
            die_if(errno != EAGAIN && errno != EACCES, "fcntl F_SETLK %s", name);
            fail("another process is using %s", name);
        }
        if (queue_named(mq)) { /* a leftover: its messages must never be read as ours */
            die_if(mq_unlink(name) == -1, "mq_unlink %s", name);
            note("removed %s left by an earlier run", name);
        }
        die_if(mq_close(mq) == -1, "mq_close");
    }
    fail("%s keeps changing: gave up", name);
}
