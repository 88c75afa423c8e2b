//! `AzureActivity`: one record per status of an ARM operation (azure-logs.md §1.4, §2.5, §3.3).

use super::{RecordKey, RecordWriter, Table, standard_columns};
use crate::catalog::{CONTRIBUTOR_ROLE_ID, arm};
use crate::sim::Event;
use crate::sim::event::ArmActivity;
use chrono::TimeDelta;
use serde_json::json;

pub fn render(event: &Event<'_>, a: &ArmActivity<'_>, w: &mut RecordWriter) -> (Table, RecordKey) {
    let tenant = event.tenant;
    let placement = &a.sql_server.placement;
    let subscription = tenant.subscription_of(placement).id.to_string();
    let rg = tenant.resource_group_name(placement);
    let caller = a.identity.sp_object_id.to_string();
    let correlation_id = a.correlation_id.to_string();
    let provider = a.operation.split('/').next().unwrap_or_default();
    let scope = format!("/subscriptions/{subscription}/resourceGroups/{rg}");

    let authorization = json!({
        "action": a.operation,
        "scope": a.resource_id,
        "evidence": {
            "role": "Contributor",
            "roleAssignmentScope": scope,
            "roleAssignmentId": a.identity.sp_object_id.simple().to_string(),
            "roleDefinitionId": CONTRIBUTOR_ROLE_ID.replace('-', ""),
            "principalId": a.identity.sp_object_id.simple().to_string(),
            "principalType": "ServicePrincipal",
        }
    });
    // The JWT the pipeline presented: issued at the sign-in that precedes this activity.
    let iat = a.signin.issued_at.timestamp();
    let claims = json!({
        "aud": arm().audience,
        "iss": format!("https://sts.windows.net/{}/", tenant.tenant_id),
        "iat": iat.to_string(),
        "nbf": iat.to_string(),
        "exp": (iat + 3_600 + 299).to_string(),
        "aio": "k2BgYJi8mD5/",
        "appid": a.identity.app_id.to_string(),
        "appidacr": if a.signin.certificate { "2" } else { "1" },
        "http://schemas.microsoft.com/identity/claims/identityprovider": format!("https://sts.windows.net/{}/", tenant.tenant_id),
        "http://schemas.microsoft.com/identity/claims/objectidentifier": caller,
        "http://schemas.microsoft.com/identity/claims/tenantid": tenant.tenant_id.to_string(),
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier": caller,
        "idtyp": "app",
        "uti": a.signin.token_id,
        "ver": "1.0",
    });
    let http_request =
        json!({"clientRequestId": a.event_data_id.to_string(), "clientIpAddress": a.caller_ip.to_string(), "method": a.http_method});
    let properties = json!({
        "statusCode": match a.status { "Started" => "", "Accepted" => "Accepted", _ => "OK" },
        "serviceRequestId": a.operation_id.to_string(),
        "eventCategory": "Administrative",
        "entity": a.resource_id,
        "message": a.operation,
        "hierarchy": format!("{}/{subscription}", tenant.tenant_id),
    });

    w.datetime("TimeGenerated", event.time);
    standard_columns(event, Table::AzureActivity, "Azure", w);
    // Both the deprecated and the current columns carry values (AMD activity-log.md, §1.4).
    w.string("ActivityStatus", a.status);
    w.string("ActivityStatusValue", a.status);
    w.string("ActivitySubstatus", a.substatus);
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
    w.datetime("EventSubmissionTimestamp", event.time + TimeDelta::milliseconds(180));
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
    w.string("ResourceId", &a.resource_id);
    w.string_unbilled("_ResourceId", &a.resource_id.to_lowercase());
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
