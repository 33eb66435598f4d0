//! Alignment throughput: 1,000 generated news-like documents of about 5 KB, each labelled on
//! a copy with small edits (whitespace, quotes, a changed word, an inserted sentence), aligned
//! back onto the originals by id, with every label projected.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ieval::align::{Aligner, LabelOptions};
use ieval::formats::Record;
use ieval::model::{DocAnnotations, Document, Mention, SetMeta, Span};

// The allocator of the `ieval` binary (src/main.rs), so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A small deterministic generator (xorshift), so the bench needs no extra crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "the",
    "minister",
    "said",
    "on",
    "Tuesday",
    "that",
    "talks",
    "with",
    "officials",
    "would",
    "resume",
    "after",
    "a",
    "pause",
    "of",
    "several",
    "weeks",
    "government",
    "spokesman",
    "told",
    "reporters",
    "in",
    "capital",
    "economy",
    "grew",
    "percent",
    "quarter",
    "analysts",
    "expected",
    "bank",
    "rates",
    "inflation",
    "rose",
    "police",
    "arrested",
    "two",
    "men",
    "suspected",
    "attack",
    "market",
    "shares",
    "fell",
    "company",
    "profit",
];
const NAMES: &[&str] = &[
    "Beijing",
    "Taipei",
    "Reuters",
    "Acme Corp",
    "Maria Okafor",
    "Kinshasa",
    "Lake Tanganyika",
    "Zürich",
    "São Paulo",
];

fn document(rng: &mut Rng, id: usize) -> (Document, Record) {
    let mut text = String::new();
    let mut names = Vec::new();
    while text.len() < 5000 {
        let n = 8 + rng.below(20);
        for i in 0..n {
            if i > 0 {
                text.push(' ');
            }
            if rng.below(8) == 0 {
                let name = NAMES[rng.below(NAMES.len())];
                names.push((text.len(), text.len() + name.len()));
                text.push_str(name);
            } else {
                text.push_str(WORDS[rng.below(WORDS.len())]);
            }
        }
        text.push_str(". ");
        if rng.below(6) == 0 {
            text.push('\n');
        }
    }
    // The labelled copy: doubled spaces, curly quotes, a changed word, an inserted sentence.
    let mut copy = String::with_capacity(text.len() + 200);
    let mut spans = Vec::new();
    let mut next = names.iter().peekable();
    let insert_at = text.len() / 2;
    let mut inserted = false;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < text.len() {
        if let Some(&&(s, e)) = next.peek()
            && s == i
        {
            spans.push(Span::new(copy.len(), copy.len() + (e - s)));
            copy.push_str(&text[s..e]);
            i = e;
            next.next();
            continue;
        }
        if !inserted && i >= insert_at && bytes[i] == b' ' {
            copy.push_str(" An inserted sentence the corpus never had.");
            inserted = true;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        match c {
            ' ' if rng.below(50) == 0 => copy.push_str("  "),
            'e' if rng.below(400) == 0 => copy.push('é'),
            '\'' => copy.push('\u{2019}'),
            _ => copy.push(c),
        }
        i += c.len_utf8();
    }
    let mut ann = DocAnnotations::new(format!("d{id:04}"));
    for (k, s) in spans.into_iter().enumerate() {
        ann.entities.push(Mention::new(format!("T{}", k + 1), s, "NAME"));
    }
    let doc = Document::new(format!("d{id:04}"), text);
    let rec = Record { document: Document::new(format!("d{id:04}"), copy), sets: vec![ann], origin: String::new() };
    (doc, rec)
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let (corpus, records): (Vec<Document>, Vec<Record>) = (0..1000).map(|i| document(&mut rng, i)).unzip();
    let bytes: usize = records.iter().map(|r| r.document.text.len()).sum();
    let labels: usize = records.iter().map(|r| r.sets[0].entities.len()).sum();
    let sets = vec![SetMeta::gold("bench")];
    let mut g = c.benchmark_group("align");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    g.bench_function(format!("1000 docs, {} KB, {labels} labels", bytes / 1000), |b| {
        b.iter(|| {
            let al = Aligner::new(&corpus, LabelOptions::default());
            let out = al.align(&records, &sets).expect("aligns");
            assert_eq!(out.report.sets[0].counts.total(), labels as u64);
            out
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
