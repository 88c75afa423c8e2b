//! Window functions and the `scan` operator (issue 12 §2), with the inputs and expected outputs
//! of the examples on their pages under learn.microsoft.com/kusto/query/.

use crate::support::kql::*;
use tenantless::kql::Table;

/// Each row as `a|b|c`.
fn rows(t: &Table) -> Vec<String> {
    t.rows
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("|"))
        .collect()
}

fn types(t: &Table) -> Vec<String> {
    t.columns.iter().map(|c| format!("{}:{}", c.name, c.ty)).collect()
}

// ---- row_number() (…/row-number-function) ----

#[test]
fn row_number_docs_examples() {
    let t = eval("range a from 1 to 10 step 1 | sort by a desc | extend rn = row_number()");
    assert_eq!(column(&t, "a"), ["10", "9", "8", "7", "6", "5", "4", "3", "2", "1"]);
    assert_eq!(column(&t, "rn"), ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    let seven = eval("range a from 1 to 10 step 1 | sort by a desc | extend rn = row_number(7)");
    assert_eq!(column(&seven, "rn"), ["7", "8", "9", "10", "11", "12", "13", "14", "15", "16"]);
    let by_airport = eval(
        "datatable (Airport:string, Airline:string, Departures:long) [\n\
         'TLV', 'LH', 1, 'TLV', 'LY', 100, 'SEA', 'LH', 1, 'SEA', 'BA', 2, 'SEA', 'LY', 0]\n\
         | sort by Airport asc, Departures desc\n\
         | extend Rank = row_number(1, prev(Airport) != Airport)",
    );
    assert_eq!(
        rows(&by_airport),
        ["SEA|BA|2|1", "SEA|LH|1|2", "SEA|LY|0|3", "TLV|LY|100|1", "TLV|LH|1|2"]
    );
}

// ---- row_cumsum() (…/row-cumsum-function) ----

#[test]
fn row_cumsum_docs_examples() {
    let evens = eval("datatable (a:long) [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] | where a % 2 == 0 | serialize cs = row_cumsum(a)");
    assert_eq!(rows(&evens), ["2|2", "4|6", "6|12", "8|20", "10|30"]);
    let salaries = eval(
        "datatable (name:string, month:int, salary:long) [\n\
         'Alice', 1, 1000, 'Bob', 1, 1000, 'Alice', 2, 2000, 'Bob', 2, 1950, 'Alice', 3, 1400, 'Bob', 3, 1450]\n\
         | order by name asc, month asc\n\
         | extend total = row_cumsum(salary, name != prev(name))",
    );
    assert_eq!(
        rows(&salaries),
        [
            "Alice|1|1000|1000",
            "Alice|2|2000|3000",
            "Alice|3|1400|4400",
            "Bob|1|1000|1000",
            "Bob|2|1950|2950",
            "Bob|3|1450|4400"
        ]
    );
    let real = eval("range x from 1 to 3 step 1 | extend s = row_cumsum(x * 0.5)");
    assert_eq!(column(&real, "s"), ["0.5", "1.5", "3"]);
}

// ---- row_rank_dense() and row_rank_min() (…/row-rank-dense-function, …/row-rank-min-function) ----

const DEPARTURES: &str = "datatable (Airport:string, Airline:string, Departures:long) [\n\
    'SEA', 'LH', 3, 'SEA', 'LY', 100, 'SEA', 'UA', 3, 'SEA', 'BA', 2, 'SEA', 'EL', 3";

#[test]
fn row_rank_docs_examples() {
    let dense = eval(&format!(
        "{DEPARTURES}] | sort by Departures asc | extend Rank = row_rank_dense(Departures)"
    ));
    assert_eq!(column(&dense, "Departures"), ["2", "3", "3", "3", "100"]);
    assert_eq!(column(&dense, "Rank"), ["1", "2", "2", "2", "3"]);
    let min = eval(&format!(
        "{DEPARTURES}] | sort by Departures asc | extend Rank = row_rank_min(Departures)"
    ));
    assert_eq!(column(&min, "Rank"), ["1", "2", "2", "2", "5"]);
    let partitioned = eval(&format!(
        "{DEPARTURES}, 'AMS', 'EL', 1, 'AMS', 'BA', 1]\n\
         | sort by Airport desc, Departures asc\n\
         | extend Rank = row_rank_dense(Departures, prev(Airport) != Airport)"
    ));
    assert_eq!(column(&partitioned, "Airport"), ["SEA", "SEA", "SEA", "SEA", "SEA", "AMS", "AMS"]);
    assert_eq!(column(&partitioned, "Rank"), ["1", "2", "2", "2", "3", "1", "1"]);
}

// ---- row_window_session() (…/row-window-session-function) ----

#[test]
fn row_window_session_docs_example() {
    let t = eval(
        "datatable (ID:string, Timestamp:datetime) [\n\
         '1', datetime(2024-04-11 10:00:00), '2', datetime(2024-04-11 10:18:00),\n\
         '1', datetime(2024-04-11 11:00:00), '3', datetime(2024-04-11 11:30:00),\n\
         '2', datetime(2024-04-11 13:30:00), '2', datetime(2024-04-11 10:16:00)]\n\
         | sort by ID asc, Timestamp asc\n\
         | extend SessionStarted = row_window_session(Timestamp, 1h, 5m, ID != prev(ID))",
    );
    let day = "2024-04-11T";
    let expected: Vec<String> = [
        ("1", "10:00", "10:00"),
        ("1", "11:00", "11:00"),
        ("2", "10:16", "10:16"),
        ("2", "10:18", "10:16"),
        ("2", "13:30", "13:30"),
        ("3", "11:30", "11:30"),
    ]
    .iter()
    .map(|(id, at, start)| format!("{id}|{day}{at}:00.0000000Z|{day}{start}:00.0000000Z"))
    .collect();
    assert_eq!(rows(&t), expected);
    assert_eq!(types(&t)[2], "SessionStarted:datetime");
}

// ---- prev() and next() (…/prev-function, …/next-function) ----

const SESSIONS: &str = "datatable (session_title:string, session_type:string) [\n\
    'Vision Keynote', 'Keynote', 'Time Series analysis', 'Expo Session', 'Modern Applications', 'Breakout',\n\
    'BASF', 'Expo Session', 'ML models', 'Expo Session']";

#[test]
fn prev_and_next_docs_examples() {
    let prev = eval(&format!("{SESSIONS} | serialize previous_session_type = prev(session_type)"));
    // The first session has none before it: an empty string, as the docs' table shows.
    assert_eq!(
        column(&prev, "previous_session_type"),
        ["", "Keynote", "Expo Session", "Breakout", "Expo Session"]
    );
    let next = eval(&format!("{SESSIONS} | serialize next_session_type = next(session_type)"));
    assert_eq!(
        column(&next, "next_session_type"),
        ["Expo Session", "Breakout", "Expo Session", "Expo Session", ""]
    );
}

#[test]
fn prev_and_next_offsets_and_defaults() {
    let t = eval("range x from 1 to 5 step 1 | extend p2 = prev(x, 2), pd = prev(x, 1, -1), n3 = next(x, 3, 0), same = prev(x, 0)");
    assert_eq!(column(&t, "p2"), ["", "", "1", "2", "3"]);
    assert_eq!(column(&t, "pd"), ["-1", "1", "2", "3", "4"]);
    assert_eq!(column(&t, "n3"), ["4", "5", "0", "0", "0"]);
    assert_eq!(column(&t, "same"), ["1", "2", "3", "4", "5"]);
    let typed = eval("range x from 1 to 2 step 1 | extend s = tostring(x) | extend p = prev(s, 1, 7), q = prev(x, 1, '9')");
    assert_eq!(rows(&typed), ["1|1|7|9", "2|2|1|1"], "a default takes the column's type");
    assert_eq!(types(&typed)[2..], ["p:string", "q:long"]);
    // …/prev-function: comparing adjacent rows in `where`, over the unfiltered order.
    let gaps = eval(
        "datatable (T:datetime) [datetime(2024-01-01 00:00:00), datetime(2024-01-01 00:00:01), datetime(2024-01-01 00:05:00)]\n\
         | sort by T asc | extend gap = datetime_diff('second', T, prev(T, 1)) | where gap > 60 | project gap",
    );
    assert_eq!(column(&gaps, "gap"), ["299"]);
    let kept = eval("range x from 1 to 6 step 1 | where prev(x) % 2 == 0");
    assert_eq!(column(&kept, "x"), ["3", "5"], "where sees the window over its input rows");
}

#[test]
fn window_calls_in_project_extend_and_nesting() {
    let p = eval("range x from 1 to 3 step 1 | project x, d = x - prev(x, 1, 0), n = row_number() * 10");
    assert_eq!(rows(&p), ["1|1|10", "2|1|20", "3|1|30"]);
    // A later item's window call sees the earlier items' columns; `x = prev(x)` reads the old x.
    let e = eval("range x from 1 to 3 step 1 | extend y = x * 10, z = prev(y), x = prev(x)");
    assert_eq!(e.column_names(), ["y", "z", "x"]);
    assert_eq!(rows(&e), ["10||", "20|10|1", "30|20|2"]);
    let nested = eval("range x from 1 to 4 step 1 | extend r = row_number(1, prev(x, 1, 0) % 2 == 0)");
    assert_eq!(column(&nested, "r"), ["1", "2", "1", "2"]);
    let in_function = eval("let lag = (v:long) { v - prev(v, 1, v) }; range x from 1 to 3 step 1 | extend d = lag(x * x)");
    assert_eq!(column(&in_function, "d"), ["0", "3", "5"]);
}

#[test]
fn window_results_keep_their_types_without_rows() {
    let t = eval(
        "datatable (S:string, N:long, T:datetime) [] | sort by T asc\n\
         | extend p = prev(S), n = next(N), r = row_number(), c = row_cumsum(N), d = row_rank_dense(S), m = row_rank_min(N),\n\
         w = row_window_session(T, 1h, 5m), f = row_cumsum(todouble(N))",
    );
    assert_eq!(
        types(&t)[3..],
        ["p:string", "n:long", "r:long", "c:long", "d:long", "m:long", "w:datetime", "f:real"]
    );
}

// ---- serialization (…/window-functions#serialized-row-set, …/serialize-operator) ----

#[test]
fn serialized_inputs_allow_window_functions() {
    let ok = [
        "range x from 1 to 3 step 1 | extend r = row_number()",
        "datatable (x:long) [3, 1, 2] | serialize | extend r = row_number()",
        "datatable (x:long) [3, 1, 2] | serialize r = row_number()",
        "datatable (x:long) [3, 1, 2] | top 3 by x | extend r = row_number()",
        "datatable (x:long) [3, 1, 2] | sort by x | where x > 1 | project x | take 5 | extend r = row_number()",
        "let S = datatable (x:long) [3, 1, 2] | sort by x asc; S | extend r = row_number()",
        "(datatable (x:long) [3, 1, 2] | sort by x asc) | extend r = row_number()",
        "datatable (x:long) [3, 1, 2] | sort by x asc | as S | extend r = row_number()",
        "datatable (x:dynamic) [dynamic([1, 2])] | serialize | mv-expand x | extend r = row_number()",
        "datatable (x:long) [3, 1, 2] | summarize by x | sort by x asc | extend r = row_number()",
        "let f = () { datatable (x:long) [3, 1, 2] | sort by x asc }; f() | extend r = row_number()",
        "datatable (x:long) [3, 1, 2] | sort by x asc | lookup (datatable (x:long) [1]) on x | extend r = row_number()",
    ];
    for q in ok {
        let t = eval(q);
        assert_eq!(column(&t, "r")[0], "1", "{q}");
    }
}

#[test]
fn unserialized_inputs_are_located_errors() {
    let cases = [
        ("datatable (x:long) [1] | summarize by x | extend r = row_number()", "row_number()"),
        ("datatable (x:long) [1] | distinct x | extend p = prev(x)", "prev(x)"),
        ("datatable (x:long) [1] | extend p = next(x)", "next(x)"),
        (
            "datatable (x:long) [1] | sort by x | join (datatable (x:long) [1]) on x | where prev(x) > 0",
            "prev(x)",
        ),
        (
            "datatable (x:long) [1] | sort by x | count | project row_cumsum(Count)",
            "row_cumsum(Count)",
        ),
        (
            "let S = datatable (x:long) [1] | sort by x; let S = datatable (x:long) [2]; S | extend r = row_number()",
            "row_number()",
        ),
        (
            "let f = () { datatable (x:long) [3] }; f() | extend r = row_number()",
            "row_number()",
        ),
    ];
    for (q, call) in cases {
        let e = eval_err(q);
        assert!(e.contains("the row set must be serialized"), "{q}: {e}");
        assert!(e.contains("add `| serialize` or `| sort by …`"), "{q}: {e}");
        let col = q.find(call).expect("call in query") + 1;
        assert!(e.contains(&format!("1:{col}:")), "{q}: located at the call, got {e}");
        assert!(e.contains(&"^".repeat(call.len())), "{q}: caret under the call, got {e}");
    }
}

#[test]
fn window_functions_outside_their_operators_are_errors() {
    for q in [
        "range x from 1 to 3 step 1 | summarize max(prev(x))",
        "range x from 1 to 3 step 1 | sort by prev(x)",
        "range x from 1 to 3 step 1 | summarize by row_number()",
        "print x = row_number()",
        "let n = row_number(); print n",
        "range x from 1 to 3 step 1 | extend c = toscalar(datatable (y:long) [1] | summarize max(prev(y)))",
    ] {
        let e = eval_err(q);
        assert!(e.contains("cannot be invoked"), "{q}: {e}");
    }
}

#[test]
fn bad_window_arguments_are_located_errors() {
    let cases = [
        (
            "range x from 1 to 3 step 1 | extend c = row_cumsum(tostring(x))",
            "must be a number",
        ),
        (
            "range x from 1 to 3 step 1 | extend s = row_window_session(x, 1h, 5m)",
            "must be a datetime",
        ),
        (
            "range x from 1 to 3 step 1 | extend s = row_window_session(now(), totimespan(x), 5m)",
            "must be a constant timespan",
        ),
        ("range x from 1 to 3 step 1 | extend r = row_number(1, x)", "must be a bool"),
        ("range x from 1 to 3 step 1 | extend p = prev(x, 'a')", "must be a whole number"),
        ("range x from 1 to 3 step 1 | extend p = prev()", "takes 1 to 3 arguments, got 0"),
        (
            "range x from 1 to 3 step 1 | extend p = row_window_session(now(), 1h)",
            "takes 3 to 4 arguments",
        ),
        ("range x from 1 to 3 step 1 | extend p = prev(y)", "unknown column or variable `y`"),
    ];
    for (q, want) in cases {
        let e = eval_err(q);
        assert!(e.contains(want), "{q}: expected {want:?}, got {e}");
        assert!(e.contains("1:"), "{q}: located, got {e}");
    }
    let typo = eval_err("range x from 1 to 3 step 1 | extend r = row_numbr()");
    assert!(typo.contains("did you mean `row_number`?"), "{typo}");
}

// ---- scan (…/scan-operator), the docs' examples with their outputs ----

#[test]
fn scan_cumulative_sum() {
    let t =
        eval("range x from 1 to 5 step 1 | scan declare (cumulative_x:long=0) with (step s1: true => cumulative_x = x + s1.cumulative_x;)");
    assert_eq!(t.column_names(), ["x", "cumulative_x"], "no match id column without with_match_id");
    assert_eq!(rows(&t), ["1|1", "2|3", "3|6", "4|10", "5|15"]);
}

#[test]
fn scan_cumulative_sum_with_reset() {
    let t = eval(
        "range x from 1 to 5 step 1\n\
         | extend y = 2 * x\n\
         | scan declare (cumulative_x:long=0, cumulative_y:long=0) with (\n\
             step s1: true => cumulative_x = iff(s1.cumulative_x >= 10, x, x + s1.cumulative_x),\n\
                              cumulative_y = iff(s1.cumulative_y >= 10, y, y + s1.cumulative_y);\n\
         )",
    );
    assert_eq!(rows(&t), ["1|2|1|2", "2|4|3|6", "3|6|6|12", "4|8|10|8", "5|10|5|18"]);
}

#[test]
fn scan_fill_forward() {
    let t = eval(
        "let Events = datatable (Ts: timespan, Event: string) [\n\
             0m, 'A', 1m, '', 2m, 'B', 3m, '', 4m, '', 6m, 'C', 8m, '', 11m, 'D', 12m, ''];\n\
         Events\n\
         | sort by Ts asc\n\
         | scan declare (Event_filled: string = '') with (\n\
             step s1: true => Event_filled = iff(isempty(Event), s1.Event_filled, Event);\n\
         )",
    );
    assert_eq!(column(&t, "Event_filled"), ["A", "A", "B", "B", "B", "C", "C", "D", "D"]);
    assert_eq!(column(&t, "Ts")[8], "00:12:00");
}

#[test]
fn scan_sessions_tagging() {
    let t = eval(
        "let Events = datatable (Ts: timespan, Event: string) [\n\
             0m, 'A', 1m, 'A', 2m, 'B', 3m, 'D', 32m, 'B', 36m, 'C', 38m, 'D', 41m, 'E', 75m, 'A'];\n\
         Events\n\
         | sort by Ts asc\n\
         | scan with_match_id=session_id declare (sessionStart: timespan) with (\n\
             step inSession: true => sessionStart = iff(isnull(inSession.sessionStart), Ts, inSession.sessionStart);\n\
             step endSession output=none: Ts - inSession.sessionStart > 30m;\n\
         )",
    );
    assert_eq!(t.column_names(), ["Ts", "Event", "sessionStart", "session_id"]);
    assert_eq!(
        rows(&t),
        [
            "00:00:00|A|00:00:00|0",
            "00:01:00|A|00:00:00|0",
            "00:02:00|B|00:00:00|0",
            "00:03:00|D|00:00:00|0",
            "00:32:00|B|00:32:00|1",
            "00:36:00|C|00:32:00|1",
            "00:38:00|D|00:32:00|1",
            "00:41:00|E|00:32:00|1",
            "01:15:00|A|01:15:00|2"
        ]
    );
    assert_eq!(types(&t)[2..], ["sessionStart:timespan", "session_id:long"]);
}

#[test]
fn scan_events_between_start_and_stop() {
    let t = eval(
        "let Events = datatable (Ts: timespan, Event: string) [\n\
             0m, 'A', 1m, 'Start', 2m, 'B', 3m, 'D', 4m, 'Stop', 6m, 'C', 8m, 'Start', 11m, 'E', 12m, 'Stop'];\n\
         Events\n\
         | sort by Ts asc\n\
         | scan with_match_id=m_id with (\n\
             step s1: Event == 'Start';\n\
             step s2: Event != 'Start' and Event != 'Stop' and Ts - s1.Ts <= 5m;\n\
             step s3: Event == 'Stop' and Ts - s1.Ts <= 5m;\n\
         )",
    );
    assert_eq!(
        rows(&t),
        [
            "00:01:00|Start|0",
            "00:02:00|B|0",
            "00:03:00|D|0",
            "00:04:00|Stop|0",
            "00:08:00|Start|1",
            "00:11:00|E|1",
            "00:12:00|Stop|1"
        ]
    );
}

/// The docs' "session length per user" example runs scan per user under `partition`; with the
/// rows sorted by user the same steps give the same sessions (one row per login/logout pair).
#[test]
fn scan_session_length_per_user() {
    let t = eval(
        "let LogsEvents = datatable(Timestamp:datetime, userID:int, EventType:string) [\n\
             datetime(2024-05-28 08:15:23), 1, 'login', datetime(2024-05-28 08:30:15), 2, 'login',\n\
             datetime(2024-05-28 09:10:27), 3, 'login', datetime(2024-05-28 12:30:45), 1, 'logout',\n\
             datetime(2024-05-28 11:45:32), 2, 'logout', datetime(2024-05-28 13:25:19), 3, 'logout'];\n\
         LogsEvents\n\
         | sort by userID asc, Timestamp asc\n\
         | scan declare (start: datetime, end: datetime, sessionDuration: timespan) with (\n\
             step s1 output=none: EventType == 'login' => start = Timestamp;\n\
             step s2 output=all: EventType == 'logout' => start = s1.start, end = Timestamp, sessionDuration = Timestamp - s1.start;\n\
         )\n\
         | project start, end, userID, sessionDuration",
    );
    assert_eq!(
        rows(&t),
        [
            "2024-05-28T08:15:23.0000000Z|2024-05-28T12:30:45.0000000Z|1|04:15:22",
            "2024-05-28T08:30:15.0000000Z|2024-05-28T11:45:32.0000000Z|2|03:15:17",
            "2024-05-28T09:10:27.0000000Z|2024-05-28T13:25:19.0000000Z|3|04:14:52"
        ]
    );
}

/// `output = last` keeps only the last of a series of repeated matches of its step; the next
/// step's match ends the series.
#[test]
fn scan_output_last() {
    let t = eval("range x from 1 to 6 step 1 | scan with_match_id = m with (step up output = last: x < 4; step down: x >= 4;)");
    assert_eq!(rows(&t), ["3|0", "4|0", "5|0", "6|0"]);
    let none = eval("range x from 1 to 4 step 1 | scan with (step quiet output = none: true;)");
    assert_eq!(none.rows.len(), 0);
    assert_eq!(none.column_names(), ["x"]);
}

#[test]
fn scan_keeps_types_without_rows_and_round_trips() {
    let q = "datatable (T:datetime, N:long) [] | scan with_match_id = Id declare (First: datetime, Count: long = 0, Tag: string) with (step s1 output = last: N > 0 => First = T, Count = s1.Count + 1; step s2: N < 0 and T - s1.First < 1h => Tag = 'back';)";
    let t = eval(q);
    assert_eq!(
        types(&t),
        ["T:datetime", "N:long", "First:datetime", "Count:long", "Tag:string", "Id:long"]
    );
    assert_round_trip("T | scan with (step a: x == 1)");
}

#[test]
fn scan_declared_defaults_and_assignment_order() {
    // Unassigned declared columns hold their defaults; assignments run in order.
    let t = eval(
        "range x from 1 to 2 step 1 | scan declare (a:long = 7, b:long, c:string = 'z') with (step s: true => b = x * 10, a = b + 1;)",
    );
    assert_eq!(rows(&t), ["1|11|10|z", "2|21|20|z"]);
}

#[test]
fn bad_scans_are_located_errors() {
    let cases = [
        (
            "range x from 1 to 2 step 1 | scan with (step s1: true => y = 1;)",
            "unknown column `y`",
            "y = 1",
        ),
        (
            "range x from 1 to 2 step 1 | scan with (step s1: true; step s1: false;)",
            "defined twice",
            "s1: false",
        ),
        (
            "range x from 1 to 2 step 1 | scan with (step s1: s1.z == 1;)",
            "has no column `z`",
            "s1.z",
        ),
        (
            "range x from 1 to 2 step 1 | scan declare (x:long) with (step s1: true;)",
            "already a column",
            "x:long",
        ),
        (
            "range x from 1 to 2 step 1 | scan with (step s1 output = first: true;)",
            "unknown scan step output",
            "first",
        ),
        ("range x from 1 to 2 step 1 | scan with ()", "at least one step", ")"),
        ("range x from 1 to 2 step 1 | scan with (s1: true;)", "expected `step`", "s1:"),
    ];
    for (q, want, at) in cases {
        let e = eval_err(q);
        assert!(e.contains(want), "{q}: expected {want:?}, got {e}");
        let col = q.rfind(at).expect("marker") + 1;
        assert!(e.contains(&format!("1:{col}:")), "{q}: located at {at:?} (col {col}), got {e}");
    }
}

/// The rows a window call widens are charged to the memory budget like any operator's.
#[test]
fn window_rows_count_against_the_memory_budget() {
    use tenantless::kql::{self, Catalog, Column, KqlError, KqlType, RunOptions, Value};
    let columns = (0..10).map(|c| Column::new(format!("C{c}"), KqlType::String)).collect();
    let rows = (0..20_000)
        .map(|r| (0..10).map(|c| Value::str(&format!("value-{r:08}-{c:02}"))).collect())
        .collect();
    let mut catalog = Catalog::new();
    catalog.insert("T", Table { columns, rows });
    let small = RunOptions {
        max_memory: 1 << 20,
        ..RunOptions::default()
    };
    for (query, op) in [
        ("T | serialize | where prev(C0) != C0", "where"),
        ("T | serialize | project N = next(C1)", "project"),
        ("T | serialize | extend R = row_number()", "extend"),
    ] {
        match kql::run(query, &catalog, &small) {
            Err(KqlError::Memory { op: at, .. }) => assert_eq!(at, op, "{query}"),
            other => panic!("{query}: expected a memory error, got {other:?}"),
        }
        let t = kql::run(query, &catalog, &RunOptions::default()).expect("runs within the default budget");
        assert!(t[0].rows.len() >= 19_999, "{query}");
    }
}
