//! opsdeck-engine: the facts engine — reading contact files, validating and quarantining rows,
//! aggregating into interval sums, and keeping facts as partitioned Parquet in the workspace.

pub mod synth;
