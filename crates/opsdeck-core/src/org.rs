//! The organisation (reference data): sites, clients, programs, calendars and queues, in a raw
//! serialisable form (`RawOrg`, what setup files and the store hold) and a validated form (`Org`).

use crate::calendar::{parse_zone, BusinessHours, Calendar, IntervalLen, WEEKDAYS};
use crate::contact::{Channel, Thresholds};
use crate::quote::quoted;
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Reference data as declared: plain strings and numbers. `setup apply` reads this from TOML;
/// the store persists exactly this.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrg {
    #[serde(default, rename = "site")]
    pub sites: Vec<RawSite>,
    #[serde(default, rename = "client")]
    pub clients: Vec<RawClient>,
    #[serde(default, rename = "program")]
    pub programs: Vec<RawProgram>,
    #[serde(default, rename = "calendar")]
    pub calendars: Vec<RawCalendar>,
    #[serde(default, rename = "queue")]
    pub queues: Vec<RawQueue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub id: String,
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    pub time_zone: String,
    pub cost_per_productive_hour: f64,
    #[serde(default = "default_currency")]
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClient {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub industry: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProgram {
    pub id: String,
    pub name: String,
    pub client: String,
    /// Sites delivering the program.
    #[serde(default)]
    pub sites: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    pub id: String,
    pub time_zone: String,
    /// Weekday (`mon` … `sun`) → ranges such as `"08:00-20:00"`, `"24h"`; a missing day is closed.
    /// With no `hours` table at all the calendar is open around the clock.
    #[serde(default)]
    pub hours: BTreeMap<String, String>,
    #[serde(default)]
    pub holidays: Vec<RawHoliday>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHoliday {
    /// YYYY-MM-DD, local to the calendar.
    pub date: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    pub id: String,
    pub name: String,
    pub program: String,
    pub channel: String,
    pub calendar: String,
    /// Service-level answer threshold T, seconds.
    #[serde(default = "default_threshold")]
    pub threshold_s: i64,
    /// Short-abandon threshold S, seconds.
    #[serde(default = "default_short_abandon")]
    pub short_abandon_s: i64,
    /// Interval length for aggregation, minutes.
    #[serde(default = "default_interval")]
    pub interval_minutes: u32,
    /// Service-level target as a fraction (0.8 = 80 %), used for "share of intervals meeting target".
    #[serde(default = "default_target")]
    pub sl_target: f64,
    /// Site that answers the queue, when one does.
    #[serde(default)]
    pub site: Option<String>,
}

fn default_currency() -> String {
    "USD".into()
}
fn default_threshold() -> i64 {
    20
}
fn default_short_abandon() -> i64 {
    5
}
fn default_interval() -> u32 {
    30
}
fn default_target() -> f64 {
    0.8
}

/// Why reference data is not acceptable; names the entity and field at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{entity} {}: {field}: {reason}", quoted(id))]
pub struct OrgError {
    pub entity: &'static str,
    pub id: String,
    pub field: &'static str,
    pub reason: String,
}

fn err(entity: &'static str, id: &str, field: &'static str, reason: impl Into<String>) -> OrgError {
    OrgError {
        entity,
        id: id.to_string(),
        field,
        reason: reason.into(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub country: String,
    pub zone: Tz,
    pub cost_per_productive_hour: f64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub id: String,
    pub name: String,
    pub industry: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub id: String,
    pub name: String,
    pub client: String,
    pub sites: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub id: String,
    pub name: String,
    pub program: String,
    /// Denormalised from the program, for fact partitioning.
    pub client: String,
    pub channel: Channel,
    pub calendar: String,
    pub zone: Tz,
    pub thresholds: Thresholds,
    pub interval: IntervalLen,
    pub sl_target: f64,
    pub site: Option<String>,
}

/// Validated reference data: every reference resolves, zones and hours parse, ids are unique.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Org {
    pub sites: BTreeMap<String, Site>,
    pub clients: BTreeMap<String, Client>,
    pub programs: BTreeMap<String, Program>,
    pub calendars: BTreeMap<String, Calendar>,
    pub queues: BTreeMap<String, Queue>,
}

/// Refuses text the system of record cannot hold: PostgreSQL stores no NUL character (U+0000)
/// in text, so no backend accepts one (invalid UTF-8 never gets this far). The reason names
/// the position, never the text around it.
pub fn storable_text(s: &str) -> Result<(), String> {
    match s.find('\0') {
        None => Ok(()),
        Some(at) => Err(format!(
            "contains a NUL character (U+0000) at character {}; text may not contain NUL",
            s[..at].chars().count() + 1
        )),
    }
}

/// Refuses a free-text field of an entity that holds a NUL.
fn check_text(
    entity: &'static str,
    id: &str,
    field: &'static str,
    s: &str,
) -> Result<(), OrgError> {
    storable_text(s).map_err(|r| err(entity, id, field, r))
}

fn check_id(entity: &'static str, id: &str, seen: &mut BTreeSet<String>) -> Result<(), OrgError> {
    let ok = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if !ok {
        return Err(err(
            entity,
            id,
            "id",
            "must be non-empty and use only letters, digits, '-', '_' or '.'",
        ));
    }
    if !seen.insert(id.to_string()) {
        return Err(err(entity, id, "id", "declared twice"));
    }
    Ok(())
}

impl Org {
    /// Validate raw reference data.
    pub fn from_raw(raw: &RawOrg) -> Result<Org, OrgError> {
        let mut org = Org::default();
        let mut seen = BTreeSet::new();
        for s in &raw.sites {
            check_id("site", &s.id, &mut seen)?;
            check_text("site", &s.id, "name", &s.name)?;
            check_text("site", &s.id, "currency", &s.currency)?;
            let zone = parse_zone(&s.time_zone).map_err(|r| err("site", &s.id, "time_zone", r))?;
            if s.country.len() != 2 || !s.country.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(err(
                    "site",
                    &s.id,
                    "country",
                    "expected an ISO 3166 alpha-2 code such as \"PH\"",
                ));
            }
            if !(s.cost_per_productive_hour.is_finite() && s.cost_per_productive_hour >= 0.0) {
                return Err(err(
                    "site",
                    &s.id,
                    "cost_per_productive_hour",
                    "must be a non-negative number",
                ));
            }
            org.sites.insert(
                s.id.clone(),
                Site {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    country: s.country.clone(),
                    zone,
                    cost_per_productive_hour: s.cost_per_productive_hour,
                    currency: s.currency.clone(),
                },
            );
        }
        seen.clear();
        for c in &raw.clients {
            check_id("client", &c.id, &mut seen)?;
            check_text("client", &c.id, "name", &c.name)?;
            check_text("client", &c.id, "industry", &c.industry)?;
            org.clients.insert(
                c.id.clone(),
                Client {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    industry: c.industry.clone(),
                },
            );
        }
        seen.clear();
        for p in &raw.programs {
            check_id("program", &p.id, &mut seen)?;
            check_text("program", &p.id, "name", &p.name)?;
            if !org.clients.contains_key(&p.client) {
                return Err(err(
                    "program",
                    &p.id,
                    "client",
                    format!("unknown client {}", quoted(&p.client)),
                ));
            }
            if let Some(s) = p.sites.iter().find(|s| !org.sites.contains_key(*s)) {
                return Err(err(
                    "program",
                    &p.id,
                    "sites",
                    format!("unknown site {}", quoted(s)),
                ));
            }
            org.programs.insert(
                p.id.clone(),
                Program {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    client: p.client.clone(),
                    sites: p.sites.clone(),
                },
            );
        }
        seen.clear();
        for c in &raw.calendars {
            check_id("calendar", &c.id, &mut seen)?;
            org.calendars.insert(c.id.clone(), calendar_from_raw(c)?);
        }
        seen.clear();
        for q in &raw.queues {
            check_id("queue", &q.id, &mut seen)?;
            check_text("queue", &q.id, "name", &q.name)?;
            let program = org.programs.get(&q.program).ok_or_else(|| {
                err(
                    "queue",
                    &q.id,
                    "program",
                    format!("unknown program {}", quoted(&q.program)),
                )
            })?;
            let cal = org.calendars.get(&q.calendar).ok_or_else(|| {
                err(
                    "queue",
                    &q.id,
                    "calendar",
                    format!("unknown calendar {}", quoted(&q.calendar)),
                )
            })?;
            let channel = q
                .channel
                .parse::<Channel>()
                .map_err(|r| err("queue", &q.id, "channel", r))?;
            if q.threshold_s < 0 {
                return Err(err("queue", &q.id, "threshold_s", "must be ≥ 0"));
            }
            if q.short_abandon_s < 0 {
                return Err(err("queue", &q.id, "short_abandon_s", "must be ≥ 0"));
            }
            let interval = IntervalLen::new(q.interval_minutes)
                .map_err(|r| err("queue", &q.id, "interval_minutes", r))?;
            if !(0.0..=1.0).contains(&q.sl_target) {
                return Err(err(
                    "queue",
                    &q.id,
                    "sl_target",
                    "must be a fraction between 0 and 1 (0.8 = 80 %)",
                ));
            }
            if let Some(s) = &q.site {
                if !org.sites.contains_key(s) {
                    return Err(err(
                        "queue",
                        &q.id,
                        "site",
                        format!("unknown site {}", quoted(s)),
                    ));
                }
            }
            org.queues.insert(
                q.id.clone(),
                Queue {
                    id: q.id.clone(),
                    name: q.name.clone(),
                    program: q.program.clone(),
                    client: program.client.clone(),
                    channel,
                    calendar: q.calendar.clone(),
                    zone: cal.zone,
                    thresholds: Thresholds {
                        service_s: q.threshold_s,
                        short_abandon_s: q.short_abandon_s,
                    },
                    interval,
                    sl_target: q.sl_target,
                    site: q.site.clone(),
                },
            );
        }
        Ok(org)
    }
}

/// Validate one calendar (zone, hours, holidays).
pub fn calendar_from_raw(c: &RawCalendar) -> Result<Calendar, OrgError> {
    let zone = parse_zone(&c.time_zone).map_err(|r| err("calendar", &c.id, "time_zone", r))?;
    let hours = if c.hours.is_empty() {
        BusinessHours::always()
    } else {
        let mut h = BusinessHours::default();
        for (day, ranges) in &c.hours {
            let i = WEEKDAYS
                .iter()
                .position(|w| w.eq_ignore_ascii_case(day))
                .ok_or_else(|| {
                    err(
                        "calendar",
                        &c.id,
                        "hours",
                        format!("unknown weekday {} (use mon … sun)", quoted(day)),
                    )
                })?;
            h.days[i] = BusinessHours::parse_ranges(ranges)
                .map_err(|r| err("calendar", &c.id, "hours", r))?;
        }
        h
    };
    let mut holidays = BTreeMap::new();
    for hd in &c.holidays {
        check_text("calendar", &c.id, "holidays", &hd.name).map_err(|e| OrgError {
            reason: format!("holiday {:?}: name {}", hd.date, e.reason),
            ..e
        })?;
        let date = hd.date.parse::<NaiveDate>().map_err(|_| {
            err(
                "calendar",
                &c.id,
                "holidays",
                format!("date {}: expected YYYY-MM-DD", quoted(&hd.date)),
            )
        })?;
        holidays.insert(date, hd.name.clone());
    }
    Ok(Calendar {
        id: c.id.clone(),
        zone,
        hours,
        holidays,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RawOrg {
        RawOrg {
            sites: vec![RawSite {
                id: "mnl".into(),
                name: "Manila".into(),
                country: "PH".into(),
                time_zone: "Asia/Manila".into(),
                cost_per_productive_hour: 12.0,
                currency: "USD".into(),
            }],
            clients: vec![RawClient {
                id: "acme".into(),
                name: "Acme".into(),
                industry: "retail".into(),
            }],
            programs: vec![RawProgram {
                id: "acme-care".into(),
                name: "Care".into(),
                client: "acme".into(),
                sites: vec!["mnl".into()],
            }],
            calendars: vec![RawCalendar {
                id: "us".into(),
                time_zone: "America/New_York".into(),
                hours: BTreeMap::from([("mon".into(), "08:00-20:00".into())]),
                holidays: vec![RawHoliday {
                    date: "2025-12-25".into(),
                    name: "Christmas".into(),
                }],
            }],
            queues: vec![RawQueue {
                id: "acme-voice".into(),
                name: "Voice".into(),
                program: "acme-care".into(),
                channel: "voice".into(),
                calendar: "us".into(),
                threshold_s: 20,
                short_abandon_s: 5,
                interval_minutes: 30,
                sl_target: 0.8,
                site: Some("mnl".into()),
            }],
        }
    }

    #[test]
    fn valid_org_resolves_references() {
        let org = Org::from_raw(&sample()).unwrap();
        let q = &org.queues["acme-voice"];
        assert_eq!(q.client, "acme");
        assert_eq!(q.zone, chrono_tz::America::New_York);
    }

    #[test]
    fn bad_references_name_entity_and_field() {
        let mut r = sample();
        r.queues[0].calendar = "nope".into();
        let e = Org::from_raw(&r).unwrap_err();
        assert_eq!(
            e.to_string(),
            "queue \"acme-voice\": calendar: unknown calendar \"nope\""
        );
        let mut r = sample();
        r.calendars[0].time_zone = "Mars/Base".into();
        assert_eq!(Org::from_raw(&r).unwrap_err().field, "time_zone");
        let mut r = sample();
        r.queues[0].interval_minutes = 7;
        assert_eq!(Org::from_raw(&r).unwrap_err().field, "interval_minutes");
        let mut r = sample();
        r.clients.push(r.clients[0].clone());
        assert_eq!(Org::from_raw(&r).unwrap_err().reason, "declared twice");
    }

    /// PostgreSQL stores no NUL in text, so validation refuses one on every backend, naming
    /// the entity and the field.
    #[test]
    fn nul_in_text_is_refused_naming_the_field() {
        type Edit = fn(&mut RawOrg);
        let cases: [(Edit, &str); 6] = [
            (|r| r.sites[0].name = "Ma\0nila".into(), "site \"mnl\": name: contains a NUL character (U+0000) at character 3; text may not contain NUL"),
            (|r| r.sites[0].currency = "US\0".into(), "site \"mnl\": currency: contains a NUL character (U+0000) at character 3; text may not contain NUL"),
            (|r| r.clients[0].industry = "\0".into(), "client \"acme\": industry: contains a NUL character (U+0000) at character 1; text may not contain NUL"),
            (|r| r.programs[0].name = "Caré\0".into(), "program \"acme-care\": name: contains a NUL character (U+0000) at character 5; text may not contain NUL"),
            (|r| r.queues[0].name = "V\0".into(), "queue \"acme-voice\": name: contains a NUL character (U+0000) at character 2; text may not contain NUL"),
            (|r| r.calendars[0].holidays[0].name = "X\0".into(), "calendar \"us\": holidays: holiday \"2025-12-25\": name contains a NUL character (U+0000) at character 2; text may not contain NUL"),
        ];
        for (edit, want) in cases {
            let mut r = sample();
            edit(&mut r);
            assert_eq!(Org::from_raw(&r).unwrap_err().to_string(), want);
        }
        let mut r = sample();
        r.clients[0].id = "ac\0me".into();
        assert_eq!(Org::from_raw(&r).unwrap_err().field, "id");
    }
}

/// An id that names nothing of its kind; `nearest` holds the known ids closest to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {}{}", quoted(id), suggest(nearest))]
pub struct UnknownId {
    pub kind: &'static str,
    pub id: String,
    pub nearest: Vec<String>,
}

fn suggest(nearest: &[String]) -> String {
    match nearest {
        [] => String::new(),
        [one] => format!(" (did you mean {}?)", quoted(one)),
        many => format!(
            " (did you mean one of {}?)",
            many.iter()
                .map(|s| quoted(s))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Edit distance between two short texts (insertions, deletions, substitutions).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The known ids closest to `id` (at most three): those within a few edits, or that contain
/// it or are contained in it; when none is close, the first few known ids, so the message
/// always shows what exists.
pub fn nearest_ids<'a>(id: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let known: Vec<&str> = known.into_iter().collect();
    let lower = id.to_lowercase();
    let limit = (id.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .filter_map(|k| {
            let kl = k.to_lowercase();
            let d = edit_distance(&lower, &kl);
            let contains = !lower.is_empty() && (kl.contains(&lower) || lower.contains(&kl));
            (d <= limit || contains).then_some((if contains { d.min(1) } else { d }, *k))
        })
        .collect();
    scored.sort();
    let mut out: Vec<String> = scored
        .into_iter()
        .take(3)
        .map(|(_, k)| k.to_string())
        .collect();
    if out.is_empty() {
        out = known.iter().take(5).map(|k| k.to_string()).collect();
    }
    out
}

impl Org {
    /// Queues whose stored interval facts `new` would compute differently — another client,
    /// program, zone, interval length, threshold T or S, or service-level target — with what
    /// changed, in words. Business hours and holidays are not in the facts (coverage reads
    /// them when it is computed), so they are not listed.
    pub fn facts_changes(&self, new: &Org) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (id, n) in &new.queues {
            let Some(o) = self.queues.get(id) else {
                continue;
            };
            let mut what = Vec::new();
            if o.client != n.client || o.program != n.program {
                what.push(format!(
                    "program {}/{} → {}/{}",
                    o.client, o.program, n.client, n.program
                ));
            }
            if o.zone != n.zone {
                what.push(format!("zone {} → {}", o.zone, n.zone));
            }
            if o.interval != n.interval {
                what.push(format!(
                    "interval {} → {} min",
                    o.interval.minutes(),
                    n.interval.minutes()
                ));
            }
            if o.thresholds.service_s != n.thresholds.service_s {
                what.push(format!(
                    "T {} s → {} s",
                    o.thresholds.service_s, n.thresholds.service_s
                ));
            }
            if o.thresholds.short_abandon_s != n.thresholds.short_abandon_s {
                what.push(format!(
                    "S {} s → {} s",
                    o.thresholds.short_abandon_s, n.thresholds.short_abandon_s
                ));
            }
            if o.sl_target != n.sl_target {
                what.push(format!("target {} → {}", o.sl_target, n.sl_target));
            }
            if !what.is_empty() {
                out.push((id.clone(), what.join(", ")));
            }
        }
        out
    }

    /// The ids of one kind: `client`, `program`, `queue`, `site` or `calendar`.
    pub fn ids(&self, kind: &str) -> Vec<&str> {
        match kind {
            "client" => self.clients.keys().map(String::as_str).collect(),
            "program" => self.programs.keys().map(String::as_str).collect(),
            "queue" => self.queues.keys().map(String::as_str).collect(),
            "site" => self.sites.keys().map(String::as_str).collect(),
            "calendar" => self.calendars.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// `Ok` when `id` names a `kind` (`client`, `program`, `queue`, `site`, `calendar`) of
    /// the organisation, else the nearest known ids.
    pub fn require(&self, kind: &'static str, id: &str) -> Result<(), UnknownId> {
        let ids = self.ids(kind);
        if ids.contains(&id) {
            return Ok(());
        }
        Err(UnknownId {
            kind,
            id: id.to_string(),
            nearest: nearest_ids(id, ids),
        })
    }
}

#[cfg(test)]
mod nearest_tests {
    use super::*;

    #[test]
    fn near_ids_are_suggested() {
        let known = ["northwind", "telvia", "cartly"];
        assert_eq!(nearest_ids("nortwind", known), ["northwind"]);
        assert_eq!(nearest_ids("north", known), ["northwind"]);
        assert_eq!(nearest_ids("TELVIA", known), ["telvia"]);
        // nothing close: show what exists
        assert_eq!(
            nearest_ids("zzzzzzzz", known),
            ["northwind", "telvia", "cartly"]
        );
        let e = UnknownId {
            kind: "client",
            id: "nortwind".into(),
            nearest: vec!["northwind".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown client \"nortwind\" (did you mean \"northwind\"?)"
        );
    }
}
