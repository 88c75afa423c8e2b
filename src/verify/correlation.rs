//! Correlation queries (`rules/correlations/*.yaml`): the seed's queries, their placeholders bound
//! from the generated tenant's entities by name, each with what it must return.

use super::{Engine, EngineError, ExpectationResult, Outcome, QueryResult, RuleResult, RuleStatus};
use crate::manifest::Manifest;
use chrono::TimeDelta;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One correlation query, as a YAML document of a `correlations/` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// Name the reports show.
    pub name: String,
    /// The scenario whose entities bind the parameters (default: the only one in the data).
    #[serde(default)]
    pub scenario: Option<String>,
    /// The query's placeholders by name, each with where its value comes from.
    #[serde(default)]
    pub params: BTreeMap<String, Param>,
    /// The KQL, with placeholders (`<Name>` for a string literal, `{{Name}}` for the raw value) for `params`.
    pub query: String,
    /// What the result must be.
    pub expect: Expect,
}

/// Where a placeholder's value comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Param {
    /// A field of a generated identity, found by its name in the manifest.
    Identity {
        /// The identity's display name, as the scenario writes it.
        identity: String,
        /// Which of its values to bind.
        field: IdentityField,
    },
    /// A fixed value, bound as written.
    Value {
        /// The value.
        value: String,
    },
}

/// Which value of an identity a placeholder binds.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityField {
    /// Its display name (`name`).
    Name,
    /// Its application (client) ID (`app_id`).
    AppId,
    /// Its service principal object ID (`service_principal_id`).
    ServicePrincipalId,
}

/// What a correlation's result must be; each key given is one expectation, absent ones are not checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Exactly this many rows.
    pub rows: Option<u64>,
    /// At least this many rows.
    pub min_rows: Option<u64>,
    /// The result's column names, in order.
    pub columns: Option<Vec<String>>,
    /// Number of distinct values per column.
    #[serde(default)]
    pub distinct: BTreeMap<String, u64>,
}

/// Loads every correlation of a (possibly multi-document) YAML file.
pub fn load(path: &Path) -> Result<Vec<Correlation>, super::error::FileError> {
    let text = crate::input::read_text(path, super::rule::MAX_RULE_FILE_BYTES)?;
    serde_saphyr::from_str_multiple::<Correlation, Vec<Correlation>>(&text).map_err(|e| super::rule::yaml_error(path, &text, &e))
}

fn resolve_params(c: &Correlation, manifest: &Manifest) -> Result<BTreeMap<String, String>, String> {
    let mut values = BTreeMap::new();
    for (name, param) in &c.params {
        let value = match param {
            Param::Value { value } => value.clone(),
            Param::Identity { identity, field } => {
                let entry = manifest
                    .identities
                    .iter()
                    .find(|i| &i.name == identity && c.scenario.as_ref().is_none_or(|s| &i.scenario == s))
                    .ok_or_else(|| format!("parameter `{name}`: no identity `{identity}` in the data"))?;
                match field {
                    IdentityField::Name => entry.name.clone(),
                    IdentityField::AppId => entry.app_id.clone(),
                    IdentityField::ServicePrincipalId => entry.service_principal_id.clone(),
                }
            }
        };
        values.insert(name.clone(), value);
    }
    Ok(values)
}

/// A pass, or a failure explained by `why`.
fn expectation(name: String, ok: bool, why: impl FnOnce() -> String) -> ExpectationResult {
    ExpectationResult {
        name,
        outcome: if ok { Outcome::Pass } else { Outcome::Fail(why()) },
    }
}

fn check(expect: &Expect, result: &QueryResult) -> Vec<ExpectationResult> {
    let mut out = Vec::new();
    let n = result.rows.len() as u64;
    if let Some(rows) = expect.rows {
        out.push(expectation(format!("returns {rows} row(s)"), n == rows, || {
            format!("returned {n} row(s), expected {rows}")
        }));
    }
    if let Some(min) = expect.min_rows {
        out.push(expectation(format!("returns at least {min} row(s)"), n >= min, || {
            format!("returned {n} row(s), expected at least {min}")
        }));
    }
    if let Some(columns) = &expect.columns {
        out.push(expectation("has the expected columns".into(), &result.columns == columns, || {
            format!("columns {:?}", result.columns)
        }));
    }
    for (column, count) in &expect.distinct {
        let name = format!("{count} distinct {column}");
        out.push(match result.columns.iter().position(|c| c == column) {
            None => expectation(name, false, || format!("no column `{column}` in the result")),
            Some(i) => {
                let distinct: BTreeSet<&str> = result.rows.iter().filter_map(|r| r.get(i)).map(String::as_str).collect();
                expectation(name, distinct.len() as u64 == *count, || {
                    format!("{} distinct value(s) of {column}, expected {count}", distinct.len())
                })
            }
        });
    }
    out
}

/// Whether the data `manifest` describes is from the scenario `c` is written for, if any.
fn of_scenario(c: &Correlation, manifest: &Manifest) -> bool {
    c.scenario
        .as_ref()
        .is_none_or(|scenario| manifest.scenarios.iter().any(|s| &s.name == scenario))
}

/// The query `c` runs over data described by `manifest`, its parameters filled in; `None` when
/// it does not run there (the data is from another scenario) or its parameters cannot be filled
/// in (its run says why).
pub fn query_for(c: &Correlation, manifest: &Manifest) -> Option<String> {
    if !of_scenario(c, manifest) {
        return None;
    }
    let values = resolve_params(c, manifest).ok()?;
    Some(crate::kql::params::substitute(&c.query, &values))
}

/// Rows of a correlation's result its [`RuleStatus::Queried`] keeps.
pub const HEAD_ROWS: usize = 50;

/// Runs one correlation over all the data, `now()` at the end of the simulated period.
pub fn run(c: &Correlation, path: &Path, manifest: &Manifest, engine: &mut dyn Engine) -> RuleResult {
    let result = |status, expectations| RuleResult {
        name: c.name.clone(),
        path: path.to_owned(),
        status,
        expectations,
    };
    if let Some(scenario) = c.scenario.as_ref().filter(|_| !of_scenario(c, manifest)) {
        let skipped = ExpectationResult {
            name: "data from its scenario".into(),
            outcome: Outcome::Skipped(format!("the data is not from scenario `{scenario}`")),
        };
        return result(RuleStatus::Queried { rows: None, head: None }, vec![skipped]);
    }
    match execute(c, manifest, engine) {
        Ok(r) => {
            let expectations = check(&c.expect, &r);
            let rows = Some(r.rows.len() as u64);
            let head = QueryResult {
                columns: r.columns,
                rows: r.rows.into_iter().take(HEAD_ROWS).collect(),
            };
            result(RuleStatus::Queried { rows, head: Some(head) }, expectations)
        }
        Err(RunError::Setup(e)) | Err(RunError::Engine(EngineError::Failed(e))) => result(RuleStatus::Failed(e), vec![]),
        Err(RunError::Engine(EngineError::Unsupported(f))) => result(RuleStatus::NotExecutable(f), vec![]),
    }
}

/// Why a correlation gave no result table.
enum RunError {
    /// Its parameters could not be bound, or the manifest has no period to run it over.
    Setup(String),
    /// The engine refused or failed the query.
    Engine(EngineError),
}

fn execute(c: &Correlation, manifest: &Manifest, engine: &mut dyn Engine) -> Result<QueryResult, RunError> {
    let values = resolve_params(c, manifest).map_err(RunError::Setup)?;
    let (start, end) = manifest
        .time_range
        .bounds()
        .ok_or_else(|| RunError::Setup("manifest.json has no valid time_range".into()))?;
    engine
        .run(
            &crate::kql::params::substitute(&c.query, &values),
            end,
            (start - TimeDelta::days(1), end + TimeDelta::days(1)),
        )
        .map_err(RunError::Engine)
}
