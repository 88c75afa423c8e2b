//! String, hashing, encoding, URL and path functions, and the bitwise ones
//! (…/scalar-functions#string-functions, #hash-functions, #binary-functions).

use std::sync::Arc;

use md5::Md5;
use sha1::Sha1;
use sha2::Digest;

use super::elements;
use crate::kql::value::{Bag, Value};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `hash_md5(x)`: hex MD5 of the value's text (a datetime's is its ISO text: the docs' example
/// `hash_md5(datetime(2020-01-01))` is the MD5 of `2020-01-01T00:00:00.0000000Z`).
pub fn hash_md5(a: &[Value]) -> Value {
    digest_of::<Md5>(&a[0])
}

/// `hash_sha1(x)`.
pub fn hash_sha1(a: &[Value]) -> Value {
    digest_of::<Sha1>(&a[0])
}

fn digest_of<D: Digest>(v: &Value) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    let mut h = D::new();
    h.update(v.to_kql_string().as_bytes());
    Value::str(&hex(&h.finalize()))
}

/// `translate(searchList, replacementList, source)`: each character of the search list becomes
/// the replacement's character at its place (the last one past its end); with an empty
/// replacement list they are removed (…/translate-function).
pub fn translate(a: &[Value]) -> Value {
    let search: Vec<char> = a[0].to_kql_string().chars().collect();
    let replace: Vec<char> = a[1].to_kql_string().chars().collect();
    let out: String = a[2]
        .to_kql_string()
        .chars()
        .filter_map(|c| match search.iter().position(|s| *s == c) {
            None => Some(c),
            Some(_) if replace.is_empty() => None,
            Some(i) => Some(replace[i.min(replace.len() - 1)]),
        })
        .collect();
    Value::str(&out)
}

/// `string_size(s)`: bytes in UTF-8.
pub fn string_size(a: &[Value]) -> Value {
    Value::Long(a[0].to_kql_string().len() as i64)
}

/// `strcmp(a, b)`: −1, 0 or 1 by ordinal comparison.
pub fn strcmp(a: &[Value]) -> Value {
    Value::Long(a[0].to_kql_string().cmp(&a[1].to_kql_string()) as i64)
}

/// `unicode_codepoints_to_string(cp, …)` and its old name `make_string`: code points given as
/// numbers or arrays of them; null when one is not a valid code point.
pub fn codepoints_to_string(a: &[Value]) -> Value {
    let mut out = String::new();
    for v in a.iter().flat_map(elements) {
        match v.as_i64().and_then(|n| u32::try_from(n).ok()).and_then(char::from_u32) {
            Some(c) => out.push(c),
            None => return Value::Null,
        }
    }
    Value::str(&out)
}

/// Percent-encoding as Kusto's `url_encode` shows it: letters, digits and `-_.!*()` kept, hex in
/// lowercase, a space as `+` (`url_encode`) or `%20` (`url_encode_component`).
pub fn url_encode(a: &[Value], space: &str) -> Value {
    let mut out = String::new();
    for b in a[0].to_kql_string().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'*' | b'(' | b')' => out.push(b as char),
            b' ' => out.push_str(space),
            _ => out.push_str(&format!("%{b:02x}")),
        }
    }
    Value::str(&out)
}

/// Query parameters `k1=v1&k2=v2` as a bag, values percent-decoded (`+` as a space).
fn query_bag(query: &str) -> Value {
    let decode = |s: &str| {
        let spaced = s.replace('+', " ");
        percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
    };
    let mut bag: Bag = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key: Arc<str> = Arc::from(decode(k).as_str());
        let value = Value::str(&decode(v));
        match bag.iter_mut().find(|(name, _)| *name == key) {
            Some(slot) => slot.1 = value,
            None => bag.push((key, value)),
        }
    }
    Value::Bag(Arc::new(bag))
}

/// `parse_urlquery(query)`: `{"Query Parameters": {…}}`.
pub fn parse_urlquery(a: &[Value]) -> Value {
    let text = a[0].to_kql_string();
    let query = text.trim().trim_start_matches('?');
    Value::Bag(Arc::new(vec![(Arc::from("Query Parameters"), query_bag(query))]))
}

fn default_port(scheme: &str) -> &'static str {
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => "80",
        "https" | "wss" => "443",
        "ftp" => "21",
        _ => "",
    }
}

/// `parse_url(url)` (…/parse-url-function): Scheme, Host, Port, Path, Username, Password, Query
/// Parameters and Fragment of an absolute URL. Path keeps its leading `/` and Port defaults by
/// scheme, as Kusto's original docs show (`"Path": "/icecream/buy.aspx"`, `"Port": "80"`). Not
/// an absolute URL: every part empty.
pub fn parse_url(a: &[Value]) -> Value {
    let text = a[0].to_kql_string();
    let text = text.trim();
    let parts = text
        .split_once("://")
        .filter(|(s, _)| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)));
    let (mut scheme, mut host, mut port, mut path) = (String::new(), String::new(), String::new(), String::new());
    let (mut user, mut password, mut fragment) = (String::new(), String::new(), String::new());
    let mut query = Value::Bag(Arc::new(Vec::new()));
    if let Some((s, rest)) = parts {
        scheme = s.to_owned();
        let (rest, frag) = rest.split_once('#').unwrap_or((rest, ""));
        fragment = frag.to_owned();
        let (rest, q) = rest.split_once('?').unwrap_or((rest, ""));
        query = query_bag(q);
        let (authority, p) = rest.find('/').map_or((rest, ""), |i| (&rest[..i], &rest[i..]));
        path = p.to_owned();
        let (credentials, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
        let (u, pw) = credentials.split_once(':').unwrap_or((credentials, ""));
        (user, password) = (u.to_owned(), pw.to_owned());
        let bracket_end = hostport.rfind(']').unwrap_or(0);
        match hostport.rfind(':').filter(|i| *i > bracket_end) {
            Some(i) => (host, port) = (hostport[..i].to_owned(), hostport[i + 1..].to_owned()),
            None => (host, port) = (hostport.to_owned(), default_port(s).to_owned()),
        }
    }
    let s = |v: String| Value::str(&v);
    Value::Bag(Arc::new(vec![
        (Arc::from("Scheme"), s(scheme)),
        (Arc::from("Host"), s(host)),
        (Arc::from("Port"), s(port)),
        (Arc::from("Path"), s(path)),
        (Arc::from("Username"), s(user)),
        (Arc::from("Password"), s(password)),
        (Arc::from("Query Parameters"), query),
        (Arc::from("Fragment"), s(fragment)),
    ]))
}

/// `parse_path(path)` (…/parse-path-function): Scheme, RootPath, DirectoryPath, DirectoryName,
/// Filename, Extension and AlternateDataStreamName, over `/` and `\` alike.
pub fn parse_path(a: &[Value]) -> Value {
    let text = a[0].to_kql_string();
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic()) => (s, r),
        _ => ("", &*text),
    };
    let is_drive = |s: &str| s.len() >= 2 && s.as_bytes()[1] == b':' && s.as_bytes()[0].is_ascii_alphabetic();
    let root = if is_drive(rest) { &rest[..2] } else { "" };
    let cut = rest.rfind(['/', '\\']);
    let (directory, last) = match cut {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => ("", rest),
    };
    let (file, stream) = last.split_once(':').unwrap_or((last, ""));
    let directory_name = directory.rsplit(['/', '\\']).next().unwrap_or("");
    let directory_name = if directory_name == root { "" } else { directory_name };
    let extension = file.rsplit_once('.').map_or("", |(_, e)| e);
    let s = Value::str;
    Value::Bag(Arc::new(vec![
        (Arc::from("Scheme"), s(scheme)),
        (Arc::from("RootPath"), s(root)),
        (Arc::from("DirectoryPath"), s(directory)),
        (Arc::from("DirectoryName"), s(directory_name)),
        (Arc::from("Filename"), s(file)),
        (Arc::from("Extension"), s(extension)),
        (Arc::from("AlternateDataStreamName"), s(stream)),
    ]))
}

/// A GUID's 16 bytes in .NET's order (the first three fields little-endian), as Kusto's
/// base64 GUID functions use them: the docs' `ae3133f2-…` encodes as `8jMxriJurkmw…`.
fn guid_bytes(text: &str) -> Option<[u8; 16]> {
    let mut b = *uuid::Uuid::parse_str(text.trim()).ok()?.as_bytes();
    b[..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

/// `base64_encode_fromguid(guid)`.
pub fn base64_encode_fromguid(a: &[Value]) -> Value {
    use base64::Engine;
    match guid_bytes(&a[0].to_kql_string()) {
        Some(b) => Value::str(&base64::engine::general_purpose::STANDARD.encode(b)),
        None => Value::Null,
    }
}

/// `base64_decode_toguid(text)`.
pub fn base64_decode_toguid(a: &[Value]) -> Value {
    let Some(bytes) = super::base64_decode(&a[0].to_kql_string()) else {
        return Value::Null;
    };
    let Ok(mut b) = <[u8; 16]>::try_from(bytes.as_slice()) else {
        return Value::Null;
    };
    b[..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Value::str(&uuid::Uuid::from_bytes(b).to_string())
}

/// `new_guid()`: a random version-4 GUID, different on every call and row.
pub fn new_guid(_: &[Value]) -> Value {
    let bits: u128 = rand::random();
    Value::str(&uuid::Builder::from_random_bytes(bits.to_le_bytes()).into_uuid().to_string())
}

/// The bitwise functions (…/binary-and-function, …): null unless the operands are integers; a
/// negative shift is null, others count modulo 64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bitwise {
    And,
    Or,
    Xor,
    Not,
    ShiftLeft,
    ShiftRight,
}

pub fn bitwise(a: &[Value], op: Bitwise) -> Value {
    let Some(x) = a[0].as_i64().filter(|_| matches!(a[0], Value::Long(_))) else {
        return Value::Null;
    };
    let y = a.get(1).and_then(|v| if let Value::Long(n) = v { Some(*n) } else { None });
    let shift = |n: i64| u32::try_from(n).ok().map(|s| s % 64);
    let r = match (op, y) {
        (Bitwise::Not, _) => Some(!x),
        (Bitwise::And, Some(y)) => Some(x & y),
        (Bitwise::Or, Some(y)) => Some(x | y),
        (Bitwise::Xor, Some(y)) => Some(x ^ y),
        (Bitwise::ShiftLeft, Some(y)) => shift(y).map(|s| x.wrapping_shl(s)),
        (Bitwise::ShiftRight, Some(y)) => shift(y).map(|s| x.wrapping_shr(s)),
        _ => None,
    };
    r.map(Value::Long).unwrap_or(Value::Null)
}

/// `bitset_count_ones(x)`.
pub fn bitset_count_ones(a: &[Value]) -> Value {
    match a[0] {
        Value::Long(n) => Value::Long(i64::from(n.count_ones())),
        _ => Value::Null,
    }
}
