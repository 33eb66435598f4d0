//! The analysis layer (cargo feature `analysis`, on by default): polars over the results
//! store (`suites/README.md`) — loading the per-document counts lazily from `counts/`,
//! aggregating them per (dataset, system, task, metric), computing precision, recall and F1,
//! and pivoting them into benchmark tables. The statistics themselves (bootstrap intervals)
//! come from [`crate::score::resample`], fed with per-document counts collected from polars.
//!
//! Only this module uses polars, so the library core builds without it.

pub mod store;
pub mod table;

pub use store::{Manifest, RunInfo, Store};
pub use table::{BenchCell, BenchRow, BenchTable, MetricSpec, bench_table};

use crate::error::Error;

/// A polars error as a data error about the results store.
pub(crate) fn pl_err(context: &std::path::Path, e: polars::prelude::PolarsError) -> Error {
    Error::data(context.display().to_string(), format!("results store: {e}"))
}
