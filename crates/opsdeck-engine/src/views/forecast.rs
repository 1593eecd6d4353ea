//! The forecast tables (`opsdeck forecast`): forecast volumes with their prediction interval
//! (per interval, or per day or week), and the backtest's scores against the seasonal-naive
//! baselines.

use crate::views::table::{col, Column, Kind, Table, Value};
use chrono::NaiveDateTime;
use opsdeck_core::forecast::{Granularity, Point, Score};

const VOLUME: Kind = Kind::Number {
    unit: "contacts",
    decimals: 0,
};

pub static FORECAST_COLUMNS: [Column; 4] = [
    col(
        "ts",
        Kind::LocalTime,
        "interval start, local wall clock as in the history",
    ),
    col("forecast", VOLUME, "expected volume"),
    col("lower", VOLUME, "lower bound of the prediction interval"),
    col("upper", VOLUME, "upper bound of the prediction interval"),
];

pub static PERIOD_COLUMNS: [Column; 4] = [
    col(
        "date",
        Kind::Date,
        "the day, or the first day of the week, forecast",
    ),
    col("forecast", VOLUME, "expected volume of the day or week"),
    col("lower", VOLUME, "lower bound of the prediction interval"),
    col("upper", VOLUME, "upper bound of the prediction interval"),
];

/// The forecast of each requested timestamp: by interval start (`ts`), or by date for a daily
/// or weekly series.
pub fn forecast_table(at: &[NaiveDateTime], points: &[Point], g: Granularity) -> Table {
    let (columns, format) = match g {
        Granularity::Interval => (&FORECAST_COLUMNS, "%Y-%m-%d %H:%M:%S"),
        Granularity::Day | Granularity::Week => (&PERIOD_COLUMNS, "%Y-%m-%d"),
    };
    Table::new(
        columns.to_vec(),
        at.iter()
            .zip(points)
            .map(|(t, p)| {
                vec![
                    Value::Text(t.format(format).to_string()),
                    Value::Num(Some(p.forecast)),
                    Value::Num(Some(p.lower)),
                    Value::Num(Some(p.upper)),
                ]
            })
            .collect(),
    )
}

pub static BACKTEST_COLUMNS: [Column; 5] = [
    col(
        "method",
        Kind::Text,
        "opsdeck or a baseline: seasonal_naive_weekly, seasonal_naive_daily (interval series), naive (daily and weekly series)",
    ),
    col("wape", Kind::Fraction, "Σ|actual − forecast| / Σ actual"),
    col(
        "mase",
        Kind::Number {
            unit: "ratio",
            decimals: 2,
        },
        "mean absolute error / in-sample MAE of the daily seasonal naive (weekly seasonal naive for daily series, naive for weekly)",
    ),
    col(
        "interval_coverage",
        Kind::Fraction,
        "share of actuals inside the prediction interval",
    ),
    col("points", Kind::Count, "intervals scored"),
];

pub fn backtest_table(scores: &[Score]) -> Table {
    Table::new(
        BACKTEST_COLUMNS.to_vec(),
        scores
            .iter()
            .map(|s| {
                vec![
                    Value::Text(s.method.to_string()),
                    Value::Num(s.wape),
                    Value::Num(s.mase),
                    Value::Num(s.interval_coverage),
                    Value::count(s.points as u64),
                ]
            })
            .collect(),
    )
}
