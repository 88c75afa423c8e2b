//! The query benchmark against DuckDB: runs tools/bench/duckdb_peer.py over a data set and renders
//! its report, the ratio first.

use super::dataset::DataSet;
use super::error::BenchError;
use super::process::{child_failed, run_measured, tail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The script's exit status when DuckDB cannot be installed (see its docstring).
const EXIT_NO_DUCKDB: i32 = 3;
const GIB: f64 = 1024.0;

/// One engine's figures for one query.
#[derive(Debug, Clone, Deserialize)]
pub struct EngineRun {
    /// The best wall time of the runs.
    pub seconds: f64,
    /// Every run's wall time, in order.
    pub runs: Vec<f64>,
    /// The largest run's peak RSS.
    pub peak_rss_mib: f64,
    /// Result rows.
    pub rows: u64,
    /// DuckDB only: the best time inside the process (read, parse and run; no start-up).
    #[serde(default)]
    pub in_process_seconds: Option<f64>,
}

/// One query, both engines.
#[derive(Debug, Clone, Deserialize)]
pub struct QueryPair {
    /// The rule's file stem.
    pub query: String,
    /// Result rows (the same in both, or the script fails).
    pub rows: u64,
    /// tenantless's best time over DuckDB's.
    pub ratio: f64,
    /// tenantless's figures.
    pub tenantless: EngineRun,
    /// DuckDB's figures.
    pub duckdb: EngineRun,
}

/// The script's report over one data set.
#[derive(Debug, Clone, Deserialize)]
pub struct PeerReport {
    /// `AADServicePrincipalSignInLogs` rows in the data set.
    pub signins: u64,
    /// `AuditLogs` rows.
    pub audit_rows: u64,
    /// Runs per query and engine.
    pub runs: u32,
    /// The DuckDB version measured.
    pub duckdb_version: Option<String>,
    /// The queries.
    pub queries: Vec<QueryPair>,
    /// Records in all the folder's tables (filled from the data set, not by the script).
    #[serde(default)]
    pub records: u64,
}

/// How to run the peer script.
#[derive(Debug, Clone)]
pub struct PeerSetup {
    /// The Python that runs the script (it installs DuckDB into its own venv when needed).
    pub python: PathBuf,
    /// tools/bench/duckdb_peer.py.
    pub script: PathBuf,
    /// The tenantless binary measured: this one.
    pub binary: PathBuf,
    /// The folder holding the seed's rules.
    pub rules: PathBuf,
    /// Runs per query and engine.
    pub runs: u32,
}

/// Runs the script over `data` and reads its report.
pub fn run(setup: &PeerSetup, data: &DataSet, scratch: &Path) -> Result<PeerReport, BenchError> {
    let mut command = Command::new(&setup.python);
    command
        .arg(&setup.script)
        .arg("--data")
        .arg(&data.dir)
        .arg("--bin")
        .arg(&setup.binary)
        .arg("--rules")
        .arg(&setup.rules)
        .arg("--runs")
        .arg(setup.runs.to_string());
    let (child, stdout, stderr) = run_measured(&mut command, scratch, "peer")?;
    match child.code {
        Some(0) => {
            let report: PeerReport = serde_json::from_str(&stdout).map_err(|e| BenchError::PeerReport(e.to_string()))?;
            // The script fails on a disagreement; this holds it to that.
            match report.queries.iter().find(|q| q.tenantless.rows != q.duckdb.rows) {
                Some(q) => Err(BenchError::PeerReport(format!(
                    "{}: tenantless {} rows, DuckDB {}",
                    q.query, q.tenantless.rows, q.duckdb.rows
                ))),
                None => Ok(report),
            }
        }
        Some(EXIT_NO_DUCKDB) => Err(BenchError::NoDuckdb(tail(&stderr, 5))),
        code => Err(child_failed(&command, code, &stderr)),
    }
}

/// The table of every data set's report: per query and size, the ratio first, then the absolute
/// times, the rows and the peak memory per million sign-in rows.
pub fn table(reports: &[PeerReport]) -> String {
    let mut out = String::from(
        "| query | SP sign-ins | tenantless / DuckDB, end to end | tenantless | DuckDB | result rows \
         | tenantless peak RSS | per M sign-ins | DuckDB peak RSS | per M sign-ins | DuckDB in process |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for report in reports {
        let millions = report.signins as f64 / 1e6;
        let per_m = |mib: f64| {
            if millions > 0.0 {
                format!("{:.2} GiB", mib / GIB / millions)
            } else {
                "-".into()
            }
        };
        for q in &report.queries {
            out.push_str(&format!(
                "| {} | {} | **{:.2}×** | {:.3} s | {:.3} s | {} | {:.0} MiB | {} | {:.0} MiB | {} | {} |\n",
                q.query,
                thousands(report.signins),
                q.ratio,
                q.tenantless.seconds,
                q.duckdb.seconds,
                q.rows,
                q.tenantless.peak_rss_mib,
                per_m(q.tenantless.peak_rss_mib),
                q.duckdb.peak_rss_mib,
                per_m(q.duckdb.peak_rss_mib),
                q.duckdb.in_process_seconds.map_or_else(|| "-".into(), |s| format!("{s:.3} s")),
            ));
        }
    }
    out
}

/// What the table's figures are, for the lines under it.
pub fn notes(reports: &[PeerReport]) -> String {
    let Some(first) = reports.first() else { return String::new() };
    let version = first.duckdb_version.as_deref().unwrap_or("?");
    let folders: Vec<String> = reports
        .iter()
        .map(|r| format!("{} records, {} of them AuditLogs", thousands(r.records), thousands(r.audit_rows)))
        .collect();
    format!(
        "Each engine in its own process, reading the NDJSON files on every run, best of {} interleaved runs \
         (tenantless `query --format json -f RULE.kql`, the rule's text unchanged; DuckDB {version}, the SQL \
         of tools/bench/duckdb_peer.py over `read_json`); `now` is the manifest's period end in both; the row \
         counts agree. The folders hold {} in all (the Key Vault reads' AzureDiagnostics rows are most of the \
         rest): both read only the tables the query names, and of those only the columns it reads (DuckDB's \
         SQL names them; tenantless finds them in the query). \
         Peak RSS is each process's own. \"DuckDB in process\" leaves out Python's start-up and \
         `import duckdb`.\n",
        first.runs,
        folders.join("; ")
    ) + &runs(reports)
}

/// Every run's time, since one machine's timing varies between runs.
fn runs(reports: &[PeerReport]) -> String {
    let list = |runs: &[f64]| runs.iter().map(|s| format!("{s:.2}")).collect::<Vec<_>>().join(", ");
    let mut out = String::from(
        "Every run, in order (s):
",
    );
    for report in reports {
        for q in &report.queries {
            out.push_str(&format!(
                "- {} over {}: tenantless {}; DuckDB {}\n",
                q.query,
                thousands(report.signins),
                list(&q.tenantless.runs),
                list(&q.duckdb.runs)
            ));
        }
    }
    out
}

/// 1234567 as 1,234,567.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"{"data": "d", "now": "2026-11-24T00:00:00.0000000Z", "signins": 2000000, "audit_rows": 80,
        "runs": 3, "duckdb_version": "2.0.1", "tenantless": "t", "queries": [{"query": "seed-failed-signins", "rows": 7,
        "ratio": 8.5, "tenantless": {"seconds": 17.0, "runs": [17.0, 18.0, 19.0], "peak_rss_mib": 3276.8, "rows": 7},
        "duckdb": {"seconds": 2.0, "runs": [2.0, 2.1, 2.2], "peak_rss_mib": 409.6, "rows": 7, "in_process_seconds": 1.5}}]}"#;

    #[test]
    fn the_table_leads_with_the_ratio_then_times_rows_and_memory_per_million() {
        let report: PeerReport = serde_json::from_str(REPORT).unwrap();
        let table = table(&[report]);
        let header = table.lines().next().unwrap();
        assert!(header.starts_with("| query | SP sign-ins | tenantless / DuckDB"), "{header}");
        let row = table.lines().nth(2).unwrap();
        assert_eq!(
            row,
            "| seed-failed-signins | 2,000,000 | **8.50×** | 17.000 s | 2.000 s | 7 | 3277 MiB | 1.60 GiB | 410 MiB | 0.20 GiB | 1.500 s |"
        );
    }

    #[test]
    fn notes_name_the_runs_and_the_version() {
        let report: PeerReport = serde_json::from_str(REPORT).unwrap();
        let notes = notes(&[report]);
        assert!(
            notes.contains("best of 3") && notes.contains("DuckDB 2.0.1") && notes.contains("0 records, 80 of them AuditLogs"),
            "{notes}"
        );
        assert!(
            notes.contains("- seed-failed-signins over 2,000,000: tenantless 17.00, 18.00, 19.00; DuckDB 2.00, 2.10, 2.20\n"),
            "{notes}"
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_008_000), "1,008,000");
    }
}
