//! The history as a grid of days × time-of-day slots: interval length and phase inferred from
//! the timestamps, missing intervals (nights, weekends, gaps) kept as missing, never as zero.

use super::{ForecastError, Ts};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Timelike};

/// The time-of-day grid of a series: slot k starts at `phase_s + k * step_s` seconds after
/// local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grid {
    pub step_s: i64,
    pub phase_s: i64,
    pub slots: usize,
}

impl Grid {
    /// Slot of a timestamp, or `None` when it is not on the grid.
    pub fn slot(&self, t: &Ts) -> Option<usize> {
        let sod = i64::from(t.time().num_seconds_from_midnight());
        let off = sod - self.phase_s;
        (off >= 0 && off % self.step_s == 0).then_some((off / self.step_s) as usize)
    }

    pub fn time_of(&self, slot: usize) -> NaiveTime {
        let s = self.phase_s + slot as i64 * self.step_s;
        NaiveTime::from_num_seconds_from_midnight_opt(s as u32, 0).unwrap_or(NaiveTime::MIN)
    }
}

/// One calendar day of the history: a value per slot, NaN where the series has no row.
#[derive(Debug, Clone)]
pub(crate) struct Day {
    pub date: NaiveDate,
    pub dow: usize,
    pub vals: Vec<f64>,
}

impl Day {
    pub fn has(&self, s: usize) -> bool {
        !self.vals[s].is_nan()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct History {
    pub grid: Grid,
    pub days: Vec<Day>,
}

pub(crate) fn dow(d: NaiveDate) -> usize {
    d.weekday().num_days_from_monday() as usize
}

/// Validate the points (strictly increasing, finite, ≥ 0), infer the grid and lay the values
/// out by day.
pub(crate) fn build(history: &[(Ts, f64)]) -> Result<History, ForecastError> {
    if history.is_empty() {
        return Err(ForecastError::Empty);
    }
    for (i, (t, v)) in history.iter().enumerate() {
        if !v.is_finite() || *v < 0.0 {
            return Err(ForecastError::BadValue {
                index: i,
                ts: *t,
                value: *v,
            });
        }
        if i > 0 && history[i - 1].0 >= *t {
            return Err(ForecastError::NotIncreasing { index: i, ts: *t });
        }
    }
    // interval length: the most common positive step between points of the same date
    let mut steps: Vec<i64> = history
        .windows(2)
        .filter(|w| w[0].0.date() == w[1].0.date())
        .map(|w| (w[1].0 - w[0].0).num_seconds())
        .collect();
    if steps.is_empty() {
        return Err(ForecastError::NoInterval);
    }
    steps.sort_unstable();
    let mut best = (steps[0], 0usize);
    let mut run = (steps[0], 0usize);
    for &s in &steps {
        if s == run.0 {
            run.1 += 1;
        } else {
            run = (s, 1);
        }
        if run.1 > best.1 {
            best = run;
        }
    }
    let step_s = best.0;
    let phase_s = i64::from(history[0].0.time().num_seconds_from_midnight()) % step_s;
    let slots = ((86_400 - phase_s + step_s - 1) / step_s) as usize;
    let grid = Grid {
        step_s,
        phase_s,
        slots,
    };
    let mut days: Vec<Day> = Vec::new();
    for (i, (t, v)) in history.iter().enumerate() {
        let s = grid.slot(t).ok_or(ForecastError::OffGrid {
            index: i,
            ts: *t,
            step_s,
        })?;
        let date = t.date();
        if days.last().is_none_or(|d| d.date != date) {
            days.push(Day {
                date,
                dow: dow(date),
                vals: vec![f64::NAN; slots],
            });
        }
        if let Some(d) = days.last_mut() {
            d.vals[s] = *v;
        }
    }
    Ok(History { grid, days })
}

/// Weeks looked back to decide which slots are open.
const OPEN_WINDOW_DAYS: i64 = 56;

/// Open slots per weekday: a slot is open on weekday w when the series has a row for it on at
/// least half of the w-dates of the last 8 weeks (or of the whole history when shorter).
pub(crate) fn open_slots(days: &[Day], slots: usize) -> [Vec<bool>; 7] {
    let mut open: [Vec<bool>; 7] = std::array::from_fn(|_| vec![false; slots]);
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return open;
    };
    let from = (last.date - Duration::days(OPEN_WINDOW_DAYS - 1)).max(first.date);
    let mut occurrences = [0usize; 7];
    let mut d = from;
    while d <= last.date {
        occurrences[dow(d)] += 1;
        d += Duration::days(1);
    }
    let mut seen: [Vec<usize>; 7] = std::array::from_fn(|_| vec![0; slots]);
    for day in days.iter().filter(|d| d.date >= from) {
        for (s, n) in seen[day.dow].iter_mut().enumerate() {
            if day.has(s) {
                *n += 1;
            }
        }
    }
    for w in 0..7 {
        for s in 0..slots {
            open[w][s] = occurrences[w] > 0 && 2 * seen[w][s] >= occurrences[w] && seen[w][s] > 0;
        }
    }
    open
}
