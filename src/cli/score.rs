const LONG_HELP: &str = "Score one gold annotation set against any number of systems.

The gold (--gold) is a corpus directory, a CoNLL file, or an ieval JSONL file; it is read
once. Systems come from the gold input itself (a corpus directory's systems/*.parquet, or
extra tag columns of a CoNLL file selected with --tag-cols 1-) and from --pred inputs
(repeatable, optionally named: --pred flair=flair.conll). Documents pair by id; CoNLL
files that hold the same tokens pair by token stream (a prediction file without
-DOCSTART- lines, say). A document present on one side only is an error unless
--missing empty (score it against nothing) or --missing skip (leave it out, reported).

Entity modes (see the README): strict (same span and label), exact (same span), partial
(overlap, half credit for a partial boundary), type (overlap and same label). Every item
gets a MUC category: COR, INC, PAR, MIS, SPU. Matching is one-to-one and independent of
input order.

Events (--task; by default entities, plus events when the gold has any), README section
\"Event metrics\": TI (trigger span), TC (+ event type), AI (event type + argument span), AC
(+ role), AI+ / AC+ (AI / AC whose predicted event is the one paired in TC with the
argument's gold event). One-to-one: a duplicated trigger or argument never earns a
second COR. Per event type (TI, TC, AI, AI+) and per role (AC, AC+). Options: --head
(head spans, annotated or derived), --coref (any mention of the gold argument's entity
cluster fills the role), --realis (TC also needs equal realis).

Profiles reproduce an anchor tool's numbers exactly, quirks included:
  default          ieval's own definitions (all four modes; 0/0 is undefined)
  conlleval        conlleval.pl (strict only)
  seqeval          seqeval default mode (strict only)
  seqeval-strict   seqeval mode='strict' with --scheme (default IOB2)
  nervaluate       nervaluate 1.2.1 (strict, exact, partial, ent_type)
  textee           TextEE's event scorer: tuple sets, token offsets (entities: strict sets)

Examples:
  ieval score --gold eng.testb --pred flair=flair.txt --pred elmo=elmo.txt
  ieval score --gold spacy.conll --tag-cols 1- --names gold,spacy --profile seqeval
  ieval score --gold corpus/ --format json --output scores.json
  ieval score --gold corpus/ --errors errors.parquet --confusion
  ieval score -g gold.jsonl -p v1=v1.jsonl -p v2=v2.jsonl --task events --labels TC,AC,AC+
  ieval score -g test.jsonl --from textee -p oneie=pred.jsonl --profile textee --task events

Alignment (--align): gold and predictions made on another copy of the text (another
tokenization, drifted text, other offset units, or LLM output with no offsets at all) are
placed on the scoring documents first, and the alignment report is printed with the scores:
  ieval score --corpus testb/ --gold conll_sharp.txt --pred luke=luke_sharp.txt --align
  ieval score --gold gold.jsonl --pred llm=llm_strings.jsonl --align --locate all";

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use ieval::align::{AlignReport, Aligner, LabelOptions, Locate, Unaligned};
use ieval::formats::parquet::{ParquetSource, is_corpus_dir};
use ieval::formats::{self, Corpus, Format, MemorySource, ReadOptions, Record, Source};
use ieval::model::{Document, SetMeta};
use ieval::report::{Table, TableFormat};
use ieval::score::errors::ErrorWriter;
use ieval::score::report::{
    ScoreReport, TYPE_ROLE_TABLE, build, confusion_table, event_summary_table, has_label_table, label_table,
    summary_table,
};
use ieval::score::run::{DetailSink, DocDetails, ScoreOptions, Task, score_with};
use ieval::score::shards::CountsWriter;
use ieval::score::{EventOptions, Pairing, Profile};
use ieval::shard::Shard;
use ieval::tags::Scheme;
use ieval::{Error, Result};

use super::{Global, InputArgs, Out, ReportFormat, ScoringArgs};

#[derive(clap::Args)]
#[command(about = "Score systems against a gold set (entities and events)", long_about = LONG_HELP)]
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
    #[command(flatten)]
    scoring: ScoringArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Write the scores to a file instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// What to score: entities, events, all, or auto (entities, plus events when the gold
    /// has any).
    #[arg(long, default_value = "auto")]
    task: Task,
    /// Events: compare head spans (annotated, else derived: see the README).
    #[arg(long)]
    head: bool,
    /// Events: a predicted argument may match any mention of the gold argument's entity
    /// cluster.
    #[arg(long)]
    coref: bool,
    /// Events: TC (and AI+, AC+) also need equal realis where both events have one.
    #[arg(long)]
    realis: bool,
    /// Per-label tables, comma-separated: entity modes (strict, exact, partial, type), event
    /// metrics (TI, TC, AI, AC, AI+, AC+), AC-type-role; `all`, or `none`. Tables for what
    /// was not scored are left out.
    #[arg(long, default_value = "strict,TC,AC", value_name = "TABLES")]
    labels: String,
    /// Also print the entity confusion matrix (gold label x predicted label).
    #[arg(long)]
    confusion: bool,
    /// Write every gold and predicted mention with its category to FILE (.parquet or
    /// .jsonl); event triggers and arguments go to FILE's sibling <stem>.events.<ext>.
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,
    /// Align every label input onto the documents' text before scoring (labels made on a
    /// re-tokenized or drifted copy, in other offset units; see `ieval align`). Labels that
    /// cannot be placed are kept: unplaced gold counts as missed, unplaced predictions as
    /// spurious (or an error with --strict).
    #[arg(long)]
    align: bool,
    /// With --align: the corpus (directory or any input) whose documents are scored; the
    /// gold input is then aligned onto it too. Default: the gold input's own documents.
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// With --align, string-only predictions (entity strings and event frames with no
    /// offsets): which occurrences become labels: nearest (arguments nearest their trigger;
    /// default), first, or all.
    #[arg(long, default_value = "nearest", value_name = "POLICY")]
    locate: Locate,
    /// With --align: match text ignoring case.
    #[arg(long)]
    ignore_case: bool,
    /// Score only shard K of N (0-based: 0/4 .. 3/4): the documents whose id hashes to K
    /// (FNV-1a 64 mod N). Every document is still read and paired; the printed scores are
    /// the shard's. Write --counts and combine the shards with `ieval merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Write every document's counts (per system, metric and label) to FILE.parquet, for
    /// `ieval merge` (shards) or for analysis (DuckDB, polars).
    #[arg(long, value_name = "FILE")]
    counts: Option<PathBuf>,
    /// Rename system labels (entity labels, event types) onto the gold's before scoring:
    /// `FROM=TO,...` (`PERSON=PER,GPE=LOC`) or a file of `FROM=TO` lines or a JSON object.
    /// What was renamed is reported in each system's diagnostics.
    #[arg(long, value_name = "MAP")]
    label_map: Option<String>,
}

/// The detail sinks of a run: the error listing and the counts file.
struct Sinks {
    errors: Option<ErrorWriter>,
    counts: Option<CountsWriter>,
    /// Documents scored, on a terminal (see `progress`).
    progress: super::progress::Progress,
    last: Option<u64>,
}

impl DetailSink for Sinks {
    fn document(&mut self, item: &ieval::score::Item, system: usize, details: &DocDetails) -> Result<()> {
        match &mut self.errors {
            Some(w) => w.document(item, system, details),
            None => Ok(()),
        }
    }

    fn counts(
        &mut self,
        index: u64,
        doc_id: &str,
        system: usize,
        entities: &ieval::score::EntityCounts,
        events: Option<&ieval::score::EventCounts>,
    ) -> Result<()> {
        if self.last != Some(index) {
            self.last = Some(index);
            self.progress.inc(1);
        }
        match &mut self.counts {
            Some(w) => w.counts(index, doc_id, system, entities, events),
            None => Ok(()),
        }
    }
}

/// How a report is rendered (shared with `ieval merge`).
pub(super) struct RenderOpts<'a> {
    pub format: ReportFormat,
    pub labels: &'a str,
    pub confusion: bool,
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

pub fn run(args: Args, g: &Global) -> Result<i32> {
    {
        let ev = args.errors.as_deref().map(ieval::score::errors::event_errors_path);
        let outs: Vec<&Path> = [args.output.as_deref(), args.errors.as_deref(), ev.as_deref(), args.counts.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let preds: Vec<PathBuf> = args.pred.iter().map(|p| split_pred(p).1).collect();
        let ins: Vec<&Path> = std::iter::once(args.gold.as_path())
            .chain(preds.iter().map(PathBuf::as_path))
            .chain(args.corpus.as_deref())
            .collect();
        ieval::output::check_outputs(&outs, &ins)?;
    }
    let events = EventOptions { head: args.head, coref: args.coref, realis: args.realis };
    if events != EventOptions::default() {
        if args.task == Task::Entities {
            return Err(Error::usage("--head, --coref and --realis apply to events: leave out --task entities"));
        }
        if args.scoring.profile == Profile::Textee {
            return Err(Error::usage(
                "--head, --coref and --realis are not part of TextEE's scorer: leave them out with --profile textee",
            ));
        }
    }
    let opts = profile_read_options(&args.input, args.scoring.profile);
    if args.shard.is_some() && args.align {
        return Err(Error::usage(
            "--shard does not go with --align (alignment works on the whole corpus in memory): convert with --align first, then score the shards",
        ));
    }
    if args.corpus.is_some() && !args.align {
        return Err(Error::usage("--corpus goes with --align"));
    }
    let gold_paths = vec![args.gold.clone()];
    let gold_format = args.input.format_of(&gold_paths)?;
    if gold_format == Format::Article && args.input.from.is_none() {
        return Err(Error::usage(format!(
            "{} was guessed to be a plain-text news article (a .txt file whose lines do not read as CoNLL columns), which carries no annotations to score against; give --from conll (or the format it is in)",
            args.gold.display()
        )));
    }
    let gold: Box<dyn Source> = formats::open(gold_format, &gold_paths, &opts)?;
    let named: Vec<(String, PathBuf)> = args
        .pred
        .iter()
        .map(|p| {
            let (name, path) = split_pred(p);
            (name.unwrap_or_else(|| stem(&path)), path)
        })
        .collect();
    // Systems whose format was guessed (named in the empty-system warning).
    let guessed: BTreeMap<String, Format> = if args.input.from.is_some() {
        BTreeMap::new()
    } else {
        named
            .iter()
            .filter(|(_, p)| p.is_file())
            .filter_map(|(n, p)| Format::detect(p).ok().map(|f| (n.clone(), f)))
            .collect()
    };
    let mut preds =
        open_preds(&args.gold, &named, &args.input, args.scoring.pred_tag_cols.as_ref(), &opts, args.align)?;
    if let Some(spec) = &args.label_map {
        let map = std::sync::Arc::new(formats::labelmap::LabelMap::parse(spec)?);
        preds = preds
            .into_iter()
            .map(|p| match p {
                PredInput::Source(n, s) => {
                    PredInput::Source(n, Box::new(formats::labelmap::Mapped::new(s, map.clone())) as Box<dyn Source>)
                }
                other => other,
            })
            .collect();
    }
    let (gold, preds, alignment) = if args.align {
        align_all(&args, gold, preds)?
    } else {
        let preds = preds
            .into_iter()
            .map(|p| match p {
                PredInput::Source(n, s) => (n, s),
                PredInput::Strings(..) => unreachable!("string-only inputs are only recognised with --align"),
            })
            .collect();
        (gold, preds, None)
    };

    let pairing = Pairing::new(gold, preds, args.scoring.pair, args.scoring.missing)?;
    if pairing.systems().is_empty() {
        return Err(Error::usage("nothing to score: give --pred, or a gold input that carries system sets"));
    }
    let names: Vec<String> = pairing.systems().iter().map(|s| s.name().to_string()).collect();
    let errw = match &args.errors {
        Some(p) => Some(ErrorWriter::create(p, names.clone())?),
        None => None,
    };
    let errors = errw.map(|w| w.with_events_required(matches!(args.task, Task::Events | Task::All)));
    let want = errors.is_some();
    let so = ScoreOptions {
        profile: args.scoring.profile,
        task: args.task,
        events,
        details: want,
        doc_labels: false,
        shard: args.shard,
    };
    let counts = match &args.counts {
        Some(p) => Some(CountsWriter::create(p, names, &so)?),
        None => None,
    };
    let progress = super::progress::Progress::new(g, "ieval score", "documents", None);
    let mut sinks = Sinks { errors, counts, progress, last: None };
    let run = score_with(pairing, so, &mut sinks)?;
    sinks.progress.finish();
    if run.input_documents == 0 {
        return Err(Error::data(args.gold.display().to_string(), "no documents: the gold input is empty"));
    }
    let mut report = build(&run);
    if let Some(w) = sinks.errors {
        // The event listing is written only when there are events: said only when it was.
        let events = w.events_path().to_path_buf();
        let stamp = || std::fs::metadata(&events).and_then(|m| m.modified()).ok();
        let before = stamp();
        w.finish_with(&ieval::score::report::run_metadata(&report))?;
        if let Some(p) = &args.errors {
            super::wrote(p);
        }
        if stamp().is_some_and(|t| before != Some(t)) {
            super::wrote(&events);
        }
    }
    if let Some(w) = sinks.counts {
        w.finish(&run)?;
        if let Some(p) = &args.counts {
            super::wrote(p);
        }
    }
    if let Some(a) = &alignment {
        report.alignment = serde_json::to_value(a).ok();
    }
    let warnings = empty_system_warnings(&mut report, &guessed);
    let ro = RenderOpts { format: args.format, labels: &args.labels, confusion: args.confusion };
    emit(&report, &ro, alignment.as_ref(), args.output.as_deref(), &warnings)?;
    Ok(0)
}

/// Write the scores: to `output` (a `.parquet` path: the tidy table as Parquet, with the
/// run's metadata) or stdout, in the format asked for. Warnings go under a table (or
/// Markdown) on stdout, else to stderr.
pub(super) fn emit(
    report: &ScoreReport,
    ro: &RenderOpts,
    alignment: Option<&BTreeMap<String, AlignReport>>,
    output: Option<&Path>,
    warnings: &[String],
) -> Result<()> {
    let in_text = matches!(ro.format, ReportFormat::Table | ReportFormat::Markdown) && output.is_none();
    if !in_text {
        for w in warnings {
            eprintln!("ieval: warning: {w}");
        }
    }
    if let Some(p) = output.filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"))) {
        if !matches!(ro.format, ReportFormat::Table | ReportFormat::Csv) {
            return Err(Error::usage(format!(
                "{}: a .parquet output holds the tidy score table (as --format csv); give --format json or markdown another file name",
                p.display()
            )));
        }
        return ieval::score::report::write_tidy_parquet(p, report);
    }
    let mut text = render(report, ro, alignment)?;
    if in_text {
        for w in warnings {
            text.push_str(&format!("\nwarning: {w}\n"));
        }
    }
    let mut out = Out::open(output)?;
    out.put(&text)?;
    out.finish()
}

/// No silent empty system: a system without a single predicted mention (entity or event
/// trigger) while the gold has entities gets an `empty-system` diagnostic in the JSON and a warning in the table, naming
/// the format it was read as when that was guessed from the file.
pub(super) fn empty_system_warnings(
    report: &mut ieval::score::report::ScoreReport,
    guessed: &BTreeMap<String, Format>,
) -> Vec<String> {
    let mut out = Vec::new();
    let gold = report.gold.entities;
    for s in &mut report.systems {
        let Some(m) = s.entities.values().next() else { continue };
        // A system that predicts events and no entities (an event extractor) is not empty.
        let events = s.events.get("TI").map_or(0, |t| t.micro.actual);
        if gold == 0 || m.micro.actual > 0 || events > 0 {
            continue;
        }
        let how = match guessed.get(&s.name) {
            Some(f) => format!(
                "; its input was read as {} (guessed from the file): if that is wrong, give --from ({})",
                f.name(),
                Format::NAMES
            ),
            None => String::new(),
        };
        // The JSON says what was found; the hint about the guessed format goes only to the
        // warning, so that `merge` of this run's shards writes the same JSON.
        let msg = format!("system {:?} has no entity mentions while the gold has {gold}", s.name);
        let diag = serde_json::json!({ "message": msg, "count": 1, "examples": [s.source] });
        match &mut s.diagnostics {
            serde_json::Value::Object(m) => {
                m.insert("empty-system".into(), diag);
            }
            other => *other = serde_json::json!({ "empty-system": diag }),
        }
        out.push(format!("{msg}{how}"));
    }
    out
}

/// A prediction input: a source, or (with `--align`) string-only labels to locate.
enum PredInput {
    Source(Vec<String>, Box<dyn Source>),
    Strings(String, PathBuf),
}

/// Reader options for a profile: the anchor profiles impose their tag decoding.
fn profile_read_options(input: &InputArgs, profile: Profile) -> ReadOptions {
    let mut opts = input.read_options();
    if let Some(policy) = profile.decoding() {
        opts.conll.policy = policy;
        if profile == Profile::SeqevalStrict && opts.conll.scheme.is_none() {
            opts.conll.scheme = Some(Scheme::Iob2);
        }
    }
    opts
}

/// Prediction sources with the set names they provide.
pub(super) type NamedSources = Vec<(Vec<String>, Box<dyn Source>)>;

/// Open every named prediction input as a source (for `convert --pred`).
pub(super) fn open_pred_sources(
    gold_path: &Path,
    named: &[(String, PathBuf)],
    input: &InputArgs,
) -> Result<NamedSources> {
    Ok(open_preds(gold_path, named, input, None, &input.read_options(), false)?
        .into_iter()
        .filter_map(|p| match p {
            PredInput::Source(n, s) => Some((n, s)),
            PredInput::Strings(..) => None,
        })
        .collect())
}

/// Open every named prediction input. With `align`, string-only label files are
/// recognised (they are located in the text later).
fn open_preds(
    gold_path: &Path,
    named: &[(String, PathBuf)],
    input: &InputArgs,
    pred_tag_cols: Option<&formats::conll::TagColumns>,
    opts: &ReadOptions,
    align: bool,
) -> Result<Vec<PredInput>> {
    let mut preds = Vec::new();
    for (name, path) in named {
        let (name, path) = (name.clone(), path.clone());
        ieval::model::validate_set_name(&name)?;
        if align && ieval::align::input::sniff(&path) == Some(ieval::align::input::LabelInput::Strings) {
            preds.push(PredInput::Strings(name, path));
            continue;
        }
        let parquet_file = path.extension().is_some_and(|e| e == "parquet") && path.is_file();
        // A directory of Parquet files that is not a corpus (Spark's `part-*.parquet`).
        let parquet_dir = path.is_dir()
            && !is_corpus_dir(&path)
            && !formats::hf::looks_like(&path)
            && ieval::formats::parquet::layout::parquet_files(&path).is_ok_and(|f| !f.is_empty());
        let hf = input.from.is_none_or(|f| f == Format::Hf) && formats::hf::looks_like(&path);
        let src: Box<dyn Source> = if !hf && (parquet_file || parquet_dir) {
            if !is_corpus_dir(gold_path) {
                return Err(Error::usage(format!(
                    "{}: a Parquet annotation table needs the documents of a gold corpus directory (--gold DIR)",
                    path.display()
                )));
            }
            Box::new(ParquetSource::open_with_sets(gold_path, std::slice::from_ref(&path))?)
        } else {
            let mut po = opts.clone();
            po.conll.tag_columns = pred_tag_cols.cloned().unwrap_or_default();
            po.conll.set_names = vec![name.clone()];
            po.set_name = Some(name.clone());
            let f = match input.from {
                _ if hf => Format::Hf,
                Some(Format::Parquet) | None => match Format::detect(&path) {
                    // As for the gold: CoNLL-only options make CoNLL of what reads as an article.
                    Ok(Format::Article) | Err(_) if pred_tag_cols.is_some() || input.conll_option().is_some() => {
                        Format::Conll
                    }
                    other => other?,
                },
                Some(f) => f,
            };
            formats::open(f, std::slice::from_ref(&path), &po)?
        };
        let n = src.sets().len();
        let names = if n == 1 { vec![name] } else { (1..=n).map(|k| format!("{name}.{k}")).collect() };
        preds.push(PredInput::Source(names, src));
    }
    Ok(preds)
}

/// Read a source to the end, keeping its records.
fn records(mut src: Box<dyn Source>) -> Result<(Vec<Record>, Vec<SetMeta>)> {
    let sets = src.sets().to_vec();
    let recs = src.by_ref().collect::<Result<Vec<_>>>()?;
    Ok((recs, sets))
}

/// `--align`: place every label input onto the scoring documents (the `--corpus`, or the
/// gold input's own documents) and hand the aligned sets to the pairing as in-memory
/// sources. Returns the alignment reports (gold first when the gold was aligned).
#[allow(clippy::type_complexity)]
fn align_all(
    args: &Args,
    gold: Box<dyn Source>,
    preds: Vec<PredInput>,
) -> Result<(Box<dyn Source>, Vec<(Vec<String>, Box<dyn Source>)>, Option<BTreeMap<String, AlignReport>>)> {
    let (gold_recs, gold_sets) = records(gold)?;
    let docs: Vec<Document> = match &args.corpus {
        Some(c) => {
            let f = Format::detect(c)?;
            Corpus::collect(formats::open(f, std::slice::from_ref(c), &ReadOptions::default())?)?.documents
        }
        None => gold_recs.iter().map(|r| r.document.clone()).collect(),
    };
    if docs.is_empty() {
        return Err(Error::data("--align", "no documents to align onto"));
    }
    let mut opts = LabelOptions {
        unaligned: if args.input.strict { Unaligned::Error } else { Unaligned::Keep },
        locate: args.locate,
        ..Default::default()
    };
    opts.text.normalize.ignore_case = args.ignore_case;
    let aligner = Aligner::new(&docs, opts);
    let mut reports = BTreeMap::new();
    let gold_src: Box<dyn Source> = if args.corpus.is_some() {
        let (src, report) = aligner.align_source(Box::new(MemorySource::from_records(gold_recs, gold_sets, "gold")))?;
        reports.insert("gold".to_string(), report);
        Box::new(src)
    } else {
        Box::new(MemorySource::from_records(gold_recs, gold_sets, "gold"))
    };
    let mut out = Vec::new();
    for p in preds {
        let (names, aligned) = match p {
            PredInput::Source(names, src) => {
                let (src, report) = aligner.align_source(src)?;
                reports.insert(names.join(","), report);
                out.push((names, Box::new(src) as Box<dyn Source>));
                continue;
            }
            PredInput::Strings(name, path) => {
                let mut diag = ieval::formats::Diagnostics::default();
                let sdocs = ieval::align::input::read_strings(&path, &mut diag)?;
                let meta = SetMeta::system(name.clone(), format!("strings:{}", path.display()));
                let mut aligned = aligner.locate(&sdocs, &meta)?;
                aligned.report.reading = diag;
                (vec![name], aligned)
            }
        };
        reports.insert(names.join(","), aligned.report);
        out.push((
            names,
            Box::new(MemorySource::new(docs.clone(), aligned.sets, "aligned predictions")) as Box<dyn Source>,
        ));
    }
    Ok((gold_src, out, Some(reports)))
}

/// Open the gold input once and every named prediction input, and pair them (shared with
/// `compare` and `report`; no alignment there).
pub(super) fn open_pairing(
    gold_path: &Path,
    preds_in: &[(String, PathBuf)],
    input: &InputArgs,
    scoring: &ScoringArgs,
) -> Result<Pairing> {
    let opts = profile_read_options(input, scoring.profile);
    let gold_paths = vec![gold_path.to_path_buf()];
    let gold: Box<dyn Source> = formats::open(input.format_of(&gold_paths)?, &gold_paths, &opts)?;
    let preds = open_preds(gold_path, preds_in, input, scoring.pred_tag_cols.as_ref(), &opts, false)?
        .into_iter()
        .filter_map(|p| match p {
            PredInput::Source(n, s) => Some((n, s)),
            PredInput::Strings(..) => None,
        })
        .collect();
    Pairing::new(gold, preds, scoring.pair, scoring.missing)
}

pub(super) fn render(
    r: &ScoreReport,
    args: &RenderOpts,
    alignment: Option<&BTreeMap<String, AlignReport>>,
) -> Result<String> {
    let tf = match args.format {
        ReportFormat::Json => {
            return Ok(serde_json::to_string_pretty(r).map_err(|e| Error::data("scores", e.to_string()))? + "\n");
        }
        // One tidy table with one header (the tables below have different columns, which
        // pandas and DuckDB cannot read from one file).
        ReportFormat::Csv => return Ok(ieval::score::report::tidy_csv(r)),
        ReportFormat::Markdown => TableFormat::Markdown,
        ReportFormat::Table => TableFormat::Text,
    };
    let mut tables: Vec<Table> = Vec::new();
    // Alignment first: how each label input landed on the text (counts; `ieval align`
    // shows the examples).
    for (name, a) in alignment.into_iter().flatten() {
        for t in a.tables().into_iter().take(2) {
            let title = t.title.clone().unwrap_or_default();
            tables.push(t.with_title(format!("{title} ({name})")));
        }
    }
    let has_events = r.systems.iter().any(|s| !s.events.is_empty());
    let has_entities = r.systems.iter().any(|s| !s.entities.is_empty());
    let head = format!(
        "gold {} ({} documents, {} entities, {} events, {} arguments), profile {}",
        r.gold.source, r.gold.documents, r.gold.entities, r.gold.events, r.gold.arguments, r.ieval.profile
    );
    if has_entities {
        tables.push(summary_table(r).with_title(head.clone()));
    }
    if has_events {
        let matching = format!("events, {} matching", r.ieval.event_matching.join(" + "));
        let title = if has_entities { matching } else { format!("{head}; {matching}") };
        tables.push(event_summary_table(r).with_title(title));
    }
    let names: Vec<String> = match args.labels {
        "none" => Vec::new(),
        "all" => {
            let mut v: Vec<String> = ["strict", "exact", "partial", "type"].iter().map(|s| s.to_string()).collect();
            v.extend(ieval::score::EventMetric::ALL.iter().map(|m| m.name().to_string()));
            v.push(TYPE_ROLE_TABLE.to_string());
            v
        }
        list => list.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect(),
    };
    for n in names {
        if has_label_table(r, &n) {
            tables.push(label_table(r, &n));
        }
    }
    if args.confusion {
        for s in &r.systems {
            tables.push(confusion_table(s));
        }
    }
    Ok(tables.iter().map(|t| t.render(tf)).collect::<Vec<_>>().join("\n"))
}
