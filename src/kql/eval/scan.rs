//! The `scan` operator (learn.microsoft.com/kusto/query/scan-operator): a state machine of steps
//! over the rows in order.
//!
//! The state holds, per step `s_k`, an optional active sequence: one record (input columns, then
//! the declared ones) for each of `s_1 … s_k`, and the sequence's match id. Each input record is
//! checked against the steps from the last to the first. Check 1: when `s_k-1` has a sequence
//! and the record meets `s_k`'s condition over it, that sequence moves to `s_k` (replacing
//! whatever `s_k` held) with the extended record added. Otherwise check 2: when `s_k` has a
//! sequence, or is the first step, and the record meets the condition over `s_k`'s own sequence,
//! the record replaces `s_k`'s; on the first step with no sequence this starts a new one, with
//! the next match id. A match outputs the extended record unless the step says `output = none`;
//! `output = last` keeps only the last of a step's repeated (check 2) matches.
//!
//! `Step.Column` reads the column of `Step`'s record in the sequence being checked; a step the
//! sequence has not reached reads the column's default (declared) or null (input). An unprefixed
//! declared column is the record being extended: its default, then what earlier assignments of the
//! same step set (assignments run in order, as `extend`'s items do).

use super::super::ast::{Expr, ScanOutput, ScanSpec};
use super::super::budget::{self, fresh_bytes};
use super::super::error::{KqlError, Span, suggest};
use super::super::table::{Column, Table};
use super::super::value::{KqlType, Value, convert};
use super::expr::CExpr;
use super::meter::Meter;
use super::{Env, Evaluator};

/// One compiled step.
struct Step {
    condition: CExpr,
    /// Target column in the record, value, the column's type.
    assignments: Vec<(usize, CExpr, KqlType)>,
    output: ScanOutput,
}

/// A step's active sequence.
struct Sequence {
    /// The records of `s_1 … s_k` (one per step reached).
    records: Vec<Vec<Value>>,
    id: i64,
    /// The output slot of this step's last match, for `output = last`.
    last_out: Option<usize>,
}

/// How records and state references sit in the rows conditions and assignments evaluate over:
/// the record (input columns, then declared ones), then one cell per `Step.Column` the steps read.
struct Layout {
    /// The record's columns.
    record: Vec<Column>,
    /// Each declared column's default (input columns: their type's null).
    empty: Vec<Value>,
    /// The state cells read, as (step, record column), in the order their cells follow the record.
    refs: Vec<(usize, usize)>,
}

impl Layout {
    /// The evaluation row's cells after the record: the state `seq` gives.
    fn view(&self, row: &mut [Value], seq: Option<&Sequence>) {
        let at = self.record.len();
        for (i, &(step, col)) in self.refs.iter().enumerate() {
            row[at + i] = match seq.and_then(|s| s.records.get(step)) {
                Some(rec) => rec[col].clone(),
                None => self.empty[col].clone(),
            };
        }
    }
}

/// Replaces `Step.Column` with the identifier `Step.Column`, the name of its cell in the
/// evaluation row, collecting the cells read into `refs`.
fn step_refs(e: &Expr, steps: &[&str], layout: &mut Layout, err: &dyn Fn(Span, String) -> KqlError) -> Result<Expr, KqlError> {
    let mut go = |x: &Expr| step_refs(x, steps, layout, err).map(Box::new);
    Ok(match e {
        Expr::Member(base, col, span) => match base.as_ref() {
            Expr::Ident(step, _) if steps.contains(&step.as_str()) => {
                let step_at = steps.iter().position(|s| s == step).unwrap_or(0);
                let Some(col_at) = layout.record.iter().position(|c| &c.name == col) else {
                    let hint = suggest(col, layout.record.iter().map(|c| c.name.as_str()))
                        .map(|s| format!("; did you mean `{step}.{s}`?"))
                        .unwrap_or_default();
                    return Err(err(*span, format!("scan step `{step}` has no column `{col}`{hint}")));
                };
                if !layout.refs.contains(&(step_at, col_at)) {
                    layout.refs.push((step_at, col_at));
                }
                Expr::Ident(format!("{step}.{col}"), *span)
            }
            _ => Expr::Member(go(base)?, col.clone(), *span),
        },
        Expr::Index(b, i, s) => Expr::Index(go(b)?, go(i)?, *s),
        Expr::Unary(op, x, s) => Expr::Unary(*op, go(x)?, *s),
        Expr::Binary(op, l, r, s) => Expr::Binary(*op, go(l)?, go(r)?, *s),
        Expr::Between {
            expr,
            lo,
            hi,
            negated,
            span,
        } => Expr::Between {
            expr: go(expr)?,
            lo: go(lo)?,
            hi: go(hi)?,
            negated: *negated,
            span: *span,
        },
        Expr::In { expr, op, list, span } => Expr::In {
            expr: go(expr)?,
            op: *op,
            list: list.iter().map(|x| step_refs(x, steps, layout, err)).collect::<Result<_, _>>()?,
            span: *span,
        },
        Expr::Call { name, args, span } => Expr::Call {
            name: name.clone(),
            args: args.iter().map(|x| step_refs(x, steps, layout, err)).collect::<Result<_, _>>()?,
            span: *span,
        },
        other => other.clone(),
    })
}

impl Evaluator<'_> {
    /// The record's columns and their empty values: the input's, then the declared ones.
    fn scan_layout(&self, t: &Table, spec: &ScanSpec, env: &Env) -> Result<Layout, KqlError> {
        let mut record = t.columns.clone();
        let mut empty: Vec<Value> = record.iter().map(|c| convert(&Value::Null, c.ty)).collect();
        for c in &spec.declare {
            if record.iter().any(|x| x.name == c.name.text) {
                return Err(self.err(c.name.span, format!("scan declares `{}`, which is already a column", c.name)));
            }
            let default = match &c.default {
                Some(e) => self.compile(e, &[], env)?.eval(&[]),
                None => Value::Null,
            };
            record.push(Column::new(c.name.text.clone(), c.ty));
            empty.push(convert(&default, c.ty));
        }
        if let Some(id) = &spec.match_id
            && record.iter().any(|x| x.name == id.text)
        {
            return Err(self.err(id.span, format!("with_match_id names `{id}`, which is already a column")));
        }
        Ok(Layout {
            record,
            empty,
            refs: Vec::new(),
        })
    }

    /// Compiles the steps against the record and the state cells they read.
    fn scan_steps(&self, spec: &ScanSpec, layout: &mut Layout, env: &Env) -> Result<Vec<Step>, KqlError> {
        let names: Vec<&str> = spec.steps.iter().map(|s| s.name.text.as_str()).collect();
        for (i, s) in spec.steps.iter().enumerate() {
            if names[..i].contains(&s.name.text.as_str()) {
                return Err(self.err(
                    s.name.span,
                    format!("scan step `{}` is defined twice; step names must be unique", s.name),
                ));
            }
        }
        let err = |span: Span, msg: String| self.err(span, msg);
        let mut rewritten = Vec::new();
        for s in &spec.steps {
            let cond = step_refs(&s.condition, &names, layout, &err)?;
            let assigns: Vec<Expr> = s
                .assignments
                .iter()
                .map(|(_, e)| step_refs(e, &names, layout, &err))
                .collect::<Result<_, _>>()?;
            rewritten.push((cond, assigns));
        }
        let mut cols = layout.record.clone();
        for &(step, col) in &layout.refs {
            let c = &layout.record[col];
            cols.push(Column::new(format!("{}.{}", names[step], c.name), c.ty));
        }
        let mut steps = Vec::new();
        for (s, (cond, assigns)) in spec.steps.iter().zip(&rewritten) {
            let mut assignments = Vec::new();
            for ((target, _), e) in s.assignments.iter().zip(assigns) {
                let Some(idx) = layout.record.iter().position(|c| c.name == target.text) else {
                    let hint = suggest(&target.text, layout.record.iter().map(|c| c.name.as_str()))
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    return Err(self.err(
                        target.span,
                        format!("scan assigns unknown column `{target}`; {hint}declare it: `declare ({target}: type)`"),
                    ));
                };
                assignments.push((idx, self.compile(e, &cols, env)?, layout.record[idx].ty));
            }
            steps.push(Step {
                condition: self.compile(cond, &cols, env)?,
                assignments,
                output: s.output.unwrap_or_default(),
            });
        }
        Ok(steps)
    }

    /// `scan`: see the module documentation.
    pub(crate) fn scan(&self, t: &Table, spec: &ScanSpec, env: &Env) -> Result<Table, KqlError> {
        let mut layout = self.scan_layout(t, spec, env)?;
        let steps = self.scan_steps(spec, &mut layout, env)?;
        let input = t.columns.len();
        let mut run = Run {
            layout: &layout,
            steps: &steps,
            state: steps.iter().map(|_| None).collect(),
            out: Vec::new(),
            next_id: 0,
            match_id: spec.match_id.is_some(),
            assigns_input: steps.iter().any(|s| s.assignments.iter().any(|(idx, _, _)| *idx < input)),
            meter: Meter::new(self),
        };
        let mut row = Vec::new();
        for r in &t.rows {
            run.meter.tick()?;
            row.clear();
            row.extend(r.iter().cloned());
            row.resize(layout.record.len() + layout.refs.len(), Value::Null);
            run.record(r, &mut row)?;
        }
        let rows = run.out.into_iter().flatten().collect();
        run.meter.finish();
        let mut columns = layout.record;
        if let Some(id) = &spec.match_id {
            columns.push(Column::new(id.text.clone(), KqlType::Long));
        }
        Ok(Table { columns, rows })
    }
}

/// One scan's running state.
struct Run<'r, 'm, 'a> {
    layout: &'r Layout,
    steps: &'r [Step],
    state: Vec<Option<Sequence>>,
    /// Output rows in order; `None` where an `output = last` match was superseded.
    out: Vec<Option<Vec<Value>>>,
    next_id: i64,
    match_id: bool,
    /// Whether some step assigns an input column (then every check starts from the input again).
    assigns_input: bool,
    meter: Meter<'m, 'a>,
}

impl Run<'_, '_, '_> {
    /// Checks one input record against every step, last to first; `row` has room for the
    /// declared columns and the state cells after the input's.
    fn record(&mut self, input: &[Value], row: &mut [Value]) -> Result<(), KqlError> {
        let width = self.layout.record.len();
        for k in (0..self.steps.len()).rev() {
            if k > 0 && self.state[k - 1].is_some() && self.matches(k, input, row, k - 1) {
                let Some(mut seq) = self.state[k - 1].take() else { continue };
                seq.records.push(row[..width].to_vec());
                seq.last_out = self.emit(k, row, seq.id, None)?;
                self.state[k] = Some(seq);
            } else if (k == 0 || self.state[k].is_some()) && self.matches(k, input, row, k) {
                let mut seq = match self.state[k].take() {
                    Some(seq) => seq,
                    None => {
                        self.next_id += 1;
                        Sequence {
                            records: Vec::new(),
                            id: self.next_id - 1,
                            last_out: None,
                        }
                    }
                };
                seq.records.truncate(k);
                seq.records.push(row[..width].to_vec());
                seq.last_out = self.emit(k, row, seq.id, seq.last_out)?;
                self.state[k] = Some(seq);
            }
        }
        Ok(())
    }

    /// Whether the record meets step `k`'s condition over the sequence of step `over`; on a
    /// match, the record (in `row`) is extended by the step's assignments.
    fn matches(&self, k: usize, input: &[Value], row: &mut [Value], over: usize) -> bool {
        let (from, width) = (input.len(), self.layout.record.len());
        if self.assigns_input {
            row[..from].clone_from_slice(input);
        }
        // Declared cells start from their defaults at every check.
        row[from..width].clone_from_slice(&self.layout.empty[from..]);
        self.layout.view(row, self.state[over].as_ref());
        let step = &self.steps[k];
        if !step.condition.eval(row).is_true() {
            return false;
        }
        for (idx, e, ty) in &step.assignments {
            row[*idx] = convert(&e.eval(row), *ty);
        }
        true
    }

    /// Outputs the extended record for step `k` as its mode says; returns the output slot to
    /// remember for `output = last`, `previous` being the step's last one in this series.
    fn emit(&mut self, k: usize, row: &[Value], id: i64, previous: Option<usize>) -> Result<Option<usize>, KqlError> {
        let mode = self.steps[k].output;
        if mode == ScanOutput::None {
            return Ok(None);
        }
        if mode == ScanOutput::Last
            && let Some(p) = previous
        {
            self.out[p] = None;
        }
        let mut out = row[..self.layout.record.len()].to_vec();
        if self.match_id {
            out.push(Value::Long(id));
        }
        let fresh: usize = out.iter().map(fresh_bytes).sum();
        self.meter.charge(budget::rows_bytes(1, out.len()) + fresh)?;
        self.out.push(Some(out));
        Ok((mode == ScanOutput::Last).then(|| self.out.len() - 1))
    }
}
