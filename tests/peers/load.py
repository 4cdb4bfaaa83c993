#!/usr/bin/env python3
"""Load on the line echo server: CLIENTS well-behaved clients for SECONDS,
each sending numbered lines of its own and checking every echo, mixed with
hostile ones: garbage bytes, 100 KB without a newline, early disconnects,
and slow readers that send but never read. Usage:

    load.py HOST PORT CLIENTS SECONDS

Prints "lines N errors E hostile H" and exits 1 if any well-behaved client
lost a line, got someone else's, or got a mangled one.
"""
import socket
import sys
import threading
import time

host, port, clients, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
deadline = time.monotonic() + seconds
lock = threading.Lock()
lines = 0
errors = []
hostile = 0


def good(i):
    global lines
    try:
        s = socket.create_connection((host, port), timeout=30)
        f = s.makefile("rb")
        n = 0
        while time.monotonic() < deadline:
            msg = f"client {i} line {n} {'x' * (n % 97)}\n".encode()
            s.sendall(msg)
            got = f.readline()
            if got != msg:
                with lock:
                    errors.append(f"client {i}: sent {msg!r} got {got!r}")
                return
            n += 1
        s.close()
        with lock:
            lines += n
    except OSError as e:
        with lock:
            errors.append(f"client {i}: {e}")


def bad(kind):
    global hostile
    held = []
    while time.monotonic() < deadline:
        try:
            s = socket.create_connection((host, port), timeout=5)
            if kind == "garbage":
                s.sendall(bytes(range(256)) * 4 + b"\n")
                s.close()
            elif kind == "long":
                s.sendall(b"y" * 100_000)
                s.close()
            elif kind == "early":
                s.sendall(b"War and Peace\n")
                s.close()
            elif kind == "slow":  # sends, never reads: its echoes pile up
                s.setblocking(False)
                try:
                    s.sendall(b"never read me\n" * 10_000)
                except OSError:
                    pass
                held.append(s)
                if len(held) > 5:
                    held.pop(0).close()
            with lock:
                hostile += 1
        except OSError:
            pass
        time.sleep(0.01)
    for s in held:
        s.close()


threads = [threading.Thread(target=good, args=(i,)) for i in range(clients)]
threads += [threading.Thread(target=bad, args=(k,)) for k in ("garbage", "long", "early", "slow")]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"lines {lines} errors {len(errors)} hostile {hostile}")
for e in errors[:5]:
    print(e)
sys.exit(1 if errors or lines == 0 else 0)
