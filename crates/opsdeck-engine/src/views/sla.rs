//! Contact-centre SLA evaluation over the workspace's interval facts: per SLA the achieved value
//! re-summed from the queue × interval sums in scope (through `opsdeck_core::sla`, which uses the
//! one KPI definition of `opsdeck_core::kpi`), the month's verdict, credits with cap and
//! earn-back, the invoice and the net; and the aggregate rows behind a figure (`explain`).
//!
//! Choices (docs/formats.md, "SLA evaluation"):
//! - the evaluation period is a calendar month; an SLA's days are local to its calendar's zone
//!   (or to each queue's zone without a calendar); with a calendar, only intervals starting in
//!   its business hours and outside its holidays count;
//! - the version in force on the month's first day governs the month (or, when none is, the
//!   first to take effect within it); a version taking effect inside the month is evaluated too
//!   and shown beside it as `informational` — it governs from the next month;
//! - day and week windows: the month is missed if any measured window missed; weeks are ISO
//!   weeks clipped to the month;
//! - excluded days are removed from measurement; a window with only excluded days is not
//!   measured.

use crate::error::{EngineError, Result};
use crate::views::scorecard::{load_facts, Level, Period, ScorecardQuery};
use crate::workspace::{IntervalFact, Workspace};
use chrono::{Datelike, Months, NaiveDate};
use chrono_tz::Tz;
use opsdeck_core::calendar::local_time;
use opsdeck_core::contract::{Contract, SlaVersion, Window};
use opsdeck_core::credits::{
    assess, invoice, outcome_adjustments, CreditInput, EarnBack, Invoice, MonthCredits,
};
use opsdeck_core::sla::{judge, measure, month_status, NotMeasured, Status, Verdict};
use opsdeck_core::{Channel, IntervalSums, Org, SlVariant};
use serde::Serialize;
use std::collections::BTreeMap;

/// A calendar month, the evaluation period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub first: NaiveDate,
}

impl YearMonth {
    pub fn parse(s: &str) -> Result<YearMonth> {
        NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
            .map(|first| YearMonth { first })
            .map_err(|_| EngineError::Invalid(format!("period {s:?}: expected a month as YYYY-MM")))
    }
    pub fn of(d: NaiveDate) -> YearMonth {
        YearMonth {
            first: d.with_day(1).unwrap_or(d),
        }
    }
    pub fn last(self) -> NaiveDate {
        self.next().first.pred_opt().unwrap_or(self.first)
    }
    pub fn next(self) -> YearMonth {
        YearMonth {
            first: self.first + Months::new(1),
        }
    }
    pub fn contains(self, d: NaiveDate) -> bool {
        YearMonth::of(d) == self
    }
    pub fn label(self) -> String {
        self.first.format("%Y-%m").to_string()
    }
}

/// Whether a version's row decides the month or is shown beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Governing,
    Informational,
}

/// One SLA version's result for the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaResult {
    pub sla: String,
    pub version: u32,
    pub effective_from: NaiveDate,
    pub role: Role,
    pub metric: String,
    pub unit: String,
    pub target: f64,
    pub comparison: String,
    pub window: String,
    /// Re-summed over every included interval of the month.
    pub achieved: Option<f64>,
    pub volume: i64,
    /// For a month window its margin; for day/week windows the worst measured margin.
    pub margin: Option<f64>,
    pub status: Status,
    pub not_measured: Option<String>,
    pub windows_measured: usize,
    pub windows_met: usize,
    pub windows_missed: usize,
    pub windows: Vec<(String, Verdict)>,
    /// Days taken out of measurement, with the reason.
    pub excluded_days: Vec<(NaiveDate, String)>,
    /// A × B × C when missed (0 for informational rows).
    pub credit: f64,
    #[serde(flatten)]
    pub earn_back: EarnBack,
}

/// A client's month under its contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub contract: String,
    pub client: String,
    pub currency: String,
    pub period: String,
    pub invoice: Invoice,
    pub bonus: f64,
    pub malus: f64,
    pub slas: Vec<SlaResult>,
    pub credits: MonthCredits,
    /// invoice base + bonus − malus − payable credits.
    pub net: f64,
}

/// Does the fact belong to the SLA's scope?
fn in_scope(v: &SlaVersion, f: &IntervalFact, org: &Org, client: &str) -> bool {
    if f.client != client {
        return false;
    }
    let s = &v.scope;
    s.program.as_ref().is_none_or(|p| *p == f.program)
        && (s.queues.is_empty() || s.queues.contains(&f.queue))
        && s.channel
            .is_none_or(|c| org.queues.get(&f.queue).is_some_and(|q| q.channel == c))
}

/// Why a fact does not count, when it does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Inclusion {
    Included,
    OutsideCalendarHours,
    ExcludedDay,
}

/// The local day a fact counts on for an SLA, and whether it is included.
fn place(c: &Contract, v: &SlaVersion, org: &Org, f: &IntervalFact) -> (NaiveDate, Inclusion) {
    let cal = v.calendar.as_ref().and_then(|id| org.calendars.get(id));
    let zone: Tz = cal.map_or(f.zone, |c| c.zone);
    let day = local_time(zone, f.interval_start_utc).date();
    let inc = if cal.is_some_and(|cal| !cal.is_open_at(f.interval_start_utc)) {
        Inclusion::OutsideCalendarHours
    } else if c.excluded(&v.id, day).is_some() {
        Inclusion::ExcludedDay
    } else {
        Inclusion::Included
    };
    (day, inc)
}

/// A threshold the SLA is written for that the facts were not computed with.
fn threshold_mismatch(v: &SlaVersion, facts: &[&IntervalFact]) -> Option<String> {
    let uses_s = matches!(
        v.metric,
        opsdeck_core::contract::Metric::ServiceLevel {
            variant: SlVariant::ExcludeShortAbandons
        }
    );
    for f in facts {
        if let Some(t) = v.threshold_s.filter(|t| *t != f.thresholds.service_s) {
            return Some(format!(
                "queue {:?} facts count answers within T = {} s, the SLA asks T = {t} s (set the queue's threshold_s and run `opsdeck facts rebuild`)",
                f.queue, f.thresholds.service_s
            ));
        }
        if let Some(s) = v
            .short_abandon_s
            .filter(|s| uses_s && *s != f.thresholds.short_abandon_s)
        {
            return Some(format!(
                "queue {:?} facts count short abandons within S = {} s, the SLA asks S = {s} s (set the queue's short_abandon_s and run `opsdeck facts rebuild`)",
                f.queue, f.thresholds.short_abandon_s
            ));
        }
    }
    None
}

fn window_label(w: Window, d: NaiveDate) -> String {
    match w {
        Window::Day => d.format("%Y-%m-%d").to_string(),
        Window::Week => d.format("%G-W%V").to_string(),
        Window::Month => d.format("%Y-%m").to_string(),
    }
}

/// Evaluate one SLA version over one month (no credits yet).
pub fn evaluate_version(
    c: &Contract,
    v: &SlaVersion,
    org: &Org,
    facts: &[IntervalFact],
    month: YearMonth,
    role: Role,
) -> SlaResult {
    let mut base = SlaResult {
        sla: v.id.clone(),
        version: v.version,
        effective_from: v.effective_from,
        role,
        metric: v.metric.name().to_string(),
        unit: v.metric.unit().to_string(),
        target: v.target,
        comparison: v.comparison.as_str().to_string(),
        window: v.window.as_str().to_string(),
        achieved: None,
        volume: 0,
        margin: None,
        status: Status::NotMeasured,
        not_measured: None,
        windows_measured: 0,
        windows_met: 0,
        windows_missed: 0,
        windows: vec![],
        excluded_days: vec![],
        credit: 0.0,
        earn_back: EarnBack::NotApplicable,
    };
    if v.metric.is_case_metric() {
        base.not_measured = Some(
            NotMeasured::Unmeasurable {
                detail: "case metrics are measured from case event logs (sla clocks); the workspace holds no case facts".into(),
            }
            .describe(),
        );
        return base;
    }
    let mut placed = Vec::new();
    let mut excluded_windows: BTreeMap<String, String> = BTreeMap::new();
    for f in facts.iter().filter(|f| in_scope(v, f, org, &c.client)) {
        let (day, inc) = place(c, v, org, f);
        if !month.contains(day) {
            continue;
        }
        match inc {
            Inclusion::Included => placed.push((day, f)),
            Inclusion::ExcludedDay => {
                if let Some(e) = c.excluded(&v.id, day) {
                    if !base.excluded_days.iter().any(|(d, _)| *d == day) {
                        base.excluded_days.push((day, e.reason.clone()));
                    }
                    excluded_windows
                        .entry(window_label(v.window, day))
                        .or_insert_with(|| e.reason.clone());
                }
            }
            Inclusion::OutsideCalendarHours => {}
        }
    }
    base.excluded_days.sort();
    let in_scope_facts: Vec<&IntervalFact> = placed.iter().map(|(_, f)| *f).collect();
    if let Some(detail) = threshold_mismatch(v, &in_scope_facts) {
        base.not_measured = Some(NotMeasured::Unmeasurable { detail }.describe());
        return base;
    }
    let total: IntervalSums = placed.iter().map(|(_, f)| f.sums).sum();
    let mut by_window: BTreeMap<String, IntervalSums> = BTreeMap::new();
    for (day, f) in &placed {
        *by_window.entry(window_label(v.window, *day)).or_default() += f.sums;
    }
    let mut windows: Vec<(String, Verdict)> = by_window
        .into_iter()
        .map(|(label, sums)| {
            let m = measure(&v.metric, &sums).unwrap_or(opsdeck_core::sla::Measure {
                achieved: None,
                volume: 0,
            });
            (label, judge(v, m))
        })
        .collect();
    for (label, reason) in excluded_windows {
        if !windows.iter().any(|(l, _)| *l == label) {
            windows.push((
                label,
                Verdict::not_measured(NotMeasured::Excluded { reason }, None),
            ));
        }
    }
    windows.sort_by(|a, b| a.0.cmp(&b.0));
    let m = measure(&v.metric, &total).unwrap_or(opsdeck_core::sla::Measure {
        achieved: None,
        volume: 0,
    });
    base.achieved = m.achieved;
    base.volume = m.volume;
    base.status = month_status(windows.iter().map(|(_, w)| w));
    base.windows_measured = windows.iter().filter(|(_, w)| w.met.is_some()).count();
    base.windows_met = windows.iter().filter(|(_, w)| w.met == Some(true)).count();
    base.windows_missed = windows.iter().filter(|(_, w)| w.met == Some(false)).count();
    base.margin = windows
        .iter()
        .filter_map(|(_, w)| w.margin)
        .min_by(|a, b| a.total_cmp(b));
    if base.status == Status::NotMeasured {
        base.not_measured = Some(match windows.as_slice() {
            [] => NotMeasured::NoData.describe(),
            [(_, w)] => w
                .not_measured
                .as_ref()
                .map_or_else(|| NotMeasured::NoData.describe(), |n| n.describe()),
            many => format!(
                "no window measured ({} windows: {})",
                many.len(),
                many.iter()
                    .filter_map(|(l, w)| w
                        .not_measured
                        .as_ref()
                        .map(|n| format!("{l} {}", n.describe())))
                    .take(3)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    base.windows = windows;
    base
}

/// The versions to evaluate for a month: the governing one first, then informational ones.
pub fn versions_for<'a>(
    c: &'a Contract,
    sla: &str,
    month: YearMonth,
) -> Vec<(&'a SlaVersion, Role)> {
    let vs = c.versions_in(sla, month.first, month.last());
    let gov = vs
        .iter()
        .position(|v| v.in_force_on(month.first))
        .or(if vs.is_empty() { None } else { Some(0) });
    vs.iter()
        .enumerate()
        .map(|(i, v)| {
            (
                *v,
                if Some(i) == gov {
                    Role::Governing
                } else {
                    Role::Informational
                },
            )
        })
        .collect()
}

/// The governing status of every SLA in a month.
fn governing_statuses(
    c: &Contract,
    org: &Org,
    facts: &[IntervalFact],
    month: YearMonth,
) -> BTreeMap<String, Status> {
    let mut out = BTreeMap::new();
    for id in c.slas.keys() {
        if let Some((v, _)) = versions_for(c, id, month)
            .into_iter()
            .find(|(_, r)| *r == Role::Governing)
        {
            out.insert(
                id.clone(),
                evaluate_version(c, v, org, facts, month, Role::Governing).status,
            );
        }
    }
    out
}

/// Does the client have any facts in the month (in its queues' zones)?
fn has_data(client: &str, facts: &[IntervalFact], month: YearMonth) -> bool {
    facts.iter().any(|f| {
        f.client == client && month.contains(local_time(f.zone, f.interval_start_utc).date())
    })
}

/// Handled contacts per (program, channel) in the month, days local to each queue.
pub fn handled_by_line(
    client: &str,
    org: &Org,
    facts: &[IntervalFact],
    month: YearMonth,
) -> BTreeMap<(String, Channel), i64> {
    let mut out = BTreeMap::new();
    for f in facts.iter().filter(|f| f.client == client) {
        if !month.contains(local_time(f.zone, f.interval_start_utc).date()) {
            continue;
        }
        if let Some(q) = org.queues.get(&f.queue) {
            *out.entry((f.program.clone(), q.channel)).or_insert(0) += f.sums.handled;
        }
    }
    out
}

/// Evaluate a client's month: every SLA, credits with earn-back over the following months in
/// `facts`, the invoice and the net. `facts` must cover the month and the K months after it
/// (see [`load_for`]).
pub fn evaluate(
    c: &Contract,
    org: &Org,
    facts: &[IntervalFact],
    month: YearMonth,
) -> Result<Evaluation> {
    if !c.in_term(month.last()) && !c.in_term(month.first) {
        return Err(EngineError::Invalid(format!(
            "period {} is outside contract {:?}'s term ({} .. {})",
            month.label(),
            c.id,
            c.start,
            c.end.map_or("open".to_string(), |e| e.to_string())
        )));
    }
    let k = c.credits.earn_back_periods;
    let mut following_status: Vec<Option<BTreeMap<String, Status>>> = Vec::new();
    let mut m = month;
    for _ in 0..k {
        m = m.next();
        following_status.push(
            (has_data(&c.client, facts, m) && c.in_term(m.first))
                .then(|| governing_statuses(c, org, facts, m)),
        );
    }
    let mut slas = Vec::new();
    let mut inputs = Vec::new();
    let mut statuses = BTreeMap::new();
    for id in c.slas.keys() {
        for (v, role) in versions_for(c, id, month) {
            let r = evaluate_version(c, v, org, facts, month, role);
            if role == Role::Governing {
                statuses.insert(id.clone(), r.status);
                inputs.push(CreditInput {
                    sla: id.clone(),
                    status: r.status,
                    category_pct: v.category_pct,
                    allocation_pct: v.credit_allocation_pct,
                    following: following_status
                        .iter()
                        .map(|s| {
                            s.as_ref()
                                .map(|s| s.get(id).copied().unwrap_or(Status::NotMeasured))
                        })
                        .collect(),
                });
            }
            slas.push(r);
        }
    }
    let inv = invoice(c, &handled_by_line(&c.client, org, facts, month));
    let (lines, credits) = assess(inv.base, &c.credits, &inputs);
    for l in lines {
        if let Some(r) = slas
            .iter_mut()
            .find(|r| r.sla == l.sla && r.role == Role::Governing)
        {
            r.credit = l.credit;
            r.earn_back = l.earn_back;
        }
    }
    let (bonus, malus) = outcome_adjustments(c, &statuses);
    let net = opsdeck_core::credits::cents(inv.base + bonus - malus - credits.payable);
    Ok(Evaluation {
        contract: c.id.clone(),
        client: c.client.clone(),
        currency: c.currency.clone(),
        period: month.label(),
        invoice: inv,
        bonus,
        malus,
        slas,
        credits,
        net,
    })
}

/// The interval facts an evaluation of `month` needs: the client's, from the day before the
/// month (a calendar's zone can place a queue's interval on a neighbouring day) through the
/// K earn-back months after it.
pub fn load_for(ws: &Workspace, c: &Contract, month: YearMonth) -> Result<Vec<IntervalFact>> {
    let mut last = month;
    for _ in 0..c.credits.earn_back_periods {
        last = last.next();
    }
    let q = ScorecardQuery {
        client: Some(c.client.clone()),
        program: None,
        queue: None,
        from: month.first.pred_opt().unwrap_or(month.first),
        to: last.last().succ_opt().unwrap_or(last.last()),
        by: Period::Total,
        level: Level::Client,
        variant: SlVariant::Offered,
    };
    load_facts(ws, &q)
}

/// One aggregate row behind an SLA figure: a queue × local day (or interval) with its sums and
/// whether it counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainRow {
    pub queue: String,
    pub program: String,
    /// Local day (or interval start, local) in the SLA's zone.
    pub period: String,
    pub window: String,
    pub inclusion: Inclusion,
    pub threshold_s: i64,
    pub short_abandon_s: i64,
    pub sums: IntervalSums,
}

/// The queue × day rows (or queue × interval rows with `by_interval`) in scope of an SLA
/// version in a month; the included rows re-sum to the figure `evaluate` shows.
pub fn explain(
    c: &Contract,
    v: &SlaVersion,
    org: &Org,
    facts: &[IntervalFact],
    month: YearMonth,
    by_interval: bool,
) -> Vec<ExplainRow> {
    let mut rows: BTreeMap<(String, String, i64, String), ExplainRow> = BTreeMap::new();
    for f in facts.iter().filter(|f| in_scope(v, f, org, &c.client)) {
        let (day, inc) = place(c, v, org, f);
        if !month.contains(day) {
            continue;
        }
        let cal_zone = v
            .calendar
            .as_ref()
            .and_then(|id| org.calendars.get(id))
            .map_or(f.zone, |c| c.zone);
        let (sort, period) = if by_interval {
            let t = chrono::DateTime::from_timestamp(f.interval_start_utc, 0)
                .map(|d| {
                    d.with_timezone(&cal_zone)
                        .format("%Y-%m-%d %H:%M%:z")
                        .to_string()
                })
                .unwrap_or_default();
            (f.interval_start_utc, t)
        } else {
            (0, day.format("%Y-%m-%d").to_string())
        };
        let key = (f.queue.clone(), format!("{inc:?}"), sort, period.clone());
        let row = rows.entry(key).or_insert_with(|| ExplainRow {
            queue: f.queue.clone(),
            program: f.program.clone(),
            period,
            window: window_label(v.window, day),
            inclusion: inc,
            threshold_s: f.thresholds.service_s,
            short_abandon_s: f.thresholds.short_abandon_s,
            sums: IntervalSums::default(),
        });
        row.sums += f.sums;
    }
    let mut out: Vec<ExplainRow> = rows.into_values().collect();
    out.sort_by(|a, b| (&a.period, &a.queue).cmp(&(&b.period, &b.queue)));
    out
}
