//! Offsets and text: the per-document offset index (bytes <-> code points <-> UTF-16
//! units), a rule-based tokenizer and sentence splitter ([`segment`]) and, in later modules, alignment between a labels' source text and the
//! canonical text.

mod offsets;
pub mod segment;

pub use offsets::{OffsetIndex, OffsetUnit};
