const LONG_HELP: &str = "Benchmark tables from a results store: one row per system, one column per
dataset and metric, each cell the metric with its 95% bootstrap confidence interval
(resampling documents; above 20,000 documents, or with --resampling normal, each series'
resampled sums drawn from their normal limit), the best value of each column marked.

Examples:
  ieval table
  ieval table --results results/ --metric strict-f1,partial-f1 --format markdown
  ieval table --metric strict-f1,TC-f1 --format latex > table.tex
  ieval table --format json | jq '.rows[].cells[] | select(.best)'

Every number is recomputed from the per-document counts in `results/counts/` (the latest
run of each dataset and system; see suites/README.md). Metrics are MODE-STAT: entity modes strict,
exact, partial, type; event metrics TI, TC, AI, AC, AI+, AC+; STAT p, r or f1. A system
whose latest run failed or timed out shows FAILED / TIMEOUT / ERROR instead of numbers; a
dataset a system was not run on shows `-`.

Formats: text (best marked `*`), markdown and latex (booktabs; best in bold), html (a
<table> fragment, best in <strong>), csv (plain values, CI bounds in their own columns),
json (every cell with status, value, CI, best flag and run id).";

use std::path::PathBuf;

use ieval::analysis::{BenchTable, MetricSpec, Store, bench_table};
use ieval::report::{Table, TableFormat};
use ieval::score::resample::{Options, Resampling};
use ieval::{Error, Result};

use super::{Global, Out};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchFormat {
    Text,
    Markdown,
    Latex,
    Csv,
    Json,
    Html,
}

#[derive(clap::Args)]
#[command(about = "Benchmark tables from a results store", long_about = LONG_HELP)]
pub struct Args {
    /// The results store.
    #[arg(long, default_value = "results", value_name = "DIR")]
    results: PathBuf,
    /// Metrics (columns per dataset), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "strict-f1", value_name = "METRICS")]
    metric: Vec<MetricSpec>,
    /// Leave out the confidence intervals (faster).
    #[arg(long)]
    no_ci: bool,
    /// Bootstrap samples per cell.
    #[arg(long, default_value_t = ieval::score::resample::DEFAULT_SAMPLES)]
    samples: usize,
    /// How the intervals' resamples are drawn: `documents`, `normal` (each series' sums from
    /// their normal limit), `auto` (documents up to 20,000 documents), as `compare`.
    #[arg(long, default_value = "auto", value_parser = ["auto", "documents", "normal"])]
    resampling: String,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = ieval::score::resample::DEFAULT_SEED)]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: BenchFormat,
    /// Write the table to a file instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub fn run(args: Args, _g: &Global) -> Result<i32> {
    let store = Store::open(&args.results)?;
    let opts = Options { samples: if args.no_ci { 1 } else { args.samples }, seed: args.seed, confidence: 0.95 };
    let method: Resampling = args.resampling.parse().map_err(Error::usage)?;
    let mut t = bench_table(&store, &args.metric, &opts, method)?;
    if args.no_ci {
        for r in &mut t.rows {
            for c in &mut r.cells {
                c.ci_low = None;
                c.ci_high = None;
                c.resampling = None;
            }
        }
    }
    let text = match args.format {
        BenchFormat::Json => serde_json::to_string_pretty(&t).map_err(|e| Error::data("table", e.to_string()))? + "\n",
        BenchFormat::Csv => to_csv(&t).render(TableFormat::Csv),
        BenchFormat::Text => to_table(&t, false).render(TableFormat::Text),
        BenchFormat::Markdown => to_table(&t, false).render(TableFormat::Markdown),
        BenchFormat::Latex => to_table(&t, true).render(TableFormat::Latex),
        BenchFormat::Html => to_table(&t, false).render(TableFormat::Html),
    };
    let mut o = Out::open(args.output.as_deref())?;
    o.put(&text)?;
    o.finish()?;
    Ok(0)
}

fn value(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{:.2}", 100.0 * x))
}

/// The text of one cell: `59.53 [58.10, 60.90]`, FAILED, TIMEOUT, or `-`.
pub fn cell_text(c: &ieval::analysis::BenchCell) -> String {
    match c.status.as_str() {
        "ok" => match (c.value, c.ci_low, c.ci_high) {
            (Some(v), Some(l), Some(h)) => format!("{:.2} [{:.2}, {:.2}]", 100.0 * v, 100.0 * l, 100.0 * h),
            (v, _, _) => value(v),
        },
        "missing" => "-".to_string(),
        other => other.to_uppercase(),
    }
}

/// Rows systems, columns `dataset metric`; the best cells emphasised.
pub fn to_table(t: &BenchTable, _latex: bool) -> Table {
    let mut table =
        Table::new(std::iter::once("system".to_string()).chain(t.columns.iter().map(|(d, m)| format!("{d} {m}"))));
    for (i, r) in t.rows.iter().enumerate() {
        table.push(std::iter::once(r.system.clone()).chain(r.cells.iter().map(cell_text)));
        for (j, c) in r.cells.iter().enumerate() {
            if c.best {
                table.emphasize(i, j + 1);
            }
        }
    }
    table.with_title(format!(
        "points (%); [{:.0}% bootstrap CI over documents, {} samples, seed {}]; best per column marked",
        100.0 * t.confidence,
        t.samples,
        t.seed
    ))
}

/// CSV: one row per cell, plain numbers.
fn to_csv(t: &BenchTable) -> Table {
    let mut table =
        Table::new(["system", "dataset", "metric", "status", "value", "ci_low", "ci_high", "best", "documents"]);
    let num = |v: Option<f64>| v.map_or_else(String::new, |x| format!("{x:.6}"));
    for r in &t.rows {
        for c in &r.cells {
            table.push([
                r.system.clone(),
                c.dataset.clone(),
                c.metric.clone(),
                c.status.clone(),
                num(c.value),
                num(c.ci_low),
                num(c.ci_high),
                c.best.to_string(),
                c.documents.to_string(),
            ]);
        }
    }
    table
}
