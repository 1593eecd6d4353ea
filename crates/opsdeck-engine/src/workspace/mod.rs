//! The workspace's facts: contacts and interval sums as Parquet partitioned by client and
//! month, made visible only by an atomically renamed manifest; ingest, restatement and rebuild;
//! the quarantine reports of running batches.

pub mod cases;
pub mod facts;
pub mod ingest;
pub mod report;
pub mod restate;
mod spill;
mod stream;

pub use facts::{IntervalFact, Workspace};
