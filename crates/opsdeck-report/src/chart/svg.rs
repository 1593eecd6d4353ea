//! The tiny SVG writer under every chart: XML escaping, number formatting (at most one decimal),
//! a tag builder that keeps elements balanced, a path-data builder and text-width estimates.

use std::fmt::Write as _;

/// Coordinates are clamped to this magnitude so that absurd inputs cannot produce absurd output.
const COORD_LIMIT: f64 = 1.0e6;

/// Escapes text for XML content and attribute values (`& < > " '`) and drops the characters
/// XML 1.0 cannot carry at all (C0 controls other than tab/newline/CR, U+FFFE, U+FFFF).
pub(crate) fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// [`escape_into`] into a new string.
#[cfg(test)]
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// Writes a coordinate or length with at most one decimal place: `12`, `12.5`, `-3.2`.
/// Non-finite values are written as `0`; magnitudes are clamped to ±1e6.
pub(crate) fn num_into(out: &mut String, v: f64) {
    let v = if v.is_finite() {
        v.clamp(-COORD_LIMIT, COORD_LIMIT)
    } else {
        0.0
    };
    // tenths as an integer: exact, and no "-0"
    let tenths = (v * 10.0).round() as i64;
    if tenths < 0 {
        out.push('-');
    }
    let a = tenths.unsigned_abs();
    let _ = write!(out, "{}", a / 10);
    if !a.is_multiple_of(10) {
        let _ = write!(out, ".{}", a % 10);
    }
}

/// [`num_into`] into a new string.
pub(crate) fn num(v: f64) -> String {
    let mut s = String::new();
    num_into(&mut s, v);
    s
}

/// Makes a caller-supplied id prefix safe for XML ids and `url(#…)` references: letters, digits,
/// `-` and `_` are kept, anything else becomes `-`, and a prefix not starting with a letter
/// gets `c-` in front. An empty prefix becomes `chart`.
pub(crate) fn sanitize_id(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars().take(64) {
        out.push(if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '-'
        });
    }
    if out.is_empty() {
        return "chart".to_string();
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "c-");
    }
    out
}

/// Shortens `s` to at most `max_chars` characters, ending in `…` when something was cut.
pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    let max_chars = max_chars.max(1);
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max_chars - 1).collect();
    out.push('…');
    out
}

/// Longest text we ever put in a tooltip or description, in characters.
pub(crate) const MAX_TEXT: usize = 200;

/// Average advance of one character at `font_size` in a sans-serif face (an estimate: we have no
/// font metrics on the server).
pub(crate) fn char_width(font_size: f64) -> f64 {
    font_size * 0.58
}

/// Estimated width of `s` at `font_size`.
pub(crate) fn text_width(s: &str, font_size: f64) -> f64 {
    s.chars().count() as f64 * char_width(font_size)
}

/// How many characters fit in `width` at `font_size` (at least 1).
pub(crate) fn chars_fitting(width: f64, font_size: f64) -> usize {
    let n = width / char_width(font_size);
    if n.is_finite() && n >= 1.0 {
        n.min(10_000.0) as usize
    } else {
        1
    }
}

/// An SVG document being written. Elements are opened and closed through [`Tag`] and
/// [`Svg::close`]; [`Svg::finish`] closes whatever is still open, so output is always balanced.
pub(crate) struct Svg {
    buf: String,
    stack: Vec<&'static str>,
}

impl Svg {
    pub(crate) fn new() -> Self {
        Svg {
            buf: String::with_capacity(4096),
            stack: Vec::new(),
        }
    }

    /// Starts an element; finish it with [`Tag::end`], [`Tag::open`] or [`Tag::text`].
    pub(crate) fn tag(&mut self, name: &'static str) -> Tag<'_> {
        self.buf.push('<');
        self.buf.push_str(name);
        Tag { svg: self, name }
    }

    /// Closes the innermost element opened with [`Tag::open`].
    pub(crate) fn close(&mut self) {
        if let Some(name) = self.stack.pop() {
            self.buf.push_str("</");
            self.buf.push_str(name);
            self.buf.push('>');
        }
    }

    /// A `<title>` child: the tooltip of the enclosing element.
    pub(crate) fn title(&mut self, text: &str) {
        self.tag("title").text(&truncate(text, MAX_TEXT));
    }

    /// Escaped text content inside the innermost open element.
    pub(crate) fn content(&mut self, text: &str) {
        escape_into(&mut self.buf, text);
    }

    /// Raw newline between top-level blocks, for readable output.
    pub(crate) fn newline(&mut self) {
        self.buf.push('\n');
    }

    pub(crate) fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.close();
        }
        self.buf.push('\n');
        self.buf
    }
}

/// An element whose start tag is being written.
#[must_use = "a tag must be finished with end(), open() or text()"]
pub(crate) struct Tag<'a> {
    svg: &'a mut Svg,
    name: &'static str,
}

impl Tag<'_> {
    /// A text attribute, escaped.
    pub(crate) fn attr(self, key: &str, value: &str) -> Self {
        let b = &mut self.svg.buf;
        b.push(' ');
        b.push_str(key);
        b.push_str("=\"");
        escape_into(b, value);
        b.push('"');
        self
    }

    /// A text attribute only when `value` is `Some`.
    pub(crate) fn attr_opt(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.attr(key, v),
            None => self,
        }
    }

    /// A numeric attribute, one decimal at most.
    pub(crate) fn num(self, key: &str, value: f64) -> Self {
        let b = &mut self.svg.buf;
        b.push(' ');
        b.push_str(key);
        b.push_str("=\"");
        num_into(b, value);
        b.push('"');
        self
    }

    /// `x`, `y`, `width`, `height` of a rectangle; negative sizes become 0.
    pub(crate) fn rect(self, x: f64, y: f64, w: f64, h: f64) -> Self {
        self.num("x", x)
            .num("y", y)
            .num("width", w.max(0.0))
            .num("height", h.max(0.0))
    }

    /// `x1`, `y1`, `x2`, `y2` of a line.
    pub(crate) fn line(self, x1: f64, y1: f64, x2: f64, y2: f64) -> Self {
        self.num("x1", x1).num("y1", y1).num("x2", x2).num("y2", y2)
    }

    /// `x`, `y` of a text.
    pub(crate) fn at(self, x: f64, y: f64) -> Self {
        self.num("x", x).num("y", y)
    }

    /// Self-closing: `<name …/>`.
    pub(crate) fn end(self) {
        self.svg.buf.push_str("/>");
    }

    /// Opens the element for children; close it with [`Svg::close`].
    pub(crate) fn open(self) {
        self.svg.buf.push('>');
        self.svg.stack.push(self.name);
    }

    /// Element with escaped text content: `<name …>text</name>`.
    pub(crate) fn text(self, text: &str) {
        let b = &mut self.svg.buf;
        b.push('>');
        escape_into(b, text);
        b.push_str("</");
        b.push_str(self.name);
        b.push('>');
    }
}

/// Path data (`d`) built from absolute commands with one-decimal numbers.
#[derive(Default)]
pub(crate) struct PathData {
    d: String,
}

impl PathData {
    pub(crate) fn new() -> Self {
        PathData::default()
    }

    fn cmd(&mut self, c: char, pts: &[(f64, f64)]) -> &mut Self {
        if !self.d.is_empty() {
            self.d.push(' ');
        }
        self.d.push(c);
        for (i, &(x, y)) in pts.iter().enumerate() {
            if i > 0 {
                self.d.push(' ');
            }
            num_into(&mut self.d, x);
            self.d.push(',');
            num_into(&mut self.d, y);
        }
        self
    }

    pub(crate) fn m(&mut self, x: f64, y: f64) -> &mut Self {
        self.cmd('M', &[(x, y)])
    }

    pub(crate) fn l(&mut self, x: f64, y: f64) -> &mut Self {
        self.cmd('L', &[(x, y)])
    }

    pub(crate) fn c(&mut self, c1: (f64, f64), c2: (f64, f64), to: (f64, f64)) -> &mut Self {
        self.cmd('C', &[c1, c2, to])
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.d.is_empty()
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_at_most_one_decimal() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(12.25), "12.3");
        assert_eq!(num(-3.21), "-3.2");
        assert_eq!(num(7.0), "7");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(f64::INFINITY), "0");
        assert_eq!(num(1e300), "1000000");
    }

    #[test]
    fn escaping_covers_all_five_and_drops_controls() {
        assert_eq!(
            escape("<a href='x'>&\"</a>\u{0}\u{1b}"),
            "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }

    #[test]
    fn ids_are_safe() {
        assert_eq!(sanitize_id("sl-chart_1"), "sl-chart_1");
        assert_eq!(sanitize_id("1 <x>"), "c-1--x-");
        assert_eq!(sanitize_id(""), "chart");
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("ééééé", 3), "éé…");
        assert_eq!(truncate("abc", 3), "abc");
    }

    #[test]
    fn writer_balances() {
        let mut w = Svg::new();
        w.tag("g").attr("class", "a").open();
        w.tag("rect").rect(0.0, 0.0, -1.0, 2.0).end();
        w.tag("text").at(1.0, 2.0).text("a<b");
        let out = w.finish();
        assert_eq!(out, "<g class=\"a\"><rect x=\"0\" y=\"0\" width=\"0\" height=\"2\"/><text x=\"1\" y=\"2\">a&lt;b</text></g>\n");
    }
}
