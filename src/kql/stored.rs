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
    /// Functions whose query does not parse (or uses KQL tenantless lacks), with why: a folder
    /// of published parsers loads whole, and calling one of these reports its error.
    broken: Vec<(String, KqlError)>,
}

impl StoredFunctions {
    /// Defines a function under each of `names` (a parser and its built-in alias) from its
    /// parameters and its body, whose text holds the file's positions so that errors point into
    /// `path`. A later definition of a name replaces an earlier one.
    /// A body that does not parse is kept as the error calling it gives.
    pub fn define(&mut self, names: &[String], params: Vec<Param>, body: String, path: &Path) {
        let statements = match parser::parse_body(&body) {
            Ok(s) if matches!(s.last(), Some(Statement::Query(_))) => s,
            Ok(_) => {
                return self.break_all(
                    names,
                    KqlError::semantic(None, None, "the function's query ends without a result expression").in_origin(path),
                );
            }
            Err(e) => return self.break_all(names, e.in_origin(path)),
        };
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
            self.forget(name);
            self.by_name.push((name.clone(), def.clone()));
        }
    }

    fn break_all(&mut self, names: &[String], error: KqlError) {
        for name in names {
            self.forget(name);
            self.broken.push((name.clone(), error.clone()));
        }
    }

    fn forget(&mut self, name: &str) {
        self.by_name.retain(|(n, _)| n != name);
        self.broken.retain(|(n, _)| n != name);
    }

    /// Why the function `name` names does not load, when it is one that does not.
    pub fn broken(&self, name: &str) -> Option<&KqlError> {
        self.broken.iter().find(|(n, _)| n == name).map(|(_, e)| e)
    }

    /// The functions that do not load, with why.
    pub fn broken_functions(&self) -> impl Iterator<Item = (&str, &KqlError)> {
        self.broken.iter().map(|(n, e)| (n.as_str(), e))
    }

    /// Every name with its function.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<FunctionDef>)> {
        self.by_name.iter().map(|(n, d)| (n.as_str(), d))
    }

    /// The query with the bodies of the stored functions it calls (and those they call)
    /// appended: the text whose table names decide which tables a run needs.
    pub fn with_called_bodies<'q>(&self, query: &'q str) -> std::borrow::Cow<'q, str> {
        let mut text = std::borrow::Cow::Borrowed(query);
        let mut added: Vec<*const FunctionDef> = Vec::new();
        loop {
            let before = added.len();
            for (name, def) in self.iter() {
                let (Some(origin), false) = (&def.origin, added.contains(&Arc::as_ptr(def))) else {
                    continue;
                };
                if text.contains(name) {
                    added.push(Arc::as_ptr(def));
                    text.to_mut().push_str(&origin.text);
                }
            }
            if added.len() == before {
                return text;
            }
        }
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
