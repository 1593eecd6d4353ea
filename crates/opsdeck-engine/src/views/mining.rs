//! The process-mining tables (`opsdeck mine`): directly-follows edges, variants, rework,
//! bottlenecks, ping-pong pairs and automation candidates, from `opsdeck_core::mining`'s
//! results. Durations are seconds for machines and `3 h 12 m` for people.

use crate::views::table::{col, Column, Kind, Table, Value};
use opsdeck_core::mining::{Bottleneck, Candidate, Edge, PingPong, Rework, Variant};

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
