//! Plan tests: hand-checked splits (largest remainder, seat caps, water-fill, outages), roll-ups
//! that re-sum instead of averaging, and proptest invariants of the split and the projection.

use super::*;
use proptest::prelude::*;

fn site(id: &str, share: f64, seats: Option<u64>) -> SitePlan {
    SitePlan {
        id: id.to_string(),
        share,
        seats,
    }
}

fn check_split(required: u64, sites: &[SitePlan], available: &[bool], staffed: &[u64], gap: u64) {
    let s = split(required, sites, available);
    assert_eq!(
        (s.staffed.as_slice(), s.gap),
        (staffed, gap),
        "split of {required} over {sites:?} available {available:?}"
    );
}

fn settings(patience_s: Option<f64>) -> PlanSettings {
    PlanSettings {
        interval_s: 1800.0,
        answer_s: 20.0,
        target_sl: 0.8,
        max_occupancy: 1.0,
        shrinkage: 0.3,
        fte_hours_per_week: 40.0,
        days: 7,
        staffing: Model::ErlangC,
        patience_s,
    }
}

fn ts(d: u32, h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 12, d)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

#[test]
fn largest_remainder_hand_checked() {
    let rows: [(u64, &[f64], &[u64]); 6] = [
        // quotas 3.33 each: one extra to the first of the tied remainders
        (10, &[1.0, 1.0, 1.0], &[4, 3, 3]),
        // 3.5, 2.1, 1.4 → floors 3, 2, 1; the one left goes to .5
        (7, &[0.5, 0.3, 0.2], &[4, 2, 1]),
        // shares on any scale
        (7, &[50.0, 30.0, 20.0], &[4, 2, 1]),
        // all-zero weights split equally
        (5, &[0.0, 0.0], &[3, 2]),
        (0, &[0.4, 0.6], &[0, 0]),
        // 1.8, 1.2 → 1, 1; .8 beats .2
        (3, &[0.6, 0.4], &[2, 1]),
    ];
    for (total, w, want) in rows {
        assert_eq!(largest_remainder(total, w), want, "{total} over {w:?}");
    }
}

#[test]
fn split_hand_checked() {
    // no caps: the share split
    check_split(
        10,
        &[site("a", 0.5, None), site("b", 0.5, None)],
        &[true, true],
        &[5, 5],
        0,
    );
    // b holds 3 seats: its other 2 go to a
    check_split(
        10,
        &[site("a", 0.5, None), site("b", 0.5, Some(3))],
        &[true, true],
        &[7, 3],
        0,
    );
    // 6/4 asked, a holds 4, b 5: b takes one more, one agent is a gap
    check_split(
        10,
        &[site("a", 0.6, Some(4)), site("b", 0.4, Some(5))],
        &[true, true],
        &[4, 5],
        1,
    );
    // b is out: everything goes to a, which holds 6 seats; 4 are a gap
    check_split(
        10,
        &[site("a", 0.5, Some(6)), site("b", 0.5, None)],
        &[true, false],
        &[6, 0],
        4,
    );
    // the excess of a is water-filled over b and c in proportion to their shares
    check_split(
        12,
        &[
            site("a", 0.5, Some(2)),
            site("b", 0.25, None),
            site("c", 0.25, None),
        ],
        &[true, true, true],
        &[2, 5, 5],
        0,
    );
    // a site with share 0 only takes overflow
    check_split(
        8,
        &[site("a", 1.0, Some(5)), site("b", 0.0, None)],
        &[true, true],
        &[5, 3],
        0,
    );
    // nobody available: all gap
    check_split(4, &[site("a", 1.0, None)], &[false], &[0], 4);
    // overflow is what the share asked beyond the seats
    let s = split(
        10,
        &[site("a", 0.6, Some(4)), site("b", 0.4, Some(5))],
        &[true, true],
    );
    assert_eq!(s.overflow, vec![2, 0]);
}

fn interval(
    start: NaiveDateTime,
    offered: f64,
    sl: f64,
    staffed: [u64; 2],
    gap: u64,
) -> IntervalPlan {
    let p = Projection {
        service_level: Some(sl),
        asa_s: Some(10.0),
        abandon_rate: Some(0.1),
        occupancy: Some(0.5),
    };
    IntervalPlan {
        start,
        offered_baseline: offered,
        offered,
        aht_baseline_s: 300.0,
        aht_s: 300.0,
        required_baseline: staffed.iter().sum::<u64>() + gap,
        required: staffed.iter().sum::<u64>() + gap,
        baseline: Split {
            staffed: staffed.to_vec(),
            overflow: vec![0, 0],
            gap,
        },
        scenario: Split {
            staffed: staffed.to_vec(),
            overflow: vec![0, 0],
            gap,
        },
        baseline_projection: p,
        projection: p,
    }
}

#[test]
fn rollups_re_sum_and_derive_on_read() {
    let s = settings(None);
    let sites = [site("a", 0.5, None), site("b", 0.5, None)];
    let plan = rollup(
        vec![
            interval(ts(1, 9, 0), 100.0, 0.9, [4, 4], 0),
            interval(ts(1, 9, 30), 10.0, 0.5, [1, 1], 2),
            interval(ts(2, 9, 0), 0.0, 0.0, [0, 0], 0),
        ],
        &sites,
        &s,
    );
    let (d1, day1) = plan.days[0];
    assert_eq!(d1, ts(1, 0, 0).date());
    // (100·0.9 + 10·0.5) / 110, not the mean of 0.9 and 0.5
    assert_eq!(day1.service_level(), Some(95.0 / 110.0));
    assert_eq!(day1.agent_hours_staffed, 5.0);
    assert_eq!(day1.agent_hours_gap, 1.0);
    assert_eq!(day1.agent_hours_required, 6.0);
    assert_eq!(day1.abandon_rate(), Some(0.1));
    // a day without contacts has no service level (not 0 %)
    assert_eq!(plan.days[1].1.service_level(), None);
    assert_eq!(plan.days[1].1.abandon_rate(), None);
    assert_eq!(plan.total.intervals, 3);
    // per site: 2.5 h each; gross FTE = 2.5 / (1 − 0.3) / (40 × 7/7)
    assert_eq!(plan.sites[0].agent_hours, 2.5);
    assert_eq!(plan.sites[1].gross_fte, 2.5 / 0.7 / 40.0);
    // occupancy re-summed: busy hours / staffed hours
    assert_eq!(day1.occupancy(), Some(0.5));
}

#[test]
fn gross_fte_is_an_average_over_the_plan_days() {
    let mut s = settings(None);
    s.days = 14;
    s.shrinkage = 0.2;
    // 80 productive hours over two weeks at 40 h and 20 % shrinkage: 80/0.8/80 = 1.25 FTE
    assert_eq!(Plan::gross_fte(80.0, &s), 1.25);
}

#[test]
fn an_outage_moves_load_and_lowers_service_level() {
    let s = settings(Some(120.0));
    let sites = [site("a", 0.5, Some(8)), site("b", 0.5, Some(8))];
    let demand: Vec<IntervalDemand> = [1, 2]
        .iter()
        .map(|&d| IntervalDemand {
            start: ts(d, 10, 0),
            offered: 150.0,
            aht_s: 180.0,
        })
        .collect();
    let outage = Scenario {
        outages: vec![Outage {
            site: "b".into(),
            from: ts(2, 0, 0).date(),
            to: ts(2, 0, 0).date(),
        }],
        ..Scenario::default()
    };
    let base = plan(&demand, &sites, &Scenario::default(), &s).unwrap();
    let what_if = plan(&demand, &sites, &outage, &s).unwrap();
    // A = 15 erlangs needs 19 agents at 80/20 (Erlang C); 16 seats exist in all
    assert_eq!(base.intervals[0].required, 19);
    // day 1 is untouched
    assert_eq!(what_if.intervals[0], base.intervals[0]);
    let (b, w) = (&base.intervals[1], &what_if.intervals[1]);
    assert_eq!(b.scenario.staffed, vec![8, 8]);
    assert_eq!(w.scenario.staffed, vec![8, 0]);
    assert_eq!(w.scenario.gap, 11);
    assert!(w.projection.service_level < b.projection.service_level);
    assert!(w.projection.abandon_rate > b.projection.abandon_rate);
    // the plan's own baseline columns ignore the outage
    assert_eq!(w.baseline, b.scenario);
}

#[test]
fn volume_and_aht_overrides_apply() {
    let s = settings(None);
    let sites = [site("a", 1.0, None)];
    let demand = [IntervalDemand {
        start: ts(1, 9, 0),
        offered: 100.0,
        aht_s: 180.0,
    }];
    let sc = Scenario {
        volume_pct: 10.0,
        aht_delta_s: -30.0,
        outages: vec![],
    };
    let p = plan(&demand, &sites, &sc, &s).unwrap();
    let i = &p.intervals[0];
    assert!((i.offered - 110.0).abs() < 1e-9);
    assert_eq!(i.aht_s, 150.0);
    // DOMAIN-REFERENCE §8: 100 calls, 180 s, 80/20 → 14 agents
    assert_eq!(i.required_baseline, 14);
}

#[test]
fn bad_inputs_are_named() {
    let s = settings(None);
    let sites = [site("a", 1.0, None)];
    let demand = [IntervalDemand {
        start: ts(1, 9, 0),
        offered: 10.0,
        aht_s: 100.0,
    }];
    let err =
        |sc: Scenario, sites: &[SitePlan]| plan(&demand, sites, &sc, &s).unwrap_err().to_string();
    assert_eq!(
        err(
            Scenario {
                volume_pct: -100.0,
                ..Scenario::default()
            },
            &sites
        ),
        "volume_pct is -100: must be > -100"
    );
    assert_eq!(
        err(
            Scenario {
                aht_delta_s: -100.0,
                ..Scenario::default()
            },
            &sites
        ),
        "aht of 2025-12-01 09:00:00 with aht_delta_s -100 is 0: must stay > 0"
    );
    let out = |site: &str, from: u32, to: u32| Scenario {
        outages: vec![Outage {
            site: site.into(),
            from: ts(from, 0, 0).date(),
            to: ts(to, 0, 0).date(),
        }],
        ..Scenario::default()
    };
    assert_eq!(
        err(out("zz", 1, 1), &sites),
        "outage site \"zz\" does not serve this queue's program (sites: a)"
    );
    assert_eq!(
        err(out("a", 3, 1), &sites),
        "outage of site \"a\": from 2025-12-03 is after to 2025-12-01"
    );
    assert_eq!(
        err(Scenario::default(), &[site("a", -1.0, None)]),
        "share of site a is -1: must be ≥ 0"
    );
    assert_eq!(err(Scenario::default(), &[]), "no site serves the queue");
}

proptest! {
    /// Staffed never exceeds seats, unavailable sites get nobody, staffed + gap = required,
    /// and a gap only remains when every available site is full.
    #[test]
    fn split_invariants(
        required in 0u64..500,
        raw in prop::collection::vec((0.0f64..5.0, prop::option::of(0u64..60), any::<bool>()), 1..6)
    ) {
        let sites: Vec<SitePlan> = raw.iter().enumerate().map(|(i, (sh, seats, _))| site(&format!("s{i}"), *sh, *seats)).collect();
        let available: Vec<bool> = raw.iter().map(|r| r.2).collect();
        let s = split(required, &sites, &available);
        prop_assert_eq!(s.staffed.iter().sum::<u64>() + s.gap, required);
        for (i, x) in sites.iter().enumerate() {
            prop_assert!(s.staffed[i] <= x.seats.unwrap_or(u64::MAX));
            if !available[i] {
                prop_assert_eq!(s.staffed[i], 0);
            }
            if s.gap > 0 && available[i] {
                prop_assert_eq!(Some(s.staffed[i]), x.seats);
            }
        }
    }

    /// At a fixed staff, more volume never raises the projected service level (Erlang A and C).
    #[test]
    fn more_volume_never_raises_service_level(
        agents in 0u64..40,
        offered in 1.0f64..400.0,
        more in 0.0f64..200.0,
        aht in 60.0f64..600.0,
        patience in prop::option::of(10.0f64..600.0),
    ) {
        let s = settings(patience);
        let lo = project(agents, offered, aht, &s).service_level.unwrap();
        let hi = project(agents, offered + more, aht, &s).service_level.unwrap();
        prop_assert!(hi <= lo + 1e-9, "{hi} > {lo}");
    }
}
