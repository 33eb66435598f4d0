//! The two layouts of a corpus directory, and the writer of the partitioned one.
//!
//! **Flat** (one file per table):
//! ```text
//! DIR/documents.parquet   DIR/gold.parquet   DIR/systems/<name>.parquet
//! ```
//! **Partitioned** (`ieval convert --partition-by split|source|published-month`): a
//! hive-style dataset, one directory per table and one `KEY=VALUE` directory per partition,
//! so that pandas (`pd.read_parquet('DIR/documents')`), DuckDB
//! (`read_parquet('DIR/documents/**/*.parquet', hive_partitioning = true)`), polars
//! (`pl.scan_parquet('DIR/documents/**/*.parquet', hive_partitioning=True)`), Spark
//! (`spark.read.parquet('DIR/documents')`), pyarrow (`pyarrow.dataset.dataset(
//! 'DIR/documents', partitioning='hive')`) and HF `datasets` (`load_dataset('DIR',
//! 'documents')`, through the card `DIR/README.md`) read each table as one:
//! ```text
//! DIR/_ieval.json                                        what the dataset holds (written last)
//! DIR/README.md                                          dataset card (HF `configs`)
//! DIR/documents/split_partition=train/part-00000.parquet
//! DIR/gold/split_partition=train/part-00000.parquet
//! DIR/systems/<name>/split_partition=train/part-00000.parquet
//! ```
//! Keys: `split_partition`, `source_partition` (the values of the document's `split` and
//! `source`) and `published_month` (`YYYY-MM` of `published`). No key is a column of the
//! files: every file keeps the full schema of its table (so `documents` still has its
//! `split` and `source` columns, which HF `datasets`, that ignores hive keys, needs), and a
//! key named like a column makes pandas fail (it types a hive key as a dictionary, the
//! file's column is a string). A document without the value (no split, no source, no date)
//! goes to the partition `KEY=~none` (the file's column holds the null): not Hive's
//! `__HIVE_DEFAULT_PARTITION__`, which pyarrow reads as a null in a dictionary and pandas
//! then refuses ("Cannot yet unify dictionaries with nulls"); `~` is never part of an
//! encoded value, so `~none` cannot be a document's value. Other values are written with
//! percent-encoding of every byte outside `A-Z a-z 0-9 - _ .` (`Reuters/AP` ->
//! `Reuters%2FAP`), as Hive does.
//!
//! Within a partition, documents keep their input order and the annotation tables have a row
//! per document in that same order, so that reading is a lockstep stream: ieval reads
//! the partitions in the order of their directory names, each table's files in the same
//! order. Partition files are opened lazily, at most [`MAX_OPEN`] partitions at once, and
//! held in memory only up to a budget ([`MEMORY_BUDGET`]), after which the largest is
//! written out as a row group.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::write::{AnnotationsWriter, DocumentsWriter, Tables, parse_date};
use crate::error::{Error, Result};
use crate::formats::RecordWriter;
use crate::model::{DocAnnotations, Document, SetMeta};

/// The description file of a partitioned corpus.
pub const MANIFEST: &str = "_ieval.json";
/// The partition of documents without a value (outside the alphabet of encoded values).
pub const NULL_PARTITION: &str = "~none";
/// Bytes the partition writers may hold before the largest is written out.
pub const MEMORY_BUDGET: usize = 256 << 20;

/// What a partitioned corpus is split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartitionBy {
    Split,
    Source,
    PublishedMonth,
}

impl PartitionBy {
    /// The hive key: never the name of a column of the files (see the module doc).
    pub fn key(self) -> &'static str {
        match self {
            PartitionBy::Split => "split_partition",
            PartitionBy::Source => "source_partition",
            PartitionBy::PublishedMonth => "published_month",
        }
    }

    /// The document's partition value (`None`: the null partition).
    pub fn value(self, doc: &Document) -> Option<String> {
        let v = match self {
            PartitionBy::Split => doc.meta.split.clone(),
            PartitionBy::Source => doc.meta.source.clone(),
            PartitionBy::PublishedMonth => {
                doc.meta.published.as_deref().filter(|p| parse_date(p).is_some()).map(|p| p[..7].to_string())
            }
        };
        v.filter(|s| !s.is_empty())
    }
}

impl std::str::FromStr for PartitionBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "split" => Ok(PartitionBy::Split),
            "source" => Ok(PartitionBy::Source),
            "published-month" | "published_month" | "month" => Ok(PartitionBy::PublishedMonth),
            other => Err(format!("cannot partition by {other:?} (expected split, source or published-month)")),
        }
    }
}

/// A partition value as a directory name segment (percent-encoded).
pub fn encode_value(v: Option<&str>) -> String {
    let Some(v) = v else { return NULL_PARTITION.to_string() };
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // `.` and `..` are not directory names of their own.
    if out.chars().all(|c| c == '.') {
        out = out.replace('.', "%2E");
    }
    // No value shares the null partition's directory: `~` is always encoded, so no
    // encoded value is `~none` (and Hive's `__HIVE_DEFAULT_PARTITION__` is an ordinary value).
    out
}

/// The value of an encoded segment (`None`: the null partition).
pub fn decode_value(s: &str) -> Option<String> {
    if s == NULL_PARTITION {
        return None;
    }
    Some(crate::text::percent_decode(s))
}

/// What `_ieval.json` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetManifest {
    pub layout: String,
    pub schema_version: String,
    pub ieval_version: String,
    pub partition_by: PartitionBy,
    /// `documents`, `gold`, `systems/<name>`.
    pub tables: Vec<String>,
    /// Partition value (`null`: the null partition) -> documents.
    pub partitions: Vec<(Option<String>, u64)>,
    pub documents: u64,
}

/// The files of a corpus directory, either layout: the documents table, and each
/// annotation set (gold first, then systems by name), as lists of files read in order.
#[derive(Debug, Clone)]
pub struct CorpusFiles {
    pub documents: Vec<PathBuf>,
    pub sets: Vec<Vec<PathBuf>>,
    pub partitioned: bool,
}

/// True when `dir` is a corpus directory of either layout.
pub fn is_corpus_dir(dir: &Path) -> bool {
    dir.join("documents.parquet").is_file() || dir.join(MANIFEST).is_file() || dir.join("documents").is_dir()
}

/// Check that a corpus output may replace `dir` as a whole (`convert --out DIR`): `dir`
/// does not exist, is empty, or is provably an ieval corpus of either layout. Provably:
/// every file in it is a Parquet file whose key/value metadata says it is an ieval table
/// (`ieval:table` = `documents` or `annotations`), or the `_ieval.json` of a partitioned
/// corpus (that parses as one), or an ieval temporary (`.NAME.PID.XXXXXX.tmp`); no symbolic
/// links; and it has the documents table. Anything else (a `.git/`, a `chapter1.tex` beside a
/// `documents.parquet`) is an error naming the first foreign entry: nothing is replaced.
pub fn check_replaceable(dir: &Path) -> Result<()> {
    let md = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let refuse = |what: String| {
        Err(Error::usage(format!(
            "{}: {what}: not replacing it with a corpus (give a new --out, or remove it first)",
            dir.display()
        )))
    };
    if !md.is_dir() {
        return refuse("exists and is not a directory".into());
    }
    fn foreign(root: &Path, dir: &Path) -> Result<Option<(PathBuf, &'static str)>> {
        let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .collect::<std::io::Result<_>>()
            .map_err(|e| Error::io(dir, e))?;
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let t = e.file_type().map_err(|err| Error::io(&p, err))?;
            if name.starts_with('.') && name.ends_with(".tmp") {
                continue; // a temporary of an ieval writer, swept with the directory
            }
            if t.is_symlink() {
                return Ok(Some((p, "is a symbolic link")));
            }
            if t.is_dir() {
                if let Some(f) = foreign(root, &p)? {
                    return Ok(Some(f));
                }
            } else if !t.is_file() {
                return Ok(Some((p, "is not a regular file")));
            } else if dir == root && name == MANIFEST {
                let ok = std::fs::read_to_string(&p)
                    .ok()
                    .is_some_and(|t| serde_json::from_str::<DatasetManifest>(&t).is_ok());
                if !ok {
                    return Ok(Some((p, "is not the description of an ieval corpus")));
                }
            } else if dir == root && name == "README.md" {
                // The dataset card ieval writes beside the tables; a README of anyone else's is not.
                let ok = std::fs::read_to_string(&p)
                    .ok()
                    .is_some_and(|t| t.starts_with("---\nconfigs:\n") && t.contains("\n# ieval corpus\n"));
                if !ok {
                    return Ok(Some((p, "is not the dataset card of an ieval corpus")));
                }
            } else if name.ends_with(".parquet") {
                let table = std::fs::File::open(&p)
                    .ok()
                    .and_then(|f| parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f).ok())
                    .and_then(|b| {
                        super::key_values::<std::collections::HashMap<String, String>>(b.metadata())
                            .remove("ieval:table")
                    });
                if !matches!(table.as_deref(), Some("documents" | "annotations")) {
                    return Ok(Some((p, "is not a table written by ieval (no ieval:table metadata)")));
                }
            } else {
                return Ok(Some((p, "is not a file of an ieval corpus")));
            }
        }
        Ok(None)
    }
    let empty = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?.next().is_none();
    if empty {
        return Ok(());
    }
    if let Some((p, why)) = foreign(dir, dir)? {
        return refuse(format!("{} {why}", p.display()));
    }
    if !is_corpus_dir(dir) {
        return refuse("exists and is not an ieval corpus directory".into());
    }
    Ok(())
}

/// True for a partitioned corpus.
pub fn is_partitioned(dir: &Path) -> bool {
    !dir.join("documents.parquet").is_file() && (dir.join(MANIFEST).is_file() || dir.join("documents").is_dir())
}

/// True when `dir` is one table of a partitioned corpus (`DIR/gold`, `DIR/systems/NAME`):
/// not a corpus directory itself, and holding `.parquet` files in `KEY=VALUE` directories.
pub fn is_table_dir(dir: &Path) -> bool {
    if !dir.is_dir() || is_corpus_dir(dir) {
        return false;
    }
    let Ok(files) = parquet_files(dir) else { return false };
    !files.is_empty()
        && files.iter().all(|f| {
            f.strip_prefix(dir).is_ok_and(|rel| {
                let n = rel.components().count();
                n >= 2 && rel.components().take(n - 1).all(|c| c.as_os_str().to_string_lossy().contains('='))
            })
        })
}

/// The Parquet files under `dir`, recursively, sorted by relative path; hidden and `_`
/// entries (temporary files, `_SUCCESS` markers) left out.
pub fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>> {
    // Each directory once, so that a link loop ends the walk.
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut crate::formats::walk::Seen) -> Result<()> {
        if !seen.first(dir)? {
            return Ok(());
        }
        for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let e = e.map_err(|e| Error::io(dir, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            let p = e.path();
            if p.is_dir() {
                walk(&p, out, seen)?;
            } else if name.ends_with(".parquet") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, &mut out, &mut crate::formats::walk::Seen::default())?;
    out.sort();
    Ok(out)
}

impl CorpusFiles {
    pub fn of(dir: &Path) -> Result<CorpusFiles> {
        if dir.join("documents.parquet").is_file() {
            let sets = super::set_files(dir)?.into_iter().map(|p| vec![p]).collect();
            return Ok(CorpusFiles { documents: vec![dir.join("documents.parquet")], sets, partitioned: false });
        }
        if !is_corpus_dir(dir) {
            return Err(Error::in_file(dir, "not an ieval corpus directory (no documents.parquet, no documents/)"));
        }
        let documents = parquet_files(&dir.join("documents"))?;
        if documents.is_empty() {
            return Err(Error::in_file(
                dir,
                "a partitioned corpus without documents (documents/ holds no .parquet file)",
            ));
        }
        let mut sets = Vec::new();
        let gold = dir.join("gold");
        if gold.is_dir() {
            sets.push(parquet_files(&gold)?);
        }
        let sys = dir.join("systems");
        if sys.is_dir() {
            let mut names: Vec<PathBuf> = std::fs::read_dir(&sys)
                .map_err(|e| Error::io(&sys, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(['.', '_'])))
                .collect();
            names.sort();
            for n in names {
                let files = parquet_files(&n)?;
                if !files.is_empty() {
                    sets.push(files);
                }
            }
        }
        Ok(CorpusFiles { documents, sets, partitioned: true })
    }
}

/// One partition's files while they are written (an open chunk).
type Part = Tables;

impl Tables {
    fn buffered(&self) -> usize {
        self.docs.buffered_bytes() + self.sets.iter().map(AnnotationsWriter::buffered_bytes).sum::<usize>()
    }
    fn flush(&mut self) -> Result<()> {
        self.docs.flush_row_group()?;
        for s in &mut self.sets {
            s.flush_row_group()?;
        }
        Ok(())
    }
    fn finish(self) -> Result<()> {
        for s in self.sets {
            s.finish()?;
        }
        self.docs.finish()
    }
}

/// What is known of a partition, open or not.
struct PartState {
    /// `KEY=VALUE`, the partition's directory in every table.
    seg: String,
    /// Chunks written or being written (see [`MAX_OPEN`]).
    chunks: u32,
    documents: u64,
    /// When it last took a document (for closing the least recently used).
    last_use: u64,
}

/// Partitions whose files are open at once. Each open partition holds a writer per table
/// (column buffers, encoders): memory grows with their number, not with the corpus. When a
/// document goes to a partition that is not open and `MAX_OPEN` are, the least recently
/// used one is closed; a closed partition that takes documents again writes them to a new
/// hidden chunk file, and [`PartitionedWriter::finish`] rewrites a partition of several
/// chunks as its one part file, one partition at a time. The corpus is the same whatever
/// the order of the input: one `part-00000.parquet` per partition and table, documents in
/// input order.
pub const MAX_OPEN: usize = 64;

/// The file of a partition's chunk `k`: the first is the part file itself.
fn chunk_name(k: u32) -> String {
    if k == 0 { "part-00000.parquet".to_string() } else { format!(".chunk-{k:06}.parquet") }
}

/// Writes a partitioned corpus into `dir` (a fresh directory: see
/// [`crate::output::AtomicDir`]), record by record.
pub struct PartitionedWriter {
    dir: PathBuf,
    by: PartitionBy,
    sets: Vec<SetMeta>,
    provenance: String,
    parts: BTreeMap<Option<String>, PartState>,
    open: HashMap<Option<String>, Part>,
    max_open: usize,
    clock: u64,
    writes: u64,
}

/// The table directory of a set: `gold`, `systems/<name>`.
fn set_dir(set: &SetMeta) -> String {
    if set.is_gold() { "gold".to_string() } else { format!("systems/{}", set.name()) }
}

impl PartitionedWriter {
    pub fn create(dir: &Path, sets: &[SetMeta], provenance: &str, by: PartitionBy) -> Result<Self> {
        let mut seen = std::collections::HashSet::new();
        for s in sets {
            if !seen.insert(set_dir(s)) {
                return Err(Error::usage(format!(
                    "two annotation sets would both be written to {}: give them distinct names",
                    set_dir(s)
                )));
            }
            crate::model::validate_set_name(s.name())?;
        }
        std::fs::create_dir_all(dir.join("documents")).map_err(|e| Error::io(dir, e))?;
        Ok(PartitionedWriter {
            dir: dir.to_path_buf(),
            by,
            sets: sets.to_vec(),
            provenance: provenance.to_string(),
            parts: BTreeMap::new(),
            open: HashMap::new(),
            max_open: MAX_OPEN,
            clock: 0,
            writes: 0,
        })
    }

    /// At most `n` (at least 1) partitions open at once instead of [`MAX_OPEN`].
    pub fn with_max_open(mut self, n: usize) -> Self {
        self.max_open = n.max(1);
        self
    }

    /// The tables' directories: `documents`, then each set's.
    fn tables(&self) -> Vec<String> {
        std::iter::once("documents".to_string()).chain(self.sets.iter().map(set_dir)).collect()
    }

    fn open_chunk(&self, seg: &str, k: u32) -> Result<Part> {
        let file = |table: &str| self.dir.join(table).join(seg).join(chunk_name(k));
        let docs = DocumentsWriter::create(&file("documents"), &self.provenance)?;
        let sets =
            self.sets.iter().map(|s| AnnotationsWriter::create(&file(&set_dir(s)), s)).collect::<Result<Vec<_>>>()?;
        Ok(Tables { docs, sets })
    }

    fn part(&mut self, value: Option<String>) -> Result<&mut Part> {
        self.clock += 1;
        let clock = self.clock;
        if !self.parts.contains_key(&value) {
            let seg = format!("{}={}", self.by.key(), encode_value(value.as_deref()));
            // A partition's directory is new: two values never write one part file (the
            // encoding is one-to-one, but a case-insensitive file system folds `A` and `a`).
            let pdir = self.dir.join("documents").join(&seg);
            if let Err(e) = std::fs::create_dir(&pdir) {
                return Err(if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Error::data(
                        pdir.display().to_string(),
                        format!(
                            "the {} value {:?} maps to a partition directory another value already has (a case-insensitive file system?): not overwriting it",
                            self.by.key(),
                            value.as_deref().unwrap_or("null")
                        ),
                    )
                } else {
                    Error::io(&pdir, e)
                });
            }
            self.parts.insert(value.clone(), PartState { seg, chunks: 0, documents: 0, last_use: clock });
        }
        if !self.open.contains_key(&value) {
            if self.open.len() >= self.max_open {
                let lru = self
                    .open
                    .keys()
                    .min_by_key(|v| self.parts.get(*v).map_or(0, |p| p.last_use))
                    .cloned()
                    .ok_or_else(|| Error::data("partition", "no open partition to close"))?;
                if let Some(p) = self.open.remove(&lru) {
                    p.finish()?;
                }
            }
            let (seg, k) = match self.parts.get_mut(&value) {
                Some(st) => {
                    st.chunks += 1;
                    (st.seg.clone(), st.chunks - 1)
                }
                None => return Err(Error::data("partition", "lost a partition")),
            };
            let part = self.open_chunk(&seg, k)?;
            self.open.insert(value.clone(), part);
        }
        if let Some(st) = self.parts.get_mut(&value) {
            st.last_use = clock;
            st.documents += 1;
        }
        self.open.get_mut(&value).ok_or_else(|| Error::data("partition", "lost a partition writer"))
    }

    /// A partition written in several chunks becomes one part file per table: the chunks
    /// are read back in order and written anew, then removed.
    fn compact(&self, seg: &str, chunks: u32) -> Result<()> {
        let tables = self.tables();
        for t in &tables {
            let d = self.dir.join(t).join(seg);
            let first = d.join(chunk_name(0));
            std::fs::rename(&first, d.join(".chunk-000000.parquet")).map_err(|e| Error::io(&first, e))?;
        }
        let files = |t: &str| -> Vec<PathBuf> {
            (0..chunks).map(|k| self.dir.join(t).join(seg).join(format!(".chunk-{k:06}.parquet"))).collect()
        };
        let set_files: Vec<Vec<PathBuf>> = self.sets.iter().map(|s| files(&set_dir(s))).collect();
        let src = super::ParquetSource::open_files(&files("documents"), &set_files, super::ParquetOptions::default())?;
        let mut out = self.open_chunk(seg, 0)?;
        for r in src {
            let r = r?;
            out.add(&r.document, &r.sets)?;
        }
        out.finish()?;
        for t in &tables {
            for f in files(t) {
                std::fs::remove_file(&f).map_err(|e| Error::io(&f, e))?;
            }
        }
        Ok(())
    }

    /// Close every file, rewrite partitions written in several chunks, then write
    /// the card (`README.md`) and `_ieval.json`.
    pub fn finish(mut self) -> Result<DatasetManifest> {
        // In partition order, so that a failure is the same whatever the hash map's order.
        let mut open: Vec<(Option<String>, Part)> = self.open.drain().collect();
        open.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, part) in open {
            part.finish()?;
        }
        let mut partitions = Vec::new();
        let mut documents = 0;
        for (value, st) in &self.parts {
            if st.chunks > 1 {
                self.compact(&st.seg, st.chunks)?;
            }
            documents += st.documents;
            partitions.push((value.clone(), st.documents));
        }
        let m = DatasetManifest {
            layout: "partitioned".into(),
            schema_version: super::schema::SCHEMA_VERSION.into(),
            ieval_version: env!("CARGO_PKG_VERSION").into(),
            partition_by: self.by,
            tables: self.tables(),
            partitions,
            documents,
        };
        crate::output::write_file(&self.dir.join("README.md"), super::write::corpus_card(&self.sets, true).as_bytes())?;
        let text = serde_json::to_string_pretty(&m).map_err(|e| Error::data(MANIFEST, e.to_string()))? + "\n";
        crate::output::write_file(&self.dir.join(MANIFEST), text.as_bytes())?;
        Ok(m)
    }
}

impl RecordWriter for PartitionedWriter {
    fn write(&mut self, doc: &Document, sets: &[DocAnnotations]) -> Result<()> {
        let value = self.by.value(doc);
        self.part(value)?.add(doc, sets)?;
        self.writes += 1;
        // Checking the budget costs a pass over the open partitions: not on every document.
        if self.open.len() > 1 && self.writes.is_multiple_of(64) {
            let total: usize = self.open.values().map(Part::buffered).sum();
            if total > MEMORY_BUDGET
                && let Some(big) = self.open.values_mut().max_by_key(|p| p.buffered())
            {
                big.flush()?;
            }
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        PartitionedWriter::finish(*self).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        for v in ["train", "Reuters/AP", "2024-01", "a b", "ünï", "..", "x%y", "__x", NULL_PARTITION] {
            let e = encode_value(Some(v));
            assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.%".contains(&b)), "{e}");
            assert!(e != "." && e != "..", "{e}");
            assert_eq!(decode_value(&e).as_deref(), Some(v), "{e}");
        }
        assert_eq!(encode_value(Some("Reuters/AP")), "Reuters%2FAP");
        assert_eq!(encode_value(None), NULL_PARTITION);
        assert_ne!(encode_value(Some(NULL_PARTITION)), NULL_PARTITION, "the literal value is not null");
        assert_eq!(decode_value(NULL_PARTITION), None);
    }

    #[cfg(unix)]
    #[test]
    fn parquet_files_end_at_link_loops() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(d.path().join("documents/split_partition=a")).expect("mkdir");
        std::fs::write(d.path().join("documents/split_partition=a/part-00000.parquet"), "").expect("write");
        std::os::unix::fs::symlink("..", d.path().join("documents/split_partition=a/up")).expect("link");
        let files = parquet_files(&d.path().join("documents")).expect("the walk ends");
        assert_eq!(files.len(), 1, "{files:?}");
    }

    #[test]
    fn two_values_never_share_a_part_file() {
        let d = tempfile::tempdir().expect("tempdir");
        let mut w = PartitionedWriter::create(d.path(), &[], "test", PartitionBy::Split).expect("create");
        let mut doc = Document::new("a", "text");
        doc.meta.split = Some("train".into());
        w.write(&doc, &[]).expect("first value");
        // What a case-insensitive file system does to `Train` after `train`: the directory
        // is there already. The writer refuses instead of overwriting the part file.
        std::fs::create_dir(d.path().join("documents/split_partition=Train")).expect("mkdir");
        doc.meta.split = Some("Train".into());
        let e = w.write(&doc, &[]).expect_err("collision");
        assert!(e.to_string().contains("another value already has"), "{e}");
    }

    /// Every file under `dir` (relative path, bytes), hidden ones too.
    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        fn walk(root: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(d).expect("ls").flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    let rel = p.strip_prefix(root).expect("under").display().to_string();
                    out.push((rel, std::fs::read(&p).expect("read")));
                }
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, &mut out);
        out.sort();
        out
    }

    #[test]
    fn bounded_open_partitions_write_the_same_corpus() {
        use crate::model::{Mention, Span};
        let write = |max_open: usize| {
            let d = tempfile::tempdir().expect("tempdir");
            let sets = [SetMeta::gold("test")];
            let mut w = PartitionedWriter::create(d.path(), &sets, "test", PartitionBy::Source)
                .expect("create")
                .with_max_open(max_open);
            // Round robin over 7 partitions (and the null one): every partition is closed
            // and reopened when only 2 may be open.
            for i in 0..40 {
                let text = format!("Document {i} about Paris.");
                let mut doc = Document::new(format!("d{i}"), text.clone());
                doc.meta.source = (i % 8 != 7).then(|| format!("source-{}", i % 8));
                let mut ann = DocAnnotations::new(format!("d{i}"));
                let at = text.find("Paris").expect("Paris");
                ann.entities.push(Mention::new("T1", Span { start: at, end: at + 5 }, "LOC"));
                w.write(&doc, &[ann]).expect("write");
                assert!(w.open.len() <= max_open, "at most {max_open} partitions open");
            }
            let m = w.finish().expect("finish");
            assert_eq!(m.documents, 40);
            assert_eq!(m.partitions.len(), 8);
            (files(d.path()), d)
        };
        let (bounded, _a) = write(2);
        let (unbounded, _b) = write(100);
        assert!(bounded.iter().all(|(p, _)| !p.contains(".chunk")), "no chunk left: {bounded:?}");
        assert_eq!(bounded.len(), 8 * 2 + 2, "one part file per partition and table, README.md and _ieval.json");
        let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
        assert_eq!(names(&bounded), names(&unbounded));
        for ((p, a), (_, b)) in bounded.iter().zip(&unbounded) {
            assert!(a == b, "{p} differs");
        }
    }

    #[test]
    fn month_partitions() {
        let mut d = Document::new("a", "text");
        assert_eq!(PartitionBy::PublishedMonth.value(&d), None);
        d.meta.published = Some("2024-02-29".into());
        assert_eq!(PartitionBy::PublishedMonth.value(&d).as_deref(), Some("2024-02"));
        assert_eq!("published-month".parse::<PartitionBy>(), Ok(PartitionBy::PublishedMonth));
        assert!("year".parse::<PartitionBy>().is_err());
    }
}
