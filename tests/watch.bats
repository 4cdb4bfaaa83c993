#!/usr/bin/env bats
# scripts/watch (make watch PAIR=x): the kernel's side of a pair. Each pair
# is held still mid-exchange (a partner that waits, a python3 peer that
# holds the other end) and the snapshot must show each field; then the
# exchange completes as usual. Watching must change nothing: every pair of
# scripts/pairs.sh runs the same with snapshots taken throughout.

load test_helper

WATCH=$BATS_TEST_DIRNAME/../scripts/watch

# snap PAIR : one snapshot of this test's processes (--dir: only those
# running in the test's directory), in $output; it must succeed.
snap() {
    run "${NS[@]}" "$WATCH" --once --dir "$BATS_TEST_TMPDIR" "$1"
    echo "$output"
    [ "$status" -eq 0 ]
}

# has REGEX : the last snapshot has a line matching REGEX.
has() {
    if ! grep -qE -- "$1" <<<"$output"; then
        echo "snapshot lacks /$1/" >&2
        return 1
    fi
}

@test "watch: --help names the pairs; an unknown pair, option or interval is a usage error" {
    run "$WATCH" --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: scripts/watch "* ]]
    [[ "$output" == *"shared-memory"*"sockets-unix"* ]]
    run "$WATCH" --once nosuchpair
    [ "$status" -eq 2 ]
    run "$WATCH" --bogus sockets
    [ "$status" -eq 2 ]
    run "$WATCH" -i 0 sockets
    [ "$status" -eq 2 ]
    run "$WATCH"
    [ "$status" -eq 2 ]
}

@test "watch shared-memory: segment, both semaphores' values and waiters, the writer's lock, blocked in futex" {
    start_bg w shared-memory/memwriter -m "/$TAG" -s "/${TAG}s" -t 60
    writer=$LAST_PID
    wait_for_line w.err 'waiting for memreader'
    wait_in_kernel "$writer" futex
    snap shared-memory
    has "^  shm +/$TAG +512 bytes 0600  \"This is the way the world ends...\"  mapped by $writer memwriter"
    has "^  sem +/${TAG}s +value 1 "
    has "^  sem +/${TAG}s-done +value 0, 1 waiting"
    has "glibc's sem_t layout"
    has "^  WRITE POSIX +/$TAG +held by $writer memwriter"
    has "^  $writer memwriter: blocked in [a-z_]*futex"
    # the reader then gets the text, and the writer its "done"
    run prog shared-memory/memreader -m "/$TAG" -s "/${TAG}s"
    [ "$status" -eq 0 ]
    [ "$output" = "This is the way the world ends..." ]
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 0 ]
}

@test "watch message-queues: qnum, cbytes and lspid of a queue a python3 sender holds, the receiver blocked in msgrcv" {
    need_py_module sysv_ipc python3-sysv-ipc
    touch keyfile hold
    key=$(ftok_key keyfile 123)
    track_sysv_key "$key"
    start_bg r message-queues/receiver -k keyfile -t 60
    receiver=$LAST_PID
    # two type-1 messages; the receiver asks for type 3 first and blocks
    spawn_py peer 'import sys, time, os, sysv_ipc
q = sysv_ipc.MessageQueue(sysv_ipc.ftok("keyfile", 123, silence_warning=True), sysv_ipc.IPC_CREAT, 0o600)
q.send(b"msg1\0", type=1); q.send(b"msg2\0", type=1)
print("sent", flush=True)
while os.path.exists("hold"): time.sleep(0.01)
for text, t in ((b"msg3\0", 2), (b"msg4\0", 2), (b"msg5\0", 3), (b"msg6\0", 3)): q.send(text, type=t)'
    peer=$LAST_PID
    wait_for_line peer.out '^sent$'
    wait_in_kernel "$receiver" msgrcv
    snap message-queues
    has "^  sysvq key $key id [0-9]+  qnum 2  cbytes 10  lspid $peer \(python3\)  lrpid 0  600"
    has "^  $receiver receiver: blocked in [a-z_]*msgrcv.*\(msgrcv on id [0-9]+\)"
    rm hold
    wait_exit "$receiver"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat r.out)" "$(printf 'msg%s received as type %s\n' 5 3 1 1 3 2 2 1 6 3 4 2)"
    wait_exit "$peer"
}

@test "watch shared-files: the lock a python3 holder has, the producer's request blocked behind it" {
    touch hold
    echo old >data.dat
    spawn_py holder 'import fcntl, os, time
f = open("data.dat", "r+"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True)
while os.path.exists("hold"): time.sleep(0.01)'
    holder=$LAST_PID
    wait_for_line holder.out '^locked$'
    start_bg p shared-files/producer -f data.dat -t 60
    producer=$LAST_PID
    wait_in_kernel "$producer" 'lock|fcntl'
    snap shared-files
    has "^  file +data.dat +4 bytes "
    has "^  WRITE POSIX +data.dat +held by $holder python3 "
    has "^  WRITE POSIX +data.dat +wanted by $producer producer \(blocked\)"
    has "^  $producer producer: blocked in [a-z_]*(lock|fcntl).*\(fcntl on fd [0-9]+ data.dat\)"
    rm hold
    wait_exit "$producer"
    [ "$EXIT_CODE" -eq 0 ]
    run prog shared-files/consumer -f data.dat
    [ "$output" = $'Now is the winter of our discontent\nMade glorious summer by this sun of York' ]
}

@test "watch sockets: listener and accept queue, a silent client's connection with Recv-Q/Send-Q, then the port's TIME-WAIT" {
    port=$(free_port)
    touch hold
    start_bg s sockets/server -p "$port"
    server=$LAST_PID
    wait_for_port "$port"
    spawn_py peer 'import os, socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); print("connected", flush=True)
while os.path.exists("hold"): time.sleep(0.01)' "$port"
    wait_for_line peer.out '^connected$'
    wait_until 30 grep -q 'ESTABLISHED' <("${NS[@]}" "$WATCH" --once --dir "$BATS_TEST_TMPDIR" sockets)
    snap sockets
    has "^  tcp +LISTEN 127.0.0.1:$port  accept queue 0  held by $server server"
    # the fork server: a child of its own holds the connection (S-7)
    has "^  tcp +ESTABLISHED 127.0.0.1:$port -> 127.0.0.1:[0-9]+  Recv-Q 0 Send-Q 0  held by [0-9]+ server"
    refute has "^  tcp +ESTABLISHED 127.0.0.1:$port -> 127.0.0.1:[0-9]+  Recv-Q 0 Send-Q 0  held by $server server"
    has "^  $server server: blocked in [a-z_]"
    has "^  [0-9]+ server: blocked in .* child of $server"
    rm hold
    wait_exit "$LAST_PID"
    run prog sockets/client -p "$port"
    [ "$status" -eq 0 ]
    # the client closed first: its end waits in TIME-WAIT, no process holds it
    snap sockets
    has "^  tcp +127.0.0.1:[0-9]+ <-> 127.0.0.1:$port TIME-WAIT"
    kill -TERM "$server"
    wait_exit "$server"
}

@test "watch sockets-unix: the socket path listening and a connected client, with their queues" {
    need ss iproute2
    touch hold
    start_bg s sockets/server -u srv.sock
    server=$LAST_PID
    wait_for_path srv.sock
    spawn_py peer 'import os, socket, time
c = socket.socket(socket.AF_UNIX); c.connect("srv.sock"); print("connected", flush=True)
while os.path.exists("hold"): time.sleep(0.01)'
    wait_for_line peer.out '^connected$'
    wait_until 30 grep -q 'connected' <("${NS[@]}" "$WATCH" --once --dir "$BATS_TEST_TMPDIR" sockets-unix)
    snap sockets-unix
    has "^  unix +srv.sock +stream LISTEN  Recv-Q 0 Send-Q [0-9]+  held by $server server"
    has "^  unix +srv.sock +stream connected  Recv-Q 0 Send-Q 0  held by [0-9]+ server"
    rm hold
    wait_exit "$LAST_PID"
    kill -TERM "$server"
    wait_exit "$server"
    refute test -e srv.sock
}

@test "watch pipes: a FIFO writer blocked for a reader, then in pipe_write behind a python3 reader that does not read" {
    start_bg w pipes/fifoWriter -n 1000 -d 0 -t 60
    writer=$LAST_PID
    wait_for_path fifoChannel
    wait_in_kernel "$writer" 'fifo|partner|open'
    snap pipes
    has "^  fifo +fifoChannel +readers: none  writers: none"
    has "^  $writer fifoWriter: blocked in [a-z_]*(fifo|partner|open)"
    # watch opened no end: the writer still waits for its reader
    refute grep -q 'sent to the pipe' w.out
    alive "$writer"
    touch hold
    spawn_py reader 'import os, time
f = open("fifoChannel", "rb"); print("open", flush=True)
while os.path.exists("hold"): time.sleep(0.01)
n = 0
while True:
    b = f.read(65536)
    if not b: break
    n += len(b)
print(n, flush=True)'
    reader=$LAST_PID
    wait_in_kernel "$writer" pipe_write
    snap pipes
    has "^  fifo +fifoChannel.* readers: $reader python3  writers: $writer fifoWriter"
    has "^  $writer fifoWriter: blocked in [a-z_]*pipe_write \(write on fd [0-9]+ fifoChannel"
    rm hold
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$reader"
    [ "$(tail -n 1 reader.out)" = 256000 ]
}

@test "watch signals: a blocked signal pending, a stopped receiver's pending signals, the caught ones, decoded" {
    # valgrind catches every signal itself: /proc shows its dispositions
    [ "${IPC_VALGRIND:-0}" = 1 ] && skip "under valgrind /proc shows valgrind's signal state"
    # sigreceiver inherits a mask that blocks SIGUSR2 (a mask survives exec)
    cmd_for signals/sigreceiver
    spawn r "$PY" -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
os.execvp(sys.argv[1], sys.argv[1:])' "${CMD[@]}"
    receiver=$LAST_PID
    wait_for_line r.out '^sigreceiver: PID'
    run prog signals/sigsender "$receiver" USR2 1
    [ "$status" -eq 0 ]
    kill -STOP "$receiver"
    wait_until 10 stopped "$receiver"
    run prog signals/sigsender "$receiver" USR1 7
    run prog signals/sigsender "$receiver" RTMIN+2 8
    snap signals
    has "^  $receiver sigreceiver: stopped"
    has "^      signals pending: USR1 USR2 RTMIN\+2  blocked: USR2  caught: "
    # what it catches (the sanitizers add their own: BUS, FPE, SEGV)
    caught=" $(sed -nE 's/.* caught: (.*)  ignored:.*/\1/p; t; s/.* caught: //p' <<<"$output" | tail -n 1) "
    for sig in HUP INT USR1 USR2 TERM RTMIN RTMIN+{1..7}; do
        [[ "$caught" == *" $sig "* ]]
    done
    kill -CONT "$receiver"
    wait_for_line r.out '^SIGRTMIN\+2 from PID [0-9]+, value 8$'
    kill -TERM "$receiver"
    wait_exit "$receiver"
    [ "$EXIT_CODE" -eq 0 ]
    grep -q '^SIGUSR1 from PID [0-9]*, value 7$' r.out
    refute grep -q '^SIGUSR2 from' r.out # still blocked
}

@test "watch posix-mq: the article's queue and its QSIZE between sender and receiver; reading it received nothing" {
    private_namespace
    run prog message-queues/mqsender
    [ "$status" -eq 0 ]
    for _ in 1 2 3; do
        snap posix-mq
        has "^  mq +/mqpair +QSIZE 30 bytes"
    done
    run prog message-queues/mqreceiver
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 6 ]
    [ "${lines[0]}" = "msg5 received with priority 3" ]
}

@test "watch shutdown: parent and forked child, asleep, the child catching SIGTERM" {
    start_bg s signals/shutdown -d 60 -n 60
    parent=$LAST_PID
    wait_until 30 pgrep -P "$parent"
    child=$(pgrep -P "$parent")
    # the child naps in pselect (SIGTERM let in only while it waits: SIG-3)
    wait_in_kernel "$child" poll_schedule_timeout
    snap shutdown
    has "^  $parent shutdown: blocked in [a-z_.0-9]* \(rt_sigtimedwait\)"
    has "^  $child shutdown: blocked in [a-z_.0-9]* \(pselect6\)  child of $parent$"
    [ "${IPC_VALGRIND:-0}" = 1 ] || has "^      signals .* caught: ([A-Z0-9+ ]* )?TERM( |$)"
    kill -KILL -- "-$parent" # both, without their minute-long naps
    wait_exit "$parent"
    wait_until 10 refute alive "$child"
}

# article_run NAME SNAP : the pair's article run with its defaults (how it
# goes: PAIR_MODE of scripts/pairs.sh), in a directory of its own; each
# side's stdout and exit status are appended to out.SNAP. With SNAP=1, watch
# takes snapshots in a loop all along, and one at each step of the run.
article_run() {
    local name=$1 snap=$2 dir left right pid loop=
    pair_info "$name"
    dir=$BATS_TEST_TMPDIR/run$snap-$name
    mkdir -p "$dir"
    cd "$dir" || return 1
    read -ra left <<<"$PAIR_LEFT"
    read -ra right <<<"$PAIR_RIGHT"
    if [ "$snap" = 1 ]; then
        touch watching
        # shellcheck disable=SC2016 # expanded by the inner bash
        spawn loop bash -c 'n=0
            while [ -e "$1" ]; do "$2" --once --dir "$3" "$4" >/dev/null || exit 1; n=$((n + 1)); done
            echo "$n"' _ "$dir/watching" "$WATCH" "$dir" "$name"
        loop=$LAST_PID
    fi
    step() {
        [ "$snap" = 1 ] || return 0
        "${NS[@]}" "$WATCH" --once --dir "$dir" "$name" >>snaps
    }
    # side WORDS... : run one side in the foreground, output kept
    side() {
        local st=0
        prog "$PAIR_DIR/$1" "${@:2}" >side.out 2>side.err || st=$?
        { cat side.out; echo "[$1 exit $st]"; } >>"$BATS_TEST_TMPDIR/out.$snap"
    }
    # bg_end LOG PID : wait for a background side, keep its output
    bg_end() {
        wait_exit "$2" || return 1
        { cat "$1.out"; echo "[$1 exit $EXIT_CODE]"; } >>"$BATS_TEST_TMPDIR/out.$snap"
    }
    echo "== $name" >>"$BATS_TEST_TMPDIR/out.$snap"
    case $PAIR_MODE in
    one)
        start_bg left "$PAIR_DIR/${left[0]}" "${left[@]:1}"
        pid=$LAST_PID
        step || return 1
        bg_end left "$pid" || return 1 ;;
    seq)
        side "${right[@]}"
        step || return 1
        side "${left[@]}" ;;
    both | stop)
        start_bg left "$PAIR_DIR/${left[0]}" "${left[@]:1}"
        pid=$LAST_PID
        step || return 1
        side "${right[@]}"
        step || return 1
        [ "$PAIR_MODE" = stop ] && kill -TERM "$pid"
        bg_end left "$pid" || return 1 ;;
    sig)
        start_bg left "$PAIR_DIR/${left[0]}" "${left[@]:1}"
        pid=$LAST_PID
        wait_for_line left.out 'PID [0-9]+' || return 1
        step || return 1
        side "${right[@]/#PID/$pid}"
        wait_for_line left.out 'value' || return 1
        step || return 1
        kill -TERM "$pid"
        bg_end left "$pid" || return 1 ;;
    esac
    if [ -n "$loop" ]; then
        rm watching
        wait_exit "$loop" || return 1
        if [ "$EXIT_CODE" -ne 0 ]; then
            echo "a watch snapshot failed during $name" >&2
            return 1
        fi
        [ -s snaps ] || return 1
    fi
    cd "$BATS_TEST_TMPDIR" || return 1
}

# PIDs, addresses and how many times a sleeper woke up vary from run to run.
normalize() {
    sed -E -e 's/(Process|PID|to|child) [0-9]+/\1 N/g' -e 's/0x[0-9a-f]{6,}/0xADDR/g' "$1" | uniq
}

@test "watch changes nothing: every pair of scripts/pairs.sh runs the same with snapshots taken throughout" {
    private_namespace # the article's default names, ours alone
    . "$REPO/scripts/pairs.sh"
    for name in $PAIR_NAMES; do
        article_run "$name" 0
        article_run "$name" 1
    done
    expect_equal "$(normalize out.1)" "$(normalize out.0)"
    # every pair ran, and ran well
    [ "$(grep -c '^== ' out.0)" -eq "$(wc -w <<<"$PAIR_NAMES")" ]
    refute grep -E 'exit [1-9]' out.0
    grep -q '^Received ints: 768000, primes: 37682$' out.1
}
