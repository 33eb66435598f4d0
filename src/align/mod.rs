//! Alignment: placing labels made on another copy of a text (re-tokenized, cleaned,
//! re-encoded, reordered) onto the corpus text, and saying exactly what happened to each.

pub mod skeleton;
pub mod text;

pub use skeleton::{NormalizeOptions, Skeleton};
pub use text::{AlignClass, AlignOptions, Projection, Reason, TargetIndex, TextAlignment};
