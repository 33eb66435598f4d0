//! Inputs: the gold and every system's predictions, read, aligned when asked, and paired
//! by document. This module owns the job between the readers (`formats`, `align`) and the
//! scorer (`score`), for every caller alike (`ieval score`, `compare`, `report`,
//! `convert --pred`, suites, the Python package):
//!
//! - [`ReaderSpec`]: the reader options as given (command line or suite file), turned
//!   into [`crate::formats::ReadOptions`] in one place, with a scoring profile's imposed
//!   tag [`Decoding`];
//! - [`Inputs::builder`]: gold + named predictions ([`Input`]: a path, an opened source,
//!   or string-only labels) + [`Alignment`] + pairing and missing-document policies ->
//!   [`Opened`] (the [`Pairing`], the alignment reports, the formats guessed);
//! - [`pair`]: pairing gold documents with each system's documents (by id or by token
//!   stream), yielding one [`Item`] per document;
//! - [`Gold`]: a gold set read into memory once, shared by many pairings;
//! - [`align_files`]: labels made on another copy of the text aligned onto a corpus and
//!   written out (`ieval align`).
//!
//! Flow: foundation (error, model, text, tags) -> formats -> align -> **inputs** -> score.

pub mod align_files;
mod builder;
mod gold;
pub mod pair;
mod reader;

pub use crate::formats::labelmap::LabelMap;
pub use builder::{AlignReports, Alignment, Input, Inputs, InputsBuilder, NamedSources, Opened, documents};
pub use gold::Gold;
pub use pair::{Item, Missing, PairBy, Pairing};
pub use reader::{Decoding, ReaderSpec, open};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Result;
    use crate::align::input::{StringDoc, StringEntity};
    use crate::formats::MemorySource;
    use crate::model::{AnnotationSet, DocAnnotations, Document, Mention, SetMeta, Span};
    use crate::tags::{Policy, Scheme};

    /// Two documents, "Angela Merkel visited Paris." and "Paris is big.", with gold PER and
    /// LOC mentions placed by hand (byte offsets below).
    fn corpus() -> (Vec<Document>, AnnotationSet) {
        let docs = vec![Document::new("d1", "Angela Merkel visited Paris."), Document::new("d2", "Paris is big.")];
        let mut gold = AnnotationSet::new(SetMeta::gold("memory"));
        let mut a = DocAnnotations::new("d1");
        a.entities = vec![Mention::new("T1", Span::new(0, 13), "PER"), Mention::new("T2", Span::new(22, 27), "LOC")];
        let mut b = DocAnnotations::new("d2");
        b.entities = vec![Mention::new("T1", Span::new(0, 5), "LOC")];
        gold.docs = vec![a, b];
        (docs, gold)
    }

    fn gold_input() -> Input {
        let (docs, gold) = corpus();
        Input::source(MemorySource::new(docs, vec![gold], "memory"))
    }

    #[test]
    fn a_profile_imposes_its_decoding_and_keeps_a_given_scheme() {
        let strict = Decoding { policy: Some(Policy::Strict), default_scheme: Some(Scheme::Iob2) };
        let spec = ReaderSpec::default();
        let o = spec.to_read_options(strict);
        assert_eq!((o.conll.policy, o.conll.scheme), (Policy::Strict, Some(Scheme::Iob2)));
        let given = ReaderSpec { scheme: Some(Scheme::Iobes), tag_policy: Some(Policy::Seqeval), ..Default::default() };
        let o = given.to_read_options(strict);
        assert_eq!((o.conll.policy, o.conll.scheme), (Policy::Strict, Some(Scheme::Iobes)));
        // No decoding: the reader's own options.
        let o = given.to_read_options(Decoding::default());
        assert_eq!((o.conll.policy, o.conll.scheme), (Policy::Seqeval, Some(Scheme::Iobes)));
    }

    #[test]
    fn overriding_keeps_what_the_override_leaves_unset() {
        let base = ReaderSpec { tab: Some(true), names: Some(vec!["g".into()]), ..Default::default() };
        let over = ReaderSpec { names: Some(vec!["s".into()]), strict: Some(true), ..Default::default() };
        let r = base.overridden_by(&over);
        assert_eq!(r.tab, Some(true));
        assert_eq!(r.names, Some(vec!["s".to_string()]));
        assert!(r.is_strict());
        assert_eq!(r.conll_option(), Some("--tab"));
    }

    #[test]
    fn in_memory_predictions_pair_by_id() {
        let (docs, mut sys) = corpus();
        sys.meta = SetMeta::gold("memory-pred");
        sys.docs[1].entities.clear();
        let opened = Inputs::builder(gold_input())
            .pred("sys", Input::source(MemorySource::new(docs, vec![sys], "pred")))
            .build()
            .expect("opened");
        assert!(opened.alignment.is_none());
        assert_eq!(opened.pairing.systems().iter().map(|s| s.name().to_string()).collect::<Vec<_>>(), ["sys"]);
        let items: Vec<Item> = opened.pairing.collect::<Result<_>>().expect("items");
        assert_eq!(items.len(), 2);
        let counts: Vec<usize> =
            items.iter().map(|i| i.preds[0].as_ref().map_or(usize::MAX, |p| p.entities.len())).collect();
        assert_eq!(counts, [2, 0]);
    }

    #[test]
    fn string_only_labels_are_placed_by_alignment_only() {
        let strings = || {
            vec![StringDoc {
                doc_id: "d1".into(),
                entities: vec![StringEntity {
                    text: "Paris".into(),
                    label: "LOC".into(),
                    score: None,
                    extra: Default::default(),
                }],
                events: Vec::new(),
                origin: "memory:1".into(),
            }]
        };
        let refused = Inputs::builder(gold_input()).pred("llm", Input::strings(strings(), "memory")).build();
        assert!(refused.is_err_and(|e| e.to_string().contains("alignment")));
        let opened = Inputs::builder(gold_input())
            .pred("llm", Input::strings(strings(), "memory"))
            .align(Some(Alignment::default()))
            .missing(Missing::Empty)
            .build()
            .expect("aligned");
        assert!(opened.alignment.as_ref().is_some_and(|a| a.contains_key("llm") && !a.contains_key("gold")));
        let items: Vec<Item> = opened.pairing.collect::<Result<_>>().expect("items");
        let d1 = &items[0];
        let placed = d1.preds[0].as_ref().expect("d1 predicted");
        // "Paris" at bytes 22..27 of d1, the one occurrence.
        assert_eq!(
            placed.entities.iter().map(|m| (m.span, m.label.as_str())).collect::<Vec<_>>(),
            [(Span::new(22, 27), "LOC")]
        );
    }

    #[test]
    fn bad_prediction_names_are_refused() {
        let (docs, sys) = corpus();
        let r = Inputs::builder(gold_input())
            .pred("a/b", Input::source(MemorySource::new(docs, vec![sys], "pred")))
            .build();
        assert!(r.is_err_and(|e| e.to_string().contains("cannot be used as a file name")));
    }

    #[test]
    fn a_duplicate_document_id_names_both_places() {
        let mut ids = crate::model::DocIds::new();
        ids.check("d1", "a.jsonl:1", "a.jsonl:1".to_string()).expect("first");
        let e = ids.check("d1", "a.jsonl:3", "a.jsonl:3".to_string()).expect_err("duplicate");
        assert!(e.to_string().contains("a.jsonl:3"), "{e}");
        assert!(e.to_string().contains("duplicate document id \"d1\" (first seen at a.jsonl:1)"), "{e}");
    }
}
