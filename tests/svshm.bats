#!/usr/bin/env bats
# shared-memory, the System V pair: svwriter and svreader (beyond the
# article: shmget/shmat and a semaphore set under one ftok key, svshm.h).

load test_helper

ARTICLE_LINE="This is the way the world ends..."

local_setup() {
    touch keyfile
    KEY=$(ftok_key keyfile 124)
    track_sysv_key "$KEY"
    K=(-k keyfile)
}

# The real peer: python3 with sysv_ipc (Debian python3-sysv-ipc) for the
# key, the segment and the set's sem_otime, plus libc's semop through
# ctypes: sysv_ipc's Semaphore is a set of one semaphore, ours has three
# (svshm.h: SemWriting 0, SemWriter 1, SemDone 2). The key file is argv[1].
SV_PRELUDE='import ctypes, os, sys, time, sysv_ipc
libc = ctypes.CDLL(None, use_errno=True)
class Sembuf(ctypes.Structure):
    _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flg", ctypes.c_short)]
def semop(semid, *ops):
    if libc.semop(semid, (Sembuf * len(ops))(*[Sembuf(*o) for o in ops]), len(ops)) == -1:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
WRITING, WRITER, DONE, SEM_UNDO, GETVAL, SETALL = 0, 1, 2, 0x1000, 12, 17
key = sysv_ipc.ftok(sys.argv[1], 124, silence_warning=True)
'
py_sv() {
    need_py_module sysv_ipc python3-sysv-ipc
    py "$SV_PRELUDE$1" keyfile "${@:2}"
}
spawn_py_sv() {
    need_py_module sysv_ipc python3-sysv-ipc
    spawn_py "$1" "$SV_PRELUDE$2" keyfile "${@:3}"
}

# A writer in python3, step by step as svshm.h says: create the set,
# SETALL, the first semop (both +1, SEM_UNDO), the segment, the text
# (argv[2]); then, unless ./hold exists, SemWriting -1 and wait for SemDone,
# and remove both. With ./hold it prints "holding" and waits for the file
# to go before writing is done.
PY_WRITER='
sid = libc.semget(key, 3, sysv_ipc.IPC_CREX | 0o600)
assert sid >= 0, os.strerror(ctypes.get_errno())
assert libc.semctl(sid, 0, SETALL, (ctypes.c_ushort * 3)(0, 0, 0)) == 0
semop(sid, (WRITING, 1, SEM_UNDO), (WRITER, 1, SEM_UNDO))
m = sysv_ipc.SharedMemory(key, sysv_ipc.IPC_CREX, mode=0o600, size=512)
m.write(sys.argv[2].encode() + b"\0")
if os.path.exists("hold"):
    print("holding", flush=True)
    while os.path.exists("hold"): time.sleep(0.01)
semop(sid, (WRITING, -1, SEM_UNDO))
print("written", flush=True)
semop(sid, (DONE, -1, 0))
libc.semctl(sid, 0, 0)  # IPC_RMID
m.remove()
print("done", flush=True)'

# A reader in python3: waits for the set to be initialised (sem_otime),
# for SemWriting 0 (sysv_ipc Z() on the first semaphore), checks SemWriter,
# prints the text, posts SemDone.
PY_READER='
while True:
    try:
        s = sysv_ipc.Semaphore(key)
        if s.o_time != 0: break
    except sysv_ipc.ExistentialError:
        pass
    time.sleep(0.01)
s.Z(timeout=30)
assert libc.semctl(s.id, WRITER, GETVAL) == 1, "no live writer"
m = sysv_ipc.SharedMemory(key)
print(m.read().split(b"\0")[0].decode(), end="")
semop(s.id, (DONE, 1, 0))
m.detach()'

nothing_left() {
    refute sysv_shm_exists "$KEY"
    refute sysv_sem_exists "$KEY"
}

# in_semtimedop PID : blocked in the kernel's semtimedop.
in_semtimedop() { wait_in_kernel "$1" semtimedop; }

# settled PID : a reader has ended, or waits for a writer (backing off).
settled() { ! alive "$1" || grep -q nanosleep "/proc/$1/wchan"; }

@test "no arguments: the article's run with System V objects, from two working directories (key file beside the programs)" {
    private_namespace # the default key is machine-wide
    default_key=$(ftok_key "$BIN/shared-memory/svshm.h" 124)
    track_sysv_key "$default_key"
    mkdir one two
    cd one
    start_bg writer shared-memory/svwriter
    writer=$LAST_PID
    wait_for_line writer.err "waiting for svreader to read the segment \\(key $default_key\\)"
    grep -qE '^shared mem address: 0x[0-9a-f]+ \[0\.\.511\]$' writer.err
    grep -qP "^System V key:\t\t$default_key \\(ipcs -m -s\\)$" writer.err
    cd ../two
    run --separate-stderr prog shared-memory/svreader
    [ "$status" -eq 0 ]
    expect_equal "$output" "$ARTICLE_LINE"
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 0 ]
    # teardown lists anything left in the namespace: segments, semaphore
    # sets, and any file in /dev/shm (there is none: System V objects
    # have no name in a file system)
}

@test "svreader started first says so once and waits for svwriter" {
    start_bg reader shared-memory/svreader "${K[@]}"
    reader=$LAST_PID
    wait_for_line reader.err "^svreader: waiting for svwriter \\(key $KEY\\)$"
    run --separate-stderr prog shared-memory/svwriter "${K[@]}"
    [ "$status" -eq 0 ]
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "$ARTICLE_LINE"
    [ "$(grep -c waiting reader.err)" -eq 1 ]
    nothing_left
}

@test "svwriter started first waits in semtimedop for SemDone, then removes the segment and the set" {
    start_bg writer shared-memory/svwriter "${K[@]}"
    writer=$LAST_PID
    wait_for_line writer.err "waiting for svreader"
    in_semtimedop "$writer"
    sysv_shm_exists "$KEY"
    sysv_sem_exists "$KEY"
    run --separate-stderr prog shared-memory/svreader "${K[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$ARTICLE_LINE"
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 0 ]
    nothing_left
}

@test "the segment and the set are 0600 whatever the umask, and ipcs shows them" {
    umask 000
    start_bg writer shared-memory/svwriter "${K[@]}"
    wait_for_line writer.err "waiting for svreader"
    [ "$(ipcs -m | awk -v k="$KEY" 'tolower($1) == k {print $4, $5}')" = "600 512" ]
    [ "$(ipcs -s | awk -v k="$KEY" 'tolower($1) == k {print $4, $5}')" = "600 3" ]
    run prog shared-memory/svreader "${K[@]}"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
}

@test "python3 sysv_ipc reads svwriter's segment: waits for sem_otime and SemWriting 0, posts SemDone" {
    start_bg writer shared-memory/svwriter "${K[@]}" -x "seen by python"
    writer=$LAST_PID
    run py_sv "$PY_READER"
    [ "$status" -eq 0 ]
    expect_equal "$output" "seen by python"
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 0 ]
    nothing_left
}

@test "python3 sysv_ipc started before svwriter waits out the initialisation, then reads" {
    spawn_py_sv peer "$PY_READER"
    peer=$LAST_PID
    run --separate-stderr prog shared-memory/svwriter "${K[@]}"
    [ "$status" -eq 0 ]
    wait_exit "$peer"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat peer.out)" "$ARTICLE_LINE"
    nothing_left
}

@test "svreader reads what a python3 writer wrote, in either start order" {
    spawn_py_sv peer "$PY_WRITER" "from python"
    peer=$LAST_PID
    run --separate-stderr prog shared-memory/svreader "${K[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "from python"
    wait_exit "$peer"
    [ "$EXIT_CODE" -eq 0 ]
    # and the reader first
    start_bg reader shared-memory/svreader "${K[@]}"
    reader=$LAST_PID
    wait_for_line reader.err "waiting for svwriter"
    run py_sv "$PY_WRITER" "python, second"
    [ "$status" -eq 0 ]
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "python, second"
    nothing_left
}

@test "SEM_UNDO: a writer killed while svreader waits for SemWriting wakes it; the dead writer's text is never printed" {
    touch hold
    spawn_py_sv peer "$PY_WRITER" "STALE"
    peer=$LAST_PID
    wait_for_line peer.out holding
    start_bg reader shared-memory/svreader "${K[@]}"
    reader=$LAST_PID
    in_semtimedop "$reader" # waiting for zero
    kill -9 "$peer"
    wait_exit "$peer"
    # the kernel applied the dead writer's undo: SemWriting and SemWriter 0
    wait_for_line reader.err "^svreader: the svwriter of key $KEY died; waiting for another$" 10
    alive "$reader"
    run --separate-stderr prog shared-memory/svwriter "${K[@]}"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"removed a semaphore set left by an earlier run (key $KEY)"* ]]
    [[ "$stderr" == *"removed a segment left by an earlier run (key $KEY)"* ]]
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "$ARTICLE_LINE"
    nothing_left
}

@test "after kill -9 of svwriter, svreader started first never reads the stale segment; the next svwriter replaces it" {
    start_bg old shared-memory/svwriter "${K[@]}" -x "STALE"
    wait_for_line old.err "waiting for svreader"
    kill -9 "$LAST_PID"
    wait_exit "$LAST_PID"
    sysv_shm_exists "$KEY" # left: kill -9 skips every cleanup
    start_bg reader shared-memory/svreader "${K[@]}"
    reader=$LAST_PID
    wait_for_line reader.err "waiting for svwriter"
    alive "$reader"
    run --separate-stderr prog shared-memory/svwriter "${K[@]}"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"removed a segment left by an earlier run (key $KEY)"* ]]
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "$ARTICLE_LINE"
    nothing_left
}

@test "after kill -9 of svwriter, svwriter started first removes the leftovers and the run is like a first one" {
    start_bg old shared-memory/svwriter "${K[@]}" -x "STALE"
    wait_for_line old.err "waiting for svreader"
    kill -9 "$LAST_PID"
    wait_exit "$LAST_PID"
    start_bg writer shared-memory/svwriter "${K[@]}"
    writer=$LAST_PID
    wait_for_line writer.err "waiting for svreader"
    grep -q "removed a semaphore set left by an earlier run (key $KEY)" writer.err
    grep -q "removed a segment left by an earlier run (key $KEY)" writer.err
    run --separate-stderr prog shared-memory/svreader "${K[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$ARTICLE_LINE"
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 0 ]
    nothing_left
}

@test "after kill -9 of svreader waiting in semtimedop, the next svreader is served as the first would have been" {
    touch hold
    spawn_py_sv peer "$PY_WRITER" "for the next"
    peer=$LAST_PID
    wait_for_line peer.out holding
    start_bg old shared-memory/svreader "${K[@]}"
    in_semtimedop "$LAST_PID"
    kill -9 "$LAST_PID"
    wait_exit "$LAST_PID"
    rm hold
    wait_for_line peer.out written
    run --separate-stderr prog shared-memory/svreader "${K[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "for the next"
    wait_exit "$peer"
    [ "$EXIT_CODE" -eq 0 ]
    nothing_left
}

@test "a set its creator never initialised (sem_otime 0) is waited for, not used; after InitGrace svwriter removes it" {
    # the initialisation race: a creator killed between semget and its
    # first semop leaves a set whose values nobody set
    py_sv 'assert libc.semget(key, 3, sysv_ipc.IPC_CREX | 0o600) >= 0'
    start_bg reader shared-memory/svreader "${K[@]}"
    reader=$LAST_PID
    wait_for_line reader.err "waiting for svwriter"
    run --separate-stderr prog shared-memory/svwriter "${K[@]}"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"removed a semaphore set left by an earlier run (key $KEY)"* ]]
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "$ARTICLE_LINE"
    nothing_left
}

@test "svwriter that finds a set being initialised waits, and refuses once its creator's first semop shows a live writer" {
    touch hold
    spawn_py_sv peer '
sid = libc.semget(key, 3, sysv_ipc.IPC_CREX | 0o600)
print("created", flush=True)
while os.path.exists("hold"):  # a slow creator: SETALL keeps its sem_ctime recent
    libc.semctl(sid, 0, SETALL, (ctypes.c_ushort * 3)(0, 0, 0))
    time.sleep(0.1)
semop(sid, (WRITING, 1, SEM_UNDO), (WRITER, 1, SEM_UNDO))
print("initialised", flush=True)
while not os.path.exists("release"): time.sleep(0.01)
libc.semctl(sid, 0, 0)'
    peer=$LAST_PID
    wait_for_line peer.out created
    start_bg writer shared-memory/svwriter "${K[@]}"
    writer=$LAST_PID
    wait_in_kernel "$writer" nanosleep # backing off: sem_otime is still 0
    rm hold
    wait_exit "$writer" 10
    [ "$EXIT_CODE" -eq 1 ]
    expect_equal "$(cat writer.err)" "svwriter: another svwriter is using key $KEY"
    sysv_sem_exists "$KEY" # not taken over, not removed
    touch release
    wait_exit "$peer"
}

@test "a second svwriter with the same key refuses, exit 1, and the first completes undisturbed" {
    start_bg writer shared-memory/svwriter "${K[@]}" -x "first"
    writer=$LAST_PID
    wait_for_line writer.err "waiting for svreader"
    run --separate-stderr prog shared-memory/svwriter "${K[@]}" -x "second"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "svwriter: another svwriter is using key $KEY"
    run --separate-stderr prog shared-memory/svreader "${K[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "first"
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 0 ]
    nothing_left
}

@test "two svreaders at once: each reads the text once or waits its turn for the next writer; neither disturbs the other" {
    touch hold
    spawn_py_sv peer "$PY_WRITER" "shared"
    peer=$LAST_PID
    wait_for_line peer.out holding
    start_bg r1 shared-memory/svreader "${K[@]}"
    r1=$LAST_PID
    start_bg r2 shared-memory/svreader "${K[@]}"
    r2=$LAST_PID
    in_semtimedop "$r1"
    in_semtimedop "$r2"
    rm hold
    wait_exit "$peer"
    [ "$EXIT_CODE" -eq 0 ]
    # A reader that lost the race with the writer's IPC_RMID has gone back
    # to waiting (backing off in nanosleep): the next writer serves it.
    for r in "$r1" "$r2"; do
        wait_until 20 settled "$r"
        if alive "$r"; then
            run --separate-stderr prog shared-memory/svwriter "${K[@]}" -x shared
            [ "$status" -eq 0 ]
        fi
    done
    wait_exit "$r1"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$r2"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat r1.out)" "shared"
    expect_equal "$(cat r2.out)" "shared"
    nothing_left
}

@test "another program's set or segment under the key is left alone: svwriter refuses, exit 1" {
    need_py_module sysv_ipc python3-sysv-ipc
    py_sv 'sysv_ipc.Semaphore(key, sysv_ipc.IPC_CREX, 0o600, 1)' # a set of 1
    run --separate-stderr prog shared-memory/svwriter "${K[@]}"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "svwriter: key $KEY: a semaphore set of another program"
    sysv_sem_exists "$KEY"
    py_sv 'sysv_ipc.Semaphore(key).remove()'
    py_sv 'sysv_ipc.SharedMemory(key, sysv_ipc.IPC_CREX, mode=0o600, size=100)'
    run --separate-stderr prog shared-memory/svwriter "${K[@]}"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "svwriter: key $KEY: a segment of another program"
    sysv_shm_exists "$KEY"
    refute sysv_sem_exists "$KEY" # the writer removed its own set
    py_sv 'sysv_ipc.SharedMemory(key).remove()'
}

@test "IPC_RMID marks the segment for removal: it lives, with key 0 and 'dest' in ipcs -m, until the last detach" {
    start_bg writer shared-memory/svwriter "${K[@]}"
    writer=$LAST_PID
    wait_for_line writer.err "waiting for svreader"
    touch hold
    spawn_py_sv peer '
m = sysv_ipc.SharedMemory(key)
print(m.id, flush=True)
while os.path.exists("hold"): time.sleep(0.01)
print(m.read().split(b"\0")[0].decode(), flush=True)'
    peer=$LAST_PID
    wait_until 20 test -s peer.out
    shmid=$(head -n 1 peer.out)
    run prog shared-memory/svreader "${K[@]}"
    [ "$status" -eq 0 ]
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 0 ]
    refute sysv_shm_exists "$KEY" # the key is free at once...
    [ "$(ipcs -m | awk -v id="$shmid" '$2 == id {print $1, $6, $7}')" = "0x00000000 1 dest" ]
    rm hold # ...the pages at the last detach
    wait_exit "$peer"
    grep -qxF "$ARTICLE_LINE" peer.out
    [ -z "$(ipcs -m | awk -v id="$shmid" '$2 == id')" ]
}

@test "SIGINT or SIGTERM to svwriter waiting in semtimedop removes the segment and the set" {
    for sig in INT TERM; do
        start_bg "writer$sig" shared-memory/svwriter "${K[@]}"
        wait_for_line "writer$sig.err" "waiting for svreader"
        in_semtimedop "$LAST_PID"
        kill -"$sig" "$LAST_PID"
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq $((128 + $(kill -l "$sig"))) ]
        nothing_left
    done
}

@test "SIGTERM to svreader waiting for a writer, or in semtimedop: it ends and leaves everything as it was" {
    start_bg reader shared-memory/svreader "${K[@]}"
    wait_for_line reader.err "waiting for svwriter"
    kill -TERM "$LAST_PID"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 143 ]
    nothing_left
    touch hold
    spawn_py_sv peer "$PY_WRITER" "held"
    peer=$LAST_PID
    wait_for_line peer.out holding
    start_bg reader2 shared-memory/svreader "${K[@]}"
    in_semtimedop "$LAST_PID"
    kill -INT "$LAST_PID"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 130 ]
    [ ! -s reader2.out ]
    rm hold # the python writer still finishes with another reader
    run --separate-stderr prog shared-memory/svreader "${K[@]}"
    expect_equal "$output" "held"
    wait_exit "$peer"
    [ "$EXIT_CODE" -eq 0 ]
}

@test "a stop signal at any moment: svwriter and svreader end within a second and leave nothing" {
    signal_storm 15 INT shared-memory/svwriter "${K[@]}"
    [[ "$STORM_STATUSES" =~ ^(130)$ ]]
    nothing_left
    signal_storm 15 TERM shared-memory/svwriter "${K[@]}"
    [[ "$STORM_STATUSES" =~ ^(143)$ ]]
    nothing_left
    signal_storm 15 TERM shared-memory/svreader "${K[@]}"
    [[ "$STORM_STATUSES" =~ ^(143)$ ]]
}

# ms_since T0 : milliseconds since T0 (an EPOCHREALTIME without the dot).
ms_since() { echo $(((${EPOCHREALTIME/./} - $1) / 1000)); }

@test "-t 0 does not wait: svwriter with no reader and svreader with no writer give up at once, exit 1" {
    bound=2000
    [ "${IPC_VALGRIND:-0}" = 1 ] && bound=10000 # valgrind's own start-up
    t0=${EPOCHREALTIME/./}
    run --separate-stderr prog shared-memory/svwriter "${K[@]}" -t 0
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"svwriter: gave up after 0 s: no svreader read the segment" ]]
    [ "$(ms_since "$t0")" -lt "$bound" ]
    nothing_left
    t0=${EPOCHREALTIME/./}
    run --separate-stderr prog shared-memory/svreader "${K[@]}" -t 0
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"svreader: gave up after 0 s: no svwriter wrote under the key" ]]
    [ "$(ms_since "$t0")" -lt "$bound" ]
    run --separate-stderr prog shared-memory/svwriter "${K[@]}" -t 0.3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"svwriter: gave up after 0.3 s: no svreader read the segment" ]]
    nothing_left
}

@test "-k naming a regular file, a directory or a symlink: only looked at by ftok, never modified or removed" {
    echo "precious" >file
    mkdir dir
    ln -s file link
    before=$(stat -c '%s %Y %i' file dir; readlink link)
    for path in file dir link; do
        key=$(ftok_key "$path" 124)
        track_sysv_key "$key"
        start_bg "w-$path" shared-memory/svwriter -k "$path"
        run --separate-stderr prog shared-memory/svreader -k "$path"
        [ "$status" -eq 0 ]
        expect_equal "$output" "$ARTICLE_LINE"
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq 0 ]
    done
    expect_equal "$(stat -c '%s %Y %i' file dir; readlink link)" "$before"
    [ "$(cat file)" = precious ]
    run --separate-stderr prog shared-memory/svwriter -k nosuchfile
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "svwriter: ftok nosuchfile: No such file or directory"
}

# low_nofile NAME ARGS... : CMD for program NAME run with only stdin,
# stdout and stderr open and ulimit -n 4 (the dynamic loader needs one more).
low_nofile() {
    cmd_for "$@"
    # shellcheck disable=SC2016 # expanded by the inner bash
    CMD=(bash -c 'for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -le 2 ] || eval "exec $n>&-"; done
        ulimit -n 4 && exec "$@"' _ "${CMD[@]}")
}

@test "ulimit -n 4: the pair holds no file descriptor (System V objects have none)" {
    [ "${IPC_VALGRIND:-0}" = 1 ] && skip "valgrind itself needs descriptors"
    low_nofile shared-memory/svwriter "${K[@]}"
    spawn writer "${CMD[@]}"
    writer=$LAST_PID
    wait_for_line writer.err "waiting for svreader"
    expect_equal "$(find "/proc/$writer/fd" -mindepth 1 -printf '%f\n' | sort -n | tr '\n' ' ')" "0 1 2 "
    low_nofile shared-memory/svreader "${K[@]}"
    run --separate-stderr "${CMD[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$ARTICLE_LINE"
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 0 ]
}

@test "out of segments or semaphore sets (kernel.shmmni, kernel.sem): reported once, exit 1, nothing left" {
    private_namespace # the limits are the namespace's own
    [ ${#NS[@]} -gt 0 ] || skip "needs a private IPC namespace (it changes kernel.shmmni)"
    K=(-k "$BATS_TEST_TMPDIR/keyfile")
    "${NS[@]}" sh -c 'echo 0 >/proc/sys/kernel/shmmni' 2>/dev/null || skip "cannot set kernel.shmmni here"
    run --separate-stderr prog shared-memory/svwriter "${K[@]}"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "svwriter: shmget key $KEY: No space left on device"
    "${NS[@]}" sh -c 'echo 4096 >/proc/sys/kernel/shmmni && echo "32000 1024000000 500 0" >/proc/sys/kernel/sem'
    run --separate-stderr prog shared-memory/svwriter "${K[@]}"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "svwriter: semget key $KEY: No space left on device"
    # (teardown: nothing left in the namespace)
}

@test "watch sysv-shm: the segment, the semaphore values, the writer blocked in semtimedop, a reader waiting for zero" {
    start_bg writer shared-memory/svwriter "${K[@]}"
    writer=$LAST_PID
    wait_for_line writer.err "waiting for svreader"
    in_semtimedop "$writer"
    run "$BATS_TEST_DIRNAME/../scripts/watch" --once --dir "$BATS_TEST_TMPDIR" sysv-shm
    [ "$status" -eq 0 ]
    grep -qE "^  sysvshm key $KEY id [0-9]+  512 bytes  nattch 1  cpid $writer \(svwriter\)" <<<"$output"
    grep -qE "^  sysvsem key $KEY id [0-9]+  values 0 1 0 \(1 waiting\)$" <<<"$output"
    grep -qE "^  $writer svwriter: blocked in [a-z_]*semtimedop.*\(semtimedop on id [0-9]+\)" <<<"$output"
    run prog shared-memory/svreader "${K[@]}"
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 0 ]
    # a reader waiting for zero, behind a python3 writer that holds SemWriting
    touch hold
    spawn_py_sv peer "$PY_WRITER" "held"
    peer=$LAST_PID
    wait_for_line peer.out holding
    start_bg reader shared-memory/svreader "${K[@]}"
    reader=$LAST_PID
    in_semtimedop "$reader"
    run "$BATS_TEST_DIRNAME/../scripts/watch" --once --dir "$BATS_TEST_TMPDIR" sysv-shm
    grep -qE "^  sysvsem key $KEY id [0-9]+  values 1 \(1 waiting for 0\) 1 0$" <<<"$output"
    grep -qE "^  $reader svreader: blocked in [a-z_]*semtimedop" <<<"$output"
    rm hold
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$peer"
}

@test "--help names the partner; bad options, ids and arguments exit 2" {
    run --separate-stderr prog shared-memory/svwriter -h
    [ "$status" -eq 0 ]
    [[ "$output" == *"Partner: svreader"* ]]
    [[ "$output" == *"0: do not wait"* ]]
    run --separate-stderr prog shared-memory/svreader --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Partner: svwriter"* ]]
    run --separate-stderr prog shared-memory/svreader -q
    [ "$status" -eq 2 ]
    [[ "$stderr" == "svreader: unknown option '-q'"$'\n'"Usage: svreader"* ]]
    run --separate-stderr prog shared-memory/svwriter -i 256
    [ "$status" -eq 2 ]
    [[ "$stderr" == "svwriter: --id: expected a whole number from 1 to 255, got '256'"* ]]
    run --separate-stderr prog shared-memory/svreader -i 0
    [ "$status" -eq 2 ]
    run --separate-stderr prog shared-memory/svwriter extra
    [ "$status" -eq 2 ]
    run --separate-stderr prog shared-memory/svwriter -x "$(head -c 600 /dev/zero | tr '\0' a)"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "svwriter: --text: at most 511 bytes"* ]]
    run --separate-stderr prog shared-memory/svreader -t -1
    [ "$status" -eq 2 ]
}
