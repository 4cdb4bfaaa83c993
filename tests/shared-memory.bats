#!/usr/bin/env bats
# shared-memory: memwriter and memreader (article part 1, Examples 3 and 4).

load test_helper

ARTICLE_LINE="This is the way the world ends..."

local_setup() {
    SHM="/shm$TAG"
    SEM="/sem$TAG"
    NAMES=(-m "$SHM" -s "$SEM")
}

# nothing_left : no segment or semaphore of this test in /dev/shm.
nothing_left() {
    [ ! -e "/dev/shm$SHM" ] && [ ! -e "/dev/shm/sem.${SEM#/}" ] && [ ! -e "/dev/shm/sem.${SEM#/}-done" ]
}

# py_sem NAME VALUE : a named semaphore with that value, made by python3
# (ctypes, glibc's sem_open), as a run killed at some point leaves one.
py_sem() {
    py '
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.sem_open.restype = ctypes.c_void_p
libc.sem_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_uint]
assert libc.sem_open(sys.argv[1].encode(), os.O_CREAT | os.O_EXCL, 0o600, int(sys.argv[2])), \
    os.strerror(ctypes.get_errno())' "$1" "$2"
}

# spawn_py_reader : a reader nobody here wrote (python3, ctypes): it takes
# the writer's "ready" unit, prints "took", and only once ./hold is gone
# prints the segment's text and posts "done".
spawn_py_reader() {
    touch hold
    spawn_py pyreader '
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.sem_open.restype = ctypes.c_void_p
libc.sem_open.argtypes = [ctypes.c_char_p, ctypes.c_int]
libc.sem_wait.argtypes = libc.sem_post.argtypes = [ctypes.c_void_p]
ready, done = libc.sem_open(sys.argv[1].encode(), 0), libc.sem_open(sys.argv[2].encode(), 0)
assert ready and done, os.strerror(ctypes.get_errno())
assert libc.sem_wait(ready) == 0
print("took", flush=True)
while os.path.exists("hold"):
    time.sleep(0.01)
print(open("/dev/shm" + sys.argv[3], "rb").read().rstrip(b"\0").decode(), end="", flush=True)
assert libc.sem_post(done) == 0' "$SEM" "$SEM-done" "$SHM"
}

# leave STATE... : what a memwriter killed at some point of its run leaves
# (shmem.h gives the order): seg0 (the segment, size 0), seg512 (full size,
# with old text), ready0/ready1 and done0/done1 (a semaphore and its value).
leave() {
    local part
    umask 077 # as the writer makes them: 0600
    for part in "$@"; do
        case $part in
        seg0) : >"/dev/shm$SHM" ;;
        seg512) printf 'STALE TEXT' >"/dev/shm$SHM" && truncate -s 512 "/dev/shm$SHM" ;;
        ready[01]) py_sem "$SEM" "${part#ready}" ;;
        done[01]) py_sem "$SEM-done" "${part#done}" ;;
        esac
    done
}

@test "no arguments: the article's run, writer first; shm_unlink and sem_unlink leave nothing (SHM-2, SHM-3)" {
    private_namespace # the default names are machine-wide
    start_bg writer shared-memory/memwriter
    wait_for_line writer.err '^backing file:[[:space:]]+/dev/shm/shMemEx$'
    run --separate-stderr prog shared-memory/memreader
    [ "$status" -eq 0 ]
    expect_equal "$output" "$ARTICLE_LINE"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    grep -qE '^shared mem address: 0x[0-9a-f]+ \[0\.\.511\]$' writer.err
    # nothing of the pair is left (SHM-2, SHM-3): teardown lists anything
    # left in the namespace's /dev/shm
}

@test "reader started first says so once and waits for the writer" {
    start_bg reader shared-memory/memreader "${NAMES[@]}"
    reader=$LAST_PID
    wait_for_line reader.err "waiting for memwriter to create $SHM"
    run prog shared-memory/memwriter "${NAMES[@]}"
    [ "$status" -eq 0 ]
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "$ARTICLE_LINE"
    [ "$(grep -c waiting reader.err)" -eq 1 ]
    nothing_left
}

@test "the writer waits for the reader's done, not a fixed sleep (SHM-4)" {
    start_bg writer shared-memory/memwriter "${NAMES[@]}"
    writer=$LAST_PID
    wait_for_line writer.err "waiting for memreader to read $SHM"
    # it waits on a semaphore: a writer that naps instead sleeps in
    # hrtimer_nanosleep, and this wait fails
    wait_in_kernel "$writer" futex
    spawn_py_reader
    reader=$LAST_PID
    wait_for_line pyreader.out '^took$'
    # the text is taken, "done" not yet posted: the writer stays, still in
    # its semaphore wait, for as long as the reader takes
    wait_in_kernel "$writer" futex
    alive "$writer"
    [ -e "/dev/shm$SHM" ]
    rm hold # the reader reads and posts "done"
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(sed 1d pyreader.out)" "$ARTICLE_LINE"
    nothing_left
}

@test "python3 reads the live segment from /dev/shm while the writer waits" {
    start_bg writer shared-memory/memwriter "${NAMES[@]}" -x "seen by python"
    wait_for_line writer.err "waiting for memreader"
    run "$PY" -c 'import sys; d=open(sys.argv[1],"rb").read(); print(len(d), d.rstrip(b"\0").decode())' "/dev/shm$SHM"
    [ "$status" -eq 0 ]
    expect_equal "$output" "512 seen by python"
    run --separate-stderr prog shared-memory/memreader "${NAMES[@]}"
    expect_equal "$output" "seen by python"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
}

@test "objects are created owner-only, 0600" {
    umask 000
    start_bg writer shared-memory/memwriter "${NAMES[@]}"
    wait_for_line writer.err "waiting for memreader"
    [ "$(stat -c %a "/dev/shm$SHM")" = 600 ]
    [ "$(stat -c %a "/dev/shm/sem.${SEM#/}")" = 600 ]
    [ "$(stat -c %a "/dev/shm/sem.${SEM#/}-done")" = 600 ]
    run prog shared-memory/memreader "${NAMES[@]}"
    wait_exit "$LAST_PID"
}

@test "two runs in a row behave like the first (SHM-2)" {
    # (not `i`: bats 1.8's run with flags overwrites a global i)
    for round in 1 2; do
        start_bg "writer$round" shared-memory/memwriter "${NAMES[@]}" -x "run $round"
        run --separate-stderr prog shared-memory/memreader "${NAMES[@]}"
        [ "$status" -eq 0 ]
        expect_equal "$output" "run $round"
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq 0 ]
        nothing_left
    done
}

@test "after kill -9 of the writer, a reader started first never sees the stale text (SHM-2, SHM-7)" {
    # The killed writer leaves a segment with old text and a posted semaphore.
    start_bg old shared-memory/memwriter "${NAMES[@]}" -x "STALE"
    wait_for_line old.err "waiting for memreader"
    kill -9 "$LAST_PID"
    wait_exit "$LAST_PID"
    [ -e "/dev/shm$SHM" ]
    start_bg reader shared-memory/memreader "${NAMES[@]}"
    reader=$LAST_PID
    wait_for_line reader.err "waiting for memwriter"
    alive "$reader"
    start_bg writer shared-memory/memwriter "${NAMES[@]}"
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "$ARTICLE_LINE"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    grep -q "removed $SHM left by an earlier run" writer.err
    nothing_left
}

@test "after kill -9 of a waiting reader, the next run is like a first run" {
    start_bg reader shared-memory/memreader "${NAMES[@]}"
    wait_for_line reader.err "waiting for memwriter"
    kill -9 "$LAST_PID"
    wait_exit "$LAST_PID"
    start_bg writer shared-memory/memwriter "${NAMES[@]}"
    run --separate-stderr prog shared-memory/memreader "${NAMES[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$ARTICLE_LINE"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    nothing_left
}

@test "SIGINT or SIGTERM to the waiting writer removes the segment and semaphores" {
    for sig in INT TERM; do
        start_bg "writer$sig" shared-memory/memwriter "${NAMES[@]}"
        wait_for_line "writer$sig.err" "waiting for memreader"
        wait_in_kernel "$LAST_PID" futex
        kill -"$sig" "$LAST_PID"
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq $((128 + $(kill -l "$sig"))) ]
        nothing_left
    done
}

@test "SIGTERM to a waiting reader: it ends and leaves nothing" {
    start_bg reader shared-memory/memreader "${NAMES[@]}"
    wait_for_line reader.err "waiting for memwriter"
    kill -TERM "$LAST_PID"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 143 ]
    nothing_left
}

@test "the writer gives up after --timeout with no reader, exit 1, and cleans up" {
    run --separate-stderr prog shared-memory/memwriter "${NAMES[@]}" -t 0.3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"memwriter: gave up after 0.3 s: no memreader read $SHM" ]]
    nothing_left
}

@test "the reader gives up after --timeout with no writer, exit 1" {
    run --separate-stderr prog shared-memory/memreader "${NAMES[@]}" -t 0.3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"memreader: gave up after 0.3 s: no memwriter created $SHM" ]]
}

@test "names must have the portable /name form (SHM-6)" {
    run --separate-stderr prog shared-memory/memwriter -m noslash -s "$SEM"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "memwriter: names must look like /name"* ]]
    run --separate-stderr prog shared-memory/memreader -m "$SHM" -s /a/b
    [ "$status" -eq 2 ]
}

@test "a failing semaphore call is reported with exit 1, never a crash later (SHM-1)" {
    # 248 characters: fine for the option, too long for /dev/shm/sem.NAME-done.
    long="/$(printf 'x%.0s' $(seq 248))"
    run --separate-stderr prog shared-memory/memwriter -m "$SHM" -s "$long"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "memwriter: "*"-done: File name too long" ]]
    [ ! -e "/dev/shm$SHM" ]
}

@test "--help names the partner; bad options exit 2" {
    run --separate-stderr prog shared-memory/memwriter -h
    [ "$status" -eq 0 ]
    [[ "$output" == *"Partner: memreader"* ]]
    run --separate-stderr prog shared-memory/memreader --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Partner: memwriter"* ]]
    run --separate-stderr prog shared-memory/memreader -q
    [ "$status" -eq 2 ]
    [[ "$stderr" == "memreader: unknown option '-q'"$'\n'"Usage: memreader"* ]]
    run --separate-stderr prog shared-memory/memwriter -x "$(head -c 600 /dev/zero | tr '\0' a)"
    [ "$status" -eq 2 ]
}

@test "a second memwriter with the same names refuses at once and removes nothing; the first's run ends normally (SHM-7)" {
    # issue 15: the second used to remove the first's segment and semaphores
    # and take over; the first then never saw its reader's "done".
    start_bg first shared-memory/memwriter "${NAMES[@]}" -x "first"
    first=$LAST_PID
    wait_for_line first.err "waiting for memreader"
    before=$(fingerprint "/dev/shm$SHM")
    # the first waits for its reader
    run --separate-stderr prog shared-memory/memwriter "${NAMES[@]}" -x "second"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "memwriter: another memwriter is using $SHM"
    expect_equal "$(fingerprint "/dev/shm$SHM")" "$before"
    # the first is in the middle of its exchange: the text taken, no "done"
    spawn_py_reader
    wait_for_line pyreader.out '^took$'
    run --separate-stderr prog shared-memory/memwriter "${NAMES[@]}" -x "second"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "memwriter: another memwriter is using $SHM"
    rm hold
    wait_exit "$first"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(sed 1d pyreader.out)" "first"
    nothing_left
}

@test "two memreaders: one takes the writer's text, the other waits its turn for the next writer" {
    start_bg reader1 shared-memory/memreader "${NAMES[@]}"
    r1=$LAST_PID
    start_bg reader2 shared-memory/memreader "${NAMES[@]}"
    r2=$LAST_PID
    wait_for_line reader1.err "waiting for memwriter"
    wait_for_line reader2.err "waiting for memwriter"
    run prog shared-memory/memwriter "${NAMES[@]}" -x "one"
    [ "$status" -eq 0 ]
    # one reader has it; the other goes back to waiting (nothing orders the
    # two before a writer exists: either may be first)
    wait_until "$WAIT_LIMIT" grep -qx one reader1.out reader2.out
    run prog shared-memory/memwriter "${NAMES[@]}" -x "two"
    [ "$status" -eq 0 ]
    wait_exit "$r1"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$r2"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(sort reader1.out reader2.out)" $'one\ntwo'
    nothing_left
}

@test "what a writer killed at any point leaves never reaches the next run, in either start order (SHM-2, SHM-7)" {
    # Every state the writer's objects pass through (shmem.h), and the
    # article's own leftover: a semaphore posted once, with no segment.
    for state in "seg0" "seg0 ready0" "seg0 ready0 done0" "seg512 ready0 done0" "seg512 ready1 done0" \
        "seg512 ready0 done1" "seg512 done0" "seg512" "ready1 done0" "ready1"; do
        for order in writer reader; do
            log="${state// /-}-$order"
            # (no `leave $state` expansion trouble: the words are the parts)
            # shellcheck disable=SC2086
            leave $state
            if [ "$order" = reader ]; then
                start_bg "r-$log" shared-memory/memreader "${NAMES[@]}"
                reader=$LAST_PID
                wait_for_line "r-$log.err" "waiting for memwriter"
                start_bg "w-$log" shared-memory/memwriter "${NAMES[@]}" -x "$log"
                writer=$LAST_PID
            else
                start_bg "w-$log" shared-memory/memwriter "${NAMES[@]}" -x "$log"
                writer=$LAST_PID
                wait_for_line "w-$log.err" "waiting for memreader"
                start_bg "r-$log" shared-memory/memreader "${NAMES[@]}"
                reader=$LAST_PID
            fi
            wait_exit "$reader"
            [ "$EXIT_CODE" -eq 0 ]
            expect_equal "$(cat "r-$log.out")" "$log"
            wait_exit "$writer"
            [ "$EXIT_CODE" -eq 0 ]
            nothing_left
        done
    done
}

@test "ftruncate that fails is reported, exit 1, and leaves nothing (SHM-5)" {
    # A file-size limit below ByteSize, with SIGXFSZ ignored: ftruncate
    # fails with EFBIG instead of killing the process.
    cmd_for shared-memory/memwriter "${NAMES[@]}"
    run --separate-stderr prlimit --fsize=100 env --ignore-signal=XFSZ "${CMD[@]}"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "memwriter: ftruncate $SHM: File too large"
    nothing_left
}

@test "-t 0 does not wait: with no partner both give up at once; with a waiting writer the reader reads" {
    run --separate-stderr prog shared-memory/memwriter "${NAMES[@]}" -t 0
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"memwriter: gave up after 0 s: no memreader read $SHM" ]]
    nothing_left
    run --separate-stderr prog shared-memory/memreader "${NAMES[@]}" -t 0
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"memreader: gave up after 0 s: no memwriter created $SHM" ]]
    start_bg writer shared-memory/memwriter "${NAMES[@]}"
    wait_for_line writer.err "waiting for memreader"
    run --separate-stderr prog shared-memory/memreader "${NAMES[@]}" -t 0
    [ "$status" -eq 0 ]
    expect_equal "$output" "$ARTICLE_LINE"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    for p in memwriter memreader; do
        run prog "shared-memory/$p" --help
        [[ "$output" == *"0: do not wait"* ]]
    done
}

@test "-m naming something that is not a memwriter segment: refused, nothing changed (SHM-7)" {
    echo "not a segment" >"$BATS_TEST_TMPDIR/target"
    for kind in file dir symlink fifo; do
        case $kind in
        file) head -c 100 /dev/urandom >"/dev/shm$SHM" ;;
        dir) mkdir "/dev/shm$SHM" ;;
        symlink) ln -s "$BATS_TEST_TMPDIR/target" "/dev/shm$SHM" ;;
        fifo) mkfifo -m 600 "/dev/shm$SHM" ;;
        esac
        before=$(fingerprint "/dev/shm$SHM")
        target=$(fingerprint "$BATS_TEST_TMPDIR/target")
        run --separate-stderr prog shared-memory/memwriter "${NAMES[@]}" -t 0
        [ "$status" -eq 1 ]
        [[ "$stderr" == "memwriter: "*"$SHM"* ]]
        expect_equal "$(fingerprint "/dev/shm$SHM")" "$before"
        expect_equal "$(fingerprint "$BATS_TEST_TMPDIR/target")" "$target"
        run --separate-stderr prog shared-memory/memreader "${NAMES[@]}" -t 0
        [ "$status" -eq 1 ]
        expect_equal "$(fingerprint "/dev/shm$SHM")" "$before"
        rm -rf "/dev/shm$SHM"
        nothing_left
    done
}

@test "-s naming a directory or a symlink where a semaphore would be: refused, nothing changed (SHM-7)" {
    echo "not a semaphore" >"$BATS_TEST_TMPDIR/target"
    for kind in dir symlink; do
        case $kind in
        dir) mkdir "/dev/shm/sem.${SEM#/}" ;;
        symlink) ln -s "$BATS_TEST_TMPDIR/target" "/dev/shm/sem.${SEM#/}" ;;
        esac
        before=$(fingerprint "/dev/shm/sem.${SEM#/}")
        run --separate-stderr prog shared-memory/memwriter "${NAMES[@]}" -t 0
        [ "$status" -eq 1 ]
        [[ "$stderr" == "memwriter: sem_open $SEM: "* ]]
        expect_equal "$(fingerprint "/dev/shm/sem.${SEM#/}")" "$before"
        [ "$(cat "$BATS_TEST_TMPDIR/target")" = "not a semaphore" ]
        [ ! -e "/dev/shm$SHM" ] # its own segment is gone again
        rm -rf "/dev/shm/sem.${SEM#/}"
    done
    # and a segment name that is a semaphore's file (/sem.x is semaphore /x)
    run --separate-stderr prog shared-memory/memwriter -m "/sem.${SEM#/}" -s "$SEM"
    [ "$status" -eq 2 ]
}

@test "another user's objects under the names: refused with the reason, never changed or removed (SHM-7)" {
    need_root "runs programs as user nobody (setpriv)"
    need setpriv util-linux
    leave seg512 ready1
    seg=$(fingerprint "/dev/shm$SHM")
    sem=$(fingerprint "/dev/shm/sem.${SEM#/}")
    run --separate-stderr as_nobody shared-memory/memwriter "${NAMES[@]}" -t 0
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "memwriter: shm_open $SHM: Permission denied"
    run --separate-stderr as_nobody shared-memory/memreader "${NAMES[@]}" -t 0
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "memreader: shm_open $SHM: Permission denied"
    # a segment name of its own, but root's stale semaphore
    run --separate-stderr as_nobody shared-memory/memwriter -m "${SHM}b" -s "$SEM" -t 0
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "memwriter: sem_open $SEM: Permission denied"
    [ ! -e "/dev/shm${SHM}b" ] # its own segment is gone again
    expect_equal "$(fingerprint "/dev/shm$SHM")" "$seg"
    expect_equal "$(fingerprint "/dev/shm/sem.${SEM#/}")" "$sem"
    rm "/dev/shm$SHM" "/dev/shm/sem.${SEM#/}"
}

@test "out of descriptors half way: one message, exit 1, nothing left, at every limit (SHM-1)" {
    [ "${IPC_VALGRIND:-0}" = 1 ] && skip "valgrind needs descriptors of its own under the limit"
    export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" # LeakSanitizer needs descriptors at exit
    seen=""
    for n in 4 5 6 7 8; do
        run --separate-stderr with_fd_limit "$n" shared-memory/memwriter "${NAMES[@]}" -t 0
        [ "$status" -eq 1 ]
        case $stderr in
        *"Too many open files") [ "$(grep -c . <<<"$stderr")" -eq 1 ] && seen+=" ${stderr%%:*}" ;;
        *) [[ "$stderr" == *"gave up after 0 s"* ]] ;;
        esac
        nothing_left
    done
    [[ "$seen" == *memwriter* ]] # some limit made sem_open fail half way
    start_bg writer shared-memory/memwriter "${NAMES[@]}"
    wait_for_line writer.err "waiting for memreader"
    for n in 4 5 6 7 8; do
        run --separate-stderr with_fd_limit "$n" shared-memory/memreader "${NAMES[@]}" -t 0
        [ "$status" -eq 0 ] && break
        [ "$status" -eq 1 ]
        expect_equal "$stderr" "memreader: sem_open $SEM: Too many open files"
    done
    expect_equal "$output" "$ARTICLE_LINE"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    nothing_left
}

@test "SIGINT and SIGTERM at random moments while each program waits: it ends at once and leaves nothing" {
    for sig in INT TERM; do
        signal_storm 20 "$sig" shared-memory/memwriter "${NAMES[@]}"
        expect_equal "$STORM_STATUSES" "$((128 + $(kill -l "$sig")))"
        nothing_left
        signal_storm 20 "$sig" shared-memory/memreader "${NAMES[@]}"
        expect_equal "$STORM_STATUSES" "$((128 + $(kill -l "$sig")))"
        nothing_left
    done
}
