/* dgserver.c - echo each datagram back to whoever sent it.
 *
 * Partner: dgclient (or nc -u 127.0.0.1 9877). Protocol: dgram.h. Beyond the
 * article, whose part 3 describes datagram sockets only in words (S-10).
 *
 *     terminal 1: ./dgserver          terminal 2: ./dgclient
 *
 * No listen, no accept, no connection: one socket, bound to an address and a
 * port (or a path: -u), takes every client's datagrams; recvfrom returns one
 * whole datagram and its sender's address, sendto sends the echo there.
 * SIGINT/SIGTERM: remove the path, exit 0. */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: getaddrinfo, sigaction (ERRATA B-2) */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dgram.h"
#include "ipc.h"

static const char usage_text[] =
    "Usage: dgserver [-a ADDRESS] [-p PORT] [-u PATH]\n"
    "Send every datagram back to its sender, and print it (a title) on stdout.\n"
    "  -a, --address ADDRESS  address to bind (default: " ListenAddress "; IPv6: ::1)\n"
    "  -p, --port PORT        UDP port (default: " DgramPort ")\n"
    "  -u, --unix PATH        a UNIX-domain datagram socket at PATH instead\n"
    "  -h, --help             show this help; stop the server with Ctrl+C\n"
    "Partner: dgclient (or nc -u). Example (two terminals):\n"
    "  ./dgserver -p 5000        ./dgclient -p 5000     (or: nc -u 127.0.0.1 5000)\n";

static const char *path; /* the UNIX socket's path, if any: removed at exit */
static int bind_udp(const char *address, const char *port);
static int bind_unix(void);
static void replace_stale(int fd, const struct sockaddr_un *addr);

int main(int argc, char *argv[])
{
    const char *address = ListenAddress, *port = DgramPort;
    static const struct option longopts[] = {
        {"address", required_argument, NULL, 'a'}, {"port", required_argument, NULL, 'p'},
        {"unix", required_argument, NULL, 'u'},    {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":a:p:u:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'a': address = optarg; break;
        case 'p': parse_long(usage_text, optarg, "--port", 1, 65535), port = optarg; break;
        case 'u': path = optarg; break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();

    int fd = path ? bind_unix() : bind_udp(address, port);
    printf("Bound to %s%s%s, waiting for datagrams...\n", path ? path : address, path ? "" : " port ",
           path ? "" : port);

    long echoed = 0;
    char buf[DgramSize];
    while (!stop_signal) {
        /* One call, one whole datagram and its sender (the same socket sends
         * below: both ways, S-10). MSG_TRUNC: n is its real length, if cut. */
        struct sockaddr_storage peer;
        socklen_t peerlen = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_TRUNC, (struct sockaddr *)&peer, &peerlen);
        if (n == -1) {
            die_if(errno != EINTR, "recvfrom");
            continue; /* a signal: the loop condition decides */
        }
        if ((size_t)n > sizeof buf) { /* the rest is lost: echo no part */
            note("datagram of %zd bytes truncated to %zu: not echoed", n, sizeof buf);
            continue;
        }
        /* One title per datagram, on a line (nc -u sends a line with its
         * '\n'). n == 0: an empty datagram; there is no end of file. */
        printf("%.*s\n", (int)n - (n > 0 && buf[n - 1] == '\n'), buf);
        /* MSG_DONTWAIT: a UNIX client that never reads fills its queue, and
         * a blocking sendto would then stall us for every client. */
        if (peerlen <= sizeof(sa_family_t)) /* a UNIX socket that never bound a name */
            note("the sender has no address: no echo");
        else if (sendto(fd, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&peer, peerlen) == -1)
            note("echo not sent: %s", strerror(errno)); /* sender gone, or not reading */
        else
            echoed++;
    }
    /* Stopped by SIGINT/SIGTERM: the normal way to end a server. */
    note("%s: %ld datagram(s) echoed, exiting", stop_signal == SIGINT ? "SIGINT" : "SIGTERM", echoed);
    die_if(close(fd) == -1, "close");
    return 0; /* and remove_path, registered with atexit, removes the path */
}

/* socket, and bind to ADDRESS (IPv4 or IPv6: getaddrinfo) *and* a port (S-10).
 * No SO_REUSEADDR: UDP has no TIME_WAIT to wait out, and on a UDP socket it
 * would let a second server bind the port and take the first one's datagrams. */
static int bind_udp(const char *address, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int err = getaddrinfo(address, port, &hints, &res);
    if (err != 0)
        fail("getaddrinfo %s: %s", address, gai_strerror(err));
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    die_if(fd == -1, "socket");
    die_if(bind(fd, res->ai_addr, res->ai_addrlen) == -1, "bind %s port %s", address, port);
    freeaddrinfo(res);
    return fd;
}

/* At exit: the path, if it is still the socket we bound (not what came since). */
static struct stat bound;
static void remove_path(void)
{
    struct stat st;
    if (lstat(path, &st) == 0 && st.st_dev == bound.st_dev && st.st_ino == bound.st_ino)
        unlink(path);
    else
        note("%s is no longer the socket we bound: left alone", path);
}

/* The same for a UNIX-domain datagram socket: its address is a path. */
static int bind_unix(void)
{
    struct sockaddr_un addr = unix_address(path);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    die_if(fd == -1, "socket");
    umask(0177); /* the socket file is created 0600 */
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == -1) {
        die_if(errno != EADDRINUSE, "bind %s", path);
        replace_stale(fd, &addr);
    }
    die_if(lstat(path, &bound) == -1 || atexit(remove_path) != 0, "lstat %s", path);
    return fd;
}

/* Something is at the path. Remove it only if it is a socket (never a file,
 * directory or symlink that -u names) that nobody is bound to (kill -9
 * leaves such a path): connect() to it is refused. */
static void replace_stale(int fd, const struct sockaddr_un *addr)
{
    struct stat st;
    die_if(lstat(path, &st) == -1, "lstat %s", path);
    if (!S_ISSOCK(st.st_mode))
        fail("%s exists and is not a socket: not removed", path);
    int probe = socket(AF_UNIX, SOCK_DGRAM, 0);
    die_if(probe == -1, "socket");
    if (connect(probe, (const struct sockaddr *)addr, sizeof *addr) == 0)
        fail("another server is bound to %s", path);
    die_if(errno != ECONNREFUSED, "%s is in use", path); /* e.g. by a stream server */
    close(probe);
    note("removing stale socket %s", path);
    die_if(unlink(path) == -1, "unlink %s", path);
    die_if(bind(fd, (const struct sockaddr *)addr, sizeof *addr) == -1, "bind %s", path);
}
