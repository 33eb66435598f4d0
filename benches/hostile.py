#!/usr/bin/env python3
"""Hostile inputs for the matcher (issue 12, item 5): wall time and peak memory of
`ieval score` on documents whose mentions all overlap or repeat.

Generates into a temporary directory:

1. entities: one document, 5,000 gold x 5,000 predicted entities, every gold mention
   overlapping every prediction (nested spans around one point, 25 million candidate
   pairs; ~200 KB of JSONL each side);
   entities-identical: 16,000 gold and 16,000 predicted mentions on one span (every 10th
   prediction with another label);
2. triggers: one document, 16,000 gold and 16,000 predicted events on one identical
   trigger (same span and type), each with one argument (every 10th prediction has
   another type, every 7th another role);
3. brat: a BRAT document with 20,000 events on one trigger, each with a Target argument
   on its own mention of one entity, all 20,000 mentions in one coreference chain
   (`*\tEquiv`); the prediction drops every 7th event and gives every 10th the role
   Place. Scored with `--head --coref --realis` and with the default options.

Runs `ieval score` on each (one process at a time) and prints wall time and the peak
resident set size of the child (resource.getrusage(RUSAGE_CHILDREN), so each run is
measured in a fresh Python child of its own). Usage:

    python3 benches/hostile.py [--ieval target/release/ieval] [--limit-mb 300] [--limit-s 10]

Exit status 1 when a run fails or exceeds a limit (0 limits: report only).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def write_entities(d):
    n = 5000
    text = "a" * (2 * n + 1)
    gold = [{"id": f"G{i}", "start": i, "end": 2 * n + 1 - i, "label": "ORG" if i % 2 else "PER"} for i in range(n)]
    pred = [
        {"id": f"P{j}", "start": j + 1, "end": 2 * n - j, "label": "ORG" if j % 3 == 0 else "PER"} for j in range(n)
    ]
    for name, ents in (("gold", gold), ("pred", pred)):
        with open(os.path.join(d, f"{name}.jsonl"), "w") as f:
            f.write(json.dumps({"doc_id": "d1", "text": text, "entities": ents, "events": []}) + "\n")
    return ["--gold", os.path.join(d, "gold.jsonl"), "--pred", "sys=" + os.path.join(d, "pred.jsonl")]


def write_identical(d):
    n = 16000
    text = "Rebels attacked the town ."
    for name, label in (("gold", lambda k: "ORG"), ("pred", lambda k: "PER" if k % 10 == 0 else "ORG")):
        ents = [{"id": f"T{k}", "start": 0, "end": 6, "label": label(k)} for k in range(n)]
        with open(os.path.join(d, f"{name}.jsonl"), "w") as f:
            f.write(json.dumps({"doc_id": "d1", "text": text, "entities": ents, "events": []}) + "\n")
    return ["--gold", os.path.join(d, "gold.jsonl"), "--pred", "sys=" + os.path.join(d, "pred.jsonl")]


def write_triggers(d):
    n = 16000
    text = "Rebels attacked the town ."
    trig = {"start": 7, "end": 15, "text": "attacked"}

    def ev(k, pred):
        ty = "Conflict:Demonstrate" if pred and k % 10 == 0 else "Conflict:Attack"
        role = "Place" if pred and k % 7 == 0 else "Attacker"
        arg = {"role": role, "start": 0, "end": 6, "text": "Rebels"}
        return {"id": f"E{k}", "type": ty, "trigger": trig, "arguments": [arg]}

    for name, pred in (("gold", False), ("pred", True)):
        doc = {"doc_id": "d1", "text": text, "entities": [], "events": [ev(k, pred) for k in range(n)]}
        with open(os.path.join(d, f"{name}.jsonl"), "w") as f:
            f.write(json.dumps(doc) + "\n")
    return ["--gold", os.path.join(d, "gold.jsonl"), "--pred", "sys=" + os.path.join(d, "pred.jsonl")]


def write_brat(d):
    n = 20000
    head = "Rebels attacked the town."
    text = head + " The town." * n
    # Mention k (0-based) of "town": in " The town." number k.
    starts = [len(head) + 10 * k + 5 for k in range(n)]
    for name, pred in (("gold", False), ("pred", True)):
        sub = os.path.join(d, name)
        os.makedirs(sub)
        with open(os.path.join(sub, "doc.txt"), "w") as f:
            f.write(text)
        lines = ["T1\tAttack 7 15\tattacked"]
        lines += [f"T{k + 2}\tLOC {s} {s + 4}\ttown" for k, s in enumerate(starts)]
        lines.append("*\tEquiv " + " ".join(f"T{k + 2}" for k in range(n)))
        e = 0
        for k in range(n):
            if pred and k % 7 == 3:
                continue
            role = "Place" if pred and k % 10 == 0 else "Target"
            e += 1
            lines.append(f"E{e}\tAttack:T1 {role}:T{k + 2}")
        with open(os.path.join(sub, "doc.ann"), "w") as f:
            f.write("\n".join(lines) + "\n")
    return ["--gold", os.path.join(d, "gold"), "--pred", "sys=" + os.path.join(d, "pred")]


MEASURE = r"""
import json, resource, subprocess, sys, time
timeout = float(sys.argv[1])
t = time.monotonic()
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
try:
    out, err = p.communicate(timeout=timeout)
    rc = p.returncode
except subprocess.TimeoutExpired:
    p.kill()
    out, err = p.communicate()
    rc, err = None, b"timed out after %.0f s" % timeout
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux, killed children too
print(json.dumps({"rc": rc, "wall": wall, "rss_kib": rss, "stdout": out.decode(), "stderr": err.decode()[-2000:]}))
"""


def measure(cmd, timeout):
    out = subprocess.run([sys.executable, "-c", MEASURE, str(timeout)] + cmd, stdout=subprocess.PIPE)
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ieval", default="target/release/ieval")
    ap.add_argument("--limit-mb", type=float, default=300.0)
    ap.add_argument("--limit-s", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=120.0, help="give up on a run after this many seconds")
    ap.add_argument("--only", help="comma-separated case names")
    args = ap.parse_args()
    bad = False
    with tempfile.TemporaryDirectory(prefix="ieval-hostile-") as tmp:
        cases = []
        for name, write, extra in (
            ("entities", write_entities, []),
            ("entities-identical", write_identical, []),
            ("triggers", write_triggers, ["--task", "events"]),
            ("brat-head-coref-realis", write_brat, ["--task", "events", "--head", "--coref", "--realis"]),
            ("brat-default", write_brat, ["--task", "events"]),
        ):
            if args.only and name not in args.only.split(","):
                continue
            d = os.path.join(tmp, name)
            os.makedirs(d)
            inputs = write(d)
            size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
            cases.append((name, inputs + extra, size))
        print(f"{'case':<24} {'input':>9} {'wall s':>8} {'peak RSS MB':>12}  result")
        for name, cmd_args, size in cases:
            cmd = [args.ieval, "score"] + cmd_args + ["--format", "json"]
            r = measure(cmd, args.timeout)
            rss_mb = r["rss_kib"] / 1024
            if r["rc"] == 0:
                v = json.loads(r["stdout"])
                summary = "ok"
                if v:
                    s = v["systems"][0]
                    if s.get("entities"):
                        summary = "strict F1 %.4f" % (s["entities"]["strict"]["micro"]["f1"] or 0)
                    if s.get("events"):
                        summary = " ".join(
                            "%s %.4f" % (m, s["events"][m]["micro"]["f1"] or 0) for m in ("TI", "TC", "AI", "AC")
                        )
            else:
                summary = "FAILED (%s): %s" % (r["rc"], r["stderr"].strip()[-200:])
                bad = True
            over = (args.limit_s and r["wall"] > args.limit_s) or (args.limit_mb and not rss_mb <= args.limit_mb)
            bad |= bool(over)
            print(
                f"{name:<24} {size / 1024:>7.0f}KB {r['wall']:>8.2f} {rss_mb:>12.1f}  {summary}{'  OVER LIMIT' if over else ''}",
                flush=True,
            )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
