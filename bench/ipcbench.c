/* ipcbench.c - measure every IPC mechanism of the suite side by side.
 *
 * For each mechanism: streaming throughput (one process writes, the other
 * reads and checks every message) at several message sizes, and the round
 * trip of a 64-byte ping-pong, between two processes pinned to one CPU and
 * to two CPUs; with each figure, the CPU time and the context switches it
 * cost both processes. Beside them, the machine's own limits: memcpy
 * bandwidth, the cost of a trivial system call, and a bare 1-byte pipe
 * ping-pong. Then the suite's two echo servers, run as programs: their
 * connection rate, round trip and lines per second with many clients, and
 * what each costs them (servers.c). See bench/README.md.
 *
 * This file is the driver: options, placement, timing, statistics, the
 * table and results.csv. The mechanisms are in mech_*.c, behind mech.h;
 * partner.c runs the second process; servers.c measures the echo servers;
 * chart.c draws results.svg.
 *
 *     ./ipcbench [-q] [-s SIZES] [-m MECHANISMS] [-p same|cross|both]
 *                [-r REPS] [-d SECONDS] [-n CONNECTIONS] [-c CLIENTS]
 *                [-w SECONDS] [-o DIR]
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_SET, syscall */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "mech.h"
#include "partner.h"
#include "results.h"
#include "servers.h"

#define MAX_RTTS 2000000 /* round trips timed per repetition, at most */
#define MAX_SIZES 8
#define MAX_REPS 50

static const char usage_text[] =
    "Usage: ipcbench [-q] [-s SIZES] [-m MECHANISMS] [-p same|cross|both] [-r REPS]\n"
    "                [-d SECONDS] [-n CONNECTIONS] [-c CLIENTS] [-w SECONDS] [-o DIR]\n"
    "Measure throughput and round-trip latency of every IPC mechanism between two\n"
    "processes, against memcpy, a trivial system call and a bare pipe ping-pong;\n"
    "then the echo servers of sockets/ (connections, round trip, many clients).\n"
    "  -s, --sizes LIST      message sizes in bytes, up to 65536\n"
    "                        (default: 64,256,1024,4096,16384,65536; -q: 64,4096,65536)\n"
    "  -m, --mechanisms LIST names from the lists below (default: all)\n"
    "  -p, --placement WHERE same (one CPU), cross (two CPUs) or both (default); for\n"
    "                        the echo servers: the client's CPU and the server's\n"
    "  -r, --reps N          repetitions per figure, reported min/median/max (3)\n"
    "  -d, --duration SECS   time per repetition (default 0.2; -q: 0.02)\n"
    "  -n, --connections N   echo servers: short connections per repetition\n"
    "                        (default 1000; -q: 100)\n"
    "  -c, --clients LIST    echo servers: numbers of clients at once, up to 256\n"
    "                        (default: 1,16,128)\n"
    "  -w, --wait SECS       echo servers: how long one may take to start, answer\n"
    "                        or stop before the bench calls it failed (default 10)\n"
    "  -o, --output DIR      where to write results.csv and results.svg\n"
    "                        (default: bench/results next to this program)\n"
    "  -q, --quick           short runs, for a smoke test\n"
    "  -h, --help            show this help and the mechanisms\n"
    "Partner: none (it forks its own, and runs the servers from ../sockets beside\n"
    "it). Example: ./ipcbench -m pipe,shm-ring -p cross; ./ipcbench -q -m pollserver\n";

/* Every mechanism (mech.h), in the order of the results. */
static const struct mech *const mechs[] = {
#define ENTRY(name) &mech_##name,
    MECHANISMS(ENTRY)
#undef ENTRY
};
#define NMECHS (sizeof mechs / sizeof mechs[0])

static double duration = 0.2;
static int reps = 3;

/* Every message carries its sequence number in its first bytes (and, from
 * 16 bytes on, a mangled copy in its last 8): the reader checks both. The
 * end of a run: the parent stores how many messages it sent in *stop_at
 * (shared memory, + 1), then sends one more, which the child does not
 * count: small messages cannot hold a marker that no sequence number has. */
static _Atomic uint64_t *stop_at;
static bool is_last(uint64_t counted) { return atomic_load(stop_at) == counted + 1; }
static void stamp(char *msg, size_t size, uint64_t seq)
{
    memcpy(msg, &seq, size < 8 ? size : 8);
    if (size >= 16) {
        uint64_t tail = ~seq;
        memcpy(msg + size - 8, &tail, 8);
    }
}
static bool stamped(const char *msg, size_t size, uint64_t seq)
{
    uint64_t head = 0, tail, mask = size >= 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1;
    memcpy(&head, msg, size < 8 ? size : 8);
    if (head != (seq & mask))
        return false;
    if (size >= 16) {
        memcpy(&tail, msg + size - 8, 8);
        return tail == ~seq;
    }
    return true;
}

/* --- measuring ------------------------------------------------------------ */

/* One repetition's figure, and what it cost both processes. */
struct sample {
    double value;    /* MB/s, or the median round trip in µs */
    double p99;      /* round trip: the 99th percentile, µs */
    double switches; /* context switches per message or round trip */
    double cpu_us;   /* CPU time (user + system) per message or round trip, µs */
};

/* CPU time and context switches so far, of this process and of its
 * children that have been waited for. Taken before the partner is forked
 * and after it is reaped, the difference is what both spent. The CPU time
 * is exact (the scheduler's nanosecond count); only its split between
 * user and system is sampled at the timer tick, and it is not used here. */
static void usage_so_far(double *cpu_s, double *switches)
{
    struct rusage self, children;
    die_if(getrusage(RUSAGE_SELF, &self) == -1 || getrusage(RUSAGE_CHILDREN, &children) == -1, "getrusage");
    *cpu_s = (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + children.ru_utime.tv_sec +
                      children.ru_stime.tv_sec) +
             (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + children.ru_utime.tv_usec +
                      children.ru_stime.tv_usec) / 1e6;
    /* voluntary: it slept; involuntary: it was preempted */
    *switches = (double)(self.ru_nvcsw + self.ru_nivcsw + children.ru_nvcsw + children.ru_nivcsw);
}
static void charge(struct sample *s, double cpu_before, double switches_before, uint64_t count)
{
    double cpu, switches;
    usage_so_far(&cpu, &switches);
    s->cpu_us = (cpu - cpu_before) / (double)count * 1e6;
    s->switches = (switches - switches_before) / (double)count;
}

static int stream_reader(const struct mech *m, size_t size)
{
    static char msg[MAXMSG];
    for (uint64_t expect = 0;; expect++) {
        m->recv(1, msg, size);
        if (is_last(expect))
            return 0;
        if (!stamped(msg, size, expect))
            return PARTNER_BAD_MESSAGE;
    }
}

/* One repetition of streaming: MB/s over the measured window. */
static struct sample throughput(const struct mech *m, size_t size, int cpu_writer, int cpu_reader)
{
    static char msg[MAXMSG];
    struct sample s = {0};
    double cpu0, sw0;
    usage_so_far(&cpu0, &sw0);
    atomic_store(stop_at, 0);
    start_partner(m, size, cpu_writer, cpu_reader, stream_reader);
    uint64_t seq = 0, first = 0;
    double start = now_monotonic(), t0 = 0;
    bool measuring = false;
    for (;; seq++) {
        if ((seq & 63) == 0) {
            poll_checkpoint();
            double t = now_monotonic();
            if (!measuring && t - start >= duration / 4) { /* warm-up done */
                measuring = true;
                t0 = t;
                first = seq;
            } else if (measuring && t - t0 >= duration) {
                break;
            }
        }
        stamp(msg, size, seq);
        m->send(0, msg, size);
    }
    atomic_store(stop_at, seq + 1);
    m->send(0, msg, size);
    wait_partner(); /* it has read and checked every message */
    double t1 = now_monotonic();
    remove_objects();
    s.value = (double)(seq - first) * (double)size / (t1 - t0) / 1e6;
    charge(&s, cpu0, sw0, seq + 1);
    return s;
}

static int echo_child(const struct mech *m, size_t size)
{
    static char msg[MAXMSG];
    for (uint64_t echoed = 0;; echoed++) {
        m->recv(1, msg, size);
        if (is_last(echoed))
            return 0;
        m->send(1, msg, size);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One repetition of ping-pong: median and p99 round trip, in µs. */
static struct sample latency(const struct mech *m, size_t size, int cpu_a, int cpu_b)
{
    static char msg[MAXMSG];
    static double rtt[MAX_RTTS];
    struct sample s = {0};
    double cpu0, sw0;
    usage_so_far(&cpu0, &sw0);
    atomic_store(stop_at, 0);
    start_partner(m, size, cpu_a, cpu_b, echo_child);
    size_t n = 0;
    double start = now_monotonic(), t0 = 0;
    uint64_t seq = 0;
    for (; n < MAX_RTTS; seq++) {
        double t = now_monotonic();
        if (t0 == 0 && t - start >= duration / 4)
            t0 = t; /* warm-up done */
        if (t0 != 0 && t - t0 >= duration)
            break;
        stamp(msg, size, seq);
        m->send(0, msg, size);
        m->recv(0, msg, size);
        if (!stamped(msg, size, seq))
            fail("%s: the echo of message %llu came back wrong", m->name, (unsigned long long)seq);
        if (t0 != 0)
            rtt[n++] = (now_monotonic() - t) * 1e6;
        if ((seq & 63) == 0)
            poll_checkpoint();
    }
    atomic_store(stop_at, seq + 1);
    m->send(0, msg, size);
    wait_partner();
    remove_objects();
    charge(&s, cpu0, sw0, seq + 1);
    qsort(rtt, n, sizeof rtt[0], cmp_double);
    s.value = n ? rtt[n / 2] : 0;
    s.p99 = n ? rtt[(size_t)((double)n * 0.99)] : 0;
    return s;
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

static struct result results[1024];
static int nresults;
static struct server_result servers[NSERVERS * 2 * (2 + MAX_CLIENT_COUNTS)];
static int nservers;

/* min, median, max of n values (sorted in place) */
static void summarize(double *vals, int n, double out[3])
{
    qsort(vals, (size_t)n, sizeof vals[0], cmp_double);
    out[0] = vals[0];
    out[1] = vals[n / 2];
    out[2] = vals[n - 1];
}
static double median_of(double *vals, int n)
{
    double s[3];
    summarize(vals, n, s);
    return s[1];
}

static struct result *add_result(const struct mech *m, const char *where, size_t size, bool is_latency)
{
    if (nresults == (int)(sizeof results / sizeof results[0]))
        fail("too many results: fewer sizes or mechanisms, please");
    struct result *r = &results[nresults++];
    *r = (struct result){.mech = m->name, .where = where, .size = size, .is_latency = is_latency};
    return r;
}

/* All repetitions of one figure, summarized. */
static void measure(struct result *r, const struct mech *m, int cpu_a, int cpu_b)
{
    double v[MAX_REPS] = {0}, p99[MAX_REPS] = {0}, sw[MAX_REPS] = {0}, cpu[MAX_REPS] = {0};
    for (int k = 0; k < reps; k++) {
        struct sample s = r->is_latency ? latency(m, r->size, cpu_a, cpu_b) : throughput(m, r->size, cpu_a, cpu_b);
        v[k] = s.value, p99[k] = s.p99, sw[k] = s.switches, cpu[k] = s.cpu_us;
    }
    summarize(v, reps, r->v);
    r->p99 = median_of(p99, reps);
    r->switches = median_of(sw, reps);
    r->cpu_us = median_of(cpu, reps);
}

static const struct result *find(const char *mech, const char *where, size_t size, bool is_latency)
{
    for (int i = 0; i < nresults; i++)
        if (strcmp(results[i].mech, mech) == 0 && strcmp(results[i].where, where) == 0 &&
            results[i].size == size && results[i].is_latency == is_latency && !results[i].skipped)
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

static void print_tables(const struct limits *lim, int ncpus)
{
    printf("\nMachine: %d CPU(s) used; memcpy %.0f MB/s (64 MiB buffer); getppid() %.0f ns;\n", ncpus,
           lim->memcpy_mbs, lim->syscall_ns);
    for (int w = 0; w < lim->nwheres; w++)
        printf("bare 1-byte pipe ping-pong, %s CPU: %.2f us round trip\n", lim->where[w], lim->bare_us[w]);
    printf("\nThroughput, one writer -> one reader, every message checked (%d reps of %.2f s: min / median / max);\n"
           "context switches and CPU time (user + system) of both processes per message\n", reps, duration);
    printf("%-10s %-6s %7s %10s %10s %10s %11s %8s %8s %8s\n", "mechanism", "CPU", "size", "MB/s min", "median",
           "max", "msg/s", "x memcpy", "switches", "CPU us");
    for (int i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        if (r->is_latency)
            continue;
        if (r->skipped)
            printf("%-10s %-6s %7s %10s   (%s)\n", r->mech, r->where, human(r->size), "n/a", r->why);
        else
            printf("%-10s %-6s %7s %10.1f %10.1f %10.1f %11.0f %8.3f %8.3f %8.3f\n", r->mech, r->where,
                   human(r->size), r->v[0], r->v[1], r->v[2], r->v[1] * 1e6 / (double)r->size,
                   r->v[1] / lim->memcpy_mbs, r->switches, r->cpu_us);
    }
    printf("\nRound trip (ping-pong), microseconds (%d reps: min / median / max of the medians; p99);\n"
           "context switches and CPU time (user + system) of both processes per round trip\n", reps);
    printf("%-10s %-6s %7s %9s %9s %9s %9s %7s %8s %8s\n", "mechanism", "CPU", "size", "min", "median", "max",
           "p99", "x bare", "switches", "CPU us");
    for (int i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        if (!r->is_latency)
            continue;
        double bare = lim->bare_us[strcmp(r->where, lim->where[0]) != 0];
        printf("%-10s %-6s %7s %9.2f %9.2f %9.2f %9.2f %7.2f %8.2f %8.2f\n", r->mech, r->where, human(r->size),
               r->v[0], r->v[1], r->v[2], r->p99, bare > 0 ? r->v[1] / bare : 0, r->switches, r->cpu_us);
    }
}

/* The echo servers: a table per figure. CPU time and switches are the
 * server's (all its processes), per connection, round trip or line. */
static void print_servers(const struct server_run *run)
{
    if (nservers == 0)
        return;
    printf("\nThe echo servers: sockets/server (a process per client) and sockets/pollserver (one\n"
           "ppoll loop), run as programs on a UNIX socket, the bench their client; CPU: the server\n"
           "(all its processes) on the client's CPU (same) or the other (cross); %d-byte lines,\n"
           "every echo checked (%d reps: min / median / max). CPU time (user + system) and\n"
           "context switches: of all the server's processes, per connection, round trip or line.\n",
           SERVER_LINE, run->reps);
    static const char *const heading[] = {
        "Connections one after another (connect, a line, its echo, close)",
        "Round trip of a line on one open connection, microseconds",
        ("Clients at once, each with a line in flight; the server's processes and memory\n"
         "(peak RSS and Pss, summed over its processes, KiB) with the clients connected")};
    for (int fig = SERVER_CONNECT; fig <= SERVER_LINES; fig++) {
        printf("\n%s\n", heading[fig]);
        if (fig == SERVER_CONNECT)
            printf("%-10s %-6s %10s %9s %9s %9s %9s %8s %8s\n", "server", "CPU", "conn/s min", "median", "max",
                   "p50 us", "p99 us", "switches", "CPU us");
        else if (fig == SERVER_ROUND_TRIP)
            printf("%-10s %-6s %9s %9s %9s %9s %8s %8s\n", "server", "CPU", "min", "median", "max", "p99",
                   "switches", "CPU us");
        else
            printf("%-10s %-6s %7s %11s %9s %9s %8s %8s %9s %9s %9s\n", "server", "CPU", "clients", "lines/s min",
                   "median", "max", "switches", "CPU us", "processes", "peak KiB", "Pss KiB");
        for (int i = 0; i < nservers; i++) {
            const struct server_result *r = &servers[i];
            if ((int)r->figure != fig)
                continue;
            if (r->skipped)
                printf("%-10s %-6s %7d %9s   (%s)\n", r->server, r->where, r->clients, "n/a", r->why);
            else if (fig == SERVER_CONNECT)
                printf("%-10s %-6s %10.0f %9.0f %9.0f %9.1f %9.1f %8.2f %8.1f\n", r->server, r->where, r->rate[0],
                       r->rate[1], r->rate[2], r->v[1], r->p99, r->switches, r->cpu_us);
            else if (fig == SERVER_ROUND_TRIP)
                printf("%-10s %-6s %9.2f %9.2f %9.2f %9.2f %8.2f %8.2f\n", r->server, r->where, r->v[0], r->v[1],
                       r->v[2], r->p99, r->switches, r->cpu_us);
            else if (r->pss_kib < 0) /* no /proc/PID/smaps_rollup: Linux before 4.14 */
                printf("%-10s %-6s %7d %11.0f %9.0f %9.0f %8.2f %8.2f %9d %9.0f %9s\n", r->server, r->where,
                       r->clients, r->v[0], r->v[1], r->v[2], r->switches, r->cpu_us, r->processes, r->hwm_kib, "n/a");
            else
                printf("%-10s %-6s %7d %11.0f %9.0f %9.0f %8.2f %8.2f %9d %9.0f %9.0f\n", r->server, r->where,
                       r->clients, r->v[0], r->v[1], r->v[2], r->switches, r->cpu_us, r->processes, r->hwm_kib,
                       r->pss_kib);
        }
    }
}

/* The targets of bench/README.md, checked against this run's figures. */
static void print_targets(const struct limits *lim)
{
    printf("\nTargets (checked against this run):\n");
    const char *best = lim->where[lim->nwheres - 1];
    const struct result *ring = find("shm-ring", best, 65536, false);
    if (ring)
        printf("  %-6s shm-ring at 64 KiB >= 0.8 x memcpy: %.2f x (%s CPU)\n",
               ring->v[1] >= 0.8 * lim->memcpy_mbs ? "MET" : "MISSED", ring->v[1] / lim->memcpy_mbs, best);
    static const char *const variant[][2] = {{"pipe", "pipe (default 64 KiB buffer)"},
                                             {"pipe-1M", "pipe with F_SETPIPE_SZ 1 MiB"},
                                             {"pipe-1M-8K", "pipe, 1 MiB, 64 KiB written 8 KiB at a time"}};
    for (int w = 0; w < lim->nwheres; w++)
        for (int k = 0; k < 3; k++) { /* each pipe variant against its own 4 KiB figure */
            const struct result *big = find(variant[k][0], lim->where[w], 65536, false);
            const struct result *small = find(variant[k][0], lim->where[w], 4096, false);
            if (big && small)
                printf("  %-6s %s, 64 KiB not slower than 4 KiB, %s CPU: %.0f vs %.0f MB/s\n",
                       big->v[1] >= small->v[1] ? "MET" : "MISSED", variant[k][1], lim->where[w], big->v[1],
                       small->v[1]);
        }
    static const char *const handoff[] = {"pipe", "shm-ring"};
    for (int w = 0; w < lim->nwheres; w++)
        for (int k = 0; k < 2; k++) {
            const struct result *r = find(handoff[k], lim->where[w], 64, true);
            if (r && lim->bare_us[w] > 0)
                printf("  %-6s %s 64 B round trip (%s CPU) within 1.5 x bare pipe: %.2f x\n",
                       r->v[1] <= 1.5 * lim->bare_us[w] ? "MET" : "MISSED", handoff[k], lim->where[w],
                       r->v[1] / lim->bare_us[w]);
        }
    const struct result *spin = find("shm-spin", "cross", 64, true);
    if (spin)
        printf("  %-6s shm-spin round trip below 1 us (cross CPU): %.2f us\n", spin->v[1] < 1 ? "MET" : "MISSED",
               spin->v[1]);
}

static void write_csv(const char *path, const struct limits *lim)
{
    FILE *csv = fopen(path, "w");
    die_if(csv == NULL, "fopen %s", path);
    /* switches and cpu_us: of both processes (of the echo server's
     * processes), per `per` (a message, a round trip, a connection, a line);
     * the last four columns: the echo servers' only */
    fprintf(csv, "kind,mechanism,placement,size_bytes,min,median,max,p99,unit,note,switches,cpu_us,per,"
                 "clients,processes,peak_kib,pss_kib\n");
    fprintf(csv, "limit,memcpy,,%d,,%.3f,,,MB/s,,,,,,,,\n", 64 << 20, lim->memcpy_mbs);
    fprintf(csv, "limit,getppid,,,,%.3f,,,ns,,,,,,,,\n", lim->syscall_ns);
    for (int w = 0; w < lim->nwheres; w++)
        fprintf(csv, "limit,bare-pipe-pingpong,%s,1,,%.3f,,,us,,,,,,,,\n", lim->where[w], lim->bare_us[w]);
    for (int i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        const char *kind = r->is_latency ? "latency" : "throughput";
        if (r->skipped)
            fprintf(csv, "%s,%s,%s,%zu,,,,,,n/a: %s,,,,,,,\n", kind, r->mech, r->where, r->size, r->why);
        else if (r->is_latency)
            fprintf(csv, "latency,%s,%s,%zu,%.3f,%.3f,%.3f,%.3f,us,,%.3f,%.3f,round trip,,,,\n", r->mech, r->where,
                    r->size, r->v[0], r->v[1], r->v[2], r->p99, r->switches, r->cpu_us);
        else
            fprintf(csv, "throughput,%s,%s,%zu,%.3f,%.3f,%.3f,,MB/s,,%.3f,%.3f,message,,,,\n", r->mech, r->where,
                    r->size, r->v[0], r->v[1], r->v[2], r->switches, r->cpu_us);
    }
    /* The echo servers. A connection gives two rows: connections per
     * second, and the time per connection. */
    static const char *const kind[] = {"server-connect", "server-round-trip", "server-lines"};
    static const char *const per[] = {"connection", "round trip", "line"};
    for (int i = 0; i < nservers; i++) {
        const struct server_result *r = &servers[i];
        if (r->skipped) {
            fprintf(csv, "%s,%s,%s,%d,,,,,,n/a: %s,,,,%d,,,\n", kind[r->figure], r->server, r->where, SERVER_LINE,
                    r->why, r->clients);
            continue;
        }
        if (r->figure == SERVER_CONNECT)
            fprintf(csv, "server-connect-rate,%s,%s,%d,%.3f,%.3f,%.3f,,conn/s,,%.3f,%.3f,connection,1,,,\n",
                    r->server, r->where, SERVER_LINE, r->rate[0], r->rate[1], r->rate[2], r->switches, r->cpu_us);
        fprintf(csv, "%s,%s,%s,%d,%.3f,%.3f,%.3f,", kind[r->figure], r->server, r->where, SERVER_LINE, r->v[0],
                r->v[1], r->v[2]);
        if (r->figure == SERVER_LINES)
            fprintf(csv, ",lines/s,,%.3f,%.3f,line,%d,%d,%.0f,", r->switches, r->cpu_us, r->clients, r->processes,
                    r->hwm_kib);
        else
            fprintf(csv, "%.3f,us,,%.3f,%.3f,%s,1,,,", r->p99, r->switches, r->cpu_us, per[r->figure]);
        if (r->figure == SERVER_LINES && r->pss_kib >= 0)
            fprintf(csv, "%.0f", r->pss_kib);
        fprintf(csv, "\n");
    }
    die_if(fclose(csv) == EOF, "write %s", path);
}

/* --- options -------------------------------------------------------------- */

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

static _Noreturn void help(void)
{
    fputs(usage_text, stdout);
    printf("Mechanisms:\n");
    for (size_t i = 0; i < NMECHS; i++)
        printf("  %-11s %s\n", mechs[i]->name, mechs[i]->what);
    printf("Echo servers (after the mechanisms; -m takes their names too):\n");
    for (int i = 0; i < NSERVERS; i++)
        printf("  %-11s %s\n", server_names[i], server_what[i]);
    exit(0);
}

/* A list of whole numbers "1,16,128", each from 1 to max, at most `room`. */
static int parse_list(const char *arg, const char *opt, long max, long *out, int room)
{
    char copy[256], *save = NULL;
    if (snprintf(copy, sizeof copy, "%s", arg) >= (int)sizeof copy)
        usage(usage_text, "%s: list too long", opt);
    int n = 0;
    char *t = strtok_r(copy, ",", &save);
    for (; t != NULL && n < room; t = strtok_r(NULL, ",", &save))
        out[n++] = parse_long(usage_text, t, opt, 1, max);
    if (t != NULL)
        usage(usage_text, "%s: at most %d values", opt, room);
    if (n == 0)
        usage(usage_text, "%s: no value given", opt);
    return n;
}

int main(int argc, char *argv[])
{
    const char *mech_list = NULL, *placement = "both", *outdir = NULL;
    size_t sizes[MAX_SIZES] = {64, 256, 1024, 4096, 16384, 65536};
    int nsizes = 6;
    bool quick = false, dur_set = false, sizes_set = false, conns_set = false;
    struct server_run run = {.connections = 1000, .clients = {1, 16, 128}, .nclients = 3, .wait = 10};
    long list[MAX_CLIENT_COUNTS];
    static const struct option longopts[] = {
        {"sizes", required_argument, NULL, 's'},     {"mechanisms", required_argument, NULL, 'm'},
        {"placement", required_argument, NULL, 'p'}, {"reps", required_argument, NULL, 'r'},
        {"duration", required_argument, NULL, 'd'},  {"output", required_argument, NULL, 'o'},
        {"connections", required_argument, NULL, 'n'}, {"clients", required_argument, NULL, 'c'},
        {"wait", required_argument, NULL, 'w'},      {"quick", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":s:m:p:r:d:o:n:c:w:qh", longopts, NULL)) != -1;) {
        switch (c) {
        case 's': {
            long got[MAX_SIZES];
            nsizes = parse_list(optarg, "--sizes", MAXMSG, got, MAX_SIZES), sizes_set = true;
            for (int k = 0; k < nsizes; k++)
                sizes[k] = (size_t)got[k];
            break;
        }
        case 'm': {
            size_t known = 0;
            for (size_t i = 0; i < NMECHS; i++)
                known += wanted(optarg, mechs[i]->name);
            for (int i = 0; i < NSERVERS; i++)
                known += wanted(optarg, server_names[i]);
            if (known == 0)
                usage(usage_text, "--mechanisms: none known in '%s' (see --help)", optarg);
            mech_list = optarg;
            break;
        }
        case 'p':
            if (strcmp(optarg, "same") != 0 && strcmp(optarg, "cross") != 0 && strcmp(optarg, "both") != 0)
                usage(usage_text, "--placement: same, cross or both");
            placement = optarg;
            break;
        case 'r': reps = (int)parse_long(usage_text, optarg, "--reps", 1, MAX_REPS); break;
        case 'd': duration = parse_seconds(usage_text, optarg, "--duration"), dur_set = true; break;
        case 'o': outdir = optarg; break;
        case 'n': run.connections = (int)parse_long(usage_text, optarg, "--connections", 1, 100000), conns_set = true; break;
        case 'c':
            run.nclients = parse_list(optarg, "--clients", SERVER_MAX_CLIENTS, list, MAX_CLIENT_COUNTS);
            for (int k = 0; k < run.nclients; k++)
                run.clients[k] = (int)list[k];
            break;
        case 'w': run.wait = parse_seconds(usage_text, optarg, "--wait"); break;
        case 'q': quick = true; break;
        case 'h': help();
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    if (quick && !dur_set)
        duration = 0.02;
    if (quick && !sizes_set) {
        static const size_t few[] = {64, 4096, 65536};
        memcpy(sizes, few, sizeof few);
        nsizes = 3;
    }
    if (quick && !conns_set)
        run.connections = 100;
    if (duration <= 0)
        usage(usage_text, "--duration: must be more than 0");
    if (run.wait <= 0)
        usage(usage_text, "--wait: must be more than 0");

    /* A write to a pipe or socket whose reader is gone fails with EPIPE
     * (reported with the partner's fate) instead of killing the bench. */
    die_if(signal(SIGPIPE, SIG_IGN) == SIG_ERR, "signal");
    partner_init();
    stop_at = mmap(NULL, sizeof *stop_at, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    die_if(stop_at == MAP_FAILED, "mmap");

    /* The placements: the first two CPUs we may run on. */
    cpu_set_t allowed;
    int cpu_ids[2] = {0, 0}, ncpus = 0;
    die_if(sched_getaffinity(0, sizeof allowed, &allowed) == -1, "sched_getaffinity");
    for (int c = 0; c < CPU_SETSIZE && ncpus < 2; c++)
        if (CPU_ISSET(c, &allowed))
            cpu_ids[ncpus++] = c;
    struct limits lim = {0};
    if (strcmp(placement, "cross") != 0)
        lim.where[lim.nwheres++] = "same";
    if (strcmp(placement, "same") != 0) {
        if (ncpus >= 2)
            lim.where[lim.nwheres++] = "cross";
        else
            note("only one CPU available: no cross-CPU placement");
    }
    if (lim.nwheres == 0)
        fail("no placement left to measure");

    fprintf(stderr, "ipcbench: the machine's limits...\n");
    lim.memcpy_mbs = memcpy_mbs();
    lim.syscall_ns = syscall_ns();
    for (int w = 0; w < lim.nwheres; w++) {
        double v[MAX_REPS] = {0};
        for (int k = 0; k < reps; k++)
            v[k] = latency(&mech_pipe, 1, cpu_ids[0], cpu_ids[strcmp(lim.where[w], "cross") == 0]).value;
        lim.bare_us[w] = median_of(v, reps);
    }

    for (size_t i = 0; i < NMECHS; i++) {
        const struct mech *m = mechs[i];
        if (!wanted(mech_list, m->name))
            continue;
        const char *why = NULL;
        size_t limit = m->max_size ? m->max_size(&why) : 0;
        for (int w = 0; w < lim.nwheres; w++) {
            int a = cpu_ids[0], b = cpu_ids[strcmp(lim.where[w], "cross") == 0];
            fprintf(stderr, "ipcbench: %s, %s CPU\n", m->name, lim.where[w]);
            for (int s = 0; s < nsizes; s++) {
                struct result *r = add_result(m, lim.where[w], sizes[s], false);
                if (m->latency_only || (limit && sizes[s] > limit)) {
                    r->skipped = true; /* shown as such in the table, the CSV and the chart */
                    snprintf(r->why, sizeof r->why, "%s", m->latency_only ? "latency only" : why);
                    continue;
                }
                measure(r, m, a, b);
            }
            /* the round trip: 64 bytes, or the most the mechanism takes */
            measure(add_result(m, lim.where[w], limit && limit < 64 ? limit : 64, true), m, a, b);
        }
    }

    /* The echo servers, from the build this program is part of: BIN/bench/ipcbench
     * runs BIN/sockets/server. */
    char bench_dir[4096], bindir[4096];
    ssize_t len = readlink("/proc/self/exe", bench_dir, sizeof bench_dir - 1);
    die_if(len <= 0, "readlink /proc/self/exe");
    bench_dir[len] = '\0';
    char *slash = strrchr(bench_dir, '/');
    if (slash)
        *slash = '\0'; /* BIN/bench */
    memcpy(bindir, bench_dir, sizeof bindir);
    slash = strrchr(bindir, '/');
    if (slash)
        *slash = '\0'; /* BIN */
    run.bindir = bindir;
    run.duration = duration;
    run.reps = reps;
    for (int i = 0; i < NSERVERS; i++)
        for (int w = 0; w < lim.nwheres && wanted(mech_list, server_names[i]); w++) {
            int a = cpu_ids[0], b = cpu_ids[strcmp(lim.where[w], "cross") == 0];
            nservers += measure_server(&run, server_names[i], lim.where[w], a, b, &servers[nservers]);
        }

    print_tables(&lim, ncpus);
    print_servers(&run);
    print_targets(&lim);

    char dir[4200], path[4300];
    if (outdir) /* else bench/results beside the program */
        snprintf(dir, sizeof dir, "%s", outdir);
    else
        snprintf(dir, sizeof dir, "%s/results", bench_dir);
    die_if(mkdir(dir, 0755) == -1 && errno != EEXIST, "mkdir %s", dir);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    write_csv(path, &lim);

    struct utsname uts;
    die_if(uname(&uts) == -1, "uname");
    char subtitle[256], day[16];
    time_t now = time(NULL);
    struct tm tm;
    die_if(now == (time_t)-1 || gmtime_r(&now, &tm) == NULL || strftime(day, sizeof day, "%Y-%m-%d", &tm) == 0,
           "time");
    snprintf(subtitle, sizeof subtitle,
             "%s %s, %d CPU(s) used, %s. Medians of %d repetitions of %.2f s; every message checked.", uts.sysname,
             uts.release, ncpus, day, reps, duration);
    snprintf(path, sizeof path, "%s/results.svg", dir);
    write_chart(path, results, nresults, servers, nservers, &lim, subtitle);
    printf("\nWrote %s/results.csv and %s/results.svg\n", dir, dir);
    return 0;
}
