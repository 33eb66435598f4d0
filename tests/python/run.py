#!/usr/bin/env python3
"""Python-side checks, run by `make test` after the Rust tests.

Each check is a module in this directory with a `run(ctx)` function. A check that needs a
Python package or the shared corpora is skipped with a notice when they are missing, unless
IEVAL_REQUIRE_PYTHON=1 / IEVAL_REQUIRE_SHARED=1 (set by .ci/run), which makes a missing
dependency a failure.
"""
import importlib
import os
import pathlib
import sys
import traceback

HERE = pathlib.Path(__file__).resolve().parent
CHECKS = [p.stem for p in sorted(HERE.glob("check_*.py"))]


class Skip(Exception):
    pass


class Ctx:
    def __init__(self):
        self.ieval = os.environ.get("IEVAL", str(HERE.parents[1] / "target/debug/ieval"))
        self.corpora = pathlib.Path(os.environ.get("CORPORA", HERE.parents[1] / "../shared/corpora"))
        self.root = HERE.parents[1]

    def need_module(self, name):
        try:
            return importlib.import_module(name)
        except ImportError:
            if os.environ.get("IEVAL_REQUIRE_PYTHON") == "1":
                raise
            raise Skip(f"python package {name!r} not installed")

    def need_corpora(self):
        if not self.corpora.is_dir():
            if os.environ.get("IEVAL_REQUIRE_SHARED") == "1":
                raise RuntimeError(f"shared corpora required but missing: {self.corpora}")
            raise Skip(f"{self.corpora} not found")
        return self.corpora


def main():
    sys.path.insert(0, str(HERE))
    ctx = Ctx()
    failed = 0
    only = sys.argv[1:]
    for name in CHECKS:
        if only and name not in only:
            continue
        mod = importlib.import_module(name)
        try:
            mod.run(ctx)
            print(f"ok      {name}")
        except Skip as e:
            print(f"skipped {name}: {e}")
        except Exception:
            failed += 1
            print(f"FAILED  {name}")
            traceback.print_exc()
    if failed:
        print(f"{failed} python check(s) failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
