/* svreader.c - wait for svwriter's text in System V shared memory, print it.
 *
 * Partner: svwriter. Protocol and handshake: svshm.h. Beyond the article
 * (the System V twin of memreader); Stevens, UNP vol. 2, ch. 11 and 14;
 * Kerrisk, TLPI ch. 47-48.
 *
 *     terminal 1: ./svwriter          terminal 2: ./svreader
 *
 * Started first, the reader retries (with back-off) until a live writer has
 * created and initialised its semaphore set. It never trusts a set or a
 * segment left by a killed writer, and removes nothing: the writer does. */
#define _GNU_SOURCE /* semtimedop is Linux's (GNU); also ftok, shmget, semget */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include "ipc.h"
#include "svshm.h"

static const char usage_text[] =
    "Usage: svreader [-k PATH] [-i ID] [-t SECONDS]\n"
    "Wait for svwriter's text in a System V shared-memory segment, print it, and\n"
    "tell the writer through its System V semaphore set.\n"
    "  -k, --key-path PATH    file or directory for ftok, never modified (default:\n"
    "                         svshm.h beside this program)\n"
    "  -i, --id ID            ftok project id, 1..255 (default: 124)\n"
    "  -t, --timeout SECONDS  how long to wait for the writer (default: 30; 0: do not wait)\n"
    "  -h, --help             show this help\n"
    "Partner: svwriter (same -k and -i). Example (two terminals):\n"
    "  ./svwriter -k /tmp/key       ./svreader -k /tmp/key\n";

static double timeout = 30;
static int find_writer(key_t key, struct backoff *wait);
static _Noreturn void give_up(void);

int main(int argc, char *argv[])
{
    char key_path[PATH_MAX];
    long id = ProjectId;
    static const struct option longopts[] = {{"key-path", required_argument, NULL, 'k'},
                                             {"id", required_argument, NULL, 'i'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    die_if(path_beside_program(KeyFile, key_path, sizeof key_path) == -1, "readlink /proc/self/exe");
    for (int c; (c = getopt_long(argc, argv, ":k:i:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'k': snprintf(key_path, sizeof key_path, "%s", optarg); break;
        case 'i': id = parse_long(usage_text, optarg, "--id", 1, 255); break;
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();

    key_t key = ftok(key_path, (int)id);
    die_if(key == -1, "ftok %s", key_path);
    struct backoff wait = backoff_start(timeout);
    int semid;
    char *mem = NULL;
    for (bool told = false;; mem = NULL) {
        semid = find_writer(key, &wait); /* initialised, and its writer alive */

        /* Wait for zero: until the text is written, or the writer died
         * (the kernel undoes its SEM_UNDO +1). POSIX semaphores have no
         * such wait. semtimedop bounds it (Linux; plain semop has no
         * timeout). */
        struct sembuf written = {SemWriting, 0, 0};
        struct timespec left = timeout_in(wait.deadline - now_monotonic());
        if (semtimedop(semid, &written, 1, &left) == -1) {
            if (errno == EINTR && stop_signal)
                exit_on_stop_signal();
            if (errno == EAGAIN)
                give_up();
            die_if(errno != EINTR && errno != EIDRM && errno != EINVAL, "semtimedop (written)");
            continue; /* EIDRM: that writer is done and gone; wait for the next */
        }

        /* Attach read-only (shmget fails if the segment is smaller than
         * asked), then look at SemWriter: still 1, and this is a live
         * writer's segment (it removes its set before its segment). */
        int shmid = shmget(key, ByteSize, 0);
        die_if(shmid == -1 && errno != ENOENT, "shmget key 0x%08x", (unsigned)key);
        if (shmid != -1) {
            mem = shmat(shmid, NULL, SHM_RDONLY);
            die_if(mem == ShmFailed, "shmat");
        }
        int alive = semctl(semid, SemWriter, GETVAL);
        die_if(alive == -1 && errno != EIDRM && errno != EINVAL, "semctl GETVAL");
        if (mem != NULL && alive == 1)
            break;
        if (alive == 0 && !told) {
            note("the svwriter of key 0x%08x died; waiting for another", (unsigned)key);
            told = true;
        }
        die_if(mem != NULL && shmdt(mem) == -1, "shmdt");
        if (!backoff_wait(&wait))
            give_up();
    }

    /* Bounded: at most the segment's size, even if no NUL was written. */
    die_if(write_all(STDOUT_FILENO, mem, strnlen(mem, ByteSize)) == -1, "write stdout");

    /* "Read it, you may go." EIDRM or EINVAL: another reader's SemDone
     * came first, and the writer has already removed the set. */
    struct sembuf done = {SemDone, +1, 0};
    die_if(semop(semid, &done, 1) == -1 && errno != EIDRM && errno != EINVAL, "semop (done)");
    die_if(shmdt(mem) == -1, "shmdt");
    return 0;
}

/* Wait (back-off: no event says "a set appeared") for a set under the key
 * that its creator has initialised (sem_otime != 0: see svwriter.c) and
 * whose writer lives (SemWriter 1). One left by a killed writer has
 * SemWriter 0 (SEM_UNDO) and is skipped: the next svwriter removes it. */
static int find_writer(key_t key, struct backoff *wait)
{
    static bool said; /* once per run, however often we come back here */
    for (;; said = true) {
        int semid = semget(key, 0, 0);
        die_if(semid == -1 && errno != ENOENT, "semget key 0x%08x", (unsigned)key);
        struct semid_ds ds = {0};
        if (semid != -1 && semctl(semid, 0, IPC_STAT, (union semun){.buf = &ds}) == -1) {
            die_if(errno != EINVAL && errno != EIDRM, "semctl IPC_STAT");
            semid = -1; /* removed since semget */
        }
        if (semid != -1 && ds.sem_otime != 0 && ds.sem_nsems == SemCount &&
            semctl(semid, SemWriter, GETVAL) == 1)
            return semid;
        if (!said)
            note("waiting for svwriter (key 0x%08x)", (unsigned)key);
        if (!backoff_wait(wait))
            give_up();
    }
}

static _Noreturn void give_up(void)
{
    if (stop_signal)
        exit_on_stop_signal();
    fail("gave up after %g s: no svwriter wrote under the key", timeout);
}
