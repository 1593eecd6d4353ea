//! Staffing from a CSV of intervals (`opsdeck staffing`): reads and validates the rows, naming
//! file, line and field of every bad one, and computes the requirement of each good row with
//! `opsdeck_core::staffing` on all cores.

use crate::aggregate::{RowIssue, Value};
use crate::error::{input_err, Result};
use opsdeck_core::staffing::{required_agents, Model, Staffing, StaffingError, StaffingInput};
use std::path::Path;

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

/// Output columns; Erlang A adds `abandon_rate`.
pub const OUTPUT_COLUMNS: [&str; 8] = [
    "interval_id",
    "raw_agents",
    "agents",
    "service_level",
    "occupancy",
    "wait_probability",
    "asa_s",
    "abandon_rate",
];

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

/// The requirement of one interval.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffingRow {
    pub interval_id: String,
    pub staffing: Staffing,
}

/// Result of a run: good rows in file order and the rejected ones.
#[derive(Debug, Default)]
pub struct StaffingRun {
    pub rows: Vec<StaffingRow>,
    pub issues: Vec<RowIssue>,
}

fn file_name(path: &Path) -> String {
    path.display().to_string()
}

/// Read the intervals of `path` (CSV, plain or gzip). Bad rows become `RowIssue`s; a missing
/// column, an empty file or one without data rows is an error.
pub fn read_intervals(path: &Path, kind: ModelKind) -> Result<(Vec<IntervalRow>, Vec<RowIssue>)> {
    let bytes = crate::read::read_whole_text(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(&bytes[..]);
    let header = rdr
        .byte_headers()
        .map_err(|e| input_err(path, format!("cannot read the header line: {e}")))?
        .clone();
    if header.is_empty() || header.iter().all(|h| h.is_empty()) {
        return Err(input_err(path, "file is empty (expected a header line)"));
    }
    let find = |name: &str| {
        header.iter().position(|h| {
            h.strip_prefix(b"\xef\xbb\xbf").unwrap_or(h).trim_ascii() == name.as_bytes()
        })
    };
    let mut cols = [0usize; 9];
    let mut wanted: Vec<&str> = INPUT_COLUMNS.to_vec();
    if kind == ModelKind::ErlangA {
        wanted.push(PATIENCE_COLUMN);
    }
    for (i, name) in wanted.iter().enumerate() {
        cols[i] = find(name).ok_or_else(|| {
            let why = if *name == PATIENCE_COLUMN {
                " (erlang-a needs each interval's mean patience)"
            } else {
                ""
            };
            input_err(path, format!("missing column {name}{why}"))
        })?;
    }
    let file = file_name(path);
    let mut rows = Vec::new();
    let mut issues = Vec::new();
    let mut rec = csv::ByteRecord::new();
    // physical line numbers from the bytes (the csv crate's lag after \r\n line ends)
    let mut lines = crate::read::LineCounter {
        bytes: &bytes,
        at: 0,
        line: 1,
    };
    loop {
        let start = rdr.position().byte();
        let more = rdr.read_byte_record(&mut rec);
        let line = lines.line_at(start);
        match more {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(input_err(path, format!("line {line}: {e}"))),
        }
        let issue = |field: &str, reason: String, rec: &csv::ByteRecord| {
            RowIssue::from_record(&file, line, field, reason, rec)
        };
        match parse_row(&rec, &cols, kind) {
            Ok((id, input, model)) => match input.validate().and_then(|()| model.validate()) {
                Ok(()) => rows.push(IntervalRow {
                    interval_id: id,
                    line,
                    input,
                    model,
                }),
                Err(StaffingError::Invalid {
                    field,
                    value,
                    reason,
                }) => issues.push(issue(
                    field,
                    format!("{value} is out of range: {reason}"),
                    &rec,
                )),
                Err(e) => issues.push(issue("", e.to_string(), &rec)),
            },
            Err((field, reason)) => issues.push(issue(field, reason, &rec)),
        }
    }
    if rows.is_empty() && issues.is_empty() {
        return Err(input_err(path, "no intervals after the header line"));
    }
    Ok((rows, issues))
}

type ParsedRow = (String, StaffingInput, Model);

fn parse_row(
    rec: &csv::ByteRecord,
    cols: &[usize; 9],
    kind: ModelKind,
) -> std::result::Result<ParsedRow, (&'static str, String)> {
    let text = |i: usize| -> std::result::Result<&str, (&'static str, String)> {
        let name = if i < 8 {
            INPUT_COLUMNS[i]
        } else {
            PATIENCE_COLUMN
        };
        let raw = rec.get(cols[i]).unwrap_or_default();
        let s = std::str::from_utf8(raw)
            .map_err(|_| (name, "is not valid UTF-8".to_string()))?
            .trim();
        if s.is_empty() {
            return Err((name, "missing value".to_string()));
        }
        Ok(s)
    };
    let num = |i: usize| -> std::result::Result<f64, (&'static str, String)> {
        let s = text(i)?;
        let name = if i < 8 {
            INPUT_COLUMNS[i]
        } else {
            PATIENCE_COLUMN
        };
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err((name, format!("not a number: {s:?}"))),
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

/// Required agents of every row of `path`, computed on up to `crate::read::workers()` threads.
pub fn staffing_from_file(path: &Path, kind: ModelKind) -> Result<StaffingRun> {
    let (rows, mut issues) = read_intervals(path, kind)?;
    let results = compute(&rows);
    let file = file_name(path);
    let mut out = Vec::with_capacity(rows.len());
    for (row, res) in rows.into_iter().zip(results) {
        match res {
            Ok(staffing) => out.push(StaffingRow {
                interval_id: row.interval_id,
                staffing,
            }),
            Err(e) => issues.push(RowIssue {
                file: file.clone(),
                line: row.line,
                field: String::new(),
                reason: e.to_string(),
                raw: String::new(),
            }),
        }
    }
    issues.sort_by_key(|i| i.line);
    Ok(StaffingRun { rows: out, issues })
}

/// The requirement of each row, in order, split over worker threads.
pub fn compute(rows: &[IntervalRow]) -> Vec<std::result::Result<Staffing, StaffingError>> {
    let one = |r: &IntervalRow| required_agents(&r.input, r.model);
    let workers = crate::read::workers();
    if workers < 2 || rows.len() < 4096 {
        return rows.iter().map(one).collect();
    }
    // interleaved blocks balance the cost, which grows with the load of the row
    let block = 1024;
    let mut out: Vec<Option<std::result::Result<Staffing, StaffingError>>> = vec![None; rows.len()];
    std::thread::scope(|s| {
        let mut slots: Vec<Vec<(usize, &mut [Option<_>])>> =
            (0..workers).map(|_| Vec::new()).collect();
        for (b, chunk) in out.chunks_mut(block).enumerate() {
            slots[b % workers].push((b * block, chunk));
        }
        for mine in slots {
            s.spawn(move || {
                for (start, chunk) in mine {
                    for (i, slot) in chunk.iter_mut().enumerate() {
                        *slot = Some(one(&rows[start + i]));
                    }
                }
            });
        }
    });
    out.into_iter()
        .map(|r| r.expect("every row computed"))
        .collect()
}

/// Output cells of one row in `OUTPUT_COLUMNS` order (without `abandon_rate` for Erlang C).
pub fn staffing_cells(r: &StaffingRow, kind: ModelKind) -> Vec<Value> {
    let s = &r.staffing;
    let mut v = vec![
        Value::Text(r.interval_id.clone()),
        Value::Int(s.raw_agents as i64),
        Value::Int(s.agents as i64),
        Value::Num(s.service_level),
        Value::Num(s.occupancy),
        Value::Num(s.wait_probability),
        Value::Num(s.asa_s),
    ];
    if kind == ModelKind::ErlangA {
        v.push(Value::Num(s.abandon_rate));
    }
    v
}

/// The output columns of `kind`.
pub fn output_columns(kind: ModelKind) -> &'static [&'static str] {
    match kind {
        ModelKind::ErlangC => &OUTPUT_COLUMNS[..7],
        ModelKind::ErlangA => &OUTPUT_COLUMNS[..],
    }
}
