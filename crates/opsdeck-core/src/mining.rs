//! Process mining of case event logs: the columnar [`EventLog`], filters, activity instances
//! from lifecycle transitions, the directly-follows graph, variants, rework, ping-pong,
//! bottlenecks, automation candidates, service and waiting time, and a summary of them all.
//! Pure functions over data already in memory (reading files is the engine's job).

mod automation;
mod dfg;
mod filter;
mod lifecycle;
mod log;
mod patterns;
mod stats;
mod times;

pub use automation::{automation, AutomationOptions, Candidate};
pub use dfg::{bottlenecks, dfg, ActivityCount, Bottleneck, Dfg, Edge};
pub use filter::{filter, Condition, Filter, FilterReport, TimeMode};
pub use lifecycle::{has_transitions, instances, LifecycleReport, TransitionCount};
pub use log::{Column, EventLog, Interner, Intervals, Order, RawLog, NONE};
pub use patterns::{pingpong, rework, variants, PingPong, PingPongPair, Rework, Variant};
pub use stats::{quantile_sorted, DurationStats};
pub use times::{activity_times, ActivityTimes};

use serde::Serialize;

/// Everything at once, each list cut to its `top` entries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub events: u64,
    pub cases: u64,
    pub activities: u64,
    pub variants: u64,
    pub order: Order,
    pub out_of_order_events: u64,
    pub negative_gaps: u64,
    pub case_duration: DurationStats,
    pub start_activities: Vec<ActivityCount>,
    pub end_activities: Vec<ActivityCount>,
    pub top_variants: Vec<Variant>,
    pub rework: Vec<Rework>,
    pub bottlenecks: Vec<Bottleneck>,
    pub automation: Vec<Candidate>,
    /// Ping-pong by team (when the log has a team column) and by resource (when it has one).
    pub pingpong_team: Option<PingPong>,
    pub pingpong_resource: Option<PingPong>,
    /// For activity instances (a log with lifecycle transitions): what the pairing did, and
    /// service and waiting time per activity, largest total service time first (ties by name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<LifecycleReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_times: Option<Vec<ActivityTimes>>,
}

/// Compute the summary; lists are cut to `top` entries (pairs of ping-pong too). The analyses
/// read the log independently: half of them run on a second thread.
pub fn summary(log: &EventLog, opts: &AutomationOptions, top: usize) -> Summary {
    let cut = |mut p: PingPong| {
        p.pairs.truncate(top);
        p
    };
    let (g, vars, mut durs, (mut rw, auto, pp_team, pp_resource, times)) =
        std::thread::scope(|s| {
            let other = s.spawn(|| {
                (
                    rework(log),
                    automation(log, opts),
                    log.team.as_ref().map(|t| cut(pingpong(log, t))),
                    log.resource.as_ref().map(|r| cut(pingpong(log, r))),
                    log.intervals.as_ref().map(|_| activity_times(log)),
                )
            });
            let g = dfg(log);
            let vars = variants(log);
            let durs: Vec<i64> = (0..log.n_cases())
                .map(|c| log.case_duration_us(c))
                .collect();
            let rest = other
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (g, vars, durs, rest)
        });
    rw.retain(|r| r.cases_with_rework > 0);
    rw.truncate(top);
    let times = times.map(|mut t| {
        t.sort_by(|x, y| {
            y.service
                .total_s
                .total_cmp(&x.service.total_s)
                .then_with(|| x.activity.cmp(&y.activity))
        });
        t.truncate(top);
        t
    });
    Summary {
        events: g.events,
        cases: g.cases,
        activities: g.activities.len() as u64,
        variants: vars.len() as u64,
        order: log.order,
        out_of_order_events: log.out_of_order,
        negative_gaps: g.negative_gaps,
        case_duration: DurationStats::from_micros(&mut durs),
        start_activities: g.start_activities.clone(),
        end_activities: g.end_activities.clone(),
        top_variants: vars.into_iter().take(top).collect(),
        rework: rw,
        bottlenecks: bottlenecks(&g).into_iter().take(top).collect(),
        automation: auto.into_iter().take(top).collect(),
        pingpong_team: pp_team,
        pingpong_resource: pp_resource,
        lifecycle: log.intervals.as_ref().map(|iv| iv.report.clone()),
        activity_times: times,
    }
}

#[cfg(test)]
mod tests;
