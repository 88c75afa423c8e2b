//! `AuditLogs` as Entra ID exports them (azure-logs.md §2.4: ELASTIC's audit samples).

use super::ShapeError;
use super::fields::{Columns, Kind, copy};
use serde_json::{Map, Value, json};

/// The columns that move into `properties`; `AADOperationType` is `operationType` there, and the
/// LA `Category` (the audit category, e.g. `ApplicationManagement`) is `properties.category`.
const PROPERTIES: &[(&str, &str, Kind)] = &[
    ("Id", "id", Kind::Copy),
    ("Category", "category", Kind::Copy),
    ("CorrelationId", "correlationId", Kind::Copy),
    ("Result", "result", Kind::Copy),
    ("ResultReason", "resultReason", Kind::Copy),
    ("ActivityDisplayName", "activityDisplayName", Kind::Copy),
    ("ActivityDateTime", "activityDateTime", Kind::Time),
    ("LoggedByService", "loggedByService", Kind::Copy),
    ("AADOperationType", "operationType", Kind::Copy),
    ("InitiatedBy", "initiatedBy", Kind::Json),
    ("TargetResources", "targetResources", Kind::Json),
    ("AdditionalDetails", "additionalDetails", Kind::Json),
];

/// Columns only Log Analytics has besides its standard ones (`shape::is_log_analytics_only`): the resource columns it derives from `resourceId`
/// (`Resource`, `ResourceGroup`, `ResourceProvider`), `Location` (empty), and `ResultDescription`,
/// which repeats `ResultReason`.
pub const LOG_ANALYTICS_ONLY: &[&str] = &["Location", "Resource", "ResourceGroup", "ResourceProvider", "ResultDescription"];

/// The export form of a directory audit record.
pub fn convert(c: &Columns<'_>) -> Result<Map<String, Value>, ShapeError> {
    let mut r = Map::new();
    r.insert("time".into(), c.value("TimeGenerated")?);
    r.insert("resourceId".into(), c.value("ResourceId")?);
    r.insert("operationName".into(), c.value("OperationName")?);
    r.insert("operationVersion".into(), c.value("OperationVersion")?);
    r.insert("category".into(), json!("AuditLogs"));
    r.insert("tenantId".into(), c.value("AADTenantId")?);
    // The samples carry no `resultType`: Log Analytics leaves it empty.
    if let Some(result) = c.non_empty("ResultType") {
        r.insert("resultType".into(), json!(result));
    }
    r.insert("resultSignature".into(), c.value("ResultSignature")?);
    r.insert("durationMs".into(), c.value("DurationMs")?);
    let initiated = c.json("InitiatedBy")?;
    let ip = initiated
        .as_ref()
        .and_then(|i| i.pointer("/user/ipAddress"))
        .and_then(Value::as_str)
        .filter(|ip| !ip.is_empty());
    if let Some(ip) = ip {
        r.insert("callerIpAddress".into(), json!(ip));
    }
    r.insert("correlationId".into(), c.value("CorrelationId")?);
    r.insert("identity".into(), c.value("Identity")?);
    r.insert("Level".into(), c.number("Level")?);
    let mut properties = Map::new();
    copy(c, PROPERTIES, &mut properties)?;
    r.insert("properties".into(), Value::Object(properties));
    Ok(r)
}
