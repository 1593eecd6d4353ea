//! Input paths end to end through the engine: a user mapping file, Parquet input (the oracle's
//! contacts converted), and gzip input all give the same KPI table as the canonical CSV.

use arrow_array::builder::{Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use opsdeck_core::{IntervalLen, Thresholds};
use opsdeck_engine::contacts::profile::Profile;
use opsdeck_engine::io::parse::{parse_iso, Stamp};
use opsdeck_engine::views::kpi::{kpi_from_files, KpiOptions, KpiRun};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn shared() -> Option<PathBuf> {
    opsdeck_testdata::shared_file("the peer oracles", "peers/oracles/contacts_10k.csv")?;
    opsdeck_testdata::shared_dir("the peer oracles")
}

fn opts() -> KpiOptions {
    KpiOptions {
        interval: IntervalLen::MIN30,
        thresholds: Thresholds::default(),
        zone: chrono_tz::UTC,
        max_field_bytes: opsdeck_engine::io::csv_reader::DEFAULT_MAX_FIELD_BYTES,
    }
}

fn run(path: &Path, profile: &Profile) -> KpiRun {
    kpi_from_files(&[path], profile, &opts(), &|_| {}).expect("kpi runs")
}

fn same_tables(a: &KpiRun, b: &KpiRun) {
    assert_eq!(a.rows.len(), b.rows.len());
    assert!(!a.rows.is_empty());
    assert_eq!(a.rows, b.rows);
    assert_eq!(a.issue_count, b.issue_count);
}

#[test]
fn parquet_and_gzip_inputs_match_csv() {
    let Some(sh) = shared() else { return };
    let csv_path = sh.join("peers/oracles/contacts_10k.csv");
    let from_csv = run(&csv_path, &Profile::canonical());
    assert_eq!(from_csv.rows_read, 10_000);

    let dir = tempfile::tempdir().unwrap();
    // gzip
    let gz = dir.path().join("c.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(&std::fs::read(&csv_path).unwrap()).unwrap();
    enc.finish().unwrap();
    same_tables(&from_csv, &run(&gz, &Profile::canonical()));

    // Parquet in several row groups, and in one row group of small pages that the readers
    // split between them: the same table as the CSV
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let batch = contacts_batch(&text, &[]);
    for (name, group_rows) in [("groups", 3000), ("one", 20_000)] {
        let pq = dir.path().join(format!("{name}.parquet"));
        write_parquet(&pq, &batch, group_rows);
        let from_pq = run(&pq, &Profile::canonical());
        same_tables(&from_csv, &from_pq);
        assert_eq!(from_pq.rows_read, 10_000);
    }
}

#[test]
fn parquet_issues_keep_their_row_numbers_across_row_groups_and_readers() {
    let Some(sh) = shared() else { return };
    let text = std::fs::read_to_string(sh.join("peers/oracles/contacts_10k.csv")).unwrap();
    // rows (from 0) at the edges of row groups and of the halves of a split row group
    let bad = [0, 2999, 3000, 4999, 5000, 5001, 9999];
    let batch = contacts_batch(&text, &bad);
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for (name, group_rows) in [("groups", 3000), ("one", 20_000), ("odd", 777)] {
        let pq = dir.path().join(format!("{name}.parquet"));
        write_parquet(&pq, &batch, group_rows);
        let r = run(&pq, &Profile::canonical());
        // a Parquet issue names the row number in the file, from 1
        let lines: Vec<u64> = r.issues.iter().map(|i| i.line).collect();
        let want: Vec<u64> = bad.iter().map(|b| *b as u64 + 1).collect();
        assert_eq!(lines, want, "{name}");
        assert!(r.issues.iter().all(|i| i.field == "queue"), "{name}");
        assert_eq!(r.rows_read, 10_000);
        runs.push(r);
    }
    same_tables(&runs[0], &runs[1]);
    same_tables(&runs[0], &runs[2]);
}

/// The oracle's contacts as Polars writes them (naive microsecond timestamps, integer ids),
/// with an empty queue on the rows `bad` (counted from 0).
fn contacts_batch(text: &str, bad: &[usize]) -> RecordBatch {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut id = Int64Builder::new();
    let (mut queue, mut channel, mut agent) = (
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    let ts = || TimestampMicrosecondBuilder::new();
    let (mut arr, mut ans, mut end) = (ts(), ts(), ts());
    let (mut talk, mut hold, mut acw, mut csat) = (
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
    );
    let micros = |s: &str| -> Option<i64> {
        match parse_iso(s) {
            Ok(Stamp::Naive(n)) => Some(n * 1_000_000),
            _ => None,
        }
    };
    let int = |s: &str| -> Option<i64> { s.parse().ok() };
    for (i, r) in rdr.records().enumerate() {
        let r = r.unwrap();
        id.append_value(r[0].parse().unwrap());
        queue.append_value(if bad.contains(&i) { "" } else { &r[1] });
        channel.append_value(&r[2]);
        arr.append_option(micros(&r[3]));
        ans.append_option(micros(&r[4]));
        end.append_option(micros(&r[5]));
        talk.append_option(int(&r[6]));
        hold.append_option(int(&r[7]));
        acw.append_option(int(&r[8]));
        agent.append_option((!r[9].is_empty()).then(|| r[9].to_string()));
        csat.append_option(int(&r[10]));
    }
    let t = DataType::Timestamp(TimeUnit::Microsecond, None);
    let schema = Arc::new(Schema::new(vec![
        Field::new("contact_id", DataType::Int64, false),
        Field::new("queue", DataType::Utf8, false),
        Field::new("channel", DataType::Utf8, false),
        Field::new("arrived_at", t.clone(), true),
        Field::new("answered_at", t.clone(), true),
        Field::new("ended_at", t, true),
        Field::new("talk_s", DataType::Int64, true),
        Field::new("hold_s", DataType::Int64, true),
        Field::new("acw_s", DataType::Int64, true),
        Field::new("agent_id", DataType::Utf8, true),
        Field::new("csat", DataType::Int64, true),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(queue.finish()),
        Arc::new(channel.finish()),
        Arc::new(arr.finish()),
        Arc::new(ans.finish()),
        Arc::new(end.finish()),
        Arc::new(talk.finish()),
        Arc::new(hold.finish()),
        Arc::new(acw.finish()),
        Arc::new(agent.finish()),
        Arc::new(csat.finish()),
    ];
    RecordBatch::try_new(schema, cols).unwrap()
}

/// Write `batch` in row groups of `group_rows` rows and data pages of at most 512 rows.
fn write_parquet(path: &Path, batch: &RecordBatch, group_rows: usize) {
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_size(group_rows)
        .set_data_page_row_count_limit(512)
        .set_write_batch_size(512)
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

#[test]
fn mapping_file_reads_a_foreign_export() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("acd.toml");
    std::fs::write(
        &map,
        r#"
delimiter = ";"
[columns]
contact_id = "CallID"
queue = "Skill"
arrived_at = "Start"
answered_at = "Answer"
ended_at = "End"
talk_s = "Talk"
hold_s = "Hold"
acw_s = "Wrap"
agent_id = "Agent"
csat = "Survey"
[constants]
channel = "voice"
[timestamps]
format = "%d/%m/%Y %H:%M:%S"
time_zone = "Europe/London"
[values.queue]
"Sales EN" = "sales"
"#,
    )
    .unwrap();
    let data = dir.path().join("acd.csv");
    std::fs::write(
        &data,
        "CallID;Skill;Start;Answer;End;Talk;Hold;Wrap;Agent;Survey\n\
         1;Sales EN;06/01/2025 09:00:05;06/01/2025 09:00:15;06/01/2025 09:05:00;285;0;30;A1;5\n\
         2;Sales EN;06/01/2025 09:10:00;;06/01/2025 09:11:00;;;;;\n\
         3;Sales EN;06/07/2025 09:10:00;06/07/2025 09:10:40;06/07/2025 09:12:00;80;0;10;A2;2\n\
         4;Sales EN;2025-01-06 09:20:00;;;;;;;\n",
    )
    .unwrap();
    let profile =
        Profile::from_mapping_toml(&std::fs::read_to_string(&map).unwrap(), &map).unwrap();
    let mut o = opts();
    o.zone = profile.zone().unwrap();
    let r = kpi_from_files(&[data.as_path()], &profile, &o, &|_| {}).unwrap();
    // row 4 has an ISO date that does not match the declared format
    assert_eq!(r.issue_count, 1);
    assert_eq!(r.issues[0].line, 5);
    assert_eq!(r.issues[0].field, "arrived_at");
    assert!(
        r.issues[0]
            .reason
            .contains("does not match timestamp format"),
        "{}",
        r.issues[0].reason
    );
    assert_eq!(r.rows.len(), 2, "{:?}", r.rows);
    let jan = &r.rows[0];
    assert_eq!(jan.queue, "sales");
    assert_eq!(jan.sums.offered, 2);
    assert_eq!(jan.sums.answered_within_t, 1);
    assert_eq!(jan.sums.abandoned, 1);
    assert_eq!(jan.sums.csat_top2, 1);
    // 09:00 in London in January is 09:00 UTC; in July (BST) it is 08:00 UTC
    let jul = &r.rows[1];
    assert_eq!(jan.interval_start_utc % 86_400, 9 * 3600);
    assert_eq!(jul.interval_start_utc % 86_400, 8 * 3600);
    assert_eq!(jul.sums.answered_within_t, 0);
}

#[test]
fn mapping_file_errors_name_the_problem() {
    let p = Path::new("bad.toml");
    let e = Profile::from_mapping_toml("[columns]\ncontactid = \"x\"\n", p)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad.toml") && e.contains("\"contactid\" is not a contact field"),
        "{e}"
    );
    let e = Profile::from_mapping_toml("[timestamps]\ntime_zone = \"Mars/Base\"\n", p)
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown IANA time zone"), "{e}");
    let e = Profile::from_mapping_toml("[colums]\n", p)
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad.toml"), "{e}");
}
