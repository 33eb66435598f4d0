//! The analysis layer (cargo feature `analysis`, on by default): polars over the results
//! store (`suites/README.md`) — the per-document counts of `counts/`, decoded with arrow-rs
//! (the Parquet reader the rest of ieval uses) into polars tables, aggregated per (dataset,
//! system, task, metric) into benchmark tables, with precision, recall and F1 as
//! [`crate::score::metrics::summarize`] computes them. The statistics themselves (bootstrap
//! intervals) come from [`crate::score::resample`], fed with per-document counts read from
//! the same columns.
//!
//! Only this module uses polars, so the library core builds without it; polars is built
//! with its eager core only (no `lazy`, `parquet` or `pivot` features: those pull its query
//! engine, its own Parquet reader and an async network stack — tokio, hyper, reqwest,
//! rustls — into every build; BENCHMARKS.md "First build").

pub mod store;
pub mod table;

pub use store::{Manifest, RunInfo, Store};
pub use table::{BenchCell, BenchRow, BenchTable, MetricSpec, bench_table};

use crate::error::Error;

/// A polars error as a data error about the results store.
pub(crate) fn pl_err(context: &std::path::Path, e: polars::prelude::PolarsError) -> Error {
    Error::data(context.display().to_string(), format!("results store: {e}"))
}
