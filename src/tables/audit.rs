//! `AuditLogs`: Entra ID directory audit records (azure-logs.md §1.3, §2.4, §5.3–5.5).

use super::{RecordKey, RecordWriter, Table, standard_columns};
use crate::scenario::model::GraphOperationKind;
use crate::scenario::tenant::Identity;
use crate::sim::Event;
use crate::sim::event::{AuditAction, DirectoryAudit};
use serde_json::{Value, json};

/// The operation name detections match on. The en dash is what real logs and the seed's rule use
/// (azure-logs.md §5.3), although Microsoft's reference table prints a hyphen.
pub const CREDENTIAL_UPDATE_OPERATION: &str = "Update application – Certificates and secrets management";

fn key_description(key_id: uuid::Uuid, certificate: bool, display_name: &str) -> String {
    let (key_type, usage) = if certificate {
        ("AsymmetricX509Cert", "Verify")
    } else {
        ("Password", "Verify")
    };
    format!("[KeyIdentifier={key_id},KeyType={key_type},KeyUsage={usage},DisplayName={display_name}]")
}

/// The parts of an audit record that depend on what was done.
struct Shape {
    id_prefix: &'static str,
    category: &'static str,
    service: &'static str,
    operation: &'static str,
    operation_type: &'static str,
    initiated_by: Value,
    target_resources: Value,
    additional: Value,
}

const PORTAL_USER_AGENT: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";

fn app_initiator(target: &Identity) -> Value {
    // App-initiated records carry no IP address (seed, Graph scenario).
    json!({"app": {"appId": target.app_id.to_string(), "displayName": target.name, "servicePrincipalId": target.sp_object_id.to_string(), "servicePrincipalName": Value::Null}})
}

fn user_initiator(upn: &str, id: uuid::Uuid, ip: std::net::Ipv4Addr) -> Value {
    json!({"user": {"id": id.to_string(), "displayName": Value::Null, "userPrincipalName": upn, "ipAddress": ip.to_string(), "roles": []}})
}

/// Application updates target the application object (its `id` is not the SP's), and carry the
/// app id in `AdditionalDetails` as real records do (azure-logs.md §2.4).
fn application_target(target: &Identity, display_name: &str, modified: Value) -> Value {
    json!([{"id": target.application_object_id.to_string(), "displayName": display_name, "type": "Application", "modifiedProperties": modified, "administrativeUnits": []}])
}

fn application_details(target: &Identity) -> Value {
    json!([{"key": "User-Agent", "value": PORTAL_USER_AGENT}, {"key": "AppId", "value": target.app_id.to_string()}])
}

fn shape(target: &Identity, action: &AuditAction<'_>) -> Shape {
    match action {
        AuditAction::ConditionalAccess { operation, policy } => {
            let (name, op_type) = match operation {
                GraphOperationKind::DeleteConditionalAccessPolicy => ("Delete conditional access policy", "Delete"),
                GraphOperationKind::UpdateConditionalAccessPolicy => ("Update conditional access policy", "Update"),
            };
            let old_value = json!({"id": policy.id.to_string(), "displayName": policy.name, "state": "enabled"}).to_string();
            let new_value = match operation {
                GraphOperationKind::DeleteConditionalAccessPolicy => Value::Null,
                GraphOperationKind::UpdateConditionalAccessPolicy => Value::String(
                    json!({"id": policy.id.to_string(), "displayName": policy.name, "state": "enabledForReportingButNotEnforced"})
                        .to_string(),
                ),
            };
            Shape {
                id_prefix: "IPCGraph",
                category: "Policy",
                service: "Conditional Access",
                operation: name,
                operation_type: op_type,
                initiated_by: app_initiator(target),
                target_resources: json!([{"id": policy.id.to_string(), "displayName": policy.name, "type": "Policy", "modifiedProperties": [{"displayName": "ConditionalAccessPolicy", "oldValue": old_value, "newValue": new_value}], "administrativeUnits": []}]),
                additional: json!([{"key": "Category", "value": "Conditional Access"}]),
            }
        }
        AuditAction::CredentialAdded {
            actor_upn,
            actor_id,
            actor_ip,
            key_id,
            certificate,
            existing,
            display_name,
        } => {
            let old: Vec<String> = existing.iter().map(|(k, cert)| key_description(*k, *cert, "")).collect();
            let mut new = old.clone();
            new.push(key_description(
                *key_id,
                *certificate,
                if *certificate { "CN=added" } else { "added" },
            ));
            let modified = json!([
                {"displayName": "KeyDescription", "oldValue": serde_json::to_string(&old).unwrap_or_default(), "newValue": serde_json::to_string(&new).unwrap_or_default()},
                {"displayName": "Included Updated Properties", "oldValue": Value::Null, "newValue": "\"KeyDescription\""}
            ]);
            Shape {
                id_prefix: "Directory",
                category: "ApplicationManagement",
                service: "Core Directory",
                operation: CREDENTIAL_UPDATE_OPERATION,
                operation_type: "Update",
                initiated_by: user_initiator(actor_upn, *actor_id, *actor_ip),
                target_resources: application_target(target, display_name, modified),
                additional: application_details(target),
            }
        }
        AuditAction::Renamed {
            actor_upn,
            actor_id,
            actor_ip,
            old_name,
            new_name,
        } => {
            let modified = json!([
                {"displayName": "DisplayName", "oldValue": json!([old_name]).to_string(), "newValue": json!([new_name]).to_string()},
                {"displayName": "Included Updated Properties", "oldValue": Value::Null, "newValue": "\"DisplayName\""}
            ]);
            Shape {
                id_prefix: "Directory",
                category: "ApplicationManagement",
                service: "Core Directory",
                operation: "Update application",
                operation_type: "Update",
                initiated_by: user_initiator(actor_upn, *actor_id, *actor_ip),
                target_resources: application_target(target, new_name, modified),
                additional: application_details(target),
            }
        }
        AuditAction::AppRoleAssigned => Shape {
            id_prefix: "Directory",
            category: "ApplicationManagement",
            service: "Core Directory",
            operation: "Add app role assignment to service principal",
            operation_type: "Assign",
            initiated_by: app_initiator(target),
            target_resources: json!([{"id": target.sp_object_id.to_string(), "displayName": target.name, "type": "ServicePrincipal", "modifiedProperties": [
                {"displayName": "AppRole.Value", "oldValue": Value::Null, "newValue": "\"RoleManagement.ReadWrite.Directory\""}
            ], "administrativeUnits": []}]),
            additional: json!([{"key": "User-Agent", "value": "Microsoft.Graph.PowerShell/2.25.0"}]),
        },
    }
}

/// Writes the `AuditLogs` record for one directory change; keyed by `Id`.
pub fn render(event: &Event<'_>, audit: &DirectoryAudit<'_>, w: &mut RecordWriter) -> (Table, RecordKey) {
    let tenant = event.tenant;
    let correlation_id = audit.correlation_id.to_string();
    let Shape {
        id_prefix: prefix,
        category,
        service,
        operation,
        operation_type,
        initiated_by,
        target_resources,
        additional,
    } = shape(audit.target, &audit.action);
    let id = format!("{prefix}_{correlation_id}_{}", audit.id_suffix);
    // `Identity` is the initiator's display name — an app's, or a user's, which directory audits
    // leave null, so the column is empty for users (real-exports.md §3: OTRF export rows).
    let identity = initiated_by
        .pointer("/app/displayName")
        .or_else(|| initiated_by.pointer("/user/displayName"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();

    w.datetime("TimeGenerated", event.time);
    standard_columns(event, Table::AuditLogs, "Azure AD", w);
    w.string("AADOperationType", operation_type);
    w.string_fmt("AADTenantId", format_args!("{}", tenant.tenant_id));
    w.datetime("ActivityDateTime", event.time);
    w.string("ActivityDisplayName", operation);
    w.dynamic("AdditionalDetails", &additional);
    w.string("Category", category);
    w.string("CorrelationId", &correlation_id);
    w.long("DurationMs", 0);
    w.string("Id", &id);
    w.string("Identity", &identity);
    w.dynamic("InitiatedBy", &initiated_by);
    w.string("Level", "4");
    w.string("Location", "");
    w.string("LoggedByService", service);
    w.string("OperationName", operation);
    w.string("OperationVersion", "1.0");
    w.string("Resource", "Microsoft.aadiam");
    w.string("ResourceGroup", "Microsoft.aadiam");
    w.string_fmt(
        "ResourceId",
        format_args!("/tenants/{}/providers/Microsoft.aadiam", tenant.tenant_id),
    );
    w.string("ResourceProvider", "Microsoft.aadiam");
    w.string("Result", "success");
    w.string("ResultDescription", "");
    w.string("ResultReason", "");
    w.string("ResultSignature", "None");
    w.string("ResultType", "");
    w.dynamic("TargetResources", &target_resources);
    (
        Table::AuditLogs,
        RecordKey {
            table: Table::AuditLogs,
            column: "Id",
            value: id,
        },
    )
}
