//! `AzureDiagnostics`: Key Vault `AuditEvent` and Logic Apps `WorkflowRuntime` records, each with
//! the columns that category populates (azure-logs.md §1.5, export shapes §3.4–3.5).

use super::keyvault::VaultRecord;
use super::{RecordKey, RecordWriter, Table, standard_columns};
use crate::sim::Event;
use crate::sim::event::{KeyVaultOp, LogicAppEvent, WorkflowStep};

/// Columns every Key Vault `AuditEvent` record carries, besides `_IsBillable`/`_BilledSize`.
pub const KEYVAULT_ENVELOPE: &[&str] = &[
    "TimeGenerated",
    "TenantId",
    "SourceSystem",
    "Type",
    "ResourceId",
    "_ResourceId",
    "SubscriptionId",
    "_SubscriptionId",
    "ResourceGroup",
    "ResourceProvider",
    "Resource",
    "ResourceType",
    "Category",
    "OperationName",
    "OperationVersion",
    "ResultType",
    "ResultSignature",
    "ResultDescription",
    "DurationMs",
    "CallerIPAddress",
    "CorrelationId",
    "requestUri_s",
    "clientInfo_s",
    "httpStatusCode_d",
    "tlsVersion_s",
];

/// The columns a Key Vault `AuditEvent` record carries besides the envelope, depending on the
/// object named and on the caller (arm-and-keyvault-operations.md §2.5).
pub const KEYVAULT_OPTIONAL: &[&str] = &[
    "id_s",
    "isAccessPolicyMatch_b",
    "identity_claim_appid_g",
    "identity_claim_oid_g",
    "identity_claim_appidacr_s",
    "identity_claim_idtyp_s",
    "identity_claim_xms_az_nwperimid_s",
    "identity_claim_xms_mirid_s",
    "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g",
    "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s",
    "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_name_s",
    "addedAccessPolicy_ObjectId_g",
    "addedAccessPolicy_TenantId_g",
    "addedAccessPolicy_Permissions_keys_s",
    "addedAccessPolicy_Permissions_secrets_s",
    "addedAccessPolicy_Permissions_certificates_s",
    "removedAccessPolicy_ObjectId_g",
    "removedAccessPolicy_Permissions_keys_s",
    "removedAccessPolicy_Permissions_secrets_s",
    "removedAccessPolicy_Permissions_certificates_s",
];

/// Columns a Logic Apps `WorkflowRuntime` record carries, besides `_IsBillable`/`_BilledSize`.
pub const WORKFLOW_COLUMNS: &[&str] = &[
    "TimeGenerated",
    "TenantId",
    "SourceSystem",
    "Type",
    "ResourceId",
    "_ResourceId",
    "SubscriptionId",
    "_SubscriptionId",
    "ResourceGroup",
    "ResourceProvider",
    "Resource",
    "ResourceType",
    "Category",
    "OperationName",
    "Level",
    "ResultType",
    "workflowId_s",
    "_schema_s",
    "startTime_t",
    "endTime_t",
    "status_s",
    "code_s",
    "error_code_s",
    "error_message_s",
    "resource_subscriptionId_g",
    "resource_resourceGroupName_s",
    "resource_workflowId_g",
    "resource_workflowName_s",
    "resource_runId_s",
    "resource_location_s",
    "resource_actionName_s",
    "resource_triggerName_s",
    "correlation_clientTrackingId_s",
    "correlation_actionTrackingId_g",
    "retryHistory_s",
    "tags_LogicAppsCategory_s",
];

/// Resource logs carry upper-case ARM ids (§2.6); `_ResourceId` is the lower-case canonical form.
fn resource_ids(w: &mut RecordWriter, arm_id: &str) {
    w.string("ResourceId", &arm_id.to_uppercase());
    w.string_unbilled("_ResourceId", &arm_id.to_lowercase());
}

/// Writes the `AzureDiagnostics` record for one Key Vault request (`AuditEvent`); keyed by
/// `CorrelationId`. `ResultType` is `Success` whatever the HTTP status: it says the request
/// completed, not that it was allowed (SEKOIA and Google SecOps samples: 401, 403, 404 rows).
pub fn render_keyvault(event: &Event<'_>, op: &KeyVaultOp<'_>, w: &mut RecordWriter) -> (Table, RecordKey) {
    let names = &op.vault.log_names;
    let record = VaultRecord::of(event, op);
    w.datetime("TimeGenerated", event.time);
    standard_columns(event, Table::AzureDiagnostics, "Azure", w);
    w.string("ResourceId", &names.resource_id);
    w.string_unbilled("_ResourceId", &names.resource_id_lower);
    w.string("SubscriptionId", &names.subscription_id);
    w.string_unbilled("_SubscriptionId", &names.subscription_id);
    w.string("ResourceGroup", &names.resource_group_upper);
    w.string("ResourceProvider", "MICROSOFT.KEYVAULT");
    w.string("Resource", &names.name_upper);
    w.string("ResourceType", "VAULTS");
    w.string("Category", "AuditEvent");
    w.string("OperationName", op.operation);
    w.string("OperationVersion", record.api_version);
    w.string("ResultType", "Success");
    w.string("ResultSignature", record.signature);
    w.string("ResultDescription", &record.description);
    w.long("DurationMs", op.duration_ms);
    w.string_fmt("CallerIPAddress", format_args!("{}", op.caller_ip));
    w.string("CorrelationId", &record.correlation_id);
    if let Some(id) = &record.id {
        w.string("id_s", id);
    }
    w.string("requestUri_s", &record.request_uri);
    w.static_string("clientInfo_s", record.client_info);
    w.real("httpStatusCode_d", f64::from(op.status));
    w.string("tlsVersion_s", "TLS1_2");
    if let Some(matched) = record.access_policy_match {
        w.boolean("isAccessPolicyMatch_b", matched);
    }
    for (claim, value) in &record.claims {
        w.string(claim.column(), value);
    }
    if let Some(change) = &op.policy_change {
        access_policy_columns(event, change, w);
    }
    (
        Table::AzureDiagnostics,
        RecordKey {
            table: Table::AzureDiagnostics,
            column: "CorrelationId",
            value: record.correlation_id,
        },
    )
}

/// The delta columns of an access-policy change on `VaultPatch`: the principal, the tenant and
/// each object kind's permissions as a JSON list (SENT hunting query `AzureKeyVaultAccessManipulation`
/// reads `addedAccessPolicy_*` and `removedAccessPolicy_*`).
fn access_policy_columns(event: &Event<'_>, change: &crate::sim::event::AccessPolicyChange, w: &mut RecordWriter) {
    let prefix = if change.added { "addedAccessPolicy" } else { "removedAccessPolicy" };
    w.string_fmt(&format!("{prefix}_ObjectId_g"), format_args!("{}", change.object_id));
    // The table has no removedAccessPolicy_TenantId_g column (schemas/AzureDiagnostics.json).
    if change.added {
        w.string_fmt("addedAccessPolicy_TenantId_g", format_args!("{}", event.tenant.tenant_id));
    }
    for (kind, permissions) in ["keys", "secrets", "certificates"].iter().zip(&change.permissions) {
        let list = serde_json::to_string(permissions).unwrap_or_default();
        w.string(&format!("{prefix}_Permissions_{kind}_s"), &list);
    }
}

/// The run id plus one, as the 20-digit decimal text it is.
fn client_tracking_id(run_id: &str) -> String {
    match run_id.parse::<u128>() {
        Ok(n) => format!("{:0width$}", n + 1, width = run_id.len()),
        Err(_) => run_id.to_owned(),
    }
}

/// Writes the `AzureDiagnostics` record for one Logic Apps `WorkflowRuntime` event;
/// keyed by `resource_runId_s`.
pub fn render_workflow(event: &Event<'_>, run: &LogicAppEvent<'_>, w: &mut RecordWriter) -> (Table, RecordKey) {
    let tenant = event.tenant;
    let la = run.logic_app;
    let subscription = tenant.subscription_of(&la.placement).id.to_string();
    let rg = tenant.resource_group_name(&la.placement);
    let workflow_id = tenant.arm_id(&la.placement, "Microsoft.Logic/workflows", &la.name);
    let (kind, resource_type, name, action, trigger) = match run.step {
        WorkflowStep::Run => ("Run", "WORKFLOWS/RUNS", la.name.as_str(), "", ""),
        WorkflowStep::Trigger => ("Trigger", "WORKFLOWS/RUNS/TRIGGERS", la.trigger.as_str(), "", la.trigger.as_str()),
        WorkflowStep::Action(i) => (
            "Action",
            "WORKFLOWS/RUNS/ACTIONS",
            la.actions[i].as_str(),
            la.actions[i].as_str(),
            "",
        ),
    };
    let resource_id = match run.step {
        WorkflowStep::Run => format!("{workflow_id}/runs/{}", run.run_id),
        WorkflowStep::Trigger => format!("{workflow_id}/runs/{}/triggers/{name}", run.run_id),
        WorkflowStep::Action(_) => format!("{workflow_id}/runs/{}/actions/{name}", run.run_id),
    };
    let (phase, status) = if run.completed {
        ("Completed", "Succeeded")
    } else {
        ("Started", "Running")
    };
    w.datetime("TimeGenerated", event.time);
    standard_columns(event, Table::AzureDiagnostics, "Azure", w);
    resource_ids(w, &resource_id);
    w.string("SubscriptionId", &subscription);
    w.string_unbilled("_SubscriptionId", &subscription);
    w.string("ResourceGroup", &rg.to_uppercase());
    w.string("ResourceProvider", "MICROSOFT.LOGIC");
    w.string("Resource", &name.to_uppercase());
    w.string("ResourceType", resource_type);
    w.string("Category", "WorkflowRuntime");
    w.string_fmt("OperationName", format_args!("Microsoft.Logic/workflows/workflow{kind}{phase}"));
    // `Information`, not AzureActivity's `Informational` (real-exports.md §6: loki and AMD samples).
    w.string("Level", "Information");
    w.string("ResultType", status);
    w.string("workflowId_s", &workflow_id.to_uppercase());
    w.string("_schema_s", "2016-06-01");
    w.datetime("startTime_t", run.started);
    w.opt_datetime("endTime_t", run.completed.then_some(event.time));
    w.string("status_s", status);
    w.string("code_s", if run.completed { "OK" } else { "" });
    w.string("error_code_s", "");
    w.string("error_message_s", "");
    w.string("resource_subscriptionId_g", &subscription);
    w.string("resource_resourceGroupName_s", rg);
    w.string("resource_workflowId_g", &la.workflow_id);
    // The seed filters on these two: the workflow name and the playbook's category tag.
    w.string("resource_workflowName_s", &la.name);
    w.string("resource_runId_s", &run.run_id);
    w.string("resource_location_s", la.placement.region.name);
    w.string("resource_actionName_s", action);
    w.string("resource_triggerName_s", trigger);
    // `originRunId` is written only for resubmitted runs, which tenantless does not simulate; the
    // client tracking id is the trigger's, one past the run id (real-exports.md §6, AMD sample).
    w.string("correlation_clientTrackingId_s", &client_tracking_id(&run.run_id));
    match run.step {
        // One tracking id per action (real-exports.md §6).
        WorkflowStep::Action(i) => w.string_fmt(
            "correlation_actionTrackingId_g",
            format_args!("{}", crate::ids::child_guid(run.tracking_id, i as u64)),
        ),
        _ => w.null("correlation_actionTrackingId_g"),
    }
    w.string("retryHistory_s", "");
    w.string(
        "tags_LogicAppsCategory_s",
        la.tags.get("LogicAppsCategory").map_or("", String::as_str),
    );
    (
        Table::AzureDiagnostics,
        RecordKey {
            table: Table::AzureDiagnostics,
            column: "resource_runId_s",
            value: run.run_id.clone(),
        },
    )
}
