//! `narrow()` (…/narrow-plugin): "unpivots" a table into `Row` (the 0-based row number), `Column`
//! (its name) and `Value` (the cell as `tostring` gives it), one row per cell.

use super::super::super::budget::{self, fresh_bytes};
use super::super::super::error::KqlError;
use super::super::super::table::{Column, Table};
use super::super::super::value::{KqlType, Value};
use super::super::Evaluator;
use super::super::meter::Meter;

impl Evaluator<'_> {
    pub(super) fn narrow(&self, t: &Table) -> Result<Table, KqlError> {
        // Checked before building: a wide table's cell count is its row count many times over.
        self.check_limit(t.rows.len().saturating_mul(t.columns.len()), "`evaluate narrow`")?;
        let names: Vec<Value> = t.columns.iter().map(|c| Value::str(&c.name)).collect();
        let mut meter = Meter::new(self);
        let mut rows = Vec::with_capacity(t.rows.len() * t.columns.len());
        for (i, r) in t.rows.iter().enumerate() {
            for (name, v) in names.iter().zip(r) {
                let value = Value::String(v.to_kql_string());
                meter.charge(budget::rows_bytes(1, 3) + fresh_bytes(&value))?;
                rows.push(vec![Value::Long(i as i64), name.clone(), value]);
            }
        }
        meter.finish();
        Ok(Table {
            columns: vec![
                Column::new("Row", KqlType::Long),
                Column::new("Column", KqlType::String),
                Column::new("Value", KqlType::String),
            ],
            rows,
        })
    }
}
