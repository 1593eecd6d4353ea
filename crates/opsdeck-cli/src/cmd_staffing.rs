//! `opsdeck staffing`: required agents per interval from a CSV of intervals (no workspace).

use crate::output::{self, Format};
use anyhow::{Context, Result};
use opsdeck_engine::staffing::{output_columns, staffing_cells, staffing_from_file, ModelKind};
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
    /// target_answer_seconds, max_occupancy, shrinkage [, patience_seconds].
    #[arg(long, short = 'i')]
    pub input: PathBuf,
    /// Queueing model.
    #[arg(long, value_enum, default_value_t = ModelArg::ErlangC)]
    pub model: ModelArg,
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
    let run = staffing_from_file(&a.input, kind)?;
    let rows: Vec<_> = run.rows.iter().map(|r| staffing_cells(r, kind)).collect();
    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    output::write(&mut out, a.format, output_columns(kind), &rows)?;
    out.flush()?;
    crate::cmd_kpi::report_rejected("staffing", &run.issues);
    Ok(if run.issues.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
