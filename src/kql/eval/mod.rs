//! The evaluator: runs a parsed [`Script`] against a [`Catalog`].
//!
//! Row-based: each tabular operator takes a table and produces a new one. Expressions are compiled
//! against the input schema once per operator ([`expr::CExpr`]); joins and summarize use hash maps.

pub mod aggregate;
pub mod expr;
mod external;
mod find;
mod invoke;
mod join;
mod key_filter;
mod meter;
mod multi;
mod needs;
mod nested;
mod ops;
mod parse_kv;
mod partition;
mod plugins;
mod prune;
mod render;
mod row_local;
mod row_tests;
mod sample;
mod scan;
mod series;
mod sketch_agg;
mod sources;
mod tuple;
mod types;
mod window;

pub use needs::{ColumnNeeds, column_needs};
pub use row_tests::RowTest;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::Arc;

use super::RunOptions;
use super::ast::*;
use super::budget;
use super::error::{KqlError, Span, suggest};
use super::functions;
use super::table::{Catalog, Column, Table, known_schema};
use super::value::Value;
use expr::{CExpr, build_in_set};

/// Row count after one pipeline stage (for `--explain`-style reporting).
#[derive(Debug, Clone, PartialEq)]
pub struct StageStat {
    /// Index of the top-level query statement (0-based, counting only queries).
    pub query: usize,
    /// The stage, printed back as KQL (`AuditLogs`, `where …`).
    pub stage: String,
    /// Rows produced by the stage.
    pub rows: usize,
}

/// A name bound by `let`, `as`, or a function parameter.
#[derive(Debug, Clone)]
pub(crate) enum Binding {
    Scalar(Value),
    Tabular(Arc<Table>),
    Function(Arc<FunctionDef>),
    /// A scalar function parameter inlined as the caller's compiled argument.
    Expr(CExpr),
}

/// Lexically scoped bindings; later bindings shadow earlier ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    vars: Vec<(String, Binding)>,
    /// Positions in `vars` of the tables bound while serialized (window functions may run on them).
    serialized: Vec<usize>,
}

impl Env {
    fn get(&self, name: &str) -> Option<&Binding> {
        self.vars.iter().rev().find(|(n, _)| n == name).map(|(_, b)| b)
    }

    fn bind(&mut self, name: &str, b: Binding) {
        self.vars.push((name.to_string(), b));
    }

    /// Marks the binding made last as a serialized table.
    fn mark_serialized(&mut self) {
        self.serialized.push(self.vars.len().saturating_sub(1));
    }

    /// Whether `name` is bound to a table that was serialized when bound.
    fn is_serialized(&self, name: &str) -> bool {
        let at = self.vars.iter().rposition(|(n, _)| n == name);
        at.is_some_and(|i| self.serialized.contains(&i))
    }

    fn names(&self, pred: impl Fn(&Binding) -> bool) -> Vec<&str> {
        self.vars.iter().filter(|(_, b)| pred(b)).map(|(n, _)| n.as_str()).collect()
    }
}

const MAX_CALL_DEPTH: usize = 64;

/// Evaluation context shared by all statements of one run.
pub(crate) struct Evaluator<'a> {
    pub src: &'a str,
    pub catalog: &'a Catalog,
    pub now: i64,
    pub row_limit: usize,
    /// Memory budget in bytes (see [`meter`]).
    pub max_memory: usize,
    pub deadline: Option<std::time::Instant>,
    /// Where `externaldata` URLs are read from.
    pub external: &'a super::external::ExternalFiles,
    /// Stored functions (`--functions`), bound in every query's outermost scope.
    functions: &'a super::stored::StoredFunctions,
    /// The stored function whose body runs now: errors point into its file, not the query.
    in_stored: RefCell<Option<Arc<super::stored::FunctionOrigin>>>,
    pub stats: RefCell<Vec<StageStat>>,
    /// The operator (or source) running now and where it is, for budget errors.
    cur_op: Cell<(&'static str, Option<Span>)>,
    /// Estimated bytes held by the operators enclosing the one running now.
    held: Cell<usize>,
    /// Estimated bytes of the tabular `let`s bound so far (held to the end of the run).
    pinned: Cell<usize>,
    /// Estimated bytes of the table the last operator or source produced, when it measured them.
    last_bytes: Cell<Option<usize>>,
    record: Cell<Option<usize>>,
    depth: Cell<usize>,
    /// Output positions of the right-side key columns of the last join (used by `lookup`).
    pub(crate) last_right_keys: RefCell<Vec<usize>>,
    /// Whether the table the last source or operator produced is serialized (see [`window`]).
    serialized: Cell<bool>,
    /// The window calls of the operator compiling now, when it allows them (see [`window`]).
    window: RefCell<Option<window::Frame>>,
    /// The name of the table a piped `search` reads, for its `$table` column (see [`find`]).
    pub(crate) piped_label: RefCell<Option<String>>,
    /// The name of each result table so far (`fork`'s `name =` legs), parallel to the results.
    pub(crate) result_names: RefCell<Vec<Option<String>>>,
    /// Whether a tabular `let` whose every use narrows its columns is built with only those.
    narrow_lets: Cell<bool>,
    /// Whether one was (a failed run is then repeated without, for its error's suggestions).
    narrowed_a_let: Cell<bool>,
    /// The columns (lower-cased) the uses of the `let` being evaluated read, for its pipeline.
    let_reads: RefCell<Option<HashSet<String>>>,
}

/// The scalar functions the evaluator compiles itself rather than through [`functions`]: they
/// need the query's `now`, its columns or a sub-query.
pub(super) const EVALUATOR_FUNCTIONS: [&str; 4] = ["toscalar", "column_ifexists", "now", "ago"];

impl<'a> Evaluator<'a> {
    pub fn new(src: &'a str, catalog: &'a Catalog, now: i64, options: &'a RunOptions) -> Evaluator<'a> {
        budget::reset();
        Evaluator {
            src,
            catalog,
            now,
            row_limit: options.row_limit,
            max_memory: options.max_memory,
            deadline: options.deadline,
            external: &options.external,
            functions: &options.functions,
            in_stored: RefCell::new(None),
            stats: RefCell::new(Vec::new()),
            cur_op: Cell::new(("query", None)),
            held: Cell::new(0),
            pinned: Cell::new(0),
            last_bytes: Cell::new(None),
            record: Cell::new(None),
            depth: Cell::new(0),
            last_right_keys: RefCell::new(Vec::new()),
            serialized: Cell::new(false),
            window: RefCell::new(None),
            piped_label: RefCell::new(None),
            result_names: RefCell::new(Vec::new()),
            narrow_lets: Cell::new(true),
            narrowed_a_let: Cell::new(false),
            let_reads: RefCell::new(None),
        }
    }

    pub(crate) fn err(&self, span: Span, msg: impl Into<String>) -> KqlError {
        match &*self.in_stored.borrow() {
            Some(origin) => KqlError::semantic(Some(&origin.text), Some(span), msg).in_origin(&origin.path),
            None => KqlError::semantic(Some(self.src), Some(span), msg),
        }
    }

    /// The error of calling a stored function that did not load: its own, in its file, with
    /// the call pointed at.
    fn broken_function(&self, name: &str, span: Span) -> Option<KqlError> {
        Some(match self.functions.broken(name)? {
            // KQL tenantless lacks stays reported as such (`verify`: not executable).
            why @ KqlError::Unsupported(_) => why.clone(),
            why => self.err(span, format!("stored function `{name}` does not load:\n{why}")),
        })
    }

    /// The outermost scope: the stored functions, which the query's own `let`s may shadow.
    fn root_env(&self) -> Env {
        let mut env = Env::default();
        for (name, def) in self.functions.iter() {
            env.bind(name, Binding::Function(def.clone()));
        }
        env
    }

    /// The scope a call of `def` runs its body in: a stored function sees only the stored
    /// functions and tables (and its parameters), a `let` function the caller's scope.
    fn call_env(&self, def: &FunctionDef, env: &Env) -> Env {
        match def.origin {
            Some(_) => self.root_env(),
            None => env.clone(),
        }
    }

    /// Runs `f` with errors pointing into `def`'s file when it is a stored function.
    fn in_body<R>(&self, def: &FunctionDef, f: impl FnOnce() -> R) -> R {
        let Some(origin) = &def.origin else { return f() };
        let outer = self.in_stored.replace(Some(origin.clone()));
        let result = f();
        *self.in_stored.borrow_mut() = outer;
        result
    }

    pub(crate) fn check_limit(&self, rows: usize, what: &str) -> Result<(), KqlError> {
        if rows > self.row_limit {
            Err(KqlError::RowLimit(what.to_string(), self.row_limit))
        } else {
            Ok(())
        }
    }

    /// Runs all statements, returning one table per query statement.
    pub fn run_script(&self, script: &Script) -> Result<Vec<Table>, KqlError> {
        let (stats, names, pinned) = (self.stats.borrow().len(), self.result_names.borrow().len(), self.pinned.get());
        match self.run_statements(script) {
            // A name error is re-raised with every `let` whole, so suggestions see every column.
            Err(KqlError::Semantic(_)) if self.narrowed_a_let.get() => {
                self.stats.borrow_mut().truncate(stats);
                self.result_names.borrow_mut().truncate(names);
                self.pinned.set(pinned);
                self.narrow_lets.set(false);
                self.narrowed_a_let.set(false);
                self.run_statements(script)
            }
            other => other,
        }
    }

    /// The columns (lower-cased) that the statements after `statements[at]`, a `let` of `name`,
    /// can read of its table, when every use of the name narrows (see [`needs`]).
    fn let_reads(&self, statements: &[Statement], at: usize, name: &str) -> Option<HashSet<String>> {
        let Statement::Let { span, .. } = &statements[at] else {
            return None;
        };
        let later = &statements[at + 1..];
        let text = self.src.get(span.end..)?;
        let stored = self.functions.iter().map(|(n, _)| n);
        needs::column_needs(later, text, stored).of(name).cloned()
    }

    fn run_statements(&self, script: &Script) -> Result<Vec<Table>, KqlError> {
        let mut env = self.root_env();
        let mut out = Vec::new();
        for (at, stmt) in script.statements.iter().enumerate() {
            match stmt {
                Statement::Let { name, value, span } => {
                    self.cur_op.set(("let", Some(*span)));
                    if self.narrow_lets.get()
                        && matches!(value, LetValue::Pipeline(_))
                        && let Some(reads) = self.let_reads(&script.statements, at, name)
                    {
                        self.narrowed_a_let.set(true);
                        self.let_reads.replace(Some(reads));
                    }
                    let b = self.let_binding(value, &mut env);
                    self.let_reads.take();
                    let b = b?;
                    self.check_budgets()?;
                    self.bind_let(&mut env, name, b);
                }
                Statement::Query(p) => {
                    self.cur_op.set(("query", Some(p.span)));
                    self.record.set(Some(out.len()));
                    // `fork` and `facet` end a query with several result tables.
                    let tables = self.query_results(p, &mut env);
                    self.record.set(None);
                    for (name, t) in tables? {
                        out.push(Arc::try_unwrap(t).unwrap_or_else(|arc| (*arc).clone()));
                        self.result_names.borrow_mut().push(name);
                    }
                }
            }
        }
        Ok(out)
    }

    fn let_binding(&self, value: &LetValue, env: &mut Env) -> Result<Binding, KqlError> {
        match value {
            LetValue::Function(def) => Ok(Binding::Function(Arc::new(def.clone()))),
            LetValue::Pipeline(p) => match (&p.source, p.ops.is_empty()) {
                (Source::Expr(e), true) if !self.is_tabular(e, env) => {
                    let c = self.compile(e, &[], env)?;
                    Ok(Binding::Scalar(c.eval(&[])))
                }
                _ => {
                    let t = self.eval_pipeline(p, env)?;
                    let bytes = self.last_bytes.take().unwrap_or(0);
                    self.pinned.set(self.pinned.get().saturating_add(bytes));
                    Ok(Binding::Tabular(t))
                }
            },
        }
    }

    /// Whether an expression denotes a table (as opposed to a scalar).
    pub(crate) fn is_tabular(&self, e: &Expr, env: &Env) -> bool {
        match e {
            Expr::Tabular(_) => true,
            Expr::Ident(name, _) => match env.get(name) {
                Some(Binding::Tabular(_)) => true,
                Some(Binding::Function(def)) => callable_bare(def) && self.function_is_tabular(def, env),
                Some(_) => false,
                None => self.catalog.contains(name),
            },
            Expr::Call { name, .. } => match env.get(name) {
                Some(Binding::Function(def)) => self.function_is_tabular(def, env),
                _ => matches!(name.as_str(), "table" | "materialize" | "_GetWatchlist"),
            },
            _ => false,
        }
    }

    fn function_is_tabular(&self, def: &FunctionDef, env: &Env) -> bool {
        if self.depth.get() > MAX_CALL_DEPTH {
            return false;
        }
        let mut inner = env.clone();
        for p in &def.params {
            match p.ty {
                ParamType::Tabular(_) => inner.bind(&p.name, Binding::Tabular(Arc::new(Table::default()))),
                ParamType::Scalar(_) => inner.bind(&p.name, Binding::Scalar(Value::Null)),
            }
        }
        for stmt in &def.body {
            if let Statement::Let {
                name,
                value: LetValue::Pipeline(p),
                ..
            } = stmt
            {
                let tab = !p.ops.is_empty() || !matches!(&p.source, Source::Expr(e) if !self.is_tabular(e, &inner));
                inner.bind(
                    name,
                    if tab {
                        Binding::Tabular(Arc::new(Table::default()))
                    } else {
                        Binding::Scalar(Value::Null)
                    },
                );
            } else if let Statement::Let {
                name,
                value: LetValue::Function(f),
                ..
            } = stmt
            {
                inner.bind(name, Binding::Function(Arc::new(f.clone())));
            }
        }
        self.depth.set(self.depth.get() + 1);
        let result = match def.body.last() {
            Some(Statement::Query(p)) => match (&p.source, p.ops.is_empty()) {
                (Source::Expr(e), true) => self.is_tabular(e, &inner),
                _ => true,
            },
            _ => false,
        };
        self.depth.set(self.depth.get() - 1);
        result
    }

    /// Binds a `let` (or `as`) name, remembering whether its table is serialized.
    pub(crate) fn bind_let(&self, env: &mut Env, name: &str, b: Binding) {
        let table = matches!(b, Binding::Tabular(_));
        env.bind(name, b);
        if table && self.serialized.get() {
            env.mark_serialized();
        }
    }

    /// Evaluates a pipeline to a table.
    pub(crate) fn eval_pipeline(&self, p: &Pipeline, env: &mut Env) -> Result<Arc<Table>, KqlError> {
        self.unwindowed(|| crate::kql::deep(|| self.eval_pipeline_here(p, env)))
    }

    fn eval_pipeline_here(&self, p: &Pipeline, env: &mut Env) -> Result<Arc<Table>, KqlError> {
        let record = self.record.take();
        // Only a `let`'s own pipeline narrows by what its uses read, not the pipelines inside it.
        let then = self.let_reads.take();
        self.last_bytes.set(None);
        if let Some(source) = self.catalog_source(p, env) {
            let stats_len = self.stats.borrow().len();
            match self.run_in_place(p, source, (env, then.as_ref()), record) {
                Ok(Some(t)) => return Ok(t),
                // A name error is re-raised from the whole table so suggestions see every column.
                Ok(None) | Err(KqlError::Semantic(_)) => self.stats.borrow_mut().truncate(stats_len),
                Err(other) => return Err(other),
            }
            self.last_bytes.set(None);
        }
        if let Some(t) = self.run_narrowed_union(p, env, record) {
            return t;
        }
        let t = match self.tested_source(p, env) {
            Some(t) => {
                // Tables are not serialized (…/serialize-operator).
                self.serialized.set(false);
                t?
            }
            None => self.eval_source(&p.source, p.span, env)?,
        };
        self.check_budgets()?;
        self.record_stage(record, p.source.to_string(), t.rows.len());
        let stats_len = self.stats.borrow().len();
        let source_bytes = self.last_bytes.get();
        let source_serialized = self.serialized.get();
        if let Some(narrow) = prune::narrow(p, (&t.columns, &t.rows), env, then.as_ref()) {
            match self.run_ops(p, 0, narrow, env, record) {
                // A name error is re-raised from the full table so suggestions see every column.
                Err(KqlError::Semantic(_)) => self.stats.borrow_mut().truncate(stats_len),
                other => return other,
            }
            self.last_bytes.set(source_bytes);
            self.serialized.set(source_serialized);
        }
        self.run_ops(p, 0, t, env, record)
    }

    /// The columns and rows of the catalog table a pipeline starts from, read in place (a
    /// `verify` window is not copied out): `None` when the source is anything else.
    fn catalog_source(&self, p: &Pipeline, env: &Env) -> Option<(&'a [Column], &'a [Vec<Value>])> {
        match &p.source {
            Source::Expr(Expr::Ident(name, _)) if env.get(name).is_none() => self.catalog.window(name),
            _ => None,
        }
    }

    /// The deferred catalog table a pipeline starts from, loaded with only the rows its leading
    /// `where`s keep, as this evaluation sees them: with the filter a join's keys added to its
    /// right side (`key_filter`). `None` when the source is anything else (see
    /// [`Catalog::tested`]).
    fn tested_source(&self, p: &Pipeline, env: &Env) -> Option<Result<Arc<Table>, KqlError>> {
        let Source::Expr(Expr::Ident(name, _)) = &p.source else {
            return None;
        };
        if env.get(name).is_some() {
            return None;
        }
        // The names the tests' constants read, which a `where` means as columns if the table has them.
        let mut read = Vec::new();
        // Only for a deferred table: every other pipeline's source skips this walk.
        let table = self.catalog.tested(name, || {
            let declared: HashSet<String> = known_schema(name).unwrap_or_default().into_iter().map(|c| c.name).collect();
            let names_read = std::cell::RefCell::new(Vec::new());
            let constant = |e: &Expr| -> Option<Value> {
                let names = row_tests::names_of_constant(e)?;
                if names.iter().any(|n| declared.contains(n)) {
                    return None;
                }
                let value = self.compile(e, &[], env).ok()?.eval(&[]);
                names_read.borrow_mut().extend(names);
                Some(value)
            };
            let mut tests = row_tests::leading(&p.ops, &HashSet::new(), env, &constant);
            // A name the script binds may mean the `let`, not the column (as before the query ran).
            tests.retain(|t| env.get(t.column()).is_none());
            read = names_read.into_inner();
            tests
        })?;
        // A field outside the schema is a column too, which its name then means: the constants
        // read of a `let` may be no constants, so the table is read with the tests known before.
        match &table {
            Ok(t) if read.iter().any(|n| t.column_index(n).is_some()) => self.catalog.get(name),
            _ => Some(table),
        }
    }

    /// Records that `stage` of query `record` (when stats are kept) left `rows` rows.
    fn record_stage(&self, record: Option<usize>, stage: String, rows: usize) {
        if let Some(query) = record {
            self.stats.borrow_mut().push(StageStat { query, stage, rows });
        }
    }

    /// Runs a pipeline whose first step narrows the columns or filters the rows of a catalog
    /// table straight from its rows; `None` when it starts otherwise (the caller takes the table).
    fn run_in_place(
        &self,
        p: &Pipeline,
        (columns, rows): (&[Column], &[Vec<Value>]),
        (env, then): (&mut Env, Option<&HashSet<String>>),
        record: Option<usize>,
    ) -> Result<Option<Arc<Table>>, KqlError> {
        // Tables are not serialized (…/serialize-operator).
        self.serialized.set(false);
        self.record_stage(record, p.source.to_string(), rows.len());
        let keep = prune::kept_columns(p, columns, env, then);
        if matches!(p.ops.first(), Some(Operator::Where(_))) {
            // Filtered in place, and only the columns read later are copied out of the rows that
            // pass every leading `where`.
            if let Some((filtered, passed)) = self.filter_slice((columns, rows), p, env, keep.as_deref())? {
                let saved = self.cur_op.get();
                for (i, &rows) in passed.iter().enumerate() {
                    self.cur_op.set((op_name(&p.ops[i]), p.op_spans.get(i).copied()));
                    self.check_limit(rows, "`where`")?;
                    self.record_stage(record, p.ops[i].to_string(), rows);
                }
                self.check_budgets()?;
                self.cur_op.set(saved);
                return self.run_ops(p, passed.len(), Arc::new(filtered), env, record).map(Some);
            }
        }
        // Not a `where` this can filter in place: only narrowed, when the pipeline narrows.
        keep.map(|keep| self.run_ops(p, 0, prune::select_columns((columns, rows), &keep), env, record))
            .transpose()
    }

    /// Runs a pipeline that starts with `union` and narrows its columns later, building only the
    /// columns it reads (`verify`'s rules union two sign-in tables of 46 columns to read one);
    /// `None` when it does not start so, or when it fails on a name (the caller runs it over
    /// every column, so that suggestions see them all).
    fn run_narrowed_union(&self, p: &Pipeline, env: &mut Env, record: Option<usize>) -> Option<Result<Arc<Table>, KqlError>> {
        let Source::Union(spec) = &p.source else { return None };
        let reads = prune::reads(&p.ops, env)?;
        let stats_len = self.stats.borrow().len();
        self.cur_op.set(("union", Some(p.span)));
        self.serialized.set(false);
        let run = self.union(None, spec, Some(&reads), env).and_then(|t| {
            self.check_budgets()?;
            self.record_stage(record, p.source.to_string(), t.rows.len());
            self.run_ops(p, 0, t, env, record)
        });
        match run {
            Err(KqlError::Semantic(_)) => {
                self.stats.borrow_mut().truncate(stats_len);
                self.last_bytes.set(None);
                None
            }
            other => Some(other),
        }
    }

    /// Runs the pipeline's operators from the `first`.
    fn run_ops(&self, p: &Pipeline, first: usize, mut t: Arc<Table>, env: &mut Env, record: Option<usize>) -> Result<Arc<Table>, KqlError> {
        let outer = self.held.get();
        let mut bytes = self.last_bytes.take().unwrap_or(0);
        for (i, op) in p.ops.iter().enumerate().skip(first) {
            let saved = self.cur_op.replace((op_name(op), p.op_spans.get(i).copied()));
            self.check_budgets()?;
            self.held.set(outer.saturating_add(bytes));
            self.last_bytes.set(None);
            let in_rows = t.rows.len();
            if matches!(op, Operator::Search(_) | Operator::Union(_)) {
                self.piped_label.replace(Some(find::piped_label(p, i)));
            }
            let result = self.apply(op, t, env);
            self.held.set(outer);
            t = result?;
            bytes = self.last_bytes.take().unwrap_or_else(|| carried_bytes(bytes, in_rows, &t));
            self.check_limit(t.rows.len(), &format!("`{}`", op_name(op)))?;
            self.check_budgets()?;
            self.cur_op.set(saved);
            self.record_stage(record, op.to_string(), t.rows.len());
        }
        self.last_bytes.set(Some(bytes));
        Ok(t)
    }

    fn eval_source(&self, source: &Source, span: Span, env: &mut Env) -> Result<Arc<Table>, KqlError> {
        let name = match source {
            Source::Datatable { .. } => Some("datatable"),
            Source::Print(_) => Some("print"),
            Source::Union(_) => Some("union"),
            Source::Range { .. } => Some("range"),
            Source::ExternalData { .. } => Some("externaldata"),
            Source::Find(_) => Some("find"),
            Source::Search(_) => Some("search"),
            Source::Expr(_) | Source::TableGlob(_) => None,
        };
        if let Some(name) = name {
            self.cur_op.set((name, Some(span)));
        }
        // Of the sources, only `range` emits a serialized row set (…/serialize-operator); a table
        // expression says itself.
        self.serialized.set(matches!(source, Source::Range { .. }));
        match source {
            Source::Expr(e) => self.eval_tabular_expr(e, env),
            Source::TableGlob(pattern) => Err(self.err(
                pattern.span,
                format!("a wildcard table name (`{pattern}`) is only valid in union: write `union {pattern}`"),
            )),
            Source::ExternalData { columns, uris, properties } => self.external_data(columns, uris, properties, span, env),
            Source::Datatable { columns, values } => self.datatable(columns, values, span, env),
            Source::Print(items) => self.print(items, env),
            Source::Union(spec) => self.union(None, spec, None, env),
            Source::Range { name, from, to, step } => self.range(name, (from, to, step), env),
            Source::Find(spec) => self.find(spec, span, env),
            Source::Search(spec) => self.search(None, spec, span, env),
        }
    }

    /// Resolves a table name, tabular `let`, function call, or nested pipeline.
    pub(crate) fn eval_tabular_expr(&self, e: &Expr, env: &mut Env) -> Result<Arc<Table>, KqlError> {
        self.unwindowed(|| {
            // Tables are not serialized; pipelines and function bodies set it as they finish.
            self.serialized.set(false);
            self.eval_tabular_expr_here(e, env)
        })
    }

    fn eval_tabular_expr_here(&self, e: &Expr, env: &mut Env) -> Result<Arc<Table>, KqlError> {
        match e {
            Expr::Tabular(p) => self.eval_pipeline(p, env),
            Expr::Ident(name, span) => match env.get(name).cloned() {
                Some(Binding::Tabular(t)) => {
                    self.serialized.set(env.is_serialized(name));
                    Ok(t)
                }
                Some(Binding::Function(def)) if callable_bare(&def) => self.call_tabular(&def, &[], *span, env),
                Some(_) => Err(self.err(*span, format!("`{name}` is a scalar, not a table"))),
                None => match self.catalog.get(name) {
                    Some(t) => t,
                    None => Err(self.unknown_table(name, *span, env)),
                },
            },
            Expr::Call { name, args, span } => match env.get(name).cloned() {
                Some(Binding::Function(def)) => self.call_tabular(&def, args, *span, env),
                _ if name == "table" && args.len() == 1 => {
                    let n = self.compile(&args[0], &[], env)?.eval(&[]).to_kql_string();
                    match self.catalog.get(&n) {
                        Some(t) => t,
                        None => Err(self.unknown_table(&n, *span, env)),
                    }
                }
                // materialize() only caches in Kusto; here every let is evaluated once anyway.
                _ if name == "materialize" && args.len() == 1 => self.eval_tabular_expr(&args[0], env),
                // Sentinel watchlists: served from a `Watchlist_<alias>` table in the data directory.
                _ if name == "_GetWatchlist" && args.len() == 1 => {
                    let alias = self.compile(&args[0], &[], env)?.eval(&[]).to_kql_string();
                    let table = format!("Watchlist_{alias}");
                    self.catalog.get(&table).unwrap_or_else(|| {
                        Err(self.err(
                            *span,
                            format!("watchlist `{alias}` not found: add {table}.jsonl to the data directory"),
                        ))
                    })
                }
                _ => Err(self
                    .broken_function(name, *span)
                    .unwrap_or_else(|| self.err(*span, format!("`{name}(…)` is not a tabular function")))),
            },
            other => Err(self.err(other.span(), format!("expected a table, found the scalar expression `{other}`"))),
        }
    }

    fn unknown_table(&self, name: &str, span: Span, env: &Env) -> KqlError {
        if let Some(e) = self.broken_function(name, span) {
            return e;
        }
        let mut candidates: Vec<&str> = self.catalog.names().collect();
        candidates.extend(env.names(|b| matches!(b, Binding::Tabular(_))));
        let hint = match suggest(name, candidates.iter().copied()) {
            Some(s) => format!("; did you mean `{s}`?"),
            None if candidates.is_empty() => "; no tables are loaded".to_string(),
            None => format!("; available: {}", candidates.join(", ")),
        };
        self.err(span, format!("unknown table `{name}`{hint}"))
    }

    /// What every user-function call checks first: recursion depth and argument count.
    /// Each parameter's argument: given by position, then by name (`starttime = ago(1d)`), else
    /// its default; an unknown or repeated name, a positional argument after a named one, too
    /// many arguments or a missing one is an error at it.
    fn bind_args<'e>(&self, def: &'e FunctionDef, args: &'e [Expr], span: Span) -> Result<Vec<&'e Expr>, KqlError> {
        if self.depth.get() > MAX_CALL_DEPTH {
            return Err(self.err(span, "function calls nest too deeply (recursion?)"));
        }
        if args.len() > def.params.len() {
            return Err(self.err(span, format!("function takes {} arguments, got {}", def.params.len(), args.len())));
        }
        let mut given: Vec<Option<&Expr>> = vec![None; def.params.len()];
        let mut named = false;
        for (i, arg) in args.iter().enumerate() {
            match arg {
                Expr::NamedArg { name, value, .. } => {
                    named = true;
                    let Some(at) = def.params.iter().position(|p| p.name == name.text) else {
                        let hint = suggest(&name.text, def.params.iter().map(|p| p.name.as_str()))
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default();
                        return Err(self.err(name.span, format!("the function has no parameter `{}`{hint}", name.text)));
                    };
                    if given[at].replace(value).is_some() {
                        return Err(self.err(name.span, format!("parameter `{}` is given twice", name.text)));
                    }
                }
                _ if named => return Err(self.err(arg.span(), "a positional argument cannot follow a named one")),
                _ => given[i] = Some(arg),
            }
        }
        def.params
            .iter()
            .zip(given)
            .map(|(p, arg)| {
                arg.or(p.default.as_ref())
                    .ok_or_else(|| self.err(span, format!("missing argument `{}`", p.name)))
            })
            .collect()
    }

    /// Calls a user function in tabular context.
    fn call_tabular(&self, def: &FunctionDef, args: &[Expr], span: Span, env: &mut Env) -> Result<Arc<Table>, KqlError> {
        let bound = self.bind_args(def, args, span)?;
        let mut inner = self.call_env(def, env);
        for (p, arg) in def.params.iter().zip(bound) {
            let b = match p.ty {
                ParamType::Tabular(_) => Binding::Tabular(self.eval_tabular_expr(arg, env)?),
                ParamType::Scalar(_) => Binding::Scalar(self.compile(arg, &[], env)?.eval(&[])),
            };
            self.bind_let(&mut inner, &p.name, b);
        }
        self.depth.set(self.depth.get() + 1);
        // The body's `let`s are dropped when the call returns; only its result stays held.
        let pinned = self.pinned.get();
        let result = self.in_body(def, || self.run_body(def, span, &mut inner));
        let result_bytes = self.last_bytes.get();
        self.pinned.set(pinned);
        self.last_bytes.set(result_bytes);
        self.depth.set(self.depth.get() - 1);
        result
    }

    fn run_body(&self, def: &FunctionDef, span: Span, inner: &mut Env) -> Result<Arc<Table>, KqlError> {
        let mut last = None;
        for stmt in &def.body {
            match stmt {
                Statement::Let { name, value, .. } => {
                    let b = self.let_binding(value, inner)?;
                    self.bind_let(inner, name, b);
                }
                Statement::Query(p) => last = Some(self.eval_pipeline(p, inner)?),
            }
        }
        last.ok_or_else(|| self.err(span, "function body has no result expression"))
    }

    // ---- expression compilation ----

    /// Compiles a scalar expression against the given input columns.
    pub(crate) fn compile(&self, e: &Expr, cols: &[Column], env: &Env) -> Result<CExpr, KqlError> {
        crate::kql::deep(|| self.compile_here(e, cols, env))
    }

    fn compile_here(&self, e: &Expr, cols: &[Column], env: &Env) -> Result<CExpr, KqlError> {
        let c = match e {
            Expr::Literal(l, _) => CExpr::Const(literal_value(l)),
            Expr::Ident(name, span) => self.resolve_ident(name, *span, cols, env)?,
            Expr::Star(span) => {
                return Err(self.err(*span, "`*` is only valid as an argument of count() or arg_max()"));
            }
            Expr::Member(base, key, span) => {
                if let Expr::Ident(side, _) = base.as_ref()
                    && (side == "$left" || side == "$right")
                {
                    return Err(self.err(*span, "`$left`/`$right` are only valid in a join's `on` clause"));
                }
                CExpr::Member(Box::new(self.compile(base, cols, env)?), Arc::from(key.as_str()))
            }
            Expr::Index(base, idx, _) => CExpr::Index(Box::new(self.compile(base, cols, env)?), Box::new(self.compile(idx, cols, env)?)),
            Expr::Unary(op, inner, _) => CExpr::Unary(*op, Box::new(self.compile(inner, cols, env)?)),
            // `* has "x"`: the operator over every column (…/search-operator).
            Expr::Binary(op, l, r, span) if matches!(l.as_ref(), Expr::Star(_)) => self.any_column(*op, r, *span, cols, env)?,
            Expr::Binary(op, l, r, _) => CExpr::Bin(*op, Box::new(self.compile(l, cols, env)?), Box::new(self.compile(r, cols, env)?)),
            Expr::Between { expr, lo, hi, negated, .. } => CExpr::Between {
                expr: Box::new(self.compile(expr, cols, env)?),
                lo: Box::new(self.compile(lo, cols, env)?),
                hi: Box::new(self.compile(hi, cols, env)?),
                negated: *negated,
            },
            Expr::In { expr, op, list, .. } => self.compile_in(expr, *op, list, cols, env)?,
            Expr::Call { name, args, span } => self.compile_call(name, args, *span, cols, env)?,
            Expr::Tabular(p) => {
                return Err(self.err(p.span, "a tabular expression cannot be used as a scalar; wrap it in toscalar(…)"));
            }
            Expr::NamedArg { name, .. } => {
                return Err(self.err(
                    name.span,
                    format!(
                        "`{} = …` names a parameter: only functions defined with `let` or loaded with --functions take arguments by name",
                        name.text
                    ),
                ));
            }
        };
        // Fold constant sub-expressions once (never `new_guid`, which must vary per row).
        Ok(fold(c))
    }

    fn resolve_ident(&self, name: &str, span: Span, cols: &[Column], env: &Env) -> Result<CExpr, KqlError> {
        if let Some(Binding::Expr(c)) = env.get(name) {
            return Ok(c.clone());
        }
        if let Some(i) = cols.iter().position(|c| c.name == name) {
            return Ok(CExpr::Col(i));
        }
        match env.get(name) {
            Some(Binding::Scalar(v)) => Ok(CExpr::Const(v.clone())),
            Some(Binding::Tabular(_)) => Err(self.err(span, format!("`{name}` is a table; use it with `in (…)` or toscalar(…)"))),
            Some(Binding::Function(_)) => Err(self.err(span, format!("`{name}` is a function; call it as `{name}(…)`"))),
            _ => {
                if self.catalog.contains(name) {
                    return Err(self.err(span, format!("`{name}` is a table, not a column")));
                }
                let mut candidates: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
                candidates.extend(env.names(|b| matches!(b, Binding::Scalar(_))));
                let hint = suggest(name, candidates.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                Err(self.err(span, format!("unknown column or variable `{name}`{hint}")))
            }
        }
    }

    fn compile_in(&self, expr: &Expr, op: InOp, list: &[Expr], cols: &[Column], env: &Env) -> Result<CExpr, KqlError> {
        let target = Box::new(self.compile(expr, cols, env)?);
        let mut items = Vec::new();
        for item in list {
            if self.is_tabular(item, env) {
                // `x in (T)` uses T's first column (…/in-operator).
                let t = self.eval_tabular_expr(item, &mut env.clone())?;
                let vals: Vec<Value> = t.rows.iter().filter_map(|r| r.first().cloned()).collect();
                items.push(CExpr::Const(Value::Array(Arc::new(vals))));
            } else {
                items.push(self.compile(item, cols, env)?);
            }
        }
        let all_const = items.iter().all(CExpr::is_const);
        Ok(match op {
            InOp::HasAny | InOp::HasAll => CExpr::HasAny {
                expr: target,
                items,
                all: op == InOp::HasAll,
            },
            _ => {
                let ci = matches!(op, InOp::InCi | InOp::NotInCi);
                let negated = matches!(op, InOp::NotIn | InOp::NotInCi);
                if all_const {
                    let vals: Vec<Value> = items.iter().map(|c| c.eval(&[])).collect();
                    CExpr::InSet {
                        expr: target,
                        set: build_in_set(&vals, ci),
                        ci,
                        negated,
                    }
                } else {
                    CExpr::InList {
                        expr: target,
                        items,
                        ci,
                        negated,
                    }
                }
            }
        })
    }

    fn compile_call(&self, name: &str, args: &[Expr], span: Span, cols: &[Column], env: &Env) -> Result<CExpr, KqlError> {
        if let Some(Binding::Function(def)) = env.get(name) {
            return self.inline_function(&def.clone(), args, span, cols, env);
        }
        let lower = name.to_ascii_lowercase();
        if let Some(special) = self.compile_builtin_call(&lower, name, args, span, cols, env) {
            return special;
        }
        if let Some(kind) = window::WindowKind::lookup(&lower) {
            return self.window_call(kind, args, span, cols, env);
        }
        // `\0name` is a multi-value function as eval/tuple.rs calls it, to split into columns.
        let (lower, split) = match lower.strip_prefix('\0') {
            Some(inner) => (inner.to_string(), true),
            None => (lower, false),
        };
        // hll_merge and merge_tdigest are also scalar functions (of two or more sketches).
        if aggregate::lookup(&lower).is_some() && functions::lookup(&lower).is_none_or(|f| args.len() < f.min) {
            return Err(self.err(span, format!("aggregate `{name}()` can only be used in summarize or make-series")));
        }
        if !split && let Some(fields) = functions::series::fields(&lower) {
            return Err(self.err(span, tuple::misuse(name, fields)));
        }
        let alias = match lower.as_str() {
            "long" | "int" => "tolong",
            "real" | "double" => "toreal",
            "bool" | "boolean" => "tobool",
            "guid" => "toguid",
            "string" => "tostring",
            other => other,
        };
        let Some(def) = functions::lookup(alias) else {
            return Err(self.unknown_function(name, &lower, alias, span));
        };
        self.check_arity(name, args.len(), (def.min, def.max), span)?;
        let mut cargs = Vec::with_capacity(args.len());
        for a in args {
            cargs.push(self.compile(a, cols, env)?);
        }
        // Option words and bounds written as constants are checked here, where they can be located.
        if let Err((i, msg)) = functions::check_args(alias, &cargs) {
            return Err(self.err(args.get(i).map_or(span, Expr::span), msg));
        }
        if alias == "new_guid" {
            return Ok(CExpr::Call("new_guid", def.f, cargs));
        }
        let static_name: &'static str = functions::all_names().find(|n| *n == alias).unwrap_or("fn");
        Ok(CExpr::Call(static_name, def.f, cargs))
    }

    /// `toscalar`, `column_ifexists`, `now` and `ago`, which compile to something other than a
    /// call: `None` for every other name.
    fn compile_builtin_call(
        &self,
        lower: &str,
        name: &str,
        args: &[Expr],
        span: Span,
        cols: &[Column],
        env: &Env,
    ) -> Option<Result<CExpr, KqlError>> {
        let arity = |min: usize, max: usize| self.check_arity(name, args.len(), (min, max), span);
        let compiled = match lower {
            "toscalar" => arity(1, 1).and_then(|()| {
                if !self.is_tabular(&args[0], env) {
                    // Evaluated once, not per row (…/toscalar-function): it sees no row's columns,
                    // so `toscalar(Key)` in `partition … { … }` is the partition's key.
                    return self.compile(&args[0], &[], env);
                }
                let t = self.eval_tabular_expr(&args[0], &mut env.clone())?;
                Ok(CExpr::Const(t.rows.first().and_then(|r| r.first()).cloned().unwrap_or(Value::Null)))
            }),
            "column_ifexists" | "columnifexists" => arity(2, 2).and_then(|()| {
                let col = self.compile(&args[0], &[], env)?.eval(&[]).to_kql_string();
                match cols.iter().position(|c| *c.name == *col) {
                    Some(i) => Ok(CExpr::Col(i)),
                    None => self.compile(&args[1], cols, env),
                }
            }),
            "now" => arity(0, 1).and_then(|()| {
                let base = CExpr::Const(Value::DateTime(self.now));
                Ok(match args.first() {
                    Some(off) => CExpr::Bin(BinOp::Add, Box::new(base), Box::new(self.compile(off, cols, env)?)),
                    None => base,
                })
            }),
            "ago" => arity(1, 1).and_then(|()| {
                Ok(CExpr::Bin(
                    BinOp::Sub,
                    Box::new(CExpr::Const(Value::DateTime(self.now))),
                    Box::new(self.compile(&args[0], cols, env)?),
                ))
            }),
            _ => return None,
        };
        Some(compiled)
    }

    /// `name` takes between `min` and `max` arguments.
    fn check_arity(&self, name: &str, given: usize, (min, max): (usize, usize), span: Span) -> Result<(), KqlError> {
        if given < min || given > max {
            let want = if min == max { format!("{min}") } else { format!("{min} to {max}") };
            return Err(self.err(span, format!("`{name}` takes {want} arguments, got {given}")));
        }
        Ok(())
    }

    /// The error for a call of no known function: a stored function's own error, "not supported
    /// yet" for a Kusto function tenantless lacks, or the nearest name.
    fn unknown_function(&self, name: &str, lower: &str, alias: &str, span: Span) -> KqlError {
        if let Some(e) = self.broken_function(name, span) {
            return e;
        }
        if functions::series::NOT_YET.contains(&alias) {
            return KqlError::Unsupported(format!("function `{name}()`"));
        }
        let known = functions::all_names().chain(EVALUATOR_FUNCTIONS).chain(window::names());
        match suggest(lower, known) {
            Some(s) if s != lower => self.err(span, format!("unknown function `{name}`; did you mean `{s}`?")),
            _ => KqlError::Unsupported(format!("function `{name}()`")),
        }
    }

    /// Inlines a scalar user function: parameters bind to the caller's compiled arguments.
    fn inline_function(&self, def: &FunctionDef, args: &[Expr], span: Span, cols: &[Column], env: &Env) -> Result<CExpr, KqlError> {
        let bound = self.bind_args(def, args, span)?;
        let mut inner = self.call_env(def, env);
        for (p, arg) in def.params.iter().zip(bound) {
            let b = match p.ty {
                ParamType::Tabular(_) => Binding::Tabular(self.eval_tabular_expr(arg, &mut env.clone())?),
                ParamType::Scalar(_) => Binding::Expr(self.compile(arg, cols, env)?),
            };
            self.bind_let(&mut inner, &p.name, b);
        }
        self.depth.set(self.depth.get() + 1);
        let result = self.in_body(def, || {
            let mut last = None;
            for stmt in &def.body {
                match stmt {
                    Statement::Let {
                        name,
                        value: LetValue::Function(f),
                        ..
                    } => {
                        inner.bind(name, Binding::Function(Arc::new(f.clone())));
                    }
                    Statement::Let {
                        name,
                        value: LetValue::Pipeline(p),
                        ..
                    } => {
                        let b = match (&p.source, p.ops.is_empty()) {
                            (Source::Expr(e), true) if !self.is_tabular(e, &inner) => Binding::Expr(self.compile(e, cols, &inner)?),
                            _ => Binding::Tabular(self.eval_pipeline(p, &mut inner.clone())?),
                        };
                        self.bind_let(&mut inner, name, b);
                    }
                    Statement::Query(p) => last = Some(p),
                }
            }
            match last {
                Some(Pipeline {
                    source: Source::Expr(e),
                    ops,
                    ..
                }) if ops.is_empty() && !self.is_tabular(e, &inner) => self.compile(e, cols, &inner),
                Some(_) => Err(self.err(span, "a tabular function cannot be used as a scalar")),
                None => Err(self.err(span, "function body has no result expression")),
            }
        });
        self.depth.set(self.depth.get() - 1);
        result
    }
}

/// Evaluates constant sub-expressions at compile time.
fn fold(c: CExpr) -> CExpr {
    let foldable = match &c {
        CExpr::Member(b, _) => b.is_const(),
        CExpr::Index(b, i) => b.is_const() && i.is_const(),
        CExpr::Unary(_, e) => e.is_const(),
        CExpr::Bin(_, l, r) => l.is_const() && r.is_const(),
        CExpr::Call(name, _, args) => *name != "new_guid" && args.iter().all(CExpr::is_const),
        _ => false,
    };
    if foldable { CExpr::Const(c.eval(&[])) } else { c }
}

/// The runtime value of a literal.
pub(crate) fn literal_value(l: &Literal) -> Value {
    match l {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Long(v) => Value::Long(*v),
        Literal::Real(v) => Value::Real(*v),
        Literal::String(s) => Value::str(s),
        Literal::DateTime(t) => t.map(Value::DateTime).unwrap_or(Value::Null),
        Literal::TimeSpan(t) => t.map(Value::TimeSpan).unwrap_or(Value::Null),
        Literal::Dynamic(j) => Value::from_json(j),
        Literal::Type(t) => Value::str(t.name()),
    }
}

/// The estimated size of an operator's result when the operator did not measure it (sort, take,
/// project-away, …): its input's estimate in proportion to the rows kept, and at least the
/// result's own row structure.
fn carried_bytes(in_bytes: usize, in_rows: usize, out: &Table) -> usize {
    let structure = budget::rows_bytes(out.rows.len(), out.columns.len());
    let kept = if in_rows == 0 {
        0
    } else {
        (in_bytes as u128 * out.rows.len() as u128 / in_rows as u128).min(usize::MAX as u128) as usize
    };
    structure.max(kept)
}

/// A short operator name for messages.
pub(crate) fn op_name(op: &Operator) -> &'static str {
    match op {
        Operator::Where(_) => "where",
        Operator::Extend(_) => "extend",
        Operator::Project(_) => "project",
        Operator::ProjectAway(_) => "project-away",
        Operator::ProjectKeep(_) => "project-keep",
        Operator::ProjectRename(_) => "project-rename",
        Operator::ProjectReorder(_) => "project-reorder",
        Operator::Summarize { .. } => "summarize",
        Operator::Join(_) => "join",
        Operator::Lookup(_) => "lookup",
        Operator::Union(_) => "union",
        Operator::MvExpand(_) => "mv-expand",
        Operator::MvApply { .. } => "mv-apply",
        Operator::Parse { .. } => "parse",
        Operator::Distinct(_) => "distinct",
        Operator::Sort(_) => "sort",
        Operator::Top { .. } => "top",
        Operator::Take(_) => "take",
        Operator::Count => "count",
        Operator::As { .. } => "as",
        Operator::Serialize(_) => "serialize",
        Operator::GetSchema => "getschema",
        Operator::Scan(_) => "scan",
        Operator::Evaluate(spec) => spec.plugin.op_name(),
        Operator::Search(_) => "search",
        Operator::Invoke { .. } => "invoke",
        Operator::Facet(_) => "facet",
        Operator::TopNested(_) => "top-nested",
        Operator::Partition(_) => "partition",
        Operator::Fork(_) => "fork",
        Operator::Sample(_) => "sample",
        Operator::SampleDistinct { .. } => "sample-distinct",
        Operator::TopHitters { .. } => "top-hitters",
        Operator::ParseWhere { .. } => "parse-where",
        Operator::ParseKv(_) => "parse-kv",
        Operator::Render(_) => "render",
        Operator::MakeSeries(_) => "make-series",
    }
}

/// Whether a function may be called by its bare name: every parameter has a default (ASIM
/// parsers are used as `imAuthentication | …`).
fn callable_bare(def: &FunctionDef) -> bool {
    def.params.iter().all(|p| p.default.is_some())
}
