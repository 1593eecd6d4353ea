//! `opsdeck forecast`: volume forecast (per interval, day or week) from a history file, at given
//! timestamps or for the next days' inferred opening hours, with a calendar's holidays, and the
//! rolling-origin backtest against the seasonal-naive baselines.

use crate::output::{self, Format};
use anyhow::{Context, Result};
use opsdeck_core::forecast::{
    backtest, forecast, opening_hours, BacktestOptions, ForecastOptions, Granularity, Holidays,
    ModelConfig, OpeningHours,
};
use opsdeck_engine::inputs::holidays::read_holidays;
use opsdeck_engine::inputs::series::{read_series, read_timestamps, SeriesColumns};
use opsdeck_engine::io::RowIssue;
use opsdeck_engine::views::forecast::{backtest_table, forecast_table};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GranularityArg {
    /// Intervals of a day (5, 15, 30 … minutes), with an intraday profile per weekday.
    Interval,
    /// Whole days, with a factor per weekday.
    Day,
    /// Whole weeks (Monday to Sunday when summed from a finer history).
    Week,
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["at", "horizon_days", "backtest"])))]
pub struct ForecastArgs {
    /// History: CSV or CSV.gz, one row per interval, day or week start (timestamp, volume), or
    /// one row per contact with --count; periods absent from the file are closed or unknown,
    /// never zero.
    #[arg(long, short = 'i')]
    pub input: PathBuf,
    /// Step to forecast in; default: the history's own, detected from its timestamps (one row
    /// per date at 00:00 is daily, all on one weekday weekly). A finer history is summed.
    #[arg(long, value_enum)]
    pub granularity: Option<GranularityArg>,
    /// Sum an interval history into intervals of N minutes first (e.g. 5-minute counts into 30).
    #[arg(long, value_name = "N")]
    pub interval_minutes: Option<u32>,
    /// Each row is one contact or case: the volume of a timestamp is its number of rows (the
    /// volume column is not read). With --granularity day, a timestamp may be a date.
    #[arg(long)]
    pub count: bool,
    /// Holidays: a CSV with a `date` column (YYYY-MM-DD, optional `name`), or a TOML file with
    /// [[calendar]] tables as in the setup file (its holidays and business hours). Left out of
    /// fitting and forecast at --holiday-factor.
    #[arg(long, value_name = "FILE")]
    pub holidays: Option<PathBuf>,
    /// The [[calendar]] of the --holidays TOML whose holidays apply, when it declares several.
    #[arg(long, value_name = "ID", requires = "holidays")]
    pub calendar: Option<String>,
    /// Volume on a holiday as a share of a normal day: 0 = closed.
    #[arg(long, default_value_t = 0.0, value_name = "F")]
    pub holiday_factor: f64,
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
        note!("  {what} {}", crate::errors::listed(i));
    }
    if issues.len() > 20 {
        note!("  … and {} more", issues.len() - 20);
    }
}

fn describe_hours(oh: &OpeningHours) -> String {
    let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    match oh.granularity {
        Granularity::Interval => {}
        Granularity::Day => {
            let open: Vec<&str> = (0..7)
                .filter(|w| !oh.open[*w].is_empty())
                .map(|w| names[w])
                .collect();
            return format!("daily series; open on {}", open.join(", "));
        }
        Granularity::Week => {
            let first = (0..7).find(|w| !oh.open[*w].is_empty()).unwrap_or(0);
            return format!("weekly series; weeks start on {}", names[first]);
        }
    }
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

/// The settings that matter for the granularity: no intraday shape for daily and weekly series,
/// no weekday factors for weekly ones.
fn settings(m: &ModelConfig, g: Granularity) -> String {
    let mut s = format!("alpha {}, beta {}", m.level_alpha, m.trend_beta);
    if g != Granularity::Week {
        s.push_str(&format!(
            ", weekday half-life {} wk",
            m.weekday_half_life_weeks
        ));
    }
    if g == Granularity::Interval {
        s.push_str(&format!(
            ", shape half-life {} wk, smoothing ±{}",
            m.shape_half_life_weeks, m.shape_smoothing_slots
        ));
    }
    s
}

pub fn run(a: ForecastArgs) -> Result<ExitCode> {
    anyhow::ensure!(
        a.coverage > 0.0 && a.coverage < 1.0,
        "--coverage must be between 0 and 1 (e.g. 0.8)"
    );
    if !(a.holiday_factor.is_finite() && a.holiday_factor >= 0.0) {
        return Err(crate::errors::Usage(format!(
            "--holiday-factor {} must be a number ≥ 0 (0 = closed, 1 = a normal day)",
            a.holiday_factor
        ))
        .into());
    }
    if a.interval_minutes == Some(0) {
        return Err(crate::errors::Usage("--interval-minutes must be ≥ 1".into()).into());
    }
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
        count_rows: a.count,
    };
    let hist = read_series(&a.input, &cols)?;
    note!(
        "opsdeck forecast: {}: {} rows read, {} rejected",
        a.input.display(),
        hist.rows_read,
        hist.issues.len()
    );
    print_issues("rejected", &hist.issues);
    let mut holidays = Holidays {
        factor: a.holiday_factor,
        ..Holidays::default()
    };
    if let Some(p) = &a.holidays {
        let list = read_holidays(p, a.calendar.as_deref())?;
        note!(
            "opsdeck forecast: {} holiday(s) from {}{}, forecast at {} × a normal day",
            list.dates.len(),
            p.display(),
            list.calendar
                .as_ref()
                .map_or(String::new(), |c| format!(" (calendar {c})")),
            a.holiday_factor
        );
        holidays.dates = list.dates.into_keys().collect();
        if let Some(open) = list.open_weekdays {
            holidays.open_weekdays = open;
        }
    }
    let opts = ForecastOptions {
        coverage: a.coverage,
        granularity: a.granularity.map(|g| match g {
            GranularityArg::Interval => Granularity::Interval,
            GranularityArg::Day => Granularity::Day,
            GranularityArg::Week => Granularity::Week,
        }),
        interval_minutes: a.interval_minutes,
        holidays,
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
        let scale = match bt.granularity {
            Granularity::Interval => "the daily seasonal naive",
            Granularity::Day => "the weekly seasonal naive",
            Granularity::Week => "the naive",
        };
        note!(
            "opsdeck forecast: backtest of {} fold(s), {} series; MASE scale (in-sample MAE of {scale}) {}",
            bt.folds.len(),
            bt.granularity,
            bt.mase_scale.map_or("—".into(), output::num)
        );
        for f in &bt.folds {
            let m = &f.model;
            let holidays = if f.holiday_points > 0 {
                format!(" ({} on holidays)", f.holiday_points)
            } else {
                String::new()
            };
            note!(
                "  fold {}..{}: {} points{holidays}; {} outlier {}s before it; {}",
                f.first_date,
                f.last_date,
                f.points,
                f.outlier_days,
                if bt.granularity == Granularity::Week {
                    "week"
                } else {
                    "day"
                },
                settings(m, bt.granularity)
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
            let oh = opening_hours(&hist.points, &opts).with_context(ctx)?;
            if oh.granularity == Granularity::Interval {
                note!(
                    "opsdeck forecast: {}-minute intervals; opening hours: {}",
                    oh.interval_s as f64 / 60.0,
                    describe_hours(&oh)
                );
            } else {
                note!("opsdeck forecast: {}", describe_hours(&oh));
            }
            oh.timestamps_after(oh.last_date, a.horizon_days.unwrap_or(0))
        };
        let fc = forecast(&hist.points, &at, &opts).with_context(ctx)?;
        let d = &fc.diagnostics;
        output::write(
            &mut out,
            a.format,
            &forecast_table(&at, &fc.points, d.granularity),
        )?;
        out.flush()?;
        let m = &d.model;
        if d.holiday_points > 0 || d.holiday_days > 0 {
            let unit = if d.granularity == Granularity::Week {
                "week"
            } else {
                "day"
            };
            note!(
                "opsdeck forecast: holidays: {} {unit}(s) of the history left out of fitting, {} requested point(s) forecast at the holiday factor",
                d.holiday_days,
                d.holiday_points
            );
        }
        note!(
            "opsdeck forecast: {} points forecast ({} outside the opening hours seen, forecast 0); settings {} ({}){}; interval from {} rolling-origin pairs",
            fc.points.len(),
            d.closed_points,
            if d.tuned { "tuned on the history" } else { "default" },
            settings(m, d.granularity),
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
