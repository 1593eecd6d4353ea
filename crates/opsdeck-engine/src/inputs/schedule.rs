//! Inputs of `opsdeck schedule`: the requirements CSV (`interval_start, required`, local time;
//! also `opsdeck staffing`'s and `opsdeck plan --by interval`'s CSV) and the shifts TOML
//! (zone, interval, patterns, site), read into `opsdeck_core::schedule` types with errors
//! naming the file, line or shift, and field.

use crate::error::{input_err, EngineError, Result};
use crate::io::csv_reader::{read_header, text_record, CsvOptions, TextRecords};
use crate::io::parse::{parse_iso, Stamp};
use chrono::{NaiveTime, TimeZone};
use chrono_tz::Tz;
use opsdeck_core::calendar::{parse_zone, ZoneCache};
use opsdeck_core::schedule::{Break, Requirement, ScheduleSpec, ShiftPattern};
use opsdeck_core::IntervalLen;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShifts {
    zone: Option<String>,
    site: Option<String>,
    interval_minutes: Option<u32>,
    shortage_penalty: Option<f64>,
    #[serde(default)]
    shift: Vec<RawShift>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShift {
    name: String,
    start: String,
    length: String,
    #[serde(default)]
    breaks: Vec<RawBreak>,
    days: Option<Vec<String>>,
    cost: Option<f64>,
    max_per_day: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBreak {
    after: String,
    length: String,
}

/// Minutes of a duration written `8h`, `30m`, `7h30m` or `7:30`.
fn minutes(s: &str) -> std::result::Result<u32, String> {
    let t = s.trim();
    let bad = || {
        format!(
            "{} is not a duration (write 8h, 30m, 7h30m or 7:30)",
            crate::io::quoted(s)
        )
    };
    if let Some((h, m)) = t.split_once(':') {
        let (h, m) = (h.parse::<u32>(), m.parse::<u32>());
        return match (h, m) {
            (Ok(h), Ok(m)) if m < 60 => Ok(h * 60 + m),
            _ => Err(bad()),
        };
    }
    let (mut total, mut num, mut any) = (0u32, String::new(), false);
    for c in t.chars() {
        match c {
            '0'..='9' => num.push(c),
            'h' | 'm' if !num.is_empty() => {
                let v: u32 = num.parse().map_err(|_| bad())?;
                total += if c == 'h' { v * 60 } else { v };
                num.clear();
                any = true;
            }
            _ => return Err(bad()),
        }
    }
    if !num.is_empty() || !any {
        return Err(bad());
    }
    Ok(total)
}

fn weekday(s: &str) -> Option<usize> {
    let l = s.trim().to_ascii_lowercase();
    let names = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    names.iter().position(|n| l.len() >= 3 && n.starts_with(&l))
}

/// A shifts file: the schedule spec and the site whose agents work the shifts, if named.
#[derive(Debug, Clone)]
pub struct ShiftsFile {
    pub spec: ScheduleSpec,
    /// Site id (resolved against the reference data by the caller: its rate and currency).
    pub site: Option<String>,
}

/// Read a shifts file into a schedule spec.
pub fn read_shifts(path: &Path) -> Result<ScheduleSpec> {
    read_shifts_file(path).map(|f| f.spec)
}

/// Read a shifts file: the spec and the site it names.
pub fn read_shifts_file(path: &Path) -> Result<ShiftsFile> {
    let text = crate::io::read_toml_file(path, "a shifts file")?;
    let raw: RawShifts = crate::io::from_toml(&text).map_err(|e| input_err(path, e))?;
    let zone = match &raw.zone {
        Some(z) => parse_zone(z).map_err(|e| input_err(path, format!("zone: {e}")))?,
        None => chrono_tz::UTC,
    };
    let interval_min = raw.interval_minutes.unwrap_or(30);
    IntervalLen::new(interval_min)
        .map_err(|e| input_err(path, format!("interval_minutes: {e}")))?;
    if raw.shift.is_empty() {
        return Err(input_err(path, "no [[shift]] declared"));
    }
    let mut names = HashSet::new();
    let mut patterns = Vec::with_capacity(raw.shift.len());
    for s in raw.shift {
        let err = |field: &str, reason: String| {
            input_err(
                path,
                format!("shift {}: {field}: {reason}", crate::io::quoted(&s.name)),
            )
        };
        if !names.insert(s.name.clone()) {
            return Err(err("name", "declared twice".into()));
        }
        let start = NaiveTime::parse_from_str(s.start.trim(), "%H:%M").map_err(|_| {
            err(
                "start",
                format!(
                    "{} is not a time (write HH:MM)",
                    crate::io::quoted(&s.start)
                ),
            )
        })?;
        let length_min = minutes(&s.length).map_err(|e| err("length", e))?;
        let mut breaks = Vec::new();
        for b in &s.breaks {
            breaks.push(Break {
                after_min: minutes(&b.after).map_err(|e| err("breaks.after", e))?,
                length_min: minutes(&b.length).map_err(|e| err("breaks.length", e))?,
            });
        }
        let days = match &s.days {
            None => [true; 7],
            Some(list) => {
                let mut d = [false; 7];
                for name in list {
                    let i = weekday(name).ok_or_else(|| {
                        err(
                            "days",
                            format!("{} is not a weekday (mon … sun)", crate::io::quoted(name)),
                        )
                    })?;
                    d[i] = true;
                }
                d
            }
        };
        patterns.push(ShiftPattern {
            cost: s.cost.unwrap_or(f64::from(length_min) / 60.0),
            name: s.name.clone(),
            start,
            length_min,
            breaks,
            days,
            max_per_day: s.max_per_day,
        });
    }
    let site = match raw.site.as_deref().map(str::trim) {
        Some("") => {
            return Err(input_err(
                path,
                "site: empty (name a site id or leave it out)",
            ))
        }
        s => s.map(str::to_string),
    };
    Ok(ShiftsFile {
        spec: ScheduleSpec {
            zone,
            interval_min,
            patterns,
            shortage_penalty: raw.shortage_penalty,
        },
        site,
    })
}

/// Columns read as the interval start, the first present: the requirements file's own, `opsdeck
/// plan --by interval`'s, `opsdeck staffing`'s (its interval id, a forecast's timestamp), a
/// forecast's.
pub const START_COLUMNS: [&str; 4] = ["interval_start", "start", "interval_id", "ts"];
/// Columns read as the agents required, the first present: the requirements file's and `opsdeck
/// plan`'s, then `opsdeck staffing`'s scheduled agents.
pub const REQUIRED_COLUMNS: [&str; 2] = ["required", "agents"];

/// Read `interval_start, required` rows. Local times (`YYYY-MM-DD HH:MM[:SS]`) are resolved in
/// `zone`; a local time repeated in a fall-back overlap is the earlier instant the first time
/// and the later one the second time; an explicit offset (`…+02:00`, `Z`) is taken as given.
/// The start is the first of [`START_COLUMNS`] in the header; the requirement is the column
/// `required_column` names, else the first of [`REQUIRED_COLUMNS`]. Returns each requirement
/// with its line.
pub fn read_requirements(
    path: &Path,
    zone: Tz,
    interval_min: u32,
    required_column: Option<&str>,
) -> Result<Vec<(u64, Requirement)>> {
    let text = crate::io::read_whole_text(path, "a requirements file")?;
    let mut rdr = TextRecords::new(&text, &CsvOptions::default());
    let mut raw = csv::ByteRecord::new();
    let header = read_header(&mut rdr, &mut raw, path)?;
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
    };
    let first = |names: &[&'static str]| names.iter().find_map(|n| find(n).map(|c| (c, *n)));
    let (c_ts, ts_name) = first(&START_COLUMNS).ok_or_else(|| {
        input_err(
            path,
            format!(
                "missing column interval_start (or {})",
                START_COLUMNS[1..].join(", ")
            ),
        )
    })?;
    let (c_req, req_name): (usize, String) = match required_column {
        Some(name) => (
            find(name).ok_or_else(|| {
                EngineError::invalid(
                    "required_column",
                    format!(
                        "{}: no column {name:?} (the header has {})",
                        path.display(),
                        crate::io::excerpt(&header.iter().collect::<Vec<_>>().join(", "), 200)
                    ),
                )
            })?,
            name.to_string(),
        ),
        None => first(&REQUIRED_COLUMNS)
            .map(|(c, n)| (c, n.to_string()))
            .ok_or_else(|| input_err(path, "missing column required (or agents)"))?,
    };
    let len =
        IntervalLen::new(interval_min).map_err(|m| EngineError::invalid("interval_minutes", m))?;
    let mut cache = ZoneCache::new(zone);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    while let Some((line, cut)) = rdr.read(&mut raw) {
        let rec = text_record(line, cut, &raw, path)?;
        let bad = |field: &str, reason: String| {
            input_err(path, format!("line {line}: {field}: {reason}"))
        };
        let ts = rec.get(c_ts).unwrap_or("").trim();
        let req = rec.get(c_req).unwrap_or("").trim();
        if ts.is_empty() {
            return Err(bad(ts_name, "missing value".into()));
        }
        let padded = if ts.len() == 16 {
            format!("{ts}:00")
        } else {
            ts.to_string()
        };
        let start = match parse_iso(&padded).map_err(|e| bad(ts_name, e))? {
            Stamp::Utc(u) => u,
            Stamp::Naive(l) => {
                let naive = chrono::DateTime::from_timestamp(l, 0)
                    .unwrap_or_default()
                    .naive_utc();
                let r = zone.from_local_datetime(&naive);
                let (Some(first), Some(second)) = (r.earliest(), r.latest()) else {
                    return Err(bad(
                        ts_name,
                        format!("local time {ts} does not exist in {zone} (clocks went forward)"),
                    ));
                };
                if seen.contains(&first.timestamp()) {
                    second.timestamp()
                } else {
                    first.timestamp()
                }
            }
        };
        if cache.interval_start(start, len) != start {
            return Err(bad(
                ts_name,
                format!("{ts} is not on a {interval_min}-minute boundary"),
            ));
        }
        if !seen.insert(start) {
            return Err(bad(ts_name, format!("{ts} appears twice")));
        }
        let required: u32 = req.parse().map_err(|_| {
            bad(
                &req_name,
                if req.is_empty() {
                    "missing value".to_string()
                } else {
                    format!(
                        "{} is not a whole number of agents ≥ 0",
                        crate::io::quoted(req)
                    )
                },
            )
        })?;
        out.push((
            line,
            Requirement {
                start_utc: start,
                required,
            },
        ));
    }
    if out.is_empty() {
        return Err(input_err(path, "no requirements after the header line"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(minutes("8h"), Ok(480));
        assert_eq!(minutes("7h30m"), Ok(450));
        assert_eq!(minutes("45m"), Ok(45));
        assert_eq!(minutes("7:30"), Ok(450));
        assert!(minutes("8").is_err());
        assert!(minutes("h").is_err());
        assert!(minutes("8x").is_err());
    }

    #[test]
    fn weekdays() {
        assert_eq!(weekday("Mon"), Some(0));
        assert_eq!(weekday("sunday"), Some(6));
        assert_eq!(weekday("mo"), None);
        assert_eq!(weekday("funday"), None);
    }
}
