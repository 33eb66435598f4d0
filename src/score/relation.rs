//! Relation scoring: gold and predicted relations of one document matched one-to-one.
//!
//! A relation is a label and an ordered list of arguments (BRAT `R` lines: `Arg1`, `Arg2`;
//! MEANTIME links: `source`, `target`; Label Studio: `from`, `to`; re3d, TextEE, doccano as
//! their readers give them). Each argument names a mention of the same annotation set by
//! id: an entity mention (its span and label are the argument's span and type) or an event
//! mention (its trigger span and event type). Role names are not compared (formats name
//! the same slots differently); the order of the arguments is.
//!
//! | mode         | a gold and a predicted relation match when                            |
//! |--------------|------------------------------------------------------------------------|
//! | `strict`     | same label, and every argument has the same span and the same type    |
//! | `boundaries` | same label, and every argument has the same span (types ignored)      |
//! | `relaxed`    | same label, and every argument's spans overlap (types ignored)        |
//!
//! Arguments are compared position by position (directed): `R(a, b)` does not match
//! `R(b, a)`. For a label named in [`RelationOptions::symmetric`] the arguments are compared
//! as a set: the relations match when the arguments pair off one-to-one (any order), so
//! `R(a, b)` matches `R(b, a)`. Relations with different numbers of arguments never match.
//! A relation's `attrs` (EventStoryLine's `CAUSES` / `SIGNAL`, BRAT attributes and notes,
//! ...) are never compared, in any mode.
//!
//! Matching is one-to-one: a maximum bipartite matching of the candidate pairs, so a
//! duplicated prediction earns one COR and one SPU. Matched gold relations are COR,
//! unmatched gold MIS, unmatched predictions SPU (no INC or PAR: a relation with the wrong
//! label or arguments is a MIS and a SPU). Counts are per label (the gold relation's label
//! on the gold side, the prediction's on the predicted side) and overall, so micro, macro
//! and per-document averages follow as for entities.
//!
//! Tie rule (which partner, when several give the same number of matches): gold relations
//! are processed in (argument spans, label, id) order and try predictions in the order
//! smaller total boundary distance (sum over arguments of |Δstart| + |Δend|), then
//! (argument spans, label, id); the counts never depend on input order.
//!
//! An argument that names no mention or event of its document (MEANTIME and EventStoryLine
//! link the document creation time, a TIMEX3 without tokens) has no span: it matches only
//! an argument of the other side that names the same id and nothing either, in every mode.
//! Relations with such an argument are counted in [`DocRelationScore::unresolved`].

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{DocAnnotations, Relation, Span};

use super::bipartite;
use super::counts::ModeCounts;
use super::matching::{Category, Counter};

/// Relation matching modes (see the module doc and the README: "Relations").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RelMode {
    /// Same label; every argument: same span and same type.
    Strict,
    /// Same label; every argument: same span.
    Boundaries,
    /// Same label; every argument: overlapping spans.
    Relaxed,
}

impl RelMode {
    pub const ALL: [RelMode; 3] = [RelMode::Strict, RelMode::Boundaries, RelMode::Relaxed];

    pub fn name(self) -> &'static str {
        match self {
            RelMode::Strict => "strict",
            RelMode::Boundaries => "boundaries",
            RelMode::Relaxed => "relaxed",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The mode named `s`, if any.
    pub fn from_name(s: &str) -> Option<RelMode> {
        RelMode::ALL.into_iter().find(|m| m.name() == s)
    }
}

impl std::str::FromStr for RelMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RelMode::from_name(s)
            .ok_or_else(|| format!("unknown relation mode {s:?} (expected strict, boundaries or relaxed)"))
    }
}

/// How to score relations. `symmetric`: labels whose arguments are unordered. A `'static`
/// slice keeps [`super::run::ScoreOptions`] `Copy`; the command line leaks its one list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelationOptions {
    pub symmetric: &'static [String],
    /// Score relations under [`super::run::Task::All`] and [`super::run::Task::Auto`] too
    /// (reported when the gold has relations; see [`super::run::ScoreOptions::scores_relations`]).
    pub with_all: bool,
}

impl RelationOptions {
    pub fn is_symmetric(&self, label: &str) -> bool {
        self.symmetric.iter().any(|s| s == label)
    }
}

/// Relation counts of every mode (index by [`RelMode::index`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationCounts {
    pub modes: [ModeCounts; 3],
}

impl RelationCounts {
    /// True when some mode counts something: the document has a relation on either side.
    pub fn any(&self) -> bool {
        self.modes.iter().any(|m| m.overall != super::counts::LabelTally::default())
    }
    pub fn mode(&self, m: RelMode) -> &ModeCounts {
        &self.modes[m.index()]
    }
    pub fn mode_mut(&mut self, m: RelMode) -> &mut ModeCounts {
        &mut self.modes[m.index()]
    }
}

impl std::ops::AddAssign<&RelationCounts> for RelationCounts {
    fn add_assign(&mut self, o: &RelationCounts) {
        for (a, b) in self.modes.iter_mut().zip(&o.modes) {
            *a += b;
        }
    }
}

/// Each relation's outcome in one mode: category and partner (an index into the other
/// side's relations, input order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelMatch {
    pub gold: Vec<(Category, Option<usize>)>,
    pub pred: Vec<(Category, Option<usize>)>,
}

/// One document's relation score.
#[derive(Debug, Clone, Default)]
pub struct DocRelationScore {
    pub counts: RelationCounts,
    /// Relations with an argument naming nothing in their document: (gold, predicted).
    pub unresolved: (u64, u64),
    /// Per mode, every relation's outcome (when details were asked for).
    pub details: Option<[RelMatch; 3]>,
}

/// An argument as the matcher sees it: span and type, or the id when it names nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Arg<'a> {
    Mention(Span, &'a str),
    Unresolved(&'a str),
}

impl Arg<'_> {
    fn span(&self) -> Span {
        match self {
            Arg::Mention(s, _) => *s,
            Arg::Unresolved(_) => Span::default(),
        }
    }
}

/// A relation with its arguments resolved.
struct Resolved<'a> {
    label: &'a str,
    id: &'a str,
    args: Vec<Arg<'a>>,
}

impl Resolved<'_> {
    fn resolved(&self) -> bool {
        self.args.iter().all(|a| matches!(a, Arg::Mention(..)))
    }
    /// Sort key: arguments, label, id.
    fn key(&self) -> (&[Arg<'_>], &str, &str) {
        (&self.args, self.label, self.id)
    }
}

/// Resolve every relation's argument ids against the set's mentions and events (a mention
/// id first, then an event id).
fn resolve<'a>(ann: &'a DocAnnotations) -> Vec<Resolved<'a>> {
    if ann.relations.is_empty() {
        return Vec::new();
    }
    let mut by_id: HashMap<&str, (Span, &str)> = HashMap::default();
    for e in &ann.events {
        by_id.insert(e.id.as_str(), (e.trigger.span, e.event_type.as_str()));
    }
    for m in &ann.entities {
        by_id.insert(m.id.as_str(), (m.span, m.label.as_str()));
    }
    ann.relations.iter().map(|r: &'a Relation| resolve_one(r, &by_id)).collect()
}

fn resolve_one<'a>(r: &'a Relation, by_id: &HashMap<&str, (Span, &'a str)>) -> Resolved<'a> {
    Resolved {
        label: r.label.as_str(),
        id: r.id.as_str(),
        args: r
            .args
            .iter()
            .map(|(_, id)| match by_id.get(id.as_str()) {
                Some(&(s, t)) => Arg::Mention(s, t),
                None => Arg::Unresolved(id.as_str()),
            })
            .collect(),
    }
}

fn arg_match(mode: RelMode, g: Arg, p: Arg) -> bool {
    match (g, p) {
        (Arg::Mention(gs, gt), Arg::Mention(ps, pt)) => match mode {
            RelMode::Strict => gs == ps && gt == pt,
            RelMode::Boundaries => gs == ps,
            RelMode::Relaxed => gs.overlaps(&ps),
        },
        (Arg::Unresolved(a), Arg::Unresolved(b)) => a == b,
        _ => false,
    }
}

fn distance(a: Span, b: Span) -> usize {
    a.start.abs_diff(b.start) + a.end.abs_diff(b.end)
}

/// The total boundary distance of the arguments of two relations when they match in
/// `mode` (positionally, or as sets for a symmetric label), else `None`.
fn relation_match(mode: RelMode, g: &Resolved, p: &Resolved, symmetric: bool) -> Option<usize> {
    if g.label != p.label || g.args.len() != p.args.len() {
        return None;
    }
    let span = |a: &Arg| a.span();
    if !symmetric {
        let ok = g.args.iter().zip(&p.args).all(|(a, b)| arg_match(mode, *a, *b));
        return ok.then(|| g.args.iter().zip(&p.args).map(|(a, b)| distance(span(a), span(b))).sum());
    }
    // Symmetric: the arguments must pair off one-to-one. Pairs are tried closest first, so
    // a binary relation takes the nearer of its two orders when both match.
    let adj: Vec<Vec<usize>> = g
        .args
        .iter()
        .map(|a| {
            let mut v: Vec<usize> = (0..p.args.len()).filter(|&j| arg_match(mode, *a, p.args[j])).collect();
            v.sort_by_key(|&j| (distance(span(a), span(&p.args[j])), j));
            v
        })
        .collect();
    let m = bipartite::maximum(&adj, p.args.len());
    (m.size() == g.args.len()).then(|| {
        m.left.iter().enumerate().filter_map(|(i, j)| j.map(|j| distance(span(&g.args[i]), span(&p.args[j])))).sum()
    })
}

/// Match the relations of one mode: per gold relation (input order) its partner.
fn match_mode(mode: RelMode, gold: &[Resolved], pred: &[Resolved], opts: RelationOptions) -> bipartite::Matching {
    let mut g_order: Vec<usize> = (0..gold.len()).collect();
    g_order.sort_by(|&a, &b| gold[a].key().cmp(&gold[b].key()));
    let mut p_order: Vec<usize> = (0..pred.len()).collect();
    p_order.sort_by(|&a, &b| pred[a].key().cmp(&pred[b].key()));
    let mut p_rank = vec![0usize; pred.len()];
    for (r, &j) in p_order.iter().enumerate() {
        p_rank[j] = r;
    }
    // Candidates by label, so that the pairs tried are those of one label only.
    let mut by_label: HashMap<&str, Vec<usize>> = HashMap::default();
    for &j in &p_order {
        by_label.entry(pred[j].label).or_default().push(j);
    }
    let adj: Vec<Vec<usize>> = g_order
        .iter()
        .map(|&i| {
            let g = &gold[i];
            let sym = opts.is_symmetric(g.label);
            let mut cands: Vec<(usize, usize)> = by_label
                .get(g.label)
                .map(|js| js.iter().filter_map(|&j| relation_match(mode, g, &pred[j], sym).map(|d| (d, j))).collect())
                .unwrap_or_default();
            cands.sort_by_key(|&(d, j)| (d, p_rank[j]));
            cands.into_iter().map(|(_, j)| j).collect()
        })
        .collect();
    // Rows are in gold sort order; map back to input order.
    let m = bipartite::maximum(&adj, pred.len());
    let mut out = bipartite::Matching::empty(gold.len(), pred.len());
    for (row, &i) in g_order.iter().enumerate() {
        if let Some(j) = m.left[row] {
            out.pair(i, j);
        }
    }
    out
}

/// Score the relations of one document (`gold` and `pred` are the two sets' annotations of
/// it; their relations' argument ids name their own mentions and events).
pub fn score_document(
    gold: &DocAnnotations,
    pred: &DocAnnotations,
    opts: RelationOptions,
    details: bool,
) -> DocRelationScore {
    let g = resolve(gold);
    let p = resolve(pred);
    let mut out = DocRelationScore {
        unresolved: (
            g.iter().filter(|r| !r.resolved()).count() as u64,
            p.iter().filter(|r| !r.resolved()).count() as u64,
        ),
        ..Default::default()
    };
    let mut all_details: Vec<RelMatch> = Vec::new();
    for mode in RelMode::ALL {
        let m = match_mode(mode, &g, &p, opts);
        let mut mc: Counter<&str> = Counter::default();
        let mut rm = RelMatch::default();
        for (i, r) in g.iter().enumerate() {
            let cat = if m.left[i].is_some() { Category::Cor } else { Category::Mis };
            mc.count(r.label, true, cat);
            if details {
                rm.gold.push((cat, m.left[i]));
            }
        }
        for (j, r) in p.iter().enumerate() {
            let cat = if m.right[j].is_some() { Category::Cor } else { Category::Spu };
            mc.count(r.label, false, cat);
            if details {
                rm.pred.push((cat, m.right[j]));
            }
        }
        let mc = mc.finish(str::to_string);
        *out.counts.mode_mut(mode) = mc;
        if details {
            all_details.push(rm);
        }
    }
    if details {
        let mut it = all_details.into_iter();
        let mut next = || it.next().unwrap_or_default();
        out.details = Some([next(), next(), next()]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, Mention, Trigger};

    // Text: "Alice met Bob in Paris."
    //        0    5 6  9 10 13 14 16 17 22
    fn ent(id: &str, s: usize, e: usize, label: &str) -> Mention {
        Mention::new(id, Span::new(s, e), label)
    }
    fn ev(id: &str, s: usize, e: usize, ty: &str) -> Event {
        Event {
            id: id.into(),
            event_type: ty.into(),
            trigger: Trigger { span: Span::new(s, e), ..Default::default() },
            ..Default::default()
        }
    }
    fn rel(id: &str, label: &str, a: &str, b: &str) -> Relation {
        Relation {
            id: id.into(),
            label: label.into(),
            args: vec![("Arg1".into(), a.into()), ("Arg2".into(), b.into())],
            ..Default::default()
        }
    }
    fn doc(entities: Vec<Mention>, events: Vec<Event>, relations: Vec<Relation>) -> DocAnnotations {
        DocAnnotations { doc_id: "d".into(), entities, events, relations }
    }
    fn gold_doc(relations: Vec<Relation>) -> DocAnnotations {
        doc(
            vec![ent("T1", 0, 5, "PER"), ent("T2", 10, 13, "PER"), ent("T3", 17, 22, "LOC")],
            vec![ev("E1", 6, 9, "Contact:Meet")],
            relations,
        )
    }
    /// (COR, MIS, SPU) of each mode, in [strict, boundaries, relaxed] order.
    fn cms(g: &DocAnnotations, p: &DocAnnotations, sym: &'static [String]) -> [(u64, u64, u64); 3] {
        let s = score_document(g, p, RelationOptions { symmetric: sym, with_all: false }, false);
        RelMode::ALL.map(|m| {
            let o = s.counts.mode(m).overall;
            assert_eq!(o.gold.cor, o.pred.cor, "one-to-one: COR is the same on both sides");
            (o.gold.cor, o.gold.mis, o.pred.spu)
        })
    }

    #[test]
    fn swapped_arguments_directed_and_symmetric() {
        // Gold knows(Alice, Bob); the prediction says knows(Bob, Alice). Directed: argument 1
        // is Alice (0..5) in gold and Bob (10..13) in the prediction — no mode matches, so
        // every mode has 1 MIS and 1 SPU.
        let g = gold_doc(vec![rel("R1", "knows", "T1", "T2")]);
        let p = gold_doc(vec![rel("R1", "knows", "T2", "T1")]);
        assert_eq!(cms(&g, &p, &[]), [(0, 1, 1); 3]);
        // With `knows` symmetric, the arguments pair off crosswise (Alice–Alice, Bob–Bob,
        // same spans and types): COR in every mode.
        static SYM: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| vec!["knows".to_string()]);
        assert_eq!(cms(&g, &p, &SYM), [(1, 0, 0); 3]);
        // A symmetric label does not make another label symmetric: `met` stays directed.
        let g2 = gold_doc(vec![rel("R1", "met", "T1", "T2")]);
        let p2 = gold_doc(vec![rel("R1", "met", "T2", "T1")]);
        assert_eq!(cms(&g2, &p2, &SYM), [(0, 1, 1); 3]);
    }

    #[test]
    fn attributes_are_not_compared() {
        // Gold PLOT_LINK with CAUSES=TRUE; predictions with other or no attributes: COR in
        // every mode all the same.
        let mut g = gold_doc(vec![rel("R1", "PLOT_LINK", "T1", "E1")]);
        g.relations[0].attrs = vec![("CAUSES".into(), "TRUE".into()), ("SIGNAL".into(), "7".into())];
        let mut p = gold_doc(vec![rel("R9", "PLOT_LINK", "T1", "E1")]);
        assert_eq!(cms(&g, &p, &[]), [(1, 0, 0); 3]);
        p.relations[0].attrs = vec![("CAUSES".into(), "FALSE".into())];
        assert_eq!(cms(&g, &p, &[]), [(1, 0, 0); 3]);
    }

    #[test]
    fn argument_off_by_a_token() {
        // Gold located_in(Bob 10..13, Paris 17..22). The prediction's second argument is
        // "in Paris" (14..22): one token too many. strict and boundaries need equal spans:
        // MIS + SPU; relaxed needs overlap (17..22 and 14..22 share "Paris"): COR.
        let g = gold_doc(vec![rel("R1", "located_in", "T2", "T3")]);
        let mut p = gold_doc(vec![rel("R1", "located_in", "T2", "T3")]);
        p.entities[2].span = Span::new(14, 22);
        assert_eq!(cms(&g, &p, &[]), [(0, 1, 1), (0, 1, 1), (1, 0, 0)]);
        // Same spans but Paris typed GPE: only strict compares types.
        let mut p = gold_doc(vec![rel("R1", "located_in", "T2", "T3")]);
        p.entities[2].label = "GPE".into();
        assert_eq!(cms(&g, &p, &[]), [(0, 1, 1), (1, 0, 0), (1, 0, 0)]);
        // A different label never matches, whatever the arguments.
        let p = gold_doc(vec![rel("R1", "based_in", "T2", "T3")]);
        assert_eq!(cms(&g, &p, &[]), [(0, 1, 1); 3]);
    }

    #[test]
    fn relation_on_an_event() {
        // Gold place(E1 "met" 6..9 Contact:Meet, Paris). The prediction's event has the same
        // trigger: COR everywhere. The argument of an event is its trigger span and type.
        let g = gold_doc(vec![rel("R1", "place", "E1", "T3")]);
        let p = gold_doc(vec![rel("X", "place", "E1", "T3")]);
        assert_eq!(cms(&g, &p, &[]), [(1, 0, 0); 3]);
        // The predicted event is typed Movement: strict fails on the event's type only.
        let mut p = gold_doc(vec![rel("X", "place", "E1", "T3")]);
        p.events[0].event_type = "Movement".into();
        assert_eq!(cms(&g, &p, &[]), [(0, 1, 1), (1, 0, 0), (1, 0, 0)]);
        // Ids are per set: the prediction calls its event EV9, with the same trigger.
        let mut p = gold_doc(vec![rel("X", "place", "EV9", "T3")]);
        p.events[0].id = "EV9".into();
        assert_eq!(cms(&g, &p, &[]), [(1, 0, 0); 3]);
    }

    #[test]
    fn one_to_one_and_unresolved() {
        // Two identical predictions of one gold relation: one COR, one SPU (not two COR).
        let g = gold_doc(vec![rel("R1", "knows", "T1", "T2")]);
        let p = gold_doc(vec![rel("A", "knows", "T1", "T2"), rel("B", "knows", "T1", "T2")]);
        assert_eq!(cms(&g, &p, &[]), [(1, 0, 1); 3]);
        // A predicted relation naming a missing id is a SPU and counted as unresolved; the
        // gold relation is then MIS.
        let p = gold_doc(vec![rel("A", "knows", "T1", "T99")]);
        assert_eq!(cms(&g, &p, &[]), [(0, 1, 1); 3]);
        let s = score_document(&g, &p, RelationOptions::default(), false);
        assert_eq!(s.unresolved, (0, 1));
        // Both sides link Alice to the same id "DCT" that names nothing (a creation time
        // without tokens): the arguments match by id, in every mode; a different id does not.
        let g = gold_doc(vec![rel("R1", "TLINK", "T1", "DCT")]);
        let p = gold_doc(vec![rel("A", "TLINK", "T1", "DCT")]);
        assert_eq!(cms(&g, &p, &[]), [(1, 0, 0); 3]);
        let p = gold_doc(vec![rel("A", "TLINK", "T1", "tmx0")]);
        assert_eq!(cms(&g, &p, &[]), [(0, 1, 1); 3]);
        assert_eq!(score_document(&g, &p, RelationOptions::default(), false).unresolved, (1, 1));
    }

    #[test]
    fn relaxed_prefers_the_closer_partner_and_stays_maximum() {
        // Gold: r(Alice, Paris) and r(Alice, "in Paris" 14..22) as T4. Predictions with the
        // second argument at 17..22 (= T3) and at 14..22 (= T4'). In relaxed mode each gold
        // overlaps both; the matching is maximum (2 COR), each with its exact twin (the
        // closer one), as the details show.
        let mut g = gold_doc(vec![rel("G1", "r", "T1", "T3"), rel("G2", "r", "T1", "T4")]);
        g.entities.push(ent("T4", 14, 22, "LOC"));
        let p = g.clone();
        let s = score_document(&g, &p, RelationOptions::default(), true);
        let d = s.details.expect("details");
        assert_eq!(d[RelMode::Relaxed.index()].gold, vec![(Category::Cor, Some(0)), (Category::Cor, Some(1))]);
        assert_eq!(s.counts.mode(RelMode::Relaxed).labels["r"].gold.cor, 2);
    }
}
