/* svwriter.c - put a line of text in System V shared memory and tell the
 * reader through a System V semaphore set: the System V twin of memwriter.
 * Partner: svreader. Protocol and handshake: svshm.h. Beyond the article
 * (it names this API, shows the POSIX one): Stevens, UNP vol. 2, ch. 11
 * and 14; Kerrisk, TLPI ch. 47-48. Either may start first:
 *     terminal 1: ./svwriter          terminal 2: ./svreader */
#define _GNU_SOURCE /* semtimedop is Linux's (GNU); also ftok, shmget, semget */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "ipc.h"
#include "svshm.h"

static const char usage_text[] =
    "Usage: svwriter [-k PATH] [-i ID] [-x TEXT] [-t SECONDS]\n"
    "Write TEXT into a System V shared-memory segment, signal a System V semaphore\n"
    "set, wait until svreader has read it; then remove the segment and the set.\n"
    "  -k, --key-path PATH    ftok's file (default: svshm.h beside this program)\n"
    "  -i, --id ID            ftok project id, 1..255 (default: 124)\n"
    "  -x, --text TEXT        what to write (default: the article's line)\n"
    "  -t, --timeout SECONDS  wait for a reader (default: 30; 0: do not wait)\n"
    "  -h, --help             show this help\n"
    "Partner: svreader (same -k and -i). Example (two terminals):\n"
    "  ./svwriter -k /tmp/key       ./svreader -k /tmp/key\n";

static int semid = -1, shmid = -1; /* removed at exit, however it comes */
static void clear_stale_set(key_t key);

static void remove_objects(void)
{
    if (semid != -1) /* the set first: readers then stop trusting the segment */
        semctl(semid, 0, IPC_RMID);
    if (shmid != -1)
        shmctl(shmid, IPC_RMID, NULL);
}

int main(int argc, char *argv[])
{
    char key_path[PATH_MAX];
    long id = ProjectId;
    const char *text = MemContents;
    double timeout = 30;
    static const struct option longopts[] = {
        {"key-path", required_argument, NULL, 'k'}, {"id", required_argument, NULL, 'i'},
        {"text", required_argument, NULL, 'x'},     {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    program_init(argv);
    die_if(path_beside_program(KeyFile, key_path, sizeof key_path) == -1, "readlink /proc/self/exe");
    for (int c; (c = getopt_long(argc, argv, ":k:i:x:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'k': snprintf(key_path, sizeof key_path, "%s", optarg); break;
        case 'i': id = parse_long(usage_text, optarg, "--id", 1, 255); break;
        case 'x': text = optarg; break;
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    if (strlen(text) >= ByteSize)
        usage(usage_text, "--text: at most %d bytes", ByteSize - 1);
    catch_stop_signals();

    /* A key, not a name: ftok mixes the file's inode and device numbers
     * with the id. Nothing appears in /dev/shm; ipcs -m -s lists both. */
    key_t key = ftok(key_path, (int)id);
    die_if(key == -1, "ftok %s", key_path);
    clear_stale_set(key);
    semid = semget(key, SemCount, IPC_CREAT | IPC_EXCL | AccessPerms);
    if (semid == -1 && errno == EEXIST) /* created since we looked */
        fail("another svwriter is using key 0x%08x", (unsigned)key);
    die_if(semid == -1, "semget key 0x%08x", (unsigned)key);
    atexit(remove_objects);

    /* The initialisation race: semget sets no values (Linux zeroes them,
     * SUSv3 leaves them undefined), so whoever finds the set cannot tell if
     * we have yet. sem_otime can: it is 0 until the first semop. */
    unsigned short zeros[SemCount] = {0};
    die_if(semctl(semid, 0, SETALL, (union semun){.array = zeros}) == -1, "semctl SETALL");
    /* Two operations, one semop: all or nothing. Between two calls, either order
     * misleads: Writer alone looks like a writer done writing (a reader would read
     * a stale segment); Writing alone, like a set nobody owns (another svwriter
     * would remove it). SEM_UNDO: if we die, the kernel undoes both. */
    struct sembuf start[] = {{SemWriting, +1, SEM_UNDO}, {SemWriter, +1, SEM_UNDO}};
    die_if(semop(semid, start, 2) == -1, "semop (initialise)");

    /* Our set exists, so the key is ours: a segment of our size under it is a
     * killed run's. IPC_RMID frees the key now; the pages go at the last shmdt. */
    struct shmid_ds seg;
    int old = shmget(key, 0, 0);
    die_if(old == -1 && errno != ENOENT, "shmget key 0x%08x", (unsigned)key);
    if (old != -1 && (shmctl(old, IPC_STAT, &seg) == -1 || seg.shm_segsz != ByteSize))
        fail("key 0x%08x: a segment of another program", (unsigned)key);
    if (old != -1 && shmctl(old, IPC_RMID, NULL) == 0)
        note("removed a segment left by an earlier run (key 0x%08x)", (unsigned)key);
    shmid = shmget(key, ByteSize, IPC_CREAT | IPC_EXCL | AccessPerms);
    die_if(shmid == -1, "shmget key 0x%08x", (unsigned)key);
    char *mem = shmat(shmid, NULL, 0); /* the kernel picks the address */
    die_if(mem == ShmFailed, "shmat");
    fprintf(stderr, "shared mem address: %p [0..%d]\n", (void *)mem, ByteSize - 1);
    fprintf(stderr, "System V key:\t\t0x%08x (ipcs -m -s)\n", (unsigned)key);

    memcpy(mem, text, strlen(text) + 1); /* a new segment is zero-filled */
    /* Written: SemWriting 1 -> 0 wakes readers waiting for 0; its undo is 0 again, SemWriter's stays. */
    struct sembuf written = {SemWriting, -1, SEM_UNDO};
    die_if(semop(semid, &written, 1) == -1, "semop (written)");
    note("waiting for svreader to read the segment (key 0x%08x)", (unsigned)key);
    struct sembuf take_done = {SemDone, -1, 0};
    double deadline = now_monotonic() + timeout;
    for (;;) { /* semtimedop (Linux only): semop with a timeout */
        struct timespec left = timeout_in(deadline - now_monotonic());
        if (semtimedop(semid, &take_done, 1, &left) == 0)
            break;
        if (errno == EINTR && stop_signal) {
            remove_objects();
            exit_on_stop_signal();
        }
        if (errno == EAGAIN)
            fail("gave up after %g s: no svreader read the segment", timeout);
        die_if(errno != EINTR, "semtimedop (done)");
    }
    die_if(shmdt(mem) == -1, "shmdt");
    return 0; /* atexit: IPC_RMID the set, then the segment */
}

/* A set under the key is a live writer's (refuse), one being initialised
 * (wait), or a killed run's, its SemWriter undone to 0 (remove it). */
static void clear_stale_set(key_t key)
{
    struct backoff grace = backoff_start(InitGrace + 2);
    for (int old; (old = semget(key, 0, 0)) != -1;) {
        struct semid_ds ds = {0};
        if (semctl(old, 0, IPC_STAT, (union semun){.buf = &ds}) == -1) {
            die_if(errno != EINVAL && errno != EIDRM, "semctl IPC_STAT");
            continue; /* removed since semget */
        }
        /* Not initialised yet (a creator needs microseconds): wait, a little. */
        if (ds.sem_otime == 0 && time(NULL) - ds.sem_ctime <= InitGrace && backoff_wait(&grace))
            continue;
        if (stop_signal)
            exit_on_stop_signal();
        if (ds.sem_nsems != SemCount) /* not an svwriter's: leave it alone */
            fail("key 0x%08x: a semaphore set of another program", (unsigned)key);
        if (ds.sem_otime != 0 && semctl(old, SemWriter, GETVAL) > 0)
            fail("another svwriter is using key 0x%08x", (unsigned)key);
        if (semctl(old, 0, IPC_RMID) == 0)
            note("removed a semaphore set left by an earlier run (key 0x%08x)", (unsigned)key);
        else
            die_if(errno != EINVAL && errno != EIDRM, "semctl IPC_RMID (stale set)");
    }
    die_if(errno != ENOENT, "semget key 0x%08x", (unsigned)key);
}
