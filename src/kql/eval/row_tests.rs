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
use std::sync::Arc;

use rustc_hash::FxHashSet;

use super::super::ast::*;
use super::super::functions::{Case, case_mapped_text};
use super::prune::UserFunctions;
use super::row_local::row_local;

/// A test every row the query can see passes, decided on a string column's text: whether the
/// text, first mapped to a case (`tolower(Column)`, `toupper(…)`), is among some strings
/// (`Column == "a"`, `Column in ("a", "b")`) or not (`!=`, `!in`). Strings compare as KQL
/// compares them with `==` and `in`: exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct RowTest {
    pub column: String,
    /// The case the text is mapped to before it is compared.
    pub case: Option<Case>,
    /// Whether a row passes when its text is among `values` (else: when it is not).
    pub among: bool,
    pub values: Values,
}

/// The strings a [`RowTest`] compares with: one, or a set (shared: every chunk's builder holds
/// the test, and a join's keys may be thousands).
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    One(String),
    Set(Arc<FxHashSet<String>>),
}

impl Values {
    fn contains(&self, text: &str) -> bool {
        match self {
            Values::One(value) => text == value,
            Values::Set(set) => set.contains(text),
        }
    }
}

impl RowTest {
    /// `column == value` (`equal`) or `column != value`.
    pub fn compare(column: &str, equal: bool, value: &str) -> RowTest {
        RowTest {
            column: column.to_owned(),
            case: None,
            among: equal,
            values: Values::One(value.to_owned()),
        }
    }

    /// Whether a row whose column holds `text` passes.
    pub fn passes(&self, text: &str) -> bool {
        let found = match self.case {
            None => self.values.contains(text),
            Some(case) => self.values.contains(&case_mapped_text(text, case)),
        };
        found == self.among
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

/// `text == "a"` or `text != "a"` (either way round), `text in ("a", …)` or `text !in (…)`,
/// where `text` is a column, as it is or through `tostring`, `tolower` or `toupper`.
fn test_of(e: &Expr) -> Option<RowTest> {
    let (text, among, values) = match e {
        Expr::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b, _) => {
            let (text, value) = match (&**a, &**b) {
                (Expr::Literal(Literal::String(value), _), text) | (text, Expr::Literal(Literal::String(value), _)) => (text, value),
                _ => return None,
            };
            (text, *op == BinOp::Eq, Values::One(value.clone()))
        }
        Expr::In {
            expr,
            op: op @ (InOp::In | InOp::NotIn),
            list,
            ..
        } => {
            let strings = list.iter().map(|item| match item {
                Expr::Literal(Literal::String(value), _) => Some(value.clone()),
                _ => None,
            });
            (&**expr, *op == InOp::In, Values::Set(Arc::new(strings.collect::<Option<_>>()?)))
        }
        _ => return None,
    };
    let (column, case) = column_text(text, None)?;
    Some(RowTest {
        column: column.to_owned(),
        case,
        among,
        values,
    })
}

/// The column whose text `e` is, and the case it maps it to: a column, or `tostring`,
/// `tolower` or `toupper` of one (of a string column, `tostring` is the text itself; the loader
/// tests only string columns). Of nested mappings the outermost case wins.
fn column_text(e: &Expr, case: Option<Case>) -> Option<(&str, Option<Case>)> {
    match e {
        Expr::Ident(column, _) => Some((column, case)),
        Expr::Call { name, args, .. } if args.len() == 1 => {
            let mapped = match name.as_str() {
                "tostring" => None,
                "tolower" => Some(Case::Lower),
                "toupper" => Some(Case::Upper),
                _ => return None,
            };
            column_text(&args[0], case.or(mapped))
        }
        _ => None,
    }
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
        RowTest::compare(column, equal, value)
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

    fn among(column: &str, case: Option<Case>, among: bool, values: &[&str]) -> RowTest {
        RowTest {
            column: column.into(),
            case,
            among,
            values: Values::Set(Arc::new(values.iter().map(|v| v.to_string()).collect())),
        }
    }

    #[test]
    fn lists_of_strings_and_mapped_columns_are_tests_too() {
        // The filter a join's keys add to its right side (`key_filter`) has this shape.
        let query = r#"T | where tolower(tostring(Name)) in ("app-1", "app-2") | where toupper(A) != "X" | where B !in ("b")"#;
        let mut one = RowTest::compare("A", false, "X");
        one.case = Some(Case::Upper);
        assert_eq!(
            tests_of(query, &[]),
            [
                among("Name", Some(Case::Lower), true, &["app-1", "app-2"]),
                one,
                among("B", None, false, &["b"])
            ]
        );
        for query in [
            r#"T | where Name in ("a", 1)"#,
            r#"T | where Name in (dynamic(["a"]))"#,
            r#"T | where Name in~ ("a")"#,
            r#"T | where trim(" ", Name) == "a""#,
            r#"T | where tolower(Name, "x") == "a""#,
            r#"T | where tostring(d.key) == "a""#,
        ] {
            assert_eq!(tests_of(query, &[]), [], "{query}");
        }
    }

    #[test]
    fn a_mapped_test_maps_the_text_as_tolower_and_toupper_do() {
        let lower = among("Name", Some(Case::Lower), true, &["app-1", "straße"]);
        assert!(lower.passes("App-1"));
        assert!(lower.passes("STRAßE"));
        assert!(!lower.passes("app-10"));
        let upper_not = among("Name", Some(Case::Upper), false, &["APP-1"]);
        assert!(!upper_not.passes("app-1"));
        assert!(upper_not.passes("app-2"));
    }

    #[test]
    fn a_test_compares_exactly() {
        assert!(test("A", true, "0").passes("0"));
        assert!(!test("A", true, "0").passes("00"));
        assert!(!test("A", false, "Ab").passes("Ab"));
        assert!(test("A", false, "Ab").passes("ab"));
    }
}
