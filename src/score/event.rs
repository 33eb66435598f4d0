//! Event scoring of one document: triggers and arguments, under ieval's own definitions or
//! TextEE's.
//!
//! # Metrics (TextEE's names)
//!
//! | metric | item | a gold and a predicted item match when |
//! |---|---|---|
//! | TI  | an event's trigger | the trigger spans are equal |
//! | TC  | an event's trigger | TI, and the event types are equal |
//! | AI  | an argument (of an event) | the events' types are equal and the argument spans are equal |
//! | AC  | an argument | AI, and the roles are equal |
//! | AI+ | an argument | AI, and the predicted argument's event is the one matched (in TC) to the gold argument's event |
//! | AC+ | an argument | AI+, and the roles are equal |
//!
//! # Default profile
//!
//! Items are **multisets**, matched **one-to-one** per document: a gold item pairs with at
//! most one predicted item and the reverse, and the number of pairs is the largest
//! possible (a maximum bipartite matching). Paired items are COR, unpaired gold items MIS,
//! unpaired predicted items SPU; P = COR / predicted items, R = COR / gold items, and a
//! 0/0 ratio is undefined (not 0). So a duplicated trigger, or an argument listed twice,
//! never earns a second COR (OneIE counts it twice; TextEE collapses it into one set
//! element, which also collapses *gold* duplicates — see below).
//!
//! - Spans are exact: byte-equal, and for discontinuous triggers the same fragments.
//! - **AI+ / AC+ depend on TC's pairing**: among the maximum TC matchings the scorer takes
//!   one with the most AC+ argument pairs, then the most AI+ pairs (an optimal
//!   assignment, Hungarian method, inside each group of events with the same trigger span
//!   and type); AI+ and AC+ are then maximum matchings between the arguments of each
//!   TC-paired gold and predicted event. An argument on the wrong trigger (a predicted
//!   event not paired with the argument's gold event) counts for AI and AC, not for AI+
//!   and AC+.
//! - **Tie rule.** Events are put in a canonical order — (type, trigger span, fragments,
//!   realis, sorted (argument span, role) list, id) — and arguments of an event in
//!   (span, role, entity id) order, before any matching; partners are tried in that
//!   order, so results never depend on the order of the input. Partners agree across
//!   metrics where the counts allow: TI extends TC's pairs, AC extends AC+'s, AI extends
//!   AC's, and AI/AC candidates are tried attached ones first (the argument's predicted
//!   event is TC-paired with its gold event), then same role.
//! - Per-label tables: TI, TC, AI and AI+ by event type, AC and AC+ by role, and AC by
//!   `type/role`. A gold item counts under its own label and a predicted item under its
//!   own (so a TI pair whose types differ is COR for the gold type's recall and for the
//!   predicted type's precision).
//!
//! Options (default profile only):
//! - **`head`**: compare head spans instead of full spans, for triggers and arguments. The
//!   head is the annotated one (`Trigger::head`, `Argument::head`, or the `Mention::head`
//!   of the entity the argument's `entity_id` names, on the same side); where none is
//!   annotated it is *derived* by a heuristic for English: the span's tokens (the
//!   document's tokens inside the span, else ieval's tokenizer) are cut before the first
//!   token, after the first, that opens a post-modifier (a preposition such as `of`, `in`,
//!   `at`, a relative pronoun, a comma or a parenthesis) and the last remaining token is
//!   the head (`the president of France` -> `president`, `two soldiers` -> `soldiers`). It
//!   is a heuristic: a right-headed noun phrase comes out right, a verb phrase trigger
//!   (`took office` -> `office`) does not.
//! - **`coref`**: a predicted argument matches a gold argument when its span (head with
//!   `head`) equals that of *any* gold mention in the gold argument's entity cluster (the
//!   `cluster` of the gold entity the argument's `entity_id` names); without an entity id
//!   or a cluster, only the argument's own span. Still one-to-one: two predicted mentions
//!   of one entity fill one gold role once.
//! - **`realis`**: TC (and so AI+ and AC+) also requires equal realis, compared ignoring
//!   ASCII case, when both events have one.
//!
//! # Profile `textee`
//!
//! TextEE's scorer (`TextEE/scorer.py`, end-to-end): each metric is a **set** of tuples
//! over the whole run (duplicates collapse), micro-averaged, P = |pred ∩ gold| / |pred|,
//! R = |pred ∩ gold| / |gold|, 0 when a denominator is 0; offsets in tokens, end
//! exclusive; `w` the document (window) id:
//! TI `(w, t_start, t_end)`; TC `(w, t_start, t_end, type)`; AI `(w, type, a_start,
//! a_end)`; AC `(w, type, a_start, a_end, role)`; AI+ `(w, t_start, t_end, type, a_start,
//! a_end)`; AC+ `(w, t_start, t_end, type, a_start, a_end, role)`.
//! Because `w` is in every tuple, the sets of different documents are disjoint: counting
//! per document and adding gives the run's set sizes exactly.
//!
//! Token offsets come from the document's tokens: a span that starts and ends on token
//! boundaries becomes `(first token, last token + 1)`. A span that does not (only possible
//! in input that is not TextEE's, e.g. BRAT or a document without tokens) keeps its
//! character range, which equals only the identical range and never a token pair; since
//! token-aligned spans and token pairs correspond one to one, the counts are those of
//! exact span equality either way. Discontinuous triggers count by their extent.
//! Per-label numbers under this profile: by the tuple's own type (TC, AI, AI+) or role
//! (AC, AC+); TI tuples carry no type and have no per-label rows. `head`, `coref` and
//! `realis` are not part of TextEE's scorer and are refused with this profile.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use super::bipartite::{
    Matching, extend_by_class, extend_by_shared, extend_to_maximum, max_weight_assignment, maximum,
};
use super::counts::ModeCounts;
use super::matching::{Category, Counter, bump};
use super::profile::Profile;
use crate::model::{Argument, DocAnnotations, Document, Event, Mention, Span};

/// The six event metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventMetric {
    Ti,
    Tc,
    Ai,
    Ac,
    AiPlus,
    AcPlus,
}

impl EventMetric {
    pub const ALL: [EventMetric; 6] =
        [EventMetric::Ti, EventMetric::Tc, EventMetric::Ai, EventMetric::Ac, EventMetric::AiPlus, EventMetric::AcPlus];

    pub fn name(self) -> &'static str {
        match self {
            EventMetric::Ti => "TI",
            EventMetric::Tc => "TC",
            EventMetric::Ai => "AI",
            EventMetric::Ac => "AC",
            EventMetric::AiPlus => "AI+",
            EventMetric::AcPlus => "AC+",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The metric named `s` (case-insensitive), if any.
    pub fn from_name(s: &str) -> Option<EventMetric> {
        EventMetric::ALL.into_iter().find(|m| m.name().eq_ignore_ascii_case(s))
    }

    /// True for the argument metrics (AI, AC, AI+, AC+).
    pub fn is_argument(self) -> bool {
        self.index() >= 2
    }
}

/// Matching options of the default profile (see the module doc).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventOptions {
    pub head: bool,
    pub coref: bool,
    pub realis: bool,
}

impl EventOptions {
    /// The options that are on, by name (`exact` when none).
    pub fn names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.head {
            v.push("head");
        }
        if self.coref {
            v.push("coref");
        }
        if self.realis {
            v.push("realis");
        }
        if v.is_empty() {
            v.push("exact");
        }
        v
    }
}

/// Event counts of a document or a run: one [`ModeCounts`] per metric (index by
/// [`EventMetric::index`]), plus AC by `type/role`. They add like entity counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCounts {
    pub metrics: [ModeCounts; 6],
    pub type_roles: ModeCounts,
}

impl EventCounts {
    pub fn metric(&self, m: EventMetric) -> &ModeCounts {
        &self.metrics[m.index()]
    }
    pub fn metric_mut(&mut self, m: EventMetric) -> &mut ModeCounts {
        &mut self.metrics[m.index()]
    }
}

impl std::ops::AddAssign<&EventCounts> for EventCounts {
    fn add_assign(&mut self, o: &EventCounts) {
        for (a, b) in self.metrics.iter_mut().zip(&o.metrics) {
            *a += b;
        }
        self.type_roles += &o.type_roles;
    }
}

/// The outcome of a trigger in TI or TC: its category and partner event (an index into
/// the other side's events; `None` under the textee profile, which matches sets).
pub type TriggerOutcome = (Category, Option<usize>);
/// An argument as (event index, argument index) in its set.
pub type ArgRef = (usize, usize);
/// The outcome of an argument in AI, AC, AI+ or AC+.
pub type ArgOutcome = (Category, Option<ArgRef>);

/// Every trigger's and argument's outcome in one document, in input order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventMatch {
    /// Per gold event: [TI, TC].
    pub gold_events: Vec<[TriggerOutcome; 2]>,
    pub pred_events: Vec<[TriggerOutcome; 2]>,
    /// Per gold event, per argument: [AI, AC, AI+, AC+].
    pub gold_args: Vec<Vec<[ArgOutcome; 4]>>,
    pub pred_args: Vec<Vec<[ArgOutcome; 4]>>,
}

/// The event result of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocEventScore {
    pub counts: EventCounts,
    pub details: Option<EventMatch>,
}

/// Score one document's events (`gold` and `pred` carry the entities that arguments,
/// heads and clusters refer to).
pub fn score_document(
    doc: &Document,
    gold: &DocAnnotations,
    pred: &DocAnnotations,
    profile: Profile,
    opts: EventOptions,
    details: bool,
) -> DocEventScore {
    if gold.events.is_empty() && pred.events.is_empty() {
        return DocEventScore { counts: EventCounts::default(), details: details.then(EventMatch::default) };
    }
    // Triggers and arguments that alignment could not place carry empty spans; they must
    // match nothing (gold: missed, predictions: spurious). Each gets a span of its own past
    // the end of the text — gold on even offsets, predictions on odd ones — so that no
    // equality can hold, while every index (and so the error listing) stays as it is.
    let base = doc.text.len() + 1;
    let g2 = with_sentinels(gold, base, 0);
    let p2 = with_sentinels(pred, base, 1);
    let (gold, pred) = (g2.as_ref().unwrap_or(gold), p2.as_ref().unwrap_or(pred));
    match profile {
        Profile::Textee => textee(doc, gold, pred, details),
        _ => default_profile(doc, gold, pred, opts, details),
    }
}

/// A copy of `ann` whose empty trigger and argument spans are replaced by distinct spans
/// past the text (`base + 2k + parity`), or `None` when it has none.
fn with_sentinels(ann: &DocAnnotations, base: usize, parity: usize) -> Option<DocAnnotations> {
    let empty = |s: &Span| s.start >= s.end;
    if !ann.events.iter().any(|e| empty(&e.trigger.span) || e.arguments.iter().any(|a| empty(&a.span))) {
        return None;
    }
    let mut out = ann.clone();
    let mut k = 0;
    let mut next = || {
        let at = base + 2 * k + parity;
        k += 1;
        Span::new(at, at + 1)
    };
    for e in &mut out.events {
        if empty(&e.trigger.span) {
            e.trigger.span = next();
            e.trigger.fragments.clear();
            e.trigger.head = None;
        }
        for a in &mut e.arguments {
            if empty(&a.span) {
                a.span = next();
                a.head = None;
                a.entity_id = None;
            }
        }
    }
    Some(out)
}

fn type_role(event_type: &str, role: &str) -> String {
    format!("{event_type}/{role}")
}

// ---------------------------------------------------------------------------------------
// Heads

/// Words that open an English post-modifier: the head is the last token before them.
const POSTMODIFIER_OPENERS: &[&str] = &[
    "of", "in", "at", "on", "for", "from", "with", "by", "to", "about", "as", "into", "near", "over", "under", "who",
    "whom", "whose", "which", "that", "where", ",", "(", ";", ":", "-lrb-",
];

/// The tokens inside `span`: the document's, else ieval's tokenizer on the span's text.
fn tokens_in(doc: &Document, span: Span) -> Vec<Span> {
    let first = doc.tokens.partition_point(|t| t.start < span.start);
    let inside: Vec<Span> = doc.tokens[first..].iter().take_while(|t| t.end <= span.end).copied().collect();
    if !inside.is_empty() {
        return inside;
    }
    let mut out = Vec::new();
    crate::text::segment::tokenize_range(&doc.text, span, &mut out);
    out
}

/// The derived head of a span (see the module doc); the span itself when it has no token.
pub fn derived_head(doc: &Document, span: Span) -> Span {
    let toks = tokens_in(doc, span);
    if toks.is_empty() {
        return span;
    }
    let mut end = toks.len();
    for (i, t) in toks.iter().enumerate().skip(1) {
        let w = t.slice(&doc.text).unwrap_or("").to_lowercase();
        if POSTMODIFIER_OPENERS.contains(&w.as_str()) {
            end = i;
            break;
        }
    }
    toks[end - 1]
}

// ---------------------------------------------------------------------------------------
// Default profile

/// A trigger as compared: its span and fragments (or its head alone).
type TKey<'a> = (Span, &'a [Span]);

/// One side's events in canonical order, with their comparison keys.
struct Side<'a> {
    /// Canonical rank -> event.
    events: Vec<&'a Event>,
    /// Canonical rank -> input index.
    index: Vec<usize>,
    trig: Vec<TKey<'a>>,
    /// Per rank, arguments in canonical order: (input argument index, acceptable keys).
    /// A predicted argument has one key (its own); a gold argument its own, and under
    /// `coref` those of its cluster's mentions.
    args: Vec<Vec<(usize, ArgKey)>>,
    /// Under `coref` (gold side): each cluster's mention keys, as a list (first seen first,
    /// no repeats) and as a set. Arguments refer to them by index, so a cluster of n
    /// mentions named by n arguments costs n keys, not n².
    cluster_keys: Vec<Vec<Span>>,
    cluster_sets: Vec<HashSet<Span>>,
}

/// The keys an argument matches: its own span (or head), and the keys of a cluster.
#[derive(Debug, Clone, Copy)]
struct ArgKey {
    own: Span,
    cluster: Option<u32>,
}

impl Side<'_> {
    /// True when a predicted argument with key `k` fits the argument keys `a`.
    fn fits(&self, a: &ArgKey, k: Span) -> bool {
        a.own == k || a.cluster.is_some_and(|c| self.cluster_sets[c as usize].contains(&k))
    }
}

fn arg_cmp(a: &Argument, b: &Argument) -> std::cmp::Ordering {
    (a.span, &a.role, &a.entity_id).cmp(&(b.span, &b.role, &b.entity_id))
}

fn event_cmp(a: &Event, b: &Event) -> std::cmp::Ordering {
    fn sorted(e: &Event) -> Vec<(Span, &str)> {
        let mut v: Vec<(Span, &str)> = e.arguments.iter().map(|x| (x.span, x.role.as_str())).collect();
        v.sort_unstable();
        v
    }
    (&a.event_type, a.trigger.span, &a.trigger.fragments, &a.realis)
        .cmp(&(&b.event_type, b.trigger.span, &b.trigger.fragments, &b.realis))
        .then_with(|| sorted(a).cmp(&sorted(b)))
        .then_with(|| a.id.cmp(&b.id))
}

impl<'a> Side<'a> {
    fn new(doc: &Document, ann: &'a DocAnnotations, opts: EventOptions, gold: bool) -> Side<'a> {
        let mut index: Vec<usize> = (0..ann.events.len()).collect();
        index.sort_by(|&a, &b| event_cmp(&ann.events[a], &ann.events[b]));
        let events: Vec<&Event> = index.iter().map(|&i| &ann.events[i]).collect();
        let entities: HashMap<&str, &Mention> = ann.entities.iter().map(|m| (m.id.as_str(), m)).collect();
        let mention_key =
            |m: &Mention| if opts.head { m.head.unwrap_or_else(|| derived_head(doc, m.span)) } else { m.span };
        // Cluster name -> index into `cluster_keys` / `cluster_sets`.
        let mut clusters: HashMap<&str, u32> = HashMap::default();
        let mut cluster_keys: Vec<Vec<Span>> = Vec::new();
        let mut cluster_sets: Vec<HashSet<Span>> = Vec::new();
        if gold && opts.coref {
            for m in &ann.entities {
                if let Some(c) = &m.cluster {
                    let ix = *clusters.entry(c.as_str()).or_insert_with(|| {
                        cluster_keys.push(Vec::new());
                        cluster_sets.push(HashSet::default());
                        (cluster_keys.len() - 1) as u32
                    });
                    let key = mention_key(m);
                    if cluster_sets[ix as usize].insert(key) {
                        cluster_keys[ix as usize].push(key);
                    }
                }
            }
        }
        let trig = events
            .iter()
            .map(|e| {
                if opts.head {
                    (e.trigger.head.unwrap_or_else(|| derived_head(doc, e.trigger.span)), &[][..])
                } else {
                    (e.trigger.span, &e.trigger.fragments[..])
                }
            })
            .collect();
        let args = events
            .iter()
            .map(|e| {
                let mut order: Vec<usize> = (0..e.arguments.len()).collect();
                order.sort_by(|&x, &y| arg_cmp(&e.arguments[x], &e.arguments[y]).then(x.cmp(&y)));
                order
                    .into_iter()
                    .map(|k| {
                        let a = &e.arguments[k];
                        let entity = a.entity_id.as_deref().and_then(|id| entities.get(id));
                        let own = if opts.head {
                            a.head.or_else(|| entity.and_then(|m| m.head)).unwrap_or_else(|| derived_head(doc, a.span))
                        } else {
                            a.span
                        };
                        let cluster = entity.and_then(|m| m.cluster.as_deref()).and_then(|c| clusters.get(c)).copied();
                        (k, ArgKey { own, cluster })
                    })
                    .collect()
            })
            .collect();
        Side { events, index, trig, args, cluster_keys, cluster_sets }
    }
}

fn role_of<'s>(s: &Side<'s>, (e, k): (usize, usize)) -> &'s str {
    &s.events[e].arguments[s.args[e][k].0].role
}

fn realis_ok(g: &Event, p: &Event, opts: EventOptions) -> bool {
    match (&g.realis, &p.realis) {
        (Some(a), Some(b)) if opts.realis => a.eq_ignore_ascii_case(b),
        _ => true,
    }
}

/// AC+ and AI+ between the arguments of one gold and one predicted event (argument ranks).
fn pair_args(gs: &Side, ge: usize, ps: &Side, pe: usize) -> (Matching, Matching) {
    let (g, p) = (&gs.args[ge], &ps.args[pe]);
    let (ge, pe) = (gs.events[ge], ps.events[pe]);
    let role = |gi: usize, pi: usize| ge.arguments[g[gi].0].role == pe.arguments[p[pi].0].role;
    let fits = |gi: usize, pi: usize| gs.fits(&g[gi].1, p[pi].1.own);
    let mut adj_ai: Vec<Vec<usize>> = Vec::with_capacity(g.len());
    let mut adj_ac: Vec<Vec<usize>> = Vec::with_capacity(g.len());
    for gi in 0..g.len() {
        let mut row: Vec<usize> = (0..p.len()).filter(|&pi| fits(gi, pi)).collect();
        row.sort_by_key(|&pi| (!role(gi, pi), pi));
        adj_ac.push(row.iter().copied().filter(|&pi| role(gi, pi)).collect());
        adj_ai.push(row);
    }
    let ac = maximum(&adj_ac, p.len());
    let mut ai = ac.clone();
    extend_to_maximum(&adj_ai, &mut ai);
    (ai, ac)
}

/// Groups larger than this (gold x predicted events with one trigger and type) are paired
/// by a plain maximum matching instead of the optimal assignment (quadratic memory).
const ASSIGNMENT_LIMIT: usize = 4096;

/// The class of each key: equal keys, equal classes (numbered as first seen).
fn classes<K: Hash + Eq>(keys: impl Iterator<Item = K>) -> Vec<usize> {
    let mut ids: HashMap<K, usize> = HashMap::default();
    keys.map(|k| {
        let n = ids.len();
        *ids.entry(k).or_insert(n)
    })
    .collect()
}

/// The default profile, in its steps: TC (triggers and types, paired by optimal
/// assignment), TI (extending TC), the arguments (AI+/AC+ from the TC pairs, then AC and
/// AI), the counts, and on demand every item's outcome.
fn default_profile(
    doc: &Document,
    gold: &DocAnnotations,
    pred: &DocAnnotations,
    opts: EventOptions,
    details: bool,
) -> DocEventScore {
    let g = Side::new(doc, gold, opts, true);
    let p = Side::new(doc, pred, opts, false);
    let (tc, attached) = trigger_classification(&g, &p, opts);
    let ti = trigger_identification(&g, &p, &tc);
    let space = ArgSpace::new(&g, &p);
    let args = match_arguments(&g, &p, &space, &tc, &attached);
    let counts = count_events(&g, &p, &space, &ti, &tc, &args);
    let details = details.then(|| event_details(&g, &p, &space, &ti, &tc, &args));
    DocEventScore { counts, details }
}

/// TC: groups of events with one trigger key and type, paired by optimal assignment (a
/// plain maximum matching past [`ASSIGNMENT_LIMIT`]). Also, per gold rank paired in TC,
/// (AI+, AC+) between its arguments and its partner's.
fn trigger_classification(g: &Side, p: &Side, opts: EventOptions) -> (Matching, Vec<Option<(Matching, Matching)>>) {
    let (ng, np) = (g.events.len(), p.events.len());
    type Group = (Vec<usize>, Vec<usize>);
    let mut groups: HashMap<(TKey, &str), Group> = HashMap::default();
    for r in 0..ng {
        groups.entry((g.trig[r], g.events[r].event_type.as_str())).or_default().0.push(r);
    }
    for r in 0..np {
        if let Some(grp) = groups.get_mut(&(p.trig[r], p.events[r].event_type.as_str())) {
            grp.1.push(r);
        }
    }
    let mut tc = Matching::empty(ng, np);
    let mut attached: Vec<Option<(Matching, Matching)>> = vec![None; ng];
    for (gs, ps) in groups.values() {
        if ps.is_empty() {
            continue;
        }
        let ok = |a: usize, b: usize| realis_ok(g.events[a], p.events[b], opts);
        let pairs = |a: usize, b: usize| pair_args(g, a, p, b);
        let chosen: Vec<(usize, usize)> = if gs.len() == 1 && ps.len() == 1 {
            if ok(gs[0], ps[0]) { vec![(gs[0], ps[0])] } else { Vec::new() }
        } else if gs.len() * ps.len() <= ASSIGNMENT_LIMIT {
            let total: i64 = gs.iter().map(|&a| g.args[a].len() as i64).sum();
            let big1 = total + 1;
            let big2 = big1 * big1;
            let w: Vec<Vec<i64>> = gs
                .iter()
                .map(|&a| {
                    ps.iter()
                        .map(|&b| {
                            if !ok(a, b) {
                                return 0;
                            }
                            let (ai, ac) = pairs(a, b);
                            big2 + big1 * ac.size() as i64 + ai.size() as i64
                        })
                        .collect()
                })
                .collect();
            let m = max_weight_assignment(&w, ps.len());
            m.left.iter().enumerate().filter_map(|(i, j)| j.map(|j| (gs[i], ps[j]))).collect()
        } else {
            // The rows (every compatible prediction, in order) are walked, not stored.
            let realis = |a: usize| g.events[a].realis.as_ref().filter(|_| opts.realis).map(|r| r.to_ascii_lowercase());
            let class = classes(gs.iter().map(|&a| realis(a)));
            let mut m = Matching::empty(gs.len(), ps.len());
            extend_by_class(
                gs.len(),
                |i| class[i],
                |_| 0usize,
                |i, j| {
                    while *j < ps.len() {
                        *j += 1;
                        if ok(gs[i], ps[*j - 1]) {
                            return Some(*j - 1);
                        }
                    }
                    None
                },
                &mut m,
            );
            m.left.iter().enumerate().filter_map(|(i, j)| j.map(|j| (gs[i], ps[j]))).collect()
        };
        for (a, b) in chosen {
            tc.pair(a, b);
            attached[a] = Some(pairs(a, b));
        }
    }
    (tc, attached)
}

/// TI: same trigger key, extending TC's pairs; same type tried first.
fn trigger_identification(g: &Side, p: &Side, tc: &Matching) -> Matching {
    let (ng, np) = (g.events.len(), p.events.len());
    let mut by_trig: HashMap<TKey, Vec<usize>> = HashMap::default();
    for r in 0..np {
        by_trig.entry(p.trig[r]).or_default().push(r);
    }
    // Row of gold r: the predictions with its trigger key, those of its type first, each
    // part in rank order; walked (over the shared list twice), not stored.
    let empty: Vec<usize> = Vec::new();
    let ti_rows: Vec<&Vec<usize>> = (0..ng).map(|r| by_trig.get(&g.trig[r]).unwrap_or(&empty)).collect();
    #[cfg(test)]
    for (r, &rr) in ti_rows.iter().enumerate() {
        // The walked row is the list the scorer once built and sorted.
        let mut row = by_trig.get(&g.trig[r]).cloned().unwrap_or_default();
        row.sort_by_key(|&b| (p.events[b].event_type != g.events[r].event_type, b));
        let walked: Vec<usize> = {
            let mut v: Vec<usize> =
                rr.iter().copied().filter(|&b| p.events[b].event_type == g.events[r].event_type).collect();
            v.extend(rr.iter().copied().filter(|&b| p.events[b].event_type != g.events[r].event_type));
            v
        };
        assert_eq!(walked, row);
    }
    let ti_class = classes((0..ng).map(|r| (g.trig[r], g.events[r].event_type.as_str())));
    let mut ti = tc.clone();
    extend_by_class(
        ng,
        |r| ti_class[r],
        |_| 0usize,
        |r, k| {
            let row = ti_rows[r];
            while *k < 2 * row.len() {
                let (first, b) = (*k < row.len(), row[*k % row.len()]);
                *k += 1;
                if (p.events[b].event_type == g.events[r].event_type) == first {
                    return Some(b);
                }
            }
            None
        },
        &mut ti,
    );
    ti
}

/// The arguments of both sides, flattened to (event rank, argument rank), and what a gold
/// argument's candidates are looked up by.
struct ArgSpace<'s> {
    gflat: Vec<(usize, usize)>,
    pflat: Vec<(usize, usize)>,
    gpos: HashMap<(usize, usize), usize>,
    ppos: HashMap<(usize, usize), usize>,
    /// (event type, key) -> predicted arguments (indices into `pflat`), in rank order.
    pred_by_key: HashMap<(&'s str, Span), Vec<usize>>,
    /// Per (event type, gold cluster): the predicted arguments of that type on any key of
    /// the cluster, in rank order (one list however many arguments name the cluster).
    by_cluster: HashMap<(&'s str, u32), Vec<usize>>,
    /// Roles as numbers (equal roles, equal numbers): gold arguments, then predicted ones.
    role_ids: Vec<usize>,
    /// Where each predicted event's arguments start in `pflat`.
    pstart: Vec<usize>,
}

/// Where a gold argument's walk over its candidates is: the pass, and the position in
/// each of its two candidate lists (or in its TC partner's arguments).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Walk {
    pass: usize,
    a: usize,
    b: usize,
}

/// (attached, same role) per pass: AI tries all four, AC the same-role ones.
const AI_PASSES: &[(bool, bool)] = &[(true, true), (true, false), (false, true), (false, false)];
const AC_PASSES: &[(bool, bool)] = &[(true, true), (false, true)];

/// A gold argument's candidates: on its own key, and on its cluster's keys.
type Cands<'c> = (&'c [usize], &'c [usize]);

impl<'s> ArgSpace<'s> {
    fn new(g: &Side<'s>, p: &Side<'s>) -> Self {
        let flat = |s: &Side| -> Vec<(usize, usize)> {
            s.args.iter().enumerate().flat_map(|(e, a)| (0..a.len()).map(move |k| (e, k))).collect()
        };
        let gflat = flat(g);
        let pflat = flat(p);
        let gpos = gflat.iter().enumerate().map(|(i, x)| (*x, i)).collect();
        let ppos = pflat.iter().enumerate().map(|(i, x)| (*x, i)).collect();
        let mut pred_by_key: HashMap<(&str, Span), Vec<usize>> = HashMap::default();
        for (i, &(e, k)) in pflat.iter().enumerate() {
            pred_by_key.entry((p.events[e].event_type.as_str(), p.args[e][k].1.own)).or_default().push(i);
        }
        let mut by_cluster: HashMap<(&str, u32), Vec<usize>> = HashMap::default();
        for &(e, k) in &gflat {
            let ty = g.events[e].event_type.as_str();
            if let Some(c) = g.args[e][k].1.cluster
                && !by_cluster.contains_key(&(ty, c))
            {
                let mut v: Vec<usize> = Vec::new();
                for key in &g.cluster_keys[c as usize] {
                    if let Some(x) = pred_by_key.get(&(ty, *key)) {
                        v.extend(x);
                    }
                }
                v.sort_unstable();
                v.dedup();
                by_cluster.insert((ty, c), v);
            }
        }
        let role_ids = classes(gflat.iter().map(|&x| role_of(g, x)).chain(pflat.iter().map(|&x| role_of(p, x))));
        let np = p.events.len();
        let mut pstart = vec![0usize; np + 1];
        for &(e, _) in &pflat {
            pstart[e + 1] += 1;
        }
        for e in 0..np {
            pstart[e + 1] += pstart[e];
        }
        ArgSpace { gflat, pflat, gpos, ppos, pred_by_key, by_cluster, role_ids, pstart }
    }

    fn grole_id(&self) -> &[usize] {
        &self.role_ids[..self.gflat.len()]
    }

    fn prole_id(&self) -> &[usize] {
        &self.role_ids[self.gflat.len()..]
    }

    /// A gold argument's candidates: the predicted arguments of its event's type on its own
    /// key or its cluster's (two sorted lists, merged as walked). Its row tries them
    /// attached first (on the TC partner of its event), then same role, then in rank
    /// order: four passes over the candidates (AC: the two same-role ones). Rows are
    /// walked, not stored.
    fn candidates(&self, g: &Side<'s>) -> Vec<Cands<'_>> {
        self.gflat
            .iter()
            .map(|&(e, k)| {
                let ty = g.events[e].event_type.as_str();
                let key = &g.args[e][k].1;
                let cl = key.cluster.and_then(|c| self.by_cluster.get(&(ty, c))).map_or(&[][..], |v| &v[..]);
                // An own key among the cluster's has its candidates in the cluster's list:
                // left out, so that arguments naming one cluster share one list.
                if key.cluster.is_some_and(|c| g.cluster_sets[c as usize].contains(&key.own)) {
                    return (&[][..], cl);
                }
                let own = self.pred_by_key.get(&(ty, key.own)).map_or(&[][..], |v| &v[..]);
                (own, cl)
            })
            .collect()
    }

    /// The walk over gold argument `i`'s row under `passes`: the next candidate, or `None`.
    fn walk<'a>(
        &'a self,
        cands: &'a [Cands<'a>],
        g: &'a Side,
        p: &'a Side,
        tc: &'a Matching,
        passes: &'static [(bool, bool)],
    ) -> impl Fn(usize, &mut Walk) -> Option<usize> + 'a {
        let (gflat, pflat, pstart) = (&self.gflat, &self.pflat, &self.pstart);
        let (grole_id, prole_id) = (self.grole_id(), self.prole_id());
        move |i: usize, w: &mut Walk| -> Option<usize> {
            let (own, cl) = cands[i];
            let (e, k) = gflat[i];
            let grole = grole_id[i];
            let partner = tc.left[e];
            while let Some(&(attached, same_role)) = passes.get(w.pass) {
                let x = if attached {
                    // The partner's arguments (a rank range), those that are candidates.
                    let Some(pe) = partner else {
                        *w = Walk { pass: w.pass + 1, a: 0, b: 0 };
                        continue;
                    };
                    let x = pstart[pe] + w.a;
                    if x >= pstart[pe + 1] {
                        *w = Walk { pass: w.pass + 1, a: 0, b: 0 };
                        continue;
                    }
                    w.a += 1;
                    let key = &g.args[e][k].1;
                    let (xe, xk) = pflat[x];
                    if p.events[xe].event_type != g.events[e].event_type || !g.fits(key, p.args[xe][xk].1.own) {
                        continue;
                    }
                    x
                } else {
                    let x = match (own.get(w.a), cl.get(w.b)) {
                        (None, None) => {
                            *w = Walk { pass: w.pass + 1, a: 0, b: 0 };
                            continue;
                        }
                        (Some(&x), None) => {
                            w.a += 1;
                            x
                        }
                        (None, Some(&y)) => {
                            w.b += 1;
                            y
                        }
                        (Some(&x), Some(&y)) => {
                            if x <= y {
                                w.a += 1;
                            }
                            if y <= x {
                                w.b += 1;
                            }
                            x.min(y)
                        }
                    };
                    if Some(pflat[x].0) == partner {
                        continue;
                    }
                    x
                };
                if (prole_id[x] == grole) == same_role {
                    return Some(x);
                }
            }
            None
        }
    }

    /// AI+ and AC+ over the flattened arguments: the argument pairings of TC's pairs.
    fn attached(&self, tc: &Matching, attached: &[Option<(Matching, Matching)>]) -> (Matching, Matching) {
        let mut ai_plus = Matching::empty(self.gflat.len(), self.pflat.len());
        let mut ac_plus = Matching::empty(self.gflat.len(), self.pflat.len());
        for (e, m) in attached.iter().enumerate() {
            let (Some((ai, ac)), Some(pe)) = (m, tc.left[e]) else { continue };
            for (plus, m) in [(&mut ai_plus, ai), (&mut ac_plus, ac)] {
                for (k, pk) in m.left.iter().enumerate() {
                    if let Some(pk) = pk {
                        plus.pair(self.gpos[&(e, k)], self.ppos[&(pe, *pk)]);
                    }
                }
            }
        }
        (ai_plus, ac_plus)
    }
}

const fn start(_: usize) -> Walk {
    Walk { pass: 0, a: 0, b: 0 }
}

/// The argument matchings over [`ArgSpace`]'s flattened arguments.
struct ArgMatch {
    ai: Matching,
    ac: Matching,
    ai_plus: Matching,
    ac_plus: Matching,
}

/// AI+/AC+ from TC's pairs, then AC extending AC+ and AI extending AC.
fn match_arguments(
    g: &Side,
    p: &Side,
    space: &ArgSpace,
    tc: &Matching,
    attached: &[Option<(Matching, Matching)>],
) -> ArgMatch {
    let cands = space.candidates(g);
    let walk = |passes| space.walk(&cands, g, p, tc, passes);
    let (ai_plus, ac_plus) = space.attached(tc, attached);
    #[cfg(test)]
    for (i, &(e, k)) in space.gflat.iter().enumerate() {
        // The walked rows are the lists the scorer once built and sorted: every key of the
        // argument looked up, then (attached, same role, rank) order.
        let ty = g.events[e].event_type.as_str();
        let key = &g.args[e][k].1;
        let mut keys = vec![key.own];
        if let Some(c) = key.cluster {
            keys.extend(g.cluster_keys[c as usize].iter().filter(|s| **s != key.own));
        }
        let mut row: Vec<usize> =
            keys.iter().filter_map(|s| space.pred_by_key.get(&(ty, *s))).flatten().copied().collect();
        row.sort_unstable();
        row.dedup();
        let grole = role_of(g, (e, k));
        let pflat = &space.pflat;
        row.sort_by_key(|&x| (Some(pflat[x].0) != tc.left[e], role_of(p, pflat[x]) != grole, x));
        let ac_row: Vec<usize> = row.iter().copied().filter(|&x| role_of(p, pflat[x]) == grole).collect();
        let walked = |passes| {
            let next = walk(passes);
            let mut w = start(i);
            std::iter::from_fn(move || next(i, &mut w)).collect::<Vec<usize>>()
        };
        assert_eq!(walked(AI_PASSES), row);
        assert_eq!(walked(AC_PASSES), ac_row);
    }
    // Past the attached passes (the partner's arguments), gold arguments with the same
    // candidates and role walk the same lists, each skipping its own partner's arguments:
    // those a member skips there it has already walked (every candidate of its partner, or
    // under AC those of its role, which is all the same-role passes can return), so they
    // are visited by the same search, or matched in the greedy pass; the class shares its
    // position in the lists whatever the partner.
    let arg_class = classes(
        cands
            .iter()
            .zip(space.grole_id())
            .map(|((own, cl), role)| (own.as_ptr() as usize, own.len(), cl.as_ptr() as usize, cl.len(), *role)),
    );
    let shared = |n_attached: usize| {
        let arg_class = &arg_class;
        move |i: usize, w: &Walk| (w.pass >= n_attached).then(|| arg_class[i])
    };
    let n = space.gflat.len();
    let mut ac = ac_plus.clone();
    extend_by_shared(n, shared(1), start, walk(AC_PASSES), &mut ac);
    let mut ai = ac.clone();
    extend_by_shared(n, shared(2), start, walk(AI_PASSES), &mut ai);
    #[cfg(test)]
    {
        // The same matchings as a plain search over the rows spelled out.
        let rows = |passes| -> Vec<Vec<usize>> {
            (0..n)
                .map(|i| {
                    let next = walk(passes);
                    let mut w = start(i);
                    std::iter::from_fn(move || next(i, &mut w)).collect()
                })
                .collect()
        };
        let mut want_ac = ac_plus.clone();
        extend_to_maximum(&rows(AC_PASSES), &mut want_ac);
        assert_eq!(ac, want_ac);
        let mut want_ai = ac.clone();
        extend_to_maximum(&rows(AI_PASSES), &mut want_ai);
        assert_eq!(ai, want_ai);
    }
    ArgMatch { ai, ac, ai_plus, ac_plus }
}

/// The counts of every metric, per event type (TI, TC, AI, AI+) or role (AC, AC+), and the
/// type/role table (AC).
fn count_events(g: &Side, p: &Side, space: &ArgSpace, ti: &Matching, tc: &Matching, args: &ArgMatch) -> EventCounts {
    let mut counts = EventCounts::default();
    for (metric, m) in [(EventMetric::Ti, ti), (EventMetric::Tc, tc)] {
        let mut mc: Counter<&str> = Counter::default();
        for (r, x) in m.left.iter().enumerate() {
            mc.count(&g.events[r].event_type, true, if x.is_some() { Category::Cor } else { Category::Mis });
        }
        for (r, x) in m.right.iter().enumerate() {
            mc.count(&p.events[r].event_type, false, if x.is_some() { Category::Cor } else { Category::Spu });
        }
        *counts.metric_mut(metric) = mc.finish(str::to_string);
    }
    let arg_metrics = [
        (EventMetric::Ai, &args.ai),
        (EventMetric::Ac, &args.ac),
        (EventMetric::AiPlus, &args.ai_plus),
        (EventMetric::AcPlus, &args.ac_plus),
    ];
    let mut type_roles: Counter<(&str, &str)> = Counter::default();
    for (metric, m) in arg_metrics {
        let by_role = matches!(metric, EventMetric::Ac | EventMetric::AcPlus);
        let mut mc: Counter<&str> = Counter::default();
        for (side_is_gold, s, flat, v) in [(true, g, &space.gflat, &m.left), (false, p, &space.pflat, &m.right)] {
            for (i, x) in v.iter().enumerate() {
                let c = match (x.is_some(), side_is_gold) {
                    (true, _) => Category::Cor,
                    (false, true) => Category::Mis,
                    (false, false) => Category::Spu,
                };
                let (e, k) = flat[i];
                let ty = s.events[e].event_type.as_str();
                let role = role_of(s, (e, k));
                mc.count(if by_role { role } else { ty }, side_is_gold, c);
                if metric == EventMetric::Ac {
                    type_roles.count((ty, role), side_is_gold, c);
                }
            }
        }
        *counts.metric_mut(metric) = mc.finish(str::to_string);
    }
    counts.type_roles = type_roles.finish(|(ty, role)| type_role(ty, role));
    counts
}

/// Every trigger's and argument's outcome, in input order.
fn event_details(g: &Side, p: &Side, space: &ArgSpace, ti: &Matching, tc: &Matching, args: &ArgMatch) -> EventMatch {
    let out_events = |s: &Side, mine: [&Vec<Option<usize>>; 2], other: &Side, miss: Category| {
        let mut v = vec![[(miss, None); 2]; s.events.len()];
        for r in 0..s.events.len() {
            for (j, m) in mine.iter().enumerate() {
                v[s.index[r]][j] = match m[r] {
                    Some(o) => (Category::Cor, Some(other.index[o])),
                    None => (miss, None),
                };
            }
        }
        v
    };
    let out_args = |s: &Side,
                    flat: &[(usize, usize)],
                    mine: [&Vec<Option<usize>>; 4],
                    other: &Side,
                    oflat: &[(usize, usize)],
                    miss: Category| {
        let mut v: Vec<Vec<[ArgOutcome; 4]>> = s.index.iter().map(|_| Vec::new()).collect::<Vec<_>>();
        for r in 0..s.events.len() {
            v[s.index[r]] = vec![[(miss, None); 4]; s.events[r].arguments.len()];
        }
        for (i, &(e, k)) in flat.iter().enumerate() {
            for (j, m) in mine.iter().enumerate() {
                v[s.index[e]][s.args[e][k].0][j] = match m[i] {
                    Some(o) => {
                        let (oe, ok) = oflat[o];
                        (Category::Cor, Some((other.index[oe], other.args[oe][ok].0)))
                    }
                    None => (miss, None),
                };
            }
        }
        v
    };
    let (gflat, pflat) = (&space.gflat, &space.pflat);
    let ArgMatch { ai, ac, ai_plus, ac_plus } = args;
    EventMatch {
        gold_events: out_events(g, [&ti.left, &tc.left], p, Category::Mis),
        pred_events: out_events(p, [&ti.right, &tc.right], g, Category::Spu),
        gold_args: out_args(g, gflat, [&ai.left, &ac.left, &ai_plus.left, &ac_plus.left], p, pflat, Category::Mis),
        pred_args: out_args(p, pflat, [&ai.right, &ac.right, &ai_plus.right, &ac_plus.right], g, gflat, Category::Spu),
    }
}

// ---------------------------------------------------------------------------------------
// Profile textee

/// A position as TextEE sees it: token indices, or (off the tokens) a byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Pos {
    Tok(usize, usize),
    Text(usize, usize),
}

fn pos(doc: &Document, s: Span) -> Pos {
    match (doc.token_starting_at(s.start), doc.token_ending_at(s.end)) {
        (Some(a), Some(b)) if a <= b => Pos::Tok(a, b + 1),
        _ => Pos::Text(s.start, s.end),
    }
}

/// Set semantics for one metric: every item has a tuple and (maybe) a label that is part
/// of the tuple. Counts the sets per label and returns each item's category.
fn set_metric<K: Hash + Eq + Copy>(
    mc: &mut ModeCounts,
    gold: &[(K, Option<String>)],
    pred: &[(K, Option<String>)],
) -> (Vec<Category>, Vec<Category>) {
    let gs: HashSet<K> = gold.iter().map(|x| x.0).collect();
    let ps: HashSet<K> = pred.iter().map(|x| x.0).collect();
    for (items, other, is_gold) in [(gold, &ps, true), (pred, &gs, false)] {
        let mut seen: HashSet<K> = HashSet::default();
        for (k, label) in items {
            if !seen.insert(*k) {
                continue;
            }
            let c = match (other.contains(k), is_gold) {
                (true, _) => Category::Cor,
                (false, true) => Category::Mis,
                (false, false) => Category::Spu,
            };
            let t = if is_gold { &mut mc.overall.gold } else { &mut mc.overall.pred };
            bump(t, c);
            if let Some(l) = label {
                let lt = mc.label_mut(l);
                bump(if is_gold { &mut lt.gold } else { &mut lt.pred }, c);
            }
        }
    }
    let cat = |items: &[(K, Option<String>)], other: &HashSet<K>, miss| {
        items.iter().map(|(k, _)| if other.contains(k) { Category::Cor } else { miss }).collect()
    };
    (cat(gold, &ps, Category::Mis), cat(pred, &gs, Category::Spu))
}

type ArgTuple<'a> = (Pos, &'a str, Pos, &'a str);

fn trigger_tuples<'a>(doc: &Document, ann: &'a DocAnnotations) -> Vec<(Pos, &'a str)> {
    ann.events.iter().map(|e| (pos(doc, e.trigger.span), e.event_type.as_str())).collect()
}

fn argument_tuples<'a>(doc: &Document, ann: &'a DocAnnotations) -> Vec<ArgTuple<'a>> {
    let mut v = Vec::new();
    for e in &ann.events {
        let t = pos(doc, e.trigger.span);
        for a in &e.arguments {
            v.push((t, e.event_type.as_str(), pos(doc, a.span), a.role.as_str()));
        }
    }
    v
}

/// Project argument tuples onto a metric's tuple and label.
fn project<'a, K>(v: &[ArgTuple<'a>], f: impl Fn(&ArgTuple<'a>) -> (K, Option<String>)) -> Vec<(K, Option<String>)> {
    v.iter().map(f).collect()
}

fn textee(doc: &Document, gold: &DocAnnotations, pred: &DocAnnotations, details: bool) -> DocEventScore {
    let (gt, pt) = (trigger_tuples(doc, gold), trigger_tuples(doc, pred));
    let (ga, pa) = (argument_tuples(doc, gold), argument_tuples(doc, pred));
    let mut counts = EventCounts::default();
    let s = |x: &str| Some(x.to_string());
    let ti = set_metric(
        counts.metric_mut(EventMetric::Ti),
        &gt.iter().map(|x| (x.0, None)).collect::<Vec<_>>(),
        &pt.iter().map(|x| (x.0, None)).collect::<Vec<_>>(),
    );
    let tc = set_metric(
        counts.metric_mut(EventMetric::Tc),
        &gt.iter().map(|x| (*x, s(x.1))).collect::<Vec<_>>(),
        &pt.iter().map(|x| (*x, s(x.1))).collect::<Vec<_>>(),
    );
    let ai = set_metric(
        counts.metric_mut(EventMetric::Ai),
        &project(&ga, |x| ((x.1, x.2), s(x.1))),
        &project(&pa, |x| ((x.1, x.2), s(x.1))),
    );
    let ac = set_metric(
        counts.metric_mut(EventMetric::Ac),
        &project(&ga, |x| ((x.1, x.2, x.3), s(x.3))),
        &project(&pa, |x| ((x.1, x.2, x.3), s(x.3))),
    );
    set_metric(
        &mut counts.type_roles,
        &project(&ga, |x| ((x.1, x.2, x.3), Some(type_role(x.1, x.3)))),
        &project(&pa, |x| ((x.1, x.2, x.3), Some(type_role(x.1, x.3)))),
    );
    let aip = set_metric(
        counts.metric_mut(EventMetric::AiPlus),
        &project(&ga, |x| ((x.0, x.1, x.2), s(x.1))),
        &project(&pa, |x| ((x.0, x.1, x.2), s(x.1))),
    );
    let acp = set_metric(
        counts.metric_mut(EventMetric::AcPlus),
        &project(&ga, |x| (*x, s(x.3))),
        &project(&pa, |x| (*x, s(x.3))),
    );
    let details = details.then(|| {
        let events = |n: usize, t: &[Category], c: &[Category]| -> Vec<[TriggerOutcome; 2]> {
            (0..n).map(|i| [(t[i], None), (c[i], None)]).collect()
        };
        let arguments = |ann: &DocAnnotations, m: [&Vec<Category>; 4]| -> Vec<Vec<[ArgOutcome; 4]>> {
            let mut i = 0;
            ann.events
                .iter()
                .map(|e| {
                    e.arguments
                        .iter()
                        .map(|_| {
                            let row = [(m[0][i], None), (m[1][i], None), (m[2][i], None), (m[3][i], None)];
                            i += 1;
                            row
                        })
                        .collect()
                })
                .collect()
        };
        EventMatch {
            gold_events: events(gold.events.len(), &ti.0, &tc.0),
            pred_events: events(pred.events.len(), &ti.1, &tc.1),
            gold_args: arguments(gold, [&ai.0, &ac.0, &aip.0, &acp.0]),
            pred_args: arguments(pred, [&ai.1, &ac.1, &aip.1, &acp.1]),
        }
    });
    DocEventScore { counts, details }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Trigger;

    /// Unplaced (empty-span) triggers and arguments, as alignment leaves them, never match.
    #[test]
    fn unplaced_items_never_match() {
        let doc = Document::new("d", "Alice met Bob.");
        let ev = |span: Span| Event {
            id: "E1".into(),
            event_type: "Meet".into(),
            trigger: Trigger { span, ..Default::default() },
            arguments: vec![Argument { role: "Entity".into(), span: Span::default(), ..Default::default() }],
            ..Default::default()
        };
        let mut gold = DocAnnotations::new("d");
        gold.events.push(ev(Span::default()));
        let mut pred = DocAnnotations::new("d");
        pred.events.push(ev(Span::default()));
        for profile in [Profile::Default, Profile::Textee] {
            let s = score_document(&doc, &gold, &pred, profile, EventOptions::default(), false);
            for m in [EventMetric::Ti, EventMetric::Tc, EventMetric::Ai, EventMetric::Ac] {
                let t = s.counts.metric(m).overall;
                assert_eq!((t.gold.cor, t.gold.mis, t.pred.spu), (0, 1, 1), "{profile:?} {m:?}");
            }
        }
    }

    /// A document of space-separated words with token spans.
    fn doc(text: &str) -> Document {
        let mut d = Document::new("d", text);
        let mut pos = 0;
        for w in text.split(' ') {
            d.tokens.push(Span::new(pos, pos + w.len()));
            pos += w.len() + 1;
        }
        d
    }

    /// The byte span of word `i` (0-based) of `d`.
    fn w(d: &Document, i: usize) -> Span {
        d.tokens[i]
    }

    fn ev(id: &str, ty: &str, trig: Span, args: &[(&str, Span)]) -> Event {
        Event {
            id: id.into(),
            event_type: ty.into(),
            trigger: Trigger { span: trig, ..Default::default() },
            arguments: args
                .iter()
                .map(|(r, s)| Argument { role: r.to_string(), span: *s, ..Default::default() })
                .collect(),
            ..Default::default()
        }
    }

    fn ann(events: Vec<Event>) -> DocAnnotations {
        DocAnnotations { doc_id: "d".into(), events, ..Default::default() }
    }

    fn cor(c: &EventCounts) -> [u64; 6] {
        EventMetric::ALL.map(|m| c.metric(m).overall.gold.cor)
    }

    #[test]
    fn attached_arguments_follow_the_best_event_pairing() {
        // Two predicted copies of one gold event; the second carries the arguments. Whatever
        // the order, TC pairs the gold event with the copy that gives the most AC+.
        let d = doc("Police arrested the suspect in Lyon");
        let g = ann(vec![ev("E1", "Arrest", w(&d, 1), &[("Agent", w(&d, 0)), ("Place", w(&d, 5))])]);
        let bare = ev("P1", "Arrest", w(&d, 1), &[]);
        let full = ev("P2", "Arrest", w(&d, 1), &[("Agent", w(&d, 0)), ("Place", w(&d, 5))]);
        for pred in [vec![bare.clone(), full.clone()], vec![full.clone(), bare.clone()]] {
            let s = score_document(&d, &g, &ann(pred.clone()), Profile::Default, EventOptions::default(), true);
            assert_eq!(cor(&s.counts), [1, 1, 2, 2, 2, 2]);
            let det = s.details.expect("details");
            let partner = det.gold_events[0][1].1.expect("paired");
            assert_eq!(pred[partner].id, "P2");
        }
    }

    #[test]
    fn derived_heads() {
        let d = doc("The former president of France arrived in Paris");
        assert_eq!(derived_head(&d, Span::new(0, w(&d, 4).end)), w(&d, 2), "cut before 'of'");
        assert_eq!(derived_head(&d, w(&d, 5).cover(&w(&d, 6))), w(&d, 5), "cut before 'in'");
        assert_eq!(derived_head(&d, w(&d, 1).cover(&w(&d, 2))), w(&d, 2), "last token");
        // Without document tokens, ieval's tokenizer splits the span.
        let bare = Document::new("d", "two soldiers, killed");
        assert_eq!(derived_head(&bare, Span::new(0, 12)), Span::new(4, 12));
    }

    #[test]
    fn textee_positions_are_tokens_or_text() {
        let d = doc("Rebels attacked the convoy");
        assert_eq!(pos(&d, w(&d, 2).cover(&w(&d, 3))), Pos::Tok(2, 4));
        assert_eq!(pos(&d, Span::new(1, 4)), Pos::Text(1, 4), "inside a token");
        assert_eq!(pos(&Document::new("d", "Rebels"), Span::new(0, 6)), Pos::Text(0, 6), "no tokens");
    }

    /// (trigger word, type, [(role, argument word)]).
    type Spec = (u8, u8, Vec<(u8, u8)>);

    /// A small random document: events over 6 words, 2 types, 2 roles.
    /// One entity per word of `d`, word `i` in cluster `clusters[i]`.
    fn clustered_entities(d: &Document, clusters: &[u8]) -> Vec<Mention> {
        (0..d.tokens.len())
            .map(|i| {
                let mut m = Mention::new(format!("T{i}"), w(d, i), "X");
                m.cluster = Some(format!("C{}", clusters[i]));
                m
            })
            .collect()
    }

    /// The events of `spec` with `entities`, each argument naming the entity of its word.
    fn events_on_entities(d: &Document, spec: &[Spec], entities: &[Mention]) -> DocAnnotations {
        let mut a = ann(arb_events(d, spec));
        for e in &mut a.events {
            for x in &mut e.arguments {
                let i = d.tokens.iter().position(|t| *t == x.span).expect("a word");
                x.entity_id = Some(format!("T{i}"));
            }
        }
        a.entities = entities.to_vec();
        a
    }

    fn arb_events(d: &Document, spec: &[Spec]) -> Vec<Event> {
        spec.iter()
            .enumerate()
            .map(|(i, (t, ty, args))| {
                let args: Vec<(&str, Span)> =
                    args.iter().map(|(r, a)| (["A", "B"][*r as usize % 2], w(d, *a as usize % 6))).collect();
                ev(&format!("E{i}"), ["X", "Y"][*ty as usize % 2], w(d, *t as usize % 6), &args)
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn invariants_and_order_independence(
            gs in proptest::collection::vec((0u8..6, 0u8..2, proptest::collection::vec((0u8..2, 0u8..6), 0..4)), 0..5),
            ps in proptest::collection::vec((0u8..6, 0u8..2, proptest::collection::vec((0u8..2, 0u8..6), 0..4)), 0..5),
            coref in proptest::bool::ANY,
        ) {
            let d = doc("a b c d e f");
            let g = ann(arb_events(&d, &gs));
            let p = ann(arb_events(&d, &ps));
            let opts = EventOptions { coref, ..Default::default() };
            let s = score_document(&d, &g, &p, Profile::Default, opts, false).counts;
            let c = cor(&s);
            // TI >= TC, AI >= AC, AI >= AI+ >= AC+, AC >= AC+; never more COR than items.
            proptest::prop_assert!(c[0] >= c[1] && c[2] >= c[3] && c[2] >= c[4] && c[4] >= c[5] && c[3] >= c[5]);
            for m in EventMetric::ALL {
                let t = s.metric(m).overall;
                proptest::prop_assert_eq!(t.gold.cor, t.pred.cor);
                proptest::prop_assert!(t.gold.cor <= t.possible().min(t.actual()));
                let by_label: u64 = s.metric(m).labels.values().map(|l| l.possible()).sum();
                proptest::prop_assert_eq!(by_label, t.possible());
            }
            // Reversed events and arguments: the same counts.
            let rev = |a: &DocAnnotations| {
                let mut a = a.clone();
                a.events.reverse();
                for e in &mut a.events {
                    e.arguments.reverse();
                }
                a
            };
            let r = score_document(&d, &rev(&g), &rev(&p), Profile::Default, opts, false).counts;
            proptest::prop_assert_eq!(&r, &s);
            // Gold against itself: everything correct, in both profiles.
            for profile in [Profile::Default, Profile::Textee] {
                let me = score_document(&d, &g, &g, profile, EventOptions::default(), false).counts;
                for m in EventMetric::ALL {
                    let t = me.metric(m).overall;
                    proptest::prop_assert_eq!(t.gold.mis + t.pred.spu, 0);
                }
            }
        }
    }

    proptest::proptest! {
        /// Arguments naming entities of gold clusters, repeated triggers, any options: the
        /// rows walked by the scorer are the lists it once sorted (checked inside the scorer
        /// in test builds), and gold against a copy of itself scores every item.
        #[test]
        fn coref_rows_and_repeated_triggers(
            gs in proptest::collection::vec((0u8..3, 0u8..2, proptest::collection::vec((0u8..2, 0u8..6), 0..4)), 0..7),
            ps in proptest::collection::vec((0u8..3, 0u8..2, proptest::collection::vec((0u8..2, 0u8..6), 0..4)), 0..7),
            clusters in proptest::collection::vec(0u8..3, 6),
            head in proptest::bool::ANY,
            realis in proptest::bool::ANY,
        ) {
            let d = doc("a b c d e f");
            // One entity per word, in one of three clusters; arguments name them.
            let entities = clustered_entities(&d, &clusters);
            let with_ids = |spec: &[Spec]| {
                let mut a = events_on_entities(&d, spec, &entities);
                for (k, e) in a.events.iter_mut().enumerate() {
                    e.realis = Some(["actual", "Other"][k % 2].to_string());
                }
                a
            };
            let (g, p) = (with_ids(&gs), with_ids(&ps));
            let opts = EventOptions { head, coref: true, realis };
            let s = score_document(&d, &g, &p, Profile::Default, opts, true);
            let c = cor(&s.counts);
            proptest::prop_assert!(c[0] >= c[1] && c[2] >= c[3] && c[2] >= c[4] && c[4] >= c[5] && c[3] >= c[5]);
            let me = score_document(&d, &g, &g, Profile::Default, opts, false).counts;
            for m in EventMetric::ALL {
                let t = me.metric(m).overall;
                proptest::prop_assert_eq!(t.gold.mis + t.pred.spu, 0);
            }
        }
    }

    proptest::proptest! {
        /// Many events on one trigger whose arguments share candidate lists (the hostile
        /// inputs of issue 12 in small): the argument matchings, whose searches share their
        /// position in a list across arguments with different event partners, equal a plain
        /// search over the rows spelled out (checked inside the scorer in test builds).
        #[test]
        fn shared_candidate_lists_equal_plain_search(
            gs in proptest::collection::vec((0u8..1, 0u8..2, proptest::collection::vec((0u8..2, 0u8..3), 0..3)), 0..24),
            ps in proptest::collection::vec((0u8..1, 0u8..2, proptest::collection::vec((0u8..2, 0u8..3), 0..3)), 0..24),
            clusters in proptest::collection::vec(0u8..2, 6),
            coref in proptest::bool::ANY,
        ) {
            let d = doc("a b c d e f");
            let entities = clustered_entities(&d, &clusters);
            let with_ids = |spec: &[Spec]| events_on_entities(&d, spec, &entities);
            let (g, p) = (with_ids(&gs), with_ids(&ps));
            let opts = EventOptions { coref, ..Default::default() };
            let s = score_document(&d, &g, &p, Profile::Default, opts, false).counts;
            let c = cor(&s);
            proptest::prop_assert!(c[2] >= c[3] && c[2] >= c[4] && c[4] >= c[5] && c[3] >= c[5]);
        }
    }
}
