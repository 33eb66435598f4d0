//! The self-contained HTML report: one file with inline CSS, inline SVG charts and a few
//! lines of inline script (the document viewer's system filter); nothing is loaded from
//! the network. Every text from the data is escaped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::breakdown::{Dimension, ViewDoc, ViewSpan};
use super::svg::{self, esc};
use super::{Align, Table, TableFormat};
use crate::score::relation::RelMode;
use crate::score::report::{ModeReport, ScoreReport, SystemReport, summary_row};
use crate::score::resample::Interval;
use crate::score::{EventMetric, Mode, ScoreRun};
use crate::table::pct;

/// Everything the page shows.
pub struct ReportData<'a> {
    pub title: String,
    pub run: &'a ScoreRun,
    pub report: &'a ScoreReport,
    /// Bootstrap intervals per (system index, mode): precision, recall, F1.
    pub intervals: BTreeMap<(usize, Mode), [Interval; 3]>,
    /// Bootstrap intervals per (system index, event metric), when events are scored.
    pub event_intervals: BTreeMap<(usize, EventMetric), [Interval; 3]>,
    pub samples: usize,
    pub seed: u64,
    pub dimensions: &'a [Dimension],
    pub documents: &'a [ViewDoc],
    /// How many documents the viewer was allowed to show.
    pub max_documents: usize,
    /// A pre-rendered benchmark table (HTML fragment) from a results store.
    pub benchmark: Option<String>,
    pub train: Option<String>,
    /// Relation scores (a run of the relations task), when the gold has relations.
    pub relations: Option<RelationData<'a>>,
    /// Coreference reports per system (index as in `report.systems`), entity and event
    /// layers, within-document scope, when the gold has clusters.
    pub coref: Vec<(usize, crate::coref::Layer, crate::coref::Report)>,
}

/// The relations section's input.
pub struct RelationData<'a> {
    pub report: &'a ScoreReport,
    /// Bootstrap intervals per (system index, mode).
    pub intervals: BTreeMap<(usize, RelMode), [Interval; 3]>,
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
.text .t{font-weight:700}
.text .g.a{border-bottom-style:dotted}
.text .p.a{font-style:italic}
.evtext{border-top:1px dotted var(--line);margin-top:4px;padding-top:2px}
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

/// The rows to mark as best: the highest defined value, when it is above 0 and more than one
/// system has a value (undefined values and systems that predicted nothing are never best).
fn best_rows(values: &[(usize, Option<f64>)]) -> Vec<usize> {
    let defined: Vec<(usize, f64)> = values.iter().filter_map(|&(r, v)| v.map(|v| (r, v))).collect();
    let Some(best) = defined.iter().map(|&(_, v)| v).reduce(f64::max) else { return Vec::new() };
    if defined.len() < 2 || best <= 0.0 {
        return Vec::new();
    }
    defined.iter().filter(|&&(_, v)| v >= best - 1e-12).map(|&(r, _)| r).collect()
}

fn scores_table(d: &ReportData) -> String {
    let mut t =
        Table::new(["system", "mode", "P", "R", "F1", "F1 95% CI", "COR", "INC", "PAR", "MIS", "SPU", "POS", "ACT"]);
    t.align[1] = Align::Left;
    let modes = modes_of(d.report);
    let mut per_mode: BTreeMap<Mode, Vec<(usize, Option<f64>)>> = BTreeMap::new();
    let mut silent = Vec::new();
    for (k, s) in d.report.systems.iter().enumerate() {
        if s.entities.values().all(|r| r.micro.actual == 0) && !s.entities.is_empty() {
            silent.push(s.name.clone());
        }
        for m in &modes {
            let Some(r) = s.entities.get(m.name()) else { continue };
            let u = &r.micro;
            let iv = d.intervals.get(&(k, *m)).map(|x| &x[2]);
            t.push(summary_row([s.name.clone(), m.name().to_string()], u, Some(ci_text(iv)), true));
            // A system that predicted nothing has no precision: its F1 is not ranked.
            let ranked = if u.actual == 0 { None } else { u.f1 };
            per_mode.entry(*m).or_default().push((t.rows.len() - 1, ranked));
        }
    }
    for rows in per_mode.values() {
        for r in best_rows(rows) {
            t.emphasize(r, 4);
        }
    }
    let mut out = t
        .with_title("entities, micro-averaged (points); best F1 per mode in bold; - = undefined (0/0)")
        .render(TableFormat::Html);
    if !silent.is_empty() {
        let _ = write!(
            out,
            "<p class=\"note\" id=\"no-entities\">No entity predictions from {}: precision undefined, F1 not ranked.</p>",
            esc(&silent.join(", "))
        );
    }
    out
}

fn has_events(r: &ScoreReport) -> bool {
    r.systems.iter().any(|s| !s.events.is_empty())
}

/// TI .. AC+ per system with their intervals, F1 per metric as bars, and TC per event type
/// and AC per role.
fn events_section(d: &ReportData) -> String {
    let mut t = Table::new(["system", "metric", "P", "R", "F1", "F1 95% CI", "COR", "MIS", "SPU", "gold", "predicted"]);
    t.align[1] = Align::Left;
    let mut per_metric: BTreeMap<usize, Vec<(usize, Option<f64>)>> = BTreeMap::new();
    for (k, s) in d.report.systems.iter().enumerate() {
        for (mi, m) in EventMetric::ALL.iter().enumerate() {
            let Some(r) = s.events.get(m.name()) else { continue };
            let u = &r.micro;
            let iv = d.event_intervals.get(&(k, *m)).map(|x| &x[2]);
            t.push(summary_row([s.name.clone(), m.name().to_string()], u, Some(ci_text(iv)), false));
            let ranked = if u.actual == 0 { None } else { u.f1 };
            per_metric.entry(mi).or_default().push((t.rows.len() - 1, ranked));
        }
    }
    for rows in per_metric.values() {
        for r in best_rows(rows) {
            t.emphasize(r, 4);
        }
    }
    let metrics: Vec<String> = EventMetric::ALL.iter().map(|m| m.name().to_string()).collect();
    let series: Vec<(String, Vec<Option<f64>>)> = d
        .report
        .systems
        .iter()
        .map(|s| (s.name.clone(), metrics.iter().map(|m| s.events.get(m).and_then(|r| r.micro.f1)).collect()))
        .collect();
    let mut out = note_and_charts(
        "TI: trigger span; TC: trigger span and event type; AI: argument span (same event type); \
AC: AI and role; AI+ / AC+: AI / AC with the argument attached to the event paired in TC. Items are COR, MIS or SPU.",
        &svg::grouped_bars("F1 per event metric", &metrics, &series),
        t.with_title("events, micro-averaged (points); best F1 per metric in bold; - = undefined (0/0)"),
    );
    for (metric, what) in [("TC", "event type"), ("AC", "role")] {
        let (labels, _) = label_f1(&d.report.systems, |s| s.events.get(metric));
        if labels.is_empty() {
            continue;
        }
        let t = per_label_table(&d.report.systems, what, "gold", &labels, |s| s.events.get(metric));
        out.push_str(&t.with_title(format!("{metric} per {what}")).render(TableFormat::Html));
    }
    out
}

/// A section's note (HTML), then its bars and its (titled) table side by side.
fn note_and_charts(note: &str, bars: &str, table: Table) -> String {
    format!("<p class=\"note\">{note}</p><div class=\"charts\">{bars}{}</div>", table.render(TableFormat::Html))
}

/// Relations: each mode per system with its interval, and strict F1 per relation label.
fn relations_section(r: &RelationData) -> String {
    let mut t = Table::new(["system", "mode", "P", "R", "F1", "F1 95% CI", "COR", "MIS", "SPU", "gold", "predicted"]);
    t.align[1] = Align::Left;
    let mut per_mode: BTreeMap<RelMode, Vec<(usize, Option<f64>)>> = BTreeMap::new();
    for (k, s) in r.report.systems.iter().enumerate() {
        for m in RelMode::ALL {
            let Some(x) = s.relations.get(m.name()) else { continue };
            let iv = r.intervals.get(&(k, m)).map(|x| &x[2]);
            t.push(summary_row([s.name.clone(), m.name().to_string()], &x.micro, Some(ci_text(iv)), false));
            let ranked = if x.micro.actual == 0 { None } else { x.micro.f1 };
            per_mode.entry(m).or_default().push((t.rows.len() - 1, ranked));
        }
    }
    for rows in per_mode.values() {
        for row in best_rows(rows) {
            t.emphasize(row, 4);
        }
    }
    let (labels, series) = label_f1(&r.report.systems, |s| s.relations.get("strict"));
    let mut out = note_and_charts(
        "strict: same label, every argument with the same span and type; boundaries: same label \
and spans; relaxed: same label, overlapping spans. Arguments in order (directed). Relations are COR, MIS or SPU.",
        &svg::grouped_bars("F1 per relation label (strict)", &labels, &series),
        t.with_title("relations, micro-averaged (points); best F1 per mode in bold; - = undefined (0/0)"),
    );
    let pl = per_label_table(&r.report.systems, "relation", "gold", &labels, |s| s.relations.get("strict"));
    out.push_str(&pl.with_title("strict, per relation label").render(TableFormat::Html));
    out
}

/// Coreference: MUC, B³, CEAFm, CEAFe, BLANC, LEA (recall, precision, F1) and the CoNLL
/// average per system and layer.
fn coref_section(d: &ReportData) -> String {
    let mut t = Table::new(["system", "mentions", "metric", "R", "P", "F1"]);
    t.align[1] = Align::Left;
    t.align[2] = Align::Left;
    let mut conll: BTreeMap<&str, Vec<(usize, Option<f64>)>> = BTreeMap::new();
    for (k, layer, r) in &d.coref {
        let name = d.report.systems.get(*k).map_or("", |s| s.name.as_str());
        let m = &r.metrics;
        for (metric, x) in [
            ("MUC", &m.muc),
            ("B³", &m.b_cubed),
            ("CEAFm", &m.ceaf_m),
            ("CEAFe", &m.ceaf_e),
            ("BLANC", &m.blanc),
            ("LEA", &m.lea),
        ] {
            t.push(vec![
                name.to_string(),
                layer.name().to_string(),
                metric.to_string(),
                pct(x.recall),
                pct(x.precision),
                pct(x.f1),
            ]);
        }
        t.push(vec![
            name.to_string(),
            layer.name().to_string(),
            "CoNLL".into(),
            String::new(),
            String::new(),
            pct(m.conll),
        ]);
        conll.entry(layer.name()).or_default().push((t.rows.len() - 1, m.conll));
    }
    for rows in conll.values() {
        for row in best_rows(rows) {
            t.emphasize(row, 5);
        }
    }
    let mut out = String::from(
        "<p class=\"note\">Clusters of entity mentions (<code>cluster</code>) and of event mentions (their \
<code>cluster</code> attribute), each document scored on its own and the documents summed (<code>ieval coref score \
--scope document</code>); mentions paired by exact extent; a missed or spurious mention lowers recall or precision. \
CoNLL = mean of the MUC, B³ and CEAFe F1. Definitions: README, Coreference.</p>",
    );
    out.push_str(
        &t.with_title("coreference (points); best CoNLL per layer in bold; - = undefined (0/0)")
            .render(TableFormat::Html),
    );
    out
}

/// Every label of the mode reports `mode` picks (sorted), and each system's F1 per label.
type LabelF1 = (Vec<String>, Vec<(String, Vec<Option<f64>>)>);

fn label_f1<'a>(systems: &'a [SystemReport], mode: impl Fn(&'a SystemReport) -> Option<&'a ModeReport>) -> LabelF1 {
    let mut labels: BTreeSet<String> = BTreeSet::new();
    for s in systems {
        if let Some(m) = mode(s) {
            labels.extend(m.labels.keys().cloned());
        }
    }
    let labels: Vec<String> = labels.into_iter().collect();
    let series = systems
        .iter()
        .map(|s| {
            let m = mode(s);
            (s.name.clone(), labels.iter().map(|l| m.and_then(|m| m.labels.get(l)).and_then(|x| x.f1)).collect())
        })
        .collect();
    (labels, series)
}

fn label_bars(d: &ReportData) -> String {
    let (labels, series) = label_f1(&d.report.systems, |s| s.entities.get("strict"));
    let mut out = svg::grouped_bars("F1 per label (strict)", &labels, &series);
    let t = per_label_table(&d.report.systems, "label", "support", &labels, |s| s.entities.get("strict"));
    out.push_str(&t.render(TableFormat::Html));
    out
}

/// One row per label: P, R and F1 of each system (from the mode report `mode` picks), then the
/// largest gold support any system saw for the label.
fn per_label_table<'a, L: AsRef<str>>(
    systems: &'a [SystemReport],
    first: &str,
    last: &str,
    labels: impl IntoIterator<Item = L>,
    mode: impl Fn(&'a SystemReport) -> Option<&'a ModeReport>,
) -> Table {
    let mut t = Table::new(
        std::iter::once(first.to_string())
            .chain(systems.iter().flat_map(|s| ["P", "R", "F1"].map(|x| format!("{} {x}", s.name))))
            .chain(std::iter::once(last.to_string())),
    );
    for l in labels {
        let l = l.as_ref();
        let mut row = vec![l.to_string()];
        let mut support = 0;
        for s in systems {
            let x = mode(s).and_then(|m| m.labels.get(l));
            row.push(pct(x.and_then(|x| x.precision)));
            row.push(pct(x.and_then(|x| x.recall)));
            row.push(pct(x.and_then(|x| x.f1)));
            support = support.max(x.map_or(0, |x| x.possible));
        }
        row.push(support.to_string());
        t.push(row);
    }
    t
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
            let kind = |k: &str| match k {
                "trigger" => " t",
                "argument" => " a",
                _ => "",
            };
            if let Some(g) = g {
                class.push(format!("g g-{}{}", g.category, kind(g.kind)));
                title.push(format!("gold {}{}: {}", kind_word(g.kind), g.label, g.category));
            }
            if let Some(p) = p {
                class.push(format!("p p-{}{}", p.category, kind(p.kind)));
                title.push(format!("predicted {}{}: {}", kind_word(p.kind), p.label, p.category));
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

/// How a span's kind reads in a tooltip.
fn kind_word(kind: &str) -> &'static str {
    match kind {
        "trigger" => "trigger ",
        "argument" => "argument ",
        _ => "",
    }
}

fn viewer(d: &ReportData) -> String {
    let mut out = String::new();
    let names: Vec<String> = d.report.systems.iter().map(|s| s.name.clone()).collect();
    let _ = write!(
        out,
        "<p class=\"note\">The {} documents with the most errors (non-COR gold and predicted mentions in strict mode, triggers in TC and arguments in AC, summed over systems; at most {}).</p>",
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
    if d.documents.iter().any(|doc| doc.gold_events.iter().chain(&doc.pred_events).any(|v| !v.is_empty())) {
        out.push_str(
            "<p class=\"legend\"><b>events</b> (second copy of the text): <span class=\"g g-COR t\">trigger</span> \
(label: event type, category: TC), <span class=\"g g-COR a\">argument</span> (dotted; label: role, category: AC)</p>",
        );
    }
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
            let gold_ev = doc.gold_events.get(k).map_or(&[][..], |v| &v[..]);
            let pred_ev = doc.pred_events.get(k).map_or(&[][..], |v| &v[..]);
            let events = if gold_ev.is_empty() && pred_ev.is_empty() {
                String::new()
            } else {
                format!(
                    "<div class=\"who\">{} events</div><div class=\"text evtext\">{}</div>",
                    esc(n),
                    render_view(&doc.text, gold_ev, pred_ev)
                )
            };
            let _ = write!(
                out,
                "<div class=\"view\" data-sys=\"{k}\"><div class=\"who\">{}</div><div class=\"text\">{}</div>{events}</div>",
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
        "<header><h1>{}</h1><p>gold <code>{}</code>: {} documents, {} entities{}; systems: {}; profile {}</p>\
<p>ieval {}; confidence intervals: paired bootstrap over documents ({} samples, seed {}), percentile 95%{}</p></header>",
        esc(&d.title),
        esc(&d.report.gold.source),
        d.report.gold.documents,
        d.report.gold.entities,
        if d.report.gold.events > 0 || has_events(d.report) {
            format!(", {} events, {} arguments", d.report.gold.events, d.report.gold.arguments)
        } else {
            String::new()
        },
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
    out.push_str("<a href=\"#scores\">scores</a>");
    if has_events(d.report) {
        out.push_str("<a href=\"#events\">events</a>");
    }
    if d.relations.is_some() {
        out.push_str("<a href=\"#relations\">relations</a>");
    }
    if !d.coref.is_empty() {
        out.push_str("<a href=\"#coreference\">coreference</a>");
    }
    out.push_str(
        "<a href=\"#labels\">labels</a><a href=\"#confusion\">confusion</a>\
<a href=\"#categories\">categories</a><a href=\"#buckets\">buckets</a><a href=\"#documents\">documents</a></nav><main>",
    );
    if let Some(b) = &d.benchmark {
        let _ = write!(out, "<section id=\"benchmark\"><h2>Benchmark (results store)</h2>{b}</section>");
    }
    let _ = write!(out, "<section id=\"scores\"><h2>Scores</h2>{}</section>", scores_table(d));
    if has_events(d.report) {
        let _ = write!(
            out,
            "<section id=\"events\"><h2>Events (TI, TC, AI, AC, AI+, AC+)</h2>{}</section>",
            events_section(d)
        );
    }
    if let Some(r) = &d.relations {
        let _ = write!(out, "<section id=\"relations\"><h2>Relations</h2>{}</section>", relations_section(r));
    }
    if !d.coref.is_empty() {
        let _ = write!(out, "<section id=\"coreference\"><h2>Coreference</h2>{}</section>", coref_section(d));
    }
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
        ViewSpan { start, end, label: label.into(), category: cat.into(), kind: "entity" }
    }

    #[test]
    fn best_is_never_undefined_nor_zero() {
        assert_eq!(best_rows(&[(0, Some(0.5)), (1, Some(0.7)), (2, None), (3, Some(0.7))]), vec![1, 3]);
        // Undefined (a system that predicted nothing) is never best, nor is 0 for everyone.
        assert_eq!(best_rows(&[(0, None), (1, None)]), Vec::<usize>::new());
        assert_eq!(best_rows(&[(0, Some(0.0)), (1, Some(0.0))]), Vec::<usize>::new());
        // One defined value among undefined ones is not a ranking.
        assert_eq!(best_rows(&[(0, Some(0.4)), (1, None)]), Vec::<usize>::new());
    }

    #[test]
    fn view_marks_triggers_and_arguments() {
        let text = "Wang met Cho.";
        let t = ViewSpan { start: 5, end: 8, label: "Contact:Meet".into(), category: "COR".into(), kind: "trigger" };
        let a = ViewSpan { start: 0, end: 4, label: "Entity".into(), category: "MIS".into(), kind: "argument" };
        let h = render_view(text, &[t.clone(), a], &[t]);
        assert!(h.contains("class=\"g g-COR t p p-COR t\" title=\"gold trigger Contact:Meet: COR; predicted trigger Contact:Meet: COR\">met</span>"), "{h}");
        assert!(
            h.contains(
                "class=\"g g-MIS a\" title=\"gold argument Entity: MIS\">Wang</span><sub class=\"gl\">Entity</sub>"
            ),
            "{h}"
        );
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
