//! Runtime values and Kusto scalar types.
//!
//! Values are compact: strings are `Arc<str>`, datetimes and timespans are `i64` ticks (100 ns, as in
//! Kusto), and dynamic arrays/bags share their children through `Arc` so member access never deep-copies.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// 100-nanosecond ticks per second.
pub const TICKS_PER_SECOND: i64 = 10_000_000;
/// Ticks per millisecond.
pub const TICKS_PER_MS: i64 = 10_000;
/// Ticks per minute.
pub const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
/// Ticks per hour.
pub const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
/// Ticks per day.
pub const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;

/// A Kusto scalar type (column type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KqlType {
    /// `bool`: true or false.
    Bool,
    /// `int`: a 32-bit integer in Kusto; its values are held as `long` here.
    Int,
    /// `long`: a 64-bit signed integer.
    Long,
    /// `real` (alias `double`): a 64-bit float.
    Real,
    /// `decimal`: a 128-bit decimal in Kusto; its values are held as `real` here.
    Decimal,
    /// `string`: UTF-8 text; never null in Kusto (an empty string stands in).
    String,
    /// `datetime`: an instant in UTC, held as ticks (100 ns) since the Unix epoch.
    DateTime,
    /// `timespan`: a signed duration, held as ticks (100 ns).
    TimeSpan,
    /// `guid`: held as its text.
    Guid,
    /// `dynamic`: a JSON-like array, property bag or scalar.
    Dynamic,
}

impl KqlType {
    /// Parses a Kusto type name (`string`, `long`, `datetime`, `dynamic`, …; aliases included).
    pub fn parse(name: &str) -> Option<KqlType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "bool" | "boolean" => KqlType::Bool,
            "int" | "int32" => KqlType::Int,
            "long" | "int64" => KqlType::Long,
            "real" | "double" => KqlType::Real,
            "decimal" => KqlType::Decimal,
            "string" => KqlType::String,
            "datetime" | "date" => KqlType::DateTime,
            "timespan" | "time" => KqlType::TimeSpan,
            "guid" | "uuid" | "uniqueid" => KqlType::Guid,
            "dynamic" => KqlType::Dynamic,
            _ => return None,
        })
    }

    /// The canonical Kusto name.
    pub fn name(self) -> &'static str {
        match self {
            KqlType::Bool => "bool",
            KqlType::Int => "int",
            KqlType::Long => "long",
            KqlType::Real => "real",
            KqlType::Decimal => "decimal",
            KqlType::String => "string",
            KqlType::DateTime => "datetime",
            KqlType::TimeSpan => "timespan",
            KqlType::Guid => "guid",
            KqlType::Dynamic => "dynamic",
        }
    }
}

impl fmt::Display for KqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A property bag: insertion-ordered, small, looked up linearly.
pub type Bag = Vec<(Arc<str>, Value)>;

/// One runtime value.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// A missing or unconvertible value of any type (strings use `""` instead).
    #[default]
    Null,
    /// A `bool`.
    Bool(bool),
    /// An `int` or `long`.
    Long(i64),
    /// A `real` or `decimal`.
    Real(f64),
    /// A `string`, or a `guid`'s text.
    String(Arc<str>),
    /// Ticks since the Unix epoch, UTC.
    DateTime(i64),
    /// Ticks.
    TimeSpan(i64),
    /// A dynamic array.
    Array(Arc<Vec<Value>>),
    /// A dynamic property bag.
    Bag(Arc<Bag>),
}

impl Value {
    /// Builds a string value.
    pub fn str(s: &str) -> Value {
        Value::String(Arc::from(s))
    }

    /// True for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value's natural type.
    pub fn kql_type(&self) -> Option<KqlType> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => KqlType::Bool,
            Value::Long(_) => KqlType::Long,
            Value::Real(_) => KqlType::Real,
            Value::String(_) => KqlType::String,
            Value::DateTime(_) => KqlType::DateTime,
            Value::TimeSpan(_) => KqlType::TimeSpan,
            Value::Array(_) | Value::Bag(_) => KqlType::Dynamic,
        })
    }

    /// Truthiness for `where`: only `true` passes; null is false.
    pub fn is_true(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    /// Numeric view (long/real/bool), for arithmetic and numeric functions.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Long(v) => Some(*v as f64),
            Value::Real(v) => Some(*v),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            _ => None,
        }
    }

    /// Integer view (long, or real truncated).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Long(v) => Some(*v),
            Value::Real(v) if v.is_finite() => Some(*v as i64),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// Kusto `tostring()`: strings as-is, null as empty, dynamic as JSON.
    pub fn to_kql_string(&self) -> Arc<str> {
        match self {
            Value::String(s) => s.clone(),
            Value::Null => Arc::from(""),
            other => Arc::from(other.to_string()),
        }
    }

    /// Converts to JSON (for NDJSON output and dynamic serialisation).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Long(v) => J::from(*v),
            Value::Real(v) => serde_json::Number::from_f64(*v)
                .map(J::Number)
                .unwrap_or_else(|| J::String(format_real(*v))),
            Value::String(s) => J::String(s.to_string()),
            Value::DateTime(_) | Value::TimeSpan(_) => J::String(self.to_string()),
            Value::Array(items) => J::Array(items.iter().map(Value::to_json).collect()),
            Value::Bag(bag) => J::Object(bag.iter().map(|(k, v)| (k.to_string(), v.to_json())).collect()),
        }
    }

    /// Converts JSON into a dynamic value (numbers become long or real).
    pub fn from_json(json: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Long(i),
                None => n.as_f64().map(Value::Real).unwrap_or(Value::Null),
            },
            J::String(s) => Value::str(s),
            J::Array(items) => Value::Array(Arc::new(items.iter().map(Value::from_json).collect())),
            J::Object(map) => Value::Bag(Arc::new(
                map.iter().map(|(k, v)| (Arc::from(k.as_str()), Value::from_json(v))).collect(),
            )),
        }
    }

    /// Looks up a bag property; anything else (or a missing key) gives null.
    pub fn get_key(&self, key: &str) -> Value {
        match self {
            Value::Bag(bag) => bag.iter().find(|(k, _)| &**k == key).map(|(_, v)| v.clone()).unwrap_or(Value::Null),
            // A string holding JSON is parsed on access, as Kusto does for dynamic-typed strings.
            Value::String(s) if s.starts_with('{') => parse_json_str(s).get_key(key),
            _ => Value::Null,
        }
    }

    /// Indexes an array; negative indexes count from the end; out of range gives null.
    pub fn get_index(&self, index: i64) -> Value {
        match self {
            Value::Array(items) => {
                let len = items.len() as i64;
                let i = if index < 0 { len + index } else { index };
                if i < 0 || i >= len {
                    Value::Null
                } else {
                    items[i as usize].clone()
                }
            }
            Value::String(s) if s.starts_with('[') => parse_json_str(s).get_index(index),
            _ => Value::Null,
        }
    }
}

/// Parses JSON text into a dynamic value; invalid JSON gives the string itself (Kusto's `parse_json`).
pub fn parse_json_str(text: &str) -> Value {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(json) => Value::from_json(&json),
        Err(_) => Value::str(text),
    }
}

/// Formats a real the way Kusto prints it (integral values without a fraction).
pub fn format_real(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else {
        format!("{v}")
    }
}

/// Formats ticks since the epoch as `2026-11-28T10:15:02.1234567Z`.
pub fn format_datetime(ticks: i64) -> String {
    let secs = ticks.div_euclid(TICKS_PER_SECOND);
    let frac = ticks.rem_euclid(TICKS_PER_SECOND);
    match Utc.timestamp_opt(secs, 0).single() {
        Some(dt) => format!("{}.{:07}Z", dt.format("%Y-%m-%dT%H:%M:%S"), frac),
        None => format!("<datetime {ticks}>"),
    }
}

/// Formats a timespan as Kusto does: `[-][d.]hh:mm:ss[.fffffff]`.
pub fn format_timespan(ticks: i64) -> String {
    let neg = ticks < 0;
    let t = ticks.unsigned_abs();
    let tps = TICKS_PER_SECOND as u64;
    let days = t / TICKS_PER_DAY as u64;
    let rem = t % TICKS_PER_DAY as u64;
    let h = rem / TICKS_PER_HOUR as u64;
    let m = (rem % TICKS_PER_HOUR as u64) / TICKS_PER_MINUTE as u64;
    let s = (rem % TICKS_PER_MINUTE as u64) / tps;
    let frac = rem % tps;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    if frac > 0 {
        out.push_str(&format!(".{frac:07}"));
    }
    out
}

/// Converts a chrono datetime to ticks.
pub fn ticks_from_chrono(dt: &DateTime<Utc>) -> i64 {
    dt.timestamp()
        .saturating_mul(TICKS_PER_SECOND)
        .saturating_add(i64::from(dt.timestamp_subsec_nanos() / 100))
}

/// Converts ticks to a chrono datetime (None when out of chrono's range).
pub fn chrono_from_ticks(ticks: i64) -> Option<DateTime<Utc>> {
    let secs = ticks.div_euclid(TICKS_PER_SECOND);
    let nanos = (ticks.rem_euclid(TICKS_PER_SECOND) * 100) as u32;
    Utc.timestamp_opt(secs, nanos).single()
}

/// Parses the datetime formats Kusto accepts in literals and `todatetime()` (ISO 8601 / RFC 3339 and a
/// few common variants). Returns ticks, or None.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(ticks_from_chrono(&dt.with_timezone(&Utc)));
    }
    let naive = t.trim_end_matches('Z').trim_end_matches('z');
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S%.f",
        "%m/%d/%Y %H:%M:%S%.f",
    ] {
        if let Ok(ndt) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Some(ticks_from_chrono(&ndt.and_utc()));
        }
    }
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(naive, fmt) {
            return d.and_hms_opt(0, 0, 0).map(|ndt| ticks_from_chrono(&ndt.and_utc()));
        }
    }
    None
}

/// Parses a timespan written as `[-][d.]hh:mm[:ss[.fffffff]]` or as a literal like `1.5h`.
pub fn parse_timespan(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Some(v) = parse_timespan_literal(t) {
        return Some(v);
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let parts: Vec<&str> = body.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let (days, hours) = match parts[0].split_once('.') {
        Some((d, h)) => (d.parse::<i64>().ok()?, h.parse::<i64>().ok()?),
        None => (0, parts[0].parse::<i64>().ok()?),
    };
    let minutes = parts[1].parse::<i64>().ok()?;
    let sec_ticks = match parts.get(2) {
        Some(s) => (s.parse::<f64>().ok()? * TICKS_PER_SECOND as f64).round() as i64,
        None => 0,
    };
    // Checked: absurd literals (`time(99999999999.00:00:00)`) are invalid, not an overflow.
    let total = days
        .checked_mul(TICKS_PER_DAY)?
        .checked_add(hours.checked_mul(TICKS_PER_HOUR)?)?
        .checked_add(minutes.checked_mul(TICKS_PER_MINUTE)?)?
        .checked_add(sec_ticks)?;
    Some(if neg { -total } else { total })
}

/// Ticks for one unit of a timespan literal suffix (`d`, `h`, `m`, `s`, `ms`, `microsecond`, `tick`, …).
pub fn timespan_unit_ticks(unit: &str) -> Option<f64> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "d" | "day" | "days" => TICKS_PER_DAY as f64,
        "h" | "hr" | "hrs" | "hour" | "hours" => TICKS_PER_HOUR as f64,
        "m" | "min" | "minute" | "minutes" => TICKS_PER_MINUTE as f64,
        "s" | "sec" | "second" | "seconds" => TICKS_PER_SECOND as f64,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => TICKS_PER_MS as f64,
        "microsecond" | "microseconds" => 10.0,
        "tick" | "ticks" => 1.0,
        _ => return None,
    })
}

/// Parses `1.5h`, `30m`, `2d`, `100ms`, `10tick`.
pub fn parse_timespan_literal(text: &str) -> Option<i64> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let n: f64 = num.parse().ok()?;
    let per = timespan_unit_ticks(unit.trim())?;
    Some((n * per).round() as i64)
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Long(v) => write!(f, "{v}"),
            Value::Real(v) => f.write_str(&format_real(*v)),
            Value::String(s) => f.write_str(s),
            Value::DateTime(t) => f.write_str(&format_datetime(*t)),
            Value::TimeSpan(t) => f.write_str(&format_timespan(*t)),
            Value::Array(_) | Value::Bag(_) => f.write_str(&self.to_json().to_string()),
        }
    }
}

/// Equality used for grouping, joins and `distinct`: null equals null, reals compare by bits.
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Long(a), Value::Long(b)) => a == b,
            (Value::Real(a), Value::Real(b)) => a.to_bits() == b.to_bits(),
            // Loaded strings are interned: equal ones are mostly the same allocation.
            (Value::String(a), Value::String(b)) => Arc::ptr_eq(a, b) || a == b,
            (Value::DateTime(a), Value::DateTime(b)) => a == b,
            (Value::TimeSpan(a), Value::TimeSpan(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a == b,
            (Value::Bag(a), Value::Bag(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Value::Null => {}
            Value::Bool(b) => b.hash(state),
            Value::Long(v) | Value::DateTime(v) | Value::TimeSpan(v) => v.hash(state),
            Value::Real(v) => v.to_bits().hash(state),
            Value::String(s) => s.hash(state),
            Value::Array(items) => items.hash(state),
            Value::Bag(bag) => bag.hash(state),
        }
    }
}

/// Kusto `==` on two non-null values: numbers compare across long/real; strings case-sensitively.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Long(_) | Value::Real(_), Value::Long(_) | Value::Real(_)) => compare_values(a, b) == Some(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x == y,
        // Dynamic values compared with strings compare their JSON text (e.g. a GUID-typed column).
        (Value::String(x), other) | (other, Value::String(x)) => !matches!(other, Value::Null) && **x == *other.to_kql_string(),
        _ => a == b,
    }
}

/// Ordering for `<`, `sort`, `min`/`max`: defined within a type (numbers across long/real).
pub fn compare_values(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Long(x), Value::Long(y)) => Some(x.cmp(y)),
        (Value::Long(_) | Value::Real(_), Value::Long(_) | Value::Real(_)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::DateTime(x), Value::DateTime(y)) => Some(x.cmp(y)),
        (Value::TimeSpan(x), Value::TimeSpan(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        // A datetime compared with a string literal: parse the string (as Kusto's implicit cast does).
        (Value::DateTime(x), Value::String(s)) => parse_datetime(s).map(|y| x.cmp(&y)),
        (Value::String(s), Value::DateTime(y)) => parse_datetime(s).map(|x| x.cmp(y)),
        _ => None,
    }
}

/// Total order for sorting: nulls first, then by type rank, then by value.
pub fn sort_order(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    compare_values(a, b).unwrap_or_else(|| {
        type_rank(a)
            .cmp(&type_rank(b))
            .then_with(|| a.to_kql_string().cmp(&b.to_kql_string()))
    })
}

fn type_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Long(_) | Value::Real(_) => 2,
        Value::DateTime(_) => 3,
        Value::TimeSpan(_) => 4,
        Value::String(_) => 5,
        Value::Array(_) => 6,
        Value::Bag(_) => 7,
    }
}

/// Converts a value to the given column type; values that don't conform become null
/// (strings become empty, since Kusto strings are never null).
pub fn convert(value: &Value, ty: KqlType) -> Value {
    match ty {
        KqlType::String | KqlType::Guid => match value {
            Value::Null if ty == KqlType::String => Value::str(""),
            Value::Null => Value::Null,
            other => Value::String(other.to_kql_string()),
        },
        KqlType::Bool => match value {
            Value::Bool(b) => Value::Bool(*b),
            Value::Long(v) => Value::Bool(*v != 0),
            Value::Real(v) => Value::Bool(*v != 0.0),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Value::Bool(true),
                "false" | "0" => Value::Bool(false),
                _ => Value::Null,
            },
            _ => Value::Null,
        },
        KqlType::Int | KqlType::Long => match value {
            Value::Long(v) => Value::Long(*v),
            Value::Real(v) if v.is_finite() => Value::Long(*v as i64),
            Value::Bool(b) => Value::Long(*b as i64),
            Value::DateTime(t) | Value::TimeSpan(t) => Value::Long(*t),
            Value::String(s) => {
                let t = s.trim();
                t.parse::<i64>()
                    .map(Value::Long)
                    .or_else(|_| t.parse::<f64>().map(|f| Value::Long(f as i64)))
                    .unwrap_or(Value::Null)
            }
            _ => Value::Null,
        },
        KqlType::Real | KqlType::Decimal => match value {
            Value::Long(v) => Value::Real(*v as f64),
            Value::Real(v) => Value::Real(*v),
            Value::Bool(b) => Value::Real(*b as i64 as f64),
            Value::String(s) => s.trim().parse::<f64>().map(Value::Real).unwrap_or(Value::Null),
            _ => Value::Null,
        },
        KqlType::DateTime => match value {
            Value::DateTime(t) => Value::DateTime(*t),
            Value::String(s) => parse_datetime(s).map(Value::DateTime).unwrap_or(Value::Null),
            _ => Value::Null,
        },
        KqlType::TimeSpan => match value {
            Value::TimeSpan(t) => Value::TimeSpan(*t),
            Value::Long(t) => Value::TimeSpan(*t),
            Value::String(s) => parse_timespan(s).map(Value::TimeSpan).unwrap_or(Value::Null),
            _ => Value::Null,
        },
        KqlType::Dynamic => match value {
            Value::String(s) => {
                let t = s.trim_start();
                if t.starts_with('{') || t.starts_with('[') {
                    parse_json_str(s)
                } else {
                    value.clone()
                }
            }
            other => other.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_round_trips_with_seven_digits() {
        let t = parse_datetime("2026-11-28T10:15:02.1234567Z").expect("parses");
        assert_eq!(format_datetime(t), "2026-11-28T10:15:02.1234567Z");
        assert_eq!(
            format_datetime(parse_datetime("2017-01-01").expect("date")),
            "2017-01-01T00:00:00.0000000Z"
        );
    }

    #[test]
    fn timespans_format_like_kusto() {
        assert_eq!(format_timespan(TICKS_PER_HOUR), "01:00:00");
        assert_eq!(format_timespan(TICKS_PER_DAY + 1), "1.00:00:00.0000001");
        assert_eq!(
            parse_timespan("1.02:03:04"),
            Some(TICKS_PER_DAY + 2 * TICKS_PER_HOUR + 3 * TICKS_PER_MINUTE + 4 * TICKS_PER_SECOND)
        );
        assert_eq!(parse_timespan_literal("1.5h"), Some(TICKS_PER_HOUR * 3 / 2));
        assert_eq!(parse_timespan("99999999999999.00:00:00"), None);
    }

    #[test]
    fn negative_index_counts_from_end() {
        let arr = Value::Array(Arc::new(vec![Value::Long(1), Value::Long(2), Value::Long(3)]));
        assert_eq!(arr.get_index(-1), Value::Long(3));
        assert_eq!(arr.get_index(3), Value::Null);
        assert_eq!(arr.get_index(-4), Value::Null);
    }
}
