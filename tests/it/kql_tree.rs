//! The typed tree (issue 12 §1): a word outside an operator's closed set is a parse error at the
//! word listing the valid ones, and every unknown column an operator names gets a caret at it.

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
