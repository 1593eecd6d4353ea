//! `opsdeck kpi`: the stateless per queue × interval KPI table of contact files.

use crate::output::{self, Format};
use anyhow::Result;
use opsdeck_core::{IntervalLen, SlVariant, Thresholds};
use opsdeck_engine::io::RowIssue;
use opsdeck_engine::views::kpi::{kpi_cells, kpi_from_files, KpiOptions, KPI_COLUMNS};
use opsdeck_engine::views::table::{self, Table};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct KpiArgs {
    /// Contact file(s): CSV, CSV.gz or Parquet.
    #[arg(long = "input", short = 'i', required = true, num_args = 1..)]
    pub input: Vec<PathBuf>,
    #[command(flatten)]
    pub profile: crate::profile_args::ProfileArgs,
    /// Interval length in minutes (5, 10, 15, 20, 30 or 60).
    #[arg(long, default_value_t = 30)]
    pub interval: u32,
    /// Service-level threshold T in seconds (a wait ≤ T is within).
    #[arg(long, default_value_t = 20)]
    pub threshold: i64,
    /// Short-abandon threshold S in seconds.
    #[arg(long = "short-abandon", default_value_t = 5)]
    pub short_abandon: i64,
    /// IANA zone of wall-clock timestamps and of interval alignment (default: the profile's
    /// zone, else UTC).
    #[arg(long)]
    pub tz: Option<String>,
    /// Service-level variant.
    #[arg(long = "sl-variant", default_value = "offered")]
    pub sl_variant: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

pub fn run(a: KpiArgs) -> Result<ExitCode> {
    let profile = a.profile.load()?;
    let interval = IntervalLen::new(a.interval).map_err(anyhow::Error::msg)?;
    let variant: SlVariant = a.sl_variant.parse().map_err(anyhow::Error::msg)?;
    anyhow::ensure!(a.threshold >= 0, "--threshold must be ≥ 0 seconds");
    anyhow::ensure!(a.short_abandon >= 0, "--short-abandon must be ≥ 0 seconds");
    let zone = match &a.tz {
        Some(z) => opsdeck_core::calendar::parse_zone(z).map_err(anyhow::Error::msg)?,
        None => profile.zone().unwrap_or(chrono_tz::UTC),
    };
    let opts = KpiOptions {
        interval,
        thresholds: Thresholds {
            service_s: a.threshold,
            short_abandon_s: a.short_abandon,
        },
        zone,
        max_field_bytes: a.profile.max_field_bytes,
    };
    let paths: Vec<&std::path::Path> = a.input.iter().map(PathBuf::as_path).collect();
    let bar = crate::progress::bytes_bar(&a.input);
    let run = kpi_from_files(&paths, &profile, &opts, &|n| bar.set_position(n))?;
    bar.finish_and_clear();
    let mut out = output::open(a.output.as_deref())?;
    if a.format == Format::Csv {
        // a year of intervals is a large table: cells made and formatted in blocks on all cores
        table::write_csv_blocks(&mut out, &KPI_COLUMNS, &run.rows, |block, text| {
            for r in block {
                table::push_csv_row(text, &kpi_cells(r, zone, variant));
            }
        })?;
    } else {
        let rows: Vec<_> = run
            .rows
            .iter()
            .map(|r| kpi_cells(r, zone, variant))
            .collect();
        output::write(&mut out, a.format, &Table::new(KPI_COLUMNS.to_vec(), rows))?;
    }
    out.flush()?;
    note!(
        "opsdeck kpi: {} rows read, {} skipped by the profile, {} rejected; {} queue×interval rows",
        run.rows_read,
        run.rows_skipped,
        run.issue_count,
        run.rows.len()
    );
    report_rejected_n(&run.issues, run.issue_count);
    Ok(if run.issue_count > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// List up to 20 rejected rows on stderr, then how many more there are (`total` counts rows
/// not kept in `issues`).
pub fn report_rejected_n(issues: &[RowIssue], total: u64) {
    for i in issues.iter().take(20) {
        note!("  rejected {}", crate::errors::listed(i));
    }
    if total > 20 {
        note!("  … and {} more rejected rows", total - 20);
    }
}

/// `opsdeck <command>: N rows rejected` and the list, when there are any.
pub fn report_rejected(command: &str, issues: &[RowIssue]) {
    if !issues.is_empty() {
        note!("opsdeck {command}: {} rows rejected", issues.len());
        report_rejected_n(issues, issues.len() as u64);
    }
}
