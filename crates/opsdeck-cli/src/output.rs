//! Writing tables of values as CSV, JSON (an array of objects) or an aligned text table.

use anyhow::Result;
use opsdeck_engine::aggregate::Value;
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Table,
}

/// Shortest text that reads back as the same f64, with a `.0` on whole numbers (as DuckDB and
/// Python print them).
pub fn num(f: f64) -> String {
    format!("{f:?}")
}

/// A CSV field, quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
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
        Format::Csv => {
            writeln!(out, "{}", columns.join(","))?;
            for r in rows {
                let cells: Vec<String> = r
                    .iter()
                    .map(|v| match v {
                        Value::Text(s) => csv_field(s).into_owned(),
                        Value::Int(i) => i.to_string(),
                        Value::Num(Some(f)) => num(*f),
                        Value::Num(None) => String::new(),
                    })
                    .collect();
                writeln!(out, "{}", cells.join(","))?;
            }
        }
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
