"""The README's Python example runs as written and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import os
import re

import pytest

from conftest import REPO


def test_readme_python_example():
    pytest.importorskip("pandas")
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Python\n") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md (Python)", "exec"), {})
    finally:
        os.chdir(cwd)
    lines = out.getvalue().splitlines()
    assert lines[0] == "0.667"
    assert any(l.split()[1:2] == ["TC"] for l in lines[1:]), out.getvalue()
