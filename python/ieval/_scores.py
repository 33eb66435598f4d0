"""`ieval.score` and its result, `Scores`."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ieval import _ieval
from ieval._inputs import to_input

#: Columns of the tidy table, in the CLI's order (`ieval score --format csv`).
TIDY_COLUMNS = tuple(_ieval.TIDY_COLUMNS)


def _columns(rows: List[dict], columns: Optional[Sequence[str]] = None) -> Dict[str, list]:
    cols = list(columns) if columns is not None else (list(rows[0].keys()) if rows else [])
    return {c: [r.get(c) for r in rows] for c in cols}


def _polars(cols: Dict[str, list]) -> Any:
    import polars as pl

    return pl.DataFrame(cols, strict=False)


def _pandas(cols: Dict[str, list]) -> Any:
    import pandas as pd

    return pd.DataFrame(cols)


class Scores:
    """The scores of one run: every system against the gold.

    ``to_dict()`` is exactly what ``ieval score --format json`` prints; ``to_polars()`` /
    ``to_pandas()`` the tidy table of ``--format csv`` (one row per system, task, metric and
    label or average); ``errors()`` the ``--errors`` listing (every gold and predicted
    mention with its MUC category per mode), when scored with ``errors=True``.
    """

    def __init__(self, report_json: str, tidy_json: str, errors_json: Optional[str], events_json: Optional[str]):
        self._json = report_json
        self._dict: Optional[dict] = None
        self._tidy: List[dict] = json.loads(tidy_json)
        self._errors = errors_json
        self._event_errors = events_json

    def to_json(self) -> str:
        """The report as the CLI prints it with ``--format json``."""
        return self._json

    def to_dict(self) -> dict:
        """The report as a dict (``json.loads`` of ``ieval score --format json``)."""
        if self._dict is None:
            self._dict = json.loads(self._json)
        return self._dict

    def rows(self) -> List[dict]:
        """The tidy rows as dicts (columns: ``TIDY_COLUMNS``)."""
        return [dict(r) for r in self._tidy]

    def to_polars(self) -> Any:
        """The tidy table as a ``polars.DataFrame``."""
        return _polars(_columns(self._tidy, TIDY_COLUMNS))

    def to_pandas(self) -> Any:
        """The tidy table as a ``pandas.DataFrame``."""
        return _pandas(_columns(self._tidy, TIDY_COLUMNS))

    def errors(self, *, events: bool = False, backend: str = "pandas") -> Any:
        """The error listing (``ieval score --errors``) as a DataFrame: entity mentions, or
        event triggers and arguments with ``events=True``; ``backend="polars"`` for polars."""
        raw = self._event_errors if events else self._errors
        if raw is None:
            raise ValueError("this run was scored without errors=True: score(..., errors=True) keeps the error rows")
        rows = json.loads(raw)
        cols = _columns(rows)
        if not rows:
            cols = {}
        if backend == "polars":
            return _polars(cols)
        if backend == "pandas":
            return _pandas(cols)
        raise ValueError(f"backend={backend!r}: expected 'pandas' or 'polars'")

    @property
    def systems(self) -> List[str]:
        return [s["name"] for s in self.to_dict().get("systems", [])]

    def f1(self, system: Optional[str] = None, mode: str = "strict") -> Optional[float]:
        """Micro F1 of one system (the only one when not given) in an entity mode."""
        for r in self._tidy:
            if (
                (system is None or r["system"] == system)
                and r["task"] == "entities"
                and r["metric"] == mode
                and r["average"] == "micro"
            ):
                return r["f1"]
        return None

    def _summary(self) -> List[dict]:
        return [r for r in self._tidy if r["label"] is None and r["average"] == "micro"]

    def __repr__(self) -> str:
        d = self.to_dict()
        g = d.get("gold", {})
        head = f"<ieval.Scores: profile {d.get('ieval', {}).get('profile')}, gold {g.get('documents')} documents, {g.get('entities')} entities"
        if g.get("events"):
            head += f", {g.get('events')} events"
        lines = [head + ">"]
        for r in self._summary():
            p, rc, f = (r.get(k) for k in ("precision", "recall", "f1"))
            fmt = lambda x: "-" if x is None else f"{100 * x:6.2f}"  # noqa: E731
            lines.append(f"  {r['system']:<16} {r['task']:<8} {r['metric']:<8} P {fmt(p)}  R {fmt(rc)}  F1 {fmt(f)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        d = self.to_dict()
        g = d.get("gold", {})
        cols = ["system", "task", "metric", "cor", "inc", "par", "mis", "spu", "precision", "recall", "f1"]
        out = [
            f"<p><b>ieval scores</b>: profile {html.escape(str(d.get('ieval', {}).get('profile')))}, "
            f"gold {g.get('documents')} documents, {g.get('entities')} entities</p>",
            "<table><thead><tr>" + "".join(f"<th>{c}</th>" for c in cols) + "</tr></thead><tbody>",
        ]
        for r in self._summary():
            cells = []
            for c in cols:
                v = r.get(c)
                if isinstance(v, float):
                    v = f"{100 * v:.2f}"
                cells.append(f"<td>{html.escape('' if v is None else str(v))}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
        return "".join(out)


Input = Any


def _named(pred: Any) -> Dict[str, Input]:
    if pred is None:
        return {}
    if isinstance(pred, Mapping) and not _looks_like_doc(pred):
        return dict(pred)
    return {"system": pred}


def _prepare(gold: Input, named: Mapping[str, Input], align: bool, kw: dict) -> tuple:
    g = to_input(gold, role="gold", **kw)
    preds = []
    for name, p in named.items():
        if not isinstance(name, str):
            raise TypeError(f"system names must be strings, got {name!r}")
        inp = to_input(p, role=name, align=align, **kw)
        preds.append((name, inp))
    return g, preds


def score(
    gold: Input,
    pred: Union[Input, Mapping[str, Input], None] = None,
    *,
    profile: str = "default",
    task: str = "auto",
    missing: str = "error",
    pair: str = "auto",
    scheme: Optional[str] = None,
    align: bool = False,
    locate: str = "nearest",
    ignore_case: bool = False,
    corpus: Optional[Union[str, os.PathLike]] = None,
    label_map: Optional[str] = None,
    errors: bool = False,
    jobs: int = 0,
    head: bool = False,
    coref: bool = False,
    realis: bool = False,
    from_: Optional[str] = None,
    split: Optional[str] = None,
    spans_key: Optional[str] = None,
    tokens_col: Optional[str] = None,
    tags_col: Optional[str] = None,
    doc_col: Optional[str] = None,
    tag_names: Optional[Sequence[str]] = None,
) -> Scores:
    """Score predictions against a gold set, in this process (the GIL is released).

    ``gold`` and each prediction are any of: a path (every format ``ieval score`` reads;
    ``from_=`` forces one); token-tag sequences (``list[list[str]]``, as seqeval takes: they
    take the gold rows' tokens when the gold is row-based); a ``datasets.Dataset`` or
    ``DatasetDict`` (``split=``) with token and tag columns (integer tags named through the
    ``ClassLabel``); spaCy ``Doc``s (``doc.ents``, or ``doc.spans[spans_key]``); a pandas or
    polars DataFrame of mentions (``doc_id, start, end, label[, text]``, code-point offsets;
    predictions only: read against the gold's documents); dicts in the ieval JSONL shape;
    with ``align=True``, dicts without text or offsets (string-only LLM output:
    ``{"doc_id", "entities": [{"text", "label"}]}``) placed on the gold's text.
    ``pred`` is one input (named ``system``) or ``{name: input}``; ``None`` scores the
    systems the gold input carries (a corpus directory's ``systems/``).

    ``profile``, ``task``, ``missing``, ``pair``, ``scheme``, ``align``, ``locate``,
    ``ignore_case``, ``corpus``, ``label_map``, ``head``, ``coref``, ``realis`` and ``jobs``
    are ``ieval score``'s options of the same names. ``tag_names`` names integer tags (index
    i names tag i: ``model.config.id2label`` in order) in sequences and in datasets whose tag
    column has no ``ClassLabel``. ``errors=True`` keeps the per-mention listing for
    ``Scores.errors()``. Bad input raises ``IevalError`` (a ``ValueError``) or
    ``IevalIOError`` (an ``OSError``) with the CLI's message.
    """
    kw = dict(
        split=split, spans_key=spans_key, tokens_col=tokens_col, tags_col=tags_col, doc_col=doc_col, tag_names=tag_names
    )
    g, preds = _prepare(gold, _named(pred), align, kw)
    out = _ieval._score(
        g, preds, profile=profile, task=task, missing=missing, pair=pair, scheme=scheme,
        errors=errors, jobs=jobs, head=head, coref=coref, realis=realis, from_=from_,
        align=align, locate=locate, ignore_case=ignore_case,
        corpus=None if corpus is None else os.fspath(corpus), label_map=label_map,
    )
    return Scores(*out)


class Comparison:
    """Two systems compared on the same gold (``ieval compare``): ``to_dict()`` is its
    ``--format json``; ``to_pandas()``/``to_polars()`` the rows (per task, metric, label
    and statistic: A, B, B - A, CI, both p-values); ``fixed()``/``broken()`` the mentions B
    fixed and broke relative to A; ``passed`` is False when a ``fail_if_worse`` gate failed."""

    def __init__(self, text: str):
        self._json = text
        self._d = json.loads(text)

    def to_json(self) -> str:
        return self._json

    def to_dict(self) -> dict:
        return self._d

    @property
    def gates(self) -> List[dict]:
        return list(self._d.get("gates", []))

    @property
    def passed(self) -> bool:
        return not any(v.get("failed") for v in self.gates)

    def _frame(self, rows: List[dict], backend: str) -> Any:
        cols = _columns(rows)
        if backend == "polars":
            return _polars(cols)
        if backend == "pandas":
            return _pandas(cols)
        raise ValueError(f"backend={backend!r}: expected 'pandas' or 'polars'")

    def to_pandas(self) -> Any:
        return self._frame(self._d.get("rows", []), "pandas")

    def to_polars(self) -> Any:
        return self._frame(self._d.get("rows", []), "polars")

    def fixed(self, backend: str = "pandas") -> Any:
        return self._frame((self._d.get("changes") or {}).get("fixed", []), backend)

    def broken(self, backend: str = "pandas") -> Any:
        return self._frame((self._d.get("changes") or {}).get("broken", []), backend)

    def __repr__(self) -> str:
        d = self._d
        lines = [f"<ieval.Comparison: {d.get('a')} -> {d.get('b')}, {d.get('samples')} samples>"]
        pct = lambda x: "-" if x is None else f"{100 * x:.2f}"  # noqa: E731
        for r in d.get("rows", []):
            if r.get("label") or r.get("stat") != "f1":
                continue
            lines.append(
                f"  {r.get('task')} {r.get('metric')} F1: {pct(r.get('a'))} -> {pct(r.get('b'))}, "
                f"B - A {pct(r.get('delta'))} [{pct(r.get('ci_low'))}, {pct(r.get('ci_high'))}], "
                f"p (bootstrap) {r.get('p_bootstrap')}, p (AR) {r.get('p_randomization')}"
            )
        for v in self.gates:
            lines.append(f"  gate {v.get('gate')}: {'FAILED' if v.get('failed') else 'passed'}")
        return "\n".join(lines)


def compare(
    gold: Input,
    a: Input,
    b: Input,
    *,
    names: Optional[Sequence[str]] = None,
    profile: str = "default",
    missing: str = "error",
    pair: str = "auto",
    scheme: Optional[str] = None,
    samples: int = 10_000,
    seed: Optional[int] = None,
    resampling: str = "auto",
    alpha: float = 0.05,
    fail_if_worse: Sequence[str] = (),
    changes_mode: str = "strict",
    per_document: bool = False,
    align: bool = False,
    locate: str = "nearest",
    ignore_case: bool = False,
    corpus: Optional[Union[str, os.PathLike]] = None,
    label_map: Optional[str] = None,
    jobs: int = 0,
    from_: Optional[str] = None,
    split: Optional[str] = None,
    spans_key: Optional[str] = None,
    tokens_col: Optional[str] = None,
    tags_col: Optional[str] = None,
    doc_col: Optional[str] = None,
    tag_names: Optional[Sequence[str]] = None,
) -> Comparison:
    """Compare system ``b`` with system ``a`` on ``gold`` (inputs as for ``score``), as
    ``ieval compare`` does: paired bootstrap CIs, bootstrap and approximate-randomization
    p-values, the mentions B fixed and broke, and ``fail_if_worse`` gates (``"strict-f1:0.005"``).
    ``resampling``: ``"documents"`` draws documents, ``"normal"`` draws each series' sums from
    their normal limit (for very many documents), ``"auto"`` the first up to 20,000 documents."""
    na, nb = names if names is not None else ("A", "B")
    if na == nb:
        raise ValueError(f"names: the two systems need different names, got {na!r} twice")
    kw = dict(
        split=split, spans_key=spans_key, tokens_col=tokens_col, tags_col=tags_col, doc_col=doc_col, tag_names=tag_names
    )
    g, preds = _prepare(gold, {na: a, nb: b}, align, kw)
    extra = {} if seed is None else {"seed": seed}
    text = _ieval._compare(
        g, preds, gold_path=os.fspath(gold) if isinstance(gold, (str, os.PathLike)) else None,
        profile=profile, missing=missing, pair=pair, scheme=scheme, samples=samples, resampling=resampling, alpha=alpha,
        fail_if_worse=list(fail_if_worse), changes_mode=changes_mode, per_document=per_document,
        jobs=jobs, from_=from_, align=align, locate=locate, ignore_case=ignore_case,
        corpus=None if corpus is None else os.fspath(corpus), label_map=label_map, **extra,
    )
    return Comparison(text)


def _looks_like_doc(m: Mapping) -> bool:
    return "text" in m and ("doc_id" in m or "entities" in m)
