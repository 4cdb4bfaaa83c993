/* mech_shm.c - POSIX shared memory: a ring with semaphores (shm-ring) and a
 * spin-then-sleep mailbox (shm-spin).
 *
 * shm_open names an object in /dev/shm, and mmap with MAP_SHARED maps its
 * pages into the process; mapped before fork, the same pages are in the
 * child. A message is then copied once, into pages the partner reads
 * directly: no system call moves data. What remains for the kernel is the
 * waiting: telling a reader that a message is there, a writer that a slot
 * is free.
 */
#define _GNU_SOURCE /* syscall, SYS_futex */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ipc.h"
#include "mech.h"

#define RING_SLOTS 8

/* Map `bytes` of a new POSIX shared memory object, zero-filled. */
static void *map_shared(size_t bytes)
{
    char name[64];
    snprintf(name, sizeof name, "/ipcbench.%d", (int)getpid());
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    die_if(fd == -1, "shm_open %s", name);
    /* The name goes at once: the mapping keeps the pages, in the child too,
     * and nothing outlives the bench. */
    die_if(shm_unlink(name) == -1, "shm_unlink %s", name);
    die_if(ftruncate(fd, (off_t)bytes) == -1, "ftruncate");
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    die_if(p == MAP_FAILED, "mmap");
    die_if(close(fd) == -1, "close"); /* the mapping does not need the descriptor */
    return p;
}

/* --- shm-ring: per direction, 8 slots counted by two semaphores --------- */

struct ring {
    sem_t free_slots, used_slots; /* process-shared: they live in the shared pages */
    unsigned head, tail;          /* next slot to write (writer only) / to read (reader only) */
    char slot[RING_SLOTS][MAXMSG];
};
static struct ring *ring; /* [2]: one per direction */

static void setup_ring(size_t size)
{
    (void)size;
    ring = map_shared(2 * sizeof *ring);
    for (int d = 0; d < 2; d++) {
        /* pshared = 1: a futex in shared memory, which the kernel finds by
         * the page it lives in, whatever address each process maps it at */
        die_if(sem_init(&ring[d].free_slots, 1, RING_SLOTS) == -1, "sem_init");
        die_if(sem_init(&ring[d].used_slots, 1, 0) == -1, "sem_init");
    }
}
/* sem_wait decrements, or sleeps in the kernel while the count is 0;
 * sem_post increments, and enters the kernel only to wake a sleeper. */
static void send_ring(int role, const void *msg, size_t size)
{
    struct ring *r = &ring[role];
    while (sem_wait(&r->free_slots) == -1)
        retry_if_interrupted("sem_wait");
    memcpy(r->slot[r->head], msg, size);
    r->head = (r->head + 1) % RING_SLOTS;
    die_if(sem_post(&r->used_slots) == -1, "sem_post");
}
static void recv_ring(int role, void *msg, size_t size)
{
    struct ring *r = &ring[!role];
    while (sem_wait(&r->used_slots) == -1)
        retry_if_interrupted("sem_wait");
    memcpy(msg, r->slot[r->tail], size);
    r->tail = (r->tail + 1) % RING_SLOTS;
    die_if(sem_post(&r->free_slots) == -1, "sem_post");
}
static void unmap_ring(void)
{
    if (ring != NULL)
        warn_if(munmap(ring, 2 * sizeof *ring) == -1, "munmap");
    ring = NULL;
}

/* --- shm-spin: one 64-byte mailbox per direction ----------------------- */

/* The reader spins on a sequence number for a while, then sleeps in
 * futex(2); the writer enters the kernel only if the reader sleeps. One
 * message in flight: a latency row only. */
struct mailbox {
    _Atomic uint32_t seq;      /* messages written so far */
    _Atomic uint32_t sleepers; /* readers in futex, or about to be */
    char data[64];
};
static struct mailbox *box; /* [2]: one per direction */
static uint32_t taken;      /* messages this process has read */

static size_t spin_max(const char **why)
{
    *why = "64-byte mailbox";
    return 64;
}
static void setup_spin(size_t size)
{
    (void)size;
    box = map_shared(2 * sizeof *box);
    taken = 0;
}
static long futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}
static void send_spin(int role, const void *msg, size_t size)
{
    struct mailbox *b = &box[role];
    memcpy(b->data, msg, size);
    atomic_fetch_add(&b->seq, 1); /* sequentially consistent: publishes data, then reads sleepers */
    if (atomic_load(&b->sleepers) > 0)
        die_if(futex(&b->seq, FUTEX_WAKE, 1) == -1, "futex FUTEX_WAKE");
}
static void recv_spin(int role, void *msg, size_t size)
{
    struct mailbox *b = &box[!role];
    for (int i = 0; atomic_load(&b->seq) == taken; i++) {
        if (i < 20000)
            continue; /* spin: the writer is probably running on another CPU */
        atomic_fetch_add(&b->sleepers, 1);
        /* FUTEX_WAIT sleeps only if seq still equals `taken` when the kernel
         * looks, under its lock: a write in between is never missed. */
        while (atomic_load(&b->seq) == taken)
            if (futex(&b->seq, FUTEX_WAIT, taken) == -1 && errno != EAGAIN) /* EAGAIN: it changed */
                retry_if_interrupted("futex FUTEX_WAIT");
        atomic_fetch_sub(&b->sleepers, 1);
    }
    taken++;
    memcpy(msg, b->data, size);
}
static void unmap_spin(void)
{
    if (box != NULL)
        warn_if(munmap(box, 2 * sizeof *box) == -1, "munmap");
    box = NULL;
}

const struct mech mech_shm_ring = {
    .name = "shm-ring", .what = "POSIX shared memory ring of 8 slots, two process-shared semaphores",
    .setup = setup_ring, .send = send_ring, .recv = recv_ring, .teardown = unmap_ring,
};
const struct mech mech_shm_spin = {
    .name = "shm-spin", .what = "shared memory mailbox: spin on a sequence number, then futex(2)",
    .max_size = spin_max, .latency_only = true,
    .setup = setup_spin, .send = send_spin, .recv = recv_spin, .teardown = unmap_spin,
};
