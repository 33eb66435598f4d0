"""Partitioned corpora (`ieval convert --partition-by`) read as one table per directory by
the tools people use on them: pyarrow datasets, DuckDB, polars and, when pyspark and a Java
runtime are installed, Spark.

pandas too: a hive key named like a column of the files (`split`) made pandas fail, so the
keys are `split_partition`, `source_partition`, `published_month`.

A corpus of generated documents with metadata (some without a split, a source with a
slash and a space, some without a date) is converted with a gold set and a system, once per
partition key. For every table (documents, gold, systems/sys) every reader must see every
document once, and the partition column must carry the document's own value: the split,
the source, the `YYYY-MM` of the date, and `~none` for a document without one. A join of the
documents and gold tables on doc_id must pair every document.
"""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

N = 60
SOURCES = ["Reuters", "AP/AFP", "Le Monde", None]
SPLITS = ["train", "train", "dev", "test", None]


def documents():
    docs = []
    for i in range(N):
        text = f"Talks in Zürich on day {i}: the minister met officials of the World Bank."
        d = {"doc_id": f"doc-{i:03d}", "text": text,
             "entities": [{"start": 9, "end": 15, "label": "LOC"},
                          {"start": 61, "end": 71, "label": "ORG"}]}
        split, source = SPLITS[i % len(SPLITS)], SOURCES[(i // 2) % len(SOURCES)]
        if split:
            d["split"] = split
        if source:
            d["source"] = source
        if i % 7:
            d["published"] = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        docs.append(d)
    return docs


def expected(docs, key):
    out = {}
    for d in docs:
        if key == "published_month":
            out[d["doc_id"]] = d["published"][:7] if "published" in d else None
        else:
            out[d["doc_id"]] = d.get(key)
    return out


def keyed(want):
    """The hive key's values: the document's value, `~none` when it has none."""
    return {k: ("~none" if v is None else v) for k, v in want.items()}


def check_rows(who, table, rows, want):
    """rows: list of (doc_id, key value)."""
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)) == len(want), f"{who} {table}: {len(ids)} rows, {len(set(ids))} ids, want {len(want)}"
    got = {r[0]: r[1] for r in rows}
    bad = {k: (got[k], want[k]) for k in want if got.get(k) != want[k]}
    assert not bad, f"{who} {table}: partition values differ (got, want): {dict(list(bad.items())[:5])}"


def run(ctx):
    ds = ctx.need_module("pyarrow.dataset")
    duckdb = ctx.need_module("duckdb")
    pl = ctx.need_module("polars")
    pd = ctx.need_module("pandas")
    docs = documents()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        gold = tmp / "gold.jsonl"
        gold.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
        corpora = {}
        for by in ["split", "source", "published-month"]:
            out = tmp / f"by-{by}"
            subprocess.run([ctx.ieval, "-q", "convert", str(gold), "--pred", f"sys={gold}", "--partition-by", by,
                            "--out", str(out)], check=True, capture_output=True)
            corpora[by.replace("-", "_")] = out
        # The hive key of each partitioning: never a column name (pandas fails on one).
        hive = {"split": "split_partition", "source": "source_partition", "published_month": "published_month"}
        spark = start_spark()
        try:
            for col, out in corpora.items():
                want_col = expected(docs, col)
                want = keyed(want_col)
                key = hive[col]
                for table in ["documents", "gold", "systems/sys"]:
                    path = out / table
                    t = ds.dataset(str(path), format="parquet", partitioning="hive").to_table(columns=["doc_id", key])
                    check_rows("pyarrow", table, list(zip(t.column("doc_id").to_pylist(), t.column(key).to_pylist())), want)
                    df = pd.read_parquet(path)
                    check_rows("pandas", table, [(d, None if pd.isna(k) else k) for d, k in zip(df["doc_id"], df[key])], want)
                    if table == "documents" and col != "published_month":
                        check_rows("pandas (file column)", table,
                                   [(d, None if pd.isna(k) else k) for d, k in zip(df["doc_id"], df[col])], want_col)
                    rows = duckdb.sql(f"select doc_id, {key} from read_parquet('{path}/**/*.parquet', "
                                      f"hive_partitioning = true)").fetchall()
                    check_rows("duckdb", table, rows, want)
                    df = pl.scan_parquet(f"{path}/**/*.parquet", hive_partitioning=True).select("doc_id", key).collect()
                    check_rows("polars", table, list(df.iter_rows()), want)
                    if spark is not None:
                        rows = [(r[0], r[1]) for r in spark.read.parquet(str(path)).select("doc_id", key).collect()]
                        check_rows("spark", table, rows, want)
                n = duckdb.sql(f"select count(*) from read_parquet('{out}/documents/**/*.parquet', hive_partitioning = true) d "
                               f"join read_parquet('{out}/gold/**/*.parquet', hive_partitioning = true) g using (doc_id)").fetchall()[0][0]
                assert n == N, f"{key}: documents join gold on {n} rows, want {N}"
        finally:
            if spark is not None:
                spark.stop()
    if spark is None:
        print("note: pyspark or java not available: Spark not checked")


def start_spark():
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        return None
    spark = (SparkSession.builder.master("local[1]").appName("ieval-check")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark
