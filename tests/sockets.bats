#!/usr/bin/env bats
# sockets: server and client (article part 3, Examples 1 and 2).

load test_helper

CLIENT_LINES="Connect to server, about to write some stuff...
War and Peace
Pride and Prejudice
The Sound and the Fury
Client done, about to exit..."
TITLES="War and Peace
Pride and Prejudice
The Sound and the Fury"

local_setup() {
    PORT=$(free_port)
}

# start_server [ARGS...] : a server on $PORT, waited for until it listens.
start_server() {
    start_bg server sockets/server -p "$PORT" "$@"
    SERVER=$LAST_PID
    wait_for_line server.out "^Listening on "
}

# stop_server : SIGTERM, which is the normal way to stop it: exit 0.
stop_server() {
    kill -TERM "$SERVER"
    wait_exit "$SERVER"
    [ "$EXIT_CODE" -eq 0 ]
}

@test "no arguments: the article's run on port 9876" {
    private_namespace # port 9876 is machine-wide
    start_bg server sockets/server
    SERVER=$LAST_PID
    wait_for_port 9876
    run --separate-stderr prog sockets/client
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    stop_server
    expect_equal "$(cat server.out)" "Listening on port 9876 for clients...
$TITLES"
}

@test "the server echoes exactly the bytes of each line, no NUL padding (S-4, S-2)" {
    start_server
    run "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"War and Peace\n")
got = b""
while not got.endswith(b"\n"):
    got += s.recv(4096)
print(repr(got))' "$PORT"
    expect_equal "$output" "b'War and Peace\\n'"
    stop_server
}

@test "framing: three titles in one write come back as three lines (S-3)" {
    start_server
    run "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"War and Peace\nPride and Prejudice\nThe Sound and the Fury\n")
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    c = s.recv(4096)
    if not c: break
    got += c
sys.stdout.write(got.decode())' "$PORT"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$TITLES"
    stop_server
    expect_equal "$(tail -n 3 server.out)" "$TITLES"
}

@test "framing: a title sent one byte at a time comes back whole (S-3)" {
    start_server
    run "$PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for b in b"Pride and Prejudice\n":
    s.sendall(bytes([b]))
got = b""
while not got.endswith(b"\n"):
    got += s.recv(4096)
print(got.decode(), end="")' "$PORT"
    expect_equal "$output" "Pride and Prejudice"
    stop_server
}

@test "nc (netcat-openbsd) is a valid client" {
    need nc netcat-openbsd
    start_server
    run bash -c "printf 'War and Peace\nPride and Prejudice\n' | nc -N -w 10 127.0.0.1 $PORT"
    [ "$status" -eq 0 ]
    expect_equal "$output" "War and Peace
Pride and Prejudice"
    stop_server
}

@test "socat is a valid client" {
    need socat socat
    start_server
    run bash -c "printf 'The Sound and the Fury\n' | socat -t 5 - TCP:127.0.0.1:$PORT"
    [ "$status" -eq 0 ]
    expect_equal "$output" "The Sound and the Fury"
    stop_server
}

@test "the client works against an echo server nobody here wrote (socat)" {
    need socat socat
    spawn socat socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr" PIPE
    socat_pid=$LAST_PID
    wait_for_port "$PORT"
    run --separate-stderr prog sockets/client -H 127.0.0.1 -p "$PORT"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    wait_exit "$socat_pid"
}

@test "100 simultaneous clients each get their own lines, with 5 silent ones connected (S-7)" {
    # A backlog that holds the whole burst. With the article's 8, a burst
    # against a slowed server (valgrind, a busy CI) overflows it and Linux
    # answers with SYN cookies; a connection rebuilt from a cookie by a later
    # data segment has lost its first bytes (seen: "lient 28 line 0"; see
    # sockets/README.md). This test is about serving them all at once.
    start_server -b 128
    run "$PY" "$REPO/tests/peers/echo_clients.py" 127.0.0.1 "$PORT" 100 --silent 5
    echo "$output" >&2
    [ "$status" -eq 0 ]
    expect_equal "$output" "ok 100"
    alive "$SERVER"
    stop_server
}

@test "a silent client does not stall the article's client (S-7)" {
    start_server
    exec 4<>"/dev/tcp/127.0.0.1/$PORT" # connected, never sends
    run --separate-stderr prog sockets/client -p "$PORT" -t 10
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    exec 4>&-
    stop_server
}

@test "the server survives hostile clients: garbage, 100 KB without newline, early disconnects, non-readers (S-1)" {
    start_server
    run "$PY" "$REPO/tests/peers/echo_clients.py" 127.0.0.1 "$PORT" 20 --silent 2 --hostile
    [ "$status" -eq 0 ]
    expect_equal "$output" "ok 20"
    alive "$SERVER"
    grep -q "line longer than 1023 bytes, disconnected" server.err
    run --separate-stderr prog sockets/client -p "$PORT"
    [ "$status" -eq 0 ]
    stop_server
}

@test "binds 127.0.0.1 by default, not every interface (S-6)" {
    start_server
    run ss -Hltn "sport = :$PORT"
    [[ "$output" == *"127.0.0.1:$PORT "* ]]
    [[ "$output" != *"0.0.0.0:$PORT"* ]]
    stop_server
}

@test "restart right after a stop with connections in TIME_WAIT works (S-5)" {
    start_server
    run prog sockets/client -p "$PORT"
    [ "$status" -eq 0 ]
    stop_server
    start_bg server2 sockets/server -p "$PORT"
    SERVER=$LAST_PID
    wait_for_line server2.out "^Listening on port $PORT"
    run prog sockets/client -p "$PORT"
    [ "$status" -eq 0 ]
    stop_server
}

@test "IPv6: server on ::1, client resolves with getaddrinfo (S-8)" {
    "$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
        skip "no IPv6 loopback here"
    start_server -a ::1
    run --separate-stderr prog sockets/client -H ::1 -p "$PORT"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    stop_server
}

@test "client started first retries until the server listens" {
    start_bg client sockets/client -p "$PORT"
    client=$LAST_PID
    wait_for_line client.err "waiting for the server at localhost port $PORT"
    start_server
    wait_exit "$client"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat client.out)" "$CLIENT_LINES"
    stop_server
}

@test "client gives up after --timeout when no server comes, exit 1" {
    run --separate-stderr prog sockets/client -p "$PORT" -t 0.3
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"client: gave up after 0.3 s: no server at localhost" ]]
}

@test "UNIX-domain socket: the article's exchange, socket 0600, path removed on exit" {
    start_bg server sockets/server -u echo.sock
    SERVER=$LAST_PID
    wait_for_line server.out "^Listening on echo.sock for clients"
    [ -S echo.sock ]
    [ "$(stat -c %a echo.sock)" = 600 ]
    run --separate-stderr prog sockets/client -u echo.sock
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    stop_server
    [ ! -e echo.sock ]
}

@test "UNIX-domain socket: a stale path does not block a restart; a live one is not stolen" {
    "$PY" -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("echo.sock")'
    [ -S echo.sock ]
    start_bg server sockets/server -u echo.sock
    SERVER=$LAST_PID
    wait_for_line server.out "^Listening on echo.sock"
    grep -q "removing stale socket echo.sock" server.err
    run --separate-stderr prog sockets/server -u echo.sock
    [ "$status" -eq 1 ]
    [[ "$stderr" == "server: another server is listening on echo.sock" ]]
    run prog sockets/client -u echo.sock
    [ "$status" -eq 0 ]
    stop_server
}

@test "SIGINT or SIGTERM: the server closes its clients and exits 0" {
    for sig in INT TERM; do
        PORT=$(free_port)
        start_server
        exec 4<>"/dev/tcp/127.0.0.1/$PORT"
        echo hello >&4
        read -r -t 10 -u 4 echoed # accepted and served: the server knows it
        [ "$echoed" = hello ]
        kill -"$sig" "$SERVER"
        wait_exit "$SERVER"
        [ "$EXIT_CODE" -eq 0 ]
        grep -q "SIG$sig: closed 1 client connection(s), exiting" server.err
        run timeout 5 cat <&4 # the client sees end-of-file
        [ "$status" -eq 0 ]
        exec 4>&-
    done
}

@test "sockets: --help names the partner; bad port or option exit 2" {
    run --separate-stderr prog sockets/server --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Partner: client"* ]]
    run --separate-stderr prog sockets/client -h
    [ "$status" -eq 0 ]
    [[ "$output" == *"Partner: server"* ]]
    run --separate-stderr prog sockets/server -p 70000
    [ "$status" -eq 2 ]
    run --separate-stderr prog sockets/server -b 0
    [ "$status" -eq 2 ]
    run --separate-stderr prog sockets/client -p http
    [ "$status" -eq 2 ]
    run --separate-stderr prog sockets/client -x
    [ "$status" -eq 2 ]
    [[ "$stderr" == "client: unknown option '-x'"$'\n'"Usage: client"* ]]
}

@test "the listen backlog is the article's 8 unless -b says otherwise (ss shows it)" {
    command -v ss >/dev/null || skip "ss is not installed"
    start_server
    # for a listening socket, ss's Send-Q column is the backlog
    [ "$(ss -Hltn "sport = :$PORT" | awk '{print $3}')" = 8 ]
    stop_server
    start_server -b 128
    [ "$(ss -Hltn "sport = :$PORT" | awk '{print $3}')" = 128 ]
    stop_server
}
