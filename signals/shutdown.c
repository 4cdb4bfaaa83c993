/* shutdown.c - a parent shuts its child down gracefully with SIGTERM.
 *
 * One program, two processes: the child naps in a loop, the parent waits a
 * while, then sends SIGTERM; the child's handler only records the signal,
 * and the child's main flow finishes its work and exits. Article: "Inter-
 * process communication in Linux", part 3 (Sockets and signals), Example 3.
 *
 *     ./shutdown                      (about 6 seconds; -d and -n shorten it)
 */
#define _XOPEN_SOURCE 700 /* POSIX: sigaction, sigprocmask, sigtimedwait, kill, pselect (ERRATA B-2) */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"

static const char usage_text[] =
    "Usage: shutdown [-d SECONDS] [-n SECONDS]\n"
    "Fork a child that naps in a loop; after a delay, send it SIGTERM and wait for\n"
    "it to terminate gracefully.\n"
    "  -d, --delay SECONDS  how long the parent waits before SIGTERM (default: 5)\n"
    "  -n, --nap SECONDS    the child's nap between wake-ups, and its pause\n"
    "                       while terminating (default: 1)\n"
    "  -h, --help           show this help\n"
    "Partner: none; the forked child is the one signalled. For two terminals, see\n"
    "sigreceiver and sigsender. Example: ./shutdown -d 0.5 -n 0.1\n";

/* Set by the handler, read by the child's main flow. A handler may only
 * touch a volatile sig_atomic_t and call async-signal-safe functions:
 * printf/puts are not (they take stdio's lock), so they stay out (SIG-1). */
static volatile sig_atomic_t got_signal = 0;

static void graceful(int signum)
{
    got_signal = signum;
}

static struct timespec timespec_of(double seconds)
{
    struct timespec ts = {.tv_sec = (time_t)seconds,
                          .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    return ts;
}

/* Sleep, unless SIGTERM arrives first. The child keeps SIGTERM blocked, and
 * pselect lets it in (wait_mask) only while it waits, in one step: a SIGTERM
 * that came after the last look at got_signal is pending, and ends the nap at
 * once (EINTR). Unblocked all along, it would run the handler just before
 * nanosleep, and the child would nap a whole nap more. */
static void nap(double seconds, const sigset_t *wait_mask)
{
    struct timespec ts = timespec_of(seconds);
    die_if(pselect(0, NULL, NULL, NULL, &ts, wait_mask) == -1 && errno != EINTR, "pselect");
}

static void child_code(const sigset_t *old_mask, double nap_seconds, pid_t parent)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = graceful;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: pselect is interrupted */
    die_if(sigaction(SIGTERM, &sa, NULL) == -1, "sigaction");
    /* Linux: if the parent dies without telling us (kill -9), the kernel
     * sends us SIGTERM, so the child never naps on alone. If it is already
     * gone, send it ourselves. */
    die_if(prctl(PR_SET_PDEATHSIG, SIGTERM) == -1, "prctl");
    if (getppid() != parent)
        die_if(kill(getpid(), SIGTERM) == -1, "kill");

    /* The handler is in place: each nap lets SIGTERM in. One that arrived
     * since the fork was held pending, and ends the first nap (SIG-3). */
    while (!got_signal) {
        nap(nap_seconds, old_mask);
        if (!got_signal)
            puts("\tChild just woke up, but going back to sleep.");
    }
    printf("\tChild confirming received signal: %d\n", (int)got_signal);
    puts("\tChild about to terminate gracefully...");
    nap(nap_seconds, old_mask);
    puts("\tChild terminating now...");
    /* stdout is line-buffered, so every line above is already written,
     * even to a pipe or a file (SIG-2); _exit skips the parent's atexit
     * handlers and buffers, which the child must not run twice. */
    _exit(0);
}

int main(int argc, char *argv[])
{
    double delay = 5, nap_seconds = 1;
    static const struct option longopts[] = {{"delay", required_argument, NULL, 'd'},
                                             {"nap", required_argument, NULL, 'n'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv); /* line-buffered stdout (SIG-2) */
    for (int c; (c = getopt_long(argc, argv, ":d:n:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'd': delay = parse_seconds(usage_text, optarg, "--delay"); break;
        case 'n': nap_seconds = parse_seconds(usage_text, optarg, "--nap"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    if (nap_seconds <= 0)
        usage(usage_text, "--nap: must be more than 0");

    /* Block SIGTERM before fork: the child starts with it blocked, so a
     * SIGTERM sent before its handler exists waits instead of killing it
     * with the default action (SIG-3). SIGCHLD too: the parent waits for it. */
    sigset_t blocked, old_mask;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGCHLD);
    die_if(sigprocmask(SIG_BLOCK, &blocked, &old_mask) == -1, "sigprocmask");

    fflush(stdout); /* nothing buffered may be copied into the child (SIG-2) */
    pid_t parent = getpid();
    pid_t cpid = fork();
    die_if(cpid == -1, "fork");
    if (cpid == 0)
        child_code(&old_mask, nap_seconds, parent);
    sigset_t chld; /* the parent lets SIGTERM in again; SIGCHLD stays blocked */
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    die_if(sigprocmask(SIG_SETMASK, &old_mask, NULL) == -1 || sigprocmask(SIG_BLOCK, &chld, NULL) == -1,
           "sigprocmask");

    puts("Parent sleeping for a time...");
    /* A nap that ends early if the child does: the kernel keeps a blocked
     * SIGCHLD pending, and sigtimedwait takes it, or times out (EAGAIN). */
    struct timespec ts = timespec_of(delay);
    die_if(sigtimedwait(&chld, NULL, &ts) == -1 && errno != EAGAIN && errno != EINTR, "sigtimedwait");

    /* kill() sends any signal, not only deadly ones (SIG-5); checked (SIG-4). */
    die_if(kill(cpid, SIGTERM) == -1, "kill %d", (int)cpid);

    int status;
    while (waitpid(cpid, &status, 0) == -1)
        die_if(errno != EINTR, "waitpid");
    if (WIFSIGNALED(status))
        fail("child %d was killed by signal %d (%s)", (int)cpid, WTERMSIG(status),
             strsignal(WTERMSIG(status)));
    if (WEXITSTATUS(status) != 0)
        fail("child %d exited with status %d", (int)cpid, WEXITSTATUS(status));
    puts("My child terminated, about to exit myself...");
    return 0;
}
