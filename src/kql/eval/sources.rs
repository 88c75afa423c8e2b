//! The sources that make rows from nothing: `datatable`, `print`, `range`.

use std::sync::Arc;

use super::super::ast::{BinOp, Expr, NamedExpr};
use super::super::budget;
use super::super::error::{KqlError, Span};
use super::super::table::{Column, Table};
use super::super::value::{self, KqlType, Value};
use super::expr::CExpr;
use super::meter::Meter;
use super::{Env, Evaluator, types};

impl Evaluator<'_> {
    /// `datatable (columns) [values]`: the values row after row, converted to the column types.
    pub(super) fn datatable(&self, columns: &[(String, KqlType)], values: &[Expr], span: Span, env: &Env) -> Result<Arc<Table>, KqlError> {
        let cols: Vec<Column> = columns.iter().map(|(n, t)| Column::new(n.clone(), *t)).collect();
        if cols.is_empty() {
            return Err(self.err(span, "datatable needs at least one column"));
        }
        if !values.len().is_multiple_of(cols.len()) {
            let message = format!(
                "datatable has {} values, not a multiple of its {} columns",
                values.len(),
                cols.len()
            );
            return Err(self.err(span, message));
        }
        let mut rows = Vec::new();
        for chunk in values.chunks(cols.len()) {
            let mut row = Vec::with_capacity(cols.len());
            for (v, c) in chunk.iter().zip(&cols) {
                let value = self.compile(v, &[], env)?.eval(&[]);
                row.push(value::convert(&value, c.ty));
            }
            rows.push(row);
        }
        self.last_bytes.set(Some(budget::rows_bytes(rows.len(), cols.len())));
        Ok(Arc::new(Table { columns: cols, rows }))
    }

    /// `print a = 1, b`: one row; unnamed columns are `print_0`, `print_1`, …
    pub(super) fn print(&self, items: &[NamedExpr], env: &Env) -> Result<Arc<Table>, KqlError> {
        let mut cols = Vec::new();
        let mut row = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let v = self.compile(&item.expr, &[], env)?.eval(&[]);
            let name = item.name.clone().unwrap_or_else(|| format!("print_{i}"));
            let ty = types::column_type(v.kql_type(), types::static_type(&item.expr, &[]), KqlType::String);
            cols.push(Column::new(name, ty));
            row.push(v);
        }
        Ok(Arc::new(Table {
            columns: cols,
            rows: vec![row],
        }))
    }

    /// `range x from a to b step c`: `a`, `a + c`, … while not past `b`.
    pub(super) fn range(&self, name: &str, (from, to, step): (&Expr, &Expr, &Expr), env: &Env) -> Result<Arc<Table>, KqlError> {
        let from = self.compile(from, &[], env)?.eval(&[]);
        let to = self.compile(to, &[], env)?.eval(&[]);
        let step = self.compile(step, &[], env)?.eval(&[]);
        let mut rows = Vec::new();
        let mut cur = from.clone();
        let mut meter = Meter::new(self);
        while !matches!(value::compare_values(&cur, &to), Some(std::cmp::Ordering::Greater) | None) {
            rows.push(vec![cur.clone()]);
            self.check_limit(rows.len(), "`range`")?;
            meter.row(1)?;
            let next = match (&cur, &step) {
                // The common case without building an expression per row.
                (Value::Long(c), Value::Long(s)) => Value::Long(c.wrapping_add(*s)),
                _ => CExpr::Bin(
                    BinOp::Add,
                    Box::new(CExpr::Const(cur.clone())),
                    Box::new(CExpr::Const(step.clone())),
                )
                .eval(&[]),
            };
            if value::compare_values(&next, &cur) != Some(std::cmp::Ordering::Greater) {
                break;
            }
            cur = next;
        }
        meter.finish();
        let ty = from.kql_type().unwrap_or(KqlType::Long);
        Ok(Arc::new(Table {
            columns: vec![Column::new(name.to_owned(), ty)],
            rows,
        }))
    }
}
