/* mech.h - what each IPC mechanism gives the bench's driver (ipcbench.c).
 *
 * The driver forks a partner and moves messages between the two processes:
 * role 0 is the parent, role 1 the child. A mechanism moves one message of
 * `size` bytes from one role to the other, either way; direction d carries
 * what role d sends. Each family has its file (mech_pipe.c, mech_socket.c,
 * ...), which defines one `const struct mech` per variant. The life of one
 * measurement:
 *
 *     parent                                 child
 *     setup(size)       create the kernel objects, before fork: the child
 *                       inherits every descriptor and mapping
 *     fork -------------------------------->
 *     attach(0, child)                       attach(1, parent)
 *     send(0, ...) / recv(0, ...)            recv(1, ...) / send(1, ...)
 *                                            exit: the kernel closes its
 *                                            descriptors and unmaps
 *     wait for the child
 *     teardown()        close, unmap, remove what setup created
 *
 * One measurement runs at a time, so each file keeps the objects of the
 * current one in file-scope variables. send and recv move whole messages
 * (the driver checks every one); recv puts the message into `msg`.
 */
#ifndef MECH_H
#define MECH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MAXMSG 65536 /* the largest message size the bench takes (-s) */

struct mech {
    const char *name; /* as in -m, the table and results.csv */
    const char *what; /* one line for --help: the kernel object and calls */
    /* The largest message it carries, or 0 for any up to MAXMSG; *why names
     * the limit for the table ("msgmax 8192"). NULL: any size. */
    size_t (*max_size)(const char **why);
    bool latency_only; /* one message in flight at most: no streaming row */
    void (*setup)(size_t size);          /* parent, before fork */
    void (*attach)(int role, pid_t peer); /* each process, after fork; may be NULL */
    void (*send)(int role, const void *msg, size_t size);
    void (*recv)(int role, void *msg, size_t size);
    void (*teardown)(void); /* parent, once the child is gone; may be NULL.
                               Also after a failed setup: it removes
                               whatever exists. */
};

/* The table: every mechanism, in the order of the results. Adding one is a
 * file that defines `const struct mech mech_NAME` and a line here. */
#define MECHANISMS(X) \
    X(pipe)           \
    X(pipe_1m)        \
    X(pipe_1m_8k)     \
    X(fifo)           \
    X(unix)           \
    X(unix_2)         \
    X(tcp)            \
    X(unix_dgram)     \
    X(udp)            \
    X(memfd)          \
    X(sysv_mq)        \
    X(posix_mq)       \
    X(shm_ring)       \
    X(sysv_shm)       \
    X(file_lock)      \
    X(signal)         \
    X(shm_spin)
#define DECLARE_MECH(name) extern const struct mech mech_##name;
MECHANISMS(DECLARE_MECH)
#undef DECLARE_MECH

/* --- what the driver offers the mechanisms ------------------------------ */

/* After a blocking call returned -1: returns when a signal merely
 * interrupted it (EINTR), and the caller tries again. Otherwise, or when a
 * stop signal came or the partner died meanwhile (which a blocked call
 * would never see), the measurement is over: exchange_failed(call). */
void retry_if_interrupted(const char *call);

/* A call of the exchange failed (errno set): name the reason (most often
 * the partner's death: a closed pipe, a reset connection), clean up, exit. */
_Noreturn void exchange_failed(const char *call);

/* For a mechanism that polls instead of sleeping: call it each time round,
 * so that a stop signal or the partner's death ends the wait. */
void poll_checkpoint(void);

/* read() until `size` bytes are in: a stream delivers a message in pieces
 * (a 64 KiB write to a pipe arrives as it fits). End of stream: failure. */
void read_full(int fd, void *msg, size_t size);

/* For teardown: report a failed cleanup call on stderr and go on (teardown
 * also runs while the bench is exiting). */
void warn_if(bool failed, const char *call);

/* Close a descriptor the mechanism holds, if it is open, and forget it. */
void close_fd(int *fd);

#endif
