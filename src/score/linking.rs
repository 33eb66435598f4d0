//! Entity linking measures, as neleval 3.1.1 defines them (Hachey et al. 2014; TAC KBP).
//!
//! Each entity mention becomes an annotation `(document, start, end, type, eid)`: `eid` is
//! the mention's knowledge-base id ([`kb_id`]); else a NIL id it carries (`NIL17`: the
//! mentions carrying one NIL id, in any document, are one NIL entity); else a NIL id of
//! its document: `NIL:<document>:<cluster>` for a mention in a coreference cluster (the
//! cluster's NIL mentions are one entity), `NIL:<document>:<mention id>` otherwise (a
//! singleton). Cluster ids are document-scoped here because some readers' are (BRAT
//! equivalences are named by a member's id); cross-document NIL entities need NIL ids.
//!
//! Tagging measures compare *sets* of keys (a key repeated on one side counts once):
//!
//! | measure                      | key                     | annotations kept |
//! |------------------------------|-------------------------|------------------|
//! | `strong_mention_match`       | span                    | all              |
//! | `strong_typed_mention_match` | span, type              | all              |
//! | `strong_linked_mention_match`| span                    | linked           |
//! | `strong_link_match`          | span, KB id             | linked           |
//! | `strong_nil_match`           | span                    | NIL              |
//! | `strong_all_match`           | span, KB id             | all              |
//! | `strong_typed_link_match`    | span, type, KB id       | linked           |
//! | `strong_typed_nil_match`     | span, type              | NIL              |
//! | `strong_typed_all_match`     | span, type, KB id       | all              |
//! | `entity_match`               | document, KB id         | linked           |
//!
//! (span = document, start, end; the KB id of a NIL annotation is empty.) tp = keys on
//! both sides, fp = system keys - tp, fn = gold keys - tp.
//!
//! Clustering measures (NIL clustering and KB clustering together) group each side's keys
//! by eid into clusters and compare the two clusterings: `muc` (Vilain et al. 1995),
//! `b_cubed` (Bagga and Baldwin 1998), `b_cubed_plus` (key span + KB id), `entity_ceaf`
//! (Luo 2005 φ4, Dice similarity), `mention_ceaf` (φ3, overlap), `mention_ceaf_plus`,
//! `typed_mention_ceaf`, `typed_mention_ceaf_plus`, `pairwise` (pairs of keys in one
//! cluster). Each gives (p_num, p_den, r_num, r_den); neleval reports ptp = p_num,
//! fp = p_den - p_num, rtp = r_num, fn = r_den - r_num, P = ptp/(ptp+fp), R = rtp/(rtp+fn)
//! and reports 0 for 0/0, as here. Where a key is in two clusters of one side (two
//! annotations on one span with different eids), the later cluster (in order of first
//! appearance) is the key's, as in neleval; annotations are ordered by document (first
//! appearance), then (start, -end), then input order — neleval's reading order.
//!
//! All measures are over the whole corpus (KB and NIL ids are shared across documents).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::model::{DocAnnotations, Mention};

use super::bipartite;

/// The link value of a mention, from its attributes: `kb_id`, else `link`, else the first
/// BRAT normalization `norm:<RID>` (as `<RID>:<EID>`, e.g. `Wikidata:Q42`; a NIL id in the
/// EID part is returned alone). `None` when there is none.
pub fn link_value(m: &Mention) -> Option<String> {
    let get = |k: &str| m.attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    if let Some(v) = get("kb_id").or_else(|| get("link")) {
        return Some(v.trim().to_string());
    }
    let (rid, eid) = m.attrs.iter().find_map(|(k, v)| {
        let rid = k.strip_prefix("norm:")?;
        (!rid.contains(':')).then_some((rid, v.trim()))
    })?;
    Some(if is_nil_marker(eid) { eid.to_string() } else { format!("{rid}:{eid}") })
}

/// The knowledge-base id of a mention ([`link_value`] unless it is a NIL marker).
pub fn kb_id(m: &Mention) -> Option<String> {
    link_value(m).filter(|v| !is_nil_marker(v))
}

/// A NIL id that names a NIL entity (`NIL` followed by something: `NIL17`), shared by the
/// mentions that carry it, in any document.
fn is_nil_id(v: &str) -> bool {
    v.len() > 3 && v.starts_with("NIL")
}

/// True for a value that says "no entry": empty, `NULL`, `NONE` or `NIL` in any case, or
/// anything starting with `NIL` (neleval's NIL ids).
pub fn is_nil_marker(v: &str) -> bool {
    let v = v.trim();
    v.is_empty() || v.starts_with("NIL") || ["null", "none", "nil"].iter().any(|n| v.eq_ignore_ascii_case(n))
}

/// One annotation as neleval sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkAnn {
    pub doc: String,
    pub start: usize,
    pub end: usize,
    pub ty: String,
    /// A KB id, or a NIL id (starting with `NIL`).
    pub eid: String,
}

impl LinkAnn {
    pub fn is_linked(&self) -> bool {
        !self.eid.starts_with("NIL")
    }
    pub fn kbid(&self) -> Option<&str> {
        self.is_linked().then_some(self.eid.as_str())
    }
}

/// The annotations of a set's entity mentions, in neleval's reading order (documents in
/// the order given, each by (start, -end), input order among equals). Offsets are bytes.
pub fn annotations<'a>(docs: impl IntoIterator<Item = &'a DocAnnotations>) -> Vec<LinkAnn> {
    let mut out = Vec::new();
    for d in docs {
        let mut v: Vec<LinkAnn> = d
            .entities
            .iter()
            .map(|m| LinkAnn {
                doc: d.doc_id.clone(),
                start: m.span.start,
                end: m.span.end,
                ty: m.label.to_string(),
                eid: match (link_value(m), &m.cluster) {
                    (Some(v), _) if !is_nil_marker(&v) || is_nil_id(&v) => v,
                    (_, Some(c)) => format!("NIL:{}:{c}", d.doc_id),
                    (_, None) => format!("NIL:{}:{}", d.doc_id, m.id),
                },
            })
            .collect();
        v.sort_by_key(|a| (a.start, std::cmp::Reverse(a.end)));
        out.extend(v);
    }
    // neleval groups by document in order of first appearance.
    let mut first: HashMap<String, usize> = HashMap::new();
    for (i, a) in out.iter().enumerate() {
        first.entry(a.doc.clone()).or_insert(i);
    }
    out.sort_by_key(|a| first[&a.doc]);
    out
}

/// neleval's tab-separated system/gold format: `doc start end eid score type`.
pub fn write_tsv(anns: &[LinkAnn], w: &mut dyn std::io::Write) -> std::io::Result<()> {
    for a in anns {
        writeln!(w, "{}\t{}\t{}\t{}\t1.0\t{}", a.doc, a.start, a.end, a.eid, a.ty)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    All,
    Linked,
    Nil,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agg {
    Sets,
    Muc,
    BCubed,
    EntityCeaf,
    MentionCeaf,
    Pairwise,
}

/// Which fields make a key: (span, type, kbid, docid-only).
#[derive(Debug, Clone, Copy)]
struct KeyDef {
    span: bool,
    ty: bool,
    kbid: bool,
}

/// The measures, in neleval's `all` order (tagging, then clustering).
pub const MEASURES: [&str; 19] = [
    "strong_mention_match",
    "strong_typed_mention_match",
    "strong_linked_mention_match",
    "strong_link_match",
    "strong_nil_match",
    "strong_all_match",
    "strong_typed_link_match",
    "strong_typed_nil_match",
    "strong_typed_all_match",
    "entity_match",
    "muc",
    "b_cubed",
    "b_cubed_plus",
    "entity_ceaf",
    "mention_ceaf",
    "mention_ceaf_plus",
    "typed_mention_ceaf",
    "typed_mention_ceaf_plus",
    "pairwise",
];

fn definition(name: &str) -> Option<(KeyDef, Filter, Agg)> {
    let k = |span, ty, kbid| KeyDef { span, ty, kbid };
    use Agg::*;
    use Filter::*;
    Some(match name {
        "strong_mention_match" => (k(true, false, false), All, Sets),
        "strong_typed_mention_match" => (k(true, true, false), All, Sets),
        "strong_linked_mention_match" => (k(true, false, false), Linked, Sets),
        "strong_link_match" => (k(true, false, true), Linked, Sets),
        "strong_nil_match" => (k(true, false, false), Nil, Sets),
        "strong_all_match" => (k(true, false, true), All, Sets),
        "strong_typed_link_match" => (k(true, true, true), Linked, Sets),
        "strong_typed_nil_match" => (k(true, true, false), Nil, Sets),
        "strong_typed_all_match" => (k(true, true, true), All, Sets),
        "entity_match" => (k(false, false, true), Linked, Sets),
        "muc" => (k(true, false, false), All, Muc),
        "b_cubed" => (k(true, false, false), All, BCubed),
        "b_cubed_plus" => (k(true, false, true), All, BCubed),
        "entity_ceaf" => (k(true, false, false), All, EntityCeaf),
        "mention_ceaf" => (k(true, false, false), All, MentionCeaf),
        "mention_ceaf_plus" => (k(true, false, true), All, MentionCeaf),
        "typed_mention_ceaf" => (k(true, true, false), All, MentionCeaf),
        "typed_mention_ceaf_plus" => (k(true, true, true), All, MentionCeaf),
        "pairwise" => (k(true, false, false), All, Pairwise),
        _ => return None,
    })
}

/// One measure's result in neleval's terms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LinkScore {
    pub ptp: f64,
    pub fp: f64,
    pub rtp: f64,
    #[serde(rename = "fn")]
    pub fn_: f64,
    pub precision: f64,
    pub recall: f64,
    pub fscore: f64,
}

impl LinkScore {
    /// From neleval's counts (ptp, fp, rtp, fn): P = ptp / (ptp + fp), R = rtp / (rtp + fn),
    /// F = 2PR / (P + R), each 0 when its denominator is 0 (neleval's `Matrix`).
    pub fn new(ptp: f64, fp: f64, rtp: f64, fn_: f64) -> Self {
        let div = |n: f64, d: f64| if d == 0.0 { 0.0 } else { n / d };
        let precision = div(ptp, ptp + fp);
        let recall = div(rtp, rtp + fn_);
        let fscore = div(2.0 * precision * recall, precision + recall);
        LinkScore { ptp, fp, rtp, fn_, precision, recall, fscore }
    }
}

/// A key: (doc, span, type, KB id), fields not in the measure's key left empty.
type Key<'a> = (&'a str, Option<(usize, usize)>, Option<&'a str>, Option<Option<&'a str>>);

fn key<'a>(a: &'a LinkAnn, d: KeyDef) -> Key<'a> {
    (a.doc.as_str(), d.span.then_some((a.start, a.end)), d.ty.then_some(a.ty.as_str()), d.kbid.then(|| a.kbid()))
}

fn keep(a: &LinkAnn, f: Filter) -> bool {
    match f {
        Filter::All => true,
        Filter::Linked => a.is_linked(),
        Filter::Nil => !a.is_linked(),
    }
}

/// Score one measure by name (see [`MEASURES`]); `None` for an unknown name.
pub fn score_measure(name: &str, gold: &[LinkAnn], pred: &[LinkAnn]) -> Option<LinkScore> {
    let (kd, filter, agg) = definition(name)?;
    if agg == Agg::Sets {
        let g: HashSet<Key> = gold.iter().filter(|a| keep(a, filter)).map(|a| key(a, kd)).collect();
        let p: HashSet<Key> = pred.iter().filter(|a| keep(a, filter)).map(|a| key(a, kd)).collect();
        let tp = g.intersection(&p).count() as f64;
        return Some(LinkScore::new(tp, p.len() as f64 - tp, tp, g.len() as f64 - tp));
    }
    // Intern the keys of both sides, then cluster each side by eid.
    let mut ids: HashMap<Key, u32> = HashMap::new();
    fn clusters<'a>(anns: &'a [LinkAnn], kd: KeyDef, ids: &mut HashMap<Key<'a>, u32>) -> Clustering {
        let mut by_eid: HashMap<&str, usize> = HashMap::new();
        let mut sets: Vec<Vec<u32>> = Vec::new();
        for a in anns {
            let n = ids.len() as u32;
            let id = *ids.entry(key(a, kd)).or_insert(n);
            let c = *by_eid.entry(a.eid.as_str()).or_insert_with(|| {
                sets.push(Vec::new());
                sets.len() - 1
            });
            sets[c].push(id);
        }
        Clustering::new(sets)
    }
    let g = clusters(gold, kd, &mut ids);
    let p = clusters(pred, kd, &mut ids);
    let (p_num, p_den, r_num, r_den) = match agg {
        Agg::Muc => {
            let (pn, pd) = vilain(&p, &g);
            let (rn, rd) = vilain(&g, &p);
            (pn, pd, rn, rd)
        }
        Agg::BCubed => {
            let (pn, pd) = b_cubed(&p, &g);
            let (rn, rd) = b_cubed(&g, &p);
            (pn, pd, rn, rd)
        }
        Agg::EntityCeaf | Agg::MentionCeaf => ceaf(&g, &p, agg == Agg::EntityCeaf),
        Agg::Pairwise => {
            let tri = |n: usize| (n * n.saturating_sub(1) / 2) as f64;
            let num: f64 = overlaps(&g, &p).values().map(|&n| tri(n)).sum();
            let pd: f64 = p.sets.iter().map(|s| tri(s.len())).sum();
            let rd: f64 = g.sets.iter().map(|s| tri(s.len())).sum();
            (num, pd, num, rd)
        }
        Agg::Sets => unreachable!("handled above"),
    };
    Some(LinkScore::new(p_num, p_den - p_num, r_num, r_den - r_num))
}

/// Score every measure of [`MEASURES`] (in that order).
pub fn score_all(gold: &[LinkAnn], pred: &[LinkAnn]) -> Vec<(&'static str, LinkScore)> {
    MEASURES.iter().filter_map(|&m| score_measure(m, gold, pred).map(|s| (m, s))).collect()
}

/// Clusters (each a set of key ids, sorted) in order of first appearance, and each key's
/// cluster (the later one when a key is in two).
struct Clustering {
    sets: Vec<Vec<u32>>,
    of: HashMap<u32, usize>,
}

impl Clustering {
    fn new(mut sets: Vec<Vec<u32>>) -> Self {
        let mut of = HashMap::new();
        for (c, s) in sets.iter_mut().enumerate() {
            s.sort_unstable();
            s.dedup();
            for &k in s.iter() {
                of.insert(k, c);
            }
        }
        Clustering { sets, of }
    }
}

/// |a ∩ b| for every pair of clusters (gold index, pred index) that share a key.
fn overlaps(g: &Clustering, p: &Clustering) -> HashMap<(usize, usize), usize> {
    // Every cluster holding a key (a key may be in several clusters of one side).
    let mut p_holders: HashMap<u32, Vec<usize>> = HashMap::new();
    for (j, s) in p.sets.iter().enumerate() {
        for &k in s {
            p_holders.entry(k).or_default().push(j);
        }
    }
    let mut out: HashMap<(usize, usize), usize> = HashMap::new();
    for (i, s) in g.sets.iter().enumerate() {
        for k in s {
            for &j in p_holders.get(k).map(Vec::as_slice).unwrap_or(&[]) {
                *out.entry((i, j)).or_default() += 1;
            }
        }
    }
    out
}

/// neleval's `_vilain(A, B_mapping)`: (numerator, denominator).
fn vilain(a: &Clustering, b: &Clustering) -> (f64, f64) {
    let (mut num, mut den) = (0usize, 0usize);
    for s in &a.sets {
        let mut corr: HashSet<usize> = HashSet::new();
        let mut unaligned = 0;
        for k in s {
            match b.of.get(k) {
                Some(&c) => {
                    corr.insert(c);
                }
                None => unaligned += 1,
            }
        }
        num += s.len() - unaligned - corr.len();
        den += s.len().saturating_sub(1);
    }
    (num as f64, den as f64)
}

/// neleval's `_b_cubed(A, B)`: (sum over A's keys of |A(k) ∩ B(k)| / |A(k)|, keys of A).
fn b_cubed(a: &Clustering, b: &Clustering) -> (f64, f64) {
    let mut memo: HashMap<(usize, usize), usize> = HashMap::new();
    let mut res = 0.0;
    let mut keys: Vec<(&u32, &usize)> = a.of.iter().collect();
    keys.sort_unstable();
    for (k, &ca) in keys {
        let Some(&cb) = b.of.get(k) else { continue };
        let n = *memo.entry((ca, cb)).or_insert_with(|| {
            let other: HashSet<u32> = b.sets[cb].iter().copied().collect();
            a.sets[ca].iter().filter(|x| other.contains(x)).count()
        });
        res += n as f64 / a.sets[ca].len() as f64;
    }
    (res, a.of.len() as f64)
}

/// CEAF: the best one-to-one alignment of gold and predicted clusters by similarity
/// (Dice for `entity`, else overlap), solved per connected component of the overlap graph.
fn ceaf(g: &Clustering, p: &Clustering, entity: bool) -> (f64, f64, f64, f64) {
    let ov = overlaps(g, p);
    let sim = |i: usize, j: usize, n: usize| -> f64 {
        if entity { 2.0 * n as f64 / (g.sets[i].len() + p.sets[j].len()) as f64 } else { n as f64 }
    };
    // Connected components over gold clusters (0..G) and predicted ones (G..G+P).
    let ng = g.sets.len();
    let mut parent: Vec<usize> = (0..ng + p.sets.len()).collect();
    let mut edges: Vec<(usize, usize, usize)> = ov.iter().map(|(&(i, j), &n)| (i, j, n)).collect();
    edges.sort_unstable();
    for &(i, j, _) in &edges {
        let (a, b) = (bipartite::find_root(&mut parent, i), bipartite::find_root(&mut parent, ng + j));
        if a != b {
            parent[a] = b;
        }
    }
    let mut comps: HashMap<usize, Vec<(usize, usize, usize)>> = HashMap::new();
    for &e in &edges {
        let r = bipartite::find_root(&mut parent, e.0);
        comps.entry(r).or_default().push(e);
    }
    let mut roots: Vec<usize> = comps.keys().copied().collect();
    roots.sort_unstable();
    let mut total = 0.0;
    for r in roots {
        let es = &comps[&r];
        if es.len() == 1 {
            total += sim(es[0].0, es[0].1, es[0].2);
            continue;
        }
        let (rows, cols) = bipartite::edge_axes(es);
        let mut w = vec![vec![0i64; cols.len()]; rows.len()];
        for &(i, j, n) in es {
            let (ri, cj) = (rows.binary_search(&i).unwrap_or(0), cols.binary_search(&j).unwrap_or(0));
            // Integer weights for the assignment: Dice scaled by 2^40 (ties below that
            // resolution change the total by less than 2^-40 per pair).
            w[ri][cj] = if entity { (sim(i, j, n) * (1u64 << 40) as f64).round().max(1.0) as i64 } else { n as i64 };
        }
        let m = bipartite::max_weight_assignment(&w, cols.len());
        for (ri, cj) in m.left.iter().enumerate() {
            if let Some(cj) = *cj {
                let (i, j) = (rows[ri], cols[cj]);
                if let Some(&n) = ov.get(&(i, j)) {
                    total += sim(i, j, n);
                }
            }
        }
    }
    let self_sim = |c: &Clustering| -> f64 {
        if entity { c.sets.len() as f64 } else { c.sets.iter().map(|s| s.len() as f64).sum() }
    };
    (total, self_sim(p), total, self_sim(g))
}

/// The linking annotations of two sets and every measure.
pub fn score_sets(gold: &[DocAnnotations], pred: &[DocAnnotations]) -> Vec<(&'static str, LinkScore)> {
    score_all(&annotations(gold), &annotations(pred))
}

/// One system's linking scores.
#[derive(Debug, Clone, Serialize)]
pub struct SystemLinking {
    pub name: String,
    pub source: String,
    /// Entity mentions, and those with a KB id.
    pub mentions: u64,
    pub linked: u64,
    /// Every measure of [`MEASURES`], in that order.
    pub measures: Vec<(String, LinkScore)>,
    pub diagnostics: serde_json::Value,
}

/// The JSON report of `ieval score --task linking`:
/// `{ "ieval": {version, profile, quirks, task}, "gold": {source, documents, mentions, linked, diagnostics},
///    "systems": [ {name, source, mentions, linked, measures: [[name, LinkScore]], diagnostics} ] }`
/// with `LinkScore` = `{ptp, fp, rtp, fn, precision, recall, fscore}` as neleval's JSON.
#[derive(Debug, Clone, Serialize)]
pub struct LinkingReport {
    pub ieval: serde_json::Value,
    pub gold: serde_json::Value,
    pub systems: Vec<SystemLinking>,
}

/// Read a whole pairing (every document is kept: the measures are corpus-level) and score
/// every system's linking. The measures are neleval's under both profiles that score
/// linking: `default` and `neleval` (which names them and lists their quirks); another
/// profile is an error.
pub fn score_pairing(mut pairing: crate::inputs::Pairing, profile: super::Profile) -> crate::Result<LinkingReport> {
    if !matches!(profile, super::Profile::Default | super::Profile::Neleval) {
        return Err(crate::Error::usage(format!(
            "profile {} does not score entity linking: --task linking takes --profile default or neleval",
            profile.name()
        )));
    }
    let metas = pairing.systems().to_vec();
    let mut gold: Vec<DocAnnotations> = Vec::new();
    let mut preds: Vec<Vec<DocAnnotations>> = vec![Vec::new(); metas.len()];
    for item in pairing.by_ref() {
        let item = item?;
        for (k, p) in item.preds.into_iter().enumerate() {
            if let Some(p) = p {
                preds[k].push(p);
            }
        }
        gold.push(item.gold);
    }
    let (gold_diag, pred_diags) = pairing.take_diagnostics();
    let mut sys_diag: Vec<crate::formats::Diagnostics> = vec![Default::default(); metas.len()];
    for (k, d) in pred_diags {
        if let Some(x) = sys_diag.get_mut(k) {
            x.merge(d);
        }
    }
    let count = |docs: &[DocAnnotations]| -> (u64, u64) {
        let ms = docs.iter().flat_map(|d| &d.entities);
        let (n, l) = ms.fold((0, 0), |(n, l), m| (n + 1, l + u64::from(kb_id(m).is_some())));
        (n, l)
    };
    let g = annotations(&gold);
    let (gm, gl) = count(&gold);
    let systems = metas
        .iter()
        .zip(&preds)
        .zip(&sys_diag)
        .map(|((meta, docs), diag)| {
            let (m, l) = count(docs);
            SystemLinking {
                name: meta.name().to_string(),
                source: meta.source.clone(),
                mentions: m,
                linked: l,
                measures: score_all(&g, &annotations(docs)).into_iter().map(|(n, s)| (n.to_string(), s)).collect(),
                diagnostics: serde_json::to_value(diag).unwrap_or_default(),
            }
        })
        .collect();
    Ok(LinkingReport {
        ieval: serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "profile": profile.name(),
            "quirks": profile.quirks(),
            "task": "linking",
        }),
        gold: serde_json::json!({
            "source": pairing.gold_meta().source,
            "documents": gold.len(),
            "mentions": gm,
            "linked": gl,
            "diagnostics": serde_json::to_value(&gold_diag).unwrap_or_default(),
        }),
        systems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(doc: &str, s: usize, e: usize, ty: &str, eid: &str) -> LinkAnn {
        LinkAnn { doc: doc.into(), start: s, end: e, ty: ty.into(), eid: eid.into() }
    }

    #[test]
    fn kb_ids_from_attributes() {
        let mut m = Mention::new("T1", crate::model::Span::new(0, 3), "PER");
        assert_eq!(kb_id(&m), None);
        m.attrs = vec![("norm:Wikidata".into(), "Q42".into()), ("norm:Wikidata:label".into(), "Adams".into())];
        assert_eq!(kb_id(&m).as_deref(), Some("Wikidata:Q42"));
        m.attrs = vec![("norm:Wikidata".into(), "NULL".into())];
        assert_eq!(kb_id(&m), None);
        m.attrs = vec![("kb_id".into(), "Q1".into()), ("norm:Wikidata".into(), "Q2".into())];
        assert_eq!(kb_id(&m).as_deref(), Some("Q1"));
        m.attrs = vec![("link".into(), "NIL7".into())];
        assert_eq!(kb_id(&m), None);
    }

    #[test]
    fn nil_ids() {
        use crate::model::Span;
        let mk = |id: &str, s: usize, attrs: &[(&str, &str)], cluster: Option<&str>| {
            let mut m = Mention::new(id, Span::new(s, s + 2), "PER");
            m.attrs = attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            m.cluster = cluster.map(str::to_string);
            m
        };
        let mut a = DocAnnotations::new("a");
        a.entities = vec![
            mk("T1", 0, &[("kb_id", "NIL17")], None),
            mk("T2", 3, &[("norm:Wikidata", "NULL")], Some("T2")),
            mk("T3", 6, &[], Some("T2")),
            mk("T4", 9, &[("norm:Wikidata", "Q5")], None),
        ];
        let mut b = DocAnnotations::new("b");
        b.entities = vec![mk("T1", 0, &[("link", "NIL17")], None), mk("T2", 3, &[], Some("T2"))];
        let eids: Vec<String> = annotations([&a, &b]).into_iter().map(|x| x.eid).collect();
        // NIL17 is one entity across documents; cluster T2 is one entity within document a
        // and another in document b; T4 carries a KB id.
        assert_eq!(eids, ["NIL17", "NIL:a:T2", "NIL:a:T2", "Wikidata:Q5", "NIL17", "NIL:b:T2"]);
    }

    #[test]
    fn tagging_measures_by_hand() {
        // Gold: A (0..3 PER Q1), B (5..8 ORG Q2), C (10..12 PER NIL1).
        // System: A right; B with the wrong link Q3; C typed ORG, NIL; D (20..22) spurious Q1.
        let g = [ann("d", 0, 3, "PER", "Q1"), ann("d", 5, 8, "ORG", "Q2"), ann("d", 10, 12, "PER", "NIL1")];
        let p = [
            ann("d", 0, 3, "PER", "Q1"),
            ann("d", 5, 8, "ORG", "Q3"),
            ann("d", 10, 12, "ORG", "NIL9"),
            ann("d", 20, 22, "PER", "Q1"),
        ];
        let s = |m| score_measure(m, &g, &p).expect("known");
        // Spans: A, B, C match; D is extra: tp 3, fp 1, fn 0.
        let x = s("strong_mention_match");
        assert_eq!((x.ptp, x.fp, x.fn_), (3.0, 1.0, 0.0));
        // Typed: C's type differs: tp 2, fp 2, fn 1.
        let x = s("strong_typed_mention_match");
        assert_eq!((x.ptp, x.fp, x.fn_), (2.0, 2.0, 1.0));
        // Linked gold {A/Q1, B/Q2}; linked system {A/Q1, B/Q3, D/Q1}: tp 1 (A), fp 2, fn 1.
        let x = s("strong_link_match");
        assert_eq!((x.ptp, x.fp, x.fn_), (1.0, 2.0, 1.0));
        // NIL: gold {C}, system {C}: tp 1.
        let x = s("strong_nil_match");
        assert_eq!((x.ptp, x.fp, x.fn_), (1.0, 0.0, 0.0));
        // entity_match: gold {(d,Q1),(d,Q2)}, system {(d,Q1),(d,Q3)} (D repeats Q1): tp 1, fp 1, fn 1.
        let x = s("entity_match");
        assert_eq!((x.ptp, x.fp, x.fn_), (1.0, 1.0, 1.0));
        assert!((x.precision - 0.5).abs() < 1e-12 && (x.recall - 0.5).abs() < 1e-12);
    }

    #[test]
    fn clustering_measures_by_hand() {
        // Gold clusters by span: {a, b} (Q1), {c} (NIL1). System: {a} (Q1), {b, c} (NIL5).
        let g = [ann("d", 0, 1, "X", "Q1"), ann("d", 2, 3, "X", "Q1"), ann("d", 4, 5, "X", "NIL1")];
        let p = [ann("d", 0, 1, "X", "Q1"), ann("d", 2, 3, "X", "NIL5"), ann("d", 4, 5, "X", "NIL5")];
        let s = |m| score_measure(m, &g, &p).expect("known");
        // B³ recall: a: |{a,b}∩{a}|/2 = 1/2, b: |{a,b}∩{b,c}|/2 = 1/2, c: 1/1 → 2/3.
        // B³ precision: a: 1/1, b: 1/2, c: 1/2 → 2/3.
        let x = s("b_cubed");
        assert!((x.recall - 2.0 / 3.0).abs() < 1e-12 && (x.precision - 2.0 / 3.0).abs() < 1e-12);
        // MUC recall: gold {a,b} spans 2 system clusters: (2 - 2)/(2 - 1) = 0; {c}: 0/0 → 0/1.
        // MUC precision: {b,c} spans 2 gold clusters: 0/1; {a}: 0/0 → 0.
        let x = s("muc");
        assert_eq!((x.ptp, x.fp, x.rtp, x.fn_), (0.0, 1.0, 0.0, 1.0));
        // CEAFm: best alignment {a,b}–{a} (1) + {c}–{b,c} (1) = 2 (or {a,b}–{b,c} (1) + …
        // {c} left: 1): 2 of 3 mentions on both sides.
        let x = s("mention_ceaf");
        assert_eq!((x.ptp, x.fp, x.rtp, x.fn_), (2.0, 1.0, 2.0, 1.0));
        // CEAFe: Dice {a,b}–{a} = 2/3, {c}–{b,c} = 2/3: 4/3 over 2 clusters each side.
        let x = s("entity_ceaf");
        assert!((x.ptp - 4.0 / 3.0).abs() < 1e-9 && (x.precision - 2.0 / 3.0).abs() < 1e-9);
        // Pairwise: gold pairs {ab}, system pairs {bc}: none shared.
        let x = s("pairwise");
        assert_eq!((x.ptp, x.fp, x.fn_), (0.0, 1.0, 1.0));
    }
}
