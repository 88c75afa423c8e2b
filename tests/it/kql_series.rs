//! `make-series` and the `series_*` functions (issue 12 §2), checked against the examples of
//! learn.microsoft.com/kusto/query/make-series-operator and the series-*-function pages (named
//! in each test). Every query also round-trips through the printer.

use crate::support::kql::*;
use tenantless::kql::{Table, Value};

/// The make-series-operator page's data: one metric a few times a day.
const METRICS: &str = "let data=datatable(timestamp:datetime, metric: real)\n\
    [datetime(2016-12-31T06:00), 50, datetime(2017-01-01), 4, datetime(2017-01-02), 3,\n\
     datetime(2017-01-03), 4, datetime(2017-01-03T03:00), 6, datetime(2017-01-05), 8,\n\
     datetime(2017-01-05T13:40), 13, datetime(2017-01-06), 4, datetime(2017-01-07), 3,\n\
     datetime(2017-01-08), 8, datetime(2017-01-08T21:00), 8, datetime(2017-01-09), 2,\n\
     datetime(2017-01-09T12:00), 11, datetime(2017-01-10T05:00), 5];\n\
    let interval = 1d; let stime = datetime(2017-01-01); let etime = datetime(2017-01-10);\n";

/// Sign-ins of two principals: `a` on the 1st, 2nd and 4th, `b` on the 3rd.
const SIGNINS: &str = "let S = datatable(TimeGenerated:datetime, Sp:string, N:long)\n\
    [datetime(2026-01-01T01:00), 'a', 1, datetime(2026-01-01T02:00), 'a', 2, datetime(2026-01-02), 'a', 5,\n\
     datetime(2026-01-04T23:00), 'a', 1, datetime(2026-01-03T12:00), 'b', 7];\n";

fn types(t: &Table) -> Vec<String> {
    t.columns.iter().map(|c| c.ty.to_string()).collect()
}

// make-series-operator: `make-series avg(metric) on timestamp from stime to etime step interval`
// gives avg_metric [4.0, 3.0, 5.0, 0.0, 10.5, 4.0, 3.0, 8.0, 6.5] and the nine days; the rows
// before `from` and at or after the exclusive `to` are left out.
#[test]
fn make_series_matches_the_docs_example() {
    let t = eval(&format!(
        "{METRICS}data | make-series avg(metric) on timestamp from stime to etime step interval"
    ));
    assert_eq!(t.column_names(), ["avg_metric", "timestamp"]);
    assert_eq!(types(&t), ["dynamic", "dynamic"]);
    assert_eq!(column(&t, "avg_metric"), ["[4.0,3.0,5.0,0.0,10.5,4.0,3.0,8.0,6.5]"]);
    let days = scalar(&t, "timestamp").to_string();
    assert!(
        days.starts_with("[\"2017-01-01T00:00:00.0000000Z\",\"2017-01-02T00:00:00.0000000Z\""),
        "{days}"
    );
    assert!(days.ends_with("\"2017-01-09T00:00:00.0000000Z\"]"), "{days}");
}

// make-series-operator: empty input gives no row; `kind=nonempty` one row of the defaults.
#[test]
fn empty_input_gives_no_row_unless_nonempty() {
    let q = |kind: &str| {
        eval(&format!(
            "{METRICS}data | take 0 | make-series {kind}avg(metric) default=1.0 on timestamp from stime to etime step interval"
        ))
    };
    assert_eq!(q("").rows.len(), 0);
    let t = q("kind=nonempty ");
    assert_eq!(column(&t, "avg_metric"), ["[1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0]"]);
    assert_eq!(types(&q("")), ["dynamic", "dynamic"], "typed with no rows too");
}

// make-series-operator: one row per group, the `by` columns first, then the aggregations, then
// the axis; names as summarize gives them; the default (0 unless given) has the aggregate's type.
#[test]
fn groups_names_and_defaults() {
    let t = eval(&format!(
        "{SIGNINS}S | make-series count(), n = sum(N) default = -1, avg(N), dcount(N) on TimeGenerated \
         from datetime(2026-01-01) to datetime(2026-01-05) step 1d by Sp"
    ));
    assert_eq!(t.column_names(), ["Sp", "count_", "n", "avg_N", "dcount_N", "TimeGenerated"]);
    assert_eq!(types(&t), ["string", "dynamic", "dynamic", "dynamic", "dynamic", "dynamic"]);
    assert_eq!(column(&t, "Sp"), ["a", "b"]);
    assert_eq!(column(&t, "count_"), ["[2,1,0,1]", "[0,0,1,0]"]);
    assert_eq!(column(&t, "n"), ["[3,5,-1,1]", "[-1,-1,7,-1]"]);
    assert_eq!(column(&t, "avg_N"), ["[1.5,5.0,0.0,1.0]", "[0.0,0.0,7.0,0.0]"]);
    let axis = column(&t, "TimeGenerated");
    assert_eq!(axis[0], axis[1], "every series has the same bins");
}

// make-series-operator: without from/to the bins run from the first bin with data to the last
// one; here taken over the whole input, so the groups' series stay aligned.
#[test]
fn missing_bounds_come_from_the_data() {
    let t = eval(&format!("{SIGNINS}S | make-series count() on TimeGenerated step 1d by Sp"));
    assert_eq!(column(&t, "count_"), ["[2,1,0,1]", "[0,0,1,0]"]);
    let axis = scalar_row(&t, 0, "TimeGenerated");
    assert!(
        axis.starts_with("[\"2026-01-01T00:00:00.0000000Z\"") && axis.ends_with("\"2026-01-04T00:00:00.0000000Z\"]"),
        "{axis}"
    );
    // Only `from`: up to the last bin with data; a numeric axis with a whole step.
    let t = eval("range x from 3 to 17 step 1 | make-series sum(x) on x from 0 step 5");
    assert_eq!(column(&t, "sum_x"), ["[7,35,60,48]"]);
    assert_eq!(column(&t, "x"), ["[0,5,10,15]"]);
}

fn scalar_row(t: &Table, row: usize, name: &str) -> String {
    t.get(row, name).map(Value::to_string).unwrap_or_default()
}

// make-series-operator, alternate syntax: `in range(start, stop, step)` includes `stop` and bins
// with bin(), so `start` itself may not begin a bin.
#[test]
fn in_range_syntax_includes_stop_and_bins_with_bin() {
    let t = eval("range x from 0 to 20 step 1 | make-series count() on x in range(3, 12, 5)");
    assert_eq!(column(&t, "x"), ["[0,5,10]"]);
    assert_eq!(column(&t, "count_"), ["[5,5,5]"]);
    let t = eval(&format!(
        "{SIGNINS}S | make-series c = count() on TimeGenerated in range(datetime(2026-01-01), datetime(2026-01-04), 1d)"
    ));
    assert_eq!(column(&t, "c"), ["[2,1,1,1]"]);
}

// make-series-operator: the aggregations it lists (numeric results only), `*if` ones included.
#[test]
fn conditional_and_spread_aggregations() {
    let t = eval(
        "range x from 1 to 6 step 1 | extend a = x | make-series countif(x % 2 == 0), sumif(x, x > 2), maxif(x, x < 5), \
         stdev(x), variance(x), take_any(x), min(x) on a from 1 to 7 step 3",
    );
    assert_eq!(
        t.column_names(),
        ["countif_", "sumif_x", "maxif_x", "stdev_x", "variance_x", "x", "min_x", "a"]
    );
    assert_eq!(column(&t, "countif_"), ["[1,2]"]);
    assert_eq!(column(&t, "sumif_x"), ["[3,15]"]);
    assert_eq!(column(&t, "maxif_x"), ["[3,4]"]);
    assert_eq!(column(&t, "variance_x"), ["[1.0,1.0]"]);
    assert_eq!(column(&t, "x"), ["[1,4]"]);
    assert_eq!(column(&t, "min_x"), ["[1,4]"]);
}

// mv-expand-operator: the series expand side by side, each converted by `to typeof()`, as the
// time-series rules do after make-series.
#[test]
fn series_expand_in_parallel_with_types() {
    let t = eval(&format!(
        "{SIGNINS}S | make-series Hourly = count() on TimeGenerated from datetime(2026-01-01) to datetime(2026-01-05) step 1d by Sp \
         | mv-expand Hourly to typeof(double), TimeGenerated to typeof(datetime) | where Sp == 'a'"
    ));
    assert_eq!(t.column_names(), ["Sp", "Hourly", "TimeGenerated"]);
    assert_eq!(types(&t), ["string", "real", "datetime"]);
    assert_eq!(column(&t, "Hourly"), ["2", "1", "0", "1"]);
    assert_eq!(column(&t, "TimeGenerated")[3], "2026-01-04T00:00:00.0000000Z");
}

#[test]
fn make_series_mistakes_are_located_errors() {
    let cases = [
        (
            "print x = 1 | make-series make_list(x) on x step 1",
            "`make_list()` has no numeric result",
            "1:27",
        ),
        ("print x = 1 | make-series x + 1 on x step 1", "needs an aggregation call", "1:27"),
        (
            "print x = 1 | make-series x = count() on x step 1",
            "the column `x` is declared twice",
            "1:42",
        ),
        ("print t = now() | make-series count() on t step 1", "needs a timespan step", "1:49"),
        ("print x = 1 | make-series count() on x step 0", "the step must be positive", "1:45"),
        (
            "print x = 1 | make-series count() on x from 0 to 2000000 step 1",
            "over Kusto's limit of 1048576",
            "1:63",
        ),
        ("print x = 1 | make-series count() on x from 0", "expected `to` or `step`", "1:46"),
        (
            "print x = 1 | make-series kind=full count() on x step 1",
            "unknown make-series kind `full`",
            "1:32",
        ),
        (
            "print x = 1 | make-series count() on y step 1",
            "unknown column or variable `y`",
            "1:38",
        ),
    ];
    for (q, what, at) in cases {
        let e = eval_err(q);
        assert!(e.contains(what), "{q}: {e}");
        assert!(e.contains(&format!("<query>:{at}")), "{q}: expected at {at}: {e}");
    }
}

// series-fit-line-function: `extend (RSquare, Slope, Variance, RVariance, Interception, LineFit)
// = series_fit_line(y)` gives 0.982, 2.730, 98.628, 1.686, -1.666 and a line from 1.064.
#[test]
fn fit_line_tuple_matches_docs() {
    let t = eval(
        "print id = ' ', y = dynamic([2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30])\n\
         | extend (RSquare, Slope, Variance, RVariance, Interception, LineFit) = series_fit_line(y)",
    );
    assert_eq!(
        t.column_names(),
        ["id", "y", "RSquare", "Slope", "Variance", "RVariance", "Interception", "LineFit"]
    );
    assert_eq!(types(&t)[2..], ["real", "real", "real", "real", "real", "dynamic"]);
    let real = |c: &str| (scalar(&t, c).as_f64().expect("real") * 1000.0).trunc() / 1000.0;
    assert_eq!(
        ["RSquare", "Slope", "Variance", "RVariance", "Interception"].map(real),
        [0.982, 2.730, 98.628, 1.686, -1.666]
    );
    assert!(scalar(&t, "LineFit").to_string().starts_with("[1.064"));
    // series-fit-line-dynamic-function: the same values in a bag.
    let t = eval(
        "print y = dynamic([2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30]) | extend fit = series_fit_line_dynamic(y) | extend Slope = fit.slope",
    );
    assert_eq!((scalar(&t, "Slope").as_f64().expect("real") * 1000.0).trunc(), 2730.0);
}

// series-stats-function: `project series_stats(x)` names its columns series_stats_x_min, … and
// gives 2, 8, 87, 3, 32.8, 28.50…, 812.45…
#[test]
fn series_stats_columns_match_docs() {
    let t = eval("print x=dynamic([23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29]) | project series_stats(x)");
    let names = ["min", "min_idx", "max", "max_idx", "avg", "stdev", "variance"].map(|f| format!("series_stats_x_{f}"));
    assert_eq!(t.column_names(), names);
    assert_eq!(types(&t), ["real", "long", "real", "long", "real", "real", "real"]);
    assert_eq!(
        names[..5].iter().map(|n| scalar(&t, n).to_string()).collect::<Vec<_>>(),
        ["2", "8", "87", "3", "32.8"]
    );
    // series-stats-dynamic-function: a bag with sum and len too.
    let t = eval("print x=dynamic([23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29]) | project stats=series_stats_dynamic(x)");
    let stats = scalar(&t, "stats");
    assert_eq!((stats.get_key("sum"), stats.get_key("len")), (Value::Real(492.0), Value::Long(15)));
}

// The analyzer's naming: a single name names the first value, fewer names leave the rest their
// generated names, a generated name that is taken gets a number, an argument without a name
// leaves it out.
#[test]
fn multi_value_names() {
    let t = eval("print x = dynamic([1, 2]) | extend s = series_stats(x), (a, b) = series_fit_line(x)");
    let names = t.column_names();
    assert_eq!(names[..3], ["x", "s", "series_stats_x_min_idx"]);
    assert_eq!(names[8..11], ["a", "b", "series_fit_line_x_variance"]);
    let t = eval("print x = dynamic([1, 2]) | extend series_stats_x_min = 1 | extend series_stats(x)");
    assert_eq!(t.column_names()[2], "series_stats_x_min1");
    let t = eval("print x = dynamic([1, 2]) | project series_fit_line(pack_array(1, 2))");
    assert_eq!(t.column_names()[0], "series_fit_line__rsquare");
    // A tuple item may read a column an earlier item of the same extend computed.
    let t = eval("print x = 1 | extend y = pack_array(x, 3) | extend z = y, (lo) = series_stats(z)");
    assert_eq!(scalar(&t, "lo"), Value::Real(1.0));
}

#[test]
fn multi_value_mistakes_are_located_errors() {
    let cases = [
        (
            "print x = dynamic([1]) | extend y = series_stats(x)[0] + 1",
            "returns several values",
            "1:37",
        ),
        (
            "print x = dynamic([1]) | extend (a, b) = x",
            "needs a function returning several values",
            "1:34",
        ),
        (
            "print x = dynamic([1]) | extend (a, a) = series_fit_line(x)",
            "the column `a` is named twice",
            "1:37",
        ),
        (
            "print x = dynamic([1]) | extend (a, b, c, d, e, f, g) = series_fit_line(x)",
            "returns 6 values; `g` has none to name",
            "1:52",
        ),
        (
            "print x = dynamic([1]) | summarize series_stats(x)",
            "summarize needs an aggregate function",
            "1:36",
        ),
        (
            "print x = dynamic([1]) | extend series_decompose(x, -1, 'linfit')",
            "unknown trend 'linfit'",
            "1:57",
        ),
        (
            "print x = dynamic([1]) | extend series_outliers(x, 'tukey', 0, 1)",
            "in [2.0, 98.0]",
            "1:64",
        ),
    ];
    for (q, what, at) in cases {
        let e = eval_err(q);
        assert!(e.contains(what), "{q}: {e}");
        assert!(e.contains(&format!("<query>:{at}")), "{q}: expected at {at}: {e}");
    }
    assert_eq!(
        eval_err("print x = series_fir(dynamic([1]), dynamic([1]))"),
        "function `series_fir()` is not supported by tenantless yet"
    );
}

/// `extend (flag, score, baseline) = series_decompose_anomalies(y, args)` over the list `ys`:
/// the positions flagged, with their flags.
fn anomalies(ys: &str, args: &str) -> Vec<(i64, i64)> {
    let t = eval(&format!(
        "{ys}\n| extend (flag, score, baseline) = series_decompose_anomalies(y{args})\n\
         | mv-expand with_itemindex=i flag to typeof(long), score to typeof(real), baseline to typeof(real)\n\
         | where flag != 0 | project i, flag"
    ));
    t.rows
        .iter()
        .map(|r| (r[0].as_i64().expect("i"), r[1].as_i64().expect("flag")))
        .collect()
}

// series-decompose-anomalies-function: one planted spike on a linear trend is flagged +1, and
// nothing else, with the defaults (threshold 1.5, avg trend) and with `linefit` (which also
// finds a smaller spike, and a dip as -1).
#[test]
fn planted_spike_on_a_trend_is_the_only_anomaly() {
    let ramp = |extra: &str| format!("range i from 0 to 29 step 1 | extend y = 10 + 2 * i{extra} | summarize y = make_list(y)");
    assert_eq!(anomalies(&ramp(" + iff(i == 20, 100, 0)"), ""), [(20, 1)]);
    assert_eq!(anomalies(&ramp(""), ""), []);
    let both = ramp(" + iff(i == 20, 20, 0) - iff(i == 5, 15, 0)");
    assert_eq!(anomalies(&both, ", 1.5, -1, 'linefit'"), [(5, -1), (20, 1)]);
}

/// The docs' weekly series: hourly for five weeks, weekends lower, a daily dip, noise (here a
/// hash of t instead of rand(), to be repeatable), dips at t = 150, 200, 780 and spikes at 300,
/// 400, 600, optionally an upward trend.
fn weekly(trend: &str) -> String {
    format!(
        "let ts = range t from 1 to 24*7*5 step 1\n\
         | extend y = 2*(abs(hash(t)) % 1000)/1000.0 + iff((t/24)%7>=5, 5.0, 15.0) - (((t%24)/10)*((t%24)/10)){trend}\n\
         | extend y = iff(t==150 or t==200 or t==780, y-8.0, y)\n\
         | extend y = iff(t==300 or t==400 or t==600, y+8.0, y)\n\
         | summarize y = make_list(y, 10000);\nts"
    )
}

/// The docs' planted outliers, as `(i, flag)` with i = t − 1.
const PLANTED: [(i64, i64); 6] = [(149, -1), (199, -1), (299, 1), (399, 1), (599, 1), (779, -1)];

// series-decompose-anomalies-function, "Detect anomalies in weekly seasonality": the weekly
// period is detected and exactly the planted outliers are flagged.
#[test]
fn weekly_seasonality_is_detected_and_the_outliers_flagged() {
    assert_eq!(anomalies(&weekly(""), ""), PLANTED);
    let t = eval(&format!(
        "{} | extend (b, s, tr, r) = series_decompose(y) | project s, b",
        weekly("")
    ));
    let Value::Array(s) = scalar(&t, "s") else { panic!("seasonal") };
    assert_eq!(s[0], s[168], "a weekly seasonal component");
    assert_ne!(s[0], s[24], "not a daily one: weekends differ");
}

// …, "with trend": `linefit` captures the trend and finds all planted outliers; threshold 2.5
// keeps only them.
#[test]
fn weekly_seasonality_with_trend_needs_linefit() {
    let with_trend = weekly(" + t/72.0");
    assert_eq!(anomalies(&with_trend, ", 1.5, -1, 'linefit'"), PLANTED);
    assert_eq!(anomalies(&with_trend, ", 2.5, -1, 'linefit'"), PLANTED);
}

// series-decompose-function: baseline = seasonal + trend, residual = x − baseline; with no
// seasonality and no trend the baseline is 0 and the residual x.
#[test]
fn decompose_components_add_up() {
    let t = eval(
        "print y = dynamic([1, 5, 3, 2, 6, 4, 3, 7, 5])\n\
         | extend series_decompose(y, 3, 'linefit')\n\
         | mv-expand y to typeof(real), series_decompose_y_baseline to typeof(real), series_decompose_y_seasonal to typeof(real), \
           series_decompose_y_trend to typeof(real), series_decompose_y_residual to typeof(real)",
    );
    for r in &t.rows {
        let v: Vec<f64> = r.iter().map(|x| x.as_f64().expect("real")).collect();
        assert!((v[1] - (v[2] + v[3])).abs() < 1e-9 && (v[4] - (v[0] - v[1])).abs() < 1e-9, "{v:?}");
    }
    // Test points take no part in learning: the line of the first seven continues over them.
    let t = eval("print y = dynamic([0, 1, 2, 3, 4, 5, 6, 90, -90, 90]) | extend (b, s, tr) = series_decompose(y, 0, 'linefit', 3)");
    assert_eq!(column(&t, "tr"), ["[0.0,1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0,9.0]"]);
    let t = eval("print y = dynamic([1, 5, 3]) | extend (b, s, tr, r) = series_decompose(y, 0, 'none')");
    assert_eq!(
        (scalar(&t, "b").to_string(), scalar(&t, "r").to_string()),
        ("[0.0,0.0,0.0]".into(), "[1.0,5.0,3.0]".into())
    );
}

// series-outliers-function: in a year of daily noise, the first day of each month stands out
// (the docs add 20 to noise of 0..10; 30 here, so that no month's spike lies near the fence);
// those days score over 1.5 (ctukey, 10th–90th percentiles) and no other does.
#[test]
fn outliers_flag_the_first_of_each_month() {
    let t = eval(
        "range x from 0 to 364 step 1\n\
         | extend t = datetime(2023-01-01) + 1d*x\n\
         | extend y = (abs(hash(x)) % 1000) / 100.0\n\
         | extend y = iff(dayofmonth(t) == 1, y + 30, y)\n\
         | summarize t = make_list(t), series = make_list(y)\n\
         | extend outliers = series_outliers(series)\n\
         | mv-expand t to typeof(datetime), outliers to typeof(real)\n\
         | where outliers > 1.5 | project d = dayofmonth(t)",
    );
    assert_eq!(column(&t, "d"), vec!["1"; 12]);
}

// series-add-function / series-divide-function / series-greater-function / series-fill-*:
// the docs' examples through the engine (the algorithms have unit tests next to them).
#[test]
fn element_wise_and_fill_functions() {
    let t = eval(
        "range x from 1 to 3 step 1 | extend y = x * 2 | extend z = y * 2\n\
         | project s1 = pack_array(x, y, z), s2 = pack_array(z, y, x)\n\
         | extend s1_add_s2 = series_add(s1, s2), s1_divide_s2 = series_divide(s1, s2), s1_greater_s2 = series_greater(s1, s2)",
    );
    assert_eq!(column(&t, "s1_add_s2"), ["[5,4,5]", "[10,8,10]", "[15,12,15]"]);
    assert_eq!(column(&t, "s1_divide_s2"), vec!["[0.25,1.0,4.0]"; 3]);
    assert_eq!(column(&t, "s1_greater_s2")[0], "[false,false,true]");
    let t = eval(
        "let data = datatable(arr: dynamic) [dynamic([null, null, 36, 41, null, null, 16, 61, 33, null, null])];\n\
         data | project fill_forward = series_fill_forward(arr), fill_const = series_fill_const(arr, 0.0), \
         both = series_fill_backward(series_fill_forward(arr)), linear = series_fill_linear(arr, double(null), false)",
    );
    assert_eq!(column(&t, "fill_forward"), ["[null,null,36,41,41,41,16,61,33,33,33]"]);
    assert_eq!(column(&t, "both"), ["[36,36,36,41,41,41,16,61,33,33,33]"]);
    assert_eq!(column(&t, "linear"), ["[null,null,36,41,32,24,16,61,33,null,null]"]);
    assert_eq!(types(&t), vec!["dynamic"; 4]);
}

// The time-series rules' shape (a Key Vault access anomaly: two weeks of hourly counts of 2 to
// 4, one hour of 40): make-series with a from/to/step axis, series_decompose_anomalies in the
// tuple form, mv-expand of five series with `to typeof()`, then filters.
#[test]
fn time_series_rule_shape_finds_the_burst() {
    let t = eval(
        "let Events = range h from 0 to 335 step 1\n\
         | mv-expand k = split(strrep('x', iff(h == 300, 40, 2 + abs(hash(h)) % 3), ','), ',')\n\
         | extend TimeGenerated = datetime(2026-01-01) + h * 1h, Resource = 'kv-1';\n\
         let TimeSeriesData = Events\n\
         | make-series HourlyCount = count() on TimeGenerated from datetime(2026-01-01) to datetime(2026-01-15) step 1h by Resource;\n\
         TimeSeriesData\n\
         | extend (anomalies, score, baseline) = series_decompose_anomalies(HourlyCount, 3, -1, 'linefit')\n\
         | mv-expand HourlyCount to typeof(double), TimeGenerated to typeof(datetime), anomalies to typeof(double), score to typeof(double), baseline to typeof(long)\n\
         | where anomalies > 0 | where baseline > 1\n\
         | project Resource, TimeGenerated, HourlyCount, baseline, anomalies, score",
    );
    assert_eq!(column(&t, "TimeGenerated"), ["2026-01-13T12:00:00.0000000Z"]);
    assert_eq!(column(&t, "HourlyCount"), ["40"]);
    assert_eq!(types(&t), ["string", "datetime", "real", "long", "real", "real"]);
}

#[test]
fn new_syntax_round_trips() {
    for q in [
        "T | make-series kind=nonempty hint.shufflekey=Sp n = count() default = 0, avg(x) on TimeGenerated from ago(1d) to now() step 1h by Sp, b = bin(N, 2)",
        "T | make-series sum(x) on TimeGenerated step 1h",
        "T | make-series sum(x) on TimeGenerated to now() step 1h",
        "T | make-series count() on a + b in range(0, 10, 1)",
        "T | extend (a, ['b c']) = series_fit_line(y), d = 1 | project (x) = series_stats(y), series_stats(z)",
    ] {
        assert_round_trip(q);
    }
}
