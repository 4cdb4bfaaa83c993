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
    alive "$writer"              # still there: the reader has not read yet
    [ -e "/dev/shm$SHM" ]
    run prog shared-memory/memreader "${NAMES[@]}"
    [ "$status" -eq 0 ]
    wait_exit "$writer" 10        # and gone once it has
    [ "$EXIT_CODE" -eq 0 ]
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
