//! Scorecards: interval facts rolled up by period (interval, day, ISO week, month, the whole
//! range) and by client, program, site, channel or queue — always by re-summing the additive
//! components, never by averaging percentages. Rows above the queue are split by channel
//! unless blending is asked for, so one channel's thresholds never dilute another's. Every row
//! carries its data coverage: the share of its queues' open intervals on days that have data.

use crate::views::kpi::columns as kpi;
use crate::views::table::{col, col_owned, Column, Kind, Table, Value};
use crate::workspace::IntervalFact;
use chrono::{Datelike, NaiveDate};
use opsdeck_core::calendar::local_time;
use opsdeck_core::{Channel, IntervalSums, Org, Queue, SlVariant, TargetTally};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    /// Queues grouped by their home site (the setup file's `site` of the queue).
    Site,
    Channel,
    Queue,
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "client" => Level::Client,
            "program" => Level::Program,
            "site" => Level::Site,
            "channel" => Level::Channel,
            "queue" => Level::Queue,
            _ => {
                return Err(format!(
                    "unknown level {s:?} (expected client, program, site, channel or queue)"
                ))
            }
        })
    }
}

/// What a scorecard shows.
#[derive(Debug, Clone)]
pub struct ScorecardQuery {
    pub client: Option<String>,
    pub program: Option<String>,
    pub queue: Option<String>,
    pub site: Option<String>,
    pub channel: Option<Channel>,
    /// First and last local calendar day, inclusive.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: Period,
    pub level: Level,
    pub variant: SlVariant,
    /// Roll channels up together (rows above the queue are otherwise split by channel).
    pub blend: bool,
}

/// The label of a queue without a home site.
pub const NO_SITE: &str = "(no site)";

/// Grouping key of a scorecard row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowKey {
    pub client: Option<String>,
    pub program: Option<String>,
    pub site: Option<String>,
    /// `None` in blended rows.
    pub channel: Option<Channel>,
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
    /// Open intervals of the row's queues and days, and of those the ones on days with data.
    pub open_intervals: i64,
    pub covered_intervals: i64,
    /// Channels rolled into the row (a bit per `Channel::ALL` entry).
    pub channels: u8,
    /// Smallest and largest service threshold T of the facts in the row (seconds).
    pub t_min: Option<i64>,
    pub t_max: Option<i64>,
}

impl std::ops::AddAssign for Cell {
    fn add_assign(&mut self, o: Self) {
        self.sums += o.sums;
        self.tally += o.tally;
        self.open_intervals += o.open_intervals;
        self.covered_intervals += o.covered_intervals;
        self.channels |= o.channels;
        self.t_min = match (self.t_min, o.t_min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.t_max = self.t_max.max(o.t_max);
    }
}

impl Cell {
    /// Share of open intervals on days with data; undefined when nothing was open.
    pub fn coverage(&self) -> Option<f64> {
        opsdeck_core::kpi::ratio(self.covered_intervals, self.open_intervals)
    }

    /// The row's threshold T when every fact in it has the same one.
    pub fn threshold_s(&self) -> Option<i64> {
        match (self.t_min, self.t_max) {
            (Some(a), Some(b)) if a == b => Some(a),
            _ => None,
        }
    }

    /// The channels of the row, `+`-joined.
    pub fn channel_names(&self) -> String {
        Channel::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| self.channels & (1 << i) != 0)
            .map(|(_, c)| c.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }
}

fn channel_bit(c: Channel) -> u8 {
    1 << Channel::ALL.iter().position(|x| *x == c).unwrap_or(0)
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

/// The row a queue's figures go to (period fields left for the caller).
fn entity_key(
    queue: &str,
    org_queue: Option<&Queue>,
    client: &str,
    program: &str,
    q: &ScorecardQuery,
) -> RowKey {
    let channel = org_queue.map(|x| x.channel);
    let site = org_queue
        .map(|x| x.site.clone().unwrap_or_else(|| NO_SITE.to_string()))
        .unwrap_or_else(|| NO_SITE.to_string());
    let (client, program, site, queue) = match q.level {
        Level::Client => (Some(client), None, None, None),
        Level::Program => (Some(client), Some(program), None, None),
        Level::Site => (None, None, Some(site), None),
        Level::Channel => (None, None, None, None),
        Level::Queue => (Some(client), Some(program), None, Some(queue)),
    };
    RowKey {
        client: client.map(str::to_string),
        program: program.map(str::to_string),
        site,
        channel: if q.blend && q.level != Level::Channel && q.level != Level::Queue {
            None
        } else {
            channel
        },
        queue: queue.map(str::to_string),
        start_utc: 0,
        period: String::new(),
    }
}

fn queue_selected(
    id: &str,
    queue: Option<&Queue>,
    client: &str,
    program: &str,
    q: &ScorecardQuery,
) -> bool {
    q.client.as_ref().is_none_or(|c| c == client)
        && q.program.as_ref().is_none_or(|p| p == program)
        && q.queue.as_ref().is_none_or(|x| x == id)
        && q.site.as_ref().is_none_or(|s| {
            queue
                .and_then(|x| x.site.as_ref())
                .is_some_and(|qs| qs == s)
        })
        && q.channel
            .is_none_or(|c| queue.is_some_and(|x| x.channel == c))
}

/// Does the fact fall within the query's filters and dates?
pub fn selected(f: &IntervalFact, org: &Org, q: &ScorecardQuery) -> bool {
    queue_selected(&f.queue, org.queues.get(&f.queue), &f.client, &f.program, q)
        && (q.from..=q.to).contains(&local_day(f))
}

/// One queue × interval as a scorecard cell: its sums, whether it met its target, its
/// channel and threshold.
pub fn cell_of(f: &IntervalFact, org: &Org, v: SlVariant) -> Cell {
    Cell {
        sums: f.sums,
        tally: TargetTally::of_interval(&f.sums, v, f.sl_target),
        channels: org
            .queues
            .get(&f.queue)
            .map_or(0, |x| channel_bit(x.channel)),
        t_min: Some(f.thresholds.service_s),
        t_max: Some(f.thresholds.service_s),
        ..Cell::default()
    }
}

/// A scorecard: its rows and what a reader must know about them.
#[derive(Debug, Clone, Default)]
pub struct Scorecard {
    pub rows: BTreeMap<RowKey, Cell>,
    /// Plain sentences: blended thresholds, missing data.
    pub notes: Vec<String>,
}

/// Open intervals of each (calendar, day, interval length), computed once.
#[derive(Default)]
pub struct OpenIntervals {
    cache: HashMap<(String, NaiveDate, u32), i64>,
}

impl OpenIntervals {
    /// Open intervals of queue `q`'s calendar on local day `d`.
    pub fn of(&mut self, org: &Org, q: &Queue, d: NaiveDate) -> i64 {
        let key = (q.calendar.clone(), d, q.interval.minutes());
        if let Some(n) = self.cache.get(&key) {
            return *n;
        }
        let n = org
            .calendars
            .get(&q.calendar)
            .map_or(0, |c| c.open_intervals(d, q.interval) as i64);
        self.cache.insert(key, n);
        n
    }
}

/// Roll the facts up as the query asks, with coverage for rows of a day or longer.
pub fn scorecard(facts: &[IntervalFact], org: &Org, q: &ScorecardQuery) -> Scorecard {
    let mut days_with_data: BTreeSet<(&str, NaiveDate)> = BTreeSet::new();
    let mut items = Vec::new();
    // Periods of a day or longer: sum each queue-day first, so that the row key and the period
    // label (strings) are made once per queue-day instead of once per interval. The sums are
    // integers, so the order of addition changes nothing. Measured on the demo (10 queues,
    // 15-minute intervals): a month's queue scorecard 11.0 → see docs/benchmarks.md, issue 19.
    let mut queue_days: HashMap<(&str, NaiveDate), (Cell, &IntervalFact)> = HashMap::new();
    for f in facts.iter().filter(|f| selected(f, org, q)) {
        let day = local_day(f);
        days_with_data.insert((f.queue.as_str(), day));
        let cell = cell_of(f, org, q.variant);
        if q.by != Period::Interval {
            queue_days
                .entry((f.queue.as_str(), day))
                .and_modify(|(c, _)| *c += cell)
                .or_insert((cell, f));
            continue;
        }
        let oq = org.queues.get(&f.queue);
        let mut key = entity_key(&f.queue, oq, &f.client, &f.program, q);
        key.start_utc = f.interval_start_utc;
        key.period = chrono::DateTime::from_timestamp(f.interval_start_utc, 0)
            .map(|d| {
                d.with_timezone(&f.zone)
                    .format("%Y-%m-%d %H:%M%:z")
                    .to_string()
            })
            .unwrap_or_default();
        items.push((key, cell));
    }
    for ((queue, day), (cell, f)) in queue_days {
        let mut key = entity_key(queue, org.queues.get(queue), &f.client, &f.program, q);
        key.period = period_of_day(day, q.by, q);
        items.push((key, cell));
    }
    let mut rows = rollup(items);
    let mut notes = Vec::new();
    let open_range = q.from == NaiveDate::MIN || q.to == NaiveDate::MAX;
    if q.by != Period::Interval && !open_range {
        // coverage: every selected queue's open intervals on every day of the range
        let mut open = OpenIntervals::default();
        let mut missing = 0usize;
        for (id, oq) in &org.queues {
            if !queue_selected(id, Some(oq), &oq.client, &oq.program, q) {
                continue;
            }
            let mut d = q.from;
            while d <= q.to {
                let n = open.of(org, oq, d);
                if n > 0 {
                    let mut key = entity_key(id, Some(oq), &oq.client, &oq.program, q);
                    key.period = period_of_day(d, q.by, q);
                    let has = days_with_data.contains(&(id.as_str(), d));
                    missing += usize::from(!has);
                    let cell = rows.entry(key).or_insert_with(|| Cell {
                        channels: channel_bit(oq.channel),
                        ..Cell::default()
                    });
                    cell.open_intervals += n;
                    cell.covered_intervals += if has { n } else { 0 };
                }
                d = match d.succ_opt() {
                    Some(n) => n,
                    None => break,
                };
            }
        }
        if missing > 0 {
            notes.push(format!(
                "{missing} queue-day(s) open by their calendar have no data in {}..{}; rows with coverage under 100 % are incomplete",
                q.from, q.to
            ));
        }
    }
    if q.blend {
        // rows that roll several channels together, with unlike thresholds
        let mixed: BTreeSet<i64> = rows
            .values()
            .filter(|c| c.channels.count_ones() > 1 && c.threshold_s().is_none())
            .flat_map(|c| [c.t_min, c.t_max])
            .flatten()
            .collect();
        if !mixed.is_empty() {
            notes.push(format!(
                "blended rows mix channels with thresholds {} s: their service level and ASA average unlike targets",
                mixed.iter().map(i64::to_string).collect::<Vec<_>>().join(" s, ")
            ));
        }
    }
    Scorecard { rows, notes }
}

/// The key columns of a level (before `channel` and `period`).
fn key_columns(level: Level) -> Vec<Column> {
    let client = col("client", Kind::Text, "client id");
    let program = col("program", Kind::Text, "program id");
    let site = col(
        "site",
        Kind::Text,
        "the queues' home site (setup `site` of the queue)",
    );
    let queue = col("queue", Kind::Text, "queue id");
    match level {
        Level::Client => vec![client],
        Level::Program => vec![client, program],
        Level::Site => vec![site],
        Level::Channel => vec![],
        Level::Queue => vec![client, program, queue],
    }
}

/// The measure columns of every scorecard (after the key, `channel` and `period`).
pub static MEASURE_COLUMNS: [Column; 22] = [
    kpi::OFFERED,
    kpi::ANSWERED,
    kpi::ABANDONED,
    kpi::ANSWERED_WITHIN_THRESHOLD,
    col(
        "threshold_s",
        Kind::Seconds,
        "the service threshold T of the row's queues (null when they differ)",
    ),
    kpi::SERVICE_LEVEL,
    kpi::ASA,
    kpi::AHT,
    kpi::ABANDON_RATE,
    col("csat_responses", Kind::Count, "CSAT survey responses"),
    kpi::CSAT_TOP2_RATE,
    col(
        "csat_thin",
        Kind::Flag,
        "fewer than 30 CSAT responses: read csat_top2_rate with care",
    ),
    col("nps_responses", Kind::Count, "NPS survey responses"),
    col(
        "nps",
        Kind::Number {
            unit: "points",
            decimals: 1,
        },
        "% promoters (9–10) − % detractors (0–6), −100..100",
    ),
    col("nps_thin", Kind::Flag, "fewer than 30 NPS responses"),
    col(
        "fcr_rate",
        Kind::Fraction,
        "resolved at first contact / handled contacts with a flag",
    ),
    col(
        "intervals_measured",
        Kind::Count,
        "queue × intervals whose service level is defined",
    ),
    col(
        "intervals_meeting_target",
        Kind::Count,
        "of those, at or above their queue's sl_target",
    ),
    col(
        "share_intervals_meeting_target",
        Kind::Fraction,
        "intervals_meeting_target / intervals_measured",
    ),
    col(
        "open_intervals",
        Kind::Count,
        "intervals the row's queues were open by their calendars (day rows and longer)",
    ),
    col(
        "coverage",
        Kind::Fraction,
        "share of open intervals on days with data (null for interval rows)",
    ),
    col(
        "sl_variant",
        Kind::Text,
        "offered, answered, abandons_good, exclude_abandons_within_t or exclude_short_abandons",
    ),
];

/// Column declarations of a scorecard at `level`.
pub fn columns(level: Level) -> Vec<Column> {
    let mut c = key_columns(level);
    c.push(col_owned(
        "channel".into(),
        Kind::Text,
        "the row's channel (`+`-joined when blended)".into(),
    ));
    c.push(col(
        "period",
        Kind::Period,
        "local day, ISO week, month, FROM..TO, or interval start with offset",
    ));
    c.extend(MEASURE_COLUMNS.iter().cloned());
    c
}

fn thin(responses: i64) -> Value {
    Value::Flag((responses > 0).then_some(responses < opsdeck_core::kpi::THIN_SAMPLE))
}

/// A scorecard row as cells, in `columns` order.
pub fn cells(k: &RowKey, c: &Cell, level: Level, v: SlVariant) -> Vec<Value> {
    let s = &c.sums;
    let text = |x: &Option<String>| Value::Text(x.clone().unwrap_or_default());
    let mut out = match level {
        Level::Client => vec![text(&k.client)],
        Level::Program => vec![text(&k.client), text(&k.program)],
        Level::Site => vec![text(&k.site)],
        Level::Channel => vec![],
        Level::Queue => vec![text(&k.client), text(&k.program), text(&k.queue)],
    };
    out.push(Value::Text(match k.channel {
        Some(ch) => ch.as_str().to_string(),
        None => c.channel_names(),
    }));
    out.push(Value::Text(k.period.clone()));
    out.extend([
        Value::Int(s.offered),
        Value::Int(s.answered),
        Value::Int(s.abandoned),
        Value::Int(s.answered_within_t),
        Value::Num(c.threshold_s().map(|t| t as f64)),
        Value::Num(s.service_level(v)),
        Value::Num(s.asa_s()),
        Value::Num(s.aht_s()),
        Value::Num(s.abandon_rate()),
        Value::Int(s.csat_responses),
        Value::Num(s.csat_top2_rate()),
        thin(s.csat_responses),
        Value::Int(s.nps_responses),
        Value::Num(s.nps()),
        thin(s.nps_responses),
        Value::Num(s.fcr_rate()),
        Value::Int(c.tally.intervals_measured),
        Value::Int(c.tally.intervals_meeting),
        Value::Num(c.tally.share()),
        Value::Int(c.open_intervals),
        Value::Num(c.coverage()),
        Value::Text(v.as_str().to_string()),
    ]);
    out
}

/// The scorecard as a table.
pub fn table(sc: &Scorecard, q: &ScorecardQuery) -> Table {
    Table::new(
        columns(q.level),
        sc.rows
            .iter()
            .map(|(k, c)| cells(k, c, q.level, q.variant))
            .collect(),
    )
}

/// The first and last local day of the facts (in their queues' zones), if any.
pub fn data_range(facts: &[IntervalFact]) -> Option<(NaiveDate, NaiveDate)> {
    let mut days = facts.iter().map(local_day);
    let first = days.next()?;
    Some(days.fold((first, first), |(lo, hi), d| (lo.min(d), hi.max(d))))
}

/// Month as (year, month) numbers, for comparing with partition labels.
pub fn year_month(d: NaiveDate) -> (i32, u32) {
    (d.year(), d.month())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn org() -> Org {
        Org::from_raw(&opsdeck_synth::demo_raw_org().unwrap()).unwrap()
    }

    /// A fact of the demo queue `queue` (its client, program and zone).
    fn fact(org: &Org, queue: &str, start: i64, s: [i64; 4]) -> IntervalFact {
        let q = &org.queues[queue];
        IntervalFact {
            client: q.client.clone(),
            program: q.program.clone(),
            queue: queue.to_string(),
            interval_start_utc: start,
            interval_minutes: 30,
            zone: q.zone,
            thresholds: q.thresholds,
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
            site: None,
            channel: None,
            from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            by,
            level,
            variant: SlVariant::Offered,
            blend: false,
        }
    }

    fn t0() -> i64 {
        NaiveDate::from_ymd_opt(2025, 3, 3)
            .unwrap()
            .and_hms_opt(15, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp()
    }

    proptest! {
        /// Rolling up a roll-up equals rolling up the facts: queue × day → client × month is
        /// the same as facts → client × month, for every additive field, the target tally and
        /// the coverage counts.
        #[test]
        fn rollup_of_rollup_equals_rollup_of_facts(
            raw in prop::collection::vec((0usize..10, 0i64..(200 * 48), 0i64..50, 0i64..10, 0i64..50, 0i64..5000), 0..300)
        ) {
            let org = org();
            let queues: Vec<&String> = org.queues.keys().collect();
            let base = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
            let mut facts = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            for (q, slot, a, b, w, s) in raw {
                if seen.insert((q, slot)) {
                    facts.push(fact(&org, queues[q], base + slot * 1800, [a, b, w, s]));
                }
            }
            let daily = scorecard(&facts, &org, &query(Period::Day, Level::Queue));
            let month_q = query(Period::Month, Level::Client);
            // re-roll the daily queue rows to client × channel × month
            let rerolled = rollup(daily.rows.iter().map(|(k, c)| {
                let d: NaiveDate = k.period.parse().unwrap();
                (RowKey { client: k.client.clone(), program: None, site: None, channel: k.channel, queue: None, start_utc: 0, period: period_of_day(d, Period::Month, &month_q) }, *c)
            }));
            let direct = scorecard(&facts, &org, &month_q).rows;
            prop_assert_eq!(rerolled, direct);
        }
    }

    #[test]
    fn target_share_is_over_queue_intervals_not_rows() {
        let org = org();
        // two voice queues of northwind in the same interval: one meets 80 %, one does not
        let facts = vec![
            fact(&org, "nwb-cards-voice", t0(), [10, 0, 9, 0]),
            fact(&org, "nwb-fraud-voice", t0(), [10, 0, 5, 0]),
        ];
        let sc = scorecard(&facts, &org, &query(Period::Interval, Level::Client));
        let (_, c) = sc.rows.iter().next().unwrap();
        assert_eq!(
            c.tally,
            TargetTally {
                intervals_measured: 2,
                intervals_meeting: 1
            }
        );
        assert_eq!(c.sums.service_level(SlVariant::Offered), Some(0.7));
    }

    /// A client row splits by channel unless blending is asked, which names both channels
    /// and says the thresholds differ.
    #[test]
    fn channels_are_not_blended_unless_asked() {
        let org = org();
        let email = org
            .queues
            .values()
            .find(|q| q.channel == Channel::Email)
            .expect("the demo has an email queue");
        let voice = org
            .queues
            .values()
            .find(|q| q.channel == Channel::Voice && q.client == email.client)
            .expect("and a voice queue of the same client");
        let facts = vec![
            fact(&org, &voice.id, t0(), [10, 0, 9, 10]),
            fact(&org, &email.id, t0(), [10, 0, 10, 50_000]),
        ];
        let q = query(Period::Interval, Level::Client);
        let split = scorecard(&facts, &org, &q);
        assert_eq!(split.rows.len(), 2);
        assert!(split.notes.is_empty());
        for (k, c) in &split.rows {
            assert!(k.channel.is_some());
            assert!(c.threshold_s().is_some());
        }
        let blended = scorecard(&facts, &org, &ScorecardQuery { blend: true, ..q });
        assert_eq!(blended.rows.len(), 1);
        let (k, c) = blended.rows.iter().next().unwrap();
        assert_eq!(k.channel, None);
        assert_eq!(c.channel_names(), "voice+email");
        assert_eq!(c.threshold_s(), None, "{c:?}");
        assert!(
            blended.notes[0].contains("thresholds"),
            "{:?}",
            blended.notes
        );
    }

    /// A month with data on only some open days has coverage under 1, counted in the queue's
    /// own open intervals.
    #[test]
    fn coverage_counts_open_intervals_on_days_with_data() {
        let org = org();
        let qid = "nwb-cards-voice";
        let oq = &org.queues[qid];
        let mut q = query(Period::Month, Level::Queue);
        q.queue = Some(qid.into());
        q.from = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
        q.to = NaiveDate::from_ymd_opt(2025, 9, 30).unwrap();
        let cal = &org.calendars[&oq.calendar];
        // data on the first open day only
        let mut first_open = q.from;
        while cal.open_intervals(first_open, oq.interval) == 0 {
            first_open = first_open.succ_opt().unwrap();
        }
        let start = opsdeck_core::calendar::intervals_of_day(oq.zone, first_open, oq.interval)
            .into_iter()
            .find(|t| cal.is_open_at(*t))
            .unwrap();
        let facts = vec![fact(&org, qid, start, [5, 0, 5, 5])];
        let sc = scorecard(&facts, &org, &q);
        let (_, c) = sc.rows.iter().next().unwrap();
        let open: i64 = (1..=30)
            .map(|d| {
                cal.open_intervals(NaiveDate::from_ymd_opt(2025, 9, d).unwrap(), oq.interval) as i64
            })
            .sum();
        assert_eq!(c.open_intervals, open);
        assert_eq!(
            c.covered_intervals,
            cal.open_intervals(first_open, oq.interval) as i64
        );
        assert!(c.coverage().unwrap() < 0.1);
        assert!(sc.notes[0].contains("have no data"), "{:?}", sc.notes);
    }
}

/// The columns people see in a scorecard table unless they ask for every one (the CLI's table,
/// the dashboard's pages); CSV and JSON carry every column.
pub const HEADLINE: [&str; 17] = [
    "client",
    "program",
    "site",
    "queue",
    "channel",
    "period",
    "offered",
    "abandoned",
    "service_level",
    "asa_s",
    "aht_s",
    "abandon_rate",
    "csat_top2_rate",
    "csat_thin",
    "nps",
    "fcr_rate",
    "coverage",
];

/// A scorecard request as text, the same for every front-end: the CLI's flags and the API's
/// query parameters parse into it, and [`ScorecardParams::query`] checks it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScorecardParams {
    pub client: Option<String>,
    pub program: Option<String>,
    pub queue: Option<String>,
    pub site: Option<String>,
    /// voice, chat, email, callback, messaging or ticket.
    pub channel: Option<String>,
    /// A day, week, month, quarter, year or a range `A..B` (instead of `from` / `to`).
    pub period: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// interval, day, week, month (default) or total.
    pub by: Option<String>,
    /// client, program, site, channel or queue (default: the finest filter given, else client).
    pub level: Option<String>,
    pub blend: Option<bool>,
    pub sl_variant: Option<String>,
}

fn invalid(param: &'static str) -> impl FnOnce(String) -> crate::EngineError {
    move |message| crate::EngineError::Invalid {
        param: Some(param),
        message,
    }
}

impl ScorecardParams {
    /// The query these parameters ask for; an open date range is filled in from the data by
    /// [`run`].
    pub fn query(&self) -> crate::Result<ScorecardQuery> {
        let level = match &self.level {
            Some(l) => l.parse::<Level>().map_err(invalid("level"))?,
            None if self.queue.is_some() => Level::Queue,
            None if self.program.is_some() => Level::Program,
            None if self.site.is_some() => Level::Site,
            None => Level::Client,
        };
        if self.period.is_some() && (self.from.is_some() || self.to.is_some()) {
            return Err(invalid("period")(
                "give a period or from / to, not both".into(),
            ));
        }
        let (from, to) = match &self.period {
            Some(p) => {
                let r = opsdeck_core::parse_period(p).map_err(invalid("period"))?;
                (r.from, r.to)
            }
            None => (
                self.from.unwrap_or(NaiveDate::MIN),
                self.to.unwrap_or(NaiveDate::MAX),
            ),
        };
        if from > to {
            return Err(invalid("from")(format!("from {from} is after to {to}")));
        }
        Ok(ScorecardQuery {
            client: self.client.clone(),
            program: self.program.clone(),
            queue: self.queue.clone(),
            site: self.site.clone(),
            channel: self
                .channel
                .as_deref()
                .map(str::parse::<Channel>)
                .transpose()
                .map_err(invalid("channel"))?,
            from,
            to,
            by: self
                .by
                .as_deref()
                .unwrap_or("month")
                .parse::<Period>()
                .map_err(invalid("by"))?,
            level,
            variant: self
                .sl_variant
                .as_deref()
                .unwrap_or("offered")
                .parse::<SlVariant>()
                .map_err(invalid("sl_variant"))?,
            blend: self.blend.unwrap_or(false),
        })
    }
}

/// A scorecard as every front-end shows it.
#[derive(Debug, Clone)]
pub struct ScorecardRun {
    pub table: Table,
    /// Plain sentences for the reader (blended thresholds, missing data).
    pub notes: Vec<String>,
    /// Queues whose facts use settings that changed since (`opsdeck facts rebuild`).
    pub stale: Vec<String>,
}

/// The scorecard `q` asks for over the facts `scope` may read. `org` is what the scope may
/// read too, so an id outside it is unknown (`not_found`, with the nearest ids it may see).
/// An open date range becomes the data's range, so totals and coverage are meaningful.
pub fn run(
    ws: &crate::workspace::Workspace,
    scope: &opsdeck_core::Scope,
    org: &Org,
    q: &mut ScorecardQuery,
) -> crate::Result<ScorecardRun> {
    for (kind, id) in [
        ("client", &q.client),
        ("program", &q.program),
        ("queue", &q.queue),
        ("site", &q.site),
    ] {
        if let Some(id) = id {
            org.require(kind, id)?;
        }
    }
    let facts = ws.interval_facts(scope, q.client.as_deref(), q.from, q.to)?;
    if q.from == NaiveDate::MIN || q.to == NaiveDate::MAX {
        let selected: Vec<_> = facts
            .iter()
            .filter(|f| selected(f, org, q))
            .cloned()
            .collect();
        if let Some((lo, hi)) = data_range(&selected) {
            if q.from == NaiveDate::MIN {
                q.from = lo;
            }
            if q.to == NaiveDate::MAX {
                q.to = hi;
            }
        }
    }
    let stale = crate::workspace::facts::stale_queues(&facts, org);
    let sc = scorecard(&facts, org, q);
    Ok(ScorecardRun {
        table: table(&sc, q),
        notes: sc.notes,
        stale,
    })
}
