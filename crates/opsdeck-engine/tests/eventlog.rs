//! Event-log reading: the pm4py oracle, CSV and XES of the same log giving the same answers,
//! timestamps (offsets, fractions, ties, zones), chunked parallel reads equal to a direct
//! build, lifecycle pairing and filters at read time, and bad input reported with file, line,
//! field and reason.

use opsdeck_core::mining::{self, Column, EventLog, Interner, Order, RawLog};
use opsdeck_engine::eventlog::{
    read_event_log, time_bound, Keep, Lifecycle, LogFormat, LogOptions, ReadLog,
};
use opsdeck_engine::io::parse::TsFormat;
use std::io::Write;
use std::path::{Path, PathBuf};

fn shared(test: &str) -> Option<PathBuf> {
    opsdeck_testdata::shared_dir(test)
}

fn read(path: &Path, opts: &LogOptions) -> ReadLog {
    read_event_log(path, opts, &|_| {}).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn read_err(path: &Path, opts: &LogOptions) -> String {
    match read_event_log(path, opts, &|_| {}) {
        Ok(r) => panic!(
            "{} read without error: {} events",
            path.display(),
            r.log.n_events()
        ),
        Err(e) => e.to_string(),
    }
}

fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("opsdeck-eventlog-")
        .tempdir()
        .expect("temp dir")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

fn gzip(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    let f = std::fs::File::create(&p).expect("create");
    let mut g = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
    g.write_all(text.as_bytes()).expect("gzip");
    g.finish().expect("finish gzip");
    p
}

fn opts_csv(case: &str, act: &str, ts: &str) -> LogOptions {
    LogOptions {
        case: Some(case.into()),
        activity: Some(act.into()),
        timestamp: Some(ts.into()),
        ..LogOptions::default()
    }
}

#[test]
fn oracle_10k_matches_pm4py() {
    let Some(sh) = shared("oracle_10k_matches_pm4py") else {
        return;
    };
    let oracles = sh.join("peers/oracles");
    let want: serde_json::Value = serde_json::from_slice(
        &std::fs::read(oracles.join("pm4py_10k.json")).expect("read pm4py_10k.json"),
    )
    .expect("oracle is JSON");
    let r = read(&oracles.join("eventlog_10k.csv"), &LogOptions::default());
    assert_eq!(r.issue_count, 0);
    let g = mining::dfg(&r.log);
    assert_eq!(g.events, want["events"].as_u64().unwrap());
    assert_eq!(g.cases, want["cases"].as_u64().unwrap());
    let acts: Vec<&str> = g.activities.iter().map(|a| a.activity.as_str()).collect();
    let want_acts: Vec<&str> = want["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(acts, want_acts);
    let want_edges = want["dfg"].as_array().unwrap();
    assert_eq!(g.edges.len(), want_edges.len());
    for w in want_edges {
        let (from, to) = (w["from"].as_str().unwrap(), w["to"].as_str().unwrap());
        let e = g
            .edges
            .iter()
            .find(|e| e.from == from && e.to == to)
            .unwrap_or_else(|| panic!("edge {from} -> {to} missing"));
        assert_eq!(e.count, w["count"].as_u64().unwrap(), "{from} -> {to}");
        let (got, exp) = (e.duration.mean_s.unwrap(), w["mean_s"].as_f64().unwrap());
        assert!(
            ((got - exp) / exp).abs() < 1e-6,
            "{from} -> {to}: mean {got} vs pm4py {exp}"
        );
    }
    for (key, got) in [
        ("start_activities", &g.start_activities),
        ("end_activities", &g.end_activities),
    ] {
        let w = want[key].as_object().unwrap();
        assert_eq!(got.len(), w.len(), "{key}");
        for a in got {
            assert_eq!(
                Some(a.count),
                w[&a.activity].as_u64(),
                "{key} {}",
                a.activity
            );
        }
    }
    let v = mining::variants(&r.log);
    let want_v = want["variants"].as_array().unwrap();
    assert_eq!(v.len(), want_v.len());
    for (got, w) in v.iter().zip(want_v) {
        let seq: Vec<&str> = w["variant"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(got.variant, seq);
        assert_eq!(got.count, w["count"].as_u64().unwrap(), "{seq:?}");
    }
    // case durations, as pm4py's get_all_case_durations
    let mut d: Vec<i64> = (0..r.log.n_cases())
        .map(|c| r.log.case_duration_us(c))
        .collect();
    let s = mining::DurationStats::from_micros(&mut d);
    let w = &want["case_duration_s"];
    assert!((s.mean_s.unwrap() - w["mean"].as_f64().unwrap()).abs() < 1e-6);
    assert_eq!(s.median_s, w["median"].as_f64());
    assert_eq!(s.p90_s, w["p90"].as_f64());
}

/// Everything an analysis can see of a log: the DFG, the variants and every event as (case,
/// activity, timestamp, resource).
type Fingerprint = (
    mining::Dfg,
    Vec<mining::Variant>,
    Vec<(String, String, i64, Option<String>)>,
);

/// Everything an analysis can see of a log, for comparing two reads.
fn fingerprint(log: &EventLog) -> Fingerprint {
    let events = (0..log.n_cases())
        .flat_map(|c| {
            log.case_range(c).map(move |i| {
                (
                    log.cases[c].clone(),
                    log.activity.get(i).unwrap_or_default().to_string(),
                    log.ts_us[i],
                    log.resource
                        .as_ref()
                        .and_then(|r| r.get(i))
                        .map(str::to_string),
                )
            })
        })
        .collect();
    (mining::dfg(log), mining::variants(log), events)
}

#[test]
fn running_example_csv_and_xes_agree() {
    let Some(sh) = shared("running_example_csv_and_xes_agree") else {
        return;
    };
    let dir = sh.join("data/pm4py_running_example");
    let csv = read(
        &dir.join("running-example.csv"),
        &LogOptions {
            resource: Some("org:resource".into()),
            ..opts_csv("case:concept:name", "concept:name", "time:timestamp")
        },
    );
    let xes = read(&dir.join("running-example.xes"), &LogOptions::default());
    assert_eq!((csv.format, xes.format), (LogFormat::Csv, LogFormat::Xes));
    assert_eq!((csv.issue_count, xes.issue_count), (0, 0));
    assert_eq!((csv.log.n_events(), csv.log.n_cases()), (42, 6));
    let (a, b) = (fingerprint(&csv.log), fingerprint(&xes.log));
    assert_eq!(a, b);
    // known facts of the textbook example
    let g = &a.0;
    assert_eq!(g.activities.len(), 8);
    assert_eq!(g.start_activities.len(), 1);
    assert_eq!(g.start_activities[0].activity, "register request");
    assert_eq!(g.start_activities[0].count, 6);
    let reinit = g
        .activities
        .iter()
        .find(|x| x.activity == "reinitiate request")
        .unwrap();
    assert_eq!(reinit.count, 3);
    assert_eq!(
        a.1.len(),
        6,
        "every case of the running example is its own variant"
    );
}

#[test]
fn timestamps_ties_offsets_fractions_and_zones() {
    let d = tmp();
    let p = write(
        d.path(),
        "t.csv",
        "case_id,activity,timestamp\n\
         c1,b,2025-03-30T02:30:00.250+02:00\n\
         c1,a,2025-03-30T00:30:00Z\n\
         c1,c,2025-03-30T00:30:00.250Z\n\
         c2,x,2025-03-30 00:00:00\n\
         c2,y,2025-03-30 03:00:00\n",
    );
    // c1: b (00:30:00.25 UTC) ties with c; a first. Source order breaks the tie: b before c
    let r = read(&p, &LogOptions::default());
    let acts: Vec<&str> = (0..r.log.n_events())
        .map(|i| r.log.activity.get(i).unwrap())
        .collect();
    assert_eq!(acts, ["a", "b", "c", "x", "y"]);
    let g = mining::dfg(&r.log);
    let e = |f: &str, t: &str| g.edges.iter().find(|e| e.from == f && e.to == t).unwrap();
    assert_eq!(e("a", "b").duration.mean_s, Some(0.25));
    assert_eq!(e("b", "c").duration.mean_s, Some(0.0));
    assert_eq!(
        e("x", "y").duration.mean_s,
        Some(3.0 * 3600.0),
        "naive read as UTC"
    );
    assert_eq!((r.naive_timestamps, r.offset_timestamps), (2, 3));
    assert_eq!(r.log.out_of_order, 1);
    // in Europe/Paris, 2025-03-30 00:00 → 03:00 local is 2 h (clocks go forward at 02:00)
    let paris = read(
        &p,
        &LogOptions {
            zone: "Europe/Paris".parse().unwrap(),
            ..LogOptions::default()
        },
    );
    let g = mining::dfg(&paris.log);
    let xy = g.edges.iter().find(|e| e.from == "x").unwrap();
    assert_eq!(xy.duration.mean_s, Some(2.0 * 3600.0));
    // file order: the out-of-order event gives a negative time, counted and kept
    let file = read(
        &p,
        &LogOptions {
            order: Order::File,
            ..LogOptions::default()
        },
    );
    let g = mining::dfg(&file.log);
    assert_eq!(g.negative_gaps, 1);
    let ba = g
        .edges
        .iter()
        .find(|e| e.from == "b" && e.to == "a")
        .unwrap();
    assert_eq!(ba.duration.mean_s, Some(-0.25));
    assert_eq!(ba.negative, 1);
    // an explicit pattern (ServiceNow's day-first dates)
    let sn = write(
        d.path(),
        "sn.csv",
        "number,incident_state,sys_updated_at\nINC1,New,29/2/2016 01:23\nINC1,Resolved,1/3/2016 11:29\n",
    );
    let r = read(
        &sn,
        &LogOptions {
            ts_format: TsFormat::Pattern("%d/%m/%Y %H:%M".into()),
            ..opts_csv("number", "incident_state", "sys_updated_at")
        },
    );
    let g = mining::dfg(&r.log);
    assert_eq!(
        g.edges[0].duration.mean_s,
        Some((24.0 + 10.0) * 3600.0 + 6.0 * 60.0)
    );
}

/// A log of `n_cases` interleaved cases written as CSV and XES text, and the same log built
/// directly in memory.
fn synthetic(n_cases: usize) -> (String, String, EventLog) {
    let acts = ["Open", "Assign", "Work", "Return", "Close"];
    let mut rows = Vec::new();
    for c in 0..n_cases {
        let steps = 3 + (c * 7919) % 5;
        for k in 0..steps {
            // a name that needs CSV quotes and XML escapes, in the first chunk only (later
            // chunks take the quote-free fast path)
            let a = match acts[(c + k * 3) % acts.len()] {
                "Work" if c < 3 => "Work & \"fix\"",
                a => a,
            };
            // some ties and some events written out of time order
            let t = 1_700_000_000 + (c as i64 % 1000) * 60 + (k as i64) * 37
                - if k == 2 && c % 5 == 0 { 80 } else { 0 };
            rows.push((
                format!("case-{c}"),
                a.to_string(),
                t,
                format!("r{}", (c + k) % 13),
            ));
        }
    }
    // interleave cases as a real export does: by time, stable
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].2 / 600);
    let mut csv = String::from("case_id,activity,timestamp,resource\n");
    let mut raw = RawLog {
        case: Column::new("case_id"),
        activity: Column::new("activity"),
        resource: Some(Column::new("resource")),
        ..RawLog::default()
    };
    let (mut ci, mut ai, mut ri) = (
        Interner::default(),
        Interner::default(),
        Interner::default(),
    );
    for (line, &i) in order.iter().enumerate() {
        let (c, a, t, r) = &rows[i];
        let ts = chrono::DateTime::from_timestamp(*t, 0)
            .unwrap()
            .format("%Y-%m-%d %H:%M:%S");
        let quoted = if a.contains('"') {
            format!("\"{}\"", a.replace('"', "\"\""))
        } else {
            a.clone()
        };
        csv.push_str(&format!("{c},{quoted},{ts},{r}\n"));
        ci.push(&mut raw.case, Some(c));
        ai.push(&mut raw.activity, Some(a));
        if let Some(col) = raw.resource.as_mut() {
            ri.push(col, Some(r));
        }
        raw.ts_us.push(t * 1_000_000);
        raw.source_line.push(line as u64 + 2);
    }
    // XES: one trace per case, events in the same (file) order within the case
    let mut xes = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<log xes.version=\"1.0\">\n  <global scope=\"event\"><string key=\"concept:name\" value=\"x\"/></global>\n");
    let mut by_case: Vec<Vec<usize>> = vec![Vec::new(); n_cases];
    for &i in &order {
        let c: usize = rows[i].0[5..].parse().unwrap();
        by_case[c].push(i);
    }
    let esc = |s: &str| s.replace('&', "&amp;").replace('"', "&quot;");
    for (c, evs) in by_case.iter().enumerate() {
        xes.push_str(&format!(
            "  <trace>\n    <string key=\"concept:name\" value=\"case-{c}\"/>\n"
        ));
        for &i in evs {
            let (_, a, t, r) = &rows[i];
            let ts = chrono::DateTime::from_timestamp(*t, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.3f+00:00");
            xes.push_str(&format!(
                "    <event>\n      <string key=\"concept:name\" value=\"{}\"/>\n      <string key=\"org:resource\" value=\"{r}\"/>\n      <date key=\"time:timestamp\" value=\"{ts}\"/>\n      <list key=\"nested\"><int key=\"n\" value=\"1\"/></list>\n    </event>\n",
                esc(a)
            ));
        }
        xes.push_str("  </trace>\n");
    }
    xes.push_str("</log>\n");
    (csv, xes, EventLog::from_raw(raw, Order::Timestamp))
}

#[test]
fn chunked_parallel_reads_equal_a_direct_build() {
    // more than one 4 MiB chunk in both formats
    let (csv, xes, direct) = synthetic(40_000);
    assert!(
        csv.len() > 5 << 20 && xes.len() > 8 << 20,
        "{} {}",
        csv.len(),
        xes.len()
    );
    let d = tmp();
    let want = fingerprint(&direct);
    for p in [
        write(d.path(), "big.csv", &csv),
        gzip(d.path(), "big.csv.gz", &csv),
    ] {
        let r = read(&p, &LogOptions::default());
        assert_eq!(r.issue_count, 0);
        assert_eq!(
            r.log.cases, direct.cases,
            "cases numbered by first appearance"
        );
        assert_eq!(r.log.source_line, direct.source_line);
        assert_eq!(fingerprint(&r.log), want, "{}", p.display());
    }
    for p in [
        write(d.path(), "big.xes", &xes),
        gzip(d.path(), "big.xes.gz", &xes),
    ] {
        let r = read(&p, &LogOptions::default());
        assert_eq!(r.issue_count, 0);
        let (g, v, mut ev) = fingerprint(&r.log);
        assert_eq!((g, v), (want.0.clone(), want.1.clone()), "{}", p.display());
        let mut we = want.2.clone();
        ev.sort();
        we.sort();
        assert_eq!(ev, we);
    }
}

#[test]
fn xes_end_tag_text_in_comments_and_cdata_does_not_cut_a_chunk() {
    // after every real </trace> the same text again in a comment and in a CDATA section, so the
    // last `</trace>` text of a 4 MiB buffer is mostly not a tag
    let (_, xes, direct) = synthetic(40_000);
    let odd = xes.replace(
        "  </trace>\n",
        "  </trace><!-- </trace> --><![CDATA[ </trace> ]]>\n",
    );
    assert!(odd.len() > 8 << 20);
    let d = tmp();
    let plain = read(&write(d.path(), "plain.xes", &xes), &LogOptions::default());
    let (_, _, mut want) = fingerprint(&direct);
    want.sort();
    for p in [
        write(d.path(), "odd.xes", &odd),
        gzip(d.path(), "odd.xes.gz", &odd),
    ] {
        let r = read(&p, &LogOptions::default());
        assert_eq!(r.issue_count, 0, "{}", p.display());
        assert_eq!(r.log.source_line, plain.log.source_line, "{}", p.display());
        let (_, _, mut got) = fingerprint(&r.log);
        got.sort();
        assert_eq!(got, want, "{}", p.display());
    }
}

#[test]
fn kept_attributes_and_team_columns() {
    let d = tmp();
    let p = write(
        d.path(),
        "k.csv",
        "case_id,activity,timestamp,resource,line,product\nc1,a,2025-01-01 00:00:00,ann,L1,p9\nc1,b,2025-01-01 00:01:00,bob,L2,\n",
    );
    let r = read(
        &p,
        &LogOptions {
            team: Some("line".into()),
            keep: Keep::All,
            ..LogOptions::default()
        },
    );
    assert_eq!(r.columns.attributes, ["product"]);
    let prod = r.log.column("product").unwrap();
    assert_eq!((prod.get(0), prod.get(1)), (Some("p9"), None));
    assert_eq!(r.log.team.as_ref().unwrap().get(1), Some("L2"));
    assert_eq!(r.log.resource.as_ref().unwrap().get(0), Some("ann"));
}

#[test]
fn bad_csv_is_reported_with_file_line_field_and_reason() {
    let d = tmp();
    let missing = write(
        d.path(),
        "missing.csv",
        "case_id,activity,when\nc1,a,2025-01-01 00:00:00\n",
    );
    let e = read_err(&missing, &LogOptions::default());
    assert!(
        e.contains("missing.csv")
            && e.contains("line 1")
            && e.contains("no timestamp column \"timestamp\""),
        "{e}"
    );
    assert!(e.contains("when"), "lists the header: {e}");

    let rows = write(
        d.path(),
        "rows.csv",
        "case_id,activity,timestamp\n\
         c1,a,2025-01-01 00:00:00\n\
         c1,b,not a time\n\
         ,c,2025-01-01 00:02:00\n\
         c1,,2025-01-01 00:03:00\n\
         c1,d,2025-01-01 00:04:00,extra\n\
         c1,e,2025-02-30 00:00:00\n\
         c1,f,2025-01-01 00:05:00\n",
    );
    let r = read(&rows, &LogOptions::default());
    assert_eq!(r.log.n_events(), 2);
    assert_eq!(r.events_read, 7);
    let got: Vec<(u64, &str)> = r
        .issues
        .iter()
        .map(|i| (i.line, i.field.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (3, "timestamp"),
            (4, "case"),
            (5, "activity"),
            (6, "(row)"),
            (7, "timestamp")
        ]
    );
    assert!(
        r.issues[0].reason.contains("not a timestamp"),
        "{:?}",
        r.issues[0]
    );
    assert!(
        r.issues[3]
            .reason
            .contains("has 4 fields, the header has 3"),
        "{:?}",
        r.issues[3]
    );
    assert!(
        r.issues[4].reason.contains("not a valid date"),
        "{:?}",
        r.issues[4]
    );

    let empty = write(d.path(), "empty.csv", "");
    assert!(read_err(&empty, &LogOptions::default()).contains("empty.csv: file is empty"));
    let none = write(
        d.path(),
        "none.csv",
        "case_id,activity,timestamp\nc1,a,bad\n",
    );
    let e = read_err(&none, &LogOptions::default());
    assert!(
        e.contains("no usable events") && e.contains("line 2"),
        "{e}"
    );
}

#[test]
fn bad_xes_is_reported_with_file_line_and_reason() {
    let d = tmp();
    let head = "<?xml version=\"1.0\"?>\n<log>\n";
    let ev = |a: &str, t: &str| {
        format!("<event><string key=\"concept:name\" value=\"{a}\"/><date key=\"time:timestamp\" value=\"{t}\"/></event>\n")
    };
    let good_trace = format!(
        "<trace><string key=\"concept:name\" value=\"c1\"/>\n{}{}</trace>\n",
        ev("a", "2025-01-01T00:00:00Z"),
        ev("b", "2025-01-01T00:01:00Z")
    );
    // file-level problems stop the read: (file, text, words the message must hold)
    let cases: [(&str, String, &[&str]); 5] = [
        (
            "mismatch.xes",
            format!("{head}{good_trace}<trace>\n<event><string key=\"concept:name\" value=\"a\"/></trace>\n</log>\n"),
            &["mismatch.xes: line 8", "expected </event>, found </trace>"],
        ),
        (
            "trunc.xes",
            format!("{head}{good_trace}<trace>\n<string key=\"concept:name\" value=\"c2\"/>\n"),
            &["trunc.xes: line 7", "ends inside <trace>"],
        ),
        ("nolog.xes", format!("{head}{good_trace}"), &["ends before </log>"]),
        ("html.xes", "<html><body></body></html>\n".into(), &["root element is <html>"]),
        (
            "syntax.xes",
            format!("{head}<trace><string key=\"concept:name\" value=\"c1/>\n</trace></log>"),
            &["syntax.xes: line", "malformed XML"],
        ),
    ];
    for (name, text, words) in &cases {
        let e = read_err(&write(d.path(), name, text), &LogOptions::default());
        for w in *words {
            assert!(e.contains(w), "{name}: {e:?} lacks {w:?}");
        }
    }
    // event-level problems: left out with their line
    let p = write(
        d.path(),
        "events.xes",
        &format!(
            "{head}{good_trace}<trace><string key=\"concept:name\" value=\"c2\"/>\n{}<event><string key=\"concept:name\" value=\"x\"/></event>\n{}</trace>\n<trace>\n{}</trace>\n</log>\n",
            ev("a", "yesterday"),
            ev("b", "2025-01-01T00:05:00Z"),
            ev("a", "2025-01-01T00:00:00Z"),
        ),
    );
    let r = read(&p, &LogOptions::default());
    assert_eq!(r.log.n_events(), 3);
    let got: Vec<(u64, &str)> = r
        .issues
        .iter()
        .map(|i| (i.line, i.field.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (8, "time:timestamp"),
            (9, "time:timestamp"),
            (12, "concept:name")
        ]
    );
    assert!(r.issues[0]
        .reason
        .contains("\"yesterday\" is not a timestamp"));
    assert!(r.issues[1].reason.contains("no timestamp"));
    assert!(r.issues[2].reason.contains("trace has no"));
}

/// A tiny log with work items (schedule, start, complete) and a case attribute, as XES.
const LIFECYCLE_XES: &str = "<?xml version=\"1.0\"?>\n<log>\n\
<trace><string key=\"concept:name\" value=\"c1\"/><string key=\"channel\" value=\"phone\"/>\n\
<event><string key=\"concept:name\" value=\"open\"/><string key=\"lifecycle:transition\" value=\"complete\"/><date key=\"time:timestamp\" value=\"2025-01-01T00:00:00Z\"/></event>\n\
<event><string key=\"concept:name\" value=\"work\"/><string key=\"lifecycle:transition\" value=\"schedule\"/><date key=\"time:timestamp\" value=\"2025-01-01T00:01:00Z\"/></event>\n\
<event><string key=\"concept:name\" value=\"work\"/><string key=\"lifecycle:transition\" value=\"start\"/><string key=\"org:resource\" value=\"ann\"/><date key=\"time:timestamp\" value=\"2025-01-01T00:05:00Z\"/></event>\n\
<event><string key=\"concept:name\" value=\"work\"/><string key=\"lifecycle:transition\" value=\"complete\"/><date key=\"time:timestamp\" value=\"2025-01-01T00:15:00Z\"/></event>\n\
</trace>\n\
<trace><string key=\"concept:name\" value=\"c2\"/><string key=\"channel\" value=\"mail\"/>\n\
<event><string key=\"concept:name\" value=\"open\"/><date key=\"time:timestamp\" value=\"2025-01-02T00:00:00Z\"/></event>\n\
<event><string key=\"concept:name\" value=\"close\"/><date key=\"time:timestamp\" value=\"2025-01-02T00:00:07Z\"/></event>\n\
</trace>\n</log>\n";

#[test]
fn lifecycle_transitions_pair_into_instances_when_asked() {
    let d = tmp();
    let xes = write(d.path(), "lc.xes", LIFECYCLE_XES);
    // the library reads events as recorded unless told otherwise
    let plain = read(&xes, &LogOptions::default());
    assert_eq!(plain.log.n_events(), 6);
    assert!(plain.log.intervals.is_none() && plain.columns.lifecycle.is_none());
    assert!(plain.log.attributes.is_empty());
    let auto = LogOptions {
        lifecycle: Lifecycle::Auto,
        ..LogOptions::default()
    };
    let r = read(&xes, &auto);
    assert_eq!((r.events, r.cases), (6, 2));
    assert_eq!(r.columns.lifecycle.as_deref(), Some("lifecycle:transition"));
    let iv = r.log.intervals.as_ref().expect("instances");
    assert_eq!((iv.report.instances, iv.report.started), (4, 1));
    assert_eq!(r.log.n_events(), 4);
    // work: started 00:05, completed 00:15, its resource from the start event
    assert_eq!(r.log.activity.get(1), Some("work"));
    assert_eq!(iv.complete_us[1] - r.log.ts_us[1], 600_000_000);
    assert_eq!(r.log.resource.as_ref().and_then(|c| c.get(1)), Some("ann"));
    let t = mining::activity_times(&r.log);
    assert_eq!(t[2].activity, "work");
    assert_eq!(t[2].service.mean_s, Some(600.0));
    assert_eq!(t[2].waiting.mean_s, Some(300.0));

    // a log whose events carry no transition is read as before, with Auto
    let none = write(
        d.path(),
        "none.xes",
        &LIFECYCLE_XES.replace("lifecycle:transition", "other:key"),
    );
    let r = read(&none, &auto);
    assert!(r.log.intervals.is_none() && r.columns.lifecycle.is_none());
    assert!(r.log.attributes.is_empty() && r.columns.attributes.is_empty());
    // only `complete`: nothing to pair either
    let complete = write(
        d.path(),
        "complete.xes",
        &LIFECYCLE_XES
            .replace("value=\"schedule\"", "value=\"COMPLETE\"")
            .replace("value=\"start\"", "value=\"Complete\""),
    );
    let r = read(&complete, &auto);
    assert!(r.log.intervals.is_none());
    assert_eq!(r.columns.lifecycle.as_deref(), Some("lifecycle:transition"));

    // CSV: only a named column; one missing from the header stops the read
    let csv = write(
        d.path(),
        "lc.csv",
        "case_id,activity,timestamp,state\nc1,a,2025-01-01 00:00:00,start\nc1,a,2025-01-01 00:00:09,complete\n",
    );
    assert!(read(&csv, &auto).log.intervals.is_none());
    let named = |c: &str| LogOptions {
        lifecycle: Lifecycle::Column(c.into()),
        ..LogOptions::default()
    };
    let r = read(&csv, &named("state"));
    assert_eq!(r.log.n_events(), 1);
    let e = read_err(&csv, &named("life"));
    assert!(
        e.contains("lc.csv: line 1: no lifecycle column \"life\" (the header has: case_id, activity, timestamp, state); name it with --lifecycle"),
        "{e}"
    );
}

#[test]
fn filters_read_the_attributes_they_name() {
    let d = tmp();
    let xes = write(d.path(), "lc.xes", LIFECYCLE_XES);
    let with = |f: &dyn Fn(&mut mining::Filter)| {
        let mut filter = mining::Filter::default();
        f(&mut filter);
        LogOptions {
            filter,
            lifecycle: Lifecycle::Auto,
            ..LogOptions::default()
        }
    };
    // a trace attribute, and the activity (read once, by its own column)
    let r = read(&xes, &with(&|f| f.add("case:channel", "mail")));
    assert_eq!(r.log.cases, ["c2"]);
    let f = r.filtered.expect("filtered");
    assert_eq!(
        (f.cases_in, f.events_in, f.cases_kept, f.events_kept),
        (2, 6, 1, 2)
    );
    let r = read(&xes, &with(&|f| f.add("concept:name", "close")));
    assert_eq!(r.log.cases, ["c2"]);
    assert!(!r.columns.attributes.contains(&"concept:name".to_string()));
    // the case id as a trace attribute, and the lifecycle column itself
    let r = read(&xes, &with(&|f| f.add("case:concept:name", "c1")));
    assert_eq!((r.log.cases.len(), r.log.n_events()), (1, 2));
    let r = read(&xes, &with(&|f| f.add("lifecycle:transition", "schedule")));
    assert_eq!(r.log.cases, ["c1"]);
    // a time range, before pairing: day 1 holds case 1 only
    let day = |s: &str, end| time_bound(s, chrono_tz::UTC, end).expect("bound");
    let r = read(
        &xes,
        &with(&|f| {
            f.from_us = Some(day("2025-01-01", false));
            f.to_us = Some(day("2025-01-01", true));
        }),
    );
    assert_eq!(r.log.cases, ["c1"]);
    let e = read_err(&xes, &with(&|f| f.add("case:colour", "red")));
    assert!(
        e.contains("lc.xes: filter on case:colour: no event has this attribute"),
        "{e}"
    );
}

#[test]
fn time_bounds_take_dates_and_instants() {
    let utc = chrono_tz::UTC;
    let paris: chrono_tz::Tz = "Europe/Paris".parse().expect("zone");
    let day = 86_400_000_000i64;
    let jan1 = 1_735_689_600_000_000i64; // 2025-01-01T00:00:00Z
    assert_eq!(time_bound("2025-01-01", utc, false), Ok(jan1));
    assert_eq!(time_bound("2025-01-01", utc, true), Ok(jan1 + day - 1));
    assert_eq!(
        time_bound("2025-01-01", paris, false),
        Ok(jan1 - 3_600_000_000)
    );
    assert_eq!(
        time_bound("2025-01-01T01:00:00.5+01:00", utc, true),
        Ok(jan1 + 500_000)
    );
    assert_eq!(time_bound("2025-01-01 01:00:00", paris, false), Ok(jan1));
    let e = time_bound("01/01/2025", utc, false).unwrap_err();
    assert!(
        e.contains("is not a date (YYYY-MM-DD) or a timestamp"),
        "{e}"
    );
}
