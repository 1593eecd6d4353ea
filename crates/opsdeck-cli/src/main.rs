//! The `opsdeck` binary: a thin command-line layer over the engine and the store.
//!
//! Exit codes: 0 success; 1 failure (message on stderr); 2 usage error (from clap);
//! 3 the command ran but rejected rows of the input (see the quarantine report).

mod cmd_kpi;
mod profile_args;
mod progress;
mod output;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "opsdeck", version, about = "Operations command center for BPO service delivery")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Per queue × interval KPI table straight from a contact file (no workspace).
    Kpi(cmd_kpi::KpiArgs),
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Kpi(a) => cmd_kpi::run(a),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("opsdeck: error: {e:#}");
            ExitCode::from(1)
        }
    }
}
