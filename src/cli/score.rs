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
  neleval          neleval 3.1.1, with --task linking (the default's measures too, named)
                   or --task coref (its coref_metrics: 0/0 as 0, its six measures listed)

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

use ieval::align::{AlignReport, Locate, Unaligned};
use ieval::inputs::{Alignment, Input, LabelMap, Opened};
use ieval::report::TableFormat;
use ieval::score::errors::ErrorWriter;
use ieval::score::report::{ScoreReport, build, empty_system_warnings};
use ieval::score::run::{DetailSink, DocDetails, ScoreOptions, Task, score_with};
use ieval::score::shards::CountsWriter;
use ieval::score::{EventOptions, Profile};
use ieval::shard::Shard;
use ieval::{Error, Result};

use super::progress::{Counting, Progress};
use super::{EvalArgs, Global, Out, ReportFormat};

#[derive(clap::Args)]
#[command(about = "Score systems against a gold set (entities and events)", long_about = LONG_HELP)]
pub struct Args {
    #[command(flatten)]
    eval: EvalArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Write the scores to a file instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// What to score: entities, events, all, or auto (entities, plus events when the gold
    /// has any; all and auto add relations when the gold has any); relations alone (modes
    /// strict, boundaries, relaxed); linking (neleval's entity
    /// linking measures); coref (MUC, B³, CEAFm, CEAFe, BLANC, LEA, CoNLL within documents,
    /// entity mentions and, when the gold has event clusters, event mentions: the engine of
    /// `ieval coref score`, which has the scope, matching and profile options).
    #[arg(long, default_value = "auto")]
    task: Task,
    /// Relations (--task relations, all or auto): labels whose arguments are unordered
    /// (comma-separated), e.g.
    /// `SIBLING,TLINK:SIMULTANEOUS`.
    #[arg(long, value_name = "LABELS")]
    symmetric: Option<String>,
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
}

impl DetailSink for Sinks {
    fn document(&mut self, item: &ieval::inputs::Item, system: usize, details: &DocDetails) -> Result<()> {
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
        match &mut self.counts {
            Some(w) => w.counts(index, doc_id, system, entities, events),
            None => Ok(()),
        }
    }

    fn relation_counts(
        &mut self,
        index: u64,
        doc_id: &str,
        system: usize,
        r: &ieval::score::relation::RelationCounts,
    ) -> Result<()> {
        match &mut self.counts {
            Some(w) => w.relation_counts(index, doc_id, system, r),
            None => Ok(()),
        }
    }

    fn wants_counts(&self) -> bool {
        self.counts.is_some()
    }
}

impl Sinks {
    /// Finish the error listing and the counts file, saying what was written.
    fn finish(self, args: &Args, run: &ieval::score::ScoreRun, report: &ScoreReport) -> Result<()> {
        if let Some(w) = self.errors {
            // The event listing is written only when there are events: said only when it was.
            let events = w.events_path().to_path_buf();
            let stamp = || std::fs::metadata(&events).and_then(|m| m.modified()).ok();
            let before = stamp();
            w.finish_with(&ieval::score::report::run_metadata(report))?;
            if let Some(p) = &args.errors {
                super::wrote(p);
            }
            if stamp().is_some_and(|t| before != Some(t)) {
                super::wrote(&events);
            }
        }
        if let Some(w) = self.counts {
            w.finish(run)?;
            if let Some(p) = &args.counts {
                super::wrote(p);
            }
        }
        Ok(())
    }
}

/// How a report is rendered (shared with `ieval merge`).
pub(super) struct RenderOpts<'a> {
    pub format: ReportFormat,
    pub labels: &'a str,
    pub confusion: bool,
}

pub fn run(args: Args, g: &Global) -> Result<i32> {
    check_args(&args)?;
    let events = EventOptions { head: args.head, coref: args.coref, realis: args.realis };
    let label_map = args.label_map.as_deref().map(LabelMap::parse).transpose()?;
    let align = args.align.then(|| Alignment {
        corpus: args.corpus.clone().map(Input::Path),
        locate: args.locate,
        ignore_case: args.ignore_case,
        unaligned: if args.eval.input.strict { Unaligned::Error } else { Unaligned::Keep },
    });
    // One list per process: leaked so that the scoring options stay `Copy`.
    let symmetric: &'static [String] = Box::leak(
        args.symmetric
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let so = ScoreOptions {
        profile: args.eval.scoring.profile,
        task: args.task,
        relations: ieval::score::relation::RelationOptions { symmetric, with_all: true },
        events,
        details: args.errors.is_some(),
        doc_labels: false,
        shard: args.shard,
    };
    let Opened { pairing, alignment, guessed } = args
        .eval
        .inputs()
        .align(align)
        .label_map(label_map)
        .spans_only(so.spans_only())
        .entities_only(so.entities_only())
        .build()?;
    if pairing.systems().is_empty() {
        return Err(Error::usage("nothing to score: give --pred, or a gold input that carries system sets"));
    }
    let names: Vec<String> = pairing.systems().iter().map(|s| s.name().to_string()).collect();
    let errw = match &args.errors {
        Some(p) => Some(ErrorWriter::create(p, names.clone())?),
        None => None,
    };
    let errors = errw.map(|w| w.with_events_required(matches!(args.task, Task::Events | Task::All)));
    if args.symmetric.is_some() && !matches!(args.task, Task::Relations | Task::All | Task::Auto) {
        return Err(Error::usage("--symmetric applies to relations: give --task relations, all or auto"));
    }
    let profile = args.eval.scoring.profile;
    if args.task == Task::Linking {
        return super::linking::run(pairing, &args.eval.gold, profile, args.format, args.output.as_deref());
    }
    if args.task == Task::Coref {
        let Some(cp) = ieval::coref::Profile::of_score(profile) else {
            return Err(Error::usage(format!(
                "profile {} does not score coreference: --task coref takes --profile default or neleval (scorch: ieval coref score)",
                profile.name()
            )));
        };
        return super::coref::run_pairing(pairing, &args.eval.gold, cp, args.format, args.output.as_deref());
    }
    let counts = match &args.counts {
        Some(p) => Some(CountsWriter::create(p, names, &so)?),
        None => None,
    };
    let progress = Progress::new(g, "ieval score", "documents", None);
    let mut sinks = Sinks { errors, counts };
    let run = score_with(pairing, so, &mut Counting::new(&mut sinks, &progress))?;
    progress.finish();
    if run.input_documents == 0 {
        return Err(Error::data(args.eval.gold.display().to_string(), "no documents: the gold input is empty"));
    }
    let mut report = build(&run);
    sinks.finish(&args, &run, &report)?;
    if let Some(a) = &alignment {
        report.alignment = serde_json::to_value(a).ok();
    }
    let warnings = empty_system_warnings(&mut report, &guessed);
    let ro = RenderOpts { format: args.format, labels: &args.labels, confusion: args.confusion };
    emit(&report, &ro, alignment.as_ref(), args.output.as_deref(), &warnings)?;
    Ok(0)
}

/// The checks of the arguments before anything is read: outputs that would overwrite an
/// input, options that do not go together.
fn check_args(args: &Args) -> Result<()> {
    let ev = args.errors.as_deref().map(ieval::score::errors::event_errors_path);
    let outs: Vec<&Path> = [args.output.as_deref(), args.errors.as_deref(), ev.as_deref(), args.counts.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let paths = args.eval.paths();
    let ins: Vec<&Path> = paths.iter().map(PathBuf::as_path).chain(args.corpus.as_deref()).collect();
    ieval::output::check_outputs(&outs, &ins)?;
    if !matches!(args.task, Task::Linking | Task::Coref) {
        // Before any input is opened (score_with checks it again for library callers).
        args.eval.scoring.profile.require_entities()?;
    }
    let events = EventOptions { head: args.head, coref: args.coref, realis: args.realis };
    if events != EventOptions::default() {
        if args.task == Task::Entities {
            return Err(Error::usage("--head, --coref and --realis apply to events: leave out --task entities"));
        }
        if args.eval.scoring.profile == Profile::Textee {
            return Err(Error::usage(
                "--head, --coref and --realis are not part of TextEE's scorer: leave them out with --profile textee",
            ));
        }
    }
    if args.shard.is_some() && args.align {
        return Err(Error::usage(
            "--shard does not go with --align (alignment works on the whole corpus in memory): convert with --align first, then score the shards",
        ));
    }
    if args.corpus.is_some() && !args.align {
        return Err(Error::usage("--corpus goes with --align"));
    }
    Ok(())
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
    let tables = ieval::score::report::tables(r, args.labels, args.confusion, alignment);
    Ok(tables.iter().map(|t| t.render(tf)).collect::<Vec<_>>().join("\n"))
}
