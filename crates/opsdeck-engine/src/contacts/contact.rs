//! Contact rows: the raw form a profile extracts from one input row, zone resolution of
//! wall-clock times, and validation into a canonical `Contact`.

use crate::io::parse::Stamp;
use crate::io::{FieldIssue, LocalResolver};
use opsdeck_core::{Channel, ContactOutcome};
use std::borrow::Cow;

/// A canonical contact field; `field as usize` is its position in [`FIELDS`] (file order,
/// docs/formats.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    ContactId,
    Queue,
    Channel,
    ArrivedAt,
    AnsweredAt,
    EndedAt,
    TalkS,
    HoldS,
    AcwS,
    AgentId,
    Csat,
    Site,
    Nps,
    ResolvedFirstContact,
    Transferred,
}

impl Field {
    /// Its name in files and messages.
    pub fn name(self) -> &'static str {
        FIELDS[self as usize]
    }

    /// Whether a canonical file must have the column.
    pub fn required(self) -> bool {
        (self as usize) < REQUIRED_FIELDS
    }

    /// The identity fields: needed to store a contact, not to count it.
    pub const IDENTITY: [Field; 4] = [
        Field::ContactId,
        Field::Channel,
        Field::AgentId,
        Field::Site,
    ];
}

/// Canonical contact fields, in file order (docs/formats.md), indexed by [`Field`].
pub const FIELDS: [&str; 15] = [
    "contact_id",
    "queue",
    "channel",
    "arrived_at",
    "answered_at",
    "ended_at",
    "talk_s",
    "hold_s",
    "acw_s",
    "agent_id",
    "csat",
    "site",
    "nps",
    "resolved_first_contact",
    "transferred",
];

/// The first eleven fields are required columns of a canonical file.
pub const REQUIRED_FIELDS: usize = 11;

/// Identity fields of a contact: needed to store it, not to count it. Readers leave them out
/// (`None`) when the sink only aggregates (`ContactSink::IDS`), so `opsdeck kpi` reads only the
/// columns its figures use.
#[derive(Debug, Clone, PartialEq)]
pub struct Ids<'a> {
    pub contact_id: Cow<'a, str>,
    pub channel: Option<Channel>,
    pub agent_id: Option<Cow<'a, str>>,
    pub site: Option<Cow<'a, str>>,
}

impl Ids<'_> {
    pub fn into_owned(self) -> Ids<'static> {
        Ids {
            contact_id: Cow::Owned(self.contact_id.into_owned()),
            channel: self.channel,
            agent_id: self.agent_id.map(|a| Cow::Owned(a.into_owned())),
            site: self.site.map(|a| Cow::Owned(a.into_owned())),
        }
    }
}

/// A contact as extracted from one row, before zone resolution and cross-field checks.
#[derive(Debug, Clone, PartialEq)]
pub struct RawContact<'a> {
    pub ids: Option<Ids<'a>>,
    pub queue: Cow<'a, str>,
    pub arrived_at: Stamp,
    pub answered_at: Option<Stamp>,
    pub ended_at: Option<Stamp>,
    pub talk_s: Option<i64>,
    pub hold_s: Option<i64>,
    pub acw_s: Option<i64>,
    pub csat: Option<u8>,
    pub nps: Option<u8>,
    pub resolved_first_contact: Option<bool>,
    pub transferred: Option<bool>,
}

/// A validated contact; instants are UTC epoch seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact<'a> {
    pub ids: Option<Ids<'a>>,
    pub queue: Cow<'a, str>,
    /// Times and handle seconds, as `check_timing` validated them.
    pub timing: Timing,
    pub csat: Option<u8>,
    pub nps: Option<u8>,
    pub resolved_first_contact: Option<bool>,
    pub transferred: Option<bool>,
}

impl Contact<'_> {
    /// What the KPI formulas see of this contact.
    pub fn outcome(&self) -> ContactOutcome {
        self.timing.outcome(
            self.csat,
            self.nps,
            self.resolved_first_contact,
            self.transferred,
        )
    }

    /// The contact id; empty when the reader left identity fields out.
    pub fn contact_id(&self) -> &str {
        self.ids.as_ref().map_or("", |i| i.contact_id.as_ref())
    }

    pub fn into_owned(self) -> Contact<'static> {
        Contact {
            ids: self.ids.map(Ids::into_owned),
            queue: Cow::Owned(self.queue.into_owned()),
            timing: self.timing,
            csat: self.csat,
            nps: self.nps,
            resolved_first_contact: self.resolved_first_contact,
            transferred: self.transferred,
        }
    }
}

/// A contact's validated times (UTC epoch seconds) and handle seconds (0 when not given).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub arrived_s: i64,
    pub answered_s: Option<i64>,
    pub ended_s: Option<i64>,
    pub talk_s: i64,
    pub hold_s: i64,
    pub acw_s: i64,
}

impl Timing {
    /// What the KPI formulas see of a contact with these times and these survey answers.
    #[inline]
    pub fn outcome(
        &self,
        csat: Option<u8>,
        nps: Option<u8>,
        resolved_first_contact: Option<bool>,
        transferred: Option<bool>,
    ) -> ContactOutcome {
        let wait_s = match (self.answered_s, self.ended_s) {
            (Some(a), _) => a - self.arrived_s,
            (None, Some(e)) => e - self.arrived_s,
            (None, None) => 0,
        };
        ContactOutcome {
            answered: self.answered_s.is_some(),
            wait_s,
            talk_s: self.talk_s,
            hold_s: self.hold_s,
            acw_s: self.acw_s,
            csat,
            nps,
            resolved_first_contact,
            transferred,
        }
    }
}

/// Resolve wall-clock times and check the contact as a whole: order of timestamps, abandon
/// time present for abandoned contacts, handle times only for answered ones.
#[inline(always)]
pub fn validate<'a>(
    raw: RawContact<'a>,
    tz: &mut LocalResolver,
) -> Result<Contact<'a>, FieldIssue> {
    if raw
        .ids
        .as_ref()
        .is_some_and(|i| i.contact_id.trim().is_empty())
    {
        return Err(FieldIssue::new("contact_id", "is empty"));
    }
    if raw.queue.trim().is_empty() {
        return Err(FieldIssue::new("queue", "is empty"));
    }
    let arrived_s = tz
        .resolve(raw.arrived_at)
        .map_err(|r| FieldIssue::new("arrived_at", r))?;
    let answered_s = match raw.answered_at {
        Some(s) => Some(
            tz.resolve(s)
                .map_err(|r| FieldIssue::new("answered_at", r))?,
        ),
        None => None,
    };
    let ended_s = match raw.ended_at {
        Some(s) => Some(tz.resolve(s).map_err(|r| FieldIssue::new("ended_at", r))?),
        None => None,
    };
    let timing = check_timing(
        arrived_s, answered_s, ended_s, raw.talk_s, raw.hold_s, raw.acw_s,
    )?;
    Ok(Contact {
        ids: raw.ids,
        queue: raw.queue,
        timing,
        csat: raw.csat,
        nps: raw.nps,
        resolved_first_contact: raw.resolved_first_contact,
        transferred: raw.transferred,
    })
}

/// Check a contact's times (resolved to UTC epoch seconds) and handle seconds against each
/// other: an answer and an end no earlier than the arrival, an end no earlier than the
/// answer, an abandon time on every unanswered contact, no handle time on an unanswered one.
#[inline(always)]
pub fn check_timing(
    arrived_s: i64,
    answered_s: Option<i64>,
    ended_s: Option<i64>,
    talk_s: Option<i64>,
    hold_s: Option<i64>,
    acw_s: Option<i64>,
) -> Result<Timing, FieldIssue> {
    if let Some(a) = answered_s {
        if a < arrived_s {
            return Err(FieldIssue::new(
                "answered_at",
                format!("answered {} s before arrival", arrived_s - a),
            ));
        }
        if let Some(e) = ended_s {
            if e < a {
                return Err(FieldIssue::new(
                    "ended_at",
                    format!("ended {} s before it was answered", a - e),
                ));
            }
        }
    } else {
        match ended_s {
            None => {
                return Err(FieldIssue::new(
                    "ended_at",
                    "is empty for an abandoned contact (it must hold the abandon time)",
                ))
            }
            Some(e) if e < arrived_s => {
                return Err(FieldIssue::new(
                    "ended_at",
                    format!("ended {} s before arrival", arrived_s - e),
                ))
            }
            _ => {}
        }
    }
    let answered = answered_s.is_some();
    Ok(Timing {
        arrived_s,
        answered_s,
        ended_s,
        talk_s: handle_time(talk_s, answered, "talk_s")?,
        hold_s: handle_time(hold_s, answered, "hold_s")?,
        acw_s: handle_time(acw_s, answered, "acw_s")?,
    })
}

/// Seconds of handle time (0 when not given); none may be given on an unanswered contact.
#[inline(always)]
fn handle_time(v: Option<i64>, answered: bool, name: &str) -> Result<i64, FieldIssue> {
    match v {
        Some(x) if x > 0 && !answered => Err(FieldIssue::new(
            name,
            format!("{x} s of handle time on an abandoned contact"),
        )),
        Some(x) => Ok(x),
        None => Ok(0),
    }
}

#[cfg(test)]
mod tests {
    use super::Field;

    #[test]
    fn fields_are_named_in_file_order() {
        assert_eq!(Field::ContactId.name(), "contact_id");
        assert_eq!(Field::Transferred.name(), "transferred");
        let ids: Vec<&str> = Field::IDENTITY.iter().map(|f| f.name()).collect();
        assert_eq!(ids, ["contact_id", "channel", "agent_id", "site"]);
        assert!(Field::Csat.required() && !Field::Site.required());
    }

    use super::*;
    use crate::io::parse::parse_iso;

    fn naive(s: &str) -> i64 {
        match parse_iso(s).unwrap() {
            Stamp::Naive(n) => n,
            Stamp::Utc(_) => panic!("expected naive"),
        }
    }

    #[test]
    fn resolver_handles_gap_and_overlap() {
        let mut r = LocalResolver::new(chrono_tz::America::New_York);
        // spring forward: 02:30 does not exist
        assert!(r
            .to_utc(naive("2025-03-09 02:30:00"))
            .unwrap_err()
            .contains("does not exist"));
        // normal winter time is UTC−5
        assert_eq!(
            r.to_utc(naive("2025-01-06 10:00:00")).unwrap(),
            naive("2025-01-06 15:00:00")
        );
        assert!(r
            .resolve(Stamp::Utc(i64::MAX / 2))
            .unwrap_err()
            .contains("outside"));
        // fall back: 01:30 is ambiguous → the earlier (EDT, UTC−4) instant
        assert_eq!(
            r.to_utc(naive("2025-11-02 01:30:00")).unwrap(),
            naive("2025-11-02 05:30:00")
        );
    }

    /// Sweeping forward then back over both clock changes of a year (its remembered span
    /// growing over many blocks) gives every minute the answer a new resolver gives.
    #[test]
    fn a_resolver_sweeping_over_clock_changes_answers_as_a_new_one() {
        let zone = chrono_tz::America::New_York;
        let mut r = LocalResolver::new(zone);
        for day in ["2025-03-08 12:00:00", "2025-11-01 12:00:00"] {
            let start = naive(day);
            let minutes: Vec<i64> = (0..2 * 24 * 60).collect();
            for m in minutes.iter().chain(minutes.iter().rev()) {
                let t = start + m * 60 + 7;
                assert_eq!(r.to_utc(t), LocalResolver::new(zone).to_utc(t), "{t}");
            }
        }
    }

    proptest::proptest! {
        /// One resolver reused across a run of times (its memo of the last block and its
        /// block cache warm) answers as a new resolver does for each time, around both of a
        /// year's clock changes and across block edges.
        #[test]
        fn a_reused_resolver_answers_as_a_new_one(
            steps in proptest::collection::vec((0usize..3, -4000i64..4000), 1..200)
        ) {
            let zone = chrono_tz::America::New_York;
            let bases = [
                naive("2025-03-09 02:00:00"),
                naive("2025-11-02 01:00:00"),
                naive("2025-06-01 12:00:00"),
            ];
            let mut reused = LocalResolver::new(zone);
            let mut quick = LocalResolver::new(zone);
            for (b, off) in steps {
                let t = bases[b] + off;
                let fresh = LocalResolver::new(zone).to_utc(t);
                proptest::prop_assert_eq!(reused.to_utc(t), fresh.clone());
                proptest::prop_assert_eq!(quick.resolve_ok(Stamp::Naive(t)), fresh.ok());
            }
        }
    }
}
