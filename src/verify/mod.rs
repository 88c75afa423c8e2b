//! `verify`: runs Sentinel rules the way Sentinel schedules them over generated data, and compares
//! their alerts with the ground truth in `manifest.json`: which injected anomalies each rule caught
//! or missed, which alerts were true or false, and whether the rule's expectations hold.

pub mod correlation;
pub mod coverage;
pub mod engine;
pub mod error;
pub mod exported;
pub mod findings;
pub mod junit;
pub mod losses;
pub mod report;
pub mod rule;
pub mod sarif;
pub mod summary;

use crate::manifest::{Label, Manifest};
use chrono::{DateTime, TimeDelta, Utc};
use rule::Rule;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A query result reduced to what matching needs: column names and cell texts.
#[derive(Debug, Clone, Default)]
pub struct QueryResult {
    /// Column names, in the result's order.
    pub columns: Vec<String>,
    /// Each row's cells as text, one per column.
    pub rows: Vec<Vec<String>>,
}

/// Why an [`Engine`] could not run a query.
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
    /// The first and last `TimeGenerated` in the data, when the engine knows them: scheduling
    /// follows the data rather than the manifest's range, which may say anything.
    fn data_range(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        None
    }
    /// Runs after `deadline` stop with an error (`--rule-timeout`); `None` lifts the limit.
    fn set_deadline(&mut self, _deadline: Option<Instant>) {}
    /// An engine over the same data for another thread, when the engine can share its data:
    /// rules are independent, so `verify` runs them on every core.
    fn fork(&self) -> Option<Box<dyn Engine + Send>> {
        None
    }
}

/// One alert: a scheduled run whose result met the trigger.
#[derive(Debug, Clone)]
pub struct Alert {
    /// When the run happened: `now()` of the query, the end of its lookback.
    pub tick: DateTime<Utc>,
    /// Rows the run returned.
    pub rows: u64,
    /// Labels (indexes into the manifest's anomalies) whose identity and time the alert matches.
    pub matches: Vec<usize>,
}

/// How one expectation of a rule or correlation turned out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It held.
    Pass,
    /// It did not: what went wrong (e.g. which anomalies were missed).
    Fail(String),
    /// It could not be judged, e.g. the data has no anomaly of the kind: why.
    Skipped(String),
}

/// One expectation and how it turned out.
#[derive(Debug, Clone)]
pub struct ExpectationResult {
    /// What was expected, as reports show it (e.g. `catches failed_signins`).
    pub name: String,
    /// Whether it held.
    pub outcome: Outcome,
}

/// What happened when `verify` ran a rule or correlation.
#[derive(Debug, Clone)]
pub enum RuleStatus {
    /// A rule ran on its schedule over the whole data.
    Ran {
        /// Every run that raised an alert, in time order.
        alerts: Vec<Alert>,
        /// Alerts matching at least one non-benign label.
        true_positives: u64,
        /// Alerts matching no injected anomaly (only benign near-misses, or nothing).
        false_positives: u64,
        /// Non-benign labels of the kinds the rule must catch that no alert matched.
        missed: Vec<usize>,
        /// Labels (benign ones too) matched by at least one alert, ascending.
        caught: Vec<usize>,
    },
    /// A correlation query ran once over all the data (`None`: not run, its scenario is absent).
    Queried {
        /// Rows the query returned; `None` when it was not run.
        rows: Option<u64>,
        /// Its columns and first [`correlation::HEAD_ROWS`] rows, when it ran (the HTML report
        /// shows them).
        head: Option<QueryResult>,
    },
    /// The rule uses KQL tenantless does not support yet (distinct from a failure).
    NotExecutable(String),
    /// The rule could not be run or judged: a query error, a timeout, an impossible schedule.
    Failed(String),
}

/// The verdict on one rule or correlation.
#[derive(Debug, Clone)]
pub struct RuleResult {
    /// The rule's or correlation's `name`.
    pub name: String,
    /// The file it came from.
    pub path: PathBuf,
    /// Whether and how it ran.
    pub status: RuleStatus,
    /// Each expectation and its outcome, in the order reports list them.
    pub expectations: Vec<ExpectationResult>,
}

impl RuleResult {
    /// True when it did not fail and no expectation failed (skipped ones and unsupported KQL
    /// do not count against it).
    pub fn passed(&self) -> bool {
        !matches!(self.status, RuleStatus::Failed(_)) && self.expectations.iter().all(|e| !matches!(e.outcome, Outcome::Fail(_)))
    }
}

/// The instants Sentinel would run a rule at over `[start, end]`: every `frequency` after `start`,
/// until one run has seen the end of the data. Unbounded: [`schedule`] checks the count first.
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

/// The most scheduled runs `verify` makes of one rule: a year of data at Sentinel's shortest
/// frequency (5 minutes) is 105,120 runs; beyond this a range is a mistake, not a tenant.
pub const MAX_TICKS: i64 = 200_000;

/// The runs of `rule` that see the data: ticks every `frequency` from the manifest's start (as
/// Sentinel's schedule is anchored), from the first one at or after the data's first record until
/// the lookback of the last one no longer reaches the data's last record, or the manifest's end
/// comes first. The data's own range bounds this, not the manifest's, which may say anything;
/// without timestamps in the data the manifest's range is used. More than [`MAX_TICKS`] runs is an
/// error naming the range, rather than a loop for ever.
pub fn schedule(rule: &Rule, manifest: &Manifest, data: Option<(DateTime<Utc>, DateTime<Utc>)>) -> Result<Vec<DateTime<Utc>>, String> {
    let declared = manifest.time_range.bounds();
    let (first, last) = data
        .or(declared)
        .ok_or("manifest.json has no valid time_range and the data no TimeGenerated")?;
    let anchor = declared.map_or(first, |(start, _)| start.min(first));
    // Runs after the manifest's end are not made; runs whose lookback has passed the last record
    // would see nothing.
    let end = match declared {
        Some((_, end)) if end >= last => end.min(last + rule.period),
        _ => last,
    };
    let frequency_ms = rule.frequency.num_milliseconds();
    if frequency_ms <= 0 {
        return Err(format!(
            "queryFrequency {} is not positive",
            crate::timefmt::display_duration(rule.frequency)
        ));
    }
    // Milliseconds between instants of years 0..=9999 fit an i64 with room to spare.
    let runs_to = |t: DateTime<Utc>| ((t - anchor).num_milliseconds() + frequency_ms - 1).div_euclid(frequency_ms).max(1);
    let (k_first, k_last) = (runs_to(first), runs_to(end).max(runs_to(first)));
    let count = k_last - k_first + 1;
    if count > MAX_TICKS {
        return Err(format!(
            "running every {} from {} to {} (the data's first and last record) is {count} runs, more than the {MAX_TICKS} verify makes of one rule: check the data's TimeGenerated values, or raise queryFrequency",
            crate::timefmt::display_duration(rule.frequency),
            crate::timefmt::format_ts(first),
            crate::timefmt::format_ts(last),
        ));
    }
    Ok((k_first..=k_last)
        .map(|k| anchor + TimeDelta::milliseconds(k * frequency_ms))
        .collect())
}

/// The names and ids a label's identity and the other entities it involves (users, apps, roles,
/// resources) may appear under in a result, so that an alert mapping any of them matches.
fn label_terms(label: &Label) -> BTreeSet<String> {
    // Addresses are left out: an actor's IP is shared by everything that actor does, so it cannot
    // tell two anomalies apart.
    std::iter::once(&label.identity)
        .chain(&label.aliases)
        .chain([&label.identity_id])
        .chain(label.entities.iter().filter(|e| e.kind != "ip").flat_map(|e| [&e.name, &e.id]))
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// How far a result row's own timestamps may lie from a label's window and still point at it
/// (covers `bin(TimeGenerated, 1h)`-style keys, which published rules summarise by).
const ROW_TIME_SLACK: TimeDelta = TimeDelta::hours(1);

/// The datetimes a result row carries (`timestamp`, `StartTimeUtc`, a `bin()` key, …).
fn row_times(row: &[String]) -> Vec<DateTime<Utc>> {
    row.iter()
        .filter(|c| c.len() >= 20 && c.as_bytes().get(10) == Some(&b'T'))
        .filter_map(|c| crate::timefmt::parse_ts(c))
        .collect()
}

/// The cells an alert row exposes as entities: the mapped columns, or every column without mappings.
/// An Account mapped as `Name` and `UPNSuffix` (as many published rules split a UPN) also exposes
/// the UPN they make together.
fn entity_cells(rule: &Rule, result: &QueryResult, row: &[String]) -> Vec<String> {
    let cell = |column: &str| result.columns.iter().position(|c| c == column).and_then(|i| row.get(i));
    let mappings = &rule.file.entity_mappings;
    if mappings
        .iter()
        .all(|m| m.field_mappings.iter().all(|f| cell(&f.column_name).is_none()))
    {
        return row.to_vec();
    }
    let mut cells = Vec::new();
    for mapping in mappings {
        let field = |identifier: &str| {
            mapping
                .field_mappings
                .iter()
                .find(|f| f.identifier.eq_ignore_ascii_case(identifier))
                .and_then(|f| cell(&f.column_name))
        };
        if let (Some(name), Some(suffix)) = (field("Name"), field("UPNSuffix"))
            && !name.is_empty()
            && !suffix.is_empty()
            && !name.contains('@')
        {
            cells.push(format!("{name}@{suffix}"));
        }
        cells.extend(mapping.field_mappings.iter().filter_map(|f| cell(&f.column_name)).cloned());
    }
    cells
}

/// Runs one rule over the data and judges it against the labels.
pub fn verify_rule(rule: &Rule, manifest: &Manifest, engine: &mut dyn Engine) -> RuleResult {
    verify_rule_within(rule, manifest, engine, None)
}

/// The failure of a rule that ran past its `--rule-timeout`.
fn timed_out(budget: Duration, at: Option<DateTime<Utc>>, done: usize, total: usize) -> RuleStatus {
    let at = at.map_or_else(String::new, |t| format!(" (in the run at {}", crate::timefmt::format_ts(t)));
    let progress = if at.is_empty() {
        String::new()
    } else {
        format!("{at}, {done} of {total} runs done)")
    };
    RuleStatus::Failed(format!(
        "timed out: took longer than --rule-timeout {}{progress}; make the query cheaper or raise --rule-timeout",
        crate::timefmt::display_duration(TimeDelta::from_std(budget).unwrap_or(TimeDelta::MAX))
    ))
}

/// [`verify_rule`] within a time budget: past it the rule is reported failed, whichever of its
/// runs it was in, so one slow rule cannot hold up the others' results.
pub fn verify_rule_within(rule: &Rule, manifest: &Manifest, engine: &mut dyn Engine, budget: Option<Duration>) -> RuleResult {
    let failed = |status| RuleResult {
        name: rule.file.name.clone(),
        path: rule.path.clone(),
        status,
        expectations: vec![],
    };
    let ticks = match schedule(rule, manifest, engine.data_range()) {
        Ok(ticks) => ticks,
        Err(message) => return failed(RuleStatus::Failed(message)),
    };
    let labels: Vec<LabelKey> = manifest
        .anomalies
        .iter()
        .map(|l| {
            let window = crate::timefmt::parse_ts(&l.window.start).zip(crate::timefmt::parse_ts(&l.window.end));
            (label_terms(l), window)
        })
        .collect();
    let deadline = budget.and_then(|b| Instant::now().checked_add(b));
    let past_deadline = || deadline.is_some_and(|d| Instant::now() >= d);
    engine.set_deadline(deadline);
    let mut alerts = Vec::new();
    for (done, &tick) in ticks.iter().enumerate() {
        if past_deadline() {
            engine.set_deadline(None);
            return failed(timed_out(budget.unwrap_or_default(), Some(tick), done, ticks.len()));
        }
        let result = engine.run(&rule.file.query, tick, (tick - rule.period, tick));
        let result = match result {
            Ok(r) => r,
            // The evaluator's own deadline error, or any error once the budget is spent.
            Err(_) if past_deadline() => {
                engine.set_deadline(None);
                return failed(timed_out(budget.unwrap_or_default(), Some(tick), done, ticks.len()));
            }
            Err(EngineError::Unsupported(feature)) => return failed(RuleStatus::NotExecutable(feature)),
            Err(EngineError::Failed(message)) => return failed(RuleStatus::Failed(message)),
        };
        if let Some(alert) = alert_of(rule, &labels, tick, &result) {
            alerts.push(alert);
        }
    }
    engine.set_deadline(None);
    judge(rule, manifest, alerts)
}

/// What matching needs of a label: its identity's terms and its time window.
type LabelKey = (BTreeSet<String>, Option<(DateTime<Utc>, DateTime<Utc>)>);

/// The alert a run raises, with the labels it matches; `None` when the trigger does not fire.
fn alert_of(rule: &Rule, labels: &[LabelKey], tick: DateTime<Utc>, result: &QueryResult) -> Option<Alert> {
    if !rule.trigger.fires(result.rows.len() as u64) {
        return None;
    }
    let window = (tick - rule.period, tick);
    let mut matches = BTreeSet::new();
    for row in &result.rows {
        let cells: Vec<String> = entity_cells(rule, result, row).iter().map(|c| c.trim().to_lowercase()).collect();
        let times = row_times(row);
        for (i, (terms, window_of_label)) in labels.iter().enumerate() {
            let Some((ls, le)) = *window_of_label else { continue };
            // The label must lie in the run's lookback and, when the row says when it happened,
            // near that time: a rule re-alerting on one anomaly must not be credited with the
            // identity's other anomalies of the same day.
            let in_lookback = ls <= window.1 && le >= window.0;
            let in_row_time = times.is_empty() || times.iter().any(|t| *t >= ls - ROW_TIME_SLACK && *t <= le + ROW_TIME_SLACK);
            if in_lookback && in_row_time && cells.iter().any(|c| terms.contains(c)) {
                matches.insert(i);
            }
        }
    }
    Some(Alert {
        tick,
        rows: result.rows.len() as u64,
        matches: matches.into_iter().collect(),
    })
}

/// The labels of `behaviour` that are (`benign`) or are not near-misses.
fn of_behaviour<'m>(labels: &'m [Label], behaviour: &'m str, benign: bool) -> impl Iterator<Item = usize> + 'm {
    labels
        .iter()
        .enumerate()
        .filter(move |(_, l)| l.benign == benign && l.behaviour() == behaviour)
        .map(|(i, _)| i)
}

/// Why an expectation of `behaviour` is skipped: the data has none, and perhaps a close name.
fn absent(labels: &[Label], behaviour: &str, benign: bool) -> String {
    let present: BTreeSet<String> = labels.iter().map(Label::behaviour).collect();
    let near = if benign { "benign " } else { "" };
    let noun = if benign { "near-miss" } else { "anomaly" };
    match crate::suggest::closest(behaviour, present.iter().map(String::as_str)) {
        Some(c) if c != behaviour => format!("the data has no {near}{behaviour} {noun}; did you mean `{c}`?"),
        _ => format!("the data has no {near}{behaviour} {noun}"),
    }
}

/// The scenario's own expectations of this rule: the anomaly must be in the data.
fn scenario_expectations(rule: &Rule, manifest: &Manifest, caught_set: &BTreeSet<usize>) -> Vec<ExpectationResult> {
    let labels = &manifest.anomalies;
    let mut expectations = Vec::new();
    let concerned = manifest
        .expectations
        .iter()
        .filter(|e| e.concerns(&rule.path, &rule.file.name, rule.file.id.as_deref()));
    for spec in concerned {
        for (kind, must_catch) in spec.catches.iter().map(|k| (k, true)).chain(spec.misses.iter().map(|k| (k, false))) {
            let wanted: Vec<usize> = of_behaviour(labels, kind, false).collect();
            let caught: Vec<usize> = wanted.iter().copied().filter(|i| caught_set.contains(i)).collect();
            let outcome = if wanted.is_empty() {
                Outcome::Fail(format!("the data has no {kind} anomaly: was it removed from the scenario?"))
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
                name: format!("scenario expects: {verb} {kind}"),
                outcome,
            });
        }
    }
    expectations
}
/// An expectation over `relevant` labels: skipped (saying `none`) when the data has none of them,
/// passed when no label `offends`, failed (saying `fail`) otherwise.
fn judged(relevant: &[usize], offending: &[usize], none: impl FnOnce() -> String, fail: impl FnOnce() -> String) -> Outcome {
    if relevant.is_empty() {
        Outcome::Skipped(none())
    } else if offending.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(fail())
    }
}

fn judge(rule: &Rule, manifest: &Manifest, alerts: Vec<Alert>) -> RuleResult {
    let labels = &manifest.anomalies;
    let expected = &rule.file.tenantless;
    let true_positives = alerts.iter().filter(|a| a.matches.iter().any(|m| !labels[*m].benign)).count() as u64;
    let false_positives = alerts.len() as u64 - true_positives;
    let caught_set: BTreeSet<usize> = alerts.iter().flat_map(|a| a.matches.iter().copied()).collect();
    let mut missed = Vec::new();
    let mut expectations = Vec::new();
    let labelled = |indexes: &[usize]| indexes.iter().map(|i| describe(&labels[*i])).collect::<Vec<_>>().join(", ");
    for kind in &expected.catches {
        let wanted: Vec<usize> = of_behaviour(labels, kind, false).collect();
        let not_caught: Vec<usize> = wanted.iter().copied().filter(|i| !caught_set.contains(i)).collect();
        missed.extend(&not_caught);
        let outcome = judged(
            &wanted,
            &not_caught,
            || absent(labels, kind, false),
            || format!("missed {}", labelled(&not_caught)),
        );
        expectations.push(ExpectationResult {
            name: format!("catches {kind}"),
            outcome,
        });
        if expected.noisy_on.contains(kind) {
            continue;
        }
        let near_misses: Vec<usize> = of_behaviour(labels, kind, true).collect();
        let fired_on: Vec<usize> = near_misses.iter().copied().filter(|i| caught_set.contains(i)).collect();
        let outcome = judged(
            &near_misses,
            &fired_on,
            || absent(labels, kind, true),
            || format!("fired on the near-miss {}", labelled(&fired_on)),
        );
        expectations.push(ExpectationResult {
            name: format!("quiet on {kind} near-misses"),
            outcome,
        });
    }
    for kind in &expected.misses {
        let blind: Vec<usize> = of_behaviour(labels, kind, false).collect();
        let caught: Vec<usize> = blind.iter().copied().filter(|i| caught_set.contains(i)).collect();
        let outcome = judged(
            &blind,
            &caught,
            || absent(labels, kind, false),
            || format!("expected blind spot, but caught {}: update the expectation", labelled(&caught)),
        );
        expectations.push(ExpectationResult {
            name: format!("known blind spot: misses {kind}"),
            outcome,
        });
    }
    expectations.extend(scenario_expectations(rule, manifest, &caught_set));
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

/// A label as reports name it: id, behaviour, identity and start, e.g. `A3 (failed_signins app-reporting at 2026-…)`.
pub fn describe(label: &Label) -> String {
    format!("{} ({} {} at {})", label.id, label.behaviour(), label.identity, label.window.start)
}

/// Rule and correlation files found under the given paths: each directory's `*.yaml` are rules and
/// its `correlations/*.yaml` correlations; a file is a correlation when it sits in `correlations/`.
pub fn discover(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let yaml = |dir: &std::path::Path| -> Result<Vec<PathBuf>, String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json"))
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
        } else if path.exists() {
            // A FIFO or device would block or never end: say so rather than "does not exist".
            return Err(format!("{} is not a regular file or directory", path.display()));
        } else {
            return Err(format!("{} does not exist", path.display()));
        }
    }
    Ok((rules, correlations))
}

/// The queries of every rule and correlation that loads (correlations with their parameters filled
/// in from `manifest`), so that the data can be loaded with only the columns they read.
pub fn queries(rule_files: &[PathBuf], correlation_files: &[PathBuf], manifest: &Manifest) -> Vec<String> {
    let rules = rule_files
        .iter()
        .filter_map(|p| rule::load_all(p).ok())
        .flatten()
        .map(|r| r.file.query);
    let correlations = correlation_files
        .iter()
        .filter_map(|p| correlation::load(p).ok())
        .flatten()
        .filter_map(|c| correlation::query_for(&c, manifest));
    rules.chain(correlations).collect()
}

/// Loads and runs every rule and correlation; a file that does not load is reported as failed
/// without stopping the others.
pub fn run_all(rule_files: &[PathBuf], correlation_files: &[PathBuf], manifest: &Manifest, engine: &mut dyn Engine) -> Vec<RuleResult> {
    run_all_with(rule_files, correlation_files, manifest, engine, None, &mut |_| {})
}

fn not_loaded(path: &std::path::Path, error: error::FileError) -> RuleResult {
    RuleResult {
        name: path.display().to_string(),
        path: path.to_owned(),
        status: RuleStatus::Failed(format!("cannot load: {error}")),
        expectations: vec![],
    }
}

/// [`run_all`] with a time budget per rule and correlation, handing each result to `done` as soon
/// as it is known, so that a slow rule does not withhold the others' results.
pub fn run_all_with(
    rule_files: &[PathBuf],
    correlation_files: &[PathBuf],
    manifest: &Manifest,
    engine: &mut dyn Engine,
    budget: Option<Duration>,
    done: &mut dyn FnMut(&RuleResult),
) -> Vec<RuleResult> {
    let jobs: Vec<Job<'_>> = rule_files
        .iter()
        .map(Job::Rule)
        .chain(correlation_files.iter().map(Job::Correlations))
        .collect();
    let mut results = Vec::new();
    let mut report = |batch: Vec<RuleResult>| {
        for result in batch {
            done(&result);
            results.push(result);
        }
    };
    let workers = crate::parallel::cores().min(jobs.len());
    let forks: Vec<Box<dyn Engine + Send>> = if workers > 1 {
        (0..workers).map_while(|_| engine.fork()).collect()
    } else {
        Vec::new()
    };
    if forks.is_empty() {
        for job in &jobs {
            report(job.run(manifest, engine, budget));
        }
        return results;
    }
    // Every worker takes the next job; results are handed on in the jobs' order as they complete.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, Vec<RuleResult>)>();
    std::thread::scope(|scope| {
        for mut fork in forks {
            let (jobs, next, sender) = (&jobs, &next, sender.clone());
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(job) = jobs.get(index) else { break };
                    // The receiver outlives the workers (it is drained below), so sending cannot fail.
                    let _ = sender.send((index, job.run(manifest, fork.as_mut(), budget)));
                }
            });
        }
        drop(sender);
        let mut pending: BTreeMap<usize, Vec<RuleResult>> = BTreeMap::new();
        let mut emitted = 0;
        for (index, batch) in receiver {
            pending.insert(index, batch);
            while let Some(batch) = pending.remove(&emitted) {
                report(batch);
                emitted += 1;
            }
        }
    });
    results
}

/// One unit of `verify`'s work: a rule file, or a file of correlations.
enum Job<'a> {
    Rule(&'a PathBuf),
    Correlations(&'a PathBuf),
}

impl Job<'_> {
    /// Its results: one per rule, one per correlation of the file; a file that does not load is
    /// one failed result.
    fn run(&self, manifest: &Manifest, engine: &mut dyn Engine, budget: Option<Duration>) -> Vec<RuleResult> {
        match self {
            Job::Rule(path) => match rule::load_all(path) {
                Ok(rules) => rules
                    .iter()
                    .map(|rule| verify_rule_within(rule, manifest, engine, budget))
                    .collect(),
                Err(error) => vec![not_loaded(path, error)],
            },
            Job::Correlations(path) => match correlation::load(path) {
                Ok(list) => list.iter().map(|c| run_correlation(c, path, manifest, engine, budget)).collect(),
                Err(error) => vec![not_loaded(path, error)],
            },
        }
    }
}

/// Runs one correlation within the time budget.
fn run_correlation(
    c: &correlation::Correlation,
    path: &std::path::Path,
    manifest: &Manifest,
    engine: &mut dyn Engine,
    budget: Option<Duration>,
) -> RuleResult {
    let deadline = budget.and_then(|b| Instant::now().checked_add(b));
    engine.set_deadline(deadline);
    let mut result = correlation::run(c, path, manifest, engine);
    engine.set_deadline(None);
    if matches!(result.status, RuleStatus::Failed(_)) && deadline.is_some_and(|d| Instant::now() >= d) {
        result.status = timed_out(budget.unwrap_or_default(), None, 0, 1);
    }
    result
}

/// The tick at which a label's records were last visible to a rule, for `--explain`.
pub fn tick_covering(
    rule: &Rule,
    manifest: &Manifest,
    label: &Label,
    data: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Option<DateTime<Utc>> {
    let at = crate::timefmt::parse_ts(&label.window.end)?;
    schedule(rule, manifest, data).ok()?.into_iter().find(|t| *t >= at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Published rules split a UPN into an Account's `Name` and `UPNSuffix` (e.g. the Entra ID
    /// solution's hunting queries); the alert names the user all the same.
    #[test]
    fn an_account_mapped_by_name_and_suffix_exposes_its_upn() {
        let path = std::env::temp_dir().join(format!("tenantless-entity-cells-{}.yaml", std::process::id()));
        let text = "name: r\nquery: AuditLogs\nentityMappings:\n  - entityType: Account\n    fieldMappings:\n      - { identifier: Name, columnName: AccountName }\n      - { identifier: UPNSuffix, columnName: AccountUPNSuffix }\n";
        std::fs::write(&path, text).unwrap();
        let rule = rule::load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let result = QueryResult {
            columns: vec!["AccountName".into(), "AccountUPNSuffix".into(), "Other".into()],
            rows: vec![vec!["eve".into(), "contoso.com".into(), "x".into()]],
        };
        let cells = entity_cells(&rule, &result, &result.rows[0]);
        assert_eq!(cells, vec!["eve@contoso.com", "eve", "contoso.com"]);
    }

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
