"""Entity linking measures equal neleval 3.1.1's on NEREL (BRAT with Wikidata `N` lines).

The gold is NEREL v1.1's test split (../shared/corpora/nerel). A system is made from it with
seeded perturbations of the `.ann` files (each entity, at random: dropped, retyped, its end
moved one character in, relinked to another Wikidata id of the corpus, unlinked (NULL),
linked when it had no link, or kept), and some NIL entities of a document are joined by
`*\tEquiv` lines (NIL clustering). Relation lines are left out of the system (they would
name dropped entities); they play no part in linking.

Both directories are then read twice:
- by ieval: `ieval score --task linking --profile neleval --format json` (BRAT reader, KB
  ids from the `N` lines, src/score/linking.rs); the default profile's measures are
  neleval's too, so the same run without `--profile` must give the same measures (only
  `ieval.profile` and `ieval.quirks` differ);
- here, independently (a small BRAT reading of T, N and * lines), into neleval's tab
  format (doc, start, end, eid, score, type; offsets in characters), then scored by
  neleval's own `evaluate` (`-m all`).
Every measure's ptp, fp, rtp and fn must agree (1e-9: CEAF sums floats), as well as P, R
and F1. The eid rules are those of src/score/linking.rs: the first N line's `Wikidata:<id>`,
NULL/null -> NIL, an entity in an Equiv group -> one NIL id for the group, otherwise a NIL
singleton. Two systems are checked (seeds), plus gold against itself.

Standalone: python3 tests/python/check_linking.py
"""
import json
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile

SEEDS = (20260101, 7)
MEASURES = [
    "strong_mention_match", "strong_typed_mention_match", "strong_linked_mention_match",
    "strong_link_match", "strong_nil_match", "strong_all_match", "strong_typed_link_match",
    "strong_typed_nil_match", "strong_typed_all_match", "entity_match", "muc", "b_cubed",
    "b_cubed_plus", "entity_ceaf", "mention_ceaf", "mention_ceaf_plus", "typed_mention_ceaf",
    "typed_mention_ceaf_plus", "pairwise",
]


def is_nil(v):
    v = v.strip()
    return v == "" or v.startswith("NIL") or v.lower() in ("null", "none", "nil")


def parse_ann(path):
    """T lines (id -> (type, start, end) with the cover of fragments), the first N line per
    target (id -> value as RID:EID or the NIL marker), Equiv groups (id -> group)."""
    ents, norms, group = {}, {}, {}
    order = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        cols = line.split("\t")
        if line.startswith("T"):
            kind, *locs = cols[1].replace(";", " ").split(" ")
            nums = [int(x) for x in locs]
            ents[cols[0]] = (kind, min(nums), max(nums))
            order.append(cols[0])
        elif line.startswith("N"):
            _, target, ref = cols[1].split(" ")
            rid, eid = ref.split(":", 1)
            norms.setdefault(target, eid if is_nil(eid) else f"{rid}:{eid}")
        elif line.startswith("*"):
            members = cols[1].split(" ")[1:]
            g = members[0]
            for m in members:
                group[m] = group.get(members[0], g)
    return ents, norms, group, order


def neleval_lines(directory):
    lines = []
    for ann in sorted(directory.glob("*.ann")):
        doc = ann.stem
        ents, norms, group, order = parse_ann(ann)
        rows = []
        for tid in order:
            kind, s, e = ents[tid]
            v = norms.get(tid)
            if v is not None and not is_nil(v):
                eid = v
            elif v is not None and len(v) > 3 and v.startswith("NIL"):
                eid = v
            else:
                eid = f"NIL:{doc}:{group.get(tid, tid)}"
            rows.append((s, e, eid, kind))
        rows.sort(key=lambda r: (r[0], -r[1]))
        lines += [f"{doc}\t{s}\t{e}\t{eid}\t1.0\t{kind}" for s, e, eid, kind in rows]
    return lines


def perturb(gold_dir, out_dir, seed):
    rnd = random.Random(seed)
    qids = sorted({l.split("\t")[1].split(" ")[2] for a in gold_dir.glob("*.ann")
                   for l in a.read_text(encoding="utf-8").splitlines()
                   if l.startswith("N") and ":Q" in l})
    types = sorted({l.split("\t")[1].split(" ")[0] for a in gold_dir.glob("*.ann")
                    for l in a.read_text(encoding="utf-8").splitlines() if l.startswith("T")})
    out_dir.mkdir()
    changed = {}
    for ann in sorted(gold_dir.glob("*.ann")):
        text = ann.with_suffix(".txt").read_text(encoding="utf-8")
        shutil.copy(ann.with_suffix(".txt"), out_dir / ann.with_name(ann.stem + ".txt").name)
        t_lines, n_lines = [], {}
        for line in ann.read_text(encoding="utf-8").splitlines():
            if line.startswith("T"):
                t_lines.append(line)
            elif line.startswith("N"):
                n_lines.setdefault(line.split("\t")[1].split(" ")[1], []).append(line)
        out, nils, n_id = [], [], 1000
        for line in t_lines:
            tid, body, surface = line.split("\t")
            kind, locs = body.split(" ", 1)
            ns = n_lines.get(tid, [])
            what = rnd.choices(["keep", "drop", "retype", "shift", "relink", "unlink", "link"],
                               [60, 8, 8, 6, 8, 5, 5])[0]
            changed[what] = changed.get(what, 0) + 1
            if what == "drop":
                continue
            if what == "retype":
                kind = rnd.choice([t for t in types if t != kind])
            if what == "shift" and ";" not in locs:
                s, e = map(int, locs.split(" "))
                if e - s > 1:
                    e -= 1
                    locs, surface = f"{s} {e}", text[s:e]
            if what == "relink" and ns:
                r = ns[0].split("\t")
                ns = [f"{r[0]}\tReference {tid} {rnd.choice(qids)}\t"]
            if what == "unlink" and ns:
                ns = [f"{ns[0].split(chr(9))[0]}\tReference {tid} Wikidata:NULL\t"]
            if what == "link" and not ns:
                n_id += 1
                ns = [f"N{n_id}\tReference {tid} {rnd.choice(qids)}\t"]
            out.append(f"{tid}\t{kind} {locs}\t{surface}")
            out.extend(ns)
            first = ns[0].split("\t")[1].split(" ")[2] if ns else "Wikidata:NULL"
            if is_nil(first.split(":", 1)[1]):
                nils.append(tid)
        # Join some NIL entities of the document into NIL clusters (disjoint pairs).
        rnd.shuffle(nils)
        for k in range(0, len(nils) - 1, 2):
            if rnd.random() < 0.3:
                out.append(f"*\tEquiv {nils[k]} {nils[k + 1]}")
                changed["equiv"] = changed.get("equiv", 0) + 1
        (out_dir / ann.name).write_text("\n".join(out) + "\n", encoding="utf-8")
    return changed


# neleval 3.1.1 predates Python 3.10 and NumPy 1.24: it imports `Sequence` from
# `collections` and its Hungarian method (munkres.py, CEAF) uses `np.int`. Both aliases are
# put back before it loads (`np.int` was the builtin `int`); nothing of neleval is changed.
SHIM = ("import collections, collections.abc, sys, numpy; collections.Sequence = collections.abc.Sequence; "
        "numpy.int = int; from neleval.__main__ import main; main(sys.argv[1:])")


def run_neleval(gold_tsv, sys_tsv):
    r = subprocess.run([sys.executable, "-c", SHIM, "evaluate", "-m", "all", "-f", "json",
                        "-g", str(gold_tsv), str(sys_tsv)], capture_output=True, text=True)
    assert r.returncode == 0, f"neleval failed: {r.stderr[-2000:]}"
    return json.loads(r.stdout)


def run_ieval(ctx, gold_dir, sys_dir):
    """The measures of `--profile neleval`, checked equal to the default profile's."""
    reps = {}
    for profile in ("neleval", "default"):
        r = subprocess.run([ctx.ieval, "score", "-g", str(gold_dir), "-p", f"sys={sys_dir}", "--task", "linking",
                            "--profile", profile, "--format", "json"], capture_output=True, text=True)
        assert r.returncode == 0, f"ieval failed: {r.stderr[-2000:]}"
        reps[profile] = json.loads(r.stdout)
    nel, default = reps["neleval"], reps["default"]
    assert nel["ieval"]["profile"] == "neleval" and nel["ieval"]["quirks"], nel["ieval"]
    assert default["ieval"]["profile"] == "default" and default["ieval"]["quirks"] == [], default["ieval"]
    assert nel["systems"] == default["systems"] and nel["gold"] == default["gold"], "default and neleval linking differ"
    return dict(nel["systems"][0]["measures"])


def compare(what, ours, ref):
    assert sorted(ours) == sorted(MEASURES), sorted(ours)
    for m in MEASURES:
        a, b = ours[m], ref[m]
        for k in ("ptp", "fp", "rtp", "fn", "precision", "recall", "fscore"):
            assert abs(a[k] - b[k]) <= 1e-9, f"{what} {m} {k}: ieval {a[k]} neleval {b[k]}"


def run(ctx):
    import collections
    import collections.abc
    collections.Sequence = collections.abc.Sequence  # see SHIM
    ctx.need_module("neleval")
    gold_dir = ctx.need_corpora() / "nerel/NEREL-v1.1/test"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        gold_tsv = tmp / "gold.tsv"
        gold_tsv.write_text("\n".join(neleval_lines(gold_dir)) + "\n", encoding="utf-8")
        compare("gold vs gold", run_ieval(ctx, gold_dir, gold_dir), run_neleval(gold_tsv, gold_tsv))
        for seed in SEEDS:
            sys_dir = tmp / f"sys{seed}"
            changed = perturb(gold_dir, sys_dir, seed)
            sys_tsv = tmp / f"sys{seed}.tsv"
            sys_tsv.write_text("\n".join(neleval_lines(sys_dir)) + "\n", encoding="utf-8")
            ref = run_neleval(gold_tsv, sys_tsv)
            compare(f"seed {seed}", run_ieval(ctx, gold_dir, sys_dir), ref)
            assert ref["strong_link_match"]["fscore"] < 1 and ref["b_cubed"]["fscore"] < 1, ref
            print(f"        seed {seed}: {changed}; strong_typed_link_match F1 "
                  f"{ref['strong_typed_link_match']['fscore']:.4f}, b_cubed F1 {ref['b_cubed']['fscore']:.4f}, "
                  f"entity_ceaf F1 {ref['entity_ceaf']['fscore']:.4f}: all 19 measures equal")


if __name__ == "__main__":
    class _Ctx:
        ieval = os.environ.get("IEVAL", "target/debug/ieval")

        def need_module(self, name):
            return __import__(name)

        def need_corpora(self):
            return pathlib.Path(os.environ.get("CORPORA", "../shared/corpora"))
    run(_Ctx())
