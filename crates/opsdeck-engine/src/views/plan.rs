//! `opsdeck plan`: a queue's interval facts over a history window → volume forecast for the plan
//! dates (opening hours inferred from the history) → AHT per weekday × time-of-day slot →
//! patience and site shares estimated from the history → `opsdeck_core::plan` under a what-if
//! scenario (TOML file and flags). Also the plan's tables as cells for csv, json and table.

use crate::contacts::Profile;
use crate::contacts::{read_contacts, ContactSink};
use crate::contacts::{validate, RawContact};
use crate::error::{EngineError, Result};
use crate::inputs::scenario::ScenarioSpec;
use crate::io::csv_reader::DEFAULT_MAX_FIELD_BYTES;
use crate::io::{FieldIssue, LocalResolver};
use crate::views::scorecard::local_day;
use crate::views::table::{col, col_owned, Column, Kind, Table, Value};
use crate::workspace::facts::partition_may_hold;
use crate::workspace::Workspace;
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;
use opsdeck_core::calendar::local_time;
use opsdeck_core::forecast::{forecast, infer_opening_hours, ForecastError, ForecastOptions};
use opsdeck_core::plan::{self as core_plan, IntervalDemand, Outage, Plan, PlanSettings, SitePlan};
use opsdeck_core::staffing::Model;
use opsdeck_core::{IntervalSums, Org};
use serde::Serialize;
use std::collections::BTreeMap;

/// A weekday × time-of-day slot with fewer handled contacts than this in the history takes the
/// queue's overall AHT instead of its own.
pub const MIN_SLOT_HANDLED: i64 = 30;

/// The model of the requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffingModel {
    ErlangC,
    /// Erlang A with the patience estimated from the history.
    ErlangA,
}

impl StaffingModel {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffingModel::ErlangC => "erlang-c",
            StaffingModel::ErlangA => "erlang-a",
        }
    }
}

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub queue: String,
    /// First plan date (local, the queue calendar's zone).
    pub from: NaiveDate,
    pub days: u32,
    /// Weeks of history before `from`.
    pub history_weeks: u32,
    pub model: StaffingModel,
    pub shrinkage: f64,
    pub max_occupancy: f64,
    pub fte_hours_per_week: f64,
    pub scenario: ScenarioSpec,
}

/// A site's estimate and the share used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteEstimate {
    pub site: String,
    /// Handled contacts of the history window the site was recorded on.
    pub handled: u64,
    /// Share of handled contacts, those without a site spread equally over the program's sites.
    pub share_history: Option<f64>,
    /// Share used (a weight): the override when given, else `share_history`, else equal.
    pub share: f64,
    /// "override", "history" or "equal".
    pub share_source: &'static str,
    pub seats: Option<u64>,
}

/// The estimates and settings a plan was made with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimates {
    pub queue: String,
    pub client: String,
    pub program: String,
    pub time_zone: String,
    pub interval_minutes: u32,
    pub threshold_s: i64,
    pub sl_target: f64,
    pub plan_from: NaiveDate,
    pub plan_to: NaiveDate,
    pub history_from: NaiveDate,
    pub history_to: NaiveDate,
    /// Dates of the window with interval facts.
    pub history_days: usize,
    pub history_offered: i64,
    pub staffing_model: &'static str,
    /// Model of the projected SL, ASA and abandonment.
    pub projection_model: &'static str,
    /// Mean patience E[W] / P(Ab) over the window; `None` without abandonments.
    pub patience_s: Option<f64>,
    pub history_abandon_rate: Option<f64>,
    /// The queue's AHT over the window, the fallback of thin slots.
    pub aht_s: f64,
    /// Plan intervals whose slot had fewer than `MIN_SLOT_HANDLED` handled contacts.
    pub aht_fallback_intervals: usize,
    pub shrinkage: f64,
    pub max_occupancy: f64,
    pub fte_hours_per_week: f64,
    pub sites: Vec<SiteEstimate>,
    /// Handled contacts without a site (or with a site outside the program).
    pub handled_without_site: u64,
    pub forecast_tuned: bool,
    pub forecast_tuning_wape: Option<f64>,
    pub forecast_outlier_days: usize,
    /// Plan intervals; those outside the inferred opening hours are not planned.
    pub plan_intervals: usize,
    pub volume_pct: f64,
    pub aht_delta_s: f64,
    pub outages: Vec<Outage>,
    /// Notes a reader should see (fallbacks taken).
    pub notes: Vec<String>,
}

/// A computed plan with what it was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanReport {
    pub estimates: Estimates,
    pub settings: PlanSettings,
    pub plan: Plan,
}

/// Counts handled contacts per site of one queue over a window of local dates.
struct ShareSink<'a> {
    queue: &'a str,
    zone: Tz,
    window: (NaiveDate, NaiveDate),
    resolver: LocalResolver,
    by_site: BTreeMap<String, u64>,
    without_site: u64,
    problems: Vec<String>,
}

impl ContactSink for ShareSink<'_> {
    fn contact(&mut self, raw: RawContact<'_>, line: u64) -> std::result::Result<(), FieldIssue> {
        if raw.queue != self.queue {
            return Ok(());
        }
        let c = match validate(raw, &mut self.resolver) {
            Ok(c) => c,
            Err(e) => {
                self.problems
                    .push(format!("row {line}: {}: {}", e.field, e.reason));
                return Ok(());
            }
        };
        let day = local_time(self.zone, c.timing.arrived_s).date();
        if c.timing.answered_s.is_none() || !(self.window.0..=self.window.1).contains(&day) {
            return Ok(());
        }
        match c.ids.and_then(|i| i.site) {
            Some(s) => *self.by_site.entry(s.into_owned()).or_default() += 1,
            None => self.without_site += 1,
        }
        Ok(())
    }
    fn skip(&mut self, _reason: &'static str) {}
    fn issue(&mut self, line: u64, issue: FieldIssue, _raw: String) {
        self.problems
            .push(format!("row {line}: {}: {}", issue.field, issue.reason));
    }
}

/// Handled contacts per site of `queue` in the window, and those without a site.
fn site_counts(
    ws: &Workspace,
    client: &str,
    queue: &str,
    zone: Tz,
    window: (NaiveDate, NaiveDate),
) -> Result<(BTreeMap<String, u64>, u64)> {
    let m = ws.manifest()?;
    let profile = Profile::canonical();
    let mut by_site = BTreeMap::new();
    let mut without_site = 0;
    for f in &m.contacts {
        if f.client != client || !partition_may_hold(&f.month, window.0, window.1) {
            continue;
        }
        let path = ws.facts_dir().join(&f.path);
        let sinks = read_contacts(
            &path,
            &profile,
            DEFAULT_MAX_FIELD_BYTES,
            || ShareSink {
                queue,
                zone,
                window,
                resolver: LocalResolver::new(chrono_tz::UTC),
                by_site: BTreeMap::new(),
                without_site: 0,
                problems: Vec::new(),
            },
            &|_| {},
        )?;
        for s in sinks {
            if let Some(p) = s.problems.first() {
                return Err(EngineError::Workspace {
                    path: path.clone(),
                    message: format!("stored contacts cannot be read for site shares: {p}"),
                });
            }
            for (k, v) in s.by_site {
                *by_site.entry(k).or_default() += v;
            }
            without_site += s.without_site;
        }
    }
    Ok((by_site, without_site))
}

/// Plan a queue: history → forecast → requirements → split across sites → projection.
pub fn plan(
    ws: &Workspace,
    scope: &opsdeck_core::Scope,
    org: &Org,
    req: &PlanRequest,
) -> Result<PlanReport> {
    org.require("queue", &req.queue)?;
    let q = &org.queues[&req.queue];
    let program = &org.programs[&q.program];
    if req.days == 0 {
        return Err(EngineError::invalid("days", "a plan needs at least 1 day"));
    }
    if req.history_weeks == 0 {
        return Err(EngineError::invalid(
            "history_weeks",
            "a plan needs at least 1 week of history",
        ));
    }
    let plan_to = req.from + Days::new(u64::from(req.days) - 1);
    let history_from = req.from - Days::new(7 * u64::from(req.history_weeks));
    let history_to = req.from.pred_opt().unwrap_or(req.from);

    // outages and site overrides meet the program before any data is read
    let invalid = |m: String| EngineError::Invalid {
        param: None,
        message: m,
    };
    let known = program.sites.join(", ");
    for (origin, o) in &req.scenario.outages {
        if !program.sites.contains(&o.site) {
            return Err(invalid(format!(
                "{origin}: site {} does not serve program {} of queue {} (sites: {known})",
                crate::io::quoted(&o.site),
                program.id,
                q.id
            )));
        }
        if o.from < req.from || o.to > plan_to {
            return Err(invalid(format!(
                "{origin}: outage {}..{} of site {} is outside the plan dates {}..{plan_to}",
                o.from, o.to, o.site, req.from
            )));
        }
    }
    for (id, (origin, _)) in &req.scenario.sites {
        if !program.sites.contains(id) {
            return Err(invalid(format!(
                "{origin}: site {} does not serve program {} of queue {} (sites: {known})",
                crate::io::quoted(id),
                program.id,
                q.id
            )));
        }
    }

    // history: the queue's interval facts of the window, in local time
    let facts: Vec<_> = ws
        .interval_facts(scope, Some(&q.client), history_from, history_to)?
        .into_iter()
        .filter(|f| f.queue == q.id && (history_from..=history_to).contains(&local_day(f)))
        .collect();
    let window = format!(
        "{history_from}..{history_to}, the {} week(s) before the plan",
        req.history_weeks
    );
    if facts.is_empty() {
        return Err(EngineError::no_data(
            Some("history_weeks"),
            format!(
                "queue {} has no interval facts in {window}; ingest contacts, start the plan later or use a longer history",
                q.id
            ),
        ));
    }
    let mut series: BTreeMap<NaiveDateTime, f64> = BTreeMap::new();
    let mut slots: BTreeMap<(u32, NaiveTime), IntervalSums> = BTreeMap::new();
    let mut total = IntervalSums::default();
    for f in &facts {
        let t = local_time(q.zone, f.interval_start_utc);
        // a repeated local hour (clocks going back) adds to the same local start
        *series.entry(t).or_default() += f.sums.offered as f64;
        *slots
            .entry((t.weekday().num_days_from_monday(), t.time()))
            .or_default() += f.sums;
        total += f.sums;
    }
    let history: Vec<(NaiveDateTime, f64)> = series.into_iter().collect();
    let history_days = {
        let mut d: Vec<NaiveDate> = history.iter().map(|(t, _)| t.date()).collect();
        d.dedup();
        d.len()
    };
    let short = |e: ForecastError| {
        match e {
        ForecastError::TooShort { days, need } => EngineError::no_data(
            Some("history_weeks"),
            format!(
                "queue {} has {days} complete day(s) of history in {window} ({history_days} day(s) with contacts); at least {need} are needed: ingest more contacts or use a longer history",
                q.id
            ),
        ),
        other => EngineError::no_data(None, format!("queue {}: history {window}: {other}", q.id)),
    }
    };
    let hours = infer_opening_hours(&history).map_err(short)?;
    let at = hours.timestamps_after(history_to, req.days);
    // a history too short to forecast says so before the opening hours it cannot show
    let fc = forecast(&history, &at, &ForecastOptions::default()).map_err(short)?;
    if at.is_empty() {
        return Err(EngineError::no_data(
            Some("from"),
            format!(
                "queue {} has no open interval in {}..{plan_to} by the opening hours seen in {window}",
                q.id, req.from
            ),
        ));
    }

    let aht_s = total.aht_s().ok_or_else(|| {
        EngineError::no_data(
            None,
            format!(
                "queue {} has no handled contacts in {window}, so no handle time to plan with",
                q.id
            ),
        )
    })?;
    let mut fallback = 0;
    let demand: Vec<IntervalDemand> = at
        .iter()
        .zip(&fc.points)
        .map(|(t, p)| {
            let slot = slots
                .get(&(t.weekday().num_days_from_monday(), t.time()))
                .filter(|s| s.handled >= MIN_SLOT_HANDLED)
                .and_then(IntervalSums::aht_s);
            fallback += usize::from(slot.is_none());
            IntervalDemand {
                start: *t,
                offered: p.forecast,
                aht_s: slot.unwrap_or(aht_s),
            }
        })
        .collect();

    let patience_s = total.patience_s().filter(|p| *p > 0.0);
    let mut notes = Vec::new();
    let staffing = match (req.model, patience_s) {
        (StaffingModel::ErlangC, _) => Model::ErlangC,
        (StaffingModel::ErlangA, Some(p)) => Model::ErlangA { patience_s: p },
        (StaffingModel::ErlangA, None) => {
            return Err(EngineError::no_data(
                Some("model"),
                format!(
                    "Erlang A needs a patience estimate, but queue {} has no abandoned contacts with a wait in {window}; plan with Erlang C",
                    q.id
                ),
            ))
        }
    };
    if patience_s.is_none() {
        notes.push(
            "no abandonments in the history: no patience estimate, Erlang A is unavailable; projected with Erlang C (abandonment undefined)".to_string(),
        );
    }
    if fallback > 0 {
        notes.push(format!(
            "{fallback} plan interval(s) use the queue's overall AHT: their weekday × time slot has fewer than {MIN_SLOT_HANDLED} handled contacts in the history"
        ));
    }

    let (by_site, mut without_site) =
        site_counts(ws, &q.client, &q.id, q.zone, (history_from, history_to))?;
    without_site += by_site
        .iter()
        .filter(|(s, _)| !program.sites.contains(s))
        .map(|(_, n)| n)
        .sum::<u64>();
    let handled_total: u64 = by_site
        .iter()
        .filter(|(s, _)| program.sites.contains(s))
        .map(|(_, n)| n)
        .sum::<u64>()
        + without_site;
    let k = program.sites.len() as f64;
    let mut estimates_sites = Vec::new();
    let mut sites = Vec::new();
    for id in &program.sites {
        let handled = by_site.get(id).copied().unwrap_or(0);
        let share_history = (handled_total > 0)
            .then(|| (handled as f64 + without_site as f64 / k) / handled_total as f64);
        let over = req.scenario.sites.get(id).map(|(_, o)| o.clone());
        let (share, source) = match (over.as_ref().and_then(|o| o.share), share_history) {
            (Some(s), _) => (s, "override"),
            (None, Some(s)) => (s, "history"),
            (None, None) => (1.0 / k, "equal"),
        };
        let seats = over.and_then(|o| o.seats);
        estimates_sites.push(SiteEstimate {
            site: id.clone(),
            handled,
            share_history,
            share,
            share_source: source,
            seats,
        });
        sites.push(SitePlan {
            id: id.clone(),
            share,
            seats,
        });
    }

    let scenario = core_plan::Scenario {
        volume_pct: req.scenario.volume_pct.unwrap_or(0.0),
        aht_delta_s: req.scenario.aht_delta_s.unwrap_or(0.0),
        outages: req
            .scenario
            .outages
            .iter()
            .map(|(_, o)| o.clone())
            .collect(),
    };
    let settings = PlanSettings {
        interval_s: q.interval.seconds() as f64,
        answer_s: q.thresholds.service_s as f64,
        target_sl: q.sl_target,
        max_occupancy: req.max_occupancy,
        shrinkage: req.shrinkage,
        fte_hours_per_week: req.fte_hours_per_week,
        days: req.days,
        staffing,
        patience_s,
    };
    let plan = core_plan::plan(&demand, &sites, &scenario, &settings)
        .map_err(|e| invalid(format!("queue {}: {e}", q.id)))?;
    let estimates = Estimates {
        queue: q.id.clone(),
        client: q.client.clone(),
        program: program.id.clone(),
        time_zone: q.zone.name().to_string(),
        interval_minutes: q.interval.minutes(),
        threshold_s: q.thresholds.service_s,
        sl_target: q.sl_target,
        plan_from: req.from,
        plan_to,
        history_from,
        history_to,
        history_days,
        history_offered: total.offered,
        staffing_model: req.model.as_str(),
        projection_model: if patience_s.is_some() {
            "erlang-a"
        } else {
            "erlang-c"
        },
        patience_s,
        history_abandon_rate: total.abandon_rate(),
        aht_s,
        aht_fallback_intervals: fallback,
        shrinkage: req.shrinkage,
        max_occupancy: req.max_occupancy,
        fte_hours_per_week: req.fte_hours_per_week,
        sites: estimates_sites,
        handled_without_site: without_site,
        forecast_tuned: fc.diagnostics.tuned,
        forecast_tuning_wape: fc.diagnostics.tuning_wape,
        forecast_outlier_days: fc.diagnostics.outlier_days.len(),
        plan_intervals: plan.intervals.len(),
        volume_pct: scenario.volume_pct,
        aht_delta_s: scenario.aht_delta_s,
        outages: scenario.outages.clone(),
        notes,
    };
    Ok(PlanReport {
        estimates,
        settings,
        plan,
    })
}

/// The table a plan is shown as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanView {
    Interval,
    Day,
    Site,
}

impl std::str::FromStr for PlanView {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "interval" => Ok(PlanView::Interval),
            "day" => Ok(PlanView::Day),
            "site" => Ok(PlanView::Site),
            _ => Err(format!(
                "unknown view {s:?} (expected interval, day or site)"
            )),
        }
    }
}

const VOLUME: Kind = Kind::Number {
    unit: "contacts",
    decimals: 0,
};
const AGENT_HOURS: Kind = Kind::Number {
    unit: "agent-hours",
    decimals: 1,
};
const FTE: Kind = Kind::Number {
    unit: "FTE",
    decimals: 1,
};

static INTERVAL_HEAD: [Column; 6] = [
    col(
        "start",
        Kind::LocalTime,
        "interval start, the queue calendar's wall clock",
    ),
    col("offered_baseline", VOLUME, "forecast contacts"),
    col("offered", VOLUME, "forecast contacts under the scenario"),
    col(
        "aht_s",
        Kind::Seconds,
        "handle time planned with (weekday × slot, else the queue's)",
    ),
    col(
        "required_baseline",
        Kind::Count,
        "agents required for the forecast",
    ),
    col(
        "required",
        Kind::Count,
        "agents required under the scenario",
    ),
];

static INTERVAL_TAIL: [Column; 7] = [
    col("staffed", Kind::Count, "agents placed over the sites"),
    col("gap", Kind::Count, "required − staffed"),
    col(
        "service_level",
        Kind::Fraction,
        "projected at the staffed agents",
    ),
    col(
        "baseline_service_level",
        Kind::Fraction,
        "projected for the baseline",
    ),
    col(
        "asa_s",
        Kind::Seconds,
        "projected mean wait of answered contacts",
    ),
    col(
        "abandon_rate",
        Kind::Fraction,
        "projected (Erlang A; null with Erlang C)",
    ),
    col(
        "occupancy",
        Kind::Fraction,
        "projected busy share of staffed agents",
    ),
];

static DAY_COLUMNS: [Column; 15] = [
    col("date", Kind::Date, "local date"),
    col("intervals", Kind::Count, "open intervals planned"),
    col("offered_baseline", VOLUME, "forecast contacts"),
    col("offered", VOLUME, "forecast contacts under the scenario"),
    col(
        "agent_hours_required_baseline",
        AGENT_HOURS,
        "agent-hours required for the forecast",
    ),
    col(
        "agent_hours_required",
        AGENT_HOURS,
        "agent-hours required under the scenario",
    ),
    col(
        "agent_hours_staffed",
        AGENT_HOURS,
        "agent-hours placed over the sites",
    ),
    col("agent_hours_gap", AGENT_HOURS, "required − staffed"),
    col(
        "expected_answered_within_t",
        VOLUME,
        "projected contacts answered within T",
    ),
    col(
        "expected_abandoned",
        VOLUME,
        "projected abandoned contacts (Erlang A)",
    ),
    col(
        "service_level",
        Kind::Fraction,
        "projected, re-summed over the day",
    ),
    col(
        "baseline_service_level",
        Kind::Fraction,
        "projected for the baseline",
    ),
    col(
        "asa_s",
        Kind::Seconds,
        "projected mean wait of answered contacts",
    ),
    col("abandon_rate", Kind::Fraction, "projected"),
    col(
        "occupancy",
        Kind::Fraction,
        "projected busy share of staffed agent time",
    ),
];

static SITE_COLUMNS: [Column; 9] = [
    col("site", Kind::Text, "site id (unstaffed: the gap)"),
    col(
        "share",
        Kind::Fraction,
        "share of the program's work the site takes",
    ),
    col("seats", Kind::Count, "seats available (null: unlimited)"),
    col(
        "agent_hours_baseline",
        AGENT_HOURS,
        "agent-hours placed for the baseline",
    ),
    col(
        "agent_hours",
        AGENT_HOURS,
        "agent-hours placed under the scenario",
    ),
    col("agent_hours_change", AGENT_HOURS, "scenario − baseline"),
    col(
        "overflow_agent_hours",
        AGENT_HOURS,
        "hours moved here from full or closed sites",
    ),
    col(
        "gross_fte_baseline",
        FTE,
        "paid FTE for the baseline hours (shrinkage included)",
    ),
    col("gross_fte", FTE, "paid FTE under the scenario"),
];

/// Column declarations of a view (the interval view has one `staffed_<site>` column per site).
pub fn columns(r: &PlanReport, view: PlanView) -> Vec<Column> {
    match view {
        PlanView::Interval => {
            let mut c = INTERVAL_HEAD.to_vec();
            c.extend(r.estimates.sites.iter().map(|s| {
                col_owned(
                    format!("staffed_{}", s.site),
                    Kind::Count,
                    format!("agents placed at site {}", s.site),
                )
            }));
            c.extend(INTERVAL_TAIL.iter().cloned());
            c
        }
        PlanView::Day => DAY_COLUMNS.to_vec(),
        PlanView::Site => SITE_COLUMNS.to_vec(),
    }
}

/// The plan's estimates and settings in plain lines, units for people.
pub fn describe(e: &Estimates) -> Vec<String> {
    use crate::views::table::{decimal, duration, percent};
    let mut out = vec![
        format!(
            "plan {} ({} / {}), {}..{} ({} intervals of {} min, {}), target {} within {}",
            e.queue,
            e.client,
            e.program,
            e.plan_from,
            e.plan_to,
            e.plan_intervals,
            e.interval_minutes,
            e.time_zone,
            percent(e.sl_target),
            duration(e.threshold_s as f64)
        ),
        format!(
            "history {}..{}: {} day(s) with contacts, {} offered, abandon rate {}, AHT {}; forecast {}, {} outlier day(s)",
            e.history_from,
            e.history_to,
            e.history_days,
            decimal(e.history_offered as f64, 0),
            e.history_abandon_rate.map_or("—".to_string(), percent),
            duration(e.aht_s),
            if e.forecast_tuned { "tuned on the history" } else { "fixed settings" },
            e.forecast_outlier_days
        ),
        format!(
            "staffing {}, projection {} (patience {}), shrinkage {}, max occupancy {}, {} h per FTE week",
            e.staffing_model,
            e.projection_model,
            e.patience_s.map_or("—".to_string(), duration),
            percent(e.shrinkage),
            percent(e.max_occupancy),
            decimal(e.fte_hours_per_week, 1)
        ),
    ];
    let sites: Vec<String> = e
        .sites
        .iter()
        .map(|s| {
            format!(
                "{} share {} ({}, {} handled){}",
                s.site,
                percent(s.share),
                s.share_source,
                s.handled,
                s.seats.map_or(String::new(), |n| format!(", {n} seats"))
            )
        })
        .collect();
    out.push(format!(
        "sites: {}; {} handled without a site of the program",
        sites.join("; "),
        e.handled_without_site
    ));
    let outages: Vec<String> = e
        .outages
        .iter()
        .map(|o| format!("{} {}..{}", o.site, o.from, o.to))
        .collect();
    out.push(format!(
        "scenario: volume {:+} %, AHT {:+} s, outages: {}",
        e.volume_pct,
        e.aht_delta_s,
        if outages.is_empty() {
            "none".to_string()
        } else {
            outages.join(", ")
        }
    ));
    out.extend(e.notes.iter().map(|n| format!("note: {n}")));
    out
}

/// The columns of a view without the per-site ones (for the catalogue).
pub fn columns_without_sites(view: PlanView) -> Vec<Column> {
    match view {
        PlanView::Interval => INTERVAL_HEAD
            .iter()
            .chain(&INTERVAL_TAIL)
            .cloned()
            .collect(),
        PlanView::Day => DAY_COLUMNS.to_vec(),
        PlanView::Site => SITE_COLUMNS.to_vec(),
    }
}

/// A view as a table.
pub fn table(r: &PlanReport, view: PlanView) -> Table {
    Table::new(columns(r, view), rows(r, view))
}

fn uint(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Rows of a view as cells, in `columns` order. The site view ends with an `unstaffed` row
/// holding the staffing gap, so its hours add up to the hours required.
pub fn rows(r: &PlanReport, view: PlanView) -> Vec<Vec<Value>> {
    let p = &r.plan;
    match view {
        PlanView::Interval => p
            .intervals
            .iter()
            .map(|i| {
                let mut row = vec![
                    Value::Text(i.start.format("%Y-%m-%d %H:%M").to_string()),
                    Value::Num(Some(i.offered_baseline)),
                    Value::Num(Some(i.offered)),
                    Value::Num(Some(i.aht_s)),
                    uint(i.required_baseline),
                    uint(i.required),
                ];
                row.extend(i.scenario.staffed.iter().map(|n| uint(*n)));
                row.extend([
                    uint(i.staffed()),
                    uint(i.scenario.gap),
                    Value::Num(i.projection.service_level),
                    Value::Num(i.baseline_projection.service_level),
                    Value::Num(i.projection.asa_s),
                    Value::Num(i.projection.abandon_rate),
                    Value::Num(i.projection.occupancy),
                ]);
                row
            })
            .collect(),
        PlanView::Day => p
            .days
            .iter()
            .map(|(d, s)| {
                vec![
                    Value::Text(d.to_string()),
                    uint(s.intervals),
                    Value::Num(Some(s.offered_baseline)),
                    Value::Num(Some(s.offered)),
                    Value::Num(Some(s.agent_hours_required_baseline)),
                    Value::Num(Some(s.agent_hours_required)),
                    Value::Num(Some(s.agent_hours_staffed)),
                    Value::Num(Some(s.agent_hours_gap)),
                    Value::Num(Some(s.answered_within_t)),
                    Value::Num(s.abandoned),
                    Value::Num(s.service_level()),
                    Value::Num(s.baseline_service_level()),
                    Value::Num(s.asa_s()),
                    Value::Num(s.abandon_rate()),
                    Value::Num(s.occupancy()),
                ]
            })
            .collect(),
        PlanView::Site => {
            let mut out: Vec<Vec<Value>> = p
                .sites
                .iter()
                .zip(&r.estimates.sites)
                .map(|(s, e)| {
                    vec![
                        Value::Text(s.site.clone()),
                        Value::Num(Some(e.share)),
                        e.seats.map_or(Value::Num(None), uint),
                        Value::Num(Some(s.agent_hours_baseline)),
                        Value::Num(Some(s.agent_hours)),
                        Value::Num(Some(s.agent_hours - s.agent_hours_baseline)),
                        Value::Num(Some(s.overflow_agent_hours)),
                        Value::Num(Some(s.gross_fte_baseline)),
                        Value::Num(Some(s.gross_fte)),
                    ]
                })
                .collect();
            let gap = p.total.agent_hours_gap;
            let base_gap =
                p.total.agent_hours_required_baseline - p.total.agent_hours_staffed_baseline;
            out.push(vec![
                Value::Text("unstaffed".into()),
                Value::Num(None),
                Value::Num(None),
                Value::Num(Some(base_gap)),
                Value::Num(Some(gap)),
                Value::Num(Some(gap - base_gap)),
                Value::Num(None),
                Value::Num(Some(Plan::gross_fte(base_gap, &r.settings))),
                Value::Num(Some(Plan::gross_fte(gap, &r.settings))),
            ]);
            out
        }
    }
}

/// The plan as one JSON document: the estimates and the interval, day and site tables (the
/// CLI's `plan --format json` and the API's `/api/v1/plan`).
pub fn to_json(report: &PlanReport) -> serde_json::Value {
    let rows = |v: PlanView| crate::views::table::json_rows(&table(report, v));
    serde_json::json!({
        "estimates": report.estimates,
        "intervals": rows(PlanView::Interval),
        "days": rows(PlanView::Day),
        "sites": rows(PlanView::Site),
    })
}

/// A plan request as text (the API's query parameters), with the CLI's defaults.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanParams {
    pub queue: Option<String>,
    pub from: Option<NaiveDate>,
    pub days: Option<String>,
    pub history_weeks: Option<String>,
    /// erlang-c (default) or erlang-a.
    pub model: Option<String>,
    pub shrinkage: Option<String>,
    pub max_occupancy: Option<String>,
    pub fte_hours: Option<String>,
}

impl PlanParams {
    /// The request, with `scenario` (a scenario file's content, or none).
    pub fn request(&self, scenario: ScenarioSpec) -> Result<PlanRequest> {
        let invalid = |param: &'static str, message: String| EngineError::Invalid {
            param: Some(param),
            message,
        };
        fn num<T: std::str::FromStr>(
            v: &Option<String>,
            param: &'static str,
            default: T,
        ) -> Result<T> {
            match v {
                None => Ok(default),
                Some(s) => s.trim().parse().map_err(|_| EngineError::Invalid {
                    param: Some(param),
                    message: format!("{param} {s:?} is not a number"),
                }),
            }
        }
        Ok(PlanRequest {
            queue: self
                .queue
                .clone()
                .ok_or_else(|| invalid("queue", "give the queue to plan".into()))?,
            from: self
                .from
                .ok_or_else(|| invalid("from", "give the first plan date".into()))?,
            days: num(&self.days, "days", 7)?,
            history_weeks: num(&self.history_weeks, "history_weeks", 8)?,
            model: match self.model.as_deref().unwrap_or("erlang-c") {
                "erlang-c" => StaffingModel::ErlangC,
                "erlang-a" => StaffingModel::ErlangA,
                other => {
                    return Err(invalid(
                        "model",
                        format!("model {other:?}: give erlang-c or erlang-a"),
                    ))
                }
            },
            shrinkage: num(&self.shrinkage, "shrinkage", 0.30)?,
            max_occupancy: num(&self.max_occupancy, "max_occupancy", 0.85)?,
            fte_hours_per_week: num(&self.fte_hours, "fte_hours", 40.0)?,
            scenario,
        })
    }
}
