//! The scenario reference's tables list, per kind, exactly the fields the resolver accepts
//! (`AnomalyKind::fields`, `WorkloadKind::fields`): the documentation cannot drift from the code.

use crate::support::crate_dir;
use std::collections::BTreeSet;
use strum::VariantArray;
use tenantless::scenario::model::{AnomalyKind, WorkloadKind};

/// The document holding the scenario language reference.
const SCENARIO_REFERENCE: &str = "docs/scenarios.md";

/// The field names a table row's second cell lists: backticked names outside parentheses, each
/// up to a `:` (`operation: a \| b` names `operation`).
fn fields_of_row(cell: &str) -> BTreeSet<String> {
    let mut depth = 0;
    let outside: String = cell
        .chars()
        .filter(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => return depth == 0,
            }
            false
        })
        .collect();
    outside
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|name| name.split(':').next().unwrap_or_default().trim().to_owned())
        .collect()
}

/// The second cell of the reference table row that starts with `` | `kind` | ``.
fn row(text: &str, kind: &str) -> Option<String> {
    let start = format!("| `{kind}` |");
    let line = text.lines().find(|l| l.starts_with(&start))?;
    line[start.len()..].split(" | ").next().map(str::to_owned)
}

fn check(kinds: &[(String, &[&str])]) {
    let text = std::fs::read_to_string(crate_dir().join(SCENARIO_REFERENCE)).expect("the scenario reference exists");
    for (kind, declared) in kinds {
        let cell = row(&text, kind).unwrap_or_else(|| panic!("{SCENARIO_REFERENCE} has no table row for `{kind}`"));
        let documented = fields_of_row(&cell);
        let declared: BTreeSet<String> = declared.iter().map(|f| (*f).to_owned()).collect();
        assert_eq!(documented, declared, "{SCENARIO_REFERENCE}: the fields of `{kind}`");
    }
}

#[test]
fn the_anomaly_table_lists_the_declared_fields() {
    let kinds: Vec<(String, &[&str])> = AnomalyKind::VARIANTS.iter().map(|k| (k.to_string(), k.fields())).collect();
    check(&kinds);
}

#[test]
fn the_workload_table_lists_the_declared_fields() {
    let kinds: Vec<(String, &[&str])> = WorkloadKind::VARIANTS.iter().map(|k| (k.to_string(), k.fields())).collect();
    check(&kinds);
}

#[test]
fn row_fields_skip_parenthesised_values() {
    let cell = "`reason` (`wrong_secret` 7000215, or the code), `count` (default 5), `ip`";
    let expected: BTreeSet<String> = ["reason", "count", "ip"].iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(fields_of_row(cell), expected);
    assert_eq!(fields_of_row("`operation: a \\| b`, `policy`").len(), 2);
}
