//! The key index of `join` and `lookup`: built on the smaller side, with keys that cost no
//! allocation when they are one column (the common case). Which side is built never changes the
//! output: matches are always listed per left row in right-row order.

use rustc_hash::{FxHashMap, FxHashSet};

use super::super::budget;
use super::super::error::KqlError;
use super::super::table::Table;
use super::super::value::Value;
use super::meter::Meter;

/// A row's join key; null keys never match.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum JoinKey {
    One(Value),
    Many(Box<[Value]>),
}

/// The key of `row` on columns `idx`, or `None` when a key column is null.
pub(super) fn join_key(row: &[Value], idx: &[usize]) -> Option<JoinKey> {
    if let [i] = idx {
        let v = &row[*i];
        return (!v.is_null()).then(|| JoinKey::One(v.clone()));
    }
    let k: Box<[Value]> = idx.iter().map(|&i| row[i].clone()).collect();
    if k.iter().any(Value::is_null) {
        None
    } else {
        Some(JoinKey::Many(k))
    }
}

/// The right rows matching each left row.
pub(super) enum Matches {
    /// An index of the right side, probed with each left row's key.
    ByRight(FxHashMap<JoinKey, Vec<usize>>),
    /// The matches of each left row, found by scanning the right side against an index of the
    /// left one (when the left side is the smaller).
    ByLeft(Vec<Vec<usize>>),
}

impl Matches {
    /// Indexes the smaller side. With `first_left_only` (innerunique), only the first left row of
    /// each key gets matches, the others are dropped by the caller anyway.
    pub(super) fn build(
        (left, lk): (&Table, &[usize]),
        (right, rk): (&Table, &[usize]),
        first_left_only: bool,
        meter: &mut Meter,
    ) -> Result<Matches, KqlError> {
        let entry_bytes = budget::rows_bytes(1, rk.len()) + std::mem::size_of::<usize>();
        if right.rows.len() <= left.rows.len() {
            let mut index: FxHashMap<JoinKey, Vec<usize>> = FxHashMap::default();
            for (i, r) in right.rows.iter().enumerate() {
                if let Some(k) = join_key(r, rk) {
                    meter.charge(entry_bytes)?;
                    index.entry(k).or_default().push(i);
                }
            }
            return Ok(Matches::ByRight(index));
        }
        let mut index: FxHashMap<JoinKey, Vec<usize>> = FxHashMap::default();
        for (i, l) in left.rows.iter().enumerate() {
            if let Some(k) = join_key(l, lk) {
                let rows = index.entry(k).or_default();
                if rows.is_empty() || !first_left_only {
                    meter.charge(entry_bytes)?;
                    rows.push(i);
                }
            }
        }
        let mut matches = vec![Vec::new(); left.rows.len()];
        for (ri, r) in right.rows.iter().enumerate() {
            meter.tick()?;
            let Some(lefts) = join_key(r, rk).and_then(|k| index.get(&k)) else {
                continue;
            };
            for &li in lefts {
                meter.charge(std::mem::size_of::<usize>())?;
                matches[li].push(ri);
            }
        }
        Ok(Matches::ByLeft(matches))
    }

    /// The right rows matching left row `li`, whose key is `key`.
    pub(super) fn of(&self, li: usize, key: Option<&JoinKey>) -> &[usize] {
        match self {
            Matches::ByRight(index) => key.and_then(|k| index.get(k)).map_or(&[], Vec::as_slice),
            Matches::ByLeft(matches) => &matches[li],
        }
    }
}

/// The keys that rows of both sides have (semi and anti joins): a set of the smaller side's keys,
/// kept where the larger side has them too.
pub(super) fn common_keys(a: (&Table, &[usize]), b: (&Table, &[usize]), meter: &mut Meter) -> Result<FxHashSet<JoinKey>, KqlError> {
    let ((small, sk), (large, lk)) = if a.0.rows.len() <= b.0.rows.len() { (a, b) } else { (b, a) };
    let mut keys = FxHashSet::default();
    for r in &small.rows {
        if let Some(k) = join_key(r, sk) {
            meter.charge(budget::rows_bytes(1, sk.len()))?;
            keys.insert(k);
        }
    }
    let mut common = FxHashSet::default();
    for r in &large.rows {
        meter.tick()?;
        if let Some(k) = join_key(r, lk).filter(|k| keys.contains(k)) {
            common.insert(k);
        }
    }
    Ok(common)
}
