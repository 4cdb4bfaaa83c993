/* pollserver.c - the echo server in one process: one ppoll() loop serves
 * every client (beyond the article).
 *
 * Partner: client (or nc 127.0.0.1 9876). Protocol: sock.h. Same options
 * and output as server.c, which forks a process per client; here the
 * kernel tells one process which sockets are ready, so a slow or silent
 * client never makes the others wait (S-7) and no process is created. Each
 * client has a bounded input buffer (one line) and output buffer (its
 * echo); while an echo is not sent we stop reading from that client, so one
 * that never reads cannot make us buffer more. SIGINT/SIGTERM: close every
 * client, remove a UNIX socket path, exit 0.
 *
 *     terminal 1: ./pollserver        terminal 2: ./client
 */
#define _GNU_SOURCE /* ppoll: POSIX only since 2024 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ipc.h"
#include "listener.h"
#include "sock.h"

static const char usage_text[] =
    "Usage: pollserver [-a ADDRESS] [-p PORT] [-u PATH] [-b BACKLOG]\n"
    "Echo each line back to its client, and print it; one process, one ppoll loop.\n"
    LISTEN_OPTIONS_HELP
    "Partner: client (or nc). Example (two terminals):\n"
    "  ./pollserver -p 5000    ./client -p 5000      (or: nc 127.0.0.1 5000)\n";

struct client {
    int fd;
    char in[BuffSize];  /* bytes received, not yet a full line */
    size_t inlen;
    char out[BuffSize]; /* the echo of one line, not yet all sent */
    size_t outlen, outsent;
};

static struct client clients[MaxClients];
static int nclients;

/* Move complete lines from in[] to out[], one at a time: the next line
 * waits until the previous echo is fully sent. Returns -1 to drop the
 * client (a line longer than BuffSize: refused, not split). */
static int take_lines(struct client *c)
{
    while (c->outlen == 0) {
        char *nl = memchr(c->in, '\n', c->inlen);
        if (nl == NULL)
            return c->inlen == sizeof c->in ? -1 : 0;
        size_t len = (size_t)(nl - c->in) + 1;
        fwrite(c->in, 1, len, stdout); /* the title, on the server's terminal */
        memcpy(c->out, c->in, len);    /* echo exactly what came (S-2, S-4) */
        c->outlen = len;
        c->outsent = 0;
        memmove(c->in, c->in + len, c->inlen - len);
        c->inlen -= len;
    }
    return 0;
}

int main(int argc, char *argv[])
{
    program_init(argv);
    struct listen_options o = listen_options(argc, argv, usage_text);
    catch_stop_signals();
    /* A client that goes away while we write must not kill us (S-1). */
    die_if(signal(SIGPIPE, SIG_IGN) == SIG_ERR, "signal SIGPIPE");

    /* The same four steps as server.c: socket, SO_REUSEADDR, bind, listen. */
    struct sockaddr_storage addr;
    socklen_t addrlen = listen_address(&o, &addr);
    int listener = socket(addr.ss_family, SOCK_STREAM, 0);
    die_if(listener == -1, "socket");
    int on = 1;
    die_if(setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1, "setsockopt");
    mode_t old_mask = umask(0177); /* a UNIX socket file is created 0600 */
    int rc = bind(listener, (struct sockaddr *)&addr, addrlen);
    if (rc == -1 && errno == EADDRINUSE && o.path && remove_stale_socket(o.path))
        rc = bind(listener, (struct sockaddr *)&addr, addrlen);
    umask(old_mask);
    die_if(rc == -1, "bind %s", o.where);
    remember_own_socket(o.path);
    die_if(listen(listener, o.backlog) == -1, "listen");
    die_if(fcntl(listener, F_SETFL, O_NONBLOCK) == -1, "fcntl O_NONBLOCK"); /* accept until EAGAIN */
    fprintf(stderr, "Listening on %s%s for clients...\n", o.path ? "" : "port ", o.path ? o.path : o.port);

    sigset_t wait_mask; /* SIGINT, SIGTERM: blocked, except in ppoll */
    block_signals(&wait_mask);
    static struct pollfd pfds[1 + MaxClients];
    bool paused = false; /* out of descriptors: not accepting */
    while (!stop_signal) {
        /* Watch the listener while there is room (and descriptors), and each
         * client for input or, while its echo is pending, for room to send. */
        pfds[0] = (struct pollfd){.fd = nclients < MaxClients && !paused ? listener : -1, .events = POLLIN};
        for (int i = 0; i < nclients; i++)
            pfds[1 + i] = (struct pollfd){.fd = clients[i].fd,
                                          .events = clients[i].outlen ? POLLOUT : POLLIN};
        int ready = ppoll(pfds, 1 + (nfds_t)nclients, paused ? &(struct timespec){1, 0} : NULL, &wait_mask);
        die_if(ready == -1 && errno != EINTR, "ppoll");
        paused = paused && ready != 0; /* after a second, try again anyway */
        if (ready < 1)
            continue; /* a signal: the loop condition decides */

        for (int i = 0; i < nclients; i++) {
            struct client *c = &clients[i];
            short ev = pfds[1 + i].revents;
            ssize_t n = 0;
            if (ev & POLLOUT) {
                n = send(c->fd, c->out + c->outsent, c->outlen - c->outsent, MSG_NOSIGNAL);
                if (n > 0 && (c->outsent += (size_t)n) == c->outlen)
                    c->outlen = 0; /* echo sent: the next line may go */
            } else if (ev & (POLLIN | POLLHUP | POLLERR)) {
                /* Never more than the room left: every read is bounded. */
                n = recv(c->fd, c->in + c->inlen, sizeof c->in - c->inlen, 0);
                if (n > 0)
                    c->inlen += (size_t)n;
            }
            bool gone = n == 0 && (ev & (POLLIN | POLLHUP | POLLERR)) && !(ev & POLLOUT);
            bool failed = n == -1 && errno != EAGAIN && errno != EINTR;
            int too_long = take_lines(c);
            if (too_long)
                note("client %d: line longer than %d bytes, disconnected", c->fd, BuffSize - 1);
            if (gone || failed || too_long) {
                close(c->fd);
                paused = false; /* a descriptor is free again */
                clients[i--] = clients[--nclients]; /* the last takes its place */
                pfds[1 + i + 1] = pfds[1 + nclients];
            }
        }

        /* Take every connection waiting in the backlog (only 8 fit), not
         * one per turn: a burst of clients must not overflow it. B-4: the
         * peer's address is not wanted, so NULL, NULL (not an int length). */
        while ((pfds[0].revents & POLLIN) && nclients < MaxClients && !paused) {
            int fd = accept(listener, NULL, NULL);
            if (fd == -1) { /* EAGAIN: the backlog is empty; a shortage: pause (listener.h) */
                paused = shortage("accept", errno);
                break;
            }
            die_if(fcntl(fd, F_SETFL, O_NONBLOCK) == -1, "fcntl O_NONBLOCK");
            clients[nclients++] = (struct client){.fd = fd};
            told_shortage = false;
        }
    }

    /* Stopped by SIGINT/SIGTERM: the normal way to end a server. */
    for (int i = 0; i < nclients; i++)
        close(clients[i].fd);
    note("%s: closed %d client connection(s), exiting", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
         nclients);
    close(listener);
    remove_own_socket(o.path);
    return 0;
}
