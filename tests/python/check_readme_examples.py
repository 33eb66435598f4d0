"""Every example in README.md runs as written, from the repository root with ../shared
beside it (issue 12).

The ```sh blocks of README.md are read in order; every command line that runs `ieval`
(continuation lines joined) is run with bash in a scratch copy of the repository (its git
files) that has `shared` beside it (a link to the parent of $CORPORA), `ieval` on PATH
resolved to the binary under test ($IEVAL) and CORPORA unset, as a newcomer's shell has it.
Commands run in README order in one working directory, so that a later example can use what
an earlier one wrote. A command must exit 0, unless its comment says it `fails`, when it
must exit with status 2 (an error, not a crash). `make` lines are not run here (CI runs
`make test` and `make eval`). A block opts out only with a visible first line
`# not run: REASON` (for an example that truly cannot run as written).
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

OPT_OUT = re.compile(r"^#\s*not run:\s*\S")


def blocks(readme):
    """(line number, block text) of every ```sh block."""
    text = readme.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"^```sh[ \t]*\n(.*?)^```[ \t]*$", text, re.S | re.M):
        out.append((text.count("\n", 0, m.start()) + 2, m.group(1)))
    return out


def commands(block):
    """The logical lines of a block (continuations joined) that run ieval, with their comment."""
    out = []
    for line in block.replace("\\\n", " ").splitlines():
        code, _, comment = split_comment(line)
        if re.search(r"(^|[\s;(|&])ieval\s", code):
            out.append((code.strip(), comment.strip()))
    return out


def split_comment(line):
    """Code and comment of a shell line (a `#` outside quotes that starts a word)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i], "#", line[i + 1:]
    return line, "", ""


def scratch_repo(root, tmp):
    repo = tmp / "repo"
    files = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        src = root / rel
        if not src.is_file():
            continue  # deleted in the work tree
        dst = repo / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    return repo


def run(ctx):
    corpora = ctx.need_corpora().resolve()
    readme = ctx.root / "README.md"
    ieval = pathlib.Path(ctx.ieval).resolve()
    assert ieval.is_file(), f"no ieval binary at {ieval}"
    found = blocks(readme)
    assert found, "README.md has no ```sh block"
    failures, ran, opted_out = [], 0, []
    with tempfile.TemporaryDirectory(prefix="ieval-readme-") as tmp:
        tmp = pathlib.Path(tmp)
        repo = scratch_repo(ctx.root, tmp)
        (tmp / "shared").symlink_to(corpora.parent, target_is_directory=True)
        (tmp / "bin").mkdir()
        (tmp / "bin" / "ieval").symlink_to(ieval)
        env = {k: v for k, v in os.environ.items() if k != "CORPORA" and not k.startswith("IEVAL")}
        env["PATH"] = f"{tmp / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        for lineno, block in found:
            first = block.lstrip().splitlines()[0] if block.strip() else ""
            if OPT_OUT.match(first):
                opted_out.append(f"README.md:{lineno}: {first}")
                continue
            for cmd, comment in commands(block):
                expect_fail = re.search(r"\bfails?\b", comment) is not None
                t0 = time.time()
                r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=repo, env=env,
                                   capture_output=True, text=True, timeout=900)
                ran += 1
                took = time.time() - t0
                ok = (r.returncode == 2) if expect_fail else (r.returncode == 0)
                if "panicked" in r.stderr:
                    ok = False
                status = "ok" if ok else "FAILED"
                print(f"  {status} ({took:.1f} s, exit {r.returncode}) README.md:{lineno}: {cmd}", flush=True)
                if not ok:
                    want = "exit 2" if expect_fail else "exit 0"
                    failures.append(f"README.md:{lineno}: `{cmd}` exited {r.returncode} (want {want}):\n"
                                    f"{r.stderr[-1500:]}")
    for o in opted_out:
        print(f"  not run (marked): {o}")
    print(f"  README examples: {ran} commands run, {len(failures)} failed, {len(opted_out)} blocks marked not run")
    assert ran > 0, "no ieval command found in README.md"
    assert not failures, "README examples that do not run as written:\n\n" + "\n\n".join(failures)
