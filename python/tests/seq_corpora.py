"""Tag sequences of the CoNLL-2003 system outputs in ../shared/corpora/conll2003-preds
(see its SOURCE.md), for the parity tests of ieval.seqeval, ieval.nervaluate and
ieval.trainer against seqeval 1.2.2 and nervaluate 1.2.1."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

# The corpora as conftest.py finds them: $CORPORA, else ../shared/corpora beside the
# checkout (CI) or above it (worktrees).
from conftest import CORPORA  # noqa: E402

PREDS = CORPORA / "conll2003-preds"
CONLL = CORPORA / "conll2003"

Seqs = List[List[str]]


def require_corpora() -> None:
    if not PREDS.is_dir():
        if os.environ.get("IEVAL_REQUIRE_SHARED"):
            raise AssertionError(f"{PREDS} is missing (IEVAL_REQUIRE_SHARED is set)")
        pytest.skip(f"corpus directory {PREDS} is absent (CI has ../shared beside the clone; set CORPORA=...)")


def _blocks(path: Path) -> List[List[List[str]]]:
    """Sentences as lists of whitespace-split rows; blank (or space-only) lines separate,
    -DOCSTART- rows are dropped."""
    sents: List[List[List[str]]] = []
    cur: List[List[str]] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        cols = line.split()
        if not cols:
            if cur:
                sents.append(cur)
                cur = []
            continue
        if cols[0] == "-DOCSTART-":
            continue
        cur.append(cols)
    if cur:
        sents.append(cur)
    return sents


def _three_col(path: Path) -> Tuple[Seqs, Seqs]:
    sents = _blocks(path)
    return [[r[1] for r in s] for s in sents], [[r[2] for r in s] for s in sents]


def _two_files(gold: Path, pred: Path) -> Tuple[Seqs, Seqs]:
    g, p = _blocks(gold), _blocks(pred)
    assert [len(s) for s in g] == [len(s) for s in p], (gold, pred)
    return [[r[-1] for r in s] for s in g], [[r[-1] for r in s] for s in p]


@functools.lru_cache(maxsize=None)
def systems() -> Dict[str, Tuple[Seqs, Seqs]]:
    """name -> (y_true, y_pred), every system output of the corpus (IOB2)."""
    require_corpora()
    out: Dict[str, Tuple[Seqs, Seqs]] = {}
    for f in ("spacy-sm-3.8.0.testb.conll", "spacy-sm-3.6.0.testb.conll"):
        out[f.split(".testb")[0]] = _three_col(PREDS / f)
    for f in sorted((PREDS / "interpreteval").glob("*.txt")):
        out[f.stem] = _three_col(f)
    sharp = PREDS / "conll_sharp"
    for pred, gold in (
        ("xlm_flert_03", "conll_03"),
        ("xlm_flert_sharp", "conll_sharp"),
        ("luke_sharp", "conll_sharp"),
        ("asp_sharp", "conll_sharp_asp_order_"),
    ):
        out[pred] = _two_files(sharp / "test_sets" / f"{gold}.txt", sharp / "outputs" / f"{pred}.txt")
    # The original eng.testb gold is IOB1: scored against spaCy's IOB2 predictions it mixes
    # schemes (I- starting chunks in gold), as users' data often does.
    testb = CONLL / "eng.testb"
    if testb.is_file():
        gold = [[r[-1] for r in s] for s in _blocks(testb)]
        pred = out["spacy-sm-3.8.0"][1]
        if [len(s) for s in gold] == [len(s) for s in pred]:
            out["eng.testb-iob1-vs-spacy"] = (gold, pred)
    return out


def chunks_iob2(seq: List[str]) -> List[Tuple[int, int, str]]:
    """Chunks [start, end) of a valid IOB2 sequence (I- after O or another type starts one)."""
    out = []
    start, label = None, None
    for i, t in enumerate(seq + ["O"]):
        if t == "O" or t.startswith("B-") or (t.startswith("I-") and t[2:] != label):
            if start is not None:
                out.append((start, i, label))
            start, label = (i, t[2:]) if t != "O" else (None, None)
    return out


def encode(seq_len: int, chunks: List[Tuple[int, int, str]], scheme: str, suffix: bool = False) -> List[str]:
    """Tags of `chunks` in `scheme` (IOB1, IOB2, IOE1, IOE2, IOBES, BILOU)."""
    tags = ["O"] * seq_len
    for k, (s, e, lab) in enumerate(chunks):
        prev_adjacent = k > 0 and chunks[k - 1][1] == s and chunks[k - 1][2] == lab
        next_adjacent = k + 1 < len(chunks) and chunks[k + 1][0] == e and chunks[k + 1][2] == lab
        for i in range(s, e):
            p = "I"
            if scheme == "IOB2" and i == s:
                p = "B"
            elif scheme == "IOB1" and i == s and prev_adjacent:
                p = "B"
            elif scheme == "IOE2" and i == e - 1:
                p = "E"
            elif scheme == "IOE1" and i == e - 1 and next_adjacent:
                p = "E"
            elif scheme in ("IOBES", "BILOU"):
                single, last = ("S", "E") if scheme == "IOBES" else ("U", "L")
                p = single if e - s == 1 else "B" if i == s else last if i == e - 1 else "I"
            tags[i] = f"{lab}-{p}" if suffix else f"{p}-{lab}"
    return tags


def convert(seqs: Seqs, scheme: str, suffix: bool = False) -> Seqs:
    return [encode(len(s), chunks_iob2(s), scheme, suffix) for s in seqs]
