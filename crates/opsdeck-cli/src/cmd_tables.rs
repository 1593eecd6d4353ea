//! `opsdeck tables`: the catalogue of output tables — every column's name, kind and meaning.

use anyhow::Result;
use opsdeck_engine::views::catalogue::{catalogue, markdown, TABLES_VERSION};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct TablesArgs {
    /// markdown (the text of docs/formats.md §7) or json.
    #[arg(long, value_enum, default_value_t = TablesFormat::Markdown)]
    pub format: TablesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TablesFormat {
    Markdown,
    Json,
}

pub fn run(a: TablesArgs) -> Result<ExitCode> {
    match a.format {
        TablesFormat::Markdown => outln!("{}", markdown().trim_end()),
        TablesFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "tables_version": TABLES_VERSION,
                "tables": catalogue(),
            }))?
        ),
    }
    Ok(ExitCode::SUCCESS)
}
