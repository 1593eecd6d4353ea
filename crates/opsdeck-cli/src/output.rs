//! Where and how a command writes its tables: the format flag (csv | json | table), the output
//! file or standard output, and the library's writers (`opsdeck_engine::views::table`).

use anyhow::Result;
use opsdeck_engine::views::table::{self, Table};
use std::io::Write;

pub use opsdeck_engine::views::table::num_text as num;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Machine units: fractions 0–1, seconds, money beside a currency column.
    Csv,
    /// An array of objects in machine units; undefined is null.
    Json,
    /// For people: percentages, durations, money with its currency, aligned columns.
    Table,
}

impl Format {
    pub fn lib(self) -> table::Format {
        match self {
            Format::Csv => table::Format::Csv,
            Format::Json => table::Format::Json,
            Format::Table => table::Format::Text,
        }
    }
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

/// Write a table in `format`.
pub fn write(out: &mut dyn Write, format: Format, t: &Table) -> Result<()> {
    table::write(out, t, format.lib())?;
    Ok(())
}
