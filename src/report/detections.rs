//! The detection half of the page: each rule's verdict (the same run as `verify`), each labelled
//! anomaly's status from those verdicts, and each correlation query's result table.

use crate::manifest::Manifest;
use crate::verify::{self, Outcome, RuleResult, RuleStatus, correlation};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// One rule or correlation as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    /// Its name.
    pub name: String,
    /// Its file.
    pub path: String,
    /// `ran`, `queried`, `not_executable` or `failed`.
    pub status: &'static str,
    /// Why it could not run, when it could not.
    pub reason: Option<String>,
    /// Whether `verify` counts it as passed.
    pub passed: bool,
    /// Scheduled runs that raised an alert.
    pub alerts: usize,
    /// Alerts matching a labelled anomaly.
    pub true_positives: u64,
    /// Alerts matching no injected anomaly.
    pub false_positives: u64,
    /// Label ids it caught (near-misses too).
    pub caught: Vec<String>,
    /// Label ids it had to catch and missed.
    pub missed: Vec<String>,
    /// Each expectation: its name, `pass`, `fail` or `skipped`, and why.
    pub expectations: Vec<(String, &'static str, Option<String>)>,
    /// The rule's KQL, when its file loads.
    pub query: Option<String>,
}

/// What one rule made of one labelled anomaly.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Verdict {
    /// The rule's name.
    pub rule: String,
    /// `caught`, `missed`, or for a near-miss, `fired` (a false alarm).
    pub result: &'static str,
}

/// A labelled anomaly's overall status.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// An anomaly some rule caught.
    Caught,
    /// An anomaly the rules that must catch it all missed, and no other rule caught.
    Missed,
    /// An anomaly no rule was expected to catch and none caught (or no rules were given).
    NotChecked,
    /// A near-miss some rule fired on.
    FiredFalsely,
    /// A near-miss every rule stayed quiet on.
    Quiet,
}

/// Every label's status and verdicts, from the rules' results.
pub fn verdicts(results: &[RuleResult], manifest: &Manifest) -> Vec<(Status, Vec<Verdict>)> {
    (0..manifest.anomalies.len())
        .map(|i| {
            let benign = manifest.anomalies[i].benign;
            let mut verdicts = Vec::new();
            for r in results {
                if let RuleStatus::Ran { caught, missed, .. } = &r.status {
                    let result = match (caught.contains(&i), missed.contains(&i), benign) {
                        (true, _, true) => "fired",
                        (true, _, false) => "caught",
                        (false, true, _) => "missed",
                        (false, false, _) => continue,
                    };
                    verdicts.push(Verdict {
                        rule: r.name.clone(),
                        result,
                    });
                }
            }
            let any = |what: &str| verdicts.iter().any(|v| v.result == what);
            let status = match benign {
                true if any("fired") => Status::FiredFalsely,
                true => Status::Quiet,
                false if any("caught") => Status::Caught,
                false if any("missed") => Status::Missed,
                false => Status::NotChecked,
            };
            (status, verdicts)
        })
        .collect()
}

/// The page's view of each result, with its rule's query.
pub fn rule_views(results: &[RuleResult], manifest: &Manifest) -> Vec<RuleView> {
    let id = |i: &usize| manifest.anomalies[*i].id.clone();
    let queries = queries_of(results);
    results
        .iter()
        .map(|r| {
            let mut view = RuleView {
                name: r.name.clone(),
                path: r.path.display().to_string(),
                status: "ran",
                reason: None,
                passed: r.passed(),
                alerts: 0,
                true_positives: 0,
                false_positives: 0,
                caught: Vec::new(),
                missed: Vec::new(),
                expectations: r.expectations.iter().map(expectation).collect(),
                query: queries.get(&(r.path.clone(), r.name.clone())).cloned(),
            };
            match &r.status {
                RuleStatus::Ran {
                    alerts,
                    true_positives,
                    false_positives,
                    missed,
                    caught,
                } => {
                    view.alerts = alerts.len();
                    view.true_positives = *true_positives;
                    view.false_positives = *false_positives;
                    view.caught = caught.iter().map(id).collect();
                    view.missed = missed.iter().map(id).collect();
                }
                RuleStatus::Queried { .. } => view.status = "queried",
                RuleStatus::NotExecutable(why) => (view.status, view.reason) = ("not_executable", Some(why.clone())),
                RuleStatus::Failed(why) => (view.status, view.reason) = ("failed", Some(why.clone())),
            }
            view
        })
        .collect()
}

fn expectation(e: &verify::ExpectationResult) -> (String, &'static str, Option<String>) {
    match &e.outcome {
        Outcome::Pass => (e.name.clone(), "pass", None),
        Outcome::Fail(why) => (e.name.clone(), "fail", Some(why.clone())),
        Outcome::Skipped(why) => (e.name.clone(), "skipped", Some(why.clone())),
    }
}

/// The KQL of every rule and correlation of the results' files, by (file, name); each file is
/// read once however many results it holds (an ARM export holds several rules).
fn queries_of(results: &[RuleResult]) -> HashMap<(PathBuf, String), String> {
    let paths: BTreeSet<&Path> = results.iter().map(|r| r.path.as_path()).collect();
    let mut out = HashMap::new();
    for path in paths {
        let rules = verify::rule::load_all(path)
            .into_iter()
            .flatten()
            .map(|r| (r.file.name, r.file.query));
        let correlations = correlation::load(path).into_iter().flatten().map(|c| (c.name, c.query));
        for (name, query) in rules.chain(correlations) {
            out.entry((path.to_owned(), name)).or_insert(query);
        }
    }
    out
}

/// One correlation query and what it returned.
#[derive(Debug, Clone, Serialize)]
pub struct CorrelationTable {
    /// Its name.
    pub name: String,
    /// Its file.
    pub path: String,
    /// The KQL as run (parameters bound).
    pub query: String,
    /// The result's columns.
    pub columns: Vec<String>,
    /// Its first [`correlation::HEAD_ROWS`] rows.
    pub rows: Vec<Vec<String>>,
    /// How many rows it returned.
    pub total_rows: usize,
    /// Why it has no result, when it has none.
    pub error: Option<String>,
}

/// The result tables of the correlations among `results` (those from `files`) that ran or failed
/// on this data, as `verify` ran them: a correlation of another scenario has none.
pub fn correlation_tables(results: &[RuleResult], files: &[PathBuf], manifest: &Manifest) -> Vec<CorrelationTable> {
    let loaded: HashMap<&Path, Vec<correlation::Correlation>> = files
        .iter()
        .filter_map(|p| Some((p.as_path(), correlation::load(p).ok()?)))
        .collect();
    let mut out = Vec::new();
    for r in results {
        let Some(c) = loaded.get(r.path.as_path()).and_then(|cs| cs.iter().find(|c| c.name == r.name)) else {
            continue; // a rule, or a correlation file that does not load (the rules' section says so)
        };
        let (head, total, error) = match &r.status {
            RuleStatus::Queried {
                head: Some(head), rows, ..
            } => (Some(head), rows.unwrap_or(0) as usize, None),
            RuleStatus::Queried { .. } => continue,
            RuleStatus::Failed(why) => (None, 0, Some(why.clone())),
            RuleStatus::NotExecutable(feature) => (None, 0, Some(format!("uses KQL tenantless does not support yet: {feature}"))),
            RuleStatus::Ran { .. } => continue,
        };
        out.push(CorrelationTable {
            name: r.name.clone(),
            path: r.path.display().to_string(),
            query: correlation::query_for(c, manifest).unwrap_or_else(|| c.query.clone()),
            columns: head.map(|h| h.columns.clone()).unwrap_or_default(),
            rows: head.map(|h| h.rows.clone()).unwrap_or_default(),
            total_rows: total,
            error,
        });
    }
    out
}
