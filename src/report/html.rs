//! The self-contained HTML report: one file with inline CSS, inline SVG charts and a few
//! lines of inline script (the document viewer's system filter); nothing is loaded from
//! the network. Every text from the data is escaped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::breakdown::{Dimension, ViewDoc, ViewSpan};
use super::svg::{self, esc};
use super::{Align, Table, TableFormat};
use crate::score::report::{ScoreReport, pct};
use crate::score::resample::Interval;
use crate::score::{Mode, ScoreRun};

/// Everything the page shows.
pub struct ReportData<'a> {
    pub title: String,
    pub run: &'a ScoreRun,
    pub report: &'a ScoreReport,
    /// Bootstrap intervals per (system index, mode): precision, recall, F1.
    pub intervals: BTreeMap<(usize, Mode), [Interval; 3]>,
    pub samples: usize,
    pub seed: u64,
    pub dimensions: &'a [Dimension],
    pub documents: &'a [ViewDoc],
    /// How many documents the viewer was allowed to show.
    pub max_documents: usize,
    /// A pre-rendered benchmark table (HTML fragment) from a results store.
    pub benchmark: Option<String>,
    pub train: Option<String>,
}

const CSS: &str = r#"
:root{--fg:#1d1d1f;--muted:#5f6368;--line:#e0e0e0;--bg:#fff;--panel:#f7f7f8}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0}
header{padding:18px 28px;border-bottom:1px solid var(--line);background:var(--panel)}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:2px 0;color:var(--muted)}
nav{padding:8px 28px;border-bottom:1px solid var(--line);position:sticky;top:0;background:#fffffff0;z-index:2}
nav a{margin-right:14px;color:#0b57d0;text-decoration:none}
main{padding:8px 28px 40px;max-width:1500px}
section{margin:26px 0}
h2{font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:8px 0 14px;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:4px 0;color:var(--muted)}
th,td{border-bottom:1px solid var(--line);padding:3px 10px;text-align:left;white-space:nowrap}
th{background:var(--panel)}
td.num{text-align:right}
.charts{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
svg.chart{max-width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:4px}
svg .grid{stroke:#eee}
svg .ax{font-size:11px;fill:#444}
svg .val{font-size:9px;fill:#333}
svg .lg{font-size:11px;fill:#333}
svg .ttl{font-size:13px;font-weight:600;fill:#222}
svg .in{font-size:10px;fill:#fff}
svg .cnt{font-size:10px;fill:#222}
.note{color:var(--muted)}
.legend span{display:inline-block;margin:2px 10px 2px 0}
.doc{border:1px solid var(--line);border-radius:4px;margin:14px 0;padding:0}
.doc h3{margin:0;padding:6px 10px;background:var(--panel);font-size:14px}
.view{padding:6px 10px;border-top:1px dashed var(--line)}
.view .who{font-weight:600;color:var(--muted);font-size:12px}
.text{white-space:pre-wrap;line-height:2.1;font-size:14px}
.g{border-bottom:3px solid #9e9e9e;padding-bottom:1px}
.g-COR{border-bottom-color:#2e7d32}.g-MIS{border-bottom-color:#c62828}.g-INC{border-bottom-color:#f9a825}.g-PAR{border-bottom-color:#8e24aa}
.p{border-radius:2px}
.p-COR{background:#c8e6c9}.p-SPU{background:#ffcdd2}.p-INC{background:#ffe082}.p-PAR{background:#e1bee7}
sub.gl{font-size:9px;color:#555;margin-left:1px}
sup.pl{font-size:9px;font-weight:600;margin-left:1px;padding:0 2px;border-radius:2px}
.key{display:inline-block;padding:0 4px;margin-right:4px}
"#;

const SCRIPT: &str = r#"
(function () {
  var sel = document.getElementById('viewer-system');
  if (!sel) { return; }
  sel.addEventListener('change', function () {
    var v = sel.value;
    var views = document.querySelectorAll('.view');
    for (var i = 0; i < views.length; i++) {
      views[i].hidden = !(v === 'all' || views[i].getAttribute('data-sys') === v);
    }
  });
})();
"#;

fn modes_of(r: &ScoreReport) -> Vec<Mode> {
    Mode::ALL.iter().copied().filter(|m| r.systems.iter().any(|s| s.entities.contains_key(m.name()))).collect()
}

fn ci_text(iv: Option<&Interval>) -> String {
    match iv {
        Some(Interval { low: Some(l), high: Some(h), .. }) => format!("[{:.2}, {:.2}]", 100.0 * l, 100.0 * h),
        _ => "-".to_string(),
    }
}

fn scores_table(d: &ReportData) -> String {
    let mut t =
        Table::new(["system", "mode", "P", "R", "F1", "F1 95% CI", "COR", "INC", "PAR", "MIS", "SPU", "POS", "ACT"]);
    t.align[1] = Align::Left;
    let modes = modes_of(d.report);
    let mut best: BTreeMap<Mode, f64> = BTreeMap::new();
    for s in &d.report.systems {
        for m in &modes {
            if let Some(f) = s.entities.get(m.name()).and_then(|r| r.micro.f1) {
                let e = best.entry(*m).or_insert(f64::NEG_INFINITY);
                *e = e.max(f);
            }
        }
    }
    for (k, s) in d.report.systems.iter().enumerate() {
        for m in &modes {
            let Some(r) = s.entities.get(m.name()) else { continue };
            let u = &r.micro;
            let iv = d.intervals.get(&(k, *m)).map(|x| &x[2]);
            t.push([
                s.name.clone(),
                m.name().to_string(),
                pct(u.precision),
                pct(u.recall),
                pct(u.f1),
                ci_text(iv),
                u.cor.to_string(),
                u.inc.to_string(),
                u.par.to_string(),
                u.mis.to_string(),
                u.spu.to_string(),
                u.possible.to_string(),
                u.actual.to_string(),
            ]);
            if d.report.systems.len() > 1 && u.f1.is_some_and(|f| f >= best[m] - 1e-12) {
                let row = t.rows.len() - 1;
                t.emphasize(row, 4);
            }
        }
    }
    t.with_title("micro-averaged scores (points); best F1 per mode in bold").render(TableFormat::Html)
}

fn label_bars(d: &ReportData) -> String {
    let mut labels: BTreeSet<String> = BTreeSet::new();
    for s in &d.report.systems {
        if let Some(m) = s.entities.get("strict") {
            labels.extend(m.labels.keys().cloned());
        }
    }
    let labels: Vec<String> = labels.into_iter().collect();
    let series: Vec<(String, Vec<Option<f64>>)> = d
        .report
        .systems
        .iter()
        .map(|s| {
            let m = s.entities.get("strict");
            (s.name.clone(), labels.iter().map(|l| m.and_then(|m| m.labels.get(l)).and_then(|x| x.f1)).collect())
        })
        .collect();
    let mut out = svg::grouped_bars("F1 per label (strict)", &labels, &series);
    let mut t = Table::new(
        std::iter::once("label".to_string())
            .chain(d.report.systems.iter().flat_map(|s| ["P", "R", "F1"].map(|x| format!("{} {x}", s.name))))
            .chain(std::iter::once("support".to_string())),
    );
    for l in &labels {
        let mut row = vec![l.clone()];
        let mut support = 0;
        for s in &d.report.systems {
            let x = s.entities.get("strict").and_then(|m| m.labels.get(l));
            row.push(pct(x.and_then(|x| x.precision)));
            row.push(pct(x.and_then(|x| x.recall)));
            row.push(pct(x.and_then(|x| x.f1)));
            support = support.max(x.map_or(0, |x| x.possible));
        }
        row.push(support.to_string());
        t.push(row);
    }
    out.push_str(&t.render(TableFormat::Html));
    out
}

fn confusion(d: &ReportData) -> String {
    let mut out = String::from("<div class=\"charts\">");
    let name = |x: &Option<String>| x.clone().unwrap_or_else(|| "(none)".to_string());
    for s in &d.report.systems {
        if s.confusion.is_empty() {
            continue;
        }
        let mut labels: BTreeSet<String> = BTreeSet::new();
        for c in &s.confusion {
            labels.extend(c.gold.clone());
            labels.extend(c.pred.clone());
        }
        let mut axis: Vec<String> = labels.into_iter().collect();
        axis.push("(none)".into());
        let counts: Vec<Vec<u64>> = axis
            .iter()
            .map(|g| {
                axis.iter()
                    .map(|p| {
                        s.confusion.iter().filter(|c| &name(&c.gold) == g && &name(&c.pred) == p).map(|c| c.count).sum()
                    })
                    .collect()
            })
            .collect();
        out.push_str(&svg::heat_map(&format!("{}: gold (rows) × predicted (columns)", s.name), &axis, &axis, &counts));
    }
    out.push_str("</div>");
    out
}

fn categories(d: &ReportData) -> String {
    let modes = modes_of(d.report);
    let mut rows: Vec<(String, Vec<(&str, u64)>)> = Vec::new();
    for s in &d.run.systems {
        for m in &modes {
            let t = s.total.mode(*m).overall;
            if t.possible() + t.actual() == 0 {
                continue;
            }
            let name = s.meta.name();
            rows.push((
                format!("{name} {} gold", m.name()),
                vec![("COR", t.gold.cor), ("INC", t.gold.inc), ("PAR", t.gold.par), ("MIS", t.gold.mis)],
            ));
            rows.push((
                format!("{name} {} predicted", m.name()),
                vec![("COR", t.pred.cor), ("INC", t.pred.inc), ("PAR", t.pred.par), ("SPU", t.pred.spu)],
            ));
        }
    }
    svg::stacked_bars("MUC categories of gold mentions (recall side) and predictions (precision side)", &rows)
}

fn buckets(d: &ReportData) -> String {
    let names: Vec<String> = d.report.systems.iter().map(|s| s.name.clone()).collect();
    let mut out = String::new();
    for dim in d.dimensions {
        let _ = write!(out, "<h3>{} <span class=\"note\">({})</span></h3>", esc(&dim.name), esc(&dim.description));
        let groups: Vec<String> = dim.buckets.iter().map(|b| b.name.clone()).collect();
        let series: Vec<(String, Vec<Option<f64>>)> = names
            .iter()
            .enumerate()
            .map(|(k, n)| (n.clone(), dim.buckets.iter().map(|b| b.systems.get(k).and_then(|c| c.f1())).collect()))
            .collect();
        out.push_str("<div class=\"charts\">");
        out.push_str(&svg::grouped_bars(&format!("F1 by {} (strict)", dim.name), &groups, &series));
        let mut t = Table::new(
            std::iter::once("bucket".to_string())
                .chain(std::iter::once("gold".to_string()))
                .chain(names.iter().flat_map(|n| ["pred", "P", "R", "F1"].map(|x| format!("{n} {x}")))),
        );
        for b in &dim.buckets {
            let mut row = vec![b.name.clone(), b.systems.first().map_or(0, |c| c.gold).to_string()];
            for c in &b.systems {
                row.push(c.pred.to_string());
                row.push(pct(c.precision()));
                row.push(pct(c.recall()));
                row.push(pct(c.f1()));
            }
            t.push(row);
        }
        out.push_str(&t.render(TableFormat::Html));
        out.push_str("</div>");
    }
    out
}

/// The document text with gold spans underlined and predicted spans shaded, both coloured
/// by their strict category; labels follow each span (gold below, predicted above).
pub fn render_view(text: &str, gold: &[ViewSpan], pred: &[ViewSpan]) -> String {
    let mut cuts: Vec<usize> = vec![0, text.len()];
    for s in gold.iter().chain(pred) {
        if s.start <= s.end && s.end <= text.len() && text.is_char_boundary(s.start) && text.is_char_boundary(s.end) {
            cuts.push(s.start);
            cuts.push(s.end);
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = String::with_capacity(text.len() * 2);
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let seg = &text[a..b];
        let g = gold.iter().find(|s| s.start <= a && b <= s.end && s.start < s.end);
        let p = pred.iter().find(|s| s.start <= a && b <= s.end && s.start < s.end);
        if g.is_none() && p.is_none() {
            out.push_str(&esc(seg));
        } else {
            let mut class = Vec::new();
            let mut title = Vec::new();
            if let Some(g) = g {
                class.push(format!("g g-{}", g.category));
                title.push(format!("gold {}: {}", g.label, g.category));
            }
            if let Some(p) = p {
                class.push(format!("p p-{}", p.category));
                title.push(format!("predicted {}: {}", p.label, p.category));
            }
            let _ = write!(
                out,
                "<span class=\"{}\" title=\"{}\">{}</span>",
                esc(&class.join(" ")),
                esc(&title.join("; ")),
                esc(seg)
            );
        }
        for s in gold.iter().filter(|s| s.end == b && s.start < b) {
            let _ = write!(out, "<sub class=\"gl\">{}</sub>", esc(&s.label));
        }
        for s in pred.iter().filter(|s| s.end == b && s.start < b) {
            let _ = write!(out, "<sup class=\"pl p-{}\">{}</sup>", esc(&s.category), esc(&s.label));
        }
    }
    out
}

fn viewer(d: &ReportData) -> String {
    let mut out = String::new();
    let names: Vec<String> = d.report.systems.iter().map(|s| s.name.clone()).collect();
    let _ = write!(
        out,
        "<p class=\"note\">The {} documents with the most errors (non-COR gold and predicted mentions, strict mode, summed over systems; at most {}).</p>",
        d.documents.len(),
        d.max_documents
    );
    out.push_str(
        "<p class=\"legend\"><b>gold</b> (underline): \
<span class=\"g g-COR\">found</span> <span class=\"g g-INC\">overlapped or mislabelled (INC)</span> \
<span class=\"g g-MIS\">missed (MIS)</span> &nbsp; <b>predicted</b> (shading): \
<span class=\"key p p-COR\">correct</span><span class=\"key p p-INC\">incorrect (INC)</span>\
<span class=\"key p p-SPU\">spurious (SPU)</span> &nbsp; labels: gold <sub class=\"gl\">LABEL</sub>, predicted <sup class=\"pl\">LABEL</sup></p>",
    );
    if names.len() > 1 {
        out.push_str("<p><label>show system <select id=\"viewer-system\"><option value=\"all\">all</option>");
        for (k, n) in names.iter().enumerate() {
            let _ = write!(out, "<option value=\"{k}\">{}</option>", esc(n));
        }
        out.push_str("</select></label></p>");
    }
    for doc in d.documents {
        let errs: Vec<String> = names.iter().zip(&doc.errors).map(|(n, e)| format!("{n}: {e}")).collect();
        let _ = write!(
            out,
            "<div class=\"doc\" id=\"doc-{}\"><h3>{} <span class=\"note\">errors {}</span></h3>",
            doc.order,
            esc(&doc.id),
            esc(&errs.join(", "))
        );
        for (k, n) in names.iter().enumerate() {
            let gold = doc.gold.get(k).map_or(&[][..], |v| &v[..]);
            let pred = doc.pred.get(k).map_or(&[][..], |v| &v[..]);
            let _ = write!(
                out,
                "<div class=\"view\" data-sys=\"{k}\"><div class=\"who\">{}</div><div class=\"text\">{}</div></div>",
                esc(n),
                render_view(&doc.text, gold, pred)
            );
        }
        out.push_str("</div>");
    }
    out
}

/// The whole page.
pub fn render(d: &ReportData) -> String {
    let mut out = String::with_capacity(1 << 20);
    let systems: Vec<String> = d.report.systems.iter().map(|s| s.name.clone()).collect();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{}</title><style>{CSS}</style></head><body>",
        esc(&d.title)
    );
    let _ = write!(
        out,
        "<header><h1>{}</h1><p>gold <code>{}</code>: {} documents, {} entities; systems: {}; profile {}</p>\
<p>ieval {}; confidence intervals: paired bootstrap over documents ({} samples, seed {}), percentile 95%{}</p></header>",
        esc(&d.title),
        esc(&d.report.gold.source),
        d.report.gold.documents,
        d.report.gold.entities,
        esc(&systems.join(", ")),
        esc(&d.report.ieval.profile),
        esc(&d.report.ieval.version),
        d.samples,
        d.seed,
        d.train.as_ref().map(|t| format!("; training split {}", esc(t))).unwrap_or_default()
    );
    out.push_str("<nav>");
    if d.benchmark.is_some() {
        out.push_str("<a href=\"#benchmark\">benchmark</a>");
    }
    out.push_str(
        "<a href=\"#scores\">scores</a><a href=\"#labels\">labels</a><a href=\"#confusion\">confusion</a>\
<a href=\"#categories\">categories</a><a href=\"#buckets\">buckets</a><a href=\"#documents\">documents</a></nav><main>",
    );
    if let Some(b) = &d.benchmark {
        let _ = write!(out, "<section id=\"benchmark\"><h2>Benchmark (results store)</h2>{b}</section>");
    }
    let _ = write!(out, "<section id=\"scores\"><h2>Scores</h2>{}</section>", scores_table(d));
    let _ = write!(out, "<section id=\"labels\"><h2>Per-label F1</h2>{}</section>", label_bars(d));
    let _ = write!(
        out,
        "<section id=\"confusion\"><h2>Entity confusion</h2><p class=\"note\">Mentions paired by exact span; \
(none) = no mention with that span on the other side (a miss or a spurious prediction). Shade = share of the gold row.</p>{}</section>",
        confusion(d)
    );
    let _ = write!(out, "<section id=\"categories\"><h2>COR / INC / PAR / MIS / SPU</h2>{}</section>", categories(d));
    let _ = write!(
        out,
        "<section id=\"buckets\"><h2>Bucketed analysis</h2><p class=\"note\">Recall of a bucket counts the gold \
mentions in it, precision the predicted mentions in it (strict matching).</p>{}</section>",
        buckets(d)
    );
    let _ = write!(out, "<section id=\"documents\"><h2>Documents</h2>{}</section>", viewer(d));
    let _ = writeln!(out, "</main><script>{SCRIPT}</script></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(start: usize, end: usize, label: &str, cat: &str) -> ViewSpan {
        ViewSpan { start, end, label: label.into(), category: cat.into() }
    }

    #[test]
    fn view_marks_and_escapes() {
        let text = "<b>Japan</b> & Syria";
        let gold = [sp(3, 8, "LOC", "MIS"), sp(15, 20, "LOC", "COR")];
        let pred = [sp(15, 20, "LOC", "COR"), sp(0, 2, "ORG", "SPU")];
        let h = render_view(text, &gold, &pred);
        assert!(h.starts_with("<span class=\"p p-SPU\""));
        assert!(h.contains("&lt;b&gt;") || h.contains("&lt;"));
        assert!(h.contains("<span class=\"g g-MIS\" title=\"gold LOC: MIS\">Japan</span><sub class=\"gl\">LOC</sub>"));
        assert!(h.contains("class=\"g g-COR p p-COR\""));
        assert!(h.contains(" &amp; "));
        assert!(!h.contains("<b>"));
    }
}
