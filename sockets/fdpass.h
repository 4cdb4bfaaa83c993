/* fdpass.h - the protocol shared by fdsender and fdreceiver.
 *
 * The sender puts a text in an anonymous memory file (memfd_create), seals
 * it, and passes the descriptor itself over a UNIX-domain stream socket
 * (SCM_RIGHTS). The receiver maps the same memory: nothing is copied, and
 * the memory has no name anywhere (no path, no /dev/shm entry, no key).
 *
 *   fdsender                                 fdreceiver
 *                                            bind PATH (0600; a stale socket is
 *                                              replaced, nothing else), listen
 *   memfd_create, write the text
 *   F_ADD_SEALS: FdPassSeals
 *   connect PATH (retry with back-off) ----> accept
 *   sendmsg: the byte FdPassByte and   ----> recvmsg(MSG_CMSG_CLOEXEC): the byte
 *     SCM_RIGHTS [memfd]                       and exactly one descriptor
 *   close(memfd): the descriptor in          F_GET_SEALS: all of FdPassSeals?
 *     flight keeps the file alive            fstat: 1 to FdPassMaxSize bytes?
 *                                            SO_PEERCRED: the sender's PID, UID, GID
 *                                            mmap read-only, print, munmap, close
 *   recv the answer, print             <---- FdPassTaken (or FdPassRefused, exit 1)
 *   exit                                     exit: unlink PATH
 *
 * A connection that ends before its byte is no sender (another receiver
 * checking whether PATH is alive, or a sender killed): the receiver waits on.
 *
 * Why the seals. A mapping of shared memory sees every change the other
 * side makes. Unsealed, the sender could rewrite the text while we print
 * it, or ftruncate it to 0, and our next access to the mapping would die
 * of SIGBUS. Sealed against writing, shrinking and growing (and against
 * removing those seals), the memory is immutable for everyone, the sender
 * too: the receiver can trust what it reads without copying it first. The
 * kernel enforces the seals; the receiver only has to check they are set.
 * (F_SEAL_FUTURE_WRITE would not do: it spares mappings made before it.)
 */
#ifndef FDPASS_H
#define FDPASS_H

#include "ipc.h"

#define FdPassSocket "fdpass.sock" /* the receiver's socket path (option -u) */

/* On a stream socket, ancillary data (the descriptor) travels with ordinary
 * data: a sendmsg with no byte to carry it sends nothing. So one byte goes
 * with it, and it says what is attached: a sealed memfd. */
#define FdPassByte 'M'

/* The receiver's answer, one byte: taken (checked, mapped, printed), or
 * refused (its stderr says why). End-of-file: it went away. */
#define FdPassTaken 'y'
#define FdPassRefused 'n'

/* Every one of these must be set; more are fine. F_SEAL_SEAL last: after
 * it, no seal can be added or removed. */
#define FdPassSeals (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/* Once connected, each side has this long to send its part (the byte and
 * descriptor; the answer). -t only bounds the wait for the partner. */
#define FdPassPatience 5 /* seconds */

#define FdPassMaxSize 65536 /* bytes the receiver maps at most; 1 at least */
#define FdPassRoom 4        /* descriptors the receiver has room for, to count
                             * (and close) what a hostile sender adds */

/* Only a label, never looked up: /proc/PID/fd shows "/memfd:fdpass (deleted)",
 * and many memfds may share it. */
#define FdPassLabel "fdpass"

/* Romeo and Juliet, act 2, scene 2: memory with no name. (Option -m.) */
#define FdPassText                                                                                 \
    "What's in a name? That which we call a rose\n"                                                \
    "By any other name would smell as sweet.\n"

#endif
