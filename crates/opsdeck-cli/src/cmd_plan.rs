//! `opsdeck plan`: capacity plan and what-if scenario over a workspace queue (history →
//! forecast → requirements → split across sites → projected service level), as tables or JSON.

use crate::context::{Context, GlobalArgs};
use crate::output::{self, Format};
use anyhow::Result;
use chrono::NaiveDate;
use opsdeck_engine::inputs::scenario::{read_scenario, ScenarioSpec};
use opsdeck_engine::views::plan::{
    describe, plan, table as plan_table, to_json, PlanRequest, PlanView, StaffingModel,
};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    ErlangC,
    ErlangA,
}

#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    /// Queue to plan.
    #[arg(long)]
    pub queue: String,
    /// First plan date (YYYY-MM-DD, in the queue calendar's zone).
    #[arg(long)]
    pub from: NaiveDate,
    /// Number of plan days.
    #[arg(long)]
    pub days: u32,
    /// Weeks of history before --from used for the forecast, AHT, patience and site shares.
    #[arg(long, default_value_t = 8)]
    pub history_weeks: u32,
    /// Model of the requirement; the projection uses Erlang A whenever patience can be estimated.
    #[arg(long, value_enum, default_value_t = ModelArg::ErlangC)]
    pub model: ModelArg,
    /// Shrinkage, a fraction in [0, 1): grosses productive hours up to FTE.
    #[arg(long, default_value_t = 0.30)]
    pub shrinkage: f64,
    /// Occupancy cap of the requirement, a fraction in (0, 1].
    #[arg(long, default_value_t = 0.85)]
    pub max_occupancy: f64,
    /// Paid hours of one FTE per week.
    #[arg(long, default_value_t = 40.0)]
    pub fte_hours: f64,
    /// Scenario file (TOML: volume_pct, aht_delta_s, [[outage]], [sites.<id>] share / seats).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Volume change in percent (overrides the scenario file).
    #[arg(long, allow_hyphen_values = true)]
    pub volume_pct: Option<f64>,
    /// AHT change in seconds (overrides the scenario file).
    #[arg(long, allow_hyphen_values = true)]
    pub aht_delta_s: Option<f64>,
    /// A site unavailable on local dates FROM..TO inclusive: SITE:FROM:TO (repeatable; replaces
    /// the scenario file's outages).
    #[arg(long, value_name = "SITE:FROM:TO")]
    pub outage: Vec<String>,
    /// Rows of the table: interval, day or site (json holds all three).
    #[arg(long, default_value = "interval")]
    pub by: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(g: &GlobalArgs, a: PlanArgs) -> Result<ExitCode> {
    let view: PlanView = a.by.parse().map_err(anyhow::Error::msg)?;
    let mut scenario = match &a.scenario {
        Some(p) => {
            let text = opsdeck_engine::io::read_toml_file(p, "a scenario file")?;
            read_scenario(&text, p)?
        }
        None => ScenarioSpec::default(),
    };
    let outages: Vec<(String, String)> = a
        .outage
        .iter()
        .map(|o| (format!("--outage {o}"), o.clone()))
        .collect();
    scenario.override_with(a.volume_pct, a.aht_delta_s, &outages)?;
    let ctx = Context::open_read(g)?;
    let org = ctx.org()?;
    let req = PlanRequest {
        queue: a.queue.clone(),
        from: a.from,
        days: a.days,
        history_weeks: a.history_weeks,
        model: match a.model {
            ModelArg::ErlangC => StaffingModel::ErlangC,
            ModelArg::ErlangA => StaffingModel::ErlangA,
        },
        shrinkage: a.shrinkage,
        max_occupancy: a.max_occupancy,
        fte_hours_per_week: a.fte_hours,
        scenario,
    };
    let report = plan(&ctx.ws, &ctx.scope, &org, &req)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match a.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &to_json(&report))?;
            writeln!(out)?;
        }
        Format::Csv | Format::Table => {
            for line in describe(&report.estimates) {
                if a.format == Format::Table {
                    writeln!(out, "{line}")?;
                } else {
                    note!("{line}");
                }
            }
            if a.format == Format::Table {
                writeln!(out)?;
            }
            output::write(&mut out, a.format, &plan_table(&report, view))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
