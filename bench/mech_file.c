/* mech_file.c - a shared file guarded by fcntl locks (file-lock).
 *
 * Per direction, a file holds a one-message box: a header (messages
 * written, messages read) and the message. Each side takes a write lock on
 * the file (fcntl F_SETLKW, which sleeps while the other side holds it),
 * looks at the header, moves the message with pread/pwrite if it can, and
 * unlocks. A lock says "not now", never "something changed": there is no
 * event to sleep on until the box fills or empties, so a side that finds
 * nothing to do gives up the CPU (sched_yield) and looks again. That
 * polling is what this row measures.
 */
#define _POSIX_C_SOURCE 200809L /* pread, pwrite, O_NOFOLLOW, sched_yield */
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "ipc.h"
#include "mech.h"

struct box_header {
    uint64_t written, read; /* messages so far; the box is full when they differ */
};

static int box_fd[2] = {-1, -1}; /* the file of each direction */

/* The files are removed as soon as they are open: the descriptors (the
 * child's too, after fork) keep them, and nothing outlives the bench. */
static void setup_file(size_t size)
{
    (void)size;
    for (int d = 0; d < 2; d++) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/ipcbench.%d.file%d", (int)getpid(), d);
        /* O_EXCL | O_NOFOLLOW: a new file of ours, never one planted under this name */
        box_fd[d] = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
        die_if(box_fd[d] == -1, "open %s", path);
        die_if(unlink(path) == -1, "unlink %s", path);
        struct box_header h = {0, 0};
        die_if(pwrite(box_fd[d], &h, sizeof h, 0) != (ssize_t)sizeof h, "pwrite");
    }
}

/* A lock on the whole file; F_SETLKW sleeps until it is granted. */
static void lock(int fd, short type)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    while (fcntl(fd, F_SETLKW, &fl) == -1)
        retry_if_interrupted("fcntl F_SETLKW");
}
static struct box_header read_header(int fd)
{
    struct box_header h;
    die_if(pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h, "pread");
    return h;
}
static void write_header(int fd, struct box_header h)
{
    die_if(pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h, "pwrite");
}

static void send_file(int role, const void *msg, size_t size)
{
    int fd = box_fd[role];
    for (;;) {
        lock(fd, F_WRLCK);
        struct box_header h = read_header(fd);
        if (h.written == h.read) { /* empty: put the message in */
            die_if(pwrite(fd, msg, size, sizeof h) != (ssize_t)size, "pwrite");
            h.written++;
            write_header(fd, h);
            lock(fd, F_UNLCK);
            return;
        }
        lock(fd, F_UNLCK);
        die_if(sched_yield() == -1, "sched_yield"); /* still full: let the reader run */
        poll_checkpoint();
    }
}
static void recv_file(int role, void *msg, size_t size)
{
    int fd = box_fd[!role];
    for (;;) {
        lock(fd, F_WRLCK);
        struct box_header h = read_header(fd);
        if (h.written > h.read) { /* full: take the message out */
            die_if(pread(fd, msg, size, sizeof h) != (ssize_t)size, "pread");
            h.read++;
            write_header(fd, h);
            lock(fd, F_UNLCK);
            return;
        }
        lock(fd, F_UNLCK);
        die_if(sched_yield() == -1, "sched_yield"); /* still empty: let the writer run */
        poll_checkpoint();
    }
}
static void close_files(void)
{
    close_fd(&box_fd[0]);
    close_fd(&box_fd[1]);
}

const struct mech mech_file_lock = {
    .name = "file-lock", .what = "a one-message box in a file, fcntl locks; the reader polls",
    .setup = setup_file, .send = send_file, .recv = recv_file, .teardown = close_files,
};
