//! A join's right side narrowed by the left side's keys before it is computed: the seed's
//! credential rules join a dozen audit events with a pipeline over a million sign-ins that
//! lower-cases every name, only for all but a few hundred rows to find no partner.
//!
//! The left side is evaluated first, so its keys are known. When the join keeps no right row
//! without a partner (`inner`, `innerunique`, `leftouter`, `leftsemi`, `leftanti`, and `lookup`,
//! which is a `leftouter` or `inner` join), the right pipeline gets one more `where`: the key's
//! expression `in` the left keys. It goes as early as the key can be computed, so that the rows
//! it drops are not extended or projected first, but never before an operator whose result
//! depends on other rows (`summarize`, `take`, window functions like `row_number()`, a user
//! function, which may call them): every operator after the new `where` is row by row.
//!
//! `in` with string constants matches exactly what the join's key equality matches when every
//! left key is a string: equal strings, and nothing that is not a string (`in` never matches a
//! number with a string, nor does a join). So the filter is added only then.

use std::collections::BTreeSet;

use super::super::ast::{Expr, InOp, JoinCond, JoinKind, JoinSpec, Literal, Name, NamedExpr, Operator, Pipeline};
use super::super::table::Table;
use super::super::value::Value;
use super::Env;
use super::ops::derive_column_name;
use super::row_local::{all_of, row_local};

/// More distinct left keys than this are not worth a set of constants (and the join's own
/// index does the same work).
const MAX_KEYS: usize = 100_000;

/// The right pipeline of `spec` with a `where` that keeps only rows whose key is among `left`'s,
/// or `None` when the join's kind, its keys or the pipeline do not allow one.
pub(super) fn narrowed_right(left: &Table, spec: &JoinSpec, env: &Env) -> Option<Pipeline> {
    let kind = spec.kind.unwrap_or_default();
    let keeps_unmatched_right = matches!(
        kind,
        JoinKind::RightOuter | JoinKind::FullOuter | JoinKind::RightSemi | JoinKind::RightAnti
    );
    if keeps_unmatched_right {
        return None;
    }
    // Every condition must hold, so the first one alone is a filter that keeps every match.
    let (left_key, right_key) = match spec.on.first()? {
        JoinCond::Column(c) => (c, c),
        JoinCond::Eq { left, right } => (left, right),
    };
    let keys = string_keys(left, &left_key.text)?;
    let (mut at, key) = key_origin(&spec.right.ops, right_key, env)?;
    if keys.is_empty() {
        // No left key: the filter keeps no row, so it goes before the `where`s too, which then
        // see no row either. A `where` makes no column, so what follows it is typed as before.
        while at > 0 && matches!(&spec.right.ops[at - 1], Operator::Where(e) if row_local(e, env)) {
            at -= 1;
        }
    }
    let span = key.span();
    let list = keys.into_iter().map(|k| Expr::Literal(Literal::String(k), span)).collect();
    let filter = Operator::Where(Expr::In {
        expr: Box::new(key),
        op: InOp::In,
        list,
        span,
    });
    let mut right = (*spec.right).clone();
    right.ops.insert(at, filter);
    if right.op_spans.len() + 1 == right.ops.len() {
        right.op_spans.insert(at, span);
    }
    Some(right)
}

/// The distinct values of `left`'s column `name` when every one is a string (nulls, which
/// match nothing, aside) and there are at most [`MAX_KEYS`].
fn string_keys(left: &Table, name: &str) -> Option<BTreeSet<String>> {
    let c = left.column_index(name)?;
    let mut keys = BTreeSet::new();
    for row in &left.rows {
        match &row[c] {
            Value::String(s) => {
                if !keys.contains(&**s) {
                    keys.insert(s.to_string());
                }
            }
            Value::Null => {}
            _ => return None,
        }
        if keys.len() > MAX_KEYS {
            return None;
        }
    }
    Some(keys)
}

/// Where in `ops` the filter goes and the key's expression there: walking back from the end
/// through row-by-row operators, following the key column through renames and computed columns.
fn key_origin(ops: &[Operator], right_key: &Name, env: &Env) -> Option<(usize, Expr)> {
    let mut key = right_key.text.clone();
    // Errors in the filter point at the join's key: the filter was not written by anybody.
    let column = |key: String| Expr::Ident(key, right_key.span);
    for (i, op) in ops.iter().enumerate().rev() {
        let here = |key: String| Some((i + 1, column(key)));
        match op {
            Operator::Where(e) if row_local(e, env) => {}
            Operator::Extend(items) | Operator::Project(items) if items.iter().all(|it| item_row_local(it, env)) => {
                let project = matches!(op, Operator::Project(_));
                match producer(items, &key) {
                    // Made from a column the same operator makes: filter right after it.
                    Some(Some(j)) if reads_earlier_items(&items[j].expr, &items[..j]) => return here(key),
                    Some(Some(j)) => match &items[j].expr {
                        Expr::Ident(source, _) => key = source.clone(),
                        computed => return Some((i, computed.clone())),
                    },
                    // Two items make the key: the join's own error, if any, is left to the join.
                    Some(None) => return None,
                    None if project => return None,
                    None => {}
                }
            }
            Operator::ProjectRename(pairs) => {
                if let Some((_, old)) = pairs.iter().find(|(new, _)| new.text == key) {
                    key = old.text.clone();
                } else if pairs.iter().any(|(_, old)| old.text == key) {
                    return None;
                }
            }
            Operator::ProjectAway(_) | Operator::ProjectKeep(_) | Operator::ProjectReorder(_) => {}
            _ => return here(key),
        }
    }
    Some((0, column(key)))
}

/// The item of an `extend` or `project` that makes column `key`: `Some(Some(j))` for one,
/// `Some(None)` for several or where it cannot tell, `None` for none.
fn producer(items: &[NamedExpr], key: &str) -> Option<Option<usize>> {
    // An item without a name to derive is named `Column1`, `Column2`, … by its place.
    let numbered = |it: &NamedExpr| it.name.is_none() && derive_column_name(&it.expr).is_none();
    if key.starts_with("Column") && items.iter().any(numbered) {
        return Some(None);
    }
    let makes = |it: &NamedExpr| it.name.clone().or_else(|| derive_column_name(&it.expr)).as_deref() == Some(key);
    let mut found = items.iter().enumerate().filter(|(_, it)| makes(it)).map(|(j, _)| j);
    let first = found.next()?;
    Some(found.next().is_none().then_some(first))
}

/// Whether `e` names a column that one of `earlier` (items of the same operator) makes.
fn reads_earlier_items(e: &Expr, earlier: &[NamedExpr]) -> bool {
    let made: Vec<String> = earlier
        .iter()
        .filter_map(|it| it.name.clone().or_else(|| derive_column_name(&it.expr)))
        .collect();
    !all_of(e, &mut |x| !matches!(x, Expr::Ident(n, _) if made.contains(n)))
}

fn item_row_local(item: &NamedExpr, env: &Env) -> bool {
    item.names.is_empty() && row_local(&item.expr, env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::ast::Statement;
    use crate::kql::table::Column;
    use crate::kql::value::KqlType;

    /// The right pipeline of `R | join (…) on <key>` narrowed by left keys `a` and `b`, printed.
    fn narrowed(right: &str, key: &str) -> Option<String> {
        let script = crate::kql::parse(&format!("L | join kind=inner ({right}) on {key}")).expect("parses");
        let Some(Statement::Query(p)) = script.statements.first() else {
            panic!("a query")
        };
        let Some(Operator::Join(spec)) = p.ops.first() else {
            panic!("a join")
        };
        let left = Table {
            columns: vec![Column::new(key, KqlType::String)],
            rows: vec![
                vec![Value::str("a")],
                vec![Value::Null],
                vec![Value::str("b")],
                vec![Value::str("a")],
            ],
        };
        narrowed_right(&left, spec, &Env::default()).map(|p| p.to_string().replace("\n|", " |"))
    }

    #[test]
    fn the_filter_goes_where_the_key_is_first_computed_and_not_before_what_other_rows_decide() {
        let cases = [
            // Before the extend that computes the key, after the leading `where`s.
            (
                "T | where x > 1 | extend K = tolower(N) | project K",
                "T | where x > 1 | where tolower(N) in (\"a\", \"b\") | extend K = tolower(N) | project K",
            ),
            // Through a rename and a copy, to the source's own column.
            (
                "T | extend C = N | project-rename K = C",
                "T | where N in (\"a\", \"b\") | extend C = N | project-rename K = C",
            ),
            // Not before row numbers, nor before an aggregation.
            (
                "T | extend K = tolower(N) | serialize | extend R = row_number()",
                "T | extend K = tolower(N) | serialize | extend R = row_number() | where K in (\"a\", \"b\")",
            ),
            ("T | summarize by K", "T | summarize by K | where K in (\"a\", \"b\")"),
            // After an extend whose key copies a column the same extend makes.
            (
                "T | extend N = tolower(N), K = N",
                "T | extend N = tolower(N), K = N | where K in (\"a\", \"b\")",
            ),
        ];
        for (right, want) in cases {
            assert_eq!(narrowed(right, "K").as_deref(), Some(want), "{right}");
        }
    }

    #[test]
    fn without_left_keys_the_filter_goes_before_the_leading_wheres_too() {
        let script =
            crate::kql::parse("L | join kind=leftouter (T | where x > 1 | where y == 2 | extend K = tolower(N)) on K").expect("parses");
        let Some(Statement::Query(p)) = script.statements.first() else {
            panic!("a query")
        };
        let Some(Operator::Join(spec)) = p.ops.first() else {
            panic!("a join")
        };
        let left = |rows: Vec<Vec<Value>>| Table {
            columns: vec![Column::new("K", KqlType::String)],
            rows,
        };
        let printed = |left: &Table| narrowed_right(left, spec, &Env::default()).map(|p| p.to_string().replace("\n|", " |"));
        assert_eq!(
            printed(&left(vec![])).as_deref(),
            Some("T | where tolower(N) in () | where x > 1 | where y == 2 | extend K = tolower(N)")
        );
        // Null keys match nothing either.
        assert_eq!(printed(&left(vec![vec![Value::Null]])), printed(&left(vec![])));
        assert_eq!(
            printed(&left(vec![vec![Value::str("a")]])).as_deref(),
            Some("T | where x > 1 | where y == 2 | where tolower(N) in (\"a\") | extend K = tolower(N)")
        );
    }

    #[test]
    fn joins_that_keep_unmatched_right_rows_or_have_other_than_string_keys_are_left_alone() {
        let script = crate::kql::parse("L | join kind=rightouter (T) on K").expect("parses");
        let Some(Statement::Query(p)) = script.statements.first() else {
            panic!("a query")
        };
        let Some(Operator::Join(spec)) = p.ops.first() else {
            panic!("a join")
        };
        let strings = Table {
            columns: vec![Column::new("K", KqlType::String)],
            rows: vec![vec![Value::str("a")]],
        };
        assert!(narrowed_right(&strings, spec, &Env::default()).is_none());
        let inner = JoinSpec {
            kind: Some(JoinKind::Inner),
            ..spec.clone()
        };
        assert!(narrowed_right(&strings, &inner, &Env::default()).is_some());
        let longs = Table {
            columns: vec![Column::new("K", KqlType::Long)],
            rows: vec![vec![Value::Long(1)]],
        };
        assert!(narrowed_right(&longs, &inner, &Env::default()).is_none());
        // Two items making the key, or a `project` that drops it: no filter.
        assert_eq!(narrowed("T | project K = a, K = b", "K"), None);
        assert_eq!(narrowed("T | project X = a", "K"), None);
    }
}
