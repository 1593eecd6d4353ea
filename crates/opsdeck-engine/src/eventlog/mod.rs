//! Reading case event logs — CSV (plain or gzip, parallel chunks) and XES (plain or gzip,
//! streamed in chunks of whole traces, never a whole-file DOM) — into the core's columnar
//! [`EventLog`]. Columns are chosen by name; unusable events are reported with their line.
//! The filters of [`LogOptions::filter`] are applied to the events read, then, when a
//! lifecycle column holds transitions other than `complete`, the events are paired into
//! activity instances (`opsdeck_core::mining::instances`).

use crate::error::{input_err, io_err, EngineError, Result};
use crate::io::csv_reader::{read_csv_rows, RowSink};
use crate::io::parse::{
    parse_iso_fraction_with, parse_stamp, trim, Cell, LastDay, Stamp, TsFormat,
};
use crate::io::xml::{local_name, Markup, Tokenizer};
use crate::io::{workers, Counting, FieldIssue, LocalResolver, Progress, Row};
use chrono_tz::Tz;
use opsdeck_core::mining::{self, Column, EventLog, Filter, FilterReport, Order, RawLog, NONE};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};

/// File format of an event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Csv,
    Xes,
}

/// Which further attributes to keep besides case, activity, timestamp, resource and team.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Keep {
    #[default]
    None,
    /// Every other CSV column / every other event and trace attribute of XES.
    All,
    Named(Vec<String>),
}

/// Where the lifecycle transitions of the events are (`start`, `complete`, `schedule`, …).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Lifecycle {
    /// None: every event is an occurrence of its activity.
    #[default]
    Off,
    /// XES: the event attribute `lifecycle:transition`, when events carry it; CSV: none.
    Auto,
    /// This column (CSV) or attribute (XES; `case:` names a trace attribute).
    Column(String),
}

/// The XES attribute of [`Lifecycle::Auto`].
pub const XES_LIFECYCLE: &str = "lifecycle:transition";

/// How to read an event log. Column names default by format: CSV `case_id`, `activity`,
/// `timestamp`, `resource`; XES the trace's `concept:name`, the event's `concept:name`,
/// `time:timestamp` and `org:resource`. In XES, a name starting with `case:` is a trace
/// attribute (as pm4py flattens them). A default resource column that is absent is simply
/// not read; a column named explicitly must exist.
#[derive(Debug, Clone)]
pub struct LogOptions {
    pub case: Option<String>,
    pub activity: Option<String>,
    pub timestamp: Option<String>,
    pub resource: Option<String>,
    pub team: Option<String>,
    pub keep: Keep,
    /// How CSV timestamps are written (`Auto`: ISO 8601 / RFC 3339, fractions kept to the µs).
    pub ts_format: TsFormat,
    /// Zone of timestamps written without an offset.
    pub zone: Tz,
    pub delimiter: u8,
    /// Longest quoted field of a CSV log ([`crate::io::csv_reader::CsvOptions`]).
    pub max_field_bytes: usize,
    pub order: Order,
    /// Texts that mean "no value" (e.g. `?` in the ServiceNow export), besides empty.
    pub missing: Vec<String>,
    /// Keep each event's source line (`EventLog::source_line`); without it that column is
    /// empty, which saves 8 bytes per event for readers that never quote a line.
    pub source_lines: bool,
    /// Lifecycle column: with transitions other than `complete`, the log read is one of
    /// activity instances.
    pub lifecycle: Lifecycle,
    /// Filters applied to the events read (their attributes are read as needed).
    pub filter: Filter,
    /// What a CSV log missing a named column should do about it (default: name the option
    /// that names the column).
    pub missing_column_hint: Option<String>,
    /// Problems kept in full (all are counted): [`MAX_ISSUES`] for reading, every one for an
    /// ingest that writes them to a quarantine report.
    pub max_issues: usize,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            case: None,
            activity: None,
            timestamp: None,
            resource: None,
            team: None,
            keep: Keep::None,
            ts_format: TsFormat::Auto,
            zone: chrono_tz::UTC,
            delimiter: b',',
            max_field_bytes: crate::io::csv_reader::DEFAULT_MAX_FIELD_BYTES,
            order: Order::Timestamp,
            missing: Vec::new(),
            source_lines: true,
            lifecycle: Lifecycle::Off,
            filter: Filter::default(),
            missing_column_hint: None,
            max_issues: MAX_ISSUES,
        }
    }
}

/// An event that was left out: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogIssue {
    pub line: u64,
    pub field: String,
    pub reason: String,
}

impl fmt::Display for LogIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
    }
}

/// The columns actually read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Columns {
    pub case: String,
    pub activity: String,
    pub timestamp: String,
    pub resource: Option<String>,
    pub team: Option<String>,
    /// Further columns read: kept, filtered on, or the lifecycle column.
    pub attributes: Vec<String>,
    /// The lifecycle column, when one was asked for and (XES `Auto`) events carry it.
    pub lifecycle: Option<String>,
}

/// A log as read, with what was left out.
#[derive(Debug)]
pub struct ReadLog {
    pub log: EventLog,
    pub format: LogFormat,
    pub columns: Columns,
    /// Events (CSV rows, XES `<event>`s) seen, usable or not.
    pub events_read: u64,
    /// The first [`MAX_ISSUES`] problems, by line.
    pub issues: Vec<LogIssue>,
    pub issue_count: u64,
    /// Timestamps written without an offset (read in `LogOptions::zone`), and with one.
    pub naive_timestamps: u64,
    pub offset_timestamps: u64,
    /// Usable events and their cases, before filters and lifecycle pairing.
    pub events: u64,
    pub cases: u64,
    /// What the filters kept (None: no filter).
    pub filtered: Option<FilterReport>,
}

/// Problems kept in full (all are counted).
pub const MAX_ISSUES: usize = 1000;

/// Read an event log, CSV or XES (told apart by content, gzip or not).
pub fn read_event_log(path: &Path, opts: &LogOptions, progress: Progress) -> Result<ReadLog> {
    read_log(path, opts, progress, XES_CHUNK)
}

/// [`read_event_log`] with XES chunks of about `xes_chunk` bytes.
fn read_log(
    path: &Path,
    opts: &LogOptions,
    progress: Progress,
    xes_chunk: usize,
) -> Result<ReadLog> {
    let format = sniff_format(path)?;
    let (shards, columns, events_read) = match format {
        LogFormat::Csv => read_csv_log(path, opts, progress)?,
        LogFormat::Xes => read_xes_log(path, opts, progress, xes_chunk)?,
    };
    let mut issues: Vec<LogIssue> = Vec::new();
    let (mut issue_count, mut naive, mut offset) = (0u64, 0u64, 0u64);
    for s in &shards {
        issue_count += s.issue_count;
        naive += s.naive;
        offset += s.offset;
        issues.extend(s.issues.iter().cloned());
    }
    issues.sort_by_key(|i| i.line);
    issues.truncate(opts.max_issues);
    let mut columns = columns;
    let mut raw = merge(shards, &columns);
    if raw.ts_us.is_empty() {
        let why = match issues.first() {
            Some(i) => format!("has no usable events (first problem: {i})"),
            None => "has no events".to_string(),
        };
        return Err(input_err(path, why));
    }
    if opts.lifecycle == Lifecycle::Auto {
        drop_absent_lifecycle(&mut raw, &mut columns, opts);
    }
    let mut log = EventLog::from_raw(raw, opts.order);
    let (events, cases) = (log.n_events() as u64, log.n_cases() as u64);
    let mut filtered = None;
    if !opts.filter.is_empty() {
        let (kept, report) = mining::filter(&log, &opts.filter)
            .map_err(|e| EngineError::invalid("where", format!("{}: {e}", path.display())))?;
        log = kept;
        filtered = Some(report);
    }
    if let Some(name) = &columns.lifecycle {
        let col = log.attributes.iter().find(|c| &c.name == name);
        if let Some(col) = col.filter(|c| mining::has_transitions(c)) {
            log = mining::instances(&log, col);
        }
    }
    Ok(ReadLog {
        log,
        format,
        columns,
        events_read,
        issues,
        issue_count,
        naive_timestamps: naive,
        offset_timestamps: offset,
        events,
        cases,
        filtered,
    })
}

/// With [`Lifecycle::Auto`], a lifecycle attribute no event carries is no lifecycle column:
/// it is dropped (unless kept or filtered on), and the log is read as before.
fn drop_absent_lifecycle(raw: &mut RawLog, columns: &mut Columns, opts: &LogOptions) {
    let Some(name) = columns.lifecycle.clone() else {
        return;
    };
    let Some(k) = raw.attributes.iter().position(|c| c.name == name) else {
        return;
    };
    if !raw.attributes[k].dict.is_empty() {
        return;
    }
    columns.lifecycle = None;
    let kept = match &opts.keep {
        Keep::Named(n) => n.contains(&name),
        Keep::All => true,
        Keep::None => false,
    };
    let filtered = opts.filter.conditions.iter().any(|c| c.attribute == name);
    if !kept && !filtered {
        raw.attributes.remove(k);
        columns.attributes.retain(|a| a != &name);
    }
}

/// The further columns a read needs besides case, activity, timestamp, resource and team: the
/// kept ones, those filtered on, and the lifecycle column (each once, none already read).
/// Each comes with the option that asked for it. A filter on the timestamp is refused.
fn extra_columns(
    keep: Vec<String>,
    opts: &LogOptions,
    lifecycle: Option<&str>,
    read: &[&str],
    timestamp: &str,
) -> Result<Vec<(String, &'static str)>> {
    let mut out: Vec<(String, &'static str)> = keep.into_iter().map(|k| (k, "keep")).collect();
    let asked = opts
        .filter
        .conditions
        .iter()
        .map(|c| (c.attribute.as_str(), "where"))
        .chain(lifecycle.map(|l| (l, "lifecycle")));
    for (name, what) in asked {
        if name == timestamp {
            return Err(EngineError::invalid(
                what,
                format!("{name:?} is the timestamp column: filter times by a time range instead"),
            ));
        }
        if !read.contains(&name) && !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_string(), what));
        }
    }
    Ok(out)
}

/// A bound of a time range: a date `YYYY-MM-DD` (its first microsecond, or with `end` its
/// last) or an instant (ISO 8601 / RFC 3339; without an offset, a wall-clock time in `zone`),
/// in µs since 1970 UTC.
pub fn time_bound(text: &str, zone: Tz, end: bool) -> std::result::Result<i64, String> {
    let t = text.trim();
    let mut resolver = LocalResolver::new(zone);
    let mut last = LastDay::default();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let day = if end { d.succ_opt().unwrap_or(d) } else { d };
        let (stamp, _) =
            parse_iso_fraction_with(&format!("{} 00:00:00", day.format("%Y-%m-%d")), &mut last)?;
        let secs = resolver.resolve(stamp).map_err(|e| format!("{t:?}: {e}"))?;
        return Ok(secs * 1_000_000 - i64::from(end));
    }
    let (stamp, micros) = parse_iso_fraction_with(t, &mut last).map_err(|_| {
        format!("{t:?} is not a date (YYYY-MM-DD) or a timestamp (YYYY-MM-DD HH:MM:SS, RFC 3339)")
    })?;
    let secs = resolver.resolve(stamp).map_err(|e| format!("{t:?}: {e}"))?;
    Ok(secs * 1_000_000 + i64::from(micros))
}

/// The file's bytes, gunzipped if it is gzip; `progress` sees the bytes of the file consumed.
fn open_decoded<'p>(path: &Path, progress: Progress<'p>) -> Result<Box<dyn Read + 'p>> {
    let mut f = File::open(path).map_err(io_err(path))?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic).map_err(io_err(path))?;
    let f = Counting::new(File::open(path).map_err(io_err(path))?, progress);
    Ok(if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    })
}

fn sniff_format(path: &Path) -> Result<LogFormat> {
    let mut r = open_decoded(path, &|_| {})?;
    let mut head = vec![0u8; 512];
    let mut got = 0;
    while got < head.len() {
        match r.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) => return Err(input_err(path, format!("cannot read: {e}"))),
        }
    }
    let head = &head[..got];
    let body = head.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(head);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err(input_err(
            path,
            "file is empty (expected a CSV header or XES)",
        )),
        Some(b'<') => Ok(LogFormat::Xes),
        Some(_) => Ok(LogFormat::Csv),
    }
}

// ---------------------------------------------------------------------------------------------
// shards: what one worker read, with worker-local dictionaries

/// Slots of the interned columns: case (0), activity (1), resource (2), team (3), then kept
/// attributes.
const CASE: usize = 0;
const ACT: usize = 1;

/// A dictionary of names: the texts live in one buffer (no allocation per name) and are found
/// by their Fx hash in a `hashbrown::HashTable` of ids, whose equality compares the texts.
#[derive(Default)]
struct LocalDict {
    /// Ids by the hash of their name; equal hashes are told apart by comparing the names.
    by_hash: hashbrown::HashTable<u32>,
    text: String,
    /// End of each name in `text` (a name starts where the previous one ends).
    ends: Vec<usize>,
}

impl LocalDict {
    #[inline]
    fn hash(s: &str) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(s)
    }

    /// An empty dictionary with room for `names` names of `bytes` bytes in all.
    fn with_capacity(names: usize, bytes: usize) -> LocalDict {
        let mut d = LocalDict::default();
        d.by_hash.reserve(names, |_| 0);
        d.ends.reserve(names);
        d.text.reserve(bytes);
        d
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    #[inline]
    fn name(&self, id: u32) -> &str {
        Self::name_in(&self.text, &self.ends, id)
    }

    #[inline]
    fn name_in<'t>(text: &'t str, ends: &[usize], id: u32) -> &'t str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { ends[i - 1] };
        &text[start..ends[i]]
    }

    fn add(&mut self, s: &str) -> u32 {
        let id = self.ends.len() as u32;
        self.text.push_str(s);
        self.ends.push(self.text.len());
        id
    }

    #[inline]
    fn id(&mut self, s: &str) -> u32 {
        let h = Self::hash(s);
        let (text, ends) = (&self.text, &self.ends);
        if let Some(&id) = self
            .by_hash
            .find(h, |&id| same(Self::name_in(text, ends, id), s))
        {
            return id;
        }
        let id = self.add(s);
        let (text, ends) = (&self.text, &self.ends);
        self.by_hash
            .insert_unique(h, id, |&id| Self::hash(Self::name_in(text, ends, id)));
        id
    }
}

/// Events of one contiguous piece of the file, in file order.
struct Segment {
    /// Order of the piece in the file (first line, or chunk number).
    key: u64,
    cols: Vec<Vec<u32>>,
    ts_us: Vec<i64>,
    line: Vec<u64>,
}

struct Shard {
    dicts: Vec<LocalDict>,
    segs: Vec<Segment>,
    issues: Vec<LogIssue>,
    issue_count: u64,
    naive: u64,
    offset: u64,
    resolver: LocalResolver,
    ts_format: TsFormat,
    last_day: LastDay,
    n_slots: usize,
    missing: Vec<String>,
    /// Whether events' source lines are kept.
    lines: bool,
    max_issues: usize,
}

impl Shard {
    fn new(n_slots: usize, opts: &LogOptions) -> Shard {
        Shard {
            dicts: (0..n_slots).map(|_| LocalDict::default()).collect(),
            segs: Vec::new(),
            issues: Vec::new(),
            issue_count: 0,
            naive: 0,
            offset: 0,
            resolver: LocalResolver::new(opts.zone),
            ts_format: opts.ts_format.clone(),
            last_day: LastDay::default(),
            n_slots,
            missing: opts.missing.clone(),
            lines: opts.source_lines,
            max_issues: opts.max_issues,
        }
    }

    /// Start a segment with room for about `events` events.
    fn begin(&mut self, key: u64, events: usize) {
        self.segs.push(Segment {
            key,
            cols: (0..self.n_slots)
                .map(|_| Vec::with_capacity(events))
                .collect(),
            ts_us: Vec::with_capacity(events),
            line: Vec::with_capacity(if self.lines { events } else { 0 }),
        });
    }

    fn issue(&mut self, line: u64, field: &str, reason: String) {
        self.issue_count += 1;
        if self.issues.len() < self.max_issues {
            self.issues.push(LogIssue {
                line,
                field: field.to_string(),
                reason,
            });
        }
    }

    /// Microseconds since 1970 UTC of a timestamp text; counted as naive or with an offset
    /// when its text parses.
    fn timestamp(&mut self, text: &str) -> std::result::Result<i64, String> {
        let ts = self.read_timestamp(text);
        self.count_timestamp(&ts);
        ts.micros
    }

    /// A timestamp text read but not yet counted (see [`Shard::count_timestamp`]).
    fn read_timestamp(&mut self, text: &str) -> TsRead {
        let t = trim(text);
        let parsed = if t.is_empty() {
            Err("is empty".to_string())
        } else {
            match &self.ts_format {
                TsFormat::Auto => parse_iso_fraction_with(t, &mut self.last_day),
                other => match parse_stamp(Cell::Str(t), other) {
                    Ok(Some(s)) => Ok((s, 0)),
                    Ok(None) => Err("is empty".into()),
                    Err(e) => Err(e),
                },
            }
        };
        match parsed {
            Err(why) => TsRead {
                naive: None,
                micros: Err(why),
            },
            Ok((stamp, micros)) => TsRead {
                naive: Some(matches!(stamp, Stamp::Naive(_))),
                micros: self
                    .resolver
                    .resolve(stamp)
                    .map(|secs| secs * 1_000_000 + i64::from(micros)),
            },
        }
    }

    fn count_timestamp(&mut self, ts: &TsRead) {
        match ts.naive {
            Some(true) => self.naive += 1,
            Some(false) => self.offset += 1,
            None => {}
        }
    }

    /// Whether a value counts as missing: empty after trimming, or one of the "no value" texts.
    fn is_blank(&self, v: &str) -> bool {
        trim(v).is_empty() || self.missing.iter().any(|m| m == v)
    }

    /// Whether a value is stored as no value: empty, or one of the "no value" texts.
    fn is_none_text(&self, v: &str) -> bool {
        v.is_empty() || self.missing.iter().any(|m| m == v)
    }

    /// The local id of a value in a slot (`NONE` for empty or "no value" texts).
    fn intern(&mut self, slot: usize, v: &str) -> u32 {
        if self.is_none_text(v) {
            NONE
        } else {
            self.dicts[slot].id(v)
        }
    }

    /// [`Shard::intern`] for a value that is almost always new (an XES trace's case name): it
    /// is appended without a lookup; a name that does repeat gets one id in [`merge`].
    fn intern_new(&mut self, slot: usize, v: &str) -> u32 {
        if self.is_none_text(v) {
            NONE
        } else {
            self.dicts[slot].add(v)
        }
    }

    /// Add one event given its slots' local ids.
    fn push_ids(&mut self, ids: &[u32], ts_us: i64, line: u64) {
        if self.segs.is_empty() {
            self.begin(0, 0);
        }
        let Some(seg) = self.segs.last_mut() else {
            return;
        };
        for (col, &id) in seg.cols.iter_mut().zip(ids) {
            col.push(id);
        }
        seg.ts_us.push(ts_us);
        if self.lines {
            seg.line.push(line);
        }
    }

    /// Add one event; `vals[slot]` is the text of each interned column (None: missing).
    fn push(&mut self, vals: &[Option<&str>], ts: &str, ts_field: &str, line: u64) {
        for (slot, name) in [(CASE, "case"), (ACT, "activity")] {
            if vals[slot].is_none_or(|v| self.is_blank(v)) {
                self.issue(line, name, "is empty".into());
                return;
            }
        }
        let ts_us = match self.timestamp(ts) {
            Ok(t) => t,
            Err(why) => {
                self.issue(line, ts_field, why);
                return;
            }
        };
        let mut small = [NONE; 16];
        let mut big = Vec::new();
        let ids = if vals.len() <= small.len() {
            &mut small[..vals.len()]
        } else {
            big.resize(vals.len(), NONE);
            &mut big[..]
        };
        for (slot, v) in vals.iter().enumerate() {
            if let Some(v) = v {
                ids[slot] = self.intern(slot, v);
            }
        }
        self.push_ids(ids, ts_us, line);
    }
}

/// A timestamp text as read: `naive` tells whether it was written without an offset (None:
/// the text did not parse); `micros` is µs since 1970 UTC, or why not.
struct TsRead {
    naive: Option<bool>,
    micros: std::result::Result<i64, String>,
}

/// Put the shards' segments in file order and give every name one global id, numbered in
/// order of first appearance in the file (so the result does not depend on thread timing).
/// Each column is built on its own; the case column, whose dictionary is the largest, on a
/// second thread.
fn merge(shards: Vec<Shard>, columns: &Columns) -> RawLog {
    let mut names: Vec<Option<&str>> = vec![
        Some(columns.case.as_str()),
        Some(columns.activity.as_str()),
        columns.resource.as_deref(),
        columns.team.as_deref(),
    ];
    names.extend(columns.attributes.iter().map(|a| Some(a.as_str())));
    let mut order: Vec<(u64, usize, usize)> = shards
        .iter()
        .enumerate()
        .flat_map(|(w, s)| s.segs.iter().enumerate().map(move |(k, g)| (g.key, w, k)))
        .collect();
    order.sort_unstable();
    let segs: Vec<&Segment> = order.iter().map(|&(_, w, k)| &shards[w].segs[k]).collect();
    let total: usize = segs.iter().map(|g| g.ts_us.len()).sum();
    // a slot that was not asked for (no team column) stays empty instead of a column of NONE
    let column = |slot: usize| match names[slot] {
        Some(name) => merge_column(&shards, &order, slot, name, total),
        None => Column::new(""),
    };
    let (case, mut cols, ts_us, source_line) = std::thread::scope(|scope| {
        let case = scope.spawn(|| column(CASE));
        let cols: Vec<Column> = (ACT..names.len()).map(column).collect();
        let mut ts_us = Vec::with_capacity(total);
        let lines: usize = segs.iter().map(|g| g.line.len()).sum();
        let mut source_line = Vec::with_capacity(lines);
        for seg in &segs {
            ts_us.extend_from_slice(&seg.ts_us);
            source_line.extend_from_slice(&seg.line);
        }
        // a panic on the second thread is re-raised here, as it would have been on this one
        let case = case.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (case, cols, ts_us, source_line)
    });
    let mut it = cols.drain(..);
    let activity = it.next().unwrap_or_default();
    let (resource, team) = (it.next(), it.next());
    let attributes = it.collect();
    RawLog {
        case,
        activity,
        ts_us,
        resource: resource.filter(|_| columns.resource.is_some()),
        team: team.filter(|_| columns.team.is_some()),
        attributes,
        source_line,
    }
}

/// One column of [`merge`]: the local ids of `slot` in every segment, in file order, mapped to
/// global ids.
fn merge_column(
    shards: &[Shard],
    order: &[(u64, usize, usize)],
    slot: usize,
    name: &str,
    total: usize,
) -> Column {
    let names: usize = shards.iter().map(|s| s.dicts[slot].len()).sum();
    let bytes: usize = shards.iter().map(|s| s.dicts[slot].text.len()).sum();
    let mut global = LocalDict::with_capacity(names, bytes);
    let mut remap: Vec<Vec<u32>> = shards
        .iter()
        .map(|s| vec![NONE; s.dicts[slot].len()])
        .collect();
    let mut col = Column::new(name);
    col.ids.reserve(total);
    for &(_, w, k) in order {
        let map = &mut remap[w];
        let dict = &shards[w].dicts[slot];
        col.ids
            .extend(shards[w].segs[k].cols[slot].iter().map(|&local| {
                if local == NONE {
                    NONE
                } else {
                    let g = &mut map[local as usize];
                    if *g == NONE {
                        *g = global.id(dict.name(local));
                    }
                    *g
                }
            }));
    }
    col.dict = (0..global.len() as u32)
        .map(|i| global.name(i).to_string())
        .collect();
    col
}

/// Whether two texts are equal. Names and XES keys (`concept:name`, `org:resource`,
/// `time:timestamp`) are short: up to 16 bytes they are compared as two overlapping words
/// instead of by a call to memcmp.
#[inline]
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    if let (Some(a0), Some(a1), Some(b0), Some(b1)) = (
        a.first_chunk::<8>(),
        a.last_chunk::<8>(),
        b.first_chunk::<8>(),
        b.last_chunk::<8>(),
    ) {
        return if n <= 16 {
            a0 == b0 && a1 == b1
        } else {
            a == b
        };
    }
    if let (Some(a0), Some(a1), Some(b0), Some(b1)) = (
        a.first_chunk::<4>(),
        a.last_chunk::<4>(),
        b.first_chunk::<4>(),
        b.last_chunk::<4>(),
    ) {
        return a0 == b0 && a1 == b1;
    }
    a == b
}

mod csv_log;
mod params;
mod xes_log;

use csv_log::read_csv_log;
pub use params::{CostParams, LogParams};
use xes_log::read_xes_log;
use xes_log::XES_CHUNK;

#[cfg(test)]
mod tests {
    use super::xes_log::{XesCutter, XES_CHUNK};
    use super::{read_log, LocalDict, LogOptions, ReadLog};

    /// Where the cutter would cut `text` fed in pieces of `step` bytes.
    fn cuts(text: &[u8], step: usize) -> Vec<usize> {
        let mut c = XesCutter::default();
        let mut got = Vec::new();
        for end in (step..text.len() + step).step_by(step) {
            c.scan(&text[..end.min(text.len())]);
            if c.cut.is_some() && got.last() != c.cut.as_ref() {
                got.extend(c.cut);
            }
        }
        got
    }

    #[test]
    fn cuts_fall_after_end_tags_never_inside_comments_cdata_or_instructions() {
        let text = b"<?xml version=\"1.0\"?></trace>?><log><trace></trace>\
            <!-- </trace> --><trace><![CDATA[</trace>]]></trace><?pi </trace>?>\
            <!----></trace><!DOCTYPE x></trace><!-- </trace>";
        let ends: Vec<usize> = memchr::memmem::find_iter(text, b"</trace>")
            .map(|i| i + 8)
            .collect();
        // tags: the 1st, 2nd, 5th, 7th and 8th `</trace>` (the others are in markup)
        let tags = [ends[0], ends[1], ends[4], ends[6], ends[7]];
        for step in 1..=text.len() {
            let got = cuts(text, step);
            assert!(got.iter().all(|c| tags.contains(c)), "step {step}: {got:?}");
            assert_eq!(got.last(), Some(&ends[7]), "step {step}");
        }
    }

    #[test]
    fn a_doctype_with_an_internal_subset_stops_cutting() {
        let text = b"<!DOCTYPE log [<!ENTITY a \"</trace>\">]><log><trace></trace></log>";
        for step in 1..=text.len() {
            assert!(cuts(text, step).is_empty(), "step {step}");
        }
    }

    fn read_chunked(path: &std::path::Path, chunk: usize) -> Result<ReadLog, String> {
        read_log(path, &LogOptions::default(), &|_| {}, chunk).map_err(|e| e.to_string())
    }

    /// Everything a read yields that the chunking could change.
    fn summary(r: &Result<ReadLog, String>) -> String {
        match r {
            Err(e) => e.clone(),
            Ok(r) => {
                let log = &r.log;
                let case_of = |i: usize| log.case_start.partition_point(|&s| s <= i) - 1;
                let rows: Vec<String> = (0..log.n_events())
                    .map(|i| {
                        format!(
                            "{:?} {:?} {} {:?} line {}",
                            log.cases[case_of(i)],
                            log.activity.get(i),
                            log.ts_us[i],
                            log.resource.as_ref().and_then(|c| c.get(i)),
                            log.source_line[i]
                        )
                    })
                    .collect();
                format!(
                    "{} read, {} issues {:?}, naive {}, offset {}\n{}",
                    r.events_read,
                    r.issue_count,
                    r.issues,
                    r.naive_timestamps,
                    r.offset_timestamps,
                    rows.join("\n")
                )
            }
        }
    }

    #[test]
    fn xes_chunks_of_any_size_read_the_same() {
        let ev = |a: &str, t: &str, r: &str| {
            format!(
                "<event><string key=\"concept:name\" value=\"{a}\"/>\n<date key=\"time:timestamp\" value=\"{t}\"/><string key=\"org:resource\" value=\"{r}\"/></event>"
            )
        };
        let text = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a log; </trace> here is text -->\n<log xes.version=\"1.0\">\n\
             <trace><string key=\"concept:name\" value=\"c&amp;1\"/>{}\n{}</trace><!-- </trace> -->\n\
             <trace>\n<![CDATA[ </trace> ]]><string key=\"concept:name\" value=\"c2\"/>{}<?pi </trace> ?>{}</trace>\n\
             <trace><string key=\"concept:name\" value=\"&#99;3\"/>{}<event><string key=\"concept:name\" value=\"x\"/></event>{}</trace>\n\
             <trace>{}</trace></log>\n",
            ev("a &lt;b&gt;", "2025-01-01T00:00:00Z", "ann"),
            ev("b", "2025-01-01T00:01:00.5+01:00", "bob &amp; co"),
            ev("a", "2025-01-01 00:02:00", ""),
            ev("", "2025-01-01T00:03:00Z", "r"),
            ev("c", "not a time", "r"),
            ev("e", "2025-01-01T00:05:00Z", "r"),
            ev("d", "2025-01-01T00:04:00Z", "r"),
        );
        let d = tempfile::tempdir().expect("temp dir");
        let path = d.path().join("odd.xes");
        std::fs::write(&path, &text).expect("write");
        let want = summary(&read_chunked(&path, XES_CHUNK));
        assert!(want.contains("c&1") && want.contains("a <b>") && want.contains("bob & co"));
        assert!(want.contains("\"c3\"") && want.contains("line 4"), "{want}");
        for chunk in 1..=text.len() + 1 {
            assert_eq!(summary(&read_chunked(&path, chunk)), want, "chunk {chunk}");
        }
        // malformed: the same error, on the same line, however the file is cut
        let bad = text.replace("<trace>\n<![CDATA[", "<trace>\n<bad><![CDATA[");
        let path = d.path().join("bad.xes");
        std::fs::write(&path, &bad).expect("write");
        let want = summary(&read_chunked(&path, XES_CHUNK));
        assert!(
            want.contains("line 11: malformed XML: expected </bad>, found </trace>"),
            "{want}"
        );
        for chunk in 1..=bad.len() + 1 {
            assert_eq!(summary(&read_chunked(&path, chunk)), want, "chunk {chunk}");
        }
    }

    #[test]
    fn attribute_and_event_tags_read_alike_in_every_spelling() {
        // the first spelling is the one read without tokens; the others go through the
        // tokenizer: spaces, single quotes, value before key, prefixed or non-empty elements
        let spellings: [(&str, &str, &str); 5] = [
            ("<event>", "<{t} key=\"{k}\" value=\"{v}\"/>", "</event>"),
            ("<event >", "<{t}  key='{k}' value='{v}' />", "</event >"),
            ("<event>", "<{t} value=\"{v}\" key=\"{k}\"/>", "</event>"),
            (
                "<xes:event>",
                "<xes:{t} key=\"{k}\" value=\"{v}\"/>",
                "</xes:event>",
            ),
            (
                "<event>",
                "<{t} key=\"{k}\" value=\"{v}\"></{t}>",
                "</event>",
            ),
        ];
        let d = tempfile::tempdir().expect("temp dir");
        let mut got = Vec::new();
        for (k, (open, attr, close)) in spellings.iter().enumerate() {
            let a = |t: &str, key: &str, v: &str| {
                attr.replace("{t}", t).replace("{k}", key).replace("{v}", v)
            };
            let ev = |name: &str, ts: &str, res: &str| {
                format!(
                    "{open}{}{}{}{close}\n",
                    a("string", "concept:name", name),
                    a("date", "time:timestamp", ts),
                    a("string", "org:resource", res)
                )
            };
            let text = format!(
                "<log>\n<trace>{}\n{}{}{}</trace>\n<trace>{}\n{}{}</trace>\n</log>\n",
                a("string", "concept:name", "c1"),
                ev("a", "2025-01-01T00:00:00+00:00", "ann"),
                ev("b", "2025-01-01T00:01:00.250+01:00", "bob"),
                ev("a", "2025-01-01T00:00:30Z", ""),
                a("string", "concept:name", "c2"),
                ev("a", "2025-01-01 00:02:00", "ann"),
                ev("", "2025-01-01T00:03:00Z", "r"),
            );
            let path = d.path().join(format!("s{k}.xes"));
            std::fs::write(&path, &text).expect("write");
            got.push(summary(&read_chunked(&path, XES_CHUNK)));
        }
        assert!(got[0].contains("\"c1\" Some(\"b\")"), "{}", got[0]);
        assert!(
            got[0].contains("line: 9, field: \"activity\""),
            "{}",
            got[0]
        );
        for (k, g) in got.iter().enumerate() {
            assert_eq!(g, &got[0], "spelling {k}");
        }
    }

    #[test]
    fn same_compares_texts_of_every_length() {
        let long = "concept:name:and:more";
        for i in 0..=long.len() {
            for j in 0..=long.len() {
                let (a, b) = (&long[..i], &long[..j]);
                assert_eq!(super::same(a, b), a == b, "{a} {b}");
                for k in 0..j {
                    let mut c = b.to_string().into_bytes();
                    c[k] = b'#';
                    let c = String::from_utf8(c).expect("ascii");
                    assert_eq!(super::same(a, &c), a == c, "{a} {c}");
                }
            }
        }
    }

    #[test]
    fn dictionary_gives_one_id_per_text_and_keeps_the_texts() {
        let mut d = LocalDict::default();
        let texts = [
            "T0000793",
            "T0000794",
            "",
            "Open",
            "a much longer activity name",
            "Open",
        ];
        let ids: Vec<u32> = texts.iter().map(|t| d.id(t)).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4, 3]);
        assert_eq!(d.len(), 5);
        for (t, id) in texts.iter().zip(&ids) {
            assert_eq!(d.name(*id), *t);
        }
    }

    #[test]
    fn dictionary_tells_apart_texts_whose_hashes_collide() {
        // room for every entry up front: no rehash moves the planted one
        let mut d = LocalDict::with_capacity(8, 8);
        assert_eq!(d.id("a"), 0);
        // pretend "b" hashes like "a": the table holds id 0 ("a") under "b"'s hash
        let hb = LocalDict::hash("b");
        d.by_hash.insert_unique(hb, 0, |_| hb);
        assert_eq!(d.id("b"), 1);
        assert_eq!(d.id("b"), 1);
        assert_eq!(d.id("a"), 0);
        assert_eq!((d.name(0), d.name(1)), ("a", "b"));
    }

    #[test]
    fn a_read_without_source_lines_differs_only_in_that_column() {
        // CSV with interleaved cases (gathered) and XES with a case out of time order
        // (reordered in place): the two paths of `EventLog::from_raw`
        let csv = "case_id,activity,timestamp,resource\n\
                   c1,a,2025-01-01T00:00:00Z,r1\n\
                   c2,a,2025-01-01T00:00:30Z,r2\n\
                   c1,b,2025-01-01T00:01:00Z,r1\n\
                   c2,c,2025-01-01T00:00:10Z,r3\n\
                   c1,,2025-01-01T00:02:00Z,r1\n";
        let xes = "<log><trace><string key=\"concept:name\" value=\"c1\"/>\n\
                   <event><string key=\"concept:name\" value=\"a\"/><date key=\"time:timestamp\" value=\"2025-01-01T00:05:00Z\"/></event>\n\
                   <event><string key=\"concept:name\" value=\"b\"/><date key=\"time:timestamp\" value=\"2025-01-01T00:01:00Z\"/></event>\n\
                   </trace></log>\n";
        let d = tempfile::tempdir().expect("temp dir");
        for (name, text, lines) in [
            ("log.csv", csv, [2, 4, 5, 3]),
            ("log.xes", xes, [3, 2, 0, 0]),
        ] {
            let path = d.path().join(name);
            std::fs::write(&path, text).expect("write");
            let read = |source_lines: bool| {
                let opts = LogOptions {
                    source_lines,
                    ..LogOptions::default()
                };
                read_log(&path, &opts, &|_| {}, XES_CHUNK).expect("read")
            };
            let (with, without) = (read(true), read(false));
            let n = with.log.n_events();
            assert_eq!(with.log.source_line, lines[..n], "{name}");
            assert!(without.log.source_line.is_empty(), "{name}");
            let mut without_log = without.log.clone();
            without_log.source_line = with.log.source_line.clone();
            assert_eq!(
                format!("{:?}", without_log),
                format!("{:?}", with.log),
                "{name}"
            );
            assert_eq!(
                format!("{:?}", without.issues),
                format!("{:?}", with.issues),
                "{name}"
            );
            assert_eq!(with.log.out_of_order, 1, "{name}");
        }
    }
}
