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
pub mod external;
pub mod format;
pub(crate) mod functions;
pub(crate) mod lexer;
pub mod load;
pub mod params;
pub(crate) mod parser;
pub(crate) mod print;
pub(crate) mod sketch;
pub mod stored;
pub mod table;
pub mod value;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use ast::Script;
pub use error::KqlError;
pub use eval::{ColumnNeeds, StageStat};
pub use load::{TableFilter, load_jsonl_dir, load_jsonl_dir_with, table_from_ndjson};
pub use table::{Catalog, Column, Table};
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
    /// Where `externaldata` reads its URLs from (it never reaches the network); shared, as
    /// `verify` runs every rule many times with the same mapping.
    pub external: std::sync::Arc<external::ExternalFiles>,
    /// Stored functions (`--functions`: workspace functions, ASIM parsers) queries may call.
    pub functions: std::sync::Arc<stored::StoredFunctions>,
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
            external: Default::default(),
            functions: Default::default(),
            deadline: None,
        }
    }
}

/// Every tabular operator of KQL the engine knows: its names (the documented one first) and
/// whether it runs — the table the parser dispatches on.
pub fn tabular_operators() -> impl Iterator<Item = (&'static [&'static str], bool)> {
    parser::tabular_operators()
}

/// Parses a query text (after placeholder substitution, if any).
pub fn parse(query: &str) -> Result<Script, KqlError> {
    guarded(|| parser::parse(query))
}

/// The columns `query` reads of each table, so that the loader parses only those (see
/// [`TableFilter::reading`]); `functions` are the stored functions it may call. A query that does
/// not parse narrows nothing: its run reports why.
pub fn column_needs(query: &str, functions: &stored::StoredFunctions) -> ColumnNeeds {
    let Ok(script) = parse(query) else {
        return ColumnNeeds::default();
    };
    let text = functions.with_called_bodies(query);
    eval::column_needs(&script.statements, &text, functions.iter().map(|(name, _)| name))
}

/// Stack that must remain before a nesting level recurses further; below it, [`deep`] moves the
/// recursion onto a fresh segment.
const RED_ZONE: usize = 256 * 1024;
/// Size of each fresh stack segment.
const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// Runs one nesting level of parsing or evaluation (bounded by the parser's depth limit) on a
/// stack that cannot overflow, whatever the caller's stack size: embedders and test threads
/// often run with small default stacks.
pub(crate) fn deep<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, f)
}

/// Runs `f`; a panic (a bug) becomes an error, not a crash of the caller.
fn guarded<T>(f: impl FnOnce() -> Result<T, KqlError>) -> Result<T, KqlError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(KqlError::semantic(None, None, "internal error in the KQL engine (please report)")))
}

/// Runs a query text: one result table per top-level query statement.
pub fn run(query: &str, catalog: &Catalog, options: &RunOptions) -> Result<Vec<Table>, KqlError> {
    run_with_stats(query, catalog, options).map(|(tables, _)| tables)
}

/// Like [`run`], each result table with its name: `fork`'s legs are named by `name = (…)` or
/// their last `as` (…/fork-operator); other results have none.
pub fn run_named(query: &str, catalog: &Catalog, options: &RunOptions) -> Result<Vec<(Option<String>, Table)>, KqlError> {
    evaluate(query, catalog, options, |tables, ev| {
        ev.result_names.take().into_iter().zip(tables).collect()
    })
}

/// Like [`run`], also returning the row count after each stage of each top-level query.
pub fn run_with_stats(query: &str, catalog: &Catalog, options: &RunOptions) -> Result<(Vec<Table>, Vec<StageStat>), KqlError> {
    evaluate(query, catalog, options, |tables, ev| (tables, ev.stats.borrow().clone()))
}

/// Substitutes the placeholders, parses and runs a query text; `finish` takes the result tables
/// and what the evaluator recorded.
fn evaluate<R>(
    query: &str,
    catalog: &Catalog,
    options: &RunOptions,
    finish: impl FnOnce(Vec<Table>, &eval::Evaluator<'_>) -> R,
) -> Result<R, KqlError> {
    let text = params::substitute(query, &options.params);
    guarded(|| {
        let script = parser::parse(&text)?;
        let now = value::ticks_from_chrono(&options.now);
        let ev = eval::Evaluator::new(&text, catalog, now, options);
        let tables = ev.run_script(&script)?;
        Ok(finish(tables, &ev))
    })
}
