#!/usr/bin/env bats
# shared-files: producer and consumer (article part 1, Examples 1 and 2).

load test_helper

ARTICLE_LINES="Now is the winter of our discontent
Made glorious summer by this sun of York"

# hold_lock KIND FILE : a process nobody here wrote (python3's fcntl.lockf)
# holds a KIND (sh|ex) lock on FILE until the file ./release appears.
hold_lock() {
    spawn_py "lock.$1" '
import fcntl, os, sys, time
kind, path = sys.argv[1], sys.argv[2]
f = open(path, "r" if kind == "sh" else "r+")
fcntl.lockf(f, fcntl.LOCK_SH if kind == "sh" else fcntl.LOCK_EX)
print("locked", os.getpid(), flush=True)
while not os.path.exists("release"):
    time.sleep(0.01)
' "$1" "$2"
    HOLDER=$LAST_PID
    wait_for_line "lock.$1.out" '^locked'
}

# write_locked FILE : a writer nobody here wrote (python3) takes the
# exclusive lock on FILE, truncates it and writes half of the article's
# text, then waits for ./release to write the rest and let go: what a
# producer caught in the middle of its write looks like to a consumer.
write_locked() {
    spawn_py writer '
import fcntl, os, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX)
f.truncate(0)
f.write("Now is the winter of our discontent\n")
f.flush()
print("half written", os.getpid(), flush=True)
while not os.path.exists("release"):
    time.sleep(0.01)
f.write("Made glorious summer by this sun of York\n")
f.flush()
' "$1"
    WRITER=$LAST_PID
    wait_for_line writer.out '^half written'
}


@test "no arguments: the article's run, producer then consumer" {
    run --separate-stderr prog shared-files/producer
    [ "$status" -eq 0 ]
    [[ "$stderr" =~ ^Process\ [0-9]+\ has\ written\ to\ data\ file\.\.\.$ ]]
    [ -z "$output" ]
    run --separate-stderr prog shared-files/consumer
    [ "$status" -eq 0 ]
    expect_equal "$output" "$ARTICLE_LINES"
    [ -z "$stderr" ]
}

@test "consumer started first waits for the producer (SF-7)" {
    start_bg consumer shared-files/consumer -f shared.dat
    wait_for_line consumer.err 'waiting for a producer to write shared.dat'
    alive "$LAST_PID"
    run prog shared-files/producer -f shared.dat
    [ "$status" -eq 0 ]
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat consumer.out)" "$ARTICLE_LINES"
    [ "$(grep -c waiting consumer.err)" -eq 1 ]
}

@test "consumer waits for data when the file exists but is empty (SF-7)" {
    : >shared.dat
    start_bg consumer shared-files/consumer -f shared.dat
    wait_for_line consumer.err 'waiting for a producer'
    run prog shared-files/producer -f shared.dat
    [ "$status" -eq 0 ]
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat consumer.out)" "$ARTICLE_LINES"
}

@test "consumers read beside python3's shared lock and wait behind its exclusive one (SF-1)" {
    run prog shared-files/producer -f shared.dat
    [ "$status" -eq 0 ]
    hold_lock sh shared.dat
    start_bg c1 shared-files/consumer -f shared.dat -t 10
    c1=$LAST_PID
    start_bg c2 shared-files/consumer -f shared.dat -t 10
    c2=$LAST_PID
    wait_exit "$c1"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$c2"
    [ "$EXIT_CODE" -eq 0 ]
    alive "$HOLDER" # the shared lock was held all along
    expect_equal "$(cat c1.out)" "$ARTICLE_LINES"
    expect_equal "$(cat c2.out)" "$ARTICLE_LINES"
    touch release
    wait_exit "$HOLDER"
    # A consumer that took no lock at all would pass the above: behind a
    # writer's exclusive lock it must wait, and never print half a write.
    rm release
    write_locked shared.dat
    start_bg c3 shared-files/consumer -f shared.dat
    wait_in_kernel "$LAST_PID" fcntl_setlk
    [ ! -s c3.out ]
    touch release
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat c3.out)" "$ARTICLE_LINES"
    wait_exit "$WRITER"
}

@test "a consumer waits while the producer holds its lock, and prints the new text, not the old (SF-1, SF-3)" {
    need strace strace
    [ "${IPC_VALGRIND:-0}" = 0 ] || skip "strace stops the program at a system call, under valgrind another one"
    printf 'old contents\n' >shared.dat
    # strace stops the producer (SIGSTOP) as it enters ftruncate: it holds
    # its exclusive lock and has not written yet.
    cmd_for shared-files/producer -f shared.dat
    # (LeakSanitizer cannot work under ptrace: off for this one program)
    spawn producer env "ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0" \
        strace -qq -o /dev/null -e trace=ftruncate -e inject=ftruncate:signal=SIGSTOP "${CMD[@]}"
    wait_until "$WAIT_LIMIT" pgrep -P "$LAST_PID" >/dev/null
    producer=$(pgrep -P "$LAST_PID" | head -n 1)
    wait_until "$WAIT_LIMIT" grep -q "POSIX *ADVISORY *WRITE $producer " /proc/locks
    wait_until "$WAIT_LIMIT" grep -q '^State:.*stop' "/proc/$producer/status"
    start_bg consumer shared-files/consumer -f shared.dat
    wait_in_kernel "$LAST_PID" fcntl_setlk
    [ ! -s consumer.out ]
    kill -CONT "$producer"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat consumer.out)" "$ARTICLE_LINES"
    wait_until "$WAIT_LIMIT" refute alive "$producer"
}

@test "producer waits while python3 holds an exclusive lock (SF-2)" {
    printf 'old contents\n' >shared.dat
    hold_lock ex shared.dat
    holder_pid=$(awk '{print $2}' lock.ex.out)
    start_bg producer shared-files/producer -f shared.dat
    wait_for_line producer.err "waiting for process $holder_pid to release its lock"
    alive "$LAST_PID"
    expect_equal "$(cat shared.dat)" "old contents"
    touch release
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat shared.dat)" "$ARTICLE_LINES"
}

@test "producer gives up after --timeout when the lock stays taken, exit 1 (SF-2, SF-6)" {
    : >shared.dat
    hold_lock ex shared.dat
    run --separate-stderr prog shared-files/producer -f shared.dat -t 0.3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"producer: gave up after 0.3 s waiting for the lock on shared.dat"* ]]
    touch release
    wait_exit "$HOLDER"
}

@test "a longer old file is truncated under the lock, every byte written (SF-3, SF-4)" {
    head -c 5000 /dev/urandom | base64 >shared.dat
    run prog shared-files/producer -f shared.dat
    [ "$status" -eq 0 ]
    [ "$(stat -c %s shared.dat)" -eq 77 ]
    expect_equal "$(cat shared.dat)" "$ARTICLE_LINES"
}

@test "the lock is advisory: a process that does not ask for it is not stopped (SF-8)" {
    run prog shared-files/producer -f shared.dat
    hold_lock ex shared.dat
    echo "written without asking" >shared.dat # plain shell redirection: no lock
    expect_equal "$(cat shared.dat)" "written without asking"
    touch release
    wait_exit "$HOLDER"
}

@test "a symlink at the data path is refused and its target unchanged (SF-5)" {
    printf 'precious\n' >target
    ln -s target shared.dat
    run --separate-stderr prog shared-files/producer -f shared.dat
    [ "$status" -eq 1 ]
    [[ "$stderr" == "producer: open shared.dat: Too many levels of symbolic links" ]]
    expect_equal "$(cat target)" "precious"
}

@test "the file is created owner-only, 0600, whatever the umask (SF-5)" {
    umask 000
    run prog shared-files/producer -f shared.dat
    [ "$status" -eq 0 ]
    [ "$(stat -c %a shared.dat)" = 600 ]
}

@test "consumer gives up after --timeout with no producer, exit 1 (SF-6)" {
    run --separate-stderr prog shared-files/consumer -f nothing.dat -t 0.2
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"consumer: gave up after 0.2 s: no producer wrote nothing.dat" ]]
}

@test "a runtime failure exits 1 with the reason, not -1/255 (SF-6)" {
    run --separate-stderr prog shared-files/producer -f no/such/dir/data.dat
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "producer: open no/such/dir/data.dat: No such file or directory"
}

@test "a waiting consumer stopped by SIGTERM ends by that signal" {
    start_bg consumer shared-files/consumer -f never.dat
    wait_for_line consumer.err 'waiting for a producer'
    wait_in_kernel "$LAST_PID" poll
    kill -TERM "$LAST_PID"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 143 ]
    grep -q 'interrupted by SIGTERM' consumer.err
}

@test "--help prints usage and the partner on stdout, exit 0" {
    for p in producer consumer; do
        run --separate-stderr prog "shared-files/$p" --help
        [ "$status" -eq 0 ]
        [[ "$output" == "Usage: $p "* ]]
        [[ "$output" == *"Partner: "* ]]
        [ -z "$stderr" ]
    done
}

@test "a bad option or value: one-line reason and usage on stderr, exit 2" {
    run --separate-stderr prog shared-files/producer --bogus
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ "$stderr" == "producer: unknown option '--bogus'"$'\n'"Usage: producer"* ]]
    run --separate-stderr prog shared-files/consumer -t soon
    [ "$status" -eq 2 ]
    [[ "$stderr" == "consumer: --timeout: expected seconds"*$'\n'"Usage: consumer"* ]]
    run --separate-stderr prog shared-files/consumer extra
    [ "$status" -eq 2 ]
}

@test "-t 0 means do not wait: each program tries once, then gives up, exit 1" {
    # no file: the consumer gives up at once, without saying that it waits
    run --separate-stderr prog shared-files/consumer -f shared.dat -t 0
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "consumer: gave up after 0 s: no producer wrote shared.dat"
    # nothing in the way: both do their work
    run prog shared-files/producer -f shared.dat -t 0
    [ "$status" -eq 0 ]
    run --separate-stderr prog shared-files/consumer -f shared.dat -t 0
    [ "$status" -eq 0 ]
    expect_equal "$output" "$ARTICLE_LINES"
    # a lock in the way: both give up at once, and the file is untouched
    printf 'old contents\n' >shared.dat
    hold_lock ex shared.dat
    run --separate-stderr prog shared-files/producer -f shared.dat -t 0
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"producer: gave up after 0 s waiting for the lock on shared.dat" ]]
    expect_equal "$(cat shared.dat)" "old contents"
    run --separate-stderr prog shared-files/consumer -f shared.dat -t 0
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "consumer: gave up after 0 s waiting for the lock on shared.dat"
    [ -z "$output" ]
    touch release
    wait_exit "$HOLDER"
}

@test "a consumer whose deadline has passed does not wait behind a held lock for ever (alarm_after of 0 or less)" {
    # -t 0: the deadline is over before the consumer asks for the lock, so
    # its alarm is for "0 or less" seconds, which must ring at once.
    printf 'old contents\n' >shared.dat
    hold_lock ex shared.dat
    start_bg consumer shared-files/consumer -f shared.dat -t 0
    wait_exit "$LAST_PID" 10
    [ "$EXIT_CODE" -eq 1 ]
    grep -q 'gave up after 0 s waiting for the lock' consumer.err
    touch release
    wait_exit "$HOLDER"
}

@test "SIGINT or SIGTERM to a producer waiting for the lock: it ends by that signal, the file untouched" {
    printf 'old contents\n' >shared.dat
    hold_lock ex shared.dat
    for sig in INT TERM; do
        start_bg "p$sig" shared-files/producer -f shared.dat
        wait_for_line "p$sig.err" 'waiting for process'
        wait_in_kernel "$LAST_PID" fcntl_setlk
        kill -"$sig" "$LAST_PID"
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq $((128 + $(kill -l "$sig"))) ]
        grep -q "interrupted by SIG$sig" "p$sig.err"
        expect_equal "$(cat shared.dat)" "old contents"
    done
    touch release
    wait_exit "$HOLDER"
}

@test "hostile: two producers on one file each wait their turn, and the file holds the text once" {
    printf 'old contents\n' >shared.dat
    hold_lock sh shared.dat
    start_bg p1 shared-files/producer -f shared.dat
    p1=$LAST_PID
    wait_in_kernel "$p1" fcntl_setlk
    start_bg p2 shared-files/producer -f shared.dat
    p2=$LAST_PID
    wait_in_kernel "$p2" fcntl_setlk
    touch release
    wait_exit "$p1"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$p2"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat shared.dat)" "$ARTICLE_LINES"
    wait_exit "$HOLDER"
}

@test "hostile: -f at a directory, a FIFO or a symlink: refused at once, nothing changed, nothing followed (SF-5)" {
    mkdir dir
    mkfifo -m 600 fifo
    printf 'precious\n' >target
    ln -s target to-file
    ln -s dir to-dir
    ln -s nowhere dangling
    for path in dir fifo to-file to-dir dangling; do
        for p in producer consumer; do
            cmd_for "shared-files/$p" -f "$path" -t 1
            run --separate-stderr timeout $((WAIT_LIMIT * 2)) "${CMD[@]}" # bounded: a FIFO once blocked it
            [ "$status" -eq 1 ]
            [[ "$stderr" == "$p: "*"$path"* ]]
        done
    done
    expect_equal "$(cat target)" "precious"
    [ -z "$(ls -A dir)" ]
    [ ! -e nowhere ]
    [ -p fifo ]
    rm fifo
}

@test "hostile: a name in a directory the user may not write: producer exit 1, nothing created; consumer only reads" {
    need_root "runs programs as user nobody (setpriv)"
    shared_dir
    run --separate-stderr as_nobody shared-files/producer -f "$SHARED_DIR/data.dat"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "producer: open $SHARED_DIR/data.dat: Permission denied"
    [ -z "$(ls -A "$SHARED_DIR")" ]
    # root's file, readable by all: the consumer reads it and changes nothing
    printf '%s\n' "$ARTICLE_LINES" >"$SHARED_DIR/data.dat"
    chmod 644 "$SHARED_DIR/data.dat"
    before=$(stat -c '%s %Y %a %U' "$SHARED_DIR/data.dat")
    run --separate-stderr as_nobody shared-files/consumer -f "$SHARED_DIR/data.dat" -t 1
    [ "$status" -eq 0 ]
    expect_equal "$output" "$ARTICLE_LINES"
    expect_equal "$(stat -c '%s %Y %a %U' "$SHARED_DIR/data.dat")" "$before"
    # owner-only (0600, as the producer makes it): refused, not waited for
    chmod 600 "$SHARED_DIR/data.dat"
    run --separate-stderr as_nobody shared-files/consumer -f "$SHARED_DIR/data.dat" -t 1
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "consumer: open $SHARED_DIR/data.dat: Permission denied"
}

@test "hostile: out of file descriptors (ulimit -n): exit 0 or 1 with the reason, once, never a hang" {
    [ "${IPC_VALGRIND:-0}" = 0 ] || skip "valgrind itself needs more descriptors than the limits tried here"
    run prog shared-files/producer -f shared.dat
    for n in 4 5 6; do
        for p in producer consumer; do
            run --separate-stderr with_fd_limit "$n" "shared-files/$p" -f shared.dat -t 1
            if [ "$status" -ne 0 ]; then
                [ "$status" -eq 1 ]
                expect_equal "$(grep -c 'Too many open files' <<<"$stderr")" 1
            fi
        done
    done
    # the consumer needs two: its inotify descriptor and the file
    run --separate-stderr with_fd_limit 4 shared-files/consumer -f shared.dat -t 1
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "consumer: open shared.dat: Too many open files"
    expect_equal "$(cat shared.dat)" "$ARTICLE_LINES"
}

@test "hostile: SIGINT and SIGTERM at random moments while each program waits: it ends by that signal (signal_storm)" {
    for sig in INT TERM; do
        signal_storm 15 "$sig" shared-files/consumer -f never.dat
        expect_equal "$STORM_STATUSES" "$((128 + $(kill -l "$sig")))"
    done
    printf 'old contents\n' >shared.dat
    hold_lock ex shared.dat
    for sig in INT TERM; do
        signal_storm 15 "$sig" shared-files/producer -f shared.dat
        expect_equal "$STORM_STATUSES" "$((128 + $(kill -l "$sig")))"
        signal_storm 15 "$sig" shared-files/consumer -f shared.dat
        expect_equal "$STORM_STATUSES" "$((128 + $(kill -l "$sig")))"
    done
    expect_equal "$(cat shared.dat)" "old contents"
    touch release
    wait_exit "$HOLDER"
}

@test "hostile: what kill -9 leaves at each stage never breaks the next run, in either start order" {
    # killed while waiting for the lock, before it ever wrote: an empty file
    hold_lock_new() { : >shared.dat; hold_lock ex shared.dat; }
    hold_lock_new
    start_bg victim shared-files/producer -f shared.dat
    wait_in_kernel "$LAST_PID" fcntl_setlk
    kill -9 "$LAST_PID"
    wait_exit "$LAST_PID"
    touch release
    wait_exit "$HOLDER"
    # consumer first: the empty file means "not written yet", so it waits
    start_bg consumer shared-files/consumer -f shared.dat
    wait_for_line consumer.err 'waiting for a producer'
    run prog shared-files/producer -f shared.dat
    [ "$status" -eq 0 ]
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat consumer.out)" "$ARTICLE_LINES"
    # a half-written file (as a killed writer of another program could
    # leave): the producer first replaces it whole (SF-3)
    printf 'Now is the win' >shared.dat
    run prog shared-files/producer -f shared.dat
    [ "$status" -eq 0 ]
    run prog shared-files/consumer -f shared.dat
    expect_equal "$output" "$ARTICLE_LINES"
    # a consumer killed while it holds its shared lock leaves no lock
    rm -f release
    write_locked shared.dat
    start_bg c2 shared-files/consumer -f shared.dat
    wait_in_kernel "$LAST_PID" fcntl_setlk
    kill -9 "$LAST_PID"
    wait_exit "$LAST_PID"
    touch release
    wait_exit "$WRITER"
    run prog shared-files/producer -f shared.dat -t 0
    [ "$status" -eq 0 ]
}
