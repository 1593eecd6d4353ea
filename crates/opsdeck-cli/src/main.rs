//! The `opsdeck` binary: a thin command-line layer over the engine and the store.
//!
//! Exit codes: 0 success; 1 failure (message on stderr); 2 usage error (from clap);
//! 3 the command ran but rejected rows of its input (listed on stderr and, for `ingest`, in the
//! quarantine file).

mod cmd_contract;
mod cmd_demo;
mod cmd_facts;
mod cmd_forecast;
mod cmd_ingest;
mod cmd_kpi;
mod cmd_mine;
mod cmd_plan;
mod cmd_schedule;
mod cmd_scorecard;
mod cmd_setup;
mod cmd_sla;
mod cmd_sla_clocks;
mod cmd_staffing;
mod context;
mod output;
mod profile_args;
mod progress;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "opsdeck",
    version,
    about = "Operations command center for BPO service delivery"
)]
struct Cli {
    #[command(flatten)]
    global: context::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build a sample organisation with ~90 days of contacts and print its scorecard.
    Demo(cmd_demo::DemoArgs),
    /// Declare and show reference data (sites, clients, programs, calendars, queues).
    #[command(subcommand)]
    Setup(cmd_setup::SetupCommand),
    /// Ingest operational data into the workspace.
    #[command(subcommand)]
    Ingest(cmd_ingest::IngestCommand),
    /// Per queue × interval KPI table straight from a contact file (no workspace).
    Kpi(cmd_kpi::KpiArgs),
    /// KPI scorecard from the workspace, rolled up by period and entity.
    Scorecard(cmd_scorecard::ScorecardArgs),
    /// Maintain the fact store.
    #[command(subcommand)]
    Facts(cmd_facts::FactsCommand),
    /// Client contracts: commercial lines, versioned SLAs, credit scheme.
    #[command(subcommand)]
    Contract(cmd_contract::ContractCommand),
    /// SLA attainment, service credits and the figures behind them.
    #[command(subcommand)]
    Sla(cmd_sla::SlaCommand),
    /// Required agents per interval (Erlang C or Erlang A) from a CSV of intervals.
    Staffing(cmd_staffing::StaffingArgs),
    /// Agents per shift pattern and day covering per-interval requirements at least cost.
    Schedule(cmd_schedule::ScheduleArgs),
    /// Interval volume forecast (daily and weekly seasonality) from a history file, or its backtest.
    Forecast(cmd_forecast::ForecastArgs),
    /// Capacity plan and what-if scenario for a workspace queue: forecast, agents per site,
    /// projected service level, abandonment and staffing gap.
    Plan(cmd_plan::PlanArgs),
    /// Process mining of a case event log (CSV or XES): DFG, variants, rework, ping-pong,
    /// bottlenecks, automation candidates.
    #[command(subcommand)]
    Mine(cmd_mine::MineCommand),
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo(a) => cmd_demo::run(&cli.global, a),
        Command::Setup(c) => cmd_setup::run(&cli.global, c),
        Command::Ingest(c) => cmd_ingest::run(&cli.global, c),
        Command::Kpi(a) => cmd_kpi::run(a),
        Command::Scorecard(a) => cmd_scorecard::run(&cli.global, a),
        Command::Facts(c) => cmd_facts::run(&cli.global, c),
        Command::Contract(c) => cmd_contract::run(&cli.global, c),
        Command::Sla(c) => cmd_sla::run(&cli.global, c),
        Command::Staffing(a) => cmd_staffing::run(a),
        Command::Schedule(a) => cmd_schedule::run(a),
        Command::Forecast(a) => cmd_forecast::run(a),
        Command::Plan(a) => cmd_plan::run(&cli.global, a),
        Command::Mine(c) => cmd_mine::run(c),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("opsdeck: error: {}", message(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes on one line, leaving out a cause whose text the message already
/// holds (many library errors repeat their source in their own message).
fn message(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}
