//! Global options and what commands share: the workspace directory, the store, the runtime.

use anyhow::{Context as _, Result};
use opsdeck_core::{Org, RawOrg};
use opsdeck_engine::workspace::facts::Workspace;
use opsdeck_store::{AnyStore, Store, StoreTarget};
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Workspace directory (facts, quarantine, and the SQLite database when no URL is given).
    #[arg(
        long,
        global = true,
        env = "OPSDECK_HOME",
        default_value = "opsdeck-data"
    )]
    pub home: PathBuf,
    /// System of record: postgres://… for a team deployment; default SQLite in the workspace.
    #[arg(long = "database-url", global = true, env = "OPSDECK_DATABASE_URL")]
    pub database_url: Option<String>,
}

/// An opened workspace and store.
pub struct Context {
    pub rt: tokio::runtime::Runtime,
    pub ws: Workspace,
    pub store: AnyStore,
}

impl Context {
    pub fn open(g: &GlobalArgs, home: Option<PathBuf>) -> Result<Context> {
        let ws = Workspace::new(home.unwrap_or_else(|| g.home.clone()));
        ws.ensure()?;
        let target = match &g.database_url {
            Some(u) => StoreTarget::from_url(u)?,
            None => StoreTarget::Sqlite(ws.sqlite_path()),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the runtime")?;
        let store = rt.block_on(opsdeck_store::open(&target))?;
        Ok(Context { rt, ws, store })
    }

    pub fn raw_org(&self) -> Result<RawOrg> {
        Ok(self.rt.block_on(self.store.load_org())?)
    }

    /// The validated reference data; an error when nothing is declared yet.
    pub fn org(&self) -> Result<Org> {
        let raw = self.raw_org()?;
        let org = Org::from_raw(&raw).context("the stored reference data is not valid")?;
        anyhow::ensure!(
            !org.queues.is_empty(),
            "no queues are declared in this workspace ({}); declare them with `opsdeck setup apply FILE`",
            self.ws.root.display()
        );
        Ok(org)
    }
}

/// Current time as RFC 3339 and a batch id derived from it (the CLI is where the clock is read).
pub fn now_and_batch_id() -> (String, String) {
    let now = chrono::Utc::now();
    (
        now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        format!(
            "b{}-{}",
            now.format("%Y%m%dT%H%M%S%3fZ"),
            std::process::id()
        ),
    )
}
