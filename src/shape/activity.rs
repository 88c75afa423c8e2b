//! The Activity log's Administrative events as a diagnostic setting exports them: the resource-log
//! mapping of AMD activity-log-schema.md ("Schema from storage account and event hubs",
//! azure-logs.md §3.3), with the casing of a real export (Splunk's CIM mapping of a 2020 record:
//! upper-case `resourceId` and `operationName`, `category` `Administrative`, `level`
//! `Information`).

use super::ShapeError;
use super::fields::Columns;
use serde_json::{Map, Value, json};

/// Columns only Log Analytics has besides its standard ones (`shape::is_log_analytics_only`): the legacy and `*Value` duplicates; the JSON-text
/// copies of `Authorization_d`, `Claims_d` and `Properties_d`; what it derives from `resourceId`,
/// the claims or `properties` (`Caller`, `Hierarchy`, `EventDataId`, `OperationId`,
/// `EventSubmissionTimestamp`, `Resource*`, `SubscriptionId`); `OperationName`, the display name;
/// `HTTPRequest`, of which the export keeps the address as `callerIpAddress`.
pub const LOG_ANALYTICS_ONLY: &[&str] = &[
    "ActivityStatus",
    "ActivitySubstatus",
    "Authorization",
    "Caller",
    "CategoryValue",
    "Claims",
    "EventDataId",
    "EventSubmissionTimestamp",
    "Hierarchy",
    "HTTPRequest",
    "OperationId",
    "OperationName",
    "Properties",
    "Resource",
    "ResourceGroup",
    "ResourceProvider",
    "ResourceProviderValue",
    "SubscriptionId",
    "_SubscriptionId",
    "_ResourceId",
];

/// `resultSignature`: the status in the past tense, a dot, and the substatus — `Started.`,
/// `Succeeded.Created` (AMD activity-log-schema.md's export sample; `Succeeded.` in Splunk's).
fn result_signature(status: &str, substatus: &str) -> String {
    let past = match status {
        "Start" => "Started",
        "Accept" => "Accepted",
        "Success" => "Succeeded",
        "Failure" => "Failed",
        other => other,
    };
    format!("{past}.{substatus}")
}

/// The export form of an Administrative event.
pub fn convert(c: &Columns<'_>) -> Result<Map<String, Value>, ShapeError> {
    let status = c.text("ActivityStatusValue")?;
    let substatus = c.text("ActivitySubstatusValue")?;
    let mut identity = Map::new();
    identity.insert("authorization".into(), c.value("Authorization_d")?);
    identity.insert("claims".into(), c.value("Claims_d")?);
    // Log Analytics says `Informational` where the export says `Information`.
    let level = match c.text("Level")? {
        "Informational" => "Information",
        other => other,
    };
    let mut r = Map::new();
    r.insert("time".into(), c.value("TimeGenerated")?);
    // Log Analytics lower-cases the id (real-exports.md §4); the export has it upper-case.
    r.insert("resourceId".into(), json!(c.text("ResourceId")?.to_uppercase()));
    r.insert("operationName".into(), c.value("OperationNameValue")?);
    r.insert("category".into(), c.value("Category")?);
    r.insert("resultType".into(), json!(status));
    r.insert("resultSignature".into(), json!(result_signature(status, substatus)));
    // "Always 0" (activity-log-schema.md's mapping table).
    r.insert("durationMs".into(), json!(0));
    r.insert("callerIpAddress".into(), c.value("CallerIpAddress")?);
    r.insert("correlationId".into(), c.value("CorrelationId")?);
    r.insert("identity".into(), Value::Object(identity));
    r.insert("level".into(), json!(level));
    // Where the event was processed, not the resource's region: `global` in the samples.
    r.insert("location".into(), json!("global"));
    r.insert("properties".into(), c.value("Properties_d")?);
    Ok(r)
}
