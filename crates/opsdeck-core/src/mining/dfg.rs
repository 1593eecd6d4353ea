//! The directly-follows graph: edge counts and time statistics, start and end activities, and
//! bottlenecks (edges ranked by the total time they carry).

use super::log::EventLog;
use super::stats::DurationStats;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// One activity and how often it occurs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityCount {
    pub activity: String,
    pub count: u64,
}

/// A directly-follows edge: `to` happened right after `from` in `count` case positions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub count: u64,
    /// Time from `from` to `to` (timestamp of `to` minus timestamp of `from`; for activity
    /// instances, start of `to` minus completion of `from`).
    pub duration: DurationStats,
    /// Pairs whose time is negative, kept in the statistics: recorded out of order (file
    /// order), or, for activity instances, `to` started before `from` completed (overlap).
    pub negative: u64,
}

/// The directly-follows graph of a log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dfg {
    pub events: u64,
    pub cases: u64,
    /// Activities by name.
    pub activities: Vec<ActivityCount>,
    /// Edges by (from, to) name.
    pub edges: Vec<Edge>,
    /// First activity of each case, counted; by name.
    pub start_activities: Vec<ActivityCount>,
    /// Last activity of each case, counted; by name.
    pub end_activities: Vec<ActivityCount>,
    /// Directly-follows pairs with a negative time (see [`Edge::negative`]).
    pub negative_gaps: u64,
}

/// Maps an ordered activity pair to a dense edge number (numbered in order of first sight).
pub(crate) struct EdgeIndex {
    n_act: usize,
    dense: Option<Vec<u32>>,
    sparse: FxHashMap<(u32, u32), u32>,
    /// The pair of each edge number, and how often [`EdgeIndex::add`] saw it.
    pub(crate) pairs: Vec<(u32, u32)>,
    pub(crate) counts: Vec<u64>,
}

impl EdgeIndex {
    pub(crate) fn new(n_act: usize) -> EdgeIndex {
        EdgeIndex {
            n_act,
            dense: (n_act <= 1024).then(|| vec![u32::MAX; n_act * n_act]),
            sparse: FxHashMap::default(),
            pairs: Vec::new(),
            counts: Vec::new(),
        }
    }

    /// Count one occurrence of the pair `a → b`; its edge number.
    #[inline]
    pub(crate) fn add(&mut self, a: u32, b: u32) -> u32 {
        let next = self.pairs.len() as u32;
        let slot = match &mut self.dense {
            Some(d) => &mut d[a as usize * self.n_act + b as usize],
            None => self.sparse.entry((a, b)).or_insert(u32::MAX),
        };
        if *slot == u32::MAX {
            *slot = next;
            self.pairs.push((a, b));
            self.counts.push(0);
        }
        self.counts[*slot as usize] += 1;
        *slot
    }
}

fn by_name(log: &EventLog, counts: &[u64]) -> Vec<ActivityCount> {
    let mut v: Vec<ActivityCount> = counts
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(a, &n)| ActivityCount {
            activity: log.activity_name(a as u32).to_string(),
            count: n,
        })
        .collect();
    v.sort_by(|x, y| x.activity.cmp(&y.activity));
    v
}

/// Discover the directly-follows graph.
pub fn dfg(log: &EventLog) -> Dfg {
    let n_act = log.activity.dict.len();
    let acts = &log.activity.ids;
    let mut act_count = vec![0u64; n_act];
    let mut starts = vec![0u64; n_act];
    let mut ends = vec![0u64; n_act];
    for &a in acts {
        act_count[a as usize] += 1;
    }
    // pass 1: edge number of every pair, counted
    let mut index = EdgeIndex::new(n_act);
    let mut pair_edge = Vec::with_capacity(acts.len());
    for c in 0..log.n_cases() {
        let r = log.case_range(c);
        if r.is_empty() {
            continue;
        }
        starts[acts[r.start] as usize] += 1;
        ends[acts[r.end - 1] as usize] += 1;
        for i in r.start..r.end - 1 {
            pair_edge.push((index.add(acts[i], acts[i + 1]), i));
        }
    }
    let counts = &index.counts;
    // pass 2: durations bucketed by edge
    let mut offset = Vec::with_capacity(counts.len() + 1);
    offset.push(0usize);
    for &n in counts {
        offset.push(offset[offset.len() - 1] + n as usize);
    }
    let mut fill = offset.clone();
    let mut durs = vec![0i64; pair_edge.len()];
    // from this event to the next; from an instance's completion to the next one's start
    let from_us = log
        .intervals
        .as_ref()
        .map_or(&log.ts_us, |iv| &iv.complete_us);
    for &(e, i) in &pair_edge {
        let slot = &mut fill[e as usize];
        durs[*slot] = log.ts_us[i + 1] - from_us[i];
        *slot += 1;
    }
    let mut negative_gaps = 0;
    let mut edges: Vec<Edge> = index
        .pairs
        .iter()
        .enumerate()
        .map(|(e, &(a, b))| {
            let d = &mut durs[offset[e]..offset[e + 1]];
            let negative = d.iter().filter(|&&v| v < 0).count() as u64;
            negative_gaps += negative;
            Edge {
                from: log.activity_name(a).to_string(),
                to: log.activity_name(b).to_string(),
                count: counts[e],
                duration: DurationStats::from_micros(d),
                negative,
            }
        })
        .collect();
    edges.sort_by(|x, y| (&x.from, &x.to).cmp(&(&y.from, &y.to)));
    Dfg {
        events: log.n_events() as u64,
        cases: log.n_cases() as u64,
        activities: by_name(log, &act_count),
        edges,
        start_activities: by_name(log, &starts),
        end_activities: by_name(log, &ends),
        negative_gaps,
    }
}

/// An edge ranked by the total time it carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bottleneck {
    pub rank: u64,
    pub from: String,
    pub to: String,
    pub count: u64,
    /// count × mean = the sum of the edge's durations, in seconds.
    pub total_s: f64,
    /// Share of the time carried by all edges.
    pub share: Option<f64>,
    pub mean_s: Option<f64>,
    pub median_s: Option<f64>,
    pub p90_s: Option<f64>,
}

/// Edges ranked by total delay (count × mean), largest first; ties by name.
pub fn bottlenecks(g: &Dfg) -> Vec<Bottleneck> {
    let all: f64 = g.edges.iter().map(|e| e.duration.total_s).sum();
    let mut v: Vec<&Edge> = g.edges.iter().collect();
    v.sort_by(|x, y| {
        y.duration
            .total_s
            .total_cmp(&x.duration.total_s)
            .then_with(|| (&x.from, &x.to).cmp(&(&y.from, &y.to)))
    });
    v.into_iter()
        .enumerate()
        .map(|(k, e)| Bottleneck {
            rank: k as u64 + 1,
            from: e.from.clone(),
            to: e.to.clone(),
            count: e.count,
            total_s: e.duration.total_s,
            share: (all > 0.0).then(|| e.duration.total_s / all),
            mean_s: e.duration.mean_s,
            median_s: e.duration.median_s,
            p90_s: e.duration.p90_s,
        })
        .collect()
}
