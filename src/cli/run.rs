const LONG_HELP: &str = "Evaluate every system of a suite on every dataset, into a results store.

A suite file (suites/*.toml; the format is in suites/README.md) lists datasets (gold
inputs: corpus directories or any input ieval reads), systems (prediction files, or a
command that reads the documents and writes predictions), tasks and profiles. Relative
paths are relative to the suite file; ${VAR} and ${VAR:-default} expand from the
environment.

Results go to --results (default results/): for every system x dataset, per-document
counts as Parquet (counts/RUN_ID.parquet, store layout 2) and a manifest
(runs/RUN_ID.json) with the status: ok, failed (the command crashed or wrote no readable
output), timeout, or error (a prediction file missing or unreadable). A unit whose
inputs, options and ieval version have not changed is reused, not rescored; --force
rescores. Commands run as subprocesses, --jobs at a time, each killed at its
timeout_seconds; their stderr is kept in the manifest. A system that fails is reported in
the table and the rest of the suite completes.

The summary table gives micro F1 (in %) per metric (coreference: the CoNLL average of MUC,
B³ and CEAFe F1; `ieval table` has each metric); `-` is undefined (0/0).

Exit status: 0 when the suite ran, even if systems failed (see the table); 2 for a broken
suite file or a dataset whose gold cannot be read.

Examples:
  ieval run suites/default.toml
  ieval run suites/conll2003.toml --results results/ --jobs 4
  ieval run suites/default.toml --only gazetteer-v2 --force
  ieval run suites/default.toml --format json";

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Mutex;

use ieval::Result;
use ieval::report::{Table, TableFormat};
use ieval::score::Summary;
use ieval::score::compare::{CONLL_PARTS, metric_name};
use ieval::suite::runner::UnitScores;
use ieval::suite::{CountKey, Event, Observer, RunOptions, RunReport, Status, Suite};
use ieval::table::pct;
use serde::Serialize;

use super::progress::Progress;
use super::{Global, Out, ReportFormat};

#[derive(clap::Args)]
#[command(about = "Run a suite: every system on every dataset, into a results store", long_about = LONG_HELP)]
pub struct Args {
    /// The suite file.
    suite: PathBuf,
    /// The results store's directory.
    #[arg(long, default_value = "results", value_name = "DIR")]
    results: PathBuf,
    /// Rescore every unit, even those whose results exist.
    #[arg(long)]
    force: bool,
    /// Only these systems (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "SYSTEMS")]
    only: Vec<String>,
    /// Score only shard K of N of every dataset (0-based: 0/4 .. 3/4; documents by FNV-1a
    /// 64 of their id mod N; commands get only the shard's documents). Shard units go to
    /// DIR/shards/; `ieval merge --results DIR` combines them once all N are there.
    #[arg(long, value_name = "K/N")]
    shard: Option<ieval::shard::Shard>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Write the summary to a file instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub fn run(args: Args, g: &Global) -> Result<i32> {
    let suite = Suite::load(&args.suite)?;
    let opts = RunOptions {
        results: args.results.clone(),
        jobs: g.jobs,
        force: args.force,
        only: args.only.clone(),
        shard: args.shard,
    };
    let progress = RunProgress::new(g);
    let report = ieval::suite::run(&suite, &opts, &progress)?;
    progress.clear();
    let scores = report.scores()?;
    let text = match args.format {
        ReportFormat::Json => {
            let j = json(&report, &scores);
            serde_json::to_string_pretty(&j).map_err(|e| ieval::Error::data("summary", e.to_string()))? + "\n"
        }
        ReportFormat::Table => render(&suite, &report, &scores, TableFormat::Text, true),
        ReportFormat::Markdown => render(&suite, &report, &scores, TableFormat::Markdown, false),
        ReportFormat::Csv => render(&suite, &report, &scores, TableFormat::Csv, false),
    };
    let mut out = Out::open(args.output.as_deref())?;
    out.put(&text)?;
    out.finish()?;
    if !report.dataset_errors.is_empty() {
        for (name, msg) in &report.dataset_errors {
            eprintln!("ieval: error: dataset {name}: {msg}");
        }
        return Ok(2);
    }
    Ok(0)
}

fn status_text(u: &ieval::suite::UnitOutcome) -> &'static str {
    match (u.status, u.reused) {
        (Status::Ok, true) => "reused",
        (Status::Ok, false) => "ok",
        (Status::Failed, _) => "FAILED",
        (Status::Timeout, _) => "TIMEOUT",
        (Status::Error, _) => "ERROR",
    }
}

/// Metric columns: every overall key any unit has, in a reading order (task, profile as
/// listed in the suite, then the metric's usual order).
fn columns(suite: &Suite, scores: &[Option<UnitScores>]) -> Vec<CountKey> {
    let keys: BTreeSet<CountKey> = scores.iter().flatten().flat_map(|s| s.keys().cloned()).collect();
    let profiles: Vec<&str> = suite.datasets.iter().flat_map(|d| d.profiles.iter().map(|p| p.name())).collect();
    let order = ["strict", "exact", "partial", "type", "TI", "TC", "AI", "AC", "AI+", "AC+"];
    let tasks = ["entities", "events", "relations", "coref", "event-coref"];
    let rank = |k: &CountKey| {
        (
            tasks.iter().position(|t| *t == k.task).unwrap_or(usize::MAX),
            k.task.clone(),
            profiles.iter().position(|p| *p == k.profile).unwrap_or(usize::MAX),
            order.iter().position(|m| *m == k.metric).unwrap_or(usize::MAX),
            k.metric.clone(),
        )
    };
    // Coreference: one column per task, the CoNLL average (`metric` "conll", computed from
    // the unit's MUC, B³ and CEAFe rows by `conll_of`); `ieval table` has the others.
    let mut v: Vec<CountKey> = keys
        .into_iter()
        .filter_map(|k| match k.task.as_str() {
            "coref" | "event-coref" if k.metric == CONLL_PARTS[0] => Some(CountKey { metric: "conll".into(), ..k }),
            "coref" | "event-coref" => None,
            _ => Some(k),
        })
        .collect();
    v.sort_by_key(rank);
    v
}

/// The CoNLL F1 of a coreference key (`metric` "conll"): the mean of the unit's MUC, B³ and
/// CEAFe F1, undefined when one is.
fn conll_of(s: &UnitScores, k: &CountKey) -> Option<f64> {
    let f1 = |m: &str| s.get(&CountKey { metric: m.into(), ..k.clone() }).and_then(|x| x.f1);
    let sum: f64 = CONLL_PARTS.iter().map(|m| f1(m)).sum::<Option<f64>>()?;
    Some(sum / CONLL_PARTS.len() as f64)
}

fn render(suite: &Suite, r: &RunReport, scores: &[Option<UnitScores>], tf: TableFormat, with_notes: bool) -> String {
    let cols = columns(suite, scores);
    let profiles: BTreeSet<&str> = cols.iter().map(|k| k.profile.as_str()).collect();
    let mut headers: Vec<String> = ["dataset", "system", "version", "status"].map(String::from).to_vec();
    headers.extend(cols.iter().map(|k| {
        let metric = metric_name(&k.task, &k.metric);
        if profiles.len() > 1 { format!("{} {metric} F1", k.profile) } else { format!("{metric} F1") }
    }));
    let mut t = Table::new(headers);
    t.align[1] = ieval::report::Align::Left;
    t.align[2] = ieval::report::Align::Left;
    t.align[3] = ieval::report::Align::Left;
    for (u, s) in r.units.iter().zip(scores) {
        let mut row = vec![
            u.dataset.clone(),
            u.system.clone(),
            u.system_version.clone().unwrap_or_default(),
            status_text(u).to_string(),
        ];
        for k in &cols {
            let cell = match s.as_ref() {
                Some(s) if k.metric == "conll" => {
                    let scored = s.contains_key(&CountKey { metric: CONLL_PARTS[0].into(), ..k.clone() });
                    if scored { pct(conll_of(s, k)) } else { String::new() }
                }
                Some(s) => s.get(k).map_or_else(String::new, |x| pct(x.f1)),
                None => String::new(),
            };
            row.push(cell);
        }
        t.push(row);
    }
    let title = match &suite.description {
        Some(d) => format!("suite {} ({d})", r.suite),
        None => format!("suite {}", r.suite),
    };
    let mut text = t.with_title(title).render(tf);
    if !with_notes {
        return text;
    }
    let mut notes = Vec::new();
    for u in &r.units {
        if let Some(m) = &u.message {
            let what = if u.status == Status::Ok { "note".to_string() } else { status_text(u).to_string() };
            notes.push(format!("  {} on {}: {what}: {m}", u.system, u.dataset));
        }
    }
    if !notes.is_empty() {
        text.push('\n');
        text.push_str(&notes.join("\n"));
        text.push('\n');
    }
    let count = |f: &dyn Fn(&ieval::suite::UnitOutcome) -> bool| r.units.iter().filter(|u| f(u)).count();
    let mut parts = vec![
        format!("{} scored", count(&|u| u.status == Status::Ok && !u.reused)),
        format!("{} reused", count(&|u| u.reused)),
    ];
    for (s, name) in [(Status::Failed, "failed"), (Status::Timeout, "timed out"), (Status::Error, "error")] {
        let n = count(&|u| u.status == s);
        if n > 0 {
            parts.push(format!("{n} {name}"));
        }
    }
    text.push_str(&format!("\n{} units: {}; results in {}\n", r.units.len(), parts.join(", "), r.results.display()));
    text
}

#[derive(Serialize)]
struct JsonUnit<'a> {
    dataset: &'a str,
    system: &'a str,
    system_version: Option<&'a str>,
    run_id: &'a str,
    status: Status,
    reused: bool,
    seconds: f64,
    message: Option<&'a str>,
    counts_file: Option<&'a str>,
    /// task -> profile -> metric -> overall counts and metrics.
    scores: BTreeMap<&'a str, BTreeMap<&'a str, BTreeMap<&'a str, Summary>>>,
}

#[derive(Serialize)]
struct JsonRun<'a> {
    suite: &'a str,
    suite_hash: &'a str,
    results: String,
    units: Vec<JsonUnit<'a>>,
    dataset_errors: BTreeMap<&'a str, &'a str>,
}

fn json<'a>(r: &'a RunReport, scores: &'a [Option<UnitScores>]) -> JsonRun<'a> {
    let units = r
        .units
        .iter()
        .zip(scores)
        .map(|(u, s)| {
            let mut nested: BTreeMap<&str, BTreeMap<&str, BTreeMap<&str, Summary>>> = BTreeMap::new();
            for (k, v) in s.iter().flatten() {
                nested
                    .entry(k.task.as_str())
                    .or_default()
                    .entry(k.profile.as_str())
                    .or_default()
                    .insert(k.metric.as_str(), *v);
            }
            JsonUnit {
                dataset: &u.dataset,
                system: &u.system,
                system_version: u.system_version.as_deref(),
                run_id: &u.run_id,
                status: u.status,
                reused: u.reused,
                seconds: u.seconds,
                message: u.message.as_deref(),
                counts_file: u.counts_file.as_deref(),
                scores: nested,
            }
        })
        .collect();
    JsonRun {
        suite: &r.suite,
        suite_hash: &r.suite_hash,
        results: r.results.display().to_string(),
        units,
        dataset_errors: r.dataset_errors.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect(),
    }
}

/// The suite's progress on stderr (see `super::progress`: only on a terminal, without
/// --quiet, after a second): units done of all, reused units, commands, what runs now.
struct RunProgress {
    bar: Progress,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    reused: usize,
    commands: usize,
    commands_done: usize,
    running: BTreeSet<String>,
    what: String,
}

impl RunProgress {
    fn new(g: &Global) -> Self {
        RunProgress { bar: Progress::new(g, "ieval run", "units", Some(0)), state: Mutex::new(State::default()) }
    }

    fn draw(&self, s: &State) {
        let mut line = String::new();
        if s.reused > 0 {
            line.push_str(&format!("({} reused)", s.reused));
        }
        if s.commands > 0 {
            line.push_str(&format!(" · commands {}/{}", s.commands_done, s.commands));
        }
        if !s.running.is_empty() {
            line.push_str(&format!(" · running {}", s.running.iter().cloned().collect::<Vec<_>>().join(", ")));
        } else if !s.what.is_empty() {
            line.push_str(&format!(" · {}", s.what));
        }
        self.bar.set_message(line.trim_start_matches(" · ").to_string());
    }

    fn clear(&self) {
        self.bar.finish();
    }
}

impl Observer for RunProgress {
    fn event(&self, e: Event<'_>) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match e {
            Event::Planned { units, commands, .. } => {
                self.bar.set_length(units as u64);
                s.commands = commands;
            }
            Event::ReadingGold { dataset } => s.what = format!("reading {dataset}"),
            Event::CommandStarted { dataset, system } => {
                s.running.insert(format!("{system} on {dataset}"));
            }
            Event::CommandFinished { dataset, system, .. } => {
                s.running.remove(&format!("{system} on {dataset}"));
                s.commands_done += 1;
            }
            Event::Scoring { dataset, system } => s.what = format!("scoring {system} on {dataset}"),
            Event::UnitDone { reused, .. } => {
                self.bar.inc(1);
                if reused {
                    s.reused += 1;
                }
            }
        }
        self.draw(&s);
    }
}
