//! Scoring a paired stream: every system on every document, entities and events, in
//! parallel, reduced in document order (counts add, so the result does not depend on
//! `--jobs`).

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::formats::Diagnostics;
use crate::model::SetMeta;
use crate::shard::Shard;

use super::columns;
use super::counts::{Confusion, EntityCounts};
use super::entity::{DocEntityScore, score_document};
use super::event::{self, DocEventScore, EventCounts, EventMatch, EventOptions};
use super::matching::ModeMatch;
use super::packed::DocScores;
use super::profile::Profile;
use super::relation::{self, DocRelationScore, RelationCounts, RelationOptions};
use crate::inputs::{Item, Pairing};

/// Kept here too: the scoring run's per-document result (defined with its packed store).
pub use super::packed::DocScore;

/// Documents scored per parallel batch.
const BATCH: usize = 32;

/// What to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Task {
    /// Entities, plus events when the gold has any (the default).
    #[default]
    Auto,
    Entities,
    Events,
    All,
    /// Relations only (see [`super::relation`]).
    Relations,
    /// Entity linking (see [`super::linking`]): corpus-level measures, not scored by
    /// [`score_with`] (which scores nothing under it).
    Linking,
    /// Coreference (the `coref` engine, as `ieval coref score`): not scored by
    /// [`score_with`] either.
    Coref,
}

impl Task {
    /// True when entities are scored.
    pub fn entities(self) -> bool {
        matches!(self, Task::Auto | Task::Entities | Task::All)
    }
    /// True when events are scored (under `Auto`, reported only when the gold has events).
    pub fn events(self) -> bool {
        matches!(self, Task::Auto | Task::Events | Task::All)
    }
    /// True when relations are scored.
    pub fn relations(self) -> bool {
        self == Task::Relations
    }
}

crate::names::names! {
    Task, "task", "entities, events, all, auto, relations, linking or coref";
    Auto => "auto",
    Entities => "entities",
    Events => "events",
    All => "all",
    Relations => "relations",
    Linking => "linking",
    Coref => "coref",
}

/// How to score.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScoreOptions {
    pub profile: Profile,
    pub task: Task,
    pub events: EventOptions,
    /// Relation options (symmetric labels).
    pub relations: RelationOptions,
    /// Keep every item's category for a [`DetailSink`].
    pub details: bool,
    /// Keep each document's per-label counts in [`SystemScore::docs`] (paired tests and the
    /// results store need them; a report needs only each document's overall counts).
    pub doc_labels: bool,
    /// Score only the documents of this shard (every document is still read and paired, so
    /// that what the readers report is the whole input's; see [`crate::shard`]).
    pub shard: Option<Shard>,
}

impl ScoreOptions {
    /// True when scoring compares mention spans and labels only: entities (task entities, or
    /// auto on an input of entities alone, such as CoNLL) without details, under a profile
    /// other than nervaluate (which counts in tokens). A CoNLL gold can then be read without
    /// its text ([`crate::inputs::InputsBuilder::spans_only`]).
    pub fn spans_only(&self) -> bool {
        !self.details && matches!(self.task, Task::Entities | Task::Auto) && self.profile != Profile::Nervaluate
    }

    /// True when entity spans are all that is scored ([`ScoreOptions::spans_only`] under
    /// [`Task::Entities`]): a Parquet corpus can then be read without its events, relations
    /// and document metadata ([`crate::inputs::InputsBuilder::entities_only`]).
    pub fn entities_only(&self) -> bool {
        self.spans_only() && self.task == Task::Entities
    }

    /// True when relations are scored: under [`Task::Relations`], and under [`Task::All`]
    /// and [`Task::Auto`] when [`RelationOptions::with_all`] asks for it. There, a document
    /// gets relation counts (in [`SystemScore::docs`], and rows in counts files) only when
    /// it has a relation on either side, and relations are reported only when the gold has
    /// any ([`ScoreRun::relations_scored`]): a run on input without relations is the run
    /// without relation scoring, to the byte.
    pub fn scores_relations(&self) -> bool {
        self.task.relations() || (self.relations.with_all && matches!(self.task, Task::All | Task::Auto))
    }
}

/// Everything one system earned.
#[derive(Debug, Clone)]
pub struct SystemScore {
    pub meta: SetMeta,
    /// Per document, in gold order (documents the system skipped are absent), packed.
    pub docs: DocScores,
    pub total: EntityCounts,
    pub events: EventCounts,
    pub confusion: Confusion,
    pub diagnostics: Diagnostics,
    /// Relation totals (empty unless relations are scored).
    pub relations: RelationCounts,
    /// Relations with an argument naming nothing in their document (gold, this system's).
    pub unresolved_relations: (u64, u64),
}

impl SystemScore {
    /// A system with nothing counted yet, keeping its documents' counts in `docs`.
    fn empty(meta: SetMeta, docs: DocScores) -> Self {
        SystemScore {
            meta,
            docs,
            total: EntityCounts::default(),
            events: EventCounts::default(),
            confusion: Confusion::default(),
            diagnostics: Diagnostics::default(),
            relations: RelationCounts::default(),
            unresolved_relations: (0, 0),
        }
    }
}

/// Give each prediction input's diagnostics to the first system it carries.
fn attach_diagnostics(systems: &mut [SystemScore], pred_diags: Vec<(usize, Diagnostics)>) {
    for (first, d) in pred_diags {
        if let Some(s) = systems.get_mut(first) {
            s.diagnostics.merge(d);
        }
    }
}

/// The result of a scoring run.
#[derive(Debug, Clone)]
pub struct ScoreRun {
    pub profile: Profile,
    pub options: ScoreOptions,
    pub gold: SetMeta,
    pub gold_documents: u64,
    pub gold_entities: u64,
    pub gold_events: u64,
    pub gold_arguments: u64,
    /// Gold relations (counted when relations are scored).
    pub gold_relations: u64,
    /// Gold relations of the whole input (counted when relations are scored): a shard
    /// counts those of the other shards' documents too, so that every shard knows whether
    /// the unsharded run reports relations ([`ScoreRun::relation_rows`]).
    pub input_gold_relations: u64,
    pub gold_diagnostics: Diagnostics,
    /// Gold documents read (the whole input, also when only a shard was scored).
    pub input_documents: u64,
    pub systems: Vec<SystemScore>,
}

impl ScoreRun {
    /// True when the run's report carries entity scores.
    pub fn entities_scored(&self) -> bool {
        self.options.task.entities()
    }
    /// True when the run's report carries event scores: asked for, or (by default) the gold
    /// has events.
    pub fn events_scored(&self) -> bool {
        match self.options.task {
            Task::Auto => self.gold_events > 0,
            t => t.events(),
        }
    }
    /// True when the run's report carries relation scores: asked for (`--task relations`),
    /// or with entities and events when relations were scored and the gold has some.
    pub fn relations_scored(&self) -> bool {
        self.options.task.relations() || (self.options.scores_relations() && self.gold_relations > 0)
    }
    /// True when per-document relation counts belong in a counts file: when the unsharded
    /// run reports relations ([`ScoreRun::relations_scored`] of the whole input), so a shard
    /// whose own documents have no gold relation keeps its predicted ones for the merge,
    /// and a run on a gold without relations writes none.
    pub fn relation_rows(&self) -> bool {
        self.options.task.relations() || (self.options.scores_relations() && self.input_gold_relations > 0)
    }
}

/// The item-level outcome of one document and system (each part `None` when not scored).
#[derive(Debug, Clone, Default)]
pub struct DocDetails {
    pub entities: Option<[ModeMatch; 4]>,
    pub events: Option<EventMatch>,
    pub relations: Option<[relation::RelMatch; 3]>,
}

/// What the caller wants to see of each scored document (for error listings, per-document
/// counts files).
pub trait DetailSink {
    /// The item-level outcome (called only when [`ScoreOptions::details`] is on).
    fn document(&mut self, item: &Item, system: usize, details: &DocDetails) -> Result<()>;
    /// The counts of one document and system, in document order; `index` is the document's
    /// position in the paired stream (gold order, then predicted-only documents), the same
    /// in every shard of a run.
    fn counts(
        &mut self,
        _index: u64,
        _doc_id: &str,
        _system: usize,
        _entities: &EntityCounts,
        _events: Option<&EventCounts>,
    ) -> Result<()> {
        Ok(())
    }
    /// The relation counts of one document and system (only when relations are scored),
    /// right after [`DetailSink::counts`] of the same document.
    fn relation_counts(&mut self, _index: u64, _doc_id: &str, _system: usize, _r: &RelationCounts) -> Result<()> {
        Ok(())
    }
    /// False when [`DetailSink::counts`] does nothing with what it is given: a scorer may
    /// then not build per-document counts for it, and calls [`DetailSink::scored`] instead.
    fn wants_counts(&self) -> bool {
        true
    }
    /// Document `index` was scored and its counts were not passed (see
    /// [`DetailSink::wants_counts`]).
    fn scored(&mut self, _index: u64) {}
}

/// No details wanted.
pub struct NoDetails;

impl DetailSink for NoDetails {
    fn document(&mut self, _: &Item, _: usize, _: &DocDetails) -> Result<()> {
        Ok(())
    }
    fn wants_counts(&self) -> bool {
        false
    }
}

/// Something told once per document scored (a progress counter).
pub trait Tick {
    fn tick(&self);
    /// The work moves on to `what` (a progress line's message).
    fn phase(&self, _what: &str) {}
}

impl Tick for () {
    fn tick(&self) {}
}

/// A detail sink that ticks `ticker` once per document scored (whatever the number of
/// systems) and passes everything on to `inner`.
pub struct Ticking<'a> {
    pub inner: &'a mut dyn DetailSink,
    pub ticker: &'a dyn Tick,
    last: Option<u64>,
}

impl<'a> Ticking<'a> {
    pub fn new(inner: &'a mut dyn DetailSink, ticker: &'a dyn Tick) -> Self {
        Ticking { inner, ticker, last: None }
    }

    /// Tick for document `index` unless it was ticked already (one tick per document, for
    /// any number of systems).
    fn tick_once(&mut self, index: u64) {
        if self.last != Some(index) {
            self.last = Some(index);
            self.ticker.tick();
        }
    }
}

impl DetailSink for Ticking<'_> {
    fn document(&mut self, item: &Item, system: usize, details: &DocDetails) -> Result<()> {
        self.inner.document(item, system, details)
    }

    fn counts(
        &mut self,
        index: u64,
        doc_id: &str,
        system: usize,
        entities: &EntityCounts,
        events: Option<&EventCounts>,
    ) -> Result<()> {
        self.tick_once(index);
        self.inner.counts(index, doc_id, system, entities, events)
    }

    fn relation_counts(&mut self, index: u64, doc_id: &str, system: usize, r: &RelationCounts) -> Result<()> {
        self.inner.relation_counts(index, doc_id, system, r)
    }

    fn wants_counts(&self) -> bool {
        self.inner.wants_counts()
    }

    fn scored(&mut self, index: u64) {
        self.tick_once(index);
        self.inner.scored(index)
    }
}

/// Score every system on every document of the pairing (entities only, the historical
/// entry point; see [`score_with`]).
pub fn score(pairing: Pairing, profile: Profile, sink: &mut dyn DetailSink, want_details: bool) -> Result<ScoreRun> {
    let opts =
        ScoreOptions { profile, task: Task::Entities, details: want_details, doc_labels: true, ..Default::default() };
    score_with(pairing, opts, sink)
}

/// One document for one system.
fn score_one(
    item: &Item,
    pred: &crate::model::DocAnnotations,
    opts: &ScoreOptions,
) -> (DocEntityScore, DocEventScore, DocRelationScore) {
    let ents = if opts.task.entities() {
        score_document(&item.doc, &item.gold.entities, &pred.entities, opts.profile, opts.details)
    } else {
        DocEntityScore::default()
    };
    let evs = if opts.task.events() {
        event::score_document(&item.doc, &item.gold, pred, opts.profile, opts.events, opts.details)
    } else {
        DocEventScore::default()
    };
    let rels = if opts.scores_relations() {
        relation::score_document(&item.gold, pred, opts.relations, opts.details)
    } else {
        DocRelationScore::default()
    };
    (ents, evs, rels)
}

fn pred_has_events(item: &Item, system: usize) -> bool {
    item.preds.get(system).and_then(Option::as_ref).is_some_and(|p| !p.events.is_empty())
}

/// One scored document: what the in-order reduction needs of it.
struct Scored {
    index: u64,
    doc_id: String,
    /// The paired document itself, kept only when details are wanted.
    item: Option<Item>,
    /// Gold entities, events, arguments and relations.
    gold: (u64, u64, u64, u64),
    /// Per system: its scores and whether the document has events on either side.
    per_sys: Vec<Option<(DocEntityScore, DocEventScore, bool, DocRelationScore)>>,
}

/// What the reading thread hands the scoring loop: items to score, or documents scored
/// where they were parsed.
enum Batch {
    Items(Vec<Item>),
    Scored(Vec<Scored>),
}

/// Score one item for every system, keeping of it what the reduction needs.
fn score_item(mut item: Item, opts: &ScoreOptions) -> Scored {
    let per_sys = item
        .preds
        .iter()
        .enumerate()
        .map(|(k, p)| {
            p.as_ref().map(|p| {
                let (ents, evs, rels) = score_one(&item, p, opts);
                let has_events = !item.gold.events.is_empty() || pred_has_events(&item, k);
                (ents, evs, has_events, rels)
            })
        })
        .collect();
    let gold = (
        item.gold.entities.len() as u64,
        item.gold.events.len() as u64,
        item.gold.events.iter().map(|e| e.arguments.len() as u64).sum::<u64>(),
        if opts.scores_relations() { item.gold.relations.len() as u64 } else { 0 },
    );
    // The item itself is kept only for the detail sinks.
    let doc_id = if opts.details { item.doc.id.clone() } else { std::mem::take(&mut item.doc.id) };
    let index = item.position;
    let item = opts.details.then_some(item);
    Scored { index, doc_id, item, gold, per_sys }
}

/// [`score_with`] of a pairing that is a CoNLL file's tag columns read for chunks only
/// (see `score::columns`), with the default profile, entities, no details and no shard; `None`
/// (nothing read) for any other.
fn score_tag_columns(
    pairing: &mut Pairing,
    opts: &ScoreOptions,
    sink: &mut dyn DetailSink,
) -> Result<Option<ScoreRun>> {
    let plain = opts.profile == Profile::Default
        && !opts.details
        && matches!(opts.task, Task::Entities | Task::Auto)
        && opts.shard.is_none_or(|s| s.is_all());
    if !plain {
        return Ok(None);
    }
    let metas = pairing.systems().to_vec();
    let Some((src, gold_set, embedded)) = pairing.conll_chunks() else { return Ok(None) };
    let embedded = embedded.to_vec();
    let with_counts = sink.wants_counts();
    let scores = columns::score_columns(src, gold_set, &embedded, opts.doc_labels, with_counts, |s| match s {
        columns::DocOutcome::Counts { index, doc_id, system, entities } => {
            sink.counts(index, doc_id, system, entities, None)
        }
        columns::DocOutcome::Done { index } => {
            sink.scored(index);
            Ok(())
        }
    })?;
    pairing.gold_documents = scores.documents;
    let (gold_diagnostics, pred_diags) = pairing.take_diagnostics();
    let mut systems: Vec<SystemScore> = metas
        .into_iter()
        .zip(scores.systems)
        .map(|(meta, (docs, total, confusion))| SystemScore { total, confusion, ..SystemScore::empty(meta, docs) })
        .collect();
    attach_diagnostics(&mut systems, pred_diags);
    Ok(Some(ScoreRun {
        profile: opts.profile,
        options: *opts,
        gold: pairing.gold_meta().clone(),
        gold_documents: scores.documents,
        gold_entities: scores.gold_entities,
        gold_events: 0,
        gold_arguments: 0,
        gold_relations: 0,
        input_gold_relations: 0,
        gold_diagnostics,
        input_documents: scores.documents,
        systems,
    }))
}

/// Score every system on every document of the pairing.
pub fn score_with(mut pairing: Pairing, opts: ScoreOptions, sink: &mut dyn DetailSink) -> Result<ScoreRun> {
    let profile = opts.profile;
    profile.require_entities()?;
    // Tag columns of one CoNLL file: scored from their chunks, without mentions.
    if let Some(run) = score_tag_columns(&mut pairing, &opts, sink)? {
        return Ok(run);
    }
    let metas = pairing.systems().to_vec();
    let mut systems: Vec<SystemScore> =
        metas.iter().map(|m| SystemScore::empty(m.clone(), DocScores::new(opts.doc_labels))).collect();
    let mut gold_relations = 0u64;
    let mut gold_entities = 0u64;
    let mut gold_events = 0u64;
    let mut gold_arguments = 0u64;
    // Sharded: the stream positions of the shard's documents (to tell gold documents from
    // predicted-only ones at the end).
    let mut shard_items: Vec<u64> = Vec::new();
    // Sharded: gold relations of the other shards' documents (read, not scored).
    let others_gold_relations = AtomicU64::new(0);
    let (others, relations) = (&others_gold_relations, opts.scores_relations());
    let count_other = move |item: &Item| {
        if relations {
            others.fetch_add(item.gold.relations.len() as u64, Ordering::Relaxed);
        }
    };
    // Reading runs in its own thread, a few batches ahead of scoring, so that parsing and
    // matching overlap; the order of batches (and so of every sum) is the input order.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Batch>>(4);
    let shard = opts.shard.filter(|s| !s.is_all());
    let opts_ref = &opts;
    let reader = move || {
        if pairing.is_trivial() {
            // Every system is a set of the gold input: documents are scored (and dropped)
            // in the task that parsed them.
            let score_it = |item: Item, mine: bool| -> Option<Scored> {
                let keep = mine && shard.is_none_or(|s| s.contains(&item.doc.id));
                if !keep {
                    count_other(&item);
                }
                keep.then(|| score_item(item, opts_ref))
            };
            loop {
                let batch = match pairing.next_mapped(score_it) {
                    Ok(Some(b)) => b,
                    Ok(None) => return pairing,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return pairing;
                    }
                };
                let scored = batch.into_iter().flatten().collect();
                if tx.send(Ok(Batch::Scored(scored))).is_err() {
                    return pairing;
                }
            }
        }
        loop {
            let mut batch = Vec::with_capacity(BATCH);
            for item in pairing.by_ref() {
                match item {
                    Ok(i) => {
                        if shard.is_none_or(|s| s.contains(&i.doc.id)) {
                            batch.push(i);
                        } else {
                            count_other(&i);
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return pairing;
                    }
                }
                if batch.len() == BATCH {
                    break;
                }
            }
            if batch.is_empty() || tx.send(Ok(Batch::Items(batch))).is_err() {
                return pairing;
            }
        }
    };
    let joined = std::thread::scope(|scope| -> Result<_> {
        let handle = std::thread::Builder::new()
            .spawn_scoped(scope, reader)
            .map_err(|e| Error::usage(format!("cannot start the reading thread: {e}")))?;
        let outcome = (|| -> Result<()> {
            for batch in rx.iter() {
                let scored: Vec<Scored> = match batch? {
                    Batch::Scored(s) => s,
                    // Each document is scored, and (without details) dropped, on a worker:
                    // what stays is what the reduction below needs.
                    Batch::Items(items) => items.into_par_iter().map(|item| score_item(item, &opts)).collect(),
                };
                for sc in scored {
                    if shard.is_some() {
                        shard_items.push(sc.index);
                    }
                    gold_entities += sc.gold.0;
                    gold_events += sc.gold.1;
                    gold_arguments += sc.gold.2;
                    gold_relations += sc.gold.3;
                    let doc_id = sc.doc_id.as_str();
                    for (k, s) in sc.per_sys.into_iter().enumerate() {
                        let Some((ents, evs, has_events, rels)) = s else { continue };
                        let sys = &mut systems[k];
                        sys.total += &ents.counts;
                        sys.events += &evs.counts;
                        sys.confusion += &ents.confusion;
                        if let Some(item) = &sc.item {
                            let d = DocDetails { entities: ents.details, events: evs.details, relations: rels.details };
                            sink.document(item, k, &d)?;
                        }
                        let events = has_events.then_some(&evs.counts);
                        sink.counts(sc.index, doc_id, k, &ents.counts, events)?;
                        // With entities and events, only a document with a relation on
                        // either side has relation counts.
                        let with_relations = opts.task.relations() || (opts.scores_relations() && rels.counts.any());
                        if with_relations {
                            sys.relations += &rels.counts;
                            sys.unresolved_relations.0 += rels.unresolved.0;
                            sys.unresolved_relations.1 += rels.unresolved.1;
                            sink.relation_counts(sc.index, doc_id, k, &rels.counts)?;
                            sys.docs.push_relations(doc_id, &ents.counts, events, &rels.counts);
                        } else {
                            sys.docs.push(doc_id, &ents.counts, events);
                        }
                    }
                }
            }
            Ok(())
        })();
        // Stop the reader early on an error of ours (it sees the closed channel).
        drop(rx);
        let pairing = handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        Ok((pairing, outcome))
    });
    let (pairing, outcome) = joined?;
    outcome?;
    let mut pairing = pairing;
    let (gold_diagnostics, pred_diags) = pairing.take_diagnostics();
    attach_diagnostics(&mut systems, pred_diags);
    // A shard counts its own gold documents; predicted-only documents come after the gold
    // ones in the stream.
    let gold_documents = if shard.is_some() {
        shard_items.iter().filter(|&&i| i < pairing.gold_documents).count() as u64
    } else {
        pairing.gold_documents
    };
    Ok(ScoreRun {
        profile,
        options: opts,
        gold: pairing.gold_meta().clone(),
        gold_documents,
        gold_entities,
        gold_events,
        gold_arguments,
        gold_relations,
        input_gold_relations: gold_relations + others_gold_relations.into_inner(),
        gold_diagnostics,
        input_documents: pairing.gold_documents,
        systems,
    })
}
