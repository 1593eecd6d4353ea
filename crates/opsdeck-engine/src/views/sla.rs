//! Contact-centre SLA evaluation over the workspace's interval facts: per SLA the achieved value
//! re-summed from the queue × interval sums in scope (through `opsdeck_core::sla`, which uses the
//! one KPI definition of `opsdeck_core::kpi`), the data coverage, the month's verdict, credits
//! with cap and earn-back, the invoice and the net; the aggregate rows behind a figure
//! (`explain`) and the queue-days without data (`missing_days`); and the tables they print as.
//!
//! Choices (docs/formats.md, "SLA evaluation"):
//! - the evaluation period is a calendar month; an SLA's days are local to its calendar's zone
//!   (or to each queue's zone without a calendar); with a calendar, only intervals starting in
//!   its business hours and outside its holidays count;
//! - coverage is the share of the scope's open intervals (queue calendar, and the SLA's when it
//!   has one; excluded days left out) that fall on a queue-day with data; below the contract's
//!   `min_coverage` the SLA is `insufficient_data`, whatever the data present says;
//! - the version in force on the month's first day governs the month (or, when none is, the
//!   first to take effect within it); a version taking effect inside the month is evaluated too
//!   and shown beside it as `informational` — it governs from the next month;
//! - day and week windows: the month is missed if any measured window missed; weeks are ISO
//!   weeks clipped to the month;
//! - excluded days are removed from measurement; a window with only excluded days is not
//!   measured.

use crate::cases::CaseRecord;
use crate::error::{EngineError, Result};
use crate::views::table::{self, col, Column, Kind, Table, Value};
use crate::workspace::{IntervalFact, Workspace};

mod cases;
pub use cases::{case_explain_table, explain_cases, CaseExplainRow, CASE_EXPLAIN_COLUMNS};
use chrono::NaiveDate;
use chrono_tz::Tz;
use opsdeck_core::calendar::{intervals_of_day, local_time};
use opsdeck_core::contract::{Contract, SlaVersion, Window};
use opsdeck_core::credits::{
    assess, invoice, outcome_adjustments, CreditInput, EarnBack, Invoice, MonthCredits,
};
use opsdeck_core::sla::{
    judge, measure, month_status, with_coverage, NotMeasured, Status, Verdict,
};
use opsdeck_core::{Channel, IntervalSums, Org, Queue, SlVariant, YearMonth};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Whether a version's row decides the month or is shown beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Governing,
    Informational,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Governing => "governing",
            Role::Informational => "informational",
        }
    }
}

/// A window (day, ISO week, month) and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowResult {
    pub window: String,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// A queue-day open by the calendars that has no data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MissingDay {
    pub queue: String,
    pub day: NaiveDate,
    /// Open intervals of the day that have no data.
    pub open_intervals: i64,
}

/// One SLA version's result for the month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaResult {
    pub sla: String,
    pub name: String,
    pub version: u32,
    pub effective_from: NaiveDate,
    pub role: Role,
    pub metric: String,
    /// `fraction`, `seconds` or `points`: the unit of `target`, `achieved` and `margin`.
    pub unit: String,
    pub target: f64,
    pub comparison: String,
    pub window: String,
    /// Re-summed over every included interval of the month; `None` when not measured or
    /// undefined.
    pub achieved: Option<f64>,
    /// The metric's base (offered, answered, handled, responses …) behind `achieved`.
    pub volume: i64,
    /// For a month window its margin; for day/week windows the worst measured margin.
    pub margin: Option<f64>,
    pub status: Status,
    /// With `insufficient_data`: the status the data present gives (met, missed or
    /// not_measured), on which a provisional credit rests.
    pub provisional_status: Option<Status>,
    /// Plain words: `missed: 3 of 30 days below 90.0 % (worst 2025-10-14: 71.2 %)`.
    pub verdict: String,
    /// Why nothing was judged, when nothing was.
    pub not_measured: Option<String>,
    /// Share of the scope's open intervals on queue-days with data; `None` when nothing was
    /// open (or the metric is not measured from contact facts).
    pub coverage: Option<f64>,
    pub open_intervals: i64,
    pub covered_intervals: i64,
    /// The contract's minimum coverage for a verdict.
    pub min_coverage: f64,
    pub windows_measured: usize,
    pub windows_met: usize,
    pub windows_missed: usize,
    /// The measured window with the smallest margin (day and week windows).
    pub worst_window: Option<String>,
    pub worst_window_achieved: Option<f64>,
    pub windows: Vec<WindowResult>,
    /// Days taken out of measurement, with the reason.
    pub excluded_days: Vec<(NaiveDate, String)>,
    /// Queue-days open by the calendars without data (what lowers `coverage`).
    pub missing_days: Vec<MissingDay>,
    /// A × B × C when missed (0 for informational rows); with insufficient data, what the
    /// data present gives, marked `provisional`.
    pub credit: f64,
    pub provisional: bool,
    #[serde(flatten)]
    pub earn_back: EarnBack,
}

/// A client's month under its contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub contract: String,
    pub revision: i64,
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
    /// Some SLA lacks data: credits and net may change once it arrives.
    pub provisional: bool,
}

/// Margin under which a met SLA is shown as at risk, per unit: one percentage point of a
/// fraction, one NPS / CSAT point, 5 % of a time target.
pub const AT_RISK_MARGIN: [(&str, f64); 2] = [("fraction", 0.01), ("points", 1.0)];
/// Share of a time target (`seconds`) under which a met SLA is shown as at risk.
pub const AT_RISK_SECONDS_SHARE: f64 = 0.05;

impl SlaResult {
    /// The status people read on the dashboard and in the packs: the verdict (`met`,
    /// `missed`, `not_measured`, `insufficient_data` — never a verdict on missing data), and
    /// `at_risk` for a met SLA whose margin is under [`AT_RISK_MARGIN`] (for a time target,
    /// [`AT_RISK_SECONDS_SHARE`] of it).
    pub fn shown_status(&self) -> &'static str {
        let near = |m: f64| match self.unit.as_str() {
            "seconds" => m < AT_RISK_SECONDS_SHARE * self.target.abs(),
            u => AT_RISK_MARGIN
                .iter()
                .find(|(x, _)| *x == u)
                .is_some_and(|(_, limit)| m < *limit),
        };
        match (self.status, self.margin) {
            (Status::Met, Some(m)) if near(m) => "at_risk",
            (s, _) => s.as_str(),
        }
    }
}

/// Does the queue belong to the SLA's scope for `client`?
fn queue_in_scope(v: &SlaVersion, q: &Queue, client: &str) -> bool {
    let s = &v.scope;
    q.client == client
        && s.program.as_ref().is_none_or(|p| *p == q.program)
        && (s.queues.is_empty() || s.queues.contains(&q.id))
        && s.channel.is_none_or(|c| q.channel == c)
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Inclusion {
    Included,
    OutsideCalendarHours,
    ExcludedDay,
}

impl Inclusion {
    pub fn as_str(self) -> &'static str {
        match self {
            Inclusion::Included => "included",
            Inclusion::ExcludedDay => "excluded_day",
            Inclusion::OutsideCalendarHours => "outside_calendar_hours",
        }
    }
}

/// The zone an SLA's days are local to for a queue.
fn sla_zone(v: &SlaVersion, org: &Org, queue_zone: Tz) -> Tz {
    v.calendar
        .as_ref()
        .and_then(|id| org.calendars.get(id))
        .map_or(queue_zone, |c| c.zone)
}

/// The local day a fact counts on for an SLA, and whether it is included.
fn place(c: &Contract, v: &SlaVersion, org: &Org, f: &IntervalFact) -> (NaiveDate, Inclusion) {
    let cal = v.calendar.as_ref().and_then(|id| org.calendars.get(id));
    let day = local_time(sla_zone(v, org, f.zone), f.interval_start_utc).date();
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
                "queue {:?} facts count answers within T = {} s, the SLA asks T = {t} s (set the queue's threshold_s in the setup file to the SLA's)",
                f.queue, f.thresholds.service_s
            ));
        }
        if let Some(s) = v
            .short_abandon_s
            .filter(|s| uses_s && *s != f.thresholds.short_abandon_s)
        {
            return Some(format!(
                "queue {:?} facts count short abandons within S = {} s, the SLA asks S = {s} s (set the queue's short_abandon_s in the setup file to the SLA's)",
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

fn window_noun(w: Window, n: usize) -> &'static str {
    match (w, n) {
        (Window::Day, 1) => "day",
        (Window::Day, _) => "days",
        (Window::Week, 1) => "week",
        (Window::Week, _) => "weeks",
        (Window::Month, 1) => "month",
        (Window::Month, _) => "months",
    }
}

/// Open intervals of a scope queue on an SLA day: open by the queue's calendar and, when the
/// SLA has one, by the SLA's; computed once per (calendars, day, length).
#[derive(Default)]
struct OpenCache {
    cache: HashMap<(String, Option<String>, NaiveDate, u32), i64>,
}

impl OpenCache {
    fn open(&mut self, org: &Org, v: &SlaVersion, q: &Queue, day: NaiveDate) -> i64 {
        let key = (
            q.calendar.clone(),
            v.calendar.clone(),
            day,
            q.interval.minutes(),
        );
        if let Some(n) = self.cache.get(&key) {
            return *n;
        }
        let qcal = org.calendars.get(&q.calendar);
        let scal = v.calendar.as_ref().and_then(|id| org.calendars.get(id));
        let zone = scal.map_or(q.zone, |c| c.zone);
        let n = intervals_of_day(zone, day, q.interval)
            .into_iter()
            .filter(|t| {
                qcal.is_none_or(|c| c.is_open_at(*t)) && scal.is_none_or(|c| c.is_open_at(*t))
            })
            .count() as i64;
        self.cache.insert(key, n);
        n
    }
}

/// Open and covered intervals of an SLA's scope in a month, and the queue-days without data.
fn coverage(
    c: &Contract,
    v: &SlaVersion,
    org: &Org,
    facts: &[IntervalFact],
    month: YearMonth,
) -> (i64, i64, Vec<MissingDay>) {
    let mut present: BTreeSet<(&str, NaiveDate)> = BTreeSet::new();
    for f in facts.iter().filter(|f| in_scope(v, f, org, &c.client)) {
        let (day, _) = place(c, v, org, f);
        if month.contains(day) {
            present.insert((f.queue.as_str(), day));
        }
    }
    let mut cache = OpenCache::default();
    let (mut open, mut covered) = (0, 0);
    let mut missing = Vec::new();
    for q in org
        .queues
        .values()
        .filter(|q| queue_in_scope(v, q, &c.client))
    {
        let mut day = month.first;
        while day <= month.last() {
            if c.excluded(&v.id, day).is_none() && c.in_term(day) {
                let n = cache.open(org, v, q, day);
                open += n;
                if present.contains(&(q.id.as_str(), day)) {
                    covered += n;
                } else if n > 0 {
                    missing.push(MissingDay {
                        queue: q.id.clone(),
                        day,
                        open_intervals: n,
                    });
                }
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
    }
    missing.sort();
    (open, covered, missing)
}

/// The plain-words verdict of a result.
fn describe(r: &SlaResult, w: Window) -> String {
    let show = |x: f64| table::measure(x, &r.unit);
    let target = format!("{} {}", r.comparison, show(r.target));
    match r.status {
        Status::InsufficientData => format!(
            "insufficient data: coverage {} < {} ({} queue-day(s) without data){}",
            r.coverage.map_or("—".into(), table::percent),
            table::percent(r.min_coverage),
            r.missing_days.len(),
            match r.provisional_status {
                Some(Status::Met) => "; met on the data present".to_string(),
                Some(Status::Missed) => "; missed on the data present".to_string(),
                _ => String::new(),
            }
        ),
        Status::NotMeasured => format!(
            "not measured: {}",
            r.not_measured.clone().unwrap_or_default()
        ),
        Status::Met | Status::Missed if w == Window::Month => format!(
            "{}: {} (target {target})",
            r.status.as_str(),
            r.achieved.map_or("—".into(), show)
        ),
        Status::Met => format!(
            "met: {} of {} {} {target}",
            r.windows_met,
            r.windows_measured,
            window_noun(w, r.windows_measured)
        ),
        Status::Missed => format!(
            "missed: {} of {} {} {} {}{}",
            r.windows_missed,
            r.windows_measured,
            window_noun(w, r.windows_measured),
            match r.comparison.as_str() {
                ">=" => "below",
                ">" => "at or below",
                "<=" => "above",
                _ => "at or above",
            },
            show(r.target),
            match (&r.worst_window, r.worst_window_achieved) {
                (Some(l), Some(a)) => format!(" (worst {l}: {})", show(a)),
                _ => String::new(),
            }
        ),
    }
}

/// Evaluate one SLA version over one month (no credits yet).
pub fn evaluate_version(
    c: &Contract,
    v: &SlaVersion,
    org: &Org,
    facts: &[IntervalFact],
    case_records: &[CaseRecord],
    month: YearMonth,
    role: Role,
) -> SlaResult {
    let mut base = SlaResult {
        sla: v.id.clone(),
        name: v.name.clone(),
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
        provisional_status: None,
        verdict: String::new(),
        not_measured: None,
        coverage: None,
        open_intervals: 0,
        covered_intervals: 0,
        min_coverage: c.min_coverage,
        windows_measured: 0,
        windows_met: 0,
        windows_missed: 0,
        worst_window: None,
        worst_window_achieved: None,
        windows: vec![],
        excluded_days: vec![],
        missing_days: vec![],
        credit: 0.0,
        provisional: false,
        earn_back: EarnBack::NotApplicable,
    };
    if v.metric.is_case_metric() {
        return cases::evaluate(c, v, org, case_records, month, base);
    }
    let (open, covered, missing) = coverage(c, v, org, facts, month);
    base.open_intervals = open;
    base.covered_intervals = covered;
    base.coverage = opsdeck_core::kpi::ratio(covered, open);
    base.missing_days = missing;

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
        base.verdict = describe(&base, v.window);
        return base;
    }
    let total: IntervalSums = placed.iter().map(|(_, f)| f.sums).sum();
    let mut by_window: BTreeMap<String, IntervalSums> = BTreeMap::new();
    for (day, f) in &placed {
        *by_window.entry(window_label(v.window, *day)).or_default() += f.sums;
    }
    let none = opsdeck_core::sla::Measure {
        achieved: None,
        volume: 0,
    };
    let mut windows: Vec<WindowResult> = by_window
        .into_iter()
        .map(|(label, sums)| WindowResult {
            window: label,
            verdict: judge(v, measure(&v.metric, &sums).unwrap_or(none)),
        })
        .collect();
    for (label, reason) in excluded_windows {
        if !windows.iter().any(|w| w.window == label) {
            windows.push(WindowResult {
                window: label,
                verdict: Verdict::not_measured(NotMeasured::Excluded { reason }, None),
            });
        }
    }
    let m = measure(&v.metric, &total).unwrap_or(none);
    conclude(c, v, base, windows, m)
}

/// The month's result from its windows' verdicts and the month's measure: counts, the worst
/// window, the reason when nothing was measured, the status under the coverage rule.
fn conclude(
    c: &Contract,
    v: &SlaVersion,
    mut base: SlaResult,
    mut windows: Vec<WindowResult>,
    m: opsdeck_core::sla::Measure,
) -> SlaResult {
    windows.sort_by(|a, b| a.window.cmp(&b.window));
    let window_status = month_status(windows.iter().map(|w| &w.verdict));
    base.volume = m.volume;
    base.windows_measured = windows.iter().filter(|w| w.verdict.met.is_some()).count();
    base.windows_met = windows
        .iter()
        .filter(|w| w.verdict.met == Some(true))
        .count();
    base.windows_missed = windows
        .iter()
        .filter(|w| w.verdict.met == Some(false))
        .count();
    if let Some(worst) = windows
        .iter()
        .filter(|w| w.verdict.margin.is_some())
        .min_by(|a, b| {
            a.verdict
                .margin
                .unwrap_or(0.0)
                .total_cmp(&b.verdict.margin.unwrap_or(0.0))
        })
    {
        base.margin = worst.verdict.margin;
        if v.window != Window::Month {
            base.worst_window = Some(worst.window.clone());
            base.worst_window_achieved = worst.verdict.achieved;
        }
    }
    if window_status == Status::NotMeasured {
        base.not_measured = Some(match windows.as_slice() {
            [] => NotMeasured::NoData.describe(),
            [w] => w
                .verdict
                .not_measured
                .as_ref()
                .map_or_else(|| NotMeasured::NoData.describe(), |n| n.describe()),
            many => format!(
                "no window measured ({} windows: {})",
                many.len(),
                many.iter()
                    .filter_map(|w| w.verdict.not_measured.as_ref().map(|n| format!(
                        "{} {}",
                        w.window,
                        n.describe()
                    )))
                    .take(3)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    } else {
        // a not-measured SLA has no achieved value, only its reason
        base.achieved = m.achieved;
    }
    base.status = with_coverage(window_status, base.coverage, c.min_coverage);
    if base.status == Status::InsufficientData {
        base.provisional_status = Some(window_status);
    }
    base.windows = windows;
    base.verdict = describe(&base, v.window);
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
    case_records: &[CaseRecord],
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
                evaluate_version(c, v, org, facts, case_records, month, Role::Governing).status,
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
/// (see [`load_for`]); `revision` is the stored contract revision, for the record.
pub fn evaluate(
    c: &Contract,
    revision: i64,
    org: &Org,
    facts: &[IntervalFact],
    case_records: &[CaseRecord],
    month: YearMonth,
) -> Result<Evaluation> {
    if !c.in_term(month.last()) && !c.in_term(month.first) {
        return Err(EngineError::invalid(
            "period",
            format!(
                "period {} is outside contract {:?}'s term ({} .. {})",
                month.label(),
                c.id,
                c.start,
                c.end.map_or("open".to_string(), |e| e.to_string())
            ),
        ));
    }
    let k = c.credits.earn_back_periods;
    let mut following_status: Vec<Option<BTreeMap<String, Status>>> = Vec::new();
    let mut m = month;
    for _ in 0..k {
        m = m.next();
        following_status.push(
            ((has_data(&c.client, facts, m) || cases::has_data(&c.client, org, case_records, m))
                && c.in_term(m.first))
            .then(|| governing_statuses(c, org, facts, case_records, m)),
        );
    }
    let mut slas = Vec::new();
    let mut inputs = Vec::new();
    let mut statuses = BTreeMap::new();
    for id in c.slas.keys() {
        for (v, role) in versions_for(c, id, month) {
            let r = evaluate_version(c, v, org, facts, case_records, month, role);
            if role == Role::Governing {
                statuses.insert(id.clone(), r.status);
                inputs.push(CreditInput {
                    sla: id.clone(),
                    status: r.status,
                    provisional_status: r.provisional_status,
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
            r.provisional = l.provisional;
            r.earn_back = l.earn_back;
        }
    }
    let (bonus, malus) = outcome_adjustments(c, &statuses);
    let net = opsdeck_core::credits::cents(inv.base + bonus - malus - credits.payable);
    Ok(Evaluation {
        contract: c.id.clone(),
        revision,
        client: c.client.clone(),
        currency: c.currency.clone(),
        period: month.label(),
        invoice: inv,
        bonus,
        malus,
        provisional: !credits.provisional_slas.is_empty(),
        slas,
        credits,
        net,
    })
}

/// The interval facts an evaluation of `month` needs: the client's, from the day before the
/// month (a calendar's zone can place a queue's interval on a neighbouring day) through the
/// K earn-back months after it. Nothing of a client outside `scope`.
pub fn load_for(
    ws: &Workspace,
    scope: &opsdeck_core::Scope,
    c: &Contract,
    month: YearMonth,
) -> Result<Vec<IntervalFact>> {
    let mut last = month;
    for _ in 0..c.credits.earn_back_periods {
        last = last.next();
    }
    ws.interval_facts(
        scope,
        Some(&c.client),
        month.first.pred_opt().unwrap_or(month.first),
        last.last().succ_opt().unwrap_or(last.last()),
    )
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
    let mut rows: BTreeMap<(String, Inclusion, i64, String), ExplainRow> = BTreeMap::new();
    for f in facts.iter().filter(|f| in_scope(v, f, org, &c.client)) {
        let (day, inc) = place(c, v, org, f);
        if !month.contains(day) {
            continue;
        }
        let zone = sla_zone(v, org, f.zone);
        let (sort, period) = if by_interval {
            let t = chrono::DateTime::from_timestamp(f.interval_start_utc, 0)
                .map(|d| {
                    d.with_timezone(&zone)
                        .format("%Y-%m-%d %H:%M%:z")
                        .to_string()
                })
                .unwrap_or_default();
            (f.interval_start_utc, t)
        } else {
            (0, day.format("%Y-%m-%d").to_string())
        };
        let key = (f.queue.clone(), inc, sort, period.clone());
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

/// The queue-days in an SLA's scope that are open by the calendars but have no data.
pub fn missing_days(
    c: &Contract,
    v: &SlaVersion,
    org: &Org,
    facts: &[IntervalFact],
    month: YearMonth,
) -> Vec<MissingDay> {
    coverage(c, v, org, facts, month).2
}

// ---------------------------------------------------------------------------------------------
// tables

/// One row per SLA version per client-month (`opsdeck sla evaluate`).
/// The columns people read of the SLA rows — the CLI's table and the dashboard's pages (CSV
/// and JSON carry every column).
pub const SLA_HEADLINE: [&str; 14] = [
    "client",
    "period",
    "sla",
    "version",
    "role",
    "unit",
    "comparison",
    "target",
    "achieved",
    "coverage",
    "status",
    "verdict",
    "credit",
    "currency",
];

/// The columns people read of the money rows: invoice, what is at risk, credits (earned back,
/// pending earn-back, payable) and net.
pub const MONEY_HEADLINE: [&str; 14] = [
    "client",
    "period",
    "currency",
    "invoice",
    "bonus",
    "malus",
    "at_risk",
    "credits_gross",
    "credits_earned_back",
    "credits_pending",
    "credits_payable",
    "cap_binding",
    "net",
    "provisional",
];

pub static SLA_COLUMNS: [Column; 31] = [
    col("client", Kind::Text, "client id"),
    col("contract", Kind::Text, "contract id"),
    col(
        "revision",
        Kind::Count,
        "stored revision of the contract the row comes from",
    ),
    col("period", Kind::Period, "the month"),
    col("sla", Kind::Text, "SLA id"),
    col(
        "version",
        Kind::Count,
        "SLA version (1 = earliest effective_from)",
    ),
    col(
        "effective_from",
        Kind::Date,
        "first day the version is in force",
    ),
    col(
        "role",
        Kind::Text,
        "governing (decides the month) or informational (takes effect within it)",
    ),
    col(
        "metric",
        Kind::Text,
        "service_level, asa, aht, abandon_rate, csat, nps, fcr or a case metric",
    ),
    col(
        "unit",
        Kind::Text,
        "fraction, seconds or points: the unit of target, achieved and margin",
    ),
    col("comparison", Kind::Text, ">=, >, <= or <"),
    col(
        "target",
        Kind::Measure {
            unit_column: "unit",
        },
        "the SLA's target",
    ),
    col("window", Kind::Text, "day, week or month: what is judged"),
    col(
        "achieved",
        Kind::Measure {
            unit_column: "unit",
        },
        "the month's figure re-summed over included intervals (null when not measured)",
    ),
    col(
        "volume",
        Kind::Count,
        "the metric's base: offered, answered, handled, responses …",
    ),
    col(
        "margin",
        Kind::Measure {
            unit_column: "unit",
        },
        "achieved − target on the good side; the worst window's for day and week windows",
    ),
    col(
        "coverage",
        Kind::Fraction,
        "share of the scope's open intervals on queue-days with data",
    ),
    col(
        "min_coverage",
        Kind::Fraction,
        "the contract's minimum coverage for a verdict",
    ),
    col("windows_measured", Kind::Count, "windows judged"),
    col("windows_met", Kind::Count, "of those, met"),
    col("windows_missed", Kind::Count, "of those, missed"),
    col(
        "worst_window",
        Kind::Period,
        "the judged window with the smallest margin (day and week windows)",
    ),
    col(
        "worst_window_achieved",
        Kind::Measure {
            unit_column: "unit",
        },
        "its achieved value",
    ),
    col(
        "status",
        Kind::Text,
        "met, missed, not_measured or insufficient_data (coverage below min_coverage)",
    ),
    col(
        "verdict",
        Kind::Text,
        "the status in words, with the windows and the worst one",
    ),
    col(
        "not_measured_reason",
        Kind::Text,
        "why nothing was judged, when nothing was",
    ),
    col(
        "excluded_days",
        Kind::Text,
        "days taken out of measurement, with the reason",
    ),
    col(
        "credit",
        Kind::Money {
            currency_column: "currency",
        },
        "A × B × C when missed (after earn-back, before the cap)",
    ),
    col("currency", Kind::Text, "ISO 4217 code of the contract"),
    col(
        "provisional",
        Kind::Flag,
        "the credit rests on incomplete data (insufficient_data)",
    ),
    col(
        "earn_back",
        Kind::Text,
        "pending (k/K periods met), earned or lost; empty when there is nothing to earn back",
    ),
];

/// The cells of one SLA result, in `SLA_COLUMNS` order.
pub fn sla_cells(e: &Evaluation, r: &SlaResult) -> Vec<Value> {
    let text = |s: &str| Value::Text(s.to_string());
    vec![
        text(&e.client),
        text(&e.contract),
        Value::Int(e.revision),
        text(&e.period),
        text(&r.sla),
        Value::Int(i64::from(r.version)),
        Value::Text(r.effective_from.to_string()),
        text(r.role.as_str()),
        text(&r.metric),
        text(&r.unit),
        text(&r.comparison),
        Value::Num(Some(r.target)),
        text(&r.window),
        Value::Num(r.achieved),
        Value::Int(r.volume),
        Value::Num(r.margin),
        Value::Num(r.coverage),
        Value::Num(Some(r.min_coverage)),
        Value::count(r.windows_measured as u64),
        Value::count(r.windows_met as u64),
        Value::count(r.windows_missed as u64),
        text(r.worst_window.as_deref().unwrap_or("")),
        Value::Num(r.worst_window_achieved),
        text(r.status.as_str()),
        text(&r.verdict),
        text(r.not_measured.as_deref().unwrap_or("")),
        Value::Text(
            r.excluded_days
                .iter()
                .map(|(d, why)| format!("{d} ({why})"))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Value::Num(Some(r.credit)),
        text(&e.currency),
        Value::Flag(Some(r.provisional)),
        Value::Text(r.earn_back.describe()),
    ]
}

/// The SLA rows of evaluations (with the rows of earlier revisions each carries).
pub fn sla_table<'a>(rows: impl IntoIterator<Item = (&'a Evaluation, &'a SlaResult)>) -> Table {
    Table::new(
        SLA_COLUMNS.to_vec(),
        rows.into_iter().map(|(e, r)| sla_cells(e, r)).collect(),
    )
}

/// One row per client-month: invoice, credits and net (`opsdeck sla evaluate`, money view);
/// a range adds a total row per client and contract.
pub static MONEY_COLUMNS: [Column; 20] = [
    col("client", Kind::Text, "client id"),
    col("contract", Kind::Text, "contract id"),
    col(
        "period",
        Kind::Period,
        "the month, or FROM..TO for a range's total",
    ),
    col(
        "currency",
        Kind::Text,
        "ISO 4217 code of every amount in the row",
    ),
    col(
        "fte_charges",
        Kind::Money {
            currency_column: "currency",
        },
        "Σ fte × monthly rate",
    ),
    col(
        "contact_charges",
        Kind::Money {
            currency_column: "currency",
        },
        "Σ handled contacts × price",
    ),
    col(
        "unpriced_contacts",
        Kind::Count,
        "handled contacts no price line covers",
    ),
    col(
        "invoice",
        Kind::Money {
            currency_column: "currency",
        },
        "fte + contact charges: the service-level base",
    ),
    col(
        "bonus",
        Kind::Money {
            currency_column: "currency",
        },
        "outcome bonuses of met SLAs",
    ),
    col(
        "malus",
        Kind::Money {
            currency_column: "currency",
        },
        "outcome maluses of missed SLAs",
    ),
    col(
        "at_risk",
        Kind::Money {
            currency_column: "currency",
        },
        "C = at-risk % × invoice, also the monthly cap",
    ),
    col(
        "credits_gross",
        Kind::Money {
            currency_column: "currency",
        },
        "Σ credits of missed SLAs (provisional ones included)",
    ),
    col(
        "credits_earned_back",
        Kind::Money {
            currency_column: "currency",
        },
        "waived by earn-back",
    ),
    col(
        "credits_pending",
        Kind::Money {
            currency_column: "currency",
        },
        "earn-back still open (payable until earned)",
    ),
    col(
        "credits_provisional",
        Kind::Money {
            currency_column: "currency",
        },
        "credits of SLAs with insufficient data",
    ),
    col(
        "credits_payable",
        Kind::Money {
            currency_column: "currency",
        },
        "min(cap, gross − earned back)",
    ),
    col("cap_binding", Kind::Flag, "the cap lowered the credits"),
    col(
        "net",
        Kind::Money {
            currency_column: "currency",
        },
        "invoice + bonus − malus − credits payable",
    ),
    col(
        "provisional",
        Kind::Flag,
        "some SLA lacks data: credits and net may change",
    ),
    col(
        "provisional_slas",
        Kind::Text,
        "the SLAs whose verdict waits for data",
    ),
];

/// Sums of evaluations in one currency: a range's total for a client and contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MoneyTotal {
    pub client: String,
    pub contract: String,
    pub period: String,
    pub currency: String,
    pub fte_charges: f64,
    pub contact_charges: f64,
    pub unpriced_contacts: i64,
    pub invoice: f64,
    pub bonus: f64,
    pub malus: f64,
    pub at_risk: f64,
    pub credits_gross: f64,
    pub credits_earned_back: f64,
    pub credits_pending: f64,
    pub credits_provisional: f64,
    pub credits_payable: f64,
    pub cap_binding: bool,
    pub net: f64,
    pub provisional: bool,
    pub provisional_slas: Vec<String>,
}

impl MoneyTotal {
    /// The money of one evaluation.
    pub fn of(e: &Evaluation) -> MoneyTotal {
        MoneyTotal {
            client: e.client.clone(),
            contract: e.contract.clone(),
            period: e.period.clone(),
            currency: e.currency.clone(),
            fte_charges: e.invoice.fte_charges,
            contact_charges: e.invoice.contact_charges,
            unpriced_contacts: e.invoice.unpriced_contacts,
            invoice: e.invoice.base,
            bonus: e.bonus,
            malus: e.malus,
            at_risk: e.credits.at_risk,
            credits_gross: e.credits.gross,
            credits_earned_back: e.credits.earned_back,
            credits_pending: e.credits.pending,
            credits_provisional: e.credits.provisional,
            credits_payable: e.credits.payable,
            cap_binding: e.credits.cap_binding,
            net: e.net,
            provisional: e.provisional,
            provisional_slas: e
                .credits
                .provisional_slas
                .iter()
                .map(|s| format!("{s} ({})", e.period))
                .collect(),
        }
    }

    fn add(&mut self, o: &MoneyTotal) {
        let c = opsdeck_core::credits::cents;
        self.fte_charges = c(self.fte_charges + o.fte_charges);
        self.contact_charges = c(self.contact_charges + o.contact_charges);
        self.unpriced_contacts += o.unpriced_contacts;
        self.invoice = c(self.invoice + o.invoice);
        self.bonus = c(self.bonus + o.bonus);
        self.malus = c(self.malus + o.malus);
        self.at_risk = c(self.at_risk + o.at_risk);
        self.credits_gross = c(self.credits_gross + o.credits_gross);
        self.credits_earned_back = c(self.credits_earned_back + o.credits_earned_back);
        self.credits_pending = c(self.credits_pending + o.credits_pending);
        self.credits_provisional = c(self.credits_provisional + o.credits_provisional);
        self.credits_payable = c(self.credits_payable + o.credits_payable);
        self.cap_binding |= o.cap_binding;
        self.net = c(self.net + o.net);
        self.provisional |= o.provisional;
        self.provisional_slas
            .extend(o.provisional_slas.iter().cloned());
    }

    pub fn cells(&self) -> Vec<Value> {
        let text = |s: &str| Value::Text(s.to_string());
        vec![
            text(&self.client),
            text(&self.contract),
            text(&self.period),
            text(&self.currency),
            Value::Num(Some(self.fte_charges)),
            Value::Num(Some(self.contact_charges)),
            Value::Int(self.unpriced_contacts),
            Value::Num(Some(self.invoice)),
            Value::Num(Some(self.bonus)),
            Value::Num(Some(self.malus)),
            Value::Num(Some(self.at_risk)),
            Value::Num(Some(self.credits_gross)),
            Value::Num(Some(self.credits_earned_back)),
            Value::Num(Some(self.credits_pending)),
            Value::Num(Some(self.credits_provisional)),
            Value::Num(Some(self.credits_payable)),
            Value::Flag(Some(self.cap_binding)),
            Value::Num(Some(self.net)),
            Value::Flag(Some(self.provisional)),
            Value::Text(self.provisional_slas.join(", ")),
        ]
    }
}

/// Each evaluation's money, and with more than one month per (client, contract) a total row
/// for `range_label` after them (amounts are never added across currencies: a contract has
/// one).
pub fn money_rows(evals: &[Evaluation], range_label: &str) -> Vec<MoneyTotal> {
    let mut out = Vec::new();
    let mut totals: BTreeMap<(String, String), (usize, MoneyTotal)> = BTreeMap::new();
    for e in evals {
        let m = MoneyTotal::of(e);
        let t = totals
            .entry((e.client.clone(), e.contract.clone()))
            .or_insert_with(|| {
                (
                    0,
                    MoneyTotal {
                        client: e.client.clone(),
                        contract: e.contract.clone(),
                        period: range_label.to_string(),
                        currency: e.currency.clone(),
                        ..MoneyTotal::default()
                    },
                )
            });
        t.0 += 1;
        t.1.add(&m);
        out.push(m);
    }
    for (_, (n, t)) in totals {
        if n > 1 {
            out.push(t);
        }
    }
    out.sort_by(|a, b| {
        (&a.client, &a.contract, a.period.contains(".."), &a.period).cmp(&(
            &b.client,
            &b.contract,
            b.period.contains(".."),
            &b.period,
        ))
    });
    out
}

/// The money table of evaluations over a range.
pub fn money_table(evals: &[Evaluation], range_label: &str) -> Table {
    Table::new(
        MONEY_COLUMNS.to_vec(),
        money_rows(evals, range_label)
            .iter()
            .map(MoneyTotal::cells)
            .collect(),
    )
}

/// The columns of `opsdeck sla explain`: the row's identity, then every additive component in
/// `kpi::SUM_FIELDS` order.
pub fn explain_columns() -> Vec<Column> {
    let mut c = vec![
        col("queue", Kind::Text, "queue id"),
        col("program", Kind::Text, "program id"),
        col(
            "period",
            Kind::Period,
            "local day (or interval start) in the SLA's zone",
        ),
        col("window", Kind::Period, "the SLA window the row falls in"),
        col(
            "inclusion",
            Kind::Text,
            "included, excluded_day or outside_calendar_hours",
        ),
        col(
            "threshold_s",
            Kind::Seconds,
            "T the facts were counted with",
        ),
        col(
            "short_abandon_s",
            Kind::Seconds,
            "S the facts were counted with",
        ),
    ];
    c.extend(opsdeck_core::kpi::SUM_FIELDS.iter().map(|f| {
        table::col_owned(
            f.to_string(),
            sum_kind(f),
            format!("Σ {f} of the row's intervals"),
        )
    }));
    c
}

fn sum_kind(field: &str) -> Kind {
    if field.starts_with("sum_") {
        Kind::Seconds
    } else {
        Kind::Count
    }
}

/// The explain rows as a table.
pub fn explain_table(rows: &[ExplainRow]) -> Table {
    Table::new(
        explain_columns(),
        rows.iter()
            .map(|r| {
                let mut cells = vec![
                    Value::Text(r.queue.clone()),
                    Value::Text(r.program.clone()),
                    Value::Text(r.period.clone()),
                    Value::Text(r.window.clone()),
                    Value::Text(r.inclusion.as_str().into()),
                    Value::Int(r.threshold_s),
                    Value::Int(r.short_abandon_s),
                ];
                cells.extend(r.sums.to_array().map(Value::Int));
                cells
            })
            .collect(),
    )
}

/// The queue-days without data of an SLA (`opsdeck sla explain --missing`).
pub static MISSING_COLUMNS: [Column; 3] = [
    col("queue", Kind::Text, "queue id"),
    col("day", Kind::Date, "local day in the SLA's zone"),
    col(
        "open_intervals",
        Kind::Count,
        "intervals open by the calendars that day, none with data",
    ),
];

pub fn missing_table(days: &[MissingDay]) -> Table {
    Table::new(
        MISSING_COLUMNS.to_vec(),
        days.iter()
            .map(|m| {
                vec![
                    Value::Text(m.queue.clone()),
                    Value::Text(m.day.to_string()),
                    Value::Int(m.open_intervals),
                ]
            })
            .collect(),
    )
}
