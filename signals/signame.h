/* signame.h - what both ends of the signal pairs agree on: signal names
 * ("SIGUSR1", "USR1", "RTMIN+2", "15"), the signals the receivers take, and
 * the lines they print. The pairs' shared protocol. */
#ifndef SIGNAME_H
#define SIGNAME_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    int sig;
    const char *name;
} SigNames[] = {{SIGHUP, "HUP"},   {SIGINT, "INT"},   {SIGQUIT, "QUIT"}, {SIGKILL, "KILL"},
                {SIGUSR1, "USR1"}, {SIGUSR2, "USR2"}, {SIGALRM, "ALRM"}, {SIGTERM, "TERM"},
                {SIGCHLD, "CHLD"}, {SIGCONT, "CONT"}, {SIGSTOP, "STOP"}, {SIGTSTP, "TSTP"}};

/* "SIGUSR1", "SIGRTMIN+3" */
static inline const char *sig_name(int sig, char *buf, size_t size)
{
    for (size_t i = 0; i < sizeof SigNames / sizeof SigNames[0]; i++)
        if (SigNames[i].sig == sig) {
            snprintf(buf, size, "SIG%s", SigNames[i].name);
            return buf;
        }
    if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        snprintf(buf, size, sig == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+%d", sig - SIGRTMIN);
    else
        snprintf(buf, size, "signal %d", sig);
    return buf;
}

/* "USR1", "SIGUSR1", "RTMIN", "RTMIN+2", "RTMAX-1", "10" -> the number, or
 * -1 if it names no signal. */
static inline int sig_number(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (end != s && *end == '\0')
        return n >= 1 && n <= SIGRTMAX ? (int)n : -1;
    if (strncmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof SigNames / sizeof SigNames[0]; i++)
        if (strcmp(s, SigNames[i].name) == 0)
            return SigNames[i].sig;
    int base = strncmp(s, "RTMIN", 5) == 0 ? SIGRTMIN : strncmp(s, "RTMAX", 5) == 0 ? SIGRTMAX : 0;
    if (base == 0)
        return -1;
    s += 5;
    if (*s == '\0')
        return base;
    n = strtol(s, &end, 10);
    /* Bound n before adding: "RTMIN+99999999999999999999" saturates strtol
     * at LONG_MAX, and base + n would overflow (found by make fuzz). */
    if (end == s || *end != '\0' || (*s != '+' && *s != '-') || n < -SIGRTMAX || n > SIGRTMAX)
        return -1;
    return base + n >= SIGRTMIN && base + n <= SIGRTMAX ? (int)(base + n) : -1;
}

/* The signals both receivers (sigreceiver, sigfdreceiver) take: SIGTERM and
 * SIGINT end them; SIGKILL and SIGSTOP cannot be caught, blocked or read.
 * Fills sigs[] and returns how many. */
#define MaxReceived 16
static inline int received_signals(int sigs[MaxReceived])
{
    int n = 0;
    sigs[n++] = SIGUSR1;
    sigs[n++] = SIGUSR2;
    sigs[n++] = SIGHUP;
    sigs[n++] = SIGTERM;
    sigs[n++] = SIGINT;
    for (int i = 0; i <= 7; i++)
        sigs[n++] = SIGRTMIN + i;
    return n;
}

/* What a receiver prints for each signal. si_code tells where it came from:
 * sigqueue (a value came with it), kill (only the sender's PID), or the
 * kernel or a terminal (neither). */
static inline void print_signal(int signo, int code, int pid, int value)
{
    char name[32];
    sig_name(signo, name, sizeof name);
    if (code == SI_QUEUE)
        printf("%s from PID %d, value %d\n", name, pid, value);
    else if (code == SI_USER)
        printf("%s from PID %d (kill)\n", name, pid);
    else
        printf("%s (from the kernel or terminal, code %d)\n", name, code);
}

/* The receivers' summary: how many of each signal arrived. A standard signal
 * sent N times may arrive fewer times: pending, it is kept once. */
static inline void print_counts(const int sigs[], int n, const long counts[])
{
    puts("received:");
    for (int i = 0; i < n; i++) {
        if (counts[sigs[i]] > 0) {
            char name[32];
            printf("  %-12s %ld\n", sig_name(sigs[i], name, sizeof name), counts[sigs[i]]);
        }
    }
}

#endif
