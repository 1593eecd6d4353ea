//! The engine's error type: file-level and request-level failures that stop a command
//! (row-level problems are not errors but quarantined `RowIssue`s). Each variant has a stable
//! code ([`EngineError::code`], documented in docs/formats.md §15 with its HTTP status), and
//! no message names a command-line flag: a request parameter is named by `param`, and each
//! front-end says how its users set it.

use opsdeck_core::UnknownId;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{}: {cause}", path.display())]
    Io {
        path: PathBuf,
        /// Shown in the message itself (not as a chained source, which would print it twice).
        cause: std::io::Error,
    },
    /// The file as a whole cannot be read as what it should hold (empty, missing column, not
    /// UTF-8, a bad key …).
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    #[error("{}: parquet: {message}", path.display())]
    Parquet { path: PathBuf, message: String },
    #[error("mapping {}: {message}", path.display())]
    Mapping { path: PathBuf, message: String },
    /// The workspace's own files are damaged or from another version.
    #[error("workspace {}: {message}", path.display())]
    Workspace { path: PathBuf, message: String },
    /// Another writer holds the workspace's write lock longer than this writer would wait.
    #[error("workspace {} is busy: {message}", path.display())]
    Busy { path: PathBuf, message: String },
    /// There is no workspace at the path.
    #[error("no workspace at {}", path.display())]
    NoWorkspace { path: PathBuf },
    /// An id that names nothing of its kind (with the nearest known ids).
    #[error(transparent)]
    NotFound(#[from] UnknownId),
    /// A request parameter out of its domain; `param` names it (`days`, `volume_pct` …).
    #[error("{message}")]
    Invalid {
        param: Option<&'static str>,
        message: String,
    },
    /// The request is valid but the data cannot answer it (no history for a plan, say).
    #[error("{message}")]
    NoData {
        param: Option<&'static str>,
        message: String,
    },
    /// A bug, not a data problem.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Every error code, its HTTP status and what it means (docs/formats.md §15 is made from it).
pub const CODES: [(&str, u16, &str); 11] = [
    ("io", 500, "a file or directory cannot be read or written"),
    (
        "invalid_input",
        422,
        "an input file cannot be read as what it should hold",
    ),
    ("invalid_parquet", 422, "a Parquet file cannot be decoded"),
    ("invalid_mapping", 422, "a mapping file is not valid"),
    (
        "workspace_damaged",
        500,
        "the workspace's own files are damaged or from another version",
    ),
    (
        "workspace_busy",
        409,
        "another writer held the workspace's write lock longer than the lock timeout",
    ),
    ("no_workspace", 404, "there is no workspace at the path"),
    (
        "not_found",
        404,
        "an id names nothing of its kind; the message lists the nearest",
    ),
    (
        "invalid_argument",
        400,
        "a request parameter is out of range",
    ),
    (
        "no_data",
        409,
        "the request is valid but the stored data cannot answer it",
    ),
    ("internal", 500, "a bug: please report it"),
];

impl EngineError {
    /// The stable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Io { .. } => "io",
            EngineError::Input { .. } => "invalid_input",
            EngineError::Parquet { .. } => "invalid_parquet",
            EngineError::Mapping { .. } => "invalid_mapping",
            EngineError::Workspace { .. } => "workspace_damaged",
            EngineError::Busy { .. } => "workspace_busy",
            EngineError::NoWorkspace { .. } => "no_workspace",
            EngineError::NotFound(_) => "not_found",
            EngineError::Invalid { .. } => "invalid_argument",
            EngineError::NoData { .. } => "no_data",
            EngineError::Internal(_) => "internal",
        }
    }

    /// The request parameter at fault, when one is.
    pub fn param(&self) -> Option<&'static str> {
        match self {
            EngineError::Invalid { param, .. } | EngineError::NoData { param, .. } => *param,
            EngineError::Busy { .. } => Some("lock_timeout"),
            _ => None,
        }
    }

    /// A parameter out of range.
    pub fn invalid(param: &'static str, message: impl Into<String>) -> EngineError {
        EngineError::Invalid {
            param: Some(param),
            message: message.into(),
        }
    }

    /// A request the data cannot answer, with the parameter that would change that.
    pub fn no_data(param: Option<&'static str>, message: impl Into<String>) -> EngineError {
        EngineError::NoData {
            param,
            message: message.into(),
        }
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

pub fn io_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> EngineError {
    let path = path.into();
    move |cause| EngineError::Io { path, cause }
}

pub(crate) fn input_err(path: impl Into<PathBuf>, message: impl Into<String>) -> EngineError {
    EngineError::Input {
        path: path.into(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_documented_code() {
        let all = [
            EngineError::Io {
                path: "x".into(),
                cause: std::io::Error::other("e"),
            },
            EngineError::Input {
                path: "x".into(),
                message: String::new(),
            },
            EngineError::Parquet {
                path: "x".into(),
                message: String::new(),
            },
            EngineError::Mapping {
                path: "x".into(),
                message: String::new(),
            },
            EngineError::Workspace {
                path: "x".into(),
                message: String::new(),
            },
            EngineError::Busy {
                path: "x".into(),
                message: String::new(),
            },
            EngineError::NoWorkspace { path: "x".into() },
            EngineError::NotFound(UnknownId {
                kind: "client",
                id: "x".into(),
                nearest: vec![],
            }),
            EngineError::invalid("days", "x"),
            EngineError::no_data(None, "x"),
            EngineError::Internal(String::new()),
        ];
        let codes: Vec<&str> = all.iter().map(EngineError::code).collect();
        let documented: Vec<&str> = CODES.iter().map(|c| c.0).collect();
        assert_eq!(codes, documented);
    }
}
