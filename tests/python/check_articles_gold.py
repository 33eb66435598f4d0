"""datasets/articles/gold.jsonl is up to date with its sources: the hand-annotated texts in
datasets/articles/annotated/ and what ieval's article reader makes of the raw articles
(`build_gold.py --check`). Also checks, in plain Python, that every offset slices a
`str` to the stored text, which is the data contract users rely on. The two event
prediction files in datasets/articles/predictions/ are up to date with their list of edits
(`make_predictions.py --check`) and slice the same way."""
import json
import subprocess
import sys


def run(ctx):
    root = ctx.root
    script = root / "datasets/articles/build_gold.py"
    shared = ctx.corpora / "../articles"
    r = subprocess.run([sys.executable, str(script), "--check", "--ieval", ctx.ieval, "--shared", str(shared)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"build_gold.py --check failed:\n{r.stdout}{r.stderr}")
    script = root / "datasets/articles/predictions/make_predictions.py"
    r = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"make_predictions.py --check failed:\n{r.stdout}{r.stderr}")
    files = ["gold.jsonl", "predictions/events_v1.jsonl", "predictions/events_v2.jsonl"]
    lines = [l for f in files for l in (root / "datasets/articles" / f).read_text(encoding="utf-8").splitlines()]
    for line in lines:
        d = json.loads(line)
        t = d["text"]
        for e in d["entities"]:
            assert t[e["start"]:e["end"]] == e["text"], (d["doc_id"], e)
        for ev in d["events"]:
            tr = ev["trigger"]
            assert t[tr["start"]:tr["end"]] == tr["text"], (d["doc_id"], ev["id"])
            for a in ev["arguments"]:
                assert t[a["start"]:a["end"]] == a["text"], (d["doc_id"], ev["id"], a)
