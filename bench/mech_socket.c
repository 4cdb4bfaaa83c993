/* mech_socket.c - stream sockets: UNIX domain (unix, unix-2) and TCP (tcp).
 *
 * A stream socket is a connected pair of endpoints, each with a receive
 * queue in the kernel: write() copies the bytes into a socket buffer queued
 * at the partner, read() copies them out. Unlike a pipe, one connection
 * goes both ways; like a pipe, it carries bytes, not messages, so the
 * reader reads until a whole message is in.
 */
#define _POSIX_C_SOURCE 200809L /* sockets, close */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"
#include "mech.h"

static int sock[2] = {-1, -1}; /* unix, tcp: the endpoint of each role */
static int dir[2][2] = {{-1, -1}, {-1, -1}}; /* unix-2: [direction][0: read, 1: write] */

/* unix: socketpair() makes two connected endpoints at once, no name. */
static void setup_unix(size_t size)
{
    (void)size;
    die_if(socketpair(AF_UNIX, SOCK_STREAM, 0, sock) == -1, "socketpair");
}
/* Each process keeps its endpoint; the kernel reports end-of-file to one
 * only when no descriptor of the other is open anywhere. */
static void keep_own_endpoint(int role, pid_t peer)
{
    (void)peer;
    close_fd(&sock[!role]);
}
static void send_stream(int role, const void *msg, size_t size)
{
    if (write_all(sock[role], msg, size) == -1)
        exchange_failed("write");
}
static void recv_stream(int role, void *msg, size_t size) { read_full(sock[role], msg, size); }
static void close_sockets(void)
{
    close_fd(&sock[0]);
    close_fd(&sock[1]);
}

/* unix-2: one socket pair per direction. A stream socket's reader sleeps
 * on the same wait queue that announces "room to write again": on one
 * socket used both ways, the partner reading what we sent wakes our
 * blocked read for nothing (bench/README.md). One way per socket avoids it. */
static void setup_unix_2(size_t size)
{
    (void)size;
    for (int d = 0; d < 2; d++) {
        int pair[2];
        die_if(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == -1, "socketpair");
        dir[d][1] = pair[0]; /* only written: direction d */
        dir[d][0] = pair[1]; /* only read */
    }
}
static void keep_own_directions(int role, pid_t peer)
{
    (void)peer;
    close_fd(&dir[role][0]);
    close_fd(&dir[!role][1]);
}
static void send_one_way(int role, const void *msg, size_t size)
{
    if (write_all(dir[role][1], msg, size) == -1)
        exchange_failed("write");
}
static void recv_one_way(int role, void *msg, size_t size) { read_full(dir[!role][0], msg, size); }
static void close_directions(void)
{
    for (int d = 0; d < 2; d++)
        for (int e = 0; e < 2; e++)
            close_fd(&dir[d][e]);
}

/* tcp: a connection over loopback, made the way a client and server make
 * it (listen, connect, accept), all in the parent before fork: the child
 * inherits the connected socket. Loopback hands each segment straight to
 * the receiving side of the stack: no wire, but the whole protocol. */
static void setup_tcp(size_t size)
{
    (void)size;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    die_if(listener == -1, "socket");
    /* port 0: the kernel picks a free one; getsockname says which */
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) == -1 || listen(listener, 1) == -1 ||
        getsockname(listener, (struct sockaddr *)&addr, &len) == -1)
        die("bind/listen on 127.0.0.1");
    sock[1] = socket(AF_INET, SOCK_STREAM, 0);
    die_if(sock[1] == -1, "socket");
    /* connect completes at once: the kernel finishes the handshake into the
     * listener's backlog before anyone calls accept */
    die_if(connect(sock[1], (struct sockaddr *)&addr, sizeof addr) == -1, "connect");
    sock[0] = accept(listener, NULL, NULL);
    die_if(sock[0] == -1, "accept");
    die_if(close(listener) == -1, "close");
    /* Nagle's algorithm would hold a small message back while an earlier
     * one is unacknowledged; a ping-pong would then wait for delayed ACKs. */
    int on = 1;
    for (int r = 0; r < 2; r++)
        die_if(setsockopt(sock[r], IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1, "setsockopt TCP_NODELAY");
}

const struct mech mech_unix = {
    .name = "unix", .what = "UNIX stream socket (socketpair), one socket both ways",
    .setup = setup_unix, .attach = keep_own_endpoint, .send = send_stream, .recv = recv_stream, .teardown = close_sockets,
};
const struct mech mech_unix_2 = {
    .name = "unix-2", .what = "two UNIX stream socket pairs, one per direction",
    .setup = setup_unix_2, .attach = keep_own_directions, .send = send_one_way, .recv = recv_one_way,
    .teardown = close_directions,
};
const struct mech mech_tcp = {
    .name = "tcp", .what = "TCP over loopback, TCP_NODELAY",
    .setup = setup_tcp, .attach = keep_own_endpoint, .send = send_stream, .recv = recv_stream, .teardown = close_sockets,
};
