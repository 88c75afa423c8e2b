//! Token caching (real-exports.md §1–2): clients reuse their tokens, so sign-ins are far fewer than
//! calls, and every activity record carries the claims of the token its client really held.
//! Checked on the generated output of `tenant-small.yaml`.

use crate::support::{ACTIVITY, Generated, MI_SIGNINS, SP_SIGNINS, TempDir, generate_and_load, s, scenario_path, time_of};
use chrono::TimeDelta;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use tenantless::scenario::model::TokenCacheMode;

fn small() -> &'static Generated {
    static OUTPUT: OnceLock<Generated> = OnceLock::new();
    OUTPUT.get_or_init(|| generate_and_load(&scenario_path("tenant-small.yaml"), &[]))
}

/// The object ids of the identities `scenario` declares itself (not its background's).
fn scenario_identities(scenario: &str) -> BTreeSet<String> {
    let options = tenantless::scenario::LoadOptions {
        background: Some(tenantless::scenario::model::BackgroundLevel::None),
        ..Default::default()
    };
    let loaded =
        tenantless::scenario::load_with(&scenario_path(scenario), tenantless::ids::IdSource::new(20_200_919), options).expect("load");
    loaded.tenant.identities.iter().map(|i| i.sp_object_id.to_string()).collect()
}

/// Service principals of `scenario` that sign in afresh on every run of some workload: the
/// scenario's pipelines (`arm_deployment` runs default to `per_run`) and per-run scripts.
fn per_run_identities(scenario: &str) -> BTreeSet<String> {
    let loaded = tenantless::scenario::load(&scenario_path(scenario), tenantless::ids::IdSource::new(20_200_919)).expect("load");
    let tenant = &loaded.tenant;
    tenant
        .workloads
        .iter()
        .filter(|w| w.token_cache == TokenCacheMode::PerRun)
        .map(|w| tenant.identities[w.identity].name.clone())
        .collect()
}

#[test]
fn a_managed_identity_signs_in_at_most_twice_a_day_per_resource() {
    let mut per_day: BTreeMap<(&str, &str, String), u32> = BTreeMap::new();
    for r in small().records(MI_SIGNINS) {
        let day = time_of(r).format("%Y-%m-%d").to_string();
        *per_day
            .entry((s(r, "ServicePrincipalId"), s(r, "ResourceIdentity"), day))
            .or_default() += 1;
    }
    assert!(!per_day.is_empty(), "tenant-small has managed identities that sign in");
    let over: Vec<_> = per_day.iter().filter(|(_, n)| **n > 2).collect();
    assert!(over.is_empty(), "more than two sign-ins a day: {over:?}");
    // The scenario's own 12 identities read all week: two resources each, about once a day (a
    // nightly job whose token outlives the next night's runs skips a day).
    let scenario_ids = scenario_identities("tenant-small.yaml");
    let total: u32 = per_day
        .iter()
        .filter(|((id, ..), _)| scenario_ids.contains(*id))
        .map(|(_, n)| n)
        .sum();
    assert!(
        (12 * 2 * 6..=12 * 2 * 9).contains(&total),
        "{total} managed identity sign-ins in the week"
    );
}

#[test]
fn a_service_principal_with_a_cached_token_does_not_sign_in_again_within_50_minutes() {
    let per_run = per_run_identities("tenant-small.yaml");
    assert!(
        per_run.contains("sp-ado-prod-deploy"),
        "the pipelines sign in on every run: {per_run:?}"
    );
    let mut last: BTreeMap<(&str, &str), chrono::DateTime<chrono::Utc>> = BTreeMap::new();
    let mut early = Vec::new();
    let mut checked = 0;
    for r in small().records(SP_SIGNINS) {
        let name = s(r, "ServicePrincipalName");
        if s(r, "ResultType") != "0" || per_run.contains(name) {
            continue;
        }
        let t = time_of(r);
        if let Some(previous) = last.insert((name, s(r, "ResourceIdentity")), t) {
            checked += 1;
            if t - previous < TimeDelta::minutes(50) {
                early.push(format!(
                    "{name} at {t}, {} min after its previous sign-in",
                    (t - previous).num_minutes()
                ));
            }
        }
    }
    assert!(checked > 100, "only {checked} repeated sign-ins were compared");
    assert!(early.is_empty(), "{}", early.join("\n"));
}

#[test]
fn sign_ins_are_far_fewer_than_the_calls_they_serve() {
    let g = small();
    let reads = g
        .records(crate::support::DIAGNOSTICS)
        .iter()
        .filter(|r| s(r, "OperationName") == "SecretGet")
        .count();
    let key_vault_signins = g
        .signins()
        .filter(|(_, r)| s(r, "ResourceIdentity") == crate::support::KEY_VAULT_APP)
        .count();
    // Before caching every read had its own sign-in (real-exports.md §1: ratio 1.0).
    assert!(
        (key_vault_signins as f64) < 0.4 * reads as f64,
        "{key_vault_signins} Key Vault sign-ins for {reads} reads"
    );
}

/// A scenario where one pipeline agent stays logged in (`token_cache: shared`) and deploys every
/// 20 minutes: one token serves three deployments, and their claims name it.
const AGENT: &str = "
name: agent
tenant: { domain: agent.onmicrosoft.com }
period: { start: 2026-11-23T08:00:00Z, duration: 4h }
subscriptions: [{ name: prod, resource_groups: [rg] }]
resources:
  sql_servers: [{ name: sql-01, resource_group: rg, databases: [appdb] }]
identities:
  - { name: sp-agent, kind: service_principal, credentials: [{ type: certificate }] }
workloads:
  - { identity: sp-agent, kind: arm_deployment, sql_database: sql-01/appdb, token_cache: shared, schedule: { every: 20m } }
";

#[test]
fn activity_claims_reference_the_cached_token_and_its_preceding_sign_in() {
    let tmp = TempDir::new("agent");
    tmp.write("agent.yaml", AGENT);
    let g = generate_and_load(&tmp.join("agent.yaml"), &[]);
    let signins: BTreeMap<&str, chrono::DateTime<chrono::Utc>> = g
        .records(SP_SIGNINS)
        .iter()
        .filter(|r| s(r, "ServicePrincipalName") == "sp-agent")
        .map(|r| (s(r, "UniqueTokenIdentifier"), time_of(r)))
        .collect();
    // 12 deployments in 4 hours, a token every hour or so.
    assert!((4..=6).contains(&signins.len()), "{} sign-ins", signins.len());
    let mut tokens_used = BTreeSet::new();
    let deployments: Vec<_> = g
        .records(ACTIVITY)
        .iter()
        .filter(|r| s(r, "OperationNameValue").contains("DEPLOYMENTS") || s(r, "OperationNameValue").contains("SQL"))
        .collect();
    for r in &deployments {
        let claims = &r["Claims_d"];
        let uti = claims["uti"].as_str().expect("uti");
        let issued = *signins.get(uti).unwrap_or_else(|| panic!("token {uti} comes from no sign-in"));
        let t = time_of(r);
        assert!(issued <= t && t - issued < TimeDelta::minutes(60), "{t}: token issued at {issued}");
        let claim = |k: &str| claims[k].as_str().and_then(|v| v.parse::<i64>().ok()).expect("numeric claim");
        // iat and nbf back-dated five minutes, exp an hour after issue: 3,900 s apart (AMD sample).
        assert_eq!(claim("iat"), issued.timestamp() - 300);
        assert_eq!(claim("nbf"), claim("iat"));
        assert_eq!(claim("exp") - claim("iat"), 3_900);
        assert_eq!(claims["appidacr"], "2", "a certificate");
        tokens_used.insert(uti);
    }
    assert!(tokens_used.len() < deployments.len() / 6, "deployments share tokens");
}
