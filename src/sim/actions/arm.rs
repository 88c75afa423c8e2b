//! ARM actions: an operation's status events in `AzureActivity`, with the request and response
//! bodies rules read (arm-and-keyvault-operations.md §1.1, §1.5): a role assignment's principal and
//! role, a VM's size, an extension's publisher and command, a network rule's ports and source.

use super::{Ctx, Doer};
use crate::catalog::arm::{ArmFlow, ArmOp};
use crate::catalog::{self, roles, services};
use crate::ids::{SimRng, random_guid};
use crate::scenario::tenant::{ActionParams, ArmResourceRef, Entity, Tenant};
use crate::sim::calls::ms;
use crate::sim::event::{AccessPolicyChange, ArmActivity, ArmBody, ArmCaller, ArmStatus, ArmTarget, Event, EventKind};
use crate::sim::tokens::RunTokens;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// The events of one ARM operation by `doer` on the action's resource, from `at`.
pub(super) fn perform<'t>(
    ctx: &Ctx<'_, 't>,
    op: ArmOp<'t>,
    doer: &Doer<'t>,
    at: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let params = &ctx.action.params;
    if let (Some((server, database)), Doer::Identity { caller, .. }) = (&params.sql_database, doer) {
        // A template deployment of a database: the deployment's and the database's events under
        // one CorrelationId, as the seed's pipeline writes them.
        let Some(token) = doer.token(catalog::arm(), at, tokens, rng, out) else {
            return;
        };
        let server = &ctx.tenant.sql_servers[*server];
        crate::sim::workloads::deployment(ctx.tenant, caller.identity, server, database, token, doer.ip(), at, rng, out);
        return;
    }
    let Some(resource) = params.arm_resource.as_ref() else { return };
    let target = target_of(op, params, resource, rng);
    let before = out.len();
    operation(ctx, op, doer, target, at, tokens, rng, out);
    let done = out[before..]
        .last()
        .map(|e| e.time)
        .filter(|_| !ctx.action.fails && out.len() > before);
    if let Some(done) = done {
        consequences(ctx, op, doer, done, rng, out);
    }
}

/// What other services log of a successful operation: the vault's own `VaultPatch` of an
/// access-policy change; the directory's record of an elevation of access.
fn consequences<'t>(ctx: &Ctx<'_, 't>, op: ArmOp<'t>, doer: &Doer<'t>, done: DateTime<Utc>, rng: &mut SimRng, out: &mut Vec<Event<'t>>) {
    let Doer::User { user, .. } = doer else { return };
    let params = &ctx.action.params;
    match op.name {
        "Microsoft.KeyVault/vaults/accessPolicies/write" => {
            let (Some(v), Some(resource)) = (params.vault, params.arm_resource.as_ref()) else {
                return;
            };
            let Some(object_id) = principal(ctx.tenant, params).map(|(id, _)| id) else {
                return;
            };
            let secrets: Vec<String> = params
                .text_or("permissions", "get,list")
                .split(',')
                .map(|p| p.trim().to_owned())
                .collect();
            let change = AccessPolicyChange {
                added: !resource.name.eq_ignore_ascii_case("remove"),
                object_id,
                permissions: [Vec::new(), secrets, Vec::new()],
            };
            let client = user_client(params);
            out.push(super::keyvault::vault_patch(
                ctx,
                user,
                client,
                v,
                change,
                done + ms(rng, 100, 900),
                rng,
            ));
        }
        "Microsoft.Authorization/elevateAccess/action" => {
            let initiator = crate::sim::event::Initiator::User {
                id: user.object_id,
                upn: Some(user.upn.clone()),
                display_name: None,
                ip: Some(doer.ip()),
            };
            let change = crate::sim::directory::Change::new(&catalog::directory::ELEVATE_ACCESS, Vec::new());
            crate::sim::calls::push_audits_with(ctx.tenant, &initiator, vec![change], true, done, rng, out);
        }
        _ => {}
    }
}

/// The client app a person's ARM call comes from (`client`, default the portal).
pub(super) fn user_client(params: &ActionParams) -> &'static services::MicrosoftApp {
    params
        .client
        .unwrap_or_else(|| services::client_app("portal").expect("catalog has the portal"))
}

/// Emits the events of `op` on `target`: Start, then Accept for asynchronous operations, then
/// Success — or Failure when the action fails — under one CorrelationId.
#[allow(clippy::too_many_arguments)]
fn operation<'t>(
    ctx: &Ctx<'_, 't>,
    op: ArmOp<'t>,
    doer: &Doer<'t>,
    target: ArmTarget,
    at: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let arm_app = catalog::arm();
    let Some(token) = doer.token(arm_app, at, tokens, rng, out) else {
        return;
    };
    let (caller, caller_role) = match doer {
        Doer::Identity { caller, .. } => (
            ArmCaller::Identity {
                identity: caller.identity,
                token,
            },
            Some(roles::contributor()),
        ),
        Doer::User { user, client, .. } => (ArmCaller::User { user, token, client }, roles::azure_role("Owner")),
        // The resolver lets no service do an ARM write.
        Doer::Service { .. } => return,
    };
    let params = &ctx.action.params;
    let (request, response) = bodies(ctx.tenant, op, params, &target);
    let mut steps = steps(op, ctx.action.fails, request, response);
    if let (Some(message), Some(last)) = (success_message(ctx.tenant, op, params, &target), steps.last_mut())
        && last.0 == ArmStatus::Success
    {
        last.2 = ArmBody::Message(message);
    }
    let (correlation_id, operation_id) = (random_guid(rng), random_guid(rng));
    let mut when = at + ms(rng, 500, 3_000);
    for (status, substatus, body, gap_ms) in steps {
        out.push(Event {
            time: when,
            tenant: ctx.tenant,
            kind: EventKind::Arm(ArmActivity {
                caller: caller.clone(),
                operation: op,
                resource: target.clone(),
                status,
                substatus,
                caller_ip: doer.ip(),
                correlation_id,
                operation_id,
                event_data_id: random_guid(rng),
                body,
                role: caller_role.unwrap_or(roles::contributor()),
            }),
        });
        when += ms(rng, gap_ms / 2, gap_ms + gap_ms / 2 + 1);
    }
}

/// The status events of an operation, with their bodies and the typical delay to the next.
fn steps(op: ArmOp<'_>, fails: bool, request: Option<Value>, response: Option<Value>) -> Vec<(ArmStatus, &'static str, ArmBody, i64)> {
    let start = (ArmStatus::Start, "", request.map_or(ArmBody::None, ArmBody::Request), 1_500);
    if fails {
        let denied = json!({"error": {"code": "AuthorizationFailed", "message": format!("The client does not have authorization to perform action '{}' over the scope or the scope is invalid.", op.name)}});
        return vec![start, (ArmStatus::Failure, "Forbidden", ArmBody::Failure(denied), 0)];
    }
    let response = response.map_or(ArmBody::None, ArmBody::Response);
    match op.flow {
        ArmFlow::Sync => {
            let done = if op.method == "PUT" { "Created" } else { "OK" };
            vec![start, (ArmStatus::Success, done, response, 0)]
        }
        ArmFlow::Async => {
            let accepted = if op.method == "PUT" { "Created" } else { "Accepted" };
            vec![
                start,
                (ArmStatus::Accept, accepted, response, 20_000),
                (ArmStatus::Success, "OK", ArmBody::None, 0),
            ]
        }
    }
}

/// The `message` a successful operation logs instead of its name: a subscription's move names the
/// tenant it left and the one it joined, the text Microsoft's subscription-migration rule parses
/// (arm-and-keyvault-operations.md §1.7; the words around the two ids are not confirmed).
fn success_message(tenant: &Tenant, op: ArmOp<'_>, params: &ActionParams, target: &ArmTarget) -> Option<String> {
    (op.name == "Microsoft.Subscription/updateTenant/action").then(|| {
        let to = params.text_or("partner_tenant", "00000000-0000-0000-0000-000000000000");
        format!(
            "Subscription {} moved from tenant {} to tenant {to}",
            target.subscription, tenant.tenant_id
        )
    })
}

/// The resource as the operation names it; a role assignment lives under its scope, with an id of
/// its own.
fn target_of(op: ArmOp<'_>, params: &ActionParams, resource: &ArmResourceRef, rng: &mut SimRng) -> ArmTarget {
    if op.name.starts_with("Microsoft.Authorization/roleAssignments/") {
        let group_scope = format!(
            "/subscriptions/{}/resourceGroups/{}",
            resource.subscription, resource.resource_group
        );
        let scope = params.arm_scope.clone().unwrap_or(group_scope);
        let name = random_guid(rng).to_string();
        let resource_group = scope
            .split('/')
            .skip_while(|s| !s.eq_ignore_ascii_case("resourceGroups"))
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        return ArmTarget {
            id: format!(
                "{}/providers/Microsoft.Authorization/roleAssignments/{name}",
                scope.trim_end_matches('/')
            ),
            name,
            resource_group,
            subscription: resource.subscription,
        };
    }
    ArmTarget {
        id: resource.id.clone(),
        name: resource.name.clone(),
        resource_group: resource.resource_group.clone(),
        subscription: resource.subscription,
    }
}

/// The principal a role assignment or access policy names, with its type.
fn principal(tenant: &Tenant, params: &ActionParams) -> Option<(uuid::Uuid, &'static str)> {
    Some(match params.member? {
        Entity::User(u) => (tenant.users[u].object_id, "User"),
        Entity::Identity(i) => (tenant.identities[i].sp_object_id, "ServicePrincipal"),
        Entity::Application(a) => (tenant.applications[a].sp_object_id, "ServicePrincipal"),
        Entity::Group(g) => (tenant.groups[g].object_id, "Group"),
        Entity::Device(d) => (tenant.devices[d].object_id, "Device"),
    })
}

/// The start event's `requestbody` and the accept (or end) event's `responseBody` of operations
/// whose bodies rules read.
fn bodies(tenant: &Tenant, op: ArmOp<'_>, params: &ActionParams, target: &ArmTarget) -> (Option<Value>, Option<Value>) {
    let text = |name: &str, default: &'static str| params.text_or(name, default).to_owned();
    let region = params.arm_resource.as_ref().map_or("westeurope", |r| r.region.name);
    match op.name {
        "Microsoft.Authorization/roleAssignments/write" => {
            let role = params.azure_role.unwrap_or(roles::contributor());
            let (principal_id, principal_type) = principal(tenant, params).unwrap_or((uuid::Uuid::nil(), "User"));
            let body = json!({"properties": {
                "roleDefinitionId": format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{}", target.subscription, role.id),
                "principalId": principal_id.to_string(),
                "principalType": principal_type,
            }});
            (Some(body), None)
        }
        "Microsoft.Compute/virtualMachines/write" => {
            let size = text("vm_size", "Standard_D2s_v5");
            let body = json!({"name": target.name, "id": target.id, "type": "Microsoft.Compute/virtualMachines", "location": region,
                "properties": {"vmId": crate::ids::child_guid(target.subscription, target.id.len() as u64).to_string(),
                    "hardwareProfile": {"vmSize": size},
                    "storageProfile": {"osDisk": {"osType": "Linux", "createOption": "FromImage", "caching": "ReadWrite"}},
                    "osProfile": {"computerName": target.name, "adminUsername": "azureuser"},
                    "provisioningState": "Creating"}});
            (None, Some(body))
        }
        "Microsoft.Compute/virtualMachines/extensions/write" => {
            let file_uris: Vec<&str> = params
                .text
                .get("file_uris")
                .map_or(Vec::new(), |u| u.split(',').map(str::trim).collect());
            let settings = json!({"commandToExecute": text("command", "powershell -ExecutionPolicy Unrestricted -File setup.ps1"), "fileUris": file_uris});
            let properties = json!({"publisher": text("publisher", "Microsoft.Compute"), "type": text("extension_type", "CustomScriptExtension"),
                "typeHandlerVersion": "1.10", "autoUpgradeMinorVersion": true, "settings": settings});
            let mut response = json!({"name": target.name, "properties": properties.clone()});
            response["properties"]["provisioningState"] = json!("Creating");
            (Some(json!({"location": region, "properties": properties})), Some(response))
        }
        "Microsoft.Network/networkSecurityGroups/securityRules/write" => {
            let properties = json!({"protocol": "*", "sourcePortRange": "*", "destinationPortRange": text("port", "443"),
                "sourceAddressPrefix": text("source", "VirtualNetwork"), "destinationAddressPrefix": "*",
                "access": text("access", "Allow"), "priority": 100, "direction": text("direction", "Inbound")});
            let mut response = json!({"name": target.name, "id": target.id, "properties": properties.clone()});
            response["properties"]["provisioningState"] = json!("Updating");
            (Some(json!({"name": target.name, "properties": properties})), Some(response))
        }
        "Microsoft.Compute/virtualMachines/runCommand/action" => {
            let script: Vec<String> = text("command", "Get-Service").lines().map(str::to_owned).collect();
            (Some(json!({"commandId": "RunPowerShellScript", "script": script})), None)
        }
        "Microsoft.Network/publicIPAddresses/write" => {
            let response = json!({"name": target.name, "location": region, "sku": {"name": "Standard"},
                "properties": {"publicIPAddressVersion": "IPv4", "publicIPAllocationMethod": "Static", "idleTimeoutInMinutes": 4}});
            (None, Some(response))
        }
        "Microsoft.KeyVault/vaults/accessPolicies/write" => {
            let object_id = principal(tenant, params).map_or_else(String::new, |(id, _)| id.to_string());
            let secrets: Vec<String> = text("permissions", "get,list").split(',').map(|p| p.trim().to_owned()).collect();
            let body = json!({"properties": {"accessPolicies": [{"tenantId": tenant.tenant_id.to_string(), "objectId": object_id,
                "permissions": {"keys": [], "secrets": secrets, "certificates": []}}]}});
            (Some(body), None)
        }
        "Microsoft.Resources/deployments/write" => match params.text.get("vm_size") {
            Some(size) => (
                None,
                Some(json!({"properties": {"provisioningState": "Accepted", "template": {"resources": [
                {"type": "Microsoft.Compute/virtualMachines", "properties": {"hardwareProfile": {"vmSize": size}}}]}}})),
            ),
            None => (None, None),
        },
        _ => (None, None),
    }
}

/// A person opens Cloud Shell: its console, then on first use the storage account it creates in
/// `cloud-shell-storage-<region>` and the listing of that account's keys, within a minute or two
/// (Azure Cloud Shell docs on persisted storage; Sentinel's "New CloudShell User" reads these).
pub(super) fn cloud_shell<'t>(
    ctx: &Ctx<'_, 't>,
    doer: &Doer<'t>,
    at: DateTime<Utc>,
    tokens: &mut RunTokens<'_>,
    rng: &mut SimRng,
    out: &mut Vec<Event<'t>>,
) {
    let Some(resource) = ctx.action.params.arm_resource.as_ref() else {
        return;
    };
    let subscription = resource.subscription;
    let console = ArmTarget {
        id: "/providers/Microsoft.Portal/consoles/default".to_owned(),
        name: "default".to_owned(),
        resource_group: String::new(),
        subscription,
    };
    let op = |key: &str| {
        catalog::arm::arm_operation(key)
            .expect("catalog has the Cloud Shell operations")
            .op()
    };
    operation(ctx, op("cloud_shell_write"), doer, console, at, tokens, rng, out);
    // A returning user's shell mounts the storage it made the first time.
    if ctx.action.params.text_or("storage", "new") == "existing" {
        return;
    }
    let group = format!("cloud-shell-storage-{}", resource.region.name);
    let account = format!("cs{}", &random_guid(rng).simple().to_string()[..16]);
    let storage = ArmTarget {
        id: format!("/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{account}"),
        name: account,
        resource_group: group,
        subscription,
    };
    let next = at + ms(rng, 20_000, 60_000);
    operation(ctx, op("storage_account_write"), doer, storage.clone(), next, tokens, rng, out);
    let keys = next + ms(rng, 40_000, 90_000);
    operation(ctx, op("storage_list_keys"), doer, storage, keys, tokens, rng, out);
}
