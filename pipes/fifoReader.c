/* fifoReader.c - read ints from a named pipe and count the primes.
 *
 * Partner: fifoWriter. Protocol: fifo.h. Article: "Inter-process
 * communication in Linux", part 2 (Using pipes and message queues),
 * Example 3.
 *
 *     terminal 1: ./fifoWriter        terminal 2: ./fifoReader
 *
 * The stream ends when read() returns 0: every write end is closed. That
 * happens both when the writer is done and when it dies, so the reader checks
 * the count and that the stream did not stop inside an int.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: mkfifo (ERRATA B-2) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fifo.h"
#include "ipc.h"

static const char usage_text[] =
    "Usage: fifoReader [-p PATH] [-n LOOPS] [-t SECONDS]\n"
    "Read ints from a FIFO until the writer closes it; print how many and how\n"
    "many are prime. Exit 1 if the stream ends early or inside an int.\n"
    "  -p, --path PATH        the FIFO (default: " FifoName "; created if missing)\n"
    "  -n, --loops LOOPS      expect LOOPS x 64 ints, as the writer's -n; 0 = any\n"
    "                         number (default: 12000)\n"
    "  -t, --timeout SECONDS  how long to wait for a writer (default: 30)\n"
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
    long loops = MaxLoops;
    double timeout = 30;
    static const struct option longopts[] = {{"path", required_argument, NULL, 'p'},
                                             {"loops", required_argument, NULL, 'n'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
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

    /* Create the FIFO, or use the writer's (P-1: checked, and a FIFO). */
    bool created = mkfifo(path, AccessPerms) == 0;
    struct stat st;
    die_if(!created && errno != EEXIST, "mkfifo %s", path);
    die_if(lstat(path, &st) == -1, "lstat %s", path);
    if (!S_ISFIFO(st.st_mode))
        fail("%s exists and is not a FIFO", path);

    /* Opening for reading with O_NONBLOCK succeeds at once, writer or not;
     * poll() then sleeps until the first bytes arrive (or the timeout).
     * A writer already waiting in its open() writes within moments, so we
     * announce that we wait only if nothing came in the first 200 ms. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    die_if(fd == -1, "open %s", path);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int grace = timeout < 0.2 ? (int)(timeout * 1000) : 200;
    int ready = poll(&pfd, 1, grace);
    if (ready == 0 && timeout * 1000 > grace) {
        note("waiting for a fifoWriter to open %s", path);
        ready = poll(&pfd, 1, (int)(timeout * 1000) - grace);
    }
    if (ready <= 0) {
        int err = errno;
        if (created)
            unlink(path); /* we made it and no one else uses it */
        errno = err;
        if (ready == -1 && errno == EINTR && stop_signal)
            exit_on_stop_signal();
        die_if(ready == -1, "poll %s", path);
        fail("gave up after %g s: no fifoWriter wrote to %s", timeout, path);
    }
    die_if(fcntl(fd, F_SETFL, 0) == -1, "fcntl F_SETFL"); /* blocking reads from here on */
    /* A writer is connected: the name has done its job (P-4: removed once
     * both ends are open, whoever created it; the writer may beat us). */
    die_if(unlink(path) == -1 && errno != ENOENT, "unlink %s", path);

    unsigned total = 0, primes = 0;
    unsigned char buf[4096];
    size_t have = 0; /* bytes in buf; a partial int waits for the rest */
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n == 0)
            break; /* every write end is closed: end of the stream */
        if (n == -1) {
            if (errno == EINTR && stop_signal)
                exit_on_stop_signal();
            die_if(errno != EINTR, "read %s", path);
            continue;
        }
        /* read() may return any number of bytes, not whole ints (P-3). */
        have += (size_t)n;
        size_t whole = have - have % sizeof(int);
        for (size_t off = 0; off < whole; off += sizeof(int)) {
            int next;
            memcpy(&next, buf + off, sizeof next);
            total++;
            primes += is_prime((unsigned)next);
        }
        memmove(buf, buf + whole, have - whole);
        have -= whole;
    }
    die_if(close(fd) == -1, "close");

    if (have != 0)
        fail("the stream ended inside an int (%zu stray bytes) after %u ints, %u primes", have, total, primes);
    if (loops > 0 && total != (unsigned long)loops * ChunkSize * IntsPerChunk)
        fail("the stream ended early: %u of %lu ints, %u primes", total,
             (unsigned long)loops * ChunkSize * IntsPerChunk, primes);
    printf("Received ints: %u, primes: %u\n", total, primes);
    return 0;
}
