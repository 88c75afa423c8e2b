//! Shared helpers for the KQL integration tests: hand-written NDJSON fixtures in a temp directory.
#![allow(dead_code)]

pub mod seed;

use serde_json::json;
use tenantless::kql::{self, Catalog, RunOptions, Table};

pub use super::TempDir;

/// The simulated "now" of the fixtures (manifest time_range.end).
pub const NOW: &str = "2026-11-28T12:00:00Z";
pub const MI_ID: &str = "11111111-1111-4111-8111-111111111111";
pub const DEPLOY_SP_ID: &str = "22222222-2222-4222-8222-222222222222";
pub const GRAPH_SP_ID: &str = "33333333-3333-4333-8333-333333333333";
pub const ARM_RESOURCE: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";

fn ndjson(records: &[serde_json::Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

fn sp_signin(time: &str, id: &str, name: &str, resource: &str, resource_id: &str, result: &str, ip: &str) -> serde_json::Value {
    json!({
        "TimeGenerated": time, "Category": "ServicePrincipalSignInLogs", "ResultType": result,
        "CorrelationId": format!("corr-{time}"), "ServicePrincipalId": id, "ServicePrincipalName": name,
        "ResourceDisplayName": resource, "ResourceIdentity": resource_id, "IPAddress": ip,
        "Location": "NL", "LocationDetails": "{\"city\":\"Amsterdam\"}", "AppId": format!("app-{id}"),
        "Type": "AADServicePrincipalSignInLogs"
    })
}

/// Writes the five tables + manifest.json, modelled on the seed document's scenarios.
pub fn seed_fixture() -> TempDir {
    let dir = TempDir::new("seed");
    dir.write(
        "manifest.json",
        &json!({"time_range": {"start": "2026-11-21T12:00:00Z", "end": NOW}}).to_string(),
    );
    dir.write(
        "AADManagedIdentitySignInLogs.jsonl",
        &ndjson(&[
            json!({"TimeGenerated": "2026-11-28T10:15:02.1234567Z", "Category": "ManagedIdentitySignInLogs", "ResultType": "0",
                   "CorrelationId": "mi-c1", "ServicePrincipalId": MI_ID, "ServicePrincipalName": "vm-web-01",
                   "ResourceDisplayName": "Azure Resource Manager", "IPAddress": "", "LocationDetails": "{}"}),
            json!({"TimeGenerated": "2026-11-28T10:15:03.0000000Z", "Category": "ManagedIdentitySignInLogs", "ResultType": "0",
                   "CorrelationId": "mi-c2", "ServicePrincipalId": MI_ID, "ServicePrincipalName": "vm-web-01",
                   "ResourceDisplayName": "Azure Key Vault", "IPAddress": "", "LocationDetails": "{}"}),
            json!({"TimeGenerated": "2026-11-28T09:00:00Z", "Category": "ManagedIdentitySignInLogs", "ResultType": "0",
                   "CorrelationId": "mi-c3", "ServicePrincipalId": "99999999-9999-4999-8999-999999999999",
                   "ServicePrincipalName": "other-vm", "ResourceDisplayName": "Azure Key Vault"}),
        ]),
    );
    dir.write(
        "AzureDiagnostics.jsonl",
        &ndjson(&[
            json!({"TimeGenerated": "2026-11-28T10:15:04Z", "Category": "AuditEvent", "CorrelationId": "kv-1",
                   "Resource": "KV-PROD", "ResourceType": "VAULTS", "OperationName": "SecretGet", "ResultType": "Success",
                   "CallerIPAddress": "10.0.0.4",
                   "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g": MI_ID}),
            json!({"TimeGenerated": "2026-11-28T11:00:00Z", "Category": "WorkflowRuntime", "CorrelationId": "la-1",
                   "Resource": "LA-SENTINEL", "OperationName": "Microsoft.Logic/workflows/workflowRunCompleted",
                   "resource_workflowName_s": "la-sentinel-alerts", "tags_LogicAppsCategory_s": "security"}),
            json!({"TimeGenerated": "2026-11-28T11:05:00Z", "Category": "WorkflowRuntime", "CorrelationId": "la-2",
                   "resource_workflowName_s": "la-sentinel-alerts", "tags_LogicAppsCategory_s": "other"}),
        ]),
    );
    dir.write(
        "AADServicePrincipalSignInLogs.jsonl",
        &ndjson(&[
            sp_signin(
                "2026-11-28T08:00:00Z",
                DEPLOY_SP_ID,
                "Deploy-SP",
                "Windows Azure Service Management API",
                ARM_RESOURCE,
                "0",
                "20.50.2.1",
            ),
            sp_signin(
                "2026-11-28T08:00:05Z",
                DEPLOY_SP_ID,
                "Deploy-SP",
                "Windows Azure Service Management API",
                ARM_RESOURCE,
                "0",
                "20.50.2.1",
            ),
            sp_signin(
                "2026-11-28T08:00:09Z",
                DEPLOY_SP_ID,
                "Deploy-SP",
                "Windows Azure Service Management API",
                ARM_RESOURCE,
                "0",
                "20.50.2.1",
            ),
            sp_signin(
                "2026-11-28T08:01:00Z",
                DEPLOY_SP_ID,
                "Deploy-SP",
                "Windows Azure Service Management API",
                ARM_RESOURCE,
                "0",
                "20.50.2.1",
            ),
            sp_signin(
                "2026-11-28T08:30:00Z",
                DEPLOY_SP_ID,
                "Deploy-SP",
                "Microsoft Graph",
                "00000003-0000-0000-c000-000000000000",
                "0",
                "20.50.2.1",
            ),
            sp_signin(
                "2026-11-28T09:00:00Z",
                "44444444-4444-4444-8444-444444444444",
                "Azure Sentinel Alerts Evidence SIEM",
                "Log Analytics API",
                "ca7f3f0b-7d91-482c-8e09-c5d840d0eac5",
                "0",
                "52.1.1.1",
            ),
            sp_signin(
                "2026-11-28T09:30:00Z",
                GRAPH_SP_ID,
                "CA-Automation",
                "Microsoft Graph",
                "00000003-0000-0000-c000-000000000000",
                "0",
                "40.1.1.1",
            ),
            sp_signin(
                "2026-11-28T10:00:00Z",
                "55555555-5555-4555-8555-555555555555",
                "Stale-SP",
                "Microsoft Graph",
                "00000003-0000-0000-c000-000000000000",
                "7000215",
                "203.0.113.9",
            ),
            sp_signin(
                "2026-11-28T10:05:00Z",
                "55555555-5555-4555-8555-555555555555",
                "Stale-SP",
                "Azure Key Vault",
                "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
                "7000215",
                "203.0.113.9",
            ),
            // Outside the rules' one-day window.
            sp_signin(
                "2026-11-20T10:00:00Z",
                "55555555-5555-4555-8555-555555555555",
                "Stale-SP",
                "Microsoft Graph",
                "00000003-0000-0000-c000-000000000000",
                "7000222",
                "203.0.113.9",
            ),
        ]),
    );
    dir.write(
        "AzureActivity.jsonl",
        &ndjson(&[
            json!({"TimeGenerated": "2026-11-28T08:02:00Z", "Type": "AzureActivity", "CorrelationId": "arm-1",
                   "OperationNameValue": "MICROSOFT.SQL/SERVERS/DATABASES/WRITE", "ActivityStatusValue": "Success",
                   "Caller": DEPLOY_SP_ID, "CallerIpAddress": "20.50.2.1", "ResourceProviderValue": "MICROSOFT.SQL"}),
            json!({"TimeGenerated": "2026-11-28T08:03:00Z", "Type": "AzureActivity", "CorrelationId": "arm-2",
                   "OperationNameValue": "MICROSOFT.WEB/SITES/WRITE", "ActivityStatusValue": "Success",
                   "Caller": "someone@contoso.com", "CallerIpAddress": "1.2.3.4"}),
        ]),
    );
    dir.write(
        "AuditLogs.jsonl",
        &ndjson(&[
            json!({"TimeGenerated": "2026-11-28T09:31:00Z", "Category": "Policy", "AADOperationType": "Delete",
                   "CorrelationId": "aud-1", "Result": "success", "OperationName": "Delete conditional access policy",
                   "InitiatedBy": {"app": {"servicePrincipalId": GRAPH_SP_ID, "displayName": "CA-Automation"}},
                   "TargetResources": [{"id": "policy-0001", "displayName": "Block legacy auth"}],
                   "AdditionalDetails": [{"key": "User-Agent", "value": "Graph"}]}),
            json!({"TimeGenerated": "2026-11-28T11:00:00Z", "Category": "ApplicationManagement", "AADOperationType": "Update",
                   "CorrelationId": "aud-2", "Result": "success",
                   "OperationName": "Update application – Certificates and secrets management",
                   "InitiatedBy": {"user": {"userPrincipalName": "admin@contoso.com", "ipAddress": "198.51.100.7"}},
                   "TargetResources": [{"id": "app-obj-1", "displayName": "Deploy-SP", "userPrincipalName": null}]}),
            // A credential change for an identity that never signed in: must not fire.
            json!({"TimeGenerated": "2026-11-28T11:10:00Z", "Category": "ApplicationManagement", "AADOperationType": "Update",
                   "CorrelationId": "aud-3", "Result": "success",
                   "OperationName": "Update application – Certificates and secrets management",
                   "InitiatedBy": {"user": {"userPrincipalName": "admin@contoso.com", "ipAddress": "198.51.100.8"}},
                   "TargetResources": [{"id": "app-obj-2", "displayName": "Never-Signed-In"}]}),
        ]),
    );
    dir
}

/// Loads a fixture directory.
pub fn catalog(dir: &TempDir) -> Catalog {
    kql::load_jsonl_dir(dir.path()).expect("fixtures load")
}

/// Options with the fixtures' now and the seed placeholders bound.
pub fn options() -> RunOptions {
    let mut o = RunOptions {
        now: chrono::DateTime::parse_from_rfc3339(NOW)
            .expect("valid")
            .with_timezone(&chrono::Utc),
        ..RunOptions::default()
    };
    o.params.insert("VM or application name".into(), "vm-web-01".into());
    o.params.insert("LogicAppName".into(), "la-sentinel-alerts".into());
    o
}

/// Runs a query and returns its single result table.
pub fn run_one(query: &str, catalog: &Catalog, options: &RunOptions) -> Table {
    let mut tables = kql::run(query, catalog, options).unwrap_or_else(|e| panic!("query failed:\n{e}\n{query}"));
    assert_eq!(tables.len(), 1, "expected one result table");
    tables.remove(0)
}

/// Asserts parse → print → parse gives an equal AST.
pub fn assert_round_trip(query: &str) {
    let first = kql::parse(query).unwrap_or_else(|e| panic!("parse failed:\n{e}"));
    let printed = first.to_string();
    let second = kql::parse(&printed).unwrap_or_else(|e| panic!("reparse failed:\n{e}\nprinted:\n{printed}"));
    assert_eq!(first, second, "round trip changed the AST; printed:\n{printed}");
}

/// Column values as strings.
pub fn column(t: &Table, name: &str) -> Vec<String> {
    let i = t
        .column_index(name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", t.column_names()));
    t.rows.iter().map(|r| r[i].to_string()).collect()
}

/// Round-trips the query through the printer, then runs it over an empty catalog (datatable/print
/// queries) and returns the last result table.
pub fn eval(query: &str) -> Table {
    assert_round_trip(query);
    let mut tables = kql::run(query, &Catalog::new(), &options()).unwrap_or_else(|e| panic!("query failed:\n{e}\n{query}"));
    tables.pop().expect("at least one result")
}

/// The single value of a one-row result column.
pub fn scalar(t: &Table, name: &str) -> tenantless::kql::Value {
    assert_eq!(t.rows.len(), 1, "expected one row");
    t.get(0, name)
        .cloned()
        .unwrap_or_else(|| panic!("no column {name} in {:?}", t.column_names()))
}

/// Runs a query expected to fail; returns the error text.
pub fn eval_err(query: &str) -> String {
    match kql::run(query, &Catalog::new(), &options()) {
        Ok(_) => panic!("query unexpectedly succeeded: {query}"),
        Err(e) => e.to_string(),
    }
}
