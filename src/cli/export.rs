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
    /// A kit that puts the tables into a Log Analytics lab workspace as custom `_CL` tables:
    /// table definitions, a data collection rule, Logs Ingestion API batches, and KQL functions
    /// named after the real tables so that stock rules run unchanged.
    LogAnalytics(LogAnalyticsArgs),
}

/// Arguments of `tenantless export log-analytics`.
#[derive(Debug, Args)]
pub struct LogAnalyticsArgs {
    /// A directory written by `generate`.
    #[arg(long, default_value = "output")]
    pub data: PathBuf,
    /// The kit directory to write (new, or empty).
    #[arg(long)]
    pub out: PathBuf,
    /// Largest body of one Logs Ingestion API call, bytes (the API takes at most 1 MB).
    #[arg(long, default_value_t = crate::export::log_analytics::MAX_BATCH_BYTES)]
    pub batch_bytes: u64,
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
    let adx = match &args.target {
        ExportTarget::Adx(adx) => adx,
        ExportTarget::LogAnalytics(la) => return run_log_analytics(la, out),
    };
    let options = AdxOptions {
        data: adx.data.clone(),
        out: adx.out.clone(),
        file_bytes: adx.file_mb.saturating_mul(1_000_000),
    };
    let kits = export(&options).map_err(failure)?;
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

fn failure(e: ExportError) -> Failure {
    match e {
        ExportError::Io { .. } => Failure::Run(e.to_string()),
        other => Failure::Input(other.to_string()),
    }
}

/// Runs `tenantless export log-analytics`.
fn run_log_analytics(args: &LogAnalyticsArgs, out: &mut dyn Write) -> CommandResult {
    let options = crate::export::log_analytics::LogAnalyticsOptions {
        data: args.data.clone(),
        out: args.out.clone(),
        batch_bytes: args.batch_bytes,
    };
    let plans = crate::export::log_analytics::export(&options).map_err(failure)?;
    let mut text = format!("wrote {}:\n", args.out.display());
    for plan in &plans {
        let renamed = plan.columns.iter().filter(|c| c.stored != c.original).count();
        let records: u64 = plan.batches.iter().map(|(_, n)| n).sum();
        text.push_str(&format!(
            "  {:<33} {:>4} columns ({renamed} renamed) {:>10} records in {} batch(es)\n",
            plan.custom(),
            plan.columns.len(),
            records,
            plan.batches.len()
        ));
    }
    text.push_str("then: ./setup.sh SUBSCRIPTION RESOURCE_GROUP WORKSPACE LOCATION (after az login)\n");
    emit(out, text)?;
    Ok(Outcome::Success)
}
