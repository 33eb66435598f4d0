//! Token tags: schemes, decoding tag sequences into chunks, encoding chunks back to tags.
//!
//! A tag is parsed once into a [`Tag`] (a [`Prefix`] and an interned label id) by a
//! [`TagSet`]; decoding works on slices of `Tag`s so that readers pay for string handling
//! once per distinct tag, not once per token.
//!
//! Two decoding policies, each defined for every scheme:
//! - **lenient** — every non-`O` token belongs to a chunk; a token that cannot continue the
//!   open chunk starts a new one. This is what conlleval and seqeval's default mode do
//!   (for IOB-style input). Every tag that breaks the scheme's grammar is counted as a
//!   [`Violation`], never silently absorbed.
//! - **strict** — only chunks that follow the scheme's grammar exactly are kept (seqeval's
//!   `mode='strict'` algorithm); the chunks lenient decoding would have produced but strict
//!   decoding drops are counted as violations.

pub mod compat;
mod decode;
mod encode;
mod scheme;

pub use decode::{Chunk, DecodeOutput, Lenient, Violation, ViolationKind, decode, decode_into};
pub use encode::encode;
pub use scheme::{Policy, Prefix, Scheme, SchemeGuess, Tag, TagError, TagSet};
