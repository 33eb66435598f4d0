const LONG_HELP: &str = "Count what a corpus holds: documents, sentences, tokens, characters; per \
annotation set the entities per label, events per type, arguments per role and relations per \
label; and every repair the reader made (invalid tag sequences, line endings, ...).

The input is anything `ieval convert` reads: a corpus directory, CoNLL, JSONL, plain-text
articles, BRAT, Prodigy, doccano, Label Studio, re3d, MEANTIME CAT XML, TextEE / OneIE JSONL.
With --strict every tolerated problem is an error naming its file and line.

Examples:
  ieval stats ../shared/corpora/conll2003/eng.testb
  ieval stats ../shared/articles
  ieval stats ../shared/corpora/nerel/NEREL-v1.1/train --strict
  ieval stats ../shared/corpora/meantime
  ieval stats train.oneie.json --from oneie
  ieval stats corpus/ --format json";

use std::path::PathBuf;

use ieval::formats;
use ieval::report::{TableFormat, stats_tables};
use ieval::stats::CorpusStats;
use ieval::{Error, Result};

use super::{Global, InputArgs, Out, ReportFormat};

#[derive(clap::Args)]
#[command(about = "Count documents, tokens, mentions, events and repairs", long_about = LONG_HELP)]
pub struct Args {
    /// Input files or directories.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Write the report to a file instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

/// Read a source to the end, counting. Duplicate document ids are an error naming both
/// places, as in `convert`.
pub fn gather(mut src: Box<dyn formats::Source>, inputs: &[PathBuf]) -> Result<CorpusStats> {
    let mut stats = CorpusStats::new(src.sets());
    let mut ids = ieval::model::DocIds::new();
    for rec in src.by_ref() {
        let rec = rec?;
        ids.check(&rec.document.id, &rec.origin, rec.origin.clone())?;
        stats.add(&rec);
    }
    if stats.documents == 0 {
        return Err(Error::data(describe(inputs), "no documents: the input is empty"));
    }
    stats.diagnostics = src.take_diagnostics();
    Ok(stats)
}

pub fn describe(inputs: &[PathBuf]) -> String {
    inputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

pub fn render(stats: &CorpusStats, format: ReportFormat) -> Result<String> {
    Ok(match format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(stats).map_err(|e| Error::data("stats", e.to_string()))? + "\n"
        }
        ReportFormat::Table | ReportFormat::Markdown | ReportFormat::Csv => {
            let tf = match format {
                ReportFormat::Markdown => TableFormat::Markdown,
                ReportFormat::Csv => TableFormat::Csv,
                _ => TableFormat::Text,
            };
            stats_tables(stats).iter().map(|t| t.render(tf)).collect::<Vec<_>>().join("\n")
        }
    })
}

pub fn run(args: Args, _g: &Global) -> Result<i32> {
    let format = args.input.format_of(&args.inputs)?;
    let src = formats::open(format, &args.inputs, &args.input.read_options())?;
    let stats = gather(src, &args.inputs)?;
    let mut out = Out::open(args.output.as_deref())?;
    out.put(&render(&stats, args.format)?)?;
    out.finish()?;
    Ok(0)
}
