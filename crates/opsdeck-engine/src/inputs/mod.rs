//! Input files other than contacts and event logs: staffing intervals, schedule requirements
//! and shift patterns, volume series, holiday lists, clock policies, contracts and plan scenarios — each read
//! and validated with file, line (or key) and reason.

pub mod clock_policy;
pub mod contract;
pub mod holidays;
pub mod scenario;
pub mod schedule;
pub mod series;
pub mod staffing;
