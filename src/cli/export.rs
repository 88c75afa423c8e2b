//! `tenantless export`: arguments and output.

use super::exit::{CommandResult, Failure, Outcome, emit};
use crate::export::ExportError;
use crate::export::adx::{AdxOptions, export};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `tenantless export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to.
    #[command(subcommand)]
    pub target: ExportTarget,
}

/// The systems `export` writes kits for.
#[derive(Debug, Subcommand)]
pub enum ExportTarget {
    /// A kit that loads the tables into Azure Data Explorer or a Fabric Eventhouse: table
    /// commands with the documented types, JSON ingestion mappings, gzip data files and the
    /// ingestion commands.
    Adx(AdxArgs),
}

/// Arguments of `tenantless export adx`.
#[derive(Debug, Args)]
pub struct AdxArgs {
    /// A directory written by `generate`.
    #[arg(long, default_value = "output")]
    pub data: PathBuf,
    /// The kit directory to write (new, or empty).
    #[arg(long)]
    pub out: PathBuf,
    /// Largest uncompressed size of one data file, MB (10^6 bytes).
    #[arg(long, default_value_t = 500)]
    pub file_mb: u64,
}

/// Runs `tenantless export`.
pub fn run(args: &ExportArgs, out: &mut dyn Write) -> CommandResult {
    let ExportTarget::Adx(adx) = &args.target;
    let options = AdxOptions {
        data: adx.data.clone(),
        out: adx.out.clone(),
        file_bytes: adx.file_mb.saturating_mul(1_000_000),
    };
    let kits = export(&options).map_err(|e| match e {
        ExportError::Io { .. } => Failure::Run(e.to_string()),
        other => Failure::Input(other.to_string()),
    })?;
    let mut text = format!("wrote {}:\n", adx.out.display());
    for kit in &kits {
        let records: u64 = kit.files.iter().map(|(_, n)| n).sum();
        text.push_str(&format!(
            "  {:<30} {:>4} columns {:>10} records in {} file(s)\n",
            kit.name,
            kit.columns.len(),
            records,
            kit.files.len()
        ));
    }
    text.push_str("then: ./upload.sh STORAGE_ACCOUNT CONTAINER, and run tables.kql, mappings.kql and ingest.final.kql in your database\n");
    emit(out, text)?;
    Ok(Outcome::Success)
}
