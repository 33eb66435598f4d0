"""`ieval.convert` and `ieval.read_corpus`: the CLI's converter, in this process."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Mapping, NamedTuple, Optional, Sequence, Union

from ieval import _ieval

PathLike = Union[str, os.PathLike]


def _flags(options: Mapping[str, Any]) -> list:
    """Keyword options as `ieval convert` flags: `from_="conll"` -> `--from conll`,
    `tag_cols="1-"` -> `--tag-cols 1-`, True -> a bare flag, lists comma-joined."""
    out = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.rstrip("_").replace("_", "-")
        if value is True:
            out.append(flag)
        elif isinstance(value, (list, tuple)):
            out += [flag, ",".join(str(v) for v in value)]
        else:
            out += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return out


def convert(
    inputs: Union[PathLike, Sequence[PathLike]],
    out: PathLike,
    *,
    pred: Optional[Mapping[str, PathLike]] = None,
    jobs: int = 0,
    **options: Any,
) -> dict:
    """Convert annotated inputs (any format the CLI reads) to a corpus directory (Parquet),
    JSONL or CoNLL, as ``ieval convert INPUTS --out OUT`` does; ``pred={name: path}`` adds
    system sets; other keywords are ``ieval convert``'s options (``from_="conll"``,
    ``to="jsonl"``, ``scheme="iob1"``, ``tag_cols="1-"``, ``align=True``, ``corpus=...``).
    Returns what the CLI prints with ``--format json`` (documents, labels, diagnostics).
    Errors raise ``IevalError``/``IevalIOError`` with the CLI's message. (The summary is
    read from file descriptor 1 while the converter runs.)"""
    paths = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    argv = ["ieval", "--quiet", "convert", *[os.fspath(p) for p in paths], "--out", os.fspath(out)]
    for name, p in (pred or {}).items():
        argv += ["--pred", f"{name}={os.fspath(p)}"]
    argv += _flags({**options, "format": "json"})
    sys.stdout.flush()
    with tempfile.TemporaryFile() as captured:
        saved = os.dup(1)
        try:
            os.dup2(captured.fileno(), 1)
            _ieval._run(argv, jobs=jobs)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        captured.seek(0)
        text = captured.read().decode("utf-8")
    return json.loads(text) if text.strip() else {}


class Corpus(NamedTuple):
    """A corpus as pyarrow tables: ``documents`` (one row per document), ``gold`` (the gold
    annotation set, or None) and ``systems`` (``{name: table}``); the data contract of
    DESIGN.md (code-point offsets, end-exclusive)."""

    documents: Any
    gold: Any
    systems: Dict[str, Any]


def _read_dir(d: Path) -> Corpus:
    import pyarrow.parquet as pq

    def table(p: Path) -> Any:
        # Partitioned tables are directories of Parquet files; pyarrow reads both.
        return pq.read_table(str(p)) if p.exists() else None

    def find(stem: str) -> Path:
        f = d / f"{stem}.parquet"
        return f if f.exists() else d / stem

    systems: Dict[str, Any] = {}
    sdir = d / "systems"
    if sdir.is_dir():
        for p in sorted(sdir.iterdir()):
            if p.name.startswith("."):
                continue
            name = p.name[: -len(".parquet")] if p.name.endswith(".parquet") else p.name
            systems[name] = table(p)
    return Corpus(table(find("documents")), table(find("gold")), systems)


def read_corpus(path: PathLike, *, pred: Optional[Mapping[str, PathLike]] = None, jobs: int = 0, **options: Any) -> Corpus:
    """Read any annotated input (a corpus directory, CoNLL, JSONL, BRAT, spaCy, HF files,
    ...) as pyarrow tables: a corpus directory directly, anything else converted first (in
    this process, into a temporary directory; keywords as for ``convert``)."""
    p = Path(os.fspath(path))
    if p.is_dir() and (p / "documents.parquet").exists() and not pred and not options:
        return _read_dir(p)
    with tempfile.TemporaryDirectory(prefix="ieval-corpus-") as tmp:
        out = Path(tmp) / "corpus"
        convert(p, out, pred=pred, jobs=jobs, **options)
        return _read_dir(out)
