//! `generate --threads N`: the output is byte-identical whatever the number of rendering threads,
//! tables and manifest alike (ground truth and stats included).

use crate::support::{FILES, TempDir, crate_dir, generate_bin};
use std::io::{BufRead, BufReader};
use std::path::Path;

/// The first line where two files differ, or `None` when they are byte-identical. Streams both,
/// since a table of `tenant-large.yaml` is hundreds of megabytes.
fn first_difference(a: &Path, b: &Path) -> Option<String> {
    let open = |p: &Path| BufReader::new(std::fs::File::open(p).unwrap_or_else(|e| panic!("open {}: {e}", p.display())));
    let (mut ra, mut rb) = (open(a), open(b));
    let (mut la, mut lb) = (Vec::new(), Vec::new());
    for line in 1.. {
        la.clear();
        lb.clear();
        let na = ra.read_until(b'\n', &mut la).expect("read");
        let nb = rb.read_until(b'\n', &mut lb).expect("read");
        if la != lb {
            return Some(format!(
                "line {line}: {:?} vs {:?}",
                String::from_utf8_lossy(&la[..la.len().min(200)]),
                String::from_utf8_lossy(&lb[..lb.len().min(200)])
            ));
        }
        if na == 0 && nb == 0 {
            return None;
        }
    }
    unreachable!()
}

/// Generates `scenario` with `--threads 1`, 2 and 4 and compares all six files byte for byte.
fn same_output_on_any_thread_count(scenario: &str, extra: &[&str]) {
    let tmp = TempDir::new("threads");
    let scenario = crate_dir().join(scenario);
    let out = |n: usize| tmp.join(&format!("t{n}"));
    for n in [1, 2, 4] {
        let threads = n.to_string();
        let mut args = extra.to_vec();
        args.extend(["--threads", threads.as_str()]);
        generate_bin(&scenario, &out(n), &args);
    }
    let records = std::fs::read_to_string(out(1).join("AzureDiagnostics.jsonl")).map_or(0, |t| t.lines().count());
    assert!(records > 0, "{}: the test needs records", scenario.display());
    for n in [2, 4] {
        for file in FILES {
            if let Some(diff) = first_difference(&out(1).join(file), &out(n).join(file)) {
                panic!(
                    "{}: {file} differs between --threads 1 and --threads {n}: {diff}",
                    scenario.display()
                );
            }
        }
    }
}

#[test]
fn seed_is_byte_identical_on_one_two_and_four_threads() {
    same_output_on_any_thread_count("scenarios/seed.yaml", &[]);
}

/// Several hundred chunks, so that workers really finish out of order.
#[test]
fn a_day_of_the_large_tenant_is_byte_identical_on_one_two_and_four_threads() {
    same_output_on_any_thread_count("scenarios/tenant-large.yaml", &["--days", "1"]);
}

/// A library scenario: labelled anomalies, so the ground truth is compared too.
#[test]
fn a_library_scenario_with_ground_truth_is_byte_identical_on_one_two_and_four_threads() {
    same_output_on_any_thread_count("scenarios/library/key-vault.yaml", &[]);
}

#[test]
fn zero_threads_is_refused_naming_the_option() {
    let tmp = TempDir::new("threads0");
    let output = crate::support::run_bin(&[
        "generate",
        "scenarios/seed.yaml",
        "--out",
        tmp.join("out").to_str().expect("UTF-8 path"),
        "--threads",
        "0",
    ]);
    assert!(!output.status.success());
    let stderr = crate::support::stderr_of(&output);
    assert!(stderr.contains("--threads") && stderr.contains("1 or more"), "{stderr}");
}
