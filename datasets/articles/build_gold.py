#!/usr/bin/env python3
"""Build (or check) datasets/articles/gold.jsonl from the hand-annotated sources.

The documents come from ieval's own article reader: the raw articles in raw/ and the
shared article ../shared/articles/000_c3ee7f5a63320e68.txt are converted with
`ieval convert ... --to jsonl`, so the bundled text, metadata, sentences and tokens ARE
the reader's output. The annotations come from annotated/<doc_id>.txt: the same canonical
text with inline markup, then a `=== events ===` section and a `=== relations ===` section.

Markup (in the text part):
  [span|LABEL]            an entity mention; mention type NAM (TIME: VAL)
  [span|LABEL/NOM]        with its mention type (NAM, NOM, PRO, VAL)
  [span|LABEL/NOM#key]    with a key that event arguments and relations refer to
  [span|LABEL/NOM@name]   a mention of coreference cluster `name` (also `#key@name`); the
                          mentions sharing a name are one entity of the document (at least
                          two, all of one label); a mention without `@` is a singleton
  {span#key}              an event trigger; the event is defined under its key below
Events section, one line per event (`%` starts a comment line):
  key  Type  realis  Role=entity-key ...  [coref=name]
  (`coref=name`: the event mentions sharing a name are one event: the JSONL `cluster` attribute)
Relations section, one line per relation:
  LABEL  arg1-key  arg2-key      (entity keys or trigger keys; see RELATIONS for the labels)

The text with the markup removed must equal the reader's text exactly; offsets are then
Python string indices (Unicode code points), which is what ieval JSONL uses.

Usage (from the repository root, after `cargo build`):
  python3 datasets/articles/build_gold.py           # write gold.jsonl
  python3 datasets/articles/build_gold.py --check   # exit 1 if gold.jsonl is stale
Options: --ieval PATH (default target/debug/ieval), --shared DIR (default ../shared/articles).
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHARED_DOC = "000_c3ee7f5a63320e68"

LABELS = {"PER", "ORG", "GPE", "LOC", "FAC", "TIME"}
MENTION_TYPES = {"NAM", "NOM", "PRO", "VAL"}
REALIS = {"actual", "other", "generic"}
TIME_ROLES = {
    "Time-Within", "Time-Starting", "Time-Ending", "Time-Before", "Time-After", "Time-Holds",
    "Time-At-Beginning", "Time-At-End",
}
# ACE 2005 event types used here and their argument roles (ACE 2005 English Events
# Guidelines v5.4.3); the time roles are allowed for every type.
ROLES = {
    "Contact:Meet": {"Entity", "Place"},
    "Contact:Phone-Write": {"Entity"},
    "Movement:Transport": {"Agent", "Artifact", "Vehicle", "Price", "Origin", "Destination"},
    "Life:Die": {"Agent", "Victim", "Instrument", "Place"},
    "Personnel:Start-Position": {"Person", "Entity", "Position", "Place"},
    "Personnel:End-Position": {"Person", "Entity", "Position", "Place"},
    "Transaction:Transfer-Money": {"Giver", "Recipient", "Beneficiary", "Money", "Place"},
    "Transaction:Transfer-Ownership": {"Buyer", "Seller", "Beneficiary", "Artifact", "Price", "Place"},
    "Business:Start-Org": {"Agent", "Org", "Place"},
}

# Relation labels (ACE 2005 relation types, plus BEFORE between events) and what each
# argument may be: entity labels, or "EVENT" for an event mention. See datasets/README.md.
RELATIONS = {
    "ORG-AFF": ({"PER", "ORG"}, {"ORG", "GPE"}),        # employment, membership, founder
    "GEN-AFF": ({"PER", "ORG"}, {"GPE", "LOC"}),        # citizen/resident, organisation location
    "PART-WHOLE": ({"GPE", "LOC", "FAC", "ORG"}, {"GPE", "LOC", "FAC", "ORG"}),  # geographical, subsidiary
    "PHYS": ({"PER"}, {"GPE", "LOC", "FAC"}),            # a person located somewhere
    "BEFORE": ({"EVENT"}, {"EVENT"}),                    # the first event ends before the second starts
}

MARK = re.compile(
    r"\[(?P<etext>[^\[\]|{}#@]+)\|(?P<label>[A-Z]+)(?:/(?P<mtype>[A-Z]+))?(?:#(?P<ekey>[\w-]+))?"
    r"(?:@(?P<cluster>[\w-]+))?\]"
    r"|\{(?P<ttext>[^\[\]|{}#]+)#(?P<tkey>[\w-]+)\}"
)


class Bad(Exception):
    pass


def trimmed(s):
    """A span must start with a letter or digit and end with one (or with the period of an
    abbreviation such as `U.S.`)."""
    if not s or not s[0].isalnum():
        return False
    return s[-1].isalnum() or (s[-1] == "." and len(s) > 1 and s[-2].isalpha())


def parse_annotated(path):
    body = path.read_text(encoding="utf-8")
    if "\n=== events ===\n" not in body:
        raise Bad(f"{path}: no '=== events ===' section")
    marked, events_part = body.split("\n=== events ===\n", 1)
    events_part, _, relations_part = events_part.partition("\n=== relations ===\n")
    text, entities, triggers, at = [], [], {}, 0
    pos = 0  # code points of plain text so far
    for m in MARK.finditer(marked):
        plain = marked[at:m.start()]
        if any(c in plain for c in "[]{}|#@"):
            raise Bad(f"{path}: stray markup character near {plain[-40:]!r}")
        text.append(plain)
        pos += len(plain)
        span = m.group("etext") or m.group("ttext")
        start, end = pos, pos + len(span)
        if not trimmed(span):
            raise Bad(f"{path}: span {span!r} has leading or trailing space or punctuation")
        if m.group("etext"):
            label = m.group("label")
            mtype = m.group("mtype") or ("VAL" if label == "TIME" else "NAM")
            if label not in LABELS:
                raise Bad(f"{path}: unknown label {label!r} on {span!r}")
            if mtype not in MENTION_TYPES or (label == "TIME") != (mtype == "VAL"):
                raise Bad(f"{path}: mention type {mtype!r} does not fit {label} ({span!r})")
            entities.append({"key": m.group("ekey"), "start": start, "end": end, "label": label,
                             "text": span, "mtype": mtype, "cluster": m.group("cluster")})
        else:
            key = m.group("tkey")
            if key in triggers:
                raise Bad(f"{path}: trigger key {key!r} used twice")
            triggers[key] = (start, end, span)
        text.append(span)
        pos = end
        at = m.end()
    rest = marked[at:]
    if any(c in rest for c in "[]{}|#@"):
        raise Bad(f"{path}: stray markup character near {rest[:40]!r}")
    text.append(rest)
    text = "".join(text)

    keys = {}
    for e in entities:
        if e["key"]:
            if e["key"] in keys:
                raise Bad(f"{path}: entity key {e['key']!r} used twice")
            keys[e["key"]] = e
    events = []
    for n, line in enumerate(events_part.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        f = line.split()
        if len(f) < 3:
            raise Bad(f"{path}: events line {n}: expected `key Type realis Role=key ...`")
        key, etype, realis, args = f[0], f[1], f[2], f[3:]
        if key not in triggers:
            raise Bad(f"{path}: events line {n}: no trigger marked {{...#{key}}}")
        if etype not in ROLES:
            raise Bad(f"{path}: events line {n}: unknown event type {etype!r}")
        if realis not in REALIS:
            raise Bad(f"{path}: events line {n}: realis {realis!r} is not one of {sorted(REALIS)}")
        ev = {"key": key, "type": etype, "realis": realis, "trigger": triggers[key], "args": [], "coref": None}
        for a in args:
            role, _, ref = a.partition("=")
            if role == "coref":
                ev["coref"] = ref
                continue
            if role not in ROLES[etype] and role not in TIME_ROLES:
                raise Bad(f"{path}: events line {n}: role {role!r} is not an ACE role of {etype}")
            if ref not in keys:
                raise Bad(f"{path}: events line {n}: argument {a!r} refers to no entity key")
            if (keys[ref]["label"] == "TIME") != (role in TIME_ROLES):
                raise Bad(f"{path}: events line {n}: role {role} cannot take a {keys[ref]['label']} mention")
            ev["args"].append((role, keys[ref]))
        events.append(ev)
    unused = set(triggers) - {e["key"] for e in events}
    if unused:
        raise Bad(f"{path}: triggers without an event line: {sorted(unused)}")
    clusters = {}
    for e in entities:
        if e["cluster"]:
            clusters.setdefault(e["cluster"], []).append(e)
    for name, ms in clusters.items():
        if len(ms) < 2:
            raise Bad(f"{path}: cluster @{name} has one mention ({ms[0]['text']!r}): leave a singleton unmarked")
        if len({m["label"] for m in ms}) > 1:
            raise Bad(f"{path}: cluster @{name} mixes labels {sorted({m['label'] for m in ms})}")
    by_trigger = {e["key"]: e for e in events}
    relations, seen = [], set()
    for n, line in enumerate(relations_part.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        f = line.split()
        if len(f) != 3:
            raise Bad(f"{path}: relations line {n}: expected `LABEL arg1-key arg2-key`")
        label, args = f[0], f[1:]
        if label not in RELATIONS:
            raise Bad(f"{path}: relations line {n}: unknown relation label {label!r}")
        resolved = []
        for ref, allowed in zip(args, RELATIONS[label]):
            if ref in keys:
                kind, target = keys[ref]["label"], ("entity", keys[ref])
            elif ref in by_trigger:
                kind, target = "EVENT", ("event", by_trigger[ref])
            else:
                raise Bad(f"{path}: relations line {n}: {ref!r} is no entity or trigger key")
            if kind not in allowed:
                raise Bad(f"{path}: relations line {n}: {label} cannot take a {kind} argument ({ref})")
            resolved.append(target)
        if tuple(args) in seen or args[0] == args[1]:
            raise Bad(f"{path}: relations line {n}: a repeated relation or one argument twice")
        seen.add(tuple(args))
        relations.append((label, resolved))
    return text, entities, events, relations


def reader_docs(ieval, shared):
    inputs = [str(HERE / "raw")]
    shared_file = shared / f"{SHARED_DOC}.txt"
    if shared_file.is_file():
        inputs.append(str(shared_file))
    with tempfile.TemporaryDirectory() as d:
        out = pathlib.Path(d) / "docs.jsonl"
        subprocess.run([ieval, "convert", *inputs, "--to", "jsonl", "--out", str(out)], check=True,
                       stdout=subprocess.DEVNULL)
        docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {d["doc_id"]: d for d in docs}


def build_doc(doc, text, entities, events, relations):
    if doc["text"] != text:
        a, b = doc["text"], text
        i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        raise Bad(f"{doc['doc_id']}: annotated text differs from the reader's at code point {i}: "
                  f"reader {a[i:i + 40]!r} vs annotated {b[i:i + 40]!r}")
    entities = sorted(entities, key=lambda e: (e["start"], e["end"]))
    for n, e in enumerate(entities, 1):
        e["id"] = f"T{n}"
    out_entities = [{"id": e["id"], "start": e["start"], "end": e["end"], "label": e["label"], "text": e["text"],
                     **({"cluster": e["cluster"]} if e["cluster"] else {}),
                     "attrs": [{"key": "mention_type", "value": e["mtype"]}]} for e in entities]
    out_events = []
    for n, ev in enumerate(sorted(events, key=lambda e: e["trigger"][:2]), 1):
        ev["id"] = f"E{n}"
        s, t, span = ev["trigger"]
        j = {"id": f"E{n}", "type": ev["type"], "trigger": {"start": s, "end": t, "text": span},
             "realis": ev["realis"],
             "arguments": [{"role": r, "entity_id": e["id"], "start": e["start"], "end": e["end"], "text": e["text"]}
                           for r, e in ev["args"]]}
        if ev["coref"]:
            j["attrs"] = [{"key": "cluster", "value": ev["coref"]}]
        out_events.append(j)
    # Relations in text order of their first argument, then their second.
    start = lambda t: t[1]["start"] if t[0] == "entity" else t[1]["trigger"][0]
    out_relations = [
        {"id": f"R{n}", "label": label,
         "args": [{"role": f"Arg{k}", "ref": t[1]["id"]} for k, t in enumerate(args, 1)]}
        for n, (label, args) in enumerate(sorted(relations, key=lambda r: (start(r[1][0]), start(r[1][1]), r[0])), 1)
    ]
    out = {k: v for k, v in doc.items() if k not in ("entities", "events", "relations")}
    out["entities"] = out_entities
    out["events"] = out_events
    if out_relations:
        out["relations"] = out_relations
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ieval", default=str(ROOT / "target/debug/ieval"))
    ap.add_argument("--shared", default=str(ROOT / "../shared/articles"))
    ap.add_argument("--check", action="store_true", help="compare with gold.jsonl instead of writing it")
    a = ap.parse_args()
    docs = reader_docs(a.ieval, pathlib.Path(a.shared))
    gold_path = HERE / "gold.jsonl"
    committed = {}
    if gold_path.is_file():
        for line in gold_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                j = json.loads(line)
                committed[j["doc_id"]] = line
    lines = {}
    try:
        for ann in sorted((HERE / "annotated").glob("*.txt")):
            doc_id = ann.stem
            text, entities, events, relations = parse_annotated(ann)
            if doc_id not in docs:
                if doc_id == SHARED_DOC and doc_id in committed:
                    # The shared article is not on this machine: keep the committed line.
                    print(f"note: {SHARED_DOC}.txt not found under {a.shared}; keeping its committed line",
                          file=sys.stderr)
                    lines[doc_id] = committed[doc_id]
                    continue
                raise Bad(f"{ann}: the reader produced no document {doc_id!r}")
            built = build_doc(docs[doc_id], text, entities, events, relations)
            lines[doc_id] = json.dumps(built, ensure_ascii=False, separators=(",", ":"))
        missing = set(docs) - set(lines)
        if missing:
            raise Bad(f"documents without an annotated/ file: {sorted(missing)}")
    except Bad as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    body = "".join(lines[k] + "\n" for k in sorted(lines))
    if a.check:
        if not gold_path.is_file() or gold_path.read_text(encoding="utf-8") != body:
            print(f"{gold_path} is stale: run python3 datasets/articles/build_gold.py", file=sys.stderr)
            return 1
        print(f"ok: {gold_path} matches annotated/ and the reader ({len(lines)} documents)")
        return 0
    gold_path.write_text(body, encoding="utf-8")
    print(f"wrote {gold_path} ({len(lines)} documents)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
