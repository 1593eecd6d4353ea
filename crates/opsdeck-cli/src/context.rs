//! Global options and what commands share: the workspace directory, the store, the runtime.
//! Commands that only read open an existing workspace and never create one.

use crate::errors::Usage;
use anyhow::{Context as _, Result};
use opsdeck_core::{Org, RawOrg};
use opsdeck_engine::workspace::Workspace;
use opsdeck_store::{AnyStore, Store, StoreTarget};
use std::path::{Path, PathBuf};

/// The workspace when neither --home nor OPSDECK_HOME names one.
pub const DEFAULT_HOME: &str = "opsdeck-data";
/// Where `opsdeck demo` builds its workspace when neither names one.
pub const DEMO_HOME: &str = "opsdeck-demo";

#[derive(clap::Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Workspace directory (facts, quarantine, and the SQLite database when no URL is given);
    /// default ./opsdeck-data (`opsdeck demo`: ./opsdeck-demo). An empty value means the default.
    #[arg(long, global = true, env = "OPSDECK_HOME", value_parser = clap::value_parser!(std::ffi::OsString))]
    pub home: Option<std::ffi::OsString>,
    /// System of record: postgres://… for a team deployment; default SQLite in the workspace.
    #[arg(long = "database-url", global = true, env = "OPSDECK_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl GlobalArgs {
    /// The workspace named by --home / OPSDECK_HOME (an empty value names none).
    pub fn named_home(&self) -> Option<PathBuf> {
        self.home
            .clone()
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
    }

    /// The workspace of ordinary commands.
    pub fn home(&self) -> PathBuf {
        self.named_home()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_HOME))
    }

    fn database_url(&self) -> Option<&str> {
        self.database_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
    }
}

/// An opened workspace and store.
pub struct Context {
    pub rt: tokio::runtime::Runtime,
    pub ws: Workspace,
    pub store: AnyStore,
}

/// The message for a workspace that does not exist: how to make one, and where the demo's is.
fn missing_workspace(home: &Path) -> Usage {
    let demo = Path::new(DEMO_HOME);
    let demo_hint = if home != demo && demo.join("opsdeck.db").is_file() {
        format!("; `opsdeck demo` built one at ./{DEMO_HOME}: use --home {DEMO_HOME}")
    } else {
        String::new()
    };
    Usage(format!(
        "no workspace at {}: create one with `opsdeck setup apply FILE` (or `opsdeck demo`), or name an existing one with --home or OPSDECK_HOME{demo_hint}",
        home.display()
    ))
}

impl Context {
    /// Open the workspace, creating it (and its SQLite database) when missing: for commands
    /// that declare reference data or build the demo.
    pub fn create(g: &GlobalArgs, home: PathBuf) -> Result<Context> {
        let ws = Workspace::new(home);
        ws.ensure()?;
        Self::with(g, ws)
    }

    /// Open an existing workspace; a missing one is a usage error saying how to make one.
    pub fn open(g: &GlobalArgs) -> Result<Context> {
        let home = g.home();
        let exists = if g.database_url().is_some() {
            home.is_dir()
        } else {
            home.join("opsdeck.db").is_file()
        };
        if !exists {
            return Err(missing_workspace(&home).into());
        }
        Self::with(g, Workspace::new(home))
    }

    fn with(g: &GlobalArgs, ws: Workspace) -> Result<Context> {
        let target = match g.database_url() {
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
