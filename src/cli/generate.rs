//! `tenantless generate`: arguments, progress bar and the human summary.

use super::{EXIT_FAILURE, EXIT_INPUT, default_scenario};
use crate::generate::{DEFAULT_SEED, GenerateError, GenerateOptions, generate};
use crate::manifest::Manifest;
use chrono::{DateTime, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Scenario files (default: scenarios/seed.yaml).
    pub scenarios: Vec<PathBuf>,
    /// Seed of every random choice; same seed, scenario and version give byte-identical output.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Output directory.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Shift the simulated period so that it ends at this instant (RFC 3339, or `now`).
    #[arg(long, value_parser = parse_end)]
    pub end: Option<DateTime<Utc>>,
    /// Simulate this many days from the scenario's start instead of its own period.
    #[arg(long)]
    pub days: Option<u32>,
    /// Replace a non-empty output directory that is not a previous tenantless output.
    #[arg(long)]
    pub force: bool,
}

impl GenerateArgs {
    pub fn defaults() -> Self {
        Self {
            scenarios: Vec::new(),
            seed: DEFAULT_SEED,
            out: PathBuf::from("output"),
            end: None,
            days: None,
            force: false,
        }
    }
}

fn parse_end(text: &str) -> Result<DateTime<Utc>, String> {
    if text.eq_ignore_ascii_case("now") {
        return Ok(Utc::now());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{text}` is neither `now` nor an RFC 3339 instant like 2026-11-28T12:00:00Z ({e})"))
}

pub fn run(args: &GenerateArgs) -> ExitCode {
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
    };
    // Hidden automatically when stderr is not a terminal.
    let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} simulating [{bar:40}] {percent}% {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let result = generate(&options, |fraction| bar.set_position((fraction * 1000.0) as u64));
    bar.finish_and_clear();
    match result {
        Ok(manifest) => {
            print_summary(&manifest, &options.out);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            let code = match e {
                GenerateError::Write { .. } | GenerateError::Sink(crate::sink::SinkError::Io { .. }) => EXIT_FAILURE,
                _ => EXIT_INPUT,
            };
            ExitCode::from(code)
        }
    }
}

fn print_summary(manifest: &Manifest, out: &std::path::Path) {
    let names: Vec<&str> = manifest.scenarios.iter().map(|s| s.name.as_str()).collect();
    println!(
        "generated scenario {} (seed {}) into {}",
        names.join(", "),
        manifest.seed,
        out.display()
    );
    println!("period {} .. {}", manifest.time_range.start, manifest.time_range.end);
    println!("{:<32} {:>10} {:>14} {:>14}", "table", "records", "file bytes", "billed bytes");
    for (table, stats) in &manifest.tables {
        println!("{table:<32} {:>10} {:>14} {:>14}", stats.records, stats.bytes, stats.billed_bytes);
    }
    for s in manifest.scenarios.iter().filter(|s| s.anomalies_cut_by_days > 0) {
        eprintln!(
            "note: --days ends scenario {} before {} of its anomalies; they were not injected",
            s.name, s.anomalies_cut_by_days
        );
    }
    let benign = manifest.anomalies.iter().filter(|a| a.benign).count();
    println!(
        "anomalies: {} injected ({} benign near-misses), ground truth in manifest.json",
        manifest.anomalies.len(),
        benign
    );
}
