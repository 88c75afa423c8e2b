//! `tenantless report` (issue 16): one HTML file that loads nothing from the network, shows every
//! labelled anomaly with the status `verify` gives it, stays under 10 MB for a large tenant, and
//! opens in headless Chromium without errors, where clicking a record outlines its correlated
//! records.

use crate::support::{TempDir, crate_dir, generate_scenario, run_bin, scenario_path, stderr_of};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `tenantless report --data DATA --out OUT [extra…]`; panics with stderr unless it succeeds.
fn report(data: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "report".to_owned(),
        "--data".into(),
        data.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let output = run_bin(&args);
    assert!(output.status.success(), "report failed: {}", stderr_of(&output));
    std::fs::read_to_string(out).expect("the report is written")
}

fn bundled_rules() -> String {
    crate_dir().join("rules").display().to_string()
}

/// The page's embedded data: the JSON inside `<script type="application/json" id="report-data">`.
fn page_data(html: &str) -> Value {
    let tag = r#"<script type="application/json" id="report-data">"#;
    let start = html.find(tag).expect("the data element") + tag.len();
    let end = start + html[start..].find("</script>").expect("its end");
    serde_json::from_str(&html[start..end]).expect("the embedded data is JSON")
}

fn strings(value: &Value) -> BTreeSet<String> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_seed_report_loads_nothing_from_the_network() {
    let dir = TempDir::new("report-offline");
    let data = dir.join("data");
    generate_scenario(&scenario_path("seed.yaml"), &data);
    let html = report(&data, &dir.join("r.html"), &["--rules", &bundled_rules()]);
    // The browser enforces it: nothing may load, from anywhere (the browser test sees no violation).
    assert!(html.contains(r#"content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:""#));
    // The only URL-shaped text on the page is the SVG namespace the script creates elements in, an
    // identifier nothing fetches; the records' URLs are embedded with `/` escaped.
    for scheme in ["http://", "https://"] {
        for (at, _) in html.match_indices(scheme) {
            assert!(
                html[at..].starts_with("http://www.w3.org/2000/svg'"),
                "a URL at byte {at}: {}",
                &html[at..at + 60]
            );
        }
    }
    let page_without_data = html.replace(&html[html.find("id=\"report-data\"").unwrap()..html.rfind("<script>").unwrap()], "");
    for reference in [
        "<link",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        " src=",
        "@import",
        "url(",
        "fetch(",
        "XMLHttpRequest",
        "import(",
    ] {
        assert!(!page_without_data.contains(reference), "the page holds `{reference}`");
    }
    let page = page_data(&html);
    assert_eq!(
        page["records"].as_array().unwrap().len() as u64,
        page["total_records"].as_u64().unwrap(),
        "a small tenant is shown whole"
    );
    assert!(
        page["correlations"].as_array().unwrap().iter().all(|c| c["error"].is_null()),
        "{}",
        page["correlations"]
    );
}

/// Per rule that ran, the label ids `verify --format json` says it caught and missed.
fn verify_verdicts(data: &Path) -> Vec<(String, BTreeSet<String>, BTreeSet<String>)> {
    let output = run_bin(&[
        "verify",
        "--data",
        &data.display().to_string(),
        "--rules",
        &bundled_rules(),
        "--format",
        "json",
    ]);
    let document: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("verify JSON: {e}: {}", stderr_of(&output)));
    let ids = |v: &Value| v.as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_owned()).collect();
    document["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "ran")
        .map(|r| (r["name"].as_str().unwrap().to_owned(), ids(&r["caught"]), ids(&r["missed"])))
        .collect()
}

#[test]
fn every_labelled_anomaly_has_the_status_verify_gives_it() {
    let dir = TempDir::new("report-verdicts");
    let data = dir.join("data");
    let manifest = generate_scenario(&scenario_path("detections.yaml"), &data);
    let page = page_data(&report(&data, &dir.join("r.html"), &["--rules", &bundled_rules()]));
    let verdicts = verify_verdicts(&data);
    let anomalies = page["anomalies"].as_array().unwrap();
    assert_eq!(anomalies.len(), manifest.anomalies.len());
    assert!(manifest.anomalies.iter().any(|l| l.benign) && manifest.anomalies.iter().any(|l| !l.benign));
    let mut statuses = BTreeSet::new();
    for (a, label) in anomalies.iter().zip(&manifest.anomalies) {
        let id = a["id"].as_str().unwrap();
        assert_eq!(id, label.id);
        let shown = |result: &str| -> BTreeSet<String> {
            a["verdicts"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| v["result"] == result)
                .map(|v| v["rule"].as_str().unwrap().to_owned())
                .collect()
        };
        let caught_by: BTreeSet<String> = verdicts
            .iter()
            .filter(|(_, c, _)| c.contains(id))
            .map(|(n, _, _)| n.clone())
            .collect();
        let missed_by: BTreeSet<String> = verdicts
            .iter()
            .filter(|(_, _, m)| m.contains(id))
            .map(|(n, _, _)| n.clone())
            .collect();
        assert_eq!(shown(if label.benign { "fired" } else { "caught" }), caught_by, "{id}");
        assert_eq!(shown("missed"), missed_by, "{id}");
        let expected = match (label.benign, !caught_by.is_empty(), !missed_by.is_empty()) {
            (true, true, _) => "fired_falsely",
            (true, false, _) => "quiet",
            (false, true, _) => "caught",
            (false, false, true) => "missed",
            (false, false, false) => "not_checked",
        };
        assert_eq!(a["status"], expected, "{id}");
        statuses.insert(expected);
    }
    assert!(statuses.contains("caught") && statuses.contains("quiet"), "{statuses:?}");
    // Each anomaly's records are on the page, labelled with its id, for the timeline to highlight.
    let mut labelled = BTreeSet::new();
    for r in page["records"].as_array().unwrap() {
        labelled.extend(strings(&r["labels"]));
    }
    for label in manifest.anomalies.iter().filter(|l| !l.records.is_empty()) {
        assert!(labelled.contains(&label.id), "no record of {} on the page", label.id);
    }
}

#[test]
fn a_large_tenant_report_embeds_a_sample_and_stays_under_10_mb() {
    let dir = TempDir::new("report-large");
    let data = dir.join("data");
    crate::support::generate_bin(&scenario_path("tenant-large.yaml"), &data, &["--days", "1", "--yes"]);
    let out = dir.join("r.html");
    let html = report(&data, &out, &[]);
    let size = std::fs::metadata(&out).unwrap().len();
    assert!(size < 10_000_000, "{size} bytes");
    let page = page_data(&html);
    let total = page["total_records"].as_u64().unwrap();
    let embedded = page["records"].as_array().unwrap().len();
    assert!(total > 100_000, "{total}");
    assert!(embedded <= tenantless::report::DEFAULT_MAX_RECORDS && embedded > 1000, "{embedded}");
    // Every lane's counts cover all its records, embedded or not.
    let lanes = page["lanes"].as_array().unwrap();
    for lane in lanes {
        let counted: u64 = lane["buckets"].as_array().unwrap().iter().map(|b| b.as_u64().unwrap()).sum();
        assert_eq!(counted, lane["records"].as_u64().unwrap(), "{}", lane["name"]);
    }
    assert!(lanes.len() > 100, "the sample spans many identities: {}", lanes.len());
}

#[test]
fn unreadable_data_is_a_located_error_and_writes_nothing() {
    let dir = TempDir::new("report-bad");
    let data = dir.join("data");
    generate_scenario(&scenario_path("seed.yaml"), &data);
    let table = data.join("AuditLogs.jsonl");
    let mut text = std::fs::read_to_string(&table).unwrap();
    text.insert_str(text.find('\n').unwrap() + 1, "{\"TimeGenerated\": 42}\n");
    std::fs::write(&table, text).unwrap();
    let out = dir.join("r.html");
    let output = run_bin(&["report", "--data", &data.display().to_string(), "--out", &out.display().to_string()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("AuditLogs.jsonl:2: not a record"),
        "{}",
        stderr_of(&output)
    );
    assert!(!out.exists());
    let missing = run_bin(&["report", "--data", &dir.join("nothing").display().to_string()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr_of(&missing).contains("hint: point --data at a directory written by"),
        "{}",
        stderr_of(&missing)
    );
}

#[test]
fn generate_replaces_an_output_that_holds_its_report() {
    let dir = TempDir::new("report-regenerate");
    let data = dir.join("data");
    crate::support::generate_bin(&scenario_path("seed.yaml"), &data, &[]);
    let output = run_bin(&["report", "--data", &data.display().to_string()]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(data.join("report.html").is_file());
    crate::support::generate_bin(&scenario_path("seed.yaml"), &data, &[]);
    assert!(
        !data.join("report.html").exists(),
        "the new output does not keep a report of the old one"
    );
}

/// Chromium: `$CHROMIUM`, else the first of Debian's and others' names on the PATH; installed with
/// apt (as `.ci/run` does) when missing and the tests run as root.
fn chromium() -> PathBuf {
    let found = || {
        std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| {
            ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
                let path = std::env::var_os("PATH")?;
                std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
            })
        })
    };
    if let Some(path) = found() {
        return path;
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        let _ = Command::new("apt-get").args(["install", "-y", "-q", "chromium"]).status();
    }
    found().expect("the browser test needs Chromium: `apt-get install chromium` (Debian), or set CHROMIUM to its path")
}

#[test]
fn the_report_opens_in_chromium_without_errors_and_a_click_outlines_correlated_records() {
    let dir = TempDir::new("report-browser");
    let data = dir.join("data");
    generate_scenario(&scenario_path("seed.yaml"), &data);
    let page = dir.join("report.html");
    report(&data, &page, &["--rules", &bundled_rules()]);
    let screenshot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-seed.png");
    let output = Command::new("node")
        .arg(crate_dir().join("tools/browser-check/check.js"))
        .args([&page, &screenshot, &chromium()])
        .output()
        .expect("the browser check needs Node");
    let result: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "the browser check's JSON: {e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            stderr_of(&output)
        )
    });
    assert!(result["error"].is_null(), "{result}");
    assert_eq!(result["errors"], serde_json::json!([]), "the page logged errors");
    // The anomaly rows, as drawn: each label with its status, and the queries of the rules that
    // judged it folded in (both seed anomalies are caught by two bundled rules).
    let drawn = result["anomalies"].as_array().expect("the anomaly rows");
    let manifest = tenantless::manifest::Manifest::load(&data).unwrap();
    assert_eq!(drawn.len(), manifest.anomalies.len());
    for row in drawn {
        assert_eq!(row["status"], "caught", "{row}");
        assert!(row["ruleQueries"].as_u64().unwrap() >= 2, "{row}");
    }
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "{} bytes", png.len());
    let click = &result["click"];
    assert!(click.is_object(), "no record with correlated records to click: {result}");
    let numbers = |v: &Value| -> BTreeSet<u64> { v.as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect() };
    let drawn = numbers(&click["drawn"]);
    let expected: BTreeSet<u64> = numbers(&click["peers"]).intersection(&drawn).copied().collect();
    assert!(!expected.is_empty());
    assert_eq!(
        numbers(&click["outlined"]),
        expected,
        "the outlined records are the clicked one's correlated records"
    );
    assert_eq!(numbers(&click["selected"]), BTreeSet::from([click["record"].as_u64().unwrap()]));
    assert_eq!(click["listed"].as_u64().unwrap() as usize, click["peers"].as_array().unwrap().len());
    assert!(
        click["detailShown"] == true && click["detailJson"].as_str().unwrap().contains("\"TimeGenerated\""),
        "{click}"
    );
}

#[test]
fn a_compressed_output_reports_like_a_plain_one() {
    let dir = TempDir::new("report-compressed");
    let (plain, packed) = (dir.join("plain"), dir.join("packed"));
    crate::support::generate_bin(&scenario_path("seed.yaml"), &plain, &[]);
    crate::support::generate_bin(&scenario_path("seed.yaml"), &packed, &["--compress", "zstd"]);
    let a = page_data(&report(&plain, &dir.join("a.html"), &[]));
    let b = page_data(&report(&packed, &dir.join("b.html"), &[]));
    assert_eq!(a["records"], b["records"]);
    assert_eq!(a["lanes"], b["lanes"]);
    assert_eq!(a["graph"], b["graph"]);
}
