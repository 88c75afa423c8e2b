//! Element-wise series functions (…/series-add-function, …/series-greater-function,
//! …/series-abs-function, …): any non-numeric element, or one past the shorter array's end,
//! gives a null element. Either side of a binary function may be a scalar, applied to every
//! element (`series_multiply(10, s)` in the docs' examples).

use std::sync::Arc;

use super::{array, number};
use crate::kql::value::Value;

/// A two-operand function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Binary {
    Add,
    Subtract,
    Multiply,
    /// Always a real, even of two longs; division by zero gives an infinity (…/series-divide-function).
    Divide,
    Pow,
    Equals,
    NotEquals,
    Greater,
    GreaterEquals,
    Less,
    LessEquals,
}

/// A one-operand function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unary {
    /// Keeps a long a long.
    Abs,
    /// -1, 0 or 1, as a long.
    Sign,
    Ceiling,
    Floor,
    Exp,
    Log,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
}

/// One side of a binary function: an array, or a scalar standing for every element.
enum Side {
    Array(Arc<Vec<Value>>),
    Scalar(Value),
}

impl Side {
    fn of(v: &Value) -> Side {
        array(v).map_or_else(|| Side::Scalar(v.clone()), Side::Array)
    }

    fn len(&self) -> Option<usize> {
        match self {
            Side::Array(a) => Some(a.len()),
            Side::Scalar(_) => None,
        }
    }

    fn get(&self, i: usize) -> &Value {
        match self {
            Side::Array(a) => a.get(i).unwrap_or(&Value::Null),
            Side::Scalar(v) => v,
        }
    }
}

/// `series_add(a, b)` and the other binary functions; two scalars are not a series: null.
pub(super) fn binary(op: Binary, a: &[Value]) -> Value {
    let (l, r) = (Side::of(&a[0]), Side::of(&a[1]));
    let Some(len) = l.len().max(r.len()) else {
        return Value::Null;
    };
    Value::Array(Arc::new((0..len).map(|i| op.apply(l.get(i), r.get(i))).collect()))
}

/// `series_abs(a)` and the other unary functions.
pub(super) fn unary(op: Unary, a: &[Value]) -> Value {
    match array(&a[0]) {
        Some(items) => Value::Array(Arc::new(items.iter().map(|v| op.apply(v)).collect())),
        None => Value::Null,
    }
}

impl Binary {
    fn apply(self, a: &Value, b: &Value) -> Value {
        use Binary::*;
        // Longs stay exact where the result is a long (and compare exactly).
        if let (Value::Long(x), Value::Long(y)) = (a, b) {
            match self {
                Add => return Value::Long(x.wrapping_add(*y)),
                Subtract => return Value::Long(x.wrapping_sub(*y)),
                Multiply => return Value::Long(x.wrapping_mul(*y)),
                Divide | Pow => {}
                _ => return Value::Bool(self.holds(x.cmp(y))),
            }
        }
        let (Some(x), Some(y)) = (number(a), number(b)) else {
            return Value::Null;
        };
        match self {
            Add => Value::Real(x + y),
            Subtract => Value::Real(x - y),
            Multiply => Value::Real(x * y),
            Divide => Value::Real(x / y),
            Pow => Value::Real(x.powf(y)),
            _ => x
                .partial_cmp(&y)
                .map_or(Value::Bool(self == NotEquals), |o| Value::Bool(self.holds(o))),
        }
    }

    /// Whether a comparison holds for operands ordered `o`.
    fn holds(self, o: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Binary::Equals => o == Equal,
            Binary::NotEquals => o != Equal,
            Binary::Greater => o == Greater,
            Binary::GreaterEquals => o != Less,
            Binary::Less => o == Less,
            Binary::LessEquals => o != Greater,
            _ => false,
        }
    }
}

impl Unary {
    fn apply(self, v: &Value) -> Value {
        use Unary::*;
        match (self, v) {
            (Abs, Value::Long(x)) => return Value::Long(x.wrapping_abs()),
            (Sign, Value::Long(x)) => return Value::Long(x.signum()),
            (Ceiling | Floor, Value::Long(x)) => return Value::Long(*x),
            _ => {}
        }
        let Some(x) = number(v) else {
            return Value::Null;
        };
        let f: fn(f64) -> f64 = match self {
            Abs => f64::abs,
            Sign => {
                return Value::Long(if x > 0.0 {
                    1
                } else if x < 0.0 {
                    -1
                } else {
                    0
                });
            }
            Ceiling => f64::ceil,
            Floor => f64::floor,
            Exp => f64::exp,
            Log => f64::ln,
            Sin => f64::sin,
            Cos => f64::cos,
            Tan => f64::tan,
            Asin => f64::asin,
            Acos => f64::acos,
            Atan => f64::atan,
        };
        Value::Real(f(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::value::Value::{Bool, Long, Null, Real};

    fn arr(v: Vec<Value>) -> Value {
        Value::Array(Arc::new(v))
    }

    // series-add-function / series-divide-function / series-greater-function: the docs' rows.
    #[test]
    fn docs_examples() {
        let s1 = arr(vec![Long(1), Long(2), Long(4)]);
        let s2 = arr(vec![Long(4), Long(2), Long(1)]);
        assert_eq!(binary(Binary::Add, &[s1.clone(), s2.clone()]), arr(vec![Long(5), Long(4), Long(5)]));
        assert_eq!(
            binary(Binary::Divide, &[s1.clone(), s2.clone()]),
            arr(vec![Real(0.25), Real(1.0), Real(4.0)])
        );
        assert_eq!(binary(Binary::Greater, &[s1, s2]), arr(vec![Bool(false), Bool(false), Bool(true)]));
        let abs = unary(Unary::Abs, &[arr(vec![Real(-6.5), Long(0), Real(8.2)])]);
        assert_eq!(abs, arr(vec![Real(6.5), Long(0), Real(8.2)]));
        let sign = unary(Unary::Sign, &[arr(vec![Long(-6), Long(0), Long(8)])]);
        assert_eq!(sign, arr(vec![Long(-1), Long(0), Long(1)]));
    }

    #[test]
    fn scalars_broadcast_and_missing_elements_are_null() {
        let s = arr(vec![Long(1), Value::str("x"), Real(2.5)]);
        assert_eq!(
            binary(Binary::Multiply, &[Long(10), s.clone()]),
            arr(vec![Long(10), Null, Real(25.0)])
        );
        let short = arr(vec![Long(1)]);
        assert_eq!(binary(Binary::Subtract, &[s, short]), arr(vec![Long(0), Null, Null]));
        assert_eq!(
            binary(Binary::Divide, &[arr(vec![Long(2)]), Long(0)]),
            arr(vec![Real(f64::INFINITY)])
        );
    }
}
