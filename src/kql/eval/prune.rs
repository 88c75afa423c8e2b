//! Column pruning: when a pipeline narrows its columns (`project`, `summarize`, `distinct`, `count`)
//! before doing anything that could see every column, only the columns it names are copied out of
//! the source table. Wide tables (46 columns for sign-ins) otherwise dominate the cost of `where`.

use std::collections::HashSet;
use std::sync::Arc;

use super::super::ast::*;
use super::super::table::{Column, Table};
use super::super::value::Value;
use super::{Binding, Env};

/// Tells user functions (whose bodies may read any column) from built-in ones.
pub(crate) trait UserFunctions {
    fn is_user_function(&self, name: &str) -> bool;
}

impl UserFunctions for Env {
    fn is_user_function(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Binding::Function(_)))
    }
}

/// Collects identifiers an expression may read; false when it could read columns by other means
/// (`column_ifexists`, `*`, user functions whose bodies name columns).
pub(super) fn idents(e: &Expr, env: &dyn UserFunctions, out: &mut HashSet<String>) -> bool {
    match e {
        Expr::Literal(..) => true,
        Expr::Ident(n, _) => {
            out.insert(n.clone());
            true
        }
        Expr::Star(_) => false,
        Expr::Member(b, _, _) => idents(b, env, out),
        Expr::Index(b, i, _) => idents(b, env, out) && idents(i, env, out),
        Expr::Call { name, args, .. } => match name.as_str() {
            // A column named by a literal reads that column when it exists (…/column-ifexists-function).
            "column_ifexists" | "columnifexists" => match args.as_slice() {
                [Expr::Literal(Literal::String(column), _), default] => {
                    out.insert(column.clone());
                    idents(default, env, out)
                }
                _ => false,
            },
            "pack_all" | "bag_pack_columns" => false,
            _ if env.is_user_function(name) => false,
            _ => args.iter().all(|a| idents(a, env, out)),
        },
        Expr::Unary(_, x, _) | Expr::NamedArg { value: x, .. } => idents(x, env, out),
        Expr::Binary(_, l, r, _) => idents(l, env, out) && idents(r, env, out),
        Expr::Between { expr, lo, hi, .. } => idents(expr, env, out) && idents(lo, env, out) && idents(hi, env, out),
        Expr::In { expr, list, .. } => idents(expr, env, out) && list.iter().all(|x| idents(x, env, out)),
        // A sub-query's names belong to its own source; collecting them only over-approximates.
        Expr::Tabular(p) => pipeline_idents(p, env, out),
    }
}

fn pipeline_idents(p: &Pipeline, env: &dyn UserFunctions, out: &mut HashSet<String>) -> bool {
    if let Source::Expr(e) = &p.source
        && !idents(e, env, out)
    {
        return false;
    }
    p.ops.iter().all(|op| op_idents(op, env, out).is_some())
}

/// Names an operator reads. `Some(true)` means it narrows the columns (later ops cannot see the
/// rest), `Some(false)` that it passes them on, `None` that it may read any column.
pub(super) fn op_idents(op: &Operator, env: &dyn UserFunctions, out: &mut HashSet<String>) -> Option<bool> {
    let all = |items: &[NamedExpr], out: &mut HashSet<String>| items.iter().all(|i| idents(&i.expr, env, out));
    let ok = |b: bool, narrows: bool| if b { Some(narrows) } else { None };
    match op {
        Operator::Where(e) | Operator::Take(e) => ok(idents(e, env, out), false),
        Operator::Extend(items) | Operator::Serialize(items) => ok(all(items, out), false),
        Operator::Project(items) => ok(all(items, out), true),
        Operator::Summarize { aggs, by } => ok(all(aggs, out) && all(by, out), true),
        Operator::Distinct(items) if !items.is_empty() => ok(all(items, out), true),
        Operator::Count => Some(true),
        Operator::Sort(keys) => ok(keys.iter().all(|k| idents(&k.expr, env, out)), false),
        Operator::Top { count, key } => ok(idents(count, env, out) && idents(&key.expr, env, out), false),
        Operator::ProjectRename(pairs) => {
            out.extend(pairs.iter().map(|(_, old)| old.text.clone()));
            Some(false)
        }
        Operator::Join(spec) | Operator::Lookup(spec) => {
            out.extend(spec.on.iter().map(|cond| match cond {
                JoinCond::Column(name) | JoinCond::Eq { left: name, .. } => name.text.clone(),
            }));
            // The left columns pass on, but for the kinds that return only the right ones (a right
            // column's name may still change: see [`renames_right_columns`]).
            Some(matches!(spec.kind, Some(JoinKind::RightSemi | JoinKind::RightAnti)))
        }
        Operator::MvExpand(spec) => ok(expanded_idents(spec, env, out), false),
        // The sub-query runs over each row's expansion with every column of the row, and the
        // columns it does not return are re-attached: what it names is what it reads, unless a
        // join inside it could rename right columns after the row's.
        Operator::MvApply { expand, body } => {
            let body_ok = body
                .iter()
                .all(|op| !renames_right_columns(op) && op_idents(op, env, out).is_some());
            ok(expanded_idents(expand, env, out) && body_ok, false)
        }
        Operator::Parse { expr, .. } | Operator::ParseWhere { expr, .. } => ok(idents(expr, env, out), false),
        Operator::ParseKv(spec) => ok(idents(&spec.expr, env, out), false),
        Operator::Sample(n) => ok(idents(n, env, out), false),
        // `render` passes rows through; the columns it names must stay.
        Operator::Render(spec) => {
            for (_, v) in &spec.properties {
                if let RenderValue::Columns(names) = v {
                    out.extend(names.iter().map(|n| n.text.clone()));
                }
            }
            Some(false)
        }
        Operator::SampleDistinct { count, column } => {
            out.insert(column.text.clone());
            ok(idents(count, env, out), true)
        }
        Operator::TopHitters { count, expr, by } => {
            let by_ok = by.as_ref().is_none_or(|b| idents(b, env, out));
            ok(idents(count, env, out) && idents(expr, env, out) && by_ok, true)
        }
        Operator::TopNested(levels) => {
            let all_ok = levels.iter().all(|l| {
                let count_ok = l.count.as_ref().is_none_or(|c| idents(c, env, out));
                let others_ok = l.others.as_ref().is_none_or(|o| idents(o, env, out));
                count_ok && others_ok && idents(&l.expr.expr, env, out) && idents(&l.aggregation.expr, env, out)
            });
            ok(all_ok, true)
        }
        // A pivot that lists its grouping columns reads and returns only the columns it names;
        // every other plugin may read, or pass on, any column.
        Operator::Evaluate(e) => match &e.plugin {
            Plugin::Pivot(p) if !p.columns.is_empty() => {
                out.insert(p.column.text.clone());
                out.extend(p.columns.iter().map(|c| c.text.clone()));
                ok(p.aggregation.as_ref().is_none_or(|a| idents(a, env, out)), true)
            }
            _ => None,
        },
        Operator::MakeSeries(spec) => {
            let range = match &spec.range {
                SeriesRange::Step { from, to, step } => vec![from.as_ref(), to.as_ref(), Some(step)],
                SeriesRange::InRange { start, stop, step } => vec![Some(start), Some(stop), Some(step)],
            };
            let exprs = spec.aggs.iter().flat_map(|a| [Some(&a.agg.expr), a.default.as_ref()]);
            let mut exprs = exprs.chain(range).chain([Some(&spec.axis)]).flatten();
            ok(exprs.all(|e| idents(e, env, out)) && all(&spec.by, out), true)
        }
        _ => None,
    }
}

/// Names the expanded items (and `limit`) of `mv-expand` or `mv-apply` read.
fn expanded_idents(spec: &MvExpandSpec, env: &dyn UserFunctions, out: &mut HashSet<String>) -> bool {
    let limit_ok = spec.limit.as_ref().is_none_or(|l| idents(l, env, out));
    spec.items.iter().all(|i| idents(&i.expr, env, out)) && limit_ok
}

/// The names `ops` can read of their input, when one of them narrows the columns before any could
/// read every column; `None` otherwise.
pub(super) fn reads<'o>(ops: impl IntoIterator<Item = &'o Operator>, env: &dyn UserFunctions) -> Option<HashSet<String>> {
    let mut names = HashSet::new();
    let mut renamed = false;
    for op in ops {
        renamed |= renames_right_columns(op);
        if op_idents(op, env, &mut names)? {
            return (!(renamed && names.iter().any(|n| may_be_renamed(n)))).then_some(names);
        }
    }
    None
}

/// The names `ops` read when every one of them passes its input's columns on and reads only what
/// it names, so that what reads their output (`then`: the names it reads) decides the rest;
/// `None` otherwise.
pub(super) fn passed_on_reads<'o>(
    ops: impl IntoIterator<Item = &'o Operator> + Clone,
    env: &dyn UserFunctions,
    then: &HashSet<String>,
) -> Option<HashSet<String>> {
    let mut names = HashSet::new();
    for op in ops.clone() {
        if op_idents(op, env, &mut names)? {
            return None;
        }
    }
    if ops.into_iter().any(renames_right_columns) && names.iter().chain(then).any(|n| may_be_renamed(n)) {
        return None;
    }
    Some(names)
}

/// Whether `op` joins in right-side columns, which it renames `X1`, `X2`, … when the left has an
/// `X`: then which left columns are there decides the names of the right ones.
pub(super) fn renames_right_columns(op: &Operator) -> bool {
    match op {
        Operator::Join(spec) => !matches!(
            spec.kind,
            Some(JoinKind::LeftSemi | JoinKind::LeftAnti | JoinKind::RightSemi | JoinKind::RightAnti)
        ),
        Operator::Lookup(_) => true,
        _ => false,
    }
}

/// Whether a name read after a join could be a renamed right column (`Caller1`): dropping an
/// unread left column could hand its name to a right one, so such a read keeps every column.
pub(super) fn may_be_renamed(name: &str) -> bool {
    name.ends_with(|c: char| c.is_ascii_digit())
}

/// The places of the source table's columns the pipeline can read, when that is knowable and
/// actually fewer than all. `then`: the columns (lower-cased) whatever reads the pipeline's result
/// can read, when known (the uses of a `let`): a pipeline that does not narrow itself is narrowed
/// to what its own operators and `then` read.
pub(super) fn kept_columns(p: &Pipeline, columns: &[Column], env: &Env, then: Option<&HashSet<String>>) -> Option<Vec<usize>> {
    let (names, then) = match reads(&p.ops, env) {
        Some(names) => (names, None),
        None => {
            let then = then?;
            (passed_on_reads(&p.ops, env, then)?, Some(then))
        }
    };
    let read = |name: &str| names.contains(name) || then.is_some_and(|t| t.contains(&name.to_ascii_lowercase()));
    let keep: Vec<usize> = (0..columns.len()).filter(|&i| read(&columns[i].name)).collect();
    (keep.len() < columns.len()).then_some(keep)
}

/// The columns at `keep` of a table.
pub(super) fn select_columns((columns, rows): (&[Column], &[Vec<Value>]), keep: &[usize]) -> Arc<Table> {
    Arc::new(Table {
        columns: pick(columns, keep),
        rows: rows.iter().map(|r| pick(r, keep)).collect(),
    })
}

/// The items at `keep` (a row's cells, a table's columns).
pub(super) fn pick<T: Clone>(items: &[T], keep: &[usize]) -> Vec<T> {
    keep.iter().map(|&i| items[i].clone()).collect()
}

/// The source table reduced to the columns the pipeline can read (see [`kept_columns`]).
pub(super) fn narrow(
    p: &Pipeline,
    (columns, rows): (&[Column], &[Vec<Value>]),
    env: &Env,
    then: Option<&HashSet<String>>,
) -> Option<Arc<Table>> {
    let keep = kept_columns(p, columns, env, then)?;
    Some(select_columns((columns, rows), &keep))
}
