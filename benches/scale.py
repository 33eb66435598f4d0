#!/usr/bin/env python3
"""Scale benchmark: a generated news corpus converted and scored at several sizes.

    python3 benches/scale.py generate --docs 100000 --out /tmp/scale/100k
    python3 benches/scale.py run --ieval target/release/ieval --sizes 100000,300000,1000000 \
        --work /tmp/scale [--keep]

`generate` writes three ieval JSONL files, streamed (constant memory), seeded (the same
files for the same --docs and --seed):
  gold.jsonl   every article: ~5 KB of text, 20 entity mentions (PER/ORG/LOC/MISC, some
               with non-ASCII names), 3 events (Attack, Meet, Elect, Transport, Die) with
               2-3 arguments each, and metadata (split, source, published date);
  sys_a.jsonl  a system: the gold with ~10% of mentions dropped, ~5% relabelled, ~5% with a
               shifted boundary, 2 spurious mentions; events with a dropped argument, a
               wrong role, a missed event now and then;
  sys_b.jsonl  a weaker system (twice the noise).
Offsets are code points (the ieval JSONL convention).

`run` generates each size (unless present; with --source DIR, the first N lines of the files
generated there for a larger size: the same documents, as the generator is sequential),
then times with /usr/bin/time -v:
  ieval convert gold.jsonl --pred sys_a=sys_a.jsonl --pred sys_b=sys_b.jsonl --out corpus
  ieval score --gold corpus --task all --format json --output scores.json
and prints a Markdown table (seconds, peak RSS, documents per second) for BENCHMARKS.md.
Generated data is removed after each size unless --keep.

`pairs` measures entity pairs a second on the same documents in two layouts, whole
process, runs interleaved (`--runs N`, each binary given by --ieval, repeatable, e.g. a
baseline build and the current one):

    python3 benches/scale.py pairs --corpus /tmp/scale/50k/corpus --conll /tmp/scale/50k.conll \
        --ieval /tmp/ieval-base --ieval target/release/ieval --runs 3

  parquet  ieval score --gold CORPUS --task entities --format json
  conll    ieval score --gold FILE.conll --tag-cols 1- --names gold,sys_a,sys_b --format json
(the CoNLL file is `ieval convert CORPUS --to conll --out FILE.conll`). Pairs a second are
gold plus predicted mentions of one system (from the JSON's strict counts), averaged over
the systems, divided by the wall time; CPU time is user + system of the child.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

WORDS = (
    "the a of to in and for on with by at from as is was were has had said will would "
    "government officials minister police report market shares company city week year "
    "people council talks plan deal country border army election vote court trial budget "
    "economy bank prices energy oil gas power water health hospital school students "
    "workers union strike protest crowd statement agency spokesman leader party support "
    "after before during while since under over against between about into across "
    "new old major local national regional international early late first last second "
    "announced reported confirmed denied expected agreed warned told added described"
).split()

PEOPLE = ["Maria Lopez", "John Smith", "Chen Wei", "Amina Yusuf", "José Álvarez", "Olga Petrova",
          "Kwame Mensah", "Søren Kierkegaard", "Fatima Zahra", "Hiroshi Tanaka", "Ana Sousa",
          "Pierre Dubois", "Ngozi Okafor", "Lars Eriksson", "Zoë Martin", "Raj Patel"]
ORGS = ["United Nations", "World Bank", "Reuters", "Acme Corp", "Red Cross", "NATO",
        "Ministry of Health", "Central Bank", "Siemens", "Université Laval", "Greenpeace",
        "European Commission", "Toyota", "Oxfam", "FIFA", "BBC"]
PLACES = ["Paris", "Lagos", "Kyiv", "São Paulo", "Tokyo", "Nairobi", "Berlin", "Montréal",
          "Jakarta", "Cairo", "Lima", "Oslo", "Dhaka", "Madrid", "Seoul", "Zürich"]
MISC = ["Olympics", "Brexit", "COVID-19", "Euro", "Ramadan", "World Cup", "G20", "Nobel Prize"]
LABELS = [("PER", PEOPLE), ("ORG", ORGS), ("LOC", PLACES), ("MISC", MISC)]
EVENTS = [
    ("Conflict:Attack", ["attacked", "bombed", "struck"], ["Attacker", "Target", "Place"]),
    ("Contact:Meet", ["met", "talks", "summit"], ["Entity", "Entity", "Place"]),
    ("Personnel:Elect", ["elected", "voted", "won"], ["Person", "Entity", "Place"]),
    ("Movement:Transport", ["travelled", "arrived", "moved"], ["Artifact", "Destination", "Origin"]),
    ("Life:Die", ["died", "killed", "passed"], ["Victim", "Place", "Agent"]),
]
SOURCES = ["Reuters", "AP", "AFP", "BBC News", "Le Monde"]
SPLITS = ["train"] * 8 + ["dev", "test"]


def filler(rng, n):
    return " ".join(rng.choices(WORDS, k=n))


def article(rng, i):
    """One document: text, 20 mentions, 3 events (offsets in code points)."""
    parts = []
    pos = 0
    mentions = []
    triggers = []

    def add(s):
        nonlocal pos
        parts.append(s)
        pos += len(s)

    title = filler(rng, 8).capitalize()
    add(title + ".\n")
    # 48 sentences of ~105 characters; 20 carry a mention, 3 an event trigger.
    mention_slots = set(rng.sample(range(48), 20))
    trigger_slots = set(rng.sample(sorted(set(range(48)) - mention_slots), 3))
    for k in range(48):
        add(filler(rng, 7).capitalize() + " ")
        if k in mention_slots:
            label, names = rng.choice(LABELS)
            name = rng.choice(names)
            mentions.append({"id": f"T{len(mentions) + 1}", "start": pos, "end": pos + len(name), "label": label})
            add(name + " ")
        if k in trigger_slots:
            etype, words, roles = rng.choice(EVENTS)
            w = rng.choice(words)
            triggers.append((etype, roles, pos, pos + len(w)))
            add(w + " ")
        add(filler(rng, 8) + ".")
        add("\n" if k % 8 == 7 else " ")
    text = "".join(parts)
    events = []
    for n, (etype, roles, s, e) in enumerate(triggers):
        args = []
        for role, m in zip(roles[: rng.randint(2, 3)], rng.sample(mentions, 3)):
            args.append({"role": role, "entity_id": m["id"], "start": m["start"], "end": m["end"]})
        events.append({"id": f"E{n + 1}", "type": etype, "trigger": {"start": s, "end": e}, "arguments": args})
    y, m, d = 2019 + rng.randrange(6), 1 + rng.randrange(12), 1 + rng.randrange(28)
    return {
        "doc_id": f"news-{i:07d}",
        "text": text,
        "title": title,
        "source": rng.choice(SOURCES),
        "published": f"{y:04d}-{m:02d}-{d:02d}",
        "split": rng.choice(SPLITS),
        "entities": mentions,
        "events": events,
    }


WORD_RE = re.compile(r"[a-z]+")


def system(rng, doc, noise):
    """A system's output for `doc`: the gold with `noise`-scaled errors."""
    text = doc["text"]
    ents = []
    for m in doc["entities"]:
        r = rng.random()
        if r < 0.10 * noise:
            continue  # missed
        m = dict(m)
        if r < 0.15 * noise:
            m["label"] = rng.choice([l for l, _ in LABELS if l != m["label"]])
        elif r < 0.20 * noise and m["end"] - m["start"] > 3:
            m["end"] -= 2  # a boundary error
        ents.append(m)
    for _ in range(int(2 * noise)):
        w = WORD_RE.search(text, rng.randrange(len(text) // 2))
        if w:
            ents.append({"start": w.start(), "end": w.end(), "label": rng.choice(LABELS)[0]})
    for k, m in enumerate(ents):
        m["id"] = f"P{k + 1}"
    evs = []
    for e in doc["events"]:
        if rng.random() < 0.10 * noise:
            continue
        e = dict(e, arguments=[dict(a) for a in e["arguments"]])
        if e["arguments"] and rng.random() < 0.3 * noise:
            e["arguments"].pop()
        if e["arguments"] and rng.random() < 0.2 * noise:
            e["arguments"][0]["role"] = "Place"
        for a in e["arguments"]:
            a.pop("entity_id", None)
        evs.append(e)
    return {"doc_id": doc["doc_id"], "text": text, "entities": ents, "events": evs}


def generate(n, out, seed=1):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(seed)
    ra, rb = random.Random(seed + 1), random.Random(seed + 2)
    paths = [os.path.join(out, f) for f in ("gold.jsonl", "sys_a.jsonl", "sys_b.jsonl")]
    tmp = [p + ".part" for p in paths]
    with open(tmp[0], "w", encoding="utf-8") as g, open(tmp[1], "w", encoding="utf-8") as a, \
            open(tmp[2], "w", encoding="utf-8") as b:
        for i in range(n):
            doc = article(rng, i)
            g.write(json.dumps(doc, ensure_ascii=False) + "\n")
            a.write(json.dumps(system(ra, doc, 1.0), ensure_ascii=False) + "\n")
            b.write(json.dumps(system(rb, doc, 2.0), ensure_ascii=False) + "\n")
    for t, p in zip(tmp, paths):
        os.replace(t, p)
    return paths


def timed(cmd):
    """Run `cmd` under /usr/bin/time -v: (seconds, peak RSS in MB)."""
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    secs = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-3000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) / 1024 if m else float("nan")
    return secs, rss


def count_lines(path):
    if not os.path.exists(path):
        return -1
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def run(args):
    rows = []
    for n in [int(x) for x in args.sizes.split(",")]:
        d = os.path.join(args.work, str(n))
        gold = os.path.join(d, "gold.jsonl")
        if args.source and count_lines(os.path.join(args.source, "gold.jsonl")) == n:
            d = args.source
            gold = os.path.join(d, "gold.jsonl")
        elif args.source and not os.path.exists(gold):
            os.makedirs(d, exist_ok=True)
            for f in ("gold.jsonl", "sys_a.jsonl", "sys_b.jsonl"):
                with open(os.path.join(args.source, f), "rb") as src, open(os.path.join(d, f), "wb") as dst:
                    for i, line in enumerate(src):
                        if i >= n:
                            break
                        dst.write(line)
        if not os.path.exists(gold):
            t0 = time.monotonic()
            generate(n, d, args.seed)
            print(f"generated {n} documents in {time.monotonic() - t0:.0f} s", file=sys.stderr)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in ("gold.jsonl", "sys_a.jsonl", "sys_b.jsonl"))
        corpus = os.path.join(d, "corpus")
        conv = timed([args.ieval, "-q", "convert", gold, "--pred", "sys_a=" + os.path.join(d, "sys_a.jsonl"),
                      "--pred", "sys_b=" + os.path.join(d, "sys_b.jsonl"), "--out", corpus, "--format", "json"])
        csize = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(corpus) for f in fs)
        score = timed([args.ieval, "-q", "score", "--gold", corpus, "--task", "all", "--format", "json",
                       "--output", os.path.join(d, "scores.json")])
        with open(os.path.join(d, "scores.json")) as f:
            rep = json.load(f)
        f1 = {s["name"]: s["entities"]["strict"]["micro"]["f1"] for s in rep["systems"]}
        rows.append((n, size, csize, conv, score, f1))
        print(f"| {n:,} | {size / 1e9:.2f} GB | {csize / 1e9:.2f} GB | {conv[0]:.1f} | {conv[1]:.0f} MB | "
              f"{score[0]:.1f} | {score[1]:.0f} MB | {n / conv[0]:,.0f} | {n / score[0]:,.0f} |", flush=True)
        print(f"{n}: convert {conv[0]:.1f} s {conv[1]:.0f} MB, score {score[0]:.1f} s {score[1]:.0f} MB, "
              f"strict F1 {f1}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(corpus, ignore_errors=True)
            if d != args.source:
                shutil.rmtree(d)
    print("| documents | JSONL in (3 files) | corpus (Parquet) | convert s | convert peak RSS | "
          "score s | score peak RSS | convert docs/s | score docs/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, size, csize, conv, score, _ in rows:
        print(f"| {n:,} | {size / 1e9:.2f} GB | {csize / 1e9:.2f} GB | {conv[0]:.1f} | {conv[1]:.0f} MB | "
              f"{score[0]:.1f} | {score[1]:.0f} MB | {n / conv[0]:,.0f} | {n / score[0]:,.0f} |")


def run_child(cmd):
    """Run `cmd` (output to a file): wall seconds, CPU seconds (user + sys), peak RSS in MB."""
    t0 = time.monotonic()
    # stderr to a file, not a pipe: a child writing more than a pipe holds would block
    # while we wait for it.
    with open(os.devnull, "w") as null, tempfile.TemporaryFile() as errf:
        p = subprocess.Popen(cmd, stdout=null, stderr=errf)
        _, status, ru = os.wait4(p.pid, 0)
        secs = time.monotonic() - t0
        errf.seek(0)
        err = errf.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err[-3000:]}")
    return secs, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def pairs(args):
    out = os.path.join(args.work, "pairs-scores.json")
    layouts = [
        ("parquet", ["score", "--gold", args.corpus, "--task", "entities"]),
        ("conll", ["score", "--gold", args.conll, "--tag-cols", "1-", "--names", "gold,sys_a,sys_b"]),
    ]
    results = {}
    for r in range(args.runs):
        for b in args.ieval:
            for name, cmd in layouts:
                full = [b, "-q"] + cmd + ["--format", "json", "--output", out]
                wall, cpu, rss = run_child(full)
                with open(out) as f:
                    rep = json.load(f)
                per_sys = []
                for s in rep["systems"]:
                    m = s["entities"]["strict"]["micro"]
                    per_sys.append(2 * m["tp"] + m["fp"] + m["fn"])
                mentions = sum(per_sys) / len(per_sys)
                results.setdefault((b, name), []).append((wall, cpu, rss, mentions))
                print(f"run {r + 1} {b} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rss:.0f} MB, "
                      f"{mentions / wall / 1e6:.2f} M pairs/s", file=sys.stderr, flush=True)
    print("| binary | layout | median wall | median CPU | peak RSS | M pairs/s (median wall) |")
    print("|---|---|---:|---:|---:|---:|")
    med = {}
    for (b, name), v in results.items():
        wall = sorted(x[0] for x in v)[len(v) // 2]
        cpu = sorted(x[1] for x in v)[len(v) // 2]
        rate = v[0][3] / wall
        med[(b, name)] = rate
        print(f"| {b} | {name} | {wall:.2f} s | {cpu:.2f} s | {max(x[2] for x in v):.0f} MB | {rate / 1e6:.2f} |")
    for b in args.ieval:
        print(f"{b}: parquet / conll pairs a second = {med[(b, 'parquet')] / med[(b, 'conll')]:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--docs", type=int, required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--seed", type=int, default=1)
    r = sub.add_parser("run")
    r.add_argument("--ieval", default="target/release/ieval")
    r.add_argument("--sizes", default="100000,300000,1000000")
    r.add_argument("--work", required=True)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--keep", action="store_true")
    r.add_argument("--source", help="a directory generated for the largest size: smaller sizes are its first lines")
    p = sub.add_parser("pairs")
    p.add_argument("--corpus", required=True)
    p.add_argument("--conll", required=True)
    p.add_argument("--ieval", action="append", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--work", default="/tmp")
    a = ap.parse_args()
    if a.cmd == "generate":
        generate(a.docs, a.out, a.seed)
    elif a.cmd == "pairs":
        pairs(a)
    else:
        run(a)


if __name__ == "__main__":
    main()
