use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Span;

/// Optional document metadata. `extra` holds anything else a reader found (a publisher's
/// footer, a BRAT comment, a CoNLL file name), in sorted order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMeta {
    pub title: Option<String>,
    pub source: Option<String>,
    /// ISO 8601 date (`YYYY-MM-DD`).
    pub published: Option<String>,
    pub url: Option<String>,
    pub lang: Option<String>,
    pub split: Option<String>,
    pub extra: BTreeMap<String, String>,
}

/// One document: its canonical text and, where known, sentence and token spans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub id: String,
    pub text: String,
    pub meta: DocMeta,
    /// Sentence spans in text order (may be empty: unknown).
    pub sentences: Vec<Span>,
    /// Token spans in text order (may be empty: unknown).
    pub tokens: Vec<Span>,
}

impl Document {
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Document { id: id.into(), text: text.into(), ..Default::default() }
    }

    /// The token index whose span starts at `byte`, by binary search.
    pub fn token_starting_at(&self, byte: usize) -> Option<usize> {
        self.tokens.binary_search_by_key(&byte, |t| t.start).ok()
    }

    /// The token index whose span ends at `byte`, by binary search.
    pub fn token_ending_at(&self, byte: usize) -> Option<usize> {
        self.tokens.binary_search_by_key(&byte, |t| t.end).ok()
    }
}

/// The document ids of one input seen so far: a second document with an id already seen
/// is an error naming both places (the one duplicate-id check every reader of whole inputs
/// uses). `W` is what is remembered of the first place: its origin (`String`), or
/// something smaller for inputs of millions of documents (a position).
#[derive(Debug, Default)]
pub struct DocIds<W = String> {
    seen: std::collections::HashMap<Box<str>, W>,
}

impl<W: std::fmt::Display> DocIds<W> {
    pub fn new() -> Self {
        DocIds { seen: std::collections::HashMap::new() }
    }

    /// Note document `id` read at `origin` (remembered as `first`, for a later duplicate).
    pub fn check(&mut self, id: &str, origin: &str, first: W) -> crate::Result<()> {
        match self.seen.insert(id.into(), first) {
            Some(first) => Err(duplicate_id(id, origin, &first)),
            None => Ok(()),
        }
    }

    /// How many distinct ids were seen.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// The error for document `id` at `origin`, first seen at `first`.
pub fn duplicate_id(id: &str, origin: &str, first: &dyn std::fmt::Display) -> crate::Error {
    crate::Error::data(origin, format!("duplicate document id {id:?} (first seen at {first})"))
}
