//! Contract revisions: each `apply_contract` that changes a contract appends a revision (the
//! `RawContract` as JSON); the SQL is written once and instantiated per backend by
//! `contract_sql!`, like the reference data.

use serde::{Deserialize, Serialize};

pub use opsdeck_core::contract::ContractRevision;
use opsdeck_core::contract::RawContract;

/// What `apply_contract` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractApplyReport {
    pub contract_id: String,
    /// The revision now in force.
    pub revision: i64,
    /// False when the stored latest revision was already identical.
    pub changed: bool,
}

/// `contract_id, revision, client_id, body, applied_at`.
pub(crate) type RevisionRow = (String, i64, String, String, String);

pub(crate) fn into_revision(row: RevisionRow) -> crate::Result<ContractRevision> {
    let (contract_id, revision, client, body, applied_at) = row;
    let contract: RawContract = serde_json::from_str(&body).map_err(|e| {
        crate::StoreError::Corrupt(format!("contract {contract_id:?} revision {revision}: {e}"))
    })?;
    Ok(ContractRevision {
        contract_id,
        client,
        revision,
        applied_at,
        contract,
    })
}

/// Generates `apply_contract_and_commit` (given the backend's transaction), `latest_contracts` and
/// `contract_revisions` for one backend.
macro_rules! contract_sql {
    ($db:ty, $conn:ty, $pool:ty, $sql:path) => {
        async fn revisions_of(
            conn: &mut $conn,
            contract_id: &str,
        ) -> Result<Vec<crate::contracts::ContractRevision>> {
            let rows: Vec<crate::contracts::RevisionRow> = sqlx::query_as(&$sql(
                "SELECT contract_id, revision, client_id, body, applied_at FROM contract_revision \
                 WHERE contract_id = ? ORDER BY revision",
            ))
            .bind(contract_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db("loading contract revisions"))?;
            rows.into_iter().map(crate::contracts::into_revision).collect()
        }

        pub(crate) async fn apply_contract_in(
            conn: &mut $conn,
            raw: &opsdeck_core::contract::RawContract,
            applied_at: &str,
        ) -> Result<crate::contracts::ContractApplyReport> {
            let id = &raw.contract.id;
            let stored = revisions_of(&mut *conn, id).await?;
            if let Some(last) = stored.last() {
                if last.client != raw.contract.client {
                    return Err(crate::StoreError::Refused {
                        entity: "contract",
                        id: id.clone(),
                        reason: format!(
                            "it is stored for client {:?}; a contract cannot move to client {:?} (use a new contract id)",
                            last.client, raw.contract.client
                        ),
                    });
                }
                if last.contract == *raw {
                    return Ok(crate::contracts::ContractApplyReport {
                        contract_id: id.clone(),
                        revision: last.revision,
                        changed: false,
                    });
                }
            }
            let revision = stored.last().map_or(1, |r| r.revision + 1);
            let body = serde_json::to_string(raw)
                .map_err(|e| crate::StoreError::Corrupt(format!("contract {id:?}: {e}")))?;
            sqlx::query(&$sql(
                "INSERT INTO contract_revision (contract_id, revision, client_id, body, applied_at) \
                 VALUES (?, ?, ?, ?, ?)",
            ))
            .bind(id)
            .bind(revision)
            .bind(&raw.contract.client)
            .bind(body)
            .bind(applied_at)
            .execute(&mut *conn)
            .await
            .map_err(write("contract", id, "client"))?;
            bump_data_version(&mut *conn).await?;
            Ok(crate::contracts::ContractApplyReport {
                contract_id: id.clone(),
                revision,
                changed: true,
            })
        }

        /// Apply inside the backend's (already locked) transaction and commit it.
        pub(crate) async fn apply_contract_and_commit(
            mut tx: sqlx::Transaction<'_, $db>,
            raw: &opsdeck_core::contract::RawContract,
            applied_at: &str,
        ) -> Result<crate::contracts::ContractApplyReport> {
            let report = apply_contract_in(&mut tx, raw, applied_at).await?;
            tx.commit()
                .await
                .map_err(db("committing the contract transaction"))?;
            Ok(report)
        }

        /// Every revision of one contract, oldest first.
        pub(crate) async fn contract_revisions(
            pool: &$pool,
            contract_id: &str,
        ) -> Result<Vec<crate::contracts::ContractRevision>> {
            let mut conn = pool.acquire().await.map_err(db("acquiring a connection"))?;
            revisions_of(&mut conn, contract_id).await
        }

        /// Every revision of every contract, by contract id and revision.
        pub(crate) async fn all_revisions(
            pool: &$pool,
        ) -> Result<Vec<crate::contracts::ContractRevision>> {
            let rows: Vec<crate::contracts::RevisionRow> = sqlx::query_as(
                "SELECT contract_id, revision, client_id, body, applied_at FROM contract_revision \
                 ORDER BY contract_id, revision",
            )
            .fetch_all(pool)
            .await
            .map_err(db("loading contract revisions"))?;
            rows.into_iter().map(crate::contracts::into_revision).collect()
        }

        /// The latest revision of every contract, by contract id.
        pub(crate) async fn latest_contracts(
            pool: &$pool,
        ) -> Result<Vec<crate::contracts::ContractRevision>> {
            let rows: Vec<crate::contracts::RevisionRow> = sqlx::query_as(
                "SELECT r.contract_id, r.revision, r.client_id, r.body, r.applied_at \
                 FROM contract_revision r \
                 WHERE r.revision = (SELECT MAX(x.revision) FROM contract_revision x WHERE x.contract_id = r.contract_id) \
                 ORDER BY r.contract_id",
            )
            .fetch_all(pool)
            .await
            .map_err(db("loading contracts"))?;
            rows.into_iter().map(crate::contracts::into_revision).collect()
        }
    };
}

pub(crate) use contract_sql;
