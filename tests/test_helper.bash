# shellcheck shell=bash
# shellcheck disable=SC2034 # EXIT_CODE, LAST_PID, PY... are read by the tests
# tests/test_helper.bash - what every test file loads (`load test_helper`).
#
# Each test gets:
#   - its own temp dir as the working directory ($BATS_TEST_TMPDIR),
#   - $TAG, a string unique to the test, for IPC object names
#     (/dev/shm, /dev/mqueue) and $(free_port) for TCP ports,
#   - prog/start_bg to run the programs (under valgrind when IPC_VALGRIND=1,
#     from IPC_BIN_DIR when make check built them with sanitizers),
#   - bounded waits on real events: wait_for_line, wait_for_path,
#     wait_for_port, wait_exit (no bare sleeps),
#   - a teardown that FAILS the test if anything was left behind: running
#     processes, /dev/shm or /dev/mqueue objects named with $TAG, System V
#     queues registered with track_sysv_key, FIFOs or sockets in the temp
#     dir, sanitizer or valgrind reports.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=${IPC_BIN_DIR:-$REPO}
POLL_INTERVAL=0.02
# Generous bound for waits: valgrind makes programs 10-50x slower.
WAIT_LIMIT=${IPC_TEST_WAIT:-30}
# python3 with the Debian modules (sysv_ipc) when a pyenv one shadows it.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

setup() {
    cd "$BATS_TEST_TMPDIR" || return 1
    TAG="ipct${$}n${BATS_TEST_NUMBER}r${RANDOM}"
    PIDS=()
    SYSV_KEYS=()
    export ASAN_OPTIONS="log_path=$BATS_TEST_TMPDIR/sanitizer:detect_leaks=1"
    export UBSAN_OPTIONS="log_path=$BATS_TEST_TMPDIR/sanitizer:print_stacktrace=1:halt_on_error=1"
    if declare -F local_setup >/dev/null; then local_setup; fi
}

# cmd_for NAME ARGS... : fill the array CMD with the command line for a
# program (e.g. pipes/fifoWriter), tagged so teardown can find its processes.
cmd_for() {
    local name=$1
    shift
    CMD=(env "IPC_TEST_TAG=$TAG")
    if [ "${IPC_VALGRIND:-0}" = 1 ]; then
        CMD+=(valgrind -q --error-exitcode=99 --leak-check=full
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

# start_bg LOGBASE NAME ARGS... : start a program in the background, stdout
# to LOGBASE.out and stderr to LOGBASE.err; its PID in $LAST_PID.
start_bg() {
    local log=$1
    shift
    cmd_for "$@"
    "${CMD[@]}" >"$log.out" 2>"$log.err" &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
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
port_listening() { ss -Hltn "sport = :$1" | grep -q .; }
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

# track_sysv_key KEY : teardown checks that no queue with KEY is left.
track_sysv_key() { SYSV_KEYS+=("$1"); }
sysv_queue_exists() { ipcs -q | awk '{print $1}' | grep -qix -- "$1"; }

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

# expect_equal ACTUAL EXPECTED : compare, showing both on failure.
expect_equal() {
    if [ "$1" != "$2" ]; then
        printf -- '--- expected:\n%s\n--- actual:\n%s\n' "$2" "$1" >&2
        return 1
    fi
}

teardown() {
    local left=() pid f key
    if declare -F local_teardown >/dev/null; then local_teardown; fi
    for pid in "${PIDS[@]}"; do
        if alive "$pid"; then
            kill -9 "$pid" 2>/dev/null
            left+=("process $pid still running")
        fi
    done
    # Any process that carries this test's tag: forked children included.
    while IFS= read -r f; do
        pid=${f#/proc/}
        pid=${pid%/environ}
        if alive "$pid"; then
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
            ipcrm -Q "$key" 2>/dev/null
            left+=("System V queue $key")
        fi
    done
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
