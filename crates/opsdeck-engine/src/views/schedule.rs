//! The schedule tables (`opsdeck schedule`): agents per shift pattern and day, and the
//! coverage of each interval's requirement.

use crate::views::table::{col, Column, Kind, Table, Value};
use chrono_tz::Tz;
use opsdeck_core::calendar::local_time;
use opsdeck_core::schedule::{Model, Schedule};

fn stamp(zone: Tz, utc_s: i64) -> String {
    local_time(zone, utc_s).format("%Y-%m-%d %H:%M").to_string()
}

pub static SHIFT_COLUMNS: [Column; 6] = [
    col("date", Kind::Date, "local start date of the shifts"),
    col("shift", Kind::Text, "shift pattern"),
    col("start", Kind::LocalTime, "local start"),
    col("end", Kind::LocalTime, "local end"),
    col("agents", Kind::Count, "agents on this shift"),
    col(
        "cost",
        Kind::Number {
            unit: "cost units of the shifts file",
            decimals: 2,
        },
        "agents × the pattern's cost",
    ),
];

/// One row per shift instance with at least one agent.
pub fn shift_table(m: &Model, s: &Schedule, zone: Tz, names: &[String]) -> Table {
    Table::new(
        SHIFT_COLUMNS.to_vec(),
        m.instances
            .iter()
            .zip(&s.counts)
            .filter(|(_, &n)| n > 0)
            .map(|(i, &n)| {
                vec![
                    Value::Text(i.date.to_string()),
                    Value::Text(names[i.pattern].clone()),
                    Value::Text(stamp(zone, i.start_utc)),
                    Value::Text(stamp(zone, i.end_utc)),
                    Value::Int(i64::from(n)),
                    Value::Num(Some(i.cost * f64::from(n))),
                ]
            })
            .collect(),
    )
}

pub static INTERVAL_COLUMNS: [Column; 4] = [
    col("interval_start", Kind::LocalTime, "local interval start"),
    col("required", Kind::Count, "agents required"),
    col("coverage", Kind::Count, "agents the schedule has on duty"),
    col(
        "shortage",
        Kind::Count,
        "required − coverage, when positive",
    ),
];

/// One row per interval of the requirement.
pub fn interval_table(m: &Model, s: &Schedule, zone: Tz) -> Table {
    Table::new(
        INTERVAL_COLUMNS.to_vec(),
        m.requirements
            .iter()
            .zip(&s.coverage)
            .map(|(r, &c)| {
                vec![
                    Value::Text(stamp(zone, r.start_utc)),
                    Value::Int(i64::from(r.required)),
                    Value::Int(i64::from(c)),
                    Value::Int(i64::from(r.required.saturating_sub(c))),
                ]
            })
            .collect(),
    )
}
