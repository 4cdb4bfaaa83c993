#!/usr/bin/env python3
"""Many clients at once against a line echo server, written independently
of the suite's C client. Usage:

    echo_clients.py HOST PORT CLIENTS [--silent N] [--hostile]

Opens N silent connections (connect, send nothing) and, with --hostile,
clients that send garbage, a 100 KB line without a newline, or disconnect
early; then CLIENTS well-behaved clients at the same time, each sending three
lines of its own (half in one write, half one byte at a time) and checking
that exactly those lines come back, in order. Prints "ok CLIENTS" and exits
0, or prints what went wrong and exits 1.
"""
import socket
import sys
import threading

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
silent = int(sys.argv[sys.argv.index("--silent") + 1]) if "--silent" in sys.argv else 0
hostile = "--hostile" in sys.argv
errors = []
held = []

def connect():
    s = socket.create_connection((host, port), timeout=60)
    return s

for _ in range(silent):
    held.append(connect())

def hostile_client(data, keep, wait_for_close=False):
    # The server may drop such a client while it still sends (a reset):
    # that is the server's right, not an error of the well-behaved ones.
    s = connect()
    try:
        s.sendall(data)
        if wait_for_close:
            s.recv(1)
    except OSError:
        pass
    if keep:
        held.append(s)
    else:
        s.close()

if hostile:
    hostile_client(b"\x00\xff\x01garbage\x7f\n" * 10, keep=True)
    hostile_client(b"x" * 100_000, keep=False, wait_for_close=True)  # refused: too long
    hostile_client(b"War and Peace\n", keep=False)                    # gone before the echo
    hostile_client(b"half a line", keep=True)                          # never finishes
    hostile_client(b"line\n" * 2000, keep=True)                        # never reads its echoes

def client(i):
    lines = [f"client {i} line {k} {'x' * (i % 50)}\n".encode() for k in range(3)]
    try:
        s = connect()
        if i % 2:
            s.sendall(b"".join(lines))
        else:
            for b in b"".join(lines):
                s.sendall(bytes([b]))
        got = b""
        while got.count(b"\n") < 3:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        s.close()
        if got != b"".join(lines):
            errors.append(f"client {i}: sent {b''.join(lines)!r}, got {got!r}")
    except OSError as e:
        errors.append(f"client {i}: {e}")

threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for s in held:
    s.close()
if errors:
    print("\n".join(errors[:10]))
    sys.exit(1)
print("ok", count)
