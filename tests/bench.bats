#!/usr/bin/env bats
# make bench: the benchmark keeps working (tiny runs; no timing is asserted).

load test_helper

MECHANISMS="pipe pipe-1M pipe-1M-8K fifo unix unix-2 tcp unix-dgram udp memfd sysv-mq posix-mq shm-ring sysv-shm file-lock signal shm-spin"

@test "bench: a tiny run measures every mechanism, checks every message, writes CSV and SVG" {
    run --separate-stderr prog bench/ipcbench -q -d 0.005 -r 1 -o "$BATS_TEST_TMPDIR/out"
    [ "$status" -eq 0 ]
    for m in $MECHANISMS; do
        grep -qE "^$m +(same|cross) " <<<"$output"
    done
    [[ "$output" == *"memcpy"*"bare 1-byte pipe ping-pong"* ]]
    [[ "$output" == *"Targets (checked against this run):"* ]]
    grep -qE '^throughput,shm-ring,(same|cross),65536,' out/results.csv
    grep -qE '^latency,pipe,(same|cross),64,' out/results.csv
    # each figure ends with the context switches and CPU time of both processes
    head -n 1 out/results.csv | grep -q ',switches,cpu_us,per$'
    grep -qE '^latency,unix-2,(same|cross),64,([^,]*,){6}[0-9]+\.[0-9]+,[0-9]+\.[0-9]+,round trip$' out/results.csv
    grep -qE '^throughput,memfd,(same|cross),65536,([^,]*,){6}[0-9]+\.[0-9]+,[0-9]+\.[0-9]+,message$' out/results.csv
    # sizes above a mechanism's limit are skipped and said, never left out
    grep -q '^throughput,posix-mq,.*,65536,.*n/a: msgsize_max' out/results.csv
    grep -q '^throughput,udp,.*,65536,.*n/a: UDP payload max 65507' out/results.csv
    grep -qE '^throughput,sysv-shm,(same|cross),65536,[0-9]' out/results.csv
    "$PY" -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' out/results.svg
    # nothing left: no FIFOs, files, queues or segments of the bench
    refute ls /tmp/ipcbench.* /dev/shm/ipcbench.* 2>/dev/null
}

@test "bench: options are checked (exit 2)" {
    run --separate-stderr prog bench/ipcbench -m nosuch
    [ "$status" -eq 2 ]
    run --separate-stderr prog bench/ipcbench -p sideways
    [ "$status" -eq 2 ]
    run --separate-stderr prog bench/ipcbench -s 0
    [ "$status" -eq 2 ]
    run --separate-stderr prog bench/ipcbench --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: ipcbench"* ]]
}
