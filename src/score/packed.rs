//! Per-document counts of one system, packed: what a scoring run keeps of every document
//! so that document averages, bootstrap intervals and paired tests can be computed after
//! the stream has gone by.
//!
//! A run over a million documents keeps a million entries per system, so each is a few
//! dozen bytes instead of the maps of [`EntityCounts`] (kilobytes): the document id, then
//! every [`LabelTally`] as a bit mask of its non-zero fields followed by those fields, all
//! LEB128 varints. Per-label counts of a document are kept only when asked for
//! ([`DocScores::new`]`(true)`: `compare`, the suite runner); labels are interned. Entries
//! live in blocks of [`BLOCK`] bytes, so the arena grows without copying.
//!
//! Measured: a document with 20 entities and 3 events takes ~90 bytes (id, four entity
//! modes, six event metrics and the type/role table), index included.

use std::collections::HashMap;

use super::counts::{EntityCounts, LabelTally, ModeCounts, Tally};
use super::event::EventCounts;
use super::relation::RelationCounts;

/// One document's counts for one system (as decoded from [`DocScores`]; the scoring run's unit of
/// per-document results).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocScore {
    pub doc_id: String,
    pub entities: EntityCounts,
    /// `None` when neither side of the document has an event (most documents of an entity
    /// corpus: kept small, since every document's counts are kept).
    pub events: Option<Box<EventCounts>>,
    /// `None` unless relations are scored.
    pub relations: Option<Box<RelationCounts>>,
}

/// Bytes per arena block.
const BLOCK: usize = 1 << 20;

/// Where a document's overall counts are, in the order they are stored: the entity modes
/// (by [`Mode::index`](crate::score::counts::Mode::index)), the event metrics TI, TC, AI,
/// AC, AI+, AC+ and the type/role table, the relation modes.
pub mod slot {
    pub const ENTITIES: usize = 0;
    pub const EVENTS: usize = 4;
    /// The event type/role table's slot.
    pub const TYPE_ROLES: usize = EVENTS + 6;
    pub const RELATIONS: usize = EVENTS + 7;
    pub const END: usize = RELATIONS + 3;
}

/// The overall counts of one document: each entity mode, and each event metric plus the
/// type/role table when the document has events on either side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocOverall {
    pub entities: [LabelTally; 4],
    /// `[TI, TC, AI, AC, AI+, AC+, type/role]`.
    pub events: Option<[LabelTally; 7]>,
    /// `[strict, boundaries, relaxed]` when relations were scored.
    pub relations: Option<[LabelTally; 3]>,
}

/// The packed per-document counts of one system, in the order they were pushed.
#[derive(Debug, Clone, Default)]
pub struct DocScores {
    labels_kept: bool,
    blocks: Vec<Vec<u8>>,
    /// (block, offset) of each document's entry.
    index: Vec<(u32, u32)>,
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

fn put(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn get(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        while let Some(&byte) = self.b.get(self.pos) {
            self.pos += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                break;
            }
            shift += 7;
        }
        v
    }

    fn bytes(&mut self, n: usize) -> &[u8] {
        let end = (self.pos + n).min(self.b.len());
        let s = &self.b[self.pos..end];
        self.pos = end;
        s
    }

    fn tally(&mut self) -> LabelTally {
        let mask = self.get();
        let mut f = [0u64; 10];
        for (i, x) in f.iter_mut().enumerate() {
            if mask & (1 << i) != 0 {
                *x = self.get();
            }
        }
        LabelTally {
            gold: Tally { cor: f[0], inc: f[1], par: f[2], mis: f[3], spu: f[4] },
            pred: Tally { cor: f[5], inc: f[6], par: f[7], mis: f[8], spu: f[9] },
        }
    }
}

fn put_tally(buf: &mut Vec<u8>, t: &LabelTally) {
    let f = [
        t.gold.cor, t.gold.inc, t.gold.par, t.gold.mis, t.gold.spu, t.pred.cor, t.pred.inc, t.pred.par, t.pred.mis,
        t.pred.spu,
    ];
    let mask = f.iter().enumerate().fold(0u64, |m, (i, &x)| if x != 0 { m | (1 << i) } else { m });
    put(buf, mask);
    for x in f {
        if x != 0 {
            put(buf, x);
        }
    }
}

const HAS_EVENTS: u64 = 1;
const HAS_LABELS: u64 = 2;
const HAS_RELATIONS: u64 = 4;

impl DocScores {
    /// `labels`: keep each document's per-label counts too (else only the overall ones).
    pub fn new(labels: bool) -> Self {
        DocScores { labels_kept: labels, ..Default::default() }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// True when per-label counts are kept.
    pub fn labels_kept(&self) -> bool {
        self.labels_kept
    }

    /// Bytes held (blocks as allocated, the index and the label table), for measurements.
    pub fn heap_bytes(&self) -> usize {
        self.blocks.iter().map(Vec::capacity).sum::<usize>()
            + self.index.capacity() * std::mem::size_of::<(u32, u32)>()
            + self.names.iter().map(|n| n.capacity() * 2 + 64).sum::<usize>()
    }

    fn label_id(&mut self, l: &str) -> u64 {
        if let Some(&i) = self.ids.get(l) {
            return u64::from(i);
        }
        let i = self.names.len() as u32;
        self.names.push(l.to_string());
        self.ids.insert(l.to_string(), i);
        u64::from(i)
    }

    fn put_mode(&mut self, buf: &mut Vec<u8>, mc: &ModeCounts) {
        put_tally(buf, &mc.overall);
        if self.labels_kept {
            put(buf, mc.labels.len() as u64);
            for (l, t) in &mc.labels {
                let id = self.label_id(l);
                put(buf, id);
                put_tally(buf, t);
            }
        }
    }

    /// Append one document's counts.
    pub fn push(&mut self, doc_id: &str, entities: &EntityCounts, events: Option<&EventCounts>) {
        self.push_all(doc_id, entities, events, None);
    }

    /// Append one document's counts, with its relation counts.
    pub fn push_relations(
        &mut self,
        doc_id: &str,
        entities: &EntityCounts,
        events: Option<&EventCounts>,
        relations: &RelationCounts,
    ) {
        self.push_all(doc_id, entities, events, Some(relations));
    }

    fn push_all(
        &mut self,
        doc_id: &str,
        entities: &EntityCounts,
        events: Option<&EventCounts>,
        relations: Option<&RelationCounts>,
    ) {
        let mut buf = Vec::with_capacity(64);
        put(&mut buf, doc_id.len() as u64);
        buf.extend_from_slice(doc_id.as_bytes());
        let flags = if events.is_some() { HAS_EVENTS } else { 0 }
            | if self.labels_kept { HAS_LABELS } else { 0 }
            | if relations.is_some() { HAS_RELATIONS } else { 0 };
        put(&mut buf, flags);
        for mc in &entities.modes {
            self.put_mode(&mut buf, mc);
        }
        if let Some(ev) = events {
            for mc in ev.metrics.iter().chain(std::iter::once(&ev.type_roles)) {
                self.put_mode(&mut buf, mc);
            }
        }
        if let Some(rel) = relations {
            for mc in &rel.modes {
                self.put_mode(&mut buf, mc);
            }
        }
        let fits = self.blocks.last().is_some_and(|b| b.len() + buf.len() <= b.capacity());
        if !fits {
            self.blocks.push(Vec::with_capacity(BLOCK.max(buf.len())));
        }
        let bi = self.blocks.len() - 1;
        let block = &mut self.blocks[bi];
        self.index.push((bi as u32, block.len() as u32));
        block.extend_from_slice(&buf);
    }

    fn reader(&self, i: usize) -> Reader<'_> {
        let (b, off) = self.index[i];
        Reader { b: &self.blocks[b as usize], pos: off as usize }
    }

    fn read_mode(&self, r: &mut Reader, labels: bool, flags: u64) -> ModeCounts {
        let mut mc = ModeCounts { overall: r.tally(), ..Default::default() };
        if flags & HAS_LABELS != 0 {
            let n = r.get();
            for _ in 0..n {
                let id = r.get() as usize;
                let t = r.tally();
                if labels {
                    mc.labels.insert(self.names.get(id).map_or("", String::as_str), t);
                }
            }
        }
        mc
    }

    /// Document `i` with all it kept (labels only when kept).
    pub fn get(&self, i: usize) -> DocScore {
        let mut r = self.reader(i);
        let n = r.get() as usize;
        let doc_id = String::from_utf8_lossy(r.bytes(n)).into_owned();
        let flags = r.get();
        let mut entities = EntityCounts::default();
        for m in entities.modes.iter_mut() {
            *m = self.read_mode(&mut r, true, flags);
        }
        let events = (flags & HAS_EVENTS != 0).then(|| {
            let mut ev = EventCounts::default();
            for m in ev.metrics.iter_mut() {
                *m = self.read_mode(&mut r, true, flags);
            }
            ev.type_roles = self.read_mode(&mut r, true, flags);
            Box::new(ev)
        });
        let relations = (flags & HAS_RELATIONS != 0).then(|| {
            let mut rel = RelationCounts::default();
            for m in rel.modes.iter_mut() {
                *m = self.read_mode(&mut r, true, flags);
            }
            Box::new(rel)
        });
        DocScore { doc_id, entities, events, relations }
    }

    /// The id of document `i`.
    pub fn doc_id(&self, i: usize) -> String {
        let mut r = self.reader(i);
        let n = r.get() as usize;
        String::from_utf8_lossy(r.bytes(n)).into_owned()
    }

    /// Document `i`'s overall counts in slot order (see [`slot`]), each with its slot;
    /// the slots of events or relations the document has no counts of are not there, and
    /// per-label counts are skipped (no maps built). Decoded as it is read: stopping early
    /// decodes nothing past.
    fn overall_tallies(&self, i: usize) -> impl Iterator<Item = (usize, LabelTally)> + '_ {
        let mut r = self.reader(i);
        let n = r.get() as usize;
        r.bytes(n);
        let flags = r.get();
        let events = if flags & HAS_EVENTS != 0 { slot::EVENTS..slot::RELATIONS } else { 0..0 };
        let relations = if flags & HAS_RELATIONS != 0 { slot::RELATIONS..slot::END } else { 0..0 };
        (slot::ENTITIES..slot::EVENTS).chain(events).chain(relations).map(move |s| {
            let t = r.tally();
            if flags & HAS_LABELS != 0 {
                for _ in 0..r.get() {
                    r.get();
                    r.tally();
                }
            }
            (s, t)
        })
    }

    /// The overall counts of document `i` (no maps built).
    pub fn overall(&self, i: usize) -> DocOverall {
        let mut out = DocOverall::default();
        for (s, t) in self.overall_tallies(i) {
            match s {
                s if s < slot::EVENTS => out.entities[s] = t,
                s if s < slot::RELATIONS => out.events.get_or_insert_default()[s - slot::EVENTS] = t,
                s => out.relations.get_or_insert_default()[s - slot::RELATIONS] = t,
            }
        }
        out
    }

    /// One of document `i`'s overall counts (a [`slot`]), decoding none past it; `None` for
    /// events or relations the document has no counts of (as in [`DocScores::overall`]).
    pub fn overall_slot(&self, i: usize, slot: usize) -> Option<LabelTally> {
        self.overall_tallies(i).find(|&(s, _)| s >= slot).filter(|&(s, _)| s == slot).map(|(_, t)| t)
    }

    /// Every document, decoded, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = DocScore> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Every document's overall counts, in order.
    pub fn overalls(&self) -> impl ExactSizeIterator<Item = DocOverall> + '_ {
        (0..self.len()).map(|i| self.overall(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::counts::Mode;

    fn lt(vals: [u64; 10]) -> LabelTally {
        LabelTally {
            gold: Tally { cor: vals[0], inc: vals[1], par: vals[2], mis: vals[3], spu: vals[4] },
            pred: Tally { cor: vals[5], inc: vals[6], par: vals[7], mis: vals[8], spu: vals[9] },
        }
    }

    fn sample(k: u64) -> (EntityCounts, EventCounts) {
        let mut e = EntityCounts::default();
        for (i, m) in Mode::ALL.iter().enumerate() {
            let mc = e.mode_mut(*m);
            mc.overall = lt([k, 1, 0, 2, 0, k, 0, 300 + i as u64, 0, 1 << 40]);
            *mc.label_mut("PER") = lt([k, 0, 0, 1, 0, k, 0, 0, 0, 0]);
            *mc.label_mut("LOC") = LabelTally::default();
        }
        let mut ev = EventCounts::default();
        for (i, mc) in ev.metrics.iter_mut().enumerate() {
            mc.overall = lt([i as u64, 0, 0, 1, 0, 0, 0, 0, 0, 2]);
            *mc.label_mut("Attack") = lt([1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
        }
        *ev.type_roles.label_mut("Attack/Target") = lt([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        (e, ev)
    }

    /// Relation counts of three modes, each with one label.
    fn sample_relations(k: u64, spu: u64, label: &str) -> RelationCounts {
        let mut rel = RelationCounts::default();
        for (i, mc) in rel.modes.iter_mut().enumerate() {
            mc.overall = lt([i as u64 + k, 0, 0, 2, 0, i as u64 + k, 0, 0, 0, spu]);
            *mc.label_mut(label) = mc.overall;
        }
        rel
    }

    /// Each slot is the overall count the full decoding (`get`) gives, or nothing where the
    /// document has no events or relations.
    #[test]
    fn overall_slots_are_the_overall_counts() {
        let (e, ev) = sample(5);
        let rel = sample_relations(2, 3, "TLINK:AFTER");
        for labels in [true, false] {
            let mut d = DocScores::new(labels);
            d.push("a", &e, Some(&ev));
            d.push("b", &e, None);
            d.push_relations("c", &e, Some(&ev), &rel);
            d.push_relations("d", &e, None, &rel);
            for i in 0..d.len() {
                let full = d.get(i);
                let mut want: Vec<Option<LabelTally>> = full.entities.modes.iter().map(|m| Some(m.overall)).collect();
                let metrics = |e: &EventCounts| e.metrics.iter().chain([&e.type_roles]).map(|m| m.overall).collect();
                let events: Option<Vec<LabelTally>> = full.events.as_deref().map(metrics);
                want.extend((0..7).map(|k| events.as_ref().map(|x| x[k])));
                want.extend((0..3).map(|k| full.relations.as_ref().map(|r| r.modes[k].overall)));
                let got: Vec<Option<LabelTally>> = (0..slot::END).map(|k| d.overall_slot(i, k)).collect();
                assert_eq!(got, want, "document {i}, labels kept: {labels}");
                assert_eq!(d.overall_slot(i, slot::END), None);
                let o = d.overall(i);
                assert_eq!((o.events.is_some(), o.relations.is_some()), (events.is_some(), full.relations.is_some()));
            }
        }
    }

    #[test]
    fn relations_round_trip() {
        let (e, ev) = sample(3);
        let rel = sample_relations(1, 5, "TLINK:BEFORE");
        let mut d = DocScores::new(true);
        d.push_relations("a", &e, Some(&ev), &rel);
        d.push_relations("b", &e, None, &RelationCounts::default());
        d.push("c", &e, None);
        let a = d.get(0);
        assert_eq!((a.events.as_deref(), a.relations.as_deref()), (Some(&ev), Some(&rel)));
        let o = d.overall(0);
        assert_eq!(o.relations.expect("relations")[2], rel.modes[2].overall);
        assert_eq!(o.events.expect("events")[0], ev.metrics[0].overall);
        assert_eq!(d.get(1).relations.as_deref(), Some(&RelationCounts::default()));
        assert!(d.get(2).relations.is_none() && d.overall(2).relations.is_none());
    }

    #[test]
    fn round_trip_with_and_without_labels() {
        for labels in [true, false] {
            let mut d = DocScores::new(labels);
            let (e, ev) = sample(7);
            d.push("a", &e, Some(&ev));
            d.push("ünï", &e, None);
            d.push("", &EntityCounts::default(), None);
            assert_eq!(d.len(), 3);
            let a = d.get(0);
            assert_eq!(a.doc_id, "a");
            if labels {
                assert_eq!(a.entities, e, "labels kept, the zero LOC entry too");
                assert_eq!(a.events.as_deref(), Some(&ev));
            } else {
                assert_eq!(a.entities.mode(Mode::Strict).overall, e.mode(Mode::Strict).overall);
                assert!(a.entities.mode(Mode::Strict).labels.is_empty());
            }
            assert_eq!(d.get(1).doc_id, "ünï");
            assert!(d.get(1).events.is_none());
            assert_eq!(
                d.get(2),
                DocScore { doc_id: String::new(), entities: EntityCounts::default(), events: None, relations: None }
            );
            let o = d.overall(0);
            assert_eq!(o.entities[3], e.mode(Mode::Type).overall);
            assert_eq!(o.events.expect("events")[5], ev.metrics[5].overall);
            assert_eq!(o.events.expect("events")[6], ev.type_roles.overall);
            assert_eq!(d.overall(1).events, None);
        }
    }

    #[test]
    fn small_and_blocked() {
        let mut d = DocScores::new(false);
        let (e, ev) = sample(3);
        let n = 30_000;
        for i in 0..n {
            d.push(&format!("doc-{i:07}"), &e, Some(&ev));
        }
        assert!(d.blocks.len() > 1, "spans several blocks");
        let per_doc = d.heap_bytes() as f64 / n as f64;
        assert!(per_doc < 200.0, "{per_doc} bytes per document");
        assert_eq!(d.get(n - 1).doc_id, format!("doc-{:07}", n - 1));
        assert_eq!(d.overall(n / 2).entities[0], e.modes[0].overall);
    }
}
