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

impl FieldIssue {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldIssue {
            field: field.into(),
            reason: reason.into(),
        }
    }
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
            raw: rec
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}
