//! Periods as people name them — a day, an ISO week, a month, a quarter, a year, or a range of
//! any of those — turned into inclusive local date ranges, and calendar months (the SLA
//! evaluation period).

use crate::quote::quoted;
use chrono::{Datelike, Months, NaiveDate, Weekday};
use std::fmt;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub first: NaiveDate,
}

impl YearMonth {
    /// `YYYY-MM`.
    pub fn parse(s: &str) -> Result<YearMonth, String> {
        let t = s.trim();
        let ok = t.len() == 7 && t.as_bytes()[4] == b'-';
        ok.then(|| NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d").ok())
            .flatten()
            .map(|first| YearMonth { first })
            .ok_or_else(|| format!("{} is not a month YYYY-MM", quoted(s)))
    }
    pub fn of(d: NaiveDate) -> YearMonth {
        YearMonth {
            first: d.with_day(1).unwrap_or(d),
        }
    }
    pub fn last(self) -> NaiveDate {
        self.next().first.pred_opt().unwrap_or(self.first)
    }
    pub fn next(self) -> YearMonth {
        YearMonth {
            first: self.first + Months::new(1),
        }
    }
    pub fn prev(self) -> YearMonth {
        YearMonth {
            first: self.first - Months::new(1),
        }
    }
    pub fn contains(self, d: NaiveDate) -> bool {
        YearMonth::of(d) == self
    }
    pub fn label(self) -> String {
        self.first.format("%Y-%m").to_string()
    }
    /// Number of days in the month.
    pub fn days(self) -> u32 {
        (self.last() - self.first).num_days() as u32 + 1
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// An inclusive range of local calendar days, with the text it was named by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// How the range was named (`2025-Q4`, `2025-09..2025-11`, …).
    pub label: String,
    /// Whether the range is made of whole calendar months.
    pub whole_months: bool,
}

impl DateRange {
    /// The months the range touches, in order.
    pub fn months(&self) -> Vec<YearMonth> {
        let mut out = Vec::new();
        let mut m = YearMonth::of(self.from);
        while m.first <= self.to {
            out.push(m);
            m = m.next();
        }
        out
    }

    /// Number of days.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// One named period: its first and last day, and whether it is whole months.
fn single(s: &str) -> Result<(NaiveDate, NaiveDate, bool), String> {
    let t = s.trim();
    let bad = || {
        format!(
            "{} is not a period: expected a day 2025-09-01, an ISO week 2025-W36, a month \
             2025-09, a quarter 2025-Q4 or a year 2025",
            quoted(t)
        )
    };
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if t.len() == 10 {
            return Ok((d, d, false));
        }
    }
    if let Ok(m) = YearMonth::parse(t) {
        return Ok((m.first, m.last(), true));
    }
    if let Some((y, rest)) = t.split_once('-') {
        let year: i32 = y.parse().map_err(|_| bad())?;
        if y.len() != 4 {
            return Err(bad());
        }
        if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
            let q: u32 = q.parse().map_err(|_| bad())?;
            if !(1..=4).contains(&q) {
                return Err(format!("{}: a quarter is Q1 to Q4", quoted(t)));
            }
            let first = NaiveDate::from_ymd_opt(year, 3 * q - 2, 1).ok_or_else(bad)?;
            let last = YearMonth::of(first).next().next().last();
            return Ok((first, last, true));
        }
        if let Some(w) = rest.strip_prefix('W').or_else(|| rest.strip_prefix('w')) {
            let w: u32 = w.parse().map_err(|_| bad())?;
            let monday = NaiveDate::from_isoywd_opt(year, w, Weekday::Mon)
                .ok_or_else(|| format!("{}: year {year} has no ISO week {w}", quoted(t)))?;
            return Ok((monday, monday + chrono::Days::new(6), false));
        }
        return Err(bad());
    }
    if t.len() == 4 {
        let year: i32 = t.parse().map_err(|_| bad())?;
        let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(bad)?;
        let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(bad)?;
        return Ok((first, last, true));
    }
    Err(bad())
}

/// Parse a period: one of `2025-09-01`, `2025-W36`, `2025-09`, `2025-Q4`, `2025`, or a range
/// `A..B` of two of them (from the first day of A to the last day of B).
pub fn parse_period(s: &str) -> Result<DateRange, String> {
    let t = s.trim();
    let (from, to, whole) = match t.split_once("..") {
        Some((a, b)) => {
            let (f, _, wa) = single(a)?;
            let (_, l, wb) = single(b)?;
            if f > l {
                return Err(format!("{}: the range ends before it starts", quoted(t)));
            }
            (f, l, wa && wb)
        }
        None => single(t)?,
    };
    Ok(DateRange {
        from,
        to,
        label: t.to_string(),
        whole_months: whole,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_spelling_of_a_period() {
        for (text, from, to, whole) in [
            ("2025-09-01", "2025-09-01", "2025-09-01", false),
            ("2025-W36", "2025-09-01", "2025-09-07", false),
            ("2025-w01", "2024-12-30", "2025-01-05", false),
            ("2025-09", "2025-09-01", "2025-09-30", true),
            ("2024-02", "2024-02-01", "2024-02-29", true),
            ("2025-Q4", "2025-10-01", "2025-12-31", true),
            ("2025-q1", "2025-01-01", "2025-03-31", true),
            ("2025", "2025-01-01", "2025-12-31", true),
            ("2025-09..2025-11", "2025-09-01", "2025-11-30", true),
            ("2025-09-03..2025-09", "2025-09-03", "2025-09-30", false),
            ("2025-W36..2025-W37", "2025-09-01", "2025-09-14", false),
        ] {
            let r = parse_period(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                (r.from, r.to, r.whole_months),
                (d(from), d(to), whole),
                "{text}"
            );
        }
    }

    #[test]
    fn bad_periods_say_what_is_expected() {
        for (text, part) in [
            ("2025-13", "not a period"),
            ("2025-Q5", "Q1 to Q4"),
            ("2025-W54", "no ISO week 54"),
            ("2025-11..2025-09", "ends before it starts"),
            ("last month", "not a period"),
            ("", "not a period"),
        ] {
            let e = parse_period(text).unwrap_err();
            assert!(e.contains(part), "{text}: {e}");
        }
    }

    #[test]
    fn months_of_a_range() {
        let r = parse_period("2025-Q4").unwrap();
        let labels: Vec<String> = r.months().iter().map(|m| m.label()).collect();
        assert_eq!(labels, ["2025-10", "2025-11", "2025-12"]);
        assert_eq!(YearMonth::parse("2025-02").unwrap().days(), 28);
        assert!(YearMonth::parse("2025-2").is_err());
    }
}
