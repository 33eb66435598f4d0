"""Run a reference tool and ieval side by side: same result (type, dtype, value, key order),
same exception (type and message, a set printed in it compared as a set), same set of
warnings."""

from __future__ import annotations

import math
import re
import warnings
from typing import Any, Callable, List, Tuple

import numpy as np

COUNT = [0]

# A set of strings as Python prints it: {'a', 'b'}.
_SET_REPR = re.compile(r"\{'[^'{}]*'(?:, '[^'{}]*')*\}")


def sets_sorted(msg: str) -> str:
    """`msg` with the elements of each printed set of strings sorted. nervaluate prints a set
    literal ("Entity missing required keys: {'label', 'start', 'end'}"); its order is not
    the same from one process to the next, nor between two modules (a set literal's order
    comes from the frozenset compiled into the module's .pyc, under that process's string
    hashing), so the order is not part of the message compared."""
    return _SET_REPR.sub(lambda m: "{" + ", ".join(sorted(m.group(0)[1:-1].split(", "))) + "}", msg)


def run(fn: Callable, *args: Any, **kwargs: Any) -> Tuple[Tuple, List[Tuple[str, str]]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out: Tuple = ("ok", fn(*args, **kwargs))
        except Exception as e:  # noqa: BLE001 - the exception is the result compared
            out = ("raised", type(e).__name__, sets_sorted(str(e)))
    return out, sorted({(type(w.message).__name__, str(w.message)) for w in caught})


def assert_same(want: Any, got: Any, path: str = "") -> None:
    assert type(want) is type(got), f"{path}: type {type(want)} != {type(got)} ({want!r} vs {got!r})"
    if isinstance(want, np.ndarray):
        assert want.dtype == got.dtype and want.shape == got.shape, f"{path}: {want!r} vs {got!r}"
        assert np.array_equal(want, got, equal_nan=True), f"{path}: {want!r} vs {got!r}"
    elif isinstance(want, dict):
        assert list(want) == list(got), f"{path}: keys {list(want)} vs {list(got)}"
        for k in want:
            assert_same(want[k], got[k], f"{path}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert len(want) == len(got), f"{path}: {want!r} vs {got!r}"
        for i, (a, b) in enumerate(zip(want, got)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(want, float) and math.isnan(want):
        assert math.isnan(got), f"{path}: {want!r} vs {got!r}"
    else:
        assert want == got, f"{path}: {want!r} vs {got!r}"


def check(ref: Callable, mine: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call both; assert the same outcome; return the reference's."""
    want, want_w = run(ref, *args, **kwargs)
    got, got_w = run(mine, *args, **kwargs)
    where = f"{getattr(ref, '__name__', ref)}({kwargs})"
    assert want[0] == got[0], f"{where}: seqeval {want} vs ieval {got}"
    if want[0] == "raised":
        assert want[1:] == got[1:], f"{where}: {want[1:]} vs {got[1:]}"
    else:
        assert_same(want[1], got[1], where)
    assert want_w == got_w, f"{where}: warnings {want_w} vs {got_w}"
    COUNT[0] += 1
    return want
