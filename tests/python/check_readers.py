"""Every Parquet/CSV output of ieval read back in one line by pandas, pyarrow, DuckDB,
polars, HF `datasets` and Spark (local mode), with the row counts ieval reports (issue 15).

Outputs: a flat corpus and a partitioned one (`convert`, each table), a results store
(`run`: two datasets whose names contain `train` and `test`, which HF `datasets` used to
take for splits), `score --errors` (entity rows = gold + predicted mentions of the JSON
scores), `score --counts` (every gold document), and the tidy scores (`--format csv`,
`--output scores.parquet`: one row per micro/average/label of the JSON scores). Every tool
must read each output whole, with no option beyond the path (HF: the corpus and store
cards, or the `parquet`/`csv` builder for single files).
"""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLD = ROOT / "datasets/articles/gold.jsonl"
PREDS = {"v1": ROOT / "datasets/articles/predictions/events_v1.jsonl",
         "v2": ROOT / "datasets/articles/predictions/events_v2.jsonl"}


def ieval(ctx, *args):
    out = subprocess.run([ctx.ieval, "-q", *map(str, args)], check=True, capture_output=True, text=True)
    return out.stdout


def tidy_rows_of(scores):
    """The tidy table's rows, counted from the JSON scores."""
    n = 0
    for s in scores["systems"]:
        # Relations too: the articles' gold has some, scored with --task all.
        reps = list(s["entities"].values()) + list(s["events"].values()) + list(s.get("relations", {}).values())
        if s.get("event_type_roles"):
            reps.append(s["event_type_roles"])
        n += sum(4 + len(r["labels"]) for r in reps)
    return n


def start_spark(ctx):
    ctx.need_module("pyspark")
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        if os.environ.get("IEVAL_REQUIRE_PYTHON") == "1":
            raise RuntimeError("Spark needs a Java runtime (Debian: default-jre-headless)")
        return None
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("ieval-readers")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def run(ctx):
    pd = ctx.need_module("pandas")
    pa_ds = ctx.need_module("pyarrow.dataset")
    pq = ctx.need_module("pyarrow.parquet")
    duckdb = ctx.need_module("duckdb")
    pl = ctx.need_module("polars")
    datasets = ctx.need_module("datasets")
    datasets.disable_progress_bars()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        cache = str(tmp / "hf-cache")
        preds = [a for name, p in PREDS.items() for a in ("--pred", f"{name}={p}")]

        # (name, kind, path, expected rows, HF one-liner)
        outputs = []
        stats = json.loads(ieval(ctx, "convert", GOLD, *preds, "--out", tmp / "corpus", "--format", "json"))
        ieval(ctx, "convert", GOLD, *preds, "--partition-by", "source", "--out", tmp / "parts")
        docs = stats["documents"]
        for corpus, layout in [(tmp / "corpus", "flat"), (tmp / "parts", "partitioned")]:
            for table, config in [("documents", "documents"), ("gold", "gold"), ("systems/v1", "system-v1")]:
                path = corpus / (f"{table}.parquet" if layout == "flat" else table)
                hf = (lambda c=corpus, n=config: datasets.load_dataset(str(c), n, cache_dir=cache)["train"].num_rows)
                outputs.append((f"{layout} corpus {table}", "dir" if layout == "partitioned" else "file", path, docs, hf))

        scores = json.loads(ieval(ctx, "score", "--gold", GOLD, *preds, "--task", "all", "--format", "json",
                                  "--errors", tmp / "errors.parquet", "--counts", tmp / "counts.parquet"))
        mentions = sum(s["entities"]["strict"]["micro"]["possible"] + s["entities"]["strict"]["micro"]["actual"]
                       for s in scores["systems"])
        ieval(ctx, "score", "--gold", GOLD, *preds, "--task", "all", "--format", "csv", "-o", tmp / "scores.csv")
        ieval(ctx, "score", "--gold", GOLD, *preds, "--task", "all", "-o", tmp / "scores.parquet")
        tidy = tidy_rows_of(scores)
        single = lambda p, b="parquet": (lambda: datasets.load_dataset(b, data_files=str(p), cache_dir=cache)["train"].num_rows)
        outputs.append(("errors.parquet", "file", tmp / "errors.parquet", mentions, single(tmp / "errors.parquet")))
        outputs.append(("scores.parquet", "file", tmp / "scores.parquet", tidy, single(tmp / "scores.parquet")))
        outputs.append(("scores.csv", "csv", tmp / "scores.csv", tidy, single(tmp / "scores.csv", "csv")))
        counts_rows = pq.ParquetFile(tmp / "counts.parquet").metadata.num_rows
        n_docs = duckdb.sql(f"select count(distinct doc_id) from '{tmp / 'counts.parquet'}'").fetchall()[0][0]
        assert n_docs == scores["gold"]["documents"], f"counts.parquet: {n_docs} documents, JSON says {scores['gold']['documents']}"
        outputs.append(("counts.parquet", "file", tmp / "counts.parquet", counts_rows, single(tmp / "counts.parquet")))

        # A results store with dataset names HF took for splits.
        suite = tmp / "suite.toml"
        suite.write_text(f"""[suite]
name = "readers"
tasks = ["entities", "events"]
[[dataset]]
name = "articles-train"
path = "{GOLD}"
[[dataset]]
name = "articles-test"
path = "{GOLD}"
""" + "".join(f"""[[system]]
name = "{n}"
predictions = "{p}"
""" for n, p in PREDS.items()))
        res = tmp / "results"
        summary = json.loads(ieval(ctx, "run", suite, "--results", res, "--format", "json"))
        ok_units = [u for u in summary["units"] if u["status"] == "ok"]
        assert len(ok_units) == 4, summary
        store_rows = sum(pq.ParquetFile(res / u["counts_file"]).metadata.num_rows for u in ok_units)
        outputs.append(("results store", "dir", res / "counts", store_rows,
                        lambda: datasets.load_dataset(str(res), cache_dir=cache)["train"].num_rows))

        spark = start_spark(ctx)
        try:
            for name, kind, path, want, hf in outputs:
                p = str(path)
                glob = p if kind != "dir" else f"{p}/**/*.parquet"
                if kind == "csv":
                    got = {
                        "pandas": len(pd.read_csv(p)),
                        "pyarrow": __import__("pyarrow.csv").csv.read_csv(p).num_rows,
                        "duckdb": duckdb.sql(f"select count(*) from read_csv('{p}')").fetchall()[0][0],
                        "polars": pl.read_csv(p).height,
                        "datasets": hf(),
                    }
                    if spark is not None:
                        got["spark"] = spark.read.csv(p, header=True).count()
                else:
                    got = {
                        "pandas": len(pd.read_parquet(p)),
                        "pyarrow": pa_ds.dataset(p).count_rows(),
                        "duckdb": duckdb.sql(f"select count(*) from read_parquet('{glob}')").fetchall()[0][0],
                        "polars": pl.read_parquet(glob).height,
                        "datasets": hf(),
                    }
                    if spark is not None:
                        got["spark"] = spark.read.parquet(p).count()
                bad = {tool: n for tool, n in got.items() if n != want}
                assert not bad, f"{name}: want {want} rows, got {bad}"
            # Types the tools agree on: counts are int64 (Spark read uint64 as decimal(20,0)).
            if spark is not None:
                types = dict(spark.read.parquet(str(res / "counts")).dtypes)
                assert types["g_cor"] == "bigint" and types["dataset"] == "string", types
                shard_types = dict(spark.read.parquet(str(tmp / "counts.parquet")).dtypes)
                assert shard_types["g_cor"] == "bigint" and shard_types["doc_index"] == "bigint", shard_types
                tidy_types = dict(spark.read.parquet(str(tmp / "scores.parquet")).dtypes)
                assert tidy_types["cor"] == "bigint" and tidy_types["f1"] == "double", tidy_types
            df = pd.read_parquet(res / "counts")
            assert sorted(df["dataset"].unique()) == ["articles-test", "articles-train"], df["dataset"].unique()
            assert str(df["g_cor"].dtype) == "int64", df.dtypes
            # The tidy table: one header; pandas sees the JSON's micro F1.
            t = pd.read_csv(tmp / "scores.csv", keep_default_na=False, na_values=[""])
            for s in scores["systems"]:
                row = t[(t.system == s["name"]) & (t.metric == "TC") & (t.average == "micro")]
                assert len(row) == 1 and abs(row.f1.iloc[0] - s["events"]["TC"]["micro"]["f1"]) < 1e-12, row
            # Parquet metadata of the tidy scores and of errors.parquet.
            for f in ["scores.parquet", "errors.parquet"]:
                kv = pq.read_metadata(tmp / f).metadata
                assert kv[b"ieval:profile"] == b"default" and b"gold.jsonl" in kv[b"ieval:gold_source"], kv
        finally:
            if spark is not None:
                spark.stop()
    if spark is None:
        print("note: no Java runtime: Spark not checked")
