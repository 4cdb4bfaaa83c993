#!/usr/bin/env bats
# scripts/doctor (make doctor): can this machine run every pair? Each test
# breaks one thing (a held port, a read-only /dev/shm, a PATH without tmux,
# a queue limit read from a file of ours, a low ulimit -n, ...) and checks
# that doctor names it, with the command that fixes it, on the right pair.

load test_helper

DOCTOR=$BATS_TEST_DIRNAME/../scripts/doctor

# doctor [ARGS] : run it (environment as set), checking another port than
# 9876, which the suite's other tests may hold for a moment.
doctor() {
    DOCTOR_PORT=${DOCTOR_PORT:-$(free_port)} run "$DOCTOR" "$@"
    echo "$output"
}

# line NAME : the line doctor printed for a pair or tool.
line() { grep -E "^  $1 " <<<"$output"; }

# fake_sys : a copy of the kernel's limits doctor reads, in ./sys.
fake_sys() {
    local f
    for f in fs/mqueue/msg_max fs/mqueue/msgsize_max fs/mqueue/queues_max \
        kernel/msgmni kernel/msgmax kernel/msgmnb kernel/shmmni kernel/sem; do
        mkdir -p "sys/${f%/*}"
        cat "/proc/sys/$f" >"sys/$f"
    done
    export DOCTOR_PROC_SYS=$BATS_TEST_TMPDIR/sys
}

@test "doctor: --help lists its inputs; a bad argument is a usage error" {
    run "$DOCTOR" --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: scripts/doctor"* ]]
    for var in DOCTOR_PROC_SYS DOCTOR_SYSVIPC DOCTOR_NET DOCTOR_SHM DOCTOR_MQUEUE DOCTOR_PORT DOCTOR_DIR; do
        [[ "$output" == *"$var"* ]]
    done
    run "$DOCTOR" --bogus
    [ "$status" -eq 2 ]
}

@test "doctor: one line per pair of scripts/pairs.sh, all ok here, and one per optional tool" {
    . "$REPO/scripts/pairs.sh"
    doctor
    [ "$status" -eq 0 ]
    for name in $PAIR_NAMES; do
        [ "$(grep -cE "^  $name +ok" <<<"$output")" -eq 1 ]
    done
    for t in tmux strace python3 bats socat nc valgrind; do line "$t"; done
    refute grep -q 'CANNOT RUN' <<<"$output"
}

@test "doctor: a port held by another program fails the sockets pair, naming the holder" {
    port=$(free_port)
    spawn_py holder 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); print("listening", flush=True)
time.sleep(600)' "$port"
    wait_for_line holder.out '^listening$'
    DOCTOR_PORT=$port doctor
    [ "$status" -eq 1 ]
    line sockets | grep -E "CANNOT RUN: tcp port $port is held by (pid $LAST_PID \(python3\)|another program): stop it, or give the pair another port \(-p PORT"
    line shared-files | grep -q ' ok$'
    kill "$LAST_PID"
}

@test "doctor: a read-only /dev/shm (in a mount namespace of its own) fails shared-memory, with the remount command" {
    unshare --mount --propagation private true 2>/dev/null || skip "needs mount namespaces (unshare --mount)"
    # a fresh read-only tmpfs over /dev/shm, seen by this namespace alone
    # (never a remount: that would change the machine's own /dev/shm)
    # shellcheck disable=SC2016 # expanded by the inner sh
    DOCTOR_PORT=$(free_port) run unshare --mount --propagation private sh -c \
        'mount -t tmpfs -o ro,size=1m tmpfs /dev/shm && exec "$1"' _ "$DOCTOR"
    echo "$output"
    [ "$status" -eq 1 ]
    line shared-memory | grep -q 'CANNOT RUN: cannot create objects in /dev/shm (read-only.*mount -o remount,rw /dev/shm'
    line pipes | grep -q ' ok$'
    touch /dev/shm/"$TAG" # ours is still writable
    rm /dev/shm/"$TAG"
}

@test "doctor runs without python3 and tmux in PATH: names both, with the package to install; every pair still ok" {
    mkdir bin
    for d in ${PATH//:/ }; do
        for f in "$d"/*; do
            case ${f##*/} in tmux | python3*) continue ;; esac
            [ -x "$f" ] && [ ! -e "bin/${f##*/}" ] && ln -s "$f" "bin/${f##*/}"
        done
    done
    PATH=$BATS_TEST_TMPDIR/bin doctor
    [ "$status" -eq 0 ]
    line tmux | grep -qE 'missing \(./try, ./try --watch\): .*install tmux'
    line python3 | grep -qE 'missing \(make watch\): .*install python3'
    refute grep -q 'CANNOT RUN' <<<"$output"
}

@test "doctor: fs.mqueue.msg_max below the POSIX pair's 6 (read from a file of ours) fails posix-mq, root excepted" {
    fake_sys
    echo 4 >sys/fs/mqueue/msg_max
    doctor --as-user
    [ "$status" -eq 1 ]
    line posix-mq | grep -q 'CANNOT RUN: fs.mqueue.msg_max is 4, the pair needs 6: .*sysctl fs.mqueue.msg_max=6'
    line message-queues | grep -q ' ok$'
    doctor
    if [ "$(id -u)" = 0 ]; then
        [ "$status" -eq 0 ] # CAP_SYS_RESOURCE: root's queues may exceed it
        line posix-mq | grep -q 'ok; note: as root only: fs.mqueue.msg_max is 4'
    else
        [ "$status" -eq 1 ]
    fi
}

@test "doctor: kernel.msgmnb too small for the six messages fails the System V pair, root too" {
    fake_sys
    echo 16 >sys/kernel/msgmnb
    doctor
    [ "$status" -eq 1 ]
    line message-queues | grep -q 'CANNOT RUN: kernel.msgmnb is 16, the pair needs 30: .*sysctl kernel.msgmnb=30'
    line posix-mq | grep -q ' ok'
}

@test "doctor: no System V IPC (WSL1, some containers) and no /dev/mqueue mount are named" {
    DOCTOR_SYSVIPC=$BATS_TEST_TMPDIR/none DOCTOR_MQUEUE=$BATS_TEST_TMPDIR/unmounted doctor
    [ "$status" -eq 1 ]
    line message-queues | grep -q 'CANNOT RUN: System V IPC is missing here'
    line posix-mq | grep -q "ok; note: $BATS_TEST_TMPDIR/unmounted is not mounted .*mount -t mqueue none $BATS_TEST_TMPDIR/unmounted"
}

@test "doctor: a low ulimit -n fails every pair, with the ulimit command; a middling one limits the server" {
    DOCTOR_PORT=$(free_port) run bash -c 'ulimit -n 12 && exec "$1"' _ "$DOCTOR"
    echo "$output"
    [ "$status" -eq 1 ]
    . "$REPO/scripts/pairs.sh"
    for name in $PAIR_NAMES; do
        line "$name" | grep -q 'CANNOT RUN: .*ulimit -n is 12 .*: ulimit -n 1024'
    done
    DOCTOR_PORT=$(free_port) run bash -c 'ulimit -n 100 && exec "$1"' _ "$DOCTOR"
    [ "$status" -eq 0 ]
    line sockets | grep -q 'ok; note: ulimit -n is 100: the server serves at most about 92 clients'
    line pipes | grep -q ' ok$'
}

@test "doctor: a directory too deep for a UNIX socket path fails sockets-unix; forbidden ptrace is named on the strace line" {
    deep=$BATS_TEST_TMPDIR/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})
    mkdir -p "$deep"
    DOCTOR_DIR=$deep doctor
    [ "$status" -eq 1 ]
    line sockets-unix | grep -q 'more than a UNIX socket address holds (107): give a shorter one, e.g. -u /tmp/echo.sock'
    line shared-files | grep -q ' ok'
    fake_sys
    mkdir -p sys/kernel/yama
    echo 3 >sys/kernel/yama/ptrace_scope
    doctor
    if command -v strace >/dev/null; then
        line strace | grep -q 'cannot trace: kernel.yama.ptrace_scope is 3 (no ptrace until reboot)'
    else
        line strace | grep -q 'missing (make trace)'
    fi
}
