//! `opsdeck setup apply FILE` and `opsdeck setup show`: reference data in and out.

use crate::context::{Context, GlobalArgs};
use anyhow::{Context as _, Result};
use opsdeck_core::{Org, RawOrg};
use opsdeck_store::{ApplyReport, Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum SetupCommand {
    /// Apply a setup file (TOML): create what is new, update what changed, keep the rest.
    Apply {
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the stored reference data.
    Show {
        #[arg(long, value_enum, default_value_t = ShowFormat::Toml)]
        format: ShowFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    Toml,
    Json,
}

/// Parse and validate a setup file.
pub fn read_setup(text: &str, path: &Path) -> Result<RawOrg> {
    let raw: RawOrg = toml::from_str(text)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim()))?;
    Org::from_raw(&raw).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(raw)
}

/// Apply reference data and return the report.
pub fn apply(ctx: &Context, raw: &RawOrg) -> Result<ApplyReport> {
    Ok(ctx.rt.block_on(ctx.store.apply_org(raw))?)
}

pub fn print_report(r: &ApplyReport) {
    for (kind, e) in r.kinds() {
        let mut parts = Vec::new();
        for (label, ids) in [
            ("created", &e.created),
            ("updated", &e.updated),
            ("unchanged", &e.unchanged),
            ("not in file, kept", &e.not_in_file),
        ] {
            if !ids.is_empty() {
                parts.push(format!("{} {label}", ids.len()));
            }
        }
        if !parts.is_empty() {
            println!("{kind:<9} {}", parts.join(", "));
        }
        if !e.updated.is_empty() {
            println!("          updated: {}", e.updated.join(", "));
        }
    }
    if !r.changed() {
        println!("nothing changed");
    }
}

pub fn run(g: &GlobalArgs, c: SetupCommand) -> Result<ExitCode> {
    let ctx = Context::open(g, None)?;
    match c {
        SetupCommand::Apply { file, json } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let raw = read_setup(&text, &file)?;
            if raw == RawOrg::default() {
                eprintln!(
                    "opsdeck setup apply: {} declares no [[site]], [[client]], [[program]], [[calendar]] or [[queue]] (see docs/formats.md)",
                    file.display()
                );
            }
            let report = apply(&ctx, &raw)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_report(&report);
            }
        }
        SetupCommand::Show { format } => {
            let raw = ctx.raw_org()?;
            match format {
                ShowFormat::Toml => print!("{}", toml::to_string(&raw)?),
                ShowFormat::Json => println!("{}", serde_json::to_string_pretty(&raw)?),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
