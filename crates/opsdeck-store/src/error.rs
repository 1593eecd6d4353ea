//! The store's one error type, and URL redaction so that no message ever shows a password.

use std::path::PathBuf;

/// `Result` with [`StoreError`] as the default error.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything that can go wrong in the store. User-facing problems (a bad URL, an unreachable
/// server, data the database refuses) are kept apart from stored data that cannot be read back
/// ([`StoreError::Corrupt`]), which points at a bug or at hand edits of the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL's scheme names no backend this build supports.
    #[error(
        "unsupported database url scheme {scheme:?}: use sqlite://PATH, sqlite:PATH, \
         postgres://... or postgresql://..."
    )]
    UnsupportedScheme { scheme: String },

    /// The URL (already redacted) is malformed.
    #[error("invalid database url {url}: {reason}")]
    InvalidUrl { url: String, reason: String },

    #[error("cannot create directory {path} for the sqlite database: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot open sqlite database {path}: {source}")]
    OpenSqlite { path: PathBuf, source: sqlx::Error },

    /// `url` is redacted.
    #[error("cannot connect to postgresql at {url}: {source}")]
    ConnectPostgres { url: String, source: sqlx::Error },

    #[error(
        "invalid postgresql schema name {0:?}: use 1 to 63 ascii letters, digits or '_', \
         not starting with a digit"
    )]
    InvalidSchema(String),

    /// Bringing the database schema up to date failed; `location` names the file or the
    /// redacted URL.
    #[error("cannot migrate {location} to the current schema: {source}")]
    Migrate {
        location: String,
        source: sqlx::migrate::MigrateError,
    },

    /// The database (or the store, for ids given twice) refused a write; the transaction was
    /// rolled back, so nothing was written.
    #[error("the database refused {entity} {id:?}: {reason}; nothing was written")]
    Refused {
        entity: &'static str,
        id: String,
        reason: String,
    },

    /// Any other database failure; `op` says what the store was doing, `location` which
    /// database (the SQLite file, or the PostgreSQL URL with its password redacted).
    #[error("{}database error while {op}: {source}", at(location))]
    Database {
        op: &'static str,
        location: Option<String>,
        source: sqlx::Error,
    },

    /// A command that writes met a database it may only read.
    #[error(
        "{location} is read-only here: commands that only read the workspace work, this one \
         needs write access"
    )]
    ReadOnly { location: String },

    /// A database opened read-only whose schema this opsdeck would have to migrate first.
    #[error(
        "{location} is opened read-only and its schema is older than this opsdeck's \
         (migrations {pending} not applied); open it once with write access to upgrade it"
    )]
    Outdated { location: String, pending: String },

    /// A stored row cannot be turned back into reference data.
    #[error("stored data cannot be read back: {0}")]
    Corrupt(String),
}

/// Maps a failed statement to [`StoreError::Database`] (the backend adds the location).
pub(crate) fn db(op: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Database {
        op,
        location: None,
        source,
    }
}

/// Refuses a database opened without migrating whose schema lacks one of `migrator`'s
/// migrations (`applied`: the versions it has).
pub(crate) fn check_migrated(
    migrator: &sqlx::migrate::Migrator,
    applied: Vec<i64>,
    location: &str,
) -> Result<()> {
    let pending: Vec<String> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
        .map(|m| m.version.to_string())
        .collect();
    if pending.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Outdated {
            location: location.to_string(),
            pending: pending.join(", "),
        })
    }
}

fn at(location: &Option<String>) -> String {
    location
        .as_deref()
        .map(|l| format!("{l}: "))
        .unwrap_or_default()
}

impl StoreError {
    /// The error with the database it happened in named (a full disk, a lost server or a
    /// locked file is only actionable when the message says which database).
    pub(crate) fn at(self, here: &str) -> StoreError {
        match self {
            StoreError::Database {
                op,
                location: None,
                source,
            } => StoreError::Database {
                op,
                location: Some(here.to_string()),
                source,
            },
            other => other,
        }
    }
}

/// Maps a failed write of one entity: constraint violations become [`StoreError::Refused`]
/// naming the entity (`refers` lists what it points to, for the foreign-key message).
pub(crate) fn write<'a>(
    entity: &'static str,
    id: &'a str,
    refers: &'static str,
) -> impl FnOnce(sqlx::Error) -> StoreError + 'a {
    move |source| {
        let reason = match &source {
            sqlx::Error::Database(e) => match e.kind() {
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    format!("it refers to a {refers} that is not stored")
                }
                sqlx::error::ErrorKind::UniqueViolation => {
                    "an entity with this id is already stored".to_string()
                }
                sqlx::error::ErrorKind::NotNullViolation
                | sqlx::error::ErrorKind::CheckViolation => {
                    format!(
                        "a field has a value the database does not accept ({})",
                        e.message()
                    )
                }
                _ => return db("writing reference data")(source),
            },
            _ => return db("writing reference data")(source),
        };
        StoreError::Refused {
            entity,
            id: id.to_string(),
            reason,
        }
    }
}

/// The URL with any password (in the user-info part or a `password=` query parameter)
/// replaced by `***`, fit for messages and logs.
pub fn redact_url(url: &str) -> String {
    let (head, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let query_at = rest.find('?').unwrap_or(rest.len());
    let (before_query, query) = rest.split_at(query_at);
    // The last '@' before the query ends the user info, even when the password holds '/' or '@'.
    let before_query = match before_query.rfind('@') {
        Some(at) => {
            let (userinfo, host) = before_query.split_at(at);
            match userinfo.find(':') {
                Some(c) => format!("{}:***{host}", &userinfo[..c]),
                None => before_query.to_string(),
            }
        }
        None => before_query.to_string(),
    };
    let query = match query.strip_prefix('?') {
        Some(q) => {
            let params: Vec<String> = q
                .split('&')
                .map(|kv| {
                    let key = kv.split('=').next().unwrap_or_default();
                    if key.eq_ignore_ascii_case("password") {
                        format!("{key}=***")
                    } else {
                        kv.to_string()
                    }
                })
                .collect();
            format!("?{}", params.join("&"))
        }
        None => String::new(),
    };
    format!("{head}{before_query}{query}")
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_show() {
        for (url, want) in [
            (
                "postgres://u:secret@h:5432/db",
                "postgres://u:***@h:5432/db",
            ),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("postgres://h/db", "postgres://h/db"),
            ("postgres://u:se/c@ret@h/db", "postgres://u:***@h/db"),
            (
                "postgresql://h/db?user=u&password=pw&sslmode=require",
                "postgresql://h/db?user=u&password=***&sslmode=require",
            ),
            ("sqlite:/tmp/x.db", "sqlite:/tmp/x.db"),
        ] {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }
}
