/* dgclient.c - send three book titles as datagrams, print the echoes.
 *
 * Partner: dgserver. Protocol: dgram.h (one message, one datagram). Beyond
 * the article, whose part 3 describes datagram sockets only in words (S-10).
 *
 *     terminal 1: ./dgserver          terminal 2: ./dgclient */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: getaddrinfo, sigaction (ERRATA B-2) */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dgram.h"
#include "ipc.h"

static const char usage_text[] =
    "Usage: dgclient [-H HOST] [-p PORT] [-u PATH] [-t SECONDS]\n"
    "Send three book titles to dgserver, one datagram each, and print each echo.\n"
    "  -H, --host HOST        server host name or address (default: " Host ")\n"
    "  -p, --port PORT        UDP port (default: " DgramPort ")\n"
    "  -u, --unix PATH        the server's UNIX-domain datagram socket at PATH instead\n"
    "  -t, --timeout SECONDS  how long to resend a title (default: 30; 0: do not wait)\n"
    "  -h, --help             show this help\n"
    "Partner: dgserver. Example (two terminals):\n"
    "  ./dgserver -p 5000        ./dgclient -p 5000\n";

static struct addrinfo *servers, *server; /* the server's addresses; the one in use */
static char where[300];                   /* the server, named in messages */
static char echo[DgramSize];              /* the last datagram received */

/* The server's addresses: getaddrinfo's list for HOST (IPv6, IPv4), or the UNIX path. */
static void resolve(const char *host, const char *port, const char *path)
{
    static struct sockaddr_un unix_addr;
    static struct addrinfo unix_server = {.ai_family = AF_UNIX, .ai_addrlen = sizeof unix_addr,
                                          .ai_addr = (struct sockaddr *)&unix_addr};
    snprintf(where, sizeof where, "%s%s%s", path ? path : host, path ? "" : " port ", path ? "" : port);
    if (path) {
        unix_addr = unix_address(path);
        servers = server = &unix_server;
        return;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV};
    int err = getaddrinfo(host, port, &hints, &servers);
    if (err != 0)
        fail("getaddrinfo %s: %s", host, gai_strerror(err));
    server = servers;
}

/* A socket connected to `server`. connect() on a datagram socket sends nothing:
 * it sets where send() goes, makes the kernel drop datagrams from anyone else,
 * and turns an ICMP "port unreachable" into ECONNREFUSED. To a UNIX path nobody
 * has bound yet, it fails: -1. A UNIX client binds a name, or the server could
 * not reply: the family alone gets a unique abstract one (no file to remove). */
static int open_socket(void)
{
    int fd = socket(server->ai_family, SOCK_DGRAM, 0);
    if (fd == -1 && errno == EAFNOSUPPORT)
        return -1; /* a kernel without IPv6 (ipv6.disable=1): the next address */
    die_if(fd == -1, "socket");
    struct sockaddr_un me = {.sun_family = AF_UNIX};
    if (server->ai_family == AF_UNIX)
        die_if(bind(fd, (struct sockaddr *)&me, sizeof me.sun_family) == -1, "bind");
    if (connect(fd, server->ai_addr, server->ai_addrlen) == 0)
        return fd;
    die_if(errno != ENOENT && errno != ECONNREFUSED, "connect %s", where);
    close(fd);
    return -1;
}

/* One try: send the title as one datagram, and wait `wait` seconds for its
 * echo. Returns 1 (it came), 0 (not yet: only an echo says a datagram
 * arrived) or -1 (refused: nobody is bound at the server's address). */
static int try_once(int fd, const char *title, double wait)
{
    size_t len = strlen(title);
    ssize_t n = send(fd, title, len, MSG_DONTWAIT); /* EAGAIN: a full UNIX queue, as if lost */
    if (n == -1 && errno == ECONNREFUSED)
        return -1;
    die_if(n == -1 && errno != EAGAIN && errno != EINTR, "send");
    double until = now_monotonic() + wait, left;
    while ((left = until - now_monotonic()) > 0 && !stop_signal) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)(left * 1000) + 1);
        die_if(ready == -1 && errno != EINTR, "poll");
        if (ready <= 0)
            continue;
        /* One recv, one whole datagram; MSG_TRUNC: its real length. */
        n = recv(fd, echo, sizeof echo, MSG_TRUNC | MSG_DONTWAIT);
        if (n == -1 && errno == ECONNREFUSED)
            return -1;
        die_if(n == -1 && errno != EAGAIN && errno != EINTR, "recv");
        if ((size_t)n == len && memcmp(echo, title, len) == 0) /* else: the late echo of a resent title */
            return 1;
    }
    return 0;
}

int main(int argc, char *argv[])
{
    const char *host = Host, *port = DgramPort, *path = NULL;
    double timeout = 30;
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'H'}, {"port", required_argument, NULL, 'p'},
        {"unix", required_argument, NULL, 'u'}, {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":H:p:u:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'H': host = optarg; break;
        case 'p': parse_long(usage_text, optarg, "--port", 1, 65535), port = optarg; break;
        case 'u': path = optarg; break;
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();

    resolve(host, port, path);
    int fd = open_socket(), said = 0;
    puts("Sending each title as one datagram...");
    for (int i = 0; i < ConversationLen; i++) {
        struct backoff wait = backoff_start(timeout); /* the deadline for this title */
        double retry = RetryFirst;
        int got; /* 1: the echo came; 0: not within `retry`; -1: nobody bound there */
        while ((got = fd == -1 ? -1 : try_once(fd, Books[i], retry)) != 1) {
            if (stop_signal)
                exit_on_stop_signal();
            if (got == 0) { /* lost, or only slow: send it again, and wait longer */
                if (now_monotonic() >= wait.deadline)
                    fail("gave up after %g s: no echo of '%s' from %s", timeout, Books[i], where);
                note("no echo within %g s: sending '%s' again", retry, Books[i]);
                retry = retry * 2 < RetryMax ? retry * 2 : RetryMax;
                continue;
            }
            if (said++ == 0 && timeout > 0)
                note("waiting for the server at %s", where);
            if (!backoff_wait(&wait) && !stop_signal) /* stopped: seen at the loop's top */
                fail("gave up after %g s: no server at %s", timeout, where);
            /* Refused: the next address (localhost: ::1, 127.0.0.1), its own socket */
            if (fd != -1)
                close(fd);
            server = server->ai_next ? server->ai_next : servers;
            fd = open_socket();
        }
        printf("%.*s\n", (int)strlen(Books[i]), echo); /* the echo, byte for byte the title */
    }
    puts("Client done, about to exit...");
    die_if(close(fd) == -1, "close");
    return 0;
}
