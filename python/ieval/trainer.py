"""Metrics for the ``transformers`` Trainer, computed by ieval (seqeval's numbers).

    from ieval.trainer import compute_metrics
    trainer = Trainer(..., compute_metrics=compute_metrics(label_list))

``compute_metrics(label_list)`` returns the function the Trainer calls with an
``EvalPrediction`` (``predictions``: logits ``[batch, seq, labels]`` or label ids
``[batch, seq]``; ``label_ids``: ``[batch, seq]`` with ``-100`` on positions to ignore —
special tokens, sub-word continuations, padding). It returns what the seqeval-based examples
(``run_ner.py`` with ``evaluate.load("seqeval")``) return: ``precision``, ``recall``, ``f1``
(micro averages over entities) and ``accuracy`` (over tokens), plus per-type
``{TYPE}_precision``, ``{TYPE}_recall``, ``{TYPE}_f1``, ``{TYPE}_number`` with
``entity_level=True``. Only numpy is needed (not transformers).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ieval import seqeval

__all__ = ["compute_metrics", "tags_from_predictions"]

IGNORE_INDEX = -100


def _unpack(eval_pred: Any) -> Tuple[Any, Any]:
    predictions = getattr(eval_pred, "predictions", None)
    labels = getattr(eval_pred, "label_ids", None)
    if predictions is None or labels is None:
        predictions, labels = eval_pred[0], eval_pred[1]
    # Models returning several outputs give a tuple; the logits come first.
    if isinstance(predictions, (tuple, list)) and predictions and not np.isscalar(predictions[0]):
        first = np.asarray(predictions[0])
        if first.ndim >= 2:
            predictions = first
    return predictions, labels


def tags_from_predictions(
    predictions: Any, label_ids: Any, label_list: Sequence[str]
) -> Tuple[List[List[str]], List[List[str]]]:
    """Gold and predicted tag sequences (``y_true``, ``y_pred``) from label ids and logits
    (or predicted ids), dropping every position whose label is ``-100``."""
    preds = np.asarray(predictions)
    labels = np.asarray(label_ids)
    if preds.ndim == labels.ndim + 1:
        preds = preds.argmax(axis=-1)
    if preds.shape != labels.shape:
        raise ValueError(
            f"predictions of shape {preds.shape} do not match label_ids of shape {labels.shape} "
            "(expected logits [batch, seq, labels] or ids [batch, seq])"
        )
    names = np.empty(len(label_list), dtype=object)
    names[:] = list(label_list)
    keep = labels != IGNORE_INDEX
    used = labels[keep]
    for what, ids in (("label_ids", used), ("predictions", preds[keep])):
        if ids.size and (ids.min() < 0 or ids.max() >= len(label_list)):
            bad = ids[(ids < 0) | (ids >= len(label_list))][0]
            raise ValueError(f"{what}: id {bad} is not an index of label_list (length {len(label_list)})")
    y_true: List[List[str]] = []
    y_pred: List[List[str]] = []
    for row_labels, row_preds, row_keep in zip(labels, preds, keep):
        y_true.append(names[row_labels[row_keep]].tolist())
        y_pred.append(names[row_preds[row_keep]].tolist())
    return y_true, y_pred


def compute_metrics(
    label_list: Sequence[str],
    *,
    mode: Optional[str] = None,
    scheme: Any = None,
    suffix: bool = False,
    zero_division: Union[str, int] = "warn",
    entity_level: bool = False,
) -> Callable[[Any], Dict[str, float]]:
    """The ``compute_metrics`` function for ``transformers.Trainer``: ``label_list`` maps
    label ids to tags; ``mode``/``scheme``/``suffix``/``zero_division`` as in seqeval."""
    labels = list(label_list)

    def _compute(eval_pred: Any) -> Dict[str, float]:
        predictions, label_ids = _unpack(eval_pred)
        y_true, y_pred = tags_from_predictions(predictions, label_ids, labels)
        report = seqeval.classification_report(
            y_true, y_pred, suffix=suffix, output_dict=True, mode=mode, scheme=scheme, zero_division=zero_division
        )
        report.pop("macro avg")
        report.pop("weighted avg")
        overall = report.pop("micro avg")
        out: Dict[str, float] = {}
        if entity_level:
            for name, score in report.items():
                out[f"{name}_precision"] = float(score["precision"])
                out[f"{name}_recall"] = float(score["recall"])
                out[f"{name}_f1"] = float(score["f1-score"])
                out[f"{name}_number"] = int(score["support"])
        out["precision"] = float(overall["precision"])
        out["recall"] = float(overall["recall"])
        out["f1"] = float(overall["f1-score"])
        out["accuracy"] = float(seqeval.accuracy_score(y_true, y_pred))
        return out

    return _compute
