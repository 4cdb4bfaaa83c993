/* listener.h - what the two echo servers (server.c, pollserver.c) share:
 * their options, the address they listen on, and the care a UNIX socket
 * path needs. The socket calls themselves (socket, setsockopt, bind,
 * listen, accept) stay in each server's main, where the reader sees them.
 */
#ifndef LISTENER_H
#define LISTENER_H

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc.h"
#include "sock.h"

struct listen_options {
    const char *address, *port; /* TCP: the first address ADDRESS resolves to */
    const char *path;           /* or a UNIX-domain socket at this path */
    int backlog;                /* connections the kernel queues until accepted */
    char where[160];            /* for messages: "ADDRESS port PORT", or PATH */
};

#define LISTEN_OPTIONS_HELP                                                                     \
    "  -a, --address ADDRESS  address to listen on (default: " ListenAddress "; '::1' for\n"  \
    "                         IPv6, '0.0.0.0' for every interface)\n"                         \
    "  -p, --port PORT        TCP port (default: 9876)\n"                                     \
    "  -u, --unix PATH        listen on a UNIX-domain stream socket at PATH instead; a\n"     \
    "                         socket there that nobody listens on is replaced, anything\n"   \
    "                         else at PATH is left alone (exit 1)\n"                          \
    "  -b, --backlog N        connections the kernel queues until we accept them\n"          \
    "                         (default: 8, the article's)\n"                                  \
    "  -h, --help             show this help; stop the server with Ctrl+C\n"

static struct listen_options listen_options(int argc, char *argv[], const char *usage_text)
{
    struct listen_options o = {ListenAddress, "9876", NULL, MaxConnects, ""};
    static const struct option longopts[] = {
        {"address", required_argument, NULL, 'a'}, {"port", required_argument, NULL, 'p'},
        {"unix", required_argument, NULL, 'u'},    {"backlog", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    for (int c; (c = getopt_long(argc, argv, ":a:p:u:b:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'a': o.address = optarg; break;
        case 'p': parse_long(usage_text, optarg, "--port", 1, 65535), o.port = optarg; break;
        case 'u': o.path = optarg; break;
        case 'b': o.backlog = (int)parse_long(usage_text, optarg, "--backlog", 1, 4096); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    return o;
}

/* The address to bind: ADDRESS and PORT through getaddrinfo (IPv4 or IPv6,
 * S-8), or the UNIX socket's path. Returns its length. */
static socklen_t listen_address(struct listen_options *o, struct sockaddr_storage *addr)
{
    memset(addr, 0, sizeof *addr);
    if (o->path) {
        struct sockaddr_un un = unix_address(o->path);
        memcpy(addr, &un, sizeof un);
        snprintf(o->where, sizeof o->where, "%s", o->path);
        return sizeof un;
    }
    snprintf(o->where, sizeof o->where, "%s port %s", o->address, o->port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int err = getaddrinfo(o->address, o->port, &hints, &res);
    if (err != 0)
        fail("getaddrinfo %s: %s", o->address, gai_strerror(err));
    socklen_t len = res->ai_addrlen;
    memcpy(addr, res->ai_addr, len);
    freeaddrinfo(res);
    return len;
}

/* bind found something at PATH already. Only a socket that nobody listens
 * on (left by a server that was killed) may be replaced: returns true once
 * it is removed. A regular file, a directory, a symlink or a live server's
 * socket is never touched: exit 1 with the reason. */
static bool remove_stale_socket(const char *path)
{
    struct stat st;
    die_if(lstat(path, &st) == -1, "lstat %s", path);
    if (!S_ISSOCK(st.st_mode))
        fail("%s exists and is not a socket: left alone", path);
    struct sockaddr_un addr = unix_address(path); /* fits: bind took it */
    /* Non-blocking: a live server with a full backlog answers EAGAIN. */
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    die_if(probe == -1, "socket");
    if (connect(probe, (struct sockaddr *)&addr, sizeof addr) == 0 || errno == EAGAIN)
        fail("another server is listening on %s", path);
    die_if(errno != ECONNREFUSED, "connect %s", path);
    close(probe);
    note("removing stale socket %s (nobody listens on it)", path);
    die_if(unlink(path) == -1, "unlink %s", path);
    return true;
}

/* SIGINT, SIGTERM and SIGCHLD stay blocked from here on except inside
 * ppoll, which unblocks them (sets *wait_mask) atomically while it waits:
 * none can land between the loop's look at stop_signal and the wait (with
 * plain poll one could: only the knock, 10 ms later, would end that wait). */
static void block_signals(sigset_t *wait_mask)
{
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGCHLD);
    die_if(sigprocmask(SIG_BLOCK, &blocked, wait_mask) == -1, "sigprocmask");
}

/* accept (or fork) failed with err. A client that left the queue first
 * (ECONNABORTED), nothing left in it (EAGAIN) or a signal: returns false.
 * Anything else is a shortage (EMFILE, ENFILE: out of descriptors; ENOMEM,
 * ENOBUFS; fork's EAGAIN: out of processes): said once, until told_shortage
 * is reset by a client served, and true: the caller must stop watching the
 * listener for a while. The connection stays queued and the listener
 * readable, so watching it would spin at 100 % CPU on the same failure. */
static bool told_shortage;

static bool shortage(const char *call, int err)
{
    if (strcmp(call, "accept") == 0 && (err == EAGAIN || err == ECONNABORTED || err == EINTR))
        return false;
    if (!told_shortage)
        note("%s: %s: waiting for a client to leave", call, strerror(err));
    told_shortage = true;
    return true;
}

/* The socket file we bound, by device and inode: at exit we remove PATH
 * only if it is still this file, never what someone put there since. */
static struct stat own_socket;

static void remember_own_socket(const char *path)
{
    if (path)
        die_if(lstat(path, &own_socket) == -1, "lstat %s", path);
}

static void remove_own_socket(const char *path)
{
    struct stat st;
    if (path == NULL)
        return;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == own_socket.st_dev &&
        st.st_ino == own_socket.st_ino)
        die_if(unlink(path) == -1, "unlink %s", path);
    else
        note("%s is no longer the socket we created: left alone", path);
}

#endif
