//! Progress bars on standard error for long reads (hidden when stderr is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// A byte-count bar over the total size of `files`.
pub fn bytes_bar(files: &[PathBuf]) -> ProgressBar {
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let bar = ProgressBar::new(total);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} [{bar:30}] {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
