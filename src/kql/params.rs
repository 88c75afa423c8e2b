//! Placeholder substitution: `<Name>` (as written in the seed document, possibly with spaces such as
//! `<VM or application name>`) becomes a string literal; `{{Name}}` becomes the raw value.

use std::collections::BTreeMap;

use super::print::quote;

/// Replaces bound placeholders; unbound ones are left as they are (the parser then reports them).
pub fn substitute(query: &str, params: &BTreeMap<String, String>) -> String {
    if params.is_empty() {
        return query.to_string();
    }
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    while let Some(pos) = rest.find(['<', '{']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let replaced = if let Some(inner) = tail.strip_prefix("{{") {
            inner.find("}}").and_then(|end| {
                let name = inner[..end].trim();
                params.get(name).map(|v| (v.clone(), end + 4))
            })
        } else if let Some(inner) = tail.strip_prefix('<') {
            inner.find(['>', '\n']).and_then(|end| {
                let name = &inner[..end];
                if inner[end..].starts_with('>') {
                    params.get(name).map(|v| (quote(v), end + 2))
                } else {
                    None
                }
            })
        } else {
            None
        };
        match replaced {
            Some((text, consumed)) => {
                out.push_str(&text);
                rest = &tail[consumed..];
            }
            None => {
                let c = tail.chars().next().map(char::len_utf8).unwrap_or(1);
                out.push_str(&tail[..c]);
                rest = &tail[c..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_angle_and_brace_placeholders() {
        let mut p = BTreeMap::new();
        p.insert("ServicePrincipalId".to_string(), "abc".to_string());
        p.insert("VM or application name".to_string(), "vm-01".to_string());
        p.insert("N".to_string(), "5".to_string());
        let q = "T | where a == <ServicePrincipalId> and b == <VM or application name> and c < 3 and d > 2 | take {{N}}";
        assert_eq!(
            substitute(q, &p),
            "T | where a == \"abc\" and b == \"vm-01\" and c < 3 and d > 2 | take 5"
        );
    }
}
