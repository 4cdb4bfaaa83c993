/* fifoWriter.c - stream pseudo-random ints into a named pipe (FIFO).
 *
 * Partner: fifoReader, which counts the ints and the primes among them.
 * Protocol: fifo.h. Article: "Inter-process communication in Linux",
 * part 2 (Using pipes and message queues), Example 2.
 *
 *     terminal 1: ./fifoWriter        terminal 2: ./fifoReader
 *     768000 ints sent to the pipe.   Received ints: 768000, primes: 37682
 *
 * Either may start first: each creates the FIFO if it is not there, and
 * open() is the rendezvous: it blocks until the other end opens. */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: lstat, fchmod, O_NOFOLLOW, O_CLOEXEC (ERRATA B-2) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fifo.h"
#include "ipc.h"

static _Noreturn void give_up(const char *path, const struct stat *st, bool created, double timeout);
static bool our_turn(int fd, const char *path, const struct stat *checked, struct backoff *turn);

static const char usage_text[] =
    "Usage: fifoWriter [-p PATH] [-n LOOPS] [-d MICROSECONDS] [-t SECONDS]\n"
    "Write LOOPS x 64 pseudo-random ints (glibc rand(), unseeded) into a FIFO.\n"
    "  -p, --path PATH        the FIFO (default: " FifoName "; created if missing)\n"
    "  -n, --loops LOOPS      outer loops of 16 chunks of 4 ints (default: 12000)\n"
    "  -d, --delay MICROSECS  max pause per loop; 0 = none, same numbers (default: 250)\n"
    "  -t, --timeout SECONDS  how long to wait for a reader; 0: do not wait (default: 30)\n"
    "  -h, --help             show this help\n"
    "Partner: fifoReader (give it the same -p and -n). Example (two terminals):\n"
    "  ./fifoWriter -p /tmp/ch -n 100 -d 0       ./fifoReader -p /tmp/ch -n 100\n";

int main(int argc, char *argv[])
{
    const char *path = FifoName;
    long loops = MaxLoops, max_delay = MaxZs;
    double timeout = 30;
    static const struct option longopts[] = {
        {"path", required_argument, NULL, 'p'},    {"loops", required_argument, NULL, 'n'},
        {"delay", required_argument, NULL, 'd'},   {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":p:n:d:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'p': path = optarg; break;
        case 'n': loops = parse_long(usage_text, optarg, "--loops", 0, 10000000); break;
        case 'd': max_delay = parse_long(usage_text, optarg, "--delay", 0, 1000000); break;
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();
    /* A reader that leaves must not kill us with SIGPIPE (P-2): write() fails with EPIPE. */
    die_if(signal(SIGPIPE, SIG_IGN) == SIG_ERR, "signal SIGPIPE");

    struct backoff turn = backoff_start(timeout); /* its deadline bounds every wait */
    struct stat st; /* the FIFO we use */
    int fd;
    for (bool said = false;; said = true) {
        /* Create the FIFO with its mode, or use the reader's; open it without
         * O_CREAT (B-3), which after a failed mkfifo made a regular file (P-1). */
        bool created = mkfifo(path, AccessPerms) == 0;
        die_if(!created && errno != EEXIST, "mkfifo %s", path);
        check_fifo(path, &st);
        /* With O_NONBLOCK, open fails (ENXIO) while no reader has the FIFO open. */
        fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
        if (fd == -1 && errno == ENXIO) {
            if (!said && timeout > 0)
                note("waiting for a fifoReader to open %s", path);
            alarm_after(turn.deadline - now_monotonic()); /* 0 or less: at once */
            fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC); /* blocks until a reader opens */
            alarm_off();
        }
        if (fd == -1)
            give_up(path, &st, created, timeout);
        if (our_turn(fd, path, &st, &turn))
            break; /* else another fifoWriter got this reader: try again */
    }
    die_if(fcntl(fd, F_SETFL, 0) == -1, "fcntl F_SETFL"); /* blocking writes from here on */

    long sent = 0;
    for (long i = 0; i < loops; i++) {
        if (stop_signal) /* checked each loop: a write the pipe has room for never fails with EINTR */
            exit_on_stop_signal();
        for (int j = 0; j < ChunkSize; j++) {
            int chunk[IntsPerChunk]; /* 16 bytes <= PIPE_BUF: each write lands whole (pipe(7)) */
            for (int k = 0; k < IntsPerChunk; k++)
                chunk[k] = rand(); // NOLINT(cert-msc30-c,cert-msc50-cpp): the article's fixed sequence is the test oracle
            if (write_all(fd, chunk, sizeof chunk) == -1) {
                if (errno == EINTR && stop_signal)
                    exit_on_stop_signal();
                if (errno == EPIPE)
                    fail("the reader went away after %ld ints", sent);
                die("write %s", path);
            }
            sent += IntsPerChunk;
        }
        /* One draw per loop for the pause, as in the article, even with -d 0:
         * the same ints whatever the delay. nanosleep: no usleep in POSIX 2008 (B-2). */
        int r = rand(); // NOLINT(cert-msc30-c,cert-msc50-cpp): same sequence as the article
        if (max_delay > 0 && !pause_seconds((double)(r % max_delay + 1) / 1e6))
            exit_on_stop_signal();
    }

    die_if(close(fd) == -1, "close"); /* the reader's read() now returns 0 */
    printf("%ld ints sent to the pipe.\n", sent);
    return 0;
}

/* The open failed: remove the FIFO if we made it, and say why we stop. */
static _Noreturn void give_up(const char *path, const struct stat *st, bool created, double timeout)
{
    int err = errno;
    if (created)
        remove_fifo(path, st);
    if (stop_signal)
        exit_on_stop_signal();
    errno = err;
    if (errno == EINTR && timed_out)
        fail("gave up after %g s: no fifoReader opened %s", timeout, path);
    die("open %s", path);
}

/* We opened the FIFO lstat saw (not a file put there since), and are its only
 * writer: all writers waiting in open() get the first reader. The first to
 * take the lock removes the name (the pipe lives on until both ends close)
 * and marks the FIFO taken (0400); another one closes its end unused, and
 * waits for the next reader on a new FIFO. */
static bool our_turn(int fd, const char *path, const struct stat *checked, struct backoff *turn)
{
    struct stat st;
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    check_opened_fifo(fd, path, checked);
    if (fcntl(fd, F_SETLK, &lock) == -1) {
        die_if(errno != EACCES && errno != EAGAIN, "fcntl F_SETLK %s", path);
    } else {
        die_if(fstat(fd, &st) == -1, "fstat %s", path);
        if (st.st_mode & S_IWUSR) { /* no writer before us */
            name_done(path, checked); /* both ends are open */
            die_if(fchmod(fd, 0400) == -1, "fchmod %s", path);
            return true;
        }
    }
    die_if(close(fd) == -1, "close");
    if (!backoff_wait(turn) && stop_signal)
        exit_on_stop_signal();
    if (now_monotonic() > turn->deadline)
        fail("gave up: another fifoWriter kept %s", path);
    return false;
}
