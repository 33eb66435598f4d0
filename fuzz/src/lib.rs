//! The bodies of every fuzz target, and what the reader targets share: a scratch directory
//! for the readers that take paths, input splitting, and the checks every record a reader
//! returns must pass. The targets in `fuzz_targets/` only call [`run`]; the regression
//! tests (`tests/it/fuzz_regressions.rs`) include this file and replay the crashing inputs
//! through the very same function.
//!
//! Input layout of the reader targets: option bytes first (each function says how many),
//! then the file contents; readers of several files split the rest at NUL bytes
//! (`txt \0 ann`), which text formats do not contain, so seeds stay readable.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ieval::formats::{Record, Source};
use ieval::model::SetMeta;
use ieval::model::Span;

// Structured targets (inputs decoded with `arbitrary`, as `cargo fuzz` does).
#[path = "offsets.rs"]
pub mod offsets;
#[path = "score.rs"]
pub mod score;
#[path = "tags.rs"]
pub mod tags;

/// A private directory for this process (on tmpfs when there is one: the readers open
/// files for every input). Never removed: it lives as long as the fuzzing process, and
/// statics are not dropped.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
        let dir = base.join(format!("ieval-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    })
}

/// Write `bytes` to `rel` under `dir` (parents created) and return its path.
pub fn put(dir: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("scratch subdirectory");
    }
    std::fs::write(&p, bytes).expect("scratch file");
    p
}

/// Take `n` option bytes off the front (zeros when the input is shorter).
pub fn options<const N: usize>(data: &[u8]) -> ([u8; N], &[u8]) {
    let mut o = [0u8; N];
    let k = data.len().min(N);
    o[..k].copy_from_slice(&data[..k]);
    (o, &data[k..])
}

/// Split at NUL bytes into exactly `n` parts (the last takes the rest; missing parts are
/// empty).
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = data.splitn(n, |&b| b == 0).collect();
    out.resize(n, &[]);
    out
}

/// Read a source to the end (or to its first error), checking every record.
pub fn drain(source: ieval::Result<Box<dyn Source>>) {
    let Ok(mut source) = source else { return };
    let nsets = source.sets().len();
    // A source must end: a reader that keeps yielding is a bug too (inputs are small).
    for (n, rec) in source.by_ref().enumerate() {
        assert!(n < 100_000, "source does not end");
        match rec {
            Ok(r) => check_record(&r, nsets),
            Err(e) => {
                // The message must render (it names the file).
                let _ = e.to_string();
                break;
            }
        }
    }
    let _ = source.take_diagnostics();
}

fn check_span(text: &str, s: &Span, what: &str) {
    assert!(s.start <= s.end, "{what}: reversed span {s:?}");
    assert!(
        text.get(s.start..s.end).is_some(),
        "{what}: span {s:?} not on char boundaries of a {}-byte text",
        text.len()
    );
}

/// What every reader promises: byte spans on char boundaries of the document text, one
/// annotation set per declared set, each naming its document.
pub fn check_record(r: &Record, nsets: usize) {
    let text = &r.document.text;
    assert_eq!(r.sets.len(), nsets, "record carries {} sets, the source declares {nsets}", r.sets.len());
    for s in &r.document.tokens {
        check_span(text, s, "token");
    }
    for s in &r.document.sentences {
        check_span(text, s, "sentence");
    }
    for ann in &r.sets {
        assert_eq!(ann.doc_id, r.document.id, "set names another document");
        for m in &ann.entities {
            check_span(text, &m.span, "entity");
            for f in &m.fragments {
                check_span(text, f, "entity fragment");
                assert!(m.span.contains(f), "fragment {f:?} outside its mention {:?}", m.span);
            }
            if let Some(h) = &m.head {
                check_span(text, h, "entity head");
            }
        }
        for e in &ann.events {
            check_span(text, &e.trigger.span, "trigger");
            for f in &e.trigger.fragments {
                check_span(text, f, "trigger fragment");
            }
            if let Some(h) = &e.trigger.head {
                check_span(text, h, "trigger head");
            }
            for a in &e.arguments {
                check_span(text, &a.span, "argument");
                if let Some(h) = &a.head {
                    check_span(text, h, "argument head");
                }
            }
        }
    }
}

/// An offset unit from an option byte (low two bits).
pub fn unit(o: u8) -> ieval::text::OffsetUnit {
    use ieval::text::OffsetUnit;
    match o & 3 {
        1 => OffsetUnit::Byte,
        2 => OffsetUnit::Utf16,
        _ => OffsetUnit::Char,
    }
}

/// Reader options from an option byte: unit (bits 0-1), strict (bit 2).
pub fn read_options(o: u8) -> ieval::formats::ReadOptions {
    ieval::formats::ReadOptions { offsets: unit(o), strict: o & 4 != 0, ..Default::default() }
}

/// The reader targets, by name.
pub const READERS: [&str; 10] =
    ["conll", "jsonl", "prodigy", "doccano", "labelstudio", "brat", "re3d", "article", "meantime", "textee"];

/// Every target, by name: the readers, then the tag decoder, offsets and the matcher.
pub const TARGETS: [&str; 13] = [
    "conll",
    "jsonl",
    "prodigy",
    "doccano",
    "labelstudio",
    "brat",
    "re3d",
    "article",
    "meantime",
    "textee",
    "tags",
    "offsets",
    "score",
];

/// Run the target `name` on `data` (a reader target puts its files under `dir`).
pub fn run(name: &str, dir: &Path, data: &[u8]) {
    match name {
        "tags" => tags::run(data),
        "offsets" => offsets::run(data),
        "score" => score::run(data),
        "conll" => conll(dir, data),
        "jsonl" => jsonl(dir, data),
        "prodigy" => prodigy(dir, data),
        "doccano" => doccano(dir, data),
        "labelstudio" => labelstudio(dir, data),
        "brat" => brat(dir, data),
        "re3d" => re3d(dir, data),
        "article" => article(dir, data),
        "meantime" => meantime(dir, data),
        "textee" => textee(dir, data),
        other => panic!("no fuzz target {other:?}"),
    }
}

fn boxed<S: Source + 'static>(s: ieval::Result<S>) -> ieval::Result<Box<dyn Source>> {
    s.map(|s| Box::new(s) as Box<dyn Source>)
}

/// CoNLL under random options: scheme (or guessed), every policy including the anchor
/// tools' chunkers, tag columns, token column, document breaks, delimiter, strict, one or
/// two files. 4 option bytes, then the file.
pub fn conll(dir: &Path, data: &[u8]) {
    use ieval::formats::conll::{ConllOptions, ConllSource, Delimiter, DocBreak, TagColumns};
    use ieval::tags::{Policy, Scheme};
    let ([a, b, c, d], body) = options::<4>(data);
    let scheme = match a % 8 {
        7 => None,
        k => Some(Scheme::ALL[k as usize]),
    };
    let policy =
        [Policy::Lenient, Policy::Strict, Policy::Conlleval, Policy::Seqeval, Policy::Nervaluate][(a / 8 % 5) as usize];
    let tag_columns = match b % 6 {
        0 => TagColumns::List(vec![-1]),
        1 => TagColumns::List(vec![1]),
        2 => TagColumns::List(vec![1, 2]),
        3 => TagColumns::From(1),
        4 => TagColumns::List(vec![-2, -1]),
        _ => TagColumns::List(vec![i64::from(b as i8) / 6]),
    };
    let docs = match c % 4 {
        0 | 1 => DocBreak::Docstart,
        k => DocBreak::Sentences(usize::from(k - 1) * usize::from(c / 4 % 3)),
    };
    let opts = ConllOptions {
        token_column: usize::from(b / 6 % 3),
        tag_columns,
        scheme,
        policy,
        docs,
        delimiter: if d & 1 == 0 { Delimiter::Whitespace } else { Delimiter::Tab },
        set_names: Vec::new(),
        strict: d & 2 != 0,
        spans_only: d & 8 != 0,
    };
    let mut files = vec![put(dir, "in.conll", body)];
    if d & 4 != 0 {
        // Two files: the second is the same input (ids get a file prefix).
        files.push(put(dir, "second.conll", body));
    }
    drain(boxed(ConllSource::open(&files, opts)));
}

/// ieval JSONL. 1 option byte (offset unit), then the file.
pub fn jsonl(dir: &Path, data: &[u8]) {
    let ([o], body) = options::<1>(data);
    let path = put(dir, "in.jsonl", body);
    drain(boxed(ieval::formats::jsonl::JsonlSource::open(&[path], SetMeta::gold("fuzz"), unit(o), false)));
}

/// Prodigy / spaCy JSONL. 1 option byte (unit, strict, rejected records kept), then the file.
pub fn prodigy(dir: &Path, data: &[u8]) {
    let ([o], body) = options::<1>(data);
    let mut opts = read_options(o);
    opts.prodigy.include_rejected = o & 0x10 != 0;
    let path = put(dir, "in.jsonl", body);
    drain(boxed(ieval::formats::prodigy::ProdigySource::open(&[path], SetMeta::gold("fuzz"), &opts)));
}

/// doccano JSONL. 1 option byte (unit, strict), then the file.
pub fn doccano(dir: &Path, data: &[u8]) {
    let ([o], body) = options::<1>(data);
    let path = put(dir, "in.jsonl", body);
    drain(boxed(ieval::formats::doccano::DoccanoSource::open(&[path], SetMeta::gold("fuzz"), &read_options(o))));
}

/// Label Studio JSON. 1 option byte (strict, which annotation), then the file.
pub fn labelstudio(dir: &Path, data: &[u8]) {
    use ieval::formats::labelstudio::{AnnotationPick, LabelStudioSource};
    let ([o], body) = options::<1>(data);
    let mut opts = read_options(o);
    opts.labelstudio.annotation = match o >> 4 {
        0..=5 => AnnotationPick::First,
        6..=9 => AnnotationPick::Last,
        k => AnnotationPick::Nth(usize::from(k - 9)),
    };
    let path = put(dir, "in.json", body);
    drain(boxed(LabelStudioSource::open(&[path], "fuzz", &opts)));
}

/// BRAT standoff. 1 option byte (unit, strict), then `txt \0 ann`.
pub fn brat(dir: &Path, data: &[u8]) {
    let ([o], body) = options::<1>(data);
    let p = parts(body, 2);
    put(dir, "brat/doc.txt", p[0]);
    let ann = put(dir, "brat/doc.ann", p[1]);
    let opts = read_options(o);
    drain(boxed(ieval::formats::brat::BratSource::open(&[ann], SetMeta::gold("fuzz"), opts.offsets, opts.strict)));
}

/// A re3d folder. 1 option byte (strict), then
/// `documents.json \0 entities.json \0 relations.json`.
pub fn re3d(dir: &Path, data: &[u8]) {
    let ([o], body) = options::<1>(data);
    let p = parts(body, 3);
    for (name, bytes) in ieval::formats::re3d::FILES.iter().zip(&p) {
        put(dir, &format!("re3d/{name}"), bytes);
    }
    drain(boxed(ieval::formats::re3d::Re3dSource::open(&[dir.join("re3d")], SetMeta::gold("fuzz"), o & 1 != 0)));
}

/// A plain-text article: the layout heuristic, sentence splitting and tokenization,
/// through the file reader (BOM and UTF-8 handling included). The file, no option byte.
pub fn article(dir: &Path, data: &[u8]) {
    let path = put(dir, "article.txt", data);
    drain(boxed(ieval::formats::article::ArticleSource::open(vec![path])));
}

/// MEANTIME CAT XML. 1 option byte (strict), then the file.
pub fn meantime(dir: &Path, data: &[u8]) {
    let ([o], body) = options::<1>(data);
    let path = put(dir, "doc.xml", body);
    drain(boxed(ieval::formats::meantime::MeantimeSource::open(&[path], SetMeta::gold("fuzz"), o & 1 != 0)));
}

/// TextEE / OneIE JSONL. 1 option byte (strict), then the file.
pub fn textee(dir: &Path, data: &[u8]) {
    let ([o], body) = options::<1>(data);
    let path = put(dir, "in.jsonl", body);
    drain(boxed(ieval::formats::textee::TexteeSource::open(&[path], SetMeta::gold("fuzz"), o & 1 != 0)));
}
