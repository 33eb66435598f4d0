//! Hand-made cases with known answers from the metric papers. Every expected number is
//! derived in the comment next to it.

use super::metrics::{self, Partitions, Rpf};
use super::*;
use crate::model::{Mention, SetMeta};

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("defined");
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

/// Partitions from clusters of letters (mention `a` = 0, `b` = 1, ...).
fn parts(key: &[&str], resp: &[&str]) -> Partitions {
    let conv =
        |cs: &[&str]| -> Vec<Vec<u32>> { cs.iter().map(|c| c.bytes().map(|b| (b - b'a') as u32).collect()).collect() };
    Partitions::new(26, conv(key), conv(resp))
}

fn rp(c: metrics::Counts) -> Rpf {
    Rpf::from_counts(&c)
}

/// Vilain et al. (1995), the example of section 2: key A-B-C-D, response A-B, C-D.
/// Recall (|S|-|p(S)|)/(|S|-1) = (4-2)/3 = 2/3; precision: each response chain lies in one
/// key chain, (1+1)/(1+1) = 1.
#[test]
fn muc_vilain_1995() {
    let p = parts(&["abcd"], &["ab", "cd"]);
    let m = rp(p.muc());
    close(m.recall, 2.0 / 3.0);
    close(m.precision, 1.0);
    close(m.f1, 0.8);
}

/// Bagga & Baldwin (1998), figure 1 and section 4: key {1-5}, {6,7}, {8-12}. Response (b)
/// merges the last two chains, response (c) the first and last. MUC gives both 100 %
/// recall and 90 % precision (9 of 10 response links right); B³ (equal weights) tells
/// them apart: precision (5·5/5 + 2·2/7 + 5·5/7)/12 = 64/84 = 76 % for (b),
/// (5·5/10 + 5·5/10 + 2·2/2)/12 = 7/12 = 58 % for (c); recall 100 % for both.
#[test]
fn b_cubed_bagga_baldwin_1998() {
    // Mentions 1..12 as letters a..l.
    let key = ["abcde", "fg", "hijkl"];
    let b = parts(&key, &["abcde", "fghijkl"]);
    let c = parts(&key, &["abcdehijkl", "fg"]);
    for p in [&b, &c] {
        let m = rp(p.muc());
        close(m.recall, 1.0);
        close(m.precision, 0.9);
    }
    let bb = rp(b.b_cubed());
    close(bb.recall, 1.0);
    close(bb.precision, 64.0 / 84.0);
    let bc = rp(c.b_cubed());
    close(bc.recall, 1.0);
    close(bc.precision, 7.0 / 12.0);
}

/// Luo (2005), figure 1: key {1-5}, {6,7}, {8-12} and four responses; (a) and (b) as in
/// Bagga & Baldwin, (c) everything in one cluster, (d) all singletons.
/// φ3 (mention-based CEAF, recall = precision here since both sides hold the 12 mentions):
/// (a) 5 + 5 = 10 → 10/12 = 0.833; (b) 5 + 2 = 7 → 0.583; (c) 5 → 0.417; (d) 3 → 0.25.
/// φ4 (entity-based), F: (a) total 1 + 2·5/12 = 1.833, R = 1.833/3, P = 1.833/2, F = 0.733;
/// (b) 2·5/15 + 1 = 1.667, R = 1.667/3, P = 1.667/2, F = 0.667; (c) 2·5/17 = 0.588,
/// R = 0.588/3, P = 0.588/1, F = 0.294; (d) 2/6 + 2/3 + 2/6 = 1.333, R = 1.333/3,
/// P = 1.333/12, F = 0.178 — the numbers of Luo's table 1.
#[test]
fn ceaf_luo_2005() {
    let key = ["abcde", "fg", "hijkl"];
    let singles: Vec<String> = ('a'..='l').map(|c| c.to_string()).collect();
    let singles: Vec<&str> = singles.iter().map(String::as_str).collect();
    let cases: [(Partitions, f64, f64); 4] = [
        (parts(&key, &["abcde", "fghijkl"]), 10.0 / 12.0, 2.0 * (11.0 / 6.0) / 5.0),
        (parts(&key, &["abcdehijkl", "fg"]), 7.0 / 12.0, 2.0 * (5.0 / 3.0) / 5.0),
        (parts(&key, &["abcdefghijkl"]), 5.0 / 12.0, {
            let t = 10.0 / 17.0;
            let (r, p) = (t / 3.0, t);
            2.0 * r * p / (r + p)
        }),
        (parts(&key, &singles), 3.0 / 12.0, {
            let t = 4.0 / 3.0;
            let (r, p) = (t / 3.0, t / 12.0);
            2.0 * r * p / (r + p)
        }),
    ];
    let luo_table = [0.733, 0.667, 0.294, 0.178];
    for ((p, m, e), table) in cases.iter().zip(luo_table) {
        let cm = rp(p.ceaf_m());
        close(cm.recall, *m);
        close(cm.precision, *m);
        let ce = rp(p.ceaf_e());
        close(ce.f1, *e);
        assert!((ce.f1.expect("test input") - table).abs() < 5e-4, "rounds to Luo's {table}");
    }
}

/// The example of Pradhan et al. (2014, figure 1), also used by Luo et al. (2014) for
/// BLANC and by Moosavi & Strube (2016) for LEA: key {a,b,c}, {d,e,f,g}; response {a,b},
/// {c,d}, {f,g,h,i} (e missed, h and i spurious).
#[test]
fn pradhan_2014_predicted_mentions() {
    let p = parts(&["abc", "defg"], &["ab", "cd", "fghi"]);
    // MUC: R = ((3-2) + (4-3)) / (2+3) = 2/5 (e is a part of its own); P = ((2-1) + (2-2)
    // + (4-3)) / (1+1+3) = 2/5 (h, i are parts of their own).
    let m = rp(p.muc());
    close(m.recall, 0.4);
    close(m.precision, 0.4);
    // B³: R = (1/3·(2²+1²) + 1/4·(1²+2²)) / 7 = (5/3 + 5/4)/7 = 35/84;
    // P = (1/2·2² + 1/2·(1²+1²) + 1/4·2²) / 8 = (2+1+1)/8 = 0.5.
    let b = rp(p.b_cubed());
    close(b.recall, 35.0 / 84.0);
    close(b.precision, 0.5);
    // CEAFm: {a,b,c}↔{a,b} (2) and {d,e,f,g}↔{f,g,h,i} (2): R = 4/7, P = 4/8.
    let cm = rp(p.ceaf_m());
    close(cm.recall, 4.0 / 7.0);
    close(cm.precision, 0.5);
    // CEAFe: φ4 = 2·2/5 + 2·2/8 = 0.8 + 0.5 = 1.3 (better than any pairing through {c,d});
    // R = 1.3/2, P = 1.3/3.
    let ce = rp(p.ceaf_e());
    close(ce.recall, 0.65);
    close(ce.precision, 1.3 / 3.0);
    // LEA (Moosavi & Strube 2016, section 4.2): R = (3·1/3 + 4·1/6)/(3+4) ≈ 0.24,
    // P = (2·1/1 + 2·0/1 + 4·1/6)/(2+2+4) ≈ 0.33.
    let l = rp(p.lea());
    close(l.recall, (1.0 + 4.0 / 6.0) / 7.0);
    close(l.precision, (2.0 + 4.0 / 6.0) / 8.0);
    // BLANC (Luo et al. 2014): C_k = 3 + 6 = 9, C_r = 1 + 1 + 6 = 8, common coreference
    // links {a,b} and {f,g}: 2, so R_c = 2/9, P_c = 2/8. Non-coreference: N_k = 21 - 9 = 12,
    // N_r = 28 - 8 = 20; over the 6 mentions on both sides (a b c d f g: 15 pairs), less
    // the 6 key and 3 response coreference pairs among them, plus the 2 counted twice: 8,
    // so R_n = 8/12, P_n = 8/20.
    let bc = p.blanc();
    assert_eq!((bc.c_k, bc.c_r, bc.tp_c, bc.n_k, bc.n_r, bc.tp_n), (9, 8, 2, 12, 20, 8));
    let bl = metrics::blanc(&bc, None);
    close(bl.recall, (2.0 / 9.0 + 8.0 / 12.0) / 2.0);
    close(bl.precision, (2.0 / 8.0 + 8.0 / 20.0) / 2.0);
    let (fc, fn_) = (2.0 * 2.0 / 17.0, 2.0 * 8.0 / 32.0);
    close(bl.f1, (fc + fn_) / 2.0);
}

/// Recasens & Hovy (2011) on gold mentions: key {1-5}, {6,7}, {8-12}, response (a) of
/// Bagga & Baldwin. Coreference links: key 10 + 1 + 10 = 21, response 10 + 21 = 31, all
/// 21 key links kept: R_c = 1, P_c = 21/31. Non-coreference links: key 66 - 21 = 45,
/// response 66 - 31 = 35, all 35 response ones are key ones: R_n = 35/45, P_n = 1.
#[test]
fn blanc_recasens_hovy_2011() {
    let p = parts(&["abcde", "fg", "hijkl"], &["abcde", "fghijkl"]);
    let b = metrics::blanc(&p.blanc(), None);
    close(b.recall, (1.0 + 35.0 / 45.0) / 2.0);
    close(b.precision, (21.0 / 31.0 + 1.0) / 2.0);
    close(b.f1, (42.0 / 52.0 + 70.0 / 80.0) / 2.0);
    // Edge cases: identical all-singleton partitions have no coreference links on either
    // side, so BLANC is the non-coreference score alone: 1.
    let s = parts(&["a", "b", "c"], &["a", "b", "c"]);
    let b = metrics::blanc(&s.blanc(), s.single_mention());
    close(b.f1, 1.0);
    // One mention each side: the same mention scores 1, another 0.
    let one = parts(&["a"], &["a"]);
    close(metrics::blanc(&one.blanc(), one.single_mention()).f1, 1.0);
    let other = parts(&["a"], &["b"]);
    close(metrics::blanc(&other.blanc(), other.single_mention()).f1, 0.0);
}

/// LEA's singleton rule: a key singleton is resolved when its mention is a response
/// singleton too (its self-link), not when it sits in a larger response cluster.
#[test]
fn lea_singletons() {
    let p = parts(&["a", "bc"], &["a", "bc"]);
    close(rp(p.lea()).f1, 1.0);
    // a merged into {a,b,c}: key {a} unresolved (0·1), key {b,c} resolved (2·1) → R = 2/3;
    // response {a,b,c}: 1 of 3 links → P = 3·(1/3)/3 = 1/3.
    let q = parts(&["a", "bc"], &["abc"]);
    close(rp(q.lea()).recall, 2.0 / 3.0);
    close(rp(q.lea()).precision, 1.0 / 3.0);
}

fn doc(id: &str, ntok: usize) -> Document {
    let text = vec!["w"; ntok].join(" ");
    let mut d = Document::new(id, text);
    d.tokens = (0..ntok).map(|i| Span::new(2 * i, 2 * i + 1)).collect();
    d
}

fn ment(tok: usize, len: usize, cluster: Option<&str>) -> Mention {
    let mut m = Mention::new(format!("m{tok}"), Span::new(2 * tok, 2 * (tok + len) - 1), "X");
    m.cluster = cluster.map(str::to_string);
    m
}

fn set(meta: SetMeta, docs: Vec<(&str, Vec<Mention>)>) -> AnnotationSet {
    let mut s = AnnotationSet::new(meta);
    for (id, ms) in docs {
        let mut a = DocAnnotations::new(id);
        a.entities = ms;
        s.docs.push(a);
    }
    s
}

/// The Pradhan et al. example as one document: key {a,b,c}, {d,e,f,g}; response {a,b},
/// {c,d}, {f,g,h,i} (a..i are tokens 0..8).
fn pradhan_sets() -> (Vec<Document>, AnnotationSet, AnnotationSet) {
    let k = |t: usize, c: &str| ment(t, 1, Some(c));
    let gold = set(
        SetMeta::gold("g"),
        vec![("t_1", vec![k(0, "A"), k(1, "A"), k(2, "A"), k(3, "B"), k(4, "B"), k(5, "B"), k(6, "B")])],
    );
    let pred = set(
        SetMeta::system("s", "p"),
        vec![("t_1", vec![k(0, "1"), k(1, "1"), k(2, "2"), k(3, "2"), k(5, "3"), k(6, "3"), k(7, "3"), k(8, "3")])],
    );
    (vec![doc("t_1", 10)], gold, pred)
}

/// The Pradhan et al. example as documents: the default profile gives the numbers above;
/// scorch adds h and i to the key as singletons, so its B³ precision credits them:
/// response {f,g,h,i}: (2² + 1 + 1)/4 = 1.5 instead of 1, P = (2 + 1 + 1.5)/8 = 0.5625.
#[test]
fn pipeline_default_and_scorch() {
    let (docs, gold, pred) = pradhan_sets();
    let r = score(&docs, &gold, &pred, &Options::default()).expect("test input");
    close(r.metrics.muc.recall, 0.4);
    close(r.metrics.b_cubed.precision, 0.5);
    assert_eq!((r.gold_mentions, r.pred_mentions, r.matched_mentions), (7, 8, 6));
    let s =
        score(&docs, &gold, &pred, &Options { profile: Profile::Scorch, ..Default::default() }).expect("test input");
    close(s.metrics.b_cubed.precision, 4.5 / 8.0);
    // Recall over 9 key mentions now, h and i each found in full (1² / 1): (35/12 + 2)/9.
    close(s.metrics.b_cubed.recall, (35.0 / 12.0 + 2.0) / 9.0);
    // MUC does not change (the added key singletons have no links).
    close(s.metrics.muc.f1, 0.4);
}

/// Head and partial matching pair a near-miss prediction; exact does not.
#[test]
fn mention_matching_modes() {
    let docs = vec![doc("d", 10)];
    let mut g1 = ment(0, 2, Some("A"));
    g1.head = Some(Span::new(2, 3)); // token 1
    let gold = set(SetMeta::gold("g"), vec![("d", vec![g1, ment(4, 1, Some("A"))])]);
    // The prediction covers tokens 1..2 (contains the head, overlaps the gold span).
    let pred = set(SetMeta::system("s", "p"), vec![("d", vec![ment(1, 2, Some("x")), ment(4, 1, Some("x"))])]);
    let run = |matching| score(&docs, &gold, &pred, &Options { matching, ..Default::default() }).expect("test input");
    let e = run(MentionMatch::Exact);
    assert_eq!((e.matched_mentions, e.inexact_matches), (1, 0));
    close(e.metrics.muc.recall, 0.0);
    for how in [MentionMatch::Head, MentionMatch::Partial] {
        let r = run(how);
        assert_eq!((r.matched_mentions, r.inexact_matches), (2, 1));
        close(r.metrics.conll, 1.0);
    }
}

/// Topic scope joins documents through shared cluster ids; document scope does not.
#[test]
fn cross_document_scope() {
    let docs = vec![doc("1_a", 4), doc("1_b", 4)];
    let k = |t: usize, c: &str| ment(t, 1, Some(c));
    let gold = set(SetMeta::gold("g"), vec![("1_a", vec![k(0, "E"), k(1, "F")]), ("1_b", vec![k(0, "E"), k(1, "G")])]);
    // The system links the two E mentions across documents but also F with G.
    let pred =
        set(SetMeta::system("s", "p"), vec![("1_a", vec![k(0, "x"), k(1, "y")]), ("1_b", vec![k(0, "x"), k(1, "y")])]);
    let within = score(&docs, &gold, &pred, &Options::default()).expect("test input");
    // Within each document every cluster is a singleton on both sides: perfect.
    close(within.metrics.b_cubed.f1, 1.0);
    let across =
        score(&docs, &gold, &pred, &Options { scope: Scope::Topic, ..Default::default() }).expect("test input");
    assert_eq!(across.units, 1);
    assert_eq!(across.topics_from_id, 2);
    // Key {E1,E2}, {F}, {G}; response {E1,E2}, {F,G}: MUC R = 1/1, P = 1/2.
    close(across.metrics.muc.recall, 1.0);
    close(across.metrics.muc.precision, 0.5);
    // Dropping singletons leaves key {E1,E2} and response {E1,E2}, {F,G}.
    let drop = score(
        &docs,
        &gold,
        &pred,
        &Options { scope: Scope::Topic, singletons: Singletons::Drop, ..Default::default() },
    )
    .expect("test input");
    close(drop.metrics.b_cubed.recall, 1.0);
    close(drop.metrics.b_cubed.precision, 0.5);
}

#[test]
fn undefined_and_errors() {
    let docs = vec![doc("d", 3)];
    let empty = set(SetMeta::gold("g"), vec![("d", vec![])]);
    let r = score(&docs, &empty, &empty, &Options::default()).expect("test input");
    assert_eq!(r.metrics.muc.recall, None);
    assert_eq!(r.metrics.conll, None);
    let stray = set(SetMeta::system("s", "p"), vec![("zz", vec![])]);
    assert!(score(&docs, &empty, &stray, &Options::default()).is_err());
    let notopic = vec![doc("plain", 3)];
    let e = set(SetMeta::gold("g"), vec![("plain", vec![])]);
    assert!(score(&notopic, &e, &e, &Options { scope: Scope::Topic, ..Default::default() }).is_err());
}

/// neleval's profile: the default's counts, its ratios with 0/0 as 0, and its six measures
/// in its terms. On the Pradhan et al. example (no 0/0) its metrics equal the default's;
/// neleval's own numbers there (coref_metrics on the same sets): pairwise (2, 8, 2, 9):
/// key links ab ac bc de df dg ef eg fg, response ab cd fg fh fi gh gi hi, common ab fg;
/// pairwise_negative: 8 of the 15 pairs of the 6 common mentions are apart on both sides,
/// response non-links 28 - 8 = 20, key 21 - 9 = 12.
#[test]
fn neleval_profile() {
    let (docs, gold, pred) = pradhan_sets();
    let nel = Options { profile: Profile::Neleval, ..Default::default() };
    let d = score(&docs, &gold, &pred, &Options::default()).expect("test input");
    let n = score(&docs, &gold, &pred, &nel).expect("test input");
    assert_eq!(d.metrics, n.metrics);
    assert_eq!(d.counts, n.counts);
    assert!(d.neleval.is_none());
    let ms = n.neleval.as_ref().expect("neleval measures");
    let get = |name: &str| ms.iter().find(|(m, _)| m == name).map(|(_, s)| *s).expect("measure");
    let x = get("muc");
    assert_eq!((x.ptp, x.fp, x.rtp, x.fn_), (2.0, 3.0, 2.0, 3.0));
    let x = get("pairwise");
    assert_eq!((x.ptp, x.fp, x.rtp, x.fn_), (2.0, 6.0, 2.0, 7.0));
    let x = get("pairwise_negative");
    assert_eq!((x.ptp, x.fp, x.rtp, x.fn_), (8.0, 12.0, 8.0, 4.0));
    assert!((x.precision - 0.4).abs() < 1e-12 && (x.recall - 8.0 / 12.0).abs() < 1e-12);
    let x = get("b_cubed");
    assert!((x.precision - 0.5).abs() < 1e-12 && (x.recall - 35.0 / 84.0).abs() < 1e-12);
    // Only singletons on both sides: MUC and the coreference links are 0/0 (undefined by
    // default, 0 under neleval), and the CoNLL average takes MUC's F as 0.
    let single = set(SetMeta::gold("g"), vec![("t_1", vec![ment(0, 1, None), ment(2, 1, None)])]);
    let d = score(&docs, &single, &single, &Options::default()).expect("test input");
    let n = score(&docs, &single, &single, &nel).expect("test input");
    assert_eq!((d.metrics.muc.recall, d.metrics.muc.f1, d.metrics.conll), (None, None, None));
    assert_eq!((n.metrics.muc.recall, n.metrics.muc.precision, n.metrics.muc.f1), (Some(0.0), Some(0.0), Some(0.0)));
    close(n.metrics.conll, 2.0 / 3.0);
    close(n.metrics.b_cubed.f1, 1.0);
    let ms = n.neleval.expect("neleval measures");
    assert_eq!(ms[4].0, "pairwise");
    assert_eq!((ms[4].1.ptp, ms[4].1.fp, ms[4].1.fscore), (0.0, 0.0, 0.0));
    assert!(!Profile::Neleval.quirks().is_empty());
}
