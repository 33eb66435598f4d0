#!/usr/bin/env python3
"""In-process benchmark of the Python package: ieval against seqeval 1.2.2 and nervaluate
1.2.1 in one Python process, on the token-tag sequences of the generated 1M-token CoNLL file
(benches/side_by_side.py's generator, same seed).

    python3 benches/python_inprocess.py [--tokens 1000000] [--runs 3] [--out out/bench]

Needs the extension built (release: `cd python && maturin develop --release`), seqeval and
nervaluate. Pairs, each given the same `list[list[str]]` already in memory:
  ieval.seqeval.classification_report      vs seqeval.metrics.classification_report
  ieval.nervaluate.Evaluator(...).evaluate  vs nervaluate.Evaluator(...).evaluate (list loader)
  ieval.score(..., profile="nervaluate")    vs nervaluate.Evaluator(...).evaluate
(the last when `ieval.score` takes token-tag sequences). Every pair must agree (report text,
results) or the script fails.

Time: the median wall time of --runs runs (after one untimed warm-up run). Memory, measured
in separate runs before the timed ones:
  - Python heap peak: tracemalloc's peak during the call (Python allocations only; the Rust
    side's heap is invisible to it);
  - RSS growth: ru_maxrss after the call minus the resident size just before it (the whole
    process, Rust heap included). ru_maxrss is a high-water mark, so the tools run from the
    smallest to the largest expected footprint; a call that does not raise the process's
    earlier peak is reported as "<= N" (an upper bound).
Results go to OUT/python_inprocess.json.
"""
import argparse
import gc
import importlib.util
import json
import os
import pathlib
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc

HERE = pathlib.Path(__file__).resolve().parent
LABELS = ["PER", "LOC", "ORG", "MISC"]


def load_generator():
    spec = importlib.util.spec_from_file_location("side_by_side", HERE / "side_by_side.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


def read(path):
    """`token gold pred` lines into (y_true, y_pred), sentences split at blank lines."""
    t, p, ts, ps = [], [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                if ts:
                    t.append(ts)
                    p.append(ps)
                    ts, ps = [], []
                continue
            if parts[0] == "-DOCSTART-":
                continue
            ts.append(parts[1])
            ps.append(parts[2])
    if ts:
        t.append(ts)
        p.append(ps)
    return t, p


def rss_now_kib():
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def memory(fn):
    """(tracemalloc peak MiB, RSS growth MiB, exact?) of one call."""
    gc.collect()
    before_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    before = rss_now_kib()
    fn()
    after_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    exact = after_peak > before_peak
    growth = (after_peak - before) / 1024.0
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, max(growth, 0.0), exact


def timing(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def norm_nervaluate(results):
    """Comparable form of Evaluator.evaluate() (class names aside)."""
    import dataclasses

    def n(x):
        if dataclasses.is_dataclass(x):
            return [(k, n(v)) for k, v in vars(x).items()]
        if isinstance(x, dict):
            return sorted((k, n(v)) for k, v in x.items())
        if isinstance(x, list):
            return [n(v) for v in x]
        return x

    return n(results)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default="out/bench")
    args = ap.parse_args()

    import ieval
    import ieval.nervaluate
    import ieval.seqeval
    import nervaluate
    import seqeval.metrics

    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "bench.conll"
        n = load_generator()(path, args.tokens)
        y_true, y_pred = read(path)
    print(f"{n} tokens, {len(y_true)} sentences", flush=True)

    def ieval_seqeval():
        return ieval.seqeval.classification_report(y_true, y_pred, digits=4)

    def ref_seqeval():
        return seqeval.metrics.classification_report(y_true, y_pred, digits=4)

    def ieval_nervaluate():
        return ieval.nervaluate.Evaluator(y_true, y_pred, LABELS, loader="list").evaluate()

    def ref_nervaluate():
        return nervaluate.Evaluator(y_true, y_pred, LABELS, loader="list").evaluate()

    def ieval_score():
        return ieval.score(y_true, y_pred, profile="nervaluate").to_dict()

    pairs = [("seqeval classification_report", ieval_seqeval, ref_seqeval),
             ("nervaluate Evaluator.evaluate", ieval_nervaluate, ref_nervaluate)]
    try:
        ieval_score()
        pairs.append(("ieval.score(profile='nervaluate') vs nervaluate", ieval_score, ref_nervaluate))
    except Exception as e:  # noqa: BLE001 - reported, the other pairs still run
        print(f"ieval.score on token-tag sequences unavailable here: {type(e).__name__}: {e}", flush=True)

    # Agreement first.
    if ieval_seqeval() != ref_seqeval():
        raise SystemExit("ieval.seqeval and seqeval disagree")
    if norm_nervaluate(ieval_nervaluate()) != norm_nervaluate(ref_nervaluate()):
        raise SystemExit("ieval.nervaluate and nervaluate disagree")

    # Memory: smallest footprints first (see the docstring).
    mem = {}
    order = [p[1] for p in pairs] + [ref_seqeval, ref_nervaluate]
    for fn in order:
        if fn.__name__ not in mem:
            mem[fn.__name__] = memory(fn)
            print(f"memory {fn.__name__}: tracemalloc peak {mem[fn.__name__][0]:.1f} MiB, "
                  f"RSS growth {'' if mem[fn.__name__][2] else '<= '}{mem[fn.__name__][1]:.1f} MiB", flush=True)

    rows = []
    times = {}
    for fn in order:
        if fn.__name__ not in times:
            times[fn.__name__] = timing(fn, args.runs)
            print(f"time {fn.__name__}: {times[fn.__name__][0]:.3f} s", flush=True)
    for name, ours, theirs in pairs:
        (t_o, _), (t_t, _) = times[ours.__name__], times[theirs.__name__]
        m_o, m_t = mem[ours.__name__], mem[theirs.__name__]
        rows.append({
            "task": name,
            "ieval": ours.__name__, "reference": theirs.__name__,
            "ieval_s": round(t_o, 4), "reference_s": round(t_t, 4), "speedup": round(t_t / t_o, 1),
            "ieval_tracemalloc_mib": round(m_o[0], 1), "reference_tracemalloc_mib": round(m_t[0], 1),
            "ieval_rss_growth_mib": round(m_o[1], 1), "ieval_rss_exact": m_o[2],
            "reference_rss_growth_mib": round(m_t[1], 1), "reference_rss_exact": m_t[2],
        })

    print()
    print("| task | ieval (s) | reference (s) | speed-up | Python heap peak ieval / ref (MiB) | RSS growth ieval / ref (MiB) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        le = "" if r["ieval_rss_exact"] else "<= "
        lr = "" if r["reference_rss_exact"] else "<= "
        print(f"| {r['task']} | {r['ieval_s']:.3f} | {r['reference_s']:.3f} | {r['speedup']:.1f}x | "
              f"{r['ieval_tracemalloc_mib']:.1f} / {r['reference_tracemalloc_mib']:.1f} | "
              f"{le}{r['ieval_rss_growth_mib']:.1f} / {lr}{r['reference_rss_growth_mib']:.1f} |")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "python_inprocess.json").write_text(json.dumps({
        "tokens": n, "sentences": len(y_true), "runs": args.runs, "python": sys.version.split()[0],
        "machine": platform.machine(), "cpus": os.cpu_count(), "rows": rows,
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
