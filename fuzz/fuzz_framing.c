/* fuzz_framing.c - libFuzzer target for server.c's line framing: serve(),
 * the loop each child runs for its client.
 *
 * server.c is included (its main renamed), and the read() in serve() is
 * this file's: it hands out the input in pieces of 1 to 64 bytes (the
 * first input byte picks the size), and first fills all the room serve()
 * asks for, so that ASan reports a read bounded by more than the buffer's
 * room. serve() writes its echoes to a pipe, and they must be what a client
 * can rely on: every complete line comes back exactly, in order, nothing
 * else comes back, and the client is dropped only when BuffSize bytes with
 * no newline are pending. Built and run by `make fuzz`; fuzz_pollframing.c
 * does the same for pollserver.c.
 */
#define _GNU_SOURCE /* as server.c: its headers, included before the macros below */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static ssize_t fuzz_read(int fd, void *buf, size_t n);
#define read(fd, buf, n) fuzz_read(fd, buf, n)
#define main server_main
#include "../sockets/server.c" // NOLINT(bugprone-suspicious-include): server.c's own static code
#undef main
#undef read

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *input;
static size_t input_len, input_pos, piece;
static bool reached_eof;

static ssize_t fuzz_read(int fd, void *buf, size_t n)
{
    (void)fd;
    if (n == 0)
        abort(); /* serve() asked for nothing: it would loop on 0 = end of file */
    memset(buf, 0xAA, n); /* all the room serve() claims it has: ASan checks */
    size_t k = input_len - input_pos;
    if (k == 0) {
        reached_eof = true;
        return 0;
    }
    k = k < piece ? k : piece;
    k = k < n ? k : n;
    memcpy(buf, input + input_pos, k);
    input_pos += k;
    return (ssize_t)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) { /* serve() prints each title: not to the fuzzer's log */
        if (freopen("/dev/null", "w", stdout) == NULL)
            abort();
        quiet = true;
    }
    if (size == 0 || size > 60000) /* the echoes must fit in the pipe (64 KiB) */
        return 0;
    piece = (size_t)data[0] % 64 + 1; /* how the bytes arrive */
    input = data + 1;
    input_len = size - 1;
    input_pos = 0;
    reached_eof = false;

    int p[2];
    if (pipe(p) == -1)
        abort();
    serve(p[1]);
    close(p[1]);
    static uint8_t echo[60000];
    size_t elen = 0;
    ssize_t n;
    while ((n = read(p[0], echo + elen, sizeof echo - elen)) > 0)
        elen += (size_t)n;
    close(p[0]);

    /* The echo is the input's first lines, whole, exactly. */
    if (elen > input_len || memcmp(echo, input, elen) != 0 || (elen > 0 && echo[elen - 1] != '\n'))
        abort();
    /* What was not echoed has no complete line in it, unless the client was
     * dropped, which must be for BuffSize bytes without a newline. */
    const uint8_t *rest = input + elen;
    size_t rlen = input_len - elen;
    bool too_long = rlen >= BuffSize && memchr(rest, '\n', BuffSize) == NULL;
    if (reached_eof ? too_long || memchr(rest, '\n', rlen) != NULL : !too_long)
        abort();
    return 0;
}
