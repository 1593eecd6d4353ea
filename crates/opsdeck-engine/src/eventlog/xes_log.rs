//! Event logs in XES (plain or gzip), streamed in chunks of whole traces (never a whole-file
//! DOM), each parsed on a worker by the XML tokenizer into its shard.

use super::*;

/// Keys of the attributes read from XES: per slot, the key and whether it is a trace attribute.
struct XesKeys {
    slots: Vec<(String, bool)>,
    ts: String,
}

/// Where the parser is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Log,
    Trace,
    Event,
    /// Anything else (globals, classifiers, extensions, nested attributes): skipped.
    Other,
}

/// The trace being read, its values already interned in the worker's dictionaries. The
/// buffers are reused from trace to trace, so reading allocates nothing per event.
#[derive(Default)]
struct TraceBuf {
    line: u64,
    /// Per slot, the trace attribute's local id and whether it is blank (None: the trace has no
    /// such attribute; only trace slots are filled).
    trace_vals: Vec<Option<(u32, bool)>>,
    /// `n_slots` local ids per event (`NONE`: no value) and whether each is blank.
    ids: Vec<u32>,
    blank: Vec<bool>,
    /// Per event: its timestamp (None: no timestamp attribute) and its line.
    ts: Vec<Option<TsRead>>,
    lines: Vec<u64>,
    /// One event's ids as handed to the shard.
    row: Vec<u32>,
}

impl TraceBuf {
    fn start(&mut self, line: u64, n_slots: usize) {
        self.line = line;
        self.trace_vals.clear();
        self.trace_vals.resize(n_slots, None);
        self.ids.clear();
        self.blank.clear();
        self.ts.clear();
        self.lines.clear();
    }

    fn start_event(&mut self, line: u64, n_slots: usize) {
        self.ids.extend(std::iter::repeat_n(NONE, n_slots));
        self.blank.extend(std::iter::repeat_n(true, n_slots));
        self.ts.push(None);
        self.lines.push(line);
    }
}

struct XesChunk {
    index: u64,
    /// The chunk is `buf[..len]`; the rest of `buf` is initialized bytes kept for reuse.
    buf: Vec<u8>,
    len: usize,
}

impl XesChunk {
    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

#[derive(Default)]
struct XesOutcome {
    /// Fatal problems (malformed XML), as (line within the chunk, counted from 0, message).
    fatal: Option<(u64, String)>,
    saw_log_start: bool,
    saw_log_end: bool,
    events_seen: u64,
    /// Newlines in the chunk (the line numbers of later chunks start after them).
    newlines: u64,
    /// The chunk's issues in its shard's list (their lines are counted within the chunk).
    issues: std::ops::Range<usize>,
}

/// Counts newlines up to a byte position that only moves forward.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
    /// Whether the bytes hold a newline at all (else every position is on line 0).
    any: bool,
}

impl Lines<'_> {
    #[inline]
    fn at(&mut self, pos: usize) -> u64 {
        let pos = pos.min(self.bytes.len());
        if self.any && pos > self.at {
            self.line += newlines(&self.bytes[self.at..pos]);
            self.at = pos;
        }
        self.line
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Parse one chunk of whole traces (the first chunk also holds the prolog). Lines are counted
/// from the chunk's start; the caller shifts them once every chunk's newlines are known.
fn parse_xes_chunk(
    chunk: &XesChunk,
    keys: &XesKeys,
    shard: &mut Shard,
    trace: &mut TraceBuf,
    out: &mut XesOutcome,
) {
    let first_issue = shard.issues.len();
    out.newlines = newlines(chunk.bytes());
    parse_xes_elements(chunk, keys, shard, trace, out);
    out.issues = first_issue..shard.issues.len();
}

fn parse_xes_elements(
    chunk: &XesChunk,
    keys: &XesKeys,
    shard: &mut Shard,
    trace: &mut TraceBuf,
    out: &mut XesOutcome,
) {
    // generated and real XES logs take some 150 to 500 bytes per event
    shard.begin(chunk.index, chunk.len / 160);
    let bytes = chunk.bytes();
    let n_slots = keys.slots.len();
    let mut tokens = Tokenizer::new(bytes);
    let mut lines = Lines {
        bytes,
        at: 0,
        line: 0,
        any: out.newlines > 0,
    };
    let line_at = |pos: usize| newlines(&bytes[..pos.min(bytes.len())]);
    // open elements: level, where the name starts in `names`, where the tag starts
    let mut stack: Vec<(Level, usize, usize)> = Vec::new();
    let mut names: Vec<u8> = Vec::new();
    trace.start(0, n_slots);
    loop {
        let parent = stack.last().map(|x| x.0);
        let in_trace = matches!(parent, Some(Level::Trace | Level::Event));
        if let Some(p @ (Level::Trace | Level::Event)) = parent {
            // most of a trace is attribute elements of one shape, `<event>` and `</event>`:
            // read without a token, with the same effect as below
            while let Some((key, value)) = tokens.empty_attribute() {
                attribute(p, key, value, keys, shard, trace);
            }
            if p == Level::Trace {
                if let Some(at) = tokens.exact(b"<event>") {
                    out.events_seen += 1;
                    trace.start_event(lines.at(at), n_slots);
                    stack.push((Level::Event, names.len(), at));
                    names.extend_from_slice(b"event");
                    continue;
                }
            } else if tokens.exact(b"</event>").is_some() {
                // the open element is an event (its local name is `event`); closing an event
                // does nothing more
                if let Some((_, name_at, _)) = stack.pop() {
                    names.truncate(name_at);
                }
                continue;
            }
        }
        let token = match tokens.next(in_trace) {
            Ok(Some(t)) => t,
            Ok(None) => break,
            Err(e) => {
                out.fatal = Some((line_at(e.pos), format!("malformed XML: {}", e.msg)));
                return;
            }
        };
        match token.markup {
            Markup::Start { name, empty, kv } => {
                let tag_pos = token.at;
                let name = local_name(name);
                let parent = stack.last().map(|x| x.0);
                let level = match (parent, name) {
                    (None, b"log") => {
                        // chunks after the first begin with a synthetic <log> (see `read_xes_log`)
                        out.saw_log_start |= chunk.index == 0;
                        Level::Log
                    }
                    (None, _) => {
                        let shown = tag_name(name);
                        out.fatal = Some((
                            line_at(tag_pos),
                            format!(
                                "not an XES log: the root element is <{shown}>, expected <log>"
                            ),
                        ));
                        return;
                    }
                    (Some(Level::Log), b"trace") => {
                        trace.start(lines.at(tag_pos), n_slots);
                        Level::Trace
                    }
                    (Some(Level::Trace), b"event") => {
                        out.events_seen += 1;
                        trace.start_event(lines.at(tag_pos), n_slots);
                        Level::Event
                    }
                    (Some(p @ (Level::Trace | Level::Event)), tag) if kv.is_some() => {
                        let (key, value) = match kv {
                            Some(Ok((Some(k), Some(v)))) => (k, v),
                            Some(Err(e)) => {
                                out.fatal = Some((
                                    line_at(tag_pos),
                                    format!(
                                        "malformed XML attribute: {}",
                                        crate::io::excerpt(&e, 300)
                                    ),
                                ));
                                return;
                            }
                            _ => {
                                let shown = tag_name(tag);
                                out.fatal = Some((
                                    line_at(tag_pos),
                                    format!("<{shown}> needs both a key and a value attribute"),
                                ));
                                return;
                            }
                        };
                        attribute(p, &key, &value, keys, shard, trace);
                        Level::Other
                    }
                    _ => Level::Other,
                };
                if empty {
                    // an empty <trace/> or <event/> closes at once
                    close(level, keys, shard, trace);
                } else {
                    stack.push((level, names.len(), tag_pos));
                    names.extend_from_slice(name);
                }
            }
            Markup::End { name } => {
                let Some((level, name_at, _)) = stack.pop() else {
                    let shown = tag_name(name);
                    out.fatal = Some((
                        line_at(token.at),
                        format!(
                            "malformed XML: ill-formed document: close tag `</{shown}>` does not \
                             match any open tag"
                        ),
                    ));
                    return;
                };
                let name = local_name(name);
                if name != &names[name_at..] {
                    let shown = tag_name(name);
                    let want = tag_name(&names[name_at..]);
                    out.fatal = Some((
                        line_at(token.end),
                        format!("malformed XML: expected </{want}>, found </{shown}>"),
                    ));
                    return;
                }
                names.truncate(name_at);
                if level == Level::Log {
                    out.saw_log_end = true;
                }
                close(level, keys, shard, trace);
            }
            Markup::Other => {}
        }
    }
    if let Some(&(_, name_at, pos)) = stack.iter().rev().find(|x| x.0 != Level::Log) {
        let end = stack
            .iter()
            .find(|x| x.1 > name_at)
            .map_or(names.len(), |x| x.1);
        let shown = tag_name(&names[name_at..end]);
        out.fatal = Some((
            line_at(pos),
            format!("the file ends inside <{shown}> opened on this line (truncated?)"),
        ));
    }
}

/// A tag name for a message: at most [`MAX_QUOTE`](crate::io::text::MAX_QUOTE) bytes of it.
fn tag_name(name: &[u8]) -> String {
    crate::io::excerpt(&String::from_utf8_lossy(name), crate::io::text::MAX_QUOTE)
}

/// An attribute of the trace or event being read (`parent`): kept in the slots that read its
/// key.
#[inline]
fn attribute(
    parent: Level,
    key: &str,
    value: &str,
    keys: &XesKeys,
    shard: &mut Shard,
    trace: &mut TraceBuf,
) {
    if parent == Level::Trace {
        // the first attribute of a key counts, for every slot reading it
        for (slot, (k, is_trace)) in keys.slots.iter().enumerate() {
            if *is_trace && same(k, key) && trace.trace_vals[slot].is_none() {
                let id = if slot == CASE {
                    shard.intern_new(slot, value)
                } else {
                    shard.intern(slot, value)
                };
                trace.trace_vals[slot] = Some((id, shard.is_blank(value)));
            }
        }
    } else if same(&keys.ts, key) {
        // the last timestamp of an event counts
        let ts = shard.read_timestamp(value);
        if let Some(last) = trace.ts.last_mut() {
            *last = Some(ts);
        }
    } else if let Some(slot) = keys
        .slots
        .iter()
        .position(|(k, is_trace)| !is_trace && same(k, key))
    {
        // the last value of a key counts, in the first slot reading it
        let at = trace.ids.len() - keys.slots.len() + slot;
        trace.ids[at] = shard.intern(slot, value);
        trace.blank[at] = shard.is_blank(value);
    }
}

/// A trace ends: its events go to the shard (an event's end needs nothing: its values are
/// already in the trace).
fn close(level: Level, keys: &XesKeys, shard: &mut Shard, t: &mut TraceBuf) {
    if level != Level::Trace {
        return;
    }
    let n_slots = keys.slots.len();
    if t.trace_vals[CASE].is_none() && !t.lines.is_empty() {
        shard.issue(
            t.line,
            &keys.slots[CASE].0,
            format!(
                "the trace has no {:?} attribute; its {} events are left out",
                keys.slots[CASE].0,
                t.lines.len()
            ),
        );
        return;
    }
    for e in 0..t.lines.len() {
        let line = t.lines[e];
        let Some(ts) = t.ts[e].take() else {
            shard.issue(line, &keys.ts, "the event has no timestamp".into());
            continue;
        };
        let blank = |slot: usize| {
            if keys.slots[slot].1 {
                t.trace_vals[slot].is_none_or(|v| v.1)
            } else {
                t.blank[e * n_slots + slot]
            }
        };
        if let Some(name) = [(CASE, "case"), (ACT, "activity")]
            .into_iter()
            .find_map(|(slot, name)| blank(slot).then_some(name))
        {
            shard.issue(line, name, "is empty".into());
            continue;
        }
        shard.count_timestamp(&ts);
        let ts_us = match ts.micros {
            Ok(us) => us,
            Err(why) => {
                shard.issue(line, &keys.ts, why);
                continue;
            }
        };
        t.row.clear();
        for (slot, (_, is_trace)) in keys.slots.iter().enumerate() {
            t.row.push(if *is_trace {
                t.trace_vals[slot].map_or(NONE, |v| v.0)
            } else {
                t.ids[e * n_slots + slot]
            });
        }
        shard.push_ids(&t.row, ts_us, line);
    }
}

const SYNTHETIC_LOG: &[u8] = b"<log>";

/// Bytes of XES per chunk handed to a worker (a chunk ends after a `</trace>`).
pub(super) const XES_CHUNK: usize = 256 << 10;

/// Finds where a growing buffer of XES can be cut: just past the last `</trace>` that is a
/// tag, not text inside a comment, a CDATA section or a processing instruction. It looks only
/// for the rare `<!` and `<?` that open those (elsewhere in XML `<` cannot be text), and
/// carries its state across reads, so every byte is examined about once. After a document
/// type declaration with an internal subset it stops cutting (the rest is one chunk).
#[derive(Debug, Default)]
pub(super) struct XesCutter {
    /// Bytes before this have been examined.
    pos: usize,
    /// Inside markup that ends with this text.
    open: Option<&'static [u8]>,
    /// Just past the last `</trace>` tag before `pos`.
    pub(super) cut: Option<usize>,
    never: bool,
}

impl XesCutter {
    const END: &'static [u8] = b"</trace>";

    pub(super) fn scan(&mut self, buf: &[u8]) {
        while !self.never {
            if let Some(term) = self.open {
                match memchr::memmem::find(&buf[self.pos..], term) {
                    Some(i) => {
                        self.pos += i + term.len();
                        self.open = None;
                    }
                    None => {
                        // a terminator may be split by the end of the buffer
                        self.pos = self.pos.max(buf.len().saturating_sub(term.len() - 1));
                        return;
                    }
                }
                continue;
            }
            let rest = &buf[self.pos..];
            let markup = memchr::memchr2_iter(b'!', b'?', rest)
                .find(|&i| i > 0 && rest[i - 1] == b'<')
                .map(|i| i - 1);
            let text = &rest[..markup.unwrap_or(rest.len())];
            if let Some(i) = memchr::memmem::rfind(text, Self::END) {
                self.cut = Some(self.pos + i + Self::END.len());
            }
            let Some(m) = markup else {
                // `</trace>` or `<!` may be split by the end of the buffer
                let back = buf.len().saturating_sub(Self::END.len() - 1);
                self.pos = self.pos.max(back).max(self.cut.unwrap_or(0));
                return;
            };
            let at = self.pos + m;
            let tail = &buf[at..];
            let (skip, term): (usize, &'static [u8]) = if tail.starts_with(b"<!--") {
                (4, b"-->")
            } else if tail.starts_with(b"<![CDATA[") {
                (9, b"]]>")
            } else if tail.starts_with(b"<?") {
                (2, b"?>")
            } else if b"<!--".starts_with(tail) || b"<![CDATA[".starts_with(tail) {
                self.pos = at; // not enough bytes to tell yet
                return;
            } else {
                // <!DOCTYPE …>: a simple one ends at its first '>'
                match memchr::memchr(b'>', tail) {
                    None => {
                        self.pos = at;
                        return;
                    }
                    Some(j) if !tail[..j].iter().any(|b| matches!(b, b'[' | b'"' | b'\'')) => {
                        self.pos = at + j + 1;
                        continue;
                    }
                    Some(_) => {
                        self.never = true;
                        return;
                    }
                }
            };
            self.pos = at + skip;
            self.open = Some(term);
        }
    }

    /// The buffer was cut at `cut` and now starts with `prefix` bytes of its own.
    fn shift(&mut self, cut: usize, prefix: usize) {
        self.pos = self.pos - cut + prefix;
        self.cut = None;
    }
}

pub(super) fn read_xes_log(
    path: &Path,
    opts: &LogOptions,
    progress: Progress,
    chunk_bytes: usize,
) -> Result<(Vec<Shard>, Columns, u64)> {
    let case = opts.case.clone().unwrap_or_else(|| "concept:name".into());
    let activity = opts
        .activity
        .clone()
        .unwrap_or_else(|| "concept:name".into());
    let timestamp = opts
        .timestamp
        .clone()
        .unwrap_or_else(|| "time:timestamp".into());
    let resource = opts
        .resource
        .clone()
        .unwrap_or_else(|| "org:resource".into());
    let slot = |k: &str| match k.strip_prefix("case:") {
        Some(rest) => (rest.to_string(), true),
        None => (k.to_string(), false),
    };
    // the case key is a trace attribute even without the prefix
    let mut slots = vec![
        (
            case.strip_prefix("case:").unwrap_or(&case).to_string(),
            true,
        ),
        slot(&activity),
        slot(&resource),
    ];
    slots.push(opts.team.as_deref().map_or((String::new(), false), slot));
    let keep: Vec<String> =
        match &opts.keep {
            Keep::Named(n) => n.clone(),
            // XES has no header: keeping every attribute would need a first pass; refuse clearly
            Keep::All => return Err(EngineError::invalid(
                "keep",
                "keeping all attributes is supported for CSV only; name the XES attributes to keep",
            )),
            Keep::None => Vec::new(),
        };
    let lifecycle = match &opts.lifecycle {
        Lifecycle::Off => None,
        Lifecycle::Auto => Some(XES_LIFECYCLE),
        Lifecycle::Column(c) => Some(c.as_str()),
    };
    // an event key is read by one slot only: a column already read is not read again
    let mut read = vec![activity.as_str(), resource.as_str()];
    read.extend(opts.team.as_deref());
    let attributes: Vec<String> = extra_columns(keep, opts, lifecycle, &read, &timestamp)?
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    slots.extend(attributes.iter().map(|a| slot(a)));
    let keys = XesKeys {
        slots,
        ts: timestamp.clone(),
    };
    let columns = Columns {
        case,
        activity,
        timestamp,
        resource: Some(resource),
        team: opts.team.clone(),
        attributes,
        lifecycle: lifecycle.map(str::to_string),
    };
    let mut r = open_decoded(path, progress)?;
    let n_workers = workers();
    let (tx, rx) = mpsc::sync_channel::<XesChunk>(n_workers);
    let rx = Arc::new(Mutex::new(rx));
    // parsed chunks' buffers come back to be filled again: no page faults, no zero-filling
    let (give_back, returned) = mpsc::channel::<Vec<u8>>();
    let n_slots = keys.slots.len();
    let (read, read_err) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n_workers)
            .map(|_| {
                let rx = Arc::clone(&rx);
                let give_back = give_back.clone();
                let keys = &keys;
                let mut shard = Shard::new(n_slots, opts);
                scope.spawn(move || {
                    let mut outs = Vec::new();
                    let mut trace = TraceBuf::default();
                    loop {
                        let next = match rx.lock() {
                            Ok(g) => g.recv(),
                            Err(_) => break,
                        };
                        let Ok(chunk) = next else { break };
                        let mut o = XesOutcome::default();
                        parse_xes_chunk(&chunk, keys, &mut shard, &mut trace, &mut o);
                        outs.push((chunk.index, o));
                        // the reader may be done already: then the buffer is simply dropped
                        let _ = give_back.send(chunk.buf);
                    }
                    (shard, outs)
                })
            })
            .collect();
        drop(rx);
        drop(give_back);
        let block = (chunk_bytes / 4).clamp(1, 64 << 10);
        // `buf[..filled]` is read; all of `buf` is initialized, so reads go straight into it
        let mut buf: Vec<u8> = vec![0; chunk_bytes + block];
        let mut filled = 0usize;
        let mut cutter = XesCutter::default();
        // buffers made so far: one per worker, one queued and the one being filled are enough
        let mut made = 1usize;
        let (mut index, mut err) = (0u64, None);
        loop {
            if buf.len() < filled + block {
                buf.resize(filled + block, 0);
            }
            let k = match r.read(&mut buf[filled..filled + block]) {
                Ok(k) => k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    err = Some(input_err(
                        path,
                        format!("file is truncated or corrupt ({e})"),
                    ));
                    break;
                }
            };
            filled += k;
            let cut = if k == 0 {
                Some(filled)
            } else if filled >= chunk_bytes {
                cutter.scan(&buf[..filled]);
                cutter.cut
            } else {
                None
            };
            if let Some(cut) = cut.filter(|&c| c > 0) {
                // the next chunk opens with a synthetic <log> so that the XML reader sees its
                // </log> (or nothing) as balanced; it holds no newline, so lines stay exact
                let tail = filled - cut;
                let want = (SYNTHETIC_LOG.len() + tail + block).max(chunk_bytes + block);
                // a new buffer comes zeroed from the allocator (fresh pages: no memset)
                let mut next = match returned.try_recv() {
                    Ok(b) => b,
                    // wait for a worker to finish one (if none is left, make one)
                    Err(_) if made >= n_workers + 2 => {
                        returned.recv().unwrap_or_else(|_| vec![0; want])
                    }
                    Err(_) => {
                        made += 1;
                        vec![0; want]
                    }
                };
                if next.len() < want {
                    next.resize(want, 0);
                }
                next[..SYNTHETIC_LOG.len()].copy_from_slice(SYNTHETIC_LOG);
                next[SYNTHETIC_LOG.len()..SYNTHETIC_LOG.len() + tail]
                    .copy_from_slice(&buf[cut..filled]);
                filled = SYNTHETIC_LOG.len() + tail;
                if k > 0 {
                    cutter.shift(cut, SYNTHETIC_LOG.len());
                }
                let buf = std::mem::replace(&mut buf, next);
                let chunk = XesChunk {
                    index,
                    buf,
                    len: cut,
                };
                if tx.send(chunk).is_err() {
                    break;
                }
                index += 1;
            }
            if k == 0 {
                break;
            }
        }
        drop(tx);
        let mut read = Vec::new();
        for h in handles {
            match h.join() {
                Ok(r) => read.push(r),
                Err(_) => err = Some(EngineError::Internal("a reader thread panicked".into())),
            }
        }
        (read, err)
    });
    if let Some(e) = read_err {
        return Err(e);
    }
    // chunk i starts on line 1 + the newlines of chunks 0..i
    let mut newlines: Vec<(u64, u64)> = read
        .iter()
        .flat_map(|(_, outs)| outs.iter().map(|(i, o)| (*i, o.newlines)))
        .collect();
    newlines.sort_unstable();
    let mut first_line = Vec::with_capacity(newlines.len());
    let mut line = 1u64;
    for (i, n) in &newlines {
        debug_assert_eq!(*i as usize, first_line.len());
        first_line.push(line);
        line += n;
    }
    let first = |i: u64| first_line.get(i as usize).copied().unwrap_or(1);
    let mut shards = Vec::new();
    let mut outcomes = Vec::new();
    for (mut shard, outs) in read {
        for seg in &mut shard.segs {
            let base = first(seg.key);
            seg.line.iter_mut().for_each(|l| *l += base);
        }
        for (i, mut o) in outs {
            let base = first(i);
            for issue in &mut shard.issues[o.issues.clone()] {
                issue.line += base;
            }
            if let Some(f) = o.fatal.as_mut() {
                f.0 += base;
            }
            outcomes.push((i, o));
        }
        shards.push(shard);
    }
    outcomes.sort_by_key(|o| o.0);
    if let Some((line, msg)) = outcomes
        .iter()
        .filter_map(|o| o.1.fatal.clone())
        .min_by_key(|f| f.0)
    {
        // each part is bounded where it is made; this bounds the whole
        let msg = crate::io::excerpt(&msg, 1024);
        return Err(input_err(path, format!("line {line}: {msg}")));
    }
    if !outcomes.iter().any(|o| o.1.saw_log_start) {
        return Err(input_err(path, "not an XES log: no <log> element"));
    }
    if !outcomes.iter().any(|o| o.1.saw_log_end) {
        return Err(input_err(path, "the file ends before </log> (truncated?)"));
    }
    let events = outcomes.iter().map(|o| o.1.events_seen).sum();
    Ok((shards, columns, events))
}
