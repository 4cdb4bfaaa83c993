#!/usr/bin/env bats
# signals/sigfdreceiver (beyond the article): sigreceiver's job with no
# handler, the signals blocked and read from a signalfd in a poll loop;
# partner: sigsender. The same claims as tests/signals.bats makes for
# sigreceiver, and what is signalfd's own: blocked is not caught, pending
# signals and the mask survive exec, the kernel's queue is the only buffer.

load test_helper

# start_receiver [ARGS] : a sigfdreceiver in the background, its PID in $RPID.
start_receiver() {
    start_bg receiver signals/sigfdreceiver "$@"
    RPID=$LAST_PID
    wait_for_line receiver.out "^sigfdreceiver: PID $RPID, waiting for signals"
}

# stop_receiver : SIGTERM, graceful: exit 0 and a summary.
stop_receiver() {
    kill -TERM "$RPID"
    wait_exit "$RPID"
    [ "$EXIT_CODE" -eq 0 ]
    grep -q '^received:$' receiver.out
}

# drained PID : no signal is pending for the process any more (all read).
drained() { [ "$(sed -n 's/^ShdPnd:[[:space:]]*//p' "/proc/$1/status")" = 0000000000000000 ]; }

# values SIGNAL : the values printed for SIGNAL (e.g. SIGRTMIN+1), one line.
values() { sed -nE "s/^$1 from PID [0-9]+, value (-?[0-9]+)\$/\\1/p" receiver.out | tr '\n' ' '; }

@test "sigfdreceiver: sigsender's value arrives with the sender's PID, read from the signalfd" {
    start_receiver
    start_bg sender signals/sigsender "$RPID" USR1 7
    spid=$LAST_PID
    wait_exit "$spid"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat sender.out)" "sent SIGUSR1 to $RPID, value 7"
    wait_for_line receiver.out "^SIGUSR1 from PID $spid, value 7\$"
    kill -USR2 "$RPID"
    wait_for_line receiver.out "^SIGUSR2 from PID $$ \\(kill\\)\$"
    stop_receiver
    grep -q "^SIGTERM from PID $$ (kill)$" receiver.out
    expect_equal "$(sed -n '/^received:$/,$p' receiver.out)" "received:
  SIGUSR1      1
  SIGUSR2      1
  SIGTERM      1"
    [ ! -s receiver.err ]
}

@test "sigfdreceiver: real-time signals queue, standard ones merge, while it is stopped (SIGSTOP cannot be blocked)" {
    start_receiver
    kill -STOP "$RPID"
    wait_until 10 stopped "$RPID"
    run prog signals/sigsender -n 5 "$RPID" USR2
    [ "$status" -eq 0 ]
    run prog signals/sigsender -n 5 "$RPID" RTMIN+1 100
    [ "$status" -eq 0 ]
    kill -CONT "$RPID"
    wait_for_line receiver.out 'SIGRTMIN\+1 from PID [0-9]+, value 104$'
    stop_receiver
    [ "$(grep -c '^SIGUSR2 from' receiver.out)" -eq 1 ]
    expect_equal "$(values 'SIGRTMIN\+1')" "100 101 102 103 104 "
    grep -qE '^  SIGUSR2 +1$' receiver.out
    grep -qE '^  SIGRTMIN\+1 +5$' receiver.out
}

@test "sigfdreceiver: the signals are blocked, not caught (no handler); stopped, they wait pending, and watch shows them and the signalfd's mask" {
    # valgrind catches every signal itself: /proc shows its dispositions
    [ "${IPC_VALGRIND:-0}" = 1 ] && skip "under valgrind /proc shows valgrind's signal state"
    start_receiver
    blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$RPID/status")
    cgt=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$RPID/status")
    # HUP INT USR1 USR2 TERM = bits 0 1 9 11 14, SIGRTMIN..+7 = 34..41: bits 33..40
    (((16#$blk & 0x1fe00004a03) == 0x1fe00004a03))
    # nothing caught but what the sanitizers catch for themselves (BUS FPE SEGV)
    (((16#$cgt & 0x1fe00004a03) == 0))
    kill -STOP "$RPID"
    wait_until 10 stopped "$RPID"
    run prog signals/sigsender "$RPID" USR1 7
    run prog signals/sigsender "$RPID" RTMIN+2 8
    run "$REPO/scripts/watch" --once --dir "$BATS_TEST_TMPDIR" signalfd
    echo "$output"
    [ "$status" -eq 0 ]
    grep -qE "^  signalfd in $RPID sigfdreceiver \\(fd [0-9]+\\): HUP INT USR1 USR2 TERM RTMIN RTMIN\\+1 .* RTMIN\\+7\$" <<<"$output"
    grep -qE "^  $RPID sigfdreceiver: stopped\$" <<<"$output"
    grep -qE "^      signals pending: USR1 RTMIN\\+2  blocked: HUP INT USR1 USR2 TERM RTMIN .*RTMIN\\+7  caught: " <<<"$output"
    kill -CONT "$RPID"
    wait_for_line receiver.out '^SIGRTMIN\+2 from PID [0-9]+, value 8$'
    stop_receiver
    grep -q '^SIGUSR1 from PID [0-9]*, value 7$' receiver.out
}

@test "sigfdreceiver gets signals from kill of procps (kill -q VALUE), a tool nobody here wrote" {
    need /bin/kill procps
    /bin/kill --help 2>&1 | grep -q -- '--queue' || skip "needs a kill with -q, --queue (procps-ng 4 or util-linux)"
    start_receiver
    spawn k /bin/kill -q 42 -s RTMIN+2 "$RPID"
    kpid=$LAST_PID
    wait_exit "$kpid"
    [ "$EXIT_CODE" -eq 0 ]
    wait_for_line receiver.out "^SIGRTMIN\\+2 from PID $kpid, value 42\$"
    spawn k2 /bin/kill -s HUP "$RPID"
    kpid=$LAST_PID
    wait_exit "$kpid"
    wait_for_line receiver.out "^SIGHUP from PID $kpid \\(kill\\)\$"
    stop_receiver
}

@test "sigfdreceiver gets python3's os.kill and sigqueue (ctypes) with a value" {
    start_receiver
    py '
import ctypes, sys
pid = int(sys.argv[1])
os.kill(pid, signal.SIGUSR1)
libc = ctypes.CDLL(None, use_errno=True)
libc.sigqueue.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
assert libc.sigqueue(pid, signal.SIGRTMIN + 2, 42) == 0, os.strerror(ctypes.get_errno())
print(os.getpid())' "$RPID" >py.out
    pypid=$(cat py.out)
    wait_for_line receiver.out "^SIGUSR1 from PID $pypid \\(kill\\)\$"
    wait_for_line receiver.out "^SIGRTMIN\\+2 from PID $pypid, value 42\$"
    stop_receiver
}

@test "sigfdreceiver: signals blocked and pending before exec are read after it (the mask and pending signals survive execve; -t 0)" {
    # python3 blocks two signals, sends them to itself, and becomes the
    # receiver (same PID): -t 0 takes what is pending and does not wait.
    # (The prelude's alarm survives exec too, and bounds the receiver, if
    # SIGALRM has its default action: it may come ignored from our parent.)
    cmd_for signals/sigfdreceiver -t 0
    run --separate-stderr py '
import ctypes, sys
signal.signal(signal.SIGALRM, signal.SIG_DFL)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2, signal.SIGRTMIN + 5])
os.kill(os.getpid(), signal.SIGUSR2)
libc = ctypes.CDLL(None, use_errno=True)
libc.sigqueue.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
assert libc.sigqueue(os.getpid(), signal.SIGRTMIN + 5, 99) == 0
os.execvp(sys.argv[1], sys.argv[1:])' "${CMD[@]}"
    [ "$status" -eq 0 ]
    pid=$(sed -nE 's/^sigfdreceiver: PID ([0-9]+),.*/\1/p' <<<"$output")
    expect_equal "$output" "sigfdreceiver: PID $pid, waiting for signals (SIGTERM, Ctrl+C or q to stop)
SIGUSR2 from PID $pid (kill)
SIGRTMIN+5 from PID $pid, value 99
received:
  SIGUSR2      1
  SIGRTMIN+5   1"
}

@test "sigfdreceiver: a signal its parent ignored (nohup's SIGHUP) is still read: a blocked signal is never discarded" {
    cmd_for signals/sigfdreceiver
    spawn receiver env --ignore-signal=HUP,USR1 "${CMD[@]}"
    RPID=$LAST_PID
    wait_for_line receiver.out "^sigfdreceiver: PID $RPID,"
    kill -HUP "$RPID"
    run prog signals/sigsender "$RPID" USR1 3
    [ "$status" -eq 0 ]
    wait_for_line receiver.out "^SIGHUP from PID $$ \\(kill\\)\$"
    wait_for_line receiver.out '^SIGUSR1 from PID [0-9]+, value 3$'
    stop_receiver
}

@test "sigfdreceiver stops gracefully on SIGINT too, exit 0, with its counts" {
    start_receiver
    run prog signals/sigsender "$RPID" RTMIN 5
    wait_for_line receiver.out '^SIGRTMIN from PID [0-9]+, value 5$'
    kill -INT "$RPID"
    wait_exit "$RPID"
    [ "$EXIT_CODE" -eq 0 ]
    grep -qE '^  SIGRTMIN +1$' receiver.out
    grep -qE '^  SIGINT +1$' receiver.out
}

@test "sigfdreceiver: a burst of 1000 real-time signals while it is stopped: all 1000 wait in the kernel's queue, none lost (no pipe to fill)" {
    [ "$(ulimit -i)" = unlimited ] || [ "$(ulimit -i)" -ge 2000 ] || skip "ulimit -i is $(ulimit -i)"
    start_receiver
    kill -STOP "$RPID"
    wait_until 10 stopped "$RPID"
    run prog signals/sigsender -n 1000 "$RPID" RTMIN+3 1
    [ "$status" -eq 0 ]
    [ "$(sed -n 's/^SigQ:[[:space:]]*//p' "/proc/$RPID/status" | cut -d/ -f1)" -ge 1000 ]
    kill -CONT "$RPID"
    wait_for_line receiver.out 'SIGRTMIN\+3 from PID [0-9]+, value 1000$'
    stop_receiver
    grep -qE '^  SIGRTMIN\+3 +1000$' receiver.out
    expect_equal "$(values 'SIGRTMIN\+3')" "$(seq 1 1000 | tr '\n' ' ')"
}

@test "sigfdreceiver: past its RLIMIT_SIGPENDING (ulimit -i) the sender's sigqueue fails with EAGAIN; every one sent before arrives" {
    cmd_for signals/sigfdreceiver
    spawn receiver bash -c 'ulimit -i 200 && exec "$@"' _ "${CMD[@]}"
    RPID=$LAST_PID
    wait_for_line receiver.out "^sigfdreceiver: PID $RPID,"
    kill -STOP "$RPID"
    wait_until 10 stopped "$RPID"
    # The limit counts all of this user's pending signals, other processes'
    # too: at most 200 fit, perhaps fewer.
    run --separate-stderr prog signals/sigsender -n 400 "$RPID" RTMIN+4 0
    [ "$status" -eq 1 ]
    [[ "$stderr" == "sigsender: sigqueue SIGRTMIN+4 to $RPID: Resource temporarily unavailable" ]]
    kill -CONT "$RPID"
    # SIGTERM only once all are read: pending signals are read lowest
    # number first, and SIGTERM (15) would overtake SIGRTMIN+4.
    wait_until 30 drained "$RPID"
    kill -TERM "$RPID"
    wait_exit "$RPID"
    [ "$EXIT_CODE" -eq 0 ]
    n=$(grep -c '^SIGRTMIN+4 from' receiver.out)
    [ "$n" -ge 1 ]
    [ "$n" -le 200 ]
    expect_equal "$(values 'SIGRTMIN\+4')" "$(seq 0 $((n - 1)) | tr '\n' ' ')"
}

@test "SIGKILL cannot be blocked: sigfdreceiver dies at once, no summary; its pending signals die with it" {
    start_receiver
    kill -STOP "$RPID"
    wait_until 10 stopped "$RPID"
    run prog signals/sigsender -n 3 "$RPID" RTMIN+6 1
    [ "$status" -eq 0 ]
    run prog signals/sigsender "$RPID" KILL
    [ "$status" -eq 0 ]
    wait_exit "$RPID"
    [ "$EXIT_CODE" -eq 137 ]
    refute grep -q '^received:' receiver.out
    refute grep -q '^SIGRTMIN' receiver.out
    # no object outlives it: the next receiver starts with nothing pending
    mv receiver.out first.out
    start_receiver
    [ "$(sed -n 's/^SigPnd:[[:space:]]*//p' "/proc/$RPID/status")" = 0000000000000000 ]
    stop_receiver
    refute grep -q '^SIGRTMIN' receiver.out
}

@test "sigfdreceiver: a stop signal is never lost: SIGINT or SIGTERM at any moment ends it within the bound (before its mask: by the default action)" {
    signal_storm 15 INT signals/sigfdreceiver
    echo "INT statuses: $STORM_STATUSES, worst $STORM_WORST_MS ms"
    for s in $STORM_STATUSES; do case $s in 0 | 130) ;; *) return 1 ;; esac; done
    signal_storm 15 TERM signals/sigfdreceiver
    echo "TERM statuses: $STORM_STATUSES, worst $STORM_WORST_MS ms"
    for s in $STORM_STATUSES; do case $s in 0 | 143) ;; *) return 1 ;; esac; done
}

@test "sigfdreceiver: poll watches stdin too: a line q quits (exit 0, counts); end of input does not end it" {
    mkfifo in
    cmd_for signals/sigfdreceiver
    spawn receiver bash -c 'exec "$@" <in' _ "${CMD[@]}"
    RPID=$LAST_PID
    exec {w}<>in # read-write: never waits for the other end (Linux)
    wait_for_line receiver.out "^sigfdreceiver: PID $RPID,"
    rm in # both ends are open: the name is no longer needed
    echo hello >&"$w" # not q: ignored
    run prog signals/sigsender "$RPID" USR1 1
    wait_for_line receiver.out '^SIGUSR1 from PID [0-9]+, value 1$'
    echo q >&"$w"
    exec {w}>&-
    wait_exit "$RPID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(sed -n '/^received:$/,$p' receiver.out)" "received:
  SIGUSR1      1"
    # end of input: the signals are still watched, and it sleeps in poll
    # (a poll that still watched stdin would return at once, and spin)
    start_receiver </dev/null
    wait_in_kernel "$RPID" poll_schedule
    run prog signals/sigsender "$RPID" USR2 2
    wait_for_line receiver.out '^SIGUSR2 from PID [0-9]+, value 2$'
    stop_receiver
}

@test "sigfdreceiver: a line q quits wherever it falls in what one read returns (a pipe hands over several lines); a line quit does not" {
    run --separate-stderr prog signals/sigfdreceiver -t 5 <<<$'hello\nq\nmore'
    [ "$status" -eq 0 ]
    expect_equal "$(tail -n 1 <<<"$output")" "received:"
    [ -z "$stderr" ]
    run --separate-stderr prog signals/sigfdreceiver -t 0.5 <<<quit
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "sigfdreceiver: no signal came in 0.5 s"
}

@test "sigfdreceiver -t: SECONDS without a signal end it, exit 1 if none came, 0 if one did; -t 0 does not wait" {
    cmd_for signals/sigfdreceiver -t 0
    run --separate-stderr timeout -k 5 "$WAIT_LIMIT" "${CMD[@]}"
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == "sigfdreceiver: PID "*", waiting for signals"* ]]
    [ "${lines[1]}" = "received:" ]
    [ "${#lines[@]}" -eq 2 ]
    expect_equal "$stderr" "sigfdreceiver: no signal came in 0 s"
    start_receiver -t 2
    kill -USR1 "$RPID"
    wait_exit "$RPID"
    [ "$EXIT_CODE" -eq 0 ]
    grep -q "^SIGUSR1 from PID $$ (kill)$" receiver.out
    grep -qE '^  SIGUSR1 +1$' receiver.out
}

@test "sigfdreceiver: two receivers do not interfere: each reads only the signals sent to its PID (no names to share: a second instance is no conflict)" {
    start_receiver
    r1=$RPID
    mv receiver.out r1.out
    start_receiver
    r2=$RPID
    run prog signals/sigsender -n 3 "$r1" RTMIN+1 10
    run prog signals/sigsender -n 3 "$r2" RTMIN+1 20
    wait_for_line r1.out 'value 12$'
    wait_for_line receiver.out 'value 22$'
    kill -TERM "$r1"
    wait_exit "$r1"
    [ "$EXIT_CODE" -eq 0 ]
    stop_receiver
    expect_equal "$(values 'SIGRTMIN\+1')" "20 21 22 "
    mv receiver.out r2.out && mv r1.out receiver.out
    expect_equal "$(values 'SIGRTMIN\+1')" "10 11 12 "
}

# with_fds N COMMAND... : COMMAND with descriptors 0-2 only, and at most N.
with_fds() {
    # shellcheck disable=SC2016 # expanded by the inner bash
    bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -le 2 ] || eval "exec $fd>&-"; done
        ulimit -n "$1" && shift && exec "$@"' _ "$@"
}

@test "sigfdreceiver: out of descriptors (ulimit -n 3), signalfd fails with EMFILE, reported once, exit 1" {
    # It needs one descriptor past stdin, stdout and stderr: the signalfd.
    # With 3 a dynamically linked program cannot even load its C library
    # (ld.so opens it as descriptor 3), so a static build of the same source.
    need gcc gcc
    mkdir static
    gcc -static -std=c11 -I"$REPO/include" -o static/sigfdreceiver "$REPO/signals/sigfdreceiver.c" \
        "$REPO/include/ipc.c" 2>/dev/null || skip "no static C library (Debian libc6-dev)"
    run --separate-stderr with_fds 3 static/sigfdreceiver
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "sigfdreceiver: signalfd: Too many open files"
    [ -z "$output" ]
    # valgrind and the sanitizers need descriptors of their own (with 4,
    # LeakSanitizer's exit-time check spins)
    [ "${IPC_VALGRIND:-0}" = 1 ] || [ -n "${IPC_BIN_DIR:-}" ] && return 0
    # with 4 the build under test runs
    cmd_for signals/sigfdreceiver -t 0
    run --separate-stderr with_fds 4 "${CMD[@]}"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "sigfdreceiver: no signal came in 0 s"
}

@test "sigfdreceiver: --help names the partner and an example; bad options and arguments exit 2" {
    run --separate-stderr prog signals/sigfdreceiver --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: sigfdreceiver"*"Partner: sigsender"*"./sigfdreceiver "* ]]
    [[ "$output" == *"0: do not wait"* ]]
    run --separate-stderr prog signals/sigfdreceiver --bogus
    [ "$status" -eq 2 ]
    [[ "$stderr" == "sigfdreceiver: unknown option '--bogus'"$'\n'"Usage: sigfdreceiver"* ]]
    for bad in abc -1 1e9 ""; do
        run --separate-stderr prog signals/sigfdreceiver -t "$bad"
        [ "$status" -eq 2 ]
    done
    run --separate-stderr prog signals/sigfdreceiver -t
    [ "$status" -eq 2 ]
    run --separate-stderr prog signals/sigfdreceiver extra
    [ "$status" -eq 2 ]
    [[ "$stderr" == "sigfdreceiver: unexpected argument 'extra'"* ]]
}
