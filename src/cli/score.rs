const LONG_HELP: &str = "Score one gold annotation set against any number of systems.

The gold (--gold) is a corpus directory, a CoNLL file, or an ieval JSONL file; it is read
once. Systems come from the gold input itself (a corpus directory's systems/*.parquet, or
extra tag columns of a CoNLL file selected with --tag-cols 1-) and from --pred inputs
(repeatable, optionally named: --pred flair=flair.conll). Documents pair by id; CoNLL
files that hold the same tokens pair by token stream (a prediction file without
-DOCSTART- lines, say). A document present on one side only is an error unless
--missing empty (score it against nothing) or --missing skip (leave it out, reported).

Modes (see the README): strict (same span and label), exact (same span), partial
(overlap, half credit for a partial boundary), type (overlap and same label). Every item
gets a MUC category: COR, INC, PAR, MIS, SPU. Matching is one-to-one and independent of
input order.

Profiles reproduce an anchor tool's numbers exactly, quirks included:
  default          ieval's own definitions (all four modes; 0/0 is undefined)
  conlleval        conlleval.pl (strict only)
  seqeval          seqeval default mode (strict only)
  seqeval-strict   seqeval mode='strict' with --scheme (default IOB2)
  nervaluate       nervaluate 1.2.1 (strict, exact, partial, ent_type)

Examples:
  ieval score --gold eng.testb --pred flair=flair.txt --pred elmo=elmo.txt
  ieval score --gold spacy.conll --tag-cols 1- --names gold,spacy --profile seqeval
  ieval score --gold corpus/ --format json --output scores.json
  ieval score --gold corpus/ --errors errors.parquet --confusion";

use std::path::{Path, PathBuf};

use ieval::formats::parquet::{ParquetSource, is_corpus_dir};
use ieval::formats::{self, Format, Source};
use ieval::report::{Table, TableFormat};
use ieval::score::errors::ErrorWriter;
use ieval::score::report::{ScoreReport, build, confusion_table, label_table, summary_table};
use ieval::score::run::{DetailSink, NoDetails};
use ieval::score::{Missing, PairBy, Pairing, Profile, score};
use ieval::tags::Scheme;
use ieval::{Error, Result};

use super::{Global, InputArgs, Out, ReportFormat};

#[derive(clap::Args)]
#[command(about = "Score systems against a gold set (entities)", long_about = LONG_HELP)]
pub struct Args {
    /// The gold input: corpus directory, CoNLL or JSONL.
    #[arg(long, short = 'g')]
    gold: PathBuf,
    /// A system's predictions, `[NAME=]PATH` (repeatable). A `.parquet` annotation file is
    /// read against the gold corpus's documents.
    #[arg(long, short = 'p', value_name = "[NAME=]PATH")]
    pred: Vec<String>,
    #[command(flatten)]
    input: InputArgs,
    /// CoNLL predictions: tag columns (default: the last).
    #[arg(long, value_name = "COLS", allow_hyphen_values = true)]
    pred_tag_cols: Option<formats::conll::TagColumns>,
    /// Whose definitions to score by.
    #[arg(long, default_value = "default")]
    profile: Profile,
    /// How prediction documents pair with gold documents: auto, id, tokens.
    #[arg(long, default_value = "auto")]
    pair: PairBy,
    /// A document on one side only: error, empty (score against nothing) or skip.
    #[arg(long, default_value = "error")]
    missing: Missing,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Write the scores to a file instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Per-label tables for this mode (or `all`); default strict. `none` to leave out.
    #[arg(long, default_value = "strict", value_name = "MODE")]
    labels: String,
    /// Also print the entity confusion matrix (gold label x predicted label).
    #[arg(long)]
    confusion: bool,
    /// Write every gold and predicted mention with its category to FILE (.parquet or .jsonl).
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,
}

/// Split `NAME=PATH` (a bare path takes no name).
pub(super) fn split_pred(s: &str) -> (Option<String>, PathBuf) {
    match s.split_once('=') {
        Some((n, p)) if !n.is_empty() && !n.contains('/') && !Path::new(s).exists() => {
            (Some(n.to_string()), PathBuf::from(p))
        }
        _ => (None, PathBuf::from(s)),
    }
}

pub(super) fn stem(p: &Path) -> String {
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "system".into());
    let name = name.split('.').next().unwrap_or(&name).to_string();
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-+".contains(c) { c } else { '_' }).collect()
}

pub fn run(args: Args, _g: &Global) -> Result<i32> {
    let mut preds = Vec::new();
    for p in &args.pred {
        let (name, path) = split_pred(p);
        preds.push((name.unwrap_or_else(|| stem(&path)), path));
    }
    let pairing = open_pairing(
        &args.gold,
        &preds,
        &args.input,
        args.pred_tag_cols.as_ref(),
        args.profile,
        args.pair,
        args.missing,
    )?;
    if pairing.systems().is_empty() {
        return Err(Error::usage("nothing to score: give --pred, or a gold input that carries system sets"));
    }
    let names: Vec<String> = pairing.systems().iter().map(|s| s.name().to_string()).collect();
    let mut errw = match &args.errors {
        Some(p) => Some(ErrorWriter::create(p, names)?),
        None => None,
    };
    let want = errw.is_some();
    let run = {
        let sink: &mut dyn DetailSink = match errw.as_mut() {
            Some(w) => w,
            None => &mut NoDetails,
        };
        score(pairing, args.profile, sink, want)?
    };
    if run.gold_documents == 0 {
        return Err(Error::data(args.gold.display().to_string(), "no documents: the gold input is empty"));
    }
    if let Some(w) = errw {
        w.finish()?;
    }
    let report = build(&run);
    let mut out = Out::open(args.output.as_deref())?;
    out.put(&render(&report, &args)?)?;
    out.finish()?;
    Ok(0)
}

/// Open the gold input once and every named prediction input, and pair them (shared with
/// `compare` and `report`).
pub(super) fn open_pairing(
    gold_path: &Path,
    preds_in: &[(String, PathBuf)],
    input: &InputArgs,
    pred_tag_cols: Option<&formats::conll::TagColumns>,
    profile: Profile,
    pair: PairBy,
    missing: Missing,
) -> Result<Pairing> {
    let mut opts = input.read_options();
    if let Some(policy) = profile.decoding() {
        opts.conll.policy = policy;
        if profile == Profile::SeqevalStrict && opts.conll.scheme.is_none() {
            opts.conll.scheme = Some(Scheme::Iob2);
        }
    }
    let gold_paths = vec![gold_path.to_path_buf()];
    let gold_format = input.format_of(&gold_paths)?;
    let gold: Box<dyn Source> = formats::open(gold_format, &gold_paths, &opts)?;

    let mut preds: Vec<(Vec<String>, Box<dyn Source>)> = Vec::new();
    for (name, path) in preds_in {
        let name = name.clone();
        ieval::model::validate_set_name(&name)?;
        let src: Box<dyn Source> = if path.extension().is_some_and(|e| e == "parquet") && path.is_file() {
            if !is_corpus_dir(gold_path) {
                return Err(Error::usage(format!(
                    "{}: a Parquet annotation file needs the documents of a gold corpus directory (--gold DIR)",
                    path.display()
                )));
            }
            Box::new(ParquetSource::open(&gold_path.join("documents.parquet"), std::slice::from_ref(path))?)
        } else {
            let mut po = opts.clone();
            po.conll.tag_columns = pred_tag_cols.cloned().unwrap_or_default();
            po.conll.set_names = vec![name.clone()];
            po.set_name = Some(name.clone());
            let f = match input.from {
                Some(Format::Parquet) | None => Format::detect(path)?,
                Some(f) => f,
            };
            formats::open(f, std::slice::from_ref(path), &po)?
        };
        let n = src.sets().len();
        let names = if n == 1 { vec![name] } else { (1..=n).map(|k| format!("{name}.{k}")).collect() };
        preds.push((names, src));
    }
    Pairing::new(gold, preds, pair, missing)
}

fn render(r: &ScoreReport, args: &Args) -> Result<String> {
    let tf = match args.format {
        ReportFormat::Json => {
            return Ok(serde_json::to_string_pretty(r).map_err(|e| Error::data("scores", e.to_string()))? + "\n");
        }
        ReportFormat::Markdown => TableFormat::Markdown,
        ReportFormat::Csv => TableFormat::Csv,
        ReportFormat::Table => TableFormat::Text,
    };
    let mut tables: Vec<Table> = Vec::new();
    let head = format!(
        "gold {} ({} documents, {} entities), profile {}",
        r.gold.source, r.gold.documents, r.gold.entities, r.ieval.profile
    );
    tables.push(summary_table(r).with_title(head));
    let modes: Vec<String> = match args.labels.as_str() {
        "none" => Vec::new(),
        "all" => r.systems.first().map(|s| s.entities.keys().cloned().collect()).unwrap_or_default(),
        m => vec![m.to_string()],
    };
    for m in modes {
        tables.push(label_table(r, &m));
    }
    if args.confusion {
        for s in &r.systems {
            tables.push(confusion_table(s));
        }
    }
    Ok(tables.iter().map(|t| t.render(tf)).collect::<Vec<_>>().join("\n"))
}
