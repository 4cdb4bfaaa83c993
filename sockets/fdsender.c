/* fdsender.c - pass a sealed memory file to fdreceiver over a UNIX socket.
 *
 * Partner: fdreceiver. Protocol: fdpass.h. Beyond the article, whose sockets
 * carry bytes: a UNIX-domain socket also carries open file descriptors
 * (SCM_RIGHTS), here one for memory that has no name anywhere.
 *
 *     terminal 1: ./fdreceiver        terminal 2: ./fdsender
 *
 * memfd_create gives a file that lives only in memory, for as long as a
 * descriptor or a mapping refers to it. We write the text into it, seal it,
 * connect (retrying with back-off until the receiver listens), and send the
 * descriptor; the receiver answers one byte: taken, or refused.
 */
#define _GNU_SOURCE /* memfd_create (glibc 2.27+), F_ADD_SEALS, struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdpass.h"
#include "ipc.h"

static const char usage_text[] =
    "Usage: fdsender [-u PATH] [-m TEXT] [-t SECONDS]\n"
    "Put TEXT in a sealed memfd and pass its descriptor to fdreceiver.\n"
    "  -u, --unix PATH        the receiver's socket (default: " FdPassSocket ")\n"
    "  -m, --message TEXT     what to pass, a newline added if it has none (default:\n"
    "                         two lines of Romeo and Juliet)\n"
    "  -t, --timeout SECONDS  how long to wait for the receiver (default: 30;\n"
    "                         0: do not wait)\n"
    "  -h, --help             show this help\n"
    "Partner: fdreceiver (same -u). Example (two terminals):\n"
    "  ./fdreceiver -u /tmp/fd.sock        ./fdsender -u /tmp/fd.sock\n";

static int try_connect(const char *path);

int main(int argc, char *argv[])
{
    const char *path = FdPassSocket, *text = FdPassText;
    double timeout = 30;
    static const struct option longopts[] = {
        {"unix", required_argument, NULL, 'u'},    {"message", required_argument, NULL, 'm'},
        {"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":u:m:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'u': path = optarg; break;
        case 'm': text = optarg; break;
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    size_t len = strlen(text);
    if (len == 0 || len >= FdPassMaxSize)
        usage(usage_text, "-m: expected 1 to %d bytes, got %zu", FdPassMaxSize - 1, len);
    catch_stop_signals();

    /* An anonymous file in memory. MFD_ALLOW_SEALING: without it, the file
     * is born with F_SEAL_SEAL and can never be sealed. MFD_CLOEXEC: a
     * program we might exec does not inherit it. */
    int memfd = memfd_create(FdPassLabel, MFD_ALLOW_SEALING | MFD_CLOEXEC);
    die_if(memfd == -1, "memfd_create");
    bool newline = text[len - 1] != '\n'; /* the text is lines: end the last one */
    die_if(write_all(memfd, text, len) == -1 || (newline && write_all(memfd, "\n", 1) == -1), "write");
    len += newline;
    /* From here on nobody, we included, can write, shrink or grow it, or lift
     * a seal. (F_SEAL_WRITE fails with EBUSY while a writable shared mapping
     * exists: we wrote with write(), not through a mapping.) */
    die_if(fcntl(memfd, F_ADD_SEALS, FdPassSeals) == -1, "fcntl F_ADD_SEALS");

    struct backoff wait = backoff_start(timeout);
    int sock;
    for (bool said = false; (sock = try_connect(path)) == -1; said = true) {
        if (!said && timeout > 0)
            note("waiting for fdreceiver at %s", path);
        if (!backoff_wait(&wait)) {
            if (stop_signal)
                exit_on_stop_signal(); /* nothing to clean: the memfd dies with us */
            fail("gave up after %g s: no fdreceiver at %s", timeout, path);
        }
    }
    printf("Sealed %zu bytes in a memfd, passing it over %s...\n", len, path);

    /* The descriptor rides on one data byte (fdpass.h). The kernel puts a
     * reference to our open file in the message; the receiver gets a new
     * descriptor, maybe with another number, for the same file. */
    char byte = FdPassByte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    _Alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {0}; /* as a cmsghdr must be */
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                         .msg_controllen = sizeof control};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    *cmsg = (struct cmsghdr){.cmsg_level = SOL_SOCKET, .cmsg_type = SCM_RIGHTS,
                             .cmsg_len = CMSG_LEN(sizeof(int))};
    memcpy(CMSG_DATA(cmsg), &memfd, sizeof(int));
    if (sendmsg(sock, &msg, MSG_NOSIGNAL) == -1) {
        if (errno == EINTR && stop_signal)
            exit_on_stop_signal();
        die("sendmsg %s", path);
    }
    die_if(close(memfd) == -1, "close memfd"); /* the one in flight keeps the file */

    /* The answer, bounded: a receiver that never answers cannot hang us. */
    struct timeval tv = {.tv_sec = FdPassPatience};
    die_if(setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1, "setsockopt");
    char answer = 0;
    while (recv(sock, &answer, 1, 0) == -1 && errno == EINTR && !stop_signal)
        ; /* another signal: wait on */
    if (stop_signal)
        exit_on_stop_signal();
    if (answer != FdPassTaken)
        fail("fdreceiver %s", answer == FdPassRefused ? "refused the descriptor (its message says why)"
                                                      : "did not answer");
    /* Who took it: the kernel recorded the listener's credentials at listen(). */
    struct ucred peer;
    socklen_t peerlen = sizeof peer;
    die_if(getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &peer, &peerlen) == -1, "getsockopt SO_PEERCRED");
    printf("The receiver (PID %ld) took it, about to exit...\n", (long)peer.pid);
    die_if(close(sock) == -1, "close");
    return 0;
}

/* One connection attempt. Returns the socket, or -1 if nobody listens at
 * PATH yet (no such path, or a socket left by a receiver that died) or the
 * receiver is busy (its backlog is full: EAGAIN, as we do not block). */
static int try_connect(const char *path)
{
    struct sockaddr_un addr = unix_address(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    die_if(fd == -1, "socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
        die_if(fcntl(fd, F_SETFL, 0) == -1, "fcntl"); /* blocking from now on */
        return fd;
    }
    die_if(errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN, "connect %s", path);
    close(fd);
    return -1;
}
