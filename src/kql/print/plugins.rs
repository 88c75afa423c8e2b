//! `evaluate` plugin calls printed back as KQL that parses to the same tree.

use std::fmt::{self, Display, Formatter};

use super::{quote, write_name};
use crate::kql::ast::*;

impl Display for Evaluate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("evaluate ")?;
        for (k, v) in &self.hints {
            write!(f, "{k}={v} ")?;
        }
        write!(f, "{}(", self.plugin.name())?;
        let schema = match &self.plugin {
            Plugin::BagUnpack(b) => {
                write_bag_unpack(f, b)?;
                b.schema.as_ref()
            }
            Plugin::Pivot(p) => {
                write_name(f, &p.column.text)?;
                if let Some(a) = &p.aggregation {
                    write!(f, ", {a}")?;
                }
                for c in &p.columns {
                    f.write_str(", ")?;
                    write_name(f, &c.text)?;
                }
                p.schema.as_ref()
            }
            Plugin::Narrow => None,
            Plugin::Ipv4Lookup(l) => {
                write_ipv4_lookup(f, l)?;
                None
            }
            Plugin::Basket(args) | Plugin::Autocluster(args) => {
                write_pattern_args(f, args)?;
                None
            }
        };
        f.write_str(")")?;
        match schema {
            Some(s) => write_schema(f, s),
            None => Ok(()),
        }
    }
}

fn write_bag_unpack(f: &mut Formatter<'_>, b: &BagUnpack) -> fmt::Result {
    write_name(f, &b.column.text)?;
    if let Some(p) = &b.prefix {
        write!(f, ", {p}")?;
    }
    if let Some(c) = b.conflict {
        write!(f, ", columnsConflict={}", quote(c.word()))?;
    }
    if let Some(i) = &b.ignored {
        write!(f, ", ignoredProperties={i}")?;
    }
    Ok(())
}

fn write_ipv4_lookup(f: &mut Formatter<'_>, l: &Ipv4Lookup) -> fmt::Result {
    match &l.table {
        Expr::Tabular(p) => write!(f, "{p}")?,
        other => write!(f, "{other}")?,
    }
    for key in std::iter::once(&l.source_key).chain([&l.lookup_key]).chain(&l.extra_keys) {
        f.write_str(", ")?;
        write_name(f, &key.text)?;
    }
    if let Some(u) = l.return_unmatched {
        write!(f, ", return_unmatched={u}")?;
    }
    Ok(())
}

/// Positional arguments with `~` for the defaults before the last one given.
fn write_pattern_args(f: &mut Formatter<'_>, a: &PatternArgs) -> fmt::Result {
    let weight = a.weight.as_ref().map(|w| {
        let mut s = String::new();
        let _ = write_name(&mut s, &w.text);
        s
    });
    let mut parts: Vec<Option<String>> = vec![
        a.tuning.as_ref().map(|e| e.to_string()),
        weight,
        a.limit.as_ref().map(|e| e.to_string()),
    ];
    parts.extend(a.wildcards.iter().map(|e| Some(e.to_string())));
    while parts.last().is_some_and(Option::is_none) {
        parts.pop();
    }
    let texts: Vec<String> = parts.into_iter().map(|p| p.unwrap_or_else(|| quote("~"))).collect();
    f.write_str(&texts.join(", "))
}

fn write_schema(f: &mut Formatter<'_>, s: &OutputSchema) -> fmt::Result {
    let mut parts: Vec<String> = Vec::new();
    if s.star {
        parts.push("*".to_owned());
    }
    for (n, t) in &s.columns {
        let mut name = String::new();
        write_name(&mut name, n)?;
        parts.push(format!("{name}:{t}"));
    }
    write!(f, " : ({})", parts.join(", "))
}
