//! `tenantless bench`: prints the benchmark table the README quotes.

use super::EXIT_FAILURE;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Days of the large tenant to generate (the second run uses three times as many).
    #[arg(long, default_value_t = 1)]
    pub days: u32,
    /// Directory holding the bundled scenarios.
    #[arg(long, default_value = "scenarios")]
    pub scenarios: PathBuf,
}

pub fn run(args: &BenchArgs) -> ExitCode {
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
    match result {
        Ok(rows) => {
            println!("| benchmark | workload | time | records/s | MB/s | peak RSS |");
            println!("|---|---|---|---|---|---|");
            for row in rows {
                println!("{}", row.row());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
