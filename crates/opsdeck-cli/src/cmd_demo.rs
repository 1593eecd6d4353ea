//! `opsdeck demo`: a sample organisation, ~90 days of generated contacts ingested through the
//! same path as a user's file, and the headline scorecard per client.

use crate::cmd_ingest::{ingest_contacts, print_summary};
use crate::cmd_setup::{apply, print_report, read_setup};
use crate::context::{Context, GlobalArgs};
use crate::output::Format;
use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use opsdeck_core::{Org, SlVariant};
use opsdeck_engine::contacts::profile::Profile;
use opsdeck_engine::views::scorecard::{Level, Period, ScorecardQuery};
use opsdeck_synth::{generate_contacts, DemoSpec, DEMO_CONTRACTS, DEMO_ORG_TOML};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Workspace directory to create or reuse (the same as --home; default ./opsdeck-demo
    /// unless --home or OPSDECK_HOME names one).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Days of contacts to generate.
    #[arg(long, default_value_t = 91)]
    pub days: u32,
    /// Seed of the generator (same seed, same data).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Volume multiplier.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// First day of generated data.
    #[arg(long, default_value = "2025-09-01")]
    pub start: NaiveDate,
}

/// The IT service desk's incidents: generated as a ServiceNow incident export and ingested
/// through the same path as a user's (`opsdeck ingest cases --profile servicenow-incident`).
fn demo_cases(ctx: &Context, org: &Org, spec: &DemoSpec, inbox: &Path) -> Result<()> {
    let queue = opsdeck_synth::DEMO_ITSD_QUEUE;
    let Some(q) = org.queues.get(queue) else {
        return Ok(());
    };
    let ispec = opsdeck_synth::cases::IncidentSpec {
        start: spec.start,
        days: spec.days,
        seed: spec.seed,
        scale: spec.scale,
        zone: q.zone,
        ..Default::default()
    };
    let file = inbox.join(format!(
        "demo-incidents-{}-{}d-seed{}.csv",
        spec.start, spec.days, spec.seed
    ));
    let tmp = file.with_extension("csv.part");
    let stats = opsdeck_synth::cases::generate_incidents(
        &ispec,
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?,
    )
    .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &file).with_context(|| format!("cannot rename {}", tmp.display()))?;
    let policy = inbox.join("demo-itsd-policy.toml");
    std::fs::write(&policy, opsdeck_synth::DEMO_ITSD_POLICY)
        .with_context(|| format!("cannot write {}", policy.display()))?;
    outln!(
        "generated {} incidents ({} updates, {} still open at the end) for the IT service desk: {}",
        stats.incidents,
        stats.updates,
        stats.open_at_end,
        file.display()
    );
    crate::cmd_ingest_cases::run(
        ctx,
        crate::cmd_ingest_cases::CaseArgs {
            files: vec![file],
            profile: Some("servicenow-incident".into()),
            map: None,
            queue: Some(queue.into()),
            tz: None,
            policy: Some(policy),
            replace: false,
            max_rejects: None,
            json: false,
        },
    )?;
    Ok(())
}

pub fn run(g: &GlobalArgs, a: DemoArgs) -> Result<ExitCode> {
    let t0 = Instant::now();
    let dir = a
        .dir
        .clone()
        .or_else(|| g.named_home())
        .unwrap_or_else(|| PathBuf::from(crate::context::DEMO_HOME));
    let ctx = Context::create(g, dir.clone())?;
    outln!("opsdeck demo: workspace {}", dir.display());
    let raw = read_setup(DEMO_ORG_TOML, Path::new("demo-org.toml"))?;
    print_report(&apply(&ctx, &raw)?)?;
    let org = Org::from_raw(&raw)?;
    for (client, text) in DEMO_CONTRACTS {
        let path = format!("demo-contract-{client}.toml");
        let (raw_contract, _) =
            opsdeck_engine::inputs::contract::read_contract(text, Path::new(&path), &org)?;
        crate::cmd_contract::print_report(
            &crate::cmd_contract::apply_file(&ctx, &org, text, Path::new(&path))?,
            &raw_contract,
        )?;
    }

    let spec = DemoSpec {
        start: a.start,
        days: a.days,
        seed: a.seed,
        scale: a.scale,
    };
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox)
        .with_context(|| format!("cannot create {}", inbox.display()))?;
    let file = inbox.join(format!(
        "demo-contacts-{}-{}d-seed{}.csv",
        spec.start, spec.days, spec.seed
    ));
    let tmp = file.with_extension("csv.part");
    let out = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?,
    );
    let stats = generate_contacts(&org, &spec, out)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &file).with_context(|| format!("cannot rename {}", tmp.display()))?;
    outln!(
        "generated {} contacts ({} abandoned) over {} days: {}",
        stats.rows,
        stats.abandoned,
        spec.days,
        file.display()
    );

    let done = ingest_contacts(
        &ctx,
        &[file],
        &Profile::canonical(),
        None,
        opsdeck_engine::workspace::ingest::IngestMode::Add,
        crate::cmd_ingest::Limits::default(),
    )?;
    print_summary(&done.summary)?;

    demo_cases(&ctx, &org, &spec, &inbox)?;

    let last = spec.start + chrono::Days::new(u64::from(spec.days.saturating_sub(1)));
    outln!();
    outln!(
        "headline scorecard per client and channel, {} .. {last} (service level = answered within T / offered):",
        spec.start
    );
    let org = ctx.org()?;
    let mut q = ScorecardQuery {
        client: None,
        program: None,
        queue: None,
        site: None,
        channel: None,
        from: spec.start,
        to: last,
        by: Period::Total,
        level: Level::Client,
        variant: SlVariant::Offered,
        blend: false,
    };
    crate::cmd_scorecard::print(
        &ctx,
        &org,
        &mut q,
        Format::Table,
        Some(&crate::cmd_scorecard::HEADLINE),
    )?;
    outln!();
    outln!("by program and month:");
    q.level = Level::Program;
    q.by = Period::Month;
    crate::cmd_scorecard::print(
        &ctx,
        &org,
        &mut q,
        Format::Table,
        Some(&crate::cmd_scorecard::HEADLINE),
    )?;
    outln!();
    let period = format!("{}..{}", spec.start.format("%Y-%m"), last.format("%Y-%m"));
    outln!("SLA attainment and service credits per client and month (opsdeck sla evaluate --period {period}):");
    let months = opsdeck_core::DateRange {
        from: spec.start,
        to: last,
        label: period.clone(),
        whole_months: true,
    }
    .months();
    let p = crate::cmd_sla::evaluate_months(&ctx, &org, None, None, &months)?;
    {
        let mut out = std::io::stdout().lock();
        crate::cmd_sla::print_text(&mut out, &p, &period)?;
    }
    outln!();
    outln!(
        "done in {:.1} s. Try: opsdeck --home {} scorecard --by week --level queue; opsdeck --home {} sla evaluate --period {period}",
        t0.elapsed().as_secs_f64(),
        dir.display(),
        dir.display(),
    );
    std::io::stdout().flush()?;
    Ok(ExitCode::SUCCESS)
}
