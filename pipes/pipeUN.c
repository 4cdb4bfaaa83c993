/* pipeUN.c - a parent sends a line to its child through an unnamed pipe.
 *
 * One program, two processes: pipe() makes the channel, fork() makes the
 * partner, which inherits both ends. Each side closes the end it does not
 * use; the child reads until end-of-file and copies what it gets to stdout.
 * Article: "Inter-process communication in Linux", part 2 (Using pipes and
 * message queues), Example 1.
 *
 *     ./pipeUN                 Nature's first green is gold
 */
/* Not needed here: <unistd.h> and <sys/wait.h> declare pipe, fork and waitpid
 * even under -std=c11. Defined as in every file of the suite, so that a POSIX
 * call added later is declared too (ERRATA B-2). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipc.h"

#define ReadEnd 0
#define WriteEnd 1

static const char usage_text[] =
    "Usage: pipeUN [-m TEXT]\n"
    "Fork a child and send it TEXT (a line) through an unnamed pipe; the child\n"
    "prints what it reads, the parent waits for the child.\n"
    "  -m, --message TEXT  what to send (default: \"Nature's first green is gold\")\n"
    "  -h, --help          show this help\n"
    "Partner: none; the child forked by the program is the reader.\n"
    "Example: ./pipeUN -m 'hello, child'\n";

int main(int argc, char *argv[])
{
    const char *msg = "Nature's first green is gold";
    static const struct option longopts[] = {{"message", required_argument, NULL, 'm'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":m:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'm': msg = optarg; break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    /* If the child dies before reading, write() fails with EPIPE, which we
     * report, instead of SIGPIPE killing the parent silently. */
    die_if(signal(SIGPIPE, SIG_IGN) == SIG_ERR, "signal SIGPIPE");

    int pipeFDs[2];
    die_if(pipe(pipeFDs) == -1, "pipe");

    /* fork copies the stdio buffers too: empty them first, or text still
     * buffered would come out twice (once per process). */
    fflush(stdout);
    pid_t cpid = fork();
    die_if(cpid == -1, "fork");

    if (cpid == 0) { /* child: the reader */
        close(pipeFDs[WriteEnd]); /* else our own write end keeps EOF away */
        char buf[256];
        ssize_t n;
        /* read() blocks until bytes arrive, and returns 0 (end-of-file)
         * only when every write end, in every process, is closed. There
         * is no end-of-stream marker in the pipe itself (P-6). */
        while ((n = read(pipeFDs[ReadEnd], buf, sizeof buf)) > 0)
            if (write_all(STDOUT_FILENO, buf, (size_t)n) == -1)
                break;
        if (n != 0) {
            note("child: %s", strerror(errno));
            _exit(1);
        }
        /* _exit, not exit: the child must not flush the stdio buffers and
         * run the atexit handlers it inherited from the parent (P-6). */
        _exit(0);
    }

    /* parent: the writer */
    die_if(close(pipeFDs[ReadEnd]) == -1, "close");
    /* The message, however long, then its newline: write_all loops until the
     * pipe has taken every byte (it holds 64 KiB; the child reads meanwhile). */
    int to_child = pipeFDs[WriteEnd];
    die_if(write_all(to_child, msg, strlen(msg)) == -1 || write_all(to_child, "\n", 1) == -1,
           "write to pipe");
    die_if(close(pipeFDs[WriteEnd]) == -1, "close"); /* the child now sees EOF */

    /* Reap the child. Until we do, the finished child stays a zombie: an
     * entry in the process table kept so its parent can read its status. */
    int status;
    die_if(waitpid(cpid, &status, 0) == -1, "waitpid");
    if (WIFSIGNALED(status))
        fail("child killed by signal %d", WTERMSIG(status));
    if (WEXITSTATUS(status) != 0)
        fail("child exited with status %d", WEXITSTATUS(status));
    return 0;
}
