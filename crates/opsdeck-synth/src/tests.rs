//! Tests of the demo organisation and the synthetic contact generator.

use super::*;
use opsdeck_core::calendar::interval_start;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

fn org() -> Org {
    let raw: RawOrg = toml::from_str(DEMO_ORG_TOML).expect("demo org parses");
    Org::from_raw(&raw).expect("demo org validates")
}

fn small_spec(seed: u64) -> DemoSpec {
    DemoSpec {
        start: NaiveDate::from_ymd_opt(2025, 10, 27).unwrap_or_default(),
        days: 7,
        seed,
        scale: 0.2,
    }
}

fn generate(spec: &DemoSpec) -> (Vec<u8>, GenStats) {
    let mut buf = Vec::new();
    let stats = generate_contacts(&org(), spec, &mut buf).expect("generation succeeds");
    (buf, stats)
}

/// The small spec's output, generated once for the tests that only read it.
fn small() -> &'static (String, GenStats) {
    static OUT: OnceLock<(String, GenStats)> = OnceLock::new();
    OUT.get_or_init(|| {
        let (buf, stats) = generate(&small_spec(42));
        (String::from_utf8(buf).expect("utf-8"), stats)
    })
}

#[derive(Debug)]
struct Row {
    id: String,
    queue: String,
    arrived: i64,
    answered: Option<i64>,
    ended: i64,
    talk: i64,
    hold: i64,
    acw: i64,
    agent: String,
    csat: Option<u8>,
    site: String,
    nps: Option<u8>,
    fcr: Option<bool>,
    transferred: bool,
}

fn ts(s: &str) -> i64 {
    assert!(
        s.len() == 20 && s.ends_with('Z') && s.as_bytes()[10] == b'T',
        "timestamp {s:?}"
    );
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("timestamp {s:?}: {e}"))
        .timestamp()
}

fn opt<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() {
        None
    } else {
        Some(s.parse().unwrap_or_else(|_| panic!("field {s:?}")))
    }
}

fn rows(csv: &str) -> Vec<Row> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 15, "row {l:?}");
            Row {
                id: f[0].into(),
                queue: f[1].into(),
                arrived: ts(f[3]),
                answered: (!f[4].is_empty()).then(|| ts(f[4])),
                ended: ts(f[5]),
                talk: f[6].parse().expect("talk_s"),
                hold: f[7].parse().expect("hold_s"),
                acw: f[8].parse().expect("acw_s"),
                agent: f[9].into(),
                csat: opt(f[10]),
                site: f[11].into(),
                nps: opt(f[12]),
                fcr: opt(f[13]),
                transferred: f[14].parse().expect("transferred"),
            }
        })
        .collect()
}

#[test]
fn demo_org_validates() {
    let raw = demo_raw_org().expect("parses");
    let org = Org::from_raw(&raw).expect("validates");
    assert_eq!(org.sites.len(), 3);
    assert_eq!(org.clients.len(), 4);
    assert!(org.programs.len() >= 5);
    assert!(org.queues.len() >= 10);
    let zones: HashSet<_> = org.sites.values().map(|s| s.zone).collect();
    assert_eq!(zones.len(), 3);
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let (a, sa) = generate(&small_spec(42));
    let (b, sb) = generate(&small_spec(42));
    assert_eq!(a, b);
    assert_eq!(sa, sb);
    assert_eq!(a, small().0.as_bytes());
    let (c, _) = generate(&small_spec(43));
    assert_ne!(a, c);
}

#[test]
fn header_is_canonical_and_rows_are_well_formed() {
    let (csv, stats) = small();
    assert_eq!(csv.lines().next(), Some(CSV_HEADER));
    let rows = rows(csv);
    assert_eq!(rows.len() as u64, stats.rows);
    assert!(stats.rows > 3000, "{stats:?}");
    assert_eq!(stats.answered + stats.abandoned, stats.rows);
    let org = org();
    let mut ids = HashSet::new();
    let (mut csat, mut nps, mut answered) = (0, 0, 0);
    for r in &rows {
        assert!(ids.insert(r.id.clone()), "duplicate id {}", r.id);
        let q = &org.queues[&r.queue];
        match r.answered {
            Some(a) => {
                answered += 1;
                assert!(a >= r.arrived, "{r:?}");
                assert_eq!(r.ended, a + r.talk + r.hold, "{r:?}");
                assert!(
                    r.talk > 0 && r.acw > 0 && r.hold >= 0 && !r.agent.is_empty(),
                    "{r:?}"
                );
                assert!(r.fcr.is_some());
                assert_eq!(Some(&r.site), q.site.as_ref());
                csat += usize::from(r.csat.is_some());
                nps += usize::from(r.nps.is_some());
            }
            None => {
                assert!(r.ended >= r.arrived, "{r:?}");
                assert_eq!((r.talk, r.hold, r.acw), (0, 0, 0));
                assert!(
                    r.agent.is_empty() && r.fcr.is_none() && r.csat.is_none() && r.nps.is_none()
                );
                assert!(!r.transferred);
            }
        }
        assert!(r.csat.is_none_or(|c| (1..=5).contains(&c)));
        assert!(r.nps.is_none_or(|c| c <= 10));
    }
    assert_eq!(answered, stats.answered);
    let share = |n: usize| n as f64 / answered as f64;
    assert!(
        (0.19..0.26).contains(&share(csat)),
        "csat share {}",
        share(csat)
    );
    assert!(
        (0.07..0.13).contains(&share(nps)),
        "nps share {}",
        share(nps)
    );
}

#[test]
fn rows_are_sorted_by_arrival() {
    let rows = rows(&small().0);
    assert!(rows.windows(2).all(|w| w[0].arrived <= w[1].arrived));
}

#[test]
fn contacts_arrive_only_in_business_hours() {
    let org = org();
    let rows = rows(&small().0);
    let mut per_queue: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        let q = &org.queues[&r.queue];
        let cal = &org.calendars[&q.calendar];
        assert!(
            cal.is_open_at(r.arrived),
            "{} arrived while {} is closed: {r:?}",
            r.queue,
            cal.id
        );
        *per_queue.entry(&r.queue).or_default() += 1;
    }
    // every queue gets contacts over a week
    let contact_queues = org
        .queues
        .values()
        .filter(|q| q.channel != opsdeck_core::Channel::Ticket)
        .count();
    assert_eq!(per_queue.len(), contact_queues, "{per_queue:?}");
}

#[test]
fn holidays_and_closed_days_have_no_contacts() {
    // 2025-11-24 .. 30 includes Thanksgiving (US bank and retail calendars closed) and a Sunday
    // (US bank calendar closed)
    let spec = DemoSpec {
        start: NaiveDate::from_ymd_opt(2025, 11, 24).unwrap_or_default(),
        ..small_spec(7)
    };
    let (buf, _) = generate(&spec);
    let org = org();
    let rows = rows(&String::from_utf8(buf).expect("utf-8"));
    let thanksgiving = NaiveDate::from_ymd_opt(2025, 11, 27).unwrap_or_default();
    for r in &rows {
        let q = &org.queues[&r.queue];
        let local = opsdeck_core::calendar::local_time(q.zone, r.arrived).date();
        if q.calendar == "us-east-bank" || q.calendar == "us-central-retail" {
            assert_ne!(local, thanksgiving, "{r:?}");
        }
        if q.calendar == "us-east-bank" {
            assert_ne!(
                chrono::Datelike::weekday(&local),
                chrono::Weekday::Sun,
                "{r:?}"
            );
        }
    }
}

#[test]
fn abandonment_rises_with_load() {
    let org = org();
    let rows = rows(&small().0);
    // per queue-interval: offered, abandoned
    let mut iv: BTreeMap<(&str, i64), (u32, u32)> = BTreeMap::new();
    for r in &rows {
        let q = &org.queues[&r.queue];
        let e = iv
            .entry((
                r.queue.as_str(),
                interval_start(q.zone, r.arrived, q.interval),
            ))
            .or_default();
        e.0 += 1;
        e.1 += u32::from(r.answered.is_none());
    }
    // within each live queue, the busiest 10 % of intervals vs the rest
    let (mut busy, mut rest) = ((0u32, 0u32), (0u32, 0u32));
    for q in org
        .queues
        .values()
        .filter(|q| q.channel != opsdeck_core::Channel::Email)
    {
        let mut v: Vec<(u32, u32)> = iv
            .range((q.id.as_str(), i64::MIN)..=(q.id.as_str(), i64::MAX))
            .map(|(_, c)| *c)
            .collect();
        v.sort_unstable_by_key(|c| std::cmp::Reverse(c.0));
        let top = v.len().div_ceil(10);
        for (i, (offered, abandoned)) in v.into_iter().enumerate() {
            let t = if i < top { &mut busy } else { &mut rest };
            t.0 += offered;
            t.1 += abandoned;
        }
    }
    let rate = |t: (u32, u32)| f64::from(t.1) / f64::from(t.0);
    assert!(
        rate(busy) > 1.3 * rate(rest),
        "busiest {:.3} vs rest {:.3}",
        rate(busy),
        rate(rest)
    );
}

#[test]
fn empty_and_invalid_specs() {
    let org = org();
    let mut buf = Vec::new();
    let spec = DemoSpec {
        days: 0,
        ..DemoSpec::default()
    };
    assert_eq!(
        generate_contacts(&org, &spec, &mut buf).expect("ok"),
        GenStats::default()
    );
    assert_eq!(buf, format!("{CSV_HEADER}\n").into_bytes());
    let spec = DemoSpec {
        scale: f64::NAN,
        ..DemoSpec::default()
    };
    assert!(generate_contacts(&org, &spec, Vec::new()).is_err());
    let spec = DemoSpec {
        scale: 0.0,
        days: 3,
        ..DemoSpec::default()
    };
    assert_eq!(
        generate_contacts(&org, &spec, Vec::new()).expect("ok").rows,
        0
    );
}

#[test]
fn timestamps_match_chrono() {
    for t in [0i64, 951_782_400, 1_756_731_922, 4_102_444_799, -86_401] {
        let mut s = String::new();
        push_ts(&mut s, t);
        let want = chrono::DateTime::from_timestamp(t, 0)
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        assert_eq!(Some(s), want);
    }
}
