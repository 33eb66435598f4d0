"""The README's claims about reading ieval's files in other tools hold (issue 15):

- offsets: `text[start:end]` (Python), `str.slice(start, end - start)` (polars) and
  `substr(text, start + 1, "end" - start)` (DuckDB, 1-based) give every entity's text on a
  converted corpus with non-ASCII text, and DuckDB's 0-based misuse does not;
- the DuckDB query of "Per-label P/R/F1 from errors.parquet", taken from README.md as
  written, equals the per-label precision, recall and F1 of `score --format json`;
- README.md and suites/README.md name no Markdown file that does not exist.
"""
import json
import math
import pathlib
import re
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]


def readme_sql():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    at = text.index("**Per-label P/R/F1 from `errors.parquet`.**")
    m = re.compile(r"```sql\n(.*?)```", re.S).search(text, at)
    assert m, "README: no sql block after the per-label P/R/F1 paragraph"
    return m.group(1)


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def run(ctx):
    duckdb = ctx.need_module("duckdb")
    pl = ctx.need_module("polars")
    pq = ctx.need_module("pyarrow.parquet")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        # A corpus with non-ASCII text (code points != bytes) and a system of string-only
        # LLM output aligned onto it: entities of every kind of outcome.
        gold = tmp / "gold.jsonl"
        docs = [json.loads(l) for l in (ROOT / "datasets/articles/gold.jsonl").read_text(encoding="utf-8").splitlines()]
        for d in docs:  # shift every offset by a non-ASCII prefix
            pre = "Zürich — 😀 "
            d["text"] = pre + d["text"]
            for e in d.get("entities", []):
                e["start"] += len(pre)
                e["end"] += len(pre)
            for ev in d.get("events", []):
                for x in [ev["trigger"], *ev.get("arguments", [])]:
                    x["start"] += len(pre)
                    x["end"] += len(pre)
        gold.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
        corpus = tmp / "corpus"
        subprocess.run([ctx.ieval, "-q", "convert", str(gold), "--out", str(corpus)], check=True, capture_output=True)
        n = sum(len(d.get("entities", [])) for d in docs)
        D, G = corpus / "documents.parquet", corpus / "gold.parquet"

        texts = {r["doc_id"]: r["text"] for r in pq.read_table(D).to_pylist()}
        py = sum(texts[r["doc_id"]][e["start"]:e["end"]] == e["text"] for r in pq.read_table(G).to_pylist() for e in r["entities"])
        assert py == n, f"python slicing: {py} of {n}"
        q = lambda expr: duckdb.sql(
            f"select count(*) filter ({expr} = e.text), count(*) from "
            f"(select doc_id, unnest(entities) as e from '{G}') join '{D}' using (doc_id)").fetchall()[0]
        ok, total = q('substr(text, e.start + 1, e."end" - e.start)')
        assert ok == total == n, f"DuckDB substr(text, start + 1, end - start): {ok} of {total}, want {n}"
        wrong, _ = q('substr(text, e.start, e."end" - e.start)')
        assert wrong < n, "DuckDB is 1-based: substr(text, start, ...) must not match"
        df = (pl.read_parquet(G).explode("entities").unnest("entities").rename({"text": "mention"})
              .join(pl.read_parquet(D).select("doc_id", "text"), on="doc_id")
              .with_columns(pl.col("text").str.slice(pl.col("start"), pl.col("end") - pl.col("start")).alias("sliced")))
        assert df.height == n and (df["sliced"] == df["mention"]).all(), "polars str.slice"

        # Per-label P/R/F1 from errors.parquet, the README's query as written.
        errors = tmp / "errors.parquet"
        scores = json.loads(subprocess.run(
            [ctx.ieval, "score", "--gold", str(gold), "--align", "--pred",
             f"llm={ROOT / 'datasets/articles/predictions/llm_strings.jsonl'}", "--pred", f"self={gold}",
             "--task", "entities", "--format", "json", "--errors", str(errors)],
            check=True, capture_output=True, text=True).stdout)
        sql = readme_sql().replace("'errors.parquet'", f"'{errors}'")
        rows = duckdb.sql(sql).fetchall()
        want = {(s["name"], label): v for s in scores["systems"] for label, v in s["entities"]["strict"]["labels"].items()}
        got = {(r[0], r[1]): r[2:] for r in rows}
        assert set(got) == set(want), f"labels differ: {sorted(set(got) ^ set(want))}"
        for k, (p, r, f) in got.items():
            w = want[k]
            assert same(p, w["precision"]) and same(r, w["recall"]) and same(f, w["f1"]), f"{k}: {(p, r, f)} vs {w}"
        assert len({s for s, _ in got}) == 2 and any(0 < w["f1"] < 1 for w in want.values()), "a weak check"

    # No reference to a Markdown file that does not exist.
    for doc in [ROOT / "README.md", ROOT / "suites/README.md"]:
        for ref in sorted(set(re.findall(r"[\w./-]*[A-Za-z_]\.md\b", doc.read_text(encoding="utf-8")))):
            ref = ref.lstrip("./")
            if ref.split("/")[0] in ("DIR", "corpus", "results"):  # cards that ieval writes
                continue
            if not ((doc.parent / ref).exists() or (ROOT / ref).exists()):
                raise AssertionError(f"{doc.relative_to(ROOT)} names {ref}, which does not exist")
