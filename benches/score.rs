//! Scoring benchmarks.
//!
//! - `one_document_100k_entities`: one document holding 100,000 gold entities and a
//!   prediction set with the usual errors (shifted boundaries, wrong labels, misses,
//!   spurious and duplicated mentions), scored in every mode by ieval's own profile. The
//!   matcher is linear-ish in the number of mentions (a sweep over overlapping pairs), where
//!   nervaluate compares every prediction with every gold entity of the document.
//! - `documents_1m_tokens`: per-document scoring over a corpus-sized batch (2,000 documents,
//!   ~140,000 mentions), throughput in mentions.
//!
//! - `resample_compare_100k_docs_20_series`: `ieval compare`'s resampling (paired bootstrap
//!   and approximate randomization, 10 samples each) over 100,000 documents and 20 series
//!   (four entity modes, overall and four labels), throughput in document draws (documents
//!   x samples x 2 tests): what a results store of a million documents costs per sample.
//!
//! Run: `cargo bench --bench score -- --quick`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ieval::model::{Document, Mention, Span};
use ieval::score::Profile;
use ieval::score::entity::score_document;

// The allocator of the `ieval` binary (src/main.rs), so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A tiny seeded generator (SplitMix64) so the inputs are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const LABELS: [&str; 4] = ["PER", "LOC", "ORG", "MISC"];

/// A document of `n` gold entities of 1–3 words separated by other words, and predictions.
fn document(n: usize, seed: u64) -> (Document, Vec<Mention>, Vec<Mention>) {
    let mut rng = Rng(seed);
    let mut text = String::new();
    let mut gold = Vec::with_capacity(n);
    let mut pred = Vec::with_capacity(n);
    for i in 0..n {
        text.push_str("the word of ");
        let start = text.len();
        let words = 1 + rng.below(3) as usize;
        for w in 0..words {
            if w > 0 {
                text.push(' ');
            }
            text.push_str("Name");
        }
        let end = text.len();
        text.push_str(" said . ");
        let label = LABELS[rng.below(4) as usize];
        gold.push(Mention::new(format!("T{i}"), Span::new(start, end), label));
        let (s, e, l) = match rng.below(100) {
            0..=79 => (start, end, label),
            80..=87 => (start, end, LABELS[rng.below(4) as usize]),
            88..=93 => (start, end + 5, label),
            94..=96 => continue,
            _ => (start.saturating_sub(4), end, label),
        };
        pred.push(Mention::new(format!("P{i}"), Span::new(s, e), l));
        if rng.below(200) == 0 {
            pred.push(Mention::new(format!("D{i}"), Span::new(s, e), l));
        }
    }
    (Document::new("big", text), gold, pred)
}

fn one_document(c: &mut Criterion) {
    let (doc, gold, pred) = document(100_000, 7);
    let mut g = c.benchmark_group("score");
    g.throughput(Throughput::Elements((gold.len() + pred.len()) as u64));
    g.sample_size(10);
    g.bench_function("one_document_100k_entities", |b| {
        b.iter(|| black_box(score_document(&doc, &gold, &pred, Profile::Default, false)))
    });
    g.finish();
}

fn many_documents(c: &mut Criterion) {
    let docs: Vec<_> = (0..2_000).map(|i| document(35, i)).collect();
    let mentions: usize = docs.iter().map(|(_, g, p)| g.len() + p.len()).sum();
    let mut g = c.benchmark_group("score");
    g.throughput(Throughput::Elements(mentions as u64));
    g.sample_size(10);
    g.bench_function("documents_2000x35_entities", |b| {
        b.iter(|| {
            for (doc, gold, pred) in &docs {
                black_box(score_document(doc, gold, pred, Profile::Default, false));
            }
        })
    });
    g.finish();
}

fn resampling(c: &mut Criterion) {
    use ieval::score::resample::{Options, Series, compare};
    use ieval::score::{LabelTally, Tally};
    const DOCS: usize = 100_000;
    const SERIES: usize = 20;
    const SAMPLES: usize = 10;
    let mut rng = Rng(11);
    let tally = |rng: &mut Rng| {
        let (cor, mis, spu) = (rng.below(6), rng.below(2), rng.below(2));
        LabelTally { gold: Tally { cor, mis, ..Default::default() }, pred: Tally { cor, spu, ..Default::default() } }
    };
    let cols: Vec<(Vec<LabelTally>, Vec<LabelTally>)> = (0..SERIES)
        .map(|_| ((0..DOCS).map(|_| tally(&mut rng)).collect(), (0..DOCS).map(|_| tally(&mut rng)).collect()))
        .collect();
    let series: Vec<Series> = cols.iter().map(|(a, b)| Series { half: false, a, b }).collect();
    let opts = Options { samples: SAMPLES, ..Default::default() };
    let mut g = c.benchmark_group("score");
    g.throughput(Throughput::Elements((DOCS * SAMPLES * 2) as u64));
    g.sample_size(10);
    g.bench_function("resample_compare_100k_docs_20_series", |b| {
        b.iter(|| black_box(compare(&series, false, &opts).expect("compare")))
    });
    g.finish();
}

criterion_group!(benches, one_document, many_documents, resampling);
criterion_main!(benches);
