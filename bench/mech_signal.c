/* mech_signal.c - real-time signals carrying one int (signal).
 *
 * sigqueue sends a signal with a value (an int, or a pointer meaningless in
 * another process); the kernel queues real-time signals, each with its
 * value, instead of merging them as it does standard ones. The receiver
 * blocks the signal, so it is never delivered to a handler, and takes it
 * synchronously with sigwaitinfo, value and sender's PID included. A
 * message here is the first 4 bytes of the message: signals notify; they
 * do not carry data.
 */
#define _POSIX_C_SOURCE 200809L /* sigqueue, sigwaitinfo, real-time signals */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "ipc.h"
#include "mech.h"

static pid_t partner;

static size_t signal_max(const char **why)
{
    *why = "one int per signal";
    return sizeof(int);
}

/* Blocked before fork, so the child inherits the mask: from the start, a
 * SIGRTMIN for either process waits in its queue until sigwaitinfo takes
 * it. It stays blocked after the run: a stray one must not kill the bench
 * (its default action). */
static void setup_signal(size_t size)
{
    (void)size;
    sigset_t set;
    die_if(sigemptyset(&set) == -1 || sigaddset(&set, SIGRTMIN) == -1, "sigaddset");
    die_if(sigprocmask(SIG_BLOCK, &set, NULL) == -1, "sigprocmask");
}
static void know_partner(int role, pid_t peer)
{
    (void)role;
    partner = peer;
}
static void send_signal(int role, const void *msg, size_t size)
{
    (void)role;
    union sigval value = {.sival_int = 0};
    memcpy(&value.sival_int, msg, size < sizeof(int) ? size : sizeof(int));
    /* EAGAIN: the partner's queue of pending signals (RLIMIT_SIGPENDING) is
     * full; it is draining it, so try again. */
    while (sigqueue(partner, SIGRTMIN, value) == -1) {
        if (errno == EAGAIN)
            poll_checkpoint();
        else
            retry_if_interrupted("sigqueue");
    }
}
static void recv_signal(int role, void *msg, size_t size)
{
    (void)role;
    sigset_t set;
    die_if(sigemptyset(&set) == -1 || sigaddset(&set, SIGRTMIN) == -1, "sigaddset");
    siginfo_t info;
    while (sigwaitinfo(&set, &info) == -1)
        retry_if_interrupted("sigwaitinfo");
    if (info.si_code != SI_QUEUE || info.si_pid != partner)
        fail("signal: a SIGRTMIN that the partner did not send");
    memset(msg, 0, size);
    memcpy(msg, &info.si_value.sival_int, size < sizeof(int) ? size : sizeof(int));
}

const struct mech mech_signal = {
    .name = "signal", .what = "real-time signals: sigqueue carries one int, sigwaitinfo takes it",
    .max_size = signal_max, .setup = setup_signal, .attach = know_partner, .send = send_signal,
    .recv = recv_signal,
};
