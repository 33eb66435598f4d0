"""The newcomer path (issue 12): what `make` and this runner do on a machine set up
differently from the developers'.

- The Makefile finds the binary where cargo puts it: with CARGO_TARGET_DIR set, `make -n`
  of eval, test-python and bench names $CARGO_TARGET_DIR/{debug,release}/ieval and never
  target/debug/ieval (`make eval` failed with "target/debug/ieval: No such file").
- run.py never skips a check for a missing package: requirements it cannot satisfy are
  named and the run fails (IEVAL_NO_VENV=1), and a missing corpora directory fails the
  checks that need it instead of skipping them.
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile


def make_dry_run(root, env, *targets):
    r = subprocess.run(["make", "-n", "--no-print-directory", *targets], cwd=root, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, f"make -n {' '.join(targets)} failed:\n{r.stderr}"
    return r.stdout


def check_makefile(root):
    if not shutil.which("make"):
        raise RuntimeError("make not found")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, CARGO_TARGET_DIR=tmp)
        out = make_dry_run(root, env, "eval", "test-python", "bench")
        for want in [f"{tmp}/debug/ieval run suites/default.toml", f"IEVAL={tmp}/debug/ieval",
                     f"--ieval {tmp}/release/ieval"]:
            assert want in out, f"`make -n` with CARGO_TARGET_DIR={tmp} lacks {want!r}:\n{out}"
        assert "target/debug/ieval" not in out.replace(f"{tmp}/debug/ieval", ""), out
    env = {k: v for k, v in os.environ.items() if k != "CARGO_TARGET_DIR"}
    out = make_dry_run(root, env, "eval")
    assert f"{root}/target/debug/ieval run suites/default.toml" in out or "target/debug/ieval run" in out, out


def check_runner(root, ctx):
    run_py = pathlib.Path(__file__).resolve().parent / "run.py"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        req = tmp / "requirements.txt"
        # One package that cannot be installed under that name, one wrong pin of a package
        # that is installed (this interpreter runs the checks, so it has seqeval).
        req.write_text("seqeval==0.0.1\nieval-no-such-package==1.0  # comment\n")
        sys.path.insert(0, str(run_py.parent))
        import run as runner
        unmet = runner.unmet_requirements(req)
        assert any(u.startswith("seqeval==0.0.1 (") and "installed" in u for u in unmet), unmet
        assert "ieval-no-such-package==1.0 (not installed)" in unmet, unmet
        env = dict(os.environ, IEVAL_REQUIREMENTS=str(req), IEVAL_NO_VENV="1", IEVAL_VENV=str(tmp / "venv"))
        r = subprocess.run([sys.executable, str(run_py), "check_ar"], env=env, capture_output=True, text=True)
        assert r.returncode != 0, f"run.py passed with unmet requirements:\n{r.stdout}{r.stderr}"
        assert "ieval-no-such-package==1.0" in r.stderr and "python checks not run" in r.stderr, r.stderr
        assert not (tmp / "venv").exists()
        # Missing corpora: the check that needs them fails (named), it is not skipped.
        env = dict(os.environ, CORPORA=str(tmp / "no-corpora"), IEVAL=ctx.ieval)
        env.pop("IEVAL_REQUIREMENTS", None)
        r = subprocess.run([sys.executable, str(run_py), "check_ar"], env=env, capture_output=True, text=True)
        assert r.returncode == 1, f"run.py without corpora exited {r.returncode}:\n{r.stdout}{r.stderr}"
        assert "FAILED  check_ar" in r.stdout and "0 passed, 1 failed, 0 skipped" in r.stdout, r.stdout
        assert "no-corpora" in r.stderr, r.stderr


def run(ctx):
    check_makefile(ctx.root)
    check_runner(ctx.root, ctx)
