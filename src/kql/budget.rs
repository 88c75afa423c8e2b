//! Per-value size limits and size estimates for the per-query memory budget.
//!
//! Scalar functions return plain values (no error channel, to keep the per-row path cheap), so a
//! function that would build a value over [`MAX_VALUE_BYTES`] returns null instead and records
//! the breach here; the evaluator turns it into [`KqlError::ValueTooLarge`] at its next check
//! (every few thousand rows and after every operator). The record is per thread, the thread the
//! run evaluates on, and [`reset`] clears it at the start of each run.
//!
//! [`KqlError::ValueTooLarge`]: super::KqlError::ValueTooLarge

use std::cell::Cell;
use std::sync::Arc;

use super::value::Value;

/// The largest string or dynamic value a query may build: 32 MiB.
///
/// Kusto truncates or drops string and dynamic values over 1 MiB at ingestion unless a column's
/// `MaxValueSize` encoding policy raises it, to at most 32 MiB
/// (learn.microsoft.com/kusto/query/scalar-data-types/string and …/scalar-data-types/dynamic),
/// so no Kusto cell is ever larger; a value past that only exists because a query multiplied
/// it (nested `strrep`/`strcat`/`array_concat`), and left alone it exhausts memory or aborts.
pub const MAX_VALUE_BYTES: usize = 32 * 1024 * 1024;

/// Bytes of one [`Value`] slot in a row.
pub const VALUE_SLOT: usize = std::mem::size_of::<Value>();

/// Bytes of a row's `Vec` header (the row's cells are counted with [`VALUE_SLOT`]).
pub const ROW_HEADER: usize = std::mem::size_of::<Vec<Value>>();

thread_local! {
    static BREACH: Cell<Option<(&'static str, usize)>> = const { Cell::new(None) };
}

/// Clears the breach record (start of a run).
pub fn reset() {
    BREACH.with(|b| b.set(None));
}

/// Records that `function` would have built a value of `bytes` bytes; returns the null it
/// yields instead. The first breach wins: it is the one the user can act on.
pub fn breach(function: &'static str, bytes: usize) -> Value {
    BREACH.with(|b| {
        if b.get().is_none() {
            b.set(Some((function, bytes)));
        }
    });
    Value::Null
}

/// The recorded breach, if any: the function and the size it would have built.
pub fn take_breach() -> Option<(&'static str, usize)> {
    BREACH.with(|b| b.take())
}

/// True when a result of `bytes` bytes is within [`MAX_VALUE_BYTES`].
pub fn fits(bytes: usize) -> bool {
    bytes <= MAX_VALUE_BYTES
}

/// The logical size of a value as Kusto would store it (strings by length, dynamic values
/// deeply, shared children counted every time they appear), stopping once past `cap` so that
/// an array holding a million references to one big string costs no more than `cap` to measure.
pub fn logical_bytes(v: &Value, cap: usize) -> usize {
    let mut total = 0;
    add_logical(v, cap, &mut total);
    total
}

fn add_logical(v: &Value, cap: usize, total: &mut usize) {
    *total = total.saturating_add(VALUE_SLOT);
    match v {
        Value::String(s) => *total = total.saturating_add(s.len()),
        Value::Array(items) => {
            for item in items.iter() {
                if *total > cap {
                    return;
                }
                add_logical(item, cap, total);
            }
        }
        Value::Bag(bag) => {
            for (k, item) in bag.iter() {
                if *total > cap {
                    return;
                }
                *total = total.saturating_add(k.len());
                add_logical(item, cap, total);
            }
        }
        _ => {}
    }
}

/// The result of a scalar function, checked against [`MAX_VALUE_BYTES`]: O(1) for strings; a
/// dynamic value is measured only when freshly built (its `Arc` held once), since a shared one
/// was checked when it was made and re-measuring it on every row could cost a lot.
pub fn check_result(function: &'static str, v: Value) -> Value {
    let bytes = match &v {
        Value::String(s) => s.len(),
        Value::Array(a) if Arc::strong_count(a) == 1 => logical_bytes(&v, MAX_VALUE_BYTES),
        Value::Bag(b) if Arc::strong_count(b) == 1 => logical_bytes(&v, MAX_VALUE_BYTES),
        _ => return v,
    };
    if fits(bytes) { v } else { breach(function, bytes) }
}

/// Heap bytes a value owns alone: payload behind an `Arc` held once. Values cloned from an input
/// row or a constant share their payload (`Arc` count above one) and cost only their slot, which
/// the caller counts; so the budget sees what an operator really allocates, not what it copies.
pub fn fresh_bytes(v: &Value) -> usize {
    owned_bytes(v, 1)
}

/// Like [`fresh_bytes`], for a value the caller itself holds `holders` times (make_set keeps
/// each value in a set and a list).
pub fn owned_bytes(v: &Value, holders: usize) -> usize {
    match v {
        Value::String(s) if Arc::strong_count(s) <= holders => s.len(),
        Value::Array(a) if Arc::strong_count(a) <= holders => a.iter().map(|x| VALUE_SLOT + fresh_bytes(x)).sum(),
        Value::Bag(b) if Arc::strong_count(b) <= holders => b.iter().map(|(k, x)| VALUE_SLOT + k.len() + fresh_bytes(x)).sum(),
        _ => 0,
    }
}

/// Bytes of the row structure of a table: headers and value slots (payload not included).
pub fn rows_bytes(rows: usize, width: usize) -> usize {
    rows.saturating_mul(ROW_HEADER.saturating_add(width.saturating_mul(VALUE_SLOT)))
}

/// A byte count for messages: `4 GiB`, `512 MiB`, `1.5 KiB`, `12 bytes`.
pub fn human(bytes: usize) -> String {
    const UNITS: [(&str, usize); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            let whole = bytes / size;
            let tenths = (bytes % size) * 10 / size;
            return if tenths == 0 {
                format!("{whole} {unit}")
            } else {
                format!("{whole}.{tenths} {unit}")
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human(4 << 30), "4 GiB");
        assert_eq!(human(3 << 19), "1.5 MiB");
        assert_eq!(human(12), "12 bytes");
    }

    #[test]
    fn shared_payload_is_not_fresh() {
        let s: Arc<str> = Arc::from("x".repeat(100));
        let fresh = Value::String(s.clone());
        assert_eq!(fresh_bytes(&fresh), 0, "held twice");
        drop(s);
        assert_eq!(fresh_bytes(&fresh), 100);
    }

    #[test]
    fn logical_size_counts_shared_children_and_stops_at_cap() {
        let big = Value::str(&"x".repeat(1000));
        let arr = Value::Array(Arc::new(vec![big; 1_000_000]));
        let n = logical_bytes(&arr, 10_000);
        assert!(n > 10_000 && n < 20_000, "{n}");
    }

    #[test]
    fn oversized_result_becomes_null_and_is_recorded() {
        reset();
        let v = check_result("strrep", Value::str(&"x".repeat(MAX_VALUE_BYTES + 1)));
        assert!(v.is_null());
        assert_eq!(take_breach(), Some(("strrep", MAX_VALUE_BYTES + 1)));
        assert_eq!(take_breach(), None);
    }
}
