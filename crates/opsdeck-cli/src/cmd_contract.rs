//! `opsdeck contract apply FILE` and `opsdeck contract show`: client contracts in and out of the
//! store (every changed apply is kept as a new revision).

use crate::context::{now_and_batch_id, Context, GlobalArgs};
use anyhow::Result;
use opsdeck_core::Org;
use opsdeck_engine::inputs::contract::read_contract;
use opsdeck_store::{ContractApplyReport, ContractRevision, RawContract, Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum ContractCommand {
    /// Apply a contract file (TOML, docs/formats.md): a new revision when it changed, nothing
    /// when identical.
    Apply {
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print stored contracts (latest revision), or one contract's revision history.
    Show {
        /// Only this client's contracts.
        #[arg(long)]
        client: Option<String>,
        /// Only this contract.
        #[arg(long)]
        contract: Option<String>,
        /// List every revision of the contract(s) instead of the latest one's content.
        #[arg(long)]
        revisions: bool,
        #[arg(long, value_enum, default_value_t = crate::cmd_setup::ShowFormat::Toml)]
        format: crate::cmd_setup::ShowFormat,
    },
}

/// Read, validate against the stored organisation and store a contract file.
pub fn apply_file(
    ctx: &Context,
    org: &Org,
    text: &str,
    path: &Path,
) -> Result<ContractApplyReport> {
    let (raw, _) = read_contract(text, path, org)?;
    let (now, _) = now_and_batch_id();
    let r = ctx.rt.block_on(ctx.store.apply_contract(&raw, &now))?;
    if r.changed {
        ctx.audit(
            "contract.apply",
            &format!("{} revision {}", r.contract_id, r.revision),
            Some(raw.contract.client.clone()),
            text.as_bytes(),
        );
    }
    Ok(r)
}

pub fn print_report(r: &ContractApplyReport, c: &RawContract) -> Result<()> {
    let versions = c.slas.len();
    let ids: std::collections::BTreeSet<&str> = c.slas.iter().map(|s| s.id.as_str()).collect();
    if r.changed {
        outln!(
            "contract {} (client {}): stored as revision {} — {} SLAs, {} SLA versions",
            r.contract_id,
            c.contract.client,
            r.revision,
            ids.len(),
            versions
        );
    } else {
        outln!(
            "contract {}: unchanged (revision {} is identical); nothing stored",
            r.contract_id,
            r.revision
        );
    }
    Ok(())
}

/// The stored contracts, latest revisions, optionally of one client.
pub fn latest(ctx: &Context, client: Option<&str>) -> Result<Vec<ContractRevision>> {
    let all = ctx.rt.block_on(ctx.store.load_contracts(&ctx.scope))?;
    Ok(all
        .into_iter()
        .filter(|c| client.is_none_or(|x| c.client == x))
        .collect())
}

pub fn run(g: &GlobalArgs, c: ContractCommand) -> Result<ExitCode> {
    let ctx = match c {
        ContractCommand::Apply { .. } => Context::open(g)?,
        ContractCommand::Show { .. } => Context::open_read(g)?,
    };
    match c {
        ContractCommand::Apply { file, json } => {
            let text = opsdeck_engine::io::read_toml_file(&file, "a contract file")?;
            let org = ctx.org()?;
            let report = apply_file(&ctx, &org, &text, &file)?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                let (raw, _) = read_contract(&text, &file, &org)?;
                print_report(&report, &raw)?;
            }
        }
        ContractCommand::Show {
            client,
            contract,
            revisions,
            format,
        } => {
            if let Some(c) = &client {
                ctx.org()?
                    .require("client", c)
                    .map_err(opsdeck_engine::EngineError::from)?;
            }
            let mut list = latest(&ctx, client.as_deref())?;
            if let Some(id) = &contract {
                if !list.iter().any(|c| c.contract_id == *id) {
                    let known: Vec<&str> = list.iter().map(|c| c.contract_id.as_str()).collect();
                    return Err(opsdeck_engine::EngineError::from(opsdeck_core::UnknownId {
                        kind: "contract",
                        id: id.clone(),
                        nearest: opsdeck_core::org::nearest_ids(id, known),
                    })
                    .into());
                }
            }
            list.retain(|c| contract.as_ref().is_none_or(|x| *x == c.contract_id));
            if list.is_empty() {
                note!("opsdeck contract show: no contract stored; store one with `opsdeck contract apply FILE`");
                return Ok(ExitCode::SUCCESS);
            }
            if revisions {
                let mut all = Vec::new();
                for c in &list {
                    all.extend(
                        ctx.rt
                            .block_on(ctx.store.contract_revisions(&ctx.scope, &c.contract_id))?,
                    );
                }
                match format {
                    crate::cmd_setup::ShowFormat::Json => {
                        outln!("{}", serde_json::to_string_pretty(&all)?)
                    }
                    crate::cmd_setup::ShowFormat::Toml => {
                        for r in &all {
                            outln!(
                                "{}  revision {}  client {}  applied {}  {} SLA versions",
                                r.contract_id,
                                r.revision,
                                r.client,
                                r.applied_at,
                                r.contract.slas.len()
                            );
                        }
                    }
                }
            } else {
                match format {
                    crate::cmd_setup::ShowFormat::Json => {
                        outln!("{}", serde_json::to_string_pretty(&list)?)
                    }
                    crate::cmd_setup::ShowFormat::Toml => {
                        for (i, r) in list.iter().enumerate() {
                            if i > 0 {
                                outln!();
                            }
                            outln!(
                                "# contract {} revision {}, applied {}",
                                r.contract_id,
                                r.revision,
                                r.applied_at
                            );
                            outln!("{}", toml::to_string(&r.contract)?.trim_end());
                        }
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
