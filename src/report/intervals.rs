//! The report's bootstrap intervals: for every system of a run, P, R and F1 of each entity
//! mode, event metric or relation mode (one routine for all three).

use std::collections::BTreeMap;

use crate::error::Result;
use crate::score::ScoreRun;
use crate::score::counts::LabelTally;
use crate::score::packed::DocOverall;
use crate::score::resample::{Interval, Options, intervals};

/// Bootstrap intervals of P, R and F1 per `(system index, measure)`: each measure of
/// `measures` is `(key, half credit)`, and `count` picks a document's overall counts of it
/// (resampled together, one set of draws per system, as [`intervals`] does).
pub fn per_system<K: Copy + Ord>(
    run: &ScoreRun,
    measures: &[(K, bool)],
    count: impl Fn(&DocOverall, K) -> LabelTally,
    opts: &Options,
) -> Result<BTreeMap<(usize, K), [Interval; 3]>> {
    let zero = run.profile.zero_for_undefined();
    let mut out = BTreeMap::new();
    for (k, s) in run.systems.iter().enumerate() {
        let mut cols: Vec<Vec<LabelTally>> = vec![Vec::with_capacity(s.docs.len()); measures.len()];
        for d in s.docs.overalls() {
            for (col, &(m, _)) in cols.iter_mut().zip(measures) {
                col.push(count(&d, m));
            }
        }
        let series: Vec<(bool, &[LabelTally])> = measures.iter().zip(&cols).map(|(&(_, h), c)| (h, &c[..])).collect();
        for (&(m, _), iv) in measures.iter().zip(intervals(&series, zero, opts)?) {
            out.insert((k, m), iv);
        }
    }
    Ok(out)
}
