//! ieval: an evaluation harness for information extraction on news.
pub mod align;
#[cfg(feature = "analysis")]
pub mod analysis;
pub mod error;
pub mod model;
pub mod tags;
pub mod text;

pub use error::{Error, Result};
pub mod formats;
pub mod inputs;
pub mod output;
pub mod report;
pub mod schemas;
pub mod score;
pub mod shard;
pub mod stats;
pub mod suite;
