//! spaCy documents, without spaCy: `Doc.to_json()` records (JSON Lines, one `Doc` per
//! line) and `DocBin` files (`.spacy`).
//!
//! **`to_json` lines**: `text`, `ents` (`start`, `end`, `label`: code points, end-exclusive),
//! `tokens` (`start`, `end`), `sents`; `spans` (span groups) and `cats` are kept out of the
//! entities (span groups are counted in the diagnostics). Offsets are converted through the
//! document's [`OffsetIndex`] (`--offsets` for files that count otherwise).
//!
//! **`DocBin`** (spaCy's `DocBin.to_bytes`): zlib-compressed msgpack holding, per token, the
//! attributes named in `attrs` as 64-bit string ids (`ORTH`, `ENT_IOB`, `ENT_TYPE`, ...),
//! the whitespace flags (`spaces`), the token count of each `Doc` (`lengths`) and the
//! strings the ids stand for. A string's id is its spaCy symbol number when it is one
//! (`PERSON` is 380), else its MurmurHash64A (seed 1), as spaCy's `StringStore` computes
//! them. Text is the tokens with their trailing spaces; entities come from `ENT_IOB` and
//! `ENT_TYPE` (`B` = 3 opens, `I` = 1 continues). A file without `ENT_IOB` holds no
//! entities (stated in the diagnostics).
//!
//! **Document ids**: `user_data` (or the `_` extension values) `id` or `doc_id` when
//! present, else the record's 1-based position (its line in a JSON Lines file, its index
//! in a `DocBin`), prefixed by the file stem when several files are read, as for Prodigy.
//! So a `DocBin` and the `to_json` lines of the same docs pair with each other.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::jsonin::{JsonLinesFiles, file_prefix, id_string};
use super::spacy_symbols::SYMBOLS;
use super::{Diagnostics, ReadOptions, Reader, Record, RecordReader, units};
use crate::error::{Error, Location, Result};
use crate::model::{DocAnnotations, Document, Mention, SetMeta, Span};
use crate::text::{OffsetIndex, OffsetUnit};

const ORTH: u64 = 65;
const ENT_IOB: u64 = 77;
const ENT_TYPE: u64 = 78;

/// True for a JSON object written by `Doc.to_json()`: `text` with `ents` or `sents`, or
/// with `tokens` that carry no `text` (Prodigy's tokens do).
pub fn looks_like_json(m: &serde_json::Map<String, Value>) -> bool {
    let foreign = ["entities", "doc_id", "_input_hash", "_task_hash", "answer"].iter().any(|k| m.contains_key(*k));
    if foreign || !m.get("text").is_some_and(Value::is_string) || m.contains_key("spans") && !m["spans"].is_object() {
        return false;
    }
    let tokens_without_text = m
        .get("tokens")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .is_some_and(|t| t.get("start").is_some() && t.get("text").is_none());
    m.contains_key("ents") || m.contains_key("sents") || tokens_without_text
}

#[derive(Deserialize)]
struct JsonDoc {
    text: String,
    #[serde(default)]
    ents: Vec<JsonSpan>,
    #[serde(default)]
    tokens: Vec<JsonSpan>,
    #[serde(default)]
    sents: Vec<JsonSpan>,
    #[serde(default)]
    spans: Option<BTreeMap<String, Vec<Value>>>,
    #[serde(default)]
    user_data: Option<Value>,
    #[serde(default, rename = "_")]
    underscore: Option<Value>,
}

#[derive(Deserialize)]
struct JsonSpan {
    start: usize,
    end: usize,
    #[serde(default)]
    label: Option<String>,
}

/// The document id a `user_data` / `_` value gives (`id` or `doc_id`).
fn user_id(v: Option<&Value>) -> Option<String> {
    let m = v?.as_object()?;
    m.get("id").or_else(|| m.get("doc_id")).and_then(id_string)
}

/// Reads spaCy `to_json` lines and `DocBin` files (one set).
pub struct SpacySource {
    files: Vec<PathBuf>,
    next_file: usize,
    json: Option<JsonLinesFiles>,
    bin: std::vec::IntoIter<Record>,
    several: bool,
    unit: OffsetUnit,
}

impl SpacySource {
    pub fn open(files: &[PathBuf], set: SetMeta, opts: &ReadOptions) -> Result<Reader<Self>> {
        if files.is_empty() {
            return Err(Error::usage("no spaCy input files given"));
        }
        let src = SpacySource {
            files: files.to_vec(),
            next_file: 0,
            json: None,
            bin: Vec::new().into_iter(),
            several: files.len() > 1,
            unit: opts.offsets,
        };
        Ok(Reader::new(src, vec![set]))
    }
}

impl RecordReader for SpacySource {
    fn next_record(&mut self, diag: &mut Diagnostics) -> Result<Option<Record>> {
        loop {
            if let Some(r) = self.bin.next() {
                return Ok(Some(r));
            }
            if let Some(j) = &mut self.json {
                match j.next::<JsonDoc>(diag, "spaCy Doc.to_json record")? {
                    Some((d, path, line)) => return self.json_record(d, &path, line, diag).map(Some),
                    None => self.json = None,
                }
            }
            let Some(p) = self.files.get(self.next_file).cloned() else { return Ok(None) };
            self.next_file += 1;
            if p.extension().is_some_and(|e| e == "spacy") || is_zlib(&p) {
                let prefix = file_prefix(&p, self.several);
                self.bin = read_docbin(&p, &prefix, diag)?.into_iter();
            } else {
                self.json = Some(JsonLinesFiles::new(std::slice::from_ref(&p)));
            }
        }
    }
}

impl SpacySource {
    fn json_record(&self, d: JsonDoc, path: &Path, line: u64, diag: &mut Diagnostics) -> Result<Record> {
        let id = user_id(d.user_data.as_ref())
            .or_else(|| user_id(d.underscore.as_ref()))
            .unwrap_or_else(|| format!("{}{line}", file_prefix(path, self.several)));
        let loc = Location::line(path, line).with_doc(id.clone());
        let ix = OffsetIndex::new(&d.text);
        let mut doc = Document::new(id.clone(), d.text);
        let conv = |s: &JsonSpan, what: &str, k: usize| {
            units::span_to_bytes(&ix, self.unit, s.start, s.end)
                .map_err(|why| Error::parse(loc.clone(), format!("{what} {} [{}, {}): {why}", k + 1, s.start, s.end)))
        };
        for (k, t) in d.tokens.iter().enumerate() {
            doc.tokens.push(conv(t, "token", k)?);
        }
        for (k, s) in d.sents.iter().enumerate() {
            doc.sentences.push(conv(s, "sentence", k)?);
        }
        let mut ann = DocAnnotations::new(id);
        for (k, e) in d.ents.iter().enumerate() {
            let span = conv(e, "entity", k)?;
            let Some(label) = &e.label else {
                return Err(Error::parse(loc.clone(), format!("entity {}: no label", k + 1)));
            };
            ann.entities.push(Mention::new(format!("T{}", k + 1), span, label.as_str()));
        }
        let n: usize = d.spans.iter().flatten().map(|(_, v)| v.len()).sum();
        if n > 0 {
            let at = loc.to_string();
            diag.record_n(
                "spacy-span-groups",
                "spans in span groups (doc.spans) not scored: entities come from doc.ents",
                n as u64,
                || at,
            );
        }
        Ok(Record { document: doc, sets: vec![ann], origin: loc.to_string() })
    }
}

/// A zlib stream starts with 0x78 (deflate, 32K window) and a valid check byte.
fn is_zlib(path: &Path) -> bool {
    use std::io::Read;
    let mut b = [0u8; 2];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut b)).is_ok()
        && b[0] == 0x78
        && (u16::from(b[0]) << 8 | u16::from(b[1])) % 31 == 0
}

/// spaCy's string id: a symbol's number, else MurmurHash64A of the UTF-8 bytes, seed 1.
pub fn string_id(s: &str) -> u64 {
    static MAP: std::sync::OnceLock<HashMap<&'static str, u64>> = std::sync::OnceLock::new();
    let map = MAP.get_or_init(|| SYMBOLS.iter().copied().collect());
    map.get(s).copied().unwrap_or_else(|| murmur64a(s.as_bytes(), 1))
}

/// MurmurHash64A (Austin Appleby), as the `murmurhash` package's `hash64`.
fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut k = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// A decoded msgpack value (what `DocBin` files use of it).
#[derive(Debug, Clone, PartialEq)]
enum Mp {
    Nil,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Bin(Vec<u8>),
    Arr(Vec<Mp>),
    Map(Vec<(Mp, Mp)>),
}

impl Mp {
    fn get(&self, key: &str) -> Option<&Mp> {
        match self {
            Mp::Map(kv) => kv.iter().find(|(k, _)| matches!(k, Mp::Str(s) if s == key)).map(|(_, v)| v),
            _ => None,
        }
    }
    fn bytes(&self) -> Option<&[u8]> {
        match self {
            Mp::Bin(b) => Some(b),
            Mp::Str(s) => Some(s.as_bytes()),
            _ => None,
        }
    }
}

struct MpReader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl MpReader<'_> {
    fn take(&mut self, n: usize) -> std::result::Result<&[u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len()).ok_or("msgpack data ends early")?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn uint(&mut self, n: usize) -> std::result::Result<u64, String> {
        Ok(self.take(n)?.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
    }
    fn value(&mut self, depth: usize) -> std::result::Result<Mp, String> {
        if depth > 64 {
            return Err("msgpack nested too deeply".into());
        }
        let t = self.take(1)?[0];
        let len_of = |s: &mut Self, n: usize| s.uint(n).map(|v| v as usize);
        Ok(match t {
            0x00..=0x7f => Mp::Int(i128::from(t)),
            0xe0..=0xff => Mp::Int(i128::from(t as i8)),
            0xc0 => Mp::Nil,
            0xc2 => Mp::Bool(false),
            0xc3 => Mp::Bool(true),
            0xcc => Mp::Int(i128::from(self.uint(1)?)),
            0xcd => Mp::Int(i128::from(self.uint(2)?)),
            0xce => Mp::Int(i128::from(self.uint(4)?)),
            0xcf => Mp::Int(i128::from(self.uint(8)?)),
            0xd0 => Mp::Int(i128::from(self.uint(1)? as u8 as i8)),
            0xd1 => Mp::Int(i128::from(self.uint(2)? as u16 as i16)),
            0xd2 => Mp::Int(i128::from(self.uint(4)? as u32 as i32)),
            0xd3 => Mp::Int(i128::from(self.uint(8)? as i64)),
            0xca => Mp::Float(f64::from(f32::from_bits(self.uint(4)? as u32))),
            0xcb => Mp::Float(f64::from_bits(self.uint(8)?)),
            0xa0..=0xbf | 0xd9 | 0xda | 0xdb => {
                let n = match t {
                    0xd9 => len_of(self, 1)?,
                    0xda => len_of(self, 2)?,
                    0xdb => len_of(self, 4)?,
                    _ => usize::from(t & 0x1f),
                };
                Mp::Str(String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "msgpack string not UTF-8")?)
            }
            0xc4..=0xc6 => {
                let n = len_of(self, 1 << (t - 0xc4))?;
                Mp::Bin(self.take(n)?.to_vec())
            }
            0x90..=0x9f | 0xdc | 0xdd => {
                let n = match t {
                    0xdc => len_of(self, 2)?,
                    0xdd => len_of(self, 4)?,
                    _ => usize::from(t & 0x0f),
                };
                let mut v = Vec::with_capacity(n.min(1 << 16));
                for _ in 0..n {
                    v.push(self.value(depth + 1)?);
                }
                Mp::Arr(v)
            }
            0x80..=0x8f | 0xde | 0xdf => {
                let n = match t {
                    0xde => len_of(self, 2)?,
                    0xdf => len_of(self, 4)?,
                    _ => usize::from(t & 0x0f),
                };
                let mut v = Vec::with_capacity(n.min(1 << 16));
                for _ in 0..n {
                    let k = self.value(depth + 1)?;
                    v.push((k, self.value(depth + 1)?));
                }
                Mp::Map(v)
            }
            // ext types: skipped (DocBin does not use them).
            0xd4..=0xd8 | 0xc7..=0xc9 => {
                let n = match t {
                    0xd4..=0xd8 => 1usize << (t - 0xd4),
                    _ => len_of(self, 1 << (t - 0xc7))?,
                };
                self.take(n + 1)?;
                Mp::Nil
            }
            other => return Err(format!("msgpack type byte 0x{other:02x} not understood")),
        })
    }
}

fn unpack(b: &[u8]) -> std::result::Result<Mp, String> {
    MpReader { b, pos: 0 }.value(0)
}

/// The id a stored `user_data` (msgpack) gives: key `id`/`doc_id`, or the extension key
/// `["._.", "id", null, null]`.
fn user_data_id(b: &[u8]) -> Option<String> {
    let Mp::Map(kv) = unpack(b).ok()? else { return None };
    let is_id = |s: &str| s == "id" || s == "doc_id";
    kv.iter().find_map(|(k, v)| {
        let key_ok = match k {
            Mp::Str(s) => is_id(s),
            Mp::Arr(a) => matches!(a.as_slice(), [Mp::Str(u), Mp::Str(s), ..] if u == "._." && is_id(s)),
            _ => false,
        };
        if !key_ok {
            return None;
        }
        match v {
            Mp::Str(s) if !s.is_empty() => Some(s.clone()),
            Mp::Int(i) => Some(i.to_string()),
            _ => None,
        }
    })
}

/// Read a whole `DocBin` file.
fn read_docbin(path: &Path, prefix: &str, diag: &mut Diagnostics) -> Result<Vec<Record>> {
    use std::io::Read;
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    flate2::read::ZlibDecoder::new(raw.as_slice())
        .read_to_end(&mut bytes)
        .map_err(|e| Error::in_file(path, format!("not a spaCy DocBin (zlib-compressed msgpack expected): {e}")))?;
    let bad = |what: String| Error::in_file(path, format!("not a spaCy DocBin: {what}"));
    let msg = unpack(&bytes).map_err(bad)?;
    let field = |k: &str| msg.get(k).ok_or_else(|| bad(format!("no {k:?} field")));
    let attrs: Vec<u64> = match field("attrs")? {
        Mp::Arr(a) => a
            .iter()
            .map(|x| match x {
                Mp::Int(i) => u64::try_from(*i).map_err(|_| bad("negative attribute id".into())),
                _ => Err(bad("attrs: expected integers".into())),
            })
            .collect::<Result<_>>()?,
        _ => return Err(bad("attrs: expected a list".into())),
    };
    let strings: HashMap<u64, String> = match field("strings")? {
        Mp::Arr(a) => a
            .iter()
            .filter_map(|s| match s {
                Mp::Str(s) => Some((string_id(s), s.clone())),
                _ => None,
            })
            .collect(),
        _ => return Err(bad("strings: expected a list".into())),
    };
    let le = |b: &[u8], w: usize| -> Vec<u64> {
        b.chunks_exact(w).map(|c| c.iter().rev().fold(0u64, |a, &x| (a << 8) | u64::from(x))).collect()
    };
    let lengths: Vec<usize> = le(field("lengths")?.bytes().ok_or_else(|| bad("lengths: expected bytes".into()))?, 4)
        .into_iter()
        .map(|n| n as u32 as i32)
        .map(|n| usize::try_from(n).map_err(|_| bad("negative document length".into())))
        .collect::<Result<_>>()?;
    let tokens = le(field("tokens")?.bytes().ok_or_else(|| bad("tokens: expected bytes".into()))?, 8);
    let spaces = field("spaces")?.bytes().ok_or_else(|| bad("spaces: expected bytes".into()))?.to_vec();
    let ncols = attrs.len();
    let total: usize = lengths.iter().sum();
    if ncols == 0 || tokens.len() != total * ncols || spaces.len() != total {
        return Err(bad(format!(
            "{} token values and {} space flags for {} tokens of {} attributes",
            tokens.len(),
            spaces.len(),
            total,
            ncols
        )));
    }
    let col = |a: u64| attrs.iter().position(|&x| x == a);
    let orth = col(ORTH).ok_or_else(|| bad("no ORTH attribute".into()))?;
    let (iob, etype) = (col(ENT_IOB), col(ENT_TYPE));
    if iob.is_none() || etype.is_none() {
        let p = path.display().to_string();
        diag.note("spacy-no-entities", "DocBin without ENT_IOB/ENT_TYPE: no entities", || p);
    }
    let flags: Vec<Mp> = match msg.get("flags") {
        Some(Mp::Arr(a)) => a.clone(),
        _ => Vec::new(),
    };
    let user: Vec<Mp> = match msg.get("user_data") {
        Some(Mp::Arr(a)) => a.clone(),
        _ => Vec::new(),
    };
    let lookup = |id: u64, k: usize| -> Result<&str> {
        if id == 0 {
            return Ok("");
        }
        strings
            .get(&id)
            .map(String::as_str)
            .ok_or_else(|| bad(format!("token {}: string id {id} not in strings", k + 1)))
    };
    let mut out = Vec::with_capacity(lengths.len());
    let mut first = 0usize;
    for (d, &n) in lengths.iter().enumerate() {
        let unknown_spaces =
            flags.get(d).and_then(|f| f.get("has_unknown_spaces")).is_some_and(|v| *v == Mp::Bool(true));
        let id = user.get(d).and_then(Mp::bytes).and_then(user_data_id).unwrap_or_else(|| format!("{prefix}{}", d + 1));
        let mut text = String::new();
        let mut toks = Vec::with_capacity(n);
        for k in first..first + n {
            let s = text.len();
            text.push_str(lookup(tokens[k * ncols + orth], k)?);
            toks.push(Span::new(s, text.len()));
            if unknown_spaces || spaces[k] != 0 {
                text.push(' ');
            }
        }
        let mut ann = DocAnnotations::new(id.clone());
        if let (Some(iob), Some(et)) = (iob, etype) {
            let mut open: Option<(usize, u64)> = None;
            let close = |open: &mut Option<(usize, u64)>, end: usize, ann: &mut DocAnnotations| -> Result<()> {
                if let Some((s, label)) = open.take() {
                    let m = ann.entities.len() + 1;
                    let span = Span::new(toks[s].start, toks[end - 1].end);
                    ann.entities.push(Mention::new(format!("T{m}"), span, lookup(label, first + s)?));
                }
                Ok(())
            };
            for i in 0..n {
                let row = (first + i) * ncols;
                let (tag, label) = (tokens[row + iob], tokens[row + et]);
                match tag {
                    3 => {
                        close(&mut open, i, &mut ann)?;
                        open = Some((i, label));
                    }
                    1 if open.is_some_and(|(_, l)| l == label) => {}
                    1 => {
                        close(&mut open, i, &mut ann)?;
                        open = Some((i, label));
                    }
                    _ => close(&mut open, i, &mut ann)?,
                }
            }
            close(&mut open, n, &mut ann)?;
        }
        let mut document = Document::new(id, text);
        document.tokens = toks;
        out.push(Record { document, sets: vec![ann], origin: format!("{} (doc {})", path.display(), d + 1) });
        first += n;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_ids_are_spacys() {
        // Values from spaCy 3.8's StringStore.add.
        assert_eq!(string_id("Peter"), 12_811_822_816_318_728_671);
        assert_eq!(string_id("PERSON"), 380);
        assert_eq!(string_id(""), 0);
    }

    #[test]
    fn msgpack_values() {
        let b = [0x82, 0xa1, b'a', 0xcd, 0x01, 0x00, 0xa1, b'b', 0x92, 0xc4, 0x02, 7, 8, 0xff];
        let v = unpack(&b).expect("decodes");
        assert_eq!(v.get("a"), Some(&Mp::Int(256)));
        assert_eq!(v.get("b"), Some(&Mp::Arr(vec![Mp::Bin(vec![7, 8]), Mp::Int(-1)])));
        assert!(unpack(&[0x92, 0x01]).is_err());
    }

    /// msgpack encoding of what a DocBin holds (enough for the test).
    fn pack(v: &Mp, out: &mut Vec<u8>) {
        match v {
            Mp::Int(i) => {
                out.push(0xcf);
                out.extend((*i as u64).to_be_bytes());
            }
            Mp::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
            Mp::Str(s) => {
                out.push(0xd9);
                out.push(s.len() as u8);
                out.extend(s.as_bytes());
            }
            Mp::Bin(b) => {
                out.push(0xc6);
                out.extend((b.len() as u32).to_be_bytes());
                out.extend(b);
            }
            Mp::Arr(a) => {
                out.push(0xdc);
                out.extend((a.len() as u16).to_be_bytes());
                a.iter().for_each(|x| pack(x, out));
            }
            Mp::Map(m) => {
                out.push(0xde);
                out.extend((m.len() as u16).to_be_bytes());
                for (k, x) in m {
                    pack(k, out);
                    pack(x, out);
                }
            }
            Mp::Nil | Mp::Float(_) => out.push(0xc0),
        }
    }

    #[test]
    fn docbin_entities_from_iob() {
        use std::io::Write;
        // Two docs: "Anna Lee visited Zürich ." and "Hi" (no entities), as DocBin.to_bytes.
        let docs: [&[(&str, u64, &str, bool)]; 2] = [
            &[
                ("Anna", 3, "PERSON", true),
                ("Lee", 1, "PERSON", true),
                ("visited", 2, "", true),
                ("Zürich", 3, "GPE", false),
                (".", 2, "", false),
            ],
            &[("Hi", 2, "", false)],
        ];
        let (mut tokens, mut spaces, mut lengths, mut strings) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for d in docs {
            lengths.extend((d.len() as i32).to_le_bytes());
            for (orth, iob, label, space) in d {
                for v in [string_id(orth), *iob, string_id(label)] {
                    tokens.extend(v.to_le_bytes());
                }
                spaces.push(u8::from(*space));
                strings.extend([orth.to_string(), label.to_string()]);
            }
        }
        let s = |x: &str| Mp::Str(x.into());
        let msg = Mp::Map(vec![
            (s("version"), s("0.1")),
            (s("attrs"), Mp::Arr(vec![Mp::Int(65), Mp::Int(77), Mp::Int(78)])),
            (s("tokens"), Mp::Bin(tokens)),
            (s("spaces"), Mp::Bin(spaces)),
            (s("lengths"), Mp::Bin(lengths)),
            (s("strings"), Mp::Arr(strings.iter().map(|x| s(x)).collect())),
            (s("flags"), Mp::Arr(vec![Mp::Map(vec![(s("has_unknown_spaces"), Mp::Bool(false))]); 2])),
        ]);
        let mut raw = Vec::new();
        pack(&msg, &mut raw);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&raw).expect("compress");
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("docs.spacy");
        std::fs::write(&p, z.finish().expect("compress")).expect("write");
        let src =
            SpacySource::open(std::slice::from_ref(&p), SetMeta::gold("t"), &ReadOptions::default()).expect("opens");
        let recs: Vec<Record> = src.collect::<Result<_>>().expect("reads");
        assert_eq!(recs.len(), 2);
        let (d, e) = (&recs[0].document, &recs[0].sets[0].entities);
        assert_eq!((d.id.as_str(), d.text.as_str()), ("1", "Anna Lee visited Zürich."));
        let got: Vec<(&str, &str)> =
            e.iter().map(|m| (m.span.slice(&d.text).unwrap_or(""), m.label.as_str())).collect();
        assert_eq!(got, [("Anna Lee", "PERSON"), ("Zürich", "GPE")]);
        assert!(recs[1].sets[0].entities.is_empty());
        // Not a DocBin: an error naming the file.
        std::fs::write(&p, b"x\x9c not zlib").expect("write");
        let mut src = SpacySource::open(&[p], SetMeta::gold("t"), &ReadOptions::default()).expect("opens");
        let e = src.next().expect("an item").expect_err("bad file");
        assert!(e.to_string().contains("docs.spacy") && e.to_string().contains("not a spaCy DocBin"), "{e}");
    }

    #[test]
    fn to_json_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("d.jsonl");
        let line = r#"{"text":"Zürich is in Switzerland","ents":[{"start":0,"end":6,"label":"GPE"},{"start":13,"end":24,"label":"GPE"}],"tokens":[{"id":0,"start":0,"end":6}],"user_data":{"id":"z1"}}"#;
        std::fs::write(&p, format!("{line}\n")).expect("write");
        let src = SpacySource::open(&[p], SetMeta::gold("t"), &ReadOptions::default()).expect("opens");
        let recs: Vec<Record> = src.collect::<Result<_>>().expect("reads");
        assert_eq!(recs[0].document.id, "z1");
        let e = &recs[0].sets[0].entities;
        assert_eq!(e[0].span.slice(&recs[0].document.text), Some("Zürich"));
        assert_eq!(e[1].span.slice(&recs[0].document.text), Some("Switzerland"));
    }
}
