//! `verify --transform`: the labelled anomalies that rules catch over the data as generated but
//! miss once an ingestion-time transformation has filtered it, i.e. the detections the
//! transformation would cost.

use super::{RuleResult, RuleStatus, describe};
use crate::manifest::Manifest;
use std::fmt::Write;
use std::path::PathBuf;

/// An anomaly a rule caught before the transformations and misses after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loss {
    /// The rule's name.
    pub rule: String,
    /// Its file.
    pub path: PathBuf,
    /// The anomaly's index in the manifest.
    pub label: usize,
}

/// What each transformation did to its table in the loaded data.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The table.
    pub table: String,
    /// The transformation's file.
    pub file: PathBuf,
    /// Rows before and after.
    pub rows: (usize, usize),
}

/// The non-benign anomalies caught in `before` and not in `after`, rule by rule (rules are matched
/// by file; a rule that did not run in both is left out).
pub fn losses(before: &[RuleResult], after: &[RuleResult], manifest: &Manifest) -> Vec<Loss> {
    let caught = |r: &RuleResult| match &r.status {
        RuleStatus::Ran { caught, .. } => Some(caught.clone()),
        _ => None,
    };
    let mut out = Vec::new();
    for b in before {
        let Some(a) = after.iter().find(|a| a.path == b.path) else {
            continue;
        };
        let (Some(was), Some(now)) = (caught(b), caught(a)) else { continue };
        for label in was.into_iter().filter(|l| !now.contains(l)) {
            if manifest.anomalies.get(label).is_some_and(|l| !l.benign) {
                out.push(Loss {
                    rule: b.name.clone(),
                    path: b.path.clone(),
                    label,
                });
            }
        }
    }
    out
}

/// The text section `verify` prints after its summary.
pub fn text(applied: &[Applied], losses: &[Loss], manifest: &Manifest) -> String {
    let mut out = String::from("\ningestion-time transformations applied before the rules ran:\n");
    for a in applied {
        let _ = writeln!(out, "  {} ({}): {} of {} rows kept", a.table, a.file.display(), a.rows.1, a.rows.0);
    }
    if losses.is_empty() {
        out.push_str("every anomaly the rules caught over the data as generated is still caught\n");
        return out;
    }
    let _ = writeln!(
        out,
        "caught over the data as generated, missed after the transformations ({}):",
        losses.len()
    );
    for loss in losses {
        let _ = writeln!(
            out,
            "  {} by {} ({})",
            describe(&manifest.anomalies[loss.label]),
            loss.rule,
            loss.path.display()
        );
    }
    out
}

/// The same as JSON, for `--format json`.
pub fn json(applied: &[Applied], losses: &[Loss], manifest: &Manifest) -> serde_json::Value {
    serde_json::json!({
        "applied": applied.iter().map(|a| serde_json::json!({
            "table": a.table, "file": a.file.display().to_string(), "rows_in": a.rows.0, "rows_kept": a.rows.1,
        })).collect::<Vec<_>>(),
        "no_longer_caught": losses.iter().map(|l| {
            let label = &manifest.anomalies[l.label];
            serde_json::json!({"id": label.id, "behaviour": label.behaviour(), "identity": label.identity, "rule": l.rule, "path": l.path.display().to_string()})
        }).collect::<Vec<_>>(),
    })
}
