/* fifoReader.c - read ints from a named pipe and count the primes.
 *
 * Partner: fifoWriter. Protocol: fifo.h. Article: "Inter-process communication
 * in Linux", part 2 (Using pipes and message queues), Example 3.
 *
 *     terminal 1: ./fifoWriter        terminal 2: ./fifoReader
 *
 * The stream ends when read() returns 0: every write end is closed, whether
 * the writer is done or died. So the reader reports what arrived, and checks
 * the count only when -n says what to expect. */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: lstat, O_NOFOLLOW, O_CLOEXEC (ERRATA B-2) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fifo.h"
#include "ipc.h"

static unsigned char buf[4096]; /* what read() returns (the first bytes in wait_for_writer) */
static size_t wait_for_writer(int fd, const char *path, const struct stat *st, bool created, double timeout);

static const char usage_text[] =
    "Usage: fifoReader [-p PATH] [-n LOOPS] [-t SECONDS]\n"
    "Read ints from a FIFO until every writer has closed it; print how many, and\n"
    "how many are prime. A stream that ends inside an int is an error (exit 1).\n"
    "  -p, --path PATH        the FIFO (default: " FifoName "; created if missing)\n"
    "  -n, --loops LOOPS      expect exactly LOOPS x 64 ints (default: any number)\n"
    "  -t, --timeout SECONDS  how long to wait for a writer; 0: do not wait (default: 30)\n"
    "  -h, --help             show this help\n"
    "Partner: fifoWriter. Example (two terminals):\n"
    "  ./fifoReader -p /tmp/ch -n 100        ./fifoWriter -p /tmp/ch -n 100 -d 0\n";

/* Trial division by 6k +- 1. `i <= n / i`, not `i * i <= n`: for n near
 * UINT_MAX, i * i overflows and wraps (ERRATA P-5). */
static unsigned is_prime(unsigned n)
{
    if (n <= 3)
        return n > 1;
    if (n % 2 == 0 || n % 3 == 0)
        return 0;
    for (unsigned i = 5; i <= n / i; i += 6)
        if (n % i == 0 || n % (i + 2) == 0)
            return 0;
    return 1;
}

int main(int argc, char *argv[])
{
    const char *path = FifoName;
    long loops = 0; /* 0: any count */
    double timeout = 30;
    static const struct option longopts[] = {
        {"path", required_argument, NULL, 'p'},    {"loops", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":p:n:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'p': path = optarg; break;
        case 'n': loops = parse_long(usage_text, optarg, "--loops", 0, 10000000); break;
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();

    /* Create the FIFO with its mode, or use the writer's; open it without
     * O_CREAT (B-3). Checked (P-1): an existing path must be a FIFO. */
    struct stat st;
    bool created = mkfifo(path, AccessPerms) == 0;
    die_if(!created && errno != EEXIST, "mkfifo %s", path);
    check_fifo(path, &st);

    /* With O_NONBLOCK, opening for reading succeeds at once, writer or not. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1 && created)
        remove_fifo(path, &st); /* we made it and no one else uses it */
    die_if(fd == -1, "open %s", path);
    size_t have = wait_for_writer(fd, path, &st, created, timeout); /* bytes in buf */
    die_if(fcntl(fd, F_SETFL, 0) == -1, "fcntl F_SETFL"); /* blocking reads from here on */
    name_done(path, &st); /* a writer is connected: both ends are open (P-4) */

    unsigned total = 0, primes = 0;
    for (;;) {
        if (stop_signal) /* checked each time: a read with bytes waiting never fails with EINTR */
            exit_on_stop_signal();
        /* read() returns any number of bytes, not whole ints (P-3). */
        size_t whole = have - have % sizeof(int);
        for (size_t off = 0; off < whole; off += sizeof(int)) {
            int next;
            memcpy(&next, buf + off, sizeof next);
            total++;
            primes += is_prime((unsigned)next);
        }
        memmove(buf, buf + whole, have - whole);
        have -= whole;
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n == 0)
            break; /* every write end is closed: end of the stream */
        die_if(n == -1 && errno != EINTR, "read %s", path);
        have += n > 0 ? (size_t)n : 0;
    }
    die_if(close(fd) == -1, "close");

    if (have != 0)
        fail("the stream ended inside an int (%zu stray bytes) after %u ints", have, total);
    unsigned long expected = (unsigned long)loops * ChunkSize * IntsPerChunk;
    if (loops > 0 && total != expected) /* -n: the writer died, or another one wrote */
        fail("expected %lu ints, got %u (%u primes)", expected, total, primes);
    printf("Received ints: %u, primes: %u\n", total, primes);
    return 0;
}

/* Claim the FIFO lstat saw (same_fifo) as its only reader: a second one
 * refuses, leaving the name to the first (flock; the writer's fcntl lock is
 * separate on Linux, SF-8). Then wait (up to `timeout`; 0: only look) for a
 * writer; return the bytes that came meanwhile (in buf). A non-blocking read
 * tells at once: bytes, EAGAIN (a writer, nothing written yet), or 0 (no
 * writer yet: poll sleeps until bytes, or POLLHUP: a writer came and went). */
static size_t wait_for_writer(int fd, const char *path, const struct stat *st, bool created, double timeout)
{
    check_opened_fifo(fd, path, st);
    if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
        die_if(errno != EWOULDBLOCK, "flock %s", path);
        fail("another fifoReader is reading %s", path);
    }
    double deadline = now_monotonic() + timeout;
    for (bool said = false;; said = true) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0 || (n == -1 && errno == EAGAIN))
            return n > 0 ? (size_t)n : 0;
        die_if(n == -1 && errno != EINTR, "read %s", path);
        double left = deadline - now_monotonic();
        if (left <= 0 || stop_signal) { /* no writer came: remove the FIFO if we made it */
            if (created)
                remove_fifo(path, st);
            if (stop_signal)
                exit_on_stop_signal();
            fail("gave up after %g s: no fifoWriter opened %s", timeout, path);
        }
        if (!said)
            note("waiting for a fifoWriter to open %s", path);
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)(left * 1000) + 1);
        die_if(ready == -1 && errno != EINTR, "poll %s", path);
        if (ready > 0 && !(pfd.revents & POLLIN))
            return 0; /* POLLHUP alone: an empty stream; read() will say 0 */
    }
}
