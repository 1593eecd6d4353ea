//! `opsdeck facts rebuild`: recompute the interval facts after queue settings changed.

use crate::context::{now_and_batch_id, Context, GlobalArgs};
use anyhow::Result;
use opsdeck_engine::workspace::ingest::rebuild_intervals;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum FactsCommand {
    /// Recompute every interval partition from the stored contacts with the queues' current
    /// settings (one atomic commit). `setup apply` does this itself for the queues it changes;
    /// this is for recovering from an interrupted one.
    Rebuild,
}

pub fn run(g: &GlobalArgs, c: FactsCommand) -> Result<ExitCode> {
    let ctx = Context::open(g)?;
    match c {
        FactsCommand::Rebuild => {
            let org = ctx.org()?;
            let (_, id) = now_and_batch_id();
            let tag = format!("r{}", id.trim_start_matches('b'));
            let parts = rebuild_intervals(&ctx.writer(&tag, None), &org, None, &tag)?;
            if parts.is_empty() {
                outln!("no contacts are stored; nothing to rebuild");
            } else {
                outln!("rebuilt {} partitions: {}", parts.len(), parts.join(", "));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A note for each queue whose facts do not match its settings (an interrupted `setup apply`
/// leaves them so), with what to run.
pub fn say_stale(stale: &[String]) {
    for s in stale {
        note!("warning: {s}");
    }
    if !stale.is_empty() {
        note!("warning: these figures use the old settings; run `opsdeck facts rebuild` to recompute them");
    }
}
