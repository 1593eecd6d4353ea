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

/// Exhaustive minimum of the objective over counts 0..=3 per instance (within its limit).
fn brute_force(m: &Model) -> f64 {
    let n = m.instances.len();
    let top: Vec<u32> = m.instances.iter().map(|i| i.max.min(3)).collect();
    let mut best = f64::INFINITY;
    let mut x = vec![0u32; n];
    loop {
        best = best.min(solve::finish(m, x.clone()).objective);
        let mut k = 0;
        while k < n && x[k] == top[k] {
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
    assert_eq!(s.lower_bound, Some(opt));
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
        let s = solve(&m, &SolveOptions { seed: 7, iterations: 20, patience: 10, nodes: 2_000 });
        for (t, rq) in m.requirements.iter().enumerate() {
            if s.coverage[t] < rq.required {
                for (i, inst) in m.instances.iter().enumerate() {
                    prop_assert!(!inst.covers.contains(&(t as u32)) || s.counts[i] >= cap);
                }
            }
        }
        let nothing = m.penalty * r.iter().map(|&v| f64::from(v)).sum::<f64>();
        prop_assert!(s.objective <= nothing + 1e-9);
        // the limits are 3 or less, so the brute force is the exact optimum: the
        // bound lies below it and branch-and-bound reaches it
        let opt = brute_force(&m);
        let bound = s.lower_bound.unwrap();
        prop_assert!(bound <= opt + 1e-9, "bound {} above the optimum {}", bound, opt);
        prop_assert!((s.objective - opt).abs() < 1e-9, "{} vs optimum {}", s.objective, opt);
    }
}

/// The LP of explicit rows (0/1 coefficients per column) with no per-instance limit.
fn lp_of(a: Vec<Vec<f64>>, r: Vec<f64>, c: Vec<f64>, p: f64) -> lp::BlockLp {
    let u = vec![f64::from(u32::MAX); c.len()];
    lp::BlockLp::from_parts(a, r, c, u, p)
}

#[test]
fn lp_odd_cycle_has_the_half_integral_optimum() {
    // three intervals, three shifts each covering two of them (a triangle): the LP puts half an
    // agent on each (cost 1.5); any integer cover needs two agents
    let a = vec![
        vec![1.0, 0.0, 1.0],
        vec![1.0, 1.0, 0.0],
        vec![0.0, 1.0, 1.0],
    ];
    let l = lp_of(a, vec![1.0; 3], vec![1.0; 3], 10.0);
    let sol = l.solve(None).unwrap();
    assert!((sol.objective - 1.5).abs() < 1e-9, "{}", sol.objective);
    for v in &sol.x {
        assert!((v - 0.5).abs() < 1e-9, "{:?}", sol.x);
    }
    assert_eq!(lp::bound(sol.objective, true), 2.0);
    let start = lp::Integer {
        x: vec![1, 1, 1],
        objective: 3.0,
        proven: false,
    };
    let best = lp::branch_and_bound(&l, start, true, 100);
    assert_eq!((best.objective, best.proven), (2.0, true));
    assert_eq!(best.x.iter().sum::<u32>(), 2);
}

#[test]
fn lp_leaves_a_shortage_when_a_shift_costs_more_than_it_saves() {
    // one shift covering both intervals: at cost 20 against a penalty of 5 per agent-interval
    // it is cheaper to be short (2 × 5 = 10) than to staff it
    let l = lp_of(vec![vec![1.0], vec![1.0]], vec![1.0, 1.0], vec![20.0], 5.0);
    let sol = l.solve(None).unwrap();
    assert_eq!((sol.x[0], sol.objective), (0.0, 10.0));
    // at cost 8 it is staffed
    let l = lp_of(vec![vec![1.0], vec![1.0]], vec![1.0, 1.0], vec![8.0], 5.0);
    let sol = l.solve(None).unwrap();
    assert_eq!((sol.x[0], sol.objective), (1.0, 8.0));
}

#[test]
fn lp_respects_upper_and_lower_bounds() {
    // requirement 3 and 3; one shift (cost 2) covering both, at most 1 agent: 2 + 2 × 2 × 5
    let a = vec![vec![1.0], vec![1.0]];
    let l = lp::BlockLp::from_parts(a.clone(), vec![3.0, 3.0], vec![2.0], vec![1.0], 5.0);
    let sol = l.solve(None).unwrap();
    assert_eq!((sol.x[0], sol.objective), (1.0, 22.0));
    // forcing at least 5 agents (over-coverage 2 per interval) costs 10
    let l = lp_of(a, vec![3.0, 3.0], vec![2.0], 5.0);
    let sol = l.solve(Some((&[5.0], &[9.0]))).unwrap();
    assert_eq!((sol.x[0], sol.objective), (5.0, 10.0));
}

#[test]
fn lp_matches_a_hand_solved_staircase() {
    // intervals need 1, 3, 2; shift A covers the first two (cost 3), B the last two (cost 3),
    // C the middle one (cost 1); penalty 10. The first interval needs A ≥ 1 and the last B ≥ 2
    // (a shift is cheaper than its shortage), which already gives the middle 3: x = (1, 2, 0),
    // cost 9.
    let a = vec![
        vec![1.0, 0.0, 0.0],
        vec![1.0, 1.0, 1.0],
        vec![0.0, 1.0, 0.0],
    ];
    let sol = lp_of(a, vec![1.0, 3.0, 2.0], vec![3.0, 3.0, 1.0], 10.0)
        .solve(None)
        .unwrap();
    assert!((sol.objective - 9.0).abs() < 1e-9);
    assert_eq!(sol.x, vec![1.0, 2.0, 0.0]);
}

#[test]
fn days_without_overnight_shifts_are_separate_blocks() {
    let z = chrono_tz::UTC;
    let mut r = vec![0u32; 48];
    r[9..17].fill(2);
    r[33..41].fill(2);
    let day = || pattern("day", "09:00", 8, 8.0);
    let m = build_model(
        &spec(z, 60, vec![day()]),
        reqs(z, "2026-03-02 00:00", 60, &r),
    )
    .unwrap();
    let b = lp::blocks(&m);
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].rows, (9..17).collect::<Vec<u32>>());
    assert_eq!((b[0].cols.clone(), b[1].cols.clone()), (vec![0], vec![1]));
    // a 24-hour shift from 12:00 links Monday's and Tuesday's demand into one block
    let night = pattern("long", "12:00", 24, 24.0);
    let m = build_model(
        &spec(z, 60, vec![day(), night]),
        reqs(z, "2026-03-02 00:00", 60, &r),
    )
    .unwrap();
    assert_eq!(lp::blocks(&m).len(), 1);
}

/// Half-hour requirements over `days` days from Monday 2026-03-02, open 07:00–22:00, a
/// two-humped day (deterministic, no randomness), and the bench's 4/6/8-hour patterns.
fn week_like(days: usize, peak: f64) -> (ScheduleSpec, Vec<Requirement>) {
    let z = chrono_tz::UTC;
    let mut r = Vec::new();
    for d in 0..days {
        for h in 0..48 {
            let hour = h as f64 / 2.0;
            let v = if (7.0..22.0).contains(&hour) {
                let curve = 0.35
                    + 0.65 * (-((hour - 10.5) / 2.0).powi(2)).exp()
                    + 0.55 * (-((hour - 15.5) / 2.5).powi(2)).exp();
                let wiggle = 1.0 + 0.15 * ((d * 48 + h) as f64 * 1.7).sin();
                (peak * curve * wiggle * if d % 7 >= 5 { 0.6 } else { 1.0 }).round() as u32
            } else {
                0
            };
            r.push(v);
        }
    }
    let mut patterns = Vec::new();
    for (hours, cost) in [(4u32, 5.0), (6, 7.0), (8, 9.0)] {
        let mut start = 7 * 60;
        while start + hours * 60 <= 22 * 60 {
            let mut p = pattern(
                &format!("h{hours}-{start}"),
                &format!("{:02}:{:02}", start / 60, start % 60),
                hours,
                cost,
            );
            if hours == 8 {
                p.breaks = vec![Break {
                    after_min: 240,
                    length_min: 30,
                }];
            }
            patterns.push(p);
            start += 30;
        }
    }
    (spec(z, 30, patterns), reqs(z, "2026-03-02 00:00", 30, &r))
}

#[test]
fn week_instance_is_solved_to_a_proven_optimum_deterministically() {
    let (sp, r) = week_like(7, 40.0);
    let m = build_model(&sp, r).unwrap();
    let a = solve(&m, &SolveOptions::default());
    let bound = a.lower_bound.unwrap();
    assert!(bound <= a.objective + 1e-9);
    assert!(a.gap().unwrap() <= 0.005, "gap {:?}", a.gap());
    assert_eq!(a.shortage, 0);
    // same answer with another seed and on a second run
    let b = solve(
        &m,
        &SolveOptions {
            seed: 99,
            ..SolveOptions::default()
        },
    );
    assert_eq!(a, solve(&m, &SolveOptions::default()));
    assert_eq!(a.objective, b.objective);
}

#[test]
fn totally_unimodular_instance_gets_an_integral_lp_optimum() {
    // contiguous shifts without breaks on one day: the covering matrix has consecutive ones
    // (an interval matrix), so the LP optimum is integral and the bound is met exactly
    let z = chrono_tz::UTC;
    let patterns: Vec<ShiftPattern> = (6..=14)
        .map(|h| {
            pattern(
                &format!("p{h}"),
                &format!("{h:02}:00"),
                4 + (h % 3),
                3.0 + f64::from(h % 3),
            )
        })
        .collect();
    let r = [
        0, 0, 0, 0, 0, 0, 2, 3, 5, 7, 6, 4, 4, 6, 8, 7, 5, 3, 2, 1, 0, 0, 0, 0,
    ];
    let m = build_model(&spec(z, 60, patterns), reqs(z, "2026-03-02 00:00", 60, &r)).unwrap();
    let b = lp::blocks(&m);
    assert_eq!(b.len(), 1);
    let sol = lp::BlockLp::new(&m, &b[0]).solve(None).unwrap();
    for v in &sol.x {
        assert!((v - v.round()).abs() < 1e-9, "fractional {:?}", sol.x);
    }
    let s = solve(&m, &SolveOptions::default());
    assert_eq!(s.lower_bound, Some(s.objective));
    assert!((s.objective - sol.objective).abs() < 1e-9);
    assert_eq!(s.gap(), Some(0.0));
}
