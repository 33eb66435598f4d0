//! A gold set read into memory once, for pairing with many systems (suites).

use std::path::Path;
use std::sync::Arc;

use crate::align::{Aligner, LabelOptions};
use crate::error::{Error, Result};
use crate::formats::{self, Corpus, Diagnostics, MemorySource, ReadOptions, Record, Source};
use crate::model::{DocAnnotations, DocIds, Document, SetMeta};

use super::reader::{Decoding, ReaderSpec};

/// One gold set of an input, in memory: every document with that set only.
#[derive(Debug)]
pub struct Gold {
    records: Vec<Record>,
    meta: SetMeta,
}

impl Gold {
    /// Read the gold set of `path`: the set named `set`, else the set marked gold, else the
    /// only set. With `corpus`, the gold labels (made on another copy of the text) are
    /// placed on the corpus documents. An input without documents is an error.
    pub fn read(
        path: &Path,
        reader: &ReaderSpec,
        decoding: Decoding,
        set: Option<&str>,
        corpus: Option<&Path>,
    ) -> Result<Gold> {
        let format = reader.format_of(path)?;
        let mut src = formats::open(format, &[path.to_path_buf()], &reader.to_read_options(decoding))?;
        let sets = src.sets().to_vec();
        let idx = gold_set_index(path, &sets, set)?;
        let meta = if sets[idx].is_gold() { sets[idx].clone() } else { SetMeta::gold(sets[idx].source.clone()) };
        let mut records = Vec::new();
        let mut ids = DocIds::new();
        for rec in src.by_ref() {
            let mut rec = rec?;
            ids.check(&rec.document.id, &rec.origin, rec.origin.clone())?;
            let ann = if idx < rec.sets.len() {
                rec.sets.swap_remove(idx)
            } else {
                DocAnnotations::new(rec.document.id.clone())
            };
            rec.sets = vec![ann];
            records.push(rec);
        }
        if records.is_empty() {
            return Err(Error::data(path.display().to_string(), "no documents"));
        }
        if let Some(corpus) = corpus {
            let f = formats::Format::detect(corpus)?;
            let docs = Corpus::collect(formats::open(f, &[corpus.to_path_buf()], &ReadOptions::default())?)?.documents;
            let aligner = Aligner::new(&docs, LabelOptions::default());
            let (src, _report) =
                aligner.align_source(Box::new(MemorySource::from_records(records, vec![meta.clone()], "gold")))?;
            records = src.collect::<Result<Vec<_>>>()?;
        }
        Ok(Gold { records, meta })
    }

    pub fn documents(&self) -> impl Iterator<Item = &Document> {
        self.records.iter().map(|r| &r.document)
    }

    /// The gold as a [`Source`] sharing these records (each pairing gets its own).
    pub fn source(self: &Arc<Self>) -> Box<dyn Source> {
        Box::new(Shared { sets: vec![self.meta.clone()], gold: self.clone(), pos: 0 })
    }
}

/// Which set of an input is the gold: the one named `name`, else the one marked gold, else
/// the only one.
fn gold_set_index(path: &Path, sets: &[SetMeta], name: Option<&str>) -> Result<usize> {
    let names = || sets.iter().map(|s| s.name().to_string()).collect::<Vec<_>>().join(", ");
    match name {
        Some(n) => sets
            .iter()
            .position(|s| s.name() == n)
            .ok_or_else(|| Error::usage(format!("{} has no set named {n:?} (it has: {})", path.display(), names()))),
        None => match sets.iter().position(SetMeta::is_gold) {
            Some(i) => Ok(i),
            None if sets.len() == 1 => Ok(0),
            None => Err(Error::usage(format!(
                "{} carries the sets {}: say which is the gold with gold = \"...\"",
                path.display(),
                if sets.is_empty() { "(none)".to_string() } else { names() }
            ))),
        },
    }
}

/// A shared gold as a [`Source`].
struct Shared {
    gold: Arc<Gold>,
    pos: usize,
    sets: Vec<SetMeta>,
}

impl Iterator for Shared {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Result<Record>> {
        let r = self.gold.records.get(self.pos)?.clone();
        self.pos += 1;
        Some(Ok(r))
    }
}

impl Source for Shared {
    fn sets(&self) -> &[SetMeta] {
        &self.sets
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        Diagnostics::default()
    }
}
