//! The one writer of per-document counts tables: the `score --counts` files
//! ([`super::shards`]) and the results store's `counts/<run_id>.parquet` (`suite::store`).
//! Each table keeps its own columns; what they share is written here once: zstd Parquet,
//! the `ieval:table` / `ieval:schema_version` / `ieval:version` metadata keys (then the
//! table's own), counts as int64 (a count above 2^63 is an error, not a wrap), and the
//! file moved into place only when it is finished.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Int64Array, RecordBatch};
use arrow::datatypes::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::error::{Error, Result};
use crate::output::AtomicFile;

/// A counts table being written; nothing is at `path` until [`CountsFile::finish`].
pub struct CountsFile {
    path: PathBuf,
    schema: SchemaRef,
    props: WriterProperties,
    writer: ArrowWriter<AtomicFile>,
}

impl CountsFile {
    /// `table` and `version` are the `ieval:table` and `ieval:schema_version` keys;
    /// `metadata` the table's own keys, written after `ieval:version`.
    pub fn create(
        path: &Path,
        schema: SchemaRef,
        table: &str,
        version: &str,
        metadata: &[(&str, &str)],
    ) -> Result<Self> {
        let kv = |k: &str, v: &str| KeyValue::new(k.to_string(), Some(v.to_string()));
        let mut keys = vec![kv("ieval:table", table), kv("ieval:schema_version", version)];
        keys.push(kv("ieval:version", env!("CARGO_PKG_VERSION")));
        keys.extend(metadata.iter().map(|(k, v)| kv(k, v)));
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
            .set_max_row_group_row_count(Some(1 << 20))
            .set_key_value_metadata(Some(keys))
            .build();
        Self::with_props(path, schema, props)
    }

    fn with_props(path: &Path, schema: SchemaRef, props: WriterProperties) -> Result<Self> {
        let file = AtomicFile::create(path)?;
        let writer =
            ArrowWriter::try_new(file, schema.clone(), Some(props.clone())).map_err(|e| Error::parquet(path, e))?;
        Ok(CountsFile { path: path.to_path_buf(), schema, props, writer })
    }

    /// Keep only the rows written so far that `keep` selects (a mask per batch), for rows
    /// known to be unwanted only after they were written: the rows are read back from the
    /// temporary file, batch by batch, into a new one (same metadata, rows in the same
    /// order). Nothing is at `path` before [`CountsFile::finish`], as before.
    pub fn retain(self, keep: impl Fn(&RecordBatch) -> BooleanArray) -> Result<Self> {
        let CountsFile { path, schema, props, writer } = self;
        let err = |e: parquet::errors::ParquetError| Error::parquet(&path, e);
        let mut old = writer.into_inner().map_err(err)?;
        old.flush().map_err(|e| Error::io(&path, e))?;
        let f = std::fs::File::open(old.temp_path()).map_err(|e| Error::io(&path, e))?;
        let rows = ParquetRecordBatchReaderBuilder::try_new(f).and_then(|b| b.with_batch_size(1 << 16).build());
        let mut new = Self::with_props(&path, schema, props)?;
        for batch in rows.map_err(err)? {
            let batch = batch.map_err(|e| Error::parquet(&path, e))?;
            let kept =
                arrow::compute::filter_record_batch(&batch, &keep(&batch)).map_err(|e| Error::parquet(&path, e))?;
            if kept.num_rows() > 0 {
                new.write(kept.columns().to_vec())?;
            }
        }
        // `old` is dropped uncommitted: its temporary file is removed.
        Ok(new)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One batch of rows, a column per field of the schema.
    pub fn write(&mut self, columns: Vec<ArrayRef>) -> Result<()> {
        let batch = RecordBatch::try_new(self.schema.clone(), columns).map_err(|e| Error::parquet(&self.path, e))?;
        self.writer.write(&batch).map_err(|e| Error::parquet(&self.path, e))
    }

    /// A metadata key known only once the rows are written.
    pub fn append_metadata(&mut self, key: &str, value: String) {
        self.writer.append_key_value_metadata(KeyValue::new(key.to_string(), Some(value)));
    }

    /// Close the file and move it into place.
    pub fn finish(self) -> Result<()> {
        let file = self.writer.into_inner().map_err(|e| Error::parquet(&self.path, e))?;
        file.commit()
    }

    /// A column of counts as int64 (a count above 2^63 is an error, not a wrap).
    pub fn int64(&self, v: Vec<u64>) -> Result<ArrayRef> {
        let v: Vec<i64> = v
            .into_iter()
            .map(|x| i64::try_from(x).map_err(|_| Error::parquet(&self.path, format!("count {x} exceeds int64"))))
            .collect::<Result<_>>()?;
        Ok(Arc::new(Int64Array::from(v)))
    }
}
