//! Tables for corpus statistics.

use std::collections::BTreeMap;

use super::{Align, Table};
use crate::stats::CorpusStats;

/// One row per label and its count, then a `total` row when `total` is given.
fn push_counts(t: &mut Table, counts: &BTreeMap<String, u64>, total: Option<u64>) {
    for (l, n) in counts {
        t.push([l.clone(), n.to_string()]);
    }
    if let Some(total) = total {
        t.push(["total".to_string(), total.to_string()]);
    }
}

/// The statistics as tables: the corpus totals, one table per set, and the diagnostics.
pub fn stats_tables(s: &CorpusStats) -> Vec<Table> {
    let mut out = Vec::new();
    let mut t = Table::new(["documents", "sentences", "tokens", "characters"]).with_title("corpus");
    t.push([s.documents.to_string(), s.sentences.to_string(), s.tokens.to_string(), s.characters.to_string()]);
    out.push(t);
    for set in &s.sets {
        let mut t = Table::new(["label", "entities"]).with_title(format!(
            "set {} ({}): {} entities in {} documents{}{}",
            set.name,
            set.kind,
            set.entities,
            set.documents_with_annotations,
            if set.discontinuous_entities > 0 {
                format!(", {} discontinuous", set.discontinuous_entities)
            } else {
                String::new()
            },
            if set.overlapping_entity_pairs > 0 {
                format!(", {} overlapping pairs", set.overlapping_entity_pairs)
            } else {
                String::new()
            },
        ));
        push_counts(&mut t, &set.entities_by_label, Some(set.entities));
        out.push(t);
        if set.events > 0 {
            let mut t =
                Table::new(["event type", "events"]).with_title(format!("set {}: {} events", set.name, set.events));
            push_counts(&mut t, &set.events_by_type, Some(set.events));
            out.push(t);
            let mut t =
                Table::new(["role", "arguments"]).with_title(format!("set {}: {} arguments", set.name, set.arguments));
            push_counts(&mut t, &set.arguments_by_role, Some(set.arguments));
            out.push(t);
        }
        if set.relations > 0 {
            let mut t =
                Table::new(["relation", "count"]).with_title(format!("set {}: {} relations", set.name, set.relations));
            push_counts(&mut t, &set.relations_by_label, None);
            out.push(t);
        }
    }
    let notes: Vec<_> = s.diagnostics.kinds.iter().filter(|(_, d)| d.note).collect();
    if !notes.is_empty() {
        let mut t = Table::new(["note", "count", "first at"]).with_title("notes");
        // Locations are text: left-aligned, so long paths do not push the column right.
        t.align[2] = Align::Left;
        for (kind, d) in notes {
            t.push([
                format!("{kind}: {}", d.message),
                d.count.to_string(),
                d.examples.first().cloned().unwrap_or_default(),
            ]);
        }
        out.push(t);
    }
    let mut t = Table::new(["repair or problem", "count", "first at"]).with_title(if s.diagnostics.is_empty() {
        "repairs: none".to_string()
    } else {
        format!("repairs and problems: {}", s.diagnostics.total())
    });
    t.align[2] = Align::Left;
    for (kind, d) in s.diagnostics.kinds.iter().filter(|(_, d)| !d.note) {
        t.push([
            format!("{kind}: {}", d.message),
            d.count.to_string(),
            d.examples.first().cloned().unwrap_or_default(),
        ]);
    }
    out.push(t);
    out
}
