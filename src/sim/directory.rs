//! Directory changes as their audit records describe them: which objects an operation touches, in
//! which order, with which properties (audit-operations.md §2–§3). Every builder returns the
//! records of one change, sharing a `CorrelationId`; the caller places them in time.

use super::event::{AuditTarget, DirectoryAudit, Initiator, Modified};
use crate::catalog::directory::{self as op, DirectoryOperation};
use crate::catalog::roles::AppRole;
use crate::ids::{SimRng, random_guid};
use crate::scenario::model::CredentialOn;
use crate::scenario::tenant::{CaPolicy, Identity, Tenant};
use crate::timefmt::format_ts;
use chrono::{DateTime, Utc};
use rand::RngExt;
use serde_json::json;
use std::borrow::Cow;
use uuid::Uuid;

/// A JSON string literal, as a scalar `oldValue`/`newValue` (`"\"Global Administrator\""`).
pub fn text(value: &str) -> String {
    json!(value).to_string()
}

/// A JSON list of strings, as list-valued properties are written (`"[\"Member\"]"`).
pub fn list<S: AsRef<str>>(values: &[S]) -> String {
    json!(values.iter().map(AsRef::as_ref).collect::<Vec<_>>()).to_string()
}

/// A modified property.
pub fn changed(name: impl Into<Cow<'static, str>>, old: Option<String>, new: Option<String>) -> Modified {
    Modified {
        name: name.into(),
        old,
        new,
    }
}

/// `Included Updated Properties`: the names changed, comma and space separated.
pub fn included(names: &[&str]) -> Modified {
    changed("Included Updated Properties", None, Some(text(&names.join(", "))))
}

/// One record of a change, before it is given its initiator and correlation id.
#[derive(Debug, Clone)]
pub struct Change {
    /// The operation recorded.
    pub operation: &'static DirectoryOperation,
    /// `TargetResources`.
    pub targets: Vec<AuditTarget>,
    /// `AdditionalDetails`.
    pub additional: Vec<(&'static str, String)>,
    /// `ResultReason`.
    pub reason: String,
}

impl Change {
    /// A record of `operation` on `targets`, with no additional details.
    pub fn new(operation: &'static DirectoryOperation, targets: Vec<AuditTarget>) -> Self {
        Self {
            operation,
            targets,
            additional: Vec::new(),
            reason: String::new(),
        }
    }

    /// The same record with these `AdditionalDetails`.
    pub fn with_details(mut self, additional: Vec<(&'static str, String)>) -> Self {
        self.additional = additional;
        self
    }
}

/// The records of one change by `initiator`, sharing one `CorrelationId`.
pub fn records(initiator: &Initiator, changes: Vec<Change>, success: bool, rng: &mut SimRng) -> Vec<DirectoryAudit> {
    let correlation_id = random_guid(rng);
    changes
        .into_iter()
        .map(|c| DirectoryAudit {
            operation: c.operation,
            initiator: initiator.clone(),
            targets: c.targets,
            additional: c.additional,
            success,
            reason: c.reason,
            correlation_id,
            id_suffix: audit_suffix(rng),
        })
        .collect()
}

/// The `<5 upper-case letters and digits>_<number>` tail of an AuditLogs `Id` (`6X649`, `7H1JL`,
/// `AUMVX`: real-exports.md §3).
fn audit_suffix(rng: &mut SimRng) -> String {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let middle: String = (0..5).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    format!("{middle}_{}", rng.random_range(10_000_000..999_999_999u32))
}

/// The initiator block of a workload identity acting through Microsoft Graph: app-initiated
/// records carry no address (seed, Graph scenario).
pub fn app_initiator(identity: &Identity) -> Initiator {
    Initiator::App {
        display_name: identity.name.clone(),
        app_id: Some(identity.app_id),
        sp_id: Some(identity.sp_object_id),
    }
}

/// An application as directory records name it: its registration, its service principal in this
/// tenant, and the credentials it has.
#[derive(Debug, Clone)]
pub struct AppView<'a> {
    /// Display name.
    pub name: &'a str,
    /// Application (client) id.
    pub app_id: Uuid,
    /// Its service principal's object id.
    pub sp_id: Uuid,
    /// Its application object's id.
    pub application_object_id: Uuid,
    /// Its credentials: key id, whether a certificate, display name.
    pub credentials: Vec<(Uuid, bool, &'a str)>,
}

impl<'a> AppView<'a> {
    /// A workload identity's application.
    pub fn of_identity(identity: &'a Identity) -> Self {
        Self {
            name: &identity.name,
            app_id: identity.app_id,
            sp_id: identity.sp_object_id,
            application_object_id: identity.application_object_id,
            credentials: identity
                .credentials
                .iter()
                .map(|c| (c.key_id, c.thumbprint.is_some(), c.name.as_str()))
                .collect(),
        }
    }

    /// An application that is none of the identities.
    pub fn of_application(app: &'a crate::scenario::tenant::Application) -> Self {
        Self {
            name: &app.name,
            app_id: app.app_id,
            sp_id: app.sp_object_id,
            application_object_id: app.application_object_id,
            credentials: Vec::new(),
        }
    }
}

/// The application object behind a service principal (its `id` is not the SP's).
pub fn application_target(app: &AppView<'_>, display_name: &str, modified: Vec<Modified>) -> AuditTarget {
    AuditTarget {
        id: Some(app.application_object_id.to_string()),
        display_name: Some(display_name.to_owned()),
        kind: Some("Application"),
        modified,
        ..AuditTarget::default()
    }
}

/// A service principal target; `TargetId.ServicePrincipalNames` lists its app id.
pub fn service_principal_target(sp_id: Uuid, display_name: &str, app_id: &str, mut modified: Vec<Modified>) -> AuditTarget {
    modified.push(changed("TargetId.ServicePrincipalNames", None, Some(text(app_id))));
    AuditTarget {
        id: Some(sp_id.to_string()),
        display_name: Some(display_name.to_owned()),
        kind: Some("ServicePrincipal"),
        modified,
        ..AuditTarget::default()
    }
}

/// `AdditionalDetails` of an application change made in the portal: its user agent and app id.
pub fn application_details(user_agent: &str, app: &AppView<'_>) -> Vec<(&'static str, String)> {
    vec![("User-Agent", user_agent.to_owned()), ("AppId", app.app_id.to_string())]
}

/// A credential as `KeyDescription` lists it.
pub fn key_description(key_id: Uuid, certificate: bool, display_name: &str) -> String {
    let key_type = if certificate { "AsymmetricX509Cert" } else { "Password" };
    format!("[KeyIdentifier={key_id},KeyType={key_type},KeyUsage=Verify,DisplayName={display_name}]")
}

/// A credential added: the identity's existing keys, then the new one, in `KeyDescription`.
pub struct NewCredential<'a> {
    /// The new key's id.
    pub key_id: Uuid,
    /// A certificate rather than a client secret.
    pub certificate: bool,
    /// The application's display name at the time (after a rename, the new one).
    pub display_name: &'a str,
    /// The portal's user agent, or the client's.
    pub user_agent: &'a str,
}

/// The records of a credential added to `identity`'s application or service principal.
pub fn credential_added(app: &AppView<'_>, on: CredentialOn, new: &NewCredential<'_>) -> Vec<Change> {
    let old: Vec<String> = app
        .credentials
        .iter()
        .map(|(key, certificate, name)| key_description(*key, *certificate, name))
        .collect();
    let mut all = old.clone();
    let name = if new.certificate {
        format!("CN={}", new.display_name)
    } else {
        "added".to_owned()
    };
    all.push(key_description(new.key_id, new.certificate, &name));
    let keys = vec![
        changed("KeyDescription", Some(list(&old)), Some(list(&all))),
        included(&["KeyDescription"]),
    ];
    let details = application_details(new.user_agent, app);
    match on {
        CredentialOn::Application => {
            vec![Change::new(&op::APPLICATION_CREDENTIALS, vec![application_target(app, new.display_name, keys)]).with_details(details)]
        }
        CredentialOn::ServicePrincipal => {
            let app_id = app.app_id.to_string();
            let sp = |modified| service_principal_target(app.sp_id, new.display_name, &app_id, modified);
            vec![
                Change::new(&op::ADD_SERVICE_PRINCIPAL_CREDENTIALS, vec![sp(keys)]).with_details(details.clone()),
                Change::new(&op::UPDATE_SERVICE_PRINCIPAL, vec![sp(Vec::new())]).with_details(details),
            ]
        }
    }
}

/// The record of an application's rename (its service principal follows).
pub fn application_renamed(app: &AppView<'_>, old_name: &str, new_name: &str, user_agent: &str) -> Vec<Change> {
    let modified = vec![
        changed("DisplayName", Some(list(&[old_name])), Some(list(&[new_name]))),
        included(&["DisplayName"]),
    ];
    vec![
        Change::new(&op::UPDATE_APPLICATION, vec![application_target(app, new_name, modified)])
            .with_details(application_details(user_agent, app)),
    ]
}

/// An app role of a resource API (`resource_sp`, named `resource_name` with app id `resource_app_id`)
/// granted to `assignee`. The resource comes first in `TargetResources`, with the role and the
/// assignee in its properties; the assignee second, displayed by its app id (audit-operations.md
/// §2.1, SEK records).
pub fn app_role_assigned(
    (resource_sp, resource_name, resource_app_id): (Uuid, &str, &str),
    assignee: &AppView<'_>,
    role: &AppRole,
    at: DateTime<Utc>,
    user_agent: &str,
) -> Vec<Change> {
    let when = text(&format_ts(at));
    let assignee_app = assignee.app_id.to_string();
    let set = |name: &'static str, value: String| changed(name, None, Some(value));
    let resource = service_principal_target(
        resource_sp,
        resource_name,
        resource_app_id,
        vec![
            set("AppRole.Id", text(role.id)),
            set("AppRole.Value", text(role.value)),
            set("AppRole.DisplayName", text(role.display_name)),
            set("AppRoleAssignment.CreatedDateTime", when.clone()),
            set("AppRoleAssignment.LastModifiedDateTime", when),
            set("ServicePrincipal.ObjectID", text(&assignee.sp_id.to_string())),
            set("ServicePrincipal.DisplayName", text(assignee.name)),
            set("ServicePrincipal.AppId", text(&assignee_app)),
            set("ServicePrincipal.Name", text(&assignee_app)),
        ],
    );
    let assignee_target = AuditTarget {
        id: Some(assignee.sp_id.to_string()),
        display_name: Some(assignee_app.clone()),
        kind: Some("ServicePrincipal"),
        ..AuditTarget::default()
    };
    let details = vec![("User-Agent", user_agent.to_owned()), ("AppId", assignee_app)];
    vec![Change::new(&op::ADD_APP_ROLE_ASSIGNMENT, vec![resource, assignee_target]).with_details(details)]
}

/// What a change does to a Conditional Access policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyChange {
    /// Created, enabled.
    Create,
    /// Switched to report-only (`enabledForReportingButNotEnforced`).
    ReportOnly,
    /// Disabled.
    Disable,
    /// A user (by object id) excluded from it, still enabled.
    ExcludeUser(uuid::Uuid),
    /// Deleted.
    Delete,
}

/// The full policy JSON `ConditionalAccessPolicy` old and new values carry (audit-operations.md
/// §2.7; PAN and SEK records), for a policy requiring MFA of every user in `state`.
pub fn policy_json(tenant: &Tenant, policy: &CaPolicy, state: &str, modified: DateTime<Utc>) -> serde_json::Value {
    let created = tenant.start - chrono::TimeDelta::days(200);
    json!({
        "id": policy.id.to_string(),
        "displayName": policy.name,
        "createdDateTime": format_ts(created),
        "modifiedDateTime": format_ts(modified),
        "state": state,
        "conditions": {
            "applications": {"includeApplications": ["All"], "excludeApplications": [], "includeUserActions": [], "includeAuthenticationContextClassReferences": [], "applicationFilter": null},
            "users": {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": [], "excludeGroups": [], "includeRoles": [], "excludeRoles": [], "includeGuestsOrExternalUsers": null, "excludeGuestsOrExternalUsers": null},
            "platforms": null,
            "locations": null,
            "userRiskLevels": [],
            "signInRiskLevels": [],
            "clientAppTypes": ["all"],
            "devices": null,
            "servicePrincipalRiskLevels": []
        },
        "grantControls": {"operator": "OR", "builtInControls": ["mfa"], "customAuthenticationFactors": [], "termsOfUse": []},
        "sessionControls": null
    })
}

/// The records of a change to a Conditional Access policy at `at`: the Core Directory policy
/// object's record, then the Conditional Access service's with the full policy before and after.
pub fn conditional_access_changed(tenant: &Tenant, policy: &CaPolicy, change: PolicyChange, at: DateTime<Utc>) -> Vec<Change> {
    let before = policy_json(tenant, policy, "enabled", tenant.start - chrono::TimeDelta::days(30));
    let (core, ca, old, new) = match change {
        PolicyChange::Create => (
            &op::ADD_POLICY,
            &op::ADD_CONDITIONAL_ACCESS_POLICY,
            None,
            Some(policy_json(tenant, policy, "enabled", at)),
        ),
        PolicyChange::ReportOnly => (
            &op::UPDATE_POLICY,
            &op::UPDATE_CONDITIONAL_ACCESS_POLICY,
            Some(before),
            Some(policy_json(tenant, policy, "enabledForReportingButNotEnforced", at)),
        ),
        PolicyChange::Disable => (
            &op::UPDATE_POLICY,
            &op::UPDATE_CONDITIONAL_ACCESS_POLICY,
            Some(before),
            Some(policy_json(tenant, policy, "disabled", at)),
        ),
        PolicyChange::ExcludeUser(user) => {
            let mut after = policy_json(tenant, policy, "enabled", at);
            after["conditions"]["users"]["excludeUsers"] = json!([user.to_string()]);
            (&op::UPDATE_POLICY, &op::UPDATE_CONDITIONAL_ACCESS_POLICY, Some(before), Some(after))
        }
        PolicyChange::Delete => (&op::DELETE_POLICY, &op::DELETE_CONDITIONAL_ACCESS_POLICY, Some(before), None),
    };
    let target = |modified| AuditTarget {
        id: Some(policy.id.to_string()),
        display_name: Some(policy.name.clone()),
        kind: Some("Policy"),
        modified,
        ..AuditTarget::default()
    };
    let core_modified = match change {
        PolicyChange::Delete => Vec::new(),
        _ => vec![
            changed("PolicyDetail", old.as_ref().map(legacy_detail), new.as_ref().map(legacy_detail)),
            included(&["PolicyDetail"]),
        ],
    };
    let ca_modified = vec![changed(
        "ConditionalAccessPolicy",
        old.map(|v| v.to_string()),
        new.map(|v| v.to_string()),
    )];
    vec![
        Change::new(core, vec![target(core_modified)])
            .with_details(vec![("User-Agent", "Microsoft Azure Graph Client Library 1.0".to_owned())]),
        Change::new(ca, vec![target(ca_modified)]).with_details(vec![("Category", "Conditional Access".to_owned())]),
    ]
}

/// The Core Directory `PolicyDetail` value: a JSON array holding the legacy policy JSON as a string.
fn legacy_detail(policy: &serde_json::Value) -> String {
    let state = match policy["state"].as_str() {
        Some("enabled") => "Enabled",
        Some("disabled") => "Disabled",
        _ => "Reporting",
    };
    let legacy = json!({
        "Version": 1,
        "CreatedDateTime": policy["createdDateTime"],
        "ModifiedDateTime": policy["modifiedDateTime"],
        "State": state,
        "Conditions": {"Applications": {"Include": [{"Applications": ["All"]}]}, "Users": {"Include": [{"Users": ["All"]}]}},
        "Controls": [{"Control": ["Mfa"]}],
        "EnforceAllPoliciesForEas": true,
        "IncludeOtherLegacyClientTypeForEvaluation": true
    });
    json!([legacy.to_string()]).to_string()
}
