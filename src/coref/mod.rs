//! Coreference scoring: clusters of entity or event mentions, within a document and
//! across documents, scored by MUC, B³, CEAFm, CEAFe, BLANC, LEA and the CoNLL average.
//!
//! This module owns the coreference metrics ([`metrics`]), the optimal cluster alignment
//! CEAF needs ([`assign`], Kuhn-Munkres with `f64` weights) and the pipeline from two
//! annotation sets to a [`Report`] ([`score`]), and from files to a report ([`files`]: both
//! sides read through `crate::inputs`, the plain-text table, the CoNLL-2012 export). The
//! readers of coreference input live in `formats` (`conll2012`, `ecbplus`, and `meantime`,
//! whose mentions carry clusters too).
//!
//! # Mentions and clusters
//! A mention's cluster is `Mention::cluster` for entity mentions and the `cluster`
//! attribute for event mentions (the convention of the MEANTIME and ECB+ readers); a
//! mention without one is a singleton. [`Layer`] picks entity mentions, event mentions or
//! both. A mention is identified by its document and its extent (span and, for a
//! discontinuous mention, its fragments); a second mention with the same extent in the
//! same set is dropped (the first in reader order stays) and counted in the report.
//!
//! # Scope: within and across documents
//! [`Scope::Document`] scores every document on its own (cluster ids are local to a
//! document) and adds the units up. [`Scope::Topic`] makes one unit of all documents of a
//! topic: a cluster id shared by documents of the topic is one cluster across them (ECB+'s
//! cross-document chains). The topic is the document's `topic` metadata (`meta.extra`,
//! set by the ECB+ reader), else the document id up to its first `_` (ECB+'s
//! `<topic>_<n>ecb` naming, which survives CoNLL-2012 files); a document with neither is
//! an error. [`Scope::Corpus`] makes the whole corpus one unit.
//!
//! # Mention matching
//! Predicted mentions are paired one-to-one with gold mentions of the same document before
//! clusters are compared: [`MentionMatch::Exact`] (default) pairs equal extents;
//! [`MentionMatch::Head`] also pairs a prediction whose span contains the gold mention's
//! head (its `head`, or its whole span when it has none); [`MentionMatch::Partial`] pairs
//! overlapping spans. Exact pairs are taken first; the rest is a maximum matching where a
//! prediction tries gold mentions in the order same span, larger overlap, smaller boundary
//! distance, earlier gold mention. A paired prediction takes its gold mention's identity;
//! an unpaired one is a mention of its own.
//!
//! # Predicted mentions that differ from gold
//! Default profile: the formulas of Pradhan et al. (2014), which the CoNLL reference
//! scorer (v8) implements, applied to the key and response partitions as they are. A gold
//! mention the system missed is in no response cluster: it lowers recall (MUC counts it
//! as a part of its own, B³ and LEA give it no overlap, CEAF cannot align it, BLANC has
//! none of its links). A predicted mention with no gold partner is in no key cluster and
//! lowers precision the same way. Nothing is added to either side. The units add up as in
//! the reference scorer: numerators and denominators (BLANC: link counts) are summed over
//! units, then divided.
//!
//! [`Profile::Scorch`] reproduces scorch 0.2.0 (`scorch` on the package index), whose
//! treatment differs in two ways (see [`Profile::quirks`]): every predicted mention
//! missing from the key is added to the key as a singleton cluster before scoring (its
//! `add_sys_mentions`), and units are averaged, not summed: recall weighted by key
//! mentions, precision by response mentions, F1 by their sum, each unit's F1 computed
//! first.
//!
//! [`Profile::Neleval`] gives neleval 3.1.1's `coref_metrics` (`neleval` on the package
//! index): the numerators and denominators of the default profile (checked equal to
//! neleval's on ECB+), units summed as neleval sums its count matrices, and its ratios,
//! where 0/0 is 0. Its six measures (`muc`, `b_cubed`, `mention_ceaf`, `entity_ceaf`,
//! `pairwise`, `pairwise_negative`) are reported as neleval reports them
//! ([`Report::neleval`]: ptp, fp, rtp, fn, precision, recall, F-score).
//!
//! # Singletons
//! [`Singletons::Keep`] (default) scores singleton clusters like any other.
//! [`Singletons::Drop`] removes the clusters of one mention from key and response (after
//! mention matching, per unit: a chain across two documents is not a singleton in topic
//! scope) before scoring.
//!
//! # Undefined values
//! In the default profile a ratio with a zero denominator is undefined (`None`), and so is
//! an F1 or CoNLL average built from one. scorch reports 0 in those cases.

pub mod assign;
pub mod files;
pub mod metrics;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{AnnotationSet, DocAnnotations, Document, Span};
use crate::score::bipartite::{Matching, extend_to_maximum};
use crate::score::linking::LinkScore;
use metrics::{BlancCounts, Counts, Partitions, Rpf};

// The mentions coreference reads (a model type: the CoNLL-2012 writer uses them too).
pub use crate::model::coref::{CorefMention, Layer, mentions_of};

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { #[default] $($(#[$vm])* $v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn name(self) -> &'static str { match self { $($name::$v => $s),+ } }
        }
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::ALL.iter().copied().find(|x| x.name() == s).ok_or_else(|| {
                    let names: Vec<&str> = $name::ALL.iter().map(|x| x.name()).collect();
                    format!("unknown value {s:?} (expected one of: {})", names.join(", "))
                })
            }
        }
    };
}

named_enum!(
    /// The unit a partition covers.
    Scope {
        Document = "document",
        Topic = "topic",
        Corpus = "corpus",
    }
);

named_enum!(
    /// How predicted mentions pair with gold mentions.
    MentionMatch {
        Exact = "exact",
        Head = "head",
        Partial = "partial",
    }
);

named_enum!(
    /// Whether singleton clusters are scored.
    Singletons {
        Keep = "keep",
        Drop = "drop",
    }
);

named_enum!(
    /// Whose definitions to score by.
    Profile {
        /// Pradhan et al. (2014) formulas, units summed, 0/0 undefined.
        Default = "default",
        /// scorch 0.2.0.
        Scorch = "scorch",
        /// neleval 3.1.1's `coref_metrics`.
        Neleval = "neleval",
    }
);

impl Profile {
    /// The coreference profile of `ieval score --task coref --profile P`: the default or
    /// neleval (`None`: `P` has no coreference definitions).
    pub fn of_score(p: crate::score::Profile) -> Option<Profile> {
        match p {
            crate::score::Profile::Default => Some(Profile::Default),
            crate::score::Profile::Neleval => Some(Profile::Neleval),
            _ => None,
        }
    }

    /// The anchor tool's behaviours this profile reproduces on purpose.
    pub fn quirks(self) -> &'static [&'static str] {
        match self {
            Profile::Default => &[],
            Profile::Scorch => &[
                "every predicted mention missing from the key is added to the key as a singleton cluster (add_sys_mentions), after singletons are dropped: B³ precision credits it 1/|r|, CEAF counts it in the key's size, BLANC in the key's links",
                "units (documents, topics) are averaged, not summed: recall weighted by key mentions (added ones included), precision by response mentions, F1 by their sum; each unit's F1 is its own harmonic mean",
                "MUC is 0 (recall, precision and F1) in a unit whose key or response has only singleton clusters",
                "CEAF is 0 in a unit with an empty key or response; B³ recall (precision) is 0 with an empty key (response)",
                "BLANC: a unit of one mention on each side scores 1 if it is the same mention, else 0; with no key coreference links it is the non-coreference score alone; its F1 is the mean of the two F1s",
                "0/0 is reported as 0; the CoNLL average is the mean of the averaged MUC, B³ and CEAFe F1",
                "LEA is not in scorch: computed as in the default profile per unit, averaged as above",
            ],
            Profile::Neleval => &[
                "predicted mentions missing from the key are not added to it (as in the default profile); units (documents, topics) add up by summing numerators and denominators, as neleval sums its count matrices",
                "precision, recall and F-score of 0/0 are reported as 0 (neleval's Matrix.div), and an F-score from them is 0",
                "its measures muc, b_cubed, mention_ceaf, entity_ceaf, pairwise (coreference links) and pairwise_negative (non-coreference links) are listed under `neleval` with ptp = precision numerator, fp = precision denominator - ptp, rtp = recall numerator, fn = recall denominator - rtp",
                "BLANC, LEA and the CoNLL average are not neleval measures: computed as in the default profile (BLANC from the pairwise and pairwise_negative counts), 0/0 reported as 0",
            ],
        }
    }
}

/// What to score and how.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Options {
    pub layer: Layer,
    pub scope: Scope,
    #[serde(rename = "match")]
    pub matching: MentionMatch,
    pub singletons: Singletons,
    pub profile: Profile,
    /// The layer read from the gold / predicted side when it differs from `layer`: a
    /// format without the entity/event distinction (CoNLL-2012 puts every mention among the
    /// entities) is read with [`Layer::All`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gold_layer: Option<Layer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pred_layer: Option<Layer>,
}

/// Pair predicted mentions with gold mentions of one document: `result[p]` is the gold
/// mention prediction `p` stands for. See the module docs for the rule.
pub fn match_mentions(gold: &[CorefMention], pred: &[CorefMention], how: MentionMatch) -> Vec<Option<usize>> {
    let exact: HashMap<(Span, &[Span]), usize> =
        gold.iter().enumerate().map(|(i, g)| ((g.span, g.fragments.as_slice()), i)).collect();
    let mut m = Matching::empty(pred.len(), gold.len());
    for (p, pm) in pred.iter().enumerate() {
        if let Some(&g) = exact.get(&(pm.span, pm.fragments.as_slice())) {
            m.pair(p, g);
        }
    }
    if how != MentionMatch::Exact {
        let adj: Vec<Vec<usize>> = pred
            .iter()
            .enumerate()
            .map(|(p, pm)| {
                if let Some(g) = m.left[p] {
                    return vec![g];
                }
                let mut c: Vec<usize> = (0..gold.len())
                    .filter(|&g| {
                        let gm = &gold[g];
                        match how {
                            MentionMatch::Head => pm.span.contains(&gm.head_or_span()),
                            _ => pm.span.overlaps(&gm.span),
                        }
                    })
                    .collect();
                let dist = |s: Span, t: Span| s.start.abs_diff(t.start) + s.end.abs_diff(t.end);
                c.sort_by_key(|&g| {
                    let gs = gold[g].span;
                    (gs != pm.span, std::cmp::Reverse(gs.overlap_len(&pm.span)), dist(gs, pm.span), g)
                });
                c
            })
            .collect();
        extend_to_maximum(&adj, &mut m);
    }
    m.left
}

/// Metrics of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MetricSet {
    pub muc: Rpf,
    pub b_cubed: Rpf,
    pub ceaf_m: Rpf,
    pub ceaf_e: Rpf,
    pub blanc: Rpf,
    pub lea: Rpf,
    /// (MUC F1 + B³ F1 + CEAFe F1) / 3.
    pub conll: Option<f64>,
}

/// What was scored and the metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub options: Options,
    pub profile_quirks: Vec<String>,
    pub documents: usize,
    /// Scoring units (documents, topics, or 1 for the corpus).
    pub units: usize,
    pub gold_mentions: usize,
    pub pred_mentions: usize,
    /// Predictions paired with a gold mention (of which `inexact_matches` not by extent).
    pub matched_mentions: usize,
    pub inexact_matches: usize,
    pub gold_clusters: usize,
    pub pred_clusters: usize,
    /// Mentions with the same extent as an earlier one of the same set and document.
    pub gold_duplicates_dropped: usize,
    pub pred_duplicates_dropped: usize,
    /// Documents whose topic came from the id prefix (topic scope).
    pub topics_from_id: usize,
    pub metrics: MetricSet,
    /// Numerators and denominators (BLANC: link counts) summed over the units, in every
    /// profile (the default profile's metrics are these ratios).
    pub counts: CountSet,
    /// [`Profile::Neleval`] only: neleval's measures in its own terms, in its order (muc,
    /// b_cubed, mention_ceaf, entity_ceaf, pairwise, pairwise_negative).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neleval: Option<Vec<(String, LinkScore)>>,
}

/// Summed counts of every metric.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CountSet {
    pub muc: Counts,
    pub b_cubed: Counts,
    pub ceaf_m: Counts,
    pub ceaf_e: Counts,
    pub lea: Counts,
    pub blanc: BlancCounts,
}

/// One unit's partitions and counts.
struct Unit {
    muc: Counts,
    b3: Counts,
    ceaf_m: Counts,
    ceaf_e: Counts,
    lea: Counts,
    blanc: BlancCounts,
    single: Option<bool>,
    key_size: usize,
    resp_size: usize,
    key_all_singletons: bool,
    resp_all_singletons: bool,
    key_clusters: usize,
    resp_clusters: usize,
}

/// Add mention `id` to the cluster named `c` (a new singleton when `None`).
fn put<'a>(clusters: &mut Vec<Vec<u32>>, ix: &mut HashMap<&'a str, usize>, c: Option<&'a str>, id: u32) {
    match c {
        Some(c) => {
            let k = *ix.entry(c).or_insert_with(|| {
                clusters.push(Vec::new());
                clusters.len() - 1
            });
            clusters[k].push(id);
        }
        None => clusters.push(vec![id]),
    }
}

fn topic_of(doc: &Document) -> Option<(String, bool)> {
    if let Some(t) = doc.meta.extra.get("topic") {
        return Some((t.clone(), false));
    }
    doc.id.split_once('_').map(|(t, _)| (t.to_string(), true))
}

/// Score `pred` against `gold` over `docs` (gold's documents, in corpus order). A
/// predicted document that is not among `docs` is an error; a document `pred` lacks has no
/// predicted mentions.
pub fn score(docs: &[Document], gold: &AnnotationSet, pred: &AnnotationSet, opts: &Options) -> Result<Report> {
    let index: HashMap<&str, usize> = docs.iter().enumerate().map(|(i, d)| (d.id.as_str(), i)).collect();
    let mut gold_ann: Vec<Option<&DocAnnotations>> = vec![None; docs.len()];
    for a in &gold.docs {
        let Some(&i) = index.get(a.doc_id.as_str()) else {
            return Err(Error::data(
                gold.meta.source.clone(),
                format!("gold document {:?} is not in the corpus", a.doc_id),
            ));
        };
        gold_ann[i] = Some(a);
    }
    let mut pred_ann: Vec<Option<&DocAnnotations>> = vec![None; docs.len()];
    for a in &pred.docs {
        let Some(&i) = index.get(a.doc_id.as_str()) else {
            return Err(Error::data(
                pred.meta.source.clone(),
                format!("predicted document {:?} is not among the gold documents", a.doc_id),
            ));
        };
        if pred_ann[i].is_some() {
            return Err(Error::data(pred.meta.source.clone(), format!("document {:?} is predicted twice", a.doc_id)));
        }
        pred_ann[i] = Some(a);
    }
    let mut report = Report {
        options: *opts,
        profile_quirks: opts.profile.quirks().iter().map(|s| s.to_string()).collect(),
        documents: docs.len(),
        ..Default::default()
    };
    // Per document: mentions and the pairing.
    struct DocMentions {
        gold: Vec<CorefMention>,
        pred: Vec<CorefMention>,
        pairing: Vec<Option<usize>>,
    }
    let empty = DocAnnotations::default();
    let mut per_doc = Vec::with_capacity(docs.len());
    for i in 0..docs.len() {
        let (g, gd) = mentions_of(gold_ann[i].unwrap_or(&empty), opts.gold_layer.unwrap_or(opts.layer));
        let (p, pd) = mentions_of(pred_ann[i].unwrap_or(&empty), opts.pred_layer.unwrap_or(opts.layer));
        let pairing = match_mentions(&g, &p, opts.matching);
        report.gold_mentions += g.len();
        report.pred_mentions += p.len();
        report.gold_duplicates_dropped += gd;
        report.pred_duplicates_dropped += pd;
        for (pi, gi) in pairing.iter().enumerate() {
            if let Some(gi) = gi {
                report.matched_mentions += 1;
                if (g[*gi].span, &g[*gi].fragments) != (p[pi].span, &p[pi].fragments) {
                    report.inexact_matches += 1;
                }
            }
        }
        per_doc.push(DocMentions { gold: g, pred: p, pairing });
    }
    // Units.
    let groups: Vec<Vec<usize>> = match opts.scope {
        Scope::Document => (0..docs.len()).map(|i| vec![i]).collect(),
        Scope::Corpus => vec![(0..docs.len()).collect()],
        Scope::Topic => {
            let mut groups: Vec<Vec<usize>> = Vec::new();
            let mut pos: HashMap<String, usize> = HashMap::new();
            for (i, d) in docs.iter().enumerate() {
                let Some((t, from_id)) = topic_of(d) else {
                    return Err(Error::usage(format!(
                        "scope topic: document {:?} has no topic (no `topic` metadata, no `_` in its id)",
                        d.id
                    )));
                };
                report.topics_from_id += from_id as usize;
                let k = *pos.entry(t).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                });
                groups[k].push(i);
            }
            groups
        }
    };
    report.units = groups.len();
    let mut units = Vec::with_capacity(groups.len());
    for group in &groups {
        let mut key: Vec<Vec<u32>> = Vec::new();
        let mut key_ix: HashMap<&str, usize> = HashMap::new();
        let mut resp: Vec<Vec<u32>> = Vec::new();
        let mut resp_ix: HashMap<&str, usize> = HashMap::new();
        let mut next: u32 = 0;
        // Gold ids first (per document, in mention order), then unpaired predictions.
        let mut gold_ids: Vec<Vec<u32>> = Vec::with_capacity(group.len());
        for &d in group {
            let dm = &per_doc[d];
            let ids: Vec<u32> = (0..dm.gold.len() as u32).map(|j| next + j).collect();
            next += dm.gold.len() as u32;
            for (m, &id) in dm.gold.iter().zip(&ids) {
                put(&mut key, &mut key_ix, m.cluster.as_deref(), id);
            }
            gold_ids.push(ids);
        }
        for (gi, &d) in group.iter().enumerate() {
            let dm = &per_doc[d];
            for (p, m) in dm.pred.iter().enumerate() {
                let id = match dm.pairing[p] {
                    Some(g) => gold_ids[gi][g],
                    None => {
                        next += 1;
                        next - 1
                    }
                };
                put(&mut resp, &mut resp_ix, m.cluster.as_deref(), id);
            }
        }
        if opts.singletons == Singletons::Drop {
            key.retain(|c| c.len() > 1);
            resp.retain(|c| c.len() > 1);
        }
        if opts.profile == Profile::Scorch {
            let mut in_key = vec![false; next as usize];
            for &m in key.iter().flatten() {
                in_key[m as usize] = true;
            }
            let mut extra: Vec<u32> = resp.iter().flatten().copied().filter(|&m| !in_key[m as usize]).collect();
            extra.sort_unstable();
            key.extend(extra.into_iter().map(|m| vec![m]));
        }
        report.gold_clusters += key.len();
        report.pred_clusters += resp.len();
        let p = Partitions::new(next as usize, key, resp);
        units.push(Unit {
            muc: p.muc(),
            b3: p.b_cubed(),
            ceaf_m: p.ceaf_m(),
            ceaf_e: p.ceaf_e(),
            lea: p.lea(),
            blanc: p.blanc(),
            single: p.single_mention(),
            key_size: p.key.iter().map(Vec::len).sum(),
            resp_size: p.response.iter().map(Vec::len).sum(),
            key_all_singletons: p.key.iter().all(|c| c.len() == 1),
            resp_all_singletons: p.response.iter().all(|c| c.len() == 1),
            key_clusters: p.key.len(),
            resp_clusters: p.response.len(),
        });
    }
    if opts.profile == Profile::Scorch {
        report.gold_clusters = units.iter().map(|u| u.key_clusters).sum();
        report.pred_clusters = units.iter().map(|u| u.resp_clusters).sum();
    }
    for u in &units {
        let c = &mut report.counts;
        c.muc.add(u.muc);
        c.b_cubed.add(u.b3);
        c.ceaf_m.add(u.ceaf_m);
        c.ceaf_e.add(u.ceaf_e);
        c.lea.add(u.lea);
        c.blanc.add(u.blanc);
    }
    report.metrics = match opts.profile {
        Profile::Default => summed(&units),
        Profile::Scorch => averaged(&units),
        Profile::Neleval => {
            let zero = |x: Option<f64>| Some(x.unwrap_or(0.0));
            let m = summed(&units);
            let z = |r: Rpf| Rpf { recall: zero(r.recall), precision: zero(r.precision), f1: zero(r.f1) };
            let (muc, b_cubed, ceaf_e) = (z(m.muc), z(m.b_cubed), z(m.ceaf_e));
            let conll = Some((muc.f1.unwrap_or(0.0) + b_cubed.f1.unwrap_or(0.0) + ceaf_e.f1.unwrap_or(0.0)) / 3.0);
            MetricSet { muc, b_cubed, ceaf_m: z(m.ceaf_m), ceaf_e, blanc: z(m.blanc), lea: z(m.lea), conll }
        }
    };
    if opts.profile == Profile::Neleval {
        report.neleval = Some(neleval_measures(&report.counts));
    }
    Ok(report)
}

/// neleval's six coreference measures from the summed counts: (p_num, p_den, r_num, r_den)
/// as its `coref_metrics` return them, then its count matrix.
fn neleval_measures(c: &CountSet) -> Vec<(String, LinkScore)> {
    let m = |x: &Counts| (x.precision.num, x.precision.den, x.recall.num, x.recall.den);
    let b = &c.blanc;
    let f = |n: u64| n as f64;
    [
        ("muc", m(&c.muc)),
        ("b_cubed", m(&c.b_cubed)),
        ("mention_ceaf", m(&c.ceaf_m)),
        ("entity_ceaf", m(&c.ceaf_e)),
        ("pairwise", (f(b.tp_c), f(b.c_r), f(b.tp_c), f(b.c_k))),
        ("pairwise_negative", (f(b.tp_n), f(b.n_r), f(b.tp_n), f(b.n_k))),
    ]
    .into_iter()
    .map(|(name, (pn, pd, rn, rd))| (name.to_string(), LinkScore::new(pn, pd - pn, rn, rd - rn)))
    .collect()
}

/// The reference scorer's way: sum numerators and denominators over units.
fn summed(units: &[Unit]) -> MetricSet {
    let sum = |f: fn(&Unit) -> Counts| {
        let mut c = Counts::default();
        for u in units {
            c.add(f(u));
        }
        Rpf::from_counts(&c)
    };
    let mut b = BlancCounts::default();
    for u in units {
        b.add(u.blanc);
    }
    let single = if units.len() == 1 { units[0].single } else { None };
    let any = units.iter().any(|u| u.key_size + u.resp_size > 0);
    let blanc = if any { metrics::blanc(&b, single) } else { Rpf::default() };
    let muc = sum(|u| u.muc);
    let b_cubed = sum(|u| u.b3);
    let ceaf_e = sum(|u| u.ceaf_e);
    let conll = match (muc.f1, b_cubed.f1, ceaf_e.f1) {
        (Some(a), Some(b), Some(c)) => Some((a + b + c) / 3.0),
        _ => None,
    };
    MetricSet { muc, b_cubed, ceaf_m: sum(|u| u.ceaf_m), ceaf_e, blanc, lea: sum(|u| u.lea), conll }
}

/// Python's `statistics.harmonic_mean((r, p))`: 0 when either is 0.
fn harmonic(r: f64, p: f64) -> f64 {
    if r == 0.0 || p == 0.0 { 0.0 } else { 2.0 / (1.0 / r + 1.0 / p) }
}

/// scorch's per-unit `(R, P, F)`, then its weighted averages.
fn averaged(units: &[Unit]) -> MetricSet {
    let val = |r: metrics::Ratio| if r.den > 0.0 { r.num / r.den } else { 0.0 };
    let rpf = |c: Counts| {
        let (r, p) = (val(c.recall), val(c.precision));
        (r, p, harmonic(r, p))
    };
    let per_unit = |u: &Unit, metric: usize| -> (f64, f64, f64) {
        match metric {
            0 => {
                if u.key_all_singletons || u.resp_all_singletons {
                    (0.0, 0.0, 0.0)
                } else {
                    rpf(u.muc)
                }
            }
            1 => rpf(u.b3),
            2 | 3 => {
                if u.key_clusters == 0 || u.resp_clusters == 0 {
                    (0.0, 0.0, 0.0)
                } else {
                    rpf(if metric == 2 { u.ceaf_m } else { u.ceaf_e })
                }
            }
            4 => {
                let b = metrics::blanc(&u.blanc, u.single);
                (b.recall.unwrap_or(0.0), b.precision.unwrap_or(0.0), b.f1.unwrap_or(0.0))
            }
            _ => rpf(u.lea),
        }
    };
    let avg = |metric: usize| -> Rpf {
        let (mut r, mut p, mut f) = (0.0, 0.0, 0.0);
        let (mut wr, mut wp, mut wf) = (0.0, 0.0, 0.0);
        for u in units {
            let (ur, up, uf) = per_unit(u, metric);
            let (k, s) = (u.key_size as f64, u.resp_size as f64);
            r += ur * k;
            p += up * s;
            f += uf * (k + s);
            wr += k;
            wp += s;
            wf += k + s;
        }
        let div = |a: f64, w: f64| (w > 0.0).then(|| a / w);
        Rpf { recall: div(r, wr), precision: div(p, wp), f1: div(f, wf) }
    };
    let muc = avg(0);
    let b_cubed = avg(1);
    let ceaf_e = avg(3);
    let conll = Some((muc.f1.unwrap_or(0.0) + b_cubed.f1.unwrap_or(0.0) + ceaf_e.f1.unwrap_or(0.0)) / 3.0);
    MetricSet { muc, b_cubed, ceaf_m: avg(2), ceaf_e, blanc: avg(4), lea: avg(5), conll }
}

/// Mentions per cluster id in a set (`None` clusters excluded), for counts and tests.
pub fn cluster_sizes(set: &AnnotationSet, layer: Layer) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for d in &set.docs {
        for m in mentions_of(d, layer).0 {
            if let Some(c) = m.cluster {
                *out.entry(c).or_insert(0) += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
