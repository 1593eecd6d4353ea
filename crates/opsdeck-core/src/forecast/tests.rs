//! Tests of the forecaster on series whose right answer is known.

use super::*;
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};

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

/// A daily series (one row per date at 00:00) from `start` over `days` days, valued `f(date)`
/// on the days `open(date)` holds.
fn daily(
    start: NaiveDate,
    days: i64,
    open: impl Fn(NaiveDate) -> bool,
    f: impl Fn(NaiveDate) -> f64,
) -> Vec<(Ts, f64)> {
    (0..days)
        .map(|k| start + Duration::days(k))
        .filter(|d| open(*d))
        .map(|d| (d.and_time(NaiveTime::MIN), f(d)))
        .collect()
}

fn weekday_volume(d: NaiveDate) -> f64 {
    [130.0, 110.0, 100.0, 95.0, 80.0, 5.0, 4.0][d.weekday().num_days_from_monday() as usize]
}

#[test]
fn granularity_is_detected_from_the_timestamps() {
    let iv = series(date(2025, 1, 6), 3, 60, |_, _| true, |_, _| 1.0);
    assert_eq!(detect_granularity(&iv), Granularity::Interval);
    let d = daily(date(2025, 1, 6), 10, |_| true, |_| 1.0);
    assert_eq!(detect_granularity(&d), Granularity::Day);
    let w = daily(
        date(2025, 1, 6),
        30,
        |d| d.weekday() == Weekday::Mon,
        |_| 1.0,
    );
    assert_eq!(detect_granularity(&w), Granularity::Week);
    // one row a day at 09:00 is neither: an interval series whose length cannot be inferred
    let nine: Vec<(Ts, f64)> = d
        .iter()
        .map(|(t, v)| (t.date().and_hms_opt(9, 0, 0).unwrap(), *v))
        .collect();
    assert_eq!(detect_granularity(&nine), Granularity::Interval);
    assert_eq!(
        forecast(&nine, &[], &ForecastOptions::default()),
        Err(ForecastError::NoInterval)
    );
}

#[test]
fn daily_series_get_day_of_week_factors() {
    let hist = daily(date(2025, 1, 6), 10 * 7, |_| true, weekday_volume);
    let oh = infer_opening_hours(&hist).unwrap();
    assert_eq!(oh.granularity, Granularity::Day);
    assert_eq!(oh.interval_s, 86_400);
    let at = oh.timestamps_after(oh.last_date, 14);
    assert_eq!(at.len(), 14);
    let fc = forecast(&hist, &at, &ForecastOptions::default()).unwrap();
    assert_eq!(fc.diagnostics.granularity, Granularity::Day);
    for (t, p) in at.iter().zip(&fc.points) {
        let want = weekday_volume(t.date());
        assert!((p.forecast - want).abs() < 1e-6 * want, "{t}: {p:?}");
        assert!(p.lower <= p.forecast && p.forecast <= p.upper);
    }
    // a weekday without rows is closed
    let weekdays = daily(
        date(2025, 1, 6),
        10 * 7,
        |d| d.weekday().num_days_from_monday() < 5,
        weekday_volume,
    );
    let sat = date(2025, 3, 22).and_time(NaiveTime::MIN);
    let fc = forecast(&weekdays, &[sat], &ForecastOptions::default()).unwrap();
    assert_eq!(fc.points[0].forecast, 0.0);
    assert_eq!(fc.diagnostics.closed_points, 1);
    let noon = date(2025, 3, 24).and_hms_opt(12, 0, 0).unwrap();
    assert!(matches!(
        forecast(&weekdays, &[noon], &ForecastOptions::default()),
        Err(ForecastError::AtOffPeriod { index: 0, .. })
    ));
}

#[test]
fn holidays_are_left_out_of_fitting_and_forecast_closed() {
    // holidays at 2 % of a normal day in the history; two more in the future
    let past = [date(2025, 1, 20), date(2025, 2, 17), date(2025, 3, 5)];
    let future_h = [date(2025, 3, 19), date(2025, 3, 28)];
    let hist = daily(
        date(2025, 1, 6),
        10 * 7,
        |d| d.weekday().num_days_from_monday() < 5,
        |d| weekday_volume(d) * if past.contains(&d) { 0.02 } else { 1.0 },
    );
    let at: Vec<Ts> = (0..14)
        .map(|k| (date(2025, 3, 17) + Duration::days(k)).and_time(NaiveTime::MIN))
        .collect();
    let mut opts = ForecastOptions::default();
    opts.holidays.dates = past.iter().chain(&future_h).copied().collect();
    let fc = forecast(&hist, &at, &opts).unwrap();
    let d = &fc.diagnostics;
    assert!(d.outlier_days.is_empty(), "{:?}", d.outlier_days);
    assert_eq!(d.holiday_days, 3);
    assert_eq!(d.holiday_points, 2);
    assert_eq!(d.closed_points, 4, "two weekends");
    for (t, p) in at.iter().zip(&fc.points) {
        let want = if future_h.contains(&t.date()) || t.weekday().num_days_from_monday() >= 5 {
            0.0
        } else {
            weekday_volume(t.date())
        };
        assert!(
            (p.forecast - want).abs() < 1e-6 * want.max(1.0),
            "{t}: {p:?}"
        );
    }
    // at a holiday factor, a holiday is that share of a normal day
    opts.holidays.factor = 0.25;
    let fc = forecast(&hist, &at, &opts).unwrap();
    let wed = fc.points[2];
    assert!((wed.forecast - 0.25 * 100.0).abs() < 1e-6, "{wed:?}");
    assert!(wed.lower <= wed.forecast && wed.forecast <= wed.upper);
    // without the calendar the past holidays are outliers the model finds itself
    let fc = forecast(&hist, &at, &ForecastOptions::default()).unwrap();
    let found: Vec<NaiveDate> = fc.diagnostics.outlier_days.iter().map(|o| o.date).collect();
    assert_eq!(found, past);
    assert_eq!(fc.diagnostics.holiday_points, 0);
}

#[test]
fn a_finer_history_is_summed_into_days_weeks_or_longer_intervals() {
    let hist = series(date(2025, 1, 6), 56, 15, weekdays_8_to_18, seasonal);
    // by day: the same as forecasting the daily totals
    let sums = |key: &dyn Fn(Ts) -> Ts| {
        let mut out: Vec<(Ts, f64)> = Vec::new();
        for (t, v) in &hist {
            match out.last_mut() {
                Some(l) if l.0 == key(*t) => l.1 += v,
                _ => out.push((key(*t), *v)),
            }
        }
        out
    };
    let by_day = sums(&|t: Ts| t.date().and_time(NaiveTime::MIN));
    let at: Vec<Ts> = (0..5)
        .map(|k| (date(2025, 3, 3) + Duration::days(k)).and_time(NaiveTime::MIN))
        .collect();
    let opts = ForecastOptions {
        granularity: Some(Granularity::Day),
        ..ForecastOptions::default()
    };
    let a = forecast(&hist, &at, &opts).unwrap();
    let b = forecast(&by_day, &at, &ForecastOptions::default()).unwrap();
    assert_eq!(a, b);
    let total: f64 = (8 * 4..18 * 4)
        .map(|q| seasonal(date(2025, 3, 5), q * 15))
        .sum();
    assert!((a.points[2].forecast - total).abs() < 1e-6 * total);
    // by 30 minutes: the same as a 30-minute history of the sums
    let by_30 = sums(&|t: Ts| {
        let m = t.hour() * 60 + t.minute();
        t.date().and_hms_opt(m / 60, (m % 60) / 30 * 30, 0).unwrap()
    });
    let at30 = future(&by_30, 7);
    let opts = ForecastOptions {
        interval_minutes: Some(30),
        ..ForecastOptions::default()
    };
    assert_eq!(
        forecast(&hist, &at30, &opts).unwrap(),
        forecast(&by_30, &at30, &ForecastOptions::default()).unwrap()
    );
    assert_eq!(opening_hours(&hist, &opts).unwrap().interval_s, 1800);
    // 20 minutes is not a whole number of 15-minute intervals; a daily history has no intervals
    let bad = ForecastOptions {
        interval_minutes: Some(20),
        ..ForecastOptions::default()
    };
    assert!(matches!(
        forecast(&hist, &at30, &bad),
        Err(ForecastError::Options(m)) if m.contains("whole number")
    ));
    let to_iv = ForecastOptions {
        granularity: Some(Granularity::Interval),
        ..ForecastOptions::default()
    };
    assert!(matches!(
        forecast(&by_day, &at, &to_iv),
        Err(ForecastError::Options(m)) if m.contains("daily")
    ));
    // by week: weeks start on Monday
    let weekly = ForecastOptions {
        granularity: Some(Granularity::Week),
        ..ForecastOptions::default()
    };
    let oh = opening_hours(&hist, &weekly).unwrap();
    assert_eq!(oh.granularity, Granularity::Week);
    let next = oh.timestamps_after(oh.last_date, 14);
    assert_eq!(next, vec![at[0], at[0] + Duration::days(7)]);
    let fc = forecast(&hist, &next, &weekly).unwrap();
    let week: f64 = (0..5)
        .map(|k| {
            let d = date(2025, 3, 3) + Duration::days(k);
            (8 * 4..18 * 4).map(|q| seasonal(d, q * 15)).sum::<f64>()
        })
        .sum();
    assert!((fc.points[0].forecast - week).abs() < 1e-6 * week, "{fc:?}");
}

#[test]
fn weekly_series_scale_holiday_weeks_by_their_open_days() {
    let hist = daily(
        date(2024, 1, 1),
        40 * 7,
        |d| d.weekday() == Weekday::Mon,
        |_| 500.0,
    );
    let at: Vec<Ts> = (1..=3)
        .map(|k| (date(2024, 10, 7) + Duration::days(7 * k)).and_time(NaiveTime::MIN))
        .collect();
    let mut opts = ForecastOptions::default();
    // a Thursday holiday in the first week, a Sunday one in the second
    opts.holidays.dates = [date(2024, 10, 17), date(2024, 10, 27)]
        .into_iter()
        .collect();
    opts.holidays.open_weekdays = [true, true, true, true, true, false, false];
    let fc = forecast(&hist, &at, &opts).unwrap();
    assert_eq!(fc.diagnostics.granularity, Granularity::Week);
    let f: Vec<f64> = fc.points.iter().map(|p| p.forecast).collect();
    assert!((f[0] - 400.0).abs() < 1e-6, "{f:?}");
    assert!(
        (f[1] - 500.0).abs() < 1e-6,
        "a Sunday holiday closes nothing: {f:?}"
    );
    assert!((f[2] - 500.0).abs() < 1e-6, "{f:?}");
    assert_eq!(fc.diagnostics.holiday_points, 1);
    let tue = date(2024, 10, 15).and_time(NaiveTime::MIN);
    assert!(matches!(
        forecast(&hist, &[tue], &opts),
        Err(ForecastError::AtOffPeriod {
            start: "a Monday",
            ..
        })
    ));
}

#[test]
fn daily_backtest_uses_the_weekly_naive_and_scores_holidays() {
    // three regular weeks, then a week whose Wednesday is a closed holiday
    let start = date(2025, 1, 6);
    let hol = date(2025, 1, 29);
    let hist = daily(
        start,
        28,
        |_| true,
        |d| {
            if d == hol {
                0.0
            } else {
                weekday_volume(d)
                    + if (d - start).num_days() >= 7 {
                        10.0
                    } else {
                        0.0
                    }
            }
        },
    );
    let mut opts = ForecastOptions {
        model: Some(ModelConfig::default()),
        ..ForecastOptions::default()
    };
    opts.holidays.dates = [hol].into_iter().collect();
    let bt = backtest(
        &hist,
        &BacktestOptions {
            days: 7,
            fold_days: 7,
        },
        &opts,
    )
    .unwrap();
    assert_eq!(bt.granularity, Granularity::Day);
    let methods: Vec<&str> = bt.scores.iter().map(|s| s.method).collect();
    assert_eq!(methods, ["opsdeck", "seasonal_naive_weekly", "naive"]);
    assert_eq!(bt.points.len(), 7, "the holiday is scored");
    assert_eq!(bt.folds[0].holiday_points, 1);
    // MASE scale: each day against the same weekday a week before, over the 21 training
    // days: 7 pairs of +10, 7 of 0
    assert!((bt.mase_scale.unwrap() - 5.0).abs() < 1e-12, "{bt:?}");
    // the weekly naive is exact except on the holiday, where it says 100
    let weekly = &bt.scores[1];
    let total: f64 = bt.points.iter().map(|p| p.actual).sum();
    assert!(
        (weekly.wape.unwrap() - 110.0 / total).abs() < 1e-12,
        "{weekly:?}"
    );
    let wed = bt.points.iter().find(|p| p.ts.date() == hol).unwrap();
    assert_eq!((wed.forecast, wed.actual), (0.0, 0.0));
}
