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
    let raw: RawOrg = opsdeck_engine::io::from_toml(text)
        .map_err(|m| anyhow::anyhow!("{}: {m}", path.display()))?;
    Org::from_raw(&raw).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(raw)
}

/// Apply reference data and return the report.
pub fn apply(ctx: &Context, raw: &RawOrg) -> Result<ApplyReport> {
    let r = ctx.rt.block_on(ctx.store.apply_org(raw))?;
    if r.changed() {
        let body = serde_json::to_vec(raw).unwrap_or_default();
        ctx.audit("setup.apply", "reference data", None, &body);
    }
    Ok(r)
}

pub fn print_report(r: &ApplyReport) -> Result<()> {
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
            outln!("{kind:<9} {}", parts.join(", "));
        }
        if !e.updated.is_empty() {
            outln!("          updated: {}", e.updated.join(", "));
        }
    }
    if !r.changed() {
        outln!("nothing changed");
    }
    Ok(())
}

/// After reference data changed: recompute the interval facts of every client with a queue
/// whose facts settings changed (one atomic commit), and say what and why.
pub fn refresh_facts(ctx: &Context, old: &Org, new: &Org) -> Result<Vec<String>> {
    let (_, id) = crate::context::now_and_batch_id();
    let tag = format!("r{}", id.trim_start_matches('b'));
    let (changes, parts) = opsdeck_engine::workspace::ingest::refresh_after_setup(
        &ctx.writer(&tag, None),
        old,
        new,
        &tag,
    )?;
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let mut lines: Vec<String> = changes
        .iter()
        .map(|(q, what)| format!("queue {q}: {what}"))
        .collect();
    if parts.is_empty() {
        lines.push("no contacts stored for them yet: nothing to recompute".into());
    } else {
        lines.push(format!(
            "interval facts recomputed with the new settings: {}",
            parts.join(", ")
        ));
    }
    Ok(lines)
}

pub fn run(g: &GlobalArgs, c: SetupCommand) -> Result<ExitCode> {
    match c {
        SetupCommand::Apply { file, json } => {
            let text = opsdeck_engine::io::read_toml_file(&file, "a setup file")?;
            let raw = read_setup(&text, &file)?;
            if raw == RawOrg::default() {
                note!(
                    "opsdeck setup apply: {} declares no [[site]], [[client]], [[program]], [[calendar]] or [[queue]] (see docs/formats.md)",
                    file.display()
                );
            }
            let ctx = Context::create(g, g.home())?;
            let old = Org::from_raw(&ctx.raw_org()?).unwrap_or_default();
            let report = apply(&ctx, &raw)?;
            // the setup is committed: what follows cannot undo it, and says what it left
            // undone rather than fail as if nothing had been stored
            let mut warnings = Vec::new();
            let refreshed = match ctx.raw_org() {
                Ok(stored) => {
                    let new =
                        Org::from_raw(&stored).context("the stored reference data is not valid")?;
                    refresh_facts(&ctx, &old, &new).context(
                        "the setup is stored, but recomputing the facts it changed failed; run `opsdeck facts rebuild` once the cause is fixed",
                    )?
                }
                Err(e) => {
                    let w = format!(
                        "the setup is stored, but it could not be read back to recompute the facts it changes ({}); run `opsdeck facts rebuild` when the store answers again",
                        crate::errors::message(&e)
                    );
                    note!("opsdeck: warning: {w}");
                    warnings.push(w);
                    Vec::new()
                }
            };
            if json {
                let mut v = serde_json::to_value(&report)?;
                v["facts_recomputed"] = serde_json::json!(refreshed);
                v["warnings"] = serde_json::json!(warnings);
                outln!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print_report(&report)?;
                for l in refreshed {
                    outln!("{l}");
                }
            }
        }
        SetupCommand::Show { format } => {
            let ctx = Context::open_read(g)?;
            let raw = ctx.raw_org()?;
            match format {
                ShowFormat::Toml => outln!("{}", toml::to_string(&raw)?.trim_end()),
                ShowFormat::Json => outln!("{}", serde_json::to_string_pretty(&raw)?),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
