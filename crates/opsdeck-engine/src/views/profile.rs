//! A queue's week profile: weekday × local time slot over a date range — every interval of the
//! slot re-summed (additive sums), then the ratios derived once: offered per day of that
//! weekday, and service level (opsdeck's default variant). The dashboard draws it as a
//! heatmap; the planner reads where the week is heavy. And a queue's volume against the plan's
//! forecast by weekday ([`forecast_vs_actual`]), the review packs' driver of a movement.

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

pub static FORECAST_COLUMNS: [Column; 6] = [
    col("weekday", Kind::Text, "Mon … Sun, in the queue's zone"),
    col("days", Kind::Count, "dates of this weekday in the range"),
    col(
        "forecast",
        Kind::Number {
            unit: "contacts",
            decimals: 0,
        },
        "offered the plan forecast for those dates from the weeks of history before the range (`opsdeck plan`'s baseline)",
    ),
    col("actual", Kind::Count, "contacts offered on those dates"),
    col(
        "actual_vs_forecast",
        Kind::Fraction,
        "actual ÷ forecast − 1: above the forecast when positive",
    ),
    col(
        "required_agents_peak",
        Kind::Count,
        "the most productive agents the plan required in one interval of those dates",
    ),
];

/// Volume against the forecast by weekday for queue `queue` over `from..=to`: the plan the
/// queue would have had (forecast from the 8 weeks of history before `from`) beside what
/// arrived. Fails as `opsdeck plan` does when the history is too short to forecast.
pub fn forecast_vs_actual(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    queue: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Table> {
    use crate::inputs::scenario::ScenarioSpec;
    use crate::views::plan::{plan, PlanParams};
    org.require("queue", queue)?;
    let days = (to - from).num_days() + 1;
    let req = PlanParams {
        queue: Some(queue.to_string()),
        from: Some(from),
        days: Some(days.to_string()),
        ..PlanParams::default()
    }
    .request(ScenarioSpec::default())?;
    let report = plan(ws, scope, org, &req)?;
    let mut forecast: BTreeMap<u32, (f64, u64, BTreeSet<NaiveDate>)> = BTreeMap::new();
    for iv in &report.plan.intervals {
        let d = iv.start.date();
        let e = forecast
            .entry(d.weekday().num_days_from_monday())
            .or_insert((0.0, 0, BTreeSet::new()));
        e.0 += iv.offered_baseline;
        e.1 = e.1.max(iv.required_baseline);
        e.2.insert(d);
    }
    let client = org.queues[queue].client.clone();
    let mut actual: BTreeMap<u32, i64> = BTreeMap::new();
    for f in ws
        .interval_facts(scope, Some(&client), from, to)?
        .iter()
        .filter(|f| f.queue == queue)
    {
        let d = local_day(f);
        if d >= from && d <= to {
            *actual
                .entry(d.weekday().num_days_from_monday())
                .or_default() += f.sums.offered;
        }
    }
    let rows = forecast
        .into_iter()
        .map(|(wd, (fc, peak, dates))| {
            let a = actual.get(&wd).copied().unwrap_or(0);
            vec![
                Value::Text(WEEKDAYS[wd as usize].into()),
                Value::count(dates.len() as u64),
                Value::num(fc),
                Value::Int(a),
                Value::Num((fc > 0.0).then(|| a as f64 / fc - 1.0)),
                Value::count(peak),
            ]
        })
        .collect();
    Ok(Table::new(FORECAST_COLUMNS.to_vec(), rows))
}
