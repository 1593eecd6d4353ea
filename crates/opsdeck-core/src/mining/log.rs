//! The in-memory columnar event log: interned columns, microsecond timestamps, and events
//! grouped by case in a stable (case, timestamp, original order) sort.

use serde::Serialize;
use std::collections::HashMap;

/// Marks a missing value in an interned column.
pub const NONE: u32 = u32::MAX;

/// One text attribute of every event, dictionary-encoded: `ids[i]` indexes `dict`, or is
/// [`NONE`] when event `i` has no value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Column {
    /// Name of the attribute in the source (CSV header or XES key).
    pub name: String,
    pub dict: Vec<String>,
    pub ids: Vec<u32>,
}

impl Column {
    pub fn new(name: impl Into<String>) -> Column {
        Column {
            name: name.into(),
            ..Column::default()
        }
    }

    /// The value of event `i`, if any.
    pub fn get(&self, i: usize) -> Option<&str> {
        match self.ids.get(i) {
            Some(&id) if id != NONE => self.dict.get(id as usize).map(String::as_str),
            _ => None,
        }
    }

    fn gather(&self, perm: &[u32]) -> Column {
        Column {
            name: self.name.clone(),
            dict: self.dict.clone(),
            ids: perm.iter().map(|&p| self.ids[p as usize]).collect(),
        }
    }
}

/// Appends values to a [`Column`], giving each distinct text the next id.
#[derive(Debug, Default)]
pub struct Interner {
    map: HashMap<String, u32>,
}

impl Interner {
    /// Push `value` (or a missing value) onto `col`.
    pub fn push(&mut self, col: &mut Column, value: Option<&str>) {
        let id = value.map_or(NONE, |v| self.id(col, v));
        col.ids.push(id);
    }

    /// The id of `value` in `col`'s dictionary, added if new (nothing is pushed on `ids`).
    pub fn id(&mut self, col: &mut Column, value: &str) -> u32 {
        if let Some(&id) = self.map.get(value) {
            return id;
        }
        let id = col.dict.len() as u32;
        col.dict.push(value.to_string());
        self.map.insert(value.to_string(), id);
        id
    }
}

/// How events are ordered within a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// By timestamp, ties by original order (pm4py's `format_dataframe`): time gaps are never
    /// negative; events recorded out of time order are counted.
    #[default]
    Timestamp,
    /// As recorded in the file: a later event stamped earlier gives a negative gap, counted
    /// and kept (never clamped).
    File,
}

/// Events as read, in source order. Every column has one entry per event; `case` and
/// `activity` never hold [`NONE`].
#[derive(Debug, Clone, Default)]
pub struct RawLog {
    pub case: Column,
    pub activity: Column,
    /// Event time, microseconds since 1970-01-01 UTC.
    pub ts_us: Vec<i64>,
    pub resource: Option<Column>,
    pub team: Option<Column>,
    /// Further attributes kept by the reader.
    pub attributes: Vec<Column>,
    /// Where each event came from (line of a CSV row, line of an XES `<event>`), for messages.
    pub source_line: Vec<u64>,
}

/// The log grouped by case: the events of case `c` are `case_start[c]..case_start[c + 1]`,
/// ordered by [`Order`]. Cases are numbered in order of first appearance in the source.
#[derive(Debug, Clone)]
pub struct EventLog {
    /// Case names; `case_start` has one more entry.
    pub cases: Vec<String>,
    pub case_start: Vec<usize>,
    pub activity: Column,
    pub ts_us: Vec<i64>,
    pub resource: Option<Column>,
    pub team: Option<Column>,
    pub attributes: Vec<Column>,
    pub source_line: Vec<u64>,
    pub order: Order,
    /// Events whose timestamp is earlier than that of the event recorded before them in the
    /// same case (clock skew or an export sorted otherwise).
    pub out_of_order: u64,
}

impl EventLog {
    /// Group `raw` by case (cases in order of first appearance) and order each case.
    pub fn from_raw(raw: RawLog, order: Order) -> EventLog {
        let n = raw.ts_us.len();
        let n_cases = raw.case.dict.len();
        let mut case_start = vec![0usize; n_cases + 1];
        for &c in &raw.case.ids {
            case_start[c as usize + 1] += 1;
        }
        for c in 0..n_cases {
            case_start[c + 1] += case_start[c];
        }
        let mut next = case_start.clone();
        let mut perm = vec![0u32; n];
        for (i, &c) in raw.case.ids.iter().enumerate() {
            let slot = &mut next[c as usize];
            perm[*slot] = i as u32;
            *slot += 1;
        }
        let mut out_of_order = 0u64;
        for c in 0..n_cases {
            let span = &mut perm[case_start[c]..case_start[c + 1]];
            let inverted = span
                .windows(2)
                .filter(|w| raw.ts_us[w[1] as usize] < raw.ts_us[w[0] as usize])
                .count() as u64;
            out_of_order += inverted;
            if inverted > 0 && order == Order::Timestamp {
                // stable: equal timestamps keep their source order
                span.sort_by_key(|&i| raw.ts_us[i as usize]);
            }
        }
        let gather_opt = |c: &Option<Column>| c.as_ref().map(|c| c.gather(&perm));
        EventLog {
            cases: raw.case.dict,
            case_start,
            activity: raw.activity.gather(&perm),
            ts_us: perm.iter().map(|&p| raw.ts_us[p as usize]).collect(),
            resource: gather_opt(&raw.resource),
            team: gather_opt(&raw.team),
            attributes: raw.attributes.iter().map(|c| c.gather(&perm)).collect(),
            source_line: perm
                .iter()
                .map(|&p| raw.source_line.get(p as usize).copied().unwrap_or(0))
                .collect(),
            order,
            out_of_order,
        }
    }

    pub fn n_events(&self) -> usize {
        self.ts_us.len()
    }

    pub fn n_cases(&self) -> usize {
        self.cases.len()
    }

    /// Event index range of case `c`.
    pub fn case_range(&self, c: usize) -> std::ops::Range<usize> {
        self.case_start[c]..self.case_start[c + 1]
    }

    /// Activity name of an id.
    pub fn activity_name(&self, id: u32) -> &str {
        &self.activity.dict[id as usize]
    }

    /// Last minus first timestamp of case `c`, in microseconds (pm4py's case duration).
    pub fn case_duration_us(&self, c: usize) -> i64 {
        let r = self.case_range(c);
        if r.is_empty() {
            return 0;
        }
        let span = &self.ts_us[r];
        match self.order {
            Order::Timestamp => span[span.len() - 1] - span[0],
            Order::File => {
                span.iter().max().copied().unwrap_or(0) - span.iter().min().copied().unwrap_or(0)
            }
        }
    }

    /// An attribute column by name (resource, team or a kept attribute).
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.resource
            .iter()
            .chain(self.team.iter())
            .chain(self.attributes.iter())
            .find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn raw(events: &[(&str, &str, i64)]) -> RawLog {
        let mut r = RawLog {
            case: Column::new("case"),
            activity: Column::new("activity"),
            ..RawLog::default()
        };
        let (mut ci, mut ai) = (Interner::default(), Interner::default());
        for (k, (c, a, t)) in events.iter().enumerate() {
            ci.push(&mut r.case, Some(c));
            ai.push(&mut r.activity, Some(a));
            r.ts_us.push(*t * 1_000_000);
            r.source_line.push(k as u64 + 2);
        }
        r
    }

    #[test]
    fn groups_by_case_and_sorts_stably_by_time() {
        let r = raw(&[
            ("c1", "a", 10),
            ("c2", "x", 5),
            ("c1", "c", 5),
            ("c1", "b", 10),
            ("c2", "y", 6),
        ]);
        let log = EventLog::from_raw(r.clone(), Order::Timestamp);
        assert_eq!(log.cases, ["c1", "c2"]);
        let acts: Vec<&str> = (0..log.n_events())
            .map(|i| log.activity.get(i).unwrap())
            .collect();
        // c at 5 first, then a and b tied at 10 in source order
        assert_eq!(acts, ["c", "a", "b", "x", "y"]);
        assert_eq!(log.source_line, [4, 2, 5, 3, 6]);
        assert_eq!(log.out_of_order, 1);
        assert_eq!(log.case_duration_us(0), 5_000_000);

        let file = EventLog::from_raw(r, Order::File);
        let acts: Vec<&str> = (0..file.n_events())
            .map(|i| file.activity.get(i).unwrap())
            .collect();
        assert_eq!(acts, ["a", "c", "b", "x", "y"]);
        assert_eq!(file.out_of_order, 1);
        assert_eq!(file.case_duration_us(0), 5_000_000);
    }
}
