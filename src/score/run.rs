//! Scoring a paired stream: every system on every document, in parallel, reduced in
//! document order (counts add, so the result does not depend on `--jobs`).

use rayon::prelude::*;

use crate::error::Result;
use crate::formats::Diagnostics;
use crate::model::SetMeta;

use super::counts::{Confusion, EntityCounts};
use super::entity::{DocEntityScore, score_document};
use super::matching::ModeMatch;
use super::pair::{Item, Pairing};
use super::profile::Profile;

/// Documents scored per parallel batch.
const BATCH: usize = 32;

/// One document's counts for one system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocScore {
    pub doc_id: String,
    pub entities: EntityCounts,
}

/// Everything one system earned.
#[derive(Debug, Clone)]
pub struct SystemScore {
    pub meta: SetMeta,
    /// Per document, in gold order (documents the system skipped are absent).
    pub docs: Vec<DocScore>,
    pub total: EntityCounts,
    pub confusion: Confusion,
    pub diagnostics: Diagnostics,
}

/// The result of a scoring run.
#[derive(Debug, Clone)]
pub struct ScoreRun {
    pub profile: Profile,
    pub gold: SetMeta,
    pub gold_documents: u64,
    pub gold_entities: u64,
    pub gold_diagnostics: Diagnostics,
    pub systems: Vec<SystemScore>,
}

/// What the caller wants to see of each scored document (for error listings).
pub trait DetailSink {
    fn document(&mut self, item: &Item, system: usize, details: &[ModeMatch; 4]) -> Result<()>;
}

/// No details wanted.
pub struct NoDetails;

impl DetailSink for NoDetails {
    fn document(&mut self, _: &Item, _: usize, _: &[ModeMatch; 4]) -> Result<()> {
        Ok(())
    }
}

/// Score every system on every document of the pairing.
pub fn score(
    mut pairing: Pairing,
    profile: Profile,
    sink: &mut dyn DetailSink,
    want_details: bool,
) -> Result<ScoreRun> {
    let metas = pairing.systems().to_vec();
    let mut systems: Vec<SystemScore> = metas
        .iter()
        .map(|m| SystemScore {
            meta: m.clone(),
            docs: Vec::new(),
            total: EntityCounts::default(),
            confusion: Confusion::default(),
            diagnostics: Diagnostics::default(),
        })
        .collect();
    let mut gold_entities = 0u64;
    // Reading runs in its own thread, a few batches ahead of scoring, so that parsing and
    // matching overlap; the order of batches (and so of every sum) is the input order.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<Item>>>(4);
    let reader = move || {
        loop {
            let mut batch = Vec::with_capacity(BATCH);
            for item in pairing.by_ref() {
                match item {
                    Ok(i) => batch.push(i),
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return pairing;
                    }
                }
                if batch.len() == BATCH {
                    break;
                }
            }
            if batch.is_empty() || tx.send(Ok(batch)).is_err() {
                return pairing;
            }
        }
    };
    let (pairing, outcome) = std::thread::scope(|scope| {
        let handle = scope.spawn(reader);
        let outcome = (|| -> Result<()> {
            for batch in rx.iter() {
                let batch = batch?;
                let scored: Vec<Vec<Option<DocEntityScore>>> = batch
                    .par_iter()
                    .map(|item| {
                        item.preds
                            .iter()
                            .map(|p| {
                                p.as_ref().map(|p| {
                                    score_document(&item.doc, &item.gold.entities, &p.entities, profile, want_details)
                                })
                            })
                            .collect()
                    })
                    .collect();
                for (item, per_sys) in batch.iter().zip(scored) {
                    gold_entities += item.gold.entities.len() as u64;
                    for (k, s) in per_sys.into_iter().enumerate() {
                        let Some(s) = s else { continue };
                        let sys = &mut systems[k];
                        sys.total += &s.counts;
                        sys.confusion += &s.confusion;
                        if let Some(d) = &s.details {
                            sink.document(item, k, d)?;
                        }
                        sys.docs.push(DocScore { doc_id: item.doc.id.clone(), entities: s.counts });
                    }
                }
            }
            Ok(())
        })();
        // Stop the reader early on an error of ours (it sees the closed channel).
        drop(rx);
        let pairing = handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (pairing, outcome)
    });
    outcome?;
    let mut pairing = pairing;
    let (gold_diagnostics, pred_diags) = pairing.take_diagnostics();
    for (first, d) in pred_diags {
        if let Some(s) = systems.get_mut(first) {
            s.diagnostics.merge(d);
        }
    }
    Ok(ScoreRun {
        profile,
        gold: pairing.gold_meta().clone(),
        gold_documents: pairing.gold_documents,
        gold_entities,
        gold_diagnostics,
        systems,
    })
}
