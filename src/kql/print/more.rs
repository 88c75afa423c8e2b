//! Printing of the less common operators (`find`, `search`, `top-nested`, `partition`, `fork`,
//! `facet`, `parse-kv`, `render`): KQL that parses back to an equal tree.

use std::fmt::{self, Display, Formatter};

use super::{quote, write_name, write_tables};
use crate::kql::ast::*;

/// `items` printed and joined by `sep`.
pub(super) fn join<T: Display>(items: &[T], sep: &str) -> String {
    items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(sep)
}

/// `( op | op … )`.
fn group(ops: &[Operator]) -> String {
    format!("({})", join(ops, " | "))
}

fn name_of(name: &str) -> String {
    let mut s = String::new();
    let _ = write_name(&mut s, name);
    s
}

fn write_in(f: &mut Formatter<'_>, tables: &Option<Vec<Pipeline>>) -> fmt::Result {
    if let Some(tables) = tables {
        f.write_str("in (")?;
        write_tables(f, tables)?;
        f.write_str(") ")?;
    }
    Ok(())
}

impl Display for FindSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("find ")?;
        if let Some(ws) = &self.with_source {
            write!(f, "withsource={} ", name_of(ws))?;
        }
        write_in(f, &self.tables)?;
        write!(f, "where {}", self.predicate)?;
        match &self.projection {
            FindProjection::Smart { written: false } => Ok(()),
            FindProjection::Smart { written: true } => f.write_str(" project-smart"),
            FindProjection::Columns { columns, pack_all } => {
                let mut items: Vec<String> = columns
                    .iter()
                    .map(|(n, t)| match t {
                        Some(t) => format!("{}:{t}", name_of(&n.text)),
                        None => name_of(&n.text),
                    })
                    .collect();
                if *pack_all {
                    items.push("pack_all()".to_owned());
                }
                write!(f, " project {}", items.join(", "))
            }
        }
    }
}

impl Display for SearchSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("search ")?;
        if let Some(k) = self.kind {
            write!(f, "kind={} ", k.word())?;
        }
        write_in(f, &self.tables)?;
        write!(f, "{}", self.predicate)
    }
}

impl Display for TopNestedLevel {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("top-nested ")?;
        if let Some(n) = &self.count {
            write!(f, "{n} ")?;
        }
        write!(f, "of {}", self.expr)?;
        if let Some(o) = &self.others {
            write!(f, " with others = {o}")?;
        }
        write!(f, " by {}", self.aggregation)?;
        self.order.map_or(Ok(()), |o| write!(f, " {}", o.word()))
    }
}

impl Display for PartitionSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("partition ")?;
        if let Some(s) = self.strategy {
            write!(f, "hint.strategy={} ", s.word())?;
        }
        for (k, v) in &self.hints {
            write!(f, "{k}={v} ")?;
        }
        write!(f, "by {} ", name_of(&self.column.text))?;
        match &self.body {
            PartitionBody::Operators(ops) => f.write_str(&group(ops)),
            PartitionBody::Query(p) => write!(f, "{{ {p} }}"),
        }
    }
}

impl Display for ForkLeg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(n) = &self.name {
            write!(f, "{} = ", name_of(n))?;
        }
        f.write_str(&group(&self.ops))
    }
}

impl Display for FacetSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let columns: Vec<String> = self.columns.iter().map(|c| name_of(&c.text)).collect();
        write!(f, "facet by {}", columns.join(", "))?;
        if !self.with.is_empty() {
            write!(f, " with {}", group(&self.with))?;
        }
        Ok(())
    }
}

impl Display for ParseKvSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let keys: Vec<String> = self.keys.iter().map(|(k, t)| format!("{}:{t}", name_of(k))).collect();
        write!(f, "parse-kv ({}) as ({})", self.expr, keys.join(", "))?;
        let o = &self.options;
        let mut items = Vec::new();
        let mut text = |name: &str, v: &Option<String>| {
            if let Some(v) = v {
                items.push(format!("{name}={}", quote(v)));
            }
        };
        text("pair_delimiter", &o.pair_delimiter);
        text("kv_delimiter", &o.kv_delimiter);
        text("regex", &o.regex);
        items.extend(o.quotes.iter().map(|q| format!("quote={}", quote(q))));
        items.extend(o.escapes.iter().map(|e| format!("escape={}", quote(e))));
        if let Some(g) = o.greedy {
            items.push(format!("greedy={g}"));
        }
        if !items.is_empty() {
            write!(f, " with ({})", items.join(", "))?;
        }
        Ok(())
    }
}

impl Display for RenderSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "render {}", self.visualization.word())?;
        if self.properties.is_empty() {
            return Ok(());
        }
        let props: Vec<String> = self
            .properties
            .iter()
            .map(|(p, v)| {
                let value = match v {
                    RenderValue::Word(w) => w.clone(),
                    RenderValue::Value(e) => e.to_string(),
                    RenderValue::Columns(names) => {
                        let names: Vec<String> = names.iter().map(|n| name_of(&n.text)).collect();
                        names.join(", ")
                    }
                };
                format!("{}={value}", p.word())
            })
            .collect();
        write!(f, " with ({})", props.join(", "))
    }
}
