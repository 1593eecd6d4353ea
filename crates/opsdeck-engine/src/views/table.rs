//! The output tables' cells.

/// A table cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    /// `None` is undefined (empty in CSV, null in JSON).
    Num(Option<f64>),
}
