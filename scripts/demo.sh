#!/usr/bin/env bash
# scripts/demo.sh - `make demo`: run every pair with the article's defaults,
# in a scratch directory, and show each side's output labelled with its name.
# Both sides of a pair run at the same time; each side's output (stdout and
# stderr, in order) is shown once the pair is done, first side first. The
# pairs and how each one runs: scripts/pairs.sh.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/pairs.sh
. "$repo/scripts/pairs.sh"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || exit 1
status=0

# have PROGRAM... : every program (with its arguments) is built.
have() { for p in "$@"; do [ -x "$repo/${p%% *}" ] || return 1; done; }

# label PROGRAM : the name its output is labelled with.
label() { local p=${1%% *}; echo "${p##*/}"; }

# run PROGRAM : exec it from the repository (PROGRAM: a path, then its
# arguments, if any, as words); call it in a subshell or as a background job,
# whose PID is then the program's.
run() {
    local words
    read -ra words <<<"$1"
    exec "$repo/${words[0]}" "${words[@]:1}"
}

# show NAME : print the log of NAME, each line labelled "[NAME] ".
show() { sed "s/^/[$1] /" "$scratch/$1.log"; }

# one TITLE PROGRAM : a program that forks its own partner, or runs alone.
one() {
    local name
    name=$(label "$2")
    printf '\n=== %s\n' "$1"
    (run "$2") >"$scratch/$name.log" 2>&1 || status=1
    show "$name"
}

# pair TITLE FIRST SECOND [stop] : FIRST in the background, then SECOND;
# with "stop", FIRST is a server that runs until it gets SIGTERM.
pair() {
    local first second pid
    first=$(label "$2") second=$(label "$3")
    printf '\n=== %s\n' "$1"
    run "$2" >"$scratch/$first.log" 2>&1 &
    pid=$!
    (run "$3") >"$scratch/$second.log" 2>&1 || status=1
    if [ "${4:-}" = stop ]; then kill -TERM "$pid"; fi
    wait "$pid" || status=1
    show "$first"
    show "$second"
}

for name in $PAIR_NAMES; do
    pair_info "$name" || continue
    [ "$PAIR_DEMO" = no ] && continue
    left=$PAIR_DIR/$PAIR_LEFT right=${PAIR_RIGHT:+$PAIR_DIR/$PAIR_RIGHT}
    case $PAIR_MODE in
    one) have "$left" && one "$PAIR_TITLE" "$left" ;;
    seq) # the article's order: the writer's whole run, then the reader's
        if have "$right" "$left"; then
            one "$PAIR_TITLE: $(label "$right")" "$right"
            one "$PAIR_TITLE: $(label "$left")" "$left"
        fi ;;
    both) have "$right" "$left" && pair "$PAIR_TITLE" "$right" "$left" ;;
    stop) have "$left" "$right" && pair "$PAIR_TITLE" "$left" "$right" stop ;;
    *) ;; # sig: needs the left program's PID typed in (./try signals)
    esac
done
echo
if [ $status -eq 0 ]; then echo "demo: every pair ran"; else echo "demo: a pair failed (see above)"; fi
exit $status
