//! opsdeck-core: the domain core — organisation entities, calendars, contact outcomes and KPI
//! formulas. Pure functions and types only: no files, databases, clocks, randomness or network.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod clock;
pub mod contact;
pub mod contract;
pub mod credits;
pub mod forecast;
pub mod kpi;
pub mod mining;
pub mod org;
pub mod period;
pub mod plan;
pub mod quote;
pub mod schedule;
pub mod sla;
pub mod staffing;

pub use access::{Role, Scope};
pub use calendar::{BusinessHours, Calendar, IntervalLen, ZoneCache};
pub use contact::{Channel, ContactOutcome, Thresholds};
pub use kpi::{IntervalSums, SlVariant, TargetTally};
pub use org::{Client, Org, OrgError, Program, Queue, RawOrg, Site, UnknownId};
pub use period::{parse_period, DateRange, YearMonth};
pub use quote::quoted;
