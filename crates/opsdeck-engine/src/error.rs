//! The engine's error type: file-level failures that stop a command (row-level problems are
//! not errors but quarantined `RowIssue`s).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{}: {cause}", path.display())]
    Io {
        path: PathBuf,
        /// Shown in the message itself (not as a chained source, which would print it twice).
        cause: std::io::Error,
    },
    /// The file as a whole cannot be read as contacts (empty, missing column, not UTF-8 …).
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    #[error("{}: parquet: {message}", path.display())]
    Parquet { path: PathBuf, message: String },
    #[error("mapping {}: {message}", path.display())]
    Mapping { path: PathBuf, message: String },
    #[error("workspace {}: {message}", path.display())]
    Workspace { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
    /// A bug, not a data problem.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

pub(crate) fn io_err(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> EngineError {
    let path = path.into();
    move |cause| EngineError::Io { path, cause }
}

pub(crate) fn input_err(path: impl Into<PathBuf>, message: impl Into<String>) -> EngineError {
    EngineError::Input {
        path: path.into(),
        message: message.into(),
    }
}
