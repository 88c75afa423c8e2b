//! `evaluate` plugins (…/evaluate-operator): one module per plugin, dispatched from
//! [`Evaluator::evaluate`]. The parser has already bound and checked every argument
//! (`parser/plugins.rs`); here columns are resolved and constant arguments evaluated, with located
//! errors for the ones that do not fit.

mod autocluster;
mod bag_unpack;
mod basket;
mod ipv4_lookup;
mod narrow;
mod patterns;
mod pivot;

use super::super::ast::{Evaluate, Expr, Name, OutputSchema, Plugin};
use super::super::error::KqlError;
use super::super::table::{Column, Table};
use super::super::value::{Value, convert};
use super::{Env, Evaluator};

impl Evaluator<'_> {
    /// Runs one plugin over the piped table.
    pub(super) fn evaluate(&self, t: &Table, spec: &Evaluate, env: &Env) -> Result<Table, KqlError> {
        match &spec.plugin {
            Plugin::BagUnpack(b) => self.bag_unpack(t, b, env),
            Plugin::Pivot(p) => self.pivot(t, p, env),
            Plugin::Narrow => self.narrow(t),
            Plugin::Ipv4Lookup(l) => self.ipv4_lookup(t, l, env),
            Plugin::Basket(args) => self.basket(t, args, env),
            Plugin::Autocluster(args) => self.autocluster(t, args, env),
        }
    }

    /// The position of a column a plugin argument names, or an error at the name.
    fn plugin_column(&self, t: &Table, name: &Name) -> Result<usize, KqlError> {
        t.column_index(&name.text)
            .ok_or_else(|| self.missing_column(&name.text, &t.columns, name.span))
    }

    /// A constant argument's value (literals, `let` scalars, constant calls).
    fn plugin_constant(&self, e: &Expr, env: &Env) -> Result<Value, KqlError> {
        Ok(self.compile(e, &[], env)?.eval(&[]))
    }

    /// A numeric constant argument within `lo..=hi`, or its default when absent.
    fn plugin_number(&self, e: Option<&Expr>, env: &Env, default: f64, (what, lo, hi): (&str, f64, f64)) -> Result<f64, KqlError> {
        let Some(e) = e else { return Ok(default) };
        match self.plugin_constant(e, env)?.as_f64() {
            Some(v) if (lo..=hi).contains(&v) => Ok(v),
            Some(v) => Err(self.err(e.span(), format!("{what} must be between {lo} and {hi}, got {v}"))),
            None => Err(self.err(e.span(), format!("{what} must be a constant number"))),
        }
    }
}

/// A plugin's output schema applied to its result (…/bag-unpack-plugin#output-schema-syntax):
/// the declared columns in order, each converted to its declared type (a column the result lacks
/// is empty), after the `star` columns when the schema starts with `*`.
fn apply_schema(t: Table, schema: &OutputSchema, star: &[Column]) -> Table {
    let declared = |name: &str| schema.columns.iter().any(|(n, _)| n == name);
    // (source column, output column, whether its values convert to a declared type)
    let mut picks: Vec<(Option<usize>, Column, bool)> = Vec::new();
    if schema.star {
        for c in star.iter().filter(|c| !declared(&c.name)) {
            picks.push((t.column_index(&c.name), c.clone(), false));
        }
    }
    for (name, ty) in &schema.columns {
        picks.push((t.column_index(name), Column::new(name.clone(), *ty), true));
    }
    let rows = t
        .rows
        .iter()
        .map(|r| {
            picks
                .iter()
                .map(|(i, c, typed)| match i {
                    Some(i) if *typed => convert(&r[*i], c.ty),
                    Some(i) => r[*i].clone(),
                    None => super::ops::null_of(c.ty),
                })
                .collect()
        })
        .collect();
    Table {
        columns: picks.into_iter().map(|(_, c, _)| c).collect(),
        rows,
    }
}
