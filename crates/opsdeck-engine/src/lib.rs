//! opsdeck-engine: the facts engine — reading contact files, validating and quarantining rows,
//! aggregating into interval sums, and keeping facts as partitioned Parquet in the workspace.

pub mod aggregate;
pub mod case_clocks;
pub mod clock_policy;
pub(crate) mod columnar;
pub mod contact;
pub mod error;
pub mod eventlog;
pub use opsdeck_core::fxhash;
pub mod parse;
pub mod profile;
pub mod read;
pub mod synth;
mod xml;

pub use error::{EngineError, Result};
pub mod facts;
pub mod ingest;
pub mod plan;
pub mod schedule;
pub mod scorecard;
pub mod series;
pub mod sla;
pub mod staffing;
