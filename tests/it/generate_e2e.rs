//! End to end: `tenantless generate` on every bundled scenario, each record checked against
//! `schemas/<Table>.json` (presence and Kusto type of every column), value shapes, billing, the
//! manifest, timestamps; and the seed scenario's records as the seed document describes them.

use crate::support::{
    ACTIVITY, ARM_APP, AUDIT, DIAGNOSTICS, Generated, KEY_VAULT_APP, LOG_ANALYTICS_APP, MI_SIGNINS, Record, SP_SIGNINS, STANDARD_COLUMNS,
    TABLES, generate_bundled, is_dashed_guid, is_guid, load_schema, parse_ts, s, sha256_hex, summarize, time_of,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use tenantless::tables::diagnostics::{KEYVAULT_ENVELOPE, KEYVAULT_OPTIONAL, WORKFLOW_COLUMNS};

fn outputs() -> &'static [Generated] {
    static OUTPUTS: OnceLock<Vec<Generated>> = OnceLock::new();
    OUTPUTS.get_or_init(generate_bundled)
}

fn seed() -> &'static Generated {
    outputs().iter().find(|g| g.name() == "seed.yaml").expect("seed.yaml is bundled")
}

/// Does `value` have the JSON shape of Kusto type `ty`?
fn type_ok(ty: &str, value: &Value) -> bool {
    match ty {
        "string" => value.is_string(),
        "datetime" => value.is_null() || value.as_str().is_some_and(|t| parse_ts(t).is_some()),
        "long" | "int" => value.is_i64() || value.is_u64(),
        "real" => value.is_number(),
        "bool" | "boolean" => value.is_boolean(),
        "guid" => value.is_null() || value.as_str().is_some_and(is_guid),
        "dynamic" => true,
        other => panic!("schema type `{other}` is not a Kusto type this test knows"),
    }
}

/// Types of the standard columns a schema file may leave out.
fn standard_type(column: &str) -> &'static str {
    match column {
        "_BilledSize" => "long",
        _ => "string",
    }
}

#[test]
fn every_column_exists_in_the_schema_with_its_kusto_type() {
    let mut problems = Vec::new();
    for g in outputs() {
        for table in TABLES {
            let schema = load_schema(table);
            let mut reported = BTreeSet::new();
            for (i, r) in g.records(table).iter().enumerate() {
                for (column, value) in r {
                    let ty = match schema.type_of(column) {
                        Some(t) => t,
                        None if STANDARD_COLUMNS.contains(&column.as_str()) => standard_type(column),
                        None => {
                            if reported.insert(format!("missing {column}")) {
                                problems.push(format!(
                                    "{} {table} record {}: column `{column}` is not in the schema",
                                    g.name(),
                                    i + 1
                                ));
                            }
                            continue;
                        }
                    };
                    if !type_ok(ty, value) && reported.insert(format!("type {column}")) {
                        problems.push(format!("{} {table} record {}: `{column}` = {value} is not a {ty}", g.name(), i + 1));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", summarize(problems, 30));
}

#[test]
fn signin_activity_and_audit_records_carry_every_schema_column() {
    let mut problems = Vec::new();
    for g in outputs() {
        for table in [MI_SIGNINS, SP_SIGNINS, ACTIVITY, AUDIT] {
            let schema = load_schema(table);
            for (i, r) in g.records(table).iter().enumerate() {
                let missing: Vec<&str> = schema
                    .columns
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .filter(|n| !r.contains_key(*n))
                    .collect();
                if !missing.is_empty() {
                    problems.push(format!("{} {table} record {} lacks {missing:?}", g.name(), i + 1));
                }
                for standard in ["_IsBillable", "_BilledSize"] {
                    if !r.contains_key(standard) {
                        problems.push(format!("{} {table} record {} lacks {standard}", g.name(), i + 1));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", summarize(problems, 20));
}

#[test]
fn diagnostics_records_carry_exactly_their_categorys_columns() {
    let expected = |columns: &[&str]| -> BTreeSet<String> {
        columns
            .iter()
            .chain(&["_IsBillable", "_BilledSize"])
            .map(|c| (*c).to_owned())
            .collect()
    };
    let envelope = expected(KEYVAULT_ENVELOPE);
    let keyvault: BTreeSet<String> = envelope.iter().cloned().chain(expected(KEYVAULT_OPTIONAL)).collect();
    let workflow = expected(WORKFLOW_COLUMNS);
    let mut problems = Vec::new();
    for g in outputs() {
        for (i, r) in g.records(DIAGNOSTICS).iter().enumerate() {
            let have: BTreeSet<String> = r.keys().cloned().collect();
            // A Key Vault record carries the envelope, and of the other columns those its caller
            // and object give it.
            let want = match s(r, "Category") {
                "AuditEvent" if have.is_superset(&envelope) && have.is_subset(&keyvault) => continue,
                "AuditEvent" => &keyvault,
                "WorkflowRuntime" => &workflow,
                other => {
                    problems.push(format!(
                        "{} AzureDiagnostics record {}: unexpected Category {other}",
                        g.name(),
                        i + 1
                    ));
                    continue;
                }
            };
            if &have != want {
                problems.push(format!(
                    "{} AzureDiagnostics record {} ({}): extra {:?}, missing {:?}",
                    g.name(),
                    i + 1,
                    s(r, "Category"),
                    have.difference(want).collect::<Vec<_>>(),
                    want.difference(&have).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", summarize(problems, 20));
}

#[test]
fn value_shapes_match_the_real_tables() {
    let mut problems = Vec::new();
    for g in outputs() {
        for table in [MI_SIGNINS, SP_SIGNINS] {
            for r in g.records(table) {
                for (column, shape) in [
                    ("LocationDetails", "object"),
                    ("AuthenticationProcessingDetails", "array"),
                    ("ConditionalAccessPolicies", "array"),
                ] {
                    let parsed = r.get(column).and_then(Value::as_str).map(serde_json::from_str::<Value>);
                    let ok = match (shape, &parsed) {
                        ("object", Some(Ok(v))) => v.is_object(),
                        ("array", Some(Ok(v))) => v.is_array(),
                        _ => false,
                    };
                    if !ok {
                        problems.push(format!(
                            "{} {table} {}: {column} is not a JSON string holding an {shape}: {:?}",
                            g.name(),
                            s(r, "Id"),
                            r.get(column)
                        ));
                    }
                }
            }
        }
        for r in g.records(AUDIT) {
            if !r.get("InitiatedBy").is_some_and(Value::is_object) {
                problems.push(format!("{} AuditLogs {}: InitiatedBy is not a JSON object", g.name(), s(r, "Id")));
            }
            if !r.get("TargetResources").is_some_and(Value::is_array) {
                problems.push(format!(
                    "{} AuditLogs {}: TargetResources is not a JSON array",
                    g.name(),
                    s(r, "Id")
                ));
            }
        }
        for r in g.records(ACTIVITY) {
            for column in ["Authorization_d", "Claims_d", "Properties_d"] {
                if !r.get(column).is_some_and(Value::is_object) {
                    problems.push(format!("{} AzureActivity: {column} is not a JSON object", g.name()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", summarize(problems, 20));
}

#[test]
fn billing_columns_and_manifest_counts_agree_with_the_files() {
    for g in outputs() {
        let tables = g.manifest["tables"].as_object().expect("manifest tables");
        let names: BTreeSet<&str> = tables.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            TABLES.iter().copied().collect(),
            "{}: manifest lists all five tables",
            g.name()
        );
        for table in TABLES {
            let file = g.table(table);
            let mut billed = 0u64;
            for r in &file.records {
                let size = r.get("_BilledSize").and_then(Value::as_u64);
                assert!(
                    size.is_some_and(|n| n > 0),
                    "{} {table}: _BilledSize {:?} is not a positive integer",
                    g.name(),
                    r.get("_BilledSize")
                );
                billed += size.unwrap_or_default();
                let billable = if table == ACTIVITY { "False" } else { "True" };
                assert_eq!(
                    r.get("_IsBillable").and_then(Value::as_str),
                    Some(billable),
                    "{} {table}: _IsBillable",
                    g.name()
                );
            }
            let stats = &tables[table];
            assert_eq!(
                stats["records"].as_u64(),
                Some(file.lines.len() as u64),
                "{} {table}: records",
                g.name()
            );
            assert_eq!(stats["bytes"].as_u64(), Some(file.file_size), "{} {table}: bytes", g.name());
            assert_eq!(stats["billed_bytes"].as_u64(), Some(billed), "{} {table}: billed_bytes", g.name());
        }
    }
}

#[test]
fn billed_size_counts_values_but_not_the_excluded_standard_columns() {
    // The rule in src/tables/record.rs: UTF-8 bytes of each value as displayed; strings as-is,
    // numbers in decimal, dynamic values as compact JSON; `Type`, `_ResourceId`,
    // `_SubscriptionId`, `_IsBillable`, `_BilledSize` and nulls count 0.
    for g in outputs() {
        for table in TABLES {
            for r in g.records(table).iter().take(200) {
                let expected: usize = r
                    .iter()
                    .filter(|(k, _)| !["Type", "_ResourceId", "_SubscriptionId", "_IsBillable", "_BilledSize"].contains(&k.as_str()))
                    .map(|(_, v)| match v {
                        Value::Null => 0,
                        Value::String(t) => t.len(),
                        other => other.to_string().len(),
                    })
                    .sum();
                assert_eq!(
                    r["_BilledSize"].as_u64(),
                    Some(expected as u64),
                    "{} {table}: _BilledSize of {}",
                    g.name(),
                    Value::Object(r.clone())
                );
            }
        }
    }
}

#[test]
fn timestamps_lie_inside_the_period_and_sign_ins_are_created_before_they_are_logged() {
    let mut problems = Vec::new();
    for g in outputs() {
        let (start, end) = g.period();
        assert!(start < end, "{}: empty time_range", g.name());
        for table in TABLES {
            for r in g.records(table) {
                let t = time_of(r);
                if t < start || t > end {
                    problems.push(format!("{} {table}: TimeGenerated {t} outside {start} .. {end}", g.name()));
                }
            }
        }
        for table in [MI_SIGNINS, SP_SIGNINS] {
            for r in g.records(table) {
                let created = parse_ts(s(r, "CreatedDateTime")).expect("CreatedDateTime is a timestamp");
                if created > time_of(r) {
                    problems.push(format!("{} {table} {}: CreatedDateTime after TimeGenerated", g.name(), s(r, "Id")));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", summarize(problems, 20));
}

#[test]
fn manifest_names_tool_version_seed_and_scenario_hash() {
    for g in outputs() {
        let m = &g.manifest;
        assert_eq!(m["tool"], "tenantless");
        assert_eq!(m["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(m["seed"].as_u64(), Some(tenantless::generate::DEFAULT_SEED));
        let scenarios = m["scenarios"].as_array().expect("manifest scenarios");
        assert_eq!(scenarios.len(), 1);
        assert_eq!(
            scenarios[0]["sha256"].as_str(),
            Some(sha256_hex(g.scenario_text.as_bytes()).as_str())
        );
        let doc: Value = serde_saphyr::from_str(&g.scenario_text).expect("scenario parses");
        assert_eq!(scenarios[0]["name"], doc["name"], "{}: scenario name", g.name());
    }
}

#[test]
fn anomaly_labels_point_at_records_that_exist() {
    for g in outputs() {
        let scenario: Value = serde_saphyr::from_str(&g.scenario_text).expect("scenario parses");
        let declared = scenario["anomalies"].as_array().map_or(0, Vec::len);
        let labels = g.manifest["anomalies"].as_array().expect("manifest anomalies");
        assert_eq!(labels.len(), declared, "{}: one label per declared anomaly", g.name());
        for label in labels {
            let records = label["records"].as_array().expect("label records");
            assert!(!records.is_empty(), "{}: label {} has no records", g.name(), label["id"]);
            for key in records {
                let (table, column, value) = (
                    key["table"].as_str().expect("table"),
                    key["column"].as_str().expect("column"),
                    key["value"].as_str().expect("value"),
                );
                assert!(TABLES.contains(&table), "{}: label {} names table {table}", g.name(), label["id"]);
                assert!(
                    g.records(table)
                        .iter()
                        .any(|r| r.get(column).and_then(Value::as_str) == Some(value)),
                    "{}: label {} record ({table}, {column}, {value}) is not in the output",
                    g.name(),
                    label["id"]
                );
            }
        }
    }
}

// ---- The seed scenario, as the seed document describes it ----

fn signins_of<'g>(g: &'g Generated, table: &str, name: &str) -> Vec<&'g Record> {
    g.records(table).iter().filter(|r| s(r, "ServicePrincipalName") == name).collect()
}

#[test]
fn seed_managed_identity_signs_in_twice_and_reads_the_secret_over_the_private_endpoint() {
    let g = seed();
    let signins = signins_of(g, MI_SIGNINS, "vm-cloudlab-01");
    assert_eq!(signins.len(), 2, "Connect-AzAccount -Identity and the Key Vault token");
    let resources: BTreeSet<&str> = signins.iter().map(|r| s(r, "ResourceIdentity")).collect();
    assert_eq!(resources, BTreeSet::from([ARM_APP, KEY_VAULT_APP]));
    let sp_id = s(signins[0], "ServicePrincipalId");
    assert!(is_dashed_guid(sp_id));
    assert!(
        signins
            .iter()
            .all(|r| s(r, "ServicePrincipalId") == sp_id && s(r, "ResultType") == "0")
    );
    let reads: Vec<&Record> = g
        .records(DIAGNOSTICS)
        .iter()
        .filter(|r| s(r, "Category") == "AuditEvent" && s(r, "OperationName") == "SecretGet")
        .filter(|r| r.get(crate::support::join::KV_OBJECT_ID).and_then(|v| v.as_str()) == Some(sp_id))
        .collect();
    assert!(!reads.is_empty(), "a SecretGet AuditEvent by the managed identity");
    for r in reads {
        assert_eq!(s(r, crate::support::join::KV_APP_ID), s(signins[0], "AppId"));
        let ip: std::net::Ipv4Addr = s(r, "CallerIPAddress").parse().expect("CallerIPAddress is IPv4");
        assert_eq!(ip.octets()[0], 10, "the vault sits behind a private endpoint: {ip}");
    }
}

#[test]
fn seed_devops_pipeline_signs_in_four_times_and_deploys_through_arm_once() {
    let g = seed();
    let signins: Vec<&Record> = signins_of(g, SP_SIGNINS, "sp-devops-sql-deployment")
        .into_iter()
        .filter(|r| s(r, "ResultType") == "0")
        .collect();
    assert_eq!(signins.len(), 4, "four successful sign-ins per pipeline run");
    assert!(signins.iter().all(|r| s(r, "ResourceIdentity") == ARM_APP));
    let ips: BTreeSet<&str> = signins.iter().map(|r| s(r, "IPAddress")).collect();
    assert_eq!(ips.len(), 1, "from a single address: {ips:?}");
    let sp_id = s(signins[0], "ServicePrincipalId");
    let activity: Vec<&Record> = g.records(ACTIVITY).iter().filter(|r| s(r, "Caller") == sp_id).collect();
    assert!(!activity.is_empty(), "AzureActivity | where Caller == <ServicePrincipalId>");
    let correlation: BTreeSet<&str> = activity.iter().map(|r| s(r, "CorrelationId")).collect();
    assert_eq!(correlation.len(), 1, "one CorrelationId: {correlation:?}");
    let operations: BTreeSet<&str> = activity.iter().map(|r| s(r, "OperationNameValue")).collect();
    assert!(operations.contains("MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE"), "{operations:?}");
    assert!(operations.contains("MICROSOFT.SQL/SERVERS/DATABASES/WRITE"), "{operations:?}");
    let statuses: BTreeSet<&str> = activity.iter().map(|r| s(r, "ActivityStatusValue")).collect();
    // Diagnostic-settings spellings, not the legacy Started/Accepted/Succeeded (real-exports.md §4).
    for status in ["Start", "Accept", "Success"] {
        assert!(statuses.contains(status), "{status} missing from {statuses:?}");
    }
    let tokens: BTreeSet<&str> = activity
        .iter()
        .map(|r| r["Claims_d"]["uti"].as_str().expect("Claims_d.uti"))
        .collect();
    assert_eq!(tokens.len(), 1);
    let used = signins.iter().filter(|r| tokens.contains(s(r, "UniqueTokenIdentifier"))).count();
    assert_eq!(used, 1, "exactly one of the four sign-ins is followed by activity");
}

#[test]
fn seed_logic_app_records_carry_no_trace_of_the_playbooks_service_principal() {
    let g = seed();
    let signins = signins_of(g, SP_SIGNINS, "Azure Sentinel Alerts Evidence SIEM");
    assert!(!signins.is_empty(), "the playbook's connection signs in");
    assert!(signins.iter().all(|r| s(r, "ResourceIdentity") == LOG_ANALYTICS_APP));
    let (sp_id, app_id) = (s(signins[0], "ServicePrincipalId"), s(signins[0], "AppId"));
    let workflow: Vec<&Record> = g
        .records(DIAGNOSTICS)
        .iter()
        // The background's reporting Logic App runs too; the seed's playbook is this one.
        .filter(|r| s(r, "Category") == "WorkflowRuntime" && s(r, "resource_workflowName_s") == "Send-Alerts-To-EventHub")
        .collect();
    assert!(!workflow.is_empty());
    for r in &workflow {
        assert_eq!(s(r, "tags_LogicAppsCategory_s"), "security");
        for (column, value) in r.iter() {
            let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned).to_lowercase();
            assert!(
                !text.contains(&sp_id.to_lowercase()) && !text.contains(&app_id.to_lowercase()),
                "WorkflowRuntime {column} carries the service principal: {text}"
            );
        }
    }
    // Only time relates them: each sign-in falls inside a run of the workflow.
    let mut runs: BTreeMap<&str, (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> = BTreeMap::new();
    for r in &workflow {
        let t = time_of(r);
        let span = runs.entry(s(r, "resource_runId_s")).or_insert((t, t));
        span.0 = span.0.min(t);
        span.1 = span.1.max(t);
    }
    assert_eq!(runs.len(), 2, "two playbook runs");
    for r in signins {
        let t = time_of(r);
        assert!(runs.values().any(|(a, b)| *a <= t && t <= *b), "sign-in at {t} outside every run");
    }
}

#[test]
fn seed_graph_automation_deletes_the_policy_with_a_certificate_and_no_ip() {
    let g = seed();
    let signins = signins_of(g, SP_SIGNINS, "sp-ca-policy-automation");
    assert!(!signins.is_empty());
    assert!(signins.iter().all(|r| !s(r, "ServicePrincipalCredentialThumbprint").is_empty()));
    let sp_id = s(signins[0], "ServicePrincipalId");
    let deletes: Vec<&Record> = g
        .records(AUDIT)
        .iter()
        .filter(|r| s(r, "OperationName") == "Delete conditional access policy")
        .collect();
    assert_eq!(deletes.len(), 1);
    let r = deletes[0];
    assert_eq!(s(r, "Category"), "Policy");
    assert_eq!(r["InitiatedBy"]["app"]["servicePrincipalId"].as_str(), Some(sp_id));
    let target = r["TargetResources"][0]["id"].as_str().expect("TargetResources[0].id");
    assert!(is_dashed_guid(target), "{target}");
    fn has_ip(v: &Value) -> bool {
        match v {
            Value::Object(m) => m.iter().any(|(k, v)| k.to_lowercase().contains("ipaddress") || has_ip(v)),
            Value::Array(a) => a.iter().any(has_ip),
            Value::String(t) => t.parse::<std::net::Ipv4Addr>().is_ok(),
            _ => false,
        }
    }
    assert!(
        !has_ip(&r["InitiatedBy"]),
        "app-initiated audit records carry no IP: {}",
        r["InitiatedBy"]
    );
}

#[test]
fn seed_manifest_lists_both_rule_cases() {
    let kinds: BTreeSet<&str> = seed().manifest["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .filter_map(|a| a["kind"].as_str())
        .collect();
    assert!(kinds.contains("failed_signins"), "{kinds:?}");
    assert!(kinds.contains("credential_added_to_active_sp"), "{kinds:?}");
}

/// The shape checks above can fail.
#[test]
fn the_type_checks_reject_wrong_shapes() {
    assert!(type_ok("datetime", &Value::from("2026-11-27T09:12:00.0000000Z")));
    assert!(!type_ok("datetime", &Value::from("2026-11-27T09:12:00.000000Z")), "6 digits");
    assert!(!type_ok("datetime", &Value::from("2026-11-27T09:12:00.0000000+00:00")));
    assert!(!type_ok("datetime", &Value::from("2026-11-27 09:12:00.0000000Z")));
    assert!(type_ok("datetime", &Value::Null));
    assert!(!type_ok("string", &Value::Null));
    assert!(!type_ok("string", &Value::from(1)));
    assert!(type_ok("long", &Value::from(3)));
    assert!(!type_ok("long", &Value::from(3.5)));
    assert!(!type_ok("long", &Value::from("3")));
    assert!(type_ok("real", &Value::from(200)));
    assert!(!type_ok("real", &Value::from("200")));
    assert!(!type_ok("bool", &Value::from("true")));
    assert!(type_ok("guid", &Value::from("6fa03e09-df33-4ba8-ab9c-15c4547f7ae7")));
    assert!(type_ok("guid", &Value::from("85e95cb801cab326cc6ae592b78552ab")));
    assert!(!type_ok("guid", &Value::from("6fa03e09-df33-4ba8-ab9c-15c4547f7ae")));
    assert!(!type_ok("guid", &Value::from("not-a-guid")));
}

/// `--days N` simulates N days from the scenario's start: the manifest's period is that long and no
/// record (workload or injected anomaly) lies after it.
#[test]
fn days_shortens_the_period_and_keeps_every_record_inside_it() {
    let small = crate::support::bundled_scenarios()
        .into_iter()
        .find(|p| p.ends_with("tenant-small.yaml"))
        .unwrap_or_else(crate::support::seed_scenario);
    let g = crate::support::generate_and_load(&small, &["--days", "2"]);
    let (start, end) = g.period();
    assert_eq!(end - start, chrono::TimeDelta::days(2));
    let late: Vec<String> = TABLES
        .iter()
        .flat_map(|t| g.records(t).iter().map(move |r| (t, r)))
        .filter(|(_, r)| time_of(r) > end)
        .map(|(t, r)| format!("{t} {}", s(r, "TimeGenerated")))
        .collect();
    assert!(
        late.is_empty(),
        "{} records after the shortened period's end {end}:\n{}",
        late.len(),
        late.join("\n")
    );
    for label in g.manifest["anomalies"].as_array().into_iter().flatten() {
        let window_end = label["window"]["end"].as_str().and_then(parse_ts);
        assert!(
            window_end.is_none_or(|t| t <= end),
            "anomaly {} lies after the period: {}",
            label["id"],
            label["window"]
        );
    }
}

#[test]
fn manifest_spells_kinds_as_scenarios_do() {
    // One spelling per enum: the scenario file's (`system_assigned_mi`), never Rust's Debug form.
    let snake = |text: &str| !text.is_empty() && text.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    for g in outputs() {
        assert_eq!(
            g.manifest["format"],
            2,
            "{}: the manifest format that spells kinds this way",
            g.name()
        );
        for identity in g.manifest["identities"].as_array().expect("identities") {
            assert!(snake(identity["kind"].as_str().unwrap_or_default()), "{}: {identity}", g.name());
        }
        for label in g.manifest["anomalies"].as_array().expect("anomalies") {
            assert!(snake(label["kind"].as_str().unwrap_or_default()), "{}: {label}", g.name());
        }
    }
}
