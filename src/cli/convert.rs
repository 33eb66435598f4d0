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

Outputs are written to a temporary file and renamed into place, so a failed run leaves
nothing behind and never damages an earlier output.

Input formats (--from, guessed when absent): parquet (a corpus directory), conll, jsonl
(ieval), brat (.txt + .ann pairs; a directory is searched recursively), prodigy and doccano
(JSON Lines), labelstudio (a JSON export; predictions become system sets), re3d (folders
of documents/entities/relations.json), meantime (CAT XML), textee (TextEE / OneIE JSON
Lines), article (plain text). Offsets of every input are converted to the canonical byte
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
  ieval convert conll_sharp.txt --align --corpus corpus/testb --out sharp_on_testb/";

use std::path::{Path, PathBuf};

use ieval::formats::conll::ConllWriter;
use ieval::formats::jsonl::JsonlWriter;
use ieval::formats::parquet::CorpusWriter;
use ieval::formats::{self, Diagnostics, Source};
use ieval::output::AtomicFile;
use ieval::report::TableFormat;
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
}

enum Sink {
    Parquet(Box<CorpusWriter>),
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
    let to = args.to.unwrap_or_else(|| {
        let ext = args.out.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "jsonl" | "ndjson" => OutFormat::Jsonl,
            "conll" | "txt" | "iob" | "bio" => OutFormat::Conll,
            _ => OutFormat::Parquet,
        }
    });
    let new_dirs = match to {
        OutFormat::Parquet => NewDirs::before(&[args.out.join("systems"), args.out.clone()]),
        _ => NewDirs::before(&[args.out.parent().map(Path::to_path_buf).unwrap_or_default()]),
    };
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
    let mut sink = match to {
        OutFormat::Parquet => Sink::Parquet(Box::new(CorpusWriter::create(&args.out, src.sets(), &provenance)?)),
        OutFormat::Jsonl => {
            let k = pick_set(src.as_ref(), args.set.as_deref())?;
            Sink::Jsonl(JsonlWriter::new(AtomicFile::create(&args.out)?, &args.out), k)
        }
        OutFormat::Conll => Sink::Conll(ConllWriter::new(AtomicFile::create(&args.out)?, args.scheme_out, &args.out)),
    };
    let mut stats = CorpusStats::new(src.sets());
    let mut seen = std::collections::HashMap::new();
    for rec in src.by_ref() {
        let rec = rec?;
        if let Some(first) = seen.insert(rec.document.id.clone(), rec.origin.clone()) {
            return Err(Error::data(
                rec.origin,
                format!("duplicate document id {:?} (first seen at {first})", rec.document.id),
            ));
        }
        stats.add(&rec);
        match &mut sink {
            Sink::Parquet(w) => w.write(&rec.document, &rec.sets)?,
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
    if stats.documents == 0 {
        return Err(Error::data(describe(&args.inputs), "no documents: the input is empty"));
    }
    stats.diagnostics = src.take_diagnostics();
    stats.diagnostics.merge(write_diag);
    match sink {
        Sink::Parquet(w) => w.finish()?,
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
