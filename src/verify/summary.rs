//! `verify --summary FILE`: the run as Markdown for a CI job summary (GitHub's
//! `$GITHUB_STEP_SUMMARY`, an Azure DevOps `##vso[task.uploadsummary]` file): the verdict, one
//! table row per rule, then every finding.

use super::findings::{Finding, Level, display_path};
use super::{RuleResult, RuleStatus};
use crate::manifest::Manifest;
use std::fmt::Write;

/// Markdown cell text: pipes escaped, line breaks folded.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The Markdown summary of a run.
pub fn render(results: &[RuleResult], findings: &[Finding], manifest: &Manifest) -> String {
    let failed = results.iter().filter(|r| !r.passed()).count();
    let mut out = String::from("## tenantless verify\n\n");
    let verdict = if failed == 0 {
        "✅ every rule met its expectations"
    } else {
        "❌ some rules failed"
    };
    let _ = writeln!(
        out,
        "{verdict}: {} rule(s) and correlation(s), {failed} failed, over {} labelled anomalies.\n",
        results.len(),
        manifest.anomalies.len()
    );
    out.push_str("| rule | file | status | alerts | true | false | missed |\n|---|---|---|---|---|---|---|\n");
    for r in results {
        let (status, counts) = match &r.status {
            RuleStatus::Ran {
                alerts,
                true_positives,
                false_positives,
                missed,
                ..
            } => (
                if r.passed() { "passed" } else { "failed" }.to_owned(),
                format!("{} | {true_positives} | {false_positives} | {}", alerts.len(), missed.len()),
            ),
            RuleStatus::Queried { rows, .. } => (
                if r.passed() { "passed" } else { "failed" }.to_owned(),
                format!(
                    "{} row(s) | - | - | -",
                    rows.map_or_else(|| "not run".to_owned(), |n| n.to_string())
                ),
            ),
            RuleStatus::NotExecutable(_) => ("not executable".to_owned(), "- | - | - | -".to_owned()),
            RuleStatus::Failed(_) => ("failed to run".to_owned(), "- | - | - | -".to_owned()),
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {status} | {counts} |",
            cell(&r.name),
            cell(&display_path(&r.path))
        );
    }
    if !findings.is_empty() {
        out.push_str("\n### Findings\n\n");
        for f in findings {
            let mark = match f.level {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Note => "note",
            };
            let _ = writeln!(
                out,
                "- **{mark}** `{}:{}` {}: {}",
                display_path(&f.path),
                f.line,
                cell(&f.rule),
                cell(&f.message)
            );
        }
    }
    out
}
