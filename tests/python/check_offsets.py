"""The data contract, checked from outside Rust: every corpus ieval reads under the shared
corpora (and the bundled and fixture inputs) is converted with the real `ieval convert` into
a Parquet corpus directory, read back with pyarrow, and for every entity, trigger and
argument `text[start:end] == stored text` must hold with Python `str` slicing (code points,
end-exclusive). Fragments and heads must lie inside their mention, and sentence and token
spans inside the text. Any mismatch fails the check with the corpus, document, mention and
both texts.

Before trusting a pass, the check tampers with one converted file (an entity shifted by one
code point) and requires the same checker to catch it.
"""
import json
import pathlib
import subprocess
import tempfile

MAX_SHOWN = 20


def inputs(ctx, corpora):
    """(name, input path, extra convert arguments), one per corpus ieval reads."""
    c = corpora
    out = []
    for f in ["eng.train", "eng.testa", "eng.testb", "conllpp/conllpp_test.txt"]:
        out.append((f"conll2003/{f}", c / "conll2003" / f, []))
    preds = c / "conll2003-preds"
    files = sorted(p for p in preds.rglob("*") if p.is_file() and p.suffix in (".conll", ".txt")
                   and not any(part.startswith("expected_scores") for part in p.parts))
    if not files:
        raise AssertionError(f"no prediction files found under {preds}")
    for p in files:
        # `token gold pred` files carry two sets; two-column files one.
        extra = ["--tag-cols", "1-", "--names", "gold,pred"] if columns(p) == 3 else []
        out.append((f"conll2003-preds/{p.relative_to(preds)}", p, extra))
    for f in ["wnut17train.conll", "emerging.dev.conll", "emerging.test.annotated"]:
        out.append((f"wnut17/{f}", c / "wnut17" / f, []))
    out += [
        ("brat-conll2002-sample", c / "brat-conll2002-sample", []),
        ("nerel (train, dev, test)", c / "nerel/NEREL-v1.1", []),
        ("prodigy-news-headlines", c / "prodigy-news-headlines/annotated_news_headlines-ORG-PERSON-LOCATION-ner.jsonl", []),
        ("re3d", c / "re3d", []),
        ("meantime", c / "meantime/intra_cross-doc_annotation", ["--from", "meantime"]),
        ("shared articles", c.parent / "articles", ["--from", "article"]),
        ("datasets/articles/gold.jsonl", ctx.root / "datasets/articles/gold.jsonl", []),
        ("textee fixture (TextEE)", ctx.root / "tests/fixtures/textee/textee.jsonl", ["--from", "textee"]),
        ("textee fixture (OneIE)", ctx.root / "tests/fixtures/textee/oneie.json", ["--from", "textee"]),
    ]
    return out


def columns(path):
    """Number of columns on the first token line of a CoNLL file."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.split()
            if cols and cols[0] != "-DOCSTART-":
                return len(cols)
    return 0


def convert(ctx, src, extra, out):
    r = subprocess.run([ctx.ieval, "convert", str(src), *extra, "--out", str(out), "--format", "json"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"ieval convert {src} failed ({r.returncode}):\n{r.stderr}")
    return json.loads(r.stdout)


def file_metadata(pq, path):
    """The Parquet file's key-value metadata (where ieval records table, schema version, set)."""
    return pq.ParquetFile(path).metadata.metadata or {}


class Checker:
    def __init__(self, name):
        self.name = name
        self.documents = 0
        self.mentions = 0
        self.problems = []

    def bad(self, where, what):
        self.problems.append(f"{self.name}: {where}: {what}")

    def span(self, where, text, start, end, stored=None, within=None):
        """One span: inside the text (and inside `within`), and slicing to `stored`."""
        if not (0 <= start <= end <= len(text)):
            self.bad(where, f"[{start}, {end}) does not fit the text ({len(text)} code points)")
            return
        if within is not None and not (within[0] <= start and end <= within[1]):
            self.bad(where, f"[{start}, {end}) is not inside [{within[0]}, {within[1]})")
        if stored is not None and text[start:end] != stored:
            self.bad(where, f"[{start}, {end}): stored {stored!r}, text[start:end] = {text[start:end]!r}")

    def head(self, where, text, row, within):
        hs, he = row.get("head_start"), row.get("head_end")
        if (hs is None) != (he is None):
            self.bad(where, f"head has start {hs} and end {he}")
        elif hs is not None:
            self.span(where + " head", text, hs, he, within=within)

    def corpus(self, directory, pa, pq):
        docs = pq.read_table(directory / "documents.parquet")
        meta = file_metadata(pq, directory / "documents.parquet")
        if meta.get(b"ieval:table") != b"documents":
            self.bad("documents.parquet", f"file metadata ieval:table is {meta.get(b'ieval:table')!r}")
        texts = {}
        for d in docs.select(["doc_id", "text", "sentences", "tokens"]).to_pylist():
            did, text = d["doc_id"], d["text"]
            if did in texts:
                self.bad(f"document {did!r}", "doc_id appears twice")
            texts[did] = text
            for kind in ("sentences", "tokens"):
                for k, s in enumerate(d[kind]):
                    self.span(f"document {did!r} {kind}[{k}]", text, s["start"], s["end"])
        self.documents += len(texts)
        sets = [directory / "gold.parquet"] + sorted((directory / "systems").glob("*.parquet"))
        for path in (p for p in sets if p.exists()):
            table = pq.read_table(path)
            set_meta = json.loads(file_metadata(pq, path).get(b"ieval:set", b"{}"))
            label = path.relative_to(directory)
            if not set_meta:
                self.bad(str(label), "no ieval:set in the file metadata")
            for row in table.select(["doc_id", "entities", "events"]).to_pylist():
                did = row["doc_id"]
                if did not in texts:
                    self.bad(f"{label} document {did!r}", "not in documents.parquet")
                    continue
                text = texts[did]
                for e in row["entities"]:
                    where = f"{label} document {did!r} entity {e['id']}"
                    self.mentions += 1
                    self.span(where, text, e["start"], e["end"], e["text"])
                    ext = (e["start"], e["end"])
                    for k, f in enumerate(e["fragments"]):
                        self.span(f"{where} fragment {k}", text, f["start"], f["end"], within=ext)
                    self.head(where, text, e, ext)
                for ev in row["events"]:
                    where = f"{label} document {did!r} event {ev['id']}"
                    t = ev["trigger"]
                    self.mentions += 1
                    self.span(where + " trigger", text, t["start"], t["end"], t["text"])
                    ext = (t["start"], t["end"])
                    for k, f in enumerate(t["fragments"]):
                        self.span(f"{where} trigger fragment {k}", text, f["start"], f["end"], within=ext)
                    self.head(where + " trigger", text, t, ext)
                    for k, a in enumerate(ev["arguments"]):
                        aw = f"{where} argument {k + 1} ({a['role']})"
                        self.mentions += 1
                        self.span(aw, text, a["start"], a["end"], a["text"])
                        self.head(aw, text, a, (a["start"], a["end"]))


def tamper_is_caught(directory, pa, pq):
    """Shift one entity's end by a code point in a copy of `directory`: the checker must
    report it, or a pass means nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "documents.parquet").write_bytes((directory / "documents.parquet").read_bytes())
        table = pq.read_table(directory / "gold.parquet")
        rows = table.to_pylist()
        target = next(r for r in rows if r["entities"])
        target["entities"][0]["end"] += 1
        pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), tmp / "gold.parquet")
        c = Checker("tampered")
        c.corpus(tmp, pa, pq)
        if not c.problems:
            raise AssertionError("the offsets check did not notice a tampered entity: it cannot fail")


def run(ctx):
    pa = ctx.need_module("pyarrow")
    pq = ctx.need_module("pyarrow.parquet")
    corpora = ctx.need_corpora()
    problems = []
    total_docs = total_mentions = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        first_with_entities = None
        for k, (name, src, extra) in enumerate(inputs(ctx, corpora)):
            if not src.exists():
                raise AssertionError(f"{name}: input {src} is missing")
            out = tmp / f"c{k:02}"
            report = convert(ctx, src, extra, out)
            c = Checker(name)
            c.corpus(out, pa, pq)
            if c.documents != report["documents"]:
                c.bad("documents.parquet", f"{c.documents} rows, convert reported {report['documents']}")
            if c.documents == 0:
                c.bad("documents.parquet", "no documents")
            print(f"  {name:<58} {c.documents:>6} documents {c.mentions:>7} mentions checked")
            total_docs += c.documents
            total_mentions += c.mentions
            problems += c.problems
            if first_with_entities is None and c.mentions and (out / "gold.parquet").exists():
                first_with_entities = out
        if first_with_entities is None:
            raise AssertionError("no corpus with entities was converted")
        tamper_is_caught(first_with_entities, pa, pq)
    print(f"  {'all':<58} {total_docs:>6} documents {total_mentions:>7} mentions checked")
    if problems:
        shown = "\n".join(problems[:MAX_SHOWN])
        more = f"\n... and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
        raise AssertionError(f"{len(problems)} offset problem(s):\n{shown}{more}")
