//! `verify`: runs Sentinel rules the way Sentinel schedules them over generated data, and compares
//! their alerts with the ground truth in `manifest.json`: which injected anomalies each rule caught
//! or missed, which alerts were true or false, and whether the rule's expectations hold.

pub mod correlation;
pub mod engine;
pub mod junit;
pub mod report;
pub mod rule;

use crate::manifest::{Label, Manifest};
use crate::scenario::model::AnomalyKind;
use chrono::{DateTime, TimeDelta, Utc};
use rule::Rule;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// A query result reduced to what matching needs: column names and cell texts.
#[derive(Debug, Clone, Default)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// The query uses KQL the engine does not implement: the feature's name.
    Unsupported(String),
    /// Any other error (syntax, unknown table or column, runtime limit).
    Failed(String),
}

/// What `verify` needs from a KQL engine.
pub trait Engine {
    /// Runs `query` with `now()` pinned to `now`, over rows whose `TimeGenerated` lies in `window`.
    fn run(&mut self, query: &str, now: DateTime<Utc>, window: (DateTime<Utc>, DateTime<Utc>)) -> Result<QueryResult, EngineError>;
    /// Rows surviving each pipeline stage of the query's last statement, for `--explain`.
    fn explain(
        &mut self,
        query: &str,
        now: DateTime<Utc>,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<(String, u64)>, EngineError>;
}

/// One alert: a scheduled run whose result met the trigger.
#[derive(Debug, Clone)]
pub struct Alert {
    pub tick: DateTime<Utc>,
    pub rows: u64,
    /// Labels (indexes into the manifest's anomalies) whose identity and time the alert matches.
    pub matches: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
    Skipped(String),
}

#[derive(Debug, Clone)]
pub struct ExpectationResult {
    pub name: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub enum RuleStatus {
    Ran {
        alerts: Vec<Alert>,
        true_positives: u64,
        false_positives: u64,
        /// Non-benign labels of the kinds the rule must catch that no alert matched.
        missed: Vec<usize>,
        caught: Vec<usize>,
    },
    /// A correlation query ran once over all the data (`None`: not run, its scenario is absent).
    Queried {
        rows: Option<u64>,
    },
    /// The rule uses KQL tenantless does not support yet (distinct from a failure).
    NotExecutable(String),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct RuleResult {
    pub name: String,
    pub path: PathBuf,
    pub status: RuleStatus,
    pub expectations: Vec<ExpectationResult>,
}

impl RuleResult {
    pub fn passed(&self) -> bool {
        !matches!(self.status, RuleStatus::Failed(_)) && self.expectations.iter().all(|e| !matches!(e.outcome, Outcome::Fail(_)))
    }
}

/// The instants Sentinel would run a rule at over `[start, end]`: every `frequency` after `start`,
/// until one run has seen the end of the data.
pub fn ticks(start: DateTime<Utc>, end: DateTime<Utc>, frequency: TimeDelta) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let mut tick = start + frequency;
    loop {
        out.push(tick);
        if tick >= end {
            break;
        }
        tick += frequency;
    }
    out
}

/// The names and ids a label's identity may appear under in a result.
fn label_terms(label: &Label) -> BTreeSet<String> {
    // Addresses are left out: an actor's IP is shared by everything that actor does, so it cannot
    // tell two anomalies apart.
    std::iter::once(&label.identity)
        .chain(&label.aliases)
        .chain([&label.identity_id])
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// How far a result row's own timestamps may lie from a label's window and still point at it
/// (covers `bin(TimeGenerated, 10m)`-style keys).
const ROW_TIME_SLACK: TimeDelta = TimeDelta::minutes(15);

/// The datetimes a result row carries (`timestamp`, `StartTimeUtc`, a `bin()` key, …).
fn row_times(row: &[String]) -> Vec<DateTime<Utc>> {
    row.iter()
        .filter(|c| c.len() >= 20 && c.as_bytes().get(10) == Some(&b'T'))
        .filter_map(|c| crate::timefmt::parse_ts(c))
        .collect()
}

/// The cells an alert row exposes as entities: the mapped columns, or every column without mappings.
fn entity_cells<'r>(rule: &Rule, result: &'r QueryResult, row: &'r [String]) -> Vec<&'r str> {
    let mapped: Vec<usize> = rule
        .file
        .entity_mappings
        .iter()
        .flat_map(|m| &m.field_mappings)
        .filter_map(|f| result.columns.iter().position(|c| c == &f.column_name))
        .collect();
    if mapped.is_empty() {
        row.iter().map(String::as_str).collect()
    } else {
        mapped.iter().filter_map(|i| row.get(*i)).map(String::as_str).collect()
    }
}

/// Runs one rule over the data and judges it against the labels.
pub fn verify_rule(rule: &Rule, manifest: &Manifest, engine: &mut dyn Engine) -> RuleResult {
    let labels = &manifest.anomalies;
    let Some((start, end)) = manifest.time_range.bounds() else {
        return RuleResult {
            name: rule.file.name.clone(),
            path: rule.path.clone(),
            status: RuleStatus::Failed("manifest.json has no valid time_range".into()),
            expectations: vec![],
        };
    };
    let terms: Vec<BTreeSet<String>> = labels.iter().map(label_terms).collect();
    let windows: Vec<Option<(DateTime<Utc>, DateTime<Utc>)>> = labels
        .iter()
        .map(|l| Some((crate::timefmt::parse_ts(&l.window.start)?, crate::timefmt::parse_ts(&l.window.end)?)))
        .collect();
    let mut alerts = Vec::new();
    for tick in ticks(start, end, rule.frequency) {
        let window = (tick - rule.period, tick);
        let result = match engine.run(&rule.file.query, tick, window) {
            Ok(r) => r,
            Err(EngineError::Unsupported(feature)) => {
                return RuleResult {
                    name: rule.file.name.clone(),
                    path: rule.path.clone(),
                    status: RuleStatus::NotExecutable(feature),
                    expectations: vec![],
                };
            }
            Err(EngineError::Failed(message)) => {
                return RuleResult {
                    name: rule.file.name.clone(),
                    path: rule.path.clone(),
                    status: RuleStatus::Failed(message),
                    expectations: vec![],
                };
            }
        };
        if !rule.trigger.fires(result.rows.len() as u64) {
            continue;
        }
        let mut matches = BTreeSet::new();
        for row in &result.rows {
            let cells: Vec<String> = entity_cells(rule, &result, row).iter().map(|c| c.trim().to_lowercase()).collect();
            let times = row_times(row);
            for (i, label_terms) in terms.iter().enumerate() {
                let Some((ls, le)) = windows[i] else { continue };
                // The label must lie in the run's lookback and, when the row says when it happened,
                // near that time: a rule re-alerting on one anomaly must not be credited with the
                // identity's other anomalies of the same day.
                let in_lookback = ls <= window.1 && le >= window.0;
                let in_row_time = times.is_empty() || times.iter().any(|t| *t >= ls - ROW_TIME_SLACK && *t <= le + ROW_TIME_SLACK);
                if in_lookback && in_row_time && cells.iter().any(|c| label_terms.contains(c)) {
                    matches.insert(i);
                }
            }
        }
        alerts.push(Alert {
            tick,
            rows: result.rows.len() as u64,
            matches: matches.into_iter().collect(),
        });
    }
    judge(rule, manifest, alerts)
}

fn judge(rule: &Rule, manifest: &Manifest, alerts: Vec<Alert>) -> RuleResult {
    let labels = &manifest.anomalies;
    let expected = &rule.file.tenantless;
    let true_positives = alerts.iter().filter(|a| a.matches.iter().any(|m| !labels[*m].benign)).count() as u64;
    let false_positives = alerts.len() as u64 - true_positives;
    let caught_set: BTreeSet<usize> = alerts.iter().flat_map(|a| a.matches.iter().copied()).collect();
    let of_kind = |kind: AnomalyKind, benign: bool| {
        labels
            .iter()
            .enumerate()
            .filter(move |(_, l)| l.kind == kind && l.benign == benign)
            .map(|(i, _)| i)
    };
    let mut missed = Vec::new();
    let mut expectations = Vec::new();
    for kind in &expected.catches {
        let wanted: Vec<usize> = of_kind(*kind, false).collect();
        let not_caught: Vec<usize> = wanted.iter().copied().filter(|i| !caught_set.contains(i)).collect();
        missed.extend(&not_caught);
        let outcome = if wanted.is_empty() {
            Outcome::Skipped(format!("the data has no {kind:?} anomaly"))
        } else if not_caught.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(format!(
                "missed {}",
                not_caught.iter().map(|i| describe(&labels[*i])).collect::<Vec<_>>().join(", ")
            ))
        };
        expectations.push(ExpectationResult {
            name: format!("catches {}", kind_name(*kind)),
            outcome,
        });
        if expected.noisy_on.contains(kind) {
            continue;
        }
        let near_misses: Vec<usize> = of_kind(*kind, true).collect();
        let fired_on: Vec<usize> = near_misses.iter().copied().filter(|i| caught_set.contains(i)).collect();
        let outcome = if near_misses.is_empty() {
            Outcome::Skipped(format!("the data has no benign {kind:?} near-miss"))
        } else if fired_on.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(format!(
                "fired on the near-miss {}",
                fired_on.iter().map(|i| describe(&labels[*i])).collect::<Vec<_>>().join(", ")
            ))
        };
        expectations.push(ExpectationResult {
            name: format!("quiet on {} near-misses", kind_name(*kind)),
            outcome,
        });
    }
    for kind in &expected.misses {
        let blind: Vec<usize> = of_kind(*kind, false).collect();
        let caught: Vec<usize> = blind.iter().copied().filter(|i| caught_set.contains(i)).collect();
        let outcome = if blind.is_empty() {
            Outcome::Skipped(format!("the data has no {kind:?} anomaly"))
        } else if caught.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail(format!(
                "expected blind spot, but caught {}: update the expectation",
                caught.iter().map(|i| describe(&labels[*i])).collect::<Vec<_>>().join(", ")
            ))
        };
        expectations.push(ExpectationResult {
            name: format!("known blind spot: misses {}", kind_name(*kind)),
            outcome,
        });
    }
    // The scenario's own expectations of this rule: the anomaly must be in the data.
    let stem = rule.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    for spec in manifest.expectations.iter().filter(|e| e.rule == stem || e.rule == rule.file.name) {
        for (kind, must_catch) in spec.catches.iter().map(|k| (k, true)).chain(spec.misses.iter().map(|k| (k, false))) {
            let wanted: Vec<usize> = of_kind(*kind, false).collect();
            let caught: Vec<usize> = wanted.iter().copied().filter(|i| caught_set.contains(i)).collect();
            let outcome = if wanted.is_empty() {
                Outcome::Fail(format!(
                    "the data has no {} anomaly: was it removed from the scenario?",
                    kind_name(*kind)
                ))
            } else if must_catch && caught.len() < wanted.len() {
                let missed_here: Vec<String> = wanted
                    .iter()
                    .filter(|i| !caught_set.contains(i))
                    .map(|i| describe(&labels[*i]))
                    .collect();
                Outcome::Fail(format!("missed {}", missed_here.join(", ")))
            } else if !must_catch && !caught.is_empty() {
                Outcome::Fail(format!(
                    "expected to miss, but caught {}",
                    caught.iter().map(|i| describe(&labels[*i])).collect::<Vec<_>>().join(", ")
                ))
            } else {
                Outcome::Pass
            };
            let verb = if must_catch { "catches" } else { "misses" };
            expectations.push(ExpectationResult {
                name: format!("scenario expects: {verb} {}", kind_name(*kind)),
                outcome,
            });
        }
    }
    if let Some(max) = expected.max_false_positives {
        let outcome = if false_positives <= max {
            Outcome::Pass
        } else {
            Outcome::Fail(format!("{false_positives} false positive alert(s), at most {max} allowed"))
        };
        expectations.push(ExpectationResult {
            name: format!("at most {max} false positives"),
            outcome,
        });
    }
    RuleResult {
        name: rule.file.name.clone(),
        path: rule.path.clone(),
        status: RuleStatus::Ran {
            alerts,
            true_positives,
            false_positives,
            missed,
            caught: caught_set.into_iter().collect(),
        },
        expectations,
    }
}

pub fn kind_name(kind: AnomalyKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{kind:?}"))
}

pub fn describe(label: &Label) -> String {
    format!(
        "{} ({} {} at {})",
        label.id,
        kind_name(label.kind),
        label.identity,
        label.window.start
    )
}

/// Rule and correlation files found under the given paths: each directory's `*.yaml` are rules and
/// its `correlations/*.yaml` correlations; a file is a correlation when it sits in `correlations/`.
pub fn discover(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let yaml = |dir: &std::path::Path| -> Result<Vec<PathBuf>, String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        files.sort();
        Ok(files)
    };
    let (mut rules, mut correlations) = (Vec::new(), Vec::new());
    for path in paths {
        if path.is_dir() {
            rules.extend(yaml(path)?);
            let nested = path.join("correlations");
            if nested.is_dir() {
                correlations.extend(yaml(&nested)?);
            }
        } else if path.is_file() {
            if path.parent().and_then(|p| p.file_name()).is_some_and(|n| n == "correlations") {
                correlations.push(path.clone());
            } else {
                rules.push(path.clone());
            }
        } else {
            return Err(format!("{} does not exist", path.display()));
        }
    }
    Ok((rules, correlations))
}

/// Loads and runs every rule and correlation; a file that does not load is reported as failed
/// without stopping the others.
pub fn run_all(rule_files: &[PathBuf], correlation_files: &[PathBuf], manifest: &Manifest, engine: &mut dyn Engine) -> Vec<RuleResult> {
    let mut results = Vec::new();
    for path in rule_files {
        match rule::load(path) {
            Ok(rule) => results.push(verify_rule(&rule, manifest, engine)),
            Err(message) => results.push(RuleResult {
                name: path.display().to_string(),
                path: path.clone(),
                status: RuleStatus::Failed(format!("cannot load: {message}")),
                expectations: vec![],
            }),
        }
    }
    for path in correlation_files {
        match correlation::load(path) {
            Ok(list) => results.extend(list.iter().map(|c| correlation::run(c, path, manifest, engine))),
            Err(message) => results.push(RuleResult {
                name: path.display().to_string(),
                path: path.clone(),
                status: RuleStatus::Failed(format!("cannot load: {message}")),
                expectations: vec![],
            }),
        }
    }
    results
}

/// The tick at which a label's records were last visible to a rule, for `--explain`.
pub fn tick_covering(rule: &Rule, manifest: &Manifest, label: &Label) -> Option<DateTime<Utc>> {
    let (start, end) = manifest.time_range.bounds()?;
    let at = crate::timefmt::parse_ts(&label.window.end)?;
    ticks(start, end, rule.frequency).into_iter().find(|t| *t >= at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ticks_cover_the_whole_period() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let t = ticks(start, start + TimeDelta::hours(3), TimeDelta::hours(1));
        assert_eq!(
            t,
            vec![
                start + TimeDelta::hours(1),
                start + TimeDelta::hours(2),
                start + TimeDelta::hours(3)
            ]
        );
        let t = ticks(start, start + TimeDelta::minutes(90), TimeDelta::hours(1));
        assert_eq!(t.len(), 2, "the last partial hour is seen by one more run");
    }
}
