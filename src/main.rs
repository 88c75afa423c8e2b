use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    tenantless::cli::run(tenantless::cli::Cli::parse())
}
