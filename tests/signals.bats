#!/usr/bin/env bats
# signals: shutdown (article part 3, Example 3) and the two-terminal pair
# sigreceiver/sigsender (beyond the article).

load test_helper

WOKE=$'\tChild just woke up, but going back to sleep.'
CLOSING=$'\tChild confirming received signal: 15\n\tChild about to terminate gracefully...\n\tChild terminating now...\nMy child terminated, about to exit myself...'

# check_shutdown_output TEXT MIN MAX : the article's lines, with MIN..MAX
# wake-ups (their number depends on timing: delay / nap, give or take one).
check_shutdown_output() {
    local text=$1 min=$2 max=$3 woke
    [ "$(head -n 1 <<<"$text")" = "Parent sleeping for a time..." ]
    woke=$(grep -c "^$WOKE\$" <<<"$text" || true)
    [ "$woke" -ge "$min" ] && [ "$woke" -le "$max" ]
    expect_equal "$(tail -n 4 <<<"$text")" "$CLOSING"
    [ "$(wc -l <<<"$text")" -eq $((woke + 5)) ]
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
    run --separate-stderr prog signals/shutdown
    [ "$status" -eq 0 ]
    check_shutdown_output "$output" 4 5
    [ -z "$stderr" ]
}

@test "shutdown with short delays: the same lines, printed by the main flow, not the handler (SIG-1)" {
    run --separate-stderr prog signals/shutdown -d 0.45 -n 0.1
    [ "$status" -eq 0 ]
    check_shutdown_output "$output" 2 5
}

@test "shutdown: output to a file or a pipe has every line once (SIG-2, S-9)" {
    cmd_for signals/shutdown -d 0.45 -n 0.1
    "${CMD[@]}" >out.txt
    check_shutdown_output "$(cat out.txt)" 2 5
    run bash -c '"$@" | cat' _ "${CMD[@]}"
    [ "$status" -eq 0 ]
    check_shutdown_output "$output" 2 5
}

@test "shutdown: SIGTERM sent before the child's handler exists is not lost (SIG-3)" {
    # -d 0: the parent signals right after fork, before the child runs.
    for _ in 1 2 3 4 5; do
        run --separate-stderr prog signals/shutdown -d 0 -n 0.01
        [ "$status" -eq 0 ]
        expect_equal "$output" "Parent sleeping for a time...
$CLOSING"
    done
}

@test "shutdown: kill -9 of the parent: the child is told (SIGTERM) and ends gracefully" {
    start_bg shutdown signals/shutdown -d 30 -n 0.05
    parent=$LAST_PID
    wait_for_line shutdown.out "$WOKE"
    child=$(pgrep -P "$parent" | head -n 1)
    kill -KILL "$parent"
    wait_exit "$parent"
    wait_until 10 refute alive "$child"
    wait_for_line shutdown.out $'^\tChild terminating now\.\.\.$'
}

@test "shutdown: a child that dies is reported with its signal (SIG-4)" {
    start_bg shutdown signals/shutdown -d 1.5 -n 0.05
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
    wait_until 10 stopped "$RPID"
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
