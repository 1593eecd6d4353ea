//! `multipart/form-data` bodies (RFC 7578), as browsers send a form with a file: the parts'
//! names, file names and bytes. Only what the dashboard's upload forms need; a body that does
//! not follow the format is refused with a reason, never half-read.

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

impl Part {
    /// The part's bytes as text (a form field).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// The boundary of a `Content-Type: multipart/form-data; boundary=…` header.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("boundary"))
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 200)
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(hay.get(from..)?, needle).map(|i| i + from)
}

/// A `name="value"` parameter of a `Content-Disposition` header.
fn disposition_param(header: &str, name: &str) -> Option<String> {
    let mut rest = header;
    while let Some(i) = rest.find(name) {
        let before = rest[..i].chars().last();
        let after = &rest[i + name.len()..];
        if matches!(before, Some(' ' | ';')) {
            if let Some(v) = after.strip_prefix("=\"") {
                return v.find('"').map(|end| v[..end].to_string());
            }
        }
        rest = after;
    }
    None
}

/// The parts of `body` separated by `boundary`.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delim = format!("--{boundary}");
    let mut pos = find(body, delim.as_bytes(), 0)
        .ok_or("the form has no part (its boundary is not in the body)")?;
    let mut parts = Vec::new();
    let next_delim = format!("\r\n--{boundary}");
    loop {
        pos += delim.len();
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err("a boundary line of the form does not end the line".into());
        }
        pos += 2;
        let head_end =
            find(body, b"\r\n\r\n", pos).ok_or("a part of the form has no end of its headers")?;
        let head = String::from_utf8_lossy(&body[pos..head_end]).into_owned();
        let data_start = head_end + 4;
        let end = find(body, next_delim.as_bytes(), data_start)
            .ok_or("the form ends in the middle of a part (no closing boundary)")?;
        let disposition = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-disposition")
                    .then(|| v.trim().to_string())
            })
            .ok_or("a part of the form has no Content-Disposition header")?;
        let name =
            disposition_param(&disposition, "name").ok_or("a part of the form has no name")?;
        parts.push(Part {
            name,
            filename: disposition_param(&disposition, "filename"),
            data: body[data_start..end].to_vec(),
        });
        pos = end + 2;
    }
}

/// The parts of a request's form (`what` names the form in the error of a body that is not
/// one).
pub fn request_parts(
    headers: &axum::http::HeaderMap,
    body: &[u8],
    what: &str,
) -> Result<Vec<Part>, String> {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let b = boundary(ct).ok_or_else(|| format!("send the {what} form (multipart/form-data)"))?;
    parse(body, &b).map_err(|e| format!("the form: {e}"))
}

/// The first part called `name`.
pub fn field<'a>(parts: &'a [Part], name: &str) -> Option<&'a Part> {
    parts.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_form_with_a_file() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\r\n1,2\r\n\r\n\
--XyZ--\r\n";
        let ct = "multipart/form-data; boundary=XyZ";
        let parts = parse(body, &boundary(ct).unwrap()).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(field(&parts, "csrf").unwrap().text(), "abc");
        let f = field(&parts, "file").unwrap();
        assert_eq!(f.filename.as_deref(), Some("c.csv"));
        assert_eq!(f.data, b"a,b\r\n1,2\r\n");
    }

    #[test]
    fn broken_forms_are_refused_not_half_read() {
        let b = "B";
        for body in [
            &b""[..],
            b"--B",
            b"--Bx",
            b"--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
            b"--B\r\nno headers end",
            b"--B\r\nX: y\r\n\r\nv\r\n--B--",
        ] {
            assert!(
                parse(body, b).is_err(),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(parse(b"--B--", b).unwrap().is_empty());
        assert_eq!(boundary("text/plain; boundary=x"), None);
        assert_eq!(
            boundary("multipart/form-data; boundary=\"q r\""),
            Some("q r".into())
        );
        // `filename` is not `name`
        assert_eq!(
            disposition_param("form-data; filename=\"f\"; name=\"n\"", "name"),
            Some("n".into())
        );
    }
}
