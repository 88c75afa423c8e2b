//! What the report needs to know of one record: when, who, what it touched and what it shares with
//! other records. Read from the record's own columns, so the report works on any `generate` output
//! (and on records that came from elsewhere in the same shape).

use serde::Deserialize;
use std::borrow::Cow;

/// One record, reduced to what the timeline and the graph show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// `TimeGenerated`, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// Who acted: the identity's object id (a service principal's, or a user's), or, for a Logic
    /// App run that carries no caller, the workflow (`workflow:<name>`).
    pub actor: Option<String>,
    /// A display name the record gives the actor, if any.
    pub actor_name: Option<String>,
    /// What the record touched, when it names it.
    pub resource: Option<Resource>,
    /// The keys it shares with the records it correlates with.
    pub links: Vec<Link>,
    /// Its `Id` column, when it has one (sign-ins, audit records): labels may name records by it.
    pub id: Option<String>,
    /// Its `Category` column (the diagnostic-settings category that delivered it).
    pub category: Option<String>,
    /// `_BilledSize`, when the record carries it.
    pub billed_size: Option<u64>,
}

/// A resource an identity touched, as the correlation graph groups them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Resource {
    /// What kind of resource it is.
    pub kind: ResourceKind,
    /// Its name as the records give it.
    pub name: String,
}

/// The kinds of resources the five tables name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// The resource application a token was issued for (`ResourceDisplayName` of a sign-in).
    TokenAudience,
    /// A Key Vault (`Resource` of an `AuditEvent`).
    KeyVault,
    /// A Logic App workflow (`resource_workflowName_s`).
    LogicApp,
    /// An Azure subscription an ARM operation ran in.
    Subscription,
    /// A directory object a Graph change targeted (`TargetResources[0]`).
    DirectoryObject,
}

/// A key two records correlate by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Link {
    /// The same access token: a sign-in's `UniqueTokenIdentifier`, the `uti` claim of the ARM
    /// calls made with it.
    Token(String),
    /// The same `CorrelationId` (an ARM operation's statuses, a Graph change's audit records).
    Correlation(String),
    /// The same Logic App run (`resource_runId_s`).
    Run(String),
}

impl Link {
    /// The key as the page's script compares them: a prefix per kind, then the value.
    pub fn key(&self) -> String {
        match self {
            Link::Token(v) => format!("token:{v}"),
            Link::Correlation(v) => format!("correlation:{v}"),
            Link::Run(v) => format!("run:{v}"),
        }
    }
}

/// The columns any of the five tables may hold that the report reads; serde skips the others.
#[derive(Deserialize)]
struct Columns<'a> {
    #[serde(borrow, rename = "TimeGenerated")]
    time: Cow<'a, str>,
    #[serde(borrow, default, rename = "Id")]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "Category")]
    category: Option<Cow<'a, str>>,
    #[serde(default, rename = "_BilledSize")]
    billed_size: Option<f64>,
    #[serde(borrow, default, rename = "ServicePrincipalId")]
    service_principal_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "ServicePrincipalName")]
    service_principal_name: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "ResourceDisplayName")]
    resource_display_name: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "UniqueTokenIdentifier")]
    token: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "CorrelationId")]
    correlation_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "Caller")]
    caller: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "Claims_d")]
    claims: Option<Claims<'a>>,
    #[serde(borrow, default, rename = "SubscriptionId")]
    subscription_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "Resource")]
    resource: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "identity_claim_oid_g")]
    claim_oid: Option<Cow<'a, str>>,
    /// AZKVAuditLogs (Key Vault's resource-specific table) keeps the caller's claims in one dynamic
    /// column, `Identity.claim` (docs/reference/resource-specific.md §1.3).
    #[serde(default, rename = "Identity")]
    identity: Option<IdentityColumn>,
    #[serde(borrow, default, rename = "_ResourceId")]
    resource_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "resource_workflowName_s")]
    workflow: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "resource_runId_s")]
    run_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "InitiatedBy")]
    initiated_by: Option<InitiatedBy<'a>>,
    #[serde(borrow, default, rename = "TargetResources")]
    targets: Option<Vec<Target<'a>>>,
}

#[derive(Deserialize)]
struct Claims<'a> {
    #[serde(borrow, default)]
    uti: Option<Cow<'a, str>>,
}

/// `Identity`: AZKVAuditLogs' claims object, or the sign-in tables' `Identity` string (a name).
#[derive(Deserialize)]
#[serde(untagged)]
enum IdentityColumn {
    Claims { claim: Option<IdentityClaims> },
    Other(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct IdentityClaims {
    #[serde(default)]
    oid: Option<Cow<'static, str>>,
    #[serde(default, rename = "http://schemas.microsoft.com/identity/claims/objectidentifier")]
    object_id: Option<Cow<'static, str>>,
}

#[derive(Deserialize)]
struct InitiatedBy<'a> {
    #[serde(borrow, default)]
    app: Option<Principal<'a>>,
    #[serde(borrow, default)]
    user: Option<Principal<'a>>,
}

#[derive(Deserialize)]
struct Principal<'a> {
    #[serde(borrow, default, rename = "servicePrincipalId")]
    service_principal_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "displayName")]
    display_name: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "userPrincipalName")]
    user_principal_name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Target<'a> {
    #[serde(borrow, default, rename = "displayName")]
    display_name: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "type")]
    kind: Option<Cow<'a, str>>,
}

/// Why a line is not a record the report can place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactsError {
    /// Not a JSON object with the columns' expected types.
    Json(String),
    /// `TimeGenerated` is not an ISO 8601 instant.
    Time(String),
}

impl std::fmt::Display for FactsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FactsError::Json(e) => write!(f, "not a record: {e}"),
            FactsError::Time(t) => write!(f, "TimeGenerated `{t}` is not an ISO 8601 instant"),
        }
    }
}

fn present(value: &Option<Cow<'_, str>>) -> Option<String> {
    value.as_deref().filter(|v| !v.is_empty()).map(str::to_owned)
}

/// The facts of one NDJSON record line.
pub fn of_line(line: &str) -> Result<Facts, FactsError> {
    let c: Columns<'_> = serde_json::from_str(line).map_err(|e| FactsError::Json(e.to_string()))?;
    let time = crate::timefmt::parse_ts(&c.time).ok_or_else(|| FactsError::Time(c.time.to_string()))?;
    let mut links = Vec::new();
    let token = present(&c.token).or_else(|| c.claims.as_ref().and_then(|claims| present(&claims.uti)));
    links.extend(token.map(Link::Token));
    links.extend(present(&c.correlation_id).map(Link::Correlation));
    links.extend(present(&c.run_id).map(Link::Run));
    let (actor, actor_name) = actor_of(&c);
    Ok(Facts {
        time_ms: time.timestamp_millis(),
        actor,
        actor_name,
        resource: resource_of(&c),
        links,
        id: present(&c.id),
        category: present(&c.category),
        billed_size: c.billed_size.filter(|b| *b >= 0.0).map(|b| b as u64),
    })
}

/// Who acted, by the first column of these that the record fills: a sign-in's principal, an ARM
/// caller, a Key Vault token's object id, a Graph change's initiator, else a workflow run's name.
fn actor_of(c: &Columns<'_>) -> (Option<String>, Option<String>) {
    if let Some(id) = present(&c.service_principal_id) {
        return (Some(id), present(&c.service_principal_name));
    }
    let claims = match &c.identity {
        Some(IdentityColumn::Claims { claim }) => claim.as_ref(),
        _ => None,
    };
    let claimed = claims.and_then(|claim| present(&claim.oid).or_else(|| present(&claim.object_id)));
    if let Some(id) = present(&c.caller).or_else(|| present(&c.claim_oid)).or(claimed) {
        return (Some(id), None);
    }
    if let Some(by) = &c.initiated_by {
        if let Some(app) = &by.app
            && let Some(id) = present(&app.service_principal_id)
        {
            return (Some(id), present(&app.display_name));
        }
        if let Some(user) = &by.user
            && let Some(id) = present(&user.id)
        {
            return (Some(id), present(&user.user_principal_name));
        }
    }
    match present(&c.workflow) {
        Some(name) => (Some(format!("workflow:{name}")), Some(format!("Logic App {name}"))),
        None => (None, None),
    }
}

fn resource_of(c: &Columns<'_>) -> Option<Resource> {
    let named = |kind, name: Option<String>| name.map(|name| Resource { kind, name });
    if c.service_principal_id.is_some() && c.resource_display_name.is_some() {
        return named(ResourceKind::TokenAudience, present(&c.resource_display_name));
    }
    if let Some(workflow) = present(&c.workflow) {
        return named(ResourceKind::LogicApp, Some(workflow));
    }
    if c.claim_oid.is_some() || (c.caller.is_none() && c.initiated_by.is_none() && c.resource.is_some()) {
        return named(ResourceKind::KeyVault, present(&c.resource).map(|r| r.to_lowercase()));
    }
    // AZKVAuditLogs names the vault only in its `_ResourceId`.
    let vault = c.resource_id.as_deref().and_then(|id| {
        let lower = id.to_ascii_lowercase();
        let at = lower.find("/providers/microsoft.keyvault/vaults/")? + "/providers/microsoft.keyvault/vaults/".len();
        Some(lower[at..].trim_end_matches('/').to_owned())
    });
    if c.caller.is_none() && c.initiated_by.is_none() && vault.is_some() {
        return named(ResourceKind::KeyVault, vault);
    }
    if c.caller.is_some() {
        return named(ResourceKind::Subscription, present(&c.subscription_id));
    }
    // An unnamed target (a user, a device) stands for its type: the graph shows that an identity
    // changes users, not each of a thousand user ids.
    let target = c.targets.as_ref()?.first()?;
    let name = present(&target.display_name).or_else(|| present(&target.kind).map(|kind| format!("{kind} objects")));
    named(ResourceKind::DirectoryObject, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_in_links_by_token_and_correlation_and_touches_its_audience() {
        let line = r#"{"TimeGenerated":"2026-11-27T01:30:40.8189678Z","ServicePrincipalId":"sp-1","ServicePrincipalName":"app","Identity":"app","ResourceDisplayName":"Azure Key Vault","UniqueTokenIdentifier":"tok","CorrelationId":"c-1"}"#;
        let facts = of_line(line).unwrap();
        assert_eq!(facts.actor.as_deref(), Some("sp-1"));
        assert_eq!(facts.actor_name.as_deref(), Some("app"));
        assert_eq!(facts.links, vec![Link::Token("tok".into()), Link::Correlation("c-1".into())]);
        assert_eq!(facts.resource.unwrap().kind, ResourceKind::TokenAudience);
        assert_eq!(facts.time_ms, 1_795_743_040_818); // 2026-11-27T01:30:40.818Z
    }

    #[test]
    fn an_arm_call_links_to_its_token_by_the_uti_claim() {
        let line = r#"{"TimeGenerated":"2026-11-27T01:30:40Z","Caller":"sp-1","Claims_d":{"uti":"tok","aud":"x"},"CorrelationId":"c-2","SubscriptionId":"sub","Resource":"vm-1"}"#;
        let facts = of_line(line).unwrap();
        assert_eq!(facts.links, vec![Link::Token("tok".into()), Link::Correlation("c-2".into())]);
        assert_eq!(
            facts.resource,
            Some(Resource {
                kind: ResourceKind::Subscription,
                name: "sub".into()
            })
        );
    }

    #[test]
    fn a_graph_change_is_its_initiators_and_targets_the_first_object() {
        let line = r#"{"TimeGenerated":"2026-11-27T01:30:40Z","InitiatedBy":{"app":{"servicePrincipalId":"sp-2","displayName":"automation"},"user":null},"TargetResources":[{"id":"p-1","displayName":"Require MFA","type":"Policy"}],"CorrelationId":"c-3","Resource":"Microsoft.aadiam"}"#;
        let facts = of_line(line).unwrap();
        assert_eq!(
            (facts.actor.as_deref(), facts.actor_name.as_deref()),
            (Some("sp-2"), Some("automation"))
        );
        assert_eq!(facts.resource.unwrap().name, "Require MFA");
        let unnamed = line.replace(
            r#""displayName":"Require MFA","type":"Policy""#,
            r#""displayName":null,"type":"User""#,
        );
        assert_eq!(of_line(&unnamed).unwrap().resource.unwrap().name, "User objects");
    }

    #[test]
    fn a_workflow_run_without_a_caller_is_the_workflows() {
        let line = r#"{"TimeGenerated":"2026-11-27T01:30:40Z","Resource":"LA-1","resource_workflowName_s":"la-1","resource_runId_s":"r-1","CorrelationId":""}"#;
        let facts = of_line(line).unwrap();
        assert_eq!(facts.actor.as_deref(), Some("workflow:la-1"));
        assert_eq!(facts.links, vec![Link::Run("r-1".into())]);
        assert_eq!(facts.resource.unwrap().kind, ResourceKind::LogicApp);
    }

    #[test]
    fn a_key_vault_read_is_its_tokens_object_and_touches_the_vault() {
        let line = r#"{"TimeGenerated":"2026-11-27T01:30:40Z","Resource":"KV-1","identity_claim_oid_g":"sp-3","CorrelationId":"c-4"}"#;
        let facts = of_line(line).unwrap();
        assert_eq!(facts.actor.as_deref(), Some("sp-3"));
        assert_eq!(
            facts.resource,
            Some(Resource {
                kind: ResourceKind::KeyVault,
                name: "kv-1".into()
            })
        );
    }

    #[test]
    fn a_resource_specific_key_vault_record_is_its_claimed_objects_and_names_the_vault_in_its_resource_id() {
        let line = r#"{"TimeGenerated":"2026-11-27T01:30:40Z","Identity":{"claim":{"oid":"sp-4","appid":"a"}},"_ResourceId":"/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-2","CorrelationId":"c-5"}"#;
        let facts = of_line(line).unwrap();
        assert_eq!(facts.actor.as_deref(), Some("sp-4"));
        assert_eq!(
            facts.resource,
            Some(Resource {
                kind: ResourceKind::KeyVault,
                name: "kv-2".into()
            })
        );
        let long = line.replace(
            r#""oid":"sp-4""#,
            r#""http://schemas.microsoft.com/identity/claims/objectidentifier":"sp-5""#,
        );
        assert_eq!(of_line(&long).unwrap().actor.as_deref(), Some("sp-5"));
    }

    #[test]
    fn an_azkvauditlogs_read_is_its_identitys_object_and_touches_the_vault() {
        let line = r#"{"TimeGenerated":"2026-11-27T01:30:40Z","Identity":{"claim":{"oid":"sp-3"}},"_ResourceId":"/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-1","CorrelationId":"c-4"}"#;
        let facts = of_line(line).unwrap();
        assert_eq!(facts.actor.as_deref(), Some("sp-3"));
        assert_eq!(facts.links, vec![Link::Correlation("c-4".into())]);
        assert_eq!(
            facts.resource,
            Some(Resource {
                kind: ResourceKind::KeyVault,
                name: "kv-1".into()
            })
        );
        // The SDK's unauthenticated challenge: an empty identity, still the vault's.
        let challenge = line.replace(r#"{"claim":{"oid":"sp-3"}}"#, "{}");
        assert_eq!(of_line(&challenge).unwrap().resource.unwrap().name, "kv-1");
    }

    #[test]
    fn a_line_without_a_time_is_refused() {
        assert!(matches!(of_line(r#"{"TimeGenerated":"yesterday"}"#), Err(FactsError::Time(_))));
        assert!(matches!(of_line("[1]"), Err(FactsError::Json(_))));
    }
}
