//! The builder: gold + named predictions (+ alignment) -> a [`Pairing`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::align::input::{LabelInput, StringDoc};
use crate::align::{AlignReport, Aligner, LabelOptions, Locate, Unaligned};
use crate::error::{Error, Result};
use crate::formats::conll::TagColumns;
use crate::formats::labelmap::{LabelMap, Mapped};
use crate::formats::parquet::{ParquetSource, is_corpus_dir};
use crate::formats::{self, Corpus, Diagnostics, Format, MemorySource, ReadOptions, Record, Source};
use crate::model::{Document, SetMeta};

use super::pair::{Missing, PairBy, Pairing};
use super::reader::{Decoding, ReaderSpec};

/// One input: a path ieval reads, or data already in memory.
pub enum Input {
    /// A file or directory in any format ieval reads (the format guessed unless the reader
    /// says `from`).
    Path(PathBuf),
    /// An opened source, e.g. records in memory ([`MemorySource`]).
    Source(Box<dyn Source>),
    /// String-only labels (entity strings and event frames without offsets, as
    /// [`crate::align::input::read_strings`] returns them), placed on the text by
    /// alignment; `source` names them (`strings:<source>` in the set's metadata).
    Strings { docs: Vec<StringDoc>, source: String },
}

impl Input {
    pub fn path(p: impl Into<PathBuf>) -> Input {
        Input::Path(p.into())
    }

    pub fn source(s: impl Source + 'static) -> Input {
        Input::Source(Box::new(s))
    }

    /// Records in memory with the sets they carry.
    pub fn records(records: Vec<Record>, sets: Vec<SetMeta>, origin: impl Into<String>) -> Input {
        Input::source(MemorySource::from_records(records, sets, origin))
    }

    pub fn strings(docs: Vec<StringDoc>, source: impl Into<String>) -> Input {
        Input::Strings { docs, source: source.into() }
    }

    fn as_path(&self) -> Option<&Path> {
        match self {
            Input::Path(p) => Some(p),
            _ => None,
        }
    }
}

/// Alignment: every label input is placed on the scoring documents' text first (labels
/// made on another tokenization or a drifted copy, other offset units, string-only LLM
/// output; see `ieval align`).
pub struct Alignment {
    /// The documents scored (`None`: the gold input's own); the gold is aligned onto them too.
    pub corpus: Option<Input>,
    /// Which occurrences string-only labels become.
    pub locate: Locate,
    pub ignore_case: bool,
    /// Labels that cannot be placed: kept (counted as missed or spurious) or an error.
    pub unaligned: Unaligned,
}

impl Default for Alignment {
    fn default() -> Self {
        Alignment { corpus: None, locate: Locate::Nearest, ignore_case: false, unaligned: Unaligned::Keep }
    }
}

/// The opened inputs.
pub struct Opened {
    pub pairing: Pairing,
    /// With alignment: how each label input landed on the text, by input (`gold` when the
    /// gold was aligned onto a corpus; a prediction input by its set names, comma-joined).
    pub alignment: Option<AlignReports>,
    /// The prediction inputs whose format was guessed from the file, by name.
    pub guessed: BTreeMap<String, Format>,
}

/// Entry point: `Inputs::builder(gold)`.
pub struct Inputs;

impl Inputs {
    pub fn builder(gold: Input) -> InputsBuilder {
        InputsBuilder {
            gold: Some(gold),
            preds: Vec::new(),
            reader: ReaderSpec::default(),
            decoding: Decoding::default(),
            align: None,
            pair: PairBy::default(),
            missing: Missing::default(),
            label_map: None,
            pred_tag_columns: None,
            documents_dir: None,
            spans_only: false,
            entities_only: false,
        }
    }
}

/// One named prediction input, with its own reader options when it has them.
struct Pred {
    name: String,
    input: Input,
    own: Option<(ReaderSpec, Option<TagColumns>)>,
}

/// Gold, predictions and how to read, align and pair them (see [`Inputs::builder`]).
pub struct InputsBuilder {
    gold: Option<Input>,
    preds: Vec<Pred>,
    reader: ReaderSpec,
    decoding: Decoding,
    align: Option<Alignment>,
    pair: PairBy,
    missing: Missing,
    label_map: Option<Arc<LabelMap>>,
    pred_tag_columns: Option<TagColumns>,
    documents_dir: Option<PathBuf>,
    spans_only: bool,
    entities_only: bool,
}

/// A prediction input once opened.
enum Opening {
    Source(Vec<String>, Box<dyn Source>),
    StringsFile(String, PathBuf),
    Strings(String, Vec<StringDoc>, String),
}

/// Alignment reports by input (see [`Opened::alignment`]).
pub type AlignReports = BTreeMap<String, AlignReport>;

/// Prediction sources with the set names they provide.
pub type NamedSources = Vec<(Vec<String>, Box<dyn Source>)>;

impl InputsBuilder {
    /// A system's predictions, read with the builder's reader options (a prediction input
    /// of several sets names them `NAME.1`, `NAME.2`, ...). The name must be usable as a
    /// file name (see [`crate::model::validate_set_name`]).
    pub fn pred(mut self, name: impl Into<String>, input: Input) -> Self {
        self.preds.push(Pred { name: name.into(), input, own: None });
        self
    }

    /// A system's predictions read with reader options of their own, and CoNLL tag columns
    /// (`None`: the last). The name is taken as given (a suite checks its own names).
    pub fn pred_with(
        mut self,
        name: impl Into<String>,
        input: Input,
        reader: ReaderSpec,
        tag_columns: Option<TagColumns>,
    ) -> Self {
        self.preds.push(Pred { name: name.into(), input, own: Some((reader, tag_columns)) });
        self
    }

    pub fn reader(mut self, spec: ReaderSpec) -> Self {
        self.reader = spec;
        self
    }

    /// The tag decoding a scoring profile imposes (`score::Profile` converts).
    pub fn profile(mut self, decoding: impl Into<Decoding>) -> Self {
        self.decoding = decoding.into();
        self
    }

    pub fn align(mut self, align: Option<Alignment>) -> Self {
        self.align = align;
        self
    }

    pub fn pair(mut self, by: PairBy) -> Self {
        self.pair = by;
        self
    }

    pub fn missing(mut self, missing: Missing) -> Self {
        self.missing = missing;
        self
    }

    /// Rename system labels onto the gold's (not string-only labels).
    pub fn label_map(mut self, map: Option<LabelMap>) -> Self {
        self.label_map = map.map(Arc::new);
        self
    }

    /// CoNLL predictions: tag columns (default: the last).
    pub fn pred_tag_columns(mut self, cols: Option<TagColumns>) -> Self {
        self.pred_tag_columns = cols;
        self
    }

    /// The corpus directory whose documents Parquet annotation tables are read against
    /// (default: the gold path).
    pub fn documents_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.documents_dir = Some(dir.into());
        self
    }

    /// Whether the consumer of the pairing only compares spans (entity scoring without error
    /// details): a CoNLL gold carrying its systems' columns, with no prediction inputs and no
    /// alignment (which read the text), is then read without building its text, tokens,
    /// sentences and mention ids (see [`crate::formats::conll::ConllOptions::spans_only`]);
    /// the spans and labels are the same.
    pub fn spans_only(mut self, yes: bool) -> Self {
        self.spans_only = yes;
        self
    }

    /// Whether the consumer of the pairing compares entity spans only and nothing else
    /// ([`InputsBuilder::spans_only`] for entities alone): a Parquet corpus as the gold,
    /// carrying its systems, with no prediction inputs and no alignment, is then read
    /// without its events, relations, document metadata, tokens and sentences (see
    /// [`crate::formats::parquet::ParquetOptions::entities_only`]).
    pub fn entities_only(mut self, yes: bool) -> Self {
        self.entities_only = yes;
        self
    }

    /// Open the gold and every prediction input, align them if asked, and pair them.
    pub fn build(mut self) -> Result<Opened> {
        let gold = self.open_gold()?;
        let guessed = self.guessed();
        let preds = std::mem::take(&mut self.preds);
        let mut opened = self.open_preds(preds, self.align.is_some())?;
        if let Some(map) = &self.label_map {
            opened = opened
                .into_iter()
                .map(|p| match p {
                    Opening::Source(n, s) => Opening::Source(n, Box::new(Mapped::new(s, map.clone()))),
                    other => other,
                })
                .collect();
        }
        let (gold, preds, alignment) = match self.align.take() {
            Some(a) => {
                let (g, p, r) = align_all(a, gold, opened)?;
                (g, p, Some(r))
            }
            None => (gold, sources(opened)?, None),
        };
        let pairing = Pairing::new(gold, preds, self.pair, self.missing)?;
        Ok(Opened { pairing, alignment, guessed })
    }

    /// Open the prediction inputs only (no gold is read; `convert --pred`). String-only
    /// inputs are an error.
    pub fn open_predictions(mut self) -> Result<NamedSources> {
        let preds = std::mem::take(&mut self.preds);
        sources(self.open_preds(preds, false)?)
    }

    fn read_options(&self) -> ReadOptions {
        self.reader.to_read_options(self.decoding)
    }

    fn open_gold(&mut self) -> Result<Box<dyn Source>> {
        match self.gold.take().ok_or_else(|| Error::usage("internal: the gold input was taken"))? {
            Input::Path(path) => {
                let format = self.reader.format_of(&path)?;
                if format == Format::Article && self.reader.from.is_none() {
                    return Err(Error::usage(format!(
                        "{} was guessed to be a plain-text news article (a .txt file whose lines do not read as CoNLL columns), which carries no annotations to score against; give --from conll (or the format it is in)",
                        path.display()
                    )));
                }
                let mut opts = self.read_options();
                let alone = self.preds.is_empty() && self.align.is_none();
                opts.conll.spans_only = self.spans_only && alone;
                opts.parquet.entities_only = self.entities_only && alone;
                let src = formats::open(format, std::slice::from_ref(&path), &opts)?;
                self.documents_dir.get_or_insert(path);
                Ok(src)
            }
            Input::Source(s) => Ok(s),
            Input::Strings { source, .. } => {
                Err(Error::usage(format!("{source}: string-only labels cannot be the gold: give annotated documents")))
            }
        }
    }

    /// The prediction inputs whose format will be guessed from the file.
    fn guessed(&self) -> BTreeMap<String, Format> {
        self.preds
            .iter()
            .filter(|p| p.own.as_ref().map_or(&self.reader, |(r, _)| r).from.is_none())
            .filter_map(|p| p.input.as_path().filter(|p| p.is_file()).map(|path| (p, path)))
            .filter_map(|(p, path)| Format::detect(path).ok().map(|f| (p.name.clone(), f)))
            .collect()
    }

    /// Open every named prediction input. With `align`, string-only label files are
    /// recognised (they are located in the text later).
    fn open_preds(&self, preds: Vec<Pred>, align: bool) -> Result<Vec<Opening>> {
        let mut out = Vec::new();
        for Pred { name, input, own } in preds {
            if own.is_none() {
                crate::model::validate_set_name(&name)?;
            }
            let src = match input {
                Input::Strings { docs, source } => {
                    out.push(Opening::Strings(name, docs, source));
                    continue;
                }
                Input::Path(path) if align && crate::align::input::sniff(&path) == Some(LabelInput::Strings) => {
                    out.push(Opening::StringsFile(name, path));
                    continue;
                }
                Input::Path(path) => {
                    let (reader, cols) = match &own {
                        Some((r, c)) => (r, c.as_ref()),
                        None => (&self.reader, self.pred_tag_columns.as_ref()),
                    };
                    self.open_pred_path(&name, &path, reader, cols)?
                }
                Input::Source(s) => s,
            };
            let n = src.sets().len();
            let names = if n == 1 { vec![name] } else { (1..=n).map(|k| format!("{name}.{k}")).collect() };
            out.push(Opening::Source(names, src));
        }
        Ok(out)
    }

    /// Open one prediction file or directory: a Parquet annotation table against the
    /// gold corpus's documents, else any format ieval reads, as the one set `name`.
    fn open_pred_path(
        &self,
        name: &str,
        path: &Path,
        reader: &ReaderSpec,
        tag_cols: Option<&TagColumns>,
    ) -> Result<Box<dyn Source>> {
        let parquet_file = path.extension().is_some_and(|e| e == "parquet") && path.is_file();
        // A directory of Parquet files that is not a corpus (Spark's `part-*.parquet`).
        let parquet_dir = path.is_dir()
            && !is_corpus_dir(path)
            && !formats::hf::looks_like(path)
            && formats::parquet::layout::parquet_files(path).is_ok_and(|f| !f.is_empty());
        let hf = reader.from.is_none_or(|f| f == Format::Hf) && formats::hf::looks_like(path);
        if !hf && (parquet_file || parquet_dir) {
            let Some(dir) = self.documents_dir.as_deref().filter(|d| is_corpus_dir(d)) else {
                return Err(Error::usage(format!(
                    "{}: a Parquet annotation table needs the documents of a gold corpus directory (--gold DIR)",
                    path.display()
                )));
            };
            return Ok(Box::new(ParquetSource::open_with_sets(dir, &[path.to_path_buf()])?));
        }
        let mut po = reader.to_read_options(self.decoding);
        po.conll.tag_columns = tag_cols.cloned().unwrap_or_default();
        po.conll.set_names = vec![name.to_string()];
        po.set_name = Some(name.to_string());
        let f = match reader.from {
            _ if hf => Format::Hf,
            // As for the gold: CoNLL-only options make CoNLL of what reads as an article.
            Some(Format::Parquet) | None => reader.guess(path, tag_cols.is_some())?,
            Some(f) => f,
        };
        formats::open(f, &[path.to_path_buf()], &po)
    }
}

/// The opened prediction inputs as sources (no string-only labels without alignment).
fn sources(opened: Vec<Opening>) -> Result<NamedSources> {
    opened
        .into_iter()
        .map(|p| match p {
            Opening::Source(n, s) => Ok((n, s)),
            Opening::StringsFile(name, _) | Opening::Strings(name, ..) => {
                Err(Error::usage(format!("{name}: string-only labels are placed on the text by alignment only")))
            }
        })
        .collect()
}

/// Read a source to the end, keeping its records.
fn records(mut src: Box<dyn Source>) -> Result<(Vec<Record>, Vec<SetMeta>)> {
    let sets = src.sets().to_vec();
    let recs = src.by_ref().collect::<Result<Vec<_>>>()?;
    Ok((recs, sets))
}

/// The documents of a corpus input (a path's format guessed, read with default options),
/// e.g. those alignment places labels on. Duplicate document ids are an error.
pub fn documents(corpus: Input) -> Result<Vec<Document>> {
    let src = match corpus {
        Input::Path(c) => {
            let f = Format::detect(&c)?;
            formats::open(f, std::slice::from_ref(&c), &ReadOptions::default())?
        }
        Input::Source(s) => s,
        Input::Strings { source, .. } => {
            return Err(Error::usage(format!("{source}: string-only labels cannot be the corpus")));
        }
    };
    Ok(Corpus::collect(src)?.documents)
}

/// Place every label input onto the scoring documents (the corpus, or the gold input's own
/// documents) and hand the aligned sets on as in-memory sources, with the alignment
/// reports (gold first when the gold was aligned).
fn align_all(
    a: Alignment,
    gold: Box<dyn Source>,
    preds: Vec<Opening>,
) -> Result<(Box<dyn Source>, NamedSources, AlignReports)> {
    let (gold_recs, gold_sets) = records(gold)?;
    let on_corpus = a.corpus.is_some();
    let docs: Vec<Document> = match a.corpus {
        Some(c) => documents(c)?,
        None => gold_recs.iter().map(|r| r.document.clone()).collect(),
    };
    if docs.is_empty() {
        return Err(Error::data("--align", "no documents to align onto"));
    }
    let mut opts = LabelOptions { unaligned: a.unaligned, locate: a.locate, ..Default::default() };
    opts.text.normalize.ignore_case = a.ignore_case;
    let aligner = Aligner::new(&docs, opts);
    let mut reports = BTreeMap::new();
    let gold_mem = MemorySource::from_records(gold_recs, gold_sets, "gold");
    let gold_src: Box<dyn Source> = if on_corpus {
        let (src, report) = aligner.align_source(Box::new(gold_mem))?;
        reports.insert("gold".to_string(), report);
        Box::new(src)
    } else {
        Box::new(gold_mem)
    };
    let mut out = Vec::new();
    for p in preds {
        let (name, sdocs, source, reading) = match p {
            Opening::Source(names, src) => {
                let (src, report) = aligner.align_source(src)?;
                reports.insert(names.join(","), report);
                out.push((names, Box::new(src) as Box<dyn Source>));
                continue;
            }
            Opening::StringsFile(name, path) => {
                let mut diag = Diagnostics::default();
                let sdocs = crate::align::input::read_strings(&path, &mut diag)?;
                (name, sdocs, path.display().to_string(), diag)
            }
            Opening::Strings(name, sdocs, source) => (name, sdocs, source, Diagnostics::default()),
        };
        let meta = SetMeta::system(name.clone(), format!("strings:{source}"));
        let mut aligned = aligner.locate(&sdocs, &meta)?;
        aligned.report.reading = reading;
        reports.insert(name.clone(), aligned.report);
        out.push((
            vec![name],
            Box::new(MemorySource::new(docs.clone(), aligned.sets, "aligned predictions")) as Box<dyn Source>,
        ));
    }
    Ok((gold_src, out, reports))
}
