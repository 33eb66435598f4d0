//! Counts — the source of truth. Every count adds (`+`), so parallel reduction is a sum and
//! results of shards merge exactly.

use std::collections::BTreeMap;
use std::ops::{Add, AddAssign};

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
#[derive(schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// Counts of one mode: overall and per label. For ieval's own profile `overall` is the
/// sum of `labels`; nervaluate computes per-label numbers on its own (one label at a time),
/// and its profile stores them as it finds them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModeCounts {
    pub overall: LabelTally,
    pub labels: BTreeMap<String, LabelTally>,
}

impl ModeCounts {
    pub fn label_mut(&mut self, label: &str) -> &mut LabelTally {
        if !self.labels.contains_key(label) {
            self.labels.insert(label.to_string(), LabelTally::default());
        }
        self.labels.get_mut(label).unwrap_or_else(|| unreachable!())
    }

    fn add_label(&mut self, label: &str, t: LabelTally) {
        match self.labels.get_mut(label) {
            Some(x) => *x += t,
            None => {
                self.labels.insert(label.to_string(), t);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.overall == LabelTally::default() && self.labels.is_empty()
    }
}

impl AddAssign<&ModeCounts> for ModeCounts {
    fn add_assign(&mut self, o: &ModeCounts) {
        self.overall += o.overall;
        // Both maps are sorted by label: walk them side by side (a running total usually has
        // every label of the next document already); labels new to `self` go in after.
        let mut new: Vec<(&String, LabelTally)> = Vec::new();
        let mut mine = self.labels.iter_mut().peekable();
        for (l, t) in &o.labels {
            while mine.next_if(|(k, _)| k.as_str() < l.as_str()).is_some() {}
            match mine.next_if(|(k, _)| *k == l) {
                Some((_, x)) => *x += *t,
                None => new.push((l, *t)),
            }
        }
        for (l, t) in new {
            self.add_label(l, t);
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
