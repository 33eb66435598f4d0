//! Scoring: matching gold and predicted mentions, counting, metrics, profiles.
//!
//! Data flow: a [`crate::inputs::Pairing`] yields each gold document with every system's
//! annotations of it; [`run::score`] scores them in parallel into per-document
//! [`counts::EntityCounts`] (which add); [`report`] turns counts into metrics in the
//! documented JSON shape. The tag columns of one CoNLL file take a shorter road to the
//! same counts: `columns` scores their chunks without building mentions.

pub mod bipartite;
mod columns;
pub mod compare;
pub mod counts;
pub mod counts_file;
pub mod entity;
pub mod errors;
pub mod event;
pub mod linking;
pub mod matching;
pub mod metrics;
pub mod nervaluate;
pub mod packed;
pub mod profile;
pub mod relation;
pub mod report;
pub mod resample;
pub mod run;
pub mod shards;

pub use counts::{Confusion, EntityCounts, LabelTally, Mode, ModeCounts, Tally};
pub use event::{EventCounts, EventMetric, EventOptions};
pub use metrics::{Prf, Summary};
pub use profile::Profile;
pub use run::{DocScore, ScoreRun, SystemScore, score};
