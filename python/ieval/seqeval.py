"""seqeval 1.2.2's metrics, computed by ieval: the same signatures, numbers, types, warnings
and report text, without seqeval installed.

    from ieval.seqeval import classification_report, f1_score
    print(classification_report(y_true, y_pred))                # conlleval-like chunking
    f1_score(y_true, y_pred, mode="strict", scheme="IOB2")       # or seqeval.scheme.IOB2

Tags are decoded into chunks and counted per label in Rust (the GIL released); this module
only does seqeval's arithmetic on the per-label counts (numpy, exactly as seqeval does it)
and formats the output. Schemes are seqeval's classes (``seqeval.scheme.IOB2``), the ones
here (``ieval.seqeval.IOB2``), or names (``"IOB2"``, ``"bio"``, ``"iobes"``, ...).

Differences from seqeval: a warning ``'X seems not to be NE tag.'`` is issued once per
distinct tag per call (seqeval issues it once per token, which Python's default warning
filter shows once anyway).
"""

from __future__ import annotations

import enum
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ieval._ieval import TagSeqs

__all__ = [
    "classification_report",
    "f1_score",
    "precision_score",
    "recall_score",
    "accuracy_score",
    "performance_measure",
    "precision_recall_fscore_support",
    "UndefinedMetricWarning",
    "IOB1",
    "IOB2",
    "IOE1",
    "IOE2",
    "IOBES",
    "BILOU",
]


class UndefinedMetricWarning(UserWarning):
    """Issued when a metric is 0/0 (scikit-learn's class of that name is used when
    scikit-learn is installed, as seqeval does)."""


def _undefined_metric_warning() -> type:
    try:
        from sklearn.exceptions import UndefinedMetricWarning as cls  # type: ignore

        return cls
    except ImportError:
        return UndefinedMetricWarning


class Prefix(enum.Flag):
    """seqeval.scheme.Prefix, mirrored so that messages print as seqeval's do."""

    I = enum.auto()  # noqa: E741
    O = enum.auto()  # noqa: E741
    B = enum.auto()
    E = enum.auto()
    S = enum.auto()
    U = enum.auto()
    L = enum.auto()
    ANY = I | O | B | E | S | U | L


_PREFIXES = dict(Prefix.__members__)


class Token:
    """Base of the scheme markers (seqeval's schemes are classes; so are these)."""

    allowed_prefix: Optional[Prefix] = None


class IOB1(Token):
    allowed_prefix = Prefix.I | Prefix.O | Prefix.B


class IOE1(Token):
    allowed_prefix = Prefix.I | Prefix.O | Prefix.E


class IOB2(Token):
    allowed_prefix = Prefix.I | Prefix.O | Prefix.B


class IOE2(Token):
    allowed_prefix = Prefix.I | Prefix.O | Prefix.E


class IOBES(Token):
    allowed_prefix = Prefix.I | Prefix.O | Prefix.B | Prefix.E | Prefix.S


class BILOU(Token):
    allowed_prefix = Prefix.B | Prefix.I | Prefix.L | Prefix.O | Prefix.U


_SCHEMES = {c.__name__: c for c in (IOB1, IOE1, IOB2, IOE2, IOBES, BILOU)}
_ALIASES = {"BIO": "IOB2", "IOB": "IOB2", "BIOES": "IOBES", "BIOE": "IOBES", "IOBE": "IOBES"}


def _resolve_scheme(scheme: Any) -> Optional[Tuple[str, Any]]:
    """(scheme name, class whose ``allowed_prefix`` words the messages), or None when the
    object is not a scheme seqeval would use as one."""
    if scheme is None:
        return None
    if isinstance(scheme, str):
        name = scheme.upper()
        name = _ALIASES.get(name, name)
        if name not in _SCHEMES:
            raise ValueError(
                f"unknown tag scheme {scheme!r} (expected IOB1, IOB2, IOE1, IOE2, IOBES or BILOU)"
            )
        return name, _SCHEMES[name]
    if isinstance(scheme, type):
        name = scheme.__name__
        if name in _SCHEMES and getattr(scheme, "allowed_prefix", None) is not None:
            return name, scheme
    return None


def _auto_detect(sequences: Sequence[str], suffix: bool = False):
    """seqeval.scheme.auto_detect over the distinct gold tags (in order of appearance)."""
    prefixes = set()
    error_message = "This scheme is not supported: {}"
    for token in sequences:
        try:
            prefixes.add(_PREFIXES[token[-1] if suffix else token[0]])
        except KeyError:
            raise ValueError(error_message.format(token)) from None
    P = Prefix
    if prefixes in [{P.I, P.O, P.B}, {P.I, P.B}, {P.B, P.O}, {P.B}]:
        return IOB2
    if prefixes in [{P.I, P.O, P.E}, {P.I, P.E}, {P.E, P.O}, {P.E}]:
        return IOE2
    if prefixes in [
        {P.I, P.O, P.B, P.E, P.S}, {P.I, P.B, P.E, P.S}, {P.I, P.O, P.B, P.E}, {P.O, P.B, P.E, P.S},
        {P.I, P.B, P.E}, {P.B, P.E, P.S}, {P.O, P.B, P.E}, {P.B, P.E}, {P.S},
    ]:
        return IOBES
    if prefixes in [
        {P.I, P.O, P.B, P.L, P.U}, {P.I, P.B, P.L, P.U}, {P.I, P.O, P.B, P.L}, {P.O, P.B, P.L, P.U},
        {P.I, P.B, P.L}, {P.B, P.L, P.U}, {P.O, P.B, P.L}, {P.B, P.L}, {P.U},
    ]:
        return BILOU
    raise ValueError(error_message.format(prefixes))


def _check_consistent_length(y_true: Any, y_pred: Any) -> None:
    len_true = list(map(len, y_true))
    len_pred = list(map(len, y_pred))
    is_list = set(map(type, y_true)) | set(map(type, y_pred))
    if not is_list == {list}:
        raise TypeError("Found input variables without list of list.")
    if len(y_true) != len(y_pred) or len_true != len_pred:
        message = "Found input variables with inconsistent numbers of samples:\n{}\n{}".format(len_true, len_pred)
        raise ValueError(message)


class _Counts:
    """Per-label chunk counts (labels sorted), as seqeval's extract_tp_actual_correct."""

    __slots__ = ("labels", "pred_sum", "tp_sum", "true_sum")

    def __init__(self, labels: List[str], pred: List[int], tp: List[int], true: List[int]):
        self.labels = labels
        # seqeval grows int32 arrays with np.append (int64 once a count is appended).
        dtype = np.int64 if labels else np.int32
        self.pred_sum = np.array(pred, dtype=dtype)
        self.tp_sum = np.array(tp, dtype=dtype)
        self.true_sum = np.array(true, dtype=dtype)


def _count(seqs: TagSeqs, strict: bool, scheme: Optional[Tuple[str, Any]], suffix: bool) -> _Counts:
    if not strict:
        for tag in seqs.vocab:
            # seqeval's get_entities._validate_chunk (once per distinct tag here).
            if tag in ("O", "B", "I", "E", "S"):
                continue
            if suffix:
                if not tag.endswith(("-B", "-I", "-E", "-S")):
                    warnings.warn("{} seems not to be NE tag.".format(tag), stacklevel=3)
            elif not tag.startswith(("B-", "I-", "E-", "S-")):
                warnings.warn("{} seems not to be NE tag.".format(tag), stacklevel=3)
    labels, pred, tp, true, raise_ = seqs.seqeval_counts(strict, scheme[0] if scheme else None, suffix)
    if raise_ is not None:
        kind, arg = raise_
        if kind == "TypeError":
            name = arg[len("<class '") : -len("'>")]
            if strict:
                raise TypeError(f"'{name}' object is not subscriptable")
            method = "endswith" if suffix else "startswith"
            raise AttributeError(f"'{name}' object has no attribute '{method}'")
        if kind == "IndexError":
            raise IndexError(arg)
        if kind == "KeyError":
            raise KeyError(arg)
        if kind == "InvalidToken":
            assert scheme is not None
            allowed = str(scheme[1].allowed_prefix).replace("Prefix.", "")
            raise ValueError("Invalid token is found: {}. Allowed prefixes are: {}.".format(arg, allowed))
        raise ValueError(arg)
    return _Counts(labels, pred, tp, true)


def _prf_divide(numerator, denominator, metric, modifier, average, warn_for, zero_division="warn"):
    mask = denominator == 0.0
    denominator = denominator.copy()
    denominator[mask] = 1
    result = numerator / denominator
    if not np.any(mask):
        return result
    result[mask] = 0.0 if zero_division in ["warn", 0] else 1.0
    if zero_division != "warn" or metric not in warn_for:
        return result
    if metric in warn_for and "f-score" in warn_for:
        msg_start = "{0} and F-score are".format(metric.title())
    elif metric in warn_for:
        msg_start = "{0} is".format(metric.title())
    elif "f-score" in warn_for:
        msg_start = "F-score is"
    else:
        return result
    _warn_prf(average, modifier, msg_start, len(result))
    return result


def _warn_prf(average, modifier, msg_start, result_size):
    axis0, axis1 = "sample", "label"
    if average == "samples":
        axis0, axis1 = axis1, axis0
    msg = (
        "{0} ill-defined and being set to 0.0 {{0}} "
        "no {1} {2}s. Use `zero_division` parameter to control"
        " this behavior.".format(msg_start, modifier, axis0)
    )
    if result_size == 1:
        msg = msg.format("due to")
    else:
        msg = msg.format("in {0}s with".format(axis1))
    warnings.warn(msg, _undefined_metric_warning(), stacklevel=2)


_AVERAGE_OPTIONS = (None, "micro", "macro", "weighted")


def _check_args(beta: float, average: Optional[str]) -> None:
    if beta < 0:
        raise ValueError("beta should be >=0 in the F-beta score")
    if average not in _AVERAGE_OPTIONS:
        raise ValueError("average has to be one of {}".format(_AVERAGE_OPTIONS))


def _prfs(counts: _Counts, *, average, warn_for, beta, sample_weight, zero_division):
    """seqeval.metrics.v1._precision_recall_fscore_support after the counting."""
    pred_sum, tp_sum, true_sum = counts.pred_sum, counts.tp_sum, counts.true_sum
    if average == "micro":
        tp_sum = np.array([tp_sum.sum()])
        pred_sum = np.array([pred_sum.sum()])
        true_sum = np.array([true_sum.sum()])
    beta2 = beta**2
    precision = _prf_divide(tp_sum, pred_sum, "precision", "predicted", average, warn_for, zero_division)
    recall = _prf_divide(tp_sum, true_sum, "recall", "true", average, warn_for, zero_division)
    if zero_division == "warn" and ("f-score",) == warn_for:
        if (pred_sum[true_sum == 0] == 0).any():
            _warn_prf(average, "true nor predicted", "F-score is", len(true_sum))
    if np.isposinf(beta):
        f_score = recall
    else:
        denom = beta2 * precision + recall
        denom[denom == 0.0] = 1
        f_score = (1 + beta2) * precision * recall / denom
    if average == "weighted":
        weights = true_sum
        if weights.sum() == 0:
            zero_division_value = 0.0 if zero_division in ["warn", 0] else 1.0
            return (
                zero_division_value if pred_sum.sum() == 0 else 0.0,
                zero_division_value,
                zero_division_value if pred_sum.sum() == 0 else 0.0,
                sum(true_sum),
            )
    elif average == "samples":
        weights = sample_weight
    else:
        weights = None
    if average is not None:
        precision = np.average(precision, weights=weights)
        recall = np.average(recall, weights=weights)
        f_score = np.average(f_score, weights=weights)
        true_sum = sum(true_sum)
    return precision, recall, f_score, true_sum


def _strict_scheme(scheme: Any) -> Optional[Tuple[str, Any]]:
    resolved = _resolve_scheme(scheme)
    if resolved is None:
        raise TypeError(
            f"unsupported scheme {scheme!r}: expected one of IOB1, IOB2, IOE1, IOE2, IOBES, BILOU "
            "(a name, an ieval.seqeval class or a seqeval.scheme class)"
        )
    return resolved


def precision_recall_fscore_support(
    y_true: List[List[str]],
    y_pred: List[List[str]],
    *,
    average: Optional[str] = None,
    warn_for=("precision", "recall", "f-score"),
    beta: float = 1.0,
    sample_weight: Optional[List[int]] = None,
    zero_division: Union[str, int] = "warn",
    suffix: bool = False,
    mode: Optional[str] = None,
    scheme: Any = None,
):
    """Precision, recall, F-beta and support per label or averaged: seqeval's
    ``precision_recall_fscore_support`` (default mode) or, with ``mode="strict"`` and a
    scheme, ``seqeval.metrics.v1.precision_recall_fscore_support``."""
    _check_args(beta, average)
    _check_consistent_length(y_true, y_pred)
    strict = mode == "strict" and bool(scheme)
    resolved = _strict_scheme(scheme) if strict else None
    counts = _count(TagSeqs(y_true, y_pred), strict, resolved, suffix)
    return _prfs(
        counts, average=average, warn_for=warn_for, beta=beta, sample_weight=sample_weight, zero_division=zero_division
    )


def _metric(index: int, warn_for: Tuple[str, ...], beta: float, y_true, y_pred, **kw):
    return precision_recall_fscore_support(y_true, y_pred, warn_for=warn_for, beta=beta, **kw)[index]


def f1_score(
    y_true: List[List[str]],
    y_pred: List[List[str]],
    *,
    average: Optional[str] = "micro",
    suffix: bool = False,
    mode: Optional[str] = None,
    sample_weight: Optional[List[int]] = None,
    zero_division: Union[str, int] = "warn",
    scheme: Any = None,
):
    """The F1 score (seqeval.metrics.f1_score)."""
    return _metric(
        2, ("f-score",), 1, y_true, y_pred, average=average, suffix=suffix, mode=mode,
        sample_weight=sample_weight, zero_division=zero_division, scheme=scheme,
    )


def precision_score(
    y_true: List[List[str]],
    y_pred: List[List[str]],
    *,
    average: Optional[str] = "micro",
    suffix: bool = False,
    mode: Optional[str] = None,
    sample_weight: Optional[List[int]] = None,
    zero_division: Union[str, int] = "warn",
    scheme: Any = None,
):
    """The precision (seqeval.metrics.precision_score)."""
    return _metric(
        0, ("precision",), 1.0, y_true, y_pred, average=average, suffix=suffix, mode=mode,
        sample_weight=sample_weight, zero_division=zero_division, scheme=scheme,
    )


def recall_score(
    y_true: List[List[str]],
    y_pred: List[List[str]],
    *,
    average: Optional[str] = "micro",
    suffix: bool = False,
    mode: Optional[str] = None,
    sample_weight: Optional[List[int]] = None,
    zero_division: Union[str, int] = "warn",
    scheme: Any = None,
):
    """The recall (seqeval.metrics.recall_score)."""
    return _metric(
        1, ("recall",), 1.0, y_true, y_pred, average=average, suffix=suffix, mode=mode,
        sample_weight=sample_weight, zero_division=zero_division, scheme=scheme,
    )


def _flatten(y):
    return [item for sublist in y for item in sublist]


def _flat_counts(y_true, y_pred):
    """(len(y_true) flattened, correct, TP, FP, FN, TN), or None when the fast path does not
    apply (items that are not strings, inputs that are not lists)."""
    if not isinstance(y_true, list) or not isinstance(y_pred, list):
        return None
    nested_true = any(isinstance(s, list) for s in y_true)
    if nested_true != any(isinstance(s, list) for s in y_pred) and y_pred:
        return None
    if nested_true and not all(isinstance(s, list) for s in y_true):
        return None
    try:
        seqs = TagSeqs(y_true, y_pred)
    except TypeError:
        return None
    if seqs.non_str is not None:
        return None
    return seqs.flat_counts()


def accuracy_score(y_true, y_pred) -> float:
    """Token accuracy (seqeval.metrics.accuracy_score)."""
    counts = _flat_counts(y_true, y_pred)
    if counts is None:
        if any(isinstance(s, list) for s in y_true):
            y_true, y_pred = _flatten(y_true), _flatten(y_pred)
        nb_correct = sum(y_t == y_p for y_t, y_p in zip(y_true, y_pred))
        return nb_correct / len(y_true)
    return counts[1] / counts[0]


def performance_measure(y_true, y_pred) -> Dict[str, int]:
    """Token-level TP, FP, FN, TN (seqeval.metrics.performance_measure)."""
    counts = _flat_counts(y_true, y_pred)
    if counts is None:
        if any(isinstance(s, list) for s in y_true):
            y_true, y_pred = _flatten(y_true), _flatten(y_pred)
        pairs = list(zip(y_true, y_pred))
        return {
            "TP": sum(t == p for t, p in pairs if (t != "O") or (p != "O")),
            "FP": sum(((t != p) and (p != "O")) for t, p in pairs),
            "FN": sum(((t != "O") and (p == "O")) for t, p in pairs),
            "TN": sum((t == p == "O") for t, p in pairs),
        }
    _, _, tp, fp, fn, tn = counts
    return {"TP": tp, "FP": fp, "FN": fn, "TN": tn}


class _DictReporter:
    def __init__(self):
        self.report_dict: Dict[str, Dict[str, Any]] = {}

    def report(self):
        return self.report_dict

    def write(self, row_name, precision, recall, f1, support):
        self.report_dict[row_name] = {"precision": precision, "recall": recall, "f1-score": f1, "support": support}

    def write_blank(self):
        pass


class _StringReporter:
    def __init__(self, width: int = 10, digits: int = 4):
        self.buffer: List[str] = []
        self.row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}"
        self.width = width
        self.digits = digits

    def report(self):
        headers = ["precision", "recall", "f1-score", "support"]
        head_fmt = "{:>{width}s} " + " {:>9}" * len(headers)
        report = head_fmt.format("", *headers, width=self.width) + "\n\n"
        return report + "\n".join(self.buffer)

    def write(self, row_name, precision, recall, f1, support):
        self.buffer.append(
            self.row_fmt.format(row_name, precision, recall, f1, support, width=self.width, digits=self.digits)
        )

    def write_blank(self):
        self.buffer.append("")


def classification_report(
    y_true: List[List[str]],
    y_pred: List[List[str]],
    digits: int = 2,
    suffix: bool = False,
    output_dict: bool = False,
    mode: Optional[str] = None,
    sample_weight: Optional[List[int]] = None,
    zero_division: Union[str, int] = "warn",
    scheme: Any = None,
) -> Union[str, Dict[str, Dict[str, Any]]]:
    """Per-label and averaged precision, recall, F1 and support as text (or a dict with
    ``output_dict=True``): seqeval.metrics.classification_report."""
    strict = mode == "strict"
    if strict:
        _check_consistent_length(y_true, y_pred)
        seqs = TagSeqs(y_true, y_pred)
        resolved = _resolve_scheme(scheme)
        if resolved is None:
            if isinstance(scheme, str):
                raise ValueError(f"unknown tag scheme {scheme!r}")
            detected = _auto_detect(seqs.vocab[: seqs.n_true_vocab], suffix)
            resolved = (detected.__name__, detected)
    else:
        seqs = TagSeqs(y_true, y_pred)
        resolved = None
    counts = _count(seqs, strict, resolved, suffix)
    target_names = counts.labels

    reporter: Union[_DictReporter, _StringReporter]
    if output_dict:
        reporter = _DictReporter()
    else:
        name_width = max(map(len, target_names))
        avg_width = len("weighted avg")
        width = max(name_width, avg_width, digits)
        reporter = _StringReporter(width=width, digits=digits)

    checked = [strict]

    def prfs(average):
        # seqeval validates the lengths before its first per-class call (default mode; the
        # outcome cannot change between its four calls, so once here).
        if not checked[0]:
            _check_consistent_length(y_true, y_pred)
            checked[0] = True
        return _prfs(
            counts,
            average=average,
            warn_for=("precision", "recall", "f-score"),
            beta=1.0,
            sample_weight=sample_weight,
            zero_division=zero_division,
        )

    p, r, f1, s = prfs(None)
    for row in zip(target_names, p, r, f1, s):
        reporter.write(*row)
    reporter.write_blank()
    for average in ("micro", "macro", "weighted"):
        avg_p, avg_r, avg_f1, support = prfs(average)
        reporter.write("{} avg".format(average), avg_p, avg_r, avg_f1, support)
    reporter.write_blank()
    return reporter.report()
