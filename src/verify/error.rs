//! Why a rule, correlation or manifest file could not be used: kept as data (file, place, message)
//! until the CLI or a report renders it as `path:line:col: message`.

use crate::diagnostic::Diagnostic;
use crate::input::InputError;
use std::path::Path;

/// A file `verify` reads that could not be read or does not hold what it should.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read (missing, a FIFO, too large, not UTF-8).
    #[error(transparent)]
    Read(#[from] InputError),
    /// The file was read but its content is wrong: YAML or JSON syntax, or a field's value.
    #[error(transparent)]
    Invalid(#[from] Diagnostic),
}

impl FileError {
    /// An error at `at` (line, column) of `source`, the text of `path`, or at the file as a whole.
    pub fn invalid(path: &Path, source: &str, at: Option<(usize, usize)>, message: impl Into<String>) -> Self {
        let diagnostic = Diagnostic::new(path, message);
        FileError::Invalid(match at {
            Some((line, column)) => diagnostic.at_line(source, line, column),
            None => diagnostic,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_path_line_and_column_when_known() {
        let at = FileError::invalid(Path::new("r.yaml"), "a: 1\nquery: x\n", Some((2, 8)), "bad");
        assert_eq!(at.to_string(), "r.yaml:2:8: bad\n 2 | query: x\n   |        ^");
        assert_eq!(FileError::invalid(Path::new("r.yaml"), "", None, "bad").to_string(), "r.yaml: bad");
    }
}
