//! The schedule tables (`opsdeck schedule`): agents per shift pattern and day, the coverage of
//! each interval's requirement, and the summary — agent-shifts, paid and working hours, cost in
//! the shifts file's units and, when the shifts work for a site, money at the site's rate.

use crate::views::table::{col, decimal, money, num_text, Column, Kind, Table, Value};
use chrono_tz::Tz;
use opsdeck_core::calendar::local_time;
use opsdeck_core::schedule::{Model, Schedule, ScheduleSpec};
use serde::Serialize;

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

/// The price of a productive hour at the site whose agents work the shifts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteRate {
    pub site: String,
    pub cost_per_productive_hour: f64,
    /// ISO 4217.
    pub currency: String,
}

/// What a schedule amounts to, in words a planner and a finance team read the same way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleSummary {
    /// Σ agents over the shifts: one agent on five days counts five.
    pub agent_shifts: u64,
    /// Shifts (pattern × start date) with at least one agent.
    pub shifts: usize,
    /// Σ shift length × agents, paid breaks included (real time, DST-correct).
    pub paid_s: f64,
    /// Paid time minus breaks: the time agents are on duty.
    pub working_s: f64,
    /// Σ cost × agents in the shifts file's cost units (paid hours when it gives no cost).
    pub shift_cost: f64,
    pub rate: Option<SiteRate>,
    /// Working hours × the site's cost per productive hour.
    pub labour_cost: Option<f64>,
    /// Agent-intervals required but not covered.
    pub shortage: u64,
    pub short_intervals: u64,
    /// Agent-intervals covered beyond the requirement.
    pub over_coverage: u64,
    pub abs_deviation: u64,
    pub shortage_penalty: f64,
    pub objective: f64,
    pub lower_bound: Option<f64>,
    pub gap: Option<f64>,
    pub intervals: usize,
    pub shift_instances: usize,
}

/// The summary of a solved schedule.
pub fn summary(
    spec: &ScheduleSpec,
    m: &Model,
    s: &Schedule,
    rate: Option<SiteRate>,
) -> ScheduleSummary {
    let (mut agent_shifts, mut shifts, mut paid_s, mut break_s) = (0u64, 0usize, 0.0, 0.0);
    for (i, &n) in m.instances.iter().zip(&s.counts) {
        if n == 0 {
            continue;
        }
        let n = u64::from(n);
        agent_shifts += n;
        shifts += 1;
        paid_s += (i.end_utc - i.start_utc) as f64 * n as f64;
        let breaks: u64 = spec.patterns.get(i.pattern).map_or(0, |p| {
            p.breaks.iter().map(|b| u64::from(b.length_min)).sum()
        });
        break_s += (breaks * 60 * n) as f64;
    }
    let working_s = paid_s - break_s;
    let short_intervals = m
        .requirements
        .iter()
        .zip(&s.coverage)
        .filter(|(r, &c)| c < r.required)
        .count() as u64;
    ScheduleSummary {
        agent_shifts,
        shifts,
        paid_s,
        working_s,
        shift_cost: s.shift_cost,
        labour_cost: rate
            .as_ref()
            .map(|r| working_s / 3600.0 * r.cost_per_productive_hour),
        rate,
        shortage: s.shortage,
        short_intervals,
        over_coverage: s.over,
        abs_deviation: s.abs_deviation(),
        shortage_penalty: m.penalty,
        objective: s.objective,
        lower_bound: s.lower_bound,
        gap: s.gap(),
        intervals: m.requirements.len(),
        shift_instances: m.instances.len(),
    }
}

const COST_UNITS: Kind = Kind::Number {
    unit: "cost units of the shifts file",
    decimals: 2,
};

pub static SUMMARY_COLUMNS: [Column; 19] = [
    col(
        "agent_shifts",
        Kind::Count,
        "agents summed over the shifts: one agent on five days counts five",
    ),
    col(
        "shifts",
        Kind::Count,
        "shifts (pattern × start date) with at least one agent",
    ),
    col(
        "paid_s",
        Kind::Seconds,
        "Σ shift length × agents, paid breaks included",
    ),
    col(
        "working_s",
        Kind::Seconds,
        "paid time minus breaks: time on duty",
    ),
    col(
        "shift_cost",
        COST_UNITS,
        "Σ the shifts' cost × agents (paid hours when the file gives no cost)",
    ),
    col(
        "site",
        Kind::Text,
        "the site the shifts file names; empty without one",
    ),
    col("currency", Kind::Text, "the site's currency (ISO 4217)"),
    col(
        "cost_per_productive_hour",
        Kind::Money {
            currency_column: "currency",
        },
        "the site's rate",
    ),
    col(
        "labour_cost",
        Kind::Money {
            currency_column: "currency",
        },
        "working hours × the site's cost per productive hour",
    ),
    col(
        "shortage",
        Kind::Count,
        "agent-intervals required but not covered",
    ),
    col("short_intervals", Kind::Count, "intervals with a shortage"),
    col(
        "over_coverage",
        Kind::Count,
        "agent-intervals covered beyond the requirement",
    ),
    col("abs_deviation", Kind::Count, "shortage + over_coverage"),
    col(
        "shortage_penalty",
        COST_UNITS,
        "cost of one agent missing in one interval",
    ),
    col(
        "objective",
        COST_UNITS,
        "shift_cost + shortage_penalty × shortage",
    ),
    col(
        "lower_bound",
        COST_UNITS,
        "proven lower bound on the best objective; empty when a block was too large for the LP",
    ),
    col(
        "gap",
        Kind::Fraction,
        "(objective − lower_bound) / objective; 0 = optimal",
    ),
    col("intervals", Kind::Count, "intervals of the requirement"),
    col(
        "shift_instances",
        Kind::Count,
        "shift patterns × start dates the solver could staff",
    ),
];

/// The summary as a one-row table (JSON: one object).
pub fn summary_table(x: &ScheduleSummary) -> Table {
    let text = |s: Option<&str>| s.map_or(Value::Num(None), |s| Value::Text(s.to_string()));
    let r = x.rate.as_ref();
    Table::new(
        SUMMARY_COLUMNS.to_vec(),
        vec![vec![
            Value::count(x.agent_shifts),
            Value::count(x.shifts as u64),
            Value::num(x.paid_s),
            Value::num(x.working_s),
            Value::num(x.shift_cost),
            text(r.map(|r| r.site.as_str())),
            text(r.map(|r| r.currency.as_str())),
            Value::Num(r.map(|r| r.cost_per_productive_hour)),
            Value::Num(x.labour_cost),
            Value::count(x.shortage),
            Value::count(x.short_intervals),
            Value::count(x.over_coverage),
            Value::count(x.abs_deviation),
            Value::num(x.shortage_penalty),
            Value::num(x.objective),
            Value::Num(x.lower_bound),
            Value::Num(x.gap),
            Value::count(x.intervals as u64),
            Value::count(x.shift_instances as u64),
        ]],
    )
}

/// Hours for people: `9,872.5 h`.
fn hours(s: f64) -> String {
    format!("{} h", decimal(s / 3600.0, 1))
}

/// The summary in one paragraph for people.
pub fn summary_text(x: &ScheduleSummary) -> String {
    let mut out = format!(
        "{} agent-shifts on {} shifts; {} paid ({} working, breaks excluded)",
        decimal(x.agent_shifts as f64, 0),
        decimal(x.shifts as f64, 0),
        hours(x.paid_s),
        hours(x.working_s),
    );
    if let (Some(r), Some(cost)) = (&x.rate, x.labour_cost) {
        out.push_str(&format!(
            "; labour cost {} ({} per productive hour at site {})",
            money(cost, &r.currency),
            money(r.cost_per_productive_hour, &r.currency),
            r.site
        ));
    }
    out.push_str(&format!(
        "; shift cost {} in the shifts file's units; shortage {} agent-intervals in {} intervals; over-coverage {} agent-intervals; ",
        decimal(x.shift_cost, 2),
        decimal(x.shortage as f64, 0),
        decimal(x.short_intervals as f64, 0),
        decimal(x.over_coverage as f64, 0),
    ));
    match (x.lower_bound, x.gap) {
        (Some(b), Some(g)) => out.push_str(&format!(
            "objective {}, lower bound {}, gap {:.2} %",
            num_text(x.objective),
            num_text(b),
            100.0 * g
        )),
        _ => out.push_str(&format!(
            "objective {} (no lower bound: a block was too large for the lp)",
            num_text(x.objective)
        )),
    }
    out.push_str(&format!(
        "; {} intervals, {} shift instances",
        decimal(x.intervals as f64, 0),
        decimal(x.shift_instances as f64, 0)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use opsdeck_core::schedule::{
        build_model, solve, Break, Requirement, ShiftPattern, SolveOptions,
    };

    /// One 8-hour shift with a 30-minute break covering a 7.5-hour need of 3 agents on one
    /// day: 3 agent-shifts, 24 paid hours, 22.5 working, money at the site's rate.
    #[test]
    fn summary_counts_agent_shifts_hours_and_money() {
        let zone: Tz = "Europe/Paris".parse().unwrap();
        let spec = ScheduleSpec {
            zone,
            interval_min: 30,
            patterns: vec![ShiftPattern {
                name: "day".into(),
                start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                length_min: 480,
                breaks: vec![Break {
                    after_min: 240,
                    length_min: 30,
                }],
                days: [true; 7],
                cost: 8.0,
                max_per_day: None,
            }],
            shortage_penalty: None,
        };
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let reqs: Vec<Requirement> = (0..16)
            .filter(|k| *k != 8) // the break's half-hour needs no one
            .map(|k| Requirement {
                start_utc: zone
                    .from_local_datetime(&day.and_hms_opt(9 + k / 2, 30 * (k % 2), 0).unwrap())
                    .unwrap()
                    .timestamp(),
                required: 3,
            })
            .collect();
        let m = build_model(&spec, reqs).unwrap();
        let s = solve(&m, &SolveOptions::default());
        let rate = SiteRate {
            site: "mnl".into(),
            cost_per_productive_hour: 14.5,
            currency: "USD".into(),
        };
        let x = summary(&spec, &m, &s, Some(rate));
        assert_eq!((x.agent_shifts, x.shifts), (3, 1));
        assert_eq!(x.paid_s, 3.0 * 8.0 * 3600.0);
        assert_eq!(x.working_s, 3.0 * 7.5 * 3600.0);
        assert_eq!(x.shift_cost, 24.0);
        assert_eq!(x.labour_cost, Some(22.5 * 14.5));
        assert_eq!((x.shortage, x.short_intervals, x.over_coverage), (0, 0, 0));
        let text = summary_text(&x);
        assert!(
            text.starts_with("3 agent-shifts on 1 shifts; 24.0 h paid (22.5 h working"),
            "{text}"
        );
        assert!(
            text.contains("labour cost USD 326.25 (USD 14.50 per productive hour at site mnl)"),
            "{text}"
        );
        let t = summary_table(&x);
        assert_eq!(t.get(0, "paid_s"), Some(&Value::Num(Some(86_400.0))));
        assert_eq!(t.get(0, "currency"), Some(&Value::Text("USD".into())));
        let none = summary(&spec, &m, &s, None);
        assert_eq!(none.labour_cost, None);
        assert!(!summary_text(&none).contains("labour"));
        let t = summary_table(&none);
        assert_eq!(t.get(0, "site"), Some(&Value::Num(None)));
    }
}
