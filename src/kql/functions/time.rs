//! Datetime and timespan constructors and formatting (…/make-datetime-function,
//! …/make-timespan-function, …/format-timespan-function, …/unixtime-*-todatetime-function).

use chrono::NaiveDate;

use crate::kql::value::{TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_SECOND, Value, ticks_from_chrono};

/// Seconds (fractional) as ticks, when finite and in range.
fn seconds_ticks(v: &Value) -> Option<i64> {
    let s = v.as_f64()?;
    let t = (s * TICKS_PER_SECOND as f64).round();
    (t.is_finite() && t.abs() < 9.0e18).then_some(t as i64)
}

/// `make_datetime(year, month, day[, hour, minute[, second]])`: null when a part is out of range.
pub fn make_datetime(a: &[Value]) -> Value {
    let part = |i: usize| a.get(i).map_or(Some(0), Value::as_i64);
    let (Some(y), Some(m), Some(d), Some(h), Some(min)) = (part(0), part(1), part(2), part(3), part(4)) else {
        return Value::Null;
    };
    let second = match a.get(5) {
        Some(s) => match seconds_ticks(s) {
            Some(t) if (0..60 * TICKS_PER_SECOND).contains(&t) => t,
            _ => return Value::Null,
        },
        None => 0,
    };
    let date = (|| {
        let date = NaiveDate::from_ymd_opt(
            i32::try_from(y).ok().filter(|y| (0..=9999).contains(y))?,
            u32::try_from(m).ok()?,
            u32::try_from(d).ok()?,
        )?;
        let time = date.and_hms_opt(u32::try_from(h).ok()?, u32::try_from(min).ok()?, 0)?;
        Some(ticks_from_chrono(&time.and_utc()) + second)
    })();
    date.map(Value::DateTime).unwrap_or(Value::Null)
}

/// `make_timespan(hour, minute[, second])` or `make_timespan(day, hour, minute, second)`.
pub fn make_timespan(a: &[Value]) -> Value {
    let (days, rest) = if a.len() == 4 { (Some(&a[0]), &a[1..]) } else { (None, a) };
    let whole = |v: Option<&Value>, unit: i64| match v {
        None => Some(0),
        Some(v) => v.as_i64().and_then(|n| n.checked_mul(unit)),
    };
    let parts = [
        whole(days, TICKS_PER_DAY),
        whole(rest.first(), TICKS_PER_HOUR),
        whole(rest.get(1), TICKS_PER_MINUTE),
        rest.get(2).map_or(Some(0), seconds_ticks),
    ];
    parts
        .into_iter()
        .try_fold(0i64, |sum, p| sum.checked_add(p?))
        .map(Value::TimeSpan)
        .unwrap_or(Value::Null)
}

/// `format_timespan(timespan, format)` with the specifiers `d`…, `h`/`H`, `m`, `s`, `f`…, `F`…
/// (`F` drops trailing zeros and prints nothing for zero) and the docs' delimiters.
pub fn format_timespan(a: &[Value]) -> Value {
    let Value::TimeSpan(t) = a[0] else {
        return Value::Null;
    };
    let format = a[1].to_kql_string();
    let abs = t.unsigned_abs();
    let tps = TICKS_PER_SECOND as u64;
    let days = abs / TICKS_PER_DAY as u64;
    let hours = abs / TICKS_PER_HOUR as u64 % 24;
    let minutes = abs / TICKS_PER_MINUTE as u64 % 60;
    let seconds = abs / tps % 60;
    let fraction = format!("{:07}", abs % tps);
    let chars: Vec<char> = format.chars().collect();
    let mut out = if t < 0 { String::from("-") } else { String::new() };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let n = chars[i..].iter().take_while(|x| **x == c).count();
        let padded = |v: u64, width: usize| format!("{v:0width$}");
        match c {
            'd' => out.push_str(&padded(days, n)),
            'h' | 'H' => out.push_str(&padded(hours, n.min(2))),
            'm' => out.push_str(&padded(minutes, n.min(2))),
            's' => out.push_str(&padded(seconds, n.min(2))),
            'f' => out.push_str(&fraction[..n.min(7)]),
            'F' => out.push_str(fraction[..n.min(7)].trim_end_matches('0')),
            other => (0..n).for_each(|_| out.push(other)),
        }
        i += n;
    }
    Value::str(&out)
}

/// `unixtime_microseconds_todatetime(n)` (`per_tick` 0.1) and `unixtime_nanoseconds_todatetime`
/// (`per_tick` 100).
pub fn unixtime_to_datetime(a: &[Value], units_per_tick: f64) -> Value {
    match a[0].as_f64() {
        Some(n) if n.is_finite() => Value::DateTime((n / units_per_tick).floor() as i64),
        _ => Value::Null,
    }
}
