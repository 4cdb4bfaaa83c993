/* fuzz_args.c - libFuzzer target for the argument parsing every program
 * uses: getopt_long with the suite's option conventions, parse_long,
 * parse_seconds, bad_option, and sigsender's signal names (signame.h).
 *
 * The input is split at NUL bytes into an argv. A usage error must end in
 * exit(2), --help in exit(0), and an accepted value must be in its range;
 * nothing may crash or read out of bounds (ASan, UBSan). exit() is
 * intercepted so that one run can try many argument vectors.
 */
#define _XOPEN_SOURCE 700 /* as sigsender.c: SI_QUEUE and SI_USER in signame.h */
#include <getopt.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../include/ipc.h"
#include "../signals/signame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jmp_buf back;
static int in_run;

/* Our exit, not libc's: the helpers call it for usage errors and --help. */
void exit(int status)
{
    if (!in_run)
        _exit(status);
    longjmp(back, status + 1);
}

static const char usage_text[] = "Usage: fuzz [-f FILE] [-n N] [-t SECONDS] PID SIGNAL\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) {
        if (freopen("/dev/null", "w", stdout) == NULL)
            abort();
        quiet = true;
    }
    if (size > 4096)
        return 0;
    /* argv: "fuzz" then the NUL-separated pieces of the input */
    static char buf[4097];
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[66] = {"fuzz"};
    int argc = 1;
    for (char *p = buf; p <= buf + size && argc < 64; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;

    static const struct option longopts[] = {{"file", required_argument, NULL, 'f'},
                                             {"count", required_argument, NULL, 'n'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    optind = 0; /* glibc: 0 re-initializes getopt between vectors */
    in_run = 1;
    int status = setjmp(back);
    if (status != 0) { /* exit(status - 1) was called */
        in_run = 0;
        if (status - 1 != 0 && status - 1 != EXIT_USAGE)
            abort();
        return 0;
    }
    for (int c; (c = getopt_long(argc, argv, ":f:n:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'f': break;
        case 'n':
            if (parse_long(usage_text, optarg, "--count", 1, 1000000) < 1)
                abort();
            break;
        case 't': {
            double t = parse_seconds(usage_text, optarg, "--timeout");
            if (!(t >= 0 && t <= 86400))
                abort();
            break;
        }
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    for (int i = optind; i < argc; i++) {
        int sig = sig_number(argv[i]);
        if (sig != -1 && (sig < 1 || sig > SIGRTMAX))
            abort();
        char name[32];
        if (sig != -1 && strlen(sig_name(sig, name, sizeof name)) == 0)
            abort();
    }
    in_run = 0;
    return 0;
}
