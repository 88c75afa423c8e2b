//! `generate --shard K/N` and `merge`: N shards write disjoint outputs whose union per table is the
//! single run's records, and `merge` puts them back into the single run's output byte for byte,
//! which `query` and `verify` then treat exactly as the single run.

use crate::support::{FILES, TABLES, TempDir, crate_dir, generate_bin, query_bin, run_bin, stderr_of};
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// Several chunks of 2,048 events (about 8,700 records), with labelled anomalies.
const SCENARIO: &str = "scenarios/library/key-vault.yaml";

fn lines(dir: &Path, table: &str) -> Vec<String> {
    let path = dir.join(format!("{table}.jsonl"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The single run and its `n` shards, in `tmp`.
fn single_and_shards(tmp: &TempDir, n: u32, extra: &[&str]) -> (PathBuf, Vec<PathBuf>) {
    let scenario = crate_dir().join(SCENARIO);
    let single = tmp.join("single");
    generate_bin(&scenario, &single, extra);
    let shards = (0..n)
        .map(|k| {
            let dir = tmp.join(&format!("shard-{k}"));
            let shard = format!("{k}/{n}");
            let mut args = extra.to_vec();
            args.extend(["--shard", shard.as_str()]);
            generate_bin(&scenario, &dir, &args);
            dir
        })
        .collect();
    (single, shards)
}

fn merge_bin(out: &Path, shards: &[PathBuf], extra: &[&str]) -> std::process::Output {
    let mut args: Vec<&OsStr> = vec![OsStr::new("merge"), OsStr::new("--out"), out.as_os_str()];
    args.extend(extra.iter().map(OsStr::new));
    // In reverse: merge orders the shards by their manifests, not by the command line.
    args.extend(shards.iter().rev().map(|p| p.as_os_str()));
    run_bin(&args)
}

#[test]
fn the_shards_union_is_the_single_run_and_no_record_is_written_twice() {
    for n in 1..=3 {
        let tmp = TempDir::new("shards");
        let (single, shards) = single_and_shards(&tmp, n, &[]);
        let mut nonempty_shards = 0;
        for table in TABLES {
            let whole = lines(&single, table);
            let parts: Vec<Vec<String>> = shards.iter().map(|d| lines(d, table)).collect();
            let union: BTreeSet<&String> = parts.iter().flatten().collect();
            assert_eq!(
                parts.iter().map(Vec::len).sum::<usize>(),
                whole.len(),
                "{table}, {n} shards: a record twice"
            );
            assert_eq!(
                union,
                whole.iter().collect::<BTreeSet<_>>(),
                "{table}, {n} shards: the union differs"
            );
            if table == "AzureDiagnostics" {
                nonempty_shards = parts.iter().filter(|p| !p.is_empty()).count();
            }
        }
        assert_eq!(nonempty_shards, n as usize, "every one of {n} shards writes a share");
    }
}

#[test]
fn merged_shards_are_the_single_run_byte_for_byte() {
    for n in 1..=3 {
        let tmp = TempDir::new("merge");
        let (single, shards) = single_and_shards(&tmp, n, &[]);
        let merged = tmp.join("merged");
        let output = merge_bin(&merged, &shards, &[]);
        assert!(output.status.success(), "merge failed: {}", stderr_of(&output));
        for file in FILES {
            let (a, b) = (
                std::fs::read(single.join(file)).expect("single"),
                std::fs::read(merged.join(file)).expect("merged"),
            );
            assert!(a == b, "{n} shards: merged {file} differs from the single run's");
        }
        let query =
            "AzureDiagnostics | summarize count() by OperationName, ResultSignature | order by OperationName asc, ResultSignature asc";
        assert_eq!(query_bin(&single, &[query]).stdout, query_bin(&merged, &[query]).stdout);
        // Verify is slow in a debug build (14 days of schedules): once, on the most shards.
        if n == 3 {
            let verify = |dir: &Path| {
                let args: Vec<&OsStr> = ["verify", "--rules", "rules", "--format", "json", "--data"]
                    .into_iter()
                    .map(OsStr::new)
                    .chain([dir.as_os_str()])
                    .collect();
                run_bin(&args).stdout
            };
            let report = verify(&single);
            assert!(String::from_utf8_lossy(&report).contains("\"true_positives\": 3"), "the rules fire");
            assert_eq!(report, verify(&merged), "{n} shards: verify differs");
        }
    }
}

/// Compressed shards merge into a compressed output equal to the compressed single run.
#[test]
fn compressed_shards_merge_into_the_compressed_single_run() {
    let tmp = TempDir::new("merge-zstd");
    let (single, shards) = single_and_shards(&tmp, 2, &["--compress", "zstd"]);
    let merged = tmp.join("merged");
    let output = merge_bin(&merged, &shards, &["--compress", "zstd"]);
    assert!(output.status.success(), "merge failed: {}", stderr_of(&output));
    for table in TABLES {
        let name = format!("{table}.jsonl.zst");
        let (a, b) = (
            std::fs::read(single.join(&name)).expect("single"),
            std::fs::read(merged.join(&name)).expect("merged"),
        );
        assert!(a == b, "merged {name} differs");
    }
    assert_eq!(
        std::fs::read(single.join("manifest.json")).ok(),
        std::fs::read(merged.join("manifest.json")).ok()
    );
}

#[test]
fn merge_refuses_an_incomplete_or_mixed_set_of_shards() {
    let tmp = TempDir::new("merge-bad");
    let (single, shards) = single_and_shards(&tmp, 3, &[]);
    let stderr = |output: std::process::Output| {
        assert_eq!(output.status.code(), Some(2), "{}", stderr_of(&output));
        stderr_of(&output)
    };
    let missing = stderr(merge_bin(&tmp.join("m1"), &shards[..2], &[]));
    assert!(missing.contains("0 to 2 exactly once"), "{missing}");
    let whole = stderr(merge_bin(&tmp.join("m2"), &[shards[0].clone(), single], &[]));
    assert!(whole.contains("is not a shard"), "{whole}");
    let other = tmp.join("other-seed");
    generate_bin(&crate_dir().join(SCENARIO), &other, &["--shard", "1/3", "--seed", "7"]);
    let mixed = stderr(merge_bin(&tmp.join("m3"), &[shards[0].clone(), other, shards[2].clone()], &[]));
    assert!(mixed.contains("differ in seed"), "{mixed}");
    std::fs::write(shards[1].join("AuditLogs.jsonl"), "").expect("truncate");
    let changed = stderr_or_run(merge_bin(&tmp.join("m4"), &shards, &["--force"]));
    assert!(changed.contains("fewer records"), "{changed}");
}

fn stderr_or_run(output: std::process::Output) -> String {
    assert!(!output.status.success());
    stderr_of(&output)
}

#[test]
fn a_shard_out_of_range_is_refused_naming_the_option() {
    let tmp = TempDir::new("shard-range");
    let out = tmp.join("out");
    for (shard, expected) in [("3/3", "must be below N"), ("1-3", "is not K/N"), ("0/0", "at least 1")] {
        let output = run_bin(&[
            "generate",
            "scenarios/seed.yaml",
            "--out",
            out.to_str().expect("UTF-8"),
            "--shard",
            shard,
        ]);
        assert_eq!(output.status.code(), Some(2));
        let stderr = stderr_of(&output);
        assert!(stderr.contains(expected) && stderr.contains("--shard"), "{shard}: {stderr}");
    }
}
