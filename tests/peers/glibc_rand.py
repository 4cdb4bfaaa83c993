#!/usr/bin/env python3
"""An independent oracle for the FIFO pair: glibc's rand() re-implemented
(the TYPE_3 additive feedback generator behind an unseeded rand(), i.e.
srand(1)), and the writer's stream: per loop 16 x 4 ints, then one draw for
the pause. Prints "ints primes" for LOOPS loops (default 12000).

    glibc_rand.py [LOOPS]        ->  768000 37682
"""
import sys
from collections import deque


def glibc_rand(seed=1):
    r = [seed]
    for i in range(1, 31):
        r.append((16807 * r[i - 1]) % 2147483647)
    for i in range(31, 34):
        r.append(r[i - 31])
    for i in range(34, 344):
        r.append((r[i - 31] + r[i - 3]) & 0xFFFFFFFF)
    window = deque(r[-34:], maxlen=34)   # r[i-34] .. r[i-1]
    while True:
        v = (window[-31] + window[-3]) & 0xFFFFFFFF
        window.append(v)
        yield v >> 1


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    i = 3
    while i * i <= n:
        if n % i == 0:
            return False
        i += 2
    return True


loops = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
gen = glibc_rand()
ints = primes = 0
for _ in range(loops):
    for _ in range(64):
        ints += 1
        primes += is_prime(next(gen))
    next(gen)  # the pause's draw
print(ints, primes)
