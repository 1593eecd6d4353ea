//! Reading case event logs — CSV (plain or gzip, parallel chunks) and XES (plain or gzip,
//! streamed in chunks of whole traces, never a whole-file DOM) — into the core's columnar
//! [`EventLog`]. Columns are chosen by name; unusable events are reported with their line.

use crate::contact::{FieldIssue, LocalResolver};
use crate::error::{input_err, io_err, EngineError, Result};
use crate::fxhash::FxHashMap;
use crate::parse::{parse_iso_fraction, parse_stamp, Cell, Stamp, TsFormat};
use crate::profile::Row;
use crate::read::{read_csv_rows, workers, Counting, Progress, RowSink};
use chrono_tz::Tz;
use opsdeck_core::mining::{Column, EventLog, Order, RawLog, NONE};
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
    pub order: Order,
    /// Texts that mean "no value" (e.g. `?` in the ServiceNow export), besides empty.
    pub missing: Vec<String>,
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
            order: Order::Timestamp,
            missing: Vec::new(),
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
    pub attributes: Vec<String>,
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
}

/// Problems kept in full (all are counted).
pub const MAX_ISSUES: usize = 1000;

/// Read an event log, CSV or XES (told apart by content, gzip or not).
pub fn read_event_log(path: &Path, opts: &LogOptions, progress: Progress) -> Result<ReadLog> {
    let format = sniff_format(path)?;
    let (shards, columns, events_read) = match format {
        LogFormat::Csv => read_csv_log(path, opts, progress)?,
        LogFormat::Xes => read_xes_log(path, opts, progress)?,
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
    issues.truncate(MAX_ISSUES);
    let raw = merge(shards, &columns);
    if raw.ts_us.is_empty() {
        let why = match issues.first() {
            Some(i) => format!("has no usable events (first problem: {i})"),
            None => "has no events".to_string(),
        };
        return Err(input_err(path, why));
    }
    Ok(ReadLog {
        log: EventLog::from_raw(raw, opts.order),
        format,
        columns,
        events_read,
        issues,
        issue_count,
        naive_timestamps: naive,
        offset_timestamps: offset,
    })
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
/// by their 64-bit Fx hash with a single map lookup; the rare hash collision between two
/// different texts goes to a second map keyed by the text itself.
#[derive(Default)]
struct LocalDict {
    by_hash: FxHashMap<u64, u32>,
    collided: FxHashMap<String, u32>,
    text: String,
    /// End of each name in `text` (a name starts where the previous one ends).
    ends: Vec<usize>,
}

impl LocalDict {
    #[inline]
    fn hash(s: &str) -> u64 {
        use std::hash::Hasher;
        let mut h = crate::fxhash::FxHasher::default();
        h.write(s.as_bytes());
        h.finish()
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    #[inline]
    fn name(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    fn add(&mut self, s: &str) -> u32 {
        let id = self.ends.len() as u32;
        self.text.push_str(s);
        self.ends.push(self.text.len());
        id
    }

    #[inline]
    fn id(&mut self, s: &str) -> u32 {
        use std::collections::hash_map::Entry;
        match self.by_hash.entry(Self::hash(s)) {
            Entry::Vacant(e) => {
                let id = self.ends.len() as u32;
                e.insert(id);
                self.text.push_str(s);
                self.ends.push(self.text.len());
                id
            }
            Entry::Occupied(e) => {
                let id = *e.get();
                if self.name(id) == s {
                    return id;
                }
                if let Some(&id) = self.collided.get(s) {
                    return id;
                }
                let id = self.add(s);
                self.collided.insert(s.to_string(), id);
                id
            }
        }
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
    n_slots: usize,
    missing: Vec<String>,
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
            n_slots,
            missing: opts.missing.clone(),
        }
    }

    fn begin(&mut self, key: u64) {
        self.segs.push(Segment {
            key,
            cols: vec![Vec::new(); self.n_slots],
            ts_us: Vec::new(),
            line: Vec::new(),
        });
    }

    fn issue(&mut self, line: u64, field: &str, reason: String) {
        self.issue_count += 1;
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(LogIssue {
                line,
                field: field.to_string(),
                reason,
            });
        }
    }

    /// Microseconds since 1970 UTC of a timestamp text.
    fn timestamp(&mut self, text: &str) -> std::result::Result<i64, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("is empty".into());
        }
        let (stamp, micros) = match &self.ts_format {
            TsFormat::Auto => parse_iso_fraction(t)?,
            other => match parse_stamp(Cell::Str(t), other)? {
                Some(s) => (s, 0),
                None => return Err("is empty".into()),
            },
        };
        match stamp {
            Stamp::Naive(_) => self.naive += 1,
            Stamp::Utc(_) => self.offset += 1,
        }
        let secs = self.resolver.resolve(stamp)?;
        Ok(secs * 1_000_000 + i64::from(micros))
    }

    /// Add one event; `vals[slot]` is the text of each interned column (None: missing).
    fn push(&mut self, vals: &[Option<&str>], ts: &str, ts_field: &str, line: u64) {
        let absent = |v: &Option<&str>| {
            v.is_none_or(|v| v.trim().is_empty() || self.missing.iter().any(|m| m == v))
        };
        for (slot, name) in [(CASE, "case"), (ACT, "activity")] {
            if absent(&vals[slot]) {
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
        if self.segs.is_empty() {
            self.begin(0);
        }
        let Some(seg) = self.segs.last_mut() else {
            return;
        };
        for (slot, v) in vals.iter().enumerate() {
            let id = match v {
                Some(v) if !v.is_empty() && !self.missing.iter().any(|m| m == v) => {
                    self.dicts[slot].id(v)
                }
                _ => NONE,
            };
            seg.cols[slot].push(id);
        }
        seg.ts_us.push(ts_us);
        seg.line.push(line);
    }
}

/// Put the shards' segments in file order and give every name one global id, numbered in
/// order of first appearance in the file (so the result does not depend on thread timing).
fn merge(shards: Vec<Shard>, columns: &Columns) -> RawLog {
    let mut names: Vec<Option<&str>> = vec![
        Some(columns.case.as_str()),
        Some(columns.activity.as_str()),
        columns.resource.as_deref(),
        columns.team.as_deref(),
    ];
    names.extend(columns.attributes.iter().map(|a| Some(a.as_str())));
    let mut cols: Vec<Column> = names
        .iter()
        .map(|n| Column::new(n.unwrap_or_default()))
        .collect();
    let mut globals: Vec<LocalDict> = names.iter().map(|_| LocalDict::default()).collect();
    let mut remap: Vec<Vec<Vec<u32>>> = shards
        .iter()
        .map(|s| s.dicts.iter().map(|d| vec![NONE; d.len()]).collect())
        .collect();
    let mut order: Vec<(u64, usize, usize)> = shards
        .iter()
        .enumerate()
        .flat_map(|(w, s)| s.segs.iter().enumerate().map(move |(k, g)| (g.key, w, k)))
        .collect();
    order.sort_unstable();
    let total: usize = shards
        .iter()
        .flat_map(|s| &s.segs)
        .map(|g| g.ts_us.len())
        .sum();
    let mut ts_us = Vec::with_capacity(total);
    let mut source_line = Vec::with_capacity(total);
    for c in &mut cols {
        c.ids.reserve(total);
    }
    for &(_, w, k) in &order {
        let seg = &shards[w].segs[k];
        for (slot, col) in cols.iter_mut().enumerate() {
            let map = &mut remap[w][slot];
            let dict = &shards[w].dicts[slot];
            let global = &mut globals[slot];
            col.ids.extend(seg.cols[slot].iter().map(|&local| {
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
        ts_us.extend_from_slice(&seg.ts_us);
        source_line.extend_from_slice(&seg.line);
    }
    for (col, global) in cols.iter_mut().zip(&globals) {
        col.dict = (0..global.len() as u32)
            .map(|i| global.name(i).to_string())
            .collect();
    }
    let mut it = cols.into_iter();
    let (case, activity) = (it.next().unwrap_or_default(), it.next().unwrap_or_default());
    let (resource, team) = (it.next(), it.next());
    RawLog {
        case,
        activity,
        ts_us,
        resource: resource.filter(|_| columns.resource.is_some()),
        team: team.filter(|_| columns.team.is_some()),
        attributes: it.collect(),
        source_line,
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Header positions of the columns read.
struct CsvBinding {
    /// Column index per slot (None: not read).
    idx: Vec<Option<usize>>,
    ts: usize,
    ts_name: String,
}

struct CsvShard {
    bind: Arc<CsvBinding>,
    shard: Shard,
}

impl RowSink for CsvShard {
    fn chunk(&mut self, first_line: u64) {
        self.shard.begin(first_line);
    }

    fn row<R: Row>(&mut self, row: &R, line: u64) {
        let mut vals: [Option<&str>; 16] = [None; 16];
        let mut extra: Vec<Option<&str>> = Vec::new();
        let n = self.bind.idx.len();
        let text = |i: usize| -> std::result::Result<&str, String> {
            match row.cell(i)? {
                Cell::Str(s) => Ok(s),
                _ => Ok(""),
            }
        };
        let ts = match text(self.bind.ts) {
            Ok(t) => t,
            Err(why) => return self.shard.issue(line, &self.bind.ts_name, why),
        };
        for (slot, ix) in self.bind.idx.iter().enumerate() {
            let v = match ix {
                None => None,
                Some(i) => match text(*i) {
                    Ok(s) => Some(s.trim()),
                    Err(why) => return self.shard.issue(line, "(row)", why),
                },
            };
            if n <= vals.len() {
                vals[slot] = v;
            } else {
                extra.push(v);
            }
        }
        let vals = if n <= vals.len() {
            &vals[..n]
        } else {
            &extra[..]
        };
        self.shard.push(vals, ts, &self.bind.ts_name, line);
    }

    fn bad_row(&mut self, line: u64, issue: FieldIssue, _raw: String) {
        self.shard.issue(line, &issue.field, issue.reason);
    }
}

fn find_col(header: &[String], name: &str, what: &str, path: &Path) -> Result<usize> {
    header.iter().position(|h| h == name).ok_or_else(|| {
        input_err(
            path,
            format!(
                "line 1: no {what} column {name:?} (the header has: {}); name it with --{what}",
                header.join(", ")
            ),
        )
    })
}

fn read_csv_log(
    path: &Path,
    opts: &LogOptions,
    progress: Progress,
) -> Result<(Vec<Shard>, Columns, u64)> {
    let case = opts.case.clone().unwrap_or_else(|| "case_id".into());
    let activity = opts.activity.clone().unwrap_or_else(|| "activity".into());
    let timestamp = opts.timestamp.clone().unwrap_or_else(|| "timestamp".into());
    let mut columns = None;
    let bind = |header: &[String]| -> Result<CsvBinding> {
        let mut idx = vec![
            Some(find_col(header, &case, "case", path)?),
            Some(find_col(header, &activity, "activity", path)?),
        ];
        let ts = find_col(header, &timestamp, "timestamp", path)?;
        let resource = match &opts.resource {
            Some(r) => Some((r.clone(), find_col(header, r, "resource", path)?)),
            None => header
                .iter()
                .position(|h| h == "resource")
                .map(|i| ("resource".to_string(), i)),
        };
        let team = match &opts.team {
            Some(t) => Some((t.clone(), find_col(header, t, "team", path)?)),
            None => None,
        };
        idx.push(resource.as_ref().map(|r| r.1));
        idx.push(team.as_ref().map(|t| t.1));
        let used: Vec<usize> = idx.iter().flatten().copied().chain([ts]).collect();
        let attributes: Vec<String> = match &opts.keep {
            Keep::None => Vec::new(),
            Keep::All => header
                .iter()
                .enumerate()
                .filter(|(i, _)| !used.contains(i))
                .map(|(_, h)| h.clone())
                .collect(),
            Keep::Named(names) => names.clone(),
        };
        for a in &attributes {
            idx.push(Some(find_col(header, a, "keep", path)?));
        }
        columns = Some(Columns {
            case: case.clone(),
            activity: activity.clone(),
            timestamp: timestamp.clone(),
            resource: resource.map(|r| r.0),
            team: team.map(|t| t.0),
            attributes,
        });
        Ok(CsvBinding {
            idx,
            ts,
            ts_name: timestamp.clone(),
        })
    };
    let make = |b: Arc<CsvBinding>| CsvShard {
        shard: Shard::new(b.idx.len(), opts),
        bind: b,
    };
    let sinks = read_csv_rows(path, opts.delimiter, bind, make, progress)?;
    let shards: Vec<Shard> = sinks.into_iter().map(|s| s.shard).collect();
    let columns = columns.ok_or_else(|| EngineError::Internal("header not bound".into()))?;
    let read: u64 = shards
        .iter()
        .map(|s| s.issue_count + s.segs.iter().map(|g| g.ts_us.len() as u64).sum::<u64>())
        .sum();
    Ok((shards, columns, read))
}

// ---------------------------------------------------------------------------------------------
// XES

/// Keys of the attributes read from XES: per slot, the key and whether it is a trace attribute.
struct XesKeys {
    slots: Vec<(String, bool)>,
    ts: String,
}

/// Where the parser is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Log,
    Trace,
    Event,
    /// Anything else (globals, classifiers, extensions, nested attributes): skipped.
    Other,
}

/// An event being read: the value of each slot, the timestamp text, and its line.
type XesEvent = (Vec<Option<String>>, Option<String>, u64);

/// A trace being read: its attributes and its events.
#[derive(Default)]
struct TraceBuf {
    attrs: Vec<(String, String)>,
    events: Vec<XesEvent>,
    line: u64,
}

struct XesChunk {
    index: u64,
    first_line: u64,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct XesOutcome {
    /// Fatal problems (malformed XML), as (line, message).
    fatal: Option<(u64, String)>,
    saw_log_start: bool,
    saw_log_end: bool,
    events_seen: u64,
}

/// Counts newlines up to a byte position that only moves forward.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl Lines<'_> {
    fn at(&mut self, pos: usize) -> u64 {
        let pos = pos.min(self.bytes.len());
        if pos > self.at {
            self.line += memchr::memchr_iter(b'\n', &self.bytes[self.at..pos]).count() as u64;
            self.at = pos;
        }
        self.line
    }
}

/// The `key` and `value` attributes of an XES attribute element, in one pass; borrowed from the
/// chunk unless they hold escapes.
type KeyValue<'a> = (
    Option<std::borrow::Cow<'a, str>>,
    Option<std::borrow::Cow<'a, str>>,
);

fn xml_key_value<'a>(
    e: &'a quick_xml::events::BytesStart<'_>,
    dec: quick_xml::encoding::Decoder,
) -> std::result::Result<KeyValue<'a>, String> {
    let (mut key, mut value) = (None, None);
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| err.to_string())?;
        let slot = match a.key.as_ref() {
            b"key" if key.is_none() => &mut key,
            b"value" if value.is_none() => &mut value,
            _ => continue,
        };
        *slot = Some(
            a.decode_and_unescape_value(dec)
                .map_err(|err| err.to_string())?,
        );
        if key.is_some() && value.is_some() {
            break;
        }
    }
    Ok((key, value))
}

const ATTR_TAGS: [&[u8]; 6] = [b"string", b"date", b"int", b"float", b"boolean", b"id"];

/// Parse one chunk of whole traces (the first chunk also holds the prolog).
fn parse_xes_chunk(chunk: &XesChunk, keys: &XesKeys, shard: &mut Shard, out: &mut XesOutcome) {
    use quick_xml::events::Event;
    shard.begin(chunk.index);
    let mut reader = quick_xml::Reader::from_reader(chunk.bytes.as_slice());
    reader.config_mut().check_end_names = false;
    let mut lines = Lines {
        bytes: &chunk.bytes,
        at: 0,
        line: chunk.first_line,
    };
    let mut stack: Vec<(Level, Vec<u8>, u64)> = Vec::new();
    let mut trace = TraceBuf::default();
    let mut event: Option<XesEvent> = None;
    loop {
        let before = reader.buffer_position() as usize;
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let line = lines.at(reader.error_position() as usize);
                out.fatal = Some((line, format!("malformed XML: {e}")));
                return;
            }
        };
        let (start, empty) = match &ev {
            Event::Start(s) => (Some(s), false),
            Event::Empty(s) => (Some(s), true),
            _ => (None, false),
        };
        if let Some(s) = start {
            let tag_pos = before
                + chunk.bytes[before..]
                    .iter()
                    .position(|&b| b == b'<')
                    .unwrap_or(0);
            let line = lines.at(tag_pos);
            let local = s.local_name();
            let name: &[u8] = local.as_ref();
            let parent = stack.last().map(|x| x.0);
            let level = match (parent, name) {
                (None, b"log") => {
                    // chunks after the first begin with a synthetic <log> (see `read_xes_log`)
                    out.saw_log_start |= chunk.index == 0;
                    Level::Log
                }
                (None, _) => {
                    let shown = String::from_utf8_lossy(name).into_owned();
                    out.fatal = Some((
                        line,
                        format!("not an XES log: the root element is <{shown}>, expected <log>"),
                    ));
                    return;
                }
                (Some(Level::Log), b"trace") => {
                    trace = TraceBuf {
                        line,
                        ..TraceBuf::default()
                    };
                    Level::Trace
                }
                (Some(Level::Trace), b"event") => {
                    out.events_seen += 1;
                    event = Some((vec![None; keys.slots.len()], None, line));
                    Level::Event
                }
                (Some(p @ (Level::Trace | Level::Event)), tag) if ATTR_TAGS.contains(&tag) => {
                    let (key, value) = match xml_key_value(s, reader.decoder()) {
                        Ok((Some(k), Some(v))) => (k, v),
                        Err(e) => {
                            out.fatal = Some((line, format!("malformed XML attribute: {e}")));
                            return;
                        }
                        _ => {
                            let shown = String::from_utf8_lossy(tag).into_owned();
                            out.fatal = Some((
                                line,
                                format!("<{shown}> needs both a key and a value attribute"),
                            ));
                            return;
                        }
                    };
                    if p == Level::Trace {
                        trace.attrs.push((key.into_owned(), value.into_owned()));
                    } else if let Some(ev) = event.as_mut() {
                        if *key == *keys.ts {
                            ev.1 = Some(value.into_owned());
                        } else if let Some(slot) = keys
                            .slots
                            .iter()
                            .position(|(k, is_trace)| !is_trace && **k == *key)
                        {
                            ev.0[slot] = Some(value.into_owned());
                        }
                    }
                    Level::Other
                }
                _ => Level::Other,
            };
            if empty {
                // an empty <trace/> or <event/> closes at once
                close(level, keys, shard, &mut trace, &mut event);
            } else {
                stack.push((level, name.to_vec(), line));
            }
            continue;
        }
        match ev {
            Event::End(e) => {
                let pos = lines.at(reader.buffer_position() as usize);
                let Some((level, name, _)) = stack.pop() else {
                    let shown = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    out.fatal = Some((
                        pos,
                        format!("malformed XML: </{shown}> closes no open element"),
                    ));
                    return;
                };
                if e.local_name().as_ref() != name.as_slice() {
                    let shown = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    let want = String::from_utf8_lossy(&name).into_owned();
                    out.fatal = Some((
                        pos,
                        format!("malformed XML: expected </{want}>, found </{shown}>"),
                    ));
                    return;
                }
                if level == Level::Log {
                    out.saw_log_end = true;
                }
                close(level, keys, shard, &mut trace, &mut event);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some((_, name, line)) = stack.iter().rev().find(|x| x.0 != Level::Log).cloned() {
        let shown = String::from_utf8_lossy(&name).into_owned();
        out.fatal = Some((
            line,
            format!("the file ends inside <{shown}> opened on this line (truncated?)"),
        ));
    }
}

/// An element ends: an event joins its trace; a trace delivers its events.
fn close(
    level: Level,
    keys: &XesKeys,
    shard: &mut Shard,
    trace: &mut TraceBuf,
    event: &mut Option<XesEvent>,
) {
    match level {
        Level::Event => {
            if let Some(ev) = event.take() {
                trace.events.push(ev);
            }
        }
        Level::Trace => {
            let t = std::mem::take(trace);
            let trace_val = |key: &str| {
                t.attrs
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.as_str())
            };
            let trace_vals: Vec<Option<&str>> = keys
                .slots
                .iter()
                .map(|(k, is_trace)| if *is_trace { trace_val(k) } else { None })
                .collect();
            if trace_vals[CASE].is_none() && !t.events.is_empty() {
                shard.issue(
                    t.line,
                    &keys.slots[CASE].0,
                    format!(
                        "the trace has no {:?} attribute; its {} events are left out",
                        keys.slots[CASE].0,
                        t.events.len()
                    ),
                );
                return;
            }
            for (vals, ts, line) in &t.events {
                let merged: Vec<Option<&str>> = vals
                    .iter()
                    .zip(&trace_vals)
                    .map(|(e, tr)| e.as_deref().or(*tr))
                    .collect();
                match ts {
                    Some(ts) => shard.push(&merged, ts, &keys.ts, *line),
                    None => shard.issue(*line, &keys.ts, "the event has no timestamp".into()),
                }
            }
        }
        _ => {}
    }
}

const SYNTHETIC_LOG: &[u8] = b"<log>";

/// Index just past the last `</trace>` in `buf`.
fn xes_cut(buf: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(buf, b"</trace>").map(|i| i + b"</trace>".len())
}

fn read_xes_log(
    path: &Path,
    opts: &LogOptions,
    progress: Progress,
) -> Result<(Vec<Shard>, Columns, u64)> {
    let case = opts.case.clone().unwrap_or_else(|| "concept:name".into());
    let activity = opts
        .activity
        .clone()
        .unwrap_or_else(|| "concept:name".into());
    let timestamp = opts
        .timestamp
        .clone()
        .unwrap_or_else(|| "time:timestamp".into());
    let resource = opts
        .resource
        .clone()
        .unwrap_or_else(|| "org:resource".into());
    let slot = |k: &str| match k.strip_prefix("case:") {
        Some(rest) => (rest.to_string(), true),
        None => (k.to_string(), false),
    };
    // the case key is a trace attribute even without the prefix
    let mut slots = vec![
        (
            case.strip_prefix("case:").unwrap_or(&case).to_string(),
            true,
        ),
        slot(&activity),
        slot(&resource),
    ];
    slots.push(opts.team.as_deref().map_or((String::new(), false), slot));
    let attributes: Vec<String> =
        match &opts.keep {
            Keep::Named(n) => n.clone(),
            // XES has no header: keeping every attribute would need a first pass; refuse clearly
            Keep::All => return Err(EngineError::Invalid(
                "keeping all attributes is supported for CSV only; name the XES attributes to keep"
                    .into(),
            )),
            Keep::None => Vec::new(),
        };
    slots.extend(attributes.iter().map(|a| slot(a)));
    let keys = XesKeys {
        slots,
        ts: timestamp.clone(),
    };
    let columns = Columns {
        case,
        activity,
        timestamp,
        resource: Some(resource),
        team: opts.team.clone(),
        attributes,
    };
    let mut r = open_decoded(path, progress)?;
    let n_workers = workers();
    let (tx, rx) = mpsc::sync_channel::<XesChunk>(n_workers * 2);
    let rx = Arc::new(Mutex::new(rx));
    let n_slots = keys.slots.len();
    let (shards, outcomes, read_err) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n_workers)
            .map(|_| {
                let rx = Arc::clone(&rx);
                let keys = &keys;
                let mut shard = Shard::new(n_slots, opts);
                scope.spawn(move || {
                    let mut outs = Vec::new();
                    loop {
                        let next = match rx.lock() {
                            Ok(g) => g.recv(),
                            Err(_) => break,
                        };
                        let Ok(chunk) = next else { break };
                        let mut o = XesOutcome::default();
                        parse_xes_chunk(&chunk, keys, &mut shard, &mut o);
                        outs.push((chunk.index, o));
                    }
                    (shard, outs)
                })
            })
            .collect();
        drop(rx);
        let mut buf: Vec<u8> = Vec::with_capacity(8 << 20);
        let mut block = vec![0u8; 1 << 20];
        let (mut index, mut line, mut err) = (0u64, 1u64, None);
        loop {
            let k = match r.read(&mut block) {
                Ok(k) => k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    err = Some(input_err(
                        path,
                        format!("file is truncated or corrupt ({e})"),
                    ));
                    break;
                }
            };
            buf.extend_from_slice(&block[..k]);
            let cut = if k == 0 {
                Some(buf.len())
            } else if buf.len() >= 4 << 20 {
                xes_cut(&buf)
            } else {
                None
            };
            if let Some(cut) = cut.filter(|&c| c > 0) {
                // the next chunk opens with a synthetic <log> so that the XML reader sees its
                // </log> (or nothing) as balanced; it holds no newline, so lines stay exact
                let mut rest =
                    Vec::with_capacity(buf.len() - cut + SYNTHETIC_LOG.len() + (1 << 20));
                rest.extend_from_slice(SYNTHETIC_LOG);
                rest.extend_from_slice(&buf[cut..]);
                buf.truncate(cut);
                let bytes = std::mem::replace(&mut buf, rest);
                let n_lines = memchr::memchr_iter(b'\n', &bytes).count() as u64;
                if tx
                    .send(XesChunk {
                        index,
                        first_line: line,
                        bytes,
                    })
                    .is_err()
                {
                    break;
                }
                index += 1;
                line += n_lines;
            }
            if k == 0 {
                break;
            }
        }
        drop(tx);
        let mut shards = Vec::new();
        let mut outcomes = Vec::new();
        for h in handles {
            match h.join() {
                Ok((s, o)) => {
                    shards.push(s);
                    outcomes.extend(o);
                }
                Err(_) => err = Some(EngineError::Internal("a reader thread panicked".into())),
            }
        }
        (shards, outcomes, err)
    });
    if let Some(e) = read_err {
        return Err(e);
    }
    let mut outcomes = outcomes;
    outcomes.sort_by_key(|o| o.0);
    if let Some((line, msg)) = outcomes
        .iter()
        .filter_map(|o| o.1.fatal.clone())
        .min_by_key(|f| f.0)
    {
        return Err(input_err(path, format!("line {line}: {msg}")));
    }
    if !outcomes.iter().any(|o| o.1.saw_log_start) {
        return Err(input_err(path, "not an XES log: no <log> element"));
    }
    if !outcomes.iter().any(|o| o.1.saw_log_end) {
        return Err(input_err(path, "the file ends before </log> (truncated?)"));
    }
    let events = outcomes.iter().map(|o| o.1.events_seen).sum();
    Ok((shards, columns, events))
}

#[cfg(test)]
mod tests {
    use super::LocalDict;

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
        let mut d = LocalDict::default();
        assert_eq!(d.id("a"), 0);
        // pretend "b" hashes like "a": its slot holds a different text
        d.by_hash.insert(LocalDict::hash("b"), 0);
        assert_eq!(d.id("b"), 1);
        assert_eq!(d.id("b"), 1);
        assert_eq!(d.id("a"), 0);
        assert_eq!((d.name(0), d.name(1)), ("a", "b"));
    }
}
