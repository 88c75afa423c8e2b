//! Scenario errors: [`Diagnostic`](crate::diagnostic::Diagnostic)s that name the file, line and
//! column, show the line, and say what to do.

pub use crate::diagnostic::Diagnostic as ScenarioError;
pub use crate::suggest::{closest, did_you_mean};
