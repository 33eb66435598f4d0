//! `ieval coref`: score coreference (MUC, B³, CEAFm, CEAFe, BLANC, LEA, CoNLL) and write
//! the CoNLL-2012 coreference format.

use std::path::{Path, PathBuf};

use clap::{Args as ClapArgs, Subcommand};
use ieval::coref::{self, Layer, MentionMatch, Options, Profile, Scope, Singletons};
use ieval::formats::{self, Corpus, Format, ReadOptions};
use ieval::model::{AnnotationSet, DocAnnotations, Document};
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
    /// default (Pradhan et al. 2014 formulas, units summed) or scorch (scorch 0.2.0).
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

/// The corpus and the format it was read as.
fn read(path: &Path, from: Option<Format>, strict: bool, set_name: Option<&str>) -> Result<(Corpus, Format)> {
    let format = match from {
        Some(f) => f,
        None => Format::detect(path)?,
    };
    let opts = ReadOptions { strict, set_name: set_name.map(str::to_string), ..Default::default() };
    Ok((Corpus::collect(formats::open(format, &[path.to_path_buf()], &opts)?)?, format))
}

/// CoNLL-2012 has no entity/event distinction: its side is read whole.
fn side_layer(format: Format) -> Option<Layer> {
    (format == Format::Conll2012).then_some(Layer::All)
}

fn one_set(c: &Corpus, path: &Path, name: Option<&str>) -> Result<AnnotationSet> {
    let found = match name {
        Some(n) => c.set(n),
        None => c.set("gold").or(c.sets.first()),
    };
    found.cloned().ok_or_else(|| {
        Error::usage(format!(
            "{}: no annotation set{}",
            path.display(),
            name.map(|n| format!(" named {n:?}")).unwrap_or_default()
        ))
    })
}

fn score(a: ScoreArgs) -> Result<i32> {
    if a.format != "table" && a.format != "json" {
        return Err(Error::usage(format!("--format {:?}: expected table or json", a.format)));
    }
    let (gold, gold_format) = read(&a.gold, a.from, a.strict, None)?;
    let (pred, pred_format) = read(&a.pred, a.pred_from, a.strict, Some("system"))?;
    let gold_set = one_set(&gold, &a.gold, None)?;
    let pred_set = one_set(&pred, &a.pred, None)?;
    // Spans are byte offsets into each side's text: the texts must agree.
    let texts: std::collections::HashMap<&str, &Document> = pred.documents.iter().map(|d| (d.id.as_str(), d)).collect();
    for d in &gold.documents {
        if let Some(p) = texts.get(d.id.as_str())
            && p.text != d.text
        {
            return Err(Error::data(
                format!("document {:?}", d.id),
                format!(
                    "the text read from {} differs from the gold text read from {}: mention offsets would not compare",
                    a.pred.display(),
                    a.gold.display()
                ),
            ));
        }
    }
    let opts = Options {
        layer: a.layer,
        scope: a.scope,
        matching: a.matching,
        singletons: a.singletons,
        profile: a.profile,
        gold_layer: side_layer(gold_format),
        pred_layer: side_layer(pred_format),
    };
    let report = coref::score(&gold.documents, &gold_set, &pred_set, &opts)?;
    let mut out = Out::open(a.out.as_deref())?;
    if a.format == "json" {
        let s = serde_json::to_string_pretty(&report).map_err(|e| Error::usage(format!("JSON output: {e}")))?;
        out.put(&(s + "\n"))?;
    } else {
        out.put(&table(&report))?;
    }
    out.finish()?;
    Ok(0)
}

/// `ieval score --task coref`: every system of a paired input against the gold, within
/// documents, default options (entity mentions; event mentions too when the gold has
/// event clusters).
pub(super) fn run_pairing(
    mut pairing: ieval::inputs::Pairing,
    gold_path: &Path,
    format: super::ReportFormat,
    output: Option<&Path>,
) -> Result<i32> {
    if !matches!(format, super::ReportFormat::Table | super::ReportFormat::Json) {
        return Err(Error::usage("--task coref: --format table or json"));
    }
    let names: Vec<String> = pairing.systems().iter().map(|m| m.name().to_string()).collect();
    let mut docs = Vec::new();
    let mut gold = AnnotationSet::new(pairing.gold_meta().clone());
    let mut preds: Vec<AnnotationSet> = pairing.systems().iter().map(|m| AnnotationSet::new(m.clone())).collect();
    for item in pairing.by_ref() {
        let item = item?;
        for (k, p) in item.preds.into_iter().enumerate() {
            if let (Some(p), Some(set)) = (p, preds.get_mut(k)) {
                set.docs.push(p);
            }
        }
        gold.docs.push(item.gold);
        docs.push(item.doc);
    }
    if docs.is_empty() {
        return Err(Error::data(gold_path.display().to_string(), "no documents: the gold input is empty"));
    }
    let mut layers = vec![Layer::Entities];
    if !coref::cluster_sizes(&gold, Layer::Events).is_empty() {
        layers.push(Layer::Events);
    }
    let mut systems = Vec::new();
    let mut text = String::new();
    for (name, pred) in names.iter().zip(&preds) {
        let mut by_layer = serde_json::Map::new();
        for &layer in &layers {
            let r = coref::score(&docs, &gold, pred, &Options { layer, ..Default::default() })?;
            text.push_str(&format!("system {name}\n{}\n", table(&r)));
            by_layer.insert(layer.name().to_string(), serde_json::to_value(&r).unwrap_or_default());
        }
        systems.push(serde_json::json!({ "name": name, "coref": by_layer }));
    }
    let mut out = Out::open(output)?;
    match format {
        super::ReportFormat::Json => {
            let j = serde_json::json!({
                "ieval": {"version": env!("CARGO_PKG_VERSION"), "task": "coref"},
                "gold": {"source": pairing.gold_meta().source, "documents": docs.len()},
                "systems": systems,
            });
            let s = serde_json::to_string_pretty(&j).map_err(|e| Error::usage(format!("JSON output: {e}")))?;
            out.put(&(s + "\n"))?;
        }
        _ => out.put(&text)?,
    }
    out.finish()?;
    Ok(0)
}

fn table(r: &coref::Report) -> String {
    let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{:.2}", 100.0 * v));
    let o = &r.options;
    let mut s = format!(
        "coreference: {} mentions, scope {}, match {}, singletons {}, profile {}\n\
         documents {}  units {}  gold mentions {}  predicted {}  matched {}  gold clusters {}  predicted clusters {}\n\n",
        o.layer.name(),
        o.scope.name(),
        o.matching.name(),
        o.singletons.name(),
        o.profile.name(),
        r.documents,
        r.units,
        r.gold_mentions,
        r.pred_mentions,
        r.matched_mentions,
        r.gold_clusters,
        r.pred_clusters
    );
    s.push_str(&format!("{:<8} {:>7} {:>9} {:>7}\n", "metric", "recall", "precision", "F1"));
    let m = &r.metrics;
    for (name, v) in [
        ("MUC", m.muc),
        ("B3", m.b_cubed),
        ("CEAFm", m.ceaf_m),
        ("CEAFe", m.ceaf_e),
        ("BLANC", m.blanc),
        ("LEA", m.lea),
    ] {
        s.push_str(&format!("{:<8} {:>7} {:>9} {:>7}\n", name, f(v.recall), f(v.precision), f(v.f1)));
    }
    s.push_str(&format!("{:<8} {:>7} {:>9} {:>7}\n", "CoNLL", "", "", f(m.conll)));
    for q in &r.profile_quirks {
        s.push_str(&format!("quirk: {q}\n"));
    }
    s
}

fn export(a: ExportArgs) -> Result<i32> {
    let (c, _) = read(&a.input, a.from, a.strict, None)?;
    let set = one_set(&c, &a.input, a.set.as_deref())?;
    let by_id: std::collections::HashMap<&str, &DocAnnotations> =
        set.docs.iter().map(|d| (d.doc_id.as_str(), d)).collect();
    let empty: Vec<DocAnnotations> = c.documents.iter().map(|d| DocAnnotations::new(d.id.clone())).collect();
    let pairs: Vec<(&Document, &DocAnnotations)> =
        c.documents.iter().zip(&empty).map(|(d, e)| (d, by_id.get(d.id.as_str()).copied().unwrap_or(e))).collect();
    let mut buf = Vec::new();
    let stats = formats::conll2012::write(&mut buf, &pairs, a.layer, &a.out)?;
    let mut out = Out::open(Some(&a.out))?;
    out.put(std::str::from_utf8(&buf).map_err(|e| Error::usage(format!("output is not UTF-8: {e}")))?)?;
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
