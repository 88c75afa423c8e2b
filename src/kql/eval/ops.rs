//! Tabular operators.

use rustc_hash::FxHashMap;
use std::collections::HashSet;
use std::sync::Arc;

use super::super::ast::*;
use super::super::budget::{self, fresh_bytes};
use super::super::error::{KqlError, suggest};
use super::super::functions::regex;
use super::super::table::{Column, Table};
use super::super::value::{KqlType, Value, convert, sort_order};
use super::aggregate::{self, Agg, AggKind};
use super::expr::CExpr;
use super::join;
use super::meter::Meter;
use super::{Binding, Env, Evaluator};

/// A join's side of at least this many rows is freed on a thread of its own while the query
/// goes on: freeing a million rows takes about a tenth of a second, starting a thread a few
/// microseconds.
const DROP_ASIDE_ROWS: usize = 100_000;

/// A column name derived from an expression, as Kusto does: `a.b[0]` → `a_b_0`, `bin(T, 1h)` → `T`.
pub(crate) fn derive_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Ident(n, _) => Some(n.clone()),
        Expr::Member(b, k, _) => Some(format!("{}_{k}", derive_name(b)?)),
        Expr::Index(b, i, _) => match i.as_ref() {
            Expr::Literal(Literal::Long(n), _) => Some(format!("{}_{n}", derive_name(b)?)),
            Expr::Literal(Literal::String(k), _) => Some(format!("{}_{k}", derive_name(b)?)),
            _ => derive_name(b),
        },
        Expr::Call { args, .. } => args.first().and_then(derive_name),
        _ => None,
    }
}

/// Functions whose unnamed result keeps its first argument's name, as Microsoft's analyzer names
/// them (`tostring(B)` is `B`, `bin(T, 1h)` is `T`; `tolower(C)` is `Column1`): conversions,
/// rounding and a few others, probed one by one against `@kusto/language-service-next`.
const NAME_KEEPING_FUNCTIONS: &[&str] = &[
    "tostring",
    "toint",
    "tolong",
    "todouble",
    "toreal",
    "todecimal",
    "tobool",
    "toboolean",
    "todatetime",
    "totimespan",
    "toguid",
    "todynamic",
    "parse_json",
    "tohex",
    "bin",
    "floor",
    "bin_at",
    "round",
    "ceiling",
    "abs",
    "sqrt",
    "exp",
    "log",
    "split",
    "startofday",
    "format_datetime",
];

/// The name `extend`, `project`, `distinct` and `summarize … by` give an unnamed expression:
/// columns and paths keep theirs (`B.x` is `B_x`), so do [`NAME_KEEPING_FUNCTIONS`] over them,
/// `strlen(C)` is `strlen_C` and `gettype(A)` `type_A`; anything else is generated (`Column1`…)
/// so it can never silently replace an input column.
pub(super) fn derive_column_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Call { name, args, .. } => {
            let inner = || args.first().and_then(derive_column_name);
            match name.as_str() {
                n if NAME_KEEPING_FUNCTIONS.contains(&n) => inner(),
                "strlen" => inner().map(|n| format!("strlen_{n}")),
                "gettype" => inner().map(|n| format!("type_{n}")),
                // Named as Microsoft's analyzer names them (…/dcount-hll-function, …/merge-tdigest-function).
                "dcount_hll" => inner().map(|n| format!("dcount_hll_{n}")),
                "percentile_tdigest" | "percentiles_array_tdigest" => inner().map(|n| format!("percentile_tdigest_{n}")),
                "hll_merge" => Some("hll_merged_result".to_owned()),
                "merge_tdigest" => Some("tdigests_merge_result".to_owned()),
                _ => None,
            }
        }
        other => derive_name(other),
    }
}

fn col_type(rows: &[Vec<Value>], idx: usize) -> KqlType {
    typed_col(rows, idx, None)
}

/// A computed column's type: its values', else the expression's static type, else `dynamic`.
fn typed_col(rows: &[Vec<Value>], idx: usize, static_type: Option<KqlType>) -> KqlType {
    let from_values = rows.iter().filter_map(|r| r.get(idx)).find_map(Value::kql_type);
    super::types::column_type(from_values, static_type, KqlType::Dynamic)
}

/// Glob match with `*` wildcards.
pub(crate) fn glob(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == name;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(p) => rest = &rest[p + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// The null to pad a missing cell of a column type with (strings are never null: empty instead).
pub(crate) fn null_of(ty: KqlType) -> Value {
    if ty == KqlType::String { Value::str("") } else { Value::Null }
}

/// Adds `name` to `names`, renaming clashes `name1`, `name2`, … (as join does for right-side columns).
pub(super) fn unique_name(name: &str, names: &[String]) -> String {
    if !names.iter().any(|n| n == name) {
        return name.to_string();
    }
    (1..)
        .map(|i| format!("{name}{i}"))
        .find(|c| !names.iter().any(|n| n == c))
        .unwrap_or_default()
}

impl Evaluator<'_> {
    pub(super) fn missing_column(&self, name: &str, cols: &[Column], span: super::super::error::Span) -> KqlError {
        let hint = suggest(name, cols.iter().map(|c| c.name.as_str()))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        self.err(span, format!("unknown column `{name}`{hint}"))
    }

    pub(super) fn const_long(&self, e: &Expr, env: &Env) -> Result<i64, KqlError> {
        match self.compile(e, &[], env)?.eval(&[]) {
            Value::Long(n) => Ok(n),
            Value::Real(f) => Ok(f as i64),
            _ => Err(self.err(e.span(), "expected a constant number")),
        }
    }

    /// Applies one operator, keeping track of whether its output is serialized.
    pub(crate) fn apply(&self, op: &Operator, t: Arc<Table>, env: &mut Env) -> Result<Arc<Table>, KqlError> {
        let input = self.serialized.get();
        let result = self.apply_op(op, t, env);
        self.serialized.set(super::window::keeps_order(op, input));
        result
    }

    fn apply_op(&self, op: &Operator, t: Arc<Table>, env: &mut Env) -> Result<Arc<Table>, KqlError> {
        // `where` and `extend` reuse the input's rows when nobody else holds them (every stage
        // after the first): moving rows instead of cloning and dropping them is most of their cost.
        match op {
            Operator::Where(pred) => return self.filter(t, pred, env).map(Arc::new),
            // `(a, b) = series_fit_line(…)` and other multi-value calls (eval/tuple.rs).
            Operator::Extend(items) | Operator::Project(items) if super::tuple::has_multi_value(items, env) => {
                return self.apply_multi_value(items, matches!(op, Operator::Extend(_)), t, env);
            }
            Operator::Extend(items) => return Ok(Arc::new(self.extend(t, items, env)?)),
            Operator::Project(items) => return self.project_owned(t, items, env),
            Operator::Serialize(items) if !items.is_empty() => {
                // `serialize` itself serializes: its own expressions may use window functions.
                self.serialized.set(true);
                return Ok(Arc::new(self.extend(t, items, env)?));
            }
            Operator::Search(spec) => return self.search(Some(t), spec, spec.predicate.span(), env),
            Operator::Invoke { name, args } => return self.invoke(t, name, args, env),
            Operator::Render(spec) => return self.render(t, spec),
            Operator::Fork(_) | Operator::Facet(_) => return Err(self.multi_result_error(op)),
            _ => {}
        }
        let cols = &t.columns;
        Ok(Arc::new(match op {
            Operator::Where(_)
            | Operator::Extend(_)
            | Operator::Project(_)
            | Operator::Serialize(_)
            | Operator::Search(_)
            | Operator::Invoke { .. }
            | Operator::Render(_)
            | Operator::Fork(_)
            | Operator::Facet(_) => return Ok(t),
            Operator::ProjectAway(pats) => self.project_matching(&t, pats, false)?,
            Operator::ProjectKeep(pats) => self.project_matching(&t, pats, true)?,
            Operator::ProjectReorder(pats) => project_reorder(&t, pats),
            Operator::ProjectRename(pairs) => self.project_rename(&t, pairs)?,
            Operator::Summarize { aggs, by } => self.summarize(&t, aggs, by, env)?,
            Operator::Join(spec) => self.join(&t, spec, env)?,
            Operator::Lookup(spec) => self.lookup(&t, spec, env)?,
            Operator::Scan(spec) => self.scan(&t, spec, env)?,
            Operator::Evaluate(spec) => self.evaluate(&t, spec, env)?,
            Operator::MakeSeries(spec) => self.make_series(&t, spec, env)?,
            Operator::Union(spec) => return self.union(Some(t), spec, None, env),
            Operator::MvExpand(spec) => self.mv_expand(&t, spec, env)?,
            Operator::MvApply { expand, body } => self.mv_apply(&t, expand, body, env)?,
            Operator::Parse { kind, expr, pattern } => self.parse_op(&t, (kind.unwrap_or_default(), None, false), expr, pattern, env)?,
            Operator::ParseWhere {
                kind,
                flags,
                expr,
                pattern,
            } => self.parse_op(&t, (kind.unwrap_or_default(), flags.as_deref(), true), expr, pattern, env)?,
            Operator::ParseKv(spec) => self.parse_kv(&t, spec, env)?,
            Operator::TopNested(levels) => self.top_nested(&t, levels, env)?,
            Operator::TopHitters { count, expr, by } => self.top_hitters(t.clone(), count, expr, by.as_ref(), env)?,
            Operator::Partition(spec) => self.partition(&t, spec, env)?,
            Operator::Sample(n) => self.sample(&t, n, env)?,
            Operator::SampleDistinct { count, column } => self.sample_distinct(&t, count, column, env)?,
            Operator::Distinct(items) => self.distinct(&t, items, env)?,
            Operator::Sort(keys) => self.sort(&t, keys, env)?,
            Operator::Top { count, key } => {
                let n = self.const_long(count, env)?.max(0) as usize;
                let mut sorted = self.sort(&t, std::slice::from_ref(key), env)?;
                sorted.rows.truncate(n);
                sorted
            }
            Operator::Take(n) => {
                let n = self.const_long(n, env)?.max(0) as usize;
                Table {
                    columns: cols.clone(),
                    rows: t.rows.iter().take(n).cloned().collect(),
                }
            }
            Operator::Count => Table {
                columns: vec![Column::new("Count", KqlType::Long)],
                rows: vec![vec![Value::Long(t.rows.len() as i64)]],
            },
            Operator::As { name, .. } => {
                self.bind_let(env, name, Binding::Tabular(t.clone()));
                return Ok(t);
            }
            Operator::GetSchema => schema_of(cols),
        }))
    }

    /// `project-away` (`keep_matching` false) and `project-keep` (true): columns by name or glob;
    /// a plain name that matches no column is an error.
    fn project_matching(&self, t: &Table, pats: &[Name], keep_matching: bool) -> Result<Table, KqlError> {
        let cols = &t.columns;
        for p in pats {
            if !p.text.contains('*') && !cols.iter().any(|c| c.name == p.text) {
                return Err(self.missing_column(&p.text, cols, p.span));
            }
        }
        let idx: Vec<usize> = (0..cols.len())
            .filter(|&i| pats.iter().any(|p| glob(&p.text, &cols[i].name)) == keep_matching)
            .collect();
        Ok(select(t, &idx))
    }

    /// `project-rename New = Old, …`.
    fn project_rename(&self, t: &Table, pairs: &[(Name, Name)]) -> Result<Table, KqlError> {
        let mut out = t.clone();
        for (new, old) in pairs {
            let i = out
                .column_index(&old.text)
                .ok_or_else(|| self.missing_column(&old.text, &t.columns, old.span))?;
            out.columns[i].name = new.text.clone();
        }
        Ok(out)
    }

    /// `distinct`: the first row of each distinct combination, in order.
    fn distinct(&self, t: &Table, items: &[NamedExpr], env: &Env) -> Result<Table, KqlError> {
        let base = if items.is_empty() {
            t.clone()
        } else {
            self.project(t, items, env)?
        };
        let mut seen = HashSet::new();
        let mut meter = Meter::new(self);
        let mut rows = Vec::new();
        for r in base.rows {
            meter.tick()?;
            if !seen.contains(&r) {
                // Kept rows are held twice: in the result and in the seen set.
                meter.charge(budget::rows_bytes(2, r.len()))?;
                seen.insert(r.clone());
                rows.push(r);
            }
        }
        Ok(Table {
            columns: base.columns,
            rows,
        })
    }

    /// The pipeline's leading `where`s over rows read in place (a catalog table or a window of
    /// one), in one pass: a row is copied out only once it passes them all, and only the columns
    /// at `keep` (or all of them). `where A | where B` keeps what `where A and B` keeps, so a rule
    /// that first narrows by time (which every row passes) and then by result no longer copies
    /// every row for the second to drop (…/kusto/query/where-operator).
    ///
    /// Returns the rows and how many passed each `where` in turn. The pass stops before a
    /// `where` whose predicate calls window functions, which need the rows as a table of their
    /// own; `None` when the first one does.
    pub(crate) fn filter_slice(
        &self,
        (columns, rows): (&[Column], &[Vec<Value>]),
        p: &Pipeline,
        env: &Env,
        keep: Option<&[usize]>,
    ) -> Result<Option<(Table, Vec<usize>)>, KqlError> {
        let mut preds = Vec::new();
        for (i, op) in p.ops.iter().enumerate() {
            let Operator::Where(pred) = op else { break };
            let saved = self.cur_op.replace((super::op_name(op), p.op_spans.get(i).copied()));
            let compiled = self.windowed(columns.len(), || self.compile(pred, columns, env));
            self.cur_op.set(saved);
            let (c, frame) = compiled?;
            if !frame.is_empty() {
                break;
            }
            preds.push(c);
        }
        if preds.is_empty() {
            return Ok(None);
        }
        // A budget or deadline stops the pass at the first `where`, the one reading the rows.
        let saved = self.cur_op.replace((super::op_name(&p.ops[0]), p.op_spans.first().copied()));
        let mut meter = Meter::new(self);
        let width = keep.map_or(columns.len(), <[usize]>::len);
        let mut passed = vec![0; preds.len()];
        let mut kept = Vec::new();
        for r in rows {
            meter.tick()?;
            // How many of the `where`s in turn this row passes.
            let through = preds.iter().take_while(|c| c.eval(r).is_true()).count();
            for count in &mut passed[..through] {
                *count += 1;
            }
            if through == preds.len() {
                meter.row(width)?;
                kept.push(keep.map_or_else(|| r.clone(), |keep| super::prune::pick(r, keep)));
            }
        }
        self.cur_op.set(saved);
        let columns = keep.map_or_else(|| columns.to_vec(), |keep| super::prune::pick(columns, keep));
        Ok(Some((Table { columns, rows: kept }, passed)))
    }

    /// `where`: filters in place when nobody else holds the rows, else copies the kept ones.
    fn filter(&self, t: Arc<Table>, pred: &Expr, env: &Env) -> Result<Table, KqlError> {
        let (c, frame) = self.windowed(t.columns.len(), || self.compile(pred, &t.columns, env))?;
        let mut meter = Meter::new(self);
        if !frame.is_empty() {
            let owned = Arc::try_unwrap(t).unwrap_or_else(|shared| (*shared).clone());
            return frame.filter_rows(owned, &c, &mut meter);
        }
        match Arc::try_unwrap(t) {
            Ok(mut owned) => {
                // `retain` cannot stop early: after a budget error, drop the rest unevaluated.
                let mut failed = None;
                owned.rows.retain(|r| {
                    if failed.is_some() {
                        return false;
                    }
                    if let Err(e) = meter.tick() {
                        failed = Some(e);
                        return false;
                    }
                    c.eval(r).is_true()
                });
                failed.map_or(Ok(owned), Err)
            }
            Err(shared) => {
                let width = shared.columns.len();
                let mut rows = Vec::new();
                for r in &shared.rows {
                    meter.tick()?;
                    if c.eval(r).is_true() {
                        meter.row(width)?;
                        rows.push(r.clone());
                    }
                }
                Ok(Table {
                    columns: shared.columns.clone(),
                    rows,
                })
            }
        }
    }

    /// Compiles `extend`'s items, growing `cols` by the new columns: each item's target column
    /// and expression, its static type and whether it is a path, and its window calls.
    fn extend_plan(&self, cols: &mut Vec<Column>, items: &[NamedExpr], env: &Env) -> Result<ExtendPlan, KqlError> {
        let mut plan: Vec<(usize, CExpr)> = Vec::new();
        let mut statics: Vec<(Option<KqlType>, bool)> = Vec::new();
        let mut unnamed = 0;
        // Window calls' hidden columns go past every column the items can add.
        let (bounds, frame) = self.windowed(cols.len() + items.len(), || {
            let mut bounds = vec![0];
            for item in items {
                let c = self.compile(&item.expr, cols, env)?;
                statics.push((super::types::static_type(&item.expr, cols), super::types::is_path(&item.expr)));
                let name = match &item.name {
                    Some(n) => n.clone(),
                    None => derive_column_name(&item.expr).unwrap_or_else(|| {
                        unnamed += 1;
                        format!("Column{unnamed}")
                    }),
                };
                let idx = match cols.iter().position(|c| c.name == name) {
                    Some(i) => i,
                    None => {
                        cols.push(Column::new(name, KqlType::Dynamic));
                        cols.len() - 1
                    }
                };
                plan.push((idx, c));
                bounds.push(self.window_calls());
            }
            Ok(bounds)
        })?;
        Ok((plan, statics, bounds, frame))
    }

    /// `extend`: later items see earlier ones; an existing name is replaced in place.
    fn extend(&self, t: Arc<Table>, items: &[NamedExpr], env: &Env) -> Result<Table, KqlError> {
        let mut cols = t.columns.clone();
        let (plan, statics, bounds, frame) = self.extend_plan(&mut cols, items, env)?;
        let width = cols.len();
        let input_types: Vec<KqlType> = t.columns.iter().map(|c| c.ty).collect();
        let mut meter = Meter::new(self);
        let rows: Vec<Vec<Value>> = if frame.is_empty() {
            let mut fill = |mut row: Vec<Value>| {
                row.resize(width, Value::Null);
                let mut bytes = budget::rows_bytes(1, width);
                for (idx, c) in &plan {
                    row[*idx] = c.eval(&row);
                    bytes += fresh_bytes(&row[*idx]);
                }
                meter.charge(bytes).map(|_| row)
            };
            match Arc::try_unwrap(t) {
                Ok(owned) => owned.rows.into_iter().map(fill).collect::<Result<_, _>>()?,
                Err(shared) => shared.rows.iter().map(|r| fill(r.clone())).collect::<Result<_, _>>()?,
            }
        } else {
            let input = Arc::try_unwrap(t).map_or_else(|shared| shared.rows.clone(), |owned| owned.rows);
            frame.extend_rows(input, &plan, &bounds, (width, &mut meter))?
        };
        meter.finish();
        for ((idx, c), (static_type, path)) in plan.iter().zip(&statics) {
            cols[*idx].ty = match c {
                CExpr::Col(src) if *src < input_types.len() => input_types[*src],
                _ if *path => KqlType::Dynamic,
                _ => typed_col(&rows, *idx, *static_type),
            };
        }
        // "Column names noted by extend that already exist in the input are removed and appended as
        // their new calculated values" (learn.microsoft.com/kusto/query/extend-operator): untouched
        // input columns keep their order, then every extended column in the order written.
        let mut extended: Vec<usize> = Vec::new();
        for (idx, _) in &plan {
            if !extended.contains(idx) {
                extended.push(*idx);
            }
        }
        let replaced_input = extended.iter().any(|&i| i < input_types.len());
        if !replaced_input {
            return Ok(Table { columns: cols, rows });
        }
        let order: Vec<usize> = (0..input_types.len())
            .filter(|i| !extended.contains(i))
            .chain(extended.iter().copied())
            .collect();
        let columns = order.iter().map(|&i| cols[i].clone()).collect();
        let rows = rows
            .into_iter()
            .map(|mut r| order.iter().map(|&i| std::mem::take(&mut r[i])).collect())
            .collect();
        Ok(Table { columns, rows })
    }

    /// `project` of columns only (`project A, B = C`) over rows nobody else holds: each row's
    /// values are moved into its new row, whose input row is freed at once, so the stage never
    /// holds two copies of the table (a million sign-ins' rows are hundreds of MB). Any other
    /// `project` computes a new table beside its input.
    fn project_owned(&self, t: Arc<Table>, items: &[NamedExpr], env: &Env) -> Result<Arc<Table>, KqlError> {
        let plan = self.project_plan(&t.columns, items, env)?;
        let (_, exprs, frame) = &plan;
        let places: Option<Vec<usize>> = exprs
            .iter()
            .zip(items)
            .map(|(c, item)| match c {
                CExpr::Col(i) if *i < t.columns.len() && !super::types::is_path(&item.expr) => Some(*i),
                _ => None,
            })
            .collect();
        // A column projected twice is copied, not moved: the copying path handles it.
        let distinct = |p: &[usize]| p.iter().enumerate().all(|(k, i)| !p[..k].contains(i));
        let Some(places) = places.filter(|p| frame.is_empty() && distinct(p)) else {
            return Ok(Arc::new(self.project_rows(&t, items, plan)?));
        };
        let mut owned = match Arc::try_unwrap(t) {
            Ok(owned) => owned,
            Err(shared) => return Ok(Arc::new(self.project_rows(&shared, items, plan)?)),
        };
        let mut meter = Meter::new(self);
        for row in &mut owned.rows {
            meter.tick()?;
            *row = places.iter().map(|&i| std::mem::take(&mut row[i])).collect();
        }
        meter.finish();
        Ok(Arc::new(Table {
            columns: plan.0,
            rows: owned.rows,
        }))
    }

    fn project(&self, t: &Table, items: &[NamedExpr], env: &Env) -> Result<Table, KqlError> {
        let plan = self.project_plan(&t.columns, items, env)?;
        self.project_rows(t, items, plan)
    }

    /// Compiles `project`'s items over `input`: the output columns, their expressions, and the
    /// window frame of any window calls among them.
    fn project_plan(&self, input: &[Column], items: &[NamedExpr], env: &Env) -> Result<ProjectPlan, KqlError> {
        let mut cols = Vec::new();
        let mut exprs = Vec::new();
        let mut unnamed = 0;
        let ((), frame) = self.windowed(input.len(), || {
            for item in items {
                self.project_item(item, input, (&mut cols, &mut exprs), env, &mut unnamed)?;
            }
            Ok(())
        })?;
        Ok((cols, exprs, frame))
    }

    /// Computes a compiled `project` as a new table beside its input.
    fn project_rows(&self, t: &Table, items: &[NamedExpr], (mut cols, exprs, frame): ProjectPlan) -> Result<Table, KqlError> {
        let mut meter = Meter::new(self);
        let rows: Vec<Vec<Value>> = if frame.is_empty() {
            t.rows
                .iter()
                .map(|r| {
                    let row: Vec<Value> = exprs.iter().map(|c| c.eval(r)).collect();
                    let fresh: usize = row.iter().map(fresh_bytes).sum();
                    meter.charge(budget::rows_bytes(1, row.len()) + fresh).map(|_| row)
                })
                .collect::<Result<_, _>>()?
        } else {
            frame.project_rows(&t.rows, &exprs, &mut meter)?
        };
        meter.finish();
        let input = |c: &CExpr| matches!(c, CExpr::Col(i) if *i < t.columns.len());
        for (i, (c, item)) in exprs.iter().zip(items).enumerate() {
            if super::types::is_path(&item.expr) {
                cols[i].ty = KqlType::Dynamic;
            } else if !input(c) {
                cols[i].ty = typed_col(&rows, i, super::types::static_type(&item.expr, &t.columns));
            }
        }
        Ok(Table { columns: cols, rows })
    }

    /// Compiles one `project` item into its column and expression.
    fn project_item(
        &self,
        item: &NamedExpr,
        input: &[Column],
        (cols, exprs): (&mut Vec<Column>, &mut Vec<CExpr>),
        env: &Env,
        unnamed: &mut usize,
    ) -> Result<(), KqlError> {
        let c = self.compile(&item.expr, input, env)?;
        let name = match &item.name {
            Some(n) => n.clone(),
            // A derived name already taken gets a number, as Kusto numbers them (`A`, `A1`).
            None => match derive_column_name(&item.expr) {
                Some(n) if cols.iter().any(|c: &Column| c.name == n) => {
                    let names: Vec<String> = cols.iter().map(|c: &Column| c.name.clone()).collect();
                    unique_name(&n, &names)
                }
                Some(n) => n,
                None => next_column_name(unnamed),
            },
        };
        let ty = match &c {
            // An input column keeps its type (a window call's hidden column is past the input).
            CExpr::Col(i) if *i < input.len() => input[*i].ty,
            _ => KqlType::Dynamic,
        };
        cols.push(Column::new(name, ty));
        exprs.push(c);
        Ok(())
    }

    fn sort(&self, t: &Table, keys: &[SortKey], env: &Env) -> Result<Table, KqlError> {
        let compiled: Vec<(CExpr, bool, bool)> = keys
            .iter()
            .map(|k| {
                let desc = k.order != Some(SortOrder::Asc);
                // Defaults (…/sort-operator): nulls last when descending, first when ascending.
                let nulls_first = k.nulls.map_or(!desc, |n| n == NullsPlacement::First);
                self.compile(&k.expr, &t.columns, env).map(|c| (c, desc, nulls_first))
            })
            .collect::<Result<_, _>>()?;
        let mut meter = Meter::new(self);
        let mut keyed: Vec<(Vec<Value>, &Vec<Value>)> = t
            .rows
            .iter()
            .map(|r| {
                let key: Vec<Value> = compiled.iter().map(|(c, _, _)| c.eval(r)).collect();
                // The keys and the sorted copy of the row both live until the sort ends.
                let bytes = budget::rows_bytes(1, key.len() + r.len()) + key.iter().map(fresh_bytes).sum::<usize>();
                meter.charge(bytes).map(|_| (key, r))
            })
            .collect::<Result<_, _>>()?;
        keyed.sort_by(|(a, _), (b, _)| {
            for (i, (_, desc, nulls_first)) in compiled.iter().enumerate() {
                let (x, y) = (&a[i], &b[i]);
                let ord = match (x.is_null(), y.is_null()) {
                    (true, true) => std::cmp::Ordering::Equal,
                    (true, false) => {
                        if *nulls_first {
                            std::cmp::Ordering::Less
                        } else {
                            std::cmp::Ordering::Greater
                        }
                    }
                    (false, true) => {
                        if *nulls_first {
                            std::cmp::Ordering::Greater
                        } else {
                            std::cmp::Ordering::Less
                        }
                    }
                    _ => {
                        let o = sort_order(x, y);
                        if *desc { o.reverse() } else { o }
                    }
                };
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
            }
            std::cmp::Ordering::Equal
        });
        Ok(Table {
            columns: t.columns.clone(),
            rows: keyed.into_iter().map(|(_, r)| r.clone()).collect(),
        })
    }

    // ---- summarize ----

    fn summarize(&self, t: &Table, aggs: &[NamedExpr], by: &[NamedExpr], env: &Env) -> Result<Table, KqlError> {
        let mut unnamed = 0;
        let (key_cols, key_exprs) = self.summarize_keys(&t.columns, by, env, &mut unnamed)?;
        let mut all_aggs: Vec<Agg> = Vec::new();
        let mut outputs = Vec::new();
        for item in aggs {
            outputs.push(self.summarize_output(item, &t.columns, &key_cols, env, &mut all_aggs, &mut unnamed)?);
        }
        let mut groups = self.group_rows(t, &key_exprs, &all_aggs)?;
        // Without `by`, empty input still gives one row of defaults (…/summarize-operator).
        if groups.is_empty() && key_exprs.is_empty() {
            groups.push((Vec::new(), all_aggs.iter().map(Agg::init).collect()));
        }
        let mut out_cols = key_cols.clone();
        // Which columns' types are known before any row (the others come from the values).
        let mut typed: Vec<bool> = key_cols.iter().map(|c| c.ty != KqlType::Dynamic).collect();
        for o in &outputs {
            match o {
                OutItem::Direct { names, types, .. } => {
                    out_cols.extend(
                        names
                            .iter()
                            .zip(types)
                            .map(|(n, t)| Column::new(n.clone(), t.unwrap_or(KqlType::Dynamic))),
                    );
                    typed.extend(types.iter().map(Option::is_some));
                }
                OutItem::Computed { name, .. } => {
                    out_cols.push(Column::new(name.clone(), KqlType::Dynamic));
                    typed.push(false);
                }
            }
        }
        let mut rows = Vec::with_capacity(groups.len());
        for (key, states) in groups {
            let finished: Vec<Vec<Value>> = all_aggs.iter().zip(states).map(|(a, s)| a.finish(s)).collect();
            let slot_row: Vec<Value> = finished.iter().map(|v| v[0].clone()).collect();
            let mut row = key;
            for o in &outputs {
                match o {
                    OutItem::Direct { agg, .. } => row.extend(finished[*agg].iter().cloned()),
                    OutItem::Computed { expr, .. } => row.push(expr.eval(&slot_row)),
                }
            }
            rows.push(row);
        }
        for (i, col) in out_cols.iter_mut().enumerate() {
            if !typed[i] {
                col.ty = if rows.is_empty() { KqlType::Long } else { col_type(&rows, i) };
            }
        }
        Ok(Table {
            columns: dedupe_names(out_cols),
            rows,
        })
    }

    /// The `by` keys: their output columns and compiled expressions.
    pub(super) fn summarize_keys(
        &self,
        cols: &[Column],
        by: &[NamedExpr],
        env: &Env,
        unnamed: &mut usize,
    ) -> Result<(Vec<Column>, Vec<CExpr>), KqlError> {
        let mut key_cols = Vec::new();
        let mut key_exprs = Vec::new();
        for k in by {
            let c = self.compile(&k.expr, cols, env)?;
            let name = match &k.name {
                Some(n) => n.clone(),
                None => derive_column_name(&k.expr).unwrap_or_else(|| next_column_name(unnamed)),
            };
            let ty = match &c {
                CExpr::Col(i) => cols[*i].ty,
                _ => super::types::static_type(&k.expr, cols).unwrap_or(KqlType::Dynamic),
            };
            key_cols.push(Column::new(name, ty));
            key_exprs.push(c);
        }
        Ok((key_cols, key_exprs))
    }

    /// One aggregate item: a direct aggregate call (with the names Kusto gives its columns), or an
    /// expression over aggregates, whose calls become slots in `all_aggs`.
    fn summarize_output(
        &self,
        item: &NamedExpr,
        cols: &[Column],
        key_cols: &[Column],
        env: &Env,
        all_aggs: &mut Vec<Agg>,
        unnamed: &mut usize,
    ) -> Result<OutItem, KqlError> {
        if let Expr::Call { name, args, span } = &item.expr {
            let lower = name.to_ascii_lowercase();
            if let (Some((kind, prefix)), false) = (aggregate::lookup(&lower), matches!(env.get(name), Some(Binding::Function(_)))) {
                let agg = self.compile_agg(kind, &lower, args, *span, cols, key_cols, env)?;
                let mut names = vec![agg_column_name(item.name.as_deref(), kind, prefix, args, unnamed)];
                names.extend(self.arg_extra_names(kind, args, cols, key_cols));
                // percentiles(x, 50, 95): a column per percent, all of x's type.
                let percentiles =
                    super::sketch_agg::column_names(&agg, item.name.as_deref(), &args.first().and_then(derive_name).unwrap_or_default());
                // arg_max/arg_min's extra columns are input columns, of their types.
                let extra_type = |n: &String| cols.iter().find(|c| &c.name == n).map(|c| c.ty);
                let first_type = super::types::aggregate_type(kind, args, cols);
                let types = match percentiles {
                    Some(p) => {
                        names = p;
                        vec![first_type; names.len()]
                    }
                    None => std::iter::once(first_type).chain(names[1..].iter().map(extra_type)).collect(),
                };
                all_aggs.push(agg);
                return Ok(OutItem::Direct {
                    agg: all_aggs.len() - 1,
                    names,
                    types,
                });
            }
        }
        // An expression over aggregates: replace each aggregate call with a slot reference.
        let mut slots = Vec::new();
        let rewritten = self.extract_aggs(&item.expr, cols, key_cols, env, all_aggs, &mut slots)?;
        if slots.is_empty() {
            return Err(self.err(item.expr.span(), "summarize needs an aggregate function here (count(), sum(), …)"));
        }
        let slot_cols: Vec<Column> = (0..all_aggs.len())
            .map(|i| Column::new(format!("__agg{i}"), KqlType::Dynamic))
            .collect();
        let expr = self.compile(&rewritten, &slot_cols, env)?;
        let name = item.name.clone().unwrap_or_else(|| next_column_name(unnamed));
        Ok(OutItem::Computed { name, expr })
    }

    /// Hash aggregation: each distinct key with its aggregate states, in order of first
    /// appearance; groups and growing states (make_list, …) are charged to the memory budget.
    fn group_rows(&self, t: &Table, key_exprs: &[CExpr], all_aggs: &[Agg]) -> Result<Vec<Group>, KqlError> {
        // FxHash: the keys are mostly short strings, whose SipHash was a visible share of rules.
        let mut index: FxHashMap<Vec<Value>, usize> = FxHashMap::default();
        let mut groups: Vec<Group> = Vec::new();
        let mut meter = Meter::new(self);
        let group_bytes = budget::rows_bytes(2, key_exprs.len() + all_aggs.len());
        // One key buffer for every row: only a new group's key is kept.
        let mut key: Vec<Value> = Vec::with_capacity(key_exprs.len());
        for row in &t.rows {
            meter.tick()?;
            key.clear();
            key.extend(key_exprs.iter().map(|k| k.eval(row)));
            let gi = match index.get(key.as_slice()) {
                Some(&i) => i,
                None => {
                    // A group holds its key twice (index and list) and its aggregate states.
                    meter.charge(group_bytes + 2 * key.iter().map(fresh_bytes).sum::<usize>())?;
                    groups.push((key.clone(), all_aggs.iter().map(Agg::init).collect()));
                    index.insert(key.clone(), groups.len() - 1);
                    groups.len() - 1
                }
            };
            for (a, s) in all_aggs.iter().zip(groups[gi].1.iter_mut()) {
                let before = Agg::state_len(s);
                a.update(s, row);
                if Agg::state_len(s) > before {
                    meter.charge(Agg::state_bytes_since(s, before))?;
                }
            }
        }
        meter.finish();
        Ok(groups)
    }

    fn arg_extra_names(&self, kind: AggKind, args: &[Expr], cols: &[Column], keys: &[Column]) -> Vec<String> {
        if !matches!(kind, AggKind::ArgMax | AggKind::ArgMin) {
            return Vec::new();
        }
        let first = match args.first() {
            Some(Expr::Ident(n, _)) => Some(n.as_str()),
            _ => None,
        };
        let mut names = Vec::new();
        for a in &args[1..] {
            match a {
                Expr::Star(_) => names.extend(
                    cols.iter()
                        .filter(|c| Some(c.name.as_str()) != first && !keys.iter().any(|k| k.name == c.name))
                        .map(|c| c.name.clone()),
                ),
                other => names.push(derive_name(other).unwrap_or_else(|| "Column".to_string())),
            }
        }
        names
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn compile_agg(
        &self,
        kind: AggKind,
        name: &str,
        args: &[Expr],
        span: super::super::error::Span,
        cols: &[Column],
        keys: &[Column],
        env: &Env,
    ) -> Result<Agg, KqlError> {
        if super::sketch_agg::is_sketch(kind) {
            return self.compile_sketch_agg(kind, name, args, span, cols, env);
        }
        let (min, max) = match kind {
            AggKind::Count => (0, 1),
            AggKind::CountIf => (1, 1),
            AggKind::MakeSet | AggKind::MakeList | AggKind::MakeBag => (1, 2),
            AggKind::MakeSetIf | AggKind::MakeListIf => (2, 3),
            AggKind::ArgMax | AggKind::ArgMin => (2, 64),
            AggKind::SumIf | AggKind::AvgIf | AggKind::MinIf | AggKind::MaxIf | AggKind::AnyIf => (2, 2),
            _ => (1, 1),
        };
        if args.len() < min || args.len() > max {
            return Err(self.err(span, format!("`{name}` takes {min} to {max} arguments, got {}", args.len())));
        }
        let mut cargs = Vec::new();
        let mut extra = Vec::new();
        let mut max_size = aggregate::default_max(name);
        for (i, a) in args.iter().enumerate() {
            let is_extra = matches!(kind, AggKind::ArgMax | AggKind::ArgMin) && i > 0;
            if let Expr::Star(_) = a {
                if kind == AggKind::Count && i == 0 {
                    continue;
                }
                if is_extra {
                    let first = match args.first() {
                        Some(Expr::Ident(n, _)) => Some(n.as_str()),
                        _ => None,
                    };
                    extra.extend(
                        cols.iter()
                            .enumerate()
                            .filter(|(_, c)| Some(c.name.as_str()) != first && !keys.iter().any(|k| k.name == c.name))
                            .map(|(j, _)| CExpr::Col(j)),
                    );
                    continue;
                }
                return Err(self.err(a.span(), "`*` is not valid here"));
            }
            let c = self.compile(a, cols, env)?;
            let is_size = (matches!(kind, AggKind::MakeSet | AggKind::MakeList | AggKind::MakeBag) && i == 1)
                || (matches!(kind, AggKind::MakeSetIf | AggKind::MakeListIf) && i == 2);
            if is_size {
                max_size = c.eval(&[]).as_i64().unwrap_or(max_size as i64).max(0) as usize;
            } else if is_extra {
                extra.push(c);
            } else {
                cargs.push(c);
            }
        }
        Ok(Agg {
            kind,
            args: cargs,
            max_size,
            extra,
            sketch: Default::default(),
        })
    }

    fn extract_aggs(
        &self,
        e: &Expr,
        cols: &[Column],
        keys: &[Column],
        env: &Env,
        all: &mut Vec<Agg>,
        slots: &mut Vec<usize>,
    ) -> Result<Expr, KqlError> {
        Ok(match e {
            Expr::Call { name, args, span } => {
                let lower = name.to_ascii_lowercase();
                if let Some((kind, _)) = aggregate::lookup(&lower) {
                    let agg = self.compile_agg(kind, &lower, args, *span, cols, keys, env)?;
                    all.push(agg);
                    slots.push(all.len() - 1);
                    Expr::Ident(format!("__agg{}", all.len() - 1), *span)
                } else {
                    let mut new_args = Vec::new();
                    for a in args {
                        new_args.push(self.extract_aggs(a, cols, keys, env, all, slots)?);
                    }
                    Expr::Call {
                        name: name.clone(),
                        args: new_args,
                        span: *span,
                    }
                }
            }
            Expr::Binary(op, l, r, s) => Expr::Binary(
                *op,
                Box::new(self.extract_aggs(l, cols, keys, env, all, slots)?),
                Box::new(self.extract_aggs(r, cols, keys, env, all, slots)?),
                *s,
            ),
            Expr::Unary(op, x, s) => Expr::Unary(*op, Box::new(self.extract_aggs(x, cols, keys, env, all, slots)?), *s),
            other => other.clone(),
        })
    }

    // ---- join (…/join-operator) ----

    /// Resolves the `on` columns: their positions on the left and on the right.
    fn join_keys(&self, left: &Table, right: &Table, spec: &JoinSpec) -> Result<(Vec<usize>, Vec<usize>), KqlError> {
        let mut lk = Vec::new();
        let mut rk = Vec::new();
        for cond in &spec.on {
            let (l, r) = match cond {
                JoinCond::Column(c) => (c, c),
                JoinCond::Eq { left, right } => (left, right),
            };
            let missing = |name: &Name, side: &str, cols: &[Column]| {
                let hint = suggest(&name.text, cols.iter().map(|c| c.name.as_str()))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                self.err(name.span, format!("unknown column `{name}` on the {side} side of join{hint}"))
            };
            lk.push(left.column_index(&l.text).ok_or_else(|| missing(l, "left", &left.columns))?);
            rk.push(right.column_index(&r.text).ok_or_else(|| missing(r, "right", &right.columns))?);
        }
        Ok((lk, rk))
    }

    fn join(&self, left: &Table, spec: &JoinSpec, env: &mut Env) -> Result<Table, KqlError> {
        let right = self.join_right(left, spec, env)?;
        let mut meter = Meter::new(self);
        meter.hold(self.last_bytes.take().unwrap_or(0))?;
        let kind = spec.kind.unwrap_or_default();
        let (lk, rk) = self.join_keys(left, &right, spec)?;
        let out = match kind {
            JoinKind::LeftSemi | JoinKind::LeftAnti | JoinKind::RightSemi | JoinKind::RightAnti => {
                let common = join::common_keys((left, &lk), (&right, &rk), &mut meter)?;
                let (side, keys) = match kind {
                    JoinKind::LeftSemi | JoinKind::LeftAnti => (left, &lk),
                    _ => (&*right, &rk),
                };
                let want = matches!(kind, JoinKind::LeftSemi | JoinKind::RightSemi);
                let keep = |r: &Vec<Value>| join::join_key(r, keys).is_some_and(|k| common.contains(&k)) == want;
                self.copy_rows(side, keep, &mut meter)?
            }
            JoinKind::InnerUnique | JoinKind::Inner | JoinKind::LeftOuter | JoinKind::RightOuter | JoinKind::FullOuter => {
                let matches = join::Matches::build((left, &lk), (&right, &rk), kind == JoinKind::InnerUnique, &mut meter)?;
                let out = self.join_rows(left, &right, kind, (&lk, &matches), &mut meter)?;
                self.last_right_keys.replace(rk.iter().map(|&i| left.columns.len() + i).collect());
                out
            }
        };
        meter.finish();
        if right.rows.len() >= DROP_ASIDE_ROWS {
            // The seed's credential rules join a few audit events with a million sign-ins.
            crate::parallel::drop_aside(right);
        }
        Ok(out)
    }

    /// The join's right side, narrowed by the left side's keys where that keeps every match
    /// (see [`super::key_filter`]). A name error in the narrowed pipeline is the original's own,
    /// which then reports it.
    fn join_right(&self, left: &Table, spec: &JoinSpec, env: &Env) -> Result<Arc<Table>, KqlError> {
        if let Some(narrowed) = super::key_filter::narrowed_right(left, spec, env) {
            match self.eval_pipeline(&narrowed, &mut env.clone()) {
                Err(KqlError::Semantic(_)) => {}
                other => return other,
            }
        }
        self.eval_pipeline(&spec.right, &mut env.clone())
    }

    /// The rows of `t` that `keep` accepts (semi and anti joins), charged to `meter`.
    fn copy_rows(&self, t: &Table, keep: impl Fn(&Vec<Value>) -> bool, meter: &mut Meter) -> Result<Table, KqlError> {
        let mut rows = Vec::new();
        for r in &t.rows {
            meter.tick()?;
            if keep(r) {
                meter.row(r.len())?;
                rows.push(r.clone());
            }
        }
        Ok(Table {
            columns: t.columns.clone(),
            rows,
        })
    }

    /// The matching part of inner and outer joins: every left row with every right row of the
    /// same key, checked against the row limit before a left row's matches are copied.
    fn join_rows(
        &self,
        left: &Table,
        right: &Table,
        kind: JoinKind,
        (lk, matches): (&[usize], &join::Matches),
        meter: &mut Meter,
    ) -> Result<Table, KqlError> {
        // Output: all left columns, then right columns with clashes renamed `X1` (…/join-operator).
        let mut names: Vec<String> = left.columns.iter().map(|c| c.name.clone()).collect();
        let mut columns = left.columns.clone();
        for c in &right.columns {
            let n = unique_name(&c.name, &names);
            names.push(n.clone());
            columns.push(Column::new(n, c.ty));
        }
        let width = columns.len();
        let left_nulls: Vec<Value> = left.columns.iter().map(|c| null_of(c.ty)).collect();
        let right_nulls: Vec<Value> = right.columns.iter().map(|c| null_of(c.ty)).collect();
        let mut rows = Vec::new();
        let mut right_matched = vec![false; right.rows.len()];
        let mut seen_left_keys = HashSet::new();
        for (li, l) in left.rows.iter().enumerate() {
            meter.tick()?;
            let k = join::join_key(l, lk);
            // innerunique keeps only the first left row per key (…/join-innerunique).
            if kind == JoinKind::InnerUnique {
                match &k {
                    Some(k) if !seen_left_keys.insert(k.clone()) => continue,
                    None => continue,
                    _ => {}
                }
            }
            match matches.of(li, k.as_ref()) {
                [] if matches!(kind, JoinKind::LeftOuter | JoinKind::FullOuter) => {
                    meter.row(width)?;
                    let mut row = l.clone();
                    row.extend(right_nulls.iter().cloned());
                    rows.push(row);
                }
                [] => {}
                ms => {
                    self.check_limit(rows.len().saturating_add(ms.len()), "`join`")?;
                    for &ri in ms {
                        meter.row(width)?;
                        right_matched[ri] = true;
                        let mut row = l.clone();
                        row.extend(right.rows[ri].iter().cloned());
                        rows.push(row);
                    }
                }
            }
        }
        if matches!(kind, JoinKind::RightOuter | JoinKind::FullOuter) {
            for (ri, r) in right.rows.iter().enumerate() {
                if !right_matched[ri] {
                    meter.row(width)?;
                    let mut row = left_nulls.clone();
                    row.extend(r.iter().cloned());
                    rows.push(row);
                }
            }
            self.check_limit(rows.len(), "`join`")?;
        }
        Ok(Table { columns, rows })
    }

    /// `lookup` (…/lookup-operator): a join that keeps every left row by default (`leftouter`, or
    /// `inner`), never de-duplicates, and drops the right side's key columns from the output.
    fn lookup(&self, left: &Table, spec: &JoinSpec, env: &mut Env) -> Result<Table, KqlError> {
        // The parser admits only `lookup`'s two kinds.
        let spec = JoinSpec {
            kind: Some(spec.kind.unwrap_or(JoinKind::LeftOuter)),
            ..spec.clone()
        };
        let joined = self.join(left, &spec, env)?;
        let drop: HashSet<usize> = self.last_right_keys.take().into_iter().collect();
        let keep: Vec<usize> = (0..joined.columns.len()).filter(|i| !drop.contains(i)).collect();
        Ok(select(&joined, &keep))
    }

    // ---- union ----

    /// `union`; `reads`: the output columns the operators after it can read, when they are
    /// known (see [`super::prune::reads`]): then only those are built, and a bare catalog table
    /// is read in place rather than copied out whole first.
    pub(crate) fn union(
        &self,
        first: Option<Arc<Table>>,
        spec: &UnionSpec,
        reads: Option<&HashSet<String>>,
        env: &mut Env,
    ) -> Result<Arc<Table>, KqlError> {
        let fuzzy = spec.is_fuzzy == Some(true);
        let mut inputs: Vec<(String, UnionInput)> = Vec::new();
        if let Some(t) = first {
            inputs.push((self.piped_label.take().unwrap_or_default(), UnionInput::Owned(t)));
        }
        // Inputs evaluated so far are held while the later ones are evaluated.
        let mut meter = Meter::new(self);
        let outer = self.held.get();
        let mut inputs_bytes = 0usize;
        for p in &spec.tables {
            // `union *`, `union AAD*`: the database tables whose names match, in name order
            // (…/union-operator); loaded tables are not counted against the memory budget.
            if let (Source::TableGlob(pattern), true) = (&p.source, p.ops.is_empty()) {
                let matching = self.catalog.names().filter(|n| glob(&pattern.text, n));
                for name in matching {
                    if let Some(table) = self.catalog.get(name) {
                        inputs.push((name.to_owned(), UnionInput::Owned(table?)));
                    }
                }
                continue;
            }
            let label = super::find::label_of(p);
            if let (Some(_), true, Some(window)) = (reads, p.ops.is_empty(), self.catalog_source(p, env)) {
                inputs.push((label, UnionInput::Catalog(window)));
                continue;
            }
            self.held.set(outer.saturating_add(inputs_bytes));
            let result = self.eval_pipeline(p, &mut env.clone());
            self.held.set(outer);
            match result {
                Ok(t) => {
                    let bytes = self.last_bytes.take().unwrap_or(0);
                    inputs_bytes = inputs_bytes.saturating_add(bytes);
                    meter.hold(bytes)?;
                    inputs.push((label, UnionInput::Owned(t)));
                }
                Err(e) if fuzzy && !e.is_budget() => {}
                Err(e) => return Err(e),
            }
        }
        let total = inputs.iter().fold(0usize, |n, (_, t)| n.saturating_add(t.parts().1.len()));
        self.check_limit(total, "`union`")?;
        let parts: Vec<TableParts> = inputs.iter().map(|(_, t)| t.parts()).collect();
        let (mut columns, mut maps) = union_columns(&parts, spec.with_source.as_deref(), spec.kind == Some(UnionKind::Inner));
        // `withsource=` makes the first column.
        let mut label_column = spec.with_source.as_ref().map(|_| 0);
        if let Some(reads) = reads {
            let kept: Vec<usize> = (0..columns.len()).filter(|&c| reads.contains(&columns[c].name)).collect();
            label_column = label_column.and_then(|_| kept.iter().position(|&c| c == 0));
            columns = super::prune::pick(&columns, &kept);
            maps = maps.iter().map(|map| super::prune::pick(map, &kept)).collect();
        }
        let mut rows = Vec::new();
        let width = columns.len();
        for ((label, t), map) in inputs.iter().zip(&maps) {
            // One label value per input, shared by its rows.
            let label = Value::str(label);
            for r in t.parts().1 {
                meter.row(width)?;
                let row: Vec<Value> = map
                    .iter()
                    .enumerate()
                    .map(|(ci, m)| match m {
                        Some(i) => r[*i].clone(),
                        None if label_column == Some(ci) => label.clone(),
                        None => null_of(columns[ci].ty),
                    })
                    .collect();
                rows.push(row);
            }
        }
        meter.finish();
        Ok(Arc::new(Table { columns, rows }))
    }

    // ---- mv-expand (…/mv-expand-operator) ----

    /// Plans the expanded columns: (output index, compiled expression, cast), growing `cols`.
    fn plan_expand(
        &self,
        cols: &mut Vec<Column>,
        spec: &MvExpandSpec,
        env: &Env,
    ) -> Result<Vec<(usize, CExpr, Option<KqlType>)>, KqlError> {
        let mut plan = Vec::new();
        let input = cols.clone();
        for item in &spec.items {
            let c = self.compile(&item.expr, &input, env)?;
            let name = item
                .name
                .clone()
                .or_else(|| derive_name(&item.expr))
                .unwrap_or_else(|| "Column1".to_string());
            let ty = item.to_type.unwrap_or(KqlType::Dynamic);
            let idx = match cols.iter().position(|x| x.name == name) {
                Some(i) => {
                    cols[i].ty = ty;
                    i
                }
                None => {
                    cols.push(Column::new(name, ty));
                    cols.len() - 1
                }
            };
            plan.push((idx, c, item.to_type));
        }
        if let Some(ix) = &spec.item_index {
            cols.push(Column::new(ix.clone(), KqlType::Long));
        }
        Ok(plan)
    }

    fn expand_rows(
        &self,
        row: &[Value],
        width: usize,
        plan: &[(usize, CExpr, Option<KqlType>)],
        spec: &MvExpandSpec,
        limit: usize,
        (out, meter): (&mut Vec<Vec<Value>>, &mut Meter),
    ) -> Result<(), KqlError> {
        let array_kind = spec.kind == Some(MvExpandKind::Array);
        let lists: Vec<Vec<Value>> = plan
            .iter()
            .map(|(_, c, _)| {
                let v = c.eval(row);
                let v = match v {
                    Value::String(s) if s.starts_with('[') || s.starts_with('{') => super::super::value::parse_json_str(&s),
                    other => other,
                };
                match v {
                    Value::Array(items) => items.as_ref().clone(),
                    Value::Bag(bag) => bag
                        .iter()
                        .map(|(k, v)| {
                            if array_kind {
                                Value::Array(Arc::new(vec![Value::String(k.clone()), v.clone()]))
                            } else {
                                Value::Bag(Arc::new(vec![(k.clone(), v.clone())]))
                            }
                        })
                        .collect(),
                    // A null expands to one row holding null; an empty array/bag to none.
                    other => vec![other],
                }
            })
            .collect();
        let n = lists.iter().map(Vec::len).max().unwrap_or(0).min(limit);
        // Checked before the copies: one row's array can hold a million elements.
        self.check_limit(out.len().saturating_add(n), "`mv-expand`")?;
        for i in 0..n {
            let mut r = row.to_vec();
            r.resize(width, Value::Null);
            for ((idx, _, cast), list) in plan.iter().zip(&lists) {
                let v = list.get(i).cloned().unwrap_or(Value::Null);
                r[*idx] = match cast {
                    Some(t) => convert(&v, *t),
                    None => v,
                };
            }
            if spec.item_index.is_some() {
                r[width - 1] = Value::Long(i as i64);
            }
            let fresh: usize = plan.iter().map(|(idx, _, _)| fresh_bytes(&r[*idx])).sum();
            meter.charge(budget::rows_bytes(1, width) + fresh)?;
            out.push(r);
        }
        Ok(())
    }

    fn mv_expand(&self, t: &Table, spec: &MvExpandSpec, env: &Env) -> Result<Table, KqlError> {
        let mut cols = t.columns.clone();
        let plan = self.plan_expand(&mut cols, spec, env)?;
        let limit = match &spec.limit {
            Some(e) => self.const_long(e, env)?.max(0) as usize,
            None => i32::MAX as usize,
        };
        let mut rows = Vec::new();
        let mut meter = Meter::new(self);
        for r in &t.rows {
            meter.tick()?;
            self.expand_rows(r, cols.len(), &plan, spec, limit, (&mut rows, &mut meter))?;
        }
        meter.finish();
        Ok(Table { columns: cols, rows })
    }

    /// `mv-apply`: per input row, the sub-query runs over that row's expanded rows; columns the
    /// sub-query dropped (e.g. by summarize) are re-attached from the input row.
    fn mv_apply(&self, t: &Table, spec: &MvExpandSpec, body: &[Operator], env: &Env) -> Result<Table, KqlError> {
        let mut cols = t.columns.clone();
        let plan = self.plan_expand(&mut cols, spec, env)?;
        let expanded: HashSet<usize> = plan.iter().map(|(i, _, _)| *i).collect();
        let mut out: Option<Table> = None;
        let mut meter = Meter::new(self);
        for r in &t.rows {
            let mut rows = Vec::new();
            // Each row's expansion lives only while the sub-query runs over it.
            self.expand_rows(r, cols.len(), &plan, spec, usize::MAX, (&mut rows, &mut Meter::new(self)))?;
            let mut sub = Arc::new(Table {
                columns: cols.clone(),
                rows,
            });
            let mut inner = env.clone();
            // One row's expansion is in its array's order: window functions may number it.
            self.serialized.set(true);
            for op in body {
                sub = self.apply(op, sub, &mut inner)?;
                self.check_limit(sub.rows.len(), "`mv-apply`")?;
                self.check_budgets()?;
            }
            // Re-attach input columns missing from the sub-query output.
            let missing: Vec<usize> = (0..t.columns.len())
                .filter(|i| !expanded.contains(i) && sub.column_index(&t.columns[*i].name).is_none())
                .collect();
            let mut columns: Vec<Column> = missing.iter().map(|&i| t.columns[i].clone()).collect();
            columns.extend(sub.columns.iter().cloned());
            let rows: Vec<Vec<Value>> = sub
                .rows
                .iter()
                .map(|sr| {
                    let mut row: Vec<Value> = missing.iter().map(|&i| r[i].clone()).collect();
                    row.extend(sr.iter().cloned());
                    meter
                        .charge(budget::rows_bytes(1, row.len()) + sr.iter().map(fresh_bytes).sum::<usize>())
                        .map(|_| row)
                })
                .collect::<Result<_, _>>()?;
            match &mut out {
                None => out = Some(Table { columns, rows }),
                Some(acc) => {
                    let map: Vec<Option<usize>> = acc.columns.iter().map(|c| columns.iter().position(|x| x.name == c.name)).collect();
                    for row in rows {
                        acc.rows
                            .push(map.iter().map(|m| m.map(|i| row[i].clone()).unwrap_or(Value::Null)).collect());
                    }
                    self.check_limit(acc.rows.len(), "`mv-apply`")?;
                }
            }
        }
        if let Some(table) = out {
            return Ok(table);
        }
        // No input rows: run the sub-query over an empty table only to learn the output columns.
        let mut sub = Arc::new(Table::with_columns(cols.clone()));
        let mut inner = env.clone();
        self.serialized.set(true);
        for op in body {
            sub = self.apply(op, sub, &mut inner)?;
        }
        let mut columns: Vec<Column> = (0..t.columns.len())
            .filter(|i| !expanded.contains(i) && sub.column_index(&t.columns[*i].name).is_none())
            .map(|i| t.columns[i].clone())
            .collect();
        columns.extend(sub.columns.iter().cloned());
        Ok(Table::with_columns(columns))
    }

    // ---- parse (…/parse-operator) ----

    /// `parse` and (`filter` true) `parse-where`, which keeps only the rows that match, every
    /// typed capture converting (…/parse-where-operator); `flags` are `kind=regex` flags.
    fn parse_op(
        &self,
        t: &Table,
        (kind, flags, filter): (ParseKind, Option<&str>, bool),
        expr: &Expr,
        pattern: &[ParsePart],
        env: &Env,
    ) -> Result<Table, KqlError> {
        let source = self.compile(expr, &t.columns, env)?;
        let regex_mode = kind == ParseKind::Regex;
        let mut re = match flags {
            Some(f) => format!("(?{f})(?s)^"),
            None => String::from("(?s)^"),
        };
        let mut targets: Vec<(String, Option<KqlType>)> = Vec::new();
        let last_col = pattern.iter().rposition(|p| matches!(p, ParsePart::Column(..)));
        let ends_with_col = last_col == Some(pattern.len() - 1);
        for (i, part) in pattern.iter().enumerate() {
            match part {
                ParsePart::Star => re.push_str(".*?"),
                ParsePart::Literal(s) => re.push_str(&if regex_mode { s.clone() } else { regex::escape(s) }),
                ParsePart::Column(name, ty) => {
                    let greedy = ends_with_col && Some(i) == last_col;
                    let body = match ty {
                        Some(KqlType::Long | KqlType::Int) => r"-?\d+",
                        Some(KqlType::Real) => r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?",
                        _ if greedy => ".*",
                        _ => ".*?",
                    };
                    re.push_str(&format!("({body})"));
                    targets.push((name.clone(), *ty));
                }
            }
        }
        if matches!(pattern.last(), Some(ParsePart::Column(..))) {
            re.push('$');
        }
        let compiled = regex(&re).ok_or_else(|| self.err(expr.span(), format!("invalid parse pattern (regex `{re}`)")))?;
        let mut cols = t.columns.clone();
        let mut idx = Vec::new();
        for (name, ty) in &targets {
            let ty = ty.unwrap_or(KqlType::String);
            match cols.iter().position(|c| &c.name == name) {
                Some(i) => {
                    cols[i].ty = ty;
                    idx.push(i);
                }
                None => {
                    cols.push(Column::new(name.clone(), ty));
                    idx.push(cols.len() - 1);
                }
            }
        }
        let mut meter = Meter::new(self);
        let mut rows = Vec::new();
        for r in &t.rows {
            meter.tick()?;
            let mut row = r.clone();
            row.resize(cols.len(), Value::Null);
            let text = source.eval(r).to_kql_string();
            let caps = compiled.captures(&text);
            let mut converted = caps.is_some();
            for (k, &ci) in idx.iter().enumerate() {
                let ty = cols[ci].ty;
                row[ci] = match caps.as_ref().and_then(|c| c.get(k + 1)) {
                    Some(m) => convert(&Value::str(m.as_str()), ty),
                    None => null_of(ty),
                };
                converted &= ty == KqlType::String || !row[ci].is_null();
            }
            if filter && !converted {
                continue;
            }
            let fresh: usize = idx.iter().map(|&ci| fresh_bytes(&row[ci])).sum();
            meter.charge(budget::rows_bytes(1, row.len()) + fresh)?;
            rows.push(row);
        }
        meter.finish();
        Ok(Table { columns: cols, rows })
    }
}

/// `extend`'s compiled items (see [`Evaluator::extend_plan`]).
/// A compiled `project`: output columns, their expressions, and the window frame.
type ProjectPlan = (Vec<Column>, Vec<CExpr>, super::window::Frame);

type ExtendPlan = (Vec<(usize, CExpr)>, Vec<(Option<KqlType>, bool)>, Vec<usize>, super::window::Frame);

/// A summarize group: its key values and its aggregate states.
type Group = (Vec<Value>, Vec<aggregate::State>);

fn select(t: &Table, idx: &[usize]) -> Table {
    Table {
        columns: idx.iter().map(|&i| t.columns[i].clone()).collect(),
        rows: t.rows.iter().map(|r| idx.iter().map(|&i| r[i].clone()).collect()).collect(),
    }
}

/// Summarize output names must be unique; later duplicates get a numeric suffix.
fn dedupe_names(cols: Vec<Column>) -> Vec<Column> {
    let mut names: Vec<String> = Vec::new();
    cols.into_iter()
        .map(|mut c| {
            c.name = unique_name(&c.name, &names);
            names.push(c.name.clone());
            c
        })
        .collect()
}

/// `project-reorder`: the columns the patterns name first, in pattern order, then the rest.
fn project_reorder(t: &Table, pats: &[Name]) -> Table {
    let cols = &t.columns;
    let mut idx: Vec<usize> = Vec::new();
    for p in pats {
        for (i, c) in cols.iter().enumerate() {
            if glob(&p.text, &c.name) && !idx.contains(&i) {
                idx.push(i);
            }
        }
    }
    idx.extend((0..cols.len()).filter(|i| !idx.contains(i)).collect::<Vec<_>>());
    select(t, &idx)
}

/// `getschema`: one row per column, with its ordinal and type.
fn schema_of(cols: &[Column]) -> Table {
    Table {
        columns: vec![
            Column::new("ColumnName", KqlType::String),
            Column::new("ColumnOrdinal", KqlType::Long),
            Column::new("DataType", KqlType::String),
            Column::new("ColumnType", KqlType::String),
        ],
        rows: cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    Value::str(&c.name),
                    Value::Long(i as i64),
                    Value::str(c.ty.name()),
                    Value::str(c.ty.name()),
                ]
            })
            .collect(),
    }
}

/// One output of `summarize`: the aggregate it reads, or an expression over aggregate slots.
enum OutItem {
    /// Its columns' names and static types (`dynamic` when only the values can tell).
    Direct {
        agg: usize,
        names: Vec<String>,
        types: Vec<Option<KqlType>>,
    },
    Computed {
        name: String,
        expr: CExpr,
    },
}

/// The (first) column of an aggregate call: its explicit name, else Kusto's: `count_`,
/// `countif_`, arg_max's column as is, others the prefix and the argument's name (`sum_X`).
pub(super) fn agg_column_name(name: Option<&str>, kind: AggKind, prefix: &str, args: &[Expr], unnamed: &mut usize) -> String {
    let base = || args.first().and_then(derive_name).unwrap_or_default();
    let first = match (name, kind) {
        (Some(n), _) => n.to_string(),
        (None, AggKind::Count) | (None, AggKind::CountIf) => prefix.to_string(),
        (None, AggKind::ArgMax | AggKind::ArgMin) => match &args.first() {
            Some(Expr::Ident(n, _)) => n.clone(),
            _ => format!("{prefix}{}", base()),
        },
        (None, _) => format!("{prefix}{}", base()),
    };
    if first.is_empty() { next_column_name(unnamed) } else { first }
}

/// `Column1`, `Column2`, …: Kusto's names for unnamed computed columns.
pub(super) fn next_column_name(unnamed: &mut usize) -> String {
    *unnamed += 1;
    format!("Column{unnamed}")
}

/// A table's columns and rows, owned or read in place.
type TableParts<'t> = (&'t [Column], &'t [Vec<Value>]);

/// One input of `union`.
enum UnionInput<'a> {
    Owned(Arc<Table>),
    /// A catalog table (or `verify` window), read in place.
    Catalog(TableParts<'a>),
}

impl UnionInput<'_> {
    fn parts(&self) -> TableParts<'_> {
        match self {
            UnionInput::Owned(t) => (&t.columns, &t.rows),
            UnionInput::Catalog(parts) => *parts,
        }
    }
}

/// `union`'s output columns and, per input, where each comes from. Columns keep the order they
/// first appear in; a name that comes with several types becomes one column per type, named
/// `Name_type` (`A_long`, `A_string`), as Kusto's analyzer types it. `kind=inner` keeps only
/// the names every input has (…/union-operator#arguments); `withsource=` comes first.
fn union_columns(inputs: &[TableParts], with_source: Option<&str>, inner: bool) -> (Vec<Column>, Vec<Vec<Option<usize>>>) {
    let index = |columns: &[Column], name: &str| columns.iter().position(|c| c.name == name);
    let in_every = |name: &str| inputs.iter().all(|(columns, _)| index(columns, name).is_some());
    // (name, type) pairs in order of first appearance, grouped by name.
    let mut typed: Vec<(&str, Vec<KqlType>)> = Vec::new();
    for (columns, _) in inputs {
        for c in columns.iter().filter(|c| !inner || in_every(&c.name)) {
            match typed.iter_mut().find(|(n, _)| *n == c.name) {
                Some((_, types)) if !types.contains(&c.ty) => types.push(c.ty),
                Some(_) => {}
                None => typed.push((&c.name, vec![c.ty])),
            }
        }
    }
    // A `dynamic` column with no values (an empty input, only nulls) is one whose type the
    // engine could not tell, not a third type: Kusto knows every column's type statically.
    let untyped = |name: &str| {
        inputs.iter().all(|(columns, rows)| match index(columns, name) {
            Some(i) if columns[i].ty == KqlType::Dynamic => rows.iter().all(|r| r[i].is_null()),
            _ => true,
        })
    };
    for (name, types) in typed.iter_mut() {
        if types.len() > 1 && types.contains(&KqlType::Dynamic) && untyped(name) {
            types.retain(|ty| *ty != KqlType::Dynamic);
        }
    }
    let mut columns: Vec<Column> = with_source.map(|ws| Column::new(ws, KqlType::String)).into_iter().collect();
    for (name, types) in &typed {
        for ty in types {
            let out = if types.len() > 1 {
                format!("{name}_{ty}")
            } else {
                name.to_string()
            };
            columns.push(Column::new(out, *ty));
        }
    }
    let maps = inputs
        .iter()
        .map(|(input, _)| {
            let mut map: Vec<Option<usize>> = with_source.map(|_| None).into_iter().collect();
            for (name, types) in &typed {
                let at = index(input, name);
                map.extend(types.iter().map(|ty| at.filter(|&i| input[i].ty == *ty)));
            }
            map
        })
        .collect();
    (columns, maps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns() {
        assert!(glob("Foo*", "FooBar"));
        assert!(glob("*Bar", "FooBar"));
        assert!(glob("F*B*r", "FooBar"));
        assert!(!glob("Foo", "FooBar"));
    }

    #[test]
    fn unique_names_get_suffix() {
        let names = vec!["Key".to_string(), "Key1".to_string()];
        assert_eq!(unique_name("Key", &names), "Key2");
        assert_eq!(unique_name("Other", &names), "Other");
    }
}
