//! Coreference from files: both sides read through the library's reader specification
//! ([`crate::inputs::open`]) and checked to share their texts before [`super::score`]; the
//! plain-text table of a [`Report`]; one set written in the CoNLL-2012 format. What
//! `ieval coref` runs.

use std::collections::HashMap;
use std::path::Path;

use super::{Layer, Options, Report};
use crate::error::{Error, Result};
use crate::formats::conll2012::WriteStats;
use crate::formats::{Corpus, Format};
use crate::inputs::ReaderSpec;
use crate::model::{AnnotationSet, DocAnnotations, Document};

/// A corpus read for coreference and the format it was read as.
pub struct Side {
    pub corpus: Corpus,
    pub format: Format,
}

impl Side {
    /// Read `path` as `from` (default: guessed); a single-set format's set is named
    /// `set_name` (default: gold).
    pub fn read(path: &Path, from: Option<Format>, strict: bool, set_name: Option<&str>) -> Result<Side> {
        let spec = ReaderSpec {
            from,
            strict: Some(strict),
            names: set_name.map(|n| vec![n.to_string()]),
            ..Default::default()
        };
        let (format, source) = crate::inputs::open(&[path.to_path_buf()], &spec)?;
        Ok(Side { corpus: Corpus::collect(source)?, format })
    }

    /// The set `name`, else the set `gold`, else the first (`path` names the input in the
    /// error when there is none).
    pub fn set(&self, path: &Path, name: Option<&str>) -> Result<&AnnotationSet> {
        let c = &self.corpus;
        let found = match name {
            Some(n) => c.set(n),
            None => c.set("gold").or(c.sets.first()),
        };
        found.ok_or_else(|| {
            Error::usage(format!(
                "{}: no annotation set{}",
                path.display(),
                name.map(|n| format!(" named {n:?}")).unwrap_or_default()
            ))
        })
    }

    /// The layer this side is read with when it differs from the one asked for: CoNLL-2012
    /// has no entity/event distinction, its side is read whole.
    pub fn layer(&self) -> Option<Layer> {
        (self.format == Format::Conll2012).then_some(Layer::All)
    }
}

/// Score the clusters of the predicted input against the gold input's (each a path and its
/// format, default guessed): the first set of each side (the gold side's `gold` set when it
/// has one), over the gold documents. Documents present on both sides must have the same
/// text (mention offsets are bytes of each side's text). `opts`' side layers are set here.
pub fn score_files(
    gold: (&Path, Option<Format>),
    pred: (&Path, Option<Format>),
    strict: bool,
    mut opts: Options,
) -> Result<Report> {
    let g = Side::read(gold.0, gold.1, strict, None)?;
    let p = Side::read(pred.0, pred.1, strict, Some("system"))?;
    let gold_set = g.set(gold.0, None)?;
    let pred_set = p.set(pred.0, None)?;
    // Spans are byte offsets into each side's text: the texts must agree.
    let texts: HashMap<&str, &Document> = p.corpus.documents.iter().map(|d| (d.id.as_str(), d)).collect();
    for d in &g.corpus.documents {
        if let Some(pd) = texts.get(d.id.as_str())
            && pd.text != d.text
        {
            return Err(Error::data(
                format!("document {:?}", d.id),
                format!(
                    "the text read from {} differs from the gold text read from {}: mention offsets would not compare",
                    pred.0.display(),
                    gold.0.display()
                ),
            ));
        }
    }
    opts.gold_layer = g.layer();
    opts.pred_layer = p.layer();
    super::score(&g.corpus.documents, gold_set, pred_set, &opts)
}

/// The report as a plain-text table: the options and counts, then recall, precision and
/// F1 (points) per metric and the CoNLL average, then the profile's quirks.
pub fn table(r: &Report) -> String {
    let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{:.2}", 100.0 * v));
    let o = &r.options;
    let mut s = format!(
        "coreference: {} mentions, scope {}, match {}, singletons {}, profile {}\n\
         documents {}  units {}  gold mentions {}  predicted {}  matched {}  gold clusters {}  predicted clusters {}\n\n",
        o.layer.name(),
        o.scope.name(),
        o.matching.name(),
        o.singletons.name(),
        o.profile.name(),
        r.documents,
        r.units,
        r.gold_mentions,
        r.pred_mentions,
        r.matched_mentions,
        r.gold_clusters,
        r.pred_clusters
    );
    s.push_str(&format!("{:<8} {:>7} {:>9} {:>7}\n", "metric", "recall", "precision", "F1"));
    let m = &r.metrics;
    for (name, v) in [
        ("MUC", m.muc),
        ("B3", m.b_cubed),
        ("CEAFm", m.ceaf_m),
        ("CEAFe", m.ceaf_e),
        ("BLANC", m.blanc),
        ("LEA", m.lea),
    ] {
        s.push_str(&format!("{:<8} {:>7} {:>9} {:>7}\n", name, f(v.recall), f(v.precision), f(v.f1)));
    }
    s.push_str(&format!("{:<8} {:>7} {:>9} {:>7}\n", "CoNLL", "", "", f(m.conll)));
    if let Some(ms) = &r.neleval {
        s.push_str(&format!(
            "\n{:<18} {:>7} {:>9} {:>7} {:>12} {:>12} {:>12} {:>12}\n",
            "neleval", "recall", "precision", "F", "ptp", "fp", "rtp", "fn"
        ));
        let n = |x: f64| if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.3}") };
        for (name, x) in ms {
            s.push_str(&format!(
                "{:<18} {:>7.2} {:>9.2} {:>7.2} {:>12} {:>12} {:>12} {:>12}\n",
                name,
                100.0 * x.recall,
                100.0 * x.precision,
                100.0 * x.fscore,
                n(x.ptp),
                n(x.fp),
                n(x.rtp),
                n(x.fn_)
            ));
        }
    }
    for q in &r.profile_quirks {
        s.push_str(&format!("quirk: {q}\n"));
    }
    s
}

/// One set of `input` (read as `from`, default guessed; the set `set`, else gold, else the
/// first) in the CoNLL-2012 coreference format, every document of the input (those the set
/// does not annotate without mentions); `dest` names the output in errors.
pub fn export_conll2012(
    input: &Path,
    from: Option<Format>,
    strict: bool,
    set: Option<&str>,
    layer: Layer,
    dest: &Path,
) -> Result<(String, WriteStats)> {
    let side = Side::read(input, from, strict, None)?;
    let c = &side.corpus;
    let set = side.set(input, set)?;
    let by_id: HashMap<&str, &DocAnnotations> = set.docs.iter().map(|d| (d.doc_id.as_str(), d)).collect();
    let empty: Vec<DocAnnotations> = c.documents.iter().map(|d| DocAnnotations::new(d.id.clone())).collect();
    let pairs: Vec<(&Document, &DocAnnotations)> =
        c.documents.iter().zip(&empty).map(|(d, e)| (d, by_id.get(d.id.as_str()).copied().unwrap_or(e))).collect();
    let mut buf = Vec::new();
    let stats = crate::formats::conll2012::write(&mut buf, &pairs, layer, dest)?;
    let text = String::from_utf8(buf).map_err(|e| Error::usage(format!("output is not UTF-8: {e}")))?;
    Ok((text, stats))
}

/// `ieval score --task coref`'s report: every system's coreference metrics per layer, within
/// documents, default options.
#[derive(Debug, serde::Serialize)]
pub struct PairingReport {
    /// The tool and the task (`coref`).
    pub ieval: PairingTool,
    /// The gold source and its document count.
    pub gold: PairingGold,
    /// Per system: its name and a report per layer.
    pub systems: Vec<SystemReport>,
}

/// [`PairingReport`]'s tool: the task, and the version of ieval that wrote the report.
#[derive(Debug, serde::Serialize)]
pub struct PairingTool {
    /// Always `coref`.
    pub task: &'static str,
    pub version: &'static str,
}

/// [`PairingReport`]'s gold: its document count and where it was read from.
#[derive(Debug, serde::Serialize)]
pub struct PairingGold {
    pub documents: usize,
    pub source: String,
}

/// One system's reports, by layer name (`entities`, `events`).
#[derive(Debug, serde::Serialize)]
pub struct SystemReport {
    /// The system's name.
    pub name: String,
    /// Its report per layer.
    pub coref: std::collections::BTreeMap<&'static str, Report>,
}

impl PairingReport {
    /// The plain-text form: per system and layer, `system NAME` then its [`table`].
    pub fn text(&self) -> String {
        let mut text = String::new();
        for s in &self.systems {
            for r in s.coref.values() {
                text.push_str(&format!("system {}\n{}\n", s.name, table(r)));
            }
        }
        text
    }
}

/// Score every system of a paired input against the gold, within documents, default
/// options but the profile: entity mentions, and event mentions too when the gold has
/// event clusters. `gold_path` names the gold in the error for an empty input.
pub fn score_pairing(
    mut pairing: crate::inputs::Pairing,
    gold_path: &Path,
    profile: super::Profile,
) -> Result<PairingReport> {
    let names: Vec<String> = pairing.systems().iter().map(|m| m.name().to_string()).collect();
    let mut docs = Vec::new();
    let mut gold = AnnotationSet::new(pairing.gold_meta().clone());
    let mut preds: Vec<AnnotationSet> = pairing.systems().iter().map(|m| AnnotationSet::new(m.clone())).collect();
    for item in pairing.by_ref() {
        let item = item?;
        for (k, p) in item.preds.into_iter().enumerate() {
            if let (Some(p), Some(set)) = (p, preds.get_mut(k)) {
                set.docs.push(p);
            }
        }
        gold.docs.push(item.gold);
        docs.push(item.doc);
    }
    if docs.is_empty() {
        return Err(Error::data(gold_path.display().to_string(), "no documents: the gold input is empty"));
    }
    let mut layers = vec![Layer::Entities];
    if !super::cluster_sizes(&gold, Layer::Events).is_empty() {
        layers.push(Layer::Events);
    }
    let mut systems = Vec::new();
    for (name, pred) in names.iter().zip(&preds) {
        let mut coref = std::collections::BTreeMap::new();
        for &layer in &layers {
            coref.insert(
                layer.name(),
                super::score(&docs, &gold, pred, &Options { layer, profile, ..Default::default() })?,
            );
        }
        systems.push(SystemReport { name: name.clone(), coref });
    }
    Ok(PairingReport {
        ieval: PairingTool { task: "coref", version: env!("CARGO_PKG_VERSION") },
        gold: PairingGold { documents: docs.len(), source: pairing.gold_meta().source.clone() },
        systems,
    })
}
