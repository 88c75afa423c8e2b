//! Stored functions: functions that live beside the tables rather than in the query — Log
//! Analytics workspace functions and Sentinel's ASIM parsers (`_Im_Authentication`,
//! `ASimAuthenticationAADServicePrincipalSignInLogs`, …). A query calls them by name like a
//! function it defines with `let`; their bodies see only their parameters, the tables and the
//! other stored functions, as in Kusto, and errors inside them point into their own file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ast::{FunctionDef, Param, Statement};
use super::error::KqlError;
use super::parser;

/// Where a stored function was read from: its file, and the text its body's spans point into.
#[derive(Debug)]
pub struct FunctionOrigin {
    /// The file, as errors name it.
    pub path: PathBuf,
    /// The source the body was parsed from, with the file's line and column positions.
    pub text: String,
}

impl PartialEq for FunctionOrigin {
    /// Two origins are the same file; trees compare by structure, not by where they came from.
    fn eq(&self, other: &FunctionOrigin) -> bool {
        self.path == other.path
    }
}

/// Parses a parameter list, `(name: type [= default], …)`.
pub fn parse_params(text: &str) -> Result<Vec<Param>, KqlError> {
    parser::parse_params(text)
}

/// The stored functions a run can call, by name (case-sensitive, as Kusto's names are).
#[derive(Debug, Default)]
pub struct StoredFunctions {
    by_name: Vec<(String, Arc<FunctionDef>)>,
}

impl StoredFunctions {
    /// Defines a function under each of `names` (a parser and its built-in alias) from its
    /// parameters and its body, whose text holds the file's positions so that errors point into
    /// `path`. A later definition of a name replaces an earlier one.
    pub fn define(&mut self, names: &[String], params: Vec<Param>, body: String, path: &Path) -> Result<(), KqlError> {
        let statements: Vec<Statement> = parser::parse_body(&body).map_err(|e| e.in_origin(path))?;
        if !matches!(statements.last(), Some(Statement::Query(_))) {
            return Err(KqlError::semantic(None, None, "the function's query ends without a result expression").in_origin(path));
        }
        let def = Arc::new(FunctionDef {
            view: false,
            params,
            body: statements,
            origin: Some(Arc::new(FunctionOrigin {
                path: path.to_owned(),
                text: body,
            })),
        });
        for name in names {
            self.by_name.retain(|(n, _)| n != name);
            self.by_name.push((name.clone(), def.clone()));
        }
        Ok(())
    }

    /// Every name with its function.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<FunctionDef>)> {
        self.by_name.iter().map(|(n, d)| (n.as_str(), d))
    }

    /// The function `name` names.
    pub fn get(&self, name: &str) -> Option<&Arc<FunctionDef>> {
        self.by_name.iter().find(|(n, _)| n == name).map(|(_, d)| d)
    }

    /// How many names are defined.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}
