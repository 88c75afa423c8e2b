//! Decomposition and anomaly scoring: `series_decompose` (…/series-decompose-function),
//! `series_outliers` (…/series-outliers-function) and `series_decompose_anomalies`
//! (…/series-decompose-anomalies-function), which chains the two.
//!
//! Followed as documented: the seasonal component is the median of the learning points in the
//! same phase; the trend is extracted from the deseasonalised series (`avg`: its mean, `linefit`:
//! its least-squares line); baseline = seasonal + trend, residual = x − baseline; the last
//! `test_points` take no part in learning; scores are Tukey's fence test on the residuals, with
//! the 10th–90th (`ctukey`) or 25th–75th (`tukey`) percentiles of the learning residuals.
//!
//! Not fully specified by the docs, chosen here (docs/cli.md says so too): seasonality
//! autodetection (see [`detect_period`]); with a `linefit` trend, the phases' medians are taken
//! around a first least-squares line through the series (else each period's share of the trend
//! is folded into the season and the trend fitted to a staircase); percentiles interpolate linearly between ranks; a zero
//! inter-percentile range scores any point beyond it ±∞ (it is infinitely many ranges out);
//! missing elements (nulls, non-numbers) are left out of learning and get a null residual and a
//! score of 0.

use std::sync::Arc;

use super::stats::{Line, fit};
use super::{ArgError, array, finite, int_arg, real_arg, reals, word_arg};
use crate::kql::ast::Keyword;
use crate::kql::value::Value;

/// How the trend is extracted (`Trend` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trend {
    /// The mean of the deseasonalised series (the default).
    Avg,
    /// Its least-squares line.
    LineFit,
    /// No trend component.
    None,
}

impl Keyword for Trend {
    const WHAT: &'static str = "trend";
    const ALL: &'static [(Self, &'static [&'static str])] =
        &[(Trend::Avg, &["avg"]), (Trend::LineFit, &["linefit"]), (Trend::None, &["none"])];
}

/// Tukey's fence test variant (`kind` of series_outliers, `AD_method` of the anomalies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tukey {
    /// Custom percentiles, 10th–90th by default (the default).
    Custom,
    /// The quartiles.
    Standard,
}

impl Keyword for Tukey {
    const WHAT: &'static str = "outlier method";
    const ALL: &'static [(Self, &'static [&'static str])] = &[(Tukey::Custom, &["ctukey"]), (Tukey::Standard, &["tukey"])];
}

/// The `Seasonality` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seasonality {
    /// `-1`: detect it (the default).
    Detect,
    /// `0`: no seasonal component.
    Off,
    /// A period in bins.
    Period(usize),
}

/// The options of `series_decompose`, which `series_decompose_anomalies` shares.
#[derive(Debug, Clone, Copy)]
pub(super) struct DecomposeArgs {
    seasonality: Seasonality,
    trend: Trend,
    test_points: usize,
    seasonality_threshold: f64,
}

impl DecomposeArgs {
    /// From the arguments, the first option at `at` (1 for series_decompose, 2 for the anomalies,
    /// whose `Trend` and `Test_points` follow `Seasonality` too, then `AD_method`).
    pub(super) fn parse(a: &[Value], at: usize) -> Result<DecomposeArgs, ArgError> {
        let seasonality = match int_arg(a, at, -1, -1, "the seasonality")? {
            -1 => Seasonality::Detect,
            0 => Seasonality::Off,
            p => Seasonality::Period(p as usize),
        };
        let trend = word_arg(a, at + 1, Trend::Avg)?;
        let test_points = int_arg(a, at + 2, 0, 0, "test_points")? as usize;
        // The anomalies take their AD_method between test_points and the threshold.
        let shift = usize::from(at == 2);
        let seasonality_threshold = real_arg(a, at + 3 + shift, 0.6, "the seasonality threshold")?;
        Ok(DecomposeArgs {
            seasonality,
            trend,
            test_points,
            seasonality_threshold,
        })
    }
}

/// The options of `series_decompose_anomalies`.
pub(super) struct AnomalyArgs {
    threshold: f64,
    decompose: DecomposeArgs,
    method: Tukey,
}

impl AnomalyArgs {
    pub(super) fn parse(a: &[Value]) -> Result<AnomalyArgs, ArgError> {
        Ok(AnomalyArgs {
            threshold: real_arg(a, 1, 1.5, "the threshold")?,
            decompose: DecomposeArgs::parse(a, 2)?,
            method: word_arg(a, 5, Tukey::Custom)?,
        })
    }
}

/// The options of `series_outliers`.
pub(super) struct OutlierArgs {
    ignore: Option<f64>,
    percentiles: (f64, f64),
}

impl OutlierArgs {
    pub(super) fn parse(a: &[Value]) -> Result<OutlierArgs, ArgError> {
        let kind = word_arg(a, 1, Tukey::Custom)?;
        let ignore = super::opt(a, 2).map(|_| real_arg(a, 2, 0.0, "ignore_val")).transpose()?;
        let percentile = |i: usize, default: f64| {
            let p = real_arg(a, i, default, "a percentile")?;
            if (2.0..=98.0).contains(&p) {
                Ok(p)
            } else {
                Err((i, format!("the percentile must be in [2.0, 98.0], got {p}")))
            }
        };
        let (lo, hi) = (percentile(3, 10.0)?, percentile(4, 90.0)?);
        if lo >= hi {
            return Err((4, format!("max_percentile ({hi}) must be above min_percentile ({lo})")));
        }
        let percentiles = if kind == Tukey::Standard { (25.0, 75.0) } else { (lo, hi) };
        Ok(OutlierArgs { ignore, percentiles })
    }
}

/// A series' components, position by position.
struct Parts {
    baseline: Vec<f64>,
    seasonal: Vec<f64>,
    trend: Vec<f64>,
    /// x − baseline; `None` where x is missing.
    residual: Vec<Option<f64>>,
}

/// The decomposition of `xs`, learning from its first `len − test_points` positions.
fn decompose_parts(xs: &[Option<f64>], args: &DecomposeArgs) -> Parts {
    let learn = xs.len().saturating_sub(args.test_points);
    let period = match args.seasonality {
        Seasonality::Detect => detect_period(&xs[..learn], args.seasonality_threshold),
        Seasonality::Off => None,
        Seasonality::Period(p) => Some(p),
    };
    // With a linefit trend the phases' medians are taken around a first line through the
    // series: medians of the raw points would fold each period's share of the trend into the
    // season and leave a staircase for the line to fit.
    let learning: Vec<(f64, f64)> = (0..learn).filter_map(|i| xs[i].map(|x| (i as f64, x))).collect();
    let level: Option<Line> = if args.trend == Trend::LineFit { fit(&learning) } else { None };
    let around = |i: usize, x: f64| x - level.as_ref().map_or(0.0, |l| l.at(i as f64));
    let seasonal: Vec<f64> = match period {
        Some(p) => {
            // Phases past the series' end have no points (and a huge period no memory to spare).
            let medians: Vec<f64> = (0..p.min(xs.len()))
                .map(|phase| median((phase..learn).step_by(p).filter_map(|i| xs[i].map(|x| around(i, x))).collect()))
                .collect();
            (0..xs.len()).map(|i| medians[i % p]).collect()
        }
        None => vec![0.0; xs.len()],
    };
    let deseasonal: Vec<(f64, f64)> = (0..learn).filter_map(|i| xs[i].map(|x| (i as f64, x - seasonal[i]))).collect();
    let trend: Vec<f64> = match (args.trend, fit(&deseasonal)) {
        (Trend::LineFit, Some(line)) => (0..xs.len()).map(|i| line.at(i as f64)).collect(),
        (Trend::Avg, Some(_)) => {
            let mean = deseasonal.iter().map(|p| p.1).sum::<f64>() / deseasonal.len() as f64;
            vec![mean; xs.len()]
        }
        _ => vec![0.0; xs.len()],
    };
    let baseline: Vec<f64> = seasonal.iter().zip(&trend).map(|(s, t)| s + t).collect();
    let residual = xs.iter().zip(&baseline).map(|(x, b)| x.map(|x| x - b)).collect();
    Parts {
        baseline,
        seasonal,
        trend,
        residual,
    }
}

/// Multiply-adds the autodetection may spend; past it, long series are searched for shorter
/// periods only (a 2^20-point series would otherwise take hours).
const DETECT_WORK: usize = 1 << 28;

/// Seasonality autodetection. The docs point at series_periods_detect without giving its
/// algorithm; this one keeps its documented bounds (periods of at least 4 points and at most half
/// the series) and score range (0..1, compared with `threshold`): the series is detrended by its
/// least-squares line, and each period p scores the autocorrelation at lag p (the standard,
/// biased estimator: a perfect season of period p over n points scores (n − p) / n, so it must
/// repeat two and a half times to reach the default 0.6, and noise in a short series is not
/// taken for a season). The best local maximum wins.
fn detect_period(xs: &[Option<f64>], threshold: f64) -> Option<usize> {
    let n = xs.len();
    let points: Vec<(f64, f64)> = xs.iter().enumerate().filter_map(|(i, x)| x.map(|x| (i as f64, x))).collect();
    let line = fit(&points)?;
    // Missing points sit on the trend: they add nothing to the correlation.
    let d: Vec<f64> = xs
        .iter()
        .enumerate()
        .map(|(i, x)| x.map_or(0.0, |x| x - line.at(i as f64)))
        .collect();
    let energy: f64 = d.iter().map(|v| v * v).sum();
    let max_period = (n / 2).min(DETECT_WORK / n.max(1));
    if max_period < 4 || energy <= f64::EPSILON * n as f64 {
        return None;
    }
    let acf = |p: usize| -> f64 {
        if p >= n {
            return f64::NEG_INFINITY;
        }
        (0..n - p).map(|i| d[i] * d[i + p]).sum::<f64>() / energy
    };
    let scores: Vec<f64> = (3..=max_period + 1).map(acf).collect();
    let score = |p: usize| scores[p - 3];
    let best = (4..=max_period)
        .filter(|&p| score(p) > score(p - 1) && score(p) >= score(p + 1))
        .fold(None, |best: Option<usize>, p| match best {
            Some(b) if score(b) >= score(p) => Some(b),
            _ => Some(p),
        })?;
    (score(best) >= threshold).then_some(best)
}

/// The median (0 for no values).
fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 }
}

/// The `p`th percentile of sorted values, interpolating linearly between ranks.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

/// Tukey scores of `xs`, with the percentiles of its first `learn` present values: how many
/// inter-percentile ranges a point lies above the upper (positive) or below the lower
/// (negative) percentile; 0 between them and for missing points.
fn tukey_scores(xs: &[Option<f64>], learn: usize, (lo, hi): (f64, f64)) -> Vec<f64> {
    let mut sorted: Vec<f64> = xs[..learn.min(xs.len())].iter().flatten().copied().collect();
    if sorted.is_empty() {
        return vec![0.0; xs.len()];
    }
    sorted.sort_by(f64::total_cmp);
    let (low, high) = (percentile(&sorted, lo), percentile(&sorted, hi));
    let range = high - low;
    let beyond = |d: f64| if range > 0.0 { d / range } else { d.signum() * f64::INFINITY };
    xs.iter()
        .map(|x| match x {
            Some(x) if *x > high => beyond(x - high),
            Some(x) if *x < low => beyond(x - low),
            _ => 0.0,
        })
        .collect()
}

/// `series_decompose(series [, seasonality, trend, test_points, seasonality_threshold])`.
pub(super) fn decompose(a: &[Value]) -> Value {
    let (Some(items), Ok(args)) = (array(&a[0]), DecomposeArgs::parse(a, 1)) else {
        return Value::Null;
    };
    let parts = decompose_parts(&finite(&items), &args);
    let series = |v: &[f64]| reals(v.iter().map(|x| Some(*x)));
    let fields = vec![
        series(&parts.baseline),
        series(&parts.seasonal),
        series(&parts.trend),
        reals(parts.residual),
    ];
    Value::Array(Arc::new(fields))
}

/// `series_outliers(series [, kind, ignore_val, min_percentile, max_percentile])`.
pub(super) fn outliers(a: &[Value]) -> Value {
    let (Some(items), Ok(args)) = (array(&a[0]), OutlierArgs::parse(a)) else {
        return Value::Null;
    };
    let xs: Vec<Option<f64>> = finite(&items).into_iter().map(|x| x.filter(|x| args.ignore != Some(*x))).collect();
    reals(tukey_scores(&xs, xs.len(), args.percentiles).into_iter().map(Some))
}

/// `series_decompose_anomalies(series [, threshold, seasonality, trend, test_points, AD_method,
/// seasonality_threshold])`: the flags (+1 above `threshold`, −1 below −`threshold`, else 0),
/// the scores and the baseline.
pub(super) fn anomalies(a: &[Value]) -> Value {
    let (Some(items), Ok(args)) = (array(&a[0]), AnomalyArgs::parse(a)) else {
        return Value::Null;
    };
    let parts = decompose_parts(&finite(&items), &args.decompose);
    let learn = items.len().saturating_sub(args.decompose.test_points);
    let percentiles = if args.method == Tukey::Standard {
        (25.0, 75.0)
    } else {
        (10.0, 90.0)
    };
    let scores = tukey_scores(&parts.residual, learn, percentiles);
    let flag = |s: f64| {
        Value::Long(if s > args.threshold {
            1
        } else if s < -args.threshold {
            -1
        } else {
            0
        })
    };
    let fields = vec![
        Value::Array(Arc::new(scores.iter().map(|s| flag(*s)).collect())),
        reals(scores.iter().map(|s| Some(*s))),
        reals(parts.baseline.iter().map(|b| Some(*b))),
    ];
    Value::Array(Arc::new(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(seasonality: Seasonality, trend: Trend) -> DecomposeArgs {
        DecomposeArgs {
            seasonality,
            trend,
            test_points: 0,
            seasonality_threshold: 0.6,
        }
    }

    #[test]
    fn detects_a_period_seen_often_enough_and_no_period_in_a_ramp() {
        // series-periods-detect-function's example: 14 points a "week" over 60 points.
        let y = [
            80, 139, 87, 110, 68, 54, 50, 51, 53, 133, 86, 141, 97, 156, 94, 149, 95, 140, 77, 61, 50, 54, 47, 133, 72, 152, 94, 148, 105,
            162, 101, 160, 87, 63, 53, 55, 54, 151, 103, 189, 108, 183, 113, 175, 113, 178, 90, 71, 62, 62, 65, 165, 109, 181, 115, 182,
            121, 178, 114, 170,
        ];
        let xs: Vec<Option<f64>> = y.iter().map(|v| Some(*v as f64)).collect();
        assert_eq!(detect_period(&xs, 0.6), Some(14));
        let ramp: Vec<Option<f64>> = (0..50).map(|i| Some(i as f64 * 2.0 + if i == 30 { 40.0 } else { 0.0 })).collect();
        assert_eq!(detect_period(&ramp, 0.6), None);
        // Two whole periods are not enough evidence (the biased estimator stays under 0.5).
        let two: Vec<Option<f64>> = (0..14).map(|i| Some(if i % 7 < 2 { 10.0 } else { 1.0 })).collect();
        assert_eq!(detect_period(&two, 0.6), None);
    }

    #[test]
    fn seasonal_is_the_phase_median_and_trend_the_rest() {
        let xs: Vec<Option<f64>> = (0..12).map(|i| Some([1.0, 5.0, 3.0][i % 3] + i as f64)).collect();
        let parts = decompose_parts(&xs, &args(Seasonality::Period(3), Trend::Avg));
        assert_eq!(parts.seasonal[..3], [5.5, 10.5, 9.5]);
        // Around a first line the phases' medians are close to the pattern, and the line the rest.
        let parts = decompose_parts(&xs, &args(Seasonality::Period(3), Trend::LineFit));
        let worst = parts.residual.iter().flatten().fold(0.0f64, |m, r| m.max(r.abs()));
        assert!(worst < 0.1, "{:?}", parts.residual);
        let huge = decompose_parts(&xs, &args(Seasonality::Period(usize::MAX), Trend::None));
        assert_eq!(huge.residual.iter().flatten().sum::<f64>(), 0.0, "each point is its own phase");
        let off = decompose_parts(&xs, &args(Seasonality::Off, Trend::None));
        assert_eq!((off.baseline[4], off.residual[4]), (0.0, xs[4]));
    }

    #[test]
    fn tukey_scores_count_ranges_beyond_the_percentiles() {
        let xs: Vec<Option<f64>> = (0..=10).map(|i| Some(i as f64)).chain([Some(30.0), None]).collect();
        let s = tukey_scores(&xs, 11, (25.0, 75.0));
        // Quartiles of 0..=10 are 2.5 and 7.5: 30 is (30 − 7.5) / 5 ranges above.
        assert_eq!((s[11], s[5], s[12]), (4.5, 0.0, 0.0));
        let flat = tukey_scores(&[Some(1.0), Some(1.0), Some(1.0), Some(2.0)], 3, (10.0, 90.0));
        assert_eq!(flat, [0.0, 0.0, 0.0, f64::INFINITY]);
    }
}
