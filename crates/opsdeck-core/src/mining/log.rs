//! The in-memory columnar event log: interned columns, microsecond timestamps, and events
//! grouped by case in a stable (case, timestamp, original order) sort.

use rustc_hash::FxHashMap;
use serde::Serialize;

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
    map: FxHashMap<String, u32>,
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
    /// Where each event came from (line of a CSV row, line of an XES `<event>`), for messages;
    /// empty when the reader did not keep lines.
    pub source_line: Vec<u64>,
}

/// The log grouped by case: the events of case `c` are `case_start[c]..case_start[c + 1]`,
/// ordered by [`Order`]. Cases are numbered in order of first appearance in the source.
///
/// A log of activity instances (made by [`super::instances`] from lifecycle transitions) has
/// [`EventLog::intervals`]: each "event" is then one instance, `ts_us` its start (its
/// completion when it had no start event) and `intervals.complete_us` its completion.
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
    /// Source line of each event (see [`RawLog::source_line`]); empty when not kept.
    pub source_line: Vec<u64>,
    pub order: Order,
    /// Events whose timestamp is earlier than that of the event recorded before them in the
    /// same case (clock skew or an export sorted otherwise).
    pub out_of_order: u64,
    /// Completion times when the events are activity instances; None for a log of events.
    pub intervals: Option<Intervals>,
}

/// The second timestamp of activity instances (see [`super::instances`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals {
    /// Completion time of each instance, µs since 1970 UTC (`EventLog::ts_us` holds its start).
    pub complete_us: Vec<i64>,
    /// Whether the instance had a start event (else its start is its completion and its
    /// service time is unknown).
    pub started: Vec<bool>,
    /// What the pairing of transitions did.
    pub report: super::LifecycleReport,
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
        // cases are numbered by first appearance: ids that never decrease are grouped already
        // (as the traces of an XES file), and the columns are kept instead of copied
        if raw.case.ids.windows(2).all(|w| w[0] <= w[1]) {
            return EventLog::from_grouped(raw, case_start, order);
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
            out_of_order += order_case(
                &mut perm[case_start[c]..case_start[c + 1]],
                &raw.ts_us,
                order,
            );
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
            source_line: if raw.source_line.is_empty() {
                Vec::new()
            } else {
                perm.iter()
                    .map(|&p| raw.source_line.get(p as usize).copied().unwrap_or(0))
                    .collect()
            },
            order,
            out_of_order,
            intervals: None,
        }
    }

    /// [`EventLog::from_raw`] of a log whose cases are contiguous and in order: only the
    /// events of cases recorded out of time order are moved, within their case.
    fn from_grouped(raw: RawLog, case_start: Vec<usize>, order: Order) -> EventLog {
        let RawLog {
            case,
            mut activity,
            mut ts_us,
            mut resource,
            mut team,
            mut attributes,
            mut source_line,
        } = raw;
        if !source_line.is_empty() {
            source_line.resize(ts_us.len(), 0);
        }
        let mut out_of_order = 0u64;
        let mut span: Vec<u32> = Vec::new();
        for w in case_start.windows(2) {
            let (start, end) = (w[0], w[1]);
            let times = &ts_us[start..end];
            if times.windows(2).all(|t| t[0] <= t[1]) {
                continue;
            }
            span.clear();
            span.extend(start as u32..end as u32);
            out_of_order += order_case(&mut span, &ts_us, order);
            if order == Order::Timestamp {
                let cols = std::iter::once(&mut activity)
                    .chain(resource.as_mut())
                    .chain(team.as_mut())
                    .chain(attributes.iter_mut());
                for col in cols {
                    reorder(&mut col.ids, &span, start);
                }
                reorder(&mut ts_us, &span, start);
                if !source_line.is_empty() {
                    reorder(&mut source_line, &span, start);
                }
            }
        }
        EventLog {
            cases: case.dict,
            case_start,
            activity,
            ts_us,
            resource,
            team,
            attributes,
            source_line,
            order,
            out_of_order,
            intervals: None,
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

    /// Last minus first timestamp of case `c`, in microseconds (pm4py's case duration); for
    /// activity instances, the last completion minus the first start.
    pub fn case_duration_us(&self, c: usize) -> i64 {
        let r = self.case_range(c);
        if r.is_empty() {
            return 0;
        }
        if let Some(iv) = &self.intervals {
            let first = self.ts_us[r.clone()].iter().min().copied().unwrap_or(0);
            let last = iv.complete_us[r].iter().max().copied().unwrap_or(first);
            return last - first;
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

    /// The log reduced to the cases with `keep_case[c]` and, within them, the events with
    /// `keep_event[i]` (all when None); cases left without events are dropped. Order and
    /// dictionaries are kept, and `out_of_order` (a property of the log as read).
    pub fn select(&self, keep_case: &[bool], keep_event: Option<&[bool]>) -> EventLog {
        let mut idx: Vec<u32> = Vec::new();
        let mut cases = Vec::new();
        let mut case_start = vec![0usize];
        for c in 0..self.n_cases() {
            if !keep_case.get(c).copied().unwrap_or(false) {
                continue;
            }
            let before = idx.len();
            let r = self.case_range(c);
            match keep_event {
                None => idx.extend(r.start as u32..r.end as u32),
                Some(k) => idx.extend(
                    r.filter(|&i| k.get(i).copied().unwrap_or(false))
                        .map(|i| i as u32),
                ),
            }
            if idx.len() > before {
                cases.push(self.cases[c].clone());
                case_start.push(idx.len());
            }
        }
        let gather_opt = |c: &Option<Column>| c.as_ref().map(|c| c.gather(&idx));
        let ts_us: Vec<i64> = idx.iter().map(|&i| self.ts_us[i as usize]).collect();
        EventLog {
            cases,
            case_start,
            activity: self.activity.gather(&idx),
            ts_us,
            resource: gather_opt(&self.resource),
            team: gather_opt(&self.team),
            attributes: self.attributes.iter().map(|c| c.gather(&idx)).collect(),
            source_line: if self.source_line.is_empty() {
                Vec::new()
            } else {
                idx.iter().map(|&i| self.source_line[i as usize]).collect()
            },
            order: self.order,
            out_of_order: self.out_of_order,
            intervals: self.intervals.as_ref().map(|iv| Intervals {
                complete_us: idx.iter().map(|&i| iv.complete_us[i as usize]).collect(),
                started: idx.iter().map(|&i| iv.started[i as usize]).collect(),
                report: iv.report.clone(),
            }),
        }
    }
}

/// Count the events of one case (`span`: event indices in source order) stamped earlier than
/// the event before them and, with [`Order::Timestamp`], sort the span stably by time.
fn order_case(span: &mut [u32], ts_us: &[i64], order: Order) -> u64 {
    let inverted = span
        .windows(2)
        .filter(|w| ts_us[w[1] as usize] < ts_us[w[0] as usize])
        .count() as u64;
    if inverted > 0 && order == Order::Timestamp {
        // stable: equal timestamps keep their source order
        span.sort_by_key(|&i| ts_us[i as usize]);
    }
    inverted
}

/// Put `v[start..start + span.len()]` in the order of `span` (indices into `v`, all in that
/// range).
fn reorder<T: Copy>(v: &mut [T], span: &[u32], start: usize) {
    let moved: Vec<T> = span.iter().map(|&i| v[i as usize]).collect();
    v[start..start + span.len()].copy_from_slice(&moved);
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

    /// The log as a plain stable sort by case (and time) would give it: per event its
    /// activity, time and line.
    fn sorted_by_hand(r: &RawLog, order: Order) -> Vec<(u32, i64, u64)> {
        let mut idx: Vec<usize> = (0..r.ts_us.len()).collect();
        match order {
            Order::Timestamp => idx.sort_by_key(|&i| (r.case.ids[i], r.ts_us[i])),
            Order::File => idx.sort_by_key(|&i| r.case.ids[i]),
        }
        idx.iter()
            .map(|&i| (r.activity.ids[i], r.ts_us[i], r.source_line[i]))
            .collect()
    }

    proptest::proptest! {
        /// Whether the events come grouped by case (kept in place) or interleaved (gathered),
        /// the log is the stable sort by case and time.
        #[test]
        fn grouped_and_interleaved_logs_are_ordered_alike(
            events in proptest::collection::vec((0u8..5, 0u8..3, 0i64..6), 0..60),
            grouped in proptest::bool::ANY,
        ) {
            let mut events = events;
            if grouped {
                events.sort_by_key(|e| e.0);
            }
            let named: Vec<(String, String, i64)> = events
                .iter()
                .map(|(c, a, t)| (format!("c{c}"), format!("a{a}"), *t))
                .collect();
            let borrowed: Vec<(&str, &str, i64)> =
                named.iter().map(|(c, a, t)| (c.as_str(), a.as_str(), *t)).collect();
            let r = raw(&borrowed);
            // inversions counted between neighbours of a case in source order
            let mut by_case: Vec<usize> = (0..r.ts_us.len()).collect();
            by_case.sort_by_key(|&i| r.case.ids[i]);
            let inverted = by_case
                .windows(2)
                .filter(|w| r.case.ids[w[0]] == r.case.ids[w[1]] && r.ts_us[w[1]] < r.ts_us[w[0]])
                .count() as u64;
            for order in [Order::Timestamp, Order::File] {
                let want = sorted_by_hand(&r, order);
                let log = EventLog::from_raw(r.clone(), order);
                let got: Vec<(u32, i64, u64)> = (0..log.n_events())
                    .map(|i| (log.activity.ids[i], log.ts_us[i], log.source_line[i]))
                    .collect();
                proptest::prop_assert_eq!(got, want);
                proptest::prop_assert_eq!(log.out_of_order, inverted);
                let lens: Vec<usize> = (0..log.n_cases()).map(|c| log.case_range(c).len()).collect();
                let counts: Vec<usize> = (0..r.case.dict.len() as u32)
                    .map(|c| r.case.ids.iter().filter(|&&x| x == c).count())
                    .collect();
                proptest::prop_assert_eq!(lens, counts);
            }
        }
    }
}
