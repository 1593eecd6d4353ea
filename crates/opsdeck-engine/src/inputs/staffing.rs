//! Staffing intervals (`opsdeck staffing --input`): one row per interval with calls, AHT,
//! interval length, target and occupancy cap (and patience for Erlang A), read in parallel
//! chunks and validated; bad rows name file, line and field.

use crate::error::{input_err, Result};
use crate::io::csv_reader::{read_csv_rows, RowSink};
use crate::io::parse::Cell;
use crate::io::{FieldIssue, Row, RowIssue};
use opsdeck_core::staffing::{Model, StaffingError, StaffingInput};
use std::path::Path;
use std::sync::Arc;

/// Input columns, in the order of `StaffingInput`'s fields after `interval_id`.
pub const INPUT_COLUMNS: [&str; 8] = [
    "interval_id",
    "calls",
    "aht_seconds",
    "interval_seconds",
    "target_sl",
    "target_answer_seconds",
    "max_occupancy",
    "shrinkage",
];
/// The extra input column of Erlang A.
pub const PATIENCE_COLUMN: &str = "patience_seconds";

/// The model asked for on the command line; Erlang A reads the patience of each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    ErlangC,
    ErlangA,
}

/// One interval of the input, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalRow {
    pub interval_id: String,
    /// 1-based line of the file.
    pub line: u64,
    pub input: StaffingInput,
    pub model: Model,
}

/// Column positions of the input, bound from the header once.
struct Binding {
    cols: [usize; 9],
    kind: ModelKind,
    file: String,
}

/// One reader thread's rows: runs of consecutive rows, each tagged with the line its chunk
/// starts on, so the runs of all threads put back together give file order.
struct Shard {
    bind: Arc<Binding>,
    runs: Vec<(u64, Vec<IntervalRow>)>,
    issues: Vec<RowIssue>,
}

impl RowSink for Shard {
    fn chunk(&mut self, first_line: u64, _lines: u64) {
        self.runs.push((first_line, Vec::new()));
    }
    fn row<R: Row>(&mut self, row: &R, line: u64) {
        let b = &*self.bind;
        let mut issue = |field: &str, reason: String| {
            self.issues.push(RowIssue {
                file: b.file.clone(),
                line,
                field: field.to_string(),
                reason,
                raw: row.raw(),
            })
        };
        match parse_row(row, &b.cols, b.kind) {
            Ok((id, input, model)) => match input.validate().and_then(|()| model.validate()) {
                Ok(()) => {
                    let r = IntervalRow {
                        interval_id: id,
                        line,
                        input,
                        model,
                    };
                    match self.runs.last_mut() {
                        Some((_, run)) => run.push(r),
                        None => self.runs.push((line, vec![r])),
                    }
                }
                Err(StaffingError::Invalid {
                    field,
                    value,
                    reason,
                }) => issue(field, format!("{value} is out of range: {reason}")),
                Err(e) => issue("", e.to_string()),
            },
            Err((field, reason)) => issue(field, reason),
        }
    }
    fn bad_row(&mut self, line: u64, issue: FieldIssue, raw: String) {
        self.issues.push(RowIssue {
            file: self.bind.file.clone(),
            line,
            field: issue.field,
            reason: issue.reason,
            raw,
        });
    }
}

/// Read the intervals of `path` (CSV, plain or gzip; parsed in parallel chunks). Bad rows
/// become `RowIssue`s; a missing column, an empty file or one without data rows is an error.
pub fn read_intervals(path: &Path, kind: ModelKind) -> Result<(Vec<IntervalRow>, Vec<RowIssue>)> {
    let bind = |header: &[String]| -> Result<Binding> {
        let mut cols = [0usize; 9];
        let mut wanted: Vec<&str> = INPUT_COLUMNS.to_vec();
        if kind == ModelKind::ErlangA {
            wanted.push(PATIENCE_COLUMN);
        }
        for (i, name) in wanted.iter().enumerate() {
            cols[i] = header.iter().position(|h| h == name).ok_or_else(|| {
                let why = if *name == PATIENCE_COLUMN {
                    " (erlang-a needs each interval's mean patience)"
                } else {
                    ""
                };
                input_err(path, format!("missing column {name}{why}"))
            })?;
        }
        Ok(Binding {
            cols,
            kind,
            file: path.display().to_string(),
        })
    };
    let make = |bind: Arc<Binding>| Shard {
        bind,
        runs: Vec::new(),
        issues: Vec::new(),
    };
    let shards = read_csv_rows(path, b',', bind, make, &|_| {})?;
    let mut runs = Vec::new();
    let mut issues = Vec::new();
    for s in shards {
        runs.extend(s.runs);
        issues.extend(s.issues);
    }
    runs.sort_unstable_by_key(|r| r.0);
    // a header without data rows is an error of `read_csv_rows`: every row read is here
    let rows: Vec<IntervalRow> = runs.into_iter().flat_map(|r| r.1).collect();
    Ok((rows, issues))
}

type ParsedRow = (String, StaffingInput, Model);

fn parse_row<R: Row>(
    row: &R,
    cols: &[usize; 9],
    kind: ModelKind,
) -> std::result::Result<ParsedRow, (&'static str, String)> {
    let name = |i: usize| {
        if i < 8 {
            INPUT_COLUMNS[i]
        } else {
            PATIENCE_COLUMN
        }
    };
    let text = |i: usize| -> std::result::Result<&str, (&'static str, String)> {
        let s = match row.cell(cols[i]).map_err(|why| (name(i), why))? {
            Cell::Str(s) => s.trim(),
            _ => "",
        };
        if s.is_empty() {
            return Err((name(i), "missing value".to_string()));
        }
        Ok(s)
    };
    let num = |i: usize| -> std::result::Result<f64, (&'static str, String)> {
        let s = text(i)?;
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err((name(i), format!("not a number: {s:?}"))),
        }
    };
    let id = text(0)?.to_string();
    let input = StaffingInput {
        calls: num(1)?,
        aht_s: num(2)?,
        interval_s: num(3)?,
        target_sl: num(4)?,
        answer_s: num(5)?,
        max_occupancy: num(6)?,
        shrinkage: num(7)?,
    };
    let model = match kind {
        ModelKind::ErlangC => Model::ErlangC,
        ModelKind::ErlangA => Model::ErlangA {
            patience_s: num(8)?,
        },
    };
    Ok((id, input, model))
}
