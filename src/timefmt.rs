//! Time values as Log Analytics writes them: ISO 8601 UTC with seven fractional digits, and the
//! short duration syntax (`90s`, `30m`, `4h`, `1d`, `1h30m`) used by scenarios and rules.

use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};
use std::fmt::Write;

/// `2026-11-28T10:15:02.1234567Z` — 100-ns ticks, as Log Analytics stores datetimes.
pub fn format_ts(t: DateTime<Utc>) -> String {
    let mut s = String::with_capacity(28);
    write_ts(&mut s, t);
    s
}

/// Appends [`format_ts`]'s rendering to `out` without allocating. Written digit by digit: it runs
/// several times per record, and chrono's `format` parses its pattern on every call.
pub fn write_ts(out: &mut String, t: DateTime<Utc>) {
    let year = t.year();
    if !(0..=9999).contains(&year) {
        let _ = write!(out, "{}.{:07}Z", t.format("%Y-%m-%dT%H:%M:%S"), t.timestamp_subsec_nanos() / 100);
        return;
    }
    let mut buf = *b"0000-00-00T00:00:00.0000000Z";
    let mut put = |at: usize, width: usize, mut value: u32| {
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, t.month());
    put(8, 2, t.day());
    put(11, 2, t.hour());
    put(14, 2, t.minute());
    put(17, 2, t.second().min(59));
    put(20, 7, t.timestamp_subsec_nanos().min(999_999_999) / 100);
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
}

/// Parses an RFC 3339 instant (as [`format_ts`] writes them) into UTC.
pub fn parse_ts(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.with_timezone(&Utc))
}

/// Truncates to 100-ns ticks so that what is written equals what is kept in memory.
pub fn to_ticks(t: DateTime<Utc>) -> DateTime<Utc> {
    let extra = t.timestamp_subsec_nanos() % 100;
    t - TimeDelta::nanoseconds(i64::from(extra))
}

/// The longest duration accepted anywhere (about 101 years, in milliseconds): far beyond any
/// scenario period or rule schedule, and far inside what chrono's `TimeDelta` and date arithmetic
/// hold, so no later addition can overflow or panic.
pub const MAX_DURATION_MS: i64 = 3_200_000_000_000;

fn too_long(text: &str) -> String {
    format!("`{text}` is too long a duration: the most tenantless accepts is about 100 years")
}

/// Parses `1d`, `4h`, `30m`, `90s`, `500ms`, `1.5h` or combinations like `1h30m`.
pub fn parse_duration(text: &str) -> Result<TimeDelta, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total_ms = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("`{text}` is not a duration: expected a number before `{rest}`"));
        }
        let value: f64 = rest[..num_len]
            .parse()
            .map_err(|_| format!("`{text}` is not a duration: bad number `{}`", &rest[..num_len]))?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let ms_per_unit = match unit {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            "" => return Err(format!("`{text}` is not a duration: a unit is missing (use s, m, h or d)")),
            other => return Err(format!("`{text}` is not a duration: unknown unit `{other}` (use ms, s, m, h or d)")),
        };
        total_ms += value * ms_per_unit;
    }
    // Floating point, so that `1.5h` works; a sum too large for i64 is still finite here and is
    // refused before the conversion could saturate.
    if !total_ms.is_finite() || total_ms > MAX_DURATION_MS as f64 {
        return Err(too_long(text));
    }
    Ok(TimeDelta::milliseconds(total_ms.round() as i64))
}

/// `count` units of `unit_ms` milliseconds added to `total`, or the too-long error: every step is
/// checked, as rule files carry values like `P9223372036854775807D`.
fn add_units(text: &str, total: i64, count: &str, unit_ms: i64) -> Result<i64, String> {
    // Digits only: `parse` would also take a sign, and a negative part makes no schedule.
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{text}` is not a timespan: `{count}` is not a whole number"));
    }
    let count: i64 = count.parse().map_err(|e: std::num::ParseIntError| match e.kind() {
        std::num::IntErrorKind::PosOverflow => too_long(text),
        _ => format!("`{text}` is not a timespan: `{count}` is not a whole number"),
    })?;
    count
        .checked_mul(unit_ms)
        .and_then(|ms| ms.checked_add(total))
        .filter(|ms| *ms <= MAX_DURATION_MS)
        .ok_or_else(|| too_long(text))
}

/// Parses the timespan notations Sentinel rules use: the short syntax of [`parse_duration`]
/// (`5m`, `2H`, `14d`), ISO 8601 (`PT5H`, `P1D`, `P1DT12H`) and .NET (`01:00:00`,
/// `1.00:00:00`, `00:00:30.5`); a trailing `// comment` inside the value is ignored (seen in the
/// wild). Values beyond [`MAX_DURATION_MS`] are errors, never a chrono overflow panic.
pub fn parse_timespan(text: &str) -> Result<TimeDelta, String> {
    let s = text.split("//").next().unwrap_or("").trim();
    if let Some(iso) = s.strip_prefix(['P', 'p']) {
        let (days, time) = iso.split_once(['T', 't']).unwrap_or((iso, ""));
        let mut total = 0;
        if !days.is_empty() {
            let d = days
                .strip_suffix(['D', 'd'])
                .ok_or_else(|| format!("`{text}`: unsupported ISO 8601 duration (use days, hours, minutes, seconds: P1DT2H)"))?;
            total = add_units(text, total, d, 86_400_000)?;
        }
        if !time.is_empty() {
            let clock = parse_duration(&time.to_ascii_lowercase()).map_err(|e| format!("`{text}`: {e}"))?;
            total = add_units(text, total, &clock.num_milliseconds().to_string(), 1)?;
        }
        return Ok(TimeDelta::milliseconds(total));
    }
    if s.contains(':') {
        let (days, clock) = match s.split_once('.') {
            Some((d, rest)) if rest.contains(':') => (d, rest),
            _ => ("0", s),
        };
        let parts: Vec<&str> = clock.split(':').collect();
        let [h, m, sec] = parts.as_slice() else {
            return Err(format!("`{text}` is not a timespan: write d.hh:mm:ss or hh:mm:ss"));
        };
        // Fractions of a second are dropped: rule schedules are whole minutes.
        let sec = sec.split('.').next().unwrap_or("");
        let mut total = add_units(text, 0, days, 86_400_000)?;
        for (count, unit_ms) in [(*h, 3_600_000), (*m, 60_000), (sec, 1_000)] {
            total = add_units(text, total, count, unit_ms)?;
        }
        return Ok(TimeDelta::milliseconds(total));
    }
    parse_duration(&s.to_ascii_lowercase())
}

/// Renders a duration in the same syntax, e.g. `1d`, `4h`, `1h30m`, `45s`.
pub fn display_duration(d: TimeDelta) -> String {
    let mut ms = d.num_milliseconds();
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    if ms < 0 {
        out.push('-');
        ms = -ms;
    }
    for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
        if ms >= size {
            let _ = write!(out, "{}{}", ms / size, unit);
            ms %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_have_seven_fractional_digits() {
        let t = Utc.with_ymd_and_hms(2026, 11, 28, 10, 15, 2).unwrap() + TimeDelta::nanoseconds(123_456_789);
        assert_eq!(format_ts(t), "2026-11-28T10:15:02.1234567Z");
        assert_eq!(
            format_ts(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
            "2026-01-01T00:00:00.0000000Z"
        );
    }

    #[test]
    fn durations_parse_and_reject() {
        assert_eq!(parse_duration("1d").unwrap(), TimeDelta::days(1));
        assert_eq!(parse_duration("1h30m").unwrap(), TimeDelta::minutes(90));
        assert_eq!(parse_duration("1.5h").unwrap(), TimeDelta::minutes(90));
        assert_eq!(parse_duration("500ms").unwrap(), TimeDelta::milliseconds(500));
        assert!(parse_duration("5").unwrap_err().contains("unit is missing"));
        assert!(parse_duration("5w").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("-5m").is_err());
        assert!(parse_duration("").is_err());
        assert_eq!(display_duration(TimeDelta::minutes(90)), "1h30m");
        assert_eq!(display_duration(TimeDelta::days(7)), "7d");
    }

    #[test]
    fn timespans_in_every_notation_seen_in_rules() {
        assert_eq!(parse_timespan("5m").unwrap(), TimeDelta::minutes(5));
        assert_eq!(parse_timespan("2H").unwrap(), TimeDelta::hours(2));
        assert_eq!(parse_timespan("PT5H").unwrap(), TimeDelta::hours(5));
        assert_eq!(parse_timespan("P1DT12H").unwrap(), TimeDelta::hours(36));
        assert_eq!(parse_timespan("1.00:00:00").unwrap(), TimeDelta::days(1));
        assert_eq!(parse_timespan("00:00:30.5").unwrap(), TimeDelta::seconds(30));
        assert!(parse_timespan("1:00").unwrap_err().contains("hh:mm:ss"));
        assert!(parse_timespan("-01:00:00").unwrap_err().contains("whole number"));
        // Notations seen in published rules.
        assert_eq!(parse_timespan("14d").unwrap(), TimeDelta::days(14));
        assert_eq!(parse_timespan("P1D").unwrap(), TimeDelta::days(1));
        assert_eq!(parse_timespan("01:00:00").unwrap(), TimeDelta::hours(1));
        assert_eq!(parse_timespan("7d // seven days").unwrap(), TimeDelta::days(7));
        assert!(parse_timespan("soon").is_err());
    }

    #[test]
    fn absurd_timespans_are_errors_not_chrono_panics() {
        for text in [
            "P99999999999999D",
            "99999999999999:00:00",
            "P9223372036854775807D",
            "00:99999999999999999:00",
            "99999999999999999999.00:00:00",
            "PT99999999999999H",
            "99999999999999d",
        ] {
            let err = parse_timespan(text).unwrap_err();
            assert!(err.contains("too long a duration"), "{text}: {err}");
        }
        // The bound itself is accepted, one day more is not.
        assert!(parse_timespan("P37037D").is_ok());
        assert!(parse_timespan("P37038D").is_err());
    }
}
