/* svshm.h - the protocol shared by svwriter and svreader: System V shared
 * memory and a System V semaphore set, both under one ftok key.
 *
 * The same exchange as memwriter/memreader (shmem.h), through Linux's other
 * shared-memory API. One segment of ByteSize bytes carries the text; one set
 * of three semaphores carries the handshake:
 *
 *   SemWriting  1 while the writer has not yet written the text
 *   SemWriter   1 while a live svwriter owns the key
 *   SemDone     a reader's "I have read it", taken by the writer
 *
 * The writer raises SemWriting and SemWriter with SEM_UNDO: when it dies,
 * even by kill -9, the kernel undoes both, so a reader waiting for
 * SemWriting to become 0 wakes, and finds SemWriter 0: no live writer, no
 * text to trust.
 *
 *   svwriter                                  svreader
 *   semget IPC_EXCL (3 semaphores), SETALL 0  wait for a set that is
 *   semop {Writing +1, Writer +1}, SEM_UNDO   initialised (sem_otime != 0)
 *   shmget IPC_EXCL, shmat, write the text    and owned (SemWriter 1)
 *   semop {Writing -1} ---------------------> semop {Writing 0}: waits for 0
 *                                             shmget, shmat read-only;
 *                                             SemWriter still 1? print
 *   semop {Done -1}    <--------------------- semop {Done +1}
 *   IPC_RMID the set, then the segment
 *
 * The initialisation race (semget cannot create and initialise in one call,
 * as sem_open can): see svwriter.c and the README.
 */
#ifndef SVSHM_H
#define SVSHM_H

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ByteSize 512        /* segment size in bytes, as shmem.h's */
#define AccessPerms 0600    /* owner only, for the segment and the set */
#define MemContents "This is the way the world ends...\n"
#define ProjectId 124       /* ftok's id (1..255); queue.h's pair uses 123 */
#define InitGrace 2         /* seconds a creator may take to initialise a set */

enum { SemWriting, SemWriter, SemDone, SemCount }; /* the set's semaphores */
#define ShmFailed ((void *)-1) /* shmat's failure value */ // NOLINT(performance-no-int-to-ptr)

/* semctl's optional fourth argument: the caller must define it (semctl(2)). */
union semun {
    int val;               /* SETVAL */
    struct semid_ds *buf;  /* IPC_STAT */
    unsigned short *array; /* SETALL, GETALL */
};

/* semtimedop (Linux) takes a relative timeout; sem_timedwait an absolute time. */
static inline struct timespec timeout_in(double seconds)
{
    if (seconds < 0)
        seconds = 0; /* semtimedop then tries once: EAGAIN if it would wait */
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    return ts;
}

/* The key file: this header, beside the programs, found from /proc/self/exe
 * (path_beside_program, ipc.h, as for the message-queue pair), so the key
 * is the same from any working directory. */
#define KeyFile "svshm.h"

#endif
