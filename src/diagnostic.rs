//! One diagnostic type for every problem in something a user wrote — a scenario, a rule, a query, a
//! data file — kept as data until it is shown, and shown in one layout:
//!
//! ```text
//! scenarios/bad.yaml:41:15: unknown identity `sp-devops-deploy`
//!  41 |     identity: sp-devops-deploy
//!     |               ^^^^^^^^^^^^^^^^
//!   hint: did you mean `sp-devops-sql-deployment`?
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a text: 1-based line and column (in characters), and how many characters it spans.
/// (`u32`s keep a diagnostic small: results that carry one stay cheap to return.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The line, 1-based.
    pub line: u32,
    /// The column, 1-based, in characters.
    pub column: u32,
    /// How many characters the caret underlines (at least 1).
    pub width: u32,
}

fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A problem at a place in a file (or in text given on the command line), with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, or a name such as `<query>` for text given as an argument.
    pub origin: PathBuf,
    /// Where in it; `None` when the problem is the file as a whole.
    pub location: Option<Location>,
    /// The text of the located line, shown under the message.
    pub line_text: Option<String>,
    /// What is wrong, shown after `origin:line:column:`.
    pub message: String,
    /// What to do about it, shown last as `hint: …`.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem with `origin` as a whole.
    pub fn new(origin: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Diagnostic {
            origin: origin.as_ref().to_owned(),
            location: None,
            line_text: None,
            message: message.into(),
            hint: None,
        }
    }

    /// The problem at `line` and `column` (1-based; 0 for unknown) of `source`, one character wide.
    pub fn at_line(mut self, source: &str, line: usize, column: usize) -> Self {
        if line == 0 {
            return self;
        }
        self.line_text = source.lines().nth(line - 1).map(|l| l.trim_end_matches('\r').to_owned());
        self.location = Some(Location {
            line: small(line),
            column: small(column.max(1)),
            width: 1,
        });
        self
    }

    /// The problem at the byte range `start..end` of `source` (a query's span).
    pub fn at_span(mut self, source: &str, start: usize, end: usize) -> Self {
        let start = floor_char_boundary(source, start.min(source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
        let line = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let end = floor_char_boundary(source, end.clamp(start, line_end));
        self.line_text = Some(source[line_start..line_end].trim_end_matches('\r').to_owned());
        self.location = Some(Location {
            line: small(line),
            column: small(column),
            width: small(source[start..end].chars().count().max(1)),
        });
        self
    }

    /// Adds a hint: what the user could do about the problem.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same problem, attributed to `origin` (a query read from a file, say).
    pub fn in_origin(mut self, origin: impl AsRef<Path>) -> Self {
        self.origin = origin.as_ref().to_owned();
        self
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin.display())?;
        if let Some(at) = self.location {
            write!(f, ":{}:{}", at.line, at.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let (Some(at), Some(text)) = (self.location, &self.line_text) {
            let gutter = at.line.to_string();
            // Tabs stay tabs under the line, so the caret lines up whatever the tab width.
            let pad: String = text
                .chars()
                .take(at.column as usize - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n {gutter} | {text}")?;
            write!(f, "\n {} | {pad}{}", " ".repeat(gutter.len()), "^".repeat(at.width as usize))?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_place_shows_the_line_and_points_at_the_column() {
        let d = Diagnostic::new("s.yaml", "bad value")
            .at_line("a: 1\nb: oops\n", 2, 4)
            .with_hint("use a number");
        assert_eq!(
            d.to_string(),
            "s.yaml:2:4: bad value\n 2 | b: oops\n   |    ^\n  hint: use a number"
        );
    }

    #[test]
    fn a_span_is_underlined_over_its_width_on_its_own_line() {
        let source = "T\n| wher x";
        let d = Diagnostic::new("<query>", "unknown operator").at_span(source, 4, 8);
        assert_eq!(d.to_string(), "<query>:2:3: unknown operator\n 2 | | wher x\n   |   ^^^^");
    }

    #[test]
    fn tabs_keep_the_caret_under_the_place_and_unknown_places_show_no_snippet() {
        let d = Diagnostic::new("s.yaml", "tab").at_line("\tx: 1", 1, 2);
        assert!(d.to_string().ends_with("\n   | \t^"), "{d}");
        assert_eq!(
            Diagnostic::new("s.yaml", "unreadable").at_line("", 0, 0).to_string(),
            "s.yaml: unreadable"
        );
    }

    #[test]
    fn spans_past_the_end_or_inside_a_character_do_not_panic() {
        let d = Diagnostic::new("<query>", "x").at_span("é", 1, 99);
        assert_eq!(d.location.map(|l| (l.line, l.column)), Some((1, 1)));
    }
}
