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
                if !caught.is_empty() {
                    let names: Vec<String> = caught.iter().map(|c| describe(&manifest.anomalies[*c])).collect();
                    let _ = writeln!(out, "     caught: {}", names.join("; "));
                }
                if !missed.is_empty() {
                    let names: Vec<String> = missed.iter().map(|c| describe(&manifest.anomalies[*c])).collect();
                    let _ = writeln!(out, "     missed: {}", names.join("; "));
                }
            }
            RuleStatus::Queried { rows: Some(rows) } => {
                let _ = writeln!(out, "     returned {rows} row(s)");
            }
            RuleStatus::Queried { rows: None } => {}
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

/// The closing counts over all results.
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
    out
}
