//! Dependencies point inward: each crate may depend only on the crates the architecture map
//! allows, and the domain core on no IO, async, database or Arrow crate.

use std::path::Path;

fn deps(krate: &str) -> Vec<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("Cargo.toml");
    let text =
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
    let mut out = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_deps = l == "[dependencies]";
            continue;
        }
        if in_deps {
            if let Some((name, _)) = l.split_once('=') {
                let name = name.trim().trim_end_matches(".workspace").to_string();
                if !name.is_empty() && !name.starts_with('#') {
                    out.push(name);
                }
            }
        }
    }
    out
}

#[test]
fn crates_depend_only_on_what_the_map_allows() {
    let allowed: &[(&str, &[&str])] = &[
        (
            "opsdeck-core",
            &[
                "chrono",
                "chrono-tz",
                "serde",
                "thiserror",
                "rustc-hash",
                "sha2",
            ],
        ),
        (
            "opsdeck-engine",
            &[
                "opsdeck-core",
                "chrono",
                "chrono-tz",
                "serde",
                "serde_json",
                "toml",
                "thiserror",
                "csv",
                "flate2",
                "arrow-array",
                "arrow-buffer",
                "arrow-schema",
                "arrow-cast",
                "arrow-select",
                "memchr",
                "parquet",
                "quick-xml",
                "ryu",
                "itoa",
                "rustc-hash",
                "hashbrown",
                "twox-hash",
            ],
        ),
        (
            "opsdeck-synth",
            &["opsdeck-core", "chrono", "chrono-tz", "toml"],
        ),
        // charts, tables as HTML and packs: they ask the core and the engine, never the store
        (
            "opsdeck-report",
            &[
                "opsdeck-core",
                "opsdeck-engine",
                "chrono",
                "chrono-tz",
                "serde",
                "toml",
            ],
        ),
        (
            "opsdeck-store",
            &[
                "opsdeck-core",
                "serde",
                "serde_json",
                "thiserror",
                "sqlx",
                "tokio",
            ],
        ),
        (
            "opsdeck-server",
            &[
                "opsdeck-core",
                "opsdeck-engine",
                "opsdeck-store",
                "opsdeck-report",
                "serde",
                "serde_json",
                "chrono",
                "memchr",
                "tokio",
                "tracing",
                "axum",
                "tower",
                "tower-http",
                "argon2",
                "axum-server",
                "csv",
                "rustls",
                "anyhow",
                "thiserror",
            ],
        ),
    ];
    for (krate, ok) in allowed {
        for d in deps(krate) {
            assert!(
                ok.contains(&d.as_str()),
                "{krate} depends on {d}, which ARCHITECTURE.md does not allow"
            );
        }
    }
    // the engine and the store never depend on each other, nor on the CLI; the demo
    // generator is a dev-dependency of the engine at most
    assert!(!deps("opsdeck-engine")
        .iter()
        .any(|d| d == "opsdeck-store" || d == "opsdeck-cli" || d == "opsdeck-synth"));
    assert!(!deps("opsdeck-store")
        .iter()
        .any(|d| d == "opsdeck-engine" || d == "opsdeck-cli"));
    // the report crate reads no store: the server and the CLI hand it what the store holds
    assert!(!deps("opsdeck-report")
        .iter()
        .any(|d| d == "opsdeck-store" || d == "opsdeck-server" || d == "opsdeck-cli"));
    // the server is a front-end beside the CLI, never below it
    assert!(!deps("opsdeck-server").iter().any(|d| d == "opsdeck-cli"));
}
