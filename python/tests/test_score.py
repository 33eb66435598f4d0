"""`ieval.score`: every input kind scores as the CLI scores the same data in a file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ieval
from conftest import ARTICLES, CORPORA, cli, cli_json, need, read_conll, write_conll

GOLD = ARTICLES / "gold.jsonl"
V1 = ARTICLES / "predictions" / "events_v1.jsonl"
V2 = ARTICLES / "predictions" / "events_v2.jsonl"


def perturb(rows):
    """A deterministic 'system': some sentences lose their entities, some get a label
    changed, some an entity cut short (tags stay in the gold's IOB1 scheme)."""
    out = []
    for i, (toks, tags) in enumerate(rows):
        tags = list(tags)
        if toks and toks[0] == "-DOCSTART-":
            out.append((toks, tags))
            continue
        if i % 7 == 3:
            tags = ["O"] * len(tags)
        elif i % 5 == 1:
            tags = [t.replace("PER", "ORG") if t.endswith("PER") else t for t in tags]
        elif i % 4 == 2:
            for k in range(len(tags) - 1, 0, -1):
                if tags[k] != "O" and tags[k - 1] != "O":
                    tags[k] = "O"
                    break
        out.append((toks, tags))
    return out


def entity_pred(path: Path) -> Path:
    """A deterministic entity 'system' over the articles: the gold mentions with every 4th
    dropped, every 5th relabelled and every 6th cut one character short (no events)."""
    with path.open("w", encoding="utf-8") as f:
        for line in GOLD.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            ents = []
            for i, e in enumerate(d.get("entities", [])):
                if i % 4 == 3:
                    continue
                e = {k: e[k] for k in ("id", "start", "end", "label")}
                if i % 5 == 1:
                    e["label"] = "MISC"
                if i % 6 == 2 and e["end"] - e["start"] > 1:
                    e["end"] -= 1
                ents.append(e)
            f.write(json.dumps({"doc_id": d["doc_id"], "text": d["text"], "entities": ents}) + "\n")
    return path


def systems(d: dict) -> list:
    """The systems of a report without their `source` (a path or a Python object's name)."""
    return [{k: v for k, v in s.items() if k != "source"} for s in d["systems"]]


def errors_key(df):
    cols = ["system", "doc_id", "side", "start", "end", "label", "text", "strict", "exact", "partial", "type"]
    return sorted(tuple(r) for r in df[cols].itertuples(index=False, name=None))


# --- paths: to_dict is the CLI's JSON, to_pandas its tidy CSV -------------------------------


def test_to_dict_equals_cli_json():
    s = ieval.score(str(GOLD), {"v1": str(V1), "v2": str(V2)})
    assert s.to_dict() == cli_json("--gold", str(GOLD), "--pred", f"v1={V1}", "--pred", f"v2={V2}")
    p = cli("score", "--format", "json", "--gold", str(GOLD), "--pred", f"v1={V1}", "--pred", f"v2={V2}")
    assert s.to_json() == p.stdout  # byte for byte
    assert s.systems == ["v1", "v2"]


@pytest.mark.parametrize("profile", ["default", "nervaluate"])
def test_to_dict_equals_cli_json_conll(tmp_path, profile):
    gold = need(CORPORA / "conll2003" / "eng.testb")
    pred = tmp_path / "pred.conll"
    write_conll(pred, perturb(read_conll(gold)))
    s = ieval.score(gold, {"sys": pred}, profile=profile)
    assert s.to_dict() == cli_json("--gold", str(gold), "--pred", f"sys={pred}", "--profile", profile)


def test_tidy_table_equals_cli_csv():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    p = cli("score", "--format", "csv", "--gold", str(GOLD), "--pred", f"v1={V1}")
    assert p.returncode == 0, p.stderr
    want = list(csv.DictReader(io.StringIO(p.stdout)))
    s = ieval.score(GOLD, {"v1": V1})
    df = s.to_pandas()
    assert list(df.columns) == list(want[0].keys()) == list(ieval.TIDY_COLUMNS)
    assert len(df) == len(want)

    def same(cell, text):
        if text == "":
            return cell is None or (isinstance(cell, float) and cell != cell)
        if isinstance(cell, float):
            return abs(cell - float(text)) < 1e-12
        return str(cell) == text

    for got, w in zip(df.astype(object).to_dict("records"), want):
        for c in want[0]:
            assert same(got[c], w[c]), (c, got[c], w[c])
    # polars: the same table.
    dp = s.to_polars()
    assert isinstance(dp, pl.DataFrame)
    assert dp.columns == list(ieval.TIDY_COLUMNS)
    assert dp.height == len(want)
    assert dp["f1"].to_list() == [r["f1"] for r in s.rows()]


def test_errors_equal_cli_listing(tmp_path):
    pd = pytest.importorskip("pandas")
    out = tmp_path / "errors.jsonl"
    pred = entity_pred(tmp_path / "p.jsonl")
    p = cli("score", "--gold", str(GOLD), "--pred", f"v2={pred}", "--errors", str(out))
    assert p.returncode == 0, p.stderr
    want = [json.loads(x) for x in out.read_text().splitlines() if x.strip()]
    want = [w for w in want if "side" in w]  # metadata lines, if any, aside
    assert {w["strict"] for w in want} >= {"COR", "INC", "MIS"}
    got = ieval.score(GOLD, {"v2": pred}, errors=True).errors()
    assert len(got) == len(want)
    assert errors_key(got) == errors_key(pd.DataFrame(want))


def test_repr_and_html():
    s = ieval.score(GOLD, {"v1": V1})
    r = repr(s)
    assert "ieval.Scores" in r and "v1" in r and "TC" in r
    h = s._repr_html_()
    assert h.startswith("<p>") and "<table>" in h and "v1" in h


# --- HF datasets: eng.testb as a Dataset scores as the CoNLL file does, per document ---------


def _dataset(rows, class_names=None):
    datasets = pytest.importorskip("datasets")
    if class_names is None:
        return datasets.Dataset.from_dict({"tokens": [r[0] for r in rows], "ner_tags": [r[1] for r in rows]})
    feats = datasets.Features(
        {
            "tokens": datasets.Sequence(datasets.Value("string")),
            "ner_tags": datasets.Sequence(datasets.ClassLabel(names=class_names)),
        }
    )
    ix = {n: i for i, n in enumerate(class_names)}
    return datasets.Dataset.from_dict(
        {"tokens": [r[0] for r in rows], "ner_tags": [[ix[t] for t in r[1]] for r in rows]}, features=feats
    )


def test_hf_dataset_scores_as_the_conll_file_per_document(tmp_path):
    gold_path = need(CORPORA / "conll2003" / "eng.testb")
    rows = read_conll(gold_path)
    pred_rows = perturb(rows)
    pred_path = tmp_path / "pred.conll"
    write_conll(pred_path, pred_rows)
    names = sorted({t for _, tags in rows + pred_rows for t in tags})
    gold_ds = _dataset(rows, names)  # integer tags named by the ClassLabel
    pred_ds = _dataset(pred_rows)  # string tags
    from_file = ieval.score(gold_path, {"sys": pred_path}, errors=True)
    from_ds = ieval.score(gold_ds, {"sys": pred_ds}, errors=True)
    a, b = from_file.to_dict(), from_ds.to_dict()
    assert a["gold"]["documents"] == b["gold"]["documents"] == 231
    assert a["systems"][0]["entities"] == b["systems"][0]["entities"]
    # Per document: every mention with its category in every mode, at the same offsets.
    assert errors_key(from_file.errors()) == errors_key(from_ds.errors())
    # seqeval-style bare tag sequences take the Dataset's rows: the same again.
    from_tags = ieval.score(gold_ds, {"sys": [t for _, t in pred_rows]}, errors=True)
    assert errors_key(from_tags.errors()) == errors_key(from_file.errors())
    # A DatasetDict split.
    datasets = pytest.importorskip("datasets")
    dd = datasets.DatasetDict({"test": gold_ds})
    assert systems(ieval.score(dd, {"sys": pred_ds}, split="test").to_dict()) == systems(b)


def test_tag_sequences_alone():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["O", "B-ORG"]]
    s = ieval.score(gold, pred, profile="seqeval")
    # Hand-checked: 3 gold entities, 3 predicted, 2 equal (PER, ORG): P = R = F1 = 2/3; the
    # LOC predicted as ORG is a miss and a spurious one (seqeval counts no INC).
    assert s.f1() == pytest.approx(2 / 3)
    strict = s.to_dict()["systems"][0]["entities"]["strict"]["micro"]
    assert (strict["cor"], strict["inc"], strict["mis"], strict["spu"]) == (2, 0, 1, 1)


def test_tag_sequences_score_as_one_document_per_sentence(tmp_path):
    rows = [r for r in read_conll(need(CORPORA / "conll2003" / "eng.testb")) if r[0][0] != "-DOCSTART-"][:300]
    pred_rows = perturb(rows)
    gold = [tags for _, tags in rows]
    pred = [tags for _, tags in pred_rows]

    def as_file(path, tag_rows):
        # Each sequence a document of placeholder tokens, as ieval.score reads sequences.
        write_conll(path, [(["-DOCSTART-"], ["O"])] + [x for t in tag_rows for x in ((["_"] * len(t), t), (["-DOCSTART-"], ["O"]))])
        return path

    from_files = ieval.score(as_file(tmp_path / "g.conll", gold), {"system": as_file(tmp_path / "p.conll", pred)})
    from_lists = ieval.score(gold, pred)
    from_tuples = ieval.score(tuple(tuple(t) for t in gold), [tuple(t) for t in pred])
    a, b, c = (systems(x.to_dict())[0]["entities"] for x in (from_files, from_lists, from_tuples))
    assert a == b == c
    strict = b["strict"]["micro"]
    # perturb() changes some predictions: the score is neither empty nor perfect.
    assert 0 < strict["cor"] < strict["cor"] + strict["mis"]


def test_integer_tags_named_by_tag_names():
    # A model's argmax ids and the gold's ids, named by id2label in order: the same scores as
    # the tag strings, for sequences, a Dataset without ClassLabel names, and compare.
    rows = [r for r in read_conll(need(CORPORA / "conll2003" / "eng.testb")) if r[0][0] != "-DOCSTART-"][:300]
    pred_rows = perturb(rows)
    names = sorted({t for _, tags in rows + pred_rows for t in tags})
    ix = {n: i for i, n in enumerate(names)}
    gold, pred = [t for _, t in rows], [t for _, t in pred_rows]
    gold_ids, pred_ids = [[ix[t] for t in r] for r in gold], [[ix[t] for t in r] for r in pred]
    want = systems(ieval.score(gold, pred).to_dict())
    assert systems(ieval.score(gold_ids, pred_ids, tag_names=names).to_dict()) == want
    assert systems(ieval.score(gold, pred_ids, tag_names=names).to_dict()) == want
    strict = want[0]["entities"]["strict"]["micro"]
    assert 0 < strict["cor"] < strict["cor"] + strict["mis"]
    # Without names the error says how to give them; an id past the names is named.
    with pytest.raises(ieval.IevalError, match=r"holds integers .*\(tag_names="):
        ieval.score(gold_ids, pred_ids)
    with pytest.raises(ieval.IevalError, match=f"tag {len(names)} has no name"):
        ieval.score(gold_ids, [[len(names)] + r[1:] for r in pred_ids], tag_names=names)
    with pytest.raises(TypeError, match="tag_names: expected a list"):
        ieval.score(gold_ids, pred_ids, tag_names="O,B-PER")
    a = ieval.compare(gold, pred, gold, samples=50).to_dict()
    b = ieval.compare(gold_ids, pred_ids, gold_ids, tag_names=names, samples=50).to_dict()
    assert a["rows"] == b["rows"]
    # A Dataset of integer tags without a ClassLabel; with one, tag_names must agree.
    plain = _dataset([(toks, ids) for (toks, _), ids in zip(rows, gold_ids)])
    assert systems(ieval.score(plain, pred_ids, tag_names=names).to_dict()) == want
    labelled = _dataset(rows, names)
    assert systems(ieval.score(labelled, pred_ids, tag_names=names).to_dict()) == want
    with pytest.raises(ValueError, match="differ from the ClassLabel names"):
        ieval.score(labelled, pred_ids, tag_names=list(reversed(names)))


def test_bad_tag_sequences():
    with pytest.raises(TypeError, match="row 2 is a string"):
        ieval.score([["O"], "B-PER"], [["O"], ["O"]])
    with pytest.raises(ieval.IevalError, match="row 1: tags must be a list of strings or of integers"):
        ieval.score([["O", 1]], [["O", "O"]])
    with pytest.raises(ieval.IevalError, match="row 1: tags must be a list of strings or of integers"):
        ieval.score([["O", None]], [["O", "O"]])


# --- spaCy Docs: blank English pipeline, hand-set entities, score as the same JSONL ----------


def _spacy_pair(tmp_path):
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import Doc, Span

    nlp = spacy.blank("en")
    gold_path = need(CORPORA / "conll2003" / "eng.testb")
    rows = [r for r in read_conll(gold_path) if r[0][0] != "-DOCSTART-"][:120]
    pred_rows = perturb(rows)

    def docs(rs):
        out = []
        for i, (toks, tags) in enumerate(rs):
            d = Doc(nlp.vocab, words=toks)
            ents, start, label = [], None, None
            for k, t in enumerate(tags + ["O"]):
                inside = t != "O" and not (t.startswith("B-") and start is not None) and label == t[2:]
                if start is not None and not inside:
                    ents.append(Span(d, start, k, label=label))
                    start, label = None, None
                if t != "O" and start is None:
                    start, label = k, t[2:]
            d.ents = ents
            d.spans["sc"] = list(ents)
            d.user_data["id"] = f"s{i:03d}"
            out.append(d)
        return out

    def jsonl(ds, path):
        with path.open("w", encoding="utf-8") as f:
            for d in ds:
                ents = [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in d.ents]
                f.write(json.dumps({"doc_id": d.user_data["id"], "text": d.text, "entities": ents}) + "\n")
        return path

    g, p = docs(rows), docs(pred_rows)
    return g, p, jsonl(g, tmp_path / "gold.jsonl"), jsonl(p, tmp_path / "pred.jsonl")


def test_spacy_docs_score_as_the_same_jsonl(tmp_path):
    g, p, gj, pj = _spacy_pair(tmp_path)
    want = cli_json("--gold", str(gj), "--pred", f"spacy={pj}")
    got = ieval.score(g, {"spacy": p}).to_dict()
    assert systems(got) == systems(want)
    assert got["gold"]["entities"] == want["gold"]["entities"] > 0
    assert systems(ieval.score(g, {"spacy": p}, spans_key="sc").to_dict()) == systems(want)
    # Dicts in the ieval JSONL shape: the same again.
    dicts = [json.loads(x) for x in pj.read_text().splitlines()]
    assert systems(ieval.score(gj, {"spacy": dicts}).to_dict()) == systems(want)


# --- mention DataFrames (pandas and polars) ---------------------------------------------------


@pytest.mark.parametrize("backend", ["pandas", "polars"])
def test_mention_dataframe_round_trip(backend, tmp_path):
    pytest.importorskip(backend)
    want = ieval.score(GOLD, {"v2": entity_pred(tmp_path / "p.jsonl")}, task="entities", errors=True)
    assert want.f1() > 0.5
    err = want.errors(backend=backend)
    if backend == "pandas":
        pred = err[err["side"] == "pred"][["doc_id", "start", "end", "label", "text"]]
    else:
        import polars as pl

        pred = err.filter(pl.col("side") == "pred").select(["doc_id", "start", "end", "label", "text"])
    got = ieval.score(GOLD, {"v2": pred}, task="entities")
    assert systems(got.to_dict()) == systems(want.to_dict())


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 30), st.integers(1, 6), st.sampled_from(["PER", "LOC", "ORG"])), max_size=6),
        min_size=1,
        max_size=4,
    ),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 30), st.integers(1, 6), st.sampled_from(["PER", "LOC"])), max_size=8),
)
def test_dataframe_equals_dicts(gold_spans, pred_spans):
    """A prediction as a mention table scores as the same mentions in JSONL dicts."""
    pd = pytest.importorskip("pandas")
    text = "Ünïcode text — with some words to point into, forty chars."
    docs = [
        {
            "doc_id": f"d{i}",
            "text": text,
            "entities": [{"start": s, "end": s + n, "label": lab} for s, n, lab in spans],
        }
        for i, spans in enumerate(gold_spans)
    ]
    preds = [(f"d{d % len(docs)}", s, s + n, lab) for d, s, n, lab in pred_spans]
    as_dicts = [
        {
            "doc_id": d["doc_id"],
            "text": text,
            "entities": [{"start": s, "end": e, "label": lab} for (i, s, e, lab) in preds if i == d["doc_id"]],
        }
        for d in docs
    ]
    df = pd.DataFrame(preds, columns=["doc_id", "start", "end", "label"])
    # (An empty system's diagnostic names its source: diagnostics aside, the counts agree.)
    a = [dict(x, diagnostics=None) for x in systems(ieval.score(docs, {"sys": df}).to_dict())]
    b = [dict(x, diagnostics=None) for x in systems(ieval.score(docs, {"sys": as_dicts}).to_dict())]
    assert a == b


# --- bad inputs: clear exceptions -------------------------------------------------------------


def test_missing_file_is_an_oserror():
    with pytest.raises(OSError) as e:
        ieval.score("/no/such/gold.jsonl", {"s": V1})
    assert isinstance(e.value, ieval.IevalIOError)
    assert "/no/such/gold.jsonl" in str(e.value)


def test_broken_jsonl_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    lines = GOLD.read_text(encoding="utf-8").splitlines()[:2]
    bad.write_text(lines[0] + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ValueError) as e:
        ieval.score(GOLD, {"s": bad})
    assert isinstance(e.value, ieval.IevalError)
    assert f"{bad}:2" in str(e.value)
    p = cli("score", "--gold", str(GOLD), "--pred", f"s={bad}")
    assert p.returncode != 0 and f"{bad}:2" in p.stderr


def test_bad_python_inputs():
    with pytest.raises(TypeError, match="cannot score a builtins.int"):
        ieval.score(42, [["O"]])
    with pytest.raises(ValueError, match="2 tag sequences but the gold has 1 rows"):
        ieval.score([["B-PER"]], [["O"], ["O"]])
    with pytest.raises(ValueError, match="row 1 has 2 tags but the gold row has 1 tokens"):
        ieval.score([["B-PER"]], [["O", "O"]])
    with pytest.raises(ValueError, match="profile=\"nope\""):
        ieval.score([["B-PER"]], [["O"]], profile="nope")
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match="missing end, label"):
        ieval.score(GOLD, {"s": pd.DataFrame({"doc_id": ["x"], "start": [0]})})
    df = pd.DataFrame({"doc_id": ["nope"], "start": [0], "end": [1], "label": ["PER"]})
    with pytest.raises(ieval.IevalError, match='document "nope" is not in the gold'):
        ieval.score(GOLD, {"s": df})
    first = json.loads(GOLD.read_text(encoding="utf-8").splitlines()[0])
    df = pd.DataFrame({"doc_id": [first["doc_id"]], "start": [0], "end": [10**7], "label": ["PER"]})
    with pytest.raises(ieval.IevalError, match="outside document"):
        ieval.score(GOLD, {"s": df})
    df = pd.DataFrame({"doc_id": [first["doc_id"]], "start": [0], "end": [5], "label": ["PER"], "text": ["zzzzz"]})
    with pytest.raises(ieval.IevalError, match="differs from the document"):
        ieval.score(GOLD, {"s": df})


def test_errors_need_errors_true():
    with pytest.raises(ValueError, match="errors=True"):
        ieval.score(GOLD, {"v1": V1}).errors()


def test_console_script_help():
    p = cli("--help")
    assert p.returncode == 0 and "ieval" in p.stdout and "score" in p.stdout


# --- compare, convert, read_corpus ------------------------------------------------------------


def test_compare_equals_cli_json(tmp_path):
    pd = pytest.importorskip("pandas")
    gold = need(CORPORA / "conll2003" / "eng.testb")
    rows = read_conll(gold)
    a, b = tmp_path / "a.conll", tmp_path / "b.conll"
    write_conll(a, perturb(rows))
    write_conll(b, [(t, g) if i % 3 else (t, ["O"] * len(g)) for i, (t, g) in enumerate(perturb(rows))])
    p = cli("compare", "--gold", str(gold), f"old={a}", f"new={b}", "--samples", "300", "--format", "json",
            "--fail-if-worse", "strict-f1:0.001")
    assert p.returncode == 1, p.stderr  # b lost every third sentence: the gate fails
    want = json.loads(p.stdout)
    c = ieval.compare(gold, a, b, names=("old", "new"), samples=300, fail_if_worse=["strict-f1:0.001"])
    assert c.to_dict() == want
    assert c.to_json() == p.stdout  # byte for byte
    assert c.passed is False
    assert len(c.broken()) == len(want["changes"]["broken"]) > 0
    assert list(c.broken().columns) == list(want["changes"]["broken"][0].keys())
    assert len(c.fixed()) == len(want["changes"]["fixed"])
    assert isinstance(c.to_pandas(), pd.DataFrame) and len(c.to_pandas()) == len(want["rows"])
    assert "old -> new" in repr(c)


def test_compare_resampling_equals_cli(tmp_path):
    """``resampling=`` is the CLI's ``--resampling``: the same JSON for ``normal``, and an
    unknown method is a ValueError-like error naming the parameter."""
    p = cli("compare", "--gold", str(GOLD), f"v1={V1}", f"v2={V2}", "--samples", "200", "--format", "json",
            "--resampling", "normal")
    assert p.returncode == 0, p.stderr
    c = ieval.compare(GOLD, V1, V2, names=("v1", "v2"), samples=200, resampling="normal")
    assert c.to_json() == p.stdout
    assert c.to_dict()["resampling"] == "normal"
    assert ieval.compare(GOLD, V1, V2, names=("v1", "v2"), samples=200).to_dict()["resampling"] == "documents"
    with pytest.raises(Exception, match="resampling"):
        ieval.compare(GOLD, V1, V2, names=("v1", "v2"), samples=200, resampling="fast")


def test_compare_on_a_corpus_gold_that_carries_systems(tmp_path):
    """A corpus with a system set of its own is a gold for compare: A and B are the two
    inputs given (once refused: "exactly one annotation set per input; got 3 sets")."""
    corpus = tmp_path / "corpus"
    ieval.convert(GOLD, corpus, pred={"v0": V1})
    c = ieval.compare(corpus, V1, V2, names=("v1", "v2"), samples=200)
    want = ieval.compare(GOLD, V1, V2, names=("v1", "v2"), samples=200).to_dict()
    got = c.to_dict()
    assert (got["a"], got["b"]) == ("v1", "v2")
    assert got["rows"] == want["rows"] and got["changes"] == want["changes"]
    assert len(got["rows"]) > 0


def test_convert_and_read_corpus(tmp_path):
    pa = pytest.importorskip("pyarrow")
    out = tmp_path / "corpus"
    stats = ieval.convert(GOLD, out, pred={"v1": V1})
    p = cli("convert", str(GOLD), "--pred", f"v1={V1}", "--out", str(tmp_path / "cli"), "--format", "json")
    assert p.returncode == 0, p.stderr
    assert stats == json.loads(p.stdout)
    k = ieval.read_corpus(out)
    assert isinstance(k.documents, pa.Table)
    assert k.documents.num_rows == stats["documents"] == 5
    assert set(k.systems) == {"v1"}
    # Not a corpus directory: converted on the way.
    k2 = ieval.read_corpus(GOLD)
    assert k2.documents.column("doc_id").to_pylist() == k.documents.column("doc_id").to_pylist()
    assert k2.gold.column("entities").to_pylist() == k.gold.column("entities").to_pylist()
    with pytest.raises(ieval.IevalIOError, match="no/such"):
        ieval.read_corpus(tmp_path / "no" / "such.jsonl")


def test_align_string_only_predictions():
    """LLM output without offsets, placed on the gold's text, scores as the CLI's --align."""
    llm = ARTICLES / "predictions" / "llm_strings.jsonl"
    want = cli_json("--gold", str(GOLD), "--pred", f"llm={llm}", "--align")
    dicts = [json.loads(x) for x in llm.read_text(encoding="utf-8").splitlines() if x.strip()]
    got = ieval.score(GOLD, {"llm": dicts}, align=True).to_dict()
    assert systems(got) == systems(want)
    assert ieval.score(GOLD, {"llm": llm}, align=True).to_dict() == want
