//! Aggregation functions for `summarize` (…/summarize-operator, …/aggregation-functions).
//! Nulls are ignored; empty-input defaults: count/dcount/sum 0, make_* `[]`, others null.

use std::collections::HashSet;
use std::sync::Arc;

use super::super::budget;
use super::super::value::{Bag, Value, compare_values, sort_order};
use super::expr::CExpr;
pub use super::sketch_agg::SketchArgs;
use crate::kql::sketch::{HllAcc, TypedDigest};

/// Which aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggKind {
    Count,
    CountIf,
    DCount,
    DCountIf,
    Sum,
    SumIf,
    Avg,
    AvgIf,
    Min,
    Max,
    MinIf,
    MaxIf,
    MakeSet,
    MakeSetIf,
    MakeList,
    MakeListIf,
    MakeBag,
    ArgMax,
    ArgMin,
    TakeAny,
    AnyIf,
    Stdev,
    Variance,
    /// percentile, percentiles, percentilew, percentilesw: a column per percent.
    Percentiles,
    /// percentiles_array, percentilesw_array: one array of all the percents.
    PercentilesArray,
    TDigest,
    TDigestMerge,
    Hll,
    HllIf,
    HllMerge,
}

/// Aggregate names with their kind, default output prefix, arity and default max size.
pub fn lookup(name: &str) -> Option<(AggKind, &'static str)> {
    Some(match name {
        "count" => (AggKind::Count, "count_"),
        "countif" => (AggKind::CountIf, "countif_"),
        "dcount" => (AggKind::DCount, "dcount_"),
        "dcountif" => (AggKind::DCountIf, "dcountif_"),
        "sum" => (AggKind::Sum, "sum_"),
        "sumif" => (AggKind::SumIf, "sumif_"),
        "avg" => (AggKind::Avg, "avg_"),
        "avgif" => (AggKind::AvgIf, "avgif_"),
        "min" => (AggKind::Min, "min_"),
        "max" => (AggKind::Max, "max_"),
        "minif" => (AggKind::MinIf, "minif_"),
        "maxif" => (AggKind::MaxIf, "maxif_"),
        "make_set" | "makeset" => (AggKind::MakeSet, "set_"),
        "make_set_if" => (AggKind::MakeSetIf, "set_"),
        "make_list" | "makelist" => (AggKind::MakeList, "list_"),
        "make_list_if" => (AggKind::MakeListIf, "list_"),
        "make_bag" => (AggKind::MakeBag, "bag_"),
        "arg_max" => (AggKind::ArgMax, "max_"),
        "arg_min" => (AggKind::ArgMin, "min_"),
        // take_any(X) keeps the name X; the deprecated any(X) adds `any_` (…/take-any-aggregation-function).
        "take_any" => (AggKind::TakeAny, ""),
        "any" => (AggKind::TakeAny, "any_"),
        "anyif" => (AggKind::AnyIf, "anyif_"),
        // take_anyif(X, p) keeps the name X, as take_any does (Microsoft's analyzer, 12.4.1).
        "take_anyif" => (AggKind::AnyIf, ""),
        "stdev" => (AggKind::Stdev, "stdev_"),
        "variance" => (AggKind::Variance, "variance_"),
        // Column names as Microsoft's analyzer gives them (…/percentiles-aggregation-function).
        "percentile" | "percentiles" | "percentilew" | "percentilesw" => (AggKind::Percentiles, "percentile_"),
        "percentiles_array" | "percentilesw_array" => (AggKind::PercentilesArray, "percentiles_"),
        "tdigest" => (AggKind::TDigest, "tdigest_"),
        "tdigest_merge" | "merge_tdigest" => (AggKind::TDigestMerge, "merge_tdigests_"),
        "hll" => (AggKind::Hll, "hll_"),
        "hll_if" => (AggKind::HllIf, "hll_if_"),
        "hll_merge" => (AggKind::HllMerge, "hll_merge_"),
        _ => return None,
    })
}

/// Default cap for make_set/make_list, and the deprecated names' smaller cap (…/make-set-aggregation-function).
pub fn default_max(name: &str) -> usize {
    match name {
        "makeset" | "makelist" => 128,
        _ => 1_048_576,
    }
}

/// A compiled aggregate: its kind, argument expressions, and (for arg_max/arg_min) returned columns.
#[derive(Debug, Clone)]
pub struct Agg {
    pub kind: AggKind,
    pub args: Vec<CExpr>,
    pub max_size: usize,
    /// For arg_max/arg_min: expressions returned with the extreme row.
    pub extra: Vec<CExpr>,
    /// For the estimating aggregates: accuracy, percents, weight (see [`super::sketch_agg`]).
    pub sketch: SketchArgs,
}

/// Running state for one aggregate in one group.
#[derive(Debug, Clone)]
pub enum State {
    Count(i64),
    Sum {
        long: i64,
        real: f64,
        is_real: bool,
        seen: bool,
        timespan: bool,
    },
    Avg {
        sum: f64,
        n: i64,
    },
    Best(Option<Value>),
    Set(HashSet<Value>, Vec<Value>),
    List(Vec<Value>),
    /// make_bag: the keys seen (a set, so a bag of 200,000 keys is not quadratic) and the bag.
    Bag(HashSet<Arc<str>>, Bag),
    Arg(Option<(Value, Vec<Value>)>),
    Moments {
        n: f64,
        sum: f64,
        sumsq: f64,
    },
    /// percentile*, tdigest, tdigest_merge.
    Digest(Box<TypedDigest>),
    /// dcount, dcountif, hll, hll_if, hll_merge.
    Hll(Box<HllAcc>),
}

impl Agg {
    /// A fresh state.
    pub fn init(&self) -> State {
        match self.kind {
            AggKind::Count | AggKind::CountIf => State::Count(0),
            AggKind::Sum | AggKind::SumIf => State::Sum {
                long: 0,
                real: 0.0,
                is_real: false,
                seen: false,
                timespan: false,
            },
            AggKind::Avg | AggKind::AvgIf => State::Avg { sum: 0.0, n: 0 },
            AggKind::Min | AggKind::Max | AggKind::MinIf | AggKind::MaxIf | AggKind::TakeAny | AggKind::AnyIf => State::Best(None),
            AggKind::MakeSet | AggKind::MakeSetIf => State::Set(HashSet::new(), Vec::new()),
            AggKind::MakeList | AggKind::MakeListIf => State::List(Vec::new()),
            AggKind::MakeBag => State::Bag(HashSet::new(), Vec::new()),
            AggKind::ArgMax | AggKind::ArgMin => State::Arg(None),
            AggKind::Stdev | AggKind::Variance => State::Moments {
                n: 0.0,
                sum: 0.0,
                sumsq: 0.0,
            },
            AggKind::Percentiles | AggKind::PercentilesArray | AggKind::TDigest | AggKind::TDigestMerge => State::Digest(Box::default()),
            AggKind::DCount | AggKind::DCountIf | AggKind::Hll | AggKind::HllIf | AggKind::HllMerge => {
                State::Hll(Box::new(HllAcc::new(self.sketch.accuracy)))
            }
        }
    }

    pub(super) fn arg(&self, i: usize, row: &[Value]) -> Value {
        self.args.get(i).map(|a| a.eval(row)).unwrap_or(Value::Null)
    }

    /// The `*if` predicate (last argument for countif/anyif, second for the others).
    fn pred(&self, i: usize, row: &[Value]) -> bool {
        self.arg(i, row).is_true()
    }

    /// Entries a growing state holds (make_list, make_set, make_bag, dcount); 0 for the others,
    /// whose size is fixed.
    pub fn state_len(state: &State) -> usize {
        match state {
            State::Set(_, out) | State::List(out) => out.len(),
            State::Bag(_, bag) => bag.len(),
            // Sketches are measured in bytes, so `state_bytes_since` is the difference.
            State::Digest(d) => d.entries() * DIGEST_ENTRY,
            State::Hll(h) => h.sketch.as_ref().map_or(0, |s| s.bytes()),
            _ => 0,
        }
    }

    /// Estimated bytes of the entries added since the state held `from` entries, for the memory
    /// budget: a slot per entry (two for make_set and make_bag, which also index them) plus the
    /// payload of values no one else holds.
    pub fn state_bytes_since(state: &State, from: usize) -> usize {
        let slot = budget::VALUE_SLOT;
        match state {
            // make_set holds each value twice (the set and the list): fresh means held by those two.
            State::Set(_, out) => out[from.min(out.len())..]
                .iter()
                .map(|v| 2 * slot + budget::owned_bytes(v, 2))
                .sum(),
            State::List(out) => out[from.min(out.len())..].iter().map(|v| slot + budget::fresh_bytes(v)).sum(),
            State::Bag(_, bag) => bag[from.min(bag.len())..]
                .iter()
                .map(|(k, v)| 3 * slot + k.len() + budget::fresh_bytes(v))
                .sum(),
            State::Digest(_) | State::Hll(_) => Agg::state_len(state).saturating_sub(from),
            _ => 0,
        }
    }

    /// The argument that holds an `*if` aggregate's predicate.
    fn predicate(&self) -> Option<usize> {
        use AggKind::*;
        match self.kind {
            CountIf => Some(0),
            DCountIf | SumIf | AvgIf | MinIf | MaxIf | AnyIf | MakeSetIf | MakeListIf | HllIf => Some(1),
            _ => None,
        }
    }

    /// Folds one row into the state: rows an `*if` predicate rejects are skipped, then one arm per
    /// kind of state.
    pub fn update(&self, state: &mut State, row: &[Value]) {
        if self.predicate().is_some_and(|i| !self.pred(i, row)) {
            return;
        }
        match state {
            State::Count(n) => {
                if self.kind == AggKind::CountIf || self.args.is_empty() || !self.arg(0, row).is_null() {
                    *n += 1;
                }
            }
            State::Digest(_) | State::Hll(_) => super::sketch_agg::update(self, state, row),
            State::Sum { .. } => add_to_sum(state, self.arg(0, row)),
            State::Avg { sum, n } => {
                if let Some(f) = self.arg(0, row).as_f64() {
                    *sum += f;
                    *n += 1;
                }
            }
            State::Best(best) => self.update_best(best, row),
            State::Set(seen, out) => {
                for v in flatten_once(self.arg(0, row)) {
                    if out.len() < self.max_size && seen.insert(v.clone()) {
                        out.push(v);
                    }
                }
            }
            State::List(out) => {
                let v = self.arg(0, row);
                if !v.is_null() && out.len() < self.max_size {
                    out.push(v);
                }
            }
            State::Bag(keys, bag) => {
                if let Value::Bag(b) = self.arg(0, row) {
                    // `make_bag(x, MaxSize)` (…/make-bag-aggregate-function): no more keys past it.
                    for (k, v) in b.iter() {
                        if bag.len() >= self.max_size {
                            break;
                        }
                        if keys.insert(k.clone()) {
                            bag.push((k.clone(), v.clone()));
                        }
                    }
                }
            }
            State::Arg(best) => self.update_arg(best, row),
            State::Moments { n, sum, sumsq } => {
                if let Some(f) = self.arg(0, row).as_f64() {
                    *n += 1.0;
                    *sum += f;
                    *sumsq += f * f;
                }
            }
        }
    }

    /// min/max keep the extreme non-null value; take_any/any_if the first non-empty one.
    fn update_best(&self, best: &mut Option<Value>, row: &[Value]) {
        use AggKind::*;
        let v = self.arg(0, row);
        if matches!(self.kind, TakeAny | AnyIf) {
            // Prefers a non-null, non-empty value when one exists (…/take-any-aggregation-function).
            if best.is_none() && !super::super::functions::is_empty(&v) {
                *best = Some(v);
            }
            return;
        }
        if v.is_null() {
            return;
        }
        let want = if matches!(self.kind, Min | MinIf) {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        };
        if best.as_ref().is_none_or(|b| compare_values(&v, b) == Some(want)) {
            *best = Some(v);
        }
    }

    /// arg_max/arg_min keep the extreme value with the row's extra columns.
    fn update_arg(&self, best: &mut Option<(Value, Vec<Value>)>, row: &[Value]) {
        let v = self.arg(0, row);
        if v.is_null() {
            return;
        }
        let want = if self.kind == AggKind::ArgMax {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Less
        };
        if best.as_ref().is_none_or(|(b, _)| compare_values(&v, b) == Some(want)) {
            *best = Some((v, self.extra.iter().map(|e| e.eval(row)).collect()));
        }
    }

    /// Final values (one, or 1 + extra for arg_max/arg_min).
    pub fn finish(&self, state: State) -> Vec<Value> {
        let one = match state {
            State::Digest(_) | State::Hll(_) => return super::sketch_agg::finish(self, state),
            State::Count(n) => Value::Long(n),
            State::Sum {
                long,
                real,
                is_real,
                seen,
                timespan,
            } => {
                if !seen {
                    Value::Long(0)
                } else if is_real {
                    Value::Real(real)
                } else if timespan {
                    Value::TimeSpan(long)
                } else {
                    Value::Long(long)
                }
            }
            State::Avg { sum, n } => {
                if n == 0 {
                    Value::Null
                } else {
                    Value::Real(sum / n as f64)
                }
            }
            State::Best(b) => b.unwrap_or(Value::Null),
            State::Set(_, mut out) => {
                // Order is undefined in Kusto; sorting makes output deterministic.
                out.sort_by(sort_order);
                Value::Array(Arc::new(out))
            }
            State::List(out) => Value::Array(Arc::new(out)),
            State::Bag(_, b) => Value::Bag(Arc::new(b)),
            State::Arg(best) => {
                let (v, extra) = best.unwrap_or((Value::Null, vec![Value::Null; self.extra.len()]));
                let mut out = vec![v];
                out.extend(extra);
                return out;
            }
            State::Moments { n, sum, sumsq } => {
                if n < 2.0 {
                    Value::Real(0.0)
                } else {
                    let var = (sumsq - sum * sum / n) / (n - 1.0);
                    Value::Real(if self.kind == AggKind::Stdev { var.sqrt() } else { var })
                }
            }
        };
        vec![one]
    }
}
/// Bytes charged per centroid or buffered value of a digest (mean, weight, flag, and slack).
const DIGEST_ENTRY: usize = 32;

/// Adds a value to a sum: longs and timespans exactly, other numbers as reals.
fn add_to_sum(state: &mut State, value: Value) {
    let State::Sum {
        long,
        real,
        is_real,
        seen,
        timespan,
    } = state
    else {
        return;
    };
    match value {
        Value::Long(v) => {
            *long = long.wrapping_add(v);
            *real += v as f64;
            *seen = true;
        }
        Value::TimeSpan(v) => {
            *long = long.wrapping_add(v);
            *seen = true;
            *timespan = true;
        }
        other => {
            if let Some(f) = other.as_f64() {
                *real += f;
                *is_real = true;
                *seen = true;
            }
        }
    }
}

/// The values make_set adds for one row: the value itself, nothing for null.
fn flatten_once(v: Value) -> Vec<Value> {
    if v.is_null() { Vec::new() } else { vec![v] }
}
