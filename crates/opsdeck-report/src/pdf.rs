//! A pack's PDF: its HTML printed by headless Chromium (Debian's `chromium`, or the binary
//! `OPSDECK_CHROMIUM` names), which keeps every CSS rule of the HTML — page margins, page
//! numbers, repeated table headers — so the PDF shows exactly the HTML's content. The HTML
//! never depends on it: without a browser the PDF is refused with a clear reason.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser to print with, if one is installed.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("OPSDECK_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/lib/chromium/chromium",
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// Print `html` (a file) to `pdf`.
pub fn print(html: &Path, pdf: &Path) -> Result<(), String> {
    let browser = chromium().ok_or(
        "a PDF needs Chromium (apt-get install chromium, or name the binary in OPSDECK_CHROMIUM); the HTML is written",
    )?;
    let profile = std::env::temp_dir().join(format!(
        "opsdeck-pdf-{}-{}",
        std::process::id(),
        pdf.file_name().and_then(|n| n.to_str()).unwrap_or("pack")
    ));
    let html = std::fs::canonicalize(html).map_err(|e| format!("{}: {e}", html.display()))?;
    let out = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .map_err(|e| format!("cannot run {}: {e}", browser.display()));
    let _ = std::fs::remove_dir_all(&profile);
    let out = out?;
    let ok = pdf.metadata().is_ok_and(|m| m.len() > 0);
    if !out.status.success() || !ok {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.contains("dbus") && !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(format!(
            "{} did not print the PDF ({}): {last}",
            browser.display(),
            out.status
        ));
    }
    Ok(())
}
