//! Input values quoted in messages, bounded: no file or argument can make a message long.

/// Longest part of a value quoted in a message, in bytes (before escaping).
pub const MAX_QUOTE: usize = 80;

/// A value of the input for a message: quoted and escaped as Rust's `{:?}` writes it, cut to
/// its first [`MAX_QUOTE`] bytes with its length when longer: `"2025-13-01"`,
/// `"xxxx…" (1048576 bytes)`.
pub fn quoted(s: &str) -> String {
    if s.len() <= MAX_QUOTE {
        return format!("{s:?}");
    }
    let mut end = MAX_QUOTE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let q = format!("{:?}", &s[..end]);
    format!("{}…\" ({} bytes)", &q[..q.len() - 1], s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_bounded() {
        assert_eq!(quoted("2025-13-01"), "\"2025-13-01\"");
        assert_eq!(quoted("a\0b\"c"), "\"a\\0b\\\"c\"");
        let long = "é".repeat(100_000);
        let q = quoted(&long);
        assert!(q.len() < 120, "{q}");
        assert!(
            q.starts_with("\"éé") && q.ends_with("é…\" (200000 bytes)"),
            "{q}"
        );
        assert_eq!(
            quoted(&"x".repeat(81)),
            format!("\"{}…\" (81 bytes)", "x".repeat(80))
        );
    }
}
