//! What every request shares: the workspace (facts, quarantine) and the store (reference
//! data, contracts, users, sessions, the audit trail), the session policy and the login
//! throttle. Several server processes may share one PostgreSQL and one facts directory:
//! nothing here is a cache another process could make stale (the workspace's fact cache holds
//! decoded fact files, which are never changed once written; the throttle counts per process).

use crate::auth::{SessionPolicy, Throttle};
use crate::cache::ResponseCache;
use opsdeck_engine::workspace::Workspace;
use opsdeck_store::AnyStore;

/// The state of a running server.
pub struct AppState {
    pub ws: Workspace,
    pub store: AnyStore,
    /// Session cookies carry `Secure` (the server runs with TLS or behind an HTTPS proxy).
    pub secure_cookies: bool,
    /// A reverse proxy is in front: the client address for login throttling is the last
    /// `X-Forwarded-For` entry (never trusted otherwise: a client could name any address).
    pub behind_proxy: bool,
    pub sessions: SessionPolicy,
    pub throttle: Throttle,
    /// Answers of the computing read routes, per exact input ([`ResponseCache`]).
    pub answers: ResponseCache,
}

impl AppState {
    /// A server over `ws` and `store` with the default session policy and throttle.
    pub fn new(ws: Workspace, store: AnyStore) -> AppState {
        AppState {
            ws,
            store,
            secure_cookies: false,
            behind_proxy: false,
            sessions: SessionPolicy::default(),
            throttle: Throttle::default(),
            answers: ResponseCache::default(),
        }
    }
}
