//! Contact files — CSV (plain or gzip) and Parquet — read in parallel into per-thread
//! [`ContactSink`]s through a bound profile. Parquet is split by row group (a lone row group
//! into row ranges), each decoded by the worker that aggregates it; row numbers count from 1.

use super::profile::{Bound, Profile};
use super::sink::{deliver, ContactSink};
use crate::error::{input_err, io_err, EngineError, Result};
use crate::io::csv_reader::{read_csv_rows, CsvOptions, RowSink};
use crate::io::parquet::{decode_units, view, Col, PqRow};
use crate::io::{sniff, workers, FieldIssue, FileKind, Progress, Row};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::arrow::ProjectionMask;
use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Feeds contact rows through a bound profile into a [`ContactSink`].
struct ContactRows<S> {
    bound: Arc<Bound>,
    sink: S,
}

impl<S: ContactSink> RowSink for ContactRows<S> {
    fn row<R: Row>(&mut self, row: &R, line: u64) {
        deliver(&self.bound, row, line, &mut self.sink);
    }
    fn bad_row(&mut self, line: u64, issue: FieldIssue, raw: String) {
        self.sink.issue(line, issue, raw);
    }
    fn piece_start(&mut self, seq: u64) {
        self.sink.piece_start(seq);
    }
    fn piece_end(&mut self) {
        self.sink.piece_end();
    }
}

/// Read all contacts of `path` with `profile`, feeding one sink per worker; returns the sinks.
/// A CSV file's quoted fields may be at most `max_field_bytes` long
/// ([`CsvOptions`]; Parquet has no such limit).
pub fn read_contacts<S, F>(
    path: &Path,
    profile: &Profile,
    max_field_bytes: usize,
    make_sink: F,
    progress: Progress,
) -> Result<Vec<S>>
where
    S: ContactSink,
    F: Fn() -> S,
{
    match sniff(path)? {
        FileKind::Parquet => read_parquet(path, profile, make_sink, progress),
        FileKind::Csv { .. } => {
            let sinks = read_csv_rows(
                path,
                &CsvOptions {
                    delimiter: profile.delimiter(),
                    max_field_bytes,
                },
                |header| profile.bind(header, path),
                |bound| ContactRows {
                    bound,
                    sink: make_sink(),
                },
                progress,
            )?;
            Ok(sinks.into_iter().map(|s| s.sink).collect())
        }
    }
}

/// The rows of one record batch (columns `used` of a file `width` columns wide; the first row
/// is row `first` of the file, counted from 0) into `sink`: column-wise where the sink and the
/// column types allow it (`columnar`), row by row otherwise. An error is a column that cannot
/// be viewed.
pub(crate) fn process_batch<S: ContactSink>(
    bound: &Bound,
    used: &[usize],
    width: usize,
    batch: &RecordBatch,
    first: u64,
    sink: &mut S,
) -> std::result::Result<(), String> {
    let mut cols: Vec<Col> = (0..width).map(|_| Col::Unused).collect();
    for (k, ix) in used.iter().enumerate() {
        cols[*ix] = view(batch.column(k))?;
    }
    if super::columnar::aggregate(bound, &cols, batch.num_rows(), first, sink) {
        return Ok(());
    }
    for i in 0..batch.num_rows() {
        deliver(bound, &PqRow { cols: &cols, i }, first + i as u64 + 1, sink);
    }
    Ok(())
}

fn read_parquet<S, F>(
    path: &Path,
    profile: &Profile,
    make_sink: F,
    progress: Progress,
) -> Result<Vec<S>>
where
    S: ContactSink,
    F: Fn() -> S,
{
    let perr = |e: parquet::errors::ParquetError| EngineError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let file = File::open(path).map_err(io_err(path))?;
    let plain = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(perr)?;
    let header: Vec<String> = plain
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let bound = profile.bind(&header, path)?;
    // decode text columns with few distinct values as dictionaries (when the file allows it)
    let dict_cols = bound.low_cardinality_columns();
    let hinted = Schema::new(
        plain
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| match f.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 if dict_cols.contains(&i) => {
                    Arc::new(f.as_ref().clone().with_data_type(DataType::Dictionary(
                        Box::new(DataType::Int32),
                        Box::new(f.data_type().clone()),
                    )))
                }
                _ => Arc::clone(f),
            })
            .collect::<Vec<Arc<Field>>>(),
    );
    let reader_meta = ArrowReaderMetadata::try_new(
        Arc::clone(plain.metadata()),
        ArrowReaderOptions::new().with_schema(Arc::new(hinted)),
    )
    .unwrap_or(plain);
    let meta = Arc::clone(reader_meta.metadata());
    let used = bound.used_columns(S::IDS);
    let width = header.len();
    let n_groups = meta.num_row_groups();
    if meta.file_metadata().num_rows() == 0 {
        return Err(input_err(path, "has a schema but no data rows"));
    }
    // first row number of each row group
    let mut first_row = Vec::with_capacity(n_groups);
    let mut acc = 0u64;
    for g in 0..n_groups {
        first_row.push(acc);
        acc += meta.row_group(g).num_rows() as u64;
    }
    let sizes: Vec<u64> = (0..n_groups)
        .map(|g| meta.row_group(g).compressed_size() as u64)
        .collect();
    // decode only the columns the profile reads
    let mask = ProjectionMask::roots(reader_meta.parquet_schema(), used.iter().copied());
    let units = decode_units(&first_row, &sizes, workers(), |g| {
        meta.row_group(g).num_rows() as u64
    });
    // every worker decodes and aggregates whole units itself, taking the next one when done;
    // each opens the file anew, as the reader seeks a file handle that clones would share
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let done_bytes = Mutex::new(0u64);
    let n_workers = workers().min(units.len());
    std::thread::scope(|scope| -> Result<Vec<S>> {
        let handles: Vec<_> = (0..n_workers)
            .map(|_| {
                let mut sink = make_sink();
                let (bound, used, units, mask) = (&bound, &used, &units, &mask);
                let (next, stop, done_bytes, reader_meta) =
                    (&next, &stop, &done_bytes, &reader_meta);
                scope.spawn(move || -> Result<S> {
                    let file = File::open(path).map_err(io_err(path))?;
                    while !stop.load(Ordering::Relaxed) {
                        let seq = next.fetch_add(1, Ordering::Relaxed);
                        let Some(unit) = units.get(seq) else {
                            break;
                        };
                        sink.piece_start(seq as u64);
                        let mut run = || -> Result<()> {
                            let file = file.try_clone().map_err(io_err(path))?;
                            let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(
                                file,
                                reader_meta.clone(),
                            )
                            .with_projection(mask.clone())
                            .with_batch_size(32 * 1024)
                            .with_row_groups(vec![unit.group]);
                            if unit.skip > 0 || unit.rows < unit.group_rows {
                                builder = builder.with_row_selection(RowSelection::from(vec![
                                    RowSelector::skip(unit.skip as usize),
                                    RowSelector::select(unit.rows as usize),
                                    RowSelector::skip(
                                        (unit.group_rows - unit.skip - unit.rows) as usize,
                                    ),
                                ]));
                            }
                            let mut row_no = unit.first;
                            for batch in builder.build().map_err(perr)? {
                                let batch = batch
                                    .map_err(|e| e.to_string())
                                    .and_then(|b| {
                                        process_batch(bound, used, width, &b, row_no, &mut sink)
                                            .map(|()| b)
                                    })
                                    .map_err(|m| EngineError::Parquet {
                                        path: path.to_path_buf(),
                                        message: m,
                                    })?;
                                row_no += batch.num_rows() as u64;
                            }
                            Ok(())
                        };
                        if let Err(e) = run() {
                            stop.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                        sink.piece_end();
                        // under the lock, so the bar only moves forward
                        let mut done = done_bytes.lock().unwrap_or_else(|p| p.into_inner());
                        *done += unit.bytes;
                        progress(*done);
                    }
                    Ok(sink)
                })
            })
            .collect();
        let mut result = Ok(());
        let mut sinks = Vec::new();
        for h in handles {
            match h.join() {
                Ok(Ok(s)) => sinks.push(s),
                Ok(Err(e)) => {
                    if result.is_ok() {
                        result = Err(e);
                    }
                }
                Err(_) => result = Err(EngineError::Internal("a reader thread panicked".into())),
            }
        }
        result.map(|()| sinks)
    })
}
