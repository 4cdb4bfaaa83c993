#!/usr/bin/env bats
# sockets: dgserver and dgclient, the echo over datagrams (UDP, or a UNIX
# SOCK_DGRAM socket with -u). Beyond the article (S-10).

load test_helper

CLIENT_LINES="Sending each title as one datagram...
War and Peace
Pride and Prejudice
The Sound and the Fury
Client done, about to exit..."
TITLES="War and Peace
Pride and Prejudice
The Sound and the Fury"

local_setup() {
    PORT=$(udp_port)
}

# udp_port : a UDP port nothing is bound to now (the kernel's choice).
udp_port() {
    "$PY" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server ARGS... : dgserver, waited for until it has bound its socket.
start_server() {
    start_bg server sockets/dgserver "$@"
    SERVER=$LAST_PID
    wait_for_line server.out '^Bound to '
}

# stop_server : SIGTERM, the normal way to stop it: exit 0.
stop_server() {
    kill -TERM "$SERVER"
    wait_exit "$SERVER"
    [ "$EXIT_CODE" -eq 0 ]
}

# recv_q PORT : the bytes waiting in the receive queue of the UDP socket on PORT.
recv_q() { "${NS[@]}" ss -Huan "sport = :$1" | awk '{print $2; exit}'; }

# udp_drops PORT : datagrams the kernel dropped at the UDP socket on PORT.
udp_drops() { awk -v p=":$(printf '%04X' "$1")" '$2 ~ p"$" {print $13; exit}' /proc/net/udp; }

# Conditions for wait_until, evaluated afresh at each poll:
queued() { [ "$(recv_q "$1")" -gt 0 ]; }                        # PORT
udp_bound() { ss -Huan "sport = :$1" | grep -q .; }              # PORT
holds_udp() { ss -Huanp | grep -qF "pid=$1,"; }                  # PID
has_lines() { [ "$(grep -c . "$1")" -ge "$2" ]; }                # FILE N
said_after() { tail -n +$(($2 + 1)) "$1" | grep -qF -- "$3"; } # FILE LINE TEXT

# flush_server PORT : a marker datagram and its echo: the server has read
# everything that was queued before it (resent every second, 60 s at most).
flush_server() {
    py '
import sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
for _ in range(60):
    s.sendto(b"marker", ("127.0.0.1", int(sys.argv[1])))
    try:
        s.recv(2048); sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)' "$1"
}

@test "no arguments: UDP 127.0.0.1 port 9877, the three titles echoed, one datagram each" {
    private_namespace # port 9877 is machine-wide
    start_server
    expect_equal "$(head -n 1 server.out)" "Bound to 127.0.0.1 port 9877, waiting for datagrams..."
    run --separate-stderr prog sockets/dgclient
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    stop_server
    expect_equal "$(tail -n +2 server.out)" "$TITLES"
    grep -qx 'dgserver: SIGTERM: 3 datagram(s) echoed, exiting' server.err
}

@test "bind gives the socket an address and a port: ss shows 127.0.0.1:PORT, not every interface (S-10, S-6)" {
    start_server -p "$PORT"
    run ss -Huan "sport = :$PORT"
    echo "$output"
    [[ "$output" == *"127.0.0.1:$PORT "* ]]
    [[ "$output" != *"0.0.0.0:$PORT"* ]]
    stop_server
}

@test "datagram sockets go both ways: the socket that received python3's datagram sends the echo, from the same address and port (S-10)" {
    start_server -p "$PORT"
    run py '
import sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"War and Peace", ("127.0.0.1", int(sys.argv[1])))
data, addr = s.recvfrom(2048)
print(data, addr)' "$PORT"
    expect_equal "$output" "b'War and Peace' ('127.0.0.1', $PORT)"
    stop_server
}

@test "message boundaries kept: two datagrams queued back to back are two recvfroms and two echoes, where a stream joins them" {
    start_server -p "$PORT"
    kill -STOP "$SERVER" # both datagrams wait in its queue, one behind the other
    run py '
import sys
port, server = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"War and Peace", ("127.0.0.1", port))
s.sendto(b"Pride and Prejudice", ("127.0.0.1", port))
os.kill(server, signal.SIGCONT)
print(s.recv(2048))
print(s.recv(2048))
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
a.sendall(b"War and Peace")
a.sendall(b"Pride and Prejudice")
print("stream:", b.recv(2048))' "$PORT" "$SERVER"
    expect_equal "$output" "b'War and Peace'
b'Pride and Prejudice'
stream: b'War and PeacePride and Prejudice'"
    stop_server
    expect_equal "$(tail -n +2 server.out)" "War and Peace
Pride and Prejudice"
}

@test "MSG_TRUNC: a datagram longer than the server's buffer is reported with its real length, not echoed (UDP and UNIX)" {
    for kind in udp unix; do
        : >server.out
        if [ $kind = udp ]; then start_server -p "$PORT"; else start_server -u dg.sock; fi
        run py '
import sys
if sys.argv[1] == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); to = ("127.0.0.1", int(sys.argv[2]))
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); to = "dg.sock"
    s.bind(b"\0" + sys.argv[3].encode()) # a name to reply to
s.sendto(b"x" * 2000, to)
s.sendto(b"War and Peace", to)
print(s.recv(4096))' $kind "$PORT" "$TAG"
        expect_equal "$output" "b'War and Peace'"
        stop_server
        grep -qx 'dgserver: datagram of 2000 bytes truncated to 1024: not echoed' server.err
        expect_equal "$(tail -n +2 server.out)" "War and Peace"
    done
}

@test "an empty datagram is a message, not an end of file: printed as an empty line and echoed" {
    start_server -p "$PORT"
    run py '
import sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"", ("127.0.0.1", int(sys.argv[1])))
print(s.recv(2048))
s.sendto(b"War and Peace", ("127.0.0.1", int(sys.argv[1])))
print(s.recv(2048))' "$PORT"
    expect_equal "$output" "b''
b'War and Peace'"
    stop_server
    expect_equal "$(tail -n +2 server.out)" "
War and Peace"
}

@test "UDP: datagrams nobody reads wait in the receive buffer (ss Recv-Q); what does not fit is dropped, the sender never told" {
    start_server -p "$PORT"
    kill -STOP "$SERVER"
    py 'import sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"War and Peace", ("127.0.0.1", int(sys.argv[1])))' "$PORT"
    wait_until 10 queued "$PORT" # in the kernel, for the stopped server
    # 3000 more datagrams of 1000 bytes: far more than the buffer holds
    # (net.core.rmem_default); every sendto succeeds all the same.
    run py '
import sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = sum(s.sendto(b"x" * 1000, ("127.0.0.1", int(sys.argv[1]))) == 1000 for _ in range(3000))
print("sent", sent)' "$PORT"
    expect_equal "$output" "sent 3000"
    drops=$(udp_drops "$PORT")
    echo "Recv-Q $(recv_q "$PORT"), drops $drops" >&3
    [ "$drops" -gt 0 ]
    kill -CONT "$SERVER"
    flush_server "$PORT"
    stop_server
    [ "$(sed -n 2p server.out)" = "War and Peace" ] # the first one waited, and was read
    received=$(grep -cxE 'x+' server.out)
    echo "received $received of 3000" >&3
    [ "$received" -le $((3000 - drops)) ]
}

@test "UNIX: a full receive queue makes the sender wait (or fail with EAGAIN); nothing is dropped" {
    start_server -u dg.sock
    kill -STOP "$SERVER"
    run py '
import sys, time
server = int(sys.argv[1])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.settimeout(None) # blocking (a timeout would make sendto wait and retry on EAGAIN)
s.bind(b"\0" + sys.argv[2].encode())
n = 0
try:
    while True:
        s.sendto(b"War and Peace", socket.MSG_DONTWAIT, "dg.sock"); n += 1
except BlockingIOError:
    print("EAGAIN after", n, flush=True)
pid = os.fork()
if pid == 0:
    s.sendto(b"Pride and Prejudice", "dg.sock") # blocks: no room
    os._exit(0)
for _ in range(3000): # until the child sleeps in the kernel, waiting for room
    with open("/proc/%d/wchan" % pid) as f:
        wchan = f.read()
    if wchan == "unix_wait_for_peer":
        break
    time.sleep(0.01)
print("blocked in", wchan, flush=True)
os.kill(server, signal.SIGCONT)
os.waitpid(pid, 0)
print("sent", n + 1)' "$SERVER" "$TAG"
    echo "$output" >&3
    [[ "${lines[0]}" =~ ^EAGAIN\ after\ ([0-9]+)$ ]]
    n=${BASH_REMATCH[1]}
    [ "$n" -gt 0 ]
    expect_equal "${lines[1]}" "blocked in unix_wait_for_peer"
    wait_until 30 has_lines server.out $((n + 2))
    stop_server
    [ "$(grep -cx 'War and Peace' server.out)" -eq "$n" ]
    [ "$(grep -cx 'Pride and Prejudice' server.out)" -eq 1 ]
}

@test "client started first waits for the server: UDP's ICMP port unreachable comes back as ECONNREFUSED" {
    start_bg client sockets/dgclient -p "$PORT"
    client=$LAST_PID
    wait_for_line client.err "^dgclient: waiting for the server at localhost port $PORT$"
    start_server -p "$PORT"
    wait_exit "$client"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat client.out)" "$CLIENT_LINES"
    stop_server
}

@test "UNIX: the article's exchange in both start orders; the server's socket is 0600" {
    start_server -u dg.sock
    [ "$(stat -c %a dg.sock)" = 600 ]
    run --separate-stderr prog sockets/dgclient -u dg.sock
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    stop_server
    start_bg client sockets/dgclient -u dg.sock
    client=$LAST_PID
    wait_for_line client.err '^dgclient: waiting for the server at dg.sock$'
    start_server -u dg.sock
    wait_exit "$client"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat client.out)" "$CLIENT_LINES"
    stop_server
    [ ! -e dg.sock ]
}

@test "a lost echo: the client sends the title again after 1 s (python3 server that drops each first copy)" {
    spawn_py lossy '
import sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("bound", flush=True)
seen = set()
while True:
    data, addr = s.recvfrom(2048)
    if data in seen:
        s.sendto(data, addr)
    else:
        seen.add(data)
        print("dropped", data.decode(), flush=True)' "$PORT"
    lossy=$LAST_PID
    wait_for_line lossy.out '^bound$'
    run --separate-stderr prog sockets/dgclient -H 127.0.0.1 -p "$PORT"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    expect_equal "$stderr" "dgclient: no echo within 1 s: sending 'War and Peace' again
dgclient: no echo within 1 s: sending 'Pride and Prejudice' again
dgclient: no echo within 1 s: sending 'The Sound and the Fury' again"
    kill "$lossy"
    wait_exit "$lossy"
}

@test "a slow server: the client resends, waiting twice as long, and takes no late duplicate for the next title's echo" {
    start_server -p "$PORT"
    kill -STOP "$SERVER"
    start_bg client sockets/dgclient -p "$PORT"
    client=$LAST_PID
    wait_for_line client.err "sending 'War and Peace' again"
    wait_for_line client.err "no echo within 2 s: sending 'War and Peace' again"
    kill -CONT "$SERVER" # three copies queued: three echoes
    wait_exit "$client"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat client.out)" "$CLIENT_LINES"
    stop_server
    [ "$(grep -cx 'War and Peace' server.out)" -eq 3 ]
}

@test "connect() filters: a third party's datagram with the echo's very bytes is not taken for the echo" {
    start_server -p "$PORT"
    kill -STOP "$SERVER"
    start_bg client sockets/dgclient -H 127.0.0.1 -p "$PORT"
    client=$LAST_PID
    # the client's own port (ss -p: the socket the client's process holds)
    wait_until 30 holds_udp "$client"
    cport=$(ss -Huanp | awk -v pid="pid=$client," 'index($0, pid) {n = split($4, a, ":"); print a[n]; exit}')
    py 'import sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"War and Peace", ("127.0.0.1", int(sys.argv[1])))' "$cport"
    seen=$(wc -l <client.err)
    # still waiting for the first title's echo after the intruder's datagram
    wait_until 30 said_after client.err "$seen" "sending 'War and Peace' again"
    expect_equal "$(cat client.out)" "Sending each title as one datagram..."
    kill -CONT "$SERVER"
    wait_exit "$client"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat client.out)" "$CLIENT_LINES"
    stop_server
}

@test "localhost as ::1 first: refused there, the client moves on to 127.0.0.1" {
    private_namespace
    printf '::1 localhost\n127.0.0.1 localhost\n' >hosts
    "${NS[@]}" mount --bind "$BATS_TEST_TMPDIR/hosts" /etc/hosts || skip "cannot bind-mount /etc/hosts here"
    [ "$("${NS[@]}" getent ahosts localhost | awk 'NR == 1 {print $1}')" = ::1 ] || skip "::1 does not come first"
    start_server
    run --separate-stderr prog sockets/dgclient -t 10
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    expect_equal "$stderr" "dgclient: waiting for the server at localhost port 9877"
    stop_server
}

@test "a kernel without IPv6: localhost's ::1 cannot even have a socket (EAFNOSUPPORT); the client goes on to 127.0.0.1" {
    need strace strace
    [ "${IPC_VALGRIND:-0}" = 1 ] && skip "strace of valgrind shows valgrind's own calls"
    private_namespace
    printf '::1 localhost\n127.0.0.1 localhost\n' >hosts
    "${NS[@]}" mount --bind "$BATS_TEST_TMPDIR/hosts" /etc/hosts || skip "cannot bind-mount /etc/hosts here"
    [ "$("${NS[@]}" getent ahosts localhost | awk 'NR == 1 {print $1}')" = ::1 ] || skip "::1 does not come first"
    start_server
    run --separate-stderr without_ipv6 sockets/dgclient -t 10
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    expect_equal "$stderr" "dgclient: waiting for the server at localhost port 9877"
    stop_server
}

@test "IPv6: dgserver -a ::1, dgclient -H ::1" {
    "$PY" -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null ||
        skip "no IPv6 loopback here"
    start_server -a ::1 -p "$PORT"
    expect_equal "$(head -n 1 server.out)" "Bound to ::1 port $PORT, waiting for datagrams..."
    run --separate-stderr prog sockets/dgclient -H ::1 -p "$PORT"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    stop_server
}

@test "nc -u (netcat-openbsd) is a valid client: what one read returns, nc sends as one datagram" {
    need nc netcat-openbsd
    start_server -p "$PORT"
    run bash -c "printf 'War and Peace\n' | nc -u -w 1 127.0.0.1 $PORT"
    [ "$status" -eq 0 ]
    expect_equal "$output" "War and Peace"
    run bash -c "printf 'Pride and Prejudice\nThe Sound and the Fury\n' | nc -u -w 1 127.0.0.1 $PORT"
    expect_equal "$output" "Pride and Prejudice
The Sound and the Fury"
    stop_server
    grep -qx 'dgserver: SIGTERM: 2 datagram(s) echoed, exiting' server.err
    # each datagram's last '\n' is not printed twice
    expect_equal "$(tail -n +2 server.out)" "$TITLES"
}

@test "the client works against UDP echo servers nobody here wrote (socat, python3)" {
    need socat socat
    spawn socat socat -T 10 "UDP-LISTEN:$PORT,bind=127.0.0.1" PIPE
    peer=$LAST_PID
    wait_until 30 udp_bound "$PORT"
    run --separate-stderr prog sockets/dgclient -H 127.0.0.1 -p "$PORT"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    kill "$peer"
    wait_exit "$peer"
    spawn_py echo '
import sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("bound", flush=True)
for _ in range(3):
    data, addr = s.recvfrom(2048)
    s.sendto(data, addr)' "$PORT"
    peer=$LAST_PID
    wait_for_line echo.out '^bound$'
    run --separate-stderr prog sockets/dgclient -p "$PORT"
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    wait_exit "$peer"
}

@test "UNIX: dgclient against a python3 server: the echo goes to the client's own name, an abstract one" {
    spawn_py echo '
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("py.sock")
print("bound", flush=True)
for _ in range(3):
    data, addr = s.recvfrom(2048)
    print("from", "abstract" if addr[:1] == b"\0" else repr(addr), flush=True)
    s.sendto(data, addr)
os.unlink("py.sock")'
    peer=$LAST_PID
    wait_for_line echo.out '^bound$'
    run --separate-stderr prog sockets/dgclient -u py.sock
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    wait_exit "$peer"
    [ "$(grep -cx 'from abstract' echo.out)" -eq 3 ]
}

@test "UNIX: a sender with no name of its own gets no echo, and the server says why" {
    start_server -u dg.sock
    py 's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"War and Peace", "dg.sock")'
    wait_for_line server.err 'the sender has no address: no echo'
    stop_server
    expect_equal "$(tail -n +2 server.out)" "War and Peace"
    grep -qx 'dgserver: SIGTERM: 0 datagram(s) echoed, exiting' server.err
}

@test "UDP and TCP ports are separate: dgserver binds the number a TCP listener holds" {
    spawn_py tcp '
import sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
print("listening", flush=True)
time.sleep(600)' "$PORT"
    tcp=$LAST_PID
    wait_for_line tcp.out '^listening$'
    start_server -p "$PORT"
    run --separate-stderr prog sockets/dgclient -p "$PORT"
    [ "$status" -eq 0 ]
    stop_server
    kill "$tcp"
    wait_exit "$tcp"
}

@test "a second dgserver on the same UDP port refuses (no SO_REUSEADDR); the first keeps serving" {
    start_server -p "$PORT"
    cmd_for sockets/dgserver -p "$PORT"
    run --separate-stderr timeout 30 "${CMD[@]}" # were it to bind, it would run on
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "dgserver: bind 127.0.0.1 port $PORT: Address already in use"
    run --separate-stderr prog sockets/dgclient -p "$PORT"
    [ "$status" -eq 0 ]
    stop_server
}

@test "UNIX: SIGINT or SIGTERM removes the server's path, exit 0; the client leaves no file" {
    for sig in INT TERM; do
        start_server -u dg.sock
        run prog sockets/dgclient -u dg.sock
        [ "$status" -eq 0 ]
        expect_equal "$(find . -type s)" "./dg.sock" # the client's name was abstract
        kill -"$sig" "$SERVER"
        wait_exit "$SERVER"
        [ "$EXIT_CODE" -eq 0 ]
        grep -qx "dgserver: SIG$sig: 3 datagram(s) echoed, exiting" server.err
        [ ! -e dg.sock ]
    done
}

@test "UNIX: a stale path left by kill -9 is replaced, server started first or client first" {
    start_server -u dg.sock
    kill -9 "$SERVER"
    wait_exit "$SERVER"
    [ -S dg.sock ]
    start_server -u dg.sock
    grep -qx 'dgserver: removing stale socket dg.sock' server.err
    run --separate-stderr prog sockets/dgclient -u dg.sock
    [ "$status" -eq 0 ]
    kill -9 "$SERVER"
    wait_exit "$SERVER"
    [ -S dg.sock ]
    start_bg client sockets/dgclient -u dg.sock
    client=$LAST_PID
    wait_for_line client.err '^dgclient: waiting for the server at dg.sock$'
    start_server -u dg.sock
    wait_exit "$client"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat client.out)" "$CLIENT_LINES"
    stop_server
    [ ! -e dg.sock ]
}

@test "UNIX: a second dgserver on a live path refuses and leaves it alone" {
    start_server -u dg.sock
    cmd_for sockets/dgserver -u dg.sock
    run --separate-stderr timeout 30 "${CMD[@]}" # were it to bind, it would run on
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "dgserver: another server is bound to dg.sock"
    run --separate-stderr prog sockets/dgclient -u dg.sock
    [ "$status" -eq 0 ]
    stop_server
}

@test "UNIX: at exit the server removes its path only if it is still its socket: a file or a second server's socket put there since stays" {
    start_server -u dg.sock
    rm dg.sock
    echo precious >dg.sock
    stop_server
    [ "$(cat dg.sock)" = precious ]
    grep -qx 'dgserver: dg.sock is no longer the socket we bound: left alone' server.err
    rm dg.sock
    start_server -u dg.sock
    first=$SERVER
    rm dg.sock # the path is free: a second server binds it
    start_bg second sockets/dgserver -u dg.sock
    second=$LAST_PID
    wait_for_line second.out '^Bound to '
    kill -TERM "$first"
    wait_exit "$first"
    [ "$EXIT_CODE" -eq 0 ]
    [ -S dg.sock ]
    run --separate-stderr prog sockets/dgclient -u dg.sock -t 5
    [ "$status" -eq 0 ]
    kill -TERM "$second"
    wait_exit "$second"
    [ "$EXIT_CODE" -eq 0 ]
    [ ! -e dg.sock ]
}

@test "UNIX: a regular file, a directory or a symlink at the path is refused, never removed or changed" {
    echo "precious" >file
    mkdir dir
    ln -s file link
    for p in file dir link; do
        cmd_for sockets/dgserver -u "$p"
        run --separate-stderr timeout 30 "${CMD[@]}" # were it to bind, it would run on
        [ "$status" -eq 1 ]
        expect_equal "$stderr" "dgserver: $p exists and is not a socket: not removed"
    done
    [ "$(cat file)" = precious ]
    [ -d dir ]
    [ "$(readlink link)" = file ]
}

@test "UDP: kill -9 of the server leaves nothing: a new one binds the port at once, client started first or not" {
    start_server -p "$PORT"
    kill -9 "$SERVER"
    wait_exit "$SERVER"
    start_server -p "$PORT"
    run --separate-stderr prog sockets/dgclient -p "$PORT"
    [ "$status" -eq 0 ]
    kill -9 "$SERVER"
    wait_exit "$SERVER"
    start_bg client sockets/dgclient -p "$PORT"
    client=$LAST_PID
    wait_for_line client.err "waiting for the server at localhost port $PORT"
    start_server -p "$PORT"
    wait_exit "$client"
    [ "$EXIT_CODE" -eq 0 ]
    expect_equal "$(cat client.out)" "$CLIENT_LINES"
    stop_server
}

@test "a UNIX client that never reads its echoes cannot stall the server (sendto with MSG_DONTWAIT)" {
    start_server -u dg.sock
    touch hold
    spawn_py reader '
import sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(b"\0" + sys.argv[1].encode())
for _ in range(40):
    s.sendto(b"War and Peace", "dg.sock")
print("sent", flush=True)
while os.path.exists("hold"): # never reads; ends when the test removes hold
    time.sleep(0.05)' "$TAG"
    reader=$LAST_PID
    wait_for_line reader.out '^sent$'
    wait_until 30 has_lines server.out 41
    grep -q 'dgserver: echo not sent: Resource temporarily unavailable' server.err
    run --separate-stderr prog sockets/dgclient -u dg.sock -t 5
    [ "$status" -eq 0 ]
    expect_equal "$output" "$CLIENT_LINES"
    rm hold
    wait_exit "$reader"
    stop_server
}

@test "a UNIX client gone before its echo: the server notes it and keeps serving" {
    start_server -u dg.sock
    kill -STOP "$SERVER"
    py 'import sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(b"\0" + sys.argv[1].encode())
s.sendto(b"War and Peace", "dg.sock")' "$TAG"
    kill -CONT "$SERVER"
    wait_for_line server.err 'dgserver: echo not sent: Connection refused'
    run --separate-stderr prog sockets/dgclient -u dg.sock
    [ "$status" -eq 0 ]
    stop_server
}

@test "SIGINT or SIGTERM at any moment: dgserver exits 0, or dies of it before its handler exists; its path never stays" {
    signal_storm 15 INT sockets/dgserver -u storm.sock
    echo "statuses: $STORM_STATUSES, worst ${STORM_WORST_MS} ms" >&3
    [[ " $STORM_STATUSES " =~ ^(\ (0|130))+\ $ ]]
    signal_storm 15 TERM sockets/dgserver -p "$PORT"
    [[ " $STORM_STATUSES " =~ ^(\ (0|143))+\ $ ]]
    [ ! -e storm.sock ]
    refute grep -q 'removing stale' storm*.err
}

@test "SIGINT or SIGTERM at any moment: a waiting dgclient ends by that signal, leaving nothing" {
    signal_storm 15 TERM sockets/dgclient -p "$PORT"
    expect_equal "$STORM_STATUSES" 143
    signal_storm 15 INT sockets/dgclient -u nobody.sock
    expect_equal "$STORM_STATUSES" 130
}

@test "-t 0: do not wait: no server is an exit 1 at once; a stopped one gets one try" {
    t0=$SECONDS
    run --separate-stderr prog sockets/dgclient -p "$PORT" -t 0
    [ "$status" -eq 1 ]
    # one try, so nothing is said about waiting (issue 15: -t 0 said "waiting")
    expect_equal "$stderr" "dgclient: gave up after 0 s: no server at localhost port $PORT"
    run --separate-stderr prog sockets/dgclient -u nobody.sock -t 0
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "dgclient: gave up after 0 s: no server at nobody.sock"
    [ $((SECONDS - t0)) -lt 10 ]
    start_server -p "$PORT"
    kill -STOP "$SERVER"
    run --separate-stderr prog sockets/dgclient -p "$PORT" -t 0
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "dgclient: gave up after 0 s: no echo of 'War and Peace' from localhost port $PORT"
    kill -CONT "$SERVER"
    flush_server "$PORT"
    stop_server
    [ "$(grep -cx 'War and Peace' server.out)" -eq 1 ] # sent once
}

@test "the client gives up after --timeout when no echo comes, exit 1" {
    start_server -p "$PORT"
    kill -STOP "$SERVER"
    run --separate-stderr prog sockets/dgclient -p "$PORT" -t 2.5
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "dgclient: no echo within 1 s: sending 'War and Peace' again
dgclient: gave up after 2.5 s: no echo of 'War and Peace' from localhost port $PORT"
    kill -CONT "$SERVER"
    stop_server
}

@test "out of descriptors: reported once, exit 1, never spun on" {
    [ "${IPC_VALGRIND:-0}" = 1 ] && skip "valgrind needs descriptors of its own"
    grep -qa __asan_init "$BIN/sockets/dgclient" && skip "LeakSanitizer needs descriptors of its own at exit"
    # The client, waiting, opens a socket per try: none left now.
    start_bg client sockets/dgclient -p "$PORT"
    client=$LAST_PID
    wait_for_line client.err 'waiting for the server'
    prlimit --pid "$client" --nofile=3
    wait_exit "$client"
    [ "$EXIT_CODE" -eq 1 ]
    [ "$(grep -c 'socket: Too many open files' client.err)" -eq 1 ]
    # The server needs a second socket to probe a stale path: only one fits.
    "$PY" -c 'import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind("dg.sock")'
    cmd_for sockets/dgserver -u dg.sock
    run --separate-stderr bash -c 'exec 3>&- && ulimit -n 4 && exec "$@"' _ "${CMD[@]}"
    [ "$status" -eq 1 ]
    expect_equal "$stderr" "dgserver: socket: Too many open files"
    [ -S dg.sock ] # not removed: nobody knows yet whether it is stale
    rm dg.sock
}

@test "dgram: --help names the partner; bad port, option or argument exit 2" {
    run --separate-stderr prog sockets/dgserver --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Partner: dgclient"* ]]
    run --separate-stderr prog sockets/dgclient -h
    [ "$status" -eq 0 ]
    [[ "$output" == *"Partner: dgserver"* ]]
    [[ "$output" == *"0: do not wait"* ]]
    for args in "-p 0" "-p 65536" "-p udp" "-x" "extra" "-u"; do
        # shellcheck disable=SC2086 # the words of each case
        run --separate-stderr prog sockets/dgserver $args
        [ "$status" -eq 2 ]
        [[ "$stderr" == *"Usage: dgserver"* ]]
    done
    for args in "-t -1" "-t soon" "-p 70000" "-H" "--bogus"; do
        # shellcheck disable=SC2086
        run --separate-stderr prog sockets/dgclient $args
        [ "$status" -eq 2 ]
        [[ "$stderr" == *"Usage: dgclient"* ]]
    done
}
