//! The seed document's ten KQL texts run verbatim (placeholders bound as with `--param`) against
//! hand-written fixtures, and return the records the document describes.

use crate::support::kql::seed;
use crate::support::kql::*;
use tenantless::kql;

fn with_sp(id: &str) -> kql::RunOptions {
    let mut o = options();
    o.params.insert("ServicePrincipalId".into(), id.into());
    o
}

#[test]
fn all_seed_queries_parse_and_round_trip() {
    for q in seed::ALL {
        let text = kql::params::substitute(q, &with_sp(MI_ID).params);
        assert_round_trip(&text);
    }
}

#[test]
fn managed_identity_has_two_signins() {
    let dir = seed_fixture();
    let t = run_one(seed::MI_SIGNINS, &catalog(&dir), &options());
    assert_eq!(t.rows.len(), 2);
    assert_eq!(
        t.column_names(),
        [
            "TimeGenerated",
            "Category",
            "ResultType",
            "CorrelationId",
            "ServicePrincipalId",
            "ResourceDisplayName",
            "IPAddress",
            "LocationDetails"
        ]
    );
    assert_eq!(column(&t, "TimeGenerated")[0], "2026-11-28T10:15:02.1234567Z");
}

#[test]
fn key_vault_access_by_managed_identity() {
    let dir = seed_fixture();
    let t = run_one(seed::KEYVAULT_BY_SP, &catalog(&dir), &with_sp(MI_ID));
    assert_eq!(column(&t, "OperationName"), ["SecretGet"]);
    assert_eq!(column(&t, "CallerIPAddress"), ["10.0.0.4"]);
}

#[test]
fn deployment_sp_has_four_arm_signins_and_one_activity() {
    let dir = seed_fixture();
    let cat = catalog(&dir);
    let signins = run_one(seed::SP_ARM_SIGNINS, &cat, &with_sp(DEPLOY_SP_ID));
    assert_eq!(signins.rows.len(), 4);
    let activity = run_one(seed::ACTIVITY_BY_SP, &cat, &with_sp(DEPLOY_SP_ID));
    assert_eq!(column(&activity, "OperationNameValue"), ["MICROSOFT.SQL/SERVERS/DATABASES/WRITE"]);
    assert_eq!(activity.columns.len(), 8);
}

#[test]
fn sentinel_logic_app_queries() {
    let dir = seed_fixture();
    let cat = catalog(&dir);
    let t = run_one(seed::SENTINEL_SP_SIGNINS, &cat, &options());
    assert_eq!(column(&t, "ResourceDisplayName"), ["Log Analytics API"]);
    assert_eq!(t.column_names().last(), Some(&"Location"));
    let la = run_one(seed::LOGIC_APP_SECURITY, &cat, &options());
    assert_eq!(column(&la, "CorrelationId"), ["la-1"]);
}

#[test]
fn graph_signins_and_audit_by_sp() {
    let dir = seed_fixture();
    let cat = catalog(&dir);
    let g = run_one(seed::GRAPH_SIGNINS, &cat, &options());
    assert_eq!(g.rows.len(), 4, "no time filter: includes the 8-day-old failure");
    let a = run_one(seed::AUDIT_BY_SP, &cat, &with_sp(GRAPH_SP_ID));
    assert_eq!(column(&a, "TargetResource"), ["policy-0001"]);
    assert_eq!(column(&a, "InitiatedBy"), [GRAPH_SP_ID]);
    assert_eq!(
        a.column_names(),
        [
            "TimeGenerated",
            "Category",
            "AADOperationType",
            "CorrelationId",
            "Result",
            "InitiatedBy",
            "TargetResource",
            "AdditionalDetails"
        ]
    );
}

#[test]
fn failed_signin_rule_summarizes_per_sp_ip_result() {
    let dir = seed_fixture();
    let t = run_one(seed::RULE_FAILED_SIGNINS, &catalog(&dir), &options());
    // Kusto puts the `by` columns first, then the aggregates in order; extend appends its columns,
    // and the re-extended `ResultType` moves to the end (learn.microsoft.com/kusto/query/extend-operator).
    assert_eq!(
        t.column_names(),
        [
            "ServicePrincipalName",
            "IPAddress",
            "StartTimeUtc",
            "EndTimeUtc",
            "count_",
            "applicationCount",
            "applicationSet",
            "timestamp",
            "AccountCustomEntity",
            "IPCustomEntity",
            "ResultType"
        ]
    );
    assert_eq!(t.rows.len(), 1, "the 8-day-old failure is outside the window");
    assert_eq!(column(&t, "count_"), ["2"]);
    assert_eq!(column(&t, "applicationCount"), ["2"]);
    assert_eq!(column(&t, "applicationSet"), [r#"["Azure Key Vault","Microsoft Graph"]"#]);
    assert_eq!(column(&t, "StartTimeUtc"), ["2026-11-28T10:00:00.0000000Z"]);
    assert_eq!(column(&t, "EndTimeUtc"), ["2026-11-28T10:05:00.0000000Z"]);
    assert_eq!(column(&t, "AccountCustomEntity"), ["Stale-SP"]);
    assert_eq!(column(&t, "IPCustomEntity"), ["203.0.113.9"]);
    assert_eq!(column(&t, "ResultType"), ["7000215"]);
}

#[test]
fn credential_rule_fires_for_sp_that_signed_in_before_change() {
    let dir = seed_fixture();
    let t = run_one(seed::RULE_CREDENTIAL_AFTER_SIGNIN, &catalog(&dir), &options());
    assert_eq!(t.column_names(), ["timestamp", "AccountCustomEntity", "IPCustomEntity"]);
    assert_eq!(column(&t, "AccountCustomEntity"), ["deploy-sp"]);
    assert_eq!(column(&t, "IPCustomEntity"), ["198.51.100.7"]);
    assert_eq!(column(&t, "timestamp"), ["2026-11-28T11:00:00.0000000Z"]);
}

#[test]
fn credential_rule_is_quiet_when_signins_are_too_old() {
    let dir = seed_fixture();
    let mut o = options();
    // Five days later the credential change itself is outside the one-day window.
    o.now += chrono::Duration::days(5);
    let t = run_one(seed::RULE_CREDENTIAL_AFTER_SIGNIN, &catalog(&dir), &o);
    assert_eq!(t.rows.len(), 0);
}
