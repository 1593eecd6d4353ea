//! Input profiles: how the columns of an export become canonical contact fields. `canonical`
//! (docs/formats.md), `anonymous-bank` (the real 1999 call-level format), and user mapping files.

use super::contact::{Field, Ids, RawContact, FIELDS, REQUIRED_FIELDS};
use crate::error::{EngineError, Result};
use crate::io::parse::{
    parse_flag, parse_iso, parse_score, parse_seconds, parse_stamp, Cell, Stamp, TsFormat,
};
use crate::io::{FieldIssue, Row};
use chrono_tz::Tz;
use opsdeck_core::Channel;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// What a profile makes of one row.
#[derive(Debug)]
pub enum Extract<'a> {
    Contact(RawContact<'a>),
    /// Not a contact of any queue (e.g. a phantom call); counted, not quarantined.
    Skip(&'static str),
}

/// A user mapping file (docs/formats.md, "Mapping files").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Field delimiter of CSV input; default `,`.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// canonical field → source column name.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// canonical field → fixed value, for exports that lack a column.
    #[serde(default)]
    pub constants: BTreeMap<String, String>,
    #[serde(default)]
    pub timestamps: TimestampSpec,
    /// canonical field → { source value → canonical value }.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimestampSpec {
    /// `auto` (default), `epoch`, or a strftime pattern such as `%d/%m/%Y %H:%M:%S`.
    #[serde(default)]
    pub format: Option<String>,
    /// IANA zone of wall-clock timestamps; default: the queue calendar's zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// How to read an export.
#[derive(Debug, Clone)]
pub enum Profile {
    Mapping {
        name: String,
        mapping: Mapping,
        format: TsFormat,
        zone: Option<Tz>,
    },
    AnonymousBank,
}

pub const PROFILES: [&str; 2] = ["canonical", "anonymous-bank"];

impl Profile {
    pub fn canonical() -> Self {
        Profile::Mapping {
            name: "canonical".into(),
            mapping: Mapping::default(),
            format: TsFormat::Auto,
            zone: None,
        }
    }

    pub fn by_name(name: &str) -> Result<Self> {
        match name {
            "canonical" => Ok(Profile::canonical()),
            "anonymous-bank" => Ok(Profile::AnonymousBank),
            other => Err(EngineError::NotFound(opsdeck_core::UnknownId {
                kind: "profile",
                id: other.to_string(),
                nearest: opsdeck_core::org::nearest_ids(other, PROFILES),
            })),
        }
    }

    /// Read a mapping file.
    pub fn from_mapping_toml(text: &str, path: &Path) -> Result<Self> {
        let merr = |message: String| EngineError::Mapping {
            path: path.to_path_buf(),
            message,
        };
        let mapping: Mapping = crate::io::from_toml(text).map_err(merr)?;
        for f in mapping
            .columns
            .keys()
            .chain(mapping.constants.keys())
            .chain(mapping.values.keys())
        {
            if !FIELDS.contains(&f.as_str()) {
                return Err(merr(format!(
                    "{} is not a contact field (fields: {})",
                    crate::io::quoted(f),
                    FIELDS.join(", ")
                )));
            }
        }
        if let Some(d) = &mapping.delimiter {
            if d.len() != 1 {
                return Err(merr(format!(
                    "delimiter {} must be a single byte character",
                    crate::io::quoted(d)
                )));
            }
        }
        let format = match mapping.timestamps.format.as_deref() {
            None | Some("auto") => TsFormat::Auto,
            Some("epoch") => TsFormat::Epoch,
            Some(p) => TsFormat::Pattern(p.to_string()),
        };
        let zone =
            match &mapping.timestamps.time_zone {
                Some(z) => Some(z.parse::<Tz>().map_err(|_| {
                    merr(format!("unknown IANA time zone {}", crate::io::quoted(z)))
                })?),
                None => None,
            };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Profile::Mapping {
            name,
            mapping,
            format,
            zone,
        })
    }

    pub fn name(&self) -> &str {
        match self {
            Profile::Mapping { name, .. } => name,
            Profile::AnonymousBank => "anonymous-bank",
        }
    }

    /// Zone the profile itself declares for wall-clock times, if any.
    pub fn zone(&self) -> Option<Tz> {
        match self {
            Profile::Mapping { zone, .. } => *zone,
            Profile::AnonymousBank => Some(chrono_tz::Asia::Jerusalem),
        }
    }

    /// CSV delimiter byte.
    pub fn delimiter(&self) -> u8 {
        match self {
            Profile::Mapping { mapping, .. } => mapping
                .delimiter
                .as_deref()
                .map_or(b',', |d| d.as_bytes()[0]),
            Profile::AnonymousBank => b',',
        }
    }

    /// Resolve column names against a file's header.
    pub fn bind(&self, header: &[String], path: &Path) -> Result<Bound> {
        let index: HashMap<&str, usize> = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim(), i))
            .collect();
        let missing = |names: Vec<String>| {
            crate::error::input_err(
                path,
                format!(
                    "missing column{} {} (header has: {})",
                    if names.len() > 1 { "s" } else { "" },
                    names.join(", "),
                    crate::io::excerpt(&header.join(", "), 300)
                ),
            )
        };
        match self {
            Profile::Mapping {
                mapping, format, ..
            } => {
                let mut cols = [None; FIELDS.len()];
                let mut absent = Vec::new();
                for (i, f) in FIELDS.iter().enumerate() {
                    let src = mapping.columns.get(*f).map(String::as_str).unwrap_or(f);
                    match index.get(src) {
                        Some(ix) => cols[i] = Some(*ix),
                        None if mapping.constants.contains_key(*f) => {}
                        None if i < REQUIRED_FIELDS => absent.push(src.to_string()),
                        None => {}
                    }
                }
                if !absent.is_empty() {
                    return Err(missing(absent));
                }
                let values = FIELDS
                    .iter()
                    .map(|f| {
                        mapping
                            .values
                            .get(*f)
                            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    })
                    .collect();
                let constants = FIELDS
                    .iter()
                    .map(|f| mapping.constants.get(*f).cloned())
                    .collect();
                Ok(Bound::Mapping(Box::new(MappingBound {
                    cols,
                    constants,
                    values,
                    format: format.clone(),
                    plain: mapping.values.is_empty() && mapping.constants.is_empty(),
                })))
            }
            Profile::AnonymousBank => {
                let mut cols = [0usize; AB_COLS.len()];
                let mut absent = Vec::new();
                for (i, c) in AB_COLS.iter().enumerate() {
                    match index.get(c) {
                        Some(ix) => cols[i] = *ix,
                        None => absent.push(c.to_string()),
                    }
                }
                if !absent.is_empty() {
                    return Err(missing(absent));
                }
                Ok(Bound::AnonymousBank { cols })
            }
        }
    }
}

const AB_COLS: [&str; 11] = [
    "vru_line",
    "call_id",
    "type",
    "date_iso",
    "vru_entry",
    "q_start",
    "q_time",
    "outcome",
    "ser_start",
    "ser_time",
    "server",
];

/// Positions of the Anonymous Bank columns in `AB_COLS`.
mod ab {
    pub const VRU_LINE: usize = 0;
    pub const CALL_ID: usize = 1;
    pub const TYPE: usize = 2;
    pub const DATE: usize = 3;
    pub const VRU_ENTRY: usize = 4;
    pub const Q_START: usize = 5;
    pub const Q_TIME: usize = 6;
    pub const OUTCOME: usize = 7;
    pub const SER_START: usize = 8;
    pub const SER_TIME: usize = 9;
    pub const SERVER: usize = 10;
}

/// The Anonymous Bank columns read only for identity fields.
const AB_IDENTITY_COLS: [usize; 3] = [ab::VRU_LINE, ab::CALL_ID, ab::SERVER];

/// A mapping bound to one file's columns.
#[derive(Debug, Clone)]
pub struct MappingBound {
    cols: [Option<usize>; FIELDS.len()],
    constants: Vec<Option<String>>,
    values: Vec<Option<HashMap<String, String>>>,
    format: TsFormat,
    /// No value maps and no constants: cells are used as read.
    plain: bool,
}

/// A profile bound to one file's columns.
#[derive(Debug, Clone)]
pub enum Bound {
    Mapping(Box<MappingBound>),
    AnonymousBank { cols: [usize; AB_COLS.len()] },
}

#[inline(always)]
fn cell_of<'r, R: Row + ?Sized>(
    row: &'r R,
    col: Option<usize>,
    field: &str,
) -> std::result::Result<Cell<'r>, FieldIssue> {
    match col {
        Some(i) if i < row.width() => row.cell(i).map_err(|r| FieldIssue::new(field, r)),
        Some(_) => Err(FieldIssue::new(
            field,
            format!("row ends before this column ({} fields)", row.width()),
        )),
        None => Ok(Cell::Null),
    }
}

impl Bound {
    /// `extract` for clean rows of a plain mapping in the automatic timestamp format, without
    /// building error values. `None` means "use `extract`": the row is not plain, or some cell
    /// needs the full parser (which then also words the error). Where it returns a contact,
    /// it is the contact `extract` returns (`tests::fast_path_agrees`).
    #[inline]
    pub fn extract_fast<'r, R: Row + ?Sized>(
        &'r self,
        row: &'r R,
        ids: bool,
    ) -> Option<RawContact<'r>> {
        use crate::io::parse::fast;
        let Bound::Mapping(m) = self else {
            return None;
        };
        if !m.plain || m.format != TsFormat::Auto {
            return None;
        }
        let cell = |f: Field| -> Option<Cell<'r>> {
            match m.cols[f as usize] {
                Some(c) if c < row.width() => row.cell(c).ok(),
                Some(_) => None,
                None => Some(Cell::Null),
            }
        };
        let ids = if ids {
            let contact_id = match cell(Field::ContactId)? {
                Cell::Int(i) => Cow::Owned(i.to_string()),
                c => Cow::Borrowed(fast::text(c)??),
            };
            let channel = match fast::text(cell(Field::Channel)?)? {
                Some(t) => Some(t.parse::<Channel>().ok()?),
                None => None,
            };
            Some(Ids {
                contact_id,
                channel,
                agent_id: fast::text(cell(Field::AgentId)?)?.map(Cow::Borrowed),
                site: fast::text(cell(Field::Site)?)?.map(Cow::Borrowed),
            })
        } else {
            None
        };
        Some(RawContact {
            ids,
            queue: Cow::Borrowed(fast::text(cell(Field::Queue)?)??),
            arrived_at: fast::stamp(cell(Field::ArrivedAt)?)??,
            answered_at: fast::stamp(cell(Field::AnsweredAt)?)?,
            ended_at: fast::stamp(cell(Field::EndedAt)?)?,
            talk_s: fast::seconds(cell(Field::TalkS)?)?,
            hold_s: fast::seconds(cell(Field::HoldS)?)?,
            acw_s: fast::seconds(cell(Field::AcwS)?)?,
            csat: fast::score(cell(Field::Csat)?, 1, 5)?,
            nps: fast::score(cell(Field::Nps)?, 0, 10)?,
            resolved_first_contact: fast::flag(cell(Field::ResolvedFirstContact)?)?,
            transferred: fast::flag(cell(Field::Transferred)?)?,
        })
    }

    /// The column of each field (`FIELDS` order) when the binding is a plain mapping, whose
    /// cells are used as read: no value maps, no constants. Typed cells of such a mapping mean
    /// the same whatever its timestamp format (`parse_stamp`), which lets `columnar` read them.
    pub fn plain_columns(&self) -> Option<&[Option<usize>; FIELDS.len()]> {
        match self {
            Bound::Mapping(m) if m.plain => Some(&m.cols),
            _ => None,
        }
    }

    /// Indices of the columns this binding reads, ascending and without repeats; without
    /// `ids`, the identity columns are left out (see `extract`).
    pub fn used_columns(&self, ids: bool) -> Vec<usize> {
        let mut v: Vec<usize> = match self {
            Bound::Mapping(m) => m
                .cols
                .iter()
                .enumerate()
                .filter(|(f, _)| ids || !Field::IDENTITY.iter().any(|x| *x as usize == *f))
                .filter_map(|(_, c)| *c)
                .collect(),
            Bound::AnonymousBank { cols } => cols
                .iter()
                .enumerate()
                .filter(|(k, _)| ids || !AB_IDENTITY_COLS.contains(k))
                .map(|(_, c)| *c)
                .collect(),
        };
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Columns that hold few distinct values (queue, channel, site): Parquet readers decode
    /// them as dictionaries instead of copying the same text into every row.
    pub fn low_cardinality_columns(&self) -> Vec<usize> {
        match self {
            Bound::Mapping(m) => [1, 2, 11].iter().filter_map(|f| m.cols[*f]).collect(),
            Bound::AnonymousBank { cols } => vec![cols[ab::TYPE]],
        }
    }

    /// Turn one row into a raw contact (or a skip), naming the field at fault otherwise. With
    /// `ids` false the identity fields (contact id, channel, agent, site) are neither read nor
    /// checked.
    pub fn extract<'r, R: Row + ?Sized>(
        &'r self,
        row: &'r R,
        ids: bool,
    ) -> std::result::Result<Extract<'r>, FieldIssue> {
        match self {
            Bound::Mapping(m) => {
                let MappingBound {
                    cols,
                    constants,
                    values,
                    format,
                    plain,
                } = m.as_ref();
                let plain = *plain;
                // value for field i: column cell, mapped through the value map, or the constant
                let get = |f: Field| -> std::result::Result<Cell<'r>, FieldIssue> {
                    let i = f as usize;
                    let c = cell_of(row, cols[i], f.name())?;
                    if plain {
                        return Ok(c);
                    }
                    if let (Some(map), Cell::Str(s)) = (&values[i], c) {
                        if let Some(v) = map.get(s.trim()) {
                            return Ok(Cell::Str(v.as_str()));
                        }
                    }
                    if c.is_null() {
                        if let Some(k) = &constants[i] {
                            return Ok(Cell::Str(k.as_str()));
                        }
                    }
                    Ok(c)
                };
                let text = |f: Field| -> std::result::Result<Option<Cow<'r, str>>, FieldIssue> {
                    Ok(match get(f)? {
                        c if c.is_null() => None,
                        Cell::Str(s) => Some(Cow::Borrowed(s.trim())),
                        other => Some(Cow::Owned(other.display())),
                    })
                };
                let wrap = |f: Field, r: String| FieldIssue::new(f.name(), r);
                let ts = |f: Field| parse_stamp(get(f)?, format).map_err(|r| wrap(f, r));
                let ids = if ids {
                    let contact_id = text(Field::ContactId)?
                        .ok_or_else(|| FieldIssue::new("contact_id", "is empty"))?;
                    let channel = match text(Field::Channel)? {
                        Some(c) => Some(c.parse::<Channel>().map_err(|r| wrap(Field::Channel, r))?),
                        None => None,
                    };
                    Some(Ids {
                        contact_id,
                        channel,
                        agent_id: text(Field::AgentId)?,
                        site: text(Field::Site)?,
                    })
                } else {
                    None
                };
                let queue =
                    text(Field::Queue)?.ok_or_else(|| FieldIssue::new("queue", "is empty"))?;
                let arrived_at = ts(Field::ArrivedAt)?
                    .ok_or_else(|| FieldIssue::new("arrived_at", "is empty"))?;
                Ok(Extract::Contact(RawContact {
                    ids,
                    queue,
                    arrived_at,
                    answered_at: ts(Field::AnsweredAt)?,
                    ended_at: ts(Field::EndedAt)?,
                    talk_s: parse_seconds(get(Field::TalkS)?).map_err(|r| wrap(Field::TalkS, r))?,
                    hold_s: parse_seconds(get(Field::HoldS)?).map_err(|r| wrap(Field::HoldS, r))?,
                    acw_s: parse_seconds(get(Field::AcwS)?).map_err(|r| wrap(Field::AcwS, r))?,
                    csat: parse_score(get(Field::Csat)?, 1, 5).map_err(|r| wrap(Field::Csat, r))?,
                    nps: parse_score(get(Field::Nps)?, 0, 10).map_err(|r| wrap(Field::Nps, r))?,
                    resolved_first_contact: parse_flag(get(Field::ResolvedFirstContact)?)
                        .map_err(|r| wrap(Field::ResolvedFirstContact, r))?,
                    transferred: parse_flag(get(Field::Transferred)?)
                        .map_err(|r| wrap(Field::Transferred, r))?,
                }))
            }
            Bound::AnonymousBank { cols } => extract_anonymous_bank(row, cols, ids),
        }
    }
}

/// `H:MM:SS` → seconds after midnight.
fn clock_s(s: &str, field: &str) -> std::result::Result<i64, FieldIssue> {
    let bad = || {
        FieldIssue::new(
            field,
            format!("{} is not a clock time H:MM:SS", crate::io::quoted(s)),
        )
    };
    let mut it = s.trim().split(':');
    let (Some(h), Some(m), Some(sec), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(bad());
    };
    let (h, m, sec) = (h.parse::<i64>(), m.parse::<i64>(), sec.parse::<i64>());
    match (h, m, sec) {
        (Ok(h), Ok(m), Ok(s2))
            if (0..24).contains(&h) && (0..60).contains(&m) && (0..60).contains(&s2) =>
        {
            Ok(h * 3600 + m * 60 + s2)
        }
        _ => Err(bad()),
    }
}

/// The Anonymous Bank (1999) call-level format; see docs/formats.md for the rules.
fn extract_anonymous_bank<'r, R: Row + ?Sized>(
    row: &'r R,
    cols: &[usize; AB_COLS.len()],
    ids: bool,
) -> std::result::Result<Extract<'r>, FieldIssue> {
    let s = |k: usize| -> std::result::Result<&'r str, FieldIssue> {
        match cell_of(row, Some(cols[k]), AB_COLS[k])? {
            Cell::Str(v) => Ok(v.trim()),
            Cell::Null => Ok(""),
            _ => Err(FieldIssue::new(AB_COLS[k], "expected text")),
        }
    };
    let outcome = s(ab::OUTCOME)?;
    let queued = s(ab::Q_START)? != "0:00:00";
    match outcome {
        "PHANTOM" => return Ok(Extract::Skip("phantom call")),
        "HANG" if !queued => return Ok(Extract::Skip("hung up in the VRU before queueing")),
        "AGENT" | "HANG" => {}
        other => {
            return Err(FieldIssue::new(
                "outcome",
                format!("{} is not AGENT, HANG or PHANTOM", crate::io::quoted(other)),
            ))
        }
    }
    let date = s(ab::DATE)?;
    let day_s = match parse_iso(&format!("{date} 00:00:00")) {
        Ok(Stamp::Naive(n)) => n,
        _ => {
            return Err(FieldIssue::new(
                "date_iso",
                format!("{} is not a date YYYY-MM-DD", crate::io::quoted(date)),
            ))
        }
    };
    let entry = clock_s(s(ab::VRU_ENTRY)?, "vru_entry")?;
    // clock times that are earlier than the VRU entry belong to the next day
    let after_entry = |t: i64| if t < entry { t + 86_400 } else { t };
    let secs = |k: usize| -> std::result::Result<i64, FieldIssue> {
        let v = s(k)?;
        let n: i64 = v.parse().map_err(|_| {
            FieldIssue::new(
                AB_COLS[k],
                format!("{} is not a number of seconds", crate::io::quoted(v)),
            )
        })?;
        // a negative span crossed midnight
        let n = if n < 0 { n + 86_400 } else { n };
        if !(0..=crate::io::parse::MAX_DURATION_S).contains(&n) {
            return Err(FieldIssue::new(
                AB_COLS[k],
                format!("{v} s is not a plausible duration"),
            ));
        }
        Ok(n)
    };
    let wait = secs(ab::Q_TIME)?;
    let answered = outcome == "AGENT";
    let arrived_tod = if queued {
        clock_s(s(ab::Q_START)?, "q_start")?
    } else {
        clock_s(s(ab::SER_START)?, "ser_start")?
    };
    let arrived = day_s + after_entry(arrived_tod);
    let talk = if answered { secs(ab::SER_TIME)? } else { 0 };
    let (answered_at, ended_at) = if answered {
        (Some(arrived + wait), arrived + wait + talk)
    } else {
        (None, arrived + wait)
    };
    let ids = if ids {
        let server = s(ab::SERVER)?;
        Some(Ids {
            contact_id: Cow::Owned(format!("{}-{}", s(ab::VRU_LINE)?, s(ab::CALL_ID)?)),
            channel: Some(Channel::Voice),
            agent_id: (answered && server != "NO_SERVER").then_some(Cow::Borrowed(server)),
            site: None,
        })
    } else {
        None
    };
    Ok(Extract::Contact(RawContact {
        ids,
        queue: Cow::Borrowed(s(ab::TYPE)?),
        arrived_at: Stamp::Naive(arrived),
        answered_at: answered_at.map(Stamp::Naive),
        ended_at: Some(Stamp::Naive(ended_at)),
        talk_s: Some(talk),
        hold_s: None,
        acw_s: None,
        csat: None,
        nps: None,
        resolved_first_contact: None,
        transferred: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    struct VecRow(Vec<String>);

    impl Row for VecRow {
        fn cell(&self, i: usize) -> std::result::Result<Cell<'_>, String> {
            Ok(Cell::Str(self.0.get(i).map_or("", String::as_str)))
        }
        fn width(&self) -> usize {
            self.0.len()
        }
        fn raw(&self) -> String {
            self.0.join(",")
        }
    }

    /// Cells that probe every branch of the parsers: clean values, blanks, padding, signs,
    /// decimals, out-of-range values, non-ASCII whitespace and junk.
    fn cell_for(field: usize) -> BoxedStrategy<String> {
        let common = ["", " ", "\u{a0}", "x", "-1", "+5", "7.0", "1e3"];
        let specific: &[&str] = match field {
            3..=5 => &[
                "2025-03-09 02:30:00",
                "2025-01-06 10:00:00",
                " 2025-01-06T10:00:05Z ",
                "2025-01-06T10:00:07+01:00",
                "2025-02-30 00:00:00",
                "2025-01-06 10:00:00\u{a0}",
            ],
            6..=8 => &["0", "12", " 30 ", "2678400", "2678401", "12.6", "007"],
            10 | 12 => &["0", "1", "5", "6", "9", "10", "11", " 4 "],
            13 | 14 => &["true", "FALSE", "Yes", "n", "1", "0", "2", " t "],
            2 => &["voice", " Chat ", "EMAIL", "fax"],
            _ => &["q1", " q2 ", "A0001", "42"],
        };
        let clean =
            proptest::sample::select(specific.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let any = proptest::sample::select(
            common
                .iter()
                .chain(specific)
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        );
        // mostly clean values, so that many rows take the fast path
        prop_oneof![9 => clean, 1 => any].boxed()
    }

    #[test]
    fn clean_rows_take_the_fast_path() {
        let header: Vec<String> = FIELDS.iter().map(|f| f.to_string()).collect();
        let bound = Profile::canonical()
            .bind(&header, Path::new("t.csv"))
            .unwrap();
        let row = VecRow(
            "c1,q1,voice,2025-01-06 10:00:00,2025-01-06 10:00:12,2025-01-06 10:05:00,288,0,30,A1,5,,9,true,0"
                .split(',')
                .map(String::from)
                .collect(),
        );
        let fast = bound
            .extract_fast(&row, true)
            .expect("a clean row takes the fast path");
        assert_eq!(fast.csat, Some(5));
        assert_eq!(fast.ids.as_ref().map(|i| i.contact_id.as_ref()), Some("c1"));
        assert!(bound
            .extract_fast(&row, false)
            .is_some_and(|c| c.ids.is_none()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn fast_path_agrees(cells in (0..FIELDS.len()).map(cell_for).collect::<Vec<_>>(), ids in any::<bool>()) {
            let header: Vec<String> = FIELDS.iter().map(|f| f.to_string()).collect();
            let bound = Profile::canonical().bind(&header, Path::new("t.csv")).unwrap();
            let row = VecRow(cells);
            if let Some(fast) = bound.extract_fast(&row, ids) {
                match bound.extract(&row, ids) {
                    Ok(Extract::Contact(full)) => prop_assert_eq!(fast, full),
                    other => prop_assert!(false, "fast path accepted a row the full one gives {:?}", other),
                }
            }
        }
    }
}
