//! Tabular operators, statements and functions beyond the documented traps.

use crate::support::kql::*;
use tenantless::kql::{self, Catalog, KqlError, RunOptions, Value};

fn rows(t: &tenantless::kql::Table) -> Vec<String> {
    t.rows
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","))
        .collect()
}

const EVENTS: &str = "let E = datatable(User:string, App:string, N:long, Props:dynamic) [\n\
    'alice', 'Graph', 1, dynamic({'ip': '10.0.0.1', 'tags': ['a', 'b']}),\n\
    'bob', 'ARM', 2, dynamic({'ip': '10.0.0.2', 'tags': []}),\n\
    'alice', 'ARM', 3, dynamic({'ip': '10.0.0.3', 'tags': ['c']})];\n";

#[test]
fn project_variants() {
    let t = eval(&format!("{EVENTS}E | project User, Double = N * 2, Props.ip | take 1"));
    assert_eq!(t.column_names(), ["User", "Double", "Props_ip"]);
    assert_eq!(rows(&t), ["alice,2,10.0.0.1"]);
    let away = eval(&format!("{EVENTS}E | extend Pa = 1, Pb = 2 | project-away P*, App"));
    assert_eq!(away.column_names(), ["User", "N"]);
    let keep = eval(&format!("{EVENTS}E | project-keep U*, N"));
    assert_eq!(keep.column_names(), ["User", "N"]);
    let ren = eval(&format!("{EVENTS}E | project-rename Who = User | project-reorder N, Who"));
    assert_eq!(ren.column_names(), ["N", "Who", "App", "Props"]);
}

#[test]
fn a_project_of_columns_moves_owned_rows_and_copies_a_shared_or_repeated_column() {
    // After `where` the rows are the stage's own: `project` moves their values (ops.rs
    // `project_owned`); reordered, renamed and dropped columns come out as a copy would give them.
    let moved = eval(&format!("{EVENTS}E | where N > 1 | project Who = User, N, App"));
    assert_eq!(moved.column_names(), ["Who", "N", "App"]);
    assert_eq!(rows(&moved), ["bob,2,ARM", "alice,3,ARM"]);
    // A column named twice is copied, not moved (the second would be empty).
    let twice = eval(&format!("{EVENTS}E | where N > 2 | project User, Again = User"));
    assert_eq!(rows(&twice), ["alice,alice"]);
    // A table another expression still reads keeps its rows.
    let shared = eval(&format!(
        "{EVENTS}let F = E | where N > 1; F | project App | union (F | project App) | count"
    ));
    assert_eq!(rows(&shared), ["4"]);
}

#[test]
fn extend_replaces_and_chains() {
    let t = eval(&format!("{EVENTS}E | extend N = N * 10, M = N + 1 | project N, M | take 1"));
    assert_eq!(rows(&t), ["10,11"], "later items see earlier ones");
    // extend-operator: an existing column is removed and appended with its new value.
    let moved = eval(&format!("{EVENTS}E | extend User = toupper(User), X = 1"));
    assert_eq!(moved.column_names(), ["App", "N", "Props", "User", "X"]);
    assert_eq!(column(&moved, "User")[0], "ALICE");
}

#[test]
fn let_functions_toscalar_and_tabular_in() {
    let t = eval(&format!(
        "{EVENTS}let double = (x:long) {{ x * 2 }};\n\
         let byUser = (name:string) {{ E | where User == name }};\n\
         let maxN = toscalar(E | summarize max(N));\n\
         let armUsers = E | where App == 'ARM' | project User;\n\
         byUser('alice') | extend D = double(N), IsMax = N == maxN, Arm = User in (armUsers) | project D, IsMax, Arm"
    ));
    assert_eq!(rows(&t), ["2,false,true", "6,true,true"]);
}

#[test]
fn union_distinct_count_as() {
    let t = eval(&format!("{EVENTS}union (E | where N == 1), (E | where N == 2) | count"));
    assert_eq!(rows(&t), ["2"]);
    let fuzzy = eval(&format!(
        "{EVENTS}union isfuzzy=true E, NoSuchTable | distinct User | sort by User asc"
    ));
    assert_eq!(column(&fuzzy, "User"), ["alice", "bob"]);
    let src = eval(&format!(
        "{EVENTS}E | union withsource=T (print x = 1) | where isnotnull(x) | project x"
    ));
    assert_eq!(rows(&src), ["1"]);
    let as_ = eval(&format!(
        "{EVENTS}E | where N > 1 | as Big | join kind=inner (Big | project User, N2 = N) on User | count"
    ));
    assert_eq!(rows(&as_), ["2"], "bob-bob and alice(3)-alice(3)");
}

#[test]
fn mv_apply_per_row_subquery() {
    let t = eval(&format!(
        "{EVENTS}E | mv-apply tag = Props.tags to typeof(string) on (where tag != 'b' | summarize tags = make_list(tag)) | project User, N, tags"
    ));
    assert_eq!(rows(&t), ["alice,1,[\"a\"]", "bob,2,[]", "alice,3,[\"c\"]"]);
    let w = eval(&format!(
        "{EVENTS}E | mv-apply t = Props.tags on (where t == 'c') | project User, t"
    ));
    assert_eq!(rows(&w), ["alice,c"]);
}

#[test]
fn parse_operator() {
    let t = eval(
        "print s = 'Request id=42 from host web-1 took 1.5s' \
         | parse s with * 'id=' Id:long ' from host ' Host ' took ' Took:real 's' *",
    );
    assert_eq!(scalar(&t, "Id"), Value::Long(42));
    assert_eq!(scalar(&t, "Host"), Value::str("web-1"));
    assert_eq!(scalar(&t, "Took"), Value::Real(1.5));
    let miss = eval("print s = 'nothing here' | parse s with 'id=' Id:long");
    assert_eq!(scalar(&miss, "Id"), Value::Null);
    let tail = eval("print s = 'user: alice smith' | parse s with 'user: ' Name");
    assert_eq!(scalar(&tail, "Name"), Value::str("alice smith"));
}

#[test]
fn string_and_conversion_functions() {
    let t = eval(
        "print a = strcat('a', 1, true), b = toupper(trim(@'\\s+', '  x  ')), c = substring('hello', 1, 3), \
         d = replace_string('aXbX', 'X', '-'), e = extract(@'id=(\\d+)', 1, 'id=77'), f = indexof('abc', 'c'), \
         g = toint('12'), h = isnull(toint('zz')), i = tostring(dynamic({'k': 1})), j = strlen('–é'), \
         k = coalesce('', 'x'), l = iff(1 > 2, 'y', 'n'), m = case(false, 1, true, 2, 3), n = strcat_delim('-', 'a', 'b'), \
         o = replace_regex('a1b22', @'\\d+', '#'), p = extract_all(@'(\\d)', 'a1b2'), q = tobool('true'), \
         r = todatetime('2026-11-28T10:15:02.1234567Z'), s = gettype(dynamic([])), t = round(2.567, 2), u = abs(-3)",
    );
    let want = [
        ("a", "a1true"),
        ("b", "X"),
        ("c", "ell"),
        ("d", "a-b-"),
        ("e", "77"),
        ("f", "2"),
        ("g", "12"),
        ("h", "true"),
        ("i", "{\"k\":1}"),
        ("j", "2"),
        ("k", "x"),
        ("l", "n"),
        ("m", "2"),
        ("n", "a-b"),
        ("o", "a#b#"),
        ("p", "[\"1\",\"2\"]"),
        ("q", "true"),
        ("r", "2026-11-28T10:15:02.1234567Z"),
        ("s", "array"),
        ("t", "2.57"),
        ("u", "3"),
    ];
    for (col, v) in want {
        assert_eq!(scalar(&t, col).to_string(), v, "column {col}");
    }
}

#[test]
fn dynamic_and_set_functions() {
    let t = eval(
        "print a = pack('k', 1, 'v', 'x'), b = pack_array(1, 'a'), c = set_difference(dynamic([1,2,3]), dynamic([2])), \
         d = set_union(dynamic([1]), dynamic([1,2])), e = set_intersect(dynamic([1,2]), dynamic([2,3])), \
         f = set_has_element(dynamic(['a']), 'a'), g = array_concat(dynamic([1]), dynamic([2])), h = bag_keys(dynamic({'x':1,'y':2})), \
         i = bag_pack('a', 1).a",
    );
    let want = [
        ("a", "{\"k\":1,\"v\":\"x\"}"),
        ("b", "[1,\"a\"]"),
        ("c", "[1,3]"),
        ("d", "[1,2]"),
        ("e", "[2]"),
        ("f", "true"),
        ("g", "[1,2]"),
        ("h", "[\"x\",\"y\"]"),
        ("i", "1"),
    ];
    for (col, v) in want {
        assert_eq!(scalar(&t, col).to_string(), v, "column {col}");
    }
}

#[test]
fn datetime_functions() {
    let t = eval(
        "let d = datetime(2026-11-28 10:15:02.5);\n\
         print a = startofday(d), b = startofweek(d), c = startofmonth(d), e = endofday(d), f = hourofday(d), \
         g = dayofweek(d), h = getmonth(d), i = getyear(d), j = format_datetime(d, 'yyyy-MM-dd HH:mm'), \
         k = datetime_part('minute', d), l = bin(d, 1d), m = ago(1h), n = now()",
    );
    let want = [
        ("a", "2026-11-28T00:00:00.0000000Z"),
        ("b", "2026-11-22T00:00:00.0000000Z"),
        ("c", "2026-11-01T00:00:00.0000000Z"),
        ("e", "2026-11-28T23:59:59.9999999Z"),
        ("f", "10"),
        ("g", "6.00:00:00"),
        ("h", "11"),
        ("i", "2026"),
        ("j", "2026-11-28 10:15"),
        ("k", "15"),
        ("l", "2026-11-28T00:00:00.0000000Z"),
        ("m", "2026-11-28T11:00:00.0000000Z"),
        ("n", "2026-11-28T12:00:00.0000000Z"),
    ];
    for (col, v) in want {
        assert_eq!(scalar(&t, col).to_string(), v, "column {col}");
    }
}

#[test]
fn column_ifexists_and_summarize_expressions() {
    let t = eval(&format!(
        "{EVENTS}E | extend X = column_ifexists('Nope', 'dflt'), Y = columnifexists('User', '') \
         | summarize Ratio = 100.0 * countif(App == 'ARM') / count(), any(X), take_any(Y), Apps = make_set(App, 1)"
    ));
    assert_eq!(t.column_names(), ["Ratio", "any_X", "Y", "Apps"]);
    let ratio = scalar(&t, "Ratio").as_f64().expect("number");
    assert!((ratio - 200.0 / 3.0).abs() < 1e-9, "{ratio}");
    assert_eq!(scalar(&t, "any_X"), Value::str("dflt"));
    assert_eq!(scalar(&t, "Apps").to_string().matches(',').count(), 0, "max size 1");
}

#[test]
fn multiple_statements_give_multiple_tables() {
    let out = kql::run("print a = 1; print b = 2", &Catalog::new(), &options()).expect("runs");
    assert_eq!(out.len(), 2);
    assert_eq!(out[1].column_names(), ["b"]);
}

#[test]
fn stage_stats_report_rows_per_stage() {
    let (_, stats) = kql::run_with_stats("range x from 1 to 10 step 1 | where x > 3 | take 2", &Catalog::new(), &options()).expect("runs");
    let counts: Vec<usize> = stats.iter().map(|s| s.rows).collect();
    assert_eq!(counts, [10, 7, 2]);
    assert!(stats[1].stage.starts_with("where"));
}

#[test]
fn leading_wheres_over_a_catalog_table_keep_what_their_conjunction_keeps_and_count_each_stage() {
    // where-operator: `where A | where B` keeps what `where A and B` keeps. Over a catalog table
    // the leading `where`s are one pass (eval/ops.rs `filter_slice`) that copies out only the rows
    // passing them all; each stage still reports its own rows, as `--explain` shows them.
    let lines: String = (1..=10)
        .map(|x| format!("{{\"x\":{x},\"s\":\"{}\"}}\n", if x == 6 { "skip" } else { "keep" }))
        .collect();
    let mut cat = Catalog::new();
    cat.insert("T", kql::table_from_ndjson("T", &lines).expect("loads"));
    let chained = "T | where x > 2 | where x in (4, 6, 8, 9) | where s != 'skip' | project x";
    let (out, stats) = kql::run_with_stats(chained, &cat, &options()).expect("runs");
    assert_eq!(rows(&out[0]), ["4", "8", "9"]);
    assert_eq!(stats.iter().map(|s| s.rows).collect::<Vec<_>>(), [10, 8, 4, 3, 3]);
    assert!(stats[2].stage.starts_with("where x in"), "{}", stats[2].stage);
    let conjunction = kql::run(
        "T | where x > 2 and x in (4, 6, 8, 9) and s != 'skip' | project x",
        &cat,
        &options(),
    )
    .expect("runs");
    assert_eq!(rows(&conjunction[0]), rows(&out[0]));
    // A later operator sees only the rows and columns the pass kept.
    let later = kql::run("T | where x > 2 | where x < 5 | extend y = x * 2 | project y", &cat, &options()).expect("runs");
    assert_eq!(rows(&later[0]), ["6", "8"]);
    // An unknown column in the second `where` is named there, with a suggestion.
    let e = kql::run("T | where x > 2 | where z > 1", &cat, &options()).expect_err("unknown column");
    assert!(e.to_string().contains("`z`"), "{e}");
}

#[test]
fn row_limit_stops_runaway_join() {
    let opts = RunOptions {
        row_limit: 1000,
        ..options()
    };
    let q = "let T = range x from 1 to 100 step 1 | extend k = 1; T | join kind=inner (T) on k";
    match kql::run(q, &Catalog::new(), &opts) {
        Err(KqlError::RowLimit(what, limit)) => {
            assert_eq!(limit, 1000);
            assert!(what.contains("join"), "{what}");
        }
        other => panic!("expected a row-limit error, got {other:?}"),
    }
    let mv = "print a = dynamic([1,2,3,4,5]) | mv-expand a";
    let small = RunOptions { row_limit: 3, ..options() };
    assert!(matches!(kql::run(mv, &Catalog::new(), &small), Err(KqlError::RowLimit(..))));
}

#[test]
fn errors_name_the_problem_and_suggest() {
    let dir = seed_fixture();
    let cat = catalog(&dir);
    let o = options();
    let e = kql::run("AuditLogs | where OperationNam == 'x'", &cat, &o)
        .expect_err("unknown column")
        .to_string();
    assert!(
        e.contains("unknown column or variable `OperationNam`; did you mean `OperationName`?"),
        "{e}"
    );
    assert!(e.contains("<query>:1:19"), "{e}");
    let e = kql::run("AuditLog | take 1", &cat, &o).expect_err("unknown table").to_string();
    assert!(e.contains("unknown table `AuditLog`; did you mean `AuditLogs`?"), "{e}");
    let e = kql::run("AuditLogs | extend x = tostrng(1)", &cat, &o)
        .expect_err("unknown fn")
        .to_string();
    assert!(e.contains("unknown function `tostrng`; did you mean `tostring`?"), "{e}");
    let e = eval_err("print x = series_fir(dynamic([1]), dynamic([1]))");
    assert_eq!(e, "function `series_fir()` is not supported by tenantless yet");
    let e = eval_err("print x = 1 | evaluate schema_merge()");
    assert_eq!(e, "`evaluate schema_merge` is not supported by tenantless yet");
    let e = eval_err("print x = 1\n| summarize by ");
    assert!(e.contains("<query>:2:16") && e.contains("expected an expression"), "{e}");
    let e = eval_err("print x = 1 | wher x > 1");
    assert!(e.contains("unknown tabular operator `wher`; did you mean `where`?"), "{e}");
    let e = eval_err("T | where a == <Missing>");
    assert!(e.contains("unbound placeholder"), "{e}");
}

#[test]
fn mv_apply_over_no_rows_keeps_subquery_columns() {
    let t = eval(
        "datatable(Id:string, Details:dynamic) [] \
         | mv-apply D = Details on (where tostring(D.key) == 'AppId' | project AppId = tostring(D.value)) \
         | join kind=inner (datatable(AppId:string) ['x']) on AppId",
    );
    assert_eq!(t.rows.len(), 0);
    assert!(t.column_names().contains(&"AppId"), "{:?}", t.column_names());
    let e = eval_err("let L = datatable(a:string) ['x']; L | join (L) on b");
    assert!(e.contains("unknown column `b` on the left side of join"), "{e}");
}

#[test]
fn materialize_watchlist_and_network_functions() {
    let t = eval(
        "let M = materialize(datatable(x:long) [1, 2, 3] | where x > 1);\n\
         M | summarize n = count(), s = sum(x) | extend a = ipv4_is_in_range('10.1.2.3', '10.0.0.0/8'), \
         b = ipv4_is_in_range('11.1.2.3', '10.0.0.0/8'), c = strcat_array(dynamic(['a', 'b']), '-'), \
         d = bin_at(datetime(2026-01-01 10:40), 1h, datetime(2026-01-01 00:30)), e = bin_at(7, 5, 1)",
    );
    assert_eq!(rows(&t), ["2,5,true,false,a-b,2026-01-01T10:30:00.0000000Z,6"]);
    let dir = TempDir::new("wl");
    dir.write("Watchlist_vips.jsonl", "{\"SearchKey\":\"alice\"}\n");
    let cat = kql::load_jsonl_dir(dir.path()).expect("loads");
    let w = kql::run("_GetWatchlist('vips') | project SearchKey", &cat, &options()).expect("runs");
    assert_eq!(column(&w[0], "SearchKey"), ["alice"]);
    let e = kql::run("_GetWatchlist('nope')", &cat, &options())
        .expect_err("missing")
        .to_string();
    assert!(e.contains("watchlist `nope` not found"), "{e}");
}

#[test]
fn column_pruning_keeps_results_and_suggestions() {
    let dir = seed_fixture();
    let cat = catalog(&dir);
    let o = options();
    let narrow = kql::run(
        "AADServicePrincipalSignInLogs | where ResultType != '0' | extend x = 1 | summarize n = count(), s = sum(x) by ServicePrincipalName",
        &cat,
        &o,
    )
    .expect("runs");
    assert_eq!(rows(&narrow[0]), ["Stale-SP,3,3"]);
    let e = kql::run("AuditLogs | where OperationNam == 'x' | project OperationName", &cat, &o)
        .expect_err("unknown column")
        .to_string();
    assert!(e.contains("did you mean `OperationName`?"), "{e}");
    let (_, stats) = kql::run_with_stats("AuditLogs | where Category == 'Policy' | project Category", &cat, &o).expect("runs");
    assert_eq!(stats.iter().map(|s| s.rows).collect::<Vec<_>>(), [3, 1, 1]);
}

#[test]
fn unnamed_expressions_get_generated_names() {
    let t = eval("print Name = 'Ab', T = datetime(2026-01-01 10:20) | extend tolower(Name), bin(T, 1h), Name");
    assert_eq!(
        t.column_names(),
        ["Column1", "T", "Name"],
        "bin keeps the column name; tolower(Name) does not replace Name"
    );
    assert_eq!(scalar(&t, "Column1"), Value::str("ab"));
    assert_eq!(scalar(&t, "Name"), Value::str("Ab"));
    let s = eval("datatable(P:dynamic) [dynamic({'x': 'a'})] | summarize count() by tostring(P.x)");
    assert_eq!(s.column_names(), ["P_x", "count_"]);
}

// lookup-operator: leftouter by default, no de-duplication, right key columns not repeated.
#[test]
fn lookup_extends_left_rows_with_dimension_columns() {
    let q = "let F = datatable(Key:string, V:long) ['a', 1, 'b', 2, 'b', 3, 'z', 4];\n\
             let D = datatable(Key:string, Name:string) ['a', 'Alpha', 'b', 'Beta'];\n";
    let t = eval(&format!("{q}F | lookup (D) on Key"));
    assert_eq!(t.column_names(), ["Key", "V", "Name"]);
    assert_eq!(rows(&t), ["a,1,Alpha", "b,2,Beta", "b,3,Beta", "z,4,"]);
    let inner = eval(&format!("{q}F | lookup kind=inner D on $left.Key == $right.Key"));
    assert_eq!(inner.rows.len(), 3);
    assert!(eval_err(&format!("{q}F | lookup kind=leftanti (D) on Key")).contains("lookup kind `leftanti`"));
}

// bag-unpack-plugin: one column per key, the bag column removed, optional prefix.
#[test]
fn evaluate_bag_unpack() {
    let t = eval("datatable(Id:long, D:dynamic) [1, dynamic({'a': 1, 'b': 'x'}), 2, dynamic({'c': true})] | evaluate bag_unpack(D)");
    assert_eq!(t.column_names(), ["Id", "a", "b", "c"]);
    assert_eq!(rows(&t), ["1,1,x,", "2,,,true"]);
    let p = eval("print D = dynamic({'k': 1}) | evaluate bag_unpack(D, 'p_')");
    assert_eq!(p.column_names(), ["p_k"]);
    let e = eval_err("print k = 1, D = dynamic({'k': 1}) | evaluate bag_unpack(D)");
    assert!(e.contains("collides"), "{e}");
    let u = eval_err("print x = 1 | evaluate schema_merge()");
    assert_eq!(u, "`evaluate schema_merge` is not supported by tenantless yet");
}

/// Deep nesting parses, runs and prints on any stack: the engine grows its own stack per nesting
/// level (stacker) instead of running each query on a 256 MiB thread, so a caller with a small
/// stack — here 256 KiB — is safe.
#[test]
fn deep_nesting_runs_on_a_small_caller_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            // Near the parser's depth limit: each level recurses through the parser, the compiler,
            // the evaluator and the printer.
            let parens = format!("print x = {}1{}", "(".repeat(240), ")".repeat(240));
            let calls = format!("print x = {}'a'{}", "strcat(".repeat(240), ")".repeat(240));
            let nested = (0..120).fold(String::from("print y = 1"), |q, _| format!("union ({q})"));
            let mut results = Vec::new();
            for q in [parens, calls, nested] {
                let tables = kql::run(&q, &Catalog::new(), &options()).map_err(|e| e.to_string());
                let printed = kql::parse(&q).map(|s| s.to_string()).map_err(|e| e.to_string());
                results.push((tables.map(|t| t[0].rows.len()), printed.is_ok()));
            }
            results
        })
        .expect("spawn a small-stack thread");
    let results = handle.join().expect("no stack overflow");
    for (rows, printed) in results {
        assert_eq!(rows, Ok(1));
        assert!(printed);
    }
}

#[test]
fn nesting_past_the_depth_limit_is_an_error_not_a_crash() {
    let q = format!("print x = {}1{}", "(".repeat(5_000), ")".repeat(5_000));
    let e = kql::run(&q, &Catalog::new(), &options()).unwrap_err().to_string();
    assert!(e.contains("nests too deeply"), "{e}");
}

#[test]
fn dotted_index_and_bracketed_member_read_like_plain_ones() {
    // `TargetResources.[0]` appears in a published rule; `x.["key"]` is a quoted member name.
    let t = eval(
        "print d = dynamic([{'displayName': 'a'}]) \
         | extend x = d.[0].displayName, y = d[0]['displayName'], z = d[0].['displayName'] | project x, y, z",
    );
    assert_eq!(column(&t, "x"), vec!["a"]);
    assert_eq!(column(&t, "y"), vec!["a"]);
    assert_eq!(column(&t, "z"), vec!["a"]);
}

/// …/extract-json-function: a JSONPath into a JSON text (or dynamic value), a string unless a
/// type is given; `extractjson` is its older name, which published rules still use.
#[test]
fn extract_json_follows_the_path_and_converts_when_asked() {
    let t = eval(
        "let Trace = '{\"hosts\": [{\"location\": \"West US\", \"AvailableMB\": 5}, {\"location\": \"East US\", \"AvailableMB\": 1024}]}';\n\
         print a = extract_json('$.hosts[1].AvailableMB', Trace, typeof(long)),\n\
               b = extractjson('$.hosts[0].location', Trace),\n\
               c = extract_json(\"$['hosts'][0]\", Trace),\n\
               d = extract_json('$.missing', Trace),\n\
               e = extract_json('$.missing', Trace, typeof(long))",
    );
    assert_eq!(scalar(&t, "a"), Value::Long(1024));
    assert_eq!(scalar(&t, "b"), Value::String("West US".into()));
    assert_eq!(scalar(&t, "c").to_string(), r#"{"location":"West US","AvailableMB":5}"#);
    assert_eq!(scalar(&t, "d"), Value::String("".into()));
    assert!(scalar(&t, "e").is_null());
}

/// …/make-bag-aggregate-function: `MaxSize` caps the keys kept.
#[test]
fn make_bag_takes_a_max_size() {
    let t = eval("range i from 1 to 5 step 1 | summarize b = make_bag(bag_pack(tostring(i), i), 2)");
    assert_eq!(scalar(&t, "b").to_string(), r#"{"1":1,"2":2}"#);
}

/// …/externaldata-operator: each format Kusto ingests, from local paths; JSON fills columns by
/// name, the others by position, `dynamic` columns parse their JSON text.
#[test]
fn externaldata_reads_each_format() {
    let dir = crate::support::TempDir::new("external");
    let file = |name: &str, text: &str| {
        dir.write(name, text);
        dir.join(name).display().to_string().replace('\\', "/")
    };
    let tsv = file("a.tsv", "x\t1\ny\t2\n");
    let txt = file("a.txt", "first line\nsecond, with comma\n");
    let json = file(
        "a.json",
        "{\"Name\": \"x\", \"N\": 1, \"Tags\": [\"a\"]}\n{\"N\": 2, \"Name\": \"y\"}\n",
    );
    let multi = file("a.multijson", "[{\"Name\": \"x\",\n \"N\": 1}]\n{\"Name\": \"y\",\n \"N\": 2}");
    let t = eval(&format!("externaldata(Name:string, N:long) ['{tsv}'] with (format='tsv')"));
    assert_eq!(rows(&t), ["x,1", "y,2"]);
    let t = eval(&format!("externaldata(Line:string) ['{txt}'] with (format='txt')"));
    assert_eq!(column(&t, "Line"), ["first line", "second, with comma"]);
    let t = eval(&format!(
        "externaldata(N:long, Name:string, Tags:dynamic) ['{json}'] with (format='json')"
    ));
    assert_eq!(column(&t, "Name"), ["x", "y"]);
    assert_eq!(column(&t, "Tags")[0], r#"["a"]"#);
    let t = eval(&format!(
        "externaldata(Name:string, N:long) ['{multi}'] with (format='multijson') | summarize sum(N)"
    ));
    assert_eq!(scalar(&t, "sum_N"), Value::Long(3));
    let e = eval_err(&format!("externaldata(Name:string) ['{tsv}'] with (format='parquet')"));
    assert!(e.contains("format `parquet` is not one tenantless reads"), "{e}");
    assert_round_trip(&format!(
        "externaldata(Name:string, N:long) ['{tsv}'] with (format='tsv', ignoreFirstRecord=true)"
    ));
}

/// Examples from the docs' pages of each function.
#[test]
fn array_split_ipv4_prefix_and_mask_functions_follow_the_docs_examples() {
    let t = eval(
        "print a = array_split(dynamic([1,2,3,4,5]), 2), b = array_split(dynamic([1,2,3,4,5]), dynamic([1,3])),\n\
               c = array_split(dynamic([1,2,3,4,5]), -1), n = arraylength(dynamic([1,2]))",
    );
    assert_eq!(scalar(&t, "a").to_string(), "[[1,2],[3,4,5]]");
    assert_eq!(scalar(&t, "b").to_string(), "[[1],[2,3],[4,5]]");
    assert_eq!(scalar(&t, "c").to_string(), "[[1,2,3,4],[5]]");
    assert_eq!(scalar(&t, "n"), Value::Long(2));
    let t = eval(
        "print p = has_any_ipv4_prefix('127.0.0.1', '127.0.0.', '192.168.'), q = has_any_ipv4_prefix('10.1.2.3', dynamic(['127.', '192.168.'])),\n\
               r = has_any_ipv4_prefix('127.0.0.1', '127.0'), m = format_ipv4_mask('192.168.1.255', 24), w = format_ipv4_mask('10.1.2.3')",
    );
    assert_eq!(scalar(&t, "p"), Value::Bool(true));
    assert_eq!(scalar(&t, "q"), Value::Bool(false));
    assert_eq!(scalar(&t, "r"), Value::Bool(false), "a prefix is whole octets");
    assert_eq!(scalar(&t, "m"), Value::String("192.168.1.0/24".into()));
    assert_eq!(scalar(&t, "w"), Value::String("10.1.2.3/32".into()));
    let t = eval("range i from 1 to 5 step 1 | summarize v = take_anyif(i, i > 3)");
    assert!(matches!(scalar(&t, "v"), Value::Long(4 | 5)));
}

/// …/scalar-data-types/guid and …/decimal: `guid(…)` literals whatever their first digits (one
/// starting `5a…` did not lex, one starting with a letter was taken for a column) and `decimal(…)`;
/// found by comparing with Microsoft's analyzer.
#[test]
fn guid_and_decimal_literals() {
    let t = eval("print g = guid(a1b2c3d4-0000-4000-8000-000000000000), h = guid(5a1b2c3d-0000-4000-8000-000000000000), d = decimal(1.25)");
    assert_eq!(scalar(&t, "g").to_string(), "a1b2c3d4-0000-4000-8000-000000000000");
    assert_eq!(scalar(&t, "h").to_string(), "5a1b2c3d-0000-4000-8000-000000000000");
    assert_eq!(scalar(&t, "d"), Value::Real(1.25));
    let t = eval("print n = isempty(guid(null))");
    assert_eq!(scalar(&t, "n"), Value::Bool(true));
    let e = eval_err("print g = guid(not-a-guid)");
    assert!(e.contains("invalid guid literal `not-a-guid`"), "{e}");
}

/// …/union-operator: `union *` and wildcard table names take every database table whose name
/// matches, in name order; `withsource` names each row's table.
#[test]
fn union_takes_wildcard_table_names() {
    let dir = seed_fixture();
    let cat = catalog(&dir);
    let o = options();
    let count = |q: &str| run_one(q, &cat, &o).rows.len();
    let every: usize = [
        "AADManagedIdentitySignInLogs",
        "AADServicePrincipalSignInLogs",
        "AuditLogs",
        "AzureActivity",
        "AzureDiagnostics",
    ]
    .iter()
    .map(|t| count(t))
    .sum();
    assert_eq!(count("union *"), every);
    let t = run_one(
        "union withsource = Table AAD*SignInLogs | summarize n = count() by Table | sort by Table asc",
        &cat,
        &o,
    );
    assert_eq!(
        column(&t, "Table"),
        ["AADManagedIdentitySignInLogs", "AADServicePrincipalSignInLogs"]
    );
    assert_eq!(count("union Audit*, AzureAct*"), count("AuditLogs") + count("AzureActivity"));
    assert_eq!(count("union Nothing*"), 0, "a wildcard may match no table");
    assert_round_trip("union withsource=Table AAD*SignInLogs, Audit* | count");
    // Outside union's list a wildcard is no table name: a syntax error at it.
    let e = kql::run("AAD* | count", &cat, &o).expect_err("a glob outside union").to_string();
    assert!(e.contains("<query>:1:") && e.contains("expected"), "{e}");
}

/// A name that comes with different types in union's inputs becomes one column per type,
/// `Name_type`, where it first appears — as Microsoft's analyzer types `union` (checked in
/// tests/conformance/queries.kql too); values go to their type's column.
#[test]
fn union_splits_a_column_whose_types_differ_into_typed_columns() {
    let t = eval(
        "let T = datatable(A: long, B: string)[1, 'x'];\n\
         let U = datatable(A: string, C: long)['a', 2];\n\
         union T, U, (print A = 3)",
    );
    assert_eq!(t.column_names(), ["A_long", "A_string", "B", "C"]);
    assert_eq!(column(&t, "A_long"), ["1", "", "3"]);
    assert_eq!(column(&t, "A_string"), ["", "a", ""]);
    let t = eval("union withsource = S (print x = 1), (print x = 'a') | getschema | project ColumnName, ColumnType");
    assert_eq!(column(&t, "ColumnName"), ["S", "x_long", "x_string"]);
    assert_eq!(column(&t, "ColumnType"), ["string", "long", "string"]);
    // One type, one column, whatever the number of inputs.
    assert_eq!(eval("union (print x = 1), (print x = 2)").column_names(), ["x"]);
}

/// An input whose column the engine could not type (no rows to tell, and `T0 + d` over a `let`
/// scalar has no static type here: `dynamic`) does not split it — Kusto types it `datetime`, as
/// the other input's; its type is unknown, not a third one.
#[test]
fn union_does_not_split_a_column_an_empty_input_left_untyped() {
    let t = eval(
        "let d = 1h;\n\
         let Empty = datatable(T0: datetime)[] | project T = T0 + d;\n\
         union Empty, (print T = datetime(2026-12-01))",
    );
    assert_eq!(t.column_names(), ["T"]);
    assert_eq!(t.columns[0].ty, tenantless::kql::KqlType::DateTime);
}

/// The catalogs a narrowing test runs over: each table whole, and as a `verify` window of the rows
/// in its range, read in place.
fn whole_and_windowed(tables: &[(&str, &str, std::ops::Range<usize>)]) -> [tenantless::kql::Catalog; 2] {
    use tenantless::kql::{self, Catalog};
    let (mut whole, mut windowed) = (Catalog::new(), Catalog::new());
    for (name, ndjson, window) in tables {
        let table = kql::table_from_ndjson(name, ndjson).unwrap();
        whole.insert(*name, table.clone());
        windowed.insert_window(*name, std::sync::Arc::new(table), window.clone());
    }
    [whole, windowed]
}

/// `narrowed` gives the results, or the error, that `wide` (the same query with the narrowing
/// blocked) gives over each catalog; an error is compared without its location, as the two texts
/// differ in length. With `must_run`, `wide` must succeed.
fn assert_same_results(narrowed: &str, wide: &str, catalogs: &[tenantless::kql::Catalog], must_run: bool) {
    use tenantless::kql;
    let message = |e: kql::KqlError| {
        e.to_string()
            .lines()
            .next()
            .unwrap_or("")
            .splitn(4, ':')
            .nth(3)
            .unwrap_or("")
            .to_owned()
    };
    let options = kql::RunOptions::default();
    for catalog in catalogs {
        let expected = kql::run(wide, catalog, &options).map_err(message);
        assert!(!must_run || expected.is_ok(), "{wide}: {expected:?}");
        assert_eq!(kql::run(narrowed, catalog, &options).map_err(message), expected, "{narrowed}");
    }
}

/// A `union` whose later operators read few columns builds only those (issue 13); the result is
/// the one building every column gives (`project-away` may drop any column, so it keeps them all),
/// with `withsource=`, `kind=inner`, a name of two types (`x_long`/`x_string`), over whole catalog
/// tables and over a `verify` window, and a misspelled name still gets every column's suggestions.
#[test]
fn a_union_builds_only_the_columns_read_after_it_with_the_same_result() {
    use tenantless::kql;
    let catalogs = whole_and_windowed(&[
        (
            "A",
            "{\"t\":1,\"x\":1,\"only_a\":\"p\",\"k\":\"u\"}\n{\"t\":2,\"x\":2,\"only_a\":\"q\",\"k\":\"v\"}\n",
            1..2,
        ),
        (
            "B",
            "{\"t\":3,\"x\":\"s\",\"only_b\":true,\"k\":\"u\"}\n{\"t\":4,\"x\":\"r\",\"only_b\":false,\"k\":\"w\"}\n",
            0..2,
        ),
    ]);
    for tail in [
        "| where t > 1 | project k, t",
        "| summarize n = count() by k",
        "| project x_long, x_string, only_b",
        "| where isnotempty(only_a) | project src, only_a",
    ] {
        for union in ["union withsource=src A, B", "union kind=inner A, B", "union A, (B | where t > 0)"] {
            let wide = format!("{union} | project-away never_a_column* {tail}");
            assert_same_results(&format!("{union} {tail}"), &wide, &catalogs, false);
        }
    }
    let [whole, _] = &catalogs;
    let options = kql::RunOptions::default();
    let err = kql::run("union A, B | project onlyb", whole, &options).unwrap_err().to_string();
    assert!(
        err.contains("only_b"),
        "the suggestion names a column the union did not build: {err}"
    );
}

/// A `join` or `lookup` passes its left input's columns on: a pipeline that narrows after one is
/// built with only the left columns it reads (issue 13), with the results of the pipeline built
/// whole, whatever the kind; a read of a name a renamed right column could have (`t1`) keeps
/// every column, since which left columns are there decides the right ones' names.
#[test]
fn a_join_passes_on_only_the_left_columns_read_after_it_with_the_same_result() {
    let catalogs = whole_and_windowed(&[
        (
            "A",
            "{\"t\":1,\"x\":1,\"only_a\":\"p\",\"k\":\"u\"}\n{\"t\":2,\"x\":2,\"only_a\":\"q\",\"k\":\"v\"}\n{\"t\":3,\"x\":3,\"only_a\":\"r\",\"k\":\"u\"}\n",
            1..3,
        ),
        (
            "B",
            "{\"t\":3,\"x\":2,\"only_b\":true,\"k\":\"u\"}\n{\"t\":4,\"x\":9,\"only_b\":false,\"k\":\"w\"}\n",
            0..2,
        ),
    ]);
    for (join, tail) in [
        ("join kind=inner (B | project k, x) on k", "| project k, x, x1"),
        ("join (B | project k, only_b) on k", "| project only_b, t"),
        ("join kind=fullouter B on k", "| summarize n = count() by k, only_b"),
        ("join kind=rightouter B on k", "| project only_a, t1"),
        ("join kind=rightanti B on k", "| project only_b"),
        ("join kind=leftsemi B on $left.x == $right.x", "| project only_a"),
        ("join kind=leftanti B on k", "| summarize max(t)"),
        ("lookup (B | project k, only_b) on k", "| project only_a, only_b"),
        ("join (B | project k, only_a = x) on k", "| project only_a1, k"),
    ] {
        let narrowed = format!("A | where t > 0 | {join} {tail}");
        let wide = format!("A | where t > 0 | project-away never_a_column* | {join} {tail}");
        assert_same_results(&narrowed, &wide, &catalogs, true);
    }
}

/// `mv-apply` passes its input's columns on (the sub-query sees every column of its row and the
/// ones it does not return are re-attached): a pipeline that narrows after one is built with only
/// the columns it and its sub-query read (issue 13), with the results of the pipeline built whole.
#[test]
fn an_mv_apply_passes_on_the_columns_it_does_not_return_with_the_same_result() {
    let catalogs = whole_and_windowed(&[(
        "A",
        "{\"t\":1,\"x\":1,\"only_a\":\"p\",\"k\":\"u\",\"arr\":[1,2,3]}\n{\"t\":2,\"x\":2,\"only_a\":\"q\",\"k\":\"v\",\"arr\":[]}\n{\"t\":3,\"x\":3,\"only_a\":\"r\",\"k\":\"u\",\"arr\":[5]}\n",
        0..3,
    )]);
    for (apply, tail) in [
        ("mv-apply d = arr on (where toint(d) > 1 | project v = d)", "| project v, only_a"),
        (
            "mv-apply d = arr on (summarize s = sum(toint(d)) by only_a)",
            "| project s, k, only_a",
        ),
        (
            "mv-apply d = arr on (extend z = x * 2 | top 1 by toint(d))",
            "| summarize max(z) by k",
        ),
        (
            "mv-apply with_itemindex=i d = arr to typeof(long) on (project i, d)",
            "| project i, d, t",
        ),
    ] {
        let narrowed = format!("A | where t > 0 | {apply} {tail}");
        let wide = format!("A | where t > 0 | project-away never_a_column* | {apply} {tail}");
        assert_same_results(&narrowed, &wide, &catalogs, true);
    }
}

/// A tabular `let` every use of which narrows its columns is built with only the columns those
/// uses (and its own operators) read (issue 13); the results equal those of the `let` built whole
/// (`project-away` may drop any column, so it keeps them all), over whole catalog tables and a
/// `verify` window, and a misspelled name still gets every column's suggestions.
#[test]
fn a_let_whose_uses_narrow_is_built_with_only_the_columns_they_read_with_the_same_result() {
    use tenantless::kql;
    let catalogs = whole_and_windowed(&[(
        "A",
        "{\"t\":1,\"x\":1,\"only_a\":\"p\",\"k\":\"u\"}\n{\"t\":2,\"x\":2,\"only_a\":\"q\",\"k\":\"v\"}\n{\"t\":3,\"x\":5,\"only_a\":\"r\",\"k\":\"u\"}\n",
        1..3,
    )]);
    let block = "| project-away never_a_column*";
    for (body, uses) in [
        ("A | where t > 1", "s | summarize n = count() by k"),
        ("A | where t > 0", "s | project k | join (s | project k, x) on k"),
        ("A", "s | project K = toupper(k), only_a"),
        ("A | where t > 0", "s | take 1"),
        ("A | extend y = x * 2", "s | project y, t"),
        ("A | where t >= 1", "s | where x > 1 | summarize max(only_a)"),
        ("materialize(A | where t > 1)", "s | project k"),
        (
            "A",
            "s | extend c = column_ifexists(\"only_a\", \"\"), d = column_ifexists(\"none\", 0) | project c, d",
        ),
        ("A | where t > 0", "s | join kind=leftanti (s | where x > 1) on k | project only_a"),
        ("A", "s | join kind=inner (s | project k, x) on k | summarize max(x), max(x1) by k"),
        ("A", "s | join kind=rightsemi (s | where x > 1 | project k, t) on k | project t"),
        ("A", "s | lookup (s | summarize n = count() by k) on k | project only_a, n"),
        ("A | where x > 0", "let r = s | where t > 1; r | project k"),
        ("A | where t > 0", "A | join kind=inner s on k | summarize max(only_a) by k"),
        ("A", "A | project k, x | join kind=inner s on k | project only_a, t, x"),
        ("A | where t > 1", "A | lookup s on k | project only_a, t"),
    ] {
        let narrowed = format!("let s = {body}; {uses}");
        assert_same_results(&narrowed, &format!("let s = {body} {block}; {uses}"), &catalogs, false);
    }
    let [whole, _] = &catalogs;
    let options = kql::RunOptions::default();
    let err = kql::run("let s = A | where t > 0; s | project onlya", whole, &options)
        .unwrap_err()
        .to_string();
    assert!(err.contains("only_a"), "the suggestion names a column the let did not keep: {err}");
}
