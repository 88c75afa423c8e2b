//! The less common tabular operators (issue 12 §2): `find`, `search`, `invoke`, `facet`, `as`
//! with its hint, `top-nested`, `partition`, `fork`, `sample`, `sample-distinct`, `top-hitters`,
//! `parse-where`, `parse-kv`, `render` — expected values from the examples of their pages under
//! learn.microsoft.com/kusto/query/ (named per test).

use crate::support::kql::*;
use tenantless::kql::{self, Catalog, Column, KqlError, KqlType, RunOptions, Table, Value};

fn rows(t: &Table) -> Vec<String> {
    t.rows
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","))
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn string_table(columns: &[&str], data: &[&[&str]]) -> Table {
    Table {
        columns: columns.iter().map(|c| Column::new(*c, KqlType::String)).collect(),
        rows: data.iter().map(|r| r.iter().map(|v| Value::str(v)).collect()).collect(),
    }
}

/// The two tables of the find-operator page's "Examples of find output results".
fn events() -> Catalog {
    let mut c = Catalog::new();
    let s1 = "acbd207d-51aa-4df7-bfa7-be70eb68f04e";
    c.insert(
        "EventsTable1",
        string_table(
            &["Session_Id", "Level", "EventText", "Version"],
            &[
                &[s1, "Information", "Some Text1", "v1.0.0"],
                &[s1, "Error", "Some Text2", "v1.0.0"],
                &["28b8e46e-3c31-43cf-83cb-48921c3986fc", "Error", "Some Text3", "v1.0.1"],
                &["8f057b11-3281-45c3-a856-05ebb18a3c59", "Information", "Some Text4", "v1.1.0"],
            ],
        ),
    );
    c.insert(
        "EventsTable2",
        string_table(
            &["Session_Id", "Level", "EventText", "EventName"],
            &[
                &["f7d5f95f-f580-4ea6-830b-5776c8d64fdd", "Information", "Some Other Text1", "Event1"],
                &[s1, "Information", "Some Other Text2", "Event2"],
                &[s1, "Error", "Some Other Text3", "Event3"],
                &["15eaeab5-8576-4b58-8fc6-478f75d8fee4", "Error", "Some Other Text4", "Event4"],
            ],
        ),
    );
    c
}

/// Round-trips the query, then runs it over `catalog`; the last result table.
fn eval_on(catalog: &Catalog, query: &str) -> Table {
    assert_round_trip(query);
    let mut tables = kql::run(query, catalog, &options()).unwrap_or_else(|e| panic!("query failed:\n{e}\n{query}"));
    tables.pop().expect("a result")
}

fn err_on(catalog: &Catalog, query: &str) -> String {
    match kql::run(query, catalog, &options()) {
        Ok(_) => panic!("query unexpectedly succeeded: {query}"),
        Err(e) => e.to_string(),
    }
}

const SESSION: &str = "Session_Id == 'acbd207d-51aa-4df7-bfa7-be70eb68f04e'";

// find-operator: "Search in common columns, project common and uncommon columns, and pack the rest".
#[test]
fn find_projects_the_listed_columns_and_packs_the_rest() {
    let t = eval_on(
        &events(),
        &format!(
            "find in (EventsTable1, EventsTable2) where {SESSION} and Level == 'Error' project EventText, Version, EventName, pack_all()"
        ),
    );
    assert_eq!(t.column_names(), ["source_", "EventText", "Version", "EventName", "pack_"]);
    assert_eq!(
        rows(&t),
        [
            r#"EventsTable1,Some Text2,v1.0.0,,{"Session_Id":"acbd207d-51aa-4df7-bfa7-be70eb68f04e","Level":"Error"}"#,
            r#"EventsTable2,Some Other Text3,,Event3,{"Session_Id":"acbd207d-51aa-4df7-bfa7-be70eb68f04e","Level":"Error"}"#,
        ]
    );
    // "Search in common and uncommon columns": each table is filtered by the columns it has.
    let t = eval_on(
        &events(),
        "find Version == 'v1.0.0' or EventName == 'Event1' project Session_Id, EventText, Version, EventName",
    );
    assert_eq!(column(&t, "source_"), ["EventsTable1", "EventsTable1", "EventsTable2"]);
    assert_eq!(column(&t, "EventText"), ["Some Text1", "Some Text2", "Some Other Text1"]);
    // `project C:type` converts; a typed column no table has is null.
    let t = eval_on(
        &events(),
        "find in (EventsTable1) where Level == 'Error' project Version, Missing:long",
    );
    assert_eq!(t.columns[2].ty, KqlType::Long);
    assert_eq!(rows(&t), ["EventsTable1,v1.0.0,", "EventsTable1,v1.0.1,"]);
}

// find-operator: "Use abbreviated notation to search across all tables in the current database".
#[test]
fn find_project_smart_keeps_predicate_and_common_columns() {
    let t = eval_on(&events(), &format!("find {SESSION}"));
    assert_eq!(t.column_names(), ["source_", "Session_Id", "Level", "EventText", "pack_"]);
    assert_eq!(
        column(&t, "pack_"),
        [
            r#"{"Version":"v1.0.0"}"#,
            r#"{"Version":"v1.0.0"}"#,
            r#"{"EventName":"Event2"}"#,
            r#"{"EventName":"Event3"}"#
        ]
    );
    // "Return the results from each row as a property bag".
    let t = eval_on(&events(), &format!("find {SESSION} project pack_all()"));
    assert_eq!(t.column_names(), ["source_", "pack_"]);
    assert_eq!(
        column(&t, "pack_")[0],
        r#"{"Session_Id":"acbd207d-51aa-4df7-bfa7-be70eb68f04e","Level":"Information","EventText":"Some Text1","Version":"v1.0.0"}"#
    );
    // Tables without a column the predicate names are left out; nothing left to pack, no pack_.
    let t = eval_on(
        &events(),
        "find withsource=Table in (EventsTable*) where EventName == 'Event4' project-smart",
    );
    assert_eq!(t.column_names(), ["Table", "Session_Id", "Level", "EventText", "EventName"]);
    assert_eq!(column(&t, "Table"), ["EventsTable2"]);
    // A bare term searches every column; an `as` name labels a query expression's rows.
    let t = eval_on(&events(), "find in ((EventsTable1 | as First), EventsTable2) where \"Text3\"");
    assert_eq!(column(&t, "source_"), ["First", "EventsTable2"]);
    // Without `in`: every table, and `view` functions (…/find-operator#notes).
    let t = eval_on(
        &events(),
        "let V = view () { print Level = 'Error', Extra = 'Text3' };\nfind Level == 'Error' and Extra has 'Text3'",
    );
    assert_eq!(t.column_names(), ["source_", "Level", "Extra", "pack_"]);
    assert_eq!(rows(&t), ["V,Error,Text3,{}"], "the event tables keep pack_; V has nothing to pack");
}

#[test]
fn find_reports_what_it_cannot_do_where_it_is_written() {
    let e = err_on(&events(), "find in (EventsTable1) \"x\"");
    assert!(e.contains("<query>:1:24") && e.contains("expected `where`"), "{e}");
    let e = err_on(&events(), "find in (EventsTable1) where true project Nope");
    assert!(
        e.contains("<query>:1:43") && e.contains("no searched table has a column `Nope`"),
        "{e}"
    );
    let e = err_on(&events(), "EventsTable1 | find where true");
    assert!(e.contains("<query>:1:16") && e.contains("`find` starts a query"), "{e}");
    let e = err_on(&events(), "EventsTable1 | project-smart Level");
    assert!(e.contains("only valid as the last clause of `find`"), "{e}");
}

// search-operator: the search predicate syntax table, over the find page's tables.
#[test]
fn search_terms_wildcards_and_columns() {
    let c = events();
    let count = |q: &str| eval_on(&c, &format!("{q} | count")).rows[0][0].to_string();
    assert_eq!(count("search \"Text2\""), "2", "`has`: a whole term");
    assert_eq!(count("search \"text\""), "0", "`has` wants the whole term");
    assert_eq!(count("search \"*text*\""), "8", "`contains`");
    assert_eq!(count("search \"Tex*\""), "8", "`hasprefix`");
    assert_eq!(count("search \"*ext1\""), "2", "`hassuffix`");
    assert_eq!(count("search \"Some*Text4\""), "2", "`matches regex` over whole terms");
    assert_eq!(count("search kind=case_sensitive \"text2\""), "0");
    assert_eq!(count("search kind=case_sensitive \"Text2\""), "2");
    assert_eq!(count("search *"), "8");
    assert_eq!(count("search EventName:\"event*\" and Level == \"Error\""), "2");
    assert_eq!(count("search \"Text1\" and (\"Other\" or \"v1.0.0\")"), "2");
    assert_eq!(count("search in (EventsTable1) Level == \"Error\""), "2");
    // The columns of every input, united as union unites them, after `$table`.
    let t = eval_on(&c, "search \"Text3\"");
    assert_eq!(
        t.column_names(),
        ["$table", "Session_Id", "Level", "EventText", "Version", "EventName"]
    );
    assert_eq!(
        rows(&t),
        [
            "EventsTable1,28b8e46e-3c31-43cf-83cb-48921c3986fc,Error,Some Text3,v1.0.1,",
            "EventsTable2,acbd207d-51aa-4df7-bfa7-be70eb68f04e,Error,Some Other Text3,,Event3",
        ]
    );
    // Piped: `$table` names the table, or the `as` before it.
    let t = eval_on(&c, "EventsTable1 | search \"Text3\"");
    assert_eq!(column(&t, "$table"), ["EventsTable1"]);
    let t = eval_on(&c, "EventsTable1 | as E1 | search \"Text3\" | project-keep $table");
    assert_eq!(column(&t, "$table"), ["E1"]);
    // `* has` is also plain KQL after `where`.
    let t = eval_on(&c, "EventsTable1 | where * has \"Text3\"");
    assert_eq!(column(&t, "Version"), ["v1.0.1"]);
    let e = err_on(&c, "EventsTable1 | search in (EventsTable2) \"x\"");
    assert!(e.contains("`search in (…)` cannot follow `|`"), "{e}");
    let e = err_on(&c, "EventsTable1 | where * !has \"x\"");
    assert!(e.contains("not negated"), "{e}");
}

// invoke-operator: the piped table is the function's first argument.
#[test]
fn invoke_passes_the_piped_table_first() {
    let t = eval(
        "let above = (T:(x:long), low:long) { T | where x > low | summarize avg(x) };\n\
         range x from 1 to 100 step 1 | invoke above(49)",
    );
    assert_eq!(rows(&t), ["75"]);
    let e = eval_err("let scalar = (n:long) { n * 2 }; print x = 1 | invoke scalar(2)");
    assert!(e.contains("takes no table first"), "{e}");
    let e = eval_err("let above = (T:(*)) { T }; print x = 1 | invoke abuve()");
    assert!(e.contains("unknown function `abuve`; did you mean `above`?"), "{e}");
}

// facet-operator: the `with` table, then `Column, count_Column` per column.
#[test]
fn facet_returns_a_table_per_column() {
    let q = "datatable(State:string, EventType:string, N:long) ['ALASKA', 'Heavy Snow', 1, 'ALABAMA', 'Heavy Rain', 2, \
             'ALASKA', 'Heavy Rain', 3, 'ALASKA', 'Heavy Snow', 4]\n\
             | facet by State, EventType with (where N > 1 | project State, N | take 2)";
    assert_round_trip(q);
    let tables = kql::run(q, &Catalog::new(), &options()).expect("runs");
    assert_eq!(tables.len(), 3);
    assert_eq!(rows(&tables[0]), ["ALABAMA,2", "ALASKA,3"]);
    assert_eq!(tables[1].column_names(), ["State", "count_State"]);
    assert_eq!(rows(&tables[1]), ["ALASKA,3", "ALABAMA,1"]);
    assert_eq!(tables[2].column_names(), ["EventType", "count_EventType"]);
    assert_eq!(tables[2].columns[1].ty, KqlType::Long);
    let e = eval_err("print a = 1 | facet by a | take 1");
    assert!(e.contains("`facet` must be the last operator"), "{e}");
    let e = eval_err("print a = 1 | facet by b");
    assert!(e.contains("unknown column `b`"), "{e}");
}

// as-operator: `hint.materialized` is accepted and printed; the name labels union's rows.
#[test]
fn as_takes_the_materialized_hint() {
    // as-operator's example: the `as` names are union's `withsource=` labels.
    let t = eval("union withsource=TableName (range x from 1 to 2 step 1 | as T1), (range x from 1 to 1 step 1 | as T2)");
    assert_eq!(rows(&t), ["T1,1", "T1,2", "T2,1"]);
    let t = eval("range x from 1 to 2 step 1 | as hint.materialized=true T1 | union withsource=Src (T1 | where x > 1)");
    assert_eq!(rows(&t), ["T1,1", "T1,2", "T1,2"]);
    let printed = kql::parse("T | as hint.materialized=true X").expect("parses").to_string();
    assert!(printed.contains("as hint.materialized=true X"), "{printed}");
    let e = eval_err("print a = 1 | as hint.materialized=maybe X");
    assert!(e.contains("takes `true` or `false`"), "{e}");
    let e = eval_err("print a = 1 | as hint.spread=2 X");
    assert!(e.contains("unknown `as` hint `hint.spread`"), "{e}");
}

// top-nested-operator: "Latest records per identity with other column data".
#[test]
fn top_nested_keeps_the_top_values_per_parent() {
    let t = eval(
        "datatable(id: string, timestamp: datetime, otherInformation: string) [\n\
         'Barak', datetime(2015-01-01), '1', 'Barak', datetime(2016-01-01), '2', 'Barak', datetime(2017-01-20), '3',\n\
         'Donald', datetime(2017-01-20), '4', 'Donald', datetime(2017-01-18), '5', 'Donald', datetime(2017-01-19), '6']\n\
         | top-nested of id by Ignore0=max(1), top-nested 2 of timestamp by Ignore1=max(timestamp),\n\
           top-nested of otherInformation by Ignore2=max(1)\n\
         | project-away Ignore0, Ignore1, Ignore2",
    );
    assert_eq!(t.column_names(), ["id", "timestamp", "otherInformation"]);
    assert_eq!(
        sorted(rows(&t)),
        [
            "Barak,2016-01-01T00:00:00.0000000Z,2",
            "Barak,2017-01-20T00:00:00.0000000Z,3",
            "Donald,2017-01-19T00:00:00.0000000Z,6",
            "Donald,2017-01-20T00:00:00.0000000Z,4",
        ]
    );
}

#[test]
fn top_nested_names_orders_and_adds_others() {
    let q = "range x from 1 to 100 step 1 | extend g = x % 3, h = x % 2\n\
             | top-nested 2 of g with others = -1 by sum(x), top-nested 1 of h by n = count() asc";
    let t = eval(q);
    // "two columns per clause": the values, then `aggregated_<name>` unless named.
    assert_eq!(t.column_names(), ["g", "aggregated_g", "h", "n"]);
    // g=1 sums 1717, g=0 1683, the rest (g=2) 1650; per g the h with the fewest rows.
    // g=1: 17 odd and 17 even x (a tie keeps the first seen, h=1); g=0: 16 even x.
    assert_eq!(rows(&t), ["1,1717,1,17", "0,1683,0,16", "-1,1650,,"]);
    assert_eq!(t.columns[1].ty, KqlType::Long);
    let e = eval_err("print a = 1 | top-nested 2 of a with others = 'x' by count()");
    assert!(e.contains("<query>:1:47") && e.contains("must be a long"), "{e}");
    let e = eval_err("print a = 1 | top-nested of a by count(), top-nested of a by count()");
    assert!(e.contains("names two columns `a`"), "{e}");
}

const STATES: &str = "let S = datatable(State:string, EventType:string, Injuries:long) [\n\
    'WYOMING', 'Hail', 0, 'WYOMING', 'High Wind', 5, 'WYOMING', 'High Wind', 1, 'WASHINGTON', 'Heavy Snow', 0,\n\
    'WASHINGTON', 'High Wind', 13, 'WISCONSIN', 'Hail', 1, 'WISCONSIN', 'Winter Storm', 0];\n";

// partition-operator: "Native strategy" (top per state) and "Partition reference" (`as`).
#[test]
fn partition_runs_the_subquery_per_value() {
    let t = eval(&format!(
        "{STATES}S | partition hint.strategy=native by State (summarize TotalInjuries = sum(Injuries) by EventType | top 1 by TotalInjuries)"
    ));
    assert_eq!(rows(&t), ["High Wind,6", "High Wind,13", "Hail,1"]);
    let t = eval(&format!(
        "{STATES}S | partition by State (as P | extend Pct = 100.0 * Injuries / toscalar(P | summarize sum(Injuries))) | where State == 'WYOMING' | project Pct"
    ));
    assert_eq!(rows(&t), ["0", "83.33333333333333", "16.666666666666668"]);
}

// partition-operator: "Legacy strategy with explicit source": the key bound by its column's name.
#[test]
fn partition_legacy_query_sees_the_key() {
    let t = eval(&format!(
        "{STATES}range x from 0 to 1 step 1 | partition hint.strategy=legacy by x {{ S | where Injuries == x }} | count"
    ));
    assert_eq!(rows(&t), ["5"]);
    let t = eval(&format!(
        "{STATES}range x from 0 to 1 step 1 | partition by x {{ S | where Injuries == toscalar(x) | summarize n = count() | extend x = toscalar(x) }}"
    ));
    assert_eq!(rows(&t), ["3,0", "2,1"]);
    let e = eval_err("range x from 1 to 65 step 1 | partition by x (take 1)");
    assert!(e.contains("65 distinct values") && e.contains("hint.strategy=native"), "{e}");
    let t = eval("range x from 1 to 65 step 1 | partition hint.strategy=shuffle by x (take 1) | count");
    assert_eq!(rows(&t), ["65"]);
    let e = eval_err("print x = 1 | partition hint.strategy=native by x { print y = 1 }");
    assert!(e.contains("needs the legacy strategy"), "{e}");
    let e = eval_err("print x = 1 | partition hint.strategy=fast by x (take 1)");
    assert!(e.contains("unknown partition strategy `fast`"), "{e}");
}

// fork-operator: one result table per leg, named by `name =` or the leg's `as`.
#[test]
fn fork_returns_a_named_table_per_leg() {
    let q = format!(
        "{STATES}S | where State startswith 'W'\n\
         | fork (where Injuries > 1 | as StormsWithInjuries) Quiet = (where Injuries == 0 | count) (take 1)"
    );
    assert_round_trip(&q);
    let named = kql::run_named(&q, &Catalog::new(), &options()).expect("runs");
    let names: Vec<Option<&str>> = named.iter().map(|(n, _)| n.as_deref()).collect();
    assert_eq!(names, [Some("StormsWithInjuries"), Some("Quiet"), None]);
    assert_eq!(named[0].1.rows.len(), 2);
    assert_eq!(rows(&named[1].1), ["3"]);
    let e = eval_err("print a = 1 | fork (take 1) | count");
    assert!(e.contains("`fork` must be the last operator"), "{e}");
    let e = eval_err("let x = print a = 1 | fork (take 1); x");
    assert!(e.contains("`fork` returns several tables"), "{e}");
}

// sample-operator: up to N rows; reproducible here (a constant seed), Kusto's differ per run.
#[test]
fn sample_picks_reproducibly() {
    let q = "let _data = range x from 1 to 100 step 1; let _sample = _data | sample 1; union (_sample), (_sample)";
    let t = eval(q);
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.rows[0], t.rows[1], "the same seed picks the same row");
    let a = eval("range x from 1 to 1000 step 1 | sample 10");
    assert_eq!(a.rows.len(), 10);
    assert_eq!(rows(&a), rows(&eval("range x from 1 to 1000 step 1 | sample 10")));
    assert_eq!(eval("range x from 1 to 3 step 1 | sample 10").rows.len(), 3);
    assert_eq!(eval("range x from 1 to 3 step 1 | sample 1.9").rows.len(), 1);
}

// sample-distinct-operator: a single column of up to N distinct values.
#[test]
fn sample_distinct_returns_distinct_values() {
    let t = eval("range x from 1 to 100 step 1 | extend EpisodeId = x % 7 | sample-distinct 3 of EpisodeId");
    assert_eq!(t.column_names(), ["EpisodeId"]);
    assert_eq!(t.rows.len(), 3);
    assert_eq!(
        eval("range x from 1 to 100 step 1 | extend y = x % 7 | sample-distinct 10 of y")
            .rows
            .len(),
        7
    );
    let e = eval_err("print a = 1 | sample-distinct 2 of b");
    assert!(e.contains("unknown column `b`"), "{e}");
}

// top-hitters-operator: `summarize count() (or sum) by Value | top N by it desc`.
#[test]
fn top_hitters_is_summarize_and_top() {
    let t = eval(&format!("{STATES}S | top-hitters 2 of State"));
    assert_eq!(t.column_names(), ["State", "approximate_count_State"]);
    assert_eq!(rows(&t), ["WYOMING,3", "WASHINGTON,2"]);
    let t = eval(&format!("{STATES}S | top-hitters 1 of EventType by Injuries"));
    assert_eq!(t.column_names(), ["EventType", "approximate_sum_Injuries"]);
    assert_eq!(rows(&t), ["High Wind,19"]);
}

const TRACES: &str = "let Traces = datatable(EventText: string) [\n\
    'Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=invalid_number, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)',\n\
    'Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=15, lockTime=02/17/2016 08:40:00, releaseTime=invalid_datetime, previousLockTime=02/17/2016 08:39:00)',\n\
    'Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=20, lockTime=02/17/2016 08:40:01, releaseTime=02/17/2016 08:40:01, previousLockTime=02/17/2016 08:39:01)',\n\
    'Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=27, sliceNumber=22, lockTime=02/17/2016 08:41:01, releaseTime=02/17/2016 08:41:00, previousLockTime=02/17/2016 08:40:01)',\n\
    'Event: NotifySliceRelease (resourceName=PipelineScheduler, totalSlices=invalid_number, sliceNumber=16, lockTime=02/17/2016 08:41:00, releaseTime=02/17/2016 08:41:00, previousLockTime=02/17/2016 08:40:00)'];\n";

// parse-where-operator: "Using parse-where" keeps the two rows that parse.
#[test]
fn parse_where_drops_the_rows_that_do_not_parse() {
    let t = eval(&format!(
        "{TRACES}Traces | parse-where EventText with * \"resourceName=\" resourceName \", totalSlices=\" totalSlices: long * \"sliceNumber=\" sliceNumber: long * \"lockTime=\" lockTime \", releaseTime=\" releaseTime: date \",\" * \"previousLockTime=\" previousLockTime: date \")\" *\n\
         | project resourceName, totalSlices, sliceNumber, lockTime, releaseTime, previousLockTime"
    ));
    assert_eq!(
        rows(&t),
        [
            "PipelineScheduler,27,20,02/17/2016 08:40:01,2016-02-17T08:40:01.0000000Z,2016-02-17T08:39:01.0000000Z",
            "PipelineScheduler,27,22,02/17/2016 08:41:01,2016-02-17T08:41:00.0000000Z,2016-02-17T08:40:01.0000000Z",
        ]
    );
    // "Regex mode using regex flags": case-sensitive by default, `flags=i` ignores case; the
    // rows whose totalSlices is no integer are dropped.
    let traces = TRACES
        .replacen(
            "totalSlices=27, sliceNumber=invalid_number",
            "totalSlices=non_valid_integer, sliceNumber=11",
            1,
        )
        .replacen("totalSlices=invalid_number", "totalSlices=27", 1)
        .replacen("sliceNumber=20", "sliceNumber=44", 1)
        .replacen("totalSlices=27, sliceNumber=44", "totalSlices=non_valid_integer, sliceNumber=44", 1);
    let q = |flags: &str| {
        format!(
            "{traces}Traces | parse-where kind=regex {flags} EventText with * \"RESOURCENAME=\" resourceName \",\" * \"totalSlices=\" totalSlices: long \",\" * | project resourceName, totalSlices"
        )
    };
    assert!(eval(&q("")).rows.is_empty());
    assert_eq!(rows(&eval(&q("flags=i"))), ["PipelineScheduler,27"; 3]);
    let e = eval_err("print s = 'a' | parse-where flags=i s with x");
    assert!(e.contains("`kind=regex` before `flags=`"), "{e}");
}

// parse-kv-operator: the page's examples, one per mode.
#[test]
fn parse_kv_extracts_the_listed_keys() {
    let t = eval(
        "print str=\"ThreadId:458745723, Machine:Node001, Text: The service is up, Level: Info\"\n\
         | parse-kv str as (Text: string, ThreadId:long, Machine: string) with (pair_delimiter=',', kv_delimiter=':')\n\
         | project-away str",
    );
    assert_eq!(rows(&t), ["The service is up,458745723,Node001"]);
    assert_eq!(t.columns[1].ty, KqlType::Long);
    let t = eval(
        "print str='src=10.1.1.123 dst=10.1.1.124 bytes=125 failure=\"connection aborted\" \"event time\"=2021-01-01T10:00:54'\n\
         | parse-kv str as (['event time']:datetime, src:string, dst:string, bytes:long, failure:string) with (pair_delimiter=' ', kv_delimiter='=', quote='\"')\n\
         | project-away str",
    );
    assert_eq!(
        rows(&t),
        ["2021-01-01T10:00:54.0000000Z,10.1.1.123,10.1.1.124,125,connection aborted"]
    );
    let greedy = |g: &str| {
        eval(&format!(
            "print str='name=John Doe phone=555 5555 city=New York' | parse-kv str as (name:string, phone:string, city:string) with (pair_delimiter=' ', kv_delimiter='='{g}) | project-away str"
        ))
    };
    assert_eq!(rows(&greedy("")), ["John,555,New"]);
    assert_eq!(rows(&greedy(", greedy=true")), ["John Doe,555 5555,New York"]);
    let t = eval(
        "print str=\"2021-01-01T10:00:34 [INFO] ThreadId:458745723, Machine:Node001, Text: 'The service \\\\' is up'\"\n\
         | parse-kv str as (Text: string, ThreadId:long, Machine: string) with (quote=\"'\", escape='\\\\')\n\
         | project-away str",
    );
    assert_eq!(rows(&t), ["The service ' is up,458745723,Node001"]);
    let t = eval(
        "print str=@'[\"referer url: https://hostname.com/redirect?dest=/?h=1234\", \"request url: https://hostname.com/?h=1234\", \"advertiser id: 24fefbca-cf27-4d62-a623-249c2ad30c73\"]'\n\
         | parse-kv str as (['referer url']:string, ['request url']:string, ['advertiser id']: guid) with (regex=@'\"([\\w ]+)\\s*:\\s*([^\"]*)\"')\n\
         | project-away str",
    );
    assert_eq!(
        rows(&t),
        ["https://hostname.com/redirect?dest=/?h=1234,https://hostname.com/?h=1234,24fefbca-cf27-4d62-a623-249c2ad30c73"]
    );
    let t = eval("print s = 'a=1' | parse-kv s as (b:string, c:long) with (pair_delimiter=',', kv_delimiter='=')");
    assert_eq!(rows(&t), ["a=1,,"], "a missing key is empty (string) or null");
}

#[test]
fn parse_kv_rejects_inconsistent_options() {
    for (options, want) in [
        ("pair_delimiter=','", "both `pair_delimiter` and `kv_delimiter`"),
        ("regex='(a)(b)', quote='\"'", "`regex` takes no other option"),
        ("greedy=true", "`greedy` needs"),
        ("quote='abc'", "one or two characters"),
        ("separator=','", "unknown parse-kv option `separator`"),
    ] {
        let e = eval_err(&format!("print s = 'a' | parse-kv s as (a:string) with ({options})"));
        assert!(e.contains(want), "{options}: {e}");
    }
    let e = eval_err("print s = 'a' | parse-kv s as (a:string) with (regex='(a)')");
    assert!(e.contains("exactly two groups"), "{e}");
}

// render-operator: "The operator doesn't modify data."
#[test]
fn render_passes_the_rows_through() {
    let q = "range x from 1 to 3 step 1 | extend y = x * 2 | render timechart with (title='t', xcolumn=x, ycolumns=x, y, kind=stacked, ymin=-1, accumulate=true)";
    let t = eval(q);
    assert_eq!(rows(&t), ["1,2", "2,4", "3,6"]);
    let e = eval_err("print a = 1 | render timechart with (ycolumns=b)");
    assert!(e.contains("<query>:1:47") && e.contains("unknown column `b`"), "{e}");
    let e = eval_err("print a = 1 | render piechart | take 1");
    assert!(e.contains("`render` must be the last operator"), "{e}");
    let e = eval_err("print a = 1 | render pie");
    assert!(e.contains("unknown visualization `pie`"), "{e}");
    let e = eval_err("print a = 1 | render barchart with (legend=maybe)");
    assert!(
        e.contains("unknown `legend` value `maybe`; expected one of: visible, hidden"),
        "{e}"
    );
}

/// An option followed by a parenthesised subquery with operators (issue 12 §2).
#[test]
fn options_before_subqueries_with_operators() {
    let t = eval("union isfuzzy=true (range x from 1 to 2 step 1 | where x > 1), (NoSuchTable | take 1)");
    assert_eq!(rows(&t), ["2"]);
    let t = eval("range x from 1 to 3 step 1 | join hint.strategy=broadcast (range x from 2 to 3 step 1 | extend y = x * 10) on x");
    assert_eq!(column(&t, "y"), ["20", "30"]);
}

#[test]
fn every_new_construct_prints_back_to_the_same_tree() {
    for q in [
        "find withsource=S in (A, B*, (C | where x > 1)) where x > 1 and * has \"y\" project a, b:long, pack_all()",
        "find \"x*\" project-smart | take 1",
        "search kind=case_sensitive in (A) \"a*b\" or c:\"d\"",
        "T | search * | take 1",
        "T | top-nested 3 of A with others = \"o\" by count() desc, top-nested of B = tolower(b) by s = sum(x) asc",
        "T | partition hint.strategy=native hint.concurrency=4 by K (summarize count() | as P)",
        "T | partition by K { U | where K == toscalar(K) }",
        "T | fork (take 1) Named = (count)",
        "T | facet by A, B with (where x > 1 | take 5)",
        "T | sample 5 | sample-distinct 2 of A | top-hitters 3 of A by B",
        "T | parse-where kind=regex flags=iU s with * \"a=\" A:long \",\" *",
        "T | parse-kv s as (a:string, ['b c']:long) with (pair_delimiter=\";\", kv_delimiter=\"=\", quote=\"()\", escape=\"\\\\\", greedy=true)",
        "T | render columnchart with (series=A, B, title=\"x\", ysplit=panels)",
        "T | invoke f(1, \"a\") | as hint.materialized=false X",
    ] {
        assert_round_trip(q);
    }
}

#[test]
fn find_and_partition_count_against_the_memory_budget() {
    let wide = Table {
        columns: (0..20).map(|c| Column::new(format!("C{c}"), KqlType::String)).collect(),
        rows: (0..20_000)
            .map(|r| (0..20).map(|c| Value::str(&format!("value-{r:08}-{c:04}"))).collect())
            .collect(),
    };
    let mut catalog = Catalog::new();
    catalog.insert("W", wide);
    let budget = 4 << 20;
    let opts = RunOptions {
        max_memory: budget,
        ..options()
    };
    for (query, op) in [
        ("find in (W) where true | count", "find"),
        ("W | partition hint.strategy=native by C0 (take 1) | count", "partition"),
        ("search \"value*\" | count", "search"),
    ] {
        match kql::run(query, &catalog, &opts) {
            Err(KqlError::Memory { op: at, limit, .. }) => {
                assert_eq!((at.as_str(), limit), (op, budget), "{query}");
            }
            other => panic!("{query}: expected a memory error, got {other:?}"),
        }
    }
}
