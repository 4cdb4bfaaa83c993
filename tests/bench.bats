#!/usr/bin/env bats
# make bench: the benchmark keeps working (tiny runs; no timing is asserted),
# leaves nothing behind, and its chart draws exactly what its CSV says. The
# echo servers it runs (sockets/server, sockets/pollserver) are killed with
# their whole process group when they fail, die or stop answering, or when
# the bench is interrupted, and leave no process, socket or directory.

load test_helper

MECHANISMS="pipe pipe-1M pipe-1M-8K fifo unix unix-2 tcp unix-dgram udp memfd sysv-mq posix-mq shm-ring sysv-shm file-lock signal shm-spin"
SERVERS="server pollserver"

# sysv_private KIND : ids of the System V objects of KIND (msg, shm, sem)
# that have no key (IPC_PRIVATE, as the bench makes them), one per line.
sysv_private() { awk 'NR > 1 && $1 == 0 { print $2 }' "/proc/sysvipc/$1" | sort; }
# sysv_new KIND BEFORE : those not in the list BEFORE.
sysv_new() { comm -13 <(printf '%s\n' "$2") <(sysv_private "$1"); }
sysv_none_new() { [ -z "$(sysv_new "$1" "$2")" ]; }

# check_chart SVG CSV : every point, bar, whisker and reference line of the
# chart sits where the axis mapping its panel states puts the value it
# carries; that value is the CSV's; nothing measured is missing, nothing
# lies outside its panel, and every skipped size is said.
check_chart() {
    "$PY" - "$1" "$2" <<'EOF'
import csv, math, sys
import xml.etree.ElementTree as ET

SVG = '{http://www.w3.org/2000/svg}'
svg_path, csv_path = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(csv_path)))
root = ET.parse(svg_path).getroot()
problems, checked = [], {}

def bad(msg):
    problems.append(msg)

def count(what):
    checked[what] = checked.get(what, 0) + 1

def log_scale(lo, hi, p0, p1):
    return lambda v: p0 + (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * (p1 - p0)

def near(a, b):  # coordinates are written with 2 decimals
    return abs(a - b) <= 0.011

def same_value(drawn, row, column):
    return row.get(column) not in (None, '') and abs(float(drawn) - float(row[column])) <= 1e-9

limit = {(r['mechanism'], r['placement']): float(r['median']) for r in rows if r['kind'] == 'limit'}
tp = {(r['mechanism'], r['placement'], int(r['size_bytes'])): r for r in rows if r['kind'] == 'throughput'}
lat = {(r['mechanism'], r['placement']): r for r in rows if r['kind'] == 'latency'}
# the echo servers: (server, placement, figure) for the bars, (server,
# placement, clients) for the points
srv_time = {(r['mechanism'], r['placement'], r['kind'][len('server-'):]): r for r in rows
            if r['kind'] in ('server-connect', 'server-round-trip')}
srv_lines = {(r['mechanism'], r['placement'], int(r['clients'])): r for r in rows if r['kind'] == 'server-lines'}
points, bars, whiskers = set(), set(), set()
srv_bars, srv_whiskers, srv_points = set(), set(), set()

panels = root.findall(f'.//{SVG}g[@class="panel"]')
# a panel per placement measured (the bare pipe's, when no mechanism was)
placements = sorted({r['placement'] for r in rows if r['kind'] == 'throughput' or r['mechanism'] == 'bare-pipe-pingpong'})
if sorted(p.get('data-placement') for p in panels if p.get('data-kind') == 'throughput') != placements:
    bad(f'throughput panels do not match the placements {placements}')
if len([p for p in panels if p.get('data-kind') == 'latency']) != 1:
    bad('not exactly one round-trip panel')
for kind, figures in (('servers-time', srv_time), ('servers-lines', srv_lines)):
    if len([p for p in panels if p.get('data-kind') == kind]) != (1 if figures else 0):
        bad(f'not exactly {1 if figures else 0} {kind} panel(s)')

for p in panels:
    left, right, top, bottom = (float(p.get('data-' + k)) for k in ('left', 'right', 'top', 'bottom'))
    X = log_scale(float(p.get('data-x-min')), float(p.get('data-x-max')), left, right)
    inv_X = lambda px: 10 ** (math.log10(float(p.get('data-x-min'))) + (px - left) / (right - left) *
                              (math.log10(float(p.get('data-x-max'))) - math.log10(float(p.get('data-x-min')))))

    def inside(x, y, what):
        if not (left - 0.011 <= x <= right + 0.011 and top - 0.011 <= y <= bottom + 0.011):
            bad(f'{what}: ({x}, {y}) lies outside its panel ({left}..{right}, {top}..{bottom})')

    if p.get('data-kind') == 'throughput':
        where = p.get('data-placement')
        Y = log_scale(float(p.get('data-y-min')), float(p.get('data-y-max')), bottom, top)
        for e in p.iter(SVG + 'use'):
            if e.get('class') != 'point':
                continue
            key = (e.get('data-mech'), e.get('data-placement'), int(e.get('data-size')))
            x, y, v = float(e.get('x')), float(e.get('y')), float(e.get('data-value'))
            row = tp.get(key)
            if key[1] != where or row is None or not same_value(v, row, 'median'):
                bad(f'point {key} = {v}: not the CSV median ({row and row["median"]})')
            if not (near(x, X(key[2])) and near(y, Y(v))):
                bad(f'point {key} = {v} at ({x}, {y}); its panel maps it to ({X(key[2]):.2f}, {Y(v):.2f})')
            inside(x, y, f'point {key}')
            points.add(key)
            count('points')
        for e in p.iter(SVG + 'polyline'):
            for pair in e.get('points').split():
                inside(*map(float, pair.split(',')), f'line of {e.get("data-mech")}')
        for e in p.iter(SVG + 'line'):
            if e.get('class') != 'ref':
                continue
            x1, y1, x2, y2 = (float(e.get(k)) for k in ('x1', 'y1', 'x2', 'y2'))
            inside(x1, y1, 'reference line'), inside(x2, y2, 'reference line')
            if e.get('data-ref') == 'memcpy':
                ok = abs(float(e.get('data-value')) - limit[('memcpy', '')]) <= 1e-9
                ok = ok and near(y1, Y(limit[('memcpy', '')])) and near(y2, y1) and near(x1, left) and near(x2, right)
            else:  # one system call per message: size / getppid() ns, in MB/s
                ns = limit[('getppid', '')]
                ok = all(abs(y - Y(inv_X(x) * 1e3 / ns)) <= 0.05 for x, y in ((x1, y1), (x2, y2)))
            if not ok:
                bad(f'reference line {e.get("data-ref")} misplaced')
            count('reference lines')
    elif p.get('data-kind') == 'servers-time':  # a bar per server and figure, log x
        for e in p.iter(SVG + 'rect'):
            if e.get('class') != 'bar':
                continue
            key = (e.get('data-server'), e.get('data-placement'), e.get('data-figure'))
            x, y, w, h, v = (float(e.get(k)) for k in ('x', 'y', 'width', 'height', 'data-value'))
            if not same_value(v, srv_time.get(key, {}), 'median'):
                bad(f'server bar {key} = {v}: not the CSV median')
            if not (near(x, left) and near(x + w, X(v))):
                bad(f'server bar {key} = {v} ends at {x + w}; its panel maps it to {X(v):.2f}')
            inside(x, y, f'server bar {key}'), inside(x + w, y + h, f'server bar {key}')
            srv_bars.add(key)
            count('server bars')
        for e in p.iter(SVG + 'line'):
            if e.get('class') != 'p99':
                continue
            x1, y1, x2, y2 = (float(e.get(k)) for k in ('x1', 'y1', 'x2', 'y2'))
            key = (e.get('data-server'), e.get('data-placement'), e.get('data-figure'))
            row, v = srv_time.get(key, {}), float(e.get('data-value'))
            if not same_value(v, row, 'p99') or not (near(x1, X(float(row['median']))) and near(x2, X(v))):
                bad(f'server p99 whisker {key} = {v}: from {x1} to {x2}, not from the median to the CSV p99')
            inside(x1, y1, f'server whisker {key}'), inside(x2, y2, f'server whisker {key}')
            srv_whiskers.add(key)
            count('server whiskers')
    elif p.get('data-kind') == 'servers-lines':  # lines/s against clients, log-log
        Y = log_scale(float(p.get('data-y-min')), float(p.get('data-y-max')), bottom, top)
        for e in p.iter(SVG + 'use'):
            if e.get('class') != 'point':
                continue
            key = (e.get('data-server'), e.get('data-placement'), int(e.get('data-clients')))
            x, y, v = float(e.get('x')), float(e.get('y')), float(e.get('data-value'))
            if not same_value(v, srv_lines.get(key, {}), 'median'):
                bad(f'server point {key} = {v}: not the CSV median')
            if not (near(x, X(key[2])) and near(y, Y(v))):
                bad(f'server point {key} = {v} at ({x}, {y}); its panel maps it to ({X(key[2]):.2f}, {Y(v):.2f})')
            inside(x, y, f'server point {key}')
            srv_points.add(key)
            count('server points')
        for e in p.iter(SVG + 'polyline'):
            for pair in e.get('points').split():
                inside(*map(float, pair.split(',')), f'line of {e.get("data-server")}')
    else:
        for e in p.iter(SVG + 'rect'):
            if e.get('class') != 'bar':
                continue
            key = (e.get('data-mech'), e.get('data-placement'))
            x, y, w, h, v = (float(e.get(k)) for k in ('x', 'y', 'width', 'height', 'data-value'))
            if not same_value(v, lat.get(key, {}), 'median'):
                bad(f'bar {key} = {v}: not the CSV median')
            if not (near(x, left) and near(x + w, X(v))):
                bad(f'bar {key} = {v} ends at {x + w}; its panel maps it to {X(v):.2f}')
            inside(x, y, f'bar {key}'), inside(x + w, y + h, f'bar {key}')
            bars.add(key)
            count('bars')
        for e in p.iter(SVG + 'line'):
            x1, y1, x2, y2 = (float(e.get(k)) for k in ('x1', 'y1', 'x2', 'y2'))
            if e.get('class') == 'p99':
                key = (e.get('data-mech'), e.get('data-placement'))
                row, v = lat.get(key, {}), float(e.get('data-value'))
                if not same_value(v, row, 'p99') or not (near(x1, X(float(row['median']))) and near(x2, X(v))):
                    bad(f'p99 whisker {key} = {v}: from {x1} to {x2}, not from the median to the CSV p99')
                inside(x1, y1, f'whisker {key}'), inside(x2, y2, f'whisker {key}')
                whiskers.add(key)
                count('whiskers')
            elif e.get('class') == 'ref':
                ref = e.get('data-ref')
                want = limit[('getppid', '')] / 1e3 if ref == 'syscall' else limit[('bare-pipe-pingpong', ref[5:])]
                if not (abs(float(e.get('data-value')) - want) <= 1e-9 and near(x1, X(want)) and near(x2, x1)):
                    bad(f'reference line {ref} at {x1}, its value {want} maps to {X(want):.2f}')
                inside(x1, y1, f'reference {ref}'), inside(x2, y2, f'reference {ref}')
                count('reference lines')

measured_tp = {k for k, r in tp.items() if r['median']}
measured_lat = {k for k, r in lat.items() if r['median']}
for missing in sorted(measured_tp - points):
    bad(f'throughput {missing} is in the CSV but not drawn')
for missing in sorted(measured_lat - bars):
    bad(f'round trip {missing} is in the CSV but has no bar')
for missing in sorted(measured_lat - whiskers):
    bad(f'round trip {missing} is in the CSV but has no p99 whisker')
for missing in sorted({k for k, r in srv_time.items() if r['median']} - srv_bars):
    bad(f'server figure {missing} is in the CSV but has no bar')
for missing in sorted({k for k, r in srv_time.items() if r['median']} - srv_whiskers):
    bad(f'server figure {missing} is in the CSV but has no p99 whisker')
for missing in sorted({k for k, r in srv_lines.items() if r['median']} - srv_points):
    bad(f'server figure {missing} is in the CSV but not drawn')
said = {e.get('data-mech') for e in root.iter(SVG + 'text') if e.get('class') == 'skipped'}
for mech in sorted({k[0] for k, r in tp.items() if r['note'].startswith('n/a')} - said):
    bad(f'{mech} skipped a size (CSV n/a) but the chart does not say so')
for server in sorted({r['mechanism'] for r in rows if r['kind'].startswith('server-') and r['note']} - said):
    bad(f'{server} was not measured (CSV n/a) but the chart does not say so')

for msg in problems:
    print('chart:', msg)
print('chart: checked', ', '.join(f'{n} {what}' for what, n in sorted(checked.items())))
# something was drawn of every part that has a measured figure
empty = (measured_tp and not checked.get('points')) or (measured_lat and not checked.get('bars')) or \
    (any(r['median'] for r in srv_time.values()) and not checked.get('server bars')) or \
    (any(r['median'] for r in srv_lines.values()) and not checked.get('server points'))
sys.exit(1 if problems or empty else 0)
EOF
}

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
    # each figure ends with the context switches and CPU time of both processes,
    # then the columns of the echo servers
    head -n 1 out/results.csv | grep -q ',switches,cpu_us,per,clients,processes,peak_kib,pss_kib$'
    grep -qE '^latency,unix-2,(same|cross),64,([^,]*,){6}[0-9]+\.[0-9]+,[0-9]+\.[0-9]+,round trip,,,,$' out/results.csv
    grep -qE '^throughput,memfd,(same|cross),65536,([^,]*,){6}[0-9]+\.[0-9]+,[0-9]+\.[0-9]+,message,,,,$' out/results.csv
    # sizes above a mechanism's limit are skipped and said, never left out
    grep -q '^throughput,posix-mq,.*,65536,.*n/a: msgsize_max' out/results.csv
    grep -q '^throughput,udp,.*,65536,.*n/a: UDP payload max 65507' out/results.csv
    grep -qE '^throughput,sysv-shm,(same|cross),65536,[0-9]' out/results.csv
    # and the echo servers, after the mechanisms
    for s in $SERVERS; do
        grep -qE "^$s +(same|cross) +[0-9]+ +[0-9.]+ " <<<"$output"
        grep -qE "^server-lines,$s,(same|cross),64,[0-9]" out/results.csv
    done
}

# server_running BENCH NAME [N] : the bench's server NAME runs (exec'd), with
# at least N processes of its own (children); its PID in FOUND_SERVER.
server_running() {
    FOUND_SERVER=$(pgrep -P "$1" -x "$2") || return 1
    [ "$(pgrep -c -P "$FOUND_SERVER")" -ge "${3:-0}" ]
}

# no_leftovers BENCH SERVER : nothing of the bench's servers is left: no
# process in the server's group, no scratch directory (with its socket).
no_leftovers() {
    run group_members "$2"
    [ -z "$output" ] || { echo "left in the group of $2: $output"; return 1; }
    run compgen -G "/tmp/ipcbench.$1.*"
    [ -z "$output" ] || { echo "left: $output"; return 1; }
}

@test "bench: both echo servers, run from the build: connections, round trip, clients at once, every echo checked" {
    run --separate-stderr prog bench/ipcbench -q -d 0.005 -r 1 -n 20 -c 1,4,32 -m server,pollserver -o out
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ "$output" == *"The echo servers:"* ]]
    for s in $SERVERS; do
        for w in same cross; do # the server on the client's CPU, or on the other
            grep -qE "^server-connect-rate,$s,$w,64,([0-9.]+,){3},conn/s,,[0-9.]+,[0-9.]+,connection,1,,,$" out/results.csv
            grep -qE "^server-connect,$s,$w,64,([0-9.]+,){4}us,,[0-9.]+,[0-9.]+,connection,1,,,$" out/results.csv
            grep -qE "^server-round-trip,$s,$w,64,([0-9.]+,){4}us,,[0-9.]+,[0-9.]+,round trip,1,,,$" out/results.csv
        done
    done
    # a process per client, or one for them all: counted with the clients connected
    for k in 1 4 32; do
        grep -qE "^server-lines,server,same,64,([0-9.]+,){3},lines/s,,[0-9.]+,[0-9.]+,line,$k,$((k + 1)),[0-9]+,[0-9]*$" out/results.csv
        grep -qE "^server-lines,pollserver,cross,64,([0-9.]+,){3},lines/s,,[0-9.]+,[0-9.]+,line,$k,1,[0-9]+,[0-9]*$" out/results.csv
    done
    refute grep -q '^throughput,' out/results.csv # no mechanism was asked for
    run check_chart out/results.svg out/results.csv
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"server bars"*"server points"*"server whiskers"* ]]
}

@test "bench: Ctrl+C while the fork server has its clients kills its whole process group, removes its socket and directory" {
    # -d 2: the 32 clients stay for 2.5 s (the round trip and the bare pipe
    # before them take as long)
    start_bg bench bench/ipcbench -q -p same -d 2 -r 1 -n 1 -c 32 -m server -o out
    local pid=$LAST_PID server
    sigint_default "$pid"
    wait_until "$WAIT_LIMIT" server_running "$pid" server 32 # a child per client
    server=$FOUND_SERVER
    kill -INT "$pid"
    wait_exit "$pid"
    echo "exit status $EXIT_CODE"
    cat bench.err
    [ "$EXIT_CODE" -eq 130 ] # died of SIGINT, after cleaning up
    grep -q 'interrupted by SIGINT, cleaned up' bench.err
    no_leftovers "$pid" "$server"
}

@test "bench: a server killed mid-run is reported with how it died; exit 1, nothing left" {
    start_bg bench bench/ipcbench -q -p same -d 0.005 -r 1 -n 100000 -m pollserver -o out
    local pid=$LAST_PID server
    wait_until "$WAIT_LIMIT" server_running "$pid" pollserver
    server=$FOUND_SERVER
    kill -9 "$server"
    wait_exit "$pid"
    cat bench.err
    [ "$EXIT_CODE" -eq 1 ]
    grep -q "^ipcbench: pollserver (pid $server) had been killed by signal 9" bench.err
    no_leftovers "$pid" "$server"
}

@test "bench: the fork server's child killed under its client fails the run, and the rest of its group goes" {
    start_bg bench bench/ipcbench -q -p same -d 2 -r 1 -n 1 -c 16 -m server -o out
    local pid=$LAST_PID server child
    wait_until "$WAIT_LIMIT" server_running "$pid" server 16
    server=$FOUND_SERVER
    child=$(pgrep -P "$server" | head -n 1)
    kill -9 "$child"
    wait_exit "$pid"
    cat bench.err
    [ "$EXIT_CODE" -eq 1 ]
    # its client finds the connection closed (or reset, or broken at the next line)
    grep -qE '^ipcbench: server: (closed the connection|read: Connection reset|write: Broken pipe)' bench.err
    grep -q "^ipcbench: server (pid $server) was still running: killed with its process group" bench.err
    no_leftovers "$pid" "$server"
}

@test "bench: a server that stops answering fails the run within --wait, never hangs it" {
    start_bg bench bench/ipcbench -q -p same -d 0.005 -r 1 -n 100000 -w 1 -m pollserver -o out
    local pid=$LAST_PID server
    wait_until "$WAIT_LIMIT" server_running "$pid" pollserver
    server=$FOUND_SERVER
    kill -STOP "$server"
    wait_exit "$pid"
    cat bench.err
    [ "$EXIT_CODE" -eq 1 ]
    grep -qE '^ipcbench: pollserver: (read: no echo|connect .*: its backlog still full after|did not start listening) within --wait \(1 s\)' bench.err
    grep -q "^ipcbench: pollserver (pid $server) was still running: killed with its process group" bench.err
    no_leftovers "$pid" "$server" # SIGKILL ends a stopped process too
}

# fake_tree : a copy of the build's bench in ./tree/bench, with an empty
# ./tree/sockets beside it: the servers it runs are the test's.
# in_tree ARGS... : run that copy, as prog runs the build's.
# spawn_in_tree ARGS... : start it, as start_bg starts the build's.
fake_tree() {
    mkdir -p tree/bench tree/sockets
    cp "$BIN/bench/ipcbench" tree/bench/
}
in_tree() { BIN=$BATS_TEST_TMPDIR/tree prog bench/ipcbench "$@"; }
spawn_in_tree() {
    cmd_for bench/ipcbench "$@"
    spawn bench "${CMD[@]/#"$BIN"\//$BATS_TEST_TMPDIR/tree/}"
}

@test "bench: a server that is not built is skipped and said, in the table, the CSV and the chart" {
    fake_tree
    run --separate-stderr in_tree -q -d 0.005 -r 1 -n 5 -c 1,2 -m server,pollserver -o out
    [ "$status" -eq 0 ]
    [[ "$output" == *"server     same         1       n/a   (not built: make sockets/server)"* ]]
    grep -q '^server-lines,pollserver,same,64,,,,,,n/a: not built: make sockets/pollserver,,,,2,,,$' out/results.csv
    run check_chart out/results.svg out/results.csv
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "bench: a server whose echo differs by one byte fails the run, with the line and what came back" {
    fake_tree
    # a server that changes the 21st byte of every line
    { echo "#!$(command -v "$PY")"; echo "$PY_PRELUDE"; cat <<'EOF'; } >tree/sockets/pollserver
import sys
path = sys.argv[sys.argv.index('-u') + 1]
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(path)
listener.listen(8)
print('Listening on %s for clients...' % path, file=sys.stderr, flush=True)
while True:
    conn, _ = listener.accept()
    line = conn.makefile('rb').readline()
    conn.sendall(line[:20] + b'X' + line[21:])
EOF
    chmod +x tree/sockets/pollserver
    spawn_in_tree -q -d 0.005 -r 1 -n 5 -m pollserver -o out
    local pid=$LAST_PID server
    wait_exit "$pid"
    cat bench.err
    [ "$EXIT_CODE" -eq 1 ]
    grep -qE '^ipcbench: pollserver: the echo of "client 0 line 0 [a-z]+" came back as "client 0 line 0 [a-z]*X[a-z]+"$' bench.err
    server=$(sed -nE 's/^ipcbench: pollserver \(pid ([0-9]+)\) was still running: killed with its process group$/\1/p' bench.err)
    [ -n "$server" ]
    no_leftovers "$pid" "$server" # its socket too, though no server of ours removed it
}

@test "bench: a server that exits before it listens is reported with its status and its words" {
    fake_tree
    printf '#!/bin/sh\necho "server: bind: Address already in use" >&2\nexit 1\n' >tree/sockets/server
    chmod +x tree/sockets/server
    run --separate-stderr in_tree -q -d 0.005 -r 1 -n 5 -m server -o out
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"ipcbench: server: ended before it listened"$'\n'"ipcbench: server (pid "*") had exited with status 1"* ]]
    [[ "$stderr" == *"ipcbench: server wrote on stderr:"$'\n'"server: bind: Address already in use"* ]]
}

@test "bench: a server that never listens is given up after --wait, and the processes it started go with it" {
    fake_tree
    # it starts a process of its own (in its process group, holding its
    # stderr open), and never listens
    printf '#!/bin/sh\nsleep 1000 &\necho "server: starting" >&2\nexec sleep 1000\n' >tree/sockets/server
    chmod +x tree/sockets/server
    spawn_in_tree -q -d 0.005 -r 1 -n 5 -w 1 -m server -o out
    local pid=$LAST_PID server
    wait_until "$WAIT_LIMIT" server_running "$pid" sleep 1
    server=$FOUND_SERVER
    wait_exit "$pid"
    cat bench.err
    [ "$EXIT_CODE" -eq 1 ]
    grep -q '^ipcbench: server: did not start listening within --wait (1 s)$' bench.err
    grep -q "^ipcbench: server (pid $server) was still running: killed with its process group" bench.err
    no_leftovers "$pid" "$server"
}

@test "bench: the chart draws every figure where its axes say, none clipped or capped" {
    run --separate-stderr prog bench/ipcbench -q -d 0.005 -r 1 -o out
    [ "$status" -eq 0 ]
    run check_chart out/results.svg out/results.csv
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"checked"*"bars"*"points"*"reference lines"*"whiskers"* ]]
}

@test "bench: leaves no FIFO, file, socket, server process, POSIX or System V object behind" {
    local msg shm sem
    msg=$(sysv_private msg) shm=$(sysv_private shm) sem=$(sysv_private sem)
    start_bg bench bench/ipcbench -q -d 0.005 -r 1 -s 64 -c 1,8 -o out
    local pid=$LAST_PID
    wait_exit "$pid" 120
    [ "$EXIT_CODE" -eq 0 ]
    grep -qE '^server-lines,pollserver,same,64,[0-9]' out/results.csv # the servers ran
    # Names carry the bench's PID: FIFOs, box files and the echo servers'
    # directories (each with its socket) in /tmp, POSIX shared memory in
    # /dev/shm, POSIX queues in /dev/mqueue. Each kind on its own.
    run compgen -G "/tmp/ipcbench.$pid.*"
    [ -z "$output" ]
    # no echo server, nor any process one forked (they listened in there)
    run pgrep -f "/tmp/ipcbench\.$pid\."
    [ -z "$output" ]
    run compgen -G "/dev/shm/ipcbench.$pid*"
    [ -z "$output" ]
    run compgen -G "/dev/mqueue/ipcbench.$pid.*"
    [ -z "$output" ]
    # System V objects have no name: any private one new since the start.
    # One made by a test running meanwhile goes soon; a leftover stays.
    wait_until 10 sysv_none_new msg "$msg" || { echo "System V queues left: $(sysv_new msg "$msg")"; false; }
    wait_until 10 sysv_none_new shm "$shm" || { echo "System V segments left: $(sysv_new shm "$shm")"; false; }
    wait_until 10 sysv_none_new sem "$sem" || { echo "System V semaphore sets left: $(sysv_new sem "$sem")"; false; }
}

@test "bench: options are checked (exit 2); --help lists every mechanism" {
    run --separate-stderr prog bench/ipcbench -m nosuch
    [ "$status" -eq 2 ]
    run --separate-stderr prog bench/ipcbench -p sideways
    [ "$status" -eq 2 ]
    run --separate-stderr prog bench/ipcbench -s 0
    [ "$status" -eq 2 ]
    run --separate-stderr prog bench/ipcbench -s 1,2,3,4,5,6,7,8,9
    [ "$status" -eq 2 ]
    for bad in "-c 0" "-c 257" "-c 1,2,3,4,5,6,7,8,9" "-n 0" "-w 0" "-m serverx"; do
        # shellcheck disable=SC2086 # an option and its value
        run --separate-stderr prog bench/ipcbench $bad
        [ "$status" -eq 2 ]
    done
    run --separate-stderr prog bench/ipcbench --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: ipcbench"* ]]
    for m in $MECHANISMS $SERVERS; do
        grep -qE "^  $m +[a-zA-Z]" <<<"$output"
    done
}
