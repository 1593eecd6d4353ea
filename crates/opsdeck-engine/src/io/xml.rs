//! A small XML tokenizer for XES chunks held in memory: one pass per tag, reading the `key` and
//! `value` attributes of XES attribute elements in that same pass. It accepts and rejects what
//! quick-xml's reader did (end names not checked here, entity references in text checked for
//! their `;`), with quick-xml's messages, at the same byte positions.

use std::borrow::Cow;

/// A syntax error: the byte offset in the chunk it is reported at, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlError {
    pub pos: usize,
    pub msg: String,
}

const UNCLOSED_TAG: &str = "syntax error: tag not closed: `>` not found before end of input";
const UNCLOSED_PI: &str = "syntax error: processing instruction or xml declaration not closed: \
     `?>` not found before end of input";
const UNCLOSED_COMMENT: &str =
    "syntax error: comment not closed: `-->` not found before end of input";
const UNCLOSED_DOCTYPE: &str =
    "syntax error: DOCTYPE not closed: `>` not found before end of input";
const UNCLOSED_CDATA: &str = "syntax error: CDATA not closed: `]]>` not found before end of input";
const INVALID_BANG: &str = "syntax error: unknown or missed symbol in markup";
const NO_DOCTYPE_NAME: &str =
    "ill-formed document: `<!DOCTYPE>` declaration does not contain a name of a document type";
const UNCLOSED_REF: &str = "ill-formed document: entity or character reference not closed: \
     `;` not found before end of input";

fn err(pos: usize, msg: &str) -> XmlError {
    XmlError {
        pos,
        msg: msg.to_string(),
    }
}

/// The `key` and `value` attributes of an XES attribute element (the first of each), borrowed
/// from the chunk unless they hold references.
pub(crate) type KeyValue<'a> = (Option<Cow<'a, str>>, Option<Cow<'a, str>>);

/// What a tag is.
#[derive(Debug)]
pub(crate) enum Markup<'a> {
    /// `<name …>`, or `<name …/>` when `empty`; `kv` holds the `key` and `value` attributes (or
    /// why they cannot be read) when the caller asked for them.
    Start {
        name: &'a [u8],
        empty: bool,
        kv: Option<Result<KeyValue<'a>, String>>,
    },
    /// `</name>`.
    End { name: &'a [u8] },
    /// A comment, CDATA section, processing instruction, XML declaration or document type.
    Other,
}

/// One piece of markup: it starts at `at` (its `<`) and ends just before `end`.
#[derive(Debug)]
pub(crate) struct Token<'a> {
    pub at: usize,
    pub end: usize,
    pub markup: Markup<'a>,
}

/// Bytes that end a name in a tag: `>`, `/`, quotes and XML whitespace.
static ENDS_NAME: [bool; 256] = {
    let mut t = [false; 256];
    t[b'>' as usize] = true;
    t[b'/' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t
};

/// XML whitespace.
#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whether an element (by its local name) is an XES attribute.
#[inline]
fn is_attribute_tag(name: &[u8]) -> bool {
    matches!(
        name,
        b"string" | b"date" | b"int" | b"float" | b"boolean" | b"id"
    )
}

/// Whether the `key` and `value` of a start tag are read: those of XES attribute elements
/// inside a trace (most names have no prefix: matched before looking for a `:`).
#[inline(always)]
fn wants_kv(in_trace: bool, name: &[u8]) -> bool {
    in_trace
        && (is_attribute_tag(name) || (name.contains(&b':') && is_attribute_tag(local_name(name))))
}

/// The part of a (possibly prefixed) name after its first `:`.
#[inline]
pub(crate) fn local_name(name: &[u8]) -> &[u8] {
    match name.iter().position(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Index of the `>` that closes a tag, scanning from `from` outside quotes (a `>` inside a
/// quoted value does not close it).
#[inline]
fn tag_end(b: &[u8], from: usize) -> Option<usize> {
    let mut quote = 0u8;
    for (i, &c) in b.get(from..)?.iter().enumerate() {
        if quote == 0 {
            match c {
                b'>' => return Some(from + i),
                b'"' | b'\'' => quote = c,
                _ => {}
            }
        } else if c == quote {
            quote = 0;
        }
    }
    None
}

/// The index of the first `quote` byte from `from`, and whether an `&` comes before it.
/// Values are short: eight bytes at a time in a register beat memchr's set-up.
#[inline]
fn closing_quote(b: &[u8], from: usize, quote: u8) -> Option<(usize, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // the high bit of each byte of `w` equal to `c` (exact up to the first such byte)
    let find = |w: u64, c: u8| {
        let x = w ^ (ONES * u64::from(c));
        x.wrapping_sub(ONES) & !x & HIGH
    };
    let mut amp = false;
    let mut i = from;
    while let Some(word) = b.get(i..i + 8) {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        let w = u64::from_le_bytes(eight);
        let (q, a) = (find(w, quote), find(w, b'&'));
        if q != 0 {
            let at = q.trailing_zeros();
            return Some((
                i + at as usize / 8,
                amp || (a != 0 && a.trailing_zeros() < at),
            ));
        }
        amp |= a != 0;
        i += 8;
    }
    while i < b.len() {
        if b[i] == quote {
            return Some((i, amp));
        }
        amp |= b[i] == b'&';
        i += 1;
    }
    None
}

/// Tokenizes one chunk.
pub(crate) struct Tokenizer<'a> {
    bytes: &'a [u8],
    pos: usize,
    utf8: Utf8<'a>,
}

impl<'a> Tokenizer<'a> {
    /// The chunk is checked as UTF-8 once, so that attribute values need no check of their own.
    pub fn new(bytes: &'a [u8]) -> Self {
        Tokenizer {
            bytes,
            pos: 0,
            utf8: Utf8 {
                bytes,
                text: std::str::from_utf8(bytes).ok(),
            },
        }
    }

    /// The next piece of markup (None at the end of the chunk); text between tags is skipped.
    /// With `in_trace`, the `key` and `value` of XES attribute elements are read.
    #[inline]
    pub fn next(&mut self, in_trace: bool) -> Result<Option<Token<'a>>, XmlError> {
        let Some(p) = self.skip_text(self.pos)? else {
            self.pos = self.bytes.len();
            return Ok(None);
        };
        let t = match self.bytes.get(p + 1) {
            None => return Err(err(p, UNCLOSED_TAG)),
            Some(b'/') => self.end_tag(p)?,
            Some(b'!') => self.bang(p)?,
            Some(b'?') => self.instruction(p)?,
            Some(_) => match self.start_fast(p, in_trace) {
                Some(t) => t,
                None => self.start_exact(p, in_trace)?,
            },
        };
        self.pos = t.end;
        Ok(Some(t))
    }

    /// The commonest XES element read at once: `<string key="K" value="V"/>` (or `date`, `int`,
    /// … — any XES attribute element, unprefixed), after optional whitespace, written exactly
    /// so: one space before each attribute, double quotes, no `&` in either text, nothing after
    /// the value but `/>`, in a chunk of valid UTF-8. Returns the key and the value, and moves
    /// past the tag; returns None and moves nowhere for anything else, which [`Tokenizer::next`]
    /// then reads as it reads every tag (the same key and value for this shape).
    #[inline]
    pub fn empty_attribute(&mut self) -> Option<(&'a str, &'a str)> {
        let b = self.bytes;
        let text = self.utf8.text?;
        let i = self.past_ws(self.pos);
        if b.get(i) != Some(&b'<') {
            return None;
        }
        let name_at = i + 1;
        // the length of the attribute element's name that starts so
        let len = match (b.get(name_at)?, b.get(name_at + 1)?) {
            (b's', _) => 6,
            (b'd', _) => 4,
            (b'i', b'n') => 3,
            (b'i', _) => 2,
            (b'f', _) => 5,
            (b'b', _) => 7,
            _ => return None,
        };
        let space = name_at + len;
        if !is_attribute_tag(b.get(name_at..space)?) {
            return None;
        }
        const KEY: &[u8] = b" key=\"";
        const VALUE: &[u8] = b"\" value=\"";
        const END: &[u8] = b"\"/>";
        if !b[space..].starts_with(KEY) {
            return None;
        }
        let key_at = space + KEY.len();
        let (key_end, amp) = closing_quote(b, key_at, b'"')?;
        if amp || !b[key_end..].starts_with(VALUE) {
            return None;
        }
        let value_at = key_end + VALUE.len();
        let (value_end, amp) = closing_quote(b, value_at, b'"')?;
        if amp || !b[value_end..].starts_with(END) {
            return None;
        }
        let key = text.get(key_at..key_end)?;
        let value = text.get(value_at..value_end)?;
        self.pos = value_end + END.len();
        Some((key, value))
    }

    /// Moves past `tag` (after optional whitespace) when the text there is exactly `tag`; its
    /// position. None, and no move, otherwise.
    #[inline]
    pub fn exact(&mut self, tag: &[u8]) -> Option<usize> {
        let i = self.past_ws(self.pos);
        if self.bytes.get(i..i + tag.len())? != tag {
            return None;
        }
        self.pos = i + tag.len();
        Some(i)
    }

    /// The first position from `i` that is not XML whitespace.
    #[inline]
    fn past_ws(&self, mut i: usize) -> usize {
        let b = self.bytes;
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        i
    }

    /// Position of the next `<` from `i` (None: the chunk ends first); every `&` in the text
    /// must end with a `;` before the next `&` or `<`.
    #[inline]
    fn skip_text(&self, i: usize) -> Result<Option<usize>, XmlError> {
        let b = self.bytes;
        // text between XES tags is usually nothing or a little indentation
        let mut i = self.past_ws(i);
        loop {
            match b.get(i) {
                None => return Ok(None),
                Some(b'<') => return Ok(Some(i)),
                _ => {}
            }
            match memchr::memchr2(b'<', b'&', &b[i..]) {
                None => return Ok(None),
                Some(k) if b[i + k] == b'<' => return Ok(Some(i + k)),
                Some(k) => {
                    let amp = i + k;
                    match memchr::memchr3(b';', b'&', b'<', &b[amp + 1..]) {
                        Some(m) if b[amp + 1 + m] == b';' => i = amp + 2 + m,
                        _ => return Err(err(amp, UNCLOSED_REF)),
                    }
                }
            }
        }
    }

    /// `</name>`, with optional whitespace before the `>`.
    fn end_tag(&self, p: usize) -> Result<Token<'a>, XmlError> {
        let b = self.bytes;
        let mut j = p + 2;
        while j < b.len() && !matches!(b[j], b'>' | b'"' | b'\'' | b' ' | b'\t' | b'\r' | b'\n') {
            j += 1;
        }
        let name = &b[p + 2..j];
        let mut k = j;
        while k < b.len() && is_ws(b[k]) {
            k += 1;
        }
        // (an empty name before whitespace, `</ >`, is read below, as quick-xml reads it)
        if b.get(k) == Some(&b'>') && !(name.is_empty() && k > j) {
            return Ok(Token {
                at: p,
                end: k + 1,
                markup: Markup::End { name },
            });
        }
        // anything else in an end tag (quick-xml reads it as a tag; the name is then checked)
        let gt = tag_end(b, p + 1).ok_or_else(|| err(p, UNCLOSED_TAG))?;
        let content = &b[p + 2..gt];
        let name = match content.iter().rposition(|&c| !is_ws(c)) {
            Some(e) => &content[..=e],
            None => content,
        };
        Ok(Token {
            at: p,
            end: gt + 1,
            markup: Markup::End { name },
        })
    }

    /// `<!--…-->`, `<![CDATA[…]]>` or `<!DOCTYPE …>` (with an internal subset in brackets).
    fn bang(&self, p: usize) -> Result<Token<'a>, XmlError> {
        // as quick-xml: `chunk` starts at the `!`; the first `>` that ends the markup decides
        let chunk = &self.bytes[p + 1..];
        let end = match chunk.get(1) {
            Some(b'[') => {
                let i = memchr::memchr_iter(b'>', chunk)
                    .find(|&i| chunk[..i].ends_with(b"]]"))
                    .filter(|&i| chunk[..i].starts_with(b"![CDATA["))
                    .ok_or_else(|| err(p, UNCLOSED_CDATA))?;
                i + 1
            }
            Some(b'-') => {
                let i = memchr::memchr_iter(b'>', chunk)
                    .find(|&i| i > 4 && chunk[..i].ends_with(b"--"))
                    .filter(|&i| chunk[..i].starts_with(b"!--"))
                    .ok_or_else(|| err(p, UNCLOSED_COMMENT))?;
                i + 1
            }
            Some(b'D' | b'd') => {
                let mut depth = 0usize;
                let mut end = None;
                for i in memchr::memchr2_iter(b'<', b'>', chunk) {
                    if chunk[i] == b'<' {
                        depth += 1;
                    } else if depth == 0 {
                        end = Some(i);
                        break;
                    } else {
                        depth -= 1;
                    }
                }
                let i = end.ok_or_else(|| err(p, UNCLOSED_DOCTYPE))?;
                let buf = &chunk[..i];
                if buf.len() < 8 || !buf[..8].eq_ignore_ascii_case(b"!DOCTYPE") {
                    return Err(err(p, UNCLOSED_DOCTYPE));
                }
                if buf[8..].iter().all(|&c| is_ws(c)) {
                    return Err(err(p + 1 + i, NO_DOCTYPE_NAME));
                }
                i + 1
            }
            _ => return Err(err(p, INVALID_BANG)),
        };
        Ok(Token {
            at: p,
            end: p + 1 + end,
            markup: Markup::Other,
        })
    }

    /// `<?…?>` (a processing instruction or the XML declaration).
    fn instruction(&self, p: usize) -> Result<Token<'a>, XmlError> {
        let chunk = &self.bytes[p + 1..];
        let i = memchr::memchr_iter(b'>', chunk)
            .find(|&i| i > 0 && chunk[i - 1] == b'?')
            .filter(|&i| i > 1)
            .ok_or_else(|| err(p, UNCLOSED_PI))?;
        Ok(Token {
            at: p,
            end: p + 1 + i + 1,
            markup: Markup::Other,
        })
    }

    /// A start tag read in one pass; None when it holds anything unusual (a quote or `/` in a
    /// name, an attribute without `=` or quotes, a value to be rejected, no `>`), which
    /// [`Tokenizer::start_exact`] then reads (or rejects) as quick-xml did.
    #[inline]
    fn start_fast(&self, p: usize, in_trace: bool) -> Option<Token<'a>> {
        let b = self.bytes;
        let n = b.len();
        let mut j = p + 1;
        while j < n && !ENDS_NAME[usize::from(b[j])] {
            j += 1;
        }
        let name = &b[p + 1..j];
        let start = |end: usize, empty: bool, kv: Option<Result<KeyValue<'a>, String>>| Token {
            at: p,
            end,
            markup: Markup::Start { name, empty, kv },
        };
        let none = || Some(Ok((None, None)));
        match *b.get(j)? {
            b'>' => Some(start(
                j + 1,
                false,
                wants_kv(in_trace, name).then(none).flatten(),
            )),
            b'/' if b.get(j + 1) == Some(&b'>') => Some(start(
                j + 2,
                true,
                wants_kv(in_trace, name).then(none).flatten(),
            )),
            b'/' | b'"' | b'\'' => None,
            _ if wants_kv(in_trace, name) => {
                let (kv, gt, empty) = self.key_value_fast(j)?;
                Some(start(gt + 1, empty, Some(Ok(kv))))
            }
            _ => {
                let gt = tag_end(b, j)?;
                Some(start(gt + 1, b[gt - 1] == b'/', None))
            }
        }
    }

    /// The `key` and `value` attributes from `k` (just after the tag's name) to the tag's end:
    /// the attributes, the index of the `>` and whether the tag is empty (`/>`). None: see
    /// [`Tokenizer::start_fast`].
    #[inline]
    fn key_value_fast(&self, mut k: usize) -> Option<(KeyValue<'a>, usize, bool)> {
        let b = self.bytes;
        let n = b.len();
        let (mut key, mut value) = (None, None);
        let skip_ws = |mut i: usize| {
            while i < n && b[i].is_ascii_whitespace() {
                i += 1;
            }
            i
        };
        loop {
            k = skip_ws(k);
            match *b.get(k)? {
                b'>' => return Some(((key, value), k, false)),
                b'/' if b.get(k + 1) == Some(&b'>') => return Some(((key, value), k + 1, true)),
                _ => {}
            }
            let s = k;
            while k < n
                && !b[k].is_ascii_whitespace()
                && !matches!(b[k], b'=' | b'>' | b'/' | b'"' | b'\'')
            {
                k += 1;
            }
            let attr = &b[s..k];
            k = skip_ws(k);
            if b.get(k) != Some(&b'=') {
                return None;
            }
            k = skip_ws(k + 1);
            let quote = *b.get(k)?;
            if quote != b'"' && quote != b'\'' {
                return None;
            }
            let from = k + 1;
            let (to, amp) = closing_quote(b, from, quote)?;
            k = to + 1;
            let slot = match attr {
                b"key" if key.is_none() => &mut key,
                b"value" if value.is_none() => &mut value,
                _ => continue,
            };
            *slot = Some(self.utf8.value(from, to, amp).ok()?);
            if key.is_some() && value.is_some() {
                // the rest of the tag is not read (as before): only where it ends
                return match (b.get(k), b.get(k + 1)) {
                    (Some(b'/'), Some(b'>')) => Some(((key, value), k + 1, true)),
                    (Some(b'>'), _) => Some(((key, value), k, false)),
                    _ => {
                        let gt = tag_end(b, k)?;
                        Some(((key, value), gt, b[gt - 1] == b'/'))
                    }
                };
            }
        }
    }

    /// A start tag read as quick-xml did: up to the first `>` outside quotes; empty when that
    /// text ends with `/`; the name up to the first whitespace; the attributes after it.
    #[cold]
    fn start_exact(&self, p: usize, in_trace: bool) -> Result<Token<'a>, XmlError> {
        let b = self.bytes;
        let gt = tag_end(b, p + 1).ok_or_else(|| err(p, UNCLOSED_TAG))?;
        let mut content = &b[p + 1..gt];
        let empty = content.last() == Some(&b'/');
        if empty {
            content = &content[..content.len() - 1];
        }
        let name_len = content
            .iter()
            .position(|&c| is_ws(c))
            .unwrap_or(content.len());
        let name = &content[..name_len];
        let kv = wants_kv(in_trace, name).then(|| xml_key_value(&content[name_len..], &self.utf8));
        Ok(Token {
            at: p,
            end: gt + 1,
            markup: Markup::Start { name, empty, kv },
        })
    }
}

/// The `key` and `value` attributes of an XES attribute element (the first of each), read in
/// one pass over the tag's attribute text.
fn xml_key_value<'a>(raw: &'a [u8], utf8: &Utf8<'a>) -> Result<KeyValue<'a>, String> {
    let (mut key, mut value) = (None, None);
    let n = raw.len();
    let skip_ws = |mut i: usize| {
        while i < n && raw[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut i = skip_ws(0);
    while i < n {
        let start = i;
        while i < n && !raw[i].is_ascii_whitespace() && raw[i] != b'=' {
            i += 1;
        }
        let name = &raw[start..i];
        let shown = || super::quoted(&String::from_utf8_lossy(name));
        i = skip_ws(i);
        if raw.get(i) != Some(&b'=') {
            return Err(format!("attribute {} has no value", shown()));
        }
        i = skip_ws(i + 1);
        let Some(&quote @ (b'"' | b'\'')) = raw.get(i) else {
            return Err(format!("the value of attribute {} is not quoted", shown()));
        };
        let Some(len) = raw[i + 1..].iter().position(|&b| b == quote) else {
            return Err(format!("the value of attribute {} is not closed", shown()));
        };
        let text = &raw[i + 1..i + 1 + len];
        i = skip_ws(i + len + 2);
        let slot = match name {
            b"key" if key.is_none() => &mut key,
            b"value" if value.is_none() => &mut value,
            _ => continue,
        };
        *slot = Some(utf8.text(text, text.contains(&b'&'))?);
        if key.is_some() && value.is_some() {
            break;
        }
    }
    Ok((key, value))
}

/// A chunk's bytes and, when they are valid UTF-8, the same as text.
struct Utf8<'a> {
    bytes: &'a [u8],
    text: Option<&'a str>,
}

impl<'a> Utf8<'a> {
    /// `part` (a slice of the chunk) as text.
    #[inline]
    fn str(&self, part: &'a [u8]) -> Result<&'a str, std::str::Utf8Error> {
        let start = (part.as_ptr() as usize).wrapping_sub(self.bytes.as_ptr() as usize);
        let inside = start <= self.bytes.len() && part.len() <= self.bytes.len() - start;
        match self.text.filter(|_| inside) {
            // a slice of valid UTF-8 cut at ASCII quotes is valid UTF-8; `get` checks anyway
            Some(t) => match t.get(start..start + part.len()) {
                Some(s) => Ok(s),
                None => std::str::from_utf8(part),
            },
            None => std::str::from_utf8(part),
        }
    }

    /// [`Utf8::text`] of the chunk's bytes `from..to`.
    #[inline]
    fn value(&self, from: usize, to: usize, amp: bool) -> Result<Cow<'a, str>, String> {
        match self.text.and_then(|t| t.get(from..to)) {
            Some(s) if !amp => Ok(Cow::Borrowed(s)),
            _ => self.text(&self.bytes[from..to], amp),
        }
    }

    /// The text of an attribute value: UTF-8, with its entity and character references
    /// replaced when it holds an `&` (borrowed otherwise).
    #[inline]
    fn text(&self, raw: &'a [u8], amp: bool) -> Result<Cow<'a, str>, String> {
        let s = self.str(raw).map_err(|e| e.to_string())?;
        if !amp {
            return Ok(Cow::Borrowed(s));
        }
        quick_xml::escape::unescape(s).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::{Markup, Tokenizer, XmlError};

    /// Every token of `text` as a short string (the key and value of every XES attribute
    /// element read), or the error.
    fn tokens(text: &str) -> Result<Vec<String>, XmlError> {
        let mut t = Tokenizer::new(text.as_bytes());
        let mut got = Vec::new();
        while let Some(tok) = t.next(true)? {
            let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            got.push(match tok.markup {
                Markup::Start { name, empty, kv } => {
                    let kv = match kv {
                        None => String::new(),
                        Some(Ok((k, v))) => format!(" {k:?}={v:?}"),
                        Some(Err(e)) => format!(" error {e}"),
                    };
                    format!("<{}{}{}>", s(name), kv, if empty { "/" } else { "" })
                }
                Markup::End { name } => format!("</{}>", s(name)),
                Markup::Other => "other".to_string(),
            });
            assert!(text.as_bytes()[tok.at] == b'<' && text.as_bytes()[tok.end - 1] == b'>');
        }
        Ok(got)
    }

    fn error_at(text: &str) -> (usize, String) {
        let e = tokens(text).expect_err(text);
        (e.pos, e.msg)
    }

    #[test]
    fn closing_quotes_and_ampersands_are_found_at_every_offset() {
        for len in 0..40usize {
            for amp_at in [None, Some(0), Some(len / 2), Some(len.saturating_sub(1))] {
                let mut v = vec![b'x'; len];
                if let (Some(a), true) = (amp_at, len > 0) {
                    v[a] = b'&';
                }
                let amp = amp_at.is_some() && len > 0;
                for quote in [b'"', b'\''] {
                    let mut text = b"key=".to_vec();
                    text.push(quote);
                    text.extend_from_slice(&v);
                    text.push(quote);
                    text.extend_from_slice(b" & x\" '&");
                    assert_eq!(
                        super::closing_quote(&text, 5, quote),
                        Some((5 + len, amp)),
                        "{len} {amp_at:?}"
                    );
                    assert_eq!(super::closing_quote(&text[..5 + len], 5, quote), None);
                }
            }
        }
    }

    #[test]
    fn tags_empty_elements_and_end_tags_with_spaces() {
        assert_eq!(
            tokens("<log>\n  <trace><event/><event ></event >\n</trace\n></log>").unwrap(),
            ["<log>", "<trace>", "<event/>", "<event>", "</event>", "</trace>", "</log>"]
        );
        assert_eq!(tokens("<x:log a=\"1\" b='2' / >").unwrap(), ["<x:log>"]);
        assert_eq!(tokens("<x:log a=\"1\"/>").unwrap(), ["<x:log/>"]);
    }

    #[test]
    fn key_and_value_are_read_with_any_quotes_spacing_and_order() {
        assert_eq!(
            tokens(
                "<string key=\"a\" value=\"b\"/><date value='2' key='d'></date>\
                 <string\tkey\n=\r\n\"k\"  value =  'x\"y' /><string key=\"k\"/>"
            )
            .unwrap(),
            [
                "<string Some(\"a\")=Some(\"b\")/>",
                "<date Some(\"d\")=Some(\"2\")>",
                "</date>",
                "<string Some(\"k\")=Some(\"x\\\"y\")/>",
                "<string Some(\"k\")=None/>",
            ]
        );
        // the first key and value count; what follows them is not read
        assert_eq!(
            tokens("<string junk=\"1\" key=\"a\" key=\"b\" value=\"c\" value=\"d\" e f/>").unwrap(),
            ["<string Some(\"a\")=Some(\"c\")/>"]
        );
    }

    #[test]
    fn a_gt_or_slash_inside_a_quoted_value_does_not_end_the_tag() {
        assert_eq!(
            tokens("<string key=\"a>b\" value='/>'/><log a=\">\" b='\"'><i a=\"/\"/></log>")
                .unwrap(),
            [
                "<string Some(\"a>b\")=Some(\"/>\")/>",
                "<log>",
                "<i/>",
                "</log>"
            ]
        );
    }

    #[test]
    fn entities_are_replaced_in_values_and_checked_in_text() {
        assert_eq!(
            tokens("<string key=\"k&amp;&lt;\" value=\"&#99;&#x64;&quot;&apos;&gt;\"/>a &amp; b")
                .unwrap(),
            ["<string Some(\"k&<\")=Some(\"cd\\\"'>\")/>"]
        );
        let bad = tokens("<string key=\"k\" value=\"a & b\"/>").unwrap();
        assert!(
            bad[0].contains("error") && bad[0].contains("';'"),
            "{bad:?}"
        );
        let bad = tokens("<string key=\"k\" value=\"&nope;\"/>").unwrap();
        assert!(
            bad[0].contains("error") && bad[0].contains("nope"),
            "{bad:?}"
        );
        let (at, msg) = error_at("<log>a &amp b</log>");
        assert_eq!(at, 7);
        assert!(msg.contains("reference not closed"), "{msg}");
    }

    #[test]
    fn comments_cdata_instructions_and_doctypes_are_skipped() {
        assert_eq!(
            tokens(
                "<?xml version=\"1.0\"?><!DOCTYPE log [<!ENTITY a \"<x>\">]><log><!-- <a> -- -->\
                 <![CDATA[ </log> <b> ]]><?pi </log> ?><!---->x</log>"
            )
            .unwrap(),
            ["other", "other", "<log>", "other", "other", "other", "other", "</log>"]
        );
    }

    #[test]
    fn malformed_markup_is_reported_at_its_lt() {
        let cases: [(&str, usize, &str); 10] = [
            ("<log><", 5, "tag not closed"),
            (
                "<log><string key=\"a\" value=\"b/>\n</log>",
                5,
                "tag not closed",
            ),
            ("<log></log", 5, "tag not closed"),
            ("<log><!x>", 5, "unknown or missed symbol"),
            ("<log><!-- x ->", 5, "comment not closed"),
            ("<log><![CDAT[x]]>", 5, "CDATA not closed"),
            ("<log><?>", 5, "`?>` not found"),
            ("<log><?x >", 5, "`?>` not found"),
            ("<!Dx>", 0, "DOCTYPE not closed"),
            ("<!DOCTYPE >", 10, "does not contain a name"),
        ];
        for (text, at, words) in cases {
            let (got_at, msg) = error_at(text);
            assert_eq!(got_at, at, "{text}: {msg}");
            assert!(msg.contains(words), "{text}: {msg}");
        }
    }

    #[test]
    fn unusual_attribute_text_is_read_as_before() {
        // these take the careful path: the same result as a tag read whole
        let got =
            tokens("<string key=\"a\" value/><string key=c/><string k\"e\"y=\"a\" value=\"b\"/>")
                .unwrap();
        assert_eq!(
            got,
            [
                "<string error attribute \"value\" has no value/>",
                "<string error the value of attribute \"key\" is not quoted/>",
                "<string None=Some(\"b\")/>",
            ]
        );
        // an end tag of whitespace only keeps it as its name, as quick-xml does (found by the
        // property test below)
        assert_eq!(tokens("<trace></ >").unwrap(), ["<trace>", "</ >"]);
        assert_eq!(tokens("<trace></>").unwrap(), ["<trace>", "</>"]);
        // a `/` inside a name: the name runs to the first whitespace
        assert_eq!(tokens("<a/b x=\"1\"/>").unwrap(), ["<a/b/>"]);
        // `/ >` is not an empty-element end
        assert_eq!(
            tokens("<string key=\"a\" value=\"b\" / >").unwrap(),
            ["<string Some(\"a\")=Some(\"b\")>"]
        );
    }

    /// What quick-xml's reader (end names unchecked, as the tokenizer) makes of `text`: the
    /// tags as [`tokens`] spells them without key and value, or the error's position and
    /// message.
    fn quick(text: &str) -> Result<Vec<String>, (usize, String)> {
        use quick_xml::events::Event;
        let mut r = quick_xml::Reader::from_reader(text.as_bytes());
        r.config_mut().check_end_names = false;
        let name = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let mut out = Vec::new();
        loop {
            match r.read_event() {
                Ok(Event::Start(e)) => out.push(format!("<{}>", name(e.name().as_ref()))),
                Ok(Event::Empty(e)) => out.push(format!("<{}/>", name(e.name().as_ref()))),
                Ok(Event::End(e)) => out.push(format!("</{}>", name(e.name().as_ref()))),
                Ok(Event::Text(_) | Event::GeneralRef(_)) => {}
                Ok(Event::Eof) => return Ok(out),
                Ok(_) => out.push("other".into()),
                Err(e) => return Err((r.error_position() as usize, trim_close_tag(e.to_string()))),
            }
        }
    }

    /// A message quoting a close tag, with the spaces around the quoted name dropped: the two
    /// readers cut an end tag's name differently where it holds white space (`</ a>`), which is
    /// a spelling of the message, not a difference in what is accepted.
    fn trim_close_tag(mut msg: String) -> String {
        let open = "close tag `</";
        if let (Some(a), Some(b)) = (msg.find(open), msg.find(">` does not")) {
            let name = msg[a + open.len()..b].trim().to_string();
            msg.replace_range(a + open.len()..b, &name);
        }
        msg
    }

    /// The tokenizer's answer in the same spelling, with the one rule the XES reader's element
    /// stack adds on top of it (`eventlog::xes_log`): a close tag with nothing open is an error.
    fn ours(text: &str) -> Result<Vec<String>, (usize, String)> {
        let mut t = Tokenizer::new(text.as_bytes());
        let mut got = Vec::new();
        let mut depth = 0usize;
        loop {
            match t.next(false) {
                Ok(None) => return Ok(got),
                Ok(Some(tok)) => {
                    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                    got.push(match tok.markup {
                        Markup::Start { name, empty, .. } => {
                            depth += usize::from(!empty);
                            format!("<{}{}>", s(name), if empty { "/" } else { "" })
                        }
                        Markup::End { name } => {
                            if depth == 0 {
                                return Err((
                                    tok.at,
                                    trim_close_tag(format!(
                                        "ill-formed document: close tag `</{}>` does not match any open tag",
                                        s(name)
                                    )),
                                ));
                            }
                            depth -= 1;
                            format!("</{}>", s(name))
                        }
                        Markup::Other => "other".to_string(),
                    })
                }
                Err(e) => return Err((e.pos, e.msg)),
            }
        }
    }

    /// Pieces XES and its malformed variants are made of.
    const PIECES: &[&str] = &[
        "<log>",
        "</log>",
        "<trace>",
        "</trace >",
        "<event/>",
        "<event >",
        "<string key=\"k\" value=\"v\"/>",
        "<date key='t' value='2025'/>",
        "<a b=\"1\" c='2'>",
        "</a>",
        "<x:y/>",
        "<a/b x=\"1\"/>",
        "<!-- c -->",
        "<!---->",
        "<![CDATA[ <x> ]]>",
        "<?pi data?>",
        "<?xml version=\"1.0\"?>",
        "<!DOCTYPE log>",
        "<!DOCTYPE log [<!ENTITY a \"<b>\">]>",
        "text",
        " ",
        "\n",
        "&amp;",
        "&#65;",
        "&",
        ";",
        "<",
        ">",
        "/",
        "\"",
        "'",
        "!",
        "?",
        "-",
        "[",
        "]",
        "=",
        "<!",
        "<?",
        "</",
        "<![",
        "<!-",
        "-->",
        "]]>",
        "?>",
        "a",
        "é",
    ];

    /// A deterministic sweep over the same pieces: both answers agree, and the inputs are
    /// accepted and rejected often enough for the comparison to mean something.
    #[test]
    fn tokenizer_and_quick_xml_agree_on_a_sweep_with_both_outcomes() {
        let (mut ok, mut bad) = (0, 0);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut text = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for k in 0..(x % 9) {
                text.push_str(PIECES[((x >> (6 * k + 8)) % PIECES.len() as u64) as usize]);
            }
            let (a, b) = (ours(&text), quick(&text));
            assert_eq!(a, b, "{text:?}");
            if a.is_ok() {
                ok += 1;
            } else {
                bad += 1;
            }
        }
        assert!(ok > 2_000 && bad > 2_000, "{ok} accepted, {bad} rejected");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// On any concatenation of XES pieces and stray markup characters the tokenizer
        /// accepts exactly what quick-xml accepts, with the same tags, and rejects what it
        /// rejects at the same position with the same message.
        #[test]
        fn tokenizer_accepts_and_rejects_what_quick_xml_does(
            parts in proptest::collection::vec(0..PIECES.len(), 0..14)
        ) {
            let text: String = parts.iter().map(|i| PIECES[*i]).collect();
            proptest::prop_assert_eq!(ours(&text), quick(&text), "{:?}", text);
        }
    }
}
