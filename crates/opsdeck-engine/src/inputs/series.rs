//! Reading a volume series (one row per interval, day or week: timestamp, volume; or one row
//! per contact or case, counted) or a list of timestamps from CSV or CSV.gz, for `opsdeck
//! forecast`. Bad rows are returned as `RowIssue`s naming the line and field; file-level
//! problems (empty, UTF-16, missing column, truncated gzip) are errors.

use crate::error::{input_err, EngineError, Result};
use crate::io::csv_reader::{CsvOptions, TextRecords};
use crate::io::parse::{parse_iso, Stamp};
use crate::io::RowIssue;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;
use std::path::Path;

/// Which columns hold the series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesColumns {
    /// The interval start: a timestamp (`YYYY-MM-DD HH:MM[:SS]`, `T` allowed, optional offset)
    /// or a date (`YYYY-MM-DD`, read as 00:00), or, when `date` is set, a time of day
    /// (`HH:MM[:SS]`).
    pub ts: String,
    /// A separate date column (`YYYY-MM-DD`), combined with the time of day in `ts`.
    pub date: Option<String>,
    /// The volume (a number ≥ 0). Not read for timestamp lists.
    pub volume: String,
    /// Zone that timestamps with an offset or `Z` are converted to (local wall-clock time);
    /// UTC when `None`. Timestamps without an offset are taken as local time as they are.
    pub zone: Option<Tz>,
    /// Each row is one contact or case: the volume of a timestamp is the number of rows that
    /// have it (`volume` is not read, repeated timestamps are not issues).
    pub count_rows: bool,
}

impl Default for SeriesColumns {
    fn default() -> Self {
        SeriesColumns {
            ts: "ts".into(),
            date: None,
            volume: "volume".into(),
            zone: None,
            count_rows: false,
        }
    }
}

/// A series read from a file: points sorted by time, and the rows that were left out.
#[derive(Debug, Clone, Default)]
pub struct SeriesRead {
    pub points: Vec<(NaiveDateTime, f64)>,
    pub rows_read: u64,
    pub issues: Vec<RowIssue>,
}

/// Read `ts, volume` rows. Rows with a bad timestamp or volume, and rows repeating a timestamp
/// already read, become issues; the rest are returned sorted by time.
pub fn read_series(path: &Path, cols: &SeriesColumns) -> Result<SeriesRead> {
    read(path, cols, true)
}

/// Read the timestamps of a file (its `ts` column, or `date` + `ts`), in file order; a volume
/// column is not needed. Repeated timestamps are issues.
pub fn read_timestamps(path: &Path, cols: &SeriesColumns) -> Result<SeriesRead> {
    read(path, cols, false)
}

fn column(path: &Path, header: &[String], name: &str, param: &'static str) -> Result<usize> {
    header.iter().position(|h| h == name).ok_or_else(|| {
        EngineError::invalid(
            param,
            format!(
                "{}: line 1: no column {name:?} (the header has {})",
                path.display(),
                crate::io::excerpt(&header.join(", "), 200)
            ),
        )
    })
}

fn read(path: &Path, cols: &SeriesColumns, with_volume: bool) -> Result<SeriesRead> {
    let bytes = crate::io::read_whole_text(path, "a volume series")?;
    let mut rdr = TextRecords::new(&bytes, &CsvOptions::default());
    let mut rec = csv::ByteRecord::new();
    let header: Vec<String> = match rdr.read(&mut rec) {
        Some((_, Ok(()))) => rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect(),
        None => return Err(input_err(path, "file is empty (expected a header line)")),
        Some((_, Err((issue, _)))) => {
            return Err(input_err(
                path,
                format!("line 1: cannot read the header: {}", issue.reason),
            ))
        }
    };
    let ts_ix = column(path, &header, &cols.ts, "ts_column")?;
    let date_ix = match &cols.date {
        Some(d) => Some(column(path, &header, d, "date_column")?),
        None => None,
    };
    let vol_ix = if with_volume && !cols.count_rows {
        Some(column(path, &header, &cols.volume, "volume_column")?)
    } else {
        None
    };
    let file = path.display().to_string();
    let mut out = SeriesRead::default();
    // (timestamp, line, value) in file order
    let mut rows: Vec<(NaiveDateTime, u64, f64)> = Vec::new();
    while let Some((line, cut)) = rdr.read(&mut rec) {
        let issue = |field: &str, reason: String, rec: &csv::ByteRecord| {
            RowIssue::from_record(&file, line, field, reason, rec)
        };
        if let Err((why, raw)) = cut {
            out.rows_read += 1;
            out.issues.push(RowIssue {
                file: file.clone(),
                line,
                field: why.field,
                reason: why.reason,
                raw,
            });
            continue;
        }
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        out.rows_read += 1;
        let text = |i: usize| {
            std::str::from_utf8(rec.get(i).unwrap_or_default())
                .map(str::trim)
                .map_err(|_| "is not valid UTF-8 text".to_string())
        };
        let ts = match stamp(ts_ix, date_ix, &text, cols.zone) {
            Ok(t) => t,
            Err((field, reason)) => {
                let name = match field {
                    Field::Date => cols.date.clone().unwrap_or_default(),
                    Field::Ts => cols.ts.clone(),
                };
                out.issues.push(issue(&name, reason, &rec));
                continue;
            }
        };
        let value = match vol_ix {
            None if with_volume => 1.0,
            None => 0.0,
            Some(i) => match text(i).and_then(volume) {
                Ok(v) => v,
                Err(reason) => {
                    out.issues.push(issue(&cols.volume, reason, &rec));
                    continue;
                }
            },
        };
        rows.push((ts, line, value));
    }
    if out.rows_read == 0 {
        return Err(input_err(path, "has a header but no data rows"));
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| (rows[i].0, rows[i].1));
    if cols.count_rows && with_volume {
        // one row per contact: the volume of a timestamp is its number of rows
        for &i in &order {
            match out.points.last_mut() {
                Some(p) if p.0 == rows[i].0 => p.1 += rows[i].2,
                _ => out.points.push((rows[i].0, rows[i].2)),
            }
        }
        out.issues.sort_by_key(|i| i.line);
        return Ok(out);
    }
    // repeated timestamps: keep the first, report the others
    let mut keep = vec![true; rows.len()];
    for w in order.windows(2) {
        let (a, b) = (&rows[w[0]], &rows[w[1]]);
        if a.0 == b.0 {
            keep[w[1]] = false;
            out.issues.push(RowIssue {
                file: file.clone(),
                line: b.1,
                field: cols.ts.clone(),
                reason: format!(
                    "timestamp {} already appears on line {} (one row per interval; sum the two rows if both are real)",
                    b.0, a.1
                ),
                raw: String::new(),
            });
        }
    }
    out.issues.sort_by_key(|i| i.line);
    if with_volume {
        out.points = order
            .iter()
            .filter(|&&i| keep[i])
            .map(|&i| (rows[i].0, rows[i].2))
            .collect();
    } else {
        out.points = rows
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(r, _)| (r.0, 0.0))
            .collect();
    }
    Ok(out)
}

enum Field {
    Date,
    Ts,
}

type Text<'a> = dyn Fn(usize) -> std::result::Result<&'a str, String> + 'a;

fn stamp<'a>(
    ts_ix: usize,
    date_ix: Option<usize>,
    text: &Text<'a>,
    zone: Option<Tz>,
) -> std::result::Result<NaiveDateTime, (Field, String)> {
    let ts = text(ts_ix).map_err(|r| (Field::Ts, r))?;
    if ts.is_empty() {
        return Err((Field::Ts, "is empty (expected the interval start)".into()));
    }
    if let Some(di) = date_ix {
        let d = text(di).map_err(|r| (Field::Date, r))?;
        let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            (
                Field::Date,
                format!(
                    "{} is not a date (expected YYYY-MM-DD)",
                    crate::io::quoted(d)
                ),
            )
        })?;
        let time = NaiveTime::parse_from_str(ts, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(ts, "%H:%M"))
            .map_err(|_| {
                (
                    Field::Ts,
                    format!(
                        "{} is not a time of day (expected HH:MM or HH:MM:SS)",
                        crate::io::quoted(ts)
                    ),
                )
            })?;
        return Ok(date.and_time(time));
    }
    // a date alone is the start of that day (daily and weekly series)
    if ts.len() == 10 {
        if let Ok(d) = NaiveDate::parse_from_str(ts, "%Y-%m-%d") {
            return Ok(d.and_time(NaiveTime::MIN));
        }
    }
    // `YYYY-MM-DD HH:MM` without seconds is common in exports
    let owned;
    let full = if ts.len() == 16 && ts.as_bytes().get(13) == Some(&b':') {
        owned = format!("{ts}:00");
        owned.as_str()
    } else {
        ts
    };
    match parse_iso(full).map_err(|r| (Field::Ts, r))? {
        Stamp::Naive(s) => chrono::DateTime::from_timestamp(s, 0)
            .map(|d| d.naive_utc())
            .ok_or((
                Field::Ts,
                format!("{} is out of range", crate::io::quoted(ts)),
            )),
        Stamp::Utc(s) => Ok(opsdeck_core::calendar::local_time(
            zone.unwrap_or(chrono_tz::UTC),
            s,
        )),
    }
}

fn volume(s: &str) -> std::result::Result<f64, String> {
    if s.is_empty() {
        return Err("is empty (a missing interval is left out of the file, not blank)".into());
    }
    let v: f64 = s
        .parse()
        .map_err(|_| format!("{} is not a number", crate::io::quoted(s)))?;
    if !v.is_finite() {
        return Err(format!("{} is not a finite number", crate::io::quoted(s)));
    }
    if v < 0.0 {
        return Err(format!("negative volume {}", crate::io::quoted(s)));
    }
    Ok(v)
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
    fn reads_sorts_and_reports_bad_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "s.csv",
            "ts,volume\r\n2025-01-06 09:30:00,4\r\n2025-01-06 09:00,3\r\n2025-01-06 10:00:00,-1\r\nnope,2\r\n2025-01-06 09:00:00,7\r\n2025-01-06T10:30:00Z,\r\n",
        );
        let r = read_series(&p, &SeriesColumns::default()).unwrap();
        assert_eq!(r.rows_read, 6);
        let t = |h, m| {
            NaiveDate::from_ymd_opt(2025, 1, 6)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
        };
        assert_eq!(r.points, vec![(t(9, 0), 3.0), (t(9, 30), 4.0)]);
        let got: Vec<(u64, &str)> = r
            .issues
            .iter()
            .map(|i| (i.line, i.field.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![(4, "volume"), (5, "ts"), (6, "ts"), (7, "volume")]
        );
        assert!(r.issues[0].reason.contains("negative"));
        assert!(r.issues[2].reason.contains("line 3"));
    }

    #[test]
    fn date_and_time_columns() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "a.csv",
            "date,interval_start,calls\n1999-01-01,00:06,2\n1999-01-01,0x:12,1\n1999-13-01,00:18,1\n",
        );
        let cols = SeriesColumns {
            ts: "interval_start".into(),
            date: Some("date".into()),
            volume: "calls".into(),
            zone: None,
            count_rows: false,
        };
        let r = read_series(&p, &cols).unwrap();
        assert_eq!(r.points.len(), 1);
        assert_eq!(r.issues.len(), 2);
        assert_eq!(
            (r.issues[0].line, r.issues[0].field.as_str()),
            (3, "interval_start")
        );
        assert_eq!((r.issues[1].line, r.issues[1].field.as_str()), (4, "date"));
        let e = read_series(&p, &SeriesColumns::default()).unwrap_err();
        assert!(e.to_string().contains("no column \"ts\""), "{e}");
    }

    #[test]
    fn dates_alone_and_counted_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "cases.csv",
            "id,opened
1,2021-06-30
2,2021-06-29
3,2021-06-30
4,30/06/2021
5,2021-06-30
",
        );
        let cols = SeriesColumns {
            ts: "opened".into(),
            count_rows: true,
            ..SeriesColumns::default()
        };
        let r = read_series(&p, &cols).unwrap();
        let d = |day| {
            NaiveDate::from_ymd_opt(2021, 6, day)
                .unwrap()
                .and_time(NaiveTime::MIN)
        };
        assert_eq!(r.points, vec![(d(29), 1.0), (d(30), 3.0)]);
        assert_eq!(r.rows_read, 5);
        assert_eq!((r.issues.len(), r.issues[0].line), (1, 5));
        // without counting, a repeated date is an issue as any repeated timestamp
        let e = read_series(
            &p,
            &SeriesColumns {
                count_rows: false,
                ..cols
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("no column \"volume\""), "{e}");
    }
}
