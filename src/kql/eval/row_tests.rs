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
use super::super::functions::{Case, case_mapped_text, string_op_text};
use super::super::value::Value;
use super::expr::compare;
use super::prune::UserFunctions;
use super::row_local::row_local;

/// A test every row the query can see passes: of a string column's text ([`TextTest`],
/// [`MatchTest`]), or of a datetime column's time ([`TimeTest`]).
#[derive(Debug, Clone, PartialEq)]
pub enum RowTest {
    Text(TextTest),
    Match(MatchTest),
    Time(TimeTest),
}

/// A string column's text (mapped to a case, as in [`TextTest`]) tested by a string operator
/// with strings: `has`, `contains`, `startswith`, `endswith`, `hasprefix`, `hassuffix`, their
/// `_cs` forms and negations (`!has`, …) with one, `has_any` and `has_all` with a list; decided
/// by the engine's own operator. Not `matches regex`, which would compile its pattern per row.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchTest {
    pub column: String,
    pub case: Option<Case>,
    pub op: StrOp,
    /// `!has`, `!contains`, …: a row passes when the operator does not hold.
    pub negated: bool,
    pub needles: Vec<String>,
    /// Whether one needle's hit is enough (`has_any`, and every one-needle operator), or every
    /// needle must hit (`has_all`).
    pub any: bool,
}

impl MatchTest {
    /// Whether a row whose column holds `text` passes.
    pub fn passes(&self, text: &str) -> bool {
        let mapped = mapped(text, self.case);
        let hit = |needle: &String| string_op_text(self.op, &mapped, needle);
        let found = if self.any {
            self.needles.iter().any(hit)
        } else {
            self.needles.iter().all(hit)
        };
        found != self.negated
    }
}

/// Whether a string column's text, first mapped to a case (`tolower(Column)`, `toupper(…)`), is
/// among some strings (`Column == "a"`, `Column in ("a", "b")`) or not (`!=`, `!in`). Strings
/// compare as the engine compares them with `==` and `in`: exactly; with `=~` and `in~`:
/// ignoring the case of ASCII letters.
#[derive(Debug, Clone, PartialEq)]
pub struct TextTest {
    pub column: String,
    /// The case the text is mapped to before it is compared.
    pub case: Option<Case>,
    /// Whether ASCII letters compare in either case (`=~`, `in~`): `values` are lower-cased then.
    pub ignore_ascii_case: bool,
    /// Whether a row passes when its text is among `values` (else: when it is not).
    pub among: bool,
    pub values: Values,
}

/// A datetime column compared with a time the query fixes before it reads a row
/// (`TimeGenerated >= ago(1d)`, with `now` known): `column op time`, `op` one of `<`, `<=`, `>`,
/// `>=`, compared as the query compares them (a null time passes none).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeTest {
    pub column: String,
    pub op: BinOp,
    /// The time, in 100-ns ticks.
    pub ticks: i64,
}

/// The strings a [`TextTest`] compares with: one, or a set (shared: every chunk's builder holds
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
    #[cfg(test)]
    pub fn compare(column: &str, equal: bool, value: &str) -> RowTest {
        RowTest::Text(TextTest {
            column: column.to_owned(),
            case: None,
            ignore_ascii_case: false,
            among: equal,
            values: Values::One(value.to_owned()),
        })
    }

    /// The column tested.
    pub fn column(&self) -> &str {
        match self {
            RowTest::Text(t) => &t.column,
            RowTest::Match(t) => &t.column,
            RowTest::Time(t) => &t.column,
        }
    }
}

impl TextTest {
    /// Whether a row whose column holds `text` passes.
    pub fn passes(&self, text: &str) -> bool {
        let mapped = mapped(text, self.case);
        let found = match &self.values {
            // `values` are lower-cased already; one compares without a copy of the row's text.
            Values::One(value) if self.ignore_ascii_case => mapped.eq_ignore_ascii_case(value),
            values if self.ignore_ascii_case && mapped.bytes().any(|b| b.is_ascii_uppercase()) => {
                values.contains(&mapped.to_ascii_lowercase())
            }
            values => values.contains(&mapped),
        };
        found == self.among
    }
}

/// `text` mapped to `case`, as `tolower`/`toupper` map it (borrowed when nothing changes).
fn mapped(text: &str, case: Option<Case>) -> std::borrow::Cow<'_, str> {
    match case {
        None => std::borrow::Cow::Borrowed(text),
        Some(case) => case_mapped_text(text, case),
    }
}

impl TimeTest {
    /// Whether a row whose column holds `value` (as the table stores it) passes.
    pub fn passes(&self, value: &Value) -> bool {
        compare(self.op, value, &Value::DateTime(self.ticks)) == Value::Bool(true)
    }
}

/// What the value of an expression is before any row is read, if the caller can tell: a string
/// literal before the query runs ([`literal`]); as it runs, anything that reads no column
/// (`ago(timeRange)`, a `let`'s string).
pub(super) type Constant<'c> = dyn Fn(&Expr) -> Option<Value> + 'c;

/// A string literal's value: what is known of an expression before the query runs.
pub(super) fn literal(e: &Expr) -> Option<Value> {
    match e {
        Expr::Literal(Literal::String(text), _) => Some(Value::str(text)),
        _ => None,
    }
}

/// The names `e` reads, when its value could be known before any row is read: `None` when it
/// calls what may answer differently on each row, or by the row's columns (`new_guid()`,
/// `column_ifexists`).
pub(super) fn names_of_constant(e: &Expr) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let fixed = super::row_local::all_of(e, &mut |x| match x {
        Expr::Ident(name, _) => {
            names.push(name.clone());
            true
        }
        Expr::Call { name, .. } => !matches!(name.as_str(), "new_guid" | "column_ifexists"),
        _ => true,
    });
    fixed.then_some(names)
}

/// The tests of the leading `where`s of `ops`; `bound` holds names the script binds with `let`,
/// which a `where` may mean instead of a column, `functions` tells its own functions, and
/// `constant` what expressions are worth before any row is read. Text tests come first: they
/// are the cheaper to decide.
pub(super) fn leading(ops: &[Operator], bound: &HashSet<&str>, functions: &impl UserFunctions, constant: &Constant) -> Vec<RowTest> {
    let mut tests = Vec::new();
    for op in ops {
        let Operator::Where(predicate) = op else { break };
        if !row_local(predicate, functions) {
            break;
        }
        conjuncts(predicate, &mut |e| {
            let found = match e {
                Expr::Between { .. } => between(e, constant),
                _ => test_of(e, constant).into_iter().collect(),
            };
            tests.extend(found.into_iter().filter(|t| !bound.contains(t.column())))
        });
    }
    tests.sort_by_key(|t| matches!(t, RowTest::Time(_)));
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
/// where `text` is a column, as it is or through `tostring`, `tolower` or `toupper`; or a column
/// compared (`<`, `<=`, `>`, `>=`) with a datetime, either way round.
fn test_of(e: &Expr, constant: &Constant) -> Option<RowTest> {
    let string = |e: &Expr| match constant(e)? {
        Value::String(text) => Some(text.to_string()),
        _ => None,
    };
    match e {
        Expr::Binary(op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge), a, b, _) => time_test(*op, a, b, constant),
        Expr::Binary(BinOp::Str(op, negated), a, b, _) if *op != StrOp::MatchesRegex => {
            let (column, case) = column_text(a, None)?;
            Some(RowTest::Match(MatchTest {
                column: column.to_owned(),
                case,
                op: *op,
                negated: *negated,
                needles: vec![string(b)?],
                any: true,
            }))
        }
        // As the engine's `has_any` and `has_all`: `has` of each of the list's strings.
        Expr::In {
            expr,
            op: op @ (InOp::HasAny | InOp::HasAll),
            list,
            ..
        } => {
            let (column, case) = column_text(expr, None)?;
            Some(RowTest::Match(MatchTest {
                column: column.to_owned(),
                case,
                op: StrOp::Has,
                negated: false,
                needles: list.iter().map(string).collect::<Option<_>>()?,
                any: *op == InOp::HasAny,
            }))
        }
        Expr::Binary(op @ (BinOp::Eq | BinOp::Ne | BinOp::EqCi | BinOp::NeCi), a, b, _) => {
            let (text, value) = match column_text(a, None) {
                Some(_) => (&**a, string(b)?),
                None => (&**b, string(a)?),
            };
            let ignore = matches!(op, BinOp::EqCi | BinOp::NeCi);
            let among = matches!(op, BinOp::Eq | BinOp::EqCi);
            text_test(text, (among, ignore), Values::One(folded(value, ignore)))
        }
        Expr::In {
            expr,
            op: op @ (InOp::In | InOp::NotIn | InOp::InCi | InOp::NotInCi),
            list,
            ..
        } => {
            let ignore = matches!(op, InOp::InCi | InOp::NotInCi);
            let among = matches!(op, InOp::In | InOp::InCi);
            let strings = list.iter().map(|item| Some(folded(string(item)?, ignore)));
            text_test(expr, (among, ignore), Values::Set(Arc::new(strings.collect::<Option<_>>()?)))
        }
        _ => None,
    }
}

/// `value`, ASCII lower-cased when the test ignores ASCII case (as the engine's `=~` and `in~`).
fn folded(value: String, ignore_ascii_case: bool) -> String {
    if ignore_ascii_case { value.to_ascii_lowercase() } else { value }
}

/// A test of the column whose text `text` is.
fn text_test(text: &Expr, (among, ignore_ascii_case): (bool, bool), values: Values) -> Option<RowTest> {
    let (column, case) = column_text(text, None)?;
    Some(RowTest::Text(TextTest {
        column: column.to_owned(),
        case,
        ignore_ascii_case,
        among,
        values,
    }))
}

/// `column between (lo .. hi)` of times: `column >= lo` and `column <= hi`, where `hi` may be a
/// timespan after `lo` (as the engine reads `between (start .. 1h)`). `!between` passes rows on
/// either side, so it is no test.
fn between(e: &Expr, constant: &Constant) -> Vec<RowTest> {
    let Expr::Between {
        expr,
        lo,
        hi,
        negated: false,
        ..
    } = e
    else {
        return Vec::new();
    };
    let Expr::Ident(column, _) = &**expr else {
        return Vec::new();
    };
    let (Some(Value::DateTime(lo)), Some(hi)) = (constant(lo), constant(hi)) else {
        return Vec::new();
    };
    let hi = match hi {
        Value::DateTime(hi) => hi,
        Value::TimeSpan(span) => lo.wrapping_add(span),
        _ => return Vec::new(),
    };
    let at = |op, ticks| {
        RowTest::Time(TimeTest {
            column: column.clone(),
            op,
            ticks,
        })
    };
    vec![at(BinOp::Ge, lo), at(BinOp::Le, hi)]
}

/// `column op time` or `time op column` (turned round), where `time` is a datetime constant.
fn time_test(op: BinOp, a: &Expr, b: &Expr, constant: &Constant) -> Option<RowTest> {
    let (column, time, op) = match (a, b) {
        (Expr::Ident(column, _), time) => (column, time, op),
        (time, Expr::Ident(column, _)) => {
            let turned = match op {
                BinOp::Lt => BinOp::Gt,
                BinOp::Le => BinOp::Ge,
                BinOp::Gt => BinOp::Lt,
                _ => BinOp::Le,
            };
            (column, time, turned)
        }
        _ => return None,
    };
    let Value::DateTime(ticks) = constant(time)? else {
        return None;
    };
    Some(RowTest::Time(TimeTest {
        column: column.clone(),
        op,
        ticks,
    }))
}

/// The column whose text `e` is, and the case it maps it to: a column, or `tostring`,
/// `tolower` or `toupper` of one (of a string column, `tostring` is the text itself; the loader
/// tests only string columns). Two mappings are no test: `tolower(toupper(x))` is not always
/// `tolower(x)` (`ß` upper-cases to `SS`).
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
            if case.is_some() && mapped.is_some() {
                return None;
            }
            column_text(&args[0], case.or(mapped))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a query knows of expressions as it runs, for these tests: literals, a `let x = "v"`,
    /// and `ago(…)` as 1,000 ticks.
    fn running(e: &Expr) -> Option<Value> {
        match e {
            Expr::Ident(name, _) if name == "x" => Some(Value::str("v")),
            Expr::Call { name, .. } if name == "ago" => Some(Value::DateTime(1_000)),
            Expr::Literal(Literal::TimeSpan(Some(ticks)), _) => Some(Value::TimeSpan(*ticks)),
            other => literal(other),
        }
    }

    fn tests_with(query: &str, bound: &[&str], constant: &Constant) -> Vec<RowTest> {
        let script = crate::kql::parse(query).expect("parses");
        let Some(Statement::Query(p)) = script.statements.last() else {
            panic!("a query")
        };
        leading(&p.ops, &bound.iter().copied().collect(), &super::super::Env::default(), constant)
    }

    fn tests_of(query: &str, bound: &[&str]) -> Vec<RowTest> {
        tests_with(query, bound, &literal)
    }

    fn test(column: &str, equal: bool, value: &str) -> RowTest {
        RowTest::compare(column, equal, value)
    }

    fn text(test: RowTest) -> TextTest {
        match test {
            RowTest::Text(t) => t,
            other => panic!("not a text test: {other:?}"),
        }
    }

    fn time(column: &str, op: BinOp, ticks: i64) -> RowTest {
        RowTest::Time(TimeTest {
            column: column.into(),
            op,
            ticks,
        })
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
    fn as_the_query_runs_times_and_lets_are_known_too_and_time_tests_come_last() {
        let query = r#"T | where TimeGenerated >= ago(1d) and ago(2d) > Start | where A == x | where n > ago(1d)"#;
        assert_eq!(
            tests_with(query, &[], &running),
            [
                test("A", true, "v"),
                time("TimeGenerated", BinOp::Ge, 1_000),
                time("Start", BinOp::Lt, 1_000),
                time("n", BinOp::Gt, 1_000)
            ]
        );
        // A string is no time, and a time is no string.
        assert_eq!(tests_with(r#"T | where A > "a" | where B == ago(1d)"#, &[], &running), []);
        // `between` is two tests, its end maybe a timespan after its start; `!between` is none.
        let between = r#"T | where TimeGenerated between (ago(1d) .. ago(2d)) | where S between (ago(1d) .. 1h)"#;
        assert_eq!(
            tests_with(between, &[], &running),
            [
                time("TimeGenerated", BinOp::Ge, 1_000),
                time("TimeGenerated", BinOp::Le, 1_000),
                time("S", BinOp::Ge, 1_000),
                time("S", BinOp::Le, 1_000 + 36_000_000_000)
            ]
        );
        assert_eq!(tests_with(r#"T | where S !between (ago(1d) .. 1h)"#, &[], &running), []);
    }

    #[test]
    fn nothing_after_another_operator_or_a_where_that_sees_other_rows_is_a_test() {
        for query in [
            r#"T | extend ResultType = "1" | where ResultType == "0""#,
            r#"T | where row_number() < 10 and A == "a""#,
            r#"T | where rand() < 0.5 | where A == "a""#,
            r#"T | where myfunc(B) | where A == "a""#,
            r#"T | where A == "a" or B == "b""#,
            r#"T | where A == 1"#,
        ] {
            assert_eq!(tests_of(query, &[]), [], "{query}");
        }
        // A name the script binds may mean the `let`, not the column.
        assert_eq!(tests_of(r#"T | where A == "a" | where B != "b""#, &["A"]), [test("B", false, "b")]);
    }

    #[test]
    fn a_constant_reads_no_row() {
        let parse = |e: &str| crate::kql::parse(&format!("print {e}")).expect("parses");
        let names = |e: &str| {
            let script = parse(e);
            let Some(Statement::Query(p)) = script.statements.last() else {
                panic!()
            };
            let Source::Print(items) = &p.source else { panic!() };
            names_of_constant(&items[0].expr)
        };
        assert_eq!(names("ago(timeRange) + 1h"), Some(vec!["timeRange".to_owned()]));
        assert_eq!(names("new_guid()"), None);
        assert_eq!(names(r#"column_ifexists("A", "")"#), None);
    }

    fn among(column: &str, case: Option<Case>, among: bool, values: &[&str]) -> TextTest {
        TextTest {
            column: column.into(),
            case,
            ignore_ascii_case: false,
            among,
            values: Values::Set(Arc::new(values.iter().map(|v| v.to_string()).collect())),
        }
    }

    #[test]
    fn comparisons_that_ignore_case_ignore_it_as_the_engine_does() {
        let query = r#"T | where A =~ "Add Member" | where B !in~ ("X", "y")"#;
        let mut a = text(RowTest::compare("A", true, "add member"));
        a.ignore_ascii_case = true;
        let mut b = among("B", None, false, &["x", "y"]);
        b.ignore_ascii_case = true;
        assert_eq!(tests_of(query, &[]), [RowTest::Text(a.clone()), RowTest::Text(b.clone())]);
        for text in ["add member", "ADD MEMBER", "Add Member"] {
            assert!(a.passes(text), "{text}");
        }
        assert!(!b.passes("Y") && b.passes("z"));
        // As the engine's own `=~`: ASCII letters fold, others do not.
        let mut cafe = text(RowTest::compare("C", true, "café"));
        cafe.ignore_ascii_case = true;
        for value in ["CAFé", "CAFÉ", "café", "cafe"] {
            let engine = crate::kql::run(&format!("print x = '{value}' =~ 'café'"), &Default::default(), &Default::default());
            let engine = engine.expect("runs")[0].rows[0][0].clone();
            assert_eq!(Value::Bool(cafe.passes(value)), engine, "{value}");
        }
    }

    #[test]
    fn lists_of_strings_and_mapped_columns_are_tests_too() {
        // The filter a join's keys add to its right side (`key_filter`) has this shape.
        let query = r#"T | where tolower(tostring(Name)) in ("app-1", "app-2") | where toupper(A) != "X" | where B !in ("b")"#;
        let mut one = text(RowTest::compare("A", false, "X"));
        one.case = Some(Case::Upper);
        let expected = [
            among("Name", Some(Case::Lower), true, &["app-1", "app-2"]),
            one,
            among("B", None, false, &["b"]),
        ];
        assert_eq!(tests_of(query, &[]), expected.map(RowTest::Text));
        for query in [
            r#"T | where Name in ("a", 1)"#,
            r#"T | where Name in (dynamic(["a"]))"#,
            r#"T | where trim(" ", Name) == "a""#,
            r#"T | where tolower(Name, "x") == "a""#,
            r#"T | where tostring(d.key) == "a""#,
            // `tolower(toupper("ß"))` is "ss", `tolower("ß")` is "ß".
            r#"T | where tolower(toupper(Name)) == "ss""#,
        ] {
            assert_eq!(tests_of(query, &[]), [], "{query}");
        }
    }

    #[test]
    fn string_operators_are_tests_decided_by_the_engines_own() {
        let query = r#"T | where OperationName has "Consent" | where tolower(Name) !startswith "sp-" | where X matches regex "a""#;
        let tests = tests_of(query, &[]);
        let matched: Vec<&MatchTest> = tests
            .iter()
            .map(|t| match t {
                RowTest::Match(m) => m,
                other => panic!("not a match test: {other:?}"),
            })
            .collect();
        assert_eq!(matched.len(), 2, "{tests:?}");
        assert_eq!(
            (matched[0].op, matched[0].negated, &matched[0].needles[..]),
            (StrOp::Has, false, &["Consent".to_owned()][..])
        );
        assert_eq!((matched[1].case, matched[1].negated), (Some(Case::Lower), true));
        // The needle on the left is no test: `"Consent" has Name` asks another question.
        assert_eq!(tests_of(r#"T | where "Consent to application" has Name"#, &[]), []);
        for text in ["Consent to application", "consent", "Consentment", "Revoke consent", ""] {
            let engine = crate::kql::run(
                &format!("print x = '{text}' has 'Consent'"),
                &Default::default(),
                &Default::default(),
            );
            assert_eq!(Value::Bool(matched[0].passes(text)), engine.expect("runs")[0].rows[0][0], "{text}");
        }
        assert!(!matched[1].passes("SP-payroll") && matched[1].passes("app-payroll"));
        // `has_any` and `has_all`, against the engine's own.
        let lists = tests_of(
            r#"T | where A has_any ("consent", "grant") | where A has_all ("consent", "grant")"#,
            &[],
        );
        assert_eq!(lists.len(), 2, "{lists:?}");
        for text in ["Consent grant", "consent", "Grant role", "Consentgrant", ""] {
            for (test, op) in lists.iter().zip(["has_any", "has_all"]) {
                let RowTest::Match(test) = test else { panic!("{test:?}") };
                let query = format!("print x = '{text}' {op} ('consent', 'grant')");
                let engine = crate::kql::run(&query, &Default::default(), &Default::default()).expect("runs");
                assert_eq!(Value::Bool(test.passes(text)), engine[0].rows[0][0], "{query}");
            }
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
        let test = |column, equal, value| text(test(column, equal, value));
        assert!(test("A", true, "0").passes("0"));
        assert!(!test("A", true, "0").passes("00"));
        assert!(!test("A", false, "Ab").passes("Ab"));
        assert!(test("A", false, "Ab").passes("ab"));
    }

    #[test]
    fn a_time_test_compares_as_the_query_does_and_a_null_time_passes_none() {
        let at = |op| match time("T", op, 1_000) {
            RowTest::Time(t) => t,
            _ => unreachable!(),
        };
        let (before, same, after) = (Value::DateTime(999), Value::DateTime(1_000), Value::DateTime(1_001));
        assert!(at(BinOp::Ge).passes(&same) && at(BinOp::Ge).passes(&after) && !at(BinOp::Ge).passes(&before));
        assert!(!at(BinOp::Gt).passes(&same) && at(BinOp::Gt).passes(&after));
        assert!(at(BinOp::Lt).passes(&before) && !at(BinOp::Lt).passes(&same));
        assert!(at(BinOp::Le).passes(&same) && !at(BinOp::Le).passes(&after));
        for op in [BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge] {
            assert!(!at(op).passes(&Value::Null), "{op:?}");
        }
    }
}
