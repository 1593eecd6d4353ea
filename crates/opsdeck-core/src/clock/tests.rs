//! Clock scenarios of DOMAIN-REFERENCE §5 worked by hand: the Friday-evening incident on an
//! 8–17 schedule, pause/resume, reset during a pause, stop and pause in one update, cancel,
//! and DST weeks (spring forward and fall back) with a holiday.

use super::*;
use crate::calendar::BusinessHours;
use chrono_tz::Tz;

const NY: Tz = chrono_tz::America::New_York;

fn at(local: &str) -> i64 {
    let t = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    NY.from_local_datetime(&t).earliest().unwrap().timestamp()
}

fn weekdays_8_17(holidays: &[&str]) -> Calendar {
    let mut hours = BusinessHours::default();
    for d in 0..5 {
        hours.days[d] = BusinessHours::parse_ranges("08:00-17:00").unwrap();
    }
    Calendar {
        id: "ny-8-17".into(),
        zone: NY,
        hours,
        holidays: holidays
            .iter()
            .map(|d| (d.parse().unwrap(), "holiday".to_string()))
            .collect(),
    }
}

fn clause(field: &str, any_of: &[&str], not_in: &[&str]) -> Clause {
    Clause {
        field: field.into(),
        any_of: any_of.iter().map(|s| s.to_string()).collect(),
        not_in: not_in.iter().map(|s| s.to_string()).collect(),
    }
}

/// Resolution clock: runs while the incident is open, pauses while awaiting the caller,
/// stops when resolved or closed, resets when `reset` is set to 1.
fn policy(target_h: i64, schedule: Option<Calendar>) -> ClockPolicy {
    ClockPolicy {
        name: "resolution".into(),
        measures: Default::default(),
        target_s: target_h * 3600,
        start: Condition(vec![clause(
            "state",
            &[],
            &["resolved", "closed", "canceled"],
        )]),
        stop: Some(Condition(vec![clause(
            "state",
            &["resolved", "closed"],
            &[],
        )])),
        pause: Some(Condition(vec![clause("state", &["awaiting_caller"], &[])])),
        resume: None,
        reset: Some(Condition(vec![clause("reset", &["1"], &[])])),
        cancel: CancelRule::StartNoLongerMet,
        schedule,
    }
}

fn ev(local: &str, fields: &[(&str, &str)]) -> CaseEvent {
    CaseEvent {
        at_utc: at(local),
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[test]
fn friday_evening_incident_on_an_8_to_17_schedule() {
    // opened Friday 20:49; on Monday 09:26 the business clock shows 1 h 26 min (18 % of 8 h)
    // while actual time is 60 h 37 min (757 %)
    let events = [ev("2026-11-20 20:49", &[("state", "new")])];
    let r = run_clocks(
        &policy(8, Some(weekdays_8_17(&[]))),
        &events,
        at("2026-11-23 09:26"),
    );
    assert_eq!(r.len(), 1);
    let c = &r[0];
    assert_eq!(c.stage, Stage::InProgress);
    assert_eq!(c.business_elapsed_s, 3600 + 26 * 60);
    assert_eq!(c.actual_elapsed_s, 60 * 3600 + 37 * 60);
    assert!((c.business_elapsed_s as f64 / 28_800.0 - 0.18).abs() < 0.005);
    assert!(c.actual_elapsed_s as f64 / 28_800.0 > 6.0);
    assert!(!c.breached);
    // planned breach: 8 business hours from Monday 08:00
    assert_eq!(c.breach_utc, Some(at("2026-11-23 16:00")));
    // in actual time the same incident breached at Saturday 04:49
    let r = run_clocks(&policy(8, None), &events, at("2026-11-23 09:26"));
    assert!(r[0].breached);
    assert_eq!(r[0].business_elapsed_s, r[0].actual_elapsed_s);
    assert_eq!(r[0].breach_utc, Some(at("2026-11-21 04:49")));
}

#[test]
fn pause_and_resume() {
    // runs 09–10 and 13–15 (3 h), paused 10–13 (3 h)
    let events = [
        ev("2026-11-23 09:00", &[("state", "new")]),
        ev("2026-11-23 10:00", &[("state", "awaiting_caller")]),
        ev("2026-11-23 13:00", &[("state", "in_progress")]),
        ev("2026-11-23 15:00", &[("state", "resolved")]),
    ];
    let as_of = at("2026-11-30 00:00");
    let r = run_clocks(&policy(4, Some(weekdays_8_17(&[]))), &events, as_of);
    let c = &r[0];
    assert_eq!(
        (c.stage, c.start_utc, c.stop_utc),
        (
            Stage::Completed,
            at("2026-11-23 09:00"),
            Some(at("2026-11-23 15:00"))
        )
    );
    assert_eq!(
        (c.business_elapsed_s, c.actual_elapsed_s, c.paused_s),
        (3 * 3600, 3 * 3600, 3 * 3600)
    );
    assert!(!c.breached);
    assert_eq!(c.breach_utc, None);
    // a 2 h target is breached at 14:00 (1 h before the pause + 1 h after it)
    let r = run_clocks(&policy(2, Some(weekdays_8_17(&[]))), &events, as_of);
    assert!(r[0].breached);
    assert_eq!(r[0].breach_utc, Some(at("2026-11-23 14:00")));
    // exactly on target is not a breach (elapsed > target, strictly)
    let r = run_clocks(&policy(3, Some(weekdays_8_17(&[]))), &events, as_of);
    assert!(!r[0].breached);
}

#[test]
fn reset_during_a_pause_completes_the_clock_and_starts_a_paused_one() {
    let events = [
        ev("2026-11-23 09:00", &[("state", "new")]),
        ev("2026-11-23 10:00", &[("state", "awaiting_caller")]),
        ev("2026-11-23 11:00", &[("reset", "1")]),
        ev(
            "2026-11-23 12:00",
            &[("state", "in_progress"), ("reset", "0")],
        ),
        ev("2026-11-23 13:00", &[("state", "resolved")]),
    ];
    let r = run_clocks(
        &policy(8, Some(weekdays_8_17(&[]))),
        &events,
        at("2026-11-30 00:00"),
    );
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].attempt, r[0].stage), (1, Stage::Completed));
    assert_eq!(
        (r[0].start_utc, r[0].stop_utc),
        (at("2026-11-23 09:00"), Some(at("2026-11-23 11:00")))
    );
    assert_eq!((r[0].business_elapsed_s, r[0].paused_s), (3600, 3600));
    // the new clock attaches at 11:00 already paused (the pause condition still holds)
    assert_eq!((r[1].attempt, r[1].stage), (2, Stage::Completed));
    assert_eq!(
        (r[1].start_utc, r[1].stop_utc),
        (at("2026-11-23 11:00"), Some(at("2026-11-23 13:00")))
    );
    assert_eq!((r[1].business_elapsed_s, r[1].paused_s), (3600, 3600));
}

#[test]
fn stop_wins_over_pause_in_the_same_update() {
    let mut p = policy(8, Some(weekdays_8_17(&[])));
    p.pause = Some(Condition(vec![clause("on_hold", &["true"], &[])]));
    let events = [
        ev("2026-11-23 09:00", &[("state", "new")]),
        ev(
            "2026-11-23 10:00",
            &[("state", "resolved"), ("on_hold", "true")],
        ),
    ];
    let r = run_clocks(&p, &events, at("2026-11-30 00:00"));
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].stage, r[0].stop_utc),
        (Stage::Completed, Some(at("2026-11-23 10:00")))
    );
    assert_eq!((r[0].business_elapsed_s, r[0].paused_s), (3600, 0));
}

#[test]
fn start_no_longer_met_cancels_and_start_with_stop_never_attaches() {
    let events = [
        ev("2026-11-23 09:00", &[("state", "new")]),
        ev("2026-11-23 09:30", &[("state", "canceled")]),
    ];
    let r = run_clocks(&policy(8, None), &events, at("2026-11-30 00:00"));
    assert_eq!(
        (r[0].stage, r[0].actual_elapsed_s),
        (Stage::Cancelled, 1800)
    );
    assert_eq!(r[0].breach_utc, None);
    // created already resolved: start and stop both hold → nothing attaches
    let r = run_clocks(
        &policy(8, None),
        &[ev("2026-11-23 09:00", &[("state", "resolved")])],
        at("2026-11-30 00:00"),
    );
    assert!(r.is_empty());
    // updates arriving out of order are taken in time order
    let mut shuffled = vec![
        ev("2026-11-23 10:00", &[("state", "resolved")]),
        ev("2026-11-23 09:00", &[("state", "new")]),
    ];
    let r = run_clocks(&policy(8, None), &shuffled, at("2026-11-30 00:00"));
    assert_eq!(r[0].actual_elapsed_s, 3600);
    shuffled.reverse();
    assert_eq!(
        run_clocks(&policy(8, None), &shuffled, at("2026-11-30 00:00")),
        r
    );
}

#[test]
fn dst_weeks_count_business_and_actual_time_correctly() {
    // spring forward on Sunday 2026-03-08: Friday 16:00 EST → Monday 10:00 EDT is 65 h of
    // actual time and 3 business hours (Fri 16–17, Mon 8–10)
    let events = [
        ev("2026-03-06 16:00", &[("state", "new")]),
        ev("2026-03-09 10:00", &[("state", "resolved")]),
    ];
    let r = run_clocks(
        &policy(8, Some(weekdays_8_17(&[]))),
        &events,
        at("2026-03-31 00:00"),
    );
    assert_eq!(
        (r[0].actual_elapsed_s, r[0].business_elapsed_s),
        (65 * 3600, 3 * 3600)
    );
    // a Monday holiday moves the business hours to Tuesday
    let hol = weekdays_8_17(&["2026-03-09"]);
    assert_eq!(
        business_seconds(&hol, at("2026-03-06 16:00"), at("2026-03-10 10:00")),
        3 * 3600
    );
    assert_eq!(
        add_business_seconds(&hol, at("2026-03-06 16:00"), 8 * 3600),
        Some(at("2026-03-10 15:00"))
    );
    // around the clock: the spring-forward Sunday has 23 h, the fall-back Sunday 25 h
    let mut always = weekdays_8_17(&[]);
    always.hours = BusinessHours::always();
    assert_eq!(
        business_seconds(&always, at("2026-03-08 00:00"), at("2026-03-09 00:00")),
        23 * 3600
    );
    assert_eq!(
        business_seconds(&always, at("2026-11-01 00:00"), at("2026-11-02 00:00")),
        25 * 3600
    );
    // a 24 h actual-time target across the fall-back night ends one wall-clock hour earlier
    let r = run_clocks(
        &policy(24, None),
        &[ev("2026-10-31 12:00", &[("state", "new")])],
        at("2026-11-02 00:00"),
    );
    assert!(r[0].breached);
    assert_eq!(r[0].breach_utc, Some(at("2026-11-01 11:00")));
    // business hours on a fall-back Monday-to-Monday week: 5 days × 9 h
    assert_eq!(
        business_seconds(
            &weekdays_8_17(&[]),
            at("2026-10-26 00:00"),
            at("2026-11-02 00:00")
        ),
        45 * 3600
    );
}
