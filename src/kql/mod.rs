//! A KQL (Kusto Query Language) engine: lexer → parser (AST with spans) → evaluator over in-memory
//! tables loaded from NDJSON.
//!
//! ```no_run
//! use tenantless::kql::{self, RunOptions};
//! let catalog = kql::load_jsonl_dir(std::path::Path::new("output")).unwrap();
//! let tables = kql::run("AuditLogs | take 5", &catalog, &RunOptions::default()).unwrap();
//! println!("{}", kql::format::to_text(&tables[0], 40));
//! ```

pub mod ast;
pub mod budget;
pub(crate) mod datetime;
pub mod error;
pub(crate) mod eval;
pub mod format;
pub(crate) mod functions;
pub(crate) mod lexer;
pub mod params;
pub(crate) mod parser;
pub(crate) mod print;
pub mod table;
pub mod value;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use ast::Script;
pub use error::KqlError;
pub use eval::StageStat;
pub use table::{Catalog, Column, Table, load_jsonl_dir, table_from_ndjson};
pub use value::{KqlType, Value};

/// Default cap on rows any operator may produce.
pub const DEFAULT_ROW_LIMIT: usize = 10_000_000;

/// Options for one run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// What `now()` and `ago()` see; one value for the whole query, as in Kusto.
    pub now: DateTime<Utc>,
    /// Placeholder bindings: `<Name>` and `{{Name}}` in the query text.
    pub params: BTreeMap<String, String>,
    /// Maximum rows any operator may produce before the run stops with [`KqlError::RowLimit`].
    pub row_limit: usize,
    /// Memory the evaluator may hold for intermediate results before it stops with an error
    /// naming the operator (`--max-memory`).
    pub max_memory: usize,
    /// When set, the evaluator stops with an error once this instant has passed (`verify
    /// --rule-timeout`), checked between rows so a runaway rule cannot hold up the others.
    pub deadline: Option<std::time::Instant>,
}

/// Default per-query memory budget: well under the 24 GiB the project's machines have.
pub const DEFAULT_MAX_MEMORY: usize = 4 * 1024 * 1024 * 1024;

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            now: Utc::now(),
            params: BTreeMap::new(),
            row_limit: DEFAULT_ROW_LIMIT,
            max_memory: DEFAULT_MAX_MEMORY,
            deadline: None,
        }
    }
}

/// Parses a query text (after placeholder substitution, if any).
pub fn parse(query: &str) -> Result<Script, KqlError> {
    with_big_stack(|| parser::parse(query))
}

/// Stack for parsing and evaluation: both recurse once per nesting level (bounded by the parser's
/// depth limit), and test threads or embedders may run with small default stacks.
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// Runs `f` on a scoped thread with a large stack; a panic (a bug) becomes an error, not a crash.
fn with_big_stack<T: Send>(f: impl FnOnce() -> Result<T, KqlError> + Send) -> Result<T, KqlError> {
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("kql".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, f)
        {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(KqlError::semantic(None, None, "internal error in the KQL engine (please report)"))),
            Err(e) => Err(KqlError::semantic(None, None, format!("cannot start the KQL engine thread: {e}"))),
        }
    })
}

/// Runs a query text: one result table per top-level query statement.
pub fn run(query: &str, catalog: &Catalog, options: &RunOptions) -> Result<Vec<Table>, KqlError> {
    run_with_stats(query, catalog, options).map(|(tables, _)| tables)
}

/// Like [`run`], also returning the row count after each stage of each top-level query.
pub fn run_with_stats(query: &str, catalog: &Catalog, options: &RunOptions) -> Result<(Vec<Table>, Vec<StageStat>), KqlError> {
    let text = params::substitute(query, &options.params);
    with_big_stack(|| {
        let script = parser::parse(&text)?;
        let now = value::ticks_from_chrono(&options.now);
        let ev = eval::Evaluator::new(&text, catalog, now, options);
        let tables = ev.run_script(&script)?;
        let stats = ev.stats.borrow().clone();
        Ok((tables, stats))
    })
}
