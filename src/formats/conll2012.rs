//! The CoNLL-2012 coreference format (OntoNotes `*_conll` files, the input of the CoNLL
//! reference scorer and of scorch): reader and writer.
//!
//! ```text
//! #begin document (1_10ecb); part 000
//! 1_10ecb  0  0  Perennial  -  -
//! 1_10ecb  0  1  party      -  (3
//! 1_10ecb  0  2  girl       -  3)|(4)
//!
//! #end document
//! ```
//!
//! One token per line, columns separated by whitespace, a blank line between sentences.
//! The word is the fourth column (the first when a line has fewer than four); the last
//! column is the coreference column: `-`, or `|`-separated items `(N` (a mention of
//! cluster N starts here), `N)` (the most recently opened mention of cluster N ends here)
//! and `(N)` (a one-token mention), read left to right. Lines starting with `#` other
//! than `#begin document` / `#end document` are comments.
//!
//! Reading: the text is rebuilt from the words (one space between tokens, a newline
//! between sentences); every mention is an entity mention labelled `mention` whose
//! `cluster` is N. The document id is the name in `#begin document (NAME)`, followed by
//! `-PART` when the part is not `000`; `meta.extra` keeps `conll2012_name` and
//! `conll2012_part` so that writing gives the same header back. Errors (with file and
//! line): a token line outside a document, an item that is none of the three forms, a
//! mention closed but never opened, a mention still open at the end of its sentence, a
//! document without `#end document`.
//!
//! Writing ([`write`]): one document per `#begin document` block, the columns
//! `name part index word - coref`, cluster numbers given in order of first appearance
//! over the whole output (so a cluster id shared by documents keeps one number), a mention
//! without a cluster as a cluster of its own. A mention whose ends are not token
//! boundaries is an error; a discontinuous mention is written as its covering span and a
//! word with whitespace with `_` for it (both counted in [`WriteStats`]).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Diagnostics, Record, Source};
use crate::error::{Error, Result};
use crate::model::coref::{Layer, mentions_of};
use crate::model::{DocAnnotations, Document, Mention, SetMeta, Span};

/// True when the first non-blank line of the file is a `#begin document` line.
pub fn looks_like(path: &Path) -> bool {
    use std::io::{BufRead, Read};
    let Ok(f) = std::fs::File::open(path) else { return false };
    std::io::BufReader::new(f.take(1 << 20))
        .lines()
        .map_while(|l| l.ok())
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start_matches('\u{feff}').starts_with("#begin document"))
}

/// CoNLL-2012 files read in full, as a source.
pub struct Conll2012Source {
    records: std::vec::IntoIter<Record>,
    sets: Vec<SetMeta>,
}

impl Conll2012Source {
    pub fn open(files: &[PathBuf], set: SetMeta) -> Result<Self> {
        let mut records = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?;
            records.extend(parse(f, &text)?);
        }
        Ok(Conll2012Source { records: records.into_iter(), sets: vec![set] })
    }
}

impl Iterator for Conll2012Source {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Result<Record>> {
        self.records.next().map(Ok)
    }
}

impl Source for Conll2012Source {
    fn sets(&self) -> &[SetMeta] {
        &self.sets
    }
    fn take_diagnostics(&mut self) -> Diagnostics {
        Diagnostics::default()
    }
}

/// A document being read.
struct Open {
    name: String,
    part: Option<String>,
    line: u64,
    text: String,
    tokens: Vec<Span>,
    sentences: Vec<Span>,
    sentence_start: usize,
    /// Open mentions per cluster: start token indices (a stack).
    open: HashMap<String, Vec<(usize, u64)>>,
    /// (start token, end token, cluster), in closing order.
    mentions: Vec<(usize, usize, String)>,
}

impl Open {
    fn end_sentence(&mut self, path: &Path, line: u64) -> Result<()> {
        if let Some((c, v)) = self.open.iter().find(|(_, v)| !v.is_empty()) {
            let opened = v.last().map(|x| x.1).unwrap_or(line);
            return Err(Error::at_line(
                path,
                opened,
                format!("mention of cluster {c} opened here is not closed by the end of its sentence (line {line})"),
            ));
        }
        if self.tokens.len() > self.sentence_start {
            let s = self.tokens[self.sentence_start].start;
            let e = self.tokens[self.tokens.len() - 1].end;
            self.sentences.push(Span::new(s, e));
            self.sentence_start = self.tokens.len();
        }
        Ok(())
    }
}

/// Parse one file's text into records (one per document).
pub fn parse(path: &Path, text: &str) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    let mut cur: Option<Open> = None;
    let mut last = 0u64;
    for (i, raw) in text.lines().enumerate() {
        let n = i as u64 + 1;
        last = n;
        let line = if i == 0 { raw.trim_start_matches('\u{feff}') } else { raw };
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("#begin document") {
            if let Some(o) = &cur {
                return Err(Error::at_line(
                    path,
                    n,
                    format!("#begin document while document {:?} (line {}) is still open", o.name, o.line),
                ));
            }
            let (name, part) = header(rest).ok_or_else(|| {
                Error::at_line(path, n, "expected `#begin document (NAME); part NNN` or `#begin document (NAME)`")
            })?;
            cur = Some(Open {
                name,
                part,
                line: n,
                text: String::new(),
                tokens: Vec::new(),
                sentences: Vec::new(),
                sentence_start: 0,
                open: HashMap::new(),
                mentions: Vec::new(),
            });
            continue;
        }
        if trimmed.starts_with("#end document") {
            let Some(mut o) = cur.take() else {
                return Err(Error::at_line(path, n, "#end document without #begin document"));
            };
            o.end_sentence(path, n)?;
            out.push(finish(path, o));
            continue;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        if trimmed.is_empty() {
            if let Some(o) = &mut cur {
                o.end_sentence(path, n)?;
            }
            continue;
        }
        let Some(o) = &mut cur else {
            return Err(Error::at_line(path, n, "token line outside a document (expected #begin document first)"));
        };
        let cols: Vec<&str> = trimmed.split_whitespace().collect();
        if cols.len() < 2 {
            return Err(Error::at_line(path, n, "expected at least a word column and the coreference column"));
        }
        let word = if cols.len() >= 4 { cols[3] } else { cols[0] };
        let tok = o.tokens.len();
        if tok > o.sentence_start {
            o.text.push(' ');
        } else if !o.text.is_empty() {
            o.text.push('\n');
        }
        let start = o.text.len();
        o.text.push_str(word);
        o.tokens.push(Span::new(start, o.text.len()));
        let coref = cols[cols.len() - 1];
        if coref == "-" {
            continue;
        }
        for item in coref.split('|') {
            let bad = || {
                Error::at_line(
                    path,
                    n,
                    format!(
                        "coreference item {item:?} is none of (N, N) and (N) (N a cluster number) in column {coref:?}"
                    ),
                )
            };
            let (opens, body, closes) = match (item.strip_prefix('('), item.strip_suffix(')')) {
                (Some(b), Some(_)) => (true, &b[..b.len().saturating_sub(1)], true),
                (Some(b), None) => (true, b, false),
                (None, Some(b)) => (false, b, true),
                (None, None) => return Err(bad()),
            };
            if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            if opens && closes {
                o.mentions.push((tok, tok, body.to_string()));
            } else if opens {
                o.open.entry(body.to_string()).or_default().push((tok, n));
            } else {
                let Some(s) = o.open.get_mut(body).and_then(|v| v.pop()) else {
                    return Err(Error::at_line(
                        path,
                        n,
                        format!("mention of cluster {body} closed here was never opened"),
                    ));
                };
                o.mentions.push((s.0, tok, body.to_string()));
            }
        }
    }
    if let Some(o) = cur {
        return Err(Error::at_line(
            path,
            last.max(1),
            format!("document {:?} opened at line {} has no #end document", o.name, o.line),
        ));
    }
    Ok(out)
}

/// `(NAME); part NNN` → (NAME, Some(NNN)); `(NAME)` → (NAME, None).
fn header(rest: &str) -> Option<(String, Option<String>)> {
    let rest = rest.trim();
    let inner = rest.strip_prefix('(')?;
    let close = inner.find(");").or_else(|| inner.strip_suffix(')').map(|s| s.len()))?;
    let name = inner[..close].to_string();
    let after = inner[close + 1..].trim_start_matches(';').trim();
    let part = after.strip_prefix("part").map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
    if name.is_empty() || (!after.is_empty() && part.is_none()) {
        return None;
    }
    Some((name, part))
}

fn finish(path: &Path, o: Open) -> Record {
    let id = match o.part.as_deref() {
        None | Some("000") | Some("0") => o.name.clone(),
        Some(p) => format!("{}-{p}", o.name),
    };
    let mut doc = Document::new(id.clone(), o.text);
    doc.tokens = o.tokens;
    doc.sentences = o.sentences;
    doc.meta.extra.insert("conll2012_name".into(), o.name);
    if let Some(p) = o.part {
        doc.meta.extra.insert("conll2012_part".into(), p);
    }
    let mut ms = o.mentions;
    ms.sort_by_key(|m| (m.0, std::cmp::Reverse(m.1)));
    let mut ann = DocAnnotations::new(id);
    for (k, (s, e, c)) in ms.into_iter().enumerate() {
        let mut m = Mention::new(format!("m{}", k + 1), Span::new(doc.tokens[s].start, doc.tokens[e].end), "mention");
        m.cluster = Some(c);
        ann.entities.push(m);
    }
    Record { origin: format!("{}:{}", path.display(), o.line), document: doc, sets: vec![ann] }
}

/// What [`write`] had to adapt.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteStats {
    pub documents: usize,
    pub mentions: usize,
    pub clusters: usize,
    /// Discontinuous mentions written as their covering span.
    pub discontinuous_covered: usize,
    /// Words whose whitespace was written as `_`.
    pub words_with_space: usize,
    /// Mentions with the same extent as an earlier one, left out.
    pub duplicates_dropped: usize,
}

/// Write documents with one set's annotations (`layer` picks entity or event mentions, or
/// both) in the CoNLL-2012 format. Documents need tokens.
pub fn write(
    out: &mut impl Write,
    docs: &[(&Document, &DocAnnotations)],
    layer: Layer,
    dest: &Path,
) -> Result<WriteStats> {
    let io = |e| Error::io(dest, e);
    let mut stats = WriteStats::default();
    let mut numbers: HashMap<String, usize> = HashMap::new();
    let mut next = 0usize;
    for (doc, ann) in docs {
        if doc.tokens.is_empty() && !doc.text.trim().is_empty() {
            return Err(Error::data(
                format!("document {:?}", doc.id),
                "CoNLL-2012 output needs tokens; this document has none",
            ));
        }
        let (ms, dup) = mentions_of(ann, layer);
        stats.duplicates_dropped += dup;
        stats.documents += 1;
        // Per token: openings (longest first), one-token mentions, closings (shortest first).
        let mut opens: Vec<Vec<(usize, usize)>> = vec![Vec::new(); doc.tokens.len()];
        let mut singles: Vec<Vec<usize>> = vec![Vec::new(); doc.tokens.len()];
        let mut closes: Vec<Vec<(usize, usize)>> = vec![Vec::new(); doc.tokens.len()];
        for m in &ms {
            let span = m.span;
            if !m.fragments.is_empty() {
                stats.discontinuous_covered += 1;
            }
            let (Some(s), Some(e)) = (doc.token_starting_at(span.start), doc.token_ending_at(span.end)) else {
                return Err(Error::data(
                    format!("document {:?}", doc.id),
                    format!(
                        "mention {span} does not start and end on token boundaries (CoNLL-2012 mentions are token ranges)"
                    ),
                ));
            };
            let n = match &m.cluster {
                Some(c) => *numbers.entry(c.clone()).or_insert_with(|| {
                    next += 1;
                    next - 1
                }),
                None => {
                    next += 1;
                    next - 1
                }
            };
            stats.mentions += 1;
            if s == e {
                singles[s].push(n);
            } else {
                opens[s].push((e, n));
                closes[e].push((s, n));
            }
        }
        let name = doc.meta.extra.get("conll2012_name").cloned().unwrap_or_else(|| doc.id.clone());
        let part = doc.meta.extra.get("conll2012_part").cloned().unwrap_or_else(|| "000".into());
        writeln!(out, "#begin document ({name}); part {part}").map_err(io)?;
        let sentences: Vec<Span> =
            if doc.sentences.is_empty() { vec![Span::new(0, doc.text.len())] } else { doc.sentences.clone() };
        let mut t = 0usize;
        let col_name: String = name.split_whitespace().collect::<Vec<_>>().join("_");
        for s in &sentences {
            let mut idx = 0usize;
            while t < doc.tokens.len() && doc.tokens[t].start < s.end {
                let tok = doc.tokens[t];
                let word = tok.slice(&doc.text).unwrap_or("_");
                let word = if word.chars().any(char::is_whitespace) || word.is_empty() {
                    stats.words_with_space += 1;
                    let w: String = word.chars().map(|c| if c.is_whitespace() { '_' } else { c }).collect();
                    if w.is_empty() { "_".to_string() } else { w }
                } else {
                    word.to_string()
                };
                let mut items: Vec<String> = Vec::new();
                let mut o = opens[t].clone();
                o.sort_by_key(|&(e, n)| (std::cmp::Reverse(e), n));
                items.extend(o.iter().map(|&(_, n)| format!("({n}")));
                items.extend(singles[t].iter().map(|n| format!("({n})")));
                let mut c = closes[t].clone();
                c.sort_by_key(|&(s, n)| (std::cmp::Reverse(s), n));
                items.extend(c.iter().map(|&(_, n)| format!("{n})")));
                let coref = if items.is_empty() { "-".to_string() } else { items.join("|") };
                writeln!(out, "{col_name}\t{part}\t{idx}\t{word}\t-\t{coref}").map_err(io)?;
                idx += 1;
                t += 1;
            }
            if idx > 0 {
                writeln!(out).map_err(io)?;
            }
        }
        writeln!(out, "#end document").map_err(io)?;
    }
    stats.clusters = next;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "#begin document (test); part 000
test 0 0 John - (1)
test 0 1 met - -
test 0 2 the - (2
test 0 3 old - (3)
test 0 4 man - 2)

test 0 0 He - (1)|(2
test 0 1 left - 2)
#end document
#begin document (other); part 001
other 1 0 x - (7)
#end document
";

    #[test]
    fn reads_mentions_clusters_and_text() {
        let recs = parse(Path::new("t.conll"), SAMPLE).expect("test input");
        assert_eq!(recs.len(), 2);
        let d = &recs[0];
        assert_eq!(d.document.text, "John met the old man\nHe left");
        assert_eq!(d.document.sentences.len(), 2);
        let got: Vec<(&str, &str)> = d.sets[0]
            .entities
            .iter()
            .map(|m| (m.span.slice(&d.document.text).expect("test input"), m.cluster.as_deref().expect("test input")))
            .collect();
        // In text order, an enclosing mention before the mentions it contains.
        assert_eq!(got, vec![("John", "1"), ("the old man", "2"), ("old", "3"), ("He left", "2"), ("He", "1")]);
        assert_eq!(recs[1].document.id, "other-001");
    }

    #[test]
    fn round_trip() {
        let recs = parse(Path::new("t.conll"), SAMPLE).expect("test input");
        let pairs: Vec<(&Document, &DocAnnotations)> = recs.iter().map(|r| (&r.document, &r.sets[0])).collect();
        let mut buf = Vec::new();
        let st = write(&mut buf, &pairs, Layer::Entities, Path::new("out")).expect("test input");
        assert_eq!(st.mentions, 6);
        let again = parse(Path::new("out"), std::str::from_utf8(&buf).expect("test input")).expect("test input");
        for (a, b) in recs.iter().zip(&again) {
            assert_eq!(a.document.text, b.document.text);
            assert_eq!(a.document.id, b.document.id);
            let spans = |r: &Record| r.sets[0].entities.iter().map(|m| m.span).collect::<Vec<_>>();
            assert_eq!(spans(a), spans(b));
            // Cluster numbers are renumbered by first appearance, the partition is the same.
            let part = |r: &Record| {
                let ms = &r.sets[0].entities;
                (0..ms.len())
                    .flat_map(|i| (0..ms.len()).map(move |j| (i, j)))
                    .map(|(i, j)| ms[i].cluster == ms[j].cluster)
                    .collect::<Vec<_>>()
            };
            assert_eq!(part(a), part(b));
        }
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("#begin document (a); part 000\na 0 0 x (1\n\n#end document\n", 2, "not closed"),
            ("#begin document (a); part 000\na 0 0 x 1)\n#end document\n", 2, "never opened"),
            ("#begin document (a); part 000\na 0 0 x (q)\n#end document\n", 2, "none of"),
            ("a 0 0 x -\n", 1, "outside a document"),
            ("#begin document (a); part 000\na 0 0 x -\n", 2, "no #end document"),
            ("#begin document a\n", 1, "expected `#begin document"),
        ];
        for (text, line, what) in cases {
            let e = parse(Path::new("f"), text).expect_err("an error").to_string();
            assert!(e.starts_with(&format!("f:{line}:")), "{e}");
            assert!(e.contains(what), "{e}");
        }
    }
}
