//! Directory actions: the `AuditLogs` records each operation writes — which objects, in which
//! order, with which properties (docs/reference/audit-operations.md §2–§3). An identity first signs
//! in to Microsoft Graph, as automation does.

use super::{Ctx, Doer};
use crate::catalog::directory::{self as op, DirectoryOperation};
use crate::catalog::{self, roles, services};
use crate::ids::{SimRng, random_guid};
use crate::scenario::model::CredentialOn;
use crate::scenario::tenant::{ActionParams, Entity, Tenant};
use crate::scenario::vocabulary::DirectoryAction;
use crate::sim::calls::{ms, push_audits_with};
use crate::sim::directory::{self, AppView, Change, NewCredential, PolicyChange, changed, included, list, text};
use crate::sim::event::{AuditTarget, Event, Initiator, Modified};
use crate::sim::tokens::RunTokens;
use crate::timefmt::format_ts;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use uuid::Uuid;

/// Records written by someone else as part of the change, later: PIM's own role writes, an
/// activation's expiry.
struct Later {
    after: TimeDelta,
    initiator: Initiator,
    changes: Vec<Change>,
}

/// Performs a directory action by `doer` at `at`.
pub(super) fn perform<'t>(
    ctx: &Ctx<'_, 't>,
    action: DirectoryAction,
    doer: &Doer<'t>,
    at: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let graph = catalog::first_party("graph").expect("catalog has Graph");
    if doer.identity().is_some() && doer.token(graph, at, tokens, rng, out).is_none() {
        return;
    }
    let initiator = initiator_of(doer, action);
    let at = at + ms(rng, 300, 2_500);
    let (changes, later) = changes(ctx, action, doer, at, rng);
    let success = !ctx.action.fails;
    push_audits_with(ctx.tenant, &initiator, changes, success, at, rng, out);
    if success {
        for l in later {
            push_audits_with(ctx.tenant, &l.initiator, l.changes, true, at + l.after, rng, out);
        }
    }
}

/// `InitiatedBy` of the change: the app, or the user — whose consent Entra's token service records
/// in the user's name (`Azure ESTS Service`, audit-operations.md §2.1).
fn initiator_of(doer: &Doer<'_>, action: DirectoryAction) -> Initiator {
    match doer {
        Doer::Identity { caller, .. } => directory::app_initiator(caller.identity),
        // App-initiated records carry a null `appId` (audit-operations.md §1.3).
        Doer::Service { app, .. } => Initiator::App {
            display_name: app.name.to_owned(),
            app_id: None,
            sp_id: None,
        },
        Doer::User { user, ip, .. } => Initiator::User {
            id: user.object_id,
            // A guest redeeming signs in with their own address.
            upn: Some(match (action, &user.mail) {
                (DirectoryAction::RedeemExternalUserInvite, Some(mail)) => mail.clone(),
                _ => user.upn.clone(),
            }),
            display_name: (action == DirectoryAction::ConsentToApplication).then(|| "Azure ESTS Service".to_owned()),
            ip: Some(*ip),
        },
    }
}

/// The user agent of the client the change is made with.
fn agent(doer: &Doer<'_>) -> &'static str {
    match doer {
        Doer::Identity { .. } => crate::sim::calls::GRAPH_POWERSHELL_AGENT,
        Doer::User { client, .. } => client.user_agent,
        Doer::Service { app, .. } => app.user_agent,
    }
}

/// An application as records name it: an identity's, or one of the tenant's other applications.
fn app_view<'t>(tenant: &'t Tenant, entity: Option<Entity>) -> Option<AppView<'t>> {
    match entity? {
        Entity::Identity(i) => Some(AppView::of_identity(&tenant.identities[i])),
        Entity::Application(a) => Some(AppView::of_application(&tenant.applications[a])),
        _ => None,
    }
}

/// A principal as a target: users by UPN, service principals and groups by name.
fn principal_target(tenant: &Tenant, entity: Entity, modified: Vec<Modified>) -> AuditTarget {
    let (id, name, kind, upn) = match entity {
        Entity::User(u) => (tenant.users[u].object_id, None, "User", Some(tenant.users[u].upn.clone())),
        Entity::Identity(i) => (
            tenant.identities[i].sp_object_id,
            Some(tenant.identities[i].name.clone()),
            "ServicePrincipal",
            None,
        ),
        Entity::Application(a) => (
            tenant.applications[a].sp_object_id,
            Some(tenant.applications[a].name.clone()),
            "ServicePrincipal",
            None,
        ),
        Entity::Group(g) => (tenant.groups[g].object_id, Some(tenant.groups[g].name.clone()), "Group", None),
        Entity::Device(d) => (tenant.devices[d].object_id, Some(tenant.devices[d].name.clone()), "Device", None),
    };
    AuditTarget {
        id: Some(id.to_string()),
        display_name: name,
        kind: Some(kind),
        upn,
        modified,
        ..AuditTarget::default()
    }
}

/// The records of `action`, and what follows later.
fn changes(ctx: &Ctx<'_, '_>, action: DirectoryAction, doer: &Doer<'_>, at: DateTime<Utc>, rng: &mut SimRng) -> (Vec<Change>, Vec<Later>) {
    use DirectoryAction::*;
    let tenant = ctx.tenant;
    let params = &ctx.action.params;
    match action {
        AddApplication
        | UpdateApplication
        | DeleteApplication
        | AddServicePrincipal
        | RemoveServicePrincipal
        | AddApplicationCredential
        | AddServicePrincipalCredential
        | RemoveApplicationCredential
        | RemoveServicePrincipalCredential
        | AddFederatedCredential
        | AddApplicationOwner
        | AddServicePrincipalOwner => (application_changes(ctx, action, doer, rng), Vec::new()),
        AddAppRoleAssignment | AddDelegatedPermissionGrant | ConsentToApplication => (grant_changes(ctx, action, doer, at), Vec::new()),
        AddMemberToRole | RemoveMemberFromRole | AddRoleDefinition | UpdateRoleDefinition => {
            (role_changes(ctx, action, at, rng), Vec::new())
        }
        PimAssignEligible | PimAssignActive | PimActivate | PimActivationDenied => pim_changes(ctx, action, doer, at, rng),
        AddUser
        | UpdateUser
        | DeleteUser
        | ResetUserPassword
        | ChangeUserPassword
        | RegisterSecurityInfo
        | DeleteSecurityInfo
        | RevokeSessions
        | InviteExternalUser
        | RedeemExternalUserInvite => (user_changes(ctx, action, doer, at), Vec::new()),
        AddGroup | UpdateGroup | DeleteGroup | AddMemberToGroup | RemoveMemberFromGroup | AddOwnerToGroup => {
            (group_changes(ctx, action), Vec::new())
        }
        AddConditionalAccessPolicy | UpdateConditionalAccessPolicy | DeleteConditionalAccessPolicy => {
            let policy = &tenant.ca_policies[params.policy.unwrap_or_default()];
            let change = match action {
                AddConditionalAccessPolicy => PolicyChange::Create,
                DeleteConditionalAccessPolicy => PolicyChange::Delete,
                _ => match params.text_or("change", "report_only") {
                    "disable" => PolicyChange::Disable,
                    // The resolver makes sure `member` is a user.
                    "exclude_user" => match params.member {
                        Some(Entity::User(u)) => PolicyChange::ExcludeUser(tenant.users[u].object_id),
                        _ => PolicyChange::ReportOnly,
                    },
                    _ => PolicyChange::ReportOnly,
                },
            };
            (directory::conditional_access_changed(tenant, policy, change, at), Vec::new())
        }
        AddCrossTenantPartner | UpdateCrossTenantPartner | DeleteCrossTenantPartner | UpdateAuthorizationPolicy => {
            (policy_changes(ctx, action), Vec::new())
        }
        AddDomain | VerifyDomain | SetDomainFederation => (domain_changes(ctx, action, agent(doer)), Vec::new()),
        RegisterDevice | UpdateDevice | DeleteDevice => (device_changes(ctx, action, doer), Vec::new()),
    }
}

/// Applications and service principals (§2.1).
fn application_changes(ctx: &Ctx<'_, '_>, action: DirectoryAction, doer: &Doer<'_>, rng: &mut SimRng) -> Vec<Change> {
    use DirectoryAction::*;
    let tenant = ctx.tenant;
    let params = &ctx.action.params;
    let Some(mut app) = app_view(tenant, params.target) else {
        return Vec::new();
    };
    // Renamed earlier in the same anomaly: the directory names it by its new name.
    if let Some(name) = &ctx.action.params.display_name {
        app.name = name;
    }
    let app_id = app.app_id.to_string();
    let details = directory::application_details(agent(doer), &app);
    let sp = |modified| directory::service_principal_target(app.sp_id, app.name, &app_id, modified);
    let application = |modified| directory::application_target(&app, app.name, modified);
    let created = |name: &'static str, value: String| changed(name, Some("[]".to_owned()), Some(value));
    match action {
        AddApplication => vec![
            Change::new(
                &op::ADD_APPLICATION,
                vec![application(vec![
                    created("AppId", list(&[&app_id])),
                    created("DisplayName", list(&[app.name])),
                    created("AvailableToOtherTenants", "[false]".to_owned()),
                    included(&["AppId", "DisplayName", "AvailableToOtherTenants"]),
                ])],
            )
            .with_details(details.clone()),
            service_principal_added(&app, &details),
        ],
        AddServicePrincipal => vec![service_principal_added(&app, &details)],
        UpdateApplication => match params.text.get("new_name") {
            Some(new_name) => directory::application_renamed(&app, app.name, new_name, agent(doer)),
            None => {
                let default = format!(
                    "https://{}.azurewebsites.net/signin-oidc",
                    app.name.to_lowercase().replace(' ', "-")
                );
                let address = |url: &str| json!({"AddressType": 0, "Address": url, "ReplyAddressClientType": 1, "ReplyAddressIndex": null, "IsReplyAddressDefault": false});
                let (old, new) = match params.text.get("reply_url") {
                    // The app keeps its own reply URL; the new one is added beside it.
                    Some(url) => (json!([address(&default)]), json!([address(&default), address(url)])),
                    None => (json!([]), json!([address(&default)])),
                };
                let modified = vec![
                    changed("AppAddress", Some(old.to_string()), Some(new.to_string())),
                    included(&["AppAddress"]),
                ];
                vec![Change::new(&op::UPDATE_APPLICATION, vec![application(modified)]).with_details(details)]
            }
        },
        DeleteApplication => vec![Change::new(&op::DELETE_APPLICATION, vec![application(Vec::new())]).with_details(details)],
        RemoveServicePrincipal => vec![Change::new(&op::REMOVE_SERVICE_PRINCIPAL, vec![sp(Vec::new())]).with_details(details)],
        AddApplicationCredential | AddServicePrincipalCredential => {
            let on = if action == AddApplicationCredential {
                CredentialOn::Application
            } else {
                CredentialOn::ServicePrincipal
            };
            let new = NewCredential {
                key_id: random_guid(rng),
                certificate: params.credential_type == Some(crate::scenario::model::CredentialType::Certificate),
                display_name: app.name,
                user_agent: agent(doer),
            };
            directory::credential_added(&app, on, &new)
        }
        RemoveApplicationCredential | RemoveServicePrincipalCredential => {
            let all: Vec<String> = app
                .credentials
                .iter()
                .map(|(k, c, n)| directory::key_description(*k, *c, n))
                .collect();
            let kept = &all[..all.len().saturating_sub(1)];
            let modified = vec![
                changed("KeyDescription", Some(list(&all)), Some(list(kept))),
                included(&["KeyDescription"]),
            ];
            let change = if action == RemoveApplicationCredential {
                Change::new(&op::APPLICATION_CREDENTIALS, vec![application(modified)])
            } else {
                Change::new(&op::REMOVE_SERVICE_PRINCIPAL_CREDENTIALS, vec![sp(modified)])
            };
            vec![change.with_details(details)]
        }
        AddFederatedCredential => {
            let credential = json!([{"Name": format!("{}-federation", app.name.to_lowercase().replace(' ', "-")),
                "Issuer": params.text_or("issuer", "https://token.actions.githubusercontent.com"),
                "Subject": params.text_or("subject", "repo:contoso/app:ref:refs/heads/main"),
                "Id": random_guid(rng).to_string(), "Description": null, "Audiences": ["api://AzureADTokenExchange"],
                "ClaimsMatchingExpressionValue": null, "ClaimsMatchingExpressionLanguageVersion": 0, "EncodingVersion": 2, "TrustedIssuer": null}]);
            let modified = vec![
                changed("FederatedIdentityCredentials", Some("[]".to_owned()), Some(credential.to_string())),
                included(&["FederatedIdentityCredentials"]),
            ];
            vec![Change::new(&op::UPDATE_APPLICATION, vec![application(modified)]).with_details(details)]
        }
        _ => owner_added(tenant, action, &app, params, details),
    }
}

/// `Add service principal`: the SP of an application, created with its properties (SEK record).
fn service_principal_added(app: &AppView<'_>, details: &[(&'static str, String)]) -> Change {
    let app_id = app.app_id.to_string();
    let created = |name: &'static str, value: String| changed(name, Some("[]".to_owned()), Some(value));
    let modified = vec![
        created("AccountEnabled", "[true]".to_owned()),
        created("AppPrincipalId", list(&[&app_id])),
        created("DisplayName", list(&[app.name])),
        created("ServicePrincipalName", list(&[&app_id])),
        included(&["AccountEnabled", "AppPrincipalId", "DisplayName", "ServicePrincipalName"]),
    ];
    Change::new(
        &op::ADD_SERVICE_PRINCIPAL,
        vec![directory::service_principal_target(app.sp_id, app.name, &app_id, modified)],
    )
    .with_details(details.to_vec())
}

/// An owner added: the owner first, naming the object in its properties, then the object.
fn owner_added(
    tenant: &Tenant,
    action: DirectoryAction,
    app: &AppView<'_>,
    params: &ActionParams,
    details: Vec<(&'static str, String)>,
) -> Vec<Change> {
    let Some(member) = params.member else { return Vec::new() };
    let (operation, prefix, object_id, object) = if action == DirectoryAction::AddApplicationOwner {
        (
            &op::ADD_OWNER_TO_APPLICATION,
            "Application",
            app.application_object_id,
            directory::application_target(app, app.name, Vec::new()),
        )
    } else {
        let sp = directory::service_principal_target(app.sp_id, app.name, &app.app_id.to_string(), Vec::new());
        (&op::ADD_OWNER_TO_SERVICE_PRINCIPAL, "ServicePrincipal", app.sp_id, sp)
    };
    let modified = vec![
        changed(format!("{prefix}.ObjectID"), None, Some(text(&object_id.to_string()))),
        changed(format!("{prefix}.DisplayName"), None, Some(text(app.name))),
    ];
    vec![Change::new(operation, vec![principal_target(tenant, member, modified), object]).with_details(details)]
}

/// Permission grants and consent (§2.1, §3): the resource API first, with the client named in its
/// properties; a consent writes its grant, a user's app role grant, then `Consent to application`.
fn grant_changes(ctx: &Ctx<'_, '_>, action: DirectoryAction, doer: &Doer<'_>, at: DateTime<Utc>) -> Vec<Change> {
    let tenant = ctx.tenant;
    let params = &ctx.action.params;
    let Some(client) = app_view(tenant, params.target) else {
        return Vec::new();
    };
    let api = params
        .api
        .unwrap_or_else(|| catalog::first_party("graph").expect("catalog has Graph"));
    let resource = (tenant.first_party_sp_id(api), api.display_name, api.app_id);
    if action == DirectoryAction::AddAppRoleAssignment {
        let Some(role) = params.app_role else { return Vec::new() };
        return directory::app_role_assigned(resource, &client, role, at, agent(doer));
    }
    let admin = params.text_or("consent", "user") == "admin";
    let scopes = params.text_or("scopes", "User.Read");
    // A consent's grant is written by Entra's token service; a direct grant by the caller's client.
    let user_agent = if action == DirectoryAction::ConsentToApplication {
        "EvoSTS"
    } else {
        agent(doer)
    };
    let grant = delegated_grant(resource, &client, scopes, admin)
        .with_details(vec![("User-Agent", user_agent.to_owned()), ("AppId", api.app_id.to_owned())]);
    if action == DirectoryAction::AddDelegatedPermissionGrant {
        return vec![grant];
    }
    let mut records = vec![grant];
    let consenting = match doer {
        Doer::User { user, .. } => Some(user),
        Doer::Identity { .. } | Doer::Service { .. } => None,
    };
    if let (false, Some(user)) = (admin, consenting) {
        let when = text(&format_ts(at));
        let modified = vec![
            changed("AppRole.Id", None, Some(text("00000000-0000-0000-0000-000000000000"))),
            changed("AppRole.Value", None, Some(text(""))),
            changed("AppRole.DisplayName", None, Some(text(""))),
            changed("AppRoleAssignment.CreatedDateTime", None, Some(when.clone())),
            changed("AppRoleAssignment.LastModifiedDateTime", None, Some(when)),
            changed("User.ObjectID", None, Some(text(&user.object_id.to_string()))),
            changed("User.UPN", None, Some(text(&user.upn))),
        ];
        let target = directory::service_principal_target(client.sp_id, client.name, &client.app_id.to_string(), modified);
        records.push(Change::new(&op::ADD_APP_ROLE_ASSIGNMENT_TO_USER, vec![target]));
    }
    let principal = consenting.filter(|_| !admin).map_or_else(String::new, |u| u.object_id.to_string());
    let consent_type = if admin { "AllPrincipals" } else { "Principal" };
    let permissions = format!(
        "[] => [[Id: {}, ClientId: {}, PrincipalId: {principal}, ResourceId: {}, ConsentType: {consent_type}, Scope:  {scopes}, CreatedDateTime: , LastModifiedDateTime ]]; ",
        crate::ids::child_guid(client.sp_id, 1),
        client.sp_id,
        resource.0
    );
    let flag = |b: bool| text(if b { "True" } else { "False" });
    let modified = vec![
        changed("ConsentContext.IsAdminConsent", None, Some(flag(admin))),
        changed("ConsentContext.IsAppOnly", None, Some(flag(false))),
        changed("ConsentContext.OnBehalfOfAll", None, Some(flag(admin))),
        changed("ConsentContext.Tags", None, Some(text("WindowsAzureActiveDirectoryIntegratedApp"))),
        changed("ConsentAction.Permissions", None, Some(text(&permissions))),
    ];
    let target = directory::service_principal_target(client.sp_id, client.name, &client.app_id.to_string(), modified);
    records.push(
        Change::new(&op::CONSENT_TO_APPLICATION, vec![target])
            .with_details(vec![("User-Agent", "EvoSTS".to_owned()), ("AppId", client.app_id.to_string())]),
    );
    records
}

/// `Add delegated permission grant`: the resource API first (OTRF row).
fn delegated_grant(
    (resource_sp, resource_name, resource_app_id): (Uuid, &str, &str),
    client: &AppView<'_>,
    scopes: &str,
    admin: bool,
) -> Change {
    let consent_type = if admin { "AllPrincipals" } else { "Principal" };
    let modified = vec![
        changed("DelegatedPermissionGrant.Scope", None, Some(text(&format!(" {scopes}")))),
        changed("DelegatedPermissionGrant.ConsentType", None, Some(text(consent_type))),
        changed("ServicePrincipal.ObjectID", None, Some(text(&client.sp_id.to_string()))),
        changed("ServicePrincipal.DisplayName", None, None),
        changed("ServicePrincipal.AppId", None, None),
        changed("ServicePrincipal.Name", None, None),
    ];
    let resource = directory::service_principal_target(resource_sp, resource_name, resource_app_id, modified);
    let client_target = AuditTarget {
        id: Some(client.sp_id.to_string()),
        kind: Some("ServicePrincipal"),
        ..AuditTarget::default()
    };
    Change::new(&op::ADD_DELEGATED_PERMISSION_GRANT, vec![resource, client_target])
}

/// The role object of a built-in role in this tenant: its id differs from the template's.
fn role_object_id(ctx: &Ctx<'_, '_>, role: &roles::DirectoryRole) -> Uuid {
    ctx.ids
        .guid(&format!("{}/directory-role/{}", ctx.tenant.scenario, role.template_id), "object")
}

/// The properties naming a role on the principal it is assigned to (§2.2); in `oldValue` when it
/// is removed.
fn role_properties(ctx: &Ctx<'_, '_>, role: &roles::DirectoryRole, removed: bool) -> Vec<Modified> {
    let values = [
        ("Role.ObjectID", text(&role_object_id(ctx, role).to_string())),
        ("Role.DisplayName", text(role.name)),
        ("Role.TemplateId", text(role.template_id)),
        ("Role.WellKnownObjectName", text(role.well_known)),
    ];
    values
        .into_iter()
        .map(|(name, value)| {
            if removed {
                changed(name, Some(value), None)
            } else {
                changed(name, None, Some(value))
            }
        })
        .collect()
}

/// Direct role assignments (§2.2): the principal first, the role second.
fn role_changes(ctx: &Ctx<'_, '_>, action: DirectoryAction, at: DateTime<Utc>, rng: &mut SimRng) -> Vec<Change> {
    let params = &ctx.action.params;
    if matches!(action, DirectoryAction::AddRoleDefinition | DirectoryAction::UpdateRoleDefinition) {
        return vec![role_definition(ctx, action)];
    }
    let (Some(member), Some(role)) = (params.member, params.directory_role) else {
        return Vec::new();
    };
    if action == DirectoryAction::RemoveMemberFromRole {
        return vec![role_assignment(ctx, &op::REMOVE_MEMBER_FROM_ROLE, member, role, true)];
    }
    // A tenant with PIM notices the direct assignment and logs it as made outside PIM.
    let outside = pim_record(ctx, &op::PIM_OUTSIDE_PERMANENT, member, role, (random_guid(rng), ""), at);
    vec![role_assignment(ctx, &op::ADD_MEMBER_TO_ROLE, member, role, false), outside]
}

/// A custom role created, or its permissions changed; its id follows from its name, so both
/// name the same role.
fn role_definition(ctx: &Ctx<'_, '_>, action: DirectoryAction) -> Change {
    let params = &ctx.action.params;
    let name = params.text_or("target", "Custom role");
    let permissions = params.text_or("permissions", "microsoft.directory/applications/credentials/update");
    let permissions = json!([{"AllowedResourceActions": permissions.split(',').map(str::trim).collect::<Vec<_>>()}]).to_string();
    let (operation, modified) = if action == DirectoryAction::AddRoleDefinition {
        let modified = vec![
            changed("DisplayName", Some("[]".to_owned()), Some(list(&[name]))),
            changed("RolePermissions", Some("[]".to_owned()), Some(permissions)),
            included(&["DisplayName", "RolePermissions"]),
        ];
        (&op::ADD_ROLE_DEFINITION, modified)
    } else {
        let before = json!([{"AllowedResourceActions": ["microsoft.directory/applications/basic/read"]}]).to_string();
        let modified = vec![
            changed("RolePermissions", Some(before), Some(permissions)),
            included(&["RolePermissions"]),
        ];
        (&op::UPDATE_ROLE_DEFINITION, modified)
    };
    let target = AuditTarget {
        id: Some(
            ctx.ids
                .guid(&format!("{}/role_definition/{name}", ctx.tenant.scenario), "id")
                .to_string(),
        ),
        display_name: Some(name.to_owned()),
        kind: Some("Role"),
        modified,
        ..AuditTarget::default()
    };
    Change::new(operation, vec![target])
}

fn role_assignment(
    ctx: &Ctx<'_, '_>,
    operation: &'static DirectoryOperation,
    member: Entity,
    role: &roles::DirectoryRole,
    removed: bool,
) -> Change {
    let mut modified = role_properties(ctx, role, removed);
    if let Entity::Identity(i) = member {
        modified.push(changed(
            "TargetId.ServicePrincipalNames",
            None,
            Some(text(&ctx.tenant.identities[i].app_id.to_string())),
        ));
    }
    let role_target = AuditTarget {
        id: Some(role_object_id(ctx, role).to_string()),
        kind: Some("Role"),
        ..AuditTarget::default()
    };
    Change::new(operation, vec![principal_target(ctx.tenant, member, modified), role_target])
}

/// PIM (§2.3): the request and its completion in the PIM service, five targets each; an active
/// assignment or activation also writes PIM's own Core Directory role assignment, and an
/// activation expires after its duration.
fn pim_changes(
    ctx: &Ctx<'_, '_>,
    action: DirectoryAction,
    doer: &Doer<'_>,
    at: DateTime<Utc>,
    rng: &mut SimRng,
) -> (Vec<Change>, Vec<Later>) {
    use DirectoryAction::*;
    let params = &ctx.action.params;
    let Some(role) = params.directory_role else {
        return (Vec::new(), Vec::new());
    };
    let member = match (params.member, doer) {
        (Some(m), _) => m,
        (None, Doer::User { user, .. }) => Entity::User(ctx.tenant.users.iter().position(|u| u.upn == user.upn).unwrap_or_default()),
        (None, Doer::Identity { .. } | Doer::Service { .. }) => return (Vec::new(), Vec::new()),
    };
    let timebound = params.duration.is_some();
    let (requested, completed) = match (action, timebound) {
        (PimAssignEligible, false) => (&op::PIM_ELIGIBLE_REQUESTED_PERMANENT, Some(&op::PIM_ELIGIBLE_COMPLETED_PERMANENT)),
        (PimAssignEligible, true) => (&op::PIM_ELIGIBLE_REQUESTED_TIMEBOUND, Some(&op::PIM_ELIGIBLE_COMPLETED_TIMEBOUND)),
        (PimAssignActive, false) => (&op::PIM_ACTIVE_REQUESTED_PERMANENT, Some(&op::PIM_ACTIVE_COMPLETED_PERMANENT)),
        (PimAssignActive, true) => (&op::PIM_ACTIVE_REQUESTED_TIMEBOUND, Some(&op::PIM_ACTIVE_COMPLETED_TIMEBOUND)),
        (PimActivate, _) => (&op::PIM_ACTIVATION_REQUESTED, Some(&op::PIM_ACTIVATION_COMPLETED)),
        _ => (&op::PIM_ACTIVATION_REQUESTED, Some(&op::PIM_ACTIVATION_DENIED)),
    };
    let request_id = random_guid(rng);
    let justification = params.text_or("justification", "Scheduled maintenance").to_owned();
    let record = |operation| pim_record(ctx, operation, member, role, (request_id, &justification), at);
    let mut now = vec![record(requested)];
    now.extend(completed.map(record));
    let mut later = Vec::new();
    let pim = pim_service();
    // PIM's own directory write of what was granted.
    let written = match action {
        PimAssignActive | PimActivate => Some(&op::ADD_MEMBER_TO_ROLE),
        PimAssignEligible => Some(&op::ADD_ELIGIBLE_MEMBER_TO_ROLE),
        _ => None,
    };
    if let Some(written) = written {
        later.push(Later {
            after: TimeDelta::seconds(2),
            initiator: pim.clone(),
            changes: vec![role_assignment(ctx, written, member, role, false)],
        });
    }
    if action == PimActivate {
        let duration = params.duration.unwrap_or(TimeDelta::hours(8));
        later.push(Later {
            after: duration,
            initiator: pim,
            changes: vec![role_assignment(ctx, &op::REMOVE_MEMBER_FROM_ROLE, member, role, true)],
        });
        let system = Initiator::User {
            id: Uuid::nil(),
            upn: None,
            display_name: Some("Azure AD PIM".to_owned()),
            ip: None,
        };
        later.push(Later {
            after: duration + TimeDelta::seconds(6),
            initiator: system,
            changes: vec![pim_record(
                ctx,
                &op::PIM_ACTIVATION_EXPIRED,
                member,
                role,
                (request_id, ""),
                at + duration,
            )],
        });
    }
    (now, later)
}

/// The initiator of PIM's own Core Directory writes: the `MS-PIM` app.
fn pim_service() -> Initiator {
    let app = services::service("pim").expect("catalog has PIM");
    // A Microsoft service's records leave its ids null (audit-operations.md §1.3).
    Initiator::App {
        display_name: app.name.to_owned(),
        app_id: None,
        sp_id: None,
    }
}

/// One PIM record: Role, Request, the principal, Directory and Other targets (PAN record), the
/// justification as `ResultReason`.
fn pim_record(
    ctx: &Ctx<'_, '_>,
    operation: &'static DirectoryOperation,
    member: Entity,
    role: &roles::DirectoryRole,
    (request_id, justification): (Uuid, &str),
    at: DateTime<Utc>,
) -> Change {
    let tenant = ctx.tenant;
    let blank = |name: &'static str| changed(name, Some(text("")), Some(text("")));
    let role_target = AuditTarget {
        id: Some(role.template_id.to_owned()),
        display_name: Some(role.name.to_owned()),
        kind: Some("Role"),
        modified: vec![
            blank("RoleDefinitionOriginId"),
            blank("RoleDefinitionOriginType"),
            blank("TemplateId"),
        ],
        ..AuditTarget::default()
    };
    let mut principal = principal_target(tenant, member, Vec::new());
    if let Entity::User(u) = member {
        principal.display_name = Some(tenant.users[u].display_name.clone());
    }
    let targets = vec![
        role_target,
        AuditTarget {
            id: Some(request_id.to_string()),
            kind: Some("Request"),
            ..AuditTarget::default()
        },
        principal,
        AuditTarget {
            id: Some(tenant.tenant_id.to_string()),
            display_name: Some(tenant.domain.clone()),
            kind: Some("Directory"),
            ..AuditTarget::default()
        },
        AuditTarget {
            id: Some(crate::ids::child_guid(request_id, 7).to_string()),
            kind: Some("Other"),
            ..AuditTarget::default()
        },
    ];
    let mut change = Change::new(operation, targets).with_details(vec![
        ("RoleDefinitionOriginId", role.template_id.to_owned()),
        ("RoleDefinitionOriginType", "BuiltInRole".to_owned()),
        ("TemplateId", role.template_id.to_owned()),
        ("StartTime", format_ts(at)),
        ("Justification", justification.to_owned()),
        ("tid", tenant.tenant_id.to_string()),
        ("RequestId", request_id.to_string()),
    ]);
    change.reason = justification.to_owned();
    change
}

/// Users, their passwords and authentication methods, guests (§2.4, §2.6).
fn user_changes(ctx: &Ctx<'_, '_>, action: DirectoryAction, doer: &Doer<'_>, at: DateTime<Utc>) -> Vec<Change> {
    use DirectoryAction::*;
    let tenant = ctx.tenant;
    let params = &ctx.action.params;
    let doer_user = match doer {
        Doer::User { user, .. } => Some(*user),
        Doer::Identity { .. } | Doer::Service { .. } => None,
    };
    let target_user = match params.target {
        Some(Entity::User(u)) => Some(&tenant.users[u]),
        _ => doer_user,
    };
    let Some(user) = target_user else { return Vec::new() };
    let target = |modified| user_target(user, modified);
    let sts = || {
        let now = format_ts(at);
        Change::new(
            &op::UPDATE_STS_REFRESH_TOKEN,
            vec![target(vec![changed(
                "StsRefreshTokensValidFrom",
                Some(list(&["2026-01-01T00:00:00Z"])),
                Some(list(&[now])),
            )])],
        )
    };
    match action {
        AddUser => user_added(user),
        UpdateUser => vec![
            Change::new(
                &op::UPDATE_USER,
                vec![target(vec![
                    changed("JobTitle", Some(list(&["Analyst"])), Some(list(&["Senior Analyst"]))),
                    included(&["JobTitle"]),
                    changed("TargetId.UserType", None, Some(text("Member"))),
                ])],
            )
            .with_details(vec![("UserType", "Member".to_owned())]),
        ],
        DeleteUser => {
            let mut deleted = target(vec![changed("Is Hard Deleted", None, Some(text("False")))]);
            deleted.upn = Some(format!("{}{}", user.object_id.simple(), user.upn));
            vec![Change::new(&op::DELETE_USER, vec![deleted])]
        }
        ResetUserPassword => vec![Change::new(&op::RESET_USER_PASSWORD, vec![target(Vec::new())]), sts()],
        ChangeUserPassword => vec![Change::new(&op::CHANGE_USER_PASSWORD, vec![target(Vec::new())]), sts()],
        RevokeSessions => vec![
            sts(),
            Change::new(
                &op::UPDATE_USER,
                vec![target(vec![
                    included(&[]),
                    changed("TargetId.UserType", None, Some(text("Member"))),
                ])],
            ),
        ],
        RegisterSecurityInfo | DeleteSecurityInfo => vec![security_info(
            action,
            doer_user.map(|u| u.upn == user.upn) != Some(false),
            params,
            target(Vec::new()),
        )],
        InviteExternalUser => invitation(user),
        _ => invitation_redeemed(user),
    }
}

/// The user as an audit record's target, with what changed.
fn user_target(user: &crate::scenario::tenant::User, modified: Vec<Modified>) -> AuditTarget {
    AuditTarget {
        id: Some(user.object_id.to_string()),
        upn: Some(user.upn.clone()),
        kind: Some("User"),
        modified,
        ..AuditTarget::default()
    }
}

/// `Add user`, after the password profile that forces a change at first sign-in.
fn user_added(user: &crate::scenario::tenant::User) -> Vec<Change> {
    let created = |name: &'static str, value: String| changed(name, Some("[]".to_owned()), Some(value));
    let profile = changed("ForceChangePassword", Some(text("False")), Some(text("True")));
    vec![
        Change::new(&op::UPDATE_PASSWORD_PROFILE, vec![user_target(user, vec![profile])]),
        Change::new(
            &op::ADD_USER,
            vec![user_target(
                user,
                vec![
                    created("AccountEnabled", "[true]".to_owned()),
                    created("DisplayName", list(&[&user.display_name])),
                    created("UserPrincipalName", list(&[&user.upn])),
                    created("UserType", list(&["Member"])),
                    included(&["AccountEnabled", "DisplayName", "UserPrincipalName", "UserType"]),
                ],
            )],
        ),
    ]
}

/// The redeeming guest's record spells out who they are (STR sample; published rules parse
/// `UPN: (.+), Email`).
fn invitation_redeemed(user: &crate::scenario::tenant::User) -> Vec<Change> {
    let mut target = user_target(user, Vec::new());
    target.display_name = Some(format!(
        "UPN: {}, Email: {}, InvitationId: {}, Source: One Time Passcode",
        user.upn,
        user.mail.as_deref().unwrap_or(&user.upn),
        crate::ids::child_guid(user.object_id, 3)
    ));
    vec![Change::new(&op::REDEEM_EXTERNAL_USER_INVITE, vec![target])]
}

/// An authentication method registered or deleted: the method is told only by the reason text
/// (audit-operations.md §2.4; SECOPS for the Temporary Access Pass strings).
fn security_info(action: DirectoryAction, by_self: bool, params: &ActionParams, target: AuditTarget) -> Change {
    let method = params.text_or("method", "authenticator");
    let deleted = action == DirectoryAction::DeleteSecurityInfo;
    let (operation, reason) = match (by_self, deleted) {
        (true, false) => (
            &op::USER_REGISTERED_SECURITY_INFO,
            format!("User registered {}", method_text(method, true)),
        ),
        (true, true) => (
            &op::USER_DELETED_SECURITY_INFO,
            format!("User deleted {}", method_text(method, true)),
        ),
        (false, false) => (
            &op::ADMIN_REGISTERED_SECURITY_INFO,
            format!("Admin registered {} for user", method_text(method, false)),
        ),
        (false, true) => (
            &op::ADMIN_DELETED_SECURITY_INFO,
            format!("Admin deleted {} for user", method_text(method, false)),
        ),
    };
    let mut change = Change::new(operation, vec![target]);
    change.reason = reason;
    change
}

/// How the reason texts name a method (a user's own words, or an admin's).
fn method_text(method: &str, by_self: bool) -> &'static str {
    match (method, by_self) {
        ("temporary_access_pass", true) => "temporary access pass method",
        ("temporary_access_pass", false) => "temporary access pass method",
        ("fido2", _) => "Fido2 Authentication Method",
        ("phone", true) => "Mobile Phone SMS",
        ("phone", false) => "phone method",
        (_, true) => "Authenticator App with Notification and Code",
        (_, false) => "Authenticator App method",
    }
}

/// A guest invitation: `Invite external user` (Invited Users), then the guest's `Add user`.
fn invitation(user: &crate::scenario::tenant::User) -> Vec<Change> {
    let email = user.mail.clone().unwrap_or_else(|| user.upn.clone());
    let local = email.split('@').next().unwrap_or_default();
    let guest_upn = user.upn.clone();
    let target = |modified| AuditTarget {
        id: Some(user.object_id.to_string()),
        display_name: Some(local.to_owned()),
        upn: Some(guest_upn.clone()),
        kind: Some("User"),
        modified,
        ..AuditTarget::default()
    };
    let created = |name: &'static str, value: String| changed(name, Some("[]".to_owned()), Some(value));
    vec![
        Change::new(&op::INVITE_EXTERNAL_USER, vec![target(Vec::new())]).with_details(vec![
            ("InvitationId", crate::ids::child_guid(user.object_id, 3).to_string()),
            ("invitedUserEmailAddress", email.clone()),
        ]),
        Change::new(
            &op::ADD_USER,
            vec![target(vec![
                created("AccountEnabled", "[true]".to_owned()),
                created("UserPrincipalName", list(&[&guest_upn])),
                created("UserType", list(&["Guest"])),
                included(&["AccountEnabled", "UserPrincipalName", "UserType"]),
            ])],
        ),
    ]
}

/// Groups and their members (§2.5): the member first, naming the group, the group second.
fn group_changes(ctx: &Ctx<'_, '_>, action: DirectoryAction) -> Vec<Change> {
    use DirectoryAction::*;
    let tenant = ctx.tenant;
    let params = &ctx.action.params;
    let group_of = |index: usize| &tenant.groups[index];
    let group_target = |index: usize, modified| AuditTarget {
        id: Some(group_of(index).object_id.to_string()),
        display_name: Some(group_of(index).name.clone()),
        kind: Some("Group"),
        group_type: Some("unknownFutureValue"),
        modified,
        ..AuditTarget::default()
    };
    match action {
        AddGroup | UpdateGroup | DeleteGroup => {
            let Some(Entity::Group(g)) = params.target else { return Vec::new() };
            let (operation, modified) = match action {
                AddGroup => (
                    &op::ADD_GROUP,
                    vec![
                        changed("DisplayName", Some("[]".to_owned()), Some(list(&[&group_of(g).name]))),
                        changed("SecurityEnabled", Some("[]".to_owned()), Some("[true]".to_owned())),
                        included(&["DisplayName", "SecurityEnabled"]),
                    ],
                ),
                UpdateGroup => (
                    &op::UPDATE_GROUP,
                    vec![
                        changed("Description", Some("[]".to_owned()), Some(list(&["Updated by the owner"]))),
                        included(&["Description"]),
                    ],
                ),
                _ => (&op::DELETE_GROUP, Vec::new()),
            };
            vec![Change::new(operation, vec![group_target(g, modified)])]
        }
        _ => {
            let (Some(member), Some(g)) = (params.member, params.group) else {
                return Vec::new();
            };
            let removed = action == RemoveMemberFromGroup;
            let operation = match action {
                AddMemberToGroup => &op::ADD_MEMBER_TO_GROUP,
                RemoveMemberFromGroup => &op::REMOVE_MEMBER_FROM_GROUP,
                _ => &op::ADD_OWNER_TO_GROUP,
            };
            let value = |v: String| if removed { (Some(v), None) } else { (None, Some(v)) };
            let (old_id, new_id) = value(text(&group_of(g).object_id.to_string()));
            let (old_name, new_name) = value(text(&group_of(g).name));
            let modified = vec![
                changed("Group.ObjectID", old_id, new_id),
                changed("Group.DisplayName", old_name, new_name),
                changed("Group.WellKnownObjectName", None, None),
            ];
            vec![Change::new(
                operation,
                vec![principal_target(tenant, member, modified), group_target(g, Vec::new())],
            )]
        }
    }
}

/// Cross-tenant access (§2.8) and the authorization policy.
fn policy_changes(ctx: &Ctx<'_, '_>, action: DirectoryAction) -> Vec<Change> {
    use DirectoryAction::*;
    let params = &ctx.action.params;
    let partner = params.text_or("partner_tenant", "00000000-0000-0000-0000-000000000000");
    let policy_target = |id: &str, name: &str, modified| AuditTarget {
        id: Some(id.to_owned()),
        display_name: Some(name.to_owned()),
        kind: Some("Policy"),
        modified,
        ..AuditTarget::default()
    };
    match action {
        AddCrossTenantPartner => vec![Change::new(
            &op::ADD_CROSS_TENANT_PARTNER,
            vec![policy_target(
                partner,
                "crossTenantAccessPolicy",
                vec![changed("tenantId", None, Some(text(partner)))],
            )],
        )],
        DeleteCrossTenantPartner => vec![Change::new(
            &op::DELETE_CROSS_TENANT_PARTNER,
            vec![policy_target(
                partner,
                "crossTenantAccessPolicy",
                vec![changed("tenantId", Some(text(partner)), None)],
            )],
        )],
        UpdateCrossTenantPartner => {
            let property = if params.text_or("direction", "inbound") == "outbound" {
                "b2bCollaborationOutbound"
            } else {
                "b2bCollaborationInbound"
            };
            let access = |allowed: bool| {
                json!({"usersAndGroups": {"accessType": if allowed { 1 } else { 2 }, "targets": [{"target": "AllUsers", "targetType": 1}]}, "applications": {"accessType": if allowed { 1 } else { 2 }, "targets": [{"target": "AllApplications", "targetType": 2}]}}).to_string()
            };
            let allowed = params.text_or("access", "allowed") != "blocked";
            vec![Change::new(
                &op::UPDATE_CROSS_TENANT_PARTNER,
                vec![policy_target(
                    partner,
                    "crossTenantAccessPolicy",
                    vec![changed(property, Some(access(!allowed)), Some(access(allowed)))],
                )],
            )]
        }
        _ => {
            let legacy = "ManagePermissionGrantsForSelf.microsoft-user-default-legacy";
            let modified = vec![changed(
                "PermissionGrantPolicyIdsAssignedToDefaultUserRole",
                Some("[]".to_owned()),
                Some(list(&[legacy])),
            )];
            vec![Change::new(
                &op::UPDATE_AUTHORIZATION_POLICY,
                vec![policy_target("authorizationPolicy", "Authorization Policy", modified)],
            )]
        }
    }
}

/// Domains (§2.9): a domain target has no `type` and no `id`.
fn domain_changes(ctx: &Ctx<'_, '_>, action: DirectoryAction, user_agent: &str) -> Vec<Change> {
    use DirectoryAction::*;
    let domain = ctx.action.params.text_or("domain", "contoso.com").to_owned();
    let target = |modified| AuditTarget {
        display_name: Some(domain.clone()),
        modified,
        ..AuditTarget::default()
    };
    let changes = match action {
        // A subdomain of the tenant's initial `onmicrosoft.com` domain is verified as it is added.
        AddDomain if domain.to_ascii_lowercase().ends_with(".onmicrosoft.com") => vec![Change::new(
            &op::ADD_VERIFIED_DOMAIN,
            vec![target(vec![
                changed("Name", Some(list(&[""])), Some(list(&[&domain]))),
                changed("Included Updated Properties", None, Some(text("Name"))),
            ])],
        )],
        AddDomain => vec![Change::new(
            &op::ADD_UNVERIFIED_DOMAIN,
            vec![target(vec![
                changed("Name", Some(list(&[""])), Some(list(&[&domain]))),
                changed("LiveType", Some(list(&["None"])), Some(list(&["Managed"]))),
                changed("Included Updated Properties", None, Some(text("Name,LiveType"))),
            ])],
        )],
        VerifyDomain => vec![Change::new(&op::VERIFY_DOMAIN, vec![target(Vec::new())])],
        _ => {
            let issuer = ctx
                .action
                .params
                .text_or("issuer", "http://sts.contoso.com/adfs/services/trust")
                .to_owned();
            vec![
                Change::new(
                    &op::SET_DOMAIN_AUTHENTICATION,
                    vec![target(vec![changed(
                        "LiveType",
                        Some(list(&["Managed"])),
                        Some(list(&["Federated"])),
                    )])],
                ),
                Change::new(
                    &op::SET_FEDERATION_SETTINGS,
                    vec![target(vec![changed("IssuerUri", Some("[]".to_owned()), Some(list(&[&issuer])))])],
                ),
            ]
        }
    };
    // The admin center's Graph client names itself in every domain record (SENT NRT_ADFSDomainTrustMods
    // reads the `User-Agent` detail).
    changes
        .into_iter()
        .map(|c| c.with_details(vec![("User-Agent", user_agent.to_owned())]))
        .collect()
}

/// Devices (§2.10).
fn device_changes(ctx: &Ctx<'_, '_>, action: DirectoryAction, doer: &Doer<'_>) -> Vec<Change> {
    use DirectoryAction::*;
    let Some(Entity::Device(d)) = ctx.action.params.target else {
        return Vec::new();
    };
    let device = &ctx.tenant.devices[d];
    let os = ctx.action.params.text_or("os", "Windows").to_owned();
    let identity = vec![
        changed("TargetId.DeviceId", None, Some(text(&device.device_id.to_string()))),
        changed("TargetId.DeviceOSType", None, Some(text(&os))),
        changed("TargetId.DeviceTrustType", None, Some(text("AzureAd"))),
    ];
    let target = |mut modified: Vec<Modified>| {
        modified.extend(identity.clone());
        AuditTarget {
            id: Some(device.object_id.to_string()),
            display_name: Some(device.name.clone()),
            kind: Some("Device"),
            modified,
            ..AuditTarget::default()
        }
    };
    let details = vec![
        ("DeviceId", device.device_id.to_string()),
        ("DeviceOSType", os.clone()),
        ("DeviceTrustType", "AzureAd".to_owned()),
    ];
    match action {
        RegisterDevice => {
            let mut changes = vec![
                Change::new(&op::REGISTER_DEVICE, vec![target(Vec::new())]).with_details(details.clone()),
                Change::new(&op::ADD_DEVICE, vec![target(Vec::new())]).with_details(details),
            ];
            // A person registering their device becomes its registered owner.
            if let Doer::User { user, .. } = doer {
                let owner = AuditTarget {
                    id: Some(user.object_id.to_string()),
                    upn: Some(user.upn.clone()),
                    kind: Some("User"),
                    ..AuditTarget::default()
                };
                changes.push(Change::new(&op::ADD_REGISTERED_OWNER_TO_DEVICE, vec![target(Vec::new()), owner]));
            }
            changes
        }
        UpdateDevice => vec![
            Change::new(
                &op::UPDATE_DEVICE,
                vec![target(vec![
                    changed("IsCompliant", Some("[false]".to_owned()), Some("[true]".to_owned())),
                    included(&["IsCompliant"]),
                ])],
            )
            .with_details(details),
        ],
        _ => vec![Change::new(&op::DELETE_DEVICE, vec![target(Vec::new())]).with_details(details)],
    }
}
