/* mech_pipe.c - pipes: anonymous (pipe, pipe-1M, pipe-1M-8K) and named (fifo).
 *
 * A pipe is a ring of page-sized buffers in the kernel, 64 KiB by default:
 * write() copies the bytes in, read() copies them out, the writer sleeps
 * while the ring is full and the reader while it is empty. It goes one way,
 * so the link is two pipes: pipes[d] carries what role d sends.
 */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc.h"
#include "mech.h"

static int pipes[2][2] = {{-1, -1}, {-1, -1}}; /* [direction][0: read end, 1: write end] */
static char fifo_path[2][64];                 /* fifo: the names, "" once removed */

static void make_pipes(int bytes)
{
    for (int d = 0; d < 2; d++) {
        die_if(pipe(pipes[d]) == -1, "pipe");
        /* The ring's size; the kernel rounds it up to a power of two pages. */
        if (bytes)
            die_if(fcntl(pipes[d][1], F_SETPIPE_SZ, bytes) == -1, "fcntl F_SETPIPE_SZ");
    }
}
static void setup_pipe(size_t size) { (void)size, make_pipes(0); }
/* 1 MiB: room for 16 messages of 64 KiB, so the writer runs ahead instead
 * of waiting for the reader after every message. */
static void setup_pipe_1m(size_t size) { (void)size, make_pipes(1 << 20); }

/* Each process closes the ends it does not use. Not only tidiness: the
 * kernel reports end-of-file to a reader, and EPIPE to a writer, only when
 * no descriptor for the other end is left open anywhere. */
static void keep_own_ends(int role, pid_t peer)
{
    (void)peer;
    close_fd(&pipes[role][0]);  /* we write direction `role`, */
    close_fd(&pipes[!role][1]); /* and read the other one */
}

static void send_whole(int role, const void *msg, size_t size)
{
    if (write_all(pipes[role][1], msg, size) == -1) /* write_all: each write may take part */
        exchange_failed("write");
}
/* pipe-1M-8K: a message written 8 KiB at a time. The reader, woken by the
 * first piece, copies it out while the writer copies in the next, so both
 * CPUs work at once (bench/README.md). */
static void send_in_pieces(int role, const void *msg, size_t size)
{
    for (size_t off = 0; off < size; off += 8192)
        if (write_all(pipes[role][1], (const char *)msg + off, size - off < 8192 ? size - off : 8192) == -1)
            exchange_failed("write");
}
static void recv_whole(int role, void *msg, size_t size) { read_full(pipes[!role][0], msg, size); }

static void close_pipes(void)
{
    for (int d = 0; d < 2; d++)
        for (int e = 0; e < 2; e++)
            close_fd(&pipes[d][e]);
}

/* fifo: the same pipe, reached through a name in the file system. Opening
 * a FIFO blocks until the other end is opened too, so both processes open
 * the two names in the same order: direction 0, then direction 1. */
static void setup_fifo(size_t size)
{
    (void)size;
    for (int d = 0; d < 2; d++) {
        snprintf(fifo_path[d], sizeof fifo_path[d], "/tmp/ipcbench.%d.fifo%d", (int)getpid(), d);
        if (mkfifo(fifo_path[d], 0600) == -1) { /* fails if the name exists: never reuses one */
            fifo_path[d][0] = '\0';
            die("mkfifo /tmp/ipcbench.%d.fifo%d", (int)getpid(), d);
        }
    }
}
static void open_fifos(int role, pid_t peer)
{
    (void)peer;
    for (int d = 0; d < 2; d++) {
        int *fd = &pipes[d][role == d ? 1 : 0]; /* write what we send, read the rest */
        while ((*fd = open(fifo_path[d], (role == d ? O_WRONLY : O_RDONLY) | O_NOFOLLOW)) == -1)
            retry_if_interrupted("open fifo");
    }
    /* Both opens returned, so the partner's opens found the names too: the
     * open pipes no longer need them. Removed now, nothing is left behind
     * even if the bench is killed. */
    if (role == 0)
        for (int d = 0; d < 2; d++) {
            die_if(unlink(fifo_path[d]) == -1, "unlink %s", fifo_path[d]);
            fifo_path[d][0] = '\0';
        }
}
static void close_fifos(void)
{
    close_pipes();
    for (int d = 0; d < 2; d++)
        if (fifo_path[d][0] != '\0') {
            warn_if(unlink(fifo_path[d]) == -1, "unlink fifo");
            fifo_path[d][0] = '\0';
        }
}

const struct mech mech_pipe = {
    .name = "pipe", .what = "anonymous pipe (pipe), default 64 KiB buffer",
    .setup = setup_pipe, .attach = keep_own_ends, .send = send_whole, .recv = recv_whole, .teardown = close_pipes,
};
const struct mech mech_pipe_1m = {
    .name = "pipe-1M", .what = "the same with fcntl F_SETPIPE_SZ 1 MiB",
    .setup = setup_pipe_1m, .attach = keep_own_ends, .send = send_whole, .recv = recv_whole, .teardown = close_pipes,
};
const struct mech mech_pipe_1m_8k = {
    .name = "pipe-1M-8K", .what = "the 1 MiB pipe, each message written 8 KiB at a time",
    .setup = setup_pipe_1m, .attach = keep_own_ends, .send = send_in_pieces, .recv = recv_whole, .teardown = close_pipes,
};
const struct mech mech_fifo = {
    .name = "fifo", .what = "named pipe (mkfifo)",
    .setup = setup_fifo, .attach = open_fifos, .send = send_whole, .recv = recv_whole, .teardown = close_fifos,
};
