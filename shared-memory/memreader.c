/* memreader.c - wait for memwriter's text in shared memory and print it.
 *
 * Partner: memwriter. Protocol and handshake: shmem.h.
 * Article: "Inter-process communication in Linux", part 1 (Shared files and
 * shared memory), Example 4.
 *
 *     terminal 1: ./memwriter         terminal 2: ./memreader
 *
 * Started first, the reader retries (with back-off) until a live writer has
 * created the segment; it never trusts a segment or semaphore left by a
 * killed run (ERRATA SHM-2, SHM-7). It removes nothing: the writer does,
 * after the reader's "done".
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: shm_open, sem_timedwait (ERRATA B-2) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ipc.h"
#include "shmem.h"

static const char usage_text[] =
    "Usage: memreader [-m NAME] [-s NAME] [-t SECONDS]\n"
    "Wait for memwriter's text in a POSIX shared-memory segment, print it, and\n"
    "tell the writer it is done.\n"
    "  -m, --shm NAME        segment name (default: " BackingFile ")\n"
    "  -s, --sem NAME        semaphore name (default: " SemaphoreName ")\n"
    "  -t, --timeout SECONDS how long to wait for the writer (default: 30)\n"
    "  -h, --help            show this help\n"
    "Partner: memwriter. Example (two terminals):\n"
    "  ./memwriter -m /demo -s /demosem       ./memreader -m /demo -s /demosem\n";

int main(int argc, char *argv[])
{
    const char *shm_name = BackingFile, *sem_name = SemaphoreName;
    double timeout = 30;
    static const struct option longopts[] = {{"shm", required_argument, NULL, 'm'},
                                             {"sem", required_argument, NULL, 's'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":m:s:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'm': shm_name = optarg; break;
        case 's': sem_name = optarg; break;
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    /* The portable form of a name is "/name", with no other '/' (SHM-6). */
    if (shm_name[0] != '/' || strchr(shm_name + 1, '/') || sem_name[0] != '/' || strchr(sem_name + 1, '/'))
        usage(usage_text, "names must look like /name (one leading '/', no other)");
    char done_name[256];
    if (snprintf(done_name, sizeof done_name, "%s%s", sem_name, DoneSuffix) >= (int)sizeof done_name)
        usage(usage_text, "--sem: name too long");
    catch_stop_signals();

    /* Find a segment that a live writer owns. There is no event for "a
     * name appeared", so retry with back-off. A segment that nobody holds
     * a write lock on was left by a killed writer: leave it alone. */
    struct backoff wait = backoff_start(timeout);
    int fd;
    for (bool said = false;; said = true) {
        fd = shm_open(shm_name, O_RDONLY, 0);
        die_if(fd == -1 && errno != ENOENT, "shm_open %s", shm_name);
        if (fd != -1) {
            struct flock probe = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
            die_if(fcntl(fd, F_GETLK, &probe) == -1, "fcntl F_GETLK %s", shm_name);
            if (probe.l_type == F_WRLCK)
                break; /* a live writer holds it */
            die_if(close(fd) == -1, "close");
        }
        if (!said)
            note("waiting for memwriter to create %s", shm_name);
        if (!backoff_wait(&wait)) {
            if (stop_signal)
                exit_on_stop_signal();
            fail("gave up after %g s: no memwriter created %s", timeout, shm_name);
        }
    }

    /* The writer created both semaphores before the segment. Open them
     * without O_CREAT: the reader never makes a semaphore of its own. */
    sem_t *ready = sem_open(sem_name, 0);
    die_if(ready == SEM_FAILED, "sem_open %s", sem_name);
    sem_t *done = sem_open(done_name, 0);
    die_if(done == SEM_FAILED, "sem_open %s", done_name);

    char *mem = mmap(NULL, ByteSize, PROT_READ, MAP_SHARED, fd, 0);
    die_if(mem == MAP_FAILED, "mmap %s", shm_name);

    /* sem_wait takes one unit: it waits while the value is 0 ("not written
     * yet") and decrements it when the writer's post makes it 1 (SHM-8). */
    struct timespec deadline = realtime_after(timeout);
    while (sem_timedwait(ready, &deadline) == -1) {
        if (errno == EINTR && stop_signal)
            exit_on_stop_signal();
        if (errno == ETIMEDOUT)
            fail("gave up after %g s: memwriter never posted %s", timeout, sem_name);
        die_if(errno != EINTR, "sem_timedwait %s", sem_name);
    }

    /* Bounded: at most the segment's size, even if no NUL was written. */
    die_if(write_all(STDOUT_FILENO, mem, strnlen(mem, ByteSize)) == -1, "write stdout");

    die_if(sem_post(done) == -1, "sem_post %s", done_name); /* "read it, you may go" */
    die_if(munmap(mem, ByteSize) == -1, "munmap");
    die_if(close(fd) == -1, "close");
    die_if(sem_close(ready) == -1 || sem_close(done) == -1, "sem_close");
    return 0;
}
