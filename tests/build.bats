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
            mqsender mqreceiver server client shutdown sigreceiver sigsender sigfdreceiver ipcbench; do
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
    programs=$(sed -n '/^PROGRAMS :=/,/^$/p' src/Makefile | grep -oE '[A-Za-z-]+/[A-Za-z]+' | wc -l)
    [ "$(grep -c ' -o ' <<<"$output")" -eq $((programs + 1)) ] # ipc.o, every program and the bench
}

# Each directory's README shows, under "Build one program by hand", one
# line per program, run from that directory:
#   gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -I../include -o NAME NAME.c ../include/ipc.c -lrt -pthread
# The test runs each line as shown (and with clang in place of gcc) in a
# copy of the sources, and requires one line for every program of the
# directory (every .c file with a main), so a new program needs its line.
HAND_DIRS="shared-files shared-memory pipes message-queues sockets signals"
STRICT="-std=c11 -Wall -Wextra -Wpedantic -Werror"

@test "each README's gcc line builds its programs alone, with gcc and with clang (B-2)" {
    copy_sources
    compilers=(gcc)
    if command -v clang >/dev/null; then compilers+=(clang); fi
    problems=()
    for dir in $HAND_DIRS; do
        readme=$dir/README.md
        mapfile -t lines < <(grep -E '^gcc ' "src/$readme")
        for line in "${lines[@]}"; do
            [[ $line =~ \ -o\ ([A-Za-z0-9_]+)\  ]] && [ -f "src/$dir/${BASH_REMATCH[1]}.c" ] ||
                problems+=("$readme: a gcc line for no program of $dir: $line")
        done
        for c in $(cd "src/$dir" && grep -l '^int main(' -- *.c); do
            name=${c%.c}
            line=$(printf '%s\n' "${lines[@]}" | grep -E -- "-o $name $name\.c( |\$)" || true)
            if [ -z "$line" ]; then
                problems+=("$readme: no gcc line for $name (want: gcc $STRICT -I../include -o $name $name.c ../include/ipc.c -lrt -pthread)")
                continue
            fi
            [[ $line == *"$STRICT"* ]] || problems+=("$readme: the line for $name lacks $STRICT")
            for cc in "${compilers[@]}"; do
                rm -f "src/$dir/$name"
                out=$(cd "src/$dir" && bash -c "$cc ${line#gcc }" 2>&1) ||
                    { problems+=("$readme, with $cc: $cc ${line#gcc }"$'\n'"$out"); continue; }
                [ -z "$out" ] || problems+=("$readme, with $cc, printed: $out")
                help=$(cd "src/$dir" && "./$name" --help 2>&1) ||
                    { problems+=("$dir/$name built by $cc: --help failed: $help"); continue; }
                [[ $help == "Usage: $name"* ]] || problems+=("$dir/$name built by $cc: --help: $help")
            done
        done
    done
    if [ ${#problems[@]} -gt 0 ]; then printf '%s\n' "${problems[@]}" >&2; return 1; fi
    if [ ${#compilers[@]} -lt 2 ]; then skip "clang is not installed (the gcc lines work)"; fi
}
