//! The `--profile NAME | --map FILE` and `--max-field-bytes` options shared by commands that
//! read contact files.

use anyhow::Result;
use opsdeck_engine::contacts::profile::Profile;
use opsdeck_engine::io::csv_reader::DEFAULT_MAX_FIELD_BYTES;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct ProfileArgs {
    /// Input profile: canonical or anonymous-bank.
    #[arg(long, default_value = "canonical", conflicts_with = "map")]
    pub profile: String,
    /// A mapping file (TOML) describing a custom export; see docs/formats.md.
    #[arg(long)]
    pub map: Option<PathBuf>,
    /// Longest quoted field of a CSV file, in bytes: past it a stray quote costs its own row
    /// and reading goes on at the next line (a line may be 16 times as long).
    #[arg(long = "max-field-bytes", default_value_t = DEFAULT_MAX_FIELD_BYTES, value_parser = field_bytes)]
    pub max_field_bytes: usize,
}

/// A field size limit of at least one byte.
pub fn field_bytes(s: &str) -> std::result::Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "{s:?} is not a number of bytes ≥ 1 (default {DEFAULT_MAX_FIELD_BYTES})"
        )),
    }
}

impl ProfileArgs {
    pub fn load(&self) -> Result<Profile> {
        match &self.map {
            Some(p) => {
                let text = opsdeck_engine::io::read_toml_file(p, "a mapping file")?;
                Ok(Profile::from_mapping_toml(&text, p)?)
            }
            None => Ok(Profile::by_name(&self.profile)?),
        }
    }
}
