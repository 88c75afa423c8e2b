//! `AzureActivity`: one record per status of an ARM operation (azure-logs.md §1.4, §2.5, §3.3).

use super::{RecordKey, RecordWriter, Table, standard_columns};
use crate::catalog::arm;
use crate::scenario::model::IdentityKind;
use crate::sim::Event;
use crate::sim::event::{ArmActivity, ArmBody, ArmCaller, ArmStatus};
use crate::timefmt::format_ts;
use chrono::TimeDelta;
use serde_json::json;

/// The JWT claims of the token the caller presented. Entra back-dates `iat` and `nbf` by five
/// minutes, so `exp − iat` is 3,900 s for a one-hour token (real-exports.md §4, the AMD
/// activity-log sample). A user's token names the person and the client app they called with
/// (arm-and-keyvault-operations.md §1.2: THESIS and SEKOIA records).
fn claims(event: &Event<'_>, a: &ArmActivity<'_>) -> serde_json::Value {
    let tenant = event.tenant;
    let token = a.caller.token();
    let (iat, exp) = (token.not_before().timestamp(), token.expires_at.timestamp());
    let issuer = format!("https://sts.windows.net/{}/", tenant.tenant_id);
    let mut claims = json!({
        "aud": arm().audience,
        "iss": issuer,
        "iat": iat.to_string(),
        "nbf": iat.to_string(),
        "exp": exp.to_string(),
        "aio": opaque_aio(&token.token_id),
        "http://schemas.microsoft.com/identity/claims/tenantid": tenant.tenant_id.to_string(),
        "uti": &*token.token_id,
        "ver": "1.0",
    });
    let extra = match &a.caller {
        ArmCaller::Identity { identity, .. } => {
            let oid = identity.sp_object_id.to_string();
            json!({
                "appid": identity.app_id.to_string(),
                "appidacr": if token.certificate || identity.kind != IdentityKind::ServicePrincipal { "2" } else { "1" },
                "http://schemas.microsoft.com/identity/claims/identityprovider": issuer,
                "http://schemas.microsoft.com/identity/claims/objectidentifier": oid,
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier": oid,
                "idtyp": "app",
            })
        }
        ArmCaller::User { user, client, .. } => {
            let (given, surname) = user.display_name.split_once(' ').unwrap_or((&user.display_name, ""));
            json!({
                "appid": client.app_id,
                "appidacr": "0",
                "http://schemas.microsoft.com/claims/authnclassreference": "1",
                "http://schemas.microsoft.com/claims/authnmethodsreferences": "pwd,mfa",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": given,
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": surname,
                "ipaddr": a.caller_ip.to_string(),
                "name": user.display_name,
                "http://schemas.microsoft.com/identity/claims/objectidentifier": user.object_id.to_string(),
                "http://schemas.microsoft.com/identity/claims/scope": "user_impersonation",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier": user.object_id.simple().to_string(),
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": user.upn,
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": user.upn,
                "idtyp": "user",
            })
        }
    };
    if let (Some(all), serde_json::Value::Object(more)) = (claims.as_object_mut(), extra) {
        all.extend(more);
    }
    claims
}

/// The `aio` claim: an opaque value of about 60 characters in real tokens, stable per token here.
fn opaque_aio(token_id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(crate::ids::stretch(&[token_id.as_bytes()], 45))
}

/// The role assignment that granted the call: its id is neither the principal's nor the role's
/// (real-exports.md §4: three different ids), stable per principal and scope.
fn role_assignment_id(principal: &uuid::Uuid, scope: &str) -> String {
    let digest = crate::ids::stretch(&[principal.as_bytes(), scope.as_bytes()], 16);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `Caller`, the principal id and its type: a service principal's object id, a user's UPN
/// (seed: `AzureActivity | where Caller == <SP id>`; THESIS and LOGZ user records).
fn caller_columns(a: &ArmActivity<'_>) -> (String, uuid::Uuid, &'static str) {
    match &a.caller {
        ArmCaller::Identity { identity, .. } => (identity.sp_object_id.to_string(), identity.sp_object_id, "ServicePrincipal"),
        ArmCaller::User { user, .. } => (user.upn.clone(), user.object_id, "User"),
    }
}

/// `Properties_d`: the keys Administrative events carry (AMD activity-log-schema.md sample; queries
/// read `Properties_d.resource` and `.subscriptionId`), and the body of the event — `requestbody`
/// on the start, `responseBody` after, `statusMessage` on a failure — as the JSON text ARM logs.
fn properties(event: &Event<'_>, a: &ArmActivity<'_>, submitted: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    let provider = a.operation.name.split('/').next().unwrap_or_default();
    let mut properties = json!({
        "statusCode": a.substatus,
        "serviceRequestId": a.operation_id.to_string(),
        "eventCategory": a.operation.category.as_str(),
        "entity": a.resource.id,
        "message": match &a.body {
            ArmBody::Message(message) => message.as_str(),
            _ => a.operation.name,
        },
        "hierarchy": format!("{}/{}", event.tenant.tenant_id, a.resource.subscription),
        "eventDataId": a.event_data_id.to_string(),
        "eventSubmissionTimestamp": format_ts(submitted),
        "operationId": a.operation_id.to_string(),
        "resource": a.resource.name,
        "resourceGroup": a.resource.resource_group,
        "resourceProviderValue": provider.to_uppercase(),
        "subscriptionId": a.resource.subscription.to_string(),
        "activityStatusValue": a.status.as_str(),
        "activitySubstatusValue": a.substatus,
    });
    let body = match &a.body {
        ArmBody::None | ArmBody::Message(_) => None,
        ArmBody::Request(v) => Some(("requestbody", v)),
        ArmBody::Response(v) => Some(("responseBody", v)),
        ArmBody::Failure(v) => Some(("statusMessage", v)),
    };
    if let (Some((key, value)), Some(map)) = (body, properties.as_object_mut()) {
        map.insert(key.to_owned(), json!(value.to_string()));
    }
    properties
}

/// Writes the `AzureActivity` record for one status of an ARM operation; keyed by `CorrelationId`.
pub fn render(event: &Event<'_>, a: &ArmActivity<'_>, w: &mut RecordWriter) -> (Table, RecordKey) {
    let tenant = event.tenant;
    let subscription = a.resource.subscription.to_string();
    let rg = &a.resource.resource_group;
    let (caller, principal, principal_type) = caller_columns(a);
    let correlation_id = a.correlation_id.to_string();
    let provider = a.operation.name.split('/').next().unwrap_or_default();
    let scope = if rg.is_empty() {
        format!("/subscriptions/{subscription}")
    } else {
        format!("/subscriptions/{subscription}/resourceGroups/{rg}")
    };
    let submitted = event.time + TimeDelta::milliseconds(180);

    let authorization = json!({
        "action": a.operation.name,
        "scope": a.resource.id,
        "evidence": {
            "role": a.role.name,
            "roleAssignmentScope": scope,
            "roleAssignmentId": role_assignment_id(&principal, &scope),
            "roleDefinitionId": a.role.id.replace('-', ""),
            "principalId": principal.simple().to_string(),
            "principalType": principal_type,
        }
    });
    let claims = claims(event, a);
    let http_request =
        json!({"clientRequestId": a.event_data_id.to_string(), "clientIpAddress": a.caller_ip.to_string(), "method": a.operation.method});
    let properties = properties(event, a, submitted);

    w.datetime("TimeGenerated", event.time);
    standard_columns(event, Table::AzureActivity, "Azure", w);
    // The deprecated columns "still exist … but will have no data" (AMD activity-log.md).
    w.string("ActivityStatus", "");
    w.string("ActivityStatusValue", a.status.as_str());
    w.string("ActivitySubstatus", "");
    w.string("ActivitySubstatusValue", a.substatus);
    w.string("Authorization", &authorization.to_string());
    w.dynamic("Authorization_d", &authorization);
    w.string("Caller", &caller);
    w.string_fmt("CallerIpAddress", format_args!("{}", a.caller_ip));
    w.string("Category", a.operation.category.as_str());
    w.string("CategoryValue", a.operation.category.as_str());
    w.string("Claims", &claims.to_string());
    w.dynamic("Claims_d", &claims);
    w.string("CorrelationId", &correlation_id);
    w.string_fmt("EventDataId", format_args!("{}", a.event_data_id));
    w.datetime("EventSubmissionTimestamp", submitted);
    w.string_fmt("Hierarchy", format_args!("{}/{subscription}", tenant.tenant_id));
    w.string("HTTPRequest", &http_request.to_string());
    w.string("Level", if a.status == ArmStatus::Failure { "Error" } else { "Informational" });
    w.string_fmt("OperationId", format_args!("{}", a.operation_id));
    w.string("OperationName", a.operation.display);
    w.string("OperationNameValue", &a.operation.name.to_uppercase());
    w.string("Properties", &properties.to_string());
    w.dynamic("Properties_d", &properties);
    w.string("Resource", &a.resource.name);
    w.string("ResourceGroup", &rg.to_uppercase());
    // Log Analytics stores AzureActivity resource ids in lower case (real-exports.md §4, AMD
    // logs-export-logic-app sample); the `Authorization` scope keeps the caller's casing.
    let resource_id = a.resource.id.to_lowercase();
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
