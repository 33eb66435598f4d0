const LONG_HELP: &str = "Combine the results of shards into the result of one run.

Scores: `ieval score --shard K/N --counts shard-K.parquet ...` for K = 0 .. N-1 (on as many
machines as you like), then `ieval merge shard-*.parquet` prints exactly what the unsharded
`ieval score` prints (byte for byte with --format json): counts add, and documents are
taken in the order of the unsharded run. The shards must come from the same inputs,
options and ieval version (checked), and all N must be there.

Results store: `ieval run SUITE --shard K/N` stores one unit per shard (manifests say which
shard); `ieval merge --results DIR` combines, for every dataset and system, the N shard
units of a run into the unit the unsharded run would have stored (same run id, same
counts), so that `ieval table`, `compare` and `report` see one unit. Shard units stay.

Examples:
  for k in 0 1 2 3; do ieval score -g corpus/ --shard $k/4 --counts s$k.parquet -q; done
  ieval merge s0.parquet s1.parquet s2.parquet s3.parquet --format json -o scores.json
  ieval merge --results results/";

use std::path::PathBuf;

use ieval::score::report::{build, empty_system_warnings};
use ieval::score::shards;
use ieval::{Error, Result};

use std::collections::BTreeMap;

use super::score::{RenderOpts, emit};
use super::{Global, Out, ReportFormat};

#[derive(clap::Args)]
#[command(about = "Merge shard results (score --counts files, or shard units of a results store)", long_about = LONG_HELP)]
pub struct Args {
    /// Counts files written by `ieval score --counts` (one per shard).
    #[arg(required_unless_present = "results", conflicts_with = "results")]
    inputs: Vec<PathBuf>,
    /// Merge the shard units of this results store instead.
    #[arg(long, value_name = "DIR")]
    results: Option<PathBuf>,
    /// Output format (as `ieval score`).
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Write to a file instead of stdout.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Per-label tables (as `ieval score --labels`).
    #[arg(long, default_value = "strict,TC,AC", value_name = "TABLES")]
    labels: String,
    /// Also print the entity confusion matrix.
    #[arg(long)]
    confusion: bool,
}

pub fn run(args: Args, _g: &Global) -> Result<i32> {
    let ins: Vec<&std::path::Path> = args.inputs.iter().map(PathBuf::as_path).chain(args.results.as_deref()).collect();
    ieval::output::check_outputs(&args.output.as_deref().into_iter().collect::<Vec<_>>(), &ins)?;
    if let Some(dir) = &args.results {
        return merge_store(&args, dir);
    }
    let run = shards::merge(&args.inputs)?;
    if run.input_documents == 0 {
        return Err(Error::data("merge", "no documents: the gold input was empty"));
    }
    let mut report = build(&run);
    // As `score` does: a system without a mention is a diagnostic and a warning.
    let warnings = empty_system_warnings(&mut report, &BTreeMap::new());
    let ro = RenderOpts { format: args.format, labels: &args.labels, confusion: args.confusion };
    emit(&report, &ro, None, args.output.as_deref(), &warnings)?;
    Ok(0)
}

fn merge_store(args: &Args, dir: &std::path::Path) -> Result<i32> {
    let merged = ieval::suite::merge_shards(&ieval::suite::Store::new(dir))?;
    let mut out = Out::open(args.output.as_deref())?;
    let text = match args.format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(&merged).map_err(|e| Error::data("merge", e.to_string()))? + "\n"
        }
        _ => {
            let mut s = String::new();
            for m in &merged {
                let what = match (&m.status, m.written) {
                    (None, _) => format!("{} of {} shards, missing {}", m.found, m.shards, m.missing.join(", ")),
                    (Some(st), true) => format!("merged {} shards -> {} ({})", m.shards, m.run_id, st.name()),
                    (Some(st), false) => format!("already merged -> {} ({})", m.run_id, st.name()),
                };
                s.push_str(&format!("{} on {}: {what}\n", m.system, m.dataset));
            }
            if merged.is_empty() {
                s.push_str("no sharded units to merge\n");
            }
            s
        }
    };
    out.put(&text)?;
    out.finish()?;
    // Units with shards missing are not an error of the merge, but a script should notice.
    Ok(if merged.iter().any(|m| m.status.is_none()) { 1 } else { 0 })
}
