/* queue.h - the protocol shared by sender and receiver (System V queue)
 * and by mqsender and mqreceiver (POSIX queue).
 *
 * Six messages msg1..msg6. With System V queues each carries a type
 * (1,1,2,2,3,3) and the receiver asks for types 3,1,2,1,3,2; with POSIX
 * queues each carries a priority (1,1,2,2,3,3) and the queue hands out the
 * highest priority first.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"

#define ProjectId 123  /* ftok's project id: only its low 8 bits count (MQ-5), so 1..255 */
#define MsgLen 4       /* "msg1" */
#define MsgCount 6
#define AccessPerms 0600          /* owner only (the article used 0666, MQ-6) */
#define PosixQueueName "/mqpair"  /* the POSIX pair's queue: /dev/mqueue/mqpair */

/* A POSIX queue made for this protocol (struct mq_attr): room for the six,
 * each message exactly MsgLen + 1 bytes. mqsender creates it so; a queue
 * with other attributes under the name is someone else's, left alone. */
#define PosixQueueFits(a) ((a).mq_maxmsg >= MsgCount && (a).mq_msgsize == MsgLen + 1)

/* On Linux an mqd_t is a file descriptor (mq_overview(7)), and fstat works on
 * it. A queue whose name was removed (mq_unlink) lives on for those who have
 * it open, with no link: false means that the name, if it exists again, now
 * refers to another queue. */
static inline bool queue_named(int mq)
{
    struct stat st;
    return fstat(mq, &st) == 0 && st.st_nlink > 0;
}

/* The POSIX pair's lock: a write lock on the whole queue (fcntl, on that
 * descriptor), held by mqsender while it sends and by mqreceiver to take the
 * queue off its name. -1 with EAGAIN or EACCES: a live process holds it. */
static inline int lock_queue(int mq)
{
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    return fcntl(mq, F_SETLK, &lock);
}

/* A queue made by mqsender (PosixQueueFits), or exit 1, touching nothing. */
static inline void check_fits(mqd_t mq, const char *name)
{
    struct mq_attr attr;
    die_if(mq_getattr(mq, &attr) == -1, "mq_getattr");
    if (!PosixQueueFits(attr))
        fail("%s is not an mqsender queue (%ld messages of %ld bytes): leaving it alone", name,
             (long)attr.mq_maxmsg, (long)attr.mq_msgsize);
}

/* A System V message: a positive type, then the payload. msgsnd and
 * msgrcv take the size of the payload only, not of the whole struct (MQ-1). */
typedef struct {
    long type;                /* must be > 0 */
    char payload[MsgLen + 1]; /* "msg1" and its NUL */
} queuedMessage;

static const char *const Payloads[MsgCount] = {"msg1", "msg2", "msg3", "msg4", "msg5", "msg6"};
static const int SendTypes[MsgCount] = {1, 1, 2, 2, 3, 3};    /* also the POSIX priorities */
static const int ReceiveTypes[MsgCount] = {3, 1, 2, 1, 3, 2}; /* System V receiver's order */

/* The key file: this header, beside the programs. The article's
 * ftok("queue.h", ...) is relative, so the two programs met only when both
 * ran in the source directory (MQ-5). Found from /proc/self/exe instead
 * (path_beside_program, ipc.h), it is the same file, hence the same key,
 * from any working directory. (The article called it PathName.) */
#define KeyFile "queue.h"

/* Is the process that last sent to a System V queue (msg_lspid, at time
 * msg_stime, in whole seconds) still running? kill(pid, 0) only says that
 * *a* process has that PID: PIDs are reused, so it may be a newer one. The
 * one we find must have started before the second after the send. Its start
 * is field 22 of /proc/PID/stat, in clock ticks since boot; /proc/uptime
 * gives the seconds since boot, to the hundredth. */
static inline bool sender_alive(pid_t pid, time_t sent)
{
    if (pid <= 0 || (kill(pid, 0) == -1 && errno != EPERM))
        return false;
    char path[32], line[1024];
    unsigned long long ticks;
    double up;
    struct timespec now;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(line, 1, sizeof line - 1, f) : 0;
    if (f)
        fclose(f);
    line[n] = '\0';
    const char *fields = strrchr(line, ')'); /* the name may hold spaces */
    if (!fields || sscanf(fields + 2, "%*c%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s %llu",
                          &ticks) != 1 || (f = fopen("/proc/uptime", "r")) == NULL)
        return true; /* it exists, and /proc cannot say more */
    n = (size_t)fscanf(f, "%lf", &up);
    fclose(f);
    if (n != 1 || clock_gettime(CLOCK_REALTIME, &now) == -1)
        return true;
    double started = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - up + (double)ticks / (double)sysconf(_SC_CLK_TCK);
    return started < (double)sent + 1;
}

#endif
