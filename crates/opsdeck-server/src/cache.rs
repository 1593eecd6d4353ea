//! Answers of the read routes that compute (scorecard, SLA evaluation), kept per exact input:
//! the route and its query, the caller's scope, the facts manifest's generation and the
//! store's data version (raised in the same transaction by every change of reference data or
//! contracts). A commit, a setup or contract change, or another caller's scope makes another
//! key, so an answer is never served for inputs it was not computed from — in this process or
//! another one sharing the database. Bounded: past `CAPACITY` answers the oldest half is
//! dropped.
//!
//! Why: a queue scorecard of a month on the demo costs ~10 ms of CPU, so 64 connections on two
//! cores queue for hundreds of milliseconds; dashboards ask the same questions again and
//! again. docs/benchmarks.md (issue 19) has both figures, with and without hits.

use std::collections::HashMap;
use std::sync::Mutex;

/// Most answers kept.
pub const CAPACITY: usize = 512;

/// The kept answers (serialized JSON bodies).
#[derive(Default)]
pub struct ResponseCache {
    inner: Mutex<Kept>,
    /// One computation per key at a time: the requests that arrive while an answer is being
    /// computed wait for it instead of computing it again (64 dashboards opened at 9:00).
    computing: Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    /// Keep nothing (`opsdeck serve --no-answer-cache`, to measure the computation).
    pub off: bool,
}

#[derive(Default)]
struct Kept {
    tick: u64,
    answers: HashMap<String, (u64, axum::body::Bytes)>,
}

impl ResponseCache {
    /// The answer kept for `key`.
    pub fn get(&self, key: &str) -> Option<axum::body::Bytes> {
        if self.off {
            return None;
        }
        let mut k = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        k.tick += 1;
        let tick = k.tick;
        k.answers.get_mut(key).map(|(t, body)| {
            *t = tick;
            body.clone()
        })
    }

    /// The right to compute the answer for `key`: held by one request at a time. The holder
    /// looks into the cache again once it has it (another holder may have just filled it).
    pub async fn turn(&self, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
        if self.off {
            // nothing is kept, so nobody would find the answer of another: no queue
            return std::sync::Arc::new(tokio::sync::Mutex::new(()))
                .lock_owned()
                .await;
        }
        let m = {
            let mut c = self.computing.lock().unwrap_or_else(|e| e.into_inner());
            if c.len() > CAPACITY {
                c.retain(|_, m| std::sync::Arc::strong_count(m) > 1);
            }
            c.entry(key.to_string()).or_default().clone()
        };
        m.lock_owned().await
    }

    /// Keep `body` as the answer for `key`.
    pub fn put(&self, key: String, body: axum::body::Bytes) {
        if self.off {
            return;
        }
        let mut k = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if k.answers.len() >= CAPACITY {
            let mut ticks: Vec<u64> = k.answers.values().map(|(t, _)| *t).collect();
            ticks.sort_unstable();
            let cut = ticks[ticks.len() / 2];
            k.answers.retain(|_, (t, _)| *t > cut);
        }
        k.tick += 1;
        let tick = k.tick;
        k.answers.insert(key, (tick, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_per_key_and_bounded() {
        let c = ResponseCache::default();
        assert!(c.get("a").is_none());
        c.put("a".into(), "1".into());
        assert_eq!(c.get("a").as_deref(), Some(&b"1"[..]));
        for i in 0..(CAPACITY * 2) {
            c.put(format!("k{i}"), "x".into());
            let _ = c.get("a"); // kept in use: survives the trims
        }
        assert!(c.inner.lock().unwrap().answers.len() <= CAPACITY);
        assert!(c.get("a").is_some());
        assert!(c.get("k0").is_none());
    }
}
