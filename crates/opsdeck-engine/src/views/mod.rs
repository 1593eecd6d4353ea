//! The output tables: each declared once here ([`table`]: columns, kinds, units) and filled
//! from the engine's results, so the CLI, the API, the dashboard and the reports write the
//! same tables — fractions, seconds and money with a currency for machines, `84.8 %`,
//! `12.4 s` and `USD 23,232.00` for people.

pub mod access;
pub mod case_clocks;
pub mod cases;
pub mod catalogue;
pub mod contacts;
pub mod forecast;
pub mod ingest;
pub mod kpi;
pub mod mining;
pub mod plan;
pub mod profile;
pub mod schedule;
pub mod scorecard;
pub mod sla;
pub mod sla_period;
pub mod staffing;
pub mod table;
