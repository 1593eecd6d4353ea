//! HTML for the dashboard and the review packs: escaping, output tables written from their
//! one declaration — the same columns and human text (`84.8 %`, `USD 23,232.00`, `12.4 s`,
//! `—`) as the CLI's table, numbers right-aligned, each column's meaning in its header's title —
//! and status badges told by symbol and word as well as colour.

use opsdeck_engine::views::table::{human, Table};
use std::fmt::Write;

/// Text made safe for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    crate::chart::escape_into(&mut out, s);
    out
}

/// A query-string value made safe for a URL (RFC 3986 unreserved characters kept).
pub fn url(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A link for a cell: the row and the column's name give its target, if any.
pub type CellLink<'a> = &'a dyn Fn(usize, &str) -> Option<String>;

/// An output table as HTML, with a caption, a CSV download link (`csv_href`) and links on the
/// cells `link` names. Text comes from [`human`], so it reads as the CLI's table does.
pub fn table(t: &Table, caption: &str, csv_href: Option<&str>, link: CellLink) -> String {
    let mut s = String::with_capacity(256 + t.rows.len() * t.columns.len() * 24);
    s.push_str("<div class=\"table\"><table><caption>");
    s.push_str(&esc(caption));
    if let Some(h) = csv_href {
        let _ = write!(s, " <a class=\"csv\" href=\"{}\">CSV</a>", esc(h));
    }
    s.push_str("</caption><thead><tr>");
    for c in &t.columns {
        let class = if c.kind.numeric() {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(
            s,
            "<th scope=\"col\"{class} title=\"{}\">{}</th>",
            esc(&c.about),
            esc(&c.name)
        );
    }
    s.push_str("</tr></thead><tbody>");
    for (i, row) in t.rows.iter().enumerate() {
        s.push_str("<tr>");
        for (c, col) in t.columns.iter().enumerate() {
            let text = esc(&human(&t.columns, row, c));
            let class = if col.kind.numeric() {
                " class=\"num\""
            } else {
                ""
            };
            match link(i, &col.name) {
                Some(href) => {
                    let _ = write!(s, "<td{class}><a href=\"{}\">{text}</a></td>", esc(&href));
                }
                None => {
                    let _ = write!(s, "<td{class}>{text}</td>");
                }
            }
        }
        s.push_str("</tr>");
    }
    if t.rows.is_empty() {
        let _ = write!(
            s,
            "<tr><td colspan=\"{}\">no rows</td></tr>",
            t.columns.len().max(1)
        );
    }
    s.push_str("</tbody></table></div>");
    s
}

/// No links.
pub fn no_links(_: usize, _: &str) -> Option<String> {
    None
}

/// A status word as a badge: a class for colour, a symbol and the word for print and for
/// people who do not see the colour.
pub fn status_badge(status: &str) -> String {
    let (symbol, word) = match status {
        "met" => ("✓", "met"),
        "missed" => ("✗", "missed"),
        "at_risk" => ("!", "at risk"),
        "insufficient_data" => ("?", "insufficient data"),
        _ => ("–", "not measured"),
    };
    format!(
        "<span class=\"badge s-{}\"><span aria-hidden=\"true\">{symbol}</span> {word}</span>",
        esc(status)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_engine::views::table::{col, Kind, Value};

    #[test]
    fn tables_read_as_people_read_them_and_escape_everything() {
        let t = Table::new(
            vec![
                col("name", Kind::Text, "a <name>"),
                col("sl", Kind::Fraction, "service level"),
                col("aht", Kind::Seconds, "handle time"),
            ],
            vec![
                vec![
                    Value::Text("<script>alert('x')</script>".into()),
                    Value::num(0.848),
                    Value::num(12.4),
                ],
                vec![Value::Text("b".into()), Value::Num(None), Value::num(0.0)],
            ],
        );
        let link = |r: usize, c: &str| (r == 1 && c == "name").then(|| "/x?a=1&b=2".to_string());
        let h = table(&t, "cap & more", Some("/t.csv"), &link);
        assert!(
            h.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;"),
            "{h}"
        );
        assert!(!h.contains("<script>"));
        assert!(h.contains("<td class=\"num\">84.8 %</td>"), "{h}");
        assert!(h.contains("<td class=\"num\">12.4 s</td>"), "{h}");
        assert!(h.contains("<td class=\"num\">—</td>"), "{h}");
        assert!(h.contains("<a href=\"/x?a=1&amp;b=2\">b</a>"), "{h}");
        assert!(h.contains("title=\"a &lt;name&gt;\""), "{h}");
        assert_eq!(url("a b/ç&="), "a%20b%2F%C3%A7%26%3D");
    }
}
