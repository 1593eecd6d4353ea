//! Accuracy: WAPE and MASE, the seasonal-naive baselines (same interval of the previous open day,
//! and of the same weekday of the previous week; for a daily series the weekly seasonal naive
//! and the previous day, for a weekly one the previous week), and the rolling-origin backtest
//! that compares them with the forecaster on the last days of a history.

use super::series::{build_with, Day, Granularity, History};
use super::{forecast_days, ForecastError, ForecastOptions, ModelConfig, Ts};
use chrono::{Duration, NaiveDate};
use serde::Serialize;

/// Weighted absolute percentage error, Σ|y − ŷ| / Σ|y|; `None` when Σ|y| = 0.
pub fn wape(actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let den: f64 = actual.iter().map(|y| y.abs()).sum();
    let num: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(y, f)| (y - f).abs())
        .sum();
    (den > 0.0 && !actual.is_empty()).then(|| num / den)
}

/// Mean absolute scaled error, mean|y − ŷ| / `scale`; `None` when there is nothing to average or
/// the scale is not > 0.
pub fn mase(actual: &[f64], forecast: &[f64], scale: f64) -> Option<f64> {
    if actual.is_empty() || scale.is_nan() || scale <= 0.0 {
        return None;
    }
    let num: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(y, f)| (y - f).abs())
        .sum();
    Some(num / actual.len() as f64 / scale)
}

/// Options of [`backtest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BacktestOptions {
    /// Calendar days at the end of the history that are forecast (the test window).
    pub days: u32,
    /// Length of each fold in calendar days: each fold is forecast from everything before it.
    pub fold_days: u32,
}

/// One fold of the backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fold {
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// Intervals of the history inside the fold.
    pub points: usize,
    /// Settings the forecaster chose on the data before the fold.
    pub model: ModelConfig,
    /// Outlier days it flagged in the data before the fold.
    pub outlier_days: usize,
    /// Intervals of the fold on a holiday (forecast at the holiday factor, scored as the rest).
    pub holiday_points: usize,
}

/// Accuracy of one method over all folds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// `opsdeck`, or a baseline: `seasonal_naive_weekly` and `seasonal_naive_daily` (interval
    /// series), `seasonal_naive_weekly` and `naive` (daily), `naive` (weekly).
    pub method: &'static str,
    pub wape: Option<f64>,
    pub mase: Option<f64>,
    /// Share of actuals inside the prediction interval (opsdeck only).
    pub interval_coverage: Option<f64>,
    pub points: usize,
}

/// One interval of the test window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestPoint {
    pub ts: Ts,
    pub actual: f64,
    pub forecast: f64,
    pub lower: f64,
    pub upper: f64,
    /// The baselines' forecasts, in the order of [`Backtest::scores`] after opsdeck.
    pub baselines: Vec<f64>,
}

/// Result of [`backtest`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    pub granularity: Granularity,
    pub folds: Vec<Fold>,
    /// opsdeck first, then the baselines (see [`Score::method`]).
    pub scores: Vec<Score>,
    /// In-sample MAE before the first fold (the MASE denominator) of the daily seasonal naive
    /// (interval series), the weekly seasonal naive (daily series) or the naive (weekly).
    pub mase_scale: Option<f64>,
    pub points: Vec<BacktestPoint>,
}

/// Rolling-origin backtest: the dates in (last date − `days`, last date] are cut into folds of
/// `fold_days` calendar days; each fold is forecast (its actual timestamps) from all data before
/// it, by opsdeck and by the baselines. Holidays with actuals are scored like any other period
/// (the baselines do not know them).
pub fn backtest(
    history: &[(Ts, f64)],
    bt: &BacktestOptions,
    opts: &ForecastOptions,
) -> Result<Backtest, ForecastError> {
    super::check_options(opts)?;
    if bt.days == 0 || bt.fold_days == 0 {
        return Err(ForecastError::Options(
            "backtest days and fold days must be ≥ 1".into(),
        ));
    }
    let h = build_with(history, opts)?;
    let g = h.grid.granularity;
    let last = h.days.last().map(|d| d.date).ok_or(ForecastError::Empty)?;
    let start = last - Duration::days(i64::from(bt.days) - 1);
    let first_tr = h.days.partition_point(|d| d.date < start);
    if first_tr == 0 {
        return Err(ForecastError::Options(format!(
            "the backtest window of {} days starts at {start}, but the history starts on {}: nothing is left to learn from",
            bt.days, h.days[0].date
        )));
    }
    let mase_scale = match g {
        Granularity::Day => weekly_naive_scale(&h.days[..first_tr]),
        Granularity::Interval | Granularity::Week => daily_naive_scale(&h.days[..first_tr]),
    };
    let methods: &[&'static str] = match g {
        Granularity::Interval => &["seasonal_naive_weekly", "seasonal_naive_daily"],
        Granularity::Day => &["seasonal_naive_weekly", "naive"],
        Granularity::Week => &["naive"],
    };
    let mut folds = Vec::new();
    let mut points = Vec::new();
    let mut fs = start;
    while fs <= last {
        let fe = (fs + Duration::days(i64::from(bt.fold_days))).min(last + Duration::days(1));
        let tr = h.days.partition_point(|d| d.date < fs);
        let te = h.days.partition_point(|d| d.date < fe);
        fs = fe;
        if te == tr {
            continue;
        }
        let mut at = Vec::new();
        let mut actual = Vec::new();
        for d in &h.days[tr..te] {
            for s in (0..h.grid.slots).filter(|&s| d.has(s)) {
                at.push(d.date.and_time(h.grid.time_of(s)));
                actual.push(d.vals[s]);
            }
        }
        let fc = forecast_days(&h, tr, &at, opts)?;
        let naive = Naive::new(&h, tr);
        for ((t, y), p) in at.iter().zip(&actual).zip(&fc.points) {
            let baselines = match g {
                Granularity::Week => vec![naive.daily(&h, t)],
                _ => vec![naive.weekly(&h, t), naive.daily(&h, t)],
            };
            points.push(BacktestPoint {
                ts: *t,
                actual: *y,
                forecast: p.forecast,
                lower: p.lower,
                upper: p.upper,
                baselines,
            });
        }
        folds.push(Fold {
            first_date: h.days[tr].date,
            last_date: h.days[te - 1].date,
            points: at.len(),
            model: fc.diagnostics.model,
            outlier_days: fc.diagnostics.outlier_days.len(),
            holiday_points: fc.diagnostics.holiday_points,
        });
    }
    let y: Vec<f64> = points.iter().map(|p| p.actual).collect();
    let score = |method, f: Vec<f64>, coverage| Score {
        method,
        wape: wape(&y, &f),
        mase: mase(&y, &f, mase_scale.unwrap_or(0.0)),
        interval_coverage: coverage,
        points: y.len(),
    };
    let inside = points
        .iter()
        .filter(|p| p.actual >= p.lower && p.actual <= p.upper)
        .count();
    let coverage = (!points.is_empty()).then(|| inside as f64 / points.len() as f64);
    let mut scores = vec![score(
        "opsdeck",
        points.iter().map(|p| p.forecast).collect(),
        coverage,
    )];
    for (i, m) in methods.iter().enumerate() {
        scores.push(score(
            m,
            points.iter().map(|p| p.baselines[i]).collect(),
            None,
        ));
    }
    Ok(Backtest {
        granularity: g,
        folds,
        scores,
        mase_scale,
        points,
    })
}

/// Mean |y(d, s) − y(d', s)| over the days d of the slice and the previous day d' with data,
/// for the intervals both have: the in-sample error of the daily seasonal naive (of the naive,
/// for a weekly series). Holidays count as any day: the scale depends on the data alone.
fn daily_naive_scale(days: &[Day]) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for w in days.windows(2) {
        for s in 0..w[0].vals.len() {
            if w[0].has(s) && w[1].has(s) {
                sum += (w[1].vals[s] - w[0].vals[s]).abs();
                n += 1;
            }
        }
    }
    (n > 0).then(|| sum / n as f64)
}

/// Mean |y(d) − y(d')| over the days d of a daily series and the latest earlier day d' of the
/// same weekday with data: the in-sample error of the weekly seasonal naive.
fn weekly_naive_scale(days: &[Day]) -> Option<f64> {
    let mut last: [Option<f64>; 7] = [None; 7];
    let (mut sum, mut n) = (0.0, 0usize);
    for d in days.iter().filter(|d| d.has(0)) {
        if let Some(prev) = last[d.dow] {
            sum += (d.vals[0] - prev).abs();
            n += 1;
        }
        last[d.dow] = Some(d.vals[0]);
    }
    (n > 0).then(|| sum / n as f64)
}

/// The seasonal-naive baselines as of the end of a training prefix: the latest value of each
/// interval (daily), and of each weekday × interval (weekly). Intervals never seen forecast 0.
struct Naive {
    daily: Vec<f64>,
    weekly: [Vec<f64>; 7],
}

impl Naive {
    fn new(h: &History, end: usize) -> Naive {
        let n = h.grid.slots;
        let mut daily = vec![f64::NAN; n];
        let mut weekly: [Vec<f64>; 7] = std::array::from_fn(|_| vec![f64::NAN; n]);
        for d in &h.days[..end] {
            for s in (0..n).filter(|&s| d.has(s)) {
                daily[s] = d.vals[s];
                weekly[d.dow][s] = d.vals[s];
            }
        }
        Naive { daily, weekly }
    }

    fn daily(&self, h: &History, t: &Ts) -> f64 {
        h.grid
            .slot(t)
            .map(|s| self.daily[s])
            .filter(|v| !v.is_nan())
            .unwrap_or(0.0)
    }

    fn weekly(&self, h: &History, t: &Ts) -> f64 {
        h.grid
            .slot(t)
            .map(|s| self.weekly[super::series::dow(t.date())][s])
            .filter(|v| !v.is_nan())
            .unwrap_or(0.0)
    }
}
