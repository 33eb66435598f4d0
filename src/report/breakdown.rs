//! Mention-level breakdowns for the HTML report, collected while scoring (a
//! [`DetailSink`]): bucketed precision/recall/F1 (ExplainaBoard-style: a gold mention's
//! bucket decides recall, a predicted mention's bucket decides precision) and the documents
//! with the most errors, kept with their spans for the document viewer.
//!
//! Buckets (strict mode):
//! - `length`: the mention's length in tokens (1, 2, 3, 4+; whitespace-separated words
//!   when the document has no tokens);
//! - `label`;
//! - `position` in the article: `headline` = the document title when the text starts with
//!   it, else the first sentence (first line when sentences are unknown); `lead` = the
//!   sentences after the headline up to and including the first one that ends with
//!   sentence-final punctuation (so a dateline or a standfirst joins the first real
//!   sentence); `body` = the rest;
//! - `capitalization` of the mention text: `ALL CAPS` (two or more letters, none lower
//!   case), `Title Case` (every word starts with an upper-case letter), `lower` (no upper
//!   case letter), `mixed` (anything else), `no letters`;
//! - `training` (when a training split is given): `seen (same label)` when the exact
//!   surface text is a gold mention with that label in the training split, `seen (other
//!   label)` when it is one with other labels only, `unseen` otherwise.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::inputs::{Item, ReaderSpec};
use crate::model::{DocAnnotations, Document, Mention, Span};
use crate::score::Mode;
use crate::score::event::{ArgOutcome, TriggerOutcome};
use crate::score::matching::Category;
use crate::score::run::{DetailSink, DocDetails};

/// Counts of one bucket for one system.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BucketCounts {
    pub gold: u64,
    pub gold_cor: u64,
    pub pred: u64,
    pub pred_cor: u64,
}

impl BucketCounts {
    pub fn recall(&self) -> Option<f64> {
        (self.gold > 0).then(|| self.gold_cor as f64 / self.gold as f64)
    }
    pub fn precision(&self) -> Option<f64> {
        (self.pred > 0).then(|| self.pred_cor as f64 / self.pred as f64)
    }
    /// F1 from the bucket's precision and recall (0 when one side is empty but not both).
    pub fn f1(&self) -> Option<f64> {
        match (self.precision(), self.recall()) {
            (Some(p), Some(r)) => Some(if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 }),
            _ if self.gold + self.pred > 0 => Some(0.0),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    pub name: String,
    pub systems: Vec<BucketCounts>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dimension {
    pub name: String,
    pub description: String,
    pub buckets: Vec<Bucket>,
}

/// A span in a viewed document: byte range, label, and its category (entities: strict;
/// triggers: TC; arguments: AC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViewSpan {
    pub start: usize,
    pub end: usize,
    pub label: String,
    pub category: String,
    /// `entity`, `trigger` (label: the event type) or `argument` (label: the role).
    pub kind: &'static str,
}

/// One document for the viewer.
#[derive(Debug, Clone, Serialize)]
pub struct ViewDoc {
    pub order: usize,
    pub id: String,
    pub text: String,
    /// Gold spans with their category per system: `gold[k][i]`.
    pub gold: Vec<Vec<ViewSpan>>,
    /// Predicted spans per system.
    pub pred: Vec<Vec<ViewSpan>>,
    /// Gold triggers and arguments with their TC / AC category per system (empty when
    /// neither side has events).
    pub gold_events: Vec<Vec<ViewSpan>>,
    /// Predicted triggers and arguments per system.
    pub pred_events: Vec<Vec<ViewSpan>>,
    /// Errors (non-COR gold and predicted mentions, triggers (TC) and arguments (AC)) per
    /// system.
    pub errors: Vec<u64>,
}

impl ViewDoc {
    fn total_errors(&self) -> u64 {
        self.errors.iter().sum()
    }
}

/// Training-split surface forms: text -> labels.
pub type Seen = HashMap<String, BTreeSet<String>>;

/// The surface forms of the gold mentions of a training split (any input, read as `spec`
/// says; its gold set is each record's first set: CoNLL's first tag column), with their
/// labels.
pub fn seen_forms(train: &Path, spec: &ReaderSpec) -> Result<Seen> {
    let (_, src) = crate::inputs::open(std::slice::from_ref(&train.to_path_buf()), spec)?;
    let mut seen = Seen::new();
    for rec in src {
        let rec = rec?;
        if let Some(set) = rec.sets.first() {
            for m in &set.entities {
                if let Some(t) = m.span.slice(&rec.document.text) {
                    seen.entry(t.to_string()).or_default().insert(m.label.to_string());
                }
            }
        }
    }
    Ok(seen)
}

/// Collects the breakdowns while scoring.
pub struct Breakdown {
    systems: usize,
    max_docs: usize,
    seen: Option<Seen>,
    counts: BTreeMap<(usize, String, String), Vec<BucketCounts>>,
    current: Option<ViewDoc>,
    docs: Vec<ViewDoc>,
    seq: usize,
}

const DIMENSIONS: [(&str, &str); 5] = [
    ("length", "mention length in tokens"),
    ("label", "entity label"),
    ("position", "position in the article: headline, lead (up to the first full sentence after it), body"),
    ("capitalization", "capitalization of the mention text"),
    ("training", "surface form seen as a gold mention in the training split"),
];

/// Sort rank of a bucket within its dimension.
fn bucket_rank(dim: usize, name: &str) -> (usize, String) {
    let fixed: &[&str] = match dim {
        0 => &["1", "2", "3", "4+"],
        2 => &["headline", "lead", "body"],
        3 => &["ALL CAPS", "Title Case", "lower", "mixed", "no letters"],
        4 => &["seen (same label)", "seen (other label)", "unseen"],
        _ => &[],
    };
    (fixed.iter().position(|f| *f == name).unwrap_or(fixed.len()), name.to_string())
}

/// Where the headline and the lead end (byte offsets).
pub fn sections(doc: &Document) -> (usize, usize) {
    let text = &doc.text;
    let units: Vec<Span> = if doc.sentences.is_empty() {
        let mut v = Vec::new();
        let mut start = 0;
        for (i, _) in text.match_indices('\n') {
            if !text[start..i].trim().is_empty() {
                v.push(Span::new(start, i));
            }
            start = i + 1;
        }
        if !text[start..].trim().is_empty() {
            v.push(Span::new(start, text.len()));
        }
        v
    } else {
        doc.sentences.clone()
    };
    let lead_text = text.trim_start();
    let title_end = doc.meta.title.as_deref().map(str::trim).filter(|t| !t.is_empty() && lead_text.starts_with(*t));
    let headline_end = match (title_end, units.first()) {
        (Some(t), _) => text.len() - lead_text.len() + t.len(),
        (None, Some(s)) => s.end,
        (None, None) => text.len(),
    };
    let mut lead_end = headline_end;
    for s in units.iter().filter(|s| s.start >= headline_end) {
        lead_end = s.end;
        let t = text.get(s.start..s.end).unwrap_or("").trim_end();
        let t = t.trim_end_matches(['"', '\'', '”', '’', ')', '»']);
        if t.ends_with(['.', '!', '?']) {
            break;
        }
    }
    (headline_end, lead_end.max(headline_end))
}

pub fn capitalization(s: &str) -> &'static str {
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return "no letters";
    }
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    let lower = letters.iter().filter(|c| c.is_lowercase()).count();
    if lower == 0 && upper >= 2 {
        return "ALL CAPS";
    }
    if upper == 0 {
        return "lower";
    }
    let title = s.split_whitespace().all(|w| w.chars().find(|c| c.is_alphabetic()).is_none_or(|c| c.is_uppercase()));
    if title { "Title Case" } else { "mixed" }
}

fn length_bucket(doc: &Document, sp: Span) -> String {
    let n = if doc.tokens.is_empty() {
        doc.text.get(sp.start..sp.end).unwrap_or("").split_whitespace().count()
    } else {
        let first = doc.tokens.partition_point(|t| t.end <= sp.start);
        let last = doc.tokens.partition_point(|t| t.start < sp.end);
        last.saturating_sub(first)
    };
    match n {
        0 | 1 => "1".into(),
        2 => "2".into(),
        3 => "3".into(),
        _ => "4+".into(),
    }
}

impl Breakdown {
    pub fn new(systems: usize, max_docs: usize, seen: Option<Seen>) -> Self {
        Breakdown { systems, max_docs, seen, counts: BTreeMap::new(), current: None, docs: Vec::new(), seq: 0 }
    }

    fn buckets_of(&self, doc: &Document, sp: Span, label: &str, secs: (usize, usize)) -> Vec<(usize, String)> {
        let text = doc.text.get(sp.start..sp.end).unwrap_or("");
        let pos = if sp.start < secs.0 {
            "headline"
        } else if sp.start < secs.1 {
            "lead"
        } else {
            "body"
        };
        let mut v = vec![
            (0, length_bucket(doc, sp)),
            (1, label.to_string()),
            (2, pos.to_string()),
            (3, capitalization(text).to_string()),
        ];
        if let Some(seen) = &self.seen {
            let b = match seen.get(text) {
                Some(ls) if ls.contains(label) => "seen (same label)",
                Some(_) => "seen (other label)",
                None => "unseen",
            };
            v.push((4, b.to_string()));
        }
        v
    }

    fn bump(&mut self, key: (usize, String), system: usize, f: impl Fn(&mut BucketCounts)) {
        let (dim, name) = key;
        let n = self.systems;
        let e = self
            .counts
            .entry((dim, bucket_rank(dim, &name).0.to_string(), name))
            .or_insert_with(|| vec![BucketCounts::default(); n]);
        if let Some(c) = e.get_mut(system) {
            f(c);
        }
    }

    /// One side's entity mentions (`gold`, or predicted) with their categories: counted in
    /// their buckets and returned as viewer spans, with how many are not COR.
    fn entity_side<T>(
        &mut self,
        doc: &Document,
        system: usize,
        secs: (usize, usize),
        gold: bool,
        mentions: &[Mention],
        cats: &[(Category, T)],
    ) -> (Vec<ViewSpan>, u64) {
        let mut spans = Vec::with_capacity(mentions.len());
        let mut errors = 0;
        for (x, (c, _)) in mentions.iter().zip(cats) {
            let ok = *c == Category::Cor;
            for key in self.buckets_of(doc, x.span, &x.label, secs) {
                self.bump(key, system, |b| {
                    let (n, cor) = if gold { (&mut b.gold, &mut b.gold_cor) } else { (&mut b.pred, &mut b.pred_cor) };
                    *n += 1;
                    *cor += ok as u64;
                });
            }
            errors += (!ok) as u64;
            spans.push(ViewSpan {
                start: x.span.start,
                end: x.span.end,
                label: x.label.to_string(),
                category: c.name().into(),
                kind: "entity",
            });
        }
        (spans, errors)
    }

    fn flush(&mut self) {
        if let Some(d) = self.current.take() {
            self.docs.push(d);
            if self.docs.len() >= 2 * self.max_docs.max(1) {
                self.trim();
            }
        }
    }

    fn trim(&mut self) {
        self.docs.sort_by(|a, b| b.total_errors().cmp(&a.total_errors()).then(a.order.cmp(&b.order)));
        self.docs.truncate(self.max_docs);
    }

    /// The bucket dimensions with their counts per system.
    pub fn finish(mut self) -> (Vec<Dimension>, Vec<ViewDoc>) {
        self.flush();
        self.trim();
        let mut dims: Vec<Dimension> = Vec::new();
        for ((dim, _, name), systems) in std::mem::take(&mut self.counts) {
            if dims.last().is_none_or(|d| d.name != DIMENSIONS[dim].0) {
                dims.push(Dimension {
                    name: DIMENSIONS[dim].0.to_string(),
                    description: DIMENSIONS[dim].1.to_string(),
                    buckets: Vec::new(),
                });
            }
            if let Some(d) = dims.last_mut() {
                d.buckets.push(Bucket { name, systems });
            }
        }
        // Labels sort alphabetically: the rank string is the same for all of them.
        (dims, self.docs)
    }
}

impl DetailSink for Breakdown {
    fn document(&mut self, item: &Item, system: usize, details: &DocDetails) -> Result<()> {
        let doc = &item.doc;
        if self.current.as_ref().is_none_or(|c| c.id != doc.id) {
            self.flush();
            self.current = Some(ViewDoc {
                order: self.seq,
                id: doc.id.clone(),
                text: doc.text.clone(),
                gold: vec![Vec::new(); self.systems],
                pred: vec![Vec::new(); self.systems],
                gold_events: vec![Vec::new(); self.systems],
                pred_events: vec![Vec::new(); self.systems],
                errors: vec![0; self.systems],
            });
            self.seq += 1;
        }
        if let Some(ev) = &details.events {
            let empty = DocAnnotations::default();
            let pred = item.preds.get(system).and_then(|p| p.as_ref()).unwrap_or(&empty);
            let (g, ge) = event_spans(&item.gold, &ev.gold_events, &ev.gold_args);
            let (p, pe) = event_spans(pred, &ev.pred_events, &ev.pred_args);
            if let Some(cur) = self.current.as_mut()
                && system < self.systems
            {
                cur.gold_events[system] = g;
                cur.pred_events[system] = p;
                cur.errors[system] += ge + pe;
            }
        }
        let Some(details) = &details.entities else { return Ok(()) };
        let secs = sections(doc);
        let m = &details[Mode::Strict.index()];
        let empty = Vec::new();
        let preds = item.preds.get(system).and_then(|p| p.as_ref()).map_or(&empty, |p| &p.entities);
        let (gold_spans, gold_errors) = self.entity_side(doc, system, secs, true, &item.gold.entities, &m.gold);
        let (pred_spans, pred_errors) = self.entity_side(doc, system, secs, false, preds, &m.pred);
        let errors = gold_errors + pred_errors;
        if let Some(cur) = self.current.as_mut()
            && system < self.systems
        {
            cur.gold[system] = gold_spans;
            cur.pred[system] = pred_spans;
            cur.errors[system] += errors;
        }
        Ok(())
    }
}

/// The triggers (TC category) and arguments (AC category) of one side, and how many of
/// them are not COR.
fn event_spans(
    side: &DocAnnotations,
    outcomes: &[[TriggerOutcome; 2]],
    args: &[Vec<[ArgOutcome; 4]>],
) -> (Vec<ViewSpan>, u64) {
    let mut out = Vec::new();
    let mut errors = 0;
    for (i, e) in side.events.iter().enumerate() {
        let Some(t) = outcomes.get(i) else { continue };
        errors += (t[1].0 != Category::Cor) as u64;
        out.push(ViewSpan {
            start: e.trigger.span.start,
            end: e.trigger.span.end,
            label: e.event_type.clone(),
            category: t[1].0.name().into(),
            kind: "trigger",
        });
        for (k, a) in e.arguments.iter().enumerate() {
            let Some(o) = args.get(i).and_then(|v| v.get(k)) else { continue };
            errors += (o[1].0 != Category::Cor) as u64;
            out.push(ViewSpan {
                start: a.span.start,
                end: a.span.end,
                label: a.role.clone(),
                category: o[1].0.name().into(),
                kind: "argument",
            });
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitalization_buckets() {
        assert_eq!(capitalization("JAPAN"), "ALL CAPS");
        assert_eq!(capitalization("New York"), "Title Case");
        assert_eq!(capitalization("Bank of England"), "mixed");
        assert_eq!(capitalization("iPhone"), "mixed");
        assert_eq!(capitalization("euro"), "lower");
        assert_eq!(capitalization("A"), "Title Case");
        assert_eq!(capitalization("1996"), "no letters");
    }

    #[test]
    fn sections_of_a_conll_like_document() {
        let text = "SOCCER - JAPAN WIN\nAL-AIN 1996-12-06\nJapan began the defence .\nMore text .";
        let mut doc = Document::new("d", text);
        let mut start = 0;
        for line in text.split('\n') {
            doc.sentences.push(Span::new(start, start + line.len()));
            start += line.len() + 1;
        }
        let (h, l) = sections(&doc);
        assert_eq!(&text[..h], "SOCCER - JAPAN WIN");
        assert_eq!(&text[h..l], "\nAL-AIN 1996-12-06\nJapan began the defence .");
        // No sentences: lines; a title that opens the text is the headline.
        let mut doc = Document::new("d", "Big news today\n\nLONDON\n\nIt happened. Then more.");
        doc.meta.title = Some("Big news".into());
        let (h, l) = sections(&doc);
        assert_eq!(&doc.text[..h], "Big news");
        assert_eq!(&doc.text[l..], "");
        doc.meta.title = None;
        let (h, _) = sections(&doc);
        assert_eq!(&doc.text[..h], "Big news today");
    }
}
