use std::collections::BTreeMap;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::Span;

/// An entity mention. `span` is the full extent; a discontinuous mention also lists its
/// `fragments` (sorted, non-overlapping, inside `span`). Everything a reader could not map
/// to a field (BRAT attributes and normalizations, MEANTIME syntactic type, ...) is kept
/// in `attrs` as key/value pairs in reader order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mention {
    /// Ids and labels are short: up to 24 bytes they are stored inline, so reading a
    /// mention allocates nothing for them (a [`CompactString`] reads as a `&str`).
    pub id: CompactString,
    pub span: Span,
    pub fragments: Vec<Span>,
    pub label: CompactString,
    pub score: Option<f64>,
    pub head: Option<Span>,
    pub cluster: Option<String>,
    pub attrs: Vec<(String, String)>,
}

impl Mention {
    pub fn new(id: impl Into<CompactString>, span: Span, label: impl Into<CompactString>) -> Self {
        Mention { id: id.into(), span, label: label.into(), ..Default::default() }
    }
    pub fn is_discontinuous(&self) -> bool {
        self.fragments.len() > 1
    }
}

/// The word(s) that express an event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trigger {
    pub span: Span,
    pub fragments: Vec<Span>,
    pub head: Option<Span>,
}

/// A role-labelled event argument. `entity_id` points at a mention of the same set when
/// the argument is an entity mention; `span` is always filled (copied from the mention).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Argument {
    pub role: String,
    pub entity_id: Option<String>,
    pub span: Span,
    pub head: Option<Span>,
}

/// An event mention: trigger, type, arguments.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Event {
    pub id: String,
    pub event_type: String,
    pub trigger: Trigger,
    pub realis: Option<String>,
    pub score: Option<f64>,
    pub arguments: Vec<Argument>,
    pub attrs: Vec<(String, String)>,
}

/// A binary or n-ary relation between mentions (BRAT `R` lines, re3d relations), kept so
/// that conversion never drops them. `args` are (role, mention id) pairs. What a reader
/// could not map to the label or the arguments (EventStoryLine's `CAUSES` / `SIGNAL`, BRAT
/// attributes and notes on a relation, ...) is kept in `attrs` as key/value pairs in
/// reader order, as for mentions and events; scoring does not use them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Relation {
    pub id: String,
    pub label: String,
    pub args: Vec<(String, String)>,
    pub attrs: Vec<(String, String)>,
}

/// The annotations of one document in one annotation set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocAnnotations {
    pub doc_id: String,
    pub entities: Vec<Mention>,
    pub events: Vec<Event>,
    pub relations: Vec<Relation>,
}

impl DocAnnotations {
    pub fn new(doc_id: impl Into<String>) -> Self {
        DocAnnotations { doc_id: doc_id.into(), ..Default::default() }
    }
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty() && self.events.is_empty() && self.relations.is_empty()
    }
}

/// Whether a set is the reference or a system's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SetKind {
    Gold,
    System { name: String, version: Option<String> },
}

/// What an annotation set is and where it came from; stored in the file metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetMeta {
    #[serde(flatten)]
    pub kind: SetKind,
    /// Where the annotations came from (input path and format, or a description).
    pub source: String,
    /// True when every document of the corpus is covered: a missing row then means "no
    /// annotations"; otherwise a missing document is an error when scoring.
    pub complete: bool,
    /// Anything else worth keeping (converter options, repairs made).
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
}

impl SetMeta {
    pub fn gold(source: impl Into<String>) -> Self {
        SetMeta { kind: SetKind::Gold, source: source.into(), complete: true, extra: BTreeMap::new() }
    }
    pub fn system(name: impl Into<String>, source: impl Into<String>) -> Self {
        SetMeta {
            kind: SetKind::System { name: name.into(), version: None },
            source: source.into(),
            complete: true,
            extra: BTreeMap::new(),
        }
    }
    /// The set's display name: `gold`, or the system name.
    pub fn name(&self) -> &str {
        match &self.kind {
            SetKind::Gold => "gold",
            SetKind::System { name, .. } => name,
        }
    }
    pub fn is_gold(&self) -> bool {
        matches!(self.kind, SetKind::Gold)
    }
}

/// One annotation set over a corpus: one `DocAnnotations` per document, in corpus order.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotationSet {
    pub meta: SetMeta,
    pub docs: Vec<DocAnnotations>,
}

impl AnnotationSet {
    pub fn new(meta: SetMeta) -> Self {
        AnnotationSet { meta, docs: Vec::new() }
    }
    pub fn entity_count(&self) -> usize {
        self.docs.iter().map(|d| d.entities.len()).sum()
    }
    pub fn event_count(&self) -> usize {
        self.docs.iter().map(|d| d.events.len()).sum()
    }
}

/// Check that a set name can be a file name (`systems/<name>.parquet`): ASCII letters,
/// digits, `.`, `_`, `-`, `+`; not empty, not starting with a dot.
pub fn validate_set_name(name: &str) -> crate::Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(crate::Error::usage(format!(
            "set name {name:?} cannot be used as a file name: use ASCII letters, digits, '.', '_', '-', '+'"
        )))
    }
}
