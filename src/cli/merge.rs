//! `tenantless merge`: shard outputs of `generate --shard K/N` into the whole run's output.

use super::exit::{CommandResult, Failure, Outcome, emit};
use crate::compress::Compression;
use crate::merge::{MergeError, MergeOptions, merge};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `tenantless merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The output directories of `generate --shard K/N` for every K from 0 to N-1, in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// The merged output directory, as `generate --out`: only tenantless's own output there is replaced.
    #[arg(long)]
    pub out: PathBuf,
    /// Also replace tenantless files that no manifest lists as written (as `generate --force`).
    #[arg(long)]
    pub force: bool,
    /// Compress the merged tables as `generate --compress` does (default: plain `.jsonl`),
    /// whatever the shards' compression.
    #[arg(long, value_enum, default_value_t = Compression::None)]
    pub compress: Compression,
}

fn failure(e: MergeError) -> Failure {
    match e {
        MergeError::Output(crate::generate::GenerateError::Write { .. }) | MergeError::Input(crate::input::InputError::Io { .. }) => {
            Failure::Run(e.to_string())
        }
        _ => Failure::Input(e.to_string()),
    }
}

/// Runs `tenantless merge` and prints what the merged output holds.
pub fn run(args: &MergeArgs, out: &mut dyn Write) -> CommandResult {
    let options = MergeOptions {
        shards: args.shards.clone(),
        out: args.out.clone(),
        force: args.force,
        compression: args.compress,
    };
    let manifest = merge(&options).map_err(failure)?;
    let records: u64 = manifest.tables.values().map(|t| t.records).sum();
    emit(
        out,
        format!(
            "merged {} shards into {}: {records} records, {} anomalies in manifest.json\n",
            args.shards.len(),
            args.out.display(),
            manifest.anomalies.len()
        ),
    )?;
    Ok(Outcome::Success)
}
