/* servers.c - the suite's two echo servers, measured as the programs they
 * are (servers.h).
 *
 * sockets/server forks a child for every connection it accepts (the
 * article's shape); sockets/pollserver serves every client from one ppoll
 * loop in one process. Both speak sockets/sock.h's protocol: a message is a
 * line, its '\n' included, echoed back byte for byte. The bench runs each
 * from the build, listening on a UNIX-domain socket in a scratch directory
 * (no port to collide with, no TCP state left behind), and is its client,
 * pinned as the mechanisms' two processes are: the server (and every
 * process it forks: they inherit its CPU) on the client's CPU, or on the
 * other one:
 *
 *   connections  N short connections one after another: connect, one
 *                64-byte line, its echo, close. What a connection costs:
 *                for server, a fork and the child's exit.
 *   round trip   a 64-byte line and its echo on one open connection: what
 *                a message costs once connected.
 *   K clients    K connections at once, each with one line in flight all
 *                the time (its next line goes as soon as its echo is
 *                back): lines echoed per second. K processes woken one by
 *                one, or one loop over K descriptors.
 *
 * Beside each figure, what it cost the server, all its processes: CPU time
 * and context switches per connection, round trip or line; and with K
 * clients connected, how many processes it has and their memory. Every
 * repetition has a fresh server. Every echo is checked byte for byte. A
 * server that fails, dies, answers wrong or not at all (each wait bounded:
 * --wait) ends the bench: it says what happened and what the server wrote
 * on stderr, kills the server's whole process group, removes the socket and
 * the directory, and exits 1. Ctrl+C does the same, then the bench dies of
 * the signal.
 */
#define _GNU_SOURCE /* pipe2, prctl, clock_getcpuclockid, mkdtemp, dprintf, sched_setaffinity */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../sockets/sock.h" /* the protocol: MaxClients, a line per message */
#include "ipc.h"
#include "mech.h" /* warn_if */
#include "servers.h"

const char *const server_names[NSERVERS] = {"server", "pollserver"};
const char *const server_what[NSERVERS] = {
    "sockets/server, run as a program: a child process per connection (fork after accept)",
    "sockets/pollserver, run as a program: one process, one ppoll loop for every client"};

#define MAX_TIMES 1000000 /* connections or round trips timed per repetition, at most */
_Static_assert(SERVER_MAX_CLIENTS == MaxClients, "servers.h and sock.h disagree");

static const struct server_run *run;
static const char *name;    /* the server being measured */
static int cpu_server;      /* where it runs, with all its processes */
static char binary[4200];   /* its program */
static pid_t bench_pid;
static pid_t group;         /* the running server: it leads a process group of its own */
static int server_err = -1; /* the read end of its stderr */
static char said[2048];     /* what it wrote there: the last of it */
static size_t said_len;
static char dir[64], path[128]; /* the scratch directory, and the socket in it */
static struct sockaddr_un server_addr;
static double times[MAX_TIMES];

static void start_server(void);
static void stop_server(void);
static void clean_up(void);
static _Noreturn void server_failed(const char *fmt, ...) IPC_PRINTF(1, 2);

/* A stop signal (Ctrl+C) came: the server goes, then we do. Looked at
 * after every interrupted wait, and at every echo: with many clients an
 * echo is often there already, so the client may not wait (nor be
 * interrupted) for a long time. */
static void check_stop(void)
{
    if (stop_signal) {
        clean_up();
        exit_on_stop_signal();
    }
}

/* --- the client's side: every wait bounded, every echo checked --------- */

/* Line `seq` of client `c`: 63 printable bytes, unique to both, and '\n'. */
static void make_line(char *line, int c, uint64_t seq)
{
    int n = snprintf(line, SERVER_LINE, "client %d line %llu ", c, (unsigned long long)seq);
    for (int i = n; i < SERVER_LINE - 1; i++)
        line[i] = (char)('a' + (seq + (uint64_t)i) % 26);
    line[SERVER_LINE - 1] = '\n';
}

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    die_if(sched_setaffinity(0, sizeof set, &set) == -1, "sched_setaffinity");
}

static int connect_client(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    die_if(fd == -1, "socket");
    /* No wait on this socket lasts longer than --wait: a server that stops
     * answering fails the run (EAGAIN) instead of hanging it. On a UNIX
     * socket SO_SNDTIMEO also bounds connect, which waits while the
     * server's backlog is full. */
    struct timeval tv = {.tv_sec = (time_t)run->wait,
                         .tv_usec = (suseconds_t)((run->wait - (double)(time_t)run->wait) * 1e6)};
    die_if(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1 ||
               setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1,
           "setsockopt");
    while (connect(fd, (const struct sockaddr *)&server_addr, sizeof server_addr) == -1) {
        if (errno == EINTR) { /* only a stop signal interrupts us here */
            check_stop();
            continue;
        }
        if (errno == EAGAIN)
            server_failed("connect %s: its backlog still full after --wait (%g s)", path, run->wait);
        server_failed("connect %s: %s", path, strerror(errno));
    }
    return fd;
}

static void send_line(int fd, const char *line)
{
    if (write_all(fd, line, SERVER_LINE) == 0)
        return;
    check_stop();
    if (errno == EAGAIN)
        server_failed("write: it took no line within --wait (%g s)", run->wait);
    server_failed("write: %s", strerror(errno));
}

/* For messages: the line as text, without its '\n', anything unprintable as '?'. */
static const char *shown(const char *line, size_t len)
{
    static char text[2][SERVER_LINE + 1];
    static int k;
    k = !k;
    size_t i = 0;
    for (; i < len && i < SERVER_LINE && line[i] != '\n'; i++) {
        text[k][i] = '?';
        if (line[i] >= ' ' && line[i] <= '~')
            text[k][i] = line[i];
    }
    text[k][i] = '\0';
    return text[k];
}

/* Read the echo of `line` and check it, byte for byte. */
static void expect_echo(int fd, const char *line)
{
    char echo[SERVER_LINE];
    size_t have = 0;
    check_stop();
    while (have < sizeof echo) {
        ssize_t n = read(fd, echo + have, sizeof echo - have); /* never past this line */
        if (n > 0) {
            have += (size_t)n;
        } else if (n == 0) {
            server_failed("closed the connection before echoing \"%s\" (%zu of %d bytes back)", shown(line, SERVER_LINE),
                          have, SERVER_LINE);
        } else if (errno == EINTR) {
            check_stop();
        } else if (errno == EAGAIN) {
            server_failed("read: no echo within --wait (%g s)", run->wait);
        } else {
            server_failed("read: %s", strerror(errno));
        }
    }
    if (memcmp(echo, line, SERVER_LINE) != 0)
        server_failed("the echo of \"%s\" came back as \"%s\"", shown(line, SERVER_LINE), shown(echo, SERVER_LINE));
}

/* --- what the server's processes cost ---------------------------------- */

struct usage {
    double cpu_s, switches; /* CPU time (user + system) and context switches, summed */
    double hwm_kib, pss_kib; /* peak resident memory (VmHWM) and share of memory (Pss), summed */
    int processes;
};

static bool read_text(const char *file, char *text, size_t size)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return false;
    size_t len = 0;
    ssize_t n;
    while (len < size - 1 && (n = read(fd, text + len, size - 1 - len)) > 0)
        len += (size_t)n;
    text[len] = '\0';
    close(fd);
    return len > 0;
}

/* The number after "\nLABEL" in a /proc file's text: "VmHWM:\t  1234 kB". */
static double field(const char *text, const char *label)
{
    const char *at = strstr(text, label);
    return at ? strtod(at + strlen(label), NULL) : 0;
}

/* The server's processes: the one we started, and those it forked and has
 * not reaped yet (/proc/PID/stat names their parent), zombies aside. */
static int server_processes(pid_t *pids, int max)
{
    int n = 0;
    pids[n++] = group;
    DIR *proc = opendir("/proc");
    die_if(proc == NULL, "opendir /proc");
    for (const struct dirent *e; (e = readdir(proc)) != NULL;) {
        char *end, file[64], text[1024];
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0)
            continue;
        snprintf(file, sizeof file, "/proc/%ld/stat", pid);
        if (!read_text(file, text, sizeof text))
            continue; /* it ended meanwhile */
        /* "PID (NAME) STATE PPID ...": the name may hold anything, even ") " */
        const char *after = strrchr(text, ')');
        if (after == NULL || strlen(after) < 5)
            continue;
        long ppid = strtol(after + 4, &end, 10);
        if (ppid == group && after[2] != 'Z' && n < max)
            pids[n++] = (pid_t)pid;
    }
    die_if(closedir(proc) == -1, "closedir");
    return n;
}

/* What the server's processes have used so far. The CPU time comes from
 * each process's CPU-time clock (clock_getcpuclockid: the scheduler's
 * nanosecond count, which any process may read); the switches and the
 * memory from /proc/PID/status and /proc/PID/smaps_rollup. A measurement
 * takes the difference between two of these around its window, in which
 * no process of the server starts or ends. */
static struct usage server_usage(bool memory)
{
    pid_t pids[MaxClients + 16];
    struct usage u = {.processes = server_processes(pids, (int)(sizeof pids / sizeof pids[0]))};
    bool pss_known = true;
    for (int i = 0; i < u.processes; i++) {
        clockid_t clock;
        struct timespec ts;
        char file[64], text[4096];
        snprintf(file, sizeof file, "/proc/%d/status", (int)pids[i]);
        if (clock_getcpuclockid(pids[i], &clock) != 0 || clock_gettime(clock, &ts) == -1 ||
            !read_text(file, text, sizeof text))
            server_failed("its process %d ended while it had a client", (int)pids[i]);
        u.cpu_s += (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
        u.switches += field(text, "\nvoluntary_ctxt_switches:") + field(text, "\nnonvoluntary_ctxt_switches:");
        u.hwm_kib += field(text, "\nVmHWM:");
        snprintf(file, sizeof file, "/proc/%d/smaps_rollup", (int)pids[i]);
        if (memory && read_text(file, text, sizeof text))
            u.pss_kib += field(text, "\nPss:");
        else if (memory)
            pss_known = false; /* no smaps_rollup before Linux 4.14 */
    }
    if (!pss_known)
        u.pss_kib = -1;
    return u;
}

/* CPU time and context switches of our reaped children: a server and,
 * once it has reaped them, every child it forked. */
static void children_usage(double *cpu_s, double *switches)
{
    struct rusage ru;
    die_if(getrusage(RUSAGE_CHILDREN, &ru) == -1, "getrusage");
    *cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
             (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    *switches = (double)(ru.ru_nvcsw + ru.ru_nivcsw);
}

/* --- the three measurements, one repetition each ----------------------- */

struct figure {
    double value, p99, rate, cpu_us, switches, hwm_kib, pss_kib;
    int processes;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
/* The median of times[0..n), and the 99th percentile in *p99 */
static double percentiles(size_t n, double *p99)
{
    qsort(times, n, sizeof times[0], cmp_double);
    *p99 = times[(size_t)((double)n * 0.99)];
    return times[n / 2];
}

/* N short connections, one after another. The server's processes come and
 * go within the run, so its cost is counted over its whole life: our
 * children's rusage (RUSAGE_CHILDREN) before it starts and after it is
 * reaped, which holds every child it forked and reaped, less what it had
 * spent when it said it listened (exec, loading, its socket: 0.7 ms, which
 * would add 0.6 µs to every connection); divided by every connection, the
 * warm-up's included. Its exit, after SIGTERM, stays in. */
static struct figure connections(void)
{
    struct figure f = {0};
    char line[SERVER_LINE];
    int warm_up = run->connections / 10 > 0 ? run->connections / 10 : 1;
    double cpu0, sw0, cpu1, sw1, begin = 0;
    children_usage(&cpu0, &sw0);
    start_server();
    struct usage born = server_usage(false);
    for (int k = -warm_up; k < run->connections; k++) {
        double t = now_monotonic();
        if (k == 0)
            begin = t;
        int fd = connect_client();
        make_line(line, 0, (uint64_t)k + (uint64_t)warm_up);
        send_line(fd, line);
        expect_echo(fd, line);
        die_if(close(fd) == -1, "close");
        if (k >= 0)
            times[k] = (now_monotonic() - t) * 1e6;
    }
    f.rate = run->connections / (now_monotonic() - begin);
    stop_server();
    children_usage(&cpu1, &sw1);
    f.cpu_us = (cpu1 - cpu0 - born.cpu_s) / (run->connections + warm_up) * 1e6;
    f.switches = (sw1 - sw0 - born.switches) / (run->connections + warm_up);
    f.value = percentiles((size_t)run->connections, &f.p99);
    return f;
}

/* A line and its echo, again and again, on one connection, timed each.
 * The server's cost: its processes' usage at the start and end of the
 * measured window, divided by the round trips timed. */
static struct figure round_trip(void)
{
    struct figure f = {0};
    char line[SERVER_LINE];
    struct usage u0 = {0}, u1;
    start_server();
    int fd = connect_client();
    size_t n = 0;
    double start = now_monotonic(), t0 = 0;
    for (uint64_t seq = 0; n < MAX_TIMES; seq++) {
        double t = now_monotonic();
        if (t0 == 0 && t - start >= run->duration / 4) { /* warm-up done */
            u0 = server_usage(false);
            t = t0 = now_monotonic();
        }
        if (t0 != 0 && t - t0 >= run->duration)
            break;
        make_line(line, 0, seq);
        send_line(fd, line);
        expect_echo(fd, line);
        if (t0 != 0)
            times[n++] = (now_monotonic() - t) * 1e6;
    }
    u1 = server_usage(false);
    die_if(close(fd) == -1, "close");
    stop_server();
    f.cpu_us = (u1.cpu_s - u0.cpu_s) / (double)n * 1e6;
    f.switches = (u1.switches - u0.switches) / (double)n;
    f.value = percentiles(n, &f.p99);
    return f;
}

/* K clients at once, each with one line in flight: the client sends every
 * connection its first line, then goes round them in turn, reading each
 * echo and sending that connection its next line at once. So K lines are
 * always with the server, as with K clients that each wait for their echo
 * before they send again; an echo that comes back early waits in its
 * socket until its turn. Lines per second over the measured window; the
 * server's usage at its ends (off by at most the K lines in flight there,
 * of the thousands in between); its memory once every echo is back, with
 * the K clients connected and idle. */
static struct figure k_clients(int k)
{
    struct figure f = {0};
    static int fd[MaxClients];
    static char line[MaxClients][SERVER_LINE];
    uint64_t seq[MaxClients] = {0}, done = 0, first = 0;
    struct usage u0 = {0}, u1, mem;
    start_server();
    for (int i = 0; i < k; i++)
        fd[i] = connect_client();
    for (int i = 0; i < k; i++) {
        make_line(line[i], i, 0);
        send_line(fd[i], line[i]);
    }
    double start = now_monotonic(), t0 = 0, t1;
    for (int i = 0;; i = (i + 1) % k) {
        if (i == 0) { /* once round the clients: look at the clock */
            double t = now_monotonic();
            if (t0 == 0 && t - start >= run->duration / 4) { /* warm-up done */
                u0 = server_usage(false);
                t0 = now_monotonic();
                first = done;
            } else if (t0 != 0 && t - t0 >= run->duration) {
                break;
            }
        }
        expect_echo(fd[i], line[i]);
        done++;
        make_line(line[i], i, ++seq[i]);
        send_line(fd[i], line[i]);
    }
    t1 = now_monotonic();
    u1 = server_usage(false);
    for (int i = 0; i < k; i++) /* the lines still in flight */
        expect_echo(fd[i], line[i]);
    mem = server_usage(true);
    for (int i = 0; i < k; i++)
        die_if(close(fd[i]) == -1, "close");
    stop_server();
    f.value = (double)(done - first) / (t1 - t0);
    f.cpu_us = (u1.cpu_s - u0.cpu_s) / (double)(done - first) * 1e6;
    f.switches = (u1.switches - u0.switches) / (double)(done - first);
    f.processes = mem.processes;
    f.hwm_kib = mem.hwm_kib;
    f.pss_kib = mem.pss_kib;
    return f;
}

/* --- the figures, over the repetitions --------------------------------- */

static void summarize(double *v, int n, double out[3])
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    out[0] = v[0], out[1] = v[n / 2], out[2] = v[n - 1];
}

static void measure(struct server_result *r)
{
    double v[64] = {0}, p99[64] = {0}, rate[64] = {0}, cpu[64] = {0}, sw[64] = {0}, hwm[64] = {0}, pss[64] = {0},
           s[3];
    int reps = run->reps < 64 ? run->reps : 64;
    for (int k = 0; k < reps; k++) {
        struct figure f = r->figure == SERVER_CONNECT      ? connections()
                          : r->figure == SERVER_ROUND_TRIP ? round_trip()
                                                           : k_clients(r->clients);
        v[k] = f.value, p99[k] = f.p99, rate[k] = f.rate, cpu[k] = f.cpu_us, sw[k] = f.switches;
        hwm[k] = f.hwm_kib, pss[k] = f.pss_kib;
        r->processes = f.processes;
    }
    summarize(v, reps, r->v);
    summarize(rate, reps, r->rate);
    summarize(p99, reps, s), r->p99 = s[1];
    summarize(cpu, reps, s), r->cpu_us = s[1];
    summarize(sw, reps, s), r->switches = s[1];
    summarize(hwm, reps, s), r->hwm_kib = s[1];
    summarize(pss, reps, s), r->pss_kib = s[0] < 0 ? -1 : s[1]; /* -1: unknown */
}

int measure_server(const struct server_run *the_run, const char *server_name, const char *where, int cpu_client,
                   int cpu, struct server_result *out)
{
    static bool prepared;
    run = the_run;
    name = server_name;
    cpu_server = cpu;
    int n = 0;
    out[n++] = (struct server_result){.server = name, .where = where, .figure = SERVER_CONNECT, .clients = 1};
    out[n++] = (struct server_result){.server = name, .where = where, .figure = SERVER_ROUND_TRIP, .clients = 1};
    for (int k = 0; k < run->nclients; k++)
        out[n++] = (struct server_result){
            .server = name, .where = where, .figure = SERVER_LINES, .clients = run->clients[k]};

    snprintf(binary, sizeof binary, "%s/sockets/%s", run->bindir, name);
    if (access(binary, X_OK) == -1) { /* said in the table, the CSV and the chart */
        for (int i = 0; i < n; i++) {
            out[i].skipped = true;
            snprintf(out[i].why, sizeof out[i].why, "not built: make %s", strstr(binary, "sockets/"));
        }
        return n;
    }
    if (!prepared) {
        bench_pid = getpid();
        die_if(atexit(clean_up) != 0, "atexit");
        /* Should the server die before the processes it forked, they become
         * our children, not init's: we reap every one (clean_up). */
        die_if(prctl(PR_SET_CHILD_SUBREAPER, 1) == -1, "prctl PR_SET_CHILD_SUBREAPER");
        prepared = true;
    }
    /* Our servers' ends are found out by their sockets and waited for with
     * waitpid; the partner's SIGCHLD handler (partner.c) must not take them
     * for a partner's. */
    struct sigaction dfl = {.sa_handler = SIG_DFL}, saved;
    die_if(sigemptyset(&dfl.sa_mask) == -1 || sigaction(SIGCHLD, &dfl, &saved) == -1, "sigaction SIGCHLD");
    pin(cpu_client);
    for (int i = 0; i < n; i++) {
        if (out[i].figure == SERVER_LINES)
            fprintf(stderr, "ipcbench: %s, %s CPU, %d client(s) at once\n", name, where, out[i].clients);
        else
            fprintf(stderr, "ipcbench: %s, %s CPU, %s\n", name, where,
                    out[i].figure == SERVER_CONNECT ? "connections" : "round trip");
        measure(&out[i]);
        check_stop();
    }
    die_if(sigaction(SIGCHLD, &saved, NULL) == -1, "sigaction SIGCHLD");
    return n;
}

/* --- the server's life --------------------------------------------------- */

/* Read what the server has written to stderr so far, without waiting, and
 * keep the last of it. Returns false once it is all read (end of file:
 * every process of the server has closed its stderr). */
static bool hear(void)
{
    char buf[512];
    ssize_t n;
    while ((n = read(server_err, buf, sizeof buf)) > 0) {
        if (said_len + (size_t)n > sizeof said - 1) { /* drop the oldest */
            size_t drop = said_len + (size_t)n - (sizeof said - 1);
            memmove(said, said + drop, said_len - drop);
            said_len -= drop;
        }
        memcpy(said + said_len, buf, (size_t)n);
        said_len += (size_t)n;
        said[said_len] = '\0';
    }
    return n != 0;
}

/* In the child, before exec: its own process group, so that one
 * kill(-group) reaches the server and every process it forks (and Ctrl+C
 * at the terminal reaches only the bench, which then does that); death
 * with the bench, even by kill -9 (SIGTERM, so that it still cleans up);
 * its CPU, which its children inherit; stdin and stdout on /dev/null (it
 * prints every line: a terminal would make that the bottleneck), stderr
 * into our pipe. */
static _Noreturn void become_server(int err)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu_server, &set);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (setpgid(0, 0) == -1 || prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || null == -1 ||
        sched_setaffinity(0, sizeof set, &set) == -1 ||
        dup2(null, STDIN_FILENO) == -1 || dup2(null, STDOUT_FILENO) == -1 || dup2(err, STDERR_FILENO) == -1 ||
        signal(SIGPIPE, SIG_DFL) == SIG_ERR) {
        dprintf(err, "preparing %s: %s\n", binary, strerror(errno));
        _exit(126);
    }
    if (getppid() != bench_pid) /* the bench died before prctl */
        _exit(1);
    execl(binary, name, "-u", path, (char *)NULL);
    dprintf(STDERR_FILENO, "exec %s: %s\n", binary, strerror(errno));
    _exit(127);
}

static void start_server(void)
{
    snprintf(dir, sizeof dir, "/tmp/ipcbench.%d.XXXXXX", (int)bench_pid);
    if (mkdtemp(dir) == NULL) {
        dir[0] = '\0'; /* nothing to remove */
        die("mkdtemp /tmp/ipcbench.%d.XXXXXX", (int)bench_pid);
    }
    snprintf(path, sizeof path, "%s/echo.sock", dir);
    server_addr = (struct sockaddr_un){.sun_family = AF_UNIX};
    memcpy(server_addr.sun_path, path, strlen(path) + 1); /* fits: path is short */
    int err[2];
    die_if(pipe2(err, O_CLOEXEC) == -1, "pipe2");
    said_len = 0, said[0] = '\0';
    die_if(fflush(stdout) == EOF, "fflush"); /* nothing buffered for the child to repeat */
    pid_t pid = fork();
    die_if(pid == -1, "fork");
    if (pid == 0)
        become_server(err[1]);
    group = pid; /* from here on, clean_up kills it */
    /* Here too, whichever of the two runs first: the group exists before
     * anything is sent to it. EACCES: it has exec'd, so it did it itself. */
    die_if(setpgid(pid, pid) == -1 && errno != EACCES && errno != ESRCH, "setpgid");
    server_err = err[0];
    die_if(close(err[1]) == -1 || fcntl(server_err, F_SETFL, O_NONBLOCK) == -1, "the server's stderr pipe");

    /* Ready when it says so: it prints "Listening on PATH" after listen(). */
    double deadline = now_monotonic() + run->wait;
    while (strstr(said, "Listening on") == NULL) {
        double left = deadline - now_monotonic();
        if (left <= 0)
            server_failed("did not start listening within --wait (%g s)", run->wait);
        struct pollfd p = {.fd = server_err, .events = POLLIN};
        int ready = poll(&p, 1, (int)(left * 1000) + 1);
        if (ready == -1 && errno == EINTR) {
            check_stop();
            continue;
        }
        die_if(ready == -1, "poll");
        if (ready == 1 && !hear() && strstr(said, "Listening on") == NULL)
            server_failed("ended before it listened");
    }
}

/* Has the server's first process ended? Looked at without reaping it: as
 * a zombie it keeps its process group's number taken, so that a kill of
 * the group can never reach another. */
static bool server_ended(siginfo_t *how)
{
    memset(how, 0, sizeof *how);
    return waitid(P_PID, (id_t)group, how, WEXITED | WNOHANG | WNOWAIT) == 0 && how->si_pid == group;
}

/* SIGKILL to every process of the server's group, then reap them all: the
 * first one, then any it left, ours now (PR_SET_CHILD_SUBREAPER). The
 * servers wait for their children, but a child can have a child of its
 * own: under AddressSanitizer, the leak checker's tracer, orphaned when
 * the server ends a child in the middle of its exit. */
static void end_group(void)
{
    if (kill(-group, SIGKILL) == -1) /* no group yet: the child had not set it */
        warn_if(kill(group, SIGKILL) == -1 && errno != ESRCH, "kill");
    while (waitpid(group, NULL, 0) == -1 && errno == EINTR) {
    }
    while (waitpid(-group, NULL, 0) != -1 || errno == EINTR) {
    }
    group = 0;
}

static void remove_scratch(void)
{
    struct stat st;
    if (path[0] != '\0' && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        warn_if(unlink(path) == -1, "unlink");
    if (dir[0] != '\0')
        warn_if(rmdir(dir) == -1, "rmdir");
    path[0] = dir[0] = '\0';
}

/* The normal end: SIGTERM, as Ctrl+C in its terminal would. The server must
 * exit 0 within --wait and remove its socket. */
static void stop_server(void)
{
    siginfo_t how;
    die_if(kill(group, SIGTERM) == -1, "kill");
    alarm_after(run->wait);
    while (waitid(P_PID, (id_t)group, &how, WEXITED | WNOWAIT) == -1) {
        if (errno != EINTR)
            die("waitid");
        check_stop();
        if (timed_out) {
            alarm_off();
            server_failed("did not exit within --wait (%g s) of SIGTERM", run->wait);
        }
    }
    alarm_off();
    if (how.si_code != CLD_EXITED || how.si_status != 0)
        server_failed("ended badly after SIGTERM");
    end_group(); /* whatever is left of its group */
    struct stat st;
    if (lstat(path, &st) == 0)
        server_failed("left %s behind", path);
    die_if(errno != ENOENT, "lstat %s", path);
    remove_scratch();
    die_if(close(server_err) == -1, "close");
    server_err = -1;
}

/* Whatever ends the bench: the server and its whole group go, then its
 * socket and directory. Registered with atexit; called before dying of a
 * stop signal. Only the bench cleans up. */
static void clean_up(void)
{
    if (getpid() != bench_pid)
        return;
    if (group > 0)
        end_group();
    if (server_err != -1)
        warn_if(close(server_err) == -1, "close");
    server_err = -1;
    remove_scratch();
}

/* Say what went wrong, how the server ended if it has, and what it wrote
 * on stderr; exit 1 (clean_up then kills what is left). */
static void server_failed(const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    /* clang-analyzer 14 wrongly reports `ap` as uninitialized here, as it
     * does in include/ipc.c: va_start is just above. */
    vsnprintf(what, sizeof what, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    note("%s: %s", name, what);
    if (group > 0) {
        /* A client that found its connection closed may have seen the
         * server dying: give it a moment to end, to say how. */
        siginfo_t how;
        bool ended;
        double until = now_monotonic() + 0.2;
        while (!(ended = server_ended(&how)) && now_monotonic() < until)
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        if (!ended)
            note("%s (pid %d) was still running: killed with its process group", name, (int)group);
        else if (how.si_code == CLD_EXITED)
            note("%s (pid %d) had exited with status %d", name, (int)group, how.si_status);
        else
            note("%s (pid %d) had been killed by signal %d (%s)", name, (int)group, how.si_status,
                 strsignal(how.si_status));
    }
    if (server_err != -1)
        hear();
    if (said_len > 0) {
        note("%s wrote on stderr%s:", name, said_len == sizeof said - 1 ? " (the last of it)" : "");
        fprintf(stderr, "%s%s", said, said[said_len - 1] == '\n' ? "" : "\n");
    }
    exit(EXIT_FAILURE);
}
