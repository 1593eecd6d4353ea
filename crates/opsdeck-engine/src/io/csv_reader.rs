//! CSV (plain or gzip) read in parallel chunks cut at line ends outside quotes, each parsed by
//! a worker into its own [`RowSink`]. Line numbers are exact (physical lines, header = line 1).

use super::parse::Cell;
use super::row::{raw_line, raw_text, RAW_MAX};
use super::{excerpt, sniff, workers, Counting, FieldIssue, FileKind, Progress, Row};
use crate::error::{input_err, io_err, EngineError, Result};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};

/// How a CSV file is cut into rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    pub delimiter: u8,
    /// Longest quoted field, in bytes. A quoted field still open past it (a stray quote) makes
    /// its row a bad row, and reading goes on at the line after the one where the quote opened;
    /// a line without a line end grows at most [`CsvOptions::max_line_bytes`].
    pub max_field_bytes: usize,
}

/// Default longest quoted field: 1 MiB.
pub const DEFAULT_MAX_FIELD_BYTES: usize = 1 << 20;

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
        }
    }
}

impl CsvOptions {
    pub fn with_delimiter(delimiter: u8) -> Self {
        CsvOptions {
            delimiter,
            ..Default::default()
        }
    }

    /// Longest line (outside quotes) before it is a bad row: 16 × the longest field, at least
    /// 64 KiB (16 MiB by default).
    pub fn max_line_bytes(&self) -> usize {
        self.max_field_bytes.saturating_mul(16).max(64 << 10)
    }
}

/// Receives the text rows of a CSV file on one worker thread ([`read_csv_rows`]). Chunks of
/// the file reach the workers in any order; `chunk` tells where each one starts.
pub trait RowSink: Send {
    /// The rows that follow come from a chunk whose first row is on `first_line` and which
    /// spans `lines` lines (so holds at most that many rows).
    fn chunk(&mut self, _first_line: u64, _lines: u64) {}
    /// A piece of the input (a chunk of rows or one bad row) starts: pieces are numbered
    /// 0, 1, 2 … in file order, whichever worker gets them.
    fn piece_start(&mut self, _seq: u64) {}
    /// The piece `piece_start` announced is done: every row of it was delivered.
    fn piece_end(&mut self) {}
    /// A row as wide as the header.
    fn row<R: Row>(&mut self, row: &R, line: u64);
    /// A row that cannot be split into the header's fields (`raw`: at most
    /// [`super::row::RAW_MAX`] bytes of it and its length).
    fn bad_row(&mut self, line: u64, issue: FieldIssue, raw: String);
}

/// Read a CSV file (plain or gzip) in parallel chunks: `bind` sees the header (trimmed field
/// names) once, then each worker's sink, made by `make_sink` from what `bind` returned,
/// receives whole rows with their physical line numbers. Parquet is refused (use
/// [`read_contacts`](crate::contacts::read_contacts) for contacts).
///
/// Time is linear in the file's size and memory bounded whatever the file holds: the file is
/// cut into rows by one scan that follows the CSV rules (a quote opens a quoted field only at
/// the start of a field; `""` inside one is a quote), and no row can grow past the limits of
/// `opts`. Line ends may be `\n`, `\r\n` or (told from the header line) a lone `\r`.
pub fn read_csv_rows<B, S, Bind, Make>(
    path: &Path,
    opts: &CsvOptions,
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
        read_csv(path, opts, r, chunk, bind, make_sink)
    } else {
        read_csv(path, opts, counted, chunk, bind, make_sink)
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
        raw_line(self.0.iter())
    }
}

/// Reads the input in pieces, turning lone-`\r` line ends into `\n` when the file uses them.
struct Input<'p, R> {
    r: R,
    path: &'p Path,
    cr_lines: bool,
    eof: bool,
}

impl<R: Read> Input<'_, R> {
    /// Append up to `want` more bytes to `buf`; sets `eof` at the end of the input. Reads
    /// into the spare capacity (no zero-filling of `want` bytes first: a 4 MB memset per
    /// chunk, and 1,000 page faults for a small file, were a visible share of short runs).
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> Result<()> {
        if self.eof {
            return Ok(());
        }
        let from = buf.len();
        buf.reserve(want);
        match self.r.by_ref().take(want as u64).read_to_end(buf) {
            Ok(0) => self.eof = true,
            Ok(_) => {}
            Err(e) => {
                let msg = if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    format!("file is truncated or corrupt ({e})")
                } else {
                    format!("cannot read: {e}")
                };
                return Err(input_err(self.path, msg));
            }
        }
        if self.cr_lines {
            for b in &mut buf[from..] {
                if *b == b'\r' {
                    *b = b'\n';
                }
            }
        }
        Ok(())
    }
}

const CHUNK: usize = 4 << 20;
/// Longest header line (1 MiB).
pub const MAX_HEADER_BYTES: usize = 1 << 20;
/// Smallest chunk a plain CSV file is cut into.
const MIN_CHUNK: usize = 256 << 10;

struct Chunk {
    first_line: u64,
    /// Newlines in `bytes`.
    lines: u64,
    bytes: Vec<u8>,
}

/// What the reader hands a worker: whole rows, or one row the cutter already found bad.
enum Piece {
    Rows(Chunk),
    Bad {
        line: u64,
        issue: FieldIssue,
        raw: String,
    },
}

/// Why a record could not be cut from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BadKind {
    /// A quoted field still open after `max_field_bytes`.
    Runaway,
    /// A quoted field still open at the end of the input.
    Unclosed,
    /// A record whose quoted field spans lines ends up with `fields` fields, not the header's.
    Misaligned { fields: usize },
    /// A line longer than `max_line_bytes` without a line end.
    LongLine,
}

/// A record the cutter refuses: it starts at the cutter's `rec_start`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BadRecord {
    kind: BadKind,
    /// Where the quote that caused it opened (buffer index), if a quote did.
    quote_at: Option<usize>,
    /// Where reading goes on (buffer index, the start of a line), or `None`: past the next
    /// line end of the input still to come.
    resume: Option<usize>,
}

/// Where a scan of the buffer stopped.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// Everything is scanned; the record from `rec_start` is not complete yet.
    More,
    Bad(BadRecord),
}

/// Cuts a byte stream into CSV records by the rules of the `csv` crate (a quote opens a quoted
/// field only at the start of a field, `""` inside it is a quote, line ends inside quotes
/// belong to the field), in one pass: every byte is looked at a bounded number of times.
/// Indices are into the caller's buffer, which holds everything from `rec_start` on.
#[derive(Debug)]
struct Cutter {
    delim: u8,
    max_field: usize,
    max_line: usize,
    /// Fields a record must have when a quoted field of it spans lines (0: not checked).
    width: usize,
    /// Stop after the first record (the header).
    first_only: bool,
    /// Next byte to look at.
    pos: usize,
    /// Start of the record not yet complete; everything before it is whole records.
    rec_start: usize,
    /// The opening quote of the quoted field the scan is in.
    quote: Option<usize>,
    /// The first line end inside quotes of the current record.
    nl_in_quotes: Option<usize>,
    /// The current record has a quote no CSV writer would write: text after a closing quote
    /// (`"ab"c`, which the `csv` crate reads as `abc`) or inside an unquoted field (`5" tv`).
    dirty_close: bool,
}

impl Cutter {
    fn new(opts: &CsvOptions, width: usize, first_only: bool) -> Self {
        Cutter {
            delim: opts.delimiter,
            max_field: opts.max_field_bytes,
            max_line: opts.max_line_bytes(),
            width,
            first_only,
            pos: 0,
            rec_start: 0,
            quote: None,
            nl_in_quotes: None,
            dirty_close: false,
        }
    }

    /// Forget the first `n` bytes of the buffer (`n` ≤ `rec_start`).
    fn shift(&mut self, n: usize) {
        self.pos -= n;
        self.rec_start -= n;
        self.quote = self.quote.map(|q| q - n);
        self.nl_in_quotes = self.nl_in_quotes.map(|q| q - n);
    }

    /// Start afresh at the start of the buffer, outside quotes.
    fn restart(&mut self) {
        self.pos = 0;
        self.rec_start = 0;
        self.quote = None;
        self.nl_in_quotes = None;
        self.dirty_close = false;
    }

    /// Scan `buf` on from `pos`; `eof`: nothing follows it.
    fn scan(&mut self, buf: &[u8], eof: bool) -> Stop {
        // a stretch without quotes (most exports): every line end in it ends a record, so
        // only the first (it may end a record that spans lines) and the last matter
        if self.quote.is_none() && memchr::memchr(b'"', &buf[self.pos..]).is_none() {
            if let Some(k) = memchr::memchr(b'\n', &buf[self.pos..]) {
                let e = self.pos + k;
                if let Some(bad) = self.end_record(buf, e, e + 1) {
                    return Stop::Bad(bad);
                }
                if self.first_only {
                    return Stop::More;
                }
                if let Some(k) = memchr::memrchr(b'\n', &buf[e + 1..]) {
                    self.rec_start = e + 1 + k + 1;
                }
            }
            self.pos = buf.len();
            return self.at_end(buf, eof);
        }
        // quotes ahead: one event per quote or line end (a single search for either costs
        // half of two searches on exports that quote every field)
        loop {
            let Some(k) = memchr::memchr2(b'"', b'\n', &buf[self.pos..]) else {
                self.pos = buf.len();
                return match self.quote {
                    Some(q) if buf.len() - q > self.max_field => {
                        Stop::Bad(self.bad_quote(buf, BadKind::Runaway))
                    }
                    Some(_) if eof => Stop::Bad(self.bad_quote(buf, BadKind::Unclosed)),
                    Some(_) => Stop::More,
                    None => self.at_end(buf, eof),
                };
            };
            let i = self.pos + k;
            match (self.quote, buf[i]) {
                (Some(q), _) if i - q > self.max_field => {
                    return Stop::Bad(self.bad_quote(buf, BadKind::Runaway));
                }
                (Some(_), b'\n') => {
                    self.nl_in_quotes.get_or_insert(i);
                    self.pos = i + 1;
                }
                (Some(_), _) => {
                    if i + 1 == buf.len() && !eof {
                        self.pos = i; // is it `""`? the next byte tells
                        return Stop::More;
                    }
                    match buf.get(i + 1) {
                        Some(b'"') => self.pos = i + 2,
                        next => {
                            self.dirty_close |= next
                                .is_some_and(|b| !matches!(b, b'\n' | b'\r') && *b != self.delim);
                            self.quote = None;
                            self.pos = i + 1;
                        }
                    }
                }
                (None, b'\n') => {
                    if let Some(bad) = self.end_record(buf, i, i + 1) {
                        return Stop::Bad(bad);
                    }
                    self.pos = i + 1;
                    if self.first_only {
                        return Stop::More;
                    }
                }
                (None, _) => {
                    let field_start = i == self.rec_start
                        || matches!(buf[i - 1], b'\n' | b'\r')
                        || buf[i - 1] == self.delim;
                    if field_start {
                        self.quote = Some(i);
                    } else {
                        self.dirty_close = true;
                    }
                    self.pos = i + 1;
                }
            }
        }
    }

    /// Everything up to the end of `buf` is scanned, outside quotes: the last record ends with
    /// the input, or waits for more unless it is already too long.
    fn at_end(&mut self, buf: &[u8], eof: bool) -> Stop {
        if eof && self.rec_start < buf.len() {
            if let Some(bad) = self.end_record(buf, buf.len(), buf.len()) {
                return Stop::Bad(bad);
            }
        } else if buf.len() - self.rec_start > self.max_line {
            return Stop::Bad(BadRecord {
                kind: BadKind::LongLine,
                quote_at: None,
                resume: None,
            });
        }
        Stop::More
    }

    /// The record from `rec_start` ends at `end` (its line end, or the end of the input) and
    /// the next one starts at `next`. A record whose quoted field spans lines must be as wide
    /// as the header and close its quotes cleanly, else a stray quote has swallowed the lines
    /// after it.
    fn end_record(&mut self, buf: &[u8], end: usize, next: usize) -> Option<BadRecord> {
        let dirty = std::mem::take(&mut self.dirty_close);
        if let Some(nl) = self.nl_in_quotes.take() {
            if self.width > 0 {
                let fields = count_fields(&buf[self.rec_start..end], self.delim);
                if fields != self.width || dirty {
                    return Some(BadRecord {
                        kind: BadKind::Misaligned { fields },
                        quote_at: None,
                        resume: Some(nl + 1),
                    });
                }
            }
        }
        self.rec_start = next;
        None
    }

    /// The quoted field opened at `quote` never closes (soon enough): the record is bad and
    /// reading goes on after the first line end inside quotes.
    fn bad_quote(&self, buf: &[u8], kind: BadKind) -> BadRecord {
        let q = self.quote.unwrap_or(self.rec_start);
        let nl = self
            .nl_in_quotes
            .or_else(|| memchr::memchr(b'\n', &buf[q..]).map(|k| q + k));
        BadRecord {
            resume: match (nl, &kind) {
                (Some(nl), _) => Some(nl + 1),
                (None, BadKind::Unclosed) => Some(buf.len()),
                (None, _) => None,
            },
            quote_at: Some(q),
            kind,
        }
    }
}

/// Fields of one CSV record (`bytes` holds exactly one record, quoted line ends included).
fn count_fields(bytes: &[u8], delim: u8) -> usize {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => rec.len(),
        _ => 0,
    }
}

/// Newlines in `bytes`.
fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// The bad record at the start of `buf` (`quote_at` relative to it, starting on `line`) in
/// words, with the line where reading goes on.
fn describe_bad(
    buf: &[u8],
    bad: &BadRecord,
    line: u64,
    opts: &CsvOptions,
    width: usize,
) -> FieldIssue {
    let quote_line = bad.quote_at.map_or(line, |q| line + newlines(&buf[..q]));
    let resume_line = bad
        .resume
        .map(|r| line + newlines(&buf[..r.min(buf.len())]));
    let goes_on = match resume_line {
        Some(r) => format!("reading goes on at line {r}"),
        None => "reading goes on after the next line end".to_string(),
    };
    let why = match bad.kind {
        BadKind::Runaway => format!(
            "the quoted field opened on line {quote_line} is still open after {} bytes (a stray quote?); this row is skipped and {goes_on}",
            opts.max_field_bytes
        ),
        BadKind::Unclosed => format!(
            "the quoted field opened on line {quote_line} is never closed (a stray quote?); this row is skipped and {goes_on}"
        ),
        BadKind::Misaligned { fields } if fields != width => format!(
            "the quoted field opened on line {quote_line} runs over several lines and leaves the row with {fields} fields, the header has {width} (a stray quote?); this row is skipped and {goes_on}"
        ),
        BadKind::Misaligned { .. } => format!(
            "the quoted field opened on line {quote_line} runs over several lines and the row has quotes inside its fields (a stray quote?); this row is skipped and {goes_on}"
        ),
        BadKind::LongLine => format!(
            "the line is longer than {} bytes without a line end; it is skipped and {goes_on}",
            opts.max_line_bytes()
        ),
    };
    FieldIssue::new("(row)", why)
}

/// Hands pieces to the workers, numbered in file order.
struct Pieces {
    tx: mpsc::SyncSender<(u64, Piece)>,
    next: u64,
}

impl Pieces {
    fn send(&mut self, piece: Piece) -> bool {
        self.next += 1;
        self.tx.send((self.next - 1, piece)).is_ok()
    }
}

/// Hand the whole records before the cutter's `rec_start` to a worker; false when the workers
/// are gone.
fn send_rows(
    tx: &mut Pieces,
    buf: &mut Vec<u8>,
    cut: &mut Cutter,
    line: &mut u64,
    any_rows: &mut bool,
) -> bool {
    let end = cut.rec_start;
    if end == 0 {
        return true;
    }
    let rest = buf.split_off(end);
    let bytes = std::mem::replace(buf, rest);
    cut.shift(end);
    let lines = newlines(&bytes);
    *any_rows |= bytes.iter().any(|b| !b.is_ascii_whitespace());
    let first_line = *line;
    *line += lines;
    tx.send(Piece::Rows(Chunk {
        first_line,
        lines,
        bytes,
    }))
}

fn read_csv<R, B, S, Bind, Make>(
    path: &Path,
    opts: &CsvOptions,
    r: R,
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
    let mut input = Input {
        r,
        path,
        cr_lines: false,
        eof: false,
    };
    let mut buf = Vec::with_capacity(chunk * 2);
    input.fill(&mut buf, 64 << 10)?;
    if buf.starts_with(&[0xff, 0xfe]) || buf.starts_with(&[0xfe, 0xff]) {
        return Err(input_err(
            path,
            "file is UTF-16 encoded; save it as UTF-8 and try again",
        ));
    }
    if buf.starts_with(&[0xef, 0xbb, 0xbf]) {
        buf.drain(..3);
    }
    // a file whose first line ends with a lone `\r` (old Mac exports) has `\r` line ends
    if let Some(i) = memchr::memchr2(b'\r', b'\n', &buf) {
        if buf[i] == b'\r' && buf.get(i + 1).is_some_and(|b| *b != b'\n') {
            input.cr_lines = true;
            for b in &mut buf {
                if *b == b'\r' {
                    *b = b'\n';
                }
            }
        }
    }
    // the header: the first record, cut by the same rules, within tighter bounds (no export
    // has a header line of a MiB; a file without line ends is refused after reading that much)
    let header_opts = CsvOptions {
        max_field_bytes: opts.max_field_bytes.min(MAX_HEADER_BYTES),
        ..*opts
    };
    let mut cut = Cutter::new(&header_opts, 0, true);
    cut.max_line = MAX_HEADER_BYTES;
    let header_end = loop {
        match cut.scan(&buf, input.eof) {
            Stop::More if cut.rec_start > 0 => break cut.rec_start,
            Stop::More if input.eof => break 0,
            Stop::More => input.fill(&mut buf, 64 << 10)?,
            Stop::Bad(bad) => {
                let why = match bad.kind {
                    BadKind::LongLine => format!(
                        "line 1 (the header) is longer than {MAX_HEADER_BYTES} bytes without a line end; is this a CSV file? It starts {:?}",
                        excerpt(&String::from_utf8_lossy(&buf[..buf.len().min(120)]), 80)
                    ),
                    _ => format!(
                        "line 1 (the header) has a quoted field that is never closed within {} bytes; check the quotes of the header line",
                        header_opts.max_field_bytes
                    ),
                };
                return Err(input_err(path, why));
            }
        }
    };
    if header_end == 0 || buf[..header_end].iter().all(|b| b.is_ascii_whitespace()) {
        return Err(input_err(path, "file is empty (expected a header line)"));
    }
    let mut hdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(opts.delimiter)
        .from_reader(&buf[..header_end]);
    let mut rec = csv::ByteRecord::new();
    hdr.read_byte_record(&mut rec).map_err(|e| {
        input_err(
            path,
            format!(
                "line 1: cannot read the header: {}",
                excerpt(&e.to_string(), 200)
            ),
        )
    })?;
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
    let mut line = 1 + newlines(&buf[..header_end]);
    buf.drain(..header_end);

    let n_workers = workers();
    let (tx, rx) = mpsc::sync_channel::<(u64, Piece)>(n_workers * 2);
    let mut tx = Pieces { tx, next: 0 };
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
                        let piece = match rx.lock() {
                            Ok(g) => g.recv(),
                            Err(_) => break,
                        };
                        let Ok((seq, piece)) = piece else { break };
                        sink.piece_start(seq);
                        match piece {
                            Piece::Rows(chunk) => {
                                sink.chunk(chunk.first_line, chunk.lines + 1);
                                if !parse_plain_chunk(&chunk, width, opts.delimiter, &mut sink) {
                                    parse_chunk(&chunk, width, opts.delimiter, &mut rec, &mut sink);
                                }
                            }
                            Piece::Bad { line, issue, raw } => {
                                sink.chunk(line, 1);
                                sink.bad_row(line, issue, raw);
                            }
                        }
                        sink.piece_end();
                    }
                    sink
                })
            })
            .collect();
        let mut cut = Cutter::new(opts, width, false);
        let result = (|| -> Result<()> {
            loop {
                input.fill(&mut buf, chunk)?;
                loop {
                    let bad = match cut.scan(&buf, input.eof) {
                        Stop::More => break,
                        Stop::Bad(bad) => bad,
                    };
                    let end = cut.rec_start;
                    if !send_rows(&mut tx, &mut buf, &mut cut, &mut line, &mut any_rows) {
                        return Ok(());
                    }
                    let bad = BadRecord {
                        quote_at: bad.quote_at.map(|q| q - end),
                        resume: bad.resume.map(|r| r - end),
                        kind: bad.kind,
                    };
                    let issue = describe_bad(&buf, &bad, line, opts, width);
                    let shown = bad.resume.unwrap_or(buf.len()).min(buf.len());
                    let prefix = buf[..shown.min(RAW_MAX)].to_vec();
                    let mut total = shown;
                    let bad_line = line;
                    match bad.resume {
                        Some(r) => {
                            line += newlines(&buf[..r]);
                            buf.drain(..r);
                        }
                        None => {
                            // skip to the next line end of the input, holding none of it
                            loop {
                                buf.clear();
                                if input.eof {
                                    break;
                                }
                                input.fill(&mut buf, chunk)?;
                                if let Some(j) = memchr::memchr(b'\n', &buf) {
                                    total += j;
                                    buf.drain(..=j);
                                    line += 1;
                                    break;
                                }
                                total += buf.len();
                            }
                        }
                    }
                    cut.restart();
                    any_rows = true;
                    let raw = raw_text(&prefix, total);
                    let piece = Piece::Bad {
                        line: bad_line,
                        issue,
                        raw,
                    };
                    if !tx.send(piece) {
                        return Ok(());
                    }
                }
                if !send_rows(&mut tx, &mut buf, &mut cut, &mut line, &mut any_rows) {
                    return Ok(());
                }
                if input.eof {
                    return Ok(());
                }
            }
        })();
        drop(tx);
        let mut result = result;
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

/// The records of a small CSV text held whole (series, requirements, holiday lists), cut by
/// the rules and limits of [`read_csv_rows`] in file order with their physical line numbers,
/// so a stray quote costs its own row there too. Blank lines are skipped; the header is the
/// first record (line 1) and sets the width a record spanning lines must have.
pub struct TextRecords<'b> {
    bytes: &'b [u8],
    off: usize,
    line: u64,
    opts: CsvOptions,
    cut: Cutter,
}

/// A row the cutter refused (a stray quote, a field or line past the limits): the reason, and
/// at most [`RAW_MAX`] bytes of the row with its length.
pub type BadText = (FieldIssue, String);

impl<'b> TextRecords<'b> {
    pub fn new(bytes: &'b [u8], opts: &CsvOptions) -> Self {
        TextRecords {
            bytes,
            off: 0,
            line: 1,
            opts: *opts,
            cut: Cutter::new(opts, 0, true),
        }
    }

    /// The next record into `rec` with its line, or the line and why none could be cut there;
    /// `None` at the end of the text.
    pub fn read(
        &mut self,
        rec: &mut csv::ByteRecord,
    ) -> Option<(u64, std::result::Result<(), BadText>)> {
        while self.off < self.bytes.len() {
            let rest = &self.bytes[self.off..];
            let line = self.line;
            let (step, item) = match self.cut.scan(rest, true) {
                Stop::More => {
                    let end = self.cut.rec_start.clamp(1, rest.len());
                    let text = &rest[..end];
                    let record = !text.iter().all(u8::is_ascii_whitespace) && {
                        let mut rdr = csv::ReaderBuilder::new()
                            .has_headers(false)
                            .flexible(true)
                            .delimiter(self.opts.delimiter)
                            .from_reader(text);
                        matches!(rdr.read_byte_record(rec), Ok(true))
                    };
                    (end, record.then_some(Ok(())))
                }
                Stop::Bad(bad) => {
                    let issue = describe_bad(rest, &bad, line, &self.opts, self.cut.width);
                    let end = match bad.resume {
                        Some(r) => r.min(rest.len()),
                        None => memchr::memchr(b'\n', rest).map_or(rest.len(), |j| j + 1),
                    };
                    (
                        end,
                        Some(Err((issue, raw_text(&rest[..end.min(RAW_MAX)], end)))),
                    )
                }
            };
            self.line += newlines(&rest[..step]);
            self.off += step;
            self.cut.restart();
            if let Some(item) = item {
                if self.cut.width == 0 && item.is_ok() {
                    self.cut.width = rec.len();
                }
                return Some((line, item));
            }
        }
        None
    }
}

/// The header of a text read whole, as text; a file-level error when there is none.
pub fn read_header(
    rdr: &mut TextRecords<'_>,
    rec: &mut csv::ByteRecord,
    path: &Path,
) -> Result<csv::StringRecord> {
    match rdr.read(rec) {
        None => Err(input_err(path, "file is empty (expected a header line)")),
        Some((_, Err((why, _)))) => Err(input_err(
            path,
            format!("line 1: cannot read the header: {}", why.reason),
        )),
        Some((line, Ok(()))) => text_record(line, Ok(()), rec, path),
    }
}

/// A record of a text read whole, as text, for inputs where a bad row stops the command: a
/// row the cutter refused or text that is not UTF-8 is an error naming the file and line.
pub fn text_record(
    line: u64,
    cut: std::result::Result<(), BadText>,
    rec: &csv::ByteRecord,
    path: &Path,
) -> Result<csv::StringRecord> {
    if let Err((why, _)) = cut {
        return Err(input_err(path, format!("line {line}: {}", why.reason)));
    }
    csv::StringRecord::from_byte_record(rec.clone())
        .map_err(|_| input_err(path, format!("line {line}: is not valid UTF-8 text")))
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
        raw_line(self.fields.iter().map(|f| f.as_bytes()))
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
mod tests;
