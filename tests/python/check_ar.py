"""Independent re-computation of `ieval compare`'s statistics (numpy, its own RNG).

From the per-document counts that `ieval compare --per-document --format json` exports
(spaCy 3.6 vs 3.8 on CoNLL-2003 test), this script recomputes:

* the observed difference B - A of micro precision, recall and F1 in every entity mode,
  with its own formulas: must equal ieval's to 1e-12;
* the approximate-randomization p-value (swap A/B per document with probability 1/2,
  p = (#{|D*| >= |D|} + 1) / (N + 1)) with numpy's PCG64 generator: must agree with
  ieval's within Monte Carlo error.

Tolerance: both p-values are Monte Carlo estimates of the same exact permutation p-value,
from independent samples of sizes N1 (ieval) and N2 (here). Their difference has standard
error SE = sqrt(p (1 - p) (1/N1 + 1/N2)) (p pooled); the +1 terms shift each estimate by at
most 1/N. We accept |p1 - p2| <= 4 SE + 1/N1 + 1/N2: for one comparison a false alarm has
probability ~6e-5 (normal tail beyond 4 SE), for the 24 compared here < 2e-3.

It also checks the paired-bootstrap p-value the same way (resampling documents with
replacement, p = (#{|D* - D| >= |D|} + 1) / (N + 1)), with the same tolerance.
"""
import json
import subprocess

N_IEVAL = 10_000
N_HERE = 20_000
TIE = 1e-12


def metric(c, half):
    """c: (..., 6) array of [p_cor, p_par, act, g_cor, g_par, pos]; returns P, R, F1 (nan = undefined)."""
    import numpy as np

    w = 0.5 if half else 0.0
    act, pos = c[..., 2], c[..., 5]
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(act > 0, (c[..., 0] + w * c[..., 1]) / act, np.nan)
        r = np.where(pos > 0, (c[..., 3] + w * c[..., 4]) / pos, np.nan)
        f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
    f = np.where(np.isnan(p) | np.isnan(r), np.where(pos + act > 0, 0.0, np.nan), f)
    return p, r, f


def counts(t):
    g, p = t["gold"], t["pred"]
    act = p["cor"] + p["inc"] + p["par"] + p["spu"]
    pos = g["cor"] + g["inc"] + g["par"] + g["mis"]
    return [p["cor"], p["par"], act, g["cor"], g["par"], pos]


def run(ctx):
    np = ctx.need_module("numpy")
    c = ctx.need_corpora()
    gold = c / "conll2003/eng.testb"
    a = c / "conll2003-preds/spacy-sm-3.6.0.testb.conll"
    b = c / "conll2003-preds/spacy-sm-3.8.0.testb.conll"
    out = subprocess.run(
        [ctx.ieval, "compare", "--gold", str(gold), f"a={a}", f"b={b}", "--per-document",
         "--samples", str(N_IEVAL), "--format", "json", "--labels", "none"],
        check=True, capture_output=True, text=True,
    ).stdout
    v = json.loads(out)
    docs = v["per_document"]
    assert len(docs) == 231, len(docs)
    rng = np.random.default_rng(20240607)
    swaps = rng.random((N_HERE, len(docs))) < 0.5
    boot = rng.integers(0, len(docs), size=(N_HERE, len(docs)))
    boot_w = np.zeros((N_HERE, len(docs)))
    np.add.at(boot_w, (np.repeat(np.arange(N_HERE), len(docs)), boot.ravel()), 1.0)
    checked = 0
    lines = []
    for mode in ["strict", "exact", "partial", "type"]:
        key = f"entities/{mode}"
        A = np.array([counts(d["a"][key]) for d in docs], dtype=float)
        B = np.array([counts(d["b"][key]) for d in docs], dtype=float)
        half = mode == "partial"
        obs = [mb - ma for ma, mb in zip(metric(A.sum(0), half), metric(B.sum(0), half))]
        # Randomization: swapped sums = A.sum + mask @ (B - A).
        sa = A.sum(0) + swaps @ (B - A)
        sb = B.sum(0) - swaps @ (B - A)
        rand = [mb - ma for ma, mb in zip(metric(sa, half), metric(sb, half))]
        # Bootstrap: the same resampled documents for A and B.
        ba, bb = boot_w @ A, boot_w @ B
        bdiff = [mb - ma for ma, mb in zip(metric(ba, half), metric(bb, half))]
        for k, stat in enumerate(["precision", "recall", "f1"]):
            row = next(r for r in v["rows"] if r["metric"] == mode and r["stat"] == stat and r["label"] == "")
            d = float(obs[k])
            assert abs(row["delta"] - d) < 1e-12, (mode, stat, row["delta"], d)
            bound = abs(d) - TIE
            x = rand[k]
            p_ar = (np.sum(np.isnan(x) | (np.abs(x) >= bound)) + 1) / (N_HERE + 1)
            y = bdiff[k]
            p_bs = (np.sum(np.isnan(y) | (np.abs(y - d) >= bound)) + 1) / (N_HERE + 1)
            for name, mine, theirs in [("AR", p_ar, row["p_randomization"]), ("bootstrap", p_bs, row["p_bootstrap"])]:
                pooled = (mine * N_HERE + theirs * N_IEVAL) / (N_HERE + N_IEVAL)
                se = (pooled * (1 - pooled) * (1 / N_HERE + 1 / N_IEVAL)) ** 0.5
                tol = 4 * se + 1 / N_HERE + 1 / N_IEVAL
                lines.append(f"{mode:8s} {stat:9s} {name:9s} delta {d:+.5f}  ieval p {theirs:.4f}  numpy p {mine:.4f}  |diff| {abs(mine - theirs):.4f} <= {tol:.4f}")
                assert abs(mine - theirs) <= tol, lines[-1]
                checked += 1
    print("\n".join(lines))
    assert checked == 24
