//! Staffing tests: the DOMAIN-REFERENCE §8 vectors, edge rows, and proptest invariants.

use super::*;
use proptest::prelude::*;

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (±{tol})"
    );
}

fn input(calls: f64, aht_s: f64, target: f64, answer_s: f64) -> StaffingInput {
    StaffingInput {
        calls,
        aht_s,
        interval_s: 1800.0,
        target_sl: target,
        answer_s,
        max_occupancy: 1.0,
        shrinkage: 0.0,
    }
}

#[test]
fn erlang_b_c_vectors_of_domain_reference() {
    // 100 calls / 30 min, AHT 180 s (A = 10), T = 20 s: N, B, C, SL, ASA, occupancy
    let rows = [
        (11, 0.163232, 0.682118, 0.389614, 122.781, 0.9091),
        (12, 0.119739, 0.449388, 0.640158, 40.445, 0.8333),
        (13, 0.084339, 0.285270, 0.795595, 17.116, 0.7692),
        (14, 0.056819, 0.174132, 0.888350, 7.836, 0.7143),
        (15, 0.036497, 0.102042, 0.941453, 3.674, 0.6667),
        (17, 0.012949, 0.030876, 0.985815, 0.794, 0.5882),
    ];
    for (n, b, c, sl, asa, occ) in rows {
        let m = ErlangC::at(n, 10.0, 180.0, 20.0);
        close(m.blocking, b, 5e-7, "B");
        close(erlang_b(n, 10.0), b, 5e-7, "erlang_b");
        close(m.wait_probability, c, 5e-7, "C");
        close(erlang_c(n, 10.0), c, 5e-7, "erlang_c");
        close(m.service_level, sl, 5e-7, "SL");
        close(m.asa_s.unwrap(), asa, 5e-4, "ASA");
        close(m.occupancy.unwrap(), occ, 5e-5, "occupancy");
    }
    // large N through the recursion started near the load
    close(erlang_c(5000, 4900.0), 0.0999379, 5e-8, "C(5000, 4900)");
    close(erlang_c(2000, 1950.0), 0.178675, 5e-7, "C(2000, 1950)");
    close(erlang_c(500, 480.0), 0.266513, 5e-7, "C(500, 480)");
    let m = ErlangC::at(55, 48.0, 240.0, 15.0);
    close(m.wait_probability, 0.238701, 5e-7, "C(55, 48)");
    close(m.service_level, 0.845883, 5e-7, "SL(55, 48)");
    close(m.asa_s.unwrap(), 8.184, 5e-4, "ASA(55, 48)");
}

#[test]
fn required_agents_matches_pyworkforce_readme() {
    let mut i = input(100.0, 180.0, 0.8, 20.0);
    i.shrinkage = 0.3;
    let s = required_agents(&i, Model::ErlangC).unwrap();
    assert_eq!((s.raw_agents, s.agents), (14, 20));
    close(s.service_level.unwrap(), 0.88835, 5e-6, "SL(14)");
    // shrinkage alone: 100 / (1 − 0.2) = 125
    assert_eq!(with_shrinkage(100, 0.2), 125);
}

#[test]
fn unstable_erlang_c_is_reported_not_negative() {
    let m = ErlangC::at(10, 10.0, 180.0, 20.0);
    assert_eq!(
        (m.wait_probability, m.service_level, m.asa_s),
        (1.0, 0.0, None)
    );
    let m = ErlangC::at(3, 10.0, 180.0, 20.0);
    assert_eq!(
        (m.wait_probability, m.service_level, m.asa_s),
        (1.0, 0.0, None)
    );
    assert_eq!(erlang_b(0, 10.0), 1.0);
    assert_eq!(erlang_b(5, 0.0), 0.0);
}

#[test]
fn erlang_a_vectors_of_domain_reference() {
    // λ = 100/30 per minute, AHT 3 min, patience 5 min, T = 20 s
    let lam = 100.0 / 1800.0;
    let rows = [
        (12, 0.3318, 0.0427, 0.2136, 0.7977, 0.7723),
        (13, 0.2258, 0.0250, 0.1248, 0.7500, 0.8582),
        (14, 0.1453, 0.0140, 0.0699, 0.7043, 0.9168),
    ];
    for (n, pw, ab, ew_min, occ, sl) in rows {
        let m = erlang_a(n, lam, 180.0, 300.0, 20.0);
        close(m.wait_probability, pw, 5e-5, "P(wait)");
        close(m.abandon_rate, ab, 5e-5, "P(ab)");
        close(m.asa_s / 60.0, ew_min, 5e-5, "E[W]");
        close(m.occupancy.unwrap(), occ, 5e-5, "occupancy");
        close(m.service_level, sl, 5e-5, "SL");
    }
    // Erlang A needs 13 agents where Erlang C needs 14
    let s = required_agents(
        &input(100.0, 180.0, 0.8, 20.0),
        Model::ErlangA { patience_s: 300.0 },
    )
    .unwrap();
    assert_eq!(s.raw_agents, 13);
    close(s.abandon_rate.unwrap(), 0.0250, 5e-5, "abandon");
}

#[test]
fn erlang_a_scenarios_of_the_simulation_peer() {
    // shared/peers README, Exp(120 s) patience: N_A and the Erlang A SL at N_A
    let rows = [
        (50.0, 300.0, 0.8, 20.0, 11, 0.868),
        (200.0, 300.0, 0.8, 20.0, 35, 0.815),
        (100.0, 180.0, 0.9, 10.0, 14, 0.908),
        (120.0, 600.0, 0.8, 30.0, 40, 0.803),
        (600.0, 240.0, 0.8, 20.0, 79, 0.819),
    ];
    for (calls, aht, target, t, n_a, sl) in rows {
        let s = required_agents(
            &input(calls, aht, target, t),
            Model::ErlangA { patience_s: 120.0 },
        )
        .unwrap();
        assert_eq!(s.raw_agents, n_a, "{calls} calls, AHT {aht}");
        close(s.service_level.unwrap(), sl, 5e-4, "SL at N_A");
    }
}

#[test]
fn erlang_a_is_finite_when_overloaded_and_large() {
    let m = erlang_a(5, 100.0 / 1800.0, 180.0, 300.0, 20.0);
    assert!(m.abandon_rate > 0.3 && m.abandon_rate < 1.0, "{m:?}");
    assert!(m.service_level.is_finite() && m.service_level < 0.5);
    let m = erlang_a(5200, 30_000.0 / 1800.0, 300.0, 120.0, 20.0);
    assert!(m.service_level > 0.5 && m.service_level <= 1.0, "{m:?}");
    assert!(m.wait_probability.is_finite());
}

#[test]
fn bad_inputs_name_the_field() {
    let mut i = input(-1.0, 180.0, 0.8, 20.0);
    let e = required_agents(&i, Model::ErlangC).unwrap_err();
    assert!(e.to_string().starts_with("calls is -1"), "{e}");
    i.calls = 10.0;
    i.shrinkage = 1.0;
    let e = required_agents(&i, Model::ErlangC).unwrap_err();
    assert!(e.to_string().starts_with("shrinkage is 1"), "{e}");
    i.shrinkage = 0.2;
    i.target_sl = 1.0;
    let e = required_agents(&i, Model::ErlangC).unwrap_err();
    assert!(e.to_string().contains("target_sl"), "{e}");
    i.target_sl = 0.8;
    let e = required_agents(&i, Model::ErlangA { patience_s: 0.0 }).unwrap_err();
    assert!(e.to_string().contains("patience_seconds"), "{e}");
    i.aht_s = f64::NAN;
    assert!(required_agents(&i, Model::ErlangC).is_err());
}

#[test]
fn fast_search_equals_the_exact_port_on_large_loads() {
    for calls in [10_000.0, 30_000.0, 50_000.0, 123_457.0] {
        for cap in [0.85, 1.0] {
            let mut i = input(calls, 300.0, 0.8, 20.0);
            i.max_occupancy = cap;
            let fast = erlang_c::required(&i, i.load());
            let exact = erlang_c::required_exact(&i, i.load());
            assert_eq!(
                fast.raw_agents, exact.raw_agents,
                "{calls} calls, cap {cap}"
            );
            let (f, e) = (
                fast.wait_probability.unwrap(),
                exact.wait_probability.unwrap(),
            );
            assert!((f - e).abs() <= 1e-12 + 1e-9 * e, "P(wait) {f} vs {e}");
        }
    }
}

fn any_input() -> impl Strategy<Value = StaffingInput> {
    (
        0.0..4000.0_f64,
        30.0..1200.0_f64,
        prop_oneof![Just(900.0), Just(1800.0), Just(3600.0)],
        0.5..0.98_f64,
        0.0..90.0_f64,
        0.7..1.0_f64,
        0.0..0.5_f64,
    )
        .prop_map(
            |(calls, aht_s, interval_s, target_sl, answer_s, occ, shr)| StaffingInput {
                calls: calls.round(),
                aht_s,
                interval_s,
                target_sl,
                answer_s,
                max_occupancy: occ,
                shrinkage: shr,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn more_agents_never_lower_service_level(a in 0.0..3000.0_f64, n in 1_u64..3500, t in 0.0..60.0_f64) {
        let m0 = ErlangC::at(n, a, 240.0, t);
        let m1 = ErlangC::at(n + 1, a, 240.0, t);
        prop_assert!(m1.service_level >= m0.service_level - 1e-12);
        prop_assert!(m1.wait_probability <= m0.wait_probability + 1e-12);
    }

    #[test]
    fn more_agents_never_lower_erlang_a_service_level(a in 0.1..300.0_f64, n in 1_u64..350, p in 30.0..900.0_f64) {
        let lam = a / 240.0;
        let m0 = erlang_a(n, lam, 240.0, p, 20.0);
        let m1 = erlang_a(n + 1, lam, 240.0, p, 20.0);
        prop_assert!(m1.service_level >= m0.service_level - 1e-9, "{m0:?} {m1:?}");
        prop_assert!(m1.abandon_rate <= m0.abandon_rate * (1.0 + 1e-9) + 1e-15);
    }

    #[test]
    fn requirement_invariants(i in any_input()) {
        let s = required_agents(&i, Model::ErlangC).unwrap();
        if i.calls == 0.0 {
            prop_assert_eq!((s.raw_agents, s.agents), (0, 0));
            prop_assert!(s.service_level.is_none());
        } else {
            prop_assert!(s.raw_agents as f64 >= i.load() / i.max_occupancy - 1e-9);
            prop_assert!(s.raw_agents as f64 > i.load());
            prop_assert!(s.service_level.unwrap() >= i.target_sl);
            prop_assert!(s.agents >= s.raw_agents);
            let exact = erlang_c::required_exact(&i, i.load());
            prop_assert_eq!(s.raw_agents, exact.raw_agents);
        }
    }

    #[test]
    fn erlang_a_requirement_invariants(mut i in any_input(), p in 60.0..600.0_f64) {
        i.calls = (i.calls / 10.0).round();
        let s = required_agents(&i, Model::ErlangA { patience_s: p }).unwrap();
        if i.calls == 0.0 {
            prop_assert_eq!((s.raw_agents, s.agents), (0, 0));
        } else {
            prop_assert!(s.service_level.unwrap() >= i.target_sl);
            prop_assert!(s.occupancy.unwrap() <= i.max_occupancy);
            let fewer = erlang_a(s.raw_agents - 1, i.calls / i.interval_s, i.aht_s, p, i.answer_s);
            prop_assert!(fewer.service_level < i.target_sl
                || fewer.occupancy.is_none_or(|o| o > i.max_occupancy));
        }
    }
}
/// Far more agents than load: Erlang B underflows to 0 in f64, and nobody waits (it used to
/// answer NaN and an abandon rate of 1).
#[test]
fn erlang_a_with_agents_far_above_the_load_has_no_wait() {
    let a = 13.893_408_787_433_3;
    let lam = a / 240.0;
    let mut prev = erlang_a(300, lam, 240.0, 30.0, 20.0);
    for n in [322u64, 323, 400, 2000] {
        let m = erlang_a(n, lam, 240.0, 30.0, 20.0);
        assert!(
            m.wait_probability.is_finite() && m.asa_s.is_finite(),
            "{n}: {m:?}"
        );
        assert!(
            m.abandon_rate <= prev.abandon_rate,
            "{n}: {m:?} after {prev:?}"
        );
        assert_eq!(m.service_level, 1.0, "{n}");
        assert!(
            (m.occupancy.unwrap() - a / n as f64).abs() < 1e-9,
            "{n}: {m:?}"
        );
        prev = m;
    }
}
