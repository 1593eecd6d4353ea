//! Hand-computed checks of every mining function on tiny logs.

use super::*;

/// (case, activity, seconds, team) rows in source order.
fn log_of(rows: &[(&str, &str, i64, Option<&str>)], order: Order) -> EventLog {
    let mut r = RawLog {
        case: Column::new("case"),
        activity: Column::new("activity"),
        team: Some(Column::new("team")),
        ..RawLog::default()
    };
    let (mut ci, mut ai, mut ti) = (
        Interner::default(),
        Interner::default(),
        Interner::default(),
    );
    for (k, (c, a, t, team)) in rows.iter().enumerate() {
        ci.push(&mut r.case, Some(c));
        ai.push(&mut r.activity, Some(a));
        if let Some(col) = r.team.as_mut() {
            ti.push(col, *team);
        }
        r.ts_us.push(t * 1_000_000);
        r.source_line.push(k as u64 + 2);
    }
    EventLog::from_raw(r, order)
}

fn simple(rows: &[(&str, &str, i64)], order: Order) -> EventLog {
    let rows: Vec<_> = rows.iter().map(|&(c, a, t)| (c, a, t, None)).collect();
    log_of(&rows, order)
}

fn edge<'a>(g: &'a Dfg, from: &str, to: &str) -> &'a Edge {
    g.edges
        .iter()
        .find(|e| e.from == from && e.to == to)
        .unwrap_or_else(|| panic!("no edge {from} -> {to} in {:?}", g.edges))
}

#[test]
fn dfg_counts_times_starts_and_ends() {
    let log = simple(
        &[
            ("1", "a", 0),
            ("2", "a", 0),
            ("1", "b", 10),
            ("2", "b", 30),
            ("1", "c", 15),
            ("2", "b", 40),
        ],
        Order::Timestamp,
    );
    let g = dfg(&log);
    assert_eq!((g.events, g.cases), (6, 2));
    let ab = edge(&g, "a", "b");
    assert_eq!(ab.count, 2);
    assert_eq!(ab.duration.mean_s, Some(20.0));
    assert_eq!(ab.duration.median_s, Some(20.0));
    assert_eq!(ab.duration.p90_s, Some(28.0));
    assert_eq!(edge(&g, "b", "c").count, 1);
    assert_eq!(edge(&g, "b", "b").duration.mean_s, Some(10.0));
    assert_eq!(g.edges.len(), 3);
    let names = |v: &[ActivityCount]| -> Vec<(String, u64)> {
        v.iter().map(|a| (a.activity.clone(), a.count)).collect()
    };
    assert_eq!(names(&g.start_activities), [("a".to_string(), 2)]);
    assert_eq!(
        names(&g.end_activities),
        [("b".to_string(), 1), ("c".to_string(), 1)]
    );
    assert_eq!(g.negative_gaps, 0);
    let b = bottlenecks(&g);
    assert_eq!((b[0].from.as_str(), b[0].to.as_str()), ("a", "b"));
    assert_eq!(b[0].total_s, 40.0);
    assert_eq!(b[0].share, Some(40.0 / 55.0));
}

#[test]
fn ties_keep_source_order_and_take_zero_time() {
    // b and c share a timestamp: source order decides, the gap between them is 0
    let log = simple(
        &[("1", "c", 5), ("1", "a", 0), ("1", "b", 5), ("1", "d", 9)],
        Order::Timestamp,
    );
    let g = dfg(&log);
    assert_eq!(edge(&g, "a", "c").duration.mean_s, Some(5.0));
    assert_eq!(edge(&g, "c", "b").duration.mean_s, Some(0.0));
    assert_eq!(edge(&g, "b", "d").duration.mean_s, Some(4.0));
    assert_eq!(variants(&log)[0].variant, ["a", "c", "b", "d"]);
    assert_eq!(log.out_of_order, 1);
}

#[test]
fn negative_times_in_file_order_are_counted_not_clamped() {
    let rows = [("1", "a", 100), ("1", "b", 40), ("1", "c", 50)];
    let log = simple(&rows, Order::File);
    let g = dfg(&log);
    assert_eq!(edge(&g, "a", "b").duration.mean_s, Some(-60.0));
    assert_eq!(edge(&g, "a", "b").negative, 1);
    assert_eq!(g.negative_gaps, 1);
    assert_eq!(log.out_of_order, 1);
    assert_eq!(log.case_duration_us(0), 60_000_000);
    // ordered by time instead, nothing is negative
    let g = dfg(&simple(&rows, Order::Timestamp));
    assert_eq!(g.negative_gaps, 0);
    assert_eq!(edge(&g, "b", "c").duration.mean_s, Some(10.0));
}

#[test]
fn variants_rank_by_count_then_sequence() {
    let log = simple(
        &[
            ("1", "a", 0),
            ("1", "b", 1),
            ("2", "a", 0),
            ("2", "c", 1),
            ("3", "a", 0),
            ("3", "b", 1),
        ],
        Order::Timestamp,
    );
    let v = variants(&log);
    assert_eq!(v.len(), 2);
    assert_eq!(
        (v[0].variant.clone(), v[0].count),
        (vec!["a".into(), "b".into()], 2)
    );
    assert!((v[0].share - 2.0 / 3.0).abs() < 1e-15);
    assert_eq!(v[1].variant, ["a", "c"]);
}

#[test]
fn rework_counts_cases_with_repeats() {
    let log = simple(
        &[
            ("1", "a", 0),
            ("1", "b", 1),
            ("1", "b", 2),
            ("1", "b", 3),
            ("2", "b", 0),
            ("3", "a", 0),
            ("3", "a", 1),
        ],
        Order::Timestamp,
    );
    let r = rework(&log);
    let b = r.iter().find(|x| x.activity == "b").unwrap();
    assert_eq!(
        (
            b.cases_with_activity,
            b.cases_with_rework,
            b.extra_occurrences
        ),
        (2, 1, 2)
    );
    assert_eq!(b.rework_rate, Some(0.5));
    let a = r.iter().find(|x| x.activity == "a").unwrap();
    assert_eq!(
        (
            a.cases_with_activity,
            a.cases_with_rework,
            a.extra_occurrences
        ),
        (2, 1, 1)
    );
}

#[test]
fn pingpong_fixture_has_the_hand_computed_answer() {
    let t = |s| Some(s);
    let log = log_of(
        &[
            // A: L1 L1 L2 L1 L3 → L1 L2 L1 L3: one L1→L2→L1
            ("A", "open", 0, t("L1")),
            ("A", "work", 10, t("L1")),
            ("A", "escalate", 20, t("L2")),
            ("A", "return", 30, t("L1")),
            ("A", "close", 100, t("L3")),
            // B: L1 L2 L1 L2: L1→L2→L1 and L2→L1→L2; a missing team in between is skipped
            ("B", "open", 0, t("L1")),
            ("B", "escalate", 50, t("L2")),
            ("B", "note", 60, None),
            ("B", "return", 100, t("L1")),
            ("B", "close", 300, t("L2")),
            // C: L1 L2 L3, no ping-pong
            ("C", "open", 0, t("L1")),
            ("C", "escalate", 20, t("L2")),
            ("C", "close", 50, t("L3")),
            // D: no team at all
            ("D", "open", 0, None),
            ("D", "close", 10, None),
        ],
        Order::Timestamp,
    );
    let p = pingpong(&log, log.team.as_ref().unwrap());
    assert_eq!(p.by, "team");
    assert_eq!(
        (p.cases, p.cases_with_pingpong, p.cases_without_values),
        (4, 2, 1)
    );
    assert_eq!(p.rate, Some(0.5));
    assert_eq!((p.patterns, p.handovers), (3, 8));
    assert_eq!(p.duration_with.mean_s, Some(200.0));
    assert_eq!(p.duration_without.mean_s, Some(30.0));
    assert_eq!(p.mean_difference_s, Some(170.0));
    assert_eq!(p.median_difference_s, Some(170.0));
    let pairs: Vec<(&str, &str, u64, u64)> = p
        .pairs
        .iter()
        .map(|x| (x.from.as_str(), x.via.as_str(), x.occurrences, x.cases))
        .collect();
    assert_eq!(pairs, [("L1", "L2", 2, 2), ("L2", "L1", 1, 1)]);
}

#[test]
fn automation_ranks_by_regular_hours() {
    // "check" always follows "open" and takes 1 h; "fix" takes 2 h but follows
    // "check" only half of the time
    let mut rows = Vec::new();
    let names: Vec<String> = (0..4).map(|i| format!("c{i}")).collect();
    for (i, c) in names.iter().enumerate() {
        rows.push((c.as_str(), "open", 0));
        rows.push((c.as_str(), "check", 3600));
        if i % 2 == 0 {
            rows.push((c.as_str(), "fix", 3 * 3600));
        } else {
            rows.push((c.as_str(), "wait", 3600 + 60));
            rows.push((c.as_str(), "fix", 3600 + 60 + 7200));
        }
    }
    let log = simple(&rows, Order::Timestamp);
    let opts = AutomationOptions {
        cost_per_hour: 50.0,
        min_occurrences: 1,
        max_work_s: 8.0 * 3600.0,
    };
    let a = automation(&log, &opts);
    let check = a.iter().find(|c| c.activity == "check").unwrap();
    assert_eq!(check.regularity, Some(1.0));
    assert_eq!(check.saved_s, 4.0 * 3600.0);
    assert_eq!(check.cost_saved, 200.0);
    assert_eq!(check.top_predecessor.as_deref(), Some("open"));
    let fix = a.iter().find(|c| c.activity == "fix").unwrap();
    assert_eq!(fix.regularity, Some(0.5));
    assert_eq!(fix.saved_s, 4.0 * 2.0 * 0.5 * 3600.0);
    assert_eq!(a[0].activity, "check");
    assert_eq!(a[0].rank, 1);
    assert_eq!(
        fix.top_predecessor.as_deref(),
        Some("check"),
        "ties by name"
    );
    // open is never measured (always first): not ranked unless asked for
    assert!(a.iter().all(|c| c.activity != "open"));
    let all = automation(
        &log,
        &AutomationOptions {
            min_occurrences: 0,
            ..opts
        },
    );
    // with a 90-minute work cap, fix's 2 h gaps are waiting: nothing to save
    let capped = automation(
        &log,
        &AutomationOptions {
            max_work_s: 5400.0,
            ..opts
        },
    );
    let fix = capped.iter().find(|c| c.activity == "fix").unwrap();
    assert_eq!((fix.saved_s, fix.waiting_share), (0.0, Some(1.0)));
    let check = capped.iter().find(|c| c.activity == "check").unwrap();
    assert_eq!(
        (check.saved_s, check.waiting_share),
        (4.0 * 3600.0, Some(0.0))
    );
    let open = all.iter().find(|c| c.activity == "open").unwrap();
    assert_eq!((open.duration.count, open.saved_s), (0, 0.0));
    assert_eq!(open.regularity, None);
}

#[test]
fn summary_collects_everything() {
    let log = simple(
        &[("1", "a", 0), ("1", "b", 5), ("1", "a", 9)],
        Order::Timestamp,
    );
    let s = summary(&log, &AutomationOptions::default(), 10);
    assert_eq!((s.events, s.cases, s.activities, s.variants), (3, 1, 2, 1));
    assert_eq!(s.case_duration.mean_s, Some(9.0));
    assert_eq!(s.rework.len(), 1);
    assert_eq!(s.bottlenecks.len(), 2);
    assert!(s.pingpong_team.is_some() && s.pingpong_resource.is_none());
}

/// (case, activity, seconds, transition, resource) of an event.
type Row<'a> = (&'a str, &'a str, i64, Option<&'a str>, Option<&'a str>);

/// Rows in source order, with the transition column named "lifecycle:transition".
fn lifecycle_log(rows: &[Row<'_>], order: Order) -> EventLog {
    let mut r = RawLog {
        case: Column::new("case"),
        activity: Column::new("activity"),
        resource: Some(Column::new("resource")),
        attributes: vec![Column::new("lifecycle:transition")],
        ..RawLog::default()
    };
    let mut i: Vec<Interner> = (0..4).map(|_| Interner::default()).collect();
    for (k, (c, a, t, tr, res)) in rows.iter().enumerate() {
        i[0].push(&mut r.case, Some(c));
        i[1].push(&mut r.activity, Some(a));
        if let Some(col) = r.resource.as_mut() {
            i[2].push(col, *res);
        }
        i[3].push(&mut r.attributes[0], *tr);
        r.ts_us.push(t * 1_000_000);
        r.source_line.push(k as u64 + 2);
    }
    EventLog::from_raw(r, order)
}

fn paired(log: &EventLog) -> EventLog {
    instances(log, &log.attributes[0])
}

/// Per instance of the log: (case, activity, start s, complete s, started).
fn instance_rows(log: &EventLog) -> Vec<(String, String, i64, i64, bool)> {
    let iv = log.intervals.as_ref().expect("instances");
    (0..log.n_cases())
        .flat_map(|c| {
            log.case_range(c).map(move |i| {
                (
                    log.cases[c].clone(),
                    log.activity.get(i).unwrap_or("").to_string(),
                    log.ts_us[i] / 1_000_000,
                    iv.complete_us[i] / 1_000_000,
                    iv.started[i],
                )
            })
        })
        .collect()
}

const S: Option<&str> = Some("START");
const C: Option<&str> = Some("COMPLETE");

/// Case 1 has a scheduled, started and completed `a` overlapping `b`, then two `a` started
/// before either completes (the first complete closes the first start) and a `c` never
/// completed; case 2 is only scheduled; case 3 has no transition values at all.
fn lifecycle_rows() -> Vec<Row<'static>> {
    vec![
        ("1", "a", 0, Some("schedule"), None),
        ("1", "a", 10, S, Some("ann")),
        ("1", "b", 15, C, Some("sys")),
        ("1", "a", 40, C, None),
        ("1", "a", 50, S, Some("bob")),
        ("1", "a", 55, Some("start"), Some("cat")),
        ("1", "a", 60, Some("complete"), Some("dan")),
        ("1", "a", 90, C, None),
        ("1", "c", 95, S, None),
        ("2", "x", 0, Some("SCHEDULE"), None),
        ("3", "p", 0, None, None),
        ("3", "q", 7, None, None),
    ]
}

#[test]
fn complete_closes_the_earliest_open_start_of_its_activity() {
    let log = lifecycle_log(&lifecycle_rows(), Order::Timestamp);
    assert!(has_transitions(&log.attributes[0]));
    let inst = paired(&log);
    let s = |c: &str, a: &str, st, co, started| (c.to_string(), a.to_string(), st, co, started);
    assert_eq!(
        instance_rows(&inst),
        [
            s("1", "a", 10, 40, true),
            s("1", "b", 15, 15, false),
            s("1", "a", 50, 60, true),
            s("1", "a", 55, 90, true),
            s("3", "p", 0, 0, false),
            s("3", "q", 7, 7, false),
        ]
    );
    // the resource of the complete event, else the start's
    let res: Vec<Option<&str>> = (0..inst.n_events())
        .map(|i| inst.resource.as_ref().and_then(|r| r.get(i)))
        .collect();
    assert_eq!(
        res,
        [
            Some("ann"),
            Some("sys"),
            Some("dan"),
            Some("cat"),
            None,
            None
        ]
    );
    assert_eq!(inst.source_line, [5, 4, 8, 9, 12, 13]);
    let r = &inst.intervals.as_ref().unwrap().report;
    assert_eq!(
        (
            r.events,
            r.instances,
            r.started,
            r.unmatched_starts,
            r.cases_without_instances
        ),
        (12, 6, 3, 1, 1)
    );
    let other: Vec<(&str, u64)> = r
        .other
        .iter()
        .map(|o| (o.transition.as_str(), o.events))
        .collect();
    assert_eq!(other, [("SCHEDULE", 1), ("schedule", 1)]);
    assert_eq!(inst.cases, ["1", "3"]);
    assert_eq!(inst.case_duration_us(0), 80_000_000);

    // directly-follows: completion of one instance to the start of the next, negative when
    // they overlap
    let g = dfg(&inst);
    assert_eq!((g.events, g.cases), (6, 2));
    assert_eq!(edge(&g, "a", "b").duration.mean_s, Some(-25.0));
    assert_eq!(edge(&g, "b", "a").duration.mean_s, Some(35.0));
    assert_eq!(edge(&g, "a", "a").duration.mean_s, Some(-5.0));
    assert_eq!(edge(&g, "a", "a").count, 1);
    assert_eq!(g.negative_gaps, 2);
    let rw = rework(&inst);
    let a = rw.iter().find(|x| x.activity == "a").unwrap();
    assert_eq!((a.cases_with_rework, a.extra_occurrences), (1, 2));
    assert_eq!(variants(&inst)[0].variant.len(), 4);

    let t = activity_times(&inst);
    let names: Vec<&str> = t.iter().map(|x| x.activity.as_str()).collect();
    assert_eq!(names, ["a", "b", "p", "q"]);
    let a = &t[0];
    assert_eq!((a.instances, a.cases, a.service.count), (3, 1, 3));
    assert_eq!(a.service.mean_s, Some(25.0));
    assert_eq!(a.service.median_s, Some(30.0));
    assert_eq!(
        (a.waiting.count, a.waiting.total_s, a.overlapping),
        (2, 30.0, 1)
    );
    let b = &t[1];
    assert_eq!((b.service.count, b.service.mean_s), (0, None));
    assert_eq!((b.waiting.mean_s, b.overlapping), (Some(-25.0), 1));
    assert_eq!(t[3].waiting.mean_s, Some(7.0));

    // automation: started instances by their service time, the others from the last event of
    // the instance before them (b: the start of the a still running)
    let opts = AutomationOptions {
        min_occurrences: 0,
        ..AutomationOptions::default()
    };
    let au = automation(&inst, &opts);
    let a = au.iter().find(|x| x.activity == "a").unwrap();
    assert_eq!((a.duration.count, a.duration.mean_s), (3, Some(25.0)));
    // predecessors of a: b then a (one each, of two with a predecessor)
    assert_eq!(a.regularity, Some(0.5));
    let b = au.iter().find(|x| x.activity == "b").unwrap();
    assert_eq!((b.duration.count, b.duration.mean_s), (1, Some(5.0)));
    assert_eq!(b.regularity, Some(1.0));
    let q = au.iter().find(|x| x.activity == "q").unwrap();
    assert_eq!(q.duration.mean_s, Some(7.0));
}

#[test]
fn instance_ties_follow_completion_or_file_order() {
    // x and y start at the same second; y completes first
    let rows = [
        ("1", "x", 5, S, None),
        ("1", "y", 5, S, None),
        ("1", "y", 6, C, None),
        ("1", "x", 8, C, None),
        ("1", "z", 2, C, None),
    ];
    let by_time = paired(&lifecycle_log(&rows, Order::Timestamp));
    let acts = |l: &EventLog| -> Vec<String> {
        (0..l.n_events())
            .map(|i| l.activity.get(i).unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(acts(&by_time), ["z", "y", "x"]);
    // file order: by the event that opened each instance
    let by_file = paired(&lifecycle_log(&rows, Order::File));
    assert_eq!(acts(&by_file), ["x", "y", "z"]);
}

#[test]
fn filters_keep_cases_by_attribute_values_and_time() {
    let rows = [
        ("1", "a", 0, C, Some("ann")),
        ("1", "b", 10, C, Some("bob")),
        ("2", "a", 20, C, Some("cat")),
        ("2", "b", 30, C, Some("ann")),
        ("3", "a", 5, C, Some("bob")),
        ("3", "c", 50, C, None),
    ];
    let log = lifecycle_log(&rows, Order::Timestamp);
    let run = |f: &Filter| {
        let (l, r) = filter(&log, f).expect("filter");
        (l.cases.clone(), r.events_kept)
    };
    let mut f = Filter::default();
    f.add("resource", "ann");
    assert_eq!(run(&f), (vec!["1".into(), "2".into()], 4));
    f.add("resource", "bob");
    assert_eq!(run(&f).0.len(), 3);
    f.add("activity", "c");
    assert_eq!(run(&f), (vec!["3".into()], 2));
    let range = |from: i64, to: i64, mode| Filter {
        from_us: Some(from * 1_000_000),
        to_us: Some(to * 1_000_000),
        time_mode: mode,
        ..Filter::default()
    };
    assert_eq!(
        run(&range(0, 30, TimeMode::Contained)),
        (vec!["1".into(), "2".into()], 4)
    );
    assert_eq!(
        run(&range(5, 20, TimeMode::Started)),
        (vec!["2".into(), "3".into()], 4)
    );
    assert_eq!(
        run(&range(5, 20, TimeMode::Events)),
        (vec!["1".into(), "2".into(), "3".into()], 3)
    );
    let (_, r) = filter(&log, &range(5, 20, TimeMode::Events)).unwrap();
    assert_eq!(
        (r.cases_in, r.events_in, r.cases_kept, r.events_kept),
        (3, 6, 3, 3)
    );
    let mut bad = Filter::default();
    bad.add("colour", "red");
    assert_eq!(
        filter(&log, &bad).err().as_deref(),
        Some("filter on colour: the log has no such attribute")
    );
}

proptest::proptest! {
    /// A log whose transitions are all `complete` (or missing) has instances that are its
    /// events: every analysis gives the same answer on both.
    #[test]
    fn complete_only_logs_pair_into_themselves(
        events in proptest::collection::vec((0u8..4, 0u8..3, 0i64..6, proptest::bool::ANY), 1..40),
        file in proptest::bool::ANY,
    ) {
        let order = if file { Order::File } else { Order::Timestamp };
        let named: Vec<(String, String, i64, bool)> = events
            .iter()
            .map(|(c, a, t, has)| (format!("c{c}"), format!("a{a}"), *t, *has))
            .collect();
        let rows: Vec<_> = named
            .iter()
            .map(|(c, a, t, has)| (c.as_str(), a.as_str(), *t, has.then_some("Complete"), Some("r")))
            .collect();
        let log = lifecycle_log(&rows, order);
        proptest::prop_assert!(!has_transitions(&log.attributes[0]));
        let inst = paired(&log);
        proptest::prop_assert_eq!(dfg(&inst), dfg(&log));
        proptest::prop_assert_eq!(variants(&inst), variants(&log));
        proptest::prop_assert_eq!(rework(&inst), rework(&log));
        let opts = AutomationOptions { min_occurrences: 0, ..AutomationOptions::default() };
        proptest::prop_assert_eq!(automation(&inst, &opts), automation(&log, &opts));
        proptest::prop_assert_eq!(activity_times(&inst), activity_times(&log));
        let r = log.resource.as_ref().unwrap();
        proptest::prop_assert_eq!(pingpong(&inst, inst.resource.as_ref().unwrap()), pingpong(&log, r));
    }
}
