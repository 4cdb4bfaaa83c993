#!/usr/bin/env bats
# make trace (scripts/trace, scripts/trace.py): both programs' system calls
# on one timeline, and the golden traces in docs/traces/ that the READMEs'
# "What the kernel sees" sections quote.
#
#   - every pair, traced afresh with a gcc and a clang build of its programs,
#     makes the landmark calls of its golden trace, in the same order on each
#     side (so the golden cannot drift from the code);
#   - every line of every README excerpt is in the pair's golden trace, in
#     order on each side (so the README cannot drift from the golden);
#   - --help, the list of pairs, usage errors, and the two ways tracing is
#     impossible: no strace, no ptrace.
#
# Time: under a second per pair and build, but for pipes (768000 ints
# through a FIFO: some 370000 system calls, 20 s under strace per build) and
# shutdown (the article's sleeps, 6 s): 55 to 80 s for the whole file on a
# 2-core machine, as loaded as ours was. Under make check (ASan, valgrind)
# the re-traces skip, as they would show valgrind's or ASan's own calls.
# Regenerate the goldens after a change to a program: make trace UPDATE=1.

load test_helper

setup_file() {
    # The pairs' programs, built apart with each compiler (never the
    # sanitizer or valgrind builds: see above).
    # shellcheck source=/dev/null # scripts/pairs.sh
    . "$BATS_TEST_DIRNAME/../scripts/pairs.sh"
    local pair prog targets cc
    [ "${IPC_VALGRIND:-0}" = 1 ] || [ -n "${IPC_BIN_DIR:-}" ] && return 0 # nothing is traced then
    for cc in gcc clang; do
        command -v "$cc" >/dev/null || continue
        targets=(keyfiles) # the ftok key files beside the programs
        for pair in $PAIR_NAMES; do
            pair_info "$pair"
            for prog in "${PAIR_LEFT%% *}" "${PAIR_RIGHT%% *}"; do
                [ -n "$prog" ] && targets+=("$BATS_FILE_TMPDIR/$cc/$PAIR_DIR/$prog")
            done
        done
        make -s -C "$BATS_TEST_DIRNAME/.." O="$BATS_FILE_TMPDIR/$cc" CC="$cc" "${targets[@]}" >&2
    done
}

# The landmark calls of a timeline (a golden, or a fresh scripts/trace),
# one per line, "left<TAB>call" or "right<TAB>call": what always happens in
# the pair's run, whatever the timing. A landmark is a call's name and its
# key arguments, never its timing, its count, or a result that depends on
# which side won a race. Runs of the same landmarks collapse (a retry loop,
# a stream of reads and writes): ABAB is AB.
LANDMARKS_PY=$(
    cat <<'EOF'
import re, sys

lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
rule = next(l for l in lines if re.fullmatch(r'-+\+-+', l))
sep = rule.index('+')           # column separator: left cell | right cell
start = lines.index(rule) + 1

def args_of(cell):
    """The arguments, split at top-level commas. In a cell cut short (…)
    only those that end well before the cut: where the cut falls moves
    with the length of the result and of the count."""
    m = re.match(r'^(?:\[[\w.]+\] )?(\w+)\((.*)$', cell)
    body, cut = m.group(2), '…' in m.group(2)
    partial = ''
    if cut:
        head = body.split('…')[0]
        head = head[:max(0, len(head) - 8)]
        if ', ' in head:
            head, partial = head[:head.rfind(', ')], head[head.rfind(', ') + 2:]
        else:
            head, partial = '', head
        # of flags cut short (O_RDWR|O_CREAT|O_EXCL|O_NOFO…), the whole ones
        partial = '|'.join(partial.split('|')[:-1]) + '|…' if re.match(r'^[A-Z_]+\|', partial) else ''
    else:
        head = body.rsplit(') = ', 1)[0] if ') = ' in body else body[:-1]
    out, depth, cur, q = [], 0, '', False
    for i, c in enumerate(head):
        if q:
            cur += c
            if c == '"' and head[i - 1] != '\\':
                q = False
            continue
        if c == '"':
            q = True
        elif c in '([{<':
            depth += 1
        elif c in ')]}>' and not (c == '>' and head[i - 1] == '-'):
            depth -= 1
        if c == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
            continue
        cur += c
    if cur.strip():
        out.append(cur.strip())
    return out + ([partial] if partial else [])

def fd_of(arg):
    """What a descriptor argument is: 3<pipe:[N]> -> pipe:[N]. Whether
    strace already sees the peer of a connected UNIX-domain socket (->N)
    depends on whether the server has accepted it yet: timing."""
    m = re.match(r'^\d+<(.*)>', arg)
    return re.sub(r'^(UNIX-\w+:\[N)->N', r'\1', m.group(1)) if m else arg

# Failures that mean "not yet" or "interrupted": whether they happen at all,
# and how often, is timing (a reader started before its writer, a read that
# a signal interrupted). The call that then succeeds is the landmark.
NOT_YET = re.compile(r'= (-1 (EAGAIN|EWOULDBLOCK|EINTR|ETIMEDOUT|ECONNREFUSED|ENXIO)'
                     r'|\? E\w+|\?$)')

def landmark(cell):
    """The landmark of one call (None: not one), with why."""
    cell = re.sub(r' x\d+$', '', cell)                 # counts are timing
    proc = re.match(r'^(\[[\w.]+\]) ', cell)
    proc = proc.group(1) + ' ' if proc else ''
    if cell.startswith(proc + '--- '):
        # A signal delivered, and who sent it: the signal pairs' subject,
        # and how a server is stopped. Not a timer's (SI_TIMER: ipc.h's
        # 10 ms knock after a stop signal, an alarm): whether it rings
        # before the program is done is timing.
        if 'si_code=SI_TIMER' in cell:
            return None
        m = re.match(r'--- (\w+) .*?si_pid=([\w\[\].]+)', cell[len(proc):])
        return proc + (m.group(1) + ' from ' + m.group(2) if m else cell.split()[1])
    if cell.startswith(proc + '+++ '):
        return cell                                    # how each process ended
    m = re.match(r'^(\w+)\(', cell[len(proc):])
    if not m:
        return None
    name, a = m.group(1), args_of(cell)
    result = cell.rsplit(') = ', 1)[1] if ') = ' in cell else ''
    if NOT_YET.search(') = ' + result) and name not in ('exit_group', 'execve'):
        return None
    if re.match(r'-1 ENOENT', result) and (
            name in ('openat', 'open', 'connect') and 'O_CREAT' not in cell
            or name == 'mq_open' and 'O_CREAT' not in cell
            or name == 'msgget' and 'IPC_CREAT' not in cell):
        return None  # the partner's object does not exist yet
    key = None
    if name in ('openat', 'open', 'creat', 'mq_open'):
        # shm_open, sem_open and mq_open are opens of files in /dev/shm
        # and /dev/mqueue: the path and flags (O_CREAT|O_EXCL, O_NOFOLLOW,
        # O_NONBLOCK on a FIFO) are the lesson.
        path = next(x for x in a if x.startswith('"'))
        key = ' '.join([path] + [x for x in a[a.index(path) + 1:] if x][:1])
    elif name == 'close':
        # Closing a pipe's, a FIFO's, a socket's or a queue's end is what the
        # partner sees (EOF). Not for /dev/shm: a mapping outlives its
        # descriptor, and a reader that probes a segment nobody locks yet
        # closes it and tries again (timing).
        if '/dev/shm/' in a[0]:
            return None
        key = fd_of(a[0])
    elif name in ('read', 'write', 'pread64', 'pwrite64', 'recvfrom', 'sendto', 'recvmsg',
                  'sendmsg', 'readv', 'writev'):
        # Data through the channel (not the terminal: descriptors 0-2 are
        # the programs' output), and end-of-file: the partner has closed.
        if re.match(r'^[012]$', a[0]):
            return None
        key = fd_of(a[0]) + (' EOF' if result == '0' else '')
    elif name in ('mmap',):
        # A shared memory segment and a named semaphore are files in
        # /dev/shm mapped MAP_SHARED: size, protection, file.
        key = ' '.join(a[1:4] + [fd_of(x) for x in a[4:5]])
    elif name in ('munmap', 'ftruncate'):
        key = a[1] if len(a) > 1 else ''              # the size
        if name == 'ftruncate':
            key = fd_of(a[0]) + ' ' + key
    elif name == 'fcntl':
        # Record locks (who holds the file: F_SETLK, F_SETLKW with the lock
        # type; F_GETLK, whose answer is timing) and blocking mode (F_SETFL).
        key = ' '.join([fd_of(a[0]), a[1]] + [x for x in a[2:] if x.startswith(('{l_type=', 'O_'))][:1])
        if a[1] == 'F_GETLK':
            key = fd_of(a[0]) + ' F_GETLK'
        key = re.sub(r'(\{l_type=\w+).*', r'\1}', key)
    elif name in ('unlink', 'unlinkat', 'link', 'linkat', 'mknod', 'mknodat', 'rename', 'mq_unlink'):
        # Names created and removed: mkfifo is mknod S_IFIFO, sem_open's
        # name appears by link(), the last unlink removes the object.
        # (Which side's unlink of a FIFO finds it is a race: no result.)
        key = ' '.join(x for x in a if x.startswith('"') or x.startswith('S_'))
    elif name in ('msgget', 'semget', 'shmget'):
        key = ' '.join(a[:2])                          # KEY and IPC_CREAT|IPC_EXCL|0600
    elif name in ('msgsnd', 'msgrcv'):
        # Each message and its type; msgrcv's fourth argument is the type
        # asked for: the article's out-of-order receive.
        key = re.sub(r', mtext=.*', '}', a[1]) if name == 'msgsnd' else 'type ' + (a[3] if len(a) > 3 else '?')
    elif name in ('msgctl', 'shmctl'):
        key = a[1]                                     # IPC_STAT, IPC_RMID
    elif name == 'semctl':
        key = ' '.join(a[1:3])                         # which semaphore, SETVAL, IPC_RMID
    elif name in ('shmat', 'shmdt'):
        key = ' '.join(a[2:3])                         # SHM_RDONLY or not
    elif name in ('semop', 'semtimedop'):
        # System V semaphore operations: which semaphore, up or down. (One
        # that had to sleep is the same call: only its duration differs.)
        key = a[1] if len(a) > 1 else ''
    elif name in ('mq_timedsend', 'mq_timedreceive'):
        key = fd_of(a[0]) + (' priority ' + a[3] if name == 'mq_timedsend' and len(a) > 3 else '')
    elif name in ('socket', 'socketpair'):
        key = ' '.join(a[:3])                          # domain, type, protocol
    elif name in ('bind', 'connect'):
        # The address: port 9876 on 127.0.0.1, or a socket file.
        key = re.sub(r'^\{sa_family=', '', ', '.join(a[1:]))
        key = re.sub(r'\}?,? ?\d*$', '', key)
    elif name in ('listen', 'accept', 'accept4', 'shutdown'):
        key = fd_of(a[0]) + (' ' + a[1] if name in ('listen', 'shutdown') and len(a) > 1 else '')
    elif name in ('setsockopt',):
        key = ' '.join(a[1:3])                         # SO_REUSEADDR, SO_RCVTIMEO
    elif name in ('pipe', 'pipe2', 'eventfd', 'eventfd2', 'signalfd', 'signalfd4', 'memfd_create',
                  'epoll_create1', 'epoll_ctl', 'inotify_init1', 'timerfd_create'):
        key = ' '.join(a[-1:])                         # flags
    elif name == 'inotify_add_watch':
        key = ' '.join(a[1:2])                         # the directory watched for a name
    elif name in ('kill', 'tkill', 'tgkill', 'rt_sigqueueinfo'):
        key = ' '.join(a[:2])                          # who, which signal
    elif name == 'rt_sigaction':
        # What the program does on each signal: a handler, SIG_IGN (the
        # FIFO writer and the server ignore SIGPIPE), SIG_DFL.
        m = re.search(r'sa_handler=(SIG_\w+)', cell)
        key = a[0] + ' ' + (m.group(1) if m else 'handler') if a[1] != 'NULL' else None
        if key is None:
            return None
    elif name == 'rt_sigprocmask':
        key = ' '.join(a[:2])                          # SIG_BLOCK [INT TERM] before ppoll
    elif name == 'prctl':
        key = ' '.join(a[:2])                          # PR_SET_PDEATHSIG SIGTERM
    elif name in ('setsid', 'setpgid'):
        key = ''
    elif name in ('clone', 'clone3', 'fork', 'vfork'):
        key = result                                   # the child it made
    elif name in ('wait4', 'waitid'):
        key = a[0]                                     # the child it waited for
    elif name == 'execve':
        key = ' '.join(a[:2])                          # program and arguments
    elif name in ('exit', 'exit_group'):
        key = a[0]                                     # the exit status
    else:
        # Not a landmark: futex (a semaphore enters the kernel only when
        # someone must sleep or be woken: timing), poll/ppoll/select (how
        # often a process wakes is timing), timers and alarms (ipc.h's
        # timeouts), lseek, dup.
        return None
    return proc + name + ' ' + key

seqs = {'left': [], 'right': []}
for line in lines[start:]:
    if not line.strip():
        continue
    left, right = line[:sep - 1].rstrip(), line[sep + 2:]
    side, cell = ('right', right) if not left else ('left', left)
    try:
        mark = landmark(cell)
    except (IndexError, StopIteration):  # arguments cut off: the name alone
        mark = re.sub(r'\(.*', '', cell)
    if mark:
        # One sequence per process: a forked child ("[child] ...") runs
        # beside its parent, and how their calls interleave is timing.
        m = re.match(r'^(\[\w+\]) ', cell)
        seqs.setdefault(side + (' ' + m.group(1) if m else ''), []).append(mark)
for side, seq in seqs.items():
    changed = True
    while changed:  # ABAB -> AB, AA -> A: retries and streams
        changed = False
        for k in range(1, 5):
            i = 0
            while i + 2 * k <= len(seq):
                if seq[i:i + k] == seq[i + k:i + 2 * k]:
                    del seq[i + k:i + 2 * k]
                    changed = True
                else:
                    i += 1
    for mark in seq:
        print(side + '\t' + mark)
EOF
)

landmarks() { "$PY" -c "$LANDMARKS_PY" "$1"; }

# trace_matches PAIR : trace PAIR with the gcc and the clang build, and
# compare each run's landmarks with those of docs/traces/PAIR.txt.
trace_matches() {
    local pair=$1 cc golden=$REPO/docs/traces/$1.txt built=0
    need strace strace
    if [ "${IPC_VALGRIND:-0}" = 1 ] || [ -n "${IPC_BIN_DIR:-}" ]; then
        skip "traced in the plain run (make test): strace would show valgrind's or ASan's calls"
    fi
    [ -f "$golden" ] || { echo "no golden trace $golden: make trace PAIR=$pair UPDATE=1" >&2; return 1; }
    landmarks "$golden" >golden.marks
    [ -s golden.marks ]
    for cc in gcc clang; do
        [ -d "$BATS_FILE_TMPDIR/$cc" ] || continue
        built=$((built + 1))
        IPC_TEST_TAG=$TAG IPC_BIN_DIR=$BATS_FILE_TMPDIR/$cc "$REPO/scripts/trace" "$pair" >"$cc.txt" 2>"$cc.err" || {
            cat "$cc.err" >&2
            return 1
        }
        landmarks "$cc.txt" >"$cc.marks"
        if ! diff -u golden.marks "$cc.marks" >"$cc.diff"; then
            echo "--- landmarks of docs/traces/$pair.txt vs a fresh trace ($cc build):" >&2
            cat "$cc.diff" >&2
            echo "--- the fresh trace:" >&2
            cat "$cc.txt" >&2
            echo "(if the program changed on purpose: make trace PAIR=$pair UPDATE=1, and check its README excerpt)" >&2
            return 1
        fi
    done
    [ "$built" -gt 0 ]
}

@test "trace shared-files: a gcc and a clang build make the landmark calls of docs/traces/shared-files.txt" { trace_matches shared-files; }
@test "trace shared-memory: a gcc and a clang build make the landmark calls of docs/traces/shared-memory.txt" { trace_matches shared-memory; }
@test "trace sysv-shm: a gcc and a clang build make the landmark calls of docs/traces/sysv-shm.txt" { trace_matches sysv-shm; }
@test "trace pipes: a gcc and a clang build make the landmark calls of docs/traces/pipes.txt" { trace_matches pipes; }
@test "trace pipeUN: a gcc and a clang build make the landmark calls of docs/traces/pipeUN.txt" { trace_matches pipeUN; }
@test "trace message-queues: a gcc and a clang build make the landmark calls of docs/traces/message-queues.txt" { trace_matches message-queues; }
@test "trace posix-mq: a gcc and a clang build make the landmark calls of docs/traces/posix-mq.txt" { trace_matches posix-mq; }
@test "trace sockets: a gcc and a clang build make the landmark calls of docs/traces/sockets.txt" { trace_matches sockets; }
@test "trace sockets-unix: a gcc and a clang build make the landmark calls of docs/traces/sockets-unix.txt" { trace_matches sockets-unix; }
@test "trace pollserver: a gcc and a clang build make the landmark calls of docs/traces/pollserver.txt" { trace_matches pollserver; }
@test "trace datagrams: a gcc and a clang build make the landmark calls of docs/traces/datagrams.txt" { trace_matches datagrams; }
@test "trace datagrams-unix: a gcc and a clang build make the landmark calls of docs/traces/datagrams-unix.txt" { trace_matches datagrams-unix; }
@test "trace fd-passing: a gcc and a clang build make the landmark calls of docs/traces/fd-passing.txt" { trace_matches fd-passing; }
@test "trace shutdown: a gcc and a clang build make the landmark calls of docs/traces/shutdown.txt" { trace_matches shutdown; }
@test "trace signals: a gcc and a clang build make the landmark calls of docs/traces/signals.txt" { trace_matches signals; }
@test "trace signalfd: a gcc and a clang build make the landmark calls of docs/traces/signalfd.txt" { trace_matches signalfd; }

# The excerpt check: every line of a README's marked excerpt is a cell of
# the golden trace, on the same side, in the same order (the other side's
# lines may interleave differently in another run). Counts (x4) and ranges
# (= 16..4096) are timing, and a cut (…) may fall elsewhere when they
# change: cells compare with counts masked, and a cut cell matches a cell
# that starts and ends the same. A '…' that the README adds (bytes of a PID)
# stands for any text.
EXCERPTS_PY=$(
    cat <<'EOF'
import re, sys

pair, readme, golden = sys.argv[1:4]
g = open(golden, encoding='utf-8').read().split('\n')
rule = next(l for l in g if re.fullmatch(r'-+\+-+', l))
sep, header = rule.index('+'), g[g.index(rule) - 1]

def cells(lines):
    """(stream, cell): the side, and for a forked child ("[child] ...") the
    child apart: how a child's calls interleave with its parent's is timing,
    so the order is checked within each process only."""
    out = []
    for line in lines:
        if not line.strip():
            continue
        left, right = line[:sep - 1].rstrip(), line[sep + 2:]
        side, cell = ('right', right) if not left else ('left', left)
        m = re.match(r'^(\[\w+\]) ', cell)
        out.append((side + (' ' + m.group(1) if m else ''), cell))
    return out

def mask(cell):
    cell = re.sub(r' x\d+$', '', cell)
    return re.sub(r' = \d+\.\.\d+', ' = N..N', cell)

def same(line, gold):
    """An excerpt's cell and a golden's, counts and ranges masked. A '…' in
    the excerpt stands for any text; where both are cut by scripts/trace,
    the cut may fall elsewhere: the starts and the ends must agree."""
    a, b = mask(line), mask(gold)
    if a == b:
        return True
    if '…' in a and '…' not in b:
        head, _, tail = a.partition('…')
        return b.startswith(head) and b.endswith(tail) and len(b) >= len(a) - 1
    if '…' in a or '…' in b:
        ha, _, ta = a.partition('…')
        hb, _, tb = b.partition('…')
        return (ha.startswith(hb) or hb.startswith(ha)) and (ta.endswith(tb) or tb.endswith(ta))
    return False

text = open(readme, encoding='utf-8').read().split('\n')
marker = '<!-- trace-excerpt pair="%s" -->' % pair
if marker not in text:
    sys.exit('%s: no excerpt marked %s' % (readme, marker))
i = text.index(marker)
if text[i + 1] != '```text':
    sys.exit('%s: the line after %s must be ```text' % (readme, marker))
excerpt = []
for line in text[i + 2:]:
    if line == '```':
        break
    excerpt.append(line)
body = g[g.index(rule) + 1:]
gcells = cells(body)
pos = {stream: 0 for stream, _ in gcells}
n = 0
for line in excerpt:
    if line in (header, rule) or line.strip() in ('', '...', '⋮'):
        continue
    side, cell = cells([line])[0]
    for k in range(pos.get(side, 0), len(gcells)):
        if gcells[k][0] == side and same(cell, gcells[k][1]):
            pos[side] = k + 1
            n += 1
            break
    else:
        sys.exit('%s: excerpt line not in %s (%s side, in this order):\n%s'
                 % (readme, golden, side, line))
if n < 5:
    sys.exit('%s: the excerpt for %s has %d calls (at least 5)' % (readme, pair, n))
print(n)
EOF
)

@test "docs: every pair's README excerpt under 'What the kernel sees' is in its golden trace, in order" {
    # shellcheck source=/dev/null # scripts/pairs.sh
    . "$REPO/scripts/pairs.sh"
    local pair readme checked=0
    for pair in $PAIR_NAMES; do
        pair_info "$pair"
        readme=$REPO/$PAIR_DIR/README.md
        [ -f "$REPO/docs/traces/$pair.txt" ] || {
            echo "no docs/traces/$pair.txt (make trace PAIR=$pair UPDATE=1)" >&2
            return 1
        }
        grep -q '^## What the kernel sees$' "$readme" || { echo "$readme: no section 'What the kernel sees'" >&2; return 1; }
        # just before "Differences from the article"
        expect_equal "$(grep -E '^## ' "$readme" | grep -A1 -x '## What the kernel sees' | tail -n 1)" \
            "## Differences from the article"
        "$PY" -c "$EXCERPTS_PY" "$pair" "$readme" "$REPO/docs/traces/$pair.txt" >/dev/null
        checked=$((checked + 1))
    done
    [ "$checked" -ge 10 ]
}

@test "docs: every pair in scripts/pairs.sh has a golden trace and a trace test here, and no golden is stale" {
    # shellcheck source=/dev/null # scripts/pairs.sh
    . "$REPO/scripts/pairs.sh"
    local pair f
    for pair in $PAIR_NAMES; do
        [ -s "$REPO/docs/traces/$pair.txt" ]
        grep -q "^@test \"trace $pair: " "$BATS_TEST_FILENAME" || { echo "no test 'trace $pair: ...' in tests/trace.bats" >&2; return 1; }
    done
    for f in "$REPO"/docs/traces/*.txt; do
        f=${f##*/}
        [[ " $PAIR_NAMES " == *" ${f%.txt} "* ]] || { echo "docs/traces/$f: no such pair" >&2; return 1; }
    done
}

@test "trace --help, --list, make trace without PAIR; an unknown pair or option is a usage error, exit 2" {
    run "$REPO/scripts/trace" --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: scripts/trace "* ]]
    [[ "$output" == *"--all"* ]]
    [[ "$output" == *"apt-get install strace"* ]]
    run "$REPO/scripts/trace" --list
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = shared-files ]
    [[ "$output" == *$'\nsignals'* ]]
    run make -s -C "$REPO" --no-print-directory trace
    [ "$status" -eq 0 ]
    [[ "$output" == *"make trace PAIR="* ]]
    [[ "$output" == *"shared-memory"* ]]
    run "$REPO/scripts/trace" no-such-pair
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown pair 'no-such-pair'"* ]]
    run "$REPO/scripts/trace" --bogus shared-memory
    [ "$status" -eq 2 ]
    run "$REPO/scripts/trace"
    [ "$status" -eq 2 ]
}

@test "trace without strace says how to install it, exit 1" {
    mkdir bin
    for cmd in bash dirname; do ln -s "$(command -v "$cmd")" bin/; done
    run env PATH="$BATS_TEST_TMPDIR/bin" "$REPO/scripts/trace" shared-memory
    [ "$status" -eq 1 ]
    expect_equal "$output" "trace: strace is not installed: sudo apt-get install strace (Debian, Ubuntu)"
}

@test "trace where ptrace is not allowed says so, exit 1: Yama ptrace_scope 3, or strace failing with EPERM" {
    echo 3 >scope
    run env TRACE_PTRACE_SCOPE="$BATS_TEST_TMPDIR/scope" "$REPO/scripts/trace" shared-memory
    [ "$status" -eq 1 ]
    [[ "$output" == "trace: ptrace is disabled here (kernel.yama.ptrace_scope = 3"* ]]
    # strace in a container without CAP_SYS_PTRACE: this is what it prints
    cat >fake-strace <<'EOF'
#!/bin/sh
echo "strace: test_ptrace_get_syscall_info: PTRACE_TRACEME: Operation not permitted" >&2
echo "strace: ptrace(PTRACE_TRACEME, ...): Operation not permitted" >&2
exit 1
EOF
    chmod +x fake-strace
    echo 1 >scope
    run env TRACE_PTRACE_SCOPE="$BATS_TEST_TMPDIR/scope" TRACE_STRACE="$BATS_TEST_TMPDIR/fake-strace" \
        "$REPO/scripts/trace" shared-memory
    [ "$status" -eq 1 ]
    [[ "$output" == "trace: ptrace is not allowed here"* ]]
    # allowed outside, refused inside the run's namespaces
    cat >fake-strace <<'EOF'
#!/bin/sh
case "$*" in *" true") exit 0 ;; esac
echo "strace: test_ptrace_get_syscall_info: PTRACE_TRACEME: Operation not permitted" >&2
exit 1
EOF
    run env TRACE_PTRACE_SCOPE="$BATS_TEST_TMPDIR/scope" TRACE_STRACE="$BATS_TEST_TMPDIR/fake-strace" \
        "$REPO/scripts/trace" shared-memory
    [ "$status" -eq 1 ]
    [[ "$output" == *"trace: ptrace is not allowed here: strace cannot trace"* ]]
}

@test "trace --all shows the dynamic loader and every call; the default shows neither" {
    need strace strace
    if [ "${IPC_VALGRIND:-0}" = 1 ] || [ -n "${IPC_BIN_DIR:-}" ]; then
        skip "traced in the plain run (make test)"
    fi
    local build=$BATS_FILE_TMPDIR/gcc
    [ -d "$build" ] || build=$BATS_FILE_TMPDIR/clang
    IPC_TEST_TAG=$TAG IPC_BIN_DIR=$build "$REPO/scripts/trace" pipeUN >default.txt
    IPC_TEST_TAG=$TAG IPC_BIN_DIR=$build "$REPO/scripts/trace" --all pipeUN >all.txt
    grep -q 'libc.so.6' all.txt
    grep -q 'ld.so.cache' all.txt
    refute grep -q 'libc.so.6' default.txt
    refute grep -qE '^(brk|mprotect|arch_prctl)\(' default.txt
    grep -q '^pipe2(\[3<pipe:\[N\]>, 4<pipe:\[N\]>\], 0) = 0' default.txt
    grep -q '^# make trace PAIR=pipeUN ALL=1: ' all.txt
    [ "$(wc -l <all.txt)" -gt "$(($(wc -l <default.txt) * 2))" ]
}
