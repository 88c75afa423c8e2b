//! Scenario errors that name the file, line and column, show the line, and say what to do.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: PathBuf,
    /// 1-based; 0 when the location is unknown.
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
    /// The offending source line, for display.
    pub snippet: Option<String>,
}

impl ScenarioError {
    pub fn new(file: &Path, source: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        let snippet = line.checked_sub(1).and_then(|i| source.lines().nth(i)).map(str::to_owned);
        Self {
            file: file.to_owned(),
            line,
            column,
            message: message.into(),
            hint: None,
            snippet,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file.display(), self.line, self.column, self.message)?;
        if let Some(snippet) = &self.snippet {
            let gutter = self.line.to_string();
            write!(f, "\n {gutter} | {snippet}")?;
            write!(
                f,
                "\n {} | {}^",
                " ".repeat(gutter.len()),
                " ".repeat(self.column.saturating_sub(1))
            )?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

pub use crate::suggest::closest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_place_and_points_at_column() {
        let e = ScenarioError::new(Path::new("s.yaml"), "a: 1\nb: oops\n", 2, 4, "bad value").with_hint("use a number");
        let text = e.to_string();
        assert!(text.starts_with("s.yaml:2:4: bad value"), "{text}");
        assert!(text.contains(" 2 | b: oops\n   |    ^"), "{text}");
        assert!(text.ends_with("hint: use a number"), "{text}");
    }
}
