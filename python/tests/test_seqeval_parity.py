"""ieval.seqeval equals seqeval 1.2.2 on the CoNLL-2003 system outputs of
../shared/corpora/conll2003-preds: every function, mode, scheme, average, output_dict,
digits, zero_division and suffix variant; values, types, report text and warnings."""

from __future__ import annotations

import pytest

seqeval_metrics = pytest.importorskip("seqeval.metrics", reason="the reference tool seqeval 1.2.2 is needed")
import seqeval.scheme as seqeval_scheme  # noqa: E402

import ieval.seqeval as mine  # noqa: E402
from seq_compare import COUNT, check  # noqa: E402
import seq_corpora  # noqa: E402

ref = seqeval_metrics

# The full matrix on two systems (one IOB2 pair, one IOB1 gold against IOB2 predictions);
# the main variants on every other one.
FULL = ("spacy-sm-3.8.0", "eng.testb-iob1-vs-spacy")


def system_names():
    seq_corpora.require_corpora()
    return list(seq_corpora.systems())


@pytest.fixture(scope="module", params=["spacy-sm-3.8.0", "spacy-sm-3.6.0", "connl03_CelmoWglove_lstmCrf_9222",
                                        "connl03_CflairWglove_lstmCrf_9303", "xlm_flert_03", "xlm_flert_sharp",
                                        "luke_sharp", "asp_sharp", "eng.testb-iob1-vs-spacy"])
def system(request):
    systems = seq_corpora.systems()
    if request.param not in systems:
        pytest.skip(f"{request.param}: its files are absent from {seq_corpora.CORPORA}")
    return request.param, systems[request.param]


def test_default_mode(system):
    name, (y_true, y_pred) = system
    check(ref.classification_report, mine.classification_report, y_true, y_pred)
    check(ref.classification_report, mine.classification_report, y_true, y_pred, output_dict=True)
    check(ref.classification_report, mine.classification_report, y_true, y_pred, mode="strict",
          scheme=seqeval_scheme.IOB2)
    check(ref.f1_score, mine.f1_score, y_true, y_pred)
    check(ref.accuracy_score, mine.accuracy_score, y_true, y_pred)
    check(ref.performance_measure, mine.performance_measure, y_true, y_pred)
    if name not in FULL:
        return
    for digits in (0, 13):
        check(ref.classification_report, mine.classification_report, y_true, y_pred, digits=digits)
    for zero_division in (0, 1):
        check(ref.classification_report, mine.classification_report, y_true, y_pred, zero_division=zero_division)
    for fn in ("precision_score", "recall_score", "f1_score"):
        for average in (None, "micro", "macro", "weighted"):
            check(getattr(ref, fn), getattr(mine, fn), y_true, y_pred, average=average)
            check(getattr(ref, fn), getattr(mine, fn), y_true, y_pred, average=average, mode="strict",
                  scheme=seqeval_scheme.IOB2)
    # mode="strict" without a scheme is seqeval's default mode for the *_score functions.
    check(ref.f1_score, mine.f1_score, y_true, y_pred, mode="strict")


@pytest.mark.parametrize("scheme", ["IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU"])
@pytest.mark.parametrize("suffix", [False, True])
def test_schemes(scheme, suffix):
    """Gold and predictions of one system re-encoded in each scheme (prefix or suffix
    style): strict mode with seqeval's class, auto-detection, and the default mode."""
    systems = seq_corpora.systems()
    # The first 1,000 sentences (about 13,000 tokens): 12 encodings, each checked 8 ways.
    y_true, y_pred = (s[:1000] for s in systems["spacy-sm-3.8.0"])
    t = seq_corpora.convert(y_true, scheme, suffix)
    p = seq_corpora.convert(y_pred, scheme, suffix)
    cls = getattr(seqeval_scheme, scheme)
    for output_dict in (False, True):
        check(ref.classification_report, mine.classification_report, t, p, mode="strict", scheme=cls,
              suffix=suffix, output_dict=output_dict)
    check(ref.classification_report, mine.classification_report, t, p, mode="strict", suffix=suffix)
    check(ref.classification_report, mine.classification_report, t, p, suffix=suffix)
    for average in (None, "micro", "macro", "weighted"):
        check(ref.precision_score, mine.precision_score, t, p, mode="strict", scheme=cls, suffix=suffix,
              average=average)
    # ieval's own scheme names and classes give seqeval's results.
    want = ref.classification_report(t, p, mode="strict", scheme=cls, suffix=suffix, digits=4)
    assert mine.classification_report(t, p, mode="strict", scheme=scheme, suffix=suffix, digits=4) == want
    assert mine.classification_report(t, p, mode="strict", scheme=getattr(mine, scheme), suffix=suffix,
                                      digits=4) == want
    COUNT[0] += 2


def test_mixed_schemes_in_one_file():
    """IOB1 gold (I- starting chunks) in strict IOB2 mode: seqeval drops the invalid chunks."""
    systems = seq_corpora.systems()
    if "eng.testb-iob1-vs-spacy" not in systems:
        pytest.skip("eng.testb is absent")
    y_true, y_pred = systems["eng.testb-iob1-vs-spacy"]
    for scheme in (seqeval_scheme.IOB1, seqeval_scheme.IOB2):
        check(ref.classification_report, mine.classification_report, y_true, y_pred, mode="strict", scheme=scheme,
              digits=5)


def test_zz_count():
    """How many comparisons the module made (reported with -s)."""
    print(f"\nseqeval parity comparisons: {COUNT[0]}")
    assert COUNT[0] > 0
