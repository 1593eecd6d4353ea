//! The input layer: reading bytes, rows and cells of files (CSV, Parquet, XML), timestamps
//! and local time, and the row-level issues every reader reports. It imports nothing of the
//! engine above it (contacts, event logs, inputs, the workspace or the views).

pub mod csv_reader;
pub mod parquet;
pub mod parse;
pub mod row;
pub mod text;
pub mod time;
pub(crate) mod xml;

use crate::error::{input_err, io_err, Result};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

pub use row::{FieldIssue, Row, RowIssue};
pub use text::{from_toml, quoted, read_toml_file, MAX_TOML_BYTES, MAX_WHOLE_TEXT_BYTES};
pub use time::{LocalResolver, Readings};

/// A whole small text file (CSV, plain or gzip; `what` it is, for messages: "a volume
/// series") in memory: gzip inflated, a UTF-8 byte-order mark dropped; a file (or its inflated
/// content) over [`MAX_WHOLE_TEXT_BYTES`], UTF-16, a truncated gzip and a blank file are
/// errors naming the file.
pub(crate) fn read_whole_text(path: &Path, what: &str) -> Result<Vec<u8>> {
    let mut bytes = text::read_capped(path, MAX_WHOLE_TEXT_BYTES, what, true)?;
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

/// What a file holds, told by its first bytes.
pub(crate) enum FileKind {
    Csv { gzip: bool },
    Parquet,
}

/// The kind of `path` from its first bytes; an empty file is an error naming it.
pub(crate) fn sniff(path: &Path) -> Result<FileKind> {
    let mut f = File::open(path).map_err(io_err(path))?;
    let mut magic = [0u8; 4];
    let n = f.read(&mut magic).map_err(io_err(path))?;
    if n == 0 {
        return Err(input_err(path, "file is empty (expected a header line)"));
    }
    Ok(match &magic[..n] {
        [0x1f, 0x8b, ..] => FileKind::Csv { gzip: true },
        b"PAR1" => FileKind::Parquet,
        _ => FileKind::Csv { gzip: false },
    })
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

/// At most `max` bytes of `s` for a message (cut at a character boundary), followed by `…` and
/// the full length when cut, so no input can make a message long.
pub fn excerpt(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..end], s.len())
}
