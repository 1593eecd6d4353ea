//! The engine's folders are layers: a module may use only the layers below it (lib.rs says
//! which). Checked on the source text of every non-test item: each `crate::LAYER` path must
//! name the module's own layer or one it may import, so no cycle can form.

use std::path::{Path, PathBuf};

/// Each layer and the layers it may import (besides itself and the shared `error`, `fxhash`).
const LAYERS: &[(&str, &[&str])] = &[
    ("io", &[]),
    ("contacts", &["io"]),
    ("eventlog", &["io"]),
    ("inputs", &["io"]),
    ("cases", &["io", "eventlog", "inputs"]),
    (
        "workspace",
        &["io", "contacts", "eventlog", "inputs", "cases"],
    ),
    (
        "views",
        &["io", "contacts", "eventlog", "inputs", "cases", "workspace"],
    ),
];

const SHARED: &[&str] = &["error", "fxhash", "Result", "EngineError"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.expect("a directory entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The `crate::NAME` paths of a file's code before its test module.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for (no, line) in code.lines().enumerate() {
        let l = line.trim_start();
        if l.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push((no + 1, name));
            }
            rest = after;
        }
    }
    out
}

#[test]
fn every_layer_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for (layer, allowed) in LAYERS {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no files in src/{layer}");
        for f in files {
            let text = std::fs::read_to_string(&f).expect("a source file");
            for (line, name) in crate_paths(&text) {
                checked += 1;
                let ok = name == *layer
                    || allowed.contains(&name.as_str())
                    || SHARED.contains(&name.as_str());
                assert!(
                    ok,
                    "{}:{line}: the {layer} layer uses crate::{name}, which lib.rs puts above it",
                    f.display()
                );
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} crate paths found: is the scan broken?"
    );
}

#[test]
fn every_source_file_is_in_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for f in files {
        let rel = f.strip_prefix(&src).expect("under src");
        let top = rel.components().next().expect("a component");
        let top = top.as_os_str().to_string_lossy();
        let shared = ["lib.rs", "error.rs"].contains(&top.as_ref());
        assert!(
            shared || LAYERS.iter().any(|(l, _)| *l == top),
            "{} is outside every layer folder",
            f.display()
        );
    }
}
