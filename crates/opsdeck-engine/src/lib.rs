//! opsdeck-engine: the facts engine — reading inputs, validating and quarantining rows,
//! aggregating contacts into interval sums, keeping facts as partitioned Parquet in the
//! workspace, and the output tables every front-end writes.
//!
//! Layers, each importing only those listed before it (`tests/layers.rs` checks):
//! `io` (bytes, rows, cells, CSV / Parquet / XML, timestamps) → `contacts` (profiles,
//! validation, contact readers and sinks) and `eventlog` (case event logs) and `inputs`
//! (staffing, schedule, series, clock policy, contract and scenario files) → `cases` (case
//! profiles, case updates, records and day facts) → `workspace`
//! (facts, ingest, rebuild) → `views` (the output tables: kpi, scorecard, sla, plan,
//! staffing, schedule, forecast, mining, case clocks).

pub mod cases;
pub mod contacts;
pub mod error;
pub mod eventlog;
pub mod inputs;
pub mod io;
pub mod views;
pub mod workspace;

pub use error::{EngineError, Result};
