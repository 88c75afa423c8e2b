//! `make-series` (…/make-series-operator) and the `(a, b, …) = f(…)` items of `extend` and
//! `project` that name the columns of a function returning several values (…/series-stats-function).

use super::Parser;
use crate::kql::ast::*;
use crate::kql::error::KqlError;
use crate::kql::lexer::Tok;

impl Parser<'_> {
    /// `extend`/`project` items: `[name =] expr` or `(name, …) = expr`.
    pub(super) fn assignments(&mut self) -> Result<Vec<NamedExpr>, KqlError> {
        self.comma_separated(|p| {
            if !p.at_tuple_names() {
                return p.named();
            }
            p.bump();
            let names = p.comma_separated(Self::name)?;
            p.expect_sym(")")?;
            p.expect_sym("=")?;
            Ok(NamedExpr {
                name: None,
                expr: p.expr()?,
                names,
            })
        })
    }

    /// Whether `( name, … ) =` starts here (and not a parenthesised expression).
    fn at_tuple_names(&self) -> bool {
        if !self.at_sym("(") {
            return false;
        }
        let mut i = 1;
        loop {
            // A name: an identifier or `['bracketed name']`.
            match self.peek_at(i) {
                Tok::Ident(w) if !w.starts_with('!') => i += 1,
                Tok::Sym("[") if matches!(self.peek_at(i + 1), Tok::Str(_)) && matches!(self.peek_at(i + 2), Tok::Sym("]")) => i += 3,
                _ => return false,
            }
            match self.peek_at(i) {
                Tok::Sym(",") => i += 1,
                Tok::Sym(")") => return matches!(self.peek_at(i + 1), Tok::Sym("=")),
                _ => return false,
            }
        }
    }

    /// `make-series` after its name.
    pub(super) fn make_series_op(&mut self) -> Result<Operator, KqlError> {
        let mut kind = None;
        let mut hints = Vec::new();
        loop {
            if self.eat_option(&["kind"]) {
                kind = Some(self.keyword::<MakeSeriesKind>()?);
            } else if let Some(hint) = self.hint_option()? {
                hints.push(hint);
            } else {
                break;
            }
        }
        let aggs = self.comma_separated(|p| {
            let agg = p.named()?;
            let default = if p.eat_option(&["default"]) { Some(p.expr()?) } else { None };
            Ok(SeriesAgg { agg, default })
        })?;
        self.expect_word("on")?;
        // Not a full expression: `in` after the axis starts `in range(…)`, not an `in` test.
        let axis = self.add_expr()?;
        let range = self.series_range()?;
        let by = if self.eat_word("by") { self.named_list()? } else { Vec::new() };
        Ok(Operator::MakeSeries(Box::new(MakeSeriesSpec {
            kind,
            hints,
            aggs,
            axis,
            range,
            by,
        })))
    }

    /// `[from a] [to b] step c` or `in range(a, b, c)`.
    fn series_range(&mut self) -> Result<SeriesRange, KqlError> {
        if self.eat_word("in") {
            self.expect_word("range")?;
            self.expect_sym("(")?;
            let start = self.expr()?;
            self.expect_sym(",")?;
            let stop = self.expr()?;
            self.expect_sym(",")?;
            let step = self.expr()?;
            self.expect_sym(")")?;
            return Ok(SeriesRange::InRange { start, stop, step });
        }
        let from = if self.eat_word("from") { Some(self.expr()?) } else { None };
        let to = if self.eat_word("to") { Some(self.expr()?) } else { None };
        if !self.eat_word("step") {
            let expected = match (&from, &to) {
                (None, None) => "`from`, `to`, `step` or `in range(…)`",
                (Some(_), None) => "`to` or `step`",
                _ => "`step`",
            };
            return self.error(expected);
        }
        Ok(SeriesRange::Step {
            from,
            to,
            step: self.expr()?,
        })
    }
}
