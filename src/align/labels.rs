//! Projecting whole annotation sets onto a corpus: pairing source documents with corpus
//! documents, projecting every entity, trigger and argument, applying the policy for what
//! cannot be placed, and merging the results per corpus document.
//!
//! **Pairing** (`Pairing::Auto`, the default): a source document whose id is a corpus
//! document id is aligned with that document alone; if less than half of its normalized
//! text aligns there (`min_id_coverage`), it is also aligned with the whole corpus and the
//! better of the two is kept (noted in the report). A source document whose id is not in
//! the corpus is aligned with the whole corpus (all documents, in corpus order, separated
//! so that no match crosses them): its labels land in whichever documents its text matches,
//! so one source may cover many corpus documents in any order. `Pairing::Id` requires every
//! id to exist; `Pairing::Content` ignores ids.
//!
//! **Classes** are those of [`TextAlignment::project`], plus: a label with the same text
//! whose start or end falls inside a token of the corpus document (when the corpus has
//! tokens) is `retokenized` (reason `token-boundary`). A discontinuous mention is placed
//! only if every fragment is, in one document; an event argument only in its trigger's
//! document. A head that cannot be placed is dropped (counted in the notes).
//!
//! **Unalignable labels** (`Unaligned`): `keep` (default) writes them with an empty span at
//! offset 0 and the attributes `ieval:unaligned` (the reason) and `ieval:source_text`, in
//! the document their neighbourhood aligned with: an empty span matches nothing, so a gold
//! label counts as missed and a prediction as spurious. `drop` leaves them out (counted).
//! `error` fails after the report is built.
//!
//! **Merging**: the labels landing in one corpus document are gathered in input order; ids
//! that collide (two source documents feeding one corpus document) become
//! `<source doc id>/<id>`, references included. Entities are then sorted by (start, end,
//! label, id), events by (trigger start, trigger end, type, id).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use rayon::prelude::*;

use super::input::StringDoc;
use super::locate::locate;
use super::options::{LabelOptions, Pairing, Unaligned, placeholder_attrs};
use super::report::{AlignReport, Example, LabelKind, Pairing as PairingReport, SetReport};
use super::text::{AlignClass, Projection, Reason, TargetIndex, TextAlignment};
use crate::error::{Error, Result};
use crate::formats::{MemorySource, Record, Source};
use crate::model::{AnnotationSet, DocAnnotations, Document, Event, Relation, SetMeta, Span};
use crate::text::OffsetIndex;

/// Aligned sets over the corpus, and the report.
#[derive(Debug, Clone)]
pub struct Aligned {
    /// One set per input set: a row for every corpus document that received text or labels,
    /// in corpus order.
    pub sets: Vec<AnnotationSet>,
    pub report: AlignReport,
}

/// Aligns label sets onto one corpus.
pub struct Aligner<'a> {
    corpus: &'a [Document],
    by_id: HashMap<&'a str, usize>,
    opts: LabelOptions,
    content: OnceLock<TargetIndex<'a>>,
}

/// One source document's share of the work.
struct DocResult {
    pairing: PairingReport,
    by_id: bool,
    /// (set, corpus document, labels landing there).
    parts: Vec<(usize, usize, DocAnnotations)>,
    reports: Vec<SetReport>,
    source_chars: usize,
    aligned_chars: usize,
    covered: Vec<usize>,
}

/// The alignment chosen for one source document and how its target documents map to the
/// corpus.
struct Chosen<'s> {
    al: TextAlignment<'s>,
    /// Corpus index of target document 0 when paired by id; identity otherwise.
    fixed: Option<usize>,
}

impl Chosen<'_> {
    fn corpus_doc(&self, local: usize) -> usize {
        self.fixed.unwrap_or(local)
    }
}

impl<'a> Aligner<'a> {
    pub fn new(corpus: &'a [Document], opts: LabelOptions) -> Self {
        let by_id = corpus.iter().enumerate().map(|(i, d)| (d.id.as_str(), i)).collect();
        Aligner { corpus, by_id, opts, content: OnceLock::new() }
    }

    pub fn options(&self) -> &LabelOptions {
        &self.opts
    }

    /// Read a whole label source and align its sets onto the corpus: the result reads as
    /// a source over the corpus documents (what `score --align` and `convert --align` feed
    /// on), with the report.
    pub fn align_source(&self, mut src: Box<dyn Source>) -> Result<(MemorySource, AlignReport)> {
        let sets = src.sets().to_vec();
        let records = src.by_ref().collect::<Result<Vec<_>>>()?;
        let mut aligned = self.align(&records, &sets)?;
        aligned.report.reading = src.take_diagnostics();
        Ok((MemorySource::new(self.corpus.to_vec(), aligned.sets, "aligned labels"), aligned.report))
    }

    fn content_index(&self) -> &TargetIndex<'a> {
        self.content.get_or_init(|| {
            let texts: Vec<&'a str> = self.corpus.iter().map(|d| d.text.as_str()).collect();
            TargetIndex::new(&texts, &self.opts.text)
        })
    }

    fn settings(&self) -> BTreeMap<String, String> {
        let o = &self.opts;
        BTreeMap::from([
            ("pairing".to_string(), o.pairing.name().to_string()),
            ("unaligned".to_string(), o.unaligned.name().to_string()),
            ("locate".to_string(), o.locate.name().to_string()),
            ("ignore_case".to_string(), o.text.normalize.ignore_case.to_string()),
            ("seed".to_string(), o.text.seed.to_string()),
        ])
    }

    fn set_report(&self, meta: &SetMeta) -> SetReport {
        let mut r = SetReport::new(meta.name(), meta.is_gold());
        r.unaligned.policy = self.opts.unaligned.name().to_string();
        r.unaligned.effect = match (self.opts.unaligned, meta.is_gold()) {
            (Unaligned::Keep, true) => "kept without a span: counted as missed".to_string(),
            (Unaligned::Keep, false) => "kept without a span: counted as spurious".to_string(),
            (Unaligned::Drop, true) => "left out: not counted at all".to_string(),
            (Unaligned::Drop, false) => "left out: not counted at all".to_string(),
            (Unaligned::Error, _) => "an error".to_string(),
        };
        r
    }

    /// Pick the alignment for one source document.
    fn choose<'s>(&'s self, rec: &'s Record) -> Result<(Chosen<'s>, Option<String>)> {
        let id = rec.document.id.as_str();
        let paired = match self.opts.pairing {
            Pairing::Content => None,
            _ => self.by_id.get(id).copied(),
        };
        match (paired, self.opts.pairing) {
            (Some(t), _) => {
                let al = TextAlignment::new(&rec.document.text, &self.corpus[t].text, &self.opts.text);
                if self.opts.pairing == Pairing::Auto && al.coverage() < self.opts.min_id_coverage {
                    let c = TextAlignment::with_index(&rec.document.text, self.content_index());
                    if c.coverage() > al.coverage() {
                        let note = format!(
                            "by id only {:.1}% aligned; by content {:.1}%: content used",
                            100.0 * al.coverage(),
                            100.0 * c.coverage()
                        );
                        return Ok((Chosen { al: c, fixed: None }, Some(note)));
                    }
                    let note = format!("by id only {:.1}% aligned (content no better)", 100.0 * al.coverage());
                    return Ok((Chosen { al, fixed: Some(t) }, Some(note)));
                }
                Ok((Chosen { al, fixed: Some(t) }, None))
            }
            (None, Pairing::Id) => Err(Error::data(
                rec.origin.clone(),
                format!("document {id:?} is not in the corpus (pairing by id was asked for)"),
            )),
            (None, _) => {
                let al = TextAlignment::with_index(&rec.document.text, self.content_index());
                Ok((Chosen { al, fixed: None }, None))
            }
        }
    }

    /// Align every set of `records` (one `DocAnnotations` per set in each, as `sets`).
    pub fn align(&self, records: &[Record], sets: &[SetMeta]) -> Result<Aligned> {
        let results: Vec<Result<DocResult>> = records.par_iter().map(|r| self.align_record(r, sets)).collect();
        let mut report = AlignReport {
            corpus_documents: self.corpus.len(),
            source_documents: records.len(),
            settings: self.settings(),
            sets: sets.iter().map(|m| self.set_report(m)).collect(),
            ..Default::default()
        };
        let mut parts: Vec<Vec<(String, usize, DocAnnotations)>> = vec![Vec::new(); sets.len()];
        let mut covered = vec![false; self.corpus.len()];
        for (rec, res) in records.iter().zip(results) {
            let res = res?;
            if res.by_id {
                report.paired_by_id += 1;
            } else {
                report.aligned_by_content += 1;
            }
            report.source_chars += res.source_chars;
            report.aligned_chars += res.aligned_chars;
            report.pairings.push(res.pairing);
            for c in res.covered {
                covered[c] = true;
            }
            for (k, r) in res.reports.into_iter().enumerate() {
                report.sets[k].merge(r, self.opts.examples);
            }
            for (k, t, ann) in res.parts {
                covered[t] = true;
                parts[k].push((rec.document.id.clone(), t, ann));
            }
        }
        self.finish(report, parts, covered, sets)
    }

    fn finish(
        &self,
        mut report: AlignReport,
        parts: Vec<Vec<(String, usize, DocAnnotations)>>,
        covered: Vec<bool>,
        sets: &[SetMeta],
    ) -> Result<Aligned> {
        report.covered_documents = covered.iter().filter(|&&c| c).count();
        let mut out = Vec::with_capacity(sets.len());
        for (k, (meta, parts)) in sets.iter().zip(parts).enumerate() {
            let mut per_doc: BTreeMap<usize, Vec<(String, DocAnnotations)>> = BTreeMap::new();
            for (src, t, ann) in parts {
                per_doc.entry(t).or_default().push((src, ann));
            }
            let mut set_meta = meta.clone();
            set_meta.complete = covered.iter().all(|&c| c);
            set_meta.extra.insert(
                "aligned".into(),
                format!(
                    "ieval align: pairing={}, unaligned={}, locate={}",
                    self.opts.pairing.name(),
                    self.opts.unaligned.name(),
                    self.opts.locate.name()
                ),
            );
            let mut set = AnnotationSet::new(set_meta);
            for (t, doc) in self.corpus.iter().enumerate() {
                if !covered[t] {
                    continue;
                }
                let (ann, renamed) = merge_parts(&doc.id, per_doc.remove(&t).unwrap_or_default());
                report.sets[k].note("ids renamed (two source documents in one corpus document)", renamed);
                set.docs.push(ann);
            }
            out.push(set);
        }
        if self.opts.unaligned == Unaligned::Error
            && let Some(s) = report.sets.iter().find(|s| s.counts.unalignable > 0)
        {
            {
                let first = s.examples.get(&AlignClass::Unalignable).and_then(|v| v.first());
                let what = first.map_or(String::new(), |e| {
                    format!(
                        "; first: {} {:?} ({}) in document {:?}: {}",
                        e.kind.name(),
                        e.text,
                        e.label,
                        e.source_doc,
                        e.reason.map_or("unalignable", Reason::name)
                    )
                });
                return Err(Error::data(
                    format!("set {:?}", s.name),
                    format!("{} label(s) cannot be aligned{what} (strict)", s.counts.unalignable),
                ));
            }
        }
        Ok(Aligned { sets: out, report })
    }

    fn align_record(&self, rec: &Record, sets: &[SetMeta]) -> Result<DocResult> {
        let (chosen, note) = self.choose(rec)?;
        let al = &chosen.al;
        let per_doc = al.chars_per_doc();
        let targets: BTreeMap<String, usize> =
            per_doc.iter().map(|(&d, &n)| (self.corpus[chosen.corpus_doc(d)].id.clone(), n)).collect();
        let covered: Vec<usize> = per_doc.keys().map(|&d| chosen.corpus_doc(d)).collect();
        let pairing = PairingReport {
            source_doc: rec.document.id.clone(),
            mode: if chosen.fixed.is_some() { "id" } else { "content" }.to_string(),
            targets,
            coverage: al.coverage(),
            note,
        };
        let mut parts = Vec::new();
        let mut reports = Vec::with_capacity(sets.len());
        for (k, meta) in sets.iter().enumerate() {
            let mut rep = self.set_report(meta);
            let empty = DocAnnotations::new(rec.document.id.clone());
            let ann = rec.sets.get(k).unwrap_or(&empty);
            let mut p = Projector { aligner: self, chosen: &chosen, rec, rep: &mut rep, out: BTreeMap::new() };
            p.run(ann);
            let out = std::mem::take(&mut p.out);
            for (t, a) in out {
                parts.push((k, t, a));
            }
            reports.push(rep);
        }
        Ok(DocResult {
            pairing,
            by_id: chosen.fixed.is_some(),
            parts,
            reports,
            source_chars: al.source_chars(),
            aligned_chars: al.matched_chars(),
            covered,
        })
    }

    /// Place string-only labels: each document by its id.
    pub fn locate(&self, docs: &[StringDoc], meta: &SetMeta) -> Result<Aligned> {
        let missing: Vec<&str> =
            docs.iter().filter(|d| !self.by_id.contains_key(d.doc_id.as_str())).map(|d| d.doc_id.as_str()).collect();
        if !missing.is_empty() {
            let first = docs.iter().find(|d| d.doc_id == missing[0]).map_or(String::new(), |d| d.origin.clone());
            return Err(Error::data(
                first,
                format!(
                    "{} document id(s) of the string labels are not in the corpus: {}",
                    missing.len(),
                    missing.iter().take(5).map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let results: Vec<(usize, DocAnnotations, SetReport)> = docs
            .par_iter()
            .map(|d| {
                let t = self.by_id[d.doc_id.as_str()];
                let doc = &self.corpus[t];
                let ix = OffsetIndex::new(&doc.text);
                let mut rep = self.set_report(meta);
                let ann = locate(doc, &ix, d, &self.opts, &mut rep);
                (t, ann, rep)
            })
            .collect();
        let mut report = AlignReport {
            corpus_documents: self.corpus.len(),
            source_documents: docs.len(),
            paired_by_id: docs.len(),
            settings: self.settings(),
            sets: vec![self.set_report(meta)],
            ..Default::default()
        };
        let mut covered = vec![false; self.corpus.len()];
        let mut parts = vec![Vec::new()];
        for (d, (t, ann, rep)) in docs.iter().zip(results) {
            covered[t] = true;
            report.sets[0].merge(rep, self.opts.examples);
            report.pairings.push(PairingReport {
                source_doc: d.doc_id.clone(),
                mode: "strings".into(),
                targets: BTreeMap::from([(d.doc_id.clone(), 0)]),
                coverage: 1.0,
                note: None,
            });
            parts[0].push((d.doc_id.clone(), t, ann));
        }
        self.finish(report, parts, covered, std::slice::from_ref(meta))
    }
}

/// Merge the labels landing in one corpus document: rename colliding ids, sort.
fn merge_parts(doc_id: &str, parts: Vec<(String, DocAnnotations)>) -> (DocAnnotations, u64) {
    let mut out = DocAnnotations::new(doc_id);
    let mut used: HashSet<String> = HashSet::new();
    let mut renamed = 0u64;
    let several = parts.len() > 1;
    for (src, mut ann) in parts {
        let mut map: HashMap<String, String> = HashMap::new();
        let mut fresh = |id: &mut String, used: &mut HashSet<String>| {
            if several && used.contains(id.as_str()) {
                let mut new = format!("{src}/{id}");
                let mut n = 2;
                while used.contains(&new) {
                    new = format!("{src}/{id}.{n}");
                    n += 1;
                }
                map.insert(id.clone(), new.clone());
                *id = new;
                renamed += 1;
            }
            used.insert(id.clone());
        };
        for m in &mut ann.entities {
            let mut id = m.id.to_string();
            fresh(&mut id, &mut used);
            m.id = id.into();
        }
        for e in &mut ann.events {
            fresh(&mut e.id, &mut used);
        }
        for r in &mut ann.relations {
            fresh(&mut r.id, &mut used);
        }
        if !map.is_empty() {
            for e in &mut ann.events {
                for a in &mut e.arguments {
                    if let Some(new) = a.entity_id.as_ref().and_then(|id| map.get(id)) {
                        a.entity_id = Some(new.clone());
                    }
                }
            }
            for r in &mut ann.relations {
                for (_, id) in &mut r.args {
                    if let Some(new) = map.get(id.as_str()) {
                        *id = new.clone();
                    }
                }
            }
        }
        out.entities.extend(ann.entities);
        out.events.extend(ann.events);
        out.relations.extend(ann.relations);
    }
    out.entities
        .sort_by(|a, b| (a.span.start, a.span.end, &a.label, &a.id).cmp(&(b.span.start, b.span.end, &b.label, &b.id)));
    out.events.sort_by(|a, b| {
        (a.trigger.span.start, a.trigger.span.end, &a.event_type, &a.id).cmp(&(
            b.trigger.span.start,
            b.trigger.span.end,
            &b.event_type,
            &b.id,
        ))
    });
    (out, renamed)
}

/// Projects one source document's labels of one set.
struct Projector<'p, 's> {
    aligner: &'p Aligner<'s>,
    chosen: &'p Chosen<'p>,
    rec: &'p Record,
    rep: &'p mut SetReport,
    /// Corpus document -> labels that landed there.
    out: BTreeMap<usize, DocAnnotations>,
}

/// A projected span: corpus document and byte span, or why not.
struct Placed {
    doc: Option<usize>,
    span: Option<Span>,
    class: AlignClass,
    reason: Option<Reason>,
}

impl Projector<'_, '_> {
    fn doc_out(&mut self, t: usize) -> &mut DocAnnotations {
        let id = &self.aligner.corpus[t].id;
        self.out.entry(t).or_insert_with(|| DocAnnotations::new(id.clone()))
    }

    /// Project a span (with fragments) and apply the token-boundary rule.
    fn place(&self, span: Span, fragments: &[Span]) -> Placed {
        let p: Projection = self.chosen.al.project(span);
        let doc = p.doc.map(|d| self.chosen.corpus_doc(d));
        let mut placed = Placed { doc, span: p.span, class: p.class, reason: p.reason };
        if let (Some(t), Some(s)) = (doc, p.span) {
            for f in fragments {
                let q = self.chosen.al.project(*f);
                if q.span.is_none() || q.doc.map(|d| self.chosen.corpus_doc(d)) != Some(t) {
                    let reason = if q.span.is_some() { Some(Reason::CrossesDocuments) } else { q.reason };
                    return Placed { doc, span: None, class: AlignClass::Unalignable, reason };
                }
            }
            let tdoc = &self.aligner.corpus[t];
            if matches!(p.class, AlignClass::Exact | AlignClass::Shifted)
                && !tdoc.tokens.is_empty()
                && (tdoc.token_starting_at(s.start).is_none() || tdoc.token_ending_at(s.end).is_none())
            {
                placed.class = AlignClass::Retokenized;
                placed.reason = Some(Reason::TokenBoundary);
            }
        }
        placed
    }

    fn fragments(&self, frags: &[Span], t: usize) -> Vec<Span> {
        frags
            .iter()
            .filter_map(|f| {
                let q = self.chosen.al.project(*f);
                (q.doc.map(|d| self.chosen.corpus_doc(d)) == Some(t)).then_some(q.span).flatten()
            })
            .collect()
    }

    fn head(&mut self, head: Option<Span>, t: usize) -> Option<Span> {
        let h = head?;
        let q = self.chosen.al.project(h);
        match (q.span, q.doc.map(|d| self.chosen.corpus_doc(d))) {
            (Some(s), Some(d)) if d == t => Some(s),
            _ => {
                self.rep.note("heads dropped (unalignable)", 1);
                None
            }
        }
    }

    /// Count one label and keep it as an example.
    fn record(&mut self, kind: LabelKind, label: &str, src: Span, p: &Placed) {
        self.rep.count(kind, p.class, p.reason);
        if !self.rep.wants_example(p.class, self.aligner.opts.examples) {
            return;
        }
        let six = self.chosen.al.source_offsets();
        let cp =
            |ix: &OffsetIndex, s: Span| [ix.byte_to_char(s.start).unwrap_or(0), ix.byte_to_char(s.end).unwrap_or(0)];
        let (target_doc, target, target_text) = match (p.doc, p.span) {
            (Some(t), Some(s)) => {
                let d = &self.aligner.corpus[t];
                let ix = OffsetIndex::new(&d.text);
                (Some(d.id.clone()), Some(cp(&ix, s)), Some(d.text[s.start..s.end].to_string()))
            }
            (Some(t), None) => (Some(self.aligner.corpus[t].id.clone()), None, None),
            _ => (None, None, None),
        };
        let ex = Example {
            class: p.class,
            reason: p.reason,
            kind,
            label: label.to_string(),
            source_doc: self.rec.document.id.clone(),
            source: Some(cp(six, src)),
            text: src.slice(&self.rec.document.text).unwrap_or("").to_string(),
            target_doc,
            target,
            target_text,
            occurrences: Vec::new(),
        };
        self.rep.example(ex, self.aligner.opts.examples);
    }

    /// Where an unplaced label goes under `keep`: its neighbourhood's document.
    fn keep_doc(&mut self, p: &Placed) -> Option<usize> {
        match self.aligner.opts.unaligned {
            Unaligned::Drop => {
                self.rep.unaligned.dropped += 1;
                None
            }
            Unaligned::Keep | Unaligned::Error => {
                let d = p.doc.or(self.chosen.fixed);
                match d {
                    Some(_) => self.rep.unaligned.kept += 1,
                    None => {
                        self.rep.unaligned.dropped += 1;
                        self.rep.note("unalignable labels dropped: no document to keep them in", 1);
                    }
                }
                d
            }
        }
    }

    fn run(&mut self, ann: &DocAnnotations) {
        let text = &self.rec.document.text;
        // Where each source mention went, for relations: id -> corpus document.
        let mut placed_ids: HashMap<String, usize> = HashMap::new();
        for m in &ann.entities {
            let p = self.place(m.span, &m.fragments);
            self.record(LabelKind::Entity, &m.label, m.span, &p);
            let (t, new) = match (p.doc, p.span) {
                (Some(t), Some(s)) => {
                    let mut new = m.clone();
                    new.span = s;
                    new.fragments = self.fragments(&m.fragments, t);
                    new.head = self.head(m.head, t);
                    (t, new)
                }
                _ => {
                    let Some(t) = self.keep_doc(&p) else { continue };
                    let mut new = m.clone();
                    new.span = Span::default();
                    new.fragments.clear();
                    new.head = None;
                    new.attrs.extend(placeholder_attrs(p.reason, m.span.slice(text).unwrap_or("")));
                    (t, new)
                }
            };
            placed_ids.insert(m.id.to_string(), t);
            self.rep.written += 1;
            self.doc_out(t).entities.push(new);
        }
        for e in &ann.events {
            let p = self.place(e.trigger.span, &e.trigger.fragments);
            self.record(LabelKind::Trigger, &e.event_type, e.trigger.span, &p);
            let mut new = Event { arguments: Vec::new(), ..e.clone() };
            let t = match (p.doc, p.span) {
                (Some(t), Some(s)) => {
                    new.trigger.span = s;
                    new.trigger.fragments = self.fragments(&e.trigger.fragments, t);
                    new.trigger.head = self.head(e.trigger.head, t);
                    Some(t)
                }
                _ => {
                    let t = self.keep_doc(&p);
                    if t.is_some() {
                        new.trigger = Default::default();
                        new.attrs.extend(placeholder_attrs(p.reason, e.trigger.span.slice(text).unwrap_or("")));
                    }
                    t
                }
            };
            let Some(t) = t else {
                // The event is gone, and its arguments with it: counted.
                for a in &e.arguments {
                    let q = Placed {
                        doc: None,
                        span: None,
                        class: AlignClass::Unalignable,
                        reason: Some(Reason::EventUnplaced),
                    };
                    self.record(LabelKind::Argument, &a.role, a.span, &q);
                    self.rep.unaligned.dropped += 1;
                }
                continue;
            };
            for (n, a) in e.arguments.iter().enumerate() {
                let mut q = self.place(a.span, &[]);
                if q.span.is_some() && q.doc != Some(t) {
                    q = Placed {
                        doc: Some(t),
                        span: None,
                        class: AlignClass::Unalignable,
                        reason: Some(Reason::EventUnplaced),
                    };
                }
                self.record(LabelKind::Argument, &a.role, a.span, &q);
                match q.span {
                    Some(s) => {
                        let mut na = a.clone();
                        na.span = s;
                        na.head = self.head(a.head, t);
                        new.arguments.push(na);
                    }
                    None => match self.aligner.opts.unaligned {
                        Unaligned::Drop => {
                            self.rep.unaligned.dropped += 1;
                            continue;
                        }
                        Unaligned::Keep | Unaligned::Error => {
                            self.rep.unaligned.kept += 1;
                            let mut na = a.clone();
                            na.span = Span::default();
                            na.head = None;
                            new.attrs.extend(
                                placeholder_attrs(q.reason, a.span.slice(text).unwrap_or(""))
                                    .into_iter()
                                    .map(|(k, v)| (format!("{k}:argument{}", n + 1), v)),
                            );
                            new.arguments.push(na);
                        }
                    },
                }
                self.rep.written += 1;
            }
            placed_ids.insert(e.id.clone(), t);
            self.rep.written += 1;
            self.doc_out(t).events.push(new);
        }
        for r in &ann.relations {
            let docs: Vec<Option<&usize>> = r.args.iter().map(|(_, id)| placed_ids.get(id)).collect();
            match docs.first().copied().flatten() {
                Some(&t) if docs.iter().all(|d| *d == Some(&t)) => {
                    let rel: Relation = r.clone();
                    self.doc_out(t).relations.push(rel);
                }
                _ => self.rep.note("relations dropped (an argument not placed, or in another document)", 1),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Argument, Mention, Trigger};

    fn rec(id: &str, text: &str, ann: DocAnnotations) -> Record {
        Record { document: Document::new(id, text), sets: vec![ann], origin: format!("test:{id}") }
    }

    fn mention(id: &str, text: &str, needle: &str, label: &str) -> Mention {
        let s = text.find(needle).expect("needle");
        Mention::new(id, Span::new(s, s + needle.len()), label)
    }

    fn texts(set: &AnnotationSet, corpus: &[Document]) -> Vec<(String, String, String)> {
        let mut v = Vec::new();
        for d in &set.docs {
            let doc = corpus.iter().find(|c| c.id == d.doc_id).expect("doc");
            for m in &d.entities {
                v.push((d.doc_id.clone(), m.label.to_string(), doc.text[m.span.start..m.span.end].to_string()));
            }
        }
        v
    }

    #[test]
    fn by_id_and_by_content_with_unalignable_policy() {
        let corpus = vec![
            Document::new("a", "Japan began the defence of their Asian Cup title with a lucky 2-1 win against Syria."),
            Document::new(
                "b",
                "China saw their luck desert them in the second match of the group, crashing to Uzbekistan.",
            ),
        ];
        let src_a = "Japan began the defence of their Asian Cup title with a lucky 2 - 1 win against Syria .";
        let mut ann = DocAnnotations::new("a");
        ann.entities.push(mention("T1", src_a, "Asian Cup", "MISC"));
        ann.entities.push(mention("T2", src_a, "Syria", "LOC"));
        // One source covering both corpus documents in reverse order, under another id.
        let src_x = "China saw their luck desert them in the second match of the group , crashing to Uzbekistan . \
                     Japan began the defence of their Asian Cup title with a lucky 2-1 win against Syria. \
                     An extra sentence about Qatar that the corpus never had.";
        let mut ann_x = DocAnnotations::new("x");
        ann_x.entities.push(mention("T1", src_x, "Uzbekistan", "LOC"));
        ann_x.entities.push(mention("T2", src_x, "Japan", "LOC"));
        ann_x.entities.push(mention("T3", src_x, "Qatar", "LOC"));
        let records = vec![rec("a", src_a, ann), rec("x", src_x, ann_x)];
        let sets = vec![SetMeta::gold("test")];
        let al = Aligner::new(&corpus, LabelOptions::default());
        let out = al.align(&records, &sets).expect("aligns");
        let r = &out.report;
        assert_eq!((r.paired_by_id, r.aligned_by_content), (1, 1));
        assert_eq!(r.covered_documents, 2);
        let s = &r.sets[0];
        assert_eq!(s.counts.total(), 5);
        assert_eq!(s.counts.unalignable, 1, "Qatar has no counterpart");
        assert_eq!(s.reasons[&Reason::NotInTarget], 1);
        assert_eq!(s.unaligned.kept, 1);
        let t = texts(&out.sets[0], &corpus);
        assert!(t.contains(&("a".into(), "MISC".into(), "Asian Cup".into())));
        assert!(t.contains(&("b".into(), "LOC".into(), "Uzbekistan".into())));
        // Two source documents feed document a: the colliding T2 is renamed.
        let a = &out.sets[0].docs[0];
        assert!(a.entities.iter().any(|m| m.id == "x/T2"), "{:?}", a.entities);
        assert_eq!(s.notes["ids renamed (two source documents in one corpus document)"], 1);
        // The Qatar placeholder sits in the document its neighbourhood went to (a).
        assert!(
            a.entities.iter().any(|m| m.span.is_empty() && m.attrs.iter().any(|(k, _)| k == "ieval:unaligned")),
            "{:?}",
            out.sets[0].docs
        );
        assert!(out.sets[0].meta.complete);

        let strict = Aligner::new(&corpus, LabelOptions { unaligned: Unaligned::Error, ..Default::default() });
        let e = strict.align(&records, &sets).expect_err("strict fails");
        assert!(e.to_string().contains("\"Qatar\""), "{e}");
        let drop = Aligner::new(&corpus, LabelOptions { unaligned: Unaligned::Drop, ..Default::default() });
        let out = drop.align(&records, &sets).expect("aligns");
        assert_eq!(out.report.sets[0].unaligned.dropped, 1);
        assert_eq!(out.sets[0].entity_count(), 4);
    }

    #[test]
    fn token_boundaries_and_events() {
        let mut doc = Document::new("d", "SKIING-WORLD CUP RESULTS. Tomba won in Kranjska Gora.");
        doc.tokens = crate::formats::conll::whitespace_tokens(&doc.text);
        let corpus = vec![doc];
        let src = "SKIING - WORLD CUP RESULTS . Tomba won in Kranjska Gora .";
        let mut ann = DocAnnotations::new("d");
        ann.entities.push(mention("T1", src, "WORLD CUP", "MISC"));
        ann.entities.push(mention("T2", src, "Tomba", "PER"));
        let trig = src.find("won").expect("won");
        let place = mention("T3", src, "Kranjska Gora", "LOC");
        ann.events.push(Event {
            id: "E1".into(),
            event_type: "Win".into(),
            trigger: Trigger { span: Span::new(trig, trig + 3), ..Default::default() },
            arguments: vec![
                Argument { role: "Agent".into(), entity_id: Some("T2".into()), span: ann.entities[1].span, head: None },
                Argument { role: "Place".into(), entity_id: None, span: place.span, head: None },
            ],
            ..Default::default()
        });
        ann.relations.push(Relation {
            id: "R1".into(),
            label: "x".into(),
            args: vec![("a".into(), "T1".into()), ("b".into(), "E1".into())],
            ..Default::default()
        });
        let al = Aligner::new(&corpus, LabelOptions::default());
        let out = al.align(&[rec("d", src, ann)], &[SetMeta::system("sys", "t")]).expect("aligns");
        let s = &out.report.sets[0];
        // WORLD CUP starts inside the token SKIING-WORLD; Kranjska Gora ends inside "Gora.".
        assert_eq!(s.counts.retokenized, 2);
        assert_eq!(s.reasons[&Reason::TokenBoundary], 2);
        assert_eq!(s.by_kind[&LabelKind::Entity].retokenized, 1);
        assert_eq!(s.by_kind[&LabelKind::Argument].total(), 2);
        assert_eq!(s.counts.unalignable, 0);
        let d = &out.sets[0].docs[0];
        let e = &d.events[0];
        assert_eq!(e.trigger.span.slice(&corpus[0].text), Some("won"));
        assert_eq!(e.arguments[1].span.slice(&corpus[0].text), Some("Kranjska Gora"));
        assert_eq!(d.relations.len(), 1);
    }

    #[test]
    fn output_does_not_depend_on_input_order() {
        let corpus: Vec<Document> = (0..6)
            .map(|i| {
                Document::new(
                    format!("c{i}"),
                    format!("Story {i}: the mayor of Town{i} met envoys from Country{i} on day {i}."),
                )
            })
            .collect();
        let mut records = Vec::new();
        for i in 0..6 {
            let text = format!("Story {i} : the mayor of Town{i} met envoys from Country{i} on day {i} .");
            let mut ann = DocAnnotations::new(format!("c{i}"));
            ann.entities.push(mention("T1", &text, &format!("Country{i}"), "LOC"));
            ann.entities.push(mention("T2", &text, &format!("Town{i}"), "LOC"));
            // Odd stories come under other ids, as one would from another file.
            let id = if i % 2 == 1 { format!("other{i}") } else { format!("c{i}") };
            records.push(rec(&id, &text, ann));
        }
        let sets = vec![SetMeta::gold("t")];
        let al = Aligner::new(&corpus, LabelOptions::default());
        let a = al.align(&records, &sets).expect("aligns");
        records.reverse();
        let b = al.align(&records, &sets).expect("aligns");
        assert_eq!(a.sets, b.sets);
        // Counts agree; examples are the first ones in input order, so they may not.
        let (x, y) = (&a.report.sets[0], &b.report.sets[0]);
        assert_eq!((x.counts, &x.by_kind, &x.reasons, x.written), (y.counts, &y.by_kind, &y.reasons, y.written));
        assert_eq!(a.sets[0].docs.len(), 6);
        assert_eq!(a.sets[0].docs[0].entities[0].id, "T2", "sorted by position: Town before Country");
        assert_eq!((a.report.paired_by_id, a.report.aligned_by_content), (3, 3));
    }

    #[test]
    fn wrong_id_falls_back_to_content() {
        let corpus = vec![
            Document::new("a", "Parliament in Oslo approved the budget after a long debate on oil revenue."),
            Document::new("b", "Heavy snow closed the mountain passes between Bergen and Oslo for two days."),
        ];
        let text = "Heavy snow closed the mountain passes between Bergen and Oslo for two days.";
        let mut ann = DocAnnotations::new("a");
        ann.entities.push(mention("T1", text, "Bergen", "LOC"));
        let al = Aligner::new(&corpus, LabelOptions::default());
        let out = al.align(&[rec("a", text, ann.clone())], &[SetMeta::gold("t")]).expect("aligns");
        let p = &out.report.pairings[0];
        assert_eq!(p.mode, "content");
        assert!(p.note.as_deref().is_some_and(|n| n.contains("content used")), "{p:?}");
        assert_eq!(out.sets[0].docs.iter().find(|d| d.doc_id == "b").map(|d| d.entities.len()), Some(1));
        // Pairing by id only keeps the wrong document, and says so.
        let strict = Aligner::new(&corpus, LabelOptions { pairing: Pairing::Id, ..Default::default() });
        let out = strict.align(&[rec("a", text, ann.clone())], &[SetMeta::gold("t")]).expect("aligns");
        assert_eq!(out.report.sets[0].counts.unalignable, 1);
        let e = strict.align(&[rec("zzz", text, ann)], &[SetMeta::gold("t")]).expect_err("unknown id");
        assert!(e.to_string().contains("\"zzz\" is not in the corpus"), "{e}");
    }
}
