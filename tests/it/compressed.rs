//! `generate --compress zstd|gzip`: the tables are written as `<Table>.jsonl.zst` / `.jsonl.gz`,
//! the manifest names them, and `query` and `verify` give exactly what they give on plain files.

use crate::support::{TABLES, TempDir, generate_bin, query_bin, run_bin, seed_scenario, stderr_of};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The seed generated plain, with zstd and with gzip, into `tmp`.
fn three_outputs(tmp: &TempDir) -> [(&'static str, PathBuf); 3] {
    let outputs = [("none", tmp.join("plain")), ("zstd", tmp.join("zstd")), ("gzip", tmp.join("gzip"))];
    for (compression, dir) in &outputs {
        generate_bin(&seed_scenario(), dir, &["--compress", compression, "--threads", "2"]);
    }
    outputs
}

fn stdout_of(output: &std::process::Output, what: &str) -> String {
    assert!(output.status.success(), "{what} failed: {}", stderr_of(output));
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

const QUERIES: [&str; 4] = [
    "AADServicePrincipalSignInLogs | summarize n = count() by ResultType | order by ResultType asc",
    "AuditLogs | where OperationName has 'credential' | project TimeGenerated, Id, OperationName | order by TimeGenerated asc, Id asc",
    // A join across two files.
    "AADServicePrincipalSignInLogs | where ResultType == '0' | summarize signins = count() by ServicePrincipalId \
     | join kind=inner (AzureActivity | summarize ops = count() by ServicePrincipalId = Caller) on ServicePrincipalId \
     | order by ServicePrincipalId asc",
    "union AzureDiagnostics, AzureActivity | summarize count() by Type | order by Type asc",
];

#[test]
fn compressed_outputs_name_their_files_and_decompress_to_the_plain_files() {
    let tmp = TempDir::new("compress-files");
    let outputs = three_outputs(&tmp);
    for (compression, dir) in &outputs[1..] {
        let manifest: Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest")).expect("JSON");
        assert_eq!(manifest["compression"], *compression);
        let suffix = if *compression == "zstd" { ".zst" } else { ".gz" };
        for table in TABLES {
            let name = format!("{table}.jsonl{suffix}");
            assert_eq!(manifest["files"][table], name.as_str(), "{compression}");
            let path = dir.join(&name);
            assert_eq!(
                manifest["tables"][table]["bytes"].as_u64(),
                Some(std::fs::metadata(&path).expect("table file").len()),
                "{name}: the manifest gives the compressed size"
            );
            let mut text = Vec::new();
            std::io::Read::read_to_end(&mut tenantless::compress::open_table_reader(&path).expect("open"), &mut text).expect("decompress");
            let plain = std::fs::read(outputs[0].1.join(format!("{table}.jsonl"))).expect("plain table");
            assert!(text == plain, "{name} does not decompress to the plain {table}.jsonl");
            assert!(!dir.join(format!("{table}.jsonl")).exists(), "{compression}: no plain file beside");
        }
    }
    let plain: Value = serde_json::from_slice(&std::fs::read(outputs[0].1.join("manifest.json")).expect("manifest")).expect("JSON");
    assert!(
        plain.get("compression").is_none() && plain.get("files").is_none(),
        "plain manifests are as before"
    );
}

#[test]
fn query_and_verify_give_the_same_results_on_compressed_and_plain_files() {
    let tmp = TempDir::new("compress-query");
    let outputs = three_outputs(&tmp);
    for query in QUERIES {
        let results: Vec<String> = outputs
            .iter()
            .map(|(c, dir)| stdout_of(&query_bin(dir, &[query]), &format!("query on {c}")))
            .collect();
        // Two header lines, then at least one row.
        assert!(results[0].lines().count() > 2, "{query} returns rows: {}", results[0]);
        assert_eq!(results[0], results[1], "zstd: {query}");
        assert_eq!(results[0], results[2], "gzip: {query}");
    }
    let verify = |dir: &Path| {
        let args: Vec<&OsStr> = ["verify", "--rules", "rules", "--format", "json", "--data"]
            .into_iter()
            .map(OsStr::new)
            .chain([dir.as_os_str()])
            .collect();
        let output = run_bin(&args);
        String::from_utf8(output.stdout.clone()).expect("UTF-8 report")
    };
    let reports: Vec<String> = outputs.iter().map(|(_, dir)| verify(dir)).collect();
    let report: Value = serde_json::from_str(&reports[0]).expect("a JSON report");
    let alerts: u64 = report["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|r| r["alerts"].as_u64())
        .sum();
    assert!(alerts > 0, "the seed's rules fire, so that the comparison means something");
    assert_eq!(reports[0], reports[1], "verify on zstd");
    assert_eq!(reports[0], reports[2], "verify on gzip");
}

#[test]
fn a_table_in_two_compressions_is_refused_naming_both_files() {
    let tmp = TempDir::new("compress-twice");
    let out = tmp.join("out");
    generate_bin(&seed_scenario(), &out, &["--compress", "zstd"]);
    std::fs::write(out.join("AuditLogs.jsonl"), "").expect("write");
    let output = query_bin(&out, &["AuditLogs | count"]);
    assert!(!output.status.success());
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("AuditLogs.jsonl and") && stderr.contains("AuditLogs.jsonl.zst"),
        "{stderr}"
    );
}

/// Re-running into a compressed output replaces it without `--force`: its files are tenantless's.
#[test]
fn a_compressed_output_is_replaced_like_a_plain_one() {
    let tmp = TempDir::new("compress-replace");
    let out = tmp.join("out");
    generate_bin(&seed_scenario(), &out, &["--compress", "gzip"]);
    generate_bin(&seed_scenario(), &out, &["--compress", "zstd"]);
    generate_bin(&seed_scenario(), &out, &[]);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 6, "{names:?}");
    assert!(names.iter().all(|n| !n.ends_with(".gz") && !n.ends_with(".zst")), "{names:?}");
}
