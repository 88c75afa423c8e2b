//! Helpers shared by the integration tests: running the built binary, temporary directories,
//! reading a generated output (NDJSON tables + manifest), the schema files, and the join map checks.
#![allow(dead_code)]

pub mod join;
pub mod kql;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The five tables, in the order `generate` writes them.
pub const TABLES: [&str; 5] = [
    "AADManagedIdentitySignInLogs",
    "AADServicePrincipalSignInLogs",
    "AzureDiagnostics",
    "AzureActivity",
    "AuditLogs",
];

/// The six files of an output directory.
pub const FILES: [&str; 6] = [
    "AADManagedIdentitySignInLogs.jsonl",
    "AADServicePrincipalSignInLogs.jsonl",
    "AzureDiagnostics.jsonl",
    "AzureActivity.jsonl",
    "AuditLogs.jsonl",
    "manifest.json",
];

pub const MI_SIGNINS: &str = "AADManagedIdentitySignInLogs";
pub const SP_SIGNINS: &str = "AADServicePrincipalSignInLogs";
pub const DIAGNOSTICS: &str = "AzureDiagnostics";
pub const ACTIVITY: &str = "AzureActivity";
pub const AUDIT: &str = "AuditLogs";

/// First-party resource app ids (azure-logs.md §5.1).
pub const ARM_APP: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
pub const KEY_VAULT_APP: &str = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093";
pub const GRAPH_APP: &str = "00000003-0000-0000-c000-000000000000";
pub const LOG_ANALYTICS_APP: &str = "ca7f3f0b-7d91-482c-8e09-c5d840d0eac5";

/// Standard columns a record may carry although a schema file does not list them.
pub const STANDARD_COLUMNS: [&str; 4] = ["_IsBillable", "_BilledSize", "_ResourceId", "_SubscriptionId"];

pub type Record = Map<String, Value>;

/// The crate root (where `scenarios/` and `schemas/` live).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled scenarios: every `scenarios/*.yaml`, sorted.
pub fn bundled_scenarios() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(crate_dir().join("scenarios"))
        .expect("scenarios/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no scenarios/*.yaml found");
    found
}

pub fn seed_scenario() -> PathBuf {
    scenario_path("seed.yaml")
}

/// A bundled scenario by file name.
pub fn scenario_path(name: &str) -> PathBuf {
    crate_dir().join("scenarios").join(name)
}

/// A directory under the system temp dir with a unique name, removed on drop.
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new(label: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("tenantless-test-{label}-"))
            .tempdir()
            .expect("create temp dir");
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// Writes a fixture file into the directory.
    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.join(name), text).expect("write fixture");
    }
}

/// Runs the built `tenantless` binary with `args`, from the crate root, stderr not a terminal.
pub fn run_bin<S: AsRef<OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantless"))
        .args(args)
        .current_dir(crate_dir())
        .output()
        .expect("run the tenantless binary")
}

/// `tenantless query <args…> --data <data>`, run to completion.
pub fn query_bin(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantless"))
        .arg("query")
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("run tenantless query")
}

pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `tenantless generate <scenario> --out <out> <extra...>`; panics with stderr unless it succeeds.
pub fn generate_bin(scenario: &Path, out: &Path, extra: &[&str]) {
    let mut args: Vec<&OsStr> = vec![OsStr::new("generate"), scenario.as_os_str(), OsStr::new("--out"), out.as_os_str()];
    args.extend(extra.iter().map(OsStr::new));
    let output = run_bin(&args);
    assert!(
        output.status.success(),
        "tenantless generate {} failed ({:?}):\n{}",
        scenario.display(),
        output.status,
        stderr_of(&output)
    );
}

/// One table file of an output: its raw lines, parsed records and size in bytes.
#[derive(Debug, Clone)]
pub struct TableFile {
    pub lines: Vec<String>,
    pub records: Vec<Record>,
    pub file_size: u64,
}

/// A generated output read into memory.
#[derive(Debug, Clone)]
pub struct Generated {
    pub scenario: PathBuf,
    /// The scenario file's text, read when the output was.
    pub scenario_text: String,
    pub tables: BTreeMap<&'static str, TableFile>,
    pub manifest: Value,
    /// The raw bytes of all six files, by file name.
    pub raw: BTreeMap<&'static str, Vec<u8>>,
}

impl Generated {
    pub fn table(&self, name: &str) -> &TableFile {
        &self.tables[name]
    }

    pub fn records(&self, name: &str) -> &[Record] {
        &self.tables[name].records
    }

    /// Both sign-in tables' records, with the table each comes from.
    pub fn signins(&self) -> impl Iterator<Item = (&'static str, &Record)> {
        [MI_SIGNINS, SP_SIGNINS]
            .into_iter()
            .flat_map(move |t| self.records(t).iter().map(move |r| (t, r)))
    }

    pub fn name(&self) -> String {
        self.scenario.file_name().unwrap_or_default().to_string_lossy().into_owned()
    }

    /// The service principal object id the manifest gives the identity `name`.
    pub fn sp_id_of(&self, name: &str) -> String {
        self.manifest["identities"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| i["name"] == name)
            .and_then(|i| i["service_principal_id"].as_str())
            .unwrap_or_else(|| panic!("the manifest has no identity `{name}`"))
            .to_owned()
    }

    /// The manifest's `time_range` as instants.
    pub fn period(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let get = |k: &str| {
            let text = self.manifest["time_range"][k].as_str().expect("time_range has start and end");
            parse_ts(text).unwrap_or_else(|| panic!("time_range.{k} `{text}` is not a 7-digit UTC timestamp"))
        };
        (get("start"), get("end"))
    }
}

/// Reads the six files of `dir`.
pub fn load_output(scenario: &Path, dir: &Path) -> Generated {
    let mut tables = BTreeMap::new();
    let mut raw = BTreeMap::new();
    for (table, file) in TABLES.iter().zip(FILES) {
        let path = dir.join(file);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let text = String::from_utf8(bytes.clone()).unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", path.display()));
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "{} does not end with a newline",
            path.display()
        );
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let records = lines
            .iter()
            .enumerate()
            .map(|(i, line)| match serde_json::from_str::<Value>(line) {
                Ok(Value::Object(m)) => m,
                Ok(other) => panic!("{}:{}: not a JSON object: {other}", path.display(), i + 1),
                Err(e) => panic!("{}:{}: not JSON: {e}", path.display(), i + 1),
            })
            .collect();
        tables.insert(
            *table,
            TableFile {
                lines,
                records,
                file_size: bytes.len() as u64,
            },
        );
        raw.insert(file, bytes);
    }
    let manifest_path = dir.join("manifest.json");
    let manifest_bytes = std::fs::read(&manifest_path).expect("read manifest.json");
    let manifest: Value = serde_json::from_slice(&manifest_bytes).expect("manifest.json is JSON");
    raw.insert("manifest.json", manifest_bytes);
    Generated {
        scenario: scenario.to_owned(),
        scenario_text: std::fs::read_to_string(scenario).unwrap_or_default(),
        tables,
        manifest,
        raw,
    }
}

/// Runs the binary on `scenario` into a fresh temp dir and reads the output; the dir is removed.
pub fn generate_and_load(scenario: &Path, extra: &[&str]) -> Generated {
    let tmp = TempDir::new("gen");
    let out = tmp.join("out");
    generate_bin(scenario, &out, extra);
    load_output(scenario, &out)
}

/// Population sizes above this total make a bundled scenario too large to generate in a debug test
/// run (e.g. `tenant-large.yaml`, 15,000 identities, meant for `estimate`).
pub const MAX_TEST_POPULATION: u64 = 100;
/// Longest period simulated for a bundled scenario in tests (`--days`).
pub const MAX_TEST_DAYS: i64 = 7;

/// How a bundled scenario is run in tests: itself, or, when it is too large for a debug run, a copy
/// with every population capped at 4 members, `--days 7` and a small background, keeping every
/// resource, identity, workload kind and anomaly (the copy is JSON, which is YAML).
pub struct TestRun {
    pub scenario: PathBuf,
    pub extra: Vec<String>,
    pub reduced: bool,
    _dir: Option<TempDir>,
}

pub fn test_run_of(scenario: &Path) -> TestRun {
    let text = std::fs::read_to_string(scenario).expect("read scenario");
    let mut doc: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", scenario.display()));
    let population: u64 = doc["populations"]
        .as_array()
        .map(|ps| ps.iter().filter_map(|p| p["count"].as_u64()).sum())
        .unwrap_or(0);
    let days = doc["period"]["duration"]
        .as_str()
        .and_then(|d| tenantless::timefmt::parse_duration(d).ok())
        .map_or(0, |d| d.num_days());
    if population <= MAX_TEST_POPULATION && days <= MAX_TEST_DAYS {
        return TestRun {
            scenario: scenario.to_owned(),
            extra: Vec::new(),
            reduced: false,
            _dir: None,
        };
    }
    if let Some(populations) = doc["populations"].as_array_mut() {
        for p in populations {
            if p["count"].as_u64().is_some_and(|c| c > 4) {
                p["count"] = Value::from(4);
            }
        }
    }
    let dir = TempDir::new("reduced");
    let path = dir.join(&scenario.file_name().expect("file name").to_string_lossy());
    std::fs::write(&path, serde_json::to_string_pretty(&doc).expect("JSON")).expect("write reduced scenario");
    // The reduced copy keeps a small background too: thousands of people are for `estimate`.
    let mut extra = vec!["--background".to_owned(), "small".to_owned()];
    if days > MAX_TEST_DAYS {
        extra.extend(["--days".to_owned(), MAX_TEST_DAYS.to_string()]);
    }
    TestRun {
        scenario: path,
        extra,
        reduced: true,
        _dir: Some(dir),
    }
}

/// Generates every bundled scenario (reduced when needed, see [`test_run_of`]) with the binary.
pub fn generate_bundled() -> Vec<Generated> {
    bundled_scenarios()
        .iter()
        .map(|p| {
            let run = test_run_of(p);
            let extra: Vec<&str> = run.extra.iter().map(String::as_str).collect();
            generate_and_load(&run.scenario, &extra)
        })
        .collect()
}

/// Runs the library's `generate` on `scenario` with `seed` into a fresh temp dir and reads the output.
pub fn generate_lib(scenario: &Path, seed: u64) -> Result<Generated, String> {
    let tmp = TempDir::new("lib");
    let out = tmp.join("out");
    let options = tenantless::generate::GenerateOptions {
        scenarios: vec![scenario.to_owned()],
        seed,
        out: out.clone(),
        end: None,
        days: None,
        force: false,
        background: None,
    };
    tenantless::generate::generate(&options, |_| {}).map_err(|e| e.to_string())?;
    Ok(load_output(scenario, &out))
}

/// A table's schema file: column name → Kusto type, in file order.
#[derive(Debug, Clone)]
pub struct Schema {
    pub table: String,
    pub columns: Vec<(String, String)>,
}

impl Schema {
    pub fn type_of(&self, column: &str) -> Option<&str> {
        self.columns.iter().find(|(n, _)| n == column).map(|(_, t)| t.as_str())
    }
}

pub fn load_schema(table: &str) -> Schema {
    let path = crate_dir().join("schemas").join(format!("{table}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    assert_eq!(v["table"], table, "{} names another table", path.display());
    let columns = v["columns"]
        .as_array()
        .unwrap_or_else(|| panic!("{} has no columns array", path.display()))
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("column name").to_owned(),
                c["type"].as_str().expect("column type").to_owned(),
            )
        })
        .collect();
    Schema {
        table: table.to_owned(),
        columns,
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS.fffffffZ` exactly (7 fractional digits, UTC `Z`).
pub fn parse_ts(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() != 28 {
        return None;
    }
    for (i, c) in b.iter().enumerate() {
        let ok = match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            27 => *c == b'Z',
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return None;
        }
    }
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// A GUID string: `8-4-4-4-12` hex digits, or the 32-hex-digit `N` form (Logic Apps workflow ids,
/// azure-logs.md §1.5), both of which Kusto's `guid` accepts.
pub fn is_guid(text: &str) -> bool {
    let b = text.as_bytes();
    match b.len() {
        36 => b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        }),
        32 => b.iter().all(u8::is_ascii_hexdigit),
        _ => false,
    }
}

/// A dashed GUID (the form every id column but the Logic Apps workflow id uses).
pub fn is_dashed_guid(text: &str) -> bool {
    text.len() == 36 && is_guid(text)
}

/// The string value of `column`, panicking with the record when it is absent or not a string.
pub fn s<'r>(record: &'r Record, column: &str) -> &'r str {
    record
        .get(column)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("column `{column}` missing or not a string in {}", Value::Object(record.clone())))
}

/// `TimeGenerated` as an instant.
pub fn time_of(record: &Record) -> DateTime<Utc> {
    let text = s(record, "TimeGenerated");
    parse_ts(text).unwrap_or_else(|| panic!("TimeGenerated `{text}` is not a 7-digit UTC timestamp"))
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Keeps at most `n` messages, noting how many were left out.
pub fn summarize(mut problems: Vec<String>, n: usize) -> String {
    let total = problems.len();
    problems.truncate(n);
    let mut text = problems.join("\n");
    if total > n {
        text.push_str(&format!("\n… and {} more", total - n));
    }
    text
}

/// Installs a tool folder's npm dependencies (`npm ci`) when `installed` is missing, so that
/// `cargo test` alone runs the oracle tests on a fresh machine.
pub fn npm_ci(dir: &Path, installed: &Path, what: &str) {
    if installed.exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| panic!("{what} needs Node and npm (to install it in {}): {e}", dir.display()));
    assert!(status.success(), "`npm ci` in {} failed", dir.display());
}

/// Generates `scenario` (the default seed, its own period) into `out`, replacing what is there.
pub fn generate_scenario(scenario: &Path, out: &Path) -> tenantless::manifest::Manifest {
    let options = tenantless::generate::GenerateOptions {
        scenarios: vec![scenario.to_owned()],
        seed: tenantless::generate::DEFAULT_SEED,
        out: out.to_owned(),
        end: None,
        days: None,
        force: true,
        background: None,
    };
    tenantless::generate::generate(&options, |_| {}).expect("the scenario generates")
}
