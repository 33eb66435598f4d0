//! Comparing two systems scored on the same gold: per-document counts flattened into
//! series keyed by (task, metric, label), the resampling statistics of [`super::resample`]
//! on every series, and the mentions system B fixed and broke relative to system A.
//!
//! The comparison is generic over the task: anything that yields per-document
//! [`LabelTally`]s under a [`SeriesKey`] is compared the same way (entities today through
//! [`doc_series`]; event scores only need to be added there, and the results store yields
//! the same keys).

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use super::Profile;
use super::counts::{LabelTally, Mode};
use super::errors::rows;
use super::matching::ModeMatch;
use super::relation::RelMode;
use super::resample::{self, Difference, GroupedSeries, Options, Resampling, Series, Stat};
use super::run::{DetailSink, DocDetails, DocScore, ScoreOptions, Task, Tick, Ticking, score_with};
use crate::error::{Error, Result};
use crate::inputs::{Item, Pairing};
use crate::table::pct;

/// Event metrics in their natural order (TextEE naming).
pub const EVENT_METRICS: [&str; 6] = ["TI", "TC", "AI", "AC", "AI+", "AC+"];

/// Coreference metrics of a results store (`coref`, `event-coref` tasks) in their natural
/// order: the seven stored per document ([`crate::suite::runner::coref_rows`]), then
/// `conll`, derived from [`CONLL_PARTS`] and not stored.
pub const COREF_METRICS: [&str; 8] = ["muc", "b3", "ceafm", "ceafe", "lea", "blanc-c", "blanc-n", "conll"];

/// The metrics whose F1 the CoNLL coreference average (`conll`) is the mean of.
pub const CONLL_PARTS: [&str; 3] = ["muc", "b3", "ceafe"];

/// A metric's name in tables and `--metric`, without its statistic: entity and event
/// metrics keep their short names (`strict`, `TC`); the other tasks' are prefixed
/// (`relations/strict`, `coref/muc`).
pub fn metric_name(task: &str, metric: &str) -> String {
    match task {
        "entities" | "events" => metric.to_string(),
        _ => format!("{task}/{metric}"),
    }
}

/// What one series of counts measures. `label` is `""` for the document's overall counts.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SeriesKey {
    pub task: String,
    pub metric: String,
    pub label: String,
}

impl SeriesKey {
    pub fn new(task: &str, metric: &str, label: &str) -> Self {
        SeriesKey { task: task.to_string(), metric: metric.to_string(), label: label.to_string() }
    }

    /// Partial matches earn half credit only in the entity `partial` mode.
    pub fn half_credit(&self) -> bool {
        self.task == "entities" && self.metric == Mode::Partial.name()
    }

    /// Sort key: tasks entities then events, metrics in their natural order, the overall
    /// series before the labels, labels alphabetical.
    fn rank(&self) -> (usize, usize, &str, bool, &str) {
        let task = match self.task.as_str() {
            "entities" => 0,
            "events" => 1,
            "relations" => 2,
            "coref" => 3,
            "event-coref" => 4,
            _ => 5,
        };
        let metric = Mode::ALL
            .iter()
            .position(|m| m.name() == self.metric)
            .or_else(|| EVENT_METRICS.iter().position(|m| *m == self.metric))
            .or_else(|| RelMode::ALL.iter().position(|m| m.name() == self.metric))
            .or_else(|| COREF_METRICS.iter().position(|m| *m == self.metric))
            .unwrap_or(usize::MAX);
        (task, metric, &self.metric, !self.label.is_empty(), &self.label)
    }

    /// `entities/strict`, `events/TC`, `entities/strict/PER`.
    pub fn display(&self) -> String {
        if self.label.is_empty() {
            format!("{}/{}", self.task, self.metric)
        } else {
            format!("{}/{}/{}", self.task, self.metric, self.label)
        }
    }
}

impl PartialOrd for SeriesKey {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for SeriesKey {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&o.rank())
    }
}

/// One document's counts of one system, by series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocCounts {
    pub doc_id: String,
    pub series: BTreeMap<SeriesKey, LabelTally>,
}

/// Every series of a scored document: each entity mode the profile computed, overall and
/// per label, and each relation mode when relations were scored. (Event scores, once on [`DocScore`], add their `("events", metric, label)`
/// series here.)
pub fn doc_series(d: &DocScore, modes: &[Mode]) -> DocCounts {
    let mut series = BTreeMap::new();
    for &m in modes {
        let mc = d.entities.mode(m);
        series.insert(SeriesKey::new("entities", m.name(), ""), mc.overall);
        for (l, t) in &mc.labels {
            series.insert(SeriesKey::new("entities", m.name(), l), *t);
        }
    }
    if let Some(rel) = &d.relations {
        for m in RelMode::ALL {
            let mc = rel.mode(m);
            series.insert(SeriesKey::new("relations", m.name(), ""), mc.overall);
            for (l, t) in &mc.labels {
                series.insert(SeriesKey::new("relations", m.name(), l), *t);
            }
        }
    }
    DocCounts { doc_id: d.doc_id.clone(), series }
}

/// One row of the comparison: a statistic of one series.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub task: String,
    pub metric: String,
    pub label: String,
    pub stat: Stat,
    #[serde(flatten)]
    pub diff: Difference,
}

/// How the documents of the two systems lined up.
#[derive(schemars::JsonSchema, Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Alignment {
    /// Documents scored for both systems (the ones compared).
    pub paired: usize,
    /// Documents scored for A only / B only (left out, with a few ids).
    pub only_a: usize,
    pub only_b: usize,
    pub examples: Vec<String>,
}

/// Per-document overall counts of both systems (for independent re-computation).
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocPair {
    pub doc_id: String,
    pub a: BTreeMap<String, LabelTally>,
    pub b: BTreeMap<String, LabelTally>,
}

/// The statistics of a comparison.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    pub alignment: Alignment,
    /// How the resamples were drawn (`documents` or `normal`; see `--resampling`).
    pub resampling: Resampling,
    /// Overall series first, then per label; within each in [`SeriesKey`] order, P, R, F1.
    pub rows: Vec<Row>,
    pub per_document: Option<Vec<DocPair>>,
}

/// One system's per-document counts, column-wise: what [`compare`] reads. Each series is a
/// column of one small id per document into the series' distinct rows (id 0: no counts),
/// so a million documents of 66 series take 4 bytes a cell, and rows given twice for the
/// same document and series add up.
#[derive(Debug, Default)]
pub struct SystemCounts {
    doc_ids: Vec<String>,
    doc_index: FxHashMap<String, u32>,
    keys: Vec<SeriesKey>,
    columns: Vec<Column>,
    last_doc: Option<u32>,
    last_key: usize,
}

#[derive(Debug)]
struct Column {
    rows: Vec<LabelTally>,
    /// Rows whose counts fit a byte each, by their packed form (a small key keeps the
    /// index in cache: most rows are such); the others by the whole tally.
    packed: FxHashMap<u64, u32>,
    index: FxHashMap<LabelTally, u32>,
    ids: Vec<u32>,
}

/// A tally's eight counts in one word, when each fits a byte (and the two that are always
/// zero are).
fn pack(t: &LabelTally) -> Option<u64> {
    let (g, p) = (&t.gold, &t.pred);
    if g.spu != 0 || p.mis != 0 {
        return None;
    }
    let mut w = 0u64;
    for x in [g.cor, g.inc, g.par, g.mis, p.cor, p.inc, p.par, p.spu] {
        if x > 0xff {
            return None;
        }
        w = w << 8 | x;
    }
    Some(w)
}

impl Column {
    fn new() -> Self {
        Column {
            rows: vec![LabelTally::default()],
            packed: [(0, 0)].into_iter().collect(),
            index: FxHashMap::default(),
            ids: Vec::new(),
        }
    }

    fn intern(&mut self, t: LabelTally) -> u32 {
        let next = self.rows.len() as u32;
        let i = match pack(&t) {
            Some(w) => *self.packed.entry(w).or_insert(next),
            None => *self.index.entry(t).or_insert(next),
        };
        if i == next {
            self.rows.push(t);
        }
        i
    }

    fn id(&self, doc: u32) -> u32 {
        self.ids.get(doc as usize).copied().unwrap_or(0)
    }
}

impl SystemCounts {
    pub fn new() -> Self {
        Self::default()
    }

    /// Documents so far.
    pub fn docs(&self) -> usize {
        self.doc_ids.len()
    }

    /// Whether document `id` has been added.
    pub fn has_doc(&self, id: &str) -> bool {
        self.doc_index.contains_key(id)
    }

    /// The index of document `id`, added when new.
    pub fn doc(&mut self, id: &str) -> u32 {
        // Rows come document after document (the last one hits), or series after series
        // with the documents in the same order each time (one of the next few hits: a
        // label's series skips the documents without it).
        if let Some(last) = self.last_doc {
            for j in last..last + 8 {
                if self.doc_ids.get(j as usize).is_some_and(|d| same(d, id)) {
                    self.last_doc = Some(j);
                    return j;
                }
            }
        }
        let j = match self.doc_index.get(id) {
            Some(&j) => j,
            None => {
                let j = self.doc_ids.len() as u32;
                self.doc_ids.push(id.to_string());
                self.doc_index.insert(id.to_string(), j);
                j
            }
        };
        self.last_doc = Some(j);
        j
    }

    /// The index of a series, added when new.
    pub fn series(&mut self, task: &str, metric: &str, label: &str) -> usize {
        let hit = |k: &SeriesKey| same(&k.label, label) && same(&k.metric, metric) && same(&k.task, task);
        // A document's series come in the same order for every document: the one after the
        // last first.
        for i in [self.last_key + 1, self.last_key] {
            if self.keys.get(i).is_some_and(hit) {
                self.last_key = i;
                return i;
            }
        }
        let i = self.keys.iter().position(hit).unwrap_or_else(|| {
            self.keys.push(SeriesKey::new(task, metric, label));
            self.columns.push(Column::new());
            self.keys.len() - 1
        });
        self.last_key = i;
        i
    }

    /// Add counts of document `doc` ([`SystemCounts::doc`]) to series `series`
    /// ([`SystemCounts::series`]).
    pub fn add(&mut self, doc: u32, series: usize, t: LabelTally) {
        let c = &mut self.columns[series];
        let j = doc as usize;
        if c.ids.len() <= j {
            c.ids.resize(j + 1, 0);
        }
        let sum = c.rows[c.ids[j] as usize] + t;
        c.ids[j] = c.intern(sum);
    }

    /// From per-document counts (`name` names the system in errors: ids must be unique).
    pub fn from_docs(docs: &[DocCounts], name: &str) -> Result<SystemCounts> {
        let mut s = SystemCounts::new();
        for d in docs {
            if s.has_doc(&d.doc_id) {
                return Err(Error::data(
                    "comparison",
                    format!("system {name} has a duplicate document id {:?}", d.doc_id),
                ));
            }
            let j = s.doc(&d.doc_id);
            for (k, t) in &d.series {
                let i = s.series(&k.task, &k.metric, &k.label);
                s.add(j, i, *t);
            }
        }
        Ok(s)
    }

    fn column(&self, k: &SeriesKey) -> Option<&Column> {
        self.keys.iter().position(|x| x == k).map(|i| &self.columns[i])
    }

    /// Series `k`'s counts summed over the documents.
    pub fn total(&self, k: &SeriesKey) -> LabelTally {
        self.column(k).map_or_else(LabelTally::default, |c| {
            (0..self.docs() as u32).fold(LabelTally::default(), |t, j| t + c.rows[c.id(j) as usize])
        })
    }

    /// The documents grouped by their counts in all of `keys` jointly (for
    /// [`resample::mean_f1_interval_normal`]), in a canonical order.
    pub fn joint_grouped(&self, keys: &[SeriesKey]) -> Vec<(Vec<LabelTally>, u64)> {
        let cols: Vec<Option<&Column>> = keys.iter().map(|k| self.column(k)).collect();
        let mut n: FxHashMap<Vec<u32>, u64> = FxHashMap::default();
        for j in 0..self.docs() as u32 {
            *n.entry(cols.iter().map(|c| c.map_or(0, |c| c.id(j))).collect()).or_default() += 1;
        }
        let row = |ids: &[u32]| -> Vec<LabelTally> {
            cols.iter().zip(ids).map(|(c, &i)| c.map_or_else(LabelTally::default, |c| c.rows[i as usize])).collect()
        };
        let mut groups: Vec<(Vec<LabelTally>, u64)> = n.into_iter().map(|(ids, m)| (row(&ids), m)).collect();
        groups.sort_unstable_by_key(|g| g.0.iter().map(tally_key).collect::<Vec<_>>());
        groups
    }

    /// Whether any document has a row of series `k`.
    pub fn has_series(&self, k: &SeriesKey) -> bool {
        self.column(k).is_some()
    }

    /// Every document's counts of series `k`, in the order documents were added (zero
    /// where a document has none).
    pub fn series_docs(&self, k: &SeriesKey) -> Vec<LabelTally> {
        let c = self.column(k);
        (0..self.docs() as u32).map(|j| c.map_or_else(LabelTally::default, |c| c.rows[c.id(j) as usize])).collect()
    }

    /// Series `k` with its documents grouped by identical counts, the system's counts on
    /// both sides (for [`resample::intervals_normal`]).
    pub fn grouped(&self, k: &SeriesKey) -> GroupedSeries {
        let mut groups: Vec<(LabelTally, LabelTally, u64)> = match self.column(k) {
            Some(c) => {
                let mut n = vec![0u64; c.rows.len()];
                for j in 0..self.docs() as u32 {
                    n[c.id(j) as usize] += 1;
                }
                c.rows.iter().zip(n).filter(|(_, m)| *m > 0).map(|(t, m)| (*t, *t, m)).collect()
            }
            None => vec![(LabelTally::default(), LabelTally::default(), self.docs() as u64)],
        };
        groups.sort_unstable_by_key(|g| tally_key(&g.0));
        GroupedSeries { half: k.half_credit(), groups }
    }
}

/// String equality without a library call: the strings compared for every row read (ids,
/// names of series) are short, where a call to `memcmp` costs more than the comparison.
#[inline]
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail = ca.remainder().iter().zip(cb.remainder()).all(|(x, y)| x == y);
    let word = |c: &[u8]| u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
    tail && ca.zip(cb).all(|(x, y)| word(x) == word(y))
}

/// Keep the 5 smallest ids seen in `v` (sorted), whatever order they come in.
fn keep_smallest(v: &mut Vec<String>, id: &str) {
    if v.len() < 5 || v.last().is_some_and(|l| id < l.as_str()) {
        let at = v.partition_point(|x| x.as_str() < id);
        v.insert(at, id.to_string());
        v.truncate(5);
    }
}

/// A tally as a sort key.
fn tally_key(t: &LabelTally) -> [u64; 10] {
    let (g, p) = (&t.gold, &t.pred);
    [g.cor, g.inc, g.par, g.mis, g.spu, p.cor, p.inc, p.par, p.mis, p.spu]
}

/// Pair the two systems' documents by id (in id order) and compute every statistic of every
/// series present in either, resampling as `method` says ([`Resampling::resolve`]d on the
/// paired documents). A label absent from a document has zero counts there.
pub fn compare(
    a: &SystemCounts,
    b: &SystemCounts,
    zero: bool,
    opts: &Options,
    method: Resampling,
    per_document: bool,
) -> Result<Statistics> {
    let mut alignment = Alignment::default();
    // Resampling draws documents by position: put them in id order, so that intervals and
    // p-values do not depend on the order of the input (ids are unique).
    let mut order: Vec<u32> = (0..a.docs() as u32).collect();
    order.sort_unstable_by(|&x, &y| a.doc_ids[x as usize].cmp(&a.doc_ids[y as usize]));
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(order.len());
    for ja in order {
        let id = &a.doc_ids[ja as usize];
        match b.doc_index.get(id) {
            Some(&jb) => pairs.push((ja, jb)),
            None => {
                alignment.only_a += 1;
                keep_smallest(&mut alignment.examples, id);
            }
        }
    }
    for id in &b.doc_ids {
        if !a.has_doc(id) {
            alignment.only_b += 1;
            keep_smallest(&mut alignment.examples, id);
        }
    }
    alignment.paired = pairs.len();

    let mut keys: Vec<&SeriesKey> = a.keys.iter().chain(&b.keys).collect();
    keys.sort();
    keys.dedup();
    // Overall series first (the headline table), then labels.
    keys.sort_by_key(|k| !k.label.is_empty());
    let cols: Vec<(Option<&Column>, Option<&Column>)> = keys.iter().map(|k| (a.column(k), b.column(k))).collect();
    let ids = |c: Option<&Column>, j: u32| c.map_or(0, |c| c.id(j));
    let row = |c: Option<&Column>, id: u32| c.map_or_else(LabelTally::default, |c| c.rows[id as usize]);
    let method = method.resolve(pairs.len());
    let stats = match method {
        Resampling::Normal => {
            let grouped: Vec<GroupedSeries> = keys
                .par_iter()
                .zip(&cols)
                .map(|(k, &(ca, cb))| {
                    let mut counts: FxHashMap<(u32, u32), u64> = FxHashMap::default();
                    for &(ja, jb) in &pairs {
                        *counts.entry((ids(ca, ja), ids(cb, jb))).or_default() += 1;
                    }
                    let mut groups: Vec<(LabelTally, LabelTally, u64)> =
                        counts.into_iter().map(|((x, y), m)| (row(ca, x), row(cb, y), m)).collect();
                    // A canonical order: the moments' sums do not depend on the input's.
                    groups.sort_unstable_by_key(|g| (tally_key(&g.0), tally_key(&g.1)));
                    GroupedSeries { half: k.half_credit(), groups }
                })
                .collect();
            resample::compare_normal(&grouped, zero, opts)?
        }
        _ => {
            let columns: Vec<(Vec<LabelTally>, Vec<LabelTally>)> = cols
                .iter()
                .map(|&(ca, cb)| {
                    (
                        pairs.iter().map(|&(ja, _)| row(ca, ids(ca, ja))).collect(),
                        pairs.iter().map(|&(_, jb)| row(cb, ids(cb, jb))).collect(),
                    )
                })
                .collect();
            let series: Vec<Series> =
                keys.iter().zip(&columns).map(|(k, (ca, cb))| Series { half: k.half_credit(), a: ca, b: cb }).collect();
            resample::compare(&series, zero, opts)?
        }
    };
    let mut out = Vec::with_capacity(3 * keys.len());
    for (k, diffs) in keys.iter().zip(stats) {
        for s in Stat::ALL {
            out.push(Row {
                task: k.task.clone(),
                metric: k.metric.clone(),
                label: k.label.clone(),
                stat: s,
                diff: diffs[s.index()],
            });
        }
    }
    let per_document = per_document.then(|| {
        let overall = |c: &SystemCounts, j: u32| -> BTreeMap<String, LabelTally> {
            c.keys
                .iter()
                .zip(&c.columns)
                .filter(|(k, col)| k.label.is_empty() && (j as usize) < col.ids.len())
                .map(|(k, col)| (k.display(), col.rows[col.id(j) as usize]))
                .collect()
        };
        pairs
            .iter()
            .map(|&(ja, jb)| DocPair { doc_id: a.doc_ids[ja as usize].clone(), a: overall(a, ja), b: overall(b, jb) })
            .collect()
    });
    Ok(Statistics { alignment, resampling: method, rows: out, per_document })
}

/// A mention whose outcome changed between A and B.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub doc_id: String,
    /// `gold`: a gold mention (found or lost); `spurious`: a spurious prediction (removed or
    /// added).
    pub kind: String,
    /// Code points, end-exclusive.
    pub start: u32,
    pub end: u32,
    pub text: String,
    pub label: String,
    /// The category under A and under B (COR, INC, PAR, MIS, SPU; `-` for a spurious
    /// prediction the system does not make).
    pub a: String,
    pub b: String,
    /// The label A's / B's matched prediction carries (gold mentions only).
    pub a_label: Option<String>,
    pub b_label: Option<String>,
}

/// The mentions B fixed and broke relative to A in one entity mode: a gold mention is
/// fixed when A did not get it right (not COR) and B does, broken the other way round; a
/// spurious prediction of A (same span and label) that B does not make is fixed, one B adds
/// is broken.
#[derive(schemars::JsonSchema, Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub mode: String,
    pub fixed: Vec<Change>,
    pub broken: Vec<Change>,
}

/// A [`DetailSink`] collecting [`Changes`] between systems 0 (A) and 1 (B) of a pairing.
/// The changes come out in document-id order (within a document, in its order), whatever
/// the order of the input.
pub struct ChangeCollector {
    mode: Mode,
    /// The systems compared: A and B, indices of the pairing's systems.
    systems: (usize, usize),
    /// The first of A and B seen on the current document: (document id, is B, its matches).
    pending: Option<(String, bool, [ModeMatch; 4])>,
    /// Per document id: its fixed and broken changes.
    by_doc: BTreeMap<String, (Vec<Change>, Vec<Change>)>,
}

impl ChangeCollector {
    pub fn new(mode: Mode) -> Self {
        Self::between(mode, 0, 1)
    }

    /// Changes from system `a` to system `b` of the pairing.
    pub fn between(mode: Mode, a: usize, b: usize) -> Self {
        ChangeCollector { mode, systems: (a, b), pending: None, by_doc: BTreeMap::new() }
    }

    /// The changes, in document-id order.
    pub fn into_changes(self) -> Changes {
        let mut out = Changes { mode: self.mode.name().to_string(), ..Default::default() };
        for (_, (fixed, broken)) in self.by_doc {
            out.fixed.extend(fixed);
            out.broken.extend(broken);
        }
        out
    }
}

impl DetailSink for ChangeCollector {
    fn document(&mut self, item: &Item, system: usize, details: &DocDetails) -> Result<()> {
        // Entities only (event details are not part of this view yet).
        let Some(details) = &details.entities else { return Ok(()) };
        let (a, b) = self.systems;
        let is_b = match system {
            s if s == a => false,
            s if s == b => true,
            _ => return Ok(()),
        };
        match self.pending.take() {
            Some((id, first_is_b, first)) if id == item.doc.id && first_is_b != is_b => {
                let (da, db) = if is_b { (&first, details) } else { (details, &first) };
                let mut out = Changes::default();
                diff_document(item, (a, da), (b, db), self.mode, &mut out);
                if !out.fixed.is_empty() || !out.broken.is_empty() {
                    let slot = self.by_doc.entry(id).or_default();
                    slot.0.extend(out.fixed);
                    slot.1.extend(out.broken);
                }
            }
            _ => self.pending = Some((item.doc.id.clone(), is_b, details.clone())),
        }
        Ok(())
    }
}

/// The fixed and broken mentions of one document, A and B given as (system index, matches).
fn diff_document(item: &Item, a: (usize, &[ModeMatch; 4]), b: (usize, &[ModeMatch; 4]), mode: Mode, out: &mut Changes) {
    let ra = rows(item, "A", a.0, a.1);
    let rb = rows(item, "B", b.0, b.1);
    let cat = |r: &super::errors::ErrorRow| -> Option<&'static str> {
        match mode {
            Mode::Strict => r.strict,
            Mode::Exact => r.exact,
            Mode::Partial => r.partial,
            Mode::Type => r.type_,
        }
    };
    fn partner(r: &super::errors::ErrorRow, mode: Mode) -> Option<&String> {
        match mode {
            Mode::Strict => r.strict_match.as_ref(),
            Mode::Exact => r.exact_match.as_ref(),
            Mode::Partial => r.partial_match.as_ref(),
            Mode::Type => r.type_match.as_ref(),
        }
    }
    let labels = |rs: &[super::errors::ErrorRow]| -> HashMap<String, String> {
        rs.iter().filter(|r| r.side == "pred").map(|r| (r.id.clone(), r.label.clone())).collect()
    };
    let (la, lb) = (labels(&ra), labels(&rb));
    let gold_a = ra.iter().filter(|r| r.side == "gold");
    let gold_b = rb.iter().filter(|r| r.side == "gold");
    for (x, y) in gold_a.zip(gold_b) {
        let (Some(ca), Some(cb)) = (cat(x), cat(y)) else { continue };
        let fixed = ca != "COR" && cb == "COR";
        let broken = ca == "COR" && cb != "COR";
        if !(fixed || broken) {
            continue;
        }
        let c = Change {
            doc_id: x.doc_id.clone(),
            kind: "gold".into(),
            start: x.start,
            end: x.end,
            text: x.text.clone(),
            label: x.label.clone(),
            a: ca.into(),
            b: cb.into(),
            a_label: partner(x, mode).and_then(|p| la.get(p)).cloned(),
            b_label: partner(y, mode).and_then(|p| lb.get(p)).cloned(),
        };
        if fixed { out.fixed.push(c) } else { out.broken.push(c) }
    }
    // Spurious predictions as multisets of (start, end, label), in text order.
    type Key = (u32, u32, String);
    let spurious = |rs: &[super::errors::ErrorRow]| -> BTreeMap<Key, (usize, String)> {
        let mut m: BTreeMap<Key, (usize, String)> = BTreeMap::new();
        for r in rs.iter().filter(|r| r.side == "pred" && cat(r) == Some("SPU")) {
            m.entry((r.start, r.end, r.label.clone())).or_insert((0, r.text.clone())).0 += 1;
        }
        m
    };
    let (sa, sb) = (spurious(&ra), spurious(&rb));
    let mut emit = |from: &BTreeMap<Key, (usize, String)>, other: &BTreeMap<Key, (usize, String)>, fixed: bool| {
        for (k, (n, text)) in from {
            let left = n.saturating_sub(other.get(k).map_or(0, |o| o.0));
            for _ in 0..left {
                let (a, b) = if fixed { ("SPU", "-") } else { ("-", "SPU") };
                let c = Change {
                    doc_id: item.doc.id.clone(),
                    kind: "spurious".into(),
                    start: k.0,
                    end: k.1,
                    text: text.clone(),
                    label: k.2.clone(),
                    a: a.into(),
                    b: b.into(),
                    a_label: None,
                    b_label: None,
                };
                if fixed { out.fixed.push(c) } else { out.broken.push(c) }
            }
        }
    };
    emit(&sa, &sb, true);
    emit(&sb, &sa, false);
}

/// A regression gate: `METRIC[:DELTA]`, e.g. `strict-f1:0.005` (entities) or `TC-f1`
/// (events). DELTA is a fraction (0.005 = half a point of F1), default 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub task: String,
    pub metric: String,
    pub stat: Stat,
    pub delta: f64,
    pub spec: String,
}

/// Parse `MODE-STAT` (entities: strict, exact, partial, type; events: TI, TC, AI, AC, AI+,
/// AC+; STAT: p, r, f1) into (task, metric, stat); or `TASK/METRIC-STAT` for the other
/// tasks of a results store: `relations/strict-f1` (strict, boundaries, relaxed),
/// `coref/muc-f1` and `event-coref/muc-f1` (muc, b3, ceafm, ceafe, lea, blanc-c, blanc-n,
/// and conll: the mean of the MUC, B³ and CEAFe F1).
pub fn parse_metric(s: &str) -> std::result::Result<(String, String, Stat), String> {
    let (m, st) = s.rsplit_once('-').ok_or_else(|| format!("metric {s:?}: expected MODE-STAT, e.g. strict-f1"))?;
    let stat: Stat = st.parse()?;
    if let Some((task, metric)) = m.split_once('/') {
        let known: Vec<&str> = match task {
            "entities" => Mode::ALL.map(Mode::name).to_vec(),
            "events" => EVENT_METRICS.to_vec(),
            "relations" => RelMode::ALL.map(RelMode::name).to_vec(),
            "coref" | "event-coref" => COREF_METRICS.to_vec(),
            _ => {
                return Err(format!(
                    "metric {s:?}: unknown task {task:?} (expected entities, events, relations, coref or event-coref)"
                ));
            }
        };
        if !known.contains(&metric) {
            return Err(format!("metric {s:?}: unknown {task} metric {metric:?} (expected {})", known.join(", ")));
        }
        if metric == "conll" && stat != Stat::F1 {
            return Err(format!("metric {s:?}: the CoNLL average is an F1 only ({task}/conll-f1)"));
        }
        return Ok((task.into(), metric.into(), stat));
    }
    if let Ok(mode) = m.to_ascii_lowercase().parse::<Mode>() {
        return Ok(("entities".into(), mode.name().into(), stat));
    }
    if let Some(e) = EVENT_METRICS.iter().find(|e| e.eq_ignore_ascii_case(m)) {
        return Ok(("events".into(), e.to_string(), stat));
    }
    Err(format!("metric {s:?}: unknown mode {m:?} (expected strict, exact, partial, type, TI, TC, AI, AC, AI+ or AC+)"))
}

impl std::str::FromStr for Gate {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (m, d) = match s.split_once(':') {
            Some((m, d)) => {
                let d: f64 = d.parse().map_err(|_| format!("{s:?}: DELTA {d:?} is not a number"))?;
                if !(d.is_finite() && d >= 0.0) {
                    return Err(format!("{s:?}: DELTA must be a non-negative fraction, e.g. 0.005"));
                }
                (m, d)
            }
            None => (s, 0.0),
        };
        let (task, metric, stat) = parse_metric(m)?;
        Ok(Gate { task, metric, stat, delta: d, spec: s.to_string() })
    }
}

/// The verdict of one gate.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub gate: String,
    pub delta: Option<f64>,
    pub p: Option<f64>,
    /// True when B is worse than A by more than the gate's DELTA and the difference is
    /// significant (approximate-randomization p < alpha).
    pub failed: bool,
    pub message: String,
}

/// Judge a gate on the overall rows of a comparison. The p-value is the approximate
/// randomization one: Riezler & Maxwell (2005) found it less prone to false rejections than
/// the bootstrap on NLP metrics, which is what a CI gate needs.
pub fn judge(g: &Gate, rows: &[Row], alpha: f64) -> Verdict {
    let row = rows.iter().find(|r| r.task == g.task && r.metric == g.metric && r.label.is_empty() && r.stat == g.stat);
    let Some(r) = row else {
        return Verdict {
            gate: g.spec.clone(),
            delta: None,
            p: None,
            failed: false,
            message: format!("{}: no {} {} scores to compare; gate not applied", g.spec, g.task, g.metric),
        };
    };
    let (d, p) = (r.diff.delta, r.diff.p_randomization);
    let name = format!("{} {}", g.metric, g.stat.name());
    match (d, p) {
        (Some(d), Some(p)) => {
            let failed = d < -g.delta && p < alpha;
            let message = if failed {
                format!(
                    "REGRESSION {}: B is worse than A by {:.2} points ({name}: {} -> {}), more than the allowed {:.2}, and significant (p = {p:.4} < {alpha})",
                    g.spec,
                    -100.0 * d,
                    pct(r.diff.a),
                    pct(r.diff.b),
                    100.0 * g.delta
                )
            } else if d < -g.delta {
                format!(
                    "ok {}: B is lower by {:.2} points ({name}) but not significantly (p = {p:.4} >= {alpha})",
                    g.spec,
                    -100.0 * d
                )
            } else {
                format!("ok {}: difference {:+.2} points ({name}), p = {p:.4}", g.spec, 100.0 * d)
            };
            Verdict { gate: g.spec.clone(), delta: Some(d), p: Some(p), failed, message }
        }
        _ => Verdict {
            gate: g.spec.clone(),
            delta: d,
            p,
            failed: false,
            message: format!("{}: {name} is undefined for A or B; gate not applied", g.spec),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn task_prefixed_metrics() {
        let p = |s: &str| parse_metric(s).map(|(t, m, st)| (t, m, st.short().to_string()));
        assert_eq!(p("relations/relaxed-p"), Ok(("relations".into(), "relaxed".into(), "p".into())));
        assert_eq!(p("coref/conll-f1"), Ok(("coref".into(), "conll".into(), "f1".into())));
        assert_eq!(p("event-coref/blanc-n-r"), Ok(("event-coref".into(), "blanc-n".into(), "r".into())));
        assert_eq!(p("strict-f1"), Ok(("entities".into(), "strict".into(), "f1".into())));
        assert!(p("coref/conll-p").expect_err("conll-p").contains("F1 only"));
        assert!(p("relations/partial-f1").expect_err("partial").contains("unknown relations metric"));
        assert!(p("links/muc-f1").expect_err("links").contains("unknown task"));
    }

    use crate::score::counts::Tally;

    fn doc(id: &str, cor: u64, mis: u64, spu: u64) -> DocCounts {
        let t = LabelTally {
            gold: Tally { cor, mis, ..Default::default() },
            pred: Tally { cor, spu, ..Default::default() },
        };
        let mut series = BTreeMap::new();
        series.insert(SeriesKey::new("entities", "strict", ""), t);
        series.insert(SeriesKey::new("entities", "strict", "PER"), t);
        DocCounts { doc_id: id.into(), series }
    }

    #[test]
    fn series_order_is_natural() {
        let mut v = [
            SeriesKey::new("events", "TI", ""),
            SeriesKey::new("entities", "type", ""),
            SeriesKey::new("entities", "strict", "PER"),
            SeriesKey::new("entities", "strict", ""),
            SeriesKey::new("events", "AC+", ""),
        ];
        v.sort();
        let names: Vec<String> = v.iter().map(|k| k.display()).collect();
        assert_eq!(names, ["entities/strict", "entities/strict/PER", "entities/type", "events/TI", "events/AC+"]);
    }

    /// The column-wise counts do not depend on how the rows come: document after document,
    /// series after series, a row split in two, documents shuffled — the same totals,
    /// per-document counts, groups and comparison; and the accessors agree with each other.
    #[test]
    fn system_counts_take_rows_in_any_order() {
        let mut rng = crate::score::resample::SplitMix64::new(42);
        let series = [("entities", "strict", ""), ("entities", "strict", "PER"), ("events", "TC", "")];
        let cell = |rng: &mut crate::score::resample::SplitMix64| LabelTally {
            gold: Tally { cor: rng.below(4), mis: rng.below(3), ..Default::default() },
            pred: Tally { cor: 0, spu: rng.below(2), ..Default::default() },
        };
        // rows[d][s]; a third of the PER cells absent (no row at all).
        let rows: Vec<Vec<Option<LabelTally>>> =
            (0..40).map(|d| (0..3).map(|s| (s != 1 || d % 3 != 0).then(|| cell(&mut rng))).collect()).collect();
        let id = |d: usize| format!("doc-{d:02}");
        let build = |order: &[(usize, usize)], split: bool| -> SystemCounts {
            let mut c = SystemCounts::new();
            for &(d, s) in order {
                let Some(t) = rows[d][s] else { continue };
                let (j, k) = (c.doc(&id(d)), c.series(series[s].0, series[s].1, series[s].2));
                if split && d == 7 {
                    let half =
                        LabelTally { gold: Tally { cor: t.gold.cor, ..Default::default() }, ..Default::default() };
                    c.add(j, k, half);
                    c.add(j, k, LabelTally { gold: Tally { cor: 0, ..t.gold }, ..t });
                } else {
                    c.add(j, k, t);
                }
            }
            c
        };
        let doc_major: Vec<(usize, usize)> = (0..40).flat_map(|d| (0..3).map(move |s| (d, s))).collect();
        let series_major: Vec<(usize, usize)> = (0..3).flat_map(|s| (0..40).map(move |d| (d, s))).collect();
        let mut shuffled = doc_major.clone();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let reference = build(&doc_major, false);
        let other = build(&series_major, false);
        let opts = Options { samples: 60, ..Default::default() };
        let want = compare(&reference, &other, false, &opts, Resampling::Auto, true).expect("compare");
        for (order, split) in [(&series_major, false), (&shuffled, false), (&doc_major, true)] {
            let c = build(order, split);
            assert_eq!(c.docs(), 40);
            let got = compare(&c, &other, false, &opts, Resampling::Auto, true).expect("compare");
            assert_eq!(got, want);
            for (s, &(t, m, l)) in series.iter().enumerate() {
                let k = SeriesKey::new(t, m, l);
                let direct = rows.iter().filter_map(|r| r[s]).fold(LabelTally::default(), |a, b| a + b);
                assert_eq!(c.total(&k), direct, "{k:?}");
                assert_eq!(c.series_docs(&k).into_iter().fold(LabelTally::default(), |a, b| a + b), direct);
                let g = c.grouped(&k);
                assert_eq!(g.groups.iter().map(|x| x.2).sum::<u64>(), 40);
                assert!(g.groups.iter().all(|x| x.0 == x.1));
            }
        }
        assert!(!reference.has_series(&SeriesKey::new("relations", "strict", "")));
        assert_eq!(reference.series_docs(&SeriesKey::new("relations", "strict", "")), vec![LabelTally::default(); 40]);
    }

    #[test]
    fn pairs_by_id_and_reports_unpaired() {
        let a = vec![doc("d1", 2, 1, 0), doc("d2", 1, 0, 1), doc("d3", 1, 1, 1)];
        let b = vec![doc("d2", 1, 0, 0), doc("d1", 3, 0, 0), doc("d4", 1, 0, 0)];
        let (a, b) = (SystemCounts::from_docs(&a, "A").expect("a"), SystemCounts::from_docs(&b, "B").expect("b"));
        let s = compare(&a, &b, false, &Options { samples: 50, ..Default::default() }, Resampling::Auto, true)
            .expect("compare");
        assert_eq!(s.resampling, Resampling::Documents);
        assert_eq!((s.alignment.paired, s.alignment.only_a, s.alignment.only_b), (2, 1, 1));
        assert_eq!(s.rows.len(), 6);
        assert_eq!(s.rows[0].label, "");
        assert_eq!(s.rows[3].label, "PER");
        let f1 = &s.rows[2];
        // A over d1, d2: cor 3, pos 4, act 4 -> 0.75; B: cor 4, pos 4, act 4 -> 1.
        assert_eq!((f1.diff.a, f1.diff.b), (Some(0.75), Some(1.0)));
        assert_eq!(s.per_document.as_ref().map(Vec::len), Some(2));
    }

    #[test]
    fn gates_parse_and_judge() {
        let g: Gate = "strict-f1:0.005".parse().expect("gate");
        assert_eq!((g.task.as_str(), g.metric.as_str(), g.stat, g.delta), ("entities", "strict", Stat::F1, 0.005));
        let g: Gate = "tc-f1".parse().expect("gate");
        assert_eq!((g.task.as_str(), g.metric.as_str()), ("events", "TC"));
        assert!("strict".parse::<Gate>().is_err());
        assert!("strict-f1:-1".parse::<Gate>().is_err());
        assert!("bogus-f1".parse::<Gate>().is_err());
        let row = |d: f64, p: f64| Row {
            task: "entities".into(),
            metric: "strict".into(),
            label: String::new(),
            stat: Stat::F1,
            diff: Difference {
                a: Some(0.9),
                b: Some(0.9 + d),
                delta: Some(d),
                ci_low: None,
                ci_high: None,
                p_bootstrap: Some(p),
                p_randomization: Some(p),
                undefined_bootstrap: 0,
                undefined_randomization: 0,
            },
        };
        let g: Gate = "strict-f1:0.005".parse().expect("gate");
        assert!(judge(&g, &[row(-0.01, 0.001)], 0.05).failed);
        assert!(!judge(&g, &[row(-0.01, 0.2)], 0.05).failed, "not significant");
        assert!(!judge(&g, &[row(-0.004, 0.001)], 0.05).failed, "within DELTA");
        assert!(!judge(&g, &[row(0.02, 0.001)], 0.05).failed, "better");
    }
}

/// The machine-readable comparison: the fields and order of `ieval compare --format json`
/// (also `ieval.compare(...).to_dict()` in Python; its schema is compare.schema.json).
/// How [`compare_systems`] scores and compares.
#[derive(Debug, Clone)]
pub struct Request {
    pub profile: Profile,
    /// Compare the relation modes' series instead of the entity modes' (no fixed/broken
    /// listing).
    pub relations: bool,
    /// Entity mode of the fixed/broken listing.
    pub changes_mode: Mode,
    pub resample: Options,
    /// How the resamples are drawn.
    pub resampling: Resampling,
    /// Keep each document's overall counts of A and B in the statistics.
    pub per_document: bool,
}

/// The outcome of [`compare_systems`].
#[derive(Debug)]
pub struct Compared {
    /// The names of A and B.
    pub names: (String, String),
    pub stats: Statistics,
    /// The fixed and broken mentions (entities; `None` for relations).
    pub changes: Option<Changes>,
}

/// The systems of `pairing` that the inputs `wanted` name, as indices for
/// [`compare_systems`]: a system read from a prediction input, or a set the gold input
/// carries itself (a corpus directory with system sets). `wanted` holds the two names.
pub fn pick_systems(pairing: &Pairing, wanted: [&str; 2]) -> Result<(usize, usize)> {
    let names: Vec<&str> = pairing.systems().iter().map(|s| s.name()).collect();
    let find = |w: &str| -> Result<usize> {
        names.iter().position(|n| *n == w).ok_or_else(|| {
            Error::usage(format!(
                "no system set named {w:?} among the inputs (they carry: {})",
                if names.is_empty() { "none".to_string() } else { names.join(", ") }
            ))
        })
    };
    Ok((find(wanted[0])?, find(wanted[1])?))
}

/// Score systems `a` and `b` of `pairing` (indices into its systems; see
/// [`pick_systems`]) on the same gold and compare them document by document: paired
/// bootstrap intervals, both p-values, and (entities) the mentions B fixed and broke.
/// `ticker` is told of every document scored; `gold` names the gold input in errors.
pub fn compare_systems(
    pairing: Pairing,
    (a, b): (usize, usize),
    req: &Request,
    ticker: &dyn Tick,
    gold: &str,
) -> Result<Compared> {
    if a == b {
        return Err(Error::usage("compare needs two different systems"));
    }
    let names = (pairing.systems()[a].name().to_string(), pairing.systems()[b].name().to_string());
    let mut collector = ChangeCollector::between(req.changes_mode, a, b);
    let so = ScoreOptions {
        profile: req.profile,
        task: if req.relations { Task::Relations } else { Task::Entities },
        details: !req.relations,
        doc_labels: true,
        ..Default::default()
    };
    let run = score_with(pairing, so, &mut Ticking::new(&mut collector, ticker))?;
    if run.gold_documents == 0 {
        return Err(Error::data(gold, "no documents: the gold input is empty"));
    }
    let modes = if req.relations { &[] } else { req.profile.modes() };
    let docs = |k: usize| -> Vec<DocCounts> { run.systems[k].docs.iter().map(|d| doc_series(&d, modes)).collect() };
    let (ca, cb) = (SystemCounts::from_docs(&docs(a), "A")?, SystemCounts::from_docs(&docs(b), "B")?);
    ticker.phase(&format!("resampling ({} samples)", req.resample.samples));
    let stats = compare(&ca, &cb, req.profile.zero_for_undefined(), &req.resample, req.resampling, req.per_document)?;
    let changes = (!req.relations).then(|| collector.into_changes());
    Ok(Compared { names, stats, changes })
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
// The published schema keeps the name and text it had when the CLI defined this type.
#[schemars(rename = "Output", description = "The machine-readable comparison (`--format json`).")]
pub struct ComparisonReport {
    pub ieval: serde_json::Value,
    pub gold: Option<String>,
    pub dataset: Option<String>,
    pub a: String,
    pub b: String,
    pub samples: usize,
    pub seed: u64,
    pub confidence: f64,
    pub alpha: f64,
    pub tests: serde_json::Value,
    #[serde(flatten)]
    pub stats: Statistics,
    pub changes: Option<Changes>,
    pub gates: Vec<Verdict>,
}

impl ComparisonReport {
    /// The report of a comparison of systems `names` (a, b) under `profile` (the label of the
    /// profile whose zero-for-undefined rule was used), with the tests' descriptions.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        profile: &str,
        gold: Option<String>,
        dataset: Option<String>,
        names: (String, String),
        opts: &Options,
        alpha: f64,
        stats: Statistics,
        changes: Option<Changes>,
        gates: Vec<Verdict>,
    ) -> Self {
        ComparisonReport {
            ieval: serde_json::json!({ "version": env!("CARGO_PKG_VERSION"), "profile": profile }),
            gold,
            dataset,
            a: names.0,
            b: names.1,
            samples: opts.samples,
            seed: opts.seed,
            confidence: opts.confidence,
            alpha,
            tests: serde_json::json!({
                "ci": match stats.resampling {
                    Resampling::Normal => "paired bootstrap over documents, percentile interval (type 7); every resampling drawn from the normal limit of its summed counts",
                    _ => "paired bootstrap over documents, percentile interval (type 7)",
                },
                "p_bootstrap": "paired bootstrap, two-sided shifted distribution: (#{|D*-D| >= |D|} + 1) / (N + 1)",
                "p_randomization": "approximate randomization, per-document swap with probability 1/2: (#{|D*| >= |D|} + 1) / (N + 1)",
            }),
            stats,
            changes,
            gates,
        }
    }
}
