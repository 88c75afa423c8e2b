//! Result schemas against Microsoft's KQL analyzer (issue 12 §3): for every bundled rule and
//! correlation, the seed's queries and `tests/conformance/queries.kql`, the columns tenantless
//! computes over generated data — names, order and types — must be the ones
//! `@kusto/language-service-next` (run by `tools/kql-oracle/schema.js` under Node) computes from
//! the tables' schemas in `schemas/`. tenantless has one integer and one floating type, so the
//! analyzer's `int` is compared as `long` and `decimal` as `real`. Differences are failures
//! unless `tests/conformance/known-differences.txt` lists them with the reason.

use crate::support::kql::seed;
use crate::support::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One query and where it comes from.
pub(crate) struct Case {
    pub(crate) id: String,
    pub(crate) query: String,
}

/// The oracle's folder; its `node_modules` is installed by `npm ci` on first use.
pub(crate) fn oracle_dir() -> PathBuf {
    crate_dir().join("tools/kql-oracle")
}

/// Installs the analyzer when missing, so that `cargo test` alone runs this on a fresh machine.
pub(crate) fn ensure_oracle() {
    let dir = oracle_dir();
    crate::support::npm_ci(
        &dir,
        &dir.join("node_modules/@kusto/language-service-next"),
        "Microsoft's KQL analyzer",
    );
}

/// The five tables' columns as `schemas/*.json` give them.
fn schemas() -> BTreeMap<String, Vec<(String, String)>> {
    let mut tables = BTreeMap::new();
    for entry in std::fs::read_dir(crate_dir().join("schemas")).expect("schemas/") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("schema file");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("schema JSON");
        let columns = doc["columns"].as_array().expect("columns").iter();
        let columns = columns.map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["type"].as_str().unwrap_or_default().to_owned(),
            )
        });
        tables.insert(doc["table"].as_str().expect("table").to_owned(), columns.collect());
    }
    tables
}

/// Every `*.yaml` rule under `dir`, recursively, by its path below `rules/`.
fn rule_cases(dir: &Path, out: &mut Vec<Case>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("rules dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rule_cases(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            // A correlations file holds several documents, each with its query.
            let text = std::fs::read_to_string(&path).expect("rule");
            let docs: Vec<serde_json::Value> = serde_saphyr::from_str_multiple(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let id = path.strip_prefix(crate_dir().join("rules")).unwrap_or(&path).display().to_string();
            for (i, doc) in docs.iter().enumerate() {
                let query = doc["query"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{id}: document {} has no query", i + 1));
                let id = if docs.len() > 1 { format!("{id}#{}", i + 1) } else { id.clone() };
                out.push(Case {
                    id,
                    query: query.to_owned(),
                });
            }
        }
    }
}

/// Every query of the test suite: bundled rules and correlations, the seed's, `queries.kql`.
pub(crate) fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    rule_cases(&crate_dir().join("rules"), &mut cases);
    cases.extend(seed::ALL.iter().enumerate().map(|(i, q)| Case {
        id: format!("seed-{}", i + 1),
        query: (*q).to_owned(),
    }));
    let curated = std::fs::read_to_string(crate_dir().join("tests/conformance/queries.kql")).expect("queries.kql");
    // A curated query's id is its text: lines move as queries are added, the text does not.
    let lines = curated.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("//"));
    cases.extend(lines.map(|l| Case {
        id: format!("queries.kql:{}", l.trim()),
        query: l.to_owned(),
    }));
    // Placeholders bound as `verify` and the seed tests bind them, for both engines alike.
    let mut params = BTreeMap::new();
    for (k, v) in [
        ("ServicePrincipalId", "22222222-2222-4222-8222-222222222222"),
        ("LogicAppName", "la-alerts"),
        ("VM or application name", "vm-01"),
    ] {
        params.insert(k.to_owned(), v.to_owned());
    }
    params.insert("StartTimeISO".into(), "2026-11-01T00:00:00Z".into());
    params.insert("EndTimeISO".into(), "2026-11-08T00:00:00Z".into());
    for c in &mut cases {
        c.query = tenantless::kql::params::substitute(&c.query, &params);
    }
    cases
}

/// The analyzer's schema (or errors) of each query.
fn analyzer(cases: &[Case]) -> Vec<Result<Vec<(String, String)>, String>> {
    ensure_oracle();
    let tables: BTreeMap<String, Vec<[String; 2]>> = schemas()
        .into_iter()
        .map(|(t, cols)| (t, cols.into_iter().map(|(n, ty)| [n, ty]).collect()))
        .collect();
    let request = serde_json::json!({"tables": tables, "queries": cases.iter().map(|c| &c.query).collect::<Vec<_>>()});
    let mut child = Command::new("node")
        .arg(oracle_dir().join("schema.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the conformance test needs Node (`node` on PATH)");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write request");
    let output = child.wait_with_output().expect("oracle output");
    assert!(output.status.success(), "the oracle failed");
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("oracle JSON");
    answers
        .iter()
        .map(|a| match a["columns"].as_array() {
            Some(cols) => Ok(cols
                .iter()
                .map(|c| {
                    (
                        c[0].as_str().unwrap_or_default().to_owned(),
                        normalized(c[1].as_str().unwrap_or_default()),
                    )
                })
                .collect()),
            None => Err(a["errors"].to_string()),
        })
        .collect()
}

/// The analyzer's type as tenantless's one integer and one floating type name it.
fn normalized(ty: &str) -> String {
    match ty {
        "int" => "long".to_owned(),
        "decimal" => "real".to_owned(),
        other => other.to_owned(),
    }
}

/// tenantless's schema (or error) of each query over a generated tenant.
fn ours(cases: &[Case]) -> Vec<Result<Vec<(String, String)>, String>> {
    let dir = TempDir::new("conformance");
    generate_bin(&scenario_path("seed.yaml"), &dir.join("out"), &[]);
    let catalog = tenantless::kql::load_jsonl_dir(&dir.join("out")).expect("generated tables load");
    let options = tenantless::kql::RunOptions {
        now: chrono::DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc),
        ..Default::default()
    };
    cases
        .iter()
        .map(|c| match tenantless::kql::run(&c.query, &catalog, &options) {
            Ok(tables) => {
                let t = tables.last().expect("a result");
                Ok(t.columns.iter().map(|col| (col.name.clone(), col.ty.to_string())).collect())
            }
            Err(e) => Err(e.to_string()),
        })
        .collect()
}

fn known_differences() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(crate_dir().join("tests/conformance/known-differences.txt")).expect("known-differences.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (id, why) = l
                .split_once('\t')
                .unwrap_or_else(|| panic!("known-differences.txt: `{l}` needs ID<TAB>reason"));
            (id.to_owned(), why.to_owned())
        })
        .collect()
}

#[test]
fn result_schemas_match_microsofts_analyzer() {
    let cases = cases();
    assert!(cases.len() > 100, "the suite's queries are found ({})", cases.len());
    let (theirs, ours) = (analyzer(&cases), ours(&cases));
    let known = known_differences();
    let mut failures = Vec::new();
    let mut identical = 0;
    for ((case, theirs), ours) in cases.iter().zip(&theirs).zip(&ours) {
        let differs = theirs != ours;
        identical += usize::from(!differs);
        match (differs, known.contains_key(&case.id)) {
            (true, false) => failures.push(format!(
                "{}:\n  analyzer:   {theirs:?}\n  tenantless: {ours:?}\n  query: {}",
                case.id,
                case.query.trim()
            )),
            (false, true) => failures.push(format!("{}: listed in known-differences.txt but no longer differs", case.id)),
            _ => {}
        }
    }
    eprintln!(
        "conformance: {} queries, {identical} identical, {} documented differences",
        cases.len(),
        known.len()
    );
    assert!(
        failures.is_empty(),
        "{} schema difference(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
