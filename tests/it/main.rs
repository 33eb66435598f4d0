//! The integration tests: one binary that runs the real `ieval` executable on temporary
//! directories. Tests that read the shared corpora (`../shared/corpora`, or `$CORPORA`)
//! are skipped with a notice when those are absent, unless `IEVAL_REQUIRE_SHARED=1` (set in
//! CI), which turns their absence into a failure.

mod align;
mod architecture;
mod article;
mod broken;
mod common;
mod compare;
mod convert;
mod coref;
mod crash;
mod datasets;
mod events;
mod formats;
mod fuzz_regressions;
mod hardening;
mod linking;
mod meantime;
mod newcomer;
mod properties;
mod relations;
mod report;
mod schemas;
mod score;
mod shards;
#[cfg(feature = "analysis")]
mod store_fixture;
mod suite;
#[cfg(feature = "analysis")]
mod table;
mod textee;
mod tool_inputs;
