//! The documents that list what the code declares say exactly what the code says: the output
//! tables of docs/formats.md §7 and the error codes of §15. With `OPSDECK_UPDATE_DOCS=1` the
//! test writes the sections from the code instead of failing.

use opsdeck_engine::views::catalogue::markdown;
use std::path::PathBuf;

fn formats_md() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/formats.md"
    ))
}

/// The text between `<!-- NAME:begin -->` and `<!-- NAME:end -->`, checked against `want`
/// (or replaced by it when updating).
fn check_section(name: &str, want: &str) {
    // the tests run in parallel and may both rewrite the file
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let path = formats_md();
    let text = std::fs::read_to_string(&path).expect("docs/formats.md");
    let (begin, end) = (
        format!("<!-- {name}:begin -->\n"),
        format!("<!-- {name}:end -->"),
    );
    let a = text
        .find(&begin)
        .unwrap_or_else(|| panic!("docs/formats.md has no {begin:?} marker"))
        + begin.len();
    let b = text[a..]
        .find(&end)
        .unwrap_or_else(|| panic!("docs/formats.md has no {end:?} marker"))
        + a;
    let want = format!("{}\n", want.trim_end());
    if text[a..b] == want {
        return;
    }
    if std::env::var("OPSDECK_UPDATE_DOCS").is_ok_and(|v| v == "1") {
        let mut new = text.clone();
        new.replace_range(a..b, &want);
        std::fs::write(&path, new).expect("write docs/formats.md");
        return;
    }
    panic!(
        "docs/formats.md section {name} differs from the code; run \
         `OPSDECK_UPDATE_DOCS=1 cargo test -p opsdeck-cli --test docs` and review the diff"
    );
}

#[test]
fn output_tables_section_is_the_catalogue() {
    check_section("tables", &markdown());
}

#[test]
fn error_codes_section_is_the_code_table() {
    let mut md = String::from("| code | HTTP status | meaning |\n|---|---|---|\n");
    for (code, status, meaning) in opsdeck_engine::error::CODES {
        md.push_str(&format!("| `{code}` | {status} | {meaning} |\n"));
    }
    check_section("errors", &md);
}
