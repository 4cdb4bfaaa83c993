/* memwriter.c - put a line of text in POSIX shared memory and tell the reader.
 *
 * Partner: memreader. Protocol and handshake: shmem.h.
 * Article: "Inter-process communication in Linux", part 1 (Shared files and
 * shared memory), Example 3.
 *
 *     terminal 1: ./memwriter         terminal 2: ./memreader
 *
 * Either may start first. The writer stays until the reader has posted
 * "done" (not a fixed 12-second nap as in the article, ERRATA SHM-4), then removes
 * the segment and both semaphores.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: shm_open, ftruncate, sem_timedwait (ERRATA B-2) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ipc.h"
#include "shmem.h"

static const char usage_text[] =
    "Usage: memwriter [-m NAME] [-s NAME] [-x TEXT] [-t SECONDS]\n"
    "Write TEXT into a POSIX shared-memory segment, post a semaphore, and wait\n"
    "until memreader has read it; then remove the segment and semaphores.\n"
    "  -m, --shm NAME        segment name (default: " BackingFile ")\n"
    "  -s, --sem NAME        semaphore name (default: " SemaphoreName "; the reader's\n"
    "                        reply uses NAME" DoneSuffix ")\n"
    "  -x, --text TEXT       what to write (default: the article's line)\n"
    "  -t, --timeout SECONDS how long to wait for the reader (default: 30)\n"
    "  -h, --help            show this help\n"
    "Partner: memreader. Example (two terminals):\n"
    "  ./memwriter -m /demo -s /demosem       ./memreader -m /demo -s /demosem\n";

static const char *shm_name = BackingFile;
static const char *sem_name = SemaphoreName;
static char done_name[256];

/* Remove every name this run created. Registered with atexit, so it also
 * runs when die() exits on a failure half way (no leak in /dev/shm). */
static void unlink_objects(void)
{
    shm_unlink(shm_name); /* the article's reader used unlink(): SHM-3 */
    sem_unlink(sem_name); /* the article never did: SHM-2 */
    sem_unlink(done_name);
}

/* A name left by a run that was killed (kill -9 skips all cleanup) holds
 * old contents and, for a semaphore, an old value: never reuse it (SHM-7). */
static void remove_stale(int (*unlink_fn)(const char *), const char *name)
{
    if (unlink_fn(name) == 0)
        note("removed %s left by an earlier run", name);
    else
        die_if(errno != ENOENT, "unlink %s", name);
}

int main(int argc, char *argv[])
{
    const char *text = MemContents;
    double timeout = 30;
    static const struct option longopts[] = {
        {"shm", required_argument, NULL, 'm'},     {"sem", required_argument, NULL, 's'},
        {"text", required_argument, NULL, 'x'},    {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":m:s:x:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'm': shm_name = optarg; break;
        case 's': sem_name = optarg; break;
        case 'x': text = optarg; break;
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
    if (strlen(text) >= ByteSize)
        usage(usage_text, "--text: at most %d bytes", ByteSize - 1);
    if (snprintf(done_name, sizeof done_name, "%s%s", sem_name, DoneSuffix) >= (int)sizeof done_name)
        usage(usage_text, "--sem: name too long");
    catch_stop_signals();

    remove_stale(shm_unlink, shm_name);
    remove_stale(sem_unlink, sem_name);
    remove_stale(sem_unlink, done_name);
    atexit(unlink_objects);

    /* Both semaphores start at 0: nothing written, nothing read. O_EXCL:
     * fail rather than share a name with another live writer (SHM-7).
     * Failure is SEM_FAILED, not (void *)-1 (SHM-1). */
    sem_t *ready = sem_open(sem_name, O_CREAT | O_EXCL, AccessPerms, 0);
    die_if(ready == SEM_FAILED, "sem_open %s", sem_name);
    sem_t *done = sem_open(done_name, O_CREAT | O_EXCL, AccessPerms, 0);
    die_if(done == SEM_FAILED, "sem_open %s", done_name);

    /* The segment last: once a reader can see it, the semaphores exist. */
    int fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL, AccessPerms);
    die_if(fd == -1, "shm_open %s", shm_name);

    /* A write lock on the segment for as long as we live: the reader takes
     * a segment nobody locks for one left by a killed writer. The kernel
     * drops the lock when we die, however we die. */
    struct flock alive = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    die_if(fcntl(fd, F_SETLK, &alive) == -1, "fcntl F_SETLK %s", shm_name);

    /* A new segment has size 0: give it its bytes, and check, because
     * touching memory beyond the end of the object is SIGBUS (SHM-5). */
    die_if(ftruncate(fd, ByteSize) == -1, "ftruncate %s", shm_name);
    char *mem = mmap(NULL, ByteSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    die_if(mem == MAP_FAILED, "mmap %s", shm_name); /* char *, not caddr_t (B-1) */
    fprintf(stderr, "shared mem address: %p [0..%d]\n", (void *)mem, ByteSize - 1);
    fprintf(stderr, "backing file:\t\t/dev/shm%s\n", shm_name); /* the article's two tabs */

    memcpy(mem, text, strlen(text) + 1); /* the segment was zero-filled */

    /* ready 0 -> 1: one unit of "text available" for the reader to take. */
    die_if(sem_post(ready) == -1, "sem_post %s", sem_name);

    /* Wait for the reader's "done" (0 -> 1, which sem_wait takes back). */
    if (sem_trywait(done) == -1) {
        die_if(errno != EAGAIN, "sem_trywait %s", done_name);
        note("waiting for memreader to read %s", shm_name);
        struct timespec deadline = realtime_after(timeout);
        while (sem_timedwait(done, &deadline) == -1) {
            if (errno == EINTR && stop_signal) {
                unlink_objects();
                exit_on_stop_signal();
            }
            if (errno == ETIMEDOUT)
                fail("gave up after %g s: no memreader read %s", timeout, shm_name);
            die_if(errno != EINTR, "sem_timedwait %s", done_name);
        }
    }

    die_if(munmap(mem, ByteSize) == -1, "munmap");
    die_if(close(fd) == -1, "close"); /* also drops the "alive" lock */
    die_if(sem_close(ready) == -1 || sem_close(done) == -1, "sem_close");
    return 0; /* atexit: shm_unlink and sem_unlink */
}
