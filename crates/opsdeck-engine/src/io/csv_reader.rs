//! CSV (plain or gzip) read in parallel chunks cut at line ends outside quotes, each parsed by
//! a worker into its own [`RowSink`]. Line numbers are exact (physical lines, header = line 1).

use super::parse::Cell;
use super::{sniff, workers, Counting, FieldIssue, FileKind, Progress, Row};
use crate::error::{input_err, io_err, EngineError, Result};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};

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
        FileKind::Parquet => {
            return Err(input_err(
                path,
                "is a Parquet file; this command reads CSV (plain or gzip)",
            ))
        }
        FileKind::Csv { gzip } => gzip,
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
}
