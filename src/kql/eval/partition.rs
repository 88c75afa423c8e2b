//! `partition` (…/partition-operator): the input split by the values of a column, a subquery run
//! per part, the results unioned. `( operators )` run over each part's rows (an `as` inside
//! names that part); `{ query }` (legacy strategy) runs a query of its own once per value, the
//! column's name bound to the value (`where x == …`, `toscalar(x)`).

use std::collections::HashMap;
use std::sync::Arc;

use super::super::ast::*;
use super::super::budget;
use super::super::error::KqlError;
use super::super::table::{Column, Table};
use super::super::value::Value;
use super::meter::Meter;
use super::ops::null_of;
use super::{Binding, Env, Evaluator};

/// The most partitions the legacy strategy takes (…/partition-operator#legacy-strategy).
const LEGACY_MAX_PARTITIONS: usize = 64;

impl Evaluator<'_> {
    pub(super) fn partition(&self, t: &Table, spec: &PartitionSpec, env: &Env) -> Result<Table, KqlError> {
        let column = &spec.column;
        let col = t
            .column_index(&column.text)
            .ok_or_else(|| self.missing_column(&column.text, &t.columns, column.span))?;
        let mut meter = Meter::new(self);
        // The parts in order of their key's first row.
        let mut index: HashMap<&Value, usize> = HashMap::new();
        let mut parts: Vec<(Value, Vec<Vec<Value>>)> = Vec::new();
        for r in &t.rows {
            meter.row(r.len())?;
            let i = *index.entry(&r[col]).or_insert_with(|| {
                parts.push((r[col].clone(), Vec::new()));
                parts.len() - 1
            });
            parts[i].1.push(r.clone());
        }
        let legacy = matches!(spec.strategy, None | Some(PartitionStrategy::Legacy));
        if legacy && parts.len() > LEGACY_MAX_PARTITIONS {
            let message = format!(
                "`{column}` has {} distinct values; the legacy partition strategy (the default) takes at most {LEGACY_MAX_PARTITIONS}: add hint.strategy=native",
                parts.len()
            );
            return Err(self.err(column.span, message));
        }
        let mut results = Vec::new();
        for (key, rows) in parts {
            let part = Table {
                columns: t.columns.clone(),
                rows,
            };
            results.push(self.run_part(part, (&column.text, key), &spec.body, env)?);
        }
        if results.is_empty() {
            // No rows: the subquery over an empty part still gives the result's columns.
            let part = Table::with_columns(t.columns.clone());
            results.push(self.run_part(part, (&column.text, Value::Null), &spec.body, env)?);
        }
        meter.finish();
        self.unite(results)
    }

    /// The subquery over one part.
    fn run_part(&self, part: Table, (name, key): (&str, Value), body: &PartitionBody, env: &Env) -> Result<Arc<Table>, KqlError> {
        let mut inner = env.clone();
        match body {
            PartitionBody::Operators(ops) => {
                let mut t = Arc::new(part);
                for op in ops {
                    t = self.apply(op, t, &mut inner)?;
                    self.check_limit(t.rows.len(), "`partition`")?;
                    self.check_budgets()?;
                }
                Ok(t)
            }
            PartitionBody::Query(query) => {
                inner.bind(name, Binding::Scalar(key));
                self.eval_pipeline(query, &mut inner)
            }
        }
    }

    /// The parts' results one after the other, their columns united by name (first type wins).
    fn unite(&self, results: Vec<Arc<Table>>) -> Result<Table, KqlError> {
        let mut columns: Vec<Column> = Vec::new();
        for t in &results {
            for c in &t.columns {
                if !columns.iter().any(|x| x.name == c.name) {
                    columns.push(c.clone());
                }
            }
        }
        let total = results.iter().map(|t| t.rows.len()).sum::<usize>();
        self.check_limit(total, "`partition`")?;
        let mut meter = Meter::new(self);
        meter.charge(budget::rows_bytes(total, columns.len()))?;
        let mut rows = Vec::with_capacity(total);
        for t in &results {
            let map: Vec<Option<usize>> = columns.iter().map(|c| t.column_index(&c.name)).collect();
            for r in &t.rows {
                meter.tick()?;
                rows.push(
                    map.iter()
                        .zip(&columns)
                        .map(|(m, c)| m.map_or_else(|| null_of(c.ty), |i| r[i].clone()))
                        .collect(),
                );
            }
        }
        meter.finish();
        Ok(Table { columns, rows })
    }
}
