"""ieval.seqeval equals seqeval 1.2.2 on random tag sequences (hypothesis): valid and invalid
sequences (I- after O, E- without B-, unknown prefixes, bare labels, mixed schemes), suffix
style, every function and mode; and raises where seqeval raises."""

from __future__ import annotations

import pytest

seqeval_metrics = pytest.importorskip("seqeval.metrics", reason="the reference tool seqeval 1.2.2 is needed")
import seqeval.scheme as seqeval_scheme  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import ieval.seqeval as mine  # noqa: E402
from seq_compare import check, run  # noqa: E402

ref = seqeval_metrics
SCHEMES = [seqeval_scheme.IOB1, seqeval_scheme.IOB2, seqeval_scheme.IOE1, seqeval_scheme.IOE2,
           seqeval_scheme.IOBES, seqeval_scheme.BILOU]

TYPES = ["PER", "LOC", "X"]
PREFIXED = [f"{p}-{t}" for p in "BIESLU" for t in TYPES]
SUFFIXED = [f"{t}-{p}" for p in "BIESLU" for t in TYPES]
ODD = ["B", "I", "PER", "-", "B-", "I-PER-X", "B_PER", ".", ".-X", "é-X", "X-é", "B--PER-", "Q-PER", "O-PER"]


def tag_lists(alphabet):
    tag = st.sampled_from(["O"] * 4 + alphabet)
    return st.lists(st.lists(tag, max_size=12), min_size=1, max_size=6)


def pair(alphabet):
    """Gold and predictions of the same shape (predictions sometimes equal gold)."""
    def build(gold):
        return st.tuples(st.just(gold), st.one_of(
            st.just([list(s) for s in gold]),
            st.tuples(*[st.lists(st.sampled_from(["O"] * 4 + alphabet), min_size=len(s), max_size=len(s))
                        for s in gold]).map(list),
        ))
    return tag_lists(alphabet).flatmap(build)


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def compare_all(y_true, y_pred, suffix):
    check(ref.classification_report, mine.classification_report, y_true, y_pred, suffix=suffix)
    check(ref.classification_report, mine.classification_report, y_true, y_pred, suffix=suffix, output_dict=True,
          zero_division=1)
    check(ref.classification_report, mine.classification_report, y_true, y_pred, suffix=suffix, mode="strict",
          digits=3)
    for fn in (ref.f1_score, ref.precision_score, ref.recall_score):
        ours = getattr(mine, fn.__name__)
        for average in (None, "micro", "macro", "weighted"):
            check(fn, ours, y_true, y_pred, suffix=suffix, average=average)
    for scheme in SCHEMES:
        check(ref.classification_report, mine.classification_report, y_true, y_pred, suffix=suffix, mode="strict",
              scheme=scheme, output_dict=True)
        check(ref.f1_score, mine.f1_score, y_true, y_pred, suffix=suffix, mode="strict", scheme=scheme,
              average="macro")
    check(ref.accuracy_score, mine.accuracy_score, y_true, y_pred)
    check(ref.performance_measure, mine.performance_measure, y_true, y_pred)


@FAST
@given(pair(PREFIXED))
def test_prefixed_tags(data):
    compare_all(*data, suffix=False)


@FAST
@given(pair(SUFFIXED))
def test_suffixed_tags(data):
    compare_all(*data, suffix=True)


@FAST
@given(pair(PREFIXED + ODD))
def test_invalid_and_odd_tags(data):
    compare_all(*data, suffix=False)


@FAST
@given(pair(SUFFIXED + ODD))
def test_invalid_and_odd_tags_suffix(data):
    compare_all(*data, suffix=True)


@FAST
@given(pair(["B-PER", "I-PER", "B-LOC", "I-LOC"]), st.sampled_from(["B-PER", "I-LOC", "E-LOC", "S-PER"]))
def test_mixed_schemes(data, extra):
    """IOB2 sequences with one tag of another scheme in the gold."""
    y_true, y_pred = data
    if y_true[0]:
        y_true = [[extra] + s[1:] if i == 0 else s for i, s in enumerate(y_true)]
    compare_all(y_true, y_pred, suffix=False)


GOOD = [["B-PER", "I-PER", "O"], ["B-LOC"]]


@pytest.mark.parametrize(
    "y_true, y_pred, kwargs",
    [
        # Inconsistent lengths (ValueError) and inputs that are not lists of lists (TypeError).
        (GOOD, [["B-PER", "I-PER"], ["B-LOC"]], {}),
        (GOOD, [["B-PER", "I-PER", "O"]], {}),
        (GOOD, [("B-PER", "I-PER", "O"), ["B-LOC"]], {}),
        (["B-PER", "O"], ["B-PER", "O"], {}),
        ([], [], {}),
        # No entity at all: the text report has no width (ValueError from max()).
        ([["O", "O"]], [["O", "O"]], {}),
        ([["O", "O"]], [["O", "O"]], {"output_dict": True}),
        # Strict mode: a prefix the scheme does not allow, an unknown prefix, no scheme found.
        ([["B-PER", "E-PER"]], [["B-PER", "I-PER"]], {"mode": "strict", "scheme": seqeval_scheme.IOB2}),
        ([["B-PER", "O"]], [["Q-PER", "O"]], {"mode": "strict", "scheme": seqeval_scheme.IOB2}),
        ([["B-PER", "E-PER", "L-PER"]], [["O", "O", "O"]], {"mode": "strict"}),
        ([["X-PER", "O"]], [["O", "O"]], {"mode": "strict"}),
        ([["B-PER", ""]], [["O", "O"]], {}),
        ([["B-PER", ""]], [["O", "O"]], {"mode": "strict"}),
        ([["B-PER", 3]], [["O", "O"]], {"mode": "strict", "scheme": seqeval_scheme.IOB2}),
    ],
)
def test_errors_as_seqeval(y_true, y_pred, kwargs):
    """The same outcome; for a TypeError (malformed input) the same type, whose message in
    seqeval is an accident of its code (a failed concatenation, say)."""
    kw = {k: v for k, v in kwargs.items() if k != "output_dict"}
    for fn, args in ((ref.classification_report, kwargs), (ref.f1_score, kw)):
        want, _ = run(fn, y_true, y_pred, **args)
        got, _ = run(getattr(mine, fn.__name__), y_true, y_pred, **args)
        if want[0] == "raised" and want[1] == "TypeError":
            assert got[:2] == want[:2], (fn.__name__, want, got)
        else:
            check(fn, getattr(mine, fn.__name__), y_true, y_pred, **args)


@pytest.mark.parametrize("average", ["samples", "binary", "all"])
def test_bad_average(average):
    want = check(ref.f1_score, mine.f1_score, GOOD, GOOD, average=average)
    assert want[0] == "raised" and want[1] == "ValueError"


def test_ieval_scheme_names():
    assert mine.f1_score(GOOD, GOOD, mode="strict", scheme="bio") == 1.0
    with pytest.raises(ValueError, match="unknown tag scheme"):
        mine.f1_score(GOOD, GOOD, mode="strict", scheme="iob9")
    with pytest.raises(TypeError, match="unsupported scheme"):
        mine.f1_score(GOOD, GOOD, mode="strict", scheme=object())


def test_threads_agree():
    """Four threads scoring at once (the GIL released while counting) get the one-thread result."""
    import threading

    y_true = [["B-PER", "I-PER", "O", "B-LOC"] * 50] * 200
    y_pred = [["B-PER", "O", "O", "B-LOC"] * 50] * 200
    want = mine.classification_report(y_true, y_pred, digits=6)
    out = []
    threads = [threading.Thread(target=lambda: out.append(mine.classification_report(y_true, y_pred, digits=6)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [want] * 4
