//! The mentions coreference works on: one type for entity and event mentions, and the
//! layer that picks them (read by `coref` and written by the CoNLL-2012 writer).

use serde::Serialize;

use super::{DocAnnotations, Span};

/// Which mentions form the clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// Entity mentions (`Mention::cluster`).
    #[default]
    Entities,
    /// Event mentions (their `cluster` attribute).
    Events,
    /// Both, in one partition.
    All,
}

impl Layer {
    pub const ALL: &'static [Layer] = &[Layer::Entities, Layer::Events, Layer::All];
    pub fn name(self) -> &'static str {
        match self {
            Layer::Entities => "entities",
            Layer::Events => "events",
            Layer::All => "all",
        }
    }
}

impl std::str::FromStr for Layer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Layer::ALL.iter().copied().find(|x| x.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Layer::ALL.iter().map(|x| x.name()).collect();
            format!("unknown value {s:?} (expected one of: {})", names.join(", "))
        })
    }
}

/// One mention as coreference sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CorefMention {
    pub span: Span,
    /// Fragments of a discontinuous mention (empty otherwise).
    pub fragments: Vec<Span>,
    pub head: Option<Span>,
    pub cluster: Option<String>,
}

impl CorefMention {
    pub fn head_or_span(&self) -> Span {
        self.head.unwrap_or(self.span)
    }
}

/// The mentions of one document in one layer, in reader order (entities before events),
/// with exact duplicates dropped; the second value counts the duplicates.
pub fn mentions_of(ann: &DocAnnotations, layer: Layer) -> (Vec<CorefMention>, usize) {
    let frags = |f: &[Span]| if f.len() > 1 { f.to_vec() } else { Vec::new() };
    let mut out = Vec::new();
    if layer != Layer::Events {
        out.extend(ann.entities.iter().map(|m| CorefMention {
            span: m.span,
            fragments: frags(&m.fragments),
            head: m.head,
            cluster: m.cluster.clone(),
        }));
    }
    if layer != Layer::Entities {
        out.extend(ann.events.iter().map(|e| CorefMention {
            span: e.trigger.span,
            fragments: frags(&e.trigger.fragments),
            head: e.trigger.head,
            cluster: e.attrs.iter().find(|(k, _)| k == "cluster").map(|(_, v)| v.clone()),
        }));
    }
    let mut seen = std::collections::HashSet::new();
    let before = out.len();
    out.retain(|m| seen.insert((m.span, m.fragments.clone())));
    let dropped = before - out.len();
    (out, dropped)
}
