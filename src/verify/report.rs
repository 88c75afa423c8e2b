//! The human report of a `verify` run.

use super::{Outcome, RuleResult, RuleStatus, describe};
use crate::manifest::Manifest;
use std::fmt::Write;

/// The whole report: every result, then the summary.
pub fn text(results: &[RuleResult], manifest: &Manifest) -> String {
    let mut out: String = results.iter().map(|r| rule_text(r, manifest)).collect();
    out.push_str(&summary(results, manifest));
    out
}

/// One rule's or correlation's part of the report, printed as soon as it has run.
pub fn rule_text(r: &RuleResult, manifest: &Manifest) -> String {
    let mut out = String::new();
    {
        let mark = if !r.passed() {
            "FAIL"
        } else if matches!(r.status, RuleStatus::NotExecutable(_)) {
            "SKIP"
        } else {
            "ok  "
        };
        let _ = writeln!(out, "{mark} {}  ({})", r.name, r.path.display());
        match &r.status {
            RuleStatus::Ran {
                alerts,
                true_positives,
                false_positives,
                missed,
                caught,
            } => {
                let tp = *true_positives as f64;
                let precision = if alerts.is_empty() {
                    "-".to_owned()
                } else {
                    format!("{:.2}", tp / alerts.len() as f64)
                };
                let relevant = caught.iter().filter(|c| !manifest.anomalies[**c].benign).count() + missed.len();
                let recall = if relevant == 0 {
                    "-".to_owned()
                } else {
                    format!("{:.2}", (relevant - missed.len()) as f64 / relevant as f64)
                };
                let _ = writeln!(
                    out,
                    "     {} alert(s): {true_positives} true, {false_positives} false, {} missed; precision {precision}, recall {recall}",
                    alerts.len(),
                    missed.len()
                );
                let (near_misses, positives): (Vec<usize>, Vec<usize>) = caught.iter().partition(|c| manifest.anomalies[**c].benign);
                for (what, list) in [("caught", &positives), ("fired on near-misses", &near_misses)] {
                    if !list.is_empty() {
                        let names: Vec<String> = list.iter().map(|c| describe(&manifest.anomalies[*c])).collect();
                        let _ = writeln!(out, "     {what}: {}", names.join("; "));
                    }
                }
                if !missed.is_empty() {
                    let names: Vec<String> = missed.iter().map(|c| describe(&manifest.anomalies[*c])).collect();
                    let _ = writeln!(out, "     missed: {}", names.join("; "));
                }
            }
            RuleStatus::Queried { rows: Some(rows), .. } => {
                let _ = writeln!(out, "     returned {rows} row(s)");
            }
            RuleStatus::Queried { rows: None, .. } => {}
            RuleStatus::NotExecutable(feature) => {
                let _ = writeln!(out, "     not executable: {feature}");
            }
            RuleStatus::Failed(message) => {
                let _ = writeln!(out, "     failed: {}", message.replace('\n', "\n     "));
            }
        }
        for e in &r.expectations {
            let line = match &e.outcome {
                Outcome::Pass => format!("     ✓ {}", e.name),
                Outcome::Fail(why) => format!("     ✗ {}: {why}", e.name),
                Outcome::Skipped(why) => format!("     - {}: skipped ({why})", e.name),
            };
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// The closing counts over all results, and the coverage of the labelled behaviours.
pub fn summary(results: &[RuleResult], manifest: &Manifest) -> String {
    let mut out = String::new();
    let failed = results.iter().filter(|r| !r.passed()).count();
    let not_executable = results.iter().filter(|r| matches!(r.status, RuleStatus::NotExecutable(_))).count();
    let expectations: usize = results
        .iter()
        .map(|r| r.expectations.iter().filter(|e| !matches!(e.outcome, Outcome::Skipped(_))).count())
        .sum();
    let _ = writeln!(
        out,
        "\n{} rule(s) and correlation(s): {} passed, {failed} failed, {not_executable} not executable; {expectations} expectation(s) checked against {} labelled anomalies",
        results.len(),
        results.len() - failed - not_executable,
        manifest.anomalies.len()
    );
    if !manifest.anomalies.is_empty() {
        out.push_str(&coverage_text(&super::coverage::of(results, manifest)));
    }
    out
}

/// The coverage lines of the summary.
fn coverage_text(c: &super::coverage::Coverage) -> String {
    let mut out = String::new();
    let positives = c.behaviours.iter().filter(|b| b.positives > 0).count();
    let _ = writeln!(
        out,
        "coverage: {} of {} rule(s) caught a labelled anomaly, {} fired on a near-miss, {} caught one and stayed quiet on every near-miss; {} of {positives} behaviour(s) caught",
        c.rules_firing_on_positives,
        c.rules_run,
        c.rules_firing_on_near_misses,
        c.rules_catching_and_quiet,
        positives - c.uncaught.len(),
    );
    if !c.uncaught.is_empty() {
        let _ = writeln!(out, "no rule caught: {}", c.uncaught.join(", "));
    }
    let noisy: Vec<String> = c
        .behaviours
        .iter()
        .filter(|b| !b.near_miss_fired_by.is_empty())
        .map(|b| format!("{} ({})", b.behaviour, b.near_miss_fired_by.join(", ")))
        .collect();
    if !noisy.is_empty() {
        let _ = writeln!(out, "near-misses fired on: {}", noisy.join("; "));
    }
    out
}

/// The whole run as data (`verify --format json`): every result with its alerts, the labels it
/// caught and its expectations, then the summary counts and the coverage.
pub fn json(results: &[RuleResult], manifest: &Manifest) -> serde_json::Value {
    let label = |i: &usize| {
        let l = &manifest.anomalies[*i];
        serde_json::json!({"id": l.id, "behaviour": l.behaviour(), "benign": l.benign, "identity": l.identity, "start": l.window.start})
    };
    let rules: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let mut entry = serde_json::json!({"name": r.name, "path": r.path.display().to_string(), "passed": r.passed()});
            let status = match &r.status {
                RuleStatus::Ran {
                    alerts,
                    true_positives,
                    false_positives,
                    missed,
                    caught,
                } => serde_json::json!({
                    "status": "ran", "alerts": alerts.len(), "true_positives": true_positives, "false_positives": false_positives,
                    "caught": caught.iter().map(label).collect::<Vec<_>>(), "missed": missed.iter().map(label).collect::<Vec<_>>(),
                }),
                RuleStatus::Queried { rows, .. } => serde_json::json!({"status": "queried", "rows": rows}),
                RuleStatus::NotExecutable(feature) => serde_json::json!({"status": "not_executable", "reason": feature}),
                RuleStatus::Failed(message) => serde_json::json!({"status": "failed", "reason": message}),
            };
            merge(&mut entry, status);
            let expectations: Vec<serde_json::Value> = r
                .expectations
                .iter()
                .map(|e| {
                    let (outcome, detail) = match &e.outcome {
                        Outcome::Pass => ("pass", None),
                        Outcome::Fail(why) => ("fail", Some(why)),
                        Outcome::Skipped(why) => ("skipped", Some(why)),
                    };
                    serde_json::json!({"name": e.name, "outcome": outcome, "detail": detail})
                })
                .collect();
            entry["expectations"] = expectations.into();
            entry
        })
        .collect();
    let failed = results.iter().filter(|r| !r.passed()).count();
    let not_executable = results.iter().filter(|r| matches!(r.status, RuleStatus::NotExecutable(_))).count();
    serde_json::json!({
        "rules": rules,
        "summary": {"results": results.len(), "passed": results.len() - failed - not_executable, "failed": failed, "not_executable": not_executable, "labelled_anomalies": manifest.anomalies.len()},
        "coverage": super::coverage::of(results, manifest),
    })
}

fn merge(into: &mut serde_json::Value, from: serde_json::Value) {
    if let (Some(into), serde_json::Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}
