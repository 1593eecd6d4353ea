//! The `opsdeck` binary: a thin command-line layer over the engine and the store.
//!
//! Exit codes: 0 success (also when a reader of standard output closes it early, as `head`
//! does); 1 failure (message on stderr); 2 usage error (from clap, and ids that name nothing,
//! with the nearest known ones); 3 the command ran but rejected rows of its input (listed on
//! stderr and, for `ingest`, in the quarantine file).

/// `println!` that returns an error instead of panicking when standard output is closed.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($t)*)?
    }};
}

/// `eprintln!` that never panics (a closed standard error loses the note, nothing else).
macro_rules! note {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($t)*);
    }};
}

mod cmd_access;
mod cmd_backlog;
mod cmd_contract;
mod cmd_demo;
mod cmd_facts;
mod cmd_forecast;
mod cmd_ingest;
mod cmd_ingest_cases;
mod cmd_kpi;
mod cmd_mine;
mod cmd_plan;
mod cmd_report;
mod cmd_schedule;
mod cmd_scorecard;
mod cmd_serve;
mod cmd_setup;
mod cmd_sla;
mod cmd_sla_clocks;
mod cmd_staffing;
mod cmd_tables;
mod context;
mod errors;
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
    /// Ingest operational data into the workspace; replace or withdraw a batch.
    #[command(subcommand)]
    Ingest(cmd_ingest::IngestCommand),
    /// Per queue × interval KPI table straight from a contact file (no workspace).
    Kpi(cmd_kpi::KpiArgs),
    /// KPI scorecard from the workspace, rolled up by period and entity.
    Scorecard(cmd_scorecard::ScorecardArgs),
    /// The open cases of a ticket queue at an instant, breaching soonest first.
    Backlog(cmd_backlog::BacklogArgs),
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
    /// Every output table's columns, kinds and meaning (docs/formats.md §7).
    Tables(cmd_tables::TablesArgs),
    /// The dashboard and the HTTP API over the workspace, with logins and client-scoped
    /// access (docs/server.md, docs/dashboard.md).
    Serve(cmd_serve::ServeArgs),
    /// Users of `opsdeck serve`: add, list, disable, enable, set-role, set-password.
    #[command(subcommand)]
    User(cmd_access::UserCommand),
    /// API tokens: create (printed once), revoke, list.
    #[command(subcommand)]
    Token(cmd_access::TokenCommand),
    /// The hash-chained audit trail: verify, show.
    #[command(subcommand)]
    Audit(cmd_access::AuditCommand),
    /// A review pack drafted from the data: monthly service review, QBR or board pack, as
    /// self-contained HTML and PDF.
    Report(cmd_report::ReportArgs),
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo(a) => cmd_demo::run(&cli.global, a),
        Command::Setup(c) => cmd_setup::run(&cli.global, c),
        Command::Ingest(c) => cmd_ingest::run(&cli.global, c),
        Command::Kpi(a) => cmd_kpi::run(a),
        Command::Scorecard(a) => cmd_scorecard::run(&cli.global, a),
        Command::Backlog(a) => cmd_backlog::run(&cli.global, a),
        Command::Facts(c) => cmd_facts::run(&cli.global, c),
        Command::Contract(c) => cmd_contract::run(&cli.global, c),
        Command::Sla(c) => cmd_sla::run(&cli.global, c),
        Command::Staffing(a) => cmd_staffing::run(a),
        Command::Schedule(a) => cmd_schedule::run(&cli.global, a),
        Command::Forecast(a) => cmd_forecast::run(a),
        Command::Plan(a) => cmd_plan::run(&cli.global, a),
        Command::Mine(c) => cmd_mine::run(c),
        Command::Tables(a) => cmd_tables::run(a),
        Command::Serve(a) => cmd_serve::run(&cli.global, a),
        Command::User(c) => cmd_access::run_user(&cli.global, c),
        Command::Token(c) => cmd_access::run_token(&cli.global, c),
        Command::Audit(c) => cmd_access::run_audit(&cli.global, c),
        Command::Report(a) => cmd_report::run(&cli.global, a),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) if errors::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            note!("opsdeck: error: {}", errors::message(&e));
            ExitCode::from(errors::exit_code(&e))
        }
    }
}
