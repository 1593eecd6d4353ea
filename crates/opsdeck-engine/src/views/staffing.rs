//! Staffing from a CSV of intervals (`opsdeck staffing`): reads and validates the rows, naming
//! file, line and field of every bad one, and computes the requirement of each good row with
//! `opsdeck_core::staffing` on all cores.

use crate::error::Result;
use crate::inputs::staffing::{read_intervals, IntervalRow, ModelKind, StaffingDefaults};
use crate::io::RowIssue;
use crate::views::table::{col, Column, Kind, Value};
use opsdeck_core::staffing::{required_agents, Staffing, StaffingError};
use std::path::Path;

/// Output columns; Erlang A adds `abandon_rate`.
pub static OUTPUT_COLUMNS: [Column; 8] = [
    col(
        "interval_id",
        Kind::Text,
        "the input row's interval_id (or interval_start, or a forecast's ts)",
    ),
    col(
        "raw_agents",
        Kind::Count,
        "agents on the phones to meet the target and the occupancy cap",
    ),
    col(
        "agents",
        Kind::Count,
        "agents to schedule: raw_agents grossed up for shrinkage",
    ),
    col(
        "service_level",
        Kind::Fraction,
        "answered within the target time, at raw_agents",
    ),
    col(
        "occupancy",
        Kind::Fraction,
        "busy share of raw_agents' time",
    ),
    col(
        "wait_probability",
        Kind::Fraction,
        "share of contacts that wait at all",
    ),
    col("asa_s", Kind::Seconds, "mean wait of answered contacts"),
    col(
        "abandon_rate",
        Kind::Fraction,
        "Erlang A only: share of contacts that abandon",
    ),
];

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

/// Required agents of every row of `path`, computed on up to `crate::io::workers()` threads;
/// `defaults` give one value for every row in place of a column.
pub fn staffing_from_file(
    path: &Path,
    kind: ModelKind,
    defaults: &StaffingDefaults,
) -> Result<StaffingRun> {
    let (rows, mut issues) = read_intervals(path, kind, defaults)?;
    let results = compute(&rows);
    let file = path.display().to_string();
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
    let workers = crate::io::workers();
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
pub fn output_columns(kind: ModelKind) -> &'static [Column] {
    match kind {
        ModelKind::ErlangC => &OUTPUT_COLUMNS[..7],
        ModelKind::ErlangA => &OUTPUT_COLUMNS[..],
    }
}
