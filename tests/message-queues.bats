#!/usr/bin/env bats
# message-queues: System V sender/receiver (article part 2, Examples 4-6) and
# the POSIX pair mqsender/mqreceiver (beyond the article, MQ-7).

load test_helper

SENT="msg1 sent as type 1
msg2 sent as type 1
msg3 sent as type 2
msg4 sent as type 2
msg5 sent as type 3
msg6 sent as type 3"
RECEIVED="msg5 received as type 3
msg1 received as type 1
msg3 received as type 2
msg2 received as type 1
msg6 received as type 3
msg4 received as type 2"
MQ_RECEIVED="msg5 received with priority 3
msg6 received with priority 3
msg3 received with priority 2
msg4 received with priority 2
msg1 received with priority 1
msg2 received with priority 1"

local_setup() {
    touch keyfile
    KEY=$(ftok_key keyfile 123)
    track_sysv_key "$KEY"
    K=(-k keyfile)
    MQ="/mq$TAG"
}

# py_sysv CODE : python3 with sysv_ipc, a client nobody here wrote; the key
# is in sys.argv[1]. Skips the test when the module is missing.
SYSV_PRELUDE="import sysv_ipc, sys, os; key = int(sys.argv[1], 16)
"
py_sysv() {
    need_py_module sysv_ipc python3-sysv-ipc
    py "$SYSV_PRELUDE$1" "$KEY" "${@:2}"
}

# py_hold_queue [PAYLOAD TYPE] : a live python3 sender that sent one message
# (default: "one", type 1, so a receiver asking for type 3 blocks) and stays
# until ./hold is removed.
py_hold_queue() {
    need_py_module sysv_ipc python3-sysv-ipc
    touch hold
    spawn_py py "$SYSV_PRELUDE"'
q = sysv_ipc.MessageQueue(key, sysv_ipc.IPC_CREX, mode=0o600)
q.send(sys.argv[2].encode() + b"\0", type=int(sys.argv[3]))
print("sent", flush=True)
import time
while os.path.exists("hold"): time.sleep(0.01)' "$KEY" "${1:-one}" "${2:-1}"
    HOLDER=$LAST_PID
    wait_for_line py.out sent
}

# py_sysv_leave N : what a run killed part way leaves: a queue with N old
# messages (types 3, 1, 2, ...), whose last sender is gone (N=0: an empty
# queue, as a sender killed between msgget and its first msgsnd leaves).
py_sysv_leave() {
    py_sysv '
q = sysv_ipc.MessageQueue(key, sysv_ipc.IPC_CREX, mode=0o600)
for t in (3, 1, 2, 1, 3)[:int(sys.argv[2])]:
    q.send(b"old\0", type=t)' "$1"
}

# spawn_stopped LOG SYSCALL N NAME ARGS... : start one of the suite's
# programs under strace, which stops it (SIGSTOP) as it enters its Nth
# SYSCALL, e.g. in the middle of its run, holding its queue. The program's
# PID is left in STOPPED (`kill -CONT "$STOPPED"` lets it go on), strace's in
# LAST_PID (strace ends with the program's exit status). Not under valgrind;
# under ASan without LeakSanitizer, which does not work under ptrace.
spawn_stopped() {
    local log=$1 call=$2 n=$3 name=$4
    shift 4
    need strace strace
    spawn "$log" env "ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0" strace -qq -o /dev/null -e trace="$call" \
        -e inject="$call:signal=SIGSTOP:when=$n" "$BIN/$name" "$@"
    wait_until "$WAIT_LIMIT" stopped_child "$LAST_PID"
}
backing_off_or_gone() { grep -q nanosleep "/proc/$1/wchan" 2>/dev/null || ! alive "$1"; }
stopped_child() { STOPPED=$(pgrep -P "$1") && [ "$(proc_state "$STOPPED")" = t ]; }

# in_msgrcv PID : the process sleeps in the kernel's msgrcv.
in_msgrcv() { grep -q msgrcv "/proc/$1/wchan" 2>/dev/null; }

queue_perms() { ipcs -q | awk -v k="$KEY" 'tolower($1) == tolower(k) {print $4}'; }

@test "no arguments: the article's run, from two different working directories (MQ-5)" {
    private_namespace # the default key is machine-wide
    default_key=$(ftok_key "$BIN/message-queues/queue.h" 123)
    track_sysv_key "$default_key"
    mkdir one two
    cd one
    run --separate-stderr prog message-queues/sender
    [ "$status" -eq 0 ]
    expect_equal "$output" "$SENT"
    sysv_queue_exists "$default_key" # the queue outlives the sender
    cd ../two
    run --separate-stderr prog message-queues/receiver
    [ "$status" -eq 0 ]
    expect_equal "$output" "$RECEIVED"
    refute sysv_queue_exists "$default_key" # removed by the receiver
}

@test "receiver started first blocks until the sender comes (MQ-3)" {
    start_bg receiver message-queues/receiver "${K[@]}"
    wait_for_line receiver.err "waiting for a sender to create the queue \\(key $KEY\\)"
    run prog message-queues/sender "${K[@]}"
    [ "$status" -eq 0 ]
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat receiver.out)" "$RECEIVED"
    [ "$(grep -c waiting receiver.err)" -eq 1 ]
}

@test "the queue is created 0600 (MQ-6)" {
    run prog message-queues/sender "${K[@]}"
    [ "$(queue_perms)" = 600 ]
    run prog message-queues/receiver "${K[@]}"
    [ "$status" -eq 0 ]
}

@test "python3 sysv_ipc reads what sender sent: payload-sized messages, every send checked (MQ-1, MQ-2)" {
    need_py_module sysv_ipc python3-sysv-ipc
    run prog message-queues/sender "${K[@]}"
    [ "$status" -eq 0 ]
    run py_sysv '
q = sysv_ipc.MessageQueue(key)
for t in (3, 1, 2, 1, 3, 2):
    m, typ = q.receive(type=t, block=False)
    print(m, typ)
q.remove()'
    [ "$status" -eq 0 ]
    expect_equal "$output" "b'msg5\\x00' 3
b'msg1\\x00' 1
b'msg3\\x00' 2
b'msg2\\x00' 1
b'msg6\\x00' 3
b'msg4\\x00' 2"
}

@test "receiver reads what python3 sysv_ipc sent" {
    need_py_module sysv_ipc python3-sysv-ipc
    py_sysv '
q = sysv_ipc.MessageQueue(key, sysv_ipc.IPC_CREX, mode=0o600)
for i, t in enumerate((1, 1, 2, 2, 3, 3)):
    q.send(b"py%d\0" % (i + 1), type=t)'
    run prog message-queues/receiver "${K[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "py5 received as type 3
py1 received as type 1
py3 received as type 2
py2 received as type 1
py6 received as type 3
py4 received as type 2"
}

@test "a stale queue's leftovers never reach a new run, receiver first (MQ-4)" {
    need_py_module sysv_ipc python3-sysv-ipc
    py_sysv '
q = sysv_ipc.MessageQueue(key, sysv_ipc.IPC_CREX, mode=0o600)
for t in (3, 1, 2):
    q.send(b"old\0", type=t)'
    start_bg receiver message-queues/receiver "${K[@]}"
    wait_for_line receiver.err "removed a stale queue with 3 leftover messages"
    wait_for_line receiver.err "waiting for a sender"
    run prog message-queues/sender "${K[@]}"
    [ "$status" -eq 0 ]
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat receiver.out)" "$RECEIVED"
}

@test "a stale queue's leftovers never reach a new run, sender first (MQ-4)" {
    need_py_module sysv_ipc python3-sysv-ipc
    py_sysv '
q = sysv_ipc.MessageQueue(key, sysv_ipc.IPC_CREX, mode=0o600)
q.send(b"old\0", type=3)'
    run --separate-stderr prog message-queues/sender "${K[@]}"
    [ "$status" -eq 0 ]
    [[ "$stderr" == "sender: removed a queue left by an earlier run (key $KEY)" ]]
    run prog message-queues/receiver "${K[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$RECEIVED"
}

@test "SIGINT or SIGTERM to a receiver blocked in msgrcv removes the queue" {
    need_py_module sysv_ipc python3-sysv-ipc
    for sig in INT TERM; do
        py_hold_queue
        start_bg "r$sig" message-queues/receiver "${K[@]}"
        wait_until "$WAIT_LIMIT" in_msgrcv "$LAST_PID"
        kill -"$sig" "$LAST_PID"
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq $((128 + $(kill -l "$sig"))) ]
        refute sysv_queue_exists "$KEY"
        rm hold
        wait_exit "$HOLDER"
    done
}

@test "a receiver that times out exits 1 and removes the queue (MQ-4)" {
    need_py_module sysv_ipc python3-sysv-ipc
    py_hold_queue
    # The outcome, not the timing: under valgrind the half second may be
    # gone before the receiver has even found the queue.
    run --separate-stderr prog message-queues/receiver "${K[@]}" -t 0.5
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"receiver: gave up after 0.5 s"* ]]
    refute sysv_queue_exists "$KEY"
    rm hold
    wait_exit "$HOLDER"
}

@test "receiver with no sender gives up after --timeout, exit 1" {
    run --separate-stderr prog message-queues/receiver "${K[@]}" -t 0.3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"receiver: gave up after 0.3 s: no sender created the queue" ]]
}

@test "System V: --help names the partner; bad id, option or argument exit 2" {
    run --separate-stderr prog message-queues/sender --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Partner: receiver"* ]]
    run --separate-stderr prog message-queues/receiver -h
    [ "$status" -eq 0 ]
    [[ "$output" == *"Partner: sender"* ]]
    run --separate-stderr prog message-queues/sender -i 0
    [ "$status" -eq 2 ]
    run --separate-stderr prog message-queues/sender -i 256 # only 8 bits count (MQ-5)
    [ "$status" -eq 2 ]
    [[ "$stderr" == "sender: --id: expected a whole number from 1 to 255, got '256'"* ]]
    run --separate-stderr prog message-queues/receiver --what
    [ "$status" -eq 2 ]
}

@test "POSIX: mqsender then mqreceiver, highest priority first (MQ-7)" {
    run --separate-stderr prog message-queues/mqsender -q "$MQ"
    [ "$status" -eq 0 ]
    expect_equal "$output" "${SENT//as type/with priority}"
    run --separate-stderr prog message-queues/mqreceiver -q "$MQ"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$MQ_RECEIVED"
}

@test "POSIX: mqreceiver started first waits for all six, so priority order holds (MQ-7)" {
    start_bg receiver message-queues/mqreceiver -q "$MQ"
    wait_for_line receiver.err "waiting for mqsender to create $MQ"
    run prog message-queues/mqsender -q "$MQ"
    [ "$status" -eq 0 ]
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat receiver.out)" "$MQ_RECEIVED"
}

@test "POSIX: the queue is 0600 and removed by the receiver" {
    mountpoint -q /dev/mqueue || skip "/dev/mqueue is not mounted"
    umask 000
    run prog message-queues/mqsender -q "$MQ"
    [ "$(stat -c %a "/dev/mqueue${MQ}")" = 600 ]
    run prog message-queues/mqreceiver -q "$MQ"
    [ "$status" -eq 0 ]
    [ ! -e "/dev/mqueue${MQ}" ]
}

@test "POSIX: a leftover queue is replaced by mqsender, not read" {
    run prog message-queues/mqsender -q "$MQ"
    run --separate-stderr prog message-queues/mqsender -q "$MQ"
    [ "$status" -eq 0 ]
    [[ "$stderr" == "mqsender: removed $MQ left by an earlier run" ]]
    run prog message-queues/mqreceiver -q "$MQ"
    expect_equal "$output" "$MQ_RECEIVED"
}

# py_mq NAME MAXMSG MSGSIZE [PAYLOAD:PRIORITY]... : python3 (ctypes, librt)
# creates a POSIX queue with these attributes and messages, and exits.
py_mq() {
    "${NS[@]}" "$PY" - "$@" <<'PYEOF'
import ctypes, os, sys
rt = ctypes.CDLL("librt.so.1", use_errno=True)
class Attr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                ("msgsize", ctypes.c_long), ("cur", ctypes.c_long), ("pad", ctypes.c_long * 4)]
rt.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.POINTER(Attr)]
attr = Attr(0, int(sys.argv[2]), int(sys.argv[3]), 0)
q = rt.mq_open(sys.argv[1].encode(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, ctypes.byref(attr))
assert q >= 0, os.strerror(ctypes.get_errno())
for m in sys.argv[4:]:
    payload, prio = m.rsplit(":", 1)
    assert rt.mq_send(q, payload.encode() + b"\0", len(payload) + 1, int(prio)) == 0, os.strerror(ctypes.get_errno())
PYEOF
}

# py_mq_one NAME : a queue of the pair's shape holding one message, left by
# a sender that did not finish: a receiver waits for the other five.
py_mq_one() { py_mq "$1" 6 5 msg1:1; }

@test "POSIX: a receiver that times out exits 1 and removes the queue" {
    py_mq_one "$MQ"
    run --separate-stderr prog message-queues/mqreceiver -q "$MQ" -t 0.3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"mqreceiver: gave up after 0.3 s: $MQ holds 1 of 6 messages" ]]
    # gone: a new sender finds nothing to replace
    run --separate-stderr prog message-queues/mqsender -q "$MQ"
    [ -z "$stderr" ]
    run prog message-queues/mqreceiver -q "$MQ"
    [ "$status" -eq 0 ]
}

@test "POSIX: SIGTERM or SIGINT to a waiting mqreceiver removes the queue" {
    for sig in TERM INT; do
        py_mq_one "$MQ"
        start_bg "r$sig" message-queues/mqreceiver -q "$MQ"
        # it waits for the other five before receiving (priority order)
        wait_in_kernel "$LAST_PID" nanosleep
        kill -"$sig" "$LAST_PID"
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq $((128 + $(kill -l "$sig"))) ]
        run --separate-stderr prog message-queues/mqsender -q "$MQ"
        [ -z "$stderr" ] # nothing was left to replace
        run prog message-queues/mqreceiver -q "$MQ"
        [ "$status" -eq 0 ]
    done
}

@test "mqreceiver started first on a queue a killed run left prints exactly the new run's six, and no queue remains (MQ-4)" {
    # issue 15: the receiver took the leftover queue, the sender replaced
    # the name, and the receiver timed out and removed the sender's queue.
    py_mq "$MQ" 6 5 old:3 old:3 old:1
    start_bg receiver message-queues/mqreceiver -q "$MQ"
    wait_in_kernel "$LAST_PID" nanosleep # waiting on the leftover for six
    run --separate-stderr prog message-queues/mqsender -q "$MQ"
    [ "$status" -eq 0 ]
    expect_equal "$stderr" "mqsender: removed $MQ left by an earlier run"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat receiver.out)" "$MQ_RECEIVED"
    # no queue left: teardown fails the test if /dev/mqueue$MQ remains
}

@test "a queue with other attributes under the name is refused and left alone; the receive buffer is the protocol's size (MQ-7)" {
    # issue 15: mqreceiver sized a buffer on its stack from whatever queue
    # had the name (up to msgsize_max)
    py_mq "$MQ" 6 8192 msg1:1 msg2:1 msg3:2 msg4:2 msg5:3 msg6:3
    run --separate-stderr prog message-queues/mqreceiver -q "$MQ" -t 0
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "mqreceiver: $MQ is not an mqsender queue (6 messages of 8192 bytes): leaving it alone"
    run --separate-stderr prog message-queues/mqsender -q "$MQ"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "mqsender: $MQ is not an mqsender queue (6 messages of 8192 bytes): leaving it alone"
    [ -z "$output" ]
    grep -q '^QSIZE:30 ' "/dev/mqueue$MQ" # its six messages, untouched
    "$PY" -c 'import ctypes, sys; assert ctypes.CDLL("librt.so.1").mq_unlink(sys.argv[1].encode()) == 0' "$MQ"
}

@test "a dead sender's PID, reused by a new process, does not make its leftovers look live (MQ-4)" {
    # issue 15: the receiver asked kill(msg_lspid, 0), which a newer
    # process with the same PID answers. In a PID namespace of its own,
    # ns_last_pid chooses the PID the next process gets.
    need_py_module sysv_ipc python3-sysv-ipc
    unshare --pid --fork --mount-proc --ipc true 2>/dev/null || skip "needs PID and IPC namespaces"
    cmd_for message-queues/receiver "${K[@]}"
    printf -v receiver '%q ' "${CMD[@]}"
    cmd_for message-queues/sender "${K[@]}"
    printf -v sender '%q ' "${CMD[@]}"
    cat >inside.sh <<INSIDE
set -u
"$PY" -c 'import sysv_ipc, os, sys
q = sysv_ipc.MessageQueue(int(sys.argv[1], 16), sysv_ipc.IPC_CREX, mode=0o600)
for t in (3, 1, 2):
    q.send(b"old\0", type=t)
open("sent", "w").write("%d %d" % (os.getpid(), q.last_send_time))' "$KEY" || exit 3
read -r pid sent <sent
# the new process starts in a later second than the send, and gets its PID
while [ "\$(date +%s)" -le "\$sent" ]; do sleep 0.05; done # the clock's next second
echo \$((pid - 1)) >/proc/sys/kernel/ns_last_pid
sleep 1000 &
[ "\$!" = "\$pid" ] || { echo "PID \$pid not reused (got \$!)"; exit 3; }
$receiver >r.out 2>r.err &
r=\$!
for i in \$(seq 1500); do grep -q "waiting for a sender" r.err && break; sleep 0.02; done # bounded poll
$sender >/dev/null
wait \$r
echo "receiver exit \$?"
INSIDE
    run timeout $((WAIT_LIMIT * 2)) unshare --pid --fork --mount-proc --ipc bash inside.sh
    [ "$status" -eq 0 ]
    expect_equal "$output" "receiver exit 0"
    expect_equal "$(cat r.out)" "$RECEIVED"
    grep -q "removed a stale queue with 3 leftover messages" r.err
}

@test "a second sender with the same key refuses while the first sends; the first's run ends normally (MQ-4)" {
    spawn_stopped first msgsnd 3 message-queues/sender "${K[@]}"
    first=$LAST_PID
    run --separate-stderr prog message-queues/sender "${K[@]}"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "sender: another sender (PID $STOPPED) is using key $KEY"
    [ -z "$output" ]
    kill -CONT "$STOPPED"
    wait_exit "$first"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat first.out)" "$SENT"
    run prog message-queues/receiver "${K[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$RECEIVED"
}

@test "a second sender that finds the first between msgget and its first msgsnd waits for that send, then refuses; it never removes a live sender's queue (MQ-4)" {
    # The first's queue has no message yet (msg_lspid 0), like one a sender
    # killed before its first send leaves: only its age tells them apart.
    # strace stops it on leaving its msgget(IPC_CREAT), and again on leaving
    # its first msgsnd, so that it is still alive, mid-run, when the second
    # looks again.
    need strace strace
    spawn first env "ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0" strace -qq -o /dev/null -e trace=msgget,msgsnd \
        -e inject=msgget:signal=SIGSTOP:when=2 -e inject=msgsnd:signal=SIGSTOP:when=1 \
        "$BIN/message-queues/sender" "${K[@]}"
    first=$LAST_PID
    wait_until "$WAIT_LIMIT" stopped_child "$first"
    start_bg second message-queues/sender "${K[@]}"
    second=$LAST_PID
    wait_until "$WAIT_LIMIT" backing_off_or_gone "$second" # without the wait, it removed the queue
    kill -CONT "$STOPPED"
    wait_exit "$second"
    wait_until "$WAIT_LIMIT" stopped_child "$first"
    kill -CONT "$STOPPED"
    [ "$EXIT_CODE" -eq 1 ]
    expect_equal "$(cat second.err)" "sender: another sender (PID $STOPPED) is using key $KEY"
    [ ! -s second.out ]
    wait_exit "$first"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat first.out)" "$SENT"
    run prog message-queues/receiver "${K[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$RECEIVED"
}

@test "two receivers on one key: the second waits its turn, and each gets a sender's six" {
    start_bg first message-queues/receiver "${K[@]}"
    first=$LAST_PID
    wait_for_line first.err "waiting for a sender"
    start_bg second message-queues/receiver "${K[@]}"
    second=$LAST_PID
    wait_for_line second.err "waiting for the receiver that holds keyfile"
    run prog message-queues/sender "${K[@]}"
    [ "$status" -eq 0 ]
    wait_exit "$first"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat first.out)" "$RECEIVED"
    wait_for_line second.err "waiting for a sender"
    run prog message-queues/sender "${K[@]}"
    [ "$status" -eq 0 ]
    wait_exit "$second"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat second.out)" "$RECEIVED"
}

@test "POSIX: a second mqsender refuses while the first sends; the first's run ends normally (MQ-7)" {
    spawn_stopped first mq_timedsend 3 message-queues/mqsender -q "$MQ"
    first=$LAST_PID
    run --separate-stderr prog message-queues/mqsender -q "$MQ"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "mqsender: another process is using $MQ"
    kill -CONT "$STOPPED"
    wait_exit "$first"
    [ "$EXIT_CODE" -eq 0 ]
    run prog message-queues/mqreceiver -q "$MQ"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$MQ_RECEIVED"
}

@test "POSIX: two mqreceivers: one takes the first sender's six, the other waits its turn for the next (MQ-7)" {
    # Both have the queue open while its sender is half way: then both see
    # the six at the same moment.
    spawn_stopped s1 mq_timedsend 3 message-queues/mqsender -q "$MQ"
    s1=$LAST_PID
    start_bg r1 message-queues/mqreceiver -q "$MQ"
    r1=$LAST_PID
    start_bg r2 message-queues/mqreceiver -q "$MQ"
    r2=$LAST_PID
    wait_in_kernel "$r1" nanosleep # both wait for all six
    wait_in_kernel "$r2" nanosleep
    kill -CONT "$STOPPED"
    wait_exit "$s1"
    [ "$EXIT_CODE" -eq 0 ]
    # either may take it; the other goes back to waiting for the name
    wait_until "$WAIT_LIMIT" grep -q msg2 r1.out r2.out
    run prog message-queues/mqsender -q "$MQ"
    [ "$status" -eq 0 ]
    wait_exit "$r1"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$r2"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat r1.out)" "$MQ_RECEIVED"
    expect_equal "$(cat r2.out)" "$MQ_RECEIVED"
}

@test "a full queue makes msgsnd wait, and a msgsnd that fails is reported: nothing is claimed sent (MQ-2)" {
    need_py_module sysv_ipc python3-sysv-ipc
    # The sender stopped before its first msgsnd; its queue then made to
    # hold five messages (msg_qbytes, IPC_SET): the sixth send must wait.
    # (Five, not fewer: the receiver asks for msg5 first.)
    for round in drained removed; do
        spawn_stopped "$round" msgsnd 1 message-queues/sender "${K[@]}"
        sender=$LAST_PID
        py_sysv 'sysv_ipc.MessageQueue(key).max_size = 25'
        kill -CONT "$STOPPED"
        wait_in_kernel "$STOPPED" msgsnd # blocked on msg6: the queue is full
        if [ "$round" = drained ]; then
            run prog message-queues/receiver "${K[@]}"
            [ "$status" -eq 0 ]
            expect_equal "$output" "$RECEIVED"
            wait_exit "$sender"
            [ "$EXIT_CODE" -eq 0 ]
            expect_equal "$(cat drained.out)" "$SENT"
        else # the queue goes away under the blocked sender
            ipcrm -Q "$KEY"
            wait_exit "$sender"
            [ "$EXIT_CODE" -eq 1 ]
            expect_equal "$(cat removed.out)" "$(head -n 5 <<<"$SENT")"
            expect_equal "$(cat removed.err)" "sender: msgsnd: Identifier removed"
        fi
    done
}

@test "a receiver blocked in msgrcv follows the queue a new sender put in the old one's place (EIDRM, MQ-4)" {
    need_py_module sysv_ipc python3-sysv-ipc
    py_sysv_leave 0 # empty, nothing sent yet: the receiver takes it for a new sender's
    start_bg receiver message-queues/receiver "${K[@]}"
    wait_until "$WAIT_LIMIT" in_msgrcv "$LAST_PID"
    run --separate-stderr prog message-queues/sender "${K[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$stderr" "sender: removed a queue left by an earlier run (key $KEY)"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat receiver.out)" "$RECEIVED"
}

@test "a message longer than the payload is an error, never cut short (MQ-1)" {
    py_hold_queue "much too long" 3
    run --separate-stderr prog message-queues/receiver "${K[@]}"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    expect_equal "$stderr" "receiver: msgrcv: Argument list too long"
    refute sysv_queue_exists "$KEY" # removed on failure too
    rm hold
    wait_exit "$HOLDER"
}

@test "SIGINT or SIGTERM to a receiver still waiting for the queue: it ends by that signal and leaves nothing (MQ-4)" {
    for sig in INT TERM; do
        start_bg "r$sig" message-queues/receiver "${K[@]}"
        wait_for_line "r$sig.err" "waiting for a sender"
        kill -"$sig" "$LAST_PID"
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq $((128 + $(kill -l "$sig"))) ]
        start_bg "m$sig" message-queues/mqreceiver -q "$MQ"
        wait_for_line "m$sig.err" "waiting for mqsender"
        kill -"$sig" "$LAST_PID"
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq $((128 + $(kill -l "$sig"))) ]
    done
    # and at random moments of their first 30 ms (signal_storm)
    for sig in INT TERM; do
        signal_storm 20 "$sig" message-queues/receiver "${K[@]}"
        expect_equal "$STORM_STATUSES" "$((128 + $(kill -l "$sig")))"
        signal_storm 20 "$sig" message-queues/mqreceiver -q "$MQ"
        expect_equal "$STORM_STATUSES" "$((128 + $(kill -l "$sig")))"
    done
}

@test "-t 0 does not wait: no queue, or not all six, is an exit 1 at once; a complete queue is received" {
    run --separate-stderr prog message-queues/receiver "${K[@]}" -t 0
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"receiver: gave up after 0 s: no sender created the queue" ]]
    run --separate-stderr prog message-queues/mqreceiver -q "$MQ" -t 0
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"mqreceiver: gave up after 0 s: no mqsender created $MQ" ]]
    py_mq_one "$MQ"
    run --separate-stderr prog message-queues/mqreceiver -q "$MQ" -t 0
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"mqreceiver: gave up after 0 s: $MQ holds 1 of 6 messages" ]]
    run prog message-queues/sender "${K[@]}"
    run prog message-queues/receiver "${K[@]}" -t 0
    [ "$status" -eq 0 ]
    expect_equal "$output" "$RECEIVED"
    run prog message-queues/mqsender -q "$MQ"
    run prog message-queues/mqreceiver -q "$MQ" -t 0
    [ "$status" -eq 0 ]
    expect_equal "$output" "$MQ_RECEIVED"
    for p in receiver mqreceiver; do
        run prog "message-queues/$p" --help
        [[ "$output" == *"0: do not wait"* ]]
    done
}

# in_msgrcv_or_waiting PID ERRFILE : the receiver blocks in msgrcv on a queue
# it took for live, or has removed a stale one and waits for a sender.
in_msgrcv_or_waiting() { in_msgrcv "$1" || grep -q "waiting for a sender" "$2"; }

@test "what a run killed at any point leaves never reaches the next run, in either start order (MQ-4)" {
    need_py_module sysv_ipc python3-sysv-ipc
    # An empty queue (a sender killed before its first send), or one with
    # leftovers (a sender, or a receiver, killed half way); the System V
    # sender is gone, the POSIX queue unlocked.
    for n in 0 1 3 5; do
        for order in sender receiver; do
            py_sysv_leave "$n"
            # shellcheck disable=SC2046 # one word per message
            py_mq "$MQ" 6 5 $(for ((j = 0; j < n; j++)); do echo old:3; done)
            if [ "$order" = receiver ]; then
                start_bg "r$n" message-queues/receiver "${K[@]}"
                r=$LAST_PID
                start_bg "m$n" message-queues/mqreceiver -q "$MQ"
                m=$LAST_PID
                wait_until "$WAIT_LIMIT" in_msgrcv_or_waiting "$r" "r$n.err"
                wait_in_kernel "$m" nanosleep
            fi
            run prog message-queues/sender "${K[@]}"
            [ "$status" -eq 0 ]
            run prog message-queues/mqsender -q "$MQ"
            [ "$status" -eq 0 ]
            if [ "$order" = sender ]; then
                start_bg "r$n" message-queues/receiver "${K[@]}"
                r=$LAST_PID
                start_bg "m$n" message-queues/mqreceiver -q "$MQ"
                m=$LAST_PID
            fi
            wait_exit "$r"
            [ "$EXIT_CODE" -eq 0 ]
            expect_equal "$(cat "r$n.out")" "$RECEIVED"
            wait_exit "$m"
            [ "$EXIT_CODE" -eq 0 ]
            expect_equal "$(cat "m$n.out")" "$MQ_RECEIVED"
            refute sysv_queue_exists "$KEY"
            [ ! -e "/dev/mqueue$MQ" ]
        done
    done
}

@test "-k: a file, a directory, a symlink, in a directory nobody may write: the key path is only read, never changed (MQ-5)" {
    need_root "runs programs as user nobody (setpriv)"
    need setpriv util-linux
    # a place user nobody can reach, removed at the end
    top=$(mktemp -d)
    chmod 755 "$top"
    mkdir "$top/ro"
    echo "key file" >"$top/ro/file"
    chown 65534 "$top/ro/file" # nobody's own: the programs could change it
    ln -s "$top/ro/file" "$top/ro/link"
    chmod 555 "$top/ro" # nobody may write here
    for path in "$top/ro/file" "$top/ro" "$top/ro/link"; do
        track_sysv_key "$(ftok_key "$path" 123)"
        before=$(fingerprint "$path")
        target=$(fingerprint "$top/ro/file")
        dir=$(fingerprint "$top/ro")
        run --separate-stderr as_nobody message-queues/sender -k "$path"
        [ "$status" -eq 0 ]
        run --separate-stderr as_nobody message-queues/receiver -k "$path"
        [ "$status" -eq 0 ]
        expect_equal "$output" "$RECEIVED"
        expect_equal "$(fingerprint "$path")" "$before"
        expect_equal "$(fingerprint "$top/ro/file")" "$target"
        expect_equal "$(fingerprint "$top/ro")" "$dir"
    done
    # a name that does not exist there: ftok fails, nothing is created
    run --separate-stderr as_nobody message-queues/sender -k "$top/ro/none"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "sender: ftok $top/ro/none: No such file or directory"
    run --separate-stderr as_nobody message-queues/receiver -k "$top/ro/none" -t 0
    [ "$status" -eq 1 ]
    [ ! -e "$top/ro/none" ]
    chmod 755 "$top/ro"
    rm -r "$top"
}

@test "another user's queue under the key or name: refused with the reason, never changed or removed (MQ-6)" {
    need_root "runs programs as user nobody (setpriv)"
    need setpriv util-linux
    run prog message-queues/sender "${K[@]}" # root's queue, 0600
    py_mq "$MQ" 6 5 old:3                    # root's POSIX queue, 0600
    chmod 755 "$BATS_TEST_TMPDIR"            # so that nobody reaches keyfile (0644)
    run --separate-stderr as_nobody message-queues/sender "${K[@]}"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "sender: msgctl IPC_STAT (key $KEY): Permission denied"
    run --separate-stderr as_nobody message-queues/receiver "${K[@]}" -t 0
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "receiver: msgctl IPC_STAT: Permission denied"
    run --separate-stderr as_nobody message-queues/mqsender -q "$MQ"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "mqsender: mq_open $MQ: Permission denied"
    run --separate-stderr as_nobody message-queues/mqreceiver -q "$MQ" -t 0
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "mqreceiver: mq_open $MQ: Permission denied"
    grep -q '^QSIZE:4 ' "/dev/mqueue$MQ" # "old" and its NUL, untouched
    run prog message-queues/receiver "${K[@]}" # root's run is intact
    expect_equal "$output" "$RECEIVED"
    "$PY" -c 'import ctypes, sys; assert ctypes.CDLL("librt.so.1").mq_unlink(sys.argv[1].encode()) == 0' "$MQ"
}

@test "with the fewest descriptors a program can start with, each queue program still does its part" {
    # They hold one descriptor at most (the receiver: its key file, and
    # /proc for a moment), the one the dynamic loader also needs to start:
    # 3 (0, 1, 2 and one) is the lowest limit that runs anything, and no
    # limit can make them fail half way.
    [ "${IPC_VALGRIND:-0}" = 1 ] && skip "valgrind needs descriptors of its own under the limit"
    export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" # LeakSanitizer needs descriptors at exit
    run --separate-stderr with_fd_limit 4 message-queues/mqsender -q "$MQ"
    [ "$status" -eq 0 ]
    run --separate-stderr with_fd_limit 4 message-queues/mqreceiver -q "$MQ"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$MQ_RECEIVED"
    run --separate-stderr with_fd_limit 4 message-queues/sender "${K[@]}"
    [ "$status" -eq 0 ]
    run --separate-stderr with_fd_limit 4 message-queues/receiver "${K[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$RECEIVED"
}
