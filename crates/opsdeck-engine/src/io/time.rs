//! Local wall-clock times resolved to UTC instants in one zone, memoised per 15-minute block.

use super::parse::Stamp;
use chrono::{LocalResult, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

/// Resolves wall-clock times in one zone, memoised per local 15-minute block (zones change
/// offset only on such boundaries). An ambiguous time (the repeated hour when clocks go back)
/// has two readings ([`readings`](Self::readings), which contact validation chooses between
/// by the row's order); [`to_utc`](Self::to_utc) and [`resolve`](Self::resolve) take the
/// earlier. Times skipped when clocks go forward are errors.
#[derive(Debug, Clone)]
pub struct LocalResolver {
    zone: Tz,
    slots: Vec<(i64, Resolved)>,
    /// The last block resolved to an offset: local times `lo..hi` are UTC `local − off`
    /// (the three times of a contact, and the next contact, usually fall in it).
    last: (i64, i64, i64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolved {
    Offset(i64),
    /// Two offsets, the earlier instant's (the larger offset) first.
    Ambiguous(i64, i64),
    Gap,
}

/// The instants (UTC epoch seconds) a time can stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readings {
    One(i64),
    /// A wall-clock time of a fall-back overlap: the earlier and the later instant.
    Two(i64, i64),
}

impl Readings {
    /// The earlier instant.
    #[inline(always)]
    pub fn earliest(self) -> i64 {
        match self {
            Readings::One(t) | Readings::Two(t, _) => t,
        }
    }

    /// The instants, earlier first.
    pub fn all(self) -> impl Iterator<Item = i64> {
        let (a, b) = match self {
            Readings::One(t) => (t, None),
            Readings::Two(t, u) => (t, Some(u)),
        };
        std::iter::once(a).chain(b)
    }
}

const BLOCK: i64 = 900;
const SLOTS: usize = 256;

impl LocalResolver {
    pub fn new(zone: Tz) -> Self {
        LocalResolver {
            zone,
            slots: vec![(i64::MIN, Resolved::Gap); SLOTS],
            last: (0, 0, 0),
        }
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// UTC epoch seconds of a wall-clock time given as seconds since the wall clock's epoch
    /// (the earlier instant of an ambiguous time).
    #[inline(always)]
    pub fn to_utc(&mut self, local_s: i64) -> Result<i64, String> {
        self.readings(local_s).map(Readings::earliest)
    }

    /// The instants a wall-clock time (seconds since the wall clock's epoch) stands for: one,
    /// or two in a fall-back overlap; an error for a time the clocks skipped.
    #[inline(always)]
    pub fn readings(&mut self, local_s: i64) -> Result<Readings, String> {
        if let Some(utc) = self.remembered(local_s) {
            return Ok(Readings::One(utc));
        }
        let block = local_s.div_euclid(BLOCK);
        let slot = &mut self.slots[block.rem_euclid(SLOTS as i64) as usize];
        if slot.0 != block {
            let naive = chrono::DateTime::from_timestamp(block * BLOCK, 0)
                .map(|d| d.naive_utc())
                .unwrap_or(NaiveDateTime::MIN);
            let r = match self.zone.offset_from_local_datetime(&naive) {
                LocalResult::Single(o) => Resolved::Offset(i64::from(o.fix().local_minus_utc())),
                LocalResult::Ambiguous(a, b) => {
                    let (a, b) = (
                        i64::from(a.fix().local_minus_utc()),
                        i64::from(b.fix().local_minus_utc()),
                    );
                    Resolved::Ambiguous(a.max(b), a.min(b))
                }
                LocalResult::None => Resolved::Gap,
            };
            *slot = (block, r);
        }
        match slot.1 {
            Resolved::Offset(off) => {
                // grow the remembered span over neighbouring blocks of the same offset (every
                // block in it resolved to `off` on its own), so that times jittering around a
                // block edge, as ends do, keep hitting it
                let (b_lo, b_hi) = (block * BLOCK, block * BLOCK + BLOCK);
                let (lo, hi, last_off) = self.last;
                self.last = if lo < hi && off == last_off && (b_lo == hi || b_hi == lo) {
                    (lo.min(b_lo), hi.max(b_hi), off)
                } else {
                    (b_lo, b_hi, off)
                };
                Ok(Readings::One(local_s - off))
            }
            // not remembered: `resolve_ok` must never take an ambiguous time as one instant
            Resolved::Ambiguous(early, late) => Ok(Readings::Two(local_s - early, local_s - late)),
            Resolved::Gap => Err(format!(
                "local time {} does not exist in {} (clocks went forward)",
                chrono::DateTime::from_timestamp(local_s, 0)
                    .map(|d| d.naive_utc().to_string())
                    .unwrap_or_default(),
                self.zone
            )),
        }
    }

    /// UTC seconds of a wall time in the remembered span, if it is in it.
    #[inline(always)]
    fn remembered(&self, local_s: i64) -> Option<i64> {
        let (lo, hi, off) = self.last;
        (lo <= local_s && local_s < hi).then(|| local_s - off)
    }

    /// UTC epoch seconds of a stamp (the earlier instant of an ambiguous wall-clock time);
    /// instants outside the years 1900–2199 are refused (they are data errors, and far-off
    /// values would overflow later arithmetic).
    #[inline(always)]
    pub fn resolve(&mut self, s: Stamp) -> Result<i64, String> {
        self.resolve_readings(s).map(Readings::earliest)
    }

    /// The instants a stamp stands for: one, or two for a wall-clock time of a fall-back
    /// overlap; errors as [`resolve`](Self::resolve).
    #[inline(always)]
    pub fn resolve_readings(&mut self, s: Stamp) -> Result<Readings, String> {
        let v = match s {
            Stamp::Utc(u) | Stamp::Naive(u) => u,
        };
        if !in_years(v) {
            return Err(format!(
                "timestamp {v} s from 1970 is outside the years 1900–2199"
            ));
        }
        match s {
            Stamp::Utc(u) => Ok(Readings::One(u)),
            Stamp::Naive(l) => self.readings(l),
        }
    }

    /// The one instant of a stamp, without the reason: `None` where [`resolve`](Self::resolve)
    /// gives an error and for an ambiguous wall-clock time (the row path chooses its reading).
    /// A wall time in the last resolved block takes a few comparisons.
    #[inline(always)]
    pub fn resolve_ok(&mut self, s: Stamp) -> Option<i64> {
        match s {
            Stamp::Utc(u) => in_years(u).then_some(u),
            Stamp::Naive(l) => self
                .remembered(l)
                .filter(|_| in_years(l))
                .or_else(|| self.resolve_slow(s)),
        }
    }

    #[inline(never)]
    fn resolve_slow(&mut self, s: Stamp) -> Option<i64> {
        match self.resolve_readings(s) {
            Ok(Readings::One(t)) => Some(t),
            _ => None,
        }
    }

    /// A wall-clock reading of an instant for messages: `01:05-05:00` (seconds when not zero),
    /// with the date first when it is not the local date of `day_of` (a UTC instant).
    pub fn label(&self, utc_s: i64, day_of: i64) -> String {
        use chrono::Utc;
        let at = |t: i64| {
            chrono::DateTime::<Utc>::from_timestamp(t, 0)
                .unwrap_or_default()
                .with_timezone(&self.zone)
        };
        let (t, d) = (at(utc_s), at(day_of));
        let time = if chrono::Timelike::second(&t) == 0 {
            t.format("%H:%M%:z")
        } else {
            t.format("%H:%M:%S%:z")
        };
        if t.date_naive() == d.date_naive() {
            time.to_string()
        } else {
            format!("{} {time}", t.format("%Y-%m-%d"))
        }
    }
}

/// Whether epoch seconds fall within the years 1900–2199 (a day's margin either side).
#[inline(always)]
fn in_years(v: i64) -> bool {
    const MIN_S: i64 = -2_208_988_800; // 1900-01-01
    const MAX_S: i64 = 7_258_118_400; // 2200-01-01
    (MIN_S + 86_400..MAX_S - 86_400).contains(&v)
}
