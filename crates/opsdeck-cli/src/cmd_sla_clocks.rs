//! `opsdeck sla clocks`: ticket / case SLA clocks run stand-alone on an event log (CSV or XES)
//! with a clock policy file; per case and clock, or (`--compare`) the agreement of the clocks'
//! verdicts with the log's own per-case SLA flag.

use crate::output::{self, Format};
use anyhow::{Context, Result};
use opsdeck_engine::eventlog::{Keep, LogOptions};
use opsdeck_engine::inputs::clock_policy::read_policies;
use opsdeck_engine::views::case_clocks::{
    agreement, agreement_table, clock_table, instant_text, run_case_clocks, ClockRunOptions,
};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ClocksArgs {
    /// The log and its columns; every column is a field the policy can test.
    #[command(flatten)]
    pub src: crate::cmd_mine::LogSource,
    /// Clock policy file (TOML, `[[clock]]` tables; docs/formats.md §9).
    #[arg(long)]
    pub policy: PathBuf,
    /// Column with the case's opening time (read on its first event, same format as the
    /// timestamps): clocks start there when it is not later than the first event.
    #[arg(long = "start-at")]
    pub start_at: Option<String>,
    /// With --start-at: the activity (status) of the opening update (default: the first
    /// event's), e.g. "New".
    #[arg(long = "start-activity", requires = "start_at")]
    pub start_activity: Option<String>,
    /// Measure running clocks up to this instant (ISO 8601; default: the log's last event).
    #[arg(long = "as-of")]
    pub as_of: Option<String>,
    /// Instead of the clocks: compare each case's verdict (breached if any clock breached) with
    /// this column's value on its last event (true = SLA met).
    #[arg(long)]
    pub compare: Option<String>,
    /// With --compare: also one row per value of this column (its value on the last event).
    #[arg(long = "compare-by", requires = "compare")]
    pub compare_by: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

pub fn run(a: ClocksArgs) -> Result<ExitCode> {
    let opts = LogOptions {
        keep: Keep::All,
        ..a.src.options()?
    };
    let (zone, ts_format) = (opts.zone, opts.ts_format.clone());
    let as_of = a
        .as_of
        .as_deref()
        .map(|s| crate::context::instant_arg(s, zone, "--as-of"))
        .transpose()?;
    let text = opsdeck_engine::io::read_toml_file(&a.policy, "a clock policy file")?;
    let policies = read_policies(&text, &a.policy, None)?;
    let read = a.src.read(&opts)?;
    let log = &read.log;
    let named = |n: &Option<String>, flag: &str| -> Result<()> {
        if let Some(n) = n {
            anyhow::ensure!(
                log.column(n).is_some() || log.activity.name == *n,
                "{flag} {n:?}: no such column in {} (columns: {})",
                a.src.log.display(),
                read.columns.attributes.join(", ")
            );
        }
        Ok(())
    };
    named(&a.start_at, "--start-at")?;
    named(&a.compare, "--compare")?;
    named(&a.compare_by, "--compare-by")?;
    let run = run_case_clocks(
        log,
        &policies,
        &ClockRunOptions {
            start_at: a.start_at.clone(),
            start_activity: a.start_activity.clone(),
            ts_format,
            zone,
            as_of,
        },
    );
    let mut out = output::open(a.output.as_deref())?;
    let column = |n: &str| {
        log.column(n)
            .or((log.activity.name == n).then_some(&log.activity))
    };
    if let Some(c) = &a.compare {
        let exp = column(c).context("compare column")?;
        let by = a.compare_by.as_deref().and_then(column);
        output::write(
            &mut out,
            a.format,
            &agreement_table(&agreement(log, &run, exp, by)),
        )?;
    } else {
        output::write(&mut out, a.format, &clock_table(&run))?;
    }
    out.flush()?;
    // what was read and left out, on stderr; exit 3 when anything was left out
    let file = a.src.log.display();
    note!(
        "opsdeck sla clocks: {} events in {} cases; {} clocks from {} policies; {} cases without a clock; as of {}",
        log.n_events(),
        run.cases,
        run.clocks.len(),
        policies.len(),
        run.cases_without_clock,
        instant_text(run.as_of)
    );
    let left_out = read.issue_count + run.issues.len() as u64;
    for i in read.issues.iter().chain(run.issues.iter()).take(20) {
        note!(
            "{}",
            crate::errors::listed(format!("{file}:{}: {}: {}", i.line, i.field, i.reason))
        );
    }
    if left_out > 20 {
        note!("… and {} more", left_out - 20);
    }
    Ok(if left_out > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}
