/* fdreceiver.c - take a sealed memory file's descriptor, map it, print it.
 *
 * Partner: fdsender. Protocol: fdpass.h. Beyond the article: a descriptor
 * passed over a UNIX-domain socket (SCM_RIGHTS), and who sent it (SO_PEERCRED).
 *
 *     terminal 1: ./fdreceiver        terminal 2: ./fdsender
 *
 * We check the seals first, then map the memory read-only and print it in
 * place. Whatever else a hostile sender passes is refused and closed.
 */
#define _GNU_SOURCE /* F_GET_SEALS, MSG_CMSG_CLOEXEC, accept4, struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdpass.h"
#include "ipc.h"

static const char usage_text[] =
    "Usage: fdreceiver [-u PATH] [-t SECONDS]\n"
    "Take the sealed memfd fdsender passes, check its seals, map it and print it.\n"
    "  -u, --unix PATH        socket path to listen on (default: " FdPassSocket ")\n"
    "  -t, --timeout SECONDS  how long to wait for a sender (default: 30; 0: do not wait)\n"
    "  -h, --help             show this help\n"
    "Partner: fdsender (same -u). Example (two terminals):\n"
    "  ./fdreceiver -u /tmp/fd.sock        ./fdsender -u /tmp/fd.sock\n";

static int listen_at(const char *path, double timeout);
static void wait_failed(const char *call, const char *what, double seconds);
static int conn = -1; /* refuse: say why, answer FdPassRefused, exit 1 */
#define refuse(...) (note(__VA_ARGS__), send(conn, &(char){FdPassRefused}, 1, MSG_NOSIGNAL), exit(1))

int main(int argc, char *argv[])
{
    const char *path = FdPassSocket;
    double timeout = 30;
    static const struct option longopts[] = {{"unix", required_argument, NULL, 'u'},
        {"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    program_init(argv);
    for (int c; (c = getopt_long(argc, argv, ":u:t:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'u': path = optarg; break;
        case 't': timeout = parse_seconds(usage_text, optarg, "--timeout"); break;
        case 'h': usage(usage_text, NULL);
        default: bad_option(usage_text, c);
        }
    }
    if (optind < argc)
        usage(usage_text, "unexpected argument '%s'", argv[optind]);
    catch_stop_signals();
    int listener = listen_at(path, timeout);
    printf("Listening on %s for a descriptor...\n", path);
    /* One data byte, room for FdPassRoom descriptors (more: MSG_CTRUNC), aligned as a cmsghdr. */
    char byte = 0;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    _Alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * FdPassRoom)];
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control};
    ssize_t n;
    do { /* a connection that ends without a byte is no sender: wait on */
        while ((conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC)) == -1)
            wait_failed("accept", "no fdsender connected", timeout); /* EMFILE: said once */
        struct timeval tv = {.tv_sec = FdPassPatience}; /* to send, once connected */
        die_if(setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1, "setsockopt");
        msg.msg_controllen = sizeof control; /* CMSG_CLOEXEC: close-on-exec from the start */
        while ((n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC)) == -1)
            wait_failed("recvmsg", "the sender sent nothing", FdPassPatience);
    } while (n == 0 && close(conn) == 0);
    /* Count what came (cmsg_len): CMSG_SPACE pads, so room for one descriptor
     * holds two on 64-bit machines. What came is in our table: ours to close. */
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    int fds[FdPassRoom], count = 0;
    if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        memcpy(fds, CMSG_DATA(c), (size_t)count * sizeof(int));
    }
    for (int i = 1; i < count; i++)
        close(fds[i]);
    if (msg.msg_flags & MSG_CTRUNC)
        refuse("more than %d descriptors, or out of descriptors (ulimit -n)", FdPassRoom);
    if (byte != FdPassByte || count != 1)
        refuse("not this protocol: want the byte '%c' with 1 descriptor, got 0x%02x with %d",
               FdPassByte, (unsigned char)byte, count);
    int memfd = fds[0];
    /* The seals first: once the size cannot change, fstat's answer stays true. */
    int seals = fcntl(memfd, F_GET_SEALS); /* -1: not a file that can be sealed */
    if (seals == -1 || (seals & FdPassSeals) != FdPassSeals)
        refuse("not a memfd sealed against writing, shrinking and growing (%s): its sender could "
               "change it under us", seals == -1 ? "it cannot be sealed" : "a seal is missing");
    struct stat st;
    die_if(fstat(memfd, &st) == -1, "fstat");
    if (st.st_size < 1 || st.st_size > FdPassMaxSize)
        refuse("the memfd holds %lld bytes, want 1 to %d", (long long)st.st_size, FdPassMaxSize);
    /* Who sent it: the kernel's record, taken at connect(); no message can forge it. */
    struct ucred peer;
    die_if(getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &(socklen_t){sizeof peer}) == -1, "SO_PEERCRED");
    printf("Sender: PID %d, UID %u, GID %u (SO_PEERCRED)\n", peer.pid, peer.uid, peer.gid);
    char *text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, memfd, 0); /* no copy */
    if (text == MAP_FAILED) /* EACCES: a descriptor opened write-only (via /proc/PID/fd) */
        refuse("mmap: %s", strerror(errno));
    printf("Got a sealed memfd of %lld bytes, mapped read-only:\n", (long long)st.st_size);
    fwrite(text, 1, (size_t)st.st_size, stdout);
    die_if(munmap(text, (size_t)st.st_size) == -1 || close(memfd) == -1, "munmap, close");
    die_if(send(conn, &(char){FdPassTaken}, 1, MSG_NOSIGNAL) == -1, "send the answer");
    return 0; /* exit closes the sockets; remove_socket, at exit, the path */
}

/* At exit or stop, the path we bound goes if it is still ours (same inode). */
static const char *bound_path;
static struct stat bound;
static void remove_socket(void)
{
    struct stat st;
    if (bound_path && lstat(bound_path, &st) == 0 && st.st_dev == bound.st_dev && st.st_ino == bound.st_ino)
        unlink(bound_path);
}

/* A wait that failed: a stop signal or the timeout ends it, another signal not. */
static void wait_failed(const char *call, const char *what, double seconds)
{
    if (errno == EINTR && stop_signal)
        remove_socket(), exit_on_stop_signal();
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        fail("gave up after %g s: %s", seconds, what);
    die_if(errno != EINTR, "%s", call);
}

/* bind PATH (0600), listen. Something at PATH already (EADDRINUSE): a socket
 * nobody listens on (left by kill -9) is replaced; a live one is not (the
 * probe does not block: a full backlog says EAGAIN); a file, a directory, a
 * symlink is never touched. SO_RCVTIMEO is accept's timeout (socket(7)). */
static int listen_at(const char *path, double timeout)
{
    struct sockaddr_un addr = unix_address(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    die_if(fd == -1, "socket");
    umask(0177); /* the socket file is created 0600 (and we create nothing else) */
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    if (rc == -1 && errno == EADDRINUSE && lstat(path, &bound) == 0) { /* what is there? */
        if (!S_ISSOCK(bound.st_mode))
            fail("%s exists and is not a socket: not touching it", path);
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        die_if(probe == -1, "socket");
        if (connect(probe, (struct sockaddr *)&addr, sizeof addr) == 0 || errno == EAGAIN)
            fail("another fdreceiver is listening on %s", path);
        die_if(errno != ECONNREFUSED, "connect %s", path);
        note("removing stale socket %s", path);
        die_if(close(probe) == -1 || unlink(path) == -1, "unlink %s", path);
        rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    }
    die_if(rc == -1 || lstat(path, &bound) == -1, "bind %s", path);
    bound_path = path;
    die_if(atexit(remove_socket) != 0 || listen(fd, 1) == -1, "listen");
    double t = timeout > 1e-5 ? timeout : 1e-5; /* SO_RCVTIMEO {0, 0} would mean no limit */
    struct timeval tv = {.tv_sec = (time_t)t, .tv_usec = (suseconds_t)((t - (double)(time_t)t) * 1e6)};
    die_if(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1, "setsockopt");
    return fd;
}
