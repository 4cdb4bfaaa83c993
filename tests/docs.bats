#!/usr/bin/env bats
# Documentation tests: every sample output shown in a README is produced
# here, by running the command it shows. A sample is a ```console block
# (first line "$ command", then the output) preceded by a marker comment:
#
#   <!-- doctest partner="./memwriter -m /shMemEx{U}" run="./memreader -m /shMemEx{U}" -->
#
#   run="..."      what is actually run (default: the "$ " line)
#   partner="..."  started in the background first, waited for at the end
#   ready="RE"     wait until the partner printed a line matching RE
#   driver="..."   run once the command has printed its first line; {PID}
#                  is the command's process id ({PARTNER}: the partner's)
#   stop="1"       stop the partner with SIGTERM once the command is done
#   needs="CMD:PACKAGE ..."  commands the sample runs that are not the
#                  suite's (nc, socat): where one is missing, that sample is
#                  not run, the others still are, and the README's test then
#                  skips with `need` (naming the Debian package) instead of
#                  passing
#   port="N"       the port {PORT} stands for in the output (default 9876)
#   status="N"     the exit status the command must have (default 0)
#   partner_status="N"  the same for the partner (default 0)
#
# In run/partner/driver, ./prog means the pair's program, {U} a suffix
# unique to the test (so names never collide with other tests; it is removed
# from the output), {PORT} a free port (shown as 9876, or port="N"). Before
# comparing, both sides lose their "prog: waiting for ..." lines (whether a
# partner had to wait is timing) and PIDs and addresses become N and 0xADDR.

load test_helper

# wrappers DIR : a directory of scripts named like the pair's programs that
# run them as prog does (tagged, under valgrind when asked).
make_wrappers() {
    local dir=$1 name
    WRAP=$BATS_TEST_TMPDIR/bin
    mkdir -p "$WRAP"
    for f in "$BIN/$dir"/*; do
        name=${f##*/}
        if [ ! -f "$f" ] || [ ! -x "$f" ]; then continue; fi
        cmd_for "$dir/$name"
        printf '#!/bin/sh\nexec %s "$@"\n' "$(printf '%q ' "${CMD[@]}")" >"$WRAP/$name"
        chmod +x "$WRAP/$name"
    done
}

attr() { [[ $1 =~ $2=\"([^\"]*)\" ]] && printf '%s' "${BASH_REMATCH[1]}"; }

normalize() {
    sed -E -e '/^[A-Za-z]+: waiting for /d' \
        -e 's/(Process|PID|to|child) [0-9]+/\1 N/g' -e 's/0x[0-9a-f]{6,}/0xADDR/g'
}

# expand TEXT : ./prog -> wrapper, {U} and {PORT} filled in.
expand() {
    local s=$1
    s=${s//\{U\}/$U}
    s=${s//\{PORT\}/$DOC_PORT}
    sed -E "s#(^|[ ;(|&])\\./#\\1$WRAP/#g" <<<"$s"
}

# doctest_one DIR ATTRS SHOWN EXPECTED
doctest_one() {
    local dir=$1 attrs=$2 shown=$3 expected=$4 work partner driver run_cmd ppid mpid actual
    BLOCK=$((BLOCK + 1))
    work=$BATS_TEST_TMPDIR/block$BLOCK
    mkdir -p "$work"
    cd "$work" || return 1
    touch key
    U="_${TAG}"
    DOC_PORT=$(free_port)
    run_cmd=$(expand "$(attr "$attrs" run || printf '%s' "$shown")")
    partner=$(attr "$attrs" partner) && partner=$(expand "$partner")
    driver=$(attr "$attrs" driver) && driver=$(expand "$driver")
    # Every step's status counts: this function runs under `|| failed=1`,
    # where set -e does not apply, so each check returns by itself.
    if [ -n "$partner" ]; then
        spawn partner bash -c "exec $partner 2>&1"
        ppid=$LAST_PID
        if ready=$(attr "$attrs" ready); then wait_for_line partner.out "$ready" || return 1; fi
        run_cmd=${run_cmd//\{PARTNER\}/$ppid}
    fi
    local want_status rc=0
    want_status=$(attr "$attrs" status || echo 0)
    if [ -n "$driver" ]; then
        spawn main bash -c "exec $run_cmd 2>&1"
        mpid=$LAST_PID
        wait_until "$WAIT_LIMIT" test -s main.out || return 1
        timeout 60 bash -c "${driver//\{PID\}/$mpid}" >/dev/null || { echo "driver failed: $driver" >&2; return 1; }
        wait_exit "$mpid" || return 1
        rc=$EXIT_CODE
    else
        timeout "$((WAIT_LIMIT * 4))" bash -c "$run_cmd" >main.out 2>&1 3>&- || rc=$?
    fi
    if [ "$rc" != "$want_status" ]; then
        printf -- '--- %s, sample %d ($ %s): exit status %s, expected %s\n' \
            "$dir/README.md" "$BLOCK" "$shown" "$rc" "$want_status" >&2
        cat main.out >&2
        return 1
    fi
    if [ -n "$partner" ]; then
        if [ "$(attr "$attrs" stop)" = 1 ]; then kill -TERM "$ppid"; fi
        wait_exit "$ppid" || return 1
        if [ "$EXIT_CODE" != "$(attr "$attrs" partner_status || echo 0)" ]; then
            printf -- '--- %s, sample %d: the partner (%s) exited %s\n' "$dir/README.md" "$BLOCK" "$partner" "$EXIT_CODE" >&2
            cat partner.out >&2
            return 1
        fi
    fi
    actual=$(sed -e "s/$U//g" -e "s/\\b$DOC_PORT\\b/$(attr "$attrs" port || echo 9876)/g" main.out | normalize)
    expected=$(normalize <<<"$expected")
    if [ "$actual" != "$expected" ]; then
        printf -- '--- %s, sample %d ($ %s): expected\n%s\n--- actual\n%s\n' \
            "$dir/README.md" "$BLOCK" "$shown" "$expected" "$actual" >&2
        return 1
    fi
}

# unmet_need ATTRS : "CMD PACKAGE" for the first command of needs="..."
# that is missing; fails when all are there (or none is asked for).
unmet_need() {
    local want pair
    want=$(attr "$1" needs) || return 1
    for pair in $want; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || {
            echo "${pair%%:*} ${pair#*:}"
            return 0
        }
    done
    return 1
}

# doctests DIR : run every marked sample of DIR/README.md; at least one.
doctests() {
    local dir=$1 line attrs="" pending=0 in_block=0 shown="" expected="" failed=0 unmet="" missing="" text
    BLOCK=0
    make_wrappers "$dir"
    # Read whole first: a sample's program must not share the loop's stdin
    # (sigfdreceiver reads its stdin, and would eat the rest of the README).
    mapfile -t text <"$REPO/$dir/README.md"
    for line in "${text[@]}"; do
        if [[ $line =~ ^\<!--\ doctest(.*)--\>$ ]]; then
            attrs=${BASH_REMATCH[1]}
            pending=1
        elif [ "$pending" = 1 ] && [ "$line" = '```console' ]; then
            pending=0 in_block=1 shown="" expected=""
        elif [ "$in_block" = 1 ] && [ "$line" = '```' ]; then
            in_block=0
            if unmet=$(unmet_need "$attrs"); then
                missing=${missing:-$unmet} # not run: skipped below, once the others are checked
            else
                doctest_one "$dir" "$attrs" "$shown" "$expected" || failed=1
            fi
        elif [ "$in_block" = 1 ] && [ -z "$shown" ]; then
            shown=${line#\$ }
        elif [ "$in_block" = 1 ]; then
            expected+=$line$'\n'
        fi
    done
    cd "$BATS_TEST_TMPDIR" || return 1
    echo "# $BLOCK samples checked in $dir/README.md" >&3
    [ "$BLOCK" -gt 0 ]
    [ "$failed" = 0 ]
    if [ -n "$missing" ]; then
        # shellcheck disable=SC2086 # "CMD PACKAGE": two words
        need $missing
    fi
}

@test "docs: shared-files/README.md samples are what the programs print" { doctests shared-files; }
@test "docs: shared-memory/README.md samples are what the programs print" { doctests shared-memory; }
@test "docs: pipes/README.md samples are what the programs print" { doctests pipes; }
@test "docs: message-queues/README.md samples are what the programs print" { doctests message-queues; }
@test "docs: sockets/README.md samples are what the programs print" { doctests sockets; }
@test "docs: signals/README.md samples are what the programs print" { doctests signals; }

@test "docs: every README has the sections a reader needs" {
    for dir in shared-files shared-memory pipes message-queues sockets signals; do
        readme=$REPO/$dir/README.md
        grep -qE '^Article: "Inter-process communication in Linux", part [123]' "$readme"
        grep -q '^```mermaid$' "$readme"
        grep -q '^sequenceDiagram$' "$readme" || grep -q '^    sequenceDiagram$' "$readme"
        grep -q '^## Read the source in this order' "$readme"
        grep -q '^## Differences from the article' "$readme"
        grep -qE '^<!-- doctest' "$readme"
        grep -q "($dir/README.md)" "$REPO/README.md" # linked from the top README
    done
}

# The project's errata document: one "### ID: title" heading per erratum,
# and under it the tests that prove the fix, one per line, as
#   - `tests/FILE.bats`: "exact test name"
ERRATA_DOC=$REPO/docs/errata.md
ID_RE='(B|SF|SHM|P|MQ|S|SIG)-[0-9]+'

# Errata without a test: prose only (SHM-8). docs/errata.md explains it,
# and cites no test for it.
UNTESTABLE="SHM-8"

# errata_ids : the IDs docs/errata.md defines, in order; fails (with a
# reason) if the file is missing or defines none.
errata_ids() {
    if [ ! -f "$ERRATA_DOC" ]; then
        echo "docs/errata.md is missing" >&2
        return 1
    fi
    IDS=()
    mapfile -t IDS < <(sed -nE "s/^### ($ID_RE)(:.*)?\$/\\1/p" "$ERRATA_DOC")
    if [ "${#IDS[@]}" -eq 0 ]; then
        echo "docs/errata.md defines no erratum (no '### ID: title' heading)" >&2
        return 1
    fi
}

@test "docs: every erratum in docs/errata.md is cited in code, in a README, and in a test name" {
    errata_ids
    dups=$(printf '%s\n' "${IDS[@]}" | sort | uniq -d)
    if [ -n "$dups" ]; then echo "docs/errata.md defines twice: $dups" >&2; return 1; fi
    missing=()
    for id in "${IDS[@]}"; do
        grep -qw -- "$id" "$REPO"/*/README.md || missing+=("$id (README)")
        grep -rqw --include='*.c' --include='*.h' -- "$id" "$REPO" || missing+=("$id (code)")
        case " $UNTESTABLE " in *" $id "*) continue ;; esac
        grep -qE "@test \".*[ (]${id}[,)]" "$REPO"/tests/*.bats || missing+=("$id (test name)")
    done
    if [ ${#missing[@]} -gt 0 ]; then printf 'not cited: %s\n' "${missing[@]}" >&2; return 1; fi
}

@test "docs: every erratum ID cited in code, READMEs and tests is defined in docs/errata.md" {
    errata_ids
    cd "$REPO"
    # file:line:ID for every citation whose ID is not one of IDS
    unknown=$(git ls-files -co --exclude-standard -- '*.c' '*.h' '*.md' '*.bats' '*.bash' Makefile |
        xargs grep -noswE -- "$ID_RE" |
        awk -F: 'NR == FNR { known[$1]; next } !($NF in known)' <(printf '%s\n' "${IDS[@]}") -)
    if [ -n "$unknown" ]; then
        printf 'not an erratum of docs/errata.md (file:line:ID):\n%s\n' "$unknown" >&2
        return 1
    fi
}

@test "docs: every test docs/errata.md cites exists, and every testable erratum cites one" {
    errata_ids
    problems=()
    declare -A cited=()
    local id="" line file name n=0
    while IFS= read -r line; do
        if [[ $line =~ ^###\ ($ID_RE)(:|$) ]]; then
            id=${BASH_REMATCH[1]}
            cited[$id]=0
        elif [[ $line =~ ^[[:space:]]*-\ \`tests/([^\`]+\.bats)\`:\ \"(.*)\"$ ]]; then
            file=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]} n=$((n + 1))
            if [ -z "$id" ]; then
                problems+=("a test is cited before the first erratum: \"$name\"")
                continue
            fi
            cited[$id]=$((${cited[$id]} + 1))
            if [ ! -f "$REPO/tests/$file" ]; then
                problems+=("$id cites tests/$file, which does not exist")
            elif ! grep -qF -- "@test \"$name\" {" "$REPO/tests/$file"; then
                where=$(grep -lF -- "@test \"$name\" {" "$REPO"/tests/*.bats | sed "s#^$REPO/##" | tr '\n' ' ')
                problems+=("$id cites \"$name\" in tests/$file: no such test there${where:+ (it is in $where)}; renamed or removed? update docs/errata.md")
            fi
        elif [[ $line =~ ^[[:space:]]*-[[:space:]]+\`?tests/[^[:space:]]*\.bats ]]; then
            problems+=("$id: cannot read this citation (want - \`tests/FILE.bats\`: \"name\"): $line")
        fi
    done <"$ERRATA_DOC"
    for id in "${IDS[@]}"; do
        case " $UNTESTABLE " in
        *" $id "*) [ "${cited[$id]}" -eq 0 ] || problems+=("$id is UNTESTABLE in tests/docs.bats but docs/errata.md cites a test for it") ;;
        *) [ "${cited[$id]}" -gt 0 ] || problems+=("$id cites no test in docs/errata.md (or add it to UNTESTABLE with the reason)") ;;
        esac
    done
    echo "# $n test citations checked in docs/errata.md" >&3
    if [ ${#problems[@]} -gt 0 ]; then printf '%s\n' "${problems[@]}" >&2; return 1; fi
}

@test "docs: nothing in the repository refers to files outside it" {
    # The team's notes live next to the repository; a user's clone has no
    # such directory. The pattern is written so that it does not match
    # itself.
    cd "$REPO"
    pattern='(\.\./|/wor[k]/)shared([^-[:alnum:]_]|$)'
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        hits=$(git ls-files -z -co --exclude-standard | xargs -0 grep -nsE -- "$pattern" || true)
    else # an unpacked tarball: every file but the build's and bats' own
        hits=$(find . -type f ! -path './.git/*' ! -path './.deps/*' ! -path './build/*' -print0 |
            xargs -0 grep -nsE -- "$pattern" || true)
    fi
    if [ -n "$hits" ]; then printf 'refers outside the repository:\n%s\n' "$hits" >&2; return 1; fi
}

@test "docs: every program's --help names its partner and shows an example" {
    mapfile -t programs < <(make -s -C "$REPO" list-programs)
    [ "${#programs[@]}" -ge 17 ]
    for p in "${programs[@]}"; do
        run --separate-stderr prog "$p" --help
        [ "$status" -eq 0 ]
        [[ "$output" == "Usage: ${p##*/}"* ]]
        grep -q '^Partner: ' <<<"$output"
        grep -qiE '(^|[ (])example' <<<"$output"
    done
}
