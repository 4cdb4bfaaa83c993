/* ipc.c - implementation of the shared helpers declared in ipc.h. */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: sigaction, timer_create, setitimer, nanosleep */
#include "ipc.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

const char *progname = "?";
volatile sig_atomic_t stop_signal = 0;
volatile sig_atomic_t timed_out = 0;

static char **saved_argv;

void program_init(char *argv[])
{
    const char *argv0 = argv[0];
    saved_argv = argv;
    const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
    progname = slash ? slash + 1 : (argv0 ? argv0 : "?");
    opterr = 0; /* we report bad options ourselves, in one line */
    setvbuf(stdout, NULL, _IOLBF, 0);
}

static void vreport(const char *fmt, va_list ap, int errnum)
{
    fprintf(stderr, "%s: ", progname);
    /* clang-analyzer 14 wrongly reports `ap` as uninitialized when the
     * caller is note(), which does va_start first. */
    vfprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    if (errnum)
        fprintf(stderr, ": %s", strerror(errnum));
    fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
    int errnum = errno;
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap, errnum);
    va_end(ap);
    exit(EXIT_FAILURE);
}

void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap, 0);
    va_end(ap);
    exit(EXIT_FAILURE);
}

void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap, 0);
    va_end(ap);
}

void usage(const char *text, const char *reason_fmt, ...)
{
    if (reason_fmt == NULL) {
        fputs(text, stdout);
        exit(EXIT_SUCCESS);
    }
    va_list ap;
    va_start(ap, reason_fmt);
    vreport(reason_fmt, ap, 0);
    va_end(ap);
    fputs(text, stderr);
    exit(EXIT_USAGE);
}

void bad_option(const char *text, int c)
{
    const char *arg = saved_argv[optind - 1];
    if (c == ':')
        usage(text, "option '%s' needs a value", arg);
    if (optopt && strncmp(arg, "--", 2) != 0)
        usage(text, "unknown option '-%c'", optopt);
    usage(text, "unknown option '%s'", arg);
}

long parse_long(const char *text, const char *s, const char *opt, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        usage(text, "%s: expected a whole number from %ld to %ld, got '%s'", opt, min, max, s);
    return v;
}

double parse_seconds(const char *text, const char *s, const char *opt)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0 || v > 86400)
        usage(text, "%s: expected seconds from 0 to 86400, got '%s'", opt, s);
    return v;
}

/* The knock: see ipc.h. Created by catch_stop_signals, started by the
 * first stop signal, stopped by exit_on_stop_signal. */
static timer_t knock_timer;
static volatile sig_atomic_t knock_ready = 0;
#define KNOCK_NS 10000000L /* 10 ms */

static void on_stop(int sig)
{
    if (!stop_signal)
        stop_signal = sig; /* the first one is the reason we stop */
    if (knock_ready) {
        /* timer_settime is async-signal-safe (POSIX), unlike setitimer. */
        struct itimerspec every = {.it_value = {0, KNOCK_NS}, .it_interval = {0, KNOCK_NS}};
        timer_settime(knock_timer, 0, &every, NULL);
    }
}

static void on_knock(int sig)
{
    (void)sig; /* its only job is to interrupt a blocking call */
}

void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: interrupt the blocking call */
    sa.sa_handler = on_knock;
    die_if(sigaction(SIGURG, &sa, NULL) == -1, "sigaction SIGURG");
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGURG;
    die_if(timer_create(CLOCK_MONOTONIC, &sev, &knock_timer) == -1, "timer_create");
    knock_ready = 1;
    /* Ctrl+C sends SIGINT (not SIGTERM, ERRATA P-7); kill's default is
     * SIGTERM. Both mean "please stop": clean up and go. */
    sa.sa_handler = on_stop; /* only sets a flag and starts the knock */
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");
}

void exit_on_stop_signal(void)
{
    int sig = stop_signal ? stop_signal : SIGTERM;
    if (knock_ready) {
        knock_ready = 0;
        timer_delete(knock_timer);
    }
    note("interrupted by %s, cleaned up", sig == SIGINT ? "SIGINT" : "SIGTERM");
    signal(sig, SIG_DFL);
    raise(sig);
    /* Reached only if the signal is blocked. (cppcheck believes raise()
     * never returns.) */
    // cppcheck-suppress unreachableCode
    exit(EXIT_FAILURE);
}

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
}

static void set_alarm(double seconds, long interval_us)
{
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = (time_t)seconds;
    it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
    it.it_interval.tv_usec = interval_us;
    die_if(setitimer(ITIMER_REAL, &it, NULL) == -1, "setitimer");
}

void alarm_after(double seconds)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART */
    die_if(sigaction(SIGALRM, &sa, NULL) == -1, "sigaction SIGALRM");
    timed_out = 0;
    /* it_value 0 would disarm the timer: "at once" is 1 microsecond. */
    set_alarm(seconds > 1e-6 ? seconds : 1e-6, KNOCK_NS / 1000);
}

void alarm_off(void)
{
    set_alarm(0, 0); /* timed_out keeps its value for the caller to read */
}

double now_monotonic(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
        die("clock_gettime");
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timespec realtime_after(double seconds)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
        die("clock_gettime");
    if (seconds <= 0)
        return ts; /* a negative tv_nsec would make the call fail with EINVAL */
    time_t whole = (time_t)seconds;
    ts.tv_sec += whole;
    ts.tv_nsec += (long)((seconds - (double)whole) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec += 1;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

struct backoff backoff_start(double timeout_seconds)
{
    struct backoff b = {now_monotonic() + timeout_seconds, 1000000L};
    return b;
}

bool backoff_wait(struct backoff *b)
{
    double left = b->deadline - now_monotonic();
    if (left <= 0 || stop_signal)
        return false;
    long ns = b->delay_ns;
    if ((double)ns / 1e9 > left)
        ns = (long)(left * 1e9) + 1;
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL); /* EINTR is fine: the caller re-checks */
    if (b->delay_ns < 100000000L)
        b->delay_ns *= 2;
    return !stop_signal;
}

bool pause_seconds(double seconds)
{
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) == -1) {
        if (errno != EINTR)
            die("nanosleep");
        if (stop_signal)
            return false;
    }
    return true;
}

int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n == -1) {
            if (errno == EINTR && !stop_signal)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

struct sockaddr_un unix_address(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (*path == '\0')
        fail("socket path is empty");
    if (strlen(path) >= sizeof addr.sun_path)
        fail("socket path too long: %s", path);
    memcpy(addr.sun_path, path, strlen(path) + 1); /* fits: checked above */
    return addr;
}

int path_beside_program(const char *name, char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash == NULL || (size_t)(slash + 1 - buf) + strlen(name) + 1 > size) {
        errno = ENAMETOOLONG; /* so the caller's message does not say "Success" */
        return -1;
    }
    memcpy(slash + 1, name, strlen(name) + 1);
    return 0;
}
