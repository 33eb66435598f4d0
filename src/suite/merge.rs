//! Merging shard units (`ieval run --shard K/N`, stored under `shards/`) into the units
//! of the main store (`ieval merge --results`).
//!
//! A shard unit's manifest names its shard and the run id of the whole unit; its counts
//! file has a `doc_index` column (each document's position in the whole dataset). When
//! all `N` shards of a unit are there and `ok`, their rows are combined — documents in
//! `doc_index` order, that is the order of the unsharded run — and written as the whole
//! unit (counts, then manifest) with the unsharded run id: the counts the unsharded run
//! would have stored, so `ieval table`, `compare` and `report` read it like any unit. A
//! shard that failed makes the whole unit failed (its manifest says which shard and why);
//! a unit with shards missing is left alone (and reported). Merging again is a no-op.

use std::collections::BTreeMap;

use serde::Serialize;

use super::store::{Manifest, Status, Store, UnitCounts, UnitMeta, read_counts, read_positions};
use crate::error::{Error, Result};
use crate::shard::Shard;

/// What happened to one whole unit.
#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Serialize)]
pub struct Merged {
    pub dataset: String,
    pub system: String,
    /// The whole unit's run id.
    pub run_id: String,
    /// Shards found / shards of the run.
    pub found: u64,
    pub shards: u64,
    /// The merged unit's status (`None`: not merged, shards missing).
    pub status: Option<Status>,
    /// True when the unit was written now (false: it existed, or shards are missing).
    pub written: bool,
    /// Shards not found (`K/N`).
    pub missing: Vec<String>,
}

/// Merge every complete set of shard units of `store` into it.
pub fn merge_shards(store: &Store) -> Result<Vec<Merged>> {
    store.check_layout()?;
    let shards = Store::new(store.root().join("shards"));
    let mut groups: BTreeMap<String, BTreeMap<u64, Manifest>> = BTreeMap::new();
    let mut counts_of: BTreeMap<String, u64> = BTreeMap::new();
    for m in shards.manifests()? {
        let (Some(base), Some(sh)) = (m.unsharded_run_id.clone(), m.shard.clone()) else { continue };
        let s: Shard = sh
            .parse()
            .map_err(|e: String| Error::data(shards.manifest_path(&m.unit.run_id).display().to_string(), e))?;
        let n = counts_of.entry(base.clone()).or_insert(s.count);
        if *n != s.count {
            return Err(Error::data(
                shards.manifest_path(&m.unit.run_id).display().to_string(),
                format!("unit {base} has shards of {n} and of {} documents splits: rerun one of them", s.count),
            ));
        }
        // Manifests come sorted by time: a later run of the same shard wins.
        groups.entry(base).or_default().insert(s.index, m);
    }
    let mut out = Vec::new();
    for (base, parts) in groups {
        let n = counts_of.get(&base).copied().unwrap_or(0);
        let Some(first) = parts.values().next().cloned() else { continue };
        let mut merged = Merged {
            dataset: first.unit.dataset.clone(),
            system: first.unit.system.clone(),
            run_id: base.clone(),
            found: parts.len() as u64,
            shards: n,
            status: None,
            written: false,
            missing: (0..n).filter(|k| !parts.contains_key(k)).map(|k| format!("{k}/{n}")).collect(),
        };
        if !merged.missing.is_empty() {
            out.push(merged);
            continue;
        }
        if let Some(m) = store.manifest(&base)? {
            let complete = m.status != Status::Ok || store.is_done(&base);
            if complete {
                merged.status = Some(m.status);
                out.push(merged);
                continue;
            }
        }
        let time = parts.values().map(|m| m.unit.time.clone()).max().unwrap_or_default();
        let seconds = parts.values().map(|m| m.seconds).sum();
        let mut manifest = Manifest {
            unit: UnitMeta { run_id: base.clone(), time, ..first.unit.clone() },
            seconds,
            counts_file: None,
            shard: None,
            unsharded_run_id: None,
            ..first.clone()
        };
        let failed = parts.iter().find(|(_, m)| m.status != Status::Ok);
        if let Some((k, m)) = failed {
            manifest.status = m.status;
            manifest.message =
                Some(format!("shard {k}/{n}: {}", m.message.clone().unwrap_or_else(|| m.status.name().into())));
            manifest.stderr_tail = m.stderr_tail.clone();
        } else {
            let counts = combine(&shards, &parts)?;
            let rel = store.write_counts(&manifest.unit, &counts)?;
            let mut notes: Vec<String> = Vec::new();
            for m in parts.values() {
                if let Some(msg) = &m.message
                    && !notes.contains(msg)
                {
                    notes.push(msg.clone());
                }
            }
            manifest.message = (!notes.is_empty()).then(|| notes.join("; "));
            manifest.counts_file = Some(rel);
        }
        store.write_manifest(&manifest)?;
        merged.status = Some(manifest.status);
        merged.written = true;
        out.push(merged);
    }
    Ok(out)
}

/// The rows of all shards, documents in `doc_index` order.
fn combine(shards: &Store, parts: &BTreeMap<u64, Manifest>) -> Result<UnitCounts> {
    let mut files = Vec::new();
    let mut order: Vec<(u64, String)> = Vec::new();
    for m in parts.values() {
        let rel = m.counts_file.as_ref().ok_or_else(|| {
            Error::data(
                shards.manifest_path(&m.unit.run_id).display().to_string(),
                "an ok shard unit without counts file",
            )
        })?;
        let path = shards.root().join(rel);
        let pos = read_positions(&path)?;
        order.extend(pos.into_iter().map(|(id, p)| (p, id)));
        files.push(path);
    }
    order.sort();
    for w in order.windows(2) {
        if w[0].0 == w[1].0 {
            return Err(Error::data(
                shards.root().display().to_string(),
                format!("documents {:?} and {:?} have the same position: shards of different runs?", w[0].1, w[1].1),
            ));
        }
    }
    let mut counts = UnitCounts::default();
    for (_, id) in &order {
        counts.doc(id);
    }
    for path in files {
        for r in read_counts(&path)? {
            let i = counts.doc(&r.doc_id);
            counts.add(&r.key, i, r.tally);
        }
    }
    Ok(counts)
}
