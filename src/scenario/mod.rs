//! Scenario files: the YAML model, its validation, and resolution into a [`Tenant`].

mod actions;
pub mod background;
pub mod error;
pub mod model;
mod presets;
pub mod resolve;
pub mod tenant;
pub mod vocabulary;

pub use error::ScenarioError;
pub use resolve::{LoadOptions, Members};
pub use tenant::Tenant;

use crate::ids::IdSource;
use chrono::TimeDelta;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Largest scenario file accepted; scenarios describe tenants in a few hundred lines.
pub const MAX_SCENARIO_BYTES: usize = 4 * 1024 * 1024;

/// A loaded scenario: its resolved tenant and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    /// The scenario file's path, as given.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The scenario resolved: what the simulator and the estimator read.
    pub tenant: Tenant,
    /// Anomalies left out because `--days` ended the period before them.
    pub dropped_anomalies: usize,
}

/// Reads, parses, validates and resolves one scenario file.
pub fn load(path: &Path, ids: IdSource) -> Result<LoadedScenario, ScenarioError> {
    load_with(path, ids, LoadOptions::default())
}

/// [`load`], resolving populations as `members` says.
pub fn load_with(path: &Path, ids: IdSource, options: LoadOptions) -> Result<LoadedScenario, ScenarioError> {
    let (bytes, source) = read_source(path)?;
    let tenant = parse_with(path, &source, ids, options)?;
    Ok(LoadedScenario {
        path: path.to_owned(),
        sha256: hex_sha256(&bytes),
        tenant,
        dropped_anomalies: 0,
    })
}

/// The scenario's bytes and text, read without ever blocking or growing without bound: a FIFO or
/// a device is refused before it is opened, and reading stops past [`MAX_SCENARIO_BYTES`].
fn read_source(path: &Path) -> Result<(Vec<u8>, String), ScenarioError> {
    use crate::input::{InputError, read_bytes};
    let bytes = read_bytes(path, MAX_SCENARIO_BYTES as u64).map_err(|e| {
        let (message, hint) = match &e {
            InputError::TooLarge { limit, .. } => (
                format!("the scenario is larger than {limit} bytes, the most accepted"),
                "use populations instead of listing thousands of entities",
            ),
            InputError::NotRegular { what, .. } => (
                format!("the scenario is {what}, not a regular file"),
                "give the path of a scenario file (a FIFO or device would never end)",
            ),
            InputError::Io { source, .. } => (format!("cannot read the scenario: {source}"), "check the path"),
            _ => (e.to_string(), "check the path"),
        };
        ScenarioError::new(path, message).with_hint(hint)
    })?;
    let source = std::str::from_utf8(&bytes)
        .map_err(|e| ScenarioError::new(path, format!("the scenario is not UTF-8: {e}")).with_hint("save the file as UTF-8"))?
        .to_owned();
    Ok((bytes, source))
}

/// Parses and resolves scenario text; `path` names it in errors.
pub fn parse(path: &Path, source: &str, ids: IdSource) -> Result<Tenant, ScenarioError> {
    parse_with(path, source, ids, LoadOptions::default())
}

/// [`parse`], resolving populations as `members` says.
pub fn parse_with(path: &Path, source: &str, ids: IdSource, options: LoadOptions) -> Result<Tenant, ScenarioError> {
    // serde-saphyr's default budget caps events, aliases, anchors and nesting depth, which is
    // what guards against billion-laughs style documents.
    let yaml = serde_saphyr::Options::default();
    if let Some((line, column)) = tab_indentation(source) {
        return Err(ScenarioError::new(path, "a tab in the indentation")
            .at_line(source, line, column)
            .with_hint("YAML indents with spaces only: replace the tab by spaces"));
    }
    let spec: model::ScenarioFile = serde_saphyr::from_str_with_options(source, yaml).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line() as usize, l.column() as usize));
        if let Some((open_line, open_column, bracket)) = unclosed_flow(source, line) {
            // The parser notices a missing `]`/`}` only where the text stops making sense.
            return ScenarioError::new(path, format!("unclosed `{bracket}`: nothing closes it"))
                .at_line(source, open_line, open_column)
                .with_hint(format!(
                    "close it on the same line, e.g. `{bracket}a, b{}`",
                    if bracket == '[' { ']' } else { '}' }
                ));
        }
        let message = first_line_of(&e.to_string());
        let hint = if message.contains("unknown field") {
            "remove or rename the field; the README's scenario reference lists every field"
        } else if message.contains("unknown variant") {
            "use one of the values listed above"
        } else if message.contains("missing field") {
            "add the field; the README's scenario reference shows an example"
        } else {
            "see the scenario reference in the README"
        };
        ScenarioError::new(path, message).at_line(source, line, column).with_hint(hint)
    })?;
    resolve::resolve_with(path, source, &spec, ids, options)
}

/// The first tab in a line's leading whitespace (1-based line and column), which YAML forbids and
/// which parsers report wherever the scalar before it ends.
fn tab_indentation(source: &str) -> Option<(usize, usize)> {
    source.lines().enumerate().find_map(|(i, line)| {
        let indent = &line[..line.len() - line.trim_start().len()];
        indent
            .find('\t')
            .filter(|_| !line.trim_start().is_empty())
            .map(|col| (i + 1, col + 1))
    })
}

/// A `[` or `{` opened on an earlier line than `error_line` and still open there (ignoring quoted
/// text and comments): where an "unclosed bracket" mistake really is.
fn unclosed_flow(source: &str, error_line: usize) -> Option<(usize, usize, char)> {
    let mut open: Vec<(usize, usize, char)> = Vec::new();
    for (i, line) in source.lines().enumerate().take(error_line.saturating_sub(1)) {
        let mut quote: Option<char> = None;
        for (col, c) in line.chars().enumerate() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => open.push((i + 1, col + 1, c)),
                (None, ']' | '}') => {
                    open.pop();
                }
                _ => {}
            }
        }
    }
    open.pop()
}

/// The message of a serde-saphyr error without its snippet and location prefix (callers render
/// their own location).
pub fn first_line_of(text: &str) -> String {
    let first = text.lines().next().unwrap_or(text);
    // Drop its own "error: line N column M: " prefix: our Display puts the location first.
    match first.find(": ").filter(|_| first.starts_with("error: line ")) {
        Some(_) => first.splitn(3, ": ").nth(2).unwrap_or(first).to_owned(),
        None => first.to_owned(),
    }
}

/// SHA-256 of `bytes` as 64 lower-case hex digits, the form of [`LoadedScenario::sha256`].
pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl Tenant {
    /// Moves every instant of the scenario by `delta` (used to re-anchor the period with `--end`).
    pub fn shift(&mut self, delta: TimeDelta) {
        self.start += delta;
        self.end += delta;
        for identity in &mut self.identities {
            for cred in &mut identity.credentials {
                cred.start += delta;
                cred.expiry += delta;
            }
        }
        let schedules = self.workloads.iter_mut().map(|w| &mut w.schedule);
        for schedule in schedules.chain(self.schedules.iter_mut().map(|s| &mut s.schedule)) {
            if let tenant::Schedule::At { times, .. } = schedule {
                for t in times {
                    *t += delta;
                }
            }
        }
        for anomaly in &mut self.anomalies {
            anomaly.at += delta;
        }
    }
}
