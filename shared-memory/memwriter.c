/* memwriter.c - put a line of text in POSIX shared memory and tell the reader.
 *
 * Partner: memreader. Protocol and handshake: shmem.h. Article: "Inter-process
 * communication in Linux", part 1 (Shared files and shared memory), Example 3.
 *
 *     terminal 1: ./memwriter         terminal 2: ./memreader
 *
 * Either may start first. The writer stays until the reader has posted "done"
 * (no 12-second nap, ERRATA SHM-4), then removes the segment and semaphores. */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: shm_open, ftruncate, sem_timedwait (ERRATA B-2) */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc.h"
#include "shmem.h"

static const char usage_text[] =
    "Usage: memwriter [-m NAME] [-s NAME] [-x TEXT] [-t SECONDS]\n"
    "Write TEXT into a POSIX shared-memory segment and wait until memreader read it.\n"
    "  -m, --shm NAME        segment name (default: " BackingFile ")\n"
    "  -s, --sem NAME        semaphore name (default: " SemaphoreName "; reply: NAME" DoneSuffix ")\n"
    "  -x, --text TEXT       what to write (default: the article's line)\n"
    "  -t, --timeout SECONDS how long to wait for the reader (default: 30; 0: do not wait)\n"
    "  -h, --help            show this help\n"
    "Partner: memreader. Example (two terminals):\n"
    "  ./memwriter -m /demo -s /demosem       ./memreader -m /demo -s /demosem\n";

static struct shm_options opt; /* -m, -s, -x, -t, and the reply semaphore's name */
static bool own_segment, own_ready, own_done; /* what this run created */
static int claim_names(void);

/* Remove what this run created, semaphores first (shmem.h). Registered with
 * atexit, so it also runs when die() exits half way, before the lock goes. */
static void unlink_objects(void)
{
    if (own_ready)
        sem_unlink(opt.sem); /* the article never did: SHM-2 */
    if (own_done)
        sem_unlink(opt.done);
    if (own_segment)
        shm_unlink(opt.shm); /* the article's reader used unlink(): SHM-3 */
    own_segment = own_ready = own_done = false;
}

/* A semaphore left by a killed run holds an old value: never reuse it (SHM-7).
 * Opened first: glibc refuses a symlink or directory there, and so do we. */
static void remove_stale_sem(const char *name)
{
    sem_t *old = sem_open(name, 0);
    if (old == SEM_FAILED && errno == ENOENT)
        return;
    die_if(old == SEM_FAILED, "sem_open %s", name);
    die_if(sem_close(old) == -1 || sem_unlink(name) == -1, "sem_unlink %s", name);
    note("removed %s left by an earlier run", name);
}

int main(int argc, char *argv[])
{
    program_init(argv);
    opt = shm_options(argc, argv, usage_text, true);
    catch_stop_signals();

    int fd = claim_names(); /* our own segment, locked while we live; what a killed run left goes */

    /* Both semaphores start at 0: nothing written, nothing read. O_EXCL: never
     * an old one with an old value (SHM-2). Failure: SEM_FAILED (SHM-1). */
    sem_t *ready = sem_open(opt.sem, O_CREAT | O_EXCL, AccessPerms, 0);
    die_if(ready == SEM_FAILED, "sem_open %s", opt.sem);
    own_ready = true;
    sem_t *done = sem_open(opt.done, O_CREAT | O_EXCL, AccessPerms, 0);
    die_if(done == SEM_FAILED, "sem_open %s", opt.done);
    own_done = true;

    /* A new segment has size 0: give it its bytes, and check: touching memory
     * past the end is SIGBUS (SHM-5). The size tells readers "open". */
    die_if(ftruncate(fd, ByteSize) == -1, "ftruncate %s", opt.shm);
    char *mem = mmap(NULL, ByteSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    die_if(mem == MAP_FAILED, "mmap %s", opt.shm); /* char *, not caddr_t (B-1) */
    fprintf(stderr, "shared mem address: %p [0..%d]\n", (void *)mem, ByteSize - 1);
    fprintf(stderr, "backing file:\t\t/dev/shm%s\n", opt.shm); /* the article's two tabs */

    memcpy(mem, opt.text, strlen(opt.text) + 1); /* the segment was zero-filled */

    /* ready 0 -> 1: one unit of "text available" for the reader to take. */
    die_if(sem_post(ready) == -1, "sem_post %s", opt.sem);

    /* Wait for the reader's "done" (0 -> 1, which sem_wait takes back). */
    note("waiting for memreader to read %s", opt.shm);
    struct timespec deadline = realtime_after(opt.timeout);
    while (sem_timedwait(done, &deadline) == -1) {
        if (errno == EINTR && stop_signal) {
            unlink_objects();
            exit_on_stop_signal();
        }
        if (errno == ETIMEDOUT)
            fail("gave up after %g s: no memreader read %s", opt.timeout, opt.shm);
        die_if(errno != EINTR, "sem_timedwait %s", opt.done);
    }

    die_if(munmap(mem, ByteSize) == -1, "munmap");
    die_if(sem_close(ready) == -1 || sem_close(done) == -1, "sem_close");
    unlink_objects(); /* shm_unlink, sem_unlink: while the lock is ours */
    die_if(close(fd) == -1, "close"); /* drops the lock */
    return 0;
}

/* Own the names: a segment this run created (O_EXCL), locked on AliveByte and
 * ClaimByte, then no old semaphores. A segment already there has a live writer,
 * which holds ClaimByte: refuse, touching nothing; or was left by a killed run:
 * take ClaimByte, remove it, try again. A link count of 0 (fstat) means another
 * writer removed the name between our shm_open and our lock. */
static int claim_names(void)
{
    struct flock mine = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = AliveByte, .l_len = 2};
    struct flock check = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = ClaimByte, .l_len = 1};
    struct stat st;
    for (int tries = 0; tries < 100; tries++) {
        int fd = shm_open(opt.shm, O_RDWR | O_CREAT | O_EXCL, AccessPerms);
        if (fd != -1 && fcntl(fd, F_SETLK, &mine) == 0 && fstat(fd, &st) == 0 && st.st_nlink > 0) {
            own_segment = true;
            atexit(unlink_objects);
            remove_stale_sem(opt.sem);
            remove_stale_sem(opt.done);
            return fd;
        }
        if (fd != -1) { /* another writer took it for a leftover: try again */
            die_if(close(fd) == -1, "close");
            continue;
        }
        die_if(errno != EEXIST, "shm_open %s", opt.shm);
        if ((fd = shm_open(opt.shm, O_RDWR, 0)) == -1 && errno == ENOENT)
            continue; /* removed meanwhile */
        die_if(fd == -1 || fstat(fd, &st) == -1, "shm_open %s", opt.shm);
        if (!S_ISREG(st.st_mode) || (st.st_size != 0 && st.st_size != ByteSize))
            fail("%s is not a memwriter segment: leaving it alone", opt.shm);
        if (fcntl(fd, F_SETLK, &check) == -1) {
            die_if(errno != EAGAIN && errno != EACCES, "fcntl F_SETLK %s", opt.shm);
            fail("another memwriter is using %s", opt.shm);
        }
        if (fstat(fd, &st) == 0 && st.st_nlink > 0) { /* no live writer has it */
            die_if(shm_unlink(opt.shm) == -1 && errno != ENOENT, "shm_unlink %s", opt.shm);
            note("removed %s left by an earlier run", opt.shm);
        }
        die_if(close(fd) == -1, "close");
    }
    fail("%s keeps changing: gave up", opt.shm);
}
