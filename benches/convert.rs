//! Conversion throughput on one core: CoNLL -> Parquet corpus and ieval JSONL -> Parquet
//! corpus through the library (`formats::open` + `formats::parquet::CorpusWriter`), on
//! generated, seeded inputs of a few MB, plus the reading and the writing halves alone to
//! tell where the time goes. Throughput is in input bytes.
//!
//! ```sh
//! cargo bench --bench convert -- --quick
//! ```
//!
//! Everything runs inside a one-thread rayon pool (the CoNLL reader parses batches with
//! rayon), so the figures are per core whatever the machine.

use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ieval::formats::RecordWriter;
use ieval::formats::parquet::CorpusWriter;
use ieval::formats::{self, Format, ReadOptions, Record};

// The allocator of the `ieval` binary (src/main.rs), so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Size of each generated input.
const INPUT_BYTES: usize = 4 << 20;

/// splitmix64: a seeded generator, so every run reads the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const WORDS: &[&str] = &[
    "the",
    "a",
    "of",
    "to",
    "in",
    "and",
    "said",
    "on",
    "for",
    "was",
    "with",
    "by",
    "at",
    "from",
    "its",
    "is",
    "that",
    "as",
    "has",
    "have",
    "his",
    "were",
    "be",
    "government",
    "minister",
    "talks",
    "market",
    "percent",
    "shares",
    "officials",
    "week",
    "police",
    "report",
    "economy",
    "élection",
    "Zürich-based",
    "“quoted”",
    "year",
    "1996-08-30",
];
const NAMES: &[&str] = &[
    "Merkel",
    "Macron",
    "Reuters",
    "Berlin",
    "Paris",
    "European",
    "Union",
    "Gazprom",
    "São",
    "Paulo",
    "Müller",
    "Commission",
    "Ankara",
    "Anadolu",
    "Nations",
    "Boeing",
    "Tokyo",
    "Erdoğan",
];
const LABELS: &[&str] = &["PER", "LOC", "ORG", "MISC"];
const POS: &[&str] = &["NN", "NNP", "VBD", "IN", "DT", "JJ", "CD", "NNS"];

/// A CoNLL-2003 style file (`token POS chunk NER`, IOB2, -DOCSTART- documents of ~2-4 KB).
fn conll(path: &Path, bytes: usize) {
    let mut rng = Rng(13);
    let mut s = String::with_capacity(bytes + 4096);
    while s.len() < bytes {
        s.push_str("-DOCSTART- -X- -X- O\n\n");
        for _ in 0..8 + rng.below(8) {
            let n = 8 + rng.below(14);
            let mut k = 0;
            while k < n {
                if rng.below(7) == 0 {
                    let label = rng.pick(LABELS);
                    for j in 0..1 + rng.below(3) {
                        let bio = if j == 0 { "B" } else { "I" };
                        let _ = writeln!(s, "{} NNP I-NP {bio}-{label}", rng.pick(NAMES));
                        k += 1;
                    }
                } else {
                    let _ = writeln!(s, "{} {} I-NP O", rng.pick(WORDS), rng.pick(POS));
                    k += 1;
                }
            }
            s.push('\n');
        }
    }
    std::fs::write(path, s).expect("write the CoNLL input");
}

/// An ieval JSONL file: news-like documents of ~2-3 KB, code-point offsets, entities with
/// their text, and a few events with arguments.
fn jsonl(path: &Path, bytes: usize) {
    let mut rng = Rng(17);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create the JSONL input"));
    let (mut written, mut doc) = (0, 0);
    while written < bytes {
        doc += 1;
        let mut text = String::new();
        let mut chars = 0usize;
        let mut entities = Vec::new();
        let mut events = Vec::new();
        while text.len() < 2000 + rng.below(1000) {
            let (w, is_name) = if rng.below(6) == 0 { (rng.pick(NAMES), true) } else { (rng.pick(WORDS), false) };
            if !text.is_empty() {
                text.push(if rng.below(15) == 0 { '\n' } else { ' ' });
                chars += 1;
            }
            let start = chars;
            text.push_str(w);
            chars += w.chars().count();
            if is_name {
                let id = format!("T{}", entities.len() + 1);
                entities.push(serde_json::json!({"id": id, "start": start, "end": chars,
                    "label": rng.pick(LABELS), "text": w}));
            } else if w == "said" && !entities.is_empty() {
                let e = &entities[rng.below(entities.len())];
                events.push(serde_json::json!({"id": format!("E{}", events.len() + 1), "type": "Contact:Statement",
                    "trigger": {"start": start, "end": chars, "text": w},
                    "arguments": [{"role": "Speaker", "entity_id": e["id"], "start": e["start"], "end": e["end"],
                        "text": e["text"]}]}));
            }
        }
        let line = serde_json::json!({"doc_id": format!("d{doc:05}"), "text": text, "title": "Bench",
            "published": "2025-10-08", "entities": entities, "events": events});
        let line = serde_json::to_string(&line).expect("json");
        written += line.len() + 1;
        writeln!(out, "{line}").expect("write");
    }
    out.flush().expect("flush");
}

fn read_all(format: Format, input: &Path) -> (Vec<ieval::model::SetMeta>, Vec<Record>) {
    let mut src = formats::open(format, &[input.to_path_buf()], &ReadOptions::default()).expect("open");
    let recs: Vec<Record> = src.by_ref().map(|r| r.expect("record")).collect();
    (src.sets().to_vec(), recs)
}

fn read_count(format: Format, input: &Path) -> usize {
    let src = formats::open(format, &[input.to_path_buf()], &ReadOptions::default()).expect("open");
    src.map(|r| black_box(r.expect("record")).document.text.len()).sum()
}

fn convert(format: Format, input: &Path, out: &Path) -> usize {
    let mut src = formats::open(format, &[input.to_path_buf()], &ReadOptions::default()).expect("open");
    let mut w = CorpusWriter::create(out, src.sets(), "bench").expect("create");
    let mut n = 0;
    for rec in src.by_ref() {
        let rec = rec.expect("record");
        w.write(&rec.document, &rec.sets).expect("write");
        n += 1;
    }
    w.finish().expect("finish");
    n
}

fn benches(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("one-thread pool");
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs: [(&str, Format, PathBuf); 2] =
        [("conll", Format::Conll, dir.path().join("in.conll")), ("jsonl", Format::Jsonl, dir.path().join("in.jsonl"))];
    conll(&inputs[0].2, INPUT_BYTES);
    jsonl(&inputs[1].2, INPUT_BYTES);
    let mut g = c.benchmark_group("convert");
    g.sample_size(10);
    for (name, format, input) in &inputs {
        let size = std::fs::metadata(input).expect("stat").len();
        g.throughput(Throughput::Bytes(size));
        let out = dir.path().join(format!("{name}-corpus"));
        g.bench_function(format!("{name}_to_parquet"), |b| b.iter(|| pool.install(|| convert(*format, input, &out))));
        // The two halves: reading alone, and writing records already in memory.
        g.bench_function(format!("{name}_read"), |b| b.iter(|| pool.install(|| read_count(*format, input))));
        let (sets, recs) = pool.install(|| read_all(*format, input));
        g.bench_function(format!("{name}_records_to_parquet"), |b| {
            b.iter(|| {
                pool.install(|| {
                    let mut w = CorpusWriter::create(&out, &sets, "bench").expect("create");
                    for r in &recs {
                        w.write(&r.document, &r.sets).expect("write");
                    }
                    w.finish().expect("finish");
                })
            })
        });
    }
    g.finish();
}

criterion_group!(convert_benches, benches);
criterion_main!(convert_benches);
