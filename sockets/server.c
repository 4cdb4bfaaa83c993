/* server.c - the article's echo server, with a child process per client.
 *
 * Partner: client (or nc 127.0.0.1 9876). Protocol: sock.h. Article:
 * "Inter-process communication in Linux", part 3, Example 1.
 *
 *     terminal 1: ./server            terminal 2: ./client
 *
 * socket, bind, listen, accept, as in the article, which then serves one
 * client at a time: a silent one stalls the rest (S-7). Here each gets a
 * process of its own, forked after accept (pollserver.c: one for all).
 * SIGINT/SIGTERM: the children end, a UNIX socket path goes, exit 0. */
#define _GNU_SOURCE /* ppoll (POSIX only since 2024) and prctl */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "ipc.h"
#include "listener.h"
#include "sock.h"

static const char usage_text[] =
    "Usage: server [-a ADDRESS] [-p PORT] [-u PATH] [-b BACKLOG]\n"
    "Echo each line back to its client, and print it; a child process per client.\n"
    LISTEN_OPTIONS_HELP
    "Partner: client (or nc). Example (two terminals):\n"
    "  ./server -p 5000        ./client -p 5000      (or: nc 127.0.0.1 5000)\n";

static pid_t children[MaxClients]; /* one per client being served */
static int nchildren;
static void serve(int client);
static bool reap_children(void);
static void become_child(int listener, pid_t parent, const sigset_t *mask);
static void on_child(int sig) { (void)sig; } /* only interrupts ppoll */

int main(int argc, char *argv[])
{
    program_init(argv);
    struct listen_options o = listen_options(argc, argv, usage_text);
    catch_stop_signals();
    /* A client that goes away while we write must not kill us (S-1). */
    die_if(signal(SIGPIPE, SIG_IGN) == SIG_ERR || signal(SIGCHLD, on_child) == SIG_ERR, "signal");

    struct sockaddr_storage addr;
    socklen_t addrlen = listen_address(&o, &addr);
    int listener = socket(addr.ss_family, SOCK_STREAM, 0);
    die_if(listener == -1, "socket");
    int on = 1; /* SO_REUSEADDR: restart at once, though old connections are in TIME_WAIT (S-5) */
    die_if(setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1, "setsockopt");
    mode_t old_mask = umask(0177); /* a UNIX socket file is created 0600 */
    int rc = bind(listener, (struct sockaddr *)&addr, addrlen); /* address *and* port (S-10) */
    if (rc == -1 && errno == EADDRINUSE && o.path && remove_stale_socket(o.path))
        rc = bind(listener, (struct sockaddr *)&addr, addrlen);
    umask(old_mask);
    die_if(rc == -1, "bind %s", o.where);
    remember_own_socket(o.path);
    die_if(listen(listener, o.backlog) == -1, "listen");
    die_if(fcntl(listener, F_SETFL, O_NONBLOCK) == -1, "fcntl"); /* ppoll waits, not accept */
    fprintf(stderr, "Listening on %s%s for clients...\n", o.path ? "" : "port ", o.path ? o.path : o.port);

    sigset_t wait_mask; /* SIGINT, SIGTERM, SIGCHLD: blocked, except in ppoll */
    block_signals(&wait_mask);
    const pid_t parent = getpid();
    bool paused = false; /* out of descriptors or processes: not accepting */
    while (!stop_signal) {
        if (reap_children())
            paused = false; /* a child ended: a process is free */
        struct pollfd pfd = {.fd = paused || nchildren == MaxClients ? -1 : listener, .events = POLLIN};
        int ready = ppoll(&pfd, 1, paused ? &(struct timespec){1, 0} : NULL, &wait_mask);
        die_if(ready == -1 && errno != EINTR, "ppoll");
        paused = paused && ready != 0; /* after a second, try again anyway */
        if (ready < 1)
            continue;
        int client = accept(listener, NULL, NULL); /* B-4: a socklen_t *, or NULL: no address */
        pid_t pid = client == -1 ? -1 : fork();
        if (pid == 0) { /* the child: this one client, then exit */
            become_child(listener, parent, &wait_mask);
            serve(client);
            exit(0);
        }
        int err = errno;
        if (client != -1)
            close(client); /* the child has its own copy */
        if (pid > 0)
            children[nchildren++] = pid, told_shortage = false;
        else /* say so once, and pause rather than spin (listener.h) */
            paused = shortage(client == -1 ? "accept" : "fork", err);
    }

    reap_children(); /* SIGINT/SIGTERM, a server's normal end: collect the children done */
    for (int i = 0; i < nchildren; i++)
        kill(children[i], SIGTERM);
    while (wait(NULL) != -1 || errno == EINTR) { /* until ECHILD: none is left */
    }
    note("%s: closed %d client connection(s), exiting", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
         nchildren);
    close(listener);
    remove_own_socket(o.path);
    return 0;
}

/* The child's work: echo each line back once its '\n' is here (S-3),
 * exactly its bytes (S-2, S-4), and print it as a title. */
static void serve(int client)
{
    char buf[BuffSize]; /* one line at most, '\n' included */
    size_t have = 0;    /* bytes in buf: each read is bounded by the room left */
    for (ssize_t n; have < sizeof buf && (n = read(client, buf + have, sizeof buf - have)) > 0;) {
        have += (size_t)n;
        for (char *nl; (nl = memchr(buf, '\n', have)) != NULL;) {
            size_t len = (size_t)(nl - buf) + 1;
            fwrite(buf, 1, len, stdout); /* one line: stdout is line-buffered */
            if (write_all(client, buf, len) == -1)
                return; /* the client left (EPIPE, not SIGPIPE: S-1) */
            memmove(buf, buf + len, have - len);
            have -= len;
        }
    }
    if (have == sizeof buf)
        note("line longer than %d bytes, disconnected", BuffSize - 1);
}

/* Collect the children that have ended, so that none stays a zombie. */
static bool reap_children(void)
{
    bool any = false;
    for (pid_t pid; (pid = waitpid(-1, NULL, WNOHANG)) > 0; any = true)
        for (int i = 0; i < nchildren; i++)
            if (children[i] == pid)
                children[i] = children[--nchildren]; /* the last takes its place */
    return any;
}

/* In the child: the listener is the parent's. Nothing here needs cleaning
 * up, so a stop signal may end the child at once (its default action), and
 * so does the parent's death, even by kill -9 (PR_SET_PDEATHSIG). */
static void become_child(int listener, pid_t parent, const sigset_t *mask)
{
    close(listener);
    die_if(signal(SIGINT, SIG_DFL) == SIG_ERR || signal(SIGTERM, SIG_DFL) == SIG_ERR, "signal");
    die_if(prctl(PR_SET_PDEATHSIG, SIGTERM) == -1, "prctl");
    if (getppid() != parent)
        exit(0); /* the parent died before prctl */
    die_if(sigprocmask(SIG_SETMASK, mask, NULL) == -1, "sigprocmask"); /* a pending stop ends it here */
}
