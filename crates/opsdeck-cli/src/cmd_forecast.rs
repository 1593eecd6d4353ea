//! `opsdeck forecast`: interval volume forecast from a history file, at given timestamps or for
//! the next days' inferred opening hours, and the rolling-origin backtest against the
//! seasonal-naive baselines.

use crate::output::{self, Format};
use anyhow::{Context, Result};
use opsdeck_core::forecast::{
    backtest, forecast, infer_opening_hours, BacktestOptions, ForecastOptions, OpeningHours,
};
use opsdeck_engine::inputs::series::{read_series, read_timestamps, SeriesColumns};
use opsdeck_engine::io::RowIssue;
use opsdeck_engine::views::forecast::{backtest_table, forecast_table};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["at", "horizon_days", "backtest"])))]
pub struct ForecastArgs {
    /// History: CSV or CSV.gz, one row per interval start (timestamp, volume); intervals absent
    /// from the file are closed or unknown, never zero.
    #[arg(long, short = 'i')]
    pub input: PathBuf,
    /// Forecast exactly the timestamps listed in this CSV (its timestamp column).
    #[arg(long, value_name = "FILE")]
    pub at: Option<PathBuf>,
    /// Forecast the N days after the history, at the opening hours inferred from it.
    #[arg(long, value_name = "N")]
    pub horizon_days: Option<u32>,
    /// Report WAPE and MASE of the last DAYS of the history, forecast fold by fold from the data
    /// before each fold, for opsdeck and the seasonal-naive baselines.
    #[arg(long, value_name = "DAYS")]
    pub backtest: Option<u32>,
    /// Length of each backtest fold in days.
    #[arg(long, default_value_t = 7)]
    pub fold_days: u32,
    /// Column holding the interval start (a timestamp, or a time of day with --date-column).
    #[arg(long, default_value = "ts")]
    pub ts_column: String,
    /// Column holding the date when the timestamp column holds only the time of day.
    #[arg(long)]
    pub date_column: Option<String>,
    /// Column holding the volume.
    #[arg(long, default_value = "volume")]
    pub volume_column: String,
    /// IANA zone that timestamps carrying an offset or Z are converted to (default UTC);
    /// timestamps without an offset are local times as written.
    #[arg(long)]
    pub tz: Option<String>,
    /// Coverage of the prediction interval.
    #[arg(long, default_value_t = 0.8)]
    pub coverage: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

fn print_issues(what: &str, issues: &[RowIssue]) {
    for i in issues.iter().take(20) {
        note!("  {what} {i}");
    }
    if issues.len() > 20 {
        note!("  … and {} more", issues.len() - 20);
    }
}

fn describe_hours(oh: &OpeningHours) -> String {
    let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let days = [
        chrono::Weekday::Mon,
        chrono::Weekday::Tue,
        chrono::Weekday::Wed,
        chrono::Weekday::Thu,
        chrono::Weekday::Fri,
        chrono::Weekday::Sat,
        chrono::Weekday::Sun,
    ];
    days.iter()
        .zip(names)
        .map(|(d, n)| {
            let p = oh.periods(*d);
            if p.is_empty() {
                format!("{n} closed")
            } else {
                let spans: Vec<String> = p
                    .iter()
                    .map(|(a, b)| format!("{}–{}", a.format("%H:%M"), b.format("%H:%M")))
                    .collect();
                format!("{n} {}", spans.join(" "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn run(a: ForecastArgs) -> Result<ExitCode> {
    anyhow::ensure!(
        a.coverage > 0.0 && a.coverage < 1.0,
        "--coverage must be between 0 and 1 (e.g. 0.8)"
    );
    let zone =
        a.tz.as_deref()
            .map(opsdeck_core::calendar::parse_zone)
            .transpose()
            .map_err(anyhow::Error::msg)?;
    let cols = SeriesColumns {
        ts: a.ts_column.clone(),
        date: a.date_column.clone(),
        volume: a.volume_column.clone(),
        zone,
    };
    let hist = read_series(&a.input, &cols)?;
    note!(
        "opsdeck forecast: {}: {} rows read, {} rejected",
        a.input.display(),
        hist.rows_read,
        hist.issues.len()
    );
    print_issues("rejected", &hist.issues);
    let opts = ForecastOptions {
        coverage: a.coverage,
        ..ForecastOptions::default()
    };
    let ctx = || format!("{}", a.input.display());
    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    if let Some(days) = a.backtest {
        anyhow::ensure!(days >= 1, "--backtest needs at least 1 day");
        anyhow::ensure!(a.fold_days >= 1, "--fold-days needs at least 1 day");
        let bt = backtest(
            &hist.points,
            &BacktestOptions {
                days,
                fold_days: a.fold_days,
            },
            &opts,
        )
        .with_context(ctx)?;
        output::write(&mut out, a.format, &backtest_table(&bt.scores))?;
        out.flush()?;
        note!(
            "opsdeck forecast: backtest of {} fold(s); MASE scale (in-sample MAE of the daily seasonal naive) {}",
            bt.folds.len(),
            bt.mase_scale.map_or("—".into(), output::num)
        );
        for f in &bt.folds {
            let m = &f.model;
            note!(
                "  fold {}..{}: {} intervals; {} outlier days before it; alpha {} beta {} weekday half-life {} wk, shape half-life {} wk, smoothing ±{}",
                f.first_date, f.last_date, f.points, f.outlier_days, m.level_alpha, m.trend_beta,
                m.weekday_half_life_weeks, m.shape_half_life_weeks, m.shape_smoothing_slots
            );
        }
    } else {
        let at = if let Some(p) = &a.at {
            let r = read_timestamps(p, &cols)?;
            if !r.issues.is_empty() {
                print_issues("bad timestamp:", &r.issues);
                anyhow::bail!(
                    "{}: {} row(s) of --at cannot be used; fix them so every requested timestamp gets a forecast",
                    p.display(),
                    r.issues.len()
                );
            }
            r.points.into_iter().map(|(t, _)| t).collect::<Vec<_>>()
        } else {
            let oh = infer_opening_hours(&hist.points).with_context(ctx)?;
            note!(
                "opsdeck forecast: {}-minute intervals; opening hours: {}",
                oh.interval_s as f64 / 60.0,
                describe_hours(&oh)
            );
            oh.timestamps_after(oh.last_date, a.horizon_days.unwrap_or(0))
        };
        let fc = forecast(&hist.points, &at, &opts).with_context(ctx)?;
        output::write(&mut out, a.format, &forecast_table(&at, &fc.points))?;
        out.flush()?;
        let d = &fc.diagnostics;
        let m = &d.model;
        note!(
            "opsdeck forecast: {} intervals forecast ({} outside the opening hours seen, forecast 0); settings {} (alpha {}, beta {}, weekday half-life {} wk, shape half-life {} wk, smoothing ±{}){}; interval from {} rolling-origin pairs",
            fc.points.len(),
            d.closed_points,
            if d.tuned { "tuned on the history" } else { "default" },
            m.level_alpha,
            m.trend_beta,
            m.weekday_half_life_weeks,
            m.shape_half_life_weeks,
            m.shape_smoothing_slots,
            d.tuning_wape
                .map_or(String::new(), |w| format!(", tuning WAPE {w:.4}")),
            d.interval_pairs
        );
        if !d.outlier_days.is_empty() {
            let list: Vec<String> = d
                .outlier_days
                .iter()
                .map(|o| format!("{} ({:.0} vs {:.0} expected)", o.date, o.total, o.expected))
                .collect();
            note!(
                "opsdeck forecast: outlier days left out of the profiles: {}",
                list.join(", ")
            );
        }
    }
    Ok(if hist.issues.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
