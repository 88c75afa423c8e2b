//! Dynamic array, property-bag and set functions (…/scalar-functions#dynamicarray-functions and
//! #property-bag-functions) beyond the first ones in the parent module.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

use super::{JsonStep, dynamic, elements, json_path};
use crate::kql::budget;
use crate::kql::value::{Bag, Value, compare_values};

fn array(items: Vec<Value>) -> Value {
    Value::Array(Arc::new(items))
}

/// The items of an array argument; None when it is not an array.
fn items(v: &Value) -> Option<Arc<Vec<Value>>> {
    match dynamic(v) {
        Value::Array(a) => Some(a),
        _ => None,
    }
}

/// array_sort's order between types: numbers, datetimes and timespans, then strings (guids are
/// held as strings), then everything else (…/array-sort-asc-function).
fn category(v: &Value) -> u8 {
    match v {
        Value::Long(_) | Value::Real(_) | Value::DateTime(_) | Value::TimeSpan(_) => 0,
        Value::String(_) => 1,
        _ => 2,
    }
}

fn sort_key_cmp(a: &Value, b: &Value) -> Ordering {
    category(a)
        .cmp(&category(b))
        .then_with(|| compare_values(a, b).unwrap_or_else(|| a.to_kql_string().cmp(&b.to_kql_string())))
}

/// `array_sort_asc(a1[, a2, …][, nulls_last])` and `array_sort_desc`: the first array sorted (nulls
/// last unless `nulls_last` is false), the others reordered alike (null when their length
/// differs). With one array the result is that array; with several, an array of them (Kusto
/// gives one column each when the call stands alone in `print`/`extend`).
pub fn array_sort(a: &[Value], descending: bool) -> Value {
    let (arrays, nulls_last) = match a.last() {
        Some(Value::Bool(b)) if a.len() > 1 => (&a[..a.len() - 1], *b),
        _ => (a, true),
    };
    let Some(first) = items(&arrays[0]) else {
        return Value::Null;
    };
    let mut order: Vec<usize> = (0..first.len()).collect();
    order.sort_by(|&i, &j| {
        let (x, y) = (&first[i], &first[j]);
        match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if nulls_last {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, true) => {
                if nulls_last {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            _ if descending => sort_key_cmp(y, x),
            _ => sort_key_cmp(x, y),
        }
    });
    let reorder = |v: &Value| match items(v) {
        Some(xs) if xs.len() == first.len() => array(order.iter().map(|&i| xs[i].clone()).collect()),
        _ => Value::Null,
    };
    if arrays.len() == 1 {
        return reorder(&arrays[0]);
    }
    array(arrays.iter().map(reorder).collect())
}

/// `array_reverse(array)`.
pub fn array_reverse(a: &[Value]) -> Value {
    items(&a[0])
        .map(|xs| array(xs.iter().rev().cloned().collect()))
        .unwrap_or(Value::Null)
}

/// `array_rotate_left(array, n)` (negative n rotates right); `array_rotate_right` negates n.
pub fn array_rotate(a: &[Value], sign: i64) -> Value {
    let (Some(xs), Some(n)) = (items(&a[0]), a[1].as_i64()) else {
        return Value::Null;
    };
    let mut out = xs.as_ref().clone();
    if !out.is_empty() {
        let k = n.saturating_mul(sign).rem_euclid(out.len() as i64) as usize;
        out.rotate_left(k);
    }
    array(out)
}

/// `array_shift_left(array, n[, fill])` (negative n shifts right); `array_shift_right` negates n.
/// Vacated places take `fill`, null by default.
pub fn array_shift(a: &[Value], sign: i64) -> Value {
    let (Some(xs), Some(n)) = (items(&a[0]), a[1].as_i64()) else {
        return Value::Null;
    };
    let fill = a.get(2).cloned().unwrap_or(Value::Null);
    let len = xs.len() as i64;
    let shift = n.saturating_mul(sign).clamp(-len, len);
    let out = (0..len)
        .map(|i| {
            let from = i + shift;
            if (0..len).contains(&from) {
                xs[from as usize].clone()
            } else {
                fill.clone()
            }
        })
        .collect();
    array(out)
}

/// `array_sum(array)`: a real; null when an element is not a number.
pub fn array_sum(a: &[Value]) -> Value {
    let Some(xs) = items(&a[0]) else {
        return Value::Null;
    };
    let mut sum = 0.0;
    for x in xs.iter() {
        match x {
            Value::Long(_) | Value::Real(_) => sum += x.as_f64().unwrap_or(0.0),
            _ => return Value::Null,
        }
    }
    Value::Real(sum)
}

/// `array_iff(conditions, when_true, when_false)`: element-wise; a scalar branch counts for every
/// element, a short array's missing elements are null, a non-boolean, non-numeric condition
/// gives null.
pub fn array_iff(a: &[Value]) -> Value {
    let Some(conditions) = items(&a[0]) else {
        return Value::Null;
    };
    let pick = |branch: &Value, i: usize| match dynamic(branch) {
        Value::Array(xs) => xs.get(i).cloned().unwrap_or(Value::Null),
        scalar => scalar,
    };
    let out = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            Value::Bool(b) => pick(if *b { &a[1] } else { &a[2] }, i),
            Value::Long(_) | Value::Real(_) => pick(if c.as_f64() != Some(0.0) { &a[1] } else { &a[2] }, i),
            _ => Value::Null,
        })
        .collect();
    array(out)
}

/// `zip(a1, a2, …)`: arrays of the elements at each index, null where an array is shorter.
pub fn zip(a: &[Value]) -> Value {
    let arrays: Vec<Vec<Value>> = a.iter().map(elements).collect();
    let len = arrays.iter().map(Vec::len).max().unwrap_or(0);
    let bytes = len.saturating_mul(arrays.len() + 1).saturating_mul(budget::VALUE_SLOT);
    if !budget::fits(bytes) {
        return budget::breach("zip", bytes);
    }
    array(
        (0..len)
            .map(|i| array(arrays.iter().map(|xs| xs.get(i).cloned().unwrap_or(Value::Null)).collect()))
            .collect(),
    )
}

/// `jaccard_index(set1, set2)`: |∩| / |∪| of the distinct elements.
pub fn jaccard_index(a: &[Value]) -> Value {
    let x: HashSet<Value> = elements(&a[0]).into_iter().collect();
    let y: HashSet<Value> = elements(&a[1]).into_iter().collect();
    let union = x.union(&y).count();
    if union == 0 {
        return Value::Null;
    }
    Value::Real(x.intersection(&y).count() as f64 / union as f64)
}

/// A bag key argument: a root key name, or a JSONPath of keys (`$.a.b`); array steps are not
/// supported (…/bag-set-key-function).
fn key_path(key: &Value) -> Option<Vec<Arc<str>>> {
    let text = key.to_kql_string();
    if !text.trim_start().starts_with('$') {
        return Some(vec![text]);
    }
    let steps = json_path(&text)?;
    if steps.is_empty() {
        return None;
    }
    steps
        .into_iter()
        .map(|s| match s {
            JsonStep::Key(k) => Some(Arc::from(k.as_str())),
            JsonStep::Index(_) => None,
        })
        .collect()
}

fn as_bag(v: &Value) -> Option<Arc<Bag>> {
    match dynamic(v) {
        Value::Bag(b) => Some(b),
        _ => None,
    }
}

/// `bag_has_key(bag, key)`.
pub fn bag_has_key(a: &[Value]) -> Value {
    let (Some(bag), Some(path)) = (as_bag(&a[0]), key_path(&a[1])) else {
        return Value::Null;
    };
    let mut cur = Value::Bag(bag);
    for k in &path {
        match &cur {
            Value::Bag(b) => match b.iter().find(|(name, _)| name == k) {
                Some((_, v)) => cur = v.clone(),
                None => return Value::Bool(false),
            },
            _ => return Value::Bool(false),
        }
    }
    Value::Bool(true)
}

/// The bag with `path` set to `value` (intermediate bags created as needed).
fn set_path(bag: &Bag, path: &[Arc<str>], value: Value) -> Bag {
    let mut out = bag.clone();
    let (key, rest) = (&path[0], &path[1..]);
    let new = if rest.is_empty() {
        value
    } else {
        let inner = out.iter().find(|(k, _)| k == key).and_then(|(_, v)| as_bag(v));
        Value::Bag(Arc::new(set_path(inner.as_deref().unwrap_or(&Vec::new()), rest, value)))
    };
    match out.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = new,
        None => out.push((key.clone(), new)),
    }
    out
}

/// `bag_set_key(bag, key, value)`: null unless `bag` is a property bag.
pub fn bag_set_key(a: &[Value]) -> Value {
    match (as_bag(&a[0]), key_path(&a[1])) {
        (Some(bag), Some(path)) => Value::Bag(Arc::new(set_path(&bag, &path, a[2].clone()))),
        _ => Value::Null,
    }
}

/// The bag without `path`.
fn remove_path(bag: &Bag, path: &[Arc<str>]) -> Bag {
    let (key, rest) = (&path[0], &path[1..]);
    bag.iter()
        .filter(|(k, _)| !(rest.is_empty() && k == key))
        .map(|(k, v)| match (k == key, as_bag(v)) {
            (true, Some(inner)) if !rest.is_empty() => (k.clone(), Value::Bag(Arc::new(remove_path(&inner, rest)))),
            _ => (k.clone(), v.clone()),
        })
        .collect()
}

/// `bag_remove_keys(bag, keys)`.
pub fn bag_remove_keys(a: &[Value]) -> Value {
    let Some(bag) = as_bag(&a[0]) else {
        return Value::Null;
    };
    let mut out = bag.as_ref().clone();
    for key in elements(&a[1]) {
        if let Some(path) = key_path(&key) {
            out = remove_path(&out, &path);
        }
    }
    Value::Bag(Arc::new(out))
}

/// `bag_zip(keys, values)`: string keys only; missing values are null; null unless `keys` is an
/// array.
pub fn bag_zip(a: &[Value]) -> Value {
    let Some(keys) = items(&a[0]) else {
        return Value::Null;
    };
    let values = items(&a[1]);
    let mut bag: Bag = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        if let Value::String(name) = k {
            let v = values.as_ref().and_then(|vs| vs.get(i).cloned()).unwrap_or(Value::Null);
            match bag.iter_mut().find(|(key, _)| key == name) {
                Some(slot) => slot.1 = v,
                None => bag.push((name.clone(), v)),
            }
        }
    }
    Value::Bag(Arc::new(bag))
}
