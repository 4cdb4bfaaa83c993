/* client.c - send three book titles to the echo server, print the echoes.
 *
 * Partner: server or pollserver (or any line echo server). Protocol: sock.h
 * (one message = one line). Article: "Inter-process communication in
 * Linux", part 3 (Sockets and signals), Example 2.
 *
 *     terminal 1: ./server            terminal 2: ./client
 *
 * Started before the server, the client retries connect() with back-off
 * until the server listens (or --timeout). It resolves the host with
 * getaddrinfo (S-8), trying IPv6 and IPv4 addresses alike. */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: getaddrinfo, sigaction (ERRATA B-2) */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc.h"
#include "sock.h"

static const char usage_text[] =
    "Usage: client [-H HOST] [-p PORT] [-u PATH] [-t SECONDS]\n"
    "Send three book titles to the echo server, one line each, and print the echoes.\n"
    "  -H, --host HOST        server name or address (default: " Host ")\n"
    "  -p, --port PORT        TCP port (default: 9876)\n"
    "  -u, --unix PATH        connect to a UNIX-domain stream socket at PATH instead\n"
    "  -t, --timeout SECONDS  how long to wait for the server to listen, and for each\n"
    "                         echo (default: 30; 0: do not wait for it to listen)\n"
    "  -h, --help             show this help\n"
    "Partner: server or pollserver. Example (two terminals):\n"
    "  ./server -p 5000        ./client -p 5000\n";

/* SO_RCVTIMEO, SO_SNDTIMEO: a blocking call on fd that would wait longer
 * fails (EAGAIN; connect: EINPROGRESS) after `seconds` (0 would mean never). */
static void set_timeout(int fd, int option, double seconds)
{
    struct timeval tv = {.tv_sec = (time_t)seconds,
                         .tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
    die_if(setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv) == -1, "setsockopt");
}

/* One connection attempt to every address of host:port, or to the UNIX
 * path. Returns the connected socket, or -1 if nothing listens there yet. */
static int try_connect(const char *host, const char *port, const char *path, double seconds)
{
    struct sockaddr_un un;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
    struct addrinfo unix_ai = {.ai_family = AF_UNIX, .ai_socktype = SOCK_STREAM,
                               .ai_addr = (struct sockaddr *)&un, .ai_addrlen = sizeof un};
    if (path) {
        un = unix_address(path);
        res = &unix_ai;
    } else {
        int err = getaddrinfo(host, port, &hints, &res);
        if (err != 0)
            fail("getaddrinfo %s: %s", host, gai_strerror(err));
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd == -1 && errno == EAFNOSUPPORT)
            continue; /* a kernel without IPv6 (ipv6.disable=1): the next address */
        die_if(fd == -1, "socket"); /* out of descriptors is no reason to wait */
        /* connect waits for the handshake, or for room in a full backlog (a
         * server that does not accept): at most what is left of -t, 1 s at least. */
        set_timeout(fd, SO_SNDTIMEO, seconds > 1 ? seconds : 1);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
            /* Not there (yet), or no room within the bound: the next address, or again later. */
            die_if(errno != ECONNREFUSED && errno != ENOENT && errno != EADDRNOTAVAIL &&
                       errno != ENETUNREACH && errno != EINTR && errno != EINPROGRESS && errno != EAGAIN,
                   "connect %s", path ? path : host);
            close(fd);
            fd = -1;
        }
    }
    if (res != &unix_ai)
        freeaddrinfo(res);
    return fd;
}

int main(int argc, char *argv[])
{
    const char *host = Host, *port = "9876", *path = NULL;
    double timeout = 30;
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'H'},    {"port", required_argument, NULL, 'p'},
        {"unix", required_argument, NULL, 'u'},    {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
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
    die_if(signal(SIGPIPE, SIG_IGN) == SIG_ERR, "signal SIGPIPE"); /* EPIPE instead */

    struct backoff wait = backoff_start(timeout);
    int fd;
    for (bool said = false; (fd = try_connect(host, port, path, wait.deadline - now_monotonic())) == -1;
         said = true) {
        if (!said && timeout > 0) /* -t 0: one try, no waiting to speak of */
            note("waiting for the server at %s%s%s", path ? path : host, path ? "" : " port ",
                 path ? "" : port);
        if (!backoff_wait(&wait)) {
            if (stop_signal)
                exit_on_stop_signal();
            fail("gave up after %g s: no server at %s", timeout, path ? path : host);
        }
    }
    /* Bound each read: a server that never answers cannot hang us (-t 0: 30 s). */
    double echo_wait = timeout > 0 ? timeout : 30;
    set_timeout(fd, SO_RCVTIMEO, echo_wait);

    puts("Connect to server, about to write some stuff...");
    char buf[BuffSize] = {0};
    size_t have = 0; /* bytes received and not yet printed */
    for (int i = 0; i < ConversationLen; i++) {
        char line[BuffSize];
        int len = snprintf(line, sizeof line, "%s\n", Books[i]);
        if (write_all(fd, line, (size_t)len) == -1)
            stop_signal ? exit_on_stop_signal() : die("write");
        /* Read until the whole echoed line is here: TCP may deliver it in
         * pieces, or with the next one, so one read is not one message (S-3, S-8). */
        char *nl;
        while ((nl = memchr(buf, '\n', have)) == NULL) {
            if (have == sizeof buf)
                fail("echo longer than %d bytes", BuffSize);
            ssize_t n = recv(fd, buf + have, sizeof buf - have, 0);
            if (n == -1 && stop_signal)
                exit_on_stop_signal();
            if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
                fail("no echo from the server within %g s", echo_wait);
            die_if(n == -1 && errno != EINTR, "recv");
            if (n == 0)
                fail("the server closed the connection");
            have += n > 0 ? (size_t)n : 0;
        }
        size_t linelen = (size_t)(nl - buf) + 1;
        printf("%.*s\n", (int)(linelen - 1), buf);
        memmove(buf, buf + linelen, have - linelen);
        have -= linelen;
    }
    puts("Client done, about to exit...");
    die_if(close(fd) == -1, "close");
    return 0;
}
