//! The join map's checks (documented in `tests/join_map.rs`), shared by the end-to-end and the
//! property tests. Each returns the list of violations, empty when the output honours the rule.

use super::{
    ACTIVITY, ARM_APP, AUDIT, DIAGNOSTICS, GRAPH_APP, Generated, KEY_VAULT_APP, MI_SIGNINS, Record, SP_SIGNINS, is_dashed_guid, s, time_of,
};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// How long a token is used after the sign-in that issued it: a service principal's lives an hour
/// (MSAL renews it five minutes before), a managed identity's is cached by the platform for about
/// a day (real-exports.md §1–2).
pub fn token_window(signin_table: &str) -> TimeDelta {
    match signin_table {
        MI_SIGNINS => TimeDelta::hours(24),
        _ => TimeDelta::hours(1),
    }
}

/// One sign-in, reduced to what joins need.
#[derive(Debug, Clone)]
pub struct SignIn<'a> {
    pub table: &'static str,
    pub time: DateTime<Utc>,
    pub sp_id: &'a str,
    pub app_id: &'a str,
    pub resource: &'a str,
    pub ok: bool,
    pub ip: &'a str,
    pub uti: &'a str,
    pub name: &'a str,
}

/// Sign-ins of both tables indexed by (ServicePrincipalId, ResourceIdentity) and by token id.
pub struct SignIns<'a> {
    pub all: Vec<SignIn<'a>>,
    by_identity_resource: HashMap<(&'a str, &'a str), Vec<usize>>,
    by_token: HashMap<&'a str, Vec<usize>>,
}

impl<'a> SignIns<'a> {
    pub fn new(g: &'a Generated) -> Self {
        let mut all = Vec::new();
        for (table, r) in g.signins() {
            all.push(SignIn {
                table,
                time: time_of(r),
                sp_id: s(r, "ServicePrincipalId"),
                app_id: s(r, "AppId"),
                resource: s(r, "ResourceIdentity"),
                ok: s(r, "ResultType") == "0",
                ip: s(r, "IPAddress"),
                uti: s(r, "UniqueTokenIdentifier"),
                name: s(r, "ServicePrincipalName"),
            });
        }
        let mut by_identity_resource: HashMap<_, Vec<usize>> = HashMap::new();
        let mut by_token: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, signin) in all.iter().enumerate() {
            by_identity_resource.entry((signin.sp_id, signin.resource)).or_default().push(i);
            by_token.entry(signin.uti).or_default().push(i);
        }
        Self {
            all,
            by_identity_resource,
            by_token,
        }
    }

    /// Successful sign-ins of `sp_id` to `resource` whose token was still alive at `t`.
    pub fn preceding(&self, sp_id: &str, resource: &str, t: DateTime<Utc>) -> Vec<&SignIn<'a>> {
        self.by_identity_resource
            .get(&(sp_id, resource))
            .into_iter()
            .flatten()
            .map(|&i| &self.all[i])
            .filter(|x| x.ok && x.time <= t && t - x.time <= token_window(x.table))
            .collect()
    }

    pub fn with_token(&self, uti: &str) -> Vec<&SignIn<'a>> {
        self.by_token.get(uti).into_iter().flatten().map(|&i| &self.all[i]).collect()
    }
}

/// Anomaly kinds whose records break a join on purpose: that broken join is what their detections
/// look for (a token used without a sign-in, a replayed managed identity token, a renamed target).
pub const JOIN_BREAKING_ANOMALIES: [&str; 3] = ["activity_without_signin", "signin_from_unusual_ip", "rename_then_credential"];

/// Records the manifest labels as belonging to a join-breaking anomaly.
pub struct Exempt(Vec<(String, String, String)>);

impl Exempt {
    pub fn of(g: &Generated) -> Self {
        let mut keys = Vec::new();
        for label in g.manifest["anomalies"].as_array().into_iter().flatten() {
            if !JOIN_BREAKING_ANOMALIES.contains(&label["kind"].as_str().unwrap_or_default()) {
                continue;
            }
            for r in label["records"].as_array().into_iter().flatten() {
                let field = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
                keys.push((field("table"), field("column"), field("value")));
            }
        }
        Self(keys)
    }

    pub fn covers(&self, table: &str, record: &Record) -> bool {
        self.0
            .iter()
            .any(|(t, c, v)| t == table && record.get(c).and_then(Value::as_str) == Some(v.as_str()))
    }
}

fn claim<'r>(record: &'r Record, column: &str) -> Option<&'r str> {
    record.get(column).and_then(Value::as_str)
}

/// The caller's object id in Key Vault data-plane records (real-exports.md §5).
pub const KV_OBJECT_ID: &str = "identity_claim_oid_g";
/// The long form, on ARM-originated records only.
pub const KV_ARM_OBJECT_ID: &str = "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g";
pub const KV_APP_ID: &str = "identity_claim_appid_g";

/// Key Vault `AuditEvent` → a successful Key Vault sign-in of the caller (object id and app id)
/// whose token was alive. The SDK's challenge (`Authentication`, 401) carries no identity, and a
/// Microsoft service's read through ARM only the long-form claim; neither has a sign-in here.
pub fn key_vault_events(g: &Generated, signins: &SignIns) -> Vec<String> {
    let exempt = Exempt::of(g);
    let mut problems = Vec::new();
    for r in g
        .records(DIAGNOSTICS)
        .iter()
        .filter(|r| s(r, "Category") == "AuditEvent" && !exempt.covers(DIAGNOSTICS, r))
    {
        let t = time_of(r);
        if s(r, "OperationName") == "Authentication" {
            if r.contains_key(KV_OBJECT_ID) || r.contains_key(KV_APP_ID) || r.contains_key(KV_ARM_OBJECT_ID) {
                problems.push(format!("challenge {} carries an identity", s(r, "CorrelationId")));
            }
            continue;
        }
        if r.contains_key(KV_ARM_OBJECT_ID) {
            continue;
        }
        let (Some(oid), Some(appid)) = (claim(r, KV_OBJECT_ID), claim(r, KV_APP_ID)) else {
            problems.push(format!("AuditEvent {} lacks the caller claims", s(r, "CorrelationId")));
            continue;
        };
        let candidates = signins.preceding(oid, KEY_VAULT_APP, t);
        if candidates.is_empty() {
            problems.push(format!(
                "AuditEvent {} at {t} by {oid}: no successful Key Vault sign-in of that ServicePrincipalId whose token was still alive",
                s(r, "CorrelationId")
            ));
        } else if !candidates.iter().any(|c| c.app_id == appid) {
            problems.push(format!(
                "AuditEvent {} by {oid}: identity_claim_appid_g {appid} differs from the sign-ins' AppId {}",
                s(r, "CorrelationId"),
                candidates[0].app_id
            ));
        }
    }
    problems
}

/// `AzureActivity` → the ARM sign-in that issued its token: `Claims_d.uti` = `UniqueTokenIdentifier`,
/// `Caller` = `ServicePrincipalId`, `Claims_d.appid` = `AppId`, `CallerIpAddress` = `IPAddress`
/// (service principals; managed identity sign-ins record no address), sign-in ≤ activity ≤ sign-in + 1h.
pub fn activity_records(g: &Generated, signins: &SignIns) -> Vec<String> {
    let exempt = Exempt::of(g);
    let mut problems = Vec::new();
    for r in g.records(ACTIVITY).iter().filter(|r| !exempt.covers(ACTIVITY, r)) {
        let t = time_of(r);
        let caller = s(r, "Caller");
        let what = format!("AzureActivity {} ({}) at {t}", s(r, "EventDataId"), s(r, "OperationNameValue"));
        let claims = r.get("Claims_d").cloned().unwrap_or(Value::Null);
        let (Some(uti), Some(appid)) = (claims["uti"].as_str(), claims["appid"].as_str()) else {
            problems.push(format!("{what}: Claims_d lacks uti/appid"));
            continue;
        };
        if caller.contains('@') {
            // A person: their sign-ins are in SigninLogs, which is not written; the token names
            // them by UPN, and the client app they called with.
            let upn = claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"].as_str();
            if upn != Some(caller) || claims["idtyp"] != "user" || !is_dashed_guid(appid) {
                problems.push(format!("{what}: a person's token does not name the Caller {caller}"));
            }
            continue;
        }
        if claims["http://schemas.microsoft.com/identity/claims/objectidentifier"].as_str() != Some(caller) {
            problems.push(format!("{what}: the token's objectidentifier claim is not the Caller {caller}"));
        }
        let matches = signins.with_token(uti);
        let [signin] = matches.as_slice() else {
            problems.push(format!(
                "{what}: {} sign-ins have UniqueTokenIdentifier {uti}, expected one",
                matches.len()
            ));
            continue;
        };
        let mut bad = Vec::new();
        if signin.sp_id != caller {
            bad.push(format!("Caller {caller} ≠ ServicePrincipalId {}", signin.sp_id));
        }
        if signin.resource != ARM_APP {
            bad.push(format!("the token is for {} not ARM", signin.resource));
        }
        if !signin.ok {
            bad.push("the sign-in failed".to_owned());
        }
        if signin.app_id != appid {
            bad.push(format!("Claims_d.appid {appid} ≠ AppId {}", signin.app_id));
        }
        let caller_ip = s(r, "CallerIpAddress");
        let ip_ok = match signin.table {
            SP_SIGNINS => signin.ip == caller_ip,
            _ => signin.ip.is_empty(),
        };
        if !ip_ok {
            bad.push(format!("CallerIpAddress {caller_ip} ≠ IPAddress {}", signin.ip));
        }
        if !(signin.time <= t && t - signin.time <= token_window(signin.table)) {
            bad.push(format!("the sign-in at {} is not within its token's lifetime before", signin.time));
        }
        if !bad.is_empty() {
            problems.push(format!("{what}: {}", bad.join("; ")));
        }
    }
    problems
}

/// App-initiated `AuditLogs` → a successful Microsoft Graph sign-in of `InitiatedBy.app` at or up to
/// an hour before it, with the same `AppId`.
pub fn app_audit_records(g: &Generated, signins: &SignIns) -> Vec<String> {
    let exempt = Exempt::of(g);
    let mut problems = Vec::new();
    for r in g.records(AUDIT).iter().filter(|r| !exempt.covers(AUDIT, r)) {
        let Some(app) = r.get("InitiatedBy").and_then(|i| i.get("app")).filter(|a| a.is_object()) else {
            continue;
        };
        let t = time_of(r);
        let Some(sp_id) = app["servicePrincipalId"].as_str() else {
            // A Microsoft service (Intune, Teams) acting on its own: real records leave its ids
            // null (audit-operations.md §1.3), and its sign-ins are not the tenant's.
            if app["appId"].is_null() && app["displayName"].as_str().is_some_and(|n| !n.is_empty()) {
                continue;
            }
            problems.push(format!("AuditLogs {}: InitiatedBy.app has no servicePrincipalId", s(r, "Id")));
            continue;
        };
        let candidates = signins.preceding(sp_id, GRAPH_APP, t);
        if candidates.is_empty() {
            problems.push(format!(
                "AuditLogs {} at {t}: no successful Microsoft Graph sign-in of {sp_id} whose token was still alive",
                s(r, "Id")
            ));
        } else if !candidates.iter().any(|c| Some(c.app_id) == app["appId"].as_str()) {
            problems.push(format!(
                "AuditLogs {}: InitiatedBy.app.appId differs from the sign-in's AppId",
                s(r, "Id")
            ));
        }
    }
    problems
}

/// Credential changes (`… Certificates and secrets management`) target an app whose display name is
/// (case-insensitively) a service principal's `ServicePrincipalName` in `known`, or an application
/// registered (`Add application`) earlier in the data.
pub fn credential_changes(g: &Generated, known: &BTreeSet<String>) -> Vec<String> {
    let mut known: BTreeSet<String> = known.iter().map(|n| n.to_lowercase()).collect();
    let registered = g
        .records(AUDIT)
        .iter()
        .filter(|r| s(r, "OperationName") == "Add application")
        .filter_map(|r| r["TargetResources"][0]["displayName"].as_str());
    known.extend(registered.map(str::to_lowercase));
    let exempt = Exempt::of(g);
    let mut problems = Vec::new();
    for r in g.records(AUDIT).iter().filter(|r| !exempt.covers(AUDIT, r)) {
        if !s(r, "OperationName").contains("Certificates and secrets management") {
            continue;
        }
        match r
            .get("TargetResources")
            .and_then(|t| t.get(0))
            .and_then(|t| t.get("displayName"))
            .and_then(Value::as_str)
        {
            Some(name) if known.contains(&name.to_lowercase()) => {}
            other => problems.push(format!(
                "AuditLogs {}: TargetResources[0].displayName {other:?} names no known service principal",
                s(r, "Id")
            )),
        }
    }
    problems
}

/// Names of the service principals that signed in.
pub fn signed_in_sp_names(g: &Generated) -> BTreeSet<String> {
    g.records(SP_SIGNINS)
        .iter()
        .map(|r| s(r, "ServicePrincipalName").to_owned())
        .collect()
}

/// `AzureDiagnostics.SubscriptionId` (and `AzureActivity.SubscriptionId`): a subscription of the
/// scenario, the same in `_SubscriptionId`, in `ResourceId`, and in `resource_subscriptionId_g`.
pub fn subscriptions(g: &Generated, known: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    for (table, r) in g
        .records(DIAGNOSTICS)
        .iter()
        .map(|r| (DIAGNOSTICS, r))
        .chain(g.records(ACTIVITY).iter().map(|r| (ACTIVITY, r)))
    {
        let sub = s(r, "SubscriptionId");
        let mut bad = Vec::new();
        if !is_dashed_guid(sub) {
            bad.push("is not a GUID".to_owned());
        }
        if !known.contains(sub) {
            bad.push(format!("is none of the scenario's subscriptions {known:?}"));
        }
        if r.get("_SubscriptionId").and_then(Value::as_str) != Some(sub) {
            bad.push("differs from _SubscriptionId".to_owned());
        }
        let resource_id = s(r, "ResourceId").to_lowercase();
        if !resource_id.starts_with(&format!("/subscriptions/{sub}/")) {
            bad.push(format!("is not the subscription of ResourceId {resource_id}"));
        }
        if let Some(v) = r.get("resource_subscriptionId_g")
            && v.as_str() != Some(sub)
        {
            bad.push(format!("differs from resource_subscriptionId_g {v}"));
        }
        if !bad.is_empty() {
            problems.push(format!("{table} SubscriptionId {sub} {}", bad.join("; ")));
        }
    }
    problems
}

/// `WorkflowRuntime` records carry no trace of any identity: no value equals a sign-in's
/// `ServicePrincipalId` or `AppId` (only time and resource type relate them, as in the seed).
pub fn workflow_records_anonymous(g: &Generated) -> Vec<String> {
    let ids: BTreeSet<String> = g
        .signins()
        .flat_map(|(_, r)| [s(r, "ServicePrincipalId"), s(r, "AppId")])
        .map(str::to_lowercase)
        .collect();
    let mut problems = Vec::new();
    for r in g.records(DIAGNOSTICS).iter().filter(|r| s(r, "Category") == "WorkflowRuntime") {
        for (column, value) in r {
            let text = match value {
                Value::String(t) => t.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            let lower = text.to_lowercase();
            if let Some(id) = ids.iter().find(|id| lower.contains(*id)) {
                problems.push(format!("WorkflowRuntime {column} = {text} carries identity id {id}"));
            }
        }
    }
    problems
}

/// The subscription ids the scenario resolves to under `seed`.
pub fn scenario_subscriptions(g: &Generated, seed: u64) -> BTreeSet<String> {
    let tenant = tenantless::scenario::parse(&g.scenario, &g.scenario_text, tenantless::ids::IdSource::new(seed))
        .unwrap_or_else(|e| panic!("the scenario does not load: {e}"));
    tenant.subscriptions.iter().map(|s| s.id.to_string()).collect()
}

/// Names of the scenario's service principals (what their sign-ins' `ServicePrincipalName` is),
/// also those that never sign in.
pub fn scenario_sp_names(g: &Generated, seed: u64) -> BTreeSet<String> {
    let tenant = tenantless::scenario::parse(&g.scenario, &g.scenario_text, tenantless::ids::IdSource::new(seed))
        .unwrap_or_else(|e| panic!("the scenario does not load: {e}"));
    tenant
        .identities
        .iter()
        .filter(|i| i.kind == tenantless::scenario::model::IdentityKind::ServicePrincipal)
        .map(|i| i.name.clone())
        .collect()
}

/// Every rule of the join map at once; `known_sps` are the service principal names credential changes may target.
pub fn check_all(g: &Generated, known_sps: &BTreeSet<String>, known_subscriptions: &BTreeSet<String>) -> Vec<String> {
    let signins = SignIns::new(g);
    let mut problems = key_vault_events(g, &signins);
    problems.extend(activity_records(g, &signins));
    problems.extend(app_audit_records(g, &signins));
    problems.extend(credential_changes(g, known_sps));
    problems.extend(subscriptions(g, known_subscriptions));
    problems.extend(workflow_records_anonymous(g));
    problems
}

/// Tables whose records are sign-ins (for messages).
pub const SIGNIN_TABLES: [&str; 2] = [MI_SIGNINS, SP_SIGNINS];
