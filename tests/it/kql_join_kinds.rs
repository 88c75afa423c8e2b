//! Every join kind against a nested-loop reference of the join docs' semantics
//! (learn.microsoft.com/kusto/query/join-operator and its per-kind pages), on random tables where
//! either side may be the larger: the engine indexes the smaller side, which must never change
//! the result or its order (left rows in order, each with its matches in right-row order).

use crate::support::kql::eval;
use proptest::prelude::*;

const KINDS: [&str; 9] = [
    "innerunique",
    "inner",
    "leftouter",
    "rightouter",
    "fullouter",
    "leftsemi",
    "leftanti",
    "rightsemi",
    "rightanti",
];

/// Rows as (key, tag); a key of `None` is a null key, which never matches.
type Rows = Vec<(Option<i64>, i64)>;

fn datatable(name: &str, rows: &Rows) -> String {
    let cells: Vec<String> = rows
        .iter()
        .map(|(k, v)| format!("{}, {v}", k.map_or("long(null)".to_owned(), |k| k.to_string())))
        .collect();
    format!("let {name} = datatable(k: long, v: long) [{}];", cells.join(", "))
}

/// The expected rows as text: `k,v,k1,v1` for the joins that keep both sides, else one side's.
fn reference(kind: &str, left: &Rows, right: &Rows) -> Vec<String> {
    let cell = |k: &Option<i64>| k.map_or(String::new(), |k| k.to_string());
    let pair = |l: Option<&(Option<i64>, i64)>, r: Option<&(Option<i64>, i64)>| {
        let side = |x: Option<&(Option<i64>, i64)>| x.map_or(",".to_owned(), |(k, v)| format!("{},{v}", cell(k)));
        format!("{},{}", side(l), side(r))
    };
    let hits = |k: &Option<i64>, other: &Rows| -> Vec<usize> { (0..other.len()).filter(|&j| k.is_some() && other[j].0 == *k).collect() };
    let mut out = Vec::new();
    let mut right_hit = vec![false; right.len()];
    let mut seen = Vec::new();
    match kind {
        "leftsemi" | "leftanti" => {
            let want = kind == "leftsemi";
            return left
                .iter()
                .filter(|(k, _)| hits(k, right).is_empty() != want)
                .map(|(k, v)| format!("{},{v}", cell(k)))
                .collect();
        }
        "rightsemi" | "rightanti" => {
            let want = kind == "rightsemi";
            return right
                .iter()
                .filter(|(k, _)| hits(k, left).is_empty() != want)
                .map(|(k, v)| format!("{},{v}", cell(k)))
                .collect();
        }
        _ => {}
    }
    for l in left {
        if kind == "innerunique" {
            if l.0.is_none() || seen.contains(&l.0) {
                continue;
            }
            seen.push(l.0);
        }
        let ms = hits(&l.0, right);
        for &j in &ms {
            right_hit[j] = true;
            out.push(pair(Some(l), Some(&right[j])));
        }
        if ms.is_empty() && matches!(kind, "leftouter" | "fullouter") {
            out.push(pair(Some(l), None));
        }
    }
    if matches!(kind, "rightouter" | "fullouter") {
        out.extend(
            right
                .iter()
                .zip(&right_hit)
                .filter(|(_, hit)| !**hit)
                .map(|(r, _)| pair(None, Some(r))),
        );
    }
    out
}

/// Each row's values, comma-separated.
fn text_rows(table: &tenantless::kql::Table) -> Vec<String> {
    table
        .rows
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","))
        .collect()
}

fn rows() -> impl Strategy<Value = Rows> {
    prop::collection::vec((prop::option::weighted(0.9, 0i64..4), 0i64..100), 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn every_join_kind_matches_the_nested_loop_reference(left in rows(), right in rows(), kind in 0..KINDS.len()) {
        let kind = KINDS[kind];
        let query = format!("{}\n{}\nL | join kind={kind} R on k", datatable("L", &left), datatable("R", &right));
        prop_assert_eq!(text_rows(&eval(&query)), reference(kind, &left, &right), "{}", query);
    }
}

fn rows_without_null_keys() -> impl Strategy<Value = Rows> {
    prop::collection::vec((0i64..4, 0i64..100).prop_map(|(k, v)| (Some(k), v)), 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// The same on string keys the right side computes: the join then filters the right side by
    /// the left side's keys before computing it (eval/key_filter.rs), which must keep every match
    /// and, for the kinds that keep unmatched right rows, is not done at all.
    #[test]
    fn every_join_kind_on_computed_string_keys_matches_the_reference(
        left in rows_without_null_keys(),
        right in rows_without_null_keys(),
        kind in 0..KINDS.len(),
    ) {
        let kind = KINDS[kind];
        let query = format!(
            "{}\n{}\nL | extend s = strcat('k', k) \
             | join kind={kind} (R | extend s = strcat('k', k) | where v >= 0) on s | project-away s*",
            datatable("L", &left),
            datatable("R", &right)
        );
        prop_assert_eq!(text_rows(&eval(&query)), reference(kind, &left, &right), "{}", query);
    }
}

/// The filter by the left side's keys goes after anything that depends on other rows: the row
/// numbers are those of the whole right side, not of the rows that match.
#[test]
fn the_key_filter_never_moves_before_what_the_key_or_other_rows_depend_on() {
    let numbered = eval(
        "datatable(Name:string) ['b'] \
         | join kind=inner (datatable(N:string) ['A', 'B', 'C', 'B'] | serialize | extend Row = row_number() \
         | extend Name = tolower(N)) on Name | project Name, Row",
    );
    assert_eq!(text_rows(&numbered), ["b,2", "b,4"]);
    let counted = eval(
        "datatable(Name:string) ['b'] \
         | join kind=leftouter (datatable(Name:string) ['a', 'b', 'b'] | summarize Total = count() | extend Name = 'b') on Name \
         | project Name, Total",
    );
    assert_eq!(text_rows(&counted), ["b,3"]);
    // The key is a copy of a column the same `extend` lower-cases first: filtered after it.
    let copied = eval(
        "datatable(K:string) ['x'] \
         | join kind=inner (datatable(B:string) ['X', 'y'] | extend B = tolower(B), K = B) on K | project K, B",
    );
    assert_eq!(text_rows(&copied), ["x,x"]);
}

/// Right pipelines whose key the filter follows through different operators: a plain computed
/// key, row numbers, renames and copies within one `extend`, an aggregation, a key computed
/// from a computed column, and a `project` after a `where`.
const RIGHT_SHAPES: [&str; 6] = [
    "R | extend s = strcat('k', k)",
    "R | serialize | extend n = row_number() | extend s = strcat('k', k)",
    "R | extend s0 = strcat('k', k), t = s0 | project-rename u = t | project s = u, v, k",
    "R | summarize v = sum(v) by k | extend s = strcat('k', k)",
    "R | extend s = strcat('K', k) | extend s = tolower(s)",
    "R | where v % 2 == 0 | project s = strcat('k', k), k, v",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// `inner` and `leftouter`, which the key filter narrows, give what `fullouter`, which it
    /// never narrows, gives once its rows without a left (or either) side are dropped.
    #[test]
    fn filtered_joins_give_what_the_unfiltered_full_outer_join_gives(
        left in rows_without_null_keys(),
        right in rows_without_null_keys(),
        shape in 0..RIGHT_SHAPES.len(),
        inner in any::<bool>(),
    ) {
        let prelude = format!("{}\n{}\n", datatable("L", &left), datatable("R", &right));
        let shape = RIGHT_SHAPES[shape];
        let (kind, sides) = if inner { ("inner", "isnotnull(v) and isnotnull(v1)") } else { ("leftouter", "isnotnull(v)") };
        let keyed = "L | extend s = strcat('k', k)";
        let narrowed = format!("{prelude}{keyed} | join kind={kind} ({shape}) on s");
        let full = format!("{prelude}{keyed} | join kind=fullouter ({shape}) on s | where {sides}");
        prop_assert_eq!(text_rows(&eval(&narrowed)), text_rows(&eval(&full)), "{}", narrowed);
    }
}
