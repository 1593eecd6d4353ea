//! Users and API tokens, administered the same way from the CLI (`opsdeck user`, `opsdeck
//! token`) and the API (`/api/v1/users`, `/api/v1/tokens`, admin only): the rules for e-mails,
//! roles and their clients, passwords; each change recorded in the audit trail; a change of
//! role, clients, password or state ends the user's sessions at once.

use crate::audit::{record, Entry};
use crate::auth;
use opsdeck_core::{Org, Role};
use opsdeck_store::{AnyStore, StoreError, TokenRecord, UserRecord};

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// Why an account change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The request itself is wrong (an e-mail, a role's clients, a password): 400 / usage.
    #[error("{0}")]
    Invalid(String),
    /// No such user or token: 404 / usage.
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, AccountError>;

/// Who makes a change, for the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub request_id: Option<String>,
}

impl Actor {
    fn entry(&self, action: &str, object: &str, what: &str) -> Entry {
        Entry::new(&self.name, action, object)
            .request(self.request_id.clone())
            .payload(what.as_bytes())
    }
}

/// An e-mail as users are keyed: trimmed, lowercase, one `@` before a dotted domain.
pub fn normalised_email(email: &str) -> Result<String> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'))
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(AccountError::Invalid(format!(
            "{email:?} is not an e-mail address"
        )));
    }
    Ok(e)
}

/// The clients a role is given, checked against the organisation (every client's).
pub fn checked_clients(org: &Org, role: Role, clients: &[String]) -> Result<Vec<String>> {
    if role.sees_every_client() {
        if !clients.is_empty() {
            return Err(AccountError::Invalid(format!(
                "role {role} sees every client; give no client"
            )));
        }
        return Ok(Vec::new());
    }
    if clients.is_empty() {
        return Err(AccountError::Invalid(format!(
            "role {role} reads only the clients assigned: give at least one client"
        )));
    }
    if role == Role::ClientViewer && clients.len() > 1 {
        return Err(AccountError::Invalid(
            "a client-viewer reads one client: give exactly one (or add one user per client)"
                .into(),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for c in clients {
        org.require("client", c)
            .map_err(|e| AccountError::Invalid(e.to_string()))?;
        if !out.contains(c) {
            out.push(c.clone());
        }
    }
    Ok(out)
}

/// The argon2id hash of an acceptable password.
pub fn password_hash(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(AccountError::Invalid(format!(
            "the password is shorter than {MIN_PASSWORD} characters"
        )));
    }
    auth::hash_password(password).map_err(AccountError::Invalid)
}

fn now() -> String {
    auth::rfc3339(chrono::Utc::now())
}

/// Add a user (`password`: `None` = token access only).
pub async fn add_user(
    store: &AnyStore,
    org: &Org,
    by: &Actor,
    email: &str,
    role: Role,
    clients: &[String],
    password: Option<&str>,
) -> Result<UserRecord> {
    let email = normalised_email(email)?;
    let clients = checked_clients(org, role, clients)?;
    let password_hash = password.map(password_hash).transpose()?;
    let u = UserRecord {
        email: email.clone(),
        role: role.as_str().to_string(),
        clients,
        password_hash,
        disabled: false,
        created_at: now(),
    };
    store.add_user(&u).await.map_err(|e| match e {
        StoreError::Refused { .. } => {
            AccountError::Invalid(format!("user {email:?} already exists"))
        }
        other => other.into(),
    })?;
    record(store, by.entry("user.add", &email, &describe(&u))).await?;
    Ok(u)
}

/// A change to a user.
#[derive(Debug, Clone)]
pub enum Change {
    Disable,
    Enable,
    SetRole { role: Role, clients: Vec<String> },
    SetPassword(String),
}

/// "role R, clients [..]".
pub fn describe(u: &UserRecord) -> String {
    format!("role {}, clients [{}]", u.role, u.clients.join(", "))
}

/// Change a user; their sessions end. Returns the user as saved and how many sessions ended.
pub async fn change_user(
    store: &AnyStore,
    org: &Org,
    by: &Actor,
    email: &str,
    change: Change,
) -> Result<(UserRecord, u64)> {
    let email = normalised_email(email)?;
    let mut u = store
        .user(&email)
        .await?
        .ok_or_else(|| AccountError::NotFound(format!("no user {email:?}")))?;
    let (action, what) = match change {
        Change::Disable => {
            u.disabled = true;
            ("user.disable", "disabled".to_string())
        }
        Change::Enable => {
            u.disabled = false;
            ("user.enable", "enabled".to_string())
        }
        Change::SetRole { role, clients } => {
            u.clients = checked_clients(org, role, &clients)?;
            u.role = role.as_str().to_string();
            ("user.set-role", describe(&u))
        }
        Change::SetPassword(pw) => {
            u.password_hash = Some(password_hash(&pw)?);
            ("user.set-password", "password set".to_string())
        }
    };
    store.save_user(&u).await?;
    let ended = store.end_sessions_of(&u.email).await?;
    record(store, by.entry(action, &u.email, &what)).await?;
    Ok((u, ended))
}

/// Create a token for a user: the record and the token itself (shown once).
pub async fn create_token(
    store: &AnyStore,
    by: &Actor,
    email: &str,
    name: &str,
    expires_days: Option<u32>,
) -> Result<(TokenRecord, String)> {
    let email = normalised_email(email)?;
    let u = store
        .user(&email)
        .await?
        .ok_or_else(|| AccountError::NotFound(format!("no user {email:?}")))?;
    let (id, token) = auth::new_token();
    let created = chrono::Utc::now();
    let t = TokenRecord {
        id: id.clone(),
        email: u.email.clone(),
        name: name.chars().take(200).collect(),
        token_hash: auth::secret_hash(&token),
        created_at: auth::rfc3339(created),
        expires_at: expires_days
            .map(|d| auth::rfc3339(created + chrono::Duration::days(i64::from(d)))),
        revoked_at: None,
    };
    store.add_token(&t).await?;
    record(
        store,
        by.entry("token.create", &id, &format!("{} {}", u.email, t.name)),
    )
    .await?;
    Ok((t, token))
}

/// Revoke a token by id.
pub async fn revoke_token(store: &AnyStore, by: &Actor, id: &str) -> Result<()> {
    if !store.revoke_token(id, &now()).await? {
        return Err(AccountError::NotFound(format!("no active token {id:?}")));
    }
    record(store, by.entry("token.revoke", id, "")).await?;
    Ok(())
}

/// The users as the `users` table of the catalogue.
pub fn users_table(users: Vec<UserRecord>) -> opsdeck_engine::views::table::Table {
    use opsdeck_engine::views::table::{Table, Value};
    Table::new(
        opsdeck_engine::views::access::USER_COLUMNS.to_vec(),
        users
            .into_iter()
            .map(|u| {
                vec![
                    Value::Text(u.email),
                    Value::Text(u.role),
                    Value::Text(u.clients.join(" ")),
                    Value::Flag(Some(u.password_hash.is_some())),
                    Value::Flag(Some(u.disabled)),
                    Value::Text(u.created_at),
                ]
            })
            .collect(),
    )
}

/// The tokens as the `tokens` table of the catalogue (never a secret: only hashes are stored).
pub fn tokens_table(
    tokens: Vec<opsdeck_store::TokenRecord>,
) -> opsdeck_engine::views::table::Table {
    use opsdeck_engine::views::table::{Table, Value};
    Table::new(
        opsdeck_engine::views::access::TOKEN_COLUMNS.to_vec(),
        tokens
            .into_iter()
            .map(|t| {
                let opt = |v: Option<String>| Value::Text(v.unwrap_or_default());
                vec![
                    Value::Text(t.id),
                    Value::Text(t.email),
                    Value::Text(t.name),
                    Value::Text(t.created_at),
                    opt(t.expires_at),
                    opt(t.revoked_at),
                ]
            })
            .collect(),
    )
}
