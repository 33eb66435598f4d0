//! Corpus statistics: what `ieval stats` and `ieval convert` report.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::formats::{Diagnostics, Record};
use crate::model::SetMeta;

/// Counts over one annotation set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SetStats {
    pub name: String,
    pub kind: String,
    pub documents_with_annotations: u64,
    pub entities: u64,
    pub entities_by_label: BTreeMap<String, u64>,
    pub discontinuous_entities: u64,
    /// Pairs of entities in one document whose spans overlap (nested or crossing).
    pub overlapping_entity_pairs: u64,
    pub events: u64,
    pub events_by_type: BTreeMap<String, u64>,
    pub arguments: u64,
    pub arguments_by_role: BTreeMap<String, u64>,
    pub relations: u64,
    pub relations_by_label: BTreeMap<String, u64>,
}

/// Counts over a corpus and its sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CorpusStats {
    pub documents: u64,
    pub sentences: u64,
    pub tokens: u64,
    /// Characters (code points) of text.
    pub characters: u64,
    pub sets: Vec<SetStats>,
    /// Repairs made and problems tolerated while reading.
    pub diagnostics: Diagnostics,
}

impl CorpusStats {
    pub fn new(sets: &[SetMeta]) -> Self {
        CorpusStats {
            sets: sets
                .iter()
                .map(|m| SetStats {
                    name: m.name().to_string(),
                    kind: if m.is_gold() { "gold".into() } else { "system".into() },
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    /// Count one record.
    pub fn add(&mut self, rec: &Record) {
        let d = &rec.document;
        self.documents += 1;
        self.sentences += d.sentences.len() as u64;
        self.tokens += d.tokens.len() as u64;
        self.characters += d.text.chars().count() as u64;
        for (s, ann) in self.sets.iter_mut().zip(&rec.sets) {
            if !ann.is_empty() {
                s.documents_with_annotations += 1;
            }
            s.entities += ann.entities.len() as u64;
            for m in &ann.entities {
                *s.entities_by_label.entry(m.label.to_string()).or_default() += 1;
                if m.is_discontinuous() {
                    s.discontinuous_entities += 1;
                }
            }
            s.overlapping_entity_pairs += overlapping_pairs(ann.entities.iter().map(|m| (m.span.start, m.span.end)));
            s.events += ann.events.len() as u64;
            for e in &ann.events {
                *s.events_by_type.entry(e.event_type.clone()).or_default() += 1;
                s.arguments += e.arguments.len() as u64;
                for a in &e.arguments {
                    *s.arguments_by_role.entry(a.role.clone()).or_default() += 1;
                }
            }
            s.relations += ann.relations.len() as u64;
            for r in &ann.relations {
                *s.relations_by_label.entry(r.label.clone()).or_default() += 1;
            }
        }
    }
}

/// Number of pairs of distinct-or-equal spans that share at least one byte, by a sweep over
/// spans sorted by start (O(n log n + pairs)).
fn overlapping_pairs(spans: impl Iterator<Item = (usize, usize)>) -> u64 {
    let mut v: Vec<(usize, usize)> = spans.filter(|(s, e)| e > s).collect();
    v.sort_unstable();
    let mut active: Vec<usize> = Vec::new(); // ends of spans still open
    let mut pairs = 0u64;
    for (s, e) in v {
        active.retain(|&end| end > s);
        pairs += active.len() as u64;
        active.push(e);
    }
    pairs
}

#[cfg(test)]
mod tests {
    #[test]
    fn overlaps() {
        let p = super::overlapping_pairs([(0, 10), (2, 4), (3, 12), (20, 22)].into_iter());
        assert_eq!(p, 3);
    }
}
