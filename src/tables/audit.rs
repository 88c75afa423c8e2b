//! `AuditLogs`: Entra ID directory audit records (azure-logs.md §1.3, §2.4, §5.3–5.5).

use super::{RecordKey, RecordWriter, Table, standard_columns};
use crate::scenario::model::GraphOperationKind;
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

pub fn render(event: &Event<'_>, audit: &DirectoryAudit<'_>, w: &mut RecordWriter) -> (Table, RecordKey) {
    let tenant = event.tenant;
    let target = audit.target;
    let correlation_id = audit.correlation_id.to_string();
    let (prefix, category, service, operation, operation_type, initiated_by, target_resources, additional): (
        &str,
        &str,
        &str,
        &str,
        &str,
        Value,
        Value,
        Value,
    ) = match &audit.action {
        AuditAction::ConditionalAccess { operation, policy } => {
            let (name, op_type) = match operation {
                GraphOperationKind::DeleteConditionalAccessPolicy => ("Delete conditional access policy", "Delete"),
                GraphOperationKind::UpdateConditionalAccessPolicy => ("Update conditional access policy", "Update"),
            };
            let policy_json = json!({"id": policy.id.to_string(), "displayName": policy.name, "state": "enabled"}).to_string();
            let new_value = match operation {
                GraphOperationKind::DeleteConditionalAccessPolicy => Value::Null,
                GraphOperationKind::UpdateConditionalAccessPolicy => Value::String(
                    json!({"id": policy.id.to_string(), "displayName": policy.name, "state": "enabledForReportingButNotEnforced"})
                        .to_string(),
                ),
            };
            (
                "IPCGraph",
                "Policy",
                "Conditional Access",
                name,
                op_type,
                // App-initiated records carry no IP address (seed, Graph scenario).
                json!({"app": {"appId": target.app_id.to_string(), "displayName": target.name, "servicePrincipalId": target.sp_object_id.to_string(), "servicePrincipalName": Value::Null}}),
                json!([{"id": policy.id.to_string(), "displayName": policy.name, "type": "Policy", "modifiedProperties": [{"displayName": "ConditionalAccessPolicy", "oldValue": policy_json, "newValue": new_value}], "administrativeUnits": []}]),
                json!([{"key": "Category", "value": "Conditional Access"}]),
            )
        }
        AuditAction::CredentialAdded {
            actor_upn,
            actor_id,
            actor_ip,
            key_id,
            certificate,
            existing,
        } => {
            let old: Vec<String> = existing.iter().map(|(k, cert)| key_description(*k, *cert, "")).collect();
            let mut new = old.clone();
            new.push(key_description(
                *key_id,
                *certificate,
                if *certificate { "CN=added" } else { "added" },
            ));
            (
                "Directory",
                "ApplicationManagement",
                "Core Directory",
                CREDENTIAL_UPDATE_OPERATION,
                "Update",
                json!({"user": {"id": actor_id.to_string(), "displayName": Value::Null, "userPrincipalName": actor_upn, "ipAddress": actor_ip.to_string(), "roles": []}}),
                // The target is the application object: its display name is the SP's name.
                json!([{"id": target.application_object_id.to_string(), "displayName": target.name, "type": "Application", "modifiedProperties": [
                    {"displayName": "KeyDescription", "oldValue": serde_json::to_string(&old).unwrap_or_default(), "newValue": serde_json::to_string(&new).unwrap_or_default()},
                    {"displayName": "Included Updated Properties", "oldValue": Value::Null, "newValue": "\"KeyDescription\""}
                ], "administrativeUnits": []}]),
                json!([{"key": "User-Agent", "value": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"}]),
            )
        }
    };
    let id = format!("{prefix}_{correlation_id}_{}", audit.id_suffix);
    let identity = initiated_by
        .pointer("/app/displayName")
        .or_else(|| initiated_by.pointer("/user/userPrincipalName"))
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
