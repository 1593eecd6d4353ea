//! The audit trail's hash chain: each event's hash covers its own fields and the previous
//! event's hash, so editing, deleting or reordering a stored event breaks the chain at that
//! event. Pure: the store appends (reading the last hash in the same transaction), and
//! [`verify`] recomputes the chain from the rows as stored.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a writer records; the store numbers it and chains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    /// RFC 3339, given by the caller.
    pub at: String,
    /// Who: a user's e-mail, `os:NAME` for the CLI's operating-system user, or `--actor`.
    pub actor: String,
    /// What, e.g. `ingest.contacts`, `login.failure`, `user.add`.
    pub action: String,
    /// The object acted on (a batch, a contract, a user), or empty.
    pub object: String,
    /// The client whose data it concerns, when one.
    pub client: Option<String>,
    /// The server's request id, for events made by a request.
    pub request_id: Option<String>,
    /// SHA-256 (hex) of the request's payload or the command's input; see [`digest`].
    pub payload_digest: String,
}

/// An event as stored: numbered from 1 and chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    #[serde(flatten)]
    pub event: NewEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The hash of event `seq` with fields `e` after an event whose hash is `prev`. Every field is
/// length-prefixed, so no two different events hash the same input.
pub fn chain_hash(prev: &str, seq: i64, e: &NewEvent) -> String {
    let mut h = Sha256::new();
    let seq = seq.to_string();
    let fields: [&str; 9] = [
        prev,
        &seq,
        &e.at,
        &e.actor,
        &e.action,
        &e.object,
        e.client.as_deref().unwrap_or("\u{0}"),
        e.request_id.as_deref().unwrap_or("\u{0}"),
        &e.payload_digest,
    ];
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
    hex(&h.finalize())
}

/// Chain `e` after `last` (the last stored event, if any): the event to store.
pub fn chained(last: Option<(i64, &str)>, e: NewEvent) -> Event {
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash.to_string()),
        None => (1, GENESIS.to_string()),
    };
    let hash = chain_hash(&prev, seq, &e);
    Event {
        seq,
        event: e,
        prev_hash: prev,
        hash,
    }
}

/// Where a stored chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit event {seq}: {reason}")]
pub struct Break {
    /// The first event (by stored order) that does not follow from the ones before it.
    pub seq: i64,
    pub reason: String,
}

/// Recompute the chain over `events` in stored order; `Ok(n)` is the number of events checked.
pub fn verify(events: &[Event]) -> Result<usize, Break> {
    let mut prev = GENESIS.to_string();
    for (expect_seq, ev) in (1_i64..).zip(events) {
        let broken = |reason: String| Break {
            seq: ev.seq,
            reason,
        };
        if ev.seq != expect_seq {
            return Err(broken(format!(
                "expected event {expect_seq} here: an event was deleted or the events were reordered"
            )));
        }
        if ev.prev_hash != prev {
            return Err(broken(
                "its previous-hash does not match the event before it: an event before it was deleted, edited or moved"
                    .into(),
            ));
        }
        if chain_hash(&prev, ev.seq, &ev.event) != ev.hash {
            return Err(broken(
                "its fields do not match its hash: the event was edited".into(),
            ));
        }
        prev = ev.hash.clone();
    }
    Ok(events.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(action: &str) -> NewEvent {
        NewEvent {
            at: "2026-12-04T10:00:00Z".into(),
            actor: "ana@example.com".into(),
            action: action.into(),
            object: "b1".into(),
            client: Some("acme".into()),
            request_id: None,
            payload_digest: digest(b"payload"),
        }
    }

    fn chain(n: usize) -> Vec<Event> {
        let mut out: Vec<Event> = Vec::new();
        for i in 0..n {
            let last = out.last().map(|e| (e.seq, e.hash.as_str()));
            let e = chained(last, ev(&format!("a{i}")));
            out.push(e);
        }
        out
    }

    #[test]
    fn an_untouched_chain_verifies_and_any_change_names_its_event() {
        let c = chain(5);
        assert_eq!(verify(&c), Ok(5));
        assert_eq!(
            digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );

        let mut edited = c.clone();
        edited[2].event.object = "b2".into();
        assert_eq!(verify(&edited).unwrap_err().seq, 3);

        let mut deleted = c.clone();
        deleted.remove(1);
        assert_eq!(verify(&deleted).unwrap_err().seq, 3);

        let mut reordered = c.clone();
        reordered.swap(1, 3);
        assert_eq!(verify(&reordered).unwrap_err().seq, 4);

        // renumbering after a deletion does not hide it: the previous-hash no longer matches
        let mut renumbered = deleted.clone();
        for (i, e) in renumbered.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
        let b = verify(&renumbered).unwrap_err();
        assert_eq!(b.seq, 2);
        assert!(b.reason.contains("previous-hash"), "{b}");
    }

    #[test]
    fn fields_are_length_prefixed() {
        let mut a = ev("x");
        a.actor = "ab".into();
        a.action = "c".into();
        let mut b = ev("x");
        b.actor = "a".into();
        b.action = "bc".into();
        assert_ne!(chain_hash(GENESIS, 1, &a), chain_hash(GENESIS, 1, &b));
        let mut none = ev("x");
        none.client = None;
        let mut empty = ev("x");
        empty.client = Some(String::new());
        assert_ne!(
            chain_hash(GENESIS, 1, &none),
            chain_hash(GENESIS, 1, &empty)
        );
    }
}
