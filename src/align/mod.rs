//! Alignment: placing labels made on another copy of a text (re-tokenized, cleaned,
//! re-encoded, reordered, or with no offsets at all) onto the corpus text, and saying
//! exactly what happened to each label.
//!
//! - [`skeleton`]: the normalized form two copies of a text share, with its map back.
//! - [`text`]: character alignment of a source text with one or many target texts, and
//!   projection of spans through it ([`TextAlignment`]).
//! - [`locate`]: placing string-only labels (entity strings, event frames) in a text.
//! - [`labels`]: whole annotation sets onto a corpus ([`Aligner`]): pairing documents,
//!   the unalignable policy, merging.
//! - [`options`]: what label alignment can be told ([`LabelOptions`]).
//! - [`input`]: the label inputs only alignment reads (string-only, relative offsets).
//! - [`report`]: the [`AlignReport`].
//!
//! No I/O happens here except in [`input`]'s readers.
//!
//! ```
//! use ieval::align::{AlignClass, AlignOptions, TextAlignment};
//! use ieval::model::Span;
//!
//! let labelled = "SKIING - WORLD CUP WOMEN 'S DOWNHILL";
//! let corpus = "SKIING-WORLD CUP WOMEN'S DOWNHILL";
//! let al = TextAlignment::new(labelled, corpus, &AlignOptions::default());
//! let p = al.project(Span::new(9, 18)); // "WORLD CUP"
//! assert_eq!(p.span, Some(Span::new(7, 16)));
//! assert_eq!(p.class, AlignClass::Shifted);
//! ```

pub mod input;
pub mod labels;
pub mod locate;
pub mod options;
pub mod report;
pub mod skeleton;
pub mod text;

pub use labels::{Aligned, Aligner};
pub use locate::{Finder, Occurrence};
pub use options::{LabelOptions, Locate, Pairing, Unaligned};
pub use report::{AlignReport, ClassCounts, Example, LabelKind, SetReport};
pub use skeleton::{NormalizeOptions, Skeleton};
pub use text::{AlignClass, AlignOptions, Projection, Reason, TargetIndex, TextAlignment};
