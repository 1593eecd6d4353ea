//! What every request shares: the workspace (facts, quarantine) and the store (reference
//! data, contracts, users, the audit trail). Several server processes may share one
//! PostgreSQL and one facts directory: nothing here is a cache that another process could
//! make stale.

use opsdeck_engine::workspace::Workspace;
use opsdeck_store::AnyStore;

/// The state of a running server.
pub struct AppState {
    pub ws: Workspace,
    pub store: AnyStore,
    /// Session cookies carry `Secure` (the server runs behind TLS or an HTTPS proxy).
    pub secure_cookies: bool,
}
