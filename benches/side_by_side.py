#!/usr/bin/env python3
"""Side-by-side benchmark: ieval against the anchor tools, as whole processes, on one
generated CoNLL file.

    python3 benches/side_by_side.py [--tokens 1000000] [--runs 3] [--warmup 1] [--ieval target/release/ieval]
                                    [--conlleval PATH] [--out out/bench]

Generates a `token gold pred` file (IOB2, -DOCSTART- documents, seeded), then times
  ieval score (default profile: four modes, per label, averages),
  conlleval.pl (the original Perl script; extracted from the seqeval 1.2.2 sdist when
  --conlleval is not given: `pip download --no-deps --no-binary :all: seqeval==1.2.2`),
  seqeval 1.2.2 classification_report (reading the file in Python, as a user does),
  nervaluate 1.2.1 Evaluator (list loader, all four strategies),
each --runs times after --warmup untimed runs, reporting the median wall time, the CPU time (user + system)
and the peak resident memory of each process, and the ratio of every tool's time to ieval's. The tools' strict F1 must agree,
or the script fails. Results go to OUT/side_by_side.json.
"""
import argparse
import json
import os
import pathlib
import random
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

LABELS = ["PER", "LOC", "ORG", "MISC"]
WORDS = [w for w in "the a of to in and said on for was with by at from its is that as has have his were be".split()]


def generate(path, n_tokens, seed=13):
    """A CoNLL file with ~n_tokens tokens: documents of ~30 sentences of ~14 tokens, an
    entity on ~1 token in 7, predictions that keep, relabel, shift, drop or invent some."""
    rng = random.Random(seed)
    written = 0
    doc = 0
    with open(path, "w", encoding="utf-8") as f:
        while written < n_tokens:
            doc += 1
            f.write("-DOCSTART- O O\n\n")
            for _ in range(30):
                n = rng.randint(6, 22)
                gold = ["O"] * n
                pred = ["O"] * n
                toks = [rng.choice(WORDS) for _ in range(n)]
                i = 0
                while i < n:
                    if rng.random() < 0.09:
                        ln = min(rng.choice([1, 1, 2, 2, 3]), n - i)
                        lab = rng.choice(LABELS)
                        for k in range(ln):
                            gold[i + k] = ("B-" if k == 0 else "I-") + lab
                            toks[i + k] = toks[i + k].capitalize() + str(doc % 97)
                        r = rng.random()
                        if r < 0.80:
                            plab, ps, pl = lab, i, ln
                        elif r < 0.88:
                            plab, ps, pl = rng.choice(LABELS), i, ln
                        elif r < 0.94:
                            plab, ps, pl = lab, i, max(1, ln - 1) if ln > 1 else 1
                            if ln == 1 and i + 1 < n and gold[i + 1] == "O":
                                pl = 2
                        else:
                            plab, ps, pl = None, i, 0
                        if plab:
                            for k in range(pl):
                                if ps + k < n:
                                    pred[ps + k] = ("B-" if k == 0 else "I-") + plab
                        i += ln + 1
                    else:
                        if rng.random() < 0.004:
                            pred[i] = "B-" + rng.choice(LABELS)
                        i += 1
                for t, g, p in zip(toks, gold, pred):
                    f.write(f"{t} {g} {p}\n")
                f.write("\n")
                written += n
    return written


def timed(cmd, stdin_path=None):
    """Wall time and peak RSS (MiB) of one child process; stdout returned."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    with open(stdin_path, "rb") if stdin_path else open(os.devnull, "rb") as fin:
        out = subprocess.run(cmd, stdin=fin, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {out.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all children so far: measure each tool in a
    # fresh wrapper so the number is its own.
    return dt, peak, before, out.stdout


def measure(cmd, stdin_path=None):
    """Run under a tiny wrapper that reports the child's own peak RSS."""
    wrapper = [sys.executable, "-c", (
        "import resource,subprocess,sys,time\n"
        "t=time.perf_counter()\n"
        "fin=open(sys.argv[1],'rb') if sys.argv[1] else None\n"
        "p=subprocess.run(sys.argv[2:],stdin=fin,stdout=subprocess.PIPE,stderr=subprocess.PIPE)\n"
        "dt=time.perf_counter()-t\n"
        "u=resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "sys.stdout.buffer.write(p.stdout)\n"
        "sys.stderr.write('\\n@@%f %d %d %f\\n'%(dt,u.ru_maxrss,p.returncode,u.ru_utime+u.ru_stime))\n"
    ), stdin_path or ""] + cmd
    out = subprocess.run(wrapper, capture_output=True, text=True)
    tail = out.stderr.strip().rsplit("@@", 1)[-1].split()
    dt, rss_kib, rc, cpu = float(tail[0]), int(tail[1]), int(tail[2]), float(tail[3])
    if rc != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed:\n{out.stderr[-3000:]}")
    return dt, rss_kib / 1024.0, out.stdout, cpu


SEQEVAL = r"""
import sys
from seqeval.metrics import classification_report
def read(path):
    t, p, ts, ps = [], [], [], []
    for line in open(path, encoding='utf-8'):
        parts = line.split()
        if not parts:
            if ts: t.append(ts); p.append(ps); ts, ps = [], []
            continue
        if parts[0] == '-DOCSTART-': continue
        ts.append(parts[1]); ps.append(parts[2])
    if ts: t.append(ts); p.append(ps)
    return t, p
t, p = read(sys.argv[1])
r = classification_report(t, p, output_dict=True, zero_division=0)
print(r['micro avg']['f1-score'])
"""

NERVALUATE = r"""
import sys
from nervaluate import Evaluator
def read(path):
    t, p, ts, ps = [], [], [], []
    for line in open(path, encoding='utf-8'):
        parts = line.split()
        if not parts:
            if ts: t.append(ts); p.append(ps); ts, ps = [], []
            continue
        if parts[0] == '-DOCSTART-': continue
        ts.append(parts[1]); ps.append(parts[2])
    if ts: t.append(ts); p.append(ps)
    return t, p
t, p = read(sys.argv[1])
r = Evaluator(t, p, tags=['PER', 'LOC', 'ORG', 'MISC'], loader='list').evaluate()
print(r['overall']['strict'].f1)
"""


def find_conlleval(given, work):
    if given:
        return given
    d = pathlib.Path(work) / "sdist"
    d.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                    "seqeval==1.2.2", "-d", str(d)], check=True)
    with tarfile.open(d / "seqeval-1.2.2.tar.gz") as tf:
        tf.extract("seqeval-1.2.2/tests/conlleval.pl", d, filter="data")
    return str(d / "seqeval-1.2.2/tests/conlleval.pl")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed runs of each tool first (page cache, binaries), as hyperfine --warmup")
    ap.add_argument("--ieval", default="target/release/ieval")
    ap.add_argument("--conlleval")
    ap.add_argument("--out", default="out/bench")
    ap.add_argument("--skip", default="", help="comma-separated tools to skip")
    a = ap.parse_args()
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    data = out / f"generated_{a.tokens}.conll"
    if not data.exists():
        n = generate(data, a.tokens)
        print(f"generated {data} ({n} tokens, {data.stat().st_size / 1e6:.1f} MB)")
    work = tempfile.mkdtemp()
    tools = {
        "ieval": ([a.ieval, "score", "--gold", str(data), "--tag-cols", "1-", "--names", "gold,sys", "--format", "json", "--quiet"], None),
        "conlleval.pl": (["perl", find_conlleval(a.conlleval, work)], str(data)),
        "seqeval": ([sys.executable, "-c", SEQEVAL, str(data)], None),
        "nervaluate": ([sys.executable, "-c", NERVALUATE, str(data)], None),
    }
    skip = set(filter(None, a.skip.split(",")))
    results = {}
    for name, (cmd, stdin) in tools.items():
        if name in skip:
            continue
        times, rss, cpus, f1 = [], [], [], None
        for _ in range(a.warmup):
            measure(cmd, stdin)
        for _ in range(a.runs):
            dt, mb, stdout, cpu = measure(cmd, stdin)
            times.append(dt)
            rss.append(mb)
            cpus.append(cpu)
            if name == "ieval":
                f1 = json.loads(stdout)["systems"][0]["entities"]["strict"]["micro"]["f1"]
            elif name == "conlleval.pl":
                import re
                f1 = float(re.search(r"FB1:\s+([\d.]+)", stdout).group(1)) / 100
            else:
                f1 = float(stdout.strip())
        results[name] = {"median_s": statistics.median(times), "runs_s": times, "median_cpu_s": statistics.median(cpus),
                         "cpu_s": cpus, "peak_rss_mib": max(rss), "strict_f1": f1}
        print(f"{name:13s} median {statistics.median(times):8.3f} s (runs {min(times):.3f}-{max(times):.3f})   "
              f"CPU {statistics.median(cpus):7.3f} s (runs {min(cpus):.3f}-{max(cpus):.3f})   "
              f"peak RSS {max(rss):7.1f} MiB   strict F1 {100 * f1:.2f}")
    f1s = {round(100 * r["strict_f1"], 2) for r in results.values()}
    if len(f1s) != 1:
        raise SystemExit(f"the tools disagree on strict F1: {f1s}")
    base = results["ieval"]["median_s"]
    print()
    for name, r in results.items():
        if name != "ieval":
            r["ratio_to_ieval"] = r["median_s"] / base
            # The spread: this tool's median against each of ieval's runs.
            each = [r["median_s"] / t for t in results["ieval"]["runs_s"]]
            print(f"{name:13s} takes {r['ratio_to_ieval']:7.1f}x ieval's time (against single ieval runs: "
                  f"{min(each):.1f}-{max(each):.1f}x)")
    fastest = min((r["median_s"] for n, r in results.items() if n != "ieval"), default=None)
    summary = {
        "tokens": a.tokens,
        "file_bytes": data.stat().st_size,
        "runs": a.runs,
        "warmup": a.warmup,
        "results": results,
        "speedup_vs_fastest_anchor": (fastest / base) if fastest else None,
        "machine": os.uname().machine,
        "cpus": os.cpu_count(),
    }
    (out / "side_by_side.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nieval vs the fastest anchor tool: {summary['speedup_vs_fastest_anchor']:.1f}x; peak RSS {results['ieval']['peak_rss_mib']:.1f} MiB")


if __name__ == "__main__":
    main()
