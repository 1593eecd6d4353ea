//! Staffing intervals (`opsdeck staffing --input`): one row per interval with calls, AHT,
//! interval length, target and occupancy cap (and patience for Erlang A), read in parallel
//! chunks and validated; bad rows name file, line and field. A forecast file (`ts, forecast`)
//! is read too: its timestamp is the interval id, its forecast the calls, and the other
//! columns take one value for every row ([`StaffingDefaults`]).

use crate::error::{input_err, EngineError, Result};
use crate::io::csv_reader::{read_csv_rows, CsvOptions, RowSink};
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
/// Columns read as the interval id when `interval_id` is absent: a schedule's or a forecast's
/// interval start.
pub const ID_ALIASES: [&str; 2] = ["interval_start", "ts"];
/// Column read as the calls when `calls` is absent: a forecast's volume.
pub const CALLS_ALIAS: &str = "forecast";

/// One value for every row in place of a column (a value given here wins over the column).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StaffingDefaults {
    pub aht_s: Option<f64>,
    pub interval_s: Option<f64>,
    pub target_sl: Option<f64>,
    pub answer_s: Option<f64>,
    pub max_occupancy: Option<f64>,
    pub shrinkage: Option<f64>,
    pub patience_s: Option<f64>,
}

impl StaffingDefaults {
    /// The value of input field `i` (the order of `INPUT_COLUMNS`, then patience), and the
    /// request parameter that sets it.
    fn get(&self, i: usize) -> (Option<f64>, &'static str) {
        match i {
            2 => (self.aht_s, "aht_s"),
            3 => (self.interval_s, "interval_s"),
            4 => (self.target_sl, "target_sl"),
            5 => (self.answer_s, "answer_s"),
            6 => (self.max_occupancy, "max_occupancy"),
            7 => (self.shrinkage, "shrinkage"),
            8 => (self.patience_s, "patience_s"),
            _ => (None, ""),
        }
    }

    /// Every value given in its domain (checked with the core's rules on an otherwise valid
    /// interval); the error names the parameter.
    pub fn validate(&self) -> Result<()> {
        let d = StaffingInput {
            calls: 0.0,
            aht_s: self.aht_s.unwrap_or(1.0),
            interval_s: self.interval_s.unwrap_or(1.0),
            target_sl: self.target_sl.unwrap_or(0.5),
            answer_s: self.answer_s.unwrap_or(0.0),
            max_occupancy: self.max_occupancy.unwrap_or(1.0),
            shrinkage: self.shrinkage.unwrap_or(0.0),
        };
        let bad = |param: &'static str, e: StaffingError| {
            EngineError::invalid(param, format!("{e} (the value given for every interval)"))
        };
        if let Err(e) = d.validate() {
            let param = match &e {
                StaffingError::Invalid { field, .. } => {
                    match INPUT_COLUMNS.iter().position(|c| c == field) {
                        Some(i) => self.get(i).1,
                        None => "aht_s",
                    }
                }
                StaffingError::NoSolution { .. } => "aht_s",
            };
            return Err(bad(param, e));
        }
        if let Some(p) = self.patience_s {
            Model::ErlangA { patience_s: p }
                .validate()
                .map_err(|e| bad("patience_s", e))?;
        }
        Ok(())
    }
}

/// Where an input field comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    Column(usize),
    Value(f64),
}

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
    cols: [Source; 9],
    /// The column each field is read from (an alias when the usual name is absent).
    names: [&'static str; 9],
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
        match parse_row(row, &b.cols, &b.names, b.kind) {
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
                }) => {
                    let used = INPUT_COLUMNS
                        .iter()
                        .position(|c| *c == field)
                        .map_or(field, |i| b.names[i]);
                    issue(used, format!("{value} is out of range: {reason}"))
                }
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
/// `defaults` replace columns (and stand in for missing ones).
pub fn read_intervals(
    path: &Path,
    kind: ModelKind,
    defaults: &StaffingDefaults,
) -> Result<(Vec<IntervalRow>, Vec<RowIssue>)> {
    defaults.validate()?;
    let bind = |header: &[String]| -> Result<Binding> {
        let mut cols = [Source::Value(0.0); 9];
        let mut names: [&'static str; 9] =
            std::array::from_fn(|i| INPUT_COLUMNS.get(i).copied().unwrap_or(PATIENCE_COLUMN));
        let mut wanted: Vec<&'static str> = INPUT_COLUMNS.to_vec();
        if kind == ModelKind::ErlangA {
            wanted.push(PATIENCE_COLUMN);
        }
        let find = |name: &str| header.iter().position(|h| h == name);
        for (i, name) in wanted.iter().enumerate() {
            let (value, param) = defaults.get(i);
            if let Some(v) = value {
                cols[i] = Source::Value(v);
                continue;
            }
            let alias = match i {
                0 => ID_ALIASES.iter().find_map(|a| find(a).map(|c| (c, *a))),
                1 => find(CALLS_ALIAS).map(|c| (c, CALLS_ALIAS)),
                _ => None,
            };
            cols[i] = match find(name).map(|c| (c, *name)).or(alias) {
                Some((c, used)) => {
                    names[i] = used;
                    Source::Column(c)
                }
                None if i == 0 => {
                    return Err(input_err(
                        path,
                        format!("missing column {name} (or {})", ID_ALIASES.join(", ")),
                    ))
                }
                None if i == 1 => {
                    return Err(input_err(
                        path,
                        format!("missing column {name} (or {CALLS_ALIAS})"),
                    ))
                }
                None => {
                    let why = if *name == PATIENCE_COLUMN {
                        " (erlang-a needs each interval's mean patience)"
                    } else {
                        ""
                    };
                    return Err(EngineError::invalid(
                        param,
                        format!(
                            "{}: missing column {name}{why}; give the column or one value for every interval",
                            path.display()
                        ),
                    ));
                }
            };
        }
        Ok(Binding {
            cols,
            names,
            kind,
            file: path.display().to_string(),
        })
    };
    let make = |bind: Arc<Binding>| Shard {
        bind,
        runs: Vec::new(),
        issues: Vec::new(),
    };
    let shards = read_csv_rows(path, &CsvOptions::default(), bind, make, &|_| {})?;
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
    cols: &[Source; 9],
    names: &[&'static str; 9],
    kind: ModelKind,
) -> std::result::Result<ParsedRow, (&'static str, String)> {
    let name = |i: usize| names[i];
    let text = |i: usize| -> std::result::Result<&str, (&'static str, String)> {
        let Source::Column(c) = cols[i] else {
            return Err((name(i), "not a column".to_string()));
        };
        let s = match row.cell(c).map_err(|why| (name(i), why))? {
            Cell::Str(s) => s.trim(),
            _ => "",
        };
        if s.is_empty() {
            return Err((name(i), "missing value".to_string()));
        }
        Ok(s)
    };
    let num = |i: usize| -> std::result::Result<f64, (&'static str, String)> {
        if let Source::Value(v) = cols[i] {
            return Ok(v);
        }
        let s = text(i)?;
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err((name(i), format!("not a number: {}", crate::io::quoted(s)))),
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
