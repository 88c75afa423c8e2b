//! Determinism: same scenario + seed ⇒ byte-identical output; another seed ⇒ other IDs and times;
//! adding an identity leaves every other identity's records byte-identical; `--end` shifts every
//! timestamp by one delta.

use crate::support::{
    ACTIVITY, AUDIT, DIAGNOSTICS, FILES, Generated, MI_SIGNINS, SP_SIGNINS, TABLES, TempDir, bundled_scenarios, generate_and_load,
    parse_ts, s, seed_scenario, test_run_of, time_of,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn run_twice(scenario: &std::path::Path, extra: &[&str]) -> (Generated, Generated) {
    (generate_and_load(scenario, extra), generate_and_load(scenario, extra))
}

#[test]
fn same_scenario_and_seed_give_byte_identical_files() {
    for scenario in bundled_scenarios() {
        let run = test_run_of(&scenario);
        let mut extra: Vec<&str> = run.extra.iter().map(String::as_str).collect();
        extra.extend(["--seed", "424242"]);
        let (a, b) = run_twice(&run.scenario, &extra);
        for file in FILES {
            assert!(
                a.raw[file] == b.raw[file],
                "{}: {file} differs between two runs with the same seed",
                scenario.display()
            );
        }
        assert!(a.raw.values().any(|bytes| !bytes.is_empty()));
    }
}

/// Every identifier-like value of an output: sign-in, audit and activity ids and correlation ids.
fn ids_of(g: &Generated) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for table in TABLES {
        for r in g.records(table) {
            for column in [
                "Id",
                "CorrelationId",
                "EventDataId",
                "OperationId",
                "UniqueTokenIdentifier",
                "ServicePrincipalId",
                "AppId",
            ] {
                if let Some(v) = r.get(column).and_then(Value::as_str).filter(|v| !v.is_empty()) {
                    ids.insert(v.to_owned());
                }
            }
        }
    }
    ids
}

fn times_of(g: &Generated) -> Vec<String> {
    let mut times: Vec<String> = TABLES
        .iter()
        .flat_map(|t| g.records(t).iter().map(|r| s(r, "TimeGenerated").to_owned()))
        .collect();
    times.sort();
    times
}

#[test]
fn another_seed_gives_other_ids_and_times() {
    let seed = seed_scenario();
    let a = generate_and_load(&seed, &["--seed", "1"]);
    let b = generate_and_load(&seed, &["--seed", "2"]);
    let (ids_a, ids_b) = (ids_of(&a), ids_of(&b));
    assert!(!ids_a.is_empty());
    let shared: Vec<&String> = ids_a.intersection(&ids_b).collect();
    assert!(shared.is_empty(), "IDs shared by two seeds: {shared:?}");
    // The seed's `at` schedules pin each run's first event; everything after it is drawn from the seed.
    let (times_a, times_b) = (times_of(&a), times_of(&b));
    let same = times_a.iter().filter(|t| times_b.binary_search(t).is_ok()).count();
    assert!(
        same * 2 < times_a.len(),
        "{same} of {} timestamps survive a change of seed",
        times_a.len()
    );

    // A scenario with `every`/`per_day` schedules: (almost) no timestamp survives.
    let small = bundled_scenarios()
        .into_iter()
        .find(|p| p.ends_with("tenant-small.yaml"))
        .unwrap_or_else(seed_scenario);
    let run = test_run_of(&small);
    let extra = |seed: &'static str| -> Vec<&str> {
        let mut e: Vec<&str> = run.extra.iter().map(String::as_str).collect();
        e.extend(["--seed", seed]);
        e
    };
    let a = generate_and_load(&run.scenario, &extra("1"));
    let b = generate_and_load(&run.scenario, &extra("2"));
    let (times_a, times_b) = (times_of(&a), times_of(&b));
    let same = times_a.iter().filter(|t| times_b.binary_search(t).is_ok()).count();
    assert!(
        same * 10 < times_a.len().max(1),
        "{same} of {} timestamps survive a change of seed",
        times_a.len()
    );
    assert!(ids_of(&a).is_disjoint(&ids_of(&b)));
}

const ADDED: &str = "sp-added-by-the-determinism-test";

/// seed.yaml plus one service principal with a Key Vault reader and an ARM deployment workload.
fn seed_with_an_added_identity(dir: &TempDir) -> std::path::PathBuf {
    let text = std::fs::read_to_string(seed_scenario()).expect("read seed.yaml");
    let mut doc: Value = serde_saphyr::from_str(&text).expect("seed.yaml parses");
    let vault = doc["resources"]["key_vaults"][0]["name"].clone();
    let sql = format!(
        "{}/{}",
        doc["resources"]["sql_servers"][0]["name"].as_str().expect("a SQL server"),
        doc["resources"]["sql_servers"][0]["databases"][0].as_str().expect("a database")
    );
    doc["identities"].as_array_mut().expect("identities").push(json!({
        "name": ADDED,
        "kind": "service_principal",
        "credentials": [{"type": "client_secret"}],
    }));
    let workloads = doc["workloads"].as_array_mut().expect("workloads");
    workloads.push(json!({
        "identity": ADDED, "kind": "keyvault_secret_read", "vault": vault,
        "schedule": {"every": "2h", "jitter": "5m"},
    }));
    workloads.push(json!({
        "identity": ADDED, "kind": "arm_deployment", "sql_database": sql,
        "schedule": {"every": "8h"},
    }));
    let path = dir.join("seed.yaml");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).expect("JSON")).expect("write scenario");
    path
}

#[test]
fn adding_an_identity_leaves_every_other_identitys_records_byte_identical() {
    let dir = TempDir::new("added");
    let modified = seed_with_an_added_identity(&dir);
    let before = generate_and_load(&seed_scenario(), &[]);
    let after = generate_and_load(&modified, &[]);
    let added_id = after
        .records(SP_SIGNINS)
        .iter()
        .find(|r| s(r, "ServicePrincipalName") == ADDED)
        .map(|r| s(r, "ServicePrincipalId").to_owned())
        .expect("the added identity signs in");
    // The Key Vault SDK's challenge (401) names no identity; it comes from the identity's address.
    let added_ip = after
        .records(crate::support::DIAGNOSTICS)
        .iter()
        .find(|r| r.get("identity_claim_oid_g").and_then(|v| v.as_str()) == Some(added_id.as_str()))
        .map(|r| format!("\"CallerIPAddress\":\"{}\"", s(r, "CallerIPAddress")))
        .expect("the added identity reads a secret");
    let theirs = |l: &String| l.contains(&added_id) || l.contains(&added_ip);
    for table in TABLES {
        let (kept, added): (Vec<&String>, Vec<&String>) = after.table(table).lines.iter().partition(|l| !theirs(l));
        let original: Vec<&String> = before.table(table).lines.iter().collect();
        if kept != original {
            let first = kept
                .iter()
                .zip(&original)
                .position(|(a, b)| a != b)
                .unwrap_or(kept.len().min(original.len()));
            panic!(
                "{table}: records of the other identities changed when {ADDED} was added ({} vs {} records; first difference at {first}):\n  before {}\n  after  {}",
                original.len(),
                kept.len(),
                original.get(first).map_or("<none>", |l| l.as_str()),
                kept.get(first).map_or("<none>", |l| l.as_str())
            );
        }
        if [SP_SIGNINS, DIAGNOSTICS, ACTIVITY].contains(&table) {
            assert!(!added.is_empty(), "{table}: the added identity produced no record");
        }
    }
    // The other identities' ids are unchanged too (what the lines above already imply, said directly).
    let ids = |g: &Generated| -> BTreeSet<(String, String)> {
        [MI_SIGNINS, SP_SIGNINS]
            .iter()
            .flat_map(|t| g.records(t))
            .filter(|r| s(r, "ServicePrincipalName") != ADDED)
            .map(|r| (s(r, "ServicePrincipalName").to_owned(), s(r, "ServicePrincipalId").to_owned()))
            .collect()
    };
    assert_eq!(ids(&before), ids(&after));
    assert!(!after.records(AUDIT).is_empty());
}

#[test]
fn end_reanchors_the_period_and_shifts_every_timestamp_by_one_delta() {
    let seed = seed_scenario();
    let plain = generate_and_load(&seed, &[]);
    let shifted = generate_and_load(&seed, &["--end", "2030-01-01T00:00:00Z"]);
    assert_eq!(shifted.manifest["time_range"]["end"], "2030-01-01T00:00:00.0000000Z");
    let (start, end) = plain.period();
    let (shifted_start, shifted_end) = shifted.period();
    assert_eq!(shifted_end - shifted_start, end - start, "the period keeps its length");
    let delta = shifted_end - end;
    assert_eq!(shifted_end, parse_ts("2030-01-01T00:00:00.0000000Z").expect("timestamp"));
    for table in TABLES {
        let (a, b) = (plain.records(table), shifted.records(table));
        assert_eq!(a.len(), b.len(), "{table}: record count changes with --end");
        for (x, y) in a.iter().zip(b) {
            assert_eq!(
                time_of(y) - time_of(x),
                delta,
                "{table}: {} moved to {}, not by {delta}",
                s(x, "TimeGenerated"),
                s(y, "TimeGenerated")
            );
        }
    }
}
