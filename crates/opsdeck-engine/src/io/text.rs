//! Small text inputs read whole, and bounded messages about any input: the size caps of files
//! read into memory, the UTF-8 and NUL checks of text files, a value quoted in a message at
//! most [`MAX_QUOTE`] bytes long, and TOML errors made from the parser's position and reason
//! (never its echo of the whole line, which a one-line 10 MB file makes 20 MB long).

use crate::error::{input_err, io_err, EngineError, Result};
use std::io::Read;
use std::path::Path;

/// A value of the input for a message, quoted and cut to its first
/// [`MAX_QUOTE`](opsdeck_core::quote::MAX_QUOTE) bytes (the core's one definition).
pub use opsdeck_core::quote::{quoted, MAX_QUOTE};

/// Largest TOML file read (setup, contract, mapping, clock policy, scenario, shifts, holiday
/// calendars): 10 MiB, hundreds of times the largest real one.
pub const MAX_TOML_BYTES: u64 = 10 * 1024 * 1024;

/// Largest small CSV input read whole into memory (volume series, schedule requirements,
/// holiday lists), also after gzip is inflated: 256 MiB.
pub const MAX_WHOLE_TEXT_BYTES: u64 = 256 * 1024 * 1024;

/// Longest excerpt of an input line shown around a position, in characters.
const EXCERPT_CHARS: usize = 60;

/// Longest reason of a parser (a TOML library's message) kept in a message, in bytes.
const MAX_REASON: usize = 300;

/// Refuse a file larger than `max` bytes, naming it and its size and what may be read.
fn too_large(path: &Path, size: u64, max: u64, what: &str) -> EngineError {
    input_err(
        path,
        format!(
            "file is {}; {what} may be at most {} (is it the right file?)",
            size_text(size),
            size_text(max)
        ),
    )
}

/// A byte count for people: `10 MiB`, `312.5 MiB`, `2.0 GiB`, `812 bytes`.
pub fn size_text(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let x = n as f64;
    if n < 1024 {
        format!("{n} bytes")
    } else if x < KIB * KIB {
        format!("{:.1} KiB", x / KIB)
    } else if x < KIB * KIB * KIB {
        format!("{:.1} MiB", x / KIB / KIB)
    } else {
        format!("{:.1} GiB", x / KIB / KIB / KIB)
    }
    .replace(".0 ", " ")
}

/// The bytes of `path`, refused when the file (or, when `inflate`, its gzip content) holds more
/// than `max`: the size is checked before reading, and reading stops one byte past `max`, so a
/// file that grows, a pipe or a gzip bomb cannot fill memory either.
pub(crate) fn read_capped(path: &Path, max: u64, what: &str, inflate: bool) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).map_err(io_err(path))?;
    let size = f.metadata().map_err(io_err(path))?.len();
    if size > max {
        return Err(too_large(path, size, max, what));
    }
    let mut raw = Vec::with_capacity(size as usize);
    f.take(max + 1)
        .read_to_end(&mut raw)
        .map_err(io_err(path))?;
    if raw.len() as u64 > max {
        return Err(too_large(path, raw.len() as u64, max, what));
    }
    if !(inflate && raw.starts_with(&[0x1f, 0x8b])) {
        return Ok(raw);
    }
    let mut out = Vec::with_capacity(raw.len().saturating_mul(4).min(max as usize));
    flate2::read::MultiGzDecoder::new(raw.as_slice())
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| input_err(path, format!("file is truncated or corrupt ({e})")))?;
    if out.len() as u64 > max {
        return Err(input_err(
            path,
            format!(
                "file inflates to more than {}; {what} may be at most that",
                size_text(max)
            ),
        ));
    }
    Ok(out)
}

/// Line (from 1) of byte `at` of `bytes`.
fn line_of(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// `bytes` as text: an error naming the line of the first NUL byte or of the first byte that
/// is not UTF-8 (a binary file, or text in another encoding).
pub(crate) fn text_of(path: &Path, bytes: Vec<u8>) -> Result<String> {
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(input_err(
            path,
            format!(
                "line {}: byte {} is NUL: this is not a text file",
                line_of(&bytes, at),
                at + 1
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        input_err(
            path,
            format!(
                "line {}: byte {} is not UTF-8 text (save the file as UTF-8)",
                line_of(e.as_bytes(), at),
                at + 1
            ),
        )
    })
}

/// A TOML file (`what`: "a setup file", "a contract file" …) read whole: refused when larger
/// than [`MAX_TOML_BYTES`], when not UTF-8 or when it holds a NUL byte; a UTF-8 byte-order
/// mark is dropped.
pub fn read_toml_file(path: &Path, what: &str) -> Result<String> {
    let bytes = read_capped(path, MAX_TOML_BYTES, what, false)?;
    let text = text_of(path, bytes)?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Parse TOML `text` into `T`; the error is [`toml_error`]'s (without the file name).
pub fn from_toml<T: serde::de::DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
    toml::from_str(text).map_err(|e| toml_error(text, &e))
}

/// A TOML error of `text` in a few hundred bytes: `line L, column C: reason (at `excerpt`)`,
/// the line and column computed from the error's span and the excerpt at most
/// [`EXCERPT_CHARS`] characters of that line around it.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let reason = toml_reason(e);
    match e.span() {
        Some(span) => {
            let at = span.start.min(text.len());
            let (line, column, near) = position(text, at);
            format!("line {line}, column {column}: {reason} (at `{near}`)")
        }
        None => reason,
    }
}

/// The reason of a TOML error without its position, on one line of at most a few hundred
/// bytes (for errors of a value already parsed, whose span is not in the file's text).
pub fn toml_reason(e: &toml::de::Error) -> String {
    crate::io::excerpt(&e.message().trim().replace('\n', " "), MAX_REASON)
}

/// Line and column (from 1, in characters) of byte `at` of `text`, and an excerpt of its line
/// around it: at most [`EXCERPT_CHARS`] characters, control characters escaped, `…` where cut.
fn position(text: &str, at: usize) -> (usize, usize, String) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = 1 + text.as_bytes()[..start]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    let column = 1 + text[start..at].chars().count();
    // a third of the excerpt before the position, the rest after it
    let before: Vec<char> = text[start..at]
        .chars()
        .rev()
        .take(EXCERPT_CHARS / 3 + 1)
        .collect();
    let after: Vec<char> = text[at..end].chars().take(EXCERPT_CHARS + 1).collect();
    let keep_before = before.len().min(EXCERPT_CHARS / 3);
    let keep_after = after.len().min(EXCERPT_CHARS - keep_before);
    let mut near = String::new();
    if before.len() > keep_before {
        near.push('…');
    }
    let shown = before[..keep_before]
        .iter()
        .rev()
        .chain(&after[..keep_after])
        .copied();
    for c in shown {
        if c.is_control() {
            near.extend(c.escape_debug());
        } else {
            near.push(c);
        }
    }
    if after.len() > keep_after {
        near.push('…');
    }
    (line, column, near.trim_end_matches('\r').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_for_people() {
        assert_eq!(size_text(812), "812 bytes");
        assert_eq!(size_text(10 * 1024 * 1024), "10 MiB");
        assert_eq!(size_text(200_000_000), "190.7 MiB");
    }

    /// The TOML error of `text`.
    fn err(text: &str) -> String {
        from_toml::<toml::Table>(text).unwrap_err()
    }

    #[test]
    fn toml_errors_give_a_position_and_a_short_excerpt() {
        assert_eq!(
            err("a = 1\nb = \"x\ny = 2\n"),
            "line 2, column 7: invalid basic string, expected `\"` (at `b = \"x`)"
        );
        // a one-line 10 MB file: the message is short, the excerpt from the start of the line
        let junk = format!("x{}", "y".repeat(10_000_000));
        let m = err(&junk);
        assert!(
            m.len() < 400,
            "{} bytes: {}",
            m.len(),
            crate::io::excerpt(&m, 500)
        );
        assert_eq!(
            m,
            "line 1, column 10000002: key with no value, expected `=` (at `…yyyyyyyyyyyyyyyyyyyy`)"
        );
        // far into a long line: column in characters, text cut on both sides
        let far = format!("k = \"{}\" = 2", "é".repeat(5000));
        let m = err(&far);
        assert!(m.starts_with("line 1, column 5008: "), "{m}");
        assert!(m.contains("(at `…éé"), "{m}");
        assert!(m.chars().count() < 250, "{m}");
        // control characters are escaped
        let m = err("a = 1\u{7}\n");
        assert!(m.contains("\\u{7}"), "{m}");
    }

    #[test]
    fn deeply_nested_arrays_give_a_short_message() {
        for depth in [10, 1_000, 100_000] {
            let text = format!("a = {}{}", "[".repeat(depth), "]".repeat(depth - 1));
            let m = err(&text);
            assert!(m.len() < 500, "depth {depth}: {} bytes", m.len());
            assert!(m.starts_with("line 1, column "), "depth {depth}: {m}");
        }
    }

    #[test]
    fn type_errors_quote_at_most_a_bounded_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            n: i64,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct P {
            id: String,
            sites: Vec<String>,
        }
        assert_eq!(
            from_toml::<P>("id = \"p\"\n\n  sites = \"x\"\n").unwrap_err(),
            "line 3, column 11: invalid type: string \"x\", expected a sequence (at `  sites = \"x\"`)"
        );
        let text = format!("n = \"{}\"\n", "v".repeat(1_000_000));
        let m = from_toml::<T>(&text).unwrap_err();
        assert!(m.len() < 500, "{} bytes", m.len());
        assert!(
            m.starts_with("line 1, column 5: invalid type: string"),
            "{m}"
        );
    }

    #[test]
    fn files_too_large_not_utf8_or_with_nul_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.toml");
        std::fs::write(&p, vec![b'#'; (MAX_TOML_BYTES + 1) as usize]).unwrap();
        let e = read_toml_file(&p, "a setup file").unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("{}: file is 10 MiB", p.display())),
            "{e}"
        );
        assert!(e.contains("a setup file may be at most 10 MiB"), "{e}");

        let p = dir.path().join("nul.toml");
        std::fs::write(&p, b"a = 1\nb = 2\n\0\0\0").unwrap();
        let e = read_toml_file(&p, "a setup file").unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "{}: line 3: byte 13 is NUL: this is not a text file",
                p.display()
            )
        );

        let p = dir.path().join("latin1.toml");
        std::fs::write(&p, b"name = \"Caf\xe9\"\n").unwrap();
        let e = read_toml_file(&p, "a setup file").unwrap_err().to_string();
        assert!(
            e.ends_with("line 1: byte 12 is not UTF-8 text (save the file as UTF-8)"),
            "{e}"
        );

        let p = dir.path().join("bom.toml");
        std::fs::write(&p, "\u{feff}a = 1\n").unwrap();
        assert_eq!(read_toml_file(&p, "a setup file").unwrap(), "a = 1\n");
    }

    #[test]
    fn gzip_is_inflated_up_to_the_cap() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bomb.csv.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&vec![b'a'; 2 * 1024 * 1024]).unwrap();
        std::fs::write(&p, gz.finish().unwrap()).unwrap();
        let e = read_capped(&p, 1024 * 1024, "a series file", true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("file inflates to more than 1 MiB"), "{e}");
        assert_eq!(
            read_capped(&p, 4 * 1024 * 1024, "a series file", true)
                .unwrap()
                .len(),
            2 * 1024 * 1024
        );
    }
}
