//! The pack's document: one HTML file with its stylesheet and charts inline, printable (page
//! margins, page numbers, tables that do not split their header), and the pieces every pack
//! is made of — sections, the commentary's sentences, a manager's Markdown notes.

use super::commentary::Sentence;
use crate::html::esc;
use opsdeck_engine::views::table::{Table, Value};
use std::fmt::Write;

const PACK_CSS: &str = "\
@page { size: A4 landscape; margin: 14mm 12mm 16mm; @bottom-right { content: \"page \" counter(page) \" of \" counter(pages); font: 9pt sans-serif; color: #555; } }
body { font: 10.5pt/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif; color: #1b1f24; max-width: 1100px; margin: 0 auto; padding: 18px; }
header { border-bottom: 3px solid #14213d; margin-bottom: 14px; }
h1 { font-size: 20pt; margin: 0 0 4px; } h2 { font-size: 14pt; margin: 22px 0 8px; break-after: avoid; } h3 { font-size: 11.5pt; }
.meta { color: #4a5560; font-size: 9.5pt; }
section { break-inside: auto; }
ul.commentary li { margin: 4px 0; } ul.commentary a { font-size: 9pt; }
.table { overflow-x: auto; margin: 8px 0 16px; }
@media print { .table { overflow: visible; } }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 8.5pt; width: 100%; }
thead { display: table-header-group; } tr { break-inside: avoid; }
caption { text-align: left; font-weight: 600; padding: 2px 0 6px; }
th, td { padding: 3px 7px; border-bottom: 1px solid #d0d7de; text-align: left; vertical-align: top; }
th { background: #f3f5f7; white-space: nowrap; } td.num, th.num { text-align: right; white-space: nowrap; }
.charts { display: flex; flex-wrap: wrap; gap: 6px 20px; } figure.chart { margin: 6px 0 12px; break-inside: avoid; }
figure.chart figcaption { font-size: 9pt; color: #4a5560; } figure.chart svg { max-width: 100%; height: auto; }
.badge { font-size: 8.5pt; padding: 0 5px; border: 1px solid currentColor; border-radius: 8px; white-space: nowrap; }
.s-met { color: #116329; } .s-missed { color: #a40e26; font-weight: 600; } .s-at_risk { color: #7a4a00; } .s-insufficient_data, .s-not_measured { color: #4a5560; border-style: dashed; }
ol.ranking li { margin: 3px 0; } .notes { border-left: 4px solid #14213d; padding: 2px 12px; }
";

/// The whole document.
pub fn document(title: &str, meta: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>{PACK_CSS}{}</style></head><body><header><h1>{t}</h1><p class=\"meta\">{meta}</p></header>\
         <main>{body}</main></body></html>",
        crate::chart::CHART_CSS,
        t = esc(title),
    )
}

/// Append a section with an id and a heading.
pub fn section(out: &mut String, id: &str, heading: &str, content: &str) {
    let _ = write!(
        out,
        "<section id=\"{id}\"><h2>{}</h2>{content}</section>",
        esc(heading)
    );
}

/// The commentary as a list, each sentence with a link to the rows behind it.
pub fn sentences(list: &[Sentence]) -> String {
    if list.is_empty() {
        return "<p>No figure to comment on in this period.</p>".into();
    }
    let mut s = String::from("<ul class=\"commentary\">");
    for x in list {
        let _ = write!(s, "<li>{}", esc(&x.text));
        if let Some(l) = &x.link {
            let _ = write!(s, " <a href=\"{}\">(the rows)</a>", esc(l));
        }
        s.push_str("</li>");
    }
    s.push_str("</ul>");
    s
}

/// A manager's notes as written: paragraphs, `- ` / `* ` lists and `#` headings; every
/// character escaped (no HTML passes through).
pub fn markdown(text: &str) -> String {
    let mut out = String::from("<div class=\"notes\">");
    for block in text.replace("\r\n", "\n").split("\n\n") {
        let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        if lines
            .iter()
            .all(|l| l.trim_start().starts_with("- ") || l.trim_start().starts_with("* "))
        {
            out.push_str("<ul>");
            for l in lines {
                let _ = write!(out, "<li>{}</li>", esc(l.trim_start()[2..].trim()));
            }
            out.push_str("</ul>");
        } else if lines.len() == 1 && lines[0].starts_with('#') {
            let _ = write!(
                out,
                "<h3>{}</h3>",
                esc(lines[0].trim_start_matches('#').trim())
            );
        } else {
            let _ = write!(out, "<p>{}</p>", esc(&lines.join(" ")));
        }
    }
    out.push_str("</div>");
    out
}

/// A text cell.
pub fn text<'a>(t: &'a Table, row: usize, col: &str) -> &'a str {
    match t.get(row, col) {
        Some(Value::Text(s)) => s,
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_rendered_as_written_and_escaped() {
        let h =
            markdown("# Next quarter\n\n- hire <10> agents\n- train & coach\n\nWe will\nreport.");
        assert_eq!(
            h,
            "<div class=\"notes\"><h3>Next quarter</h3><ul><li>hire &lt;10&gt; agents</li><li>train &amp; coach</li></ul><p>We will report.</p></div>"
        );
    }
}
