#!/usr/bin/env python3
"""Python-side checks, run by `make test` after the Rust tests.

Each check is a module in this directory with a `run(ctx)` function. Every check runs: the
packages of requirements.txt are what CI installs, and when the interpreter running this
script lacks any of them (or has another version), the script creates the project
virtualenv `.venv` (once), installs requirements.txt into it from PyPI and re-runs itself
with `.venv/bin/python`. IEVAL_NO_VENV=1 forbids that: the missing packages are then an
error naming them. A check that needs the shared corpora fails when they are missing
(`CORPORA`, default ../shared/corpora). The one thing that may be skipped is the browser
check when no Chromium is installed, said in one line (IEVAL_REQUIRE_BROWSER=1 or $CI make
that a failure too).

Environment: IEVAL (the binary, default target/debug/ieval), CORPORA, IEVAL_VENV (default
<repo>/.venv), IEVAL_REQUIREMENTS (default requirements.txt beside this file).
The last line is `python: N passed, N failed, N skipped`.
"""
import importlib
import importlib.metadata
import os
import pathlib
import re
import subprocess
import sys
import traceback

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHECKS = [p.stem for p in sorted(HERE.glob("check_*.py"))]
REQUIREMENTS = pathlib.Path(os.environ.get("IEVAL_REQUIREMENTS", HERE / "requirements.txt"))


class Skip(Exception):
    pass


def _version_key(v):
    return tuple(int(x) for x in re.findall(r"\d+", v.split("+")[0])[:4])


def unmet_requirements(path=REQUIREMENTS):
    """The lines of a requirements file (`name`, `name==V`, `name<V`, `name>=V`, ...) that
    the running interpreter does not satisfy, each with what is installed instead."""
    unmet = []
    for raw in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:(==|>=|<=|<|>|!=)\s*([0-9][0-9A-Za-z.]*))?", line)
        if not m:
            raise ValueError(f"{path}: cannot read requirement {line!r}")
        name, op, want = m.groups()
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            unmet.append(f"{line} (not installed)")
            continue
        if op is None:
            continue
        a, b = _version_key(have), _version_key(want)
        ok = {"==": a == b, ">=": a >= b, "<=": a <= b, "<": a < b, ">": a > b, "!=": a != b}[op]
        if not ok:
            unmet.append(f"{line} ({have} installed)")
    return unmet


def ensure_requirements():
    """Re-run this script in the project virtualenv when this interpreter lacks a requirement."""
    unmet = unmet_requirements()
    if not unmet:
        return
    venv = pathlib.Path(os.environ.get("IEVAL_VENV", ROOT / ".venv"))
    vpy = venv / "bin" / "python"
    in_venv = pathlib.Path(sys.prefix).resolve() == venv.resolve()
    if os.environ.get("IEVAL_NO_VENV") == "1" or in_venv:
        sys.exit(f"python checks not run: {sys.executable} lacks {', '.join(unmet)}"
                 f" (pip install -r {REQUIREMENTS})")
    print(f"python checks: {sys.executable} lacks {', '.join(unmet)};"
          f" installing {REQUIREMENTS.name} into {venv}", flush=True)
    if not vpy.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(vpy), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(REQUIREMENTS)], check=True)
    os.execv(str(vpy), [str(vpy), str(pathlib.Path(__file__).resolve()), *sys.argv[1:]])


class Ctx:
    def __init__(self):
        self.ieval = os.environ.get("IEVAL", str(ROOT / "target/debug/ieval"))
        self.corpora = pathlib.Path(os.environ.get("CORPORA", ROOT / "../shared/corpora"))
        self.root = ROOT

    def need_module(self, name):
        # requirements.txt is installed before any check runs: a missing module is a failure.
        return importlib.import_module(name)

    def need_corpora(self):
        if not self.corpora.is_dir():
            raise RuntimeError(f"shared corpora missing: {self.corpora} (set CORPORA=...)")
        return self.corpora


def main():
    ensure_requirements()
    sys.path.insert(0, str(HERE))
    ctx = Ctx()
    passed, failed, skipped = [], [], []
    only = sys.argv[1:]
    unknown = [n for n in only if n not in CHECKS]
    if unknown:
        sys.exit(f"unknown check(s): {', '.join(unknown)} (have: {', '.join(CHECKS)})")
    for name in CHECKS:
        if only and name not in only:
            continue
        try:
            mod = importlib.import_module(name)
            mod.run(ctx)
            passed.append(name)
            print(f"ok      {name}", flush=True)
        except Skip as e:
            skipped.append(name)
            print(f"SKIPPED {name}: {e}", flush=True)
        except Exception:
            failed.append(name)
            print(f"FAILED  {name}", flush=True)
            traceback.print_exc()
    if failed:
        print(f"failed: {', '.join(failed)}")
    print(f"python: {len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
