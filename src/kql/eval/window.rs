//! Window functions (learn.microsoft.com/kusto/query/window-functions): `prev`, `next`,
//! `row_number`, `row_cumsum`, `row_rank_dense`, `row_rank_min` and `row_window_session`.
//!
//! Compiled expressions see one row at a time, so a window call is lifted out of its expression
//! while the operator compiles ([`Evaluator::windowed`]): it becomes a hidden column past every
//! column the operator's rows can have (`CExpr::Col(base + k)`), and before the expression runs
//! the operator fills that column for every row, in row order, with the rows and the current
//! index at hand and running state for the cumulative functions ([`Frame::fill`]). A call nested
//! in another's arguments (`row_number(1, prev(A) != A)`) is lifted first, so it is filled first.
//! Operators whose expressions hold no window call compile and run exactly as before.
//!
//! Window functions need a serialized row set. The evaluator tracks whether the table each
//! operator receives is serialized ([`keeps_order`]); a window call over one that is not is
//! Kusto's "Function 'prev' cannot be invoked in current context. Details: the row set must be
//! serialized", located at the call.

use std::ops::Range;

use super::super::ast::{Expr, Operator};
use super::super::budget::{self, fresh_bytes};
use super::super::error::{KqlError, Span};
use super::super::table::{Column, Table};
use super::super::value::{KqlType, Value, convert, values_equal};
use super::expr::CExpr;
use super::meter::Meter;
use super::{Env, Evaluator};

/// A window function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WindowKind {
    /// `prev(column[, offset[, default]])`: the value `offset` rows back.
    Prev,
    /// `next(column[, offset[, default]])`: the value `offset` rows ahead.
    Next,
    /// `row_number([start[, restart]])`: the row's index, from `start` (1).
    RowNumber,
    /// `row_cumsum(term[, restart])`: the running sum of `term`.
    RowCumsum,
    /// `row_rank_dense(term[, restart])`: 1, plus 1 whenever `term` changes.
    RowRankDense,
    /// `row_rank_min(term[, restart])`: the row number where the current run of equal terms began.
    RowRankMin,
    /// `row_window_session(expr, maxFromFirst, maxBetweenNeighbors[, restart])`: the session's
    /// first value.
    RowWindowSession,
}

/// Each window function: its kind, name and least and most arguments (from each function's page
/// under learn.microsoft.com/kusto/query/).
const WINDOW_FUNCTIONS: &[(WindowKind, &str, usize, usize)] = &[
    (WindowKind::Prev, "prev", 1, 3),
    (WindowKind::Next, "next", 1, 3),
    (WindowKind::RowNumber, "row_number", 0, 2),
    (WindowKind::RowCumsum, "row_cumsum", 1, 2),
    (WindowKind::RowRankDense, "row_rank_dense", 1, 2),
    (WindowKind::RowRankMin, "row_rank_min", 1, 2),
    (WindowKind::RowWindowSession, "row_window_session", 3, 4),
];

impl WindowKind {
    /// The window function `name` (lowercase) names.
    pub(crate) fn lookup(name: &str) -> Option<WindowKind> {
        WINDOW_FUNCTIONS.iter().find(|(_, n, _, _)| *n == name).map(|(k, _, _, _)| *k)
    }

    fn def(self) -> (&'static str, usize, usize) {
        let (_, name, min, max) = WINDOW_FUNCTIONS
            .iter()
            .find(|(k, ..)| *k == self)
            .copied()
            .unwrap_or(WINDOW_FUNCTIONS[0]);
        (name, min, max)
    }

    /// Which argument is the `restart` predicate, if the function takes one.
    fn restart_arg(self) -> Option<usize> {
        match self {
            WindowKind::Prev | WindowKind::Next => None,
            WindowKind::RowNumber | WindowKind::RowCumsum | WindowKind::RowRankDense | WindowKind::RowRankMin => Some(1),
            WindowKind::RowWindowSession => Some(3),
        }
    }
}

/// The window functions' names, for "did you mean".
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    WINDOW_FUNCTIONS.iter().map(|(_, n, _, _)| *n)
}

/// Whether an operator's output is serialized, given whether its input is
/// (learn.microsoft.com/kusto/query/serialize-operator#serialization-behavior-of-operators).
/// `mv-expand` is listed as preserving by the window-functions page and as not by the serialize
/// page; the reading that runs more published queries is taken.
pub(crate) fn keeps_order(op: &Operator, input: bool) -> bool {
    match op {
        Operator::Sort(_) | Operator::Top { .. } | Operator::Serialize(_) | Operator::GetSchema => true,
        Operator::Count | Operator::Distinct(_) | Operator::Evaluate(_) | Operator::Join(_) | Operator::Summarize { .. } => false,
        _ => input,
    }
}

/// One window call lifted out of an expression.
#[derive(Debug)]
struct Slot {
    kind: WindowKind,
    args: Vec<CExpr>,
    /// `prev`/`next` past the ends without a default: the column type's null; `row_cumsum`'s
    /// zero of the term's type.
    fallback: Value,
    /// The first argument's type, when known: a `prev`/`next` default is converted to it.
    ty: Option<KqlType>,
}

/// The window calls of one operator's expressions, collected while they compile.
#[derive(Debug, Default)]
pub(crate) struct Frame {
    /// The first hidden column: past every column the operator's rows can have.
    base: usize,
    /// Whether the operator's input is serialized.
    serialized: bool,
    slots: Vec<Slot>,
}

impl Frame {
    /// True when the expressions hold no window call (the ordinary, row-at-a-time path).
    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// How many window calls were lifted so far.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Rows this wide hold every hidden column.
    fn width(&self) -> usize {
        self.base + self.slots.len()
    }

    /// Fills the hidden columns of `slots` for every row, in row order (`rows` already widened).
    fn fill(&self, rows: &mut [Vec<Value>], slots: Range<usize>, meter: &mut Meter) -> Result<(), KqlError> {
        for k in slots {
            let values = self.slots[k].values(rows);
            for (row, v) in rows.iter_mut().zip(values) {
                meter.charge(fresh_bytes(&v))?;
                row[self.base + k] = v;
            }
        }
        Ok(())
    }

    /// The rows widened with every hidden column filled.
    fn filled(&self, mut rows: Vec<Vec<Value>>, meter: &mut Meter) -> Result<Vec<Vec<Value>>, KqlError> {
        for r in &mut rows {
            r.resize(self.width(), Value::Null);
        }
        // The widened rows are held (a copy when the input was shared) while the operator runs.
        meter.charge(budget::rows_bytes(rows.len(), self.width()))?;
        self.fill(&mut rows, 0..self.slots.len(), meter)?;
        Ok(rows)
    }

    /// `where` over the frame: the predicate sees the window values of the unfiltered input.
    pub(crate) fn filter_rows(&self, t: Table, pred: &CExpr, meter: &mut Meter) -> Result<Table, KqlError> {
        let width = t.columns.len();
        let mut rows = self.filled(t.rows, meter)?;
        rows.retain(|r| pred.eval(r).is_true());
        for r in &mut rows {
            r.truncate(width);
        }
        Ok(Table { columns: t.columns, rows })
    }

    /// `project` over the frame: each output row from its widened input row.
    pub(crate) fn project_rows(&self, rows: &[Vec<Value>], exprs: &[CExpr], meter: &mut Meter) -> Result<Vec<Vec<Value>>, KqlError> {
        let filled = self.filled(rows.to_vec(), meter)?;
        filled
            .iter()
            .map(|r| {
                let row: Vec<Value> = exprs.iter().map(|c| c.eval(r)).collect();
                let fresh: usize = row.iter().map(fresh_bytes).sum();
                meter.charge(budget::rows_bytes(1, row.len()) + fresh).map(|_| row)
            })
            .collect()
    }

    /// `extend` over the frame: item by item over every row, so that a window call in a later
    /// item sees the earlier items' columns; `bounds[j]..bounds[j + 1]` are item `j`'s calls.
    /// Each item's values are computed before any is stored: `extend A = prev(A)` reads the old `A`.
    pub(crate) fn extend_rows(
        &self,
        mut rows: Vec<Vec<Value>>,
        plan: &[(usize, CExpr)],
        bounds: &[usize],
        (width, meter): (usize, &mut Meter),
    ) -> Result<Vec<Vec<Value>>, KqlError> {
        for r in &mut rows {
            r.resize(self.width(), Value::Null);
        }
        meter.charge(budget::rows_bytes(rows.len(), self.width()))?;
        for (j, (idx, c)) in plan.iter().enumerate() {
            self.fill(&mut rows, bounds[j]..bounds[j + 1], meter)?;
            let values: Vec<Value> = rows.iter().map(|r| c.eval(r)).collect();
            for (row, v) in rows.iter_mut().zip(values) {
                meter.charge(fresh_bytes(&v))?;
                row[*idx] = v;
            }
        }
        for r in &mut rows {
            r.truncate(width);
        }
        Ok(rows)
    }
}

/// Equal terms for the rank functions: both null, or equal values.
fn same_term(a: &Value, b: &Value) -> bool {
    (a.is_null() && b.is_null()) || values_equal(a, b)
}

/// `row_cumsum`'s running sum: longs stay long, any real makes it real; a null adds nothing.
fn add(acc: &Value, v: &Value) -> Value {
    match (acc, v) {
        (_, Value::Null) => acc.clone(),
        (Value::Long(a), Value::Long(b)) => Value::Long(a.wrapping_add(*b)),
        (Value::Null, b) if b.as_f64().is_some() => b.clone(),
        (a, b) => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => Value::Real(x + y),
            _ => acc.clone(),
        },
    }
}

impl Slot {
    fn arg(&self, k: usize, row: &[Value]) -> Option<Value> {
        self.args.get(k).map(|a| a.eval(row))
    }

    /// Whether row `i` starts over: the first row, or the `restart` argument is true there.
    fn restarts(&self, i: usize, row: &[Value]) -> bool {
        i == 0 || self.kind.restart_arg().and_then(|k| self.arg(k, row)).is_some_and(|v| v.is_true())
    }

    /// The call's value for every row, in row order.
    fn values(&self, rows: &[Vec<Value>]) -> Vec<Value> {
        match self.kind {
            WindowKind::Prev | WindowKind::Next => (0..rows.len()).map(|i| self.neighbour(rows, i)).collect(),
            WindowKind::RowWindowSession => self.sessions(rows),
            _ => self.running(rows),
        }
    }

    /// `prev`/`next`: the column `offset` rows away, else the default.
    fn neighbour(&self, rows: &[Vec<Value>], i: usize) -> Value {
        let row = &rows[i];
        let offset = self.arg(1, row).and_then(|v| v.as_i64()).unwrap_or(1);
        let at = if self.kind == WindowKind::Prev {
            i.checked_sub(offset as usize)
        } else {
            i.checked_add(offset as usize)
        };
        match at.filter(|&j| offset >= 0 && j < rows.len()) {
            Some(j) => self.args[0].eval(&rows[j]),
            None => self
                .arg(2, row)
                .map_or_else(|| self.fallback.clone(), |d| self.ty.map_or(d.clone(), |ty| convert(&d, ty))),
        }
    }

    /// The functions that carry a running state from row to row.
    fn running(&self, rows: &[Vec<Value>]) -> Vec<Value> {
        let (mut n, mut rank) = (0i64, 0i64);
        let (mut sum, mut last) = (self.fallback.clone(), Value::Null);
        let mut out = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let restart = self.restarts(i, row);
            let term = self.arg(0, row).unwrap_or(Value::Null);
            out.push(match self.kind {
                WindowKind::RowNumber => {
                    n = if restart { term.as_i64().unwrap_or(1) } else { n.wrapping_add(1) };
                    Value::Long(n)
                }
                WindowKind::RowCumsum => {
                    sum = add(if restart { &self.fallback } else { &sum }, &term);
                    sum.clone()
                }
                WindowKind::RowRankDense => {
                    rank = if restart { 1 } else { rank + i64::from(!same_term(&last, &term)) };
                    Value::Long(rank)
                }
                _ => {
                    n = if restart { 1 } else { n + 1 };
                    if restart || !same_term(&last, &term) {
                        rank = n;
                    }
                    Value::Long(rank)
                }
            });
            last = term;
        }
        out
    }

    /// `row_window_session`: a value starts a new session when there is no session (the first
    /// row, or after a null), when it is at least the session's first value plus
    /// `maxDistanceFromFirst`, at least the previous value plus `maxDistanceBetweenNeighbors`, or
    /// `restart` holds; each row gets its session's first value; a null gets null.
    fn sessions(&self, rows: &[Vec<Value>]) -> Vec<Value> {
        let ticks = |k: usize| match self.args[k].eval(&[]) {
            Value::TimeSpan(t) => t,
            _ => 0,
        };
        let (from_first, between) = (ticks(1), ticks(2));
        let (mut start, mut last): (Option<i64>, Option<i64>) = (None, None);
        let mut out = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let Value::DateTime(t) = self.args[0].eval(row) else {
                (start, last) = (None, None);
                out.push(Value::Null);
                continue;
            };
            let new = self.restarts(i, row)
                || match (start, last) {
                    (Some(s), Some(p)) => t >= s.saturating_add(from_first) || t >= p.saturating_add(between),
                    _ => true,
                };
            if new {
                start = Some(t);
            }
            last = Some(t);
            out.push(start.map_or(Value::Null, Value::DateTime));
        }
        out
    }
}

impl Evaluator<'_> {
    /// Runs `compile` (an operator compiling its expressions) with window calls allowed: they
    /// become hidden columns from `base` on, returned in the frame.
    pub(crate) fn windowed<T>(&self, base: usize, compile: impl FnOnce() -> Result<T, KqlError>) -> Result<(T, Frame), KqlError> {
        let frame = Frame {
            base,
            serialized: self.serialized.get(),
            slots: Vec::new(),
        };
        let outer = self.window.replace(Some(frame));
        let result = compile();
        let frame = self.window.replace(outer).unwrap_or_default();
        Ok((result?, frame))
    }

    /// Runs `f` (a nested query) with the enclosing operator's window calls out of reach.
    pub(crate) fn unwindowed<T>(&self, f: impl FnOnce() -> T) -> T {
        let outer = self.window.take();
        let result = f();
        self.window.replace(outer);
        result
    }

    /// How many window calls the operator compiling now has (to split them by item).
    pub(crate) fn window_calls(&self) -> usize {
        self.window.borrow().as_ref().map_or(0, Frame::len)
    }

    /// Compiles a window call into the next hidden column of the frame being collected.
    pub(crate) fn window_call(&self, kind: WindowKind, args: &[Expr], span: Span, cols: &[Column], env: &Env) -> Result<CExpr, KqlError> {
        let (name, min, max) = kind.def();
        let serialized = match self.window.borrow().as_ref() {
            None => {
                return Err(self.err(
                    span,
                    format!("`{name}()` cannot be invoked here: window functions run in extend, project, where and serialize"),
                ));
            }
            Some(frame) => frame.serialized,
        };
        if !serialized {
            return Err(self.err(
                span,
                format!(
                    "`{name}()` cannot be invoked in the current context: the row set must be serialized; \
                     add `| serialize` or `| sort by …` before this operator (tables, summarize, join, distinct \
                     and count give rows in no defined order)"
                ),
            ));
        }
        if args.len() < min || args.len() > max {
            let want = if min == max { format!("{min}") } else { format!("{min} to {max}") };
            return Err(self.err(span, format!("`{name}` takes {want} arguments, got {}", args.len())));
        }
        let mut compiled = Vec::with_capacity(args.len());
        for a in args {
            compiled.push(self.compile(a, cols, env)?);
        }
        let fallback = self.check_window_args(kind, args, &compiled, cols)?;
        let ty = args
            .first()
            .and_then(|a| super::types::static_type(a, cols))
            .filter(|t| *t != KqlType::Dynamic);
        let mut frame = self.window.borrow_mut();
        let frame = frame
            .as_mut()
            .ok_or_else(|| self.err(span, format!("`{name}()` cannot be invoked here")))?;
        frame.slots.push(Slot {
            kind,
            args: compiled,
            fallback,
            ty,
        });
        Ok(CExpr::Col(frame.base + frame.slots.len() - 1))
    }

    /// Checks argument types the call's page requires (where the expression's type is known) and
    /// returns the slot's fallback value.
    fn check_window_args(&self, kind: WindowKind, args: &[Expr], compiled: &[CExpr], cols: &[Column]) -> Result<Value, KqlError> {
        use KqlType::*;
        let (name, _, _) = kind.def();
        let ty = |k: usize| args.get(k).and_then(|a| super::types::static_type(a, cols));
        let wrong = |k: usize, what: &str| Err(self.err(args[k].span(), format!("{what} of `{name}()` must be {}", expected(kind, k))));
        if let Some(k) = kind.restart_arg()
            && ty(k).is_some_and(|t| t != Bool)
        {
            return wrong(k, "the restart argument");
        }
        Ok(match kind {
            WindowKind::Prev | WindowKind::Next => {
                if ty(1).is_some_and(|t| !matches!(t, Long | Int)) {
                    return wrong(1, "the offset");
                }
                convert(&Value::Null, ty(0).unwrap_or(Dynamic))
            }
            WindowKind::RowNumber if ty(0).is_some_and(|t| !matches!(t, Long | Int)) => return wrong(0, "the starting index"),
            WindowKind::RowCumsum => match ty(0) {
                None | Some(Dynamic) => Value::Null,
                Some(Long | Int) => Value::Long(0),
                Some(Real | Decimal) => Value::Real(0.0),
                Some(_) => return wrong(0, "the term"),
            },
            WindowKind::RowWindowSession => {
                if ty(0).is_some_and(|t| t != DateTime) {
                    return wrong(0, "the expression");
                }
                for k in [1, 2] {
                    if !matches!(compiled[k], CExpr::Const(Value::TimeSpan(_))) {
                        return wrong(k, "the distance");
                    }
                }
                Value::Null
            }
            _ => Value::Null,
        })
    }
}

/// What argument `k` of a window function must be, for messages.
fn expected(kind: WindowKind, k: usize) -> &'static str {
    match (kind, k) {
        (WindowKind::RowWindowSession, 0) => "a datetime",
        (WindowKind::RowWindowSession, 1 | 2) => "a constant timespan (e.g. `1h`)",
        (WindowKind::RowCumsum, 0) => "a number (int, long or real)",
        (_, k) if Some(k) == kind.restart_arg() => "a bool",
        _ => "a whole number (long)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(kind: WindowKind, args: Vec<CExpr>, fallback: Value) -> Slot {
        Slot {
            kind,
            args,
            fallback,
            ty: None,
        }
    }

    fn rows(values: &[i64]) -> Vec<Vec<Value>> {
        values.iter().map(|v| vec![Value::Long(*v)]).collect()
    }

    #[test]
    fn rank_functions_follow_the_docs_examples() {
        // row-rank-dense-function / row-rank-min-function: departures 2, 3, 3, 3, 100.
        let input = rows(&[2, 3, 3, 3, 100]);
        let dense = slot(WindowKind::RowRankDense, vec![CExpr::Col(0)], Value::Null).values(&input);
        assert_eq!(dense, [1, 2, 2, 2, 3].map(Value::Long));
        let min = slot(WindowKind::RowRankMin, vec![CExpr::Col(0)], Value::Null).values(&input);
        assert_eq!(min, [1, 2, 2, 2, 5].map(Value::Long));
    }

    #[test]
    fn cumsum_skips_nulls_and_prev_pads_with_the_fallback() {
        let input = vec![vec![Value::Long(2)], vec![Value::Null], vec![Value::Long(4)]];
        let sum = slot(WindowKind::RowCumsum, vec![CExpr::Col(0)], Value::Long(0)).values(&input);
        assert_eq!(sum, [2, 2, 6].map(Value::Long));
        let prev = slot(WindowKind::Prev, vec![CExpr::Col(0), CExpr::Const(Value::Long(2))], Value::Null).values(&input);
        assert_eq!(prev, [Value::Null, Value::Null, Value::Long(2)]);
    }

    #[test]
    fn sessions_restart_after_a_null() {
        let m = super::super::super::value::TICKS_PER_MINUTE;
        let input: Vec<Vec<Value>> = [Some(0), Some(m), None, Some(2 * m)]
            .iter()
            .map(|t| vec![t.map_or(Value::Null, Value::DateTime)])
            .collect();
        let args = vec![
            CExpr::Col(0),
            CExpr::Const(Value::TimeSpan(60 * m)),
            CExpr::Const(Value::TimeSpan(5 * m)),
        ];
        let starts = slot(WindowKind::RowWindowSession, args, Value::Null).values(&input);
        assert_eq!(
            starts,
            [Value::DateTime(0), Value::DateTime(0), Value::Null, Value::DateTime(2 * m)]
        );
    }
}
