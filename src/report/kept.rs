//! The paired documents of a scoring pass, kept for the coreference engine: `ieval report`
//! scores relations in a second pass and hands the documents it saw to [`Kept::coref`].

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
    /// Per system, per document (an empty set where the system has none).
    preds: Vec<Vec<DocAnnotations>>,
}

impl Kept {
    /// Nothing kept yet, for `systems` systems.
    pub fn new(systems: usize) -> Self {
        Kept { docs: Vec::new(), gold: Vec::new(), preds: vec![Vec::new(); systems] }
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
        for (k, docs) in self.preds.into_iter().enumerate() {
            let name = run.systems.get(k).map_or("system", |s| s.meta.name());
            let pred = AnnotationSet { meta: SetMeta::system(name, "predictions"), docs };
            for &layer in &layers {
                let opts = coref::Options { layer, ..Default::default() };
                out.push((k, layer, coref::score(&self.docs, &gold, &pred, &opts)?));
            }
        }
        Ok(out)
    }
}

impl DetailSink for Kept {
    fn document(&mut self, item: &Item, system: usize, _: &DocDetails) -> Result<()> {
        if system == 0 {
            self.docs.push(item.doc.clone());
            self.gold.push(item.gold.clone());
        }
        let pred = item.preds.get(system).and_then(Option::as_ref);
        if let Some(v) = self.preds.get_mut(system) {
            v.push(pred.cloned().unwrap_or_else(|| DocAnnotations::new(item.doc.id.clone())));
        }
        Ok(())
    }
}
