//! One input row whatever the file format, and the problems a row can have: a field and a
//! reason ([`FieldIssue`], from the row's reader) and, with the file and line added, the
//! quarantined [`RowIssue`].

use super::parse::Cell;

/// One input row, whatever the file format.
pub trait Row {
    /// The cell at column `i`; an error when the bytes are not valid UTF-8 text.
    fn cell(&self, i: usize) -> std::result::Result<Cell<'_>, String>;
    /// Number of cells in this row.
    fn width(&self) -> usize;
    /// The row as text, for the quarantine file.
    fn raw(&self) -> String;
}

/// A row-level problem: which field and why. The reader adds file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    pub field: String,
    pub reason: String,
}

/// Longest reason a row issue keeps (a reason that quotes a huge cell is cut).
pub const REASON_MAX: usize = 1024;
/// Longest text of a rejected row kept in the quarantine file: a bounded prefix and the row's
/// length in bytes.
pub const RAW_MAX: usize = 2048;

impl FieldIssue {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        FieldIssue {
            field: super::excerpt(&field.into(), 200),
            reason: if reason.len() > REASON_MAX {
                super::excerpt(&reason, REASON_MAX)
            } else {
                reason
            },
        }
    }
}

/// Fields joined by commas for the quarantine file: at most [`RAW_MAX`] bytes, then `…` and the
/// row's whole length, so a row with a huge field cannot make the report huge.
pub fn raw_line<T: AsRef<[u8]>>(fields: impl IntoIterator<Item = T>) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut total = 0usize;
    for (i, f) in fields.into_iter().enumerate() {
        let f = f.as_ref();
        if i > 0 {
            total += 1;
            if out.len() < RAW_MAX {
                out.push(b',');
            }
        }
        total += f.len();
        let room = RAW_MAX.saturating_sub(out.len()).min(f.len());
        out.extend_from_slice(&f[..room]);
    }
    raw_text(&out, total)
}

/// `prefix` (the first bytes of a row of `total` bytes) as text for the quarantine file.
pub fn raw_text(prefix: &[u8], total: usize) -> String {
    let cut = &prefix[..prefix.len().min(RAW_MAX)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if total > cut.len() {
        s.push_str(&format!("… ({total} bytes in all)"));
    }
    s
}

/// A rejected row: where and why. The quarantine file holds these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIssue {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub reason: String,
    pub raw: String,
}

impl std::fmt::Display for RowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.reason
        )
    }
}

impl RowIssue {
    /// An issue with a CSV record, whose fields (lossily decoded) become the quarantined row.
    pub fn from_record(
        file: &str,
        line: u64,
        field: &str,
        reason: String,
        rec: &csv::ByteRecord,
    ) -> Self {
        RowIssue {
            file: file.to_string(),
            line,
            field: field.to_string(),
            reason,
            raw: raw_line(rec.iter()),
        }
    }
}
