//! Deterministic synthetic data for `opsdeck demo`: a sample organisation ([`DEMO_ORG_TOML`]) and
//! a contact generator ([`generate_contacts`]) that writes canonical contact CSV.
//!
//! Pure: no files, clock or environment; all randomness comes from a small built-in PRNG seeded by
//! [`DemoSpec::seed`], so the same org and spec always give the same bytes.
//!
//! Model, per queue:
//! - a daily volume level (by channel, varied per queue id), a weekday pattern (Monday highest,
//!   weekends low), a mild trend, catch-up after holidays and retail peak days;
//! - arrivals as a non-homogeneous Poisson process over the calendar's open minutes only (closed
//!   hours and holidays get no contacts), with morning and early-afternoon peaks;
//! - forecast error (daily noise, a few unforeseen spike days and intraday incidents);
//! - staffing planned per interval from the *forecast* (Erlang C to the queue's service-level
//!   target for live channels, flat occupancy-based staffing for email/tickets), with
//!   under-staffing noise and a few bad days;
//! - an FCFS multi-server simulation with lognormal handle times and customer patience, so waits
//!   and abandonment rise exactly where offered load outruns the staff on duty.
//!
//! [`cases`] generates IT service-desk incident update logs (ServiceNow audit-export shape) for
//! the demo's service-desk program.

pub mod cases;
mod rng;
mod sim;

use chrono::NaiveDate;
use opsdeck_core::{Org, RawOrg};
use std::fmt::Write as _;
use std::io::{self, Write};

/// The demo organisation, in the TOML shape of [`opsdeck_core::RawOrg`].
pub const DEMO_ORG_TOML: &str = include_str!("demo-org.toml");

/// A sample contract per demo client (`client id`, TOML in the shape of
/// [`opsdeck_core::contract::RawContract`]), applied by `opsdeck demo`.
pub const DEMO_CONTRACTS: [(&str, &str); 4] = [
    ("northwind", include_str!("contracts/northwind.toml")),
    ("telvia", include_str!("contracts/telvia.toml")),
    ("cartly", include_str!("contracts/cartly.toml")),
    ("halden", include_str!("contracts/halden.toml")),
];

/// The clock policy of the demo's IT service desk (docs/formats.md §9, on the workspace's
/// canonical case fields).
pub const DEMO_ITSD_POLICY: &str = include_str!("demo-itsd-policy.toml");

/// The demo's ticket queue and the assignment groups of its incidents.
pub const DEMO_ITSD_QUEUE: &str = "hld-itsd";

/// Canonical contact CSV header, as written by [`generate_contacts`].
pub const CSV_HEADER: &str = "contact_id,queue,channel,arrived_at,answered_at,ended_at,talk_s,hold_s,acw_s,agent_id,csat,site,nps,resolved_first_contact,transferred";

/// Parse [`DEMO_ORG_TOML`] into raw reference data.
pub fn demo_raw_org() -> Result<RawOrg, toml::de::Error> {
    toml::from_str(DEMO_ORG_TOML)
}

/// What to generate: local calendar days `start .. start + days` of every queue's calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSpec {
    pub start: NaiveDate,
    pub days: u32,
    pub seed: u64,
    /// Multiplies contact volumes (staffing follows, so service stays comparable).
    pub scale: f64,
}

impl Default for DemoSpec {
    fn default() -> Self {
        DemoSpec {
            start: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default(),
            days: 91,
            seed: 42,
            scale: 1.0,
        }
    }
}

/// Counts of what [`generate_contacts`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenStats {
    pub rows: u64,
    pub answered: u64,
    pub abandoned: u64,
}

/// Write synthetic contacts for every queue of `org` as canonical CSV (header included), sorted
/// by arrival. Timestamps are RFC 3339 UTC (`2025-09-01T13:05:22Z`).
pub fn generate_contacts<W: Write>(org: &Org, spec: &DemoSpec, out: W) -> io::Result<GenStats> {
    if !(spec.scale.is_finite() && spec.scale >= 0.0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "demo scale must be a finite number ≥ 0",
        ));
    }
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    out.write_all(CSV_HEADER.as_bytes())?;
    out.write_all(b"\n")?;

    let mut sims = sim::build(org, spec);
    let mut stats = GenStats::default();
    let first = sims.iter().filter_map(|s| s.first_start()).min();
    let Some(first) = first else {
        out.flush()?;
        return Ok(stats);
    };

    let mut batch: Vec<sim::Rec> = Vec::new();
    let mut line = String::with_capacity(256);
    let mut limit = first.saturating_add(sim::DAY_S);
    loop {
        let mut more = false;
        for s in &mut sims {
            s.advance(limit);
            more |= s.has_more();
        }
        if !more {
            limit = i64::MAX;
        }
        batch.clear();
        for s in &mut sims {
            s.take_before(limit, &mut batch);
        }
        batch.sort_unstable_by_key(|r| (r.arrived, r.qi, r.n));
        for r in &batch {
            line.clear();
            format_row(&mut line, r, &sims[usize::from(r.qi)]);
            out.write_all(line.as_bytes())?;
            stats.rows += 1;
            if r.answered.is_some() {
                stats.answered += 1;
            } else {
                stats.abandoned += 1;
            }
        }
        if !more {
            break;
        }
        limit = limit.saturating_add(sim::DAY_S);
    }
    out.flush()?;
    Ok(stats)
}

fn format_row(line: &mut String, r: &sim::Rec, q: &sim::QueueSim<'_>) {
    let _ = write!(
        line,
        "D{}-{},{},{},",
        u32::from(r.qi) + 1,
        r.n,
        q.queue.id,
        q.queue.channel.as_str()
    );
    push_ts(line, r.arrived);
    line.push(',');
    if let Some(a) = r.answered {
        push_ts(line, a);
    }
    line.push(',');
    push_ts(line, r.ended);
    let _ = write!(line, ",{},{},{},", r.talk, r.hold, r.acw);
    if r.answered.is_some() {
        q.push_agent_id(line, r.agent);
    }
    line.push(',');
    if let Some(c) = r.csat {
        let _ = write!(line, "{c}");
    }
    line.push(',');
    line.push_str(q.site_of(r));
    line.push(',');
    if let Some(n) = r.nps {
        let _ = write!(line, "{n}");
    }
    line.push(',');
    if r.answered.is_some() {
        line.push_str(if r.fcr { "true" } else { "false" });
    }
    line.push(',');
    line.push_str(if r.transferred { "true" } else { "false" });
    line.push('\n');
}

/// Append `YYYY-MM-DDTHH:MM:SSZ` for UTC epoch seconds.
fn push_ts(line: &mut String, t: i64) {
    let days = t.div_euclid(86_400);
    let sod = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let _ = write!(
        line,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    );
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests;
