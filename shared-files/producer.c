/* producer.c - write two lines to a shared file under an exclusive lock.
 *
 * Partner: consumer, which takes a shared lock and prints the file.
 * Article: "Inter-process communication in Linux", part 1 (Shared files and
 * shared memory), Example 1.
 *
 *     terminal 1: ./producer          terminal 2: ./consumer
 *
 * Either may start first: the consumer waits for data to appear, and the
 * producer waits (F_SETLKW) while a consumer holds its shared lock.
 *
 * fcntl locks are advisory (ERRATA SF-8): they stop only processes that also
 * ask for the lock. They are per process and per file, and the kernel drops
 * them when the process closes the file or dies, so a crash never leaves the
 * file locked. (flock(2) is a different, whole-file lock, not a wrapper.)
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: O_NOFOLLOW, O_CLOEXEC, ftruncate (ERRATA B-2) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc.h"

#define FileName "data.dat"
#define DataString "Now is the winter of our discontent\nMade glorious summer by this sun of York\n"

static const char usage_text[] =
    "Usage: producer [-f FILE] [-t SECONDS]\n"
    "Write two lines of Richard III to FILE while holding an exclusive fcntl lock.\n"
    "  -f, --file FILE       the shared file (default: " FileName ")\n"
    "  -t, --timeout SECONDS how long to wait for the lock; 0: do not wait (default: 30)\n"
    "  -h, --help            show this help\n"
    "Partner: consumer. Example (two terminals):\n"
    "  ./producer -f /tmp/demo.dat        ./consumer -f /tmp/demo.dat\n";

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

    /* 0600: only the owner may read or write (SF-5). O_NOFOLLOW: if someone
     * planted a symlink at the path, open fails (ELOOP) instead of writing
     * through it (SF-5). No O_TRUNC here: truncating before we hold the lock
     * would wipe the file under a consumer that is reading it (SF-3).
     * O_NONBLOCK: a FIFO or device put at the path must not block the open. */
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    die_if(fd == -1, "open %s", path);
    struct stat st; /* the data file is a regular file, nothing else */
    die_if(fstat(fd, &st) == -1, "fstat %s", path);
    if (!S_ISREG(st.st_mode))
        fail("%s is not a regular file", path);

    /* The whole file (l_len 0 = to the end, however long it grows). */
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};

    /* F_GETLK only to tell the user why we wait; F_SETLKW below decides. */
    struct flock probe = lock;
    die_if(fcntl(fd, F_GETLK, &probe) == -1, "fcntl F_GETLK %s", path);
    if (probe.l_type != F_UNLCK)
        note("waiting for process %d to release its lock on %s", (int)probe.l_pid, path);

    /* F_SETLKW waits until no other process holds any lock on the file
     * (SF-2: the article's F_SETLK gave up instead). The alarm bounds it. */
    alarm_after(timeout);
    if (fcntl(fd, F_SETLKW, &lock) == -1) {
        if (errno == EINTR && stop_signal)
            exit_on_stop_signal();
        if (errno == EINTR && timed_out)
            fail("gave up after %g s waiting for the lock on %s", timeout, path);
        die("fcntl F_SETLKW %s", path);
    }
    alarm_off();

    /* Now that no reader can be looking, drop the old contents (SF-3) and
     * write the new ones, checking that every byte went out (SF-4). */
    die_if(ftruncate(fd, 0) == -1, "ftruncate %s", path);
    die_if(write_all(fd, DataString, strlen(DataString)) == -1, "write %s", path);
    fprintf(stderr, "Process %d has written to data file...\n", (int)getpid());

    /* Unlocking explicitly is good form; close() would release it too. */
    lock.l_type = F_UNLCK;
    die_if(fcntl(fd, F_SETLK, &lock) == -1, "fcntl F_UNLCK %s", path);
    die_if(close(fd) == -1, "close %s", path);
    return 0; /* exit status 0; failures exit 1, never -1/255 (SF-6) */
}
