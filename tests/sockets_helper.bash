# shellcheck shell=bash
# shellcheck disable=SC2034 # CLIENT_LINES, TITLES, SERVER are read by the tests
# tests/sockets_helper.bash - what tests/sockets.bats and
# tests/sockets-hostile.bats share (`load sockets_helper`, after test_helper).

CLIENT_LINES="Connect to server, about to write some stuff...
War and Peace
Pride and Prejudice
The Sound and the Fury
Client done, about to exit..."
TITLES="War and Peace
Pride and Prejudice
The Sound and the Fury"

# start_srv PROG LOG [ARGS...] : sockets/PROG (server or pollserver) in the
# background, logs LOG.out and LOG.err, waited for until it listens (its
# banner goes to stderr, as in the article); its PID in $SERVER.
start_srv() {
    local prog=$1 log=$2
    shift 2
    rm -f "$log.out" "$log.err" # a banner of the last run must not count
    start_bg "$log" "sockets/$prog" "$@"
    SERVER=$LAST_PID
    wait_for_line "$log.err" "^Listening on "
}

# stop_srv PID : SIGTERM, the normal way to stop a server: exit 0.
stop_srv() {
    kill -TERM "$1"
    wait_exit "$1"
    [ "$EXIT_CODE" -eq 0 ]
}
