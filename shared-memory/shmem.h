/* shmem.h - the protocol shared by memwriter and memreader.
 *
 * One POSIX shared-memory segment carries the text; two named semaphores
 * carry the handshake (both start at 0, each counts events not yet seen):
 *
 *   memwriter                                 memreader
 *   create the segment (size 0) and lock it
 *   create both semaphores, then size the
 *   segment: ByteSize means "open"            find a segment that is locked
 *                                             and ByteSize long; open the
 *                                             semaphores
 *   write the text, sem_post(ready) ------->  sem_wait(ready)
 *                                             read the text
 *   sem_wait(done)  <-----------------------  sem_post(done)
 *   unlink the semaphores, then the segment   exit
 *   exit (the kernel drops the lock)
 *
 * The lock is an fcntl write lock on bytes of the segment (a lock may lie
 * past the end of a file). The kernel drops it when the writer dies,
 * however it dies, so a segment nobody locks was left by a killed run
 * (ERRATA SHM-7). Two bytes, so that a reader can tell a live writer from
 * one that is only checking a leftover:
 *   AliveByte  held by the writer that owns the names, for its whole run;
 *              the only byte a reader looks at
 *   ClaimByte  held by that writer too, and for a moment by a second writer
 *              that found the names taken: if it gets the byte, no live
 *              writer holds them, and it may remove them
 *
 * The names are what the kernel knows them by: shm_open("/shMemEx") is
 * /dev/shm/shMemEx, sem_open("/mysemaphore") is /dev/shm/sem.mysemaphore
 * (ERRATA SHM-6: portable names start with '/' and have no other '/').
 */
#ifndef SHMEM_H
#define SHMEM_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ipc.h"

#define BackingFile "/shMemEx"       /* segment name (option -m) */
#define ByteSize 512                 /* segment size in bytes */
#define AccessPerms 0600             /* owner only (the article used 0644) */
#define SemaphoreName "/mysemaphore" /* "text written": writer posts, reader waits (option -s) */
#define DoneSuffix "-done"           /* "/mysemaphore-done": reader posts, writer waits */
#define MemContents "This is the way the world ends...\n"
#define AliveByte 0                  /* the owner's lock: "a live writer" */
#define ClaimByte 1                  /* the lock a writer needs to remove leftovers */

/* The portable form of a name is "/name", with no other '/' (SHM-6). And
 * glibc keeps semaphore "/x" in /dev/shm as file sem.x, so a segment named
 * "/sem.x" would be the very file of semaphore "/x": refused. */
static inline bool portable_names(const char *shm, const char *sem)
{
    return shm[0] == '/' && !strchr(shm + 1, '/') && strncmp(shm, "/sem.", 5) != 0 &&
           sem[0] == '/' && !strchr(sem + 1, '/');
}

/* Both programs' options: the names, the timeout, and the writer's text. */
struct shm_options {
    const char *shm, *sem; /* -m, -s */
    char done[256];        /* the reply semaphore: -s followed by DoneSuffix */
    const char *text;      /* -x: the writer's only */
    double timeout;        /* -t */
};

/* Parse them, and check them; exit 2 with the usage if they will not do. */
static inline struct shm_options shm_options(int argc, char *argv[], const char *usage_text, bool writer)
{
    struct shm_options o = {.shm = BackingFile, .sem = SemaphoreName, .text = MemContents, .timeout = 30};
    static const struct option longopts[] = {
        {"text", required_argument, NULL, 'x'}, {"shm", required_argument, NULL, 'm'},
        {"sem", required_argument, NULL, 's'},  {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    const char *optstring = writer ? ":x:m:s:t:h" : ":m:s:t:h";
    const struct option *table = writer ? longopts : longopts + 1; /* the reader's has no --text */
    for (int c; (c = getopt_long(argc, argv, optstring, table, NULL)) != -1;) {
        switch (c) {
        case 'm': o.shm = optarg; break;
        case 's': o.sem = optarg; break;
        case 'x': o.text = optarg; break;
        case 't': o.timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    if (!portable_names(o.shm, o.sem))
        usage(usage_text, "names must look like /name (one leading '/', no other; not /sem.*)");
    if (strlen(o.text) >= ByteSize)
        usage(usage_text, "--text: at most %d bytes", ByteSize - 1);
    if (snprintf(o.done, sizeof o.done, "%s%s", o.sem, DoneSuffix) >= (int)sizeof o.done)
        usage(usage_text, "--sem: name too long");
    return o;
}

#endif
