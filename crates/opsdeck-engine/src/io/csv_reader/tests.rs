//! Tests of the CSV cutter and reader: the rows match the `csv` crate's on well-formed input,
//! a stray quote costs one row, limits bound memory, and every line end style is read.

use super::*;
use proptest::prelude::*;

/// Everything a read delivered, in file order.
#[derive(Default, Debug)]
struct Collect {
    rows: Vec<(u64, Vec<String>)>,
    bad: Vec<(u64, String, String)>,
}

impl RowSink for Collect {
    fn row<R: Row>(&mut self, row: &R, line: u64) {
        let cells = (0..row.width())
            .map(|i| match row.cell(i) {
                Ok(Cell::Str(s)) => s.to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        self.rows.push((line, cells));
    }
    fn bad_row(&mut self, line: u64, issue: FieldIssue, raw: String) {
        self.bad.push((line, issue.reason, raw));
    }
}

/// Read `bytes` as a CSV file cut into chunks of `chunk` bytes; the header and the merged sinks.
fn read(bytes: &[u8], chunk: usize, opts: &CsvOptions) -> Result<(Vec<String>, Collect)> {
    let mut header = Vec::new();
    let sinks = read_csv(
        Path::new("t.csv"),
        opts,
        bytes,
        chunk,
        |h: &[String]| {
            header = h.to_vec();
            Ok(())
        },
        |_| Collect::default(),
    )?;
    let mut all = Collect::default();
    for s in sinks {
        all.rows.extend(s.rows);
        all.bad.extend(s.bad);
    }
    all.rows.sort_by_key(|r| r.0);
    all.bad.sort_by_key(|r| r.0);
    Ok((header, all))
}

/// The records of `bytes` after the header as the `csv` crate reads them.
fn csv_crate_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    rdr.records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .filter(|r: &Vec<String>| !(r.len() == 1 && r[0].trim().is_empty()))
        .collect()
}

fn demo_rows(n: usize) -> String {
    let mut s = String::from("id,queue,channel,note\n");
    for i in 0..n {
        s.push_str(&format!("c{i},q1,voice,n{i}\n"));
    }
    s
}

#[test]
fn a_stray_quote_costs_its_own_row_only() {
    let file = demo_rows(1000).replacen("c2,q1,voice,", "c2,q1,\"voice,", 1);
    for chunk in [16, 300, 1 << 20] {
        let (_, got) = read(file.as_bytes(), chunk, &CsvOptions::default()).unwrap();
        assert_eq!(got.rows.len(), 999, "chunk {chunk}");
        assert_eq!(got.bad.len(), 1);
        let (line, why, raw) = &got.bad[0];
        assert_eq!(*line, 4, "header is line 1, c2 is line 4");
        assert!(
            why.contains("opened on line 4") && why.contains("line 5"),
            "{why}"
        );
        assert!(raw.starts_with("c2,q1,\"voice,n2"), "{raw}");
        assert!(
            raw.len() < 100,
            "the report keeps the row, not the rest of the file"
        );
        assert_eq!(got.rows[2].1[0], "c3");
    }
}

#[test]
fn a_stray_quote_that_meets_a_later_quoted_field_costs_one_row() {
    let mut file = demo_rows(50).replacen("c2,q1,voice,", "c2,q1,\"voice,", 1);
    file = file.replacen("c40,q1,voice,n40", "c40,q1,voice,\"n, 40\"", 1);
    let (_, got) = read(file.as_bytes(), 64, &CsvOptions::default()).unwrap();
    assert_eq!(got.bad.len(), 1, "{:?}", got.bad);
    assert_eq!(got.bad[0].0, 4);
    assert!(got.bad[0].1.contains("a stray quote?"), "{}", got.bad[0].1);
    assert_eq!(got.rows.len(), 49);
    let c40 = got.rows.iter().find(|r| r.1[0] == "c40").unwrap();
    assert_eq!(c40.1[3], "n, 40");
    assert_eq!(c40.0, 42);
}

#[test]
fn a_quoted_field_longer_than_the_limit_is_a_bad_row_and_reading_goes_on() {
    let opts = CsvOptions {
        max_field_bytes: 100,
        ..Default::default()
    };
    let long = "x".repeat(500);
    let file = format!(
        "a,b\n1,\"{long}\"\n2,\"multi\nline\"\n3,\"{}\nmore\"\n4,ok\n",
        "y".repeat(50)
    );
    let (_, got) = read(file.as_bytes(), 32, &opts).unwrap();
    assert_eq!(got.bad.len(), 1, "{:?}", got.bad);
    assert_eq!(got.bad[0].0, 2);
    assert!(
        got.bad[0].1.contains("still open after 100 bytes"),
        "{}",
        got.bad[0].1
    );
    let ids: Vec<&str> = got.rows.iter().map(|r| r.1[0].as_str()).collect();
    assert_eq!(ids, ["2", "3", "4"]);
    assert_eq!(got.rows[0].1[1], "multi\nline");
    assert_eq!(got.rows[2].0, 7, "physical line of row 4");
}

#[test]
fn a_quote_inside_a_field_is_text_as_for_the_csv_crate() {
    let file = "a,b,c\nx,5\" screen,1\ny,\"q\"\"uoted\",2\nz,\"ab\"c,3\n";
    let (_, got) = read(file.as_bytes(), 4, &CsvOptions::default()).unwrap();
    let want = csv_crate_rows(file.as_bytes());
    let rows: Vec<Vec<String>> = got.rows.into_iter().map(|r| r.1).collect();
    assert_eq!(rows, want);
    assert!(got.bad.is_empty());
}

#[test]
fn a_header_without_a_line_end_is_refused_quickly_with_a_short_message() {
    let opts = CsvOptions::default();
    let junk = "a".repeat(5_000_000);
    let err = read(junk.as_bytes(), 1 << 16, &opts)
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 1 (the header) is longer than"), "{err}");
    assert!(err.len() < 400, "{} bytes", err.len());
}

#[test]
fn a_data_line_without_a_line_end_is_one_bad_row() {
    let opts = CsvOptions {
        max_field_bytes: 1024,
        ..Default::default()
    };
    let file = format!(
        "a,b\n1,2\n{}\n3,4\n{}",
        "z".repeat(100_000),
        "w".repeat(70_000)
    );
    let (_, got) = read(file.as_bytes(), 4096, &opts).unwrap();
    let ids: Vec<&str> = got.rows.iter().map(|r| r.1[0].as_str()).collect();
    assert_eq!(ids, ["1", "3"]);
    assert_eq!(
        got.bad.len(),
        2,
        "{:?}",
        got.bad.iter().map(|b| &b.1).collect::<Vec<_>>()
    );
    assert_eq!((got.bad[0].0, got.bad[1].0), (3, 5));
    assert!(
        got.bad[0].1.contains("longer than 65536 bytes"),
        "{}",
        got.bad[0].1
    );
    assert!(
        got.bad[0].2.ends_with("(100000 bytes in all)"),
        "{}",
        &got.bad[0].2[2000..]
    );
    assert!(got.bad[0].2.len() < 2100);
}

#[test]
fn lone_carriage_return_line_ends_are_read() {
    let file = "a,b\r1,\"x\ry\"\r2,z\r";
    let (header, got) = read(file.as_bytes(), 3, &CsvOptions::default()).unwrap();
    assert_eq!(header, ["a", "b"]);
    let rows: Vec<(u64, Vec<String>)> = got.rows;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0], (2, vec!["1".to_string(), "x\ny".to_string()]));
    assert_eq!(rows[1].0, 4);
}

#[test]
fn an_unclosed_quote_in_the_last_row_is_a_bad_row() {
    let file = "a,b\n1,2\n3,\"4";
    let (_, got) = read(file.as_bytes(), 5, &CsvOptions::default()).unwrap();
    assert_eq!(got.rows.len(), 1);
    assert_eq!(got.bad.len(), 1);
    assert!(got.bad[0].1.contains("never closed"), "{}", got.bad[0].1);
}

/// A field as an export might write it: plain, or quoted with delimiters, quotes and line ends.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9 ]{0,6}",
        "[a-z,\"\n ]{0,8}",
        Just(String::new()),
        Just("\"".to_string()),
    ]
}

fn write_csv(rows: &[Vec<String>], crlf: bool) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// On well-formed CSV the reader gives exactly the `csv` crate's records, whatever the
    /// chunk size.
    #[test]
    fn well_formed_files_read_as_the_csv_crate_reads_them(
        rows in prop::collection::vec(prop::collection::vec(field(), 3), 1..40),
        crlf in any::<bool>(),
        chunk in 1usize..200,
    ) {
        let mut all = vec![vec!["a".to_string(), "b".into(), "c".into()]];
        // a row of empty fields would be a blank line: not a record for either reader
        all.extend(rows.into_iter().filter(|r| r.iter().any(|f| !f.trim().is_empty())));
        prop_assume!(all.len() > 1);
        let bytes = write_csv(&all, crlf);
        let (_, got) = read(&bytes, chunk, &CsvOptions::default()).unwrap();
        prop_assert!(got.bad.is_empty(), "{:?}", got.bad);
        let rows: Vec<Vec<String>> = got.rows.into_iter().map(|r| r.1).collect();
        prop_assert_eq!(rows, csv_crate_rows(&bytes));
    }

    /// For any file of `n` rows, some a field short and one broken by a stray quote at the
    /// start of a field, the rows delivered plus the bad rows are `n`. (Two stray quotes can
    /// pair up into a well-formed multi-line field: such a file has fewer rows by the CSV
    /// rules themselves.)
    #[test]
    fn rows_delivered_plus_bad_rows_are_the_rows_of_the_file(
        rows in prop::collection::vec((prop::collection::vec("[a-z0-9 ,]{0,5}", 3), any::<bool>()), 1..60),
        stray in (any::<prop::sample::Index>(), 0usize..3),
        chunk in 1usize..300,
    ) {
        let stray_row = stray.0.index(rows.len());
        let mut text = String::from("a,b,c\n");
        for (i, (fields, short)) in rows.iter().enumerate() {
            let mut cells: Vec<String> = fields
                .iter()
                .map(|f| if f.contains(',') { format!("\"{f}\"") } else { f.clone() })
                .collect();
            cells[0] = format!("r{}", cells[0].replace([',', '"'], ""));
            if i == stray_row {
                cells[stray.1] = format!("\"{}", cells[stray.1].trim_matches('"'));
            }
            if *short {
                cells.pop();
            }
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        let (_, got) = read(text.as_bytes(), chunk, &CsvOptions::default()).unwrap();
        prop_assert_eq!(got.rows.len() + got.bad.len(), rows.len(), "{}", text);
    }
}
