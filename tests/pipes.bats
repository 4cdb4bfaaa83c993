#!/usr/bin/env bats
# pipes: pipeUN (article part 2, Example 1); fifoWriter and fifoReader
# (Examples 2 and 3).

load test_helper

# python3 writer nobody here wrote: INTS random ints into the FIFO,
# in odd-sized pieces (so the reader sees short reads, P-3), then prints the
# prime count computed on its own.
py_writer() {
    "$PY" - "$@" <<'PYEOF'
import os, random, struct, sys
path, count, extra = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def is_prime(n):
    if n < 2: return False
    if n % 2 == 0: return n == 2
    i = 3
    while i * i <= n:
        if n % i == 0: return False
        i += 2
    return True
nums = [random.randrange(0, 2**31) for _ in range(count)]
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
    wait_until "$WAIT_LIMIT" test ! -e ch # both ends open: streaming has begun
}


# sig_status SIG : the status of a program that ended by SIG (130, 143).
sig_status() { echo $((128 + $(kill -l "$1"))); }

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
    run bash -c 'set -o pipefail; "$@" | cat' _ "${CMD[@]}" # pipefail: pipeUN's status, not cat's
    [ "$status" -eq 0 ]
    expect_equal "$output" "Nature's first green is gold"
    run prog pipes/pipeUN -m "another line"
    [ "$status" -eq 0 ]
    expect_equal "$output" "another line"
}

@test "pipeUN: a message of any length arrives whole, with its newline" {
    long=$(head -c 100000 /dev/zero | tr '\0' x) # more than the pipe's 64 KiB
    cmd_for pipes/pipeUN -m "$long"
    "${CMD[@]}" >out.txt
    [ "$(wc -c <out.txt)" -eq 100001 ]
    expect_equal "$(cat out.txt)" "$long"
    [ "$(tail -c 1 out.txt | od -An -c | tr -d ' ')" = '\n' ]
}

@test "fifo: no arguments, writer first: the article's exact figures" {
    start_bg writer pipes/fifoWriter
    writer=$LAST_PID
    wait_for_line writer.err 'waiting for a fifoReader to open ./fifoChannel'
    [ -p fifoChannel ]
    run --separate-stderr prog pipes/fifoReader
    [ "$status" -eq 0 ]
    expect_equal "$output" "Received ints: 768000, primes: 37682"
    wait_exit "$writer" $((WAIT_LIMIT * 4))
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

@test "fifo: mkfifo makes the FIFO, 0600 whatever the umask; open never creates it (B-3)" {
    umask 000
    start_bg writer pipes/fifoWriter -p ch -n 1 -d 0
    wait_for_line writer.err 'waiting for a fifoReader'
    [ -p ch ]
    [ "$(stat -c %a ch)" = 600 ]
    run --separate-stderr prog pipes/fifoReader -p ch -n 1
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^Received\ ints:\ 64,\ primes:\ [0-9]+$ ]]
    wait_exit "$LAST_PID"
    # where mkfifo fails, nothing is made in its place
    run --separate-stderr prog pipes/fifoWriter -p no/such/dir/ch -t 0
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "fifoWriter: mkfifo no/such/dir/ch: No such file or directory"
    [ ! -e no ]
}

@test "fifo: a regular file at the path is refused by both sides, not used (P-1)" {
    echo data >ch
    run --separate-stderr prog pipes/fifoWriter -p ch -n 1
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "fifoWriter: ch exists and is not a FIFO of ours"
    run --separate-stderr prog pipes/fifoReader -p ch -n 1
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "fifoReader: ch exists and is not a FIFO of ours"
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

@test "fifo: kill -9 of the writer mid-stream: a reader told the count (-n) reports the shortfall, exit 1" {
    start_bg writer pipes/fifoWriter -p ch
    writer=$LAST_PID
    wait_for_line writer.err 'waiting for a fifoReader'
    start_bg reader pipes/fifoReader -p ch -n 12000
    reader=$LAST_PID
    wait_until "$WAIT_LIMIT" test ! -e ch
    kill -9 "$writer"
    wait_exit "$writer"
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 1 ]
    grep -qE '^fifoReader: expected 768000 ints, got [0-9]+ \([0-9]+ primes\)$' reader.err
    [ ! -s reader.out ]
}

@test "fifo: with no -n the reader accepts any writer: python3 sends 60000 ints" {
    start_bg reader pipes/fifoReader -p ch
    wait_for_line reader.err 'waiting for a fifoWriter'
    expected=$(py_writer ch 60000 0)
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "Received ints: 60000, primes: $expected"
    [ ! -s reader.err ] || expect_equal "$(cat reader.err)" "fifoReader: waiting for a fifoWriter to open ch"
}

@test "fifo: python3 feeds the reader in 7-byte pieces; prime count checked independently (P-3)" {
    start_bg reader pipes/fifoReader -p ch -n 50
    wait_for_line reader.err 'waiting for a fifoWriter'
    expected=$(py_writer ch 3200 0)
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader.out)" "Received ints: 3200, primes: $expected"
}

@test "fifo: a partial final int is noticed, not counted (P-3)" {
    start_bg reader pipes/fifoReader -p ch -n 0
    wait_for_line reader.err 'waiting for a fifoWriter'
    py_writer ch 64 2 >/dev/null
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
    wait_exit "$LAST_PID" $((WAIT_LIMIT * 2))
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
    [[ "$stderr" == *"fifoReader: gave up after 0.3 s: no fifoWriter opened ch" ]]
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

@test "fifo: -t 0 means do not wait: alone, each side gives up at once, exit 1, FIFO removed" {
    for p in fifoWriter fifoReader; do
        partner=fifoReader
        [ "$p" = fifoWriter ] || partner=fifoWriter
        run --separate-stderr prog "pipes/$p" -p ch -t 0
        [ "$status" -eq 1 ]
        expect_equal "$stderr" "$p: gave up after 0 s: no $partner opened ch"
        [ ! -e ch ]
    done
}

@test "fifo: -t 0 with the partner already waiting: the stream flows, whoever came first" {
    start_bg writer pipes/fifoWriter -p ch -n 10 -d 0
    wait_for_line writer.err 'waiting for a fifoReader'
    # a writer that waits in open() has not written yet: the reader must
    # see it is there, not give up for want of bytes
    run --separate-stderr prog pipes/fifoReader -p ch -t 0
    [ "$status" -eq 0 ]
    expect_equal "$output" "Received ints: 640, primes: 39"
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    start_bg reader pipes/fifoReader -p ch
    wait_for_line reader.err 'waiting for a fifoWriter'
    run --separate-stderr prog pipes/fifoWriter -p ch -n 10 -d 0 -t 0
    [ "$status" -eq 0 ]
    wait_exit "$LAST_PID"
    expect_equal "$(cat reader.out)" "Received ints: 640, primes: 39"
}

@test "fifo: a python3 writer that opens, then waits before writing: the reader with -t 0 waits for its bytes" {
    start_bg reader pipes/fifoReader -p ch -t 0 # no FIFO yet: it would give up
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 1 ]
    mkfifo -m 600 ch
    spawn_py late '
import os, struct, time
fd = os.open("ch", os.O_WRONLY)       # blocks until the reader opens
print("open", flush=True)
while not os.path.exists("go"):
    time.sleep(0.01)
os.write(fd, struct.pack("=3i", 2, 3, 4))
'
    wait_in_kernel "$LAST_PID" wait_for_partner
    start_bg reader2 pipes/fifoReader -p ch -t 0
    reader=$LAST_PID
    wait_for_line late.out '^open$'
    wait_in_kernel "$reader" pipe_read
    touch go
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat reader2.out)" "Received ints: 3, primes: 2"
}

@test "hostile: a FIFO swapped for a symlink or a file between check and open: nothing written through it, nothing read from it" {
    printf 'precious\n' >target
    # python3 replaces ch, as soon as it is a FIFO, by a symlink to target
    # or by a regular file holding "precious" (rename: atomic)
    spawn_py swapper '
import os, stat
n = 0
while not os.path.exists("stop"):
    try:
        if not stat.S_ISFIFO(os.lstat("ch").st_mode):
            continue
        if n % 2:
            os.symlink("target", "ch.new")
        else:
            with open("ch.new", "w") as f:
                f.write("precious\n")
        os.rename("ch.new", "ch")
        n += 1
    except OSError:
        pass
print(n, flush=True)
'
    # 150 rounds hit both swaps between check and open many times; under
    # valgrind (a second per run) 15 rounds check the same paths for memory
    # errors without taking minutes
    local rounds=150
    [ "${IPC_VALGRIND:-0}" = 1 ] && rounds=15
    for ((round = 0; round < rounds; round++)); do
        rm -f ch
        run prog pipes/fifoWriter -p ch -n 1 -d 0 -t 0
        [ "$status" -ne 0 ] # no reader, ever
        if [ -f ch ] && [ ! -L ch ]; then expect_equal "$(cat ch)" "precious"; fi
        rm -f ch
        run --separate-stderr prog pipes/fifoReader -p ch -t 0
        [ "$status" -ne 0 ]
        [ -z "$output" ] # never "Received ints" from a file
    done
    touch stop
    wait_exit "$LAST_PID"
    expect_equal "$(cat target)" "precious"
    echo "# $(cat swapper.out) swaps" >&3
    rm -f ch
}

@test "hostile: two fifoReaders on one FIFO: the second refuses, the first gets the whole stream" {
    start_bg r1 pipes/fifoReader -p ch
    r1=$LAST_PID
    wait_for_line r1.err 'waiting for a fifoWriter'
    run --separate-stderr prog pipes/fifoReader -p ch
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "fifoReader: another fifoReader is reading ch"
    [ -p ch ] # left to the first
    run prog pipes/fifoWriter -p ch -n 10 -d 0
    [ "$status" -eq 0 ]
    wait_exit "$r1"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat r1.out)" "Received ints: 640, primes: 39"
    # a second reader while the first is mid-stream makes a new FIFO and waits
    start_streaming
    start_bg r2 pipes/fifoReader -p ch -n 10
    wait_for_line r2.err 'waiting for a fifoWriter'
    run prog pipes/fifoWriter -p ch -n 10 -d 0
    [ "$status" -eq 0 ]
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    wait_exit "$writer" $((WAIT_LIMIT * 4))
    wait_exit "$reader" $((WAIT_LIMIT * 4))
    expect_equal "$(cat reader.out)" "Received ints: 768000, primes: 37682"
}

@test "hostile: two fifoWriters waiting on one FIFO: one reader gets one whole stream, the other writer waits its turn" {
    for round in 1 2 3; do
        start_bg "w1.$round" pipes/fifoWriter -p ch -n 10 -d 0
        w1=$LAST_PID
        wait_in_kernel "$w1" wait_for_partner
        start_bg "w2.$round" pipes/fifoWriter -p ch -n 10 -d 0
        w2=$LAST_PID
        wait_in_kernel "$w2" wait_for_partner
        run --separate-stderr prog pipes/fifoReader -p ch -n 10
        [ "$status" -eq 0 ]
        expect_equal "$output" "Received ints: 640, primes: 39"
        run --separate-stderr prog pipes/fifoReader -p ch -n 10
        [ "$status" -eq 0 ]
        expect_equal "$output" "Received ints: 640, primes: 39"
        wait_exit "$w1"
        [ "$EXIT_CODE" -eq 0 ]
        wait_exit "$w2"
        [ "$EXIT_CODE" -eq 0 ]
        [ ! -e ch ]
    done
}

@test "hostile: -p at a directory, a symlink, a device or another user's FIFO: refused, nothing changed or removed (P-1)" {
    mkdir dir
    mkfifo -m 600 fifo
    printf 'precious\n' >target
    ln -s target to-file
    ln -s fifo to-fifo
    ln -s dir to-dir
    ln -s nowhere dangling
    paths=(dir to-file to-fifo to-dir dangling /dev/null)
    if [ "$(id -u)" = 0 ]; then
        mkfifo -m 666 theirs
        chown 65534:65534 theirs
        paths+=(theirs)
    fi
    for path in "${paths[@]}"; do
        for p in fifoWriter fifoReader; do
            run --separate-stderr prog "pipes/$p" -p "$path" -t 1
            [ "$status" -eq 1 ]
            expect_equal "$stderr" "$p: $path exists and is not a FIFO of ours"
        done
    done
    expect_equal "$(cat target)" "precious"
    [ -z "$(ls -A dir)" ]
    [ -p fifo ] && [ -L to-fifo ] && [ -L dangling ] && [ ! -e nowhere ] && [ -c /dev/null ]
    if [ "$(id -u)" = 0 ]; then [ "$(stat -c '%a %u' theirs)" = "666 65534" ]; fi
    rm -f fifo theirs
}

@test "hostile: a directory the user may not write: mkfifo fails, exit 1, nothing made" {
    need_root "runs programs as user nobody (setpriv)"
    shared_dir
    for p in fifoWriter fifoReader; do
        run --separate-stderr as_nobody "pipes/$p" -p "$SHARED_DIR/ch" -t 1
        [ "$status" -eq 1 ]
        expect_equal "$stderr" "$p: mkfifo $SHARED_DIR/ch: Permission denied"
    done
    [ -z "$(ls -A "$SHARED_DIR")" ]
}

@test "hostile: out of file descriptors (ulimit -n): exit 0 or 1 with the reason, once, never a hang" {
    [ "${IPC_VALGRIND:-0}" = 0 ] || skip "valgrind itself needs more descriptors than the limits tried here"
    # pipeUN needs two (the pipe's ends): with four, three are taken
    run --separate-stderr with_fd_limit 4 pipes/pipeUN
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "pipeUN: pipe: Too many open files"
    run --separate-stderr with_fd_limit 5 pipes/pipeUN
    [ "$status" -eq 0 ]
    # the FIFO programs need one beyond stdin, stdout and stderr
    start_bg reader pipes/fifoReader -p ch -n 10
    wait_for_line reader.err 'waiting for a fifoWriter'
    run --separate-stderr with_fd_limit 4 pipes/fifoWriter -p ch -n 10 -d 0
    [ "$status" -eq 0 ]
    wait_exit "$LAST_PID"
    [ "$EXIT_CODE" -eq 0 ]
    start_bg writer pipes/fifoWriter -p ch -n 10 -d 0
    wait_for_line writer.err 'waiting for a fifoReader'
    run --separate-stderr with_fd_limit 4 pipes/fifoReader -p ch -n 10
    [ "$status" -eq 0 ]
    expect_equal "$output" "Received ints: 640, primes: 39"
    wait_exit "$LAST_PID"
}

@test "hostile: SIGINT and SIGTERM at random moments while each side waits: it ends by that signal, no FIFO left (signal_storm)" {
    for sig in INT TERM; do
        signal_storm 15 "$sig" pipes/fifoWriter -p "w$sig"
        expect_equal "$STORM_STATUSES" "$(sig_status "$sig")"
        signal_storm 15 "$sig" pipes/fifoReader -p "r$sig"
        expect_equal "$STORM_STATUSES" "$(sig_status "$sig")"
    done
    [ -z "$(find . -type p)" ]
}

@test "fifo: SIGINT or SIGTERM mid-stream: that side ends by the signal, the other reports it, nothing left" {
    for sig in INT TERM; do
        start_bg "w$sig" pipes/fifoWriter -p ch
        writer=$LAST_PID
        wait_for_line "w$sig.err" 'waiting for a fifoReader'
        start_bg "r$sig" pipes/fifoReader -p ch -n 12000
        reader=$LAST_PID
        wait_until "$WAIT_LIMIT" test ! -e ch
        kill -"$sig" "$writer"
        wait_exit "$writer"
        [ "$EXIT_CODE" -eq "$(sig_status "$sig")" ]
        wait_exit "$reader"
        [ "$EXIT_CODE" -eq 1 ]
        grep -q 'expected 768000 ints, got' "r$sig.err"
        start_streaming
        kill -"$sig" "$reader"
        wait_exit "$reader"
        [ "$EXIT_CODE" -eq "$(sig_status "$sig")" ]
        wait_exit "$writer"
        [ "$EXIT_CODE" -eq 1 ]
        grep -q 'the reader went away' writer.err
        [ ! -e ch ]
    done
}

@test "fifo: a stale FIFO left by kill -9 works in either start order, and is removed" {
    for first in fifoWriter fifoReader; do
        start_bg victim "pipes/$first" -p ch
        wait_for_line victim.err 'waiting for a'
        kill -9 "$LAST_PID"
        wait_exit "$LAST_PID"
        [ -p ch ] # left behind
        if [ "$first" = fifoWriter ]; then
            start_bg w pipes/fifoWriter -p ch -n 10 -d 0
            wait_for_line w.err 'waiting for a fifoReader'
            run prog pipes/fifoReader -p ch -n 10
        else
            start_bg r pipes/fifoReader -p ch -n 10
            wait_for_line r.err 'waiting for a fifoWriter'
            run prog pipes/fifoWriter -p ch -n 10 -d 0
        fi
        [ "$status" -eq 0 ]
        wait_exit "$LAST_PID"
        [ "$EXIT_CODE" -eq 0 ]
        [ ! -e ch ]
    done
}

@test "fifo: a stop signal is not lost while the data keeps flowing (no read or write ever waits)" {
    # python3 fills the FIFO faster than the reader counts: every read()
    # finds bytes, so none fails with EINTR; the reader must still see the
    # signal, not read on to the end.
    start_bg reader pipes/fifoReader -p ch
    reader=$LAST_PID
    wait_for_line reader.err 'waiting for a fifoWriter'
    spawn_py flood '
import os
fd = os.open("ch", os.O_WRONLY)
block = os.urandom(1 << 16)
try:
    for _ in range(256):   # 16 MiB, 4 Mi ints
        os.write(fd, block)
except BrokenPipeError:
    pass
'
    flood=$LAST_PID
    wait_in_kernel "$flood" pipe_write # the pipe is full
    kill -TERM "$reader"
    wait_exit "$reader"
    [ "$EXIT_CODE" -eq 143 ]
    [ ! -s reader.out ]
    wait_exit "$flood"
    # the writer, with a python3 reader that drains the FIFO as fast as it can
    start_bg writer pipes/fifoWriter -p ch2 -n 10000000 -d 0
    writer=$LAST_PID
    wait_for_line writer.err 'waiting for a fifoReader'
    spawn_py drain '
import os
fd = os.open("ch2", os.O_RDONLY)
while os.read(fd, 1 << 20):
    pass
'
    drain=$LAST_PID
    wait_until "$WAIT_LIMIT" test ! -e ch2
    kill -TERM "$writer"
    wait_exit "$writer"
    [ "$EXIT_CODE" -eq 143 ]
    [ ! -s writer.out ]
    wait_exit "$drain"
}
