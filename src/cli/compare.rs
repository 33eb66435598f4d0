const LONG_HELP: &str = "Compare two systems on the same gold: differences with confidence intervals
and significance tests, per label, and the mentions B fixed and broke relative to A.

Examples:
  ieval compare --gold eng.testb old=spacy-3.6.conll new=spacy-3.8.conll
  ieval compare --gold eng.testb old.conll new.conll --fail-if-worse strict-f1:0.005
  ieval compare --gold corpus/ A.jsonl B.jsonl --format json --per-document
  ieval compare --results results/ --dataset conll2003 spacy-3.6 spacy-3.8

A and B are `[NAME=]PATH` like `ieval score --pred` (with --gold), names of system sets the
gold input carries itself (a corpus directory with system sets), or system names in the
results store (with --results and --dataset, reading the per-document counts of each
system's latest run). Both systems are scored on the same documents (the gold is read
once) and compared document by document.

For every metric (entities: strict, exact, partial, type; the relation modes with --task
relations; with --results, every task the store holds: events, relations, coreference) and for
precision, recall and F1, the output gives A, B, the difference B - A in points, its 95%
confidence interval and two p-values:
  - CI: paired bootstrap over documents (same resampled documents for A and B),
    percentile interval;
  - p (bootstrap): two-sided shifted-distribution test, (#{|D* - D| >= |D|} + 1) / (N + 1)
    (Berg-Kirkpatrick et al. 2012, two-sided);
  - p (AR): approximate randomization, A and B swapped per document with probability 1/2,
    (#{|D*| >= |D|} + 1) / (N + 1) (Noreen 1989; Riezler & Maxwell 2005).
Metrics are micro-averaged from summed counts, exactly as `ieval score` computes them.
--samples and --seed make the numbers reproducible; they do not depend on --jobs.
Above 20,000 paired documents (or with --resampling normal) each resample's summed counts
are drawn from their normal limit (same means and covariances) instead of by drawing
documents, at a cost that does not grow with the documents (a series with at most 1,000
documents that have counts is drawn exactly over those); the JSON says which
(`resampling`).

--fail-if-worse METRIC[:DELTA] (repeatable; METRIC as strict-f1, exact-p, type-r, TC-f1;
DELTA a fraction, 0.005 = half a point) exits with status 1 when B is lower than A by more
than DELTA and the difference is significant (p (AR) < --alpha). Errors exit with 2.";

use std::path::PathBuf;

use ieval::report::{Align, Table, TableFormat};
use ieval::score::Mode;
use ieval::score::compare::{self, Changes, Gate, Row, Statistics, Verdict};
use ieval::score::resample::{Options, Resampling, Stat};
use ieval::table::pct;
use ieval::{Error, Result};

use super::progress::Progress;
use super::{Global, InputArgs, Out, ScoringArgs};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    Table,
    Json,
    Markdown,
}

#[derive(clap::Args)]
#[command(about = "Compare two systems: differences, confidence intervals, p-values", long_about = LONG_HELP)]
pub struct Args {
    /// System A (the baseline): `[NAME=]PATH`, or a system name with --results.
    #[arg(value_name = "A")]
    a: String,
    /// System B, compared with A: `[NAME=]PATH`, or a system name with --results.
    #[arg(value_name = "B")]
    b: String,
    /// The gold input (corpus directory, CoNLL, JSONL, ...).
    #[arg(long, short = 'g', conflicts_with = "results", required_unless_present = "results")]
    gold: Option<PathBuf>,
    /// Compare from a results store instead (needs --dataset).
    #[arg(long, value_name = "DIR", requires = "dataset")]
    results: Option<PathBuf>,
    /// The dataset in the results store.
    #[arg(long)]
    dataset: Option<String>,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    scoring: ScoringArgs,
    /// Resampling samples per test.
    #[arg(long, default_value_t = ieval::score::resample::DEFAULT_SAMPLES)]
    samples: usize,
    /// How the resamples are drawn: `documents` (draw documents; exact, cost grows with
    /// documents x samples), `normal` (draw each series' sums from their normal limit; cost
    /// independent of the documents), `auto` (documents up to 20,000 paired documents).
    #[arg(long, default_value = "auto", value_parser = ["auto", "documents", "normal"])]
    resampling: String,
    /// Seed of the resampling.
    #[arg(long, default_value_t = ieval::score::resample::DEFAULT_SEED)]
    seed: u64,
    /// Significance level for --fail-if-worse.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Exit 1 when B is significantly worse than A on METRIC by more than DELTA.
    #[arg(long, value_name = "METRIC[:DELTA]")]
    fail_if_worse: Vec<Gate>,
    /// Compare relations (`relations`: the relation modes' series) instead of entities.
    #[arg(long, value_name = "TASK", value_parser = parse_task)]
    task: Option<ieval::score::run::Task>,
    /// Per-label table for this entity mode (or `all`, or `none`).
    #[arg(long, default_value = "strict", value_name = "MODE")]
    labels: String,
    /// Entity mode of the fixed/broken listing.
    #[arg(long, default_value = "strict", value_name = "MODE")]
    changes_mode: Mode,
    /// Fixed and broken mentions printed in the table (JSON always has all).
    #[arg(long, default_value_t = 25, value_name = "N")]
    changes: usize,
    /// JSON: include each document's overall counts of A and B.
    #[arg(long)]
    per_document: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: CompareFormat,
    /// Write the comparison to a file instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub(super) use ieval::score::compare::ComparisonReport as Output;

pub fn run(args: Args, g: &Global) -> Result<i32> {
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        return Err(Error::usage(format!("--alpha {} is not in (0, 1)", args.alpha)));
    }
    let opts = Options { samples: args.samples, seed: args.seed, confidence: 0.95 };
    let method: Resampling = args.resampling.parse().map_err(Error::usage)?;
    let progress = Progress::new(g, "ieval compare", "documents", None);
    let (names, stats, changes, zero_label) = match (&args.gold, &args.results) {
        (Some(gold), _) => from_gold(&args, gold, (&opts, method), &progress)?,
        (None, Some(dir)) => from_store(&args, dir, (&opts, method), &progress)?,
        (None, None) => return Err(Error::usage("give --gold, or --results with --dataset")),
    };
    progress.finish();
    let gates: Vec<Verdict> = args.fail_if_worse.iter().map(|g| compare::judge(g, &stats.rows, args.alpha)).collect();
    let gold = args.gold.as_ref().map(|p| p.display().to_string());
    let out = Output::new(&zero_label, gold, args.dataset.clone(), names, &opts, args.alpha, stats, changes, gates);
    let text = match args.format {
        CompareFormat::Json => {
            serde_json::to_string_pretty(&out).map_err(|e| Error::data("comparison", e.to_string()))? + "\n"
        }
        CompareFormat::Table => render(&out, &args, TableFormat::Text),
        CompareFormat::Markdown => render(&out, &args, TableFormat::Markdown),
    };
    let mut o = Out::open(args.output.as_deref())?;
    o.put(&text)?;
    o.finish()?;
    let failed: Vec<&Verdict> = out.gates.iter().filter(|v| v.failed).collect();
    for v in &failed {
        eprintln!("ieval compare: {}", v.message);
    }
    Ok(if failed.is_empty() { 0 } else { 1 })
}

type Loaded = ((String, String), Statistics, Option<Changes>, String);

fn from_gold(
    args: &Args,
    gold: &std::path::Path,
    (opts, method): (&Options, Resampling),
    progress: &Progress,
) -> Result<Loaded> {
    // A and B: `NAME=PATH` or a file (a prediction input), else the name of a system set
    // the gold input carries itself (a corpus directory with system sets).
    let mut wanted: Vec<(String, Option<PathBuf>)> = [&args.a, &args.b]
        .into_iter()
        .map(|s| match super::split_pred(s) {
            (Some(n), p) => (n, Some(p)),
            (None, p) if p.exists() => (super::stem(&p), Some(p)),
            (None, _) => (s.clone(), None),
        })
        .collect();
    if wanted[0].0 == wanted[1].0 && wanted.iter().all(|w| w.1.is_some()) {
        // Two unnamed files with the same stem (or a system against itself).
        wanted[0].0.push_str("-A");
        wanted[1].0.push_str("-B");
    }
    let preds: Vec<(String, PathBuf)> = wanted.iter().filter_map(|(n, p)| Some((n.clone(), p.clone()?))).collect();
    let pairing = args.scoring.inputs(gold, preds, &args.input).build()?.pairing;
    let pick = compare::pick_systems(&pairing, [&wanted[0].0, &wanted[1].0]).map_err(|e| {
        // A name given without a file that no set carries: say that no file was found either.
        let not_found = |n: &str| !pairing.systems().iter().any(|s| s.name() == n);
        match (wanted.iter().find(|(n, p)| p.is_none() && not_found(n)), e) {
            (Some((n, _)), Error::Usage(m)) => Error::usage(format!("{n}: no such file, and {m}")),
            (_, e) => e,
        }
    })?;
    progress.set_message("scoring");
    let req = compare::Request {
        profile: args.scoring.profile,
        relations: args.task == Some(ieval::score::run::Task::Relations),
        changes_mode: args.changes_mode,
        resample: *opts,
        resampling: method,
        per_document: args.per_document,
    };
    let c = compare::compare_systems(pairing, pick, &req, progress, &gold.display().to_string())?;
    Ok((c.names, c.stats, c.changes, args.scoring.profile.name().to_string()))
}

#[cfg(feature = "analysis")]
fn from_store(
    args: &Args,
    dir: &std::path::Path,
    (opts, method): (&Options, Resampling),
    progress: &Progress,
) -> Result<Loaded> {
    progress.set_message("reading the results store");
    let dataset = args.dataset.as_deref().ok_or_else(|| Error::usage("--results needs --dataset"))?;
    let store = ieval::analysis::Store::open(dir)?;
    let (a, b) = rayon::join(|| store.system_counts(dataset, &args.a), || store.system_counts(dataset, &args.b));
    let ((ra, a), (rb, b)) = (a?, b?);
    if ra.profile != rb.profile {
        return Err(Error::data(
            dir.display().to_string(),
            format!("the two runs were scored with different profiles ({} and {})", ra.profile, rb.profile),
        ));
    }
    let zero = ra.profile.parse::<ieval::score::Profile>().map(|p| p.zero_for_undefined()).unwrap_or(false);
    progress.set_message(format!("resampling ({} samples)", opts.samples));
    let stats = compare::compare(&a, &b, zero, opts, method, args.per_document)?;
    Ok(((args.a.clone(), args.b.clone()), stats, None, ra.profile))
}

#[cfg(not(feature = "analysis"))]
fn from_store(_: &Args, _: &std::path::Path, _: (&Options, Resampling), _: &Progress) -> Result<Loaded> {
    Err(Error::usage("this ieval was built without the `analysis` feature: compare --results is not available"))
}

fn signed(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{:+.2}", 100.0 * v))
}

fn ci(r: &Row) -> String {
    match (r.diff.ci_low, r.diff.ci_high) {
        (Some(l), Some(h)) => format!("[{:+.2}, {:+.2}]", 100.0 * l, 100.0 * h),
        _ => "-".to_string(),
    }
}

fn pval(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"))
}

fn stat_short(s: Stat) -> &'static str {
    match s {
        Stat::Precision => "P",
        Stat::Recall => "R",
        Stat::F1 => "F1",
    }
}

fn render(out: &Output, args: &Args, tf: TableFormat) -> String {
    let mut parts: Vec<String> = vec![summary_table(out).render(tf)];
    parts.extend(label_tables(out, &args.labels).iter().map(|t| t.render(tf)));
    if let Some(ch) = &out.changes {
        parts.extend(change_tables(ch, args.changes).iter().map(|t| t.render(tf)));
    }
    let mut s = parts.join("\n");
    for v in &out.gates {
        s.push_str(&format!("\n{}\n", v.message));
    }
    s
}

/// The cells of a row after its names: statistic, A, B, B - A, interval, p-values.
fn diff_cells(r: &Row) -> [String; 7] {
    [
        stat_short(r.stat).to_string(),
        pct(r.diff.a),
        pct(r.diff.b),
        signed(r.diff.delta),
        ci(r),
        pval(r.diff.p_bootstrap),
        pval(r.diff.p_randomization),
    ]
}

/// The overall differences, titled with what was compared.
fn summary_table(out: &Output) -> Table {
    let al = &out.stats.alignment;
    let mut head = format!(
        "A = {}, B = {} on {} ({} documents), profile {}; {} samples, seed {}; values in points (%), difference B - A",
        out.a,
        out.b,
        out.gold.clone().or_else(|| out.dataset.clone()).unwrap_or_default(),
        al.paired,
        out.ieval["profile"].as_str().unwrap_or(""),
        out.samples,
        out.seed
    );
    if al.only_a + al.only_b > 0 {
        head.push_str(&format!(
            "\nnote: {} documents scored for A only and {} for B only were left out (e.g. {})",
            al.only_a,
            al.only_b,
            al.examples.join(", ")
        ));
    }
    let mut t = Table::new(["task", "metric", "", "A", "B", "B - A", "95% CI", "p (bootstrap)", "p (AR)"]);
    t.align[1] = Align::Left;
    t.align[2] = Align::Left;
    for r in out.stats.rows.iter().filter(|r| r.label.is_empty()) {
        t.push([r.task.clone(), r.metric.clone()].into_iter().chain(diff_cells(r)));
    }
    t.with_title(head)
}

/// Per-label differences, one table per metric asked for (`--labels`).
fn label_tables(out: &Output, labels: &str) -> Vec<Table> {
    let modes: Vec<String> = match labels {
        "none" => Vec::new(),
        "all" => {
            let mut v: Vec<String> = Vec::new();
            for r in out.stats.rows.iter().filter(|r| !r.label.is_empty()) {
                if !v.contains(&r.metric) {
                    v.push(r.metric.clone());
                }
            }
            v
        }
        m => vec![m.to_string()],
    };
    let mut tables = Vec::new();
    for m in modes {
        let mut t = Table::new(["label", "", "A", "B", "B - A", "95% CI", "p (bootstrap)", "p (AR)"]);
        t.align[1] = Align::Left;
        for r in out.stats.rows.iter().filter(|r| !r.label.is_empty() && r.metric == m) {
            t.push(std::iter::once(r.label.clone()).chain(diff_cells(r)));
        }
        if !t.rows.is_empty() {
            tables.push(t.with_title(format!("per label, {m}")));
        }
    }
    tables
}

/// The mentions B fixed and broke (the first `shown` of each).
fn change_tables(ch: &Changes, shown: usize) -> Vec<Table> {
    let mut tables = Vec::new();
    for (what, list) in [("fixed by B (A wrong, B right)", &ch.fixed), ("broken by B (A right, B wrong)", &ch.broken)] {
        let gold = list.iter().filter(|c| c.kind == "gold").count();
        let spu = list.len() - gold;
        let mut t = Table::new(["document", "text", "label", "A", "B"]);
        t.align = vec![Align::Left; 5];
        for c in list.iter().take(shown) {
            let side = |cat: &str, l: &Option<String>| match l {
                Some(l) if cat != "COR" => format!("{cat} ({l})"),
                _ => cat.to_string(),
            };
            t.push([c.doc_id.clone(), c.text.clone(), c.label.clone(), side(&c.a, &c.a_label), side(&c.b, &c.b_label)]);
        }
        let more = if list.len() > shown { format!("; first {shown} shown") } else { String::new() };
        tables.push(
            t.with_title(format!("{what}, {} mode: {gold} gold mentions, {spu} spurious predictions{more}", ch.mode)),
        );
    }
    tables
}

fn parse_task(s: &str) -> std::result::Result<ieval::score::run::Task, String> {
    match s {
        "relations" => Ok(ieval::score::run::Task::Relations),
        "entities" => Ok(ieval::score::run::Task::Entities),
        other => Err(format!("unknown task {other:?} for compare (expected entities or relations)")),
    }
}
