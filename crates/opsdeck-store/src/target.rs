//! Which store to open: an SQLite file or a database URL, chosen by the URL's scheme.

use crate::error::{redact_url, Result, StoreError};
use std::fmt;
use std::path::PathBuf;

/// Where the system of record lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreTarget {
    /// An SQLite file, created with its parent directory when missing.
    Sqlite(PathBuf),
    /// A database URL: `postgres://…` / `postgresql://…` (or an `sqlite:` URL, resolved again
    /// by [`crate::open`]).
    Url(String),
}

impl StoreTarget {
    /// Parse a database URL: `postgres://…`, `postgresql://…`, `sqlite://PATH` or `sqlite:PATH`
    /// (`sqlite:///abs/x.db` and `sqlite:/abs/x.db` are absolute, `sqlite://x.db` relative).
    /// Any other scheme is refused, naming it and what is supported.
    pub fn from_url(url: &str) -> Result<StoreTarget> {
        let url = url.trim();
        let invalid = |reason: &str| StoreError::InvalidUrl {
            url: redact_url(url),
            reason: reason.to_string(),
        };
        let Some((scheme, rest)) = url.split_once(':').filter(|(s, _)| is_scheme(s)) else {
            return Err(invalid(
                "no scheme; use sqlite://PATH, sqlite:PATH, postgres://... or postgresql://...",
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => {
                if rest.starts_with("//") {
                    Ok(StoreTarget::Url(url.to_string()))
                } else {
                    Err(invalid("expected postgres://[user@]host[:port]/database"))
                }
            }
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    Err(invalid("no file path; use sqlite://PATH or sqlite:PATH"))
                } else if path == ":memory:" {
                    Err(invalid(
                        "an in-memory database cannot hold the system of record; give a file path",
                    ))
                } else if path.contains('?') {
                    Err(invalid(
                        "query parameters are not supported in sqlite urls; give a plain file path",
                    ))
                } else {
                    Ok(StoreTarget::Sqlite(PathBuf::from(path)))
                }
            }
            other => Err(StoreError::UnsupportedScheme {
                scheme: other.to_string(),
            }),
        }
    }
}

/// RFC 3986 scheme: a letter, then letters, digits, '+', '-' or '.'.
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Human description with any password redacted, e.g. `sqlite database ./opsdeck-data/opsdeck.db`.
impl fmt::Display for StoreTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreTarget::Sqlite(p) => write!(f, "sqlite database {}", p.display()),
            StoreTarget::Url(u) => write!(f, "database {}", redact_url(u)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, want: std::result::Result<StoreTarget, &str>) {
        let got = StoreTarget::from_url(url).map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_string), "{url}");
    }

    #[test]
    fn urls_select_the_backend() {
        use StoreTarget::{Sqlite, Url};
        let pg = "postgres://u:pw@h/db";
        check(pg, Ok(Url(pg.into())));
        check("postgresql://h/db", Ok(Url("postgresql://h/db".into())));
        check("sqlite:///abs/x.db", Ok(Sqlite("/abs/x.db".into())));
        check("sqlite://rel/x.db", Ok(Sqlite("rel/x.db".into())));
        check("sqlite:x.db", Ok(Sqlite("x.db".into())));
        check("SQLite:/abs/x.db", Ok(Sqlite("/abs/x.db".into())));
        check(
            "mysql://u:pw@h/db",
            Err(
                "unsupported database url scheme \"mysql\": use sqlite://PATH, sqlite:PATH, \
                 postgres://... or postgresql://...",
            ),
        );
        check(
            "/tmp/x.db",
            Err(
                "invalid database url /tmp/x.db: no scheme; use sqlite://PATH, sqlite:PATH, \
                 postgres://... or postgresql://...",
            ),
        );
        check(
            "sqlite:",
            Err("invalid database url sqlite:: no file path; use sqlite://PATH or sqlite:PATH"),
        );
        check(
            "postgres:h?password=pw",
            Err("invalid database url postgres:h?password=***: expected postgres://[user@]host[:port]/database"),
        );
    }
}
