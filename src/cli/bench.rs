//! `tenantless bench`: prints the benchmark table the README quotes.

use super::exit::{CommandResult, Failure, Outcome, emit};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `tenantless bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Days of the large tenant to generate (the second run uses three times as many).
    #[arg(long, default_value_t = 1)]
    pub days: u32,
    /// Directory holding the bundled scenarios.
    #[arg(long, default_value = "scenarios")]
    pub scenarios: PathBuf,
}

/// Runs the benchmarks and prints their Markdown table to `out`.
pub fn run(args: &BenchArgs, out: &mut dyn Write) -> CommandResult {
    if cfg!(debug_assertions) {
        eprintln!("note: this is a debug build; run `cargo run --release -- bench` for meaningful figures");
    }
    let scratch = crate::bench::scratch_dir();
    let rules = args.scenarios.parent().map_or_else(|| PathBuf::from("rules"), |p| p.join("rules"));
    let result = crate::bench::run(&args.scenarios, &scratch, args.days.max(1)).and_then(|mut rows| {
        rows.extend(crate::bench::kql_rules(&rules, &scratch)?);
        Ok(rows)
    });
    let _ = std::fs::remove_dir_all(&scratch);
    let rows = result.map_err(|e| Failure::Run(e.to_string()))?;
    let mut table = String::from("| benchmark | workload | time | records/s | MB/s | peak RSS |\n|---|---|---|---|---|---|\n");
    for row in rows {
        table.push_str(&row.row());
        table.push('\n');
    }
    emit(out, table)?;
    Ok(Outcome::Success)
}
