//! Counts — the source of truth. Every count adds (`+`), so parallel reduction is a sum and
//! results of shards merge exactly.

use std::collections::BTreeMap;
use std::ops::{Add, AddAssign};

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// Matching modes for entities (see the README: "Matching modes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Same span and same label.
    Strict,
    /// Same span; the label is ignored.
    Exact,
    /// Overlapping spans; a partial boundary counts half (SemEval-2013 task 9.1).
    Partial,
    /// Overlapping spans with the same label.
    Type,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Strict, Mode::Exact, Mode::Partial, Mode::Type];

    pub fn index(self) -> usize {
        self as usize
    }

    /// True when a partial match earns half credit in precision and recall.
    pub fn half_credit(self) -> bool {
        self == Mode::Partial
    }
}

crate::names::names! {
    Mode, "mode", "strict, exact, partial or type";
    Strict => "strict",
    Exact => "exact",
    Partial => "partial",
    Type => "type" | "ent_type",
}

/// The MUC categories of items: correct, incorrect, partial, missing, spurious.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tally {
    pub cor: u64,
    pub inc: u64,
    pub par: u64,
    pub mis: u64,
    pub spu: u64,
}

impl Add for Tally {
    type Output = Tally;
    fn add(self, o: Tally) -> Tally {
        Tally {
            cor: self.cor + o.cor,
            inc: self.inc + o.inc,
            par: self.par + o.par,
            mis: self.mis + o.mis,
            spu: self.spu + o.spu,
        }
    }
}

impl AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        *self = *self + o;
    }
}

/// Counts of one label (or of everything): the categories of the gold items (`gold`:
/// cor/inc/par/mis) and of the predicted items (`pred`: cor/inc/par/spu). Recall comes from
/// the gold side, precision from the prediction side; with label-blind matching (`exact`,
/// `partial`) a gold PER matched by a predicted LOC counts as correct for PER's recall and
/// for LOC's precision.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LabelTally {
    pub gold: Tally,
    pub pred: Tally,
}

impl LabelTally {
    /// Gold items (POS).
    pub fn possible(&self) -> u64 {
        let g = &self.gold;
        g.cor + g.inc + g.par + g.mis
    }
    /// Predicted items (ACT).
    pub fn actual(&self) -> u64 {
        let p = &self.pred;
        p.cor + p.inc + p.par + p.spu
    }
}

impl Add for LabelTally {
    type Output = LabelTally;
    fn add(self, o: LabelTally) -> LabelTally {
        LabelTally { gold: self.gold + o.gold, pred: self.pred + o.pred }
    }
}

impl AddAssign for LabelTally {
    fn add_assign(&mut self, o: LabelTally) {
        *self = *self + o;
    }
}

/// Per-label tallies, sorted by label: a sorted vector rather than a tree (a document has a
/// few labels and is counted, summed and dropped once per mode; one allocation instead of a
/// tree node, summed in one merge). Serialized as a JSON object, like the map it replaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMap(Vec<(CompactString, LabelTally)>);

impl LabelMap {
    fn find(&self, label: &str) -> std::result::Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(label))
    }

    /// From pairs sorted by label, no label twice (checked in debug builds).
    pub(crate) fn from_sorted(v: Vec<(CompactString, LabelTally)>) -> Self {
        debug_assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
        LabelMap(v)
    }

    pub fn get(&self, label: &str) -> Option<&LabelTally> {
        self.find(label).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, label: &str) -> Option<&mut LabelTally> {
        self.find(label).ok().map(|i| &mut self.0[i].1)
    }

    /// `label`'s tally, inserted empty where it is missing (one search).
    pub fn tally_mut(&mut self, label: &str) -> &mut LabelTally {
        let i = self.find(label).unwrap_or_else(|i| {
            self.0.insert(i, (label.into(), LabelTally::default()));
            i
        });
        &mut self.0[i].1
    }

    pub fn contains_key(&self, label: &str) -> bool {
        self.find(label).is_ok()
    }

    /// Set `label`'s tally; the one it replaces, if any.
    pub fn insert(&mut self, label: &str, t: LabelTally) -> Option<LabelTally> {
        match self.find(label) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, t)),
            Err(i) => {
                self.0.insert(i, (label.into(), t));
                None
            }
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Labels and tallies, in label order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &LabelTally)> + ExactSizeIterator {
        self.into_iter()
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &LabelTally> + ExactSizeIterator {
        self.0.iter().map(|(_, v)| v)
    }
}

impl std::ops::Index<&str> for LabelMap {
    type Output = LabelTally;
    fn index(&self, label: &str) -> &LabelTally {
        match self.get(label) {
            Some(t) => t,
            None => panic!("no label {label:?}"),
        }
    }
}

impl<'a> IntoIterator for &'a LabelMap {
    type Item = (&'a str, &'a LabelTally);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (CompactString, LabelTally)>,
        fn(&'a (CompactString, LabelTally)) -> Self::Item,
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// As a map collects: a label given twice keeps its last tally.
impl<K: Into<CompactString>> FromIterator<(K, LabelTally)> for LabelMap {
    fn from_iter<I: IntoIterator<Item = (K, LabelTally)>>(iter: I) -> Self {
        let mut v: Vec<(CompactString, LabelTally)> = iter.into_iter().map(|(k, t)| (k.into(), t)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(CompactString, LabelTally)> = Vec::with_capacity(v.len());
        for (k, t) in v {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = t,
                _ => out.push((k, t)),
            }
        }
        LabelMap(out)
    }
}

impl Serialize for LabelMap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for LabelMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let m: BTreeMap<String, LabelTally> = BTreeMap::deserialize(d)?;
        Ok(LabelMap(m.into_iter().map(|(k, v)| (k.into(), v)).collect()))
    }
}

/// Counts of one mode: overall and per label. For ieval's own profile `overall` is the
/// sum of `labels`; nervaluate computes per-label numbers on its own (one label at a time),
/// and its profile stores them as it finds them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModeCounts {
    pub overall: LabelTally,
    pub labels: LabelMap,
}

impl ModeCounts {
    pub fn label_mut(&mut self, label: &str) -> &mut LabelTally {
        self.labels.tally_mut(label)
    }

    pub fn is_empty(&self) -> bool {
        self.overall == LabelTally::default() && self.labels.is_empty()
    }
}

impl AddAssign<&ModeCounts> for ModeCounts {
    fn add_assign(&mut self, o: &ModeCounts) {
        self.overall += o.overall;
        // Both are sorted by label, and a running total usually has every label of the next
        // document already: one walk, no search. From the first label it lacks on, the rest go
        // in label by label.
        let mine = &mut self.labels.0;
        let mut i = 0;
        for (n, (l, t)) in o.labels.0.iter().enumerate() {
            while mine.get(i).is_some_and(|(k, _)| k < l) {
                i += 1;
            }
            match mine.get_mut(i) {
                Some((k, x)) if k == l => *x += *t,
                _ => {
                    for (l, t) in &o.labels.0[n..] {
                        *self.labels.tally_mut(l) += *t;
                    }
                    return;
                }
            }
        }
    }
}

/// Counts of every mode for entities (index by [`Mode::index`]); modes a profile does not
/// compute stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityCounts {
    pub modes: [ModeCounts; 4],
}

impl EntityCounts {
    pub fn mode(&self, m: Mode) -> &ModeCounts {
        &self.modes[m.index()]
    }
    pub fn mode_mut(&mut self, m: Mode) -> &mut ModeCounts {
        &mut self.modes[m.index()]
    }
}

impl AddAssign<&EntityCounts> for EntityCounts {
    fn add_assign(&mut self, o: &EntityCounts) {
        for (a, b) in self.modes.iter_mut().zip(&o.modes) {
            *a += b;
        }
    }
}

/// Gold label x predicted label counts; `None` is "no mention" on either axis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub cells: BTreeMap<(Option<String>, Option<String>), u64>,
}

impl Confusion {
    pub fn add(&mut self, gold: Option<&str>, pred: Option<&str>) {
        *self.cells.entry((gold.map(str::to_string), pred.map(str::to_string))).or_default() += 1;
    }
}

impl AddAssign<&Confusion> for Confusion {
    fn add_assign(&mut self, o: &Confusion) {
        for (k, v) in &o.cells {
            match self.cells.get_mut(k) {
                Some(n) => *n += v,
                None => {
                    self.cells.insert(k.clone(), *v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sorted vector reads, collects and serializes as the `BTreeMap` it replaced.
    #[test]
    fn label_map_is_a_sorted_map() {
        let t = |n: u64| LabelTally { gold: Tally { cor: n, ..Default::default() }, ..Default::default() };
        let pairs = [("PER", 1), ("LOC", 2), ("ORG", 3), ("LOC", 4), ("MISC", 5)];
        let m: LabelMap = pairs.iter().map(|&(l, n)| (l.to_string(), t(n))).collect();
        let b: BTreeMap<String, LabelTally> = pairs.iter().map(|&(l, n)| (l.to_string(), t(n))).collect();
        assert_eq!(
            m.iter().map(|(k, v)| (k.to_string(), *v)).collect::<Vec<_>>(),
            b.clone().into_iter().collect::<Vec<_>>()
        );
        assert_eq!(m["LOC"], t(4), "a label given twice keeps its last tally, as a map's collect does");
        assert_eq!(serde_json::to_string(&m).ok(), serde_json::to_string(&b).ok());
        let back: LabelMap = serde_json::from_str(&serde_json::to_string(&b).unwrap_or_default()).unwrap_or_default();
        assert_eq!(back, m);
        let mut m = m;
        assert_eq!(m.insert("AAA", t(9)), None);
        assert_eq!(m.insert("PER", t(7)), Some(t(1)));
        assert_eq!(m.keys().collect::<Vec<_>>(), ["AAA", "LOC", "MISC", "ORG", "PER"]);
        assert!(m.contains_key("MISC") && !m.contains_key("MIS") && m.get("ZZZ").is_none());
        *m.get_mut("ORG").unwrap_or_else(|| unreachable!()) += t(1);
        assert_eq!(m.values().map(|v| v.gold.cor).sum::<u64>(), 9 + 4 + 5 + 4 + 7);
    }

    /// `+=` walks both sorted maps side by side: the same sums as adding label by label,
    /// with labels new to the total before, between and after its own.
    #[test]
    fn add_assign_is_label_by_label_addition() {
        let t = |n: u64| LabelTally {
            gold: Tally { cor: n, ..Default::default() },
            pred: Tally { spu: n, ..Default::default() },
        };
        let counts = |labels: &[(&str, u64)]| {
            let mut m = ModeCounts::default();
            for &(l, n) in labels {
                m.overall += t(n);
                *m.label_mut(l) += t(n);
            }
            m
        };
        let docs = [
            counts(&[("LOC", 1), ("PER", 2)]),
            counts(&[("AAA", 1), ("MISC", 3), ("ZZZ", 4)]),
            counts(&[("LOC", 5), ("ORG", 1), ("PER", 1), ("ZZZ", 2)]),
            counts(&[]),
            counts(&[("B", 7)]),
        ];
        let mut walked = ModeCounts::default();
        let mut naive = ModeCounts::default();
        for d in &docs {
            walked += d;
            naive.overall += d.overall;
            for (l, x) in &d.labels {
                *naive.label_mut(l) += *x;
            }
        }
        assert_eq!(walked, naive);
        assert_eq!(walked.labels.len(), 7);
        assert_eq!(walked.labels["LOC"], t(6));
        assert_eq!(walked.labels["ZZZ"], t(6));
    }

    #[test]
    fn counts_add() {
        let a = LabelTally {
            gold: Tally { cor: 2, mis: 1, ..Default::default() },
            pred: Tally { cor: 2, spu: 3, ..Default::default() },
        };
        let mut m = ModeCounts::default();
        m.overall += a;
        *m.label_mut("PER") += a;
        let mut n = m.clone();
        n += &m;
        assert_eq!(n.overall.possible(), 6);
        assert_eq!(n.overall.actual(), 10);
        assert_eq!(n.labels["PER"].gold.cor, 4);
    }
}
