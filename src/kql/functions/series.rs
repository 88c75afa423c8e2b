//! The `series_*` functions (…/scalar-functions#series-processing-functions): dynamic numeric
//! arrays in, dynamic out, as `make-series` builds them. The ones returning several values
//! (`series_stats`, `series_fit_line`, `series_decompose`, `series_decompose_anomalies`) return
//! them as one array the evaluator splits into columns (eval/tuple.rs); [`fields`] names them.
//!
//! Like every scalar function these never fail on data: a series argument that is not an array
//! gives null. Option words and bounds written as constants are checked before the query runs
//! ([`check_args`]), so that a misspelt `'linfit'` is a located error rather than a null.

mod decompose;
mod elementwise;
mod fill;
mod stats;

use std::sync::Arc;

use super::FnDef;
use crate::kql::ast::Keyword;
use crate::kql::value::{KqlType, Value, parse_json_str};
use elementwise::{Binary, Unary};

/// The series functions' table has nothing past it.
fn fallback(_: &str) -> Option<FnDef> {
    None
}

table! {
    "series_add" => (|a| elementwise::binary(Binary::Add, a), 2, 2),
    "series_subtract" => (|a| elementwise::binary(Binary::Subtract, a), 2, 2),
    "series_multiply" => (|a| elementwise::binary(Binary::Multiply, a), 2, 2),
    "series_divide" => (|a| elementwise::binary(Binary::Divide, a), 2, 2),
    "series_pow" => (|a| elementwise::binary(Binary::Pow, a), 2, 2),
    "series_equals" => (|a| elementwise::binary(Binary::Equals, a), 2, 2),
    "series_not_equals" => (|a| elementwise::binary(Binary::NotEquals, a), 2, 2),
    "series_greater" => (|a| elementwise::binary(Binary::Greater, a), 2, 2),
    "series_greater_equals" => (|a| elementwise::binary(Binary::GreaterEquals, a), 2, 2),
    "series_less" => (|a| elementwise::binary(Binary::Less, a), 2, 2),
    "series_less_equals" => (|a| elementwise::binary(Binary::LessEquals, a), 2, 2),
    "series_abs" => (|a| elementwise::unary(Unary::Abs, a), 1, 1),
    "series_sign" => (|a| elementwise::unary(Unary::Sign, a), 1, 1),
    "series_ceiling" => (|a| elementwise::unary(Unary::Ceiling, a), 1, 1),
    "series_floor" => (|a| elementwise::unary(Unary::Floor, a), 1, 1),
    "series_exp" => (|a| elementwise::unary(Unary::Exp, a), 1, 1),
    "series_log" => (|a| elementwise::unary(Unary::Log, a), 1, 1),
    "series_sin" => (|a| elementwise::unary(Unary::Sin, a), 1, 1),
    "series_cos" => (|a| elementwise::unary(Unary::Cos, a), 1, 1),
    "series_tan" => (|a| elementwise::unary(Unary::Tan, a), 1, 1),
    "series_asin" => (|a| elementwise::unary(Unary::Asin, a), 1, 1),
    "series_acos" => (|a| elementwise::unary(Unary::Acos, a), 1, 1),
    "series_atan" => (|a| elementwise::unary(Unary::Atan, a), 1, 1),
    "series_fill_const" => (fill::constant, 2, 3),
    "series_fill_forward" => (|a| fill::directional(a, true), 1, 2),
    "series_fill_backward" => (|a| fill::directional(a, false), 1, 2),
    "series_fill_linear" => (fill::linear, 1, 4),
    "series_stats" => (stats::stats, 1, 2),
    "series_stats_dynamic" => (stats::stats_dynamic, 1, 2),
    "series_fit_line" => (stats::fit_line, 1, 1),
    "series_fit_line_dynamic" => (stats::fit_line_dynamic, 1, 1),
    "series_outliers" => (decompose::outliers, 1, 5),
    "series_decompose" => (decompose::decompose, 1, 5),
    "series_decompose_anomalies" => (decompose::anomalies, 1, 7),
}

/// KQL's series functions tenantless does not run yet: reported as such, not as a misspelling
/// of one it runs.
pub const NOT_YET: &[&str] = &[
    "series_cosine_similarity",
    "series_decompose_forecast",
    "series_dot_product",
    "series_fft",
    "series_fir",
    "series_fit_2lines",
    "series_fit_2lines_dynamic",
    "series_fit_poly",
    "series_ifft",
    "series_iir",
    "series_magnitude",
    "series_pearson_correlation",
    "series_periods_detect",
    "series_periods_validate",
    "series_seasonal",
    "series_sum",
];

/// The values a multi-value function returns, in order, with their column types (as
/// Microsoft's analyzer types them); `None` for single-value functions.
pub fn fields(name: &str) -> Option<&'static [(&'static str, KqlType)]> {
    use KqlType::{Dynamic, Long, Real};
    Some(match name {
        "series_stats" => &[
            ("min", Real),
            ("min_idx", Long),
            ("max", Real),
            ("max_idx", Long),
            ("avg", Real),
            ("stdev", Real),
            ("variance", Real),
        ],
        "series_fit_line" => &[
            ("rsquare", Real),
            ("slope", Real),
            ("variance", Real),
            ("rvariance", Real),
            ("interception", Real),
            ("line_fit", Dynamic),
        ],
        "series_decompose" => &[
            ("baseline", Dynamic),
            ("seasonal", Dynamic),
            ("trend", Dynamic),
            ("residual", Dynamic),
        ],
        "series_decompose_anomalies" => &[("ad_flag", Dynamic), ("ad_score", Dynamic), ("baseline", Dynamic)],
        _ => return None,
    })
}

/// Checks the constant arguments of a series function (`None` for an argument computed per row,
/// which is checked when it is used: a wrong value then gives null).
pub fn check_args(name: &str, consts: &[Option<Value>]) -> Result<(), (usize, String)> {
    let args: Vec<Value> = consts.iter().map(|c| c.clone().unwrap_or(Value::Null)).collect();
    match name {
        "series_decompose" => decompose::DecomposeArgs::parse(&args, 1).map(|_| ()),
        "series_decompose_anomalies" => decompose::AnomalyArgs::parse(&args).map(|_| ()),
        "series_outliers" => decompose::OutlierArgs::parse(&args).map(|_| ()),
        "series_stats" | "series_stats_dynamic" => flag(&args, 1, false).map(|_| ()),
        "series_fill_linear" => flag(&args, 2, true).map(|_| ()),
        _ => Ok(()),
    }
}

/// A function's complaint about its argument `i`.
type ArgError = (usize, String);

/// The series argument: a dynamic array, or a string holding one.
fn array(v: &Value) -> Option<Arc<Vec<Value>>> {
    match v {
        Value::Array(items) => Some(items.clone()),
        Value::String(s) if s.trim_start().starts_with('[') => match parse_json_str(s) {
            Value::Array(items) => Some(items),
            _ => None,
        },
        _ => None,
    }
}

/// An element as a number: longs and reals (NaN and infinities included); anything else is none.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Long(x) => Some(*x as f64),
        Value::Real(x) => Some(*x),
        _ => None,
    }
}

/// The finite numbers of a series, in place (`None` for nulls, non-numbers and non-finite values).
fn finite(items: &[Value]) -> Vec<Option<f64>> {
    items.iter().map(|v| number(v).filter(|x| x.is_finite())).collect()
}

/// A dynamic array of reals (`None` as null).
fn reals(xs: impl IntoIterator<Item = Option<f64>>) -> Value {
    Value::Array(Arc::new(xs.into_iter().map(|x| x.map_or(Value::Null, Value::Real)).collect()))
}

/// Optional argument `i`: absent and null both mean the default.
fn opt(args: &[Value], i: usize) -> Option<&Value> {
    args.get(i).filter(|v| !v.is_null())
}

/// Optional numeric argument `i` (default `default`).
fn real_arg(args: &[Value], i: usize, default: f64, what: &str) -> Result<f64, ArgError> {
    match opt(args, i) {
        None => Ok(default),
        Some(v) => number(v)
            .filter(|x| x.is_finite())
            .ok_or_else(|| (i, format!("{what} must be a number"))),
    }
}

/// Optional whole-number argument `i`, at least `min` (default `default`).
fn int_arg(args: &[Value], i: usize, default: i64, min: i64, what: &str) -> Result<i64, ArgError> {
    match opt(args, i) {
        None => Ok(default),
        Some(Value::Long(n)) if *n >= min => Ok(*n),
        Some(Value::Real(x)) if x.fract() == 0.0 && *x >= min as f64 => Ok(*x as i64),
        Some(_) => Err((i, format!("{what} must be a whole number of at least {min}"))),
    }
}

/// Optional `bool` argument `i` (default `default`).
fn flag(args: &[Value], i: usize, default: bool) -> Result<bool, ArgError> {
    match opt(args, i) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err((i, "expected `true` or `false` here".to_string())),
    }
}

/// Optional word argument `i` from the closed set `K` (default `default`).
fn word_arg<K: Keyword>(args: &[Value], i: usize, default: K) -> Result<K, ArgError> {
    match opt(args, i) {
        None => Ok(default),
        Some(Value::String(s)) => K::from_word(s).ok_or_else(|| {
            let words = K::words().iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(", ");
            (i, format!("unknown {} '{s}'; expected one of: {words}", K::WHAT))
        }),
        Some(_) => Err((i, format!("the {} must be a string", K::WHAT))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_words_are_checked_with_the_valid_ones_listed() {
        let args = [Value::Null, Value::Long(-1), Value::str("linfit")];
        let (i, msg) = check_args("series_decompose", &args.map(Some)).expect_err("bad trend");
        assert_eq!(i, 2);
        assert_eq!(msg, "unknown trend 'linfit'; expected one of: 'avg', 'linefit', 'none'");
        assert!(check_args("series_decompose", &[None, None, Some(Value::str("LineFit"))]).is_ok());
        let (i, _) = check_args("series_outliers", &[None, None, None, Some(Value::Long(1))]).expect_err("percentile");
        assert_eq!(i, 3);
    }

    #[test]
    fn a_non_array_series_gives_null() {
        assert!((lookup("series_stats_dynamic").expect("fn").f)(&[Value::Long(1)]).is_null());
        assert!((lookup("series_add").expect("fn").f)(&[Value::Long(1), Value::Long(2)]).is_null());
        assert_eq!(fields("series_stats").map(<[_]>::len), Some(7));
        assert!(fields("series_add").is_none());
    }
}
