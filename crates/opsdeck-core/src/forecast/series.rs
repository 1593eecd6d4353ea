//! The history as a grid of days × time-of-day slots: the series' step (intervals of a day,
//! whole days or whole weeks) detected from the timestamps or asked for, a finer history summed
//! into the coarser step, missing periods (nights, weekends, gaps) kept as missing, never as
//! zero, and the holidays marked so the model leaves them out.

use super::{ForecastError, ForecastOptions, Holidays, Ts};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Timelike};
use serde::Serialize;
use std::borrow::Cow;

/// The step of a series: intervals of a day (5, 15, 30 … minutes), whole days, or whole weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Interval,
    Day,
    Week,
}

impl Granularity {
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Interval => "interval",
            Granularity::Day => "day",
            Granularity::Week => "week",
        }
    }
}

impl std::fmt::Display for Granularity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The time-of-day grid of a series: slot k starts at `phase_s + k * step_s` seconds after
/// local midnight. A daily series has one slot at 00:00 (step one day); a weekly one has one
/// slot at 00:00 of the weekday its weeks start on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grid {
    pub step_s: i64,
    pub phase_s: i64,
    pub slots: usize,
    pub granularity: Granularity,
    /// Weekday (0 = Monday) the periods of a weekly series start on.
    pub week_dow: usize,
}

impl Grid {
    /// Slot of a timestamp, or `None` when it is not on the grid.
    pub fn slot(&self, t: &Ts) -> Option<usize> {
        if self.granularity == Granularity::Week && dow(t.date()) != self.week_dow {
            return None;
        }
        let sod = i64::from(t.time().num_seconds_from_midnight());
        let off = sod - self.phase_s;
        (off >= 0 && off % self.step_s == 0).then_some((off / self.step_s) as usize)
    }

    pub fn time_of(&self, slot: usize) -> NaiveTime {
        let s = self.phase_s + slot as i64 * self.step_s;
        NaiveTime::from_num_seconds_from_midnight_opt(s as u32, 0).unwrap_or(NaiveTime::MIN)
    }
}

/// One period of the history (a calendar day, or a week for a weekly series): a value per slot,
/// NaN where the series has no row.
#[derive(Debug, Clone)]
pub(crate) struct Day {
    pub date: NaiveDate,
    pub dow: usize,
    pub vals: Vec<f64>,
    /// A holiday (a week holding one, for a weekly series): left out of fitting and tuning.
    pub holiday: bool,
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

/// Finite values ≥ 0 at strictly increasing timestamps.
fn validate(history: &[(Ts, f64)]) -> Result<(), ForecastError> {
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
    Ok(())
}

/// The step a sorted history is written in: intervals when some date has two or more rows;
/// else, when every timestamp is at 00:00, weeks when all fall on one weekday (two or more
/// rows) and days otherwise; else intervals (which then cannot be inferred).
pub fn detect_granularity(history: &[(Ts, f64)]) -> Granularity {
    if history.windows(2).any(|w| w[0].0.date() == w[1].0.date()) {
        return Granularity::Interval;
    }
    if !history.iter().all(|(t, _)| t.time() == NaiveTime::MIN) {
        return Granularity::Interval;
    }
    let first = history.first().map(|(t, _)| dow(t.date()));
    if history.len() >= 2 && history.iter().all(|(t, _)| Some(dow(t.date())) == first) {
        Granularity::Week
    } else {
        Granularity::Day
    }
}

/// Sum consecutive points whose `key` is equal (the keys must not decrease along the history).
fn sum_into(history: &[(Ts, f64)], key: impl Fn(Ts) -> Ts) -> Vec<(Ts, f64)> {
    let mut out: Vec<(Ts, f64)> = Vec::new();
    for (t, v) in history {
        let k = key(*t);
        match out.last_mut() {
            Some(last) if last.0 == k => last.1 += v,
            _ => out.push((k, *v)),
        }
    }
    out
}

fn day_key(t: Ts) -> Ts {
    t.date().and_time(NaiveTime::MIN)
}

fn week_key(t: Ts) -> Ts {
    (t.date() - Duration::days(dow(t.date()) as i64)).and_time(NaiveTime::MIN)
}

/// The most common positive step between points of the same date, seconds.
fn common_step(history: &[(Ts, f64)]) -> Option<i64> {
    let mut steps: Vec<i64> = history
        .windows(2)
        .filter(|w| w[0].0.date() == w[1].0.date())
        .map(|w| (w[1].0 - w[0].0).num_seconds())
        .collect();
    if steps.is_empty() {
        return None;
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
    Some(best.0)
}

/// A history in the step it is forecast in (borrowed when it already is), and that step.
pub(crate) type Prepared<'a> = (Cow<'a, [(Ts, f64)]>, Granularity);

/// The history in the step the options ask for (detected when they ask for none): a finer
/// history is summed into the coarser step (intervals into `interval_minutes`, into days, into
/// weeks starting on Monday); a coarser one is refused.
pub(crate) fn prepare<'a>(
    history: &'a [(Ts, f64)],
    opts: &ForecastOptions,
) -> Result<Prepared<'a>, ForecastError> {
    validate(history)?;
    let native = detect_granularity(history);
    let want = opts.granularity.unwrap_or(native);
    use Granularity::*;
    if let Some(m) = opts.interval_minutes {
        if want != Interval || native != Interval {
            return Err(ForecastError::Options(format!(
                "intervals of {m} minutes apply to an interval series; this one is {} and is forecast by {}",
                describe(native),
                want
            )));
        }
    }
    let points: Cow<'a, [(Ts, f64)]> = match (native, want) {
        (Interval, Interval) => match opts.interval_minutes {
            None => Cow::Borrowed(history),
            Some(m) => {
                let len_s = i64::from(m) * 60;
                let step = common_step(history).ok_or(ForecastError::NoInterval)?;
                let phase = i64::from(history[0].0.time().num_seconds_from_midnight()) % step;
                if m == 0 || m > 1440 || len_s % step != 0 || phase != 0 {
                    return Err(ForecastError::Options(format!(
                        "intervals of {m} minutes cannot be summed from the history's {}-second intervals{}: the new length must be a whole number of them, at most a day, and the history's intervals must start on whole multiples of their length after midnight",
                        step,
                        if phase != 0 { format!(" (starting {phase} s after the hour)") } else { String::new() }
                    )));
                }
                Cow::Owned(sum_into(history, |t| {
                    let sod = i64::from(t.time().num_seconds_from_midnight());
                    let start = sod - sod % len_s;
                    t.date().and_time(
                        NaiveTime::from_num_seconds_from_midnight_opt(start as u32, 0)
                            .unwrap_or(NaiveTime::MIN),
                    )
                }))
            }
        },
        (Day | Week, Day) | (Week, Week) => Cow::Borrowed(history),
        (Interval, Day) => Cow::Owned(sum_into(history, day_key)),
        (Interval | Day, Week) => Cow::Owned(sum_into(history, week_key)),
        (Day | Week, Interval) => {
            return Err(ForecastError::Options(format!(
                "the history is {}: it cannot be forecast by interval",
                describe(native)
            )))
        }
    };
    Ok((points, want))
}

fn describe(g: Granularity) -> &'static str {
    match g {
        Granularity::Interval => "by interval",
        Granularity::Day => "daily (one row per date at 00:00)",
        Granularity::Week => "weekly (one row per week at 00:00)",
    }
}

/// Lay a prepared history out by period, marking its holidays.
pub(crate) fn build_as(
    history: &[(Ts, f64)],
    granularity: Granularity,
    holidays: &Holidays,
) -> Result<History, ForecastError> {
    validate(history)?;
    let (step_s, phase_s, slots) = match granularity {
        Granularity::Interval => {
            let step_s = common_step(history).ok_or(ForecastError::NoInterval)?;
            let phase_s = i64::from(history[0].0.time().num_seconds_from_midnight()) % step_s;
            (
                step_s,
                phase_s,
                ((86_400 - phase_s + step_s - 1) / step_s) as usize,
            )
        }
        Granularity::Day => (86_400, 0, 1),
        Granularity::Week => (7 * 86_400, 0, 1),
    };
    let grid = Grid {
        step_s,
        phase_s,
        slots,
        granularity,
        week_dow: dow(history[0].0.date()),
    };
    let mut days: Vec<Day> = Vec::new();
    for (i, (t, v)) in history.iter().enumerate() {
        let s = grid.slot(t).ok_or(match granularity {
            Granularity::Interval => ForecastError::OffGrid {
                index: i,
                ts: *t,
                step_s,
            },
            g => ForecastError::OffPeriod {
                index: i,
                ts: *t,
                granularity: g,
            },
        })?;
        let date = t.date();
        if days.last().is_none_or(|d| d.date != date) {
            days.push(Day {
                date,
                dow: dow(date),
                vals: vec![f64::NAN; slots],
                holiday: holidays.holidays_in(granularity, date) > 0,
            });
        }
        if let Some(d) = days.last_mut() {
            d.vals[s] = *v;
        }
    }
    Ok(History { grid, days })
}

/// Validate the points (strictly increasing, finite, ≥ 0), bring them to the step the options
/// ask for and lay the values out by period.
pub(crate) fn build_with(
    history: &[(Ts, f64)],
    opts: &ForecastOptions,
) -> Result<History, ForecastError> {
    let (points, g) = prepare(history, opts)?;
    build_as(&points, g, &opts.holidays)
}

/// Weeks looked back to decide which slots are open.
const OPEN_WINDOW_DAYS: i64 = 56;

/// Open slots per weekday: a slot is open on weekday w when the series has a row for it on at
/// least half of the w-dates of the last 8 weeks (or of the whole history when shorter).
/// Holidays do not count as rows.
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
    for day in days.iter().filter(|d| d.date >= from && !d.holiday) {
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
