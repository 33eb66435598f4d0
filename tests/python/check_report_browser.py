"""The HTML report in headless Chromium: no console errors, no JavaScript exceptions, the
expected sections, a working document-viewer filter, and a screenshot.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: the
browser reads commands on fd 3 and writes replies and events on fd 4, NUL-terminated JSON),
so errors are captured as protocol events rather than scraped from log lines:
Runtime.exceptionThrown (uncaught exceptions), Runtime.consoleAPICalled of type error or
assert, and Log.entryAdded at level error (failed resource loads, CSP violations, ...).

Reports: one on the bundled articles (datasets/articles/gold.jsonl, always present)
against a prediction derived here from the gold (some mentions dropped, relabelled,
shifted, plus spurious ones: every viewer category occurs, with non-ASCII text), and one on
spaCy 3.6 vs 3.8 on CoNLL-2003 test when the shared corpora are present. The screenshot of
the last report goes to $IEVAL_SCREENSHOT (default /tmp/ieval-report.png).

Chromium: /usr/bin/chromium (Debian's `chromium` package) or $CHROMIUM. Missing, the check
is skipped — unless $CI or IEVAL_REQUIRE_BROWSER=1, where that is a failure.
"""
import base64
import fcntl
import json
import os
import pathlib
import select
import shutil
import subprocess
import sys
import tempfile
import time

SECTIONS = ["scores", "labels", "confusion", "categories", "buckets", "documents"]


class Browser:
    def __init__(self, chromium, width, height):
        self.profile = tempfile.mkdtemp(prefix="ieval-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():
            # fd 3: commands in, fd 4: messages out (moved high first so the two dup2s
            # cannot clobber each other).
            a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--no-first-run", "--no-default-browser-check", "--mute-audio",
             f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=fds, pass_fds=(3, 4), close_fds=True,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read(self, timeout):
        deadline = time.time() + timeout
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.from_child], [], [], left)
            if not r:
                return None
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe: " + self.stderr_tail())
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def stderr_tail(self):
        try:
            self.proc.kill()
            return self.proc.stderr.read().decode(errors="replace")[-2000:]
        except Exception:
            return ""

    def send(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read(timeout)
            if m is None:
                raise RuntimeError(f"timeout waiting for {method}")
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name, timeout=60):
        for i, e in enumerate(self.events):
            if e.get("method") == name:
                return self.events.pop(i)
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self._read(deadline - time.time())
            if m is None:
                break
            if m.get("method") == name:
                return m
            self.events.append(m)
        raise RuntimeError(f"timeout waiting for {name}")

    def drain(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            m = self._read(deadline - time.time())
            if m is None:
                break
            self.events.append(m)

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self.to_child)
        os.close(self.from_child)
        shutil.rmtree(self.profile, ignore_errors=True)


def problems(events):
    out = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            out.append("exception: " + (d.get("exception", {}).get("description") or d.get("text", "")))
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console." + p["type"] + ": " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append("log: " + p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
    return out


CHECK_JS = """(() => {
  const ids = %s;
  const missing = ids.filter(id => !document.getElementById(id));
  const svgs = document.querySelectorAll('svg.chart').length;
  const docs = document.querySelectorAll('.doc').length;
  const views = document.querySelectorAll('.view').length;
  let filtered = -1;
  const sel = document.getElementById('viewer-system');
  if (sel) {
    sel.value = '0';
    sel.dispatchEvent(new Event('change'));
    filtered = Array.from(document.querySelectorAll('.view')).filter(v => !v.hidden).length;
    sel.value = 'all';
    sel.dispatchEvent(new Event('change'));
  }
  const bad = Array.from(document.querySelectorAll('svg.chart')).filter(s => s.getBBox().width === 0).length;
  return JSON.stringify({missing, svgs, docs, views, filtered, systems: sel ? sel.options.length - 1 : 1,
                         emptyCharts: bad, height: document.body.scrollHeight});
})()"""


EVENTS_JS = """(() => {
  const scores = document.querySelector('#scores table');
  const events = document.querySelector('#events table');
  const rows = events ? Array.from(events.querySelectorAll('tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent)) : [];
  return JSON.stringify({
    events: !!document.getElementById('events'),
    nav: !!document.querySelector('nav a[href="#events"]'),
    rows,
    boldInScores: scores ? scores.querySelectorAll('strong').length : -1,
    boldInEvents: events ? events.querySelectorAll('strong').length : -1,
    noEntitiesNote: !!document.getElementById('no-entities'),
    precisions: scores ? Array.from(scores.querySelectorAll('tbody tr')).map(r => r.cells[2].textContent) : [],
    triggers: document.querySelectorAll('.view .evtext .t').length,
    arguments: document.querySelectorAll('.view .evtext .a').length,
    eventViews: document.querySelectorAll('.view .evtext').length,
    views: document.querySelectorAll('.view').length,
  });
})()"""


def check_page(chromium, html, screenshot=None, width=1400, height=3000, events=False):
    b = Browser(chromium, width, height)
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ["Runtime", "Log", "Page"]:
            b.send(f"{domain}.enable", session=session)
        b.send("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
        b.send("Page.navigate", {"url": pathlib.Path(html).resolve().as_uri()}, session=session)
        b.wait_event("Page.loadEventFired")
        b.drain(1.0)
        res = b.send("Runtime.evaluate", {"expression": CHECK_JS % json.dumps(SECTIONS), "returnByValue": True},
                     session=session)
        if "exceptionDetails" in res:
            raise AssertionError(f"check script failed: {res['exceptionDetails']}")
        info = json.loads(res["result"]["value"])
        if events:
            res = b.send("Runtime.evaluate", {"expression": EVENTS_JS, "returnByValue": True}, session=session)
            if "exceptionDetails" in res:
                raise AssertionError(f"events check script failed: {res['exceptionDetails']}")
            info["ev"] = json.loads(res["result"]["value"])
        b.drain(0.5)
        if screenshot:
            shot = b.send("Page.captureScreenshot", {"format": "png"}, session=session)
            pathlib.Path(screenshot).write_bytes(base64.b64decode(shot["data"]))
        errs = problems(b.events)
    finally:
        b.close()
    assert not errs, f"{html}: browser errors:\n" + "\n".join(errs)
    assert not info["missing"], f"{html}: sections missing: {info['missing']}"
    assert info["svgs"] >= 5, info
    assert info["docs"] >= 1 and info["views"] == info["docs"] * info["systems"], info
    assert info["emptyCharts"] == 0, info
    if info["systems"] > 1:
        assert info["filtered"] == info["docs"], f"viewer filter shows {info['filtered']} views, expected {info['docs']}"
    return info


def degrade(gold_jsonl, out):
    """A plausible system: drop every 5th mention, relabel every 7th, shift every 11th end,
    add a spurious mention on the first capitalized word of every 9th sentence-ish chunk."""
    lines = []
    for line in pathlib.Path(gold_jsonl).read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        ents = []
        for i, e in enumerate(d.get("entities", [])):
            e = {k: e[k] for k in ("start", "end", "label")}
            if i % 5 == 4:
                continue
            if i % 7 == 3:
                e["label"] = "ORG" if e["label"] != "ORG" else "PER"
            if i % 11 == 5 and e["end"] - e["start"] > 3:
                e["end"] -= 2
            ents.append(e)
        text = d["text"]
        pos = 0
        for k in range(0, len(text), 900):
            j = text.find(" ", k)
            if j > 0 and j + 4 < len(text) and text[j + 1].isalpha():
                ents.append({"start": j + 1, "end": j + 4, "label": "MISC"})
        lines.append(json.dumps({"doc_id": d["doc_id"], "text": text, "entities": ents}, ensure_ascii=False))
    pathlib.Path(out).write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(ctx):
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        if os.environ.get("IEVAL_REQUIRE_BROWSER") == "1" or os.environ.get("CI"):
            raise RuntimeError("chromium not found (apt-get install -y chromium)")
        # The runner's own Skip class (run.py runs as __main__).
        raise sys.modules[type(ctx).__module__].Skip("chromium not installed")
    shot = os.environ.get("IEVAL_SCREENSHOT", "/tmp/ieval-report.png")
    with tempfile.TemporaryDirectory() as tmp:
        gold = ctx.root / "datasets/articles/gold.jsonl"
        pred = pathlib.Path(tmp) / "pred.jsonl"
        degrade(gold, pred)
        html = pathlib.Path(tmp) / "articles.html"
        subprocess.run([ctx.ieval, "report", "--gold", str(gold), "--pred", f"degraded={pred}",
                        "--out", str(html), "--samples", "500"], check=True)
        info = check_page(chromium, html, screenshot=shot if not ctx.corpora.is_dir() else None)
        print(f"articles report: {info}")
        check_events_report(ctx, chromium, tmp)
        if ctx.corpora.is_dir():
            c = ctx.corpora
            html = pathlib.Path(tmp) / "spacy.html"
            subprocess.run([ctx.ieval, "report", "--gold", str(c / "conll2003/eng.testb"),
                            "--pred", f"spacy-3.6={c / 'conll2003-preds/spacy-sm-3.6.0.testb.conll'}",
                            "--pred", f"spacy-3.8={c / 'conll2003-preds/spacy-sm-3.8.0.testb.conll'}",
                            "--train", str(c / "conll2003/eng.train"),
                            "--out", str(html), "--samples", "1000"], check=True)
            info = check_page(chromium, html, screenshot=shot)
            print(f"spaCy report: {info}; screenshot {shot}")


def check_events_report(ctx, chromium, tmp):
    """Two systems that predict events only (the bundled event predictions): the report has
    the TI .. AC+ table and the event view, the entity table marks no F1 as best (the
    systems predicted no entity: precision undefined, shown as -), and the event table marks
    the best F1 of each metric."""
    gold = ctx.root / "datasets/articles/gold.jsonl"
    preds = ctx.root / "datasets/articles/predictions"
    html = pathlib.Path(tmp) / "events.html"
    subprocess.run([ctx.ieval, "report", "--gold", str(gold), "--pred", f"v1={preds / 'events_v1.jsonl'}",
                    "--pred", f"v2={preds / 'events_v2.jsonl'}", "--out", str(html), "--samples", "200"], check=True)
    info = check_page(chromium, html, events=True)
    ev = info["ev"]
    assert ev["events"] and ev["nav"], f"no events section: {ev}"
    metrics = [r[1] for r in ev["rows"]]
    assert metrics == ["TI", "TC", "AI", "AC", "AI+", "AC+"] * 2, f"event table rows: {metrics}"
    # `ieval score` on the same inputs gives the same TC F1 (the table is the score report's).
    score = json.loads(subprocess.run([ctx.ieval, "score", "--gold", str(gold), "--pred", f"v1={preds / 'events_v1.jsonl'}",
                                       "--pred", f"v2={preds / 'events_v2.jsonl'}", "--format", "json"],
                                      check=True, capture_output=True, text=True).stdout)
    for sysrep, row in zip(score["systems"], [r for r in ev["rows"] if r[1] == "TC"]):
        assert row[0] == sysrep["name"] and row[4] == f"{100 * sysrep['events']['TC']['micro']['f1']:.2f}", (row, sysrep["name"])
    assert ev["boldInScores"] == 0, f"an F1 of systems without entity predictions is marked best: {ev}"
    assert ev["noEntitiesNote"], ev
    assert set(ev["precisions"]) == {"-"}, f"undefined precision shown as a number: {ev['precisions']}"
    assert ev["boldInEvents"] >= 6, f"best F1 per event metric not marked: {ev}"
    assert ev["eventViews"] == ev["views"] and ev["triggers"] > 0 and ev["arguments"] > 0, ev
    print(f"events report: {ev['triggers']} triggers, {ev['arguments']} arguments marked in {ev['eventViews']} views")
