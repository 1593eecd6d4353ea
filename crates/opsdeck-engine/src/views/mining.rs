//! The process-mining tables (`opsdeck mine`): directly-follows edges, variants, rework,
//! bottlenecks, ping-pong pairs, automation candidates and service / waiting time per
//! activity, from `opsdeck_core::mining`'s results. Durations are seconds for machines and
//! `3 h 12 m` for people.

use crate::views::table::{col, Column, Kind, Table, Value};
use opsdeck_core::mining::{ActivityTimes, Bottleneck, Candidate, Edge, PingPong, Rework, Variant};

pub static DFG_COLUMNS: [Column; 8] = [
    col("from", Kind::Text, "activity"),
    col(
        "to",
        Kind::Text,
        "the activity directly following it in a case",
    ),
    col("count", Kind::Count, "times `to` directly follows `from`"),
    col("mean_s", Kind::Seconds, "mean time from `from` to `to`"),
    col("median_s", Kind::Seconds, "median time"),
    col("p90_s", Kind::Seconds, "90th percentile"),
    col(
        "min_s",
        Kind::Seconds,
        "shortest (negative: recorded out of order)",
    ),
    col("max_s", Kind::Seconds, "longest"),
];

pub fn dfg_table(edges: &[Edge]) -> Table {
    Table::new(
        DFG_COLUMNS.to_vec(),
        edges
            .iter()
            .map(|e| {
                let d = &e.duration;
                vec![
                    Value::Text(e.from.clone()),
                    Value::Text(e.to.clone()),
                    Value::count(e.count),
                    Value::Num(d.mean_s),
                    Value::Num(d.median_s),
                    Value::Num(d.p90_s),
                    Value::Num(d.min_s),
                    Value::Num(d.max_s),
                ]
            })
            .collect(),
    )
}

pub static VARIANT_COLUMNS: [Column; 5] = [
    col("rank", Kind::Count, "by cases, largest first"),
    col("count", Kind::Count, "cases following the variant"),
    col("share", Kind::Fraction, "of all cases"),
    col("length", Kind::Count, "activities in the variant"),
    col("variant", Kind::Text, "the activity sequence, `→`-joined"),
];

pub fn variant_table(vars: &[Variant]) -> Table {
    Table::new(
        VARIANT_COLUMNS.to_vec(),
        vars.iter()
            .enumerate()
            .map(|(k, v)| {
                vec![
                    Value::count(k as u64 + 1),
                    Value::count(v.count),
                    Value::Num(Some(v.share)),
                    Value::count(v.variant.len() as u64),
                    Value::Text(v.variant.join(" → ")),
                ]
            })
            .collect(),
    )
}

pub static REWORK_COLUMNS: [Column; 5] = [
    col("activity", Kind::Text, "activity"),
    col(
        "cases_with_activity",
        Kind::Count,
        "cases in which it occurs",
    ),
    col(
        "cases_with_rework",
        Kind::Count,
        "cases in which it occurs more than once",
    ),
    col(
        "rework_rate",
        Kind::Fraction,
        "cases_with_rework / cases_with_activity",
    ),
    col(
        "extra_occurrences",
        Kind::Count,
        "occurrences beyond the first, over all cases",
    ),
];

pub fn rework_table(rows: &[Rework]) -> Table {
    Table::new(
        REWORK_COLUMNS.to_vec(),
        rows.iter()
            .map(|r| {
                vec![
                    Value::Text(r.activity.clone()),
                    Value::count(r.cases_with_activity),
                    Value::count(r.cases_with_rework),
                    Value::Num(r.rework_rate),
                    Value::count(r.extra_occurrences),
                ]
            })
            .collect(),
    )
}

pub static BOTTLENECK_COLUMNS: [Column; 9] = [
    col("rank", Kind::Count, "by total time, largest first"),
    col("from", Kind::Text, "activity"),
    col("to", Kind::Text, "the activity directly following it"),
    col("count", Kind::Count, "times the edge is taken"),
    col(
        "total_s",
        Kind::Seconds,
        "count × mean: the time the edge carries",
    ),
    col("share", Kind::Fraction, "of the time all edges carry"),
    col("mean_s", Kind::Seconds, "mean time"),
    col("median_s", Kind::Seconds, "median time"),
    col("p90_s", Kind::Seconds, "90th percentile"),
];

pub fn bottleneck_table(rows: &[Bottleneck]) -> Table {
    Table::new(
        BOTTLENECK_COLUMNS.to_vec(),
        rows.iter()
            .map(|b| {
                vec![
                    Value::count(b.rank),
                    Value::Text(b.from.clone()),
                    Value::Text(b.to.clone()),
                    Value::count(b.count),
                    Value::Num(Some(b.total_s)),
                    Value::Num(b.share),
                    Value::Num(b.mean_s),
                    Value::Num(b.median_s),
                    Value::Num(b.p90_s),
                ]
            })
            .collect(),
    )
}

pub static AUTOMATION_COLUMNS: [Column; 12] = [
    col("rank", Kind::Count, "by time saved, largest first"),
    col("activity", Kind::Text, "activity"),
    col("occurrences", Kind::Count, "all occurrences"),
    col("cases", Kind::Count, "cases in which it occurs"),
    col(
        "measured",
        Kind::Count,
        "occurrences with a predecessor in their case",
    ),
    col(
        "waiting_share",
        Kind::Fraction,
        "measured occurrences whose gap exceeds the longest work time",
    ),
    col("work_median_s", Kind::Seconds, "median gap counted as work"),
    col(
        "top_predecessor",
        Kind::Text,
        "the activity most often before it",
    ),
    col(
        "regularity",
        Kind::Fraction,
        "share of measured occurrences the top predecessor precedes",
    ),
    col(
        "saved_s",
        Kind::Seconds,
        "work occurrences × median work × regularity",
    ),
    col(
        "cost_saved",
        Kind::Money {
            currency_column: "currency",
        },
        "saved_s priced at the cost per hour",
    ),
    col("currency", Kind::Text, "currency of the cost per hour"),
];

pub fn automation_table(rows: &[Candidate], currency: &str) -> Table {
    Table::new(
        AUTOMATION_COLUMNS.to_vec(),
        rows.iter()
            .map(|c| {
                vec![
                    Value::count(c.rank),
                    Value::Text(c.activity.clone()),
                    Value::count(c.occurrences),
                    Value::count(c.cases),
                    Value::count(c.duration.count),
                    Value::Num(c.waiting_share),
                    Value::Num(c.work.median_s),
                    Value::Text(c.top_predecessor.clone().unwrap_or_default()),
                    Value::Num(c.regularity),
                    Value::Num(Some(c.saved_s)),
                    Value::Num(Some(c.cost_saved)),
                    Value::Text(currency.to_string()),
                ]
            })
            .collect(),
    )
}

pub static PINGPONG_COLUMNS: [Column; 4] = [
    col("from", Kind::Text, "team (or resource) X of X → Y → X"),
    col("via", Kind::Text, "Y"),
    col("occurrences", Kind::Count, "X → Y → X patterns"),
    col("cases", Kind::Count, "cases with the pattern"),
];

pub fn pingpong_table(p: &PingPong) -> Table {
    Table::new(
        PINGPONG_COLUMNS.to_vec(),
        p.pairs
            .iter()
            .map(|x| {
                vec![
                    Value::Text(x.from.clone()),
                    Value::Text(x.via.clone()),
                    Value::count(x.occurrences),
                    Value::count(x.cases),
                ]
            })
            .collect(),
    )
}

pub static ACTIVITY_COLUMNS: [Column; 14] = [
    col("activity", Kind::Text, "activity"),
    col(
        "instances",
        Kind::Count,
        "activity instances (start → complete paired; without lifecycle: events)",
    ),
    col("cases", Kind::Count, "cases in which it occurs"),
    col(
        "started",
        Kind::Count,
        "instances with a start event: their service time is measured",
    ),
    col(
        "service_mean_s",
        Kind::Seconds,
        "mean service time (start → complete)",
    ),
    col("service_median_s", Kind::Seconds, "median service time"),
    col("service_p90_s", Kind::Seconds, "90th percentile"),
    col("service_max_s", Kind::Seconds, "longest"),
    col(
        "service_total_s",
        Kind::Seconds,
        "sum of the service times: the work the activity took",
    ),
    col(
        "waited",
        Kind::Count,
        "instances with an instance before them in their case",
    ),
    col(
        "waiting_mean_s",
        Kind::Seconds,
        "mean time from the completion of the instance before to this start (without lifecycle: from the previous event)",
    ),
    col("waiting_median_s", Kind::Seconds, "median waiting time"),
    col("waiting_p90_s", Kind::Seconds, "90th percentile"),
    col(
        "overlapping",
        Kind::Count,
        "waits below zero: started before the instance before it completed (kept in the statistics)",
    ),
];

pub fn activity_times_table(rows: &[ActivityTimes]) -> Table {
    Table::new(
        ACTIVITY_COLUMNS.to_vec(),
        rows.iter()
            .map(|a| {
                let (s, w) = (&a.service, &a.waiting);
                vec![
                    Value::Text(a.activity.clone()),
                    Value::count(a.instances),
                    Value::count(a.cases),
                    Value::count(s.count),
                    Value::Num(s.mean_s),
                    Value::Num(s.median_s),
                    Value::Num(s.p90_s),
                    Value::Num(s.max_s),
                    Value::Num((s.count > 0).then_some(s.total_s)),
                    Value::count(w.count),
                    Value::Num(w.mean_s),
                    Value::Num(w.median_s),
                    Value::Num(w.p90_s),
                    Value::count(a.overlapping),
                ]
            })
            .collect(),
    )
}
