/* signame.h - signal names both ends of the signal pair agree on:
 * "SIGUSR1", "USR1", "RTMIN+2", "15". The pair's only shared protocol. */
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

#endif
