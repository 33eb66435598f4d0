"""Python objects -> the plain data `ieval._ieval._score` takes.

Each input becomes one tuple:
- ``("path", str)``: a file or directory in any format the CLI reads;
- ``("strings", [json_text, ...], origin)``: string-only labels (``align=True``);
- ``("jsonl", [json_text, ...], origin)``: ieval JSONL documents (dicts, spaCy Docs);
- ``("rows", [(id, doc, tokens, tags), ...], names_or_None, origin, tags_col)``: token-tag
  rows (``datasets.Dataset``), decoded in Rust as the HF reader does;
- ``("sequences", [tags, ...], origin, names_or_None)``: seqeval-style ``list[list[str]]``
  (or integer ids, named by ``tag_names=``), read item by item in Rust (no per-token Python
  work); a prediction takes the gold rows' ids, documents and tokens, a gold gets one
  placeholder token per tag;
- ``("mentions", doc_ids, starts, ends, labels, texts_or_None, origin)``: a mention table
  (pandas or polars DataFrame) over the gold's documents, code-point offsets.
"""

from __future__ import annotations

import json
import os
from typing import Any, Optional, Sequence, Tuple

TOKEN_COLUMNS = ("tokens", "words")
TAG_COLUMNS = ("ner_tags", "tags", "labels", "ner")
DOC_COLUMNS = ("doc_id", "document_id")
MENTION_COLUMNS = ("doc_id", "start", "end", "label")


def _module(obj: Any) -> str:
    return type(obj).__module__ or ""


def is_dataset(obj: Any) -> bool:
    return _module(obj).startswith("datasets") and type(obj).__name__ in ("Dataset", "IterableDataset")


def is_dataset_dict(obj: Any) -> bool:
    return _module(obj).startswith("datasets") and type(obj).__name__ in ("DatasetDict", "IterableDatasetDict")


def is_dataframe(obj: Any) -> bool:
    m = _module(obj)
    return (m.startswith("pandas") or m.startswith("polars")) and type(obj).__name__ == "DataFrame"


def is_spacy_doc(obj: Any) -> bool:
    return _module(obj).startswith("spacy") and type(obj).__name__ == "Doc"


def _pick(given: Optional[str], defaults: Sequence[str], columns: Sequence[str], what: str) -> str:
    if given is not None:
        if given not in columns:
            raise ValueError(f"no column {given!r} (columns: {', '.join(columns)})")
        return given
    for c in defaults:
        if c in columns:
            return c
    raise ValueError(
        f"no {what} column (looked for {', '.join(defaults)}; columns: {', '.join(columns)}): give {what}_col="
    )


def _tag_names(tag_names: Optional[Sequence[str]]) -> Optional[list]:
    if tag_names is None:
        return None
    if isinstance(tag_names, str):
        raise TypeError("tag_names: expected a list of tag strings (index i names integer tag i), got a string")
    names = [str(n) for n in tag_names]
    if not names:
        raise ValueError("tag_names: an empty list (index i names integer tag i)")
    return names


def _dataset_rows(
    ds: Any, tokens_col: Optional[str], tags_col: Optional[str], doc_col: Optional[str], tag_names: Optional[list]
) -> Tuple:
    cols = list(ds.column_names)
    tok = _pick(tokens_col, TOKEN_COLUMNS, cols, "tokens")
    tag = _pick(tags_col, TAG_COLUMNS, cols, "tags")
    doc = doc_col if doc_col is not None else next((c for c in DOC_COLUMNS if c in cols), None)
    if doc is not None and doc not in cols:
        raise ValueError(f"no column {doc!r} (columns: {', '.join(cols)})")
    names = None
    feature = ds.features.get(tag) if getattr(ds, "features", None) is not None else None
    inner = getattr(feature, "feature", None)
    if inner is not None and hasattr(inner, "names"):
        names = list(inner.names)
    if tag_names is not None:
        if names is not None and names != tag_names:
            raise ValueError(
                f"tag_names differ from the ClassLabel names of column {tag!r} ({', '.join(names)}): leave tag_names out"
            )
        names = tag_names
    toks = ds[tok]
    tags = ds[tag]
    ids = ds["id"] if "id" in cols else [None] * len(toks)
    docs = ds[doc] if doc is not None else [None] * len(toks)
    rows = [
        (None if i is None else str(i), None if d is None else str(d), list(t), list(g))
        for i, d, t, g in zip(ids, docs, toks, tags)
    ]
    origin = "Dataset"
    split = getattr(ds, "split", None)
    if split is not None:
        origin = f"Dataset[{split}]"
    return ("rows", rows, names, origin, tag)


def _sequences(seqs: Sequence[Sequence[str]], origin: str, tag_names: Optional[list]) -> Tuple:
    seqs = seqs if isinstance(seqs, list) else list(seqs)
    for i, tags in enumerate(seqs):
        if isinstance(tags, str):
            raise TypeError(f"{origin}: row {i + 1} is a string, expected a list of tags (list[list[str]])")
    return ("sequences", seqs, origin, tag_names)


def _spacy_docs(docs: Sequence[Any], spans_key: Optional[str], origin: str) -> Tuple:
    lines = []
    for i, d in enumerate(docs):
        spans = d.spans[spans_key] if spans_key is not None else d.ents
        doc_id = d.user_data.get("id") if isinstance(getattr(d, "user_data", None), dict) else None
        ents = [
            {"id": f"T{k + 1}", "start": s.start_char, "end": s.end_char, "label": s.label_} for k, s in enumerate(spans)
        ]
        lines.append(json.dumps({"doc_id": str(doc_id) if doc_id is not None else str(i), "text": d.text, "entities": ents}))
    return ("jsonl", lines, origin)


def _dicts(docs: Sequence[dict], origin: str, align: bool) -> Tuple:
    lines = [json.dumps(d) for d in docs]
    if align and not any("text" in d for d in docs):
        # No text and no offsets: string-only labels (LLM output), placed on the gold's text.
        return ("strings", lines, origin)
    return ("jsonl", lines, origin)


def _mentions(df: Any, origin: str) -> Tuple:
    cols = [str(c) for c in df.columns]
    missing = [c for c in MENTION_COLUMNS if c not in cols]
    if missing:
        raise ValueError(
            f"{origin}: a mention table needs columns doc_id, start, end, label[, text]; missing {', '.join(missing)} (columns: {', '.join(cols)})"
        )

    def col(name: str) -> list:
        c = df[name]
        return c.to_list() if hasattr(c, "to_list") else list(c)

    texts = col("text") if "text" in cols else None
    return (
        "mentions",
        [str(x) for x in col("doc_id")],
        [int(x) for x in col("start")],
        [int(x) for x in col("end")],
        [str(x) for x in col("label")],
        None if texts is None else [None if t is None else str(t) for t in texts],
        origin,
    )


def to_input(
    obj: Any,
    *,
    role: str,
    split: Optional[str] = None,
    spans_key: Optional[str] = None,
    tokens_col: Optional[str] = None,
    tags_col: Optional[str] = None,
    doc_col: Optional[str] = None,
    tag_names: Optional[Sequence[str]] = None,
    align: bool = False,
) -> Tuple:
    """One Python object as an input tuple (see the module docstring); `role` names it in
    messages (``gold`` or the system's name). ``tag_names`` names integer tags (index i
    names tag i) of sequences and of datasets without ``ClassLabel`` names."""
    names = _tag_names(tag_names)
    if isinstance(obj, (str, os.PathLike)):
        return ("path", os.fspath(obj))
    if is_dataset_dict(obj):
        keys = list(obj.keys())
        if split is None:
            if len(keys) != 1:
                raise ValueError(f"{role}: a DatasetDict with splits {', '.join(keys)}: give split=")
            split = keys[0]
        if split not in obj:
            raise ValueError(f"{role}: no split {split!r} (splits: {', '.join(keys)})")
        return _dataset_rows(obj[split], tokens_col, tags_col, doc_col, names)
    if is_dataset(obj):
        return _dataset_rows(obj, tokens_col, tags_col, doc_col, names)
    if is_dataframe(obj):
        return _mentions(obj, f"{role} (DataFrame)")
    if is_spacy_doc(obj):
        return _spacy_docs([obj], spans_key, f"{role} (spaCy)")
    if isinstance(obj, dict):
        return _dicts([obj], f"{role} (dicts)", align)
    if isinstance(obj, (list, tuple)):
        if len(obj) == 0:
            raise ValueError(f"{role}: an empty list (no documents)")
        first = obj[0]
        if is_spacy_doc(first):
            return _spacy_docs(list(obj), spans_key, f"{role} (spaCy)")
        if isinstance(first, dict):
            return _dicts(list(obj), f"{role} (dicts)", align)
        if isinstance(first, (list, tuple)):
            return _sequences(obj, f"{role} (sequences)", names)
        raise TypeError(
            f"{role}: a list of {type(first).__name__}: expected token-tag sequences (list[list[str]]), ieval JSONL dicts or spaCy Docs"
        )
    raise TypeError(
        f"{role}: cannot score a {type(obj).__module__}.{type(obj).__name__}: give a path, token-tag sequences (list[list[str]]), "
        "a datasets.Dataset/DatasetDict, spaCy Docs, a pandas/polars DataFrame of mentions (doc_id, start, end, label) or ieval JSONL dicts"
    )
