//! `opsdeck schedule`: agents per shift pattern and day from per-interval requirements and a
//! shifts file (no workspace), with coverage and shortages per interval.

use crate::output::{self, Format};
use anyhow::{Context, Result};
use opsdeck_core::schedule::{build_model, solve, SolveOptions};
use opsdeck_engine::inputs::schedule::{read_requirements, read_shifts};
use opsdeck_engine::views::schedule::{interval_table, shift_table};
use opsdeck_engine::views::table::{self, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ScheduleArgs {
    /// Requirements CSV: interval_start (local time), required.
    #[arg(long)]
    pub requirements: PathBuf,
    /// Shifts TOML: zone, interval_minutes, [[shift]] patterns (docs/formats.md).
    #[arg(long)]
    pub shifts: PathBuf,
    /// Output format (json holds the summary, the shifts and the intervals).
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Write the shifts table (or the json document) to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Also write coverage per interval (interval_start, required, coverage, shortage) as CSV.
    #[arg(long)]
    pub intervals: Option<PathBuf>,
    /// Most ruin-and-recreate rounds of the search after the first local optimum.
    #[arg(long, default_value_t = SolveOptions::default().iterations)]
    pub iterations: u32,
    /// Stop the search after this many rounds in a row without a better schedule.
    #[arg(long, default_value_t = SolveOptions::default().patience)]
    pub patience: u32,
    /// Most LPs the branch-and-bound solves per independent block.
    #[arg(long, default_value_t = SolveOptions::default().nodes)]
    pub nodes: u32,
    /// Seed of the search (same seed, same answer).
    #[arg(long, default_value_t = SolveOptions::default().seed)]
    pub seed: u64,
}

pub fn run(a: ScheduleArgs) -> Result<ExitCode> {
    let spec = read_shifts(&a.shifts)?;
    let reqs = read_requirements(&a.requirements, spec.zone, spec.interval_min)?;
    let model = build_model(&spec, reqs.into_iter().map(|(_, r)| r).collect())
        .with_context(|| format!("{}", a.shifts.display()))?;
    let names: Vec<String> = spec.patterns.iter().map(|p| p.name.clone()).collect();
    let t0 = std::time::Instant::now();
    let s = solve(
        &model,
        &SolveOptions {
            seed: a.seed,
            iterations: a.iterations,
            patience: a.patience,
            nodes: a.nodes,
        },
    );
    let solve_s = t0.elapsed().as_secs_f64();
    let shifts = shift_table(&model, &s, spec.zone, &names);
    let intervals = interval_table(&model, &s, spec.zone);
    let mut out = output::open(a.output.as_deref())?;
    let short_intervals = intervals
        .rows
        .iter()
        .filter(|r| matches!(r[3], Value::Int(v) if v > 0))
        .count();
    let agents: u32 = s.counts.iter().sum();
    if a.format == Format::Json {
        let doc = serde_json::json!({
            "summary": {
                "agents": agents,
                "shift_cost": s.shift_cost,
                "shortage": s.shortage,
                "short_intervals": short_intervals,
                "over_coverage": s.over,
                "abs_deviation": s.abs_deviation(),
                "shortage_penalty": model.penalty,
                "objective": s.objective,
                "lower_bound": s.lower_bound,
                "gap": s.gap(),
            },
            "shifts": table::json_rows(&shifts),
            "intervals": table::json_rows(&intervals),
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        output::write(&mut out, a.format, &shifts)?;
    }
    out.flush()?;
    if let Some(p) = &a.intervals {
        let mut f = output::open(Some(p))?;
        output::write(&mut f, Format::Csv, &intervals)?;
        f.flush()?;
    }
    let bound = match (s.lower_bound, s.gap()) {
        (Some(b), Some(g)) => format!(
            "objective {}, lower bound {}, gap {:.2} %",
            output::num(s.objective),
            output::num(b),
            100.0 * g
        ),
        _ => format!(
            "objective {} (no lower bound: a block was too large for the lp)",
            output::num(s.objective)
        ),
    };
    note!(
        "opsdeck schedule: {agents} agents on {} shifts, cost {}; shortage {} agent-intervals in \
         {short_intervals} intervals; over-coverage {}; {bound}; {} intervals, {} shift instances, \
         solved in {:.3} s",
        shifts.rows.len(),
        output::num(s.shift_cost),
        s.shortage,
        s.over,
        model.requirements.len(),
        model.instances.len(),
        solve_s
    );
    Ok(ExitCode::SUCCESS)
}
