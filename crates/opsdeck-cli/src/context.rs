//! Global options and what commands share: the workspace directory, the store, the runtime.
//! Commands that only read open an existing workspace read-only and never create one; writers
//! take the workspace's write lock as `--lock-timeout` says.

use crate::errors::Usage;
use anyhow::{Context as _, Result};
use opsdeck_core::{Org, RawOrg, Scope};
use opsdeck_engine::workspace::facts::LockOptions;
use opsdeck_engine::workspace::Workspace;
use opsdeck_store::{AnyStore, Store, StoreTarget};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

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
    /// Who the audit trail names for this command's writes (default: os:<login name>).
    #[arg(long, global = true, env = "OPSDECK_ACTOR")]
    pub actor: Option<String>,
    /// How long a writing command waits for another writer of the workspace to finish: seconds,
    /// or a number with s, m or h (`90s`, `10m`, `1h`); 0 = fail at once if one is at work.
    #[arg(long = "lock-timeout", global = true, env = "OPSDECK_LOCK_TIMEOUT", value_name = "DURATION", default_value = "10m", value_parser = parse_wait)]
    pub lock_timeout: Duration,
}

/// A duration on the command line: seconds, or a number with `s`, `m`/`min` or `h`.
pub fn parse_wait(s: &str) -> std::result::Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        _ => 0,
    };
    match n.parse::<u64>() {
        Ok(n) if scale > 0 => Ok(Duration::from_secs(n.saturating_mul(scale))),
        _ => Err(format!(
            "{s:?} is not a duration: give seconds or a number with s, m or h (10m = ten minutes; 0 = do not wait)"
        )),
    }
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

    /// The actor of the audit trail: `--actor`, else `os:` and the login name.
    pub fn actor_name(&self) -> String {
        match self
            .actor
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            Some(a) => a.chars().take(200).collect(),
            None => format!(
                "os:{}",
                std::env::var("USER")
                    .or_else(|_| std::env::var("USERNAME"))
                    .unwrap_or_else(|_| "unknown".into())
            ),
        }
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
    /// Who the audit trail names for this command's writes.
    pub actor: String,
    /// What the CLI reads: every client. Whoever runs it on the workspace's machine can read
    /// its files anyway; scopes narrow what the server's users see.
    pub scope: Scope,
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

    /// Open an existing workspace for a command that writes; a missing one is a usage error
    /// saying how to make one.
    pub fn open(g: &GlobalArgs) -> Result<Context> {
        let home = Self::existing(g)?;
        Self::with(g, Workspace::new(home))
    }

    /// Open an existing workspace for a command that only reads: the store is opened
    /// read-only (nothing is created, migrated or written), so a read-only workspace, or one
    /// of another user, can be read. A store written by an older opsdeck is the exception: it
    /// is upgraded as a writer would, when it can be written.
    pub fn open_read(g: &GlobalArgs) -> Result<Context> {
        let home = Self::existing(g)?;
        let ws = Workspace::new(home);
        let target = Self::target(g, &ws)?;
        let rt = Self::runtime()?;
        let store = match rt.block_on(opsdeck_store::open_read_only(&target)) {
            Err(outdated @ opsdeck_store::StoreError::Outdated { .. }) => rt
                .block_on(opsdeck_store::open(&target))
                .map_err(|_| outdated)?,
            other => other?,
        };
        Ok(Context {
            rt,
            ws,
            store,
            actor: g.actor_name(),
            scope: Scope::every_client(),
        })
    }

    /// The existing workspace and its store's address, without opening anything (for a
    /// command that opens the store in its own runtime, as `serve` does).
    pub fn locate(g: &GlobalArgs) -> Result<(Workspace, StoreTarget)> {
        let home = Self::existing(g)?;
        let ws = Workspace::new(home).with_lock_options(LockOptions {
            timeout: g.lock_timeout,
            ..LockOptions::default()
        });
        let target = Self::target(g, &ws)?;
        Ok((ws, target))
    }

    /// The workspace named by the global options, when it exists.
    fn existing(g: &GlobalArgs) -> Result<PathBuf> {
        let home = g.home();
        let exists = if g.database_url().is_some() {
            home.is_dir()
        } else {
            home.join("opsdeck.db").is_file()
        };
        if !exists {
            return Err(missing_workspace(&home).into());
        }
        Ok(home)
    }

    fn with(g: &GlobalArgs, ws: Workspace) -> Result<Context> {
        let ws = ws.with_lock_options(LockOptions {
            timeout: g.lock_timeout,
            ..LockOptions::default()
        });
        let target = Self::target(g, &ws)?;
        let rt = Self::runtime()?;
        let store = rt.block_on(opsdeck_store::open(&target))?;
        Ok(Context {
            rt,
            ws,
            store,
            actor: g.actor_name(),
            scope: Scope::every_client(),
        })
    }

    fn target(g: &GlobalArgs, ws: &Workspace) -> Result<StoreTarget> {
        Ok(match g.database_url() {
            Some(u) => StoreTarget::from_url(u)?,
            None => StoreTarget::Sqlite(ws.sqlite_path()),
        })
    }

    fn runtime() -> Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the runtime")
    }

    /// The workspace for a writer running batch `batch`: the lock file says which batch holds
    /// the lock and since when, and a wait for another writer is said on standard error (above
    /// the progress bar `bar`, when one is drawn).
    pub fn writer(&self, batch: &str, bar: Option<&indicatif::ProgressBar>) -> Workspace {
        let batch = batch.to_string();
        let root = self.ws.root.display().to_string();
        let timeout = self.ws.lock_options.timeout;
        let bar = bar.cloned();
        self.ws.clone().with_lock_options(LockOptions {
            timeout,
            holder: Arc::new(move || {
                format!(
                    "batch {batch}, process {}, since {}",
                    std::process::id(),
                    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                )
            }),
            on_wait: Arc::new(move |holder: &str| {
                let who = if holder.is_empty() {
                    "another writer".to_string()
                } else {
                    format!("another writer ({holder})")
                };
                // (with a zero timeout the writer fails at once, without this note)
                let wait = wait_words(timeout);
                let say = || {
                    note!(
                        "opsdeck: workspace {root}: {who} holds the write lock; waiting for it to finish, at most {wait} (--lock-timeout)"
                    )
                };
                match &bar {
                    Some(b) => b.suspend(say),
                    None => say(),
                }
            }),
        })
    }

    /// Record a committed write in the audit trail. The write stands whatever happens here: a
    /// failure is a warning.
    pub fn audit(&self, action: &str, object: &str, client: Option<String>, payload: &[u8]) {
        let e = opsdeck_server::audit::Entry::new(&self.actor, action, object)
            .client(client)
            .payload(payload);
        if let Err(e) = self
            .rt
            .block_on(opsdeck_server::audit::record(&self.store, e))
        {
            note!("opsdeck: warning: {action} {object} stands, but the audit trail could not record it: {e}");
        }
    }

    pub fn raw_org(&self) -> Result<RawOrg> {
        Ok(self.rt.block_on(self.store.load_org(&self.scope))?)
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

/// A wait in words, as `--lock-timeout` takes it.
fn wait_words(d: Duration) -> String {
    match d.as_secs() {
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
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

/// An instant given on the command line (ISO 8601; without an offset, a wall-clock time in
/// `zone`), as epoch seconds; the error names `flag`.
pub fn instant_arg(s: &str, zone: chrono_tz::Tz, flag: &str) -> Result<i64> {
    use anyhow::Context as _;
    use opsdeck_engine::io::parse::{parse_stamp, Cell, TsFormat};
    parse_stamp(Cell::Str(s), &TsFormat::Auto)
        .map_err(anyhow::Error::msg)
        .and_then(|st| st.context("no value"))
        .and_then(|st| {
            opsdeck_engine::io::LocalResolver::new(zone)
                .resolve(st)
                .map_err(anyhow::Error::msg)
        })
        .with_context(|| {
            format!("{flag} {s:?}: expected an ISO 8601 time, e.g. 2025-11-30T18:00:00")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_engine::workspace::facts::DEFAULT_LOCK_TIMEOUT;

    #[test]
    fn lock_timeouts_parse_and_the_default_is_the_engines() {
        for (text, secs) in [
            ("0", 0),
            ("90", 90),
            ("90s", 90),
            ("10m", 600),
            ("2 min", 120),
            ("1h", 3600),
        ] {
            assert_eq!(parse_wait(text), Ok(Duration::from_secs(secs)), "{text}");
        }
        for bad in ["", "m", "-1", "1.5m", "10 d", "ten"] {
            assert!(parse_wait(bad).is_err(), "{bad}");
        }
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            g: GlobalArgs,
        }
        let cli = Cli::try_parse_from(["opsdeck"]).unwrap();
        assert_eq!(cli.g.lock_timeout, DEFAULT_LOCK_TIMEOUT);
        assert_eq!(wait_words(DEFAULT_LOCK_TIMEOUT), "10m");
        assert_eq!(wait_words(Duration::from_secs(90)), "90s");
    }
}
