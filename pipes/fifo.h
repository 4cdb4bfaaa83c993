/* fifo.h - the protocol shared by fifoWriter and fifoReader.
 *
 * The writer sends MaxLoops x ChunkSize chunks of IntsPerChunk ints
 * (native byte order, 4 bytes each) through a named pipe, pausing a random
 * 1..MaxZs microseconds after each loop. There is no header and no trailer:
 * the stream ends when the writer closes its end, so the reader counts
 * whatever arrives (a stream that stops inside an int is an error); with
 * -n it also checks the count.
 *
 * The name, and who may use the FIFO behind it (beyond the article):
 *
 *     either side                          the other side
 *     mkfifo(0600), or EEXIST: lstat,
 *       a FIFO of ours, not a symlink
 *     open(O_NOFOLLOW); fstat: the very
 *       FIFO lstat saw (same_fifo)
 *     lock: one reader (flock) and one     (a second one of a kind
 *       writer (fcntl) per FIFO             refuses or waits its turn)
 *     both ends open: remove the name,     the name may be gone already
 *       if it still is that FIFO
 */
#ifndef FIFO_H
#define FIFO_H

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc.h"

#define FifoName "./fifoChannel" /* the rendezvous name in the file system (option -p) */
#define MaxLoops 12000           /* outer loop (option -n) */
#define ChunkSize 16             /* chunks written per loop */
#define IntsPerChunk 4           /* ints per chunk: one 16-byte write, atomic (< PIPE_BUF) */
#define MaxZs 250                /* max microseconds to pause per loop (option -d) */
#define AccessPerms 0600         /* owner only (the article used 0666) */

/* `now` is the FIFO `checked` describes: a FIFO, of ours, the same inode.
 * lstat and open are two steps, and between them anyone who may write to
 * the directory can put a symlink (O_NOFOLLOW refuses it) or a regular
 * file at the name: open succeeds on a file, and fstat then tells. */
static inline bool same_fifo(const struct stat *checked, const struct stat *now)
{
    return S_ISFIFO(now->st_mode) && now->st_uid == geteuid() && now->st_dev == checked->st_dev &&
           now->st_ino == checked->st_ino;
}

/* After mkfifo: what is at the name (lstat, *st) must be a FIFO of ours. */
static inline void check_fifo(const char *path, struct stat *st)
{
    die_if(lstat(path, st) == -1, "lstat %s", path);
    if (!same_fifo(st, st))
        fail("%s exists and is not a FIFO of ours", path);
}

/* After open: the descriptor `fd` must be the FIFO `checked` describes. */
static inline void check_opened_fifo(int fd, const char *path, const struct stat *checked)
{
    struct stat now;
    if (fstat(fd, &now) == -1 || !same_fifo(checked, &now))
        fail("%s was replaced by something else while we opened it", path);
}

/* Remove the name, but only while it still names our FIFO: a new pair may
 * already have made a new FIFO there (P-4), or someone put a file there. */
static inline int remove_fifo(const char *path, const struct stat *ours)
{
    struct stat now;
    if (lstat(path, &now) == -1 || !same_fifo(ours, &now))
        return 0; /* gone already (the partner removed it), or not ours */
    return unlink(path) == -1 && errno != ENOENT ? -1 : 0;
}

/* Both ends are open: the name has done its job (P-4). Either side removes it. */
static inline void name_done(const char *path, const struct stat *ours)
{
    if (remove_fifo(path, ours) == -1)
        note("could not remove %s: %s", path, strerror(errno));
}

#endif
