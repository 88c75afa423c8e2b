//! Sketches behind the estimating aggregates: a t-digest for percentiles ([`tdigest`]) and
//! HyperLogLog for distinct counts ([`hll`]), with the KQL values they take and give: the
//! `tdigest()` and `hll()` results that `percentile_tdigest()`, `tdigest_merge()`,
//! `dcount_hll()` and `hll_merge()` read back.

pub mod hll;
pub mod tdigest;

#[cfg(test)]
mod properties;

use std::sync::Arc;

use super::value::Value;
use hll::{Accuracy, Hll};
use tdigest::{Centroid, TDigest};

/// What a digest holds: percentiles come back as the type that went in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumKind {
    Real,
    Long,
    DateTime,
    TimeSpan,
}

impl NumKind {
    /// The type code the digest's printed form starts with (`[[7],[means],[weights]]`). Kusto's
    /// own `tdigest()` output shows 7 for a long column; the other codes are this engine's.
    fn code(self) -> i64 {
        match self {
            NumKind::Real => 1,
            NumKind::Long => 7,
            NumKind::DateTime => 2,
            NumKind::TimeSpan => 3,
        }
    }

    fn from_code(code: i64) -> Option<NumKind> {
        [NumKind::Real, NumKind::Long, NumKind::DateTime, NumKind::TimeSpan]
            .into_iter()
            .find(|k| k.code() == code)
    }

    fn value(self, v: i64) -> Value {
        match self {
            NumKind::Long | NumKind::Real => Value::Long(v),
            NumKind::DateTime => Value::DateTime(v),
            NumKind::TimeSpan => Value::TimeSpan(v),
        }
    }
}

/// A value's kind and number, for the kinds a digest takes (integers exact as `i64`).
fn number(v: &Value) -> Option<(NumKind, Result<i64, f64>)> {
    Some(match v {
        Value::Long(n) => (NumKind::Long, Ok(*n)),
        Value::Real(r) if r.is_finite() => (NumKind::Real, Err(*r)),
        Value::DateTime(t) => (NumKind::DateTime, Ok(*t)),
        Value::TimeSpan(t) => (NumKind::TimeSpan, Ok(*t)),
        _ => return None,
    })
}

/// A t-digest over values of one kind. Integer kinds are held relative to the first value seen,
/// so that datetimes (ticks near 10^18) and large longs stay exact in the `f64` centroids.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedDigest {
    kind: Option<NumKind>,
    base: i64,
    digest: TDigest,
    /// Set when digests of different kinds were merged, which Kusto refuses
    /// (…/tdigest-merge-aggregation-function): the results are then null.
    mixed: bool,
}

impl Default for TypedDigest {
    fn default() -> Self {
        TypedDigest::new()
    }
}

impl TypedDigest {
    pub fn new() -> TypedDigest {
        TypedDigest {
            kind: None,
            base: 0,
            digest: TDigest::new(),
            mixed: false,
        }
    }

    /// The value relative to the base, fixing kind and base at the first value.
    fn offset(&mut self, v: &Value) -> Option<f64> {
        let (kind, n) = number(v)?;
        let kind = *self.kind.get_or_insert_with(|| {
            self.base = n.unwrap_or(0);
            kind
        });
        Some(match (kind, n) {
            (NumKind::Real, Ok(i)) => i as f64,
            (NumKind::Real, Err(r)) => r,
            (_, Ok(i)) => (i128::from(i) - i128::from(self.base)) as f64,
            (_, Err(r)) => r - self.base as f64,
        })
    }

    /// Adds a value (ignored unless a number, datetime or timespan) with a weight.
    pub fn add(&mut self, v: &Value, weight: f64) {
        if let Some(x) = self.offset(v) {
            self.digest.add(x, weight);
        }
    }

    /// Merges another digest of the same kind; `false` when the kinds differ.
    pub fn merge(&mut self, other: &TypedDigest) -> bool {
        let Some(theirs) = other.kind else { return true };
        let mine = *self.kind.get_or_insert_with(|| {
            self.base = other.base;
            theirs
        });
        if mine != theirs || other.mixed {
            self.mixed = true;
            return false;
        }
        let shift = (i128::from(other.base) - i128::from(self.base)) as f64;
        let mut copy = other.digest.clone();
        let moved = copy.centroids().iter().map(|c| Centroid {
            mean: c.mean + shift,
            ..*c
        });
        self.digest.merge(&TDigest::from_centroids(moved));
        true
    }

    fn back(&self, x: f64) -> Value {
        if self.mixed {
            return Value::Null;
        }
        match self.kind {
            None => Value::Null,
            Some(NumKind::Real) => Value::Real(x),
            Some(kind) => kind.value(self.base.saturating_add(x.round() as i64)),
        }
    }

    /// The nearest-rank percentile, of the kind that went in; null when empty.
    pub fn percentile(&mut self, percent: f64) -> Value {
        self.digest.percentile(percent).map(|x| self.back(x)).unwrap_or(Value::Null)
    }

    /// Estimated count of values ≤ `v` (`rank_tdigest`); null for a value of another kind.
    pub fn rank(&mut self, v: &Value) -> Value {
        let (kind, n) = match number(v) {
            Some(k) => k,
            None => return Value::Null,
        };
        let x = match (self.kind, n) {
            _ if self.mixed => return Value::Null,
            (None, _) => return Value::Real(0.0),
            (Some(NumKind::Real), Ok(i)) if kind == NumKind::Long => i as f64,
            (Some(NumKind::Real), Err(r)) => r,
            (Some(k), Ok(i)) if k == kind => (i128::from(i) - i128::from(self.base)) as f64,
            _ => return Value::Null,
        };
        Value::Real(self.digest.rank(x))
    }

    /// Total weight.
    pub fn total(&self) -> f64 {
        self.digest.total()
    }

    /// Centroids and buffered values held (for the memory budget).
    pub fn entries(&self) -> usize {
        self.digest.entries()
    }

    /// The printed form, laid out like Kusto's `[[type],[means],[weights]]`, with a fourth array
    /// of flags when some centroids merged several values (so that reading it back knows them).
    pub fn printed(&mut self) -> Value {
        let Some(kind) = self.kind.filter(|_| !self.mixed) else {
            return Value::Null;
        };
        let centroids = self.digest.centroids().to_vec();
        let mean = |c: &Centroid| match kind {
            NumKind::Real => Value::Real(c.mean),
            _ if c.exact => Value::Long(self.base.saturating_add(c.mean.round() as i64)),
            _ => Value::Real(self.base as f64 + c.mean),
        };
        let mut parts = vec![
            array(vec![Value::Long(kind.code())]),
            array(centroids.iter().map(mean).collect()),
            array(centroids.iter().map(|c| Value::Long(c.weight.round() as i64)).collect()),
        ];
        if centroids.iter().any(|c| !c.exact) {
            parts.push(array(centroids.iter().map(|c| Value::Bool(c.exact)).collect()));
        }
        array(parts)
    }

    /// Reads a printed digest back; `None` when `v` is not one.
    pub fn from_value(v: &Value) -> Option<TypedDigest> {
        let parts = as_array(v)?;
        let kind = NumKind::from_code(as_array(parts.first()?)?.first()?.as_i64()?)?;
        let means = as_array(parts.get(1)?)?;
        let weights = as_array(parts.get(2)?)?;
        let exact = parts.get(3).and_then(as_array);
        if means.len() != weights.len() {
            return None;
        }
        let base = means.first().and_then(Value::as_i64).unwrap_or(0);
        let base = if kind == NumKind::Real { 0 } else { base };
        let mut centroids = Vec::with_capacity(means.len());
        for (i, (m, w)) in means.iter().zip(weights.iter()).enumerate() {
            let mean = match m {
                Value::Long(n) if kind != NumKind::Real => (i128::from(*n) - i128::from(base)) as f64,
                other => other.as_f64()? - base as f64,
            };
            let flag = exact.as_ref().and_then(|e| e.get(i)).is_none_or(Value::is_true);
            centroids.push(Centroid {
                mean,
                weight: w.as_f64()?,
                exact: flag,
            });
        }
        Some(TypedDigest {
            kind: Some(kind),
            base,
            digest: TDigest::from_centroids(centroids),
            mixed: false,
        })
    }
}

fn array(items: Vec<Value>) -> Value {
    Value::Array(Arc::new(items))
}

/// A dynamic array's items (a JSON string holding one is parsed).
fn as_array(v: &Value) -> Option<Arc<Vec<Value>>> {
    match v {
        Value::Array(items) => Some(items.clone()),
        Value::String(s) if s.starts_with('[') => match super::value::parse_json_str(s) {
            Value::Array(items) => Some(items),
            _ => None,
        },
        _ => None,
    }
}

/// An HLL in the making: `None` until the first value (when merging, the first sketch fixes the
/// accuracy); `mismatch` once sketches of different accuracies met, which makes the result null.
#[derive(Debug, Clone, PartialEq)]
pub struct HllAcc {
    pub sketch: Option<Hll>,
    pub mismatch: bool,
}

impl HllAcc {
    pub fn new(accuracy: Option<Accuracy>) -> HllAcc {
        HllAcc {
            sketch: accuracy.map(Hll::new),
            mismatch: false,
        }
    }

    pub fn merge(&mut self, other: &Hll) {
        match &mut self.sketch {
            None => self.sketch = Some(other.clone()),
            Some(mine) => self.mismatch |= !mine.merge(other),
        }
    }
}

/// The printed form `[[limit, precision], ["hash", …], registers]`, laid out like Kusto's
/// `hll()` output (`[[1024,14],["3803688792395291579"],[]]`): the sparse form's hashes as signed
/// decimal strings, or the registers as one base64 string once dense.
pub fn hll_to_value(h: &Hll) -> Value {
    use base64::Engine;
    let a = h.accuracy();
    let (hashes, registers) = h.parts();
    let header = array(vec![Value::Long(a.exact_limit() as i64), Value::Long(i64::from(a.precision()))]);
    let hashes = array(hashes.iter().map(|&x| Value::str(&(x as i64).to_string())).collect());
    let registers = match registers {
        Some(r) => Value::str(&base64::engine::general_purpose::STANDARD.encode(r)),
        None => array(Vec::new()),
    };
    array(vec![header, hashes, registers])
}

/// Reads a printed HLL back; `None` when `v` is not one.
pub fn hll_from_value(v: &Value) -> Option<Hll> {
    use base64::Engine;
    let parts = as_array(v)?;
    let accuracy = Accuracy::from_precision(as_array(parts.first()?)?.get(1)?.as_i64()?)?;
    let hashes = as_array(parts.get(1)?)?
        .iter()
        .map(|h| match h {
            Value::String(s) => s.parse::<i64>().ok().map(|x| x as u64),
            other => other.as_i64().map(|x| x as u64),
        })
        .collect::<Option<Vec<u64>>>()?;
    let registers = match parts.get(2)? {
        Value::String(s) => Some(base64::engine::general_purpose::STANDARD.decode(s.as_bytes()).ok()?),
        _ => None,
    };
    Hll::from_parts(accuracy, &hashes, registers)
}
