//! `pivot(pivotColumn [, aggregationFunction] [, column1, …]) [: schema]` (…/pivot-plugin): one
//! row per distinct combination of the grouping columns (by default every column but the pivoted
//! and the aggregated ones), then one column per distinct value of the pivoted column holding the
//! aggregation (default `count()`) over that group's rows with that value. Rows and value columns
//! come in order of first appearance, as in the docs' examples (`ARKANSAS` before `ARIZONA` rules
//! out a sorted order); a group without rows for a value gets the aggregation of no rows (0 for
//! `count()`/`sum()`/`dcount()`, null for `max()`, as the docs' outputs show).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::super::super::ast::{Expr, Pivot};
use super::super::super::budget::{self, fresh_bytes};
use super::super::super::error::KqlError;
use super::super::super::table::{Column, Table};
use super::super::super::value::{KqlType, Value, convert};
use super::super::aggregate::{self, Agg, AggKind, State};
use super::super::meter::Meter;
use super::super::ops::unique_name;
use super::super::{Env, Evaluator, prune, types};

/// One output row in the making: the group's key values and its states per pivot value.
type Group = (Vec<Value>, HashMap<usize, State>);

/// The aggregation, its result's static type, and the columns it reads.
type Aggregation = (Agg, Option<KqlType>, HashSet<String>);

impl Evaluator<'_> {
    pub(super) fn pivot(&self, t: &Table, p: &Pivot, env: &Env) -> Result<Table, KqlError> {
        let pcol = self.plugin_column(t, &p.column)?;
        let (agg, agg_type, read) = self.pivot_aggregation(p.aggregation.as_ref(), t, env)?;
        let keys: Vec<usize> = if p.columns.is_empty() {
            (0..t.columns.len())
                .filter(|&i| i != pcol && !read.contains(&t.columns[i].name))
                .collect()
        } else {
            p.columns.iter().map(|c| self.plugin_column(t, c)).collect::<Result<_, _>>()?
        };
        // With a schema, its columns other than the grouping ones are the pivot values wanted.
        let forced: Option<Vec<Arc<str>>> = p.schema.as_ref().map(|s| {
            let is_key = |n: &str| keys.iter().any(|&k| t.columns[k].name == n);
            s.columns
                .iter()
                .filter(|(n, _)| !is_key(n))
                .map(|(n, _)| Arc::from(n.as_str()))
                .collect()
        });
        let (values, groups) = self.pivot_groups(t, (pcol, &keys), &agg, forced)?;
        let mut columns: Vec<Column> = keys.iter().map(|&k| t.columns[k].clone()).collect();
        let mut names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let mut unnamed = 0;
        for v in &values {
            // An empty value cannot name a column: it gets a generated name, as unnamed columns do.
            let name = if v.is_empty() {
                unnamed += 1;
                format!("Column{unnamed}")
            } else {
                v.to_string()
            };
            let name = unique_name(&name, &names);
            names.push(name.clone());
            columns.push(Column::new(name, agg_type.unwrap_or(KqlType::Dynamic)));
        }
        let mut rows = Vec::with_capacity(groups.len());
        for (mut row, mut states) in groups {
            for vi in 0..values.len() {
                let state = states.remove(&vi).unwrap_or_else(|| agg.init());
                let v = agg.finish(state).swap_remove(0);
                row.push(match agg_type {
                    Some(ty) => convert(&v, ty),
                    None => v,
                });
            }
            rows.push(row);
        }
        if agg_type.is_none() {
            for (i, c) in columns.iter_mut().enumerate().skip(keys.len()) {
                c.ty = rows.iter().find_map(|r| r[i].kql_type()).unwrap_or(KqlType::Dynamic);
            }
        }
        let out = Table { columns, rows };
        Ok(match &p.schema {
            Some(schema) => super::apply_schema(out, schema, &[]),
            None => out,
        })
    }

    /// The pivot values (in order of first appearance, or the schema's) and the groups with their
    /// aggregation states, charged to the memory budget as summarize charges its groups.
    fn pivot_groups(
        &self,
        t: &Table,
        (pcol, keys): (usize, &[usize]),
        agg: &Agg,
        forced: Option<Vec<Arc<str>>>,
    ) -> Result<(Vec<Arc<str>>, Vec<Group>), KqlError> {
        let fixed = forced.is_some();
        let mut values: Vec<Arc<str>> = forced.unwrap_or_default();
        let mut value_index: HashMap<Arc<str>, usize> = values.iter().enumerate().map(|(i, v)| (v.clone(), i)).collect();
        let mut groups: Vec<Group> = Vec::new();
        let mut group_index: HashMap<Vec<Value>, usize> = HashMap::new();
        let mut meter = Meter::new(self);
        for r in &t.rows {
            meter.tick()?;
            let key: Vec<Value> = keys.iter().map(|&k| r[k].clone()).collect();
            let gi = match group_index.get(&key) {
                Some(&gi) => gi,
                None => {
                    meter.charge(budget::rows_bytes(2, key.len()) + 2 * key.iter().map(fresh_bytes).sum::<usize>())?;
                    groups.push((key.clone(), HashMap::new()));
                    group_index.insert(key, groups.len() - 1);
                    groups.len() - 1
                }
            };
            let name = r[pcol].to_kql_string();
            let vi = match value_index.get(&name) {
                Some(&vi) => vi,
                None if fixed => continue,
                None => {
                    meter.charge(2 * budget::VALUE_SLOT + name.len())?;
                    values.push(name.clone());
                    value_index.insert(name, values.len() - 1);
                    values.len() - 1
                }
            };
            let state = groups[gi].1.entry(vi).or_insert_with(|| agg.init());
            let before = Agg::state_len(state);
            agg.update(state, r);
            meter.charge(budget::VALUE_SLOT + Agg::state_bytes_since(state, before))?;
        }
        // Every group gets a cell per value.
        meter.charge(budget::rows_bytes(groups.len(), keys.len() + values.len()))?;
        meter.finish();
        Ok((values, groups))
    }

    /// The aggregation call (`count()` when none), compiled over the input.
    fn pivot_aggregation(&self, e: Option<&Expr>, t: &Table, env: &Env) -> Result<Aggregation, KqlError> {
        let Some(Expr::Call { name, args, span }) = e else {
            let count = Agg {
                kind: AggKind::Count,
                args: Vec::new(),
                max_size: 0,
                extra: Vec::new(),
                sketch: Default::default(),
            };
            return Ok((count, Some(KqlType::Long), HashSet::new()));
        };
        let (kind, _) = aggregate::lookup(name).ok_or_else(|| self.err(*span, format!("unknown aggregation `{name}()`")))?;
        let sized = matches!(kind, AggKind::MakeList | AggKind::MakeSet | AggKind::MakeBag);
        let (min, max) = match kind {
            AggKind::Count => (0, 1),
            _ if sized => (1, 2),
            _ => (1, 1),
        };
        if args.len() < min || args.len() > max {
            let want = if min == max { format!("{min}") } else { format!("{min} to {max}") };
            return Err(self.err(*span, format!("`{name}` takes {want} arguments, got {}", args.len())));
        }
        let mut read = HashSet::new();
        let mut cargs = Vec::new();
        if let Some(a) = args.first() {
            prune::idents(a, env, &mut read);
            cargs.push(self.compile(a, &t.columns, env)?);
        }
        let max_size = match args.get(1) {
            Some(size) => self.plugin_constant(size, env)?.as_i64().unwrap_or(0).max(0) as usize,
            None => aggregate::default_max(name),
        };
        let ty = types::aggregate_type(kind, args, &t.columns);
        // dcount estimates through its sketch, as summarize's does (…/dcount-aggfunction).
        if super::super::sketch_agg::is_sketch(kind) {
            return Ok((self.compile_sketch_agg(kind, name, args, *span, &t.columns, env)?, ty, read));
        }
        let agg = Agg {
            kind,
            args: cargs,
            max_size,
            extra: Vec::new(),
            sketch: Default::default(),
        };
        Ok((agg, ty, read))
    }
}
