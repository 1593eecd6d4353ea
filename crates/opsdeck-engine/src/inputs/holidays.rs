//! Holiday lists for forecasting: a CSV of dates (`date` column, optional `name`) or a TOML
//! file with `[[calendar]]` tables in the setup format (docs/formats.md §1, read through
//! `opsdeck_core::org::calendar_from_raw`), whose business hours also say which weekdays open.

use crate::error::{input_err, EngineError, Result};
use crate::io::csv_reader::{read_header, text_record, CsvOptions, TextRecords};
use chrono::NaiveDate;
use opsdeck_core::org::{calendar_from_raw, nearest_ids, RawCalendar, UnknownId};
use std::collections::BTreeMap;
use std::path::Path;

/// The holidays of one calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct HolidayList {
    /// Date → name (empty when the file gives none).
    pub dates: BTreeMap<NaiveDate, String>,
    /// The calendar's id, when read from a `[[calendar]]`.
    pub calendar: Option<String>,
    /// Weekdays with business hours (Monday first), when read from a `[[calendar]]`.
    pub open_weekdays: Option<[bool; 7]>,
}

/// Read a holiday list: `*.toml` as `[[calendar]]` tables (the one named `calendar`, or the
/// only one), anything else as CSV with a `date` column (`YYYY-MM-DD`) and an optional `name`.
pub fn read_holidays(path: &Path, calendar: Option<&str>) -> Result<HolidayList> {
    let toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if toml {
        read_calendar(path, calendar)
    } else {
        if calendar.is_some() {
            return Err(EngineError::invalid(
                "calendar",
                format!(
                    "{}: a calendar id applies to a TOML file with [[calendar]] tables; this file is read as CSV",
                    path.display()
                ),
            ));
        }
        read_csv(path)
    }
}

fn read_calendar(path: &Path, id: Option<&str>) -> Result<HolidayList> {
    let text = crate::io::read_toml_file(path, "a holiday calendar file")?;
    let doc: toml::Table = crate::io::from_toml(&text).map_err(|e| input_err(path, e))?;
    let list = match doc.get("calendar") {
        Some(toml::Value::Array(a)) => a.clone(),
        Some(_) => return Err(input_err(path, "calendar: expected [[calendar]] tables")),
        None => return Err(input_err(path, "no [[calendar]] table")),
    };
    let mut cals = Vec::with_capacity(list.len());
    for (i, v) in list.into_iter().enumerate() {
        let c: RawCalendar = v.try_into().map_err(|e: toml::de::Error| {
            input_err(
                path,
                format!("calendar[{i}]: {}", crate::io::text::toml_reason(&e)),
            )
        })?;
        cals.push(c);
    }
    let ids: Vec<&str> = cals.iter().map(|c| c.id.as_str()).collect();
    let chosen = match id {
        Some(id) => cals.iter().find(|c| c.id == id).ok_or_else(|| {
            EngineError::NotFound(UnknownId {
                kind: "calendar",
                id: id.to_string(),
                nearest: nearest_ids(id, ids.iter().copied()),
            })
        })?,
        None => match cals.as_slice() {
            [one] => one,
            _ => {
                return Err(EngineError::invalid(
                    "calendar",
                    format!(
                        "{}: {} calendars are declared ({}); name the one whose holidays apply",
                        path.display(),
                        cals.len(),
                        ids.join(", ")
                    ),
                ))
            }
        },
    };
    let cal = calendar_from_raw(chosen).map_err(|e| input_err(path, e.to_string()))?;
    Ok(HolidayList {
        dates: cal.holidays.clone(),
        calendar: Some(cal.id.clone()),
        open_weekdays: Some(std::array::from_fn(|w| !cal.hours.days[w].is_empty())),
    })
}

fn read_csv(path: &Path) -> Result<HolidayList> {
    let bytes = crate::io::read_whole_text(path, "a holiday list")?;
    let mut rdr = TextRecords::new(&bytes, &CsvOptions::default());
    let mut raw = csv::ByteRecord::new();
    let header = read_header(&mut rdr, &mut raw, path)?;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
    };
    let c_date = col("date").ok_or_else(|| {
        input_err(
            path,
            format!(
                "line 1: no column \"date\" (the header has {})",
                crate::io::excerpt(&header.iter().collect::<Vec<_>>().join(", "), 200)
            ),
        )
    })?;
    let c_name = col("name");
    let mut dates = BTreeMap::new();
    while let Some((line, cut)) = rdr.read(&mut raw) {
        let rec = text_record(line, cut, &raw, path)?;
        let d = rec.get(c_date).unwrap_or("").trim();
        if d.is_empty() && rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            input_err(
                path,
                format!(
                    "line {line}: date: {} is not a date (expected YYYY-MM-DD)",
                    crate::io::quoted(d)
                ),
            )
        })?;
        let name = c_name
            .and_then(|c| rec.get(c))
            .unwrap_or("")
            .trim()
            .to_string();
        dates.insert(date, name);
    }
    Ok(HolidayList {
        dates,
        calendar: None,
        open_weekdays: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn csv_lists_and_calendars() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "h.csv",
            "date,name\n2025-12-25,Christmas\n\n2025-01-01,\n",
        );
        let h = read_holidays(&p, None).unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            h.dates.keys().copied().collect::<Vec<_>>(),
            [d("2025-01-01"), d("2025-12-25")]
        );
        assert_eq!(h.dates[&d("2025-12-25")], "Christmas");
        assert_eq!(h.open_weekdays, None);
        let bad = write(&dir, "b.csv", "date\n2025-12-25\n25/12/2025\n");
        let e = read_holidays(&bad, None).unwrap_err().to_string();
        assert!(
            e.contains("b.csv: line 3: date: \"25/12/2025\" is not a date"),
            "{e}"
        );
        let nocol = write(&dir, "c.csv", "day\n2025-12-25\n");
        let e = read_holidays(&nocol, None).unwrap_err().to_string();
        assert!(e.contains("no column \"date\" (the header has day)"), "{e}");

        let setup = write(
            &dir,
            "setup.toml",
            "[[site]]\nid = \"x\"\nname = \"X\"\ncountry = \"US\"\ntime_zone = \"UTC\"\ncost_per_productive_hour = 1\n\n\
             [[calendar]]\nid = \"us-east\"\ntime_zone = \"America/New_York\"\nhours = { mon = \"08:00-20:00\", sat = \"09:00-13:00\" }\n\
             holidays = [{ date = \"2025-11-27\", name = \"Thanksgiving\" }]\n\n\
             [[calendar]]\nid = \"uk\"\ntime_zone = \"Europe/London\"\n",
        );
        let h = read_holidays(&setup, Some("us-east")).unwrap();
        assert_eq!(h.dates.len(), 1);
        assert_eq!(h.calendar.as_deref(), Some("us-east"));
        assert_eq!(
            h.open_weekdays,
            Some([true, false, false, false, false, true, false])
        );
        let uk = read_holidays(&setup, Some("uk")).unwrap();
        assert_eq!(uk.open_weekdays, Some([true; 7]), "no hours = always open");
        let e = read_holidays(&setup, None).unwrap_err();
        assert!(
            matches!(
                e,
                EngineError::Invalid {
                    param: Some("calendar"),
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("2 calendars are declared (us-east, uk)"),
            "{e}"
        );
        let e = read_holidays(&setup, Some("us-eats"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown calendar \"us-eats\" (did you mean \"us-east\"?)"),
            "{e}"
        );
    }
}
