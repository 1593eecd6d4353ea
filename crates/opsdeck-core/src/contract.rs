//! Client contracts: commercial lines, versioned SLA definitions and the service-credit scheme,
//! in a raw serialisable form (`RawContract`, what contract files and the store hold) and a
//! validated form (`Contract`) whose every reference into the organisation resolves.

use crate::contact::Channel;
use crate::kpi::SlVariant;
use crate::org::Org;
use crate::quote::quoted;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One stored revision of a contract (the store keeps every one; readers validate it
/// against today's organisation with [`Contract::from_raw`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractRevision {
    pub contract_id: String,
    pub client: String,
    /// 1 for the first apply, counting up with every change.
    pub revision: i64,
    /// RFC 3339, given by the caller.
    pub applied_at: String,
    pub contract: RawContract,
}

/// A contract as declared (TOML shape documented in docs/formats.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContract {
    pub contract: RawContractHead,
    #[serde(default, rename = "fte_rate", skip_serializing_if = "Vec::is_empty")]
    pub fte_rates: Vec<RawFteRate>,
    #[serde(
        default,
        rename = "contact_price",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub contact_prices: Vec<RawContactPrice>,
    #[serde(default, rename = "outcome", skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<RawOutcome>,
    #[serde(default, rename = "sla", skip_serializing_if = "Vec::is_empty")]
    pub slas: Vec<RawSla>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<RawCredits>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContractHead {
    pub id: String,
    pub client: String,
    #[serde(default)]
    pub name: String,
    /// First day of the term, YYYY-MM-DD.
    pub start: String,
    /// Last day of the term, inclusive; open-ended when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// ISO 4217 code of every amount in the contract.
    pub currency: String,
    /// Share (0–1) of the calendar's open intervals an SLA's scope must have data for before
    /// a verdict is given; below it the SLA is `insufficient_data`. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_coverage: Option<f64>,
}

/// A fixed monthly charge: `fte × monthly_rate` for a program (optionally at one site).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFteRate {
    pub program: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub fte: f64,
    pub monthly_rate: f64,
}

/// A price per handled contact of a channel (optionally of one program only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContactPrice {
    pub channel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    pub price: f64,
}

/// An outcome bonus (SLA met) or malus (SLA missed), an amount per month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutcome {
    pub sla: String,
    #[serde(default)]
    pub bonus: f64,
    #[serde(default)]
    pub malus: f64,
}

/// One version of one SLA: entries sharing an `id` are its versions, told apart by
/// `effective_from`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSla {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub effective_from: String,
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Service-level answer threshold T the SLA is written for; the queues' facts must use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_s: Option<i64>,
    /// Short-abandon threshold S the SLA is written for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_abandon_s: Option<i64>,
    /// Case metrics: the response / resolution time a case must be within.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_s: Option<i64>,
    pub target: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<String>,
    #[serde(default = "default_window")]
    pub window: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Case metrics: only cases of this priority (the value of the case's priority field, as
    /// the export writes it, e.g. `3 - Moderate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(default)]
    pub min_volume: i64,
    #[serde(default)]
    pub credit_allocation_pct: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

fn default_window() -> String {
    "month".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCredits {
    pub at_risk_pct: f64,
    pub pool_pct: f64,
    #[serde(default)]
    pub earn_back_periods: u32,
    #[serde(default, rename = "category", skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<RawCategory>,
    #[serde(default, rename = "exclusion", skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<RawExclusion>,
}

/// A performance category: the share A of the at-risk amount its SLAs' allocations apply to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCategory {
    pub id: String,
    pub allocation_pct: f64,
}

/// A day taken out of measurement (force majeure, client-caused outage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExclusion {
    pub date: String,
    pub reason: String,
    /// SLAs the exclusion applies to; all when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slas: Vec<String>,
}

/// Why a contract is not acceptable: the key at fault (a dotted path such as
/// `sla[2].target`), which entry it belongs to, and the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct ContractError {
    pub key: String,
    pub reason: String,
}

fn cerr(key: impl Into<String>, reason: impl Into<String>) -> ContractError {
    ContractError {
        key: key.into(),
        reason: reason.into(),
    }
}

/// What an SLA measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "metric")]
pub enum Metric {
    /// Service level in percent under a variant.
    ServiceLevel { variant: SlVariant },
    /// Average speed of answer, seconds.
    Asa,
    /// Average handle time, seconds.
    Aht,
    /// Abandoned / offered, percent.
    AbandonRate,
    /// Top-two-box CSAT, percent.
    Csat,
    /// Net promoter score, points.
    Nps,
    /// First-contact resolution, percent.
    Fcr,
    /// Cases whose first response came within `within_s`, percent.
    CaseFirstResponse { within_s: i64 },
    /// Cases resolved within `within_s`, percent.
    CaseResolution { within_s: i64 },
    /// Age of the oldest open case at the end of the window, seconds.
    BacklogAge,
}

impl Metric {
    pub const NAMES: [&'static str; 10] = [
        "service_level",
        "asa",
        "aht",
        "abandon_rate",
        "csat",
        "nps",
        "fcr",
        "case_first_response",
        "case_resolution",
        "backlog_age",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Metric::ServiceLevel { .. } => "service_level",
            Metric::Asa => "asa",
            Metric::Aht => "aht",
            Metric::AbandonRate => "abandon_rate",
            Metric::Csat => "csat",
            Metric::Nps => "nps",
            Metric::Fcr => "fcr",
            Metric::CaseFirstResponse { .. } => "case_first_response",
            Metric::CaseResolution { .. } => "case_resolution",
            Metric::BacklogAge => "backlog_age",
        }
    }

    /// The comparison a target of this metric has unless the contract says otherwise.
    pub fn default_comparison(&self) -> Comparison {
        match self {
            Metric::Asa | Metric::Aht | Metric::AbandonRate | Metric::BacklogAge => {
                Comparison::AtMost
            }
            _ => Comparison::AtLeast,
        }
    }

    /// Unit of the achieved value and the target as evaluated: `fraction` (0–1) for rates,
    /// `seconds` for times, `points` for NPS. A contract file writes rate targets in percent
    /// (80 = 80 %); validation turns them into fractions.
    pub fn unit(&self) -> &'static str {
        match self {
            Metric::Asa | Metric::Aht | Metric::BacklogAge => "seconds",
            Metric::Nps => "points",
            _ => "fraction",
        }
    }

    /// Measured from case clocks rather than contact-centre interval facts.
    pub fn is_case_metric(&self) -> bool {
        matches!(
            self,
            Metric::CaseFirstResponse { .. } | Metric::CaseResolution { .. } | Metric::BacklogAge
        )
    }
}

/// How an achieved value is held against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "<")]
    Below,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::AtLeast => ">=",
            Comparison::Above => ">",
            Comparison::AtMost => "<=",
            Comparison::Below => "<",
        }
    }

    fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            ">=" => Ok(Comparison::AtLeast),
            ">" => Ok(Comparison::Above),
            "<=" => Ok(Comparison::AtMost),
            "<" => Ok(Comparison::Below),
            other => Err(format!(
                "unknown comparison {} (expected \">=\", \">\", \"<=\" or \"<\")",
                quoted(other)
            )),
        }
    }

    /// Does `achieved` meet `target`?
    pub fn met(self, achieved: f64, target: f64) -> bool {
        match self {
            Comparison::AtLeast => achieved >= target,
            Comparison::Above => achieved > target,
            Comparison::AtMost => achieved <= target,
            Comparison::Below => achieved < target,
        }
    }

    /// Distance from the target, positive on the good side.
    pub fn margin(self, achieved: f64, target: f64) -> f64 {
        match self {
            Comparison::AtLeast | Comparison::Above => achieved - target,
            Comparison::AtMost | Comparison::Below => target - achieved,
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The measurement window of an SLA inside the monthly evaluation period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    Day,
    /// ISO week, clipped to the month being evaluated.
    Week,
    Month,
}

impl Window {
    pub fn as_str(self) -> &'static str {
        match self {
            Window::Day => "day",
            Window::Week => "week",
            Window::Month => "month",
        }
    }
}

/// Which contacts an SLA is measured on; every part narrows the client's queues.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    pub program: Option<String>,
    pub queues: BTreeSet<String>,
    pub channel: Option<Channel>,
    /// Case metrics: cases of this priority only.
    pub priority: Option<String>,
}

/// One validated version of an SLA.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaVersion {
    pub id: String,
    /// 1 for the earliest `effective_from`, counting up.
    pub version: u32,
    pub name: String,
    pub effective_from: NaiveDate,
    /// First day of the next version, when there is one.
    pub effective_until: Option<NaiveDate>,
    pub metric: Metric,
    /// T and S the SLA is written for; `None` takes the queue's.
    pub threshold_s: Option<i64>,
    pub short_abandon_s: Option<i64>,
    pub target: f64,
    pub comparison: Comparison,
    pub window: Window,
    pub calendar: Option<String>,
    pub scope: Scope,
    /// Below this volume in a window, the window is not measured.
    pub min_volume: i64,
    /// B: percent of the category's share of the at-risk amount.
    pub credit_allocation_pct: f64,
    pub category: Option<String>,
    /// A: the category's percent of the at-risk amount (100 without a category).
    pub category_pct: f64,
}

impl SlaVersion {
    /// Is the version in force on `day`?
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        day >= self.effective_from && self.effective_until.is_none_or(|u| day < u)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FteRate {
    pub program: String,
    pub site: Option<String>,
    pub fte: f64,
    pub monthly_rate: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContactPrice {
    pub channel: Channel,
    pub program: Option<String>,
    pub price: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub sla: String,
    pub bonus: f64,
    pub malus: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    pub date: NaiveDate,
    pub reason: String,
    pub slas: BTreeSet<String>,
}

impl Exclusion {
    pub fn applies_to(&self, sla: &str) -> bool {
        self.slas.is_empty() || self.slas.contains(sla)
    }
}

/// The credit scheme: at-risk %, pool %, earn-back K, exclusions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CreditScheme {
    pub at_risk_pct: f64,
    pub pool_pct: f64,
    pub earn_back_periods: u32,
    pub exclusions: Vec<Exclusion>,
}

/// A validated contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    pub id: String,
    pub client: String,
    pub name: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub currency: String,
    /// Share (0–1) of open intervals with data below which no verdict is given.
    pub min_coverage: f64,
    pub fte_rates: Vec<FteRate>,
    pub contact_prices: Vec<ContactPrice>,
    pub outcomes: Vec<Outcome>,
    /// SLA id → its versions, oldest first.
    pub slas: BTreeMap<String, Vec<SlaVersion>>,
    pub credits: CreditScheme,
}

impl Contract {
    /// Is `day` inside the contract's term?
    pub fn in_term(&self, day: NaiveDate) -> bool {
        day >= self.start && self.end.is_none_or(|e| day <= e)
    }

    /// The versions of `sla` in force on any day of `first..=last`, oldest first.
    pub fn versions_in(&self, sla: &str, first: NaiveDate, last: NaiveDate) -> Vec<&SlaVersion> {
        self.slas
            .get(sla)
            .map(|vs| {
                vs.iter()
                    .filter(|v| {
                        v.effective_from <= last && v.effective_until.is_none_or(|u| u > first)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Is `day` excluded from measuring `sla`?
    pub fn excluded(&self, sla: &str, day: NaiveDate) -> Option<&Exclusion> {
        self.credits
            .exclusions
            .iter()
            .find(|e| e.date == day && e.applies_to(sla))
    }
}

fn date(key: &str, s: &str) -> Result<NaiveDate, ContractError> {
    s.trim().parse::<NaiveDate>().map_err(|_| {
        cerr(
            key,
            format!("{} is not a date (expected YYYY-MM-DD)", quoted(s)),
        )
    })
}

fn id_ok(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

fn amount(key: &str, x: f64) -> Result<f64, ContractError> {
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(cerr(key, "must be a number ≥ 0"))
    }
}

fn percent(key: &str, x: f64, max: f64) -> Result<f64, ContractError> {
    if x.is_finite() && (0.0..=max).contains(&x) {
        Ok(x)
    } else {
        Err(cerr(key, format!("must be a percent between 0 and {max}")))
    }
}

impl Contract {
    /// Validate a raw contract against the organisation it belongs to.
    pub fn from_raw(raw: &RawContract, org: &Org) -> Result<Contract, ContractError> {
        let h = &raw.contract;
        // free text the store keeps; ids and references are checked below
        let mut texts = vec![("contract.name".to_string(), &h.name)];
        for (i, s) in raw.slas.iter().enumerate() {
            texts.push((format!("sla[{i}].name"), &s.name));
        }
        for (i, e) in raw
            .credits
            .iter()
            .flat_map(|c| c.exclusions.iter().enumerate())
        {
            texts.push((format!("credits.exclusion[{i}].reason"), &e.reason));
        }
        for (key, text) in texts {
            crate::org::storable_text(text).map_err(|r| cerr(key, r))?;
        }
        if !id_ok(&h.id) {
            return Err(cerr(
                "contract.id",
                "must be non-empty and use only letters, digits, '-', '_' or '.'",
            ));
        }
        if !org.clients.contains_key(&h.client) {
            return Err(cerr(
                "contract.client",
                format!(
                    "unknown client {} (declare it with `opsdeck setup apply` first)",
                    quoted(&h.client)
                ),
            ));
        }
        let start = date("contract.start", &h.start)?;
        let end = h
            .end
            .as_deref()
            .map(|e| date("contract.end", e))
            .transpose()?;
        if end.is_some_and(|e| e < start) {
            return Err(cerr("contract.end", "is before contract.start"));
        }
        if h.currency.len() != 3 || !h.currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(cerr(
                "contract.currency",
                format!(
                    "{} is not an ISO 4217 code such as \"USD\"",
                    quoted(&h.currency)
                ),
            ));
        }
        let min_coverage = h.min_coverage.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&min_coverage) {
            return Err(cerr(
                "contract.min_coverage",
                format!(
                    "{min_coverage} must be a share between 0 and 1 (1 = data for every open interval)"
                ),
            ));
        }
        let program_of_client = |key: &str, p: &str| -> Result<(), ContractError> {
            match org.programs.get(p) {
                Some(pr) if pr.client == h.client => Ok(()),
                Some(pr) => Err(cerr(
                    key,
                    format!(
                        "program {} belongs to client {:?}, not {:?}",
                        quoted(p),
                        pr.client,
                        h.client
                    ),
                )),
                None => Err(cerr(key, format!("unknown program {}", quoted(p)))),
            }
        };

        let mut fte_rates = Vec::new();
        for (i, f) in raw.fte_rates.iter().enumerate() {
            let k = |field: &str| format!("fte_rate[{i}].{field}");
            program_of_client(&k("program"), &f.program)?;
            if let Some(s) = &f.site {
                if !org.sites.contains_key(s) {
                    return Err(cerr(k("site"), format!("unknown site {}", quoted(s))));
                }
            }
            fte_rates.push(FteRate {
                program: f.program.clone(),
                site: f.site.clone(),
                fte: amount(&k("fte"), f.fte)?,
                monthly_rate: amount(&k("monthly_rate"), f.monthly_rate)?,
            });
        }

        let mut contact_prices = Vec::new();
        let mut seen_price = BTreeSet::new();
        for (i, p) in raw.contact_prices.iter().enumerate() {
            let k = |field: &str| format!("contact_price[{i}].{field}");
            let channel = p
                .channel
                .parse::<Channel>()
                .map_err(|r| cerr(k("channel"), r))?;
            if let Some(pr) = &p.program {
                program_of_client(&k("program"), pr)?;
            }
            if !seen_price.insert((channel, p.program.clone())) {
                return Err(cerr(
                    k("channel"),
                    "a price for this channel (and program) is declared twice",
                ));
            }
            contact_prices.push(ContactPrice {
                channel,
                program: p.program.clone(),
                price: amount(&k("price"), p.price)?,
            });
        }

        let (credits, categories) = match &raw.credits {
            Some(c) => {
                let mut cats = BTreeMap::new();
                for (i, cat) in c.categories.iter().enumerate() {
                    let k = format!("credits.category[{i}]");
                    if !id_ok(&cat.id) {
                        return Err(cerr(format!("{k}.id"), "must be a non-empty id"));
                    }
                    let pct = percent(&format!("{k}.allocation_pct"), cat.allocation_pct, 100.0)?;
                    if cats.insert(cat.id.clone(), pct).is_some() {
                        return Err(cerr(
                            format!("{k}.id"),
                            format!("category {} declared twice", quoted(&cat.id)),
                        ));
                    }
                }
                let mut exclusions = Vec::new();
                for (i, e) in c.exclusions.iter().enumerate() {
                    let k = format!("credits.exclusion[{i}]");
                    if e.reason.trim().is_empty() {
                        return Err(cerr(
                            format!("{k}.reason"),
                            "give the reason (force majeure, client-caused outage, …)",
                        ));
                    }
                    exclusions.push(Exclusion {
                        date: date(&format!("{k}.date"), &e.date)?,
                        reason: e.reason.clone(),
                        slas: e.slas.iter().cloned().collect(),
                    });
                }
                (
                    CreditScheme {
                        at_risk_pct: percent("credits.at_risk_pct", c.at_risk_pct, 100.0)?,
                        pool_pct: percent("credits.pool_pct", c.pool_pct, 1000.0)?,
                        earn_back_periods: c.earn_back_periods,
                        exclusions,
                    },
                    cats,
                )
            }
            None => (CreditScheme::default(), BTreeMap::new()),
        };

        let mut slas: BTreeMap<String, Vec<SlaVersion>> = BTreeMap::new();
        for (i, s) in raw.slas.iter().enumerate() {
            let v = sla_from_raw(i, s, org, &h.client, &categories, raw.credits.is_some())
                .map_err(|e| cerr(format!("{} (sla {})", e.key, quoted(&s.id)), e.reason))?;
            let list = slas.entry(v.id.clone()).or_default();
            if list.iter().any(|o| o.effective_from == v.effective_from) {
                return Err(cerr(
                    format!("sla[{i}].effective_from"),
                    format!(
                        "sla {} already has a version effective {}",
                        quoted(&v.id),
                        v.effective_from
                    ),
                ));
            }
            list.push(v);
        }
        for list in slas.values_mut() {
            list.sort_by_key(|v| v.effective_from);
            let froms: Vec<NaiveDate> = list.iter().map(|v| v.effective_from).collect();
            for (n, v) in list.iter_mut().enumerate() {
                v.version = n as u32 + 1;
                v.effective_until = froms.get(n + 1).copied();
            }
        }

        // The allocations in force at any one time may not exceed the pool (checked at every
        // date a version takes effect, which is where the set in force changes).
        let mut dates: BTreeSet<NaiveDate> =
            slas.values().flatten().map(|v| v.effective_from).collect();
        dates.insert(start);
        for d in dates {
            let total: f64 = slas
                .values()
                .flatten()
                .filter(|v| v.in_force_on(d))
                .map(|v| v.credit_allocation_pct * v.category_pct / 100.0)
                .sum();
            if total > credits.pool_pct + 1e-9 {
                return Err(cerr(
                    "credits.pool_pct",
                    format!(
                        "the SLAs in force on {d} allocate {total}% of the at-risk amount, more than the pool of {}%",
                        credits.pool_pct
                    ),
                ));
            }
        }

        for (i, o) in raw.outcomes.iter().enumerate() {
            if !slas.contains_key(&o.sla) {
                return Err(cerr(
                    format!("outcome[{i}].sla"),
                    format!("unknown sla {}", quoted(&o.sla)),
                ));
            }
            amount(&format!("outcome[{i}].bonus"), o.bonus)?;
            amount(&format!("outcome[{i}].malus"), o.malus)?;
        }
        for (i, e) in credits.exclusions.iter().enumerate() {
            if let Some(s) = e.slas.iter().find(|s| !slas.contains_key(*s)) {
                return Err(cerr(
                    format!("credits.exclusion[{i}].slas"),
                    format!("unknown sla {}", quoted(s)),
                ));
            }
        }

        Ok(Contract {
            id: h.id.clone(),
            client: h.client.clone(),
            name: h.name.clone(),
            start,
            end,
            currency: h.currency.clone(),
            min_coverage,
            fte_rates,
            contact_prices,
            outcomes: raw
                .outcomes
                .iter()
                .map(|o| Outcome {
                    sla: o.sla.clone(),
                    bonus: o.bonus,
                    malus: o.malus,
                })
                .collect(),
            slas,
            credits,
        })
    }
}

fn sla_from_raw(
    i: usize,
    s: &RawSla,
    org: &Org,
    client: &str,
    categories: &BTreeMap<String, f64>,
    has_credits: bool,
) -> Result<SlaVersion, ContractError> {
    let k = |field: &str| format!("sla[{i}].{field}");
    if !id_ok(&s.id) {
        return Err(cerr(
            k("id"),
            "must be non-empty and use only letters, digits, '-', '_' or '.'",
        ));
    }
    let effective_from = date(&k("effective_from"), &s.effective_from)?;
    let is_sl = s.metric == "service_level";
    let is_case = matches!(s.metric.as_str(), "case_first_response" | "case_resolution");
    if s.variant.is_some() && !is_sl {
        return Err(cerr(
            k("variant"),
            "applies only to metric \"service_level\"",
        ));
    }
    if s.within_s.is_some() && !is_case {
        return Err(cerr(
            k("within_s"),
            "applies only to metrics \"case_first_response\" and \"case_resolution\"",
        ));
    }
    let within = || -> Result<i64, ContractError> {
        match s.within_s {
            Some(w) if w > 0 => Ok(w),
            Some(_) => Err(cerr(k("within_s"), "must be > 0 seconds")),
            None => Err(cerr(
                k("within_s"),
                format!("metric {} needs within_s (seconds)", quoted(&s.metric)),
            )),
        }
    };
    let metric = match s.metric.as_str() {
        "service_level" => Metric::ServiceLevel {
            variant: match &s.variant {
                Some(v) => v.parse::<SlVariant>().map_err(|r| cerr(k("variant"), r))?,
                None => SlVariant::Offered,
            },
        },
        "asa" => Metric::Asa,
        "aht" => Metric::Aht,
        "abandon_rate" => Metric::AbandonRate,
        "csat" => Metric::Csat,
        "nps" => Metric::Nps,
        "fcr" => Metric::Fcr,
        "case_first_response" => Metric::CaseFirstResponse {
            within_s: within()?,
        },
        "case_resolution" => Metric::CaseResolution {
            within_s: within()?,
        },
        "backlog_age" => Metric::BacklogAge,
        other => {
            return Err(cerr(
                k("metric"),
                format!(
                    "unknown metric {} (expected one of {})",
                    quoted(other),
                    Metric::NAMES.join(", ")
                ),
            ))
        }
    };
    for (field, v) in [
        ("threshold_s", s.threshold_s),
        ("short_abandon_s", s.short_abandon_s),
    ] {
        if v.is_some() && !is_sl {
            return Err(cerr(k(field), "applies only to metric \"service_level\""));
        }
        if v.is_some_and(|x| x < 0) {
            return Err(cerr(k(field), "must be ≥ 0 seconds"));
        }
    }
    let target_ok = match metric.unit() {
        "fraction" => (0.0..=100.0).contains(&s.target),
        "points" => (-100.0..=100.0).contains(&s.target),
        _ => s.target >= 0.0,
    };
    if !s.target.is_finite() || !target_ok {
        let range = match metric.unit() {
            "fraction" => "a percent between 0 and 100 (80 = 80 %)",
            "points" => "NPS points between -100 and 100",
            _ => "seconds ≥ 0",
        };
        return Err(cerr(k("target"), format!("must be {range}")));
    }
    let comparison = match &s.comparison {
        Some(c) => Comparison::parse(c).map_err(|r| cerr(k("comparison"), r))?,
        None => metric.default_comparison(),
    };
    let window = match s.window.as_str() {
        "day" => Window::Day,
        "week" => Window::Week,
        "month" => Window::Month,
        other => {
            return Err(cerr(
                k("window"),
                format!(
                    "unknown window {} (expected day, week or month)",
                    quoted(other)
                ),
            ))
        }
    };
    if let Some(c) = &s.calendar {
        if !org.calendars.contains_key(c) {
            return Err(cerr(
                k("calendar"),
                format!("unknown calendar {}", quoted(c)),
            ));
        }
    }
    if let Some(p) = &s.program {
        match org.programs.get(p) {
            Some(pr) if pr.client == client => {}
            Some(pr) => {
                return Err(cerr(
                    k("program"),
                    format!(
                        "program {} belongs to client {:?}, not {client:?}",
                        quoted(p),
                        pr.client
                    ),
                ))
            }
            None => return Err(cerr(k("program"), format!("unknown program {}", quoted(p)))),
        }
    }
    for q in &s.queues {
        match org.queues.get(q) {
            Some(qu) if qu.client == client => {}
            Some(qu) => {
                return Err(cerr(
                    k("queues"),
                    format!(
                        "queue {} belongs to client {:?}, not {client:?}",
                        quoted(q),
                        qu.client
                    ),
                ))
            }
            None => return Err(cerr(k("queues"), format!("unknown queue {}", quoted(q)))),
        }
    }
    let channel = s
        .channel
        .as_deref()
        .map(|c| c.parse::<Channel>().map_err(|r| cerr(k("channel"), r)))
        .transpose()?;
    if s.priority.is_some() && !metric.is_case_metric() {
        return Err(cerr(
            k("priority"),
            "applies only to case metrics (case_first_response, case_resolution, backlog_age)",
        ));
    }
    if s.priority.as_deref().is_some_and(|p| p.trim().is_empty()) {
        return Err(cerr(k("priority"), "must not be empty"));
    }
    if s.min_volume < 0 {
        return Err(cerr(k("min_volume"), "must be ≥ 0"));
    }
    let credit_allocation_pct =
        percent(&k("credit_allocation_pct"), s.credit_allocation_pct, 100.0)?;
    if credit_allocation_pct > 0.0 && !has_credits {
        return Err(cerr(
            k("credit_allocation_pct"),
            "the contract has no [credits] section to allocate from",
        ));
    }
    let category_pct = match &s.category {
        Some(c) => *categories.get(c).ok_or_else(|| {
            cerr(
                k("category"),
                format!(
                    "unknown category {} (declare it under [[credits.category]])",
                    quoted(c)
                ),
            )
        })?,
        None => 100.0,
    };
    Ok(SlaVersion {
        id: s.id.clone(),
        version: 0,
        name: s.name.clone(),
        effective_from,
        effective_until: None,
        metric,
        threshold_s: s.threshold_s,
        short_abandon_s: s.short_abandon_s,
        target: if metric.unit() == "fraction" {
            s.target / 100.0
        } else {
            s.target
        },
        comparison,
        window,
        calendar: s.calendar.clone(),
        scope: Scope {
            program: s.program.clone(),
            queues: s.queues.iter().cloned().collect(),
            channel,
            priority: s.priority.clone(),
        },
        min_volume: s.min_volume,
        credit_allocation_pct,
        category: s.category.clone(),
        category_pct,
    })
}
