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

# py_hold_queue : a live python3 sender that sent one type-1 message and
# stays until ./hold is removed, so a receiver asking for type 3 blocks.
py_hold_queue() {
    need_py_module sysv_ipc python3-sysv-ipc
    touch hold
    spawn_py py "$SYSV_PRELUDE"'
q = sysv_ipc.MessageQueue(key, sysv_ipc.IPC_CREX, mode=0o600)
q.send(b"one\0", type=1)
print("sent", flush=True)
import time
while os.path.exists("hold"): time.sleep(0.01)' "$KEY"
    HOLDER=$LAST_PID
    wait_for_line py.out sent
}

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
        wait_until 20 in_msgrcv "$LAST_PID"
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
    run --separate-stderr prog message-queues/receiver "${K[@]}" -t 0.5
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"receiver: gave up after 0.5 s waiting for a message of type 3" ]]
    refute sysv_queue_exists "$KEY"
    rm hold
    wait_exit "$HOLDER"
}

@test "receiver with no sender gives up after --timeout, exit 1" {
    run --separate-stderr prog message-queues/receiver "${K[@]}" -t 0.3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"receiver: gave up: no sender created the queue" ]]
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

# py_mq_one NAME : python3 (ctypes, librt) creates a POSIX queue holding
# one message, so a receiver waits for the other five.
py_mq_one() {
    "$PY" - "$1" <<'PYEOF'
import ctypes, os, sys
rt = ctypes.CDLL("librt.so.1", use_errno=True)
class Attr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                ("msgsize", ctypes.c_long), ("cur", ctypes.c_long), ("pad", ctypes.c_long * 4)]
rt.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.POINTER(Attr)]
q = rt.mq_open(sys.argv[1].encode(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, ctypes.byref(Attr(0, 6, 5, 0)))
assert q >= 0, os.strerror(ctypes.get_errno())
assert rt.mq_send(q, b"msg1\0", 5, 1) == 0
PYEOF
}

@test "POSIX: a receiver that times out exits 1 and removes the queue" {
    py_mq_one "$MQ"
    run --separate-stderr prog message-queues/mqreceiver -q "$MQ" -t 0.3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"mqreceiver: gave up after 0.3 s: got 1 of 6 messages" ]]
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
