//! One reader specification: the reader options the command line (`InputArgs`) and a
//! suite file (`[[dataset]]`, `[[system]]`) both give, turned into [`ReadOptions`] in one
//! place, with a scoring profile's imposed tag decoding.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::formats::conll::{ConllOptions, Delimiter, DocBreak, TagColumns};
use crate::formats::hf::HfOptions;
use crate::formats::labelstudio::{AnnotationPick, LabelStudioOptions};
use crate::formats::parquet::ParquetOptions;
use crate::formats::prodigy::ProdigyOptions;
use crate::formats::{Format, ReadOptions, Source};
use crate::tags::{Policy, Scheme};
use crate::text::OffsetUnit;

/// Reader options as given (the command line's names); an unset option keeps the command
/// line's default.
#[derive(Debug, Clone, Default)]
pub struct ReaderSpec {
    /// The input format (`None`: guessed from the path).
    pub from: Option<Format>,
    pub scheme: Option<Scheme>,
    pub tag_policy: Option<Policy>,
    pub tag_cols: Option<TagColumns>,
    pub token_col: Option<usize>,
    pub tab: Option<bool>,
    pub sentences_per_doc: Option<usize>,
    pub names: Option<Vec<String>>,
    pub offsets: Option<OffsetUnit>,
    pub include_rejected: Option<bool>,
    pub ls_annotation: Option<AnnotationPick>,
    pub strict: Option<bool>,
    pub tokens_col: Option<String>,
    pub tags_col: Option<String>,
    pub doc_col: Option<String>,
    pub tag_names: Option<Vec<String>>,
}

/// A CoNLL tag decoding imposed on every input: the anchor scoring profiles decode tags as
/// their tool does (`score::Profile` converts into this).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decoding {
    /// The policy for invalid tag sequences (`None`: the reader option's).
    pub policy: Option<Policy>,
    /// The scheme when the input gives none (seqeval's strict mode assumes IOB2).
    pub default_scheme: Option<Scheme>,
}

impl ReaderSpec {
    /// These options with `over`'s set options taking precedence.
    pub fn overridden_by(&self, over: &ReaderSpec) -> ReaderSpec {
        fn pick<T: Clone>(over: &Option<T>, base: &Option<T>) -> Option<T> {
            over.clone().or_else(|| base.clone())
        }
        ReaderSpec {
            from: pick(&over.from, &self.from),
            scheme: pick(&over.scheme, &self.scheme),
            tag_policy: pick(&over.tag_policy, &self.tag_policy),
            tag_cols: pick(&over.tag_cols, &self.tag_cols),
            token_col: pick(&over.token_col, &self.token_col),
            tab: pick(&over.tab, &self.tab),
            sentences_per_doc: pick(&over.sentences_per_doc, &self.sentences_per_doc),
            names: pick(&over.names, &self.names),
            offsets: pick(&over.offsets, &self.offsets),
            include_rejected: pick(&over.include_rejected, &self.include_rejected),
            ls_annotation: pick(&over.ls_annotation, &self.ls_annotation),
            strict: pick(&over.strict, &self.strict),
            tokens_col: pick(&over.tokens_col, &self.tokens_col),
            tags_col: pick(&over.tags_col, &self.tags_col),
            doc_col: pick(&over.doc_col, &self.doc_col),
            tag_names: pick(&over.tag_names, &self.tag_names),
        }
    }

    /// True when repairs are refused.
    pub fn is_strict(&self) -> bool {
        self.strict.unwrap_or(false)
    }

    /// The options as [`ReadOptions`], with `decoding` imposed on CoNLL tags.
    pub fn to_read_options(&self, decoding: Decoding) -> ReadOptions {
        let names = self.names.clone().unwrap_or_default();
        let strict = self.is_strict();
        let mut opts = ReadOptions {
            conll: ConllOptions {
                token_column: self.token_col.unwrap_or(0),
                tag_columns: self.tag_cols.clone().unwrap_or_default(),
                scheme: self.scheme,
                policy: self.tag_policy.unwrap_or_default(),
                docs: self.sentences_per_doc.map_or(DocBreak::Docstart, DocBreak::Sentences),
                delimiter: if self.tab.unwrap_or(false) { Delimiter::Tab } else { Delimiter::Whitespace },
                set_names: names.clone(),
                strict,
                spans_only: false,
            },
            parquet: ParquetOptions::default(),
            prodigy: ProdigyOptions { include_rejected: self.include_rejected.unwrap_or(false) },
            labelstudio: LabelStudioOptions { annotation: self.ls_annotation.unwrap_or_default() },
            offsets: self.offsets.unwrap_or_default(),
            set_name: names.first().cloned(),
            strict,
            hf: HfOptions {
                tokens_col: self.tokens_col.clone(),
                tags_col: self.tags_col.clone(),
                doc_col: self.doc_col.clone(),
                tag_names: self.tag_names.clone(),
            },
        };
        if let Some(policy) = decoding.policy {
            opts.conll.policy = policy;
            if opts.conll.scheme.is_none() {
                opts.conll.scheme = decoding.default_scheme;
            }
        }
        opts
    }

    /// The input format: `from`, else guessed from `input`. An option only CoNLL has
    /// (`tag_cols`, `scheme`, `tag_policy`, `token_col`, `tab`, `sentences_per_doc`) makes
    /// CoNLL of an input guessed to be a plain-text article or not guessed at all (a corpus
    /// or JSONL gold keeps its format: the option is then for CoNLL predictions).
    pub fn format_of(&self, input: &Path) -> Result<Format> {
        match self.from {
            Some(f) => Ok(f),
            None => self.guess(input, false),
        }
    }

    /// The format guessed from `input`, CoNLL when the guess is an article or fails and
    /// `conll` is true or an option only CoNLL has is given.
    pub(crate) fn guess(&self, input: &Path, conll: bool) -> Result<Format> {
        match Format::detect(input) {
            Ok(Format::Article) | Err(_) if conll || self.conll_option().is_some() => Ok(Format::Conll),
            other => other,
        }
    }

    /// The first option given that only CoNLL input has, if any.
    pub fn conll_option(&self) -> Option<&'static str> {
        [
            (self.tag_cols.is_some(), "--tag-cols"),
            (self.scheme.is_some(), "--scheme"),
            (self.tag_policy.is_some(), "--tag-policy"),
            (self.token_col.is_some(), "--token-col"),
            (self.tab.unwrap_or(false), "--tab"),
            (self.sentences_per_doc.is_some(), "--sentences-per-doc"),
        ]
        .into_iter()
        .find_map(|(given, name)| given.then_some(name))
    }
}

/// Open inputs of one format (`spec.from`, else guessed from the first, see
/// [`ReaderSpec::format_of`]) as one source, undecoded; returns the format too.
pub fn open(inputs: &[PathBuf], spec: &ReaderSpec) -> Result<(Format, Box<dyn Source>)> {
    let first = inputs.first().ok_or_else(|| Error::usage("no input given"))?;
    let format = spec.format_of(first)?;
    Ok((format, crate::formats::open(format, inputs, &spec.to_read_options(Decoding::default()))?))
}
