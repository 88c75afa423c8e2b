//! `Display` for the AST: prints KQL that parses back to an equal tree.
//!
//! Nested binary operands are always parenthesised, so precedence never has to be reconstructed.

mod plugins;

use std::fmt::{self, Display, Formatter, Write};

use super::ast::*;
mod more;

use super::value::{TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_MS, TICKS_PER_SECOND, format_datetime, format_timespan};

const KEYWORDS: &[&str] = &[
    "true",
    "false",
    "null",
    "and",
    "or",
    "by",
    "on",
    "with",
    "let",
    "asc",
    "desc",
    "nulls",
    "to",
    "limit",
    "in",
    "has",
    "contains",
    "between",
    "kind",
    "from",
    "step",
    "datatable",
    "print",
    "union",
    "range",
    "view",
    "set",
    "declare",
    "alias",
    "pattern",
    "hint",
    "evaluate",
    "externaldata",
    "find",
    "search",
    "typeof",
    "dynamic",
    "like",
    "startswith",
    "endswith",
    "matches",
    "hasprefix",
    "hassuffix",
    "has_cs",
    "contains_cs",
    "has_any",
    "has_all",
];

fn is_plain_ident(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$');
    first_ok
        && name.chars().skip(1).all(|c| c.is_alphanumeric() || c == '_')
        && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(name))
        && !StrOp::ALL.iter().any(|(_, n)| n.eq_ignore_ascii_case(name))
}

/// Writes a name, quoting it as `['name']` when it isn't a plain identifier.
fn write_name(f: &mut impl Write, name: &str) -> fmt::Result {
    if is_plain_ident(name) {
        f.write_str(name)
    } else {
        write!(f, "[{}]", quote(name))
    }
}

/// A double-quoted KQL string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn timespan_literal(t: i64) -> String {
    if t < 0 {
        return format!("timespan({})", format_timespan(t));
    }
    for (unit, per) in [
        ("d", TICKS_PER_DAY),
        ("h", TICKS_PER_HOUR),
        ("m", TICKS_PER_MINUTE),
        ("s", TICKS_PER_SECOND),
        ("ms", TICKS_PER_MS),
    ] {
        if t % per == 0 {
            return format!("{}{unit}", t / per);
        }
    }
    format!("{t}tick")
}

fn comma<T: Display>(items: &[T]) -> String {
    items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

impl Display for Script {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.statements.iter().map(|s| s.to_string()).collect();
        f.write_str(&parts.join(";\n"))
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Let { name, value, .. } => {
                f.write_str("let ")?;
                write_name(f, name)?;
                f.write_str(" = ")?;
                match value {
                    LetValue::Pipeline(p) => write!(f, "{p}"),
                    LetValue::Function(def) => write!(f, "{def}"),
                }
            }
            Statement::Query(p) => write!(f, "{p}"),
        }
    }
}

impl Display for FunctionDef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.view {
            f.write_str("view ")?;
        }
        f.write_str("(")?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_name(f, &p.name)?;
            f.write_str(":")?;
            match &p.ty {
                ParamType::Scalar(t) => write!(f, "{t}")?,
                ParamType::Tabular(cols) if cols.is_empty() => f.write_str("(*)")?,
                ParamType::Tabular(cols) => {
                    let parts: Vec<String> = cols.iter().map(|(n, t)| format!("{n}:{t}")).collect();
                    write!(f, "({})", parts.join(", "))?
                }
            }
            if let Some(d) = &p.default {
                write!(f, " = {d}")?;
            }
        }
        f.write_str(") { ")?;
        let body: Vec<String> = self.body.iter().map(|s| s.to_string()).collect();
        f.write_str(&body.join("; "))?;
        f.write_str(" }")
    }
}

impl Display for Pipeline {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        super::deep(|| self.write_to(f))
    }
}

impl Pipeline {
    fn write_to(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        for op in &self.ops {
            write!(f, "\n| {op}")?;
        }
        Ok(())
    }
}

/// `keyword(name:type, …) [value, …]` of `datatable` and `externaldata`.
fn write_schema_and_values(
    f: &mut Formatter<'_>,
    keyword: &str,
    columns: &[(String, super::value::KqlType)],
    values: &[Expr],
) -> fmt::Result {
    let cols: Vec<String> = columns
        .iter()
        .map(|(n, t)| {
            let mut s = String::new();
            let _ = write_name(&mut s, n);
            format!("{s}:{t}")
        })
        .collect();
    write!(f, "{keyword}({}) [{}]", cols.join(", "), comma(values))
}

impl Display for Source {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Source::Expr(e) => write!(f, "{e}"),
            Source::Datatable { columns, values } => write_schema_and_values(f, "datatable", columns, values),
            Source::Print(items) => write!(f, "print {}", comma(items)),
            Source::TableGlob(pattern) => f.write_str(&pattern.text),
            Source::ExternalData { columns, uris, properties } => {
                write_schema_and_values(f, "externaldata", columns, uris)?;
                if !properties.is_empty() {
                    let props: Vec<String> = properties.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    write!(f, " with ({})", props.join(", "))?;
                }
                Ok(())
            }
            Source::Union(spec) => write!(f, "union {spec}"),
            Source::Range { name, from, to, step } => {
                f.write_str("range ")?;
                write_name(f, name)?;
                write!(f, " from {from} to {to} step {step}")
            }
            Source::Find(spec) => write!(f, "{spec}"),
            Source::Search(spec) => write!(f, "{spec}"),
        }
    }
}

impl Display for UnionSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(k) = self.kind {
            write!(f, "kind={} ", k.word())?;
        }
        if let Some(fuzzy) = self.is_fuzzy {
            write!(f, "isfuzzy={fuzzy} ")?;
        }
        for (k, v) in &self.hints {
            write!(f, "{k}={v} ")?;
        }
        if let Some(ws) = &self.with_source {
            f.write_str("withsource=")?;
            write_name(f, ws)?;
            f.write_str(" ")?;
        }
        write_tables(f, &self.tables)
    }
}

/// The inputs of `union`, `find in (…)` and `search in (…)`: names bare, pipelines parenthesised.
fn write_tables(f: &mut Formatter<'_>, tables: &[Pipeline]) -> fmt::Result {
    let tables: Vec<String> = tables
        .iter()
        .map(|p| match (&p.source, p.ops.is_empty()) {
            (Source::Expr(e), true) if !matches!(e, Expr::Binary(..)) => e.to_string(),
            (Source::TableGlob(pattern), true) => pattern.text.clone(),
            _ => format!("({p})"),
        })
        .collect();
    f.write_str(&tables.join(", "))
}

impl Display for NamedExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.names.is_empty() {
            f.write_str("(")?;
            for (i, n) in self.names.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_name(f, &n.text)?;
            }
            f.write_str(") = ")?;
        }
        if let Some(n) = &self.name {
            write_name(f, n)?;
            f.write_str(" = ")?;
        }
        write!(f, "{}", self.expr)
    }
}

impl Display for SortKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        if let Some(order) = self.order {
            write!(f, " {}", order.word())?;
        }
        match self.nulls {
            Some(nulls) => write!(f, " nulls {}", nulls.word()),
            None => Ok(()),
        }
    }
}

impl Display for MvExpandSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(k) = self.kind {
            write!(f, "kind={} ", k.word())?;
        }
        if let Some(i) = &self.item_index {
            f.write_str("with_itemindex=")?;
            write_name(f, i)?;
            f.write_str(" ")?;
        }
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if let Some(n) = &item.name {
                write_name(f, n)?;
                f.write_str(" = ")?;
            }
            write!(f, "{}", item.expr)?;
            if let Some(t) = item.to_type {
                write!(f, " to typeof({t})")?;
            }
        }
        if let Some(l) = &self.limit {
            write!(f, " limit {l}")?;
        }
        Ok(())
    }
}

fn patterns(f: &mut Formatter<'_>, pats: &[Name]) -> fmt::Result {
    for (i, p) in pats.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        if p.text.contains('*') {
            f.write_str(&p.text)?;
        } else {
            write_name(f, &p.text)?;
        }
    }
    Ok(())
}

/// `project-rename New = Old, …`.
fn write_renames(f: &mut Formatter<'_>, pairs: &[(Name, Name)]) -> fmt::Result {
    f.write_str("project-rename ")?;
    for (i, (new, old)) in pairs.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_name(f, &new.text)?;
        f.write_str(" = ")?;
        write_name(f, &old.text)?;
    }
    Ok(())
}

/// `join`/`lookup` with their kind, hints, right side and conditions.
fn write_join(f: &mut Formatter<'_>, keyword: &str, j: &JoinSpec) -> fmt::Result {
    write!(f, "{keyword} ")?;
    if let Some(k) = j.kind {
        write!(f, "kind={} ", k.word())?;
    }
    for (k, v) in &j.hints {
        write!(f, "{k}={v} ")?;
    }
    write!(f, "({}) on ", j.right)?;
    for (i, c) in j.on.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        match c {
            JoinCond::Column(c) => write_name(f, &c.text)?,
            JoinCond::Eq { left, right } => {
                f.write_str("$left.")?;
                write_name(f, &left.text)?;
                f.write_str(" == $right.")?;
                write_name(f, &right.text)?;
            }
        }
    }
    Ok(())
}

/// `parse [kind=…] (expr) with pattern`; the expression is parenthesised so a trailing `with` is
/// never read as part of it.
fn write_parse(
    f: &mut Formatter<'_>,
    (keyword, flags): (&str, Option<&str>),
    kind: Option<ParseKind>,
    expr: &Expr,
    pattern: &[ParsePart],
) -> fmt::Result {
    write!(f, "{keyword} ")?;
    if let Some(k) = kind {
        write!(f, "kind={} ", k.word())?;
    }
    if let Some(flags) = flags {
        write!(f, "flags={flags} ")?;
    }
    write!(f, "({expr}) with")?;
    for part in pattern {
        match part {
            ParsePart::Star => f.write_str(" *")?,
            ParsePart::Literal(s) => write!(f, " {}", quote(s))?,
            ParsePart::Column(c, t) => {
                f.write_str(" ")?;
                write_name(f, c)?;
                if let Some(t) = t {
                    write!(f, ":{t}")?;
                }
            }
        }
    }
    Ok(())
}

impl Display for Operator {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Operator::Where(e) => write!(f, "where {e}"),
            Operator::Extend(items) => write!(f, "extend {}", comma(items)),
            Operator::Project(items) => write!(f, "project {}", comma(items)),
            Operator::ProjectAway(p) => {
                f.write_str("project-away ")?;
                patterns(f, p)
            }
            Operator::ProjectKeep(p) => {
                f.write_str("project-keep ")?;
                patterns(f, p)
            }
            Operator::ProjectReorder(p) => {
                f.write_str("project-reorder ")?;
                patterns(f, p)
            }
            Operator::ProjectRename(pairs) => write_renames(f, pairs),
            Operator::Summarize { aggs, by } => {
                f.write_str("summarize")?;
                if !aggs.is_empty() {
                    write!(f, " {}", comma(aggs))?;
                }
                if !by.is_empty() {
                    write!(f, " by {}", comma(by))?;
                }
                Ok(())
            }
            Operator::Join(j) => write_join(f, "join", j),
            Operator::Lookup(j) => write_join(f, "lookup", j),
            Operator::Union(spec) => write!(f, "union {spec}"),
            Operator::MvExpand(spec) => write!(f, "mv-expand {spec}"),
            Operator::MvApply { expand, body } => {
                let ops: Vec<String> = body.iter().map(|o| o.to_string()).collect();
                write!(f, "mv-apply {expand} on ({})", ops.join(" | "))
            }
            Operator::Parse { kind, expr, pattern } => write_parse(f, ("parse", None), *kind, expr, pattern),
            Operator::ParseWhere {
                kind,
                flags,
                expr,
                pattern,
            } => write_parse(f, ("parse-where", flags.as_deref()), *kind, expr, pattern),
            Operator::Distinct(items) if items.is_empty() => f.write_str("distinct *"),
            Operator::Distinct(items) => write!(f, "distinct {}", comma(items)),
            Operator::Sort(keys) => write!(f, "sort by {}", comma(keys)),
            Operator::Top { count, key } => write!(f, "top {count} by {key}"),
            Operator::Take(e) => write!(f, "take {e}"),
            Operator::Count => f.write_str("count"),
            Operator::As { name, materialized } => {
                f.write_str("as ")?;
                if let Some(m) = materialized {
                    write!(f, "hint.materialized={m} ")?;
                }
                write_name(f, name)
            }
            Operator::Serialize(items) if items.is_empty() => f.write_str("serialize"),
            Operator::Serialize(items) => write!(f, "serialize {}", comma(items)),
            Operator::GetSchema => f.write_str("getschema"),
            Operator::Scan(spec) => write_scan(f, spec),
            Operator::Evaluate(e) => write!(f, "{e}"),
            Operator::Search(spec) => write!(f, "{spec}"),
            Operator::Invoke { name, args } => {
                f.write_str("invoke ")?;
                write_name(f, &name.text)?;
                write!(f, "({})", comma(args))
            }
            Operator::Facet(spec) => write!(f, "{spec}"),
            Operator::TopNested(levels) => write!(f, "{}", comma(levels)),
            Operator::Partition(spec) => write!(f, "{spec}"),
            Operator::Fork(legs) => write!(f, "fork {}", more::join(legs, " ")),
            Operator::Sample(n) => write!(f, "sample {n}"),
            Operator::SampleDistinct { count, column } => {
                write!(f, "sample-distinct {count} of ")?;
                write_name(f, &column.text)
            }
            Operator::TopHitters { count, expr, by } => {
                write!(f, "top-hitters {count} of {expr}")?;
                by.as_ref().map_or(Ok(()), |b| write!(f, " by {b}"))
            }
            Operator::ParseKv(spec) => write!(f, "{spec}"),
            Operator::Render(spec) => write!(f, "{spec}"),
            Operator::MakeSeries(spec) => write!(f, "make-series {spec}"),
        }
    }
}

/// `scan [with_match_id = Id] [declare (…)] with (step …; …)`.
fn write_scan(f: &mut Formatter<'_>, spec: &ScanSpec) -> fmt::Result {
    f.write_str("scan ")?;
    if let Some(id) = &spec.match_id {
        f.write_str("with_match_id = ")?;
        write_name(f, &id.text)?;
        f.write_str(" ")?;
    }
    if !spec.declare.is_empty() {
        f.write_str("declare (")?;
        for (i, c) in spec.declare.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_name(f, &c.name.text)?;
            write!(f, ": {}", c.ty)?;
            if let Some(d) = &c.default {
                write!(f, " = {d}")?;
            }
        }
        f.write_str(") ")?;
    }
    f.write_str("with (")?;
    for step in &spec.steps {
        f.write_str(" step ")?;
        write_name(f, &step.name.text)?;
        if let Some(out) = step.output {
            write!(f, " output = {}", out.word())?;
        }
        write!(f, ": {}", step.condition)?;
        for (i, (col, e)) in step.assignments.iter().enumerate() {
            f.write_str(if i == 0 { " => " } else { ", " })?;
            write_name(f, &col.text)?;
            write!(f, " = {e}")?;
        }
        f.write_str(";")?;
    }
    f.write_str(" )")
}

impl Display for MakeSeriesSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(k) = self.kind {
            write!(f, "kind={} ", k.word())?;
        }
        for (k, v) in &self.hints {
            write!(f, "{k}={v} ")?;
        }
        for (i, a) in self.aggs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", a.agg)?;
            if let Some(d) = &a.default {
                write!(f, " default = {d}")?;
            }
        }
        // The axis is read as an arithmetic expression; anything else is parenthesised.
        match &self.axis {
            e @ Expr::Binary(BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod, ..) => write!(f, " on {e}")?,
            e @ (Expr::Binary(..) | Expr::Between { .. } | Expr::In { .. }) => write!(f, " on ({e})")?,
            e => write!(f, " on {e}")?,
        }
        match &self.range {
            SeriesRange::Step { from, to, step } => {
                if let Some(e) = from {
                    write!(f, " from {e}")?;
                }
                if let Some(e) = to {
                    write!(f, " to {e}")?;
                }
                write!(f, " step {step}")?;
            }
            SeriesRange::InRange { start, stop, step } => write!(f, " in range({start}, {stop}, {step})")?,
        }
        if !self.by.is_empty() {
            write!(f, " by {}", comma(&self.by))?;
        }
        Ok(())
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Long(v) => write!(f, "{v}"),
            Literal::Real(v) => write!(f, "{v:?}"),
            Literal::String(s) => f.write_str(&quote(s)),
            Literal::DateTime(None) => f.write_str("datetime(null)"),
            Literal::DateTime(Some(t)) => write!(f, "datetime({})", format_datetime(*t)),
            Literal::TimeSpan(None) => f.write_str("timespan(null)"),
            Literal::TimeSpan(Some(t)) => f.write_str(&timespan_literal(*t)),
            Literal::Dynamic(j) => write!(f, "dynamic({j})"),
            Literal::Type(t) => write!(f, "typeof({t})"),
        }
    }
}

fn binop_text(op: BinOp) -> String {
    match op {
        BinOp::Add => "+".into(),
        BinOp::Sub => "-".into(),
        BinOp::Mul => "*".into(),
        BinOp::Div => "/".into(),
        BinOp::Mod => "%".into(),
        BinOp::Eq => "==".into(),
        BinOp::Ne => "!=".into(),
        BinOp::Lt => "<".into(),
        BinOp::Le => "<=".into(),
        BinOp::Gt => ">".into(),
        BinOp::Ge => ">=".into(),
        BinOp::EqCi => "=~".into(),
        BinOp::NeCi => "!~".into(),
        BinOp::And => "and".into(),
        BinOp::Or => "or".into(),
        BinOp::Str(op, neg) => format!("{}{}", if neg { "!" } else { "" }, op.name()),
    }
}

/// Binding strength, mirroring the parser: or < and < comparisons < `+ -` < `* / %` < unary < postfix.
fn binop_prec(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::And => 2,
        BinOp::Add | BinOp::Sub => 4,
        BinOp::Mul | BinOp::Div | BinOp::Mod => 5,
        _ => 3,
    }
}

fn prec(e: &Expr) -> u8 {
    match e {
        Expr::Binary(op, ..) => binop_prec(*op),
        Expr::Between { .. } | Expr::In { .. } => 3,
        Expr::Unary(..) => 6,
        _ => 7,
    }
}

/// Prints `e`, parenthesised only when it binds more loosely than `min` requires — so long
/// left-associative chains print flat and re-parse within the parser's nesting limit.
fn operand(e: &Expr, min: u8) -> String {
    if prec(e) < min { format!("({e})") } else { e.to_string() }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // Printing recurses once per nesting level, as parsing does: on a stack that cannot overflow.
        super::deep(|| self.write_to(f))
    }
}

impl Expr {
    fn write_to(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(l, _) => write!(f, "{l}"),
            Expr::Ident(n, _) => write_name(f, n),
            Expr::Star(_) => f.write_str("*"),
            Expr::Member(base, name, _) => {
                write!(f, "{}.", operand(base, 7))?;
                if is_plain_ident(name) {
                    f.write_str(name)
                } else {
                    write!(f, "[{}]", quote(name))
                }
            }
            Expr::Index(base, idx, _) => write!(f, "{}[{idx}]", operand(base, 7)),
            Expr::Call { name, args, .. } => {
                f.write_str(name)?;
                let parts: Vec<String> = args
                    .iter()
                    .map(|a| match a {
                        Expr::Tabular(p) => p.to_string(),
                        other => other.to_string(),
                    })
                    .collect();
                write!(f, "({})", parts.join(", "))
            }
            Expr::NamedArg { name, value, .. } => write!(f, "{} = {value}", name.text),
            Expr::Unary(op, inner, _) => {
                let sym = if *op == UnOp::Neg { "-" } else { "+" };
                write!(f, "{sym}{}", operand(inner, 6))
            }
            Expr::Binary(op, l, r, _) => {
                let p = binop_prec(*op);
                write!(f, "{} {} {}", operand(l, p), binop_text(*op), operand(r, p + 1))
            }
            Expr::Between { expr, lo, hi, negated, .. } => {
                write!(
                    f,
                    "{} {}between ({} .. {})",
                    operand(expr, 4),
                    if *negated { "!" } else { "" },
                    lo,
                    hi
                )
            }
            Expr::In { expr, op, list, .. } => {
                let items: Vec<String> = list
                    .iter()
                    .map(|e| match e {
                        Expr::Tabular(p) => p.to_string(),
                        other => other.to_string(),
                    })
                    .collect();
                write!(f, "{} {} ({})", operand(expr, 4), op.name(), items.join(", "))
            }
            Expr::Tabular(p) => write!(f, "({p})"),
        }
    }
}
