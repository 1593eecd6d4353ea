//! A contact's outcome as the KPI formulas see it, the channel, and the queue thresholds.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The channel a queue serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Voice,
    Chat,
    Email,
    Callback,
    Messaging,
    Ticket,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::Voice,
        Channel::Chat,
        Channel::Email,
        Channel::Callback,
        Channel::Messaging,
        Channel::Ticket,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Chat => "chat",
            Channel::Email => "email",
            Channel::Callback => "callback",
            Channel::Messaging => "messaging",
            Channel::Ticket => "ticket",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                format!(
                    "unknown channel {} (expected voice, chat, email, callback, messaging or ticket)",
                    crate::quoted(t)
                )
            })
    }
}

/// Per-queue thresholds that decide which contacts count as "within T" and "short abandons".
/// Both comparisons are inclusive: a wait of exactly T seconds is within T.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Service-level answer threshold T, seconds.
    pub service_s: i64,
    /// Short-abandon threshold S, seconds.
    pub short_abandon_s: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            service_s: 20,
            short_abandon_s: 5,
        }
    }
}

/// One validated contact, reduced to what the interval sums need. Durations are whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContactOutcome {
    /// True when an agent answered; false when the contact abandoned in queue.
    pub answered: bool,
    /// Queue wait: answered_at − arrived_at when answered, ended_at − arrived_at when abandoned.
    pub wait_s: i64,
    pub talk_s: i64,
    pub hold_s: i64,
    pub acw_s: i64,
    /// 1–5 survey score.
    pub csat: Option<u8>,
    /// 0–10 likelihood-to-recommend score.
    pub nps: Option<u8>,
    pub resolved_first_contact: Option<bool>,
    pub transferred: Option<bool>,
}
