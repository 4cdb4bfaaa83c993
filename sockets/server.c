/* server.c - a line echo server that serves many clients at once.
 *
 * Partner: client (or any line-based client: nc 127.0.0.1 9876). Protocol:
 * sock.h. Article: "Inter-process communication in Linux", part 3 (Sockets
 * and signals), Example 1.
 *
 *     terminal 1: ./server            terminal 2: ./client
 *
 * One process, one ppoll() loop: the kernel tells us which sockets are ready,
 * so a slow or silent client never makes the others wait (the article's
 * iterative server did: S-7). Each client has a bounded input buffer (one
 * line) and output buffer (the echo); while its echo is not sent, we stop
 * reading from it, so a client that never reads cannot make us buffer more.
 * SIGINT/SIGTERM: close every client, remove the UNIX socket path, exit 0.
 */
#define _GNU_SOURCE /* ppoll: POSIX only since 2024; glibc 2.36 needs this */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc.h"
#include "sock.h"

static const char usage_text[] =
    "Usage: server [-a ADDRESS] [-p PORT] [-u PATH] [-b BACKLOG]\n"
    "Echo every line each client sends, to it and (as a title) on stdout.\n"
    "  -a, --address ADDRESS  address to listen on (default: " ListenAddress "; '::1' for\n"
    "                         IPv6, '0.0.0.0' for every interface)\n"
    "  -p, --port PORT        TCP port (default: 9876)\n"
    "  -u, --unix PATH        listen on a UNIX-domain stream socket at PATH instead\n"
    "  -b, --backlog N        connections the kernel queues until we accept them\n"
    "                         (default: 8, the article's)\n"
    "  -h, --help             show this help; stop the server with Ctrl+C\n"
    "Partner: client (or nc). Example (two terminals):\n"
    "  ./server -p 5000        ./client -p 5000      (or: nc 127.0.0.1 5000)\n";

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

/* socket, SO_REUSEADDR, bind, listen: for TCP, over whatever addresses
 * getaddrinfo gives for ADDRESS (IPv4 or IPv6). */
static int listen_tcp(const char *address, const char *port, int backlog)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int err = getaddrinfo(address, port, &hints, &res);
    if (err != 0)
        fail("getaddrinfo %s: %s", address, gai_strerror(err));
    int fd = -1;
    for (struct addrinfo *ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd == -1)
            continue;
        /* Restart at once after a stop: allow binding while old
         * connections linger in TIME_WAIT (S-5). */
        int on = 1;
        die_if(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1, "setsockopt");
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) { /* address *and* port (S-10) */
            err = errno;
            close(fd);
            fd = -1;
            errno = err;
        }
    }
    freeaddrinfo(res);
    die_if(fd == -1, "bind %s port %s", address, port);
    die_if(listen(fd, backlog) == -1, "listen");
    return fd;
}

/* The same for a UNIX-domain socket: its address is a path. A path left by
 * a server that was killed refuses connections: remove it and bind again. */
static int listen_unix(const char *path, int backlog)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path)
        fail("socket path too long: %s", path);
    memcpy(addr.sun_path, path, strlen(path) + 1); /* fits: checked above */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    die_if(fd == -1, "socket");
    mode_t old_mask = umask(0177); /* the socket file is created 0600 */
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    if (rc == -1 && errno == EADDRINUSE) {
        int probe = socket(AF_UNIX, SOCK_STREAM, 0);
        die_if(probe == -1, "socket");
        if (connect(probe, (struct sockaddr *)&addr, sizeof addr) == 0)
            fail("another server is listening on %s", path);
        close(probe);
        note("removing stale socket %s", path);
        die_if(unlink(path) == -1, "unlink %s", path);
        rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    }
    umask(old_mask);
    die_if(rc == -1, "bind %s", path);
    die_if(listen(fd, backlog) == -1, "listen");
    return fd;
}

int main(int argc, char *argv[])
{
    const char *address = ListenAddress, *port = "9876", *path = NULL;
    int backlog = MaxConnects;
    static const struct option longopts[] = {{"address", required_argument, NULL, 'a'},
                                             {"port", required_argument, NULL, 'p'},
                                             {"unix", required_argument, NULL, 'u'},
                                             {"backlog", required_argument, NULL, 'b'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":a:p:u:b:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'a': address = optarg; break;
        case 'p': parse_long(usage_text, optarg, "--port", 1, 65535), port = optarg; break;
        case 'u': path = optarg; break;
        case 'b': backlog = (int)parse_long(usage_text, optarg, "--backlog", 1, 4096); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();
    /* A client that goes away while we write must not kill us (S-1). */
    die_if(signal(SIGPIPE, SIG_IGN) == SIG_ERR, "signal SIGPIPE");

    int listener = path ? listen_unix(path, backlog) : listen_tcp(address, port, backlog);
    die_if(fcntl(listener, F_SETFL, O_NONBLOCK) == -1, "fcntl O_NONBLOCK"); /* accept until EAGAIN */
    if (path)
        printf("Listening on %s for clients...\n", path);
    else
        printf("Listening on port %s for clients...\n", port);

    /* SIGINT/SIGTERM stay blocked except inside ppoll, which unblocks them
     * atomically while it waits: a signal can never slip in between our
     * check of stop_signal and the start of the wait (with plain poll it
     * could, and the server would sleep on until the next client). */
    sigset_t stop_set, wait_mask;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    die_if(sigprocmask(SIG_BLOCK, &stop_set, &wait_mask) == -1, "sigprocmask");

    static struct pollfd pfds[1 + MaxClients];
    while (!stop_signal) {
        /* Watch the listener while there is room, and each client for input
         * or, while its echo is pending, for room to send. */
        pfds[0] = (struct pollfd){.fd = nclients < MaxClients ? listener : -1, .events = POLLIN};
        for (int i = 0; i < nclients; i++)
            pfds[1 + i] = (struct pollfd){.fd = clients[i].fd,
                                          .events = clients[i].outlen ? POLLOUT : POLLIN};
        int ready = ppoll(pfds, 1 + (nfds_t)nclients, NULL, &wait_mask);
        if (ready == -1) {
            die_if(errno != EINTR, "ppoll");
            continue; /* a signal: the loop condition decides */
        }

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
                clients[i--] = clients[--nclients]; /* the last takes its place */
                pfds[1 + i + 1] = pfds[1 + nclients];
            }
        }

        /* Take every connection waiting in the backlog (only 8 fit), not
         * one per turn: a burst of clients must not overflow it. */
        while ((pfds[0].revents & POLLIN) && nclients < MaxClients) {
            /* accept takes a socklen_t *, or NULL when we do not want the
             * peer's address (B-4). */
            int fd = accept(listener, NULL, NULL);
            if (fd == -1) {
                die_if(errno != EINTR && errno != ECONNABORTED && errno != EAGAIN &&
                           errno != EWOULDBLOCK && errno != EMFILE && errno != ENFILE,
                       "accept");
                if (errno == EMFILE || errno == ENFILE)
                    note("accept: %s", strerror(errno));
                break; /* EAGAIN: the backlog is empty */
            }
            die_if(fcntl(fd, F_SETFL, O_NONBLOCK) == -1, "fcntl O_NONBLOCK");
            clients[nclients++] = (struct client){.fd = fd};
        }
    }

    /* Stopped by SIGINT/SIGTERM: the normal way to end a server. */
    for (int i = 0; i < nclients; i++)
        close(clients[i].fd);
    note("%s: closed %d client connection(s), exiting", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
         nclients);
    close(listener);
    if (path)
        die_if(unlink(path) == -1, "unlink %s", path);
    return 0;
}
