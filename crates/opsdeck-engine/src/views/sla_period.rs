//! Clients' months under their stored contracts: which contract governs each month, the
//! evaluation under its latest revision, and earlier revisions' differing rows side by side.
//! The CLI (`sla evaluate`) and the server (`/api/v1/sla/evaluation`) both call
//! [`evaluate_period`], with the contracts their caller's scope may read.

use crate::error::{EngineError, Result};
use crate::views::sla::{evaluate, load_for, money_rows, sla_table, versions_for, Evaluation};
use crate::views::table::Table;
use crate::workspace::facts::stale_queues;
use crate::workspace::Workspace;
use opsdeck_core::contract::{Contract, ContractRevision};
use opsdeck_core::{parse_period, DateRange, Org, Scope, UnknownId, YearMonth};
use std::collections::{BTreeMap, BTreeSet};

/// Version of the JSON document of an evaluation (`sla evaluate --format json`, the API).
pub const EVALUATION_JSON_VERSION: u32 = 2;

/// The stored contracts a caller may read: the latest revision of each, and every revision
/// of each (oldest first) for the side-by-side history.
#[derive(Debug, Clone, Default)]
pub struct StoredContracts {
    pub latest: Vec<ContractRevision>,
    pub history: BTreeMap<String, Vec<ContractRevision>>,
}

impl StoredContracts {
    /// From every revision of every contract, ordered by contract id and revision.
    pub fn from_revisions(all: Vec<ContractRevision>) -> StoredContracts {
        let mut history: BTreeMap<String, Vec<ContractRevision>> = BTreeMap::new();
        for r in all {
            history.entry(r.contract_id.clone()).or_default().push(r);
        }
        let latest = history.values().filter_map(|v| v.last().cloned()).collect();
        StoredContracts { latest, history }
    }
}

/// Evaluations of a period.
#[derive(Debug, Clone, Default)]
pub struct PeriodEvaluation {
    /// Each client-month under its governing contract's latest revision.
    pub evals: Vec<Evaluation>,
    /// Earlier revisions' rows where their definition of an SLA differs.
    pub earlier: Vec<Evaluation>,
    /// Queues whose facts were computed with settings that have changed since (see
    /// `opsdeck facts rebuild`).
    pub stale: Vec<String>,
}

/// The months of a period; SLA evaluation is by whole months.
pub fn months_of(period: &str) -> Result<(DateRange, Vec<YearMonth>)> {
    let r = parse_period(period).map_err(|message| EngineError::Invalid {
        param: Some("period"),
        message,
    })?;
    if !r.whole_months {
        return Err(EngineError::Invalid {
            param: Some("period"),
            message: format!(
                "period {period}: SLAs are evaluated by calendar month; give a month (2025-10), a range of months (2025-09..2025-11), a quarter (2025-Q4) or a year"
            ),
        });
    }
    let months = r.months();
    Ok((r, months))
}

/// Validate a stored revision against today's organisation.
pub fn validated(rev: &ContractRevision, org: &Org) -> Result<Contract> {
    Contract::from_raw(&rev.contract, org).map_err(|e| EngineError::Invalid {
        param: None,
        message: format!(
            "stored contract {:?} revision {} no longer matches the organisation ({e}); re-apply a corrected contract file",
            rev.contract_id, rev.revision
        ),
    })
}

/// The client's contract for the month, if one covers it.
fn pick<'a>(
    list: &'a [ContractRevision],
    org: &Org,
    client: &str,
    contract: Option<&str>,
    month: YearMonth,
) -> Result<Option<(&'a ContractRevision, Contract)>> {
    let mut candidates = Vec::new();
    for r in list.iter().filter(|r| r.client == client) {
        if contract.is_some_and(|c| c != r.contract_id) {
            continue;
        }
        let c = validated(r, org)?;
        if c.in_term(month.first) || c.in_term(month.last()) {
            candidates.push((r, c));
        }
    }
    match candidates.len() {
        0 => Ok(None),
        1 => Ok(Some(candidates.remove(0))),
        _ => Err(EngineError::Invalid {
            param: Some("contract"),
            message: format!(
                "client {client:?} has several contracts covering {} ({}); choose one with --contract",
                month.label(),
                candidates
                    .iter()
                    .map(|(r, _)| r.contract_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// The month's evaluation under the latest revision, plus the rows of earlier revisions whose
/// governing definition of an SLA differs (re-evaluated history is shown side by side, never
/// silently rewritten).
#[allow(clippy::too_many_arguments)] // the period's inputs, one month, and where it goes
fn evaluate_with_history(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    stored: &StoredContracts,
    rev: &ContractRevision,
    c: &Contract,
    month: YearMonth,
    out: &mut PeriodEvaluation,
) -> Result<()> {
    let facts = load_for(ws, scope, c, month)?;
    let cases = ws.case_records(scope, Some(&c.client))?;
    out.stale.extend(stale_queues(&facts, org));
    out.evals
        .push(evaluate(c, rev.revision, org, &facts, &cases, month)?);
    let history = stored.history.get(&rev.contract_id).map_or(&[][..], |h| h);
    for old in history.iter().filter(|o| o.revision < rev.revision) {
        let Ok(oc) = Contract::from_raw(&old.contract, org) else {
            continue;
        };
        let Ok(mut oe) = evaluate(&oc, old.revision, org, &facts, &cases, month) else {
            continue;
        };
        let changed: Vec<String> = oc
            .slas
            .keys()
            .filter(|id| {
                let now: Vec<_> = versions_for(c, id, month)
                    .into_iter()
                    .map(|(v, _)| v)
                    .collect();
                let then: Vec<_> = versions_for(&oc, id, month)
                    .into_iter()
                    .map(|(v, _)| v)
                    .collect();
                now != then
            })
            .cloned()
            .collect();
        oe.slas.retain(|r| changed.contains(&r.sla));
        if !oe.slas.is_empty() {
            out.earlier.push(oe);
        }
    }
    Ok(())
}

/// Every client-month of the period under its contract. `client` narrows to one client (whose
/// contracts must cover some month of the period), `contract` to one contract. `org` and
/// `stored` are what the caller's `scope` may read, so an id outside it is unknown.
pub fn evaluate_period(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    stored: &StoredContracts,
    client: Option<&str>,
    contract: Option<&str>,
    months: &[YearMonth],
) -> Result<PeriodEvaluation> {
    if let Some(c) = client {
        org.require("client", c)?;
    }
    let list: Vec<ContractRevision> = stored
        .latest
        .iter()
        .filter(|r| scope.allows(&r.client) && client.is_none_or(|x| r.client == x))
        .cloned()
        .collect();
    if let Some(id) = contract {
        if !list.iter().any(|r| r.contract_id == id) {
            let known: Vec<&str> = list.iter().map(|r| r.contract_id.as_str()).collect();
            return Err(UnknownId {
                kind: "contract",
                id: id.to_string(),
                nearest: opsdeck_core::org::nearest_ids(id, known),
            }
            .into());
        }
    }
    let clients: BTreeSet<&str> = list.iter().map(|r| r.client.as_str()).collect();
    let mut out = PeriodEvaluation::default();
    for cl in clients {
        for m in months {
            if let Some((rev, c)) = pick(&list, org, cl, contract, *m)? {
                evaluate_with_history(ws, scope, org, stored, rev, &c, *m, &mut out)?;
            }
        }
    }
    if out.evals.is_empty() {
        let span = match (months.first(), months.last()) {
            (Some(a), Some(b)) if a == b => a.label(),
            (Some(a), Some(b)) => format!("{}..{}", a.label(), b.label()),
            _ => String::new(),
        };
        let who = match client {
            Some(c) => format!("client {c:?} has no stored contract"),
            None => "no client has a stored contract".to_string(),
        };
        return Err(EngineError::NoData {
            param: None,
            message: format!(
                "{who} covering {span} (store one with `opsdeck contract apply FILE`)"
            ),
        });
    }
    out.stale.sort();
    out.stale.dedup();
    Ok(out)
}

impl PeriodEvaluation {
    /// The SLA rows, each month's earlier revisions after it.
    pub fn sla_rows(&self) -> Table {
        let mut rows = Vec::new();
        for e in &self.evals {
            rows.extend(e.slas.iter().map(|r| (e, r)));
            for o in self.earlier.iter().filter(|o| {
                o.client == e.client && o.period == e.period && o.contract == e.contract
            }) {
                rows.extend(o.slas.iter().map(|r| (o, r)));
            }
        }
        sla_table(rows)
    }

    /// The whole evaluation as one JSON document (format [`EVALUATION_JSON_VERSION`]).
    pub fn to_json(&self, range_label: &str) -> serde_json::Value {
        serde_json::json!({
            "format_version": EVALUATION_JSON_VERSION,
            "period": range_label,
            "evaluations": self.evals,
            "totals": money_rows(&self.evals, range_label)
                .into_iter()
                .filter(|m| m.period.contains(".."))
                .collect::<Vec<_>>(),
            "earlier_revisions": self.earlier,
        })
    }
}

/// The rows behind one SLA's figure for a month (`opsdeck sla explain`, `/api/v1/sla/explain`).
#[derive(Debug, Clone)]
pub struct Explained {
    pub contract: Contract,
    /// The SLA's version explained.
    pub version: u32,
    pub sla: String,
    /// Queue × day (or interval) rows with their sums and whether they count.
    pub rows: Vec<crate::views::sla::ExplainRow>,
    /// Queue-days open by the calendars without data (what lowers coverage).
    pub missing: Vec<crate::views::sla::MissingDay>,
    /// A case SLA: the cases behind its figure (then `rows` and `missing` are empty).
    pub cases: Vec<crate::views::sla::CaseExplainRow>,
}

impl Explained {
    /// The SLA version explained.
    pub fn sla_version(&self) -> Option<&opsdeck_core::contract::SlaVersion> {
        self.contract
            .slas
            .get(&self.sla)?
            .iter()
            .find(|v| v.version == self.version)
    }
}

/// Explain SLA `sla` for `month`: the contract that has it (of `client`, when several do),
/// the version governing the month (or `version`), and the rows behind its figure.
#[allow(clippy::too_many_arguments)] // the explain request's fields, as the CLI takes them
pub fn explain_sla(
    ws: &Workspace,
    scope: &Scope,
    org: &Org,
    stored: &StoredContracts,
    sla: &str,
    month: YearMonth,
    client: Option<&str>,
    version: Option<u32>,
    by_interval: bool,
) -> Result<Explained> {
    use crate::views::sla::{explain, missing_days, Role};
    if let Some(c) = client {
        org.require("client", c)?;
    }
    let list: Vec<&ContractRevision> = stored
        .latest
        .iter()
        .filter(|r| scope.allows(&r.client) && client.is_none_or(|x| r.client == x))
        .collect();
    let mut found = Vec::new();
    for r in &list {
        if r.contract.slas.iter().any(|s| s.id == sla) {
            found.push(validated(r, org)?);
        }
    }
    let c = match found.len() {
        1 => found.remove(0),
        0 => {
            let known: BTreeSet<&str> = list
                .iter()
                .flat_map(|r| r.contract.slas.iter().map(|s| s.id.as_str()))
                .collect();
            return Err(UnknownId {
                kind: "sla",
                id: sla.to_string(),
                nearest: opsdeck_core::org::nearest_ids(sla, known),
            }
            .into());
        }
        _ => {
            return Err(EngineError::Invalid {
                param: Some("client"),
                message: format!("several contracts have an SLA {sla:?}; choose the client"),
            })
        }
    };
    let v = match version {
        Some(n) => {
            c.slas[sla]
                .iter()
                .find(|v| v.version == n)
                .ok_or_else(|| EngineError::Invalid {
                    param: Some("version"),
                    message: format!("sla {sla:?} has no version {n}"),
                })?
        }
        None => versions_for(&c, sla, month)
            .into_iter()
            .find(|(_, r)| *r == Role::Governing)
            .map(|(v, _)| v)
            .ok_or_else(|| EngineError::NoData {
                param: Some("period"),
                message: format!("no version of sla {sla:?} is in force in {}", month.label()),
            })?,
    };
    let version = v.version;
    if v.metric.is_case_metric() {
        let records = ws.case_records(scope, Some(&c.client))?;
        let cases = crate::views::sla::explain_cases(&c, v, org, &records, month);
        return Ok(Explained {
            contract: c,
            version,
            sla: sla.to_string(),
            rows: vec![],
            missing: vec![],
            cases,
        });
    }
    let facts = load_for(ws, scope, &c, month)?;
    let missing = missing_days(&c, v, org, &facts, month);
    let rows = explain(&c, v, org, &facts, month, by_interval);
    Ok(Explained {
        contract: c,
        version,
        sla: sla.to_string(),
        rows,
        missing,
        cases: vec![],
    })
}
