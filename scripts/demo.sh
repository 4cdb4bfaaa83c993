#!/usr/bin/env bash
# scripts/demo.sh - `make demo`: run every pair with the article's defaults,
# in a scratch directory, and show each side's output labelled with its name.
# Both sides of a pair run at the same time; each side's output (stdout and
# stderr, in order) is shown once the pair is done, first side first.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || exit 1
status=0

have() { for p in "$@"; do [ -x "$repo/$p" ] || return 1; done; }

# show NAME : print the log of NAME, each line labelled "[NAME] ".
show() { sed "s/^/[$1] /" "$scratch/$1.log"; }

# one TITLE PROGRAM : a program that forks its own partner, or runs alone.
one() {
    printf '\n=== %s\n' "$1"
    "$repo/$2" >"$scratch/${2##*/}.log" 2>&1 || status=1
    show "${2##*/}"
}

# pair TITLE FIRST SECOND [stop] : FIRST in the background, then SECOND;
# with "stop", FIRST is a server that runs until it gets SIGTERM.
pair() {
    local first=${2##*/} second=${3##*/} pid
    printf '\n=== %s\n' "$1"
    "$repo/$2" >"$scratch/$first.log" 2>&1 &
    pid=$!
    "$repo/$3" >"$scratch/$second.log" 2>&1 || status=1
    if [ "${4:-}" = stop ]; then kill -TERM "$pid"; fi
    wait "$pid" || status=1
    show "$first"
    show "$second"
}

if have shared-files/producer shared-files/consumer; then
    one "shared files (part 1): producer" shared-files/producer
    one "shared files (part 1): consumer" shared-files/consumer
fi
have shared-memory/memwriter shared-memory/memreader &&
    pair "shared memory (part 1)" shared-memory/memwriter shared-memory/memreader
have pipes/pipeUN && one "unnamed pipe (part 2)" pipes/pipeUN
have pipes/fifoWriter pipes/fifoReader &&
    pair "named pipe (part 2)" pipes/fifoWriter pipes/fifoReader
if have message-queues/sender message-queues/receiver; then
    one "System V message queue (part 2): sender" message-queues/sender
    one "System V message queue (part 2): receiver" message-queues/receiver
fi
have message-queues/mqsender message-queues/mqreceiver &&
    pair "POSIX message queue (beyond the article)" message-queues/mqsender message-queues/mqreceiver
have sockets/server sockets/client &&
    pair "sockets (part 3)" sockets/server sockets/client stop
have sockets/pollserver sockets/client &&
    pair "sockets, one process for every client (beyond the article)" sockets/pollserver sockets/client stop
have signals/shutdown && one "signals (part 3)" signals/shutdown
echo
if [ $status -eq 0 ]; then echo "demo: every pair ran"; else echo "demo: a pair failed (see above)"; fi
exit $status
