//! JUnit XML for CI dashboards: one test suite per rule, one test case per expectation (plus one
//! for running the rule at all).

use super::{Outcome, RuleResult, RuleStatus};
use std::fmt::Write;

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML document for a run's results.
pub fn render(results: &[RuleResult]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total: usize = results.iter().map(|r| r.expectations.len() + 1).sum();
    let failures: usize = results
        .iter()
        .map(|r| {
            r.expectations.iter().filter(|e| matches!(e.outcome, Outcome::Fail(_))).count()
                + usize::from(matches!(r.status, RuleStatus::Failed(_)))
        })
        .sum();
    let _ = writeln!(
        out,
        r#"<testsuites name="tenantless verify" tests="{total}" failures="{failures}">"#
    );
    for r in results {
        let class = xml(&r.name);
        let cases = r.expectations.len() + 1;
        let suite_failures = r.expectations.iter().filter(|e| matches!(e.outcome, Outcome::Fail(_))).count()
            + usize::from(matches!(r.status, RuleStatus::Failed(_)));
        let _ = writeln!(
            out,
            r#"  <testsuite name="{class}" tests="{cases}" failures="{suite_failures}" file="{}">"#,
            xml(&r.path.display().to_string())
        );
        let _ = write!(out, r#"    <testcase classname="{class}" name="runs">"#);
        match &r.status {
            RuleStatus::Ran {
                alerts,
                true_positives,
                false_positives,
                ..
            } => {
                let _ = write!(
                    out,
                    "<system-out>{} alert(s): {true_positives} true, {false_positives} false</system-out>",
                    alerts.len()
                );
            }
            RuleStatus::Queried { rows, .. } => {
                if let Some(rows) = rows {
                    let _ = write!(out, "<system-out>{rows} row(s)</system-out>");
                }
            }
            RuleStatus::NotExecutable(feature) => {
                let _ = write!(out, r#"<skipped message="not executable: {}"/>"#, xml(feature));
            }
            RuleStatus::Failed(message) => {
                let _ = write!(out, r#"<failure message="{}"/>"#, xml(message));
            }
        }
        out.push_str("</testcase>\n");
        for e in &r.expectations {
            let _ = write!(out, r#"    <testcase classname="{class}" name="{}">"#, xml(&e.name));
            match &e.outcome {
                Outcome::Pass => {}
                Outcome::Fail(message) => {
                    let _ = write!(out, r#"<failure message="{}"/>"#, xml(message));
                }
                Outcome::Skipped(message) => {
                    let _ = write!(out, r#"<skipped message="{}"/>"#, xml(message));
                }
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
