//! Why a rule, correlation or manifest file could not be used: kept as data (file, place, message)
//! until the CLI or a report renders it as `path:line:col: message`.

use crate::input::InputError;
use std::path::PathBuf;

/// A file `verify` reads that could not be read or does not hold what it should.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read (missing, a FIFO, too large, not UTF-8).
    #[error(transparent)]
    Read(#[from] InputError),
    /// The file was read but its content is wrong: YAML or JSON syntax, or a field's value.
    #[error("{}{}: {message}", path.display(), place(*at))]
    Invalid {
        path: PathBuf,
        /// Line and column (1-based) where known.
        at: Option<(usize, usize)>,
        message: String,
    },
}

impl FileError {
    /// An error at `at` (line, column) of `path`, or at the file when the place is unknown.
    pub fn invalid(path: impl Into<PathBuf>, at: Option<(usize, usize)>, message: impl Into<String>) -> Self {
        FileError::Invalid {
            path: path.into(),
            at,
            message: message.into(),
        }
    }
}

fn place(at: Option<(usize, usize)>) -> String {
    at.map_or_else(String::new, |(line, column)| format!(":{line}:{column}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_path_line_and_column_when_known() {
        assert_eq!(FileError::invalid("r.yaml", Some((3, 8)), "bad").to_string(), "r.yaml:3:8: bad");
        assert_eq!(FileError::invalid("r.yaml", None, "bad").to_string(), "r.yaml: bad");
    }
}
