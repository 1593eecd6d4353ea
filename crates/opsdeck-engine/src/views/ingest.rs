//! The ingest log table (`opsdeck ingest log`): one row per committed batch.

use crate::views::table::{col, Column, Kind, Table, Value};

pub static INGEST_LOG_COLUMNS: [Column; 12] = [
    col(
        "batch_id",
        Kind::Text,
        "batch id (names its facts and quarantine files)",
    ),
    col(
        "committed_at",
        Kind::Timestamp,
        "when the batch was committed",
    ),
    col(
        "kind",
        Kind::Text,
        "contacts, replace (a corrected export) or void (a withdrawal)",
    ),
    col(
        "clients",
        Kind::Text,
        "the clients whose contacts the batch stored, replaced or withdrew (space-separated)",
    ),
    col("rows_read", Kind::Count, "rows read from the files"),
    col(
        "rows_accepted",
        Kind::Count,
        "contacts stored (new or replacing a stored version)",
    ),
    col(
        "rows_duplicate",
        Kind::Count,
        "contacts already stored unchanged",
    ),
    col(
        "rows_quarantined",
        Kind::Count,
        "rows rejected into the quarantine file",
    ),
    col(
        "rows_replaced",
        Kind::Count,
        "stored versions a replacement pushed out (a withdrawal: the versions it restored)",
    ),
    col(
        "rows_withdrawn",
        Kind::Count,
        "contacts a withdrawal removed",
    ),
    col(
        "voided_by",
        Kind::Text,
        "the withdrawal that voided the batch, if one did",
    ),
    col(
        "files",
        Kind::Text,
        "the files of the batch, or the batch a void withdrew",
    ),
];

/// One batch as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchLine {
    pub batch_id: String,
    pub committed_at: String,
    pub kind: String,
    pub clients: Vec<String>,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_duplicate: i64,
    pub rows_quarantined: i64,
    pub rows_replaced: i64,
    pub rows_withdrawn: i64,
    pub voided_by: String,
    pub files: Vec<String>,
}

pub fn ingest_log_table(rows: &[BatchLine]) -> Table {
    Table::new(
        INGEST_LOG_COLUMNS.to_vec(),
        rows.iter()
            .map(|r| {
                vec![
                    Value::Text(r.batch_id.clone()),
                    Value::Text(r.committed_at.clone()),
                    Value::Text(r.kind.clone()),
                    Value::Text(r.clients.join(" ")),
                    Value::Int(r.rows_read),
                    Value::Int(r.rows_accepted),
                    Value::Int(r.rows_duplicate),
                    Value::Int(r.rows_quarantined),
                    Value::Int(r.rows_replaced),
                    Value::Int(r.rows_withdrawn),
                    Value::Text(r.voided_by.clone()),
                    Value::Text(r.files.join(" ")),
                ]
            })
            .collect(),
    )
}

/// The committed batches of `m` a caller with `scope` may see (every client a batch touched is
/// in scope; see `Scope::sees_all_of`), oldest first.
pub fn batch_lines(
    m: &crate::workspace::facts::Manifest,
    scope: &opsdeck_core::Scope,
) -> Vec<BatchLine> {
    m.batches
        .iter()
        .map(|b| (b, m.batch_clients(b)))
        .filter(|(_, clients)| scope.sees_all_of(clients))
        .map(|(b, clients)| BatchLine {
            batch_id: b.batch_id.clone(),
            committed_at: b.committed_at.clone(),
            kind: b.kind.clone(),
            clients,
            rows_read: b.rows_read as i64,
            rows_accepted: b.rows_accepted as i64,
            rows_duplicate: b.rows_duplicate as i64,
            rows_quarantined: b.rows_quarantined as i64,
            rows_replaced: b.rows_replaced as i64,
            rows_withdrawn: b.rows_withdrawn as i64,
            voided_by: b.voided_by.clone().unwrap_or_default(),
            files: b.files.clone(),
        })
        .collect()
}
