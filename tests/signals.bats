#!/usr/bin/env bats
# signals: shutdown (article part 3, Example 3) and the two-terminal pair
# sigreceiver/sigsender (beyond the article).

load test_helper

WOKE=$'\tChild just woke up, but going back to sleep.'
CLOSING=$'\tChild confirming received signal: 15\n\tChild about to terminate gracefully...\n\tChild terminating now...\nMy child terminated, about to exit myself...'

# run_shutdown file|pipe ARGS... : run shutdown with ARGS, its stdout to a
# file, or through cat; its output in SHUTDOWN_OUT, its stderr in err.txt,
# its status in SHUTDOWN_STATUS (shutdown's own, not cat's), the seconds it
# took in SHUTDOWN_SECONDS.
run_shutdown() {
    local mode=$1 t0=$EPOCHREALTIME
    shift
    cmd_for signals/shutdown "$@"
    SHUTDOWN_STATUS=0
    if [ "$mode" = pipe ]; then
        "${CMD[@]}" 2>err.txt | cat >out.txt || true
        SHUTDOWN_STATUS=${PIPESTATUS[0]}
    else
        "${CMD[@]}" >out.txt 2>err.txt || SHUTDOWN_STATUS=$?
    fi
    SHUTDOWN_SECONDS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
    SHUTDOWN_OUT=$(cat out.txt)
}

# check_shutdown DELAY NAP : the run of run_shutdown ended well and printed
# the article's lines: the first, some wake-ups, the four closing lines,
# nothing else. How many wake-ups depends on the machine's speed, so the
# count is checked against the time the run took: at least one (the parent
# waits DELAY, at least two naps), at most one per NAP of that time. The
# run itself lasts the parent's nap then the child's closing one, DELAY +
# NAP at least, and not much more (a bound scaled by IPC_TEST_WAIT): a
# shutdown that ignored -d or -n would be caught by one bound or the other.
check_shutdown() {
    local delay=$1 nap=$2 text=$SHUTDOWN_OUT woke most
    [ "$SHUTDOWN_STATUS" -eq 0 ]
    expect_equal "$(head -n 1 <<<"$text")" "Parent sleeping for a time..."
    woke=$(grep -c "^$WOKE\$" <<<"$text" || true)
    most=$(awk -v t="$SHUTDOWN_SECONDS" -v n="$nap" 'BEGIN { print int(t / n) + 1 }')
    [ "$woke" -ge 1 ]
    [ "$woke" -le "$most" ]
    expect_equal "$(tail -n 4 <<<"$text")" "$CLOSING"
    [ "$(wc -l <<<"$text")" -eq $((woke + 5)) ]
    awk -v t="$SHUTDOWN_SECONDS" -v d="$delay" -v n="$nap" -v w="$WAIT_LIMIT" \
        'BEGIN { if (t < d + n || t > d + n + w / 10) { print "took " t " s" > "/dev/stderr"; exit 1 } }'
}

# start_receiver : a sigreceiver in the background, its PID in $RPID.
start_receiver() {
    start_bg receiver signals/sigreceiver
    RPID=$LAST_PID
    wait_for_line receiver.out "^sigreceiver: PID $RPID, waiting for signals"
}

# stop_receiver : SIGTERM, graceful: exit 0 and a summary.
stop_receiver() {
    kill -TERM "$RPID"
    wait_exit "$RPID"
    [ "$EXIT_CODE" -eq 0 ]
    grep -q '^received:$' receiver.out
}

@test "shutdown, no arguments: the article's run (5 s, naps of 1 s)" {
    run_shutdown file
    check_shutdown 5 1
    [ ! -s err.txt ]
}

@test "shutdown with short delays: the same lines, printed by the main flow, not the handler (SIG-1)" {
    run_shutdown file -d 0.45 -n 0.1
    check_shutdown 0.45 0.1
}

@test "shutdown: output to a file or a pipe has every line once (SIG-2, S-9)" {
    run_shutdown file -d 0.45 -n 0.1
    check_shutdown 0.45 0.1
    run_shutdown pipe -d 0.45 -n 0.1
    check_shutdown 0.45 0.1
}

@test "shutdown: SIGTERM sent before the child's handler exists is not lost (SIG-3)" {
    # -d 0: the parent signals right after fork, before the child runs. The
    # outcome is the child's graceful end (whether it woke up first depends
    # on the machine's speed: its wake-up lines are left out).
    for _ in $(seq 20); do
        run --separate-stderr prog signals/shutdown -d 0 -n 0.01
        [ "$status" -eq 0 ]
        expect_equal "$(grep -v "^$WOKE\$" <<<"$output")" "Parent sleeping for a time...
$CLOSING"
    done
}

@test "shutdown: a SIGTERM that lands after the child looked at its flag and before its nap ends that nap at once, not a nap later (a stop signal is never lost)" {
    need gdb gdb
    [ "${IPC_VALGRIND:-0}" != 1 ] || skip "gdb cannot run a program under valgrind"
    # gdb follows the child and holds it at the C library's nap call, its
    # first: the flag was just found 0, the system call not yet made.
    # There the child gets SIGTERM (gdb passes it on: the handler runs).
    # Naps of 600 s: one more nap would be far past the bound below.
    spawn g gdb -q -batch -ex 'set follow-fork-mode child' -ex 'handle SIGTERM nostop noprint pass' \
        -ex 'break nanosleep' -ex 'break pselect' -ex run \
        -ex 'python import os; os.kill(gdb.selected_inferior().pid, 15)' -ex 'shell touch sent' -ex continue \
        --args "$BIN/signals/shutdown" -d 3600 -n 600
    wait_for_path sent
    wait_for_line g.out $'^\tChild confirming received signal: 15$'
    refute grep -q $'^\tChild just woke up' g.out
    # gdb's batch ends at the child's last nap, and kills the child; the
    # parent (detached, in a process group of its own) then reports that and
    # exits. Wait for both, or teardown may find the parent mid-exit.
    wait_exit "$LAST_PID"
    parent=$(sed -nE 's/^\[Detaching after fork from parent process ([0-9]+)\]$/\1/p' g.out)
    [ -n "$parent" ]
    wait_until "$WAIT_LIMIT" refute alive "$parent"
}

@test "shutdown: kill -9 of the parent: the child is told (SIGTERM) and ends gracefully" {
    start_bg shutdown signals/shutdown -d 30 -n 0.05
    parent=$LAST_PID
    wait_for_line shutdown.out "$WOKE"
    child=$(pgrep -P "$parent" | head -n 1)
    kill -KILL "$parent"
    wait_exit "$parent"
    wait_until "$WAIT_LIMIT" refute alive "$child"
    wait_for_line shutdown.out $'^\tChild terminating now\.\.\.$'
}

@test "shutdown: a child that dies is reported with its signal, at once (SIG-4)" {
    # The parent's nap (-d) is longer than the test may wait: it must see
    # the child's death when it happens (SIGCHLD), not at the end of it.
    start_bg shutdown signals/shutdown -d $((WAIT_LIMIT * 10)) -n 0.05
    parent=$LAST_PID
    wait_for_line shutdown.out "$WOKE"
    kill -KILL "$(pgrep -P "$parent" | head -n 1)"
    wait_exit "$parent"
    [ "$EXIT_CODE" -eq 1 ]
    grep -qE '^shutdown: child [0-9]+ was killed by signal 9 \(Killed\)$' shutdown.err
}

@test "sigsender: a value carried by sigqueue reaches sigreceiver with the sender's PID" {
    start_receiver
    run --separate-stderr prog signals/sigsender "$RPID" USR1 7
    [ "$status" -eq 0 ]
    expect_equal "$output" "sent SIGUSR1 to $RPID, value 7"
    wait_for_line receiver.out '^SIGUSR1 from PID [0-9]+, value 7$'
    stop_receiver
}

@test "real-time signals queue, standard ones coalesce (receiver stopped meanwhile)" {
    start_receiver
    kill -STOP "$RPID" # SIGSTOP cannot be caught: signals now stay pending
    wait_until "$WAIT_LIMIT" stopped "$RPID"
    run prog signals/sigsender -n 5 "$RPID" USR2
    [ "$status" -eq 0 ]
    run prog signals/sigsender -n 5 "$RPID" RTMIN+1 100
    [ "$status" -eq 0 ]
    kill -CONT "$RPID"
    wait_for_line receiver.out 'SIGRTMIN\+1 from PID [0-9]+, value 104$'
    stop_receiver
    [ "$(grep -c '^SIGUSR2 from' receiver.out)" -eq 1 ]
    expect_equal "$(grep -o 'SIGRTMIN+1 from PID [0-9]*, value [0-9]*' receiver.out | sed 's/.*value //' | tr '\n' ' ')" "100 101 102 103 104 "
    grep -qE '^  SIGUSR2 +1$' receiver.out
    grep -qE '^  SIGRTMIN\+1 +5$' receiver.out
}

@test "sigreceiver gets signals from the shell's kill, a tool nobody here wrote" {
    start_receiver
    kill -USR2 "$RPID"
    wait_for_line receiver.out "^SIGUSR2 from PID $$ \\(kill\\)$"
    kill -HUP "$RPID"
    wait_for_line receiver.out "^SIGHUP from PID $$ \\(kill\\)$"
    stop_receiver
    grep -q "^SIGTERM from PID $$ (kill)$" receiver.out
}

@test "sigreceiver gets python3's os.kill and sigqueue (ctypes) with a value" {
    start_receiver
    "$PY" -c '
import ctypes, os, signal, sys
pid = int(sys.argv[1])
os.kill(pid, signal.SIGUSR1)
libc = ctypes.CDLL(None, use_errno=True)
libc.sigqueue.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
assert libc.sigqueue(pid, signal.SIGRTMIN + 2, 42) == 0, os.strerror(ctypes.get_errno())
print(os.getpid())' "$RPID" >py.out
    py=$(cat py.out)
    wait_for_line receiver.out "^SIGUSR1 from PID $py \\(kill\\)$"
    wait_for_line receiver.out "^SIGRTMIN\\+2 from PID $py, value 42$"
    stop_receiver
}

@test "sigreceiver stops gracefully on SIGINT too, exit 0, with its counts" {
    start_receiver
    run prog signals/sigsender "$RPID" RTMIN 5
    wait_for_line receiver.out '^SIGRTMIN from PID [0-9]+, value 5$'
    kill -INT "$RPID"
    wait_exit "$RPID"
    [ "$EXIT_CODE" -eq 0 ]
    grep -qE '^  SIGRTMIN +1$' receiver.out
    grep -qE '^  SIGINT +1$' receiver.out
}

@test "sigreceiver survives a burst of signals: its handler only writes to a pipe (SIG-1)" {
    start_receiver
    run prog signals/sigsender -n 500 "$RPID" RTMIN+3 1
    [ "$status" -eq 0 ]
    wait_for_line receiver.out 'SIGRTMIN\+3 from PID [0-9]+, value 500$'
    stop_receiver
    grep -qE '^  SIGRTMIN\+3 +500$' receiver.out
}

# sig_bit PID FIELD SIGNO : signal SIGNO's bit is set in /proc/PID/status's FIELD
# (SigCgt: caught; ShdPnd: pending).
sig_bit() {
    local mask
    mask=$(awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status") || return 1
    [ -n "$mask" ] && (((16#$mask >> ($3 - 1)) & 1))
}

@test "hostile: sigreceiver whose pipe a burst filled still stops on SIGTERM, after printing what the pipe held (a stop signal is never lost)" {
    # Its stdout, a FIFO that python3 does not read yet: the main flow
    # blocks in write, the handler's records fill the self-pipe, and the
    # record of the SIGTERM that comes next finds no room.
    mkfifo stdout.fifo
    spawn_py reader '
import shutil, time
f = open("stdout.fifo", "rb")
while not os.path.exists("go"): time.sleep(0.01)
with open("received.txt", "wb") as out: shutil.copyfileobj(f, out)'
    cmd_for signals/sigreceiver
    spawn receiver sh -c 'exec "$@" >stdout.fifo' sh "${CMD[@]}"
    RPID=$LAST_PID
    wait_until "$WAIT_LIMIT" sig_bit "$RPID" SigCgt 34 # SIGRTMIN caught: the handlers are in place
    run prog signals/sigsender -n 3000 "$RPID" RTMIN 1
    [ "$status" -eq 0 ]
    wait_in_kernel "$RPID" pipe_write
    run prog signals/sigsender -n 5000 "$RPID" RTMIN 3001
    [ "$status" -eq 0 ]
    wait_until "$WAIT_LIMIT" refute sig_bit "$RPID" ShdPnd 34 # all delivered: the pipe is full
    kill -TERM "$RPID"
    wait_until "$WAIT_LIMIT" refute sig_bit "$RPID" ShdPnd 15
    touch go
    wait_exit "$RPID"
    [ "$EXIT_CODE" -eq 0 ]
    grep -q '^SIGTERM from PID [0-9]* (kill)$' received.txt
    grep -qE '^  SIGTERM +1$' received.txt
    grep -qE '^  \(([0-9]+) not recorded: the pipe was full\)$' received.txt
    [ "$(grep -c '^SIGRTMIN from PID' received.txt)" -eq "$(awk '$1 == "SIGRTMIN" && NF == 2 {print $2}' received.txt)" ]
    rm stdout.fifo
}

@test "SIGKILL cannot be caught: the receiver dies at once, no summary (SIG-5)" {
    start_receiver
    run prog signals/sigsender "$RPID" KILL
    [ "$status" -eq 0 ]
    wait_exit "$RPID"
    [ "$EXIT_CODE" -eq 137 ]
    refute grep -q '^received:' receiver.out
}

@test "sigsender: a bad PID or signal is a usage error (exit 2); no such process exits 1" {
    for bad in abc 0 -1 -- ""; do
        run --separate-stderr prog signals/sigsender "$bad" USR1
        [ "$status" -eq 2 ]
    done
    run --separate-stderr prog signals/sigsender 1234 NOSUCHSIG
    [ "$status" -eq 2 ]
    [[ "$stderr" == "sigsender: SIGNAL: unknown signal 'NOSUCHSIG'"* ]]
    run --separate-stderr prog signals/sigsender 1234 RTMIN+99
    [ "$status" -eq 2 ]
    # found by make fuzz: strtol saturates, the sum overflowed (UBSan)
    run --separate-stderr prog signals/sigsender 1234 RTMIN+99999999999999999999
    [ "$status" -eq 2 ]
    run --separate-stderr prog signals/sigsender 1234
    [ "$status" -eq 2 ]
    run --separate-stderr prog signals/sigsender 1234 USR1 notanumber
    [ "$status" -eq 2 ]
    # a PID that exists no more
    sh -c 'exit 0' &
    gone=$!
    wait "$gone"
    run --separate-stderr prog signals/sigsender "$gone" USR1
    [ "$status" -eq 1 ]
    [[ "$stderr" == "sigsender: sigqueue SIGUSR1 to $gone: No such process" ]]
}

@test "signals: --help names the partner; bad options exit 2" {
    for p in shutdown sigreceiver sigsender; do
        run --separate-stderr prog "signals/$p" --help
        [ "$status" -eq 0 ]
        [[ "$output" == "Usage: $p"*"Partner: "* ]]
        run --separate-stderr prog "signals/$p" --bogus
        [ "$status" -eq 2 ]
        [[ "$stderr" == "$p: unknown option '--bogus'"$'\n'"Usage: $p"* ]]
    done
    run --separate-stderr prog signals/shutdown -n 0
    [ "$status" -eq 2 ]
}

@test "shutdown: SIGINT or SIGTERM to the parent: it ends by that signal, the kernel tells the child, which ends gracefully" {
    for sig in INT TERM; do
        start_bg "s$sig" signals/shutdown -d $((WAIT_LIMIT * 10)) -n 0.05
        parent=$LAST_PID
        wait_for_line "s$sig.out" "$WOKE"
        child=$(pgrep -P "$parent" | head -n 1)
        kill -"$sig" "$parent"
        wait_exit "$parent"
        [ "$EXIT_CODE" -eq $((128 + $(kill -l "$sig"))) ]
        wait_until "$WAIT_LIMIT" refute alive "$child"
        wait_for_line "s$sig.out" $'^\tChild terminating now\\.\\.\\.$'
        grep -q $'^\tChild confirming received signal: 15$' "s$sig.out"
    done
}

@test "sigsender -n: values past the largest int are refused (exit 2), not wrapped" {
    start_receiver
    run --separate-stderr prog signals/sigsender -n 2 "$RPID" RTMIN 2147483647
    [ "$status" -eq 2 ]
    [[ "$stderr" == "sigsender: VALUE + COUNT - 1 is past 2147483647, the largest int"$'\n'"Usage: sigsender"* ]]
    run --separate-stderr prog signals/sigsender -n 2 "$RPID" RTMIN 2147483646
    [ "$status" -eq 0 ]
    expect_equal "$output" "sent SIGRTMIN to $RPID 2 times, values 2147483646..2147483647"
    wait_for_line receiver.out 'SIGRTMIN from PID [0-9]+, value 2147483647$'
    stop_receiver
    expect_equal "$(grep -c '^SIGRTMIN from' receiver.out)" 2
    refute grep -q 'value -' receiver.out
}

@test "hostile: SIGINT and SIGTERM at random moments: the shutdown parent ends by it, sigreceiver exits 0 (signal_storm)" {
    for sig in INT TERM; do
        signal_storm 15 "$sig" signals/shutdown -d 30 -n 0.02
        expect_equal "$STORM_STATUSES" "$((128 + $(kill -l "$sig")))"
        signal_storm 15 "$sig" signals/sigreceiver
        # 0: handled, with its summary; 130/143: the signal came before the
        # handler existed (the default action)
        for st in $STORM_STATUSES; do
            [[ " 0 $((128 + $(kill -l "$sig"))) " == *" $st "* ]]
        done
    done
    # every child the storm's parents left ends by itself (PR_SET_PDEATHSIG)
    wait_until "$WAIT_LIMIT" refute grep -qlxz "IPC_TEST_TAG=$TAG" /proc/[0-9]*/environ
}

@test "hostile: out of file descriptors (ulimit -n): sigreceiver says so once and exits 1" {
    [ "${IPC_VALGRIND:-0}" = 0 ] || skip "valgrind itself needs more descriptors than the limits tried here"
    cmd_for signals/sigreceiver
    # only stdin, stdout and stderr open (bats keeps others); LeakSanitizer
    # off (it needs descriptors of its own at exit, and spins without them)
    # shellcheck disable=SC2016 # expanded by the inner bash
    run --separate-stderr env "ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0" bash -c 'for f in /proc/$$/fd/*; do
        f=${f##*/}; [ "$f" -le 2 ] || eval "exec $f>&-"; done
        ulimit -n 4 && exec timeout -k 5 60 "$@"' _ "${CMD[@]}"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "sigreceiver: pipe: Too many open files"
}

@test "hostile: two sigreceivers at once: each gets only the signals sent to its own PID" {
    start_bg r1 signals/sigreceiver
    r1=$LAST_PID
    wait_for_line r1.out "PID $r1, waiting"
    start_bg r2 signals/sigreceiver
    r2=$LAST_PID
    wait_for_line r2.out "PID $r2, waiting"
    run prog signals/sigsender "$r1" USR1 1
    [ "$status" -eq 0 ]
    run prog signals/sigsender "$r2" USR1 2
    [ "$status" -eq 0 ]
    wait_for_line r1.out 'value 1$'
    wait_for_line r2.out 'value 2$'
    kill -TERM "$r1" "$r2"
    wait_exit "$r1"
    wait_exit "$r2"
    refute grep -q 'value 2$' r1.out
    refute grep -q 'value 1$' r2.out
}
