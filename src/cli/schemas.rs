const LONG_HELP: &str = "Write the published data contracts to a directory (default: schemas/):

  documents.arrow.json        Arrow schema of documents.parquet
  annotations.arrow.json      Arrow schema of gold.parquet and systems/<name>.parquet
  ieval.jsonl.schema.json     JSON Schema of one line of ieval JSONL
  score.schema.json           JSON Schema of `ieval score --format json` (and of `ieval merge
                              FILES --format json`)
  compare.schema.json         JSON Schema of `ieval compare --format json`
  table.schema.json           JSON Schema of `ieval table --format json`
  merge.schema.json           JSON Schema of `ieval merge --results DIR --format json`

They are generated from the code; the test suite fails when the committed files drift.

Example:
  ieval schemas --out schemas";

use std::path::PathBuf;

use ieval::Result;

use super::Global;

#[derive(clap::Args)]
#[command(about = "Write the Arrow and JSON schemas of the data contract", long_about = LONG_HELP)]
pub struct Args {
    /// Directory to write into.
    #[arg(long, default_value = "schemas")]
    out: PathBuf,
    /// Compare instead of writing: exit 1 when a file differs.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args, _g: &Global) -> Result<i32> {
    let mut drift = Vec::new();
    let mut files = ieval::schemas::render();
    files.push(("compare.schema.json", ieval::schemas::json_schema::<super::compare::Output>()));
    for (name, body) in files {
        let path = args.out.join(name);
        if args.check {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current != body {
                drift.push(path.display().to_string());
            }
        } else {
            ieval::output::write_file(&path, body.as_bytes())?;
        }
    }
    if !drift.is_empty() {
        eprintln!("schemas differ from the code (run `make schemas`): {}", drift.join(", "));
        return Ok(1);
    }
    Ok(0)
}
