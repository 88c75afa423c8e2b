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

// ipv4-compare-function, ipv4-is-match-function, ipv4-netmask-suffix-function,
// parse-ipv4-function, parse-ipv4-mask-function, ipv4-is-in-any-range-function, format-ipv4-function.
#[test]
fn ipv4_functions_docs_examples() {
    let pairs = eval(
        "datatable(a:string, b:string, p:long) ['192.168.1.0', '192.168.1.0', 32, '192.168.1.1/24', '192.168.1.255', 32, \
         '192.168.1.1', '192.168.1.255/24', 32, '192.168.1.1/30', '192.168.1.255/24', 32, '192.168.1.1', '192.168.1.0', 31, \
         '192.168.1.1/24', '192.168.1.255', 31, '192.168.1.1', '192.168.1.255', 24] \
         | project c = ipv4_compare(a, b, p), m = ipv4_is_match(a, b, p)",
    );
    assert_eq!(rows(&pairs), ["0,true"; 7]);
    assert_eq!(print_text("ipv4_compare('10.0.0.1', '10.0.0.2')"), "-1");
    assert_eq!(print_text("ipv4_compare('10.0.0.3', '10.0.0.2')"), "1");
    assert_eq!(print("ipv4_is_match('10.0.0.1', 'bad')"), Value::Null);
    let suffix = eval("datatable(ip:string) ['10.1.2.3', '192.168.1.1/24', '127.0.0.1/16'] | project s = ipv4_netmask_suffix(ip)");
    assert_eq!(rows(&suffix), ["32", "24", "16"]);
    let parsed = eval("datatable(ip:string) ['192.168.1.1', '192.168.1.1/24', '255.255.255.255/31'] | project l = parse_ipv4(ip)");
    assert_eq!(rows(&parsed), ["3232235777", "3232235776", "4294967294"]);
    assert_eq!(print_text("parse_ipv4_mask('127.0.0.1', 24)"), "2130706432");
    assert_eq!(
        print_text("ipv4_is_in_any_range('192.168.1.6', '192.168.1.1/24', '10.0.0.1/8', '127.1.0.1/16')"),
        "true"
    );
    assert_eq!(
        print_text("ipv4_is_in_any_range('127.0.0.1', dynamic(['127.0.0.1', '192.168.1.1']))"),
        "true"
    );
    let local = eval(
        "let LocalNetworks = dynamic(['192.168.1.1/16', '127.0.0.1/8', '10.0.0.1/8']); \
         datatable(IP:string) ['10.1.2.3', '192.168.1.5', '123.1.11.21', '1.1.1.1'] | project l = ipv4_is_in_any_range(IP, LocalNetworks)",
    );
    assert_eq!(rows(&local), ["true", "true", "false", "false"]);
    assert_eq!(print_text("format_ipv4('192.168.1.255', 24)"), "192.168.1.0");
    assert_eq!(print_text("format_ipv4(3232236031)"), "192.168.1.255");
    assert_eq!(
        print_text("ipv4_range_to_cidr_list('1.1.128.0', '1.1.140.255')"),
        r#"["1.1.128.0/21","1.1.136.0/22","1.1.140.0/24"]"#
    );
    assert_eq!(
        print_text("ipv4_range_to_cidr_list('0.0.0.0', '255.255.255.255')"),
        r#"["0.0.0.0/0"]"#
    );
    // ipv4-is-private-function.
    let private = eval("datatable(ip:string) ['10.1.2.3', '192.168.1.1/24', '127.0.0.1', '202.1.2.3'] | project p = ipv4_is_private(ip)");
    assert_eq!(rows(&private), ["true", "true", "false", "false"]);
}

// ipv6-compare-function, ipv6-is-match-function, parse-ipv6-function, parse-ipv6-mask-function,
// ipv6-is-in-range-function, ipv6-is-in-any-range-function.
#[test]
fn ipv6_functions_docs_examples() {
    let same = eval(
        "datatable(a:string, b:string) ['192.168.1.1/24', '192.168.1.255', 'fe80::85d:e82c:9446:7994/120', 'fe80::85d:e82c:9446:7998', \
         '192.168.1.1', '::ffff:c0a8:0101', '::ffff:c0a8:0101', '192.168.1.255/24', '::192.168.1.1/30', '192.168.1.255/24'] \
         | project c = ipv6_compare(a, b), m = ipv6_is_match(a, b)",
    );
    assert_eq!(rows(&same), ["0,true"; 5]);
    assert_eq!(
        print_text("ipv6_compare('fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7995', 127)"),
        "0"
    );
    assert_eq!(print_text("ipv6_compare('fe80::1', 'fe80::2')"), "-1");
    let canonical = eval("datatable(ip:string) ['192.168.255.255', '192.168.255.255/24', '255.255.255.255'] | project v = parse_ipv6(ip)");
    assert_eq!(
        rows(&canonical),
        [
            "0000:0000:0000:0000:0000:ffff:c0a8:ffff",
            "0000:0000:0000:0000:0000:ffff:c0a8:ff00",
            "0000:0000:0000:0000:0000:ffff:ffff:ffff"
        ]
    );
    let masked = eval(
        "datatable(ip:string, n:long) ['192.168.255.255', 120, '192.168.255.255/24', 124, 'fe80::85d:e82c:9446:7994', 128, \
         'fe80::85d:e82c:9446:7994/120', 124, '::192.168.255.255', 128, '::192.168.255.255/24', 128] | project v = parse_ipv6_mask(ip, n)",
    );
    assert_eq!(
        rows(&masked),
        [
            "0000:0000:0000:0000:0000:ffff:c0a8:ff00",
            "0000:0000:0000:0000:0000:ffff:c0a8:ff00",
            "fe80:0000:0000:0000:085d:e82c:9446:7994",
            "fe80:0000:0000:0000:085d:e82c:9446:7900",
            "0000:0000:0000:0000:0000:ffff:c0a8:ffff",
            "0000:0000:0000:0000:0000:ffff:c0a8:ff00"
        ]
    );
    assert_eq!(print_text("parse_ipv6('not an address')"), "");
    let ranges = eval(
        "datatable(ip:string, r:string) ['a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', 'a5e:f127:8a9d:146d:e102:b5d3:c755:0000/112', \
         'a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', 'a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', \
         'a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', '0:0:0:0:0:ffff:c0a8:ac/60'] | project v = ipv6_is_in_range(ip, r)",
    );
    assert_eq!(rows(&ranges), ["true", "true", "false"]);
    let any = eval(
        "let LocalNetworks = dynamic(['a5e:f127:8a9d:146d:e102:b5d3:c755:f6cd/112', '0:0:0:0:0:ffff:c0a8:ac/60']); \
         datatable(IP:string) ['a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', 'a5e:f127:8a9d:146d:e102:b5d3:c756:abd1'] \
         | project v = ipv6_is_in_any_range(IP, LocalNetworks)",
    );
    assert_eq!(rows(&any), ["true", "false"]);
}

// has-ipv4-function, has-ipv4-prefix-function, has-any-ipv4-function, has-any-ipv4-prefix-function.
#[test]
fn ipv4_text_match_docs_examples() {
    let log = "'05:04:54 127.0.0.1 GET /favicon.ico 404'";
    assert_eq!(print_text(&format!("has_ipv4({log}, '127.0.0.1')")), "true");
    assert_eq!(
        print_text("has_ipv4('05:04:54 127.0.0.256 GET /favicon.ico 404', '127.0.0.256')"),
        "false"
    );
    assert_eq!(
        print_text("has_ipv4('05:04:54127.0.0.1 GET /favicon.ico 404', '127.0.0.1')"),
        "false"
    );
    assert_eq!(print_text(&format!("has_ipv4_prefix({log}, '127.0.')")), "true");
    assert_eq!(print_text(&format!("has_ipv4_prefix({log}, '127.0')")), "false");
    assert_eq!(
        print_text("has_ipv4_prefix('05:04:54127.0.0.1 GET /favicon.ico 404', '127.0.')"),
        "false"
    );
    assert_eq!(print_text(&format!("has_any_ipv4({log}, '127.0.0.1', '127.0.0.2')")), "true");
    assert_eq!(
        print_text(&format!("has_any_ipv4({log}, dynamic(['127.0.0.1', '127.0.0.2']))")),
        "true"
    );
    assert_eq!(
        print_text("has_any_ipv4('05:04:54 127.0.0.256 GET', dynamic(['127.0.0.256', '192.168.1.1']))"),
        "false"
    );
    assert_eq!(print_text(&format!("has_any_ipv4_prefix({log}, '127.0.', '192.168.')")), "true");
    assert_eq!(
        print_text("has_any_ipv4_prefix('from 10.1.1.115 and 10.1.1.201', dynamic(['192.', '10.1.']))"),
        "true"
    );
}

// geo-info-from-ip-address-function: the simulator's own places; unknown addresses give {}.
#[test]
fn geo_info_comes_from_the_simulated_catalogue() {
    let amsterdam = print("geo_info_from_ip_address('20.103.7.9')");
    assert_eq!(
        amsterdam.to_string(),
        r#"{"country":"Netherlands","state":"Noord-Holland","city":"Amsterdam","latitude":52.374,"longitude":4.8897}"#
    );
    assert_eq!(print_text("geo_info_from_ip_address('95.165.1.1').city"), "Moscow");
    assert_eq!(print_text("geo_info_from_ip_address('192.0.2.1')"), "{}");
    assert_eq!(print_text("geo_info_from_ip_address('not an ip')"), "{}");
}

// array-sort-asc-function, array-sort-desc-function, array-reverse-function,
// array-rotate-*-function, array-shift-*-function, array-sum-function, array-iff-function, zip-function.
#[test]
fn array_functions_docs_examples() {
    assert_eq!(
        print_text("array_sort_asc(dynamic([null,'blue','yellow','green',null]))"),
        r#"["blue","green","yellow",null,null]"#
    );
    assert_eq!(
        print_text("array_sort_asc(dynamic([null,'blue','yellow','green',null]), false)"),
        r#"[null,null,"blue","green","yellow"]"#
    );
    assert_eq!(
        print_text("array_sort_desc(dynamic([null,'blue','yellow','green',null]))"),
        r#"["yellow","green","blue",null,null]"#
    );
    assert_eq!(
        print_text("array_sort_asc(dynamic([1,3,4,5,2]), dynamic(['a','b','c','d','e']))"),
        r#"[[1,2,3,4,5],["a","e","b","c","d"]]"#
    );
    assert_eq!(
        print_text("array_sort_desc(dynamic([1,3,4,5,2]), dynamic(['a','b','c','d','e']))[1]"),
        r#"["d","c","b","e","a"]"#
    );
    assert_eq!(
        print_text("strcat_array(array_sort_asc(split('John,Paul,Jane,Kao', ',')), ',')"),
        "Jane,John,Kao,Paul"
    );
    assert_eq!(print_text("array_sort_asc(dynamic([1,2]), dynamic([1]))"), "[[1,2],null]");
    assert_eq!(
        print_text("array_reverse(dynamic(['this', 'is', 'an', 'example']))"),
        r#"["example","an","is","this"]"#
    );
    let arr = "dynamic([1,2,3,4,5])";
    assert_eq!(print_text(&format!("array_rotate_left({arr}, 2)")), "[3,4,5,1,2]");
    assert_eq!(print_text(&format!("array_rotate_left({arr}, -2)")), "[4,5,1,2,3]");
    assert_eq!(print_text(&format!("array_rotate_right({arr}, 2)")), "[4,5,1,2,3]");
    assert_eq!(print_text(&format!("array_rotate_right({arr}, -2)")), "[3,4,5,1,2]");
    assert_eq!(print_text(&format!("array_shift_left({arr}, 2)")), "[3,4,5,null,null]");
    assert_eq!(print_text(&format!("array_shift_left({arr}, 2, -1)")), "[3,4,5,-1,-1]");
    assert_eq!(print_text(&format!("array_shift_left({arr}, -2, -1)")), "[-1,-1,1,2,3]");
    assert_eq!(print_text(&format!("array_shift_right({arr}, 2)")), "[null,null,1,2,3]");
    assert_eq!(print_text(&format!("array_shift_right({arr}, -2, -1)")), "[3,4,5,-1,-1]");
    assert_eq!(print("array_sum(dynamic([1,2,3,4]))"), Value::Real(10.0));
    assert_eq!(print("array_sum(dynamic([1,'a']))"), Value::Null);
    assert_eq!(
        print_text("array_iff(dynamic([true,false,true]), dynamic([1,2,3]), dynamic([4,5,6]))"),
        "[1,5,3]"
    );
    assert_eq!(print_text("array_iif(dynamic([1,0,50]), 'yes', 'no')"), r#"["yes","no","yes"]"#);
    assert_eq!(print_text("array_iff(dynamic(['some string value', null]), 1, 0)"), "[null,null]");
    assert_eq!(
        print_text("array_iff(dynamic([true,true,true]), dynamic([1,2]), dynamic([3,4]))"),
        "[1,2,null]"
    );
    assert_eq!(print_text("zip(dynamic([1,3,5]), dynamic([2,4,6]))"), "[[1,2],[3,4],[5,6]]");
    assert_eq!(
        print_text("zip(dynamic(['A', 1, 1.5]), dynamic([{}, 'B']))"),
        r#"[["A",{}],[1,"B"],[1.5,null]]"#
    );
}

// bag-has-key-function, bag-set-key-function, bag-remove-keys-function, bag-zip, jaccard-index-function.
#[test]
fn bag_and_set_functions_docs_examples() {
    let bag = "dynamic({'key1': 123, 'key2': {'prop1': 'abc', 'prop2': 'xyz'}, 'key3': [100, 200]})";
    assert_eq!(print_text(&format!("bag_has_key({bag}, 'key2')")), "true");
    assert_eq!(print_text(&format!("bag_has_key({bag}, 'key4')")), "false");
    assert_eq!(print_text(&format!("bag_has_key({bag}, '$.key2.prop1')")), "true");
    assert_eq!(
        print_text(&format!("bag_remove_keys({bag}, dynamic(['$.key2.prop1', 'key3']))")),
        r#"{"key1":123,"key2":{"prop2":"xyz"}}"#
    );
    assert_eq!(
        print_text("bag_remove_keys(dynamic({'key1': 123, 'key2': 'abc'}), dynamic(['key2', 'key4']))"),
        r#"{"key1":123}"#
    );
    assert_eq!(
        print_text("bag_set_key(dynamic({'key1': 1, 'key3': 'abc'}), 'key3', 3)"),
        r#"{"key1":1,"key3":3}"#
    );
    assert_eq!(
        print_text("bag_set_key(dynamic({'key1': 123}), '$.key2.prop1', 'abc')"),
        r#"{"key1":123,"key2":{"prop1":"abc"}}"#
    );
    assert_eq!(print("bag_set_key(dynamic([1]), 'a', 1)"), Value::Null);
    assert_eq!(
        print_text("bag_zip(dynamic(['a', 'b', 'c']), dynamic([1, '2', 3.4]))"),
        r#"{"a":1,"b":"2","c":3.4}"#
    );
    assert_eq!(
        print_text("bag_zip(dynamic(['a', 'b', 'c']), dynamic([1, '2']))"),
        r#"{"a":1,"b":"2","c":null}"#
    );
    assert_eq!(
        print_text("bag_zip(dynamic(['a', 8, 'b']), dynamic([1, '2', 2.5]))"),
        r#"{"a":1,"b":2.5}"#
    );
    assert_eq!(print_text("bag_zip(dynamic(['a', 8, 'b']), dynamic(1))"), r#"{"a":null,"b":null}"#);
    assert_eq!(print("bag_zip(dynamic('a'), dynamic([1]))"), Value::Null);
    assert_eq!(print("jaccard_index(dynamic([1,2,3]), dynamic([1,2,3,4]))"), Value::Real(0.75));
    assert_eq!(
        print_text("set_has_element(dynamic(['this', 'is', 'an', 'example']), 'example')"),
        "true"
    );
}

// translate-function, string-size-function, strcmp-function, unicode-codepoints-to-string-function,
// url-encode-function, url-encode-component-function, hash-md5-function, hash-sha1-function,
// base64-encode-fromguid-function, binary-*-function, bitset-count-ones-function, new-guid-function.
#[test]
fn string_hash_and_bitwise_docs_examples() {
    assert_eq!(print_text("translate('abc', 'x', 'abc')"), "xxx");
    assert_eq!(print_text("translate('abc', '', 'ab')"), "");
    assert_eq!(print_text("translate('krasp', 'otsku', 'spark')"), "kusto");
    assert_eq!(print_text("string_size('hello')"), "5");
    assert_eq!(print_text("string_size('⒦⒰⒮⒯⒪')"), "15");
    let cmp = eval("datatable(a:string, b:string) ['ABC','ABC', 'abc','ABC', 'ABC','abc', 'abcde','abc'] | project r = strcmp(a, b)");
    assert_eq!(rows(&cmp), ["0", "1", "-1", "1"]);
    assert_eq!(print_text("unicode_codepoints_to_string(75, 117, 115, 116, 111)"), "Kusto");
    assert_eq!(print_text("make_string(dynamic([75, 117, 115]), 116, 111)"), "Kusto");
    assert_eq!(
        print_text("url_encode('https://www.bing.com/hello world')"),
        "https%3a%2f%2fwww.bing.com%2fhello+world"
    );
    assert_eq!(
        print_text("url_encode_component('https://www.bing.com/hello world/')"),
        "https%3a%2f%2fwww.bing.com%2fhello%20world%2f"
    );
    assert_eq!(print_text("hash_md5('World')"), "f5a7924e621e84c9280a9a27e1bcb7f6");
    assert_eq!(print_text("hash_md5(datetime(2020-01-01))"), "786c530672d1f8db31fee25ea8a9390b");
    assert_eq!(print_text("hash_sha1('World')"), "70c07ec18ef89c5309bbb0937f3a6342411e1fdd");
    assert_eq!(
        print_text("hash_sha1(datetime(2020-01-01))"),
        "e903e533f4d636b4fc0dcf3cf81e7b7f330de776"
    );
    assert_eq!(
        print_text("base64_encode_fromguid(toguid('ae3133f2-6e22-49ae-b06a-16e6a9b212eb'))"),
        "8jMxriJurkmwahbmqbIS6w=="
    );
    assert_eq!(
        print_text("base64_decode_toguid('8jMxriJurkmwahbmqbIS6w==')"),
        "ae3133f2-6e22-49ae-b06a-16e6a9b212eb"
    );
    assert_eq!(print_text("binary_and(6, 3)"), "2");
    assert_eq!(print_text("binary_or(6, 3)"), "7");
    assert_eq!(print_text("binary_xor(6, 3)"), "5");
    assert_eq!(print_text("binary_not(100)"), "-101");
    assert_eq!(print_text("binary_shift_left(1, 2)"), "4");
    assert_eq!(print_text("binary_shift_right(8, 2)"), "2");
    assert_eq!(print("binary_shift_left(1, -1)"), Value::Null);
    assert_eq!(print_text("bitset_count_ones(42)"), "3");
    // A new value on every row: never folded into a constant.
    let guids = eval("range i from 1 to 3 step 1 | extend g = new_guid() | summarize dcount(g)");
    assert_eq!(rows(&guids), ["3"]);
    assert_eq!(eval("print g = new_guid()").columns[0].ty, KqlType::Guid);
}

// parse-url-function, parse-url-query-function, parse-path-function.
#[test]
fn url_and_path_parsing_docs_examples() {
    let url = print("parse_url('scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment')");
    assert_eq!(
        url.to_string(),
        r#"{"Scheme":"scheme","Host":"host","Port":"1234","Path":"/this/is/a/path","Username":"username","Password":"password","Query Parameters":{"k1":"v1","k2":"v2"},"Fragment":"fragment"}"#
    );
    assert_eq!(
        print_text("parse_url('http://user:pass@contoso.com/icecream/buy.aspx?a=1&b=2#tag').Port"),
        "80"
    );
    assert_eq!(
        print_text("parse_urlquery('k1=v1&k2=v2&k3=v3')"),
        r#"{"Query Parameters":{"k1":"v1","k2":"v2","k3":"v3"}}"#
    );
    let view = eval(
        "let getQueryParamValue = (querystring: string, param: string) { let params = parse_urlquery(querystring); \
         tostring(params['Query Parameters'].[param]) }; print UrlQuery = 'view=vs-2019&preserve-view=true' \
         | extend view = getQueryParamValue(UrlQuery, 'view'), preserve = getQueryParamValue(UrlQuery, 'preserve-view')",
    );
    assert_eq!(rows(&view), ["view=vs-2019&preserve-view=true,vs-2019,true"]);
    let paths = eval(
        r#"datatable(p:string) [@"C:\temp\file.txt", @"temp\file.txt", "file://C:/temp/file.txt:some.exe", @"\\shared\users\temp\file.txt.gz", "/usr/lib/temp/file.txt"] | project v = parse_path(p)"#,
    );
    assert_eq!(
        rows(&paths),
        [
            r#"{"Scheme":"","RootPath":"C:","DirectoryPath":"C:\\temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":""}"#,
            r#"{"Scheme":"","RootPath":"","DirectoryPath":"temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":""}"#,
            r#"{"Scheme":"file","RootPath":"C:","DirectoryPath":"C:/temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":"some.exe"}"#,
            r#"{"Scheme":"","RootPath":"","DirectoryPath":"\\\\shared\\users\\temp","DirectoryName":"temp","Filename":"file.txt.gz","Extension":"gz","AlternateDataStreamName":""}"#,
            r#"{"Scheme":"","RootPath":"","DirectoryPath":"/usr/lib/temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":""}"#,
        ]
    );
}

// make-datetime-function, make-timespan-function, format-timespan-function,
// unixtime-microseconds/nanoseconds-todatetime-function.
#[test]
fn datetime_constructors_docs_examples() {
    assert_eq!(print_text("make_datetime(2017,10,01)"), "2017-10-01T00:00:00.0000000Z");
    assert_eq!(print_text("make_datetime(2017,10,01,12,10)"), "2017-10-01T12:10:00.0000000Z");
    assert_eq!(
        print_text("make_datetime(2017,10,01,12,11,0.1234567)"),
        "2017-10-01T12:11:00.1234567Z"
    );
    assert_eq!(print("make_datetime(2017,13,01)"), Value::Null);
    assert_eq!(print_text("make_timespan(1,12,30,55.123)"), "1.12:30:55.1230000");
    assert_eq!(print_text("make_timespan(2, 30)"), "02:30:00");
    let t = "time(29.09:00:05.12345)";
    assert_eq!(print_text(&format!("format_timespan({t}, 'dd.hh:mm:ss:FF')")), "29.09:00:05:12");
    assert_eq!(
        print_text(&format!("format_timespan({t}, 'ddd.h:mm:ss [fffffff]')")),
        "029.9:00:05 [1234500]"
    );
    assert_eq!(
        print_text("unixtime_microseconds_todatetime(1546300800000000)"),
        "2019-01-01T00:00:00.0000000Z"
    );
    assert_eq!(
        print_text("unixtime_nanoseconds_todatetime(1546300800000000000)"),
        "2019-01-01T00:00:00.0000000Z"
    );
}
