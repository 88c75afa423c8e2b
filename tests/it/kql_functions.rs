//! Aggregates and scalar functions of issue 12 §2, with the values of the docs' own examples
//! (learn.microsoft.com/kusto/query/<page>, named in each test).

use crate::support::kql::*;
use tenantless::kql::{KqlType, Table, Value};

/// Every row of a result as comma-joined text.
fn rows(t: &Table) -> Vec<String> {
    t.rows
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","))
        .collect()
}

/// The value of `print <expr>`.
fn print(expr: &str) -> Value {
    scalar(&eval(&format!("print v = {expr}")), "v")
}

fn print_text(expr: &str) -> String {
    print(expr).to_string()
}

const LATENCY: &str = "let latencyTable = datatable (ReqCount:long, LatencyBucket:long) [8, 10, 6, 20, 3, 30, 1, 40];\n";

// percentilesw-aggregation-function: the buckets' weighted percentiles, names with `99_9`.
#[test]
fn percentilesw_docs_example() {
    let t = eval(&format!(
        "{LATENCY}latencyTable | summarize percentilesw(LatencyBucket, ReqCount, 50, 75, 99.9)"
    ));
    assert_eq!(
        t.column_names(),
        [
            "percentile_LatencyBucket_50",
            "percentile_LatencyBucket_75",
            "percentile_LatencyBucket_99_9"
        ]
    );
    assert_eq!(rows(&t), ["20,20,40"]);
    let arr = eval(&format!(
        "{LATENCY}latencyTable | summarize percentilesw_array(LatencyBucket, ReqCount, dynamic([50, 75, 99.9]))"
    ));
    assert_eq!(arr.column_names(), ["percentiles_LatencyBucket"]);
    assert_eq!(rows(&arr), ["[20,20,40]"]);
    let one = eval(&format!(
        "{LATENCY}latencyTable | summarize percentilew(LatencyBucket, ReqCount, 50)"
    ));
    assert_eq!(rows(&one), ["20"]);
}

// percentiles-aggregation-function: nearest-rank values of the input, one column per percent,
// of the argument's type; 0 and 100 are the minimum and maximum.
#[test]
fn percentiles_are_nearest_rank_and_typed() {
    let t = eval("range x from 1 to 10 step 1 | summarize percentile(x, 95), percentiles(x, 0, 50, 51, 100), percentiles_array(x, 5, 50)");
    assert_eq!(
        t.column_names(),
        [
            "percentile_x_95",
            "percentile_x_0",
            "percentile_x_50",
            "percentile_x_51",
            "percentile_x_100",
            "percentiles_x"
        ]
    );
    assert_eq!(rows(&t), ["10,1,5,6,10,[1,5]"]);
    assert_eq!(t.columns[0].ty, KqlType::Long);
    let named = eval("range x from 1 to 4 step 1 | summarize p = percentiles(x, 50, 75) by k = x % 2 | sort by k asc");
    assert_eq!(named.column_names(), ["k", "p", "percentile_x_75"]);
    assert_eq!(rows(&named), ["0,2,4", "1,1,3"]);
    let times = eval(
        "datatable(t:datetime, d:timespan, r:real) [datetime(2024-01-01), 1s, 0.5, datetime(2024-01-03), 3s, 1.5] \
         | summarize percentile(t, 100), percentile(d, 0), percentile(r, 50)",
    );
    assert_eq!(rows(&times), ["2024-01-03T00:00:00.0000000Z,00:00:01,0.5"]);
    let empty = eval("datatable(x:long) [] | summarize percentile(x, 50)");
    assert_eq!(empty.columns[0].ty, KqlType::Long);
    assert_eq!(rows(&empty), [""]);
}

#[test]
fn percentile_arguments_are_checked() {
    assert!(eval_err("range x from 1 to 3 step 1 | summarize percentile(x, x)").contains("percent must be a constant"));
    assert!(eval_err("range x from 1 to 3 step 1 | summarize percentile(x, 150)").contains("from 0 to 100"));
    assert!(eval_err("print s = 'a' | summarize percentile(s, 50)").contains("needs a number, datetime or timespan"));
    assert!(eval_err("range x from 1 to 3 step 1 | summarize percentiles(x)").contains("takes 2 to 64 arguments"));
}

// tdigest-aggregation-function, percentile-tdigest-function, rank-tdigest-function,
// merge-tdigest-function, tdigest-merge-aggregation-function.
#[test]
fn tdigest_family_docs_examples() {
    let p50 =
        eval("let DT=datatable(V:real, W:long) [1.0, 1, 2.0, 2]; DT | summarize TD=tdigest(V, W) | project P50=percentile_tdigest(TD, 50)");
    assert_eq!(rows(&p50), ["2"]);
    let rank = eval("range x from 1 to 1000 step 1 | summarize t_x=tdigest(x) | project rank_of_685=rank_tdigest(t_x, 685)");
    assert_eq!(rows(&rank), ["685"]);
    let merged = eval(
        "range x from 1 to 10 step 1 | extend y = x + 10 | summarize tdigestX = tdigest(x), tdigestY = tdigest(y) \
         | project merged = merge_tdigest(tdigestX, tdigestY) | project percentile_tdigest(merged, 100, typeof(long))",
    );
    assert_eq!(merged.column_names(), ["percentile_tdigest_merged"]);
    assert_eq!(rows(&merged), ["20"]);
    let agg = eval(
        "range x from 1 to 100 step 1 | summarize t = tdigest(x) by k = x % 2 | summarize tdigest_merge(t) \
         | project p = percentile_tdigest(merge_tdigests_t, 50), r = percentrank_tdigest(merge_tdigests_t, 25), \
           a = percentiles_array_tdigest(merge_tdigests_t, 0, 100)",
    );
    assert_eq!(rows(&agg), ["50,25,[1,100]"]);
}

// dcount-aggregation-function "Estimation accuracy": exact up to 1000 values at the default
// level and 8000 at level 2; hll()/hll_merge()/dcount_hll() round-trip (hll-merge-function).
#[test]
fn dcount_is_exact_where_the_docs_say() {
    let t = eval(
        "range x from 1 to 8000 step 1 | summarize d1 = dcount(x % 1000), d2 = dcount(x, 2), d0 = dcount(x, 0), c = dcountif(x, x > 10)",
    );
    let d = |name: &str| scalar(&t, name).as_i64().expect("a count");
    assert_eq!(d("d1"), 1000);
    assert_eq!(d("d2"), 8000);
    assert!((d("d0") - 8000).abs() <= 8000 * 48 / 1000, "level 0 within 3σ (1.6 %): {}", d("d0"));
    let c = d("c");
    assert!((c - 7990).abs() <= 7990 * 24 / 1000, "default level within 3σ (0.8 %): {c}");
    let merged = eval(
        "range x from 1 to 10 step 1 | extend y = x + 10 | summarize hll_x = hll(x), hll_y = hll(y) \
         | project merged = hll_merge(hll_x, hll_y) | project dcount_hll(merged)",
    );
    assert_eq!(merged.column_names(), ["dcount_hll_merged"]);
    assert_eq!(rows(&merged), ["20"]);
    // hll-aggregation-function: the sketch holds xxhash64 hashes, so a column of zeros shows
    // the docs' own ["3803688792395291579"].
    let zero = eval("print x = 0 | summarize hll(x)");
    assert_eq!(rows(&zero), [r#"[[1024,14],["3803688792395291579"],[]]"#]);
    let agg = eval(
        "range x from 1 to 30 step 1 | summarize h = hll_if(x, x <= 20) by k = x % 3 | summarize m = hll_merge(h) | project dcount_hll(m)",
    );
    assert_eq!(rows(&agg), ["20"]);
}

#[test]
fn dcount_accuracy_is_checked() {
    assert!(eval_err("print x = 1 | summarize dcount(x, 5)").contains("accuracy must be a constant 0, 1, 2, 3 or 4"));
    assert!(eval_err("print x = 1 | summarize dcount(x, x)").contains("accuracy must be a constant"));
    // Sketches of different accuracies do not merge (hll-merge-aggregation-function).
    assert_eq!(
        print_text("hll_merge(toscalar(print x = 1 | summarize hll(x, 0)), toscalar(print x = 1 | summarize hll(x, 1)))"),
        ""
    );
}
