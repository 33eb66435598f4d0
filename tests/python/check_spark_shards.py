"""The README's Spark example (shards of `ieval score` as Spark tasks, then `ieval merge`)
run as written, with pyspark in local mode (local[2]) on the bundled articles corpus: the
code block under "As Spark tasks" is taken from README.md, only its first assignment line
(`IEVAL, CORPUS, OUT, N = ...`) replaced, and the merged `scores.json` must equal, byte for
byte, what the unsharded `ieval score --task all --format json` prints.
"""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]


def readme_block():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    at = text.index("As Spark tasks")
    m = re.compile(r"```python\n(.*?)```", re.S).search(text, at)
    assert m, "README: no python block after 'As Spark tasks'"
    return m.group(1)


def run(ctx):
    ctx.need_module("pyspark")
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        if os.environ.get("IEVAL_REQUIRE_PYTHON") == "1":
            raise RuntimeError("the Spark example needs a Java runtime (Debian: default-jre-headless)")
        print("note: no Java runtime: the README's Spark example not run")
        return
    from pyspark.sql import SparkSession
    code = readme_block()
    assign = re.compile(r"^IEVAL, CORPUS, OUT, N = .*$", re.M)
    assert assign.search(code), f"README's Spark block lost its settings line:\n{code}"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        corpus, out = tmp / "corpus", tmp / "counts"
        out.mkdir()
        subprocess.run([ctx.ieval, "-q", "convert", str(ROOT / "datasets/articles/gold.jsonl"), "--pred",
                        f"v1={ROOT / 'datasets/articles/predictions/events_v1.jsonl'}", "--out", str(corpus)],
                       check=True, capture_output=True)
        ieval = str(pathlib.Path(ctx.ieval).resolve())
        code = assign.sub(f"IEVAL, CORPUS, OUT, N = {ieval!r}, {str(corpus)!r}, {str(out)!r}, 4", code)
        spark = (SparkSession.builder.master("local[2]").appName("ieval-readme-spark")
                 .config("spark.ui.enabled", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        try:
            env = {"spark": spark}
            exec(compile(code, "README.md (Spark example)", "exec"), env)
            assert len(env["files"]) == 4, env["files"]
        finally:
            spark.stop()
        whole = subprocess.run([ieval, "score", "--gold", str(corpus), "--task", "all", "--format", "json"],
                               check=True, capture_output=True, text=True).stdout
        merged = (out / "scores.json").read_text(encoding="utf-8")
        assert merged == whole, "the Spark shards' merged scores differ from the unsharded run"
