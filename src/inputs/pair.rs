//! Pairing gold documents with each system's documents.
//!
//! The gold input is read once. Every prediction input is paired with it either **by
//! document id** (in lockstep while both are in the same order, by lookup otherwise; the
//! texts must be identical) or **by token stream** (CoNLL files that hold the same tokens
//! but break documents differently, e.g. a prediction file without `-DOCSTART-` lines): the
//! token sequences must be identical, and each predicted mention is carried over to the gold
//! document that holds its tokens. `Auto` pairs by id when the first document ids agree and
//! by tokens otherwise (when both sides have tokens).

use std::collections::{HashMap, VecDeque};

use crate::error::{Error, Result};
use crate::formats::conll::ConllSource;
use crate::formats::{Diagnostics, Record, Source};
use crate::model::{DocAnnotations, Document, Mention, SetMeta, Span};
use crate::shard::Shard;

/// How prediction documents find their gold document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PairBy {
    #[default]
    Auto,
    Id,
    Tokens,
}

crate::from_names!(PairBy, "pairing", "auto, id or tokens", { "auto" => Auto, "id" => Id, "tokens" => Tokens });

/// What to do with a document present on one side only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// An error naming the documents (the default).
    #[default]
    Error,
    /// Score it against nothing: all its gold mentions missed, or all predictions spurious.
    Empty,
    /// Leave it out of the scores (reported).
    Skip,
}

crate::from_names!(Missing, "missing-document policy", "error, empty or skip", {
    "error" => Error,
    "empty" => Empty,
    "skip" => Skip,
});

/// One gold document with every system's annotations of it (`None`: the system has no such
/// document and the policy says skip).
#[derive(Debug, Clone)]
pub struct Item {
    /// The document's position in the paired stream of the whole input: gold documents in
    /// gold order, then predicted-only ones (`--missing empty`). The same whether or not the
    /// pairing is restricted to a shard.
    pub position: u64,
    pub doc: Document,
    pub gold: DocAnnotations,
    pub preds: Vec<Option<DocAnnotations>>,
}

enum Mode {
    Undecided,
    Id,
    Tokens,
}

/// One prediction input (one or more sets).
struct Cursor {
    src: Box<dyn Source>,
    nsets: usize,
    mode: Mode,
    ahead: VecDeque<Record>,
    map: Option<HashMap<String, Record>>,
    /// Token pairing: the current prediction record and how many of its tokens were used.
    tok_rec: Option<Record>,
    tok_pos: usize,
    /// Token pairing: predicted mentions waiting for their gold document, as (set, first
    /// token, end token (exclusive), mention) in global token numbers.
    pending: VecDeque<(usize, usize, usize, Mention)>,
    tok_seen: usize,
    name: String,
    diag: Diagnostics,
}

impl Cursor {
    fn peek(&mut self) -> Result<Option<&Record>> {
        if self.ahead.is_empty() {
            match self.src.next() {
                Some(r) => self.ahead.push_back(r?),
                None => return Ok(None),
            }
        }
        Ok(self.ahead.front())
    }

    fn by_id(&mut self, doc: &Document, shard: Option<Shard>) -> Result<Option<Record>> {
        if let Some(map) = &mut self.map {
            return Ok(map.remove(&doc.id));
        }
        if let Some(s) = shard {
            // Predictions of other shards' documents are not ours to pair (they may be
            // there or not): pass over them, so that lockstep holds either way.
            while self.peek()?.is_some_and(|r| !s.contains(&r.document.id)) {
                self.ahead.pop_front();
            }
        }
        match self.peek()? {
            Some(r) if r.document.id == doc.id => return Ok(self.ahead.pop_front()),
            None => return Ok(None),
            Some(_) => {}
        }
        // Out of order: index the rest by id.
        let mut map = HashMap::new();
        for r in self.ahead.drain(..) {
            map.insert(r.document.id.clone(), r);
        }
        for r in self.src.by_ref() {
            let r = r?;
            if shard.is_some_and(|s| !s.contains(&r.document.id)) {
                continue;
            }
            if let Some(first) = map.get(&r.document.id) {
                return Err(crate::model::duplicate_id(&r.document.id, &r.origin, &first.origin));
            }
            map.insert(r.document.id.clone(), r);
        }
        let found = map.remove(&doc.id);
        self.map = Some(map);
        Ok(found)
    }

    /// Take the next `doc.tokens.len()` tokens of the prediction stream.
    fn by_tokens(&mut self, doc: &Document, offset: usize) -> Result<Vec<DocAnnotations>> {
        let n = doc.tokens.len();
        let mut taken = 0;
        while taken < n {
            if self.tok_rec.as_ref().is_none_or(|r| self.tok_pos >= r.document.tokens.len()) {
                let next = match self.ahead.pop_front() {
                    Some(r) => Some(r),
                    None => self.src.next().transpose()?,
                };
                let Some(rec) = next else {
                    return Err(Error::data(
                        self.name.clone(),
                        format!(
                            "the prediction file ends after {} tokens, but gold document {:?} needs {} more (files of different lengths?)",
                            self.tok_seen,
                            doc.id,
                            n - taken
                        ),
                    ));
                };
                // Queue its mentions in global token numbers.
                let base = self.tok_seen;
                for (k, set) in rec.sets.iter().enumerate() {
                    for m in &set.entities {
                        let s = rec.document.token_starting_at(m.span.start);
                        let e = rec.document.token_ending_at(m.span.end);
                        match (s, e) {
                            (Some(s), Some(e)) => self.pending.push_back((k, base + s, base + e + 1, m.clone())),
                            _ => {
                                let id = rec.document.id.clone();
                                self.diag.record(
                                    "pred-off-tokens",
                                    "predicted mention not on token boundaries left out",
                                    || format!("{} (document {id:?}, mention {})", rec.origin, m.id),
                                )
                            }
                        }
                    }
                }
                self.tok_rec = Some(rec);
                self.tok_pos = 0;
            }
            let Some(rec) = self.tok_rec.as_ref() else { unreachable!() };
            let pt = rec.document.tokens[self.tok_pos];
            let gt = doc.tokens[taken];
            let (ptxt, gtxt) = (&rec.document.text[pt.start..pt.end], &doc.text[gt.start..gt.end]);
            if ptxt != gtxt {
                return Err(Error::data(
                    self.name.clone(),
                    format!(
                        "token {} differs: gold document {:?} token {} is {gtxt:?}, the prediction (near {}) has {ptxt:?}; the files do not hold the same tokens (use --align)",
                        self.tok_seen + 1,
                        doc.id,
                        taken + 1,
                        rec.origin
                    ),
                ));
            }
            self.tok_pos += 1;
            self.tok_seen += 1;
            taken += 1;
        }
        let end = offset + n;
        let mut out: Vec<DocAnnotations> = (0..self.nsets).map(|_| DocAnnotations::new(doc.id.clone())).collect();
        // Pending mentions are in stream order; take those that start inside this document.
        let mut keep = VecDeque::new();
        while let Some((k, s, e, mut m)) = self.pending.pop_front() {
            if s >= end {
                keep.push_back((k, s, e, m));
                continue;
            }
            let e = if e > end {
                self.diag.record(
                    "pred-crosses-document",
                    "predicted mention crossing a gold document boundary cut at the boundary",
                    || format!("gold document {:?}, mention {}", doc.id, m.id),
                );
                end
            } else {
                e
            };
            m.span = Span::new(doc.tokens[s - offset].start, doc.tokens[e - 1 - offset].end);
            m.fragments.clear();
            m.id = compact_str::format_compact!("T{}", out[k].entities.len() + 1);
            out[k].entities.push(m);
        }
        self.pending = keep;
        Ok(out)
    }
}

/// True when both documents have tokens and their first tokens (up to 20) read the same:
/// the sign of one token stream broken into documents differently.
fn same_first_tokens(a: &Document, b: &Document) -> bool {
    let n = a.tokens.len().min(b.tokens.len()).min(20);
    n > 0 && (0..n).all(|i| a.tokens[i].slice(&a.text) == b.tokens[i].slice(&b.text))
}

/// Pairs a gold source (its gold set, plus any system sets it carries) with prediction
/// sources, yielding one [`Item`] per gold document.
pub struct Pairing {
    gold: Box<dyn Source>,
    gold_set: usize,
    /// Systems carried by the gold source: set indices.
    embedded: Vec<usize>,
    cursors: Vec<Cursor>,
    by: PairBy,
    missing: Missing,
    systems: Vec<SetMeta>,
    gold_meta: SetMeta,
    tokens_done: usize,
    /// Prediction documents left over, when `missing` is `Empty` (scored against nothing).
    leftovers: VecDeque<Item>,
    finished: bool,
    /// Pair only this shard's documents (see [`Pairing::restrict`]).
    shard: Option<Shard>,
    pub gold_documents: u64,
}

impl Pairing {
    /// `preds`: (system name override per set, source).
    pub fn new(
        gold: Box<dyn Source>,
        preds: Vec<(Vec<String>, Box<dyn Source>)>,
        by: PairBy,
        missing: Missing,
    ) -> Result<Self> {
        let sets = gold.sets().to_vec();
        if sets.is_empty() {
            return Err(Error::usage("the gold input carries no annotation set"));
        }
        let gold_set = sets.iter().position(|s| s.is_gold()).unwrap_or(0);
        let embedded: Vec<usize> = (0..sets.len()).filter(|&k| k != gold_set).collect();
        let mut systems: Vec<SetMeta> = embedded.iter().map(|&k| sets[k].clone()).collect();
        let mut cursors = Vec::new();
        for (names, src) in preds {
            let mut metas = src.sets().to_vec();
            if metas.is_empty() {
                return Err(Error::usage("a prediction input carries no annotation set"));
            }
            for (k, m) in metas.iter_mut().enumerate() {
                if let Some(n) = names.get(k) {
                    *m = SetMeta::system(n.clone(), m.source.clone());
                } else if m.is_gold() {
                    *m = SetMeta::system(format!("system{}", systems.len() + 1), m.source.clone());
                }
            }
            let name = metas.iter().map(|m| m.source.clone()).collect::<Vec<_>>().join(", ");
            cursors.push(Cursor {
                nsets: metas.len(),
                src,
                mode: Mode::Undecided,
                ahead: VecDeque::new(),
                map: None,
                tok_rec: None,
                tok_pos: 0,
                pending: VecDeque::new(),
                tok_seen: 0,
                name,
                diag: Diagnostics::default(),
            });
            systems.extend(metas);
        }
        let mut seen = std::collections::HashSet::new();
        for s in &systems {
            if !seen.insert(s.name().to_string()) {
                return Err(Error::usage(format!("two systems are named {:?}: name them with NAME=PATH", s.name())));
            }
        }
        Ok(Pairing {
            gold_meta: sets[gold_set].clone(),
            gold,
            gold_set,
            embedded,
            cursors,
            by,
            missing,
            systems,
            tokens_done: 0,
            leftovers: VecDeque::new(),
            finished: false,
            shard: None,
            gold_documents: 0,
        })
    }

    /// Pair only the documents of `shard`: other gold documents are read (and, paired by
    /// tokens, their tokens consumed) but yield no item; predictions of other documents are
    /// passed over, whether the prediction input has them or not (a system run on the
    /// shard's documents only). Without this, every document is paired and a caller that
    /// scores one shard filters the items (so that the diagnostics are the whole input's).
    pub fn restrict(mut self, shard: Option<Shard>) -> Self {
        self.shard = shard.filter(|s| !s.is_all());
        self
    }

    pub fn systems(&self) -> &[SetMeta] {
        &self.systems
    }

    pub fn gold_meta(&self) -> &SetMeta {
        &self.gold_meta
    }

    /// Diagnostics of the gold input, and of every prediction input with the index of the
    /// first system it carries.
    pub fn take_diagnostics(&mut self) -> (Diagnostics, Vec<(usize, Diagnostics)>) {
        let g = self.gold.take_diagnostics();
        let mut first = self.embedded.len();
        let mut p = Vec::new();
        for c in &mut self.cursors {
            let mut d = c.src.take_diagnostics();
            d.merge(std::mem::take(&mut c.diag));
            p.push((first, d));
            first += c.nsets;
        }
        (g, p)
    }

    /// True when every system is a set of the gold input itself (one multi-column CoNLL
    /// file, a corpus directory with system sets): each gold record is then an item on its
    /// own, and [`Pairing::next_mapped`] can make and use items where they are parsed.
    pub fn is_trivial(&self) -> bool {
        self.cursors.is_empty()
    }

    /// For a trivial, unsharded pairing whose gold input is a CoNLL file read for chunks only
    /// ([`ConllSource::reads_chunks`]): that source, the gold's set and the systems' sets
    /// (indices into its documents' sets). The caller reads the documents from it and counts
    /// them in [`Pairing::gold_documents`].
    pub(crate) fn conll_chunks(&mut self) -> Option<(&mut ConllSource, usize, &[usize])> {
        if !self.is_trivial() || self.shard.is_some() || !self.leftovers.is_empty() || self.gold_documents > 0 {
            return None;
        }
        let src = self.gold.as_conll_mut().filter(|s| s.reads_chunks())?;
        Some((src, self.gold_set, &self.embedded))
    }

    /// For a trivial pairing ([`Pairing::is_trivial`]): the next batch of items, in order,
    /// each passed through `f` with whether it is in the pairing's shard (see
    /// [`Pairing::restrict`]; an item outside it is passed too, for its position). `f` runs
    /// where the gold input parses (in parallel for CoNLL). `None` at the end.
    pub(crate) fn next_mapped<T: Send>(&mut self, f: impl Fn(Item, bool) -> T + Sync) -> Result<Option<Vec<T>>> {
        if !self.is_trivial() {
            return Err(Error::usage("internal: next_mapped needs a pairing without prediction inputs"));
        }
        let base = self.gold_documents;
        let (gold_set, embedded, shard) = (self.gold_set, &self.embedded, self.shard);
        let item_of = |i: usize, rec: Record| -> T {
            let mut sets = rec.sets;
            let gold = std::mem::take(&mut sets[gold_set]);
            let preds = embedded.iter().map(|&k| Some(std::mem::take(&mut sets[k]))).collect();
            let mine = shard.is_none_or(|s| s.contains(&rec.document.id));
            f(Item { position: base + i as u64, doc: rec.document, gold, preds }, mine)
        };
        let Some(batch) = self.gold.next_mapped(item_of) else {
            self.finished = true;
            return Ok(None);
        };
        let batch = batch?;
        self.gold_documents += batch.len() as u64;
        Ok(Some(batch))
    }

    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some(it) = self.leftovers.pop_front() {
                return Ok(Some(it));
            }
            if self.finished {
                return Ok(None);
            }
            let Some(rec) = self.gold.next().transpose()? else {
                self.finish()?;
                continue;
            };
            if let Some(item) = self.pair(rec)? {
                return Ok(Some(item));
            }
        }
    }

    /// Pair one gold record (`None`: outside the shard).
    fn pair(&mut self, rec: Record) -> Result<Option<Item>> {
        self.gold_documents += 1;
        let mut sets = rec.sets;
        let gold = std::mem::take(&mut sets[self.gold_set]);
        let mut preds: Vec<Option<DocAnnotations>> =
            self.embedded.iter().map(|&k| Some(std::mem::take(&mut sets[k]))).collect();
        let doc = rec.document;
        let offset = self.tokens_done;
        self.tokens_done += doc.tokens.len();
        let mine = self.shard.is_none_or(|s| s.contains(&doc.id));
        for c in &mut self.cursors {
            if matches!(c.mode, Mode::Undecided) {
                c.mode = match self.by {
                    PairBy::Id => Mode::Id,
                    PairBy::Tokens => Mode::Tokens,
                    PairBy::Auto => match c.peek()? {
                        Some(r) if r.document.id != doc.id && same_first_tokens(&r.document, &doc) => Mode::Tokens,
                        _ => Mode::Id,
                    },
                };
            }
            match c.mode {
                Mode::Tokens => {
                    if doc.tokens.is_empty() {
                        return Err(Error::usage(format!(
                            "pairing by tokens needs tokens, gold document {:?} has none",
                            doc.id
                        )));
                    }
                    preds.extend(c.by_tokens(&doc, offset)?.into_iter().map(Some));
                }
                _ if !mine => {}
                _ => match c.by_id(&doc, self.shard)? {
                    Some(r) if crate::formats::prodigy::lacks_text(&r.document) => {
                        // A prediction without text: its offsets are placed on the gold text.
                        for a in r.sets {
                            preds.push(Some(crate::formats::prodigy::place_on_text(&r.document, a, &doc, &r.origin)?));
                        }
                    }
                    Some(r) => {
                        if r.document.text != doc.text {
                            return Err(Error::data(
                                r.origin,
                                format!(
                                    "document {:?}: the prediction's text differs from the gold text (score with --align, or check the inputs)",
                                    doc.id
                                ),
                            ));
                        }
                        preds.extend(r.sets.into_iter().map(Some));
                    }
                    None => match self.missing {
                        Missing::Error => {
                            let hint = if self.gold_documents == 1 && !doc.tokens.is_empty() {
                                "; if both files hold the same tokens with other document breaks, use --pair tokens"
                            } else {
                                ""
                            };
                            return Err(Error::data(
                                c.name.clone(),
                                format!(
                                    "no prediction for gold document {:?} (use --missing empty or --missing skip{hint})",
                                    doc.id
                                ),
                            ));
                        }
                        Missing::Empty => preds.extend((0..c.nsets).map(|_| Some(DocAnnotations::new(doc.id.clone())))),
                        Missing::Skip => {
                            let id = doc.id.clone();
                            c.diag.record("missing-document", "gold document without prediction, left out", || id);
                            preds.extend((0..c.nsets).map(|_| None));
                        }
                    },
                },
            }
        }
        Ok(mine.then_some(Item { position: self.gold_documents - 1, doc, gold, preds }))
    }

    /// After the last gold document: predictions for unknown documents, and unused tokens.
    fn finish(&mut self) -> Result<()> {
        self.finished = true;
        let nsys = self.systems.len();
        let mut first_sys = self.embedded.len();
        let mut extra = 0u64;
        for c in &mut self.cursors {
            match c.mode {
                Mode::Tokens => {
                    let extra = c.src.by_ref().count() + c.ahead.len();
                    let rest = c.tok_rec.as_ref().map_or(0, |r| r.document.tokens.len() - c.tok_pos);
                    if extra > 0 || rest > 0 {
                        return Err(Error::data(
                            c.name.clone(),
                            format!(
                                "the prediction file has more tokens than the gold ({} gold tokens; files of different lengths?)",
                                c.tok_seen
                            ),
                        ));
                    }
                }
                _ => {
                    let mut left: Vec<Record> = c.ahead.drain(..).collect();
                    if let Some(map) = c.map.take() {
                        let mut v: Vec<Record> = map.into_values().collect();
                        v.sort_by(|a, b| a.document.id.cmp(&b.document.id));
                        left.extend(v);
                    }
                    for r in c.src.by_ref() {
                        left.push(r?);
                    }
                    // Positions count every predicted-only document, in or out of the shard.
                    let mut left: Vec<(u64, Record)> = left
                        .into_iter()
                        .map(|r| {
                            extra += 1;
                            (self.gold_documents + extra - 1, r)
                        })
                        .collect();
                    if let Some(s) = self.shard {
                        left.retain(|(_, r)| s.contains(&r.document.id));
                    }
                    if !left.is_empty() {
                        match self.missing {
                            Missing::Error => {
                                let ids: Vec<String> =
                                    left.iter().take(5).map(|(_, r)| format!("{:?}", r.document.id)).collect();
                                return Err(Error::data(
                                    c.name.clone(),
                                    format!(
                                        "{} prediction document(s) not in the gold: {}{}",
                                        left.len(),
                                        ids.join(", "),
                                        if left.len() > 5 { ", ..." } else { "" }
                                    ),
                                ));
                            }
                            Missing::Skip => {
                                for (_, r) in &left {
                                    let id = r.document.id.clone();
                                    c.diag.record(
                                        "unknown-document",
                                        "prediction document not in the gold, left out",
                                        || id,
                                    );
                                }
                            }
                            Missing::Empty => {
                                for (position, r) in left {
                                    let mut preds: Vec<Option<DocAnnotations>> = vec![None; nsys];
                                    for (k, s) in r.sets.into_iter().enumerate() {
                                        preds[first_sys + k] = Some(s);
                                    }
                                    let gold = DocAnnotations::new(r.document.id.clone());
                                    self.leftovers.push_back(Item { position, doc: r.document, gold, preds });
                                }
                            }
                        }
                    }
                }
            }
            first_sys += c.nsets;
        }
        Ok(())
    }
}

impl Iterator for Pairing {
    type Item = Result<Item>;
    fn next(&mut self) -> Option<Result<Item>> {
        match self.next_item() {
            Ok(Some(i)) => Some(Ok(i)),
            Ok(None) => None,
            Err(e) => {
                self.finished = true;
                self.leftovers.clear();
                Some(Err(e))
            }
        }
    }
}

/// A pairing as a [`Source`]: each gold document with the gold set first, then every
/// system's set (a document a system skipped reads as unannotated in it).
pub struct PairedSource {
    pairing: Pairing,
    sets: Vec<SetMeta>,
}

impl Pairing {
    pub fn into_source(self) -> PairedSource {
        let mut sets = vec![self.gold_meta.clone()];
        sets.extend(self.systems.iter().cloned());
        PairedSource { pairing: self, sets }
    }
}

impl Iterator for PairedSource {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Result<Record>> {
        let item = match self.pairing.next()? {
            Ok(i) => i,
            Err(e) => return Some(Err(e)),
        };
        let id = item.doc.id.clone();
        let mut sets = Vec::with_capacity(1 + item.preds.len());
        sets.push(item.gold);
        sets.extend(item.preds.into_iter().map(|p| p.unwrap_or_else(|| DocAnnotations::new(id.clone()))));
        Some(Ok(Record { origin: format!("document {id:?}"), document: item.doc, sets }))
    }
}

impl Source for PairedSource {
    fn sets(&self) -> &[SetMeta] {
        &self.sets
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        let (mut d, preds) = self.pairing.take_diagnostics();
        for (_, p) in preds {
            d.merge(p);
        }
        d
    }
}
