//! What can stop a benchmark, as data; `tenantless bench` renders it once, at the CLI edge.

use std::path::PathBuf;

/// Why a benchmark part could not give its figures.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Reading or writing the scratch directory failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A program the benchmark runs could not be started.
    #[error("cannot run `{program}`: {source}; {hint}")]
    Spawn {
        /// The program.
        program: String,
        /// The underlying error.
        source: std::io::Error,
        /// What to do about it.
        hint: &'static str,
    },
    /// A measured program failed.
    #[error("`{command}` exited with {status}:\n{stderr}")]
    Child {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// The end of what it printed on stderr.
        stderr: String,
    },
    /// DuckDB could not be installed from PyPI: the peer part cannot run here.
    #[error("DuckDB is not available: {0}\nhint: run with `--peer none` to measure tenantless alone")]
    NoDuckdb(String),
    /// The peer script printed something that is not its JSON report.
    #[error("tools/bench/duckdb_peer.py printed no report it could be read from ({0})")]
    PeerReport(String),
    /// A step run in this process failed: generating a data set, estimating, a query.
    #[error("{what}: {message}")]
    Step {
        /// Which step, e.g. "generating the 1000000-sign-in data set".
        what: String,
        /// The step's own error, rendered.
        message: String,
    },
}

impl BenchError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }

    /// A failed step of this process, with its own error rendered.
    pub fn step(what: impl Into<String>, error: impl std::fmt::Display) -> Self {
        Self::Step {
            what: what.into(),
            message: error.to_string(),
        }
    }
}
