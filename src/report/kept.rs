//! The paired documents of a scoring pass, kept for the coreference engine: `ieval report`
//! scores relations in a second pass and hands the documents it saw to [`Kept::coref`].
//! A system without a document (`--missing skip`) has it left out of its coreference
//! scores, as of its other scores.

use crate::coref::{self, Layer};
use crate::error::Result;
use crate::inputs::Item;
use crate::model::{AnnotationSet, DocAnnotations, Document, SetMeta};
use crate::score::ScoreRun;
use crate::score::run::{DetailSink, DocDetails};

/// The documents, gold annotations and every system's annotations of a pass.
pub struct Kept {
    docs: Vec<Document>,
    gold: Vec<DocAnnotations>,
    /// Stream position of the last document kept.
    last: Option<u64>,
    /// Per system: the documents it has (index into `docs`) and its annotations of each.
    preds: Vec<Vec<(usize, DocAnnotations)>>,
}

impl Kept {
    /// Nothing kept yet, for `systems` systems.
    pub fn new(systems: usize) -> Self {
        Kept { docs: Vec::new(), gold: Vec::new(), last: None, preds: vec![Vec::new(); systems] }
    }

    /// Within-document coreference of every system (named from `run`), for each layer whose
    /// gold has clusters: `(system index, layer, report)`.
    pub fn coref(self, run: &ScoreRun) -> Result<Vec<(usize, Layer, coref::Report)>> {
        let mut out = Vec::new();
        let gold = AnnotationSet { meta: SetMeta::gold("gold"), docs: self.gold };
        let layers: Vec<Layer> = [Layer::Entities, Layer::Events]
            .into_iter()
            .filter(|&l| !coref::cluster_sizes(&gold, l).is_empty())
            .collect();
        if layers.is_empty() {
            return Ok(out);
        }
        for (k, preds) in self.preds.into_iter().enumerate() {
            let name = run.systems.get(k).map_or("system", |s| s.meta.name());
            let source = run.systems.get(k).map_or("predictions", |s| s.meta.source.as_str());
            // Only the documents this system has (all of them unless some were skipped).
            let own: (Vec<Document>, AnnotationSet);
            let (docs, gold) = if preds.len() == self.docs.len() {
                (&self.docs[..], &gold)
            } else {
                let ann = preds.iter().map(|(i, _)| gold.docs[*i].clone()).collect();
                own = (
                    preds.iter().map(|(i, _)| self.docs[*i].clone()).collect(),
                    AnnotationSet { meta: gold.meta.clone(), docs: ann },
                );
                (&own.0[..], &own.1)
            };
            let pred = AnnotationSet {
                meta: SetMeta::system(name, source),
                docs: preds.into_iter().map(|(_, a)| a).collect(),
            };
            for &layer in &layers {
                let opts = coref::Options { layer, ..Default::default() };
                out.push((k, layer, coref::score(docs, gold, &pred, &opts)?));
            }
        }
        Ok(out)
    }
}

impl DetailSink for Kept {
    fn document(&mut self, item: &Item, system: usize, _: &DocDetails) -> Result<()> {
        // Called once per system that has the document, in system order: the document is
        // kept at its first call.
        if self.last != Some(item.position) {
            self.last = Some(item.position);
            self.docs.push(item.doc.clone());
            self.gold.push(item.gold.clone());
        }
        let i = self.docs.len() - 1;
        let pred = item.preds.get(system).and_then(Option::as_ref);
        if let Some(v) = self.preds.get_mut(system) {
            v.push((i, pred.cloned().unwrap_or_else(|| DocAnnotations::new(item.doc.id.clone()))));
        }
        Ok(())
    }
}
