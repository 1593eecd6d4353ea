//! Capacity plan and what-if scenarios for one queue: per interval the required agents
//! (baseline and scenario), their split across the sites serving the program (shares
//! renormalised over the sites available, whole agents by largest remainder, demand above a
//! site's seats water-filled to sites with headroom, the rest a staffing gap), and the
//! projected service level, ASA, abandonment and occupancy at the staffed agents; roll-ups per
//! day and per site re-sum additive quantities and derive ratios on read.
//!
//! Staffing follows DOMAIN-REFERENCE §2.6: the requirement uses the chosen model (Erlang C by
//! default); the projection uses Erlang A with the estimated patience when there is one (it is
//! stable when staffed ≤ load), else Erlang C, where N ≤ A gives SL 0, ASA undefined
//! (infinite) and abandonment undefined.

use crate::staffing::{erlang_a, required_agents, ErlangC, Model, StaffingError, StaffingInput};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// A site that can serve the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SitePlan {
    pub id: String,
    /// Share of the queue's agents this site takes (any scale ≥ 0; renormalised per interval
    /// over the sites available).
    pub share: f64,
    /// Most productive agents the site can put on this queue at once; `None` = no cap.
    pub seats: Option<u64>,
}

/// A site unavailable on the local dates `from..=to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outage {
    pub site: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// What-if overrides applied to the forecast.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scenario {
    /// Volume change in percent (−10 = 10 % fewer contacts); must be > −100.
    pub volume_pct: f64,
    /// AHT change in seconds, added to every interval's AHT.
    pub aht_delta_s: f64,
    pub outages: Vec<Outage>,
}

/// Queue targets and planning parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanSettings {
    pub interval_s: f64,
    /// Service-level threshold T, seconds.
    pub answer_s: f64,
    /// Service-level target in (0, 1).
    pub target_sl: f64,
    /// Occupancy cap in (0, 1].
    pub max_occupancy: f64,
    /// Shrinkage in [0, 1): used only to gross productive hours up to FTE.
    pub shrinkage: f64,
    /// Paid hours of one FTE per week.
    pub fte_hours_per_week: f64,
    /// Calendar days the plan covers (the FTE average is over these days).
    pub days: u32,
    /// Model of the requirement.
    pub staffing: Model,
    /// Mean patience for the projection (Erlang A); `None` = project with Erlang C.
    pub patience_s: Option<f64>,
}

/// One interval of forecast demand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalDemand {
    /// Local start of the interval (the queue calendar's zone).
    pub start: NaiveDateTime,
    /// Forecast contacts offered.
    pub offered: f64,
    /// Expected handle time, seconds.
    pub aht_s: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("{what} is {value}: {reason}")]
    Invalid {
        what: String,
        value: f64,
        reason: &'static str,
    },
    #[error("no site serves the queue")]
    NoSites,
    #[error(
        "outage site {} does not serve this queue's program (sites: {known})",
        crate::quoted(site)
    )]
    UnknownSite { site: String, known: String },
    #[error("outage of site {}: from {from} is after to {to}", crate::quoted(site))]
    OutageOrder {
        site: String,
        from: NaiveDate,
        to: NaiveDate,
    },
    #[error("interval {start}: {source}")]
    Staffing {
        start: NaiveDateTime,
        source: StaffingError,
    },
}

/// Measures projected at a given staff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Projection {
    pub service_level: Option<f64>,
    /// Mean wait over all arrivals (Erlang A: abandoners included), seconds.
    pub asa_s: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub occupancy: Option<f64>,
}

/// How whole agents were placed across the sites of one interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Split {
    /// Agents per site, in site order.
    pub staffed: Vec<u64>,
    /// Agents a site's share asked of it beyond its seats (moved elsewhere or left as gap).
    pub overflow: Vec<u64>,
    /// Agents no available site could take.
    pub gap: u64,
}

/// One planned interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalPlan {
    pub start: NaiveDateTime,
    pub offered_baseline: f64,
    pub offered: f64,
    pub aht_baseline_s: f64,
    pub aht_s: f64,
    /// Productive agents required (before shrinkage).
    pub required_baseline: u64,
    pub required: u64,
    pub baseline: Split,
    pub scenario: Split,
    /// Projection of the baseline split under the baseline load.
    pub baseline_projection: Projection,
    /// Projection of the scenario split under the scenario load.
    pub projection: Projection,
}

impl IntervalPlan {
    pub fn staffed(&self) -> u64 {
        self.scenario.staffed.iter().sum()
    }
}

/// Additive sums of planned intervals; ratios are derived on read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PlanSums {
    pub intervals: u64,
    pub offered_baseline: f64,
    pub offered: f64,
    /// Σ offered × projected SL.
    pub answered_within_t: f64,
    pub baseline_answered_within_t: f64,
    /// Σ offered × projected abandonment; `None` when an interval with contacts has none.
    pub abandoned: Option<f64>,
    /// Σ offered × projected mean wait; `None` when an interval's wait is unbounded.
    pub wait_s: Option<f64>,
    pub agent_hours_required_baseline: f64,
    pub agent_hours_required: f64,
    pub agent_hours_staffed_baseline: f64,
    pub agent_hours_staffed: f64,
    pub agent_hours_gap: f64,
    /// Σ occupancy × staffed × hours.
    pub busy_agent_hours: f64,
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

fn add_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? + b?)
}

impl PlanSums {
    fn of(p: &IntervalPlan, hours: f64) -> PlanSums {
        let weighted = |x: Option<f64>| {
            if p.offered > 0.0 {
                x.map(|v| v * p.offered)
            } else {
                Some(0.0)
            }
        };
        let staffed = p.staffed() as f64;
        PlanSums {
            intervals: 1,
            offered_baseline: p.offered_baseline,
            offered: p.offered,
            answered_within_t: p.offered * p.projection.service_level.unwrap_or(0.0),
            baseline_answered_within_t: p.offered_baseline
                * p.baseline_projection.service_level.unwrap_or(0.0),
            abandoned: weighted(p.projection.abandon_rate),
            wait_s: weighted(p.projection.asa_s),
            agent_hours_required_baseline: p.required_baseline as f64 * hours,
            agent_hours_required: p.required as f64 * hours,
            agent_hours_staffed_baseline: p.baseline.staffed.iter().sum::<u64>() as f64 * hours,
            agent_hours_staffed: staffed * hours,
            agent_hours_gap: p.scenario.gap as f64 * hours,
            busy_agent_hours: p.projection.occupancy.unwrap_or(0.0) * staffed * hours,
        }
    }

    /// Expected answered within T / offered under the scenario.
    pub fn service_level(&self) -> Option<f64> {
        ratio(self.answered_within_t, self.offered)
    }
    pub fn baseline_service_level(&self) -> Option<f64> {
        ratio(self.baseline_answered_within_t, self.offered_baseline)
    }
    pub fn abandon_rate(&self) -> Option<f64> {
        ratio(self.abandoned?, self.offered)
    }
    pub fn asa_s(&self) -> Option<f64> {
        ratio(self.wait_s?, self.offered)
    }
    pub fn occupancy(&self) -> Option<f64> {
        ratio(self.busy_agent_hours, self.agent_hours_staffed)
    }
}

impl std::ops::AddAssign for PlanSums {
    fn add_assign(&mut self, o: PlanSums) {
        self.intervals += o.intervals;
        self.offered_baseline += o.offered_baseline;
        self.offered += o.offered;
        self.answered_within_t += o.answered_within_t;
        self.baseline_answered_within_t += o.baseline_answered_within_t;
        self.abandoned = add_opt(self.abandoned, o.abandoned);
        self.wait_s = add_opt(self.wait_s, o.wait_s);
        self.agent_hours_required_baseline += o.agent_hours_required_baseline;
        self.agent_hours_required += o.agent_hours_required;
        self.agent_hours_staffed_baseline += o.agent_hours_staffed_baseline;
        self.agent_hours_staffed += o.agent_hours_staffed;
        self.agent_hours_gap += o.agent_hours_gap;
        self.busy_agent_hours += o.busy_agent_hours;
    }
}

/// Productive agent-hours of one site over the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteSums {
    pub site: String,
    pub agent_hours_baseline: f64,
    pub agent_hours: f64,
    /// Hours the site's share asked of it beyond its seats.
    pub overflow_agent_hours: f64,
    /// Average gross FTE over the plan's days: hours / (1 − shrinkage) / (fte hours × days / 7).
    pub gross_fte_baseline: f64,
    pub gross_fte: f64,
}

/// The whole plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub intervals: Vec<IntervalPlan>,
    /// Per local date, oldest first.
    pub days: Vec<(NaiveDate, PlanSums)>,
    pub sites: Vec<SiteSums>,
    pub total: PlanSums,
}

/// `weights` turned into whole numbers summing to `total`: floors of the exact quotas, then one
/// more for the largest remainders (ties to the earlier entry). All-zero weights split equally.
pub fn largest_remainder(total: u64, weights: &[f64]) -> Vec<u64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let sum: f64 = weights.iter().sum();
    let quota: Vec<f64> = if sum > 0.0 {
        weights.iter().map(|w| total as f64 * w / sum).collect()
    } else {
        vec![total as f64 / weights.len() as f64; weights.len()]
    };
    let mut out: Vec<u64> = quota.iter().map(|q| q.floor() as u64).collect();
    let mut given: u64 = out.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (quota[a] - quota[a].floor(), quota[b] - quota[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    // a quota rounded up past a whole number can make the floors overshoot by one
    for &i in order.iter().rev() {
        if given <= total {
            break;
        }
        if out[i] > 0 {
            out[i] -= 1;
            given -= 1;
        }
    }
    for &i in order.iter().cycle().take((total - given) as usize) {
        out[i] += 1;
    }
    out
}

/// Place `required` agents over the sites: shares renormalised over the `available` sites,
/// whole agents by largest remainder, then what exceeds a site's seats water-filled to the
/// available sites with headroom in proportion to their shares; what no site can take is the gap.
pub fn split(required: u64, sites: &[SitePlan], available: &[bool]) -> Split {
    let n = sites.len();
    let mut staffed = vec![0_u64; n];
    let mut overflow = vec![0_u64; n];
    let open: Vec<usize> = (0..n).filter(|&i| available[i]).collect();
    if open.is_empty() {
        return Split {
            staffed,
            overflow,
            gap: required,
        };
    }
    let weights: Vec<f64> = open.iter().map(|&i| sites[i].share).collect();
    let cap = |i: usize| sites[i].seats.unwrap_or(u64::MAX);
    let mut excess = 0_u64;
    for (k, want) in largest_remainder(required, &weights)
        .into_iter()
        .enumerate()
    {
        let i = open[k];
        staffed[i] = want.min(cap(i));
        overflow[i] = want - staffed[i];
        excess += overflow[i];
    }
    // water-fill: each round spreads the excess over the sites that still have headroom
    while excess > 0 {
        let room: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&i| staffed[i] < cap(i))
            .collect();
        if room.is_empty() {
            break;
        }
        let w: Vec<f64> = room.iter().map(|&i| sites[i].share).collect();
        let mut left = 0;
        for (k, extra) in largest_remainder(excess, &w).into_iter().enumerate() {
            let i = room[k];
            let take = extra.min(cap(i) - staffed[i]);
            staffed[i] += take;
            left += extra - take;
        }
        excess = left;
    }
    Split {
        staffed,
        overflow,
        gap: excess,
    }
}

/// Project service level, ASA, abandonment and occupancy of `agents` at `offered` contacts
/// of `aht_s` in the interval.
pub fn project(agents: u64, offered: f64, aht_s: f64, s: &PlanSettings) -> Projection {
    if offered <= 0.0 {
        return Projection::default();
    }
    match s.patience_s {
        Some(patience_s) => {
            let m = erlang_a(
                agents,
                offered / s.interval_s,
                aht_s,
                patience_s,
                s.answer_s,
            );
            Projection {
                service_level: Some(m.service_level),
                asa_s: Some(m.asa_s),
                abandon_rate: Some(m.abandon_rate),
                occupancy: m.occupancy,
            }
        }
        None => {
            let m = ErlangC::at(agents, offered / s.interval_s * aht_s, aht_s, s.answer_s);
            Projection {
                service_level: Some(m.service_level),
                asa_s: m.asa_s,
                abandon_rate: None,
                occupancy: m.occupancy,
            }
        }
    }
}

fn invalid(
    what: impl Into<String>,
    value: f64,
    ok: bool,
    reason: &'static str,
) -> Result<(), PlanError> {
    if ok && value.is_finite() {
        Ok(())
    } else {
        Err(PlanError::Invalid {
            what: what.into(),
            value,
            reason,
        })
    }
}

fn validate(sites: &[SitePlan], sc: &Scenario, s: &PlanSettings) -> Result<(), PlanError> {
    if sites.is_empty() {
        return Err(PlanError::NoSites);
    }
    for site in sites {
        invalid(
            format!("share of site {}", site.id),
            site.share,
            site.share >= 0.0,
            "must be ≥ 0",
        )?;
    }
    invalid(
        "volume_pct",
        sc.volume_pct,
        sc.volume_pct > -100.0,
        "must be > -100",
    )?;
    invalid("aht_delta_s", sc.aht_delta_s, true, "must be a number")?;
    invalid(
        "fte hours per week",
        s.fte_hours_per_week,
        s.fte_hours_per_week > 0.0,
        "must be > 0",
    )?;
    invalid("days", f64::from(s.days), s.days > 0, "must be ≥ 1")?;
    invalid(
        "shrinkage",
        s.shrinkage,
        (0.0..1.0).contains(&s.shrinkage),
        "must be in [0, 1)",
    )?;
    invalid(
        "max occupancy",
        s.max_occupancy,
        s.max_occupancy > 0.0 && s.max_occupancy <= 1.0,
        "must be in (0, 1]",
    )?;
    if let Some(p) = s.patience_s {
        invalid("patience_s", p, p > 0.0, "must be > 0")?;
    }
    for o in &sc.outages {
        if !sites.iter().any(|x| x.id == o.site) {
            return Err(PlanError::UnknownSite {
                site: o.site.clone(),
                known: sites
                    .iter()
                    .map(|x| x.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        if o.from > o.to {
            return Err(PlanError::OutageOrder {
                site: o.site.clone(),
                from: o.from,
                to: o.to,
            });
        }
    }
    Ok(())
}

/// Plan `demand` (sorted by start) over `sites` under `scenario`.
pub fn plan(
    demand: &[IntervalDemand],
    sites: &[SitePlan],
    scenario: &Scenario,
    s: &PlanSettings,
) -> Result<Plan, PlanError> {
    validate(sites, scenario, s)?;
    let volume = 1.0 + scenario.volume_pct / 100.0;
    let all = vec![true; sites.len()];
    let mut intervals = Vec::with_capacity(demand.len());
    for d in demand {
        let start = d.start;
        invalid(
            format!("forecast of {start}"),
            d.offered,
            d.offered >= 0.0,
            "must be ≥ 0",
        )?;
        invalid(
            format!("aht of {start}"),
            d.aht_s,
            d.aht_s > 0.0,
            "must be > 0",
        )?;
        let aht_s = d.aht_s + scenario.aht_delta_s;
        invalid(
            format!("aht of {start} with aht_delta_s {}", scenario.aht_delta_s),
            aht_s,
            aht_s > 0.0,
            "must stay > 0",
        )?;
        let offered = d.offered * volume;
        let need = |calls: f64, aht_s: f64| -> Result<u64, PlanError> {
            let input = StaffingInput {
                calls,
                aht_s,
                interval_s: s.interval_s,
                target_sl: s.target_sl,
                answer_s: s.answer_s,
                max_occupancy: s.max_occupancy,
                shrinkage: 0.0,
            };
            required_agents(&input, s.staffing)
                .map(|r| r.raw_agents)
                .map_err(|source| PlanError::Staffing { start, source })
        };
        let required_baseline = need(d.offered, d.aht_s)?;
        let required = need(offered, aht_s)?;
        let date = start.date();
        let available: Vec<bool> = sites
            .iter()
            .map(|x| {
                !scenario
                    .outages
                    .iter()
                    .any(|o| o.site == x.id && (o.from..=o.to).contains(&date))
            })
            .collect();
        let baseline = split(required_baseline, sites, &all);
        let scen = split(required, sites, &available);
        let baseline_projection = project(baseline.staffed.iter().sum(), d.offered, d.aht_s, s);
        let projection = project(scen.staffed.iter().sum(), offered, aht_s, s);
        intervals.push(IntervalPlan {
            start,
            offered_baseline: d.offered,
            offered,
            aht_baseline_s: d.aht_s,
            aht_s,
            required_baseline,
            required,
            baseline,
            scenario: scen,
            baseline_projection,
            projection,
        });
    }
    Ok(rollup(intervals, sites, s))
}

fn rollup(intervals: Vec<IntervalPlan>, sites: &[SitePlan], s: &PlanSettings) -> Plan {
    let hours = s.interval_s / 3600.0;
    let mut days: Vec<(NaiveDate, PlanSums)> = Vec::new();
    let mut total = PlanSums::default();
    let mut by_site: Vec<[f64; 3]> = vec![[0.0; 3]; sites.len()];
    for p in &intervals {
        let sums = PlanSums::of(p, hours);
        total += sums;
        let date = p.start.date();
        match days.iter_mut().find(|(d, _)| *d == date) {
            Some((_, x)) => *x += sums,
            None => days.push((date, sums)),
        }
        for (i, acc) in by_site.iter_mut().enumerate() {
            acc[0] += p.baseline.staffed[i] as f64 * hours;
            acc[1] += p.scenario.staffed[i] as f64 * hours;
            acc[2] += p.scenario.overflow[i] as f64 * hours;
        }
    }
    days.sort_by_key(|(d, _)| *d);
    let sites = sites
        .iter()
        .zip(by_site)
        .map(|(x, [b, h, o])| SiteSums {
            site: x.id.clone(),
            agent_hours_baseline: b,
            agent_hours: h,
            overflow_agent_hours: o,
            gross_fte_baseline: Plan::gross_fte(b, s),
            gross_fte: Plan::gross_fte(h, s),
        })
        .collect();
    Plan {
        intervals,
        days,
        sites,
        total,
    }
}

impl Plan {
    /// Gross FTE of `agent_hours` productive hours under these settings.
    pub fn gross_fte(agent_hours: f64, s: &PlanSettings) -> f64 {
        agent_hours / (1.0 - s.shrinkage) / (s.fte_hours_per_week * f64::from(s.days) / 7.0)
    }
}

#[cfg(test)]
mod tests;
