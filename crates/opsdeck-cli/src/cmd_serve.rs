//! `opsdeck serve`: the HTTP API over the workspace (SQLite in it, or `--database-url` for a
//! PostgreSQL several server processes share with one facts directory).

use crate::context::{Context, GlobalArgs};
use anyhow::{Context as _, Result};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The server is reached through an HTTPS reverse proxy: session cookies are `Secure`.
    #[arg(long = "behind-https-proxy", conflicts_with = "tls")]
    pub behind_https_proxy: bool,
    /// Serve HTTPS with this certificate chain (PEM); session cookies are `Secure`.
    #[arg(long, value_name = "CERT.pem", requires = "tls_key")]
    pub tls: Option<std::path::PathBuf>,
    /// The private key of --tls (PEM).
    #[arg(long = "tls-key", value_name = "KEY.pem", requires = "tls")]
    pub tls_key: Option<std::path::PathBuf>,
    /// A browser session ends after this long without a request (seconds, or with s, m, h).
    #[arg(long = "session-idle", default_value = "30m", value_parser = crate::context::parse_wait)]
    pub session_idle: std::time::Duration,
    /// A browser session ends this long after login, whatever happens.
    #[arg(long = "session-max", default_value = "12h", value_parser = crate::context::parse_wait)]
    pub session_max: std::time::Duration,
    /// Compute every scorecard and SLA answer afresh instead of keeping answers per exact
    /// input (for measuring the computation; answers kept are never stale either way).
    #[arg(long = "no-answer-cache")]
    pub no_answer_cache: bool,
}

pub fn run(g: &GlobalArgs, a: ServeArgs) -> Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let (ws, target) = Context::locate(g)?;
    for (flag, file) in [("--tls", &a.tls), ("--tls-key", &a.tls_key)] {
        if let Some(f) = file {
            std::fs::File::open(f)
                .with_context(|| format!("cannot read {flag} {}", f.display()))?;
        }
    }
    rt.block_on(async move {
        let store = opsdeck_store::open(&target).await?;
        let backend = store.backend();
        let mut state = opsdeck_server::AppState::new(ws.clone().with_fact_cache(), store);
        state.secure_cookies = a.behind_https_proxy || a.tls.is_some();
        state.behind_proxy = a.behind_https_proxy;
        state.answers.off = a.no_answer_cache;
        state.sessions = opsdeck_server::auth::SessionPolicy {
            idle: a.session_idle,
            absolute: a.session_max,
        };
        let state = Arc::new(state);
        let listener = tokio::net::TcpListener::bind(a.listen)
            .await
            .with_context(|| format!("cannot listen on {} (--listen)", a.listen))?;
        let addr = listener.local_addr()?;
        let scheme = if a.tls.is_some() { "https" } else { "http" };
        note!(
            "opsdeck serve: listening on {scheme}://{addr} (workspace {}, {backend} store); Ctrl-C stops",
            ws.root.display()
        );
        // the review packs of report-schedules.toml, each minute
        opsdeck_server::scheduler::spawn(state.clone());
        let app = opsdeck_server::app(state);
        let shutdown = opsdeck_server::shutdown_signal();
        match (&a.tls, &a.tls_key) {
            (Some(cert), Some(key)) => {
                opsdeck_server::serve_tls(listener.into_std()?, app, shutdown, cert, key).await
            }
            _ => opsdeck_server::serve(listener, app, shutdown).await,
        }
        .context("the server stopped")?;
        Ok(ExitCode::SUCCESS)
    })
}
