//! Interval aggregation: contacts → additive `IntervalSums` per queue × local-aligned interval,
//! and the stateless per-file KPI table behind `opsdeck kpi`.

use crate::contacts::sink::SlotSums;
use crate::contacts::Profile;
use crate::contacts::{read_contacts, ContactSink};
use crate::contacts::{validate, RawContact};
use crate::error::Result;
use crate::io::Progress;
use crate::io::{FieldIssue, LocalResolver, RowIssue};
use crate::views::table::{col, Column, Kind, Value};
use chrono_tz::Tz;
use opsdeck_core::calendar::local_time;
use opsdeck_core::{ContactOutcome, IntervalLen, IntervalSums, SlVariant, Thresholds, ZoneCache};
use rustc_hash::FxHashMap;
use std::path::Path;

/// Settings of a stateless KPI run.
#[derive(Debug, Clone)]
pub struct KpiOptions {
    pub interval: IntervalLen,
    pub thresholds: Thresholds,
    /// Zone of wall-clock timestamps and of interval alignment.
    pub zone: Tz,
    /// Longest quoted field of a CSV file ([`crate::io::csv_reader::CsvOptions`]).
    pub max_field_bytes: usize,
}

/// One row of the KPI table.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiRow {
    pub queue: String,
    pub interval_start_utc: i64,
    pub sums: IntervalSums,
}

/// The outcome of a KPI run over one or more files.
#[derive(Debug, Clone, Default)]
pub struct KpiRun {
    pub rows: Vec<KpiRow>,
    pub rows_read: u64,
    pub rows_skipped: u64,
    pub issue_count: u64,
    /// The first issues, in file order (at most `MAX_KEPT_ISSUES`).
    pub issues: Vec<RowIssue>,
}

pub const MAX_KEPT_ISSUES: usize = 1000;

impl KpiSink {
    pub(crate) fn new(opts: &KpiOptions) -> Self {
        KpiSink {
            interval: opts.interval,
            thresholds: opts.thresholds,
            resolver: LocalResolver::new(opts.zone),
            align: ZoneCache::new(opts.zone),
            queue_ix: FxHashMap::default(),
            names: Vec::new(),
            sums: SlotSums::default(),
            read: 0,
            skipped: 0,
            issue_count: 0,
            issues: Vec::new(),
        }
    }

    /// Everything the sink has counted, with queues by name, for comparing two runs.
    #[cfg(test)]
    pub(crate) fn snapshot(&self) -> String {
        let mut sums: Vec<_> = self
            .sums
            .iter()
            .map(|((q, t), v)| ((self.names[q as usize].as_str(), t), v))
            .collect();
        sums.sort_by(|a, b| a.0.cmp(&b.0));
        format!(
            "sums {sums:?}\nread {} skipped {} issues {}\n{:#?}",
            self.read, self.skipped, self.issue_count, self.issues
        )
    }

    /// The index of a queue name, interned on first sight.
    fn slot(&mut self, queue: &str) -> u32 {
        match self.queue_ix.get(queue) {
            Some(q) => *q,
            None => {
                let q = self.names.len() as u32;
                self.names.push(queue.to_string());
                self.queue_ix.insert(queue.to_string(), q);
                q
            }
        }
    }
}

pub(crate) struct KpiSink {
    interval: IntervalLen,
    thresholds: Thresholds,
    resolver: LocalResolver,
    align: ZoneCache,
    queue_ix: FxHashMap<String, u32>,
    names: Vec<String>,
    sums: SlotSums,
    read: u64,
    skipped: u64,
    issue_count: u64,
    issues: Vec<(u64, FieldIssue, String)>,
}

impl ContactSink for KpiSink {
    const IDS: bool = false;
    fn contact(&mut self, raw: RawContact<'_>, _line: u64) -> std::result::Result<(), FieldIssue> {
        let c = validate(raw, &mut self.resolver)?;
        let q = self.slot(&c.queue);
        self.add_clean(q, c.timing.arrived_s, &c.outcome());
        Ok(())
    }
    fn columnar(&mut self) -> Option<&mut LocalResolver> {
        Some(&mut self.resolver)
    }
    fn queue_slot(&mut self, queue: &str) -> Option<u32> {
        Some(self.slot(queue))
    }
    #[inline]
    fn add_clean(&mut self, slot: u32, arrived_s: i64, o: &ContactOutcome) {
        self.read += 1;
        self.sums
            .at(slot, arrived_s, &mut self.align, self.interval)
            .add_contact(o, self.thresholds);
    }
    fn skip(&mut self, _reason: &'static str) {
        self.read += 1;
        self.skipped += 1;
    }
    fn issue(&mut self, line: u64, issue: FieldIssue, raw: String) {
        self.read += 1;
        self.issue_count += 1;
        if self.issues.len() < MAX_KEPT_ISSUES {
            self.issues.push((line, issue, raw));
        }
    }
}

/// Compute the per queue × interval KPI table of contact files, without a workspace.
pub fn kpi_from_files(
    paths: &[&Path],
    profile: &Profile,
    opts: &KpiOptions,
    progress: Progress,
) -> Result<KpiRun> {
    // queues get one global number across sinks and files; sums are merged by number, and the
    // names are attached once the rows are in order
    let mut names: Vec<String> = Vec::new();
    let mut name_ix: FxHashMap<String, u32> = FxHashMap::default();
    // the merged sums, their (global queue, interval start) keys, and where each key is
    let mut cells: Vec<IntervalSums> = Vec::new();
    let mut keys: Vec<(u32, i64)> = Vec::new();
    let mut at: FxHashMap<(u32, i64), usize> = FxHashMap::default();
    let mut run = KpiRun::default();
    // progress counts bytes over all files, not per file
    let mut bytes_before = 0u64;
    for path in paths {
        let base = bytes_before;
        bytes_before += std::fs::metadata(path).map_or(0, |m| m.len());
        let sinks = read_contacts(
            path,
            profile,
            opts.max_field_bytes,
            || KpiSink::new(opts),
            &|n| progress(base + n),
        )?;
        let file = path.display().to_string();
        let mut issues = Vec::new();
        for s in sinks {
            run.rows_skipped += s.skipped;
            run.issue_count += s.issue_count;
            run.rows_read += s.read;
            let global: Vec<u32> = s
                .names
                .iter()
                .map(|n| {
                    *name_ix.entry(n.clone()).or_insert_with(|| {
                        names.push(n.clone());
                        (names.len() - 1) as u32
                    })
                })
                .collect();
            if cells.is_empty() {
                // the first sink's sums become the merged ones, without a copy
                keys = vec![(0, 0); s.sums.cells.len()];
                at.reserve(keys.len());
                for (&(q, t), &c) in &s.sums.index {
                    let key = (global[q as usize], t);
                    keys[c as usize] = key;
                    at.insert(key, c as usize);
                }
                cells = s.sums.cells;
            } else {
                for ((q, t), v) in s.sums.iter() {
                    let key = (global[q as usize], t);
                    match at.entry(key) {
                        std::collections::hash_map::Entry::Occupied(e) => cells[*e.get()] += *v,
                        std::collections::hash_map::Entry::Vacant(e) => {
                            e.insert(cells.len());
                            cells.push(*v);
                            keys.push(key);
                        }
                    }
                }
            }
            issues.extend(s.issues.into_iter().map(|(line, i, raw)| RowIssue {
                file: file.clone(),
                line,
                field: i.field,
                reason: i.reason,
                raw,
            }));
        }
        issues.sort_by_key(|i| i.line);
        run.issues.extend(issues);
    }
    run.issues.truncate(MAX_KEPT_ISSUES);
    // rows by queue name, then interval: rank the few names, sort small keys
    let mut by_name: Vec<u32> = (0..names.len() as u32).collect();
    by_name.sort_unstable_by(|&a, &b| names[a as usize].cmp(&names[b as usize]));
    let mut rank = vec![0u32; names.len()];
    for (r, &q) in by_name.iter().enumerate() {
        rank[q as usize] = r as u32;
    }
    let mut order: Vec<(u32, i64, u32)> = keys
        .iter()
        .enumerate()
        .map(|(i, (q, t))| (rank[*q as usize], *t, i as u32))
        .collect();
    order.sort_unstable();
    run.rows = order
        .into_iter()
        .map(|(_, t, i)| KpiRow {
            queue: names[keys[i as usize].0 as usize].clone(),
            interval_start_utc: t,
            sums: cells[i as usize],
        })
        .collect();
    Ok(run)
}

/// The KPI columns every table of contact figures shares, declared once.
pub mod columns {
    use crate::views::table::{col, Column, Kind};

    pub const OFFERED: Column = col("offered", Kind::Count, "contacts that arrived");
    pub const ANSWERED: Column = col("answered", Kind::Count, "of those, answered");
    pub const ABANDONED: Column = col("abandoned", Kind::Count, "of those, abandoned");
    pub const ANSWERED_WITHIN_THRESHOLD: Column = col(
        "answered_within_threshold",
        Kind::Count,
        "answered with a wait ≤ T",
    );
    pub const SERVICE_LEVEL: Column = col(
        "service_level",
        Kind::Fraction,
        "answered within T / the variant's denominator (the service-level variant column)",
    );
    pub const ASA: Column = col("asa_s", Kind::Seconds, "mean wait of answered contacts");
    pub const AHT: Column = col(
        "aht_s",
        Kind::Seconds,
        "mean talk + hold + after-contact work of handled contacts",
    );
    pub const ABANDON_RATE: Column = col("abandon_rate", Kind::Fraction, "abandoned / offered");
    pub const CSAT_TOP2_RATE: Column = col(
        "csat_top2_rate",
        Kind::Fraction,
        "CSAT responses of 4 or 5 (of 1–5) / responses",
    );
}

/// The KPI table of `opsdeck kpi`: one row per queue × interval of the input files.
pub static KPI_COLUMNS: [Column; 13] = [
    col("queue", Kind::Text, "queue as written in the input"),
    col(
        "interval_start",
        Kind::LocalTime,
        "interval start, wall clock of the alignment zone",
    ),
    columns::OFFERED,
    columns::ANSWERED,
    columns::ABANDONED,
    columns::ANSWERED_WITHIN_THRESHOLD,
    columns::SERVICE_LEVEL,
    columns::ASA,
    columns::AHT,
    columns::ABANDON_RATE,
    columns::CSAT_TOP2_RATE,
    col("interval_start_utc", Kind::Timestamp, "interval start, UTC"),
    col(
        "service_level_variant",
        Kind::Text,
        "offered, answered, abandons_good, exclude_abandons_within_t or exclude_short_abandons",
    ),
];

/// `t` as chrono's `%Y-%m-%d{sep}%H:%M:%S{suffix}` writes it, without parsing the format
/// string per cell (the KPI table has one row per queue and interval).
fn iso_text(t: chrono::NaiveDateTime, sep: char, suffix: &str) -> String {
    use chrono::{Datelike, Timelike};
    if !(0..=9999).contains(&t.year()) {
        // chrono signs years outside 0..=9999; keep its spelling
        return format!("{}{suffix}", t.format(&format!("%Y-%m-%d{sep}%H:%M:%S")));
    }
    // the digits written directly: this runs for every row of a year of intervals
    let mut out = String::with_capacity(19 + suffix.len());
    let two = |v: u32, out: &mut String| {
        out.push(char::from(b'0' + (v / 10 % 10) as u8));
        out.push(char::from(b'0' + (v % 10) as u8));
    };
    let y = t.year() as u32;
    two(y / 100, &mut out);
    two(y % 100, &mut out);
    out.push('-');
    two(t.month(), &mut out);
    out.push('-');
    two(t.day(), &mut out);
    out.push(sep);
    two(t.hour(), &mut out);
    out.push(':');
    two(t.minute(), &mut out);
    out.push(':');
    two(t.second(), &mut out);
    out.push_str(suffix);
    out
}

/// The KPI table row as cells, in `KPI_COLUMNS` order.
pub fn kpi_cells(r: &KpiRow, zone: Tz, variant: SlVariant) -> Vec<Value> {
    let s = &r.sums;
    vec![
        Value::Text(r.queue.clone()),
        Value::Text(iso_text(local_time(zone, r.interval_start_utc), ' ', "")),
        Value::Int(s.offered),
        Value::Int(s.answered),
        Value::Int(s.abandoned),
        Value::Int(s.answered_within_t),
        Value::Num(s.service_level(variant)),
        Value::Num(s.asa_s()),
        Value::Num(s.aht_s()),
        Value::Num(s.abandon_rate()),
        Value::Num(s.csat_top2_rate()),
        Value::Text(
            chrono::DateTime::from_timestamp(r.interval_start_utc, 0)
                .map(|d| iso_text(d.naive_utc(), 'T', "Z"))
                .unwrap_or_default(),
        ),
        Value::Text(variant.as_str().to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_text_spells_stamps_as_chrono_does() {
        for secs in [
            -62_167_219_200 - 86_400, // 31 Dec of year -1
            -1,
            0,
            1_736_153_999,
            253_402_300_799,      // 9999-12-31 23:59:59
            253_402_300_800 + 61, // year 10000
        ] {
            let t = chrono::DateTime::from_timestamp(secs, 0)
                .unwrap()
                .naive_utc();
            assert_eq!(
                iso_text(t, ' ', ""),
                t.format("%Y-%m-%d %H:%M:%S").to_string()
            );
            assert_eq!(
                iso_text(t, 'T', "Z"),
                t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
        }
    }
}
