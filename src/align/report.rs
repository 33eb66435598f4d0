//! The AlignReport: what alignment did to every label, counted per class, label kind and
//! reason, with examples; rendered as tables or serialized as JSON.
//!
//! Counts add (`+=`), so per-document reports merge into one in input order, whatever the
//! number of threads.

use std::collections::BTreeMap;

use serde::Serialize;

use super::text::{AlignClass, Reason};
use crate::formats::Diagnostics;
use crate::table::Table;

/// What a label is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelKind {
    Entity,
    Trigger,
    Argument,
}

impl LabelKind {
    pub fn name(self) -> &'static str {
        match self {
            LabelKind::Entity => "entity",
            LabelKind::Trigger => "trigger",
            LabelKind::Argument => "argument",
        }
    }
}

/// Labels per class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClassCounts {
    pub exact: u64,
    pub shifted: u64,
    pub retokenized: u64,
    pub ambiguous: u64,
    pub unalignable: u64,
}

impl ClassCounts {
    pub fn add(&mut self, class: AlignClass) {
        *self.get_mut(class) += 1;
    }
    fn get_mut(&mut self, class: AlignClass) -> &mut u64 {
        match class {
            AlignClass::Exact => &mut self.exact,
            AlignClass::Shifted => &mut self.shifted,
            AlignClass::Retokenized => &mut self.retokenized,
            AlignClass::Ambiguous => &mut self.ambiguous,
            AlignClass::Unalignable => &mut self.unalignable,
        }
    }
    pub fn get(&self, class: AlignClass) -> u64 {
        match class {
            AlignClass::Exact => self.exact,
            AlignClass::Shifted => self.shifted,
            AlignClass::Retokenized => self.retokenized,
            AlignClass::Ambiguous => self.ambiguous,
            AlignClass::Unalignable => self.unalignable,
        }
    }
    pub fn total(&self) -> u64 {
        self.exact + self.shifted + self.retokenized + self.ambiguous + self.unalignable
    }
    /// Labels placed somewhere (every class but unalignable).
    pub fn placed(&self) -> u64 {
        self.total() - self.unalignable
    }
}

impl std::ops::AddAssign for ClassCounts {
    fn add_assign(&mut self, o: ClassCounts) {
        self.exact += o.exact;
        self.shifted += o.shifted;
        self.retokenized += o.retokenized;
        self.ambiguous += o.ambiguous;
        self.unalignable += o.unalignable;
    }
}

/// One label, as an example of its class. Offsets are code points, end-exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    pub class: AlignClass,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    pub kind: LabelKind,
    /// Entity label, event type, or argument role.
    pub label: String,
    /// The document the label came with.
    pub source_doc: String,
    /// Where it was in its own text (absent for string-only labels).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<[usize; 2]>,
    /// Its text (or the string to find).
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_doc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<[usize; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_text: Option<String>,
    /// For ambiguous strings: every occurrence in the target document.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub occurrences: Vec<[usize; 2]>,
}

/// What happened to the labels that could not be placed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnalignedOutcome {
    /// `keep`, `drop` or `error`.
    pub policy: String,
    /// Kept in the output without a span (empty span at 0, attribute `ieval:unaligned`).
    pub kept: u64,
    /// Left out of the output.
    pub dropped: u64,
    /// What the kept ones mean for scoring, in words.
    pub effect: String,
}

/// Everything about one annotation set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SetReport {
    pub name: String,
    /// `gold` or `system`.
    pub kind: String,
    pub counts: ClassCounts,
    pub by_kind: BTreeMap<LabelKind, ClassCounts>,
    /// Labels per reason (retokenized and unalignable ones, ambiguous ones).
    pub reasons: BTreeMap<Reason, u64>,
    pub unaligned: UnalignedOutcome,
    /// Mentions, triggers and arguments written (an ambiguous string under `all` writes
    /// several; a dropped one none).
    pub written: u64,
    /// Other things done on the way (heads dropped, relations dropped, ids renamed,
    /// duplicate strings merged), counted.
    pub notes: BTreeMap<String, u64>,
    /// The first examples of each class but exact, in input order.
    pub examples: BTreeMap<AlignClass, Vec<Example>>,
}

impl SetReport {
    pub fn new(name: &str, gold: bool) -> Self {
        SetReport { name: name.to_string(), kind: if gold { "gold" } else { "system" }.into(), ..Default::default() }
    }

    pub fn is_gold(&self) -> bool {
        self.kind == "gold"
    }

    pub fn count(&mut self, kind: LabelKind, class: AlignClass, reason: Option<Reason>) {
        self.counts.add(class);
        self.by_kind.entry(kind).or_default().add(class);
        if let Some(r) = reason {
            *self.reasons.entry(r).or_insert(0) += 1;
        }
    }

    pub fn note(&mut self, what: &str, n: u64) {
        if n > 0 {
            *self.notes.entry(what.to_string()).or_insert(0) += n;
        }
    }

    /// Whether an example of `class` would still be kept (building one costs).
    pub fn wants_example(&self, class: AlignClass, max: usize) -> bool {
        class != AlignClass::Exact && self.examples.get(&class).is_none_or(|v| v.len() < max)
    }

    /// Keep `ex` if its class still wants examples.
    pub fn example(&mut self, ex: Example, max: usize) {
        if ex.class == AlignClass::Exact {
            return;
        }
        let v = self.examples.entry(ex.class).or_default();
        if v.len() < max {
            v.push(ex);
        }
    }

    /// Fold in the report of a later part of the input.
    pub fn merge(&mut self, o: SetReport, max: usize) {
        self.counts += o.counts;
        for (k, c) in o.by_kind {
            *self.by_kind.entry(k).or_default() += c;
        }
        for (r, n) in o.reasons {
            *self.reasons.entry(r).or_insert(0) += n;
        }
        self.unaligned.kept += o.unaligned.kept;
        self.unaligned.dropped += o.unaligned.dropped;
        self.written += o.written;
        for (k, n) in o.notes {
            *self.notes.entry(k).or_insert(0) += n;
        }
        for (c, v) in o.examples {
            let mine = self.examples.entry(c).or_default();
            for e in v {
                if mine.len() < max {
                    mine.push(e);
                }
            }
        }
    }
}

/// How one source document was paired with the corpus.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pairing {
    pub source_doc: String,
    /// `id` (the corpus document with the same id), `content` (the whole corpus), or
    /// `strings` (labels located by their strings in the document with the same id).
    pub mode: String,
    /// Corpus documents that received aligned text, with the number of characters.
    pub targets: BTreeMap<String, usize>,
    /// Share of the source's normalized text that found a partner.
    pub coverage: f64,
    /// Set when the id pairing aligned less than half the text and content was tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AlignReport {
    /// Corpus documents, and how many received labels' text.
    pub corpus_documents: usize,
    pub covered_documents: usize,
    /// Source documents (as read from the labels' input).
    pub source_documents: usize,
    pub paired_by_id: usize,
    pub aligned_by_content: usize,
    /// Normalized source characters, and how many found a partner.
    pub source_chars: usize,
    pub aligned_chars: usize,
    pub sets: Vec<SetReport>,
    pub pairings: Vec<Pairing>,
    /// The settings used.
    pub settings: BTreeMap<String, String>,
    /// What reading the labels found (repairs, notes), as the readers report it.
    pub reading: Diagnostics,
}

impl AlignReport {
    /// Labels that could not be placed, over all sets.
    pub fn unalignable(&self) -> u64 {
        self.sets.iter().map(|s| s.counts.unalignable).sum()
    }

    /// The report as tables: summary, reasons, what happened to the unplaced labels,
    /// pairings that did not align fully, and examples.
    pub fn tables(&self) -> Vec<Table> {
        let mut out = Vec::new();
        let pct =
            |a: usize, b: usize| if b == 0 { "-".to_string() } else { format!("{:.2}%", 100.0 * a as f64 / b as f64) };
        let mut t =
            Table::new(["source documents", "by id", "by content", "corpus documents", "covered", "text aligned"])
                .with_title("alignment");
        t.push([
            self.source_documents.to_string(),
            self.paired_by_id.to_string(),
            self.aligned_by_content.to_string(),
            self.corpus_documents.to_string(),
            self.covered_documents.to_string(),
            pct(self.aligned_chars, self.source_chars),
        ]);
        out.push(t);

        let mut t =
            Table::new(["set", "labels", "exact", "shifted", "retokenized", "ambiguous", "unalignable", "written"])
                .with_title("labels by class");
        for s in &self.sets {
            let row = |name: String, c: &ClassCounts, written: String| {
                let mut r = vec![name, c.total().to_string()];
                r.extend(AlignClass::ALL.iter().map(|&k| c.get(k).to_string()));
                r.push(written);
                r
            };
            let name = if s.name == s.kind { s.name.clone() } else { format!("{} ({})", s.name, s.kind) };
            t.push(row(name, &s.counts, s.written.to_string()));
            if s.by_kind.len() > 1 {
                for (k, c) in &s.by_kind {
                    t.push(row(format!("  {}", k.name()), c, String::new()));
                }
            }
        }
        out.push(t);

        let mut t = Table::new(["set", "reason", "labels"]).with_title("reasons");
        for s in &self.sets {
            for (r, n) in &s.reasons {
                t.push([s.name.clone(), r.name().to_string(), n.to_string()]);
            }
            for (what, n) in &s.notes {
                t.push([s.name.clone(), what.clone(), n.to_string()]);
            }
        }
        if !t.rows.is_empty() {
            out.push(t);
        }

        let mut t =
            Table::new(["set", "unalignable", "policy", "kept", "dropped", "effect"]).with_title("unaligned labels");
        for s in &self.sets {
            t.push([
                s.name.clone(),
                s.counts.unalignable.to_string(),
                s.unaligned.policy.clone(),
                s.unaligned.kept.to_string(),
                s.unaligned.dropped.to_string(),
                s.unaligned.effect.clone(),
            ]);
        }
        out.push(t);

        let partial: Vec<&Pairing> = self.pairings.iter().filter(|p| p.coverage < 1.0 || p.note.is_some()).collect();
        if !partial.is_empty() {
            let mut t = Table::new(["source document", "mode", "corpus documents", "text aligned", "note"])
                .with_title(format!("source documents not aligned completely: {}", partial.len()));
            for p in partial.iter().take(20) {
                let targets: Vec<&str> = p.targets.keys().map(String::as_str).take(4).collect();
                let more = if p.targets.len() > 4 { format!(" +{}", p.targets.len() - 4) } else { String::new() };
                t.push([
                    p.source_doc.clone(),
                    p.mode.clone(),
                    format!("{}{more}", targets.join(",")),
                    format!("{:.2}%", 100.0 * p.coverage),
                    p.note.clone().unwrap_or_default(),
                ]);
            }
            out.push(t);
        }

        for s in &self.sets {
            let mut t = Table::new(["class", "reason", "kind", "label", "document", "text", "->", "corpus text", "at"])
                .with_title(format!("examples: {}", s.name));
            for (class, v) in &s.examples {
                for e in v {
                    let at = match (e.source, e.target) {
                        (Some(a), Some(b)) => format!("{}-{} -> {}-{}", a[0], a[1], b[0], b[1]),
                        (None, Some(b)) => format!("{}-{}", b[0], b[1]),
                        (Some(a), None) => format!("{}-{} -> -", a[0], a[1]),
                        (None, None) => "-".to_string(),
                    };
                    let at = if e.occurrences.len() > 1 {
                        format!("{at} ({} occurrences)", e.occurrences.len())
                    } else {
                        at
                    };
                    t.push([
                        class.name().to_string(),
                        e.reason.map_or(String::new(), |r| r.name().to_string()),
                        e.kind.name().to_string(),
                        e.label.clone(),
                        match &e.target_doc {
                            Some(d) if *d != e.source_doc => format!("{} -> {d}", e.source_doc),
                            _ => e.source_doc.clone(),
                        },
                        clip(&e.text),
                        "->".to_string(),
                        e.target_text.as_deref().map_or("-".to_string(), clip),
                        at,
                    ]);
                }
            }
            if !t.rows.is_empty() {
                out.push(t);
            }
        }
        out
    }
}

/// Shorten a text for a table cell, on one line.
fn clip(s: &str) -> String {
    // Line breaks stay visible: they are often the difference being reported.
    let one: String = s
        .chars()
        .map(|c| match c {
            '\n' => '⏎',
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect();
    if one.chars().count() > 40 { format!("{}…", one.chars().take(39).collect::<String>()) } else { one }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_and_examples_are_capped() {
        let mut a = SetReport::new("gold", true);
        a.count(LabelKind::Entity, AlignClass::Shifted, None);
        a.count(LabelKind::Argument, AlignClass::Unalignable, Some(Reason::TextChanged));
        let ex = |text: &str| Example {
            class: AlignClass::Unalignable,
            reason: Some(Reason::TextChanged),
            kind: LabelKind::Argument,
            label: "Place".into(),
            source_doc: "d1".into(),
            source: Some([0, 5]),
            text: text.into(),
            target_doc: None,
            target: None,
            target_text: None,
            occurrences: vec![],
        };
        a.example(ex("one"), 1);
        let mut b = SetReport::new("gold", true);
        b.count(LabelKind::Entity, AlignClass::Unalignable, Some(Reason::TextChanged));
        b.example(ex("two"), 1);
        a.merge(b, 1);
        assert_eq!(a.counts.total(), 3);
        assert_eq!(a.counts.unalignable, 2);
        assert_eq!(a.reasons[&Reason::TextChanged], 2);
        assert_eq!(a.by_kind[&LabelKind::Entity].total(), 2);
        assert_eq!(a.examples[&AlignClass::Unalignable].len(), 1);
        assert_eq!(a.examples[&AlignClass::Unalignable][0].text, "one", "input order kept");
        let r = AlignReport { sets: vec![a], ..Default::default() };
        let v = serde_json::to_value(&r).expect("serializes");
        assert_eq!(v["sets"][0]["reasons"]["text-changed"], 2);
        assert_eq!(v["sets"][0]["by_kind"]["entity"]["unalignable"], 1);
        let text: String = r.tables().iter().map(|t| t.render(crate::table::TableFormat::Text)).collect();
        assert!(text.contains("text-changed"), "{text}");
    }
}
