//! `tenantless query` through its library entry point: formats, exit codes, error rendering.

use std::path::PathBuf;

use crate::support::kql::*;
use tenantless::cli::exit::report;
use tenantless::cli::query::{OutputFormat, QueryArgs, run};

fn args(dir: &TempDir, query: &str) -> QueryArgs {
    QueryArgs {
        query: Some(query.to_string()),
        file: None,
        data: dir.path().to_path_buf(),
        now: None,
        format: OutputFormat::Table,
        params: Vec::new(),
        row_limit: 1_000_000,
        max_memory: tenantless::kql::DEFAULT_MAX_MEMORY,
        explain: false,
        max_width: 20,
        external: Default::default(),
        functions: Default::default(),
    }
}

fn exec(a: &QueryArgs) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let result = run(a, &mut out, &mut err);
    let code = report(result, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

#[test]
fn table_output_is_aligned_truncated_with_footer() {
    let dir = seed_fixture();
    let a = args(&dir, "AuditLogs | project OperationName, CorrelationId | sort by CorrelationId asc");
    let (code, out, err) = exec(&a);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("OperationName"), "{out}");
    assert!(lines[1].starts_with("---"), "{out}");
    assert!(lines[2].starts_with("Delete conditional …"), "{out}");
    // Columns line up: CorrelationId starts at the same offset on every row.
    let col = lines[0].find("CorrelationId").expect("header");
    assert_eq!(lines[2].chars().nth(col + 1), Some('u'), "{out}");
    assert_eq!(lines.last(), Some(&"(3 rows)"));
}

#[test]
fn json_and_csv_formats() {
    let dir = seed_fixture();
    let mut a = args(
        &dir,
        "AADManagedIdentitySignInLogs | where ServicePrincipalName == <VM or application name> | project TimeGenerated, CorrelationId, Note = 'a,\"b\"'",
    );
    a.params = vec!["VM or application name=vm-web-01".to_string()];
    a.format = OutputFormat::Json;
    let (code, out, _) = exec(&a);
    assert_eq!(code, 0);
    let first: serde_json::Value = serde_json::from_str(out.lines().next().expect("a row")).expect("NDJSON");
    assert_eq!(first["TimeGenerated"], "2026-11-28T10:15:02.1234567Z");
    assert_eq!(out.lines().count(), 2);
    a.format = OutputFormat::Csv;
    let (_, csv, _) = exec(&a);
    assert!(csv.starts_with("TimeGenerated,CorrelationId,Note\r\n"), "{csv}");
    assert!(csv.contains("mi-c1,\"a,\"\"b\"\"\"\r\n"), "{csv}");
}

#[test]
fn now_comes_from_manifest_or_flag() {
    let dir = seed_fixture();
    let mut a = args(&dir, "print n = now()");
    a.max_width = 60;
    let (_, out, _) = exec(&a);
    assert!(out.contains("2026-11-28T12:00:00.0000000Z"), "{out}");
    let mut b = args(&dir, "print n = ago(1d)");
    b.now = Some("2030-01-02T00:00:00Z".into());
    b.max_width = 60;
    let (_, out, _) = exec(&b);
    assert!(out.contains("2030-01-01T00:00:00.0000000Z"), "{out}");
}

#[test]
fn exit_codes_and_caret_errors() {
    let dir = seed_fixture();
    let (code, _, err) = exec(&args(&dir, "AuditLogs\n| where (Category == 'x'"));
    assert_eq!(code, 1);
    // The layout of every diagnostic: origin:line:col, the line, a caret.
    assert!(err.contains("<query>:2:"), "{err}");
    assert!(err.contains("\n 2 | | where (Category == 'x'\n"), "{err}");
    assert!(err.contains('^'), "{err}");
    assert!(err.contains("expected `)`"), "{err}");

    let (code, _, err) = exec(&args(&dir, "NoTable | take 1"));
    assert_eq!(code, 1, "{err}");

    let mut missing = args(&dir, "print 1");
    missing.data = PathBuf::from("/nonexistent/tenantless-data");
    assert_eq!(exec(&missing).0, 2);

    let mut none = args(&dir, "x");
    none.query = None;
    assert_eq!(exec(&none).0, 2);

    let mut bad_param = args(&dir, "print 1");
    bad_param.params = vec!["novalue".into()];
    assert_eq!(exec(&bad_param).0, 2);

    let mut bad_now = args(&dir, "print 1");
    bad_now.now = Some("yesterday".into());
    assert_eq!(exec(&bad_now).0, 2);

    dir.write("Broken.jsonl", "{not json}\n");
    // Only the tables a query names are read: a broken file elsewhere does not stop it.
    assert_eq!(exec(&args(&dir, "print 1")).0, 0);
    let (code, _, err) = exec(&args(&dir, "Broken | count"));
    assert_eq!(code, 2);
    assert!(err.contains("Broken.jsonl:1:2: key must be a string"), "{err}");
}

#[test]
fn query_from_file_and_explain() {
    let dir = seed_fixture();
    dir.write("q.kql", "AADServicePrincipalSignInLogs\n| where ResultType != \"0\"\n| count\n");
    let mut a = args(&dir, "");
    a.query = None;
    a.file = Some(dir.path().join("q.kql"));
    a.explain = true;
    let (code, out, err) = exec(&a);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\n3\n"), "{out}");
    assert!(err.contains("10 rows  AADServicePrincipalSignInLogs"), "{err}");
    assert!(err.contains("3 rows  where"), "{err}");
}

#[test]
fn the_binary_runs_queries_and_reports_errors() {
    let dir = seed_fixture();
    let run = |args: &[&str]| crate::support::query_bin(dir.path(), args);
    let ok = run(&["AADServicePrincipalSignInLogs | where ResultType != '0' | count", "--format", "csv"]);
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "Count\r\n3\r\n");
    let bad = run(&["AuditLogs\n| summarize count() by"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("<query>:2:") && err.contains("expected an expression") && err.contains('^'),
        "{err}"
    );
    let usage = run(&[]);
    assert_eq!(usage.status.code(), Some(2));
}

/// `externaldata` reads a URL from the file `--external` maps it to, never from the network; an
/// unmapped URL is an error naming it and the fix; a malformed mapping is a usage error.
#[test]
fn externaldata_reads_mapped_urls_and_names_unmapped_ones() {
    let dir = seed_fixture();
    let feed = dir.path().join("feed.csv");
    std::fs::write(&feed, "IP,Tag\n203.0.113.7,\"tor, exit\"\n").expect("write feed");
    let url = "https://example.com/feeds/ips.csv?sv=2020&sig=x";
    let mapping = format!("{url}={}", feed.display());
    let query = format!("externaldata(IP:string, Tag:string) [h@'{url}'] with (format='csv', ignoreFirstRecord=true)");
    let run = |args: &[&str]| crate::support::query_bin(dir.path(), args);
    let ok = run(&[&query, "--external", &mapping, "--format", "csv"]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "IP,Tag\r\n203.0.113.7,\"tor, exit\"\r\n");
    let unmapped = run(&[&query]);
    assert_eq!(unmapped.status.code(), Some(1));
    let err = String::from_utf8_lossy(&unmapped.stderr);
    assert!(
        err.contains(&format!("`{url}` is not mapped to a local file")) && err.contains("--external"),
        "{err}"
    );
    let bad = run(&[&query, "--external", "no-equals-sign"]);
    assert_ne!(bad.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("must be URL=FILE"));
}

#[test]
fn rows_the_query_drops_first_are_dropped_as_read_and_the_result_is_the_same() {
    let dir = seed_fixture();
    let query = "AADServicePrincipalSignInLogs | where ResultType != \"0\" \
                 | summarize n = count() by ServicePrincipalName, ResultType | order by ServicePrincipalName asc";
    let mut a = args(&dir, query);
    a.format = OutputFormat::Json;
    let (code, dropped, err) = exec(&a);
    assert_eq!(code, 0, "{err}");
    assert!(dropped.contains("\"n\":"), "{dropped}");
    // `--explain` counts the rows each table holds, so its load keeps them all.
    a.explain = true;
    let (code, whole, err) = exec(&a);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("10 rows  AADServicePrincipalSignInLogs"), "{err}");
    assert_eq!(dropped, whole);
}

/// A data directory whose sign-ins (300, of four names in mixed case, every fifth failed) a
/// credential-style join reads through the keys of two audit events.
fn join_fixture(broken_line: Option<usize>) -> TempDir {
    let dir = TempDir::new("join-keys");
    let signins: Vec<String> = (1..=300)
        .map(|i| match broken_line {
            Some(line) if line == i => "{\"ServicePrincipalName\": }".to_owned(),
            _ => format!(
                r#"{{"TimeGenerated":"2026-11-28T10:{:02}:00Z","ServicePrincipalName":"{}","ResultType":"{}","ServicePrincipalId":"sp-{i}"}}"#,
                i % 60,
                ["App-1", "app-2", "APP-3", "app-4"][i % 4],
                if i % 5 == 0 { "50126" } else { "0" }
            ),
        })
        .collect();
    dir.write("AADServicePrincipalSignInLogs.jsonl", &(signins.join("\n") + "\n"));
    dir.write(
        "AuditLogs.jsonl",
        concat!(
            r#"{"TimeGenerated":"2026-11-28T11:01:00Z","OperationName":"Update application","TargetResources":[{"displayName":"app-1"}]}"#,
            "\n",
            r#"{"TimeGenerated":"2026-11-28T11:02:00Z","OperationName":"Update application","TargetResources":[{"displayName":"App-3"}]}"#,
            "\n"
        ),
    );
    dir
}

const KEYED_JOIN: &str = r#"AuditLogs
| extend Name = tolower(tostring(TargetResources[0].displayName))
| project Name, Changed = TimeGenerated
| join kind=leftouter (AADServicePrincipalSignInLogs
    | where ResultType == "0"
    | extend Name = tolower(tostring(ServicePrincipalName))
    | project Name, ServicePrincipalId, SignIn = TimeGenerated) on Name
| summarize n = count(), ids = dcount(ServicePrincipalId), last = max(SignIn) by Name
| order by Name asc"#;

#[test]
fn a_joins_right_side_read_through_the_left_keys_gives_the_result_of_reading_it_whole() {
    let dir = join_fixture(None);
    let mut a = args(&dir, KEYED_JOIN);
    a.format = OutputFormat::Json;
    let (code, keyed, err) = exec(&a);
    assert_eq!(code, 0, "{err}");
    // 75 sign-ins per name, 15 of them failed.
    assert!(keyed.contains(r#""Name":"app-1","n":60,"ids":60"#), "{keyed}");
    assert!(keyed.contains(r#""Name":"app-3","n":60,"ids":60"#), "{keyed}");
    assert_eq!(keyed.lines().count(), 2, "{keyed}");
    // `--explain` reads every row of every table it names (it counts them).
    a.explain = true;
    let (code, whole, err) = exec(&a);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("120 rows  join kind=leftouter"), "{err}");
    assert_eq!(keyed, whole);
}

#[test]
fn a_broken_line_of_a_table_read_as_the_query_runs_is_reported_wherever_it_is() {
    // Line 2 is a sign-in of a name the left side does not have: still read, still an error.
    for line in [2, 299] {
        let dir = join_fixture(Some(line));
        let (code, out, err) = exec(&args(&dir, KEYED_JOIN));
        assert_eq!((code, out.as_str()), (2, ""), "{err}");
        assert!(err.contains(&format!("AADServicePrincipalSignInLogs.jsonl:{line}:")), "{err}");
        // A query that names the table without reading it (an unused `let`) reports it too.
        let unused = "let s = AADServicePrincipalSignInLogs | where ResultType == \"0\" | project ServicePrincipalName;\nAuditLogs | count";
        let (code, _, err) = exec(&args(&dir, unused));
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(&format!("AADServicePrincipalSignInLogs.jsonl:{line}:")), "{err}");
        // An error of the query before it reads the table comes after the broken file, as it
        // did when every table was loaded first.
        let failing = KEYED_JOIN.replace("Changed = TimeGenerated", "Changed = nosuchcolumn");
        let (code, _, err) = exec(&args(&dir, &failing));
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(&format!("AADServicePrincipalSignInLogs.jsonl:{line}:")), "{err}");
    }
}
