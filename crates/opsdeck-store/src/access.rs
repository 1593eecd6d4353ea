//! Who may log in and what they did: users, API tokens and browser sessions (only hashes of
//! secrets are stored), and the hash-chained audit trail. The SQL is written once and
//! instantiated per backend by `access_sql!`; [`AnyStore`](crate::AnyStore) exposes it.
//!
//! The store holds no rules here either: roles are stored as their names, expiry times as the
//! caller gives them; the caller decides what a role may do and whether a session has expired.
//! The audit chain's hash is computed by `opsdeck_core::audit` inside the append's transaction,
//! which holds the table's write lock, so two appenders never chain to the same event.

use serde::{Deserialize, Serialize};

/// A user who may log in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    /// Lowercase; the user's id.
    pub email: String,
    /// A role name (`opsdeck_core::Role`).
    pub role: String,
    /// The clients assigned (account managers and client viewers).
    pub clients: Vec<String>,
    /// An argon2id PHC string; `None`: the user logs in with tokens only.
    #[serde(skip_serializing)]
    pub password_hash: Option<String>,
    pub disabled: bool,
    /// RFC 3339.
    pub created_at: String,
}

/// An API token; the secret itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Public id, shown in lists and used to revoke.
    pub id: String,
    pub email: String,
    pub name: String,
    /// SHA-256 (hex) of the secret.
    #[serde(skip_serializing)]
    pub token_hash: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A browser session; the cookie's secret is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// SHA-256 (hex) of the cookie's secret.
    pub id_hash: String,
    pub email: String,
    /// The session's CSRF token, sent back with every state-changing form.
    pub csrf: String,
    pub created_at: String,
    pub last_seen_at: String,
    /// The absolute expiry (the idle expiry is the caller's rule over `last_seen_at`).
    pub expires_at: String,
}

/// `email, role, clients, password_hash, disabled, created_at`.
pub(crate) type UserRow = (String, String, String, Option<String>, bool, String);
/// `id, email, name, token_hash, created_at, expires_at, revoked_at`.
pub(crate) type TokenRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);
/// `id_hash, email, csrf, created_at, last_seen_at, expires_at`.
pub(crate) type SessionRow = (String, String, String, String, String, String);
/// `seq, at, actor, action, object, client, request_id, payload_digest, prev_hash, hash`.
pub(crate) type EventRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

pub(crate) fn user_from_row(row: UserRow) -> crate::Result<UserRecord> {
    let (email, role, clients, password_hash, disabled, created_at) = row;
    let clients = serde_json::from_str(&clients).map_err(|e| {
        crate::StoreError::Corrupt(format!(
            "user {email:?}: clients is not a json list of strings: {e}"
        ))
    })?;
    Ok(UserRecord {
        email,
        role,
        clients,
        password_hash,
        disabled,
        created_at,
    })
}

pub(crate) fn token_from_row(row: TokenRow) -> TokenRecord {
    let (id, email, name, token_hash, created_at, expires_at, revoked_at) = row;
    TokenRecord {
        id,
        email,
        name,
        token_hash,
        created_at,
        expires_at,
        revoked_at,
    }
}

pub(crate) fn session_from_row(row: SessionRow) -> SessionRecord {
    let (id_hash, email, csrf, created_at, last_seen_at, expires_at) = row;
    SessionRecord {
        id_hash,
        email,
        csrf,
        created_at,
        last_seen_at,
        expires_at,
    }
}

pub(crate) fn event_from_row(row: EventRow) -> opsdeck_core::audit::Event {
    let (seq, at, actor, action, object, client, request_id, payload_digest, prev_hash, hash) = row;
    opsdeck_core::audit::Event {
        seq,
        event: opsdeck_core::audit::NewEvent {
            at,
            actor,
            action,
            object,
            client,
            request_id,
            payload_digest,
        },
        prev_hash,
        hash,
    }
}

/// Generates the access and audit functions of one backend over its pool; `$begin_audit`
/// starts a transaction holding the audit table's write lock.
macro_rules! access_sql {
    ($pool:ty, $sql:path, $begin_audit:path) => {
        const USER_COLUMNS: &str = "email, role, clients, password_hash, disabled, created_at";
        const TOKEN_COLUMNS: &str =
            "id, email, name, token_hash, created_at, expires_at, revoked_at";
        const SESSION_COLUMNS: &str =
            "id_hash, email, csrf, created_at, last_seen_at, expires_at";

        pub(crate) async fn add_user(pool: &$pool, u: &crate::UserRecord) -> Result<()> {
            sqlx::query(&$sql(
                "INSERT INTO app_user (email, role, clients, password_hash, disabled, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            ))
            .bind(&u.email)
            .bind(&u.role)
            .bind(crate::rows::list_to_json(&u.clients, &u.email, "clients")?)
            .bind(&u.password_hash)
            .bind(u.disabled)
            .bind(&u.created_at)
            .execute(pool)
            .await
            .map_err(write("user", &u.email, "nothing"))?;
            Ok(())
        }

        pub(crate) async fn save_user(pool: &$pool, u: &crate::UserRecord) -> Result<bool> {
            let done = sqlx::query(&$sql(
                "UPDATE app_user SET role = ?, clients = ?, password_hash = ?, disabled = ? WHERE email = ?",
            ))
            .bind(&u.role)
            .bind(crate::rows::list_to_json(&u.clients, &u.email, "clients")?)
            .bind(&u.password_hash)
            .bind(u.disabled)
            .bind(&u.email)
            .execute(pool)
            .await
            .map_err(db("saving a user"))?;
            Ok(done.rows_affected() == 1)
        }

        pub(crate) async fn user(pool: &$pool, email: &str) -> Result<Option<crate::UserRecord>> {
            let row: Option<crate::access::UserRow> = sqlx::query_as(&$sql(&format!(
                "SELECT {USER_COLUMNS} FROM app_user WHERE email = ?"
            )))
            .bind(email)
            .fetch_optional(pool)
            .await
            .map_err(db("reading a user"))?;
            row.map(crate::access::user_from_row).transpose()
        }

        pub(crate) async fn list_users(pool: &$pool) -> Result<Vec<crate::UserRecord>> {
            let rows: Vec<crate::access::UserRow> = sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS} FROM app_user ORDER BY email"
            ))
            .fetch_all(pool)
            .await
            .map_err(db("listing users"))?;
            rows.into_iter().map(crate::access::user_from_row).collect()
        }

        pub(crate) async fn add_token(pool: &$pool, t: &crate::TokenRecord) -> Result<()> {
            sqlx::query(&$sql(
                "INSERT INTO api_token (id, email, name, token_hash, created_at, expires_at, revoked_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            ))
            .bind(&t.id)
            .bind(&t.email)
            .bind(&t.name)
            .bind(&t.token_hash)
            .bind(&t.created_at)
            .bind(&t.expires_at)
            .bind(&t.revoked_at)
            .execute(pool)
            .await
            .map_err(write("token", &t.id, "user"))?;
            Ok(())
        }

        pub(crate) async fn token_by_hash(
            pool: &$pool,
            token_hash: &str,
        ) -> Result<Option<crate::TokenRecord>> {
            let row: Option<crate::access::TokenRow> = sqlx::query_as(&$sql(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_token WHERE token_hash = ?"
            )))
            .bind(token_hash)
            .fetch_optional(pool)
            .await
            .map_err(db("reading a token"))?;
            Ok(row.map(crate::access::token_from_row))
        }

        pub(crate) async fn list_tokens(pool: &$pool) -> Result<Vec<crate::TokenRecord>> {
            let rows: Vec<crate::access::TokenRow> = sqlx::query_as(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_token ORDER BY email, created_at, id"
            ))
            .fetch_all(pool)
            .await
            .map_err(db("listing tokens"))?;
            Ok(rows.into_iter().map(crate::access::token_from_row).collect())
        }

        pub(crate) async fn revoke_token(pool: &$pool, id: &str, at: &str) -> Result<bool> {
            let done = sqlx::query(&$sql(
                "UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            ))
            .bind(at)
            .bind(id)
            .execute(pool)
            .await
            .map_err(db("revoking a token"))?;
            Ok(done.rows_affected() == 1)
        }

        pub(crate) async fn add_session(pool: &$pool, s: &crate::SessionRecord) -> Result<()> {
            sqlx::query(&$sql(
                "INSERT INTO web_session (id_hash, email, csrf, created_at, last_seen_at, expires_at) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            ))
            .bind(&s.id_hash)
            .bind(&s.email)
            .bind(&s.csrf)
            .bind(&s.created_at)
            .bind(&s.last_seen_at)
            .bind(&s.expires_at)
            .execute(pool)
            .await
            .map_err(write("session", "(new)", "user"))?;
            Ok(())
        }

        pub(crate) async fn session(
            pool: &$pool,
            id_hash: &str,
        ) -> Result<Option<crate::SessionRecord>> {
            let row: Option<crate::access::SessionRow> = sqlx::query_as(&$sql(&format!(
                "SELECT {SESSION_COLUMNS} FROM web_session WHERE id_hash = ?"
            )))
            .bind(id_hash)
            .fetch_optional(pool)
            .await
            .map_err(db("reading a session"))?;
            Ok(row.map(crate::access::session_from_row))
        }

        pub(crate) async fn touch_session(pool: &$pool, id_hash: &str, at: &str) -> Result<()> {
            sqlx::query(&$sql("UPDATE web_session SET last_seen_at = ? WHERE id_hash = ?"))
                .bind(at)
                .bind(id_hash)
                .execute(pool)
                .await
                .map_err(db("touching a session"))?;
            Ok(())
        }

        pub(crate) async fn end_session(pool: &$pool, id_hash: &str) -> Result<bool> {
            let done = sqlx::query(&$sql("DELETE FROM web_session WHERE id_hash = ?"))
                .bind(id_hash)
                .execute(pool)
                .await
                .map_err(db("ending a session"))?;
            Ok(done.rows_affected() == 1)
        }

        pub(crate) async fn end_sessions_of(pool: &$pool, email: &str) -> Result<u64> {
            let done = sqlx::query(&$sql("DELETE FROM web_session WHERE email = ?"))
                .bind(email)
                .execute(pool)
                .await
                .map_err(db("ending a user's sessions"))?;
            Ok(done.rows_affected())
        }

        pub(crate) async fn append_audit(
            pool: &$pool,
            e: opsdeck_core::audit::NewEvent,
        ) -> Result<opsdeck_core::audit::Event> {
            let mut tx = $begin_audit(pool).await?;
            let last: Option<(i64, String)> =
                sqlx::query_as("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db("reading the audit trail's last event"))?;
            let ev = opsdeck_core::audit::chained(last.as_ref().map(|(s, h)| (*s, h.as_str())), e);
            sqlx::query(&$sql(
                "INSERT INTO audit_event (seq, at, actor, action, object, client, request_id, \
                 payload_digest, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ))
            .bind(ev.seq)
            .bind(&ev.event.at)
            .bind(&ev.event.actor)
            .bind(&ev.event.action)
            .bind(&ev.event.object)
            .bind(&ev.event.client)
            .bind(&ev.event.request_id)
            .bind(&ev.event.payload_digest)
            .bind(&ev.prev_hash)
            .bind(&ev.hash)
            .execute(&mut *tx)
            .await
            .map_err(db("appending to the audit trail"))?;
            tx.commit().await.map_err(db("committing an audit event"))?;
            Ok(ev)
        }

        pub(crate) async fn audit_events(
            pool: &$pool,
            after_seq: i64,
            limit: i64,
        ) -> Result<Vec<opsdeck_core::audit::Event>> {
            let rows: Vec<crate::access::EventRow> = sqlx::query_as(&$sql(
                "SELECT seq, at, actor, action, object, client, request_id, payload_digest, \
                 prev_hash, hash FROM audit_event WHERE seq > ? ORDER BY seq LIMIT ?",
            ))
            .bind(after_seq)
            .bind(limit)
            .fetch_all(pool)
            .await
            .map_err(db("reading the audit trail"))?;
            Ok(rows.into_iter().map(crate::access::event_from_row).collect())
        }
    };
}

pub(crate) use access_sql;

/// Methods of [`AnyStore`](crate::AnyStore) for access and audit, each dispatched to the
/// backend's function of the same name (its errors naming the database).
macro_rules! dispatch {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {
        impl crate::AnyStore {
            $(
                $(#[$doc])*
                pub async fn $name(&self, $($arg: $ty),*) -> crate::Result<$ret> {
                    match self {
                        crate::AnyStore::Sqlite(s) => {
                            crate::sqlite::$name(&s.pool, $($arg),*).await.map_err(s.here())
                        }
                        crate::AnyStore::Postgres(s) => {
                            crate::postgres::$name(&s.pool, $($arg),*).await.map_err(s.here())
                        }
                    }
                }
            )*
        }
    };
}

dispatch! {
    /// Add a user; an existing e-mail is refused.
    fn add_user(u: &UserRecord) -> ();
    /// Save a user's role, clients, password hash and disabled flag; false when unknown.
    fn save_user(u: &UserRecord) -> bool;
    /// The user with this e-mail.
    fn user(email: &str) -> Option<UserRecord>;
    /// Every user, by e-mail.
    fn list_users() -> Vec<UserRecord>;
    /// Store a token (its hash).
    fn add_token(t: &TokenRecord) -> ();
    /// The token whose secret hashes to `token_hash`.
    fn token_by_hash(token_hash: &str) -> Option<TokenRecord>;
    /// Every token, by user.
    fn list_tokens() -> Vec<TokenRecord>;
    /// Revoke a token at `at`; false when unknown or already revoked.
    fn revoke_token(id: &str, at: &str) -> bool;
    /// Store a new session.
    fn add_session(s: &SessionRecord) -> ();
    /// The session whose cookie secret hashes to `id_hash`.
    fn session(id_hash: &str) -> Option<SessionRecord>;
    /// Record a session's use at `at`.
    fn touch_session(id_hash: &str, at: &str) -> ();
    /// End a session; false when there was none.
    fn end_session(id_hash: &str) -> bool;
    /// End every session of a user (disabled, role changed); how many ended.
    fn end_sessions_of(email: &str) -> u64;
    /// Append an event to the audit trail, chained to the last one.
    fn append_audit(e: opsdeck_core::audit::NewEvent) -> opsdeck_core::audit::Event;
    /// At most `limit` events after `after_seq`, in stored order.
    fn audit_events(after_seq: i64, limit: i64) -> Vec<opsdeck_core::audit::Event>;
}
