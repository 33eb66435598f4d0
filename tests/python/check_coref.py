"""Coreference parity: ieval against scorch 0.2.0 and neleval 3.1.1 on ECB+ in CoNLL-2012.

1. `ieval coref export` writes the ECB+ gold (event mentions, then entity mentions) as
   CoNLL-2012 files (cluster numbers shared by the documents of a topic).
2. This script reads those files itself (its own parser) and writes seeded perturbations
   of them with its own writer: mentions dropped, clusters split, clusters merged (within
   a topic, so across documents too) and spurious one-token mentions added (new
   singletons or joined to a cluster).
3. For every perturbation it runs `ieval coref score GOLD PRED --format json` and compares:
   - `--profile scorch --scope document` with scorch's own directory scoring
     (`scorch.main.process_dirs`) over one JSON file per document, each built with
     scorch's own CoNLL reader (`scorch.conll.parse_file`);
   - `--profile scorch --scope topic` with the same over one JSON file per topic (the
     documents of a topic joined, mention ids prefixed by the document name);
   - `--profile neleval` (`--scope topic` and `--scope corpus`) with neleval's
     `coref_metrics` (muc, b_cubed, mention_ceaf, entity_ceaf, pairwise,
     pairwise_negative), run per topic and summed as neleval sums its count matrices, and on
     the whole corpus at once: the profile's `neleval` measures (ptp, fp, rtp, fn,
     precision, recall, fscore) equal neleval's `Matrix` results, and its MUC, B³, CEAFm and
     CEAFe the same precision, recall and F;
   - the default profile (`--scope topic`): its numerators and denominators equal
     neleval's too (the default and neleval profiles share their counts; they differ in
     0/0, which neleval reports as 0, and in the measures listed).
   Every value must agree within 1e-9.

In `tests/python/run.py` the check uses ECB+ topics 1-6 (IEVAL_COREF_FULL=1: all 43).
Standalone: python3 tests/python/check_coref.py [IEVAL] [CORPORA] runs the whole corpus and
prints the number of comparisons and the largest differences.
"""
import collections
import contextlib
import io
import json
import os
import pathlib
import random
import subprocess
import sys
import tarfile
import tempfile
import warnings

SEED = 20261202
TOL = 1e-9
# (drop, split, merge, spurious) rates; the first is the identity.
LEVELS = [(0, 0, 0, 0), (0.1, 0, 0, 0), (0, 0.2, 0, 0), (0, 0, 0.2, 0), (0, 0, 0, 0.1),
          (0.1, 0.1, 0.1, 0.05), (0.3, 0.3, 0.15, 0.1)]
# The topics of the suite's run (scorch's topic-level scoring of all 43 topics takes minutes
# per perturbation); IEVAL_COREF_FULL=1, or the standalone run, uses the whole corpus.
SUITE_TOPICS = ("1", "2", "3", "4", "5", "6")
# The levels run on entity mentions too (all run on event mentions).
ENTITY_LEVELS = (0, 5, 6)
# Topics used for the corpus scope (scorch's BLANC holds n² booleans: a few topics only).
SCORCH_MAP = {"MUC": "muc", "B³": "b_cubed", "CEAF_m": "ceaf_m", "CEAF_e": "ceaf_e", "BLANC": "blanc"}


# ---------------------------------------------------------------------------------------
# CoNLL-2012: a small reader and writer of this script's own.

def read_conll(path):
    """[(name, part, [[word, ...] per sentence], [(sent, start, end, cluster), ...])]"""
    docs, cur = [], None
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#begin document"):
            name = line[line.index("(") + 1:line.index(");")]
            part = line.rsplit("part", 1)[1].strip()
            cur = (name, part, [[]], [])
            opened = collections.defaultdict(list)
            continue
        if line.startswith("#end document"):
            if not cur[2][-1]:
                cur[2].pop()
            docs.append(cur)
            cur = None
            continue
        if not line.strip():
            if cur[2][-1]:
                cur[2].append([])
            continue
        cols = line.split()
        sents = cur[2]
        s, t = len(sents) - 1, len(sents[-1])
        sents[-1].append(cols[3])
        if cols[-1] == "-":
            continue
        for item in cols[-1].split("|"):
            c = item.strip("()")
            if item.startswith("(") and item.endswith(")"):
                cur[3].append((s, t, t, c))
            elif item.startswith("("):
                opened[c].append(t)
            else:
                cur[3].append((s, opened[c].pop(), t, c))
    return docs


def write_conll(path, docs):
    with open(path, "w", encoding="utf-8") as f:
        for name, part, sents, mentions in docs:
            f.write(f"#begin document ({name}); part {part}\n")
            by_sent = collections.defaultdict(list)
            for m in mentions:
                by_sent[m[0]].append(m)
            for s, words in enumerate(sents):
                opens, singles, closes = (collections.defaultdict(list) for _ in range(3))
                for _, a, b, c in by_sent[s]:
                    if a == b:
                        singles[a].append(c)
                    else:
                        opens[a].append((-b, c))
                        closes[b].append((-a, c))
                for t, w in enumerate(words):
                    items = [f"({c}" for _, c in sorted(opens[t])] + [f"({c})" for c in singles[t]] + \
                            [f"{c})" for _, c in sorted(closes[t])]
                    f.write(f"{name}\t{part}\t{t}\t{w}\t-\t{'|'.join(items) or '-'}\n")
                f.write("\n")
            f.write("#end document\n")


def topic(name):
    return name.split("_", 1)[0]


def perturb(docs, rates, rng):
    drop, split, merge, spurious = rates
    docs = [(n, p, s, list(ms)) for n, p, s, ms in docs]
    top = max(int(c) for d in docs for *_, c in d[3]) + 1
    fresh = iter(range(top, 10 ** 9))
    # Drop mentions.
    docs = [(n, p, s, [m for m in ms if rng.random() >= drop]) for n, p, s, ms in docs]
    # Split: a cluster (of a topic) sends some of its mentions to a new cluster.
    members = collections.defaultdict(list)
    for di, d in enumerate(docs):
        for mi, m in enumerate(d[3]):
            members[m[3]].append((di, mi))
    rename = {}
    for c, ms in sorted(members.items(), key=lambda x: int(x[0])):
        if len(ms) > 1 and rng.random() < split:
            new = str(next(fresh))
            for dm in ms:
                if rng.random() < 0.5:
                    rename[dm] = new
    # Merge: a cluster joins another cluster of the same topic.
    by_topic = collections.defaultdict(set)
    for di, d in enumerate(docs):
        for m in d[3]:
            by_topic[topic(d[0])].add(m[3])
    into = {}
    for t, cs in sorted(by_topic.items()):
        cs = sorted(cs, key=int)
        for c in cs:
            if rng.random() < merge and len(cs) > 1:
                into[c] = rng.choice(cs)
    out = []
    for di, (n, p, sents, ms) in enumerate(docs):
        new = []
        for mi, (s, a, b, c) in enumerate(ms):
            c = rename.get((di, mi), c)
            c = into.get(c, c)
            new.append((s, a, b, c))
        # Spurious one-token mentions on tokens no mention starts or ends at.
        used = {(s, x) for s, a, b, _ in new for x in (a, b)}
        taken = {(s, a, b) for s, a, b, _ in new}
        clusters = sorted({m[3] for m in new}, key=int)
        for s, words in enumerate(sents):
            for t in range(len(words)):
                if (s, t) in used or (s, t, t) in taken or rng.random() >= spurious:
                    continue
                c = rng.choice(clusters) if clusters and rng.random() < 0.5 else str(next(fresh))
                new.append((s, t, t, c))
        out.append((n, p, sents, new))
    return out


# ---------------------------------------------------------------------------------------
# The reference tools.

def scorch_dir_scores(gold_conll, pred_conll, by_topic, tmp):
    from scorch import conll as sconll
    from scorch import main as smain

    def units(path):
        with open(path, encoding="utf-8") as f:
            docs = list(sconll.parse_file(l.strip() for l in f))
        out = collections.defaultdict(dict)
        for name, entities in docs:
            key = ("t" + topic(name)) if by_topic else name
            for e, ms in entities.items():
                out[key].setdefault(e, []).extend(f"{name}/{b}.{s}-{t}" for b, s, t in ms)
        return out

    g, p = units(gold_conll), units(pred_conll)
    gdir, pdir = tmp / "g", tmp / "p"
    for d in (gdir, pdir):
        d.mkdir(exist_ok=True)
        for f in d.iterdir():
            f.unlink()
    for key in sorted(set(g) | set(p)):
        # ".u.json": no unit name is a prefix of another's file stem (scorch pairs files by
        # `glob(stem + "*")`).
        for d, src in ((gdir, g), (pdir, p)):
            (d / f"{key}.u.json").write_text(json.dumps({"type": "clusters", "clusters": src.get(key, {})}))
    with contextlib.redirect_stderr(io.StringIO()):  # scorch's progress bar
        lines = list(smain.process_dirs(gdir, pdir))
    res = {}
    for line in lines:
        if line.startswith("CoNLL-2012"):
            res["conll"] = float(line.split(":")[1])
            continue
        name, r, p_, f = line.strip().split("\t")
        res[SCORCH_MAP[name.rstrip(":")]] = {"recall": float(r[2:]), "precision": float(p_[2:]), "f1": float(f[3:])}
    return res


NELEVAL = {"muc": "muc", "b_cubed": "b_cubed", "mention_ceaf": "ceaf_m", "entity_ceaf": "ceaf_e"}


def neleval_counts(gold_conll, pred_conll, per_topic):
    """{measure: [p_num, p_den, r_num, r_den]} summed over the units."""
    import numpy as np
    from neleval import coref_metrics as cm

    # neleval 3.1.1's own Kuhn-Munkres (neleval/munkres.py, used for CEAF components larger
    # than 1×1) calls `np.int`, an alias NumPy removed in 1.24: give it back (the builtin it
    # aliased), nothing else changes.
    if not hasattr(np, "int"):
        np.int = int

    def clusters(path):
        out = collections.defaultdict(lambda: collections.defaultdict(set))
        for name, _, _, ms in read_conll(path):
            key = topic(name) if per_topic else "all"
            for s, a, b, c in ms:
                out[key][c].add((name, s, a, b))
        return out

    g, p = clusters(gold_conll), clusters(pred_conll)
    tot = collections.defaultdict(lambda: [0, 0, 0, 0])
    for key in sorted(set(g) | set(p)):
        gk, pk = dict(g.get(key, {})), dict(p.get(key, {}))
        for fn in ("muc", "b_cubed", "mention_ceaf", "entity_ceaf", "pairwise", "pairwise_negative"):
            with contextlib.redirect_stderr(io.StringIO()):
                if fn == "pairwise":
                    # neleval's set-based path (its docstring's definition); `pairwise` itself
                    # loops over every pair of clusters, too slow for the whole corpus.
                    r = cm._pairwise(cm._positive_pairs(gk.values()), cm._positive_pairs(pk.values()))
                else:
                    r = getattr(cm, fn)(gk, pk)
            for i in range(4):
                tot[fn][i] += float(r[i])
    return tot


# ---------------------------------------------------------------------------------------

def ieval_score(ieval, gold, pred, *args):
    r = subprocess.run([ieval, "coref", "score", str(gold), str(pred), "--format", "json", *args],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"ieval coref score failed: {r.stderr}")
    return json.loads(r.stdout)


def diff_scorch(got, ref, what):
    worst = 0.0
    for m in SCORCH_MAP.values():
        for k in ("recall", "precision", "f1"):
            a, b = got["metrics"][m][k], ref[m][k]
            d = abs(a - b)
            assert d <= TOL, f"{what}: {m} {k}: ieval {a} != scorch {b}"
            worst = max(worst, d)
    d = abs(got["metrics"]["conll"] - ref["conll"])
    assert d <= TOL, f"{what}: CoNLL ieval {got['metrics']['conll']} != scorch {ref['conll']}"
    return max(worst, d)


def diff_neleval(got, ref, what):
    worst = 0.0
    c = got["counts"]
    for fn, m in NELEVAL.items():
        p_num, p_den, r_num, r_den = ref[fn]
        mine = (c[m]["precision"]["num"], c[m]["precision"]["den"], c[m]["recall"]["num"], c[m]["recall"]["den"])
        for a, b, k in zip(mine, (p_num, p_den, r_num, r_den), ("p_num", "p_den", "r_num", "r_den")):
            d = abs(a - b)
            assert d <= TOL * max(1.0, abs(b)), f"{what}: {m} {k}: ieval {a} != neleval {b}"
            worst = max(worst, d / max(1.0, abs(b)))
    b = c["blanc"]
    for fn, mine in (("pairwise", (b["tp_c"], b["c_r"], b["tp_c"], b["c_k"])),
                     ("pairwise_negative", (b["tp_n"], b["n_r"], b["tp_n"], b["n_k"]))):
        assert tuple(float(x) for x in mine) == tuple(ref[fn]), f"{what}: {fn}: ieval {mine} != neleval {ref[fn]}"
    return worst


def neleval_results(counts):
    """neleval's own report of summed counts: its `Matrix` (evaluate.py), as `evaluate`
    turns a measure's contingency into precision, recall and F-score."""
    import collections.abc
    collections.Sequence = collections.abc.Sequence  # neleval 3.1.1 imports it from `collections`
    from neleval.evaluate import Matrix
    out = {}
    for fn, (p_num, p_den, r_num, r_den) in counts.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its StrictMetricWarning for 0/0
            out[fn] = {k: float(v) for k, v in Matrix(p_num, p_den - p_num, r_num, r_den - r_num).results.items()}
    return out


def diff_neleval_profile(got, counts, what):
    """`--profile neleval`'s report against neleval's: every measure's seven values, and the
    metrics that are neleval's measures."""
    assert got["options"]["profile"] == "neleval", got["options"]
    ref = neleval_results(counts)
    mine = dict(got["neleval"])
    assert sorted(mine) == sorted(ref), (sorted(mine), sorted(ref))
    worst = 0.0
    for fn, r in ref.items():
        for k, b in r.items():
            a = mine[fn][k]
            d = abs(a - b)
            assert d <= TOL * max(1.0, abs(b)), f"{what}: {fn} {k}: ieval {a} != neleval {b}"
            worst = max(worst, d / max(1.0, abs(b)))
        if fn in NELEVAL:
            m = got["metrics"][NELEVAL[fn]]
            for a, b in ((m["precision"], r["precision"]), (m["recall"], r["recall"]), (m["f1"], r["fscore"])):
                assert abs(a - b) <= TOL, f"{what}: {fn} metrics: ieval {a} != neleval {b}"
    return worst


def extract(corpora, dest):
    """Unpack the ECB+ archive into `dest`; returns the `ECB+` directory."""
    with tarfile.open(corpora / "ecbplus" / "ECB+.tar.gz") as t:
        t.extractall(dest, filter="data")
    return dest / "ECB+"


def check(ieval, corpora, topics=None, verbose=False):
    """`topics`: the ECB+ topic directories to use (None: all 43)."""
    summary = {"perturbations": 0, "comparisons": 0, "max_scorch": 0.0, "max_neleval_rel": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        ecb = extract(corpora, tmp)
        if topics is not None:
            sub = tmp / "subset"
            sub.mkdir()
            for t in topics:
                (sub / t).symlink_to(ecb / t, target_is_directory=True)
            ecb = sub
        for layer in ("events", "entities"):
            gold = tmp / f"{layer}.gold.conll"
            r = subprocess.run([ieval, "-q", "coref", "export", str(ecb), "--layer", layer, "--out", str(gold)],
                               capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
            docs = read_conll(gold)
            want = 982 if topics is None else sum(len(list((ecb / t).glob("*.xml"))) for t in topics)
            assert len(docs) == want, (len(docs), want)
            # A few topics for the whole-corpus scope (scorch's BLANC is quadratic in memory).
            small = [d for d in docs if topic(d[0]) in ("1", "2", "3")]
            for i, rates in enumerate(LEVELS):
                if layer == "entities" and i not in ENTITY_LEVELS:
                    continue
                rng = random.Random(SEED + 100 * i + (layer == "entities"))
                pred = tmp / f"{layer}.pred{i}.conll"
                write_conll(pred, perturb(docs, rates, rng))
                summary["perturbations"] += 1
                what = f"{layer} perturbation {i} {rates}"
                for scope, by_topic in (("document", False), ("topic", True)):
                    got = ieval_score(ieval, gold, pred, "--profile", "scorch", "--scope", scope)
                    ref = scorch_dir_scores(gold, pred, by_topic, tmp)
                    summary["max_scorch"] = max(summary["max_scorch"], diff_scorch(got, ref, f"{what} scorch {scope}"))
                    summary["comparisons"] += 1
                ref = neleval_counts(gold, pred, per_topic=True)
                got = ieval_score(ieval, gold, pred, "--scope", "topic", "--profile", "neleval")
                summary["max_neleval_rel"] = max(summary["max_neleval_rel"],
                                                 diff_neleval_profile(got, ref, f"{what} neleval topic"))
                summary["comparisons"] += 1
                # The default profile's counts are neleval's too.
                default = ieval_score(ieval, gold, pred, "--scope", "topic")
                diff_neleval(default, ref, f"{what} default topic")
                assert default["counts"] == got["counts"], f"{what}: default and neleval counts differ"
                got = ieval_score(ieval, gold, pred, "--scope", "corpus", "--profile", "neleval")
                ref = neleval_counts(gold, pred, per_topic=False)
                summary["max_neleval_rel"] = max(summary["max_neleval_rel"],
                                                 diff_neleval_profile(got, ref, f"{what} neleval corpus"))
                diff_neleval(got, ref, f"{what} neleval corpus counts")
                summary["comparisons"] += 1
                if i in (0, len(LEVELS) - 1):
                    # Whole-corpus scope against scorch on three topics.
                    gs, ps = tmp / "small.gold.conll", tmp / "small.pred.conll"
                    write_conll(gs, small)
                    write_conll(ps, perturb(small, rates, random.Random(SEED + i)))
                    got = ieval_score(ieval, gs, ps, "--profile", "scorch", "--scope", "corpus")
                    g_one, p_one = tmp / "one.gold.conll", tmp / "one.pred.conll"
                    # One unit for scorch: every document renamed into topic "c".
                    write_conll(g_one, [("c_" + n, p, s, m) for n, p, s, m in read_conll(gs)])
                    write_conll(p_one, [("c_" + n, p, s, m) for n, p, s, m in read_conll(ps)])
                    ref = scorch_dir_scores(g_one, p_one, True, tmp)
                    summary["max_scorch"] = max(summary["max_scorch"], diff_scorch(got, ref, f"{what} scorch corpus"))
                    summary["comparisons"] += 1
                if verbose:
                    print(what, summary, flush=True)
    return summary


def run(ctx):
    ctx.need_module("scorch")
    ctx.need_module("neleval")
    full = os.environ.get("IEVAL_COREF_FULL") == "1"
    s = check(ctx.ieval, ctx.need_corpora(), None if full else SUITE_TOPICS)
    n = len(LEVELS) + len(ENTITY_LEVELS)
    assert s["perturbations"] == n and s["comparisons"] == 4 * n + 4, s


if __name__ == "__main__":
    here = pathlib.Path(__file__).resolve().parents[2]
    ieval = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("IEVAL", str(here / "target/debug/ieval"))
    corpora = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else os.environ.get("CORPORA", here / "../shared/corpora"))
    print(json.dumps(check(ieval, corpora, verbose=True), indent=1))
