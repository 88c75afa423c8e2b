//! `sample` (…/sample-operator) and `sample-distinct` (…/sample-distinct-operator).
//!
//! Kusto picks at random, differently on every run. Here `sample` draws from a generator seeded
//! with a constant, so a query returns the same rows every time (tests and `verify` stay
//! reproducible), in their input order; `sample-distinct` keeps the first N distinct values, which
//! the docs' "optimized for performance rather than fairness" allows.

use std::collections::HashSet;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::super::ast::{Expr, Name};
use super::super::budget;
use super::super::error::KqlError;
use super::super::table::Table;
use super::meter::Meter;
use super::{Env, Evaluator};

/// The seed of `sample`'s generator: any constant makes runs repeat.
const SAMPLE_SEED: u64 = 0x5A3D_1E5A_3D1E_5A3D;

/// `n` row positions out of `len`, uniformly (reservoir sampling), in increasing order.
fn pick(len: usize, n: usize) -> Vec<usize> {
    if n >= len {
        return (0..len).collect();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(SAMPLE_SEED);
    let mut chosen: Vec<usize> = (0..n).collect();
    for i in n..len {
        let j = rng.random_range(0..=i);
        if j < n {
            chosen[j] = i;
        }
    }
    chosen.sort_unstable();
    chosen
}

impl Evaluator<'_> {
    /// The number of rows or values asked for: "any numeric expression", at least 0.
    fn sample_count(&self, e: &Expr, env: &Env) -> Result<usize, KqlError> {
        Ok(self.const_long(e, env)?.max(0) as usize)
    }

    pub(super) fn sample(&self, t: &Table, n: &Expr, env: &Env) -> Result<Table, KqlError> {
        let n = self.sample_count(n, env)?;
        let mut meter = Meter::new(self);
        let mut rows = Vec::new();
        for i in pick(t.rows.len(), n) {
            meter.row(t.columns.len())?;
            rows.push(t.rows[i].clone());
        }
        meter.finish();
        Ok(Table {
            columns: t.columns.clone(),
            rows,
        })
    }

    pub(super) fn sample_distinct(&self, t: &Table, n: &Expr, column: &Name, env: &Env) -> Result<Table, KqlError> {
        let n = self.sample_count(n, env)?;
        let col = t
            .column_index(&column.text)
            .ok_or_else(|| self.missing_column(&column.text, &t.columns, column.span))?;
        let mut meter = Meter::new(self);
        let mut seen = HashSet::new();
        let mut rows = Vec::new();
        for r in &t.rows {
            if rows.len() >= n {
                break;
            }
            meter.tick()?;
            if seen.insert(&r[col]) {
                // A row in the result and a slot in the seen set; the value is the input's.
                meter.charge(budget::rows_bytes(2, 1))?;
                rows.push(vec![r[col].clone()]);
            }
        }
        meter.finish();
        Ok(Table {
            columns: vec![t.columns[col].clone()],
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_are_distinct_ordered_and_repeat() {
        let a = pick(1000, 10);
        assert_eq!(a.len(), 10);
        assert!(a.windows(2).all(|w| w[0] < w[1]), "{a:?}");
        assert_eq!(a, pick(1000, 10), "the same seed picks the same rows");
        assert_eq!(pick(3, 10), [0, 1, 2]);
        assert!(pick(5, 0).is_empty());
    }
}
