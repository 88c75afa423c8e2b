//! tools/bench/duckdb_peer.py: DuckDB's SQL and the rules' KQL give the same rows on a small data
//! set, and `tenantless bench --only query` runs it. DuckDB is installed from PyPI the way the
//! script installs it (a venv cached in ~/.cache/tenantless-bench, or $TENANTLESS_BENCH_CACHE);
//! without Python, or when PyPI cannot be reached, the tests say why and pass. No timing is checked.

use crate::support::{TempDir, crate_dir, generate_bin, run_bin, stderr_of};
use std::process::Command;

/// Two days, so that `ago(1d)` cuts: failures and credential changes on both sides of the window,
/// service principal names in mixed case (the credential rule joins on `tolower` of both sides),
/// and secrets expiring mid-period (every later run fails with 7000222).
const SCENARIO: &str = r#"
name: peer-check
tenant: { domain: peer.onmicrosoft.com }
period: { start: 2026-11-22T00:00:00Z, duration: 2d }
subscriptions: [{ name: s, resource_groups: [rg] }]
resources:
  key_vaults: [{ name: kv-peer, resource_group: rg, secrets: [a] }]
populations:
  - name: apps
    count: 6
    identity: { name: "App-{n:02}", kind: service_principal, credentials: [{ type: client_secret }] }
    workloads:
      - { kind: keyvault_secret_read, vault: kv-peer, token_cache: per_run, schedule: { every: 30m } }
  - name: stale
    count: 3
    identity: { name: "Stale-{n:02}", kind: service_principal, credentials: [{ type: client_secret, expiry: 2026-11-22T18:00:00Z }] }
    workloads:
      - { kind: keyvault_secret_read, vault: kv-peer, token_cache: per_run, schedule: { every: 30m } }
anomalies:
  - { kind: failed_signins, identity: App-01, at: 2026-11-22T20:00:00Z, reason: wrong_secret, count: 5 }
  - { kind: failed_signins, identity: App-02, at: 2026-11-23T20:00:00Z, reason: expired_certificate, count: 5 }
  - { kind: credential_added_to_active_sp, identity: App-03, at: 2026-11-22T21:00:00Z }
  - { kind: credential_added_to_active_sp, identity: App-04, at: 2026-11-23T09:00:00Z }
  - { kind: credential_added_to_active_sp, identity: App-05, at: 2026-11-23T23:30:00Z }
"#;

/// The script's exit status when DuckDB cannot be installed.
const NO_DUCKDB: i32 = 3;

fn python_runs() -> bool {
    Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success())
}

#[test]
fn duckdb_sql_and_the_rules_kql_return_the_same_rows() {
    if !python_runs() {
        eprintln!("skipped: python3 does not run here, so DuckDB cannot be installed");
        return;
    }
    let dir = TempDir::new("peer");
    dir.write("peer.yaml", SCENARIO);
    let data = dir.join("data");
    generate_bin(&dir.join("peer.yaml"), &data, &[]);
    let output = Command::new("python3")
        .arg(crate_dir().join("tools/bench/duckdb_peer.py"))
        .arg("--data")
        .arg(&data)
        .args(["--bin", env!("CARGO_BIN_EXE_tenantless"), "--runs", "1"])
        .output()
        .expect("run duckdb_peer.py");
    if output.status.code() == Some(NO_DUCKDB) {
        eprintln!("skipped: {}", stderr_of(&output));
        return;
    }
    assert!(output.status.success(), "duckdb_peer.py failed:\n{}", stderr_of(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the script prints JSON");
    let rows = |query: &str| {
        let q = report["queries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["query"] == query)
            .unwrap_or_else(|| panic!("{query} measured"));
        let (ours, theirs) = (q["tenantless"]["rows"].as_u64().unwrap(), q["duckdb"]["rows"].as_u64().unwrap());
        assert_eq!(ours, theirs, "{query}: tenantless and DuckDB");
        ours
    };
    // Stale-01..03 fail all of the last day, App-02 five times; App-01's failures are a day too old.
    assert!(rows("seed-failed-signins") >= 4, "{report}");
    // The verbatim `==` matches no real record (the operation ends with a space).
    assert_eq!(rows("seed-credential-added-to-active-sp"), 0);
    // App-04's and App-05's changes fall in the window, App-03's a day before it.
    assert!(rows("seed-credential-rule-current") >= 2, "{report}");
}

#[test]
fn bench_query_part_prints_the_ratio_first() {
    if !python_runs() {
        eprintln!("skipped: python3 does not run here, so DuckDB cannot be installed");
        return;
    }
    let output = run_bin(&["bench", "--only", "query", "--peer", "duckdb", "--signins", "1500", "--runs", "1"]);
    let stderr = stderr_of(&output);
    if stderr.contains("DuckDB is not available") {
        eprintln!("skipped: {stderr}");
        return;
    }
    assert!(output.status.success(), "tenantless bench failed:\n{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("usable cores"), "the header names the machine:\n{stdout}");
    let header = stdout
        .lines()
        .find(|l| l.starts_with("| query |"))
        .unwrap_or_else(|| panic!("a peer table:\n{stdout}"));
    assert!(
        header.starts_with("| query | SP sign-ins | tenantless / DuckDB, end to end |"),
        "{header}"
    );
    for rule in [
        "seed-failed-signins",
        "seed-credential-added-to-active-sp",
        "seed-credential-rule-current",
    ] {
        assert!(stdout.contains(&format!("| {rule} | ")), "{rule} in:\n{stdout}");
    }
    assert!(
        !stdout.contains("## generate") && !stdout.contains("## verify"),
        "--only query runs the query part alone:\n{stdout}"
    );
}
