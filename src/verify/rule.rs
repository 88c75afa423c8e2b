//! Sentinel analytic-rule YAML, loaded as the Azure-Sentinel repository writes it. Fields tenantless
//! does not use are kept (and ignored), so users' rule files load unchanged. Expectations for
//! `verify` sit in an optional `tenantless:` block, which Sentinel in turn ignores.

use super::error::FileError;
use chrono::TimeDelta;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A rule file as written: the Sentinel keys `verify` reads, plus the `tenantless:` block.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleFile {
    /// `id`: the rule's GUID, when the file has one; not used.
    #[serde(default)]
    pub id: Option<String>,
    /// `name`: the rule's display name, which reports and `--explain` use.
    pub name: String,
    /// `severity` (`Informational`, `Low`, `Medium`, `High`), as written; not used.
    #[serde(default)]
    pub severity: Option<String>,
    /// `Scheduled` (default) or `NRT`.
    #[serde(default)]
    pub kind: Option<String>,
    /// `queryFrequency`: how often the rule runs, as written (`1h`, `PT1H`, …); `None` means 1h.
    #[serde(default, deserialize_with = "string_or_number")]
    pub query_frequency: Option<String>,
    /// `queryPeriod`: how far back each run looks, as written; `None` means the frequency.
    #[serde(default, deserialize_with = "string_or_number")]
    pub query_period: Option<String>,
    /// `triggerOperator`: `gt` (default), `lt`, `eq` or `ne`, also spelled out (`GreaterThan`).
    #[serde(default)]
    pub trigger_operator: Option<String>,
    /// `triggerThreshold`: the row count the operator compares with, as written; `None` means 0.
    #[serde(default, deserialize_with = "string_or_number")]
    pub trigger_threshold: Option<String>,
    /// `query`: the KQL each run executes.
    pub query: String,
    /// `entityMappings`: the columns that name the alert's entities, which `verify` matches
    /// against the labels' identities (no mappings: every column).
    #[serde(default)]
    pub entity_mappings: Vec<EntityMapping>,
    /// `tenantless:`: what `verify` expects of the rule; empty when the block is absent.
    #[serde(default)]
    pub tenantless: Expectations,
    /// Everything else in the file (description, tactics, customDetails, …), kept as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// One entry of `entityMappings`: an entity of the alert and the columns that identify it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityMapping {
    /// `entityType`, e.g. `Account`, `IP`, `AzureResource`.
    pub entity_type: String,
    /// `fieldMappings`: which result column fills which of the entity's identifiers.
    #[serde(default)]
    pub field_mappings: Vec<FieldMapping>,
}

/// One entry of an entity's `fieldMappings`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldMapping {
    /// `identifier`: the entity's field, e.g. `Name`, `Address`, `ObjectGuid`.
    pub identifier: String,
    /// `columnName`: the query result's column that holds it.
    pub column_name: String,
}

/// What `verify` expects of a rule. Behaviours are built-in anomaly kinds or custom anomalies'
/// `label`s.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// Behaviours the rule must catch (every non-benign label of them).
    #[serde(default)]
    pub catches: Vec<String>,
    /// Known blind spots: behaviours the rule is expected to miss.
    #[serde(default)]
    pub misses: Vec<String>,
    /// Behaviours whose benign near-misses the rule is known to fire on (otherwise it must stay
    /// quiet).
    #[serde(default)]
    pub noisy_on: Vec<String>,
    /// Alerts allowed that match no injected anomaly (default: any number, reported).
    #[serde(default)]
    pub max_false_positives: Option<u64>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value: Option<serde_json::Value> = Option::deserialize(d)?;
    Ok(value.map(|v| match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }))
}

/// A rule as `verify` runs it.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The file it was loaded from.
    pub path: PathBuf,
    /// The file's contents.
    pub file: RuleFile,
    /// A near-real-time rule (`kind: NRT`): runs every minute over the last minute.
    pub nrt: bool,
    /// Time between runs: `queryFrequency`, 1h when absent, 1m for NRT rules.
    pub frequency: TimeDelta,
    /// Lookback of each run: `queryPeriod`, the frequency when absent, 1m for NRT rules.
    pub period: TimeDelta,
    /// When a run's result raises an alert.
    pub trigger: Trigger,
}

/// `triggerOperator`: how a run's row count is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerOp {
    /// More rows than the threshold (`gt`, `GreaterThan`); the default.
    Gt,
    /// Fewer rows than the threshold (`lt`, `LessThan`).
    Lt,
    /// Exactly the threshold (`eq`, `Equal`).
    Eq,
    /// Any count but the threshold (`ne`, `NotEqual`).
    Ne,
}

/// A rule's alert condition on the number of rows one run returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trigger {
    /// The comparison (`triggerOperator`).
    pub op: TriggerOp,
    /// The row count compared with (`triggerThreshold`, 0 when absent).
    pub threshold: u64,
}

impl Trigger {
    /// Whether a run that returned `rows` rows raises an alert.
    pub fn fires(self, rows: u64) -> bool {
        match self.op {
            TriggerOp::Gt => rows > self.threshold,
            TriggerOp::Lt => rows < self.threshold,
            TriggerOp::Eq => rows == self.threshold,
            TriggerOp::Ne => rows != self.threshold,
        }
    }
}

/// The largest rule file read: Sentinel limits a rule's query to 10,000 characters, so a rule
/// file is a few KiB; this bound only keeps a mistaken path (a log, a device) from being read whole.
pub const MAX_RULE_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Where a field's value starts in the rule file, for errors about values serde accepted.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FieldSpans {
    query: Option<serde_saphyr::Spanned<serde::de::IgnoredAny>>,
    query_frequency: Option<serde_saphyr::Spanned<serde::de::IgnoredAny>>,
    query_period: Option<serde_saphyr::Spanned<serde::de::IgnoredAny>>,
    trigger_operator: Option<serde_saphyr::Spanned<serde::de::IgnoredAny>>,
    trigger_threshold: Option<serde_saphyr::Spanned<serde::de::IgnoredAny>>,
}

/// An error at the value of `field` (camelCase, as written in the file), or at the file when the
/// field cannot be found.
fn located(path: &Path, text: &str, field: &str, message: String) -> FileError {
    let spans: Option<FieldSpans> = serde_saphyr::from_str(text).ok();
    let span = spans.and_then(|s| match field {
        "query" => s.query,
        "queryFrequency" => s.query_frequency,
        "triggerOperator" => s.trigger_operator,
        "triggerThreshold" => s.trigger_threshold,
        _ => s.query_period,
    });
    let at = span.map(|at| (at.referenced.line() as usize, at.referenced.column() as usize));
    FileError::invalid(path, text, at, message)
}

/// A YAML syntax or shape error, at its place when serde-saphyr knows it.
pub(crate) fn yaml_error(path: &Path, text: &str, e: &serde_saphyr::Error) -> FileError {
    let at = e.location().map(|l| (l.line() as usize, l.column() as usize));
    FileError::invalid(path, text, at, crate::scenario::first_line_of(&e.to_string()))
}

/// Loads and checks one rule file that holds one rule (Sentinel YAML, or an export with one
/// rule). Errors name the file, line and column and say what to do.
pub fn load(path: &Path) -> Result<Rule, FileError> {
    let mut rules = load_all(path)?;
    match rules.len() {
        1 => Ok(rules.remove(0)),
        n => Err(FileError::invalid(
            path,
            "",
            None,
            format!("holds {n} rules where one was expected"),
        )),
    }
}

/// Loads and checks every rule of a file: one for Sentinel YAML; every Scheduled and NRT rule of
/// an ARM template export or a Sentinel REST API response (JSON, see [`super::exported`]).
pub fn load_all(path: &Path) -> Result<Vec<Rule>, FileError> {
    let text = crate::input::read_text(path, MAX_RULE_FILE_BYTES)?;
    if super::exported::is_json(path, &text) {
        return super::exported::rule_files(path, &text)?
            .into_iter()
            .map(|(file, at)| {
                check(path, file, &|field, message| {
                    super::exported::located(path, &text, at, field, message)
                })
            })
            .collect();
    }
    let file: RuleFile = serde_saphyr::from_str(&text).map_err(|e| yaml_error(path, &text, &e))?;
    Ok(vec![check(path, file, &|field, message| located(path, &text, field, message))?])
}

/// An error about the value of a field (camelCase, as Sentinel names it).
type Locate<'a> = dyn Fn(&str, String) -> FileError + 'a;

/// Checks a parsed rule and works out its schedule and trigger.
fn check(path: &Path, file: RuleFile, located: &Locate<'_>) -> Result<Rule, FileError> {
    if file.query.trim().is_empty() {
        return Err(located(
            "query",
            "the query is empty: write the KQL the rule runs under `query: |`".into(),
        ));
    }
    let nrt = file.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("nrt"));
    let span = |field: &Option<String>, name: &str, default: TimeDelta| -> Result<TimeDelta, FileError> {
        match field {
            None => Ok(default),
            Some(value) => crate::timefmt::parse_timespan(value)
                .map_err(|e| located(name, format!("{name}: {e}; write it like 5m, 1h, 1d, PT1H or 01:00:00"))),
        }
    };
    // NRT rules run every minute over what arrived since the previous run.
    let (frequency, period) = if nrt {
        (TimeDelta::minutes(1), TimeDelta::minutes(1))
    } else {
        let frequency = span(&file.query_frequency, "queryFrequency", TimeDelta::hours(1))?;
        let period = span(&file.query_period, "queryPeriod", frequency)?;
        if frequency < TimeDelta::minutes(5) || period > TimeDelta::days(14) || period < frequency {
            let field = if frequency < TimeDelta::minutes(5) {
                "queryFrequency"
            } else {
                "queryPeriod"
            };
            return Err(located(
                field,
                format!(
                    "queryFrequency {} / queryPeriod {}: Sentinel needs 5m ≤ frequency ≤ period ≤ 14d",
                    crate::timefmt::display_duration(frequency),
                    crate::timefmt::display_duration(period)
                ),
            ));
        }
        (frequency, period)
    };
    let op = match file.trigger_operator.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("gt") | Some("greaterthan") => TriggerOp::Gt,
        Some("lt") | Some("lessthan") => TriggerOp::Lt,
        Some("eq") | Some("equal") => TriggerOp::Eq,
        Some("ne") | Some("notequal") => TriggerOp::Ne,
        Some(other) => {
            let message = format!("triggerOperator `{other}`: use gt, lt, eq or ne");
            return Err(located("triggerOperator", message));
        }
    };
    let threshold = match &file.trigger_threshold {
        None => 0,
        Some(t) => t
            .trim()
            .parse::<u64>()
            .map_err(|_| located("triggerThreshold", format!("triggerThreshold `{t}` is not a whole number")))?,
    };
    Ok(Rule {
        path: path.to_owned(),
        file,
        nrt,
        frequency,
        period,
        trigger: Trigger { op, threshold },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_compare_like_sentinel() {
        assert!(
            Trigger {
                op: TriggerOp::Gt,
                threshold: 0
            }
            .fires(1)
        );
        assert!(
            !Trigger {
                op: TriggerOp::Gt,
                threshold: 0
            }
            .fires(0)
        );
        assert!(
            Trigger {
                op: TriggerOp::Eq,
                threshold: 3
            }
            .fires(3)
        );
        assert!(
            Trigger {
                op: TriggerOp::Lt,
                threshold: 3
            }
            .fires(2)
        );
        assert!(
            Trigger {
                op: TriggerOp::Ne,
                threshold: 3
            }
            .fires(0)
        );
    }

    #[test]
    fn nrt_rules_run_every_minute_over_the_last_minute_and_bad_schedules_are_refused() {
        let dir = std::env::temp_dir().join(format!("tenantless-rule-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let nrt = dir.join("nrt.yaml");
        std::fs::write(&nrt, "name: n\nkind: NRT\nquery: T\nunknownField: kept\n").unwrap();
        let rule = load(&nrt).unwrap();
        assert!(rule.nrt);
        assert_eq!((rule.frequency, rule.period), (TimeDelta::minutes(1), TimeDelta::minutes(1)));
        assert_eq!(rule.file.other.get("unknownField"), Some(&serde_json::json!("kept")));
        let bad = dir.join("bad.yaml");
        std::fs::write(&bad, "name: b\nqueryFrequency: 1h\nqueryPeriod: 30m\nquery: T\n").unwrap();
        assert!(load(&bad).unwrap_err().to_string().contains("frequency ≤ period"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
