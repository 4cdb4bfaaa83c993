/* ipcbench.c - measure every IPC mechanism of the suite side by side.
 *
 * For each mechanism: streaming throughput (one process writes, the other
 * reads and checks every message's sequence number) at several message
 * sizes, and the round-trip latency of a 64-byte ping-pong, between two
 * processes, with both pinned to one CPU and on two CPUs. Beside them, the
 * machine's own limits: memcpy bandwidth, the cost of a trivial system call,
 * and a bare 1-byte pipe ping-pong. See bench/README.md.
 *
 *     ./ipcbench [-q] [-s SIZES] [-m MECHS] [-p same|cross|both] [-r REPS]
 *                [-d SECONDS] [-o DIR]
 */
#define _GNU_SOURCE /* sched_setaffinity, F_SETPIPE_SZ, syscall */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"

#define MAXMSG 65536L
#define RING_SLOTS 8
#define MAX_RTTS 2000000

static const char usage_text[] =
    "Usage: ipcbench [-q] [-s SIZES] [-m MECHANISMS] [-p same|cross|both] [-r REPS]\n"
    "                [-d SECONDS] [-o DIR]\n"
    "Measure throughput and round-trip latency of every IPC mechanism between two\n"
    "processes, against memcpy, a trivial system call and a bare pipe ping-pong.\n"
    "  -s, --sizes LIST      message sizes in bytes (default: 64,4096,65536)\n"
    "  -m, --mechanisms LIST (default: all) pipe,pipe-1M,pipe-1M-8K,fifo,unix,\n"
    "                        unix-2,tcp,sysv-mq,posix-mq,shm-ring,file-lock,signal,\n"
    "                        shm-spin\n"
    "  -p, --placement WHERE same (one CPU), cross (two CPUs) or both (default)\n"
    "  -r, --reps N          repetitions per measurement, reported min/median/max (3)\n"
    "  -d, --duration SECS   time per repetition (default 0.2; -q: 0.02)\n"
    "  -o, --output DIR      where to write results.csv and results.svg\n"
    "                        (default: bench/results next to this program)\n"
    "  -q, --quick           short runs, for a smoke test\n"
    "  -h, --help            show this help\n"
    "Partner: none (it forks its own). Example: ./ipcbench -m pipe,shm-ring -p cross\n";

/* --- a bidirectional link between parent (role 0) and child (role 1) --- */

struct ring { /* one direction of the shared-memory ring */
    sem_t free_slots, used_slots;
    unsigned head, tail; /* written by the writer / the reader only */
    char slot[RING_SLOTS][MAXMSG];
};
struct spin { /* one direction of the spin-then-block handoff */
    _Atomic uint32_t seq;
    _Atomic uint32_t sleepers;
    char data[64];
};
struct filebox { /* header of one direction of the shared file */
    uint64_t written, read;
};

struct link {
    const struct mech *m;
    size_t size;
    int fd[2][2];      /* per direction (0: parent->child, 1: child->parent): read, write */
    int sock[2];       /* one bidirectional socket per role */
    int listener;      /* tcp */
    int qid;           /* sysv */
    mqd_t mq[2];
    char name[2][64];  /* fifo paths, mq names */
    struct ring *ring; /* [2] */
    struct spin *spin; /* [2] */
    uint32_t seen[2];  /* shm-spin: the last sequence number each role took */
    pid_t peer;
};

struct mech {
    const char *name;
    size_t max_size; /* 0: any */
    const char *limit;
    void (*pre)(struct link *);            /* before fork */
    void (*post)(struct link *, int role); /* after fork, in each process */
    void (*send)(struct link *, int role, const void *, size_t);
    void (*recv)(struct link *, int role, void *, size_t);
    void (*done)(struct link *); /* in the parent, after the child is reaped */
};

static void read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) { /* a 64 KiB message over a pipe arrives in pieces */
        ssize_t r = read(fd, p, n);
        if (r == 0)
            fail("unexpected end of stream");
        if (r == -1 && errno == EINTR)
            continue;
        die_if(r == -1, "read");
        p += r;
        n -= (size_t)r;
    }
}
static void fd_send(struct link *l, int role, const void *b, size_t n) { die_if(write_all(l->fd[role][1], b, n) == -1, "write"); }
static void fd_recv(struct link *l, int role, void *b, size_t n) { read_full(l->fd[!role][0], b, n); }
/* pipe-1M-8K: the 1 MiB pipe, a big message written 8 KiB at a time. The
 * writer runs ahead (room for 16 messages) and the reader, woken by the first
 * piece, copies out while the writer copies in (see bench/README.md). */
static void fd_send_8k(struct link *l, int role, const void *b, size_t n)
{
    for (size_t off = 0; off < n; off += 8192)
        die_if(write_all(l->fd[role][1], (const char *)b + off, n - off < 8192 ? n - off : 8192) == -1, "write");
}
static void sock_send(struct link *l, int role, const void *b, size_t n) { die_if(write_all(l->sock[role], b, n) == -1, "send"); }
static void sock_recv(struct link *l, int role, void *b, size_t n) { read_full(l->sock[role], b, n); }

/* pipe: two pipes; pipe-1M: the same with F_SETPIPE_SZ 1 MiB, so that a
 * 64 KiB writer does not wait for the reader after every message. */
static void pipe_pre_sized(struct link *l, int bytes)
{
    for (int d = 0; d < 2; d++) {
        die_if(pipe(l->fd[d]) == -1, "pipe");
        if (bytes)
            die_if(fcntl(l->fd[d][1], F_SETPIPE_SZ, bytes) == -1, "F_SETPIPE_SZ");
    }
}
static void pipe_pre(struct link *l) { pipe_pre_sized(l, 0); }
static void pipe1m_pre(struct link *l) { pipe_pre_sized(l, 1 << 20); }
static void pipe_post(struct link *l, int role)
{
    close(l->fd[role][0]); /* we write direction `role` */
    close(l->fd[!role][1]); /* and read the other */
    l->fd[role][0] = l->fd[!role][1] = -1;
}

/* fifo: two named pipes, opened after fork in an order that cannot deadlock */
static void fifo_pre(struct link *l)
{
    for (int d = 0; d < 2; d++) {
        snprintf(l->name[d], sizeof l->name[d], "/tmp/ipcbench.%d.%d", (int)getpid(), d);
        die_if(mkfifo(l->name[d], 0600) == -1, "mkfifo %s", l->name[d]);
    }
}
static void fifo_post(struct link *l, int role)
{
    if (role == 0) {
        l->fd[0][1] = open(l->name[0], O_WRONLY);
        l->fd[1][0] = open(l->name[1], O_RDONLY);
    } else {
        l->fd[0][0] = open(l->name[0], O_RDONLY);
        l->fd[1][1] = open(l->name[1], O_WRONLY);
    }
    die_if(l->fd[role][1] == -1 || l->fd[!role][0] == -1, "open fifo");
}
static void fifo_done(struct link *l)
{
    unlink(l->name[0]);
    unlink(l->name[1]);
}

/* unix: a connected pair of UNIX-domain stream sockets */
static void unix_pre(struct link *l) { die_if(socketpair(AF_UNIX, SOCK_STREAM, 0, l->sock) == -1, "socketpair"); }
static void unix_post(struct link *l, int role)
{
    close(l->sock[!role]);
    l->sock[!role] = -1;
}

/* unix-2: two socket pairs, one per direction. A stream socket's reader
 * sleeps on the same wait queue that announces "room to write"; on one socket
 * used both ways, the partner draining what we wrote wakes our blocked read
 * for nothing (bench/README.md). One direction per socket avoids it. */
static void unix2_pre(struct link *l)
{
    for (int d = 0; d < 2; d++) {
        int s[2];
        die_if(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == -1, "socketpair");
        l->fd[d][1] = s[0]; /* only written: direction d */
        l->fd[d][0] = s[1]; /* only read */
    }
}

/* tcp: a connection over loopback, Nagle off (small messages go at once) */
static void tcp_pre(struct link *l)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    l->listener = socket(AF_INET, SOCK_STREAM, 0);
    die_if(l->listener == -1, "socket");
    die_if(bind(l->listener, (struct sockaddr *)&a, sizeof a) == -1, "bind");
    die_if(listen(l->listener, 1) == -1, "listen");
    die_if(getsockname(l->listener, (struct sockaddr *)&a, &len) == -1, "getsockname");
    l->sock[1] = socket(AF_INET, SOCK_STREAM, 0);
    die_if(l->sock[1] == -1 || connect(l->sock[1], (struct sockaddr *)&a, sizeof a) == -1, "connect");
    l->sock[0] = accept(l->listener, NULL, NULL);
    die_if(l->sock[0] == -1, "accept");
    close(l->listener);
    int on = 1;
    for (int r = 0; r < 2; r++)
        die_if(setsockopt(l->sock[r], IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1, "TCP_NODELAY");
}

/* sysv-mq: one private queue, message type = direction + 1 */
struct sysv_msg {
    long type;
    char data[MAXMSG];
};
static void sysv_pre(struct link *l)
{
    l->qid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    die_if(l->qid == -1, "msgget");
}
static void sysv_send(struct link *l, int role, const void *b, size_t n)
{
    static struct sysv_msg m;
    m.type = role + 1;
    memcpy(m.data, b, n);
    while (msgsnd(l->qid, &m, n, 0) == -1)
        die_if(errno != EINTR, "msgsnd");
}
static void sysv_recv(struct link *l, int role, void *b, size_t n)
{
    static struct sysv_msg m;
    ssize_t r;
    while ((r = msgrcv(l->qid, &m, n, (!role) + 1, 0)) == -1)
        die_if(errno != EINTR, "msgrcv");
    memcpy(b, m.data, (size_t)r);
}
static void sysv_done(struct link *l) { msgctl(l->qid, IPC_RMID, NULL); }

/* posix-mq: two queues */
static void pmq_pre(struct link *l)
{
    struct mq_attr attr = {.mq_maxmsg = 8, .mq_msgsize = (long)l->size};
    for (int d = 0; d < 2; d++) {
        snprintf(l->name[d], sizeof l->name[d], "/ipcbench.%d.%d", (int)getpid(), d);
        l->mq[d] = mq_open(l->name[d], O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
        die_if(l->mq[d] == (mqd_t)-1, "mq_open %s", l->name[d]);
        mq_unlink(l->name[d]); /* the descriptors keep it alive */
    }
}
static void pmq_send(struct link *l, int role, const void *b, size_t n)
{
    while (mq_send(l->mq[role], b, n, 0) == -1)
        die_if(errno != EINTR, "mq_send");
}
static void pmq_recv(struct link *l, int role, void *b, size_t n)
{
    while (mq_receive(l->mq[!role], b, n, NULL) == -1)
        die_if(errno != EINTR, "mq_receive");
}

/* shm-ring: a ring of slots per direction in POSIX shared memory, counted
 * by two process-shared semaphores: free slots and used slots. */
static void *shared_region(size_t bytes)
{
    char name[64];
    snprintf(name, sizeof name, "/ipcbench.%d", (int)getpid());
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    die_if(fd == -1, "shm_open");
    shm_unlink(name); /* mapped below; nothing is left behind */
    die_if(ftruncate(fd, (off_t)bytes) == -1, "ftruncate");
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    die_if(p == MAP_FAILED, "mmap");
    close(fd);
    return p;
}
static void ring_pre(struct link *l)
{
    l->ring = shared_region(2 * sizeof(struct ring));
    for (int d = 0; d < 2; d++) {
        die_if(sem_init(&l->ring[d].free_slots, 1, RING_SLOTS) == -1, "sem_init");
        die_if(sem_init(&l->ring[d].used_slots, 1, 0) == -1, "sem_init");
    }
}
static void ring_send(struct link *l, int role, const void *b, size_t n)
{
    struct ring *r = &l->ring[role];
    while (sem_wait(&r->free_slots) == -1)
        die_if(errno != EINTR, "sem_wait");
    memcpy(r->slot[r->head], b, n);
    r->head = (r->head + 1) % RING_SLOTS;
    die_if(sem_post(&r->used_slots) == -1, "sem_post");
}
static void ring_recv(struct link *l, int role, void *b, size_t n)
{
    struct ring *r = &l->ring[!role];
    while (sem_wait(&r->used_slots) == -1)
        die_if(errno != EINTR, "sem_wait");
    memcpy(b, r->slot[r->tail], n);
    r->tail = (r->tail + 1) % RING_SLOTS;
    die_if(sem_post(&r->free_slots) == -1, "sem_post");
}
static void ring_done(struct link *l) { munmap(l->ring, 2 * sizeof(struct ring)); }

/* shm-spin: one 64-byte mailbox per direction; the reader spins on a
 * sequence number for a while, then sleeps in futex(2); the writer wakes
 * it only if it sleeps. Latency only: no queue, one message in flight. */
static long futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}
static void spin_pre(struct link *l) { l->spin = shared_region(2 * sizeof(struct spin)); }
static void spin_send(struct link *l, int role, const void *b, size_t n)
{
    struct spin *s = &l->spin[role];
    memcpy(s->data, b, n);
    atomic_fetch_add(&s->seq, 1); /* seq_cst: publishes data, then reads sleepers */
    if (atomic_load(&s->sleepers) > 0)
        futex(&s->seq, FUTEX_WAKE, 1);
}
static void spin_recv(struct link *l, int role, void *b, size_t n)
{
    uint32_t *seen = l->seen;
    struct spin *s = &l->spin[!role];
    for (int i = 0; atomic_load(&s->seq) == seen[role]; i++) {
        if (i < 20000)
            continue; /* spin: the writer is probably on another CPU */
        atomic_fetch_add(&s->sleepers, 1);
        while (atomic_load(&s->seq) == seen[role])
            futex(&s->seq, FUTEX_WAIT, seen[role]); /* sleeps only if still unchanged */
        atomic_fetch_sub(&s->sleepers, 1);
    }
    seen[role]++;
    memcpy(b, s->data, n);
}
static void spin_done(struct link *l) { munmap(l->spin, 2 * sizeof(struct spin)); }

/* file-lock: one file per direction; a one-message box guarded by fcntl
 * locks. There is no event for "the box changed", so each side takes the
 * lock, looks, and yields the CPU if there is nothing to do. */
static void file_pre(struct link *l)
{
    for (int d = 0; d < 2; d++) {
        snprintf(l->name[d], sizeof l->name[d], "/tmp/ipcbench.%d.file%d", (int)getpid(), d);
        l->fd[d][0] = open(l->name[d], O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
        die_if(l->fd[d][0] == -1, "open %s", l->name[d]);
        unlink(l->name[d]);
        struct filebox h = {0, 0};
        die_if(pwrite(l->fd[d][0], &h, sizeof h, 0) != (ssize_t)sizeof h, "pwrite");
    }
}
static void file_lock(int fd, short type)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    while (fcntl(fd, F_SETLKW, &fl) == -1)
        die_if(errno != EINTR, "fcntl");
}
static void file_send(struct link *l, int role, const void *b, size_t n)
{
    int fd = l->fd[role][0];
    for (;;) {
        struct filebox h;
        file_lock(fd, F_WRLCK);
        die_if(pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h, "pread");
        if (h.written == h.read) {
            die_if(pwrite(fd, b, n, sizeof h) != (ssize_t)n, "pwrite");
            h.written++;
            die_if(pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h, "pwrite");
            file_lock(fd, F_UNLCK);
            return;
        }
        file_lock(fd, F_UNLCK);
        sched_yield();
    }
}
static void file_recv(struct link *l, int role, void *b, size_t n)
{
    int fd = l->fd[!role][0];
    for (;;) {
        struct filebox h;
        file_lock(fd, F_WRLCK);
        die_if(pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h, "pread");
        if (h.written > h.read) {
            die_if(pread(fd, b, n, sizeof h) != (ssize_t)n, "pread");
            h.read++;
            die_if(pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h, "pwrite");
            file_lock(fd, F_UNLCK);
            return;
        }
        file_lock(fd, F_UNLCK);
        sched_yield();
    }
}

/* signal: a real-time signal carries the message's first 4 bytes as its
 * sigqueue value; the receiver takes it synchronously with sigwaitinfo. */
static void signal_pre(struct link *l)
{
    (void)l;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN);
    die_if(sigprocmask(SIG_BLOCK, &s, NULL) == -1, "sigprocmask"); /* queued until taken */
}
static void signal_post(struct link *l, int role) { l->peer = role == 0 ? l->peer : getppid(); }
static void signal_send(struct link *l, int role, const void *b, size_t n)
{
    (void)role;
    union sigval v = {0};
    memcpy(&v.sival_int, b, n < sizeof v.sival_int ? n : sizeof v.sival_int);
    while (sigqueue(l->peer, SIGRTMIN, v) == -1)
        die_if(errno != EAGAIN, "sigqueue"); /* EAGAIN: the queue is full */
}
static void signal_recv(struct link *l, int role, void *b, size_t n)
{
    (void)l, (void)role;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN);
    siginfo_t info;
    while (sigwaitinfo(&s, &info) == -1)
        die_if(errno != EINTR, "sigwaitinfo");
    memset(b, 0, n);
    memcpy(b, &info.si_value.sival_int, n < sizeof(int) ? n : sizeof(int));
}

static const struct mech mechs[] = {
    {"pipe", 0, NULL, pipe_pre, pipe_post, fd_send, fd_recv, NULL},
    {"pipe-1M", 0, NULL, pipe1m_pre, pipe_post, fd_send, fd_recv, NULL},
    {"pipe-1M-8K", 0, NULL, pipe1m_pre, pipe_post, fd_send_8k, fd_recv, NULL},
    {"fifo", 0, NULL, fifo_pre, fifo_post, fd_send, fd_recv, fifo_done},
    {"unix", 0, NULL, unix_pre, unix_post, sock_send, sock_recv, NULL},
    {"unix-2", 0, NULL, unix2_pre, pipe_post, fd_send, fd_recv, NULL},
    {"tcp", 0, NULL, tcp_pre, unix_post, sock_send, sock_recv, NULL},
    {"sysv-mq", 0, "msgmax", sysv_pre, NULL, sysv_send, sysv_recv, sysv_done},
    {"posix-mq", 0, "msgsize_max", pmq_pre, NULL, pmq_send, pmq_recv, NULL},
    {"shm-ring", 0, NULL, ring_pre, NULL, ring_send, ring_recv, ring_done},
    {"file-lock", 0, NULL, file_pre, NULL, file_send, file_recv, NULL},
    {"signal", 4, "one int per signal", signal_pre, signal_post, signal_send, signal_recv, NULL},
    {"shm-spin", 64, "latency only", spin_pre, NULL, spin_send, spin_recv, spin_done},
};
#define NMECHS (sizeof mechs / sizeof mechs[0])

/* --- measuring ------------------------------------------------------------ */

static double duration = 0.2;
static int reps = 3;
static int cpu_ids[2], ncpus;

static long proc_long(const char *path)
{
    char text[64] = "";
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(text, sizeof text, f) == NULL)
            text[0] = '\0';
        fclose(f);
    }
    char *end;
    long v = strtol(text, &end, 10);
    return end == text ? -1 : v;
}

/* The largest message a mechanism takes, and why; 0 = no limit. */
static size_t max_size(const struct mech *m, const char **why)
{
    static char buf[64];
    *why = m->limit;
    if (strcmp(m->name, "sysv-mq") == 0 || strcmp(m->name, "posix-mq") == 0) {
        long v = proc_long(m->name[0] == 's' ? "/proc/sys/kernel/msgmax" : "/proc/sys/fs/mqueue/msgsize_max");
        snprintf(buf, sizeof buf, "%s %ld", m->limit, v);
        *why = buf;
        return v > 0 ? (size_t)v : 8192;
    }
    return m->max_size;
}

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    die_if(sched_setaffinity(0, sizeof set, &set) == -1, "sched_setaffinity");
}

/* Every message carries its sequence number in its first bytes (and, from
 * 16 bytes on, a mangled copy in its last 8): the reader checks both. The
 * end of a run: the parent stores how many messages it sent in *stop_at
 * (shared memory, + 1), then sends one more, which the child does not
 * count: small messages cannot hold a marker that no sequence number has. */
static _Atomic uint64_t *stop_at;
static bool is_last(uint64_t counted) { return atomic_load(stop_at) == counted + 1; }
static void stamp(char *buf, size_t size, uint64_t seq)
{
    memcpy(buf, &seq, size < 8 ? size : 8);
    if (size >= 16) {
        uint64_t tail = ~seq;
        memcpy(buf + size - 8, &tail, 8);
    }
}
static uint64_t seq_of(const char *buf, size_t size, int *ok)
{
    uint64_t seq = 0, tail;
    memcpy(&seq, buf, size < 8 ? size : 8);
    *ok = 1;
    if (size >= 16) {
        memcpy(&tail, buf + size - 8, 8);
        *ok = tail == ~seq;
    }
    return seq;
}
static uint64_t expect_mask(size_t size) { return size >= 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1; }

/* Fork the partner with the link open on both sides and both pinned. The
 * child runs body() and exits: 0, or 3 if a message was wrong. */
static pid_t start_child(struct link *l, int cpu_child, int cpu_parent, int ready[2],
                         int (*body)(struct link *))
{
    atomic_store(stop_at, 0);
    die_if(pipe(ready) == -1, "pipe");
    fflush(stdout);
    pid_t pid = fork();
    die_if(pid == -1, "fork");
    if (pid == 0) {
        pin(cpu_child);
        if (l->m->post)
            l->m->post(l, 1);
        die_if(write(ready[1], "r", 1) != 1, "write");
        _exit(body(l));
    }
    l->peer = pid;
    pin(cpu_parent);
    if (l->m->post)
        l->m->post(l, 0);
    char c;
    read_full(ready[0], &c, 1);
    return pid;
}

static void finish_child(struct link *l, pid_t pid, int ready[2])
{
    int status;
    while (waitpid(pid, &status, 0) == -1)
        die_if(errno != EINTR, "waitpid");
    if (l->m->done)
        l->m->done(l);
    for (int d = 0; d < 2; d++)
        for (int e = 0; e < 2; e++)
            if (l->fd[d][e] > 2)
                close(l->fd[d][e]);
    for (int r = 0; r < 2; r++)
        if (l->sock[r] > 2)
            close(l->sock[r]);
    close(ready[0]);
    close(ready[1]);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("%s: the reader found a lost, duplicated or corrupted message (status %d)", l->m->name,
             WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int stream_reader(struct link *l)
{
    static char buf[MAXMSG];
    uint64_t expect = 0, mask = expect_mask(l->size);
    for (;;) {
        l->m->recv(l, 1, buf, l->size);
        if (is_last(expect))
            break;
        int ok;
        uint64_t seq = seq_of(buf, l->size, &ok);
        if (!ok || seq != (expect & mask))
            return 3;
        expect++;
    }
    /* report the count through the ready pipe's other direction: stdout is ours */
    return 0;
}

/* One repetition of streaming: MB/s over the measured window. */
static double throughput(const struct mech *m, size_t size, int cpu_w, int cpu_r)
{
    static char buf[MAXMSG];
    struct link l = {.m = m, .size = size, .fd = {{-1, -1}, {-1, -1}}, .sock = {-1, -1}};
    int ready[2];
    m->pre(&l);
    pid_t pid = start_child(&l, cpu_r, cpu_w, ready, stream_reader);
    uint64_t seq = 0, first = 0;
    double start = now_monotonic(), t0 = 0;
    bool measuring = false;
    for (;; seq++) {
        if ((seq & 63) == 0) {
            double t = now_monotonic();
            if (!measuring && t - start >= duration / 4) { /* warm-up done */
                measuring = true;
                t0 = t;
                first = seq;
            } else if (measuring && t - t0 >= duration) {
                break;
            }
        }
        stamp(buf, size, seq);
        m->send(&l, 0, buf, size);
    }
    atomic_store(stop_at, seq + 1);
    m->send(&l, 0, buf, size);
    finish_child(&l, pid, ready); /* the reader has checked every message */
    double t1 = now_monotonic();
    return (double)(seq - first) * (double)size / (t1 - t0) / 1e6;
}

static int echo_child(struct link *l)
{
    static char buf[MAXMSG];
    for (uint64_t echoed = 0;; echoed++) {
        l->m->recv(l, 1, buf, l->size);
        if (is_last(echoed))
            return 0;
        l->m->send(l, 1, buf, l->size);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Context switches so far of this process and of its reaped children. */
static long switches_so_far(void)
{
    struct rusage self, children;
    die_if(getrusage(RUSAGE_SELF, &self) == -1 || getrusage(RUSAGE_CHILDREN, &children) == -1, "getrusage");
    return self.ru_nvcsw + self.ru_nivcsw + children.ru_nvcsw + children.ru_nivcsw;
}

/* One repetition of ping-pong: median and p99 round trip, microseconds, and
 * context switches per round trip (both processes; 2 when each side sleeps
 * exactly once, more when one is woken before its message is there). */
static void latency(const struct mech *m, size_t size, int cpu_a, int cpu_b, double *median, double *p99, double *switches)
{
    long switches_before = switches_so_far();
    static char buf[MAXMSG];
    static double rtt[MAX_RTTS];
    struct link l = {.m = m, .size = size, .fd = {{-1, -1}, {-1, -1}}, .sock = {-1, -1}};
    int ready[2];
    m->pre(&l);
    pid_t pid = start_child(&l, cpu_b, cpu_a, ready, echo_child);
    size_t n = 0;
    uint64_t mask = expect_mask(size);
    double start = now_monotonic(), t0 = 0;
    uint64_t seq = 0;
    for (; n < MAX_RTTS; seq++) {
        double t = now_monotonic();
        if (t0 == 0 && t - start >= duration / 4)
            t0 = t; /* warm-up done */
        if (t0 != 0 && t - t0 >= duration)
            break;
        stamp(buf, size, seq);
        m->send(&l, 0, buf, size);
        m->recv(&l, 0, buf, size);
        int ok;
        if (seq_of(buf, size, &ok) != (seq & mask) || !ok)
            fail("%s: the echo of message %llu came back wrong", m->name, (unsigned long long)seq);
        if (t0 != 0)
            rtt[n++] = (now_monotonic() - t) * 1e6;
    }
    atomic_store(stop_at, seq + 1);
    m->send(&l, 0, buf, size);
    finish_child(&l, pid, ready);
    *switches = (double)(switches_so_far() - switches_before) / (double)(seq + 1);
    qsort(rtt, n, sizeof rtt[0], cmp_double);
    *median = n ? rtt[n / 2] : 0;
    *p99 = n ? rtt[(size_t)((double)n * 0.99)] : 0;
}

/* --- the machine's own limits ------------------------------------------- */

static double memcpy_mbs(void)
{
    size_t n = 64u << 20; /* larger than any cache here */
    char *a = malloc(n), *b = malloc(n);
    die_if(a == NULL || b == NULL, "malloc");
    memset(a, 1, n);
    memset(b, 2, n);
    double best = 0;
    for (int i = 0; i < 5; i++) {
        double t = now_monotonic();
        if (i % 2)
            memcpy(a, b, n);
        else
            memcpy(b, a, n);
        t = now_monotonic() - t;
        if ((double)n / t / 1e6 > best)
            best = (double)n / t / 1e6;
    }
    free(a);
    free(b);
    return best;
}

static double syscall_ns(void)
{
    int n = 1000000;
    double t = now_monotonic();
    for (int i = 0; i < n; i++)
        syscall(SYS_getppid); /* a system call that does nothing */
    return (now_monotonic() - t) / n * 1e9;
}

/* --- results ---------------------------------------------------------------- */

struct result {
    const char *mech, *where;
    size_t size;
    bool is_latency, na;
    char why[64];
    double v[3], p99; /* min, median, max (MB/s or µs) */
    double switches; /* context switches per round trip (median) */
};
static struct result results[512];
static int nresults;

static void summarize(double *vals, int n, double out[3])
{
    qsort(vals, (size_t)n, sizeof vals[0], cmp_double);
    out[0] = vals[0];
    out[1] = vals[n / 2];
    out[2] = vals[n - 1];
}

static const struct result *find(const char *mech, const char *where, size_t size, bool lat)
{
    for (int i = 0; i < nresults; i++)
        if (strcmp(results[i].mech, mech) == 0 && strcmp(results[i].where, where) == 0 &&
            results[i].size == size && results[i].is_latency == lat && !results[i].na)
            return &results[i];
    return NULL;
}

static const char *human(size_t size)
{
    static char buf[4][32];
    static int k;
    k = (k + 1) % 4;
    if (size >= 1024 && size % 1024 == 0)
        snprintf(buf[k], sizeof buf[k], "%zu KiB", size / 1024);
    else
        snprintf(buf[k], sizeof buf[k], "%zu B", size);
    return buf[k];
}

static void write_svg(const char *path, double memcpy_rate, size_t big, const char *where)
{
    FILE *f = fopen(path, "w");
    die_if(f == NULL, "fopen %s", path);
    int rows = 0;
    for (size_t i = 0; i < NMECHS; i++)
        rows += find(mechs[i].name, where, big, false) != NULL;
    int h = 60 + 22 * (rows + 1) + 40 + 22 * (int)NMECHS + 30;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", h);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"20\" font-size=\"14\">Throughput at %s (%s CPU), MB/s; memcpy = %.0f</text>\n",
            human(big), where, memcpy_rate);
    int y = 40;
    double scale = 480 / memcpy_rate;
    fprintf(f, "<text x=\"10\" y=\"%d\">memcpy</text><rect x=\"110\" y=\"%d\" width=\"480\" height=\"16\" fill=\"#999\"/><text x=\"595\" y=\"%d\">%.0f</text>\n",
            y + 12, y, y + 12, memcpy_rate);
    y += 22;
    for (size_t i = 0; i < NMECHS; i++) {
        const struct result *r = find(mechs[i].name, where, big, false);
        if (!r)
            continue;
        double w = r->v[1] * scale > 600 ? 600 : r->v[1] * scale;
        fprintf(f, "<text x=\"10\" y=\"%d\">%s</text><rect x=\"110\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#4a7\"/><text x=\"%.1f\" y=\"%d\">%.0f</text>\n",
                y + 12, r->mech, y, w, 115 + w, y + 12, r->v[1]);
        y += 22;
    }
    y += 20;
    fprintf(f, "<text x=\"10\" y=\"%d\" font-size=\"14\">Round trip at 64 B (%s CPU), median µs</text>\n", y, where);
    y += 20;
    double maxlat = 1;
    for (size_t i = 0; i < NMECHS; i++)
        for (size_t s = 0; s <= 64; s++) {
            const struct result *r = find(mechs[i].name, where, s, true);
            if (r && r->v[1] > maxlat)
                maxlat = r->v[1];
        }
    for (size_t i = 0; i < NMECHS; i++) {
        const struct result *r = NULL;
        for (size_t s = 0; s <= 64 && !r; s++)
            r = find(mechs[i].name, where, s, true);
        if (!r)
            continue;
        double w = r->v[1] / maxlat * 480;
        fprintf(f, "<text x=\"10\" y=\"%d\">%s</text><rect x=\"110\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#47a\"/><text x=\"%.1f\" y=\"%d\">%.2f</text>\n",
                y + 12, r->mech, y, w, 115 + w, y + 12, r->v[1]);
        y += 22;
    }
    fprintf(f, "</svg>\n");
    fclose(f);
}

static bool wanted(const char *list, const char *name)
{
    if (list == NULL)
        return true;
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

int main(int argc, char *argv[])
{
    const char *mech_list = NULL, *placement = "both", *outdir = NULL;
    size_t sizes[8] = {64, 4096, 65536};
    int nsizes = 3;
    bool quick = false, dur_set = false;
    static const struct option longopts[] = {
        {"sizes", required_argument, NULL, 's'},      {"mechanisms", required_argument, NULL, 'm'},
        {"placement", required_argument, NULL, 'p'},  {"reps", required_argument, NULL, 'r'},
        {"duration", required_argument, NULL, 'd'},   {"output", required_argument, NULL, 'o'},
        {"quick", no_argument, NULL, 'q'},            {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":s:m:p:r:d:o:qh", longopts, NULL)) != -1;) {
        switch (c) {
        case 's': {
            char copy[256], *save = NULL;
            if (snprintf(copy, sizeof copy, "%s", optarg) >= (int)sizeof copy)
                usage(usage_text, "--sizes: list too long");
            nsizes = 0;
            for (char *t = strtok_r(copy, ",", &save); t && nsizes < 8; t = strtok_r(NULL, ",", &save))
                sizes[nsizes++] = (size_t)parse_long(usage_text, t, "--sizes", 1, MAXMSG);
            if (nsizes == 0)
                usage(usage_text, "--sizes: no size given");
            break;
        }
        case 'm':
        {
            mech_list = optarg;
            size_t known = 0;
            for (size_t i = 0; i < NMECHS; i++)
                known += wanted(optarg, mechs[i].name);
            if (known == 0)
                usage(usage_text, "--mechanisms: none known in '%s'", optarg);
            break;
        }
        case 'p':
            placement = optarg;
            if (strcmp(optarg, "same") != 0 && strcmp(optarg, "cross") != 0 && strcmp(optarg, "both") != 0)
                usage(usage_text, "--placement: same, cross or both");
            break;
        case 'r': reps = (int)parse_long(usage_text, optarg, "--reps", 1, 50); break;
        case 'd': duration = parse_seconds(usage_text, optarg, "--duration"), dur_set = true; break;
        case 'o': outdir = optarg; break;
        case 'q': quick = true; break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    if (quick && !dur_set)
        duration = 0.02;
    if (duration <= 0)
        usage(usage_text, "--duration: must be more than 0");
    die_if(signal(SIGPIPE, SIG_IGN) == SIG_ERR, "signal");
    stop_at = mmap(NULL, sizeof *stop_at, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    die_if(stop_at == MAP_FAILED, "mmap");

    cpu_set_t allowed;
    die_if(sched_getaffinity(0, sizeof allowed, &allowed) == -1, "sched_getaffinity");
    for (int c = 0; c < CPU_SETSIZE && ncpus < 2; c++)
        if (CPU_ISSET(c, &allowed))
            cpu_ids[ncpus++] = c;
    const char *wheres[2];
    int nwheres = 0;
    if (strcmp(placement, "cross") != 0)
        wheres[nwheres++] = "same";
    if (strcmp(placement, "same") != 0) {
        if (ncpus >= 2)
            wheres[nwheres++] = "cross";
        else
            note("only one CPU available: no cross-CPU placement");
    }

    fprintf(stderr, "ipcbench: the machine's limits...\n");
    double mem = memcpy_mbs(), sys = syscall_ns(), bare[2] = {0, 0};
    for (int w = 0; w < nwheres; w++) {
        double v[50] = {0}, p, cs;
        for (int r = 0; r < reps; r++)
            latency(&mechs[0], 1, cpu_ids[0], cpu_ids[strcmp(wheres[w], "cross") == 0], &v[r], &p, &cs);
        double s3[3];
        summarize(v, reps, s3);
        bare[w] = s3[1];
    }

    for (size_t i = 0; i < NMECHS; i++) {
        const struct mech *m = &mechs[i];
        if (!wanted(mech_list, m->name))
            continue;
        const char *why;
        size_t limit = max_size(m, &why);
        for (int w = 0; w < nwheres; w++) {
            int a = cpu_ids[0], b = cpu_ids[strcmp(wheres[w], "cross") == 0];
            fprintf(stderr, "ipcbench: %-10s %-5s ", m->name, wheres[w]);
            bool latency_only = m->limit && strcmp(m->limit, "latency only") == 0;
            for (int s = 0; s < nsizes; s++) {
                struct result *r = &results[nresults++];
                *r = (struct result){.mech = m->name, .where = wheres[w], .size = sizes[s]};
                if (latency_only || (limit && sizes[s] > limit)) {
                    r->na = true;
                    snprintf(r->why, sizeof r->why, "%s", latency_only ? "latency only" : why);
                    continue;
                }
                double v[50] = {0};
                for (int k = 0; k < reps; k++)
                    v[k] = throughput(m, sizes[s], a, b);
                summarize(v, reps, r->v);
                fprintf(stderr, ".");
            }
            size_t lsize = limit && limit < 64 ? limit : 64;
            struct result *r = &results[nresults++];
            *r = (struct result){.mech = m->name, .where = wheres[w], .size = lsize, .is_latency = true};
            double med[50] = {0}, p99[50] = {0}, cs[50] = {0};
            for (int k = 0; k < reps; k++)
                latency(m, lsize, a, b, &med[k], &p99[k], &cs[k]);
            summarize(med, reps, r->v);
            double p3[3], cs3[3];
            summarize(p99, reps, p3);
            r->p99 = p3[1];
            summarize(cs, reps, cs3);
            r->switches = cs3[1];
            fprintf(stderr, " done\n");
        }
    }

    /* --- the tables --- */
    printf("\nMachine: %d CPU(s) used; memcpy %.0f MB/s (64 MiB buffer); getppid() %.0f ns;\n", ncpus, mem, sys);
    for (int w = 0; w < nwheres; w++)
        printf("bare 1-byte pipe ping-pong, %s CPU: %.2f us round trip\n", wheres[w], bare[w]);
    printf("\nThroughput, one writer -> one reader, every message checked (%d reps of %.2f s: min / median / max)\n", reps, duration);
    printf("%-10s %-6s %7s %10s %10s %10s %12s %9s\n", "mechanism", "CPU", "size", "MB/s min", "median", "max", "msg/s", "x memcpy");
    for (int i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        if (r->is_latency)
            continue;
        if (r->na)
            printf("%-10s %-6s %7s %10s   (%s)\n", r->mech, r->where, human(r->size), "n/a", r->why);
        else
            printf("%-10s %-6s %7s %10.1f %10.1f %10.1f %12.0f %9.3f\n", r->mech, r->where, human(r->size), r->v[0], r->v[1],
                   r->v[2], r->v[1] * 1e6 / (double)r->size, r->v[1] / mem);
    }
    printf("\nRound trip (ping-pong), microseconds (%d reps: min / median / max of the medians; p99;\n"
           "context switches per round trip, both processes)\n", reps);
    printf("%-10s %-6s %7s %9s %9s %9s %9s %9s %9s\n", "mechanism", "CPU", "size", "min", "median", "max", "p99", "x bare", "switches");
    for (int i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        if (!r->is_latency)
            continue;
        double b = bare[strcmp(r->where, "cross") == 0 && nwheres == 2];
        printf("%-10s %-6s %7s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n", r->mech, r->where, human(r->size), r->v[0], r->v[1], r->v[2],
               r->p99, b > 0 ? r->v[1] / b : 0, r->switches);
    }

    /* --- the targets (bench/README.md) --- */
    printf("\nTargets (checked against this run):\n");
    const char *best = nwheres == 2 ? "cross" : wheres[0];
    const struct result *ring = find("shm-ring", best, 65536, false);
    if (ring)
        printf("  %-6s shm-ring at 64 KiB >= 0.8 x memcpy: %.2f x (%s CPU)\n", ring->v[1] >= 0.8 * mem ? "MET" : "MISSED",
               ring->v[1] / mem, best);
    for (int w = 0; w < nwheres; w++) {
        /* each pipe variant against its own 4 KiB figure */
        const char *variant[][2] = {{"pipe", "pipe (default 64 KiB buffer)"},
                                    {"pipe-1M", "pipe with F_SETPIPE_SZ 1 MiB"},
                                    {"pipe-1M-8K", "pipe, 1 MiB, 64 KiB written 8 KiB at a time"}};
        for (int k = 0; k < 3; k++) {
            const struct result *big = find(variant[k][0], wheres[w], 65536, false), *small = find(variant[k][0], wheres[w], 4096, false);
            if (big && small)
                printf("  %-6s %s, 64 KiB not slower than 4 KiB, %s CPU: %.0f vs %.0f MB/s\n",
                       big->v[1] >= small->v[1] ? "MET" : "MISSED", variant[k][1], wheres[w], big->v[1], small->v[1]);
        }
    }
    const char *pinned[] = {"pipe", "unix", "unix-2", "shm-ring"};
    for (int w = 0; w < nwheres; w++)
        for (int k = 0; k < 4; k++) {
            const struct result *r = find(pinned[k], wheres[w], 64, true);
            if (r && bare[w] > 0)
                printf("  %-6s %s 64 B round trip (%s CPU) within 1.5 x bare pipe: %.2f x\n",
                       r->v[1] <= 1.5 * bare[w] ? "MET" : "MISSED", pinned[k], wheres[w], r->v[1] / bare[w]);
        }
    const struct result *spin = find("shm-spin", "cross", 64, true);
    if (spin)
        printf("  %-6s shm-spin round trip below 1 us (cross CPU): %.2f us\n", spin->v[1] < 1 ? "MET" : "MISSED", spin->v[1]);

    /* --- CSV and SVG --- */
    char dir[4096], path[4200];
    if (outdir)
        snprintf(dir, sizeof dir, "%s", outdir);
    else {
        ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 20);
        die_if(n <= 0, "readlink /proc/self/exe");
        dir[n] = '\0';
        char *slash = strrchr(dir, '/');
        snprintf(slash ? slash : dir, 16, "/results");
    }
    die_if(mkdir(dir, 0755) == -1 && errno != EEXIST, "mkdir %s", dir);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    FILE *csv = fopen(path, "w");
    die_if(csv == NULL, "fopen %s", path);
    fprintf(csv, "kind,mechanism,placement,size_bytes,min,median,max,p99,unit,note,switches_per_rt\n");
    fprintf(csv, "limit,memcpy,,%d,,%.1f,,,MB/s,,\nlimit,getppid,,,,%.1f,,,ns,,\n", 64 << 20, mem, sys);
    for (int w = 0; w < nwheres; w++)
        fprintf(csv, "limit,bare-pipe-pingpong,%s,1,,%.3f,,,us,,\n", wheres[w], bare[w]);
    for (int i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        if (r->na)
            fprintf(csv, "%s,%s,%s,%zu,,,,,,n/a: %s,\n", r->is_latency ? "latency" : "throughput", r->mech, r->where, r->size, r->why);
        else if (r->is_latency)
            fprintf(csv, "latency,%s,%s,%zu,%.3f,%.3f,%.3f,%.3f,us,,%.3f\n", r->mech, r->where, r->size, r->v[0], r->v[1], r->v[2],
                    r->p99, r->switches);
        else
            fprintf(csv, "throughput,%s,%s,%zu,%.3f,%.3f,%.3f,,MB/s,,\n", r->mech, r->where, r->size, r->v[0], r->v[1], r->v[2]);
    }
    fclose(csv);
    snprintf(path, sizeof path, "%s/results.svg", dir);
    write_svg(path, mem, sizes[nsizes - 1], best);
    printf("\nWrote %s/results.csv and %s/results.svg\n", dir, dir);
    return 0;
}
