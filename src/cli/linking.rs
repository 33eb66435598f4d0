//! `ieval score --task linking`: neleval's entity linking measures (see
//! `ieval::score::linking`).

use std::path::Path;

use ieval::inputs::Pairing;
use ieval::report::{Table, TableFormat};
use ieval::{Error, Result};

use super::{Out, ReportFormat};

pub(super) fn run(
    pairing: Pairing,
    gold: &Path,
    profile: ieval::score::Profile,
    format: ReportFormat,
    output: Option<&Path>,
) -> Result<i32> {
    let report = ieval::score::linking::score_pairing(pairing, profile)?;
    if report.gold["documents"].as_u64() == Some(0) {
        return Err(Error::data(gold.display().to_string(), "no documents: the gold input is empty"));
    }
    let text = match format {
        ReportFormat::Json => {
            serde_json::to_string_pretty(&report).map_err(|e| Error::data("scores", e.to_string()))? + "\n"
        }
        f => {
            let mut t = Table::new(["system", "measure", "P", "R", "F1", "ptp", "fp", "rtp", "fn"]);
            t.align[1] = ieval::report::Align::Left;
            let n = |x: f64| if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.3}") };
            for s in &report.systems {
                for (m, x) in &s.measures {
                    t.push([
                        s.name.clone(),
                        m.clone(),
                        format!("{:.2}", 100.0 * x.precision),
                        format!("{:.2}", 100.0 * x.recall),
                        format!("{:.2}", 100.0 * x.fscore),
                        n(x.ptp),
                        n(x.fp),
                        n(x.rtp),
                        n(x.fn_),
                    ]);
                }
            }
            let title = format!(
                "gold {} ({} documents, {} mentions, {} linked), entity linking (neleval measures)",
                report.gold["source"].as_str().unwrap_or(""),
                report.gold["documents"],
                report.gold["mentions"],
                report.gold["linked"]
            );
            let tf = match f {
                ReportFormat::Markdown => TableFormat::Markdown,
                ReportFormat::Csv => TableFormat::Csv,
                _ => TableFormat::Text,
            };
            t.with_title(title).render(tf)
        }
    };
    let mut out = Out::open(output)?;
    out.put(&text)?;
    out.finish()?;
    Ok(0)
}
