//! Contact-volume forecasting for interval series with daily and weekly seasonality, including
//! series that only cover opening hours (nights, weekends and holidays absent, irregular gaps),
//! and for daily series (day-of-week seasonality) and weekly series; holidays from a calendar
//! are left out of fitting and forecast closed (or at a holiday factor).
//!
//! The model is deliberately explainable: expected day volume = level × weekday factor (the
//! level follows the data by robust exponential smoothing, optionally with a damped trend), and
//! the day is spread over its intervals by an intraday shape per weekday learnt from recent
//! weeks. Holidays and other outlier days are flagged by a robust z-score of the day total
//! against the model's expectation and kept out of the level, the weekday factors and the
//! shapes. The smoothing settings are chosen by rolling-origin evaluation on the history itself
//! (never on what is being forecast), and the 80 % interval comes from the empirical ratios
//! actual / forecast of those same rolling-origin forecasts, binned by forecast size.
//!
//! Timestamps are local wall-clock times (`NaiveDateTime`); each marks the start of an interval
//! (of a day or week, at 00:00, for daily and weekly series).

mod backtest;
mod model;
mod series;

pub use backtest::{backtest, mase, wape, Backtest, BacktestOptions, BacktestPoint, Fold, Score};
pub use series::{detect_granularity, Granularity};

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use model::{fit, Fitted};
use serde::Serialize;
use series::{build_with, open_slots, Day, History};
use std::collections::BTreeSet;

/// A local wall-clock timestamp: the start of an interval.
pub type Ts = NaiveDateTime;

/// One forecast interval value with its prediction interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    pub forecast: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Smoothing settings of the model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModelConfig {
    /// Weight of the newest day in the level (0..1).
    pub level_alpha: f64,
    /// Weight of the newest day in the (damped, log-scale) trend; 0 = no trend.
    pub trend_beta: f64,
    /// Half-life, in weeks, of a day's weight in the weekday factors.
    pub weekday_half_life_weeks: f64,
    /// Half-life, in weeks, of a day's weight in the intraday shapes.
    pub shape_half_life_weeks: f64,
    /// Radius, in intervals, of the triangular smoothing of the intraday shapes (0 = none).
    pub shape_smoothing_slots: usize,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            level_alpha: 0.2,
            trend_beta: 0.0,
            weekday_half_life_weeks: 8.0,
            shape_half_life_weeks: 6.0,
            shape_smoothing_slots: 0,
        }
    }
}

/// Candidate values tried for each setting when the model is tuned on the history.
const GRID_ALPHA: [f64; 5] = [0.05, 0.1, 0.2, 0.35, 0.5];
const GRID_BETA: [f64; 3] = [0.0, 0.005, 0.02];
const GRID_WEEKDAY_HL: [f64; 4] = [3.0, 6.0, 12.0, 26.0];
const GRID_SHAPE_HL: [f64; 5] = [2.0, 4.0, 8.0, 16.0, 52.0];
const GRID_SMOOTH: [usize; 4] = [0, 1, 2, 3];

/// Holidays of the operation: left out of fitting and tuning (as outlier days are) and forecast
/// at `factor` × a normal day — 0, closed, by default.
#[derive(Debug, Clone, PartialEq)]
pub struct Holidays {
    pub dates: BTreeSet<NaiveDate>,
    /// Volume on a holiday as a share of a normal day (0 = closed).
    pub factor: f64,
    /// Weekdays the operation opens (Monday first): in a weekly series only holidays on these
    /// count, each taking 1 / (open weekdays) of the week.
    pub open_weekdays: [bool; 7],
}

impl Default for Holidays {
    fn default() -> Self {
        Holidays {
            dates: BTreeSet::new(),
            factor: 0.0,
            open_weekdays: [true; 7],
        }
    }
}

impl Holidays {
    /// Holidays in the period starting on `date`: that day (0 or 1), or the open weekdays of
    /// the week starting on it.
    pub fn holidays_in(&self, g: Granularity, date: NaiveDate) -> usize {
        match g {
            Granularity::Interval | Granularity::Day => usize::from(self.dates.contains(&date)),
            Granularity::Week => self
                .dates
                .range(date..date + Duration::days(7))
                .filter(|d| self.open_weekdays[series::dow(**d)])
                .count(),
        }
    }

    /// Share of a normal period's volume expected in the period starting on `date`.
    pub fn scale(&self, g: Granularity, date: NaiveDate) -> f64 {
        let k = self.holidays_in(g, date);
        if k == 0 {
            return 1.0;
        }
        match g {
            Granularity::Interval | Granularity::Day => self.factor,
            Granularity::Week => {
                let open = self.open_weekdays.iter().filter(|o| **o).count().max(1);
                (1.0 - k as f64 * (1.0 - self.factor) / open as f64).clamp(0.0, 1.0)
            }
        }
    }
}

/// Options of [`forecast`].
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastOptions {
    /// Coverage of the prediction interval (0.8 = 10 % and 90 % quantiles).
    pub coverage: f64,
    /// Fixed settings; `None` = tune them by rolling-origin evaluation on the history.
    pub model: Option<ModelConfig>,
    /// Robust z-score of a day total beyond which the day is an outlier.
    pub outlier_z: f64,
    /// Number of one-week rolling origins inside the history used for tuning and for the
    /// prediction interval (twice as many for a daily series, eight times for a weekly one, so
    /// the interval has enough forecast/actual pairs).
    pub tuning_weeks: usize,
    /// The step to forecast in; `None` = the history's own (detected). A finer history is
    /// summed (into days, or into weeks starting on Monday).
    pub granularity: Option<Granularity>,
    /// Interval series only: sum the history into intervals of this many minutes first (a
    /// whole number of its own intervals).
    pub interval_minutes: Option<u32>,
    pub holidays: Holidays,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions {
            coverage: 0.8,
            model: None,
            outlier_z: 3.5,
            tuning_weeks: 6,
            granularity: None,
            interval_minutes: None,
            holidays: Holidays::default(),
        }
    }
}

impl ForecastOptions {
    /// Rolling origins used for tuning and for the prediction interval.
    fn origins(&self, g: Granularity) -> usize {
        match g {
            Granularity::Interval => self.tuning_weeks,
            Granularity::Day => 2 * self.tuning_weeks,
            Granularity::Week => 8 * self.tuning_weeks,
        }
    }
}

/// A day the model treats as an outlier (a holiday, an outage, an event).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutlierDay {
    pub date: NaiveDate,
    /// Volume over the day's open intervals.
    pub total: f64,
    /// What the model expected from the days before.
    pub expected: f64,
    /// Robust z-score of log(total / expected).
    pub z: f64,
}

/// What the forecaster found and decided, besides the numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostics {
    /// The step forecast in.
    pub granularity: Granularity,
    /// Interval length inferred from the history, seconds (a day or a week for daily and
    /// weekly series).
    pub interval_s: i64,
    /// Settings used (tuned or given).
    pub model: ModelConfig,
    /// Whether `model` was tuned on the history.
    pub tuned: bool,
    /// WAPE of the chosen settings on the tuning origins (None when not tuned).
    pub tuning_wape: Option<f64>,
    /// Outlier days in the history, oldest first.
    pub outlier_days: Vec<OutlierDay>,
    /// Requested timestamps outside the opening hours seen in the history (forecast 0).
    pub closed_points: usize,
    /// Requested timestamps on a holiday (in a week with one, for weekly series), forecast at
    /// the holiday factor.
    pub holiday_points: usize,
    /// Periods of the history on a holiday, left out of fitting.
    pub holiday_days: usize,
    /// Forecast/actual pairs behind the prediction interval (0 = Poisson fallback).
    pub interval_pairs: usize,
}

/// Forecasts for the requested timestamps, in the same order, and diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub points: Vec<Point>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    #[error("the history is empty")]
    Empty,
    #[error("history point {index} ({ts}): volume {value} is not a finite number ≥ 0")]
    BadValue { index: usize, ts: Ts, value: f64 },
    #[error("history point {index} ({ts}) is not after the point before it; sort the history by time and remove duplicates")]
    NotIncreasing { index: usize, ts: Ts },
    #[error("cannot infer the interval length: no day of the history has two or more points (a series of one row per day or week is read as daily or weekly when its timestamps are at 00:00, or when that granularity is asked for)")]
    NoInterval,
    #[error("history point {index} ({ts}) is not on the {step_s}-second grid of the other points")]
    OffGrid { index: usize, ts: Ts, step_s: i64 },
    #[error("history point {index} ({ts}) is not at 00:00 of the {granularity}'s first day like the other points")]
    OffPeriod {
        index: usize,
        ts: Ts,
        granularity: Granularity,
    },
    #[error("requested timestamp {index} ({ts}) is not on the {step_s}-second interval grid of the history")]
    AtOffGrid { index: usize, ts: Ts, step_s: i64 },
    #[error("requested timestamp {index} ({ts}) is not the start of a {granularity} of the history ({start})")]
    AtOffPeriod {
        index: usize,
        ts: Ts,
        granularity: Granularity,
        start: &'static str,
    },
    #[error("the history has {days} complete day(s); at least {need} are needed to forecast")]
    TooShort { days: usize, need: usize },
    #[error("{0}")]
    Options(String),
}

/// Forecast the volume of each timestamp in `at` from `history` (sorted, one value per interval
/// start, local wall-clock time; absent intervals are closed or unknown, never zero).
pub fn forecast(
    history: &[(Ts, f64)],
    at: &[Ts],
    opts: &ForecastOptions,
) -> Result<Forecast, ForecastError> {
    check_options(opts)?;
    let h = build_with(history, opts)?;
    forecast_days(&h, h.days.len(), at, opts)
}

fn check_options(opts: &ForecastOptions) -> Result<(), ForecastError> {
    if !(opts.coverage > 0.0 && opts.coverage < 1.0) {
        return Err(ForecastError::Options(format!(
            "coverage {} is outside (0, 1)",
            opts.coverage
        )));
    }
    if opts.outlier_z.is_nan() || opts.outlier_z <= 0.0 {
        return Err(ForecastError::Options(format!(
            "outlier z-score {} must be > 0",
            opts.outlier_z
        )));
    }
    let f = opts.holidays.factor;
    if !(f.is_finite() && f >= 0.0) {
        return Err(ForecastError::Options(format!(
            "holiday factor {f} must be a number ≥ 0 (0 = closed, 1 = a normal day)"
        )));
    }
    if opts.interval_minutes == Some(0) {
        return Err(ForecastError::Options(
            "intervals of 0 minutes: the length must be ≥ 1 minute".into(),
        ));
    }
    if !opts.holidays.open_weekdays.iter().any(|o| *o) {
        return Err(ForecastError::Options(
            "the holidays' calendar opens on no weekday".into(),
        ));
    }
    Ok(())
}

const WEEKDAY_NAMES: [&str; 7] = [
    "a Monday",
    "a Tuesday",
    "a Wednesday",
    "a Thursday",
    "a Friday",
    "a Saturday",
    "a Sunday",
];

/// Forecast from the first `end` days of `h`.
fn forecast_days(
    h: &History,
    end: usize,
    at: &[Ts],
    opts: &ForecastOptions,
) -> Result<Forecast, ForecastError> {
    let days = &h.days[..end];
    let slots = h.grid.slots;
    let too_short = || ForecastError::TooShort {
        days: complete_days(days, slots),
        need: model::MIN_DAYS,
    };
    let (cfg, tuned, tuning_wape, pairs) = match opts.model {
        Some(c) => {
            let pairs = rolling_pairs(h, end, &c, opts).1;
            (c, false, None, pairs)
        }
        None => tune(h, end, opts),
    };
    let fitted = fit(days, slots, &cfg, opts.outlier_z).ok_or_else(too_short)?;
    let cal = Calibration::new(pairs.clone(), opts.coverage);
    let g = h.grid.granularity;
    let (mut closed, mut holiday) = (0, 0);
    let mut points = Vec::with_capacity(at.len());
    for (index, t) in at.iter().enumerate() {
        let f = point_forecast(h, &fitted, t).ok_or(match g {
            Granularity::Interval => ForecastError::AtOffGrid {
                index,
                ts: *t,
                step_s: h.grid.step_s,
            },
            Granularity::Day => ForecastError::AtOffPeriod {
                index,
                ts: *t,
                granularity: g,
                start: "00:00",
            },
            Granularity::Week => ForecastError::AtOffPeriod {
                index,
                ts: *t,
                granularity: g,
                start: WEEKDAY_NAMES[h.grid.week_dow],
            },
        })?;
        let Some(f) = f else {
            closed += 1;
            points.push(Point {
                forecast: 0.0,
                lower: 0.0,
                upper: 0.0,
            });
            continue;
        };
        let (lower, upper) = cal.interval(f);
        let k = opts.holidays.scale(g, t.date());
        if opts.holidays.holidays_in(g, t.date()) > 0 {
            holiday += 1;
        }
        points.push(Point {
            forecast: f * k,
            lower: lower * k,
            upper: upper * k,
        });
    }
    Ok(Forecast {
        points,
        diagnostics: Diagnostics {
            granularity: g,
            interval_s: h.grid.step_s,
            model: cfg,
            tuned,
            tuning_wape,
            outlier_days: fitted.outliers,
            closed_points: closed,
            holiday_points: holiday,
            holiday_days: days.iter().filter(|d| d.holiday).count(),
            interval_pairs: pairs.len(),
        },
    })
}

fn complete_days(days: &[Day], slots: usize) -> usize {
    let open = open_slots(days, slots);
    days.iter()
        .filter(|d| !d.holiday)
        .filter(|d| {
            let n = open[d.dow].iter().filter(|&&b| b).count();
            n > 0 && (0..slots).filter(|&s| open[d.dow][s] && d.has(s)).count() * 10 >= n * 9
        })
        .count()
}

/// `None`: off the grid; `Some(None)`: closed; `Some(Some(f))`: the forecast.
fn point_forecast(h: &History, m: &Fitted, t: &Ts) -> Option<Option<f64>> {
    let s = h.grid.slot(t)?;
    let date = t.date();
    let share = m.shape[series::dow(date)][s];
    Some(match m.day_total(date) {
        Some(total) if share > 0.0 => Some(total * share),
        _ => None,
    })
}

/// Rolling origins inside the first `end` days: the starts of the last `weeks` weeks whose
/// training part still has enough complete days. Each is (train end index, test end index).
fn origins(h: &History, end: usize, weeks: usize) -> Vec<(usize, usize)> {
    let days = &h.days[..end];
    let Some(last) = days.last() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for k in (1..=weeks).rev() {
        let start = last.date - Duration::days(7 * k as i64 - 1);
        let stop = start + Duration::days(7);
        let tr = days.partition_point(|d| d.date < start);
        let te = days.partition_point(|d| d.date < stop);
        if te > tr && tr >= 2 * model::MIN_DAYS + 4 {
            out.push((tr, te));
        }
    }
    out
}

/// Rolling-origin forecasts of the given settings: (WAPE, forecast/actual pairs).
fn rolling_pairs(
    h: &History,
    end: usize,
    cfg: &ModelConfig,
    opts: &ForecastOptions,
) -> (Option<f64>, Vec<(f64, f64)>) {
    let mut pairs = Vec::new();
    let (mut err, mut tot) = (0.0, 0.0);
    for (tr, te) in origins(h, end, opts.origins(h.grid.granularity)) {
        let Some(m) = fit(&h.days[..tr], h.grid.slots, cfg, opts.outlier_z) else {
            continue;
        };
        for d in h.days[tr..te].iter().filter(|d| !d.holiday) {
            for s in (0..h.grid.slots).filter(|&s| d.has(s)) {
                let t = d.date.and_time(h.grid.time_of(s));
                let f = point_forecast(h, &m, &t).flatten().unwrap_or(0.0);
                let y = d.vals[s];
                err += (y - f).abs();
                tot += y;
                pairs.push((f, y));
            }
        }
    }
    ((tot > 0.0).then(|| err / tot), pairs)
}

/// Coordinate search over the settings grid, starting from the defaults (two sweeps).
fn tune(
    h: &History,
    end: usize,
    opts: &ForecastOptions,
) -> (ModelConfig, bool, Option<f64>, Vec<(f64, f64)>) {
    let mut best = ModelConfig::default();
    let (mut best_wape, mut best_pairs) = rolling_pairs(h, end, &best, opts);
    let Some(mut best_w) = best_wape else {
        return (best, false, None, best_pairs);
    };
    // one slot a day has no intraday shape; a weekly series has no weekday factors
    let axes: &[usize] = match h.grid.granularity {
        Granularity::Interval => &[0, 1, 2, 3, 4],
        Granularity::Day => &[0, 1, 2],
        Granularity::Week => &[0, 1],
    };
    for _ in 0..2 {
        let before = best;
        for &axis in axes {
            let n = [
                GRID_ALPHA.len(),
                GRID_BETA.len(),
                GRID_WEEKDAY_HL.len(),
                GRID_SHAPE_HL.len(),
                GRID_SMOOTH.len(),
            ][axis];
            for i in 0..n {
                let mut c = best;
                match axis {
                    0 => c.level_alpha = GRID_ALPHA[i],
                    1 => c.trend_beta = GRID_BETA[i],
                    2 => c.weekday_half_life_weeks = GRID_WEEKDAY_HL[i],
                    3 => c.shape_half_life_weeks = GRID_SHAPE_HL[i],
                    _ => c.shape_smoothing_slots = GRID_SMOOTH[i],
                }
                if c == best {
                    continue;
                }
                let (w, p) = rolling_pairs(h, end, &c, opts);
                if let Some(w) = w {
                    if w < best_w - 1e-12 {
                        best = c;
                        best_w = w;
                        best_wape = Some(w);
                        best_pairs = p;
                    }
                }
            }
        }
        if best == before {
            break;
        }
    }
    (best, true, best_wape, best_pairs)
}

/// Empirical prediction interval: quantiles of actual / forecast within bins of forecast size.
struct Calibration {
    /// (upper edge of the bin's forecasts, low ratio, high ratio), by increasing edge.
    bins: Vec<(f64, f64, f64)>,
    /// Normal quantile for the Poisson fallback.
    z: f64,
}

const BINS: usize = 5;
const MIN_PAIRS_PER_BIN: usize = 30;

impl Calibration {
    fn new(mut pairs: Vec<(f64, f64)>, coverage: f64) -> Calibration {
        let z = normal_quantile(0.5 + coverage / 2.0);
        pairs.retain(|(f, _)| *f > 0.0);
        if pairs.len() < MIN_PAIRS_PER_BIN {
            return Calibration {
                bins: Vec::new(),
                z,
            };
        }
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let nb = BINS.min(pairs.len() / MIN_PAIRS_PER_BIN).max(1);
        let lo_q = (1.0 - coverage) / 2.0;
        let hi_q = 1.0 - lo_q;
        let bins = (0..nb)
            .map(|b| {
                let chunk = &pairs[b * pairs.len() / nb..(b + 1) * pairs.len() / nb];
                let mut r: Vec<f64> = chunk.iter().map(|(f, y)| y / f).collect();
                r.sort_unstable_by(f64::total_cmp);
                let edge = chunk.last().map_or(f64::INFINITY, |p| p.0);
                (edge, quantile(&r, lo_q), quantile(&r, hi_q))
            })
            .collect();
        Calibration { bins, z }
    }

    fn interval(&self, f: f64) -> (f64, f64) {
        if self.bins.is_empty() {
            let sd = f.sqrt();
            return ((f - self.z * sd).max(0.0), f + self.z * sd);
        }
        let i = self
            .bins
            .partition_point(|b| b.0 < f)
            .min(self.bins.len() - 1);
        let (_, lo, hi) = self.bins[i];
        ((f * lo).min(f).max(0.0), (f * hi).max(f))
    }
}

/// Linear-interpolated quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (sorted[j] - sorted[i]) * (pos - i as f64)
}

/// Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Opening hours per weekday and the interval grid, as seen in a history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpeningHours {
    /// The step of the series.
    pub granularity: Granularity,
    /// Interval length, seconds (a day or a week for daily and weekly series).
    pub interval_s: i64,
    /// Interval starts that are open, per weekday (index 0 = Monday).
    pub open: [Vec<NaiveTime>; 7],
    /// Last date of the history.
    pub last_date: NaiveDate,
}

impl OpeningHours {
    /// Every open interval start of the `days` calendar days after `from` (exclusive).
    pub fn timestamps_after(&self, from: NaiveDate, days: u32) -> Vec<Ts> {
        let mut out = Vec::new();
        for k in 1..=i64::from(days) {
            let d = from + Duration::days(k);
            for t in &self.open[series::dow(d)] {
                out.push(d.and_time(*t));
            }
        }
        out
    }

    /// Open periods of a weekday as (first interval start, end of the last interval).
    pub fn periods(&self, day: Weekday) -> Vec<(NaiveTime, NaiveTime)> {
        let step = Duration::seconds(self.interval_s);
        let mut out: Vec<(NaiveTime, NaiveTime)> = Vec::new();
        for t in &self.open[day.num_days_from_monday() as usize] {
            match out.last_mut() {
                Some(p) if p.1 == *t => p.1 = *t + step,
                _ => out.push((*t, *t + step)),
            }
        }
        out
    }
}

/// Infer the interval length and, per weekday, the intervals that are open: those the history
/// has a row for on at least half of that weekday's dates in its last 8 weeks. A daily series
/// has one "interval" at 00:00 on its open weekdays, a weekly one at 00:00 of its weeks' first
/// day.
pub fn infer_opening_hours(history: &[(Ts, f64)]) -> Result<OpeningHours, ForecastError> {
    opening_hours(history, &ForecastOptions::default())
}

/// [`infer_opening_hours`] of the history as the options lay it out (granularity, intervals,
/// holidays left out).
pub fn opening_hours(
    history: &[(Ts, f64)],
    opts: &ForecastOptions,
) -> Result<OpeningHours, ForecastError> {
    check_options(opts)?;
    let h = build_with(history, opts)?;
    let open = open_slots(&h.days, h.grid.slots);
    let last_date = h.days.last().map(|d| d.date).ok_or(ForecastError::Empty)?;
    Ok(OpeningHours {
        granularity: h.grid.granularity,
        interval_s: h.grid.step_s,
        open: std::array::from_fn(|w| {
            (0..h.grid.slots)
                .filter(|&s| open[w][s])
                .map(|s| h.grid.time_of(s))
                .collect()
        }),
        last_date,
    })
}

#[cfg(test)]
mod tests;
