//! Rules as teams store them besides Sentinel YAML: ARM template exports of
//! `Microsoft.SecurityInsights/alertRules` (what the Sentinel portal's Export writes, one template
//! holding one rule or several) and the Sentinel REST API's rule JSON (one rule, or a list's
//! `value`). Each Scheduled or NRT rule becomes the same [`RuleFile`] its YAML would be; other
//! kinds (Fusion, Microsoft security incident creation, …) have no query and are skipped. Fields
//! tenantless does not use are kept.

use super::error::FileError;
use super::rule::RuleFile;
use serde_json::{Map, Value};
use std::path::Path;

/// Whether a rule file is JSON rather than YAML: by its extension, or by its first character.
pub fn is_json(path: &Path, text: &str) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) || text.trim_start().starts_with(['{', '['])
}

/// The rules of an exported file, each with the byte offset of its object in the text (where
/// errors about its fields are looked for).
pub fn rule_files(path: &Path, text: &str) -> Result<Vec<(RuleFile, usize)>, FileError> {
    let json: Value = serde_json::from_str(text)
        .map_err(|e| FileError::invalid(path, text, Some((e.line(), e.column())), format!("not valid JSON: {e}")))?;
    let objects = rule_objects(&json);
    if objects.is_empty() {
        return Err(FileError::invalid(
            path,
            text,
            Some((1, 1)),
            "holds no analytic rule: expected an ARM template whose `resources` include `…/alertRules`, a Sentinel REST API rule (`kind`, `properties`) or a list of them (`value`)".to_owned(),
        ));
    }
    let mut out = Vec::new();
    let mut from = 0;
    for object in objects {
        let kind = object.get("kind").and_then(Value::as_str).unwrap_or("Scheduled");
        let props = object.get("properties").and_then(Value::as_object);
        // The rule's own place: its display name, searched from the previous rule's.
        let at = props
            .and_then(|p| p.get("displayName"))
            .and_then(|name| text[from..].find(&name.to_string()).map(|i| from + i))
            .unwrap_or(from);
        from = at;
        if !(kind.eq_ignore_ascii_case("scheduled") || kind.eq_ignore_ascii_case("nrt")) {
            continue;
        }
        let Some(props) = props else {
            return Err(located(path, text, at, "kind", format!("the {kind} rule has no `properties`")));
        };
        out.push((rule_file(path, text, at, kind, object, props)?, at));
    }
    Ok(out)
}

/// The rule objects of a document: an ARM template's alert-rule resources, a REST list's `value`,
/// an array of rules, or one rule.
fn rule_objects(json: &Value) -> Vec<&Map<String, Value>> {
    let is_rule_resource = |r: &&Map<String, Value>| {
        r.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.to_ascii_lowercase().ends_with("/alertrules"))
    };
    match json {
        Value::Object(o) if o.get("resources").is_some_and(Value::is_array) => {
            objects(o["resources"].as_array().map_or(&[][..], Vec::as_slice))
                .into_iter()
                .filter(is_rule_resource)
                .collect()
        }
        Value::Object(o) if o.get("value").is_some_and(Value::is_array) => objects(o["value"].as_array().map_or(&[][..], Vec::as_slice)),
        Value::Object(o) if o.contains_key("properties") => vec![o],
        Value::Array(list) => objects(list),
        _ => Vec::new(),
    }
}

/// The objects of a JSON array.
fn objects(list: &[Value]) -> Vec<&Map<String, Value>> {
    list.iter().filter_map(Value::as_object).collect()
}

/// One rule's properties as the YAML keys [`RuleFile`] reads; the rest kept under their names.
fn rule_file(
    path: &Path,
    text: &str,
    at: usize,
    kind: &str,
    object: &Map<String, Value>,
    props: &Map<String, Value>,
) -> Result<RuleFile, FileError> {
    let Some(query) = props.get("query").and_then(Value::as_str) else {
        return Err(located(
            path,
            text,
            at,
            "query",
            "the rule has no `properties.query` string".to_owned(),
        ));
    };
    if query.trim_start().starts_with('[') {
        return Err(located(
            path,
            text,
            at,
            "query",
            "the query is an ARM template expression (`[concat(...)]`, `[variables(...)]`): tenantless reads literal queries; export the rule again or write the query out".to_owned(),
        ));
    }
    let mut mapped = Map::new();
    for (key, value) in props {
        let key = match key.as_str() {
            "displayName" => "name",
            other => other,
        };
        mapped.insert(key.to_owned(), value.clone());
    }
    mapped.insert("kind".into(), Value::from(kind));
    // A REST rule's `name` is its GUID; an ARM resource's is an expression ending with it.
    if let Some(id) = object.get("name").and_then(Value::as_str) {
        let id = id.trim_end_matches(['\'', ')', ']']).rsplit(['/', '\'']).next().unwrap_or(id);
        mapped.insert("id".into(), Value::from(id));
    }
    for key in ["entityMappings", "customDetails", "alertDetailsOverride"] {
        if mapped.get(key).is_some_and(Value::is_null) {
            mapped.remove(key);
        }
    }
    serde_json::from_value(Value::Object(mapped)).map_err(|e| located(path, text, at, "displayName", format!("not a Sentinel rule: {e}")))
}

/// An error at the first `"field"` of the rule that starts at byte `at`, or at the rule.
pub fn located(path: &Path, text: &str, at: usize, field: &str, message: String) -> FileError {
    let quoted = format!("\"{field}\"");
    let offset = text.get(at..).and_then(|rest| rest.find(&quoted)).map_or(at, |i| at + i);
    let line = text[..offset.min(text.len())].matches('\n').count() + 1;
    let column = offset - text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1) + 1;
    FileError::invalid(path, text, Some((line, column)), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARM: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "workspace": { "type": "String" } },
  "resources": [
    {
      "id": "[concat(resourceId('Microsoft.OperationalInsights/workspaces/providers', parameters('workspace'), 'Microsoft.SecurityInsights'),'/alertRules/0b6b2a2e-6f1a-4c57-9d4e-2b3a5f0c1a01')]",
      "name": "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/0b6b2a2e-6f1a-4c57-9d4e-2b3a5f0c1a01')]",
      "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
      "kind": "Scheduled",
      "apiVersion": "2023-12-01-preview",
      "properties": {
        "displayName": "Failed sign-ins",
        "severity": "Medium",
        "enabled": true,
        "query": "AADServicePrincipalSignInLogs\n| where ResultType != \"0\"",
        "queryFrequency": "PT1H",
        "queryPeriod": "P1D",
        "triggerOperator": "GreaterThan",
        "triggerThreshold": 0,
        "suppressionDuration": "PT5H",
        "suppressionEnabled": false,
        "entityMappings": [ { "entityType": "Account", "fieldMappings": [ { "identifier": "FullName", "columnName": "ServicePrincipalName" } ] } ],
        "customDetails": null
      }
    },
    {
      "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
      "kind": "Fusion",
      "properties": { "alertRuleTemplateName": "f71aba3d-28fb-450b-b192-4e76a83015c8", "enabled": true }
    },
    {
      "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
      "kind": "NRT",
      "properties": { "displayName": "Any change", "query": "AuditLogs | take 1", "severity": "Low" }
    }
  ]
}"#;

    #[test]
    fn an_arm_export_gives_its_scheduled_and_nrt_rules_and_skips_the_rest() {
        let rules = rule_files(Path::new("export.json"), ARM).unwrap();
        assert_eq!(rules.len(), 2);
        let (first, _) = &rules[0];
        assert_eq!(first.name, "Failed sign-ins");
        assert_eq!(first.id.as_deref(), Some("0b6b2a2e-6f1a-4c57-9d4e-2b3a5f0c1a01"));
        assert_eq!(first.query_frequency.as_deref(), Some("PT1H"));
        assert_eq!(first.trigger_operator.as_deref(), Some("GreaterThan"));
        assert_eq!(first.entity_mappings[0].entity_type, "Account");
        // Kept, unused.
        assert!(first.other.contains_key("suppressionDuration"));
        assert_eq!(rules[1].0.kind.as_deref(), Some("NRT"));
    }

    #[test]
    fn a_rest_rule_and_a_rest_list_read_alike() {
        let one = r#"{"id": "/subscriptions/x/providers/Microsoft.SecurityInsights/alertRules/abc", "name": "abc", "etag": "\"1\"", "type": "Microsoft.SecurityInsights/alertRules", "kind": "Scheduled", "properties": {"displayName": "R", "query": "AuditLogs", "queryFrequency": "PT5M", "queryPeriod": "PT5M", "triggerOperator": "GreaterThan", "triggerThreshold": 0}}"#;
        let list = format!("{{\"value\": [{one}]}}");
        let a = rule_files(Path::new("r.json"), one).unwrap();
        let b = rule_files(Path::new("r.json"), &list).unwrap();
        assert_eq!((a.len(), b.len()), (1, 1));
        assert_eq!(a[0].0.name, b[0].0.name);
        assert_eq!(a[0].0.id.as_deref(), Some("abc"));
    }

    #[test]
    fn malformed_exports_are_located_errors() {
        let broken = rule_files(Path::new("x.json"), "{\n  \"resources\": [\n    { \"kind\": }\n  ]\n}")
            .unwrap_err()
            .to_string();
        assert!(broken.contains("x.json:3:"), "{broken}");
        let expression = ARM.replace(
            "\"query\": \"AADServicePrincipalSignInLogs",
            "\"query\": \"[concat('AADServicePrincipalSignInLogs', '')]\", \"x\": \"",
        );
        let error = rule_files(Path::new("x.json"), &expression).unwrap_err().to_string();
        assert!(error.contains("ARM template expression"), "{error}");
        let line = expression.lines().position(|l| l.contains("\"query\"")).unwrap() + 1;
        assert!(error.contains(&format!("x.json:{line}:")), "{error}");
        let none = rule_files(Path::new("x.json"), "{\"resources\": []}").unwrap_err().to_string();
        assert!(none.contains("holds no analytic rule"), "{none}");
    }
}
