//! How a command ends, and the one place where that becomes an exit code and a message on stderr.

use std::io::{self, Write};
use std::process::ExitCode;

/// How a command ended when nothing stopped it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, and every expectation held: exit 0.
    Success,
    /// Done, and it found what it exists to find — an expectation that failed (`verify`): exit 1,
    /// so that it drops into CI.
    Findings,
}

/// Why a command stopped.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Bad input — scenario, rule, query, data, arguments, a refused directory: exit 2. The text is
    /// the whole rendered message (a located diagnostic keeps its own layout).
    #[error("{0}")]
    Input(String),
    /// Something failed while running — I/O, a query error: exit 1.
    #[error("{0}")]
    Run(String),
    /// A signal stopped the run after it cleaned up: exit 128 + the signal, as a shell reports it.
    #[error("{message}")]
    Interrupted {
        /// What to print.
        message: String,
        /// The signal's number.
        signal: u8,
    },
    /// Writing the command's own output failed (a full disk): exit 1. A closed pipe
    /// (`tenantless query … | head -1`) is not a failure: the reader had what it wanted.
    #[error("writing to standard output: {0}")]
    Stdout(io::Error),
}

/// What every command returns.
pub type CommandResult = Result<Outcome, Failure>;

/// Exit code for bad input.
pub const EXIT_INPUT: u8 = 2;
/// Exit code for a failure while running, and for findings.
pub const EXIT_FAILURE: u8 = 1;

/// Writes `text` to the command's output, mapping a write error to [`Failure::Stdout`].
pub fn emit(out: &mut dyn Write, text: impl std::fmt::Display) -> Result<(), Failure> {
    write!(out, "{text}").and_then(|()| out.flush()).map_err(Failure::Stdout)
}

/// The exit code of a finished command; prints the failure, if any, on stderr.
pub fn exit_code(result: CommandResult) -> ExitCode {
    ExitCode::from(report(result, &mut io::stderr()))
}

/// The exit code of a finished command, writing the failure, if any, to `err`.
pub fn report(result: CommandResult, err: &mut dyn Write) -> u8 {
    match result {
        Ok(Outcome::Success) => 0,
        Ok(Outcome::Findings) => EXIT_FAILURE,
        Err(Failure::Stdout(e)) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(failure) => {
            // stderr may be closed too: nothing more can be said then, and the code still tells.
            let _ = writeln!(err, "error: {failure}");
            match failure {
                Failure::Input(_) => EXIT_INPUT,
                Failure::Run(_) | Failure::Stdout(_) => EXIT_FAILURE,
                Failure::Interrupted { signal, .. } => signal.saturating_add(128),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken(io::ErrorKind);

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(self.0))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// The exit code, with the message written aside rather than to the test's stderr.
    fn code(result: CommandResult) -> u8 {
        report(result, &mut Vec::new())
    }

    #[test]
    fn a_closed_pipe_is_success_and_a_full_disk_is_a_failure() {
        let closed = emit(&mut Broken(io::ErrorKind::BrokenPipe), "x").map(|()| Outcome::Success);
        assert_eq!(code(closed), 0);
        let full = emit(&mut Broken(io::ErrorKind::StorageFull), "x").map(|()| Outcome::Success);
        assert_eq!(code(full), EXIT_FAILURE);
    }

    #[test]
    fn each_outcome_and_failure_has_its_code() {
        assert_eq!(code(Ok(Outcome::Success)), 0);
        assert_eq!(code(Ok(Outcome::Findings)), 1);
        assert_eq!(code(Err(Failure::Input("bad".into()))), 2);
        assert_eq!(code(Err(Failure::Run("broke".into()))), 1);
    }
}
