//! A tenant's background activity (issue 10 §3): the benign directory changes, ARM operations,
//! sign-ins, Key Vault and Logic Apps traffic a real tenant logs besides a scenario's workloads.
//! Checked on a scenario that declares nothing but a tenant, so every record is background, and
//! on `tenant-small.yaml` with and without it.

use crate::support::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// A week of a small tenant that declares nothing else.
const ONLY_BACKGROUND: &str = "\
name: only-background
tenant: { domain: northwind.onmicrosoft.com }
period: { start: 2026-11-16T00:00:00Z, duration: 7d }
background: small
";

fn only_background() -> &'static Generated {
    static OUTPUT: OnceLock<Generated> = OnceLock::new();
    OUTPUT.get_or_init(|| {
        let dir = TempDir::new("background");
        dir.write("only-background.yaml", ONLY_BACKGROUND);
        generate_and_load(&dir.join("only-background.yaml"), &[])
    })
}

fn distinct<'a>(records: &'a [Record], column: &str) -> BTreeSet<&'a str> {
    records.iter().filter_map(|r| r.get(column).and_then(Value::as_str)).collect()
}

#[test]
fn background_audit_logs_hold_at_least_20_operations_initiated_by_users_and_apps() {
    let out = only_background();
    let operations = distinct(out.records(AUDIT), "OperationName");
    assert!(operations.len() >= 20, "{} operations: {operations:?}", operations.len());
    for expected in [
        "Add user",
        "Update user",
        "Add member to group",
        "Add application",
        "Consent to application",
        "Register device",
    ] {
        assert!(operations.contains(expected), "no `{expected}` in {operations:?}");
    }
    let initiators: BTreeSet<&str> = out
        .records(AUDIT)
        .iter()
        .filter_map(|r| r["InitiatedBy"].as_object())
        .flat_map(|i| i.keys().map(String::as_str))
        .collect();
    assert!(initiators.contains("user") && initiators.contains("app"), "{initiators:?}");
}

#[test]
fn background_azure_activity_holds_at_least_12_operations_some_failed() {
    let out = only_background();
    let operations = distinct(out.records(ACTIVITY), "OperationNameValue");
    assert!(operations.len() >= 12, "{} operations: {operations:?}", operations.len());
    let statuses = distinct(out.records(ACTIVITY), "ActivityStatusValue");
    assert!(statuses.contains("Failure"), "{statuses:?}");
    // Users in the portal, and service principals and managed identities by their object id.
    let callers = distinct(out.records(ACTIVITY), "Caller");
    assert!(callers.iter().any(|c| c.contains('@')), "{callers:?}");
    assert!(callers.iter().any(|c| uuid::Uuid::parse_str(c).is_ok()), "{callers:?}");
}

#[test]
fn background_key_vault_and_logic_apps_traffic_has_the_real_mix() {
    let out = only_background();
    let operations = distinct(out.records(DIAGNOSTICS), "OperationName");
    for expected in [
        "Authentication",
        "SecretGet",
        "SecretList",
        "SecretSet",
        "VaultGet",
        "KeySign",
        "KeyUnwrap",
    ] {
        assert!(operations.contains(expected), "no `{expected}` in {operations:?}");
    }
    assert!(
        operations.iter().any(|o| o.starts_with("Microsoft.Logic/workflows/")),
        "{operations:?}"
    );
    let denied = out
        .records(DIAGNOSTICS)
        .iter()
        .filter(|r| r.get("httpStatusCode_d") == Some(&Value::from(403)))
        .count();
    assert!(denied > 0, "no 403 denial");
}

#[test]
fn background_identities_sign_in_to_many_resources_with_made_up_names() {
    let out = only_background();
    let sp_resources = distinct(out.records(SP_SIGNINS), "ResourceDisplayName");
    assert!(sp_resources.len() >= 4, "{sp_resources:?}");
    let mi_resources = distinct(out.records(MI_SIGNINS), "ResourceDisplayName");
    assert!(mi_resources.len() >= 2, "{mi_resources:?}");
    // Names come from the `fake` crate, not numbered templates.
    let names = distinct(out.records(SP_SIGNINS), "ServicePrincipalName");
    assert!(names.len() >= 3, "{names:?}");
    assert!(names.iter().all(|n| !n.contains("-0")), "{names:?}");
    let users: BTreeSet<&str> = out
        .records(AUDIT)
        .iter()
        .filter_map(|r| r["InitiatedBy"]["user"]["userPrincipalName"].as_str())
        .collect();
    assert!(users.len() >= 5, "{users:?}");
    assert!(
        users.iter().all(|u| u.split('@').next().is_some_and(|l| l.contains('.'))),
        "first.last: {users:?}"
    );
}

/// The labelled records of an output, by anomaly id: (table, column, value) triples.
fn labelled(out: &Generated) -> BTreeMap<String, Vec<Value>> {
    out.manifest["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .map(|l| {
            (
                l["id"].as_str().unwrap_or_default().to_owned(),
                l["records"].as_array().cloned().unwrap_or_default(),
            )
        })
        .collect()
}

/// Background never adds a labelled record, and the anomalies' own records are the same with or
/// without it: the ground truth stays exact.
#[test]
fn background_leaves_the_ground_truth_unchanged() {
    let with = generate_and_load(&scenario_path("tenant-small.yaml"), &[]);
    let without = generate_and_load(&scenario_path("tenant-small.yaml"), &["--background", "none"]);
    assert_eq!(labelled(&with), labelled(&without));
    let more: usize = TABLES.iter().map(|t| with.records(t).len()).sum();
    let fewer: usize = TABLES.iter().map(|t| without.records(t).len()).sum();
    assert!(more >= fewer + 1_000, "background adds records: {fewer} → {more}");
}

#[test]
fn background_none_switches_it_off() {
    let dir = TempDir::new("background-none");
    dir.write("none.yaml", &ONLY_BACKGROUND.replace("background: small", "background: none"));
    let out = generate_and_load(&dir.join("none.yaml"), &[]);
    for table in TABLES {
        assert_eq!(out.records(table).len(), 0, "{table}");
    }
}
