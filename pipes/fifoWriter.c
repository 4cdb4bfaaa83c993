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
 * open() itself is the rendezvous (it blocks until the other end opens).
 * Once both ends are open, the name has done its job and is removed.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: mkfifo, nanosleep instead of usleep (ERRATA B-2) */
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

static const char usage_text[] =
    "Usage: fifoWriter [-p PATH] [-n LOOPS] [-d MICROSECONDS] [-t SECONDS]\n"
    "Write LOOPS x 64 pseudo-random ints (glibc rand(), unseeded) into a FIFO.\n"
    "  -p, --path PATH        the FIFO (default: " FifoName "; created if missing)\n"
    "  -n, --loops LOOPS      outer loops of 16 chunks of 4 ints (default: 12000)\n"
    "  -d, --delay MICROSECS  max pause per loop; 0 = none, same numbers (default: 250)\n"
    "  -t, --timeout SECONDS  how long to wait for a reader (default: 30)\n"
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
    /* A reader that goes away must not kill us with SIGPIPE (P-2): ignore
     * it, and write() fails with EPIPE instead, which we report. */
    die_if(signal(SIGPIPE, SIG_IGN) == SIG_ERR, "signal SIGPIPE");

    /* Create the FIFO, or use the one the reader made. Checked (P-1): open
     * with O_CREAT after a failed mkfifo would make a regular file. */
    bool created = mkfifo(path, AccessPerms) == 0;
    struct stat st;
    die_if(!created && errno != EEXIST, "mkfifo %s", path);
    die_if(lstat(path, &st) == -1, "lstat %s", path);
    if (!S_ISFIFO(st.st_mode))
        fail("%s exists and is not a FIFO", path);

    /* O_NONBLOCK open for writing fails with ENXIO while no reader has the
     * FIFO open: that is how we know to say that we wait. */
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd == -1 && errno == ENXIO) {
        note("waiting for a fifoReader to open %s", path);
        alarm_after(timeout);
        fd = open(path, O_WRONLY | O_CLOEXEC); /* blocks until a reader opens */
        alarm_off();
    }
    if (fd == -1) {
        int err = errno;
        if (created)
            unlink(path); /* we made it and no one else uses it */
        errno = err;
        if (errno == EINTR && stop_signal)
            exit_on_stop_signal();
        if (errno == EINTR && timed_out)
            fail("gave up after %g s: no fifoReader opened %s", timeout, path);
        die("open %s", path);
    }
    die_if(fcntl(fd, F_SETFL, 0) == -1, "fcntl F_SETFL"); /* blocking writes from here on */
    /* Both ends are open: no one needs the name any more (the reader may
     * have removed it already). The pipe lives on until both ends close. */
    die_if(unlink(path) == -1 && errno != ENOENT, "unlink %s", path);

    long sent = 0;
    for (long i = 0; i < loops; i++) {
        for (int j = 0; j < ChunkSize; j++) {
            int chunk[IntsPerChunk];
            for (int k = 0; k < IntsPerChunk; k++)
                chunk[k] = rand(); // NOLINT(cert-msc30-c,cert-msc50-cpp): the article's fixed sequence is the test oracle
            /* 16 bytes <= PIPE_BUF: each write lands whole, never mixed
             * with another writer's. write_all still handles EINTR. */
            if (write_all(fd, chunk, sizeof chunk) == -1) {
                if (errno == EINTR && stop_signal)
                    exit_on_stop_signal();
                if (errno == EPIPE)
                    fail("the reader went away after %ld ints", sent);
                die("write %s", path);
            }
            sent += IntsPerChunk;
        }
        /* One draw per loop for the pause, as in the article, even with
         * -d 0, so the ints sent are the same whatever the delay. The pause
         * is nanosleep: usleep is gone from POSIX 2008 (B-2). */
        int r = rand(); // NOLINT(cert-msc30-c,cert-msc50-cpp): same sequence as the article
        if (max_delay > 0 && !pause_seconds((double)(r % max_delay + 1) / 1e6))
            exit_on_stop_signal();
    }

    die_if(close(fd) == -1, "close"); /* the reader's read() now returns 0 */
    printf("%ld ints sent to the pipe.\n", sent);
    return 0;
}
