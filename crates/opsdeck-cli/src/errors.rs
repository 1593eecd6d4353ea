//! How a failed command ends: its message on one bounded line, with the command-line flag
//! behind a request parameter added, and its exit code (2 for usage errors such as an id that
//! names nothing).

use opsdeck_engine::EngineError;

/// Longest error message printed: a hostile input cannot make the terminal scroll for minutes.
const MAX_MESSAGE: usize = 4096;

/// Whether the error is standard output closed by its reader (`opsdeck … | head -1`).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(BrokenPipe))
    })
}

/// The engine error in the chain, if any.
fn engine_error(e: &anyhow::Error) -> Option<&EngineError> {
    e.chain().find_map(|c| c.downcast_ref::<EngineError>())
}

/// A usage error the user can fix on the command line: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// 2 for usage errors (unknown ids, out-of-range parameters, a missing workspace), 1 else
/// (a file's content, the data, the system).
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.chain().any(|c| c.downcast_ref::<Usage>().is_some()) {
        return 2;
    }
    match engine_error(e) {
        Some(EngineError::NotFound(_) | EngineError::NoWorkspace { .. }) => 2,
        // a request parameter out of range: fixed on the command line
        Some(EngineError::Invalid { param: Some(_), .. }) => 2,
        _ => 1,
    }
}

/// Longest line of a listing of rejected rows on stderr.
const MAX_LISTED: usize = 1024;

/// One listed problem (a rejected row, an event left out) on at most 1 KiB: twenty of them
/// never make the terminal scroll for minutes, whatever the input.
pub fn listed(item: impl std::fmt::Display) -> String {
    opsdeck_engine::io::excerpt(&item.to_string().replace('\n', " "), MAX_LISTED)
}

/// The flag a request parameter is set with.
fn flag(param: &str) -> String {
    format!("--{}", param.replace('_', "-"))
}

/// The error and its causes on one line, leaving out a cause whose text the message already
/// holds (many library errors repeat their source in their own message), with the flag of the
/// parameter at fault; at most a few KiB.
pub fn message(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    if let Some(p) = engine_error(e).and_then(EngineError::param) {
        msg.push_str(&format!(" (set with {})", flag(p)));
    }
    opsdeck_engine::io::excerpt(&msg, MAX_MESSAGE)
}
