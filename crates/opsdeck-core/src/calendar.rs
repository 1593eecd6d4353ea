//! Calendars: time zone, business hours, holidays, and interval alignment in local time
//! (DST-correct: a spring-forward day has 46 half-hours, a fall-back day 50).

use crate::quote::quoted;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// Interval length in minutes; must divide a day and an hour evenly (5, 10, 15, 20, 30 or 60).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntervalLen(u32);

impl IntervalLen {
    pub const MIN30: IntervalLen = IntervalLen(30);

    pub fn new(minutes: u32) -> Result<Self, String> {
        if [5, 10, 15, 20, 30, 60].contains(&minutes) {
            Ok(IntervalLen(minutes))
        } else {
            Err(format!(
                "interval of {minutes} minutes is not supported (use 5, 10, 15, 20, 30 or 60)"
            ))
        }
    }

    pub fn minutes(self) -> u32 {
        self.0
    }

    pub fn seconds(self) -> i64 {
        i64::from(self.0) * 60
    }
}

/// Parse an IANA zone name.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>()
        .map_err(|_| format!("unknown IANA time zone {}", quoted(name)))
}

/// UTC offset (seconds east) in force at `utc_s` (epoch seconds).
pub fn offset_at(zone: Tz, utc_s: i64) -> i64 {
    let dt = DateTime::<Utc>::from_timestamp(utc_s, 0)
        .unwrap_or_default()
        .naive_utc();
    i64::from(zone.offset_from_utc_datetime(&dt).fix().local_minus_utc())
}

/// Interval alignment in a zone, memoising offsets per 15-minute block of UTC (zones change
/// offset only on such boundaries), which makes aligning millions of contacts cheap.
///
/// **The rule.** Intervals start on the local wall-clock grid of their length (`:00`, `:30` …
/// in the offset in force), and they partition time: every instant lies in exactly one
/// interval `[start, next start)`, and no interval lasts longer than its length. Where a clock
/// change falls inside an interval and the new offset's grid does not continue it (a change
/// that is not a multiple of the length: Lord Howe's 30 minutes with 60-minute intervals), the
/// interval in progress ends at the change and the change starts a shorter interval that runs
/// to the next line of the new grid: with 60-minute intervals on Lord Howe's fall-back night,
/// `01:00+11:00` (60 minutes), `01:30+10:30` (30 minutes), `02:00+10:30`. A change the new
/// grid continues (New York's hour, Chatham's hour at `:45`) shortens or lengthens no interval.
#[derive(Debug, Clone)]
pub struct ZoneCache {
    zone: Tz,
    slots: Vec<(i64, i64)>,
}

const BLOCK_S: i64 = 900;
const SLOTS: usize = 256;

impl ZoneCache {
    pub fn new(zone: Tz) -> Self {
        ZoneCache {
            zone,
            slots: vec![(i64::MIN, 0); SLOTS],
        }
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    pub fn offset_at(&mut self, utc_s: i64) -> i64 {
        let block = utc_s.div_euclid(BLOCK_S);
        let slot = &mut self.slots[block.rem_euclid(SLOTS as i64) as usize];
        if slot.0 != block {
            *slot = (block, offset_at(self.zone, block * BLOCK_S));
        }
        slot.1
    }

    /// Start (UTC epoch seconds) of the interval containing `utc_s`, aligned in local time:
    /// `t − ((t + offset(t)) mod length)`, unless that start lies before a change of the
    /// zone's offset and is not the start of the interval in progress when the clock changed;
    /// then the change itself starts the interval (see [`ZoneCache`]'s rule).
    pub fn interval_start(&mut self, utc_s: i64, len: IntervalLen) -> i64 {
        let grid = self.grid_start(utc_s, len);
        self.settle(utc_s, grid, len)
    }

    /// The plain local-grid start of `utc_s`: aligned in the local time of its own offset.
    #[inline]
    fn grid_start(&mut self, utc_s: i64, len: IntervalLen) -> i64 {
        let off = self.offset_at(utc_s);
        utc_s - (utc_s + off).rem_euclid(len.seconds())
    }

    /// The start of `utc_s`'s interval given its grid start `grid`: `grid`, when no offset
    /// change lies in `(grid, utc_s]` or when `grid` is also the start of the interval in
    /// progress just before the latest such change (both grids agree, as in New York or
    /// Chatham); else the change (Lord Howe's 30-minute change with 60-minute intervals), so
    /// that no start ever lies inside the previous interval.
    fn settle(&mut self, utc_s: i64, grid: i64, len: IntervalLen) -> i64 {
        // offsets change only on block boundaries: look at those in (grid, utc_s], latest first
        let mut b = utc_s.div_euclid(BLOCK_S) * BLOCK_S;
        while b > grid {
            if self.offset_at(b - 1) != self.offset_at(b) {
                let before = self.interval_start(b - 1, len);
                return if before == grid { grid } else { b };
            }
            b -= BLOCK_S;
        }
        grid
    }

    /// `interval_start(utc_s, len)` and the instants `lo..hi` around `utc_s` that share it
    /// (the same offset block and the same local interval), so that callers with sorted
    /// instants can skip the lookup while an instant stays in range.
    pub fn interval_span(&mut self, utc_s: i64, len: IntervalLen) -> (i64, i64, i64) {
        let grid = self.grid_start(utc_s, len);
        let start = self.settle(utc_s, grid, len);
        let block = utc_s.div_euclid(BLOCK_S) * BLOCK_S;
        // within the block the offset is constant: its instants from `grid` to the next grid
        // line share `grid`, hence the same offset changes before them and the same start
        (
            start,
            block.max(grid),
            (block + BLOCK_S).min(grid + len.seconds()),
        )
    }

    /// End (UTC epoch seconds, exclusive) of the interval containing `utc_s`: the start of the
    /// next interval.
    pub fn interval_end(&mut self, utc_s: i64, len: IntervalLen) -> i64 {
        let start = self.interval_start(utc_s, len);
        let mut t = utc_s;
        loop {
            let (_, _, hi) = self.interval_span(t, len);
            if self.interval_start(hi, len) != start {
                return hi;
            }
            t = hi;
        }
    }
}

/// Start (UTC epoch seconds) of the local-aligned interval containing `utc_s`.
pub fn interval_start(zone: Tz, utc_s: i64, len: IntervalLen) -> i64 {
    ZoneCache::new(zone).interval_start(utc_s, len)
}

/// Local wall-clock time of a UTC instant.
pub fn local_time(zone: Tz, utc_s: i64) -> NaiveDateTime {
    DateTime::<Utc>::from_timestamp(utc_s, 0)
        .unwrap_or_default()
        .with_timezone(&zone)
        .naive_local()
}

/// The UTC instant of local midnight starting `date` (the first instant of the day when
/// midnight itself is skipped by a DST change).
pub fn local_midnight_utc(zone: Tz, date: NaiveDate) -> i64 {
    first_instant_at_or_after(zone, date.and_time(NaiveTime::MIN))
}

/// The UTC instant of a local wall-clock time: the earlier one in a fall-back overlap, and in a
/// spring-forward gap the first valid minute after it (the clock resumes at 03:00).
pub fn first_instant_at_or_after(zone: Tz, local: NaiveDateTime) -> i64 {
    let mut t = local;
    // a zone may skip midnight (e.g. America/Santiago); step forward to the first valid minute
    for _ in 0..240 {
        if let Some(dt) = zone.from_local_datetime(&t).earliest() {
            return dt.timestamp();
        }
        t += chrono::Duration::minutes(1);
    }
    local.and_utc().timestamp()
}

/// Interval starts (UTC epoch seconds) covering one local calendar day, DST-correct.
pub fn intervals_of_day(zone: Tz, date: NaiveDate, len: IntervalLen) -> Vec<i64> {
    let start = local_midnight_utc(zone, date);
    let end = local_midnight_utc(zone, date.succ_opt().unwrap_or(date));
    let mut cache = ZoneCache::new(zone);
    let mut out = Vec::new();
    let mut s = cache.interval_start(start, len);
    while s < end {
        out.push(s);
        s = cache.interval_end(s, len);
    }
    out
}

/// Opening hours on a weekday: a list of `[open, close)` local time ranges.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BusinessHours {
    /// Index 0 = Monday … 6 = Sunday.
    pub days: [Vec<(NaiveTime, NaiveTime)>; 7],
}

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl BusinessHours {
    /// Open every day around the clock.
    pub fn always() -> Self {
        let all = vec![(NaiveTime::MIN, NaiveTime::MIN)];
        BusinessHours {
            days: std::array::from_fn(|_| all.clone()),
        }
    }

    /// Parse `"08:00-20:00"` or `"08:00-12:00,13:00-17:00"`; `"24h"` means all day; `""` closed.
    /// A close of `24:00` or `00:00` means end of day.
    pub fn parse_ranges(s: &str) -> Result<Vec<(NaiveTime, NaiveTime)>, String> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("closed") {
            return Ok(vec![]);
        }
        if s.eq_ignore_ascii_case("24h") {
            return Ok(vec![(NaiveTime::MIN, NaiveTime::MIN)]);
        }
        let mut out = Vec::new();
        for part in s.split(',') {
            let (a, b) = part
                .trim()
                .split_once('-')
                .ok_or_else(|| format!("hours {}: expected HH:MM-HH:MM", quoted(part)))?;
            let open = parse_hhmm(a)?;
            let close = if b.trim() == "24:00" {
                NaiveTime::MIN
            } else {
                parse_hhmm(b)?
            };
            if close != NaiveTime::MIN && close <= open {
                return Err(format!(
                    "hours {}: closing time must be after opening time",
                    quoted(part)
                ));
            }
            out.push((open, close));
        }
        Ok(out)
    }

    /// Format one weekday's ranges back into the `parse_ranges` syntax.
    pub fn format_ranges(r: &[(NaiveTime, NaiveTime)]) -> String {
        if r.is_empty() {
            return "closed".into();
        }
        if r == [(NaiveTime::MIN, NaiveTime::MIN)] {
            return "24h".into();
        }
        r.iter()
            .map(|(a, b)| {
                let close = if *b == NaiveTime::MIN {
                    "24:00".to_string()
                } else {
                    b.format("%H:%M").to_string()
                };
                format!("{}-{}", a.format("%H:%M"), close)
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Is the local time open?
    pub fn is_open(&self, t: NaiveDateTime) -> bool {
        let day = &self.days[t.weekday().num_days_from_monday() as usize];
        let tm = t.time();
        day.iter()
            .any(|(a, b)| tm >= *a && (*b == NaiveTime::MIN || tm < *b))
    }
}

fn parse_hhmm(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("time {}: expected HH:MM", quoted(s.trim())))
}

/// A calendar: zone, business hours per weekday, holidays.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub id: String,
    pub zone: Tz,
    pub hours: BusinessHours,
    pub holidays: BTreeMap<NaiveDate, String>,
}

impl Calendar {
    /// Is the calendar open at this UTC instant (business hours, not a holiday)?
    pub fn is_open_at(&self, utc_s: i64) -> bool {
        let local = local_time(self.zone, utc_s);
        !self.holidays.contains_key(&local.date()) && self.hours.is_open(local)
    }

    /// Intervals of `len` starting on local day `date` at which the calendar is open (none on
    /// a holiday), DST-correct.
    pub fn open_intervals(&self, date: NaiveDate, len: IntervalLen) -> usize {
        if self.holidays.contains_key(&date) {
            return 0;
        }
        intervals_of_day(self.zone, date, len)
            .into_iter()
            .filter(|t| self.is_open_at(*t))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn dst_days_have_46_and_50_half_hours() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let l = IntervalLen::MIN30;
        assert_eq!(intervals_of_day(ny, d("2025-03-09"), l).len(), 46);
        assert_eq!(intervals_of_day(ny, d("2025-11-02"), l).len(), 50);
        assert_eq!(intervals_of_day(ny, d("2025-06-01"), l).len(), 48);
        let ber: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(intervals_of_day(ber, d("2025-03-30"), l).len(), 46);
        assert_eq!(intervals_of_day(ber, d("2025-10-26"), l).len(), 50);
        assert_eq!(
            intervals_of_day(ber, d("2025-10-26"), IntervalLen::new(15).unwrap()).len(),
            100
        );
    }

    #[test]
    fn fall_back_hour_gives_two_distinct_intervals_with_the_same_label() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let iv = intervals_of_day(ny, d("2025-11-02"), IntervalLen::MIN30);
        let labels: Vec<_> = iv
            .iter()
            .map(|t| local_time(ny, *t).format("%H:%M").to_string())
            .collect();
        assert_eq!(labels.iter().filter(|l| *l == "01:30").count(), 2);
        let mut sorted = iv.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), iv.len());
    }

    #[test]
    fn interval_span_holds_the_instants_that_share_the_start() {
        for zone in [chrono_tz::America::New_York, chrono_tz::Asia::Kathmandu] {
            let mut c = ZoneCache::new(zone);
            let len = IntervalLen::new(30).unwrap();
            // around the 2025 changes in New York, every 7 s
            for t in (1_741_500_000..1_741_520_000).chain(1_762_059_000..1_762_070_000) {
                if t % 7 != 0 {
                    continue;
                }
                let (start, lo, hi) = c.interval_span(t, len);
                assert!(lo <= t && t < hi);
                assert_eq!(start, interval_start(zone, t, len));
                assert_eq!(interval_start(zone, lo, len), start);
                assert_eq!(interval_start(zone, hi - 1, len), start);
            }
        }
    }

    #[test]
    fn alignment_is_local_for_half_hour_offsets() {
        // India is UTC+05:30; a 60-minute interval starts at local :00, i.e. UTC :30
        let kol: Tz = "Asia/Kolkata".parse().unwrap();
        let t = NaiveDate::from_ymd_opt(2025, 1, 6)
            .unwrap()
            .and_hms_opt(4, 45, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        let s = interval_start(kol, t, IntervalLen::new(60).unwrap());
        assert_eq!(local_time(kol, s).format("%H:%M").to_string(), "10:00");
    }

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    /// The local label `HH:MM+hh:mm` of an instant and the minutes to the next start.
    fn labelled(zone: Tz, day: &str, minutes: u32) -> Vec<(String, i64)> {
        let len = IntervalLen::new(minutes).unwrap();
        let mut c = ZoneCache::new(zone);
        intervals_of_day(zone, d(day), len)
            .into_iter()
            .map(|s| {
                let t = DateTime::<Utc>::from_timestamp(s, 0)
                    .unwrap()
                    .with_timezone(&zone);
                (
                    t.format("%H:%M%:z").to_string(),
                    (c.interval_end(s, len) - s) / 60,
                )
            })
            .collect()
    }

    #[test]
    fn lord_howe_half_hour_changes_shorten_one_hourly_interval() {
        let lh = chrono_tz::Australia::Lord_Howe;
        // clocks go back at 02:00+11:00 to 01:30+10:30 (2025-04-06)
        let back = labelled(lh, "2025-04-06", 60);
        assert_eq!(back.len(), 25, "{back:?}");
        assert_eq!(
            back[..4],
            [
                ("00:00+11:00".to_string(), 60),
                ("01:00+11:00".to_string(), 60),
                ("01:30+10:30".to_string(), 30),
                ("02:00+10:30".to_string(), 60),
            ]
        );
        // clocks go forward at 02:00+10:30 to 02:30+11:00 (2025-10-05)
        let fwd = labelled(lh, "2025-10-05", 60);
        assert_eq!(fwd.len(), 24, "{fwd:?}");
        assert_eq!(
            fwd[..4],
            [
                ("00:00+10:30".to_string(), 60),
                ("01:00+10:30".to_string(), 60),
                ("02:30+11:00".to_string(), 30),
                ("03:00+11:00".to_string(), 60),
            ]
        );
        // the instant after the change falls back is in the short interval, not in one that
        // starts at 01:00+10:30 (inside 01:00+11:00's hour)
        let len = IntervalLen::new(60).unwrap();
        assert_eq!(
            interval_start(lh, utc("2025-04-05T15:10:00Z"), len),
            utc("2025-04-05T15:00:00Z")
        );
        // with 30-minute intervals the grids agree: every interval is 30 minutes
        assert!(labelled(lh, "2025-04-06", 30).iter().all(|(_, m)| *m == 30));
        assert_eq!(labelled(lh, "2025-04-06", 30).len(), 49);
        // Chatham moves an hour at :45 of its grid: the grids agree, 60-minute intervals stay
        let ch = labelled(chrono_tz::Pacific::Chatham, "2025-09-28", 60);
        assert!(ch.iter().all(|(_, m)| *m == 60), "{ch:?}");
        assert_eq!(ch.len(), 23);
    }

    const ZONES: [Tz; 6] = [
        chrono_tz::America::New_York,
        chrono_tz::Europe::London,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Asia::Kathmandu,
        chrono_tz::Pacific::Chatham,
    ];
    const LENGTHS: [u32; 6] = [5, 10, 15, 20, 30, 60];
    /// 2024-01-01T00:00Z and 2026-01-01T00:00Z.
    const FROM: i64 = 1_704_067_200;
    const TO: i64 = 1_767_225_600;

    /// The instants of 2024–2025 at which `zone` changes its offset.
    fn changes(zone: Tz) -> Vec<i64> {
        let mut out = Vec::new();
        let mut day = FROM;
        while day < TO {
            if offset_at(zone, day) != offset_at(zone, day + 86_400) {
                // the first block of the new offset (offsets change on 15-minute blocks)
                let (mut lo, mut hi) = (day / BLOCK_S, (day + 86_400) / BLOCK_S);
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2;
                    if offset_at(zone, mid * BLOCK_S) == offset_at(zone, day) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                out.push(hi * BLOCK_S);
            }
            day += 86_400;
        }
        out
    }

    /// What every interval of a zone must be, checked without the alignment code: it starts on
    /// the local grid of its own offset or at a change of offset, lasts at most its length
    /// (exactly its length away from changes), and every instant of it maps to its start.
    fn check_interval(zone: Tz, len: IntervalLen, s: i64, e: i64) {
        let mut c = ZoneCache::new(zone);
        let l = len.seconds();
        assert!(s < e && e - s <= l, "{zone} {l}: [{s}, {e})");
        let off = offset_at(zone, s);
        let on_grid = (s + off).rem_euclid(l) == 0;
        let at_change = offset_at(zone, s - 1) != off;
        assert!(on_grid || at_change, "{zone} {l}: {s} is off the grid");
        let changes = (s..e).step_by(60).any(|t| offset_at(zone, t) != off);
        assert!(e - s == l || changes || offset_at(zone, e) != off || at_change);
        for t in [s, s + 1, (s + e) / 2, e - 1] {
            assert_eq!(c.interval_start(t, len), s, "{zone} {l}: {t} in [{s}, {e})");
            assert_eq!(c.interval_end(t, len), e, "{zone} {l}: {t} in [{s}, {e})");
        }
        assert!(c.interval_start(s - 1, len) < s);
        assert_eq!(c.interval_start(e, len), e);
    }

    /// Two years of intervals in each zone and length, walked from start to next start, and
    /// every minute of the days around each clock change.
    #[test]
    fn intervals_partition_time_in_every_zone() {
        for zone in ZONES {
            for m in LENGTHS {
                let len = IntervalLen::new(m).unwrap();
                let mut c = ZoneCache::new(zone);
                let mut s = c.interval_start(FROM, len);
                let mut n = 0u64;
                while s < TO {
                    let e = c.interval_end(s, len);
                    assert!(e > s);
                    if n.is_multiple_of(97) || offset_at(zone, s) != offset_at(zone, e) {
                        check_interval(zone, len, s, e);
                    }
                    s = e;
                    n += 1;
                }
                assert!(
                    matches!(zone, chrono_tz::Asia::Kolkata | chrono_tz::Asia::Kathmandu)
                        || changes(zone).len() == 4,
                    "{zone} changes its clocks twice a year"
                );
                // around each change, minute by minute: starts never go back, contain their
                // instant, and are their own start
                for change in changes(zone) {
                    let mut prev = i64::MIN;
                    for t in (change - 86_400..change + 86_400).step_by(60) {
                        let (st, lo, hi) = c.interval_span(t, len);
                        assert!(st <= t && st >= prev, "{zone} {m}: {t} → {st}");
                        assert!(lo <= t && t < hi && st <= lo);
                        assert_eq!(c.interval_start(lo, len), st, "{zone} {m}: {lo}");
                        assert_eq!(c.interval_start(hi - 1, len), st, "{zone} {m}: {hi}");
                        assert_eq!(c.interval_start(st, len), st);
                        assert!(t < c.interval_end(t, len));
                        prev = st;
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// Any instant of two years in any of the zones and lengths lies in exactly one
        /// interval: the one whose start it maps to, which ends where the next begins; a later
        /// instant never maps to an earlier start.
        #[test]
        fn every_instant_lies_in_one_interval(
            z in 0usize..ZONES.len(),
            m in proptest::sample::select(LENGTHS.to_vec()),
            t in FROM..TO,
            near in proptest::option::of((0usize..8, -3 * 3600i64..3 * 3600)),
            dt in 0i64..4 * 3600,
        ) {
            let (zone, len) = (ZONES[z], IntervalLen::new(m).unwrap());
            // half the instants near one of the zone's clock changes
            let changes = changes(zone);
            let t = match near {
                Some((k, d)) if !changes.is_empty() => changes[k % changes.len()] + d,
                _ => t,
            };
            let mut c = ZoneCache::new(zone);
            let (s, e) = (c.interval_start(t, len), c.interval_end(t, len));
            proptest::prop_assert!(s <= t && t < e && e - s <= len.seconds());
            check_interval(zone, len, s, e);
            let s2 = c.interval_start(t + dt, len);
            proptest::prop_assert!(s2 >= s);
            proptest::prop_assert_eq!(s2 == s, t + dt < e);
            proptest::prop_assert_eq!(s2, interval_start(zone, t + dt, len));
        }
    }

    #[test]
    fn business_hours_parse_and_check() {
        let r = BusinessHours::parse_ranges("08:00-12:00, 13:00-24:00").unwrap();
        assert_eq!(BusinessHours::format_ranges(&r), "08:00-12:00,13:00-24:00");
        assert!(BusinessHours::parse_ranges("12:00-08:00").is_err());
        assert!(BusinessHours::parse_ranges("8-12").is_err());
        let mut h = BusinessHours::default();
        h.days[0] = r;
        let mon = d("2025-01-06");
        assert!(h.is_open(mon.and_hms_opt(9, 0, 0).unwrap()));
        assert!(!h.is_open(mon.and_hms_opt(12, 30, 0).unwrap()));
        assert!(h.is_open(mon.and_hms_opt(23, 59, 0).unwrap()));
        assert!(!h.is_open(d("2025-01-07").and_hms_opt(9, 0, 0).unwrap()));
    }
}
