//! Calendars: time zone, business hours, holidays, and interval alignment in local time
//! (DST-correct: a spring-forward day has 46 half-hours, a fall-back day 50).

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
        .map_err(|_| format!("unknown IANA time zone {name:?}"))
}

/// UTC offset (seconds east) in force at `utc_s` (epoch seconds).
pub fn offset_at(zone: Tz, utc_s: i64) -> i64 {
    let dt = DateTime::<Utc>::from_timestamp(utc_s, 0)
        .unwrap_or_default()
        .naive_utc();
    i64::from(zone.offset_from_utc_datetime(&dt).fix().local_minus_utc())
}

/// Memoises offsets per 15-minute block of UTC, since zones change offset only on such
/// boundaries; makes aligning millions of contacts cheap.
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

    /// Start (UTC epoch seconds) of the interval, aligned in local time, containing `utc_s`.
    pub fn interval_start(&mut self, utc_s: i64, len: IntervalLen) -> i64 {
        let off = self.offset_at(utc_s);
        let local = utc_s + off;
        local - local.rem_euclid(len.seconds()) - off
    }

    /// `interval_start(utc_s, len)` and the instants `lo..hi` around `utc_s` that share it
    /// (the same offset block and the same local interval), so that callers with sorted
    /// instants can skip the lookup while an instant stays in range.
    pub fn interval_span(&mut self, utc_s: i64, len: IntervalLen) -> (i64, i64, i64) {
        let start = self.interval_start(utc_s, len);
        let block = utc_s.div_euclid(BLOCK_S) * BLOCK_S;
        (
            start,
            block.max(start),
            (block + BLOCK_S).min(start + len.seconds()),
        )
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
    let mut t = start;
    while t < end {
        let s = cache.interval_start(t, len);
        if out.last() != Some(&s) {
            out.push(s);
        }
        t += len.seconds();
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
                .ok_or_else(|| format!("hours {part:?}: expected HH:MM-HH:MM"))?;
            let open = parse_hhmm(a)?;
            let close = if b.trim() == "24:00" {
                NaiveTime::MIN
            } else {
                parse_hhmm(b)?
            };
            if close != NaiveTime::MIN && close <= open {
                return Err(format!(
                    "hours {part:?}: closing time must be after opening time"
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
        .map_err(|_| format!("time {:?}: expected HH:MM", s.trim()))
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
