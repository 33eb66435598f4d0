"""Make a large results store from a small one, for `ieval compare --results` at scale.

    python3 benches/replicate_store.py SMALL_STORE BIG_STORE --times 20

copies SMALL_STORE to BIG_STORE and rewrites every counts file with its rows repeated
`--times` times, the document ids prefixed `r00-`, `r01-`, ... (so the documents are
distinct), same compression, row groups of at least 2^20 rows (as ieval writes them). The manifests are kept (run ids, counts files),
so `ieval compare --results BIG_STORE --dataset D A B` reads TIMES x the documents.
BENCHMARKS.md ("`compare` at scale") builds the 1M-document store this way from a
`ieval run` of the 50k generated corpus of `benches/scale.py`. Needs pyarrow.
"""
import argparse
import glob
import os
import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("small")
    ap.add_argument("big")
    ap.add_argument("--times", type=int, default=20)
    a = ap.parse_args()
    if os.path.exists(a.big):
        raise SystemExit(f"{a.big}: exists")
    shutil.copytree(a.small, a.big)
    for f in sorted(glob.glob(os.path.join(a.big, "counts", "**", "*.parquet"), recursive=True)):
        meta = pq.ParquetFile(f).metadata
        t = pq.read_table(f)
        at = t.schema.get_field_index("doc_id")
        parts = [
            t.set_column(at, "doc_id", pc.binary_join_element_wise(pa.scalar(f"r{k:02d}-"), t.column("doc_id"), ""))
            for k in range(a.times)
        ]
        big = pa.concat_tables(parts)
        rg = meta.row_group(0)
        # Row groups as ieval writes them (2^20 rows), not the small store's: a row group per
        # copy of a tiny file would make the reading cost per-row-group overhead.
        rows = max(rg.num_rows, 1 << 20)
        pq.write_table(big, f, compression=rg.column(0).compression.lower(), row_group_size=rows)
        print(f"{f}: {t.num_rows} -> {big.num_rows} rows")


if __name__ == "__main__":
    main()
