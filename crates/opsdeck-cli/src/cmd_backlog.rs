//! `opsdeck backlog --queue Q [--as-of TS]`: the open cases of a ticket queue at an instant,
//! with age, priority, status and time to breach — the ones breaching soonest first.

use crate::context::{Context, GlobalArgs};
use crate::output::{self, Format};
use anyhow::Result;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct BacklogArgs {
    /// The ticket queue.
    #[arg(long)]
    pub queue: String,
    /// The instant (ISO 8601; without an offset, in the queue's zone); default: the client's
    /// last case update.
    #[arg(long = "as-of")]
    pub as_of: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(g: &GlobalArgs, a: BacklogArgs) -> Result<ExitCode> {
    let ctx = Context::open_read(g)?;
    let org = ctx.org()?;
    org.require("queue", &a.queue)
        .map_err(opsdeck_engine::EngineError::from)?;
    let zone = org.queues[&a.queue].zone;
    let as_of = a
        .as_of
        .as_deref()
        .map(|s| crate::context::instant_arg(s, zone, "--as-of"))
        .transpose()?;
    let (t, at) =
        opsdeck_engine::views::cases::backlog(&ctx.ws, &ctx.scope, &org, &a.queue, as_of)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    output::write(&mut out, a.format, &t)?;
    std::io::Write::flush(&mut out)?;
    if at == 0 && t.rows.is_empty() {
        note!(
            "opsdeck backlog: no cases stored for queue {} (ingest them with `opsdeck ingest cases`)",
            a.queue
        );
    } else if a.format == Format::Table {
        let when = chrono::DateTime::from_timestamp(at, 0)
            .map(|d| {
                d.with_timezone(&zone)
                    .format("%Y-%m-%d %H:%M %Z")
                    .to_string()
            })
            .unwrap_or_default();
        note!(
            "{} open case(s) in queue {} as of {when}",
            t.rows.len(),
            a.queue
        );
    }
    Ok(ExitCode::SUCCESS)
}
