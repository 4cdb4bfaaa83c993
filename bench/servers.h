/* servers.h - the suite's two echo servers, measured as the programs they
 * are, with the bench as their client (servers.c).
 *
 *     measure_server(&run, "server", "same", 0, 0, out)      sockets/server
 *     measure_server(&run, "pollserver", "cross", 0, 1, out) sockets/pollserver
 *
 * Each call pins the bench (the client) to one CPU and the server, with
 * every process it forks, to another or the same, starts the server
 * afresh for every repetition of every figure, stops it, and fills
 * 2 + run.nclients figures: the connections, the round trip, and one per
 * number of clients at once. Whatever ends the bench
 * meanwhile (a failed or dead server, a wrong echo, Ctrl+C), the server is
 * killed with its whole process group and its socket and directory go.
 */
#ifndef SERVERS_H
#define SERVERS_H

#include "results.h"

#define NSERVERS 2
#define SERVER_LINE 64 /* bytes per line sent, its '\n' included */
#define MAX_CLIENT_COUNTS 8
#define SERVER_MAX_CLIENTS 256 /* sockets/sock.h's MaxClients: served at once, at most */

extern const char *const server_names[NSERVERS]; /* as in -m, the table and results.csv */
extern const char *const server_what[NSERVERS];  /* one line for --help */

struct server_run {
    const char *bindir; /* the build: the servers are bindir/sockets/NAME */
    int connections;    /* short connections timed per repetition */
    int clients[MAX_CLIENT_COUNTS]; /* the numbers of clients at once, each a figure */
    int nclients;
    double duration; /* seconds per repetition of the round trip and of K clients */
    int reps;        /* repetitions of every figure */
    double wait;     /* seconds a server may take to start, answer or stop */
};

/* Measure one server in one placement ("same" or "cross", the CPUs of the
 * client and of the server); returns the number of figures written to out.
 * A server that is not built is skipped, and its figures say so. */
int measure_server(const struct server_run *run, const char *name, const char *where, int cpu_client,
                   int cpu_server, struct server_result *out);

#endif
