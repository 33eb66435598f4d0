//! `--label-map`: system labels renamed onto the gold's (spaCy's `PERSON` -> `PER`) before
//! scoring. Given as `A=B,C=D` or as a file of `A=B` (or `A<TAB>B`) lines (`#` comments)
//! or a JSON object. Entity labels and event types are mapped; each mapping applied is
//! counted in the system's diagnostics (`label-map:A->B`), so the output says what was
//! renamed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::{Diagnostics, Record, Source};
use crate::error::{Error, Result};
use crate::model::SetMeta;

/// A label renaming.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMap {
    pub map: BTreeMap<String, String>,
}

impl LabelMap {
    /// Parse `A=B,C=D`, or read the file of that name.
    pub fn parse(spec: &str) -> Result<LabelMap> {
        let path = Path::new(spec);
        if path.is_file() {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            return Self::parse_file(path, &text);
        }
        let mut map = BTreeMap::new();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((a, b)) = pair.split_once('=') else {
                return Err(Error::usage(format!(
                    "--label-map: {pair:?} is not FROM=TO (give FROM=TO,... or a file of FROM=TO lines; no file {spec:?})"
                )));
            };
            insert(&mut map, a.trim(), b.trim()).map_err(Error::usage)?;
        }
        if map.is_empty() {
            return Err(Error::usage("--label-map: no FROM=TO pair given"));
        }
        Ok(LabelMap { map })
    }

    fn parse_file(path: &Path, text: &str) -> Result<LabelMap> {
        let mut map = BTreeMap::new();
        if text.trim_start().starts_with('{') {
            let v: BTreeMap<String, String> = serde_json::from_str(text)
                .map_err(|e| Error::in_file(path, format!("expected a JSON object of label -> label: {e}")))?;
            for (a, b) in v {
                insert(&mut map, &a, &b).map_err(|e| Error::in_file(path, e))?;
            }
        } else {
            for (k, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let Some((a, b)) = line.split_once('=').or_else(|| line.split_once('\t')) else {
                    return Err(Error::at_line(path, k as u64 + 1, format!("expected FROM=TO, found {line:?}")));
                };
                insert(&mut map, a.trim(), b.trim()).map_err(|e| Error::at_line(path, k as u64 + 1, e))?;
            }
        }
        if map.is_empty() {
            return Err(Error::in_file(path, "no FROM=TO pair in the label map"));
        }
        Ok(LabelMap { map })
    }
}

fn insert(map: &mut BTreeMap<String, String>, a: &str, b: &str) -> std::result::Result<(), String> {
    if a.is_empty() || b.is_empty() {
        return Err(format!("empty label in {a:?}={b:?}"));
    }
    match map.insert(a.to_string(), b.to_string()) {
        Some(old) if old != b => Err(format!("label {a:?} mapped twice ({old:?} and {b:?})")),
        _ => Ok(()),
    }
}

/// A source whose entity labels and event types go through a [`LabelMap`].
pub struct Mapped {
    inner: Box<dyn Source>,
    map: Arc<LabelMap>,
    applied: BTreeMap<(String, String), u64>,
}

impl Mapped {
    pub fn new(inner: Box<dyn Source>, map: Arc<LabelMap>) -> Self {
        Mapped { inner, map, applied: BTreeMap::new() }
    }
}

impl Iterator for Mapped {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Result<Record>> {
        let mut r = match self.inner.next()? {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        for set in &mut r.sets {
            for m in &mut set.entities {
                if let Some(to) = self.map.map.get(m.label.as_str()) {
                    *self.applied.entry((m.label.to_string(), to.clone())).or_default() += 1;
                    m.label = to.as_str().into();
                }
            }
            for e in &mut set.events {
                if let Some(to) = self.map.map.get(&e.event_type) {
                    *self.applied.entry((e.event_type.clone(), to.clone())).or_default() += 1;
                    e.event_type = to.clone();
                }
            }
        }
        Some(Ok(r))
    }
}

impl Source for Mapped {
    fn sets(&self) -> &[SetMeta] {
        self.inner.sets()
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        let mut d = self.inner.take_diagnostics();
        for (from, to) in self.map.map.iter().map(|(a, b)| (a.clone(), b.clone())) {
            let n = self.applied.remove(&(from.clone(), to.clone())).unwrap_or(0);
            if n > 0 {
                d.note_n(
                    &format!("label-map:{from}->{to}"),
                    &format!("labels {from:?} renamed {to:?} (--label-map)"),
                    n,
                    || "--label-map".to_string(),
                );
            } else {
                d.note(
                    &format!("label-map-unused:{from}"),
                    &format!("--label-map {from}={to}: no label {from:?} in this system"),
                    || "--label-map".to_string(),
                );
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_and_files() {
        let m = LabelMap::parse("PERSON=PER, GPE=LOC").expect("parses");
        assert_eq!(m.map["PERSON"], "PER");
        assert_eq!(m.map["GPE"], "LOC");
        assert!(LabelMap::parse("PERSON").is_err());
        assert!(LabelMap::parse("A=B,A=C").is_err());
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("map.txt");
        std::fs::write(&p, "# spaCy -> CoNLL\nPERSON\tPER\nNORP=MISC\n").expect("write");
        let m = LabelMap::parse(&p.display().to_string()).expect("reads");
        assert_eq!(m.map.len(), 2);
        std::fs::write(&p, "PERSON PER\n").expect("write");
        let e = LabelMap::parse(&p.display().to_string()).expect_err("bad line");
        assert!(e.to_string().contains("map.txt:1"), "{e}");
    }
}
