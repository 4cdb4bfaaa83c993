/* mech_mq.c - message queues: System V (sysv-mq) and POSIX (posix-mq).
 *
 * A message queue is a list of messages kept by the kernel: send copies a
 * message in, receive copies the oldest (or, System V, the oldest of a
 * chosen type) out, whole. Each message has a size limit set by the
 * administrator: /proc/sys/kernel/msgmax (System V) and
 * /proc/sys/fs/mqueue/msgsize_max (POSIX), 8192 bytes by default. Larger
 * sizes are skipped, and the table says why.
 */
#define _XOPEN_SOURCE 700 /* System V messages (XSI), POSIX message queues */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#include "ipc.h"
#include "mech.h"

/* A limit from /proc, or -1. */
static long proc_limit(const char *path)
{
    char text[32] = "";
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    if (fgets(text, sizeof text, f) == NULL)
        text[0] = '\0';
    fclose(f);
    char *end;
    long v = strtol(text, &end, 10);
    return end == text ? -1 : v;
}
static size_t limit_from(const char *path, const char *name, const char **why)
{
    static char text[64];
    long v = proc_limit(path);
    snprintf(text, sizeof text, "%s %ld", name, v);
    *why = text;
    return v > 0 ? (size_t)v : 8192; /* unreadable: assume the default */
}

/* --- sysv-mq: one queue both ways, the message type naming the direction -- */

static int qid = -1;
static struct {
    long type; /* > 0; msgrcv can ask for one type: the partner's direction */
    char data[MAXMSG];
} qmsg;

static size_t sysv_max(const char **why) { return limit_from("/proc/sys/kernel/msgmax", "msgmax", why); }
/* IPC_PRIVATE: a new queue with no key, reachable only through its id,
 * which the child inherits. A queue lives until removed (IPC_RMID), even
 * past the processes: teardown removes it. */
static void setup_sysv(size_t size)
{
    (void)size;
    qid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    die_if(qid == -1, "msgget");
}
static void send_sysv(int role, const void *msg, size_t size)
{
    qmsg.type = role + 1;
    memcpy(qmsg.data, msg, size);
    while (msgsnd(qid, &qmsg, size, 0) == -1) /* blocks while the queue is full (msgmnb bytes) */
        retry_if_interrupted("msgsnd");
}
static void recv_sysv(int role, void *msg, size_t size)
{
    ssize_t n;
    while ((n = msgrcv(qid, &qmsg, size, (!role) + 1, 0)) == -1) /* the other direction's type */
        retry_if_interrupted("msgrcv");
    if (n != (ssize_t)size)
        fail("sysv-mq: a message of the wrong size arrived");
    memcpy(msg, qmsg.data, size);
}
static void remove_sysv(void)
{
    if (qid != -1)
        warn_if(msgctl(qid, IPC_RMID, NULL) == -1, "msgctl IPC_RMID");
    qid = -1;
}

/* --- posix-mq: two queues, one per direction ---------------------------- */

static mqd_t queue[2] = {(mqd_t)-1, (mqd_t)-1};

static size_t posix_max(const char **why) { return limit_from("/proc/sys/fs/mqueue/msgsize_max", "msgsize_max", why); }
static void setup_posix(size_t size)
{
    /* 8 messages of exactly the message size; the queue's memory counts
     * against the user's RLIMIT_MSGQUEUE. */
    struct mq_attr attr = {.mq_maxmsg = 8, .mq_msgsize = (long)size};
    for (int d = 0; d < 2; d++) {
        char name[64];
        snprintf(name, sizeof name, "/ipcbench.%d.%d", (int)getpid(), d);
        queue[d] = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
        die_if(queue[d] == (mqd_t)-1, "mq_open %s", name);
        /* The name goes at once: the open descriptors (the child's too,
         * after fork) keep the queue, and nothing outlives the bench. */
        die_if(mq_unlink(name) == -1, "mq_unlink %s", name);
    }
}
static void send_posix(int role, const void *msg, size_t size)
{
    while (mq_send(queue[role], msg, size, 0) == -1)
        retry_if_interrupted("mq_send");
}
static void recv_posix(int role, void *msg, size_t size)
{
    ssize_t n;
    while ((n = mq_receive(queue[!role], msg, size, NULL)) == -1)
        retry_if_interrupted("mq_receive");
    if (n != (ssize_t)size)
        fail("posix-mq: a message of the wrong size arrived");
}
static void close_posix(void)
{
    for (int d = 0; d < 2; d++) {
        if (queue[d] != (mqd_t)-1)
            warn_if(mq_close(queue[d]) == -1, "mq_close");
        queue[d] = (mqd_t)-1;
    }
}

const struct mech mech_sysv_mq = {
    .name = "sysv-mq", .what = "System V message queue (msgsnd/msgrcv), message type = direction",
    .max_size = sysv_max, .setup = setup_sysv, .send = send_sysv, .recv = recv_sysv, .teardown = remove_sysv,
};
const struct mech mech_posix_mq = {
    .name = "posix-mq", .what = "POSIX message queues (mq_send/mq_receive), one per direction",
    .max_size = posix_max, .setup = setup_posix, .send = send_posix, .recv = recv_posix, .teardown = close_posix,
};
