//! Diagnostics: every repair a reader makes and every problem it tolerates, counted by
//! kind with the first few locations. Nothing is repaired silently.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};

/// How many example locations each kind keeps.
const EXAMPLES: usize = 5;

/// One kind of repair or problem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diag {
    /// What happened, in words.
    pub message: String,
    /// True for information that is not a repair or problem (a guessed scheme, say).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub note: bool,
    pub count: u64,
    /// The first locations (`path:line` or `path (document id)`), in input order.
    pub examples: Vec<String>,
}

/// Counted repairs and problems by kind (a short kebab-case code).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Diagnostics {
    pub kinds: BTreeMap<String, Diag>,
}

impl Diagnostics {
    /// Count one occurrence of `kind`; `location` is only built while examples are wanted.
    pub fn record(&mut self, kind: &str, message: &str, location: impl FnOnce() -> String) {
        self.record_n(kind, message, 1, location);
    }

    /// Record a piece of information (not a repair): shown, but not counted as a problem.
    pub fn note(&mut self, kind: &str, message: &str, location: impl FnOnce() -> String) {
        self.record(kind, message, location);
        if let Some(d) = self.kinds.get_mut(kind) {
            d.note = true;
        }
    }

    /// Record `n` occurrences of a piece of information at one location.
    pub fn note_n(&mut self, kind: &str, message: &str, n: u64, location: impl FnOnce() -> String) {
        self.record_n(kind, message, n, location);
        if let Some(d) = self.kinds.get_mut(kind) {
            d.note = true;
        }
    }

    /// A problem a reader can tolerate: counted under `kind` (with `message`) or, when
    /// `strict`, an error at `location` that gives `message` and the `detail`. A trailing
    /// parenthetical in `message` says what tolerant reading does with the item (`(offsets
    /// kept)`) and is left out of the error.
    pub fn problem(
        &mut self,
        strict: bool,
        kind: &str,
        message: &str,
        location: &Location,
        detail: impl FnOnce() -> String,
    ) -> Result<()> {
        if strict {
            let what = match message.rfind(" (") {
                Some(i) if message.ends_with(')') => &message[..i],
                _ => message,
            };
            return Err(Error::parse(location.clone(), format!("{what}: {} (refused under --strict)", detail())));
        }
        self.record(kind, message, || location.to_string());
        Ok(())
    }

    /// Count `n` occurrences of `kind` at one location.
    pub fn record_n(&mut self, kind: &str, message: &str, n: u64, location: impl FnOnce() -> String) {
        if n == 0 {
            return;
        }
        let d = match self.kinds.get_mut(kind) {
            Some(d) => d,
            None => self
                .kinds
                .entry(kind.to_string())
                .or_insert_with(|| Diag { message: message.to_string(), ..Default::default() }),
        };
        d.count += n;
        if d.examples.len() < EXAMPLES {
            d.examples.push(location());
        }
    }

    /// True when nothing was repaired and no problem was tolerated (notes aside).
    pub fn is_empty(&self) -> bool {
        self.kinds.values().all(|d| d.note)
    }

    /// Number of repairs and problems (notes not counted).
    pub fn total(&self) -> u64 {
        self.kinds.values().filter(|d| !d.note).map(|d| d.count).sum()
    }

    pub fn count(&self, kind: &str) -> u64 {
        self.kinds.get(kind).map_or(0, |d| d.count)
    }

    /// Fold another set of diagnostics into this one (counts add; examples keep input order).
    pub fn merge(&mut self, other: Diagnostics) {
        for (k, d) in other.kinds {
            match self.kinds.get_mut(&k) {
                Some(mine) => {
                    mine.count += d.count;
                    for e in d.examples {
                        if mine.examples.len() < EXAMPLES {
                            mine.examples.push(e);
                        }
                    }
                }
                None => {
                    self.kinds.insert(k, d);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_examples() {
        let mut d = Diagnostics::default();
        for i in 0..8 {
            d.record("bom", "byte order mark removed", || format!("f:{i}"));
        }
        assert_eq!(d.count("bom"), 8);
        assert_eq!(d.kinds["bom"].examples.len(), 5);
        let mut e = Diagnostics::default();
        e.record("crlf", "CRLF", || "g:1".into());
        e.record("bom", "byte order mark removed", || "g:2".into());
        d.merge(e);
        assert_eq!(d.count("bom"), 9);
        assert_eq!(d.total(), 10);
    }

    #[test]
    fn problems_count_or_refuse() {
        let mut d = Diagnostics::default();
        let loc = Location::line("a.ann", 3);
        d.problem(false, "text-mismatch", "text differs (offsets kept)", &loc, || "T1".into()).expect("tolerated");
        assert_eq!(d.kinds["text-mismatch"].examples, vec!["a.ann:3".to_string()]);
        let e =
            d.problem(true, "text-mismatch", "text differs (offsets kept)", &loc, || "T1".into()).expect_err("strict");
        assert_eq!(e.to_string(), "a.ann:3: text differs: T1 (refused under --strict)");
    }
}
