//! Suite files (`suites/*.toml`): what to evaluate, on what, and how.
//!
//! ```toml
//! [suite]
//! name = "default"                   # default: the file stem
//! description = "Bundled articles"
//! tasks = ["entities", "events"]     # default ["entities"]
//! profiles = ["default"]             # default ["default"]
//! timeout_seconds = 600              # default for command systems
//!
//! [[dataset]]
//! name = "articles"
//! path = "../datasets/articles/gold.jsonl"   # corpus dir or any input ieval reads
//! gold = "gold"                      # which set of the input is the gold (default: the gold set)
//! # reader options, as on the command line: from, scheme, tag_policy, tag_cols, token_col,
//! # tab, sentences_per_doc, names, offsets, include_rejected, ls_annotation, strict
//! # tasks / profiles override the [suite] defaults for this dataset
//!
//! [[system]]
//! name = "gazetteer-v1"
//! version = "1"
//! command = ["python3", "extractors/gazetteer.py", "--version", "1", "{input}", "{output}"]
//! timeout_seconds = 60
//!
//! [[system]]
//! name = "flair"
//! predictions = { conll2003 = "${CORPORA:-../../shared/corpora}/flair.txt" }  # or one path for every dataset
//! ```
//!
//! Paths: text written in the suite file is relative to the suite file's directory.
//! `${VAR}` and `${VAR:-default}` expand from the environment (in paths, `command`,
//! `workdir`, `inputs` and `env` values); a path that *starts* with a variable set in the
//! environment to a relative path is relative to the current directory instead, since the
//! person who set it meant their own directory.
//!
//! Commands run in `workdir` (default: the suite file's directory) with placeholders
//! `{input}` (ieval JSONL of the dataset's documents, no annotations; without `{input}` the
//! documents come on stdin), `{output}` (where to write predictions, ieval JSONL unless the
//! system says `from = ...`; without `{output}` stdout is the output), `{dataset}`,
//! `{system}`, `{version}`; `{{` and `}}` are literal braces. A system's other keys:
//! `datasets` (restrict to these), `tasks` (score only these of the dataset's tasks), `env` (a table of variables), `inputs` (files whose
//! content is part of the run id, besides the files named in `command`), `pair` (auto, id,
//! tokens), `missing` (error, empty, skip) and the reader options for its predictions (the
//! dataset's, overridden; tag columns default to the last).
//!
//! Every problem is an error naming the suite file, line and column, and the key.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::{Error, Location, Result};
use crate::formats::Format;
use crate::formats::conll::TagColumns;
use crate::formats::labelstudio::AnnotationPick;
use crate::inputs::{Missing, PairBy, ReaderSpec};
use crate::score::Profile;
use crate::tags::{Policy, Scheme};
use crate::text::OffsetUnit;

use super::hash;

/// Default timeout of a command system.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// What is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Task {
    Entities,
    Events,
    /// Relations (modes strict, boundaries, relaxed).
    Relations,
    /// Coreference of entity mentions within each document (see `suites/README.md`).
    Coref,
    /// Coreference of event mentions within each document.
    EventCoref,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::Entities => "entities",
            Task::Events => "events",
            Task::Relations => "relations",
            Task::Coref => "coref",
            Task::EventCoref => "event-coref",
        }
    }
}

crate::from_names!(Task, "task", "entities, events, relations, coref or event-coref", {
    "entities" => Entities,
    "events" => Events,
    "relations" => Relations,
    "coref" => Coref,
    "event-coref" => EventCoref,
});

/// Reader options as a suite file gives them (the command line's names, read into the
/// library's [`ReaderSpec`]: unset options keep the command line's defaults), with the
/// text written, for run ids.
#[derive(Debug, Clone, Default)]
pub struct ReaderKeys {
    pub spec: ReaderSpec,
    /// The options as written (`key` -> value text), for run ids.
    pub written: BTreeMap<String, String>,
}

/// The reader option keys (shared by datasets and systems).
pub const READER_KEYS: &[&str] = &[
    "from",
    "scheme",
    "tag_policy",
    "tag_cols",
    "token_col",
    "tab",
    "sentences_per_doc",
    "names",
    "offsets",
    "include_rejected",
    "ls_annotation",
    "strict",
];

impl ReaderKeys {
    /// A canonical text of the options, for hashing.
    pub fn canonical(&self) -> String {
        self.written.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")
    }
}

/// One dataset: a gold input.
#[derive(Debug, Clone)]
pub struct DatasetSpec {
    pub name: String,
    /// The input as written in the suite file (before expansion), for messages.
    pub path_text: String,
    pub path: PathBuf,
    pub reader: ReaderKeys,
    /// The name of the gold set in the input (`None`: the set marked gold, or the only set).
    pub gold: Option<String>,
    /// The documents to score on, when they are not the input's own: the gold labels of
    /// `path` (made on another copy of the text) are aligned onto them (`ieval align`).
    pub corpus: Option<PathBuf>,
    pub tasks: Vec<Task>,
    pub profiles: Vec<Profile>,
}

/// How a system's predictions come about.
#[derive(Debug, Clone)]
pub enum SystemKind {
    /// Prediction files, per dataset name.
    Predictions(BTreeMap<String, PathBuf>),
    /// A command run on each dataset's documents.
    Command(CommandSpec),
}

/// A command system.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    /// Arguments after environment expansion, placeholders still in place.
    pub argv: Vec<String>,
    pub workdir: PathBuf,
    pub env: BTreeMap<String, String>,
    pub timeout: Duration,
    /// Extra files whose content is part of the run id.
    pub inputs: Vec<PathBuf>,
}

/// The placeholders a command may use.
pub const PLACEHOLDERS: &[&str] = &["input", "output", "dataset", "system", "version"];

impl CommandSpec {
    pub fn uses(&self, placeholder: &str) -> bool {
        let p = format!("{{{placeholder}}}");
        self.argv.iter().any(|a| a.replace("{{", "").replace("}}", "").contains(&p))
    }

    /// The arguments with placeholders filled in.
    pub fn expand(&self, vars: &BTreeMap<&str, String>) -> Vec<String> {
        self.argv.iter().map(|a| fill(a, vars)).collect()
    }
}

/// Replace `{name}` by its value and `{{`/`}}` by braces (placeholders were checked when
/// the suite was read).
fn fill(s: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if let Some(end) = tail.find('}').filter(|_| tail.starts_with('{')) {
            let name = &tail[1..end];
            match vars.get(name) {
                Some(v) => out.push_str(v),
                None => out.push_str(&tail[..=end]),
            }
            rest = &tail[end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Check the placeholders of one argument: unknown names and unbalanced braces.
fn check_placeholders(s: &str) -> std::result::Result<(), String> {
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}']) {
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
        } else if tail.starts_with('}') {
            return Err(format!("unmatched '}}' in {s:?} (write '}}}}' for a literal brace)"));
        } else {
            let Some(end) = tail.find('}') else {
                return Err(format!("unclosed '{{' in {s:?} (write '{{{{' for a literal brace)"));
            };
            let name = &tail[1..end];
            if !PLACEHOLDERS.contains(&name) {
                return Err(format!(
                    "unknown placeholder {{{name}}} in {s:?} (known: {})",
                    PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", ")
                ));
            }
            rest = &tail[end + 1..];
        }
    }
    Ok(())
}

/// One system.
#[derive(Debug, Clone)]
pub struct SystemSpec {
    pub name: String,
    pub version: Option<String>,
    pub kind: SystemKind,
    /// Restrict the system to these datasets (`None`: every dataset, or the datasets its
    /// predictions name).
    pub datasets: Option<Vec<String>>,
    /// Score only these of each dataset's tasks (`None`: all of them).
    pub tasks: Option<Vec<Task>>,
    /// Reader options for the predictions (overriding the dataset's).
    pub reader: ReaderKeys,
    /// Align the predictions onto the dataset's documents before scoring (other
    /// tokenization, drifted text, string-only LLM output).
    pub align: bool,
    pub pair: PairBy,
    pub missing: Missing,
    /// The keys as written (for run ids).
    pub written: BTreeMap<String, String>,
}

impl SystemSpec {
    /// The tasks scored for this system on a dataset.
    pub fn tasks_on(&self, ds: &DatasetSpec) -> Vec<Task> {
        ds.tasks.iter().copied().filter(|t| self.tasks.as_ref().is_none_or(|s| s.contains(t))).collect()
    }

    /// True when the system runs on this dataset.
    pub fn runs_on(&self, dataset: &str) -> bool {
        if let Some(only) = &self.datasets
            && !only.iter().any(|d| d == dataset)
        {
            return false;
        }
        match &self.kind {
            SystemKind::Predictions(m) => m.contains_key(dataset),
            SystemKind::Command(_) => true,
        }
    }
}

/// A validated suite file.
#[derive(Debug, Clone)]
pub struct Suite {
    pub path: PathBuf,
    /// The directory relative paths are taken from.
    pub dir: PathBuf,
    pub name: String,
    pub description: Option<String>,
    /// FNV-1a 64 of the file's bytes.
    pub hash: String,
    pub datasets: Vec<DatasetSpec>,
    pub systems: Vec<SystemSpec>,
}

impl Suite {
    /// Read and validate a suite file.
    pub fn load(path: &Path) -> Result<Suite> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = String::from_utf8(bytes.clone()).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let (line, col) = line_col(&String::from_utf8_lossy(&bytes[..at]), at);
            Error::parse(Location::line(path, line).with_column(col), "the suite file is not valid UTF-8")
        })?;
        let env = |k: &str| std::env::var(k).ok();
        Suite::parse(path, &text, &env)
    }

    /// Validate a suite given as text (`path` names it in errors and anchors relative
    /// paths); `env` looks up environment variables.
    pub fn parse(path: &Path, text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Suite> {
        let ctx = Ctx { path, src: text, env };
        let root = DeTable::parse(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            ctx.at(at, e.message().trim_end().to_string())
        })?;
        let root_span = root.span();
        let root = root.into_inner();
        let top = Tbl { ctx: &ctx, table: &root, what: String::new() };
        top.only_keys(&["suite", "dataset", "system"])?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let head = suite_table(&ctx, &top, path)?;
        let mut datasets: Vec<DatasetSpec> = Vec::new();
        for (k, v) in top.array_of_tables("dataset")?.into_iter().enumerate() {
            let t = ctx.table(v, &format!("[[dataset]] #{}", k + 1))?.named("dataset");
            let d = dataset(&t, &dir, &head, &datasets)?;
            datasets.push(d);
        }
        if datasets.is_empty() {
            return Err(ctx.at(root_span.end, "the suite has no [[dataset]]: add one with name and path"));
        }
        let mut systems: Vec<SystemSpec> = Vec::new();
        for (k, v) in top.array_of_tables("system")?.into_iter().enumerate() {
            let t = ctx.table(v, &format!("[[system]] #{}", k + 1))?.named("system");
            let sys = system(&t, v.span().start, &dir, &head, &datasets, &systems)?;
            systems.push(sys);
        }
        if systems.is_empty() {
            return Err(ctx.at(root_span.end, "the suite has no [[system]]: add one with predictions or command"));
        }
        Ok(Suite {
            path: path.to_path_buf(),
            dir,
            name: head.name,
            description: head.description,
            hash: hash::hash_bytes(text.as_bytes()),
            datasets,
            systems,
        })
    }

    pub fn dataset(&self, name: &str) -> Option<&DatasetSpec> {
        self.datasets.iter().find(|d| d.name == name)
    }
}

/// The `[suite]` table: name, description and the defaults datasets and systems take.
struct Head {
    name: String,
    description: Option<String>,
    tasks: Vec<Task>,
    profiles: Vec<Profile>,
    timeout: Duration,
}

/// Read `[suite]` (the name defaults to the file stem).
fn suite_table(ctx: &Ctx, top: &Tbl, path: &Path) -> Result<Head> {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "suite".into());
    let mut head = Head {
        name: stem.clone(),
        description: None,
        tasks: vec![Task::Entities],
        profiles: vec![Profile::Default],
        timeout: DEFAULT_TIMEOUT,
    };
    let Some(v) = top.get("suite") else {
        check_name(ctx, 0..0, "the file name", &head.name).map_err(|_| {
            ctx.at(
                0,
                format!(
                    "the suite is named after its file, {stem:?}, which cannot be used as a name: give [suite] name = \"...\""
                ),
            )
        })?;
        return Ok(head);
    };
    let t = ctx.table(v, "[suite]")?;
    t.only_keys(&["name", "description", "tasks", "profiles", "timeout_seconds"])?;
    if let Some((n, span)) = t.string("name")? {
        check_name(ctx, span, &t.key("name"), &n)?;
        head.name = n;
    }
    head.description = t.string("description")?.map(|(d, _)| d);
    if let Some(ts) = t.parsed_list::<Task>("tasks")? {
        head.tasks = ts;
    }
    if let Some(ps) = t.parsed_list::<SuiteProfile>("profiles")? {
        head.profiles = ps.into_iter().map(|p| p.0).collect();
    }
    if let Some(d) = t.seconds("timeout_seconds")? {
        head.timeout = d;
    }
    Ok(head)
}

/// A name key: required, usable as a name, and not taken by an earlier table.
fn unique_name(t: &Tbl, kind: &str, taken: bool) -> Result<(String, Range<usize>)> {
    let (name, span) = t.required_string("name")?;
    check_name(t.ctx, span.clone(), &t.key("name"), &name)?;
    if taken {
        return Err(t.ctx.at(span.start, format!("{}: a {kind} named {name:?} exists already", t.key("name"))));
    }
    Ok((name, span))
}

/// A path key whose file or directory must exist.
fn existing_path(t: &Tbl, dir: &Path, key: &str, text: &str, span: Range<usize>) -> Result<PathBuf> {
    let p = t.ctx.path_of(dir, text, span.clone(), &t.key(key))?;
    if !p.exists() {
        return Err(t.ctx.at(span.start, format!("{}: {} does not exist{}", t.key(key), p.display(), env_hint(text))));
    }
    Ok(p)
}

/// One `[[dataset]]`.
fn dataset(t: &Tbl, dir: &Path, head: &Head, earlier: &[DatasetSpec]) -> Result<DatasetSpec> {
    let mut allowed = vec!["name", "path", "gold", "corpus", "tasks", "profiles"];
    allowed.extend(READER_KEYS);
    t.only_keys(&allowed)?;
    let peek = t.string("name")?.map(|(n, _)| n);
    let (name, _) = unique_name(t, "dataset", earlier.iter().any(|d| Some(&d.name) == peek.as_ref()))?;
    let (path_text, pspan) = t.required_string("path")?;
    let path = existing_path(t, dir, "path", &path_text, pspan)?;
    let gold = t.string("gold")?.map(|(g, _)| g);
    let corpus = match t.string("corpus")? {
        None => None,
        Some((ctext, cspan)) => Some(existing_path(t, dir, "corpus", &ctext, cspan)?),
    };
    Ok(DatasetSpec {
        name,
        path_text,
        path,
        reader: t.reader()?,
        gold,
        corpus,
        tasks: t.parsed_list::<Task>("tasks")?.unwrap_or_else(|| head.tasks.clone()),
        profiles: match t.parsed_list::<SuiteProfile>("profiles")? {
            Some(ps) => ps.into_iter().map(|p| p.0).collect(),
            None => head.profiles.clone(),
        },
    })
}

/// A profile a suite runs: one that scores entities (a suite scores entities, events and
/// relations under each of its profiles; `neleval` scores linking and coreference only).
struct SuiteProfile(Profile);

impl std::str::FromStr for SuiteProfile {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let p: Profile = s.parse()?;
        if !p.scores_entities() {
            return Err(format!(
                "profile {s:?} scores entity linking and coreference only (ieval score --task linking or coref), not a suite's tasks"
            ));
        }
        Ok(SuiteProfile(p))
    }
}

/// The keys a `[[system]]` takes besides the reader options.
const SYSTEM_KEYS: &[&str] = &[
    "name",
    "version",
    "predictions",
    "command",
    "timeout_seconds",
    "workdir",
    "env",
    "inputs",
    "datasets",
    "pair",
    "missing",
    "tasks",
    "align",
];

/// One `[[system]]` (`at`: where its table starts).
fn system(
    t: &Tbl,
    at: usize,
    dir: &Path,
    head: &Head,
    datasets: &[DatasetSpec],
    earlier: &[SystemSpec],
) -> Result<SystemSpec> {
    let ctx = t.ctx;
    let mut allowed = SYSTEM_KEYS.to_vec();
    allowed.extend(READER_KEYS);
    t.only_keys(&allowed)?;
    let peek = t.string("name")?.map(|(n, _)| n);
    let (name, nspan) = unique_name(t, "system", earlier.iter().any(|s| Some(&s.name) == peek.as_ref()))?;
    let mut written = BTreeMap::new();
    let version = version(t)?;
    if let Some(v) = &version {
        written.insert("version".to_string(), v.clone());
    }
    let dataset_names: BTreeSet<&str> = datasets.iter().map(|d| d.name.as_str()).collect();
    let only = match t.string_list("datasets")? {
        None => None,
        Some(list) => {
            for (d, span) in &list {
                if !dataset_names.contains(d.as_str()) {
                    return Err(ctx.at(span.start, format!("{}: no dataset is named {d:?}", t.key("datasets"))));
                }
            }
            Some(list.into_iter().map(|(d, _)| d).collect::<Vec<_>>())
        }
    };
    let tasks = t.parsed_list::<Task>("tasks")?;
    if let Some(ts) = &tasks {
        written.insert("tasks".to_string(), ts.iter().map(|t| t.name()).collect::<Vec<_>>().join(","));
    }
    let align = t.boolean("align")?.unwrap_or(false);
    if align {
        written.insert("align".to_string(), "true".to_string());
    }
    let pair = t.parsed::<PairBy>("pair")?.unwrap_or_default();
    let missing = t.parsed::<Missing>("missing")?.unwrap_or_default();
    for key in ["pair", "missing"] {
        if let Some((s, _)) = t.string(key)? {
            written.insert(key.to_string(), s);
        }
    }
    let reader = t.reader()?;
    let kind = match (t.get("predictions"), t.get("command")) {
        (Some(_), Some(c)) => {
            return Err(ctx.at(c.span().start, format!("{}: give either predictions or command, not both", t.what)));
        }
        (None, None) => {
            return Err(ctx.at(
                at,
                format!(
                    "{}: say where the predictions come from: predictions = \"path\" (or {{ dataset = \"path\" }}) or command = [...]",
                    t.what
                ),
            ));
        }
        (Some(p), None) => SystemKind::Predictions(predictions(t, p, dir, datasets, only.as_deref())?),
        (None, Some(c)) => SystemKind::Command(command(t, c, dir, head.timeout)?),
    };
    let sys = SystemSpec { name, version, kind, datasets: only, tasks, reader, align, pair, missing, written };
    for d in datasets {
        if sys.runs_on(&d.name) && sys.tasks_on(d).is_empty() {
            let at = t.get("tasks").map_or(nspan.start, |v| v.span().start);
            return Err(
                ctx.at(at, format!("{}: none of these tasks is a task of dataset {:?}", t.key("tasks"), d.name))
            );
        }
    }
    Ok(sys)
}

/// A system's `version`: a string or a number, as written.
fn version(t: &Tbl) -> Result<Option<String>> {
    let Some(v) = t.get("version") else { return Ok(None) };
    match v.get_ref() {
        DeValue::String(s) => Ok(Some(s.to_string())),
        DeValue::Integer(i) => Ok(Some(i.as_str().to_string())),
        DeValue::Float(f) => Ok(Some(f.as_str().to_string())),
        other => Err(t
            .ctx
            .at(v.span().start, format!("{}: expected a string, found {}", t.key("version"), other.type_str()))),
    }
}

/// A system's `predictions`: one path for every dataset it runs on, or a table of paths by
/// dataset name.
fn predictions(
    t: &Tbl,
    p: &Spanned<DeValue>,
    dir: &Path,
    datasets: &[DatasetSpec],
    only: Option<&[String]>,
) -> Result<BTreeMap<String, PathBuf>> {
    let ctx = t.ctx;
    for key in ["timeout_seconds", "workdir", "env", "inputs"] {
        if let Some(x) = t.get(key) {
            return Err(ctx.at(x.span().start, format!("{}: only a command system takes {key}", t.key(key))));
        }
    }
    let key = t.key("predictions");
    let mut map = BTreeMap::new();
    match p.get_ref() {
        DeValue::String(s) => {
            let path = ctx.path_of(dir, s, p.span(), &key)?;
            for d in datasets {
                if only.is_none_or(|o| o.contains(&d.name)) {
                    map.insert(d.name.clone(), path.clone());
                }
            }
        }
        DeValue::Table(tab) => {
            let dataset_names: BTreeSet<&str> = datasets.iter().map(|d| d.name.as_str()).collect();
            for (dk, dv) in tab.iter() {
                let dn = dk.get_ref().to_string();
                if !dataset_names.contains(dn.as_str()) {
                    return Err(ctx.at(
                        dk.span().start,
                        format!(
                            "{key}: no dataset is named {dn:?} (datasets: {})",
                            dataset_names.iter().copied().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
                let DeValue::String(s) = dv.get_ref() else {
                    return Err(ctx.at(
                        dv.span().start,
                        format!("{key}.{dn}: expected a path (string), found {}", dv.get_ref().type_str()),
                    ));
                };
                map.insert(dn.clone(), ctx.path_of(dir, s, dv.span(), &format!("{key}.{dn}"))?);
            }
        }
        other => {
            return Err(ctx.at(
                p.span().start,
                format!("{key}: expected a path or a table {{ dataset = \"path\" }}, found {}", other.type_str()),
            ));
        }
    }
    if map.is_empty() {
        return Err(ctx.at(p.span().start, format!("{key}: names no dataset of the suite")));
    }
    Ok(map)
}

/// A command system: `command`, `workdir`, `env`, `inputs`, `timeout_seconds`.
fn command(t: &Tbl, c: &Spanned<DeValue>, dir: &Path, timeout: Duration) -> Result<CommandSpec> {
    let ctx = t.ctx;
    let key = t.key("command");
    let args = t.string_list("command")?.unwrap_or_default();
    if args.is_empty() {
        return Err(ctx.at(c.span().start, format!("{key}: must name a program")));
    }
    let mut argv = Vec::new();
    for (a, span) in args {
        let a = ctx.expand(&a, span.clone(), &key)?.0;
        check_placeholders(&a).map_err(|m| ctx.at(span.start, format!("{key}: {m}")))?;
        argv.push(a);
    }
    let workdir = match t.string("workdir")? {
        Some((w, span)) => {
            let p = ctx.path_of(dir, &w, span.clone(), &t.key("workdir"))?;
            if !p.is_dir() {
                return Err(ctx.at(span.start, format!("{}: {} is not a directory", t.key("workdir"), p.display())));
            }
            p
        }
        None => dir.to_path_buf(),
    };
    let mut env = BTreeMap::new();
    if let Some(e) = t.get("env") {
        let et = ctx.table(e, &t.key("env"))?;
        for (ek, ev) in et.table.iter() {
            let DeValue::String(s) = ev.get_ref() else {
                return Err(ctx.at(ev.span().start, format!("{}.{}: expected a string", t.key("env"), ek.get_ref())));
            };
            env.insert(ek.get_ref().to_string(), ctx.expand(s, ev.span(), &t.key("env"))?.0);
        }
    }
    let mut inputs = Vec::new();
    for (p, span) in t.string_list("inputs")?.unwrap_or_default() {
        let path = ctx.path_of(dir, &p, span.clone(), &t.key("inputs"))?;
        if !path.exists() {
            return Err(ctx.at(span.start, format!("{}: {} does not exist", t.key("inputs"), path.display())));
        }
        inputs.push(path);
    }
    let timeout = t.seconds("timeout_seconds")?.unwrap_or(timeout);
    Ok(CommandSpec { argv, workdir, env, timeout, inputs })
}

/// Names end up in directory names of the results store (`dataset=<name>`), so they are
/// kept to a portable set.
fn check_name(ctx: &Ctx, span: Range<usize>, key: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-+@".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ctx.at(
            span.start,
            format!("{key}: {name:?} cannot be used as a name: use ASCII letters, digits, '.', '_', '-', '+', '@'"),
        ))
    }
}

fn env_hint(text: &str) -> String {
    if text.contains("${") {
        " (the path comes from environment variables: check them, e.g. CORPORA)".to_string()
    } else {
        String::new()
    }
}

/// Drop `.` components and fold `dir/..` pairs (lexically, so messages and manifests show
/// `datasets/x` rather than `suites/../datasets/x`; a `..` after a symlink is rare in suite
/// paths, and the files are opened by this path either way).
fn tidy(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    if out.is_empty() { PathBuf::from(".") } else { out.iter().collect() }
}

/// Line and column (1-based, column in characters) of a byte offset.
fn line_col(src: &str, at: usize) -> (u64, u64) {
    let at = at.min(src.len());
    let mut at = at;
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    let before = &src[..at];
    let line = before.bytes().filter(|&b| b == b'\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, col)
}

/// A string with where it is in the suite file.
type Located = (String, Range<usize>);

struct Ctx<'a> {
    path: &'a Path,
    src: &'a str,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Ctx<'_> {
    fn at(&self, offset: usize, message: impl Into<String>) -> Error {
        let (line, col) = line_col(self.src, offset);
        Error::parse(Location::line(self.path, line).with_column(col), message)
    }

    fn table<'t, 'i>(&'t self, v: &'t Spanned<DeValue<'i>>, what: &str) -> Result<Tbl<'t, 'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Ok(Tbl { ctx: self, table: t, what: what.to_string() }),
            other => Err(self.at(v.span().start, format!("{what}: expected a table, found {}", other.type_str()))),
        }
    }

    /// Expand `${VAR}` and `${VAR:-default}`. Returns the text and, when the text starts
    /// with a variable taken from the environment, that variable's value.
    fn expand(&self, s: &str, span: Range<usize>, key: &str) -> Result<(String, Option<String>)> {
        let mut out = String::new();
        let mut rest = s;
        let mut leading = None;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let tail = &rest[i + 2..];
            let Some(end) = tail.find('}') else {
                return Err(self.at(span.start, format!("{key}: unclosed ${{ in {s:?}")));
            };
            let inner = &tail[..end];
            let (var, default) = match inner.split_once(":-") {
                Some((v, d)) => (v, Some(d)),
                None => (inner, None),
            };
            if var.is_empty() || !var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(self.at(span.start, format!("{key}: bad variable name {var:?} in {s:?}")));
            }
            let value = match (self.env)(var).filter(|v| !v.is_empty()) {
                Some(v) => {
                    if out.is_empty() {
                        leading = Some(v.clone());
                    }
                    v
                }
                None => {
                    match default {
                        Some(d) => d.to_string(),
                        None => {
                            return Err(self.at(
                            span.start,
                            format!("{key}: environment variable {var} is not set (write ${{{var}:-default}} for a default)"),
                        ));
                        }
                    }
                }
            };
            out.push_str(&value);
            rest = &tail[end + 1..];
        }
        out.push_str(rest);
        Ok((out, leading))
    }

    /// A path from the suite file: expanded, then relative to the suite's directory (or to
    /// the current directory when it starts with a relative value from the environment).
    fn path_of(&self, dir: &Path, s: &str, span: Range<usize>, key: &str) -> Result<PathBuf> {
        if s.is_empty() {
            return Err(self.at(span.start, format!("{key}: empty path")));
        }
        let (text, leading) = self.expand(s, span, key)?;
        let p = PathBuf::from(&text);
        if p.is_absolute() || leading.is_some_and(|v| Path::new(&v).is_relative()) {
            return Ok(tidy(&p));
        }
        Ok(tidy(&dir.join(p)))
    }
}

/// A table of the suite file being read, with where it is for messages.
struct Tbl<'a, 'i> {
    ctx: &'a Ctx<'a>,
    table: &'a DeTable<'i>,
    what: String,
}

impl<'a, 'i> Tbl<'a, 'i> {
    /// Name the table after its `name` key when it has one (`system "x"`), for messages.
    fn named(self, kind: &str) -> Self {
        match self.get("name").map(|v| v.get_ref()) {
            Some(DeValue::String(n)) => Tbl { what: format!("{kind} {n:?}"), ..self },
            _ => self,
        }
    }

    fn key(&self, k: &str) -> String {
        if self.what.is_empty() { format!("key {k}") } else { format!("{}: key {k}", self.what) }
    }

    fn get(&self, k: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.table.iter().find(|(key, _)| key.get_ref() == k).map(|(_, v)| v)
    }

    fn only_keys(&self, allowed: &[&str]) -> Result<()> {
        for (k, _) in self.table.iter() {
            let name: &str = k.get_ref();
            if !allowed.contains(&name) {
                let what = if self.what.is_empty() { "the suite file".to_string() } else { self.what.clone() };
                return Err(self.ctx.at(
                    k.span().start,
                    format!("{what}: unknown key {name:?} (expected one of: {})", allowed.join(", ")),
                ));
            }
        }
        Ok(())
    }

    fn array_of_tables(&self, k: &str) -> Result<Vec<&'a Spanned<DeValue<'i>>>> {
        match self.get(k) {
            None => Ok(Vec::new()),
            Some(v) => match v.get_ref() {
                DeValue::Array(a) => Ok(a.iter().collect()),
                other => Err(self
                    .ctx
                    .at(v.span().start, format!("key {k}: expected [[{k}]] tables, found {}", other.type_str()))),
            },
        }
    }

    fn string(&self, k: &str) -> Result<Option<(String, Range<usize>)>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Ok(Some((s.to_string(), v.span()))),
                other => Err(self
                    .ctx
                    .at(v.span().start, format!("{}: expected a string, found {}", self.key(k), other.type_str()))),
            },
        }
    }

    fn required_string(&self, k: &str) -> Result<(String, Range<usize>)> {
        match self.string(k)? {
            Some(x) => Ok(x),
            None => {
                let at = self.table.iter().next().map_or(0, |(key, _)| key.span().start);
                Err(self.ctx.at(at, format!("{}: missing (required)", self.key(k))))
            }
        }
    }

    fn string_list(&self, k: &str) -> Result<Option<Vec<Located>>> {
        let Some(v) = self.get(k) else { return Ok(None) };
        let DeValue::Array(a) = v.get_ref() else {
            return Err(self.ctx.at(
                v.span().start,
                format!("{}: expected an array of strings, found {}", self.key(k), v.get_ref().type_str()),
            ));
        };
        let mut out = Vec::new();
        for item in a.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), item.span())),
                other => {
                    return Err(self.ctx.at(
                        item.span().start,
                        format!("{}: expected strings, found {}", self.key(k), other.type_str()),
                    ));
                }
            }
        }
        Ok(Some(out))
    }

    fn parsed<T: std::str::FromStr<Err = String>>(&self, k: &str) -> Result<Option<T>> {
        match self.string(k)? {
            None => Ok(None),
            Some((s, span)) => {
                s.parse::<T>().map(Some).map_err(|e| self.ctx.at(span.start, format!("{}: {e}", self.key(k))))
            }
        }
    }

    fn parsed_list<T: std::str::FromStr<Err = String>>(&self, k: &str) -> Result<Option<Vec<T>>> {
        let Some(list) = self.string_list(k)? else { return Ok(None) };
        if list.is_empty() {
            let at = self.get(k).map_or(0, |v| v.span().start);
            return Err(self.ctx.at(at, format!("{}: must not be empty", self.key(k))));
        }
        let mut out = Vec::new();
        for (s, span) in list {
            out.push(s.parse::<T>().map_err(|e| self.ctx.at(span.start, format!("{}: {e}", self.key(k))))?);
        }
        Ok(Some(out))
    }

    fn boolean(&self, k: &str) -> Result<Option<bool>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                DeValue::Boolean(b) => Ok(Some(*b)),
                other => Err(self.ctx.at(
                    v.span().start,
                    format!("{}: expected true or false, found {}", self.key(k), other.type_str()),
                )),
            },
        }
    }

    /// A number key's digits without `_` separators (`None` in the pair: not a number
    /// of the kinds asked for), with where it is; `None`: the key is absent.
    fn digits(&self, k: &str, float: bool) -> Option<(Option<String>, usize)> {
        let v = self.get(k)?;
        let text = match v.get_ref() {
            DeValue::Integer(i) => Some(i.as_str().replace('_', "")),
            DeValue::Float(f) if float => Some(f.as_str().replace('_', "")),
            _ => None,
        };
        Some((text, v.span().start))
    }

    fn uint(&self, k: &str) -> Result<Option<usize>> {
        let Some((text, at)) = self.digits(k, false) else { return Ok(None) };
        match text.and_then(|t| t.parse::<usize>().ok()) {
            Some(n) => Ok(Some(n)),
            None => Err(self.ctx.at(at, format!("{}: expected a whole number of 0 or more", self.key(k)))),
        }
    }

    fn seconds(&self, k: &str) -> Result<Option<Duration>> {
        let Some((text, at)) = self.digits(k, true) else { return Ok(None) };
        match text.and_then(|t| t.parse::<f64>().ok()) {
            // Up to a year: more is surely a typo (and could overflow a Duration).
            Some(s) if s > 0.0 && s <= 31_536_000.0 => Ok(Some(Duration::from_secs_f64(s))),
            _ => {
                Err(self.ctx.at(at, format!("{}: expected a number of seconds above 0 (at most a year)", self.key(k))))
            }
        }
    }

    /// The reader options of this table.
    fn reader(&self) -> Result<ReaderKeys> {
        let mut r = ReaderSpec { from: self.parsed::<Format>("from")?, ..Default::default() };
        r.scheme = self.parsed::<Scheme>("scheme")?;
        r.tag_policy = self.parsed::<Policy>("tag_policy")?;
        r.offsets = self.parsed::<OffsetUnit>("offsets")?;
        r.ls_annotation = self.parsed::<AnnotationPick>("ls_annotation")?;
        // tag_cols: "1-", "-1", "1,2" as on the command line, or an integer.
        r.tag_cols = match self.get("tag_cols") {
            None => None,
            Some(v) => {
                let text = match v.get_ref() {
                    DeValue::String(s) => s.to_string(),
                    DeValue::Integer(i) => i.as_str().to_string(),
                    other => {
                        return Err(self.ctx.at(
                            v.span().start,
                            format!(
                                "{}: expected a string like \"-1\" or \"1-\", found {}",
                                self.key("tag_cols"),
                                other.type_str()
                            ),
                        ));
                    }
                };
                Some(
                    text.parse::<TagColumns>()
                        .map_err(|e| self.ctx.at(v.span().start, format!("{}: {e}", self.key("tag_cols"))))?,
                )
            }
        };
        r.token_col = self.uint("token_col")?;
        r.sentences_per_doc = self.uint("sentences_per_doc")?;
        if r.sentences_per_doc == Some(0) {
            let at = self.get("sentences_per_doc").map_or(0, |v| v.span().start);
            return Err(self.ctx.at(at, format!("{}: must be 1 or more", self.key("sentences_per_doc"))));
        }
        r.tab = self.boolean("tab")?;
        r.include_rejected = self.boolean("include_rejected")?;
        r.strict = self.boolean("strict")?;
        r.names = self.string_list("names")?.map(|v| v.into_iter().map(|(s, _)| s).collect());
        let mut written = BTreeMap::new();
        for k in READER_KEYS {
            if let Some(v) = self.get(k) {
                let text = match v.get_ref() {
                    DeValue::String(s) => s.to_string(),
                    DeValue::Integer(i) => i.as_str().to_string(),
                    DeValue::Boolean(b) => b.to_string(),
                    DeValue::Array(a) => {
                        a.iter().map(|x| x.get_ref().as_str().unwrap_or("").to_string()).collect::<Vec<_>>().join(",")
                    }
                    other => other.type_str().to_string(),
                };
                written.insert(k.to_string(), text);
            }
        }
        Ok(ReaderKeys { spec: r, written })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(text: &str) -> Result<Suite> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("gold.jsonl"), "").expect("write");
        Suite::parse(&dir.path().join("s.toml"), text, &no_env)
    }

    const OK: &str = r#"
[suite]
description = "x"

[[dataset]]
name = "d"
path = "gold.jsonl"

[[system]]
name = "a"
version = 2
command = ["python3", "x.py", "{input}", "{output}"]
timeout_seconds = 1.5

[[system]]
name = "b"
predictions = { d = "b.jsonl" }
tag_cols = "-1"
"#;

    #[test]
    fn a_valid_suite() {
        let s = parse(OK).expect("valid");
        assert_eq!(s.name, "s");
        assert_eq!(s.systems[0].version.as_deref(), Some("2"));
        let SystemKind::Command(c) = &s.systems[0].kind else { panic!("command") };
        assert_eq!(c.timeout, Duration::from_millis(1500));
        assert!(c.uses("input") && c.uses("output") && !c.uses("dataset"));
        assert!(s.systems[1].runs_on("d"));
        assert_eq!(s.datasets[0].tasks, vec![Task::Entities]);
    }

    fn err(text: &str) -> String {
        parse(text).expect_err("invalid").to_string()
    }

    #[test]
    fn errors_name_line_and_key() {
        let cases = [
            ("timeout_seconds = 1.5", "timeout_seconds = -1", "s.toml:13:19: system \"a\": key timeout_seconds"),
            ("tag_cols", "tag_colz", ":18:1: system \"b\": unknown key \"tag_colz\""),
            ("{input}", "{inptu}", "key command: unknown placeholder {inptu}"),
            ("d = \"b.jsonl\"", "e = \"b.jsonl\"", "key predictions: no dataset is named \"e\""),
            ("path = \"gold.jsonl\"", "path = \"nope.jsonl\"", ":7:8: dataset \"d\": key path:"),
            ("name = \"b\"", "name = \"a\"", "a system named \"a\" exists already"),
        ];
        for (from, to, want) in cases {
            let e = err(&OK.replace(from, to));
            assert!(e.contains(want), "{from} -> {to}: {e}");
        }
        let e = err("[[dataset]\nname = 1");
        assert!(e.contains("s.toml:1:"), "{e}");
    }

    #[test]
    fn system_tasks() {
        let s = parse(
            &OK.replace("[suite]\n", "[suite]\ntasks = [\"entities\", \"events\"]\n")
                .replace("tag_cols = \"-1\"", "tag_cols = \"-1\"\ntasks = [\"events\"]"),
        )
        .expect("valid");
        assert_eq!(s.systems[1].tasks_on(&s.datasets[0]), vec![Task::Events]);
        assert_eq!(s.systems[0].tasks_on(&s.datasets[0]), vec![Task::Entities, Task::Events]);
        let e = err(&OK.replace("tag_cols = \"-1\"", "tag_cols = \"-1\"\ntasks = [\"events\"]"));
        assert!(e.contains("system \"b\": key tasks: none of these tasks is a task of dataset \"d\""), "{e}");
    }

    #[test]
    fn environment_expansion() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("c")).expect("mkdir");
        std::fs::write(dir.path().join("c/g.jsonl"), "").expect("write");
        let text = r#"
[[dataset]]
name = "d"
path = "${CORP:-c}/g.jsonl"
[[system]]
name = "s"
predictions = "${CORP:-c}/p.jsonl"
"#;
        let s = Suite::parse(&dir.path().join("x.toml"), text, &no_env).expect("default used");
        assert_eq!(s.datasets[0].path, dir.path().join("c/g.jsonl"));
        let abs = dir.path().join("c").display().to_string();
        let env = move |k: &str| (k == "CORP").then(|| abs.clone());
        let s = Suite::parse(&dir.path().join("x.toml"), text, &env).expect("env used");
        assert_eq!(s.datasets[0].path, dir.path().join("c/g.jsonl"));
        let e = Suite::parse(&dir.path().join("x.toml"), &text.replace(":-c", ""), &no_env).expect_err("unset");
        assert!(e.to_string().contains("environment variable CORP is not set"), "{e}");
    }

    #[test]
    fn placeholders_fill() {
        let mut v = BTreeMap::new();
        v.insert("input", "in.jsonl".to_string());
        assert_eq!(fill("--in={input} {{x}}", &v), "--in=in.jsonl {x}");
        assert!(check_placeholders("{input").is_err());
        assert!(check_placeholders("a}b").is_err());
        assert!(check_placeholders("{{literal}}").is_ok());
    }
}
