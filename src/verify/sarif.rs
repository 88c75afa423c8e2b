//! `verify --sarif FILE`: the run's findings as SARIF 2.1.0, which GitHub code scanning, Azure
//! DevOps and IDEs show on the rule files: one result per failed expectation, false-positive alert
//! or rule that could not run, located at the rule file's `query:` line.

use super::RuleResult;
use super::findings::{Finding, Level, query_line, rule_ids, uri};
use serde_json::{Value, json};

/// The SARIF log of a run.
pub fn render(results: &[RuleResult], findings: &[Finding]) -> Value {
    let ids = rule_ids(results);
    let rules: Vec<Value> = results
        .iter()
        .zip(&ids)
        .map(|(r, id)| {
            json!({
                "id": id,
                "name": r.name,
                "shortDescription": {"text": r.name},
                "properties": {"file": uri(&r.path), "queryLine": query_line(&r.path)},
            })
        })
        .collect();
    let index = |id: &str| ids.iter().position(|i| i == id);
    let sarif_results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule_id,
                "level": level(f.level),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.path)},
                        "region": {"startLine": f.line},
                    },
                }],
            });
            if let (Some(i), Some(object)) = (index(&f.rule_id), result.as_object_mut()) {
                object.insert("ruleIndex".into(), json!(i));
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tenantless",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": sarif_results,
        }],
    })
}

fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}
