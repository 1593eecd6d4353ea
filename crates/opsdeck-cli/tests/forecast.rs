//! `opsdeck forecast` end to end: the output format, opening hours for `--horizon-days`, bad
//! input (file, line, field), and the backtest on the real US-bank series, where opsdeck must
//! beat both seasonal-naive baselines.

mod util;

use util::{Dir, TestCommand};

/// Four weeks of a Mon–Fri 09:00–12:00 half-hourly series: 6 intervals a day, volume
/// 10 × weekday number + interval index.
fn history() -> String {
    let mut s = String::from("ts,volume\n");
    for day in 0..28 {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap() + chrono::Duration::days(day);
        let w = chrono::Datelike::weekday(&d).num_days_from_monday();
        if w >= 5 {
            continue;
        }
        for k in 0..6u32 {
            let t = d.and_hms_opt(9 + k / 2, 30 * (k % 2), 0).unwrap();
            s.push_str(&format!(
                "{},{}\n",
                t.format("%Y-%m-%d %H:%M:%S"),
                10 * (w + 1) + k
            ));
        }
    }
    s
}

/// Run `opsdeck forecast --input INPUT ARGS...` in the test's directory.
fn run_forecast(dir: &Dir, input: &std::path::Path, args: &[&str]) -> util::Output {
    dir.cmd()
        .args(["forecast", "--input"])
        .arg(input)
        .args(args)
        .run()
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn horizon_days_forecasts_the_inferred_opening_hours() {
    let dir = Dir::new();
    let p = dir.write("h.csv", history());
    let out = run_forecast(&dir, &p, &["--horizon-days", "7"]);
    out.success();
    assert!(
        out.stdout.starts_with("ts,forecast,lower,upper\n"),
        "{}",
        out.stdout
    );
    let rows = csv_rows(&out.stdout);
    assert_eq!(rows.len(), 5 * 6, "Mon–Fri, 6 intervals a day");
    assert_eq!(rows[0][0], "2025-03-31 09:00:00");
    assert_eq!(rows[29][0], "2025-04-04 11:30:00");
    for r in &rows {
        let t = chrono::NaiveDateTime::parse_from_str(&r[0], "%Y-%m-%d %H:%M:%S").unwrap();
        let w = chrono::Datelike::weekday(&t.date()).num_days_from_monday();
        let k = (chrono::Timelike::hour(&t) - 9) * 2 + chrono::Timelike::minute(&t) / 30;
        let want = f64::from(10 * (w + 1) + k);
        let (f, lo, hi): (f64, f64, f64) = (
            r[1].parse().unwrap(),
            r[2].parse().unwrap(),
            r[3].parse().unwrap(),
        );
        assert!((f - want).abs() < 1e-6 * want, "{r:?} vs {want}");
        assert!(lo <= f && f <= hi, "{r:?}");
    }
    out.stderr_has("opening hours: Mon 09:00–12:00");
    out.stderr_has("Sat closed");
}

#[test]
fn at_file_and_json_output() {
    let dir = Dir::new();
    let p = dir.write("h.csv", history());
    let at = dir.write("at.csv", "ts\n2025-04-01 10:00:00\n2025-04-05 10:00:00\n");
    let at = at.to_str().unwrap();
    let out = run_forecast(&dir, &p, &["--at", at, "--format", "json"]);
    out.success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0]["ts"], "2025-04-01 10:00:00");
    assert!(
        (a[0]["forecast"].as_f64().unwrap() - 22.0).abs() < 1e-6,
        "{v}"
    );
    assert_eq!(a[1]["forecast"].as_f64(), Some(0.0), "Saturday is closed");
    out.stderr_has("1 outside the opening hours");
}

#[test]
fn backtest_reports_every_method() {
    let dir = Dir::new();
    let p = dir.write("h.csv", history());
    let out = run_forecast(&dir, &p, &["--backtest", "7"]);
    out.success();
    let rows = csv_rows(&out.stdout);
    let methods: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        methods,
        ["opsdeck", "seasonal_naive_weekly", "seasonal_naive_daily"]
    );
    // the series repeats every week exactly: opsdeck and the weekly naive are exact
    assert!(rows[0][1].parse::<f64>().unwrap() < 1e-9, "{rows:?}");
    assert_eq!(rows[1][1], "0.0");
    assert!(rows[2][1].parse::<f64>().unwrap() > 0.1, "{rows:?}");
}

/// A volume series is cut by the contact reader's rules: a stray quote costs its own row.
#[test]
fn a_stray_quote_in_a_series_costs_one_row() {
    let dir = Dir::new();
    let text = history();
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len() - 1;
    let mut broken: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    broken[5] = format!("\"{}", broken[5]);
    let p = dir.write("h.csv", broken.join("\n") + "\n");
    let out = run_forecast(&dir, &p, &["--horizon-days", "3"]);
    out.code(3);
    out.stderr_has(&format!("{n} rows read, 1 rejected"));
    out.stderr_has("h.csv:6: (row): the quoted field opened on line 6");
}

#[test]
fn bad_rows_are_reported_with_line_and_field() {
    let dir = Dir::new();
    let mut text = history();
    text.push_str("2025-04-01 09:00:00,-3\n2025-04-01 9h,4\n2025-03-03 09:00:00,99\n2025-04-01 10:00:00,abc\n");
    let p = dir.write("h.csv", text);
    let out = run_forecast(&dir, &p, &["--horizon-days", "3"]);
    out.code(3);
    out.stderr_has("4 rejected");
    out.stderr_has("h.csv:122: volume: negative volume \"-3\"");
    out.stderr_has("h.csv:123: ts: \"2025-04-01 9h\" is not a timestamp");
    out.stderr_has("h.csv:124: ts: timestamp 2025-03-03 09:00:00 already appears on line 2");
    out.stderr_has("h.csv:125: volume: \"abc\" is not a number");
    assert_eq!(
        csv_rows(&out.stdout).len(),
        6,
        "Sat, Sun closed, Monday forecast from the good rows"
    );
}

#[test]
fn file_level_problems_stop_with_a_clear_message() {
    let dir = Dir::new();
    let check = |name: &str, bytes: &[u8], args: &[&str], want: &str| {
        let p = dir.write(name, bytes);
        let out = run_forecast(&dir, &p, args);
        // a column named by a flag is the user's to fix on the command line (2), the rest 1
        out.code(if want.contains("--") { 2 } else { 1 });
        out.stderr_has(name);
        out.stderr_has(want);
    };
    check("empty.csv", b"", &["--horizon-days", "1"], "file is empty");
    check(
        "header.csv",
        b"ts,volume\n",
        &["--horizon-days", "1"],
        "no data rows",
    );
    check(
        "cols.csv",
        b"when,calls\n2025-01-01 00:00:00,1\n",
        &["--horizon-days", "1"],
        "no column \"ts\" (the header has when, calls) (set with --ts-column)",
    );
    check(
        "short.csv",
        b"ts,volume\n2025-01-06 09:00:00,1\n2025-01-06 09:30:00,1\n",
        &["--horizon-days", "1"],
        "at least 5 are needed",
    );
    check(
        "bt.csv",
        history().as_bytes(),
        &["--backtest", "60"],
        "nothing is left to learn from",
    );
    let p = dir.write("h.csv", history());
    let at = dir.write("at.csv", "ts\n2025-04-01 10:00:00\n2025-04-01 10:10:00\n");
    let out = run_forecast(&dir, &p, &["--at", at.to_str().unwrap()]);
    out.code(1);
    out.stderr_has("is not on the 1800-second interval grid");
    let out = dir.cmd().args(["forecast", "--input"]).arg(&p).run();
    out.code(2);
}

/// The real US-bank 5-minute series (weekdays 07:00–21:05 only): over 8 weekly folds opsdeck's
/// WAPE must beat the weekly and the daily seasonal naive.
#[test]
fn us_bank_backtest_beats_seasonal_naive() {
    let Some(file) = opsdeck_testdata::shared_file(
        "us_bank_backtest_beats_seasonal_naive",
        "data/us_bank_call_volume_2003/calls_5min_2003-03-03_to_2003-08-14.csv.gz",
    ) else {
        return;
    };
    let out = TestCommand::bare(std::env::temp_dir().as_path())
        .args(["forecast", "--input"])
        .arg(&file)
        .args([
            "--ts-column",
            "interval_start",
            "--volume-column",
            "calls",
            "--backtest",
            "56",
            "--format",
            "json",
        ])
        .run();
    out.success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let wape = |m: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["method"] == m)
            .and_then(|r| r["wape"].as_f64())
            .unwrap_or_else(|| panic!("no wape for {m}: {v}"))
    };
    let ours = wape("opsdeck");
    assert!(ours < wape("seasonal_naive_weekly"), "{v}");
    assert!(ours < wape("seasonal_naive_daily"), "{v}");
    let rows = v.as_array().unwrap()[0]["points"].as_i64().unwrap();
    assert_eq!(
        rows,
        40 * 169 - 169,
        "8 weeks of weekdays minus 4 July, 169 intervals a day"
    );
}

/// Ten weeks of cases, one row each, opened Mondays to Fridays (Monday 2025-03-03 first):
/// 10 × (5 − weekday) cases a day, none on the holiday 2025-04-18 (Good Friday).
fn cases() -> String {
    let mut s = String::from("case_id,opened,queue\n");
    let mut id = 0;
    for day in 0..70 {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 3, 3).unwrap() + chrono::Duration::days(day);
        let w = chrono::Datelike::weekday(&d).num_days_from_monday();
        if w >= 5 || d.to_string() == "2025-04-18" {
            continue;
        }
        for _ in 0..10 * (5 - w) {
            id += 1;
            s.push_str(&format!("c{id},{d},q\n"));
        }
    }
    s
}

#[test]
fn daily_cases_are_counted_and_holidays_forecast_closed() {
    let dir = Dir::new();
    let p = dir.write("cases.csv", cases());
    let hol = dir.write(
        "holidays.csv",
        "date,name\n2025-04-18,Good Friday\n2025-05-26,Memorial Day\n",
    );
    let hol = hol.to_str().unwrap();
    let args = ["--ts-column", "opened", "--count", "--holidays", hol];
    let out = run_forecast(&dir, &p, &[&args[..], &["--horizon-days", "21"]].concat());
    out.success()
        .stderr_has("2 holiday(s) from")
        .stderr_has("daily series; open on Mon, Tue, Wed, Thu, Fri")
        .stderr_has("holidays: 0 day(s) of the history left out of fitting, 1 requested point(s) forecast at the holiday factor");
    assert!(
        out.stdout.starts_with("date,forecast,lower,upper\n"),
        "{}",
        out.stdout
    );
    let rows = csv_rows(&out.stdout);
    assert_eq!(rows.len(), 15, "three weeks of weekdays");
    for r in &rows {
        let d: chrono::NaiveDate = r[0].parse().unwrap();
        let w = chrono::Datelike::weekday(&d).num_days_from_monday();
        let want = if r[0] == "2025-05-26" {
            0.0
        } else {
            f64::from(10 * (5 - w))
        };
        let f: f64 = r[1].parse().unwrap();
        assert!((f - want).abs() < 1e-6 * want.max(1.0), "{r:?} vs {want}");
    }
    // a holiday factor forecasts the holiday at that share of a normal Monday
    let out = run_forecast(
        &dir,
        &p,
        &[
            &args[..],
            &[
                "--horizon-days",
                "21",
                "--holiday-factor",
                "0.5",
                "--format",
                "json",
            ],
        ]
        .concat(),
    );
    let v = out.success().json();
    let monday = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["date"] == "2025-05-26")
        .unwrap();
    assert!(
        (monday["forecast"].as_f64().unwrap() - 25.0).abs() < 1e-6,
        "{monday}"
    );
    // backtest: the weekly seasonal naive and the previous day are the baselines
    let out = run_forecast(&dir, &p, &[&args[..], &["--backtest", "14"]].concat());
    out.success()
        .stderr_has("day series; MASE scale (in-sample MAE of the weekly seasonal naive)");
    let rows = csv_rows(&out.stdout);
    let methods: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(methods, ["opsdeck", "seasonal_naive_weekly", "naive"]);
    assert!(rows[0][1].parse::<f64>().unwrap() < 1e-9, "{rows:?}");
    // by week (from the same cases): Monday-to-Sunday totals, the Good Friday week lower
    let out = run_forecast(
        &dir,
        &p,
        &[
            "--ts-column",
            "opened",
            "--count",
            "--granularity",
            "week",
            "--horizon-days",
            "14",
        ],
    );
    out.success()
        .stderr_has("weekly series; weeks start on Mon");
    let rows = csv_rows(&out.stdout);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0][0].as_str(), rows[1][0].as_str()),
        ("2025-05-12", "2025-05-19")
    );
}

#[test]
fn holidays_come_from_a_setup_calendar() {
    let dir = Dir::new();
    let p = dir.write("cases.csv", cases());
    let setup = dir.write(
        "setup.toml",
        "[[calendar]]\nid = \"back-office\"\ntime_zone = \"America/New_York\"\n\
         hours = { mon = \"09:00-17:00\", tue = \"09:00-17:00\", wed = \"09:00-17:00\", thu = \"09:00-17:00\", fri = \"09:00-17:00\" }\n\
         holidays = [{ date = \"2025-04-18\", name = \"Good Friday\" }, { date = \"2025-05-26\", name = \"Memorial Day\" }]\n\n\
         [[calendar]]\nid = \"always\"\ntime_zone = \"UTC\"\n",
    );
    let setup = setup.to_str().unwrap();
    let base = ["--ts-column", "opened", "--count", "--granularity", "week"];
    run_forecast(
        &dir,
        &p,
        &[&base[..], &["--holidays", setup, "--horizon-days", "7"]].concat(),
    )
    .code(2)
    .stderr_has("2 calendars are declared (back-office, always)")
    .stderr_has("(set with --calendar)");
    run_forecast(
        &dir,
        &p,
        &[
            &base[..],
            &[
                "--holidays",
                setup,
                "--calendar",
                "back-ofice",
                "--horizon-days",
                "7",
            ],
        ]
        .concat(),
    )
    .code(2)
    .stderr_has("unknown calendar \"back-ofice\" (did you mean \"back-office\"?)");
    // weeks: Memorial Day takes one of the calendar's five open days (its week is 4/5 of 150)
    let at = dir.write("at.csv", "opened\n2025-05-19\n2025-05-26\n");
    let out = run_forecast(
        &dir,
        &p,
        &[
            &base[..],
            &[
                "--holidays",
                setup,
                "--calendar",
                "back-office",
                "--at",
                at.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    out.success().stderr_has("(calendar back-office)");
    let rows = csv_rows(&out.stdout);
    let f: Vec<f64> = rows.iter().map(|r| r[1].parse().unwrap()).collect();
    assert!(
        (f[0] - 150.0).abs() < 1e-6 && (f[1] - 120.0).abs() < 1e-6,
        "{rows:?}"
    );
}

/// The real NYC Council constituent cases (one row per case, 2015–2021): counted per day,
/// with the US federal holidays, over 8 weekly folds opsdeck must beat the weekly seasonal naive
/// and the previous day.
#[test]
fn nyc_council_daily_backtest_beats_the_naive_baselines() {
    let Some(shared) = util::shared_dir("nyc_council_daily_backtest_beats_the_naive_baselines")
    else {
        return;
    };
    let file = shared
        .join("data/nyc_council_constituent_cases/cases_opened_2015-01-01_to_2021-06-30.csv.gz");
    if !file.is_file() {
        eprintln!(
            "SKIPPED nyc_council_daily_backtest_beats_the_naive_baselines: {} is missing",
            file.display()
        );
        return;
    }
    let holidays = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/us-federal-holidays.csv"
    );
    let out = TestCommand::bare(std::env::temp_dir().as_path())
        .args(["forecast", "--input"])
        .arg(&file)
        .args(["--ts-column", "opendate", "--count", "--granularity", "day"])
        .args([
            "--holidays",
            holidays,
            "--backtest",
            "56",
            "--format",
            "json",
        ])
        .run();
    out.success();
    out.stderr_has("267093 rows read, 0 rejected");
    let v = out.json();
    let score = |m: &str, k: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["method"] == m)
            .and_then(|r| r[k].as_f64())
            .unwrap_or_else(|| panic!("no {k} for {m}: {v}"))
    };
    let ours = score("opsdeck", "wape");
    assert!(ours < score("seasonal_naive_weekly", "wape"), "{v}");
    assert!(ours < score("naive", "wape"), "{v}");
    assert!(score("opsdeck", "mase") < 1.0, "{v}");
    assert_eq!(v[0]["points"], 56, "every day of the 8 weeks has cases");
}
