//! `top-nested` (…/top-nested-operator) and `top-hitters` (…/top-hitters-operator), built on
//! `summarize` so that aggregations, names and types are summarize's.
//!
//! top-nested: each clause groups the rows the clauses before it kept by their values and its own
//! expression, keeps the `N` values with the largest (or, `asc`, smallest) aggregation per
//! parent, and `with others = V` adds, per parent, a row valued `V` aggregating the rows left
//! out (its deeper clauses' columns are null). Rows come out depth first: a parent's children
//! in rank order, then its others row.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::super::ast::*;
use super::super::budget::{self, fresh_bytes};
use super::super::error::{KqlError, Span};
use super::super::table::{Column, Table};
use super::super::value::{Value, convert, sort_order};
use super::meter::Meter;
use super::ops::derive_name;
use super::{Env, Evaluator};

/// Per parent (the values of the clauses before), the kept `(value, aggregation)` pairs in rank order.
type Ranked = HashMap<Vec<Value>, Vec<(Value, Value)>>;

/// What one clause produced.
struct Level {
    ranked: Ranked,
    /// Per parent, the aggregation of the rows left out (`with others`).
    others: HashMap<Vec<Value>, Value>,
    /// `with others`'s value.
    others_value: Value,
}

/// `Name = Expr`'s name, else the expression's (`bin(T, 1h)` is `T`), else `Column<n>`.
fn clause_name(e: &NamedExpr, n: usize) -> String {
    e.name
        .clone()
        .or_else(|| derive_name(&e.expr))
        .unwrap_or_else(|| format!("Column{n}"))
}

/// `name = expr`.
fn named(name: &str, expr: Expr) -> NamedExpr {
    NamedExpr {
        name: Some(name.to_owned()),
        expr,
        names: Vec::new(),
    }
}

/// Largest first (`desc`, the default) or smallest first; nulls last either way.
fn rank(a: &Value, b: &Value, order: Option<SortOrder>) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ if order == Some(SortOrder::Asc) => sort_order(a, b),
        _ => sort_order(b, a),
    }
}

impl Evaluator<'_> {
    /// A constant count (`N`), at least 0.
    fn count_of(&self, e: &Expr, env: &Env) -> Result<usize, KqlError> {
        Ok(self.const_long(e, env)?.max(0) as usize)
    }

    pub(super) fn top_nested(&self, t: &Arc<Table>, levels: &[TopNestedLevel], env: &Env) -> Result<Table, KqlError> {
        let mut names: Vec<(String, String)> = Vec::new();
        for (i, l) in levels.iter().enumerate() {
            let key = clause_name(&l.expr, i + 1);
            let agg = l.aggregation.name.clone().unwrap_or_else(|| format!("aggregated_{key}"));
            for n in [&key, &agg] {
                if names.iter().any(|(k, a)| k == n || a == n) {
                    let message = format!("top-nested names two columns `{n}`; name one (`Name = …`)");
                    return Err(self.err(l.expr.expr.span(), message));
                }
            }
            names.push((key, agg));
        }
        let mut meter = Meter::new(self);
        // Each row's values of every clause, computed once.
        let keys = levels
            .iter()
            .map(|l| self.compile(&l.expr.expr, &t.columns, env))
            .collect::<Result<Vec<_>, _>>()?;
        let mut row_keys = Vec::with_capacity(t.rows.len());
        for r in &t.rows {
            let k: Vec<Value> = keys.iter().map(|c| c.eval(r)).collect();
            meter.charge(budget::rows_bytes(1, k.len()) + k.iter().map(fresh_bytes).sum::<usize>())?;
            row_keys.push(k);
        }
        let ctx = Clauses {
            t,
            levels,
            row_keys: &row_keys,
        };
        let mut survivors: Vec<usize> = (0..t.rows.len()).collect();
        let mut done = Vec::new();
        let mut columns = Vec::new();
        for i in 0..levels.len() {
            let (result, kept) = self.nested_level(&ctx, i, &survivors, env)?;
            columns.push(Column::new(names[i].0.clone(), result.key_type));
            columns.push(Column::new(names[i].1.clone(), result.agg_type));
            survivors.retain(|&r| kept.contains(&row_keys[r][..=i]));
            done.push(result.level);
        }
        let mut rows = Vec::new();
        emit(&done, 0, &mut Vec::new(), &mut Vec::new(), &mut rows);
        self.check_limit(rows.len(), "`top-nested`")?;
        for r in &rows {
            meter.row(r.len())?;
        }
        meter.finish();
        Ok(Table { columns, rows })
    }

    /// Clause `i` over the surviving rows: its ranked values per parent, and the full value
    /// paths kept.
    fn nested_level(
        &self,
        ctx: &Clauses<'_>,
        i: usize,
        survivors: &[usize],
        env: &Env,
    ) -> Result<(LevelResult, HashSet<Vec<Value>>), KqlError> {
        let level = &ctx.levels[i];
        let subset = |pick: &dyn Fn(usize) -> bool| {
            Arc::new(Table {
                columns: ctx.t.columns.clone(),
                rows: survivors.iter().filter(|&&r| pick(r)).map(|&r| ctx.t.rows[r].clone()).collect(),
            })
        };
        let grouped = self.aggregate_by(ctx, subset(&|_| true), i, i + 1, env)?;
        let (key_type, agg_type) = (grouped.columns[i].ty, grouped.columns[i + 1].ty);
        let limit = match &level.count {
            Some(n) => self.count_of(n, env)?,
            None => usize::MAX,
        };
        let mut ranked: Ranked = HashMap::new();
        for mut row in Arc::unwrap_or_clone(grouped).rows {
            let agg = row.pop().unwrap_or(Value::Null);
            let key = row.pop().unwrap_or(Value::Null);
            ranked.entry(row).or_default().push((key, agg));
        }
        let mut kept = HashSet::new();
        for (parent, values) in ranked.iter_mut() {
            values.sort_by(|a, b| rank(&a.1, &b.1, level.order));
            values.truncate(limit);
            kept.extend(values.iter().map(|(k, _)| {
                let mut path = parent.clone();
                path.push(k.clone());
                path
            }));
        }
        let mut others = HashMap::new();
        let mut others_value = Value::Null;
        if let Some(v) = &level.others {
            others_value = self.others_value(v, key_type, env)?;
            let rest = subset(&|r| !kept.contains(&ctx.row_keys[r][..=i]));
            if !rest.rows.is_empty() {
                for mut row in Arc::unwrap_or_clone(self.aggregate_by(ctx, rest, i, i, env)?).rows {
                    let agg = row.pop().unwrap_or(Value::Null);
                    others.insert(row, agg);
                }
            }
        }
        let level = Level {
            ranked,
            others,
            others_value,
        };
        Ok((LevelResult { level, key_type, agg_type }, kept))
    }

    /// `summarize __agg = <clause agg's aggregation> by <the first `keys` clauses' expressions>`.
    fn aggregate_by(&self, ctx: &Clauses<'_>, t: Arc<Table>, agg: usize, keys: usize, env: &Env) -> Result<Arc<Table>, KqlError> {
        let by = ctx.levels[..keys]
            .iter()
            .enumerate()
            .map(|(j, l)| named(&format!("__key{j}"), l.expr.expr.clone()))
            .collect();
        let op = Operator::Summarize {
            aggs: vec![named("__agg", ctx.levels[agg].aggregation.expr.clone())],
            by,
        };
        self.apply(&op, t, &mut env.clone())
    }

    /// `with others = V`'s value, of the clause's column type.
    fn others_value(&self, e: &Expr, ty: super::super::value::KqlType, env: &Env) -> Result<Value, KqlError> {
        let v = self.compile(e, &[], env)?.eval(&[]);
        let converted = convert(&v, ty);
        if converted.is_null() && !v.is_null() {
            return Err(self.err(
                e.span(),
                format!("the `with others` value must be a {ty}, the type of its clause's column"),
            ));
        }
        Ok(converted)
    }

    /// `top-hitters N of Expr [by Sum]`: as the docs define it, `summarize count() (or sum(Sum))
    /// by Expr | top N by` it, the column named `approximate_count_<Expr>` (`approximate_sum_<Sum>`).
    /// The counts here are exact, not a sketch's estimate.
    pub(super) fn top_hitters(&self, t: Arc<Table>, count: &Expr, expr: &Expr, by: Option<&Expr>, env: &Env) -> Result<Table, KqlError> {
        let span = expr.span();
        let call = |name: &str, args: Vec<Expr>, span: Span| Expr::Call {
            name: name.to_owned(),
            args,
            span,
        };
        let (agg_name, agg) = match by {
            Some(b) => (
                format!("approximate_sum_{}", derive_name(b).unwrap_or_else(|| "Column1".to_owned())),
                call("sum", vec![b.clone()], b.span()),
            ),
            None => (
                format!("approximate_count_{}", derive_name(expr).unwrap_or_else(|| "Column1".to_owned())),
                call("count", Vec::new(), span),
            ),
        };
        let summarize = Operator::Summarize {
            aggs: vec![named(&agg_name, agg)],
            by: vec![NamedExpr {
                name: None,
                expr: expr.clone(),
                names: Vec::new(),
            }],
        };
        let top = Operator::Top {
            count: count.clone(),
            key: SortKey {
                expr: Expr::Ident(agg_name, span),
                order: Some(SortOrder::Desc),
                nulls: None,
            },
        };
        let mut env = env.clone();
        let grouped = self.apply(&summarize, t, &mut env)?;
        let out = self.apply(&top, grouped, &mut env)?;
        Ok(Arc::try_unwrap(out).unwrap_or_else(|arc| (*arc).clone()))
    }
}

/// The input of `top-nested` and its clauses.
struct Clauses<'a> {
    t: &'a Table,
    levels: &'a [TopNestedLevel],
    /// Each input row's values of every clause.
    row_keys: &'a [Vec<Value>],
}

/// A clause's result with its columns' types.
struct LevelResult {
    level: Level,
    key_type: super::super::value::KqlType,
    agg_type: super::super::value::KqlType,
}

/// The rows under `parent` from clause `i` on, depth first; `row` holds the columns so far.
fn emit(levels: &[Level], i: usize, parent: &mut Vec<Value>, row: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    let Some(level) = levels.get(i) else {
        out.push(row.clone());
        return;
    };
    for (key, agg) in level.ranked.get(parent.as_slice()).map(Vec::as_slice).unwrap_or_default() {
        parent.push(key.clone());
        row.push(key.clone());
        row.push(agg.clone());
        emit(levels, i + 1, parent, row, out);
        row.truncate(row.len() - 2);
        parent.pop();
    }
    if let Some(agg) = level.others.get(parent.as_slice()) {
        let mut r = row.clone();
        r.push(level.others_value.clone());
        r.push(agg.clone());
        r.resize(r.len() + 2 * (levels.len() - i - 1), Value::Null);
        out.push(r);
    }
}
