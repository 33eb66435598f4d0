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
