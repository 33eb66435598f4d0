"""ECB+ conversion counts against an independent count of the XML (xml.etree).

The whole corpus (the archive in ../shared/corpora/ecbplus, unpacked to a temporary
directory) is converted with `ieval convert --from ecbplus` to JSON Lines; this script
counts the same things from the XML with xml.etree, its own way:

- documents: the `.xml` files;
- event mentions: markables with `<token_anchor>` children whose tag starts with `ACTION_`
  or `NEG_ACTION_`; entity mentions: the other anchored markables;
- clusters: per document, each anchored source of a `CROSS_DOC_COREF` goes to its `note`
  (the instance id), each of an `INTRA_DOC_COREF` to `<doc>#<target>`, the first relation
  in file order winning; the number of distinct cluster names over the corpus, for event
  and entity mentions apart, and the mentions in clusters.

Each count must equal the JSONL's (documents, entities, events, distinct `cluster` values of
entities and of events' `cluster` attribute). The README's statistics are checked too:
15,003 action mentions and 17,294 participant, time and location mentions.
"""
import json
import pathlib
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET


def xml_counts(root):
    docs = ev = en = 0
    clusters = {"events": set(), "entities": set()}
    in_clusters = {"events": 0, "entities": 0}
    for f in sorted(root.rglob("*.xml")):
        docs += 1
        tree = ET.parse(f)
        doc = tree.getroot()
        name = doc.get("doc_name") or f.stem
        name = name[:-4] if name.endswith(".xml") else name
        kind = {}
        for m in doc.find("Markables"):
            if m.findall("token_anchor"):
                k = "events" if m.tag.startswith(("ACTION_", "NEG_ACTION_")) else "entities"
                kind[m.get("m_id")] = k
        ev += sum(1 for k in kind.values() if k == "events")
        en += sum(1 for k in kind.values() if k == "entities")
        assigned = {}
        rels = doc.find("Relations")
        for r in (rels if rels is not None else []):
            targets = [t.get("m_id") for t in r.findall("target")]
            if r.tag == "CROSS_DOC_COREF":
                c = r.get("note")
            elif r.tag == "INTRA_DOC_COREF":
                c = f"{name}#{targets[0]}"
            else:
                continue
            for s in r.findall("source"):
                mid = s.get("m_id")
                if mid in kind and mid not in assigned:
                    assigned[mid] = c
        for mid, c in assigned.items():
            clusters[kind[mid]].add(c)
            in_clusters[kind[mid]] += 1
    return {"documents": docs, "events": ev, "entities": en,
            "event_clusters": len(clusters["events"]), "entity_clusters": len(clusters["entities"]),
            "events_in_clusters": in_clusters["events"], "entities_in_clusters": in_clusters["entities"]}


def jsonl_counts(path):
    docs = ev = en = 0
    ec, nc = set(), set()
    ein = nin = 0
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        docs += 1
        en += len(d["entities"])
        ev += len(d["events"])
        for m in d["entities"]:
            if m.get("cluster") is not None:
                nc.add(m["cluster"])
                nin += 1
        for e in d["events"]:
            c = [a["value"] for a in e.get("attrs", []) if a["key"] == "cluster"]
            if c:
                ec.add(c[0])
                ein += 1
    return {"documents": docs, "events": ev, "entities": en,
            "event_clusters": len(ec), "entity_clusters": len(nc),
            "events_in_clusters": ein, "entities_in_clusters": nin}


def check(ieval, corpora):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        with tarfile.open(corpora / "ecbplus" / "ECB+.tar.gz") as t:
            t.extractall(tmp, filter="data")
        out = tmp / "ecbplus.jsonl"
        r = subprocess.run([ieval, "-q", "convert", str(tmp / "ECB+"), "--from", "ecbplus", "--out", str(out)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        want = xml_counts(tmp / "ECB+")
        got = jsonl_counts(out)
    assert got == want, f"ieval {got} != XML {want}"
    assert (want["documents"], want["events"], want["entities"]) == (982, 15003, 17294), want
    return want


def run(ctx):
    check(ctx.ieval, ctx.need_corpora())


if __name__ == "__main__":
    here = pathlib.Path(__file__).resolve().parents[2]
    ieval = sys.argv[1] if len(sys.argv) > 1 else str(here / "target/debug/ieval")
    corpora = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else here / "../shared/corpora")
    print(json.dumps(check(ieval, corpora), indent=1))
