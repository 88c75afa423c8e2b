//! Whole-series statistics (…/series-stats-function, …/series-stats-dynamic-function) and the
//! least-squares line (…/series-fit-line-function, …/series-fit-line-dynamic-function).

use std::sync::Arc;

use super::{array, finite, flag, number, reals};
use crate::kql::value::{Bag, Value};

/// The statistics of a series' elements.
struct Stats {
    min: f64,
    min_idx: usize,
    max: f64,
    max_idx: usize,
    avg: f64,
    stdev: f64,
    variance: f64,
    sum: f64,
}

/// The statistics of `items`; `None` when a non-finite element (null, NaN, infinity, non-number)
/// is present and not ignored, as the docs say, or when no element counts. Positions are those
/// in `items`; variance and stdev are the sample ones (n − 1), 0 for one element.
fn stats_of(items: &[Value], ignore_nonfinite: bool) -> Option<Stats> {
    let xs: Vec<(usize, f64)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| number(v).filter(|x| x.is_finite()).map(|x| (i, x)))
        .collect();
    if xs.is_empty() || (!ignore_nonfinite && xs.len() < items.len()) {
        return None;
    }
    let (mut min, mut max) = (xs[0], xs[0]);
    for &(i, x) in &xs {
        if x < min.1 {
            min = (i, x);
        }
        if x > max.1 {
            max = (i, x);
        }
    }
    let n = xs.len() as f64;
    let sum: f64 = xs.iter().map(|(_, x)| x).sum();
    let avg = sum / n;
    let variance = if xs.len() < 2 {
        0.0
    } else {
        xs.iter().map(|(_, x)| (x - avg).powi(2)).sum::<f64>() / (n - 1.0)
    };
    Some(Stats {
        min: min.1,
        min_idx: min.0,
        max: max.1,
        max_idx: max.0,
        avg,
        stdev: variance.sqrt(),
        variance,
        sum,
    })
}

/// The statistics' values, in [`super::fields`]' order for `series_stats`, then sum.
fn stat_values(s: Option<&Stats>) -> [Value; 8] {
    let real = |f: fn(&Stats) -> f64| s.map_or(Value::Null, |s| Value::Real(f(s)));
    let index = |f: fn(&Stats) -> usize| s.map_or(Value::Null, |s| Value::Long(f(s) as i64));
    [
        real(|s| s.min),
        index(|s| s.min_idx),
        real(|s| s.max),
        index(|s| s.max_idx),
        real(|s| s.avg),
        real(|s| s.stdev),
        real(|s| s.variance),
        real(|s| s.sum),
    ]
}

const STAT_NAMES: [&str; 8] = ["min", "min_idx", "max", "max_idx", "avg", "stdev", "variance", "sum"];

/// `series_stats(series [, ignore_nonfinite])`: the seven values as one multi-value result.
pub(super) fn stats(a: &[Value]) -> Value {
    let (Some(items), Ok(ignore)) = (array(&a[0]), flag(a, 1, false)) else {
        return Value::Null;
    };
    let values = stat_values(stats_of(&items, ignore).as_ref());
    Value::Array(Arc::new(values[..7].to_vec()))
}

/// `series_stats_dynamic(series [, ignore_nonfinite])`: the statistics, sum and length as a bag.
pub(super) fn stats_dynamic(a: &[Value]) -> Value {
    let (Some(items), Ok(ignore)) = (array(&a[0]), flag(a, 1, false)) else {
        return Value::Null;
    };
    let values = stat_values(stats_of(&items, ignore).as_ref());
    let mut bag: Bag = STAT_NAMES.iter().zip(values).map(|(k, v)| (Arc::from(*k), v)).collect();
    bag.push((Arc::from("len"), Value::Long(items.len() as i64)));
    Value::Bag(Arc::new(bag))
}

/// A least-squares line `y = slope·x + interception` and how well it fits.
pub(super) struct Line {
    pub(super) slope: f64,
    pub(super) interception: f64,
    pub(super) rsquare: f64,
    /// The sample variance of the ys.
    pub(super) variance: f64,
    /// The residuals' sum of squares over n − 1.
    pub(super) rvariance: f64,
}

impl Line {
    pub(super) fn at(&self, x: f64) -> f64 {
        self.slope * x + self.interception
    }
}

/// The least-squares line through `points`; `None` without points. One point, or points all at
/// one x, give a flat line through their mean; a constant series has r² 1 (it fits exactly).
pub(super) fn fit(points: &[(f64, f64)]) -> Option<Line> {
    if points.is_empty() {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let interception = my - slope * mx;
    let rss: f64 = points.iter().map(|p| (p.1 - (slope * p.0 + interception)).powi(2)).sum();
    let over = |s: f64| if points.len() < 2 { 0.0 } else { s / (n - 1.0) };
    Some(Line {
        slope,
        interception,
        rsquare: if syy > 0.0 { 1.0 - rss / syy } else { 1.0 },
        variance: over(syy),
        rvariance: over(rss),
    })
}

/// The line through a series' finite elements at x = 1, 2, … (the docs' example puts its first
/// fitted value at slope + interception), and the fitted values at every position.
fn series_line(items: &[Value]) -> Option<(Line, Value)> {
    let points: Vec<(f64, f64)> = finite(items)
        .iter()
        .enumerate()
        .filter_map(|(i, y)| y.map(|y| ((i + 1) as f64, y)))
        .collect();
    let line = fit(&points)?;
    let fitted = reals((1..=items.len()).map(|x| Some(line.at(x as f64))));
    Some((line, fitted))
}

/// The line's values, in [`super::fields`]' order.
fn line_values(items: &[Value]) -> [Value; 6] {
    match series_line(items) {
        Some((l, fitted)) => [
            Value::Real(l.rsquare),
            Value::Real(l.slope),
            Value::Real(l.variance),
            Value::Real(l.rvariance),
            Value::Real(l.interception),
            fitted,
        ],
        None => std::array::from_fn(|_| Value::Null),
    }
}

const LINE_NAMES: [&str; 6] = ["rsquare", "slope", "variance", "rvariance", "interception", "line_fit"];

/// `series_fit_line(series)`: the six values as one multi-value result.
pub(super) fn fit_line(a: &[Value]) -> Value {
    match array(&a[0]) {
        Some(items) => Value::Array(Arc::new(line_values(&items).to_vec())),
        None => Value::Null,
    }
}

/// `series_fit_line_dynamic(series)`: the same values as a bag.
pub(super) fn fit_line_dynamic(a: &[Value]) -> Value {
    match array(&a[0]) {
        Some(items) => {
            let bag: Bag = LINE_NAMES
                .iter()
                .zip(line_values(&items))
                .map(|(k, v)| (Arc::from(*k), v))
                .collect();
            Value::Bag(Arc::new(bag))
        }
        None => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arr(text: &str) -> Value {
        crate::kql::value::parse_json_str(text)
    }

    fn close(v: &Value, want: f64) -> bool {
        v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9 * want.abs().max(1.0))
    }

    // series-stats-function / series-stats-dynamic-function: the docs' example values.
    #[test]
    fn stats_match_docs() {
        let x = arr("[23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29]");
        let Value::Array(s) = stats(std::slice::from_ref(&x)) else {
            panic!("an array")
        };
        assert_eq!(
            s[..5],
            [
                Value::Real(2.0),
                Value::Long(8),
                Value::Real(87.0),
                Value::Long(3),
                Value::Real(32.8)
            ]
        );
        assert!(close(&s[5], 28.503_633_853_548_27) && close(&s[6], 812.457_142_857_142_9), "{s:?}");
        let d = stats_dynamic(&[x]);
        assert_eq!(d.get_key("sum"), Value::Real(492.0));
        assert_eq!(d.get_key("len"), Value::Long(15));
        assert!(close(&d.get_key("stdev"), 28.503_633_853_548_27));
    }

    #[test]
    fn nonfinite_elements_null_the_stats_unless_ignored() {
        let x = arr("[1, null, 3]");
        let Value::Array(s) = stats(std::slice::from_ref(&x)) else {
            panic!("an array")
        };
        assert!(s.iter().all(Value::is_null), "{s:?}");
        let Value::Array(s) = stats(&[x, Value::Bool(true)]) else {
            panic!("an array")
        };
        assert_eq!(s[..4], [Value::Real(1.0), Value::Long(0), Value::Real(3.0), Value::Long(2)]);
    }

    // series-fit-line-function: RSquare 0.982, Slope 2.730, Variance 98.628, RVariance 1.686,
    // Interception -1.666, LineFit from 1.064 to 31.102.
    #[test]
    fn fit_line_matches_docs() {
        let y = arr("[2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]");
        let Value::Array(v) = fit_line(std::slice::from_ref(&y)) else {
            panic!("an array")
        };
        let round = |v: &Value| (v.as_f64().expect("number") * 1000.0).round() / 1000.0;
        assert_eq!(v[..5].iter().map(round).collect::<Vec<_>>(), [0.983, 2.731, 98.629, 1.686, -1.667]);
        let Value::Array(fit) = &v[5] else { panic!("line_fit") };
        assert_eq!((round(&fit[0]), round(&fit[11])), (1.064, 31.103));
        assert_eq!(fit_line_dynamic(&[y]).get_key("slope"), v[1]);
    }
}
