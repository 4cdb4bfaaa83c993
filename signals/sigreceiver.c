/* sigreceiver.c - print every signal it receives, with the sender's PID and
 * the value sigqueue attached; stop gracefully on SIGTERM or SIGINT.
 *
 * Partner: sigsender (or kill from a shell). Beyond the article, whose
 * signal example has no second terminal: a signal is the smallest IPC, a
 * number (and with sigqueue, one int) sent from one process to another.
 *
 *     terminal 1: ./sigreceiver       terminal 2: ./sigsender PID USR1 7
 *
 * The handler (sigaction with SA_SIGINFO) copies what the kernel tells it
 * into a pipe, with write(), which is async-signal-safe; the main loop reads
 * the pipe and does the printing (the "self-pipe trick"). A burst can fill
 * the pipe: a stop signal with no room there is kept in flags, never lost.
 * Standard signals that arrive while one is pending merge into one;
 * real-time signals (SIGRTMIN+n) queue, each with its value: see README.md.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: sigaction, siginfo_t, SA_SIGINFO, SI_QUEUE (ERRATA B-2) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "signame.h"

static const char usage_text[] =
    "Usage: sigreceiver\n"
    "Print this process's PID, then each signal received: SIGUSR1, SIGUSR2,\n"
    "SIGHUP and SIGRTMIN..SIGRTMIN+7, with the sender's PID and the sigqueue\n"
    "value. On SIGTERM or SIGINT (Ctrl+C) print a count per signal and exit 0.\n"
    "SIGKILL and SIGSTOP cannot be caught.\n"
    "  -h, --help  show this help\n"
    "Partner: sigsender. Example (two terminals):\n"
    "  ./sigreceiver            ./sigsender PID USR1 7\n";

struct record {
    int signo, code, value;
    pid_t pid;
};

static int self_pipe[2];
static volatile sig_atomic_t lost = 0; /* records the pipe had no room for */
/* A stop signal the pipe had no room for (a burst filled it): never lost. */
static volatile sig_atomic_t stop_signo = 0, stop_code, stop_pid;

static void on_signal(int signo, siginfo_t *info, void *context)
{
    (void)context;
    int saved_errno = errno; /* write() may change it under the main flow */
    struct record r = {signo, info->si_code, info->si_value.sival_int, info->si_pid};
    if (write(self_pipe[1], &r, sizeof r) != (ssize_t)sizeof r) {
        if ((signo == SIGTERM || signo == SIGINT) && !stop_signo) {
            stop_code = info->si_code;
            stop_pid = info->si_pid;
            stop_signo = signo; /* last: the main flow reads the other two after it */
        } else {
            lost = lost + 1;
        }
    }
    errno = saved_errno;
}

int main(int argc, char *argv[])
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1;) {
        if (c == 'h')
            usage(usage_text, NULL);
        bad_option(usage_text, c);
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);

    /* Non-blocking write end: a handler must never block. */
    die_if(pipe(self_pipe) == -1, "pipe");
    die_if(fcntl(self_pipe[1], F_SETFL, O_NONBLOCK) == -1, "fcntl");

    int handled[MaxReceived], nhandled = received_signals(handled);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART; /* siginfo_t; restart our read() */
    sigfillset(&sa.sa_mask); /* one handler at a time */
    for (int i = 0; i < nhandled; i++)
        die_if(sigaction(handled[i], &sa, NULL) == -1, "sigaction %d", handled[i]);

    printf("sigreceiver: PID %d, waiting for signals (SIGTERM or Ctrl+C to stop)\n", (int)getpid());

    long counts[65] = {0};
    for (;;) {
        struct record r;
        ssize_t n = read(self_pipe[0], &r, sizeof r); /* one whole record: < PIPE_BUF */
        if (n == -1 && errno == EAGAIN) /* emptied: now the stop that found it full */
            r = (struct record){stop_signo, stop_code, 0, stop_pid};
        else if (n != (ssize_t)sizeof r) {
            die_if(n == -1 && errno != EINTR, "read");
            continue;
        } else if (stop_signo) /* the pipe was full: read what is in it, without waiting */
            die_if(fcntl(self_pipe[0], F_SETFL, O_NONBLOCK) == -1, "fcntl");
        if (r.signo >= 0 && r.signo < 65)
            counts[r.signo]++;
        print_signal(r.signo, r.code, (int)r.pid, r.value);
        if (r.signo == SIGTERM || r.signo == SIGINT)
            break;
    }

    print_counts(handled, nhandled, counts);
    if (lost)
        printf("  (%d not recorded: the pipe was full)\n", (int)lost);
    return 0;
}
