//! Cases (tickets) for the workspace: the canonical fields of a case update (`status`,
//! `priority`, `group`, `assignee`, the opening time), the export profiles and mapping files
//! that name them in a vendor's export (`profile`: a state export, a changelog or Zendesk's
//! ticket audits), the read of a case log into validated updates grouped by case and queue
//! with the bad ones quarantined (`read`; changelogs replayed in `changelog`, audits read in
//! `zendesk`), and what the clock policy makes of a case's updates: its record and the
//! per-day facts (`record`).

pub mod changelog;
pub mod profile;
pub mod read;
pub mod record;
pub mod zendesk;

pub use profile::{CaseProfile, ChangeColumns, Layout, QueueMap, StateColumns};
pub use read::{read_cases, CaseRead, CaseUpdate, ReadCase};
pub use record::{case_days, case_record, CaseDay, CaseRecord, ClockOutcome, AGE_BANDS};

/// The canonical field names a workspace clock policy tests (`[[clock]] start = [{ field =
/// "status", … }]`).
pub const FIELDS: [&str; 4] = ["status", "priority", "group", "assignee"];
