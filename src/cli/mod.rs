//! Command-line definitions and dispatch; domain logic lives in the library modules.

pub mod bench;
pub mod estimate;
pub mod exit;
pub mod export;
pub mod external;
pub mod functions;
pub mod generate;
pub mod merge;
pub mod query;
pub mod report;
pub mod size;
pub mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub use exit::{EXIT_FAILURE, EXIT_INPUT};

/// The command line: a subcommand, or none for generate-then-verify with the defaults.
#[derive(Debug, Parser)]
#[command(
    name = "tenantless",
    version,
    about = "Simulate Entra ID non-human identity logs across five Log Analytics tables, and run KQL over them."
)]
pub struct Cli {
    /// The subcommand; `None` generates the default scenario into output/ and verifies the bundled rules.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// tenantless's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate scenarios into one .jsonl file per table and manifest.json.
    Generate(generate::GenerateArgs),
    /// Merge the outputs of `generate --shard K/N` into the output of the whole run.
    Merge(merge::MergeArgs),
    /// Estimate rows, billed GB and cost per table and category from scenarios.
    Estimate(estimate::EstimateArgs),
    /// Run a KQL query over generated tables.
    Query(query::QueryArgs),
    /// Run Sentinel rules and correlations over generated data and compare with the ground truth.
    Verify(verify::VerifyArgs),
    /// Measure generation and estimation speed (use a release build).
    Bench(bench::BenchArgs),
    /// Write a kit that loads generated tables into another system (Azure Data Explorer).
    Export(export::ExportArgs),
    /// Write one self-contained HTML page of generated data: timeline, correlation graph,
    /// anomalies with the rules' verdicts, volume and the correlation queries' results.
    Report(report::ReportArgs),
}

/// Parses a `--background` level.
pub fn parse_background(text: &str) -> Result<crate::scenario::model::BackgroundLevel, String> {
    use strum::VariantArray;
    text.parse().map_err(|_| {
        let levels: Vec<String> = crate::scenario::model::BackgroundLevel::VARIANTS
            .iter()
            .map(ToString::to_string)
            .collect();
        format!("unknown background level `{text}`; use one of {}", levels.join(", "))
    })
}

/// The bundled default scenario, found from the working directory or the crate root.
pub fn default_scenario() -> PathBuf {
    bundled("scenarios/seed.yaml")
}

/// A bundled file or directory, relative to the working directory when it is there (so that paths
/// in the manifest stay short), else to the crate root.
pub fn bundled(relative: &str) -> PathBuf {
    let path = PathBuf::from(relative);
    if path.exists() {
        path
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Some(Command::Generate(args)) => exit::exit_code(generate::run(&args, &mut std::io::stdout().lock())),
        Some(Command::Merge(args)) => exit::exit_code(merge::run(&args, &mut std::io::stdout().lock())),
        Some(Command::Estimate(args)) => exit::exit_code(estimate::run(&args, &mut std::io::stdout().lock())),
        Some(Command::Bench(args)) => exit::exit_code(bench::run(&args, &mut std::io::stdout().lock())),
        Some(Command::Export(args)) => exit::exit_code(export::run(&args, &mut std::io::stdout().lock())),
        Some(Command::Report(args)) => exit::exit_code(report::run(&args, &mut std::io::stdout().lock())),
        Some(Command::Verify(args)) => exit::exit_code(verify::run(&args, &mut std::io::stdout().lock())),
        Some(Command::Query(args)) => exit::exit_code(query::run(&args, &mut std::io::stdout().lock(), &mut std::io::stderr())),
        None => {
            // No arguments: the README's first command. Generate the default scenario into output/,
            // verify the bundled rules against it, and write output/report.html of it all.
            let generated = generate::run(&generate::GenerateArgs::defaults(), &mut std::io::stdout().lock());
            if !matches!(generated, Ok(exit::Outcome::Success)) {
                return exit::exit_code(generated);
            }
            println!();
            let verified = verify::run(&verify::VerifyArgs::defaults(), &mut std::io::stdout().lock());
            if verified.is_err() {
                return exit::exit_code(verified);
            }
            println!();
            match report::run(&report::ReportArgs::defaults(), &mut std::io::stdout().lock()) {
                Ok(_) => exit::exit_code(verified),
                failed => exit::exit_code(failed),
            }
        }
    }
}
