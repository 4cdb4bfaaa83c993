/* mech_dgram.c - datagram sockets: UNIX domain (unix-dgram) and UDP (udp).
 *
 * A datagram socket keeps message boundaries: one send() is one datagram,
 * one recv() takes exactly one, whole. Two things differ from streams, and
 * both show in the bench:
 *
 *  - Size: a datagram must fit in one piece. A UNIX datagram must fit in
 *    the sender's buffer (SO_SNDBUF less 32 bytes, the kernel's rule); a
 *    UDP datagram in one IP packet (65535 less the IP and UDP headers:
 *    65507 bytes). Larger sizes are skipped, and the table says why.
 *  - Loss: a UNIX datagram socket makes the sender wait while its
 *    datagrams not yet read fill its send buffer (or the receiver's queue
 *    is full), so nothing is lost. UDP never waits for the receiver:
 *    when its receive buffer is full, the kernel drops the datagram. A
 *    sender that must not lose anything needs flow control of its own.
 *    Here the receiver returns a credit (an empty datagram) for every
 *    `batch` datagrams, and the sender keeps at most `window` unanswered,
 *    few enough to fit in the receive buffer. Every message is still
 *    checked: a lost one fails the run.
 */
#define _GNU_SOURCE /* MSG_TRUNC on recv */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"
#include "mech.h"

#define UDP_MAX_PAYLOAD 65507 /* 65535 - 20 (IPv4 header) - 8 (UDP header) */

static int sock[2] = {-1, -1}; /* the socket of each role */

/* One datagram out; it goes whole or not at all. */
static void send_datagram(int fd, const void *msg, size_t size)
{
    while (send(fd, msg, size, 0) == -1)
        retry_if_interrupted("send");
}
/* One datagram in. MSG_TRUNC: recv returns the datagram's real length even
 * if it was longer than `size` (the rest would be discarded), so a wrong
 * size is seen, never silently cut. */
static ssize_t recv_datagram(int fd, void *msg, size_t size)
{
    ssize_t n;
    while ((n = recv(fd, msg, size, MSG_TRUNC)) == -1)
        retry_if_interrupted("recv");
    return n;
}
static void keep_own_socket(int role, pid_t peer)
{
    (void)peer;
    close_fd(&sock[!role]);
}
static void close_sockets(void)
{
    close_fd(&sock[0]);
    close_fd(&sock[1]);
}

/* --- unix-dgram -------------------------------------------------------- */

static size_t unix_dgram_max(const char **why)
{
    static char text[64];
    int probe = socket(AF_UNIX, SOCK_DGRAM, 0);
    die_if(probe == -1, "socket");
    int sndbuf;
    socklen_t len = sizeof sndbuf;
    die_if(getsockopt(probe, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == -1, "getsockopt SO_SNDBUF");
    die_if(close(probe) == -1, "close");
    snprintf(text, sizeof text, "SO_SNDBUF %d - 32", sndbuf);
    *why = text;
    return sndbuf > 32 ? (size_t)sndbuf - 32 : 1;
}
static void setup_unix_dgram(size_t size)
{
    (void)size;
    die_if(socketpair(AF_UNIX, SOCK_DGRAM, 0, sock) == -1, "socketpair");
}
static void send_unix_dgram(int role, const void *msg, size_t size) { send_datagram(sock[role], msg, size); }
static void recv_unix_dgram(int role, void *msg, size_t size)
{
    if (recv_datagram(sock[role], msg, size) != (ssize_t)size)
        fail("unix-dgram: a datagram of the wrong size arrived");
}

/* --- udp -------------------------------------------------------------- */

static unsigned window, batch; /* the flow control, fixed by setup */
static uint64_t in_flight;     /* sent by us and not yet credited */
static uint64_t sent;          /* sent by us */
static unsigned unanswered;    /* received by us since our last credit */

static size_t udp_max(const char **why)
{
    *why = "UDP payload max 65507";
    return UDP_MAX_PAYLOAD;
}

/* Two sockets on 127.0.0.1, each bound to a port the kernel picks and
 * connected to the other: send() needs no address, and recv() takes only
 * the partner's datagrams. */
static void setup_udp(size_t size)
{
    struct sockaddr_in addr[2];
    for (int r = 0; r < 2; r++) {
        addr[r] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof addr[r];
        sock[r] = socket(AF_INET, SOCK_DGRAM, 0);
        die_if(sock[r] == -1, "socket");
        if (bind(sock[r], (struct sockaddr *)&addr[r], sizeof addr[r]) == -1 ||
            getsockname(sock[r], (struct sockaddr *)&addr[r], &len) == -1)
            die("bind 127.0.0.1");
    }
    for (int r = 0; r < 2; r++)
        die_if(connect(sock[r], (struct sockaddr *)&addr[!r], sizeof addr[!r]) == -1, "connect");
    /* The window must fit in the receive buffer (SO_RCVBUF), which counts
     * the kernel's memory per datagram, more than its payload (about twice
     * for 4 KiB), and can go on counting datagrams already read for a
     * while. So: half the buffer, twice the payload plus 1 KiB each. */
    int rcvbuf;
    socklen_t len = sizeof rcvbuf;
    die_if(getsockopt(sock[0], SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) == -1, "getsockopt SO_RCVBUF");
    window = (unsigned)((size_t)rcvbuf / 2 / (2 * (size + 1024)));
    window = window < 2 ? 2 : window > 64 ? 64 : window;
    batch = window / 2;
    in_flight = sent = 0;
    unanswered = 0;
}

/* Take the credits that have come (wait: block until one comes). In this
 * bench only credits can be waiting while we send: a stream goes one way,
 * and a ping-pong sends only once the answer is in. */
static void take_credits(int fd, bool wait)
{
    for (;;) {
        char none;
        ssize_t n = recv(fd, &none, 0, MSG_TRUNC | (wait ? 0 : MSG_DONTWAIT));
        if (n == -1 && !wait && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; /* none (left) */
        if (n == -1) {
            retry_if_interrupted("recv");
            continue;
        }
        if (n != 0)
            fail("udp: a message arrived where only credits can");
        in_flight -= batch;
        if (wait)
            return;
    }
}
static void send_udp(int role, const void *msg, size_t size)
{
    /* Credits left unread would fill our own receive buffer, and the kernel
     * would drop them too: take them as they come, every `batch` messages. */
    if (++sent % batch == 0)
        take_credits(sock[role], false);
    while (in_flight >= window) /* the partner is `window` behind: wait */
        take_credits(sock[role], true);
    send_datagram(sock[role], msg, size);
    in_flight++;
}
static void recv_udp(int role, void *msg, size_t size)
{
    ssize_t n;
    while ((n = recv_datagram(sock[role], msg, size)) == 0)
        in_flight -= batch; /* a credit for what we sent: not a message */
    if (n != (ssize_t)size)
        fail("udp: a datagram of the wrong size arrived");
    if (++unanswered == batch) { /* `batch` more of the partner's taken: say so */
        send_datagram(sock[role], "", 0);
        unanswered = 0;
    }
}

const struct mech mech_unix_dgram = {
    .name = "unix-dgram", .what = "UNIX datagram socket (socketpair SOCK_DGRAM)",
    .max_size = unix_dgram_max, .setup = setup_unix_dgram, .attach = keep_own_socket,
    .send = send_unix_dgram, .recv = recv_unix_dgram, .teardown = close_sockets,
};
const struct mech mech_udp = {
    .name = "udp", .what = "UDP over loopback, with a credit per few datagrams (no loss)",
    .max_size = udp_max, .setup = setup_udp, .attach = keep_own_socket,
    .send = send_udp, .recv = recv_udp, .teardown = close_sockets,
};
