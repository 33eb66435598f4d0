# Type stubs of the extension module `ieval._ieval` (python/src/*.rs). The public API is
# re-exported by `ieval` (score, compare, convert, read_corpus) and the `ieval.seqeval`,
# `ieval.nervaluate` and `ieval.trainer` modules; these are its building blocks.
from typing import Any, List, Optional, Sequence, Tuple

__version__: str
TIDY_COLUMNS: list[str]

class IevalError(ValueError):
    """Bad input or options; the message is the CLI's (file, line, what was expected)."""

class IevalIOError(OSError):
    """A file could not be read or written."""

def _cli_main(argv: Sequence[str]) -> int: ...
def _run(argv: Sequence[str], jobs: int = 0) -> int: ...
def _score(
    gold: Tuple[Any, ...],
    preds: List[Tuple[str, Tuple[Any, ...]]],
    profile: str = "default",
    task: str = "auto",
    missing: str = "error",
    pair: str = "auto",
    scheme: Optional[str] = None,
    errors: bool = False,
    jobs: int = 0,
    head: bool = False,
    coref: bool = False,
    realis: bool = False,
    from_: Optional[str] = None,
    align: bool = False,
    locate: str = "nearest",
    ignore_case: bool = False,
    corpus: Optional[str] = None,
    label_map: Optional[str] = None,
) -> Tuple[str, str, Optional[str], Optional[str]]: ...
def _compare(
    gold: Tuple[Any, ...],
    preds: List[Tuple[str, Tuple[Any, ...]]],
    gold_path: Optional[str] = None,
    profile: str = "default",
    missing: str = "error",
    pair: str = "auto",
    scheme: Optional[str] = None,
    samples: int = 10000,
    seed: int = 12345,
    alpha: float = 0.05,
    fail_if_worse: Sequence[str] = ...,
    changes_mode: str = "strict",
    per_document: bool = False,
    jobs: int = 0,
    from_: Optional[str] = None,
    align: bool = False,
    locate: str = "nearest",
    ignore_case: bool = False,
    corpus: Optional[str] = None,
    label_map: Optional[str] = None,
) -> str: ...

# Token-tag sequences (python/src/sequences.rs; ieval.seqeval and ieval.nervaluate).
class TagSeqs:
    def __init__(self, y_true: Any, y_pred: Any) -> None: ...
    def vocab(self) -> List[str]: ...
    def n_true_vocab(self) -> int: ...
    def non_str(self) -> Optional[Tuple[int, int, int, str]]: ...
    def seqeval_counts(self, strict: bool, scheme: Optional[str], suffix: bool) -> Any: ...
    def flat_counts(self) -> Tuple[int, int, int, int, int, int]: ...
    def nervaluate_docs(self) -> Tuple["NerDocs", "NerDocs"]: ...

class NerDocs:
    @staticmethod
    def from_conll(data: str) -> "NerDocs": ...
    @staticmethod
    def from_tuples(docs: List[List[Tuple[str, int, int]]]) -> "NerDocs": ...
    def __len__(self) -> int: ...
    def to_tuples(self) -> List[List[Tuple[str, int, int]]]: ...
    def labels(self) -> List[str]: ...
    def evaluate(self, pred: "NerDocs", tags: Sequence[str], used_tags: Any, min_overlap_percentage: float) -> Any: ...
