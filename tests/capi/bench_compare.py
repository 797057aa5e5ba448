#!/usr/bin/env python3
"""bench_compare.py C_BENCH GO_TEST_BINARY [ROUNDS]

Alternates the C-ABI benchmark (tests/capi/bench.c) and the Go-API benchmark
(capi/ffi_bench_test.go, BenchmarkGoAPI/batch) for several rounds and compares a batch of 1000
queries both ways: the fastest wall time of each side, and the median CPU time (user + system of
all threads), which other load on the machine disturbs much less than wall time.
"""
import re
import statistics
import subprocess
import sys

cbench, gotest = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
c_wall, c_cpu, g_wall, g_cpu = {}, {}, {}, {}
c_re = re.compile(r"^(\w+): batch of 1000 queries via C ABI: median [\d.]+ ms \(min ([\d.]+) ms.*cpu median ([\d.]+) ms")
g_re = re.compile(r"^BenchmarkGoAPI/batch1000/(\w+)-\d+\s+\d+\s+([\d.]+) ns/op\s+([\d.]+) cpu-ms/op")
for _ in range(rounds):
    out = subprocess.run([cbench], check=True, capture_output=True, text=True).stdout
    sys.stdout.write(out)
    for line in out.splitlines():
        m = c_re.match(line)
        if m:
            c_wall.setdefault(m[1], []).append(float(m[2]))
            c_cpu.setdefault(m[1], []).append(float(m[3]))
    out = subprocess.run([gotest, "-test.run", "^$", "-test.bench", "BenchmarkGoAPI/batch",
                          "-test.benchtime", "1x", "-test.count", "7"],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = g_re.match(line)
        if m:
            g_wall.setdefault(m[1], []).append(float(m[2]) / 1e6)
            g_cpu.setdefault(m[1], []).append(float(m[3]))

print(f"batch of 1000 queries, {rounds} alternating rounds:")
for name in c_wall:
    if name not in g_wall:
        continue
    cw, gw = min(c_wall[name]), min(g_wall[name])
    cc, gc = statistics.median(c_cpu[name]), statistics.median(g_cpu[name])
    print(f"  {name:12s} wall (fastest): C ABI {cw:8.2f} ms  Go API {gw:8.2f} ms  C/Go {cw / gw:.3f}")
    print(f"  {name:12s} cpu (median):   C ABI {cc:8.2f} ms  Go API {gc:8.2f} ms  C/Go {cc / gc:.3f}")
