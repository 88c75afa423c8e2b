//! Fuzz targets for the three file inputs besides KQL text (issue 8: never panic, never hang):
//! scenario YAML, rule and correlation YAML, and NDJSON table lines. The YAML targets mutate the
//! bundled files — lines deleted, duplicated, swapped or re-indented, scalars replaced by extreme
//! values, random bytes inserted, the text cut short — so that most cases get past the YAML parser
//! into validation; the NDJSON target builds records from a schema's typed columns with extreme
//! values, then mangles some lines. Every case must return `Ok` or `Err`: a panic fails, and the
//! watchdog in `guard` aborts on a case over 5 s or near 1 GiB. `TENANTLESS_FUZZ_CASES` sets
//! the number of cases per target (docs/fuzzing.md).

use std::path::{Path, PathBuf};

use crate::guard::guard;
use proptest::prelude::*;
use tenantless::ids::IdSource;
use tenantless::kql::{self, Catalog, RunOptions};
use tenantless::scenario::model::ScenarioFile;

/// CI default for the number of cases per target (docs/fuzzing.md has the measured time).
const CASES: u32 = 1000;

const SCENARIOS: &[&str] = &[
    include_str!("../../scenarios/seed.yaml"),
    include_str!("../../scenarios/tenant-small.yaml"),
    include_str!("../../scenarios/tenant-large.yaml"),
    include_str!("../../scenarios/detections.yaml"),
];

const RULES: &[&str] = &[
    include_str!("../../rules/activity-without-signin.yaml"),
    include_str!("../../rules/ca-policy-deleted-by-app.yaml"),
    include_str!("../../rules/credential-added-survives-rename.yaml"),
    include_str!("../../rules/failed-signins-burst.yaml"),
    include_str!("../../rules/keyvault-mass-read.yaml"),
    include_str!("../../rules/new-resource-access.yaml"),
    include_str!("../../rules/seed-credential-added-to-active-sp.yaml"),
    include_str!("../../rules/seed-failed-signins.yaml"),
    include_str!("../../rules/signin-from-unusual-ip.yaml"),
    include_str!("../../rules/signin-without-activity.yaml"),
];

const CORRELATIONS: &[&str] = &[
    include_str!("../../rules/correlations/seed-mi-keyvault.yaml"),
    include_str!("../../rules/correlations/seed-sp-arm-deployment.yaml"),
    include_str!("../../rules/correlations/seed-sp-graph.yaml"),
    include_str!("../../rules/correlations/seed-sp-logic-app.yaml"),
];

/// Scalars that break naive code: extreme and malformed numbers, durations, dates, YAML oddities.
const EXTREMES: &[&str] = &[
    "",
    "0",
    "-1",
    "1.5",
    "-0.0",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "4294967296",
    "1e308",
    "1e309",
    ".nan",
    ".inf",
    "-.inf",
    "0s",
    "-5m",
    "1ms",
    "0.5s",
    "1.5h",
    "9223372036854775807s",
    "P0D",
    "PT0S",
    "P1DT",
    "PT-5M",
    "P-1D",
    "PT99999999999999H",
    "00:00:00",
    "-01:00:00",
    "99:99:99",
    "10675199.02:48:05",
    "1.2.3:4:5",
    "2026-02-30T00:00:00Z",
    "2026-11-16T24:00:00Z",
    "2026-11-16T00:00:00+14:00",
    "1970-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z",
    "2026-11-16",
    "2026-11-16T00:00:00.999999999999Z",
    "~",
    "null",
    "true",
    "[]",
    "{}",
    "[[[[[[[[]]]]]]]]",
    "\"\"",
    "''",
    "\"\\uD800\"",
    "&a x",
    "*a",
    "!!binary aGk=",
    "!!int x",
    "<<: *a",
    "|",
    ">-",
    "? x",
    "ünïcödé 🦀",
    "\u{202e}rtl",
    "a\tb",
    "\t",
    "{n}",
    "{n:0}",
    "{n:099}",
    "{n:x}",
    "{{n}}",
    "{",
    "x{n}x{n}",
    "0.0.0.0",
    "999.1.1.1",
    "::1",
    "256.256.256.256/33",
    "a/b/c/d",
    "/",
    "-",
    // Durations past chrono's range: they panicked in rule files until parse_timespan was checked.
    "P99999999999999D",
    "99999999999999.00:00:00",
    "9999999999999999:00:00",
];

/// One edit of a YAML text.
#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Line, which scalar of the line, replacement.
    ReplaceScalar(usize, usize, String),
    /// Line, text inserted at its start or end.
    InsertLine(usize, String),
    Reindent(usize, usize),
    Truncate(usize),
    /// A `key: value` line after the given line, at its indentation: fields the bundled files
    /// leave out get values too.
    InsertField(usize, &'static str, String),
}

/// Field names of scenarios, rules and correlations.
const FIELDS: &[&str] = &[
    "actions",
    "actor",
    "anomalies",
    "at",
    "attached_to",
    "benign",
    "catches",
    "count",
    "credential",
    "credential_type",
    "credentials",
    "databases",
    "description",
    "domain",
    "duration",
    "every",
    "expectations",
    "expiry",
    "id",
    "identities",
    "identity",
    "ip",
    "jitter",
    "key_id",
    "key_vaults",
    "kind",
    "location",
    "logic_app",
    "misses",
    "name",
    "new_name",
    "operation",
    "per_day",
    "period",
    "policy",
    "populations",
    "private_endpoint",
    "profile",
    "reason",
    "region",
    "resource",
    "resource_group",
    "schedule",
    "secrets",
    "signins_per_run",
    "sql_database",
    "start",
    "tags",
    "tenant",
    "thumbprint",
    "trigger",
    "vault",
    "workspace_id",
    "queryFrequency",
    "queryPeriod",
    "triggerOperator",
    "triggerThreshold",
    "severity",
    "noisy_on",
    "max_false_positives",
    "tenantless",
    "params",
    "expect",
    "rows",
    "min_rows",
    "columns",
    "distinct",
];

/// A replacement scalar: an extreme value, a random number, date or duration, or random text.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(EXTREMES).prop_map(String::from),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => (0u32..40, prop::sample::select(&["s", "m", "h", "d", "ms", "w", "D", ""][..]))
            .prop_map(|(digits, unit)| format!("{}{unit}", "9".repeat(digits as usize % 20 + 1))),
        1 => (0i32..=12_000, 0u32..=13, 0u32..=32, 0u32..=25)
            .prop_map(|(y, m, d, h)| format!("{y:04}-{m:02}-{d:02}T{h:02}:00:00Z")),
        1 => "\\PC{0,24}",
        1 => (1usize..4_000).prop_map(|n| "x".repeat(n)),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let line = 0usize..200;
    prop_oneof![
        2 => line.clone().prop_map(Edit::DeleteLine),
        1 => line.clone().prop_map(Edit::DuplicateLine),
        1 => (line.clone(), line.clone()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        10 => (line.clone(), 0usize..6, scalar()).prop_map(|(l, k, s)| Edit::ReplaceScalar(l, k, s)),
        1 => (line.clone(), prop::collection::vec(any::<u8>(), 0..12))
            .prop_map(|(l, b)| Edit::InsertLine(l, String::from_utf8_lossy(&b).into_owned())),
        1 => (line.clone(), 0usize..9).prop_map(|(l, n)| Edit::Reindent(l, n)),
        1 => (0usize..20_000).prop_map(Edit::Truncate),
        3 => (line.clone(), prop::sample::select(FIELDS), scalar()).prop_map(|(l, k, v)| Edit::InsertField(l, k, v)),
    ]
}

/// A bundled file with 1–3 edits applied: more break the syntax nearly every time.
fn mutated(files: &'static [&'static str]) -> impl Strategy<Value = String> {
    (prop::sample::select(files), prop::collection::vec(edit(), 1..4)).prop_map(|(text, edits)| apply(&small(text), &edits))
}

/// The file with its populations cut to a dozen identities: resolving tenant-large's 15,000 takes
/// seconds in a debug build, time better spent on more cases (huge counts still come from the
/// mutations).
fn small(text: &str) -> String {
    static COUNT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let count = COUNT.get_or_init(|| regex::Regex::new(r"count: [0-9]{3,}").expect("valid"));
    count.replace_all(text, "count: 12").into_owned()
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for e in edits {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match e {
            Edit::DeleteLine(i) => {
                lines.remove(i % n);
            }
            Edit::DuplicateLine(i) => lines.insert(i % n, lines[i % n].clone()),
            Edit::SwapLines(a, b) => lines.swap(a % n, b % n),
            Edit::ReplaceScalar(i, k, s) => {
                let spans = scalar_spans(&lines[i % n]);
                if let Some(&(start, end)) = spans.get(k % spans.len().max(1)) {
                    lines[i % n].replace_range(start..end, s);
                }
            }
            Edit::InsertLine(i, s) if i % 2 == 0 => lines[i % n].insert_str(0, s),
            Edit::InsertLine(i, s) => lines[i % n].push_str(s),
            Edit::Reindent(i, spaces) => {
                let line = &lines[i % n];
                lines[i % n] = format!("{}{}", " ".repeat(*spaces), line.trim_start());
            }
            Edit::InsertField(i, key, value) => {
                let line = &lines[i % n];
                let indent = line.len() - line.trim_start_matches([' ', '-']).len();
                lines.insert(i % n + 1, format!("{}{key}: {value}", " ".repeat(indent)));
            }
            Edit::Truncate(at) => {
                let joined = lines.join("\n");
                let cut = (0..=at % (joined.len() + 1))
                    .rev()
                    .find(|&c| joined.is_char_boundary(c))
                    .unwrap_or(0);
                lines = joined[..cut].lines().map(String::from).collect();
            }
        }
    }
    lines.join("\n") + "\n"
}

/// Byte ranges of the scalars on a YAML line: what follows `: `, `- `, `[` or `,`, up to the next
/// `,`, `]`, `}`, ` #` or the line's end. Rough on purpose: a mutation that lands on a key or a
/// quoted string is still a useful mutation.
fn scalar_spans(line: &str) -> Vec<(usize, usize)> {
    let b = line.as_bytes();
    let mut spans = Vec::new();
    for i in 0..b.len() {
        let opens = matches!((b[i], b.get(i + 1)), (b':' | b'-', Some(b' ')) | (b'[' | b',', _));
        if !opens {
            continue;
        }
        let mut start = i + 1;
        while start < b.len() && b[start] == b' ' {
            start += 1;
        }
        if start >= b.len() || matches!(b[start], b'{' | b'[' | b'#') {
            continue;
        }
        let end = (start..b.len())
            .find(|&j| matches!(b[j], b',' | b']' | b'}') || (b[j] == b'#' && b[j - 1] == b' '))
            .unwrap_or(b.len());
        if end > start {
            spans.push((start, end));
        }
    }
    spans
}

/// A file the loaders can read: the rule and correlation loaders take a path.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str) -> TempFile {
        let name = format!(
            "tenantless-fuzz-{tag}-{}-{:?}.yaml",
            std::process::id(),
            std::thread::current().id()
        );
        TempFile(std::env::temp_dir().join(name.replace(['(', ')'], "")))
    }

    fn with(&self, bytes: &[u8]) -> &Path {
        std::fs::write(&self.0, bytes).expect("write the fuzz input");
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn parse_scenario(text: &str) {
    guard(text, || {
        let _ = tenantless::scenario::parse(Path::new("fuzz.yaml"), text, IdSource::new(7));
    });
}

fn load_scenario(file: &TempFile, bytes: &[u8]) {
    guard(&String::from_utf8_lossy(bytes), || {
        let _ = tenantless::scenario::load(file.with(bytes), IdSource::new(7));
    });
}

/// Loads a rule, then parses its query the way `verify` will.
fn load_rule(file: &TempFile, text: &str) {
    guard(text, || {
        if let Ok(rule) = tenantless::verify::rule::load(file.with(text.as_bytes())) {
            let _ = kql::parse(&rule.file.query);
        }
    });
}

fn load_correlation(file: &TempFile, text: &str) {
    guard(text, || {
        for c in tenantless::verify::correlation::load(file.with(text.as_bytes())).unwrap_or_default() {
            let _ = kql::parse(&c.query);
        }
    });
}

proptest! {
    #![proptest_config(crate::guard::config(CASES))]

    #[test]
    fn scenario_yaml_mutations_never_panic(text in mutated(SCENARIOS)) {
        parse_scenario(&text);
    }

    #[test]
    fn scenario_random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        load_scenario(&TempFile::new("scenario"), &bytes);
    }

    #[test]
    fn rule_yaml_mutations_never_panic(text in mutated(RULES)) {
        load_rule(&TempFile::new("rule"), &text);
    }

    #[test]
    fn correlation_yaml_mutations_never_panic(text in mutated(CORRELATIONS)) {
        load_correlation(&TempFile::new("correlation"), &text);
    }
}

/// Tables whose loaders differ: a fixed schema converting to declared types, the sparse
/// AzureDiagnostics schema, and an unknown table whose column types are inferred.
const TABLES: &[&str] = &["AADServicePrincipalSignInLogs", "AzureDiagnostics", "T"];

/// Field names: declared columns of every type in the two schemas above, plus free-form ones.
const KEYS: &[&str] = &[
    "TimeGenerated",
    "CreatedDateTime",
    "endTime_t",
    "DurationMs",
    "_BilledSize",
    "AppId",
    "ActivityId_g",
    "isAccessPolicyMatch_b",
    "AdditionalFields",
    "x",
    "y",
    "",
    "a b",
    "ü",
];

/// Strings that the loader may take for datetimes, timespans, guids, numbers or booleans.
const STRINGS: &[&str] = &[
    "2026-11-16T00:00:00Z",
    "2026-11-16T00:00:00.1234567Z",
    "9999-12-31T23:59:59.9999999Z",
    "0001-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "+275760-09-13T00:00:00Z",
    "-271821-04-20T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-11-16 00:00:00",
    "2026-11-16",
    "1.00:00:00",
    "10675199.02:48:05.4775807",
    "-00:00:01",
    "P1D",
    "PT99999999999999H",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "not-a-guid",
    "true",
    "False",
    "NaN",
    "inf",
    "-0",
    "1e309",
    "9223372036854775808",
    "",
    "ünïcödé 🦀",
];

/// A JSON value with extreme scalars, nested up to a few levels.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value as J, json};
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop::sample::select(&[i64::MIN, i64::MAX, 0, -1, 1][..]).prop_map(|n| json!(n)),
        Just(json!(u64::MAX)),
        prop::sample::select(&[1e308, -1e308, 5e-324, -0.0, 0.5, 1e15 + 0.3][..]).prop_map(|f| json!(f)),
        prop::sample::select(STRINGS).prop_map(|s| J::String(s.into())),
        "\\PC{0,16}".prop_map(J::String),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(J::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..4)
                .prop_map(|kv| J::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// How one NDJSON line is damaged, if at all.
#[derive(Debug, Clone)]
enum Damage {
    None,
    Truncate(usize),
    Insert(usize, Vec<u8>),
    /// The line replaced by raw text: literals serde_json rejects or that sit at its limits.
    Raw(&'static str),
}

const RAW_LINES: &[&str] = &[
    "{\"x\": 1e999999}",
    "{\"x\": -1e999999}",
    "{\"x\": 123456789012345678901234567890}",
    "{\"x\": 1, \"x\": \"a\"}",
    "{\"TimeGenerated\": \"2026-11-16T00:00:00Z\", \"TimeGenerated\": 5}",
    "[1, 2, 3]",
    "\"just a string\"",
    "null",
    "{}",
    "{\"x\": NaN}",
    "{\"x\": \"\\ud800\"}",
    "{\"x\": 1} trailing",
    "{\"x\": 1}{\"x\": 2}",
    "\u{feff}{\"x\": 1}",
    "{\"x\":",
];

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        6 => Just(Damage::None),
        1 => (0usize..400).prop_map(Damage::Truncate),
        1 => (0usize..400, prop::collection::vec(any::<u8>(), 1..6)).prop_map(|(at, b)| Damage::Insert(at, b)),
        1 => prop::sample::select(RAW_LINES).prop_map(Damage::Raw),
    ]
}

fn damaged(line: String, damage: &Damage) -> String {
    let boundary = |at: usize| (0..=at % (line.len() + 1)).rev().find(|&c| line.is_char_boundary(c)).unwrap_or(0);
    match damage {
        Damage::None => line,
        Damage::Truncate(at) => line[..boundary(*at)].to_owned(),
        Damage::Insert(at, bytes) => {
            let at = boundary(*at);
            format!("{}{}{}", &line[..at], String::from_utf8_lossy(bytes), &line[at..])
        }
        Damage::Raw(raw) => (*raw).to_owned(),
    }
}

/// A table name and 1–6 NDJSON lines: records over [`KEYS`], some damaged, some nested deeper
/// than serde_json's recursion limit.
fn ndjson() -> impl Strategy<Value = (&'static str, String)> {
    let record = (
        prop::collection::vec((prop::sample::select(KEYS), json_value()), 0..6),
        damage(),
        0usize..40,
    );
    (prop::sample::select(TABLES), prop::collection::vec(record, 1..6)).prop_map(|(table, records)| {
        let lines: Vec<String> = records
            .into_iter()
            .map(|(fields, damage, depth)| {
                let object: serde_json::Map<_, _> = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                let mut line = serde_json::Value::Object(object).to_string();
                // One case in ten nests an array past serde_json's limit of 128.
                if depth >= 36 {
                    line = format!("{{\"x\": {}1{}}}", "[".repeat(depth * 4), "]".repeat(depth * 4));
                }
                damaged(line, &damage)
            })
            .collect();
        (table, lines.join("\n"))
    })
}

/// Queries that touch every kind of loaded column: datetime arithmetic and binning, numeric
/// aggregates, sorting mixed values, conversions, dynamic expansion.
const QUERIES: &[&str] = &[
    "{T} | summarize count() by TimeGenerated, x",
    "{T} | extend d = TimeGenerated + 1d, e = DurationMs * 1000, f = x + 1 | project d, e, f",
    "{T} | sort by TimeGenerated desc, x asc, y desc | take 3",
    "{T} | summarize min(TimeGenerated), max(x), avg(DurationMs), sum(_BilledSize) by bin(TimeGenerated, 1h)",
    "{T} | extend s = tostring(x), t = todatetime(AppId), n = tolong(y), r = toreal(x), g = toguid(y) | project s, t, n, r, g",
    "{T} | mv-expand AdditionalFields | extend k = tostring(AdditionalFields) | summarize make_set(k)",
    "{T} | where datetime_diff('second', TimeGenerated, datetime(2026-01-01)) > 0 or endTime_t < ago(1d)",
    "{T} | summarize make_set(x), dcount(y), arg_max(CreatedDateTime, *) by ActivityId_g, isAccessPolicyMatch_b",
    "{T} | join kind=inner ({T}) on x | project x, y",
];

/// Loads the table, then runs [`QUERIES`] over it; the engine reports a caught panic as an
/// "internal error", which counts as a panic here.
fn load_and_query(table: &str, text: &str) -> Result<(), String> {
    guard(&format!("table {table}:\n{text}"), || {
        let Ok(loaded) = kql::table_from_ndjson(table, text) else {
            return Ok(());
        };
        let mut catalog = Catalog::new();
        catalog.insert(table, loaded);
        let options = RunOptions {
            now: chrono::DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
                .expect("valid")
                .to_utc(),
            row_limit: 10_000,
            ..RunOptions::default()
        };
        for q in QUERIES {
            let query = q.replace("{T}", table);
            match kql::run(&query, &catalog, &options) {
                Err(e) if e.to_string().contains("internal error") => return Err(format!("{query}: {e}")),
                _ => {}
            }
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(crate::guard::config(CASES))]

    #[test]
    fn ndjson_lines_never_panic((table, text) in ndjson()) {
        let outcome = load_and_query(table, &text);
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}

/// The mutator is only worth its cases if many of them get past the YAML parser into validation
/// and resolution, and many fail somewhere: a mutator that only ever breaks the syntax, or never
/// breaks anything, would leave this target green without testing much.
#[test]
fn scenario_mutations_reach_validation() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = mutated(SCENARIOS);
    let (mut resolved, mut unreadable, mut invalid) = (0, 0, 0);
    for _ in 0..300 {
        let text = strategy.new_tree(&mut runner).expect("case").current();
        if serde_saphyr::from_str::<ScenarioFile>(&text).is_err() {
            unreadable += 1;
        } else if tenantless::scenario::parse(Path::new("fuzz.yaml"), &text, IdSource::new(7)).is_ok() {
            resolved += 1;
        } else {
            invalid += 1;
        }
    }
    let counts = format!("resolved {resolved}, invalid {invalid}, unreadable {unreadable}");
    eprintln!("{counts}");
    assert!(resolved >= 15 && invalid >= 15, "{counts}");
}

// Regressions: inputs the fuzz targets found, as plain tests. A rule or scenario must load or be
// rejected with an error, never panic.

/// A minimal rule whose `queryFrequency` is `frequency`.
fn rule_with_frequency(frequency: &str) -> Result<(), String> {
    let text = format!("name: r\nqueryFrequency: {frequency}\nqueryPeriod: 1h\nquery: T\n");
    let file = TempFile::new("regression");
    tenantless::verify::rule::load(file.with(text.as_bytes()))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn rule_huge_iso_day_count_is_an_error() {
    assert!(rule_with_frequency("P99999999999999D").is_err());
}

#[test]
fn rule_huge_dotnet_timespans_are_errors() {
    for text in [
        "99999999999999.00:00:00",
        "9999999999999999:00:00",
        "1:99999999999999999:0",
        "0:0:9223372036854775807",
    ] {
        assert!(rule_with_frequency(text).is_err(), "{text}");
    }
}
