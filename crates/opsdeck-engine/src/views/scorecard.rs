//! Scorecards: interval facts rolled up by period (interval, day, ISO week, month, whole range)
//! and by client, program or queue — always by re-summing the additive components, never by
//! averaging percentages. "Share of intervals meeting target" is tallied per queue × interval.

use crate::error::Result;
use crate::views::table::Value;
use crate::workspace::facts::{read_intervals, IntervalFact, Workspace};
use chrono::{Datelike, NaiveDate};
use opsdeck_core::calendar::local_time;
use opsdeck_core::{IntervalSums, SlVariant, TargetTally};
use std::collections::BTreeMap;

/// The period rows are rolled up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Interval,
    Day,
    Week,
    Month,
    /// The whole requested range.
    Total,
}

impl std::str::FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "interval" => Period::Interval,
            "day" => Period::Day,
            "week" => Period::Week,
            "month" => Period::Month,
            "total" => Period::Total,
            _ => {
                return Err(format!(
                    "unknown period {s:?} (expected interval, day, week, month or total)"
                ))
            }
        })
    }
}

/// The entity rows are rolled up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Client,
    Program,
    Queue,
}

/// What a scorecard shows.
#[derive(Debug, Clone)]
pub struct ScorecardQuery {
    pub client: Option<String>,
    pub program: Option<String>,
    pub queue: Option<String>,
    /// First and last local calendar day, inclusive.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: Period,
    pub level: Level,
    pub variant: SlVariant,
}

/// Grouping key of a scorecard row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowKey {
    pub client: String,
    pub program: Option<String>,
    pub queue: Option<String>,
    /// Sort key ahead of the label: the interval's UTC start for `Period::Interval` (0 for the
    /// other periods), so rows stay chronological where clocks go back and a local label such
    /// as "01:00+00:00" comes after "01:00+01:00".
    pub start_utc: i64,
    pub period: String,
}

/// Additive contents of a scorecard row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub sums: IntervalSums,
    pub tally: TargetTally,
}

impl std::ops::AddAssign for Cell {
    fn add_assign(&mut self, o: Self) {
        self.sums += o.sums;
        self.tally += o.tally;
    }
}

/// Sum cells by key.
pub fn rollup<K: Ord>(items: impl IntoIterator<Item = (K, Cell)>) -> BTreeMap<K, Cell> {
    let mut out = BTreeMap::new();
    for (k, c) in items {
        *out.entry(k).or_default() += c;
    }
    out
}

/// Local calendar day of a fact's interval, in its queue's zone.
pub fn local_day(f: &IntervalFact) -> NaiveDate {
    local_time(f.zone, f.interval_start_utc).date()
}

/// Period label of a local day (for periods of a day or longer).
pub fn period_of_day(d: NaiveDate, by: Period, q: &ScorecardQuery) -> String {
    match by {
        Period::Interval | Period::Day => d.format("%Y-%m-%d").to_string(),
        Period::Week => d.format("%G-W%V").to_string(),
        Period::Month => d.format("%Y-%m").to_string(),
        Period::Total => format!("{}..{}", q.from, q.to),
    }
}

fn key_of(f: &IntervalFact, q: &ScorecardQuery) -> RowKey {
    let start_utc = match q.by {
        Period::Interval => f.interval_start_utc,
        _ => 0,
    };
    let period = match q.by {
        Period::Interval => {
            let t = chrono::DateTime::from_timestamp(f.interval_start_utc, 0)
                .map(|d| {
                    d.with_timezone(&f.zone)
                        .format("%Y-%m-%d %H:%M%:z")
                        .to_string()
                })
                .unwrap_or_default();
            t
        }
        by => period_of_day(local_day(f), by, q),
    };
    RowKey {
        client: f.client.clone(),
        program: (q.level >= Level::Program).then(|| f.program.clone()),
        queue: (q.level >= Level::Queue).then(|| f.queue.clone()),
        start_utc,
        period,
    }
}

/// Does the fact fall within the query's filters?
pub fn selected(f: &IntervalFact, q: &ScorecardQuery) -> bool {
    q.client.as_ref().is_none_or(|c| *c == f.client)
        && q.program.as_ref().is_none_or(|p| *p == f.program)
        && q.queue.as_ref().is_none_or(|x| *x == f.queue)
        && (q.from..=q.to).contains(&local_day(f))
}

/// One queue × interval as a scorecard cell: its sums and whether it met its target.
pub fn cell_of(f: &IntervalFact, v: SlVariant) -> Cell {
    Cell {
        sums: f.sums,
        tally: TargetTally::of_interval(&f.sums, v, f.sl_target),
    }
}

/// Roll the selected facts up as the query asks.
pub fn scorecard(facts: &[IntervalFact], q: &ScorecardQuery) -> BTreeMap<RowKey, Cell> {
    rollup(
        facts
            .iter()
            .filter(|f| selected(f, q))
            .map(|f| (key_of(f, q), cell_of(f, q.variant))),
    )
}

/// Interval facts of the workspace for the months the query can touch.
pub fn load_facts(ws: &Workspace, q: &ScorecardQuery) -> Result<Vec<IntervalFact>> {
    // A writer deletes the interval files it superseded right after its commit; a reader that
    // took the manifest just before may find one gone, and then starts over from the new manifest.
    let mut attempt = 0;
    loop {
        match load_facts_once(ws, q) {
            Err(crate::EngineError::Io { cause, .. })
                if cause.kind() == std::io::ErrorKind::NotFound && attempt < 3 =>
            {
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn load_facts_once(ws: &Workspace, q: &ScorecardQuery) -> Result<Vec<IntervalFact>> {
    let m = ws.manifest()?;
    // compare months as (year, month) numbers: an open range (NaiveDate::MIN/MAX) formats with
    // a sign ("-262144-01", "+262143-12") that does not sort as text among "YYYY-MM" labels
    let ym = |d: NaiveDate| (d.year(), d.month());
    let (lo, hi) = (ym(q.from), ym(q.to));
    let mut out = Vec::new();
    for f in &m.intervals {
        let in_range = match f
            .month
            .split_once('-')
            .and_then(|(y, mo)| Some((y.parse::<i32>().ok()?, mo.parse::<u32>().ok()?)))
        {
            Some(month) => (lo..=hi).contains(&month),
            None => true, // unknown label: read it and let the day filter decide
        };
        if q.client.as_ref().is_some_and(|c| *c != f.client) || !in_range {
            continue;
        }
        out.extend(read_intervals(&ws.facts_dir().join(&f.path))?);
    }
    Ok(out)
}

/// Column names of a scorecard table.
pub fn columns(level: Level) -> Vec<&'static str> {
    let mut c = vec!["client"];
    if level >= Level::Program {
        c.push("program");
    }
    if level >= Level::Queue {
        c.push("queue");
    }
    c.extend([
        "period",
        "offered",
        "answered",
        "abandoned",
        "answered_within_threshold",
        "service_level",
        "asa_s",
        "aht_s",
        "abandon_rate",
        "csat_responses",
        "csat_top2_pct",
        "nps",
        "fcr_rate",
        "intervals_measured",
        "intervals_meeting_target",
        "share_intervals_meeting_target",
        "sl_variant",
    ]);
    c
}

/// A scorecard row as cells, in `columns` order.
pub fn cells(k: &RowKey, c: &Cell, level: Level, v: SlVariant) -> Vec<Value> {
    let s = &c.sums;
    let mut out = vec![Value::Text(k.client.clone())];
    if level >= Level::Program {
        out.push(Value::Text(k.program.clone().unwrap_or_default()));
    }
    if level >= Level::Queue {
        out.push(Value::Text(k.queue.clone().unwrap_or_default()));
    }
    out.extend([
        Value::Text(k.period.clone()),
        Value::Int(s.offered),
        Value::Int(s.answered),
        Value::Int(s.abandoned),
        Value::Int(s.answered_within_t),
        Value::Num(s.service_level(v)),
        Value::Num(s.asa_s()),
        Value::Num(s.aht_s()),
        Value::Num(s.abandon_rate()),
        Value::Int(s.csat_responses),
        Value::Num(s.csat_top2_pct()),
        Value::Num(s.nps()),
        Value::Num(s.fcr_rate()),
        Value::Int(c.tally.intervals_measured),
        Value::Int(c.tally.intervals_meeting),
        Value::Num(c.tally.share()),
        Value::Text(v.as_str().to_string()),
    ]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_core::Thresholds;
    use proptest::prelude::*;

    fn fact(queue: usize, start: i64, s: [i64; 4]) -> IntervalFact {
        let zones = [
            chrono_tz::America::New_York,
            chrono_tz::Europe::Warsaw,
            chrono_tz::Asia::Manila,
        ];
        IntervalFact {
            client: format!("c{}", queue % 2),
            program: format!("p{queue}"),
            queue: format!("q{queue}"),
            interval_start_utc: start,
            interval_minutes: 30,
            zone: zones[queue % 3],
            thresholds: Thresholds::default(),
            sl_target: 0.8,
            sums: IntervalSums {
                offered: s[0] + s[1],
                answered: s[0],
                abandoned: s[1],
                answered_within_t: s[2].min(s[0]),
                sum_wait_answered_s: s[3],
                handled: s[0],
                sum_talk_s: s[3] * 7,
                csat_responses: s[2],
                csat_top2: s[2] / 2,
                ..Default::default()
            },
        }
    }

    fn query(by: Period, level: Level) -> ScorecardQuery {
        ScorecardQuery {
            client: None,
            program: None,
            queue: None,
            from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            by,
            level,
            variant: SlVariant::Offered,
        }
    }

    proptest! {
        /// Rolling up a roll-up equals rolling up the facts: queue×day → client×month is the
        /// same as facts → client×month, for every additive field and the target tally.
        #[test]
        fn rollup_of_rollup_equals_rollup_of_facts(
            raw in prop::collection::vec((0usize..5, 0i64..(200 * 48), 0i64..50, 0i64..10, 0i64..50, 0i64..5000), 0..300)
        ) {
            let base = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
            let mut facts = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            for (q, slot, a, b, w, s) in raw {
                if seen.insert((q, slot)) {
                    facts.push(fact(q, base + slot * 1800, [a, b, w, s]));
                }
            }
            let daily = scorecard(&facts, &query(Period::Day, Level::Queue));
            let month_q = query(Period::Month, Level::Client);
            // re-roll the daily queue rows to client × month
            let rerolled = rollup(daily.iter().map(|(k, c)| {
                let d: NaiveDate = k.period.parse().unwrap();
                (RowKey { client: k.client.clone(), program: None, queue: None, start_utc: 0, period: period_of_day(d, Period::Month, &month_q) }, *c)
            }));
            let direct = scorecard(&facts, &month_q);
            prop_assert_eq!(rerolled, direct);
        }
    }

    #[test]
    fn target_share_is_over_queue_intervals_not_rows() {
        let t0 = NaiveDate::from_ymd_opt(2025, 3, 3)
            .unwrap()
            .and_hms_opt(15, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        // two queues of client c0 in the same interval: one meets 80 %, one does not
        let facts = vec![fact(0, t0, [10, 0, 9, 0]), fact(2, t0, [10, 0, 5, 0])];
        let sc = scorecard(&facts, &query(Period::Day, Level::Client));
        let (_, c) = sc.iter().next().unwrap();
        assert_eq!(
            c.tally,
            TargetTally {
                intervals_measured: 2,
                intervals_meeting: 1
            }
        );
        assert_eq!(c.sums.service_level(SlVariant::Offered), Some(0.7));
    }
}
