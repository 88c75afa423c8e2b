//! Whether an expression reads only the row it is evaluated on: what lets a filter move within a
//! pipeline (a join's key filter, `key_filter.rs`) or into the loader (`row_tests.rs`) without
//! changing what any row's value is.

use super::super::ast::Expr;
use super::prune::UserFunctions;
use super::window::WindowKind;

/// Whether `e`'s value for a row depends on that row alone: only built-in functions that are not
/// window functions (with `now()` and `ago()`, one value for the whole query), and no nested
/// pipeline. `functions` tells the script's own functions, whose bodies could read anything.
pub(super) fn row_local(e: &Expr, functions: &impl UserFunctions) -> bool {
    let builtin = |name: &str| {
        !functions.is_user_function(name)
            && WindowKind::lookup(name).is_none()
            && (super::super::functions::all_names().any(|n| n == name) || super::EVALUATOR_FUNCTIONS.contains(&name))
    };
    all_of(e, &mut |x| match x {
        Expr::Call { name, .. } => builtin(name),
        Expr::Tabular(_) => false,
        _ => true,
    })
}

/// Whether `ok` holds for `e` and every expression inside it.
pub(super) fn all_of(e: &Expr, ok: &mut impl FnMut(&Expr) -> bool) -> bool {
    if !ok(e) {
        return false;
    }
    match e {
        Expr::Literal(..) | Expr::Ident(..) | Expr::Star(_) | Expr::Tabular(_) => true,
        Expr::Member(inner, _, _) | Expr::Unary(_, inner, _) => all_of(inner, ok),
        Expr::NamedArg { value, .. } => all_of(value, ok),
        Expr::Index(a, b, _) | Expr::Binary(_, a, b, _) => all_of(a, ok) && all_of(b, ok),
        Expr::Call { args, .. } => args.iter().all(|a| all_of(a, ok)),
        Expr::Between { expr, lo, hi, .. } => all_of(expr, ok) && all_of(lo, ok) && all_of(hi, ok),
        Expr::In { expr, list, .. } => all_of(expr, ok) && list.iter().all(|a| all_of(a, ok)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::ast::{Operator, Statement};

    fn predicate(query: &str) -> Expr {
        let script = crate::kql::parse(query).expect("parses");
        let Some(Statement::Query(p)) = script.statements.last() else {
            panic!("a query")
        };
        let Some(Operator::Where(e)) = p.ops.last() else {
            panic!("a where")
        };
        e.clone()
    }

    #[test]
    fn built_ins_and_the_querys_now_are_row_local_window_and_user_functions_are_not() {
        let env = super::super::Env::default();
        for local in [
            "T | where TimeGenerated > ago(1d) and tolower(A) == 'x'",
            "T | where datetime_add('minute', 5, TimeGenerated) >= now(-1h)",
            "T | where column_ifexists('B', '') != ''",
        ] {
            assert!(row_local(&predicate(local), &env), "{local}");
        }
        for other in [
            "T | where row_number() < 10",
            "T | where prev(A) == 'x'",
            "T | where A in ((U | project A))",
            "T | where nosuchfunction(A)",
        ] {
            assert!(!row_local(&predicate(other), &env), "{other}");
        }
        let script = crate::kql::parse("let f = (x: string) { x }; T | where f(A) == 'x'").expect("parses");
        struct Own;
        impl UserFunctions for Own {
            fn is_user_function(&self, name: &str) -> bool {
                name == "f"
            }
        }
        let Some(Statement::Query(p)) = script.statements.last() else {
            panic!("a query")
        };
        let Some(Operator::Where(e)) = p.ops.last() else {
            panic!("a where")
        };
        assert!(!row_local(e, &Own), "a user function's body could read anything");
    }
}
