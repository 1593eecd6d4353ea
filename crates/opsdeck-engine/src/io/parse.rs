//! Cell values and the field parsers shared by every reader: timestamps (fast path for ISO-like
//! text, explicit formats for mappings), whole-second durations, scores and flags.

use super::text::quoted;
use super::FieldIssue;
use chrono::{DateTime, NaiveDateTime};

/// Refuses a text value that may not be stored (a NUL: PostgreSQL and many readers of the
/// facts cannot hold one), naming the field and the position.
pub fn storable_text(field: &str, value: &str) -> Result<(), FieldIssue> {
    opsdeck_core::org::storable_text(value).map_err(|r| FieldIssue::new(field, r))
}

/// One input value, whatever the file format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// An instant, UTC epoch seconds.
    Utc(i64),
    /// A wall-clock time without zone, as seconds since 1970-01-01 00:00:00 of that wall clock.
    Naive(i64),
}

impl Cell<'_> {
    pub fn is_null(&self) -> bool {
        match self {
            Cell::Null => true,
            Cell::Str(s) => s.bytes().all(|b| b.is_ascii_whitespace()),
            _ => false,
        }
    }

    /// The value as text, for messages and quarantine rows.
    pub fn display(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Str(s) => (*s).to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Utc(s) => DateTime::from_timestamp(*s, 0)
                .map(|d| d.to_rfc3339())
                .unwrap_or_default(),
            Cell::Naive(s) => DateTime::from_timestamp(*s, 0)
                .map(|d| d.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
        }
    }
}

/// A parsed timestamp: either an instant or a wall-clock time to resolve in a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    Utc(i64),
    Naive(i64),
}

/// How timestamps are written in a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TsFormat {
    /// `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS`, optional fraction (truncated to the
    /// second), optional `Z` or `±HH:MM` offset.
    #[default]
    Auto,
    /// A chrono strftime pattern; with `%z`/`%:z` it yields instants, otherwise wall-clock times.
    Pattern(String),
    /// Seconds since the Unix epoch (UTC).
    Epoch,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
#[inline(always)]
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(b: &[u8]) -> Option<i64> {
    let mut v = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// The two ASCII digits at `b[i..i + 2]` as a number.
#[inline(always)]
fn two_digits(b: &[u8], i: usize) -> Option<i64> {
    let (hi, lo) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
    (hi < 10 && lo < 10).then_some(i64::from(hi) * 10 + i64::from(lo))
}

#[inline]
fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parse an ISO-like timestamp without allocating (a fraction of a second is dropped).
pub fn parse_iso(s: &str) -> Result<Stamp, String> {
    parse_iso_fraction(s).map(|(stamp, _)| stamp)
}

/// `str::trim`, skipping its Unicode scan when both ends are visible ASCII (the usual case).
#[inline]
pub fn trim(s: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|b| (0x21..0x7f).contains(b));
    if visible(s.as_bytes().first()) && visible(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

/// Valid dates read by [`parse_iso_fraction_with`] and their day numbers, in 64 slots chosen
/// by the date's text: the timestamps of a log come in runs of one day (a log sorted by time)
/// or move among a few weeks (a log grouped by case, as XES traces are), so a date is checked
/// and converted about once. An empty slot holds zero bytes, which no date text equals.
#[derive(Debug, Clone)]
pub struct LastDay(Box<[([u8; 10], i64); DAY_SLOTS]>);

const DAY_SLOTS: usize = 64;

impl Default for LastDay {
    fn default() -> Self {
        LastDay(Box::new([([0; 10], 0); DAY_SLOTS]))
    }
}

/// The slot of a date text in [`LastDay`].
#[inline]
fn day_slot(date: &[u8; 10]) -> usize {
    let (head, tail) = date.split_at(8);
    let mut word = [0u8; 8];
    word.copy_from_slice(head);
    let k = u64::from_le_bytes(word) ^ (u64::from(u16::from_le_bytes([tail[0], tail[1]])) << 40);
    (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize % DAY_SLOTS
}

/// Parse an ISO-like timestamp: the whole seconds, and the fraction of the second in
/// microseconds (digits beyond the sixth are dropped).
pub fn parse_iso_fraction(s: &str) -> Result<(Stamp, u32), String> {
    parse_iso_fraction_with(s, &mut LastDay::default())
}

/// [`parse_iso_fraction`], remembering the last date read in `last`.
pub fn parse_iso_fraction_with(s: &str, last: &mut LastDay) -> Result<(Stamp, u32), String> {
    let b = trim(s).as_bytes();
    let bad = || {
        format!(
            "{} is not a timestamp (expected YYYY-MM-DD HH:MM:SS or RFC 3339)",
            quoted(s.trim())
        )
    };
    let invalid = || format!("{} is not a valid date and time", quoted(s.trim()));
    // the fixed part read from one array: no bounds checks, no early exits per field
    let (Some(head), Some(date)) = (b.first_chunk::<19>(), b.first_chunk::<10>()) else {
        return Err(bad());
    };
    let digit = |i: usize| i64::from(head[i].wrapping_sub(b'0'));
    // `|`, not `||`: every place checked, without a branch each
    let nd = |i: usize| head[i].wrapping_sub(b'0') > 9;
    if head[4] != b'-'
        || head[7] != b'-'
        || !(head[10] == b' ' || head[10] == b'T')
        || head[13] != b':'
        || head[16] != b':'
        || (nd(11) | nd(12) | nd(14) | nd(15) | nd(17) | nd(18))
    {
        return Err(bad());
    }
    let two = |i: usize| digit(i) * 10 + digit(i + 1);
    let slot = &mut last.0[day_slot(date)];
    let days = match *slot {
        (d, days) if d == *date => days,
        _ => {
            if nd(0) | nd(1) | nd(2) | nd(3) | nd(5) | nd(6) | nd(8) | nd(9) {
                return Err(bad());
            }
            let (y, mo, d) = (two(0) * 100 + two(2), two(5), two(8));
            if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
                return Err(invalid());
            }
            let days = days_from_civil(y, mo, d);
            *slot = (*date, days);
            days
        }
    };
    let (h, mi, se) = (two(11), two(14), two(17));
    if h > 23 || mi > 59 || se > 59 {
        return Err(invalid());
    }
    let mut rest = &b[19..];
    let mut micros = 0u32;
    if rest.first() == Some(&b'.') || rest.first() == Some(&b',') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Err(bad());
        }
        for k in 0..6 {
            let digit = if k < n {
                u32::from(rest[1 + k] - b'0')
            } else {
                0
            };
            micros = micros * 10 + digit;
        }
        rest = &rest[1 + n..];
    }
    let local = days * 86_400 + h * 3600 + mi * 60 + se;
    let stamp = match rest {
        [] => Ok(Stamp::Naive(local)),
        [b'Z'] | [b'z'] => Ok(Stamp::Utc(local)),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (oh, om) = match tail {
                [_, _, b':', _, _] | [_, _, _, _] => {
                    (two_digits(tail, 0), two_digits(tail, tail.len() - 2))
                }
                [_, _] => (two_digits(tail, 0), Some(0)),
                _ => (None, None),
            };
            let (Some(oh), Some(om)) = (oh, om) else {
                return Err(bad());
            };
            let off = (oh * 3600 + om * 60) * if *sign == b'-' { -1 } else { 1 };
            Ok(Stamp::Utc(local - off))
        }
        _ => Err(bad()),
    };
    stamp.map(|st| (st, micros))
}

/// Parse a timestamp cell in the given format.
pub fn parse_stamp(c: Cell<'_>, fmt: &TsFormat) -> Result<Option<Stamp>, String> {
    match c {
        _ if c.is_null() => Ok(None),
        Cell::Utc(s) => Ok(Some(Stamp::Utc(s))),
        Cell::Naive(s) => Ok(Some(Stamp::Naive(s))),
        Cell::Int(i) if *fmt == TsFormat::Epoch => Ok(Some(Stamp::Utc(i))),
        Cell::Str(s) => match fmt {
            TsFormat::Auto => parse_iso(s).map(Some),
            TsFormat::Epoch => s
                .trim()
                .parse::<i64>()
                .map(|i| Some(Stamp::Utc(i)))
                .map_err(|_| format!("{} is not a Unix epoch in seconds", quoted(s.trim()))),
            TsFormat::Pattern(p) => {
                let s = s.trim();
                if p.contains("%z") || p.contains("%:z") || p.contains("%#z") {
                    DateTime::parse_from_str(s, p)
                        .map(|d| Some(Stamp::Utc(d.timestamp())))
                        .map_err(|e| {
                            format!(
                                "{} does not match timestamp format {}: {e}",
                                quoted(s),
                                quoted(p)
                            )
                        })
                } else {
                    NaiveDateTime::parse_from_str(s, p)
                        .map(|d| Some(Stamp::Naive(d.and_utc().timestamp())))
                        .map_err(|e| {
                            format!(
                                "{} does not match timestamp format {}: {e}",
                                quoted(s),
                                quoted(p)
                            )
                        })
                }
            }
        },
        other => Err(format!("{} is not a timestamp", quoted(&other.display()))),
    }
}

/// Longest duration accepted for talk, hold or after-contact work.
pub const MAX_DURATION_S: i64 = 31 * 86_400;

/// Whole seconds, ≥ 0. Decimals are rounded to the nearest second; empty is `None`.
pub fn parse_seconds(c: Cell<'_>) -> Result<Option<i64>, String> {
    let v = match c {
        _ if c.is_null() => return Ok(None),
        Cell::Int(i) => i,
        Cell::Float(f) if f.is_finite() => f.round() as i64,
        Cell::Str(s) => {
            let t = s.trim();
            match t.parse::<i64>() {
                Ok(i) => i,
                Err(_) => match t.parse::<f64>() {
                    Ok(f) if f.is_finite() => f.round() as i64,
                    _ => return Err(format!("{} is not a number of seconds", quoted(t))),
                },
            }
        }
        other => {
            return Err(format!(
                "{} is not a number of seconds",
                quoted(&other.display())
            ))
        }
    };
    if v < 0 {
        return Err(format!("negative duration {v}"));
    }
    if v > MAX_DURATION_S {
        return Err(format!(
            "{v} s is longer than 31 days (not a plausible duration)"
        ));
    }
    Ok(Some(v))
}

/// An integer score within `lo..=hi`.
pub fn parse_score(c: Cell<'_>, lo: u8, hi: u8) -> Result<Option<u8>, String> {
    let v = match c {
        _ if c.is_null() => return Ok(None),
        Cell::Int(i) => i,
        Cell::Float(f) if f.fract() == 0.0 => f as i64,
        Cell::Str(s) => s
            .trim()
            .parse::<i64>()
            .or_else(|_| match s.trim().parse::<f64>() {
                Ok(f) if f.fract() == 0.0 => Ok(f as i64),
                _ => Err(()),
            })
            .map_err(|_| format!("{} is not a whole number", quoted(s.trim())))?,
        other => {
            return Err(format!(
                "{} is not a whole number",
                quoted(&other.display())
            ))
        }
    };
    if v < i64::from(lo) || v > i64::from(hi) {
        return Err(format!("{v} is outside {lo}..{hi}"));
    }
    Ok(Some(v as u8))
}

/// A yes/no flag: true/false, 1/0, yes/no, y/n, t/f.
pub fn parse_flag(c: Cell<'_>) -> Result<Option<bool>, String> {
    match c {
        _ if c.is_null() => Ok(None),
        Cell::Bool(b) => Ok(Some(b)),
        Cell::Int(1) => Ok(Some(true)),
        Cell::Int(0) => Ok(Some(false)),
        Cell::Str(s) => flag_word(s.trim()).map(Some).ok_or_else(|| {
            format!(
                "{} is not a flag (expected true or false)",
                quoted(&s.trim().to_ascii_lowercase())
            )
        }),
        other => Err(format!(
            "{} is not a flag (expected true or false)",
            quoted(&other.display())
        )),
    }
}

fn flag_word(t: &str) -> Option<bool> {
    const YES: [&str; 5] = ["true", "1", "yes", "y", "t"];
    const NO: [&str; 5] = ["false", "0", "no", "n", "f"];
    if YES.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if NO.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        Some(false)
    } else {
        None
    }
}

/// Fast, allocation-free forms of the parsers above for the common shapes of clean data. Each
/// returns `Some(value)` only where the full parser returns `Ok(value)` for the same cell, and
/// `None` whenever it cannot decide cheaply; callers then run the full parser, which also
/// words the error. The outer `Option` is "decided", the inner one is "empty cell".
pub mod fast {
    use super::{flag_word, parse_iso, Cell, Stamp, MAX_DURATION_S};

    /// Trimmed text when trimming ASCII whitespace is all `str::trim` would do.
    #[inline]
    pub fn trimmed(s: &str) -> Option<&str> {
        let t = s.trim_ascii();
        match (t.as_bytes().first(), t.as_bytes().last()) {
            (Some(a), Some(b)) if *a >= 0x80 || *b >= 0x80 => None,
            _ => Some(t),
        }
    }

    /// A text cell: `Some(None)` when blank.
    #[inline]
    pub fn text(c: Cell<'_>) -> Option<Option<&str>> {
        match c {
            Cell::Null => Some(None),
            Cell::Str(s) => trimmed(s).map(|t| (!t.is_empty()).then_some(t)),
            _ => None,
        }
    }

    /// A timestamp in the automatic format.
    #[inline]
    pub fn stamp(c: Cell<'_>) -> Option<Option<Stamp>> {
        match c {
            Cell::Null => Some(None),
            Cell::Utc(v) => Some(Some(Stamp::Utc(v))),
            Cell::Naive(v) => Some(Some(Stamp::Naive(v))),
            Cell::Str(s) => match trimmed(s)? {
                "" => Some(None),
                t => parse_iso(t).ok().map(Some),
            },
            _ => None,
        }
    }

    /// Digits only, at most 18 of them.
    #[inline]
    fn uint(t: &str) -> Option<i64> {
        let b = t.as_bytes();
        if b.is_empty() || b.len() > 18 {
            return None;
        }
        super::digits(b)
    }

    #[inline]
    fn int(c: Cell<'_>) -> Option<Option<i64>> {
        match c {
            Cell::Null => Some(None),
            Cell::Int(i) => Some(Some(i)),
            Cell::Str(s) => match trimmed(s)? {
                "" => Some(None),
                t => uint(t).map(Some),
            },
            _ => None,
        }
    }

    /// Whole seconds within 0..=31 days.
    #[inline]
    pub fn seconds(c: Cell<'_>) -> Option<Option<i64>> {
        match int(c)? {
            Some(v) if !(0..=MAX_DURATION_S).contains(&v) => None,
            v => Some(v),
        }
    }

    /// A score within `lo..=hi`.
    #[inline]
    pub fn score(c: Cell<'_>, lo: u8, hi: u8) -> Option<Option<u8>> {
        match int(c)? {
            Some(v) if v < i64::from(lo) || v > i64::from(hi) => None,
            v => Some(v.map(|v| v as u8)),
        }
    }

    /// A yes/no flag.
    #[inline]
    pub fn flag(c: Cell<'_>) -> Option<Option<bool>> {
        match c {
            Cell::Null => Some(None),
            Cell::Bool(b) => Some(Some(b)),
            Cell::Int(1) => Some(Some(true)),
            Cell::Int(0) => Some(Some(false)),
            Cell::Str(s) => match trimmed(s)? {
                "" => Some(None),
                t => flag_word(t).map(Some),
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms() {
        let base = days_from_civil(2025, 1, 6) * 86400 + 6 * 60 + 12;
        assert_eq!(parse_iso("2025-01-06 00:06:12"), Ok(Stamp::Naive(base)));
        assert_eq!(parse_iso("2025-01-06T00:06:12Z"), Ok(Stamp::Utc(base)));
        assert_eq!(parse_iso("2025-01-06T00:06:12.750Z"), Ok(Stamp::Utc(base)));
        assert_eq!(parse_iso("2025-01-06T01:06:12+01:00"), Ok(Stamp::Utc(base)));
        assert_eq!(parse_iso("2025-01-05T19:06:12-0500"), Ok(Stamp::Utc(base)));
        assert!(parse_iso("2025-02-30 00:00:00").is_err());
        assert!(parse_iso("06/01/2025 00:06").is_err());
        assert!(parse_iso("2025-01-06 24:00:00").is_err());
        assert!(parse_iso("2025-01-06 00:06:12 junk").is_err());
        assert_eq!(parse_iso("2025-01-06T05:06:12+05"), Ok(Stamp::Utc(base)));
        for bad in [
            "2O25-01-06 00:06:12",
            "2025-01-06 00:06:1x",
            "2025-01-06T00:06:12+0x:00",
            "2025-01-06T00:06:12+01:0",
            "2025-01-06T00:06:12+1",
            "2025-13-06 00:06:12",
        ] {
            assert!(parse_iso(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_iso_fraction("2011-10-01T00:38:44.546+02:00"),
            Ok((
                Stamp::Utc(days_from_civil(2011, 9, 30) * 86400 + 22 * 3600 + 38 * 60 + 44),
                546_000
            ))
        );
        assert_eq!(
            parse_iso_fraction("2025-01-06 00:06:12.1234567"),
            Ok((Stamp::Naive(base), 123_456))
        );
    }

    proptest::proptest! {
        /// A timestamp reads the same whatever date was read before it.
        #[test]
        fn remembered_dates_change_no_result(
            texts in proptest::collection::vec(
                "20[0-9]{2}-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{1,3})?(Z|[+-]0[0-9]:[03]0)?",
                1..40,
            ),
            mix in proptest::collection::vec((0usize..40, 0usize..40), 0..60),
        ) {
            // each text, then one text's date with another's time: runs of one day, dates
            // seen again later, valid and invalid dates and times after one another
            let mut seq: Vec<String> = texts.clone();
            for (i, j) in mix {
                if let (Some(a), Some(b)) = (texts.get(i), texts.get(j)) {
                    seq.push(format!("{}{}", &a[..10], &b[10..]));
                }
            }
            let mut last = LastDay::default();
            for t in &seq {
                proptest::prop_assert_eq!(parse_iso_fraction_with(t, &mut last), parse_iso_fraction(t), "{}", t);
            }
        }
    }

    #[test]
    fn days_from_civil_matches_chrono() {
        for (y, m, d) in [
            (1970, 1, 1),
            (1999, 2, 28),
            (2000, 2, 29),
            (2025, 12, 31),
            (1900, 3, 1),
        ] {
            let c = chrono::NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32).unwrap();
            let want = c
                .signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
                .num_days();
            assert_eq!(days_from_civil(y, m, d), want);
        }
    }

    #[test]
    fn patterns_and_fields() {
        let f = TsFormat::Pattern("%d/%m/%Y %H:%M".into());
        assert!(matches!(
            parse_stamp(Cell::Str("06/01/2025 10:30"), &f),
            Ok(Some(Stamp::Naive(_)))
        ));
        assert!(parse_stamp(Cell::Str("2025-01-06"), &f).is_err());
        assert_eq!(parse_seconds(Cell::Str("12.6")), Ok(Some(13)));
        assert!(parse_seconds(Cell::Str("-3"))
            .unwrap_err()
            .contains("negative"));
        assert_eq!(parse_score(Cell::Str("5"), 1, 5), Ok(Some(5)));
        assert!(parse_score(Cell::Str("6"), 1, 5).is_err());
        assert_eq!(parse_flag(Cell::Str("Yes")), Ok(Some(true)));
        assert_eq!(parse_flag(Cell::Str("")), Ok(None));
    }
}
