//! `ieval coref`: score coreference (MUC, B³, CEAFm, CEAFe, BLANC, LEA, CoNLL) and write
//! the CoNLL-2012 coreference format.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};
use ieval::coref::{self, Layer, MentionMatch, Options, Profile, Scope, Singletons};
use ieval::formats::Format;
use ieval::{Error, Result};

use super::{Global, Out};

const LONG_HELP: &str = "Coreference: clusters of entity or event mentions, within a document \
or across the documents of a topic.

  ieval coref score GOLD PRED   MUC, B³, CEAFm, CEAFe, BLANC, LEA and the CoNLL average
  ieval coref export INPUT --out FILE.conll   write the CoNLL-2012 coreference format

Inputs are any format ieval reads whose mentions carry clusters: conll2012, ecbplus,
meantime, jsonl (the `cluster` of entities, the `cluster` attribute of events); --layer
picks entity or event mentions, except on a CoNLL-2012 side, read whole. Gold and
prediction documents pair by id and must have the same text (read both through formats that
build text the same way: ECB+ XML and its CoNLL-2012 export do).

Examples:
  ieval coref export ../shared/corpora/ecbplus/sample --layer events --out gold.conll
  ieval coref score gold.conll pred.conll --scope topic --profile scorch";

#[derive(ClapArgs)]
#[command(about = "Score coreference clusters; write the CoNLL-2012 coreference format", long_about = LONG_HELP)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Subcommand)]
enum Sub {
    /// Score predicted clusters against gold clusters.
    Score(ScoreArgs),
    /// Write one set's mentions and clusters in the CoNLL-2012 format.
    Export(ExportArgs),
}

#[derive(ClapArgs)]
struct ScoreArgs {
    /// Gold input (file or directory).
    gold: PathBuf,
    /// Predicted input (file or directory).
    pred: PathBuf,
    /// Gold format (default: guessed).
    #[arg(long)]
    from: Option<Format>,
    /// Prediction format (default: guessed).
    #[arg(long)]
    pred_from: Option<Format>,
    /// Which mentions: entities, events or all.
    #[arg(long, default_value = "entities")]
    layer: Layer,
    /// document (clusters within each document), topic (across the documents of a topic)
    /// or corpus (across all documents).
    #[arg(long, default_value = "document")]
    scope: Scope,
    /// Mention matching: exact, head or partial.
    #[arg(long = "coref-match", default_value = "exact")]
    matching: MentionMatch,
    /// Singleton clusters: keep or drop.
    #[arg(long, default_value = "keep")]
    singletons: Singletons,
    /// default (Pradhan et al. 2014 formulas, units summed), scorch (scorch 0.2.0) or
    /// neleval (neleval 3.1.1's coref_metrics: the default's counts, 0/0 as 0, its six
    /// measures listed).
    #[arg(long, default_value = "default")]
    profile: Profile,
    /// table or json.
    #[arg(long, default_value = "table")]
    format: String,
    /// Refuse input a reader would otherwise repair.
    #[arg(long)]
    strict: bool,
    /// Write the report here instead of stdout.
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
}

#[derive(ClapArgs)]
struct ExportArgs {
    /// Input (file or directory).
    input: PathBuf,
    /// Input format (default: guessed).
    #[arg(long)]
    from: Option<Format>,
    /// Which mentions: entities, events or all.
    #[arg(long, default_value = "entities")]
    layer: Layer,
    /// Which set of the input (default: gold, else the first).
    #[arg(long)]
    set: Option<String>,
    /// Output file (`-`: stdout).
    #[arg(long, short = 'o')]
    out: PathBuf,
    /// Refuse input a reader would otherwise repair.
    #[arg(long)]
    strict: bool,
}

pub fn run(args: Args, _global: &Global) -> Result<i32> {
    match args.command {
        Sub::Score(a) => score(a),
        Sub::Export(a) => export(a),
    }
}

fn score(a: ScoreArgs) -> Result<i32> {
    if a.format != "table" && a.format != "json" {
        return Err(Error::usage(format!("--format {:?}: expected table or json", a.format)));
    }
    let opts = Options {
        layer: a.layer,
        scope: a.scope,
        matching: a.matching,
        singletons: a.singletons,
        profile: a.profile,
        gold_layer: None,
        pred_layer: None,
    };
    let report = coref::files::score_files((&a.gold, a.from), (&a.pred, a.pred_from), a.strict, opts)?;
    let mut out = Out::open(a.out.as_deref())?;
    if a.format == "json" {
        let s = serde_json::to_string_pretty(&report).map_err(|e| Error::usage(format!("JSON output: {e}")))?;
        out.put(&(s + "\n"))?;
    } else {
        out.put(&coref::files::table(&report))?;
    }
    out.finish()?;
    Ok(0)
}

fn export(a: ExportArgs) -> Result<i32> {
    let (text, stats) = coref::files::export_conll2012(&a.input, a.from, a.strict, a.set.as_deref(), a.layer, &a.out)?;
    let mut out = Out::open(Some(&a.out))?;
    out.put(&text)?;
    out.finish()?;
    eprintln!(
        "coref export: {} documents, {} mentions, {} clusters; {} discontinuous mentions written as their cover, {} duplicates left out, {} words with whitespace",
        stats.documents,
        stats.mentions,
        stats.clusters,
        stats.discontinuous_covered,
        stats.duplicates_dropped,
        stats.words_with_space
    );
    Ok(0)
}

/// `ieval score --task coref`: every system of a paired input against the gold, within
/// documents (entity mentions; event mentions too when the gold has event clusters).
pub(super) fn run_pairing(
    pairing: ieval::inputs::Pairing,
    gold_path: &std::path::Path,
    profile: Profile,
    format: super::ReportFormat,
    output: Option<&std::path::Path>,
) -> Result<i32> {
    if !matches!(format, super::ReportFormat::Table | super::ReportFormat::Json) {
        return Err(Error::usage("--task coref: --format table or json"));
    }
    let report = coref::files::score_pairing(pairing, gold_path, profile)?;
    let mut out = Out::open(output)?;
    match format {
        super::ReportFormat::Json => {
            let s = serde_json::to_string_pretty(&report).map_err(|e| Error::usage(format!("JSON output: {e}")))?;
            out.put(&(s + "\n"))?;
        }
        _ => out.put(&report.text())?,
    }
    out.finish()?;
    Ok(0)
}
