//! What a data directory can hold without exhausting memory or hanging `query` and `verify`: wide
//! records fold into `AdditionalFields` at Log Analytics' 500 columns, FIFOs and devices are
//! refused, lines are bounded, and absurd time ranges end in results or a clear error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tenantless::generate::{DEFAULT_SEED, GenerateOptions, generate};
use tenantless::kql::{self, Value, load::MAX_COLUMNS};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tenantless-limits-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary, killing it and failing the test if it has not finished within `limit`: a
/// regression to hanging fails here instead of hanging the test run.
fn tenantless_within(limit: Duration, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantless"))
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || read_all(&mut out));
    let err = std::thread::spawn(move || read_all(&mut err));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tenantless {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn read_all(reader: &mut impl std::io::Read) -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = reader.read_to_end(&mut bytes);
    bytes
}

fn generate_seed(out: &Path) {
    let options = GenerateOptions {
        scenarios: vec![root().join("scenarios/seed.yaml")],
        seed: DEFAULT_SEED,
        out: out.to_owned(),
        end: None,
        days: None,
        force: true,
        background: None,
    };
    generate(&options, |_| {}).unwrap();
}

/// `n` records, each with a field no other record has, timed across the seed scenario's day.
fn wide_records(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        let s = i % 86_400;
        text.push_str(&format!(
            "{{\"TimeGenerated\":\"2026-11-27T{:02}:{:02}:{:02}.0000000Z\",\"Category\":\"AuditEvent\",\"unique_{i}_s\":\"v{i}\"}}\n",
            s / 3600,
            s / 60 % 60,
            s % 60
        ));
    }
    text
}

fn load_with_warnings(dir: &Path) -> (kql::Catalog, Vec<String>) {
    let mut warnings = Vec::new();
    let catalog = kql::load_jsonl_dir_with(dir, &kql::TableFilter::all(), &mut |w| warnings.push(w)).unwrap();
    (catalog, warnings)
}

#[test]
fn wide_azure_diagnostics_folds_fields_beyond_500_columns_into_additional_fields() {
    // 20,000 records with 20,000 distinct fields were 400 million cells before the cap.
    let dir = temp_dir("wide-ad");
    std::fs::write(dir.join("AzureDiagnostics.jsonl"), wide_records(20_000)).unwrap();
    let (catalog, warnings) = load_with_warnings(&dir);
    let table = catalog.get("AzureDiagnostics").unwrap().unwrap();
    assert_eq!(table.rows.len(), 20_000);
    assert!(table.columns.len() <= MAX_COLUMNS, "{} columns", table.columns.len());
    // The last record's field is past the cap: it is in the record's AdditionalFields bag.
    assert!(table.column_index("unique_19999_s").is_none());
    let bag = table.get(19_999, "AdditionalFields").unwrap();
    assert_eq!(bag.get_key("unique_19999_s"), Value::str("v19999"));
    // An early record's field got a column of its own, as in Log Analytics.
    assert_eq!(table.get(0, "unique_0_s"), Some(&Value::str("v0")));
    assert_eq!(warnings.len(), 1, "one warning per table: {warnings:?}");
    let folded = 20_000 - (table.columns.len() - 3);
    assert!(
        warnings[0].contains(&format!("{folded} value(s) of {folded} field(s) beyond the 500-column limit"))
            && warnings[0].contains("AzureDiagnostics.jsonl")
            && warnings[0].contains("AdditionalFields"),
        "{}",
        warnings[0]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_wide_unknown_table_is_capped_too_and_its_own_additional_fields_are_kept() {
    let dir = temp_dir("wide-custom");
    std::fs::write(dir.join("Custom.jsonl"), wide_records(5_000)).unwrap();
    let (catalog, warnings) = load_with_warnings(&dir);
    let table = catalog.get("Custom").unwrap().unwrap();
    assert_eq!(table.columns.len(), MAX_COLUMNS, "the cap, the overflow bag included");
    assert_eq!(
        table.get(4_999, "AdditionalFields").unwrap().get_key("unique_4999_s"),
        Value::str("v4999")
    );
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("rather than dropping them"), "{}", warnings[0]);
    // A record's own AdditionalFields bag keeps its entries when folded fields join it.
    let mut line = String::from("{\"AdditionalFields\":{\"own\":1}");
    for i in 0..600 {
        line.push_str(&format!(",\"k{i}\":{i}"));
    }
    line.push('}');
    let t = kql::table_from_ndjson("AzureDiagnostics", &line).unwrap();
    let bag = t.get(0, "AdditionalFields").unwrap();
    assert_eq!(bag.get_key("own"), Value::Long(1));
    assert_eq!(bag.get_key("k599"), Value::Long(599));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_fifo_or_a_device_named_jsonl_is_refused_quickly() {
    let dir = temp_dir("fifo");
    let fifo = dir.join("AuditLogs.jsonl");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let run = tenantless_within(
        Duration::from_secs(30),
        &["query", "--data", dir.to_str().unwrap(), "AuditLogs | count"],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("AuditLogs.jsonl is a FIFO (named pipe), not a regular file"),
        "{stderr}"
    );
    std::fs::remove_file(&fifo).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &fifo).unwrap();
    let run = tenantless_within(
        Duration::from_secs(30),
        &["query", "--data", dir.to_str().unwrap(), "AuditLogs | count"],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is a device, not a regular file"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_line_longer_than_16_mib_is_an_error_naming_the_limit() {
    let dir = temp_dir("long-line");
    let mut file = std::fs::File::create(dir.join("AuditLogs.jsonl")).unwrap();
    writeln!(file, "{{\"OperationName\":\"ok\"}}").unwrap();
    let long = "x".repeat(kql::load::MAX_LINE_BYTES);
    writeln!(file, "{{\"OperationName\":\"{long}\"}}").unwrap();
    drop(file);
    let err = kql::load_jsonl_dir(&dir).unwrap_err().to_string();
    assert!(err.contains("AuditLogs.jsonl:2: the line is longer than 16777216 bytes"), "{err}");
    // Past several chunks of short lines, the line is still numbered from the file's start
    // (the reader counts lines only when an error needs the number).
    let mut file = std::fs::File::create(dir.join("AuditLogs.jsonl")).unwrap();
    for _ in 0..300_000 {
        writeln!(file, "{{\"OperationName\":\"ok\"}}").unwrap();
    }
    writeln!(file, "{{\"OperationName\":\"{long}\"}}").unwrap();
    drop(file);
    let err = kql::load_jsonl_dir(&dir).unwrap_err().to_string();
    assert!(err.contains("AuditLogs.jsonl:300001: the line is longer"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bad_line_is_located_by_file_line_and_column() {
    let dir = temp_dir("bad-line");
    std::fs::write(
        dir.join("AuditLogs.jsonl"),
        "{\"OperationName\":\"ok\"}\n{\"OperationName\": [1,}\n",
    )
    .unwrap();
    let err = kql::load_jsonl_dir(&dir).unwrap_err().to_string();
    assert!(
        err.contains("AuditLogs.jsonl:2:22: expected value; each line must hold one JSON object"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn verify_over_5000_records_with_distinct_keys_finishes_with_the_same_results() {
    let dir = temp_dir("wide-verify");
    let data = dir.join("out");
    generate_seed(&data);
    let baseline = tenantless_within(Duration::from_secs(120), &["verify", "--data", data.to_str().unwrap()]);
    assert_eq!(baseline.status.code(), Some(0));
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("AzureDiagnostics.jsonl"))
        .unwrap();
    file.write_all(wide_records(5_000).as_bytes()).unwrap();
    drop(file);
    // The cost of every scheduled run is bounded by the table's width, which the cap bounds.
    let (catalog, _) = load_with_warnings(&data);
    assert!(catalog.get("AzureDiagnostics").unwrap().unwrap().columns.len() <= MAX_COLUMNS);
    let run = tenantless_within(Duration::from_secs(300), &["verify", "--data", data.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    let summary = |out: &[u8]| String::from_utf8_lossy(out).lines().last().unwrap_or_default().to_owned();
    assert_eq!(summary(&run.stdout), summary(&baseline.stdout));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Rewrites the manifest's time range.
fn set_manifest_range(data: &Path, start: &str, end: &str) {
    let path = data.join("manifest.json");
    let mut manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    manifest["time_range"] = serde_json::json!({ "start": start, "end": end });
    std::fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}

#[test]
fn a_manifest_spanning_millennia_is_scheduled_over_the_data_and_data_spanning_them_is_an_error() {
    let dir = temp_dir("range");
    let data = dir.join("out");
    generate_seed(&data);
    let rules = root().join("rules/seed-failed-signins.yaml");
    let verify = || {
        tenantless_within(
            Duration::from_secs(120),
            &["verify", "--data", data.to_str().unwrap(), "--rules", rules.to_str().unwrap()],
        )
    };
    let normal = verify();
    assert_eq!(normal.status.code(), Some(0));
    // The manifest's range says anything: the runs follow the data (up to a lookback past its last
    // record, the manifest's end being no guide), and the same anomalies are caught.
    set_manifest_range(&data, "0001-01-01T00:00:00.0000000Z", "9999-12-31T00:00:00.0000000Z");
    let absurd = verify();
    assert_eq!(absurd.status.code(), Some(0), "{}", String::from_utf8_lossy(&absurd.stdout));
    let verdict = |out: &[u8]| {
        let text = String::from_utf8_lossy(out).into_owned();
        text.lines()
            .filter(|l| l.trim_start().starts_with("caught:") || l.contains(" passed, "))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(verdict(&absurd.stdout), verdict(&normal.stdout));
    assert_eq!(verdict(&normal.stdout).len(), 2, "{}", String::from_utf8_lossy(&normal.stdout));
    // Data that itself spans millennia is a clear error naming the limit, not a loop.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("AADServicePrincipalSignInLogs.jsonl"))
        .unwrap();
    writeln!(file, "{{\"TimeGenerated\":\"0100-01-01T00:00:00.0000000Z\"}}").unwrap();
    writeln!(file, "{{\"TimeGenerated\":\"9000-01-01T00:00:00.0000000Z\"}}").unwrap();
    drop(file);
    let spanning = verify();
    let stdout = String::from_utf8_lossy(&spanning.stdout);
    assert_eq!(spanning.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("from 0100-01-01T00:00:00.0000000Z to 9000-01-01T00:00:00.0000000Z")
            && stdout.contains("more than the 200000 verify makes of one rule"),
        "{stdout}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
