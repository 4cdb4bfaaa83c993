/* sigsender.c - send a signal, with a value, to another process.
 *
 * Partner: sigreceiver. Beyond the article (part 3, "Signals").
 *
 *     terminal 1: ./sigreceiver       terminal 2: ./sigsender PID USR1 7
 *
 * sigqueue(pid, sig, value) is kill(pid, sig) plus one int (or pointer) that
 * the receiver finds in siginfo_t.si_value, and the kernel adds our PID. Sent
 * COUNT times, a real-time signal arrives COUNT times; a standard one may
 * arrive once, because at most one of each is kept pending.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: sigqueue, union sigval (ERRATA B-2) */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "ipc.h"
#include "signame.h"

static const char usage_text[] =
    "Usage: sigsender [-n COUNT] PID SIGNAL [VALUE]\n"
    "Send SIGNAL (USR1, SIGUSR2, RTMIN+1, TERM, 10, ...) to process PID with\n"
    "sigqueue, carrying the int VALUE (default 0); with -n, COUNT times, with\n"
    "values VALUE, VALUE+1, ...\n"
    "  -n, --count COUNT  how many times to send (default: 1)\n"
    "  -h, --help         show this help\n"
    "Partner: sigreceiver, which prints its PID. Example (two terminals):\n"
    "  ./sigreceiver            ./sigsender -n 5 PID RTMIN 100\n";

int main(int argc, char *argv[])
{
    long count = 1;
    static const struct option longopts[] = {{"count", required_argument, NULL, 'n'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, "+:n:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'n': count = parse_long(usage_text, optarg, "--count", 1, 1000000); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (argc - optind < 2 || argc - optind > 3)
        usage(usage_text, "expected PID SIGNAL [VALUE]");
    /* Only one positive PID: 0, -1 and -PGID would signal whole groups. */
    pid_t pid = (pid_t)parse_long(usage_text, argv[optind], "PID", 1, 4194304);
    int sig = sig_number(argv[optind + 1]);
    if (sig == -1)
        usage(usage_text, "SIGNAL: unknown signal '%s'", argv[optind + 1]);
    long value = argc - optind == 3 ? parse_long(usage_text, argv[optind + 2], "VALUE", -2147483647L - 1, 2147483647L)
                                    : 0;
    /* The values go out as ints: the last one, VALUE + COUNT - 1, must fit. */
    if (value > 2147483647L - (count - 1))
        usage(usage_text, "VALUE + COUNT - 1 is past 2147483647, the largest int");

    char name[32];
    sig_name(sig, name, sizeof name);
    for (long i = 0; i < count; i++) {
        union sigval v = {.sival_int = (int)(value + i)};
        /* Fails with ESRCH (no such process) or EPERM (not ours); EAGAIN
         * if the receiver's queue of pending real-time signals is full. */
        die_if(sigqueue(pid, sig, v) == -1, "sigqueue %s to %d", name, (int)pid);
    }
    if (count == 1)
        printf("sent %s to %d, value %ld\n", name, (int)pid, value);
    else
        printf("sent %s to %d %ld times, values %ld..%ld\n", name, (int)pid, count, value, value + count - 1);
    return 0;
}
