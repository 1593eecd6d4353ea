//! Automation candidates: activities ranked by frequency × duration × regularity, with the
//! hours and cost an automation of their regular occurrences would save.
//!
//! **Activity duration.** With one timestamp per event (completion), the time an activity takes
//! is measured as the gap from the previous event of the same case to this event: the work
//! *and* the wait before it. The first event of a case has no duration and is left out. This
//! is an upper bound on hands-on time. A gap longer than `max_work_s` (default one hour) is
//! taken as waiting — the case sat in a queue, or a timer ran (auto-close after days) — and
//! is left out of the estimate; the share of such gaps is reported as `waiting_share`. The
//! median of the remaining gaps is the activity's duration.
//!
//! **Activity instances** (a log with lifecycle transitions, see [`super::instances`]): an
//! instance with a start event is measured by its service time (start → complete), the work
//! itself, even when it is the first of its case; one without (start = completion) is measured
//! as above, from the last event of the instance before it: that one's completion, or its start
//! when it was still running (an automatic step recorded while a work item was open).
//!
//! **Regularity** is the share of an activity's occurrences that follow its most common
//! predecessor: 1 means it is always triggered the same way (a rule a bot can follow).
//!
//! **Hours saved** = work occurrences (gaps within `max_work_s`) × median work duration ×
//! regularity / 3600; cost saved = hours × cost per hour. The ranking score is the hours saved.

use super::dfg::EdgeIndex;
use super::log::EventLog;
use super::stats::DurationStats;
use serde::Serialize;

/// Parameters of the automation estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutomationOptions {
    /// Cost of one hour of the work (any currency).
    pub cost_per_hour: f64,
    /// Activities with fewer measured occurrences are not ranked.
    pub min_occurrences: u64,
    /// Longest gap counted as work on the activity, in seconds (longer gaps are waiting).
    pub max_work_s: f64,
}

impl Default for AutomationOptions {
    fn default() -> Self {
        AutomationOptions {
            cost_per_hour: 30.0,
            min_occurrences: 1,
            max_work_s: 3600.0,
        }
    }
}

/// One activity as an automation candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub rank: u64,
    pub activity: String,
    /// All occurrences of the activity.
    pub occurrences: u64,
    /// Cases in which it occurs.
    pub cases: u64,
    /// Gap statistics over occurrences with a predecessor in their case (for activity
    /// instances, see the module notes).
    pub duration: DurationStats,
    /// Statistics of the gaps within `max_work_s` (the work estimate).
    pub work: DurationStats,
    /// Share of measured occurrences whose gap exceeds `max_work_s`.
    pub waiting_share: Option<f64>,
    /// Most common preceding activity, and the share of the occurrences with a predecessor
    /// it precedes.
    pub top_predecessor: Option<String>,
    pub regularity: Option<f64>,
    /// Work time automation would save: measured work occurrences × median work × regularity,
    /// in seconds.
    pub saved_s: f64,
    /// `saved_s` priced at the cost per hour.
    pub cost_saved: f64,
}

/// Rank activities as automation candidates, largest hours saved first; ties by name.
pub fn automation(log: &EventLog, opts: &AutomationOptions) -> Vec<Candidate> {
    let n_act = log.activity.dict.len();
    let acts = &log.activity.ids;
    let mut durs: Vec<Vec<i64>> = vec![Vec::new(); n_act];
    let mut occ = vec![0u64; n_act];
    let mut cases = vec![0u64; n_act];
    let mut seen_in = vec![usize::MAX; n_act];
    // occurrences with a predecessor in their case
    let mut follows = vec![0u64; n_act];
    // (predecessor, activity) pairs, counted
    let mut pairs = EdgeIndex::new(n_act);
    let ts = &log.ts_us;
    for c in 0..log.n_cases() {
        let r = log.case_range(c);
        for i in r.clone() {
            let a = acts[i] as usize;
            occ[a] += 1;
            if seen_in[a] != c {
                seen_in[a] = c;
                cases[a] += 1;
            }
            if i > r.start {
                pairs.add(acts[i - 1], acts[i]);
                follows[a] += 1;
            }
            match &log.intervals {
                None => {
                    if i > r.start {
                        durs[a].push(ts[i] - ts[i - 1]);
                    }
                }
                Some(iv) => {
                    if iv.started[i] {
                        durs[a].push(iv.complete_us[i] - ts[i]);
                    } else if i > r.start {
                        let done = iv.complete_us[i - 1];
                        let last = if done <= ts[i] { done } else { ts[i - 1] };
                        durs[a].push(ts[i] - last);
                    }
                }
            }
        }
    }
    // per activity, its predecessors and how often each came right before it
    let mut preds: Vec<Vec<(u32, u64)>> = vec![Vec::new(); n_act];
    for (&(p, a), &n) in pairs.pairs.iter().zip(&pairs.counts) {
        preds[a as usize].push((p, n));
    }
    let measured: Vec<u64> = durs.iter().map(|d| d.len() as u64).collect();
    let mut v: Vec<Candidate> = (0..n_act)
        .filter(|&a| occ[a] > 0 && measured[a] >= opts.min_occurrences)
        .map(|a| {
            let duration = DurationStats::from_micros(&mut durs[a]);
            let cap_us = (opts.max_work_s * 1e6).min(i64::MAX as f64) as i64;
            let mut work_us: Vec<i64> = durs[a].iter().copied().filter(|&d| d <= cap_us).collect();
            let work = DurationStats::from_micros(&mut work_us);
            let top = preds[a]
                .iter()
                .max_by(|x, y| {
                    x.1.cmp(&y.1)
                        .then_with(|| log.activity_name(y.0).cmp(log.activity_name(x.0)))
                })
                .copied();
            let regularity = top.map(|(_, n)| n as f64 / follows[a] as f64);
            let saved_s = match (work.median_s, regularity) {
                (Some(m), Some(r)) => work.count as f64 * m.max(0.0) * r,
                _ => 0.0,
            };
            let waiting_share = (duration.count > 0)
                .then(|| (duration.count - work.count) as f64 / duration.count as f64);
            Candidate {
                rank: 0,
                activity: log.activity.dict[a].clone(),
                occurrences: occ[a],
                cases: cases[a],
                duration,
                work,
                waiting_share,
                top_predecessor: top.map(|(p, _)| log.activity_name(p).to_string()),
                regularity,
                saved_s,
                cost_saved: saved_s / 3600.0 * opts.cost_per_hour,
            }
        })
        .collect();
    v.sort_by(|x, y| {
        y.saved_s
            .total_cmp(&x.saved_s)
            .then_with(|| x.activity.cmp(&y.activity))
    });
    for (k, c) in v.iter_mut().enumerate() {
        c.rank = k as u64 + 1;
    }
    v
}
