#!/usr/bin/env bats
# sockets: fdsender and fdreceiver, a sealed memfd passed over a UNIX-domain
# socket (SCM_RIGHTS), and the sender's credentials (SO_PEERCRED). Beyond
# the articles. Real peer: python3's socket.send_fds / recv_fds.

load test_helper

TEXT="What's in a name? That which we call a rose
By any other name would smell as sweet."

# receiver_lines SOCKET PID : what fdreceiver prints for fdsender's default run.
receiver_lines() {
    printf '%s\n' "Listening on $1 for a descriptor..." \
        "Sender: PID $2, UID $(id -u), GID $(id -g) (SO_PEERCRED)" \
        "Got a sealed memfd of 84 bytes, mapped read-only:" "$TEXT"
}

# start_receiver [ARGS...] : fdreceiver in the background, waited for until
# it listens; its PID in RECEIVER.
start_receiver() {
    start_bg receiver sockets/fdreceiver "$@"
    RECEIVER=$LAST_PID
    wait_for_line receiver.out '^Listening on '
}

# A python3 sender nobody here wrote: PY_SENDER PATH KIND. KIND: sealed
# (what fdsender sends), unsealed, nowrite (every seal but F_SEAL_WRITE),
# two and five (memfds), file, pipe, big (65537 bytes), empty, byte (the
# wrong data byte), none (the byte alone), writeonly (a sealed memfd,
# reopened write-only through /proc). Prints the receiver's answer.
PY_SENDER='import fcntl, sys
path, kind = sys.argv[1], sys.argv[2]
ALL = fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL
def memfd(data, seals=ALL):
    fd = os.memfd_create("python", os.MFD_ALLOW_SEALING | os.MFD_CLOEXEC)
    os.write(fd, data)
    if seals:
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
    return fd
data = b"M"
if kind == "sealed": fds = [memfd(b"sent by python3\n")]
elif kind == "unsealed": fds = [memfd(b"mutable\n", 0)]
elif kind == "nowrite": fds = [memfd(b"mutable\n", ALL & ~fcntl.F_SEAL_WRITE)]
elif kind == "two": fds = [memfd(b"one\n"), memfd(b"two\n")]
elif kind == "five": fds = [memfd(b"%d\n" % i) for i in range(5)]
elif kind == "file": fds = [os.open("/etc/passwd", os.O_RDONLY)] # on disk: no seals
elif kind == "pipe": fds = [os.pipe()[0]]
elif kind == "big": fds = [memfd(b"x" * 65537)]
elif kind == "empty": fds = [memfd(b"")]
elif kind == "byte": data, fds = b"Z", [memfd(b"text\n")]
elif kind == "none": fds = []
elif kind == "writeonly": fds = [os.open("/proc/self/fd/%d" % memfd(b"text\n"), os.O_WRONLY)]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
socket.send_fds(s, [data], fds)
print("answer", s.recv(1).decode() or "none", flush=True)'

# A python3 receiver: PY_RECEIVER PATH ANSWER. Listens at PATH, takes the
# descriptor, checks its seals and content, tries to change it, answers
# ANSWER ("" to close without one), removes PATH.
PY_RECEIVER='import fcntl, mmap, sys
path, answer = sys.argv[1], sys.argv[2].encode()
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
print("listening", flush=True)
conn, _ = srv.accept()
msg, fds, flags, _ = socket.recv_fds(conn, 1, 4)
print("byte", msg.decode(), "descriptors", len(fds), "truncated", bool(flags & socket.MSG_CTRUNC))
fd = fds[0]
ALL = fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL
print("seals", "all four" if fcntl.fcntl(fd, fcntl.F_GET_SEALS) & ALL == ALL else "missing")
print(os.pread(fd, 100000, 0).decode(), end="")
tries = {"write": lambda: os.pwrite(fd, b"X", 0), "shrink": lambda: os.ftruncate(fd, 1),
         "grow": lambda: os.ftruncate(fd, 1 << 20), "add a seal": lambda: fcntl.fcntl(fd, fcntl.F_ADD_SEALS, 0x10),
         "map for writing": lambda: mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)}
for name, change in tries.items():
    try:
        change()
        print(name, "worked")
    except OSError as e:
        print(name, "refused:", os.strerror(e.errno))
if answer:
    conn.send(answer)
conn.close()
os.unlink(path)'

@test "fd-passing: no arguments: the memfd goes over fdpass.sock, receiver started first; the socket is 0600, then removed" {
    start_receiver
    [ -S fdpass.sock ]
    [ "$(stat -c %a fdpass.sock)" = 600 ]
    start_bg sender sockets/fdsender
    sender=$LAST_PID
    wait_exit "$sender"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat receiver.out)" "$(receiver_lines fdpass.sock "$sender")"
    expect_equal "$(cat sender.out)" "Sealed 84 bytes in a memfd, passing it over fdpass.sock...
The receiver (PID $RECEIVER) took it, about to exit..."
    [ ! -s receiver.err ]
    [ ! -e fdpass.sock ]
}

@test "fd-passing: the sender started first waits, retrying, until the receiver listens" {
    start_bg sender sockets/fdsender -u r.sock
    sender=$LAST_PID
    wait_for_line sender.err '^fdsender: waiting for fdreceiver at r.sock$'
    alive "$sender"
    start_receiver -u r.sock
    wait_exit "$sender"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat receiver.out)" "$(receiver_lines r.sock "$sender")"
    [ ! -e r.sock ]
}

@test "fd-passing: SO_PEERCRED: the receiver names the sender's real PID, UID and GID, a python3 sender's too" {
    need_py_module socket python3
    start_receiver -u r.sock
    spawn_py pysender "$PY_SENDER" r.sock sealed
    pysender=$LAST_PID
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$pysender"
    # the PID is the python3 process's own: the kernel's word, not the message's
    grep -qx "Sender: PID $pysender, UID $(id -u), GID $(id -g) (SO_PEERCRED)" receiver.out
    expect_equal "$(tail -n 1 receiver.out)" "sent by python3"
    expect_equal "$(cat pysender.out)" "answer y"
}

@test "fd-passing: python3 recv_fds gets fdsender's memfd with all four seals: nothing can write, shrink, grow or reseal it" {
    spawn_py pyreceiver "$PY_RECEIVER" r.sock y
    pyreceiver=$LAST_PID
    wait_for_line pyreceiver.out '^listening$'
    run --separate-stderr prog sockets/fdsender -u r.sock
    [ "$status" -eq 0 ]
    expect_equal "$output" "Sealed 84 bytes in a memfd, passing it over r.sock...
The receiver (PID $pyreceiver) took it, about to exit..."
    wait_exit "$pyreceiver"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat pyreceiver.out)" "listening
byte M descriptors 1 truncated False
seals all four
$TEXT
write refused: Operation not permitted
shrink refused: Operation not permitted
grow refused: Operation not permitted
add a seal refused: Operation not permitted
map for writing refused: Operation not permitted"
}

@test "fd-passing: the sender reports a receiver that refuses, or that closes without an answer: exit 1" {
    spawn_py pyreceiver "$PY_RECEIVER" r.sock n
    wait_for_line pyreceiver.out '^listening$'
    run --separate-stderr prog sockets/fdsender -u r.sock
    [ "$status" -eq 1 ]
    [ "$stderr" = "fdsender: fdreceiver refused the descriptor (its message says why)" ]
    spawn_py pyreceiver2 "$PY_RECEIVER" r2.sock ""
    wait_for_line pyreceiver2.out '^listening$'
    run --separate-stderr prog sockets/fdsender -u r2.sock
    [ "$status" -eq 1 ]
    [ "$stderr" = "fdsender: fdreceiver did not answer" ]
}

# refused KIND MESSAGE : a python3 sender passing KIND is refused by
# fdreceiver with MESSAGE, exit 1, and told so (answer n); nothing is left.
refused() {
    start_receiver -u r.sock
    spawn_py pysender "$PY_SENDER" r.sock "$1"
    pysender=$LAST_PID
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 1 ]
    expect_equal "$(cat receiver.err)" "fdreceiver: $2"
    expect_equal "$(cat receiver.out)" "Listening on r.sock for a descriptor..."
    wait_exit "$pysender"
    expect_equal "$(cat pysender.out)" "answer n"
    [ ! -e r.sock ]
}

SEALS_MISSING="not a memfd sealed against writing, shrinking and growing (a seal is missing): its sender could change it under us"
CANNOT_SEAL="not a memfd sealed against writing, shrinking and growing (it cannot be sealed): its sender could change it under us"

@test "fd-passing: an unsealed memfd from python3 is refused: its sender could change or shrink it under the mapping (SIGBUS)" {
    refused unsealed "$SEALS_MISSING"
}

@test "fd-passing: a memfd sealed against all but writing is refused" {
    refused nowrite "$SEALS_MISSING"
}

@test "fd-passing: a regular file's descriptor is refused: it cannot be sealed" {
    refused file "$CANNOT_SEAL"
}

@test "fd-passing: a pipe's descriptor is refused" {
    refused pipe "$CANNOT_SEAL"
}

@test "fd-passing: two descriptors are refused (the count comes from cmsg_len)" {
    refused two "not this protocol: want the byte 'M' with 1 descriptor, got 0x4d with 2"
}

@test "fd-passing: five descriptors, more than there is room for, are refused (MSG_CTRUNC)" {
    refused five "more than 4 descriptors, or out of descriptors (ulimit -n)"
}

@test "fd-passing: the data byte alone, with no descriptor, is refused" {
    refused none "not this protocol: want the byte 'M' with 1 descriptor, got 0x4d with 0"
}

@test "fd-passing: another data byte is refused" {
    refused byte "not this protocol: want the byte 'M' with 1 descriptor, got 0x5a with 1"
}

@test "fd-passing: a sealed memfd over 64 KiB is refused, and an empty one" {
    refused big "the memfd holds 65537 bytes, want 1 to 65536"
    rm -f receiver.* pysender.*
    refused empty "the memfd holds 0 bytes, want 1 to 65536"
}

@test "fd-passing: a sealed memfd passed write-only cannot be mapped to read: refused with the reason, the sender told (answer n)" {
    start_receiver -u r.sock
    spawn_py pysender "$PY_SENDER" r.sock writeonly
    pysender=$LAST_PID
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 1 ]
    expect_equal "$(cat receiver.err)" "fdreceiver: mmap: Permission denied"
    wait_exit "$pysender"
    expect_equal "$(cat pysender.out)" "answer n"
    [ ! -e r.sock ]
}

@test "fd-passing: every descriptor a hostile sender passes is closed at once, the extra ones too (strace)" {
    need strace strace
    [ "${IPC_VALGRIND:-0}" = 1 ] && skip "strace of valgrind shows valgrind's own calls"
    export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" # LeakSanitizer cannot run under ptrace
    spawn receiver strace -qq -e trace=recvmsg,close -o trace.txt "$BIN/sockets/fdreceiver" -u r.sock
    RECEIVER=$LAST_PID
    wait_for_line receiver.out '^Listening on '
    spawn_py pysender "$PY_SENDER" r.sock two
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 1 ]
    # recvmsg(..., cmsg_data=[5, 6] ...): the second is closed before the refusal
    fds=$(sed -nE 's/^recvmsg\(.*cmsg_data=\[([0-9]+), ([0-9]+)\].*/\1 \2/p' trace.txt)
    [ -n "$fds" ] || { cat trace.txt >&2; return 1; }
    read -r first second <<<"$fds"
    grep -q '^recvmsg(.*, MSG_CMSG_CLOEXEC) = 1$' trace.txt # close-on-exec from the start
    sed -n '/^recvmsg/,$p' trace.txt >after.txt
    grep -qx "close($second) *= 0" after.txt || { cat trace.txt >&2; return 1; }
    refute grep -q "close($first)" after.txt # the first was judged, refused: exit closes it
}

@test "fd-passing: a connection that ends without a byte does not end the receiver: the next sender is served" {
    start_receiver -u r.sock
    py 's = socket.socket(socket.AF_UNIX); s.connect("r.sock"); s.close()'
    alive "$RECEIVER"
    run --separate-stderr prog sockets/fdsender -u r.sock
    [ "$status" -eq 0 ]
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(tail -n 2 receiver.out)" "$TEXT"
}

@test "fd-passing: a sender that connects and sends nothing: the receiver gives up after 5 s, exit 1, socket removed" {
    start_receiver -u r.sock
    spawn_py silent 's = socket.socket(socket.AF_UNIX); s.connect("r.sock"); print("connected", flush=True)
signal.pause()'
    wait_exit "$RECEIVER" 60
    [ "$EXIT_CODE" -eq 1 ]
    expect_equal "$(cat receiver.err)" "fdreceiver: gave up after 5 s: the sender sent nothing"
    [ ! -e r.sock ]
    kill "$LAST_PID"
    wait_exit "$LAST_PID"
}

@test "fd-passing: a receiver that never answers: the sender gives up after 5 s, exit 1" {
    spawn_py mute 'srv = socket.socket(socket.AF_UNIX); srv.bind("r.sock"); srv.listen(1)
print("listening", flush=True); c, _ = srv.accept(); socket.recv_fds(c, 1, 1); os.unlink("r.sock"); signal.pause()'
    wait_for_line mute.out '^listening$'
    run --separate-stderr prog sockets/fdsender -u r.sock
    [ "$status" -eq 1 ]
    [ "$stderr" = "fdsender: fdreceiver did not answer" ]
    kill "$LAST_PID"
    wait_exit "$LAST_PID"
}

@test "fd-passing: kill -9 of a waiting receiver leaves a stale socket; the next receiver replaces it (receiver first)" {
    start_receiver -u r.sock
    kill -9 "$RECEIVER"
    wait_exit "$RECEIVER" || true
    [ -S r.sock ] # stale: nobody listens
    start_receiver -u r.sock
    grep -qx "fdreceiver: removing stale socket r.sock" receiver.err
    run --separate-stderr prog sockets/fdsender -u r.sock
    [ "$status" -eq 0 ]
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 0 ]
    [ ! -e r.sock ]
}

@test "fd-passing: kill -9 of a waiting receiver: a sender started next waits, and the next receiver serves it (sender first)" {
    start_receiver -u r.sock
    kill -9 "$RECEIVER"
    wait_exit "$RECEIVER" || true
    [ -S r.sock ]
    start_bg sender sockets/fdsender -u r.sock
    sender=$LAST_PID
    wait_for_line sender.err '^fdsender: waiting for fdreceiver at r.sock$' # connect refused: retried
    start_receiver -u r.sock
    wait_exit "$sender"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 0 ]
    grep -qx "fdreceiver: removing stale socket r.sock" receiver.err
    expect_equal "$(cat receiver.out)" "$(receiver_lines r.sock "$sender")"
    [ ! -e r.sock ]
}

@test "fd-passing: kill -9 of a waiting sender leaves nothing (the memfd dies with it); the next run works" {
    start_bg sender sockets/fdsender -u r.sock
    wait_for_line sender.err '^fdsender: waiting for fdreceiver'
    kill -9 "$LAST_PID"
    wait_exit "$LAST_PID" || true
    [ ! -e r.sock ]
    start_receiver -u r.sock
    run --separate-stderr prog sockets/fdsender -u r.sock
    [ "$status" -eq 0 ]
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 0 ]
}

@test "fd-passing: a second receiver on the same path refuses, exit 1; the first still serves its sender" {
    start_receiver -u r.sock
    run --separate-stderr prog sockets/fdreceiver -u r.sock
    [ "$status" -eq 1 ]
    [ "$stderr" = "fdreceiver: another fdreceiver is listening on r.sock" ]
    [ -S r.sock ]
    run --separate-stderr prog sockets/fdsender -u r.sock
    [ "$status" -eq 0 ]
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(tail -n 2 receiver.out)" "$TEXT"
}

@test "fd-passing: a file put in place of the socket while the receiver waits is not removed when it ends" {
    start_receiver -u r.sock
    rm r.sock
    echo precious >r.sock
    kill -TERM "$RECEIVER"
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 143 ]
    [ "$(cat r.sock)" = precious ]
}

@test "fd-passing: a path that is a regular file, a directory or a symlink is never touched: exit 1 with the reason" {
    echo keep >file
    mkdir dir
    ln -s file link
    ln -s nowhere dangling # bind would follow no symlink, and neither do we
    for p in file dir link dangling; do
        run --separate-stderr prog sockets/fdreceiver -u "$p" -t 0
        [ "$status" -eq 1 ]
        [ "$stderr" = "fdreceiver: $p exists and is not a socket: not touching it" ]
    done
    [ "$(cat file)" = keep ]
    [ -d dir ]
    [ "$(readlink link)" = file ]
    [ "$(readlink dangling)" = nowhere ]
    [ ! -e nowhere ]
}

@test "fd-passing: SIGINT or SIGTERM: a waiting receiver removes its socket and dies of the signal" {
    for sig in INT TERM; do
        start_receiver -u r.sock
        wait_in_kernel "$RECEIVER" 'skb_wait|accept' # blocked in accept
        kill -"$sig" "$RECEIVER"
        wait_exit "$RECEIVER"
        [ "$EXIT_CODE" -eq $((128 + $(kill -l "$sig"))) ]
        grep -qx "fdreceiver: interrupted by SIG$sig, cleaned up" receiver.err
        [ ! -e r.sock ]
    done
}

@test "fd-passing: a stop signal at any moment is never lost: 30 SIGINT and 30 SIGTERM to each side, nothing left" {
    for sig in INT TERM; do
        signal_storm 30 "$sig" sockets/fdreceiver -u r.sock -t 20
        [ "$STORM_STATUSES" = $((128 + $(kill -l "$sig"))) ]
        # no run left its socket for the next one to find
        refute grep -l "removing stale socket" storm*.err
        [ ! -e r.sock ]
    done
    signal_storm 30 INT sockets/fdsender -u r.sock -t 20
    [ "$STORM_STATUSES" = 130 ]
    signal_storm 30 TERM sockets/fdsender -u r.sock -t 20
    [ "$STORM_STATUSES" = 143 ]
}

# bounded NAME ARGS... : run a program (as prog does) that must end within
# 20 s: one that would wait for ever is killed (timeout: status 124).
bounded() {
    cmd_for "$@"
    timeout -k 5 20 "${CMD[@]}"
}

@test "fd-passing: -t 0 does not wait: no sender, no receiver, exit 1 at once" {
    run --separate-stderr bounded sockets/fdreceiver -u r.sock -t 0
    [ "$status" -eq 1 ]
    [ "$stderr" = "fdreceiver: gave up after 0 s: no fdsender connected" ]
    [ ! -e r.sock ]
    run --separate-stderr bounded sockets/fdsender -u r.sock -t 0
    [ "$status" -eq 1 ]
    [ "$stderr" = "fdsender: gave up after 0 s: no fdreceiver at r.sock" ]
    run --separate-stderr bounded sockets/fdreceiver -u r.sock -t 0.3
    [ "$status" -eq 1 ]
    [ "$stderr" = "fdreceiver: gave up after 0.3 s: no fdsender connected" ]
}

@test "fd-passing: -m passes any text, a newline added; --help names the partner; bad options exit 2" {
    start_receiver -u r.sock
    run --separate-stderr prog sockets/fdsender -u r.sock -m 'no name at all'
    [ "$status" -eq 0 ]
    [[ "$output" == "Sealed 15 bytes in a memfd"* ]]
    wait_exit "$RECEIVER"
    expect_equal "$(tail -n 1 receiver.out)" "no name at all"
    for p in fdsender fdreceiver; do
        run --separate-stderr prog "sockets/$p" --help
        [ "$status" -eq 0 ]
        [[ "$output" == "Usage: $p"* ]]
        grep -q '^Partner: fd' <<<"$output"
        grep -q 'Example' <<<"$output"
        grep -q '0: do not wait' <<<"$output"
        run --separate-stderr prog "sockets/$p" -x
        [ "$status" -eq 2 ]
        [[ "$stderr" == "$p: unknown option '-x'"$'\n'"Usage: $p"* ]]
        run --separate-stderr prog "sockets/$p" -t soon
        [ "$status" -eq 2 ]
        run --separate-stderr prog "sockets/$p" extra
        [ "$status" -eq 2 ]
        run --separate-stderr prog "sockets/$p" -u
        [ "$status" -eq 2 ]
    done
    run --separate-stderr prog sockets/fdsender -m ''
    [ "$status" -eq 2 ]
    run --separate-stderr prog sockets/fdsender -m "$(head -c 65536 /dev/zero | tr '\0' x)"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "fdsender: -m: expected 1 to 65535 bytes, got 65536"* ]]
    run --separate-stderr prog sockets/fdreceiver -u "$(printf 'p%.0s' {1..120})"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "fdreceiver: socket path too long: ppp"* ]]
}

# bash -c "$LIMIT_FDS" N COMMAND... : COMMAND with only descriptors 0-2 open
# (bats holds others) and a limit of N (ulimit -n).
# shellcheck disable=SC2016 # expanded by the inner bash
LIMIT_FDS='for f in /proc/$$/fd/*; do f=${f##*/}; [ "$f" -le 2 ] || eval "exec $f>&-"; done
ulimit -n "$0" && exec "$@"'

@test "fd-passing: out of descriptors is reported once, exit 1: the receiver's accept, the passed descriptor, the sender's socket" {
    [ "${IPC_VALGRIND:-0}" = 1 ] && skip "valgrind needs descriptors of its own"
    # LeakSanitizer too, at exit (it opens /proc/self/task): without one it
    # fails, and with log_path set spins. AddressSanitizer itself stays on.
    export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
    cmd_for sockets/fdreceiver -u r.sock
    # 0-2 and the listener: accept has no descriptor left
    run --separate-stderr timeout -k 5 20 bash -c "$LIMIT_FDS" 4 "${CMD[@]}"
    [ "$status" -eq 1 ]
    [ "$stderr" = "fdreceiver: accept: Too many open files" ]
    [ ! -e r.sock ]
    # 0-2, the listener and the connection: the passed memfd finds no room
    spawn receiver bash -c "$LIMIT_FDS" 5 "${CMD[@]}"
    RECEIVER=$LAST_PID
    wait_for_line receiver.out '^Listening on '
    run --separate-stderr prog sockets/fdsender -u r.sock
    [ "$status" -eq 1 ]
    wait_exit "$RECEIVER"
    [ "$EXIT_CODE" -eq 1 ]
    expect_equal "$(cat receiver.err)" "fdreceiver: more than 4 descriptors, or out of descriptors (ulimit -n)"
    # 0-2 and the memfd: no socket for the sender
    cmd_for sockets/fdsender -u r.sock
    run --separate-stderr timeout -k 5 20 bash -c "$LIMIT_FDS" 4 "${CMD[@]}"
    [ "$status" -eq 1 ]
    [ "$stderr" = "fdsender: socket: Too many open files" ]
}

@test "fd-passing: the memfd has no name: only a descriptor, which watch shows while the sender holds it" {
    start_bg sender sockets/fdsender -u r.sock
    sender=$LAST_PID
    wait_for_line sender.err '^fdsender: waiting for fdreceiver'
    # in the sender's descriptor table, and nowhere in a file system
    held=
    for f in "/proc/$sender/fd"/*; do
        [ "$(readlink "$f")" = "/memfd:fdpass (deleted)" ] && held=$f
    done
    [ -n "$held" ]
    run "$REPO/scripts/watch" --once --dir "$PWD" fd-passing
    [ "$status" -eq 0 ]
    grep -qE "^  memfd fdpass +84 bytes [0-7]{4}  open in $sender fdsender$" <<<"$output" ||
        { echo "$output" >&2; return 1; }
    start_receiver -u r.sock
    wait_exit "$sender"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$RECEIVER"
}

@test "fd-passing: the registry: ./try prints both commands without tmux, doctor finds the pair ok" {
    run env TRY_TMUX=no-such-tmux "$REPO/try" fd-passing
    [ "$status" -eq 0 ]
    [[ "$output" == *"in $REPO/sockets and run"*"terminal 1: ./fdreceiver"*"terminal 2: ./fdsender"* ]]
    run bash "$REPO/scripts/doctor"
    grep -qE '^  fd-passing +ok' <<<"$output" || { echo "$output" >&2; return 1; }
}
