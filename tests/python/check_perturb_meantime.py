"""MEANTIME gold scored against a perturbed copy of itself recovers the expected P/R.

The script converts the MEANTIME gold to ieval JSONL with `ieval convert`, then perturbs a
seeded, known subset of it:

- SHIFT of the events: the trigger moves one token to the right (events whose trigger is
  one piece, has a next token, and whose new span is no gold trigger's span);
- SWAP of the arguments: the role is exchanged for its partner (Arg0 <-> Arg1,
  Arg2 <-> Arg3, Arg4 -> Arg2, Argm-LOC <-> Argm-OTHER), when the document has no gold
  argument of that event type with that span and the new role;
- DROP of the arguments (disjoint from the swapped ones): the argument is removed.

From what it changed it derives the expected counts (N events, M arguments, S shifted
events, D dropped and W swapped arguments, A_S the kept arguments of shifted events, W_S
the swapped arguments of shifted events):

    TI, TC   gold N, predicted N,     correct N - S
    AI       gold M, predicted M - D, correct M - D
    AC       ...                      correct M - D - W
    AI+      ...                      correct M - D - A_S
    AC+      ...                      correct M - D - A_S - (W - W_S)

checks them against a direct multiset computation (the perturbation must not create
accidental matches), and compares both with `ieval score --task events --format json`
(default profile: counts exactly, P and R to 1e-12). It also compares
`--profile textee` with the tuple sets of check_textee.py on the same files.

Standalone: python3 tests/python/check_perturb_meantime.py OUT_DIR [--seed N] writes
gold.jsonl, pred.jsonl and expected.json there.
"""
import collections
import copy
import json
import pathlib
import random
import subprocess
import sys
import tempfile

SHIFT, SWAP, DROP = 0.10, 0.15, 0.20
SEED = 20251008
PARTNER = {"Arg0": "Arg1", "Arg1": "Arg0", "Arg2": "Arg3", "Arg3": "Arg2", "Arg4": "Arg2",
           "Argm-LOC": "Argm-OTHER", "Argm-OTHER": "Argm-LOC"}
METRICS = ["TI", "TC", "AI", "AC", "AI+", "AC+"]


def convert(ieval, corpora, out):
    src = corpora / "meantime/intra_cross-doc_annotation"
    r = subprocess.run([ieval, "convert", str(src), "--from", "meantime", "--out", str(out)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"ieval convert failed: {r.stderr}")
    return [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]


def span(x):
    return (x["start"], x["end"])


def perturb(docs, seed):
    """The perturbed copy and the log of what changed."""
    rng = random.Random(seed)
    pred = copy.deepcopy(docs)
    for d in pred:
        d["entities"] = []
    events = [(di, ei) for di, d in enumerate(docs) for ei in range(len(d["events"]))]
    args = [(di, ei, ai) for di, ei in events for ai in range(len(docs[di]["events"][ei]["arguments"]))]

    def shifted_span(di, ei):
        d, ev = docs[di], docs[di]["events"][ei]
        if ev["trigger"].get("fragments"):
            return None
        starts = {t["start"]: i for i, t in enumerate(d["tokens"])}
        ends = {t["end"]: i for i, t in enumerate(d["tokens"])}
        s, e = starts.get(ev["trigger"]["start"]), ends.get(ev["trigger"]["end"])
        if s is None or e is None or e + 1 >= len(d["tokens"]):
            return None
        new = (d["tokens"][s + 1]["start"], d["tokens"][e + 1]["end"])
        if any(span(x["trigger"]) == new for x in d["events"]):
            return None
        return new

    eligible = [(k, shifted_span(*k)) for k in events]
    eligible = [(k, s) for k, s in eligible if s is not None]
    n_shift = round(SHIFT * len(events))
    assert len(eligible) >= n_shift, (len(eligible), n_shift)
    shifted = dict(rng.sample(eligible, n_shift))

    def swapped_role(di, ei, ai):
        ev = docs[di]["events"][ei]
        a = ev["arguments"][ai]
        new = PARTNER[a["role"]]
        clash = any(x["type"] == ev["type"] and span(b) == span(a) and b["role"] == new
                    for x in docs[di]["events"] for b in x["arguments"])
        return None if clash else new

    n_swap, n_drop = round(SWAP * len(args)), round(DROP * len(args))
    can_swap = [k for k in args if swapped_role(*k) is not None]
    assert len(can_swap) >= n_swap, (len(can_swap), n_swap)
    swapped = {k: swapped_role(*k) for k in rng.sample(can_swap, n_swap)}
    rest = [k for k in args if k not in swapped]
    dropped = set(rng.sample(rest, n_drop))

    for (di, ei), (s, e) in shifted.items():
        text = pred[di]["text"]
        pred[di]["events"][ei]["trigger"] = {"start": s, "end": e, "text": text[s:e]}
    for (di, ei, ai), role in swapped.items():
        pred[di]["events"][ei]["arguments"][ai]["role"] = role
    for di, d in enumerate(pred):
        for ei, ev in enumerate(d["events"]):
            ev["arguments"] = [a for ai, a in enumerate(ev["arguments"]) if (di, ei, ai) not in dropped]
    log = {"events": len(events), "arguments": len(args), "args": args, "shifted": set(shifted),
           "swapped": set(swapped), "dropped": dropped}
    return pred, log


def closed_form(log):
    n, m = log["events"], log["arguments"]
    s, d, w = len(log["shifted"]), len(log["dropped"]), len(log["swapped"])
    a_s = sum(1 for (di, ei, ai) in log["args"] if (di, ei) in log["shifted"] and (di, ei, ai) not in log["dropped"])
    w_s = sum(1 for (di, ei, _) in log["swapped"] if (di, ei) in log["shifted"])
    cor = {"TI": n - s, "TC": n - s, "AI": m - d, "AC": m - d - w, "AI+": m - d - a_s, "AC+": m - d - a_s - (w - w_s)}
    return {k: {"gold": n if k in ("TI", "TC") else m, "pred": n if k in ("TI", "TC") else m - d, "cor": v}
            for k, v in cor.items()}


def multiset(gold, pred):
    """Counts by multiset intersection of the items' keys (exact spans, no options)."""
    out = {}
    for m in METRICS:
        out[m] = {"gold": 0, "pred": 0, "cor": 0}
    for g, p in zip(gold, pred):
        def trig(d):
            return [(span(e["trigger"]), tuple(span(f) for f in e["trigger"].get("fragments", [])), e["type"])
                    for e in d["events"]]

        def args(d, with_role):
            return [(e["type"], span(a)) + ((a["role"],) if with_role else ()) for e in d["events"] for a in e["arguments"]]

        for m, gk, pk in [
            ("TI", [t[:2] for t in trig(g)], [t[:2] for t in trig(p)]),
            ("TC", trig(g), trig(p)),
            ("AI", args(g, False), args(p, False)),
            ("AC", args(g, True), args(p, True)),
        ]:
            out[m]["gold"] += len(gk)
            out[m]["pred"] += len(pk)
            out[m]["cor"] += sum((collections.Counter(gk) & collections.Counter(pk)).values())
        # Attached: pair the events by trigger and type (unique in MEANTIME), then the arguments.
        pev = collections.defaultdict(list)
        for e, k in zip(p["events"], trig(p)):
            pev[k].append(e)
        for m, role in [("AI+", False), ("AC+", True)]:
            out[m]["gold"] += sum(len(e["arguments"]) for e in g["events"])
            out[m]["pred"] += sum(len(e["arguments"]) for e in p["events"])
            for e, k in zip(g["events"], trig(g)):
                partners = pev.get(k, [])
                assert len(partners) <= 1, f"{g['doc_id']}: trigger {k} is not unique"
                if not partners:
                    continue
                key = (lambda a: (span(a), a["role"])) if role else (lambda a: span(a))
                c = collections.Counter(key(a) for a in e["arguments"]) & collections.Counter(
                    key(a) for a in partners[0]["arguments"])
                out[m]["cor"] += sum(c.values())
    return out


def write_jsonl(path, docs):
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")


def make(ieval, corpora, out_dir, seed=SEED):
    gold_path, pred_path = out_dir / "gold.jsonl", out_dir / "pred.jsonl"
    gold = convert(ieval, corpora, gold_path)
    pred, log = perturb(gold, seed)
    write_jsonl(pred_path, pred)
    exp = closed_form(log)
    direct = multiset(gold, pred)
    assert exp == direct, f"closed form {exp} != multiset {direct}: the perturbation made accidental matches"
    summary = {"seed": seed, "events": log["events"], "arguments": log["arguments"], "shifted": len(log["shifted"]),
               "swapped": len(log["swapped"]), "dropped": len(log["dropped"]), "expected": exp}
    (out_dir / "expected.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return gold_path, pred_path, gold, pred, summary


def score(ieval, gold, pred, *extra):
    cmd = [ieval, "score", "--gold", str(gold), "--pred", f"perturbed={pred}", "--task", "events", "--format", "json",
           *extra]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed: {r.stderr}")
    return json.loads(r.stdout)["systems"][0]["events"]


def run(ctx):
    corpora = ctx.need_corpora()
    with tempfile.TemporaryDirectory() as tmp:
        gold_path, pred_path, gold, pred, summary = make(ctx.ieval, corpora, pathlib.Path(tmp))
        exp = summary["expected"]
        assert (summary["events"], summary["arguments"]) == (2699, 1973), summary
        got = score(ctx.ieval, gold_path, pred_path)
        for m in METRICS:
            u, e = got[m]["micro"], exp[m]
            have = {"gold": u["possible"], "pred": u["actual"], "cor": u["cor"]}
            assert have == e, f"{m}: ieval {have} != expected {e}"
            assert abs(u["precision"] - e["cor"] / e["pred"]) < 1e-12, m
            assert abs(u["recall"] - e["cor"] / e["gold"]) < 1e-12, m
        # The same files under TextEE's definitions (tuple sets, token offsets).
        import check_textee as ct

        def windows(docs):
            out = []
            for d in docs:
                starts = {t["start"]: i for i, t in enumerate(d["tokens"])}
                ends = {t["end"]: i + 1 for i, t in enumerate(d["tokens"])}
                tok = lambda x: (starts[x["start"]], ends[x["end"]])
                out.append((d["doc_id"], d["doc_id"],
                            [((*tok(e["trigger"]), e["type"]), [(*tok(a), a["role"]) for a in e["arguments"]])
                             for e in d["events"]]))
            return out

        texp = ct.expected(windows(gold), windows(pred))
        got = score(ctx.ieval, gold_path, pred_path, "--profile", "textee")
        ct.compare("perturbed MEANTIME", texp, got)


if __name__ == "__main__":
    here = pathlib.Path(__file__).resolve().parent
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if out is None:
        sys.exit("usage: check_perturb_meantime.py OUT_DIR [--seed N]")
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else SEED
    out.mkdir(parents=True, exist_ok=True)
    root = here.parents[1]
    ieval = str(root / "target/debug/ieval")
    corpora = root / "../shared/corpora"
    *_, summary = make(ieval, corpora, out, seed)
    print(json.dumps(summary, indent=1))
