//! The typed tree (issue 12 §1): a word outside an operator's closed set is a parse error at the
//! word listing the valid ones, and every unknown column an operator names gets a caret at it.

use crate::support::crate_dir;
use crate::support::kql::*;

/// The `line:column` an error points at and its message line.
fn located(query: &str) -> String {
    eval_err(query)
}

const T: &str = "let T = datatable(A:long, B:string) [1, 'x', 2, 'y'];\n";

#[test]
fn an_unknown_kind_is_a_parse_error_at_it_listing_the_kinds() {
    let e = located("print a = 1 | join kind=weird (print a = 1) on a");
    assert!(e.contains("<query>:1:25"), "{e}");
    assert!(e.contains("unknown join kind `weird`"), "{e}");
    assert!(
        e.contains("expected one of: innerunique, inner, leftouter, rightouter, fullouter, leftsemi, rightsemi, leftanti, rightanti"),
        "{e}"
    );
    let e = located("print a = 1 | lookup kind=fullouter (print a = 1) on a");
    assert!(
        e.contains("unknown lookup kind `fullouter`") && e.contains("expected one of: leftouter, inner"),
        "{e}"
    );
    let e = located("print s = 'a' | parse kind=regx s with x");
    assert!(e.contains("unknown parse kind `regx`; did you mean `regex`?"), "{e}");
    let e = located("print a = dynamic({'k': 1}) | mv-expand kind=arrays a");
    assert!(e.contains("unknown mv-expand kind `arrays`; did you mean `array`?"), "{e}");
    let e = located("union kind=middle (print a = 1), (print b = 2)");
    assert!(e.contains("unknown union kind `middle`") && e.contains("outer, inner"), "{e}");
    let e = located("print a = 1 | sort by a nulls middle");
    assert!(e.contains("unknown nulls placement `middle`") && e.contains("first, last"), "{e}");
    let e = located("union isfuzzy=maybe (print a = 1)");
    assert!(e.contains("expected `true` or `false`"), "{e}");
}

#[test]
fn unknown_columns_of_every_operator_get_a_caret() {
    // Second line, so the column shows the position is the name's, not the operator's.
    for (query, name) in [
        ("T\n| project-away A, Nope", "Nope"),
        ("T\n| project-keep Nope", "Nope"),
        ("T\n| project-rename C = Nope", "Nope"),
        ("T\n| join (T) on Nope", "Nope"),
        ("T\n| join (T | project C = A) on $left.A == $right.Nope", "$right.Nope"),
    ] {
        let line = query.lines().nth(1).expect("two lines");
        let at = format!("<query>:3:{}", line.find(name).expect("the name") + 1);
        let e = located(&format!("{T}{query}"));
        assert!(e.contains(&at), "{query}: {e}");
        let column = name.rsplit('.').next().unwrap_or(name);
        assert!(e.contains(&format!("`{column}`")), "{query}: {e}");
        assert!(
            e.contains(&format!("^{}", "^".repeat(name.len() - 1))),
            "{query}: the caret spans `{name}`: {e}"
        );
    }
}

#[test]
fn aliases_and_kinds_evaluate_as_their_members() {
    // `anti` is `leftanti` (…/join-operator): the left rows without a match.
    let t = eval(&format!("{T}T | join kind=anti (T | where A == 1) on A"));
    assert_eq!(column(&t, "A"), ["2"]);
    // `kind=inner` keeps the columns every input has (…/union-operator).
    let t = eval("union kind=inner (print a = 1, b = 2), (print a = 3, c = 4)");
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a"]);
    assert_eq!(column(&t, "a"), ["1", "3"]);
    let t = eval("union (print a = 1, b = 2), (print a = 3, c = 4)");
    assert_eq!(t.columns.len(), 3, "outer by default");
    // Kinds print as their canonical words and parse back to the same tree.
    assert_round_trip("T | join kind=LeftAntiSemi (T) on A | union kind=inner isfuzzy=true (U) | sort by A asc nulls last");
}

/// The backticked names of the docs/cli.md list item that starts with `label`.
fn documented_operators(label: &str) -> Vec<String> {
    let text = std::fs::read_to_string(crate_dir().join("docs/cli.md")).expect("docs/cli.md");
    let start = text
        .find(&format!("- {label}"))
        .unwrap_or_else(|| panic!("docs/cli.md lists `{label}`"));
    let item = text[start + 2..].split("\n- ").next().unwrap_or_default();
    let item = item.split("\n\n").next().unwrap_or_default();
    item.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

#[test]
fn the_documented_operator_lists_are_the_parsers_table() {
    let (runs, not_yet): (Vec<_>, Vec<_>) = tenantless::kql::tabular_operators().partition(|(_, runs)| *runs);
    let names = |ops: Vec<(&'static [&'static str], bool)>| ops.iter().map(|(n, _)| n[0].to_owned()).collect::<Vec<_>>();
    assert_eq!(documented_operators("Runs:"), names(runs));
    assert_eq!(documented_operators("Not supported yet, reported by name:"), names(not_yet));
}

#[test]
fn every_operator_of_the_table_is_dispatched_as_the_table_says() {
    for (names, runs) in tenantless::kql::tabular_operators() {
        for name in names {
            let e = tenantless::kql::parse(&format!("print a = 1 | {name} nonsense nonsense"))
                .map(|_| ())
                .err();
            // The operator itself (not, say, an `evaluate` plugin) is what is not supported.
            let unsupported = e
                .as_ref()
                .is_some_and(|e| e.to_string().starts_with(&format!("`{name}` is not supported")));
            assert_eq!(unsupported, !runs, "`{name}`: {e:?}");
            let unknown = e.as_ref().is_some_and(|e| e.to_string().contains("unknown tabular operator"));
            assert!(!unknown, "`{name}` is in the table: {e:?}");
        }
    }
}

/// An option followed by a parenthesised subquery (issue 12 §2): the option's value is not taken
/// for a function called with the subquery.
#[test]
fn an_option_before_a_parenthesised_subquery_is_an_option() {
    let t = eval("union isfuzzy=true (print a = 1), (print a = 2)");
    assert_eq!(column(&t, "a"), ["1", "2"]);
    let t = eval("print a = 1 | join hint.strategy=broadcast (print a = 1, b = 2) on a");
    assert_eq!(column(&t, "b"), ["2"]);
    let t = eval("print a = 1 | join kind=inner hint.remote=auto hint.strategy=shuffle (print a = 1, b = 3) on a");
    assert_eq!(column(&t, "b"), ["3"]);
    assert_round_trip("T | join hint.strategy=broadcast (U) on A");
}

/// Unnamed expressions are named as Microsoft's analyzer names them (`@kusto/language-service-next`
/// 12.4.1, queried one by one): conversions and rounding keep their argument's name, other
/// functions get `ColumnN`, `strlen` a prefix, and a derived name already taken gets a number.
#[test]
fn unnamed_expressions_are_named_as_kusto_names_them() {
    let names = |q: &str| -> Vec<String> { eval(&format!("{T}{q}")).columns.iter().map(|c| c.name.clone()).collect() };
    assert_eq!(names("T | distinct A, tostring(B)"), ["A", "B"]);
    assert_eq!(
        names("T | project toint(A), tolong(A), A, strlen(B), tolower(B), bin(A, 1)"),
        ["A", "A1", "A2", "strlen_B", "Column1", "A3"]
    );
    assert_eq!(names("T | summarize by tolower(B), toint(A)"), ["Column1", "A"]);
    assert_eq!(
        names("T | summarize take_anyif(A, A > 1), count() by tostring(B)"),
        ["B", "A", "count_"]
    );
}
