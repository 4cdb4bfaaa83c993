/* sock.h - the protocol shared by server and client.
 *
 * A stream socket carries bytes, not messages (ERRATA S-3): one write may
 * arrive as several reads, or several writes as one. So a message here is
 * one line: bytes up to and including '\n'. The server echoes each line
 * back exactly, byte for byte (no padding, S-4).
 */
#ifndef SOCK_H
#define SOCK_H

#include "ipc.h"

#define PortNumber 9876       /* TCP port (option -p) */
#define ListenAddress "127.0.0.1" /* loopback only unless told otherwise (S-6) */
#define Host "localhost"      /* where the client connects (option -H) */
#define MaxConnects 8         /* listen() backlog: connections not yet accepted */
#define BuffSize 1024         /* longest line, '\n' included; longer ones are refused */
#define MaxClients 256        /* clients the server serves at once */
#define ConversationLen 3

static const char *const Books[ConversationLen] = {"War and Peace", "Pride and Prejudice",
                                                   "The Sound and the Fury"};

#endif
