//! `basket([Threshold, WeightColumn, MaxDimensions, CustomWildcard, …])` (…/basket-plugin): the
//! frequent patterns of the data, found Apriori-style. A set of column values is frequent when its
//! rows weigh at least `Threshold` (default 0.05) of the total; every frequent one is reported as its
//! closed pattern (every value all its rows share added), once. That is the set the docs' example
//! shows: `Damage == "NO"` is reported only together with `DamageCrops == 0`, which every such row
//! has. The closed patterns are reached from their generators (A-Close): the frequent sets of at
//! most `MaxDimensions` (default 5) values lighter than each of their subsets, so correlated
//! columns do not multiply the work. Exact counts, no sampling. Order (the docs leave it open):
//! `Count` descending, then fewer fixed columns, then the values in column order.

use std::collections::HashMap;

use super::super::super::ast::PatternArgs;
use super::super::super::budget;
use super::super::super::error::KqlError;
use super::super::super::table::Table;
use super::super::meter::Meter;
use super::super::{Env, Evaluator};
use super::patterns::{Dataset, Id, Item, NONE, Pattern};

impl Evaluator<'_> {
    pub(super) fn basket(&self, t: &Table, args: &PatternArgs, env: &Env) -> Result<Table, KqlError> {
        let threshold = self.plugin_number(args.tuning.as_ref(), env, 0.05, ("basket's Threshold", 0.015, 1.0))?;
        let max_dims = self.plugin_number(args.limit.as_ref(), env, 5.0, ("basket's MaxDimensions", 1.0, 1024.0))? as usize;
        let mut meter = Meter::new(self);
        let data = self.pattern_dataset(t, args, &mut meter)?;
        let mut closed: HashMap<Pattern, f64> = HashMap::new();
        for (p, w) in generators(&data, threshold * data.total, max_dims, &mut meter)? {
            meter.tick()?;
            let c = closure(&data, &p);
            if !c.is_empty() {
                closed.entry(c).or_insert(w);
            }
        }
        let mut patterns: Vec<(Pattern, f64)> = closed.into_iter().collect();
        patterns.sort_by(|(a, wa), (b, wb)| {
            wb.partial_cmp(wa)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.len().cmp(&b.len()))
                .then_with(|| data.compare(a, b))
        });
        // No `meter.finish()`: what the meter counted (the interned input) is dropped here; the
        // result is a few rows, sized by the next operator as any small result is.
        self.pattern_table(t, &data, &patterns, args, env)
    }
}

/// The frequent generators of at most `max_dims` items with their weights, level by level: the
/// sets of size k + 1 are built from pairs of k-sets sharing their first k − 1 items, kept when
/// all their k-subsets are generators, then counted; a set weighing as much as one of its subsets
/// has that subset's closed pattern, so it is no generator. The empty set (every row) is one.
fn generators(data: &Dataset, min: f64, max_dims: usize, meter: &mut Meter) -> Result<Vec<(Pattern, f64)>, KqlError> {
    let frequent = |w: f64| w > 0.0 && w >= min;
    if !frequent(data.total) {
        return Ok(Vec::new());
    }
    let mut counts: HashMap<Item, f64> = HashMap::new();
    for (row, w) in &data.rows {
        meter.tick()?;
        for (d, &id) in row.iter().enumerate() {
            if id != NONE {
                *counts.entry((d, id)).or_default() += w;
            }
        }
    }
    // A value every row has is in the empty set's closed pattern.
    let mut level: Vec<(Pattern, f64)> = counts
        .into_iter()
        .filter(|(_, w)| frequent(*w) && *w < data.total)
        .map(|(i, w)| (vec![i], w))
        .collect();
    level.sort_by(|a, b| a.0.cmp(&b.0));
    let mut all = vec![(Vec::new(), data.total)];
    all.extend(level.iter().cloned());
    while !level.is_empty() && level[0].0.len() < max_dims {
        let candidates = next_candidates(&level, meter)?;
        let mut weights = vec![0.0; candidates.len()];
        for (row, w) in &data.rows {
            for ((c, _), total) in candidates.iter().zip(weights.iter_mut()) {
                meter.tick()?;
                if Dataset::matches(row, c) {
                    *total += w;
                }
            }
        }
        level = candidates
            .into_iter()
            .zip(weights)
            .filter(|((_, lightest_subset), w)| frequent(*w) && w < lightest_subset)
            .map(|((c, _), w)| (c, w))
            .collect();
        all.extend(level.iter().cloned());
    }
    Ok(all)
}

/// The (k + 1)-sets whose every k-subset is in `level` (sorted), with the lightest subset's
/// weight; each charged to the budget.
fn next_candidates(level: &[(Pattern, f64)], meter: &mut Meter) -> Result<Vec<(Pattern, f64)>, KqlError> {
    let known: HashMap<&Pattern, f64> = level.iter().map(|(p, w)| (p, *w)).collect();
    let mut out = Vec::new();
    for (i, (a, _)) in level.iter().enumerate() {
        let k = a.len();
        for (b, _) in &level[i + 1..] {
            // Sorted: the sets sharing `a`'s first k − 1 items follow it.
            if a[..k - 1] != b[..k - 1] {
                break;
            }
            let last = b[k - 1];
            // One value per column: two items of one column never occur together.
            if a[k - 1].0 == last.0 {
                continue;
            }
            let mut c = a.clone();
            c.push(last);
            let lightest = (0..=k).try_fold(f64::INFINITY, |lightest, drop| {
                let s: Pattern = c.iter().enumerate().filter(|(j, _)| *j != drop).map(|(_, it)| *it).collect();
                known.get(&s).map(|w| lightest.min(*w))
            });
            if let Some(lightest) = lightest {
                meter.charge(budget::rows_bytes(1, c.len()))?;
                out.push((c, lightest));
            }
        }
    }
    Ok(out)
}

/// The closed pattern of `p`: its rows' shared values, `p`'s own among them.
fn closure(data: &Dataset, p: &Pattern) -> Pattern {
    let mut shared: Option<Vec<Id>> = None;
    for (row, w) in &data.rows {
        if *w == 0.0 || !Dataset::matches(row, p) {
            continue;
        }
        match &mut shared {
            None => shared = Some(row.clone()),
            Some(s) => {
                for (x, y) in s.iter_mut().zip(row) {
                    if x != y {
                        *x = NONE;
                    }
                }
            }
        }
    }
    match shared {
        Some(s) => s.into_iter().enumerate().filter(|(_, id)| *id != NONE).collect(),
        None => p.clone(),
    }
}
