"""ieval.nervaluate.Evaluator equals nervaluate 1.2.1's Evaluator: on the CoNLL-2003 system
outputs of ../shared/corpora/conll2003-preds with each loader (list, conll, dict and its
"prodigy" name) and on random tag sequences (hypothesis); results, indices, reports, CSV
and exceptions."""

from __future__ import annotations

import dataclasses

import pytest

nervaluate = pytest.importorskip("nervaluate", reason="the reference tool nervaluate 1.2.1 is needed")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from nervaluate.utils import collect_named_entities  # noqa: E402

import ieval.nervaluate as mine  # noqa: E402
from seq_compare import COUNT, run  # noqa: E402
import seq_corpora  # noqa: E402

TAGS = ["PER", "LOC", "ORG", "MISC"]


def norm(x):
    """Comparable form of nervaluate's results: class names, fields, key order, value types."""
    if dataclasses.is_dataclass(x):
        return type(x).__name__, [(k, norm(v)) for k, v in vars(x).items()]
    if isinstance(x, dict):
        return [(k, norm(v)) for k, v in x.items()]
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [norm(v) for v in x]
    return type(x).__name__, x


def same(true, pred, tags, loader="default", mine_loader=None, calls=("evaluate",), **kw):
    """Build both evaluators and compare the outcome of each call (or of the constructor)."""
    def build(cls, ld):
        return cls(true, pred, tags, loader=ld, **kw)

    want, _ = run(build, nervaluate.Evaluator, loader)
    got, _ = run(build, mine.Evaluator, mine_loader or loader)
    assert want[0] == got[0], (want, got)
    COUNT[0] += 1
    if want[0] == "raised":
        assert want[1:] == got[1:], (want, got)
        return
    ref_ev, my_ev = want[1], got[1]
    for call in calls:
        name, args = (call, {}) if isinstance(call, str) else call
        a, _ = run(getattr(ref_ev, name), **args)
        b, _ = run(getattr(my_ev, name), **args)
        assert a[0] == b[0], (name, args, a, b)
        if a[0] == "raised":
            assert a[1:] == b[1:], (name, args, a, b)
        else:
            assert norm(a[1]) == norm(b[1]), (name, args)
        COUNT[0] += 1
    assert norm(ref_ev.true) == norm(my_ev.true) and norm(ref_ev.pred) == norm(my_ev.pred)


REPORTS = (
    "evaluate",
    ("summary_report", {}),
    ("summary_report", {"mode": "entities", "scenario": "partial", "digits": 4}),
    ("summary_report", {"mode": "entities", "scenario": "ent_type"}),
    ("results_to_csv", {}),
    ("results_to_csv", {"mode": "entities", "scenario": "exact"}),
    ("summary_report_indices", {}),
    ("summary_report_indices", {"mode": "entities", "scenario": "strict", "colors": True}),
)


@pytest.fixture(scope="module", params=["spacy-sm-3.8.0", "spacy-sm-3.6.0", "connl03_CelmoWglove_lstmCrf_9222",
                                        "connl03_CflairWglove_lstmCrf_9303", "xlm_flert_03", "xlm_flert_sharp",
                                        "luke_sharp", "asp_sharp"])
def system(request):
    systems = seq_corpora.systems()
    if request.param not in systems:
        pytest.skip(f"{request.param}: its files are absent from {seq_corpora.CORPORA}")
    return request.param, systems[request.param]


def test_list_loader(system):
    name, (y_true, y_pred) = system
    same(y_true, y_pred, TAGS, "list")
    if name == "spacy-sm-3.8.0":
        same(y_true, y_pred, TAGS, "list", calls=REPORTS)
        same(y_true, y_pred, ["PER", "ORG", "NOPE"], "list")
        same(y_true, y_pred, TAGS, "default", min_overlap_percentage=50)
        same(y_true, y_pred, TAGS, "list", min_overlap_percentage=100.0)


def conll_text(seqs):
    """nervaluate's CoNLL string: `token<TAB>tag` lines, documents separated by a blank line."""
    return "\n\n".join("\n".join(f"w{i}\t{t}" for i, t in enumerate(s)) for s in seqs if s) + "\n"


def test_conll_and_dict_loaders(system):
    name, (y_true, y_pred) = system
    if name not in ("spacy-sm-3.8.0", "luke_sharp"):
        pytest.skip("two systems are enough for the other loaders")
    same(conll_text(y_true), conll_text(y_pred), TAGS, "conll")
    true_dicts = [collect_named_entities(s) for s in y_true]
    pred_dicts = [collect_named_entities(s) for s in y_pred]
    same(true_dicts, pred_dicts, TAGS, "dict")
    same(true_dicts, pred_dicts, TAGS, "default")
    # Prodigy spans (extra keys) through ieval's "prodigy" name for the dict loader.
    prodigy = [[dict(e, token_start=e["start"], token_end=e["end"]) for e in doc] for doc in pred_dicts]
    same(true_dicts, prodigy, TAGS, "dict", mine_loader="prodigy")


ALPHABET = ["O"] * 5 + ["B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"]
ODD = ["E-PER", "S-LOC", "PER", "B-", "I", "Bé-X", "éI-PER", "B-PER-X"]


def docs(alphabet, min_docs=0):
    return st.lists(st.lists(st.sampled_from(alphabet), max_size=15), min_size=min_docs, max_size=5)


def shaped_like(gold, alphabet):
    return st.tuples(*[st.lists(st.sampled_from(alphabet), min_size=len(s), max_size=len(s)) for s in gold]).map(list)


RANDOM = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RANDOM
@given(docs(ALPHABET).flatmap(lambda g: st.tuples(st.just(g), shaped_like(g, ALPHABET))),
       st.sampled_from([1.0, 30.0, 50.0, 100.0]))
def test_random_valid(data, overlap):
    y_true, y_pred = data
    same(y_true, y_pred, ["PER", "LOC", "ORG"], "list", min_overlap_percentage=overlap,
         calls=("evaluate", ("summary_report_indices", {"mode": "entities"})))
    same(conll_text(y_true), conll_text(y_pred), ["PER", "LOC"], "conll")


@RANDOM
@given(docs(ALPHABET + ODD, min_docs=1).flatmap(lambda g: st.tuples(st.just(g), shaped_like(g, ALPHABET + ODD))))
def test_random_invalid(data):
    y_true, y_pred = data
    same(y_true, y_pred, ["PER", "LOC", "ORG", "X"], "list")
    same(conll_text(y_true), conll_text(y_pred), ["PER", "LOC"], "conll")


@pytest.mark.parametrize(
    "true, pred, loader, kw",
    [
        ([["B-PER", "O"]], [["B-PER"]], "list", {}),
        ([["B-PER", "O"]], [["B-PER", "O"], ["O"]], "list", {}),
        ([["B-PER", "O"]], [["B-PER", 7]], "list", {}),
        ([["O", "E-PER"]], [["B-PER", "O"]], "list", {}),
        ([["B-PER", "O"], "B-PER"], [["B-PER", "O"], ["O"]], "list", {}),
        ([["B-PER", "O"], ("B-PER",)], [["B-PER", "O"], ["O"]], "list", {}),
        ([["B-PER", "O"]], [["B-PER", "O"]], "nope", {}),
        ([["B-PER", "O"]], [["B-PER", "O"]], "prodigy", {}),
        ([["B-PER", "O"]], [["B-PER", "O"]], "list", {"min_overlap_percentage": 0.5}),
        ([["B-PER", "O"]], [["B-PER", "O"]], "list", {"min_overlap_percentage": 101}),
        ("a\tB-PER\n", "a B-PER\n", "conll", {}),
        ("a\tB-PER\n\nb\tO\n", "a\tB-PER\n", "conll", {}),
        ("a\tB-PER\n", [["B-PER"]], "conll", {}),
        ("\n\n \n\na\tI-PER\n  \nb\tI-PER\n\n\n", "a\tO\n\nb\tB-PER\n\t\nc\tI-PER", "conll", {}),
        ("", "", "conll", {}),
        ([], [], "list", {}),
        ([[]], [[]], "default", {}),
        (42, 42, "default", {}),
        ([[{"label": "PER", "start": 0}]], [[]], "dict", {}),
        ([[{"label": 3, "start": 0, "end": 1}]], [[]], "dict", {}),
        ([[{"label": "PER", "start": 0, "end": 1.0}]], [[]], "dict", {}),
        ([["x"]], [[]], "dict", {}),
    ],
)
def test_edge_cases_and_errors(true, pred, loader, kw):
    if loader == "prodigy":
        # nervaluate 1.2.1 has no loader of that name; ieval reads it as "dict" (module docstring).
        with pytest.raises(ValueError, match="Unknown loader: prodigy"):
            nervaluate.Evaluator(true, pred, TAGS, loader=loader)
        return
    same(true, pred, TAGS, loader, calls=("evaluate", ("summary_report", {})), **kw)


def test_zz_count():
    print(f"\nnervaluate parity comparisons: {COUNT[0]}")
    assert COUNT[0] > 0
