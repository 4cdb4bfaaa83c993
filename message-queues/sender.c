/* sender.c - put six typed messages on a System V message queue.
 *
 * Partner: receiver, which takes them out by type, not in arrival order.
 * Protocol: queue.h. Article: "Inter-process communication in Linux", part 2
 * (Using pipes and message queues), Example 5.
 *
 *     ./sender      (then, in this or another terminal)      ./receiver
 *
 * The queue lives in the kernel, not in either process: it outlives the
 * sender, and only the receiver's msgctl(IPC_RMID) removes it.
 */
#define _XOPEN_SOURCE 700 /* XSI: System V queues (msgget, msgsnd) and ftok */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include "ipc.h"
#include "queue.h"

static const char usage_text[] =
    "Usage: sender [-k PATH] [-i ID]\n"
    "Create a System V message queue (replacing one left by an earlier run) and\n"
    "send msg1..msg6 with types 1,1,2,2,3,3. The queue stays for the receiver.\n"
    "Refuses (exit 1) while another sender is sending on the same key.\n"
    "  -k, --key-path PATH  file or directory for ftok (default: queue.h beside\n"
    "                       this program, so any working directory works)\n"
    "  -i, --id ID          ftok project id, 1..255 (default: 123)\n"
    "  -h, --help           show this help\n"
    "Partner: receiver (same -k and -i). Example:\n"
    "  ./sender -k /tmp/q && ./receiver -k /tmp/q\n";

#define CreateGrace 1 /* seconds a sender may take from msgget to its first msgsnd */

static int qid = -1; /* removed at exit until all six messages are in */
static void clear_stale_queue(key_t key);

static void remove_unfinished_queue(void)
{
    if (qid != -1)
        msgctl(qid, IPC_RMID, NULL);
}

int main(int argc, char *argv[])
{
    char key_path[PATH_MAX];
    long id = ProjectId;
    static const struct option longopts[] = {{"key-path", required_argument, NULL, 'k'},
                                             {"id", required_argument, NULL, 'i'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    die_if(path_beside_program(KeyFile, key_path, sizeof key_path) == -1, "readlink /proc/self/exe");
    for (int c; (c = getopt_long(argc, argv, ":k:i:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'k': snprintf(key_path, sizeof key_path, "%s", optarg); break;
        case 'i': id = parse_long(usage_text, optarg, "--id", 1, 255); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();

    /* ftok mixes the file's inode and device numbers with the id: the same
     * file and id give the same key in every process. */
    key_t key = ftok(key_path, (int)id);
    die_if(key == -1, "ftok %s", key_path);

    clear_stale_queue(key); /* refuse a live sender's queue, remove a dead one's */

    /* IPC_EXCL: a fresh queue, ours alone; 0600: only our user (MQ-6). */
    qid = msgget(key, IPC_CREAT | IPC_EXCL | AccessPerms);
    if (qid == -1 && errno == EEXIST) /* created since we looked */
        fail("another sender is using key 0x%08x", (unsigned)key);
    die_if(qid == -1, "msgget key 0x%08x", (unsigned)key);
    atexit(remove_unfinished_queue);

    for (int i = 0; i < MsgCount && !stop_signal; i++) {
        queuedMessage msg = {.type = SendTypes[i]};
        snprintf(msg.payload, sizeof msg.payload, "%s", Payloads[i]);
        /* The size is the payload's, not sizeof msg (MQ-1). Without
         * IPC_NOWAIT, msgsnd waits if the queue is full; checked (MQ-2). */
        if (msgsnd(qid, &msg, sizeof msg.payload, 0) == -1) {
            die_if(!stop_signal, "msgsnd");
            break; /* interrupted by SIGINT/SIGTERM */
        }
        printf("%s sent as type %i\n", msg.payload, (int)msg.type);
    }
    if (stop_signal) { /* stopped while sending: the queue goes too */
        remove_unfinished_queue();
        exit_on_stop_signal();
    }
    qid = -1; /* complete: the queue now belongs to the receiver */
    return 0;
}

/* A queue already under this key: if its last sender still runs, it is
 * another sender's, mid-run: refuse, touching nothing. With no message yet
 * (msg_lspid 0) and made a moment ago, its sender is between msgget and its
 * first msgsnd: wait for that send, a little. Otherwise it was left by a run
 * that did not finish (MQ-4): its messages would be read as ours. Remove it. */
static void clear_stale_queue(key_t key)
{
    struct backoff grace = backoff_start(CreateGrace + 1);
    for (int old; (old = msgget(key, 0)) != -1;) {
        struct msqid_ds ds;
        if (msgctl(old, IPC_STAT, &ds) == -1) {
            die_if(errno != EINVAL && errno != EIDRM, "msgctl IPC_STAT (key 0x%08x)", (unsigned)key);
            continue; /* removed since msgget: a receiver finished */
        }
        if (ds.msg_lspid == 0 && time(NULL) - ds.msg_ctime <= CreateGrace && backoff_wait(&grace))
            continue;
        if (stop_signal)
            exit_on_stop_signal();
        if (sender_alive(ds.msg_lspid, ds.msg_stime))
            fail("another sender (PID %d) is using key 0x%08x", (int)ds.msg_lspid, (unsigned)key);
        if (msgctl(old, IPC_RMID, NULL) == 0)
            note("removed a queue left by an earlier run (key 0x%08x)", (unsigned)key);
        else
            die_if(errno != EINVAL && errno != EIDRM, "msgctl IPC_RMID (stale queue)");
    }
    die_if(errno != ENOENT, "msgget key 0x%08x", (unsigned)key);
}
