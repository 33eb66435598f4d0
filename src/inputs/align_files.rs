//! Labels made on another copy of the text, aligned onto a corpus and written out: the job
//! of `ieval align` as one library call ([`align_files`]). Reading the labels goes through
//! the reader specification ([`ReaderSpec`]) like every other input; the placing is
//! `crate::align`'s [`Aligner`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{Decoding, ReaderSpec};
use crate::align::input::{LabelInput, RelativeTo, read_relative, read_strings, sniff};
use crate::align::{AlignReport, Aligner, LabelOptions};
use crate::error::{Error, Result};
use crate::formats::jsonl::JsonlWriter;
use crate::formats::parquet::{AnnotationsWriter, DocumentsWriter, set_file_name};
use crate::formats::{self, Corpus, Diagnostics, Format, Record, RecordWriter, Source};
use crate::model::{AnnotationSet, DocIds, Document, SetKind, SetMeta, validate_set_name};
use crate::output::AtomicFile;

/// What to align onto what, and where the result goes.
#[derive(Debug, Clone)]
pub struct AlignFiles {
    /// A corpus directory, or any input `convert` reads (its documents are used).
    pub corpus: PathBuf,
    /// The labels (files or a directory; one file for string-only or relative labels).
    pub labels: Vec<PathBuf>,
    /// How the labels are read.
    pub spec: ReaderSpec,
    /// What kind of labels input (`None`: string-only or relative when the file looks so
    /// and no format is given, else as `spec` reads it).
    pub kind: Option<LabelInput>,
    pub options: LabelOptions,
    /// `FILE.jsonl`, `FILE.parquet` (one set: `gold.parquet` the gold, `NAME.parquet` the
    /// system NAME) or a corpus directory (every set).
    pub out: PathBuf,
    /// For a single-set output: which set of the labels to write.
    pub set: Option<String>,
}

/// What [`align_files`] did.
#[derive(Debug)]
pub struct AlignedFiles {
    /// Every label accounted for, with the labels' reading diagnostics.
    pub report: AlignReport,
    /// The labels inputs, as named in the report.
    pub source: String,
}

/// Read the corpus and the labels, align the labels onto the corpus's documents and write
/// them to `job.out` (atomically; a corpus directory's card is refreshed).
pub fn align_files(job: &AlignFiles) -> Result<AlignedFiles> {
    if job.labels.is_empty() {
        return Err(Error::usage("no labels input given"));
    }
    let corpus_fmt = Format::detect(&job.corpus)?;
    let corpus = Corpus::collect(formats::open(
        corpus_fmt,
        std::slice::from_ref(&job.corpus),
        &formats::ReadOptions::default(),
    )?)?;
    if corpus.documents.is_empty() {
        return Err(Error::data(job.corpus.display().to_string(), "the corpus has no documents"));
    }
    let docs = corpus.documents;
    let aligner = Aligner::new(&docs, job.options);
    let kind = match job.kind {
        Some(k) => k,
        None if job.spec.from.is_none() => sniff(&job.labels[0]).unwrap_or(LabelInput::Standard),
        None => LabelInput::Standard,
    };
    let ropts = job.spec.to_read_options(Decoding::default());
    let source = job.labels.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    let mut diag = Diagnostics::default();
    let mut aligned = match kind {
        LabelInput::Strings => {
            let sdocs = read_strings(&job.labels[0], &mut diag)?;
            let mut meta = [ropts.single_set(format!("strings:{source}"))];
            if job.spec.names.as_ref().is_none_or(Vec::is_empty) {
                // String-only labels are a system's output (an LLM's): a system set named
                // after the file, not "gold", unless the set names say otherwise.
                meta[0].kind = SetKind::System { name: file_safe_stem(&job.labels[0]), version: None };
            }
            name_file_set(job, &mut meta)?;
            aligner.locate(&sdocs, &meta[0])?
        }
        LabelInput::Relative(u) => {
            let recs = read_relative(&job.labels[0], u, ropts.offsets, &docs, &mut diag)?;
            let mut meta = [ropts.single_set(format!(
                "relative-{}:{source}",
                if u == RelativeTo::Sentence { "sentence" } else { "paragraph" }
            ))];
            name_file_set(job, &mut meta)?;
            aligner.align(&recs, &meta)?
        }
        LabelInput::Standard => {
            let (recs, mut sets, d) = records(super::open(&job.labels, &job.spec)?.1)?;
            diag = d;
            if recs.is_empty() {
                return Err(Error::data(source, "no documents in the labels input"));
            }
            if sets.is_empty() {
                return Err(Error::data(source, "the labels input carries no annotation set"));
            }
            name_file_set(job, &mut sets)?;
            aligner.align(&recs, &sets)?
        }
    };
    aligned.report.reading = diag;
    write_output(job, &docs, &aligned.sets, corpus_fmt.name())?;
    Ok(AlignedFiles { report: aligned.report, source })
}

/// Read a whole source into records (document ids must be unique).
fn records(mut src: Box<dyn Source>) -> Result<(Vec<Record>, Vec<SetMeta>, Diagnostics)> {
    let sets = src.sets().to_vec();
    let mut out = Vec::new();
    let mut ids = DocIds::new();
    for r in src.by_ref() {
        let r = r?;
        ids.check(&r.document.id, &r.origin, r.origin.clone())?;
        out.push(r);
    }
    Ok((out, sets, src.take_diagnostics()))
}

/// The one set a single-set output writes.
fn pick(sets: &[AnnotationSet], name: Option<&str>) -> Result<usize> {
    pick_name(&sets.iter().map(|s| s.meta.name().to_string()).collect::<Vec<_>>(), name)
}

fn pick_name(sets: &[String], name: Option<&str>) -> Result<usize> {
    let names = || sets.join(", ");
    match name {
        Some(n) => sets
            .iter()
            .position(|s| s == n)
            .ok_or_else(|| Error::usage(format!("no set named {n:?} (the labels have: {})", names()))),
        None if sets.len() == 1 => Ok(0),
        None => {
            Err(Error::usage(format!("the output holds one set: choose one with --set (the labels have: {})", names())))
        }
    }
}

/// A file stem as a set name (ASCII letters, digits, `._-+`; anything else becomes `_`).
fn file_safe_stem(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || "._-+".contains(c) { c } else { '_' }).collect();
    if name.is_empty() || name.starts_with('.') { format!("labels{name}") } else { name }
}

/// The output's lower-case extension.
fn out_ext(job: &AlignFiles) -> String {
    job.out.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default()
}

/// A set written to `gold.parquet` is the gold, to `NAME.parquet` the system NAME. Decided
/// before aligning, so that the report and the unaligned labels' effect (missed or
/// spurious) follow the set as it is written (the report called a system "gold (gold)").
fn name_file_set(job: &AlignFiles, sets: &mut [SetMeta]) -> Result<()> {
    if out_ext(job) != "parquet" {
        return Ok(());
    }
    let names = sets.iter().map(|m| m.name().to_string()).collect::<Vec<_>>();
    let k = pick_name(&names, job.set.as_deref())?;
    let stem = job.out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let meta = &mut sets[k];
    if stem == "gold" {
        meta.kind = SetKind::Gold;
    } else {
        validate_set_name(&stem)?;
        let version = match &meta.kind {
            SetKind::System { version, .. } => version.clone(),
            SetKind::Gold => None,
        };
        meta.kind = SetKind::System { name: stem, version };
    }
    Ok(())
}

fn write_set(path: &Path, set: &AnnotationSet, docs: &[Document]) -> Result<()> {
    let mut w = AnnotationsWriter::create(path, &set.meta)?;
    let by_id: HashMap<&str, &Document> = docs.iter().map(|d| (d.id.as_str(), d)).collect();
    for ann in &set.docs {
        let doc = by_id[ann.doc_id.as_str()];
        w.write(ann, &doc.text)?;
    }
    w.finish()
}

fn write_output(job: &AlignFiles, docs: &[Document], sets: &[AnnotationSet], corpus_format: &str) -> Result<()> {
    let by_id: HashMap<&str, &Document> = docs.iter().map(|d| (d.id.as_str(), d)).collect();
    match out_ext(job).as_str() {
        "jsonl" | "ndjson" => {
            let k = pick(sets, job.set.as_deref())?;
            let mut w = JsonlWriter::new(AtomicFile::create(&job.out)?, &job.out);
            for ann in &sets[k].docs {
                w.write(by_id[ann.doc_id.as_str()], std::slice::from_ref(ann))?;
            }
            Box::new(w).finish()
        }
        "parquet" => {
            let k = pick(sets, job.set.as_deref())?;
            write_set(&job.out, &sets[k], docs)?;
            // Into a corpus directory (DIR/gold.parquet, DIR/systems/NAME.parquet): its card
            // names the new table.
            let parent = job.out.parent().unwrap_or(Path::new(""));
            let dir = if parent.file_name().is_some_and(|n| n == "systems") { parent.parent() } else { Some(parent) };
            match dir {
                Some(d) => formats::parquet::refresh_corpus_card(d),
                None => Ok(()),
            }
        }
        _ => {
            let dir = &job.out;
            if formats::parquet::is_partitioned(dir) {
                return Err(Error::usage(format!(
                    "{} is a partitioned corpus: align writes sets into flat corpus directories (give another --out)",
                    dir.display()
                )));
            }
            let mut files = HashSet::new();
            for s in sets.iter() {
                validate_set_name(s.meta.name())?;
                if !files.insert(set_file_name(&s.meta)) {
                    return Err(Error::usage(format!(
                        "two sets would both be written to {}: give them distinct names (--names)",
                        set_file_name(&s.meta)
                    )));
                }
            }
            for s in sets.iter() {
                write_set(&dir.join(set_file_name(&s.meta)), s, docs)?;
            }
            if !dir.join("documents.parquet").is_file() {
                let mut w = DocumentsWriter::create(
                    &dir.join("documents.parquet"),
                    &format!("{corpus_format}:{}", job.corpus.display()),
                )?;
                for d in docs {
                    w.write(d)?;
                }
                w.finish()?;
            }
            formats::parquet::refresh_corpus_card(dir)
        }
    }
}
