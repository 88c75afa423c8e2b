//! Compiled scalar expressions: names are resolved to column indexes (and constants folded for
//! `let` values, `toscalar`, tabular `in`) once per operator, before any row is processed.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use super::super::ast::{BinOp, StrOp, UnOp};
use super::super::budget;
use super::super::functions::{self, ScalarFn};
use super::super::value::{Value, compare_values, values_equal};

/// A compiled expression, evaluated against one row.
#[derive(Debug, Clone)]
pub enum CExpr {
    Const(Value),
    Col(usize),
    Member(Box<CExpr>, Arc<str>),
    Index(Box<CExpr>, Box<CExpr>),
    Unary(UnOp, Box<CExpr>),
    Bin(BinOp, Box<CExpr>, Box<CExpr>),
    Between {
        expr: Box<CExpr>,
        lo: Box<CExpr>,
        hi: Box<CExpr>,
        negated: bool,
    },
    /// `in` against a constant set (keys normalised by [`in_key`]).
    InSet {
        expr: Box<CExpr>,
        set: Arc<HashSet<Value>>,
        ci: bool,
        negated: bool,
    },
    /// `in` against per-row values.
    InList {
        expr: Box<CExpr>,
        items: Vec<CExpr>,
        ci: bool,
        negated: bool,
    },
    /// `has_any` / `has_all` with their term lists.
    HasAny {
        expr: Box<CExpr>,
        items: Vec<CExpr>,
        all: bool,
    },
    Call(&'static str, ScalarFn, Vec<CExpr>),
}

/// Normalises a value for `in`: numbers compare across long/real, `in~` folds ASCII case.
pub fn in_key(v: &Value, ci: bool) -> Value {
    match v {
        Value::Long(x) => Value::Real(*x as f64),
        Value::String(s) if ci => Value::str(&s.to_ascii_lowercase()),
        other => other.clone(),
    }
}

/// Flattens `in` list values: nested arrays contribute their elements (…/in-operator).
pub fn flatten_into(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(items) => {
            for i in items.iter() {
                flatten_into(i, out);
            }
        }
        other => out.push(other.clone()),
    }
}

fn arith(op: BinOp, a: &Value, b: &Value) -> Value {
    use Value::*;
    if a.is_null() || b.is_null() {
        return Null;
    }
    match (op, a, b) {
        (BinOp::Add, Long(x), Long(y)) => Long(x.wrapping_add(*y)),
        (BinOp::Sub, Long(x), Long(y)) => Long(x.wrapping_sub(*y)),
        (BinOp::Mul, Long(x), Long(y)) => Long(x.wrapping_mul(*y)),
        (BinOp::Div, Long(x), Long(y)) => {
            if *y == 0 {
                Null
            } else {
                Long(x.wrapping_div(*y))
            }
        }
        (BinOp::Mod, Long(x), Long(y)) => {
            if *y == 0 {
                Null
            } else {
                Long(x.wrapping_rem(*y))
            }
        }
        (BinOp::Add, DateTime(t), TimeSpan(s)) | (BinOp::Add, TimeSpan(s), DateTime(t)) => DateTime(t.wrapping_add(*s)),
        (BinOp::Sub, DateTime(t), TimeSpan(s)) => DateTime(t.wrapping_sub(*s)),
        (BinOp::Sub, DateTime(x), DateTime(y)) => TimeSpan(x.wrapping_sub(*y)),
        (BinOp::Add, TimeSpan(x), TimeSpan(y)) => TimeSpan(x.wrapping_add(*y)),
        (BinOp::Sub, TimeSpan(x), TimeSpan(y)) => TimeSpan(x.wrapping_sub(*y)),
        // timespan / timespan is a real (…/scalar-data-types/timespan).
        (BinOp::Div, TimeSpan(x), TimeSpan(y)) => {
            if *y == 0 {
                Null
            } else {
                Real(*x as f64 / *y as f64)
            }
        }
        (BinOp::Mod, TimeSpan(x), TimeSpan(y)) => {
            if *y == 0 {
                Null
            } else {
                TimeSpan(x.wrapping_rem(*y))
            }
        }
        (BinOp::Mul, TimeSpan(x), n) | (BinOp::Mul, n, TimeSpan(x)) => match n.as_f64() {
            Some(f) => TimeSpan((*x as f64 * f) as i64),
            None => Null,
        },
        (BinOp::Div, TimeSpan(x), n) => match n.as_f64() {
            Some(f) if f != 0.0 => TimeSpan((*x as f64 / f) as i64),
            _ => Null,
        },
        (op, x, y) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => match op {
                BinOp::Add => Real(x + y),
                BinOp::Sub => Real(x - y),
                BinOp::Mul => Real(x * y),
                BinOp::Div => Real(x / y),
                BinOp::Mod => Real(x % y),
                _ => Null,
            },
            _ => Null,
        },
    }
}

/// `==` with Kusto's null rules (…/scalar-data-types/null-values): one null → false, both → null.
pub fn kql_eq(a: &Value, b: &Value) -> Value {
    match (a.is_null(), b.is_null()) {
        (true, true) => Value::Null,
        (true, false) | (false, true) => Value::Bool(false),
        _ => Value::Bool(values_equal(a, b)),
    }
}

pub(super) fn compare(op: BinOp, a: &Value, b: &Value) -> Value {
    use std::cmp::Ordering::*;
    if a.is_null() || b.is_null() {
        return Value::Null;
    }
    match compare_values(a, b) {
        None => Value::Null,
        Some(o) => Value::Bool(match op {
            BinOp::Lt => o == Less,
            BinOp::Le => o != Greater,
            BinOp::Gt => o == Greater,
            BinOp::Ge => o != Less,
            _ => false,
        }),
    }
}

impl CExpr {
    /// True when the expression doesn't read the row.
    pub fn is_const(&self) -> bool {
        matches!(self, CExpr::Const(_))
    }

    /// Evaluates against a row.
    pub fn eval(&self, row: &[Value]) -> Value {
        match self {
            CExpr::Const(v) => v.clone(),
            CExpr::Col(i) => row.get(*i).cloned().unwrap_or(Value::Null),
            CExpr::Member(base, key) => base.eval(row).get_key(key),
            CExpr::Index(base, idx) => {
                let b = base.eval(row);
                match idx.eval(row) {
                    Value::Long(i) => b.get_index(i),
                    Value::Real(f) => b.get_index(f as i64),
                    Value::String(k) => b.get_key(&k),
                    _ => Value::Null,
                }
            }
            CExpr::Unary(op, e) => {
                let v = e.eval(row);
                match (op, v) {
                    (UnOp::Plus, v) => v,
                    (UnOp::Neg, Value::Long(x)) => Value::Long(x.wrapping_neg()),
                    (UnOp::Neg, Value::Real(x)) => Value::Real(-x),
                    (UnOp::Neg, Value::TimeSpan(x)) => Value::TimeSpan(x.wrapping_neg()),
                    _ => Value::Null,
                }
            }
            CExpr::Bin(op, l, r) => self.eval_bin(*op, l, r, row),
            CExpr::Between { expr, lo, hi, negated } => {
                let v = expr.eval(row);
                let lo = lo.eval(row);
                let mut hi = hi.eval(row);
                // `datetime between (start .. timespan)` means start .. start+timespan.
                if let (Value::DateTime(s), Value::TimeSpan(d)) = (&lo, &hi) {
                    hi = Value::DateTime(s.wrapping_add(*d));
                }
                match (compare(BinOp::Ge, &v, &lo), compare(BinOp::Le, &v, &hi)) {
                    (Value::Bool(a), Value::Bool(b)) => Value::Bool((a && b) != *negated),
                    _ => Value::Null,
                }
            }
            CExpr::InSet { expr, set, ci, negated } => {
                // Nothing is in an empty set, not even a null: the value is not needed (a join
                // whose left side has no keys filters its right side so).
                if set.is_empty() {
                    return Value::Bool(*negated);
                }
                let v = expr.eval(row);
                if v.is_null() {
                    return Value::Bool(*negated);
                }
                Value::Bool(set.contains(&in_key(&v, *ci)) != *negated)
            }
            CExpr::InList { expr, items, ci, negated } => {
                let v = in_key(&expr.eval(row), *ci);
                let mut all = Vec::new();
                for i in items {
                    flatten_into(&i.eval(row), &mut all);
                }
                let found = !v.is_null() && all.iter().any(|x| in_key(x, *ci) == v);
                Value::Bool(found != *negated)
            }
            CExpr::HasAny { expr, items, all } => {
                let hay = expr.eval(row);
                let mut terms = Vec::new();
                for i in items {
                    flatten_into(&i.eval(row), &mut terms);
                }
                let hit = |t: &Value| functions::string_op(StrOp::Has, &hay, t);
                Value::Bool(if *all { terms.iter().all(hit) } else { terms.iter().any(hit) })
            }
            CExpr::Call(name, f, args) => {
                let vals: Vec<Value> = args.iter().map(|a| a.eval(row)).collect();
                budget::check_result(name, f(&vals))
            }
        }
    }

    fn eval_bin(&self, op: BinOp, l: &CExpr, r: &CExpr, row: &[Value]) -> Value {
        match op {
            BinOp::And => {
                let a = l.eval(row);
                if matches!(a, Value::Bool(false)) {
                    return a;
                }
                let b = r.eval(row);
                match (a, b) {
                    (_, Value::Bool(false)) => Value::Bool(false),
                    (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                    _ => Value::Null,
                }
            }
            BinOp::Or => {
                let a = l.eval(row);
                if a.is_true() {
                    return a;
                }
                let b = r.eval(row);
                match (a, b) {
                    (_, Value::Bool(true)) => Value::Bool(true),
                    (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                    _ => Value::Null,
                }
            }
            _ => {
                let (a, b) = (operand(l, row), operand(r, row));
                let (a, b) = (&*a, &*b);
                match op {
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => arith(op, a, b),
                    BinOp::Eq => kql_eq(a, b),
                    BinOp::Ne => match kql_eq(a, b) {
                        Value::Bool(x) => Value::Bool(!x),
                        other => other,
                    },
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => compare(op, a, b),
                    BinOp::EqCi | BinOp::NeCi => {
                        let eq = a.to_kql_string().eq_ignore_ascii_case(&b.to_kql_string());
                        Value::Bool(eq == (op == BinOp::EqCi))
                    }
                    BinOp::Str(sop, negated) => Value::Bool(functions::string_op(sop, a, b) != negated),
                    BinOp::And | BinOp::Or => Value::Null,
                }
            }
        }
    }
}

/// An operand of a binary operator: a column's or a constant's value borrowed, anything else
/// computed. Cloning a shared string only to compare it costs two atomic updates of its count,
/// and a loaded column's equal strings share one count.
fn operand<'v>(e: &'v CExpr, row: &'v [Value]) -> Cow<'v, Value> {
    match e {
        CExpr::Col(i) => row.get(*i).map_or(Cow::Owned(Value::Null), Cow::Borrowed),
        CExpr::Const(v) => Cow::Borrowed(v),
        other => Cow::Owned(other.eval(row)),
    }
}

/// Builds a constant `in` set from already-evaluated values.
pub fn build_in_set(values: &[Value], ci: bool) -> Arc<HashSet<Value>> {
    let mut flat = Vec::new();
    for v in values {
        flatten_into(v, &mut flat);
    }
    Arc::new(flat.iter().filter(|v| !v.is_null()).map(|v| in_key(v, ci)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_in_an_empty_set_and_everything_is_not_in_it() {
        for negated in [false, true] {
            for v in [Value::Null, Value::str("a"), Value::Long(1)] {
                let e = CExpr::InSet {
                    expr: Box::new(CExpr::Const(v.clone())),
                    set: build_in_set(&[], false),
                    ci: false,
                    negated,
                };
                assert_eq!(e.eval(&[]), Value::Bool(negated), "{v:?} negated={negated}");
            }
        }
    }

    // learn.microsoft.com/kusto/query/scalar-data-types/null-values
    #[test]
    fn null_comparisons() {
        assert_eq!(kql_eq(&Value::Null, &Value::Long(1)), Value::Bool(false));
        assert_eq!(kql_eq(&Value::Null, &Value::Null), Value::Null);
        let ne = CExpr::Bin(
            BinOp::Ne,
            Box::new(CExpr::Const(Value::Null)),
            Box::new(CExpr::Const(Value::Long(1))),
        );
        assert_eq!(ne.eval(&[]), Value::Bool(true));
        let ne2 = CExpr::Bin(BinOp::Ne, Box::new(CExpr::Const(Value::Null)), Box::new(CExpr::Const(Value::Null)));
        assert_eq!(ne2.eval(&[]), Value::Null);
    }

    #[test]
    fn timespan_arithmetic() {
        let h = Value::TimeSpan(super::super::super::value::TICKS_PER_HOUR);
        assert_eq!(arith(BinOp::Div, &Value::TimeSpan(2 * 36_000_000_000), &h), Value::Real(2.0));
        assert_eq!(arith(BinOp::Sub, &Value::DateTime(100), &Value::DateTime(40)), Value::TimeSpan(60));
    }
}
