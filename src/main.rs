use clap::Parser;
use std::process::ExitCode;

/// mimalloc: rules build and drop millions of small rows per run, from two threads at once,
/// and glibc's malloc spent half of `verify`'s CPU time on it (see the commit adding it).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tenantless::cli::run(tenantless::cli::Cli::parse())
}
