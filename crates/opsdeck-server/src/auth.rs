//! Who is calling: API tokens (`Authorization: Bearer TOKEN`) and browser sessions (a cookie
//! whose secret only the browser has; the store keeps its SHA-256), the caller's role and
//! [`Scope`], CSRF tokens of sessions, and login throttling.
//!
//! Secrets: tokens and session ids are 32 random bytes from the operating system; only their
//! SHA-256 is stored, so a copy of the database does not log anyone in. Passwords are hashed
//! with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, one lane — OWASP's
//! minimum), and a login for an unknown e-mail spends the same hashing time as a wrong password.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use opsdeck_core::audit::digest;
use opsdeck_core::{Role, Scope};
use opsdeck_store::{AnyStore, UserRecord};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "opsdeck_session";
/// The login form's double-submit cookie (CSRF before there is a session).
pub const LOGIN_COOKIE: &str = "opsdeck_login";
/// The header that carries a session's CSRF token on a state-changing API request (forms send
/// the field `csrf`).
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The prefix of API tokens, so a leaked one is recognisable (secret scanners).
pub const TOKEN_PREFIX: &str = "odk_";

/// A caller the server has authenticated.
#[derive(Debug, Clone)]
pub struct Caller {
    pub email: String,
    pub role: Role,
    /// The clients this caller may read.
    pub scope: Scope,
    /// Set when the caller came with a session cookie (then state-changing requests need
    /// the session's CSRF token).
    pub session: Option<SessionInfo>,
}

/// The session behind a browser caller.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id_hash: String,
    pub csrf: String,
}

impl Caller {
    /// How the audit trail names this caller.
    pub fn actor(&self) -> String {
        self.email.clone()
    }
}

/// How long a browser session lives.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Ends after this long without a request.
    pub idle: Duration,
    /// Ends this long after login, whatever happens.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 3600),
        }
    }
}

/// 32 random bytes from the operating system, as 64 hex digits.
pub fn secret() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A new API token: its public id and the token itself (`odk_<id>_<secret>`), shown once.
pub fn new_token() -> (String, String) {
    let id = secret()[..12].to_string();
    let token = format!("{TOKEN_PREFIX}{id}_{}", secret());
    (id, token)
}

/// The stored form of a token or session secret.
pub fn secret_hash(secret: &str) -> String {
    digest(secret.as_bytes())
}

/// An argon2id hash (PHC string) of `password`.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// A hash of no one's password: checked against when the e-mail is unknown, so that an
/// unknown e-mail takes as long to refuse as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&secret()).unwrap_or_default())
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The user `email` if `password` is theirs and they may log in; the same hashing time
/// either way.
pub async fn check_password(
    store: &AnyStore,
    email: &str,
    password: &str,
) -> Result<Option<UserRecord>, opsdeck_store::StoreError> {
    let user = store.user(email).await?;
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_string());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false);
    Ok(user.filter(|u| ok && !u.disabled && u.password_hash.is_some()))
}

/// The caller a stored user is, when the user may still act (not disabled, a known role).
pub fn caller_of(u: &UserRecord, session: Option<SessionInfo>) -> Option<Caller> {
    if u.disabled {
        return None;
    }
    let role: Role = u.role.parse().ok()?;
    Some(Caller {
        email: u.email.clone(),
        role,
        scope: Scope::for_role(Some(role), &u.clients),
        session,
    })
}

/// Whether RFC 3339 time `t` is at or before `now` (an unreadable time counts as past: a
/// damaged expiry ends access rather than extending it).
pub fn is_past(t: &str, now: chrono::DateTime<chrono::Utc>) -> bool {
    chrono::DateTime::parse_from_rfc3339(t).map_or(true, |t| t <= now)
}

/// The caller behind a bearer token, if the token is valid now.
pub async fn from_token(
    store: &AnyStore,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Caller>, opsdeck_store::StoreError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    let Some(t) = store.token_by_hash(&secret_hash(token)).await? else {
        return Ok(None);
    };
    if t.revoked_at.is_some() || t.expires_at.as_deref().is_some_and(|e| is_past(e, now)) {
        return Ok(None);
    }
    let Some(u) = store.user(&t.email).await? else {
        return Ok(None);
    };
    Ok(caller_of(&u, None))
}

/// The caller behind a session cookie's secret, if the session is alive now; a live session
/// is marked used (at most once a minute, to spare the store a write per request).
pub async fn from_session(
    store: &AnyStore,
    cookie: &str,
    policy: SessionPolicy,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Caller>, opsdeck_store::StoreError> {
    if cookie.len() != 64 || !cookie.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let id_hash = secret_hash(cookie);
    let Some(s) = store.session(&id_hash).await? else {
        return Ok(None);
    };
    let idle_end = chrono::DateTime::parse_from_rfc3339(&s.last_seen_at)
        .ok()
        .and_then(|t| chrono::Duration::from_std(policy.idle).ok().map(|d| t + d));
    let idle_over = idle_end.is_none_or(|end| end <= now);
    if is_past(&s.expires_at, now) || idle_over {
        store.end_session(&id_hash).await?;
        return Ok(None);
    }
    let Some(u) = store.user(&s.email).await? else {
        return Ok(None);
    };
    let seen_a_minute_ago = chrono::DateTime::parse_from_rfc3339(&s.last_seen_at)
        .is_ok_and(|t| now - t.with_timezone(&chrono::Utc) >= chrono::Duration::seconds(60));
    if seen_a_minute_ago {
        store.touch_session(&id_hash, &rfc3339(now)).await?;
    }
    Ok(caller_of(
        &u,
        Some(SessionInfo {
            id_hash,
            csrf: s.csrf,
        }),
    ))
}

/// A time as the store keeps it (milliseconds, so short idle limits are exact).
pub fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Compare secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Failed logins counted per account and per address over a window; past the limit, logins
/// are refused (429) until the window ends, even with the right password. Kept in the
/// process: each server process of a team deployment counts on its own.
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
    pub window: Duration,
    pub per_account: u32,
    pub per_address: u32,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            failures: Mutex::new(HashMap::new()),
            window: Duration::from_secs(15 * 60),
            per_account: 5,
            per_address: 20,
        }
    }
}

impl Throttle {
    fn keys(email: &str, address: &str) -> [String; 2] {
        [format!("account:{email}"), format!("address:{address}")]
    }

    /// Seconds until a login for `email` from `address` may be tried again, if it is
    /// throttled now.
    pub fn retry_after(&self, email: &str, address: &str) -> Option<u64> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let limits = [self.per_account, self.per_address];
        Self::keys(email, address)
            .iter()
            .zip(limits)
            .filter_map(|(k, limit)| {
                let (n, since) = map.get(k)?;
                let left = self.window.checked_sub(now.duration_since(*since))?;
                (*n >= limit).then_some(left.as_secs().max(1))
            })
            .max()
    }

    /// Count a failed login.
    pub fn failed(&self, email: &str, address: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, (_, since)| now.duration_since(*since) < self.window);
        for k in Self::keys(email, address) {
            let e = map.entry(k).or_insert((0, now));
            e.0 += 1;
        }
    }

    /// A successful login clears its account's count (not its address's).
    pub fn succeeded(&self, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("account:{email}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct horse "));
        assert!(!verify_password("not a hash", "x"));
        assert_ne!(hash_password("correct horse").unwrap(), h, "salted");
    }

    #[test]
    fn tokens_and_secrets_are_random_and_recognisable() {
        let (id, t) = new_token();
        assert!(t.starts_with(&format!("odk_{id}_")));
        assert_eq!(secret().len(), 64);
        assert_ne!(secret(), secret());
        assert_eq!(secret_hash("abc").len(), 64);
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
    }

    #[test]
    fn throttling_counts_per_account_and_address() {
        let t = Throttle {
            per_account: 2,
            per_address: 3,
            ..Throttle::default()
        };
        assert_eq!(t.retry_after("a@x", "1.2.3.4"), None);
        t.failed("a@x", "1.2.3.4");
        assert_eq!(t.retry_after("a@x", "1.2.3.4"), None);
        t.failed("a@x", "1.2.3.4");
        assert!(
            t.retry_after("a@x", "5.6.7.8").is_some(),
            "the account is throttled"
        );
        assert_eq!(t.retry_after("b@x", "5.6.7.8"), None);
        t.failed("b@x", "1.2.3.4");
        assert!(
            t.retry_after("c@x", "1.2.3.4").is_some(),
            "the address is throttled"
        );
        t.succeeded("a@x");
        assert_eq!(t.retry_after("a@x", "5.6.7.8"), None);
    }

    #[test]
    fn unreadable_or_past_times_are_past() {
        let now = chrono::Utc::now();
        assert!(is_past("garbage", now));
        assert!(is_past("2000-01-01T00:00:00Z", now));
        assert!(!is_past("2999-01-01T00:00:00Z", now));
    }
}
