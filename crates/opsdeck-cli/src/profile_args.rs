//! The `--profile NAME | --map FILE` options shared by commands that read contact files.

use anyhow::Result;
use opsdeck_engine::contacts::profile::Profile;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct ProfileArgs {
    /// Input profile: canonical or anonymous-bank.
    #[arg(long, default_value = "canonical", conflicts_with = "map")]
    pub profile: String,
    /// A mapping file (TOML) describing a custom export; see docs/formats.md.
    #[arg(long)]
    pub map: Option<PathBuf>,
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
