//! Documented KQL traps, each checked against the official documentation's examples
//! (learn.microsoft.com/kusto/query/…; page named in each test). Every query also round-trips
//! through the printer (parse → print → parse gives an equal AST).

use crate::support::kql::*;
use tenantless::kql::Value;

const XY: &str = "let X = datatable(Key:string, Value1:long) ['a',1, 'b',2, 'b',3, 'c',4];\n\
                  let Y = datatable(Key:string, Value2:long) ['b',10, 'c',20, 'c',30, 'd',40];\n";

fn rows(t: &tenantless::kql::Table) -> Vec<String> {
    t.rows
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","))
        .collect()
}

// join-operator / join-innerunique: the default kind dedups left keys; `b,2` survives.
#[test]
fn join_innerunique_default_dedups_left_keys() {
    let t = eval(&format!("{XY}X | join Y on Key"));
    assert_eq!(t.column_names(), ["Key", "Value1", "Key1", "Value2"]);
    assert_eq!(rows(&t), ["b,2,b,10", "c,4,c,20", "c,4,c,30"]);
}

// join-operator: the other kinds on the same documented tables.
#[test]
fn join_kinds_match_docs() {
    let count = |kind: &str| eval(&format!("{XY}X | join kind={kind} Y on Key")).rows.len();
    assert_eq!(count("inner"), 4);
    assert_eq!(count("leftouter"), 5);
    assert_eq!(count("rightouter"), 5);
    assert_eq!(count("fullouter"), 6);
    assert_eq!(rows(&eval(&format!("{XY}X | join kind=leftanti Y on Key"))), ["a,1"]);
    assert_eq!(rows(&eval(&format!("{XY}X | join kind=anti Y on Key"))), ["a,1"]);
    assert_eq!(rows(&eval(&format!("{XY}X | join kind=rightanti Y on Key"))), ["d,40"]);
    assert_eq!(rows(&eval(&format!("{XY}X | join kind=rightantisemi Y on Key"))), ["d,40"]);
    assert_eq!(rows(&eval(&format!("{XY}X | join kind=leftsemi Y on Key"))), ["b,2", "b,3", "c,4"]);
    assert_eq!(
        rows(&eval(&format!("{XY}X | join kind=rightsemi Y on Key"))),
        ["b,10", "c,20", "c,30"]
    );
    let lo = eval(&format!("{XY}X | join kind=leftouter Y on Key | where Key == 'a'"));
    assert_eq!(lo.get(0, "Value2"), Some(&Value::Null));
    assert_eq!(lo.get(0, "Key1"), Some(&Value::str("")), "strings are never null");
}

// join-operator: `$left.A == $right.B` conditions, and clashing names get the `1` suffix.
#[test]
fn join_left_right_condition_and_suffixes() {
    let t = eval(
        "let A = datatable(TimeGenerated:datetime, Caller:string) [datetime(2026-01-01), 'x'];\n\
         let B = datatable(TimeGenerated:datetime, Who:string, Caller:string) [datetime(2026-01-02), 'x', 'y'];\n\
         A | join kind=inner (B) on $left.Caller == $right.Who",
    );
    assert_eq!(t.column_names(), ["TimeGenerated", "Caller", "TimeGenerated1", "Who", "Caller1"]);
    assert_eq!(rows(&t).len(), 1);
}

// has-operator, datatypes-string-operators: `has` is term-based and case-insensitive.
#[test]
fn has_versus_contains() {
    let t = eval(
        "print a = 'North America' has 'america', b = 'North America' !has 'amer', \
         c = 'North America' contains 'amer', d = 'North America' has_cs 'america', \
         e = 'North America' contains_cs 'America', f = 'abc' startswith 'AB', g = 'abc' startswith_cs 'AB', \
         h = 'abc' == 'ABC', i = 'abc' =~ 'ABC', j = 'abc' !~ 'ABC', k = 'a-b.c' has 'b', l = 'hello world' hasprefix 'wor', \
         m = 'hello world' hassuffix 'llo', n = 'abc123' matches regex '[a-z]+[0-9]+'",
    );
    let expect = [
        ("a", true),
        ("b", true),
        ("c", true),
        ("d", false),
        ("e", true),
        ("f", true),
        ("g", false),
        ("h", false),
        ("i", true),
        ("j", false),
        ("k", true),
        ("l", true),
        ("m", true),
        ("n", true),
    ];
    for (col, want) in expect {
        assert_eq!(scalar(&t, col), Value::Bool(want), "column {col}");
    }
}

// has-any-operator and in-operator (case rules, flattening, tabular argument).
#[test]
fn in_family_case_rules() {
    let t = eval(
        "let L = dynamic(['x', 'y']);\n\
         let T = datatable(v:string) ['abc', 'def'];\n\
         print a = 'ABC' in~ ('abc'), b = 'ABC' in ('abc'), c = 'abc' !in~ ('ABC'), d = 'x' in (L), \
         e = 'def' in (T), f = 'zzz' !in (T), g = 'North America' has_any ('amer', 'north'), \
         h = 'North America' has_all ('north', 'america'), i = 2 in (1, 2.0, 3)",
    );
    for (col, want) in [
        ("a", true),
        ("b", false),
        ("c", false),
        ("d", true),
        ("e", true),
        ("f", true),
        ("g", true),
        ("h", true),
        ("i", true),
    ] {
        assert_eq!(scalar(&t, col), Value::Bool(want), "column {col}");
    }
}

// datetime-diff-function: every documented example (calendar-boundary counting).
#[test]
fn datetime_diff_documented_examples() {
    let t = eval(
        "print year = datetime_diff('year', datetime(2017-01-01), datetime(2000-12-31)),\n\
         quarter = datetime_diff('quarter', datetime(2017-07-01), datetime(2017-03-30)),\n\
         month = datetime_diff('month', datetime(2017-01-01), datetime(2015-12-30)),\n\
         week = datetime_diff('week', datetime(2017-10-29 00:00), datetime(2017-09-30 23:59)),\n\
         day = datetime_diff('day', datetime(2017-10-29 00:00), datetime(2017-09-30 23:59)),\n\
         hour = datetime_diff('hour', datetime(2017-10-31 01:00), datetime(2017-10-30 23:59)),\n\
         minute = datetime_diff('minute', datetime(2017-10-30 23:05:01), datetime(2017-10-30 23:00:59)),\n\
         second = datetime_diff('second', datetime(2017-10-30 23:00:10.100), datetime(2017-10-30 23:00:00.900)),\n\
         millisecond = datetime_diff('millisecond', datetime(2017-10-30 23:00:00.200100), datetime(2017-10-30 23:00:00.100900)),\n\
         microsecond = datetime_diff('microsecond', datetime(2017-10-30 23:00:00.1009001), datetime(2017-10-30 23:00:00.1008009)),\n\
         nanosecond = datetime_diff('nanosecond', datetime(2017-10-30 23:00:00.0000000), datetime(2017-10-30 23:00:00.0000007))",
    );
    let expect = [
        ("year", 17),
        ("quarter", 2),
        ("month", 13),
        ("week", 5),
        ("day", 29),
        ("hour", 2),
        ("minute", 5),
        ("second", 10),
        ("millisecond", 100),
        ("microsecond", 100),
        ("nanosecond", -700),
    ];
    for (col, want) in expect {
        assert_eq!(scalar(&t, col), Value::Long(want), "period {col}");
    }
}

// datetime-add-function: documented examples from 2017-01-01.
#[test]
fn datetime_add_documented_examples() {
    let t = eval(
        "let base = datetime(2017-01-01);\n\
         print m = datetime_add('month', 1, base), w = datetime_add('week', 1, base), \
         q = datetime_add('quarter', 1, base), y = datetime_add('year', -5, base), n = datetime_add('minute', -1, base)",
    );
    assert_eq!(scalar(&t, "m").to_string(), "2017-02-01T00:00:00.0000000Z");
    assert_eq!(scalar(&t, "w").to_string(), "2017-01-08T00:00:00.0000000Z");
    assert_eq!(scalar(&t, "q").to_string(), "2017-04-01T00:00:00.0000000Z");
    assert_eq!(scalar(&t, "y").to_string(), "2012-01-01T00:00:00.0000000Z");
    assert_eq!(scalar(&t, "n").to_string(), "2016-12-31T23:59:00.0000000Z");
}

// summarize-operator: default output names, and a bin() key keeps its column's name.
#[test]
fn summarize_default_names() {
    let t = eval(
        "datatable(TimeGenerated:datetime, Caller:string, n:long) \
         [datetime(2026-01-01 10:05), 'a', 1, datetime(2026-01-01 10:55), 'b', 2, datetime(2026-01-01 11:00), 'a', 3]\n\
         | summarize count(), dcount(Caller), make_set(Caller), make_list(Caller), min(n), max(n), sum(n), avg(n), \
         makeset(Caller), countif(n > 1) by bin(TimeGenerated, 1h)",
    );
    assert_eq!(
        t.column_names(),
        [
            "TimeGenerated",
            "count_",
            "dcount_Caller",
            "set_Caller",
            "list_Caller",
            "min_n",
            "max_n",
            "sum_n",
            "avg_n",
            "set_Caller1",
            "countif_"
        ]
    );
    assert_eq!(
        column(&t, "TimeGenerated"),
        ["2026-01-01T10:00:00.0000000Z", "2026-01-01T11:00:00.0000000Z"]
    );
    assert_eq!(column(&t, "count_"), ["2", "1"]);
    assert_eq!(column(&t, "set_Caller"), [r#"["a","b"]"#, r#"["a"]"#]);
    assert_eq!(column(&t, "avg_n"), ["1.5", "3"]);
}

// null-values: comparisons with null, and aggregates ignore nulls.
#[test]
fn null_comparison_and_aggregation() {
    let t = eval(
        "datatable(x:long, s:string) [1, 'a', long(null), '', 3, 'c']\n\
         | extend eq = x == 1, ne = x != 1, lt = x < 2\n\
         | summarize c = count(), cx = count(x), s = sum(x), dc = dcount(x), mx = max(x), ms = make_set(x), \
         eqs = countif(eq), nes = countif(ne), lts = countif(isnull(lt)), empties = countif(isempty(s)), nulls = countif(isnull(s))",
    );
    for (col, want) in [
        ("c", 3),
        ("cx", 2),
        ("s", 4),
        ("dc", 2),
        ("mx", 3),
        ("eqs", 1),
        ("nes", 2),
        ("lts", 1),
        ("empties", 1),
        ("nulls", 0),
    ] {
        assert_eq!(scalar(&t, col), Value::Long(want), "column {col}");
    }
    assert_eq!(scalar(&t, "ms").to_string(), "[1,3]");
    let w = eval("datatable(x:long) [1, long(null)] | where x != 1");
    assert_eq!(w.rows.len(), 1, "null != 1 is true");
    let both = eval("print a = isnull(long(null) == long(null))");
    assert_eq!(scalar(&both, "a"), Value::Bool(true));
}

// summarize-operator: empty input without `by` gives one row of defaults; with `by`, no rows.
#[test]
fn empty_input_aggregate_defaults() {
    let t = eval(
        "datatable(x:long, k:string) [] | summarize c = count(), d = dcount(x), s = sum(x), ms = make_set(x), ml = make_list(x), mx = max(x), a = avg(x)",
    );
    assert_eq!(scalar(&t, "c"), Value::Long(0));
    assert_eq!(scalar(&t, "d"), Value::Long(0));
    assert_eq!(scalar(&t, "s"), Value::Long(0));
    assert_eq!(scalar(&t, "ms").to_string(), "[]");
    assert_eq!(scalar(&t, "ml").to_string(), "[]");
    assert_eq!(scalar(&t, "mx"), Value::Null);
    assert_eq!(scalar(&t, "a"), Value::Null);
    let by = eval("datatable(x:long, k:string) [] | summarize count() by k");
    assert_eq!(by.rows.len(), 0);
}

// mv-expand-operator: empty array → no row; null → one row with null; parallel columns pad with null.
#[test]
fn mv_expand_empty_null_and_parallel() {
    let t = eval("datatable(a:long, b:dynamic) [1, dynamic([]), 2, dynamic(null), 3, dynamic([10, 20])] | mv-expand b");
    assert_eq!(rows(&t), ["2,", "3,10", "3,20"]);
    let p = eval("print a = dynamic([1, 2, 3]), b = dynamic(['x']) | mv-expand a, b");
    assert_eq!(rows(&p), ["1,x", "2,", "3,"]);
    let typed = eval("print a = dynamic(['1', 'x']) | mv-expand with_itemindex=i a to typeof(long)");
    assert_eq!(rows(&typed), ["1,0", ",1"]);
    let bag = eval("print d = dynamic({'k1': 1, 'k2': 2}) | mv-expand kind=array d | extend k = tostring(d[0])");
    assert_eq!(column(&bag, "k"), ["k1", "k2"]);
    let path = eval("print TargetResources = dynamic([{'modifiedProperties': [1, 2]}]) | mv-expand TargetResources[0].modifiedProperties");
    assert_eq!(column(&path, "TargetResources_0_modifiedProperties"), ["1", "2"]);
}

// between-operator: inclusive on both ends; a timespan right bound with a datetime left bound.
#[test]
fn between_is_inclusive() {
    let t = eval("range x from 1 to 10 step 1 | where x between (2 .. 4)");
    assert_eq!(column(&t, "x"), ["2", "3", "4"]);
    let n = eval("range x from 1 to 10 step 1 | where x !between (2 .. 9)");
    assert_eq!(column(&n, "x"), ["1", "10"]);
    let d = eval(
        "print a = datetime(2026-01-01 01:00) between (datetime(2026-01-01) .. 1h), \
         b = datetime(2026-01-01 01:00:01) between (datetime(2026-01-01) .. 1h), c = 2h between (1h .. 2h)",
    );
    assert_eq!(scalar(&d, "a"), Value::Bool(true));
    assert_eq!(scalar(&d, "b"), Value::Bool(false));
    assert_eq!(scalar(&d, "c"), Value::Bool(true));
}

// scalar-data-types/dynamic: negative indexes count from the end; missing ⇒ null.
#[test]
fn dynamic_access_and_negative_indexes() {
    let t = eval(
        "print a = dynamic([1, 2, 3])[-1], b = tostring(split('a/b/c', '/')[-1]), c = isnull(dynamic([1])[5]), \
         d = isnull(dynamic({'a': 1}).b), e = dynamic({'app': {'id': 'x'}})['app']['id'], \
         f = dynamic({'a': [[1, 2], [3, 4]]}).a[1][0], g = isnull(dynamic({'a': 1}).a.b), \
         h = array_length(dynamic([1, 2])), i = parse_json('{\"p\": 5}').p",
    );
    assert_eq!(scalar(&t, "a"), Value::Long(3));
    assert_eq!(scalar(&t, "b"), Value::str("c"));
    assert_eq!(scalar(&t, "c"), Value::Bool(true));
    assert_eq!(scalar(&t, "d"), Value::Bool(true));
    assert_eq!(scalar(&t, "e"), Value::str("x"));
    assert_eq!(scalar(&t, "f"), Value::Long(3));
    assert_eq!(scalar(&t, "g"), Value::Bool(true));
    assert_eq!(scalar(&t, "h"), Value::Long(2));
    assert_eq!(scalar(&t, "i"), Value::Long(5));
}

// scalar-data-types/timespan: literals and arithmetic.
#[test]
fn timespan_literals_and_arithmetic() {
    let t = eval(
        "print a = 2h / 30m, b = datetime(2026-01-02) - datetime(2026-01-01), c = datetime(2026-01-01) + 1.5h, \
         d = time(1.00:00:00) == 1d, e = timespan(90 seconds) == 90s, f = 100ms * 10, g = 1d + 1h, h = -1h",
    );
    assert_eq!(scalar(&t, "a"), Value::Real(4.0));
    assert_eq!(scalar(&t, "b").to_string(), "1.00:00:00");
    assert_eq!(scalar(&t, "c").to_string(), "2026-01-01T01:30:00.0000000Z");
    assert_eq!(scalar(&t, "d"), Value::Bool(true));
    assert_eq!(scalar(&t, "e"), Value::Bool(true));
    assert_eq!(scalar(&t, "f").to_string(), "00:00:01");
    assert_eq!(scalar(&t, "g").to_string(), "1.01:00:00");
    assert_eq!(scalar(&t, "h").to_string(), "-01:00:00");
}

// sort-operator: descending by default, nulls last when descending.
#[test]
fn sort_defaults() {
    let t = eval("datatable(x:long) [2, long(null), 3, 1] | sort by x");
    assert_eq!(column(&t, "x"), ["3", "2", "1", ""]);
    let a = eval("datatable(x:long) [2, long(null), 3, 1] | order by x asc");
    assert_eq!(column(&a, "x"), ["", "1", "2", "3"]);
    let top = eval("datatable(x:long, y:string) [2, 'b', 3, 'c', 1, 'a'] | top 2 by x asc");
    assert_eq!(column(&top, "y"), ["a", "b"]);
}

// arg_max-aggregation-function: `*` returns the whole row; by-columns are not duplicated.
#[test]
fn arg_max_star() {
    let t = eval(
        "datatable(Account:string, TimeGenerated:datetime, Ip:string) \
         ['a', datetime(2026-01-01), '1.1.1.1', 'a', datetime(2026-01-03), '2.2.2.2', 'b', datetime(2026-01-02), '3.3.3.3']\n\
         | summarize arg_max(TimeGenerated, *) by Account | sort by Account asc",
    );
    assert_eq!(t.column_names(), ["Account", "TimeGenerated", "Ip"]);
    assert_eq!(column(&t, "Ip"), ["2.2.2.2", "3.3.3.3"]);
    let m = eval("datatable(k:string, v:long, w:string) ['a', 1, 'x', 'a', 5, 'y'] | summarize arg_min(v, w) by k");
    assert_eq!(rows(&m), ["a,1,x"]);
}

// make-set-aggregation-function: maxSize defaults to 1,048,576; the deprecated makeset caps at 128.
// summarize-operator: a null group key forms its own group.
#[test]
fn make_set_caps_and_null_group_keys() {
    let t = eval(
        "range x from 1 to 200 step 1 | summarize a = array_length(make_set(x)), b = array_length(makeset(x)), \
         c = array_length(make_set(x, 5)), d = array_length(makelist(x)), e = array_length(make_list(x))",
    );
    for (col, want) in [("a", 200), ("b", 128), ("c", 5), ("d", 128), ("e", 200)] {
        assert_eq!(scalar(&t, col), Value::Long(want), "column {col}");
    }
    let g = eval("datatable(k:long, v:long) [1, 1, long(null), 2, long(null), 3] | summarize n = count(), s = sum(v) by k | sort by k asc");
    assert_eq!(rows(&g), [",2,5", "1,1,1"]);
}

// tolower-function / toupper-function: ASCII and non-ASCII letters change case, other text and a
// string already in the case come back equal (the engine returns those without a copy).
#[test]
fn tolower_and_toupper_map_letters_and_keep_the_rest() {
    let t = eval("print a = tolower('AbC-1'), b = toupper('äbc'), c = tolower('ÄÖ x'), d = tolower('abc'), e = toupper(123)");
    assert_eq!(scalar(&t, "a"), Value::str("abc-1"));
    assert_eq!(scalar(&t, "b"), Value::str("ÄBC"));
    assert_eq!(scalar(&t, "c"), Value::str("äö x"));
    assert_eq!(scalar(&t, "d"), Value::str("abc"));
    assert_eq!(scalar(&t, "e"), Value::str("123"));
}
