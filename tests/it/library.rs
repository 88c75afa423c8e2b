//! The fixture library (`scenarios/library/`): every behaviour has a positive and a near-miss, is
//! named for its ATT&CK technique, and is caught by a bundled rule that stays quiet on its
//! near-misses; every bundled rule meets its expectations on the library.

use crate::support::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The fewest distinct behaviours the library must cover (issue 11).
const MIN_BEHAVIOURS: usize = 35;

fn library_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(crate_dir().join("scenarios/library"))
        .expect("scenarios/library exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// The library generated into one directory, with the verify report of every bundled rule as JSON.
struct Library {
    manifest: Value,
    report: Value,
    /// Where the library was generated.
    out: PathBuf,
    _dir: TempDir,
}

fn library() -> &'static Library {
    static CELL: OnceLock<Library> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir = TempDir::new("library");
        let out = dir.join("lib");
        let mut args: Vec<String> = vec!["generate".into()];
        args.extend(library_files().iter().map(|p| p.display().to_string()));
        args.extend(["--out".into(), out.display().to_string()]);
        let run = run_bin(&args);
        assert!(run.status.success(), "generate failed:\n{}", stderr_of(&run));
        let rules = [crate_dir().join("rules"), crate_dir().join("rules/library")];
        let mut verify: Vec<String> = vec!["verify".into(), "--data".into(), out.display().to_string(), "--rules".into()];
        verify.extend(rules.iter().map(|p| p.display().to_string()));
        // The rules are checked for what they find, not for speed: a generous per-rule timeout
        // keeps a loaded test machine (the other tests run beside this one) from failing them.
        verify.extend(["--format".into(), "json".into(), "--rule-timeout".into(), "600s".into()]);
        let run = run_bin(&verify);
        let report: Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("verify JSON: {e}\n{}", stderr_of(&run)));
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).expect("manifest")).expect("manifest JSON");
        Library {
            manifest,
            report,
            out,
            _dir: dir,
        }
    })
}

fn behaviour(label: &Value) -> String {
    label["label"].as_str().or(label["kind"].as_str()).unwrap_or_default().to_owned()
}

#[test]
fn every_library_behaviour_has_a_positive_and_a_near_miss() {
    let mut cases: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for label in library().manifest["anomalies"].as_array().expect("anomalies") {
        let entry = cases.entry(behaviour(label)).or_default();
        if label["benign"].as_bool() == Some(true) {
            entry.1 += 1;
        } else {
            entry.0 += 1;
        }
        assert!(
            !label["records"].as_array().is_some_and(Vec::is_empty),
            "{} wrote no records",
            behaviour(label)
        );
    }
    assert!(cases.len() >= MIN_BEHAVIOURS, "{} behaviours: {:?}", cases.len(), cases.keys());
    let incomplete: Vec<&String> = cases.iter().filter(|(_, (p, n))| *p == 0 || *n == 0).map(|(b, _)| b).collect();
    assert!(
        incomplete.is_empty(),
        "behaviours without a positive or a near-miss: {incomplete:?}"
    );
}

#[test]
fn custom_behaviours_are_named_for_their_technique() {
    for label in library().manifest["anomalies"].as_array().expect("anomalies") {
        let Some(name) = label["label"].as_str() else { continue };
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "`{name}`: behaviours are kebab-case names"
        );
        if label["benign"].as_bool() == Some(true) {
            continue;
        }
        let technique = label["technique"].as_str().unwrap_or_default();
        let well_formed = technique.len() >= 5
            && technique.starts_with('T')
            && technique[1..5].chars().all(|c| c.is_ascii_digit())
            && (technique.len() == 5
                || (technique.len() == 9 && &technique[5..6] == "." && technique[6..].chars().all(|c| c.is_ascii_digit())));
        assert!(well_formed, "`{name}`: technique `{technique}` is not an ATT&CK id");
    }
}

#[test]
fn every_bundled_rule_meets_its_expectations_on_the_library() {
    let report = &library().report;
    let failed: Vec<String> = report["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| r["passed"] != Value::Bool(true))
        .map(|r| format!("{} ({}, {}): {}", r["name"], r["status"], r["reason"], r["expectations"]))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn every_library_behaviour_is_caught_by_a_bundled_rule() {
    let coverage = &library().report["coverage"];
    assert_eq!(coverage["uncaught"], Value::Array(Vec::new()), "{coverage}");
    let behaviours = coverage["behaviours"].as_array().expect("behaviours");
    assert!(behaviours.len() >= MIN_BEHAVIOURS, "{}", behaviours.len());
}

/// Each library rule names the behaviours it catches, and allows no false positive: the
/// background of a realistic tenant must not trip it.
#[test]
fn library_rules_expect_their_behaviour_and_no_false_positive() {
    let behaviours: BTreeSet<String> = library().manifest["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .map(behaviour)
        .collect();
    for entry in std::fs::read_dir(crate_dir().join("rules/library")).expect("rules/library") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("rule");
        let rule: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let catches = rule["tenantless"]["catches"].as_array().cloned().unwrap_or_default();
        assert!(!catches.is_empty(), "{}: catches nothing", path.display());
        for c in &catches {
            let name = c.as_str().unwrap_or_default();
            assert!(behaviours.contains(name), "{}: `{name}` is no library behaviour", path.display());
        }
        assert_eq!(rule["tenantless"]["max_false_positives"], Value::from(0), "{}", path.display());
    }
}

/// The latest end of a positive anomaly of `label`, a minute later: when a rule that catches it
/// has it in its window (some look back one hour only).
fn just_after(label: &str) -> Option<String> {
    let ends = library().manifest["anomalies"]
        .as_array()?
        .iter()
        .filter(|a| behaviour(a) == label && a["benign"] != true);
    let end = ends.filter_map(|a| a["window"]["end"].as_str()).max()?;
    let end: chrono::DateTime<chrono::Utc> = end.parse().ok()?;
    Some((end + chrono::TimeDelta::minutes(1)).to_rfc3339())
}

/// `tenantless query` of a library rule at `now`: its exit code and output, reading the rows a
/// query drops first as it goes (`explain: false`) or every row (`explain: true`, which counts them).
fn query_library(query: &str, now: &str, explain: bool) -> (u8, String) {
    let args = tenantless::cli::query::QueryArgs {
        query: Some(query.to_owned()),
        file: None,
        data: library().out.clone(),
        now: Some(now.to_owned()),
        format: tenantless::cli::query::OutputFormat::Json,
        params: Vec::new(),
        row_limit: 1_000_000,
        max_memory: tenantless::kql::DEFAULT_MAX_MEMORY,
        explain,
        max_width: 60,
        external: Default::default(),
        functions: Default::default(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = tenantless::cli::exit::report(tenantless::cli::query::run(&args, &mut out, &mut err), &mut err);
    (code, String::from_utf8_lossy(&out).into_owned())
}

/// Rows a library rule drops first (by its leading `where`s, or a join's keys) are never kept by
/// the loader: each rule, just after what it catches, answers as it does over every row.
#[test]
fn every_library_rule_answers_the_same_when_the_rows_it_drops_are_never_kept() {
    let (mut answered, mut quiet) = (0, Vec::new());
    for entry in std::fs::read_dir(crate_dir().join("rules/library")).expect("rules/library") {
        let path = entry.expect("entry").path();
        let rule: Value = serde_saphyr::from_str(&std::fs::read_to_string(&path).expect("rule")).expect("a rule");
        let query = rule["query"].as_str().expect("a query");
        let label = rule["tenantless"]["catches"][0].as_str().expect("catches");
        let now = just_after(label).unwrap_or_else(|| panic!("{}: no positive `{label}`", path.display()));
        let dropping = query_library(query, &now, false);
        assert_eq!(dropping, query_library(query, &now, true), "{} at {now}", path.display());
        assert_eq!(dropping.0, 0, "{}", path.display());
        if dropping.1.is_empty() {
            quiet.push(format!("{} at {now}", path.display()));
        } else {
            answered += 1;
        }
    }
    // The comparison means something only where rules find rows.
    assert!(answered >= 45, "only {answered} library rules found rows; quiet: {quiet:#?}");
}
