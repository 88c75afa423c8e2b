//! Calendar functions: datetime_diff, datetime_add, datetime_part, startof*/endof*, format_datetime.

use chrono::{Datelike, Months, NaiveDate, Timelike};

use super::value::{TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_MS, TICKS_PER_SECOND, chrono_from_ticks, ticks_from_chrono};

/// Calendar fields of a datetime in ticks.
fn fields(ticks: i64) -> Option<(i32, u32, u32)> {
    chrono_from_ticks(ticks).map(|d| (d.year(), d.month(), d.day()))
}

fn ticks_of_date(y: i32, m: u32, d: u32) -> Option<i64> {
    NaiveDate::from_ymd_opt(y, m, d)?
        .and_hms_opt(0, 0, 0)
        .map(|ndt| ticks_from_chrono(&ndt.and_utc()))
}

/// Start of the day (UTC).
pub fn start_of_day(t: i64) -> i64 {
    t.div_euclid(TICKS_PER_DAY) * TICKS_PER_DAY
}

/// Start of the week: Kusto weeks start on Sunday.
pub fn start_of_week(t: i64) -> i64 {
    let day = t.div_euclid(TICKS_PER_DAY);
    // 1970-01-01 was a Thursday: day 0 → weekday 4 (Sunday = 0).
    let weekday = (day + 4).rem_euclid(7);
    (day - weekday) * TICKS_PER_DAY
}

/// Start of the month.
pub fn start_of_month(t: i64) -> Option<i64> {
    let (y, m, _) = fields(t)?;
    ticks_of_date(y, m, 1)
}

/// Start of the year.
pub fn start_of_year(t: i64) -> Option<i64> {
    let (y, _, _) = fields(t)?;
    ticks_of_date(y, 1, 1)
}

/// Adds whole months, clamping the day to the month's end (as .NET AddMonths does).
pub fn add_months(t: i64, months: i64) -> Option<i64> {
    let dt = chrono_from_ticks(t)?;
    let out = if months >= 0 {
        dt.checked_add_months(Months::new(u32::try_from(months).ok()?))?
    } else {
        dt.checked_sub_months(Months::new(u32::try_from(-months).ok()?))?
    };
    Some(ticks_from_chrono(&out))
}

/// Sunday-based weekday (0 = Sunday).
pub fn weekday(t: i64) -> i64 {
    (t.div_euclid(TICKS_PER_DAY) + 4).rem_euclid(7)
}

/// Canonical period name for any accepted spelling, compared without allocating (this runs per row).
fn canonical(period: &str) -> Option<&'static str> {
    const ALIASES: &[(&str, &[&str])] = &[
        ("year", &["year", "years", "yy", "yyyy"]),
        ("quarter", &["quarter", "quarters", "qq", "q"]),
        ("month", &["month", "months", "mm", "m"]),
        ("week", &["week", "weeks", "wk", "ww"]),
        ("day", &["day", "days", "d", "dd"]),
        ("hour", &["hour", "hours", "hh", "h"]),
        ("minute", &["minute", "minutes", "mi", "n"]),
        ("second", &["second", "seconds", "ss", "s"]),
        ("millisecond", &["millisecond", "milliseconds", "ms"]),
        ("microsecond", &["microsecond", "microseconds", "mcs"]),
        ("nanosecond", &["nanosecond", "nanoseconds", "ns"]),
    ];
    let p = period.trim();
    ALIASES
        .iter()
        .find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(p)))
        .map(|(c, _)| *c)
}

fn fixed_period(period: &str) -> Option<i64> {
    Some(match period {
        "week" | "weeks" | "wk" | "ww" => 7 * TICKS_PER_DAY,
        "day" | "days" | "d" | "dd" => TICKS_PER_DAY,
        "hour" | "hours" | "hh" | "h" => TICKS_PER_HOUR,
        "minute" | "minutes" | "mi" | "n" => TICKS_PER_MINUTE,
        "second" | "seconds" | "ss" | "s" => TICKS_PER_SECOND,
        "millisecond" | "milliseconds" | "ms" => TICKS_PER_MS,
        "microsecond" | "microseconds" | "mcs" => 10,
        _ => return None,
    })
}

/// `datetime_diff(period, d1, d2)`: the number of period *boundaries* crossed from d2 to d1
/// (learn.microsoft.com/kusto/query/datetime-diff-function: hour 23:59→01:00 is 2, week uses Sunday starts).
pub fn datetime_diff(period: &str, d1: i64, d2: i64) -> Option<i64> {
    let p = canonical(period)?;
    match p {
        "year" | "years" | "yy" | "yyyy" => Some(i64::from(fields(d1)?.0 - fields(d2)?.0)),
        "quarter" | "quarters" | "qq" | "q" => {
            let (y1, m1, _) = fields(d1)?;
            let (y2, m2, _) = fields(d2)?;
            Some(i64::from(y1 * 4 + (m1 as i32 - 1) / 3) - i64::from(y2 * 4 + (m2 as i32 - 1) / 3))
        }
        "month" | "months" | "mm" | "m" => {
            let (y1, m1, _) = fields(d1)?;
            let (y2, m2, _) = fields(d2)?;
            Some(i64::from(y1 * 12 + m1 as i32) - i64::from(y2 * 12 + m2 as i32))
        }
        "week" | "weeks" | "wk" | "ww" => Some((start_of_week(d1) - start_of_week(d2)) / (7 * TICKS_PER_DAY)),
        "nanosecond" | "nanoseconds" | "ns" => d1.checked_sub(d2)?.checked_mul(100),
        _ => {
            let per = fixed_period(p)?;
            Some(d1.div_euclid(per) - d2.div_euclid(per))
        }
    }
}

/// `datetime_add(period, amount, datetime)` (…/datetime-add-function).
pub fn datetime_add(period: &str, amount: i64, t: i64) -> Option<i64> {
    let p = canonical(period)?;
    match p {
        "year" | "years" | "yy" | "yyyy" => add_months(t, amount.checked_mul(12)?),
        "quarter" | "quarters" | "qq" | "q" => add_months(t, amount.checked_mul(3)?),
        "month" | "months" | "mm" | "m" => add_months(t, amount),
        "nanosecond" | "nanoseconds" | "ns" => t.checked_add(amount / 100),
        _ => t.checked_add(fixed_period(p)?.checked_mul(amount)?),
    }
}

/// `datetime_part(part, datetime)`.
pub fn datetime_part(part: &str, t: i64) -> Option<i64> {
    let dt = chrono_from_ticks(t)?;
    let sub = t.rem_euclid(TICKS_PER_SECOND);
    Some(match part.to_ascii_lowercase().as_str() {
        "year" => i64::from(dt.year()),
        "quarter" => i64::from((dt.month() - 1) / 3 + 1),
        "month" => i64::from(dt.month()),
        "week_of_year" | "weekofyear" => i64::from(dt.iso_week().week()),
        "day" => i64::from(dt.day()),
        "dayofyear" => i64::from(dt.ordinal()),
        "hour" => i64::from(dt.hour()),
        "minute" => i64::from(dt.minute()),
        "second" => i64::from(dt.second()),
        "millisecond" => sub / TICKS_PER_MS,
        "microsecond" => sub / 10,
        "nanosecond" => sub * 100,
        _ => return None,
    })
}

/// `format_datetime(datetime, format)` with .NET-style specifiers (yyyy, MM, dd, HH, hh, mm, ss, f…, tt).
pub fn format_datetime(t: i64, format: &str) -> Option<String> {
    let dt = chrono_from_ticks(t)?;
    let frac = t.rem_euclid(TICKS_PER_SECOND);
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut n = 1;
        while i + n < chars.len() && chars[i + n] == c {
            n += 1;
        }
        match c {
            'y' => {
                if n >= 4 {
                    out.push_str(&format!("{:04}", dt.year()));
                } else {
                    out.push_str(&format!("{:02}", dt.year().rem_euclid(100)));
                }
            }
            'M' => out.push_str(&pad(dt.month(), n)),
            'd' => out.push_str(&pad(dt.day(), n)),
            'H' => out.push_str(&pad(dt.hour(), n)),
            'h' => out.push_str(&pad((dt.hour() + 11) % 12 + 1, n)),
            'm' => out.push_str(&pad(dt.minute(), n)),
            's' => out.push_str(&pad(dt.second(), n)),
            'f' | 'F' => {
                let digits = format!("{frac:07}");
                out.push_str(&digits[..n.min(7)]);
            }
            't' => out.push_str(if dt.hour() < 12 { "AM" } else { "PM" }),
            _ => {
                for _ in 0..n {
                    out.push(c);
                }
            }
        }
        i += n;
    }
    Some(out)
}

fn pad(v: u32, n: usize) -> String {
    if n >= 2 { format!("{v:02}") } else { v.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::value::parse_datetime;

    fn dt(s: &str) -> i64 {
        parse_datetime(s).expect("valid datetime")
    }

    // Examples from learn.microsoft.com/kusto/query/datetime-diff-function.
    #[test]
    fn datetime_diff_documented_examples() {
        assert_eq!(datetime_diff("year", dt("2017-01-01"), dt("2000-12-31")), Some(17));
        assert_eq!(datetime_diff("quarter", dt("2017-07-01"), dt("2017-03-30")), Some(2));
        assert_eq!(datetime_diff("month", dt("2017-01-01"), dt("2015-12-30")), Some(13));
        assert_eq!(datetime_diff("week", dt("2017-10-29 00:00"), dt("2017-09-30 23:59")), Some(5));
        assert_eq!(datetime_diff("day", dt("2017-10-29 00:00"), dt("2017-09-30 23:59")), Some(29));
        assert_eq!(datetime_diff("hour", dt("2017-10-31 01:00"), dt("2017-10-30 23:59")), Some(2));
        assert_eq!(
            datetime_diff("minute", dt("2017-10-30 23:05:01"), dt("2017-10-30 23:00:59")),
            Some(5)
        );
        assert_eq!(
            datetime_diff("second", dt("2017-10-30 23:00:10.100"), dt("2017-10-30 23:00:00.900")),
            Some(10)
        );
        assert_eq!(
            datetime_diff("millisecond", dt("2017-10-30 23:00:00.200100"), dt("2017-10-30 23:00:00.100900")),
            Some(100)
        );
        assert_eq!(
            datetime_diff("microsecond", dt("2017-10-30 23:00:00.1009001"), dt("2017-10-30 23:00:00.1008009")),
            Some(100)
        );
        assert_eq!(
            datetime_diff("nanosecond", dt("2017-10-30 23:00:00.0000000"), dt("2017-10-30 23:00:00.0000007")),
            Some(-700)
        );
    }

    // Examples from learn.microsoft.com/kusto/query/datetime-add-function.
    #[test]
    fn datetime_add_documented_examples() {
        let base = dt("2017-01-01");
        assert_eq!(datetime_add("month", 1, base), Some(dt("2017-02-01")));
        assert_eq!(datetime_add("week", 1, base), Some(dt("2017-01-08")));
        assert_eq!(datetime_add("quarter", 1, base), Some(dt("2017-04-01")));
        assert_eq!(datetime_add("year", 1, base), Some(dt("2018-01-01")));
        assert_eq!(datetime_add("day", -1, base), Some(dt("2016-12-31")));
        assert_eq!(datetime_add("Minute", 30, base), Some(dt("2017-01-01 00:30")));
    }

    #[test]
    fn format_and_parts() {
        let t = dt("2017-01-29 09:00:05.1234567");
        assert_eq!(
            format_datetime(t, "yyyy-MM-dd [HH:mm:ss.fff]").as_deref(),
            Some("2017-01-29 [09:00:05.123]")
        );
        assert_eq!(datetime_part("dayofyear", t), Some(29));
        assert_eq!(weekday(dt("2017-01-29")), 0);
    }
}
