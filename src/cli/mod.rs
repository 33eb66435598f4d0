//! Command-line interface: one file per command (long help first, then `Args`, then
//! `run`). Only this module and `main.rs` know about clap, stdout and exit codes.

mod align;
mod compare;
mod convert;
mod coref;
mod linking;
mod merge;
mod progress;
mod report;
mod run;
mod schemas;
mod score;
mod stats;
#[cfg(feature = "analysis")]
mod table;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use ieval::formats::Format;
use ieval::formats::conll::TagColumns;
use ieval::formats::labelstudio::AnnotationPick;
use ieval::inputs::{Input, Inputs, InputsBuilder, ReaderSpec};
use ieval::output::AtomicFile;
use ieval::tags::{Policy, Scheme};
use ieval::text::OffsetUnit;
use ieval::{Error, Result};

#[derive(Parser)]
#[command(
    name = "ieval",
    version,
    about = "Evaluation harness for information extraction on news",
    long_about = "ieval converts annotated corpora into one Parquet layout, aligns gold labels and \
system outputs to the article text, and scores entity and event extraction systems.\n\n\
Offsets in every public file are Unicode code points, end-exclusive.",
    propagate_version = true
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Args, Clone, Debug)]
pub struct Global {
    /// Worker threads for parallel work, and commands `run` starts at a time (0 = all
    /// cores; at most 8 per core: more is capped, with a note).
    #[arg(long, short = 'j', global = true, default_value_t = 0)]
    pub jobs: usize,
    /// Longest line the line-by-line readers accept (JSONL, Prodigy, doccano, TextEE, BRAT
    /// `.ann`), in bytes, with an optional K, M or G suffix (binary units).
    #[arg(long, global = true, default_value = "256M", value_name = "SIZE", value_parser = parse_size)]
    pub max_line: usize,
    /// No progress output on stderr.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    Convert(convert::Args),
    Align(align::Args),
    Stats(stats::Args),
    Score(score::Args),
    Merge(merge::Args),
    Compare(compare::Args),
    Report(report::Args),
    #[cfg(feature = "analysis")]
    Table(table::Args),
    Run(run::Args),
    Schemas(schemas::Args),
    Coref(coref::Args),
}

/// Run the CLI on `args` (the program name first, as `std::env::args_os`) and return the
/// process exit status. The binary and the Python package's `ieval` command both call this.
pub fn main<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    ieval::output::catch_file_size_signal();
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let mut cli = cli;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = capped_jobs(cli.global.jobs, cores);
    if jobs < cli.global.jobs && !cli.global.quiet {
        eprintln!("ieval: note: --jobs {} capped at {jobs} ({JOBS_PER_CORE} per core, {cores} cores)", cli.global.jobs);
    }
    cli.global.jobs = jobs;
    ieval::formats::lines::set_max_line(cli.global.max_line);
    let result = match start_pool(jobs) {
        Err(e) => Err(e),
        Ok(()) => run_command(cli),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => 0,
        Err(e) => {
            // Outputs are written under temporary names (`.NAME.PID.XXXXXX.tmp`): an error
            // names the output the user asked for.
            let top = ieval::output::untemp_text(&e.to_string());
            eprintln!("ieval: error: {top}");
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                let cause = ieval::output::untemp_text(&s.to_string());
                if !top.contains(&cause) {
                    eprintln!("  caused by: {cause}");
                }
                src = s.source();
            }
            e.exit_code()
        }
    }
}

/// Run one command line (program name first) in a process that already has a worker pool
/// (the Python package's `ieval.convert`): parsed as [`main`] parses it, run on the
/// caller's pool, errors returned instead of printed.
#[allow(dead_code)]
pub fn run_args<I, T>(args: I) -> Result<i32>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::try_parse_from(args).map_err(|e| Error::usage(e.render().to_string().trim_end().to_string()))?;
    ieval::formats::lines::set_max_line(cli.global.max_line);
    run_command(cli)
}

/// A byte size: digits with an optional `K`, `M` or `G` (binary units, `B`/`iB` allowed).
fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let body = upper.trim_end_matches('B').trim_end_matches('I');
    let (digits, shift) = match body.chars().last() {
        Some('K') => (&body[..body.len() - 1], 10),
        Some('M') => (&body[..body.len() - 1], 20),
        Some('G') => (&body[..body.len() - 1], 30),
        _ => (body, 0),
    };
    let n: usize = digits.trim().parse().map_err(|_| format!("{s:?} is not a size (e.g. 1048576, 64K, 256M, 1G)"))?;
    let bytes = n.checked_mul(1usize << shift).ok_or_else(|| format!("{s:?} is too large"))?;
    if bytes == 0 {
        return Err("the size must be at least 1 byte".into());
    }
    Ok(bytes)
}

/// `--jobs` is capped at this many threads (or concurrent `run` commands) per core: more
/// only costs memory, and thousands of threads can fail to start.
pub const JOBS_PER_CORE: usize = 8;

/// The `--jobs` to use: `requested` (0 = as many as cores), at most [`JOBS_PER_CORE`] per core.
fn capped_jobs(requested: usize, cores: usize) -> usize {
    requested.min(JOBS_PER_CORE * cores.max(1))
}

/// Start the global worker pool of `jobs` threads (0 = rayon's default, one per core); a
/// thread that cannot be started is an error, not a panic later.
fn start_pool(jobs: usize) -> Result<()> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build_global()
        .map_err(|e| Error::usage(format!("cannot start {jobs} worker threads: {e} (try a smaller --jobs)")))
}

fn run_command(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Convert(a) => convert::run(a, &cli.global),
        Command::Align(a) => align::run(a, &cli.global),
        Command::Stats(a) => stats::run(a, &cli.global),
        Command::Score(a) => score::run(a, &cli.global),
        Command::Merge(a) => merge::run(a, &cli.global),
        Command::Compare(a) => compare::run(a, &cli.global),
        Command::Report(a) => report::run(a, &cli.global),
        #[cfg(feature = "analysis")]
        Command::Table(a) => table::run(a, &cli.global),
        Command::Run(a) => run::run(a, &cli.global),
        Command::Schemas(a) => schemas::run(a, &cli.global),
        Command::Coref(a) => coref::run(a, &cli.global),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn jobs_are_capped_per_core() {
        assert_eq!(super::capped_jobs(0, 2), 0);
        assert_eq!(super::capped_jobs(3, 2), 3);
        assert_eq!(super::capped_jobs(100_000, 2), 2 * super::JOBS_PER_CORE);
        assert_eq!(super::capped_jobs(100_000, 0), super::JOBS_PER_CORE);
    }

    #[test]
    fn sizes() {
        assert_eq!(super::parse_size("256M"), Ok(256 << 20));
        assert_eq!(super::parse_size("64KiB"), Ok(64 << 10));
        assert_eq!(super::parse_size("1g"), Ok(1 << 30));
        assert_eq!(super::parse_size("100"), Ok(100));
        assert!(super::parse_size("0").is_err());
        assert!(super::parse_size("12X").is_err());
    }
}

/// Reader options shared by every command that reads annotated input.
/// How systems are read and paired with the gold, and whose definitions score them:
/// the options `score`, `compare` and `report` share.
#[derive(Args, Clone, Debug)]
pub struct ScoringArgs {
    /// CoNLL predictions: tag columns (default: the last).
    #[arg(long, value_name = "COLS", allow_hyphen_values = true)]
    pub pred_tag_cols: Option<TagColumns>,
    /// Whose definitions to score by.
    #[arg(long, default_value = "default")]
    pub profile: ieval::score::Profile,
    /// How prediction documents pair with gold documents: auto, id, tokens.
    #[arg(long, default_value = "auto")]
    pub pair: ieval::inputs::PairBy,
    /// A document on one side only: error, empty (score against nothing) or skip.
    #[arg(long, default_value = "error")]
    pub missing: ieval::inputs::Missing,
}

impl ScoringArgs {
    /// The library's input builder for a gold path and named predictions (see
    /// [`named_preds`]), read with `input` and paired and decoded as these options say.
    pub fn inputs(&self, gold: &Path, preds: Vec<(String, PathBuf)>, input: &InputArgs) -> InputsBuilder {
        preds
            .into_iter()
            .fold(Inputs::builder(Input::path(gold)), |b, (name, path)| b.pred(name, Input::Path(path)))
            .reader(input.reader_spec())
            .profile(self.profile)
            .pair(self.pair)
            .missing(self.missing)
            .pred_tag_columns(self.pred_tag_cols.clone())
    }
}

/// What `score` and `report` evaluate: the gold input, the systems' predictions, how they
/// are read and paired, and the profile.
#[derive(Args, Clone, Debug)]
pub struct EvalArgs {
    /// The gold input: corpus directory, CoNLL or JSONL.
    #[arg(long, short = 'g')]
    pub gold: PathBuf,
    /// A system's predictions, `[NAME=]PATH` (repeatable). A `.parquet` annotation file is
    /// read against the gold corpus's documents.
    #[arg(long, short = 'p', value_name = "[NAME=]PATH")]
    pub pred: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub scoring: ScoringArgs,
}

impl EvalArgs {
    /// The library's input builder for these arguments ([`ScoringArgs::inputs`]).
    pub fn inputs(&self) -> InputsBuilder {
        self.scoring.inputs(&self.gold, named_preds(&self.pred), &self.input)
    }

    /// The input paths, gold first: what no output may overwrite.
    pub fn paths(&self) -> Vec<PathBuf> {
        std::iter::once(self.gold.clone()).chain(self.pred.iter().map(|p| split_pred(p).1)).collect()
    }
}

/// `--pred [NAME=]PATH` arguments as (name, path): a bare path is named after its file.
pub fn named_preds(preds: &[String]) -> Vec<(String, PathBuf)> {
    preds
        .iter()
        .map(|p| {
            let (name, path) = split_pred(p);
            (name.unwrap_or_else(|| stem(&path)), path)
        })
        .collect()
}

/// Split `NAME=PATH` (a bare path takes no name).
pub fn split_pred(s: &str) -> (Option<String>, PathBuf) {
    match s.split_once('=') {
        Some((n, p)) if !n.is_empty() && !n.contains('/') && !Path::new(s).exists() => {
            (Some(n.to_string()), PathBuf::from(p))
        }
        _ => (None, PathBuf::from(s)),
    }
}

/// A system name from a file name: its stem, with other characters than `._-+` and ASCII
/// letters and digits made `_`.
pub fn stem(p: &Path) -> String {
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "system".into());
    let name = name.split('.').next().unwrap_or(&name).to_string();
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-+".contains(c) { c } else { '_' }).collect()
}

#[derive(Args, Clone, Debug, Default)]
pub struct InputArgs {
    /// Input format (default: guessed from the path): parquet, conll, jsonl, article (plain-text
    /// news articles, `.txt`), brat, prodigy, doccano, labelstudio, re3d, meantime (CAT XML
    /// files or a folder of them), textee (TextEE / OneIE JSON Lines).
    #[arg(long = "from", value_name = "FORMAT")]
    pub from: Option<Format>,
    /// CoNLL: tag scheme (iob1, iob2, ioe1, ioe2, iobes, bilou, bare); guessed when absent.
    #[arg(long)]
    pub scheme: Option<Scheme>,
    /// CoNLL: how to decode invalid tag sequences: lenient (conlleval, seqeval default) or
    /// strict (seqeval mode='strict').
    #[arg(long, value_name = "POLICY")]
    pub tag_policy: Option<Policy>,
    /// CoNLL: tag columns, 0-based, negative from the end: -1 (default), 1,2,3, or 1- (column
    /// 1 to the last: `token gold pred1 pred2 ...`).
    #[arg(long, value_name = "COLS", allow_hyphen_values = true)]
    pub tag_cols: Option<TagColumns>,
    /// CoNLL: token column (0-based; default 0).
    #[arg(long, value_name = "COL")]
    pub token_col: Option<usize>,
    /// CoNLL: columns are separated by single tabs (tokens may contain spaces), not by any
    /// whitespace.
    #[arg(long)]
    pub tab: bool,
    /// CoNLL: one document per N sentences (files without -DOCSTART- are otherwise one
    /// document).
    #[arg(long, value_name = "N")]
    pub sentences_per_doc: Option<usize>,
    /// Names of the annotation sets, comma-separated, in input order (CoNLL: one per tag
    /// column; default gold, pred1, pred2, ...). For single-set formats: the set's name.
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub names: Vec<String>,
    /// Unit of the offsets in ieval JSONL, BRAT, Prodigy and doccano inputs: char (code
    /// points, default), byte or utf16. (Label Studio always counts UTF-16 units.)
    #[arg(long, default_value = "char", value_name = "UNIT")]
    pub offsets: OffsetUnit,
    /// Prodigy: keep records answered reject or ignore (skipped by default, as Prodigy's
    /// own exports do).
    #[arg(long)]
    pub include_rejected: bool,
    /// Label Studio: which annotation of a task is the gold one: first (default), last, or
    /// N (1-based), among those not cancelled.
    #[arg(long, default_value = "first", value_name = "WHICH")]
    pub ls_annotation: AnnotationPick,
    /// Refuse to repair: any invalid tag sequence, malformed line or shifted offset is an
    /// error instead of a counted repair.
    #[arg(long)]
    pub strict: bool,
    /// HF datasets: the token list column (default: tokens, else words).
    #[arg(long, value_name = "COL")]
    pub tokens_col: Option<String>,
    /// HF datasets: the tag list column (default: ner_tags, else tags, labels, ner).
    #[arg(long, value_name = "COL")]
    pub tags_col: Option<String>,
    /// HF datasets: the column whose value groups consecutive rows into a document (default:
    /// doc_id or document_id when present; else -DOCSTART- rows, else one row per document).
    #[arg(long, value_name = "COL")]
    pub doc_col: Option<String>,
    /// HF datasets: names of integer tags, in ClassLabel order (default: the ClassLabel names
    /// stored in the file).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub tag_names: Option<Vec<String>>,
}

impl InputArgs {
    /// The options as the library's reader specification.
    pub fn reader_spec(&self) -> ReaderSpec {
        ReaderSpec {
            from: self.from,
            scheme: self.scheme,
            tag_policy: self.tag_policy,
            tag_cols: self.tag_cols.clone(),
            token_col: self.token_col,
            tab: Some(self.tab),
            sentences_per_doc: self.sentences_per_doc,
            names: Some(self.names.clone()),
            offsets: Some(self.offsets),
            include_rejected: Some(self.include_rejected),
            ls_annotation: Some(self.ls_annotation),
            strict: Some(self.strict),
            tokens_col: self.tokens_col.clone(),
            tags_col: self.tags_col.clone(),
            doc_col: self.doc_col.clone(),
            tag_names: self.tag_names.clone(),
        }
    }
}

/// Where a command's report goes: stdout, or a file written atomically (and said so on
/// stderr when complete: `wrote PATH`).
pub enum Out {
    Stdout(io::StdoutLock<'static>),
    File(AtomicFile, PathBuf),
}

impl Out {
    pub fn open(path: Option<&Path>) -> Result<Out> {
        match path {
            None => Ok(Out::Stdout(io::stdout().lock())),
            Some(p) if p == Path::new("-") => Ok(Out::Stdout(io::stdout().lock())),
            Some(p) => Ok(Out::File(AtomicFile::create(p)?, p.to_path_buf())),
        }
    }

    pub fn put(&mut self, s: &str) -> Result<()> {
        let r = match self {
            Out::Stdout(o) => o.write_all(s.as_bytes()),
            Out::File(f, _) => f.write_all(s.as_bytes()),
        };
        r.map_err(|e| Error::io(Path::new("<output>"), e))
    }

    pub fn finish(self) -> Result<()> {
        match self {
            Out::Stdout(mut o) => o.flush().map_err(|e| Error::io(Path::new("<stdout>"), e)),
            Out::File(f, path) => {
                f.commit()?;
                wrote(&path);
                Ok(())
            }
        }
    }
}

/// Say on stderr that an output file is complete (one line).
pub fn wrote(path: &Path) {
    eprintln!("wrote {}", path.display());
}

/// Report formats for commands that print a summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Markdown,
    Csv,
}
