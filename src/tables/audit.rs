//! `AuditLogs`: Entra ID directory audit records (azure-logs.md §1.3, §2.4; the shapes of each
//! operation in audit-operations.md §1–§2).

use super::{RecordKey, RecordWriter, Table, standard_columns};
use crate::sim::Event;
use crate::sim::event::{AuditTarget, DirectoryAudit, Initiator};
use serde_json::{Map, Value, json};

/// `InitiatedBy` as records carry it: `{"user": {…}}` or `{"app": {…}}`.
fn initiated_by(initiator: &Initiator) -> Value {
    match initiator {
        Initiator::User { id, upn, display_name, ip } => json!({"user": {
            "id": id.to_string(),
            "displayName": display_name,
            "userPrincipalName": upn,
            "ipAddress": ip.map(|ip| ip.to_string()),
            "roles": [],
        }}),
        Initiator::App {
            display_name,
            app_id,
            sp_id,
        } => json!({"app": {
            "appId": app_id.map(|a| a.to_string()),
            "displayName": display_name,
            "servicePrincipalId": sp_id.map(|s| s.to_string()),
            "servicePrincipalName": Value::Null,
        }}),
    }
}

/// `Identity`: the initiator's display name — an app's, or a user's, which directory audits mostly
/// leave null, so the column is then empty (real-exports.md §3: OTRF export rows).
fn identity_of(initiator: &Initiator) -> &str {
    match initiator {
        Initiator::User { display_name, .. } => display_name.as_deref().unwrap_or_default(),
        Initiator::App { display_name, .. } => display_name,
    }
}

/// One `TargetResources` entry; `userPrincipalName` and `groupType` only where they apply, and
/// `administrativeUnits` always, as Log Analytics rows show (audit-operations.md §1.4).
fn target(t: &AuditTarget) -> Value {
    let mut entry = Map::new();
    entry.insert("id".into(), json!(t.id));
    entry.insert("displayName".into(), json!(t.display_name));
    if let Some(kind) = t.kind {
        entry.insert("type".into(), json!(kind));
    }
    if let Some(upn) = &t.upn {
        entry.insert("userPrincipalName".into(), json!(upn));
    }
    if let Some(group_type) = t.group_type {
        entry.insert("groupType".into(), json!(group_type));
    }
    let modified: Vec<Value> = t
        .modified
        .iter()
        .map(|m| json!({"displayName": m.name, "oldValue": m.old, "newValue": m.new}))
        .collect();
    entry.insert("modifiedProperties".into(), Value::Array(modified));
    entry.insert("administrativeUnits".into(), json!([]));
    Value::Object(entry)
}

/// Writes the `AuditLogs` record for one directory change; keyed by `Id`.
pub fn render(event: &Event<'_>, audit: &DirectoryAudit, w: &mut RecordWriter) -> (Table, RecordKey) {
    let tenant = event.tenant;
    let op = audit.operation;
    let correlation_id = audit.correlation_id.to_string();
    let id = format!("{}_{correlation_id}_{}", op.id_prefix, audit.id_suffix);
    let additional: Vec<Value> = audit
        .additional
        .iter()
        .map(|(key, value)| json!({"key": key, "value": value}))
        .collect();
    let targets: Vec<Value> = audit.targets.iter().map(target).collect();

    w.datetime("TimeGenerated", event.time);
    standard_columns(event, Table::AuditLogs, "Azure AD", w);
    w.string("AADOperationType", op.operation_type);
    w.string_fmt("AADTenantId", format_args!("{}", tenant.tenant_id));
    w.datetime("ActivityDateTime", event.time);
    w.string("ActivityDisplayName", op.name);
    w.dynamic("AdditionalDetails", &Value::Array(additional));
    w.string("Category", op.category);
    w.string("CorrelationId", &correlation_id);
    w.long("DurationMs", 0);
    w.string("Id", &id);
    w.string("Identity", identity_of(&audit.initiator));
    w.dynamic("InitiatedBy", &initiated_by(&audit.initiator));
    w.string("Level", "4");
    w.string("Location", "");
    w.string("LoggedByService", op.service);
    w.string("OperationName", op.name);
    w.string("OperationVersion", "1.0");
    w.string("Resource", "Microsoft.aadiam");
    w.string("ResourceGroup", "Microsoft.aadiam");
    w.string_fmt(
        "ResourceId",
        format_args!("/tenants/{}/providers/Microsoft.aadiam", tenant.tenant_id),
    );
    w.string("ResourceProvider", "Microsoft.aadiam");
    w.string("Result", if audit.success { "success" } else { "failure" });
    w.string("ResultDescription", &audit.reason);
    w.string("ResultReason", &audit.reason);
    w.string("ResultSignature", "None");
    w.string("ResultType", "");
    w.dynamic("TargetResources", &Value::Array(targets));
    (
        Table::AuditLogs,
        RecordKey {
            table: Table::AuditLogs,
            column: "Id",
            value: id,
        },
    )
}
