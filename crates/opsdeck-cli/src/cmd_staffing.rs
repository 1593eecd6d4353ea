//! `opsdeck staffing`: required agents per interval from a CSV of intervals, or from a
//! forecast with one value for every interval of what the forecast lacks (no workspace).

use crate::output::{self, Format};
use anyhow::Result;
use opsdeck_engine::inputs::staffing::{ModelKind, StaffingDefaults};
use opsdeck_engine::views::staffing::{
    output_columns, staffing_cells, staffing_from_file, StaffingRow,
};
use opsdeck_engine::views::table::{self, Table};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    /// M/M/N, infinite patience; pyworkforce's conventions.
    ErlangC,
    /// M/M/N+M; reads the `patience_seconds` column.
    ErlangA,
}

#[derive(clap::Args, Debug)]
pub struct StaffingArgs {
    /// Intervals CSV (or CSV.gz): interval_id, calls, aht_seconds, interval_seconds, target_sl,
    /// target_answer_seconds, max_occupancy, shrinkage [, patience_seconds]; or an `opsdeck
    /// forecast` CSV (ts, forecast) with the flags below for the rest.
    #[arg(long, short = 'i')]
    pub input: PathBuf,
    /// Queueing model.
    #[arg(long, value_enum, default_value_t = ModelArg::ErlangC)]
    pub model: ModelArg,
    /// Average handle time of every interval, seconds (replaces the aht_seconds column).
    #[arg(long, value_name = "SECONDS")]
    pub aht_s: Option<f64>,
    /// Interval length, seconds (replaces interval_seconds).
    #[arg(long, value_name = "SECONDS")]
    pub interval_s: Option<f64>,
    /// Service-level target, 0–1 (replaces target_sl).
    #[arg(long, value_name = "FRACTION")]
    pub target_sl: Option<f64>,
    /// Service-level threshold T, seconds (replaces target_answer_seconds).
    #[arg(long, value_name = "SECONDS")]
    pub answer_s: Option<f64>,
    /// Occupancy cap, (0, 1]; 1 disables it (replaces max_occupancy).
    #[arg(long, value_name = "FRACTION")]
    pub max_occupancy: Option<f64>,
    /// Shrinkage, [0, 1) (replaces shrinkage).
    #[arg(long, value_name = "FRACTION")]
    pub shrinkage: Option<f64>,
    /// Mean patience for erlang-a, seconds (replaces patience_seconds).
    #[arg(long, value_name = "SECONDS")]
    pub patience_s: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

pub fn run(a: StaffingArgs) -> Result<ExitCode> {
    let kind = match a.model {
        ModelArg::ErlangC => ModelKind::ErlangC,
        ModelArg::ErlangA => ModelKind::ErlangA,
    };
    let defaults = StaffingDefaults {
        aht_s: a.aht_s,
        interval_s: a.interval_s,
        target_sl: a.target_sl,
        answer_s: a.answer_s,
        max_occupancy: a.max_occupancy,
        shrinkage: a.shrinkage,
        patience_s: a.patience_s,
    };
    let run = staffing_from_file(&a.input, kind, &defaults)?;
    let mut out = output::open(a.output.as_deref())?;
    if a.format == Format::Csv {
        write_csv(&mut out, &run.rows, kind)?;
    } else {
        let rows: Vec<_> = run.rows.iter().map(|r| staffing_cells(r, kind)).collect();
        output::write(
            &mut out,
            a.format,
            &Table::new(output_columns(kind).to_vec(), rows),
        )?;
    }
    out.flush()?;
    crate::cmd_kpi::report_rejected("staffing", &run.issues);
    Ok(if run.issues.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

/// The CSV table written straight from the rows (the same text as `output::write`, without a
/// cell vector per row), formatted in blocks on all cores: on large files this is most of the
/// command's time.
fn write_csv(out: &mut dyn Write, rows: &[StaffingRow], kind: ModelKind) -> Result<()> {
    Ok(table::write_csv_blocks(
        out,
        output_columns(kind),
        rows,
        |block, text| csv_text(block, kind, text),
    )?)
}

fn csv_text(rows: &[StaffingRow], kind: ModelKind, out: &mut Vec<u8>) {
    let num = |out: &mut Vec<u8>, v: Option<f64>| {
        out.push(b',');
        if let Some(f) = v {
            table::push_num(out, f);
        }
    };
    for r in rows {
        let s = &r.staffing;
        out.extend_from_slice(table::csv_field(&r.interval_id).as_bytes());
        // writing to a Vec cannot fail
        let _ = write!(out, ",{},{}", s.raw_agents, s.agents);
        num(out, s.service_level);
        num(out, s.occupancy);
        num(out, s.wait_probability);
        num(out, s.asa_s);
        if kind == ModelKind::ErlangA {
            num(out, s.abandon_rate);
        }
        out.push(b'\n');
    }
}
