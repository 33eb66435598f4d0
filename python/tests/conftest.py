"""Shared fixtures: paths to the repository, the shared corpora and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# $CORPORA, else the first shared/corpora beside the checkout or above it (worktrees).
CORPORA = Path(
    os.environ.get("CORPORA")
    or next((p / "shared" / "corpora" for p in REPO.parents if (p / "shared" / "corpora").is_dir()), REPO.parent / "shared" / "corpora")
).resolve()
ARTICLES = REPO / "datasets" / "articles"


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI: $IEVAL (the Rust binary) when set, else this package's `ieval` command."""
    exe = os.environ.get("IEVAL")
    cmd = [exe] if exe else [sys.executable, "-m", "ieval._cli"]
    return subprocess.run([*cmd, "--quiet", *args], capture_output=True, text=True)


def cli_json(*args: str) -> dict:
    p = cli("score", "--format", "json", *args)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def need(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("IEVAL_REQUIRE_SHARED"):
            raise AssertionError(f"{path} is missing (IEVAL_REQUIRE_SHARED is set)")
        pytest.skip(f"{path} is not here")
    return path


def read_conll(path: Path, tag_col: int = -1):
    """Sentences of a CoNLL file as (tokens, tags) rows, -DOCSTART- lines kept as rows of
    their own (as `datasets` conll2003 loaders do not, but the HF reader understands)."""
    rows, toks, tags = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if toks:
                rows.append((toks, tags))
                toks, tags = [], []
            continue
        cols = line.split()
        toks.append(cols[0])
        tags.append(cols[tag_col])
    if toks:
        rows.append((toks, tags))
    return rows


def write_conll(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8") as f:
        for toks, tags in rows:
            for t, g in zip(toks, tags):
                f.write(f"{t} {g}\n")
            f.write("\n")
