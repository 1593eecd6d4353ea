//! Scheduled packs: `[[report_schedule]]` entries of the workspace's `report-schedules.toml`
//! (kind, client, a cron rule read in a zone, whether to print a PDF too), when each is due,
//! and which period a run drafts — the last complete week, month or quarter before it, in that
//! zone. Pure: the server's scheduler and `opsdeck report scheduled` run what this says is due.
//!
//! ```toml
//! [[report_schedule]]
//! kind = "monthly"       # weekly, monthly, qbr or board
//! client = "northwind"   # not for board
//! rule = "0 6 2 * *"     # minute hour day-of-month month day-of-week (0 or 7 = Sunday)
//! zone = "Europe/London" # the rule's zone (default UTC)
//! pdf = true             # print a PDF beside the HTML (default false)
//! ```

use crate::pack::PackKind;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;

/// The file, in the workspace's directory.
pub const FILE: &str = "report-schedules.toml";

/// One field of a cron rule: the values it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    allowed: Vec<bool>,
    any: bool,
}

impl Field {
    fn parse(text: &str, lo: u32, hi: u32, name: &str) -> Result<Field, String> {
        let mut allowed = vec![false; hi as usize + 1];
        for part in text.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => (
                    r,
                    s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(|| {
                        format!("{name}: step {s:?} is not a whole number above 0")
                    })?,
                ),
                None => (part, 1),
            };
            let num = |v: &str| -> Result<u32, String> {
                v.parse::<u32>()
                    .ok()
                    .filter(|n| (lo..=hi).contains(n))
                    .ok_or_else(|| format!("{name}: {v:?} is not a number from {lo} to {hi}"))
            };
            let (a, b) = match range {
                "*" => (lo, hi),
                r => match r.split_once('-') {
                    Some((a, b)) => (num(a)?, num(b)?),
                    None => {
                        let n = num(r)?;
                        (n, if part.contains('/') { hi } else { n })
                    }
                },
            };
            if a > b {
                return Err(format!("{name}: the range {range:?} ends before it starts"));
            }
            for v in (a..=b).step_by(step as usize) {
                allowed[v as usize] = true;
            }
        }
        Ok(Field {
            allowed,
            any: text == "*",
        })
    }

    fn has(&self, v: u32) -> bool {
        self.allowed.get(v as usize).copied().unwrap_or(false)
    }
}

/// A cron rule: minute, hour, day of month, month, day of week (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minute: Field,
    hour: Field,
    dom: Field,
    month: Field,
    dow: Field,
    pub text: String,
}

impl Cron {
    pub fn parse(text: &str) -> Result<Cron, String> {
        let f: Vec<&str> = text.split_whitespace().collect();
        let [mi, h, dom, mo, dow] = f.as_slice() else {
            return Err(format!(
                "rule {text:?}: give five fields — minute hour day-of-month month day-of-week"
            ));
        };
        let mut dow = Field::parse(dow, 0, 7, "day of week")?;
        if dow.has(7) {
            dow.allowed[0] = true;
        }
        Ok(Cron {
            minute: Field::parse(mi, 0, 59, "minute")?,
            hour: Field::parse(h, 0, 23, "hour")?,
            dom: Field::parse(dom, 1, 31, "day of month")?,
            month: Field::parse(mo, 1, 12, "month")?,
            dow,
            text: text.to_string(),
        })
    }

    /// Whether the rule fires in the minute of local time `t`. As cron: when both the day of
    /// month and the day of week are restricted, either matching is enough.
    pub fn matches(&self, t: NaiveDateTime) -> bool {
        let day = match (self.dom.any, self.dow.any) {
            (false, false) => {
                self.dom.has(t.day()) || self.dow.has(t.weekday().num_days_from_sunday())
            }
            _ => self.dom.has(t.day()) && self.dow.has(t.weekday().num_days_from_sunday()),
        };
        self.minute.has(t.minute()) && self.hour.has(t.hour()) && self.month.has(t.month()) && day
    }
}

/// One scheduled pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub kind: PackKind,
    pub client: Option<String>,
    pub rule: Cron,
    /// The zone the rule is read in, and the run's date.
    pub zone: Tz,
    /// Print a PDF beside the HTML.
    pub pdf: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    report_schedule: Vec<RawSchedule>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    kind: String,
    client: Option<String>,
    rule: String,
    zone: Option<String>,
    #[serde(default)]
    pdf: bool,
}

/// The schedules of a `report-schedules.toml`, or what is wrong with the entry that is.
pub fn parse(text: &str) -> Result<Vec<Schedule>, String> {
    let raw: RawFile = toml::from_str(text).map_err(|e| e.to_string())?;
    raw.report_schedule
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let at = format!("report_schedule[{i}]");
            let kind = match r.kind.as_str() {
                "weekly" => PackKind::Weekly,
                "monthly" => PackKind::Monthly,
                "qbr" => PackKind::Qbr,
                "board" => PackKind::Board,
                k => {
                    return Err(format!(
                        "{at}: kind {k:?} is not weekly, monthly, qbr or board"
                    ))
                }
            };
            match (&kind, &r.client) {
                (PackKind::Board, Some(_)) => {
                    return Err(format!(
                        "{at}: a board pack covers every client: drop client"
                    ))
                }
                (PackKind::Board, None) => {}
                (_, None) => return Err(format!("{at}: a {} pack needs its client", r.kind)),
                _ => {}
            }
            let zone = match r.zone.as_deref() {
                None => chrono_tz::UTC,
                Some(z) => z.parse::<Tz>().map_err(|_| {
                    format!("{at}: zone {z:?} is not an IANA zone such as Europe/London")
                })?,
            };
            Ok(Schedule {
                kind,
                client: r.client,
                rule: Cron::parse(&r.rule).map_err(|e| format!("{at}: {e}"))?,
                zone,
                pdf: r.pdf,
            })
        })
        .collect()
}

/// The period a run on `day` drafts: the last complete ISO week, month or quarter before it.
pub fn period_before(kind: PackKind, day: NaiveDate) -> String {
    match kind {
        PackKind::Weekly => {
            let last_week = day - Duration::days(7);
            let w = last_week.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }
        PackKind::Monthly | PackKind::Board => {
            let (y, m) = if day.month() == 1 {
                (day.year() - 1, 12)
            } else {
                (day.year(), day.month() - 1)
            };
            format!("{y}-{m:02}")
        }
        PackKind::Qbr => {
            let q = (day.month() - 1) / 3 + 1;
            let (y, q) = if q == 1 {
                (day.year() - 1, 4)
            } else {
                (day.year(), q - 1)
            };
            format!("{y}-Q{q}")
        }
    }
}

/// The schedules due in the minute of `t` (each read in its zone), with the period each drafts.
pub fn due(schedules: &[Schedule], t: DateTime<Utc>) -> Vec<(Schedule, String)> {
    schedules
        .iter()
        .filter_map(|s| {
            let local = t.with_timezone(&s.zone).naive_local();
            s.rule
                .matches(local)
                .then(|| (s.clone(), period_before(s.kind, local.date())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        DateTime::parse_from_rfc3339(s).unwrap().naive_utc()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn cron_rules_fire_when_cron_would() {
        let c = Cron::parse("0 6 2 * *").unwrap();
        assert!(c.matches(at("2025-11-02T06:00:00Z")));
        assert!(!c.matches(at("2025-11-02T06:01:00Z")));
        assert!(!c.matches(at("2025-11-03T06:00:00Z")));
        // every 15 minutes on weekdays
        let c = Cron::parse("*/15 8-17 * * 1-5").unwrap();
        assert!(c.matches(at("2025-11-03T08:45:00Z")), "a Monday");
        assert!(!c.matches(at("2025-11-02T08:45:00Z")), "a Sunday");
        assert!(!c.matches(at("2025-11-03T08:50:00Z")));
        // day of month or day of week, as cron
        let c = Cron::parse("0 0 1 * 0").unwrap();
        assert!(c.matches(at("2025-11-01T00:00:00Z")), "the 1st, a Saturday");
        assert!(c.matches(at("2025-11-02T00:00:00Z")), "a Sunday");
        assert!(!c.matches(at("2025-11-03T00:00:00Z")));
        assert!(Cron::parse("0 6 * * 7")
            .unwrap()
            .matches(at("2025-11-02T06:00:00Z")));
        for bad in [
            "",
            "0 6 2 *",
            "60 6 2 * *",
            "0 24 * * *",
            "0 6 0 * *",
            "*/0 * * * *",
            "5-1 * * * *",
            "x * * * *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_run_drafts_the_last_complete_period() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(period_before(PackKind::Monthly, d("2025-11-02")), "2025-10");
        assert_eq!(period_before(PackKind::Board, d("2026-01-05")), "2025-12");
        assert_eq!(period_before(PackKind::Qbr, d("2026-01-05")), "2025-Q4");
        assert_eq!(period_before(PackKind::Qbr, d("2025-11-02")), "2025-Q3");
        assert_eq!(period_before(PackKind::Weekly, d("2025-10-13")), "2025-W41");
        assert_eq!(period_before(PackKind::Weekly, d("2026-01-01")), "2025-W52");
    }

    #[test]
    fn schedule_files_are_checked() {
        let s = parse(
            "[[report_schedule]]\nkind = \"monthly\"\nclient = \"northwind\"\nrule = \"0 6 2 * *\"\n\
             [[report_schedule]]\nkind = \"board\"\nrule = \"30 6 2 * *\"\n",
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        let now = due(&s, utc("2025-11-02T06:00:00Z"));
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].1, "2025-10");
        assert!(!now[0].0.pdf);
        // a rule read in its zone: 06:00 in New York is 11:00 UTC in November
        let ny = parse(
            "[[report_schedule]]\nkind = \"weekly\"\nclient = \"c\"\nrule = \"0 6 * * 1\"\nzone = \"America/New_York\"\npdf = true\n",
        )
        .unwrap();
        assert!(due(&ny, utc("2025-11-03T06:00:00Z")).is_empty());
        let fired = due(&ny, utc("2025-11-03T11:00:00Z"));
        assert_eq!(fired.len(), 1);
        assert_eq!(fired[0].1, "2025-W44");
        assert!(fired[0].0.pdf);
        for (text, why) in [
            (
                "[[report_schedule]]\nkind = \"monthly\"\nrule = \"0 6 2 * *\"\n",
                "needs its client",
            ),
            (
                "[[report_schedule]]\nkind = \"board\"\nclient = \"x\"\nrule = \"0 6 2 * *\"\n",
                "drop client",
            ),
            (
                "[[report_schedule]]\nkind = \"daily\"\nclient = \"x\"\nrule = \"0 6 2 * *\"\n",
                "not weekly",
            ),
            (
                "[[report_schedule]]\nkind = \"weekly\"\nclient = \"x\"\nrule = \"0 6\"\n",
                "five fields",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
    }
}
