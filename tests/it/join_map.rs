//! The join map, enforced on the output of every bundled scenario (`scenarios/*.yaml`).
//!
//! | From (table.column)                                                              | To (table.column)                                          | Rule                                                                 |
//! |----------------------------------------------------------------------------------|------------------------------------------------------------|----------------------------------------------------------------------|
//! | `AzureDiagnostics.identity_claim_oid_g` (Category `AuditEvent`; not on the SDK's 401 challenge, which has no identity) | `AADManagedIdentitySignInLogs.ServicePrincipalId` / `AADServicePrincipalSignInLogs.ServicePrincipalId` | a successful sign-in with `ResourceIdentity` = Key Vault (`cfa8b339-82a2-471a-a3c9-0fc0be7a4093`) at or up to 1 h before the event |
//! | `AzureDiagnostics.identity_claim_appid_g` (`AuditEvent`)                           | sign-in `AppId`                                            | same sign-in                                                         |
//! | `AzureActivity.Caller`                                                           | `AADServicePrincipalSignInLogs.ServicePrincipalId`         | the sign-in whose token the call used (next row)                     |
//! | `AzureActivity.Claims_d.uti`                                                     | `AADServicePrincipalSignInLogs.UniqueTokenIdentifier`      | exactly one sign-in; `ResourceIdentity` = ARM (`797f4846-ba00-4fd7-ba43-dac1f8f63013`), `ResultType` = `0`, sign-in ≤ activity ≤ sign-in + 1 h |
//! | `AzureActivity.Claims_d.appid`                                                   | `AADServicePrincipalSignInLogs.AppId`                      | same sign-in                                                         |
//! | `AzureActivity.CallerIpAddress`                                                  | `AADServicePrincipalSignInLogs.IPAddress`                  | same sign-in                                                         |
//! | `AzureActivity.CorrelationId`                                                    | `AzureActivity.CorrelationId`                              | all statuses of one deployment share it                              |
//! | `AuditLogs.InitiatedBy.app.servicePrincipalId`                                   | `AADServicePrincipalSignInLogs.ServicePrincipalId`         | a successful sign-in to Microsoft Graph (`00000003-0000-0000-c000-000000000000`) at or up to 1 h before |
//! | `AuditLogs.InitiatedBy.app.appId`                                                | `AADServicePrincipalSignInLogs.AppId`                      | same sign-in                                                         |
//! | `AuditLogs.TargetResources[0].displayName` (`… Certificates and secrets management`) | `AADServicePrincipalSignInLogs.ServicePrincipalName`   | case-insensitive (the seed's credential rule joins on `tolower`); the SP may never sign in (a dormant app) |
//! | `AzureDiagnostics.SubscriptionId`, `AzureActivity.SubscriptionId`                | the scenario's subscriptions                               | equals `_SubscriptionId`, the `ResourceId`'s subscription and (`WorkflowRuntime`) `resource_subscriptionId_g` |
//! | `AzureDiagnostics` `WorkflowRuntime` records                                     | — (none)                                                   | no value carries a `ServicePrincipalId` or `AppId`: only time and resource type relate a Logic App run to its connection's sign-in |

use crate::support::join::{self, SignIns};
use crate::support::{ACTIVITY, AUDIT, DIAGNOSTICS, Generated, MI_SIGNINS, generate_bundled, s, summarize};
use std::collections::BTreeSet;
use std::sync::OnceLock;

fn outputs() -> &'static [Generated] {
    static OUTPUTS: OnceLock<Vec<Generated>> = OnceLock::new();
    OUTPUTS.get_or_init(generate_bundled)
}

fn seed() -> &'static Generated {
    outputs().iter().find(|g| g.name() == "seed.yaml").expect("seed.yaml is bundled")
}

fn seed_of(g: &Generated) -> u64 {
    g.manifest["seed"].as_u64().expect("manifest seed")
}

/// Fails with every scenario's violations of one rule.
fn enforce(rule: &str, check: impl Fn(&Generated) -> Vec<String>) {
    let mut report = Vec::new();
    for g in outputs() {
        let problems = check(g);
        if !problems.is_empty() {
            report.push(format!(
                "{}: {} violation(s) of {rule}:\n{}",
                g.name(),
                problems.len(),
                summarize(problems, 8)
            ));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n\n"));
}

#[test]
fn key_vault_audit_events_join_a_preceding_key_vault_sign_in() {
    enforce("AuditEvent → Key Vault sign-in", |g| join::key_vault_events(g, &SignIns::new(g)));
    // Not vacuous: the seed reads a secret, and its reader is a managed identity.
    let seed = seed();
    let events = seed
        .records(DIAGNOSTICS)
        .iter()
        .filter(|r| s(r, "Category") == "AuditEvent")
        .count();
    assert!(events > 0, "seed.yaml has no Key Vault AuditEvent to join");
    let mi_ids: BTreeSet<&str> = seed.records(MI_SIGNINS).iter().map(|r| s(r, "ServicePrincipalId")).collect();
    assert!(
        seed.records(DIAGNOSTICS)
            .iter()
            .filter(|r| s(r, "Category") == "AuditEvent" && s(r, "OperationName") == "SecretGet")
            .any(|r| mi_ids.contains(s(r, join::KV_OBJECT_ID))),
        "the seed's Key Vault reads include the managed identity's"
    );
}

#[test]
fn activity_records_join_the_arm_sign_in_that_issued_their_token() {
    enforce("AzureActivity → ARM sign-in", |g| join::activity_records(g, &SignIns::new(g)));
    assert!(!seed().records(ACTIVITY).is_empty(), "seed.yaml has no AzureActivity to join");
}

#[test]
fn activity_statuses_of_one_deployment_share_a_correlation_id() {
    for g in outputs() {
        let mut by_correlation: std::collections::BTreeMap<&str, Vec<&crate::support::Record>> = Default::default();
        for r in g.records(ACTIVITY) {
            by_correlation.entry(s(r, "CorrelationId")).or_default().push(r);
        }
        for (correlation, records) in by_correlation {
            let callers: BTreeSet<&str> = records.iter().map(|r| s(r, "Caller")).collect();
            let tokens: BTreeSet<&str> = records.iter().filter_map(|r| r["Claims_d"]["uti"].as_str()).collect();
            assert_eq!(
                callers.len(),
                1,
                "{}: CorrelationId {correlation} spans callers {callers:?}",
                g.name()
            );
            assert_eq!(tokens.len(), 1, "{}: CorrelationId {correlation} spans tokens {tokens:?}", g.name());
            let statuses: BTreeSet<&str> = records.iter().map(|r| s(r, "ActivityStatusValue")).collect();
            assert!(statuses.contains("Start"), "{}: {correlation} has no Start status", g.name());
        }
    }
}

#[test]
fn app_initiated_audit_records_join_a_preceding_graph_sign_in() {
    enforce("AuditLogs InitiatedBy.app → Graph sign-in", |g| {
        join::app_audit_records(g, &SignIns::new(g))
    });
    let app_initiated = seed().records(AUDIT).iter().filter(|r| r["InitiatedBy"]["app"].is_object()).count();
    assert!(app_initiated > 0, "seed.yaml has no app-initiated AuditLogs record to join");
}

#[test]
fn credential_changes_target_a_service_principal_by_name() {
    enforce("credential change → ServicePrincipalName", |g| {
        let mut known = join::scenario_sp_names(g, seed_of(g));
        known.extend(join::signed_in_sp_names(g));
        join::credential_changes(g, &known)
    });
    let changes = seed()
        .records(AUDIT)
        .iter()
        .filter(|r| s(r, "OperationName").contains("Certificates and secrets management"))
        .count();
    assert!(changes > 0, "seed.yaml has no credential change to join");
}

#[test]
fn subscriptions_are_the_scenarios_own() {
    enforce("SubscriptionId → scenario subscription", |g| {
        join::subscriptions(g, &join::scenario_subscriptions(g, seed_of(g)))
    });
}

#[test]
fn logic_app_records_carry_no_identity() {
    enforce("WorkflowRuntime carries no identity", join::workflow_records_anonymous);
    for g in outputs() {
        let runs = g
            .records(DIAGNOSTICS)
            .iter()
            .filter(|r| s(r, "Category") == "WorkflowRuntime")
            .count();
        assert!(runs > 0, "{} has no WorkflowRuntime record", g.name());
    }
}

/// The seed's correlation queries, with their placeholders replaced by the scenario's values, find
/// their records (seed document, "Scenarios and query examples").
#[test]
fn the_seeds_correlation_queries_find_their_records() {
    let g = seed();
    // AADManagedIdentitySignInLogs | where ServicePrincipalName == "vm-cloudlab-01"
    let mi: Vec<_> = g
        .records(MI_SIGNINS)
        .iter()
        .filter(|r| s(r, "ServicePrincipalName") == "vm-cloudlab-01")
        .collect();
    assert!(!mi.is_empty());
    let mi_id = s(mi[0], "ServicePrincipalId");
    // AzureDiagnostics | where identity_claim_..._objectidentifier_g == <ServicePrincipalId>
    assert!(
        g.records(DIAGNOSTICS)
            .iter()
            .any(|r| r.get(join::KV_OBJECT_ID).and_then(|v| v.as_str()) == Some(mi_id))
    );
    // AzureActivity | where Caller == <ServicePrincipalId of the DevOps SP>
    let devops = g
        .records(crate::support::SP_SIGNINS)
        .iter()
        .find(|r| s(r, "ServicePrincipalName") == "sp-devops-sql-deployment")
        .expect("the DevOps SP signs in");
    assert!(
        g.records(ACTIVITY)
            .iter()
            .any(|r| s(r, "Caller") == s(devops, "ServicePrincipalId"))
    );
    // AuditLogs | where InitiatedBy.app.servicePrincipalId == <ServicePrincipalId of the Graph SP>
    let graph = g
        .records(crate::support::SP_SIGNINS)
        .iter()
        .find(|r| s(r, "ResourceDisplayName") == "Microsoft Graph" && s(r, "ServicePrincipalName") == "sp-ca-policy-automation")
        .expect("the automation's sign-in to Microsoft Graph");
    assert!(
        g.records(AUDIT)
            .iter()
            .any(|r| r["InitiatedBy"]["app"]["servicePrincipalId"].as_str() == Some(s(graph, "ServicePrincipalId")))
    );
    // AzureDiagnostics | where resource_workflowName_s == <LogicAppName> and tags_LogicAppsCategory_s == "security"
    assert!(g.records(DIAGNOSTICS).iter().any(|r| {
        r.get("resource_workflowName_s").and_then(|v| v.as_str()) == Some("Send-Alerts-To-EventHub")
            && r.get("tags_LogicAppsCategory_s").and_then(|v| v.as_str()) == Some("security")
    }));
}

/// The checks above can fail: each catches a broken reference planted in a copy of the seed's output.
#[test]
fn the_join_checks_catch_broken_references() {
    let original = seed();
    let seed_number = seed_of(original);
    let subscriptions = join::scenario_subscriptions(original, seed_number);
    let names = join::scenario_sp_names(original, seed_number);
    assert!(join::check_all(original, &names, &subscriptions).is_empty());
    let other = "00000000-1111-4222-8333-444444444444";
    let mutate = |table: &str, pick: &dyn Fn(&crate::support::Record) -> bool, change: &dyn Fn(&mut crate::support::Record)| -> Generated {
        let mut g = original.clone();
        let records = &mut g.tables.get_mut(table).expect("table").records;
        let r = records.iter_mut().find(|r| pick(r)).expect("a record to break");
        change(r);
        g
    };
    let is_kv = |r: &crate::support::Record| s(r, "Category") == "AuditEvent";
    let cases: Vec<(&str, Generated)> = vec![
        (
            "Key Vault caller",
            mutate(DIAGNOSTICS, &is_kv, &|r| {
                r.insert(join::KV_OBJECT_ID.into(), other.into());
            }),
        ),
        (
            "Key Vault app id",
            mutate(DIAGNOSTICS, &is_kv, &|r| {
                r.insert(join::KV_APP_ID.into(), other.into());
            }),
        ),
        (
            "activity token",
            mutate(ACTIVITY, &|_| true, &|r| {
                r["Claims_d"]["uti"] = "not-a-token".into();
            }),
        ),
        (
            "activity caller address",
            mutate(ACTIVITY, &|_| true, &|r| {
                r.insert("CallerIpAddress".into(), "198.51.100.1".into());
            }),
        ),
        (
            "graph initiator",
            mutate(AUDIT, &|r| r["InitiatedBy"]["app"].is_object(), &|r| {
                r["InitiatedBy"]["app"]["servicePrincipalId"] = other.into();
            }),
        ),
        (
            "credential target",
            mutate(AUDIT, &|r| s(r, "OperationName").contains("Certificates and secrets"), &|r| {
                r["TargetResources"][0]["displayName"] = "nobody".into();
            }),
        ),
        (
            "diagnostics subscription",
            mutate(DIAGNOSTICS, &is_kv, &|r| {
                r.insert("SubscriptionId".into(), other.into());
            }),
        ),
        (
            "workflow anonymity",
            mutate(DIAGNOSTICS, &|r| s(r, "Category") == "WorkflowRuntime", &|r| {
                let sp = s(&original.records(crate::support::SP_SIGNINS)[0], "ServicePrincipalId").to_owned();
                r.insert("retryHistory_s".into(), sp.into());
            }),
        ),
    ];
    for (what, g) in cases {
        assert!(
            !join::check_all(&g, &names, &subscriptions).is_empty(),
            "a broken {what} went unnoticed"
        );
    }
    // A sign-in whose token expired before the operation does not count: the seed's reader is a
    // managed identity, whose token the platform keeps for a day.
    let mut late = original.clone();
    for r in &mut late.tables.get_mut(DIAGNOSTICS).expect("table").records {
        if is_kv(r) {
            let t = crate::support::time_of(r) + chrono::TimeDelta::hours(24) + chrono::TimeDelta::minutes(1);
            r.insert("TimeGenerated".into(), tenantless::timefmt::format_ts(t).into());
        }
    }
    assert!(
        !join::key_vault_events(&late, &SignIns::new(&late)).is_empty(),
        "a stale token went unnoticed"
    );
}
