//! Scheduled review packs: the packs `report-schedules.toml` says are due in a minute are
//! drafted (through a scope of their client, or every client for a board pack), stored in the
//! workspace's `reports/` directory (one file per pack and period, written atomically; a pack
//! already stored for its period is not drafted again), and recorded in the audit trail as
//! `report.generate` by `schedule`. `opsdeck serve` runs it every minute; `opsdeck report
//! scheduled --at TIME` runs it once (for a system cron, or to catch up).

use crate::audit::{record, Entry};
use chrono::{DateTime, Utc};
use opsdeck_core::{Org, Scope};
use opsdeck_engine::views::sla_period::StoredContracts;
use opsdeck_engine::workspace::Workspace;
use opsdeck_report::pack::{build, stem, PackKind, PackRequest};
use opsdeck_report::schedule;
use opsdeck_store::{AnyStore, Store};
use std::path::PathBuf;

/// Where stored packs are, in the workspace.
pub fn reports_dir(ws: &Workspace) -> PathBuf {
    ws.root.join("reports")
}

/// What a run did, by pack file name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ran {
    pub written: Vec<String>,
    /// Already stored for their period.
    pub kept: Vec<String>,
    /// With the reason.
    pub failed: Vec<String>,
}

/// Draft and store the packs due in the minute of `at`.
pub async fn run_due(ws: &Workspace, store: &AnyStore, at: DateTime<Utc>) -> Result<Ran, String> {
    let file = ws.root.join(schedule::FILE);
    let text = match tokio::fs::read_to_string(&file).await {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ran::default()),
        Err(e) => return Err(format!("{}: {e}", file.display())),
    };
    let schedules = schedule::parse(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let due = schedule::due(&schedules, at);
    let mut ran = Ran::default();
    if due.is_empty() {
        return Ok(ran);
    }
    let every = Scope::every_client();
    let raw = store.load_org(&every).await.map_err(|e| e.to_string())?;
    let org = Org::from_raw(&raw).map_err(|e| format!("the stored reference data: {e}"))?;
    let stored = StoredContracts::from_revisions(
        store
            .all_contract_revisions(&every)
            .await
            .map_err(|e| e.to_string())?,
    );
    let dir = reports_dir(ws);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (s, period) in due {
        let name = format!("{}.html", stem(s.kind, s.client.as_deref(), &period));
        let path = dir.join(&name);
        if path.exists() {
            ran.kept.push(name);
            continue;
        }
        let req = PackRequest {
            kind: s.kind,
            client: s.client.clone(),
            period: period.clone(),
            as_of: None,
            notes: None,
            link_base: String::new(),
        };
        let (ws2, org2, stored2) = (ws.clone(), org.clone(), stored.clone());
        let drafted = tokio::task::spawn_blocking(move || {
            build(&ws2, &Scope::every_client(), &org2, &stored2, &req)
        })
        .await
        .map_err(|e| e.to_string())?;
        match drafted {
            Ok(pack) => {
                let tmp = path.with_extension("partial");
                std::fs::write(&tmp, pack.html.as_bytes())
                    .and_then(|()| std::fs::rename(&tmp, &path))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let e = Entry::new("schedule", "report.generate", &pack.stem)
                    .client(s.client.clone())
                    .payload(pack.html.as_bytes());
                record(store, e).await.map_err(|e| e.to_string())?;
                ran.written.push(name);
                if s.pdf {
                    // the PDF beside it; the HTML stands when the browser cannot print
                    let pdf_name = format!("{}.pdf", pack.stem);
                    let pdf = dir.join(&pdf_name);
                    let tmp = dir.join(format!("{}.partial.pdf", pack.stem));
                    let html_path = path.clone();
                    let printed = tokio::task::spawn_blocking(move || {
                        opsdeck_report::pdf::print(&html_path, &tmp)
                            .and_then(|()| std::fs::rename(&tmp, &pdf).map_err(|e| e.to_string()))
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                    match printed {
                        Ok(()) => ran.written.push(pdf_name),
                        Err(e) => ran.failed.push(format!("{pdf_name}: {e}")),
                    }
                }
            }
            Err(e) => ran.failed.push(format!("{name}: {e}")),
        }
    }
    Ok(ran)
}

/// A stored pack's kind and client, read from its file name (`monthly-northwind-2025-10.html`,
/// `board-2025-10.html`, or the `.pdf` beside it), for who may see it: a client's pack those whose scope holds the
/// client, a board pack those who see every client.
pub fn visible(name: &str, org_clients: &[String], scope: &Scope) -> bool {
    let Some(stem) = name
        .strip_suffix(".html")
        .or_else(|| name.strip_suffix(".pdf"))
    else {
        return false;
    };
    if stem.ends_with(".partial") {
        return false;
    }
    if stem.starts_with("board-") {
        return scope.is_every_client();
    }
    for kind in [PackKind::Weekly, PackKind::Monthly, PackKind::Qbr] {
        if let Some(rest) = stem.strip_prefix(&format!("{}-", kind.name())) {
            // the client is the longest known id the rest starts with, then `-`
            return org_clients
                .iter()
                .filter(|c| rest.starts_with(&format!("{c}-")))
                .max_by_key(|c| c.len())
                .is_some_and(|c| scope.allows(c));
        }
    }
    false
}

/// Run [`run_due`] at the start of every minute, for as long as the server runs; what each
/// run did, or why it could not, goes to the log.
pub fn spawn(state: std::sync::Arc<crate::AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = Utc::now();
            let wait = 60 - u64::from(chrono::Timelike::second(&now)).min(59);
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            let at = Utc::now();
            match run_due(&state.ws, &state.store, at).await {
                Ok(r) => {
                    for w in &r.written {
                        tracing::info!("scheduled pack {w} drafted");
                    }
                    for f in &r.failed {
                        tracing::warn!("scheduled pack not drafted: {f}");
                    }
                }
                Err(e) => tracing::warn!("report schedules: {e}"),
            }
        }
    })
}
