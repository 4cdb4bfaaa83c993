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

@test "two consumers read while python3 holds a shared lock (SF-1)" {
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

@test "the file is created owner-only, 0600, whatever the umask (SF-5, B-3)" {
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
