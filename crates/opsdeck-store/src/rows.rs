//! Row shapes shared by both backends (both decode the same Rust types) and their assembly into
//! `RawOrg` / `IngestRecord`, so the backends differ only in SQL dialect and connection type.

use crate::error::{Result, StoreError};
use crate::IngestRecord;
use opsdeck_core::org::{
    RawCalendar, RawClient, RawHoliday, RawOrg, RawProgram, RawQueue, RawSite,
};
use std::collections::BTreeMap;

/// id, name, country, time_zone, cost_per_productive_hour, currency
pub(crate) type SiteRow = (String, String, String, String, f64, String);
/// id, name, industry
pub(crate) type ClientRow = (String, String, String);
/// id, name, client_id
pub(crate) type ProgramRow = (String, String, String);
/// program_id, site_id — ordered by program and position
pub(crate) type ProgramSiteRow = (String, String);
/// id, time_zone
pub(crate) type CalendarRow = (String, String);
/// calendar_id, weekday, ranges
pub(crate) type HoursRow = (String, String, String);
/// calendar_id, date, name — ordered by calendar and date
pub(crate) type HolidayRow = (String, String, String);
/// id, name, program_id, channel, calendar_id, threshold_s, short_abandon_s, interval_minutes,
/// sl_target, site_id
pub(crate) type QueueRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    f64,
    Option<String>,
);
/// batch_id, kind, files (JSON), rows_read, rows_accepted, rows_duplicate, rows_quarantined,
/// committed_at
pub(crate) type IngestRow = (String, String, String, i64, i64, i64, i64, String, String);

/// Everything a load reads, one vector per table.
pub(crate) struct OrgRows {
    pub sites: Vec<SiteRow>,
    pub clients: Vec<ClientRow>,
    pub programs: Vec<ProgramRow>,
    pub program_sites: Vec<ProgramSiteRow>,
    pub calendars: Vec<CalendarRow>,
    pub hours: Vec<HoursRow>,
    pub holidays: Vec<HolidayRow>,
    pub queues: Vec<QueueRow>,
}

impl OrgRows {
    /// Assemble the rows into the canonical `RawOrg` (lists sorted by id, holidays by date).
    pub fn into_org(self) -> Result<RawOrg> {
        let mut program_sites: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (program, site) in self.program_sites {
            program_sites.entry(program).or_default().push(site);
        }
        let mut hours: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (calendar, day, ranges) in self.hours {
            hours.entry(calendar).or_default().insert(day, ranges);
        }
        let mut holidays: BTreeMap<String, Vec<RawHoliday>> = BTreeMap::new();
        for (calendar, date, name) in self.holidays {
            holidays
                .entry(calendar)
                .or_default()
                .push(RawHoliday { date, name });
        }
        let queues = self
            .queues
            .into_iter()
            .map(
                |(
                    id,
                    name,
                    program,
                    channel,
                    calendar,
                    threshold_s,
                    short_abandon_s,
                    interval,
                    sl_target,
                    site,
                )| {
                    let interval_minutes = u32::try_from(interval).map_err(|_| {
                        StoreError::Corrupt(format!(
                            "queue {id:?}: interval_minutes {interval} is out of range"
                        ))
                    })?;
                    Ok(RawQueue {
                        id,
                        name,
                        program,
                        channel,
                        calendar,
                        threshold_s,
                        short_abandon_s,
                        interval_minutes,
                        sl_target,
                        site,
                    })
                },
            )
            .collect::<Result<Vec<_>>>()?;
        let org = RawOrg {
            sites: self
                .sites
                .into_iter()
                .map(
                    |(id, name, country, time_zone, cost_per_productive_hour, currency)| RawSite {
                        id,
                        name,
                        country,
                        time_zone,
                        cost_per_productive_hour,
                        currency,
                    },
                )
                .collect(),
            clients: self
                .clients
                .into_iter()
                .map(|(id, name, industry)| RawClient { id, name, industry })
                .collect(),
            programs: self
                .programs
                .into_iter()
                .map(|(id, name, client)| {
                    let sites = program_sites.remove(&id).unwrap_or_default();
                    RawProgram {
                        id,
                        name,
                        client,
                        sites,
                    }
                })
                .collect(),
            calendars: self
                .calendars
                .into_iter()
                .map(|(id, time_zone)| RawCalendar {
                    hours: hours.remove(&id).unwrap_or_default(),
                    holidays: holidays.remove(&id).unwrap_or_default(),
                    id,
                    time_zone,
                })
                .collect(),
            queues,
        };
        // SQL ordering depends on the column collation; sort here so both backends agree.
        Ok(crate::apply::normalise(org))
    }
}

pub(crate) fn files_to_json(rec: &IngestRecord) -> Result<String> {
    list_to_json(&rec.files, &rec.batch_id, "files")
}

/// A list of strings as the JSON text a TEXT column keeps.
pub(crate) fn list_to_json(list: &[String], of: &str, what: &str) -> Result<String> {
    serde_json::to_string(list)
        .map_err(|e| StoreError::Corrupt(format!("{of:?}: cannot encode {what}: {e}")))
}

pub(crate) fn ingest_from_row(row: IngestRow) -> Result<IngestRecord> {
    let (
        batch_id,
        kind,
        files,
        rows_read,
        rows_accepted,
        rows_duplicate,
        rows_quarantined,
        committed_at,
        clients,
    ) = row;
    let clients = serde_json::from_str(&clients).map_err(|e| {
        StoreError::Corrupt(format!(
            "ingest batch {batch_id:?}: clients is not a json list of strings: {e}"
        ))
    })?;
    let files = serde_json::from_str(&files).map_err(|e| {
        StoreError::Corrupt(format!(
            "ingest batch {batch_id:?}: files is not a json list of strings: {e}"
        ))
    })?;
    Ok(IngestRecord {
        batch_id,
        kind,
        files,
        rows_read,
        rows_accepted,
        rows_duplicate,
        rows_quarantined,
        committed_at,
        clients,
    })
}
