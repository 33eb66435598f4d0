const LONG_HELP: &str = "Write one self-contained HTML report (inline CSS and SVG, no network access
needed to view it) of one or more systems against a gold set.

Examples:
  ieval report --gold eng.testb --pred old=spacy-3.6.conll --pred new=spacy-3.8.conll --out report.html
  ieval report --gold corpus/ --pred llm.jsonl --train train.conll --out report.html
  ieval report --gold eng.testb --pred flair.conll --results results/ --out report.html

The report holds: the scores table with bootstrap confidence intervals of F1; per-label F1
bars; the entity confusion matrix as a heat map (mentions paired by exact span); the
COR/INC/PAR/MIS/SPU breakdown per system and mode; bucketed precision, recall and F1 by
mention length, label, position in the article (headline, lead, body), capitalization and,
with --train, whether the mention's surface form is seen in the training split; and a
document viewer showing gold and predicted spans in the article text, with misses and
spurious predictions marked (the --max-docs documents with the most errors). With
--results, the benchmark table of the results store comes first.";

use std::collections::BTreeMap;
use std::path::PathBuf;

use ieval::report::breakdown::{Breakdown, seen_forms};
use ieval::report::html::{RelationData, ReportData, render};
use ieval::report::intervals::per_system;
use ieval::report::kept::Kept;
use ieval::score::relation::RelMode;
use ieval::score::report::build as build_report;
use ieval::score::resample::Options;
use ieval::score::run::{ScoreOptions, Task, score_with};
use ieval::score::{EventMetric, Mode};
use ieval::{Error, Result};

use super::{EvalArgs, Global, Out};

#[derive(clap::Args)]
#[command(about = "Write a self-contained HTML report", long_about = LONG_HELP)]
pub struct Args {
    #[command(flatten)]
    eval: EvalArgs,
    /// A training split (any readable corpus): its gold mentions' surface forms define the
    /// seen/unseen buckets.
    #[arg(long, value_name = "CORPUS")]
    train: Option<PathBuf>,
    /// Also show the benchmark table of this results store.
    #[arg(long, value_name = "DIR")]
    results: Option<PathBuf>,
    /// Documents in the viewer (those with the most errors).
    #[arg(long, default_value_t = 25, value_name = "N")]
    max_docs: usize,
    /// Bootstrap samples for the confidence intervals.
    #[arg(long, default_value_t = ieval::score::resample::DEFAULT_SAMPLES)]
    samples: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = ieval::score::resample::DEFAULT_SEED)]
    seed: u64,
    /// Title of the page.
    #[arg(long)]
    title: Option<String>,
    /// The HTML file to write.
    #[arg(long, short = 'o', default_value = "report.html")]
    out: PathBuf,
}

pub fn run(args: Args, _g: &Global) -> Result<i32> {
    {
        let paths = args.eval.paths();
        let ins: Vec<&std::path::Path> =
            paths.iter().map(PathBuf::as_path).chain(args.train.as_deref()).chain(args.results.as_deref()).collect();
        ieval::output::check_outputs(&[args.out.as_path()], &ins)?;
    }
    let opts = Options { samples: args.samples, seed: args.seed, confidence: 0.95 };
    let seen = match &args.train {
        Some(train) => Some(seen_forms(train, &args.eval.input.reader_spec())?),
        None => None,
    };
    let pairing = args.eval.inputs().build()?.pairing;
    let n = pairing.systems().len();
    if n == 0 {
        return Err(Error::usage("nothing to report: give --pred, or a gold input that carries system sets"));
    }
    let mut breakdown = Breakdown::new(n, args.max_docs, seen);
    // Entities, and events when the gold has any (as `ieval score` by default).
    let sopts = ScoreOptions {
        profile: args.eval.scoring.profile,
        task: Task::Auto,
        details: true,
        doc_labels: true,
        ..Default::default()
    };
    let run = score_with(pairing, sopts, &mut breakdown)?;
    if run.gold_documents == 0 {
        return Err(Error::data(args.eval.gold.display().to_string(), "no documents: the gold input is empty"));
    }
    let report = build_report(&run);
    let (dimensions, documents) = breakdown.finish();

    let modes: Vec<(Mode, bool)> = run.profile.modes().iter().map(|m| (*m, m.half_credit())).collect();
    let ivs = per_system(&run, &modes, |d, m| d.entities[m.index()], &opts)?;
    let event_ivs = if report.systems.iter().any(|s| !s.events.is_empty()) {
        let metrics = EventMetric::ALL.map(|m| (m, false));
        per_system(&run, &metrics, |d, m| d.events.map(|e| e[m.index()]).unwrap_or_default(), &opts)?
    } else {
        BTreeMap::new()
    };
    // Relations and coreference: a second pass over the inputs, scoring relations and
    // keeping the documents for the coreference engine.
    let pairing = args.eval.inputs().build()?.pairing;
    let ropts = ScoreOptions { task: Task::Relations, ..sopts };
    let mut kept = Kept::new(n);
    let rel_run = score_with(pairing, ropts, &mut kept)?;
    let rel_report = build_report(&rel_run);
    let relations = if rel_run.gold_relations > 0 {
        let modes = RelMode::ALL.map(|m| (m, false));
        let intervals =
            per_system(&rel_run, &modes, |d, m| d.relations.map(|r| r[m.index()]).unwrap_or_default(), &opts)?;
        Some(RelationData { report: &rel_report, intervals })
    } else {
        None
    };
    let coref = kept.coref(&run)?;
    let benchmark = match &args.results {
        Some(dir) => Some(benchmark_html(dir, &opts)?),
        None => None,
    };
    let title = args.title.clone().unwrap_or_else(|| {
        let names: Vec<&str> = run.systems.iter().map(|s| s.meta.name()).collect();
        format!("ieval report: {}", names.join(" vs "))
    });
    let data = ReportData {
        title,
        run: &run,
        report: &report,
        intervals: ivs,
        event_intervals: event_ivs,
        samples: opts.samples,
        seed: opts.seed,
        dimensions: &dimensions,
        documents: &documents,
        max_documents: args.max_docs,
        benchmark,
        train: args.train.as_ref().map(|p| p.display().to_string()),
        relations,
        coref,
    };
    let html = render(&data);
    let mut o = Out::open(Some(&args.out))?;
    o.put(&html)?;
    o.finish()?;
    Ok(0)
}

#[cfg(feature = "analysis")]
fn benchmark_html(dir: &std::path::Path, opts: &Options) -> Result<String> {
    let store = ieval::analysis::Store::open(dir)?;
    let specs: Vec<ieval::analysis::MetricSpec> = vec!["strict-f1".parse().map_err(|e: String| Error::usage(e))?];
    let t = ieval::analysis::bench_table(&store, &specs, opts, ieval::score::resample::Resampling::Auto)?;
    Ok(super::table::to_table(&t, false).render(ieval::report::TableFormat::Html))
}

#[cfg(not(feature = "analysis"))]
fn benchmark_html(_: &std::path::Path, _: &Options) -> Result<String> {
    Err(Error::usage("this ieval was built without the `analysis` feature: report --results is not available"))
}
