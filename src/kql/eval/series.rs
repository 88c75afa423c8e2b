//! `make-series` (…/make-series-operator): rows are grouped by the `by` keys and binned along
//! the axis (bins from axis.rs); each aggregation is computed per bin with summarize's
//! aggregates, and every group becomes one row: its keys, one array per aggregation (the
//! `default` where a bin has no rows), and the bins' starts, named after the axis.
//!
//! Choices where the docs leave room (docs/cli.md lists them): a missing `from`/`to` comes from
//! the whole input, so all series have the same bins (and can be compared or joined); rows
//! outside the bins are left out, so a group with none gives no row; `kind=nonempty` gives one
//! row of defaults (keys empty) when no group has any.

mod axis;

use std::collections::HashMap;
use std::sync::Arc;

use super::super::ast::*;
use super::super::budget::{self, fresh_bytes};
use super::super::error::KqlError;
use super::super::table::{Column, Table};
use super::super::value::{KqlType, Value, convert};
use super::aggregate::{self, Agg, AggKind, State};
use super::expr::CExpr;
use super::meter::Meter;
use super::ops::{agg_column_name, derive_column_name, next_column_name, null_of};
use super::{Binding, Env, Evaluator};
use axis::{Bounds, Grid, Part};

/// One aggregation, compiled: the aggregate, its column and its default element.
struct SeriesAggPlan {
    agg: Agg,
    name: String,
    default: Value,
}

/// A group: its key values and the aggregate states of the bins it has rows in.
type SeriesGroup = (Vec<Value>, HashMap<usize, Vec<State>>);

/// The aggregates make-series takes: those with a numeric result (…/make-series-operator#list-of-aggregation-functions).
fn numeric(kind: AggKind) -> bool {
    use AggKind::*;
    matches!(
        kind,
        Count | CountIf | DCount | DCountIf | Sum | SumIf | Avg | AvgIf | Min | Max | MinIf | MaxIf | TakeAny | AnyIf | Stdev | Variance
    )
}

const AGGREGATES: &str = "avg, avgif, count, countif, dcount, dcountif, max, maxif, min, minif, stdev, sum, sumif, take_any, variance";

impl Evaluator<'_> {
    pub(super) fn make_series(&self, t: &Table, spec: &MakeSeriesSpec, env: &Env) -> Result<Table, KqlError> {
        let mut unnamed = 0;
        let (key_cols, key_exprs) = self.summarize_keys(&t.columns, &spec.by, env, &mut unnamed)?;
        let mut plans = Vec::new();
        for a in &spec.aggs {
            plans.push(self.series_agg(a, &t.columns, &key_cols, env, &mut unnamed)?);
        }
        let axis_expr = self.compile(&spec.axis, &t.columns, env)?;
        let axis_name = derive_column_name(&spec.axis).unwrap_or_else(|| next_column_name(&mut unnamed));
        self.check_series_names(spec, &key_cols, &plans, &axis_name)?;
        let mut meter = Meter::new(self);
        // The axis is evaluated once per row: a missing bound needs its extremes before binning.
        meter.charge(t.rows.len().saturating_mul(budget::VALUE_SLOT))?;
        let axis: Vec<Value> = t.rows.iter().map(|r| axis_expr.eval(r)).collect();
        let grid = self.series_grid(spec, &axis, env)?;
        let groups = self.series_groups(t, &key_exprs, &plans, &axis, &grid, &mut meter)?;
        let mut columns = key_cols.clone();
        columns.extend(plans.iter().map(|p| Column::new(p.name.clone(), KqlType::Dynamic)));
        columns.push(Column::new(axis_name, KqlType::Dynamic));
        let starts = Value::Array(Arc::new(grid.starts()));
        meter.charge(grid.len().saturating_mul(budget::VALUE_SLOT))?;
        let mut rows = Vec::with_capacity(groups.len());
        let nonempty = spec.kind == Some(MakeSeriesKind::NonEmpty) && groups.is_empty();
        let default_group = nonempty.then(|| (key_cols.iter().map(|c| null_of(c.ty)).collect(), HashMap::new()));
        for (key, mut bins) in groups.into_iter().chain(default_group) {
            meter.charge(budget::rows_bytes(1, columns.len()) + plans.len() * grid.len() * budget::VALUE_SLOT)?;
            let mut row = key;
            for (i, plan) in plans.iter().enumerate() {
                let mut series = vec![plan.default.clone(); grid.len()];
                for (bin, states) in bins.iter_mut() {
                    let state = std::mem::replace(&mut states[i], State::Count(0));
                    series[*bin] = plan.agg.finish(state).into_iter().next().unwrap_or(Value::Null);
                }
                meter.charge(series.iter().map(fresh_bytes).sum())?;
                row.push(Value::Array(Arc::new(series)));
            }
            row.push(starts.clone());
            rows.push(row);
        }
        meter.finish();
        Ok(Table { columns, rows })
    }

    /// One aggregation: an aggregate with a numeric result, its column name as summarize names
    /// it, and its default converted to the aggregate's type (`default=0` of avg is `0.0`).
    fn series_agg(
        &self,
        a: &SeriesAgg,
        cols: &[Column],
        keys: &[Column],
        env: &Env,
        unnamed: &mut usize,
    ) -> Result<SeriesAggPlan, KqlError> {
        let span = a.agg.expr.span();
        let call = match &a.agg.expr {
            Expr::Call { name, args, span } if !matches!(env.get(name), Some(Binding::Function(_))) => {
                let lower = name.to_ascii_lowercase();
                aggregate::lookup(&lower).map(|(kind, prefix)| (lower, kind, prefix, args, *span))
            }
            _ => None,
        };
        let Some((lower, kind, prefix, args, call_span)) = call else {
            return Err(self.err(span, format!("make-series needs an aggregation call here, one of: {AGGREGATES}")));
        };
        if !numeric(kind) {
            return Err(self.err(
                call_span,
                format!("`{lower}()` has no numeric result, which make-series needs; use one of: {AGGREGATES}"),
            ));
        }
        let agg = self.compile_agg(kind, &lower, args, call_span, cols, keys, env)?;
        let name = agg_column_name(a.agg.name.as_deref(), kind, prefix, args, unnamed);
        let default = match &a.default {
            Some(e) => self.compile(e, &[], env)?.eval(&[]),
            None => Value::Long(0),
        };
        let default = match super::types::aggregate_type(kind, args, cols) {
            Some(ty @ (KqlType::Long | KqlType::Int | KqlType::Real | KqlType::Decimal)) if !default.is_null() => convert(&default, ty),
            _ => default,
        };
        Ok(SeriesAggPlan { agg, name, default })
    }

    /// Output names must be distinct: `make-series Id = count() … by Id` is an error at the later one.
    fn check_series_names(&self, spec: &MakeSeriesSpec, keys: &[Column], plans: &[SeriesAggPlan], axis: &str) -> Result<(), KqlError> {
        let spans = spec
            .by
            .iter()
            .map(|b| b.expr.span())
            .chain(spec.aggs.iter().map(|a| a.agg.expr.span()));
        let names = keys.iter().map(|k| k.name.as_str()).chain(plans.iter().map(|p| p.name.as_str()));
        let all: Vec<(&str, Span)> = names.zip(spans).chain([(axis, spec.axis.span())]).collect();
        for (i, (name, span)) in all.iter().enumerate() {
            if all[..i].iter().any(|(n, _)| n == name) {
                return Err(self.err(
                    *span,
                    format!("the column `{name}` is declared twice; name one of them (`Name = …`)"),
                ));
            }
        }
        Ok(())
    }

    /// The bins, from the bounds (constants) and the axis values.
    fn series_grid(&self, spec: &MakeSeriesSpec, axis: &[Value], env: &Env) -> Result<Grid, KqlError> {
        let constant = |e: &Expr| -> Result<Value, KqlError> { Ok(self.compile(e, &[], env)?.eval(&[])) };
        let optional = |e: Option<&Expr>| e.map(constant).transpose();
        let (from, to, step, inclusive) = match &spec.range {
            SeriesRange::Step { from, to, step } => (from.as_ref(), to.as_ref(), step, false),
            SeriesRange::InRange { start, stop, step } => (Some(start), Some(stop), step, true),
        };
        let bounds = Bounds {
            from: optional(from)?,
            to: optional(to)?,
            step: constant(step)?,
            inclusive,
        };
        Grid::new(&bounds, axis).map_err(|(part, msg)| {
            let span = match part {
                Part::Axis => spec.axis.span(),
                Part::From => from.map_or(step.span(), Expr::span),
                Part::To => to.map_or(step.span(), Expr::span),
                Part::Step => step.span(),
            };
            self.err(span, msg)
        })
    }

    /// Hash aggregation by key and bin, groups in order of first appearance; groups and bins
    /// are charged to the memory budget as summarize charges its groups.
    fn series_groups(
        &self,
        t: &Table,
        key_exprs: &[CExpr],
        plans: &[SeriesAggPlan],
        axis: &[Value],
        grid: &Grid,
        meter: &mut Meter,
    ) -> Result<Vec<SeriesGroup>, KqlError> {
        let mut index: HashMap<Vec<Value>, usize> = HashMap::new();
        let mut groups: Vec<SeriesGroup> = Vec::new();
        let group_bytes = budget::rows_bytes(2, key_exprs.len() + 1);
        let bin_bytes = budget::rows_bytes(1, plans.len());
        for (row, v) in t.rows.iter().zip(axis) {
            meter.tick()?;
            let Some(bin) = grid.index(v) else {
                continue;
            };
            let key: Vec<Value> = key_exprs.iter().map(|k| k.eval(row)).collect();
            let gi = match index.get(&key) {
                Some(&i) => i,
                None => {
                    meter.charge(group_bytes + 2 * key.iter().map(fresh_bytes).sum::<usize>())?;
                    groups.push((key.clone(), HashMap::new()));
                    index.insert(key, groups.len() - 1);
                    groups.len() - 1
                }
            };
            let bins = &mut groups[gi].1;
            if !bins.contains_key(&bin) {
                meter.charge(bin_bytes)?;
            }
            let states = bins.entry(bin).or_insert_with(|| plans.iter().map(|p| p.agg.init()).collect());
            for (p, s) in plans.iter().zip(states.iter_mut()) {
                let before = Agg::state_len(s);
                p.agg.update(s, row);
                if Agg::state_len(s) > before {
                    meter.charge(Agg::state_bytes_since(s, before))?;
                }
            }
        }
        Ok(groups)
    }
}
