//! `AzureActivity`: one record per status of an ARM operation (azure-logs.md §1.4, §2.5, §3.3).

use super::{RecordKey, RecordWriter, Table, standard_columns};
use crate::catalog::{CONTRIBUTOR_ROLE_ID, arm};
use crate::sim::Event;
use crate::sim::event::ArmActivity;
use crate::timefmt::format_ts;
use chrono::TimeDelta;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The JWT claims of the token the caller presented. Entra back-dates `iat` and `nbf` by five
/// minutes, so `exp − iat` is 3,900 s for a one-hour token (real-exports.md §4, the AMD
/// activity-log sample).
fn claims(event: &Event<'_>, a: &ArmActivity<'_>, caller: &str) -> serde_json::Value {
    let tenant = event.tenant;
    let (iat, exp) = (a.token.not_before().timestamp(), a.token.expires_at.timestamp());
    json!({
        "aud": arm().audience,
        "iss": format!("https://sts.windows.net/{}/", tenant.tenant_id),
        "iat": iat.to_string(),
        "nbf": iat.to_string(),
        "exp": exp.to_string(),
        "aio": opaque_aio(&a.token.token_id),
        "appid": a.identity.app_id.to_string(),
        "appidacr": if a.token.certificate { "2" } else { "1" },
        "http://schemas.microsoft.com/identity/claims/identityprovider": format!("https://sts.windows.net/{}/", tenant.tenant_id),
        "http://schemas.microsoft.com/identity/claims/objectidentifier": caller,
        "http://schemas.microsoft.com/identity/claims/tenantid": tenant.tenant_id.to_string(),
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier": caller,
        "idtyp": "app",
        "uti": a.token.token_id,
        "ver": "1.0",
    })
}

/// The `aio` claim: an opaque value of about 60 characters in real tokens, stable per token here.
fn opaque_aio(token_id: &str) -> String {
    use base64::Engine;
    let first = Sha256::digest(token_id.as_bytes());
    let second = Sha256::digest(first);
    let bytes: Vec<u8> = first.iter().chain(second.iter()).take(45).copied().collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The role assignment that granted the call: its id is neither the principal's nor the role's
/// (real-exports.md §4: three different ids), stable per principal and scope.
fn role_assignment_id(principal: &uuid::Uuid, scope: &str) -> String {
    let digest = Sha256::new()
        .chain_update(principal.as_bytes())
        .chain_update(scope.as_bytes())
        .finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the `AzureActivity` record for one status of an ARM operation; keyed by `CorrelationId`.
pub fn render(event: &Event<'_>, a: &ArmActivity<'_>, w: &mut RecordWriter) -> (Table, RecordKey) {
    let tenant = event.tenant;
    let placement = &a.sql_server.placement;
    let subscription = tenant.subscription_of(placement).id.to_string();
    let rg = tenant.resource_group_name(placement);
    let caller = a.identity.sp_object_id.to_string();
    let correlation_id = a.correlation_id.to_string();
    let provider = a.operation.split('/').next().unwrap_or_default();
    let scope = format!("/subscriptions/{subscription}/resourceGroups/{rg}");
    let submitted = event.time + TimeDelta::milliseconds(180);

    let authorization = json!({
        "action": a.operation,
        "scope": a.resource_id,
        "evidence": {
            "role": "Contributor",
            "roleAssignmentScope": scope,
            "roleAssignmentId": role_assignment_id(&a.identity.sp_object_id, &scope),
            "roleDefinitionId": CONTRIBUTOR_ROLE_ID.replace('-', ""),
            "principalId": a.identity.sp_object_id.simple().to_string(),
            "principalType": "ServicePrincipal",
        }
    });
    let claims = claims(event, a, &caller);
    let http_request =
        json!({"clientRequestId": a.event_data_id.to_string(), "clientIpAddress": a.caller_ip.to_string(), "method": a.http_method});
    // The keys Administrative events carry (AMD activity-log-schema.md sample; queries read
    // `Properties_d.resource` and `.subscriptionId`).
    let properties = json!({
        "statusCode": a.substatus,
        "serviceRequestId": a.operation_id.to_string(),
        "eventCategory": "Administrative",
        "entity": a.resource_id,
        "message": a.operation,
        "hierarchy": format!("{}/{subscription}", tenant.tenant_id),
        "eventDataId": a.event_data_id.to_string(),
        "eventSubmissionTimestamp": format_ts(submitted),
        "operationId": a.operation_id.to_string(),
        "resource": a.resource_name,
        "resourceGroup": rg,
        "resourceProviderValue": provider.to_uppercase(),
        "subscriptionId": subscription,
        "activityStatusValue": a.status.as_str(),
        "activitySubstatusValue": a.substatus,
    });

    w.datetime("TimeGenerated", event.time);
    standard_columns(event, Table::AzureActivity, "Azure", w);
    // The deprecated columns "still exist … but will have no data" (AMD activity-log.md).
    w.string("ActivityStatus", "");
    w.string("ActivityStatusValue", a.status.as_str());
    w.string("ActivitySubstatus", "");
    w.string("ActivitySubstatusValue", a.substatus);
    w.string("Authorization", &authorization.to_string());
    w.dynamic("Authorization_d", &authorization);
    // A service principal's caller is its object id (seed: `AzureActivity | where Caller == <SP id>`).
    w.string("Caller", &caller);
    w.string_fmt("CallerIpAddress", format_args!("{}", a.caller_ip));
    w.string("Category", "Administrative");
    w.string("CategoryValue", "Administrative");
    w.string("Claims", &claims.to_string());
    w.dynamic("Claims_d", &claims);
    w.string("CorrelationId", &correlation_id);
    w.string_fmt("EventDataId", format_args!("{}", a.event_data_id));
    w.datetime("EventSubmissionTimestamp", submitted);
    w.string_fmt("Hierarchy", format_args!("{}/{subscription}", tenant.tenant_id));
    w.string("HTTPRequest", &http_request.to_string());
    w.string("Level", "Informational");
    w.string_fmt("OperationId", format_args!("{}", a.operation_id));
    w.string("OperationName", a.display_name);
    w.string("OperationNameValue", &a.operation.to_uppercase());
    w.string("Properties", &properties.to_string());
    w.dynamic("Properties_d", &properties);
    w.string("Resource", &a.resource_name);
    w.string("ResourceGroup", &rg.to_uppercase());
    // Log Analytics stores AzureActivity resource ids in lower case (real-exports.md §4, AMD
    // logs-export-logic-app sample); the `Authorization` scope keeps the caller's casing.
    let resource_id = a.resource_id.to_lowercase();
    w.string("ResourceId", &resource_id);
    w.string_unbilled("_ResourceId", &resource_id);
    w.string("ResourceProvider", provider);
    w.string("ResourceProviderValue", &provider.to_uppercase());
    w.string("SubscriptionId", &subscription);
    w.string_unbilled("_SubscriptionId", &subscription);
    (
        Table::AzureActivity,
        RecordKey {
            table: Table::AzureActivity,
            column: "CorrelationId",
            value: correlation_id,
        },
    )
}
