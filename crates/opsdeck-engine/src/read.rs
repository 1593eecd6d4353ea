//! Streaming readers for contact files — CSV (plain or gzip) and Parquet — that feed rows to
//! per-thread sinks in parallel. CSV is cut into chunks at line ends outside quotes; Parquet is
//! split by row group (a lone row group into row ranges), each decoded by the worker that
//! aggregates it. Line numbers are exact (physical lines, header = line 1; Parquet: row from 1).

use crate::contact::{FieldIssue, LocalResolver, RawContact};
use crate::error::{input_err, io_err, EngineError, Result};
use crate::parse::Cell;
use crate::profile::{Bound, Extract, Profile, Row};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, LargeStringArray,
    RecordBatch, StringArray, StringViewArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use opsdeck_core::ContactOutcome;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::arrow::ProjectionMask;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

/// Receives the rows of one file on one worker thread.
pub trait ContactSink: Send {
    /// Whether the sink needs the identity fields (contact id, channel, agent, site); sinks
    /// that only aggregate say no, and those columns are then neither read nor checked.
    const IDS: bool = true;
    /// A row that a profile turned into a contact; an error quarantines the row.
    fn contact(&mut self, c: RawContact<'_>, line: u64) -> std::result::Result<(), FieldIssue>;
    /// A row that is not a contact (e.g. a phantom call).
    fn skip(&mut self, reason: &'static str);
    /// A row that cannot be used.
    fn issue(&mut self, line: u64, issue: FieldIssue, raw: String);
    /// Column-wise aggregation (`columnar`): sinks that only add contacts to sums return the
    /// resolver `contact` validates with, and then take the clean rows of typed Parquet batches
    /// through `queue_slot` and `add_clean` instead of `contact`. `None`: rows only.
    fn columnar(&mut self) -> Option<&mut LocalResolver> {
        None
    }
    /// Where the contacts of `queue` (trimmed, not empty) go in `add_clean`; `None` sends the
    /// queue's rows through `contact` (for instance a queue the sink does not know).
    fn queue_slot(&mut self, _queue: &str) -> Option<u32> {
        None
    }
    /// A contact validated with the `columnar` resolver, of the queue `queue_slot` gave `slot`,
    /// arrived at `arrived_s` (UTC) with outcome `o`: count it exactly as `contact` would.
    fn add_clean(&mut self, _slot: u32, _arrived_s: i64, _o: &ContactOutcome) {}
}

/// Receives the text rows of a CSV file on one worker thread ([`read_csv_rows`]). Chunks of
/// the file reach the workers in any order; `chunk` tells where each one starts.
pub trait RowSink: Send {
    /// The rows that follow come from a chunk whose first row is on `first_line` and which
    /// spans `lines` lines (so holds at most that many rows).
    fn chunk(&mut self, _first_line: u64, _lines: u64) {}
    /// A row as wide as the header.
    fn row<R: Row>(&mut self, row: &R, line: u64);
    /// A row that cannot be split into the header's fields.
    fn bad_row(&mut self, line: u64, issue: FieldIssue, raw: String);
}

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
}

/// A whole small text file (CSV, plain or gzip) in memory: gzip inflated, a UTF-8 byte-order
/// mark dropped; UTF-16, a truncated gzip and a blank file are errors naming the file.
pub(crate) fn read_whole_text(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(io_err(path))?;
    let mut bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| input_err(path, format!("file is truncated or corrupt ({e})")))?;
        out
    } else {
        raw
    };
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(input_err(
            path,
            "file is UTF-16 encoded; save it as UTF-8 and try again",
        ));
    }
    if bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
        bytes.drain(..3);
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(input_err(path, "file is empty (expected a header line)"));
    }
    Ok(bytes)
}

/// How far a read has come, for progress bars: bytes of the file consumed so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// Number of worker threads.
pub fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8)
}

enum Kind {
    Csv { gzip: bool },
    Parquet,
}

fn sniff(path: &Path) -> Result<Kind> {
    let mut f = File::open(path).map_err(io_err(path))?;
    let mut magic = [0u8; 4];
    let n = f.read(&mut magic).map_err(io_err(path))?;
    if n == 0 {
        return Err(input_err(path, "file is empty (expected a header line)"));
    }
    Ok(match &magic[..n] {
        [0x1f, 0x8b, ..] => Kind::Csv { gzip: true },
        b"PAR1" => Kind::Parquet,
        _ => Kind::Csv { gzip: false },
    })
}

/// Read all contacts of `path` with `profile`, feeding one sink per worker; returns the sinks.
pub fn read_contacts<S, F>(
    path: &Path,
    profile: &Profile,
    make_sink: F,
    progress: Progress,
) -> Result<Vec<S>>
where
    S: ContactSink,
    F: Fn() -> S,
{
    match sniff(path)? {
        Kind::Parquet => read_parquet(path, profile, make_sink, progress),
        Kind::Csv { .. } => {
            let sinks = read_csv_rows(
                path,
                profile.delimiter(),
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

/// Read a CSV file (plain or gzip) in parallel chunks: `bind` sees the header (trimmed field
/// names) once, then each worker's sink, made by `make_sink` from what `bind` returned, receives whole rows with their
/// physical line numbers. Parquet is refused (use [`read_contacts`] for contacts).
pub fn read_csv_rows<B, S, Bind, Make>(
    path: &Path,
    delimiter: u8,
    bind: Bind,
    make_sink: Make,
    progress: Progress,
) -> Result<Vec<S>>
where
    B: Send + Sync,
    S: RowSink,
    Bind: FnOnce(&[String]) -> Result<B>,
    Make: Fn(Arc<B>) -> S,
{
    let gzip = match sniff(path)? {
        Kind::Parquet => {
            return Err(input_err(
                path,
                "is a Parquet file; this command reads CSV (plain or gzip)",
            ))
        }
        Kind::Csv { gzip } => gzip,
    };
    let file = File::open(path).map_err(io_err(path))?;
    // a plain file small enough to be one or two chunks is cut finer, so every core parses
    let chunk = match file.metadata() {
        Ok(m) if !gzip => usize::try_from(m.len() / (4 * workers() as u64))
            .unwrap_or(CHUNK)
            .clamp(MIN_CHUNK, CHUNK),
        _ => CHUNK,
    };
    let counted = Counting::new(file, progress);
    if gzip {
        let r = flate2::read::MultiGzDecoder::new(counted);
        read_csv(path, delimiter, r, chunk, bind, make_sink)
    } else {
        read_csv(path, delimiter, counted, chunk, bind, make_sink)
    }
}

/// A reader that reports the bytes read so far to a progress callback.
pub(crate) struct Counting<'a, R> {
    inner: R,
    n: AtomicU64,
    progress: Progress<'a>,
}

impl<'a, R> Counting<'a, R> {
    pub(crate) fn new(inner: R, progress: Progress<'a>) -> Self {
        Counting {
            inner,
            n: AtomicU64::new(0),
            progress,
        }
    }
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        let total = self.n.fetch_add(k as u64, Ordering::Relaxed) + k as u64;
        (self.progress)(total);
        Ok(k)
    }
}

struct CsvRow<'a>(&'a csv::ByteRecord);

impl Row for CsvRow<'_> {
    fn cell(&self, i: usize) -> std::result::Result<Cell<'_>, String> {
        let b = self.0.get(i).unwrap_or_default();
        std::str::from_utf8(b).map(Cell::Str).map_err(|_| {
            "is not valid UTF-8 text (is the file saved in another encoding, such as Latin-1 or UTF-16?)".into()
        })
    }
    fn width(&self) -> usize {
        self.0.len()
    }
    fn raw(&self) -> String {
        self.0
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Append up to `want` more bytes of `r` to `buf`; false at the end of the input. Reads into
/// the spare capacity (no zero-filling of `want` bytes first: a 4 MB memset per chunk, and
/// 1,000 page faults for a small file, were a visible share of short runs).
fn fill(r: &mut impl Read, buf: &mut Vec<u8>, want: usize, path: &Path) -> Result<bool> {
    buf.reserve(want);
    match r.by_ref().take(want as u64).read_to_end(buf) {
        Ok(got) => Ok(got > 0),
        Err(e) => {
            let msg = if e.kind() == std::io::ErrorKind::UnexpectedEof {
                format!("file is truncated or corrupt ({e})")
            } else {
                format!("cannot read: {e}")
            };
            Err(input_err(path, msg))
        }
    }
}

/// Index just past the last newline of `buf` that lies outside quotes, given the quote parity
/// at the start of `buf`.
fn split_point(buf: &[u8], open_quote_at_start: bool) -> Option<usize> {
    let total = memchr::memchr_iter(b'"', buf).count();
    let mut after = 0usize;
    let mut end = buf.len();
    while let Some(i) = memchr::memrchr2(b'\n', b'"', &buf[..end]) {
        if buf[i] == b'"' {
            after += 1;
        } else {
            let before = total - after;
            if (before % 2 == 1) == open_quote_at_start {
                return Some(i + 1);
            }
        }
        end = i;
    }
    None
}

const CHUNK: usize = 4 << 20;
/// Smallest chunk a plain CSV file is cut into.
const MIN_CHUNK: usize = 256 << 10;

struct Chunk {
    first_line: u64,
    /// Newlines in `bytes`.
    lines: u64,
    bytes: Vec<u8>,
}

fn read_csv<R, B, S, Bind, Make>(
    path: &Path,
    delim: u8,
    mut r: R,
    chunk: usize,
    bind: Bind,
    make_sink: Make,
) -> Result<Vec<S>>
where
    R: Read,
    B: Send + Sync,
    S: RowSink,
    Bind: FnOnce(&[String]) -> Result<B>,
    Make: Fn(Arc<B>) -> S,
{
    let mut buf = Vec::with_capacity(chunk * 2);
    fill(&mut r, &mut buf, 64 << 10, path)?;
    if buf.starts_with(&[0xff, 0xfe]) || buf.starts_with(&[0xfe, 0xff]) {
        return Err(input_err(
            path,
            "file is UTF-16 encoded; save it as UTF-8 and try again",
        ));
    }
    if buf.starts_with(&[0xef, 0xbb, 0xbf]) {
        buf.drain(..3);
    }
    // the header line, parsed with the same CSV rules
    let header_end = loop {
        if let Some(i) = split_point(&buf, false).filter(|_| memchr::memchr(b'\n', &buf).is_some())
        {
            let first_nl = memchr::memchr(b'\n', &buf).unwrap_or(i - 1);
            break first_nl + 1;
        }
        if !fill(&mut r, &mut buf, 64 << 10, path)? {
            break buf.len();
        }
    };
    if header_end == 0 || buf[..header_end].iter().all(|b| b.is_ascii_whitespace()) {
        return Err(input_err(path, "file is empty (expected a header line)"));
    }
    let mut hdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delim)
        .from_reader(&buf[..header_end]);
    let mut rec = csv::ByteRecord::new();
    hdr.read_byte_record(&mut rec)
        .map_err(|e| input_err(path, format!("line 1: cannot read the header: {e}")))?;
    let header: Vec<String> = rec
        .iter()
        .map(|f| String::from_utf8(f.to_vec()).map(|s| s.trim().to_string()))
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| {
            input_err(
                path,
                "line 1: the header is not valid UTF-8 text; save the file as UTF-8",
            )
        })?;
    let bound = Arc::new(bind(&header)?);
    let width = header.len();
    buf.drain(..header_end);

    let n_workers = workers();
    let (tx, rx) = mpsc::sync_channel::<Chunk>(n_workers * 2);
    let rx = Arc::new(Mutex::new(rx));
    let mut sinks = Vec::with_capacity(n_workers);
    let mut any_rows = false;
    let read_result: Result<()> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n_workers)
            .map(|_| {
                let rx = Arc::clone(&rx);
                let mut sink = make_sink(Arc::clone(&bound));
                scope.spawn(move || {
                    let mut rec = csv::ByteRecord::new();
                    loop {
                        let chunk = match rx.lock() {
                            Ok(g) => g.recv(),
                            Err(_) => break,
                        };
                        let Ok(chunk) = chunk else { break };
                        sink.chunk(chunk.first_line, chunk.lines + 1);
                        if !parse_plain_chunk(&chunk, width, delim, &mut sink) {
                            parse_chunk(&chunk, width, delim, &mut rec, &mut sink);
                        }
                    }
                    sink
                })
            })
            .collect();
        let mut line = 2u64;
        let mut open_quote = false;
        let mut result = Ok(());
        loop {
            let more = match fill(&mut r, &mut buf, chunk, path) {
                Ok(m) => m,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let cut = if more {
                split_point(&buf, open_quote)
            } else {
                Some(buf.len())
            };
            let Some(cut) = cut else { continue };
            if cut == 0 {
                if !more {
                    break;
                }
                continue;
            }
            let rest = buf.split_off(cut);
            let bytes = std::mem::replace(&mut buf, rest);
            open_quote = (memchr::memchr_iter(b'"', &bytes).count() % 2 == 1) != open_quote;
            let lines = memchr::memchr_iter(b'\n', &bytes).count() as u64;
            any_rows |= bytes.iter().any(|b| !b.is_ascii_whitespace());
            if tx
                .send(Chunk {
                    first_line: line,
                    lines,
                    bytes,
                })
                .is_err()
            {
                break;
            }
            line += lines;
            if !more {
                break;
            }
        }
        drop(tx);
        for h in handles {
            match h.join() {
                Ok(s) => sinks.push(s),
                Err(_) => result = Err(EngineError::Internal("a reader thread panicked".into())),
            }
        }
        result
    });
    read_result?;
    if !any_rows {
        return Err(input_err(path, "has a header but no data rows"));
    }
    Ok(sinks)
}

/// Physical line numbers of record starts within a chunk, counted from the bytes: the csv
/// crate's `Position::line` lags by one after `\r\n` line ends (BurntSushi/rust-csv#395).
pub(crate) struct LineCounter<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) at: usize,
    pub(crate) line: u64,
}

impl LineCounter<'_> {
    /// Line of the record starting at byte `start` (or just before it: the terminator bytes of
    /// the previous record and blank lines are skipped). `start` never decreases.
    pub(crate) fn line_at(&mut self, start: u64) -> u64 {
        let mut p = usize::try_from(start)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while p < self.bytes.len() && matches!(self.bytes[p], b'\r' | b'\n') {
            p += 1;
        }
        if p > self.at {
            self.line += memchr::memchr_iter(b'\n', &self.bytes[self.at..p]).count() as u64;
            self.at = p;
        }
        self.line
    }
}

/// A row of a chunk without quotes, as text fields.
struct StrRow<'a> {
    fields: &'a [&'a str],
}

impl Row for StrRow<'_> {
    #[inline]
    fn cell(&self, i: usize) -> std::result::Result<Cell<'_>, String> {
        Ok(Cell::Str(self.fields.get(i).copied().unwrap_or_default()))
    }
    fn width(&self) -> usize {
        self.fields.len()
    }
    fn raw(&self) -> String {
        self.fields.join(",")
    }
}

/// The common case: a chunk that is valid UTF-8 and has no quote characters can be split at
/// line ends and delimiters directly, several times faster than a general CSV parser. Returns
/// false (having done nothing) when the chunk needs the general parser.
fn parse_plain_chunk<S: RowSink>(chunk: &Chunk, width: usize, delim: u8, sink: &mut S) -> bool {
    if !delim.is_ascii() || memchr::memchr(b'"', &chunk.bytes).is_some() {
        return false;
    }
    let Ok(text) = std::str::from_utf8(&chunk.bytes) else {
        return false;
    };
    let mut fields: Vec<&str> = Vec::with_capacity(width + 1);
    let mut line_start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    for (no, end) in (chunk.first_line..).zip(ends) {
        if line_start > end {
            break; // the text ended with a newline: no last piece
        }
        let line = &text[line_start..end];
        line_start = end + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.bytes().all(|b| b.is_ascii_whitespace()) {
            continue; // blank line (or the end of the chunk)
        }
        fields.clear();
        // cutting at ASCII delimiter bytes always lands on char boundaries
        let mut start = 0;
        for pos in memchr::memchr_iter(delim, line.as_bytes()) {
            fields.push(&line[start..pos]);
            start = pos + 1;
        }
        fields.push(&line[start..]);
        deliver_row(&StrRow { fields: &fields }, no, width, sink);
    }
    true
}

fn parse_chunk<S: RowSink>(
    chunk: &Chunk,
    width: usize,
    delim: u8,
    rec: &mut csv::ByteRecord,
    sink: &mut S,
) {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(chunk.bytes.as_slice());
    let mut lines = LineCounter {
        bytes: &chunk.bytes,
        at: 0,
        line: chunk.first_line,
    };
    loop {
        let start = rdr.position().byte();
        match rdr.read_byte_record(rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines.line_at(start);
                sink.bad_row(
                    line,
                    FieldIssue::new("(row)", format!("cannot parse CSV: {e}")),
                    String::new(),
                );
                continue;
            }
        }
        let line = lines.line_at(rec.position().map_or(start, |p| p.byte()));
        if rec.len() == 1
            && rec
                .get(0)
                .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
        {
            continue; // blank line
        }
        deliver_row(&CsvRow(rec), line, width, sink);
    }
}

/// Check a text row's width against the header, then hand it on.
fn deliver_row<S: RowSink, R: Row>(row: &R, line: u64, width: usize, sink: &mut S) {
    if row.width() != width {
        let why = format!(
            "has {} fields, the header has {width} (truncated or misaligned row?)",
            row.width()
        );
        sink.bad_row(line, FieldIssue::new("(row)", why), row.raw());
        return;
    }
    sink.row(row, line);
}

pub(crate) fn deliver<S: ContactSink, R: Row>(bound: &Bound, row: &R, line: u64, sink: &mut S) {
    if let Some(c) = bound.extract_fast(row, S::IDS) {
        if let Err(issue) = sink.contact(c, line) {
            sink.issue(line, issue, row.raw());
        }
        return;
    }
    match bound.extract(row, S::IDS) {
        Ok(Extract::Contact(c)) => {
            if let Err(issue) = sink.contact(c, line) {
                sink.issue(line, issue, row.raw());
            }
        }
        Ok(Extract::Skip(why)) => sink.skip(why),
        Err(issue) => sink.issue(line, issue, row.raw()),
    }
}

/// A Parquet column viewed as one of the few shapes the profiles read.
pub(crate) enum Col {
    /// Not read (the profile does not use this column).
    Unused,
    Str(StringArray),
    LargeStr(LargeStringArray),
    ViewStr(StringViewArray),
    /// Dictionary-encoded text: keys into `values`.
    DictStr {
        keys: Int32Array,
        values: StringArray,
    },
    DictLargeStr {
        keys: Int32Array,
        values: LargeStringArray,
    },
    Int(Int64Array),
    Float(Float64Array),
    Bool(BooleanArray),
    /// Timestamp scaled to seconds by `div`; `utc` when the column carries a zone.
    Ts {
        arr: Int64Array,
        div: i64,
        utc: bool,
    },
}

fn view(a: &ArrayRef) -> std::result::Result<Col, String> {
    use DataType::*;
    let cast = |to: &DataType| arrow_cast::cast(a, to).map_err(|e| e.to_string());
    let int = |a: ArrayRef| a.as_primitive::<Int64Type>().clone();
    Ok(match a.data_type() {
        Utf8 => Col::Str(a.as_string::<i32>().clone()),
        LargeUtf8 => Col::LargeStr(a.as_string::<i64>().clone()),
        Utf8View => Col::ViewStr(a.as_string_view().clone()),
        Dictionary(k, v) if **k == Int32 && matches!(**v, Utf8 | LargeUtf8) => {
            let d = a.as_dictionary::<Int32Type>();
            let keys = d.keys().clone();
            match **v {
                Utf8 => Col::DictStr {
                    keys,
                    values: d.values().as_string::<i32>().clone(),
                },
                _ => Col::DictLargeStr {
                    keys,
                    values: d.values().as_string::<i64>().clone(),
                },
            }
        }
        Int64 => Col::Int(int(a.clone())),
        Int8 | Int16 | Int32 | UInt8 | UInt16 | UInt32 | UInt64 => Col::Int(int(cast(&Int64)?)),
        Float64 => Col::Float(a.as_primitive::<Float64Type>().clone()),
        Float32 | Float16 | Decimal128(_, _) => {
            Col::Float(cast(&Float64)?.as_primitive::<Float64Type>().clone())
        }
        Boolean => Col::Bool(a.as_boolean().clone()),
        Timestamp(unit, tz) => {
            let div = match unit {
                TimeUnit::Second => 1,
                TimeUnit::Millisecond => 1_000,
                TimeUnit::Microsecond => 1_000_000,
                TimeUnit::Nanosecond => 1_000_000_000,
            };
            Col::Ts {
                arr: int(cast(&Int64)?),
                div,
                utc: tz.is_some(),
            }
        }
        // dictionaries, dates, … are read as text
        _ => Col::Str(cast(&Utf8)?.as_string::<i32>().clone()),
    })
}

/// The dictionary entry a key points at; a key outside the dictionary is a corrupt file.
#[inline]
fn dict_value<'a>(
    len: usize,
    key: i32,
    value: impl Fn(usize) -> &'a str,
) -> std::result::Result<&'a str, String> {
    match usize::try_from(key) {
        Ok(k) if k < len => Ok(value(k)),
        _ => Err(format!(
            "dictionary key {key} is outside the dictionary of {len} values (corrupt file?)"
        )),
    }
}

pub(crate) struct PqRow<'a> {
    pub(crate) cols: &'a [Col],
    pub(crate) i: usize,
}

impl Row for PqRow<'_> {
    #[inline]
    fn cell(&self, c: usize) -> std::result::Result<Cell<'_>, String> {
        let i = self.i;
        Ok(match &self.cols[c] {
            Col::Unused => Cell::Null,
            Col::Str(a) if a.is_valid(i) => Cell::Str(a.value(i)),
            Col::LargeStr(a) if a.is_valid(i) => Cell::Str(a.value(i)),
            Col::ViewStr(a) if a.is_valid(i) => Cell::Str(a.value(i)),
            Col::DictStr { keys, values } if keys.is_valid(i) => {
                Cell::Str(dict_value(values.len(), keys.value(i), |k| {
                    values.value(k)
                })?)
            }
            Col::DictLargeStr { keys, values } if keys.is_valid(i) => {
                Cell::Str(dict_value(values.len(), keys.value(i), |k| {
                    values.value(k)
                })?)
            }
            Col::Int(a) if a.is_valid(i) => Cell::Int(a.value(i)),
            Col::Float(a) if a.is_valid(i) => Cell::Float(a.value(i)),
            Col::Bool(a) if a.is_valid(i) => Cell::Bool(a.value(i)),
            Col::Ts { arr, div, utc } if arr.is_valid(i) => {
                let v = arr.value(i).div_euclid(*div);
                if *utc {
                    Cell::Utc(v)
                } else {
                    Cell::Naive(v)
                }
            }
            _ => Cell::Null,
        })
    }
    fn width(&self) -> usize {
        self.cols.len()
    }
    fn raw(&self) -> String {
        (0..self.cols.len())
            .filter(|c| !matches!(self.cols[*c], Col::Unused))
            .map(|c| self.cell(c).map(|x| x.display()).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(",")
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
    if crate::columnar::aggregate(bound, &cols, batch.num_rows(), first, sink) {
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
                        let Some(unit) = units.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            break;
                        };
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

/// A stretch of one row group that one worker decodes on its own.
#[derive(Debug, Clone, PartialEq)]
struct Unit {
    group: usize,
    /// rows of the group in total
    group_rows: u64,
    /// rows of the group before this unit
    skip: u64,
    rows: u64,
    /// row index in the file of the unit's first row (from 0)
    first: u64,
    /// share of the group's compressed bytes, for the progress bar
    bytes: u64,
}

/// Cut the row groups (first row, compressed size and row count of each) into units of
/// decoding work: one per row group when there are at least as many groups as workers, else
/// each group in equal parts so every worker gets one. Groups are not cut finer for balance:
/// without a page index in the file, a part decompresses the pages before it to skip them
/// (measured: cutting ten 1M-row groups in two cost more CPU than the shorter tail saved).
fn decode_units(
    first_row: &[u64],
    sizes: &[u64],
    workers: usize,
    group_rows: impl Fn(usize) -> u64,
) -> Vec<Unit> {
    let parts = workers.div_ceil(first_row.len().max(1)) as u64;
    let mut units = Vec::new();
    for (g, (&first, &size)) in first_row.iter().zip(sizes).enumerate() {
        let n = group_rows(g);
        let per = n.div_ceil(parts).max(1);
        let mut skip = 0;
        while skip < n {
            let rows = per.min(n - skip);
            units.push(Unit {
                group: g,
                group_rows: n,
                skip,
                rows,
                first: first + skip,
                bytes: size * (skip + rows) / n - size * skip / n,
            });
            skip += rows;
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_respects_quotes() {
        assert_eq!(split_point(b"a,b\nc,d\ne", false), Some(8));
        // the last newline is inside quotes: cut at the one before
        assert_eq!(split_point(b"a,b\nc,\"x\ny", false), Some(4));
        // we start inside a quote that closes in this buffer
        assert_eq!(split_point(b"x\"\nq\n", true), Some(5));
        assert_eq!(split_point(b"no newline", false), None);
    }

    #[test]
    fn decode_units_cover_every_row_and_byte_once() {
        // enough row groups: one unit each
        let u = decode_units(&[0, 10, 20], &[100, 100, 50], 2, |g| [10, 10, 5][g]);
        assert_eq!(u.len(), 3);
        assert_eq!(
            (u[2].group, u[2].skip, u[2].rows, u[2].first),
            (2, 0, 5, 20)
        );
        // one row group, three workers: three parts, rows and bytes adding up
        let u = decode_units(&[0], &[1000], 3, |_| 10);
        let parts: Vec<_> = u.iter().map(|u| (u.skip, u.rows, u.first)).collect();
        assert_eq!(parts, vec![(0, 4, 0), (4, 4, 4), (8, 2, 8)]);
        assert_eq!(u.iter().map(|u| u.bytes).sum::<u64>(), 1000);
        // two groups, four workers: two parts each, file rows continue across groups
        let u = decode_units(&[0, 7], &[70, 30], 4, |g| [7, 3][g]);
        let parts: Vec<_> = u
            .iter()
            .map(|u| (u.group, u.skip, u.rows, u.first))
            .collect();
        assert_eq!(
            parts,
            vec![(0, 0, 4, 0), (0, 4, 3, 4), (1, 0, 2, 7), (1, 2, 1, 9)]
        );
        assert_eq!(u.iter().map(|u| u.bytes).sum::<u64>(), 100);
    }
}
