//! The machine-readable result of a scoring run (`--format json`) and its tables.
//!
//! JSON shape (stable; fractions in [0, 1], `null` for undefined):
//! ```text
//! { "ieval":  { "version", "profile", "quirks": [..] },
//!   "gold":   { "name", "source", "documents", "entities", "diagnostics" },
//!   "systems": [ { "name", "version", "source", "documents",
//!                  "entities": { "<mode>": { "micro": Summary, "macro": Prf, "weighted": Prf,
//!                                            "documents": Prf, "labels": { "<label>": Summary } } },
//!                  "confusion": [ { "gold", "pred", "count" } ],
//!                  "diagnostics": { .. } } ] }
//! ```
//! `Summary` = `{cor, inc, par, mis, spu, possible, actual, tp, fp, fn, precision, recall, f1}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::counts::{EntityCounts, Mode};
use super::metrics::{Prf, Summary, document_avg, macro_avg, summarize, weighted_avg};
use super::profile::Profile;
use super::run::{ScoreRun, SystemScore};
use crate::formats::Diagnostics;
use crate::model::SetKind;
use crate::report::Table;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    pub version: String,
    pub profile: String,
    pub quirks: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GoldInfo {
    pub name: String,
    pub source: String,
    pub documents: u64,
    pub entities: u64,
    #[serde(default)]
    pub diagnostics: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModeReport {
    pub micro: Summary,
    #[serde(rename = "macro")]
    pub macro_: Prf,
    pub weighted: Prf,
    pub documents: Prf,
    pub labels: BTreeMap<String, Summary>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfusionCell {
    pub gold: Option<String>,
    pub pred: Option<String>,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SystemReport {
    pub name: String,
    pub version: Option<String>,
    pub source: String,
    pub documents: u64,
    pub entities: BTreeMap<String, ModeReport>,
    pub confusion: Vec<ConfusionCell>,
    #[serde(default)]
    pub diagnostics: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    let zero = profile.zero_for_undefined();
    let half = mode.half_credit();
    let mc = total.mode(mode);
    let labels: BTreeMap<String, Summary> =
        mc.labels.iter().map(|(l, t)| (l.clone(), summarize(t, half, zero))).collect();
    let label_vals: Vec<Summary> = labels.values().copied().collect();
    let doc_vals: Vec<Summary> = docs.iter().map(|d| summarize(&d.mode(mode).overall, half, zero)).collect();
    ModeReport {
        micro: summarize(&mc.overall, half, zero),
        macro_: macro_avg(&label_vals, zero),
        weighted: weighted_avg(&label_vals, zero),
        documents: document_avg(&doc_vals, false),
        labels,
    }
}

fn system_report(s: &SystemScore, profile: Profile) -> SystemReport {
    let docs: Vec<&EntityCounts> = s.docs.iter().map(|d| &d.entities).collect();
    let entities =
        profile.modes().iter().map(|&m| (m.name().to_string(), mode_report(&s.total, &docs, m, profile))).collect();
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
        },
        gold: GoldInfo {
            name: run.gold.name().to_string(),
            source: run.gold.source.clone(),
            documents: run.gold_documents,
            entities: run.gold_entities,
            diagnostics: diag_json(&run.gold_diagnostics),
        },
        systems: run.systems.iter().map(|s| system_report(s, run.profile)).collect(),
        alignment: None,
    }
}

/// A percentage with two decimals, or `-` when undefined.
pub fn pct(x: Option<f64>) -> String {
    match x {
        Some(v) => format!("{:.2}", 100.0 * v),
        None => "-".to_string(),
    }
}

/// One row per system and mode: micro P/R/F1 and the MUC categories.
pub fn summary_table(r: &ScoreReport) -> Table {
    let mut t = Table::new(["system", "mode", "P", "R", "F1", "COR", "INC", "PAR", "MIS", "SPU", "POS", "ACT"]);
    t.align[1] = crate::report::Align::Left;
    for s in &r.systems {
        // Modes in their natural order, not alphabetical.
        let modes = Mode::ALL.iter().filter_map(|m| s.entities.get(m.name()).map(|r| (m.name(), r)));
        for (mode, m) in modes {
            let u = &m.micro;
            t.push([
                s.name.clone(),
                mode.to_string(),
                pct(u.precision),
                pct(u.recall),
                pct(u.f1),
                u.cor.to_string(),
                u.inc.to_string(),
                u.par.to_string(),
                u.mis.to_string(),
                u.spu.to_string(),
                u.possible.to_string(),
                u.actual.to_string(),
            ]);
        }
    }
    t
}

/// Per-label rows of one mode for every system, with the micro/macro/weighted/document
/// averages.
pub fn label_table(r: &ScoreReport, mode: &str) -> Table {
    let mut t = Table::new(["system", "label", "P", "R", "F1", "COR", "MIS", "SPU", "support"]);
    t.align[1] = crate::report::Align::Left;
    for s in &r.systems {
        let Some(m) = s.entities.get(mode) else { continue };
        for (l, u) in &m.labels {
            t.push([
                s.name.clone(),
                l.clone(),
                pct(u.precision),
                pct(u.recall),
                pct(u.f1),
                u.cor.to_string(),
                u.mis.to_string(),
                u.spu.to_string(),
                u.possible.to_string(),
            ]);
        }
        for (name, p) in [
            ("micro", Prf { precision: m.micro.precision, recall: m.micro.recall, f1: m.micro.f1 }),
            ("macro", m.macro_),
            ("weighted", m.weighted),
            ("documents", m.documents),
        ] {
            let support = if name == "documents" { s.documents.to_string() } else { m.micro.possible.to_string() };
            t.push([
                s.name.clone(),
                format!("({name})"),
                pct(p.precision),
                pct(p.recall),
                pct(p.f1),
                String::new(),
                String::new(),
                String::new(),
                support,
            ]);
        }
    }
    t.with_title(format!("per label, {mode} mode"))
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
