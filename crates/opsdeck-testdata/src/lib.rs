//! Where the tests find `../shared` (real public datasets, peer oracles), and the rule when it
//! is missing: a test that needs it skips with a notice on a developer's machine, and fails
//! under `CI=true`, where a silently skipped oracle would be a test that cannot fail.

use std::path::PathBuf;

/// The `shared` folder beside the repository.
pub fn shared_path() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"))
}

/// Whether the tests run in CI (`CI=true`, as `.ci/run` sets).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `../shared`, or `None` with a notice that `test` is skipped; under `CI=true` a missing
/// folder fails the test instead.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    let p = shared_path();
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        !in_ci(),
        "{test}: the shared data folder {} is missing, and CI=true requires it",
        p.display()
    );
    eprintln!(
        "SKIPPED {test}: the shared data folder {} is missing",
        p.display()
    );
    None
}

/// A file under `../shared` (e.g. `data/us_bank_call_volume_2003/…`), or `None` as
/// [`shared_dir`] decides; a missing file inside a present folder fails the test.
pub fn shared_file(test: &str, rel: &str) -> Option<PathBuf> {
    let p = shared_dir(test)?.join(rel);
    assert!(
        p.exists(),
        "{test}: {} is missing from ../shared",
        p.display()
    );
    Some(p)
}
