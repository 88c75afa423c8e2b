//! What a CI system should flag in a `verify` run, located in the rule files: each failed
//! expectation, each false-positive alert, each rule that could not run. SARIF
//! ([`super::sarif`]), GitHub workflow annotations and the Markdown job summary
//! ([`super::summary`]) are all made from these.

use super::{Outcome, RuleResult, RuleStatus, describe};
use crate::manifest::Manifest;
use std::path::{Path, PathBuf};

/// How serious a finding is (SARIF's `level`, GitHub's annotation command).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display)]
#[strum(serialize_all = "lowercase")]
pub enum Level {
    /// A failed expectation or a rule that failed to run: the run fails.
    Error,
    /// An alert on no injected anomaly: worth a look, not a failure by itself.
    Warning,
    /// KQL tenantless cannot run yet.
    Note,
}

/// One located finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How serious it is.
    pub level: Level,
    /// The rule file's stem: the rule's id in SARIF.
    pub rule_id: String,
    /// The rule's `name`.
    pub rule: String,
    /// The rule file.
    pub path: PathBuf,
    /// The line of the file's `query:` (1 when it has none).
    pub line: usize,
    /// What happened.
    pub message: String,
}

/// The findings of a run, rule by rule in the order they ran.
pub fn of(results: &[RuleResult], manifest: &Manifest) -> Vec<Finding> {
    let mut out = Vec::new();
    for (r, id) in results.iter().zip(rule_ids(results)) {
        let at = |level: Level, message: String| Finding {
            level,
            rule_id: id.clone(),
            rule: r.name.clone(),
            path: r.path.clone(),
            line: query_line(&r.path),
            message,
        };
        match &r.status {
            RuleStatus::Failed(why) => out.push(at(Level::Error, format!("the rule could not be run: {why}"))),
            RuleStatus::NotExecutable(feature) => out.push(at(Level::Note, format!("not executable by tenantless yet: {feature}"))),
            RuleStatus::Ran { alerts, .. } => {
                for alert in alerts
                    .iter()
                    .filter(|a| !a.matches.iter().any(|&l| manifest.anomalies.get(l).is_some_and(|l| !l.benign)))
                {
                    let near: Vec<String> = alert
                        .matches
                        .iter()
                        .filter_map(|&l| manifest.anomalies.get(l))
                        .map(describe)
                        .collect();
                    let what = if near.is_empty() {
                        "no injected anomaly".to_owned()
                    } else {
                        format!("only the near-miss {}", near.join(", "))
                    };
                    out.push(at(
                        Level::Warning,
                        format!(
                            "false positive: the run at {} returned {} row(s) matching {what}",
                            crate::timefmt::format_ts(alert.tick),
                            alert.rows
                        ),
                    ));
                }
            }
            RuleStatus::Queried { .. } => {}
        }
        for e in &r.expectations {
            if let Outcome::Fail(why) = &e.outcome {
                out.push(at(Level::Error, format!("expectation `{}` failed: {why}", e.name)));
            }
        }
    }
    out
}

/// Each result's id: its file's stem, and for the later entries of a file that holds several
/// (correlations), `#2`, `#3`, … after it.
pub fn rule_ids(results: &[RuleResult]) -> Vec<String> {
    let mut seen: Vec<&Path> = Vec::new();
    results
        .iter()
        .map(|r| {
            let stem = r
                .path
                .file_stem()
                .map_or_else(|| r.path.display().to_string(), |s| s.to_string_lossy().into_owned());
            let before = seen.iter().filter(|p| **p == r.path.as_path()).count();
            seen.push(&r.path);
            if before == 0 { stem } else { format!("{stem}#{}", before + 1) }
        })
        .collect()
}

/// The line of a rule file's top-level `query:` key, where a reader fixes a rule; 1 when the file
/// cannot be read or has none.
pub fn query_line(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.lines().position(|l| l.starts_with("query:")))
        .map_or(1, |i| i + 1)
}

/// A path as GitHub annotations and reports show it: as given, with forward slashes.
pub fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// A path as a SARIF `artifactLocation.uri`: a relative reference as given (what code scanning
/// resolves against the repository), or a `file://` URI for an absolute path (a relative
/// reference may not begin with `/`), percent-encoded.
pub fn uri(path: &Path) -> String {
    // Everything but unreserved characters and the path separator.
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let text = display_path(path);
    let encoded = percent_encoding::utf8_percent_encode(&text, SET).to_string();
    if text.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// GitHub Actions workflow commands (`::error file=…,line=…::…`) for the findings, one per line;
/// GitHub shows them as annotations on the rule files.
pub fn github_annotations(findings: &[Finding]) -> String {
    // Workflow commands escape `%`, CR and LF in messages, and also `,` and `:` in properties.
    let data = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let property = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    findings
        .iter()
        .map(|f| {
            format!(
                "::{} file={},line={},title={}::{}\n",
                f.level,
                property(&display_path(&f.path)),
                f.line,
                property(&f.rule),
                data(&f.message)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_escape_what_workflow_commands_reserve() {
        let f = Finding {
            level: Level::Error,
            rule_id: "r".into(),
            rule: "New credential, on: an SP".into(),
            path: PathBuf::from("rules/r.yaml"),
            line: 7,
            message: "100% missed\nA1".into(),
        };
        assert_eq!(
            github_annotations(&[f]),
            "::error file=rules/r.yaml,line=7,title=New credential%2C on%3A an SP::100%25 missed%0AA1\n"
        );
    }

    #[test]
    fn sarif_uris_are_relative_references_or_file_uris() {
        assert_eq!(uri(Path::new("rules/seed rules/r.yaml")), "rules/seed%20rules/r.yaml");
        assert_eq!(uri(Path::new("/tmp/rules/r#1.yaml")), "file:///tmp/rules/r%231.yaml");
    }

    #[test]
    fn the_query_line_is_where_the_query_key_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.yaml");
        std::fs::write(&path, "id: x\nname: y\ndescription: |\n  query: not this\nquery: |\n  T\n").unwrap();
        assert_eq!(query_line(&path), 5);
        assert_eq!(query_line(&dir.path().join("missing.yaml")), 1);
    }
}
