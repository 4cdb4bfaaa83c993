/* fuzz_pollframing.c - libFuzzer target for pollserver's line framing.
 *
 * Feeds arbitrary bytes, in arbitrary pieces, through the server's own
 * take_lines() (pollserver.c is included, its main renamed) and checks what a
 * client must be able to rely on: every complete line comes back exactly,
 * in order, nothing else comes back, no buffer is overrun (ASan), and a
 * client is dropped only when a line longer than BuffSize - 1 bytes is
 * pending. Built and run by `make fuzz`.
 */
#define main server_main
#include "../sockets/pollserver.c" // NOLINT(bugprone-suspicious-include): the target is pollserver.c's own static code
#undef main

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) { /* take_lines prints each title: not to the fuzzer's log */
        if (freopen("/dev/null", "w", stdout) == NULL)
            abort();
        quiet = true;
    }
    if (size == 0)
        return 0;
    size_t piece = (size_t)data[0] % 64 + 1; /* how the bytes arrive */
    data++, size--;

    static struct client c;
    memset(&c, 0, sizeof c);
    size_t fed = 0, echoed = 0;
    while (fed < size) {
        size_t room = sizeof c.in - c.inlen;
        size_t n = size - fed < piece ? size - fed : piece;
        if (n > room)
            n = room;
        memcpy(c.in + c.inlen, data + fed, n);
        c.inlen += n;
        fed += n;
        for (;;) {
            int dropped = take_lines(&c);
            if (dropped) { /* only for a full buffer with no newline in it */
                if (c.inlen != sizeof c.in || memchr(c.in, '\n', c.inlen) != NULL)
                    abort();
                return 0;
            }
            if (c.outlen == 0)
                break;
            /* the echo must be exactly the next line of the input */
            if (c.outlen > size - echoed || memcmp(c.out, data + echoed, c.outlen) != 0 ||
                c.out[c.outlen - 1] != '\n' || memchr(c.out, '\n', c.outlen - 1) != NULL)
                abort();
            echoed += c.outlen;
            c.outlen = 0; /* "sent" */
        }
    }
    /* what is left unechoed is exactly the unfinished last line */
    if (echoed + c.inlen != size || memchr(c.in, '\n', c.inlen) != NULL)
        abort();
    return 0;
}
