//! Recursive-descent parser: tokens → [`Script`].
//!
//! Precedence, lowest first: `or`, `and`, comparisons and string/`in`/`between` operators, `+ -`,
//! `* / %`, unary, postfix (`.prop`, `[i]`, calls).

use super::ast::*;
use super::error::{KqlError, Span};
use super::lexer::{Tok, Token, lex};
use super::value::{KqlType, parse_datetime, parse_timespan};

mod more;
mod operators;
mod plugins;
mod scan;
mod series;

/// The `(name: type, …)` columns and `[expr, …]` values of `datatable` and `externaldata`.
type SchemaAndValues = (Vec<(String, KqlType)>, Vec<Expr>);

/// Every tabular operator of KQL the parser knows: its names (the documented one first) and
/// whether tenantless runs it.
pub fn tabular_operators() -> impl Iterator<Item = (&'static [&'static str], bool)> {
    operators::OPERATORS.iter().map(|op| (op.names, op.supported()))
}

/// Parses a whole query text.
pub fn parse(src: &str) -> Result<Script, KqlError> {
    Parser::new(src)?.script()
}

/// A parameter list, `(name: type [= default], …)`, on its own (a stored function's declared
/// parameters).
pub fn parse_params(src: &str) -> Result<Vec<Param>, KqlError> {
    let mut p = Parser::new(src)?;
    let params = p.params()?;
    p.expect_end()?;
    Ok(params)
}

/// A function body on its own: `let` statements, then the result expression (a stored
/// function's query).
pub fn parse_body(src: &str) -> Result<Vec<Statement>, KqlError> {
    let mut p = Parser::new(src)?;
    let body = p.statements(true)?;
    p.expect_end()?;
    Ok(body)
}

const MAX_DEPTH: usize = 500;

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Inside a `search`/`find` predicate, where `Column:"term"` is a term search.
    search_terms: bool,
}

fn is_word(tok: &Tok, word: &str) -> bool {
    matches!(tok, Tok::Ident(w) if w.eq_ignore_ascii_case(word))
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos.min(self.tokens.len() - 1)].tok
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.tokens[(self.pos + n).min(self.tokens.len() - 1)].tok
    }

    fn span(&self) -> Span {
        self.tokens[self.pos.min(self.tokens.len() - 1)].span
    }

    fn prev_span(&self) -> Span {
        self.tokens[self.pos.saturating_sub(1).min(self.tokens.len() - 1)].span
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn error<T>(&self, expected: &str) -> Result<T, KqlError> {
        let found = self.peek().describe();
        Err(KqlError::syntax(
            self.src,
            self.span(),
            format!("expected {expected}, found {found}"),
        ))
    }

    fn at_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }

    fn at_word(&self, w: &str) -> bool {
        is_word(self.peek(), w)
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        if self.at_sym(s) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.at_word(w) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), KqlError> {
        if self.eat_sym(s) { Ok(()) } else { self.error(&format!("`{s}`")) }
    }

    fn expect_word(&mut self, w: &str) -> Result<(), KqlError> {
        if self.eat_word(w) { Ok(()) } else { self.error(&format!("`{w}`")) }
    }

    /// `true` or `false`, as an option's value.
    fn bool_value(&mut self) -> Result<bool, KqlError> {
        match self.peek() {
            Tok::Ident(w) if w.eq_ignore_ascii_case("true") => {
                self.bump();
                Ok(true)
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("false") => {
                self.bump();
                Ok(false)
            }
            _ => self.error("`true` or `false`"),
        }
    }

    /// An identifier with where it was written.
    fn name(&mut self) -> Result<Name, KqlError> {
        let start = self.span();
        let text = self.ident()?;
        Ok(Name::new(text, start.to(self.prev_span())))
    }

    /// A word of the closed set `K` (`kind=` values, `asc`/`desc`, …); any other word is an error
    /// at it listing the valid ones.
    fn keyword<K: Keyword>(&mut self) -> Result<K, KqlError> {
        let span = self.span();
        let word = self.ident()?;
        K::from_word(&word).ok_or_else(|| {
            let words = K::words();
            let hint = super::error::suggest(&word, words.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            KqlError::syntax(
                self.src,
                span,
                format!("unknown {} `{word}`; {hint}expected one of: {}", K::WHAT, words.join(", ")),
            )
        })
    }

    /// `option=` at the cursor (one of `names`, case-insensitive): consumes it and the `=`.
    fn eat_option(&mut self, names: &[&str]) -> bool {
        let found = matches!(self.peek(), Tok::Ident(w) if names.iter().any(|n| w.eq_ignore_ascii_case(n)))
            && matches!(self.peek_at(1), Tok::Sym("="));
        if found {
            self.bump();
            self.bump();
        }
        found
    }

    /// An identifier, or a bracket-quoted name `['name']`.
    fn ident(&mut self) -> Result<String, KqlError> {
        match self.peek().clone() {
            Tok::Ident(w) if !w.starts_with('!') => {
                self.bump();
                Ok(w)
            }
            Tok::Sym("[") if matches!(self.peek_at(1), Tok::Str(_)) && matches!(self.peek_at(2), Tok::Sym("]")) => {
                self.bump();
                let name = match self.bump().tok {
                    Tok::Str(s) => s,
                    _ => String::new(),
                };
                self.bump();
                Ok(name)
            }
            _ => self.error("a name"),
        }
    }

    fn enter(&mut self) -> Result<(), KqlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(KqlError::syntax(self.src, self.span(), "query nests too deeply"));
        }
        Ok(())
    }

    fn new(src: &'a str) -> Result<Parser<'a>, KqlError> {
        Ok(Parser {
            src,
            tokens: lex(src)?,
            pos: 0,
            depth: 0,
            search_terms: false,
        })
    }

    fn script(&mut self) -> Result<Script, KqlError> {
        let statements = self.statements(true)?;
        self.expect_end()?;
        Ok(Script { statements })
    }

    fn expect_end(&mut self) -> Result<(), KqlError> {
        if !matches!(self.peek(), Tok::Eof) {
            return self.error("`;` or `|` or end of query");
        }
        Ok(())
    }

    /// Statements separated by `;` until end of input (top level) or `}` (function body).
    fn statements(&mut self, top: bool) -> Result<Vec<Statement>, KqlError> {
        let mut out = Vec::new();
        loop {
            while self.eat_sym(";") {}
            if matches!(self.peek(), Tok::Eof) || (!top && self.at_sym("}")) {
                break;
            }
            out.push(self.statement()?);
            if !self.eat_sym(";") {
                break;
            }
        }
        Ok(out)
    }

    fn statement(&mut self) -> Result<Statement, KqlError> {
        if self.at_word("let") {
            let start = self.span();
            self.bump();
            let name = self.ident()?;
            self.expect_sym("=")?;
            let value = if self.at_function_def() {
                LetValue::Function(self.function_def()?)
            } else {
                LetValue::Pipeline(Box::new(self.pipeline()?))
            };
            return Ok(Statement::Let {
                name,
                value,
                span: start.to(self.prev_span()),
            });
        }
        if self.at_word("set") || self.at_word("declare") || self.at_word("alias") || self.at_word("pattern") {
            let word = format!("`{}` statements", self.peek().describe().trim_matches('`'));
            return Err(KqlError::Unsupported(word));
        }
        Ok(Statement::Query(self.pipeline()?))
    }

    fn at_function_def(&self) -> bool {
        if self.at_word("view") && matches!(self.peek_at(1), Tok::Sym("(")) {
            return true;
        }
        if !self.at_sym("(") {
            return false;
        }
        match self.peek_at(1) {
            Tok::Sym(")") => matches!(self.peek_at(2), Tok::Sym("{")),
            Tok::Ident(_) => matches!(self.peek_at(2), Tok::Sym(":")),
            _ => false,
        }
    }

    fn function_def(&mut self) -> Result<FunctionDef, KqlError> {
        let view = self.eat_word("view");
        let params = self.params()?;
        self.expect_sym("{")?;
        let body = self.statements(false)?;
        self.expect_sym("}")?;
        Ok(FunctionDef {
            view,
            params,
            body,
            origin: None,
        })
    }

    /// `(name: type [= default], …)`: a function's parameter list.
    fn params(&mut self) -> Result<Vec<Param>, KqlError> {
        self.expect_sym("(")?;
        let mut params = Vec::new();
        while !self.at_sym(")") {
            let name = self.ident()?;
            self.expect_sym(":")?;
            let ty = if self.eat_sym("(") {
                let cols = if self.eat_sym("*") { Vec::new() } else { self.typed_columns()? };
                self.expect_sym(")")?;
                ParamType::Tabular(cols)
            } else {
                ParamType::Scalar(self.type_name()?)
            };
            let default = if self.eat_sym("=") { Some(self.expr()?) } else { None };
            params.push(Param { name, ty, default });
            if !self.eat_sym(",") {
                break;
            }
        }
        self.expect_sym(")")?;
        Ok(params)
    }

    /// `(name: type, …) [expr, …]`, after `datatable` or `externaldata`.
    fn schema_and_values(&mut self) -> Result<SchemaAndValues, KqlError> {
        self.expect_sym("(")?;
        let columns = self.typed_columns()?;
        self.expect_sym(")")?;
        self.expect_sym("[")?;
        let values = self.list_until("]", Self::expr)?;
        self.expect_sym("]")?;
        Ok((columns, values))
    }

    /// `externaldata (columns) [uris] [with (properties)]`.
    fn external_data(&mut self) -> Result<Source, KqlError> {
        self.bump();
        let (columns, uris) = self.schema_and_values()?;
        let mut properties = Vec::new();
        if self.eat_word("with") {
            self.expect_sym("(")?;
            properties = self.list_until(")", |p| {
                let name = p.ident()?;
                p.expect_sym("=")?;
                Ok((name, p.primary()?))
            })?;
            self.expect_sym(")")?;
        }
        Ok(Source::ExternalData { columns, uris, properties })
    }

    /// `name: type, …` up to (not including) the closing `)`.
    fn typed_columns(&mut self) -> Result<Vec<(String, KqlType)>, KqlError> {
        let mut columns = Vec::new();
        while !self.at_sym(")") {
            let c = self.ident()?;
            self.expect_sym(":")?;
            columns.push((c, self.type_name()?));
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(columns)
    }

    fn type_name(&mut self) -> Result<KqlType, KqlError> {
        let span = self.span();
        let name = self.ident()?;
        KqlType::parse(&name).ok_or_else(|| KqlError::syntax(self.src, span, format!("expected a type name, found `{name}`")))
    }

    /// A source and its operators.
    fn pipeline(&mut self) -> Result<Pipeline, KqlError> {
        super::deep(|| self.pipeline_at_depth())
    }

    fn pipeline_at_depth(&mut self) -> Result<Pipeline, KqlError> {
        self.enter()?;
        // A subquery inside a search predicate is ordinary KQL again.
        let search_terms = std::mem::replace(&mut self.search_terms, false);
        let start = self.span();
        let source = self.source()?;
        let mut ops = Vec::new();
        let mut op_spans = Vec::new();
        while self.eat_sym("|") {
            op_spans.push(self.span());
            ops.push(self.operator()?);
        }
        self.depth -= 1;
        self.search_terms = search_terms;
        Ok(Pipeline {
            source,
            ops,
            span: start.to(self.prev_span()),
            op_spans,
        })
    }

    /// A pipeline used where an expression is expected: a bare expression stays an expression.
    fn pipeline_expr(&mut self) -> Result<Expr, KqlError> {
        let p = self.pipeline()?;
        Ok(match p {
            Pipeline {
                source: Source::Expr(e),
                ops,
                ..
            } if ops.is_empty() => e,
            other => Expr::Tabular(Box::new(other)),
        })
    }

    fn source(&mut self) -> Result<Source, KqlError> {
        let is_call = matches!(self.peek_at(1), Tok::Sym("("));
        if self.at_word("datatable") {
            self.bump();
            let (columns, values) = self.schema_and_values()?;
            return Ok(Source::Datatable { columns, values });
        }
        if self.at_word("print") {
            self.bump();
            return Ok(Source::Print(self.named_list()?));
        }
        if self.at_word("union") {
            self.bump();
            return Ok(Source::Union(self.union_spec()?));
        }
        if self.at_word("range") && !is_call {
            self.bump();
            let name = self.ident()?;
            self.expect_word("from")?;
            let from = self.expr()?;
            self.expect_word("to")?;
            let to = self.expr()?;
            self.expect_word("step")?;
            let step = self.expr()?;
            return Ok(Source::Range { name, from, to, step });
        }
        if self.at_word("externaldata") {
            return self.external_data();
        }
        if self.at_word("find") && !is_call {
            self.bump();
            return Ok(Source::Find(self.find_spec()?));
        }
        if self.at_word("search") && !is_call {
            self.bump();
            return Ok(Source::Search(self.search_spec(true)?));
        }
        if self.at_word("evaluate") && !is_call {
            return Err(KqlError::Unsupported(self.peek().describe()));
        }
        Ok(Source::Expr(self.expr()?))
    }

    fn union_spec(&mut self) -> Result<UnionSpec, KqlError> {
        let (mut kind, mut is_fuzzy, mut with_source, mut hints) = (None, None, None, Vec::new());
        loop {
            if self.eat_option(&["kind"]) {
                kind = Some(self.keyword::<UnionKind>()?);
            } else if self.eat_option(&["isfuzzy"]) {
                is_fuzzy = Some(self.bool_value()?);
            } else if self.eat_option(&["withsource"]) {
                with_source = Some(self.ident()?);
            } else if let Some(hint) = self.hint_option()? {
                hints.push(hint);
            } else {
                break;
            }
        }
        let tables = self.table_list()?;
        Ok(UnionSpec {
            kind,
            is_fuzzy,
            hints,
            with_source,
            tables,
        })
    }

    /// The inputs of `union` (and of `find in (…)`, `search in (…)`): parenthesised pipelines,
    /// table names and wildcard names, separated by commas.
    fn table_list(&mut self) -> Result<Vec<Pipeline>, KqlError> {
        let mut tables = Vec::new();
        loop {
            let start = self.span();
            let wildcard = self.at_sym("*") || matches!((self.peek(), self.peek_at(1)), (Tok::Ident(_), Tok::Sym("*")));
            if self.at_sym("(") {
                self.bump();
                let p = self.pipeline()?;
                self.expect_sym(")")?;
                tables.push(p);
            } else if wildcard {
                // `union *`, `union AAD*SignInLogs`: every table whose name matches.
                let pattern = self.pattern()?;
                tables.push(Pipeline {
                    source: Source::TableGlob(pattern),
                    ops: vec![],
                    span: start.to(self.prev_span()),
                    op_spans: vec![],
                });
            } else {
                let e = self.postfix()?;
                tables.push(Pipeline {
                    source: Source::Expr(e),
                    ops: vec![],
                    span: start.to(self.prev_span()),
                    op_spans: vec![],
                });
            }
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(tables)
    }

    /// `[name =] expr, …`
    fn named_list(&mut self) -> Result<Vec<NamedExpr>, KqlError> {
        self.comma_separated(Self::named)
    }

    fn named(&mut self) -> Result<NamedExpr, KqlError> {
        let is_assign = matches!(self.peek(), Tok::Ident(w) if !w.starts_with('!')) && matches!(self.peek_at(1), Tok::Sym("="))
            || (matches!(self.peek(), Tok::Sym("["))
                && matches!(self.peek_at(1), Tok::Str(_))
                && matches!(self.peek_at(2), Tok::Sym("]"))
                && matches!(self.peek_at(3), Tok::Sym("=")));
        if is_assign {
            let name = self.ident()?;
            self.expect_sym("=")?;
            return Ok(NamedExpr {
                name: Some(name),
                expr: self.expr()?,
                names: Vec::new(),
            });
        }
        Ok(NamedExpr {
            name: None,
            expr: self.expr()?,
            names: Vec::new(),
        })
    }

    /// Column name patterns with `*` wildcards (`project-away Foo*, Bar`).
    fn patterns(&mut self) -> Result<Vec<Name>, KqlError> {
        self.comma_separated(Self::pattern)
    }

    /// A column name or wildcard pattern (`Foo*`, `*Id`, `['a b']`), from adjacent tokens.
    fn pattern(&mut self) -> Result<Name, KqlError> {
        let start = self.span();
        let mut pat = String::new();
        loop {
            match self.peek().clone() {
                Tok::Sym("*") => {
                    self.bump();
                    pat.push('*');
                }
                Tok::Ident(w) if !w.starts_with('!') => {
                    // Adjacent tokens only: `Foo*` but not `Foo Bar`.
                    if !pat.is_empty() && !pat.ends_with('*') {
                        break;
                    }
                    self.bump();
                    pat.push_str(&w);
                }
                Tok::Long(v) if pat.ends_with('*') || !pat.is_empty() => {
                    self.bump();
                    pat.push_str(&v.to_string());
                }
                Tok::Sym("[") if pat.is_empty() => {
                    pat = self.ident()?;
                    break;
                }
                _ => break,
            }
        }
        if pat.is_empty() {
            return self.error("a column name or pattern");
        }
        Ok(Name::new(pat, start.to(self.prev_span())))
    }

    fn sort_key(&mut self) -> Result<SortKey, KqlError> {
        let expr = self.expr()?;
        let order = if self.at_word("asc") || self.at_word("desc") {
            Some(self.keyword::<SortOrder>()?)
        } else {
            None
        };
        let nulls = if self.eat_word("nulls") {
            Some(self.keyword::<NullsPlacement>()?)
        } else {
            None
        };
        Ok(SortKey { expr, order, nulls })
    }

    /// `project-rename New = Old, …`.
    fn project_rename_op(&mut self) -> Result<Operator, KqlError> {
        let pairs = self.comma_separated(|p| {
            let new = p.name()?;
            p.expect_sym("=")?;
            Ok((new, p.name()?))
        })?;
        Ok(Operator::ProjectRename(pairs))
    }

    /// `mv-apply … on ( | op | … )`.
    fn mv_apply_op(&mut self) -> Result<Operator, KqlError> {
        let expand = self.mv_expand_spec()?;
        self.expect_word("on")?;
        self.expect_sym("(")?;
        self.eat_sym("|");
        let mut body = vec![self.operator()?];
        while self.eat_sym("|") {
            body.push(self.operator()?);
        }
        self.expect_sym(")")?;
        Ok(Operator::MvApply { expand, body })
    }

    /// `parse [kind=…] expr with pattern`.
    fn parse_op(&mut self) -> Result<Operator, KqlError> {
        let kind = if self.eat_option(&["kind"]) {
            Some(self.keyword::<ParseKind>()?)
        } else {
            None
        };
        let expr = self.expr()?;
        let pattern = self.parse_pattern()?;
        Ok(Operator::Parse { kind, expr, pattern })
    }

    /// `with` and the pattern of `parse` and `parse-where`: literals, `*` and `Name[:type]` captures.
    fn parse_pattern(&mut self) -> Result<Vec<ParsePart>, KqlError> {
        self.expect_word("with")?;
        let mut pattern = Vec::new();
        loop {
            match self.peek().clone() {
                Tok::Sym("*") => {
                    self.bump();
                    pattern.push(ParsePart::Star);
                }
                Tok::Str(s) => {
                    self.bump();
                    pattern.push(ParsePart::Literal(s));
                }
                Tok::Ident(_) => {
                    let c = self.ident()?;
                    let ty = if self.eat_sym(":") { Some(self.type_name()?) } else { None };
                    pattern.push(ParsePart::Column(c, ty));
                }
                _ => break,
            }
        }
        if pattern.is_empty() {
            return self.error("a parse pattern");
        }
        Ok(pattern)
    }

    /// One or more items parsed by `item`, separated by commas.
    fn comma_separated<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T, KqlError>) -> Result<Vec<T>, KqlError> {
        let mut items = vec![item(self)?];
        while self.eat_sym(",") {
            items.push(item(self)?);
        }
        Ok(items)
    }

    /// `hint.name = value` at the cursor, kept as (`hint.name`, value); `None` when there is none.
    fn hint_option(&mut self) -> Result<Option<(String, Expr)>, KqlError> {
        if !(self.at_word("hint") && matches!(self.peek_at(1), Tok::Sym("."))) {
            return Ok(None);
        }
        self.bump();
        self.bump();
        let key = format!("hint.{}", self.ident()?);
        self.expect_sym("=")?;
        // A word value stays a word: `hint.strategy=broadcast (T)` is not a call of `broadcast`.
        let value = match self.peek().clone() {
            Tok::Ident(word) => {
                let span = self.span();
                self.bump();
                Expr::Ident(word, span)
            }
            _ => self.primary()?,
        };
        Ok(Some((key, value)))
    }

    /// Items parsed by `item`, separated by commas, up to (not including) the closing symbol `close`;
    /// a trailing comma before `close` is accepted.
    fn list_until<T>(&mut self, close: &str, mut item: impl FnMut(&mut Self) -> Result<T, KqlError>) -> Result<Vec<T>, KqlError> {
        let mut items = Vec::new();
        while !self.at_sym(close) {
            items.push(item(self)?);
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(items)
    }

    /// Skips `hint.x = y` options (they only tune performance in Kusto).
    fn skip_hints(&mut self) -> Result<(), KqlError> {
        while self.hint_option()?.is_some() {}
        Ok(())
    }

    /// `join` (`lookup`: false) or `lookup` (true) after the operator name.
    fn join(&mut self, lookup: bool) -> Result<JoinSpec, KqlError> {
        let mut kind = None;
        let mut hints = Vec::new();
        loop {
            if self.eat_option(&["kind"]) {
                kind = Some(if lookup {
                    self.keyword::<LookupKind>()?.into()
                } else {
                    self.keyword::<JoinKind>()?
                });
            } else if let Some(hint) = self.hint_option()? {
                hints.push(hint);
            } else {
                break;
            }
        }
        let start = self.span();
        let right = if self.eat_sym("(") {
            let p = self.pipeline()?;
            self.expect_sym(")")?;
            p
        } else {
            let e = self.postfix()?;
            Pipeline {
                source: Source::Expr(e),
                ops: vec![],
                span: start.to(self.prev_span()),
                op_spans: vec![],
            }
        };
        self.expect_word("on")?;
        let mut on = Vec::new();
        for e in self.comma_separated(Self::expr)? {
            self.join_conditions(e, &mut on)?;
        }
        Ok(JoinSpec {
            kind,
            hints,
            right: Box::new(right),
            on,
        })
    }

    fn join_conditions(&self, e: Expr, out: &mut Vec<JoinCond>) -> Result<(), KqlError> {
        match e {
            Expr::Binary(BinOp::And, l, r, _) => {
                self.join_conditions(*l, out)?;
                self.join_conditions(*r, out)
            }
            Expr::Ident(name, span) => {
                out.push(JoinCond::Column(Name::new(name, span)));
                Ok(())
            }
            Expr::Binary(BinOp::Eq, l, r, span) => {
                let side = |e: &Expr| match e {
                    Expr::Member(base, col, span) => match base.as_ref() {
                        Expr::Ident(s, _) if s == "$left" => Some((true, Name::new(col.clone(), *span))),
                        Expr::Ident(s, _) if s == "$right" => Some((false, Name::new(col.clone(), *span))),
                        _ => None,
                    },
                    _ => None,
                };
                match (side(&l), side(&r)) {
                    (Some((true, a)), Some((false, b))) | (Some((false, b)), Some((true, a))) => {
                        out.push(JoinCond::Eq { left: a, right: b });
                        Ok(())
                    }
                    _ => Err(KqlError::syntax(
                        self.src,
                        span,
                        "join condition must be `Col` or `$left.A == $right.B`",
                    )),
                }
            }
            other => Err(KqlError::syntax(
                self.src,
                other.span(),
                "join condition must be `Col` or `$left.A == $right.B`",
            )),
        }
    }

    fn mv_expand_spec(&mut self) -> Result<MvExpandSpec, KqlError> {
        let mut kind = None;
        let mut item_index = None;
        loop {
            if self.eat_option(&["kind", "bagexpansion"]) {
                kind = Some(self.keyword::<MvExpandKind>()?);
            } else if self.at_word("with_itemindex") && matches!(self.peek_at(1), Tok::Sym("=")) {
                self.bump();
                self.bump();
                item_index = Some(self.ident()?);
            } else {
                break;
            }
        }
        let items = self.comma_separated(|p| {
            let NamedExpr { name, expr, .. } = p.named()?;
            let to_type = if p.eat_word("to") {
                p.expect_word("typeof")?;
                p.expect_sym("(")?;
                let t = p.type_name()?;
                p.expect_sym(")")?;
                Some(t)
            } else {
                None
            };
            Ok(MvItem { name, expr, to_type })
        })?;
        let limit = if self.eat_word("limit") { Some(self.expr()?) } else { None };
        Ok(MvExpandSpec {
            kind,
            item_index,
            items,
            limit,
        })
    }

    // ---- expressions ----

    /// A scalar expression.
    pub(crate) fn expr(&mut self) -> Result<Expr, KqlError> {
        super::deep(|| {
            self.enter()?;
            let e = self.or_expr();
            self.depth -= 1;
            e
        })
    }

    /// One left-associative level of binary operators: operands parsed by `operand`, operators
    /// recognised by `op`. Long operator chains nest as deeply as parentheses do, so they count
    /// against the same depth limit.
    fn binary_level(&mut self, operand: fn(&mut Self) -> Result<Expr, KqlError>, op: fn(&Self) -> Option<BinOp>) -> Result<Expr, KqlError> {
        let mut lhs = operand(self)?;
        let mut chain = 0;
        while let Some(op) = op(self) {
            self.bump();
            let rhs = operand(self)?;
            let span = lhs.span().to(rhs.span());
            self.enter()?;
            chain += 1;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs), span);
        }
        self.depth -= chain;
        Ok(lhs)
    }

    fn or_expr(&mut self) -> Result<Expr, KqlError> {
        self.binary_level(Self::and_expr, |p| p.at_word("or").then_some(BinOp::Or))
    }

    fn and_expr(&mut self) -> Result<Expr, KqlError> {
        self.binary_level(Self::cmp_expr, |p| p.at_word("and").then_some(BinOp::And))
    }

    fn cmp_op(&self) -> Option<(BinOp, usize)> {
        let op = match self.peek() {
            Tok::Sym("==") => BinOp::Eq,
            Tok::Sym("!=") | Tok::Sym("<>") => BinOp::Ne,
            Tok::Sym("<") => BinOp::Lt,
            Tok::Sym("<=") => BinOp::Le,
            Tok::Sym(">") => BinOp::Gt,
            Tok::Sym(">=") => BinOp::Ge,
            Tok::Sym("=~") => BinOp::EqCi,
            Tok::Sym("!~") => BinOp::NeCi,
            Tok::Ident(w) => {
                let lower = w.to_ascii_lowercase();
                let (neg, base) = match lower.strip_prefix('!') {
                    Some(b) => (true, b.to_string()),
                    None => (false, lower.clone()),
                };
                if base == "matches" {
                    return if !neg && is_word(self.peek_at(1), "regex") {
                        Some((BinOp::Str(StrOp::MatchesRegex, false), 2))
                    } else {
                        None
                    };
                }
                if base == "notcontains" {
                    return Some((BinOp::Str(StrOp::Contains, true), 1));
                }
                let op = StrOp::ALL.iter().find(|(_, n)| *n == base)?.0;
                return Some((BinOp::Str(op, neg), 1));
            }
            _ => return None,
        };
        Some((op, 1))
    }

    fn cmp_expr(&mut self) -> Result<Expr, KqlError> {
        let mut lhs = self.add_expr()?;
        // Long operator chains nest as deeply as parentheses do: count them against the same limit.
        let mut chain = 0;
        loop {
            if let Some((op, n)) = self.cmp_op() {
                for _ in 0..n {
                    self.bump();
                }
                let rhs = self.add_expr()?;
                let span = lhs.span().to(rhs.span());
                self.enter()?;
                chain += 1;
                lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs), span);
                continue;
            }
            let word = match self.peek() {
                Tok::Ident(w) => w.to_ascii_lowercase(),
                _ => break,
            };
            let in_op = match word.as_str() {
                "in" => Some(InOp::In),
                "!in" => Some(InOp::NotIn),
                "in~" => Some(InOp::InCi),
                "!in~" => Some(InOp::NotInCi),
                "has_any" => Some(InOp::HasAny),
                "has_all" => Some(InOp::HasAll),
                _ => None,
            };
            if let Some(op) = in_op {
                self.bump();
                self.expect_sym("(")?;
                let list = self.list_until(")", Self::pipeline_expr)?;
                self.expect_sym(")")?;
                let span = lhs.span().to(self.prev_span());
                self.enter()?;
                chain += 1;
                lhs = Expr::In {
                    expr: Box::new(lhs),
                    op,
                    list,
                    span,
                };
                continue;
            }
            if word == "between" || word == "!between" {
                self.bump();
                self.expect_sym("(")?;
                let lo = self.expr()?;
                self.expect_sym("..")?;
                let hi = self.expr()?;
                self.expect_sym(")")?;
                let span = lhs.span().to(self.prev_span());
                self.enter()?;
                chain += 1;
                lhs = Expr::Between {
                    expr: Box::new(lhs),
                    lo: Box::new(lo),
                    hi: Box::new(hi),
                    negated: word.starts_with('!'),
                    span,
                };
                continue;
            }
            break;
        }
        self.depth -= chain;
        Ok(lhs)
    }

    fn add_expr(&mut self) -> Result<Expr, KqlError> {
        self.binary_level(Self::mul_expr, |p| match p.peek() {
            Tok::Sym("+") => Some(BinOp::Add),
            Tok::Sym("-") => Some(BinOp::Sub),
            _ => None,
        })
    }

    fn mul_expr(&mut self) -> Result<Expr, KqlError> {
        self.binary_level(Self::unary, |p| match p.peek() {
            Tok::Sym("*") => Some(BinOp::Mul),
            Tok::Sym("/") => Some(BinOp::Div),
            Tok::Sym("%") => Some(BinOp::Mod),
            _ => None,
        })
    }

    fn unary(&mut self) -> Result<Expr, KqlError> {
        let start = self.span();
        let op = match self.peek() {
            Tok::Sym("-") => UnOp::Neg,
            Tok::Sym("+") => UnOp::Plus,
            _ => return self.postfix(),
        };
        self.bump();
        self.enter()?;
        let inner = self.unary()?;
        self.depth -= 1;
        let span = start.to(inner.span());
        Ok(Expr::Unary(op, Box::new(inner), span))
    }

    fn postfix(&mut self) -> Result<Expr, KqlError> {
        let mut e = self.primary()?;
        // Long operator chains nest as deeply as parentheses do: count them against the same limit.
        let mut chain = 0;
        loop {
            // `TargetResources.[0]` — seen in a published rule — is the same as `TargetResources[0]`.
            let dotted_index = self.at_sym(".") && matches!(self.peek_at(1), Tok::Sym("[")) && !matches!(self.peek_at(2), Tok::Str(_));
            if dotted_index || self.at_sym("[") {
                if dotted_index {
                    self.bump();
                }
                self.bump();
                let idx = self.expr()?;
                self.expect_sym("]")?;
                let span = e.span().to(self.prev_span());
                self.enter()?;
                chain += 1;
                e = Expr::Index(Box::new(e), Box::new(idx), span);
            } else if self.at_sym(".") {
                self.bump();
                let name = self.ident()?;
                let span = e.span().to(self.prev_span());
                self.enter()?;
                chain += 1;
                e = Expr::Member(Box::new(e), name, span);
            } else {
                break;
            }
        }
        self.depth -= chain;
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, KqlError> {
        let span = self.span();
        match self.peek().clone() {
            Tok::Long(v) => {
                self.bump();
                Ok(Expr::Literal(Literal::Long(v), span))
            }
            Tok::Real(v) => {
                self.bump();
                Ok(Expr::Literal(Literal::Real(v), span))
            }
            Tok::Str(s) => {
                self.bump();
                // Adjacent string literals concatenate.
                let mut s = s;
                while let Tok::Str(more) = self.peek().clone() {
                    self.bump();
                    s.push_str(&more);
                }
                Ok(Expr::Literal(Literal::String(s), span.to(self.prev_span())))
            }
            Tok::TimeSpan(t) => {
                self.bump();
                Ok(Expr::Literal(Literal::TimeSpan(Some(t)), span))
            }
            Tok::TypedLit(kind, raw) if kind == "guid" => {
                self.bump();
                // `guid(…)` literals: a conversion of the text, as `toguid` (…/scalar-data-types/guid).
                let text = if raw.eq_ignore_ascii_case("null") { String::new() } else { raw };
                if !text.is_empty() && uuid_shaped(&text).is_none() {
                    return Err(KqlError::syntax(self.src, span, format!("invalid guid literal `{text}`")));
                }
                Ok(Expr::Call {
                    name: "toguid".to_owned(),
                    args: vec![Expr::Literal(Literal::String(text), span)],
                    span,
                })
            }
            Tok::TypedLit(kind, raw) => {
                self.bump();
                let is_null = raw.eq_ignore_ascii_case("null");
                let lit = if kind == "datetime" {
                    if is_null {
                        Literal::DateTime(None)
                    } else {
                        Literal::DateTime(Some(
                            parse_datetime(&raw)
                                .ok_or_else(|| KqlError::syntax(self.src, span, format!("invalid datetime literal `{raw}`")))?,
                        ))
                    }
                } else if is_null {
                    Literal::TimeSpan(None)
                } else {
                    Literal::TimeSpan(Some(
                        parse_timespan_arg(&raw)
                            .ok_or_else(|| KqlError::syntax(self.src, span, format!("invalid timespan literal `{raw}`")))?,
                    ))
                };
                Ok(Expr::Literal(lit, span))
            }
            Tok::Sym("(") => {
                self.bump();
                let e = self.pipeline_expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Tok::Sym("*") => {
                self.bump();
                Ok(Expr::Star(span))
            }
            Tok::Sym("[") if matches!(self.peek_at(1), Tok::Str(_)) && matches!(self.peek_at(2), Tok::Sym("]")) => {
                let name = self.ident()?;
                Ok(Expr::Ident(name, span.to(self.prev_span())))
            }
            Tok::Ident(w) if !w.starts_with('!') => {
                self.bump();
                let lower = w.to_ascii_lowercase();
                if self.at_sym("(") {
                    return self.call(w, lower, span);
                }
                if self.search_terms && self.at_sym(":") && matches!(self.peek_at(1), Tok::Str(_)) {
                    return self.column_term(Expr::Ident(w, span));
                }
                match lower.as_str() {
                    "true" => Ok(Expr::Literal(Literal::Bool(true), span)),
                    "false" => Ok(Expr::Literal(Literal::Bool(false), span)),
                    "null" => Ok(Expr::Literal(Literal::Null, span)),
                    _ => Ok(Expr::Ident(w, span)),
                }
            }
            Tok::Sym("<") if matches!(self.peek_at(1), Tok::Ident(_)) => Err(KqlError::syntax(
                self.src,
                span,
                "expected an expression, found `<` (is this an unbound placeholder like `<Name>`? bind it with --param Name=value)",
            )),
            _ => self.error("an expression"),
        }
    }

    fn call(&mut self, name: String, lower: String, start: Span) -> Result<Expr, KqlError> {
        self.expect_sym("(")?;
        match lower.as_str() {
            "dynamic" => {
                let json = self.json_value()?;
                self.expect_sym(")")?;
                return Ok(Expr::Literal(Literal::Dynamic(json), start.to(self.prev_span())));
            }
            "typeof" => {
                let t = self.type_name()?;
                self.expect_sym(")")?;
                return Ok(Expr::Literal(Literal::Type(t), start.to(self.prev_span())));
            }
            "bool" | "boolean" | "long" | "int" | "real" | "double" | "guid" => {
                // Typed literals such as `long(null)` or `bool(true)`: kept as conversion calls.
            }
            _ => {}
        }
        let args = self.list_until(")", Self::call_arg)?;
        self.expect_sym(")")?;
        Ok(Expr::Call {
            name,
            args,
            span: start.to(self.prev_span()),
        })
    }

    /// One argument of a call: `name = value` (a user function's parameter by name) or a value.
    fn call_arg(&mut self) -> Result<Expr, KqlError> {
        if matches!(self.peek(), Tok::Ident(_)) && matches!(self.peek_at(1), Tok::Sym("=")) {
            let name = self.name()?;
            self.bump();
            let value = self.pipeline_expr()?;
            let span = name.span.to(value.span());
            return Ok(Expr::NamedArg {
                name,
                value: Box::new(value),
                span,
            });
        }
        self.pipeline_expr()
    }

    /// A JSON-like literal inside `dynamic(...)`.
    fn json_value(&mut self) -> Result<serde_json::Value, KqlError> {
        use serde_json::Value as J;
        self.enter()?;
        let span = self.span();
        let v = match self.bump().tok {
            Tok::Sym("[") => {
                let items = self.list_until("]", Self::json_value)?;
                self.expect_sym("]")?;
                J::Array(items)
            }
            Tok::Sym("{") => {
                let mut map = serde_json::Map::new();
                while !self.at_sym("}") {
                    let key = match self.bump().tok {
                        Tok::Str(s) | Tok::Ident(s) => s,
                        _ => {
                            return Err(KqlError::syntax(self.src, self.prev_span(), "expected a property name"));
                        }
                    };
                    self.expect_sym(":")?;
                    map.insert(key, self.json_value()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                self.expect_sym("}")?;
                J::Object(map)
            }
            Tok::Str(s) => J::String(s),
            Tok::Long(v) => J::from(v),
            Tok::Real(v) => serde_json::Number::from_f64(v).map(J::Number).unwrap_or(J::Null),
            Tok::Sym("-") => match self.bump().tok {
                Tok::Long(v) => J::from(v.wrapping_neg()),
                Tok::Real(v) => serde_json::Number::from_f64(-v).map(J::Number).unwrap_or(J::Null),
                _ => {
                    return Err(KqlError::syntax(self.src, self.prev_span(), "expected a number"));
                }
            },
            Tok::Ident(w) if w == "true" => J::Bool(true),
            Tok::Ident(w) if w == "false" => J::Bool(false),
            Tok::Ident(w) if w == "null" => J::Null,
            Tok::TypedLit(_, raw) => J::String(raw),
            Tok::TimeSpan(t) => J::String(super::value::format_timespan(t)),
            other => {
                return Err(KqlError::syntax(
                    self.src,
                    span,
                    format!("expected a dynamic literal value, found {}", other.describe()),
                ));
            }
        };
        self.depth -= 1;
        Ok(v)
    }
}

/// The inside of `time(...)`/`timespan(...)`: `1d`, `1.00:00:00`, `30 seconds`, or a bare number of days.
/// `Some` when `text` is 32 hex digits in the 8-4-4-4-12 groups of a GUID.
fn uuid_shaped(text: &str) -> Option<()> {
    let groups: Vec<&str> = text.split('-').collect();
    let sizes = groups.iter().map(|g| g.len()).collect::<Vec<_>>();
    (sizes == [8, 4, 4, 4, 12] && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))).then_some(())
}

fn parse_timespan_arg(raw: &str) -> Option<i64> {
    let compact: String = raw.split_whitespace().collect();
    if let Ok(days) = compact.parse::<f64>() {
        return Some((days * super::value::TICKS_PER_DAY as f64).round() as i64);
    }
    parse_timespan(&compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pipeline_and_let() {
        let s = parse("let x = 1d; T | where a == 1 and b has 'x' | summarize count() by bin(TimeGenerated, 1h)").expect("parses");
        assert_eq!(s.statements.len(), 2);
        match &s.statements[1] {
            Statement::Query(p) => assert_eq!(p.ops.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn syntax_error_has_caret_and_expected() {
        let err = parse("T\n| where (a == 1").expect_err("fails");
        let text = err.to_string();
        assert!(text.contains("<query>:2:"), "{text}");
        assert!(text.contains("expected `)`"), "{text}");
        assert!(text.contains('^'), "{text}");
    }

    #[test]
    fn evaluate_is_reported_unsupported() {
        let err = parse("T | evaluate schema_merge()").expect_err("fails");
        assert_eq!(err.to_string(), "`evaluate schema_merge` is not supported by tenantless yet");
    }
}
