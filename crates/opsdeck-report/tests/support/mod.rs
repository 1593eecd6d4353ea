//! Test support: a tiny XML well-formedness checker (no dependencies) and output invariants
//! every chart must satisfy.

#![allow(dead_code)]

use std::collections::BTreeSet;

/// Checks that `s` is one well-formed XML element: balanced, properly nested tags, quoted
/// attributes without raw `<`, no duplicate attributes, `&` only as an entity, no raw `<` in
/// text, no characters XML cannot carry. Returns the element names in document order.
pub fn check_xml(s: &str) -> Result<Vec<String>, String> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut root_done = false;
    let err = |i: usize, m: &str| Err(format!("{m} at byte {i}: …{}…", context(s, i)));
    for c in s.chars() {
        if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')
            || c == '\u{FFFE}'
            || c == '\u{FFFF}'
        {
            return err(0, &format!("character U+{:04X} not allowed", c as u32));
        }
    }
    while i < b.len() {
        if b[i] == b'<' {
            if root_done {
                return err(i, "content after the root element");
            }
            if s[i..].starts_with("<!--") {
                match s[i..].find("-->") {
                    Some(e) => i += e + 3,
                    None => return err(i, "unterminated comment"),
                }
                continue;
            }
            if s[i..].starts_with("</") {
                let start = i + 2;
                let mut j = start;
                while j < b.len() && is_name(b[j]) {
                    j += 1;
                }
                let name = &s[start..j];
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j >= b.len() || b[j] != b'>' {
                    return err(j, "bad closing tag");
                }
                match stack.pop() {
                    Some(open) if open == name => {}
                    Some(open) => return err(i, &format!("</{name}> closes <{open}>")),
                    None => return err(i, &format!("</{name}> without an open element")),
                }
                if stack.is_empty() {
                    root_done = true;
                }
                i = j + 1;
                continue;
            }
            let start = i + 1;
            let mut j = start;
            while j < b.len() && is_name(b[j]) {
                j += 1;
            }
            if j == start {
                return err(i, "raw < in text");
            }
            let name = s[start..j].to_string();
            let mut attrs = BTreeSet::new();
            loop {
                let ws = j;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j >= b.len() {
                    return err(j, "unterminated tag");
                }
                if b[j] == b'>' {
                    stack.push(name.clone());
                    j += 1;
                    break;
                }
                if s[j..].starts_with("/>") {
                    j += 2;
                    if stack.is_empty() {
                        root_done = true;
                    }
                    break;
                }
                if ws == j {
                    return err(j, "attributes must be separated by whitespace");
                }
                let an = j;
                while j < b.len() && is_name(b[j]) {
                    j += 1;
                }
                if an == j {
                    return err(j, "bad attribute name");
                }
                let aname = &s[an..j];
                if !attrs.insert(aname.to_string()) {
                    return err(an, &format!("duplicate attribute {aname}"));
                }
                if j >= b.len() || b[j] != b'=' {
                    return err(j, "attribute without =");
                }
                j += 1;
                if j >= b.len() || !(b[j] == b'"' || b[j] == b'\'') {
                    return err(j, "unquoted attribute value");
                }
                let q = b[j];
                j += 1;
                let vs = j;
                while j < b.len() && b[j] != q {
                    j += 1;
                }
                if j >= b.len() {
                    return err(vs, "unterminated attribute value");
                }
                check_text(&s[vs..j], true)
                    .map_err(|m| format!("{m} in attribute {aname} of <{name}>"))?;
                j += 1;
            }
            names.push(name);
            i = j;
        } else {
            let e = s[i..].find('<').map_or(b.len(), |e| i + e);
            let text = &s[i..e];
            if stack.is_empty() && !text.trim().is_empty() {
                return err(i, "text outside the root element");
            }
            check_text(text, false)?;
            i = e;
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements: {stack:?}"));
    }
    if !root_done {
        return Err("no root element".into());
    }
    Ok(names)
}

fn is_name(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b':' | b'.') || c >= 0x80
}

fn check_text(t: &str, attr: bool) -> Result<(), String> {
    if t.contains('<') {
        return Err(format!(
            "raw < in {}: {t:?}",
            if attr { "attribute" } else { "text" }
        ));
    }
    let mut rest = t;
    while let Some(p) = rest.find('&') {
        let after = &rest[p + 1..];
        let end = after.find(';').ok_or_else(|| format!("bare & in {t:?}"))?;
        let ent = &after[..end];
        let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
            || ent
                .strip_prefix("#x")
                .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || ent
                .strip_prefix('#')
                .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(format!("bad entity &{ent}; in {t:?}"));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

fn context(s: &str, i: usize) -> String {
    let mut start = i.saturating_sub(40).min(s.len());
    while !s.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (i + 40).min(s.len());
    while !s.is_char_boundary(end) {
        end += 1;
    }
    s[start..end].to_string()
}

/// Values of every `name="…"` attribute in `svg`.
pub fn attr_values<'a>(svg: &'a str, name: &str) -> Vec<&'a str> {
    let pat = format!(" {name}=\"");
    svg.match_indices(&pat)
        .filter_map(|(i, _)| svg[i + pat.len()..].split('"').next())
        .collect()
}

/// The invariants of every chart: well-formed, one `<svg>` root with title and description
/// referenced by `aria-labelledby`, unique ids, every `url(#…)` defined, no NaN/inf, numbers
/// in geometry with at most one decimal.
pub fn check_chart(svg: &str, id: &str, title_escaped: &str) {
    let names = check_xml(svg).unwrap_or_else(|e| panic!("not well-formed: {e}\n{svg}"));
    assert_eq!(names.first().map(String::as_str), Some("svg"));
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "),
        "{}",
        &svg[..80.min(svg.len())]
    );
    assert!(svg.contains(" role=\"img\""));
    assert!(
        svg.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")),
        "aria for {id}"
    );
    assert!(
        svg.contains(&format!("<title id=\"{id}-title\">{title_escaped}</title>")),
        "title for {id}"
    );
    assert!(
        svg.contains(&format!("<desc id=\"{id}-desc\">")),
        "desc for {id}"
    );
    let ids = attr_values(svg, "id");
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "duplicate ids in {ids:?}");
    for id_ in &ids {
        assert!(id_.starts_with(id), "id {id_} lacks prefix {id}");
    }
    for (i, _) in svg.match_indices("url(#") {
        let r = svg[i + 5..].split(')').next().unwrap_or("");
        assert!(unique.contains(r), "url(#{r}) undefined");
    }
    for bad in ["NaN", "inf"] {
        if let Some(i) = svg.find(bad) {
            panic!("{bad} in output: …{}…", context(svg, i));
        }
    }
    for a in [
        "x",
        "y",
        "width",
        "height",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "d",
        "viewBox",
        "transform",
        "stroke-width",
    ] {
        for v in attr_values(svg, a) {
            for tok in v.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')) {
                if let Some((_, dec)) = tok.split_once('.') {
                    assert!(dec.len() <= 1, "{a}=\"{v}\" has more than one decimal");
                }
            }
        }
    }
}
