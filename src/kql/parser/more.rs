//! Parsing of the less common tabular operators: `find`, `search`, `top-nested`, `partition`,
//! `fork`, `facet`, `sample`, `sample-distinct`, `top-hitters`, `parse-where`, `parse-kv`,
//! `render`, `invoke` and `as` with its hint. One function per construct; each follows the
//! syntax of its page under learn.microsoft.com/kusto/query/.

use super::Parser;
use crate::kql::ast::*;
use crate::kql::error::{KqlError, Span};
use crate::kql::lexer::Tok;

impl Parser<'_> {
    /// A syntax error at `span`.
    pub(super) fn error_at<T>(&self, span: Span, message: impl Into<String>) -> Result<T, KqlError> {
        Err(KqlError::syntax(self.src, span, message))
    }

    /// Fails unless the operator just parsed ends its pipeline (`render`, `fork`, `facet`).
    fn expect_last(&self, operator: &str, why: &str) -> Result<(), KqlError> {
        if self.at_sym("|") {
            return self.error_at(self.span(), format!("`{operator}` must be the last operator of its query: {why}"));
        }
        Ok(())
    }

    /// `( operators )`, the first optionally preceded by `|`: the body of `partition`, `fork`,
    /// `facet … with`.
    fn operator_group(&mut self) -> Result<Vec<Operator>, KqlError> {
        self.expect_sym("(")?;
        self.eat_sym("|");
        let mut ops = vec![self.operator()?];
        while self.eat_sym("|") {
            ops.push(self.operator()?);
        }
        self.expect_sym(")")?;
        Ok(ops)
    }

    // ---- find and search ----

    /// After `find`: `[withsource=C] [in (tables)] where Predicate [project-smart | project …]`,
    /// or `find Predicate …` over every table.
    pub(super) fn find_spec(&mut self) -> Result<FindSpec, KqlError> {
        let with_source = if self.eat_option(&["withsource"]) {
            Some(self.ident()?)
        } else {
            None
        };
        let tables = self.in_tables()?;
        let has_where = self.eat_word("where");
        if tables.is_some() && !has_where {
            return self.error("`where` (after `find in (…)` the predicate follows `where`)");
        }
        let predicate = self.search_predicate(None)?;
        let projection = if self.eat_word("project-smart") {
            FindProjection::Smart { written: true }
        } else if self.eat_word("project") {
            self.find_columns()?
        } else {
            FindProjection::Smart { written: false }
        };
        Ok(FindSpec {
            with_source,
            tables,
            predicate,
            projection,
        })
    }

    /// `in (tables)`, if written.
    fn in_tables(&mut self) -> Result<Option<Vec<Pipeline>>, KqlError> {
        if !(self.at_word("in") && matches!(self.peek_at(1), Tok::Sym("("))) {
            return Ok(None);
        }
        self.bump();
        self.bump();
        let tables = self.table_list()?;
        self.expect_sym(")")?;
        Ok(Some(tables))
    }

    /// The list after `find … project`: `Name[:type]` items and `pack_all()`.
    fn find_columns(&mut self) -> Result<FindProjection, KqlError> {
        let mut columns = Vec::new();
        let mut pack_all = false;
        loop {
            if self.at_word("pack_all") && matches!(self.peek_at(1), Tok::Sym("(")) {
                self.bump();
                self.bump();
                self.expect_sym(")")?;
                pack_all = true;
            } else {
                let name = self.name()?;
                let ty = if self.eat_sym(":") { Some(self.type_name()?) } else { None };
                columns.push((name, ty));
            }
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(FindProjection::Columns { columns, pack_all })
    }

    /// After `search` (`source`: it starts the query, else it follows `|`):
    /// `[kind=…] [in (tables)] Predicate`.
    pub(super) fn search_spec(&mut self, source: bool) -> Result<SearchSpec, KqlError> {
        let kind = if self.eat_option(&["kind"]) {
            Some(self.keyword::<SearchKind>()?)
        } else {
            None
        };
        let at = self.span();
        let tables = self.in_tables()?;
        if tables.is_some() && !source {
            return self.error_at(
                at,
                "`search in (…)` cannot follow `|`: a piped search searches its input; start the query with it",
            );
        }
        let predicate = self.search_predicate(kind)?;
        Ok(SearchSpec { kind, tables, predicate })
    }

    /// A search predicate: a boolean expression in which a string literal standing for a
    /// condition is a term searched in every column, and `Column:"term"` one searched in a column
    /// (…/search-operator#search-predicate-syntax). Terms become the operators the docs give
    /// (`* has "t"`, `* hasprefix "t"` for `"t*"`, …), so the tree prints as plain KQL.
    fn search_predicate(&mut self, kind: Option<SearchKind>) -> Result<Expr, KqlError> {
        let saved = std::mem::replace(&mut self.search_terms, true);
        let parsed = self.expr();
        self.search_terms = saved;
        let mut e = desugar_terms(parsed?);
        if kind == Some(SearchKind::CaseSensitive) {
            case_sensitive(&mut e);
        }
        Ok(e)
    }

    /// `Column:"term"` after the column name.
    pub(super) fn column_term(&mut self, column: Expr) -> Result<Expr, KqlError> {
        self.expect_sym(":")?;
        let span = self.span();
        match self.bump().tok {
            Tok::Str(text) => Ok(term(column, &text, span)),
            _ => self.error_at(span, "a string literal after `Column:`"),
        }
    }

    // ---- top-nested, top-hitters, sample, sample-distinct ----

    /// `top-nested [N] of Expr [with others = V] by Aggregation [asc|desc], top-nested …`.
    pub(super) fn top_nested_op(&mut self) -> Result<Operator, KqlError> {
        let mut levels = vec![self.top_nested_level()?];
        while self.eat_sym(",") {
            self.expect_word("top-nested")?;
            levels.push(self.top_nested_level()?);
        }
        Ok(Operator::TopNested(levels))
    }

    fn top_nested_level(&mut self) -> Result<TopNestedLevel, KqlError> {
        let count = if self.at_word("of") { None } else { Some(self.expr()?) };
        self.expect_word("of")?;
        let expr = self.named()?;
        let others = if self.eat_word("with") {
            self.expect_word("others")?;
            self.expect_sym("=")?;
            Some(self.expr()?)
        } else {
            None
        };
        self.expect_word("by")?;
        let aggregation = self.named()?;
        let order = if self.at_word("asc") || self.at_word("desc") {
            Some(self.keyword::<SortOrder>()?)
        } else {
            None
        };
        Ok(TopNestedLevel {
            count,
            expr,
            others,
            aggregation,
            order,
        })
    }

    /// `top-hitters N of Expr [by Sum]`.
    pub(super) fn top_hitters_op(&mut self) -> Result<Operator, KqlError> {
        let count = self.expr()?;
        self.expect_word("of")?;
        let expr = self.expr()?;
        let by = if self.eat_word("by") { Some(self.expr()?) } else { None };
        Ok(Operator::TopHitters { count, expr, by })
    }

    /// `sample-distinct N of Column`.
    pub(super) fn sample_distinct_op(&mut self) -> Result<Operator, KqlError> {
        let count = self.expr()?;
        self.expect_word("of")?;
        Ok(Operator::SampleDistinct {
            count,
            column: self.name()?,
        })
    }

    // ---- partition, fork, facet, invoke, as ----

    /// `partition [hint.strategy=S] [hints] by Column ( operators )` or `… { query }`.
    pub(super) fn partition_op(&mut self) -> Result<Operator, KqlError> {
        let (mut strategy, mut hints) = (None, Vec::new());
        while let Some((key, value)) = self.hint_option()? {
            if key.eq_ignore_ascii_case("hint.strategy") {
                strategy = Some(self.word_of::<PartitionStrategy>(&value)?);
            } else {
                hints.push((key, value));
            }
        }
        self.expect_word("by")?;
        let column = self.name()?;
        let body = if self.at_sym("{") {
            if matches!(strategy, Some(PartitionStrategy::Native | PartitionStrategy::Shuffle)) {
                return self.error_at(
                    self.span(),
                    "a `{ query }` with its own source needs the legacy strategy; use `( operators )`",
                );
            }
            self.bump();
            let query = self.pipeline()?;
            self.expect_sym("}")?;
            PartitionBody::Query(Box::new(query))
        } else {
            PartitionBody::Operators(self.operator_group()?)
        };
        Ok(Operator::Partition(PartitionSpec {
            strategy,
            hints,
            column,
            body,
        }))
    }

    /// A hint's word value as a member of `K`.
    fn word_of<K: Keyword>(&self, value: &Expr) -> Result<K, KqlError> {
        let word = match value {
            Expr::Ident(w, _) => w.as_str(),
            _ => "",
        };
        K::from_word(word).map_or_else(
            || {
                self.error_at(
                    value.span(),
                    format!("unknown {} `{value}`; expected one of: {}", K::WHAT, K::words().join(", ")),
                )
            },
            Ok,
        )
    }

    /// `fork [name =] ( operators ) …`.
    pub(super) fn fork_op(&mut self) -> Result<Operator, KqlError> {
        let mut legs = Vec::new();
        loop {
            let named = matches!(self.peek(), Tok::Ident(_)) && matches!(self.peek_at(1), Tok::Sym("="));
            if !named && !self.at_sym("(") {
                break;
            }
            let name = if named {
                let n = self.ident()?;
                self.bump();
                Some(n)
            } else {
                None
            };
            legs.push(ForkLeg {
                name,
                ops: self.operator_group()?,
            });
        }
        if legs.is_empty() {
            return self.error("`(` starting a fork leg");
        }
        self.expect_last("fork", "its legs are separate result tables")?;
        Ok(Operator::Fork(legs))
    }

    /// `facet by C1, C2 [with ( operators )]`.
    pub(super) fn facet_op(&mut self) -> Result<Operator, KqlError> {
        self.expect_word("by")?;
        let columns = self.comma_separated(Self::name)?;
        let with = if self.eat_word("with") {
            self.operator_group()?
        } else {
            Vec::new()
        };
        self.expect_last("facet", "its result tables cannot be referenced by further operators")?;
        Ok(Operator::Facet(FacetSpec { columns, with }))
    }

    /// `invoke function(args)`.
    pub(super) fn invoke_op(&mut self) -> Result<Operator, KqlError> {
        let name = self.name()?;
        self.expect_sym("(")?;
        let args = self.list_until(")", Self::pipeline_expr)?;
        self.expect_sym(")")?;
        Ok(Operator::Invoke { name, args })
    }

    /// `as [hint.materialized=true|false] Name`.
    pub(super) fn as_op(&mut self) -> Result<Operator, KqlError> {
        let mut materialized = None;
        while let Some((key, value)) = self.hint_option()? {
            let flag = match &value {
                Expr::Ident(w, _) if w.eq_ignore_ascii_case("true") => Some(true),
                Expr::Ident(w, _) if w.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            };
            match (key.eq_ignore_ascii_case("hint.materialized"), flag) {
                (true, Some(b)) => materialized = Some(b),
                (true, None) => return self.error_at(value.span(), "`hint.materialized` takes `true` or `false`"),
                (false, _) => {
                    return self.error_at(
                        value.span(),
                        format!("unknown `as` hint `{key}`; `as` takes only hint.materialized=true|false"),
                    );
                }
            }
        }
        Ok(Operator::As {
            name: self.ident()?,
            materialized,
        })
    }

    // ---- parse-where, parse-kv, render ----

    /// `parse-where [kind=simple|regex [flags=F]] Expr with pattern`.
    pub(super) fn parse_where_op(&mut self) -> Result<Operator, KqlError> {
        let mut kind = None;
        let mut flags = None;
        loop {
            if self.eat_option(&["kind"]) {
                let span = self.span();
                let k = self.keyword::<ParseKind>()?;
                if k == ParseKind::Relaxed {
                    return self.error_at(span, "parse-where takes kind=simple or kind=regex");
                }
                kind = Some(k);
            } else if self.eat_option(&["flags"]) {
                let span = self.span();
                let f = self.ident()?;
                if !f.chars().all(|c| "imsU".contains(c)) {
                    return self.error_at(span, format!("unknown regex flags `{f}`; flags are i, m, s and U"));
                }
                flags = Some(f);
            } else {
                break;
            }
        }
        if flags.is_some() && kind != Some(ParseKind::Regex) {
            return self.error("`kind=regex` before `flags=` (flags apply to regex patterns)");
        }
        let expr = self.expr()?;
        let pattern = self.parse_pattern()?;
        Ok(Operator::ParseWhere {
            kind,
            flags,
            expr,
            pattern,
        })
    }

    /// `parse-kv Expr as (Key:type, …) [with (option = value, …)]`.
    pub(super) fn parse_kv_op(&mut self) -> Result<Operator, KqlError> {
        let expr = self.expr()?;
        self.expect_word("as")?;
        self.expect_sym("(")?;
        let keys = self.typed_columns()?;
        self.expect_sym(")")?;
        if keys.is_empty() {
            return self.error("a `Key:type` to extract");
        }
        let start = self.span();
        let options = if self.eat_word("with") {
            self.expect_sym("(")?;
            let mut options = ParseKvOptions::default();
            self.list_until(")", |p| p.parse_kv_option(&mut options))?;
            self.expect_sym(")")?;
            options
        } else {
            ParseKvOptions::default()
        };
        self.check_parse_kv(&options, start.to(self.prev_span()))?;
        Ok(Operator::ParseKv(ParseKvSpec { expr, keys, options }))
    }

    fn parse_kv_option(&mut self, options: &mut ParseKvOptions) -> Result<(), KqlError> {
        const NAMES: &[&str] = &["pair_delimiter", "kv_delimiter", "quote", "escape", "greedy", "regex"];
        let span = self.span();
        let name = self.ident()?.to_ascii_lowercase();
        self.expect_sym("=")?;
        if name == "greedy" {
            options.greedy = Some(self.bool_value()?);
            return Ok(());
        }
        let value_span = self.span();
        let text = match self.bump().tok {
            Tok::Str(s) => s,
            _ => return self.error_at(value_span, format!("`{name}` takes a string literal")),
        };
        match name.as_str() {
            "pair_delimiter" => options.pair_delimiter = Some(text),
            "kv_delimiter" => options.kv_delimiter = Some(text),
            "quote" if (1..=2).contains(&text.chars().count()) => options.quotes.push(text),
            "quote" => return self.error_at(value_span, "`quote` takes one or two characters (opening and closing)"),
            "escape" if text.chars().count() == 1 => options.escapes.push(text),
            "escape" => return self.error_at(value_span, "`escape` takes one character"),
            "regex" => options.regex = Some(text),
            _ => {
                return self.error_at(
                    span,
                    format!("unknown parse-kv option `{name}`; expected one of: {}", NAMES.join(", ")),
                );
            }
        }
        Ok(())
    }

    /// The option combinations the three modes of parse-kv allow (…/parse-kv-operator#syntax).
    fn check_parse_kv(&self, o: &ParseKvOptions, span: Span) -> Result<(), KqlError> {
        let delimited = o.pair_delimiter.is_some() || o.kv_delimiter.is_some();
        if o.pair_delimiter.is_some() != o.kv_delimiter.is_some() {
            return self.error_at(span, "parse-kv needs both `pair_delimiter` and `kv_delimiter`, or neither");
        }
        if o.pair_delimiter.as_deref() == Some("") || o.kv_delimiter.as_deref() == Some("") {
            return self.error_at(span, "parse-kv delimiters cannot be empty");
        }
        if o.regex.is_some() && (delimited || !o.quotes.is_empty() || !o.escapes.is_empty() || o.greedy.is_some()) {
            return self.error_at(span, "parse-kv `regex` takes no other option");
        }
        if o.greedy.is_some() && !delimited {
            return self.error_at(span, "parse-kv `greedy` needs `pair_delimiter` and `kv_delimiter`");
        }
        if !o.escapes.is_empty() && o.quotes.is_empty() {
            return self.error_at(span, "parse-kv `escape` needs a `quote`");
        }
        Ok(())
    }

    /// `render Visualization [with (property = value, …)]`.
    pub(super) fn render_op(&mut self) -> Result<Operator, KqlError> {
        let visualization = self.keyword::<Visualization>()?;
        let mut properties = Vec::new();
        if self.eat_word("with") {
            self.expect_sym("(")?;
            properties = self.list_until(")", Self::render_property)?;
            self.expect_sym(")")?;
        }
        self.expect_last("render", "it only annotates the result for a chart")?;
        Ok(Operator::Render(RenderSpec { visualization, properties }))
    }

    fn render_property(&mut self) -> Result<(RenderProperty, RenderValue), KqlError> {
        let property = self.keyword::<RenderProperty>()?;
        self.expect_sym("=")?;
        let span = self.span();
        let value = match property.value_kind() {
            RenderValueKind::Words(words) => {
                let w = self.ident()?.to_ascii_lowercase();
                if !words.contains(&w.as_str()) {
                    let what = property.word();
                    return self.error_at(span, format!("unknown `{what}` value `{w}`; expected one of: {}", words.join(", ")));
                }
                RenderValue::Word(w)
            }
            RenderValueKind::Bool => {
                let b = self.bool_value()?;
                RenderValue::Value(Expr::Literal(Literal::Bool(b), span))
            }
            RenderValueKind::Number => {
                let e = self.unary()?;
                let numeric = |e: &Expr| matches!(e, Expr::Literal(Literal::Long(_) | Literal::Real(_), _));
                if !(numeric(&e) || matches!(&e, Expr::Unary(_, x, _) if numeric(x))) {
                    return self.error_at(e.span(), format!("`{}` takes a number", property.word()));
                }
                RenderValue::Value(e)
            }
            RenderValueKind::Text => match self.primary()? {
                e @ Expr::Literal(Literal::String(_), _) => RenderValue::Value(e),
                e => return self.error_at(e.span(), format!("`{}` takes a string literal", property.word())),
            },
            RenderValueKind::Column => RenderValue::Columns(vec![self.name()?]),
            RenderValueKind::ColumnList => {
                let mut names = vec![self.name()?];
                // `ycolumns=A, B, title="…"`: the list runs until the next `property =`.
                while self.at_sym(",") && !matches!(self.peek_at(2), Tok::Sym("=")) {
                    self.bump();
                    names.push(self.name()?);
                }
                RenderValue::Columns(names)
            }
        };
        Ok((property, value))
    }
}

/// Replaces the string literals of `e` that stand for conditions (the whole predicate, operands
/// of `and`/`or`/`not()`) by term searches over every column.
fn desugar_terms(e: Expr) -> Expr {
    match e {
        Expr::Literal(Literal::String(text), span) => term(Expr::Star(span), &text, span),
        // `search *`: every row (…/search-operator, example 9).
        Expr::Star(span) => Expr::Literal(Literal::Bool(true), span),
        Expr::Binary(op @ (BinOp::And | BinOp::Or), l, r, span) => {
            Expr::Binary(op, Box::new(desugar_terms(*l)), Box::new(desugar_terms(*r)), span)
        }
        Expr::Call { name, args, span } if name == "not" => Expr::Call {
            name,
            args: args.into_iter().map(desugar_terms).collect(),
            span,
        },
        other => other,
    }
}

/// A term search of `column` (`*`: every column): `t` is `has`, `*t` `hassuffix`, `t*`
/// `hasprefix`, `*t*` `contains`, and a `*` inside the term a regex over whole terms — the
/// docs' equivalent for `"bi*lg"` is `matches regex @"\bbi.*lg\b"`, case-sensitive as every regex.
fn term(column: Expr, text: &str, span: Span) -> Expr {
    let lit = |s: String| Box::new(Expr::Literal(Literal::String(s), span));
    let inner = text.trim_matches('*');
    if inner.is_empty() {
        return Expr::Literal(Literal::Bool(true), span);
    }
    let (lead, trail) = (text.starts_with('*'), text.ends_with('*'));
    let op = if inner.contains('*') {
        let body: Vec<String> = inner.split('*').map(regex::escape).collect();
        let pattern = format!(
            "{}{}{}",
            if lead { "" } else { r"\b" },
            body.join(".*"),
            if trail { "" } else { r"\b" }
        );
        return Expr::Binary(BinOp::Str(StrOp::MatchesRegex, false), Box::new(column), lit(pattern), span);
    } else {
        match (lead, trail) {
            (false, false) => StrOp::Has,
            (true, false) => StrOp::HasSuffix,
            (false, true) => StrOp::HasPrefix,
            (true, true) => StrOp::Contains,
        }
    };
    Expr::Binary(BinOp::Str(op, false), Box::new(column), lit(inner.to_owned()), span)
}

/// `kind=case_sensitive`: every case-insensitive string operator becomes its `_cs` form.
fn case_sensitive(e: &mut Expr) {
    match e {
        Expr::Binary(BinOp::Str(op, _), l, r, _) => {
            *op = match *op {
                StrOp::Has => StrOp::HasCs,
                StrOp::HasPrefix => StrOp::HasPrefixCs,
                StrOp::HasSuffix => StrOp::HasSuffixCs,
                StrOp::Contains => StrOp::ContainsCs,
                StrOp::StartsWith => StrOp::StartsWithCs,
                StrOp::EndsWith => StrOp::EndsWithCs,
                other => other,
            };
            case_sensitive(l);
            case_sensitive(r);
        }
        Expr::Binary(_, l, r, _) => {
            case_sensitive(l);
            case_sensitive(r);
        }
        Expr::Unary(_, x, _) => case_sensitive(x),
        Expr::Call { args, .. } => args.iter_mut().for_each(case_sensitive),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op_of(text: &str) -> (String, String) {
        match term(Expr::Star(Span::new(0, 0)), text, Span::new(0, 0)) {
            Expr::Binary(BinOp::Str(op, _), _, r, _) => (op.name().to_owned(), r.to_string()),
            other => (String::new(), other.to_string()),
        }
    }

    // learn.microsoft.com/kusto/query/search-operator#search-predicate-syntax
    #[test]
    fn wildcards_pick_the_documented_operator() {
        assert_eq!(op_of("billg"), ("has".into(), "\"billg\"".into()));
        assert_eq!(op_of("*billg"), ("hassuffix".into(), "\"billg\"".into()));
        assert_eq!(op_of("billg*"), ("hasprefix".into(), "\"billg\"".into()));
        assert_eq!(op_of("*billg*"), ("contains".into(), "\"billg\"".into()));
        assert_eq!(op_of("Lab*PC"), ("matches regex".into(), r#""\\bLab.*PC\\b""#.into()));
    }
}
