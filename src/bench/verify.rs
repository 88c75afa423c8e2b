//! The `verify` benchmark: the bundled rules over days of tenant-large.yaml, run by this binary in
//! a child process, so that its peak memory is verify's own and not the benchmark's.

use super::dataset::generate_into;
use super::error::BenchError;
use super::process::{ChildRun, child_failed, run_measured};
use std::path::Path;
use std::process::Command;

/// The measured `verify` run.
#[derive(Debug, Clone)]
pub struct VerifyRun {
    /// Days of the tenant generated.
    pub days: u32,
    /// Records in all tables of the data.
    pub records: u64,
    /// The child's wall time and peak RSS.
    pub child: ChildRun,
}

/// Generates `days` of `scenario` into `scratch`, then times `BINARY verify --data … --rules RULES`.
/// Exit 1 means an expectation failed, which is a finding, not a failed benchmark.
pub fn run(binary: &Path, scenario: &Path, rules: &Path, days: u32, scratch: &Path) -> Result<VerifyRun, BenchError> {
    let dir = scratch.join(format!("verify-{days}d"));
    let what = format!("generating {} days of {}", days, scenario.display());
    let data = generate_into(scenario.to_path_buf(), dir.clone(), Some(days), what)?;
    let mut command = Command::new(binary);
    command.arg("verify").arg("--data").arg(&dir).arg("--rules").arg(rules);
    let (child, _, stderr) = run_measured(&mut command, scratch, "verify")?;
    std::fs::remove_dir_all(&dir).map_err(|e| BenchError::io(&dir, e))?;
    match child.code {
        Some(0 | 1) => Ok(VerifyRun {
            days,
            records: data.records,
            child,
        }),
        code => Err(child_failed(&command, code, &stderr)),
    }
}

/// The verify table.
pub fn table(run: &VerifyRun, rules: &Path) -> String {
    format!(
        "| benchmark | workload | time | peak RSS |\n|---|---|---|---|\n\
         | verify | `verify --rules {}` over {} days of tenant-large.yaml ({} records), its own process | {:.1} s | {:.0} MiB |\n",
        rules.display(),
        run.days,
        super::peer::thousands(run.records),
        run.child.seconds,
        run.child.peak_rss_mib
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_time_and_memory() {
        let run = VerifyRun {
            days: 3,
            records: 1_234_567,
            child: ChildRun {
                seconds: 451.04,
                peak_rss_mib: 5632.2,
                code: Some(0),
            },
        };
        let table = table(&run, Path::new("rules"));
        assert!(table.contains("| verify | `verify --rules rules` over 3 days of tenant-large.yaml (1,234,567 records), its own process | 451.0 s | 5632 MiB |"), "{table}");
    }
}
