//! Property tests: the parser and evaluator never panic, whatever the input, and every query that
//! parses prints back to text that parses to the same AST. `TENANTLESS_FUZZ_CASES` sets the
//! number of cases per test (docs/fuzzing.md); the watchdog of `guard` fails a case that
//! hangs or eats memory.

use crate::guard::guard;

use proptest::prelude::*;
use tenantless::kql::{self, Catalog, RunOptions};

const VOCAB: &[&str] = &[
    "T",
    "U",
    "x",
    "y",
    "Name",
    "|",
    "where",
    "extend",
    "project",
    "project-away",
    "summarize",
    "by",
    "join",
    "kind=",
    "leftouter",
    "innerunique",
    "on",
    "$left.x",
    "==",
    "$right.x",
    "union",
    "mv-expand",
    "mv-apply",
    "parse",
    "with",
    "distinct",
    "sort",
    "order",
    "top",
    "take",
    "count",
    "as",
    "let",
    "=",
    ";",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "*",
    "+",
    "-",
    "/",
    "%",
    "<",
    ">",
    "<=",
    "!=",
    "=~",
    "has",
    "!has",
    "contains",
    "in",
    "!in~",
    "has_any",
    "between",
    "..",
    "and",
    "or",
    "not",
    "1",
    "2.5",
    "-3",
    "1d",
    "30m",
    "'a'",
    "\"b\"",
    "datetime(2026-01-01)",
    "time(1h)",
    "dynamic([1,2])",
    "dynamic({\"a\":1})",
    "null",
    "true",
    "count()",
    "dcount(x)",
    "make_set(x)",
    "arg_max(x, *)",
    "tostring(x)",
    "bin(x, 1)",
    "iff(x > 1, 'a', 'b')",
    "datetime_diff('day', now(), ago(1d))",
    "toscalar(T | count)",
    "x.a",
    "x[0]",
    "x[-1]",
    "datatable(x:long)[1, 2]",
    "print",
    "range",
    "from",
    "to",
    "step",
    "asc",
    "desc",
    "to typeof(long)",
    "limit",
    "(x:long) { x * 2 }",
    "f(1)",
    "split(Name, '/')",
    "strcat(x, y)",
    "–",
];

/// What the engine reports when it caught a panic (a bug).
const INTERNAL: &str = "internal error";

fn catalog() -> Catalog {
    let mut c = Catalog::new();
    let t = kql::table_from_ndjson(
        "T",
        "{\"x\":1,\"y\":\"a\",\"Name\":\"n/1\"}\n{\"x\":2,\"y\":\"b\",\"Name\":\"n/2\"}\n{\"x\":null,\"y\":\"\",\"Name\":\"\"}\n",
    )
    .expect("fixture");
    c.insert("T", t.clone());
    c.insert("U", t);
    c
}

fn options() -> RunOptions {
    RunOptions {
        row_limit: 10_000,
        ..crate::support::kql::options()
    }
}

proptest! {
    #![proptest_config(crate::guard::config(2000))]

    #[test]
    fn parser_never_panics_on_random_text(s in "\\PC{0,120}") {
        // The engine turns a panic into an "internal error"; that must never happen either.
        if let Err(e) = guard(&s, || kql::parse(&s)) {
            prop_assert!(!e.to_string().contains(INTERNAL), "{}", e);
        }
    }

    #[test]
    fn random_token_sequences_never_panic(tokens in prop::collection::vec(prop::sample::select(VOCAB), 1..24)) {
        let text = tokens.join(" ");
        let cat = catalog();
        if let Err(e) = guard(&text, || kql::run(&text, &cat, &options())) {
            prop_assert!(!e.to_string().contains(INTERNAL), "{}: {}", text, e);
        }
        if let Ok(ast) = guard(&text, || kql::parse(&text)) {
            let printed = ast.to_string();
            let again = kql::parse(&printed);
            prop_assert!(again.is_ok(), "printed text does not parse: {printed}");
            prop_assert_eq!(again.ok(), Some(ast));
        }
    }

    #[test]
    fn pipelines_over_t_never_panic(ops in prop::collection::vec(prop::sample::select(&[
        "where x > 1", "extend z = x * 2", "project x, y", "summarize count() by y", "take 1", "sort by x",
        "mv-expand y", "distinct y", "join kind=leftouter (U) on x", "union U", "count", "top 1 by y asc",
        "project-away x", "extend w = split(Name, '/')[-1]", "parse Name with a '/' b:long",
        "mv-apply e = pack_array(x, 1) on (summarize s = sum(e))", "where y has 'a' or Name contains '/'",
    ][..]), 0..6)) {
        let text = std::iter::once("T").chain(ops.iter().copied()).collect::<Vec<_>>().join(" | ");
        let cat = catalog();
        if let Err(e) = guard(&text, || kql::run(&text, &cat, &options())) {
            prop_assert!(!e.to_string().contains(INTERNAL), "{}: {}", text, e);
        }
        guard(&text, || crate::support::kql::assert_round_trip(&text));
    }
}

#[test]
fn very_long_chains_are_rejected_not_overflowing() {
    let sum = format!("print x = 1{}", " + 1".repeat(20_000));
    let e = kql::parse(&sum).expect_err("too deep");
    assert!(e.to_string().contains("nests too deeply"), "{e}");
    let path = format!("print x = dynamic({{}}){}", ".a".repeat(20_000));
    assert!(kql::parse(&path).is_err());
    let parens = format!("print x = {}1{}", "(".repeat(5_000), ")".repeat(5_000));
    assert!(kql::parse(&parens).is_err());
    // Realistic lengths still parse.
    let ok = format!("print x = 1{}", " + 1".repeat(400));
    let t = kql::run(&ok, &Catalog::new(), &options()).expect("runs");
    assert_eq!(t[0].rows[0][0], tenantless::kql::Value::Long(401));
    assert_round_trip_deep(&ok);
}

/// Round trip for a deep query, on a thread with room for the printer's recursion.
fn assert_round_trip_deep(query: &str) {
    let q = query.to_string();
    std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(move || crate::support::kql::assert_round_trip(&q))
        .expect("spawn")
        .join()
        .expect("round trip");
}
