//! The model: day volume = level × weekday factor (level by robust exponential smoothing on the
//! log scale, optional damped trend), times an intraday shape per weekday (share of the day per
//! slot, exponentially weighted over recent weeks and smoothed across neighbouring slots).
//! Days whose total is far from what the model expected (robust z-score) are flagged as
//! outliers and left out of the level update, the weekday factors and the shapes; holidays are
//! left out the same way without being judged.

use super::series::{open_slots, Day};
use super::{ModelConfig, OutlierDay};
use chrono::NaiveDate;

/// A day counts as complete (usable for totals and shapes) when at least this share of its
/// weekday's open slots has a row.
const MIN_COVERAGE: f64 = 0.9;
/// Residuals beyond this many robust standard deviations are clipped (Huber) in the level update.
const HUBER_K: f64 = 2.0;
/// Daily damping of the trend.
const PHI: f64 = 0.98;
/// Fewest complete days a fit needs.
pub(crate) const MIN_DAYS: usize = 5;

#[derive(Debug, Clone)]
pub(crate) struct Fitted {
    pub last_date: NaiveDate,
    pub log_level: f64,
    pub trend: f64,
    /// Weekday factor (mean 1 over the weekdays seen); `None` = weekday closed.
    pub factor: [Option<f64>; 7],
    /// Share of the day per slot (sums to 1 over the open slots; 0 on closed slots).
    pub shape: [Vec<f64>; 7],
    pub outliers: Vec<OutlierDay>,
}

struct Obs {
    /// Index into the days slice.
    day: usize,
    total: f64,
}

fn ln1(x: f64) -> f64 {
    (x + 0.5).ln()
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Sum of φ^j for j = 1..=g: how far a trend carries over g days.
fn damp_sum(g: i64) -> f64 {
    let g = g.max(0) as i32;
    if g == 0 {
        0.0
    } else {
        PHI * (1.0 - PHI.powi(g)) / (1.0 - PHI)
    }
}

struct Pass {
    /// One-step-ahead log level before each observation's update.
    pred: Vec<f64>,
    /// Log residual of each observation against level × factor.
    resid: Vec<f64>,
    level: f64,
    trend: f64,
}

/// Run the level filter over the complete days.
fn filter(
    days: &[Day],
    obs: &[Obs],
    factor: &[f64; 7],
    cfg: &ModelConfig,
    sigma: Option<f64>,
    outlier: &[bool],
    start_level: f64,
) -> Pass {
    let mut level = start_level;
    let mut trend = 0.0;
    let mut prev: Option<NaiveDate> = None;
    let mut pred = Vec::with_capacity(obs.len());
    let mut resid = Vec::with_capacity(obs.len());
    for (i, o) in obs.iter().enumerate() {
        let day = &days[o.day];
        if let Some(p) = prev {
            let g = (day.date - p).num_days();
            level += trend * damp_sum(g);
            trend *= PHI.powi(g.clamp(0, 10_000) as i32);
        }
        prev = Some(day.date);
        pred.push(level);
        let expected = level.exp() * factor[day.dow];
        let r = ln1(o.total) - ln1(expected);
        resid.push(r);
        let e = match sigma {
            _ if outlier[i] => 0.0,
            Some(s) => r.clamp(-HUBER_K * s, HUBER_K * s),
            None => r,
        };
        level += cfg.level_alpha * e;
        trend += cfg.trend_beta * e;
    }
    Pass {
        pred,
        resid,
        level,
        trend,
    }
}

fn weight(last: NaiveDate, d: NaiveDate, half_life_weeks: f64) -> f64 {
    let age_days = (last - d).num_days() as f64;
    0.5f64.powf(age_days / (7.0 * half_life_weeks.max(1e-3)))
}

/// Fit the model on `days` (sorted by date). `None` when there are too few complete days.
pub(crate) fn fit(days: &[Day], slots: usize, cfg: &ModelConfig, outlier_z: f64) -> Option<Fitted> {
    let open = open_slots(days, slots);
    let n_open: Vec<usize> = open
        .iter()
        .map(|o| o.iter().filter(|&&b| b).count())
        .collect();
    let obs: Vec<Obs> = days
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let w = d.dow;
            if n_open[w] == 0 || d.holiday {
                return None;
            }
            let mut seen = 0usize;
            let mut total = 0.0;
            for s in (0..slots).filter(|&s| open[w][s]) {
                if d.has(s) {
                    seen += 1;
                    total += d.vals[s];
                }
            }
            (seen as f64 >= MIN_COVERAGE * n_open[w] as f64).then_some(Obs { day: i, total })
        })
        .collect();
    if obs.len() < MIN_DAYS {
        return None;
    }
    let last_date = days[obs[obs.len() - 1].day].date;

    // initial weekday factors: medians of the totals per weekday
    let mut per_dow: [Vec<f64>; 7] = std::array::from_fn(|_| Vec::new());
    for o in &obs {
        per_dow[days[o.day].dow].push(o.total);
    }
    let mut factor = [1.0f64; 7];
    let mut present = [false; 7];
    for w in 0..7 {
        if let Some(m) = median(&mut per_dow[w].clone()) {
            factor[w] = m.max(1e-9);
            present[w] = true;
        }
    }
    normalise(&mut factor, &present);
    let mut first: Vec<f64> = obs
        .iter()
        .take(10)
        .map(|o| o.total / factor[days[o.day].dow])
        .collect();
    let start_level = median(&mut first).unwrap_or(0.0).max(1e-9).ln();

    let mut outlier = vec![false; obs.len()];
    let mut sigma: Option<f64> = None;
    let mut pass = filter(days, &obs, &factor, cfg, None, &outlier, start_level);
    for _ in 0..3 {
        // robust scale of the log residuals, then flag the outlier days
        let mut r: Vec<f64> = pass.resid.clone();
        let med = median(&mut r).unwrap_or(0.0);
        let mut dev: Vec<f64> = pass.resid.iter().map(|x| (x - med).abs()).collect();
        let s = (1.4826 * median(&mut dev).unwrap_or(0.0)).max(0.01);
        sigma = Some(s);
        for (i, x) in pass.resid.iter().enumerate() {
            outlier[i] = ((x - med) / s).abs() > outlier_z;
        }
        // weekday factors: weighted mean of total / predicted level over the regular days
        let mut num = [0.0f64; 7];
        let mut den = [0.0f64; 7];
        for (i, o) in obs.iter().enumerate() {
            if outlier[i] {
                continue;
            }
            let d = &days[o.day];
            let wt = weight(last_date, d.date, cfg.weekday_half_life_weeks);
            num[d.dow] += wt * o.total / pass.pred[i].exp().max(1e-9);
            den[d.dow] += wt;
        }
        for w in 0..7 {
            if den[w] > 0.0 {
                factor[w] = (num[w] / den[w]).max(1e-9);
            }
        }
        normalise(&mut factor, &present);
        pass = filter(days, &obs, &factor, cfg, sigma, &outlier, start_level);
    }
    let s = sigma.unwrap_or(0.01);
    let outliers: Vec<OutlierDay> = obs
        .iter()
        .enumerate()
        .filter(|(i, _)| outlier[*i])
        .map(|(i, o)| {
            let d = &days[o.day];
            OutlierDay {
                date: d.date,
                total: o.total,
                expected: pass.pred[i].exp() * factor[d.dow],
                z: pass.resid[i] / s,
            }
        })
        .collect();

    // intraday shapes
    let mut shape: [Vec<f64>; 7] = std::array::from_fn(|_| vec![0.0; slots]);
    for w in (0..7).filter(|&w| present[w]) {
        let mut num = vec![0.0f64; slots];
        let mut den = vec![0.0f64; slots];
        let mut any = false;
        for pass_outliers in [false, true] {
            for (i, o) in obs.iter().enumerate() {
                let d = &days[o.day];
                if d.dow != w || o.total <= 0.0 || (outlier[i] && !pass_outliers) {
                    continue;
                }
                let wt = weight(last_date, d.date, cfg.shape_half_life_weeks);
                for s in (0..slots).filter(|&s| open[w][s] && d.has(s)) {
                    num[s] += wt * d.vals[s] / o.total;
                    den[s] += wt;
                    any = true;
                }
            }
            if any {
                break; // only when every day of this weekday is an outlier are they used
            }
        }
        let raw: Vec<f64> = (0..slots)
            .map(|s| {
                if open[w][s] && den[s] > 0.0 {
                    num[s] / den[s]
                } else {
                    0.0
                }
            })
            .collect();
        let has: Vec<bool> = (0..slots).map(|s| open[w][s] && den[s] > 0.0).collect();
        let smooth = smooth_shape(&raw, &has, cfg.shape_smoothing_slots);
        let sum: f64 = smooth.iter().sum();
        if sum > 0.0 {
            shape[w] = smooth.iter().map(|x| x / sum).collect();
        }
    }
    let mut fac = [None; 7];
    for w in 0..7 {
        if present[w] && shape[w].iter().any(|&x| x > 0.0) {
            fac[w] = Some(factor[w]);
        }
    }
    Some(Fitted {
        last_date,
        log_level: pass.level,
        trend: pass.trend,
        factor: fac,
        shape,
        outliers,
    })
}

fn normalise(factor: &mut [f64; 7], present: &[bool; 7]) {
    let n = present.iter().filter(|&&p| p).count();
    if n == 0 {
        return;
    }
    let mean: f64 = (0..7)
        .filter(|&w| present[w])
        .map(|w| factor[w])
        .sum::<f64>()
        / n as f64;
    if mean > 0.0 {
        for f in factor.iter_mut() {
            *f /= mean;
        }
    }
}

/// Triangular kernel of the given radius over the slots that have an estimate; slots without
/// one stay 0 and are not borrowed from.
fn smooth_shape(raw: &[f64], has: &[bool], radius: usize) -> Vec<f64> {
    if radius == 0 {
        return raw.to_vec();
    }
    let n = raw.len();
    (0..n)
        .map(|s| {
            if !has[s] {
                return 0.0;
            }
            let lo = s.saturating_sub(radius);
            let hi = (s + radius).min(n - 1);
            let (mut num, mut den) = (0.0, 0.0);
            for j in lo..=hi {
                if has[j] {
                    let w = (radius + 1 - s.abs_diff(j)) as f64;
                    num += w * raw[j];
                    den += w;
                }
            }
            num / den
        })
        .collect()
}

impl Fitted {
    /// Expected volume of the whole day `date`, or `None` when its weekday is closed.
    pub fn day_total(&self, date: NaiveDate) -> Option<f64> {
        let w = super::series::dow(date);
        let f = self.factor[w]?;
        let g = (date - self.last_date).num_days();
        let level = self.log_level + self.trend * damp_sum(g);
        Some(level.exp() * f)
    }
}
