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
#include <limits.h>
#include <string.h>
#include <unistd.h>

#define ProjectId 123  /* ftok's project id: only its low 8 bits count (MQ-5), so 1..255 */
#define MsgLen 4       /* "msg1" */
#define MsgCount 6
#define AccessPerms 0600          /* owner only (the article used 0666, MQ-6) */
#define PosixQueueName "/mqpair"  /* the POSIX pair's queue: /dev/mqueue/mqpair */

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
 * ran in the source directory (MQ-5). Found from /proc/self/exe instead, it
 * is the same file, hence the same key, from any working directory. */
#define KeyFile "queue.h"
static inline int default_key_path(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash == NULL || (size_t)(slash + 1 - buf) + sizeof KeyFile > size) {
        errno = ENAMETOOLONG; /* so the caller's message does not say "Success" */
        return -1;
    }
    memcpy(slash + 1, KeyFile, sizeof KeyFile);
    return 0;
}

#endif
