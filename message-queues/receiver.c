/* receiver.c - take six messages off a System V queue, by type.
 *
 * Partner: sender. Protocol: queue.h. Article: "Inter-process communication
 * in Linux", part 2 (Using pipes and message queues), Example 6.
 *
 *     ./sender      (then, in this or another terminal)      ./receiver
 *
 * msgrcv(..., type, ...) takes the first message *of that type*, wherever it
 * is in the queue: asking for 3,1,2,1,3,2 yields msg5, msg1, msg3, msg2, msg6,
 * msg4. Started before the sender, the receiver waits for the queue, then
 * blocks in msgrcv (not IPC_NOWAIT, MQ-3). It always removes the queue. */
#define _XOPEN_SOURCE 700 /* XSI: System V queues (msgget, msgrcv) and ftok */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/file.h>
#include <sys/msg.h>

#include "ipc.h"
#include "queue.h"

static const char usage_text[] =
    "Usage: receiver [-k PATH] [-i ID] [-t SECONDS]\n"
    "Receive msg1..msg6 from the sender's System V queue by type (3,1,2,1,3,2); remove it.\n"
    "  -k, --key-path PATH    file or directory for ftok, read only, and locked: one\n"
    "                         receiver per key (default: queue.h beside this program)\n"
    "  -i, --id ID            ftok project id, 1..255 (default: 123)\n"
    "  -t, --timeout SECONDS  how long to wait for the sender (default: 30; 0: do not wait)\n"
    "  -h, --help             show this help\n"
    "Partner: sender (same -k and -i). Example:\n"
    "  ./receiver -k /tmp/q        (other terminal)  ./sender -k /tmp/q\n";

static int qid = -1;
static double timeout = 30;
static void wait_turn(const char *key_path, struct backoff *wait);

/* The receiver owns the queue's end: after all six, on failure, on
 * SIGINT/SIGTERM (MQ-4: the article's leaked when the receiver failed). */
static void remove_queue(void)
{
    if (qid != -1)
        msgctl(qid, IPC_RMID, NULL);
    qid = -1;
}

/* Wait for the sender's queue. One not full whose last sender is gone
 * (sender_alive) was left by a killed run: remove it, never read it (MQ-4). */
static int find_queue(key_t key, struct backoff *wait)
{
    for (bool said = false;; said = true) {
        int id = msgget(key, 0);
        die_if(id == -1 && errno != ENOENT, "msgget");
        if (id != -1) {
            struct msqid_ds ds;
            die_if(msgctl(id, IPC_STAT, &ds) == -1, "msgctl IPC_STAT");
            if (ds.msg_lspid == 0 || sender_alive(ds.msg_lspid, ds.msg_stime) || ds.msg_qnum == MsgCount)
                return id;
            note("removed a stale queue with %lu leftover messages", (unsigned long)ds.msg_qnum);
            die_if(msgctl(id, IPC_RMID, NULL) == -1 && errno != EIDRM, "msgctl IPC_RMID");
        }
        if (!said)
            note("waiting for a sender to create the queue (key 0x%08x)", (unsigned)key);
        if (!backoff_wait(wait)) {
            int late = msgget(key, 0); /* stopped or out of time: end even a queue that came now */
            if (late != -1)
                msgctl(late, IPC_RMID, NULL);
            if (stop_signal)
                exit_on_stop_signal();
            fail("gave up after %g s: no sender created the queue", timeout);
        }
    }
}

int main(int argc, char *argv[])
{
    char key_path[PATH_MAX];
    long id = ProjectId;
    static const struct option longopts[] = {{"key-path", required_argument, NULL, 'k'},
                                             {"id", required_argument, NULL, 'i'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    die_if(path_beside_program(KeyFile, key_path, sizeof key_path) == -1, "readlink /proc/self/exe");
    for (int c; (c = getopt_long(argc, argv, ":k:i:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'k': snprintf(key_path, sizeof key_path, "%s", optarg); break;
        case 'i': id = parse_long(usage_text, optarg, "--id", 1, 255); break;
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();

    key_t key = ftok(key_path, (int)id);
    die_if(key == -1, "ftok %s", key_path);
    struct backoff wait = backoff_start(timeout);
    wait_turn(key_path, &wait); /* one receiver per key */
    qid = find_queue(key, &wait);
    atexit(remove_queue);

    int i;
    for (i = 0; i < MsgCount && !stop_signal; i++) { /* a stop signal may come while we print */
        queuedMessage msg;
        /* Blocks until a message of this type is there (SIGALRM bounds the wait).
         * The payload's size (MQ-1); no MSG_NOERROR: a longer one is E2BIG, not cut. */
        alarm_after(wait.deadline - now_monotonic());
        ssize_t n = msgrcv(qid, &msg, sizeof msg.payload, ReceiveTypes[i], 0);
        alarm_off();
        if (n == -1 && errno == EIDRM) { /* a new sender replaced the queue: follow it */
            qid = find_queue(key, &wait);
            i--;
            continue;
        }
        if (n == -1 && errno == EINTR && stop_signal)
            break;
        if (n == -1 && errno == EINTR && timed_out)
            fail("gave up after %g s waiting for a message of type %d", timeout, ReceiveTypes[i]);
        die_if(n == -1, "msgrcv");
        msg.payload[(size_t)n < sizeof msg.payload ? (size_t)n : sizeof msg.payload - 1] = '\0';
        printf("%s received as type %i\n", msg.payload, (int)msg.type);
    }
    if (i < MsgCount) { /* stopped by SIGINT/SIGTERM: the queue goes too */
        remove_queue();
        exit_on_stop_signal();
    }

    die_if(msgctl(qid, IPC_RMID, NULL) == -1, "msgctl IPC_RMID");
    qid = -1;
    return 0;
}

/* Two receivers on one key would split the six messages. The key file is all
 * they share before the queue exists: the first locks it (flock: read access
 * is enough; like ftok, we never change it), a second waits its turn. */
static void wait_turn(const char *key_path, struct backoff *wait)
{
    int fd = open(key_path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    die_if(fd == -1, "open %s", key_path);
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return; /* fd stays open, and the lock with it, until the kernel drops it at our end */
    die_if(errno != EWOULDBLOCK, "flock %s", key_path);
    note("waiting for the receiver that holds %s", key_path);
    alarm_after(wait->deadline - now_monotonic());
    while (flock(fd, LOCK_EX) == -1) {
        if (errno == EINTR && stop_signal)
            exit_on_stop_signal();
        if (errno == EINTR && timed_out)
            fail("gave up after %g s: another receiver kept %s", timeout, key_path);
        die_if(errno != EINTR, "flock %s", key_path);
    }
    alarm_off();
}
