//! Scalar functions over `tdigest()` and `hll()` results (…/percentile-tdigest-function,
//! …/rank-tdigest-function, …/merge-tdigest-function, …/dcount-hll-function, …/hll-merge-function).

use std::sync::Arc;

use crate::kql::sketch::{HllAcc, TypedDigest, hll_from_value, hll_to_value};
use crate::kql::value::{KqlType, Value, convert};

/// A `typeof(T)` argument (passed as the type's name), when given and known.
fn type_arg(v: Option<&Value>) -> Option<KqlType> {
    match v {
        Some(Value::String(t)) => KqlType::parse(t),
        _ => None,
    }
}

/// `percentile_tdigest(digest, percent[, typeof(T)])`.
pub fn percentile_tdigest(a: &[Value]) -> Value {
    let (Some(mut d), Some(p)) = (TypedDigest::from_value(&a[0]), a[1].as_f64()) else {
        return Value::Null;
    };
    let v = d.percentile(p);
    match type_arg(a.get(2)) {
        Some(ty) => convert(&v, ty),
        None => v,
    }
}

/// `percentiles_array_tdigest(digest, p1[, p2, …])` or `(digest, dynamic([…])[, typeof(T)])`:
/// an array of the percentiles.
pub fn percentiles_array_tdigest(a: &[Value]) -> Value {
    let Some(mut d) = TypedDigest::from_value(&a[0]) else {
        return Value::Null;
    };
    let ty = type_arg(a.last()).filter(|_| a.len() > 2);
    let rest = if ty.is_some() { &a[1..a.len() - 1] } else { &a[1..] };
    let percents: Vec<Value> = rest.iter().flat_map(super::elements).collect();
    let values = percents
        .iter()
        .map(|p| {
            let v = p.as_f64().map(|p| d.percentile(p)).unwrap_or(Value::Null);
            ty.map(|t| convert(&v, t)).unwrap_or(v)
        })
        .collect();
    Value::Array(Arc::new(values))
}

/// `rank_tdigest(digest, value)`: how many values are ≤ `value` (an estimate past the exact range).
pub fn rank_tdigest(a: &[Value]) -> Value {
    match TypedDigest::from_value(&a[0]) {
        Some(mut d) => d.rank(&a[1]),
        None => Value::Null,
    }
}

/// `percentrank_tdigest(digest, value)`: the rank as a percentage of the digest's count.
pub fn percentrank_tdigest(a: &[Value]) -> Value {
    let Some(mut d) = TypedDigest::from_value(&a[0]) else {
        return Value::Null;
    };
    let total = d.total();
    match d.rank(&a[1]) {
        Value::Real(r) if total > 0.0 => Value::Real(r * 100.0 / total),
        _ => Value::Null,
    }
}

/// `merge_tdigest(d1, d2, …)`: one digest of all; null when their kinds differ.
pub fn merge_tdigest(a: &[Value]) -> Value {
    let mut out = TypedDigest::new();
    for v in a {
        if let Some(d) = TypedDigest::from_value(v) {
            out.merge(&d);
        }
    }
    out.printed()
}

/// `dcount_hll(hll)`: the distinct count an `hll()` result holds.
pub fn dcount_hll(a: &[Value]) -> Value {
    hll_from_value(&a[0]).map(|h| Value::Long(h.count() as i64)).unwrap_or(Value::Null)
}

/// `hll_merge(h1, h2, …)`: one sketch of all; null when their accuracies differ.
pub fn hll_merge(a: &[Value]) -> Value {
    let mut acc = HllAcc::new(None);
    for h in a.iter().filter_map(hll_from_value) {
        acc.merge(&h);
    }
    match (&acc.sketch, acc.mismatch) {
        (Some(h), false) => hll_to_value(h),
        _ => Value::Null,
    }
}
