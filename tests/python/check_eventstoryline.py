"""EventStoryLine v1.5 converts with the counts of an independent reading of its XML.

The archive (../shared/corpora/eventstoryline/v1.5.tar.gz) is extracted to a temporary
directory and converted with `ieval convert --from eventstoryline` to ieval JSONL. The XML
is read again here with xml.etree, by the rules of src/formats/eventstoryline.rs: a
markable with at least one token_anchor is a mention, an event when its tag starts with
ACTION_ or NEG_ACTION_, else an entity; every TLINK / PLOT_LINK with one source and one
target that are markables of the document is a relation labelled TAG:relType (TAG when
relType is empty), its attrs every other attribute but r_id with a non-empty value, in file
order (CAUSES, CAUSED_BY, SIGNAL, ...). Compared per document: the document ids, the events
and entities by (id, label, text) where the text of a contiguous mention is its tokens
joined by a space, and the relations by (id, label, source, target, attrs). The JSONL is
also converted to a Parquet corpus and back, which must give the same bytes (attrs kept).
The totals are also checked against
SOURCE.md's counts (258 documents, 5,188 event and 6,078 entity mentions, 8,030 TLINK,
2,626 PLOT_LINK).

Standalone: python3 tests/python/check_eventstoryline.py [IEVAL]
"""
import collections
import json
import os
import pathlib
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET


def expected(root):
    docs = {}
    for f in sorted(root.rglob("*.xml")):
        r = ET.parse(f).getroot()
        doc_id = r.get("doc_name").removesuffix(".xml")
        toks = {t.get("t_id"): (i, t.text or "") for i, t in enumerate(r.findall("token"))}
        events, entities, markables = set(), set(), set()
        for m in r.find("Markables"):
            markables.add(m.get("m_id"))
            anchors = [a.get("t_id") for a in m.findall("token_anchor")]
            if not anchors:
                continue
            idx = sorted({toks[a][0] for a in anchors})
            contiguous = idx[-1] - idx[0] + 1 == len(idx)
            text = " ".join(toks[a][1] for a in sorted(set(anchors), key=lambda a: toks[a][0])) if contiguous else None
            item = (m.get("m_id"), m.tag, text)
            (events if m.tag.startswith(("ACTION_", "NEG_ACTION_")) else entities).add(item)
        rels = []
        rel_el = r.find("Relations")
        for link in ([] if rel_el is None else rel_el):
            src = [s.get("m_id") for s in link.findall("source")]
            tgt = [t.get("m_id") for t in link.findall("target")]
            if len(src) != 1 or len(tgt) != 1 or src[0] not in markables or tgt[0] not in markables:
                continue
            rt = link.get("relType") or ""
            attrs = tuple((k, v) for k, v in link.attrib.items() if k not in ("r_id", "relType") and v)
            rels.append((link.get("r_id"), f"{link.tag}:{rt}" if rt else link.tag, src[0], tgt[0], attrs))
        # links of one document sharing an r_id: <r_id>:<label>:<source>><target>
        shared = collections.Counter(r[0] for r in rels)
        rels = {(f"{i}:{lab}:{s}>{t}" if shared[i] > 1 else i, lab, s, t, a) for i, lab, s, t, a in rels}
        assert doc_id not in docs, f"duplicate document {doc_id}"
        docs[doc_id] = {"events": events, "entities": entities, "relations": rels}
    return docs


def converted(path):
    docs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        text = d["text"]

        def mention_text(start, end, fragments):
            # code point offsets; a discontinuous mention compares as None (as above)
            return None if fragments and len(fragments) > 1 else text[start:end]

        events = {(e["id"], e["type"], mention_text(e["trigger"]["start"], e["trigger"]["end"],
                                                     e["trigger"].get("fragments"))) for e in d["events"]}
        entities = {(m["id"], m["label"], mention_text(m["start"], m["end"], m.get("fragments")))
                    for m in d["entities"]}
        rels = {(r["id"], r["label"], r["args"][0]["ref"], r["args"][1]["ref"],
                 tuple((kv["key"], kv["value"]) for kv in r.get("attrs", []))) for r in d["relations"]}
        docs[d["doc_id"]] = {"events": events, "entities": entities, "relations": rels}
    return docs


def run(ctx):
    corpora = ctx.need_corpora()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        with tarfile.open(corpora / "eventstoryline/v1.5.tar.gz") as t:
            t.extractall(tmp, filter="data")
        src = tmp / "v1.5"
        out = tmp / "esc.jsonl"
        r = subprocess.run([ctx.ieval, "convert", str(src), "--from", "eventstoryline", "--out", str(out)],
                           capture_output=True, text=True)
        assert r.returncode == 0, f"ieval convert failed: {r.stderr}"
        for args in (["convert", str(out), "--out", str(tmp / "corpus")],
                     ["convert", str(tmp / "corpus"), "--out", str(tmp / "back.jsonl")]):
            r = subprocess.run([ctx.ieval, *args], capture_output=True, text=True)
            assert r.returncode == 0, f"ieval {' '.join(args)} failed: {r.stderr}"
        assert (tmp / "back.jsonl").read_bytes() == out.read_bytes(), "JSONL -> Parquet -> JSONL differs"
        exp, got = expected(src), converted(out)
    assert sorted(exp) == sorted(got), (sorted(set(exp) ^ set(got)))[:5]
    totals = collections.Counter()
    for doc_id, e in exp.items():
        g = got[doc_id]
        for k in ("events", "entities", "relations"):
            assert e[k] == g[k], (doc_id, k, sorted(e[k] ^ g[k])[:5])
            totals[k] += len(e[k])
    labels = collections.Counter(r[1].split(":")[0] for d in exp.values() for r in d["relations"])
    causal = collections.Counter((k, v) for d in exp.values() for r in d["relations"] for k, v in r[4]
                                 if k in ("CAUSES", "CAUSED_BY"))
    assert causal[("CAUSES", "TRUE")] > 0 and causal[("CAUSED_BY", "TRUE")] > 0, causal
    assert len(exp) == 258, len(exp)
    assert labels == {"TLINK": 8030, "PLOT_LINK": 2626}, labels
    # SOURCE.md: anchored mentions 5,049 ACTION + 139 NEG_ACTION; 3,186 HUMAN + 849 NON_HUMAN
    # + 888 TIME + 1,155 LOC.
    assert (totals["events"], totals["entities"]) == (5049 + 139, 3186 + 849 + 888 + 1155), totals
    print(f"        eventstoryline: {len(exp)} documents, {totals['events']} events, "
          f"{totals['entities']} entities, {totals['relations']} links (with their attributes) equal; "
          f"CAUSES=TRUE {causal[('CAUSES', 'TRUE')]}, CAUSED_BY=TRUE {causal[('CAUSED_BY', 'TRUE')]}")


if __name__ == "__main__":
    class _Ctx:
        ieval = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("IEVAL", "target/debug/ieval")
        corpora = pathlib.Path(os.environ.get("CORPORA", "../shared/corpora"))

        def need_corpora(self):
            return self.corpora
    run(_Ctx())
