/* sigfdreceiver.c - sigreceiver without a signal handler: the signals are
 * blocked, and read as records from a file descriptor, a signalfd, in a poll
 * loop that watches the terminal too.
 *
 * Partner: sigsender (or kill from a shell). Beyond the article: Linux's
 * signalfd(2), as its man page's EXAMPLES and TLPI (22.11) teach it, beside
 * sigreceiver, the portable version with a handler and a self-pipe.
 *
 *     terminal 1: ./sigfdreceiver     terminal 2: ./sigsender PID USR1 7
 *
 * A blocked signal is not delivered: it stays pending in the kernel until
 * read() on the signalfd takes it, with all that a handler's siginfo_t
 * would say (the sender's PID, the sigqueue value). No handler ever runs,
 * so none of a handler's restrictions apply, and the signals are one more
 * descriptor for poll: here beside stdin, where "q" quits, and a timeout.
 * Standard signals merge while pending; real-time ones queue (README.md).
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: sigprocmask, SI_QUEUE, poll (ERRATA B-2) */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/signalfd.h> /* Linux only: declared whatever the macro above */
#include <unistd.h>

#include "ipc.h"
#include "signame.h"

static const char usage_text[] =
    "Usage: sigfdreceiver [-t SECONDS]\n"
    "sigreceiver with signalfd in place of a handler: print this process's\n"
    "PID, then each signal received (SIGUSR1, SIGUSR2, SIGHUP and\n"
    "SIGRTMIN..SIGRTMIN+7) with the sender's PID and the sigqueue value. On\n"
    "SIGTERM, SIGINT (Ctrl+C) or a line \"q\" on stdin, print a count per\n"
    "signal and exit 0. SIGKILL and SIGSTOP cannot be blocked.\n"
    "  -t, --timeout SECONDS  stop after SECONDS without a signal; exit 1 if none\n"
    "                         came (default: never; 0: do not wait, take only\n"
    "                         the signals already pending)\n"
    "  -h, --help             show this help\n"
    "Partner: sigsender. Example (two terminals):\n"
    "  ./sigfdreceiver          ./sigsender PID USR1 7\n";

static bool quit_line(const char *buf, ssize_t n);

int main(int argc, char *argv[])
{
    double timeout = -1; /* poll's -1: no timeout */
    static const struct option longopts[] = {{"timeout", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);

    int handled[MaxReceived], nhandled = received_signals(handled);
    sigset_t mask;
    sigemptyset(&mask);
    for (int i = 0; i < nhandled; i++)
        sigaddset(&mask, handled[i]);

    /* Block first: from here on these signals are never delivered, so no
     * default action can kill us; they wait, pending, to be read. (Blocked
     * is not ignored: the kernel keeps them.) A child would inherit this
     * mask, even across exec: see README.md. */
    die_if(sigprocmask(SIG_BLOCK, &mask, NULL) == -1, "sigprocmask");
    /* Readable while one of `mask` is pending, including any that came
     * between the two calls. CLOEXEC: not for a program we might exec;
     * NONBLOCK: an event loop's read must never block. */
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    die_if(sfd == -1, "signalfd");

    printf("sigfdreceiver: PID %d, waiting for signals (SIGTERM, Ctrl+C or q to stop)\n", (int)getpid());

    struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
    long counts[65] = {0}, total = 0;
    bool stop = false, idle = false;
    while (!stop && !idle) {
        int ready = poll(fds, 2, timeout < 0 ? -1 : (int)(timeout * 1000));
        die_if(ready == -1 && errno != EINTR, "poll");
        idle = ready == 0; /* SECONDS without a signal */
        if (fds[1].revents != 0) {
            char line[64];
            ssize_t n = read(STDIN_FILENO, line, sizeof line);
            if (n > 0 && quit_line(line, n))
                stop = true;
            if (n <= 0)
                fds[1].fd = -1; /* end of input (or /dev/null): poll ignores it from now on */
        }
        if (idle || (fds[0].revents & POLLIN) == 0)
            continue;
        /* Whole records, as many as are pending and fit, lowest signal
         * number first; each one read is no longer pending. */
        struct signalfd_siginfo si[16];
        ssize_t n = read(sfd, si, sizeof si);
        die_if(n == -1 && errno != EAGAIN, "read");
        for (ssize_t i = 0; i < n / (ssize_t)sizeof si[0]; i++) {
            int signo = (int)si[i].ssi_signo;
            if (signo >= 0 && signo < 65)
                counts[signo]++;
            total++;
            print_signal(signo, si[i].ssi_code, (int)si[i].ssi_pid, si[i].ssi_int);
            if (signo == SIGTERM || signo == SIGINT)
                stop = true;
        }
    }

    print_counts(handled, nhandled, counts);
    if (idle && total == 0)
        fail("no signal came in %g s", timeout);
    return 0;
}

/* Is there a line "q" in what read returned? A read of a pipe may hold
 * several lines, or part of one (a terminal gives one line a read). */
static bool quit_line(const char *buf, ssize_t n)
{
    static enum { LineStart, JustQ, Other } seen = LineStart; /* the line so far */
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n' && seen == JustQ)
            return true;
        seen = buf[i] == '\n' ? LineStart : seen == LineStart && buf[i] == 'q' ? JustQ : Other;
    }
    return false;
}
