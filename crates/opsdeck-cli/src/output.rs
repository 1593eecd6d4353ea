//! Writing tables of values as CSV, JSON (an array of objects) or an aligned text table.

use anyhow::Result;
use opsdeck_engine::views::table::Value;
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Table,
}

/// Where a command writes its table: the file `-o` names (created or truncated), else
/// standard output; buffered either way.
pub fn open(path: Option<&std::path::Path>) -> Result<Box<dyn Write>> {
    use anyhow::Context;
    Ok(match path {
        Some(p) => Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// Shortest text that reads back as the same f64, with a `.0` on whole numbers (as DuckDB and
/// Python print them).
pub fn num(f: f64) -> String {
    let mut out = Vec::with_capacity(24);
    push_num(&mut out, f);
    String::from_utf8(out).unwrap_or_else(|_| format!("{f:?}"))
}

/// Append the text of [`num`] to `out`: the shortest text that reads back as `f`, in the
/// notation of Rust's `{:?}` (scientific below 1e-4 and from 1e16), written by `ryu`, several
/// times faster. `ryu` writes 1e-5 ≤ |f| < 1e-4 as a plain decimal, where `{:?}` is scientific;
/// those few values, and NaN / ∞, take `{:?}`. When two shortest texts are equally close (the
/// last of 17 digits, e.g. on 1405556645095023.25) the two may choose differently.
pub fn push_num(out: &mut Vec<u8>, f: f64) {
    let a = f.abs();
    if f.is_finite() && !(1e-5..1e-4).contains(&a) {
        out.extend_from_slice(ryu::Buffer::new().format_finite(f).as_bytes());
    } else {
        // writing to a Vec cannot fail
        let _ = write!(out, "{f:?}");
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Append one CSV line of cells: text as [`csv_field`], integers, numbers as [`push_num`],
/// undefined numbers empty.
pub fn push_csv_row(out: &mut Vec<u8>, cells: &[Value]) {
    for (i, v) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match v {
            Value::Text(s) => out.extend_from_slice(csv_field(s).as_bytes()),
            Value::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
            Value::Num(Some(f)) => push_num(out, *f),
            Value::Num(None) => {}
        }
    }
    out.push(b'\n');
}

/// Write a CSV table: the header line, then the text `text` makes of each block of rows.
/// Blocks of 16 Ki rows are formatted on all cores and written in order, so a large table
/// (a year of intervals) does not leave the other cores idle while one formats it.
pub fn write_csv_blocks<T: Sync>(
    out: &mut dyn Write,
    columns: &[&str],
    rows: &[T],
    text: impl Fn(&[T], &mut Vec<u8>) + Sync,
) -> Result<()> {
    writeln!(out, "{}", columns.join(","))?;
    let workers = opsdeck_engine::io::workers();
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

/// Rows as a JSON array of objects keyed by column; undefined numbers are null.
pub fn json_rows<C: AsRef<str>>(columns: &[C], rows: &[Vec<Value>]) -> serde_json::Value {
    rows.iter()
        .map(|r| {
            let obj = columns
                .iter()
                .zip(r)
                .map(|(c, v)| {
                    let j = match v {
                        Value::Text(s) => serde_json::Value::String(s.clone()),
                        Value::Int(i) => serde_json::Value::from(*i),
                        Value::Num(Some(f)) => serde_json::Value::from(*f),
                        Value::Num(None) => serde_json::Value::Null,
                    };
                    (c.as_ref().to_string(), j)
                })
                .collect::<serde_json::Map<_, _>>();
            serde_json::Value::Object(obj)
        })
        .collect()
}

pub fn write(
    out: &mut dyn Write,
    format: Format,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> Result<()> {
    match format {
        Format::Csv => write_csv_blocks(out, columns, rows, |block, text| {
            for r in block {
                push_csv_row(text, r);
            }
        })?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &json_rows(columns, rows))?;
            writeln!(out)?;
        }
        Format::Table => {
            let text: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|v| match v {
                            Value::Text(s) => s.clone(),
                            Value::Int(i) => i.to_string(),
                            Value::Num(Some(f)) => format!("{f:.4}"),
                            Value::Num(None) => "—".to_string(),
                        })
                        .collect()
                })
                .collect();
            let mut w: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
            for r in &text {
                for (i, c) in r.iter().enumerate() {
                    w[i] = w[i].max(c.chars().count());
                }
            }
            let line = |cells: Vec<&str>| -> String {
                cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{c:<width$}", width = w[i]))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            writeln!(out, "{}", line(columns.to_vec()))?;
            for r in &text {
                writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        let mut out = Vec::new();
        write(&mut out, Format::Csv, &["queue", "n", "x"], &rows).unwrap();
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
                num(i as f64 / 8.0)
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
            assert_eq!(num(f), format!("{f:?}"), "{f:e}");
        }
    }

    /// The same value, as short, in the same notation as `{:?}` (digits may differ only on
    /// a tie between two equally close shortest texts).
    fn same_as_debug(f: f64) -> Result<(), TestCaseError> {
        let (a, d) = (num(f), format!("{f:?}"));
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
            prop_assert_eq!(num(f), format!("{f:?}"));
        }

        #[test]
        fn num_is_debug_text_across_magnitudes(e in -25.0f64..25.0, neg in any::<bool>()) {
            same_as_debug(if neg { -(10f64.powf(e)) } else { 10f64.powf(e) })?;
        }
    }
}
