const LONG_HELP: &str = "Align labels made on another copy of the corpus text onto the corpus: \
re-tokenized text (CoNLL files rebuild it from their tokens), text before or after cleaning, \
other whitespace, quotes, dashes, Unicode forms or HTML entities, other sentence breaks, \
other document order, one file covering many documents, offsets in bytes or UTF-16 units, \
offsets relative to sentences or paragraphs, or no offsets at all (entity strings and event \
frames, as LLM extractors return them). Every label is accounted for in the report.

Examples:
  ieval convert ../shared/corpora/conll2003/eng.testb --out corpus
  ieval align --corpus corpus --labels conll_sharp.txt --out corpus/gold.parquet
  ieval align --corpus corpus --labels luke_sharp.txt --out corpus/systems/luke.parquet
  ieval align --corpus corpus --labels llm.jsonl --strings --locate nearest --out llm.aligned.jsonl
  ieval align --corpus corpus --labels ls.jsonl --offsets utf16 --out gold.jsonl --format json

Labels (--labels), read as `convert` reads them (--from to choose), or:
  --strings            string-only JSONL: {\"doc_id\", \"entities\": [{\"text\", \"label\"}],
                       \"events\": [{\"type\", \"trigger\", \"arguments\": {\"Role\": [\"...\"]}}]};
                       found in the corpus document with that id (see --locate)
  --relative-to UNIT   JSONL, one line per sentence or paragraph: {\"doc_id\", \"sentence\": i
                       (or \"paragraph\": i), \"text\"?, \"entities\", \"events\"}, offsets counted
                       from the unit's start; without \"text\" the corpus document's own units
A JSONL file whose first line has no \"text\" is read as --strings (with \"sentence\" or
\"paragraph\", as --relative-to).

How documents pair (--pair): auto (default) aligns a labels document with the corpus
document of the same id, or with the whole corpus when there is none (or when less than
half of its text aligns by id); its labels then land in whichever documents its text
matches, in any order. id requires the ids to match; content ignores them.

How text is compared: whitespace is ignored; NFKC forms, curly quotes and apostrophes,
dashes, HTML character references and PTB tokens (`` '' -LRB- ...) are folded; case too
with --ignore-case. A label is placed when the corpus text at its aligned place has the same
normalized text; classes: exact (same text, same offsets), shifted (same text, other
offsets), retokenized (differs only in whitespace or normalization, or cuts a corpus
token), ambiguous (a string found several times), unalignable (with the reason).

Strings (--locate): a string matches on word boundaries (\"Xi\" is not found in \"Xinhua\").
  nearest (default)   the k-th listing of an entity takes its k-th occurrence; an event's
                      trigger is the occurrence closest to its arguments, each argument the
                      occurrence closest to the trigger
  first               k-th listing, k-th occurrence; arguments their first occurrence
  all                 every occurrence (an event once per trigger occurrence)

Unalignable labels (--unaligned): keep (default) writes them with an empty span at 0 and the
attribute ieval:unaligned, so gold counts as missed and predictions as spurious; drop
leaves them out; error (or --strict) fails. The report says how many of each.

Output (--out): FILE.jsonl (ieval JSONL with the corpus text inline; one set, --set),
FILE.parquet (one annotation set: gold.parquet is the gold set, any other name a system of
that name, e.g. corpus/systems/luke.parquet), or a directory (every set, as gold.parquet and
systems/<name>.parquet; documents.parquet is added when missing). Written atomically.";

use std::path::{Path, PathBuf};

use ieval::align::input::{LabelInput, RelativeTo};
use ieval::align::{AlignOptions, LabelOptions, Locate, NormalizeOptions, Pairing, Unaligned};
use ieval::inputs::align_files::{AlignFiles, AlignedFiles, align_files};
use ieval::report::TableFormat;
use ieval::{Error, Result};

use super::{Global, InputArgs, Out, ReportFormat};

#[derive(clap::Args)]
#[command(about = "Align labels made on other text onto the corpus text", long_about = LONG_HELP)]
pub struct Args {
    /// The corpus: a corpus directory, or any input `convert` reads (its documents are used).
    #[arg(long, value_name = "DIR")]
    corpus: PathBuf,
    /// The labels to align (files or a directory).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    labels: Vec<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
    /// The labels are string-only JSONL (no offsets).
    #[arg(long, conflicts_with = "relative_to")]
    strings: bool,
    /// The labels' offsets count from the start of their sentence or paragraph.
    #[arg(long, value_name = "UNIT")]
    relative_to: Option<RelativeTo>,
    /// Which occurrences string labels take: nearest, first, all.
    #[arg(long, default_value = "nearest", value_name = "POLICY")]
    locate: Locate,
    /// Compare texts case-insensitively.
    #[arg(long)]
    ignore_case: bool,
    /// How labels documents pair with corpus documents: auto, id, content.
    #[arg(long, default_value = "auto", value_name = "HOW")]
    pair: Pairing,
    /// What to do with labels that cannot be placed: keep, drop, error.
    #[arg(long, default_value = "keep", value_name = "POLICY")]
    unaligned: Unaligned,
    /// Output: FILE.jsonl, FILE.parquet, or a directory.
    #[arg(long, short = 'o')]
    out: PathBuf,
    /// For a single-set output: which set of the labels to write.
    #[arg(long)]
    set: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Write the report to a file instead of stdout.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Examples kept per class and set.
    #[arg(long, default_value_t = 10, value_name = "N")]
    examples: usize,
    /// Seed length (normalized characters) for the exact-match search.
    #[arg(long, default_value_t = 16, value_name = "N", value_parser = clap::value_parser!(u64).range(4..=256))]
    seed: u64,
}

pub fn run(args: Args, _g: &Global) -> Result<i32> {
    let ins: Vec<&Path> =
        std::iter::once(args.corpus.as_path()).chain(args.labels.iter().map(PathBuf::as_path)).collect();
    ieval::output::check_outputs(
        &[args.out.as_path()].into_iter().chain(args.report.as_deref()).collect::<Vec<_>>(),
        &ins,
    )?;
    if args.labels.len() != 1 && (args.strings || args.relative_to.is_some()) {
        return Err(Error::usage("--strings and --relative-to read one file"));
    }
    let options = LabelOptions {
        text: AlignOptions {
            normalize: NormalizeOptions { ignore_case: args.ignore_case },
            seed: args.seed as usize,
            jump_cost: args.seed as usize,
            ..Default::default()
        },
        pairing: args.pair,
        unaligned: if args.input.strict { Unaligned::Error } else { args.unaligned },
        locate: args.locate,
        examples: args.examples,
        ..Default::default()
    };
    let kind = if args.strings { Some(LabelInput::Strings) } else { args.relative_to.map(LabelInput::Relative) };
    let job = AlignFiles {
        corpus: args.corpus.clone(),
        labels: args.labels.clone(),
        spec: args.input.reader_spec(),
        kind,
        options,
        out: args.out.clone(),
        set: args.set.clone(),
    };
    let AlignedFiles { report, source } = align_files(&job)?;

    let mut out = Out::open(args.report.as_deref())?;
    let text = match args.format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(&report).map_err(|e| Error::data("align report", e.to_string()))? + "\n"
        }
        f => {
            let tf = match f {
                ReportFormat::Markdown => TableFormat::Markdown,
                ReportFormat::Csv => TableFormat::Csv,
                _ => TableFormat::Text,
            };
            let mut s = String::new();
            if f == ReportFormat::Table {
                s.push_str(&format!("aligned {} onto {} -> {}\n\n", source, args.corpus.display(), args.out.display()));
            }
            s + &report.tables().iter().map(|t| t.render(tf)).collect::<Vec<_>>().join("\n")
        }
    };
    out.put(&text)?;
    out.finish()?;
    Ok(0)
}
