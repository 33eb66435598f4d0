#!/usr/bin/env python3
"""Writes events_v1.jsonl and events_v2.jsonl: the event output of two hand-made "system
versions" on the bundled articles (ieval JSONL; same doc ids, texts, sentences and tokens
as ../gold.jsonl; no entities).

Each version is the gold events with the hand-chosen errors listed in EDITS applied, one
line per error, so that every expected count is known (they are checked in
tests/it/events.rs). Arguments are written with their spans only (a system does not know
the gold entity ids).

    python3 datasets/articles/predictions/make_predictions.py          # rewrite both files
    python3 datasets/articles/predictions/make_predictions.py --check  # exit 1 when stale
"""
import copy
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
GOLD = HERE.parent / "gold.jsonl"

D000, D101, D102, D103, D104 = (
    "000_c3ee7f5a63320e68", "101_central_bank", "102_earthquake", "103_transfer", "104_product_launch")

# (document, operation, arguments...). Event ids are the gold's; new events get ids P1, P2, ...
EDITS = {
    "v1": [
        (D000, "drop_event", "E1"),                                   # missed trigger "discuss"
        (D000, "set_type", "E10", "Contact:Meet"),                     # "visit" typed as a meeting
        (D000, "move_arg", "E7", "E5", "Cho Hyun"),                    # argument on the wrong event (same type)
        (D000, "drop_arg", "E13", "later this month"),                 # missing argument
        (D101, "set_trigger", "E2", "took"),                           # trigger span too short ("took office")
        (D101, "add_event", "Personnel:Elect", "voted", [("Entity", "monetary policy committee")]),  # spurious
        (D101, "set_realis", "E5", "actual"),                          # planned trip called actual
        (D102, "duplicate_event", "E1"),                               # the same event twice
        (D103, "set_role", "E5", "my", "Entity"),                      # wrong role (Person)
        (D104, "drop_event", "E3"),                                    # missed event "buy" and its arguments
    ],
    "v2": [
        (D000, "add_arg", "E8", "Place", "Beijing"),                   # spurious argument
        (D000, "set_trigger", "E14", "arrive in"),                     # trigger span too long
        (D000, "add_event", "Contact:Phone-Write", "reported", [("Entity", "media")]),  # spurious event
        (D101, "duplicate_event", "E6"),                               # the same event twice
        (D102, "set_type", "E3", "Conflict:Attack"),                   # "died" typed as an attack
        (D102, "add_event", "Conflict:Attack", "struck", [("Place", "Peru"), ("Time-Within", "early Monday")]),
        (D103, "swap_roles", "E3", "Northbridge United", "Atlético Valderrama"),  # Giver <-> Recipient
        (D104, "drop_arg", "E5", "Vogel"),                             # shared argument given to one event only
        (D104, "drop_arg", "E2", "investors"),                         # missing argument
    ],
}


def find_after(text, needle, pos):
    """Code point offsets of the first `needle` at or after `pos`, else the first anywhere."""
    i = text.find(needle, pos)
    if i < 0:
        i = text.find(needle)
    if i < 0:
        raise SystemExit(f"{needle!r} not in the text")
    return i, i + len(needle)


def find_near(text, needle, pos):
    """Code point offsets of the occurrence of `needle` nearest to `pos` (the earlier on a tie)."""
    hits = []
    i = text.find(needle)
    while i >= 0:
        hits.append(i)
        i = text.find(needle, i + 1)
    if not hits:
        raise SystemExit(f"{needle!r} not in the text")
    i = min(hits, key=lambda h: (abs(h - pos), h))
    return i, i + len(needle)


def event(doc, eid):
    for e in doc["events"]:
        if e["id"] == eid:
            return e
    raise SystemExit(f"{doc['doc_id']}: no event {eid}")


def arg(ev, text):
    for a in ev["arguments"]:
        if a["text"] == text:
            return a
    raise SystemExit(f"event {ev['id']}: no argument {text!r}")


def apply(doc, op, *x):
    text = doc["text"]
    if op == "drop_event":
        doc["events"].remove(event(doc, x[0]))
    elif op == "set_type":
        event(doc, x[0])["type"] = x[1]
    elif op == "set_realis":
        event(doc, x[0])["realis"] = x[1]
    elif op == "set_trigger":
        ev = event(doc, x[0])
        s, e = find_after(text, x[1], ev["trigger"]["start"])
        ev["trigger"] = {"start": s, "end": e, "text": text[s:e]}
    elif op == "move_arg":
        src, dst = event(doc, x[0]), event(doc, x[1])
        a = arg(src, x[2])
        src["arguments"].remove(a)
        dst["arguments"].append(a)
    elif op == "drop_arg":
        ev = event(doc, x[0])
        ev["arguments"].remove(arg(ev, x[1]))
    elif op == "set_role":
        arg(event(doc, x[0]), x[1])["role"] = x[2]
    elif op == "swap_roles":
        ev = event(doc, x[0])
        a, b = arg(ev, x[1]), arg(ev, x[2])
        a["role"], b["role"] = b["role"], a["role"]
    elif op == "add_arg":
        ev = event(doc, x[0])
        s, e = find_near(text, x[2], ev["trigger"]["start"])
        ev["arguments"].append({"role": x[1], "start": s, "end": e, "text": text[s:e]})
    elif op == "duplicate_event":
        ev = copy.deepcopy(event(doc, x[0]))
        ev["id"] = f"P{len(doc['events']) + 1}"
        doc["events"].append(ev)
    elif op == "add_event":
        s, e = find_after(text, x[1], 0)
        args = []
        for role, t in x[2]:
            a, b = find_near(text, t, s)
            args.append({"role": role, "start": a, "end": b, "text": text[a:b]})
        doc["events"].append({
            "id": f"P{len(doc['events']) + 1}", "type": x[0],
            "trigger": {"start": s, "end": e, "text": text[s:e]}, "arguments": args,
        })
    else:
        raise SystemExit(f"unknown operation {op}")


def build(version):
    out = []
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        doc = {k: g[k] for k in ("doc_id", "text", "sentences", "tokens")}
        doc["entities"] = []
        doc["events"] = copy.deepcopy(g["events"])
        for ev in doc["events"]:
            ev.pop("attrs", None)
            for a in ev["arguments"]:
                a.pop("entity_id", None)
        for d, op, *x in EDITS[version]:
            if d == doc["doc_id"]:
                apply(doc, op, *x)
        out.append(json.dumps(doc, ensure_ascii=False))
    return "\n".join(out) + "\n"


def main():
    stale = False
    for v in EDITS:
        path = HERE / f"events_{v}.jsonl"
        new = build(v)
        if "--check" in sys.argv:
            if not path.exists() or path.read_text(encoding="utf-8") != new:
                print(f"{path} is stale: run {sys.argv[0]}")
                stale = True
        else:
            path.write_text(new, encoding="utf-8")
    sys.exit(1 if stale else 0)


if __name__ == "__main__":
    main()
