//! Contact rows: the raw form a profile extracts from one input row, zone resolution of
//! wall-clock times, and validation into a canonical `Contact`.

use crate::io::parse::Stamp;
use crate::io::{FieldIssue, LocalResolver, Readings};
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
#[derive(Debug, Clone, PartialEq, Hash)]
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
#[derive(Debug, Clone, PartialEq, Hash)]
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
#[derive(Debug, Clone, Copy, PartialEq, Hash)]
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
/// time present for abandoned contacts, handle times only for answered ones. A wall-clock time
/// of a fall-back overlap stands for two instants: the row's own order (arrived ≤ answered ≤
/// ended) chooses ([`choose_readings`]); only a row that no reading makes valid is refused,
/// with both readings in the reason.
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
    let arrived = tz
        .resolve_readings(raw.arrived_at)
        .map_err(|r| FieldIssue::new("arrived_at", r))?;
    let answered = match raw.answered_at {
        Some(s) => Some(
            tz.resolve_readings(s)
                .map_err(|r| FieldIssue::new("answered_at", r))?,
        ),
        None => None,
    };
    let ended = match raw.ended_at {
        Some(s) => Some(
            tz.resolve_readings(s)
                .map_err(|r| FieldIssue::new("ended_at", r))?,
        ),
        None => None,
    };
    let one = |r: Option<Readings>| !matches!(r, Some(Readings::Two(..)));
    let (arrived_s, answered_s, ended_s) = match arrived {
        Readings::One(a) if one(answered) && one(ended) => (
            a,
            answered.map(Readings::earliest),
            ended.map(Readings::earliest),
        ),
        _ => choose_readings(
            [
                Some((raw.arrived_at, arrived)),
                raw.answered_at.zip(answered),
                raw.ended_at.zip(ended),
            ],
            tz,
        )?,
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

/// A contact's arrival, answer and end as written and as read (the arrival always present).
type Times = [Option<(Stamp, Readings)>; 3];

/// The instants of a contact's times when one of them is ambiguous (a wall-clock time of a
/// fall-back overlap): among the readings that keep arrived ≤ answered ≤ ended (arrived ≤
/// ended when unanswered), the one whose times span the least (arrival to its last time); on
/// a tie the earlier arrival, then the earlier answer, then the earlier end. When no reading
/// keeps the order, the issue names the first time that cannot follow the one before it, with
/// both readings.
#[cold]
#[inline(never)]
fn choose_readings(
    times: Times,
    tz: &LocalResolver,
) -> Result<(i64, Option<i64>, Option<i64>), FieldIssue> {
    let readings = |k: usize| -> Vec<Option<i64>> {
        times[k].map_or(vec![None], |(_, r)| r.all().map(Some).collect())
    };
    let mut best: Option<(i64, i64, Option<i64>, Option<i64>)> = None;
    for a in readings(0).into_iter().flatten() {
        for b in readings(1) {
            for e in readings(2) {
                let ordered = b.is_none_or(|b| b >= a) && e.is_none_or(|e| e >= b.unwrap_or(a));
                let key = (e.or(b).unwrap_or(a) - a, a, b, e);
                if ordered && best.is_none_or(|k| key < k) {
                    best = Some(key);
                }
            }
        }
    }
    match best {
        Some((_, a, b, e)) => Ok((a, b, e)),
        None => Err(disorder(times, tz)),
    }
}

/// Why no reading of a contact's times keeps them in order. Placing each time at its earliest
/// reading not before the time placed before it leaves the most room for the times after it,
/// so the first time that cannot be placed so is the one at fault, against the one before it.
fn disorder(times: Times, tz: &LocalResolver) -> FieldIssue {
    const SUBJECT: [&str; 3] = ["arrival", "answered", "ended"];
    const OBJECT: [&str; 3] = ["arrival", "the answer", "the end"];
    const FIELD: [&str; 3] = ["arrived_at", "answered_at", "ended_at"];
    let day = times[0].map_or(0, |(_, r)| r.earliest());
    let label = |t: i64| tz.label(t, day);
    // a wall-clock time as written (the date too when it is not the arrival's)
    let wall = |s: Stamp| match s {
        Stamp::Naive(l) => {
            let t = chrono::DateTime::from_timestamp(l, 0).unwrap_or_default();
            let arrival_day = chrono::DateTime::from_timestamp(day, 0)
                .unwrap_or_default()
                .with_timezone(&tz.zone())
                .date_naive();
            let time = if chrono::Timelike::second(&t) == 0 {
                t.format("%H:%M").to_string()
            } else {
                t.format("%H:%M:%S").to_string()
            };
            if t.date_naive() == arrival_day {
                time
            } else {
                format!("{} {time}", t.format("%Y-%m-%d"))
            }
        }
        Stamp::Utc(u) => label(u),
    };
    let both = |r: Readings| r.all().map(label).collect::<Vec<_>>().join(" or ");
    // the time placed last: its index, stamp, readings, the reading placed and, when that is
    // not its earlier reading, why
    let mut prev: Option<(usize, Stamp, Readings, i64, Option<String>)> = None;
    for (k, time) in times.into_iter().enumerate() {
        let Some((stamp, r)) = time else { continue };
        let Some((pk, ps, pr, p, why)) = prev.take() else {
            prev = Some((k, stamp, r, r.earliest(), None));
            continue;
        };
        if let Some(t) = r.all().find(|&t| t >= p) {
            let why = (t != r.earliest()).then(|| {
                format!(
                    "{} is before {} {}",
                    label(r.earliest()),
                    OBJECT[pk],
                    label(p)
                )
            });
            prev = Some((k, stamp, r, t, why));
            continue;
        }
        let mut reason = match r {
            Readings::Two(..) => format!(
                "{} {} is ambiguous ({}); neither reading is at or after {} {}",
                SUBJECT[k],
                wall(stamp),
                both(r),
                OBJECT[pk],
                label(p)
            ),
            Readings::One(t) => format!(
                "{} {} is before {} {}",
                SUBJECT[k],
                label(t),
                OBJECT[pk],
                label(p)
            ),
        };
        if let Readings::Two(..) = pr {
            let too = if matches!(r, Readings::Two(..)) {
                " too"
            } else {
                ""
            };
            reason.push_str(&format!(
                " ({} {} is ambiguous{too}: {})",
                SUBJECT[pk],
                wall(ps),
                why.unwrap_or_else(|| both(pr))
            ));
        }
        return FieldIssue::new(FIELD[k], reason);
    }
    // not reached: the placement above fails whenever every reading does
    FieldIssue::new(
        "(row)",
        "no reading of its ambiguous local times keeps them in order",
    )
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

    /// A contact of queue `q` with these times (naive unless they carry an offset).
    fn raw(arrived: &str, answered: Option<&str>, ended: Option<&str>) -> RawContact<'static> {
        RawContact {
            ids: None,
            queue: "q".into(),
            arrived_at: parse_iso(arrived).unwrap(),
            answered_at: answered.map(|t| parse_iso(t).unwrap()),
            ended_at: ended.map(|t| parse_iso(t).unwrap()),
            talk_s: answered.map(|_| 60),
            hold_s: None,
            acw_s: None,
            csat: None,
            nps: None,
            resolved_first_contact: None,
            transferred: None,
        }
    }

    fn utc(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    /// (arrived, answered, ended) as UTC instants, or the issue as `field: reason`.
    fn times(
        arrived: &str,
        answered: Option<&str>,
        ended: Option<&str>,
    ) -> Result<(i64, Option<i64>, Option<i64>), String> {
        let mut tz = LocalResolver::new(chrono_tz::America::New_York);
        validate(raw(arrived, answered, ended), &mut tz)
            .map(|c| (c.timing.arrived_s, c.timing.answered_s, c.timing.ended_s))
            .map_err(|i| format!("{}: {}", i.field, i.reason))
    }

    #[test]
    fn the_row_order_chooses_the_reading_of_an_ambiguous_time() {
        // New York falls back at 02:00 EDT (06:00Z) to 01:00 EST on 2025-11-02: 01:00–01:59
        // happen twice. Arrived 01:50 EDT, answered 01:05 EST, ended 01:20 EST.
        assert_eq!(
            times(
                "2025-11-02 01:50:00",
                Some("2025-11-02 01:05:00"),
                Some("2025-11-02 01:20:00")
            ),
            Ok((
                utc("2025-11-02T05:50:00Z"),
                Some(utc("2025-11-02T06:05:00Z")),
                Some(utc("2025-11-02T06:20:00Z"))
            ))
        );
        // abandoned the same way
        assert_eq!(
            times("2025-11-02 01:50:00", None, Some("2025-11-02 01:05:00")),
            Ok((
                utc("2025-11-02T05:50:00Z"),
                None,
                Some(utc("2025-11-02T06:05:00Z"))
            ))
        );
        // both readings valid: the one spanning least, the earlier on a tie
        assert_eq!(
            times(
                "2025-11-02 01:10:00",
                Some("2025-11-02 01:20:00"),
                Some("2025-11-02 01:30:00")
            ),
            Ok((
                utc("2025-11-02T05:10:00Z"),
                Some(utc("2025-11-02T05:20:00Z")),
                Some(utc("2025-11-02T05:30:00Z"))
            ))
        );
        assert_eq!(
            times(
                "2025-11-02 01:50:00",
                Some("2025-11-02 02:10:00"),
                Some("2025-11-02 02:15:00")
            ),
            Ok((
                utc("2025-11-02T06:50:00Z"),
                Some(utc("2025-11-02T07:10:00Z")),
                Some(utc("2025-11-02T07:15:00Z"))
            ))
        );
        // an end after the change, the rest before it
        assert_eq!(
            times(
                "2025-11-02 01:10:00",
                Some("2025-11-02 01:20:00"),
                Some("2025-11-02 01:05:00")
            ),
            Ok((
                utc("2025-11-02T05:10:00Z"),
                Some(utc("2025-11-02T05:20:00Z")),
                Some(utc("2025-11-02T06:05:00Z"))
            ))
        );
        // an explicit offset is one instant
        assert_eq!(
            times(
                "2025-11-02T01:50:00-04:00",
                Some("2025-11-02 01:05:00"),
                None
            ),
            Ok((
                utc("2025-11-02T05:50:00Z"),
                Some(utc("2025-11-02T06:05:00Z")),
                None
            ))
        );
    }

    #[test]
    fn a_row_no_reading_makes_valid_names_both_readings() {
        assert_eq!(
            times("2025-11-02 02:10:00", Some("2025-11-02 01:05:00"), None).unwrap_err(),
            "answered_at: answered 01:05 is ambiguous (01:05-04:00 or 01:05-05:00); neither \
             reading is at or after arrival 02:10-05:00"
        );
        assert_eq!(
            times("2025-11-02 01:50:00", Some("2025-11-02 00:55:00"), None).unwrap_err(),
            "answered_at: answered 00:55-04:00 is before arrival 01:50-04:00 (arrival 01:50 is \
             ambiguous: 01:50-04:00 or 01:50-05:00)"
        );
        assert_eq!(
            times(
                "2025-11-02 01:50:00",
                Some("2025-11-02 01:05:00"),
                Some("2025-11-02 01:04:30")
            )
            .unwrap_err(),
            "ended_at: ended 01:04:30 is ambiguous (01:04:30-04:00 or 01:04:30-05:00); neither \
             reading is at or after the answer 01:05-05:00 (answered 01:05 is ambiguous too: \
             01:05-04:00 is before arrival 01:50-04:00)"
        );
        assert_eq!(
            times("2025-11-02 01:50:00", None, Some("2025-11-02T05:10:00Z")).unwrap_err(),
            "ended_at: ended 01:10-04:00 is before arrival 01:50-04:00 (arrival 01:50 is \
             ambiguous: 01:50-04:00 or 01:50-05:00)"
        );
        // the other checks still apply to the reading chosen
        assert_eq!(
            times("2025-11-02 01:50:00", None, None).unwrap_err(),
            "ended_at: is empty for an abandoned contact (it must hold the abandon time)"
        );
        // rows without an ambiguous time keep their messages
        assert_eq!(
            times("2025-11-02 03:50:00", Some("2025-11-02 03:05:00"), None).unwrap_err(),
            "answered_at: answered 2700 s before arrival"
        );
    }

    proptest::proptest! {
        /// Around New York's fall-back night, a row is accepted exactly when some reading of
        /// its wall-clock times (chrono's, independently of the resolver) keeps them in order,
        /// and the instants accepted are such readings, in order.
        #[test]
        fn ambiguous_rows_are_accepted_when_a_reading_orders_them(
            a in 0i64..3 * 3600,
            b in proptest::option::of(0i64..3 * 3600),
            e in proptest::option::of(0i64..3 * 3600),
        ) {
            let zone = chrono_tz::America::New_York;
            let base = naive("2025-11-02 00:00:00");
            let stamp = |s: i64| chrono::DateTime::from_timestamp(base + s, 0).unwrap().naive_utc();
            let text = |s: i64| stamp(s).format("%Y-%m-%d %H:%M:%S").to_string();
            let readings = |s: i64| -> Vec<i64> {
                let r = chrono::TimeZone::from_local_datetime(&zone, &stamp(s));
                let mut v: Vec<i64> = r.earliest().into_iter().chain(r.latest()).map(|t| t.timestamp()).collect();
                v.dedup();
                v
            };
            let opts = |x: Option<i64>| x.map_or(vec![None], |s| readings(s).into_iter().map(Some).collect());
            let mut possible = false;
            for ra in readings(a) {
                for rb in opts(b) {
                    for re in opts(e) {
                        possible |= rb.is_none_or(|rb| rb >= ra) && re.is_none_or(|re| re >= rb.unwrap_or(ra));
                    }
                }
            }
            let (ta, tb, te) = (text(a), b.map(text), e.map(text));
            let got = times(&ta, tb.as_deref(), te.as_deref());
            match got {
                Ok((ra, rb, re)) => {
                    proptest::prop_assert!(possible);
                    proptest::prop_assert!(readings(a).contains(&ra));
                    proptest::prop_assert!(rb.is_none_or(|x| readings(b.unwrap()).contains(&x)));
                    proptest::prop_assert!(re.is_none_or(|x| readings(e.unwrap()).contains(&x)));
                    proptest::prop_assert!(rb.is_none_or(|rb| rb >= ra) && re.is_none_or(|re| re >= rb.unwrap_or(ra)));
                }
                Err(reason) => {
                    // the only other refusal: an abandoned contact without an end
                    proptest::prop_assert!(!possible || (b.is_none() && e.is_none()), "{}", reason);
                    let ambiguous = [Some(a), b, e].into_iter().flatten().any(|s| readings(s).len() == 2);
                    if !possible && ambiguous {
                        proptest::prop_assert!(reason.contains(" or ") || reason.contains(" is before "), "{}", reason);
                    }
                }
            }
        }
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
                let readings = LocalResolver::new(zone).readings(t);
                proptest::prop_assert_eq!(reused.readings(t), readings.clone());
                // the fast path takes no ambiguous time: the row path chooses its reading
                let one = match readings {
                    Ok(Readings::One(u)) => Some(u),
                    _ => None,
                };
                proptest::prop_assert_eq!(quick.resolve_ok(Stamp::Naive(t)), one);
            }
        }
    }
}
