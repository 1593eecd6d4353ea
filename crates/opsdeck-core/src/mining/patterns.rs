//! Case-level patterns: variants (distinct activity sequences), rework (an activity repeated
//! within a case) and ping-pong (a case handed X → Y → X between teams or resources).

use super::log::{Column, EventLog, NONE};
use super::stats::DurationStats;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// A distinct activity sequence and the cases that follow it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    pub variant: Vec<String>,
    pub count: u64,
    /// count / cases.
    pub share: f64,
}

/// Variants by case count, largest first; ties by the sequence of names (as pm4py's peer).
pub fn variants(log: &EventLog) -> Vec<Variant> {
    let mut groups: FxHashMap<&[u32], u64> = FxHashMap::default();
    for c in 0..log.n_cases() {
        *groups
            .entry(&log.activity.ids[log.case_range(c)])
            .or_insert(0) += 1;
    }
    let cases = log.n_cases().max(1) as f64;
    let mut v: Vec<Variant> = groups
        .into_iter()
        .map(|(seq, count)| Variant {
            variant: seq
                .iter()
                .map(|&a| log.activity_name(a).to_string())
                .collect(),
            count,
            share: count as f64 / cases,
        })
        .collect();
    v.sort_by(|x, y| {
        y.count
            .cmp(&x.count)
            .then_with(|| x.variant.cmp(&y.variant))
    });
    v
}

/// Rework of one activity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rework {
    pub activity: String,
    /// Cases in which the activity occurs at all.
    pub cases_with_activity: u64,
    /// Cases in which it occurs more than once (pm4py's `get_rework_cases_per_activity`).
    pub cases_with_rework: u64,
    /// cases_with_rework / cases_with_activity.
    pub rework_rate: Option<f64>,
    /// Occurrences beyond the first, summed over cases.
    pub extra_occurrences: u64,
}

/// Rework per activity, most reworked cases first; ties by name. Activities never repeated
/// are listed too (with 0), so the table covers every activity.
pub fn rework(log: &EventLog) -> Vec<Rework> {
    let n_act = log.activity.dict.len();
    let mut seen_in = vec![usize::MAX; n_act];
    let mut times = vec![0u32; n_act];
    let (mut with, mut rework, mut extra) =
        (vec![0u64; n_act], vec![0u64; n_act], vec![0u64; n_act]);
    for c in 0..log.n_cases() {
        for &a in &log.activity.ids[log.case_range(c)] {
            let a = a as usize;
            if seen_in[a] != c {
                seen_in[a] = c;
                times[a] = 0;
                with[a] += 1;
            }
            times[a] += 1;
            if times[a] == 2 {
                rework[a] += 1;
            }
            if times[a] >= 2 {
                extra[a] += 1;
            }
        }
    }
    let mut v: Vec<Rework> = (0..n_act)
        .filter(|&a| with[a] > 0)
        .map(|a| Rework {
            activity: log.activity.dict[a].clone(),
            cases_with_activity: with[a],
            cases_with_rework: rework[a],
            rework_rate: Some(rework[a] as f64 / with[a] as f64),
            extra_occurrences: extra[a],
        })
        .collect();
    v.sort_by(|x, y| {
        y.cases_with_rework
            .cmp(&x.cases_with_rework)
            .then_with(|| x.activity.cmp(&y.activity))
    });
    v
}

/// One ping-pong pair: work went from `from` to `via` and back to `from`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PingPongPair {
    pub from: String,
    pub via: String,
    /// X → Y → X patterns found (a case can hold several).
    pub occurrences: u64,
    /// Cases with at least one such pattern.
    pub cases: u64,
}

/// Ping-pong between the values of one attribute (team or resource).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PingPong {
    /// The attribute projected on (e.g. the team column).
    pub by: String,
    pub cases: u64,
    /// Cases in which no event carries the attribute (they cannot show ping-pong).
    pub cases_without_values: u64,
    pub cases_with_pingpong: u64,
    /// cases_with_pingpong / cases.
    pub rate: Option<f64>,
    /// X → Y → X patterns in all cases.
    pub patterns: u64,
    /// Handovers (value changes after collapsing repeats), all cases.
    pub handovers: u64,
    /// Case duration (last − first event) of cases with and without ping-pong.
    pub duration_with: DurationStats,
    pub duration_without: DurationStats,
    /// Mean (median) duration with minus without, in seconds; None if either group is empty.
    pub mean_difference_s: Option<f64>,
    pub median_difference_s: Option<f64>,
    /// Pairs by occurrences, largest first; ties by names.
    pub pairs: Vec<PingPongPair>,
}

/// Project each case on `col`, skip events without a value, collapse consecutive repeats and
/// count X → Y → X patterns.
pub fn pingpong(log: &EventLog, col: &Column) -> PingPong {
    let mut pairs: FxHashMap<(u32, u32), (u64, u64, usize)> = FxHashMap::default();
    let (mut with_d, mut without_d) = (Vec::new(), Vec::new());
    let (mut cases_with, mut without_values, mut patterns, mut handovers) =
        (0u64, 0u64, 0u64, 0u64);
    let mut seq: Vec<u32> = Vec::new();
    for c in 0..log.n_cases() {
        seq.clear();
        for &v in &col.ids[log.case_range(c)] {
            if v != NONE && seq.last() != Some(&v) {
                seq.push(v);
            }
        }
        if seq.is_empty() {
            without_values += 1;
        }
        handovers += seq.len().saturating_sub(1) as u64;
        let mut found = 0u64;
        for w in seq.windows(3) {
            if w[0] == w[2] {
                found += 1;
                let e = pairs.entry((w[0], w[1])).or_insert((0, 0, usize::MAX));
                e.0 += 1;
                if e.2 != c {
                    e.2 = c;
                    e.1 += 1;
                }
            }
        }
        patterns += found;
        let d = log.case_duration_us(c);
        if found > 0 {
            cases_with += 1;
            with_d.push(d);
        } else {
            without_d.push(d);
        }
    }
    let duration_with = DurationStats::from_micros(&mut with_d);
    let duration_without = DurationStats::from_micros(&mut without_d);
    let diff = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
    let name = |id: u32| col.dict[id as usize].clone();
    let mut pairs: Vec<PingPongPair> = pairs
        .into_iter()
        .map(|((x, y), (occ, cases, _))| PingPongPair {
            from: name(x),
            via: name(y),
            occurrences: occ,
            cases,
        })
        .collect();
    pairs.sort_by(|a, b| {
        b.occurrences
            .cmp(&a.occurrences)
            .then_with(|| (&a.from, &a.via).cmp(&(&b.from, &b.via)))
    });
    let n = log.n_cases() as u64;
    PingPong {
        by: col.name.clone(),
        cases: n,
        cases_without_values: without_values,
        cases_with_pingpong: cases_with,
        rate: (n > 0).then(|| cases_with as f64 / n as f64),
        patterns,
        handovers,
        mean_difference_s: diff(duration_with.mean_s, duration_without.mean_s),
        median_difference_s: diff(duration_with.median_s, duration_without.median_s),
        duration_with,
        duration_without,
        pairs,
    }
}
