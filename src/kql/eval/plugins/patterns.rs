//! What `basket` and `autocluster` share: the input reduced to distinct rows of value ids with
//! their summed weights, patterns over it, and the output table (…/basket-plugin#returns,
//! …/autocluster-plugin#returns): `SegmentId`, `Count`, `Percent`, then every dimension with its
//! value or the column type's wildcard.
//!
//! A dimension is every input column but the weight column. Null values and empty strings are not
//! values a pattern can fix: they print as the default wildcard and would be indistinguishable.

use std::collections::HashMap;

use super::super::super::ast::{Name, PatternArgs};
use super::super::super::budget::{self, fresh_bytes};
use super::super::super::error::KqlError;
use super::super::super::table::{Column, Table};
use super::super::super::value::{KqlType, Value, sort_order};
use super::super::meter::Meter;
use super::super::{Env, Evaluator};

/// A value id of one dimension; [`NONE`] for a null or empty cell.
pub(super) type Id = u32;

/// The id of a cell no pattern can fix.
pub(super) const NONE: Id = Id::MAX;

/// One fixed dimension of a pattern: `(dimension, value id)`.
pub(super) type Item = (usize, Id);

/// A pattern: its fixed dimensions in dimension order.
pub(super) type Pattern = Vec<Item>;

/// The input as pattern mining sees it.
pub(super) struct Dataset {
    /// The input column of each dimension.
    dims: Vec<usize>,
    /// Each dimension's distinct values, by id.
    values: Vec<Vec<Value>>,
    /// The distinct rows (a value id per dimension) with their summed weight, in order of first
    /// appearance.
    pub(super) rows: Vec<(Vec<Id>, f64)>,
    /// The total weight.
    pub(super) total: f64,
}

impl Dataset {
    /// How many dimensions there are.
    pub(super) fn width(&self) -> usize {
        self.dims.len()
    }

    /// How many distinct values dimension `d` has.
    pub(super) fn distinct(&self, d: usize) -> usize {
        self.values[d].len()
    }

    /// Whether dimension `d` holds more than one value (an empty cell counting as one).
    pub(super) fn varies(&self, d: usize) -> bool {
        self.rows
            .first()
            .is_some_and(|(first, _)| self.rows.iter().any(|(r, _)| r[d] != first[d]))
    }

    /// Whether a row has every item of a pattern.
    pub(super) fn matches(row: &[Id], pattern: &[Item]) -> bool {
        pattern.iter().all(|&(d, id)| row[d] == id)
    }

    /// The summed weight of the rows a pattern matches.
    pub(super) fn weight(&self, pattern: &[Item]) -> f64 {
        self.rows.iter().filter(|(r, _)| Dataset::matches(r, pattern)).map(|(_, w)| w).sum()
    }

    /// Orders items by dimension, then by value, for deterministic output.
    pub(super) fn compare(&self, a: &[Item], b: &[Item]) -> std::cmp::Ordering {
        for (x, y) in a.iter().zip(b) {
            let o =
                x.0.cmp(&y.0)
                    .then_with(|| sort_order(&self.values[x.0][x.1 as usize], &self.values[y.0][y.1 as usize]));
            if o.is_ne() {
                return o;
            }
        }
        a.len().cmp(&b.len())
    }
}

/// The wildcard a column type shows (…/basket-plugin#parameters): a custom wildcard of the same
/// type, else an empty string for strings and null for the others.
fn wildcard_for(ty: KqlType, custom: &[Value]) -> Value {
    let class = |t: KqlType| match t {
        KqlType::Int | KqlType::Long => KqlType::Long,
        KqlType::Real | KqlType::Decimal => KqlType::Real,
        KqlType::Guid => KqlType::String,
        other => other,
    };
    custom
        .iter()
        .find(|w| w.kql_type().is_some_and(|wt| class(wt) == class(ty)))
        .cloned()
        .unwrap_or_else(|| super::super::ops::null_of(ty))
}

impl Evaluator<'_> {
    /// Interns the input's dimensions and merges identical rows.
    pub(super) fn pattern_dataset(&self, t: &Table, args: &PatternArgs, meter: &mut Meter) -> Result<Dataset, KqlError> {
        let weight = match &args.weight {
            Some(w) => Some(self.weight_column(t, w)?),
            None => None,
        };
        let dims: Vec<usize> = (0..t.columns.len()).filter(|&i| Some(i) != weight).collect();
        let mut ids: Vec<HashMap<Value, Id>> = vec![HashMap::new(); dims.len()];
        let mut values: Vec<Vec<Value>> = vec![Vec::new(); dims.len()];
        let mut index: HashMap<Vec<Id>, usize> = HashMap::new();
        let mut rows: Vec<(Vec<Id>, f64)> = Vec::new();
        let mut total = 0.0;
        for r in &t.rows {
            meter.tick()?;
            let mut key = Vec::with_capacity(dims.len());
            for (d, &c) in dims.iter().enumerate() {
                let v = &r[c];
                let empty = v.is_null() || matches!(v, Value::String(s) if s.is_empty());
                let id = match ids[d].get(v) {
                    _ if empty => NONE,
                    Some(&id) => id,
                    None => {
                        meter.charge(2 * budget::VALUE_SLOT + fresh_bytes(v))?;
                        values[d].push(v.clone());
                        ids[d].insert(v.clone(), (values[d].len() - 1) as Id);
                        (values[d].len() - 1) as Id
                    }
                };
                key.push(id);
            }
            let w = weight.map_or(1.0, |i| r[i].as_f64().unwrap_or(0.0));
            total += w;
            match index.get(&key) {
                Some(&i) => rows[i].1 += w,
                None => {
                    meter.charge(budget::rows_bytes(2, key.len()))?;
                    index.insert(key.clone(), rows.len());
                    rows.push((key, w));
                }
            }
        }
        Ok(Dataset { dims, values, rows, total })
    }

    /// `WeightColumn`: a numeric column (…/basket-plugin#parameters).
    fn weight_column(&self, t: &Table, name: &Name) -> Result<usize, KqlError> {
        let i = self.plugin_column(t, name)?;
        match t.columns[i].ty {
            KqlType::Int | KqlType::Long | KqlType::Real | KqlType::Decimal => Ok(i),
            other => Err(self.err(
                name.span,
                format!("WeightColumn `{name}` must be a numeric column (int, long or real), not {other}"),
            )),
        }
    }

    /// The result table: one row per pattern, in the order given.
    pub(super) fn pattern_table(
        &self,
        t: &Table,
        data: &Dataset,
        patterns: &[(Pattern, f64)],
        args: &PatternArgs,
        env: &Env,
    ) -> Result<Table, KqlError> {
        let mut custom = Vec::new();
        for w in &args.wildcards {
            custom.push(self.plugin_constant(w, env)?);
        }
        let mut columns = vec![
            Column::new("SegmentId", KqlType::Long),
            Column::new("Count", KqlType::Long),
            Column::new("Percent", KqlType::Real),
        ];
        columns.extend(data.dims.iter().map(|&c| t.columns[c].clone()));
        let wildcards: Vec<Value> = data.dims.iter().map(|&c| wildcard_for(t.columns[c].ty, &custom)).collect();
        let rows = patterns
            .iter()
            .enumerate()
            .map(|(i, (pattern, weight))| {
                let percent = if data.total > 0.0 { 100.0 * weight / data.total } else { 0.0 };
                let mut row = vec![Value::Long(i as i64), Value::Long(weight.round() as i64), Value::Real(percent)];
                row.extend(wildcards.iter().cloned());
                for &(d, id) in pattern {
                    row[3 + d] = data.values[d][id as usize].clone();
                }
                row
            })
            .collect();
        Ok(Table { columns, rows })
    }
}
