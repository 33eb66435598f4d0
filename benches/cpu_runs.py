#!/usr/bin/env python3
"""CPU time of ieval binaries on one CoNLL file, runs alternated (for comparing builds).

    python3 benches/cpu_runs.py FILE BINARY [BINARY ...] [--runs 30] [--jobs N]

Runs `BINARY score --gold FILE --tag-cols 1- --names gold,sys --format json --quiet`
(with `--jobs N` when given) for each binary in turn, --runs times, and prints per binary
the minimum, first quartile and median of the CPU time (user + system, from wait4) and the
median wall time. The outputs of all binaries must be byte-identical, or the script fails.
Alternating the binaries spreads the machine's drift over all of them.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--jobs", type=int)
    a = ap.parse_args()
    args = ["score", "--gold", a.file, "--tag-cols", "1-", "--names", "gold,sys", "--format", "json", "--quiet"]
    if a.jobs:
        args += ["--jobs", str(a.jobs)]
    outputs = {b: subprocess.run([b] + args, check=True, capture_output=True).stdout for b in a.binaries}
    if len(set(outputs.values())) != 1:
        sys.exit("the binaries' outputs differ")
    cpu = {b: [] for b in a.binaries}
    wall = {b: [] for b in a.binaries}
    for _ in range(a.runs):
        for b in a.binaries:
            t = time.perf_counter()
            p = subprocess.Popen([b] + args, stdout=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            wall[b].append(time.perf_counter() - t)
            if status != 0:
                sys.exit(f"{b} failed")
            cpu[b].append((ru.ru_utime + ru.ru_stime) * 1000)
    for b in a.binaries:
        v = sorted(cpu[b])
        print(f"{b}: CPU min {v[0]:.1f} ms, p25 {v[len(v) // 4]:.1f} ms, median {statistics.median(v):.1f} ms; "
              f"wall median {statistics.median(wall[b]) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
