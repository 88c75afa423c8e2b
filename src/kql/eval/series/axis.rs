//! The bins of `make-series` (…/make-series-operator): from the `from`/`to`/`step` bounds (or
//! `in range(start, stop, step)`) and, for a missing bound, the axis values themselves.
//! Datetimes, timespans and longs with a whole step are binned exactly on their ticks; reals
//! and fractional steps in floating point.

use super::super::super::value::Value;

/// The most elements a series may have: Kusto's limit, 2^20.
pub(super) const MAX_BINS: usize = 1 << 20;

/// The axis's kind of value when binned exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    DateTime,
    TimeSpan,
    Long,
}

/// The bins: `len` of them, the first starting at `start`, each `step` wide.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Grid {
    /// On ticks or whole numbers.
    Exact { unit: Unit, start: i64, step: i64, len: usize },
    /// On reals.
    Real { start: f64, step: f64, len: usize },
}

/// Which part of the operator a problem is in (for the error's location).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Axis,
    From,
    To,
    Step,
}

/// The bounds as written: `(from, to)` of the main syntax (`inclusive` false) or `(start, stop)`
/// of `in range(…)` (`inclusive` true, bins aligned by `bin()`).
pub(super) struct Bounds {
    pub(super) from: Option<Value>,
    pub(super) to: Option<Value>,
    pub(super) step: Value,
    pub(super) inclusive: bool,
}

/// A problem with the bounds, and where it is.
pub(super) type AxisError = (Part, String);

impl Grid {
    /// The bins for `bounds` over the axis values `data` (only used for a missing bound).
    pub(super) fn new(bounds: &Bounds, data: &[Value]) -> Result<Grid, AxisError> {
        let sample = [bounds.from.as_ref(), bounds.to.as_ref()]
            .into_iter()
            .flatten()
            .chain(data.iter())
            .find(|v| !v.is_null());
        let exact = match (&bounds.step, sample) {
            (Value::TimeSpan(s), None | Some(Value::DateTime(_))) => Some((Unit::DateTime, *s)),
            (Value::TimeSpan(s), Some(Value::TimeSpan(_))) => Some((Unit::TimeSpan, *s)),
            (Value::TimeSpan(_), Some(_)) => return Err((Part::Axis, "a timespan step needs a datetime or timespan axis".into())),
            (Value::Long(_) | Value::Real(_), Some(Value::DateTime(_) | Value::TimeSpan(_))) => {
                return Err((Part::Step, "a datetime or timespan axis needs a timespan step, such as `1h`".into()));
            }
            (Value::Long(s), None | Some(Value::Long(_))) => Some((Unit::Long, *s)),
            (Value::Long(_) | Value::Real(_), _) => None,
            _ => return Err((Part::Step, "the step must be a number or a timespan".into())),
        };
        let (len, grid) = match exact {
            Some((unit, step)) => {
                if step <= 0 {
                    return Err((Part::Step, "the step must be positive".into()));
                }
                let (start, len) = exact_bins(bounds, data, unit, step)?;
                (len, Grid::Exact { unit, start, step, len })
            }
            None => {
                let step = bounds.step.as_f64().unwrap_or(0.0);
                if !(step > 0.0 && step.is_finite()) {
                    return Err((Part::Step, "the step must be positive".into()));
                }
                let (start, len) = real_bins(bounds, data, step)?;
                (len, Grid::Real { start, step, len })
            }
        };
        if len > MAX_BINS {
            return Err((
                Part::Step,
                format!(
                    "these bounds make {len} bins, over Kusto's limit of {MAX_BINS} (2^20) per series: use a larger step or narrower bounds"
                ),
            ));
        }
        Ok(grid)
    }

    /// How many bins.
    pub(super) fn len(&self) -> usize {
        match self {
            Grid::Exact { len, .. } | Grid::Real { len, .. } => *len,
        }
    }

    /// The bin `v` falls in, if any (nulls and values of another kind fall in none).
    pub(super) fn index(&self, v: &Value) -> Option<usize> {
        let i = match self {
            Grid::Exact { unit, start, step, .. } => (i128::from(exact(v, *unit)?) - i128::from(*start)).div_euclid(i128::from(*step)),
            Grid::Real { start, step, .. } => ((v.as_f64().filter(|_| is_number(v))? - start) / step).floor() as i128,
        };
        usize::try_from(i).ok().filter(|&i| i < self.len())
    }

    /// The bins' starts, the axis column of the result.
    pub(super) fn starts(&self) -> Vec<Value> {
        match self {
            Grid::Exact { unit, start, step, len } => (0..*len as i64)
                .map(|i| {
                    let t = start.saturating_add(i.saturating_mul(*step));
                    match unit {
                        Unit::DateTime => Value::DateTime(t),
                        Unit::TimeSpan => Value::TimeSpan(t),
                        Unit::Long => Value::Long(t),
                    }
                })
                .collect(),
            Grid::Real { start, step, len } => (0..*len).map(|i| Value::Real(start + i as f64 * step)).collect(),
        }
    }
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Long(_) | Value::Real(_))
}

/// A value's ticks (or whole number) when it is of the axis's unit.
fn exact(v: &Value, unit: Unit) -> Option<i64> {
    match (v, unit) {
        (Value::DateTime(t), Unit::DateTime) | (Value::TimeSpan(t), Unit::TimeSpan) | (Value::Long(t), Unit::Long) => Some(*t),
        _ => None,
    }
}

/// A bound that must be of the axis's kind.
fn bound<T>(v: Option<&Value>, part: Part, of: impl Fn(&Value) -> Option<T>) -> Result<Option<T>, AxisError> {
    match v {
        None => Ok(None),
        Some(v) => of(v).map(Some).ok_or_else(|| {
            let word = if part == Part::From { "the start" } else { "the end" };
            (part, format!("{word} ({v}) is not of the axis's type"))
        }),
    }
}

/// The first bin's start and the bin count, on ticks or whole numbers.
fn exact_bins(b: &Bounds, data: &[Value], unit: Unit, step: i64) -> Result<(i64, usize), AxisError> {
    let from = bound(b.from.as_ref(), Part::From, |v| exact(v, unit))?;
    let to = bound(b.to.as_ref(), Part::To, |v| exact(v, unit))?;
    let coords = || data.iter().filter_map(|v| exact(v, unit));
    let floor = |x: i64| i128::from(x).div_euclid(i128::from(step)) * i128::from(step);
    let step = i128::from(step);
    let (start, end) = if b.inclusive {
        // `in range(start, stop, step)`: bin(start) through bin(stop), both included.
        match (from, to) {
            (Some(a), Some(z)) => (floor(a), floor(z) + step),
            _ => (0, 0),
        }
    } else {
        // A missing start is the first bin with data; a missing end follows the last one.
        let start = match from {
            Some(a) => i128::from(a),
            None => coords().min().map_or(0, floor),
        };
        let end = match (to, coords().max()) {
            (Some(z), _) => i128::from(z),
            (None, Some(max)) if i128::from(max) >= start => start + ((i128::from(max) - start) / step + 1) * step,
            (None, _) => start,
        };
        (start, end)
    };
    let len = if end > start { (end - start + step - 1) / step } else { 0 };
    let start = i64::try_from(start).map_err(|_| (Part::From, "the start is out of range".to_string()))?;
    Ok((start, usize::try_from(len).unwrap_or(usize::MAX)))
}

/// The first bin's start and the bin count, on reals.
fn real_bins(b: &Bounds, data: &[Value], step: f64) -> Result<(f64, usize), AxisError> {
    let number = |v: &Value| v.as_f64().filter(|x| is_number(v) && x.is_finite());
    let from = bound(b.from.as_ref(), Part::From, number)?;
    let to = bound(b.to.as_ref(), Part::To, number)?;
    let coords = || data.iter().filter_map(number);
    let floor = |x: f64| (x / step).floor() * step;
    let (start, end) = if b.inclusive {
        match (from, to) {
            (Some(a), Some(z)) => (floor(a), floor(z) + step),
            _ => (0.0, 0.0),
        }
    } else {
        let start = from.or_else(|| coords().reduce(f64::min).map(floor)).unwrap_or(0.0);
        let end = match (to, coords().reduce(f64::max)) {
            (Some(z), _) => z,
            (None, Some(max)) if max >= start => start + (((max - start) / step).floor() + 1.0) * step,
            (None, _) => start,
        };
        (start, end)
    };
    let len = if end > start { ((end - start) / step).ceil() } else { 0.0 };
    Ok((start, if len >= usize::MAX as f64 { usize::MAX } else { len as usize }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::value::TICKS_PER_DAY;

    fn bounds(from: Option<Value>, to: Option<Value>, step: Value, inclusive: bool) -> Bounds {
        Bounds { from, to, step, inclusive }
    }

    #[test]
    fn end_is_exclusive_and_missing_bounds_come_from_the_data() {
        let day = Value::TimeSpan(TICKS_PER_DAY);
        let g = Grid::new(
            &bounds(
                Some(Value::DateTime(0)),
                Some(Value::DateTime(9 * TICKS_PER_DAY)),
                day.clone(),
                false,
            ),
            &[],
        )
        .expect("grid");
        assert_eq!(g.len(), 9);
        assert_eq!(g.index(&Value::DateTime(9 * TICKS_PER_DAY)), None);
        assert_eq!(g.index(&Value::DateTime(TICKS_PER_DAY + 5)), Some(1));
        assert_eq!(g.index(&Value::DateTime(-1)), None);
        let data = [Value::Long(7), Value::Null, Value::Long(23)];
        let g = Grid::new(&bounds(None, None, Value::Long(5), false), &data).expect("grid");
        assert_eq!(g.starts(), [5, 10, 15, 20].map(Value::Long));
        let g = Grid::new(&bounds(None, None, Value::Real(0.5), false), &[Value::Real(1.2), Value::Long(2)]).expect("grid");
        assert_eq!(g.starts(), [1.0, 1.5, 2.0].map(Value::Real));
    }

    #[test]
    fn in_range_bins_by_bin_and_includes_stop() {
        let g = Grid::new(&bounds(Some(Value::Long(3)), Some(Value::Long(10)), Value::Long(5), true), &[]).expect("grid");
        assert_eq!(g.starts(), [0, 5, 10].map(Value::Long));
    }

    #[test]
    fn wrong_steps_and_bounds_say_where() {
        let dt = [Value::DateTime(0)];
        let err = |b: Bounds| Grid::new(&b, &dt).expect_err("invalid").0;
        assert_eq!(err(bounds(None, None, Value::Long(1), false)), Part::Step);
        assert_eq!(err(bounds(None, None, Value::TimeSpan(0), false)), Part::Step);
        assert_eq!(
            err(bounds(Some(Value::DateTime(0)), Some(Value::Long(3)), Value::TimeSpan(1), false)),
            Part::To
        );
        let huge = bounds(Some(Value::Long(0)), Some(Value::Long(1 << 21)), Value::Long(1), false);
        assert_eq!(Grid::new(&huge, &[]).expect_err("too many").0, Part::Step);
    }
}
