//! `find` and `search` (…/find-operator, …/search-operator): a predicate over several tables —
//! every table of the catalog, or those listed as `union` lists them — and `* has "x"`, an
//! operator applied to every column.
//!
//! A table without a column the predicate names reads it as null (the docs: each table is
//! filtered "with the predicate" over the columns it has), so `a == 1 or b == 2` matches the
//! rows of a table with only `b` whose `b` is 2.

use std::collections::HashSet;
use std::sync::Arc;

use super::super::ast::*;
use super::super::budget::{self, fresh_bytes};
use super::super::error::{KqlError, Span};
use super::super::table::{Column, Table};
use super::super::value::{KqlType, Value, convert};
use super::expr::CExpr;
use super::meter::Meter;
use super::ops::{glob, null_of};
use super::{Binding, Env, Evaluator};

/// One searched table: the name its rows are labelled with, and the table.
type Input = (String, Arc<Table>);

/// The name a pipeline's rows are labelled with in `source_`, `$table` and union's
/// `withsource=`: its last `as` name (…/as-operator#notes), else its source as written.
pub(super) fn label_of(p: &Pipeline) -> String {
    last_as(&p.ops).unwrap_or_else(|| p.source.to_string())
}

/// The last `as` name among `ops`.
fn last_as(ops: &[Operator]) -> Option<String> {
    ops.iter().rev().find_map(|op| match op {
        Operator::As { name, .. } => Some(name.clone()),
        _ => None,
    })
}

/// The label of the piped input of the operator at `index` (`search`, `union`): the last `as`
/// before it, else the table the pipeline reads, else none.
pub(super) fn piped_label(p: &Pipeline, index: usize) -> String {
    last_as(&p.ops[..index]).unwrap_or_else(|| match &p.source {
        Source::Expr(Expr::Ident(name, _)) => name.clone(),
        _ => String::new(),
    })
}

/// Every name `e` refers to outside sub-queries (columns, and `let`s the caller sorts out).
fn names_in(e: &Expr, out: &mut HashSet<String>) {
    match e {
        Expr::Ident(n, _) => {
            out.insert(n.clone());
        }
        Expr::Member(b, _, _) | Expr::Unary(_, b, _) | Expr::NamedArg { value: b, .. } => names_in(b, out),
        Expr::Index(b, i, _) | Expr::Binary(_, b, i, _) => {
            names_in(b, out);
            names_in(i, out);
        }
        Expr::Call { args, .. } => args.iter().for_each(|a| names_in(a, out)),
        Expr::Between { expr, lo, hi, .. } => [expr, lo, hi].iter().for_each(|x| names_in(x, out)),
        Expr::In { expr, list, .. } => {
            names_in(expr, out);
            list.iter().for_each(|x| names_in(x, out));
        }
        Expr::Literal(..) | Expr::Star(_) | Expr::Tabular(_) => {}
    }
}

/// One output column of `find`: its name and type, and the source column name it reads.
struct OutColumn {
    name: String,
    ty: KqlType,
    reads: String,
    /// `project Name:type` converts; project-smart keeps the type a table has.
    convert: bool,
}

impl Evaluator<'_> {
    /// `* op rhs`: true when the operator holds for some column (…/search-operator: `where * has`).
    pub(super) fn any_column(&self, op: BinOp, rhs: &Expr, span: Span, cols: &[Column], env: &Env) -> Result<CExpr, KqlError> {
        if !matches!(op, BinOp::Str(_, false)) {
            return Err(self.err(
                span,
                "`*` as an operand only takes a string operator that is not negated (`* has \"x\"`)",
            ));
        }
        let rhs = self.compile(rhs, cols, env)?;
        let tests: Vec<CExpr> = (0..cols.len())
            .map(|i| CExpr::Bin(op, Box::new(CExpr::Col(i)), Box::new(rhs.clone())))
            .collect();
        Ok(balanced_or(tests))
    }

    /// The predicate compiled over `cols`, names of the predicate no column or binding has read
    /// as null columns.
    fn compile_over(&self, predicate: &Expr, cols: &[Column], env: &Env) -> Result<CExpr, KqlError> {
        let mut names = HashSet::new();
        names_in(predicate, &mut names);
        let mut virtual_cols = cols.to_vec();
        let mut missing: Vec<&String> = names
            .iter()
            .filter(|n| !cols.iter().any(|c| &c.name == *n) && env.get(n).is_none() && !self.catalog.contains(n))
            .collect();
        missing.sort();
        virtual_cols.extend(missing.into_iter().map(|n| Column::new(n.clone(), KqlType::Dynamic)));
        // Columns past the row's end evaluate to null (`CExpr::Col`).
        self.compile(predicate, &virtual_cols, env)
    }

    /// The searched tables: every table of the catalog and `view` function (…/find-operator#notes),
    /// or the listed ones.
    fn search_inputs(&self, tables: &Option<Vec<Pipeline>>, span: Span, env: &mut Env) -> Result<Vec<Input>, KqlError> {
        let Some(tables) = tables else {
            let mut inputs = Vec::new();
            for name in self.catalog.names() {
                if let Some(table) = self.catalog.get(name) {
                    inputs.push((name.to_owned(), table?));
                }
            }
            let views: Vec<(String, Arc<FunctionDef>)> = env
                .vars
                .iter()
                .filter_map(|(n, b)| match b {
                    Binding::Function(def) if def.view && def.params.is_empty() => Some((n.clone(), def.clone())),
                    _ => None,
                })
                .collect();
            for (name, def) in views {
                inputs.push((name, self.call_tabular(&def, &[], span, env)?));
            }
            return Ok(inputs);
        };
        let mut inputs = Vec::new();
        let mut meter = Meter::new(self);
        let outer = self.held.get();
        let mut held = 0usize;
        for p in tables {
            if let (Source::TableGlob(pattern), true) = (&p.source, p.ops.is_empty()) {
                let matching = self.catalog.names().filter(|n| glob(&pattern.text, n));
                for name in matching {
                    if let Some(table) = self.catalog.get(name) {
                        inputs.push((name.to_owned(), table?));
                    }
                }
                continue;
            }
            // Inputs evaluated so far are held while the later ones are evaluated.
            self.held.set(outer.saturating_add(held));
            let result = self.eval_pipeline(p, &mut env.clone());
            self.held.set(outer);
            let t = result?;
            let bytes = self.last_bytes.take().unwrap_or(0);
            held = held.saturating_add(bytes);
            meter.hold(bytes)?;
            inputs.push((label_of(p), t));
        }
        Ok(inputs)
    }

    /// `search`: the matching rows of every input, their columns united as `union` unites them,
    /// after a leading `$table` string column (…/search-operator#remarks).
    pub(super) fn search(&self, piped: Option<Arc<Table>>, spec: &SearchSpec, span: Span, env: &mut Env) -> Result<Arc<Table>, KqlError> {
        let inputs = match piped {
            Some(t) => vec![(self.piped_label.take().unwrap_or_default(), t)],
            None => self.search_inputs(&spec.tables, span, env)?,
        };
        let mut columns = vec![Column::new("$table", KqlType::String)];
        for (_, t) in &inputs {
            // A piped input's own `$table` gives way to this search's.
            for c in t.columns.iter().filter(|c| c.name != "$table") {
                if !columns.iter().any(|x| x.name == c.name) {
                    columns.push(c.clone());
                }
            }
        }
        let mut meter = Meter::new(self);
        let mut rows = Vec::new();
        for (label, t) in &inputs {
            let predicate = self.compile_over(&spec.predicate, &t.columns, env)?;
            let label = Value::str(label);
            let map: Vec<Option<usize>> = columns[1..].iter().map(|c| t.column_index(&c.name)).collect();
            for r in &t.rows {
                meter.tick()?;
                if !predicate.eval(r).is_true() {
                    continue;
                }
                meter.row(columns.len())?;
                let mut row = Vec::with_capacity(columns.len());
                row.push(label.clone());
                row.extend(
                    map.iter()
                        .zip(&columns[1..])
                        .map(|(m, c)| m.map_or_else(|| null_of(c.ty), |i| r[i].clone())),
                );
                rows.push(row);
                self.check_limit(rows.len(), "`search`")?;
            }
        }
        meter.finish();
        Ok(Arc::new(Table { columns, rows }))
    }

    /// `find`: the matching rows of the tables that have a column the predicate names, shaped
    /// by `project` or `project-smart` (…/find-operator#output-schema).
    pub(super) fn find(&self, spec: &FindSpec, span: Span, env: &mut Env) -> Result<Arc<Table>, KqlError> {
        let inputs = self.search_inputs(&spec.tables, span, env)?;
        let mut names = HashSet::new();
        names_in(&spec.predicate, &mut names);
        let named: HashSet<&str> = names
            .iter()
            .map(String::as_str)
            .filter(|n| inputs.iter().any(|(_, t)| t.column_index(n).is_some()))
            .collect();
        // "Source tables that don't contain any column used by the predicate … are filtered out."
        let inputs: Vec<Input> = inputs
            .into_iter()
            .filter(|(_, t)| named.is_empty() || named.iter().any(|n| t.column_index(n).is_some()))
            .collect();
        let (out_cols, pack) = match &spec.projection {
            FindProjection::Smart { .. } => smart_columns(&inputs, &named),
            FindProjection::Columns { columns, pack_all } => (self.listed_columns(&inputs, columns)?, *pack_all),
        };
        let source = spec.with_source.clone().unwrap_or_else(|| "source_".to_owned());
        let mut columns = vec![Column::new(source, KqlType::String)];
        columns.extend(out_cols.iter().map(|c| Column::new(c.name.clone(), c.ty)));
        if pack {
            columns.push(Column::new("pack_", KqlType::Dynamic));
        }
        let rows = self.find_rows(&inputs, &spec.predicate, &out_cols, pack, env)?;
        Ok(Arc::new(Table { columns, rows }))
    }

    /// `project C[:type], …`: the listed columns, typed as written or as the first table having
    /// them types them.
    fn listed_columns(&self, inputs: &[Input], listed: &[(Name, Option<KqlType>)]) -> Result<Vec<OutColumn>, KqlError> {
        let mut out = Vec::new();
        for (name, ty) in listed {
            let found = inputs
                .iter()
                .find_map(|(_, t)| t.columns.iter().find(|c| c.name == name.text).map(|c| c.ty));
            let Some(t) = ty.or(found) else {
                return Err(self.err(
                    name.span,
                    format!("no searched table has a column `{name}`; give its type (`{name}:string`) to project it as null"),
                ));
            };
            out.push(OutColumn {
                name: name.text.clone(),
                ty: t,
                reads: name.text.clone(),
                convert: ty.is_some(),
            });
        }
        Ok(out)
    }

    /// The result rows of `find`: per table, the rows the predicate keeps, their other columns
    /// packed into `pack_` (nulls and empty strings left out, as a sparse bag).
    fn find_rows(
        &self,
        inputs: &[Input],
        predicate: &Expr,
        out_cols: &[OutColumn],
        pack: bool,
        env: &Env,
    ) -> Result<Vec<Vec<Value>>, KqlError> {
        let width = out_cols.len() + 1 + usize::from(pack);
        let mut meter = Meter::new(self);
        let mut rows = Vec::new();
        for (label, t) in inputs {
            let test = self.compile_over(predicate, &t.columns, env)?;
            let label = Value::str(label);
            // A column is read only from a table whose column has the output column's type.
            let map: Vec<Option<usize>> = out_cols
                .iter()
                .map(|c| t.columns.iter().position(|x| x.name == c.reads && (c.convert || x.ty == c.ty)))
                .collect();
            let rest: Vec<usize> = (0..t.columns.len()).filter(|i| !map.contains(&Some(*i))).collect();
            for r in &t.rows {
                meter.tick()?;
                if !test.eval(r).is_true() {
                    continue;
                }
                let mut row = Vec::with_capacity(width);
                row.push(label.clone());
                for (m, c) in map.iter().zip(out_cols) {
                    row.push(match m {
                        Some(i) if c.convert => convert(&r[*i], c.ty),
                        Some(i) => r[*i].clone(),
                        None => null_of(c.ty),
                    });
                }
                let mut bytes = budget::rows_bytes(1, width);
                if pack {
                    let bag: Vec<(Arc<str>, Value)> = rest
                        .iter()
                        .filter(|&&i| !r[i].is_null() && !matches!(&r[i], Value::String(s) if s.is_empty()))
                        .map(|&i| (Arc::from(t.columns[i].name.as_str()), r[i].clone()))
                        .collect();
                    let value = Value::Bag(Arc::new(bag));
                    bytes += fresh_bytes(&value);
                    row.push(value);
                }
                meter.charge(bytes)?;
                rows.push(row);
                self.check_limit(rows.len(), "`find`")?;
            }
        }
        meter.finish();
        Ok(rows)
    }
}

/// `project-smart`: the columns the predicate names and those every table has, in `union`
/// order; a column of several types is one column per type, named `Name_type`. The second value
/// says whether some table has columns left for `pack_`.
fn smart_columns(inputs: &[Input], named: &HashSet<&str>) -> (Vec<OutColumn>, bool) {
    let mut united: Vec<(String, KqlType)> = Vec::new();
    for (_, t) in inputs {
        for c in &t.columns {
            if !united.iter().any(|(n, ty)| *n == c.name && *ty == c.ty) {
                united.push((c.name.clone(), c.ty));
            }
        }
    }
    let in_every = |name: &str| inputs.iter().all(|(_, t)| t.column_index(name).is_some());
    let kept: Vec<&(String, KqlType)> = united.iter().filter(|(n, _)| named.contains(n.as_str()) || in_every(n)).collect();
    let out: Vec<OutColumn> = kept
        .iter()
        .map(|(n, ty)| {
            let typed = united.iter().filter(|(m, _)| m == n).count() > 1;
            OutColumn {
                name: if typed { format!("{n}_{}", ty.name()) } else { n.clone() },
                ty: *ty,
                reads: n.clone(),
                convert: false,
            }
        })
        .collect();
    let pack = kept.len() < united.len();
    (out, pack)
}

/// `a or b or …` as a balanced tree, so hundreds of columns nest only a few levels deep.
fn balanced_or(mut tests: Vec<CExpr>) -> CExpr {
    match tests.len() {
        0 => CExpr::Const(Value::Bool(false)),
        1 => tests.remove(0),
        n => {
            let right = tests.split_off(n / 2);
            CExpr::Bin(BinOp::Or, Box::new(balanced_or(tests)), Box::new(balanced_or(right)))
        }
    }
}
