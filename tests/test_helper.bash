# shellcheck shell=bash
# shellcheck disable=SC2034 # EXIT_CODE, LAST_PID, PY... are read by the tests
# tests/test_helper.bash - what every test file loads (`load test_helper`).
#
# Each test gets:
#   - its own temp dir as the working directory ($BATS_TEST_TMPDIR),
#   - $TAG, a string unique to the test, for IPC object names
#     (/dev/shm, /dev/mqueue) and $(free_port) for TCP ports,
#   - prog/start_bg to run the programs (under valgrind when IPC_VALGRIND=1,
#     from IPC_BIN_DIR when make check built them with sanitizers), and
#     spawn, the one way anything is started in the background (programs,
#     python3 peers, socat...): tagged, in a process group of its own, fd 3
#     closed, killed with its whole group by teardown,
#   - need/need_py_module: skip, naming the Debian package, when a peer
#     nobody here wrote is missing (tests/run installs them when root),
#   - private_namespace, for tests of the article's machine-wide default
#     names (/shMemEx, port 9876, the queue.h key),
#   - bounded waits on real events: wait_for_line, wait_for_path,
#     wait_for_port, wait_exit (no bare sleeps),
#   - a teardown that FAILS the test if anything was left behind: running
#     processes, /dev/shm or /dev/mqueue objects named with $TAG, System V
#     queues, segments and semaphore sets whose key was registered with
#     track_sysv_key, FIFOs or sockets in the temp dir, sanitizer or
#     valgrind reports.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=${IPC_BIN_DIR:-$REPO}
POLL_INTERVAL=0.02
# Generous bound for waits: valgrind makes programs 10-50x slower.
WAIT_LIMIT=${IPC_TEST_WAIT:-30}
# python3 with the Debian modules (sysv_ipc) when a pyenv one shadows it.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
PY=${IPC_PYTHON:-$PY} # a python3 of your choice (tests of the suite itself hide modules so)

# Every python3 peer ends by itself: SIGALRM ends it after PEER_BOUND
# seconds (its default action is set first: the suite may have been started
# with SIGALRM ignored), and no socket operation waits more than 30 s.
PEER_BOUND=${IPC_PEER_BOUND:-$((WAIT_LIMIT * 4))}
PY_PRELUDE="import os, signal, socket; signal.signal(signal.SIGALRM, signal.SIG_DFL); signal.alarm($PEER_BOUND); socket.setdefaulttimeout(30)
"

setup() {
    cd "$BATS_TEST_TMPDIR" || return 1
    TAG="ipct${$}n${BATS_TEST_NUMBER}r${RANDOM}"
    PIDS=()
    SYSV_KEYS=()
    NS=()      # the nsenter prefix once private_namespace was called
    NS_PID=
    export ASAN_OPTIONS="log_path=$BATS_TEST_TMPDIR/sanitizer:detect_leaks=1"
    export UBSAN_OPTIONS="log_path=$BATS_TEST_TMPDIR/sanitizer:print_stacktrace=1:halt_on_error=1"
    if declare -F local_setup >/dev/null; then local_setup; fi
}

# cmd_for NAME ARGS... : fill the array CMD with the command line for a
# program (e.g. pipes/fifoWriter), tagged so teardown can find its processes.
cmd_for() {
    local name=$1
    shift
    CMD=("${NS[@]}" env "IPC_TEST_TAG=$TAG")
    if [ "${IPC_VALGRIND:-0}" = 1 ]; then
        # --vgdb=no: no gdbserver pipe in /tmp (as another user, valgrind
        # failed on a leftover one of the same PID: EACCES)
        CMD+=(valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full
            "--show-leak-kinds=definite,indirect"
            "--errors-for-leak-kinds=definite,indirect"
            "--log-file=$BATS_TEST_TMPDIR/valgrind.%p")
    fi
    CMD+=("$BIN/$name" "$@")
}

# prog NAME ARGS... : run a program in the foreground (use with bats' run).
prog() {
    cmd_for "$@"
    "${CMD[@]}"
}

# spawn LOGBASE COMMAND ARGS... : start COMMAND in the background, the only
# way a test starts anything that outlives one line. COMMAND is a simple
# command, never a shell function, so $! is its own PID. It is tagged with
# IPC_TEST_TAG (teardown finds its children by it), leads a process group of
# its own (setsid; teardown kills the whole group), and runs with fd 3
# closed: bats waits for every holder of that pipe, so a stray peer holding
# it would hang the whole suite. SIGINT and SIGQUIT get their default action
# back (bash makes a background job ignore them), as in a program started
# from a terminal. stdout to LOGBASE.out, stderr to LOGBASE.err; the PID in
# $LAST_PID, recorded for teardown.
spawn() {
    local log=$1 ns=("${NS[@]}")
    shift
    # In the test's namespace (private_namespace), once: a command from
    # cmd_for is there already, and entering a user namespace one is
    # already in fails (EINVAL).
    [ "${1:-}" != "${NS[0]:-}" ] || ns=()
    IPC_TEST_TAG=$TAG setsid env --default-signal=INT,QUIT "${ns[@]}" "$@" >"$log.out" 2>"$log.err" 3>&- &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# start_bg LOGBASE NAME ARGS... : spawn one of the suite's programs.
start_bg() {
    local log=$1
    shift
    cmd_for "$@"
    spawn "$log" "${CMD[@]}"
}

# py CODE ARGS... : python3 running CODE (a peer nobody here wrote), bounded
# by PY_PRELUDE. spawn_py LOGBASE CODE ARGS... : the same in the background.
py() {
    local code=$1
    shift
    "${NS[@]}" "$PY" -c "$PY_PRELUDE$code" "$@"
}
spawn_py() {
    local log=$1 code=$2
    shift 2
    spawn "$log" "$PY" -c "$PY_PRELUDE$code" "$@"
}

# need COMMAND PACKAGE : skip the test, naming the Debian package, when a
# peer program is missing. need_py_module MODULE PACKAGE : the same for a
# python3 module. (tests/run installs these packages first when root, and
# lists the ones still missing once, above its summary line.)
need() {
    command -v "$1" >/dev/null 2>&1 || skip "needs $1 (Debian package $2)"
}
need_py_module() {
    "$PY" -c "import $1" 2>/dev/null || skip "needs python3 module $1 (Debian package $2)"
}

# without_ipv6 NAME ARGS... : run one of the suite's programs (in the
# foreground, with bats' run) as on a kernel booted with ipv6.disable=1: its
# own first socket(AF_INET6, ...) fails with EAFNOSUPPORT, injected by
# strace (glibc's AF_INET6 probe, made with SOCK_CLOEXEC, is left alone). A
# dry run first counts the socket calls before it. Not under valgrind.
without_ipv6() {
    local n
    export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" # LeakSanitizer cannot run under ptrace
    "${NS[@]}" env "IPC_TEST_TAG=$TAG" strace -qq -e trace=socket -o dry.txt "$BIN/$1" "${@:2}" >/dev/null 2>&1
    n=$(grep -nE '^socket\(AF_INET6, SOCK_(STREAM|DGRAM), ' dry.txt | head -n 1 | cut -d: -f1)
    [ -n "$n" ] || { cat dry.txt >&2; return 1; }
    "${NS[@]}" env "IPC_TEST_TAG=$TAG" strace -qq -o /dev/null -e trace=socket -e "inject=socket:error=EAFNOSUPPORT:when=$n" "$BIN/$1" "${@:2}"
}

# private_namespace : from here on, this test's programs, peers and checks
# run in IPC, network and mount namespaces of their own, with a private
# /dev/shm, /dev/mqueue and loopback: the article's machine-wide default
# names (/shMemEx, /mqpair, port 9876, the key of queue.h) cannot meet
# another process's objects, and nothing the test leaves can outlive it.
# Where namespaces are not allowed, the test takes a machine-wide lock
# instead: such tests then run one at a time.
private_namespace() {
    local user=()
    [ "$(id -u)" = 0 ] || user=(--user --map-root-user)
    if unshare "${user[@]}" --ipc --net --mount true 2>/dev/null; then
        # The holder: a shell that prepares the namespaces, then keeps them
        # alive (a sleep that holds them, not one that waits for an event).
        spawn ns unshare "${user[@]}" --ipc --net --mount sh -c '
            mount -t tmpfs -o mode=1777 tmpfs /dev/shm &&
            { [ ! -d /dev/mqueue ] || mount -t mqueue none /dev/mqueue; } &&
            { ip link set lo up 2>/dev/null || ifconfig lo up 2>/dev/null || true; } &&
            echo ready && exec sleep 100000'
        NS_PID=$LAST_PID
        wait_for_line ns.out '^ready$' || return 1
        # --wd=.: stay in the caller's directory (entering a mount namespace
        # otherwise moves a process to the namespace's root directory)
        NS=(nsenter -t "$NS_PID" --ipc --net --mount --wd=. --)
        [ ${#user[@]} -eq 0 ] || NS=(nsenter -t "$NS_PID" --user --preserve-credentials --ipc --net --mount --wd=. --)
    else
        exec {NS_LOCK}>"${TMPDIR:-/tmp}/ipc-examples-default-names.lock"
        flock -w "$((WAIT_LIMIT * 4))" "$NS_LOCK" || return 1
    fi
}

# proc_state PID : the process's state letter (R, S, T, Z, ...), or nothing.
proc_state() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }

# alive PID : running (a zombie waiting to be reaped does not count).
alive() {
    local state
    state=$(proc_state "$1")
    [ -n "$state" ] && [ "$state" != Z ]
}

# stopped PID : the process is stopped (SIGSTOP), state T.
stopped() { [ "$(proc_state "$1")" = T ]; }

# wait_exit PID [SECONDS] : wait for a background program to end; its exit
# status in $EXIT_CODE. Fails (and kills it) if it runs past the bound.
wait_exit() {
    local pid=$1 limit=${2:-$WAIT_LIMIT}
    local end=$((SECONDS + limit))
    while alive "$pid"; do
        if [ "$SECONDS" -ge "$end" ]; then
            echo "wait_exit: process $pid still running after ${limit}s" >&2
            kill -9 "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            return 1
        fi
        sleep "$POLL_INTERVAL"
    done
    EXIT_CODE=0
    wait "$pid" || EXIT_CODE=$?
}

# wait_until SECONDS COMMAND... : poll COMMAND until it succeeds, bounded.
wait_until() {
    local limit=$1
    shift
    local end=$((SECONDS + limit))
    until "$@"; do
        if [ "$SECONDS" -ge "$end" ]; then
            echo "wait_until: gave up after ${limit}s waiting for: $*" >&2
            return 1
        fi
        sleep "$POLL_INTERVAL"
    done
}

# wait_for_line FILE REGEX [SECONDS] : until a line matching REGEX is in FILE.
wait_for_line() {
    local file=$1 re=$2 limit=${3:-$WAIT_LIMIT}
    if ! wait_until "$limit" grep -qE -- "$re" "$file" 2>/dev/null; then
        echo "--- $file:" >&2
        cat "$file" >&2 2>/dev/null
        return 1
    fi
}

# wait_for_path PATH [SECONDS]
wait_for_path() { wait_until "${2:-$WAIT_LIMIT}" test -e "$1"; }

# wait_for_port PORT [SECONDS] : until something listens on TCP PORT.
port_listening() { "${NS[@]}" ss -Hltn "sport = :$1" | grep -q .; }
wait_for_port() { wait_until "${2:-$WAIT_LIMIT}" port_listening "$1"; }

# free_port : a TCP port nothing listens on now (the kernel's choice).
free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# ftok_key PATH ID : the key glibc's ftok(PATH, ID) returns, as ipcs shows it.
ftok_key() {
    local dev ino
    read -r dev ino < <(stat -L -c '%d %i' "$1")
    printf '0x%08x\n' $(((($2 & 0xff) << 24) | ((dev & 0xff) << 16) | (ino & 0xffff)))
}

# track_sysv_key KEY : teardown checks that no queue, segment or semaphore
# set with KEY is left.
track_sysv_key() { SYSV_KEYS+=("$1"); }
sysv_exists() { "${NS[@]}" ipcs "$1" | awk '{print $1}' | grep -qix -- "$2"; }
sysv_queue_exists() { sysv_exists -q "$1"; }
sysv_shm_exists() { sysv_exists -m "$1"; }
sysv_sem_exists() { sysv_exists -s "$1"; }

# refute COMMAND... : fail if COMMAND succeeds. (A bare `! cmd` never fails
# a bats test: bash's errexit ignores negated commands.)
refute() {
    if "$@"; then
        echo "expected to fail: $*" >&2
        return 1
    fi
}

# wait_in_kernel PID REGEX : until the process sleeps in a kernel function
# matching REGEX (/proc/PID/wchan), i.e. it is blocked in the system call we
# mean to interrupt, not about to enter it. Signals sent before that moment
# could land between the program's check of its flag and the call.
wait_in_kernel() {
    wait_until "$WAIT_LIMIT" grep -qE -- "$2" "/proc/$1/wchan"
}

# sigint_default PID : until PID no longer ignores SIGINT: spawn's env has
# reset it and exec'd the program (until then, a SIGINT would be dropped by
# the forked bash, which ignores it in a background job).
sigint_default() {
    local mask i
    for ((i = 0; i < 1000; i++)); do
        mask=$(sed -n 's/^SigIgn:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null) || return 0
        [ -n "$mask" ] && (((16#$mask & 2) == 0)) && return 0
        sleep 0.001 # polling the process's signal dispositions, bounded
    done
}

# signal_storm N SIGNAL NAME ARGS... : start program NAME (as start_bg) N
# times, and each time send SIGNAL at a random moment of its first 30 ms:
# before its handler exists, between its last look at the flag and its
# blocking call, or inside the call. Each run must end within STORM_BOUND
# seconds of the signal (a signal is never lost: ipc.h). The exit statuses
# seen, sorted and unique, are left in STORM_STATUSES (130 = died of SIGINT,
# as a program that cleaned up and re-raised it does); the slowest exit, in
# ms, in STORM_WORST_MS.
STORM_BOUND=${IPC_STORM_BOUND:-1}
[ "${IPC_VALGRIND:-0}" = 1 ] && STORM_BOUND=${IPC_STORM_BOUND:-10}
signal_storm() {
    local n=$1 sig=$2 i pid t0 ms statuses=()
    shift 2
    STORM_WORST_MS=0
    for ((i = 0; i < n; i++)); do
        start_bg "storm$i" "$@"
        pid=$LAST_PID
        sigint_default "$pid"
        sleep "0.0$((RANDOM % 30))" # a random moment: fault injection, not synchronization
        t0=${EPOCHREALTIME/./}
        kill "-$sig" "$pid" 2>/dev/null
        wait_exit "$pid" $((STORM_BOUND + 10)) || return 1
        ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
        [ "$ms" -le "$STORM_WORST_MS" ] || STORM_WORST_MS=$ms
        statuses+=("$EXIT_CODE")
        if [ "$ms" -gt $((STORM_BOUND * 1000)) ]; then
            echo "signal_storm: run $i ended ${ms} ms after SIG$sig (bound ${STORM_BOUND} s): $*" >&2
            cat "storm$i.err" >&2
            return 1
        fi
    done
    STORM_STATUSES=$(printf '%s\n' "${statuses[@]}" | sort -nu | tr '\n' ' ')
    STORM_STATUSES=${STORM_STATUSES% }
}

# need_root WHY : skip the test unless we are root (CI is): only root can
# act as another user, or make objects another user owns.
need_root() {
    [ "$(id -u)" = 0 ] || skip "needs root: $1"
}

# as_nobody NAME ARGS... : run a program as user nobody (65534) with no
# groups, for tests about permissions (CI runs as root, which they do not
# stop). Its objects must then be reachable by nobody. Under valgrind its
# log goes to a directory nobody may write, then where teardown looks.
as_nobody() {
    local logs rc=0
    cmd_for "$@"
    logs=$(mktemp -d) && chmod 1777 "$logs" || return 1
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        "${CMD[@]/#--log-file=$BATS_TEST_TMPDIR\//--log-file=$logs/}" || rc=$?
    mv "$logs"/* "$BATS_TEST_TMPDIR"/ 2>/dev/null
    rm -rf "$logs"
    return "$rc"
}

# fingerprint PATH : what a program must not change: type, mode, owner,
# size, times, inode, contents (of a file), target (of a symlink).
fingerprint() {
    stat -c '%F %a %u %s %Y %Z %i' "$1"
    if [ -L "$1" ]; then readlink "$1"; elif [ -f "$1" ]; then md5sum <"$1"; fi
}

# with_fd_limit N NAME ARGS... : run a program with at most N descriptors
# (ulimit -n N) and only 0, 1 and 2 open (bats keeps some of its own open),
# bounded in time. LeakSanitizer is off: it needs descriptors of its own at
# exit, and without them spins for ever.
with_fd_limit() {
    local n=$1
    shift
    cmd_for "$@"
    # shellcheck disable=SC2016 # expanded by the inner bash
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" bash -c 'for f in /proc/$$/fd/*; do
        f=${f##*/}; [ "$f" -le 2 ] || eval "exec $f>&-"; done
        ulimit -n "$1" && shift && exec timeout -k 5 "$((WAIT_LIMIT * 2))" "$@"' _ "$n" "${CMD[@]}"
}

# shared_dir : a directory user nobody can reach but not write (the test's
# own temp dir is inside bats' 0700 one), in $SHARED_DIR; removed by
# teardown.
shared_dir() {
    SHARED_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ipct-shared.XXXXXX")
    chmod 755 "$SHARED_DIR"
}

# expect_equal ACTUAL EXPECTED : compare, showing both on failure.
expect_equal() {
    if [ "$1" != "$2" ]; then
        printf -- '--- expected:\n%s\n--- actual:\n%s\n' "$2" "$1" >&2
        return 1
    fi
}

# group_members PID : the processes in the process group PID leads.
group_members() { pgrep -g "$1" 2>/dev/null; }

teardown() {
    local left=() pid f key member
    if declare -F local_teardown >/dev/null; then local_teardown; fi
    [ -z "${SHARED_DIR:-}" ] || rm -rf "$SHARED_DIR"
    rm -f "$BATS_TEST_TMPDIR/hold" "$BATS_TEST_TMPDIR/release" # peers waiting on these end
    for pid in "${PIDS[@]}"; do
        [ "$pid" = "$NS_PID" ] && continue # the namespace holder goes last
        if alive "$pid"; then
            left+=("process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)) still running")
        fi
        # the whole group: a server's children, a peer's helpers
        for member in $(group_members "$pid"); do
            [ "$member" = "$pid" ] || ! alive "$member" ||
                left+=("process $member (in the group of $pid) still running")
        done
        kill -9 -- "-$pid" 2>/dev/null
        kill -9 "$pid" 2>/dev/null
    done
    # Any process that carries this test's tag: forked children included.
    while IFS= read -r f; do
        pid=${f#/proc/}
        pid=${pid%/environ}
        if alive "$pid" && [ "$pid" != "$NS_PID" ]; then
            kill -9 "$pid" 2>/dev/null
            left+=("process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)) still running")
        fi
    done < <(grep -lxz "IPC_TEST_TAG=$TAG" /proc/[0-9]*/environ 2>/dev/null)
    for f in /dev/shm/*"$TAG"* /dev/mqueue/*"$TAG"*; do
        if [ -e "$f" ]; then
            rm -f "$f"
            left+=("$f")
        fi
    done
    for key in "${SYSV_KEYS[@]}"; do
        if sysv_queue_exists "$key"; then
            "${NS[@]}" ipcrm -Q "$key" 2>/dev/null
            left+=("System V queue $key")
        fi
        if sysv_shm_exists "$key"; then
            "${NS[@]}" ipcrm -M "$key" 2>/dev/null
            left+=("System V segment $key")
        fi
        if sysv_sem_exists "$key"; then
            "${NS[@]}" ipcrm -S "$key" 2>/dev/null
            left+=("System V semaphore set $key")
        fi
    done
    if [ -n "$NS_PID" ]; then
        # In a private namespace every object counts, whatever its name.
        # shellcheck disable=SC2016 # expanded by the inner sh and awk
        while IFS= read -r f; do
            left+=("$f (in the test's namespace)")
        done < <("${NS[@]}" sh -c 'ls -d /dev/shm/* /dev/mqueue/* 2>/dev/null;
            ipcs -q | awk "/^0x/ {print \"System V queue \" \$1}";
            ipcs -m | awk "/^0x/ {print \"System V segment \" \$1}";
            ipcs -s | awk "/^0x/ {print \"System V semaphores \" \$1}"')
        kill -9 "$NS_PID" 2>/dev/null
    fi
    while IFS= read -r f; do
        left+=("$f (FIFO or socket)")
    done < <(find "$BATS_TEST_TMPDIR" \( -type p -o -type s \) 2>/dev/null)
    for f in "$BATS_TEST_TMPDIR"/sanitizer.* "$BATS_TEST_TMPDIR"/valgrind.*; do
        if [ -s "$f" ]; then
            cat "$f" >&2
            left+=("report in $f")
        fi
    done
    if [ ${#left[@]} -gt 0 ]; then
        printf 'left behind: %s\n' "${left[@]}" >&2
        return 1
    fi
}
