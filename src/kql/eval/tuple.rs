//! Functions returning several values in `extend` and `project` (…/series-stats-function,
//! …/series-fit-line-function): `extend (A, B) = series_fit_line(y)` names the columns in order,
//! `extend series_fit_line(y)` names them `series_fit_line_y_rsquare`, …, and a single
//! `extend a = f(y)` names the first; the columns left unnamed keep their generated names, as
//! Microsoft's analyzer types them (the docs say they are dropped; the analyzer keeps them).
//!
//! The operator is rewritten before it runs: the call goes into a hidden column (its function
//! spelt `\0name`, which only this rewrite can write, so the evaluator lets it through), each
//! value becomes a column read from it (converted to the value's type), and the hidden column is
//! dropped. The call so runs once per row however many values it has.

use std::sync::Arc;

use super::super::ast::*;
use super::super::error::KqlError;
use super::super::functions::series;
use super::super::table::Table;
use super::super::value::KqlType;
use super::ops::{derive_name, unique_name};
use super::{Binding, Env, Evaluator};

/// The values a multi-value function returns, with their types.
type Fields = &'static [(&'static str, KqlType)];

/// Whether some item is `(a, …) = …` or calls a multi-value function (not a user function of
/// the same name).
pub(super) fn has_multi_value(items: &[NamedExpr], env: &Env) -> bool {
    items
        .iter()
        .any(|i| !i.names.is_empty() || multi_value_call(&i.expr, env).is_some())
}

/// The fields of `e` when it is a call of a multi-value function.
fn multi_value_call(e: &Expr, env: &Env) -> Option<Fields> {
    match e {
        Expr::Call { name, .. } if !matches!(env.get(name), Some(Binding::Function(_))) => series::fields(&name.to_ascii_lowercase()),
        _ => None,
    }
}

/// The error for a multi-value function used inside an expression.
pub(super) fn misuse(name: &str, fields: Fields) -> String {
    let names: Vec<&str> = fields.iter().map(|f| f.0).collect();
    format!(
        "`{name}()` returns several values ({}): use it as a whole `extend`/`project` item, as `extend ({}) = {name}(…)`",
        names.join(", "),
        names.join(", ")
    )
}

/// A column read out of a hidden multi-value column: `\0tN[i]`, converted to the value's type
/// so the column keeps it (a bare index would be `dynamic`).
fn field(hidden: &str, i: usize, ty: KqlType, span: Span) -> Expr {
    let index = Expr::Index(
        Box::new(Expr::Ident(hidden.to_string(), span)),
        Box::new(Expr::Literal(Literal::Long(i as i64), span)),
        span,
    );
    let convert = match ty {
        KqlType::Real => "toreal",
        KqlType::Long => "tolong",
        _ => return index,
    };
    Expr::Call {
        name: convert.to_string(),
        args: vec![index],
        span,
    }
}

/// An `extend`/`project` item with a name.
fn named(name: String, expr: Expr) -> NamedExpr {
    NamedExpr {
        name: Some(name),
        expr,
        names: Vec::new(),
    }
}

/// The rewrite of one operator's items.
struct Rewrite {
    /// `\0tN = \0f(…)`, one per multi-value item.
    hidden: Vec<NamedExpr>,
    /// The items with each multi-value item replaced by its value columns (preceded by its
    /// hidden column when inline).
    items: Vec<NamedExpr>,
}

impl Evaluator<'_> {
    /// Runs `extend` (`is_extend`) or `project` with multi-value items (see the module docs).
    pub(super) fn apply_multi_value(
        &self,
        items: &[NamedExpr],
        is_extend: bool,
        t: Arc<Table>,
        env: &mut Env,
    ) -> Result<Arc<Table>, KqlError> {
        // In extend, generated names must not clash with the input's columns either.
        let taken: Vec<String> = if is_extend {
            t.columns.iter().map(|c| c.name.clone()).collect()
        } else {
            Vec::new()
        };
        let rw = self.rewrite(items, taken, is_extend, env)?;
        let ops = if is_extend {
            // Each hidden column sits just before its values: it may read columns the items
            // before it computed.
            let hidden = rw
                .hidden
                .iter()
                .map(|h| Name::new(h.name.clone().unwrap_or_default(), h.expr.span()))
                .collect();
            [Operator::Extend(rw.items), Operator::ProjectAway(hidden)]
        } else {
            // project's items read only the input: the hidden columns can all come first.
            [Operator::Extend(rw.hidden), Operator::Project(rw.items)]
        };
        let mut t = t;
        for op in &ops {
            t = self.apply(op, t, env)?;
        }
        Ok(t)
    }

    fn rewrite(&self, items: &[NamedExpr], mut taken: Vec<String>, inline: bool, env: &Env) -> Result<Rewrite, KqlError> {
        let mut rw = Rewrite {
            hidden: Vec::new(),
            items: Vec::new(),
        };
        for item in items {
            let Some(fields) = multi_value_call(&item.expr, env) else {
                if let Some(first) = item.names.first() {
                    return Err(self.err(
                        first.span,
                        "`(name, …) =` needs a function returning several values: series_stats, series_fit_line, series_decompose or series_decompose_anomalies",
                    ));
                }
                taken.extend(item.name.clone());
                rw.items.push(item.clone());
                continue;
            };
            let Expr::Call { name, args, span } = &item.expr else {
                continue;
            };
            let given = self.given_names(item, name, fields)?;
            let hidden = format!("\0t{}", rw.hidden.len());
            let call = named(
                hidden.clone(),
                Expr::Call {
                    name: format!("\0{name}"),
                    args: args.clone(),
                    span: *span,
                },
            );
            if inline {
                rw.items.push(call.clone());
            }
            rw.hidden.push(call);
            // `series_stats(x)`: `series_stats_x_min`, … (`series_stats__min` when the argument has no name).
            let base = format!(
                "{}_{}",
                name.to_ascii_lowercase(),
                args.first().and_then(derive_name).unwrap_or_default()
            );
            for (i, (field_name, ty)) in fields.iter().enumerate() {
                let column = match given.get(i) {
                    Some(n) => n.clone(),
                    None => unique_name(&format!("{base}_{field_name}"), &taken),
                };
                taken.push(column.clone());
                rw.items.push(named(column, field(&hidden, i, *ty, *span)));
            }
        }
        Ok(rw)
    }

    /// The names an item gives its values: `(a, b) =`, or `a =` for the first; more names than
    /// values, or one name twice, is an error at the name.
    fn given_names(&self, item: &NamedExpr, function: &str, fields: Fields) -> Result<Vec<String>, KqlError> {
        if let Some(extra) = item.names.get(fields.len()) {
            return Err(self.err(
                extra.span,
                format!("`{function}()` returns {} values; `{}` has none to name", fields.len(), extra.text),
            ));
        }
        for (i, n) in item.names.iter().enumerate() {
            if item.names[..i].iter().any(|m| m.text == n.text) {
                return Err(self.err(n.span, format!("the column `{}` is named twice", n.text)));
            }
        }
        Ok(match &item.name {
            Some(n) => vec![n.clone()],
            None => item.names.iter().map(|n| n.text.clone()).collect(),
        })
    }
}
