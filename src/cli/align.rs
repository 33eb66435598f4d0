const LONG_HELP: &str = "Align labels made on another copy of the corpus text onto the corpus: \
re-tokenized text (CoNLL files rebuild it from their tokens), text before or after cleaning, \
other whitespace, quotes, dashes, Unicode forms or HTML entities, other sentence breaks, \
other document order, one file covering many documents, offsets in bytes or UTF-16 units, \
offsets relative to sentences or paragraphs, or no offsets at all (entity strings and event \
frames, as LLM extractors return them). Every label is accounted for in the report.

Examples:
  ieval convert ../shared/corpora/conll2003/eng.testb --out corpus
  ieval align --corpus corpus --labels conll_sharp.txt --out corpus/gold.parquet
  ieval align --corpus corpus --labels luke_sharp.txt --out corpus/systems/luke.parquet
  ieval align --corpus corpus --labels llm.jsonl --strings --locate nearest --out llm.aligned.jsonl
  ieval align --corpus corpus --labels ls.jsonl --offsets utf16 --out gold.jsonl --format json

Labels (--labels), read as `convert` reads them (--from to choose), or:
  --strings            string-only JSONL: {\"doc_id\", \"entities\": [{\"text\", \"label\"}],
                       \"events\": [{\"type\", \"trigger\", \"arguments\": {\"Role\": [\"...\"]}}]};
                       found in the corpus document with that id (see --locate)
  --relative-to UNIT   JSONL, one line per sentence or paragraph: {\"doc_id\", \"sentence\": i
                       (or \"paragraph\": i), \"text\"?, \"entities\", \"events\"}, offsets counted
                       from the unit's start; without \"text\" the corpus document's own units
A JSONL file whose first line has no \"text\" is read as --strings (with \"sentence\" or
\"paragraph\", as --relative-to).

How documents pair (--pair): auto (default) aligns a labels document with the corpus
document of the same id, or with the whole corpus when there is none (or when less than
half of its text aligns by id); its labels then land in whichever documents its text
matches, in any order. id requires the ids to match; content ignores them.

How text is compared: whitespace is ignored; NFKC forms, curly quotes and apostrophes,
dashes, HTML character references and PTB tokens (`` '' -LRB- ...) are folded; case too
with --ignore-case. A label is placed when the corpus text at its aligned place has the same
normalized text; classes: exact (same text, same offsets), shifted (same text, other
offsets), retokenized (differs only in whitespace or normalization, or cuts a corpus
token), ambiguous (a string found several times), unalignable (with the reason).

Strings (--locate): a string matches on word boundaries (\"Xi\" is not found in \"Xinhua\").
  nearest (default)   the k-th listing of an entity takes its k-th occurrence; an event's
                      trigger is the occurrence closest to its arguments, each argument the
                      occurrence closest to the trigger
  first               k-th listing, k-th occurrence; arguments their first occurrence
  all                 every occurrence (an event once per trigger occurrence)

Unalignable labels (--unaligned): keep (default) writes them with an empty span at 0 and the
attribute ieval:unaligned, so gold counts as missed and predictions as spurious; drop
leaves them out; error (or --strict) fails. The report says how many of each.

Output (--out): FILE.jsonl (ieval JSONL with the corpus text inline; one set, --set),
FILE.parquet (one annotation set: gold.parquet is the gold set, any other name a system of
that name, e.g. corpus/systems/luke.parquet), or a directory (every set, as gold.parquet and
systems/<name>.parquet; documents.parquet is added when missing). Written atomically.";

use std::path::{Path, PathBuf};

use ieval::align::input::{RelativeTo, read_relative, read_strings};
use ieval::align::{AlignOptions, Aligned, Aligner, LabelOptions, Locate, NormalizeOptions, Pairing, Unaligned};
use ieval::formats::jsonl::JsonlWriter;
use ieval::formats::parquet::{AnnotationsWriter, DocumentsWriter, set_file_name};
use ieval::formats::{self, Corpus, Diagnostics, ReadOptions, Record};
use ieval::model::{AnnotationSet, Document, SetKind, SetMeta, validate_set_name};
use ieval::output::AtomicFile;
use ieval::report::TableFormat;
use ieval::{Error, Result};

use super::stats::describe;
use super::{Global, InputArgs, Out, ReportFormat};

#[derive(clap::Args)]
#[command(about = "Align labels made on other text onto the corpus text", long_about = LONG_HELP)]
pub struct Args {
    /// The corpus: a corpus directory, or any input `convert` reads (its documents are used).
    #[arg(long, value_name = "DIR")]
    corpus: PathBuf,
    /// The labels to align (files or a directory).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    labels: Vec<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
    /// The labels are string-only JSONL (no offsets).
    #[arg(long, conflicts_with = "relative_to")]
    strings: bool,
    /// The labels' offsets count from the start of their sentence or paragraph.
    #[arg(long, value_name = "UNIT")]
    relative_to: Option<RelativeTo>,
    /// Which occurrences string labels take: nearest, first, all.
    #[arg(long, default_value = "nearest", value_name = "POLICY")]
    locate: Locate,
    /// Compare texts case-insensitively.
    #[arg(long)]
    ignore_case: bool,
    /// How labels documents pair with corpus documents: auto, id, content.
    #[arg(long, default_value = "auto", value_name = "HOW")]
    pair: Pairing,
    /// What to do with labels that cannot be placed: keep, drop, error.
    #[arg(long, default_value = "keep", value_name = "POLICY")]
    unaligned: Unaligned,
    /// Output: FILE.jsonl, FILE.parquet, or a directory.
    #[arg(long, short = 'o')]
    out: PathBuf,
    /// For a single-set output: which set of the labels to write.
    #[arg(long)]
    set: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Write the report to a file instead of stdout.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Examples kept per class and set.
    #[arg(long, default_value_t = 10, value_name = "N")]
    examples: usize,
    /// Seed length (normalized characters) for the exact-match search.
    #[arg(long, default_value_t = 16, value_name = "N", value_parser = clap::value_parser!(u64).range(4..=256))]
    seed: u64,
}

/// What kind of labels input this is.
use ieval::align::input::{LabelInput as Kind, sniff};

/// Read a whole source into records.
fn records(mut src: Box<dyn formats::Source>) -> Result<(Vec<Record>, Vec<SetMeta>, Diagnostics)> {
    let sets = src.sets().to_vec();
    let mut out = Vec::new();
    let mut ids = ieval::model::DocIds::new();
    for r in src.by_ref() {
        let r = r?;
        ids.check(&r.document.id, &r.origin, r.origin.clone())?;
        out.push(r);
    }
    Ok((out, sets, src.take_diagnostics()))
}

pub fn run(args: Args, _g: &Global) -> Result<i32> {
    let ins: Vec<&Path> =
        std::iter::once(args.corpus.as_path()).chain(args.labels.iter().map(PathBuf::as_path)).collect();
    ieval::output::check_outputs(
        &[args.out.as_path()].into_iter().chain(args.report.as_deref()).collect::<Vec<_>>(),
        &ins,
    )?;
    if args.labels.len() != 1 && (args.strings || args.relative_to.is_some()) {
        return Err(Error::usage("--strings and --relative-to read one file"));
    }
    let corpus_fmt = formats::Format::detect(&args.corpus)?;
    let corpus =
        Corpus::collect(formats::open(corpus_fmt, std::slice::from_ref(&args.corpus), &ReadOptions::default())?)?;
    if corpus.documents.is_empty() {
        return Err(Error::data(args.corpus.display().to_string(), "the corpus has no documents"));
    }
    let docs = corpus.documents;
    let opts = LabelOptions {
        text: AlignOptions {
            normalize: NormalizeOptions { ignore_case: args.ignore_case },
            seed: args.seed as usize,
            jump_cost: args.seed as usize,
            ..Default::default()
        },
        pairing: args.pair,
        unaligned: if args.input.strict { Unaligned::Error } else { args.unaligned },
        locate: args.locate,
        examples: args.examples,
        ..Default::default()
    };
    let aligner = Aligner::new(&docs, opts);
    let kind = if args.strings {
        Kind::Strings
    } else if let Some(u) = args.relative_to {
        Kind::Relative(u)
    } else if args.input.from.is_none() {
        sniff(&args.labels[0]).unwrap_or(Kind::Standard)
    } else {
        Kind::Standard
    };
    let ropts = args.input.read_options();
    let source = describe(&args.labels);
    let mut diag = Diagnostics::default();
    let mut aligned: Aligned = match kind {
        Kind::Strings => {
            let sdocs = read_strings(&args.labels[0], &mut diag)?;
            let mut meta = [ropts.single_set(format!("strings:{source}"))];
            if args.input.names.is_empty() {
                // String-only labels are a system's output (an LLM's): a system set named
                // after the file, not "gold", unless --names says otherwise.
                meta[0].kind = SetKind::System { name: file_safe_stem(&args.labels[0]), version: None };
            }
            name_file_set(&args, &mut meta)?;
            aligner.locate(&sdocs, &meta[0])?
        }
        Kind::Relative(u) => {
            let recs = read_relative(&args.labels[0], u, ropts.offsets, &docs, &mut diag)?;
            let mut meta = [ropts.single_set(format!(
                "relative-{}:{source}",
                if u == RelativeTo::Sentence { "sentence" } else { "paragraph" }
            ))];
            name_file_set(&args, &mut meta)?;
            aligner.align(&recs, &meta)?
        }
        Kind::Standard => {
            let fmt = args.input.format_of(&args.labels)?;
            let (recs, mut sets, d) = records(formats::open(fmt, &args.labels, &ropts)?)?;
            diag = d;
            if recs.is_empty() {
                return Err(Error::data(source, "no documents in the labels input"));
            }
            if sets.is_empty() {
                return Err(Error::data(source, "the labels input carries no annotation set"));
            }
            name_file_set(&args, &mut sets)?;
            aligner.align(&recs, &sets)?
        }
    };
    aligned.report.reading = diag;
    write_output(&args, &docs, &aligned.sets, corpus_fmt.name())?;

    let mut out = Out::open(args.report.as_deref())?;
    let text = match args.format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(&aligned.report).map_err(|e| Error::data("align report", e.to_string()))?
                + "\n"
        }
        f => {
            let tf = match f {
                ReportFormat::Markdown => TableFormat::Markdown,
                ReportFormat::Csv => TableFormat::Csv,
                _ => TableFormat::Text,
            };
            let mut s = String::new();
            if f == ReportFormat::Table {
                s.push_str(&format!("aligned {} onto {} -> {}\n\n", source, args.corpus.display(), args.out.display()));
            }
            s + &aligned.report.tables().iter().map(|t| t.render(tf)).collect::<Vec<_>>().join("\n")
        }
    };
    out.put(&text)?;
    out.finish()?;
    Ok(0)
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

/// A set written to `gold.parquet` is the gold, to `NAME.parquet` the system NAME. Decided
/// before aligning, so that the report and the unaligned labels' effect (missed or
/// spurious) follow the set as it is written (the report called a system "gold (gold)").
fn name_file_set(args: &Args, sets: &mut [SetMeta]) -> Result<()> {
    let ext = args.out.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    if ext != "parquet" {
        return Ok(());
    }
    let names = sets.iter().map(|m| m.name().to_string()).collect::<Vec<_>>();
    let k = pick_name(&names, args.set.as_deref())?;
    let stem = args.out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
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
    let by_id: std::collections::HashMap<&str, &Document> = docs.iter().map(|d| (d.id.as_str(), d)).collect();
    for ann in &set.docs {
        let doc = by_id[ann.doc_id.as_str()];
        w.write(ann, &doc.text)?;
    }
    w.finish()
}

fn write_output(args: &Args, docs: &[Document], sets: &[AnnotationSet], corpus_format: &str) -> Result<()> {
    let ext = args.out.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    let by_id: std::collections::HashMap<&str, &Document> = docs.iter().map(|d| (d.id.as_str(), d)).collect();
    match ext.as_str() {
        "jsonl" | "ndjson" => {
            let k = pick(sets, args.set.as_deref())?;
            let mut w = JsonlWriter::new(AtomicFile::create(&args.out)?, &args.out);
            for ann in &sets[k].docs {
                w.write(by_id[ann.doc_id.as_str()], ann)?;
            }
            w.finish()?.commit()
        }
        "parquet" => {
            let k = pick(sets, args.set.as_deref())?;
            write_set(&args.out, &sets[k], docs)?;
            // Into a corpus directory (DIR/gold.parquet, DIR/systems/NAME.parquet): its card
            // names the new table.
            let parent = args.out.parent().unwrap_or(Path::new(""));
            let dir = if parent.file_name().is_some_and(|n| n == "systems") { parent.parent() } else { Some(parent) };
            match dir {
                Some(d) => ieval::formats::parquet::refresh_corpus_card(d),
                None => Ok(()),
            }
        }
        _ => {
            let dir = &args.out;
            if ieval::formats::parquet::is_partitioned(dir) {
                return Err(Error::usage(format!(
                    "{} is a partitioned corpus: align writes sets into flat corpus directories (give another --out)",
                    dir.display()
                )));
            }
            let mut files = std::collections::HashSet::new();
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
                    &format!("{corpus_format}:{}", args.corpus.display()),
                )?;
                for d in docs {
                    w.write(d)?;
                }
                w.finish()?;
            }
            ieval::formats::parquet::refresh_corpus_card(dir)
        }
    }
}
