const LONG_HELP: &str = "Convert annotated input into ieval's Parquet corpus layout (or into \
JSONL or CoNLL), and report what was read: documents, sentences, tokens, mentions per label, \
events, and every repair made.

Plain-text news articles (a .txt file, or a directory of them without BRAT .ann files) are
read with a layout heuristic: headline, standfirst, dateline and body become the text; the
section, byline and date lines, a repeated headline and the publisher's footer go to the
document metadata (title, published, source, and meta keys). They carry no annotations.

Output (--out), chosen by --to or by the path:
  DIR            a corpus directory: documents.parquet, gold.parquet, systems/<name>.parquet
  FILE.jsonl     ieval JSONL (one set: --set NAME, default gold or the only set)
  FILE.conll     CoNLL, one tag column per set (--scheme-out iob2 or iobes)

Predictions (--pred [NAME=]PATH, repeatable) are added to the corpus as systems
(systems/NAME.parquet), paired with the input's documents by id: one corpus directory with
the gold and every system, read back as one stream.

Large corpora: --partition-by split|source|published-month writes a hive-style dataset
(documents/KEY=VALUE/part-00000.parquet, gold/..., systems/NAME/...) that DuckDB, polars,
Spark and pyarrow read as one table per directory and every ieval command reads like a
corpus directory; documents without a value go to KEY=~none.
--shard K/N (0-based) writes only the documents whose id hashes to K (FNV-1a 64 mod N).
Conversion streams: memory holds a few batches of documents, whatever the corpus size.

Outputs are written to a temporary file (a corpus: a temporary directory beside it, .NAME.
XXXXXX.tmp) and renamed into place, so a failed or killed run leaves no partial output
and never damages an earlier one: --out holds the old corpus or the new one, whole. An
existing --out directory must be empty or provably an ieval corpus (every file in it
an ieval table; it is replaced as a whole): anything else is refused.

Input formats (--from, guessed when absent): parquet (a corpus directory), conll, jsonl
(ieval), brat (.txt + .ann pairs; a directory is searched recursively), prodigy and doccano
(JSON Lines), labelstudio (a JSON export; predictions become system sets), re3d (folders
of documents/entities/relations.json), meantime (CAT XML), textee (TextEE / OneIE JSON
Lines), article (plain text), hf (Hugging Face datasets token classification data:
Parquet, Arrow or JSON Lines with a token list and a tag list), spacy (Doc.to_json() JSON
Lines, or a DocBin .spacy file). Offsets of every input are converted to the canonical byte
spans; each reader's module documentation says which unit it reads, and the README has a
table of them.

Whatever a reader cannot represent is kept (attributes, document metadata) or counted in
the report; --strict makes each such repair an error naming the file and line.

Examples:
  ieval convert ../shared/corpora/conll2003/eng.testb --out corpus/testb
  ieval convert ../shared/corpora/nerel/NEREL-v1.1 --out corpus/nerel
  ieval convert export.json --from labelstudio --ls-annotation last --out corpus/ls
  ieval convert news.jsonl --from prodigy --include-rejected --out corpus/news
  ieval convert spacy.conll --tag-cols 1- --names gold,spacy --out corpus/spacy
  ieval convert ../shared/corpora/meantime --out corpus/meantime
  ieval convert textee/test.jsonl --from textee --out corpus/textee-test
  ieval convert corpus/testb --to jsonl --out testb.jsonl
  ieval convert ../shared/articles --to jsonl --out articles.jsonl
  ieval convert corpus/testb --to conll --scheme-out iobes --out testb.iobes.conll
  ieval convert conll_sharp.txt --align --corpus corpus/testb --out sharp_on_testb/
  ieval convert gold.jsonl --pred v1=v1.jsonl --pred v2=v2.jsonl --out corpus/news
  ieval convert news.jsonl --partition-by published-month --out corpus/news-by-month
  ieval convert corpus/news --shard 0/8 --out corpus/news-shard-0";

use std::path::{Path, PathBuf};

use ieval::formats::conll::ConllWriter;
use ieval::formats::jsonl::JsonlWriter;
use ieval::formats::parquet::{CorpusWriter, PartitionBy, PartitionedWriter};
use ieval::formats::{self, Diagnostics, ShardFilter, Source};
use ieval::inputs::{Input, Inputs, Missing, PairBy, Pairing};
use ieval::output::{AtomicDir, AtomicFile};
use ieval::report::TableFormat;
use ieval::shard::Shard;
use ieval::stats::CorpusStats;
use ieval::tags::Scheme;
use ieval::{Error, Result};

use super::stats::{describe, render};
use super::{Global, InputArgs, Out, ReportFormat};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    Parquet,
    Jsonl,
    Conll,
}

#[derive(clap::Args)]
#[command(about = "Convert CoNLL, JSONL, BRAT, ... into the Parquet corpus layout", long_about = LONG_HELP)]
pub struct Args {
    /// Input files or directories.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
    /// Output: a corpus directory, a .jsonl file or a .conll file.
    #[arg(long, short = 'o')]
    out: PathBuf,
    /// Output format (default: from --out: .jsonl, .conll/.txt, else a corpus directory).
    #[arg(long, value_enum)]
    to: Option<OutFormat>,
    /// JSONL output: which set to write.
    #[arg(long)]
    set: Option<String>,
    /// CoNLL output: tag scheme.
    #[arg(long, default_value = "iob2")]
    scheme_out: Scheme,
    /// Format of the report printed after conversion.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Align the input's labels onto the documents of --corpus (another tokenization,
    /// drifted text, other offset units) and write them over the corpus text; the
    /// alignment report is printed first (see `ieval align`, which also reads string-only
    /// and sentence-relative labels).
    #[arg(long, requires = "corpus")]
    align: bool,
    /// With --align: the corpus whose documents the labels are placed on.
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Add a system's predictions, `[NAME=]PATH` (repeatable): written as
    /// systems/NAME.parquet, paired with the input's documents by id.
    #[arg(long, short = 'p', value_name = "[NAME=]PATH")]
    pred: Vec<String>,
    /// With --pred: a document on one side only is an error (default), or empty (an
    /// unannotated document in the set that lacks it).
    #[arg(long, default_value = "error", value_name = "POLICY")]
    missing: Missing,
    /// Write only shard K of N (0-based: 0/4 .. 3/4; documents by FNV-1a 64 of their id
    /// mod N).
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Write a partitioned (hive-style) corpus: split, source or published-month.
    #[arg(long, value_name = "KEY")]
    partition_by: Option<PartitionBy>,
}

enum Sink {
    Parquet(Box<CorpusWriter>, AtomicDir),
    Partitioned(Box<PartitionedWriter>, AtomicDir),
    Jsonl(JsonlWriter<AtomicFile>, usize),
    Conll(ConllWriter<AtomicFile>),
}

/// The directories an output would create, so that a failed conversion can remove them
/// again (only while empty: nothing that was there before is touched).
struct NewDirs(Vec<PathBuf>);

impl NewDirs {
    /// `dirs` deepest first; each missing one and its missing ancestors are recorded.
    fn before(dirs: &[PathBuf]) -> Self {
        let mut v: Vec<PathBuf> = Vec::new();
        for d in dirs {
            let mut cur = Some(d.as_path());
            while let Some(p) = cur.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
                if !v.iter().any(|x| x == p) {
                    v.push(p.to_path_buf());
                }
                cur = p.parent();
            }
        }
        NewDirs(v)
    }

    fn remove(&self) {
        for d in &self.0 {
            let _ = std::fs::remove_dir(d);
        }
    }
}

pub fn run(args: Args, _g: &Global) -> Result<i32> {
    {
        let preds: Vec<PathBuf> = args.pred.iter().map(|p| super::split_pred(p).1).collect();
        let ins: Vec<&Path> =
            args.inputs.iter().chain(&preds).map(PathBuf::as_path).chain(args.corpus.as_deref()).collect();
        ieval::output::check_outputs(&[&args.out], &ins)?;
    }
    let format = args.input.format_of(&args.inputs)?;
    let mut src = formats::open(format, &args.inputs, &args.input.read_options())?;
    if let (true, Some(corpus)) = (args.align, &args.corpus) {
        let f = formats::Format::detect(corpus)?;
        let docs =
            formats::Corpus::collect(formats::open(f, std::slice::from_ref(corpus), &Default::default())?)?.documents;
        let opts = ieval::align::LabelOptions {
            unaligned: if args.input.strict { ieval::align::Unaligned::Error } else { ieval::align::Unaligned::Keep },
            ..Default::default()
        };
        let (aligned, report) = ieval::align::Aligner::new(&docs, opts).align_source(src)?;
        src = Box::new(aligned);
        if args.format == ReportFormat::Table {
            let text: Vec<String> = report.tables().iter().take(4).map(|t| t.render(TableFormat::Text)).collect();
            Out::open(None)?.put(&(text.join("\n") + "\n"))?;
        }
    }
    if !args.pred.is_empty() {
        if args.missing == Missing::Skip {
            return Err(Error::usage("convert --pred: --missing is error or empty"));
        }
        let preds = super::named_preds(&args.pred)
            .into_iter()
            .fold(Inputs::builder(Input::path(&args.inputs[0])), |b, (name, path)| b.pred(name, Input::Path(path)))
            .reader(args.input.reader_spec())
            .open_predictions()?;
        let pairing = Pairing::new(src, preds, PairBy::Id, args.missing)?.restrict(args.shard);
        src = Box::new(pairing.into_source());
    } else if let Some(shard) = args.shard.filter(|s| !s.is_all()) {
        src = Box::new(ShardFilter::new(src, shard));
    }
    let to = args.to.unwrap_or_else(|| {
        let ext = args.out.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "jsonl" | "ndjson" => OutFormat::Jsonl,
            "conll" | "txt" | "iob" | "bio" => OutFormat::Conll,
            _ => OutFormat::Parquet,
        }
    });
    if args.partition_by.is_some() && to != OutFormat::Parquet {
        return Err(Error::usage("--partition-by writes a corpus directory: leave out --to, or give --to parquet"));
    }
    if to == OutFormat::Parquet && args.out.exists() {
        // A first look (errors in the input come before a full check, at the end).
        let empty = std::fs::read_dir(&args.out).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !args.out.is_dir() || !(empty || ieval::formats::parquet::is_corpus_dir(&args.out)) {
            return Err(Error::usage(format!(
                "{} exists and is not an ieval corpus directory: not replacing it (give a new --out)",
                args.out.display()
            )));
        }
    }
    let new_dirs = NewDirs::before(&[args.out.parent().map(Path::to_path_buf).unwrap_or_default()]);
    let r = convert(&args, format, src, to);
    if r.is_err() {
        // The writers are gone by now (their temporary files with them).
        new_dirs.remove();
    }
    r
}

fn convert(args: &Args, format: formats::Format, mut src: Box<dyn Source>, to: OutFormat) -> Result<i32> {
    let provenance = format!("{}:{}", format.name(), describe(&args.inputs));
    let mut write_diag = Diagnostics::default();
    let mut sink = match (to, args.partition_by) {
        (OutFormat::Parquet, None) => {
            let dir = AtomicDir::create(&args.out)?;
            Sink::Parquet(Box::new(CorpusWriter::create(dir.path(), src.sets(), &provenance)?), dir)
        }
        (OutFormat::Parquet, Some(by)) => {
            let dir = AtomicDir::create(&args.out)?;
            Sink::Partitioned(Box::new(PartitionedWriter::create(dir.path(), src.sets(), &provenance, by)?), dir)
        }
        (OutFormat::Jsonl, _) => {
            let k = pick_set(src.as_ref(), args.set.as_deref())?;
            Sink::Jsonl(JsonlWriter::new(AtomicFile::create(&args.out)?, &args.out), k)
        }
        (OutFormat::Conll, _) => {
            Sink::Conll(ConllWriter::new(AtomicFile::create(&args.out)?, args.scheme_out, &args.out))
        }
    };

    let mut stats = CorpusStats::new(src.sets());
    // Ids seen, with their position: a million documents cost tens of megabytes here, not
    // their origins.
    let mut ids = ieval::model::DocIds::new();
    for rec in src.by_ref() {
        let rec = rec?;
        let n = Nth(ids.len() as u64 + 1);
        ids.check(&rec.document.id, &rec.origin, n)?;
        stats.add(&rec);
        match &mut sink {
            Sink::Parquet(w, _) => w.write(&rec.document, &rec.sets)?,
            Sink::Partitioned(w, _) => w.write(&rec.document, &rec.sets)?,
            Sink::Jsonl(w, k) => match rec.sets.get(*k) {
                Some(a) => w.write(&rec.document, a)?,
                None => w.write(&rec.document, &ieval::model::DocAnnotations::new(rec.document.id.clone()))?,
            },
            Sink::Conll(w) => {
                let sets: Vec<&ieval::model::DocAnnotations> = rec.sets.iter().collect();
                w.write(&rec.document, &sets, &mut write_diag)?
            }
        }
    }
    if stats.documents == 0 && args.shard.is_none_or(|s| s.is_all()) {
        return Err(Error::data(describe(&args.inputs), "no documents: the input is empty"));
    }
    stats.diagnostics = src.take_diagnostics();
    stats.diagnostics.merge(write_diag);
    match sink {
        Sink::Parquet(w, dir) => {
            w.finish()?;
            // Only what is provably an ieval corpus is replaced.
            ieval::formats::parquet::layout::check_replaceable(dir.target())?;
            dir.commit()?
        }
        Sink::Partitioned(w, dir) => {
            w.finish()?;
            // Only what is provably an ieval corpus is replaced.
            ieval::formats::parquet::layout::check_replaceable(dir.target())?;
            dir.commit()?
        }
        Sink::Jsonl(w, _) => w.finish()?.commit()?,
        Sink::Conll(w) => w.finish()?.commit()?,
    }
    let mut out = Out::open(None)?;
    if args.format == ReportFormat::Table {
        out.put(&format!("converted {} documents to {}\n\n", stats.documents, display(&args.out)))?;
    }
    out.put(&render(&stats, args.format)?)?;
    out.finish()?;
    Ok(0)
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

fn pick_set(src: &dyn Source, name: Option<&str>) -> Result<usize> {
    let sets = src.sets();
    match name {
        Some(n) => sets
            .iter()
            .position(|s| s.name() == n)
            .ok_or_else(|| Error::usage(format!("no set named {n:?} (the input has: {})", names(src)))),
        None if sets.len() <= 1 => Ok(0),
        None => {
            Err(Error::usage(format!("JSONL holds one set: choose one with --set (the input has: {})", names(src))))
        }
    }
}

fn names(src: &dyn Source) -> String {
    src.sets().iter().map(|s| s.name().to_string()).collect::<Vec<_>>().join(", ")
}

/// The position of a document in the input, as a duplicate-id error names it.
struct Nth(u64);

impl std::fmt::Display for Nth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "document {} of the input", self.0)
    }
}
