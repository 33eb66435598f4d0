"""ieval: entity and event scoring for information extraction, in-process.

    import ieval
    scores = ieval.score("eng.testb", {"flair": "flair.txt"})
    scores.to_polars()          # the tidy table of `ieval score --format csv`

Submodules: ``ieval.seqeval`` and ``ieval.nervaluate`` (drop-in replacements of seqeval
1.2.2 and nervaluate 1.2.1), ``ieval.trainer`` (``compute_metrics`` for transformers).
"""

from ieval._ieval import IevalError, IevalIOError, __version__
from ieval._scores import TIDY_COLUMNS, Scores, score

__all__ = ["IevalError", "IevalIOError", "Scores", "TIDY_COLUMNS", "__version__", "score"]
