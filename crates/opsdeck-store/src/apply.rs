//! Backend-neutral part of `apply_org`: compare what is stored with what the file declares and
//! decide, per entity, create / update / leave alone. The backends only execute the plan.

use crate::error::{Result, StoreError};
use opsdeck_core::org::{RawCalendar, RawHoliday, RawOrg};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What `apply_org` did to one kind of entity; each list holds ids in ascending order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EntityReport {
    /// In the file, not stored before: inserted.
    pub created: Vec<String>,
    /// In the file and stored with different fields: updated.
    pub updated: Vec<String>,
    /// In the file and stored identically: not written.
    pub unchanged: Vec<String>,
    /// Stored but absent from the file: kept as they are.
    pub not_in_file: Vec<String>,
}

impl EntityReport {
    /// True when something was created or updated.
    pub fn changed(&self) -> bool {
        !self.created.is_empty() || !self.updated.is_empty()
    }
}

/// What `apply_org` did, per entity kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub sites: EntityReport,
    pub clients: EntityReport,
    pub programs: EntityReport,
    pub calendars: EntityReport,
    pub queues: EntityReport,
}

impl ApplyReport {
    /// True when the apply wrote anything.
    pub fn changed(&self) -> bool {
        self.kinds().iter().any(|(_, r)| r.changed())
    }

    /// The per-kind reports with their entity names, in dependency order.
    pub fn kinds(&self) -> [(&'static str, &EntityReport); 5] {
        [
            ("site", &self.sites),
            ("client", &self.clients),
            ("program", &self.programs),
            ("calendar", &self.calendars),
            ("queue", &self.queues),
        ]
    }
}

/// Whether a planned write inserts or updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Create,
    Update,
}

/// The writes one apply needs, each list in id order; executing them in field order
/// (sites, clients, calendars, programs, queues) satisfies every foreign key.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub report: ApplyReport,
    pub org: RawOrg,
    pub sites: Vec<(Op, usize)>,
    pub clients: Vec<(Op, usize)>,
    pub programs: Vec<(Op, usize)>,
    pub calendars: Vec<(Op, usize)>,
    pub queues: Vec<(Op, usize)>,
}

/// Compare `stored` (as loaded, normalised) with `incoming`; the plan's `org` is `incoming`
/// normalised, and the ops index into its lists.
pub(crate) fn plan(stored: &RawOrg, incoming: &RawOrg) -> Result<Plan> {
    let org = normalise(incoming.clone());
    let (sites, s) = diff("site", &stored.sites, &org.sites, |x| &x.id)?;
    let (clients, c) = diff("client", &stored.clients, &org.clients, |x| &x.id)?;
    let (programs, p) = diff("program", &stored.programs, &org.programs, |x| &x.id)?;
    let (calendars, k) = diff("calendar", &stored.calendars, &org.calendars, |x| &x.id)?;
    let (queues, q) = diff("queue", &stored.queues, &org.queues, |x| &x.id)?;
    Ok(Plan {
        report: ApplyReport {
            sites,
            clients,
            programs,
            calendars,
            queues,
        },
        org,
        sites: s,
        clients: c,
        programs: p,
        calendars: k,
        queues: q,
    })
}

/// The canonical form the store holds and returns: every list sorted by id, holidays sorted by
/// date with one per date (the last one declared wins, as in `Org::from_raw`). Program sites
/// keep their declared order.
pub(crate) fn normalise(mut org: RawOrg) -> RawOrg {
    org.sites.sort_by(|a, b| a.id.cmp(&b.id));
    org.clients.sort_by(|a, b| a.id.cmp(&b.id));
    org.programs.sort_by(|a, b| a.id.cmp(&b.id));
    org.calendars.sort_by(|a, b| a.id.cmp(&b.id));
    org.queues.sort_by(|a, b| a.id.cmp(&b.id));
    for c in &mut org.calendars {
        normalise_holidays(c);
    }
    org
}

fn normalise_holidays(c: &mut RawCalendar) {
    let by_date: BTreeMap<String, String> =
        c.holidays.drain(..).map(|h| (h.date, h.name)).collect();
    c.holidays = by_date
        .into_iter()
        .map(|(date, name)| RawHoliday { date, name })
        .collect();
}

fn diff<T: PartialEq>(
    entity: &'static str,
    stored: &[T],
    incoming: &[T],
    id: impl Fn(&T) -> &String,
) -> Result<(EntityReport, Vec<(Op, usize)>)> {
    let by_id: BTreeMap<&String, &T> = stored.iter().map(|x| (id(x), x)).collect();
    let mut report = EntityReport::default();
    let mut ops = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, x) in incoming.iter().enumerate() {
        let key = id(x);
        if !seen.insert(key) {
            return Err(StoreError::Refused {
                entity,
                id: key.clone(),
                reason: "declared twice in the input".into(),
            });
        }
        match by_id.get(key) {
            None => {
                report.created.push(key.clone());
                ops.push((Op::Create, i));
            }
            Some(old) if *old != x => {
                report.updated.push(key.clone());
                ops.push((Op::Update, i));
            }
            Some(_) => report.unchanged.push(key.clone()),
        }
    }
    report.not_in_file = by_id
        .keys()
        .filter(|k| !seen.contains(*k))
        .map(|k| (*k).clone())
        .collect();
    Ok((report, ops))
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_core::org::RawClient;

    fn client(id: &str, name: &str) -> RawClient {
        RawClient {
            id: id.into(),
            name: name.into(),
            industry: String::new(),
        }
    }

    #[test]
    fn diff_sorts_entities_into_the_four_lists() {
        let stored = RawOrg {
            clients: vec![client("a", "A"), client("b", "B"), client("c", "C")],
            ..RawOrg::default()
        };
        let incoming = RawOrg {
            clients: vec![client("d", "D"), client("b", "B2"), client("a", "A")],
            ..RawOrg::default()
        };
        let plan = plan(&stored, &incoming).expect("valid plan");
        let r = &plan.report.clients;
        assert_eq!(
            (r.created.as_slice(), r.updated.as_slice()),
            (&["d".to_string()][..], &["b".to_string()][..])
        );
        assert_eq!(
            (r.unchanged.as_slice(), r.not_in_file.as_slice()),
            (&["a".to_string()][..], &["c".to_string()][..])
        );
        assert_eq!(plan.clients, vec![(Op::Update, 1), (Op::Create, 2)]);
        assert!(plan.report.changed());
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let incoming = RawOrg {
            clients: vec![client("a", "A"), client("a", "A")],
            ..RawOrg::default()
        };
        let e = plan(&RawOrg::default(), &incoming).expect_err("duplicate");
        assert_eq!(
            e.to_string(),
            "the database refused client \"a\": declared twice in the input; nothing was written"
        );
    }
}
