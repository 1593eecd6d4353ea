//! Deterministic IT service-desk incident update logs for `opsdeck demo`, in the shape of the
//! ServiceNow incident audit export (UCI dataset #498): one CSV row per update of an incident.
//!
//! Pure: no files, clock or environment; all randomness comes from the crate's seeded PRNG, so the
//! same [`IncidentSpec`] always gives the same bytes.
//!
//! Model:
//! - arrivals as a Poisson count per local hour (weekday business hours 08–18 heavy, evenings and
//!   weekends light), about 60 incidents a weekday and 12 a weekend day at scale 1.0;
//! - a surge over the last 14 days of the range's second calendar month: volume ×1.6 and P3
//!   resolution times ×1.6, so that month misses the P3 72-hour resolution target;
//! - a lifecycle per incident: `New` → `Active` (first response) → optionally `Awaiting User
//!   Info` / `Awaiting Vendor` and back → `Resolved` → optionally reopened (`Active`, `Resolved`)
//!   → `Closed` 72 hours after the last resolution; a few change priority or group once;
//! - updates at or after the end of the range are not written, so open incidents form a backlog.

use crate::rng::{fnv1a, Rng};
use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Weekday,
};
use chrono_tz::Tz;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Incident update CSV header, as written by [`generate_incidents`].
pub const INCIDENT_CSV_HEADER: &str =
    "number,incident_state,sys_updated_at,opened_at,priority,assignment_group,assigned_to";

/// Format of `sys_updated_at` and `opened_at`: local wall-clock time, minute resolution, no offset.
pub const INCIDENT_TIME_FORMAT: &str = "%d/%m/%Y %H:%M";

/// What to generate: incidents opened on local calendar days `start .. start + days` in `zone`.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentSpec {
    pub start: NaiveDate,
    pub days: u32,
    pub seed: u64,
    /// Multiplies incident volumes.
    pub scale: f64,
    /// Zone of the local wall-clock times written (and of business hours and days).
    pub zone: Tz,
    /// Assignment groups; an incident starts in one of them (uniformly) and may move once.
    pub groups: Vec<String>,
}

impl Default for IncidentSpec {
    fn default() -> Self {
        IncidentSpec {
            start: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default(),
            days: 91,
            seed: 42,
            scale: 1.0,
            zone: chrono_tz::Europe::London,
            groups: ["Service Desk L1", "Service Desk L2", "Network"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Counts of what [`generate_incidents`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IncidentStats {
    /// Incidents opened in the range (each has at least its `New` row).
    pub incidents: u64,
    /// Rows written (updates).
    pub updates: u64,
    /// Incidents neither resolved nor closed at the end of the range (the backlog).
    pub open_at_end: u64,
}

/// Incidents per weekday and per weekend day at scale 1.0.
const WEEKDAY_VOLUME: f64 = 60.0;
const WEEKEND_VOLUME: f64 = 12.0;
/// Volume and P3 resolution-time factor of the surge.
const SURGE_FACTOR: f64 = 1.6;
/// Length of the surge at the end of the second calendar month, in days.
const SURGE_DAYS: u64 = 14;

/// Relative arrivals per local hour (00–23) on weekdays: 08–18 heavy.
const WEEKDAY_PROFILE: [f64; 24] = [
    0.15, 0.1, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, // 00–07
    1.2, 1.7, 1.7, 1.5, 1.2, 1.4, 1.4, 1.3, 1.1, 0.9, // 08–17
    0.5, 0.35, 0.3, 0.25, 0.2, 0.15, // 18–23
];
/// Relative arrivals per local hour (00–23) on weekends: flatter, daytime a little higher.
const WEEKEND_PROFILE: [f64; 24] = [
    0.3, 0.2, 0.2, 0.2, 0.2, 0.3, 0.4, 0.6, // 00–07
    0.8, 1.0, 1.1, 1.1, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, // 08–17
    0.7, 0.6, 0.6, 0.5, 0.4, 0.3, // 18–23
];

/// Priority labels, index 0 = P1.
const PRIORITIES: [&str; 4] = ["1 - Critical", "2 - High", "3 - Moderate", "4 - Low"];
/// Share of new incidents per priority.
const PRIORITY_WEIGHTS: [f64; 4] = [0.02, 0.06, 0.70, 0.22];
/// Index of P3 in [`PRIORITIES`].
const P3: usize = 2;
/// Mean first-response delay per priority, minutes.
const FIRST_RESPONSE_MEAN: [f64; 4] = [10.0, 30.0, 120.0, 240.0];
const FIRST_RESPONSE_SIGMA: f64 = 0.9;
/// Mean resolution time from opening per priority, minutes.
const RESOLUTION_MEAN: [f64; 4] = [180.0, 360.0, 2400.0, 4800.0];
const RESOLUTION_SIGMA: f64 = 0.55;

/// Shares of incidents that wait on the user / on a vendor once, and mean wait (minutes).
const AWAIT_USER_SHARE: f64 = 0.20;
const AWAIT_VENDOR_SHARE: f64 = 0.05;
const AWAIT_USER_MEAN: f64 = 8.0 * 60.0;
const AWAIT_VENDOR_MEAN: f64 = 30.0 * 60.0;
/// Shares of incidents reopened once, re-prioritised once, reassigned once.
const REOPEN_SHARE: f64 = 0.05;
const PRIORITY_CHANGE_SHARE: f64 = 0.03;
const REASSIGN_SHARE: f64 = 0.10;
/// Mean delay from resolution to reopening (minutes); always before the auto-close.
const REOPEN_DELAY_MEAN: f64 = 16.0 * 60.0;
/// Auto-close delay after the (last) resolution, minutes.
const AUTO_CLOSE: i64 = 72 * 60;
/// Upper bound of any drawn duration, minutes (60 days), keeping the arithmetic bounded.
const MAX_DURATION: i64 = 60 * 24 * 60;
/// Resolvers per assignment group (`Resolver N`, numbered across the groups).
const RESOLVERS_PER_GROUP: u64 = 12;

/// Incident state, as the export spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    New,
    Active,
    AwaitingUser,
    AwaitingVendor,
    Resolved,
    Closed,
}

impl State {
    fn label(self) -> &'static str {
        match self {
            State::New => "New",
            State::Active => "Active",
            State::AwaitingUser => "Awaiting User Info",
            State::AwaitingVendor => "Awaiting Vendor",
            State::Resolved => "Resolved",
            State::Closed => "Closed",
        }
    }

    /// Still in the backlog: neither resolved nor closed.
    fn is_open(self) -> bool {
        !matches!(self, State::Resolved | State::Closed)
    }
}

/// What one update changes.
#[derive(Debug, Clone, Copy)]
enum Change {
    /// A new state (the assignee unchanged).
    State(State),
    /// First response: `Active`, assigned to the resolver.
    Respond { resolver: u64 },
    /// New priority (index into [`PRIORITIES`]).
    Priority(usize),
    /// New group and resolver.
    Reassign { group: usize, resolver: u64 },
}

/// One update at an epoch minute.
#[derive(Debug, Clone, Copy)]
struct Update {
    at: i64,
    change: Change,
}

impl Update {
    fn new(at: i64, change: Change) -> Self {
        Update { at, change }
    }
}

/// The fields of an incident's row, as updated.
#[derive(Debug, Clone, Copy)]
struct Current {
    state: State,
    priority: usize,
    group: usize,
    resolver: Option<u64>,
}

impl Current {
    fn apply(&mut self, change: Change) {
        match change {
            Change::State(s) => self.state = s,
            Change::Respond { resolver } => {
                self.state = State::Active;
                self.resolver = Some(resolver);
            }
            Change::Priority(p) => self.priority = p,
            Change::Reassign { group, resolver } => {
                self.group = group;
                self.resolver = Some(resolver);
            }
        }
    }
}

/// The range in epoch minutes and the surge's local dates.
struct Window {
    /// First minute at or after local midnight of `spec.start`.
    start: i64,
    /// First minute at or after local midnight of `spec.start + days`: nothing written from it on.
    end: i64,
    /// Inclusive local dates of the surge, if the range has a second calendar month.
    surge: Option<(NaiveDate, NaiveDate)>,
}

impl Window {
    fn new(spec: &IncidentSpec) -> io::Result<Self> {
        let end_date = spec
            .start
            .checked_add_days(Days::new(spec.days.into()))
            .ok_or_else(|| invalid("incident range ends beyond the supported dates"))?;
        let start = local_midnight(spec.zone, spec.start)?;
        let end = local_midnight(spec.zone, end_date)?;
        Ok(Window {
            start,
            end,
            surge: surge_dates(spec.start),
        })
    }

    fn in_surge(&self, date: NaiveDate) -> bool {
        self.surge
            .is_some_and(|(first, last)| first <= date && date <= last)
    }
}

/// Write synthetic incident updates as CSV (header included), ordered by incident number, then
/// time. Timestamps are local wall-clock times in `spec.zone` ([`INCIDENT_TIME_FORMAT`]).
pub fn generate_incidents<W: Write>(spec: &IncidentSpec, out: W) -> io::Result<IncidentStats> {
    if !(spec.scale.is_finite() && spec.scale >= 0.0) {
        return Err(invalid("incident scale must be a finite number ≥ 0"));
    }
    if spec.groups.is_empty() {
        return Err(invalid("at least one assignment group is needed"));
    }
    let window = Window::new(spec)?;
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    out.write_all(INCIDENT_CSV_HEADER.as_bytes())?;
    out.write_all(b"\n")?;

    let key = fnv1a("incidents");
    let mut arrivals = Rng::stream(spec.seed, key, 0);
    let mut stats = IncidentStats::default();
    let mut rows = String::with_capacity(1024);
    for date in spec.start.iter_days().take(spec.days as usize) {
        let surge = window.in_surge(date);
        for opened in day_arrivals(spec, &window, date, surge, &mut arrivals) {
            stats.incidents += 1;
            let number = stats.incidents;
            let mut rng = Rng::stream(spec.seed, key, number);
            let (first, updates) = lifecycle(&mut rng, opened, surge, spec.groups.len());
            rows.clear();
            let (written, last) =
                write_incident(&mut rows, spec, &window, number, opened, first, &updates)?;
            out.write_all(rows.as_bytes())?;
            stats.updates += written;
            if last.is_open() {
                stats.open_at_end += 1;
            }
        }
    }
    out.flush()?;
    Ok(stats)
}

/// Opening minutes of the incidents of one local day, in order.
fn day_arrivals(
    spec: &IncidentSpec,
    window: &Window,
    date: NaiveDate,
    surge: bool,
    rng: &mut Rng,
) -> Vec<i64> {
    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    let mut volume = if weekend {
        WEEKEND_VOLUME
    } else {
        WEEKDAY_VOLUME
    } * spec.scale;
    if surge {
        volume *= SURGE_FACTOR;
    }
    let mut opened = Vec::new();
    for hour in 0..24 {
        let rate = volume * hour_share(weekend, hour);
        for hour_start in local_hour_starts(spec.zone, date, hour) {
            let first = opened.len();
            for _ in 0..rng.poisson(rate) {
                opened.push(hour_start + rng.below(60) as i64);
            }
            opened[first..].sort_unstable();
        }
    }
    opened.retain(|&t| window.start <= t && t < window.end);
    opened
}

/// Share of a day's arrivals in local `hour`.
fn hour_share(weekend: bool, hour: u32) -> f64 {
    let profile = if weekend {
        &WEEKEND_PROFILE
    } else {
        &WEEKDAY_PROFILE
    };
    profile[hour as usize] / profile.iter().sum::<f64>()
}

/// Draw an incident's lifecycle: its fields when opened and its updates in time order (the first
/// one is `New` at `opened`).
fn lifecycle(rng: &mut Rng, opened: i64, surge: bool, groups: usize) -> (Current, Vec<Update>) {
    let priority = rng.weighted(&PRIORITY_WEIGHTS);
    let group = rng.below(groups as u64) as usize;
    let first = Current {
        state: State::New,
        priority,
        group,
        resolver: None,
    };
    let final_priority = if rng.chance(PRIORITY_CHANGE_SHARE) {
        neighbour_priority(rng, priority)
    } else {
        priority
    };

    let first_response = rng.lognormal_mean(FIRST_RESPONSE_MEAN[priority], FIRST_RESPONSE_SIGMA);
    let active = opened + minutes(first_response);
    let resolver = pick_resolver(rng, group);
    let mut updates = vec![
        Update::new(opened, Change::State(State::New)),
        Update::new(active, Change::Respond { resolver }),
    ];
    let mut resolved = resolution(rng, opened, final_priority, surge).max(active + 1);
    resolved = push_wait(rng, &mut updates, active, resolved);
    if final_priority != priority {
        let at = between(rng, active, resolved);
        updates.push(Update::new(at, Change::Priority(final_priority)));
    }
    if groups > 1 && rng.chance(REASSIGN_SHARE) {
        let at = between(rng, active, resolved);
        push_reassign(rng, &mut updates, group, groups, at);
    }
    updates.push(Update::new(resolved, Change::State(State::Resolved)));
    if rng.chance(REOPEN_SHARE) {
        resolved = push_reopen(rng, &mut updates, resolved, RESOLUTION_MEAN[final_priority]);
    }
    updates.push(Update::new(
        resolved + AUTO_CLOSE,
        Change::State(State::Closed),
    ));
    // stable: updates in the same minute keep the order they were drawn in
    updates.sort_by_key(|u| u.at);
    (first, updates)
}

/// Minute of the (first) resolution: a lognormal time from opening by priority, P3 slower in the
/// surge.
fn resolution(rng: &mut Rng, opened: i64, priority: usize, surge: bool) -> i64 {
    let mut mean = RESOLUTION_MEAN[priority];
    if surge && priority == P3 {
        mean *= SURGE_FACTOR;
    }
    opened + minutes(rng.lognormal_mean(mean, RESOLUTION_SIGMA))
}

/// Move the incident at `at` from `group` to another of the `groups` (> 1) and one of its resolvers.
fn push_reassign(rng: &mut Rng, updates: &mut Vec<Update>, group: usize, groups: usize, at: i64) {
    let other = (group + 1 + rng.below(groups as u64 - 1) as usize) % groups;
    let resolver = pick_resolver(rng, other);
    updates.push(Update::new(
        at,
        Change::Reassign {
            group: other,
            resolver,
        },
    ));
}

/// Maybe wait on the user or a vendor once between `active` and `resolved`; returns the
/// resolution minute, later if the wait outlasts it.
fn push_wait(rng: &mut Rng, updates: &mut Vec<Update>, active: i64, resolved: i64) -> i64 {
    let draw = rng.uniform();
    let (state, mean) = if draw < AWAIT_USER_SHARE {
        (State::AwaitingUser, AWAIT_USER_MEAN)
    } else if draw < AWAIT_USER_SHARE + AWAIT_VENDOR_SHARE {
        (State::AwaitingVendor, AWAIT_VENDOR_MEAN)
    } else {
        return resolved;
    };
    let from = between(rng, active, resolved);
    let back = from + minutes(rng.lognormal_mean(mean, 0.8)).max(1);
    updates.push(Update::new(from, Change::State(state)));
    updates.push(Update::new(back, Change::State(State::Active)));
    if back < resolved {
        resolved
    } else {
        back + 1 + minutes(rng.lognormal_mean(60.0, 0.8))
    }
}

/// Reopen after `resolved` (before the auto-close) and resolve again; returns the new resolution.
fn push_reopen(rng: &mut Rng, updates: &mut Vec<Update>, resolved: i64, mean: f64) -> i64 {
    let reopened =
        resolved + minutes(rng.lognormal_mean(REOPEN_DELAY_MEAN, 0.8)).clamp(1, AUTO_CLOSE - 60);
    let again = reopened + 1 + minutes(rng.lognormal_mean(mean / 4.0, 0.8));
    updates.push(Update::new(reopened, Change::State(State::Active)));
    updates.push(Update::new(again, Change::State(State::Resolved)));
    again
}

/// A priority one step up (60 %) or down from `p`, within P1–P4.
fn neighbour_priority(rng: &mut Rng, p: usize) -> usize {
    let up = rng.chance(0.6);
    match (up, p) {
        (true, 0) => 1,
        (true, _) => p - 1,
        (false, 3) => 2,
        (false, _) => p + 1,
    }
}

/// A resolver of `group` (`Resolver N`, 1-based, numbered across the groups).
fn pick_resolver(rng: &mut Rng, group: usize) -> u64 {
    group as u64 * RESOLVERS_PER_GROUP + 1 + rng.below(RESOLVERS_PER_GROUP)
}

/// A minute in `[from, until)`; `from` when the span is empty.
fn between(rng: &mut Rng, from: i64, until: i64) -> i64 {
    let span = u64::try_from(until - from).unwrap_or(0);
    from + rng.below(span) as i64
}

/// Whole minutes of a drawn duration, within `0 ..= MAX_DURATION`.
fn minutes(d: f64) -> i64 {
    // a float-to-int `as` saturates, NaN gives 0
    (d.round() as i64).clamp(0, MAX_DURATION)
}

/// Append the incident's rows before the end of the range; returns how many and the state after
/// the last one.
fn write_incident(
    rows: &mut String,
    spec: &IncidentSpec,
    window: &Window,
    number: u64,
    opened: i64,
    mut current: Current,
    updates: &[Update],
) -> io::Result<(u64, State)> {
    let opened_text = local_text(spec.zone, opened)?;
    let mut written = 0;
    for u in updates.iter().take_while(|u| u.at < window.end) {
        current.apply(u.change);
        let _ = write!(rows, "INC{number:07},{},", current.state.label());
        rows.push_str(&local_text(spec.zone, u.at)?);
        rows.push(',');
        rows.push_str(&opened_text);
        rows.push(',');
        rows.push_str(PRIORITIES[current.priority]);
        rows.push(',');
        push_field(rows, &spec.groups[current.group]);
        rows.push(',');
        match current.resolver {
            Some(r) => {
                let _ = write!(rows, "Resolver {r}");
            }
            None => rows.push('?'),
        }
        rows.push('\n');
        written += 1;
    }
    Ok((written, current.state))
}

/// Append a CSV field, quoted per RFC 4180 only if it needs it.
fn push_field(line: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&field.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(field);
    }
}

/// Local wall-clock text of an epoch minute in `zone` ([`INCIDENT_TIME_FORMAT`]).
fn local_text(zone: Tz, minute: i64) -> io::Result<String> {
    let utc = minute
        .checked_mul(60)
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or_else(|| invalid("incident time out of range"))?;
    Ok(utc
        .with_timezone(&zone)
        .format(INCIDENT_TIME_FORMAT)
        .to_string())
}

/// Epoch minutes at which local `hour` of `date` starts: none in a spring-forward gap, two when
/// the hour repeats at a fall-back.
fn local_hour_starts(zone: Tz, date: NaiveDate, hour: u32) -> Vec<i64> {
    let Some(local) = date.and_hms_opt(hour, 0, 0) else {
        return Vec::new();
    };
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => vec![epoch_minute(t)],
        LocalResult::Ambiguous(a, b) => vec![epoch_minute(a), epoch_minute(b)],
        LocalResult::None => Vec::new(),
    }
}

fn epoch_minute(t: DateTime<Tz>) -> i64 {
    t.timestamp().div_euclid(60)
}

/// Epoch minute of local midnight starting `date` (the first valid local time if midnight falls
/// in a gap).
fn local_midnight(zone: Tz, date: NaiveDate) -> io::Result<i64> {
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=24 * 4)
        .filter_map(|quarter| midnight.checked_add_signed(TimeDelta::minutes(15 * quarter)))
        .find_map(|local| zone.from_local_datetime(&local).earliest())
        .map(epoch_minute)
        .ok_or_else(|| invalid("local midnight not found in the zone"))
}

/// Inclusive local dates of the surge: the last [`SURGE_DAYS`] days of the calendar month after
/// `start`'s month.
fn surge_dates(start: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let second = first_of_next_month(start)?;
    let last = first_of_next_month(second)?.pred_opt()?;
    let first = last.checked_sub_days(Days::new(SURGE_DAYS - 1))?;
    Some((first, last))
}

fn first_of_next_month(d: NaiveDate) -> Option<NaiveDate> {
    if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    }
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDateTime, TimeDelta};
    use std::collections::BTreeMap;
    use std::sync::OnceLock;

    const STATES: [&str; 6] = [
        "New",
        "Active",
        "Awaiting User Info",
        "Awaiting Vendor",
        "Resolved",
        "Closed",
    ];

    fn generate(spec: &IncidentSpec) -> (Vec<u8>, IncidentStats) {
        let mut buf = Vec::new();
        let stats = generate_incidents(spec, &mut buf).expect("generation succeeds");
        (buf, stats)
    }

    /// The default spec's output, generated once for the tests that only read it.
    fn default_output() -> &'static (String, IncidentStats) {
        static OUT: OnceLock<(String, IncidentStats)> = OnceLock::new();
        OUT.get_or_init(|| {
            let (buf, stats) = generate(&IncidentSpec::default());
            (String::from_utf8(buf).expect("utf-8"), stats)
        })
    }

    #[derive(Debug)]
    struct Row {
        number: String,
        state: String,
        updated: NaiveDateTime,
        opened: NaiveDateTime,
        priority: String,
        group: String,
        assigned: String,
    }

    fn parse_time(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, INCIDENT_TIME_FORMAT)
            .unwrap_or_else(|e| panic!("time {text:?}: {e}"))
    }

    fn rows(csv: &str) -> Vec<Row> {
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(INCIDENT_CSV_HEADER));
        lines
            .map(|line| {
                assert!(!line.contains('"'), "no field needs quoting: {line}");
                let f: Vec<&str> = line.split(',').collect();
                assert_eq!(f.len(), 7, "7 fields: {line}");
                Row {
                    number: f[0].to_string(),
                    state: f[1].to_string(),
                    updated: parse_time(f[2]),
                    opened: parse_time(f[3]),
                    priority: f[4].to_string(),
                    group: f[5].to_string(),
                    assigned: f[6].to_string(),
                }
            })
            .collect()
    }

    /// Rows grouped by incident number, in file order.
    fn incidents(rows: &[Row]) -> BTreeMap<&str, Vec<&Row>> {
        let mut by_number: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
        for r in rows {
            by_number.entry(r.number.as_str()).or_default().push(r);
        }
        by_number
    }

    /// A local time falling in a repeated (fall-back) hour of `zone`.
    fn ambiguous(zone: Tz, t: NaiveDateTime) -> bool {
        matches!(zone.from_local_datetime(&t), LocalResult::Ambiguous(..))
    }

    /// `a` ≤ `b` in wall-clock time, or both in a repeated hour (where the wall clock goes back).
    fn in_order(zone: Tz, a: NaiveDateTime, b: NaiveDateTime) -> bool {
        a <= b || (ambiguous(zone, a) && ambiguous(zone, b))
    }

    #[test]
    fn same_spec_same_bytes_other_seed_other_bytes() {
        let spec = IncidentSpec {
            days: 30,
            ..IncidentSpec::default()
        };
        let (a, sa) = generate(&spec);
        let (b, sb) = generate(&spec);
        assert_eq!(a, b);
        assert_eq!(sa, sb);
        let (c, _) = generate(&IncidentSpec { seed: 43, ..spec });
        assert_ne!(a, c);
    }

    #[test]
    fn every_row_is_well_formed() {
        let spec = IncidentSpec::default();
        let (csv, stats) = default_output();
        let rows = rows(csv);
        assert_eq!(rows.len() as u64, stats.updates);
        let end = spec.start.and_time(NaiveTime::MIN) + TimeDelta::days(spec.days.into());
        let mut prev_number = String::new();
        for r in &rows {
            assert!(STATES.contains(&r.state.as_str()), "state {r:?}");
            assert!(PRIORITIES.contains(&r.priority.as_str()), "priority {r:?}");
            assert!(spec.groups.contains(&r.group), "group {r:?}");
            let resolver = r.assigned.strip_prefix("Resolver ");
            assert!(
                r.assigned == "?" || resolver.is_some_and(|n| n.parse::<u32>().is_ok()),
                "assigned_to {r:?}"
            );
            assert!(r.number.starts_with("INC") && r.number.len() == 10, "{r:?}");
            assert!(r.updated < end, "update after the range: {r:?}");
            assert!(r.opened >= spec.start.and_time(NaiveTime::MIN), "{r:?}");
            assert!(
                in_order(spec.zone, r.opened, r.updated),
                "opened after update: {r:?}"
            );
            assert!(prev_number <= r.number, "ordered by number: {r:?}");
            prev_number.clone_from(&r.number);
        }
        for (number, rows) in incidents(&rows) {
            assert_eq!(rows[0].state, "New", "{number} starts New");
            assert_eq!(rows[0].assigned, "?", "{number} unassigned when new");
            assert_eq!(rows[0].updated, rows[0].opened, "{number} New at opened");
            for pair in rows.windows(2) {
                assert_eq!(pair[0].opened, pair[1].opened, "{number} one opened_at");
                assert!(
                    in_order(spec.zone, pair[0].updated, pair[1].updated),
                    "{number} rows in time order"
                );
                if pair[1].state != "New" {
                    assert_ne!(pair[1].assigned, "?", "{number} assigned from Active on");
                }
            }
        }
    }

    #[test]
    fn volume_and_backlog_match_the_model() {
        let spec = IncidentSpec::default();
        let (csv, stats) = default_output();
        let rows = rows(csv);
        let by_number = incidents(&rows);
        assert_eq!(by_number.len() as u64, stats.incidents);

        let surge = surge_dates(spec.start).expect("a second month");
        let expected: f64 = spec
            .start
            .iter_days()
            .take(spec.days as usize)
            .map(|d| {
                let base = match d.weekday() {
                    Weekday::Sat | Weekday::Sun => 12.0,
                    _ => 60.0,
                };
                let surging = surge.0 <= d && d <= surge.1;
                base * spec.scale * if surging { 1.6 } else { 1.0 }
            })
            .sum();
        let ratio = stats.incidents as f64 / expected;
        eprintln!(
            "incidents {} (expected {expected:.0}, ratio {ratio:.3}), updates {}, open at end {}",
            stats.incidents, stats.updates, stats.open_at_end
        );
        assert!((0.85..=1.15).contains(&ratio), "volume ratio {ratio}");

        let open = by_number
            .values()
            .filter(|rows| {
                let last = rows[rows.len() - 1].state.as_str();
                !matches!(last, "Resolved" | "Closed")
            })
            .count() as u64;
        assert_eq!(open, stats.open_at_end);
        assert!(open > 0, "a backlog at the end");
    }

    /// Per month opened (year, month): (P3 incidents, resolved within 72 h by the first
    /// resolution, by the last resolution). P3 is the incident's last priority.
    fn p3_within_72h(zone: Tz, rows: &[Row]) -> BTreeMap<(i32, u32), (u32, u32, u32)> {
        let utc = |t: NaiveDateTime| {
            zone.from_local_datetime(&t)
                .earliest()
                .map(|t| t.timestamp())
                .unwrap_or_else(|| panic!("local time {t} exists"))
        };
        let mut months: BTreeMap<(i32, u32), (u32, u32, u32)> = BTreeMap::new();
        for rows in incidents(rows).values() {
            let last = rows[rows.len() - 1];
            if last.priority != PRIORITIES[P3] {
                continue;
            }
            let opened = utc(last.opened);
            let within = |r: &&Row| utc(r.updated) - opened <= 72 * 3600;
            let resolved: Vec<&Row> = rows
                .iter()
                .copied()
                .filter(|r| r.state == "Resolved")
                .collect();
            let entry = months
                .entry((last.opened.year(), last.opened.month()))
                .or_default();
            entry.0 += 1;
            entry.1 += u32::from(resolved.first().is_some_and(within));
            entry.2 += u32::from(resolved.last().is_some_and(within));
        }
        months
    }

    #[test]
    fn surge_month_misses_the_p3_resolution_target() {
        let spec = IncidentSpec::default();
        let rows = rows(&default_output().0);
        let months = p3_within_72h(spec.zone, &rows);
        let share = |month: (i32, u32), last: bool| {
            let (n, first, final_) = months[&month];
            f64::from(if last { final_ } else { first }) / f64::from(n)
        };
        for (month, (n, first, last)) in &months {
            eprintln!(
                "{month:?}: P3 {n}, within 72 h first resolution {:.3}, last resolution {:.3}",
                f64::from(*first) / f64::from(*n),
                f64::from(*last) / f64::from(*n)
            );
        }
        for last in [false, true] {
            assert!(
                share((2025, 9), last) >= 0.85,
                "September meets (last: {last})"
            );
            assert!(
                share((2025, 10), last) < 0.85,
                "October misses (last: {last})"
            );
        }
    }

    #[test]
    fn reopenings_priority_changes_and_reassignments_happen() {
        let rows = rows(&default_output().0);
        let by_number = incidents(&rows);
        let reopened = by_number
            .values()
            .filter(|rows| {
                rows.windows(2)
                    .any(|p| p[0].state == "Resolved" && p[1].state == "Active")
            })
            .count();
        let reprioritised = by_number
            .values()
            .filter(|rows| rows.iter().any(|r| r.priority != rows[0].priority))
            .count();
        let reassigned = by_number
            .values()
            .filter(|rows| rows.iter().any(|r| r.group != rows[0].group))
            .count();
        let waited = by_number
            .values()
            .filter(|rows| rows.iter().any(|r| r.state.starts_with("Awaiting")))
            .count();
        let n = by_number.len() as f64;
        eprintln!(
            "reopened {:.3}, priority changed {:.3}, reassigned {:.3}, awaited {:.3}",
            reopened as f64 / n,
            reprioritised as f64 / n,
            reassigned as f64 / n,
            waited as f64 / n
        );
        assert!(reopened > 0, "a reopened incident");
        assert!(reprioritised > 0, "a priority change");
        assert!(reassigned > 0, "a reassignment");
    }

    #[test]
    fn invalid_specs_are_refused() {
        let refuse = |spec: IncidentSpec| {
            let err = generate_incidents(&spec, Vec::new()).expect_err("refused");
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        };
        refuse(IncidentSpec {
            scale: f64::NAN,
            ..IncidentSpec::default()
        });
        refuse(IncidentSpec {
            groups: Vec::new(),
            ..IncidentSpec::default()
        });
    }

    #[test]
    fn group_names_are_quoted_only_when_needed() {
        let mut line = String::new();
        push_field(&mut line, "Network");
        push_field(&mut line, "Apps, \"EMEA\"");
        assert_eq!(line, "Network\"Apps, \"\"EMEA\"\"\"");
    }
}
