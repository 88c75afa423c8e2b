//! Errors with source positions, rendered with the offending line and a caret.

use crate::diagnostic::Diagnostic;
use std::fmt;

use super::budget::human;

/// A byte range in the query text.
///
/// Spans compare equal to every other span on purpose: ASTs are compared structurally (parse → print →
/// parse must give an equal AST), and printed text naturally has different offsets.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset just past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl PartialEq for Span {
    fn eq(&self, _other: &Span) -> bool {
        true
    }
}

/// Everything that can go wrong running a query.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KqlError {
    /// The text does not parse: where, and what was expected.
    #[error(transparent)]
    Syntax(Box<Diagnostic>),
    /// A name that does not resolve, a type error, or another problem found before rows are processed.
    #[error(transparent)]
    Semantic(Box<Diagnostic>),
    /// A valid KQL construct tenantless does not implement.
    #[error("{0} is not supported by tenantless yet")]
    Unsupported(String),
    /// The configured output row limit was exceeded.
    #[error("row limit exceeded: {0} produced more than {1} rows; raise --row-limit (RunOptions::row_limit) or narrow the query")]
    RowLimit(String, usize),
    /// Bad input data (JSONL, schema, manifest).
    #[error("data error: {0}")]
    Data(String),
    /// The query needs more memory than its budget (`RunOptions::max_memory`, `--max-memory`).
    #[error("the query needs more than {} of memory at `{op}`{at}; raise --max-memory or narrow the query", human(*.limit))]
    Memory {
        /// The operator that was building the result that went over.
        op: String,
        /// ` (line L, col C)` when the operator's position is known, else empty.
        at: String,
        /// The budget that was exceeded, in bytes.
        limit: usize,
    },
    /// A function would build a string or dynamic value larger than one value may be
    /// ([`crate::kql::budget::MAX_VALUE_BYTES`]).
    #[error(
        "`{function}` would build a value of {} at `{op}`{at}, over the {} limit on one string or dynamic value (the most Kusto stores in a cell); narrow the query",
        human(*.bytes),
        human(*.limit)
    )]
    ValueTooLarge {
        /// The function that was building the value.
        function: String,
        /// The size the value would have had, in bytes.
        bytes: usize,
        /// The limit on one value, in bytes.
        limit: usize,
        /// The operator being evaluated.
        op: String,
        /// ` (line L, col C)` when the operator's position is known, else empty.
        at: String,
    },
    /// The run's deadline (`RunOptions::deadline`, `verify --rule-timeout`) passed.
    #[error("the query ran past its time limit at `{op}`{at} and was stopped")]
    Timeout {
        /// The operator being evaluated when the deadline passed.
        op: String,
        /// ` (line L, col C)` when the operator's position is known, else empty.
        at: String,
    },
}

/// Line (1-based), column (1-based, in characters) and the line's text for a byte offset.
pub fn locate(source: &str, offset: usize) -> (usize, usize, &str) {
    let offset = offset.min(source.len());
    let mut line_start = 0;
    let mut line_no = 1;
    for (i, c) in source.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line_start = i + 1;
            line_no += 1;
        }
    }
    let line_end = source[line_start..].find('\n').map(|e| line_start + e).unwrap_or(source.len());
    let prefix = source.get(line_start..offset).unwrap_or("");
    let col = prefix.chars().count() + 1;
    (line_no, col, source[line_start..line_end].trim_end_matches('\r'))
}

/// What a query's diagnostics name as their origin; the CLI names the file for `query -f`.
pub const QUERY_ORIGIN: &str = "<query>";

impl KqlError {
    /// True for the errors that stop a run for exceeding a limit (rows, memory, value size,
    /// time) rather than for what the query says: `union isfuzzy=true` must not skip those.
    pub fn is_budget(&self) -> bool {
        matches!(
            self,
            KqlError::RowLimit(..) | KqlError::Memory { .. } | KqlError::ValueTooLarge { .. } | KqlError::Timeout { .. }
        )
    }

    /// A syntax error at `span`.
    pub fn syntax(source: &str, span: Span, message: impl Into<String>) -> KqlError {
        KqlError::Syntax(Box::new(
            Diagnostic::new(QUERY_ORIGIN, message).at_span(source, span.start, span.end),
        ))
    }

    /// A semantic error; rendered with a caret when the span is known and the source is available.
    pub fn semantic(source: Option<&str>, span: Option<Span>, message: impl Into<String>) -> KqlError {
        let diagnostic = Diagnostic::new(QUERY_ORIGIN, message);
        KqlError::Semantic(Box::new(match (source, span) {
            (Some(src), Some(sp)) if sp.end > sp.start && sp.end <= src.len() => diagnostic.at_span(src, sp.start, sp.end),
            _ => diagnostic,
        }))
    }

    /// The same error, its diagnostic attributed to `origin` (the file a query was read from).
    pub fn in_origin(self, origin: &std::path::Path) -> KqlError {
        match self {
            KqlError::Syntax(d) => KqlError::Syntax(Box::new(d.in_origin(origin))),
            KqlError::Semantic(d) => KqlError::Semantic(Box::new(d.in_origin(origin))),
            other => other,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

pub use crate::suggest::{closest as suggest, edit_distance};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_column() {
        let src = "T\n| wher x";
        let r = KqlError::syntax(src, Span::new(4, 8), "unknown operator").to_string();
        assert_eq!(r, "<query>:2:3: unknown operator\n 2 | | wher x\n   |   ^^^^");
    }

    #[test]
    fn suggests_closest() {
        assert_eq!(suggest("ResultTyp", ["ResultType", "Result"]), Some("ResultType"));
        assert_eq!(suggest("zzzzzz", ["ResultType"]), None);
    }
}
