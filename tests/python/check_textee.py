"""`--profile textee` against TextEE's scoring definitions, implemented here independently.

TextEE (TextEE/scorer.py, end-to-end) scores each metric as a *set* of tuples over the
whole run, with token offsets (end exclusive) and the window id in every tuple:

    TI  (doc, wnd, t_start, t_end)
    TC  (doc, wnd, t_start, t_end, type)
    AI  (doc, wnd, type, a_start, a_end)
    AC  (doc, wnd, type, a_start, a_end, role)
    AI+ (doc, wnd, t_start, t_end, type, a_start, a_end)
    AC+ (doc, wnd, t_start, t_end, type, a_start, a_end, role)

P = |pred & gold| / |pred|, R = |pred & gold| / |gold| (0 when a denominator is 0),
F1 = 2PR / (P + R) (0 when P + R = 0). The check runs on the TextEE fixture
(tests/fixtures/textee/e2e_*.jsonl, read as TextEE writes it) and on the bundled articles
against both prediction fixtures (ieval JSONL: code point offsets mapped to the documents'
tokens), and compares counts and ratios with `ieval score --profile textee --format json`.
"""
import json
import subprocess

METRICS = ["TI", "TC", "AI", "AC", "AI+", "AC+"]


def textee_windows(path):
    """TextEE lines -> [(doc, wnd, [((t_start, t_end, type), [(a_start, a_end, role)])])]."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            ents = {e["id"]: (e["start"], e["end"]) for e in d["entity_mentions"]}
            events = []
            for ev in d["event_mentions"]:
                t = ev["trigger"]
                args = [(*ents[a["entity_id"]], a["role"]) for a in ev["arguments"]]
                events.append(((t["start"], t["end"], ev["event_type"]), args))
            out.append((d["doc_id"], d["wnd_id"], events))
    return out


def ieval_jsonl_docs(path):
    """ieval JSONL lines -> the same shape, offsets mapped to token indices."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            starts = {t["start"]: i for i, t in enumerate(d["tokens"])}
            ends = {t["end"]: i + 1 for i, t in enumerate(d["tokens"])}

            def tok(s, e):
                # Every span of these fixtures sits on token boundaries.
                return starts[s], ends[e]

            events = []
            for ev in d["events"]:
                t = ev["trigger"]
                args = [(*tok(a["start"], a["end"]), a["role"]) for a in ev["arguments"]]
                events.append(((*tok(t["start"], t["end"]), ev["type"]), args))
            out.append((d["doc_id"], d["doc_id"], events))
    return out


def tuples(windows):
    sets = {m: set() for m in METRICS}
    for doc, wnd, events in windows:
        for (ts, te, ty), args in events:
            sets["TI"].add((doc, wnd, ts, te))
            sets["TC"].add((doc, wnd, ts, te, ty))
            for a_s, a_e, role in args:
                sets["AI"].add((doc, wnd, ty, a_s, a_e))
                sets["AC"].add((doc, wnd, ty, a_s, a_e, role))
                sets["AI+"].add((doc, wnd, ts, te, ty, a_s, a_e))
                sets["AC+"].add((doc, wnd, ts, te, ty, a_s, a_e, role))
    return sets


def div(a, b):
    return a / b if b > 0 else 0.0


def expected(gold, pred):
    g, p = tuples(gold), tuples(pred)
    out = {}
    for m in METRICS:
        match = len(g[m] & p[m])
        prec, rec = div(match, len(p[m])), div(match, len(g[m]))
        out[m] = {"match": match, "gold": len(g[m]), "pred": len(p[m]),
                  "precision": prec, "recall": rec, "f1": div(2 * prec * rec, prec + rec)}
    return out


def ieval_events(ctx, gold, pred):
    cmd = [ctx.ieval, "score", "--gold", str(gold), "--pred", str(pred), "--profile", "textee",
           "--task", "events", "--format", "json"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed: {out.stderr}")
    return json.loads(out.stdout)["systems"][0]["events"]


def compare(name, exp, got):
    for m in METRICS:
        e, u = exp[m], got[m]["micro"]
        have = {"match": u["cor"], "gold": u["possible"], "pred": u["actual"]}
        want = {k: e[k] for k in have}
        assert have == want, f"{name} {m}: counts {have} != TextEE's {want}"
        for k in ("precision", "recall", "f1"):
            assert abs(u[k] - e[k]) < 1e-12, f"{name} {m} {k}: {u[k]} != TextEE's {e[k]}"


def run(ctx):
    fx = ctx.root / "tests/fixtures/textee"
    gold, pred = fx / "e2e_gold.jsonl", fx / "e2e_pred.jsonl"
    exp = expected(textee_windows(gold), textee_windows(pred))
    # The fixture exercises what sets do: a duplicated predicted event and a duplicated gold one.
    assert (exp["TI"]["gold"], exp["TI"]["pred"], exp["TI"]["match"]) == (7, 7, 6), exp["TI"]
    compare("textee fixture", exp, ieval_events(ctx, gold, pred))

    arts = ctx.root / "datasets/articles"
    g = ieval_jsonl_docs(arts / "gold.jsonl")
    for v in ("v1", "v2"):
        p = arts / f"predictions/events_{v}.jsonl"
        compare(f"articles {v}", expected(g, ieval_jsonl_docs(p)), ieval_events(ctx, arts / "gold.jsonl", p))
