//! The estimating aggregates over [`crate::kql::sketch`]: `percentile`, `percentiles`,
//! `percentilew`, `percentilesw`, their `_array` forms, `tdigest`, `tdigest_merge`, `dcount`,
//! `dcountif`, `hll`, `hll_if` and `hll_merge` — their constant arguments (percents, accuracy),
//! their column names, and how they fold rows.

use super::super::ast::Expr;
use super::super::error::{KqlError, Span};
use super::super::table::Column;
use super::super::value::{KqlType, Value};
use super::aggregate::{Agg, AggKind, State};
use super::expr::CExpr;
use super::{Env, Evaluator};
use crate::kql::functions::hash64;
use crate::kql::sketch::hll::Accuracy;
use crate::kql::sketch::{TypedDigest, hll_from_value, hll_to_value};
use std::sync::Arc;

/// The constant arguments of an estimating aggregate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SketchArgs {
    /// The HLL accuracy (dcount, hll); `None` for hll_merge, which takes its inputs'.
    pub accuracy: Option<Accuracy>,
    /// The percents asked for, in order.
    pub percents: Vec<f64>,
    /// Whether the second argument is a weight (percentilew, percentilesw, tdigest(x, w)).
    pub weighted: bool,
}

/// Each name's arguments: how many are evaluated per row (the rest are constants), and the
/// least and most it takes.
fn shape(name: &str) -> (usize, usize, usize) {
    match name {
        "percentile" => (1, 2, 2),
        "percentilew" => (2, 3, 3),
        "percentiles" | "percentiles_array" => (1, 2, 64),
        "percentilesw" | "percentilesw_array" => (2, 3, 64),
        "tdigest" => (1, 1, 2),
        "dcount" | "hll" => (1, 1, 2),
        "dcountif" | "hll_if" => (2, 2, 3),
        _ => (1, 1, 1),
    }
}

/// Whether `kind` is one of the aggregates this module compiles.
pub(super) fn is_sketch(kind: AggKind) -> bool {
    use AggKind::*;
    matches!(
        kind,
        Percentiles | PercentilesArray | TDigest | TDigestMerge | DCount | DCountIf | Hll | HllIf | HllMerge
    )
}

impl Evaluator<'_> {
    /// Compiles an estimating aggregate: its row arguments, then its constants.
    pub(super) fn compile_sketch_agg(
        &self,
        kind: AggKind,
        name: &str,
        args: &[Expr],
        span: Span,
        cols: &[Column],
        env: &Env,
    ) -> Result<Agg, KqlError> {
        let (row_args, min, max) = shape(name);
        if args.len() < min || args.len() > max {
            let want = if min == max { min.to_string() } else { format!("{min} to {max}") };
            return Err(self.err(span, format!("`{name}` takes {want} arguments, got {}", args.len())));
        }
        let row_args = if name == "tdigest" { args.len() } else { row_args.min(args.len()) };
        if matches!(kind, AggKind::Percentiles | AggKind::PercentilesArray | AggKind::TDigest) {
            self.check_summable(name, &args[0], cols)?;
        }
        let mut cargs = Vec::with_capacity(row_args);
        for a in &args[..row_args] {
            cargs.push(self.compile(a, cols, env)?);
        }
        let mut sketch = SketchArgs {
            weighted: matches!(name, "percentilew" | "percentilesw" | "percentilesw_array") || name == "tdigest" && args.len() == 2,
            ..SketchArgs::default()
        };
        let constants = &args[row_args..];
        match kind {
            AggKind::Percentiles | AggKind::PercentilesArray => {
                sketch.percents = self.percents(name, constants, kind == AggKind::PercentilesArray, env)?;
            }
            AggKind::DCount | AggKind::DCountIf | AggKind::Hll | AggKind::HllIf => {
                sketch.accuracy = Some(match constants.first() {
                    Some(a) => self.accuracy(name, a, env)?,
                    None => Accuracy::DEFAULT,
                });
            }
            _ => {}
        }
        Ok(Agg {
            kind,
            args: cargs,
            max_size: 0,
            extra: Vec::new(),
            sketch,
        })
    }

    /// Percentiles take numbers, datetimes and timespans (the analyzer: "must be summable").
    fn check_summable(&self, name: &str, arg: &Expr, cols: &[Column]) -> Result<(), KqlError> {
        match super::types::static_type(arg, cols) {
            Some(KqlType::String | KqlType::Bool | KqlType::Guid | KqlType::Dynamic) => Err(self.err(
                arg.span(),
                format!("`{name}` needs a number, datetime or timespan; convert `{arg}` first (toreal(), todatetime(), …)"),
            )),
            _ => Ok(()),
        }
    }

    /// The constant percents, each in 0–100; the `_array` forms also take one dynamic array.
    fn percents(&self, name: &str, args: &[Expr], array_form: bool, env: &Env) -> Result<Vec<f64>, KqlError> {
        let mut out = Vec::new();
        for a in args {
            let c = self.compile(a, &[], env).ok().filter(CExpr::is_const);
            let Some(c) = c else {
                return Err(self.err(a.span(), format!("`{name}`'s percent must be a constant number, not `{a}`")));
            };
            let items = match c.eval(&[]) {
                Value::Array(items) if array_form => items.as_ref().clone(),
                other => vec![other],
            };
            for v in items {
                match v.as_f64() {
                    Some(p) if (0.0..=100.0).contains(&p) && !matches!(v, Value::String(_)) => out.push(p),
                    _ => return Err(self.err(a.span(), format!("`{name}`'s percents must be numbers from 0 to 100, got `{a}`"))),
                }
            }
        }
        Ok(out)
    }

    /// A constant accuracy level 0–4 (…/dcount-aggregation-function, "Estimation accuracy").
    fn accuracy(&self, name: &str, arg: &Expr, env: &Env) -> Result<Accuracy, KqlError> {
        let level = self
            .compile(arg, &[], env)
            .ok()
            .filter(CExpr::is_const)
            .and_then(|c| match c.eval(&[]) {
                Value::Long(n) => Accuracy::new(n),
                _ => None,
            });
        level.ok_or_else(|| {
            self.err(
                arg.span(),
                format!("`{name}`'s accuracy must be a constant 0, 1, 2, 3 or 4, not `{arg}`"),
            )
        })
    }
}

/// A percent as column names spell it: `99.9` → `99_9`.
fn percent_suffix(p: f64) -> String {
    format!("{p}").replace('.', "_")
}

/// The output columns of a `percentiles` aggregate, as the analyzer names them: `percentile_x_50`,
/// `percentile_x_95`, …, an explicit name replacing the first only. None for other aggregates.
pub(super) fn column_names(agg: &Agg, explicit: Option<&str>, base: &str) -> Option<Vec<String>> {
    if agg.kind != AggKind::Percentiles {
        return None;
    }
    let mut names: Vec<String> = agg
        .sketch
        .percents
        .iter()
        .map(|p| format!("percentile_{base}_{}", percent_suffix(*p)))
        .collect();
    if let (Some(first), Some(name)) = (names.first_mut(), explicit) {
        *first = name.to_owned();
    }
    Some(names)
}

/// Folds one row into a digest or HLL state.
pub(super) fn update(agg: &Agg, state: &mut State, row: &[Value]) {
    match state {
        State::Digest(d) => {
            let v = agg.arg(0, row);
            if agg.kind == AggKind::TDigestMerge {
                if let Some(other) = TypedDigest::from_value(&v) {
                    d.merge(&other);
                }
                return;
            }
            let weight = if agg.sketch.weighted { agg.arg(1, row).as_f64() } else { Some(1.0) };
            if let Some(w) = weight {
                d.add(&v, w);
            }
        }
        State::Hll(acc) => {
            let v = agg.arg(0, row);
            if agg.kind == AggKind::HllMerge {
                if let Some(other) = hll_from_value(&v) {
                    acc.merge(&other);
                }
            } else if let (Some(h), Some(sketch)) = (hash64(&v), acc.sketch.as_mut()) {
                sketch.add(h);
            }
        }
        _ => {}
    }
}

/// The final values of a digest or HLL state.
pub(super) fn finish(agg: &Agg, state: State) -> Vec<Value> {
    match state {
        State::Digest(mut d) => match agg.kind {
            AggKind::Percentiles => agg.sketch.percents.iter().map(|p| d.percentile(*p)).collect(),
            AggKind::PercentilesArray => {
                let values = agg.sketch.percents.iter().map(|p| d.percentile(*p)).collect();
                vec![Value::Array(Arc::new(values))]
            }
            _ => vec![d.printed()],
        },
        State::Hll(acc) => {
            let sketch = acc.sketch.as_ref().filter(|_| !acc.mismatch);
            vec![match (agg.kind, sketch) {
                (AggKind::DCount | AggKind::DCountIf, Some(s)) => Value::Long(s.count() as i64),
                (AggKind::DCount | AggKind::DCountIf, None) => Value::Null,
                (_, Some(s)) => hll_to_value(s),
                (_, None) => Value::Null,
            }]
        }
        _ => vec![Value::Null],
    }
}
