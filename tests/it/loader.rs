//! The loader against a reference built here from each record's `serde_json::Value`, on every
//! bundled scenario's output: the same rows, columns, types and values (issue 13: the new loader
//! parses chunks on every core straight into typed values; this is the route it replaced).

use crate::support::{TempDir, bundled_scenarios, generate_bin, scenario_path, test_run_of};
use serde_json::Value as J;
use tenantless::kql::value::convert;
use tenantless::kql::{self, KqlType, Table, Value};

/// A JSON field as the declared (or inferred) type of its column, the old loader's way.
fn reference_cell(json: Option<&J>, ty: KqlType) -> Value {
    let natural = match json {
        None | Some(J::Null) => Value::Null,
        Some(J::String(s)) => Value::str(s),
        Some(other) => Value::from_json(other),
    };
    match (ty, json) {
        (KqlType::String, Some(j @ (J::Object(_) | J::Array(_)))) => Value::str(&j.to_string()),
        _ => convert(&natural, ty),
    }
}

fn check_table(name: &str, text: &str, table: &Table) {
    let records: Vec<serde_json::Map<String, J>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("generated lines are JSON objects"))
        .collect();
    assert_eq!(table.rows.len(), records.len(), "{name}: one row per record");
    let declared = kql::table::known_schema(name).unwrap_or_default();
    for key in records.iter().flat_map(|r| r.keys()) {
        assert!(table.column_index(key).is_some(), "{name}: field {key} has a column");
    }
    for (c, column) in table.columns.iter().enumerate() {
        if let Some(d) = declared.iter().find(|d| d.name == column.name) {
            assert_eq!(column.ty, d.ty, "{name}.{}: the declared type", column.name);
        }
        for (row, record) in table.rows.iter().zip(&records) {
            let expected = reference_cell(record.get(&column.name), column.ty);
            assert_eq!(row[c], expected, "{name}.{} of {record:?}", column.name);
        }
    }
}

#[test]
fn the_loader_reads_every_bundled_scenario_as_the_json_value_route_does() {
    // Bundled scenarios reduced to test size, and a library scenario as it is.
    let reduced: Vec<_> = bundled_scenarios().iter().map(|p| test_run_of(p)).collect();
    let mut runs: Vec<(&std::path::Path, &[String])> = reduced.iter().map(|r| (r.scenario.as_path(), r.extra.as_slice())).collect();
    let library = scenario_path("library/app-credentials.yaml");
    runs.push((&library, &[]));
    for &(scenario, extra) in &runs {
        let dir = TempDir::new("loader");
        let out = dir.join("out");
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        generate_bin(scenario, &out, &extra);
        let catalog = kql::load_jsonl_dir(&out).expect("the output loads");
        let mut checked = 0;
        for name in catalog.names() {
            let text = std::fs::read_to_string(out.join(format!("{name}.jsonl"))).expect("the table file");
            check_table(name, &text, &catalog.get(name).expect("listed").expect("loads"));
            checked += 1;
        }
        assert_eq!(checked, 5, "{}: the five tables", scenario.display());
    }
}

/// Issue 13: a query reads only the columns it can read. Every query of the test suite gives the
/// same result (or fails alike) whether its tables are read whole or narrowed to those columns,
/// and most of them are narrowed, so the comparison is not vacuous.
#[test]
fn every_suite_query_gives_the_same_result_over_only_the_columns_it_reads() {
    let dir = TempDir::new("narrowed");
    let out = dir.join("out");
    generate_bin(&scenario_path("seed.yaml"), &out, &[]);
    let whole = kql::load_jsonl_dir(&out).expect("the output loads");
    let options = kql::RunOptions {
        now: chrono::DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc),
        ..Default::default()
    };
    let functions = kql::stored::StoredFunctions::default();
    let mut narrowed_queries = 0;
    let cases = crate::conformance::cases();
    for case in &cases {
        // Results that differ from run to run cannot be compared.
        if ["new_guid", "rand("].iter().any(|f| case.query.contains(f)) {
            continue;
        }
        let needs = kql::column_needs(&case.query, &functions);
        if !needs.narrows_any() {
            continue;
        }
        narrowed_queries += 1;
        let filter = kql::TableFilter::for_query(&case.query).reading(needs);
        let narrowed = kql::load_jsonl_dir_with(&out, &filter, &mut |_| {}).expect("the output loads");
        let expected = kql::run(&case.query, &whole, &options);
        let got = kql::run(&case.query, &narrowed, &options);
        match (expected, got) {
            (Ok(expected), Ok(got)) => assert!(got == expected, "{}: {}", case.id, first_difference(&expected, &got)),
            (Err(_), Err(_)) => {}
            (expected, got) => panic!("{}: whole {expected:?}, narrowed {got:?}", case.id),
        }
    }
    assert!(
        narrowed_queries * 2 > cases.len(),
        "only {narrowed_queries} of {} queries read narrowed tables",
        cases.len()
    );
}

fn first_difference(expected: &[Table], got: &[Table]) -> String {
    for (e, g) in expected.iter().zip(got) {
        if e.columns != g.columns {
            return format!("columns {:?} became {:?}", e.column_names(), g.column_names());
        }
        if let Some(i) = (0..e.rows.len().max(g.rows.len())).find(|&i| e.rows.get(i) != g.rows.get(i)) {
            return format!("row {i}: {:?} became {:?}", e.rows.get(i), g.rows.get(i));
        }
    }
    format!("{} result tables became {}", expected.len(), got.len())
}
