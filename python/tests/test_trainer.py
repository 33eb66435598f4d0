"""ieval.trainer.compute_metrics: the dict a seqeval-based Trainer setup returns (run_ner.py
with evaluate's "seqeval" metric), from an EvalPrediction stand-in (no transformers)."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

seqeval_metrics = pytest.importorskip("seqeval.metrics", reason="the reference tool seqeval 1.2.2 is needed")

from ieval.trainer import compute_metrics, tags_from_predictions  # noqa: E402
import seq_corpora  # noqa: E402

EvalPrediction = namedtuple("EvalPrediction", ["predictions", "label_ids"])
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]


def reference(predictions, labels, label_list):
    """What transformers' examples/pytorch/token-classification/run_ner.py computes, with
    evaluate's seqeval metric (classification_report output_dict + accuracy_score)."""
    predictions = np.argmax(predictions, axis=2)
    true_predictions = [[label_list[p] for (p, l) in zip(prediction, label) if l != -100]
                        for prediction, label in zip(predictions, labels)]
    true_labels = [[label_list[l] for (p, l) in zip(prediction, label) if l != -100]
                   for prediction, label in zip(predictions, labels)]
    report = seqeval_metrics.classification_report(true_labels, true_predictions, output_dict=True)
    report.pop("macro avg")
    report.pop("weighted avg")
    overall = report.pop("micro avg")
    out = {}
    for name, score in report.items():
        for key, field in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score"), ("number", "support")):
            out[f"{name}_{key}"] = score[field]
    out.update(precision=overall["precision"], recall=overall["recall"], f1=overall["f1-score"],
               accuracy=seqeval_metrics.accuracy_score(true_labels, true_predictions))
    return out


def batch(y_true, y_pred, seed=0):
    """Logits and label ids as a Trainer pads them: a -100 [CLS], sub-word continuations
    labelled -100 (their logits random), -100 padding to the longest sequence."""
    rng = np.random.default_rng(seed)
    index = {t: i for i, t in enumerate(LABELS)}
    rows_l, rows_p = [], []
    for t, p in zip(y_true, y_pred):
        lab, pred = [-100], [int(rng.integers(len(LABELS)))]
        for a, b in zip(t, p):
            lab.append(index[a])
            pred.append(index[b])
            if rng.random() < 0.2:  # a sub-word piece
                lab.append(-100)
                pred.append(int(rng.integers(len(LABELS))))
        rows_l.append(lab)
        rows_p.append(pred)
    width = max(map(len, rows_l)) + 1
    labels = np.full((len(rows_l), width), -100, dtype=np.int64)
    logits = rng.normal(size=(len(rows_l), width, len(LABELS))).astype(np.float32)
    for i, (lab, pred) in enumerate(zip(rows_l, rows_p)):
        labels[i, : len(lab)] = lab
        for j, k in enumerate(pred):
            logits[i, j, k] = 10.0  # the predicted label wins the argmax
    return logits, labels


def test_equals_run_ner_with_seqeval():
    y_true, y_pred = seq_corpora.systems()["spacy-sm-3.8.0"]
    logits, labels = batch(y_true, y_pred)
    want = reference(logits, labels, LABELS)
    got = compute_metrics(LABELS, entity_level=True)(EvalPrediction(logits, labels))
    assert list(got) == list(want)
    for k in want:
        assert got[k] == want[k], k
    # Without entity_level: the four numbers the Trainer logs.
    short = compute_metrics(LABELS)(EvalPrediction(logits, labels))
    assert short == {k: want[k] for k in ("precision", "recall", "f1", "accuracy")}
    # The tag sequences recovered are the original ones (every -100 dropped).
    assert tags_from_predictions(logits, labels, LABELS) == (y_true, y_pred)


def test_ids_tuples_and_extra_outputs():
    y_true = [["B-PER", "I-PER", "O"], ["B-LOC"]]
    y_pred = [["B-PER", "O", "O"], ["B-LOC"]]
    logits, labels = batch(y_true, y_pred, seed=3)
    ids = logits.argmax(-1)
    fn = compute_metrics(LABELS)
    want = fn(EvalPrediction(logits, labels))
    assert fn(EvalPrediction(ids, labels)) == want
    assert fn((logits, labels)) == want
    assert fn(EvalPrediction((logits, np.zeros((2, 3))), labels)) == want
    assert want == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "accuracy": 0.75}


def test_bad_ids():
    with pytest.raises(ValueError, match="not an index of label_list"):
        compute_metrics(["O", "B-PER"])(EvalPrediction(np.array([[0, 5]]), np.array([[0, 1]])))
    with pytest.raises(ValueError, match="do not match"):
        compute_metrics(LABELS)(EvalPrediction(np.zeros((2, 4)), np.zeros((2, 5), dtype=int)))
