//! Logic Apps `WorkflowRuntime` records as a diagnostic setting exports them (azure-logs.md §3.5:
//! the Event Hubs sample of AMD resource-logs.md; the column ← field table of §1.5).

use super::ShapeError;
use super::fields::Columns;
use serde_json::{Map, Value, json};

/// Columns only Log Analytics has besides its standard ones and those it derives from
/// `resourceId` (`shape::is_log_analytics_only`): `ResultType`, which repeats `properties.status`.
pub const LOG_ANALYTICS_ONLY: &[&str] = &["ResultType"];

/// Inserts `name` from `column` when the record has a value there (not null, not empty).
fn put_present(c: &Columns<'_>, into: &mut Map<String, Value>, name: &str, column: &str) {
    match c.get(column) {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.is_empty() => {}
        Some(value) => {
            into.insert(name.to_owned(), value.clone());
        }
    }
}

/// `properties.resource`: where the run happened; an action's or a trigger's name when it is one.
fn resource(c: &Columns<'_>) -> Result<Value, ShapeError> {
    let mut resource = Map::new();
    for (name, column) in [
        ("subscriptionId", "resource_subscriptionId_g"),
        ("resourceGroupName", "resource_resourceGroupName_s"),
        ("workflowId", "resource_workflowId_g"),
        ("workflowName", "resource_workflowName_s"),
        ("runId", "resource_runId_s"),
        ("location", "resource_location_s"),
    ] {
        resource.insert(name.into(), c.value(column)?);
    }
    put_present(c, &mut resource, "actionName", "resource_actionName_s");
    put_present(c, &mut resource, "triggerName", "resource_triggerName_s");
    Ok(Value::Object(resource))
}

/// The export form of a workflow run, trigger or action event.
pub fn convert(c: &Columns<'_>) -> Result<Map<String, Value>, ShapeError> {
    let mut properties = Map::new();
    properties.insert("$schema".into(), c.value("_schema_s")?);
    properties.insert("startTime".into(), c.value("startTime_t")?);
    // A started event has no end (§3.5: `workflowActionStarted` … no endTime).
    put_present(c, &mut properties, "endTime", "endTime_t");
    properties.insert("status".into(), c.value("status_s")?);
    put_present(c, &mut properties, "code", "code_s");
    let mut error = Map::new();
    put_present(c, &mut error, "code", "error_code_s");
    put_present(c, &mut error, "message", "error_message_s");
    if !error.is_empty() {
        properties.insert("error".into(), Value::Object(error));
    }
    properties.insert("resource".into(), resource(c)?);
    let mut correlation = Map::new();
    put_present(c, &mut correlation, "actionTrackingId", "correlation_actionTrackingId_g");
    correlation.insert("clientTrackingId".into(), c.value("correlation_clientTrackingId_s")?);
    properties.insert("correlation".into(), Value::Object(correlation));
    if let Some(history) = c.json("retryHistory_s")? {
        properties.insert("retryHistory".into(), history);
    }
    // The workflow's tags, which Log Analytics flattens into `tags_<name>_s`.
    if let Some(category) = c.non_empty("tags_LogicAppsCategory_s") {
        properties.insert("tags".into(), json!({ "LogicAppsCategory": category }));
    }
    let mut r = Map::new();
    r.insert("time".into(), c.value("TimeGenerated")?);
    r.insert("workflowId".into(), c.value("workflowId_s")?);
    r.insert("resourceId".into(), c.value("ResourceId")?);
    r.insert("category".into(), c.value("Category")?);
    r.insert("level".into(), c.value("Level")?);
    r.insert("operationName".into(), c.value("OperationName")?);
    r.insert("properties".into(), Value::Object(properties));
    Ok(r)
}
