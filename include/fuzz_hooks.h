/* fuzz_hooks.h - only for `make fuzz` (compiled with -DIPC_FUZZ_ARGS).
 *
 * fuzz/fuzz_options.c runs each program's real main() on fuzzed argument
 * vectors. Each program's first call after its options are parsed is
 * replaced here by fuzz_options_parsed(), which jumps back to the fuzzer:
 * the options were accepted, and no IPC object is ever created. */
#ifndef FUZZ_HOOKS_H
#define FUZZ_HOOKS_H

#include <signal.h> /* declared before the macros below rename them */
#include <unistd.h>

_Noreturn void fuzz_options_parsed(void);

#define catch_stop_signals() fuzz_options_parsed() /* most programs */
#define signal(sig, handler) ((void)(sig), (void)(handler), fuzz_options_parsed(), SIG_ERR)
#define sigprocmask(how, set, old) ((void)(how), (void)(set), (void)(old), fuzz_options_parsed(), -1)
#define pipe(fds) ((void)(fds), fuzz_options_parsed(), -1)
#define sigqueue(pid, sig, value) ((void)(pid), (void)(sig), (void)(value), fuzz_options_parsed(), -1)
/* signal: pipeUN, ipcbench; sigprocmask: shutdown, sigfdreceiver; pipe: sigreceiver;
 * sigqueue: sigsender. */

#endif
