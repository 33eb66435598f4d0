"""Inputs written by other tools, with their defaults, score as ieval's own (issue 15, Read).

1. One corpus (documents + gold) and one system, written by pyarrow, pandas, DuckDB, polars,
   HF `datasets` and (when pyspark and Java work) Spark with each tool's default options
   (Snappy for most, zstd for polars; int32 or int64 offsets; string, large_string or
   string_view; entities with only start, end, label), score identically in ieval, and the
   counts equal the ones computed here from the Python objects. So do pyarrow files with
   every Parquet codec (none, Snappy, gzip, LZ4, Brotli, zstd), dictionary-encoded strings
   and unsigned offsets, and the system as a long table (one row per mention) in a file and
   in a directory of files.
2. An HF-style CoNLL-2003 test set (eng.testb, ClassLabel integer tags, one row per sentence
   and a document id per row) with spaCy's predictions scores the same per document as
   eng.testb read as CoNLL, and the published numbers of that system (P 65.59, R 54.50,
   F1 59.53). Also as `save_to_disk` Arrow files and as JSON Lines with --tag-names.
3. spaCy `Doc.to_json()` lines and a `DocBin` (spacy.blank("en"), entities set by hand) score
   as the equivalent ieval JSONL, with --label-map mapping spaCy's labels onto the gold's.
"""
import json
import pathlib
import shutil
import subprocess
import tempfile

TEXTS = [
    "Angela Merkel met Emmanuel Macron in Zürich on Monday.",
    "The World Bank lent €2 billion to Ghana.",
    "Naïve investors followed Goldman Sachs into São Paulo.",
    "No entities here at all.",
    "Reuters reported that Apple Inc. hired 𝒳 staff in Berlin.",
]


def spans(text, *pairs):
    out = []
    for surface, label in pairs:
        i = text.index(surface)
        out.append({"start": i, "end": i + len(surface), "label": label})
    return out


def corpus():
    gold = [
        spans(TEXTS[0], ("Angela Merkel", "PER"), ("Emmanuel Macron", "PER"), ("Zürich", "LOC")),
        spans(TEXTS[1], ("World Bank", "ORG"), ("Ghana", "LOC")),
        spans(TEXTS[2], ("Goldman Sachs", "ORG"), ("São Paulo", "LOC")),
        [],
        spans(TEXTS[4], ("Reuters", "ORG"), ("Apple Inc.", "ORG"), ("Berlin", "LOC")),
    ]
    system = [
        spans(TEXTS[0], ("Angela Merkel", "PER"), ("Macron", "PER"), ("Zürich", "ORG")),
        spans(TEXTS[1], ("World Bank", "ORG"), ("Ghana", "LOC"), ("€2 billion", "MONEY")),
        spans(TEXTS[2], ("Goldman Sachs", "ORG")),
        spans(TEXTS[3], ("No", "ORG")),
        spans(TEXTS[4], ("Reuters", "ORG"), ("Apple Inc.", "ORG"), ("Berlin", "LOC")),
    ]
    ids = [f"doc-{i}" for i in range(len(TEXTS))]
    return ids, gold, system


def expected_strict(gold, system):
    g = {(d, e["start"], e["end"], e["label"]) for d, es in enumerate(gold) for e in es}
    s = {(d, e["start"], e["end"], e["label"]) for d, es in enumerate(system) for e in es}
    return {"tp": len(g & s), "fp": len(s - g), "fn": len(g - s)}


def run_ieval(ctx, *args):
    p = subprocess.run([ctx.ieval, *map(str, args)], capture_output=True, text=True)
    assert p.returncode == 0, f"ieval {' '.join(map(str, args))} failed ({p.returncode}): {p.stderr}"
    return p.stdout


def strict(ctx, *args):
    out = json.loads(run_ieval(ctx, "score", "--format", "json", *args))
    (sysrep,) = out["systems"]
    m = sysrep["entities"]["strict"]["micro"]
    return {"tp": int(m["tp"]), "fp": int(m["fp"]), "fn": int(m["fn"])}, out


def write_tool(tool, d, ids, gold, system):
    """Write documents.parquet, gold.parquet and sys.parquet (or Spark directories) with the
    tool's defaults; returns (corpus dir, system path)."""
    d.mkdir(parents=True)
    if tool == "pyarrow":
        import pyarrow as pa
        import pyarrow.parquet as pq
        pq.write_table(pa.table({"doc_id": ids, "text": TEXTS}), d / "documents.parquet")
        pq.write_table(pa.table({"doc_id": ids, "entities": gold}), d / "gold.parquet")
        pq.write_table(pa.table({"doc_id": ids, "entities": system}), d / "sys.parquet")
    elif tool == "pandas":
        import pandas as pd
        pd.DataFrame({"doc_id": ids, "text": TEXTS}).to_parquet(d / "documents.parquet")
        pd.DataFrame({"doc_id": ids, "entities": gold}).to_parquet(d / "gold.parquet")
        pd.DataFrame({"doc_id": ids, "entities": system}).to_parquet(d / "sys.parquet")
    elif tool == "duckdb":
        import duckdb
        con = duckdb.connect()
        con.execute("CREATE TABLE docs(doc_id VARCHAR, text VARCHAR)")
        con.executemany("INSERT INTO docs VALUES (?, ?)", list(zip(ids, TEXTS)))
        con.execute(f"COPY docs TO '{d / 'documents.parquet'}' (FORMAT parquet)")
        for name, sets in (("gold", gold), ("sys", system)):
            con.execute(f"CREATE TABLE {name}(doc_id VARCHAR, entities STRUCT(start INTEGER, \"end\" INTEGER, label VARCHAR)[])")
            con.executemany(f"INSERT INTO {name} VALUES (?, ?)", [(i, es) for i, es in zip(ids, sets)])
            con.execute(f"COPY {name} TO '{d / (name + '.parquet')}' (FORMAT parquet)")
    elif tool == "polars":
        import polars as pl
        pl.DataFrame({"doc_id": ids, "text": TEXTS}).write_parquet(d / "documents.parquet")
        ent = pl.List(pl.Struct({"start": pl.Int64, "end": pl.Int64, "label": pl.String}))
        pl.DataFrame({"doc_id": ids, "entities": gold}, schema={"doc_id": pl.String, "entities": ent}).write_parquet(d / "gold.parquet")
        pl.DataFrame({"doc_id": ids, "entities": system}, schema={"doc_id": pl.String, "entities": ent}).write_parquet(d / "sys.parquet")
    elif tool == "datasets":
        from datasets import Dataset
        Dataset.from_dict({"doc_id": ids, "text": TEXTS}).to_parquet(str(d / "documents.parquet"))
        Dataset.from_dict({"doc_id": ids, "entities": gold}).to_parquet(str(d / "gold.parquet"))
        Dataset.from_dict({"doc_id": ids, "entities": system}).to_parquet(str(d / "sys.parquet"))
    elif tool == "spark":
        spark = start_spark()
        if spark is None:
            return None
        try:
            schema = "doc_id string, entities array<struct<start:int,end:int,label:string>>"
            spark.createDataFrame(list(zip(ids, TEXTS)), "doc_id string, text string").repartition(2).write.parquet(str(d / "documents"))
            spark.createDataFrame(list(zip(ids, gold)), schema).repartition(2).write.parquet(str(d / "gold"))
            spark.createDataFrame(list(zip(ids, system)), schema).repartition(2).write.parquet(str(d / "sys"))
        finally:
            spark.stop()
        return d, d / "sys"
    return d, d / "sys.parquet"


def start_spark():
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    if shutil.which("java") is None:
        return None
    spark = (SparkSession.builder.master("local[1]").appName("ieval-check")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "1").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def quiet_datasets():
    try:
        import datasets
        datasets.disable_progress_bars()
    except ImportError:
        pass


def check_tools(ctx, tmp):
    ids, gold, system = corpus()
    want = expected_strict(gold, system)
    tools = ["pyarrow", "pandas", "duckdb", "polars", "datasets", "spark"]
    for tool in tools:
        if tool not in ("pyarrow", "spark"):
            ctx.need_module(tool if tool != "datasets" else "datasets")
        made = write_tool(tool, tmp / tool, ids, gold, system)
        if made is None:
            print("note: pyspark or java not available: Spark not checked")
            continue
        c, sys_path = made
        got, out = strict(ctx, "-g", c, "-p", f"sys={sys_path}")
        assert got == want, f"{tool}: strict {got}, expected {want}"
        assert out["gold"]["documents"] == len(ids) and out["gold"]["entities"] == sum(map(len, gold)), (tool, out["gold"])


def check_codecs_and_types(ctx, tmp):
    import pyarrow as pa
    import pyarrow.parquet as pq
    ids, gold, system = corpus()
    want = expected_strict(gold, system)
    c = tmp / "codecs"
    c.mkdir()
    pq.write_table(pa.table({"doc_id": ids, "text": TEXTS}), c / "documents.parquet")
    pq.write_table(pa.table({"doc_id": ids, "entities": gold}), c / "gold.parquet")
    sys_table = pa.table({"doc_id": ids, "entities": system})
    for codec in ["NONE", "SNAPPY", "GZIP", "LZ4", "BROTLI", "ZSTD"]:
        p = c / f"sys_{codec.lower()}.parquet"
        pq.write_table(sys_table, p, compression=codec)
        got, _ = strict(ctx, "-g", c, "-p", f"sys={p}")
        assert got == want, f"codec {codec}: {got} != {want}"
    # Column types other writers produce.
    for name, off, lab, idt in [("large", pa.int64(), pa.large_string(), pa.large_string()),
                                ("uint", pa.uint32(), pa.string(), pa.string()),
                                ("view", pa.int32(), pa.string(), pa.string_view()),
                                ("dict", pa.int16(), pa.dictionary(pa.int32(), pa.string()), pa.string())]:
        ent = pa.large_list(pa.struct([("label", lab), ("start", off), ("end", off)]))
        flat = [[{"label": e["label"], "start": e["start"], "end": e["end"]} for e in es] for es in system]
        t = pa.table({"doc_id": pa.array(ids, idt), "entities": pa.array(flat, ent)})
        p = c / f"sys_{name}.parquet"
        pq.write_table(t, p)
        got, _ = strict(ctx, "-g", c, "-p", f"sys={p}")
        assert got == want, f"types {name}: {got} != {want}"
    # A long table, one row per mention, in one file and as a directory of files.
    rows = [{"doc_id": i, **e, "score": 0.5} for i, es in zip(ids, system) for e in es]
    rows.reverse()
    long = pa.Table.from_pylist(rows)
    pq.write_table(long, c / "sys_long.parquet")
    got, _ = strict(ctx, "-g", c, "-p", f"sys={c / 'sys_long.parquet'}")
    assert got == want, f"long table: {got} != {want}"
    ld = tmp / "long_dir"
    ld.mkdir()
    pq.write_table(long.slice(0, 4), ld / "part-0.parquet")
    pq.write_table(long.slice(4), ld / "part-1.parquet")
    got, _ = strict(ctx, "-g", c, "-p", f"sys={ld}")
    assert got == want, f"long table directory: {got} != {want}"
    # Document metadata as a map column (a Python dict), read into `meta`.
    m = tmp / "map_corpus"
    m.mkdir()
    meta = pa.array([[("source", "wire"), ("n", str(i))] for i in range(len(ids))], pa.map_(pa.string(), pa.string()))
    pq.write_table(pa.table({"doc_id": ids, "text": TEXTS, "meta": meta}), m / "documents.parquet")
    pq.write_table(pa.table({"doc_id": ids, "entities": gold}), m / "gold.parquet")
    got, _ = strict(ctx, "-g", m, "-p", f"sys={c / 'sys_snappy.parquet'}")
    assert got == want, f"map meta: {got} != {want}"
    run_ieval(ctx, "convert", m, "--out", tmp / "map.jsonl")
    first = json.loads(open(tmp / "map.jsonl", encoding="utf-8").readline())
    assert first["meta"] == {"source": "wire", "n": "0"}, first
    # A value that does not fit is an error naming the file, not a wrapped offset.
    bad = pa.table({"doc_id": ids[:1], "entities": pa.array([[{"start": -1, "end": 5, "label": "PER"}]])})
    pq.write_table(bad, c / "sys_bad.parquet")
    p = subprocess.run([ctx.ieval, "score", "-g", c, "-p", f"sys={c / 'sys_bad.parquet'}"], capture_output=True, text=True)
    assert p.returncode == 2 and "sys_bad.parquet" in p.stderr, (p.returncode, p.stderr)


def read_conll(path, tag_col):
    """Sentences of a CoNLL file: (doc ordinal, tokens, tags); -DOCSTART- starts a document."""
    docs, sent, doc = [], ([], []), 0
    out = []
    for line in open(path, encoding="utf-8"):
        cols = line.split()
        if not cols:
            if sent[0]:
                out.append((doc, *sent))
            sent = ([], [])
            continue
        if cols[0] == "-DOCSTART-":
            doc += 1
            continue
        sent[0].append(cols[0])
        sent[1].append(cols[tag_col])
    if sent[0]:
        out.append((doc, *sent))
    return out


def check_hf_conll(ctx, tmp):
    datasets = ctx.need_module("datasets")
    corpora = ctx.need_corpora()
    testb = corpora / "conll2003/eng.testb"
    spacy_out = corpora / "conll2003-preds/spacy-sm-3.8.0.testb.conll"
    gold = read_conll(testb, -1)
    pred = read_conll(spacy_out, -1)
    assert [g[1] for g in gold] == [p[1] for p in pred], "token streams differ"
    names = sorted({t for _, _, tags in gold + pred for t in tags}, key=lambda t: (t != "O", t))
    features = datasets.Features({
        "id": datasets.Value("string"),
        "doc_id": datasets.Value("string"),
        "tokens": datasets.Sequence(datasets.Value("string")),
        "ner_tags": datasets.Sequence(datasets.ClassLabel(names=names)),
    })

    def dataset(rows):
        return datasets.Dataset.from_dict({
            "id": [str(i) for i in range(len(rows))],
            "doc_id": [f"{d:04d}" for d, _, _ in rows],
            "tokens": [t for _, t, _ in rows],
            "ner_tags": [[names.index(x) for x in tags] for _, _, tags in rows],
        }, features=features)

    dg, dp = dataset(gold), dataset(pred)
    dg.to_parquet(str(tmp / "hf_gold.parquet"))
    dp.to_parquet(str(tmp / "hf_spacy.parquet"))
    ref_counts, hf_counts = tmp / "ref_counts.parquet", tmp / "hf_counts.parquet"
    ref = json.loads(run_ieval(ctx, "score", "-g", testb, "-p", f"spacy={spacy_out}", "--format", "json", "--counts", ref_counts))
    hf = json.loads(run_ieval(ctx, "score", "-g", tmp / "hf_gold.parquet", "-p", f"spacy={tmp / 'hf_spacy.parquet'}",
                              "--format", "json", "--counts", hf_counts))
    assert hf["gold"]["documents"] == ref["gold"]["documents"] == 231, (hf["gold"], ref["gold"])
    rs, hs = ref["systems"][0]["entities"]["strict"], hf["systems"][0]["entities"]["strict"]
    assert rs["micro"] == hs["micro"], (rs["micro"], hs["micro"])
    assert rs["documents"] == hs["documents"], (rs["documents"], hs["documents"])
    m = hs["micro"]
    assert (round(100 * m["precision"], 2), round(100 * m["recall"], 2), round(100 * m["f1"], 2)) == (65.59, 54.50, 59.53), m
    import pyarrow.parquet as pq
    key = lambda t: sorted(zip(*[t.column(c).to_pylist() for c in t.column_names if c not in ("system",)]), key=repr)
    rt, ht = pq.read_table(ref_counts), pq.read_table(hf_counts)
    assert rt.num_rows == ht.num_rows > 231 and key(rt) == key(ht), "per-document counts differ"

    # The same through save_to_disk (Arrow files + dataset_info.json) and JSON Lines + --tag-names.
    dg.save_to_disk(str(tmp / "hf_gold_disk"))
    dp.save_to_disk(str(tmp / "hf_spacy_disk"))
    disk = json.loads(run_ieval(ctx, "score", "-g", tmp / "hf_gold_disk", "-p", f"spacy={tmp / 'hf_spacy_disk'}", "--format", "json"))
    assert disk["systems"][0]["entities"]["strict"]["micro"] == m
    dg.to_json(str(tmp / "hf_gold.jsonl"))
    dp.to_json(str(tmp / "hf_spacy.jsonl"))
    args = ["-g", tmp / "hf_gold.jsonl", "-p", f"spacy={tmp / 'hf_spacy.jsonl'}", "--format", "json"]
    p = subprocess.run([ctx.ieval, "score", *map(str, args)], capture_output=True, text=True)
    assert p.returncode == 2 and "--tag-names" in p.stderr, p.stderr
    js = json.loads(run_ieval(ctx, "score", *args, "--tag-names", ",".join(names)))
    assert js["systems"][0]["entities"]["strict"]["micro"] == m

    # Document boundaries from -DOCSTART- rows (no document column): same documents.
    rows = []
    for i, (d, toks, tags) in enumerate(gold):
        if i == 0 or gold[i - 1][0] != d:
            rows.append({"tokens": ["-DOCSTART-"], "ner_tags": ["O"]})
        rows.append({"tokens": toks, "ner_tags": tags})
    with open(tmp / "docstart.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    ds = json.loads(run_ieval(ctx, "score", "-g", tmp / "docstart.jsonl", "-p", f"spacy={tmp / 'hf_spacy.parquet'}", "--format", "json"))
    assert ds["gold"]["documents"] == 231 and ds["systems"][0]["entities"]["strict"]["micro"] == m


def check_spacy(ctx, tmp):
    spacy = ctx.need_module("spacy")
    from spacy.tokens import DocBin
    ids, gold, system = corpus()
    to_spacy = {"PER": "PERSON", "LOC": "GPE"}
    nlp = spacy.blank("en")
    docs = []
    for text, es in zip(TEXTS, system):
        doc = nlp(text)
        doc.ents = [doc.char_span(e["start"], e["end"], label=to_spacy.get(e["label"], e["label"]), alignment_mode="expand") for e in es]
        docs.append(doc)
    # Hand-set entities must sit on token boundaries for the comparison to be exact.
    for doc, es in zip(docs, system):
        assert [(e.start_char, e.end_char) for e in doc.ents] == sorted((e["start"], e["end"]) for e in es), doc.text
    with open(tmp / "gold.jsonl", "w") as f:
        for i, (text, es) in enumerate(zip(TEXTS, gold)):
            f.write(json.dumps({"doc_id": str(i + 1), "text": text, "entities": es}, ensure_ascii=False) + "\n")
    with open(tmp / "sys.jsonl", "w") as f:
        for i, (text, es) in enumerate(zip(TEXTS, system)):
            f.write(json.dumps({"doc_id": str(i + 1), "text": text, "entities": es}, ensure_ascii=False) + "\n")
    with open(tmp / "spacy.jsonl", "w") as f:
        for doc in docs:
            f.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")
    DocBin(docs=docs).to_disk(tmp / "spacy.spacy")
    want = expected_strict(gold, system)
    base, _ = strict(ctx, "-g", tmp / "gold.jsonl", "-p", f"sys={tmp / 'sys.jsonl'}")
    assert base == want, (base, want)
    for name in ("spacy.jsonl", "spacy.spacy"):
        got, out = strict(ctx, "-g", tmp / "gold.jsonl", "-p", f"sys={tmp / name}", "--label-map", "PERSON=PER,GPE=LOC")
        assert got == want, f"{name}: {got} != {want}"
        diag = out["systems"][0]["diagnostics"]
        for lab, sp in to_spacy.items():
            n = sum(e["label"] == lab for es in system for e in es)
            assert diag[f"label-map:{sp}->{lab}"]["count"] == n, diag
        # Without the map, the mentions labelled PER or LOC no longer match.
        g = {(d, e["start"], e["end"], e["label"]) for d, es in enumerate(gold) for e in es}
        renamed = sum((d, e["start"], e["end"], e["label"]) in g for d, es in enumerate(system) for e in es if e["label"] in to_spacy)
        assert renamed > 0
        got, _ = strict(ctx, "-g", tmp / "gold.jsonl", "-p", f"sys={tmp / name}")
        assert got["tp"] == want["tp"] - renamed, (name, got)


def run(ctx):
    ctx.need_module("pyarrow")
    quiet_datasets()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="ieval-tools-"))
    try:
        check_codecs_and_types(ctx, tmp)
        check_tools(ctx, tmp)
        check_spacy(ctx, tmp)
        check_hf_conll(ctx, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
