/* fuzz_options.c - libFuzzer target for every program's own main(): its
 * getopt_long table, its switch, its checks of values and arguments.
 *
 * The first input byte picks the program, the rest, split at NUL bytes, is
 * its argv. Each program is compiled with -Dmain=fuzzmain_NAME and
 * -DIPC_FUZZ_ARGS (include/fuzz_hooks.h), so that it stops right after
 * parsing: no object is created, nothing waits. Allowed endings: options
 * accepted, --help (exit 0), usage error (exit 2). Anything else (another
 * exit status, a crash, an ASan or UBSan report) is a finding.
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* New programs go last: a corpus input's first byte is an index here. */
#define PROGRAMS(X)                                                                                    \
    X(producer) X(consumer) X(memwriter) X(memreader) X(pipeUN) X(fifoWriter) X(fifoReader) X(sender) \
        X(receiver) X(mqsender) X(mqreceiver) X(server) X(client) X(shutdown) X(sigreceiver)          \
            X(sigsender) X(ipcbench) X(svwriter) X(svreader) X(pollserver) X(dgserver) X(dgclient) \
                X(fdsender) X(fdreceiver) X(sigfdreceiver)
#define DECLARE(name) int fuzzmain_##name(int argc, char *argv[]);
PROGRAMS(DECLARE)
#define ENTRY(name) {#name, fuzzmain_##name},
static const struct {
    const char *name;
    int (*main)(int, char *[]);
} programs[] = {PROGRAMS(ENTRY)};
#define NPROGRAMS (sizeof programs / sizeof programs[0])

static jmp_buf back;
static int in_run;
enum { ACCEPTED = 1000 };

void exit(int status) /* the programs' exit, intercepted */
{
    if (!in_run)
        _exit(status);
    longjmp(back, status + 1);
}

void fuzz_options_parsed(void)
{
    longjmp(back, ACCEPTED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) { /* --help and results go to stdout: not to the log */
        if (freopen("/dev/null", "w", stdout) == NULL)
            abort();
        quiet = true;
    }
    if (size == 0 || size > 4096)
        return 0;
    size_t which = data[0] % NPROGRAMS;
    static char buf[4097];
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *argv[66] = {(char *)programs[which].name};
    int argc = 1;
    for (char *p = buf; p < buf + size - 1 && argc < 64; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;

    optind = 0; /* glibc: re-initialize getopt for a new vector */
    in_run = 1;
    int how = setjmp(back);
    if (how == 0) {
        programs[which].main(argc, argv);
        abort(); /* every program does something after parsing */
    }
    in_run = 0;
    if (how != ACCEPTED && how - 1 != 0 && how - 1 != 2)
        abort(); /* an exit status other than 0 (help) or 2 (usage) */
    return 0;
}
