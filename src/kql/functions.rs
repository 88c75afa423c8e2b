//! Scalar functions and string predicates. Every function takes already-evaluated arguments and
//! never fails: bad input gives null (or an empty string), as Kusto's conversions do.

use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use xxhash_rust::xxh64::xxh64;

use regex::Regex;

use super::budget;
use super::datetime;

mod arrays;
mod digests;
mod ip;
mod text;
mod time;
use super::value::{Bag, KqlType, TICKS_PER_DAY, TICKS_PER_HOUR, Value, convert, parse_json_str};

/// A scalar function implementation.
pub type ScalarFn = fn(&[Value]) -> Value;

/// A registered function: implementation and arity bounds.
#[derive(Clone, Copy)]
pub struct FnDef {
    pub f: ScalarFn,
    pub min: usize,
    pub max: usize,
}

macro_rules! table {
    ($($name:literal => ($f:expr, $min:expr, $max:expr)),* $(,)?) => {
        /// All scalar function names (for suggestions).
        pub const NAMES: &[&str] = &[$($name),*];
        /// Looks a scalar function up by (lower-case) name.
        pub fn lookup(name: &str) -> Option<FnDef> {
            match name {
                $($name => Some(FnDef { f: $f, min: $min, max: $max }),)*
                _ => fallback(name),
            }
        }
    };
}

// After the macro, which it uses for its own table.
pub mod series;

/// Every scalar function name, the `series_*` ones included (suggestions, static names).
pub fn all_names() -> impl Iterator<Item = &'static str> {
    NAMES.iter().copied().chain(series::NAMES.iter().copied())
}

/// Checks a call's constant arguments (option words, bounds) before any row is evaluated: the
/// index of the wrong argument and what is wrong.
pub fn check_args(name: &str, args: &[super::eval::expr::CExpr]) -> Result<(), (usize, String)> {
    if !name.starts_with("series_") {
        return Ok(());
    }
    let consts: Vec<Option<Value>> = args.iter().map(|a| a.is_const().then(|| a.eval(&[]))).collect();
    series::check_args(name, &consts)
}

const MANY: usize = 64;

/// Functions outside this table: the `series_*` family (functions/series.rs).
fn fallback(name: &str) -> Option<FnDef> {
    series::lookup(name)
}

table! {
    "tostring" => (|a| Value::String(a[0].to_kql_string()), 1, 1),
    "toint" => (|a| convert(&a[0], KqlType::Long), 1, 1),
    "tolong" => (|a| convert(&a[0], KqlType::Long), 1, 1),
    "toreal" => (|a| convert(&a[0], KqlType::Real), 1, 1),
    "todouble" => (|a| convert(&a[0], KqlType::Real), 1, 1),
    "todecimal" => (|a| convert(&a[0], KqlType::Real), 1, 1),
    // `decimal(1.25)` literals; tenantless holds decimals as reals.
    "decimal" => (|a| convert(&a[0], KqlType::Real), 1, 1),
    "tobool" => (|a| convert(&a[0], KqlType::Bool), 1, 1),
    "toboolean" => (|a| convert(&a[0], KqlType::Bool), 1, 1),
    "todatetime" => (|a| convert(&a[0], KqlType::DateTime), 1, 1),
    "totimespan" => (|a| convert(&a[0], KqlType::TimeSpan), 1, 1),
    "totime" => (|a| convert(&a[0], KqlType::TimeSpan), 1, 1),
    "toguid" => (|a| convert(&a[0], KqlType::Guid), 1, 1),
    "parse_json" => (parse_json, 1, 1),
    "todynamic" => (parse_json, 1, 1),
    "isnull" => (|a| Value::Bool(a[0].is_null()), 1, 1),
    "isnotnull" => (|a| Value::Bool(!a[0].is_null()), 1, 1),
    "isempty" => (|a| Value::Bool(is_empty(&a[0])), 1, 1),
    "isnotempty" => (|a| Value::Bool(!is_empty(&a[0])), 1, 1),
    "isnan" => (|a| Value::Bool(a[0].as_f64().is_some_and(f64::is_nan)), 1, 1),
    "iff" => (iff, 3, 3),
    "iif" => (iff, 3, 3),
    "case" => (case, 3, MANY),
    "coalesce" => (coalesce, 1, MANY),
    "not" => (|a| match &a[0] { Value::Bool(b) => Value::Bool(!b), _ => Value::Null }, 1, 1),
    "strcat" => (strcat, 1, MANY),
    "strcat_delim" => (strcat_delim, 2, MANY),
    "strlen" => (|a| Value::Long(a[0].to_kql_string().chars().count() as i64), 1, 1),
    "substring" => (substring, 2, 3),
    "split" => (split, 2, 3),
    "trim" => (|a| trim(a, true, true), 2, 2),
    "trim_start" => (|a| trim(a, true, false), 2, 2),
    "trim_end" => (|a| trim(a, false, true), 2, 2),
    "tolower" => (|a| case_mapped(&a[0], Case::Lower), 1, 1),
    "toupper" => (|a| case_mapped(&a[0], Case::Upper), 1, 1),
    "replace" => (|a| replace_regex(&a[2], &a[0], &a[1]), 3, 3),
    "replace_regex" => (|a| replace_regex(&a[0], &a[1], &a[2]), 3, 3),
    "replace_string" => (replace_string, 3, 3),
    "extract" => (extract, 3, 4),
    "extract_all" => (extract_all, 2, 3),
    "extract_json" => (extract_json, 2, 3),
    "extractjson" => (extract_json, 2, 3),
    "indexof" => (indexof, 2, 5),
    "countof" => (countof, 2, 3),
    "reverse" => (|a| Value::str(&a[0].to_kql_string().chars().rev().collect::<String>()), 1, 1),
    "strrep" => (strrep, 2, 3),
    "array_length" => (|a| match dynamic(&a[0]) { Value::Array(x) => Value::Long(x.len() as i64), _ => Value::Null }, 1, 1),
    "pack" => (pack, 0, MANY),
    "bag_pack" => (pack, 0, MANY),
    "pack_array" => (|a| Value::Array(Arc::new(a.to_vec())), 0, MANY),
    "set_difference" => (set_difference, 2, MANY),
    "set_union" => (set_union, 2, MANY),
    "set_intersect" => (set_intersect, 2, MANY),
    "set_has_element" => (|a| Value::Bool(elements(&a[0]).iter().any(|v| v == &a[1])), 2, 2),
    "array_concat" => (array_concat, 1, MANY),
    "array_index_of" => (|a| elements(&a[0]).iter().position(|v| v == &a[1]).map(|p| Value::Long(p as i64)).unwrap_or(Value::Long(-1)), 2, 2),
    "array_slice" => (array_slice, 3, 3),
    "array_split" => (array_split, 2, 2),
    "arraylength" => (|a| match dynamic(&a[0]) { Value::Array(x) => Value::Long(x.len() as i64), _ => Value::Null }, 1, 1),
    "bag_keys" => (|a| match dynamic(&a[0]) { Value::Bag(b) => Value::Array(Arc::new(b.iter().map(|(k, _)| Value::String(k.clone())).collect())), _ => Value::Null }, 1, 1),
    "bag_merge" => (bag_merge, 1, MANY),
    "bin" => (bin, 2, 2),
    "floor" => (bin, 2, 2),
    "bin_at" => (bin_at, 3, 3),
    "strcat_array" => (strcat_array, 2, 2),
    "ipv4_is_in_range" => (ipv4_is_in_range, 2, 2),
    "has_any_ipv4_prefix" => (ip::has_any_ipv4_prefix, 2, MANY),
    "format_ipv4_mask" => (format_ipv4_mask, 1, 2),
    "base64_encode_tostring" => (|a| Value::str(&base64_encode(a[0].to_kql_string().as_bytes())), 1, 1),
    "base64_decode_tostring" => (|a| base64_decode(&a[0].to_kql_string()).and_then(|b| String::from_utf8(b).ok()).map(|s| Value::str(&s)).unwrap_or(Value::str("")), 1, 1),
    "url_decode" => (|a| url_decode(&a[0].to_kql_string()).map(|s| Value::str(&s)).unwrap_or(Value::Null), 1, 1),
    "startofday" => (|a| dt_fn(&a[0], |t| Some(datetime::start_of_day(t))), 1, 1),
    "startofweek" => (|a| dt_fn(&a[0], |t| Some(datetime::start_of_week(t))), 1, 1),
    "startofmonth" => (|a| dt_fn(&a[0], datetime::start_of_month), 1, 1),
    "startofyear" => (|a| dt_fn(&a[0], datetime::start_of_year), 1, 1),
    "endofday" => (|a| dt_fn(&a[0], |t| Some(datetime::start_of_day(t) + TICKS_PER_DAY - 1)), 1, 1),
    "endofweek" => (|a| dt_fn(&a[0], |t| Some(datetime::start_of_week(t) + 7 * TICKS_PER_DAY - 1)), 1, 1),
    "endofmonth" => (|a| dt_fn(&a[0], |t| datetime::start_of_month(t).and_then(|s| datetime::add_months(s, 1)).map(|e| e - 1)), 1, 1),
    "datetime_add" => (datetime_add, 3, 3),
    "datetime_diff" => (datetime_diff, 3, 3),
    "datetime_part" => (|a| match datetime_arg(&a[1]) { Some(t) => opt_long(datetime::datetime_part(&a[0].to_kql_string(), t)), None => Value::Null }, 2, 2),
    "format_datetime" => (|a| match datetime_arg(&a[0]) { Some(t) => datetime::format_datetime(t, &a[1].to_kql_string()).map(|s| Value::str(&s)).unwrap_or(Value::Null), None => Value::str("") }, 2, 2),
    "hourofday" => (|a| match datetime_arg(&a[0]) { Some(t) => Value::Long(t.rem_euclid(TICKS_PER_DAY) / TICKS_PER_HOUR), None => Value::Null }, 1, 1),
    "dayofweek" => (|a| match datetime_arg(&a[0]) { Some(t) => Value::TimeSpan(datetime::weekday(t) * TICKS_PER_DAY), None => Value::Null }, 1, 1),
    "dayofmonth" => (|a| part(&a[0], "day"), 1, 1),
    "dayofyear" => (|a| part(&a[0], "dayofyear"), 1, 1),
    "getmonth" => (|a| part(&a[0], "month"), 1, 1),
    "monthofyear" => (|a| part(&a[0], "month"), 1, 1),
    "getyear" => (|a| part(&a[0], "year"), 1, 1),
    "week_of_year" => (|a| part(&a[0], "week_of_year"), 1, 1),
    "unixtime_seconds_todatetime" => (|a| a[0].as_f64().map(|s| Value::DateTime((s * 1e7) as i64)).unwrap_or(Value::Null), 1, 1),
    "unixtime_milliseconds_todatetime" => (|a| a[0].as_f64().map(|s| Value::DateTime((s * 1e4) as i64)).unwrap_or(Value::Null), 1, 1),
    "abs" => (|a| match &a[0] { Value::Long(v) => Value::Long(v.wrapping_abs()), Value::Real(v) => Value::Real(v.abs()), Value::TimeSpan(v) => Value::TimeSpan(v.wrapping_abs()), _ => Value::Null }, 1, 1),
    "round" => (round, 1, 2),
    "ceiling" => (|a| a[0].as_f64().map(|v| Value::Real(v.ceil())).unwrap_or(Value::Null), 1, 1),
    "sqrt" => (|a| a[0].as_f64().map(|v| Value::Real(v.sqrt())).unwrap_or(Value::Null), 1, 1),
    "exp" => (|a| a[0].as_f64().map(|v| Value::Real(v.exp())).unwrap_or(Value::Null), 1, 1),
    "log" => (|a| a[0].as_f64().map(|v| Value::Real(v.ln())).unwrap_or(Value::Null), 1, 1),
    "log10" => (|a| a[0].as_f64().map(|v| Value::Real(v.log10())).unwrap_or(Value::Null), 1, 1),
    "pow" => (|a| match (a[0].as_f64(), a[1].as_f64()) { (Some(x), Some(y)) => Value::Real(x.powf(y)), _ => Value::Null }, 2, 2),
    "sign" => (|a| a[0].as_f64().map(|v| Value::Long(if v > 0.0 { 1 } else if v < 0.0 { -1 } else { 0 })).unwrap_or(Value::Null), 1, 1),
    "min_of" => (|a| extreme(a, std::cmp::Ordering::Less), 1, MANY),
    "max_of" => (|a| extreme(a, std::cmp::Ordering::Greater), 1, MANY),
    "hash" => (hash, 1, 2),
    "hash_xxhash64" => (hash, 1, 2),
    "hash_sha256" => (|a| { let mut h = Sha256::new(); h.update(a[0].to_kql_string().as_bytes()); Value::str(&h.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>()) }, 1, 1),
    "gettype" => (gettype, 1, 1),
    "ipv4_is_private" => (ipv4_is_private, 1, 1),
    "tohex" => (|a| a[0].as_i64().map(|v| Value::str(&format!("{v:x}"))).unwrap_or(Value::Null), 1, 2),
    "percentile_tdigest" => (digests::percentile_tdigest, 2, 3),
    "percentiles_array_tdigest" => (digests::percentiles_array_tdigest, 2, MANY),
    "rank_tdigest" => (digests::rank_tdigest, 2, 2),
    "percentrank_tdigest" => (digests::percentrank_tdigest, 2, 2),
    "merge_tdigest" => (digests::merge_tdigest, 1, MANY),
    "dcount_hll" => (digests::dcount_hll, 1, 1),
    "hll_merge" => (digests::hll_merge, 2, MANY),
    "new_guid" => (text::new_guid, 0, 0),
    "ipv4_compare" => (ip::ipv4_compare, 2, 3),
    "ipv4_is_match" => (ip::ipv4_is_match, 2, 3),
    "ipv4_netmask_suffix" => (ip::ipv4_netmask_suffix, 1, 1),
    "parse_ipv4" => (ip::parse_ipv4, 1, 1),
    "parse_ipv4_mask" => (ip::parse_ipv4_mask, 2, 2),
    "format_ipv4" => (ip::format_ipv4, 1, 2),
    "ipv4_is_in_any_range" => (ip::ipv4_is_in_any_range, 2, MANY),
    "ipv4_range_to_cidr_list" => (ip::ipv4_range_to_cidr_list, 2, 2),
    "ipv6_compare" => (ip::ipv6_compare, 2, 3),
    "ipv6_is_match" => (ip::ipv6_is_match, 2, 3),
    "parse_ipv6" => (ip::parse_ipv6, 1, 1),
    "parse_ipv6_mask" => (ip::parse_ipv6_mask, 2, 2),
    "ipv6_is_in_range" => (ip::ipv6_is_in_range, 2, 2),
    "ipv6_is_in_any_range" => (ip::ipv6_is_in_any_range, 2, MANY),
    "has_ipv4" => (ip::has_ipv4, 2, 2),
    "has_ipv4_prefix" => (ip::has_ipv4_prefix, 2, 2),
    "has_any_ipv4" => (ip::has_any_ipv4, 2, MANY),
    "geo_info_from_ip_address" => (ip::geo_info_from_ip_address, 1, 1),
    "array_sort_asc" => (|a| arrays::array_sort(a, false), 1, MANY),
    "array_sort_desc" => (|a| arrays::array_sort(a, true), 1, MANY),
    "array_reverse" => (arrays::array_reverse, 1, 1),
    "array_rotate_left" => (|a| arrays::array_rotate(a, 1), 2, 2),
    "array_rotate_right" => (|a| arrays::array_rotate(a, -1), 2, 2),
    "array_shift_left" => (|a| arrays::array_shift(a, 1), 2, 3),
    "array_shift_right" => (|a| arrays::array_shift(a, -1), 2, 3),
    "array_sum" => (arrays::array_sum, 1, 1),
    "array_iff" => (arrays::array_iff, 3, 3),
    "array_iif" => (arrays::array_iff, 3, 3),
    "zip" => (arrays::zip, 2, 16),
    "jaccard_index" => (arrays::jaccard_index, 2, 2),
    "bag_has_key" => (arrays::bag_has_key, 2, 2),
    "bag_set_key" => (arrays::bag_set_key, 3, 3),
    "bag_remove_keys" => (arrays::bag_remove_keys, 2, 2),
    "bag_zip" => (arrays::bag_zip, 2, 2),
    "translate" => (text::translate, 3, 3),
    "string_size" => (text::string_size, 1, 1),
    "strcmp" => (text::strcmp, 2, 2),
    "unicode_codepoints_to_string" => (text::codepoints_to_string, 1, MANY),
    "make_string" => (text::codepoints_to_string, 1, MANY),
    "url_encode" => (|a| text::url_encode(a, "+"), 1, 1),
    "url_encode_component" => (|a| text::url_encode(a, "%20"), 1, 1),
    "parse_url" => (text::parse_url, 1, 1),
    "parseurl" => (text::parse_url, 1, 1),
    "parse_urlquery" => (text::parse_urlquery, 1, 1),
    "parseurlquery" => (text::parse_urlquery, 1, 1),
    "parse_path" => (text::parse_path, 1, 1),
    "hash_md5" => (text::hash_md5, 1, 1),
    "hash_sha1" => (text::hash_sha1, 1, 1),
    "base64_encode_fromguid" => (text::base64_encode_fromguid, 1, 1),
    "base64_decode_toguid" => (text::base64_decode_toguid, 1, 1),
    "binary_and" => (|a| text::bitwise(a, text::Bitwise::And), 2, 2),
    "binary_or" => (|a| text::bitwise(a, text::Bitwise::Or), 2, 2),
    "binary_xor" => (|a| text::bitwise(a, text::Bitwise::Xor), 2, 2),
    "binary_not" => (|a| text::bitwise(a, text::Bitwise::Not), 1, 1),
    "binary_shift_left" => (|a| text::bitwise(a, text::Bitwise::ShiftLeft), 2, 2),
    "binary_shift_right" => (|a| text::bitwise(a, text::Bitwise::ShiftRight), 2, 2),
    "bitset_count_ones" => (text::bitset_count_ones, 1, 1),
    "make_datetime" => (time::make_datetime, 3, 6),
    "make_timespan" => (time::make_timespan, 2, 4),
    "format_timespan" => (time::format_timespan, 2, 2),
    "unixtime_microseconds_todatetime" => (|a| time::unixtime_to_datetime(a, 0.1), 1, 1),
    "unixtime_nanoseconds_todatetime" => (|a| time::unixtime_to_datetime(a, 100.0), 1, 1),
}

fn opt_long(v: Option<i64>) -> Value {
    v.map(Value::Long).unwrap_or(Value::Null)
}

fn part(v: &Value, name: &str) -> Value {
    match datetime_arg(v) {
        Some(t) => opt_long(datetime::datetime_part(name, t)),
        None => Value::Null,
    }
}

/// A datetime argument: datetimes, or strings that parse as one.
fn datetime_arg(v: &Value) -> Option<i64> {
    match convert(v, KqlType::DateTime) {
        Value::DateTime(t) => Some(t),
        _ => None,
    }
}

fn dt_fn(v: &Value, f: impl Fn(i64) -> Option<i64>) -> Value {
    datetime_arg(v).and_then(f).map(Value::DateTime).unwrap_or(Value::Null)
}

/// Strings holding JSON are parsed when a function expects dynamic input.
fn dynamic(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with('[') || s.starts_with('{') => parse_json_str(s),
        other => other.clone(),
    }
}

/// The elements of a dynamic array (a scalar counts as one element, null as none).
pub fn elements(v: &Value) -> Vec<Value> {
    match dynamic(v) {
        Value::Array(items) => items.as_ref().clone(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Null or the empty string.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn parse_json(a: &[Value]) -> Value {
    match &a[0] {
        Value::String(s) => parse_json_str(s),
        other => other.clone(),
    }
}

fn iff(a: &[Value]) -> Value {
    if a[0].is_true() { a[1].clone() } else { a[2].clone() }
}

fn case(a: &[Value]) -> Value {
    let mut i = 0;
    while i + 1 < a.len() {
        if a[i].is_true() {
            return a[i + 1].clone();
        }
        i += 2;
    }
    a.last().cloned().unwrap_or(Value::Null)
}

/// First non-null (and, for strings, non-empty) argument.
fn coalesce(a: &[Value]) -> Value {
    a.iter().find(|v| !is_empty(v)).cloned().unwrap_or_else(|| a[0].clone())
}

/// Joins strings with a delimiter, refusing (see [`budget`]) a result over the per-value limit
/// before allocating it: nested calls can double a string each time.
fn join_checked(function: &'static str, parts: &[Arc<str>], delim: &str) -> Value {
    let len = parts
        .iter()
        .fold(delim.len().saturating_mul(parts.len().saturating_sub(1)), |n, p| {
            n.saturating_add(p.len())
        });
    if !budget::fits(len) {
        return budget::breach(function, len);
    }
    let mut out = String::with_capacity(len);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(delim);
        }
        out.push_str(p);
    }
    Value::str(&out)
}

fn strcat(a: &[Value]) -> Value {
    let parts: Vec<Arc<str>> = a.iter().map(Value::to_kql_string).collect();
    join_checked("strcat", &parts, "")
}

fn strcat_delim(a: &[Value]) -> Value {
    let parts: Vec<Arc<str>> = a[1..].iter().map(Value::to_kql_string).collect();
    join_checked("strcat_delim", &parts, &a[0].to_kql_string())
}

fn strcat_array(a: &[Value]) -> Value {
    let parts: Vec<Arc<str>> = elements(&a[0]).iter().map(Value::to_kql_string).collect();
    join_checked("strcat_array", &parts, &a[1].to_kql_string())
}

/// `strrep(value, multiplier[, delimiter])` (…/strrep-function); the size is checked before the
/// copy, so `strrep` of `strrep` of `strrep` fails at once instead of allocating a terabyte.
fn strrep(a: &[Value]) -> Value {
    let s = a[0].to_kql_string();
    let n = a[1].as_i64().unwrap_or(0).clamp(0, 10_000) as usize;
    let delim = a.get(2).map(Value::to_kql_string).unwrap_or_else(|| Arc::from(""));
    let len = s.len().saturating_add(delim.len()).saturating_mul(n);
    if !budget::fits(len) {
        return budget::breach("strrep", len);
    }
    join_checked("strrep", &vec![s; n], &delim)
}

fn replace_string(a: &[Value]) -> Value {
    let (s, from, to) = (a[0].to_kql_string(), a[1].to_kql_string(), a[2].to_kql_string());
    if to.len() > from.len() && !from.is_empty() {
        let grow = (to.len() - from.len()).saturating_mul(s.matches(&*from).count());
        let len = s.len().saturating_add(grow);
        if !budget::fits(len) {
            return budget::breach("replace_string", len);
        }
    }
    Value::str(&s.replace(&*from, &to))
}

/// Concatenates arrays, counting the elements first: doubling an array with itself is the
/// quickest way to exhaust memory with dynamic values.
fn array_concat(a: &[Value]) -> Value {
    let parts: Vec<Vec<Value>> = a.iter().map(elements).collect();
    let count = parts.iter().fold(0usize, |n, p| n.saturating_add(p.len()));
    let len = count.saturating_mul(budget::VALUE_SLOT);
    if !budget::fits(len) {
        return budget::breach("array_concat", len);
    }
    Value::Array(Arc::new(parts.into_iter().flatten().collect()))
}

fn substring(a: &[Value]) -> Value {
    let s = a[0].to_kql_string();
    let chars: Vec<char> = s.chars().collect();
    let start = a[1].as_i64().unwrap_or(0).clamp(0, chars.len() as i64) as usize;
    let len = match a.get(2) {
        Some(l) => l.as_i64().unwrap_or(0).max(0) as usize,
        None => chars.len(),
    };
    let end = start.saturating_add(len).min(chars.len());
    Value::str(&chars[start..end].iter().collect::<String>())
}

fn split(a: &[Value]) -> Value {
    let s = a[0].to_kql_string();
    let d = a[1].to_kql_string();
    // A one-character delimiter can turn a string into an array twenty-odd times its size.
    let count = if d.is_empty() { 1 } else { s.matches(&*d).count() + 1 };
    let bytes = count.saturating_mul(budget::VALUE_SLOT).saturating_add(s.len());
    if !budget::fits(bytes) {
        return budget::breach("split", bytes);
    }
    let parts: Vec<Value> = if d.is_empty() {
        vec![Value::String(s.clone())]
    } else {
        s.split(&*d).map(Value::str).collect()
    };
    match a.get(2).and_then(Value::as_i64) {
        Some(i) => {
            let arr = Value::Array(Arc::new(parts));
            match arr.get_index(i) {
                Value::Null => Value::Array(Arc::new(Vec::new())),
                v => Value::Array(Arc::new(vec![v])),
            }
        }
        None => Value::Array(Arc::new(parts)),
    }
}

thread_local! {
    static REGEX_CACHE: RefCell<HashMap<String, Option<Regex>>> = RefCell::new(HashMap::new());
}

/// Compiles a regex once per distinct pattern (patterns are almost always constants).
pub fn regex(pattern: &str) -> Option<Regex> {
    REGEX_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(r) = cache.get(pattern) {
            return r.clone();
        }
        if cache.len() > 1000 {
            cache.clear();
        }
        let compiled = Regex::new(pattern).ok();
        cache.insert(pattern.to_string(), compiled.clone());
        compiled
    })
}

fn trim(a: &[Value], start: bool, end: bool) -> Value {
    let pat = a[0].to_kql_string();
    let s = a[1].to_kql_string();
    let mut out: String = s.to_string();
    if let (true, Some(r)) = (start, regex(&format!("^(?:{pat})+"))) {
        out = r.replace(&out, "").into_owned();
    }
    if let (true, Some(r)) = (end, regex(&format!("(?:{pat})+$"))) {
        out = r.replace(&out, "").into_owned();
    }
    Value::str(&out)
}

/// Converts Kusto's `\1` back-references to the regex crate's `${1}`.
fn rewrite_pattern(rewrite: &str) -> String {
    let mut out = String::new();
    let mut chars = rewrite.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            let mut n = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                n.push(d);
                chars.next();
            }
            out.push_str(&format!("${{{n}}}"));
        } else if c == '$' {
            out.push_str("$$");
        } else {
            out.push(c);
        }
    }
    out
}

fn replace_regex(text: &Value, pattern: &Value, rewrite: &Value) -> Value {
    let s = text.to_kql_string();
    match regex(&pattern.to_kql_string()) {
        Some(r) => replace_all_checked(&r, &s, &rewrite_pattern(&rewrite.to_kql_string())),
        None => Value::Null,
    }
}

/// `Regex::replace_all`, built match by match so a rewrite that multiplies the text stops at
/// the per-value limit instead of allocating the whole result first.
fn replace_all_checked(r: &Regex, s: &str, rewrite: &str) -> Value {
    let mut out = String::new();
    let mut last = 0;
    for caps in r.captures_iter(s) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&s[last..m.start()]);
        caps.expand(rewrite, &mut out);
        last = m.end();
        if !budget::fits(out.len()) {
            return budget::breach("replace_regex", out.len());
        }
    }
    out.push_str(&s[last..]);
    if !budget::fits(out.len()) {
        return budget::breach("replace_regex", out.len());
    }
    Value::str(&out)
}

fn extract(a: &[Value]) -> Value {
    let Some(r) = regex(&a[0].to_kql_string()) else {
        return Value::Null;
    };
    let group = a[1].as_i64().unwrap_or(0).max(0) as usize;
    let s = a[2].to_kql_string();
    let found = r.captures(&s).and_then(|c| c.get(group)).map(|m| Value::str(m.as_str()));
    match (found, a.get(3)) {
        (Some(v), Some(Value::String(t))) => KqlType::parse(t).map(|ty| convert(&v, ty)).unwrap_or(v),
        (Some(v), _) => v,
        (None, _) => Value::str(""),
    }
}

/// `extract_json(path, json[, typeof(T)])` and its older name `extractjson`
/// (…/extract-json-function): the element a JSONPath (`$`, `.name`, `['name']`, `[index]`)
/// selects; a string (objects and arrays as their JSON text) unless a type is given.
fn extract_json(a: &[Value]) -> Value {
    let Some(path) = json_path(&a[0].to_kql_string()) else {
        return Value::Null;
    };
    let found = path.iter().try_fold(dynamic(&a[1]), |v, step| {
        let next = match step {
            JsonStep::Key(k) => dynamic(&v).get_key(k),
            JsonStep::Index(i) => dynamic(&v).get_index(*i),
        };
        (!next.is_null()).then_some(next)
    });
    match (found, a.get(2)) {
        (Some(v), Some(Value::String(t))) => KqlType::parse(t).map(|ty| convert(&v, ty)).unwrap_or(Value::Null),
        (Some(v), _) => Value::String(v.to_kql_string()),
        (None, Some(_)) => Value::Null,
        (None, None) => Value::str(""),
    }
}

/// One step of a JSONPath.
pub(super) enum JsonStep {
    Key(String),
    Index(i64),
}

/// The steps of a JSONPath such as `$.a.b[0]` or `$['a b']`; `None` when it is not one.
pub(super) fn json_path(path: &str) -> Option<Vec<JsonStep>> {
    let mut rest = path.trim().strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            steps.push(JsonStep::Key(after[..end].to_owned()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inner = after[..end].trim();
            let quoted = inner
                .strip_prefix('\'')
                .and_then(|i| i.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|i| i.strip_suffix('"')));
            steps.push(match quoted {
                Some(key) => JsonStep::Key(key.to_owned()),
                None => JsonStep::Index(inner.parse().ok()?),
            });
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

fn extract_all(a: &[Value]) -> Value {
    let Some(r) = regex(&a[0].to_kql_string()) else {
        return Value::Null;
    };
    let s = a[a.len() - 1].to_kql_string();
    let groups = r.captures_len() - 1;
    let mut out = Vec::new();
    for caps in r.captures_iter(&s) {
        let get = |i: usize| caps.get(i).map(|m| Value::str(m.as_str())).unwrap_or(Value::str(""));
        out.push(match groups {
            0 => get(0),
            1 => get(1),
            n => Value::Array(Arc::new((1..=n).map(get).collect())),
        });
    }
    if out.is_empty() { Value::Null } else { Value::Array(Arc::new(out)) }
}

fn indexof(a: &[Value]) -> Value {
    let s: Vec<char> = a[0].to_kql_string().chars().collect();
    let needle: Vec<char> = a[1].to_kql_string().chars().collect();
    let start = a.get(2).and_then(Value::as_i64).unwrap_or(0).max(0) as usize;
    let occurrence = a.get(4).and_then(Value::as_i64).unwrap_or(1).max(1);
    let mut seen = 0;
    if needle.is_empty() {
        return Value::Long(start.min(s.len()) as i64);
    }
    let mut i = start;
    while i + needle.len() <= s.len() {
        if s[i..i + needle.len()] == needle[..] {
            seen += 1;
            if seen == occurrence {
                return Value::Long(i as i64);
            }
        }
        i += 1;
    }
    Value::Long(-1)
}

fn countof(a: &[Value]) -> Value {
    let s = a[0].to_kql_string();
    let needle = a[1].to_kql_string();
    if a.get(2).is_some_and(|k| &*k.to_kql_string() == "regex") {
        return regex(&needle)
            .map(|r| Value::Long(r.find_iter(&s).count() as i64))
            .unwrap_or(Value::Null);
    }
    if needle.is_empty() {
        return Value::Long(0);
    }
    Value::Long(s.matches(&*needle).count() as i64)
}

fn pack(a: &[Value]) -> Value {
    let mut bag: Bag = Vec::new();
    for pair in a.chunks(2) {
        let key = pair[0].to_kql_string();
        let v = pair.get(1).cloned().unwrap_or(Value::Null);
        match bag.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = v,
            None => bag.push((key, v)),
        }
    }
    Value::Bag(Arc::new(bag))
}

fn bag_merge(a: &[Value]) -> Value {
    let mut bag: Bag = Vec::new();
    // A set, not a scan of `bag` per key: merging bags of 200,000 keys would be quadratic.
    let mut seen: HashSet<Arc<str>> = HashSet::new();
    for v in a {
        if let Value::Bag(b) = dynamic(v) {
            for (k, v) in b.iter() {
                if seen.insert(k.clone()) {
                    bag.push((k.clone(), v.clone()));
                }
            }
        }
    }
    Value::Bag(Arc::new(bag))
}

fn distinct(items: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut seen = HashSet::new();
    items.into_iter().filter(|v| seen.insert(v.clone())).collect()
}

fn set_difference(a: &[Value]) -> Value {
    let others: HashSet<Value> = a[1..].iter().flat_map(elements).collect();
    Value::Array(Arc::new(distinct(elements(&a[0]).into_iter().filter(|v| !others.contains(v)))))
}

fn set_union(a: &[Value]) -> Value {
    Value::Array(Arc::new(distinct(a.iter().flat_map(elements))))
}

fn set_intersect(a: &[Value]) -> Value {
    let sets: Vec<HashSet<Value>> = a[1..].iter().map(|v| elements(v).into_iter().collect()).collect();
    Value::Array(Arc::new(distinct(
        elements(&a[0]).into_iter().filter(|v| sets.iter().all(|s| s.contains(v))),
    )))
}

fn array_slice(a: &[Value]) -> Value {
    let items = elements(&a[0]);
    let len = items.len() as i64;
    let norm = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let start = norm(a[1].as_i64().unwrap_or(0));
    let end = norm(a[2].as_i64().unwrap_or(-1)) + 1;
    let end = end.min(len);
    if start >= end {
        return Value::Array(Arc::new(Vec::new()));
    }
    Value::Array(Arc::new(items[start as usize..end as usize].to_vec()))
}

/// `array_split(array, indices)` (…/array-split-function): the pieces between the indices (one
/// index or an array of them; negative ones count from the end).
fn array_split(a: &[Value]) -> Value {
    let items = elements(&a[0]);
    let len = items.len() as i64;
    let mut cuts: Vec<i64> = elements(&a[1])
        .iter()
        .filter_map(Value::as_i64)
        .map(|i| if i < 0 { (len + i).max(0) } else { i.min(len) })
        .collect();
    cuts.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain([len]) {
        let end = cut.max(start);
        pieces.push(Value::Array(Arc::new(items[start as usize..end as usize].to_vec())));
        start = end;
    }
    Value::Array(Arc::new(pieces))
}

/// `bin(value, size)`: rounds down to a multiple of size (numbers, datetimes, timespans).
pub fn bin(a: &[Value]) -> Value {
    match (&a[0], &a[1]) {
        (Value::DateTime(t), Value::TimeSpan(s)) | (Value::TimeSpan(t), Value::TimeSpan(s)) if *s > 0 => {
            let v = t.div_euclid(*s) * s;
            if matches!(a[0], Value::DateTime(_)) {
                Value::DateTime(v)
            } else {
                Value::TimeSpan(v)
            }
        }
        (Value::Long(v), Value::Long(s)) if *s > 0 => Value::Long(v.div_euclid(*s) * s),
        (v, s) => match (v.as_f64(), s.as_f64()) {
            (Some(x), Some(y)) if y > 0.0 => Value::Real((x / y).floor() * y),
            _ => Value::Null,
        },
    }
}

/// `bin_at(value, size, fixed_point)`: bins aligned so that `fixed_point` starts a bin.
fn bin_at(a: &[Value]) -> Value {
    let shift = |v: &Value, by: &Value, add: bool| {
        super::eval::expr::CExpr::Bin(
            if add { super::ast::BinOp::Add } else { super::ast::BinOp::Sub },
            Box::new(super::eval::expr::CExpr::Const(v.clone())),
            Box::new(super::eval::expr::CExpr::Const(by.clone())),
        )
        .eval(&[])
    };
    // Work relative to the fixed point: datetime − datetime is a timespan, long − long a long.
    let rel = shift(&a[0], &a[2], false);
    let binned = bin(&[rel, a[1].clone()]);
    if binned.is_null() {
        Value::Null
    } else {
        shift(&a[2], &binned, true)
    }
}

/// `ipv4_is_in_range(ip, "a.b.c.d/n")` (a bare address means /32).
fn ipv4_is_in_range(a: &[Value]) -> Value {
    let parse = |s: &str| s.trim().parse::<std::net::Ipv4Addr>().ok().map(u32::from);
    let ip = a[0].to_kql_string();
    let range = a[1].to_kql_string();
    let (net, bits) = match range.split_once('/') {
        Some((n, b)) => (n, b.trim().parse::<u32>().ok().filter(|b| *b <= 32)),
        None => (&*range, Some(32)),
    };
    match (parse(&ip), parse(net), bits) {
        (Some(ip), Some(net), Some(bits)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            Value::Bool(ip & mask == net & mask)
        }
        _ => Value::Null,
    }
}

/// `format_ipv4_mask(ip[, prefix])` (…/format-ipv4-mask-function): the network address and its
/// prefix length, `a.b.c.d/n`; empty for an invalid address or prefix.
fn format_ipv4_mask(a: &[Value]) -> Value {
    let text = a[0].to_kql_string();
    let (address, own_bits) = match text.split_once('/') {
        Some((addr, b)) => (addr.to_owned(), b.trim().parse::<u32>().ok()),
        None => (text.to_string(), Some(32)),
    };
    let bits = match a.get(1) {
        Some(v) => v.as_i64().and_then(|b| u32::try_from(b).ok()),
        None => own_bits,
    };
    match (address.trim().parse::<std::net::Ipv4Addr>(), bits.filter(|b| *b <= 32)) {
        (Ok(ip), Some(bits)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            Value::str(&format!("{}/{bits}", std::net::Ipv4Addr::from(u32::from(ip) & mask)))
        }
        _ => Value::str(""),
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Standard-alphabet base64 with padding optional, as `base64_decode_tostring` accepts it; None on
/// any other character.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(text.trim()).ok()
}

/// Percent-decoding; None when the result is not UTF-8 or an escape is malformed (the crate
/// passes a malformed escape through, Kusto's `url_decode` returns null).
fn url_decode(text: &str) -> Option<String> {
    let malformed = text
        .match_indices('%')
        .any(|(i, _)| text.get(i + 1..i + 3).is_none_or(|h| !h.bytes().all(|b| b.is_ascii_hexdigit())));
    if malformed {
        return None;
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

fn datetime_add(a: &[Value]) -> Value {
    match (a[1].as_i64(), datetime_arg(&a[2])) {
        (Some(n), Some(t)) => datetime::datetime_add(&a[0].to_kql_string(), n, t)
            .map(Value::DateTime)
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn datetime_diff(a: &[Value]) -> Value {
    match (datetime_arg(&a[1]), datetime_arg(&a[2])) {
        (Some(x), Some(y)) => opt_long(datetime::datetime_diff(&a[0].to_kql_string(), x, y)),
        _ => Value::Null,
    }
}

fn round(a: &[Value]) -> Value {
    let Some(v) = a[0].as_f64() else {
        return Value::Null;
    };
    let p = a.get(1).and_then(Value::as_i64).unwrap_or(0).clamp(-15, 15) as i32;
    let m = 10f64.powi(p);
    let r = (v * m).round() / m;
    match (&a[0], p) {
        (Value::Long(_), _) => Value::Long(r as i64),
        _ => Value::Real(r),
    }
}

fn extreme(a: &[Value], want: std::cmp::Ordering) -> Value {
    let mut best: Option<&Value> = None;
    for v in a.iter().filter(|v| !v.is_null()) {
        best = match best {
            None => Some(v),
            Some(b) if super::value::compare_values(v, b) == Some(want) => Some(v),
            keep => keep,
        };
    }
    best.cloned().unwrap_or(Value::Null)
}

/// Kusto's `hash()`: xxhash64 (seed 0) of the value — a string's UTF-8 bytes, a datetime's ticks
/// and a number's 8 little-endian bytes — as a signed long, then `% mod` when given. Checked
/// against the docs' examples (hash-function.md: `hash("World")` = 1846988464401551951,
/// `hash("World", 100)` = 51, `hash(datetime("2015-01-01"))` = 1380966698541616202).
fn hash(a: &[Value]) -> Value {
    let Some(digest) = hash64(&a[0]) else {
        return Value::Null;
    };
    let v = digest as i64;
    match a.get(1).and_then(Value::as_i64) {
        Some(m) if m > 0 => Value::Long(v.rem_euclid(m)),
        _ => Value::Long(v),
    }
}

/// The unsigned xxhash64 behind [`hash`]; also what `dcount()` and `hll()` count distinct
/// values by. None for null.
pub fn hash64(value: &Value) -> Option<u64> {
    const UNIX_EPOCH_DOTNET_TICKS: i64 = 621_355_968_000_000_000;
    Some(match value {
        Value::Null => return None,
        Value::Long(n) | Value::TimeSpan(n) => xxh64(&n.to_le_bytes(), 0),
        // Kusto's ticks count from 0001-01-01, ours from the Unix epoch.
        Value::DateTime(n) => xxh64(&(n + UNIX_EPOCH_DOTNET_TICKS).to_le_bytes(), 0),
        Value::Real(r) => xxh64(&r.to_le_bytes(), 0),
        other => xxh64(other.to_kql_string().as_bytes(), 0),
    })
}

fn gettype(a: &[Value]) -> Value {
    Value::str(match &a[0] {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Long(_) => "long",
        Value::Real(_) => "real",
        Value::String(_) => "string",
        Value::DateTime(_) => "datetime",
        Value::TimeSpan(_) => "timespan",
        Value::Array(_) => "array",
        Value::Bag(_) => "dictionary",
    })
}

fn ipv4_is_private(a: &[Value]) -> Value {
    let s = a[0].to_kql_string();
    let ip = s.split('/').next().unwrap_or("");
    match ip.parse::<std::net::Ipv4Addr>() {
        Ok(addr) => Value::Bool(addr.is_private()),
        Err(_) => Value::Null,
    }
}

// ---- string predicates (learn.microsoft.com/kusto/query/datatypes-string-operators) ----

fn is_term_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Case-insensitive operators fold ASCII only, as the docs say ("for non-ASCII use tolower()").
fn fold(s: &str, cs: bool) -> std::borrow::Cow<'_, str> {
    if cs {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.to_ascii_lowercase())
    }
}

/// Term match: `needle` must start and end on term boundaries (a term is a maximal alphanumeric run).
/// `prefix` only checks the start boundary, `suffix` only the end.
pub fn has_term(hay: &str, needle: &str, cs: bool, check_start: bool, check_end: bool) -> bool {
    let hay = fold(hay, cs);
    let needle = fold(needle, cs);
    if needle.is_empty() {
        return true;
    }
    let needle_starts_term = needle.chars().next().is_some_and(is_term_char);
    let needle_ends_term = needle.chars().last().is_some_and(is_term_char);
    let mut from = 0;
    while let Some(pos) = hay[from..].find(&*needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before_ok = !check_start || !needle_starts_term || !hay[..start].chars().last().is_some_and(is_term_char);
        let after_ok = !check_end || !needle_ends_term || !hay[end..].chars().next().is_some_and(is_term_char);
        if before_ok && after_ok {
            return true;
        }
        from = start + hay[start..].chars().next().map(char::len_utf8).unwrap_or(1);
    }
    false
}

/// Evaluates a string operator on two values.
pub fn string_op(op: super::ast::StrOp, lhs: &Value, rhs: &Value) -> bool {
    string_op_text(op, &lhs.to_kql_string(), &rhs.to_kql_string())
}

/// [`string_op`] of two strings.
pub fn string_op_text(op: super::ast::StrOp, hay: &str, needle: &str) -> bool {
    use super::ast::StrOp::*;
    match op {
        Has => has_term(hay, needle, false, true, true),
        HasCs => has_term(hay, needle, true, true, true),
        HasPrefix => has_term(hay, needle, false, true, false),
        HasPrefixCs => has_term(hay, needle, true, true, false),
        HasSuffix => has_term(hay, needle, false, false, true),
        HasSuffixCs => has_term(hay, needle, true, false, true),
        Contains => fold(hay, false).contains(&*fold(needle, false)),
        ContainsCs => hay.contains(needle),
        StartsWith => fold(hay, false).starts_with(&*fold(needle, false)),
        StartsWithCs => hay.starts_with(needle),
        EndsWith => fold(hay, false).ends_with(&*fold(needle, false)),
        EndsWithCs => hay.ends_with(needle),
        MatchesRegex => regex(needle).is_some_and(|r| r.is_match(hay)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::ast::StrOp;

    // learn.microsoft.com/kusto/query/has-operator and datatypes-string-operators.
    #[test]
    fn has_is_term_based_and_case_insensitive() {
        let na = Value::str("North America");
        assert!(string_op(StrOp::Has, &na, &Value::str("america")));
        assert!(!string_op(StrOp::Has, &na, &Value::str("amer")));
        assert!(string_op(StrOp::Contains, &na, &Value::str("amer")));
        assert!(!string_op(StrOp::HasCs, &na, &Value::str("america")));
        assert!(string_op(StrOp::HasPrefix, &na, &Value::str("amer")));
        assert!(string_op(StrOp::HasSuffix, &na, &Value::str("rica")));
    }

    #[test]
    fn hash_is_xxhash64_as_in_the_docs_examples() {
        // hash-function.md / hash-xxhash64-function.md examples.
        assert_eq!(hash(&[Value::str("World")]), Value::Long(1_846_988_464_401_551_951));
        assert_eq!(hash(&[Value::str("World"), Value::Long(100)]), Value::Long(51));
        let t = super::super::value::parse_datetime("2015-01-01").expect("a date");
        assert_eq!(hash(&[Value::DateTime(t)]), Value::Long(1_380_966_698_541_616_202));
    }

    #[test]
    fn base64_and_url_decoding() {
        assert_eq!(base64_encode(b"Kusto"), "S3VzdG8=");
        assert_eq!(base64_decode("S3VzdG8=").as_deref(), Some(&b"Kusto"[..]));
        assert_eq!(base64_decode("S3VzdG8").as_deref(), Some(&b"Kusto"[..]));
        assert_eq!(base64_decode("**"), None);
        assert_eq!(url_decode("a%20b%2Fc").as_deref(), Some("a b/c"));
        assert_eq!(url_decode("%zz"), None);
    }

    #[test]
    fn rewrite_backrefs() {
        assert_eq!(rewrite_pattern(r"x\1y"), "x${1}y");
        let v = replace_regex(&Value::str("ab12"), &Value::str(r"(\d+)"), &Value::str(r"<\1>"));
        assert_eq!(v, Value::str("ab<12>"));
    }

    #[test]
    fn split_and_sets() {
        let parts = split(&[Value::str("a/b/c"), Value::str("/")]);
        assert_eq!(parts.get_index(-1), Value::str("c"));
        let d = set_difference(&[
            Value::Array(Arc::new(vec![Value::Long(1), Value::Long(2), Value::Long(2)])),
            Value::Array(Arc::new(vec![Value::Long(1)])),
        ]);
        assert_eq!(d, Value::Array(Arc::new(vec![Value::Long(2)])));
    }
}

/// The case `tolower` and `toupper` map to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Lower,
    Upper,
}

/// `tolower`/`toupper`: a string already in that case (ASCII, the common case for names and ids)
/// is returned as it is, without a copy.
fn case_mapped(value: &Value, case: Case) -> Value {
    let text = value.to_kql_string();
    match case_mapped_text(&text, case) {
        std::borrow::Cow::Borrowed(_) => Value::String(text),
        std::borrow::Cow::Owned(mapped) => Value::str(&mapped),
    }
}

/// `text` in `case`, as `tolower`/`toupper` map it: borrowed when it is already in that case.
pub(crate) fn case_mapped_text(text: &str, case: Case) -> std::borrow::Cow<'_, str> {
    let unchanged = text.is_ascii()
        && match case {
            Case::Lower => !text.bytes().any(|b| b.is_ascii_uppercase()),
            Case::Upper => !text.bytes().any(|b| b.is_ascii_lowercase()),
        };
    if unchanged {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(match case {
        Case::Lower => text.to_lowercase(),
        Case::Upper => text.to_uppercase(),
    })
}
