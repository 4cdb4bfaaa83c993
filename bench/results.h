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

/* Draw results.svg: throughput against message size, one panel per
 * placement, and the round trips; `subtitle` says what machine and run. */
void write_chart(const char *path, const struct result *results, int nresults, const struct limits *lim,
                 const char *subtitle);

#endif
