//! IPv4 and IPv6 functions (…/scalar-functions#ipv4ipv6-functions, #ipv4-text-match-functions).
//! Addresses are text, optionally with an IP-prefix suffix (`10.1.2.3/8`); a prefix masks the
//! address to its leading bits, and comparisons take the smallest prefix involved. IPv4
//! addresses compare with IPv6 ones as IPv4-mapped addresses (`::ffff:a.b.c.d`), their prefixes
//! counting 96 more bits.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use super::{dynamic, elements};
use crate::kql::value::Value;

/// `a.b.c.d[/n]`: the address and its prefix (32 without one); None unless both are valid.
pub fn parse_v4(text: &str) -> Option<(u32, u32)> {
    let text = text.trim();
    let (address, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, p.trim().parse::<u32>().ok().filter(|p| *p <= 32)?),
        None => (text, 32),
    };
    Some((u32::from(address.trim().parse::<Ipv4Addr>().ok()?), prefix))
}

fn mask_v4(bits: u32) -> u32 {
    if bits == 0 { 0 } else { u32::MAX << (32 - bits.min(32)) }
}

/// An optional prefix argument within `0..=max` (None when absent; Err when invalid).
fn prefix_arg(v: Option<&Value>, max: u32) -> Result<Option<u32>, ()> {
    match v {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .and_then(|p| u32::try_from(p).ok())
            .filter(|p| *p <= max)
            .map(Some)
            .ok_or(()),
    }
}

/// The two addresses masked by their common prefix, for `ipv4_compare` and `ipv4_is_match`.
fn masked_pair_v4(a: &[Value]) -> Option<(u32, u32)> {
    let (x, px) = parse_v4(&a[0].to_kql_string())?;
    let (y, py) = parse_v4(&a[1].to_kql_string())?;
    let extra = prefix_arg(a.get(2), 32).ok()?.unwrap_or(32);
    let mask = mask_v4(px.min(py).min(extra));
    Some((x & mask, y & mask))
}

fn ordering(o: std::cmp::Ordering) -> Value {
    Value::Long(o as i64)
}

/// `ipv4_compare(ip1, ip2[, prefix])`: −1, 0 or 1; null when either does not parse.
pub fn ipv4_compare(a: &[Value]) -> Value {
    masked_pair_v4(a).map(|(x, y)| ordering(x.cmp(&y))).unwrap_or(Value::Null)
}

/// `ipv4_is_match(ip1, ip2[, prefix])`.
pub fn ipv4_is_match(a: &[Value]) -> Value {
    masked_pair_v4(a).map(|(x, y)| Value::Bool(x == y)).unwrap_or(Value::Null)
}

/// `ipv4_netmask_suffix(ip)`: the prefix length, 32 without one.
pub fn ipv4_netmask_suffix(a: &[Value]) -> Value {
    parse_v4(&a[0].to_kql_string())
        .map(|(_, p)| Value::Long(i64::from(p)))
        .unwrap_or(Value::Null)
}

/// `parse_ipv4(ip)`: the (masked) address as a long, big-endian.
pub fn parse_ipv4(a: &[Value]) -> Value {
    parse_v4(&a[0].to_kql_string())
        .map(|(ip, p)| Value::Long(i64::from(ip & mask_v4(p))))
        .unwrap_or(Value::Null)
}

/// `parse_ipv4_mask(ip, prefix)`.
pub fn parse_ipv4_mask(a: &[Value]) -> Value {
    match (parse_v4(&a[0].to_kql_string()), prefix_arg(a.get(1), 32)) {
        (Some((ip, own)), Ok(Some(p))) => Value::Long(i64::from(ip & mask_v4(own.min(p)))),
        _ => Value::Null,
    }
}

/// `format_ipv4(ip[, prefix])` (…/format-ipv4-function): the masked address as text, from text or
/// a long; empty when invalid.
pub fn format_ipv4(a: &[Value]) -> Value {
    let parsed = match &a[0] {
        Value::Long(n) => u32::try_from(*n).ok().map(|ip| (ip, 32)),
        other => parse_v4(&other.to_kql_string()),
    };
    match (parsed, prefix_arg(a.get(1), 32)) {
        (Some((ip, own)), Ok(p)) => Value::str(&Ipv4Addr::from(ip & mask_v4(own.min(p.unwrap_or(32)))).to_string()),
        _ => Value::str(""),
    }
}

/// The ranges of an `*_is_in_any_range` call: the arguments after the address, or one array.
fn ranges(a: &[Value]) -> Vec<Value> {
    match a {
        [_, one] => elements(&dynamic(one)),
        [_, rest @ ..] => rest.to_vec(),
        [] => Vec::new(),
    }
}

/// `ipv4_is_in_any_range(ip, range, …)` or `(ip, dynamic([…]))`.
pub fn ipv4_is_in_any_range(a: &[Value]) -> Value {
    let Some((ip, _)) = parse_v4(&a[0].to_kql_string()) else {
        return Value::Null;
    };
    let within = |r: &Value| parse_v4(&r.to_kql_string()).is_some_and(|(net, p)| ip & mask_v4(p) == net & mask_v4(p));
    Value::Bool(ranges(a).iter().any(within))
}

/// `ipv4_range_to_cidr_list(start, end)` (…/ipv4-range-to-cidr-list-function): the fewest CIDR
/// blocks covering the range, each the largest aligned block that fits; null when either end is
/// invalid or the range is reversed.
pub fn ipv4_range_to_cidr_list(a: &[Value]) -> Value {
    let (Some((start, _)), Some((end, _))) = (parse_v4(&a[0].to_kql_string()), parse_v4(&a[1].to_kql_string())) else {
        return Value::Null;
    };
    if start > end {
        return Value::Null;
    }
    let (mut from, end) = (u64::from(start), u64::from(end));
    let mut blocks = Vec::new();
    while from <= end {
        // The block size: limited by the start's alignment and by what is left of the range.
        let mut bits = from.trailing_zeros().min(32);
        while bits > 0 && from + (1u64 << bits) - 1 > end {
            bits -= 1;
        }
        blocks.push(Value::str(&format!("{}/{}", Ipv4Addr::from(from as u32), 32 - bits)));
        from += 1u64 << bits;
    }
    Value::Array(Arc::new(blocks))
}

// ---- IPv6 ----

/// An IPv6 (or IPv4) address with its prefix, as 128 bits. IPv4 text, and IPv6 text ending in a
/// dotted IPv4 part with nothing above it (`::1.2.3.4`), become IPv4-mapped addresses whose
/// prefix counts from bit 96, as the docs' parse_ipv6_mask examples show.
pub fn parse_v6(text: &str) -> Option<(u128, u32)> {
    let text = text.trim();
    let (address, prefix) = match text.split_once('/') {
        Some((a, p)) => (a.trim(), Some(p.trim().parse::<u32>().ok()?)),
        None => (text, None),
    };
    if let Ok(v4) = address.parse::<Ipv4Addr>() {
        let p = prefix.unwrap_or(32);
        return (p <= 32).then(|| (0xffff_0000_0000u128 | u128::from(u32::from(v4)), p + 96));
    }
    let mut bits = u128::from(address.parse::<Ipv6Addr>().ok()?);
    let dotted = address.contains('.');
    if dotted && bits >> 32 == 0 {
        bits |= 0xffff_0000_0000;
    }
    let p = match (prefix, dotted) {
        (Some(p), true) if p <= 32 => p + 96,
        (Some(p), false) if p <= 128 => p,
        (None, _) => 128,
        _ => return None,
    };
    Some((bits, p))
}

fn mask_v6(bits: u32) -> u128 {
    if bits == 0 { 0 } else { u128::MAX << (128 - bits.min(128)) }
}

fn masked_pair_v6(a: &[Value]) -> Option<(u128, u128)> {
    let (x, px) = parse_v6(&a[0].to_kql_string())?;
    let (y, py) = parse_v6(&a[1].to_kql_string())?;
    let extra = prefix_arg(a.get(2), 128).ok()?.unwrap_or(128);
    let mask = mask_v6(px.min(py).min(extra));
    Some((x & mask, y & mask))
}

/// `ipv6_compare(ip1, ip2[, prefix])`.
pub fn ipv6_compare(a: &[Value]) -> Value {
    masked_pair_v6(a).map(|(x, y)| ordering(x.cmp(&y))).unwrap_or(Value::Null)
}

/// `ipv6_is_match(ip1, ip2[, prefix])`.
pub fn ipv6_is_match(a: &[Value]) -> Value {
    masked_pair_v6(a).map(|(x, y)| Value::Bool(x == y)).unwrap_or(Value::Null)
}

/// Eight groups of four lowercase hex digits (…/parse-ipv6-function's canonical form).
fn canonical_v6(bits: u128) -> String {
    (0..8)
        .map(|i| format!("{:04x}", (bits >> (112 - 16 * i)) & 0xffff))
        .collect::<Vec<_>>()
        .join(":")
}

/// `parse_ipv6(ip)`: the canonical text of the (masked) address; empty when invalid.
pub fn parse_ipv6(a: &[Value]) -> Value {
    match parse_v6(&a[0].to_kql_string()) {
        Some((ip, p)) => Value::str(&canonical_v6(ip & mask_v6(p))),
        None => Value::str(""),
    }
}

/// `parse_ipv6_mask(ip, prefix)`.
pub fn parse_ipv6_mask(a: &[Value]) -> Value {
    match (parse_v6(&a[0].to_kql_string()), prefix_arg(a.get(1), 128)) {
        (Some((ip, own)), Ok(Some(p))) => Value::str(&canonical_v6(ip & mask_v6(own.min(p)))),
        _ => Value::str(""),
    }
}

fn in_range_v6(ip: u128, range: &Value) -> bool {
    parse_v6(&range.to_kql_string()).is_some_and(|(net, p)| ip & mask_v6(p) == net & mask_v6(p))
}

/// `ipv6_is_in_range(ip, range)`.
pub fn ipv6_is_in_range(a: &[Value]) -> Value {
    match (parse_v6(&a[0].to_kql_string()), parse_v6(&a[1].to_kql_string())) {
        (Some((ip, _)), Some(_)) => Value::Bool(in_range_v6(ip, &a[1])),
        _ => Value::Null,
    }
}

/// `ipv6_is_in_any_range(ip, range, …)` or `(ip, dynamic([…]))`.
pub fn ipv6_is_in_any_range(a: &[Value]) -> Value {
    match parse_v6(&a[0].to_kql_string()) {
        Some((ip, _)) => Value::Bool(ranges(a).iter().any(|r| in_range_v6(ip, r))),
        None => Value::Null,
    }
}

// ---- IPv4 text match (…/has-ipv4-function) ----

/// The IPv4 addresses in `text`: runs of digits and dots delimited by non-alphanumeric characters
/// that parse as four octets (`05:04:54127.0.0.1` holds none: the run starts after a digit).
fn addresses_in(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let is_part = |b: u8| b.is_ascii_digit() || b == b'.';
        if !is_part(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_part(bytes[i]) {
            i += 1;
        }
        let before_ok = text[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after_ok = text[i..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        let run = text[start..i].trim_end_matches('.');
        if before_ok && after_ok && run.parse::<Ipv4Addr>().is_ok() {
            out.push(run);
        }
    }
    out
}

/// A valid address prefix: a whole address, or one to three octets ending in a dot.
fn valid_prefix(p: &str) -> bool {
    if p.parse::<Ipv4Addr>().is_ok() {
        return true;
    }
    let Some(body) = p.strip_suffix('.') else { return false };
    let parts: Vec<&str> = body.split('.').collect();
    parts.len() <= 3 && parts.iter().all(|o| !o.is_empty() && o.len() <= 3 && o.parse::<u8>().is_ok())
}

fn has_any(a: &[Value], matches: impl Fn(&str, &str) -> bool, valid: impl Fn(&str) -> bool) -> Value {
    let text = a[0].to_kql_string();
    let wanted: Vec<Arc<str>> = ranges(a).iter().map(Value::to_kql_string).filter(|w| valid(w)).collect();
    let found = addresses_in(&text);
    Value::Bool(found.iter().any(|f| wanted.iter().any(|w| matches(f, w))))
}

fn is_v4(s: &str) -> bool {
    s.parse::<Ipv4Addr>().is_ok()
}

fn starts(found: &str, prefix: &str) -> bool {
    if prefix.ends_with('.') {
        found.starts_with(prefix)
    } else {
        found == prefix
    }
}

/// `has_ipv4(source, ip)`.
pub fn has_ipv4(a: &[Value]) -> Value {
    has_any(a, |f, w| f == w, is_v4)
}

/// `has_any_ipv4(source, ip, …)` or `(source, dynamic([…]))`.
pub fn has_any_ipv4(a: &[Value]) -> Value {
    has_any(a, |f, w| f == w, is_v4)
}

/// `has_ipv4_prefix(source, prefix)`.
pub fn has_ipv4_prefix(a: &[Value]) -> Value {
    has_any(a, starts, valid_prefix)
}

/// `has_any_ipv4_prefix(source, prefix, …)` or `(source, dynamic([…]))`.
pub fn has_any_ipv4_prefix(a: &[Value]) -> Value {
    has_any(a, starts, valid_prefix)
}

// ---- geolocation ----

/// English country names of the ISO codes the simulator's places use (GeoLite2 names, as
/// `geo_info_from_ip_address` returns them).
const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("BR", "Brazil"),
    ("CN", "China"),
    ("DE", "Germany"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("IN", "India"),
    ("IR", "Iran"),
    ("NG", "Nigeria"),
    ("NL", "Netherlands"),
    ("RO", "Romania"),
    ("RU", "Russia"),
    ("TR", "Türkiye"),
    ("UA", "Ukraine"),
    ("US", "United States"),
    ("VN", "Vietnam"),
];

/// `geo_info_from_ip_address(ip)` (…/geo-info-from-ip-address-function): where the simulated
/// address is, from the simulator's own catalogue (its Azure regions' and outside places'
/// address space), so that it agrees with the sign-in records' `LocationDetails`; an empty bag
/// for any other address, as Kusto gives for one it cannot place.
pub fn geo_info_from_ip_address(a: &[Value]) -> Value {
    let text = a[0].to_kql_string();
    let place = text
        .trim()
        .parse::<Ipv4Addr>()
        .ok()
        .and_then(|ip| crate::catalog::region_of_ip(ip).or_else(|| crate::catalog::outside::outside_location_of_ip(ip)));
    let Some(r) = place else {
        return Value::Bag(Arc::new(Vec::new()));
    };
    let country = COUNTRY_NAMES
        .iter()
        .find(|(code, _)| *code == r.country)
        .map_or(r.country, |(_, name)| name);
    Value::Bag(Arc::new(vec![
        (Arc::from("country"), Value::str(country)),
        (Arc::from("state"), Value::str(r.state)),
        (Arc::from("city"), Value::str(r.city)),
        (Arc::from("latitude"), Value::Real(r.latitude)),
        (Arc::from("longitude"), Value::Real(r.longitude)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_simulated_country_has_a_name() {
        let codes = crate::catalog::REGIONS
            .iter()
            .chain(crate::catalog::outside::OUTSIDE_LOCATIONS)
            .map(|r| r.country);
        for code in codes {
            assert!(COUNTRY_NAMES.iter().any(|(c, _)| *c == code), "{code}");
        }
    }

    #[test]
    fn text_addresses_need_delimiters() {
        assert_eq!(addresses_in("05:04:54 127.0.0.1 GET"), ["127.0.0.1"]);
        assert!(addresses_in("05:04:54127.0.0.1 GET").is_empty());
        assert_eq!(addresses_in("from: 192.168.1.1, 10.1.1.115."), ["192.168.1.1", "10.1.1.115"]);
        assert!(valid_prefix("127.0.") && valid_prefix("1.2.3.4") && !valid_prefix("127.0"));
    }
}
