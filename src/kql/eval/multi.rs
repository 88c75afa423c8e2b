//! Operators that end a query with several result tables: `fork` (…/fork-operator), one table
//! per leg, named by `name =` or the leg's last `as`; and `facet` (…/facet-operator), the `with`
//! operators' table, then one table of values and counts per column.

use std::sync::Arc;

use super::super::ast::*;
use super::super::error::KqlError;
use super::super::table::Table;
use super::{Env, Evaluator};

/// A result table and its name, if it has one.
pub(super) type Named = (Option<String>, Arc<Table>);

impl Evaluator<'_> {
    /// The result tables of a query statement: one, or several when it ends with `fork`/`facet`.
    pub(super) fn query_results(&self, p: &Pipeline, env: &mut Env) -> Result<Vec<Named>, KqlError> {
        let Some(last @ (Operator::Fork(_) | Operator::Facet(_))) = p.ops.last() else {
            return Ok(vec![(None, self.eval_pipeline(p, env)?)]);
        };
        let n = p.ops.len() - 1;
        let input_query = Pipeline {
            source: p.source.clone(),
            ops: p.ops[..n].to_vec(),
            span: p.span,
            op_spans: p.op_spans.iter().take(n).copied().collect(),
        };
        let input = self.eval_pipeline(&input_query, env)?;
        self.cur_op.set((super::op_name(last), p.op_spans.get(n).copied()));
        let results = match last {
            Operator::Fork(legs) => self.fork(&input, legs, env),
            Operator::Facet(spec) => self.facet(&input, spec, env),
            _ => Ok(Vec::new()),
        }?;
        self.check_budgets()?;
        Ok(results)
    }

    /// `fork` or `facet` anywhere but at the end of a query statement.
    pub(super) fn multi_result_error(&self, op: &Operator) -> KqlError {
        let name = super::op_name(op);
        let message =
            format!("`{name}` returns several tables, so it can only end a query statement (not a `let`, subquery or function body)");
        match self.cur_op.get().1 {
            Some(span) => self.err(span, message),
            None => KqlError::semantic(Some(self.src), None, message),
        }
    }

    /// Runs `ops` over `input` in a scope of their own (an `as` inside binds only there).
    fn run_leg(&self, input: &Arc<Table>, ops: &[Operator], env: &Env) -> Result<Arc<Table>, KqlError> {
        let mut t = input.clone();
        let mut inner = env.clone();
        for op in ops {
            t = self.apply(op, t, &mut inner)?;
            self.check_limit(t.rows.len(), &format!("`{}`", super::op_name(op)))?;
            self.check_budgets()?;
        }
        Ok(t)
    }

    fn fork(&self, input: &Arc<Table>, legs: &[ForkLeg], env: &Env) -> Result<Vec<Named>, KqlError> {
        let mut out = Vec::new();
        for leg in legs {
            let t = self.run_leg(input, &leg.ops, env)?;
            // "The name of the results tab will be the … `name` parameter or the `as` operator."
            let as_name = leg.ops.iter().rev().find_map(|op| match op {
                Operator::As { name, .. } => Some(name.clone()),
                _ => None,
            });
            out.push((leg.name.clone().or(as_name), t));
        }
        Ok(out)
    }

    fn facet(&self, input: &Arc<Table>, spec: &FacetSpec, env: &Env) -> Result<Vec<Named>, KqlError> {
        let mut out = Vec::new();
        if !spec.with.is_empty() {
            out.push((None, self.run_leg(input, &spec.with, env)?));
        }
        for column in &spec.columns {
            if input.column_index(&column.text).is_none() {
                return Err(self.missing_column(&column.text, &input.columns, column.span));
            }
            // The docs' facet tables: `Column`, `count_Column`, one row per value.
            let count = Operator::Summarize {
                aggs: vec![NamedExpr {
                    name: Some(format!("count_{}", column.text)),
                    expr: Expr::Call {
                        name: "count".to_owned(),
                        args: Vec::new(),
                        span: column.span,
                    },
                    names: Vec::new(),
                }],
                by: vec![NamedExpr {
                    name: None,
                    expr: Expr::Ident(column.text.clone(), column.span),
                    names: Vec::new(),
                }],
            };
            out.push((None, self.apply(&count, input.clone(), &mut env.clone())?));
        }
        Ok(out)
    }
}
