//! Inputs: the gold and every system's predictions, read, aligned when asked, and paired
//! by document. This module owns the job between the readers (`formats`, `align`) and the
//! scorer (`score`), for every caller alike (`ieval score`, `compare`, `report`,
//! `convert --pred`, suites, the Python package):
//!
//! - [`ReaderSpec`]: the reader options as given (command line or suite file), turned
//!   into [`crate::formats::ReadOptions`] in one place, with a scoring profile's imposed
//!   tag [`Decoding`];
//! - [`Inputs::builder`]: gold + named predictions ([`Input`]: a path, an opened source,
//!   or string-only labels) + [`Alignment`] + pairing and missing-document policies ->
//!   [`Opened`] (the [`Pairing`], the alignment reports, the formats guessed);
//! - [`pair`]: pairing gold documents with each system's documents (by id or by token
//!   stream), yielding one [`Item`] per document;
//! - [`Gold`]: a gold set read into memory once, shared by many pairings.
//!
//! Flow: foundation (error, model, text, tags) -> formats -> align -> **inputs** -> score.

mod builder;
mod gold;
pub mod pair;
mod reader;

pub use crate::formats::labelmap::LabelMap;
pub use builder::{AlignReports, Alignment, Input, Inputs, InputsBuilder, NamedSources, Opened};
pub use gold::Gold;
pub use pair::{Item, Missing, PairBy, Pairing};
pub use reader::{Decoding, ReaderSpec};
