//! `tenantless generate`: arguments, progress bar and the human summary.

use super::default_scenario;
use super::exit::{CommandResult, Failure, Outcome, emit};
use super::parse_background;
use crate::compress::{Compression, TableFormat};
use crate::generate::{
    DEFAULT_MAX_BYTES, DEFAULT_SEED, GenerateError, GenerateOptions, RunOptions, Shard, check_volume, default_threads, generate_with,
};
use crate::manifest::Manifest;
use crate::scenario::model::BackgroundLevel;
use crate::shape::{Delivery, Shape};
use crate::tables::DiagnosticsModes;
use chrono::{DateTime, SubsecRound, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `tenantless generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Scenario files (default: scenarios/seed.yaml).
    pub scenarios: Vec<PathBuf>,
    /// Seed of every random choice; same seed, scenario and version give byte-identical output.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Output directory. tenantless only replaces its own output there: anything it did not write
    /// makes it refuse. A symbolic link is kept and the directory it points to is updated.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Shift the simulated period so that it ends at this instant (RFC 3339, or `now`, taken to
    /// the whole second so that runs within one second give the same bytes).
    #[arg(long, value_parser = parse_end)]
    pub end: Option<DateTime<Utc>>,
    /// Simulate this many days from the scenario's start instead of its own period.
    #[arg(long)]
    pub days: Option<u32>,
    /// The tenant's background activity, for every scenario: none, small, medium or large
    /// (default: each scenario's `background`, itself `small` by default).
    #[arg(long, value_parser = parse_background)]
    pub background: Option<BackgroundLevel>,
    /// Also replace tenantless files that no manifest lists as written (an older version's output,
    /// a run without its manifest, files changed since). Never deletes files tenantless did not write.
    #[arg(long)]
    pub force: bool,
    /// Refuse to write more than this (estimated before writing), e.g. 500MB, 20GB, 1TB.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "20GB")]
    pub max_bytes: u64,
    /// Write however much the estimate says, without the --max-bytes guard.
    #[arg(long)]
    pub yes: bool,
    /// Threads rendering records (default: every core). The output is byte-identical whatever
    /// the number.
    #[arg(long, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Compress the table files: `zstd` writes `<Table>.jsonl.zst`, `gzip` `<Table>.jsonl.gz`
    /// (default: plain `<Table>.jsonl`). `query` and `verify` read all three.
    #[arg(long, value_enum, default_value_t = Compression::None)]
    pub compress: Compression,
    /// Table file format: `jsonl`, NDJSON as Log Analytics exports it (default; what query,
    /// verify and report read), or `parquet`, `<Table>.parquet` with each column typed as Azure
    /// Data Explorer ingests it, for ADX, Spark, Databricks and DuckDB.
    #[arg(long, value_enum, default_value_t = TableFormat::Jsonl)]
    pub format: TableFormat,
    /// Write only share K of N (K from 0 to N-1): N runs that differ only in K write disjoint
    /// outputs that `tenantless merge` puts back together into this run's output.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// What the records look like: `log-analytics`, the five tables' files (default), or
    /// `diagnostic-settings`, the records as Azure Monitor diagnostic settings deliver them to a
    /// storage account or an Event Hub, for testing SIEM ingestion pipelines. Same records, same
    /// ground truth.
    #[arg(long, value_enum, default_value_t = Shape::LogAnalytics)]
    pub shape: Shape,
    /// With --shape diagnostic-settings, the destination: `storage`, a container per category of
    /// hourly `PT1H.json` blobs (default), or `event-hub`, a file per hub with one
    /// `{"records":[…]}` message per line.
    #[arg(long, value_enum)]
    pub delivery: Option<Delivery>,
    /// With --delivery event-hub, the largest message body, e.g. 256KiB for the Basic tier
    /// (default 1MiB, the Standard tier's largest event). A record never spans two messages.
    #[arg(long, value_name = "SIZE", value_parser = parse_message_size)]
    pub max_message_bytes: Option<u64>,
    /// Where a category's resource logs land in Log Analytics (repeatable): CATEGORY=MODE with
    /// category keyvault or logicapps and mode azure (AzureDiagnostics, the default) or
    /// resource-specific (keyvault: AZKVAuditLogs); a bare MODE sets every category that has it.
    #[arg(long = "diagnostics-mode", value_name = "CATEGORY=MODE")]
    pub diagnostics_modes: Vec<String>,
}

impl GenerateArgs {
    /// The arguments of a bare `tenantless generate`, for running without a subcommand.
    pub fn defaults() -> Self {
        Self {
            scenarios: Vec::new(),
            seed: DEFAULT_SEED,
            out: PathBuf::from("output"),
            end: None,
            days: None,
            force: false,
            background: None,
            max_bytes: DEFAULT_MAX_BYTES,
            yes: false,
            threads: None,
            compress: Compression::None,
            format: TableFormat::Jsonl,
            shard: None,
            shape: Shape::LogAnalytics,
            delivery: None,
            max_message_bytes: None,
            diagnostics_modes: Vec::new(),
        }
    }

    /// The shape options, or why they do not go together.
    fn shaping(&self) -> Result<(Delivery, usize), Failure> {
        let shaped = self.shape == Shape::DiagnosticSettings;
        if self.delivery.is_some() && !shaped {
            return Err(Failure::Input(
                "--delivery applies to --shape diagnostic-settings: add that, or drop --delivery".into(),
            ));
        }
        let delivery = self.delivery.unwrap_or_default();
        let Some(bytes) = self.max_message_bytes else {
            return Ok((delivery, crate::shape::EVENT_HUB_MESSAGE_BYTES));
        };
        if !shaped || delivery != Delivery::EventHub {
            return Err(Failure::Input(
                "--max-message-bytes applies to --shape diagnostic-settings --delivery event-hub: add those, or drop it".into(),
            ));
        }
        let bytes = usize::try_from(bytes).map_err(|_| Failure::Input(format!("--max-message-bytes {bytes} is too large")))?;
        Ok((delivery, bytes))
    }
}

fn parse_end(text: &str) -> Result<DateTime<Utc>, String> {
    if text.eq_ignore_ascii_case("now") {
        // Whole seconds: the same instant, read twice within a second, gives the same output.
        return Ok(Utc::now().trunc_subsecs(0));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{text}` is neither `now` nor an RFC 3339 instant like 2026-11-28T12:00:00Z ({e})"))
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    Shard::parse(text).map_err(|e| e.to_string())
}

fn parse_threads(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{text}` is not a number of threads: give 1 or more (default: every core)")),
    }
}

/// A message size: binary units (KiB, MiB, as Event Hubs quotas count), at least 1 KiB.
fn parse_message_size(text: &str) -> Result<u64, String> {
    let bytes = super::size::parse(text, super::size::Base::Binary)?;
    if bytes < 1024 {
        return Err(format!("`{text}` is below 1KiB; an Event Hub message must hold a whole record"));
    }
    Ok(bytes)
}

/// A size in bytes: a number with an optional decimal unit (B, KB, MB, GB, TB; K, M, G, T).
fn parse_size(text: &str) -> Result<u64, String> {
    super::size::parse(text, super::size::Base::Decimal)
}

/// How a generate error ends the command: an interrupted run exits 128 + the signal.
fn failure(e: GenerateError) -> Failure {
    match e {
        GenerateError::Write { .. } | GenerateError::Sink(crate::sink::SinkError::Io { .. }) => Failure::Run(e.to_string()),
        GenerateError::Interrupted { signal, .. } => Failure::Interrupted {
            message: e.to_string(),
            signal: u8::try_from(signal).unwrap_or(0),
        },
        GenerateError::Shape(
            crate::shape::ShapeError::Io { .. } | crate::shape::ShapeError::Column { .. } | crate::shape::ShapeError::NotJson { .. },
        ) => Failure::Run(e.to_string()),
        _ => Failure::Input(e.to_string()),
    }
}

/// Runs `tenantless generate`: the volume guard, the run with a progress bar on stderr, and the
/// summary on `out`.
pub fn run(args: &GenerateArgs, out: &mut dyn Write) -> CommandResult {
    let (delivery, message_bytes) = args.shaping()?;
    let modes = DiagnosticsModes::parse(&args.diagnostics_modes).map_err(|e| Failure::Input(e.to_string()))?;
    // Before the volume check, whose estimate loads the scenarios too.
    crate::memory::keep_flat();
    let scenarios = if args.scenarios.is_empty() {
        vec![default_scenario()]
    } else {
        args.scenarios.clone()
    };
    let options = GenerateOptions {
        scenarios,
        seed: args.seed,
        out: args.out.clone(),
        end: args.end,
        days: args.days,
        force: args.force,
        background: args.background,
    };
    if !args.yes {
        check_volume(&options, (modes, args.max_bytes)).map_err(failure)?;
    }
    crate::sink::install_signal_handlers();
    // Hidden automatically when stderr is not a terminal.
    let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} simulating [{bar:40}] {percent}% {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let run = RunOptions {
        threads: args.threads.unwrap_or_else(default_threads),
        compression: args.compress,
        format: args.format,
        shard: args.shard,
        shape: args.shape,
        delivery,
        message_bytes,
        modes,
    };
    let result = generate_with(&options, run, |fraction| bar.set_position((fraction * 1000.0) as u64));
    bar.finish_and_clear();
    let manifest = result.map_err(failure)?;
    emit(out, summary(&manifest, &options.out))?;
    for s in manifest.scenarios.iter().filter(|s| s.anomalies_cut_by_days > 0) {
        let _ = writeln!(
            std::io::stderr(),
            "note: --days ends scenario {} before {} of its anomalies; they were not injected",
            s.name,
            s.anomalies_cut_by_days
        );
    }
    Ok(Outcome::Success)
}

/// What was generated: tables, counts and the ground truth's size.
fn summary(manifest: &Manifest, out: &std::path::Path) -> String {
    use std::fmt::Write as _;
    let names: Vec<&str> = manifest.scenarios.iter().map(|s| s.name.as_str()).collect();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "generated scenario {} (seed {}) into {}",
        names.join(", "),
        manifest.seed,
        out.display()
    );
    let _ = writeln!(text, "period {} .. {}", manifest.time_range.start, manifest.time_range.end);
    let _ = writeln!(
        text,
        "{:<32} {:>10} {:>14} {:>14}",
        "table", "records", "file bytes", "billed bytes"
    );
    for (table, stats) in &manifest.tables {
        let _ = writeln!(
            text,
            "{table:<32} {:>10} {:>14} {:>14}",
            stats.records, stats.bytes, stats.billed_bytes
        );
    }
    if let Some(info) = &manifest.diagnostic_settings {
        let (pieces, what): (u64, &str) = match info.delivery {
            Delivery::Storage => (
                info.categories.values().map(|c| c.blobs).sum(),
                "blobs in their categories' containers",
            ),
            Delivery::EventHub => (
                info.categories.values().map(|c| c.messages).sum(),
                "Event Hub messages, one per line of each hub's file",
            ),
        };
        let _ = writeln!(text, "diagnostic-settings shape, {} delivery: {pieces} {what}", info.delivery);
    }
    let benign = manifest.anomalies.iter().filter(|a| a.benign).count();
    let _ = writeln!(
        text,
        "anomalies: {} injected ({} benign near-misses), ground truth in manifest.json",
        manifest.anomalies.len(),
        benign
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_taken_to_the_whole_second() {
        let before = Utc::now().trunc_subsecs(0);
        let end = parse_end("now").unwrap();
        assert_eq!(end.timestamp_subsec_nanos(), 0, "{end:?} has a fraction of a second");
        assert!(end >= before && end <= Utc::now(), "{end:?} is not now");
    }

    #[test]
    fn an_rfc3339_end_keeps_its_precision() {
        let end = parse_end("2026-11-28T12:00:00.25Z").unwrap();
        assert_eq!(end.timestamp_subsec_millis(), 250);
        assert!(parse_end("yesterday").unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn sizes_take_decimal_units() {
        assert_eq!(parse_size("20GB"), Ok(20_000_000_000));
        assert_eq!(parse_size("1.5g"), Ok(1_500_000_000));
        assert_eq!(parse_size("500 MB"), Ok(500_000_000));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("2TB"), Ok(2_000_000_000_000));
        assert!(parse_size("20 parsecs").is_err());
        assert!(parse_size("GB").is_err());
        assert!(parse_size("1e30TB").is_err());
    }
}
