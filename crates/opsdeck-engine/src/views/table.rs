//! The output tables' one declaration: each column's name, kind (and so its unit) and a line
//! saying what it holds, and the writers every front-end uses. Machines read CSV or JSON —
//! fractions 0–1, seconds, money as a number beside a currency column, instants in RFC 3339 —
//! and people read the text table — `84.8 %`, `12.4 s`, `3 h 12 m`, `USD 23,232.00`, counts
//! with thousands separators, never more than two decimals, `—` for undefined.

use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;

/// What a column holds, and so how each writer spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// Names, ids, labels.
    Text,
    /// A whole number of things.
    Count,
    /// A share 0–1 (a rate, a service level); people read a percentage with one decimal.
    Fraction,
    /// A duration in seconds; people read `12.4 s`, `4 m 05 s`, `3 h 12 m`, `2 d 4 h`.
    Seconds,
    /// An amount in the currency the named column of the same row holds.
    Money { currency_column: &'static str },
    /// A quantity in `unit` (agents, contacts forecast, NPS points, FTE); people read it with
    /// `decimals` decimals (at most two).
    Number { unit: &'static str, decimals: u8 },
    /// A value whose unit (`fraction`, `seconds`, `points`, `count`) the named column of the
    /// same row holds, e.g. an SLA's achieved value.
    Measure { unit_column: &'static str },
    /// An instant: RFC 3339 in UTC for machines (`2025-09-01T13:30:00Z`).
    Timestamp,
    /// A local wall-clock time as text (`2025-09-01 09:30`, with `+01:00` where the zone is
    /// given).
    LocalTime,
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// A period label: a day, an ISO week `2025-W36`, a month `2025-09`, or `FROM..TO`.
    Period,
    /// true or false; people read yes or no.
    Flag,
}

impl Kind {
    /// The kind's name in the documentation.
    pub fn name(&self) -> String {
        match self {
            Kind::Text => "text".into(),
            Kind::Count => "count".into(),
            Kind::Fraction => "fraction 0–1".into(),
            Kind::Seconds => "seconds".into(),
            Kind::Money { currency_column } => format!("money (currency: `{currency_column}`)"),
            Kind::Number { unit, .. } => format!("number ({unit})"),
            Kind::Measure { unit_column } => format!("measure (unit: `{unit_column}`)"),
            Kind::Timestamp => "timestamp (RFC 3339, UTC)".into(),
            Kind::LocalTime => "local time".into(),
            Kind::Date => "date".into(),
            Kind::Period => "period".into(),
            Kind::Flag => "flag".into(),
        }
    }

    pub fn numeric(&self) -> bool {
        !matches!(
            self,
            Kind::Text | Kind::Timestamp | Kind::LocalTime | Kind::Date | Kind::Period | Kind::Flag
        )
    }
}

/// One column of an output table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub name: Cow<'static, str>,
    #[serde(flatten)]
    pub kind: Kind,
    /// One line: what the column holds.
    pub about: Cow<'static, str>,
}

/// A column with a fixed name.
pub const fn col(name: &'static str, kind: Kind, about: &'static str) -> Column {
    Column {
        name: Cow::Borrowed(name),
        kind,
        about: Cow::Borrowed(about),
    }
}

/// A column whose name is made at run time (one per site of a plan, say).
pub fn col_owned(name: String, kind: Kind, about: String) -> Column {
    Column {
        name: Cow::Owned(name),
        kind,
        about: Cow::Owned(about),
    }
}

/// The names of `columns`, in order.
pub fn names(columns: &[Column]) -> Vec<&str> {
    columns.iter().map(|c| c.name.as_ref()).collect()
}

/// A table cell, in machine units (fractions, seconds, amounts).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    /// `None` is undefined (empty in CSV, null in JSON, `—` for people).
    Num(Option<f64>),
    Flag(Option<bool>),
}

impl Value {
    /// A count from an unsigned number (saturating; counts never reach `i64::MAX`).
    pub fn count(n: u64) -> Value {
        Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// A number, undefined when it is not finite.
    pub fn num(f: f64) -> Value {
        Value::Num(f.is_finite().then_some(f))
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Num(f) => *f,
            _ => None,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// A declared table: its name in the catalogue, what it is, and its columns.
/// An instant (epoch seconds) as a timestamp cell (RFC 3339, UTC); empty when there is none.
pub fn stamp(s: Option<i64>) -> Value {
    match s.and_then(|s| chrono::DateTime::from_timestamp(s, 0)) {
        Some(t) => Value::Text(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        None => Value::Text(String::new()),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableSpec {
    pub name: &'static str,
    pub about: &'static str,
    pub columns: Vec<Column>,
}

/// A table ready to write: columns and rows of cells in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn new(columns: Vec<Column>, rows: Vec<Vec<Value>>) -> Table {
        debug_assert!(
            rows.iter().all(|r| r.len() == columns.len()),
            "a row is not as wide as the columns"
        );
        Table { columns, rows }
    }

    /// Only the named columns, in `keep`'s order (names not in the table are ignored).
    pub fn select(&self, keep: &[&str]) -> Table {
        let ix: Vec<usize> = keep
            .iter()
            .filter_map(|k| self.columns.iter().position(|c| c.name == *k))
            .collect();
        Table {
            columns: ix.iter().map(|i| self.columns[*i].clone()).collect(),
            rows: self
                .rows
                .iter()
                .map(|r| ix.iter().map(|i| r[*i].clone()).collect())
                .collect(),
        }
    }

    /// The cell of `column` in row `row`.
    pub fn get(&self, row: usize, column: &str) -> Option<&Value> {
        let c = self.columns.iter().position(|c| c.name == column)?;
        self.rows.get(row).map(|r| &r[c])
    }
}

// ---------------------------------------------------------------------------------------------
// machines: CSV and JSON

/// Append the shortest text that reads back as `f`, in the notation of Rust's `{:?}`
/// (scientific below 1e-4 and from 1e16), written by `ryu`, several times faster. `ryu` writes
/// 1e-5 ≤ |f| < 1e-4 as a plain decimal, where `{:?}` is scientific; those few values, and NaN
/// / ∞, take `{:?}`. When two shortest texts are equally close (the last of 17 digits) the two
/// may choose differently.
pub fn push_num(out: &mut Vec<u8>, f: f64) {
    let a = f.abs();
    if f.is_finite() && !(1e-5..1e-4).contains(&a) {
        out.extend_from_slice(ryu::Buffer::new().format_finite(f).as_bytes());
    } else {
        // writing to a Vec cannot fail
        let _ = write!(out, "{f:?}");
    }
}

/// Shortest text that reads back as the same f64, with a `.0` on whole numbers (as DuckDB and
/// Python print them).
pub fn num_text(f: f64) -> String {
    let mut out = Vec::with_capacity(24);
    push_num(&mut out, f);
    String::from_utf8(out).unwrap_or_else(|_| format!("{f:?}"))
}

/// A CSV field, quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Append one CSV line of cells: text quoted as needed, integers, numbers as [`push_num`],
/// undefined values empty.
pub fn push_csv_row(out: &mut Vec<u8>, cells: &[Value]) {
    for (i, v) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match v {
            Value::Text(s) => out.extend_from_slice(csv_field(s).as_bytes()),
            Value::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
            Value::Num(Some(f)) => push_num(out, *f),
            Value::Num(None) | Value::Flag(None) => {}
            Value::Flag(Some(b)) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        }
    }
    out.push(b'\n');
}

/// Number of threads a large CSV table is formatted on.
fn workers() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8)
}

/// Write a CSV table: the header line of `columns`, then the text `text` makes of each block
/// of rows. Blocks of 16 Ki rows are formatted on all cores and written in order, so a large
/// table (a year of intervals) does not leave the other cores idle while one formats it.
pub fn write_csv_blocks<T: Sync>(
    out: &mut dyn Write,
    columns: &[Column],
    rows: &[T],
    text: impl Fn(&[T], &mut Vec<u8>) + Sync,
) -> std::io::Result<()> {
    let header: Vec<Cow<'_, str>> = columns.iter().map(|c| csv_field(&c.name)).collect();
    writeln!(out, "{}", header.join(","))?;
    let workers = workers();
    const BLOCK: usize = 16 * 1024;
    let text = &text;
    let one = move |block: &[T]| {
        let mut buf = Vec::with_capacity(block.len() * 96);
        text(block, &mut buf);
        buf
    };
    for group in rows.chunks(BLOCK * workers) {
        let texts: Vec<Vec<u8>> = if workers < 2 || group.len() < BLOCK {
            vec![one(group)]
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = group
                    .chunks(BLOCK)
                    .map(|block| s.spawn(move || one(block)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect()
            })
        };
        for t in &texts {
            out.write_all(t)?;
        }
    }
    Ok(())
}

/// Write a table as CSV (machine units).
pub fn write_csv(out: &mut dyn Write, t: &Table) -> std::io::Result<()> {
    write_csv_blocks(out, &t.columns, &t.rows, |block, text| {
        for r in block {
            push_csv_row(text, r);
        }
    })
}

/// One cell as JSON: numbers, text, booleans; undefined is null.
pub fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Text(s) => serde_json::Value::String(s.clone()),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Num(Some(f)) => serde_json::Value::from(*f),
        Value::Num(None) | Value::Flag(None) => serde_json::Value::Null,
        Value::Flag(Some(b)) => serde_json::Value::Bool(*b),
    }
}

/// The rows as a JSON array of objects keyed by column name.
pub fn json_rows(t: &Table) -> serde_json::Value {
    t.rows
        .iter()
        .map(|r| {
            serde_json::Value::Object(
                t.columns
                    .iter()
                    .zip(r)
                    .map(|(c, v)| (c.name.to_string(), json_value(v)))
                    .collect(),
            )
        })
        .collect()
}

/// Write a table as a JSON array of objects (machine units), pretty-printed.
pub fn write_json(out: &mut dyn Write, t: &Table) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &json_rows(t)).map_err(std::io::Error::from)?;
    writeln!(out)
}

// ---------------------------------------------------------------------------------------------
// people: the text table

/// `n` with a comma between thousands: `1234567` → `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `f` with `decimals` decimals and thousands separators: `23232.004` → `23,232.00`.
pub fn decimal(f: f64, decimals: u8) -> String {
    if !f.is_finite() {
        return "—".into();
    }
    let d = u32::from(decimals.min(2));
    let scale = 10f64.powi(d as i32);
    // half away from zero, as people round; the nudge of a billionth makes a decimal that
    // binary cannot hold exactly (91.55 is 91.5499…) round as it is written
    let x = f.abs() * scale;
    let units = (x + 1e-9 * x.max(1.0)).round();
    if units >= 9e15 {
        return format!("{f:.0}");
    }
    let units = units as i64;
    let div = 10i64.pow(d);
    let sign = if f < 0.0 && units > 0 { "-" } else { "" };
    if d == 0 {
        format!("{sign}{}", thousands(units))
    } else {
        format!(
            "{sign}{}.{:0width$}",
            thousands(units / div),
            units % div,
            width = d as usize
        )
    }
}

/// A fraction as a percentage with one decimal: `0.848` → `84.8 %`.
pub fn percent(f: f64) -> String {
    format!("{} %", decimal(f * 100.0, 1))
}

/// A duration for people: `12.4 s` under a minute, `4 m 05 s` under an hour, `3 h 12 m` under a
/// day, `2 d 04 h` beyond; negative durations keep their sign.
pub fn duration(s: f64) -> String {
    let sign = if s < 0.0 { "-" } else { "" };
    let a = s.abs();
    if a < 59.95 {
        return format!("{sign}{a:.1} s");
    }
    let whole = a.round() as i64;
    if whole < 3600 {
        format!("{sign}{} m {:02} s", whole / 60, whole % 60)
    } else if whole < 86_400 {
        let m = (a / 60.0).round() as i64;
        format!("{sign}{} h {:02} m", m / 60, m % 60)
    } else {
        let h = (a / 3600.0).round() as i64;
        format!("{sign}{} d {:02} h", thousands(h / 24), h % 24)
    }
}

/// Money for people: `USD 23,232.00`.
pub fn money(amount: f64, currency: &str) -> String {
    if currency.is_empty() {
        decimal(amount, 2)
    } else {
        format!("{currency} {}", decimal(amount, 2))
    }
}

/// An RFC 3339 instant for people: `2025-09-01 13:30 UTC` (seconds only when not zero).
fn instant(s: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => {
            let t = t.with_timezone(&chrono::Utc);
            if t.format("%S").to_string() == "00" {
                t.format("%Y-%m-%d %H:%M UTC").to_string()
            } else {
                t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
            }
        }
        Err(_) => s.to_string(),
    }
}

/// A value in the unit a row names (`fraction`, `seconds`, `points`, `count`).
pub fn measure(f: f64, unit: &str) -> String {
    match unit {
        "fraction" => percent(f),
        "seconds" => duration(f),
        "points" => format!("{} points", decimal(f, 1)),
        "count" => decimal(f, 0),
        _ => decimal(f, 2),
    }
}

/// The cell of column `c` of `row` as a person reads it.
pub fn human(columns: &[Column], row: &[Value], c: usize) -> String {
    let v = &row[c];
    let other = |name: &str| {
        columns
            .iter()
            .position(|x| x.name == name)
            .and_then(|i| row[i].text())
            .unwrap_or("")
    };
    match (&columns[c].kind, v) {
        (_, Value::Num(None) | Value::Flag(None)) => "—".into(),
        (_, Value::Flag(Some(b))) => if *b { "yes" } else { "no" }.into(),
        (Kind::Timestamp, Value::Text(s)) => instant(s),
        (_, Value::Text(s)) => s.clone(),
        (kind, v) => {
            let Some(f) = v.as_f64() else {
                return "—".into();
            };
            match kind {
                Kind::Count => match v {
                    Value::Int(i) => thousands(*i),
                    _ => decimal(f, 0),
                },
                Kind::Fraction => percent(f),
                Kind::Seconds => duration(f),
                Kind::Money { currency_column } => money(f, other(currency_column)),
                Kind::Number { decimals, .. } => decimal(f, *decimals),
                Kind::Measure { unit_column } => measure(f, other(unit_column)),
                _ => match v {
                    Value::Int(i) => i.to_string(),
                    _ => decimal(f, 2),
                },
            }
        }
    }
}

/// Write a table for people: a header of column names, then aligned rows (numbers to the
/// right, text to the left).
pub fn write_text(out: &mut dyn Write, t: &Table) -> std::io::Result<()> {
    let text: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            (0..t.columns.len())
                .map(|c| human(&t.columns, r, c))
                .collect()
        })
        .collect();
    let mut w: Vec<usize> = t.columns.iter().map(|c| c.name.chars().count()).collect();
    for r in &text {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let right: Vec<bool> = t.columns.iter().map(|c| c.kind.numeric()).collect();
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if right[i] {
                    format!("{c:>width$}", width = w[i])
                } else {
                    format!("{c:<width$}", width = w[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(
        out,
        "{}",
        line(t.columns.iter().map(|c| c.name.as_ref()).collect())
    )?;
    for r in &text {
        writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

/// How a table is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Text,
}

/// Write a table in a format.
pub fn write(out: &mut dyn Write, t: &Table, format: Format) -> std::io::Result<()> {
    match format {
        Format::Csv => write_csv(out, t),
        Format::Json => write_json(out, t),
        Format::Text => write_text(out, t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(cols: Vec<Column>, row: Vec<Value>) -> Vec<String> {
        (0..cols.len()).map(|c| human(&cols, &row, c)).collect()
    }

    /// The people's spelling of every kind, undefined as `—`.
    #[test]
    fn people_read_units() {
        let cols = vec![
            col("n", Kind::Count, ""),
            col("sl", Kind::Fraction, ""),
            col("asa_s", Kind::Seconds, ""),
            col(
                "amount",
                Kind::Money {
                    currency_column: "currency",
                },
                "",
            ),
            col("currency", Kind::Text, ""),
            col(
                "agents",
                Kind::Number {
                    unit: "agents",
                    decimals: 1,
                },
                "",
            ),
            col(
                "achieved",
                Kind::Measure {
                    unit_column: "unit",
                },
                "",
            ),
            col("unit", Kind::Text, ""),
            col("at", Kind::Timestamp, ""),
            col("ok", Kind::Flag, ""),
        ];
        let row = vec![
            Value::Int(103_576),
            Value::Num(Some(0.848)),
            Value::Num(Some(12.44)),
            Value::Num(Some(23_232.0)),
            Value::Text("USD".into()),
            Value::Num(Some(1234.56)),
            Value::Num(Some(0.9155)),
            Value::Text("fraction".into()),
            Value::Text("2025-09-01T13:30:00Z".into()),
            Value::Flag(Some(true)),
        ];
        assert_eq!(
            t(cols.clone(), row),
            [
                "103,576",
                "84.8 %",
                "12.4 s",
                "USD 23,232.00",
                "USD",
                "1,234.6",
                "91.6 %",
                "fraction",
                "2025-09-01 13:30 UTC",
                "yes"
            ]
        );
        let undefined = vec![
            Value::Num(None),
            Value::Num(None),
            Value::Num(None),
            Value::Num(None),
            Value::Text("ILS".into()),
            Value::Num(None),
            Value::Num(None),
            Value::Text("seconds".into()),
            Value::Text(String::new()),
            Value::Flag(None),
        ];
        let got = t(cols, undefined);
        for i in [0, 1, 2, 3, 5, 6, 9] {
            assert_eq!(got[i], "—", "column {i}");
        }
    }

    #[test]
    fn durations_read_in_the_largest_sensible_units() {
        for (s, want) in [
            (0.0, "0.0 s"),
            (12.44, "12.4 s"),
            (59.94, "59.9 s"),
            (59.96, "1 m 00 s"),
            (245.0, "4 m 05 s"),
            (3599.4, "59 m 59 s"),
            (3600.0, "1 h 00 m"),
            (11_520.0, "3 h 12 m"),
            (86_399.0, "24 h 00 m"),
            (86_400.0, "1 d 00 h"),
            (428_580.99, "4 d 23 h"),
            (-11_520.0, "-3 h 12 m"),
            (-4.0, "-4.0 s"),
        ] {
            assert_eq!(duration(s), want, "{s}");
        }
    }

    #[test]
    fn decimals_and_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
        assert_eq!(decimal(484_000.0, 2), "484,000.00");
        assert_eq!(decimal(-0.004, 2), "0.00");
        assert_eq!(decimal(-1234.5, 1), "-1,234.5");
        assert_eq!(decimal(0.125, 9), "0.13", "at most two decimals");
        assert_eq!(percent(0.0448), "4.5 %");
        assert_eq!(money(252_000.0, "ILS"), "ILS 252,000.00");
    }

    proptest! {
        /// No people's cell of a number has more than two decimals.
        #[test]
        fn no_cell_has_more_than_two_decimals(f in -1e9f64..1e9, k in 0usize..6) {
            let kinds = [
                Kind::Count,
                Kind::Fraction,
                Kind::Seconds,
                Kind::Money { currency_column: "c" },
                Kind::Number { unit: "x", decimals: 2 },
                Kind::Measure { unit_column: "c" },
            ];
            let cols = vec![col("v", kinds[k], ""), col("c", Kind::Text, "")];
            let s = human(&cols, &[Value::Num(Some(f)), Value::Text("USD".into())], 0);
            for word in s.split(' ') {
                if let Some((_, frac)) = word.split_once('.') {
                    let digits = frac.chars().take_while(char::is_ascii_digit).count();
                    prop_assert!(digits <= 2, "{} has {} decimals", s, digits);
                }
            }
        }
    }

    #[test]
    fn csv_and_json_keep_machine_units() {
        let table = Table::new(
            vec![
                col("q", Kind::Text, ""),
                col("sl", Kind::Fraction, ""),
                col("n", Kind::Count, ""),
                col("ok", Kind::Flag, ""),
            ],
            vec![
                vec![
                    Value::Text("a,b".into()),
                    Value::Num(Some(0.848)),
                    Value::Int(7),
                    Value::Flag(Some(false)),
                ],
                vec![
                    Value::Text("c".into()),
                    Value::Num(None),
                    Value::Int(0),
                    Value::Flag(None),
                ],
            ],
        );
        let mut out = Vec::new();
        write_csv(&mut out, &table).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "q,sl,n,ok\n\"a,b\",0.848,7,false\nc,,0,\n"
        );
        let j = json_rows(&table);
        assert_eq!(j[0]["sl"], 0.848);
        assert!(j[1]["sl"].is_null());
        assert_eq!(j[0]["ok"], false);
    }

    /// A table of more rows than one block per core is written in row order, each line as
    /// `push_csv_row` makes it, with quoting and undefined numbers as in a one-row table.
    #[test]
    fn csv_blocks_keep_row_order_and_cells() {
        let rows: Vec<Vec<Value>> = (0..70_000i64)
            .map(|i| {
                vec![
                    Value::Text(if i % 7 == 0 {
                        format!("q,{i}")
                    } else {
                        format!("q{i}")
                    }),
                    Value::Int(i),
                    Value::Num((i % 3 != 0).then(|| i as f64 / 8.0)),
                ]
            })
            .collect();
        let table = Table::new(
            vec![
                col("queue", Kind::Text, ""),
                col("n", Kind::Count, ""),
                col(
                    "x",
                    Kind::Number {
                        unit: "",
                        decimals: 2,
                    },
                    "",
                ),
            ],
            rows,
        );
        let mut out = Vec::new();
        write_csv(&mut out, &table).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 70_001);
        assert_eq!(lines[0], "queue,n,x");
        for (i, line) in lines[1..].iter().enumerate() {
            let i = i as i64;
            let q = if i % 7 == 0 {
                format!("\"q,{i}\"")
            } else {
                format!("q{i}")
            };
            let x = if i % 3 != 0 {
                num_text(i as f64 / 8.0)
            } else {
                String::new()
            };
            assert_eq!(*line, format!("{q},{i},{x}"), "row {i}");
        }
    }

    #[test]
    fn num_is_debug_text_at_the_edges() {
        for f in [
            0.0,
            -0.0,
            1.0,
            0.1,
            1e-4,
            9.999e-5,
            1e-5,
            9.9e-6,
            1e-7,
            1e15,
            1e16,
            1.5e16,
            1e300,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            123456.789,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(num_text(f), format!("{f:?}"), "{f:e}");
        }
    }

    /// The same value, as short, in the same notation as `{:?}` (digits may differ only on
    /// a tie between two equally close shortest texts).
    fn same_as_debug(f: f64) -> Result<(), TestCaseError> {
        let (a, d) = (num_text(f), format!("{f:?}"));
        if f.is_nan() {
            prop_assert_eq!(a, d);
            return Ok(());
        }
        prop_assert_eq!(a.parse::<f64>().ok(), Some(f), "{} does not read back", a);
        prop_assert_eq!(a.len(), d.len(), "{} vs {}", a, d);
        prop_assert_eq!(a.contains('e'), d.contains('e'), "{} vs {}", a, d);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn num_is_debug_text(bits in any::<u64>()) {
            same_as_debug(f64::from_bits(bits))?;
        }

        #[test]
        fn num_is_debug_text_for_probabilities(f in 0.0f64..1.0) {
            prop_assert_eq!(num_text(f), format!("{f:?}"));
        }

        #[test]
        fn num_is_debug_text_across_magnitudes(e in -25.0f64..25.0, neg in any::<bool>()) {
            same_as_debug(if neg { -(10f64.powf(e)) } else { 10f64.powf(e) })?;
        }
    }
}
