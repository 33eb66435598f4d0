//! Token-tag sequences in, counts out: the core of `ieval.seqeval` and `ieval.nervaluate`.
//!
//! `list[list[str]]` crosses the boundary once: every tag becomes an id into a vocabulary of
//! distinct strings (looked up by object identity first, so a tag string object shared by
//! many tokens is read once), and everything after that — decoding tags into chunks by
//! seqeval's or nervaluate's rules, counting per label, nervaluate's four strategies — runs
//! on ids with the GIL released. The Python side only formats (numpy arrays, dicts, report
//! text) and raises the reference tools' exceptions, which this module reports as data.
//!
//! Decoding rules:
//! - seqeval's default mode: `get_entities` on the flattened sequences (an `O` after every
//!   sentence), prefix = first character (last with `suffix`), as `ieval::tags::compat::seqeval`;
//!   ported here on ids, with seqeval's `suffix` variant.
//! - seqeval's `mode="strict"`: tags parsed as `seqeval.scheme.Token` parses them, then
//!   decoded per sentence by the library's strict policy (`ieval::tags::decode`, a port of
//!   `seqeval.scheme.Tokens.entities`).
//! - nervaluate's `ListLoader` / `ConllLoader` (as `ieval::tags::compat::nervaluate`, on
//!   Python's character slicing), then `ieval::score::nervaluate::evaluate_with_overlap`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use ieval::score::counts::Mode;
use ieval::score::matching::Category;
use ieval::score::nervaluate::{Ent, evaluate_with_overlap};
use ieval::tags::{DecodeOutput, Policy, Prefix, Scheme, Tag, decode_into};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};
use rayon::prelude::*;

/// FxHash (rustc's hasher): tag lookups by pointer and by short string.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// The id of an item that is not a `str` (its type is kept in [`Side::non_str`]).
const NON_STR: u32 = u32::MAX;

/// One side (gold or predictions): tag ids, sentence by sentence.
#[derive(Default)]
struct Side {
    ids: Vec<u32>,
    /// Sentence `s` is `ids[starts[s]..starts[s + 1]]`.
    starts: Vec<usize>,
    /// False when the input was a flat `list[str]` (one sequence, no sentence boundary).
    nested: bool,
    /// The first non-`str` item: (sentence, position, `str(type(item))`).
    non_str: Option<(usize, usize, String)>,
}

impl Side {
    fn sentences(&self) -> impl Iterator<Item = &[u32]> + '_ {
        self.starts.windows(2).map(|w| &self.ids[w[0]..w[1]])
    }
}

/// Distinct tag strings, interned (also `ieval.score`'s tag sequences, `api::sequence_rows`).
#[derive(Default)]
pub(crate) struct Vocab {
    strings: Vec<String>,
    by_str: FxMap<String, u32>,
    /// Object address -> id; valid while the input lists are alive (the GIL is held
    /// throughout the reading, and the lists hold their items).
    by_ptr: FxMap<usize, u32>,
}

impl Vocab {
    /// The id of `item`'s string, or `None` when `item` is not a `str`.
    pub(crate) fn id_of(&mut self, item: &Bound<'_, PyAny>) -> PyResult<Option<u32>> {
        let ptr = item.as_ptr() as usize;
        if let Some(&id) = self.by_ptr.get(&ptr) {
            return Ok(Some(id));
        }
        let Ok(s) = item.cast::<PyString>() else {
            return Ok(None);
        };
        let text = s.to_cow()?;
        let id = match self.by_str.get(text.as_ref()) {
            Some(&id) => id,
            None => {
                let id = self.strings.len() as u32;
                self.strings.push(text.to_string());
                self.by_str.insert(text.into_owned(), id);
                id
            }
        };
        self.by_ptr.insert(ptr, id);
        Ok(Some(id))
    }

    /// The string of an id [`Vocab::id_of`] gave.
    pub(crate) fn string(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    fn read_side(&mut self, obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Side> {
        let items: Vec<Bound<'_, PyAny>> = if let Ok(l) = obj.cast::<PyList>() {
            l.iter().collect()
        } else if let Ok(t) = obj.cast::<PyTuple>() {
            t.iter().collect()
        } else {
            return Err(PyTypeError::new_err(format!(
                "{what}: expected a list of tag sequences (list[list[str]]), got {}",
                obj.get_type().name()?
            )));
        };
        let mut side = Side { starts: vec![0], ..Side::default() };
        let nested = items.is_empty() || items.iter().any(|i| !i.is_instance_of::<PyString>());
        side.nested = nested;
        let mut push = |side: &mut Side, item: &Bound<'_, PyAny>, sent: usize, pos: usize| -> PyResult<()> {
            match self.id_of(item)? {
                Some(id) => side.ids.push(id),
                None => {
                    if side.non_str.is_none() {
                        side.non_str = Some((sent, pos, item.get_type().str()?.to_cow()?.into_owned()));
                    }
                    side.ids.push(NON_STR);
                }
            }
            Ok(())
        };
        if !nested {
            for (pos, item) in items.iter().enumerate() {
                push(&mut side, item, 0, pos)?;
            }
            side.starts.push(side.ids.len());
            return Ok(side);
        }
        for (sent, seq) in items.iter().enumerate() {
            if let Ok(l) = seq.cast::<PyList>() {
                for (pos, item) in l.iter().enumerate() {
                    push(&mut side, &item, sent, pos)?;
                }
            } else if let Ok(t) = seq.cast::<PyTuple>() {
                for (pos, item) in t.iter().enumerate() {
                    push(&mut side, &item, sent, pos)?;
                }
            } else {
                return Err(PyTypeError::new_err(format!(
                    "{what}[{sent}]: expected a sequence of tags (list[str]), got {}",
                    seq.get_type().name()?
                )));
            }
            side.starts.push(side.ids.len());
        }
        Ok(side)
    }
}

/// Gold and predicted tag sequences, read once; the operations of `ieval.seqeval` and
/// `ieval.nervaluate` run on it.
#[pyclass(frozen, module = "ieval._ieval")]
pub struct TagSeqs {
    vocab: Vec<String>,
    /// Ids below this were first seen in the gold sequences.
    n_true_vocab: usize,
    gold: Side,
    pred: Side,
}

/// Interns chunk type strings.
#[derive(Default)]
struct Types {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Types {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), id);
        id
    }
}

/// Per-label counts: (labels sorted as Python sorts str, pred_sum, tp_sum, true_sum).
type LabelCounts = (Vec<String>, Vec<u64>, Vec<u64>, Vec<u64>);

/// seqeval's `tag` (one character) and `type_` of a raw tag in the default mode.
fn seqeval_split(tag: &str, suffix: bool) -> (char, String) {
    let (c, ty) = if suffix {
        let Some(c) = tag.chars().next_back() else { return ('\0', "_".into()) };
        let rest = &tag[..tag.len() - c.len_utf8()];
        (c, rest.rsplit_once('-').map_or(rest, |(a, _)| a))
    } else {
        let Some(c) = tag.chars().next() else { return ('\0', "_".into()) };
        let rest = &tag[c.len_utf8()..];
        (c, rest.split_once('-').map_or(rest, |(_, b)| b))
    };
    (c, if ty.is_empty() { "_".to_string() } else { ty.to_string() })
}

fn end_of_chunk(prev_tag: char, tag: char, prev_type: u32, ty: u32) -> bool {
    let mut end = prev_tag == 'E' || prev_tag == 'S';
    end |= matches!((prev_tag, tag), ('B', 'B' | 'S' | 'O') | ('I', 'B' | 'S' | 'O'));
    end || (prev_tag != 'O' && prev_tag != '.' && prev_type != ty)
}

fn start_of_chunk(prev_tag: char, tag: char, prev_type: u32, ty: u32) -> bool {
    let mut start = tag == 'B' || tag == 'S';
    start |= matches!((prev_tag, tag), ('E' | 'S' | 'O', 'E' | 'I'));
    start || (tag != 'O' && tag != '.' && prev_type != ty)
}

/// seqeval's `get_entities` over one side: chunks (type, start, end inclusive) in the
/// flattened sequence, in order of their (distinct) ends.
fn get_entities(side: &Side, parsed: &[(char, u32)], sep: (char, u32)) -> Vec<(u32, usize, usize)> {
    // seqeval starts with prev_type = '' (no type string equals it: types are never empty).
    let (mut prev_tag, mut prev_type) = ('O', u32::MAX);
    let mut begin = 0usize;
    let mut i = 0usize;
    let mut out = Vec::new();
    let mut step = |tag: char, ty: u32, i: usize, out: &mut Vec<(u32, usize, usize)>| {
        if end_of_chunk(prev_tag, tag, prev_type, ty) {
            out.push((prev_type, begin, i.wrapping_sub(1)));
        }
        if start_of_chunk(prev_tag, tag, prev_type, ty) {
            begin = i;
        }
        prev_tag = tag;
        prev_type = ty;
    };
    for sent in side.sentences() {
        for &id in sent {
            let (tag, ty) = parsed[id as usize];
            step(tag, ty, i, &mut out);
            i += 1;
        }
        if side.nested {
            step(sep.0, sep.1, i, &mut out);
            i += 1;
        }
    }
    step(sep.0, sep.1, i, &mut out);
    out
}

/// How `seqeval.scheme.Token` reads a tag: its prefix letter (`None`: not one of seqeval's
/// prefixes, a `KeyError` there; empty tag: `IndexError`) and its tag text.
fn token_parts(tag: &str, suffix: bool) -> Option<(char, String)> {
    let c = if suffix { tag.chars().next_back()? } else { tag.chars().next()? };
    let rest = if suffix { &tag[..tag.len() - c.len_utf8()] } else { &tag[c.len_utf8()..] };
    let t = rest.trim_matches('-');
    Some((c, if t.is_empty() { "_".to_string() } else { t.to_string() }))
}

fn scheme_letters(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::Iob1 | Scheme::Iob2 => "IOB",
        Scheme::Ioe1 | Scheme::Ioe2 => "IOE",
        Scheme::Iobes => "IOBES",
        Scheme::Bilou => "BILOU",
        Scheme::Bare => "O",
    }
}

/// Merge-count chunks present on both sides; both sorted.
fn count_common<T: Ord + Copy>(a: &[T], b: &[T], mut hit: impl FnMut(T)) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                hit(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
}

fn finish_counts(types: &Types, pred: &[u64], tp: &[u64], gold: &[u64]) -> LabelCounts {
    let mut used: Vec<usize> = (0..types.names.len()).filter(|&t| pred[t] > 0 || gold[t] > 0).collect();
    // Rust orders strings by UTF-8 bytes, which is Python's code point order.
    used.sort_by(|&a, &b| types.names[a].cmp(&types.names[b]));
    (
        used.iter().map(|&t| types.names[t].clone()).collect(),
        used.iter().map(|&t| pred[t]).collect(),
        used.iter().map(|&t| tp[t]).collect(),
        used.iter().map(|&t| gold[t]).collect(),
    )
}

/// A reference tool's exception, raised by the Python side: (kind, argument).
type Raise = Option<(&'static str, String)>;

/// A tag as seqeval's strict mode reads it: (prefix allowed by the scheme, tag), or the
/// exception seqeval raises on it.
type StrictTag = Result<(bool, Tag), (&'static str, String)>;

/// What `TagSeqs.seqeval_counts` returns to Python.
type CountsOut = (Vec<String>, Vec<u64>, Vec<u64>, Vec<u64>, Raise);

impl TagSeqs {
    fn sides(&self) -> [&Side; 2] {
        [&self.gold, &self.pred]
    }

    fn seqeval_default(&self, suffix: bool) -> (LabelCounts, Raise) {
        if self.vocab.iter().any(String::is_empty) {
            return (Default::default(), Some(("IndexError", "string index out of range".into())));
        }
        let mut types = Types::default();
        let parsed: Vec<(char, u32)> = self
            .vocab
            .iter()
            .map(|t| {
                let (c, ty) = seqeval_split(t, suffix);
                (c, types.id(&ty))
            })
            .collect();
        let sep = ('O', types.id("_"));
        let (g, p) = rayon::join(|| get_entities(&self.gold, &parsed, sep), || get_entities(&self.pred, &parsed, sep));
        let n = types.names.len();
        let (mut gold, mut pred, mut tp) = (vec![0u64; n], vec![0u64; n], vec![0u64; n]);
        for c in &g {
            gold[c.0 as usize] += 1;
        }
        for c in &p {
            pred[c.0 as usize] += 1;
        }
        // Ends are distinct and increasing on each side: merge on (end, start, type).
        let key = |c: &(u32, usize, usize)| (c.2, c.1, c.0);
        let gk: Vec<_> = g.iter().map(key).collect();
        let pk: Vec<_> = p.iter().map(key).collect();
        count_common(&gk, &pk, |c| tp[c.2 as usize] += 1);
        (finish_counts(&types, &pred, &tp, &gold), None)
    }

    fn seqeval_strict(&self, scheme: Scheme, suffix: bool) -> (LabelCounts, Raise) {
        let mut types = Types::default();
        let allowed = scheme_letters(scheme);
        // Per vocabulary entry: Err(raise) or (allowed, parsed tag).
        let parsed: Vec<StrictTag> = self
            .vocab
            .iter()
            .map(|t| {
                let Some((c, text)) = token_parts(t, suffix) else {
                    return Err(("IndexError", "string index out of range".to_string()));
                };
                if !"IOBESUL".contains(c) {
                    return Err(("KeyError", c.to_string()));
                }
                let prefix = match c {
                    'O' => return Ok((true, Tag::OUTSIDE)),
                    'B' => Prefix::Begin,
                    'I' => Prefix::Inside,
                    'E' | 'L' => Prefix::End,
                    _ => Prefix::Single,
                };
                Ok((allowed.contains(c), Tag { prefix, label: types.id(&text) }))
            })
            .collect();
        // seqeval builds a sentence's tokens (KeyError, IndexError), then walks them
        // (ValueError for a prefix the scheme does not allow); gold first.
        for side in self.sides() {
            for sent in side.sentences() {
                if let Some(e) = sent.iter().find_map(|&id| parsed[id as usize].as_ref().err()) {
                    return (Default::default(), Some((e.0, e.1.clone())));
                }
                if let Some(&id) = sent.iter().find(|&&id| parsed[id as usize].as_ref().is_ok_and(|p| !p.0)) {
                    return (Default::default(), Some(("InvalidToken", self.vocab[id as usize].clone())));
                }
            }
        }
        let tags: Vec<Tag> = parsed.iter().map(|p| p.as_ref().map_or(Tag::OUTSIDE, |p| p.1)).collect();
        let decode_side = |side: &Side| -> Vec<Vec<(usize, usize, u32)>> {
            let mut buf = Vec::new();
            let mut out = DecodeOutput::default();
            side.sentences()
                .map(|sent| {
                    buf.clear();
                    buf.extend(sent.iter().map(|&id| tags[id as usize]));
                    out.chunks.clear();
                    out.violations.clear();
                    decode_into(&buf, scheme, Policy::Strict, 0, &mut out);
                    let mut v: Vec<_> = out.chunks.iter().map(|c| (c.start, c.end, c.label)).collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                })
                .collect()
        };
        let (g, p) = rayon::join(|| decode_side(&self.gold), || decode_side(&self.pred));
        let n = types.names.len();
        let (mut gold, mut pred, mut tp) = (vec![0u64; n], vec![0u64; n], vec![0u64; n]);
        for c in g.iter().flatten() {
            gold[c.2 as usize] += 1;
        }
        for c in p.iter().flatten() {
            pred[c.2 as usize] += 1;
        }
        // Entities are keyed by sentence id: sentences pair up by index.
        for (a, b) in g.iter().zip(&p) {
            count_common(a, b, |c| tp[c.2 as usize] += 1);
        }
        (finish_counts(&types, &pred, &tp, &gold), None)
    }

    /// Entities of one side as nervaluate's `ListLoader` reads them, or its `ValueError`.
    fn list_loader(&self, side: &Side) -> Result<Vec<Vec<Ent>>, String> {
        let kinds: Vec<NerTag> = self.vocab.iter().map(|t| NerTag::new(t)).collect();
        let non_str = side.non_str.as_ref().map(|n| n.2.as_str()).unwrap_or("");
        side.sentences()
            .map(|sent| {
                let tags = sent.iter().map(|&id| if id == NON_STR { None } else { Some(&kinds[id as usize]) });
                load_doc(tags, sent.len().wrapping_sub(1), non_str)
            })
            .collect()
    }
}

/// What nervaluate's loaders look at in a tag.
struct NerTag {
    text: String,
    outside: bool,
    valid: bool,
    begin: bool,
    /// `token_tag[2:]` (characters, as Python slices).
    ty: String,
}

impl NerTag {
    fn new(t: &str) -> Self {
        let ty = t.char_indices().nth(2).map_or("", |(i, _)| &t[i..]).to_string();
        NerTag {
            text: t.to_string(),
            outside: t == "O",
            valid: t.starts_with("B-") || t.starts_with("I-"),
            begin: t.starts_with('B'),
            ty,
        }
    }
}

/// nervaluate's loader loop over one document (`None`: a non-`str` item of type `non_str`);
/// `last` is the end given to an entity still open at the end.
fn load_doc<'a>(
    tags: impl Iterator<Item = Option<&'a NerTag>>,
    last: usize,
    non_str: &str,
) -> Result<Vec<Ent>, String> {
    let mut out = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    for (offset, t) in tags.enumerate() {
        let Some(t) = t else {
            return Err(format!("Invalid tag type: {non_str}"));
        };
        if t.outside {
            if let Some((s, ty)) = open.take() {
                out.push(Ent { label: ty.to_string(), start: s, end: offset - 1 });
            }
            continue;
        }
        match open {
            None => {
                if !t.valid {
                    return Err(format!("Invalid tag format: {}", t.text));
                }
                open = Some((offset, &t.ty));
            }
            Some((s, cur)) => {
                if cur != t.ty || t.begin {
                    out.push(Ent { label: cur.to_string(), start: s, end: offset - 1 });
                    if !t.valid {
                        return Err(format!("Invalid tag format: {}", t.text));
                    }
                    open = Some((offset, &t.ty));
                }
            }
        }
    }
    if let Some((s, ty)) = open {
        out.push(Ent { label: ty.to_string(), start: s, end: last });
    }
    Ok(out)
}

/// Python's `str.isspace` (Rust's `char::is_whitespace` plus the separators U+001C..U+001F).
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// nervaluate 1.2.1's `ConllLoader.load` on a string.
fn conll_loader(data: &str) -> Result<Vec<Vec<Ent>>, String> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    let mut docs = Vec::new();
    for doc in data.trim_end_matches(py_space).split("\n\n") {
        if doc.trim_matches(py_space).is_empty() {
            docs.push(Vec::new());
            continue;
        }
        let lines: Vec<&str> = doc.split('\n').collect();
        let mut tags: Vec<Option<NerTag>> = Vec::with_capacity(lines.len());
        for line in &lines {
            if line.trim_matches(py_space).is_empty() {
                // Skipped, but the line still counts as an offset: an `O` changes nothing
                // there only if no entity is open, so keep a placeholder the loop skips.
                tags.push(None);
                continue;
            }
            let mut parts = line.split('\t');
            let (_, Some(tag)) = (parts.next(), parts.next()) else {
                return Err(format!("Invalid CoNLL format: line '{line}' does not contain a tab separator"));
            };
            tags.push(Some(NerTag::new(tag)));
        }
        docs.push(load_conll_doc(&tags, lines.len() - 1)?);
    }
    Ok(docs)
}

/// [`load_doc`] for the CoNLL loader, whose blank lines are skipped but still advance the
/// offset.
fn load_conll_doc(tags: &[Option<NerTag>], last: usize) -> Result<Vec<Ent>, String> {
    let mut out = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    for (offset, t) in tags.iter().enumerate() {
        let Some(t) = t else { continue };
        if t.outside {
            if let Some((s, ty)) = open.take() {
                out.push(Ent { label: ty.to_string(), start: s, end: offset - 1 });
            }
            continue;
        }
        match open {
            None => {
                if !t.valid {
                    return Err(format!("Invalid tag format: {}", t.text));
                }
                open = Some((offset, &t.ty));
            }
            Some((s, cur)) => {
                if cur != t.ty || t.begin {
                    out.push(Ent { label: cur.to_string(), start: s, end: offset - 1 });
                    if !t.valid {
                        return Err(format!("Invalid tag format: {}", t.text));
                    }
                    open = Some((offset, &t.ty));
                }
            }
        }
    }
    if let Some((s, ty)) = open {
        out.push(Ent { label: ty.to_string(), start: s, end: last });
    }
    Ok(out)
}

#[pymethods]
impl TagSeqs {
    /// Read gold and predicted tag sequences (`list[list[str]]`, or flat `list[str]`).
    #[new]
    fn new(y_true: &Bound<'_, PyAny>, y_pred: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut vocab = Vocab::default();
        let gold = vocab.read_side(y_true, "y_true")?;
        let n_true_vocab = vocab.strings.len();
        let pred = vocab.read_side(y_pred, "y_pred")?;
        Ok(TagSeqs { vocab: vocab.strings, n_true_vocab, gold, pred })
    }

    /// The distinct tag strings, gold's first (in order of first appearance).
    #[getter]
    fn vocab(&self) -> Vec<String> {
        self.vocab.clone()
    }

    #[getter]
    fn n_true_vocab(&self) -> usize {
        self.n_true_vocab
    }

    /// `(side, sentence, position, str(type(item)))` of the first item that is not a `str`.
    #[getter]
    fn non_str(&self) -> Option<(usize, usize, usize, String)> {
        self.sides().iter().enumerate().find_map(|(k, s)| s.non_str.as_ref().map(|(a, b, c)| (k, *a, *b, c.clone())))
    }

    /// Per-label counts by seqeval's rules: `(labels, pred_sum, tp_sum, true_sum, raise)`,
    /// `raise` = `(exception kind, argument)` when seqeval would raise instead.
    #[pyo3(signature = (strict, scheme, suffix))]
    fn seqeval_counts(&self, py: Python<'_>, strict: bool, scheme: Option<&str>, suffix: bool) -> PyResult<CountsOut> {
        let scheme: Option<Scheme> = match scheme {
            Some(s) => Some(s.parse().map_err(PyValueError::new_err)?),
            None => None,
        };
        if let Some((_, _, _, ty)) = self.non_str() {
            return Ok((Vec::new(), Vec::new(), Vec::new(), Vec::new(), Some(("TypeError", ty))));
        }
        let ((labels, pred, tp, gold), raise) = py.detach(|| match (strict, scheme) {
            (true, Some(s)) => self.seqeval_strict(s, suffix),
            (true, None) => (Default::default(), Some(("ValueError", "strict mode needs a scheme".into()))),
            (false, _) => self.seqeval_default(suffix),
        });
        Ok((labels, pred, tp, gold, raise))
    }

    /// seqeval's `accuracy_score` and `performance_measure` counts on the flattened
    /// sequences (zipped to the shorter): `(len(y_true), correct, TP, FP, FN, TN)`.
    fn flat_counts(&self, py: Python<'_>) -> (usize, u64, u64, u64, u64, u64) {
        let o = self.vocab.iter().position(|t| t == "O").map(|i| i as u32);
        py.detach(|| {
            let (mut correct, mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0, 0);
            for (&t, &p) in self.gold.ids.iter().zip(&self.pred.ids) {
                let (to, po) = (Some(t) == o, Some(p) == o);
                if t == p {
                    correct += 1;
                    if to {
                        tn += 1;
                    } else {
                        tp += 1;
                    }
                } else if !po {
                    fp += 1;
                }
                if !to && po {
                    fn_ += 1;
                }
            }
            (self.gold.ids.len(), correct, tp, fp, fn_, tn)
        })
    }

    /// Both sides read by nervaluate's `ListLoader` (`ValueError` text on a bad tag).
    fn nervaluate_docs(&self, py: Python<'_>) -> PyResult<(NerDocs, NerDocs)> {
        py.detach(|| {
            let gold = self.list_loader(&self.gold).map_err(PyValueError::new_err)?;
            let pred = self.list_loader(&self.pred).map_err(PyValueError::new_err)?;
            Ok((NerDocs { docs: gold }, NerDocs { docs: pred }))
        })
    }
}

/// Entities per document, in nervaluate's terms (inclusive ends).
#[pyclass(frozen, module = "ieval._ieval")]
pub struct NerDocs {
    docs: Vec<Vec<Ent>>,
}

type Indices = Vec<(usize, usize)>;
/// Counts (correct, incorrect, partial, missed, spurious) and the five index lists.
type StrategyOut = ((u64, u64, u64, u64, u64), (Indices, Indices, Indices, Indices, Indices));

/// nervaluate's strategies, in its `Evaluator.strategies` order.
const STRATEGIES: [Mode; 4] = [Mode::Strict, Mode::Partial, Mode::Type, Mode::Exact];

#[derive(Default, Clone)]
struct Acc {
    cor: u64,
    inc: u64,
    par: u64,
    mis: u64,
    spu: u64,
    idx: [Indices; 5],
}

impl Acc {
    fn add(&mut self, doc: usize, mode: Mode, gold: &[Ent], pred: &[Ent], min_overlap: f64) {
        let (t, go, po) = evaluate_with_overlap(mode, gold, pred, min_overlap);
        self.cor += t.cor;
        self.inc += t.inc;
        self.par += t.par;
        self.mis += t.mis;
        self.spu += t.spu;
        for (pi, (c, _)) in po.iter().enumerate() {
            let k = match c {
                Category::Cor => 0,
                Category::Inc => 1,
                Category::Par => 2,
                _ => 4,
            };
            self.idx[k].push((doc, pi));
        }
        for (ti, (c, _)) in go.iter().enumerate() {
            if *c == Category::Mis {
                self.idx[3].push((doc, ti));
            }
        }
    }

    fn merge(&mut self, o: Acc) {
        self.cor += o.cor;
        self.inc += o.inc;
        self.par += o.par;
        self.mis += o.mis;
        self.spu += o.spu;
        for (a, b) in self.idx.iter_mut().zip(o.idx) {
            a.extend(b);
        }
    }

    fn out(self) -> StrategyOut {
        let [a, b, c, d, e] = self.idx;
        ((self.cor, self.inc, self.par, self.mis, self.spu), (a, b, c, d, e))
    }
}

#[pymethods]
impl NerDocs {
    /// nervaluate's `ConllLoader` on a string.
    #[staticmethod]
    fn from_conll(py: Python<'_>, data: &str) -> PyResult<NerDocs> {
        py.detach(|| conll_loader(data)).map(|docs| NerDocs { docs }).map_err(PyValueError::new_err)
    }

    /// Entities given as `(label, start, end)` per document (validated by the caller).
    #[staticmethod]
    fn from_tuples(docs: Vec<Vec<(String, i64, i64)>>) -> PyResult<NerDocs> {
        let docs = docs
            .into_iter()
            .map(|doc| {
                doc.into_iter()
                    .map(|(label, start, end)| {
                        if start < 0 || end < start {
                            return Err(PyValueError::new_err(format!(
                                "entity {label:?} [{start}, {end}]: start must be >= 0 and end >= start"
                            )));
                        }
                        Ok(Ent { label, start: start as usize, end: end as usize })
                    })
                    .collect::<PyResult<Vec<Ent>>>()
            })
            .collect::<PyResult<_>>()?;
        Ok(NerDocs { docs })
    }

    fn __len__(&self) -> usize {
        self.docs.len()
    }

    /// The documents as lists of `(label, start, end)`.
    fn to_tuples(&self) -> Vec<Vec<(String, usize, usize)>> {
        self.docs.iter().map(|d| d.iter().map(|e| (e.label.clone(), e.start, e.end)).collect()).collect()
    }

    /// Distinct labels in order of first appearance.
    fn labels(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for e in self.docs.iter().flatten() {
            if seen.insert(e.label.as_str()) {
                out.push(e.label.clone());
            }
        }
        out
    }

    /// nervaluate's `Evaluator.evaluate` on these documents (gold) and `pred`: per strategy
    /// (strict, partial, ent_type, exact) overall, then per strategy for each of `used_tags`.
    #[pyo3(signature = (pred, tags, used_tags, min_overlap_percentage))]
    fn evaluate(
        &self,
        py: Python<'_>,
        pred: &NerDocs,
        tags: Vec<String>,
        used_tags: Vec<String>,
        min_overlap_percentage: f64,
    ) -> (Vec<StrategyOut>, Vec<Vec<StrategyOut>>) {
        py.detach(|| {
            let allowed: std::collections::HashSet<&str> = tags.iter().map(String::as_str).collect();
            let n_tags = used_tags.len();
            let per_doc = |(doc, (g, p)): (usize, (&Vec<Ent>, &Vec<Ent>))| {
                let g: Vec<Ent> = g.iter().filter(|e| allowed.contains(e.label.as_str())).cloned().collect();
                let p: Vec<Ent> = p.iter().filter(|e| allowed.contains(e.label.as_str())).cloned().collect();
                let mut overall = vec![Acc::default(); 4];
                let mut by_tag = vec![vec![Acc::default(); 4]; n_tags];
                for (k, &mode) in STRATEGIES.iter().enumerate() {
                    overall[k].add(doc, mode, &g, &p, min_overlap_percentage);
                    for (ti, tag) in used_tags.iter().enumerate() {
                        let gt: Vec<Ent> = g.iter().filter(|e| &e.label == tag).cloned().collect();
                        let pt: Vec<Ent> = p.iter().filter(|e| &e.label == tag).cloned().collect();
                        by_tag[ti][k].add(doc, mode, &gt, &pt, min_overlap_percentage);
                    }
                }
                (overall, by_tag)
            };
            let results: Vec<_> = self.docs.par_iter().zip(&pred.docs).enumerate().map(per_doc).collect();
            let mut overall = vec![Acc::default(); 4];
            let mut by_tag = vec![vec![Acc::default(); 4]; n_tags];
            for (o, t) in results {
                for (a, b) in overall.iter_mut().zip(o) {
                    a.merge(b);
                }
                for (row, r) in by_tag.iter_mut().zip(t) {
                    for (a, b) in row.iter_mut().zip(r) {
                        a.merge(b);
                    }
                }
            }
            (
                overall.into_iter().map(Acc::out).collect(),
                by_tag.into_iter().map(|r| r.into_iter().map(Acc::out).collect()).collect(),
            )
        })
    }
}

/// Add this module's functions to `ieval._ieval`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<TagSeqs>()?;
    m.add_class::<NerDocs>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ieval::tags::compat;

    fn side(seqs: &[&[&str]], vocab: &mut Vec<String>) -> Side {
        let mut s = Side { starts: vec![0], nested: true, ..Side::default() };
        for seq in seqs {
            for t in *seq {
                let id = vocab.iter().position(|v| v == t).unwrap_or_else(|| {
                    vocab.push(t.to_string());
                    vocab.len() - 1
                });
                s.ids.push(id as u32);
            }
            s.starts.push(s.ids.len());
        }
        s
    }

    #[test]
    fn default_mode_equals_the_library_port() {
        // The library's `compat::seqeval` runs per sentence; on well-formed prefixes the
        // flattened walk here gives the same chunks.
        let seqs: &[&[&str]] = &[
            &["B-PER", "I-PER", "O", "B-LOC"],
            &["I-ORG", "E-ORG", "S-LOC", "S-LOC", "B-MISC", "I-LOC"],
            &["O", "I-PER", "I-PER"],
        ];
        let mut vocab = Vec::new();
        let s = side(seqs, &mut vocab);
        let mut types = Types::default();
        let parsed: Vec<(char, u32)> = vocab
            .iter()
            .map(|t| {
                let (c, ty) = seqeval_split(t, false);
                (c, types.id(&ty))
            })
            .collect();
        let got = get_entities(&s, &parsed, ('O', types.id("_")));
        let mut want = Vec::new();
        let mut offset = 0;
        for seq in seqs {
            for c in compat::seqeval(seq) {
                want.push((c.label, offset + c.start, offset + c.end - 1));
            }
            offset += seq.len() + 1;
        }
        let got: Vec<_> = got.into_iter().map(|(t, s, e)| (types.names[t as usize].clone(), s, e)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn list_loader_equals_the_library_port() {
        let seq = ["B-PER", "I-PER", "B-PER", "I-LOC", "O", "I-ORG", "E-ORG"];
        let kinds: Vec<NerTag> = seq.iter().map(|t| NerTag::new(t)).collect();
        let got = load_doc(kinds.iter().map(Some), seq.len() - 1, "").expect("valid");
        let want = compat::nervaluate(&seq).expect("valid");
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((g.label.as_str(), g.start, g.end + 1), (w.label.as_str(), w.start, w.end));
        }
        let bad: Vec<NerTag> = ["O", "S-PER"].iter().map(|t| NerTag::new(t)).collect();
        assert_eq!(load_doc(bad.iter().map(Some), 1, ""), Err("Invalid tag format: S-PER".to_string()));
    }

    #[test]
    fn token_parts_follow_seqeval() {
        assert_eq!(token_parts("B-PER", false), Some(('B', "PER".into())));
        assert_eq!(token_parts("O", false), Some(('O', "_".into())));
        assert_eq!(token_parts("B--X-", false), Some(('B', "X".into())));
        assert_eq!(token_parts("PER-B", true), Some(('B', "PER".into())));
        assert_eq!(token_parts("", false), None);
        assert_eq!(seqeval_split("PER", false), ('P', "ER".into()));
        assert_eq!(seqeval_split("B-I-X", false), ('B', "I-X".into()));
        assert_eq!(seqeval_split("X-I-B", true), ('B', "X".into()));
        assert_eq!(seqeval_split("B", true), ('B', "_".into()));
    }
}
