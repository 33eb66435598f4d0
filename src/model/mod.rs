//! Core types, no I/O: documents, spans, mentions, events and annotation sets.
//!
//! Offsets inside the library are **byte** ranges into `Document::text` (always on
//! `char` boundaries). Public files carry Unicode code points; conversion happens at the
//! edges through [`crate::text::OffsetIndex`].

mod annotation;
pub mod coref;
mod document;
mod span;

pub use annotation::{
    AnnotationSet, Argument, DocAnnotations, Event, Mention, Relation, SetKind, SetMeta, Trigger, validate_set_name,
};
pub use document::{DocIds, DocMeta, Document, duplicate_id};
pub use span::Span;
