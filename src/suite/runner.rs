//! Running a suite: every system on every dataset, into the results store.
//!
//! 1. Each dataset's input is hashed; every (dataset, system) unit gets its run id (see
//!    [`run_id`]). A unit whose run id has an `ok` manifest and a counts file is
//!    *reused*: nothing is run or scored again (unless `force`).
//! 2. The gold is read once per dataset (once per tag decoding, when profiles decode CoNLL
//!    tags differently) and kept in memory. For command systems, the dataset's documents
//!    are written once as ieval JSONL without annotations.
//! 3. Commands run as subprocesses, at most `jobs` at a time, each with its timeout; a
//!    crash, a timeout, or a missing or unreadable output is recorded as the unit's status
//!    and the rest of the suite goes on.
//! 4. Every unit with predictions is scored against the gold ([`crate::score::run::score`],
//!    rayon inside) and written to the store: counts first, then the manifest.
//!
//! Counts are the same for any `jobs`: scoring sums in document order.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use crate::coref::Layer;
use crate::error::{Error, Result};
use crate::formats::{self, Diagnostics, Format};
use crate::inputs::{Alignment, Gold, Input, Inputs, Pairing};
use crate::model::{AnnotationSet, SetMeta};
use crate::score::Profile;
use crate::score::counts::{LabelTally, ModeCounts, Tally};
use crate::score::event::{EventCounts, EventMetric, EventOptions};
use crate::score::metrics::{Summary, summarize};
use crate::score::relation::RelMode;
use crate::score::run::{DetailSink, DocScore, ScoreOptions, Task as ScoreTask, score_with};
use crate::shard::Shard;

use super::command::{self, Job};
use super::hash::{Fnv, hash_path};
use super::spec::{DatasetSpec, Suite, SystemKind, SystemSpec, Task};
use super::store::{CountKey, Manifest, Status, Store, UnitCounts, UnitMeta, iso_utc};

/// The version of the run-id recipe; bump it when the recipe changes.
const RUN_ID_RECIPE: &str = "1";

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The results store's directory.
    pub results: PathBuf,
    /// Commands at a time (0: one per core).
    pub jobs: usize,
    /// Recompute units whose results exist.
    pub force: bool,
    /// Only these systems (empty: all).
    pub only: Vec<String>,
    /// Score only this shard of every dataset's documents (commands get only its documents);
    /// the units go to the store's `shards/` area, for `ieval merge --results`.
    pub shard: Option<Shard>,
}

/// What the runner is doing, for progress displays.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The plan: units in all, how many are reused, how many commands will run.
    Planned {
        units: usize,
        reused: usize,
        commands: usize,
    },
    ReadingGold {
        dataset: &'a str,
    },
    CommandStarted {
        dataset: &'a str,
        system: &'a str,
    },
    CommandFinished {
        dataset: &'a str,
        system: &'a str,
        status: Status,
    },
    Scoring {
        dataset: &'a str,
        system: &'a str,
    },
    UnitDone {
        dataset: &'a str,
        system: &'a str,
        status: Status,
        reused: bool,
    },
}

/// Receives [`Event`]s (from several threads while commands run).
pub trait Observer: Sync {
    fn event(&self, _e: Event<'_>) {}
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// One unit's result.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitOutcome {
    pub dataset: String,
    pub system: String,
    pub system_version: Option<String>,
    pub run_id: String,
    pub status: Status,
    /// True when the results existed and nothing was run or scored.
    pub reused: bool,
    pub message: Option<String>,
    pub seconds: f64,
    /// Relative to the store's root.
    pub counts_file: Option<String>,
}

/// The result of running a suite.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub suite: String,
    pub suite_hash: String,
    pub results: PathBuf,
    /// In suite order: datasets, then systems.
    pub units: Vec<UnitOutcome>,
    /// Datasets whose gold could not be read: (name, message).
    pub dataset_errors: Vec<(String, String)>,
}

/// A unit's overall metrics per (task, profile, metric), from its counts in the store.
pub type UnitScores = BTreeMap<CountKey, Summary>;

impl RunReport {
    /// The overall micro metrics of every `ok` unit, read back from the store.
    pub fn scores(&self) -> Result<Vec<Option<UnitScores>>> {
        let store = Store::new(&self.results);
        self.units
            .iter()
            .map(|u| {
                let Some(rel) = &u.counts_file else { return Ok(None) };
                let rows = super::store::read_counts(&store.root().join(rel))?;
                let counts = super::store::counts_of(&rows);
                let mut out = BTreeMap::new();
                for key in counts.keys().filter(|k| k.is_overall()) {
                    let zero = key.profile.parse::<Profile>().is_ok_and(|p| p.zero_for_undefined());
                    out.insert(key.clone(), summarize(&counts.total(key), key.half_credit(), zero));
                }
                Ok(Some(out))
            })
            .collect()
    }
}

/// A dataset while the suite runs.
struct DatasetState<'s> {
    spec: &'s DatasetSpec,
    hash: std::result::Result<String, String>,
    golds: HashMap<String, Arc<Gold>>,
    error: Option<String>,
    documents: Option<std::result::Result<PathBuf, String>>,
}

impl<'s> DatasetState<'s> {
    /// A dataset before anything is read: its input's content hash (an unreadable input
    /// fails the dataset).
    fn new(spec: &'s DatasetSpec) -> Self {
        let hash = hash_path(&spec.path).and_then(|h| match &spec.corpus {
            Some(c) => hash_path(c).map(|hc| format!("{h}+corpus:{hc}")),
            None => Ok(h),
        });
        let hash = hash.map_err(|e| e.to_string());
        let error = hash.as_ref().err().map(|e| format!("the gold of dataset {:?} cannot be read: {e}", spec.name));
        DatasetState { spec, hash, golds: HashMap::new(), error, documents: None }
    }

    /// The gold, read once per decoding the profile asks for.
    fn gold(&mut self, profile: Profile, obs: &dyn Observer) -> std::result::Result<Arc<Gold>, String> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let reader = &self.spec.reader.spec;
        let opts = reader.to_read_options(profile.into());
        let format = reader.format_of(&self.spec.path).map_err(|e| e.to_string())?;
        let key = if format == Format::Conll {
            format!("{:?}|{:?}", opts.conll.policy, opts.conll.scheme)
        } else {
            String::new()
        };
        if let Some(g) = self.golds.get(&key) {
            return Ok(g.clone());
        }
        obs.event(Event::ReadingGold { dataset: &self.spec.name });
        let (spec, decoding) = (self.spec, profile.into());
        match Gold::read(&spec.path, reader, decoding, spec.gold.as_deref(), spec.corpus.as_deref()) {
            Ok(g) => {
                let g = Arc::new(g);
                self.golds.insert(key, g.clone());
                Ok(g)
            }
            Err(e) => {
                let msg = format!("the gold of dataset {:?} cannot be read: {e}", self.spec.name);
                self.error = Some(msg.clone());
                Err(msg)
            }
        }
    }
}

/// One planned unit.
struct Plan<'s> {
    ds: usize,
    sys: &'s SystemSpec,
    run_id: String,
    /// A shard unit: the run id of the whole unit.
    unsharded: Option<String>,
    inputs: BTreeMap<String, String>,
    /// A problem found while planning (a prediction file missing): the unit is an error.
    problem: Option<String>,
    predictions: Option<PathBuf>,
    reused: Option<Manifest>,
    command: Option<command::Outcome>,
}

/// The run id of a unit: FNV-1a 64 (see [`super::hash`]) over the recipe version, the ieval
/// version, the suite's name, the dataset's name, input content hash, reader options, gold
/// set, tasks and profiles, and the system's name, version, pairing options, reader
/// options and either its predictions' content hash or its command (arguments and
/// environment as written, with the content hash of every argument that names a file and
/// of every `inputs` file). Paths do not enter it, so a moved checkout reuses its results;
/// the suite file's hash does not either, so editing one system reruns only that system.
/// What the suite cannot see (an installed package, a model) changes nothing: bump the
/// system's `version`, or run with `--force`.
fn run_id(suite: &Suite, ds: &DatasetSpec, ds_hash: &str, sys: &SystemSpec, sys_inputs: &[(String, String)]) -> String {
    let mut h = Fnv::new();
    h.field("recipe", RUN_ID_RECIPE)
        .field("ieval_version", env!("CARGO_PKG_VERSION"))
        .field("suite", &suite.name)
        .field("dataset", &ds.name)
        .field("dataset.input", ds_hash)
        .field("dataset.reader", &ds.reader.canonical())
        .field("dataset.gold", ds.gold.as_deref().unwrap_or(""))
        .field("tasks", &ds.tasks.iter().map(|t| t.name()).collect::<Vec<_>>().join(","))
        .field("profiles", &ds.profiles.iter().map(|p| p.name()).collect::<Vec<_>>().join(","))
        .field("system", &sys.name)
        .field("system.reader", &sys.reader.canonical());
    for (k, v) in &sys.written {
        h.field(&format!("system.{k}"), v);
    }
    match &sys.kind {
        SystemKind::Predictions(_) => {
            h.field("kind", "predictions");
        }
        SystemKind::Command(c) => {
            h.field("kind", "command");
            for a in &c.argv {
                h.field("argv", a);
            }
            for (k, v) in &c.env {
                h.field("env", &format!("{k}={v}"));
            }
        }
    }
    for (what, hash) in sys_inputs {
        h.field(what, hash);
    }
    h.hex()
}

/// Run a suite.
pub fn run(suite: &Suite, opts: &RunOptions, obs: &dyn Observer) -> Result<RunReport> {
    check_only(suite, &opts.only)?;
    let shard = opts.shard.filter(|s| !s.is_all());
    let store = open_store(opts, shard)?;
    let mut datasets: Vec<DatasetState> = suite.datasets.iter().map(DatasetState::new).collect();
    let latest = latest_runs(&store)?;

    // 1. Plan.
    let mut plans: Vec<Plan> = Vec::new();
    for (di, ds) in datasets.iter().enumerate() {
        for sys in &suite.systems {
            if sys.runs_on(&ds.spec.name) && (opts.only.is_empty() || opts.only.contains(&sys.name)) {
                plans.push(plan_unit(suite, di, ds, sys, &store, opts.force, shard)?);
            }
        }
    }
    let to_run: Vec<usize> = (0..plans.len())
        .filter(|&i| {
            let p = &plans[i];
            p.reused.is_none() && p.problem.is_none() && matches!(p.sys.kind, SystemKind::Command(_))
        })
        .collect();
    obs.event(Event::Planned {
        units: plans.len(),
        reused: plans.iter().filter(|p| p.reused.is_some()).count(),
        commands: to_run.len(),
    });

    // 2. Documents for the commands, once per dataset.
    let mut jobs: Vec<(usize, Job)> = Vec::new();
    for &i in &to_run {
        if let Some(job) = command_job(&mut plans[i], &mut datasets, &store, shard, obs) {
            jobs.push((i, job));
        }
    }

    // 3. Commands, at most `jobs` at a time.
    let outcomes = run_jobs(&jobs, &plans, &datasets, opts.jobs, obs);
    for ((i, job), o) in jobs.iter().zip(outcomes) {
        let plan = &mut plans[*i];
        let canonical = absolute(&output_path(&store, &datasets[plan.ds].spec.name, plan.sys, &plan.run_id));
        plan.predictions = Some(settle_attempt(plan.predictions.as_deref(), job, &canonical, o.status));
        plan.command = Some(o);
    }

    // 4. Score and store.
    let mut units = Vec::new();
    for plan in &plans {
        let unit = match &plan.reused {
            Some(m) => reuse_unit(plan, m, &datasets[plan.ds], &store, &latest, shard, obs)?,
            None => score_and_store(suite, plan, &mut datasets[plan.ds], &store, shard, obs)?,
        };
        units.push(unit);
    }
    let dataset_errors = datasets.iter().filter_map(|d| d.error.clone().map(|e| (d.spec.name.clone(), e))).collect();
    Ok(RunReport {
        suite: suite.name.clone(),
        suite_hash: suite.hash.clone(),
        results: opts.results.clone(),
        units,
        dataset_errors,
    })
}

/// `--only` names systems of the suite.
fn check_only(suite: &Suite, only: &[String]) -> Result<()> {
    for name in only {
        if !suite.systems.iter().any(|s| &s.name == name) {
            return Err(Error::usage(format!(
                "--only: the suite {} has no system {name:?} (it has: {})",
                suite.path.display(),
                suite.systems.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    Ok(())
}

/// The store the units go to, created and swept of what killed runs left.
fn open_store(opts: &RunOptions, shard: Option<Shard>) -> Result<Store> {
    // Shard units are kept apart (`shards/`), so that tables never mistake one for a
    // whole unit; `ieval merge --results` combines them into the main store.
    let store = match shard {
        Some(_) => Store::new(opts.results.join("shards")),
        None => Store::new(&opts.results),
    };
    std::fs::create_dir_all(store.root()).map_err(|e| Error::io(store.root(), e))?;
    store.check_layout()?;
    // What killed runs left (a half-written counts file of a unit later runs reuse, a
    // command's attempt directory) goes now; what live runs are writing stays.
    crate::output::sweep_stale_tree(&opts.results, &|name| attempt_pid(name));
    Ok(store)
}

/// The latest run of each (dataset, system) in the store, by (time, run id).
fn latest_runs(store: &Store) -> Result<Latest> {
    let mut latest: Latest = BTreeMap::new();
    for m in store.manifests()? {
        let e = latest.entry((m.unit.dataset.clone(), m.unit.system.clone())).or_default();
        *e = (m.unit.time.clone(), m.unit.run_id.clone()).max(e.clone());
    }
    Ok(latest)
}

/// (dataset, system) -> (time, run id) of the latest run.
type Latest = BTreeMap<(String, String), (String, String)>;

/// Plan one unit: its inputs and their hashes, its run id, whether it is reused.
fn plan_unit<'s>(
    suite: &Suite,
    di: usize,
    ds: &DatasetState,
    sys: &'s SystemSpec,
    store: &Store,
    force: bool,
    shard: Option<Shard>,
) -> Result<Plan<'s>> {
    let mut inputs = BTreeMap::new();
    let ds_hash = ds.hash.clone().unwrap_or_else(|_| "unreadable".into());
    inputs.insert(ds.spec.path.display().to_string(), ds_hash.clone());
    let mut sys_inputs: Vec<(String, String)> = Vec::new();
    let mut problem = ds.error.clone();
    let mut predictions = None;
    match &sys.kind {
        SystemKind::Predictions(map) => {
            let p = map.get(&ds.spec.name).cloned().unwrap_or_default();
            let h = if p.exists() {
                match hash_path(&p) {
                    Ok(h) => h,
                    Err(e) => {
                        problem.get_or_insert(format!("cannot read the predictions: {e}"));
                        "unreadable".into()
                    }
                }
            } else {
                problem.get_or_insert(format!("the predictions {} do not exist", p.display()));
                "missing".into()
            };
            inputs.insert(p.display().to_string(), h.clone());
            sys_inputs.push(("predictions".into(), h));
            predictions = Some(p);
        }
        SystemKind::Command(c) => {
            let files = c.argv.iter().filter(|a| !a.contains('{')).map(|a| c.workdir.join(a)).filter(|p| p.is_file());
            for p in files.chain(c.inputs.iter().cloned()) {
                let h = hash_path(&p).unwrap_or_else(|e| {
                    problem.get_or_insert(format!("cannot read {}: {e}", p.display()));
                    "unreadable".into()
                });
                let rel = p.strip_prefix(&c.workdir).unwrap_or(&p).display().to_string();
                sys_inputs.push((format!("file:{rel}"), h.clone()));
                inputs.insert(p.display().to_string(), h);
            }
        }
    }
    let unsharded = run_id(suite, ds.spec, &ds_hash, sys, &sys_inputs);
    let (run_id, unsharded) = match shard {
        Some(s) => (shard_run_id(&unsharded, s), Some(unsharded)),
        None => (unsharded, None),
    };
    let reused = if force || problem.is_some() || !store.is_done(&run_id) { None } else { store.manifest(&run_id)? };
    if reused.is_some() && matches!(sys.kind, SystemKind::Command(_)) {
        predictions = Some(output_path(store, &ds.spec.name, sys, &run_id));
    }
    Ok(Plan { ds: di, sys, run_id, unsharded, inputs, problem, predictions, reused, command: None })
}

/// A command unit's job: the dataset's documents written once, the command's arguments
/// filled in, its attempt directory created (`None`: a problem, recorded in the plan).
fn command_job(
    plan: &mut Plan,
    datasets: &mut [DatasetState],
    store: &Store,
    shard: Option<Shard>,
    obs: &dyn Observer,
) -> Option<Job> {
    let (di, sys, run_id) = (plan.ds, plan.sys, plan.run_id.clone());
    let SystemKind::Command(c) = &sys.kind else { return None };
    let ds = &mut datasets[di];
    if ds.documents.is_none() {
        let first = ds.spec.profiles.first().copied().unwrap_or_default();
        let r = ds.gold(first, obs).and_then(|g| {
            let hash = ds.hash.clone().unwrap_or_default();
            let name = match shard {
                Some(s) => format!("documents-{hash}-shard-{}-of-{}.jsonl", s.index, s.count),
                None => format!("documents-{hash}.jsonl"),
            };
            let path = store.work_dir(&ds.spec.name).join(name);
            write_documents(&g, &path, shard).map(|_| path).map_err(|e| e.to_string())
        });
        ds.documents = Some(r);
    }
    let docs = match ds.documents.as_ref() {
        Some(Ok(p)) => absolute(p),
        Some(Err(e)) => {
            plan.problem = Some(e.clone());
            return None;
        }
        None => return None,
    };
    // The command writes into a directory of its own attempt (two `ieval run` on one store
    // may run the same unit at once); a complete output is renamed into place after.
    let canonical = absolute(&output_path(store, &ds.spec.name, sys, &run_id));
    let dir = canonical.parent().map(Path::to_path_buf).unwrap_or_default().join(attempt_name());
    let output = dir.join(canonical.file_name().unwrap_or_default());
    let mut vars = BTreeMap::new();
    vars.insert("input", docs.display().to_string());
    vars.insert("output", output.display().to_string());
    vars.insert("dataset", ds.spec.name.clone());
    vars.insert("system", sys.name.clone());
    vars.insert("version", sys.version.clone().unwrap_or_default());
    let job = Job {
        argv: c.expand(&vars),
        workdir: c.workdir.clone(),
        env: c.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        timeout: c.timeout,
        stdin: (!c.uses("input")).then(|| docs.clone()),
        stdout: if c.uses("output") { dir.join("stdout.log") } else { output.clone() },
        stderr: dir.join("stderr.log"),
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        plan.problem = Some(format!("cannot create {}: {e}", dir.display()));
        return None;
    }
    plan.predictions = Some(output);
    Some(job)
}

/// A reused unit: nothing is run or scored.
fn reuse_unit(
    plan: &Plan,
    m: &Manifest,
    ds: &DatasetState,
    store: &Store,
    latest: &Latest,
    shard: Option<Shard>,
    obs: &dyn Observer,
) -> Result<UnitOutcome> {
    let (dname, sname) = (ds.spec.name.clone(), plan.sys.name.clone());
    // Tables read a unit's latest run; when a later run of this dataset and system
    // exists (one that failed, say), the reused run becomes the latest again.
    let newest = latest.get(&(dname.clone(), sname.clone()));
    let m = if newest.is_some_and(|n| *n > (m.unit.time.clone(), m.unit.run_id.clone())) {
        store.restamp(m, &iso_utc(SystemTime::now()))?
    } else {
        m.clone()
    };
    keep_predictions(store, &dname, plan);
    obs.event(Event::UnitDone { dataset: &dname, system: &sname, status: Status::Ok, reused: true });
    Ok(UnitOutcome {
        dataset: dname,
        system: sname,
        system_version: m.unit.system_version.clone(),
        run_id: plan.run_id.clone(),
        status: Status::Ok,
        reused: true,
        message: m.message.clone(),
        seconds: m.seconds,
        counts_file: m.counts_file.clone().map(|rel| rel_to_results(shard, rel)),
    })
}

/// Score a unit (unless planning or its command failed) and write its counts and manifest.
fn score_and_store(
    suite: &Suite,
    plan: &Plan,
    ds: &mut DatasetState,
    store: &Store,
    shard: Option<Shard>,
    obs: &dyn Observer,
) -> Result<UnitOutcome> {
    let (dname, sname) = (ds.spec.name.clone(), plan.sys.name.clone());
    let start = Instant::now();
    let cmd_secs = plan.command.as_ref().map_or(0.0, |c| c.seconds);
    let stderr_tail = plan.command.as_ref().and_then(|c| c.stderr_tail.clone());
    let is_command = matches!(plan.sys.kind, SystemKind::Command(_));
    let result: std::result::Result<(UnitCounts, Option<String>), (Status, String)> = if let Some(p) = &plan.problem {
        Err((Status::Error, p.clone()))
    } else if let Some(c) = plan.command.as_ref().filter(|c| c.status != Status::Ok) {
        Err((c.status, c.message.clone().unwrap_or_else(|| c.status.name().to_string())))
    } else {
        obs.event(Event::Scoring { dataset: &dname, system: &sname });
        let pred = plan.predictions.clone().unwrap_or_default();
        if is_command && !pred.is_file() {
            Err((Status::Failed, format!("the command exited 0 but wrote no predictions to {}", pred.display())))
        } else {
            score_unit(ds, plan.sys, &pred, shard, obs).map_err(|(dataset_fault, m)| {
                // An unreadable output is the command's failure; an unreadable gold is not.
                let status = if is_command && !dataset_fault { Status::Failed } else { Status::Error };
                (status, m)
            })
        }
    };
    let time = iso_utc(SystemTime::now());
    let meta = UnitMeta {
        run_id: plan.run_id.clone(),
        time: time.clone(),
        ieval_version: env!("CARGO_PKG_VERSION").to_string(),
        suite: suite.name.clone(),
        suite_hash: suite.hash.clone(),
        dataset: dname.clone(),
        system: sname.clone(),
        system_version: plan.sys.version.clone(),
    };
    let (status, message, counts_file) = match result {
        Ok((counts, note)) => {
            let rel = store.write_counts(&meta, &counts)?;
            keep_predictions(store, &dname, plan);
            (Status::Ok, note, Some(rel))
        }
        Err((s, m)) => (s, Some(m), None),
    };
    let seconds = cmd_secs + start.elapsed().as_secs_f64();
    let manifest = Manifest {
        unit: meta,
        status,
        message: message.clone(),
        stderr_tail,
        seconds,
        inputs: plan.inputs.clone(),
        counts_file: counts_file.clone(),
        shard: shard.map(|s| s.to_string()),
        unsharded_run_id: plan.unsharded.clone(),
    };
    store.write_manifest(&manifest)?;
    obs.event(Event::UnitDone { dataset: &dname, system: &sname, status, reused: false });
    Ok(UnitOutcome {
        dataset: dname,
        system: sname,
        system_version: plan.sys.version.clone(),
        run_id: plan.run_id.clone(),
        status,
        reused: false,
        message,
        seconds,
        counts_file: counts_file.map(|rel| rel_to_results(shard, rel)),
    })
}

/// The run id of a shard unit: FNV-1a 64 over the whole unit's run id and the shard.
fn shard_run_id(unsharded: &str, shard: Shard) -> String {
    Fnv::new().field("unsharded", unsharded).field("shard", &shard.to_string()).hex()
}

/// A path relative to the store of a (shard) unit, made relative to the results directory.
fn rel_to_results(shard: Option<Shard>, rel: String) -> String {
    if shard.is_some() { format!("shards/{rel}") } else { rel }
}

/// A hidden directory name unique to this attempt (process id, time, counter).
fn attempt_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!(".attempt-{}-{nanos}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// The pid in an attempt directory's name (see [`attempt_name`]).
fn attempt_pid(name: &str) -> Option<u32> {
    name.strip_prefix(".attempt-")?.split('-').next()?.parse().ok()
}

/// After a command: move its output and logs from the attempt directory into place (a
/// rename, so a reader sees the old or the new file, whole) and remove the directory.
/// Returns where the predictions are.
fn settle_attempt(attempt_output: Option<&Path>, job: &Job, canonical: &Path, status: Status) -> PathBuf {
    let Some(out) = attempt_output else { return canonical.to_path_buf() };
    let Some(dir) = out.parent() else { return canonical.to_path_buf() };
    let target_dir = canonical.parent().map(Path::to_path_buf).unwrap_or_default();
    for log in [&job.stdout, &job.stderr] {
        if log.is_file() && log != out {
            let name = log.file_name().unwrap_or_default();
            let _ = std::fs::rename(log, target_dir.join(name));
        }
    }
    let result = if status == Status::Ok && out.is_file() {
        match std::fs::rename(out, canonical) {
            Ok(()) => canonical.to_path_buf(),
            Err(_) => out.to_path_buf(),
        }
    } else {
        // A failed command's output is not kept; nothing at the canonical path either.
        let _ = std::fs::remove_file(canonical);
        canonical.to_path_buf()
    };
    if result == canonical {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

/// Where a command system writes its predictions for a unit.
fn output_path(store: &Store, dataset: &str, sys: &SystemSpec, run_id: &str) -> PathBuf {
    let ext = sys.reader.spec.from.map_or("jsonl", Format::name);
    store.work_dir(dataset).join(format!("system={}", sys.name)).join(run_id).join(format!("predictions.{ext}"))
}

/// Copy a command system's predictions to `predictions/<dataset>/<system>.<ext>` in the
/// store, a stable path to the outputs of the latest run (for reports and error analysis).
/// Best effort: the counts are the results; a failed copy only loses the convenience.
fn keep_predictions(store: &Store, dataset: &str, plan: &Plan) {
    if !matches!(plan.sys.kind, SystemKind::Command(_)) {
        return;
    }
    let Some(src) = plan.predictions.as_ref().filter(|p| p.is_file()) else { return };
    let ext = src.extension().map_or_else(|| "jsonl".to_string(), |e| e.to_string_lossy().into_owned());
    let dst = store.root().join("predictions").join(dataset).join(format!("{}.{ext}", plan.sys.name));
    if let Ok(bytes) = std::fs::read(src) {
        let _ = crate::output::write_file(&dst, &bytes);
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Run the commands on a small pool of threads; outcomes in job order.
fn run_jobs(
    jobs: &[(usize, Job)],
    plans: &[Plan],
    datasets: &[DatasetState],
    workers: usize,
    obs: &dyn Observer,
) -> Vec<command::Outcome> {
    if !jobs.is_empty() {
        // SIGTERM or SIGINT now must not leave the commands' process groups running.
        command::guard_signals();
    }
    let workers = if workers == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { workers };
    let workers = workers.clamp(1, jobs.len().max(1));
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<command::Outcome>>> = Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|s| {
        for _ in 0..workers {
            // A worker that cannot be started leaves its share to the others (with none,
            // every command is reported "not run"): never a panic.
            let started = std::thread::Builder::new().spawn_scoped(s, || {
                loop {
                    let k = {
                        let mut n = next.lock().unwrap_or_else(|p| p.into_inner());
                        let k = *n;
                        *n += 1;
                        k
                    };
                    let Some((i, job)) = jobs.get(k) else { break };
                    let (d, sys) = (&datasets[plans[*i].ds].spec.name, &plans[*i].sys.name);
                    obs.event(Event::CommandStarted { dataset: d, system: sys });
                    let o = command::run(job);
                    obs.event(Event::CommandFinished { dataset: d, system: sys, status: o.status });
                    results.lock().unwrap_or_else(|p| p.into_inner())[k] = Some(o);
                }
            });
            if started.is_err() {
                break;
            }
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|o| {
            o.unwrap_or(command::Outcome {
                status: Status::Failed,
                message: Some("not run".into()),
                stderr_tail: None,
                seconds: 0.0,
            })
        })
        .collect()
}

/// The dataset's documents (of a shard) as ieval JSONL without annotations (what
/// commands read).
fn write_documents(gold: &Gold, path: &Path, shard: Option<Shard>) -> Result<()> {
    if path.is_file() {
        return Ok(()); // written atomically by an earlier run: complete
    }
    let file = crate::output::AtomicFile::create(path)?;
    let mut w = formats::jsonl::JsonlWriter::new(file, path);
    for d in gold.documents().filter(|d| shard.is_none_or(|s| s.contains(&d.id))) {
        // No set: the document alone.
        formats::RecordWriter::write(&mut w, d, &[])?;
    }
    formats::RecordWriter::finish(Box::new(w))
}

/// Open a system's predictions for a dataset with the dataset's gold and pair them, as
/// `ieval score --pred` would (aligned onto the gold's documents with `align = true`).
fn open_pairing(
    gold: &Arc<Gold>,
    ds: &DatasetSpec,
    sys: &SystemSpec,
    path: &Path,
    profile: Profile,
) -> Result<Pairing> {
    let mut reader = ds.reader.spec.overridden_by(&sys.reader.spec);
    if matches!(sys.kind, SystemKind::Command(_)) {
        // A command writes ieval JSONL unless the system says otherwise.
        reader.from = sys.reader.spec.from;
    }
    let tag_cols = sys.reader.spec.tag_cols.clone();
    let opened = Inputs::builder(Input::Source(gold.source()))
        .pred_with(sys.name.clone(), Input::path(path), reader, tag_cols)
        .profile(profile)
        .documents_dir(&ds.path)
        .align(sys.align.then(Alignment::default))
        .pair(sys.pair)
        .missing(sys.missing)
        .build()?;
    Ok(opened.pairing)
}

/// Score one unit for every profile and task of its dataset. Errors: `(true, message)`
/// when the fault is the dataset's, `(false, message)` when it is the predictions'.
fn score_unit(
    ds: &mut DatasetState,
    sys: &SystemSpec,
    pred: &Path,
    shard: Option<Shard>,
    obs: &dyn Observer,
) -> std::result::Result<(UnitCounts, Option<String>), (bool, String)> {
    let mut counts = UnitCounts::default();
    let mut positions = Positions::default();
    let mut notes: Vec<String> = Vec::new();
    let spec = ds.spec;
    let tasks = sys.tasks_on(spec);
    // Relations and coreference are scored from each paired document in the sink, in the
    // same pass as entities and events (the predictions are read once per profile).
    let relations = tasks.contains(&Task::Relations);
    let layers: Vec<(Task, Layer)> = [(Task::Coref, Layer::Entities), (Task::EventCoref, Layer::Events)]
        .into_iter()
        .filter(|(t, _)| tasks.contains(t))
        .collect();
    for &profile in &spec.profiles {
        let gold = ds.gold(profile, obs).map_err(|e| (true, e))?;
        let pairing =
            open_pairing(&gold, spec, sys, pred, profile).map_err(|e| (false, e.to_string()))?.restrict(shard);
        let want_events = tasks.contains(&Task::Events);
        let so = ScoreOptions {
            profile,
            task: if want_events { ScoreTask::All } else { ScoreTask::Entities },
            events: EventOptions::default(),
            details: relations || !layers.is_empty(),
            doc_labels: true,
            shard,
            relations: Default::default(),
        };
        let mut sink = UnitSink { counts: &mut counts, positions: &mut positions, profile, relations, layers: &layers };
        let run = score_with(pairing, so, &mut sink).map_err(|e| (false, e.to_string()))?;
        let Some(s) = run.systems.first() else {
            return Err((false, "no system was scored".into()));
        };
        if let Some(r) = repairs(&s.diagnostics)
            && !notes.contains(&r)
        {
            notes.push(r);
        }
        for d in s.docs.iter() {
            for &task in &tasks {
                if !add_rows(&mut counts, task, profile, &d) {
                    let n = format!("{} not scored: this ieval has no {} scorer yet", task.name(), task.name());
                    if !notes.contains(&n) {
                        notes.push(n);
                    }
                }
            }
        }
    }
    if shard.is_some() {
        counts.positions = counts.docs.iter().map(|d| positions.0.get(d).copied().unwrap_or(u64::MAX)).collect();
    }
    let note = (!notes.is_empty()).then(|| notes.join("; "));
    Ok((counts, note))
}

/// Each scored document's position in the paired stream (for shard units).
#[derive(Default)]
struct Positions(HashMap<String, u64>);

/// The scoring pass's sink: each document's position (shard units) and, from the paired
/// document, its relation rows and its coreference rows for every layer asked for.
struct UnitSink<'a> {
    counts: &'a mut UnitCounts,
    positions: &'a mut Positions,
    profile: Profile,
    relations: bool,
    layers: &'a [(Task, Layer)],
}

impl DetailSink for UnitSink<'_> {
    fn document(&mut self, item: &crate::inputs::Item, system: usize, _: &crate::score::run::DocDetails) -> Result<()> {
        let empty = crate::model::DocAnnotations::new(item.doc.id.clone());
        let pred = item.preds.get(system).and_then(Option::as_ref).unwrap_or(&empty);
        let doc = self.counts.doc(&item.doc.id);
        let profile = self.profile.name();
        if self.relations {
            // The relation scorer `score_with` runs under `--task relations`.
            let rc = crate::score::relation::score_document(&item.gold, pred, Default::default(), false).counts;
            for mode in RelMode::ALL {
                add_mode_rows(self.counts, doc, (Task::Relations, profile, mode.name()), rc.mode(mode));
            }
        }
        if self.layers.is_empty() {
            return Ok(());
        }
        let one = |a: &crate::model::DocAnnotations, meta: SetMeta| AnnotationSet { meta, docs: vec![a.clone()] };
        let gold = one(&item.gold, SetMeta::gold("gold"));
        let pred = one(pred, SetMeta::system("system", "predictions"));
        for &(task, layer) in self.layers {
            let opts = crate::coref::Options { layer, ..Default::default() };
            let r = crate::coref::score(std::slice::from_ref(&item.doc), &gold, &pred, &opts)?;
            for (metric, t) in coref_rows(&r.counts) {
                self.counts.add(&CountKey::new(task.name(), profile, metric, ""), doc, t);
            }
        }
        Ok(())
    }
    fn counts(
        &mut self,
        index: u64,
        doc_id: &str,
        _: usize,
        _: &crate::score::EntityCounts,
        _: Option<&EventCounts>,
    ) -> Result<()> {
        self.positions.0.entry(doc_id.to_string()).or_insert(index);
        Ok(())
    }
}

/// One document's rows of one (task, profile, metric): overall and per label.
fn add_mode_rows(counts: &mut UnitCounts, doc: usize, (task, profile, metric): (Task, &str, &str), mc: &ModeCounts) {
    counts.add(&CountKey::new(task.name(), profile, metric, ""), doc, mc.overall);
    for (label, t) in &mc.labels {
        counts.add(&CountKey::new(task.name(), profile, metric, label), doc, *t);
    }
}

/// Add one document's counts for one task; false when the task has no counts to give.
///
/// This is the one place that maps a scorer's counts onto the store's (task, metric,
/// label) rows; a new task or metric only needs an arm here.
fn add_rows(counts: &mut UnitCounts, task: Task, profile: Profile, d: &DocScore) -> bool {
    let doc = counts.doc(&d.doc_id);
    match task {
        Task::Entities => {
            for &mode in profile.modes() {
                add_mode_rows(counts, doc, (task, profile.name(), mode.name()), d.entities.mode(mode));
            }
            true
        }
        // Documents without events on either side carry no event counts: they still get
        // their all-zero overall rows, so that every document is present for resampling.
        Task::Events => {
            let empty = EventCounts::default();
            let ec = d.events.as_deref().unwrap_or(&empty);
            for metric in EventMetric::ALL {
                add_mode_rows(counts, doc, (task, profile.name(), metric.name()), ec.metric(metric));
            }
            true
        }
        // Scored from the paired document in the pass's sink ([`UnitSink`]).
        Task::Relations | Task::Coref | Task::EventCoref => true,
    }
}

/// Coreference rows are fixed-point: every numerator and denominator times this scale,
/// rounded to the nearest integer per document (`suites/README.md`, "Coreference in the
/// store"), so that they add and resample like the other counts.
pub const COREF_SCALE: f64 = 1_000_000.0;

/// A numerator/denominator pair as the store's tally: recall on the gold side (`g_cor` =
/// numerator, `g_mis` = denominator − numerator), precision on the predicted side.
pub fn coref_tally(recall: (f64, f64), precision: (f64, f64)) -> LabelTally {
    let fx = |x: f64| (x * COREF_SCALE).round().max(0.0) as u64;
    let (rn, rd, pn, pd) = (fx(recall.0), fx(recall.1), fx(precision.0), fx(precision.1));
    LabelTally {
        gold: Tally { cor: rn, mis: rd.saturating_sub(rn), ..Default::default() },
        pred: Tally { cor: pn, spu: pd.saturating_sub(pn), ..Default::default() },
    }
}

/// The per-document coreference rows of one document's counts (within-document scope,
/// default profile: the numerators and denominators that `ieval coref score --scope
/// document` sums over documents).
pub fn coref_rows(c: &crate::coref::CountSet) -> [(&'static str, LabelTally); 7] {
    let t = |m: &crate::coref::metrics::Counts| {
        coref_tally((m.recall.num, m.recall.den), (m.precision.num, m.precision.den))
    };
    let b = &c.blanc;
    let f = |x: u64| x as f64;
    [
        ("muc", t(&c.muc)),
        ("b3", t(&c.b_cubed)),
        ("ceafm", t(&c.ceaf_m)),
        ("ceafe", t(&c.ceaf_e)),
        ("lea", t(&c.lea)),
        ("blanc-c", coref_tally((f(b.tp_c), f(b.c_k)), (f(b.tp_c), f(b.c_r)))),
        ("blanc-n", coref_tally((f(b.tp_n), f(b.n_k)), (f(b.tp_n), f(b.n_r)))),
    ]
}

/// The repairs a reader made in the predictions, in one line (`None`: none).
fn repairs(d: &Diagnostics) -> Option<String> {
    let parts: Vec<String> = d
        .kinds
        .values()
        .filter(|k| !k.note)
        .map(|k| match k.examples.first() {
            Some(e) => format!("{} x {} (first at {e})", k.count, k.message),
            None => format!("{} x {}", k.count, k.message),
        })
        .collect();
    (!parts.is_empty()).then(|| format!("repairs in the predictions: {}", parts.join("; ")))
}

#[cfg(test)]
mod coref_rows_tests {
    use super::*;
    use crate::coref::metrics::{Counts, Ratio};

    /// Fixed point: numerators and denominators in millionths, rounded per document.
    #[test]
    fn coref_rows_are_fixed_point_ratios() {
        let t = coref_tally((1.0 / 3.0, 1.0), (0.5, 2.0));
        assert_eq!((t.gold.cor, t.gold.mis), (333_333, 666_667));
        assert_eq!((t.pred.cor, t.pred.spu), (500_000, 1_500_000));
        let c = crate::coref::CountSet {
            b_cubed: Counts { recall: Ratio { num: 2.5, den: 4.0 }, precision: Ratio { num: 3.0, den: 3.0 } },
            blanc: crate::coref::metrics::BlancCounts { tp_c: 1, c_k: 3, c_r: 1, ..Default::default() },
            ..Default::default()
        };
        let rows = coref_rows(&c);
        assert_eq!(rows.map(|r| r.0), ["muc", "b3", "ceafm", "ceafe", "lea", "blanc-c", "blanc-n"]);
        let b3 = rows[1].1;
        assert_eq!(
            (b3.gold.cor, b3.possible(), b3.pred.cor, b3.actual()),
            (2_500_000, 4_000_000, 3_000_000, 3_000_000)
        );
        let bc = rows[5].1;
        assert_eq!((bc.gold.cor, bc.possible(), bc.actual()), (1_000_000, 3_000_000, 1_000_000));
        // An empty document: all zero (undefined, like any task's empty document).
        assert_eq!(rows[0].1, LabelTally::default());
    }
}
