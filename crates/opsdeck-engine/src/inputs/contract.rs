//! Contract files (`opsdeck contract apply FILE`): TOML in the shape of
//! [`RawContract`], validated against the organisation into a [`Contract`].

use crate::error::{EngineError, Result};
use opsdeck_core::contract::{Contract, RawContract};
use opsdeck_core::Org;
use std::path::Path;

/// Parse and validate a contract file; errors name the file and the key.
pub fn read_contract(text: &str, path: &Path, org: &Org) -> Result<(RawContract, Contract)> {
    let raw: RawContract = crate::io::from_toml(text).map_err(|message| EngineError::Input {
        path: path.to_path_buf(),
        message,
    })?;
    let c = Contract::from_raw(&raw, org).map_err(|e| EngineError::Input {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok((raw, c))
}
