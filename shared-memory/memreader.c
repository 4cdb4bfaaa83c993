/* memreader.c - wait for memwriter's text in shared memory and print it.
 *
 * Partner: memwriter. Protocol and handshake: shmem.h. Article: "Inter-process
 * communication in Linux", part 1 (Shared files and shared memory), Example 4.
 *
 *     terminal 1: ./memwriter         terminal 2: ./memreader
 *
 * Started first, the reader retries (with back-off) until a live writer has
 * set up the segment; it never trusts a segment or semaphore left by a killed
 * run (ERRATA SHM-2, SHM-7), and a writer that goes away before posting sends
 * it back to waiting for the next. It removes nothing: the writer does. */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: shm_open, sem_timedwait (ERRATA B-2) */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc.h"
#include "shmem.h"

static const char usage_text[] =
    "Usage: memreader [-m NAME] [-s NAME] [-t SECONDS]\n"
    "Wait for memwriter's text in a POSIX shared-memory segment, print it, and\n"
    "tell the writer it is done.\n"
    "  -m, --shm NAME        segment name (default: " BackingFile ")\n"
    "  -s, --sem NAME        semaphore name (default: " SemaphoreName ")\n"
    "  -t, --timeout SECONDS how long to wait for the writer (default: 30; 0: do not wait)\n"
    "  -h, --help            show this help\n"
    "Partner: memwriter. Example (two terminals):\n"
    "  ./memwriter -m /demo -s /demosem       ./memreader -m /demo -s /demosem\n";

static struct shm_options opt; /* -m, -s, -t, and the reply semaphore's name */
static int find_writer(struct backoff *wait, sem_t **ready, sem_t **done);
static bool writer_alive(int fd);

int main(int argc, char *argv[])
{
    program_init(argv);
    opt = shm_options(argc, argv, usage_text, false);
    catch_stop_signals();

    struct backoff wait = backoff_start(opt.timeout);
    sem_t *ready, *done;
    int fd = -1;
    for (;;) {
        if (fd == -1) /* a live writer's segment, its semaphores open */
            fd = find_writer(&wait, &ready, &done);
        /* sem_wait takes one unit: it waits while the value is 0 ("not
         * written yet") and decrements it when the writer's post makes it 1
         * (SHM-8). In slices of 0.1 s: nothing wakes us if the writer dies,
         * or leaves after serving another reader; then find the next one. */
        double left = wait.deadline - now_monotonic();
        struct timespec slice = realtime_after(left < 0.1 ? left : 0.1);
        if (sem_timedwait(ready, &slice) == 0)
            break;
        if (errno == EINTR && stop_signal)
            exit_on_stop_signal();
        die_if(errno != EINTR && errno != ETIMEDOUT, "sem_timedwait %s", opt.sem);
        if (left <= 0)
            fail("gave up after %g s: memwriter never posted %s", opt.timeout, opt.sem);
        if (!writer_alive(fd)) {
            die_if(close(fd) == -1 || sem_close(ready) == -1 || sem_close(done) == -1, "close");
            fd = -1;
        }
    }

    char *mem = mmap(NULL, ByteSize, PROT_READ, MAP_SHARED, fd, 0);
    die_if(mem == MAP_FAILED, "mmap %s", opt.shm);
    /* Bounded: at most the segment's size, even if no NUL was written. */
    die_if(write_all(STDOUT_FILENO, mem, strnlen(mem, ByteSize)) == -1, "write stdout");

    die_if(sem_post(done) == -1, "sem_post %s", opt.done); /* "read it, you may go" */
    die_if(munmap(mem, ByteSize) == -1, "munmap");
    die_if(close(fd) == -1, "close");
    die_if(sem_close(ready) == -1 || sem_close(done) == -1, "sem_close");
    return 0;
}

/* Wait (with back-off: no event says "a name appeared") for a segment whose
 * writer is alive, and open its semaphores. A killed writer's leftovers are
 * never used (SHM-2, SHM-7): its segment has no lock, and its semaphores
 * are opened only once a live writer has replaced them with its own. */
static int find_writer(struct backoff *wait, sem_t **ready, sem_t **done)
{
    for (bool said = false;; said = true) {
        /* O_NONBLOCK: should the name be a FIFO, open must not wait for it */
        int fd = shm_open(opt.shm, O_RDONLY | O_NONBLOCK, 0);
        die_if(fd == -1 && errno != ENOENT, "shm_open %s", opt.shm);
        if (fd != -1 && writer_alive(fd)) {
            /* Without O_CREAT: the reader never makes a semaphore. */
            *ready = sem_open(opt.sem, 0);
            die_if(*ready == SEM_FAILED && errno != ENOENT, "sem_open %s", opt.sem);
            *done = *ready == SEM_FAILED ? SEM_FAILED : sem_open(opt.done, 0);
            die_if(*done == SEM_FAILED && errno != ENOENT, "sem_open %s", opt.done);
            /* Alive still: then it had not yet removed its semaphores, and
             * no later writer could have made new ones under these names. */
            if (*done != SEM_FAILED && writer_alive(fd))
                return fd;
            die_if(*ready != SEM_FAILED && sem_close(*ready) == -1, "sem_close");
            die_if(*done != SEM_FAILED && sem_close(*done) == -1, "sem_close");
        }
        die_if(fd != -1 && close(fd) == -1, "close");
        if (!said)
            note("waiting for memwriter to create %s", opt.shm);
        if (!backoff_wait(wait)) {
            if (stop_signal)
                exit_on_stop_signal();
            fail("gave up after %g s: no memwriter created %s", opt.timeout, opt.shm);
        }
    }
}

/* A writer's sign of life (shmem.h): its lock on AliveByte, which the kernel
 * drops when it dies, however it dies; a segment that still has its name
 * (link count > 0) and its full size (so its semaphores exist). */
static bool writer_alive(int fd)
{
    struct flock probe = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = AliveByte, .l_len = 1};
    struct stat st;
    die_if(fcntl(fd, F_GETLK, &probe) == -1, "fcntl F_GETLK %s", opt.shm);
    die_if(fstat(fd, &st) == -1, "fstat %s", opt.shm);
    return probe.l_type == F_WRLCK && st.st_nlink > 0 && st.st_size == ByteSize;
}
