/* ipc.h - the few helpers every program in the suite shares.
 *
 * Error reporting in the style of the man pages' EXAMPLES and TLPI: one line
 * per check, so the IPC call itself stays visible in the program:
 *
 *     int fd = shm_open(name, O_RDWR, 0);
 *     die_if(fd == -1, "shm_open %s", name);
 *
 * Exit codes everywhere: 0 success, 1 runtime failure, 2 usage error.
 * Nothing here wraps an IPC call: the programs make those themselves.
 */
#ifndef IPC_H
#define IPC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>

#define EXIT_USAGE 2

extern const char *progname; /* basename of argv[0], set by program_init */

/* Remember the program's name for messages; make stdout line-buffered so
 * that output reaches a pipe or file line by line, in order (ERRATA S-9,
 * SIG-2), and never sits in a buffer that a fork would copy. */
void program_init(char *argv[]);

/* "prog: <what>: <strerror(errno)>" on stderr, exit 1. */
#if defined(__GNUC__)
#define IPC_PRINTF(i, j) __attribute__((format(printf, i, j)))
#else
#define IPC_PRINTF(i, j)
#endif
_Noreturn void die(const char *fmt, ...) IPC_PRINTF(1, 2);
/* "prog: <what>" on stderr (no errno), exit 1. */
_Noreturn void fail(const char *fmt, ...) IPC_PRINTF(1, 2);
/* "prog: <what>" on stderr, nothing else. */
void note(const char *fmt, ...) IPC_PRINTF(1, 2);
#define die_if(cond, ...)        \
    do {                         \
        if (cond) die(__VA_ARGS__); \
    } while (0)

/* Usage: print the program's usage text and exit. With a reason (usage
 * error): "prog: <reason>" and the usage on stderr, exit 2. With reason NULL
 * (-h/--help): the usage on stdout, exit 0. */
_Noreturn void usage(const char *text, const char *reason_fmt, ...) IPC_PRINTF(2, 3);

/* Option values: exit 2 with the usage text when the value is malformed or
 * out of range. `opt` names the option in the message, e.g. "-t". */
/* After getopt_long returned '?' or ':' (optstrings start with ':' so that
 * getopt itself prints nothing): "unknown option" or "option needs a value",
 * then the usage, exit 2. */
_Noreturn void bad_option(const char *text, int c);

long parse_long(const char *text, const char *s, const char *opt, long min, long max);
double parse_seconds(const char *text, const char *s, const char *opt);

/* SIGINT/SIGTERM -> stop_signal is set, and (no SA_RESTART) a blocking call
 * in progress returns -1 with errno EINTR, so the program can clean up.
 *
 * A stop signal is never lost, even one that lands just before a blocking
 * call. The handler can only set a flag; if the signal arrives after the
 * program last looked at the flag and before it enters sem_timedwait,
 * msgrcv, fcntl(F_SETLKW) or the open() of a FIFO, that call would wait out
 * its whole timeout, the signal being already handled. ppoll, pselect and
 * sigtimedwait close this window by unblocking the signal atomically with
 * the wait, but most IPC calls have no such variant. So the handler also
 * starts a timer that knocks (SIGURG, which is ignored by default) every
 * 10 ms from then on: each knock interrupts whatever call the program is
 * in, with EINTR, and there the program sees the flag. */
extern volatile sig_atomic_t stop_signal;
void catch_stop_signals(void);
/* After cleanup: die of the same signal, so the parent (the shell) sees how
 * the program ended (status 128+n), as a program killed outright would. */
_Noreturn void exit_on_stop_signal(void);

/* A timeout for a blocking call that has none of its own (fcntl F_SETLKW,
 * open of a FIFO, msgrcv): SIGALRM after `seconds` (0 or less: at once),
 * without SA_RESTART, so the call fails with EINTR and timed_out is set.
 * After the first ring it rings again every 10 ms until alarm_off(): an
 * alarm that fires just before the call starts would otherwise be spent,
 * and the call would wait with no limit. */
extern volatile sig_atomic_t timed_out;
void alarm_after(double seconds);
void alarm_off(void);

/* Monotonic clock in seconds, and a deadline `seconds` from now. */
double now_monotonic(void);
/* The same deadline as an absolute CLOCK_REALTIME time, for the POSIX
 * sem_timedwait / mq_timedreceive family. 0 or less: now (the call then
 * tries once and fails with ETIMEDOUT rather than wait). */
struct timespec realtime_after(double seconds);

/* Retry with back-off, for waiting on a partner that has not created its
 * object yet (no event exists for "a name appeared"): sleeps 1 ms, 2 ms,
 * ... up to 100 ms between tries. Returns false once the deadline has
 * passed or a stop signal arrived. */
struct backoff {
    double deadline;   /* now_monotonic() value after which we give up */
    long delay_ns;     /* next pause */
};
struct backoff backoff_start(double timeout_seconds);
bool backoff_wait(struct backoff *b);

/* Sleep for a delay that is part of the demonstration (never for
 * synchronization). Returns early, false, if a stop signal arrives. */
bool pause_seconds(double seconds);

/* The path of the file NAME beside this program's executable (found from
 * /proc/self/exe), in buf: how the System V pairs find their ftok key file,
 * the same file, hence the same key, from any working directory (ERRATA
 * MQ-5). Returns 0, or -1 with errno set. */
int path_beside_program(const char *name, char *buf, size_t size);

/* The address of the UNIX-domain socket at PATH (the sockets' -u). Fails
 * (exit 1) when PATH is empty, since "" would name an abstract address of
 * 108 zero bytes, or too long for sun_path (108 bytes on Linux, the NUL
 * included). */
struct sockaddr_un unix_address(const char *path);

/* write() until all `len` bytes are out: a pipe or socket may take fewer
 * bytes than offered. Returns 0, or -1 with errno set (EPIPE, EINTR after a
 * stop signal, ...). */
int write_all(int fd, const void *buf, size_t len);

#ifdef IPC_FUZZ_ARGS /* make fuzz only: see fuzz_hooks.h */
#include "fuzz_hooks.h"
#endif

#endif
