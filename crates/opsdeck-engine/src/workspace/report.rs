//! A batch's quarantine report while the batch runs: `quarantine/<batch>.csv.partial`, its
//! OS lock held by the batch's writer; renamed to `<batch>.csv` when the batch ends well
//! (committed, or nothing new to store), removed when it fails. A partial report that no live
//! writer holds (its process was killed) is settled by the next writer: renamed when its batch
//! committed, removed when it did not — so `quarantine/` never shows the report of a batch
//! that did not happen as if it had.

use super::facts::{sync_dir, Manifest, Workspace};
use crate::error::{io_err, Result};
use std::fs::File;
use std::path::PathBuf;

/// Ending of a report its batch has not settled yet.
pub const PARTIAL_SUFFIX: &str = ".csv.partial";

/// Where a batch's report is written while the batch runs.
pub fn partial_path(ws: &Workspace, batch_id: &str) -> PathBuf {
    ws.quarantine_dir()
        .join(format!("{batch_id}{PARTIAL_SUFFIX}"))
}

/// A batch's quarantine report once the batch has ended.
pub fn report_path(ws: &Workspace, batch_id: &str) -> PathBuf {
    ws.quarantine_dir().join(format!("{batch_id}.csv"))
}

/// A running batch's claim on its report: the partial file, created empty and locked.
pub(crate) struct PendingReport {
    file: File,
    partial: PathBuf,
}

impl PendingReport {
    /// Create the batch's (empty) partial report and take its lock.
    pub(crate) fn start(ws: &Workspace, batch_id: &str) -> Result<PendingReport> {
        ws.ensure()?;
        let partial = partial_path(ws, batch_id);
        let file = File::create(&partial).map_err(ws.write_err(&partial))?;
        file.lock().map_err(io_err(&partial))?;
        Ok(PendingReport { file, partial })
    }

    /// End the batch: when it succeeded and `published` names where its report goes (its
    /// final name, or another such as a refused batch's), publish it there; else (no rows, or
    /// the batch failed) remove it. The batch's outcome is returned as it was.
    pub(crate) fn settle<T>(
        self,
        outcome: Result<T>,
        published: impl FnOnce(&T) -> Option<PathBuf>,
    ) -> Result<T> {
        if let Some(to) = outcome.as_ref().ok().and_then(published) {
            std::fs::rename(&self.partial, &to).map_err(io_err(&to))?;
            if let Some(d) = to.parent() {
                sync_dir(d)?;
            }
        } else {
            // best effort: a report left behind is settled by the next writer
            let _ = std::fs::remove_file(&self.partial);
        }
        drop(self.file);
        outcome
    }
}

/// Settle the partial reports no live writer holds: a committed batch's becomes its report,
/// any other is removed. Called by writers under the write lock.
pub(crate) fn settle_abandoned(ws: &Workspace, m: &Manifest) -> Result<()> {
    let dir = ws.quarantine_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(batch) = name.strip_suffix(PARTIAL_SUFFIX) else {
            continue;
        };
        let p = e.path();
        let Ok(f) = File::open(&p) else {
            continue;
        };
        if f.try_lock().is_err() {
            continue; // its batch is still running (or the lock cannot be had: leave it)
        }
        if m.batches.iter().any(|b| b.batch_id == batch) {
            let fin = report_path(ws, batch);
            std::fs::rename(&p, &fin).map_err(io_err(&fin))?;
        } else {
            std::fs::remove_file(&p).map_err(io_err(&p))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::facts::BatchRecord;

    /// A batch killed after its commit leaves its report partial: the next writer publishes
    /// it; one killed before leaves a report of nothing: removed; a running batch's is left.
    #[test]
    fn the_next_writer_settles_reports_of_batches_no_one_runs() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::new(dir.path());
        let lock = ws.lock().unwrap();
        let m = Manifest {
            format_version: crate::workspace::facts::FORMAT_VERSION,
            batches: vec![BatchRecord {
                batch_id: "b-committed".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        ws.commit(&lock, &m).unwrap();
        drop(lock);
        std::fs::write(partial_path(&ws, "b-committed"), "file,line\n").unwrap();
        std::fs::write(partial_path(&ws, "b-killed"), "file,line\n").unwrap();
        let running = PendingReport::start(&ws, "b-running").unwrap();
        std::fs::write(report_path(&ws, "b-old"), "file,line\n").unwrap();

        let lock = ws.lock().unwrap();
        ws.remove_orphans(&lock, &ws.manifest().unwrap()).unwrap();
        drop(lock);
        let mut names: Vec<String> = std::fs::read_dir(ws.quarantine_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["b-committed.csv", "b-old.csv", "b-running.csv.partial"]
        );
        assert_eq!(
            std::fs::read_to_string(report_path(&ws, "b-committed")).unwrap(),
            "file,line\n"
        );

        // the running batch ends: with rows its report is published, without it is removed
        std::fs::write(partial_path(&ws, "b-running"), "file,line\n").unwrap();
        let to = report_path(&ws, "b-running");
        assert_eq!(running.settle(Ok(1), |_| Some(to)).unwrap(), 1);
        assert!(report_path(&ws, "b-running").is_file());
        let failed = PendingReport::start(&ws, "b-failed").unwrap();
        std::fs::write(partial_path(&ws, "b-failed"), "file,line\n").unwrap();
        let e = failed
            .settle::<()>(Err(crate::EngineError::Internal("x".into())), |_| {
                Some(report_path(&ws, "b-failed"))
            })
            .unwrap_err();
        assert_eq!(e.to_string(), "internal error: x");
        assert!(!partial_path(&ws, "b-failed").exists());
        assert!(!report_path(&ws, "b-failed").exists());
    }
}
