"""Parity with the anchor tools on the real system outputs under conll2003-preds.

For every system file, the reference tool is run here, in Python, on the same file, and
its numbers are compared with `ieval score --profile ... --format json`:

- seqeval 1.2.2 default mode (classification_report: per type, micro, macro, weighted);
- seqeval 1.2.2 mode='strict', scheme=IOB2;
- nervaluate 1.2.1, all four strategies, overall and per type (counts and P/R/F1);
- conlleval.pl: when $CONLLEVAL points at the original script (.ci/run extracts it from the
  seqeval sdist), its counts per type are compared; the published strict F1 figures
  (ELMo 92.22, Flair 93.03, XLM-R 93.69) are checked in every case.
"""
import json
import os
import re
import subprocess

TOL = 1e-12

# (name, gold file, gold column, pred file, pred column) relative to conll2003-preds
SYSTEMS = [
    ("elmo", "interpreteval/connl03_CelmoWglove_lstmCrf_9222.txt", 1, None, 2),
    ("flair", "interpreteval/connl03_CflairWglove_lstmCrf_9303.txt", 1, None, 2),
    ("xlmr", "conll_sharp/test_sets/conll_03.txt", 1, "conll_sharp/outputs/xlm_flert_03.txt", 1),
    ("spacy36", "spacy-sm-3.6.0.testb.conll", 1, None, 2),
    ("spacy38", "spacy-sm-3.8.0.testb.conll", 1, None, 2),
    ("elmo-tsv", "explainaboard/conll2003-dataset.conll", 1, "explainaboard/conll2003-elmo-output.conll", 1),
    # Gold in IOB1 (the original file, -DOCSTART- lines) against a file without them: pairs
    # by token stream; seqeval strict drops the gold's I- starts (its quirk, reproduced).
    ("elmo-iob1", "../conll2003/eng.testb", 3, "interpreteval/connl03_CelmoWglove_lstmCrf_9222.txt", 2),
]
# conlleval reads one file of aligned lines: only for specs whose files are line-aligned.
NOT_LINE_ALIGNED = {"elmo-iob1"}
PUBLISHED_F1 = {"elmo": 92.22, "flair": 93.03, "xlmr": 93.69, "elmo-tsv": 92.22}


def read_column(path, col):
    """Sentences of one tag column, as a user of these tools reads a CoNLL file."""
    sents, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                if cur:
                    sents.append(cur)
                    cur = []
                continue
            if parts[0] == "-DOCSTART-":
                continue
            cur.append(parts[col])
    if cur:
        sents.append(cur)
    return sents


def ieval_json(ctx, args):
    out = subprocess.run([ctx.ieval, "score", *args, "--format", "json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise AssertionError(f"ieval score {args} failed: {out.stderr}")
    return json.loads(out.stdout)


def ieval_args(base, name, gold, gcol, pred, pcol):
    if pred is None:
        return ["--gold", str(base / gold), "--tag-cols", f"{gcol},{pcol}", "--names", f"gold,{name}"]
    return ["--gold", str(base / gold), "--tag-cols", str(gcol), "--pred", f"{name}={base / pred}", "--pred-tag-cols", str(pcol)]


def close(a, b, what):
    if a is None:
        a = 0.0
    if abs(a - b) > TOL:
        raise AssertionError(f"{what}: ieval {a!r} != reference {b!r}")


def check_seqeval(ctx, base, spec, strict):
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    name, gold, gcol, pred, pcol = spec
    y_true = read_column(base / gold, gcol)
    y_pred = read_column(base / (pred or gold), pcol)
    kw = {"mode": "strict", "scheme": IOB2} if strict else {}
    ref = classification_report(y_true, y_pred, output_dict=True, zero_division=0, **kw)
    profile = "seqeval-strict" if strict else "seqeval"
    got = ieval_json(ctx, ieval_args(base, name, gold, gcol, pred, pcol) + ["--profile", profile])
    m = got["systems"][0]["entities"]["strict"]
    labels = {k for k in ref if not k.endswith(" avg")}
    if labels != set(m["labels"]):
        raise AssertionError(f"{profile} {name}: labels {sorted(m['labels'])} != {sorted(labels)}")
    for lab in labels:
        r, g = ref[lab], m["labels"][lab]
        if g["possible"] != r["support"]:
            raise AssertionError(f"{profile} {name} {lab}: support {g['possible']} != {r['support']}")
        close(g["precision"], r["precision"], f"{profile} {name} {lab} precision")
        close(g["recall"], r["recall"], f"{profile} {name} {lab} recall")
        close(g["f1"], r["f1-score"], f"{profile} {name} {lab} f1")
    for avg, key in [("micro avg", "micro"), ("macro avg", "macro"), ("weighted avg", "weighted")]:
        r, g = ref[avg], m[key]
        close(g["precision"], r["precision"], f"{profile} {name} {avg} precision")
        close(g["recall"], r["recall"], f"{profile} {name} {avg} recall")
        close(g["f1"], r["f1-score"], f"{profile} {name} {avg} f1")
    return m["micro"]["f1"]


NERVAL_MODES = {"strict": "strict", "exact": "exact", "partial": "partial", "ent_type": "type"}


def check_nervaluate(ctx, base, spec):
    from nervaluate import Evaluator

    name, gold, gcol, pred, pcol = spec
    y_true = read_column(base / gold, gcol)
    y_pred = read_column(base / (pred or gold), pcol)
    tags = sorted({t[2:] for s in y_true + y_pred for t in s if t != "O"})
    ref = Evaluator(y_true, y_pred, tags=tags, loader="list").evaluate()
    got = ieval_json(ctx, ieval_args(base, name, gold, gcol, pred, pcol) + ["--profile", "nervaluate"])
    ents = got["systems"][0]["entities"]
    for strat, mode in NERVAL_MODES.items():
        pairs = [("overall", ref["overall"][strat], ents[mode]["micro"])]
        pairs += [(t, ref["entities"][t][strat], ents[mode]["labels"][t]) for t in ref["entities"]]
        for what, r, g in pairs:
            for field, gfield in [("correct", "cor"), ("incorrect", "inc"), ("partial", "par"), ("missed", "mis"), ("spurious", "spu"), ("possible", "possible"), ("actual", "actual")]:
                if getattr(r, field) != g[gfield]:
                    raise AssertionError(f"nervaluate {name} {strat} {what} {field}: ieval {g[gfield]} != {getattr(r, field)}")
            for field in ["precision", "recall", "f1"]:
                close(g[field], getattr(r, field), f"nervaluate {name} {strat} {what} {field}")


def conlleval_counts(script, path, gcol, pcol, pred_path=None, pred_col=None):
    """Run conlleval.pl on `token gold pred` lines; return {type: (found_gold, found_pred, correct)}."""
    lines = []
    with open(path, encoding="utf-8") as f:
        gl = f.read().split("\n")
    pl = None
    if pred_path:
        with open(pred_path, encoding="utf-8") as f:
            pl = f.read().split("\n")
    for i, line in enumerate(gl):
        parts = line.split()
        if not parts:
            lines.append("")
            continue
        p = (pl[i].split()[pred_col]) if pl else parts[pcol]
        lines.append(f"{parts[0]} {parts[gcol]} {p}")
    out = subprocess.run(["perl", script, "-d", " "], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True).stdout
    head = re.search(r"processed \d+ tokens with (\d+) phrases; found: (\d+) phrases; correct: (\d+)", out)
    f1 = float(re.search(r"FB1:\s+([\d.]+)", out).group(1))
    per = {}
    for m in re.finditer(r"^\s*(\S+): precision:\s+[\d.]+%; recall:\s+[\d.]+%; FB1:\s+[\d.]+\s+(\d+)", out, re.M):
        per[m.group(1)] = int(m.group(2))
    return (int(head.group(1)), int(head.group(2)), int(head.group(3))), f1, per


def run(ctx):
    ctx.need_module("seqeval")
    ctx.need_module("nervaluate")
    base = ctx.need_corpora() / "conll2003-preds"
    script = os.environ.get("CONLLEVAL")
    if not script and os.environ.get("IEVAL_REQUIRE_PYTHON") == "1":
        raise AssertionError("CONLLEVAL is not set: .ci/run extracts conlleval.pl from the seqeval sdist")
    for spec in SYSTEMS:
        name, gold, gcol, pred, pcol = spec
        f1 = check_seqeval(ctx, base, spec, strict=False)
        f1_strict = check_seqeval(ctx, base, spec, strict=True)
        if name == "elmo-iob1" and not f1_strict < 0.5 * f1:
            raise AssertionError(f"seqeval strict on IOB1 gold should drop most gold chunks (F1 {f1_strict})")
        check_nervaluate(ctx, base, spec)
        got = ieval_json(ctx, ieval_args(base, name, gold, gcol, pred, pcol) + ["--profile", "conlleval"])
        m = got["systems"][0]["entities"]["strict"]
        if name in PUBLISHED_F1 and round(100 * m["micro"]["f1"], 2) != PUBLISHED_F1[name]:
            raise AssertionError(f"conlleval {name}: F1 {100 * m['micro']['f1']:.4f} != published {PUBLISHED_F1[name]}")
        if script and name not in NOT_LINE_ALIGNED:
            (ngold, npred, ncor), ref_f1, per = conlleval_counts(
                script, base / gold, gcol, pcol, base / pred if pred else None, 1 if pred else None
            )
            u = m["micro"]
            if (u["possible"], u["actual"], u["cor"]) != (ngold, npred, ncor):
                raise AssertionError(f"conlleval {name}: ieval {(u['possible'], u['actual'], u['cor'])} != {(ngold, npred, ncor)}")
            if round(100 * u["f1"], 2) != ref_f1:
                raise AssertionError(f"conlleval {name}: F1 {100 * u['f1']:.2f} != {ref_f1}")
            for t, npred_t in per.items():
                if m["labels"][t]["actual"] != npred_t:
                    raise AssertionError(f"conlleval {name} {t}: found {m['labels'][t]['actual']} != {npred_t}")
        ran_conlleval = script and name not in NOT_LINE_ALIGNED
        print(f"  {name}: seqeval, seqeval-strict, nervaluate{', conlleval.pl' if ran_conlleval else ''} agree (micro F1 {100 * f1:.2f})")
