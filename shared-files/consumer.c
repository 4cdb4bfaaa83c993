/* consumer.c - print a shared file while holding a shared (read) lock.
 *
 * Partner: producer, which writes the file under an exclusive lock.
 * Article: "Inter-process communication in Linux", part 1 (Shared files and
 * shared memory), Example 2.
 *
 *     terminal 1: ./consumer          terminal 2: ./producer
 *
 * Started first, the consumer waits (up to --timeout) for the producer: it
 * asks the kernel (inotify) to wake it when the file is created or written,
 * rather than failing (ERRATA SF-7) or polling.
 *
 * Many consumers can hold the shared lock at once; the producer's exclusive
 * lock waits until they are all done, and they wait while it writes.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: O_NOFOLLOW, O_CLOEXEC, PATH_MAX, NAME_MAX (ERRATA B-2) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc.h"

#define FileName "data.dat"

static const char usage_text[] =
    "Usage: consumer [-f FILE] [-t SECONDS]\n"
    "Print FILE while holding a shared fcntl lock; wait for a producer if the file\n"
    "does not exist yet or is empty.\n"
    "  -f, --file FILE       the shared file (default: " FileName ")\n"
    "  -t, --timeout SECONDS how long to wait for the producer or the lock; 0: do not\n"
    "                        wait (default: 30)\n"
    "  -h, --help            show this help\n"
    "Partner: producer. Example (two terminals):\n"
    "  ./consumer -f /tmp/demo.dat        ./producer -f /tmp/demo.dat\n";

int main(int argc, char *argv[])
{
    const char *path = FileName;
    double timeout = 30;
    static const struct option longopts[] = {{"file", required_argument, NULL, 'f'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":f:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'f': path = optarg; break;
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();

    /* Watch the file's directory before looking at the file, so that a
     * producer finishing between our look and our wait still wakes us. */
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        strcpy(dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    int watch = inotify_init1(IN_CLOEXEC);
    die_if(watch == -1, "inotify_init1");
    die_if(inotify_add_watch(watch, dir, IN_CREATE | IN_MOVED_TO | IN_MODIFY | IN_CLOSE_WRITE) == -1,
           "inotify_add_watch %s", dir);

    double deadline = now_monotonic() + timeout;
    for (bool said = false;; said = true) {
        /* O_NONBLOCK: a FIFO put at the path must not block the open. */
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        die_if(fd == -1 && errno != ENOENT, "open %s", path);
        if (fd != -1) {
            struct stat st;
            die_if(fstat(fd, &st) == -1, "fstat %s", path);
            if (!S_ISREG(st.st_mode))
                fail("%s is not a regular file", path);
            /* A shared lock: other readers may hold it too, a writer may not
             * (SF-1: no F_GETLK probe, which was both racy and asked about
             * the wrong lock type). F_SETLKW waits while the producer writes. */
            struct flock lock = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
            alarm_after(deadline - now_monotonic());
            if (fcntl(fd, F_SETLKW, &lock) == -1) {
                if (errno == EINTR && stop_signal)
                    exit_on_stop_signal();
                if (errno == EINTR && timed_out)
                    fail("gave up after %g s waiting for the lock on %s", timeout, path);
                die("fcntl F_SETLKW %s", path);
            }
            alarm_off();
            die_if(fstat(fd, &st) == -1, "fstat %s", path);
            if (st.st_size > 0) { /* the producer has written: print it all */
                char buf[4096];
                ssize_t n;
                while ((n = read(fd, buf, sizeof buf)) > 0)
                    die_if(write_all(STDOUT_FILENO, buf, (size_t)n) == -1, "write stdout");
                die_if(n == -1, "read %s", path);
                lock.l_type = F_UNLCK;
                die_if(fcntl(fd, F_SETLK, &lock) == -1, "fcntl F_UNLCK %s", path);
                die_if(close(fd) == -1, "close %s", path);
                return 0;
            }
            /* Created but not written yet: let go and wait for the write. */
            die_if(close(fd) == -1, "close %s", path); /* also drops the lock */
        }
        double left = deadline - now_monotonic();
        if (left <= 0)
            fail("gave up after %g s: no producer wrote %s", timeout, path);
        if (!said)
            note("waiting for a producer to write %s", path);
        struct pollfd pfd = {.fd = watch, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (ready == -1 && errno == EINTR && stop_signal)
            exit_on_stop_signal();
        die_if(ready == -1 && errno != EINTR, "poll");
        if (ready > 0) { /* drain the events; we re-check the file anyway */
            char events[sizeof(struct inotify_event) + NAME_MAX + 1];
            die_if(read(watch, events, sizeof events) == -1, "read inotify");
        }
    }
}
