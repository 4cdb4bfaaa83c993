#!/usr/bin/env python3
"""scripts/trace.py - the merging half of scripts/trace (make trace PAIR=x).

Reads one `strace -f -ttt -yy -s 32` output per program, normalises every
call so that two runs of the same pair compare, keeps (by default) the calls
that the pairs teach, and prints them merged by time in two columns: the left
program's calls on the left, its partner's on the right, one call per line.
A program that forks its own partner (pipeUN, shutdown) has its children on
the right; other children (a forking server's) stay in their parent's column,
each line prefixed with [child1], [child2]...

Normalised, so that two runs (and two machines) print the same text:
  - PIDs become program names: in kill(), wait4(), fork's result, si_pid=,
    l_pid=, and in the programs' own messages; a child is NAME[child] (or
    NAME[child1], NAME[child2]... when there are several), and the shell that
    stops a server is "shell";
  - addresses (0x and 8 or more hex digits) become A1, A2, ... and signal
    handlers H1, H2, ..., numbered per program in order of appearance, so
    that "the same mapping" stays visible (mmap(...) = A1 ... futex(A1, ...));
  - an absolute CLOCK_REALTIME deadline (sem_timedwait, mq_timedreceive)
    becomes {tv_sec=now+30, tv_nsec=N}: the time left when the call was made;
  - descriptors keep their numbers (they teach), with what they are, as
    strace -yy says: 3</dev/shm/shMemEx>, 3<pipe:[N]>, 3<TCP:[127.0.0.1:9876]>;
    inode numbers become N, ephemeral ports PORT, System V keys KEY, user and
    group ids UID and GID, sem_open's temporary file /dev/shm/sem.XXXXXX, the
    run's scratch directory "." and the programs' directory "./";
  - an error keeps its errno name, without strerror's text;
  - consecutive calls of one process that differ only in their data (the
    bytes in a pipe's or a socket's buffer, how many one read got) are one
    line with their count, x192000, and the range of sizes, = 16..4096.
Not shown by default: the dynamic loader's and the C library's own work
(ld.so, locale and resolver files, malloc's anonymous mappings, private
futexes) and every call not in FILTER; --all shows them.
"""
import argparse
import re
import sys

# What the pairs teach, by system call name: IPC objects and the files that
# carry them, descriptors, memory mappings, futexes (semaphores), sockets,
# polling and waiting (inotify), pipes, signals and timers, processes.
FILTER = set("""
open openat openat2 creat close close_range dup dup2 dup3 read write readv writev pread64 pwrite64
lseek fcntl flock ftruncate unlink unlinkat link linkat rename renameat renameat2 mknod mknodat
memfd_create mmap munmap mremap msync
futex
shmget shmat shmdt shmctl semget semop semtimedop semctl msgget msgsnd msgrcv msgctl
mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr
socket socketpair bind listen accept accept4 connect shutdown sendto recvfrom sendmsg recvmsg
sendmmsg recvmmsg getsockopt setsockopt getsockname getpeername
poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait epoll_pwait2
pipe pipe2 eventfd eventfd2 signalfd signalfd4 timerfd_create timerfd_settime
inotify_init inotify_init1 inotify_add_watch inotify_rm_watch splice tee vmsplice sendfile
kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo rt_sigaction rt_sigprocmask rt_sigsuspend
rt_sigtimedwait pause timer_create timer_settime timer_delete setitimer alarm
clone clone3 fork vfork execve execveat wait4 waitid exit exit_group prctl setsid setpgid
""".split())

# Calls that move data: a run of them differing only in the data is one line.
DATA_CALLS = set("""read write readv writev pread64 pwrite64 sendto recvfrom sendmsg recvmsg
msgsnd msgrcv mq_timedsend mq_timedreceive""".split())

# What the C library opens for itself (the dynamic loader, locales, the
# resolver's configuration, nscd, systemd-resolved, DNS on port 53, netlink
# for getaddrinfo's AI_ADDRCONFIG): everything done through it is noise.
LIBC_PATH = re.compile(r'["<](/etc/|/lib|/usr/lib|/usr/share/locale|/proc/|/sys/|(/var)?/run/(nscd|systemd|dbus))'
                       r'|htons\(53\)|AF_NETLINK|<NETLINK')

LINE = re.compile(r'^(\d+)\s+(\d+\.\d+) (.*)$')
UNFINISHED = re.compile(r'^(.*?) ?<unfinished \.\.\.>$')
RESUMED = re.compile(r'^<\.\.\. [\w?]+ resumed>(.*)$')
CALL = re.compile(r'^(\w+)\(')
ADDRESS = re.compile(r'0x[0-9a-fA-F]{8,}')
FD_USE = re.compile(r'(?<![\w.])(\d+)<')
STRING = re.compile(r'"(\\.|[^"\\])*"(\.\.\.)?')


def skip_string(text, i):
    """Index just past the "..." string that starts at text[i]."""
    i += 1
    while i < len(text) and text[i] != '"':
        i += 2 if text[i] == '\\' else 1
    return i + 1


def split_call(text):
    """'name(args) = result' -> (name, args, result), quote- and paren-aware."""
    m = CALL.match(text)
    if not m:
        return None, text, ''
    end = text.rfind(') = ')
    if end != -1 and '"' not in text[end:]:  # fast path: no string after the last ') = '
        return m.group(1), text[m.end():end], text[end + 4:]
    i, depth = m.end(), 1
    while i < len(text) and depth:
        c = text[i]
        if c == '"':
            i = skip_string(text, i)
            continue
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
        i += 1
    rest = text[i:].strip()
    return m.group(1), text[m.end():i - 1], rest[1:].strip() if rest.startswith('=') else rest


def outside_strings(text, fn):
    """Apply fn to the parts of text that are not inside "..." strings."""
    out, i = [], 0
    while i < len(text):
        j = text.find('"', i)
        if j == -1:
            j = len(text)
        out.append(fn(text[i:j]))
        if j == len(text):
            break
        k = skip_string(text, j)
        out.append(text[j:k])
        i = k
    return ''.join(out)


def inside_strings(text, fn):
    """Apply fn to the contents of the "..." strings of text."""
    out, i = [], 0
    while i < len(text):
        j = text.find('"', i)
        if j == -1:
            out.append(text[i:])
            break
        k = skip_string(text, j)
        out.append(text[i:j] + '"' + fn(text[j + 1:k - 1]) + '"')
        i = k
    return ''.join(out)


def annotations(text):
    """Yield (start, end, owner) of each N<...> or AT_FDCWD<...> annotation:
    text[start:end] is '<...>' (nested <> allowed; the '>' of '->' is not an
    end), owner the descriptor before it."""
    i = 0
    while True:
        j = text.find('<', i)
        if j == -1:
            return
        m = re.search(r'(\b\d+|AT_FDCWD)$', text[i:j])
        depth, k = 0, j
        while k < len(text):
            c = text[k]
            if c == '"':
                k = skip_string(text, k)
                continue
            if c == '<':
                depth += 1
            elif c == '>' and text[k - 1] != '-':
                depth -= 1
                if depth == 0:
                    break
            k += 1
        if not m or k >= len(text):
            i = j + 1
            continue
        yield j, k + 1, m.group(1)
        i = k + 1


class Event:
    __slots__ = ('side', 'pid', 't', 'seq', 'kind', 'name', 'args', 'result', 'noise')

    def __init__(self, side, pid, t, seq, raw):
        self.side, self.pid, self.t, self.seq, self.noise = side, pid, t, seq, False
        if raw.startswith('--- '):
            self.kind, self.name, self.args, self.result = 'signal', raw.split()[1], raw, ''
        elif raw.startswith('+++ '):
            self.kind, self.name, self.args, self.result = 'exit', '+++', raw, ''
        else:
            self.kind = 'call'
            self.name, self.args, self.result = split_call(raw)
            self.name = self.name or '?'


def read_trace(path, side):
    """The events of one strace -f file, unfinished calls joined to their end
    (and stamped with their start)."""
    events, pending = [], {}
    with open(path, encoding='utf-8', errors='replace') as f:
        for seq, line in enumerate(f):
            m = LINE.match(line.rstrip('\n'))
            if not m:
                continue
            pid, t, rest = int(m.group(1)), float(m.group(2)), m.group(3)
            u = UNFINISHED.match(rest)
            if u:
                pending[pid] = (t, seq, u.group(1))
                continue
            r = RESUMED.match(rest)
            if r:
                if pid not in pending:
                    continue
                t, seq, start = pending.pop(pid)
                rest = start + r.group(1)
            events.append(Event(side, pid, t, seq, rest))
    for pid, (t, seq, start) in pending.items():  # killed inside a call
        events.append(Event(side, pid, t, seq, start + ') = ?'))
    events.sort(key=lambda e: (e.t, e.seq))
    return events


def label_processes(events, root_name):
    """pid -> label: the first PID is the program, the others its children
    (NAME[child], or NAME[child1], NAME[child2]... in the order they were
    created when there are several; a grandchild NAME[child1.child])."""
    if not events:
        return {}
    root = events[0].pid
    parent_of, kids = {}, {root: []}
    for ev in events:
        if ev.kind == 'call' and ev.name in ('clone', 'clone3', 'fork', 'vfork'):
            m = re.match(r'^(\d+)', ev.result)
            if m:
                child = int(m.group(1))
                parent_of[child] = ev.pid
                kids.setdefault(ev.pid, []).append(child)
    labels = {root: root_name}

    def name(pid):
        if pid not in labels:
            siblings = kids[parent_of[pid]]
            suffix = 'child' if len(siblings) == 1 else 'child%d' % (siblings.index(pid) + 1)
            p = name(parent_of[pid])
            labels[pid] = p[:-1] + '.' + suffix + ']' if p.endswith(']') else p + '[' + suffix + ']'
        return labels[pid]

    for pid in parent_of:
        name(pid)
    return labels


def mark_noise(events):
    """Set ev.noise on what the program did not ask for: calls not in
    FILTER; the C library's files, and everything done through a descriptor
    that ever named one (from the call that made it to its close); private
    mappings (malloc's, the loader's) and their unmapping; futexes private
    to one process (libc's locks: a process-shared semaphore's are not)."""
    libc, lifetimes, private_maps = set(), {}, set()
    for ev in events:
        if ev.kind != 'call':
            continue
        if LIBC_PATH.search(ev.args) or LIBC_PATH.search(ev.result):
            libc.add(id(ev))
        fds = {int(fd) for fd in FD_USE.findall(ev.args) if int(fd) > 2}
        for fd in fds:
            if (ev.pid, fd) in lifetimes:
                lifetimes[(ev.pid, fd)].append(ev)
        made = re.match(r'^(\d+)<', ev.result)
        if made and int(made.group(1)) > 2:
            lifetimes[(ev.pid, int(made.group(1)))] = [ev]
        if ev.name == 'close':
            for fd in fds:
                group = lifetimes.pop((ev.pid, fd), [])
                if any(id(e) in libc for e in group):
                    libc.update(id(e) for e in group)
    for group in lifetimes.values():  # never closed
        if any(id(e) in libc for e in group):
            libc.update(id(e) for e in group)
    for ev in events:
        if ev.kind != 'call':
            continue
        if ev.name == 'mmap' and ('MAP_PRIVATE' in ev.args or id(ev) in libc):
            private_maps.add(ev.result.split(' ')[0].lower())
        ev.noise = (ev.name not in FILTER or id(ev) in libc
                    or ev.name == 'futex' and '_PRIVATE' in ev.args
                    or ev.name == 'mmap' and 'MAP_PRIVATE' in ev.args
                    or ev.name == 'munmap' and ev.args.split(',')[0].strip().lower() in private_maps)


PID_CONTEXT = re.compile(r'\b(si_pid|l_pid|msg_lspid|msg_lrpid|shm_cpid|shm_lpid)=(\d+)')
PID_FIRST_ARG = set('kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo wait4 waitid'.split())
PID_RESULT = set('clone clone3 fork vfork wait4 getpid getppid gettid'.split())


class Normaliser:
    """Rewrites one event's text; per-side numbering of addresses."""

    def __init__(self, names, bin_dir, scratch):
        self.names = names          # pid -> label
        self.bin_dir = bin_dir.rstrip('/')
        self.scratch = scratch.rstrip('/')
        self.addresses = {}         # side -> {address: A<n>}
        self.handlers = {}          # side -> {address: H<n>}
        self.temp_names = set()     # sem_open's temporary files

    def pid(self, text):
        return self.names.get(int(text), text)

    def address(self, side, value):
        table = self.addresses.setdefault(side, {})
        return table.setdefault(value.lower(), 'A%d' % (len(table) + 1))

    def address_in_string(self, side, value):
        # printf("%p") cut by strace's -s 32: the prefix of a known address
        value = value.lower()
        for known, label in self.addresses.get(side, {}).items():
            if known.startswith(value) or value.startswith(known):
                return label
        return self.address(side, value)

    def handler(self, side, value):
        table = self.handlers.setdefault(side, {})
        return table.setdefault(value.lower(), 'H%d' % (len(table) + 1))

    def paths(self, text):
        text = text.replace(self.scratch + '/', '').replace(self.bin_dir + '/', './')
        text = text.replace(self.scratch, '.')
        for temp in self.temp_names:
            text = text.replace(temp, '/dev/shm/sem.XXXXXX')
        return text

    def annotation(self, body):
        """What -yy says a descriptor is, normalised."""
        body = self.paths(body)
        body = re.sub(r'<char \d+:\d+>', '', body)
        m = re.match(r'^([A-Za-z][\w-]*):\[(.*)\]$', body)
        if m:  # pipe:[123], UNIX-STREAM:[123->124,"echo.sock"], TCP:[ip:port->ip:port]
            kind, inner = m.groups()
            if kind.startswith('UNIX') or re.fullmatch(r'\d+', inner):
                inner = outside_strings(inner, lambda s: re.sub(r'\d+', 'N', s))
                # an abstract name the kernel chose (autobind): @"4a589"
                inner = re.sub(r'@"[0-9a-f]{5}"', '@"XXXXX"', inner)
            else:
                inner = re.sub(r'(?<=:)(3[2-9]\d{3}|[4-6]\d{4})\b', 'PORT', inner)  # ephemeral
            body = '%s:[%s]' % (kind, inner)
        return body

    def descriptors(self, text, keep):
        """Annotations kept (normalised) for descriptors past 2; dropped for
        stdin/stdout/stderr, AT_FDCWD, and in results (keep=False)."""
        out, i = [], 0
        for start, end, owner in annotations(text):
            out.append(text[i:start])
            if keep and owner not in ('0', '1', '2', 'AT_FDCWD'):
                out.append('<' + self.annotation(text[start + 1:end - 1]) + '>')
            i = end
        out.append(text[i:])
        return ''.join(out)

    def common(self, side, t, text):
        text = self.descriptors(text, True)
        text = self.paths(text)

        def deadline(m):  # absolute CLOCK_REALTIME: the time left at the call
            left = int(m.group(1)) + int(m.group(2)) / 1e9 - t
            return '{tv_sec=now+%d, tv_nsec=N}' % round(left)
        text = re.sub(r'\{tv_sec=(\d{9,}), tv_nsec=(\d+)\}', deadline, text)
        text = re.sub(r'0x[0-9a-fA-F]+ /\* \d+ vars \*/', '/* N vars */', text)  # execve's envp
        # signal handlers: H1, H2... (numbered apart); the restorer is libc's
        text = re.sub(r', sa_restorer=0x[0-9a-fA-F]+', '', text)
        text = re.sub(r'SA_RESTORER\|?|\|SA_RESTORER', '', text)
        text = text.replace('sa_flags=}', 'sa_flags=0}').replace('sa_flags=,', 'sa_flags=0,')
        text = re.sub(r'sa_handler=(0x[0-9a-fA-F]+)', lambda m: 'sa_handler=' + self.handler(side, m.group(1)), text)
        text = re.sub(r'\b(si_uid|uid|cuid)=\d+', r'\1=UID', text)
        text = re.sub(r'\b(gid|cgid)=\d+', r'\1=GID', text)
        text = re.sub(r'\bkey=\d+', 'key=KEY', text)
        text = re.sub(r'htons\((3[2-9]\d{3}|[4-6]\d{4})\)', 'htons(PORT)', text)
        text = PID_CONTEXT.sub(lambda m: m.group(1) + '=' + self.pid(m.group(2)), text)
        text = outside_strings(text, lambda s: ADDRESS.sub(lambda m: self.address(side, m.group(0)), s))
        text = inside_strings(text, lambda s: ADDRESS.sub(lambda m: self.address_in_string(side, m.group(0)), s))
        text = inside_strings(text, lambda s: re.sub(r'\b\d{2,}\b', lambda m: self.pid(m.group(0)), s))
        return text

    def call(self, ev):
        args = self.common(ev.side, ev.t, ev.args)
        if ev.name in PID_FIRST_ARG:
            args = re.sub(r'^-?\d+', lambda m: self.pid(m.group(0)), args)
        if ev.name in ('msgget', 'semget', 'shmget'):
            args = re.sub(r'^(0x[0-9a-f]+|A\d+)', 'KEY', args)
        result = re.sub(r'^(-1 E\w+|\? E\w+) \(.*\)$', r'\1', ev.result)
        result = self.descriptors(result, False)
        result = ADDRESS.sub(lambda m: self.address(ev.side, m.group(0)), result)
        result = re.sub(r'\s*\(flags [^)]*\)$', '', result)
        if ev.name in PID_RESULT:
            result = re.sub(r'^\d+', lambda m: self.pid(m.group(0)), result)
        return '%s(%s)' % (ev.name, args) + (' = ' + result if result else '')


def collapse_key(ev, text):
    """Two calls are 'the same' when they differ only in their data: the
    bytes of a pipe's or a socket's buffer, and how many of them one call
    moved (a pipe's reader gets 16 or 64 bytes as the timing falls). Not
    what goes to the terminal (descriptors 0-2): that is the output."""
    if ev.name in DATA_CALLS and not re.match(r'^[^(]*\([012],', text):
        text = STRING.sub('"…"', text)
        return re.sub(r' = [1-9]\d*$', ' = n', text)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--left', required=True, help="the left program's strace -f output")
    ap.add_argument('--left-name', required=True)
    ap.add_argument('--right', help="the right program's (none: the left's children go right)")
    ap.add_argument('--right-name')
    ap.add_argument('--pair', required=True)
    ap.add_argument('--title', default='')
    ap.add_argument('--bin', required=True, help="the pair's programs' directory")
    ap.add_argument('--scratch', required=True, help='the directory the programs ran in')
    ap.add_argument('--shell-pid', type=int, default=0, help='the PID that sent the stop signal')
    ap.add_argument('--all', action='store_true', help='every call')
    ap.add_argument('--times', action='store_true', help='a first column: ms since the first call')
    ap.add_argument('--width', type=int, default=160, help='width of the two columns together')
    opts = ap.parse_args()

    sides, names = [read_trace(opts.left, 0)], [opts.left_name]
    if opts.right:
        sides.append(read_trace(opts.right, 1))
        names.append(opts.right_name)
    labels = {}
    for evs, name in zip(sides, names):
        labels.update(label_processes(evs, name))
    if opts.shell_pid:
        labels.setdefault(opts.shell_pid, 'shell')
    if not opts.right:  # one program and its children: the children go right
        root = sides[0][0].pid if sides[0] else 0
        children = [ev for ev in sides[0] if ev.pid != root]
        sides = [[ev for ev in sides[0] if ev.pid == root], children]
        for ev in children:
            ev.side = 1
        kids = sorted({labels.get(ev.pid, '?') for ev in children})
        names.append(kids[0] if len(kids) == 1 else opts.left_name + '[children]')

    norm = Normaliser(labels, opts.bin, opts.scratch)
    for evs in sides:
        mark_noise(evs)
        for ev in evs:
            if ev.kind == 'call' and ev.name in ('link', 'linkat'):
                norm.temp_names.update(re.findall(r'"(/dev/shm/sem\.[^"]{6})"', ev.args)[:1])

    rows = []
    for side, evs in enumerate(sides):
        last = {}  # pid -> its last row, for collapsing runs
        for ev in evs:
            if ev.noise and not opts.all:
                continue
            # a run of data calls: counted on the raw text, not normalised again
            raw_key = None
            if ev.kind == 'call' and ev.name in DATA_CALLS and not re.match(r'[012][<,]', ev.args):
                raw_key = (ev.name, STRING.sub('', ev.args), ev.result if ev.result[:1] in '-0?' else 'n')
                prev = last.get(ev.pid)
                if prev is not None and prev['raw'] == raw_key:
                    prev['count'] += 1
                    if ev.result[:1] in '123456789':
                        prev['sizes'].add(int(ev.result.split(' ')[0]))
                    continue
            tail = ''
            if ev.kind == 'call':
                text = norm.call(ev)
                if ' = ' in text:
                    tail = ') = ' + text.rsplit(' = ', 1)[1]
            else:
                text = norm.common(side, ev.t, ev.args)
            label = labels.get(ev.pid, str(ev.pid))
            if label != names[side]:  # a child in its parent's column
                text = ('[' + label.split('[', 1)[1] if '[' in label else label + ':') + ' ' + text
            key = collapse_key(ev, text)
            size = re.search(r' = ([1-9]\d*)$', text) if ev.name in DATA_CALLS else None
            prev = last.get(ev.pid)
            if prev is not None and ev.kind == 'call' and prev['key'] == key:
                prev['count'] += 1
                prev['raw'] = raw_key
                if size:
                    prev['sizes'].add(int(size.group(1)))
                continue
            row = {'t': ev.t, 'seq': ev.seq, 'side': side, 'text': text, 'tail': tail, 'key': key,
                   'raw': raw_key, 'count': 1, 'sizes': {int(size.group(1))} if size else set()}
            rows.append(row)
            last[ev.pid] = row
    rows.sort(key=lambda r: (r['t'], r['side'], r['seq']))

    w = (opts.width - 3) // 2

    def cell(row):
        """The call, its count, cut to the column's width: inside its
        arguments, so that its result (= A1, = -1 ENOENT) stays visible."""
        text, tail = row['text'], row['tail']
        if len(row['sizes']) > 1:  # a run of reads of 16 to 4096 bytes: = 16..4096
            span = ' = %d..%d' % (min(row['sizes']), max(row['sizes']))
            text, tail = re.sub(r' = \d+$', span, text), re.sub(r' = \d+$', span, tail)
        if row['count'] > 1:
            text, tail = text + ' x%d' % row['count'], tail + ' x%d' % row['count']
        if len(text) <= w:
            return text
        if tail and len(tail) < w // 2:
            return text[:w - len(tail) - 1] + '…' + tail
        return text[:w - 1] + '…'

    what = 'every system call' if opts.all else \
        'the calls the pairs teach (IPC, descriptors, mmap, futex, sockets, signals, processes)'
    out = ['# make trace PAIR=%s%s: %s' % (opts.pair, ' ALL=1' if opts.all else '', opts.title),
           '# %s; one line per call, in time order; xN: N such calls in a row' % what]
    tcol = '%9s ' % 'ms' if opts.times else ''
    out.append((tcol + '%-*s | %s' % (w, names[0], names[1] if len(names) > 1 else '')).rstrip())
    out.append(('-' * 10 if opts.times else '') + '-' * w + '-+-' + '-' * w)
    t0 = rows[0]['t'] if rows else 0
    for r in rows:
        c = cell(r)
        line = '%-*s |' % (w, c) if r['side'] == 0 else '%-*s | %s' % (w, '', c)
        if opts.times:
            line = '%9.1f ' % ((r['t'] - t0) * 1000) + line
        out.append(line.rstrip())
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
