//! `verify`: the bundled rules meet their expectations on the bundled scenarios, removing an
//! anomaly fails the run, broken rules are reported one by one, and runs are scheduled as Sentinel
//! schedules them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use tenantless::generate::{DEFAULT_SEED, GenerateOptions, generate};
use tenantless::manifest::Manifest;
use tenantless::verify::{self, Outcome, RuleResult, RuleStatus, engine::KqlEngine};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tenantless-verify-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn generate_into(scenario: &Path, out: &Path, end: Option<chrono::DateTime<chrono::Utc>>) -> Manifest {
    let options = GenerateOptions {
        scenarios: vec![scenario.to_owned()],
        seed: DEFAULT_SEED,
        out: out.to_owned(),
        end,
        days: None,
        force: true,
        background: None,
    };
    generate(&options, |_| {}).unwrap()
}

fn verify_dir(data: &Path, rules: &[PathBuf]) -> Vec<RuleResult> {
    let manifest = Manifest::read(data).unwrap();
    let (rule_files, correlations) = verify::discover(rules).unwrap();
    let mut engine = KqlEngine::load(data).unwrap();
    verify::run_all(&rule_files, &correlations, &manifest, &mut engine)
}

/// The detections scenario's output and its verification by the bundled rules, computed once.
fn detections() -> &'static (PathBuf, Vec<RuleResult>) {
    static CELL: OnceLock<(PathBuf, Vec<RuleResult>)> = OnceLock::new();
    CELL.get_or_init(|| {
        let out = temp_dir("detections").join("out");
        generate_into(&root().join("scenarios/detections.yaml"), &out, None);
        let results = verify_dir(&out, &[root().join("rules")]);
        (out, results)
    })
}

fn result<'a>(results: &'a [RuleResult], file: &str) -> &'a RuleResult {
    results
        .iter()
        .find(|r| r.path.file_stem().is_some_and(|s| s == file))
        .unwrap_or_else(|| panic!("no result for {file}"))
}

fn outcome<'a>(r: &'a RuleResult, expectation: &str) -> &'a Outcome {
    &r.expectations
        .iter()
        .find(|e| e.name == expectation)
        .unwrap_or_else(|| panic!("{}: no expectation `{expectation}` in {:?}", r.name, r.expectations))
        .outcome
}

#[test]
fn every_bundled_rule_meets_its_expectations_on_the_detections_scenario() {
    let (_, results) = detections();
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.passed())
        .map(|r| format!("{}: {:?} {:?}", r.name, r.status, r.expectations))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Not vacuous: every anomaly kind's rule caught something, checked by a scenario expectation.
    let checked = results
        .iter()
        .flat_map(|r| &r.expectations)
        .filter(|e| e.name.starts_with("scenario expects") && e.outcome == Outcome::Pass)
        .count();
    assert!(checked >= 12, "{checked} scenario expectations passed");
}

#[test]
fn the_seed_credential_rule_misses_the_rename_and_the_corrected_rule_catches_it() {
    let (_, results) = detections();
    // Verbatim, the seed's `==` misses the real operation name's trailing space (real-exports.md §3).
    let verbatim = result(results, "seed-credential-added-to-active-sp");
    assert_eq!(
        outcome(verbatim, "scenario expects: misses credential_added_to_active_sp"),
        &Outcome::Pass
    );
    let seed_rule = result(results, "seed-credential-rule-current");
    assert_eq!(
        outcome(seed_rule, "scenario expects: misses rename_then_credential"),
        &Outcome::Pass
    );
    assert_eq!(
        outcome(seed_rule, "scenario expects: catches credential_added_to_active_sp"),
        &Outcome::Pass
    );
    let corrected = result(results, "credential-added-survives-rename");
    assert_eq!(
        outcome(corrected, "scenario expects: catches rename_then_credential"),
        &Outcome::Pass
    );
    let RuleStatus::Ran { missed, .. } = &corrected.status else {
        panic!("{:?}", corrected.status)
    };
    assert!(missed.is_empty());
}

#[test]
fn near_misses_stay_quiet_where_rules_promise_it() {
    let (_, results) = detections();
    for file in [
        "failed-signins-burst",
        "keyvault-mass-read",
        "ca-policy-deleted-by-app",
        "signin-from-unusual-ip",
        "signin-without-activity",
    ] {
        let r = result(results, file);
        let quiet: Vec<_> = r.expectations.iter().filter(|e| e.name.starts_with("quiet on")).collect();
        assert!(!quiet.is_empty(), "{file} has a near-miss expectation");
        assert!(quiet.iter().all(|e| e.outcome == Outcome::Pass), "{file}: {quiet:?}");
    }
}

#[test]
fn removing_an_anomaly_from_the_scenario_makes_verify_fail() {
    // Removed from the file, the anomaly's expectation names a behaviour the scenario no longer
    // injects: `generate` refuses it, at the expectation.
    let text = std::fs::read_to_string(root().join("scenarios/detections.yaml")).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.contains("kind: keyvault_mass_read"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(without, text);
    let dir = temp_dir("removed");
    let scenario = dir.join("detections.yaml");
    std::fs::write(&scenario, without).unwrap();
    let out = dir.join("out");
    let run = tenantless(&["generate", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no anomaly of this scenario is `keyvault_mass_read`"), "{stderr}");
    assert!(stderr.contains("detections.yaml:"), "located: {stderr}");
    // Cut from the period by `--days`, it is absent from the data: `verify` fails the expectation.
    let run = tenantless(&[
        "generate",
        "scenarios/detections.yaml",
        "--days",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let run = tenantless(&[
        "verify",
        "--data",
        out.to_str().unwrap(),
        "--rules",
        root().join("rules/keyvault-mass-read.yaml").to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", String::from_utf8_lossy(&run.stdout));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("scenario expects: catches keyvault_mass_read: the data has no keyvault_mass_read anomaly"),
        "{stdout}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

fn tenantless(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantless"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

#[test]
fn broken_rules_are_reported_one_by_one_without_stopping_the_others() {
    let dir = temp_dir("broken");
    let rule = |name: &str, query: &str| {
        format!("name: {name}\nqueryFrequency: 1h\nqueryPeriod: 1d\ntriggerOperator: gt\ntriggerThreshold: 0\nquery: |\n  {query}\n")
    };
    std::fs::write(
        dir.join("a-syntax.yaml"),
        rule("Syntax error", "AADServicePrincipalSignInLogs | where ResultType != "),
    )
    .unwrap();
    std::fs::write(
        dir.join("b-table.yaml"),
        rule("Unknown table", "AADServicePrincipalSigninLog | take 1"),
    )
    .unwrap();
    std::fs::write(
        dir.join("c-unsupported.yaml"),
        rule("Unsupported operator", "AADServicePrincipalSignInLogs | evaluate schema_merge()"),
    )
    .unwrap();
    std::fs::write(dir.join("d-yaml.yaml"), "name: [unclosed\n").unwrap();
    std::fs::write(
        dir.join("e-good.yaml"),
        rule("Good", "AADServicePrincipalSignInLogs | where ResultType != \"0\""),
    )
    .unwrap();
    let (data, _) = detections();
    let results = verify_dir(data, std::slice::from_ref(&dir));
    assert_eq!(results.len(), 5);
    let status = |file: &str| &result(&results, file).status;
    assert!(
        matches!(status("a-syntax"), RuleStatus::Failed(m) if m.contains("expected an expression") && m.contains('^')),
        "{:?}",
        status("a-syntax")
    );
    assert!(
        matches!(status("b-table"), RuleStatus::Failed(m) if m.contains("AADServicePrincipalSignInLogs")),
        "suggests the closest table: {:?}",
        status("b-table")
    );
    assert!(
        matches!(status("c-unsupported"), RuleStatus::NotExecutable(f) if f.contains("schema_merge")),
        "{:?}",
        status("c-unsupported")
    );
    assert!(
        matches!(status("d-yaml"), RuleStatus::Failed(m) if m.starts_with("cannot load")),
        "{:?}",
        status("d-yaml")
    );
    assert!(
        matches!(status("e-good"), RuleStatus::Ran { alerts, .. } if !alerts.is_empty()),
        "{:?}",
        status("e-good")
    );
    // The CLI says the same, exits 1, and writes JUnit with one test case per rule and expectation.
    let junit = dir.join("junit.xml");
    let run = tenantless(&[
        "verify",
        "--data",
        data.to_str().unwrap(),
        "--rules",
        dir.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("not executable: `evaluate schema_merge`"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testsuite ").count(), 5);
    assert!(xml.contains("<skipped message=\"not executable: `evaluate schema_merge`"), "{xml}");
    assert!(xml.contains("<failure message="));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_run_sees_only_its_query_period_before_the_tick() {
    // Detections' first burst of failures starts 03:10 on day one. With queryPeriod 1h, the run at
    // 04:00 sees it; the run at 05:00, two hours after it, does not.
    use tenantless::verify::Engine;
    let (data, _) = detections();
    let manifest = Manifest::read(data).unwrap();
    let burst = manifest.anomalies.iter().find(|a| a.id == "A1").unwrap();
    assert_eq!(burst.window.start, "2026-11-25T03:10:00.0000000Z");
    let rule_path = temp_dir("schedule").join("hourly.yaml");
    std::fs::write(&rule_path, "name: Hourly failures\nqueryFrequency: 1h\nqueryPeriod: 1h\nquery: |\n  AADServicePrincipalSignInLogs\n  | where ResultType != \"0\"\n").unwrap();
    let rule = verify::rule::load(&rule_path).unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(&manifest.time_range.start)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let ticks = verify::ticks(start, start + chrono::TimeDelta::days(2), rule.frequency);
    let at = |hour: i64| *ticks.iter().find(|t| **t == start + chrono::TimeDelta::hours(hour)).unwrap();
    let mut engine = KqlEngine::load(data).unwrap();
    let mut rows_at = |tick| engine.run(&rule.file.query, tick, (tick - rule.period, tick)).unwrap().rows.len();
    assert_eq!(rows_at(at(4)), 6, "the 04:00 run sees the six failures");
    assert_eq!(rows_at(at(5)), 0, "the 05:00 run, two hours later, sees none of them");
}

#[test]
fn fixtures_generated_with_end_now_are_caught_by_ago_based_rules() {
    let dir = temp_dir("now");
    let out = dir.join("out");
    let now = chrono::Utc::now();
    let manifest = generate_into(&root().join("scenarios/seed.yaml"), &out, Some(now));
    assert!(manifest.time_range.end.starts_with(&now.format("%Y-%m-%dT%H:%M").to_string()));
    let results = verify_dir(
        &out,
        &[
            root().join("rules/seed-failed-signins.yaml"),
            root().join("rules/seed-credential-rule-current.yaml"),
        ],
    );
    for r in &results {
        assert!(r.passed(), "{}: {:?}", r.name, r.expectations);
        let RuleStatus::Ran { caught, .. } = &r.status else { panic!() };
        assert!(!caught.is_empty(), "{} caught nothing", r.name);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn explain_shows_rows_per_stage_where_a_label_lay() {
    let (data, _) = detections();
    let run = tenantless(&[
        "verify",
        "--data",
        data.to_str().unwrap(),
        "--rules",
        "rules/keyvault-mass-read.yaml",
        "--explain",
        "keyvault-mass-read",
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("explain: Mass secret retrieval from Key Vault"), "{stdout}");
    assert!(stdout.contains("rows  AzureDiagnostics"), "{stdout}");
    assert!(stdout.contains("rows  where Secrets >= 10"), "{stdout}");
}

#[test]
fn every_bundled_rule_meets_its_expectations_on_the_other_bundled_scenarios() {
    // tenant-large is left out: a week of it is millions of rows for a debug build; it is the
    // estimator's scenario.
    for name in ["seed.yaml", "tenant-small.yaml"] {
        let out = temp_dir(&format!("bundled-{name}")).join("out");
        generate_into(&root().join("scenarios").join(name), &out, None);
        let results = verify_dir(&out, &[root().join("rules")]);
        let failures: Vec<String> = results
            .iter()
            .filter(|r| !r.passed())
            .map(|r| format!("{}: {:?} {:?}", r.name, r.status, r.expectations))
            .collect();
        assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
        let caught = results
            .iter()
            .filter(|r| matches!(&r.status, RuleStatus::Ran { caught, .. } if !caught.is_empty()))
            .count();
        assert!(caught >= 3, "{name}: only {caught} rules caught anything");
    }
}

#[test]
fn each_result_is_printed_as_it_completes_and_a_slow_rule_times_out_as_a_failure() {
    use std::io::BufRead;
    let dir = temp_dir("timeout");
    let rule = |name: &str, frequency: &str, query: &str| {
        format!("name: {name}\nqueryFrequency: {frequency}\nqueryPeriod: 1d\nquery: |\n  {query}\n")
    };
    std::fs::write(
        dir.join("a-fast.yaml"),
        rule("Fast first", "1h", "AADServicePrincipalSignInLogs | where ResultType != \"0\""),
    )
    .unwrap();
    // A cartesian join over `range` in every one of hundreds of 5-minute runs: minutes of work.
    let slow = "range x from 1 to 500 step 1 | extend k = 1 | join kind=inner (range y from 1 to 500 step 1 | extend k = 1) on k | count";
    std::fs::write(dir.join("b-slow.yaml"), rule("Slow", "5m", slow)).unwrap();
    std::fs::write(dir.join("c-fast.yaml"), rule("Fast last", "1h", "AuditLogs | take 1")).unwrap();
    let (data, _) = detections();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantless"))
        .args(["verify", "--data", data.to_str().unwrap(), "--rules", dir.to_str().unwrap()])
        .args(["--rule-timeout", "2s"])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    // The first result is out while the slow rule still runs, not held back to the end.
    let running = child.try_wait().unwrap().is_none();
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    let stdout = format!("{first}\n{}", rest.join("\n"));
    assert!(first.starts_with("ok   Fast first"), "{stdout}");
    assert!(running, "the first result was printed only once verify had finished:\n{stdout}");
    assert_eq!(status.code(), Some(1), "{stdout}");
    let slow_at = stdout.find("FAIL Slow").unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        stdout[slow_at..].contains("failed: timed out: took longer than --rule-timeout 2s"),
        "{stdout}"
    );
    let last_at = stdout
        .find("ok   Fast last")
        .unwrap_or_else(|| panic!("the rule after the slow one ran:\n{stdout}"));
    let summary_at = stdout
        .find("rule(s) and correlation(s): 2 passed, 1 failed")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(slow_at < last_at && last_at < summary_at, "{stdout}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_unknown_explain_name_is_a_usage_error_with_a_suggestion() {
    let (data, _) = detections();
    let run = tenantless(&[
        "verify",
        "--data",
        data.to_str().unwrap(),
        "--rules",
        "rules",
        "--explain",
        "keyvault-mass-reed",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--explain: no rule named `keyvault-mass-reed`; did you mean `keyvault-mass-read`?"),
        "{stderr}"
    );
    assert!(run.stdout.is_empty(), "no rule ran before the usage error");
}

#[test]
fn an_empty_query_is_an_error_at_its_line() {
    let dir = temp_dir("empty-query");
    for (file, text) in [
        ("quoted.yaml", "name: Empty\nqueryFrequency: 1h\nquery: \"\"\n"),
        ("block.yaml", "name: Empty\nqueryFrequency: 1h\nquery: |\n  \n"),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        let err = verify::rule::load(&path).unwrap_err().to_string();
        let at = format!("{}:3:8: the query is empty", path.display());
        assert!(err.starts_with(&at), "{err}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn absurd_durations_in_rules_are_located_errors_not_panics() {
    let dir = temp_dir("durations");
    for (i, (field, value)) in [
        ("queryFrequency", "P99999999999999D"),
        ("queryFrequency", "99999999999999:00:00"),
        ("queryPeriod", "P9223372036854775807D"),
        ("queryPeriod", "00:99999999999999999:00"),
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.join(format!("rule{i}.yaml"));
        std::fs::write(&path, format!("name: Absurd\n{field}: {value}\nquery: AuditLogs\n")).unwrap();
        let err = verify::rule::load(&path).unwrap_err().to_string();
        let at = format!(
            "{}:2:{}: {field}: `{value}` is too long a duration",
            path.display(),
            field.len() + 3
        );
        assert!(err.starts_with(&at), "{err}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn trigger_errors_are_located_at_their_field() {
    let dir = crate::support::TempDir::new("trigger");
    for (text, at) in [
        (
            "name: T\ntriggerOperator: sometimes\nquery: AuditLogs\n",
            ":2:18: triggerOperator `sometimes`",
        ),
        (
            "name: T\ntriggerThreshold: many\nquery: AuditLogs\n",
            ":2:19: triggerThreshold `many`",
        ),
    ] {
        let path = dir.join("rule.yaml");
        std::fs::write(&path, text).unwrap();
        let err = verify::rule::load(&path).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}{at}", path.display())), "{err}");
    }
}

/// Sentinel fills hunting queries' `{{StartTimeISO}}` and `{{EndTimeISO}}` with the time range
/// they run over; `verify` binds them to each run's lookback (published hunting queries read
/// them as `todatetime('{{StartTimeISO}}')`).
#[test]
fn hunting_time_placeholders_are_bound_to_each_runs_lookback() {
    let (data, _) = detections();
    let dir = temp_dir("placeholders");
    let rule = dir.join("hunting.yaml");
    std::fs::write(
        &rule,
        "name: CA policy deleted (hunting)\nqueryFrequency: 1h\nqueryPeriod: 1h\nquery: |\n  let starttime = todatetime('{{StartTimeISO}}');\n  let endtime = todatetime('{{EndTimeISO}}');\n  AuditLogs\n  | where TimeGenerated between (starttime .. endtime)\n  | where OperationName == \"Delete conditional access policy\"\n  | extend App = tostring(InitiatedBy.app.displayName)\ntenantless:\n  catches: [ca_policy_deleted_by_app]\n  noisy_on: [ca_policy_deleted_by_app]\n",
    )
    .unwrap();
    let results = verify_dir(data, &[rule]);
    assert!(results[0].passed(), "{:?}", results[0]);
    let RuleStatus::Ran { alerts, .. } = &results[0].status else {
        panic!("{:?}", results[0].status)
    };
    // The attack and its near-miss: one deletion each, each seen by exactly one hourly run.
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn rules_call_stored_functions_whose_tables_get_each_runs_window() {
    let dir = temp_dir("stored-functions");
    std::fs::create_dir_all(dir.join("functions")).unwrap();
    // The parser names the table; the rule only names the parser, so the table's rows must reach
    // the run through the function's body.
    std::fs::write(
        dir.join("functions/parser.yaml"),
        "ParserName: FixtureSignIns\nParserQuery: |\n  AADServicePrincipalSignInLogs\n  | extend TargetUsername = ServicePrincipalName\n",
    )
    .unwrap();
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("calls-parser.yaml"),
        "name: Calls a parser\nqueryFrequency: 1d\nqueryPeriod: 1d\ntriggerOperator: gt\ntriggerThreshold: 0\nquery: |\n  FixtureSignIns | where isnotempty(TargetUsername)\n",
    )
    .unwrap();
    let (data, _) = detections();
    let manifest = Manifest::load(data).unwrap();
    let (rule_files, correlations) = verify::discover(std::slice::from_ref(&rules)).unwrap();
    let mut engine = KqlEngine::load(data).unwrap();
    let without = verify::run_all(&rule_files, &correlations, &manifest, &mut engine.clone());
    assert!(
        matches!(&without[0].status, RuleStatus::Failed(m) if m.contains("FixtureSignIns")),
        "{:?}",
        without[0].status
    );
    let functions = tenantless::function_files::load(&[dir.join("functions")], &mut |w| panic!("{w}")).unwrap();
    engine.set_functions(std::sync::Arc::new(functions));
    let with = verify::run_all(&rule_files, &correlations, &manifest, &mut engine);
    assert!(
        matches!(&with[0].status, RuleStatus::Ran { alerts, .. } if !alerts.is_empty()),
        "{:?}",
        with[0].status
    );
}

/// `verify` loads the data once with only the columns its rules read (issue 13): over the
/// detections scenario, the bundled rules and their correlations give the report the whole tables
/// give, rule by rule; a rule that fails on a misspelled column is run again over every column, so
/// the suggestion can name a column no rule reads.
#[test]
fn rules_over_only_the_columns_they_read_give_the_report_every_column_gives() {
    let (data, _) = detections();
    let misspelled = temp_dir("misspelled");
    std::fs::write(
        misspelled.join("typo.yaml"),
        "name: Typo\nqueryFrequency: 1h\nqueryPeriod: 1d\ntriggerOperator: gt\ntriggerThreshold: 0\nquery: |\n  AADServicePrincipalSignInLogs | summarize count() by ServicePrincipalCredentialThumbprnt\n",
    )
    .unwrap();
    let rules = [root().join("rules"), misspelled.clone()];
    let manifest = Manifest::read(data).unwrap();
    let (rule_files, correlations) = verify::discover(&rules).unwrap();
    let queries = verify::queries(&rule_files, &correlations, &manifest);
    assert!(queries.len() >= rule_files.len(), "{} queries", queries.len());
    let functions = tenantless::kql::stored::StoredFunctions::default();
    let mut narrowed = KqlEngine::load_for_queries(data, &queries, &functions).unwrap();
    let mut whole = KqlEngine::load(data).unwrap();
    let render = |results: Vec<RuleResult>| results.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>();
    let got = render(verify::run_all(&rule_files, &correlations, &manifest, &mut narrowed));
    let expected = render(verify::run_all(&rule_files, &correlations, &manifest, &mut whole));
    assert_eq!(got.len(), expected.len());
    for (got, expected) in got.iter().zip(&expected) {
        assert_eq!(got, expected);
    }
    let typo = got.iter().find(|r| r.contains("Typo")).expect("the misspelled rule ran");
    assert!(typo.contains("ServicePrincipalCredentialThumbprint"), "{typo}");
    std::fs::remove_dir_all(misspelled).unwrap();
}

/// `verify --transform`: a transformation that drops the credential changes costs the credential
/// rules their detection (listed, and failing the run), one that drops nothing they read costs
/// nothing, and a table without transformations is refused.
#[test]
fn a_transformation_that_drops_what_a_rule_reads_is_reported_as_a_lost_detection() {
    let dir = temp_dir("transform");
    let data = dir.join("out");
    let manifest = generate_into(&root().join("scenarios/seed.yaml"), &data, None);
    let credential = manifest
        .anomalies
        .iter()
        .find(|l| l.behaviour() == "credential_added_to_active_sp")
        .unwrap();
    let drop_creds = dir.join("drop-creds.kql");
    std::fs::write(&drop_creds, "source\n| where OperationName !has 'Certificates and secrets'\n").unwrap();
    let data_arg = data.to_str().unwrap();
    let spec = format!("AuditLogs={}", drop_creds.display());
    let out = tenantless(&["verify", "--data", data_arg, "--transform", &spec, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &report["transformations"];
    assert!(
        t["applied"][0]["rows_kept"].as_u64().unwrap() < t["applied"][0]["rows_in"].as_u64().unwrap(),
        "{t}"
    );
    let lost: Vec<&serde_json::Value> = t["no_longer_caught"].as_array().unwrap().iter().collect();
    assert!(!lost.is_empty(), "{t}");
    assert!(lost.iter().all(|l| l["id"] == credential.id.as_str()), "{t}");
    assert!(
        lost.iter()
            .any(|l| l["path"].as_str().unwrap().ends_with("seed-credential-rule-current.yaml")),
        "{t}"
    );

    let keep_all = dir.join("keep.kql");
    std::fs::write(&keep_all, "source | where isnotempty(OperationName)").unwrap();
    let spec = format!("AuditLogs={}", keep_all.display());
    let out = tenantless(&["verify", "--data", data_arg, "--transform", &spec]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("every anomaly the rules caught over the data as generated is still caught"),
        "{text}"
    );

    let out = tenantless(&[
        "verify",
        "--data",
        data_arg,
        "--transform",
        &format!("AzureDiagnostics={}", keep_all.display()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AzureDiagnostics does not support ingestion-time transformations"));
}

/// The same rules as Sentinel YAML, as one ARM template export of the portal (two
/// `alertRules` resources) and as the Sentinel REST API's list: identical `verify` results.
#[test]
fn the_same_rules_in_yaml_arm_and_rest_json_verify_alike() {
    let dir = temp_dir("formats");
    let data = dir.join("out");
    generate_into(&root().join("scenarios/seed.yaml"), &data, None);
    let stems = ["seed-failed-signins", "seed-credential-rule-current"];
    let (yaml_dir, arm_dir, rest_dir) = (dir.join("yaml"), dir.join("arm"), dir.join("rest"));
    for d in [&yaml_dir, &arm_dir, &rest_dir] {
        std::fs::create_dir_all(d).unwrap();
    }
    let mut resources = Vec::new();
    let mut rest = Vec::new();
    for stem in stems {
        let text = std::fs::read_to_string(root().join(format!("rules/{stem}.yaml"))).unwrap();
        // The `tenantless:` block has no place in an export: compare without it.
        let text = &text[..text.find("\ntenantless:").map_or(text.len(), |i| i + 1)];
        std::fs::write(yaml_dir.join(format!("{stem}.yaml")), text).unwrap();
        let mut rule: serde_json::Value = serde_saphyr::from_str(text).unwrap();
        let rule = rule.as_object_mut().unwrap();
        let id = rule.remove("id").unwrap();
        let kind = rule.remove("kind").unwrap_or(serde_json::json!("Scheduled"));
        let name = rule.remove("name").unwrap();
        rule.insert("displayName".into(), name);
        // As exported: ISO 8601 periods and spelled-out operators.
        let iso = |v: &serde_json::Value| match v.as_str() {
            Some("1h") => "PT1H".to_owned(),
            Some("1d") => "P1D".to_owned(),
            Some(other) => other.to_owned(),
            None => v.to_string(),
        };
        for key in ["queryFrequency", "queryPeriod"] {
            if let Some(v) = rule.get(key).cloned() {
                rule.insert(key.into(), serde_json::json!(iso(&v)));
            }
        }
        rule.insert("triggerOperator".into(), serde_json::json!("GreaterThan"));
        resources.push(serde_json::json!({
            "id": format!("[concat(resourceId('Microsoft.OperationalInsights/workspaces/providers', parameters('workspace'), 'Microsoft.SecurityInsights'),'/alertRules/{}')]", id.as_str().unwrap()),
            "name": format!("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/{}')]", id.as_str().unwrap()),
            "type": "Microsoft.OperationalInsights/workspaces/providers/alertRules",
            "kind": kind,
            "apiVersion": "2023-12-01-preview",
            "properties": rule.clone(),
        }));
        rest.push(serde_json::json!({
            "id": format!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws/providers/Microsoft.SecurityInsights/alertRules/{}", id.as_str().unwrap()),
            "name": id, "type": "Microsoft.SecurityInsights/alertRules", "kind": kind, "properties": rule.clone(),
        }));
    }
    let template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"workspace": {"type": "String"}},
        "resources": resources,
    });
    std::fs::write(arm_dir.join("export.json"), serde_json::to_string_pretty(&template).unwrap()).unwrap();
    std::fs::write(
        rest_dir.join("rules.json"),
        serde_json::to_string_pretty(&serde_json::json!({"value": rest})).unwrap(),
    )
    .unwrap();
    let summary = |results: Vec<RuleResult>| {
        let mut lines: Vec<String> = results
            .iter()
            .map(|r| match &r.status {
                RuleStatus::Ran {
                    alerts,
                    true_positives,
                    false_positives,
                    missed,
                    caught,
                } => {
                    format!(
                        "{}: {} alerts, {true_positives} true, {false_positives} false, missed {missed:?}, caught {caught:?}",
                        r.name,
                        alerts.len()
                    )
                }
                other => format!("{}: {other:?}", r.name),
            })
            .collect();
        lines.sort();
        lines
    };
    let yaml = summary(verify_dir(&data, &[yaml_dir]));
    assert_eq!(yaml.len(), 2, "{yaml:?}");
    assert!(yaml.iter().all(|l| l.contains(" true,") && !l.contains(": 0 alerts")), "{yaml:?}");
    assert_eq!(summary(verify_dir(&data, &[arm_dir])), yaml);
    assert_eq!(summary(verify_dir(&data, &[rest_dir])), yaml);
}
