/* results.h - the figures of one run, as ipcbench.c keeps them and chart.c
 * draws them. */
#ifndef RESULTS_H
#define RESULTS_H

#include <stdbool.h>
#include <stddef.h>

struct result {
    const char *mech;  /* the mechanism's name */
    const char *where; /* "same" (both processes on one CPU) or "cross" (two CPUs) */
    size_t size;       /* message size, bytes */
    bool is_latency;   /* a round trip, in µs; else a stream, in MB/s */
    bool skipped;      /* not measured at this size: `why` says why */
    char why[64];
    double v[3];     /* min, median, max over the repetitions */
    double p99;      /* round trip: the median of the repetitions' 99th percentiles */
    double switches; /* context switches of both processes per message (stream) or
                        per round trip (latency), median over the repetitions */
    double cpu_us;   /* CPU time, user + system, of both processes, counted the same way */
};

/* The machine's limits, measured in the same run. */
struct limits {
    double memcpy_mbs; /* memcpy bandwidth on a buffer larger than the caches */
    double syscall_ns; /* a system call that does nothing: getppid() */
    int nwheres;       /* placements measured: 1 or 2 */
    const char *where[2];
    double bare_us[2]; /* a bare 1-byte pipe ping-pong, per placement */
};

/* A figure of the echo servers (servers.c): sockets/server or
 * sockets/pollserver, run as programs, with the bench as their client. */
enum server_figure {
    SERVER_CONNECT,    /* short connections one after another */
    SERVER_ROUND_TRIP, /* a line and its echo on one open connection */
    SERVER_LINES,      /* `clients` connections at once, a line in flight on each */
};
struct server_result {
    const char *server; /* "server" or "pollserver" */
    const char *where;  /* "same": the server (all its processes) and its client on
                           one CPU; "cross": the client on one, the server on another */
    enum server_figure figure;
    int clients;  /* connections at once: 1 but for SERVER_LINES */
    bool skipped; /* not measured: `why` says why */
    char why[96];
    double v[3];     /* min, median, max over the repetitions: CONNECT, ROUND_TRIP:
                        the median time per connection or round trip, µs; LINES: lines/s */
    double p99;      /* CONNECT, ROUND_TRIP: the median of the repetitions' p99, µs */
    double rate[3];  /* CONNECT: connections per second, min, median, max */
    double switches; /* context switches of all the server's processes, per connection,
                        round trip or line (median over the repetitions) */
    double cpu_us;   /* their CPU time, user + system, counted the same way */
    int processes;   /* LINES: the server's processes with the clients connected */
    double hwm_kib;  /* LINES: their peak resident memory (VmHWM), summed, KiB */
    double pss_kib;  /* LINES: their share of the memory in use (Pss), summed, KiB */
};

/* Draw results.svg: throughput against message size, one panel per
 * placement, the round trips, and the echo servers; `subtitle` says what
 * machine and run. */
void write_chart(const char *path, const struct result *results, int nresults, const struct server_result *srv,
                 int nsrv, const struct limits *lim, const char *subtitle);

#endif
