//! Budgets: every query that would exhaust memory, build an oversized value or run past its
//! deadline ends quickly with an error naming the limit and the operator or function, and
//! normal queries are untouched by them.

use std::time::{Duration, Instant};

use crate::support::kql::TempDir;
use tenantless::kql::{self, Catalog, Column, KqlError, KqlType, RunOptions, Table, Value};

/// A sign-in-like table: `rows` rows of `width` string columns (about 40 bytes each).
fn wide_table(rows: usize, width: usize) -> Table {
    let columns = (0..width).map(|c| Column::new(format!("C{c}"), KqlType::String)).collect();
    let rows = (0..rows)
        .map(|r| {
            (0..width)
                .map(|c| Value::str(&format!("value-{r:08}-{c:04}-padding-padding")))
                .collect()
        })
        .collect();
    Table { columns, rows }
}

fn catalog_with(name: &str, table: Table) -> Catalog {
    let mut catalog = Catalog::new();
    catalog.insert(name, table);
    catalog
}

fn options(max_memory: usize) -> RunOptions {
    RunOptions {
        max_memory,
        ..RunOptions::default()
    }
}

/// A deadline that only work of the wrong order (quadratic, or not stopping at a budget) meets,
/// however loaded the machine: these tests guard against runaway work, they measure no speed.
fn runaway_guard(options: &RunOptions) -> RunOptions {
    RunOptions {
        deadline: options.deadline.or_else(|| Some(Instant::now() + Duration::from_secs(300))),
        ..options.clone()
    }
}

/// Runs a query that must fail with a budget error before the runaway guard's deadline.
fn fails(query: &str, catalog: &Catalog, options: &RunOptions) -> KqlError {
    let result = kql::run(query, catalog, &runaway_guard(options));
    match result {
        Ok(t) => panic!("expected an error, got {} rows", t.first().map_or(0, |t| t.rows.len())),
        Err(e) => e,
    }
}

/// Asserts a memory error at operator `op`, and that the message says what to do.
fn assert_memory(e: &KqlError, want_op: &str, want_limit: usize) {
    match e {
        KqlError::Memory { op, limit, .. } => {
            assert_eq!(op, want_op, "{e}");
            assert_eq!(*limit, want_limit, "{e}");
        }
        other => panic!("expected a memory error at `{want_op}`, got: {other}"),
    }
    let text = e.to_string();
    assert!(text.contains("raise --max-memory"), "{text}");
}

fn assert_value_too_large(e: &KqlError, want_function: &str) {
    match e {
        KqlError::ValueTooLarge {
            function, bytes, limit, ..
        } => {
            assert_eq!(function, want_function, "{e}");
            assert!(bytes > limit, "{e}");
            assert_eq!(*limit, kql::budget::MAX_VALUE_BYTES);
        }
        other => panic!("expected `{want_function}` to hit the value size limit, got: {other}"),
    }
}

#[test]
fn cartesian_join_stops_at_the_memory_budget() {
    // 4,026 × 4,026 rows of 40 columns: about 16M rows, tens of GB if built.
    let catalog = catalog_with("W", wide_table(4026, 20));
    let budget = 64 << 20;
    let query = "W | extend k = 1\n| join kind=inner (W | extend k = 1) on k\n| count";
    let e = fails(query, &catalog, &options(budget));
    assert_memory(&e, "join", budget);
    assert!(e.to_string().contains("(line 2, col 3)"), "names where the join is: {e}");
    assert!(e.to_string().contains("64 MiB"), "{e}");
}

#[test]
fn union_of_a_thousand_copies_stops_at_the_memory_budget() {
    let catalog = catalog_with("W", wide_table(4026, 20));
    let copies = vec!["W"; 1000].join(", ");
    let budget = 64 << 20;
    let e = fails(&format!("union {copies} | count"), &catalog, &options(budget));
    assert_memory(&e, "union", budget);
}

#[test]
fn a_million_rows_of_large_strings_stop_at_the_memory_budget() {
    // Each row gets its own ~10 KB string: 10 GB for the million rows the row limit allows.
    let budget = 64 << 20;
    let query = "range i from 1 to 1000000 step 1 | extend s = strrep(tostring(i), 2000) | count";
    let e = fails(query, &Catalog::new(), &options(budget));
    assert_memory(&e, "extend", budget);
}

#[test]
fn nested_strrep_stops_at_the_value_limit_instead_of_aborting() {
    // 10,000³ bytes: a terabyte, which used to abort the process.
    let query = "print s = strrep(strrep(strrep('x', 10000), 10000), 10000)";
    let e = fails(query, &Catalog::new(), &RunOptions::default());
    assert_value_too_large(&e, "strrep");
    assert!(e.to_string().contains("`print`"), "{e}");
    // The same per row, computed by extend.
    let per_row = "range i from 1 to 3 step 1 | extend s = strrep(strrep(tostring(i), 10000), 10000)";
    let e = fails(per_row, &Catalog::new(), &RunOptions::default());
    assert_value_too_large(&e, "strrep");
    assert!(e.to_string().contains("`extend` (line 1, col 30)"), "{e}");
}

/// `let s0 = seed; let s1 = f(s0, s0); …; print measure(s40)`: 2^40 times the seed if unchecked.
fn doubling(seed: &str, f: &str, measure: &str) -> String {
    let mut q = format!("let s0 = {seed};\n");
    for i in 1..=40 {
        q.push_str(&format!("let s{i} = {f}(s{}, s{});\n", i - 1, i - 1));
    }
    q.push_str(&format!("print n = {measure}(s40)"));
    q
}

#[test]
fn strcat_doubling_stops_at_the_value_limit() {
    let e = fails(
        &doubling("strrep('ab', 500)", "strcat", "strlen"),
        &Catalog::new(),
        &RunOptions::default(),
    );
    assert_value_too_large(&e, "strcat");
    assert!(e.to_string().contains("`let`"), "{e}");
}

#[test]
fn array_concat_doubling_stops_at_the_value_limit() {
    let seed = "dynamic([1, 2, 3, 4])";
    let e = fails(
        &doubling(seed, "array_concat", "array_length"),
        &Catalog::new(),
        &RunOptions::default(),
    );
    assert_value_too_large(&e, "array_concat");
}

#[test]
fn an_array_repeating_one_big_string_is_measured_whole() {
    // 35 references to one 1 MB string take little memory, but the value is 35 MB, and joining
    // or serialising it would build all of it.
    let query = "let big = strrep('x', 1000);\n\
                 let s = strrep(big, 1000);\n\
                 print n = strlen(strcat_array(pack_array(s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s), ''))";
    let e = fails(query, &Catalog::new(), &RunOptions::default());
    assert_value_too_large(&e, "pack_array");
}

/// One bag of 200,000 keys, as a `toscalar` every row shares.
const BAG_200K: &str = "let b = toscalar(range i from 1 to 200000 step 1\n\
    | summarize l = make_list(strcat('\"k', i, '\":', i))\n\
    | project parse_json(strcat('{', strcat_array(l, ','), '}')));\n";

/// A guard against quadratic column building, not a speed claim: work quadratic in 200,000 keys
/// would run for hours and meet the deadline, whatever the machine's load.
#[test]
fn bag_unpack_of_200000_keys_is_linear_for_one_row() {
    let query = format!("{BAG_200K}print b = b | evaluate bag_unpack(b)");
    let t = kql::run(&query, &Catalog::new(), &runaway_guard(&RunOptions::default())).expect("one row of 200,000 columns fits");
    assert_eq!(t[0].columns.len(), 200_000);
    assert_eq!(t[0].get(0, "k123456"), Some(&Value::Long(123_456)));
}

#[test]
fn bag_unpack_of_200000_keys_per_row_stops_at_the_default_budget() {
    // 2,000 rows × 200,000 cells: about 10 GB of cells.
    let query = format!("{BAG_200K}range j from 1 to 2000 step 1 | extend b = b | evaluate bag_unpack(b) | count");
    let e = fails(&query, &Catalog::new(), &RunOptions::default());
    assert_memory(&e, "evaluate bag_unpack", kql::DEFAULT_MAX_MEMORY);
    assert!(e.to_string().contains("4 GiB"), "{e}");
}

#[test]
fn make_bag_and_bag_merge_of_200000_keys_are_linear() {
    let query = "range i from 1 to 200000 step 1\n\
                 | summarize b = make_bag(bag_pack(strcat('k', i), i))\n\
                 | project n = array_length(bag_keys(bag_merge(b, b)))";
    let t = kql::run(query, &Catalog::new(), &runaway_guard(&RunOptions::default())).expect("make_bag");
    assert_eq!(t[0].rows[0][0], Value::Long(200_000));
}

#[test]
fn make_list_of_computed_strings_stops_at_the_memory_budget() {
    // The aggregate state grows by a new ~10 KB string per row: 10 GB for a million rows.
    let budget = 64 << 20;
    let query = "range i from 1 to 1000000 step 1 | summarize l = make_list(strrep(tostring(i), 2000))";
    let e = fails(query, &Catalog::new(), &options(budget));
    assert_memory(&e, "summarize", budget);
}

#[test]
fn a_passed_deadline_stops_a_runaway_query() {
    let opts = RunOptions {
        row_limit: usize::MAX,
        deadline: Some(Instant::now() + Duration::from_millis(300)),
        ..RunOptions::default()
    };
    let e = fails("range i from 1 to 1000000000 step 1 | count", &Catalog::new(), &opts);
    assert!(matches!(&e, KqlError::Timeout { op, .. } if op == "range"), "{e}");
    assert!(e.to_string().contains("time limit"), "{e}");
}

#[test]
fn a_deadline_stops_filters_that_produce_nothing() {
    // A where clause that keeps no rows still checks the clock while it reads them.
    let catalog = catalog_with("W", wide_table(300_000, 2));
    let opts = RunOptions {
        deadline: Some(Instant::now() + Duration::from_millis(200)),
        ..RunOptions::default()
    };
    let query = "W | where strlen(strrep(C0, 200)) < 0 | where strlen(strrep(C1, 200)) < 0 \
                 | where strlen(strrep(C0, 300)) < 0 | where strlen(strrep(C1, 300)) < 0 | count";
    let e = fails(query, &catalog, &opts);
    assert!(matches!(&e, KqlError::Timeout { op, .. } if op == "where"), "{e}");
}

#[test]
fn normal_queries_fit_a_modest_budget() {
    // 50,000 rows of 10 columns is about 20 MB of strings, and `union W, W` names 40 MB.
    // Operators that copy or filter rows share those strings, so a 32 MiB budget is enough:
    // only row structure and the values an operator computes count.
    let catalog = catalog_with("W", wide_table(50_000, 10));
    let opts = options(32 << 20);
    let queries = [
        ("W | where C0 endswith '-0000-padding-padding' | count", 50_000),
        ("W | sort by C1 desc | take 5 | count", 5),
        ("W | extend n = strlen(C0) | summarize count() by n | count", 1),
        ("W | summarize c = count() by C3 | where c > 0 | count", 50_000),
        ("W | project C0, C1 | join kind=inner (W | project C0, C9) on C0 | count", 50_000),
        ("W | take 1000 | mv-expand x = pack_array(C0, C1, C2) | count", 3000),
        ("union W, W | where C5 has 'value' | count", 100_000),
    ];
    for (q, want) in queries {
        let t = kql::run(q, &catalog, &opts).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(t[0].rows[0][0], Value::Long(want), "{q}");
    }
}

#[test]
fn computed_values_count_against_the_budget() {
    // The same table as above: extending a new 2 KB string per row needs about 100 MB.
    let catalog = catalog_with("W", wide_table(50_000, 10));
    let e = fails("W | extend big = strrep(C0, 50) | count", &catalog, &options(32 << 20));
    assert_memory(&e, "extend", 32 << 20);
    let ok = kql::run("W | extend big = strrep(C0, 50) | count", &catalog, &RunOptions::default()).expect("fits 4 GiB");
    assert_eq!(ok[0].rows[0][0], Value::Long(50_000));
}

#[test]
fn the_cli_takes_max_memory_and_exits_1_on_budget_errors() {
    let dir = TempDir::new("budgets");
    let rows: String = (0..3000).map(|i| format!("{{\"Id\":{i},\"Name\":\"n{i}\"}}\n")).collect();
    dir.write("T.jsonl", &rows);
    let run = |args: &[&str]| crate::support::query_bin(dir.path(), args);
    let cartesian = "T | extend k = 1 | join kind=inner (T | extend k = 1) on k | count";
    let out = run(&[cartesian, "--max-memory", "16M"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("more than 16 MiB of memory at `join` (line 1, col 20)"), "{err}");
    let ok = run(&["T | count", "--max-memory", "16M", "--format", "csv"]);
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "Count\r\n3000\r\n");
    let bad = run(&["T | count", "--max-memory", "lots"]);
    assert_eq!(bad.status.code(), Some(2), "a bad size is a usage error");
}

/// A join's right side is filtered by the left side's keys before its columns are computed
/// (eval/key_filter.rs): 200,000 rows of 1,000 padding bytes each are over a 32 MiB budget, the
/// one row whose key the left side has is not.
#[test]
fn a_join_computes_only_the_right_rows_whose_keys_the_left_side_has() {
    let budget = options(32 << 20);
    let right = "range x from 1 to 200000 step 1 | extend K = tostring(x) | extend Pad = strrep('x', 1000)";
    // The right side alone is over the budget, so the join below fits only because of the filter.
    let alone = fails(&format!("{right} | count"), &Catalog::new(), &budget);
    assert!(matches!(alone, KqlError::Memory { .. }), "{alone}");
    let joined = format!("datatable(K:string) ['7', '123456'] | join kind=inner ({right}) on K | project K, x");
    let tables = kql::run(&joined, &Catalog::new(), &runaway_guard(&budget)).expect("the filtered join fits");
    let got: Vec<String> = tables[0].rows.iter().map(|r| format!("{},{}", r[0], r[1])).collect();
    assert_eq!(got, ["7,7", "123456,123456"]);
}
