#!/usr/bin/env bats
# pipes: pipeUN (article part 2, Example 1); fifoWriter and fifoReader
# (Examples 2 and 3).

load test_helper

# python3 writer nobody here wrote: LOOPS x 64 random ints into the FIFO,
# in odd-sized pieces (so the reader sees short reads, P-3), then prints the
# prime count computed on its own.
py_writer() {
    "$PY" - "$@" <<'PYEOF'
import os, random, struct, sys
path, loops, extra = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def is_prime(n):
    if n < 2: return False
    if n % 2 == 0: return n == 2
    i = 3
    while i * i <= n:
        if n % i == 0: return False
        i += 2
    return True
nums = [random.randrange(0, 2**31) for _ in range(loops * 64)]
data = struct.pack("=%di" % len(nums), *nums) + b"\x01" * extra
fd = os.open(path, os.O_WRONLY)
for off in range(0, len(data), 7):
    os.write(fd, data[off:off + 7])
os.close(fd)
print(sum(is_prime(n) for n in nums))
PYEOF
}

# start_streaming : the article's writer and reader on ./ch, in $writer and
# $reader, returning once both ends are open and the data flows.
start_streaming() {
    start_bg writer pipes/fifoWriter -p ch
    writer=$LAST_PID
    wait_for_line writer.err 'waiting for a fifoReader'
    start_bg reader pipes/fifoReader -p ch
    reader=$LAST_PID
    wait_until 30 test ! -e ch # both ends open: streaming has begun
}

@test "pipeUN: the article's line through an unnamed pipe, child reaped, exit 0" {
    run --separate-stderr prog pipes/pipeUN
    [ "$status" -eq 0 ]
    expect_equal "$output" "Nature's first green is gold"
    [ -z "$stderr" ]
}

@test "pipeUN: output complete and in order when redirected to a file or a pipe (P-6)" {
    cmd_for pipes/pipeUN
    "${CMD[@]}" >out.txt
    expect_equal "$(cat out.txt)" "Nature's first green is gold"
    run bash -c '"$@" | cat' _ "${CMD[@]}"
    [ "$status" -eq 0 ]
    expect_equal "$output" "Nature's first green is gold"
    run prog pipes/pipeUN -m "another line"
    expect_equal "$output" "another line"
}

@test "fifo: no arguments, writer first: the article's exact figures" {
    start_bg writer pipes/fifoWriter
    writer=$LAST_PID
    wait_for_line writer.err 'waiting for a fifoReader to open ./fifoChannel'
    [ -p fifoChannel ]
    run --separate-stderr prog pipes/fifoReader
    [ "$status" -eq 0 ]
    expect_equal "$output" "Received ints: 768000, primes: 37682"
    wait_exit "$writer" 120
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat writer.out)" "768000 ints sent to the pipe."
    [ ! -e fifoChannel ]
}

@test "fifo: reader first, no delay: the same figures, FIFO removed (P-4)" {
    start_bg reader pipes/fifoReader -p ch
    reader=$LAST_PID
    wait_for_line reader.err 'waiting for a fifoWriter to open ch'
    run --separate-stderr prog pipes/fifoWriter -p ch -d 0
    [ "$status" -eq 0 ]
    expect_equal "$output" "768000 ints sent to the pipe."
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "Received ints: 768000, primes: 37682"
    [ ! -e ch ]
}

@test "fifo: the figures agree with glibc rand() re-implemented in python3" {
    read -r ints primes < <("$PY" "$REPO/tests/peers/glibc_rand.py" 100)
    start_bg reader pipes/fifoReader -p ch -n 100
    run --separate-stderr prog pipes/fifoWriter -p ch -n 100 -d 0
    [ "$status" -eq 0 ]
    expect_equal "$output" "$ints ints sent to the pipe."
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "Received ints: $ints, primes: $primes"
}

@test "fifo: the FIFO is created 0600 whatever the umask" {
    umask 000
    start_bg writer pipes/fifoWriter -p ch -n 1 -d 0
    wait_for_line writer.err 'waiting for a fifoReader'
    [ -p ch ]
    [ "$(stat -c %a ch)" = 600 ]
    run --separate-stderr prog pipes/fifoReader -p ch -n 1
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^Received\ ints:\ 64,\ primes:\ [0-9]+$ ]]
    wait_exit "$LAST_PID"
}

@test "fifo: a regular file at the path is refused by both sides, not used (P-1)" {
    echo data >ch
    run --separate-stderr prog pipes/fifoWriter -p ch -n 1
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "fifoWriter: ch exists and is not a FIFO"
    run --separate-stderr prog pipes/fifoReader -p ch -n 1
    [ "$status" -eq 1 ]
    expect_equal "$(cat ch)" "data"
}

@test "fifo: a stale FIFO left by a killed run is reused and removed" {
    mkfifo -m 600 ch
    start_bg reader pipes/fifoReader -p ch -n 10
    run prog pipes/fifoWriter -p ch -n 10 -d 0
    [ "$status" -eq 0 ]
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    [ ! -e ch ]
}

@test "fifo: kill -9 of the reader mid-stream: the writer reports it, exit 1, no SIGPIPE death (P-2)" {
    start_streaming
    kill -9 "$reader"
    wait_exit "$reader"
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 1 ] # not 141 (128 + SIGPIPE)
    grep -qE '^fifoWriter: the reader went away after [0-9]+ ints$' writer.err
}

@test "fifo: kill -9 of the writer mid-stream: the reader reports the partial count, exit 1" {
    start_streaming
    kill -9 "$writer"
    wait_exit "$writer"
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 1 ]
    grep -qE '^fifoReader: the stream ended early: [0-9]+ of 768000 ints, [0-9]+ primes$' reader.err
    [ ! -s reader.out ]
}

@test "fifo: python3 feeds the reader in 7-byte pieces; prime count checked independently (P-3)" {
    start_bg reader pipes/fifoReader -p ch -n 50
    wait_for_line reader.err 'waiting for a fifoWriter'
    expected=$(py_writer ch 50 0)
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "Received ints: 3200, primes: $expected"
}

@test "fifo: a partial final int is noticed, not counted (P-3)" {
    start_bg reader pipes/fifoReader -p ch -n 0
    wait_for_line reader.err 'waiting for a fifoWriter'
    py_writer ch 1 2 >/dev/null
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 1 ]
    grep -q 'the stream ended inside an int (2 stray bytes) after 64 ints' reader.err
}

@test "fifo: is_prime does not overflow near UINT_MAX (P-5)" {
    start_bg reader pipes/fifoReader -p ch -n 0
    wait_for_line reader.err 'waiting for a fifoWriter'
    # 4294967291 is prime; 4294836225 = 65535^2 and 4294967295 are not;
    # 2147483647 (2^31-1) is prime.
    "$PY" -c '
import os, struct
fd = os.open("ch", os.O_WRONLY)
os.write(fd, struct.pack("=4I", 4294967291, 4294836225, 4294967295, 2147483647))
os.close(fd)'
    wait_exit "$LAST_PID" 60
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "Received ints: 4, primes: 2"
}

@test "fifo: SIGINT (Ctrl+C, P-7) or SIGTERM while waiting removes the FIFO it created" {
    for sig in INT TERM; do
        start_bg "w$sig" pipes/fifoWriter -p ch
        wait_for_line "w$sig.err" 'waiting for a fifoReader'
        wait_in_kernel "$LAST_PID" wait_for_partner
        kill -"$sig" "$LAST_PID"
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq $((128 + $(kill -l "$sig"))) ]
        [ ! -e ch ]
        start_bg "r$sig" pipes/fifoReader -p ch
        wait_for_line "r$sig.err" 'waiting for a fifoWriter'
        wait_in_kernel "$LAST_PID" poll
        kill -"$sig" "$LAST_PID"
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq $((128 + $(kill -l "$sig"))) ]
        [ ! -e ch ]
    done
}

@test "fifo: each side gives up after --timeout, exit 1, FIFO removed" {
    run --separate-stderr prog pipes/fifoWriter -p ch -t 0.3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"fifoWriter: gave up after 0.3 s: no fifoReader opened ch" ]]
    run --separate-stderr prog pipes/fifoReader -p ch -t 0.3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"fifoReader: gave up after 0.3 s: no fifoWriter wrote to ch" ]]
    [ ! -e ch ]
}

@test "pipes: --help names the partner; bad options and values exit 2" {
    for p in pipeUN fifoWriter fifoReader; do
        run --separate-stderr prog "pipes/$p" --help
        [ "$status" -eq 0 ]
        [[ "$output" == "Usage: $p"*"Partner: "* ]]
        run --separate-stderr prog "pipes/$p" --nope
        [ "$status" -eq 2 ]
        [[ "$stderr" == "$p: unknown option '--nope'"$'\n'"Usage: $p"* ]]
    done
    run --separate-stderr prog pipes/fifoWriter -n -5
    [ "$status" -eq 2 ]
    run --separate-stderr prog pipes/fifoReader -n lots
    [ "$status" -eq 2 ]
}
