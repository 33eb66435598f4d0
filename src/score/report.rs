//! The machine-readable result of a scoring run (`--format json`) and its tables.
//!
//! JSON shape (stable; fractions in [0, 1], `null` for undefined):
//! ```text
//! { "ieval":  { "version", "profile", "quirks": [..], "task", "tasks": [..], "event_matching": [..] },
//!   "gold":   { "name", "source", "documents", "entities", "events", "arguments", "diagnostics" },
//!   "systems": [ { "name", "version", "source", "documents",
//!                  "entities": { "<mode>": ModeReport },
//!                  "events": { "TI" | "TC" | "AI" | "AC" | "AI+" | "AC+": ModeReport },
//!                  "event_type_roles": ModeReport,     // AC by "<type>/<role>"; when events are scored
//!                  "relations": { "strict" | "boundaries" | "relaxed": ModeReport },  // relations scored
//!                  "confusion": [ { "gold", "pred", "count" } ],
//!                  "diagnostics": { .. } } ] }
//! ModeReport = { "micro": Summary, "macro": Prf, "weighted": Prf, "documents": Prf,
//!                "labels": { "<label>": Summary } }
//! ```
//! `Summary` = `{cor, inc, par, mis, spu, possible, actual, tp, fp, fn, precision, recall, f1}`.
//! `relations` (and `gold.relations`) appear under `--task relations`, which scores
//! relations alone (see [`super::relation`]), and under `--task all` / `auto` when the gold
//! has relations (see [`super::run::ScoreOptions::scores_relations`]).
//! `entities` is empty under `--task events` and `events` empty when events are not scored
//! (`--task entities`, or by default a gold without events). Event labels are event types
//! (TI, TC, AI, AI+) or roles (AC, AC+); the event `documents` average is over documents
//! with an event on either side; `task` is what was scored of entities and events
//! (`entities`, `events`, `all`; `relations` under `--task relations`) and `tasks` every
//! task scored (`entities`, `events`, `relations`, in that order: the only place that says
//! relations were scored with entities), `event_matching` the event options on (`exact`,
//! or `head`, `coref`, `realis`).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::counts::{EntityCounts, LabelTally, Mode, ModeCounts};
use super::event::{EventCounts, EventMetric};
use super::metrics::{Prf, Summary, document_avg_iter, macro_avg, summarize, weighted_avg};
use super::packed::slot;
use super::profile::Profile;
use super::relation::RelMode;
use super::run::{ScoreRun, SystemScore};
use crate::formats::{Diagnostics, Format};
use crate::model::SetKind;
use crate::table::{Table, pct};

#[derive(schemars::JsonSchema, Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    pub version: String,
    pub profile: String,
    pub quirks: Vec<String>,
    /// `entities`, `events`, `all` (entities and events) or `relations`, as before relations
    /// were scored with entities: it does not say whether relations were; `tasks` does.
    #[serde(default)]
    pub task: String,
    /// The tasks whose scores the report carries, in this order: `entities`, `events`,
    /// `relations` (under `--task auto` / `all`, relations are scored when the gold has any).
    #[serde(default)]
    pub tasks: Vec<String>,
    #[serde(default)]
    pub event_matching: Vec<String>,
}

#[derive(schemars::JsonSchema, Debug, Clone, Serialize, Deserialize)]
pub struct GoldInfo {
    pub name: String,
    pub source: String,
    pub documents: u64,
    pub entities: u64,
    #[serde(default)]
    pub events: u64,
    #[serde(default)]
    pub arguments: u64,
    /// Gold relations (present when relations are scored).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub relations: u64,
    #[serde(default)]
    pub diagnostics: serde_json::Value,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(schemars::JsonSchema, Debug, Clone, Serialize, Deserialize)]
pub struct ModeReport {
    pub micro: Summary,
    #[serde(rename = "macro")]
    pub macro_: Prf,
    pub weighted: Prf,
    pub documents: Prf,
    pub labels: BTreeMap<String, Summary>,
}

#[derive(schemars::JsonSchema, Debug, Clone, Serialize, Deserialize)]
pub struct ConfusionCell {
    pub gold: Option<String>,
    pub pred: Option<String>,
    pub count: u64,
}

#[derive(schemars::JsonSchema, Debug, Clone, Serialize, Deserialize)]
pub struct SystemReport {
    pub name: String,
    pub version: Option<String>,
    pub source: String,
    pub documents: u64,
    pub entities: BTreeMap<String, ModeReport>,
    #[serde(default)]
    pub events: BTreeMap<String, ModeReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type_roles: Option<ModeReport>,
    /// Relation modes (`strict`, `boundaries`, `relaxed`), labels = relation labels; present
    /// when relations are scored.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub relations: BTreeMap<String, ModeReport>,
    pub confusion: Vec<ConfusionCell>,
    #[serde(default)]
    pub diagnostics: serde_json::Value,
}

#[derive(schemars::JsonSchema, Debug, Clone, Serialize, Deserialize)]
pub struct ScoreReport {
    pub ieval: ToolInfo,
    pub gold: GoldInfo,
    pub systems: Vec<SystemReport>,
    /// With `--align`: how each label input was placed on the text, by input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alignment: Option<serde_json::Value>,
}

fn diag_json(d: &Diagnostics) -> serde_json::Value {
    serde_json::to_value(d).unwrap_or_default()
}

/// Metrics of one mode from totals and per-document counts.
pub fn mode_report(total: &EntityCounts, docs: &[&EntityCounts], mode: Mode, profile: Profile) -> ModeReport {
    let doc_counts: Vec<&ModeCounts> = docs.iter().map(|d| d.mode(mode)).collect();
    counts_report(total.mode(mode), &doc_counts, mode.half_credit(), profile)
}

/// Metrics of one event metric from totals and per-document counts.
pub fn event_report(total: &EventCounts, docs: &[&EventCounts], metric: EventMetric, profile: Profile) -> ModeReport {
    let doc_counts: Vec<&ModeCounts> = docs.iter().map(|d| d.metric(metric)).collect();
    counts_report(total.metric(metric), &doc_counts, false, profile)
}

/// Metrics from counts: micro, per label, the averages over labels and over documents.
pub fn counts_report(mc: &ModeCounts, docs: &[&ModeCounts], half: bool, profile: Profile) -> ModeReport {
    overall_report(mc, docs.iter().map(|d| d.overall), half, profile)
}

/// [`counts_report`] from each document's overall counts, streamed.
pub fn overall_report(
    mc: &ModeCounts,
    docs: impl Iterator<Item = LabelTally>,
    half: bool,
    profile: Profile,
) -> ModeReport {
    let zero = profile.zero_for_undefined();
    let labels: BTreeMap<String, Summary> =
        mc.labels.iter().map(|(l, t)| (l.to_string(), summarize(t, half, zero))).collect();
    let label_vals: Vec<Summary> = labels.values().copied().collect();
    let documents = document_avg_iter(docs.map(|d| summarize(&d, half, zero)), false);
    ModeReport {
        micro: summarize(&mc.overall, half, zero),
        macro_: macro_avg(&label_vals, zero),
        weighted: weighted_avg(&label_vals, zero),
        documents,
        labels,
    }
}

fn system_report(s: &SystemScore, run: &ScoreRun) -> SystemReport {
    let profile = run.profile;
    // Each mode's and metric's report is a pass over every document's counts (the document
    // average): the passes run in parallel, each decoding only its own counts
    // ([`DocScores::overall_slot`]). A document without events (relations) on either side has
    // undefined ratios: the document average skips it, so leaving it out is the same.
    let docs = |slot: usize| (0..s.docs.len()).filter_map(move |i| s.docs.overall_slot(i, slot));
    // Each report of a family: (name, total counts, the slot of its document counts, half
    // credit for partial matches).
    let reports = |family: Vec<(&str, &ModeCounts, usize, bool)>| -> BTreeMap<String, ModeReport> {
        family
            .into_par_iter()
            .map(|(name, total, slot, half)| (name.to_string(), overall_report(total, docs(slot), half, profile)))
            .collect()
    };
    let entities = if run.entities_scored() {
        reports(
            profile
                .modes()
                .iter()
                .map(|&m| (m.name(), s.total.mode(m), slot::ENTITIES + m.index(), m.half_credit()))
                .collect(),
        )
    } else {
        BTreeMap::new()
    };
    let (events, event_type_roles) = if run.events_scored() {
        let metrics = EventMetric::ALL.iter().map(|&m| (m.name(), s.events.metric(m), slot::EVENTS + m.index(), false));
        let (events, type_roles) = rayon::join(
            || reports(metrics.collect()),
            || overall_report(&s.events.type_roles, docs(slot::TYPE_ROLES), false, profile),
        );
        (events, Some(type_roles))
    } else {
        (BTreeMap::new(), None)
    };
    let relations = if run.relations_scored() {
        reports(
            RelMode::ALL.iter().map(|&m| (m.name(), s.relations.mode(m), slot::RELATIONS + m.index(), false)).collect(),
        )
    } else {
        BTreeMap::new()
    };
    let (name, version) = match &s.meta.kind {
        SetKind::System { name, version } => (name.clone(), version.clone()),
        SetKind::Gold => ("gold".to_string(), None),
    };
    SystemReport {
        name,
        version,
        source: s.meta.source.clone(),
        documents: s.docs.len() as u64,
        entities,
        events,
        event_type_roles,
        relations,
        confusion: s
            .confusion
            .cells
            .iter()
            .map(|((g, p), n)| ConfusionCell { gold: g.clone(), pred: p.clone(), count: *n })
            .collect(),
        diagnostics: diag_json(&s.diagnostics),
    }
}

/// The report of a run.
pub fn build(run: &ScoreRun) -> ScoreReport {
    ScoreReport {
        ieval: ToolInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            profile: run.profile.name().to_string(),
            quirks: run.profile.quirks().iter().map(|q| q.to_string()).collect(),
            task: match (run.entities_scored(), run.events_scored()) {
                _ if run.options.task == super::run::Task::Relations => "relations",
                (true, true) => "all",
                (false, true) => "events",
                _ => "entities",
            }
            .to_string(),
            tasks: [
                (run.entities_scored(), "entities"),
                (run.events_scored(), "events"),
                (run.relations_scored(), "relations"),
            ]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, t)| t.to_string())
            .collect(),
            event_matching: if run.events_scored() {
                run.options.events.names().iter().map(|s| s.to_string()).collect()
            } else {
                Vec::new()
            },
        },
        gold: GoldInfo {
            name: run.gold.name().to_string(),
            source: run.gold.source.clone(),
            documents: run.gold_documents,
            entities: run.gold_entities,
            events: run.gold_events,
            arguments: run.gold_arguments,
            relations: run.gold_relations,
            diagnostics: diag_json(&run.gold_diagnostics),
        },
        systems: run.systems.par_iter().map(|s| system_report(s, run)).collect(),
        alignment: None,
    }
}

/// A summary table's row: the `lead` cells, P, R, F1 (points), the interval when given,
/// then COR, INC and PAR (entities, `inc_par`), MIS, SPU, gold and predicted items.
pub fn summary_row(lead: [String; 2], u: &Summary, interval: Option<String>, inc_par: bool) -> Vec<String> {
    let mut row = Vec::from(lead);
    row.extend([pct(u.precision), pct(u.recall), pct(u.f1)]);
    row.extend(interval);
    row.push(u.cor.to_string());
    if inc_par {
        row.extend([u.inc.to_string(), u.par.to_string()]);
    }
    row.extend([u.mis.to_string(), u.spu.to_string(), u.possible.to_string(), u.actual.to_string()]);
    row
}

/// One row per system and mode: micro P/R/F1 and the MUC categories.
pub fn summary_table(r: &ScoreReport) -> Table {
    // Modes in their natural order, not alphabetical.
    micro_table(r, "mode", true, |s| {
        Mode::ALL.iter().filter_map(|m| s.entities.get(m.name()).map(|r| (m.name(), r))).collect()
    })
}

/// One row per system and event metric: micro P/R/F1, COR/MIS/SPU, gold and predicted items.
pub fn event_summary_table(r: &ScoreReport) -> Table {
    micro_table(r, "metric", false, |s| {
        EventMetric::ALL.iter().filter_map(|m| s.events.get(m.name()).map(|r| (m.name(), r))).collect()
    })
}

/// One row per system and relation mode: micro P/R/F1, COR/MIS/SPU, gold and predicted
/// relations.
pub fn relation_summary_table(r: &ScoreReport) -> Table {
    micro_table(r, "relations", false, |s| {
        RelMode::ALL.iter().filter_map(|m| s.relations.get(m.name()).map(|r| (m.name(), r))).collect()
    })
}

/// A summary table: per system, a [`summary_row`] of the micro averages of each report
/// `reports` gives (named in the column `what`).
fn micro_table<'a>(
    r: &'a ScoreReport,
    what: &str,
    inc_par: bool,
    reports: impl Fn(&'a SystemReport) -> Vec<(&'static str, &'a ModeReport)>,
) -> Table {
    let mut head = vec!["system", what, "P", "R", "F1", "COR"];
    if inc_par {
        head.extend(["INC", "PAR"]);
    }
    head.extend(["MIS", "SPU", "POS", "ACT"]);
    let mut t = Table::new(head);
    t.align[1] = crate::table::Align::Left;
    for s in &r.systems {
        for (name, m) in reports(s) {
            t.push(summary_row([s.name.clone(), name.to_string()], &m.micro, None, inc_par));
        }
    }
    t
}

/// Per-label rows of one relation mode for every system, with the averages.
pub fn relation_label_table(r: &ScoreReport, mode: RelMode) -> Table {
    let mut t = Table::new(["system", "label", "P", "R", "F1", "COR", "MIS", "SPU", "support"]);
    t.align[1] = crate::report::Align::Left;
    for s in &r.systems {
        let Some(m) = s.relations.get(mode.name()) else { continue };
        push_label_rows(&mut t, s, m, false);
    }
    t.with_title(format!("per relation label, {} relations", mode.name()))
}

/// One system's rows of a per-label table (columns system, label, P, R, F1, COR, INC and
/// PAR when `inc_par`, MIS, SPU, support): a row per label, then the micro, macro, weighted
/// and per-document averages with blank counts (support: gold items, or documents).
fn push_label_rows(t: &mut Table, s: &SystemReport, m: &ModeReport, inc_par: bool) {
    for (l, u) in &m.labels {
        let mut row = vec![s.name.clone(), l.clone(), pct(u.precision), pct(u.recall), pct(u.f1), u.cor.to_string()];
        if inc_par {
            row.extend([u.inc.to_string(), u.par.to_string()]);
        }
        row.extend([u.mis.to_string(), u.spu.to_string(), u.possible.to_string()]);
        t.push(row);
    }
    for (name, p) in [
        ("micro", Prf { precision: m.micro.precision, recall: m.micro.recall, f1: m.micro.f1 }),
        ("macro", m.macro_),
        ("weighted", m.weighted),
        ("documents", m.documents),
    ] {
        let support = if name == "documents" { s.documents.to_string() } else { m.micro.possible.to_string() };
        let mut row = vec![s.name.clone(), format!("({name})"), pct(p.precision), pct(p.recall), pct(p.f1)];
        row.extend(std::iter::repeat_n(String::new(), if inc_par { 5 } else { 3 }));
        row.push(support);
        t.push(row);
    }
}

/// The name `--labels` uses for the AC table by event type and role.
pub const TYPE_ROLE_TABLE: &str = "AC-type-role";

/// The report of `name`: an entity mode, an event metric (`TI` .. `AC+`, any case) or
/// [`TYPE_ROLE_TABLE`].
fn named_report<'a>(s: &'a SystemReport, name: &str) -> Option<&'a ModeReport> {
    if name.eq_ignore_ascii_case(TYPE_ROLE_TABLE) {
        return s.event_type_roles.as_ref();
    }
    match EventMetric::from_name(name) {
        Some(m) => s.events.get(m.name()),
        None => s.entities.get(name),
    }
}

/// True when some system has the table `name` (see [`label_table`]).
pub fn has_label_table(r: &ScoreReport, name: &str) -> bool {
    r.systems.iter().any(|s| named_report(s, name).is_some())
}

/// Per-label rows of one entity mode or event metric for every system, with the
/// micro/macro/weighted/document averages. Entity modes show INC and PAR as well, so that
/// COR + INC + PAR + MIS is the support (event items are only COR, MIS or SPU).
pub fn label_table(r: &ScoreReport, mode: &str) -> Table {
    let entity = !mode.eq_ignore_ascii_case(TYPE_ROLE_TABLE) && EventMetric::from_name(mode).is_none();
    let head: &[&str] = if entity {
        &["system", "label", "P", "R", "F1", "COR", "INC", "PAR", "MIS", "SPU", "support"]
    } else {
        &["system", "label", "P", "R", "F1", "COR", "MIS", "SPU", "support"]
    };
    let mut t = Table::new(head.iter().copied());
    t.align[1] = crate::table::Align::Left;
    for s in &r.systems {
        let Some(m) = named_report(s, mode) else { continue };
        push_label_rows(&mut t, s, m, entity);
    }
    let title = if mode.eq_ignore_ascii_case(TYPE_ROLE_TABLE) {
        "per event type and role, AC".to_string()
    } else {
        match EventMetric::from_name(mode) {
            Some(EventMetric::Ac | EventMetric::AcPlus) => format!("per role, {}", mode.to_uppercase()),
            Some(_) => format!("per event type, {}", mode.to_uppercase()),
            None => format!("per label, {mode} mode"),
        }
    };
    t.with_title(title)
}

/// Gold label x predicted label counts of one system (same-span pairing).
pub fn confusion_table(s: &SystemReport) -> Table {
    let name = |x: &Option<String>| x.clone().unwrap_or_else(|| "(none)".to_string());
    let mut golds: Vec<String> = s.confusion.iter().map(|c| name(&c.gold)).collect();
    let mut preds: Vec<String> = s.confusion.iter().map(|c| name(&c.pred)).collect();
    golds.sort();
    golds.dedup();
    preds.sort();
    preds.dedup();
    let mut t = Table::new(std::iter::once("gold \\ pred".to_string()).chain(preds.iter().cloned()));
    for g in &golds {
        let mut row = vec![g.clone()];
        for p in &preds {
            let n: u64 =
                s.confusion.iter().filter(|c| &name(&c.gold) == g && &name(&c.pred) == p).map(|c| c.count).sum();
            row.push(if n == 0 { String::new() } else { n.to_string() });
        }
        t.push(row);
    }
    t.with_title(format!("confusion, {} (same-span pairs)", s.name))
}

/// One row of the tidy score table (`score --format csv`, `score --output FILE.parquet`):
/// one header, one row per (system, task, metric, label or average), so that pandas,
/// DuckDB and polars read it as one table. Overall rows have `label` null and `average`
/// `micro` (with the counts), `macro`, `weighted` or `documents` (P/R/F1 only); per-label
/// rows have the label and `average` null (the label's own counts). `metric` is an entity
/// mode (`strict` `exact` `partial` `type`), an event metric (`TI` .. `AC+`) or
/// [`TYPE_ROLE_TABLE`] (labels `<type>/<role>`). Fractions in [0, 1], null when undefined.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TidyRow {
    pub system: String,
    pub task: &'static str,
    pub metric: String,
    pub label: Option<String>,
    pub average: Option<&'static str>,
    pub cor: Option<u64>,
    pub inc: Option<u64>,
    pub par: Option<u64>,
    pub mis: Option<u64>,
    pub spu: Option<u64>,
    pub possible: Option<u64>,
    pub actual: Option<u64>,
    pub tp: Option<f64>,
    pub fp: Option<f64>,
    #[serde(rename = "fn")]
    pub fn_: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

/// The columns of [`TidyRow`], in order.
pub const TIDY_COLUMNS: [&str; 18] = [
    "system",
    "task",
    "metric",
    "label",
    "average",
    "cor",
    "inc",
    "par",
    "mis",
    "spu",
    "possible",
    "actual",
    "tp",
    "fp",
    "fn",
    "precision",
    "recall",
    "f1",
];

fn tidy_counts(system: &str, task: &'static str, metric: &str, label: Option<&str>, u: &Summary) -> TidyRow {
    TidyRow {
        system: system.to_string(),
        task,
        metric: metric.to_string(),
        label: label.map(str::to_string),
        average: if label.is_none() { Some("micro") } else { None },
        cor: Some(u.cor),
        inc: Some(u.inc),
        par: Some(u.par),
        mis: Some(u.mis),
        spu: Some(u.spu),
        possible: Some(u.possible),
        actual: Some(u.actual),
        tp: Some(u.tp),
        fp: Some(u.fp),
        fn_: Some(u.fn_),
        precision: u.precision,
        recall: u.recall,
        f1: u.f1,
    }
}

/// The tidy rows of a report: per system, entity modes (in their natural order), then event
/// metrics, then AC by type and role; per metric the micro row, the other averages, then
/// the labels sorted.
pub fn tidy_rows(r: &ScoreReport) -> Vec<TidyRow> {
    let mut out = Vec::new();
    for s in &r.systems {
        let mut reports: Vec<(&'static str, String, &ModeReport)> = Vec::new();
        for m in Mode::ALL {
            if let Some(rep) = s.entities.get(m.name()) {
                reports.push(("entities", m.name().to_string(), rep));
            }
        }
        for m in EventMetric::ALL {
            if let Some(rep) = s.events.get(m.name()) {
                reports.push(("events", m.name().to_string(), rep));
            }
        }
        if let Some(rep) = &s.event_type_roles {
            reports.push(("events", TYPE_ROLE_TABLE.to_string(), rep));
        }
        for m in RelMode::ALL {
            if let Some(rep) = s.relations.get(m.name()) {
                reports.push(("relations", m.name().to_string(), rep));
            }
        }
        for (task, metric, m) in reports {
            out.push(tidy_counts(&s.name, task, &metric, None, &m.micro));
            for (avg, p) in [("macro", m.macro_), ("weighted", m.weighted), ("documents", m.documents)] {
                out.push(TidyRow {
                    system: s.name.clone(),
                    task,
                    metric: metric.clone(),
                    label: None,
                    average: Some(avg),
                    cor: None,
                    inc: None,
                    par: None,
                    mis: None,
                    spu: None,
                    possible: None,
                    actual: None,
                    tp: None,
                    fp: None,
                    fn_: None,
                    precision: p.precision,
                    recall: p.recall,
                    f1: p.f1,
                });
            }
            for (l, u) in &m.labels {
                out.push(tidy_counts(&s.name, task, &metric, Some(l), u));
            }
        }
    }
    out
}

/// The tidy table as CSV text (RFC 4180 quoting; null = empty field; full precision).
pub fn tidy_csv(r: &ScoreReport) -> String {
    let mut t = Table::new(TIDY_COLUMNS);
    let n = |x: Option<u64>| x.map(|v| v.to_string()).unwrap_or_default();
    let f = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for row in tidy_rows(r) {
        t.push([
            row.system,
            row.task.to_string(),
            row.metric,
            row.label.unwrap_or_default(),
            row.average.unwrap_or_default().to_string(),
            n(row.cor),
            n(row.inc),
            n(row.par),
            n(row.mis),
            n(row.spu),
            n(row.possible),
            n(row.actual),
            f(row.tp),
            f(row.fp),
            f(row.fn_),
            f(row.precision),
            f(row.recall),
            f(row.f1),
        ]);
    }
    t.render(crate::table::TableFormat::Csv)
}

/// The ieval metadata of a scoring run, as Parquet key/value pairs (scores, error
/// listings): `ieval:version`, `ieval:profile`, `ieval:task`, `ieval:gold_source`,
/// `ieval:gold_documents` and `ieval:systems` (a JSON list of `{name, version, source}`).
pub fn run_metadata(r: &ScoreReport) -> Vec<(String, String)> {
    let systems: Vec<serde_json::Value> = r
        .systems
        .iter()
        .map(|s| serde_json::json!({"name": s.name, "version": s.version, "source": s.source}))
        .collect();
    vec![
        ("ieval:version".into(), r.ieval.version.clone()),
        ("ieval:profile".into(), r.ieval.profile.clone()),
        ("ieval:task".into(), r.ieval.task.clone()),
        ("ieval:gold_source".into(), r.gold.source.clone()),
        ("ieval:gold_documents".into(), r.gold.documents.to_string()),
        ("ieval:systems".into(), serde_json::Value::Array(systems).to_string()),
    ]
}

/// Write the tidy table as Parquet (atomically; zstd), with [`run_metadata`] and
/// `ieval:table = scores`. Counts are int64, ratios float64, nulls as in the CSV.
pub fn write_tidy_parquet(path: &std::path::Path, r: &ScoreReport) -> crate::error::Result<()> {
    use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;
    use std::sync::Arc;

    use crate::error::Error;

    let rows = tidy_rows(r);
    let fields: Vec<Field> = TIDY_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| match i {
            0..=2 => Field::new(*c, DataType::Utf8, false),
            3 | 4 => Field::new(*c, DataType::Utf8, true),
            5..=11 => Field::new(*c, DataType::Int64, true),
            _ => Field::new(*c, DataType::Float64, true),
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let int = |g: &dyn Fn(&TidyRow) -> Option<u64>| -> ArrayRef {
        Arc::new(Int64Array::from(rows.iter().map(|x| g(x).map(|v| v.min(i64::MAX as u64) as i64)).collect::<Vec<_>>()))
    };
    let flt = |g: &dyn Fn(&TidyRow) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(rows.iter().map(g).collect::<Vec<_>>()))
    };
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|x| x.system.as_str()))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|x| x.task))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|x| x.metric.as_str()))),
        Arc::new(StringArray::from(rows.iter().map(|x| x.label.as_deref()).collect::<Vec<_>>())),
        Arc::new(StringArray::from(rows.iter().map(|x| x.average).collect::<Vec<_>>())),
        int(&|x| x.cor),
        int(&|x| x.inc),
        int(&|x| x.par),
        int(&|x| x.mis),
        int(&|x| x.spu),
        int(&|x| x.possible),
        int(&|x| x.actual),
        flt(&|x| x.tp),
        flt(&|x| x.fp),
        flt(&|x| x.fn_),
        flt(&|x| x.precision),
        flt(&|x| x.recall),
        flt(&|x| x.f1),
    ];
    let mut kv = vec![KeyValue::new("ieval:table".into(), Some("scores".into()))];
    kv.extend(run_metadata(r).into_iter().map(|(k, v)| KeyValue::new(k, Some(v))));
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_key_value_metadata(Some(kv))
        .build();
    let file = crate::output::AtomicFile::create(path)?;
    let mut w = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| Error::parquet(path, e))?;
    let batch = RecordBatch::try_new(schema, cols).map_err(|e| Error::parquet(path, e))?;
    w.write(&batch).map_err(|e| Error::parquet(path, e))?;
    w.into_inner().map_err(|e| Error::parquet(path, e))?.commit()
}

/// No silent empty system: a system without a single predicted mention (entity or event
/// trigger) while the gold has entities gets an `empty-system` diagnostic in the JSON and a
/// warning (returned, for the table), naming the format it was read as when that was guessed from the file.
pub fn empty_system_warnings(report: &mut ScoreReport, guessed: &BTreeMap<String, Format>) -> Vec<String> {
    let mut out = Vec::new();
    let gold = report.gold.entities;
    for s in &mut report.systems {
        let Some(m) = s.entities.values().next() else { continue };
        // A system that predicts events and no entities (an event extractor) is not empty.
        let events = s.events.get("TI").map_or(0, |t| t.micro.actual);
        if gold == 0 || m.micro.actual > 0 || events > 0 {
            continue;
        }
        let how = match guessed.get(&s.name) {
            Some(f) => format!(
                "; its input was read as {} (guessed from the file): if that is wrong, give --from ({})",
                f.name(),
                Format::NAMES
            ),
            None => String::new(),
        };
        // The JSON says what was found; the hint about the guessed format goes only to the
        // warning, so that `merge` of this run's shards writes the same JSON.
        let msg = format!("system {:?} has no entity mentions while the gold has {gold}", s.name);
        let diag = serde_json::json!({ "message": msg, "count": 1, "examples": [s.source] });
        match &mut s.diagnostics {
            serde_json::Value::Object(m) => {
                m.insert("empty-system".into(), diag);
            }
            other => *other = serde_json::json!({ "empty-system": diag }),
        }
        out.push(format!("{msg}{how}"));
    }
    out
}

/// The text tables of a score report, in the order `ieval score` prints them: how each
/// aligned input landed on the text (with `--align`), the entity, event and relation
/// summaries, the per-label tables named by `labels` (`none`, `all` or a comma-separated
/// list of modes and event metrics) and, with `confusion`, each system's confusion table.
pub fn tables(
    r: &ScoreReport,
    labels: &str,
    confusion: bool,
    alignment: Option<&std::collections::BTreeMap<String, crate::align::AlignReport>>,
) -> Vec<Table> {
    let mut tables: Vec<Table> = Vec::new();
    // Alignment first: how each label input landed on the text (counts; `ieval align`
    // shows the examples).
    for (name, a) in alignment.into_iter().flatten() {
        for t in a.tables().into_iter().take(2) {
            let title = t.title.clone().unwrap_or_default();
            tables.push(t.with_title(format!("{title} ({name})")));
        }
    }
    let has_events = r.systems.iter().any(|s| !s.events.is_empty());
    let has_entities = r.systems.iter().any(|s| !s.entities.is_empty());
    let head = format!(
        "gold {} ({} documents, {} entities, {} events, {} arguments), profile {}",
        r.gold.source, r.gold.documents, r.gold.entities, r.gold.events, r.gold.arguments, r.ieval.profile
    );
    if has_entities {
        tables.push(summary_table(r).with_title(head.clone()));
    }
    if has_events {
        let matching = format!("events, {} matching", r.ieval.event_matching.join(" + "));
        let title = if has_entities { matching } else { format!("{head}; {matching}") };
        tables.push(event_summary_table(r).with_title(title));
    }
    let names: Vec<String> = match labels {
        "none" => Vec::new(),
        "all" => {
            let mut v: Vec<String> = ["strict", "exact", "partial", "type"].iter().map(|s| s.to_string()).collect();
            v.extend(crate::score::EventMetric::ALL.iter().map(|m| m.name().to_string()));
            v.push(TYPE_ROLE_TABLE.to_string());
            v
        }
        list => list.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect(),
    };
    let has_relations = r.systems.iter().any(|s| !s.relations.is_empty());
    if has_relations {
        let head = format!(
            "gold {} ({} documents, {} relations), profile {}",
            r.gold.source, r.gold.documents, r.gold.relations, r.ieval.profile
        );
        let title =
            if has_entities || has_events { format!("relations ({} in the gold)", r.gold.relations) } else { head };
        tables.push(relation_summary_table(r).with_title(title));
    }
    let mut names = names;
    if labels == "all" && has_relations && has_entities {
        names.extend(["boundaries", "relaxed"].map(String::from));
    }
    for n in names {
        if has_label_table(r, &n) {
            tables.push(label_table(r, &n));
        }
        // A relation mode's name gives its per-label table too (`strict` names an entity
        // mode as well: with entities scored, it gives both tables).
        if has_relations && let Some(m) = crate::score::relation::RelMode::from_name(&n) {
            tables.push(relation_label_table(r, m));
        }
    }
    if confusion {
        for s in &r.systems {
            tables.push(confusion_table(s));
        }
    }
    tables
}
