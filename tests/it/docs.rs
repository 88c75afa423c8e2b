//! The scenario reference's tables list, per kind, exactly the fields the resolver accepts
//! (`AnomalyKind::fields`, `WorkloadKind::fields`, `ActionKind::fields` and `required`), every
//! ARM operation of the catalogue with its real strings, and — checked by generating the
//! fixtures that perform each action once — the records each action writes: the documentation
//! cannot drift from the code.

use crate::support::*;
use std::collections::{BTreeMap, BTreeSet};
use strum::VariantArray;
use tenantless::scenario::model::{AnomalyKind, WorkloadKind};
use tenantless::scenario::vocabulary::{ARM_FIELDS, ARM_OPERATIONS, ActionKind, DirectoryAction};

/// The document holding the scenario language reference.
const SCENARIO_REFERENCE: &str = "docs/scenarios.md";

fn reference() -> String {
    std::fs::read_to_string(crate_dir().join(SCENARIO_REFERENCE)).expect("the scenario reference exists")
}

/// The code spans of a table cell outside parentheses (parentheses inside code spans, as in
/// `Add member to role requested (PIM activation)`, do not count), each with whether it is bold.
fn spans(cell: &str) -> Vec<(String, bool)> {
    let (mut depth, mut in_code, mut current, mut found) = (0i32, false, String::new(), Vec::new());
    let chars: Vec<char> = cell.chars().collect();
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        match (c, in_code) {
            ('`', false) => {
                in_code = true;
                start = i;
                current.clear();
            }
            ('`', true) => {
                in_code = false;
                if depth == 0 {
                    let bold = start >= 2 && chars[start - 2..start] == ['*', '*'];
                    found.push((current.clone(), bold));
                }
            }
            (_, true) => current.push(c),
            ('(', false) => depth += 1,
            (')', false) => depth -= 1,
            _ => {}
        }
    }
    found
}

/// The field names a cell lists, each up to a `:` (`operation: a \| b` names `operation`).
fn fields_of(cell: &str) -> BTreeSet<String> {
    spans(cell)
        .into_iter()
        .map(|(s, _)| s.split(':').next().unwrap_or_default().trim().to_owned())
        .collect()
}

fn bold_fields_of(cell: &str) -> BTreeSet<String> {
    spans(cell).into_iter().filter(|(_, bold)| *bold).map(|(s, _)| s).collect()
}

/// The cells after the first of the table row that starts with `first`.
fn row<'a>(text: &'a str, first: &str) -> Option<Vec<&'a str>> {
    let start = format!("| {first} |");
    let line = text.lines().find(|l| l.starts_with(&start))?;
    Some(line[start.len()..].trim_end_matches('|').split(" | ").map(str::trim).collect())
}

fn cells<'a>(text: &'a str, kind: &str) -> Vec<&'a str> {
    row(text, &format!("`{kind}`")).unwrap_or_else(|| panic!("{SCENARIO_REFERENCE} has no table row for `{kind}`"))
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|f| (*f).to_owned()).collect()
}

#[test]
fn the_anomaly_table_lists_the_declared_fields() {
    let text = reference();
    for kind in AnomalyKind::VARIANTS {
        let documented = fields_of(cells(&text, &kind.to_string())[0]);
        assert_eq!(documented, names(kind.fields()), "{SCENARIO_REFERENCE}: the fields of `{kind}`");
    }
}

#[test]
fn the_workload_table_lists_the_declared_fields() {
    let text = reference();
    // `Actions` is what top-level actions by an identity resolve into; scenarios cannot name it.
    for kind in WorkloadKind::VARIANTS.iter().filter(|k| **k != WorkloadKind::Actions) {
        let documented = fields_of(cells(&text, &kind.to_string())[0]);
        assert_eq!(documented, names(kind.fields()), "{SCENARIO_REFERENCE}: the fields of `{kind}`");
    }
}

/// Every `do:` name but the ARM catalogue's keys has a row with its fields, the required ones
/// bold; the catalogue's keys share one row.
#[test]
fn the_action_tables_list_every_action_with_its_fields_and_required_ones() {
    let text = reference();
    let arm_keys: BTreeSet<&str> = ARM_OPERATIONS.iter().map(|(k, _)| *k).collect();
    for name in ActionKind::names().iter().filter(|n| !arm_keys.contains(n.as_str())) {
        let kind = ActionKind::parse(name).expect("names parse");
        let cell = cells(&text, name)[0];
        assert_eq!(
            fields_of(cell),
            names(kind.fields()),
            "{SCENARIO_REFERENCE}: the fields of `{name}`"
        );
        assert_eq!(
            bold_fields_of(cell),
            names(kind.required()),
            "{SCENARIO_REFERENCE}: the required fields of `{name}`"
        );
    }
    let shared = row(&text, "any key of the ARM table below").expect("a row for the ARM catalogue's keys");
    assert_eq!(fields_of(shared[0]), names(ARM_FIELDS));
}

/// Every field any action takes is explained in the field table.
#[test]
fn the_field_table_explains_every_action_field() {
    let text = reference();
    let table = text.split("| field | meaning |").nth(1).expect("the action field table");
    let explained: BTreeSet<String> = table
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split(" | ").next())
        .flat_map(|first| spans(first).into_iter().map(|(s, _)| s))
        .collect();
    for name in ActionKind::names() {
        let kind = ActionKind::parse(&name).expect("names parse");
        for field in kind.fields() {
            assert!(
                explained.contains(*field),
                "{SCENARIO_REFERENCE}: `{field}` (of `{name}`) has no row in the field table"
            );
        }
    }
}

#[test]
fn the_arm_table_names_each_operation_as_the_catalogue_does() {
    let text = reference();
    for (key, op) in ARM_OPERATIONS {
        let row = cells(&text, key);
        assert_eq!(row[0], format!("`{}`", op.name), "{key}");
        assert_eq!(row[1], op.display, "{key}");
    }
}

/// What a fixture's actions, a minute apart from 09:00, wrote: `column`'s values by action index.
fn by_minute(out: &Generated, table: &str, column: &str) -> BTreeMap<usize, BTreeSet<String>> {
    let mut found: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for r in out.records(table) {
        let time = r["TimeGenerated"].as_str().expect("TimeGenerated");
        let minutes = |s: &str| s.parse::<usize>().expect("digits");
        let index = (minutes(&time[11..13]) - 9) * 60 + minutes(&time[14..16]);
        found
            .entry(index)
            .or_default()
            .insert(r[column].as_str().unwrap_or_default().to_owned());
    }
    found
}

/// The `do:` values of a fixture, in order.
fn fixture_actions(out: &Generated) -> Vec<String> {
    let doc: serde_json::Value = serde_saphyr::from_str(&out.scenario_text).expect("fixture YAML");
    doc["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a["do"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn each_directory_action_writes_the_audit_operations_the_reference_lists() {
    let out = generate_and_load(&crate_dir().join("tests/fixtures/every-directory-action.yaml"), &[]);
    let actions = fixture_actions(&out);
    let declared: BTreeSet<String> = DirectoryAction::VARIANTS.iter().map(ToString::to_string).collect();
    assert_eq!(
        actions.iter().cloned().collect::<BTreeSet<_>>(),
        declared,
        "the fixture performs every directory action"
    );
    let written = by_minute(&out, AUDIT, "OperationName");
    let text = reference();
    for (i, name) in actions.iter().enumerate() {
        let documented: BTreeSet<String> = spans(cells(&text, name)[1]).into_iter().map(|(s, _)| s).collect();
        let empty = BTreeSet::new();
        assert_eq!(
            written.get(&i).unwrap_or(&empty),
            &documented,
            "{SCENARIO_REFERENCE}: the operations of `{name}`"
        );
    }
}

#[test]
fn each_arm_operation_writes_its_catalogue_names() {
    let out = generate_and_load(&crate_dir().join("tests/fixtures/every-arm-operation.yaml"), &[]);
    let actions = fixture_actions(&out);
    assert_eq!(actions.len(), ARM_OPERATIONS.len(), "the fixture performs every ARM operation");
    let values = by_minute(&out, ACTIVITY, "OperationNameValue");
    let displays = by_minute(&out, ACTIVITY, "OperationName");
    for (i, key) in actions.iter().enumerate() {
        let op = ActionKind::parse(key).and_then(|k| match k {
            ActionKind::Arm(op) => Some(op),
            _ => None,
        });
        let op = op.unwrap_or_else(|| panic!("`{key}` is an ARM key"));
        assert_eq!(values[&i], BTreeSet::from([op.name.to_uppercase()]), "{key}");
        assert_eq!(displays[&i], BTreeSet::from([op.display.to_owned()]), "{key}");
    }
}

#[test]
fn spans_skip_parenthesised_text_but_not_parentheses_in_code() {
    let cell = "**`reason`** (`wrong_secret` 7000215, or the code), `count` (default 5), `Add member (PIM activation)`";
    let found = spans(cell);
    assert_eq!(
        found,
        vec![
            ("reason".to_owned(), true),
            ("count".to_owned(), false),
            ("Add member (PIM activation)".to_owned(), false)
        ]
    );
    assert_eq!(fields_of("`operation: a \\| b`, `policy`").len(), 2);
}

/// The README's tour of the vocabulary: the first `yaml` block naming `vocabulary-tour`.
fn readme_tour() -> String {
    let readme = std::fs::read_to_string(crate_dir().join("README.md")).expect("the README exists");
    readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains("name: vocabulary-tour"))
        .expect("the README has the vocabulary tour")
        .to_owned()
}

/// Each family the README's tour shows writes its records, with no background to hide behind.
#[test]
fn the_readme_tour_of_the_vocabulary_writes_each_familys_records() {
    let dir = TempDir::new("tour");
    dir.write("tour.yaml", &readme_tour());
    let out = generate_and_load(&dir.join("tour.yaml"), &["--background", "none"]);
    let values = |table: &str, column: &str| -> BTreeSet<String> {
        out.records(table)
            .iter()
            .map(|r| r[column].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let audit = values(AUDIT, "OperationName");
    for operation in [
        "Add app role assignment to service principal",
        "Consent to application",
        "Add eligible member to role in PIM requested (permanent)",
        "Admin registered security info",
        "Invite external user",
        "Register device",
        "Delete conditional access policy",
        "Set federation settings on domain",
    ] {
        assert!(audit.contains(operation), "AuditLogs lacks `{operation}`: {audit:?}");
    }
    let arm = values(ACTIVITY, "OperationNameValue");
    for operation in [
        "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE",
        "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE",
        "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE",
        "MICROSOFT.PORTAL/CONSOLES/WRITE",
        "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION",
        "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE",
        "MICROSOFT.SUBSCRIPTION/UPDATETENANT/ACTION",
    ] {
        assert!(arm.contains(operation), "AzureActivity lacks `{operation}`: {arm:?}");
    }
    let denied = out
        .records(DIAGNOSTICS)
        .iter()
        .any(|r| r["OperationName"] == "SecretGet" && r["httpStatusCode_d"].as_f64() == Some(403.0));
    assert!(denied, "the denied SecretGet");
    let abroad = out
        .records(SP_SIGNINS)
        .iter()
        .filter(|r| r["ResultType"] == "7000215" && r["Location"] == "RU")
        .count();
    assert_eq!(abroad, 5, "the five failed sign-ins from Russia");
}
