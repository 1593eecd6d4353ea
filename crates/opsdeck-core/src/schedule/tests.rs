//! Scheduling tests: overnight coverage, reported shortages, DST days, a known optimum.

use super::*;
use chrono::{NaiveDateTime, TimeZone};
use proptest::prelude::*;

const ALL: [bool; 7] = [true; 7];

fn pattern(name: &str, start: &str, hours: u32, cost: f64) -> ShiftPattern {
    ShiftPattern {
        name: name.into(),
        start: NaiveTime::parse_from_str(start, "%H:%M").unwrap(),
        length_min: hours * 60,
        breaks: vec![],
        days: ALL,
        cost,
        max_per_day: None,
    }
}

fn at(zone: Tz, local: &str) -> i64 {
    let t = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    zone.from_local_datetime(&t).earliest().unwrap().timestamp()
}

/// Requirements every `step_min` real minutes from `from` (local) for `n` intervals.
fn reqs(zone: Tz, from: &str, step_min: i64, req: &[u32]) -> Vec<Requirement> {
    let t0 = at(zone, from);
    req.iter()
        .enumerate()
        .map(|(i, &r)| Requirement {
            start_utc: t0 + i as i64 * step_min * 60,
            required: r,
        })
        .collect()
}

fn spec(zone: Tz, interval_min: u32, patterns: Vec<ShiftPattern>) -> ScheduleSpec {
    ScheduleSpec {
        zone,
        interval_min,
        patterns,
        shortage_penalty: None,
    }
}

fn run(spec: &ScheduleSpec, r: Vec<Requirement>) -> (Model, Schedule) {
    let m = build_model(spec, r).unwrap();
    let s = solve(&m, &SolveOptions::default());
    (m, s)
}

#[test]
fn overnight_shift_covers_the_next_morning() {
    let z = chrono_tz::UTC;
    // Monday 2026-03-02 00:00 .. Tuesday 23:00, hourly; one agent needed Tuesday 02:00-05:00
    let mut r = vec![0u32; 48];
    r[26..30].fill(1);
    let sp = spec(z, 60, vec![pattern("night", "22:00", 8, 8.0)]);
    let (m, s) = run(&sp, reqs(z, "2026-03-02 00:00", 60, &r));
    let monday = m
        .instances
        .iter()
        .position(|i| i.date.to_string() == "2026-03-02")
        .unwrap();
    // Monday 22:00 + 8 h covers Monday 22:00, 23:00 and Tuesday 00:00 .. 05:00
    assert_eq!(m.instances[monday].covers, (22..30).collect::<Vec<u32>>());
    assert_eq!(s.counts[monday], 1);
    assert_eq!(s.counts.iter().sum::<u32>(), 1);
    assert_eq!((s.shortage, s.shift_cost), (0, 8.0));
}

#[test]
fn uncoverable_requirement_is_a_reported_shortage() {
    let z = chrono_tz::UTC;
    let mut r = vec![0u32; 24];
    r[3] = 2; // 03:00: no shift works then
    r[10] = 1;
    let sp = spec(z, 60, vec![pattern("day", "09:00", 8, 8.0)]);
    let (_, s) = run(&sp, reqs(z, "2026-03-02 00:00", 60, &r));
    assert_eq!(s.shortage, 2);
    assert_eq!(s.coverage[3], 0);
    assert_eq!(s.coverage[10], 1);
    assert_eq!(s.counts, vec![1]);
}

#[test]
fn per_day_limit_leaves_a_shortage() {
    let z = chrono_tz::UTC;
    let mut p = pattern("day", "09:00", 8, 8.0);
    p.max_per_day = Some(3);
    let (_, s) = run(
        &spec(z, 60, vec![p]),
        reqs(z, "2026-03-02 09:00", 60, &[5; 8]),
    );
    assert_eq!((s.counts[0], s.shortage), (3, 16));
}

#[test]
fn dst_days_are_23_and_25_hours_long() {
    let z = chrono_tz::Europe::Paris;
    let shifts = || {
        vec![
            pattern("a", "00:00", 8, 8.0),
            pattern("b", "08:00", 8, 8.0),
            pattern("c", "16:00", 8, 8.0),
        ]
    };
    // spring forward, Sunday 2026-03-29: 46 half-hours; "a" runs 00:00–09:00 on the clock
    let (m, s) = run(
        &spec(z, 30, shifts()),
        reqs(z, "2026-03-29 00:00", 30, &[1; 46]),
    );
    assert_eq!(m.instances[0].covers.len(), 16);
    assert_eq!((s.shortage, s.counts.iter().sum::<u32>()), (0, 3));
    // fall back, Sunday 2026-10-25: 50 half-hours; "a" ends at 07:00 on the clock, and nothing
    // covers 07:00–08:00
    let (_, s) = run(
        &spec(z, 30, shifts()),
        reqs(z, "2026-10-25 00:00", 30, &[1; 50]),
    );
    assert_eq!(s.shortage, 2);
    let local = |i: usize| local_time(z, at(z, "2026-10-25 00:00") + i as i64 * 1800);
    let short: Vec<String> = (0..50)
        .filter(|&i| s.coverage[i] == 0)
        .map(|i| local(i).format("%H:%M").to_string())
        .collect();
    assert_eq!(short, ["07:00", "07:30"]);
}

#[test]
fn a_shift_starting_in_the_spring_gap_begins_when_the_clock_resumes() {
    let z = chrono_tz::Europe::Paris;
    let (m, _) = run(
        &spec(z, 30, vec![pattern("x", "02:30", 2, 2.0)]),
        reqs(z, "2026-03-29 00:00", 30, &[0; 46]),
    );
    assert_eq!(m.instances[0].start_utc, at(z, "2026-03-29 03:00"));
}

#[test]
fn breaks_leave_their_intervals_uncovered() {
    let z = chrono_tz::UTC;
    let mut p = pattern("day", "09:00", 8, 8.0);
    p.breaks = vec![Break {
        after_min: 240,
        length_min: 60,
    }];
    let (m, _) = run(
        &spec(z, 60, vec![p]),
        reqs(z, "2026-03-02 00:00", 60, &[0; 24]),
    );
    assert_eq!(m.instances[0].covers, vec![9, 10, 11, 12, 14, 15, 16]);
}

/// Exhaustive minimum of the objective over counts 0..=3 per instance.
fn brute_force(m: &Model) -> f64 {
    let n = m.instances.len();
    let mut best = f64::INFINITY;
    let mut x = vec![0u32; n];
    loop {
        best = best.min(solve::finish(m, x.clone()).objective);
        let mut k = 0;
        while k < n && x[k] == 3 {
            x[k] = 0;
            k += 1;
        }
        if k == n {
            return best;
        }
        x[k] += 1;
    }
}

#[test]
fn small_instance_reaches_the_known_optimum() {
    let z = chrono_tz::UTC;
    // 10 hourly intervals from 08:00; 4-hour shifts cost 4.5, 8-hour shifts cost 7 (breaks
    // after 4 h for 1 h)
    let mut long = pattern("long-08", "08:00", 8, 7.0);
    long.breaks = vec![Break {
        after_min: 240,
        length_min: 60,
    }];
    let mut long10 = pattern("long-10", "10:00", 8, 7.0);
    long10.breaks = long.breaks.clone();
    let patterns = vec![
        pattern("h-08", "08:00", 4, 4.5),
        pattern("h-10", "10:00", 4, 4.5),
        pattern("h-12", "12:00", 4, 4.5),
        pattern("h-14", "14:00", 4, 4.5),
        long,
        long10,
    ];
    let r = [1, 2, 3, 3, 2, 2, 3, 2, 1, 1];
    let m = build_model(&spec(z, 60, patterns), reqs(z, "2026-03-02 08:00", 60, &r)).unwrap();
    let s = solve(&m, &SolveOptions::default());
    let opt = brute_force(&m);
    assert_eq!(s.shortage, 0);
    assert!(
        (s.objective - opt).abs() < 1e-9,
        "{} vs optimum {opt}",
        s.objective
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// With the default penalty a shortage is left only where every covering instance is at its
    /// limit, and the solution is never worse than covering nothing.
    #[test]
    fn shortages_only_where_nothing_can_cover(
        r in proptest::collection::vec(0u32..6, 24),
        starts in proptest::collection::vec(0u32..24, 1..5),
        lens in proptest::collection::vec(2u32..10, 5),
        cap in 1u32..4,
    ) {
        let z = chrono_tz::UTC;
        let patterns: Vec<ShiftPattern> = starts
            .iter()
            .enumerate()
            .map(|(k, &h)| {
                let mut p = pattern(&format!("p{k}"), &format!("{h:02}:00"), lens[k], f64::from(lens[k]));
                p.max_per_day = Some(cap);
                p
            })
            .collect();
        let m = build_model(&spec(z, 60, patterns), reqs(z, "2026-03-02 00:00", 60, &r)).unwrap();
        let s = solve(&m, &SolveOptions { seed: 7, iterations: 20, patience: 10 });
        for (t, rq) in m.requirements.iter().enumerate() {
            if s.coverage[t] < rq.required {
                for (i, inst) in m.instances.iter().enumerate() {
                    prop_assert!(!inst.covers.contains(&(t as u32)) || s.counts[i] >= cap);
                }
            }
        }
        let nothing = m.penalty * r.iter().map(|&v| f64::from(v)).sum::<f64>();
        prop_assert!(s.objective <= nothing + 1e-9);
    }
}
