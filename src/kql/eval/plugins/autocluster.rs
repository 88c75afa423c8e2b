//! `autocluster([SizeWeight, WeightColumn, NumSeeds, CustomWildcard, …])` (…/autocluster-plugin):
//! a few patterns that summarise the data, found by seed-and-expand local search.
//!
//! A pattern's score is the docs' weighted geometric mean of its coverage (weight / total) and its
//! informativeness (fixed columns / columns that vary), with weights `SizeWeight` (default 0.5) and
//! `1 − SizeWeight`. Deterministic where Kusto samples: the seeds are the `NumSeeds` (default 25)
//! heaviest distinct rows (ties: first appearance); from each, the search drops fixed columns one
//! at a time (see [`climb`]) and keeps the best pattern it passes. Those patterns, best score first
//! (ties: larger count, then values in column order), are kept unless half or more of their weight
//! is already covered by a kept pattern.

use super::super::super::ast::PatternArgs;
use super::super::super::error::KqlError;
use super::super::super::table::Table;
use super::super::meter::Meter;
use super::super::{Env, Evaluator};
use super::patterns::{Dataset, NONE, Pattern};

/// The search's setting: the data, `SizeWeight`, and how many columns vary.
struct Search<'d> {
    data: &'d Dataset,
    s: f64,
    width: usize,
}

/// A pattern's score: coverage^s × (fixed / varying columns)^(1 − s).
fn score(search: &Search, pattern: &Pattern, weight: f64) -> f64 {
    if search.data.total <= 0.0 || pattern.is_empty() {
        return 0.0;
    }
    (weight / search.data.total).powf(search.s) * (pattern.len() as f64 / search.width as f64).powf(1.0 - search.s)
}

/// The weight of the rows both patterns match (none when they fix a column differently).
fn overlap(data: &Dataset, a: &Pattern, b: &Pattern) -> f64 {
    let mut both = a.clone();
    for item in b {
        match both.iter().find(|(d, _)| *d == item.0) {
            Some(existing) if existing.1 != item.1 => return 0.0,
            Some(_) => {}
            None => both.push(*item),
        }
    }
    data.weight(&both)
}

impl Evaluator<'_> {
    pub(super) fn autocluster(&self, t: &Table, args: &PatternArgs, env: &Env) -> Result<Table, KqlError> {
        let s = self.plugin_number(args.tuning.as_ref(), env, 0.5, ("autocluster's SizeWeight", 0.0, 1.0))?;
        let seeds = self.plugin_number(args.limit.as_ref(), env, 25.0, ("autocluster's NumSeeds", 1.0, 1e6))? as usize;
        let mut meter = Meter::new(self);
        let data = self.pattern_dataset(t, args, &mut meter)?;
        // A column with one value for every row tells the patterns apart by nothing: it is left out.
        let varying: Vec<bool> = (0..data.width()).map(|d| data.varies(d)).collect();
        let search = Search {
            data: &data,
            s,
            width: varying.iter().filter(|v| **v).count(),
        };
        let mut order: Vec<usize> = (0..data.rows.len()).collect();
        order.sort_by(|&a, &b| data.rows[b].1.partial_cmp(&data.rows[a].1).unwrap_or(std::cmp::Ordering::Equal));
        let mut optima: Vec<(Pattern, f64, f64)> = Vec::new();
        for &seed in order.iter().take(seeds) {
            let start: Pattern = data.rows[seed]
                .0
                .iter()
                .enumerate()
                .filter(|(d, id)| **id != NONE && varying[*d])
                .map(|(d, id)| (d, *id))
                .collect();
            let (p, w) = climb(&search, start, &mut meter)?;
            if !p.is_empty() && !optima.iter().any(|(q, _, _)| *q == p) {
                optima.push((p.clone(), w, score(&search, &p, w)));
            }
        }
        optima.sort_by(|(a, wa, sa), (b, wb, sb)| {
            sb.partial_cmp(sa)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(wb.partial_cmp(wa).unwrap_or(std::cmp::Ordering::Equal))
                .then_with(|| data.compare(a, b))
        });
        let mut kept: Vec<(Pattern, f64)> = Vec::new();
        for (p, w, _) in optima {
            meter.tick()?;
            if !kept.iter().any(|(q, _)| overlap(&data, &p, q) >= 0.5 * w) {
                kept.push((p, w));
            }
        }
        // No `meter.finish()`: what the meter counted (the interned input) is dropped here; the
        // result is a few rows, sized by the next operator as any small result is.
        self.pattern_table(t, &data, &kept, args, env)
    }
}

/// Searches down from a seed: drops one fixed column at a time — the drop scoring best (ties: the
/// heavier result, then the column with the most distinct values, then the leftmost) — down to one,
/// and returns the best-scoring pattern on the way. Walking the whole way, not stopping at the
/// first drop that scores worse, gets past columns unique to each row (an id, a timestamp), whose
/// removal one at a time gains nothing until the last one goes.
fn climb(search: &Search, mut pattern: Pattern, meter: &mut Meter) -> Result<(Pattern, f64), KqlError> {
    let data = search.data;
    let (mut weight, mut without) = weights_without_each(data, &pattern, meter)?;
    let mut best = (pattern.clone(), weight, score(search, &pattern, weight));
    while pattern.len() > 1 {
        let mut step: Option<(usize, f64, f64)> = None;
        for (drop, w) in without.iter().enumerate() {
            let mut cand = pattern.clone();
            cand.remove(drop);
            let sc = score(search, &cand, *w);
            let better = match step {
                None => true,
                Some((d, bw, bs)) => (sc, *w, data.distinct(pattern[drop].0)) > (bs, bw, data.distinct(pattern[d].0)),
            };
            if better {
                step = Some((drop, *w, sc));
            }
        }
        let Some((drop, _, sc)) = step else { break };
        pattern.remove(drop);
        (weight, without) = weights_without_each(data, &pattern, meter)?;
        if sc > best.2 {
            best = (pattern.clone(), weight, sc);
        }
    }
    Ok((best.0, best.1))
}

/// The weight of `pattern` and, for each of its items, of the pattern without that item — in one
/// pass: a row matches the pattern less item `i` when `i` is its only mismatch (or it has none).
fn weights_without_each(data: &Dataset, pattern: &Pattern, meter: &mut Meter) -> Result<(f64, Vec<f64>), KqlError> {
    let mut whole = 0.0;
    let mut without = vec![0.0; pattern.len()];
    for (row, w) in &data.rows {
        meter.tick()?;
        let mut misses = pattern.iter().enumerate().filter(|(_, (d, id))| row[*d] != *id).map(|(i, _)| i);
        match (misses.next(), misses.next()) {
            (None, _) => whole += w,
            (Some(i), None) => without[i] += w,
            _ => {}
        }
    }
    for x in &mut without {
        *x += whole;
    }
    Ok((whole, without))
}
