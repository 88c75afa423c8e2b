//! `tenantless bench`: prints the benchmark tables the README quotes.

use super::exit::{CommandResult, Failure, Outcome, emit};
use crate::bench::peer::PeerSetup;
use crate::bench::suite::{self, Part, Peer, SuiteOptions};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use strum::VariantArray;

/// Arguments of `tenantless bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The parts to run (comma-separated or repeated): query, verify, generate. Default: all.
    #[arg(long, value_delimiter = ',', value_parser = parse_part, value_name = "PART")]
    pub only: Vec<Part>,
    /// What the query part compares tenantless with: duckdb (installed from PyPI into
    /// ~/.cache/tenantless-bench by tools/bench/duckdb_peer.py), none, or auto (duckdb when --python
    /// runs).
    #[arg(long, default_value = "auto", value_parser = parse_peer)]
    pub peer: Peer,
    /// The query part's data sets, in service-principal sign-ins (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1000000,2000000", value_name = "N")]
    pub signins: Vec<u64>,
    /// Runs per query and engine in the query part (the best is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: u32,
    /// The Python that runs tools/bench/duckdb_peer.py.
    #[arg(long, default_value = "python3")]
    pub python: PathBuf,
    /// Days of the large tenant to generate (the second run uses three times as many).
    #[arg(long, default_value_t = 1)]
    pub days: u32,
    /// Days of the large tenant that the verify part generates and verifies.
    #[arg(long, default_value_t = 3)]
    pub verify_days: u32,
    /// Directory holding the bundled scenarios.
    #[arg(long, default_value = "scenarios")]
    pub scenarios: PathBuf,
}

fn parse_part(text: &str) -> Result<Part, String> {
    text.parse()
        .map_err(|_| format!("unknown part `{text}`; use one of {}", names(Part::VARIANTS)))
}

fn parse_peer(text: &str) -> Result<Peer, String> {
    text.parse()
        .map_err(|_| format!("unknown peer `{text}`; use one of {}", names(Peer::VARIANTS)))
}

fn names<T: ToString>(all: &[T]) -> String {
    all.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// Runs the benchmarks and prints their Markdown tables to `out`.
pub fn run(args: &BenchArgs, out: &mut dyn Write) -> CommandResult {
    if cfg!(debug_assertions) {
        eprintln!("note: this is a debug build; run `cargo run --release -- bench` for meaningful figures");
    }
    if args.signins.contains(&0) || args.runs == 0 || args.days == 0 || args.verify_days == 0 {
        return Err(Failure::Input(
            "--signins, --runs, --days and --verify-days must be 1 or more".into(),
        ));
    }
    // The rules and the peer script sit beside the scenarios, in the repository; the default
    // `scenarios` is found from the crate root when the working directory is elsewhere.
    let scenarios = if args.scenarios.exists() {
        args.scenarios.clone()
    } else {
        super::bundled(&args.scenarios.to_string_lossy())
    };
    let root = scenarios.parent().map(PathBuf::from).unwrap_or_default();
    let rules = root.join("rules");
    let binary = std::env::current_exe().map_err(|e| Failure::Run(format!("cannot find this binary to measure it: {e}")))?;
    let options = SuiteOptions {
        parts: if args.only.is_empty() {
            Part::VARIANTS.to_vec()
        } else {
            args.only.clone()
        },
        peer: args.peer,
        scenarios,
        rules: rules.clone(),
        days: args.days,
        verify_days: args.verify_days,
        signins: args.signins.clone(),
        peer_setup: PeerSetup {
            python: args.python.clone(),
            script: root.join("tools/bench/duckdb_peer.py"),
            binary,
            rules,
            runs: args.runs,
        },
        scratch: crate::bench::scratch_dir(),
    };
    let result = suite::run(&options, &mut |n| eprintln!("bench: {n}"));
    let _ = std::fs::remove_dir_all(&options.scratch);
    let text = result.map_err(|e| Failure::Run(e.to_string()))?;
    emit(out, text)?;
    Ok(Outcome::Success)
}
