"""ieval: entity and event scoring for information extraction, in-process.

    import ieval
    scores = ieval.score("eng.testb", {"flair": "flair.txt"})
    scores.to_polars()          # the tidy table of `ieval score --format csv`

Submodules: ``ieval.seqeval`` and ``ieval.nervaluate`` (drop-in replacements of seqeval
1.2.2 and nervaluate 1.2.1), ``ieval.trainer`` (``compute_metrics`` for transformers).
"""

from ieval._ieval import IevalError, IevalIOError, __version__
from ieval._corpus import Corpus, convert, read_corpus
from ieval._scores import TIDY_COLUMNS, Comparison, Scores, compare, score

__all__ = [
    "Comparison",
    "Corpus",
    "IevalError",
    "IevalIOError",
    "Scores",
    "TIDY_COLUMNS",
    "__version__",
    "compare",
    "convert",
    "read_corpus",
    "score",
]
