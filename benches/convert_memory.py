#!/usr/bin/env python3
"""Peak memory of `ieval convert` on a large CoNLL file.

    python3 benches/convert_memory.py [--size-mb 1024] [--ieval target/release/ieval]
                                      [--dir DIR] [--jobs N] [--max-rss-mb 300] [--keep]

Generates a CoNLL-2003 style file (`token POS chunk NER`, IOB2, -DOCSTART- documents of a
few KB; seeded, streamed to disk) of --size-mb MiB, runs `ieval convert FILE --out CORPUS`
on it, and reports the wall time, throughput and peak resident memory of the ieval process
(its own rusage, from wait4), and the size of the corpus written. Exits 1 when the peak is
above --max-rss-mb. The input and output are removed afterwards unless --keep.
"""
import argparse
import json
import os
import pathlib
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

WORDS = ("the a of to in and said on for was with by at from its is that as has have his were be "
         "government minister talks market percent shares officials week police report economy year").split()
NAMES = "Merkel Macron Reuters Berlin Paris European Union Gazprom São Paulo Müller Ankara Anadolu Boeing Tokyo".split()
LABELS = ["PER", "LOC", "ORG", "MISC"]
POS = ["NN", "NNP", "VBD", "IN", "DT", "JJ", "CD", "NNS"]


def document(rng):
    """One -DOCSTART- document of 8-15 sentences (2-4 KB)."""
    lines = ["-DOCSTART- -X- -X- O", ""]
    for _ in range(8 + rng.randrange(8)):
        n = 8 + rng.randrange(14)
        k = 0
        while k < n:
            if rng.randrange(7) == 0:
                label = rng.choice(LABELS)
                for j in range(1 + rng.randrange(3)):
                    lines.append(f"{rng.choice(NAMES)} NNP I-NP {'B' if j == 0 else 'I'}-{label}")
                    k += 1
            else:
                lines.append(f"{rng.choice(WORDS)} {rng.choice(POS)} I-NP O")
                k += 1
        lines.append("")
    return ("\n".join(lines) + "\n").encode()


def generate(path, size, seed=13):
    """Write `size` bytes (or a document more) of CoNLL to `path`: a pool of distinct
    documents drawn in a seeded order, so generation is fast and every run is the same."""
    rng = random.Random(seed)
    pool = [document(rng) for _ in range(4096)]
    written = 0
    with open(path, "wb", buffering=1 << 20) as f:
        while written < size:
            chunk = b"".join(pool[rng.randrange(len(pool))] for _ in range(256))
            f.write(chunk)
            written += len(chunk)
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--ieval", default="target/release/ieval")
    ap.add_argument("--dir", help="where to write the input and the corpus (default: a temporary directory)")
    ap.add_argument("--jobs", type=int, help="passed to ieval --jobs (default: ieval's, all cores)")
    ap.add_argument("--max-rss-mb", type=float, default=300.0)
    ap.add_argument("--keep", action="store_true", help="keep the generated input and the corpus")
    a = ap.parse_args()

    ieval = pathlib.Path(a.ieval)
    if not ieval.is_file():
        sys.exit(f"{ieval} not found: build it first (cargo build --release)")
    work = pathlib.Path(a.dir) if a.dir else pathlib.Path(tempfile.mkdtemp(prefix="ieval-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    src, out = work / "big.conll", work / "big-corpus"
    try:
        t0 = time.perf_counter()
        size = generate(src, a.size_mb << 20)
        gen_s = time.perf_counter() - t0
        print(f"generated {src} ({size / 2**20:.0f} MiB) in {gen_s:.1f} s", file=sys.stderr)

        cmd = [str(ieval), "convert", str(src), "--out", str(out), "--format", "json", "--quiet"]
        if a.jobs is not None:
            cmd += ["--jobs", str(a.jobs)]
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stdout, stderr = p.communicate()
        # communicate() has reaped the child; its rusage is in RUSAGE_CHILDREN, which holds
        # the maximum over children waited for: this script starts no other.
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"ieval convert failed ({p.returncode}):\n{stderr.decode(errors='replace')}")

        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
        report = json.loads(stdout)
        out_bytes = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        result = {
            "command": " ".join(cmd),
            "input_mib": round(size / 2**20, 1),
            "documents": report["documents"],
            "tokens": report["tokens"],
            "wall_s": round(wall, 2),
            "mib_per_s": round(size / 2**20 / wall, 1),
            "peak_rss_mib": round(peak_kb / 1024, 1),
            "corpus_mib": round(out_bytes / 2**20, 1),
            "max_rss_mib": a.max_rss_mb,
        }
        print(json.dumps(result, indent=2))
        if peak_kb / 1024 > a.max_rss_mb:
            print(f"peak RSS {peak_kb / 1024:.0f} MiB is above the target of {a.max_rss_mb:.0f} MiB", file=sys.stderr)
            sys.exit(1)
    finally:
        if not a.keep:
            src.unlink(missing_ok=True)
            shutil.rmtree(out, ignore_errors=True)
            if not a.dir:
                shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
