//! A queue's week profile: weekday × local time slot over a date range — every interval of the
//! slot re-summed (additive sums), then the ratios derived once: offered per day of that
//! weekday, and service level (opsdeck's default variant). The dashboard draws it as a
//! heatmap; the planner reads where the week is heavy.

use crate::error::Result;
use crate::views::scorecard::local_day;
use crate::views::table::{col, Column, Kind, Table, Value};
use crate::workspace::Workspace;
use chrono::{Datelike, NaiveDate, Weekday};
use opsdeck_core::calendar::local_time;
use opsdeck_core::kpi::SlVariant;
use opsdeck_core::{IntervalSums, Org, Scope};
use std::collections::{BTreeMap, BTreeSet};

pub static PROFILE_COLUMNS: [Column; 6] = [
    col("weekday", Kind::Text, "Mon … Sun, in the queue's zone"),
    col("slot", Kind::Text, "local start of the interval, HH:MM"),
    col(
        "days",
        Kind::Count,
        "dates of this weekday in the range with contacts in the queue",
    ),
    col(
        "offered",
        Kind::Count,
        "contacts offered in the slot, all those dates",
    ),
    col(
        "offered_per_day",
        Kind::Number {
            unit: "contacts",
            decimals: 1,
        },
        "offered ÷ days",
    ),
    col(
        "service_level",
        Kind::Fraction,
        "answered within T ÷ offered (answered + abandoned), re-summed over the slot",
    ),
];

/// The weekdays in the profile's order.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn short(w: Weekday) -> &'static str {
    WEEKDAYS[w.num_days_from_monday() as usize]
}

/// The profile of queue `queue` over local dates `from..=to` (rows by weekday, then slot).
pub fn week_profile(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    queue: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Table> {
    org.require("queue", queue)?;
    let client = org.queues[queue].client.clone();
    let facts = ws.interval_facts(scope, Some(&client), from, to)?;
    let mut sums: BTreeMap<(u32, String), IntervalSums> = BTreeMap::new();
    let mut dates: BTreeMap<u32, BTreeSet<NaiveDate>> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.queue == queue) {
        let day = local_day(f);
        if day < from || day > to {
            continue;
        }
        let t = local_time(f.zone, f.interval_start_utc);
        let wd = day.weekday().num_days_from_monday();
        *sums.entry((wd, t.format("%H:%M").to_string())).or_default() += f.sums;
        if f.sums.offered > 0 {
            dates.entry(wd).or_default().insert(day);
        }
    }
    let rows = sums
        .into_iter()
        .map(|((wd, slot), s)| {
            let days = dates.get(&wd).map_or(0, BTreeSet::len) as u64;
            let per_day = (days > 0).then(|| s.offered as f64 / days as f64);
            vec![
                Value::Text(short(Weekday::try_from(wd as u8).unwrap_or(Weekday::Mon)).into()),
                Value::Text(slot),
                Value::count(days),
                Value::Int(s.offered),
                Value::Num(per_day),
                Value::Num(s.service_level(SlVariant::Offered)),
            ]
        })
        .collect();
    Ok(Table::new(PROFILE_COLUMNS.to_vec(), rows))
}
