//! `parse-kv` (…/parse-kv-operator): columns from key/value text, in the operator's three
//! modes — given delimiters (`pair_delimiter`, `kv_delimiter`, optionally `greedy`), none (any
//! character that is not a letter or digit delimits), or a `regex` whose two groups are a key and
//! its value. Quotes (`quote=`) may wrap keys and values, `escape=` characters escape inside
//! them; keys match as written (case-sensitive), the first appearance of a key wins, and leading
//! and trailing white space is ignored.

use std::collections::HashMap;

use super::super::ast::{ParseKvOptions, ParseKvSpec};
use super::super::budget::{self, fresh_bytes};
use super::super::error::KqlError;
use super::super::functions::regex;
use super::super::table::{Column, Table};
use super::super::value::{Value, convert};
use super::meter::Meter;
use super::ops::null_of;
use super::{Env, Evaluator};

/// Opening and closing quote characters, and escape characters.
#[derive(Default)]
struct Quotes {
    pairs: Vec<(char, char)>,
    escapes: Vec<char>,
}

impl Quotes {
    fn of(options: &ParseKvOptions) -> Quotes {
        let pairs = options
            .quotes
            .iter()
            .filter_map(|q| {
                let mut cs = q.chars();
                let open = cs.next()?;
                Some((open, cs.next().unwrap_or(open)))
            })
            .collect();
        let escapes = options.escapes.iter().filter_map(|e| e.chars().next()).collect();
        Quotes { pairs, escapes }
    }

    /// The quoted text starting at `chars[at]` (an opening quote): its content, escapes
    /// resolved, and the position after the closing quote (the end when it never closes).
    fn read(&self, chars: &[char], at: usize) -> Option<(String, usize)> {
        let close = self.pairs.iter().find(|(o, _)| *o == chars[at])?.1;
        let mut out = String::new();
        let mut i = at + 1;
        while i < chars.len() {
            let c = chars[i];
            if self.escapes.contains(&c) && i + 1 < chars.len() {
                out.push(chars[i + 1]);
                i += 2;
            } else if c == close {
                return Some((out, i + 1));
            } else {
                out.push(c);
                i += 1;
            }
        }
        Some((out, i))
    }

    /// `s` trimmed and, when wholly quoted, unquoted.
    fn unquote(&self, s: &str) -> String {
        let s = s.trim();
        let chars: Vec<char> = s.chars().collect();
        match chars.first().and_then(|_| self.read(&chars, 0)) {
            Some((inner, end)) if end == chars.len() => inner,
            _ => s.to_owned(),
        }
    }
}

/// `text` cut at each `delim` that is not inside quotes.
fn split_outside_quotes(text: &str, delim: &str, quotes: &Quotes) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let delim: Vec<char> = delim.chars().collect();
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < chars.len() {
        if let Some((_, end)) = quotes.read(&chars, i) {
            i = end;
        } else if chars[i..].starts_with(&delim) {
            parts.push(chars[start..i].iter().collect());
            i += delim.len();
            start = i;
        } else {
            i += 1;
        }
    }
    parts.push(chars[start.min(chars.len())..].iter().collect());
    parts
}

/// Given delimiters: pairs cut at `pair`, each cut at its first `kv`. Greedy, a piece without
/// `kv` continues the value before it (…/parse-kv-operator#extraction-in-greedy-mode); else it
/// is skipped.
fn delimited_pairs(text: &str, (pair, kv): (&str, &str), quotes: &Quotes, greedy: bool) -> Vec<(String, String)> {
    let mut raw: Vec<(String, String)> = Vec::new();
    for piece in split_outside_quotes(text, pair, quotes) {
        let mut halves = split_outside_quotes(&piece, kv, quotes);
        if halves.len() >= 2 {
            let key = halves.remove(0);
            raw.push((quotes.unquote(&key), halves.join(kv)));
        } else if let (true, Some(last)) = (greedy, raw.last_mut()) {
            last.1.push_str(pair);
            last.1.push_str(&piece);
        }
    }
    raw.into_iter().map(|(k, v)| (k, quotes.unquote(&v))).collect()
}

/// No delimiters: a listed key standing as a word, then at least one character that is not a
/// letter or digit, then its value — quoted, or a run of letters and digits.
fn undelimited_pairs(text: &str, keys: &[(String, super::super::value::KqlType)], quotes: &Quotes) -> Vec<(String, String)> {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: char| c.is_alphanumeric();
    let mut out = Vec::new();
    for (key, _) in keys {
        let k: Vec<char> = key.chars().collect();
        let found = (0..chars.len()).find_map(|p| {
            let at_word = chars[p..].starts_with(&k) && (p == 0 || !word(chars[p - 1]));
            if !at_word || k.is_empty() {
                return None;
            }
            let mut j = p + k.len();
            let gap = j;
            while j < chars.len() && !word(chars[j]) && quotes.read(&chars, j).is_none() {
                j += 1;
            }
            if j == gap || j >= chars.len() {
                return None;
            }
            match quotes.read(&chars, j) {
                Some((value, _)) => Some(value),
                None => Some(chars[j..].iter().take_while(|c| word(**c)).collect()),
            }
        });
        if let Some(value) = found {
            out.push((key.clone(), value));
        }
    }
    out
}

impl Evaluator<'_> {
    pub(super) fn parse_kv(&self, t: &Table, spec: &ParseKvSpec, env: &Env) -> Result<Table, KqlError> {
        let source = self.compile(&spec.expr, &t.columns, env)?;
        let o = &spec.options;
        let quotes = Quotes::of(o);
        let pattern = match &o.regex {
            Some(r) => match regex(r) {
                Some(re) if re.captures_len() == 3 => Some(re),
                _ => {
                    let message = format!("parse-kv regex `{r}` must be a valid regular expression with exactly two groups (key, value)");
                    return Err(self.err(spec.expr.span(), message));
                }
            },
            None => None,
        };
        let extract = |text: &str| -> Vec<(String, String)> {
            match (&pattern, &o.pair_delimiter, &o.kv_delimiter) {
                (Some(re), _, _) => re
                    .captures_iter(text)
                    .map(|c| {
                        let group = |i| c.get(i).map_or("", |m| m.as_str()).trim().to_owned();
                        (group(1), group(2))
                    })
                    .collect(),
                (None, Some(pair), Some(kv)) => delimited_pairs(text, (pair, kv), &quotes, o.greedy == Some(true)),
                _ => undelimited_pairs(text, &spec.keys, &quotes),
            }
        };
        let mut cols = t.columns.clone();
        let mut idx = Vec::new();
        for (name, ty) in &spec.keys {
            match cols.iter().position(|c| &c.name == name) {
                Some(i) => {
                    cols[i].ty = *ty;
                    idx.push(i);
                }
                None => {
                    cols.push(Column::new(name.clone(), *ty));
                    idx.push(cols.len() - 1);
                }
            }
        }
        let mut meter = Meter::new(self);
        let mut rows = Vec::with_capacity(t.rows.len());
        for r in &t.rows {
            let mut row = r.clone();
            row.resize(cols.len(), Value::Null);
            let pairs = extract(&source.eval(r).to_kql_string());
            let mut first: HashMap<&str, &str> = HashMap::new();
            for (k, v) in &pairs {
                first.entry(k.as_str()).or_insert(v.as_str());
            }
            for ((name, ty), &ci) in spec.keys.iter().zip(&idx) {
                row[ci] = match first.get(name.as_str()) {
                    Some(v) => convert(&Value::str(v), *ty),
                    None => null_of(*ty),
                };
            }
            let fresh: usize = idx.iter().map(|&ci| fresh_bytes(&row[ci])).sum();
            meter.charge(budget::rows_bytes(1, row.len()) + fresh)?;
            rows.push(row);
        }
        meter.finish();
        Ok(Table { columns: cols, rows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotes(q: &[&str], e: &[&str]) -> Quotes {
        Quotes::of(&ParseKvOptions {
            quotes: q.iter().map(|s| s.to_string()).collect(),
            escapes: e.iter().map(|s| s.to_string()).collect(),
            ..ParseKvOptions::default()
        })
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    // learn.microsoft.com/kusto/query/parse-kv-operator#extraction-with-value-quoting
    #[test]
    fn quoted_keys_and_values_keep_their_delimiters() {
        let text = "src=10.1.1.123 dst=10.1.1.124 bytes=125 failure=(connection aborted) (event time)=(2021-01-01 10:00:54)";
        let got = delimited_pairs(text, (" ", "="), &quotes(&["()"], &[]), false);
        assert_eq!(
            got,
            pairs(&[
                ("src", "10.1.1.123"),
                ("dst", "10.1.1.124"),
                ("bytes", "125"),
                ("failure", "connection aborted"),
                ("event time", "2021-01-01 10:00:54"),
            ])
        );
        let escaped = r#"failure="the remote host sent \"bye!\"" time=2021"#;
        let got = delimited_pairs(escaped, (" ", "="), &quotes(&["\""], &["\\"]), false);
        assert_eq!(got, pairs(&[("failure", "the remote host sent \"bye!\""), ("time", "2021")]));
    }

    // …/parse-kv-operator#extraction-in-greedy-mode
    #[test]
    fn greedy_values_run_to_the_next_key() {
        let text = "name=John Doe phone=555 5555 city=New York";
        let plain = delimited_pairs(text, (" ", "="), &Quotes::default(), false);
        assert_eq!(plain, pairs(&[("name", "John"), ("phone", "555"), ("city", "New")]));
        let greedy = delimited_pairs(text, (" ", "="), &Quotes::default(), true);
        assert_eq!(greedy, pairs(&[("name", "John Doe"), ("phone", "555 5555"), ("city", "New York")]));
    }

    // …/parse-kv-operator#extraction-with-no-well-defined-delimiters
    #[test]
    fn without_delimiters_any_other_character_delimits() {
        use crate::kql::value::KqlType;
        let keys = [("Text".to_string(), KqlType::String), ("ThreadId".to_string(), KqlType::Long)];
        let text = "2021-01-01T10:00:34 [INFO] ThreadId:458745723, Machine:Node001, Text: Started";
        let got = undelimited_pairs(text, &keys, &Quotes::default());
        assert_eq!(got, pairs(&[("Text", "Started"), ("ThreadId", "458745723")]));
        let quoted = "ThreadId:458745723, Text: 'The service \\' is up'";
        let got = undelimited_pairs(quoted, &keys, &quotes(&["'"], &["\\"]));
        assert_eq!(got[0], ("Text".to_string(), "The service ' is up".to_string()));
    }
}
