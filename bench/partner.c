/* partner.c - the second process of every measurement, and what happens
 * when either process fails (partner.h).
 *
 * The parent creates the mechanism's objects and forks; both processes pin
 * themselves to their CPUs and attach. From then on either can fail, and
 * the parent must still report why and remove every object: a child that
 * finds a wrong message exits with PARTNER_BAD_MESSAGE, a child that dies
 * closes its ends (EPIPE, end of stream) or never answers (a semaphore,
 * a queue), and a Ctrl+C reaches both. Each case ends in clean_up().
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET, prctl */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "mech.h"
#include "partner.h"

static pid_t bench_pid;             /* the parent: it reports and cleans up */
static const struct mech *active;   /* whose objects exist: setup ran, teardown not yet */
static pid_t partner;               /* the child, until it is reaped */
static volatile sig_atomic_t partner_exited;
static timer_t knock;               /* see on_partner_exit */

static void on_partner_exit(int sig);
static void clean_up(void);
static void become_partner(void);
static void pin(int cpu);
static void reap_partner(int *status);
static _Noreturn void report_partner(int status);

/* Once: how a failure or a stop signal reaches clean_up(). */
void partner_init(void)
{
    bench_pid = getpid();
    catch_stop_signals(); /* Ctrl+C: clean up, then go */
    die_if(atexit(clean_up) != 0, "atexit");
    struct sigevent knock_event;
    memset(&knock_event, 0, sizeof knock_event);
    knock_event.sigev_notify = SIGEV_SIGNAL;
    knock_event.sigev_signo = SIGURG;
    die_if(timer_create(CLOCK_MONOTONIC, &knock_event, &knock) == -1, "timer_create");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_partner_exit;
    sa.sa_flags = SA_NOCLDSTOP; /* no SA_RESTART: interrupt the blocking call */
    die_if(sigemptyset(&sa.sa_mask) == -1 || sigaction(SIGCHLD, &sa, NULL) == -1, "sigaction SIGCHLD");
}

/* Create the mechanism's objects, fork the partner, and let both attach:
 * on return the child runs body() on cpu_child, and we run on cpu_parent. */
void start_partner(const struct mech *m, size_t size, int cpu_parent, int cpu_child,
                   int (*body)(const struct mech *, size_t))
{
    active = m;
    m->setup(size);
    partner_exited = 0;
    int ready[2];
    die_if(pipe(ready) == -1, "pipe");
    die_if(fflush(stdout) == EOF, "fflush"); /* nothing buffered for the child to repeat */
    pid_t pid = fork();
    die_if(pid == -1, "fork");
    if (pid == 0) {
        become_partner();
        pin(cpu_child);
        if (m->attach)
            m->attach(1, bench_pid);
        die_if(close(ready[0]) == -1 || write(ready[1], "r", 1) != 1 || close(ready[1]) == -1, "ready pipe");
        _exit(body(m, size));
    }
    partner = pid;
    pin(cpu_parent);
    if (m->attach)
        m->attach(0, pid);
    char c;
    die_if(close(ready[1]) == -1, "close");
    read_full(ready[0], &c, 1); /* the child is pinned and attached */
    die_if(close(ready[0]) == -1, "close");
}

/* The child was sent its last message: it exits, and must have found
 * every message right. */
void wait_partner(void)
{
    int status;
    reap_partner(&status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        report_partner(status);
}

/* The mechanism's objects go: closed, unmapped, removed. */
void remove_objects(void)
{
    if (active != NULL && active->teardown != NULL)
        active->teardown();
    active = NULL;
}

/* --- when something fails ---------------------------------------------- */

/* SIGCHLD: the child has exited. Were we blocked waiting for its next
 * message, we would wait forever, so from now on knock: SIGURG every 10 ms
 * (catch_stop_signals gave it a handler that does nothing), each of which
 * makes a blocking call return EINTR, and retry_if_interrupted sees the
 * flag. Knocking on, rather than once, also catches a call entered just
 * after the flag was set. */
static void on_partner_exit(int sig)
{
    (void)sig;
    partner_exited = 1;
    struct itimerspec every = {.it_value = {0, 10000000}, .it_interval = {0, 10000000}};
    timer_settime(knock, 0, &every, NULL); /* async-signal-safe */
}

static void reap_partner(int *status)
{
    while (waitpid(partner, status, 0) == -1)
        if (errno != EINTR)
            die("waitpid");
    partner = 0;
    struct itimerspec off = {{0, 0}, {0, 0}};
    die_if(timer_settime(knock, 0, &off, NULL) == -1, "timer_settime"); /* knocking stops */
}

/* What the current measurement created goes, whatever ends the bench:
 * registered with atexit, and called before dying of a stop signal. Only
 * the parent cleans up; it outlives the child. */
static void clean_up(void)
{
    if (getpid() != bench_pid)
        return;
    if (partner > 0) {
        warn_if(kill(partner, SIGKILL) == -1 && errno != ESRCH, "kill");
        pid_t reaped;
        do
            reaped = waitpid(partner, NULL, 0);
        while (reaped == -1 && errno == EINTR);
        partner = 0;
    }
    remove_objects();
}

static _Noreturn void report_partner(int status)
{
    const char *name = active ? active->name : "?";
    if (WIFEXITED(status) && WEXITSTATUS(status) == PARTNER_BAD_MESSAGE)
        fail("%s: the partner found a lost, duplicated or corrupted message", name);
    if (WIFEXITED(status))
        fail("%s: the partner failed (exit status %d)", name, WEXITSTATUS(status));
    fail("%s: the partner was killed by signal %d", name, WTERMSIG(status));
}

void exchange_failed(const char *call)
{
    int err = errno;
    const char *name = active ? active->name : "?";
    if (getpid() != bench_pid) { /* the child: exit 1, the parent explains */
        errno = err;
        die("%s: %s", name, call);
    }
    if (stop_signal) {
        clean_up();
        exit_on_stop_signal();
    }
    /* A partner that exited, or closed its end (which it does only by
     * exiting), explains the failure: wait for it and say why. */
    if (partner > 0 && (partner_exited || err == EPIPE || err == ECONNRESET || err == ECONNREFUSED)) {
        int status;
        reap_partner(&status);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            report_partner(status);
    }
    errno = err;
    die("%s: %s", name, call); /* clean_up runs at exit */
}

void retry_if_interrupted(const char *call)
{
    if (errno == EINTR && !stop_signal && !partner_exited)
        return;
    exchange_failed(call);
}

void poll_checkpoint(void)
{
    if (stop_signal || partner_exited) {
        errno = EINTR;
        exchange_failed("waiting for the partner");
    }
}

/* --- for the mechanisms (mech.h) ---------------------------------------- */

void read_full(int fd, void *msg, size_t size)
{
    char *p = msg;
    while (size > 0) {
        ssize_t n = read(fd, p, size);
        if (n == 0) { /* the partner's end is closed: it has exited */
            errno = EPIPE;
            exchange_failed("read: end of stream");
        }
        if (n == -1) {
            retry_if_interrupted("read");
            continue;
        }
        p += n;
        size -= (size_t)n;
    }
}

void warn_if(bool failed, const char *call)
{
    if (failed)
        note("%s: %s", call, strerror(errno));
}

void close_fd(int *fd)
{
    if (*fd != -1)
        warn_if(close(*fd) == -1, "close");
    *fd = -1;
}

/* --- placement, and the child's side ---------------------------------------- */

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    die_if(sched_setaffinity(0, sizeof set, &set) == -1, "sched_setaffinity");
}

/* In the child: Ctrl+C reaches both processes, and the child simply ends
 * (the default action) while the parent cleans up. If the parent dies
 * without cleaning up (SIGKILL), PR_SET_PDEATHSIG ends the child too,
 * rather than leave it blocked forever. */
static void become_partner(void)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    die_if(sigemptyset(&dfl.sa_mask) == -1, "sigemptyset");
    if (sigaction(SIGINT, &dfl, NULL) == -1 || sigaction(SIGTERM, &dfl, NULL) == -1 ||
        sigaction(SIGCHLD, &dfl, NULL) == -1)
        die("sigaction");
    die_if(prctl(PR_SET_PDEATHSIG, SIGKILL) == -1, "prctl PR_SET_PDEATHSIG");
    if (getppid() != bench_pid) /* the parent died before prctl */
        _exit(1);
}
