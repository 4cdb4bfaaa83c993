#!/usr/bin/env bats
# make bench: the benchmark keeps working (tiny runs; no timing is asserted),
# leaves nothing behind, and its chart draws exactly what its CSV says.

load test_helper

MECHANISMS="pipe pipe-1M pipe-1M-8K fifo unix unix-2 tcp unix-dgram udp memfd sysv-mq posix-mq shm-ring sysv-shm file-lock signal shm-spin"

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
points, bars, whiskers = set(), set(), set()

panels = root.findall(f'.//{SVG}g[@class="panel"]')
placements = sorted({r['placement'] for r in rows if r['kind'] == 'throughput'})
if sorted(p.get('data-placement') for p in panels if p.get('data-kind') == 'throughput') != placements:
    bad(f'throughput panels do not match the placements {placements}')
if len([p for p in panels if p.get('data-kind') == 'latency']) != 1:
    bad('not exactly one round-trip panel')

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
said = {e.get('data-mech') for e in root.iter(SVG + 'text') if e.get('class') == 'skipped'}
for mech in sorted({k[0] for k, r in tp.items() if r['note'].startswith('n/a')} - said):
    bad(f'{mech} skipped a size (CSV n/a) but the chart does not say so')

for msg in problems:
    print('chart:', msg)
print('chart: checked', ', '.join(f'{n} {what}' for what, n in sorted(checked.items())))
sys.exit(1 if problems or not checked.get('points') or not checked.get('bars') else 0)
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
    # each figure ends with the context switches and CPU time of both processes
    head -n 1 out/results.csv | grep -q ',switches,cpu_us,per$'
    grep -qE '^latency,unix-2,(same|cross),64,([^,]*,){6}[0-9]+\.[0-9]+,[0-9]+\.[0-9]+,round trip$' out/results.csv
    grep -qE '^throughput,memfd,(same|cross),65536,([^,]*,){6}[0-9]+\.[0-9]+,[0-9]+\.[0-9]+,message$' out/results.csv
    # sizes above a mechanism's limit are skipped and said, never left out
    grep -q '^throughput,posix-mq,.*,65536,.*n/a: msgsize_max' out/results.csv
    grep -q '^throughput,udp,.*,65536,.*n/a: UDP payload max 65507' out/results.csv
    grep -qE '^throughput,sysv-shm,(same|cross),65536,[0-9]' out/results.csv
}

@test "bench: the chart draws every figure where its axes say, none clipped or capped" {
    run --separate-stderr prog bench/ipcbench -q -d 0.005 -r 1 -o out
    [ "$status" -eq 0 ]
    run check_chart out/results.svg out/results.csv
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"checked"*"bars"*"points"*"reference lines"*"whiskers"* ]]
}

@test "bench: leaves no FIFO, file, POSIX or System V object behind" {
    local msg shm sem
    msg=$(sysv_private msg) shm=$(sysv_private shm) sem=$(sysv_private sem)
    start_bg bench bench/ipcbench -q -d 0.005 -r 1 -s 64 -o out
    local pid=$LAST_PID
    wait_exit "$pid" 120
    [ "$EXIT_CODE" -eq 0 ]
    # Names carry the bench's PID: FIFOs and box files in /tmp, POSIX shared
    # memory in /dev/shm, POSIX queues in /dev/mqueue. Each kind on its own.
    run compgen -G "/tmp/ipcbench.$pid.*"
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
    run --separate-stderr prog bench/ipcbench --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: ipcbench"* ]]
    for m in $MECHANISMS; do
        grep -qE "^  $m +[a-zA-Z]" <<<"$output"
    done
}
