/* dgram.h - the protocol shared by dgserver and dgclient.
 *
 * A datagram socket carries messages, not bytes: one send is one datagram,
 * and one recvfrom returns one whole datagram, never a piece of one and
 * never two joined. So a message here is one datagram holding one title, no
 * newline or length in front (compare sock.h, where a stream needs the
 * '\n'). Nothing is guaranteed to arrive, or to arrive once: the client
 * resends until the echo comes back.
 *
 *   dgclient                                   dgserver
 *                                              socket, bind address + port
 *   socket, connect (no packet: it records
 *   where send goes and whose replies count)
 *   send "War and Peace" ------ datagram ----> recvfrom: the bytes and the
 *                                              sender's address
 *   recv: the echo  <---------- datagram ----- sendto(that address)
 *   no echo within the wait? send it again (the echo server does the same
 *   work twice, harmlessly: it is idempotent)
 */
#ifndef DGRAM_H
#define DGRAM_H

#include "ipc.h"

#define DgramPort "9877"          /* UDP port (option -p); UDP's 9877 and TCP's are different ports */
#define ListenAddress "127.0.0.1" /* the server binds loopback unless told otherwise (S-6) */
#define Host "localhost"          /* where the client sends (option -H) */
#define DgramSize 1024            /* the server's buffer: a longer datagram is cut (MSG_TRUNC) */
#define RetryFirst 1.0            /* seconds the client waits for an echo before resending */
#define RetryMax 4.0              /* ... doubling each time up to this */
#define ConversationLen 3

static const char *const Books[ConversationLen] = {"War and Peace", "Pride and Prejudice",
                                                   "The Sound and the Fury"};

#endif
