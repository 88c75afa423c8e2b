//! Which rows of a table a query surely drops before anything else sees them, so that the loader
//! need not keep them: the failed-sign-in rule keeps one sign-in in twenty, and storing the other
//! nineteen was most of its memory.
//!
//! Only the leading `where`s of a pipeline that starts from the table count, and of those only
//! conjuncts that compare a column with a string literal (`==`, `!=`), which the loader can decide
//! on the value it stores. A `where` that is not row-local (see [`row_local`]) stops the search:
//! a window function (`row_number`, `prev`) or a user function would see other rows if earlier
//! ones were dropped. The query still runs its `where`s on the rows kept, so dropping fewer rows
//! than it would is always safe.

use std::collections::HashSet;

use super::super::ast::*;
use super::prune::UserFunctions;
use super::row_local::row_local;

/// A test every row the query can see passes: `column == value` (`equal`) or `column != value`,
/// compared as KQL compares strings (exactly, case-sensitive).
#[derive(Debug, Clone, PartialEq)]
pub struct RowTest {
    pub column: String,
    pub equal: bool,
    pub value: String,
}

impl RowTest {
    /// Whether a row whose column holds `text` passes.
    pub fn passes(&self, text: &str) -> bool {
        (text == self.value) == self.equal
    }
}

/// The tests of the leading `where`s of `ops`; `bound` holds names the script binds with `let`,
/// which a `where` may mean instead of a column, and `functions` tells its own functions.
pub(super) fn leading(ops: &[Operator], bound: &HashSet<&str>, functions: &impl UserFunctions) -> Vec<RowTest> {
    let mut tests = Vec::new();
    for op in ops {
        let Operator::Where(predicate) = op else { break };
        if !row_local(predicate, functions) {
            break;
        }
        conjuncts(predicate, &mut |e| {
            tests.extend(test_of(e).filter(|t| !bound.contains(t.column.as_str())))
        });
    }
    tests
}

fn conjuncts<'e>(e: &'e Expr, each: &mut dyn FnMut(&'e Expr)) {
    match e {
        Expr::Binary(BinOp::And, a, b, _) => {
            conjuncts(a, each);
            conjuncts(b, each);
        }
        other => each(other),
    }
}

/// `column == "text"` or `column != "text"`, either way round.
fn test_of(e: &Expr) -> Option<RowTest> {
    let Expr::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b, _) = e else {
        return None;
    };
    let (column, value) = match (&**a, &**b) {
        (Expr::Ident(column, _), Expr::Literal(Literal::String(value), _))
        | (Expr::Literal(Literal::String(value), _), Expr::Ident(column, _)) => (column, value),
        _ => return None,
    };
    Some(RowTest {
        column: column.clone(),
        equal: *op == BinOp::Eq,
        value: value.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tests_of(query: &str, bound: &[&str]) -> Vec<RowTest> {
        let script = crate::kql::parse(query).expect("parses");
        let Some(Statement::Query(p)) = script.statements.last() else {
            panic!("a query")
        };
        leading(&p.ops, &bound.iter().copied().collect(), &super::super::Env::default())
    }

    fn test(column: &str, equal: bool, value: &str) -> RowTest {
        RowTest {
            column: column.into(),
            equal,
            value: value.into(),
        }
    }

    #[test]
    fn string_comparisons_of_the_leading_wheres_are_tests() {
        let query = r#"T | where TimeGenerated >= ago(1d) | where ResultType != "0" and "x" == Category and n > 1 | where A == "a""#;
        assert_eq!(
            tests_of(query, &[]),
            [test("ResultType", false, "0"), test("Category", true, "x"), test("A", true, "a")]
        );
    }

    #[test]
    fn nothing_after_another_operator_or_a_where_that_sees_other_rows_is_a_test() {
        for query in [
            r#"T | extend ResultType = "1" | where ResultType == "0""#,
            r#"T | where row_number() < 10 and A == "a""#,
            r#"T | where rand() < 0.5 | where A == "a""#,
            r#"T | where myfunc(B) | where A == "a""#,
            r#"T | where A == "a" or B == "b""#,
            r#"T | where A =~ "a""#,
            r#"T | where A == 1"#,
        ] {
            assert_eq!(tests_of(query, &[]), [], "{query}");
        }
        // A name the script binds may mean the `let`, not the column.
        assert_eq!(tests_of(r#"T | where A == "a" | where B != "b""#, &["A"]), [test("B", false, "b")]);
    }

    #[test]
    fn a_test_compares_exactly() {
        assert!(test("A", true, "0").passes("0"));
        assert!(!test("A", true, "0").passes("00"));
        assert!(!test("A", false, "Ab").passes("Ab"));
        assert!(test("A", false, "Ab").passes("ab"));
    }
}
