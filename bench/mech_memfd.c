/* mech_memfd.c - a whole buffer handed over by descriptor (memfd).
 *
 * Per message, the sender creates an anonymous in-memory file
 * (memfd_create), writes the message into it, seals it so that nobody can
 * change it any more, and passes the descriptor over a UNIX socket
 * (sendmsg with SCM_RIGHTS). The kernel installs a new descriptor for the
 * same file in the receiver, which checks the seals, maps the file and
 * reads the message from the mapping. The bytes cross once (into the
 * file's pages); the rest of the cost is fixed per message: a new file,
 * its pages, the seals, the descriptor passing, a mapping and its page
 * faults. So this row shows what passing a buffer by descriptor costs, and
 * from what size it pays.
 *
 * Like every row, the receiver copies the message into its own buffer,
 * where the driver checks it; an application would read it in place.
 */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS, MSG_CMSG_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc.h"
#include "mech.h"

/* The seals a receiver needs before it trusts the contents: no writes
 * (through write() or a shared mapping), no shrinking under its mapping
 * (a read past the end would be SIGBUS), and no changing the seals. */
#define SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

static int sock[2] = {-1, -1}; /* the endpoint of each role */

/* SOCK_SEQPACKET: a connection that keeps record boundaries, so each
 * descriptor arrives with the record it was sent with, and the reader sees
 * end-of-file when the partner is gone. */
static void setup_memfd(size_t size)
{
    (void)size;
    die_if(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sock) == -1, "socketpair");
}
static void keep_own_endpoint(int role, pid_t peer)
{
    (void)peer;
    close_fd(&sock[!role]);
}

static void send_memfd(int role, const void *msg, size_t size)
{
    int fd = memfd_create("ipcbench", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    die_if(fd == -1, "memfd_create");
    if (write_all(fd, msg, size) == -1) /* into the file's pages: the one copy */
        exchange_failed("write memfd");
    die_if(fcntl(fd, F_ADD_SEALS, SEALS) == -1, "fcntl F_ADD_SEALS");

    /* The record carries the size; the descriptor rides beside it as
     * ancillary data, in a buffer aligned for a cmsghdr. */
    union {
        char bytes[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = &size, .iov_len = sizeof size};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
                        .msg_controllen = sizeof control.bytes};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    while (sendmsg(sock[role], &mh, 0) == -1)
        retry_if_interrupted("sendmsg");
    /* The record in flight holds its own reference to the file: ours can go. */
    die_if(close(fd) == -1, "close memfd");
}

static void recv_memfd(int role, void *msg, size_t size)
{
    size_t announced = 0;
    union {
        char bytes[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = &announced, .iov_len = sizeof announced};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
                        .msg_controllen = sizeof control.bytes};
    ssize_t n;
    /* MSG_CMSG_CLOEXEC: the new descriptor is close-on-exec from the start */
    while ((n = recvmsg(sock[role], &mh, MSG_CMSG_CLOEXEC)) == -1)
        retry_if_interrupted("recvmsg");
    if (n == 0) {
        errno = EPIPE;
        exchange_failed("recvmsg: the partner closed the socket");
    }
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (n != (ssize_t)sizeof announced || announced != size || (mh.msg_flags & MSG_CTRUNC) || cm == NULL ||
        cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
        fail("memfd: a record without a descriptor, or of the wrong size");
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);

    /* Trust nothing the sender could still change: the seals, then the size. */
    int seals = fcntl(fd, F_GET_SEALS);
    die_if(seals == -1, "fcntl F_GET_SEALS");
    struct stat st;
    die_if(fstat(fd, &st) == -1, "fstat memfd");
    if ((seals & SEALS) != SEALS || st.st_size != (off_t)size)
        fail("memfd: the file is not sealed, or not the message's size");
    /* MAP_POPULATE: map every page now rather than fault them in one by one */
    void *map = mmap(NULL, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    die_if(map == MAP_FAILED, "mmap memfd");
    memcpy(msg, map, size);
    die_if(munmap(map, size) == -1, "munmap");
    /* The last descriptor and the last mapping gone, the kernel frees the file. */
    die_if(close(fd) == -1, "close memfd");
}

static void close_sockets(void)
{
    close_fd(&sock[0]);
    close_fd(&sock[1]);
}

const struct mech mech_memfd = {
    .name = "memfd", .what = "a sealed memfd per message, its descriptor passed over a UNIX socket (SCM_RIGHTS)",
    .setup = setup_memfd, .attach = keep_own_endpoint, .send = send_memfd, .recv = recv_memfd,
    .teardown = close_sockets,
};
