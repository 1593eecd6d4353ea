//! Tests of the forecaster on series whose right answer is known.

use super::*;
use chrono::{Datelike, NaiveDate, Timelike};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A series from `start` over `days` days with one point every `step_min` minutes while
/// `open(weekday, minute_of_day)` holds, valued `f(date, minute_of_day)`.
fn series(
    start: NaiveDate,
    days: i64,
    step_min: u32,
    open: impl Fn(usize, u32) -> bool,
    f: impl Fn(NaiveDate, u32) -> f64,
) -> Vec<(Ts, f64)> {
    let mut out = Vec::new();
    for k in 0..days {
        let d = start + Duration::days(k);
        let w = d.weekday().num_days_from_monday() as usize;
        for m in (0..24 * 60).step_by(step_min as usize) {
            if open(w, m) {
                let t = d.and_hms_opt(m / 60, m % 60, 0).unwrap();
                out.push((t, f(d, m)));
            }
        }
    }
    out
}

fn weekdays_8_to_18(w: usize, m: u32) -> bool {
    w < 5 && (8 * 60..18 * 60).contains(&m)
}

/// Volume of a pure seasonal series: weekday factor × intraday bump.
fn seasonal(d: NaiveDate, m: u32) -> f64 {
    let w = d.weekday().num_days_from_monday() as f64;
    let day = [1.3, 1.1, 1.0, 0.95, 0.8, 0.5, 0.4][w as usize];
    let h = f64::from(m) / 60.0;
    day * (20.0
        + 60.0 * (-(h - 11.0).powi(2) / 4.0).exp()
        + 40.0 * (-(h - 15.0).powi(2) / 3.0).exp())
}

/// Every forecast equals `seasonal` to 1e-6 (relative).
fn assert_seasonal(at: &[Ts], fc: &Forecast) {
    for (t, p) in at.iter().zip(&fc.points) {
        let want = seasonal(t.date(), t.hour() * 60 + t.minute());
        assert!(
            (p.forecast - want).abs() < 1e-6 * want,
            "{t}: {p:?} vs {want}"
        );
    }
}

fn future(hist: &[(Ts, f64)], days: u32) -> Vec<Ts> {
    let oh = infer_opening_hours(hist).unwrap();
    oh.timestamps_after(oh.last_date, days)
}

#[test]
fn constant_series_is_reproduced() {
    let hist = series(date(2025, 1, 6), 42, 30, |_, _| true, |_, _| 10.0);
    let at = future(&hist, 7);
    assert_eq!(at.len(), 7 * 48);
    let fc = forecast(&hist, &at, &ForecastOptions::default()).unwrap();
    for p in &fc.points {
        assert!((p.forecast - 10.0).abs() < 1e-9, "{p:?}");
        assert!(p.lower <= p.forecast && p.forecast <= p.upper, "{p:?}");
    }
    assert!(fc.diagnostics.outlier_days.is_empty());
    assert_eq!(fc.diagnostics.closed_points, 0);
}

#[test]
fn pure_seasonal_series_with_opening_hours_is_reproduced() {
    let hist = series(date(2025, 1, 6), 56, 15, weekdays_8_to_18, seasonal);
    let at = future(&hist, 14);
    assert_eq!(at.len(), 10 * 40, "two weeks of five 10-hour days");
    let fc = forecast(&hist, &at, &ForecastOptions::default()).unwrap();
    assert_seasonal(&at, &fc);
}

#[test]
fn closed_times_forecast_zero_and_are_counted() {
    let hist = series(date(2025, 1, 6), 28, 15, weekdays_8_to_18, seasonal);
    let sat = date(2025, 2, 8).and_hms_opt(10, 0, 0).unwrap();
    let night = date(2025, 2, 4).and_hms_opt(3, 0, 0).unwrap();
    let open = date(2025, 2, 4).and_hms_opt(10, 0, 0).unwrap();
    let fc = forecast(&hist, &[sat, night, open], &ForecastOptions::default()).unwrap();
    assert_eq!(fc.points[0].forecast, 0.0);
    assert_eq!(fc.points[1].forecast, 0.0);
    assert!(fc.points[2].forecast > 0.0);
    assert_eq!(fc.diagnostics.closed_points, 2);
}

#[test]
fn opening_hours_are_inferred_per_weekday() {
    // Mon–Fri 07:00–21:05 in 5-minute intervals (169 a day), Saturday 09:00–13:00, no Sunday;
    // one Wednesday missing (a holiday) and a few rows missing here and there.
    let open = |w: usize, m: u32| match w {
        0..=4 => (7 * 60..21 * 60 + 5).contains(&m),
        5 => (9 * 60..13 * 60).contains(&m),
        _ => false,
    };
    let mut hist = series(date(2025, 3, 3), 70, 5, open, |_, _| 3.0);
    hist.retain(|(t, _)| t.date() != date(2025, 4, 2) && !(t.minute() == 35 && t.day() % 3 == 0));
    let oh = infer_opening_hours(&hist).unwrap();
    assert_eq!(oh.interval_s, 300);
    assert_eq!(oh.open[0].len(), 169);
    assert_eq!(oh.open[2].len(), 169);
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    assert_eq!(oh.periods(Weekday::Mon), vec![(t(7, 0), t(21, 5))]);
    assert_eq!(oh.periods(Weekday::Sat), vec![(t(9, 0), t(13, 0))]);
    assert!(oh.periods(Weekday::Sun).is_empty());
    let next = oh.timestamps_after(oh.last_date, 7);
    assert_eq!(next.len(), 5 * 169 + 48);
}

#[test]
fn an_outlier_day_does_not_poison_the_profile() {
    // a holiday at 10 % of normal volume, and a spike day at 3× with a different shape
    let holiday = date(2025, 2, 12);
    let spike = date(2025, 2, 20);
    let hist = series(date(2025, 1, 6), 56, 15, weekdays_8_to_18, |d, m| {
        let v = seasonal(d, m);
        if d == holiday {
            0.1 * v
        } else if d == spike {
            3.0 * v * if m < 12 * 60 { 2.0 } else { 0.5 }
        } else {
            v
        }
    });
    let at = future(&hist, 7);
    let fc = forecast(&hist, &at, &ForecastOptions::default()).unwrap();
    let flagged: Vec<NaiveDate> = fc.diagnostics.outlier_days.iter().map(|o| o.date).collect();
    assert!(flagged.contains(&holiday), "{flagged:?}");
    assert!(flagged.contains(&spike), "{flagged:?}");
    assert_seasonal(&at, &fc);
}

#[test]
fn metrics_on_a_hand_worked_vector() {
    let y = [10.0, 20.0, 30.0, 0.0];
    let f = [12.0, 18.0, 33.0, 1.0];
    // Σ|e| = 2 + 2 + 3 + 1 = 8, Σ|y| = 60
    assert!((wape(&y, &f).unwrap() - 8.0 / 60.0).abs() < 1e-15);
    // mean|e| = 2, scale 4
    assert!((mase(&y, &f, 4.0).unwrap() - 0.5).abs() < 1e-15);
    assert_eq!(wape(&[0.0, 0.0], &[1.0, 2.0]), None);
    assert_eq!(mase(&y, &f, 0.0), None);
    assert_eq!(mase(&[], &[], 1.0), None);
}

#[test]
fn backtest_by_hand() {
    // two weeks of a 24 h series with 12-hour intervals (2 per day): week 1 = 1,2 each day,
    // week 2 = 3,5 each day; backtest the last day only with fixed settings.
    let start = date(2025, 1, 6);
    let hist = series(
        start,
        14,
        720,
        |_, _| true,
        |d, m| {
            let wk2 = (d - start).num_days() >= 7;
            match (wk2, m) {
                (false, 0) => 1.0,
                (false, _) => 2.0,
                (true, 0) => 3.0,
                (true, _) => 5.0,
            }
        },
    );
    let bt = backtest(
        &hist,
        &BacktestOptions {
            days: 1,
            fold_days: 1,
        },
        &ForecastOptions::default(),
    )
    .unwrap();
    assert_eq!(bt.folds.len(), 1);
    assert_eq!(bt.points.len(), 2);
    // MASE scale over the 13 training days: 12 day pairs × 2 intervals, all |Δ| 0 except at the
    // week change: (|3−1| + |5−2|) / 24
    assert!((bt.mase_scale.unwrap() - 5.0 / 24.0).abs() < 1e-12);
    // weekly naive: last Sunday of week 1 = (1, 2) vs actual (3, 5): WAPE 5/8
    let weekly = &bt.scores[1];
    assert_eq!(weekly.method, "seasonal_naive_weekly");
    assert!((weekly.wape.unwrap() - 5.0 / 8.0).abs() < 1e-12);
    assert!((weekly.mase.unwrap() - 2.5 / (5.0 / 24.0)).abs() < 1e-9);
    // daily naive: the Saturday before = (3, 5): perfect
    assert_eq!(bt.scores[2].wape, Some(0.0));
}

#[test]
fn backtest_on_a_pure_seasonal_series_is_exact_for_opsdeck() {
    let hist = series(date(2025, 1, 6), 70, 30, weekdays_8_to_18, seasonal);
    let bt = backtest(
        &hist,
        &BacktestOptions {
            days: 14,
            fold_days: 7,
        },
        &ForecastOptions::default(),
    )
    .unwrap();
    assert_eq!(bt.folds.len(), 2);
    assert!(bt.scores[0].wape.unwrap() < 1e-9, "{:?}", bt.scores[0]);
    assert!(
        bt.scores[1].wape.unwrap() < 1e-12,
        "weekly naive is exact too"
    );
    assert!(
        bt.scores[2].wape.unwrap() > 0.05,
        "daily naive misses the weekday effect"
    );
}

#[test]
fn bad_histories_are_refused() {
    let t = |d, h| date(2025, 1, d).and_hms_opt(h, 0, 0).unwrap();
    let fo = ForecastOptions::default();
    assert_eq!(forecast(&[], &[], &fo), Err(ForecastError::Empty));
    assert!(matches!(
        forecast(&[(t(6, 9), 1.0), (t(6, 8), 1.0)], &[], &fo),
        Err(ForecastError::NotIncreasing { index: 1, .. })
    ));
    assert!(matches!(
        forecast(&[(t(6, 9), 1.0), (t(6, 10), -1.0)], &[], &fo),
        Err(ForecastError::BadValue { index: 1, .. })
    ));
    assert!(matches!(
        forecast(&[(t(6, 9), 1.0), (t(7, 9), 1.0)], &[], &fo),
        Err(ForecastError::NoInterval)
    ));
    let hist = series(date(2025, 1, 6), 3, 60, |_, _| true, |_, _| 1.0);
    assert!(matches!(
        forecast(&hist, &[t(9, 1)], &fo),
        Err(ForecastError::TooShort { days: 3, need: 5 })
    ));
    let hist = series(date(2025, 1, 6), 14, 60, |_, _| true, |_, _| 1.0);
    let off = date(2025, 1, 20).and_hms_opt(1, 30, 0).unwrap();
    assert!(matches!(
        forecast(&hist, &[off], &fo),
        Err(ForecastError::AtOffGrid { index: 0, .. })
    ));
}
