#!/usr/bin/env bats
# The build: both compilers, strict flags, parallel make, header tracking.

load test_helper

# copy_sources : the sources (no build output) in ./src, to build privately.
copy_sources() {
    mkdir src
    tar -C "$REPO" --exclude=./build --exclude=./.git --exclude=./.deps -cf - . | tar -C src -xf -
    [ -f src/Makefile ]
}

@test "gcc and clang build every program at -std=c11 -Wall -Wextra -Wpedantic -Werror with make -j (B-1, B-2, B-3, B-4)" {
    copy_sources
    for cc in gcc clang; do
        command -v "$cc" >/dev/null || skip "$cc is not installed"
        run make -C src -j4 O="$BATS_TEST_TMPDIR/$cc" CC="$cc"
        [ "$status" -eq 0 ] || { printf '%s\n' "$output" >&2; return 1; }
        [[ "$output" != *warning* ]]
        [[ "$output" == *"-std=c11 -Wall -Wextra -Wpedantic -Werror"* ]]
        for p in producer consumer memwriter memreader pipeUN fifoWriter fifoReader sender receiver \
            mqsender mqreceiver server client shutdown sigreceiver sigsender ipcbench; do
            ls "$BATS_TEST_TMPDIR/$cc"/*/"$p" >/dev/null
        done
    done
}

@test "editing a pair's header rebuilds exactly that pair's programs" {
    copy_sources
    # Every make must succeed: a failed build would also rebuild nothing.
    run make -C src -s -j4 O="$BATS_TEST_TMPDIR/out"
    [ "$status" -eq 0 ] || { printf '%s\n' "$output" >&2; return 1; }
    run make -C src -j4 O="$BATS_TEST_TMPDIR/out"
    [ "$status" -eq 0 ]
    [[ "$output" != *" -o "* ]] # nothing to do
    touch src/shared-memory/shmem.h
    run make -C src -j4 O="$BATS_TEST_TMPDIR/out"
    [ "$status" -eq 0 ]
    [ "$(grep -c ' -o ' <<<"$output")" -eq 2 ]
    [[ "$output" == *"/shared-memory/memwriter "* ]]
    [[ "$output" == *"/shared-memory/memreader "* ]]
    touch src/include/ipc.h
    run make -C src -j4 O="$BATS_TEST_TMPDIR/out"
    [ "$status" -eq 0 ]
    [ "$(grep -c ' -o ' <<<"$output")" -eq 18 ] # ipc.o, every program and the bench
}
