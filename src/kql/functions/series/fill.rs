//! Filling missing values (…/series-fill-const-function, …/series-fill-forward-function,
//! …/series-fill-backward-function, …/series-fill-linear-function). A missing value is one equal
//! to the placeholder argument (null by default); the other elements keep their type.

use std::sync::Arc;

use super::{array, flag, number, opt};
use crate::kql::value::Value;

/// Whether `v` is the missing-value placeholder: nulls when it is null (`double(null)`,
/// `long(null)` alike), else elements of equal numeric value (or equal otherwise).
fn missing(v: &Value, placeholder: Option<&Value>) -> bool {
    match placeholder {
        None => v.is_null(),
        Some(p) => match (number(v), number(p)) {
            (Some(x), Some(y)) => x == y,
            _ => v == p,
        },
    }
}

/// `series_fill_const(series, constant [, placeholder])`.
pub(super) fn constant(a: &[Value]) -> Value {
    let Some(items) = array(&a[0]) else {
        return Value::Null;
    };
    let placeholder = opt(a, 2);
    let out = items.iter().map(|v| if missing(v, placeholder) { a[1].clone() } else { v.clone() });
    Value::Array(Arc::new(out.collect()))
}

/// `series_fill_forward(series [, placeholder])` (`forward`) and `series_fill_backward`: each
/// missing value takes the nearest present one before it (after it); those at the start (end)
/// stay.
pub(super) fn directional(a: &[Value], forward: bool) -> Value {
    let Some(items) = array(&a[0]) else {
        return Value::Null;
    };
    let placeholder = opt(a, 1);
    let mut out = items.as_ref().clone();
    let mut last: Option<Value> = None;
    let mut fill = |v: &mut Value| {
        if !missing(v, placeholder) {
            last = Some(v.clone());
        } else if let Some(l) = &last {
            *v = l.clone();
        }
    };
    if forward {
        out.iter_mut().for_each(&mut fill);
    } else {
        out.iter_mut().rev().for_each(&mut fill);
    }
    Value::Array(Arc::new(out))
}

/// `series_fill_linear(series [, placeholder [, fill_edges [, constant]]])`: missing values
/// between two present ones lie on the line between them; at the edges (unless `fill_edges` is
/// false) they take the nearest present value; an array with none present is filled with
/// `constant` (0.0 by default). When every present element is a long the interpolated values are
/// longs too, truncated as the docs' example shows (73.5 → 73).
pub(super) fn linear(a: &[Value]) -> Value {
    let Some(items) = array(&a[0]) else {
        return Value::Null;
    };
    let placeholder = opt(a, 1);
    let Ok(edges) = flag(a, 2, true) else {
        return Value::Null;
    };
    // The anchors: present numeric elements.
    let anchors: Vec<(usize, f64)> = items
        .iter()
        .enumerate()
        .filter(|(_, v)| !missing(v, placeholder))
        .filter_map(|(i, v)| number(v).map(|x| (i, x)))
        .collect();
    let mut out = items.as_ref().clone();
    if anchors.is_empty() {
        let constant = a.get(3).cloned().unwrap_or(Value::Real(0.0));
        out.iter_mut()
            .filter(|v| missing(v, placeholder))
            .for_each(|v| *v = constant.clone());
        return Value::Array(Arc::new(out));
    }
    let longs = anchors.iter().all(|&(i, _)| matches!(items[i], Value::Long(_)));
    let at = |x: f64| if longs { Value::Long(x as i64) } else { Value::Real(x) };
    let (first, last) = (anchors[0], anchors[anchors.len() - 1]);
    for (i, v) in out.iter_mut().enumerate() {
        if !missing(v, placeholder) {
            continue;
        }
        if i < first.0 || i > last.0 {
            if edges {
                *v = items[if i < first.0 { first.0 } else { last.0 }].clone();
            }
            continue;
        }
        // The anchors on either side: the first at or after i, and the one before it.
        let next = anchors.partition_point(|&(j, _)| j < i);
        let ((i0, y0), (i1, y1)) = (anchors[next - 1], anchors[next]);
        *v = at(y0 + (y1 - y0) * (i - i0) as f64 / (i1 - i0) as f64);
    }
    Value::Array(Arc::new(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arr(text: &str) -> Value {
        crate::kql::value::parse_json_str(text)
    }

    // series-fill-const-function, series-fill-forward-function: the docs' examples.
    #[test]
    fn const_and_forward_match_docs() {
        let a = arr("[111,null,36,41,23,null,16,61,33,null,null]");
        assert_eq!(
            constant(&[a.clone(), Value::Real(0.0)]).to_string(),
            "[111,0.0,36,41,23,0.0,16,61,33,0.0,0.0]"
        );
        assert_eq!(constant(&[a, Value::Long(-1)]).to_string(), "[111,-1,36,41,23,-1,16,61,33,-1,-1]");
        let b = arr("[null,null,36,41,null,null,16,61,33,null,null]");
        assert_eq!(
            directional(std::slice::from_ref(&b), true).to_string(),
            "[null,null,36,41,41,41,16,61,33,33,33]"
        );
        assert_eq!(directional(&[b], false).to_string(), "[36,36,36,41,16,16,16,61,33,null,null]");
    }

    // series-fill-linear-function: the docs' rows (the int row truncates).
    #[test]
    fn linear_matches_docs() {
        let d = arr("[null,111.0,null,36.0,41.0,null,null,16.0,61.0,33.0,null,null]");
        let filled = linear(std::slice::from_ref(&d)).to_string();
        assert!(filled.starts_with("[111.0,111.0,73.5,36.0,41.0,32.666"), "{filled}");
        assert!(filled.ends_with("16.0,61.0,33.0,33.0,33.0]"), "{filled}");
        let no_edges = linear(&[d, Value::Null, Value::Bool(false)]).to_string();
        assert!(
            no_edges.starts_with("[null,111.0,73.5") && no_edges.ends_with("33.0,null,null]"),
            "{no_edges}"
        );
        let i = arr("[null,111,null,36,41,null,null,16,61,33,null,null]");
        assert_eq!(linear(&[i]).to_string(), "[111,111,73,36,41,32,24,16,61,33,33,33]");
        let none = arr("[null,null,null,null]");
        assert_eq!(linear(std::slice::from_ref(&none)).to_string(), "[0.0,0.0,0.0,0.0]");
        let pi = linear(&[none, Value::Null, Value::Bool(true), Value::Real(3.5)]);
        assert_eq!(pi.to_string(), "[3.5,3.5,3.5,3.5]");
    }
}
