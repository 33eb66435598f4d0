//! What label alignment can be told ([`LabelOptions`]: document pairing, the locate policy
//! for string-only labels, the unalignable policy) and the marks it leaves on a label kept
//! without a place ([`UNALIGNED`]). Shared by [`super::labels`] and [`super::locate`].

use super::text::{AlignOptions, Reason};

/// Which occurrences of a string become labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locate {
    All,
    First,
    #[default]
    Nearest,
}

crate::names::names! {
    Locate, "locate policy", "all, first or nearest";
    All => "all",
    First => "first",
    Nearest => "nearest",
}

/// What to do with labels that cannot be placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unaligned {
    /// Keep them with an empty span (gold: missed; predictions: spurious).
    #[default]
    Keep,
    /// Leave them out (counted in the report).
    Drop,
    /// Fail.
    Error,
}

crate::names::names! {
    Unaligned, "policy", "keep, drop or error";
    Keep => "keep" | "keep-gold",
    Drop => "drop",
    Error => "error",
}

/// How source documents find their corpus documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pairing {
    #[default]
    Auto,
    Id,
    Content,
}

crate::names::names! {
    Pairing, "pairing", "auto, id or content";
    Auto => "auto",
    Id => "id",
    Content => "content",
}

/// Everything label alignment can be told.
#[derive(Debug, Clone, Copy)]
pub struct LabelOptions {
    pub text: AlignOptions,
    pub pairing: Pairing,
    pub unaligned: Unaligned,
    pub locate: Locate,
    /// Examples kept per class and set.
    pub examples: usize,
    /// Below this share of aligned text, an id pairing is checked against content.
    pub min_id_coverage: f64,
}

impl Default for LabelOptions {
    fn default() -> Self {
        LabelOptions {
            text: AlignOptions::default(),
            pairing: Pairing::Auto,
            unaligned: Unaligned::Keep,
            locate: Locate::Nearest,
            examples: 10,
            min_id_coverage: 0.5,
        }
    }
}

/// The attribute key that marks a label kept without a place (its span is empty). The
/// scorer never matches such a label: unplaced gold counts as missed, unplaced predictions
/// as spurious.
pub const UNALIGNED: &str = "ieval:unaligned";

/// The attributes that mark a label kept without a place.
pub fn placeholder_attrs(reason: Option<Reason>, text: &str) -> Vec<(String, String)> {
    vec![
        (UNALIGNED.to_string(), reason.map_or("unalignable", Reason::name).to_string()),
        ("ieval:source_text".to_string(), text.to_string()),
    ]
}
