//! Stored functions (`--functions`, issue 12 §2 "ASIM parsers"): ASIM-shaped parser YAML and
//! `.kql` files load as functions that queries call by name — bare, positionally or by parameter
//! name — whose bodies see only their parameters, the tables and each other, and whose errors
//! point into their own file.

use std::sync::Arc;

use tenantless::kql::{self, Catalog, RunOptions, Value};

use crate::support::kql::seed_fixture;
use crate::support::{TempDir, query_bin, stderr_of};

/// A parser in the shape of Sentinel's ASIM parser files (written for this test): declared
/// parameters with YAML-typed defaults (an unquoted string, a bool, KQL text) and an inner
/// `let` function called with them.
const PARSER: &str = "\
Parser:
  Title: Service principal sign-ins as authentication events (test fixture)
  Version: '0.1'
ParserName: ASimAuthenticationFixtureSP
EquivalentBuiltInParser: _ASim_Authentication_FixtureSP
ParserParams:
  - Name: starttime
    Type: datetime
    Default: datetime(null)
  - Name: username_has
    Type: string
    Default: '*'
  - Name: disabled
    Type: bool
    Default: false
ParserQuery: |
  let parser = (starttime: datetime, username_has: string, disabled: bool) {
    AADServicePrincipalSignInLogs
    | where not(disabled)
    | where isnull(starttime) or TimeGenerated >= starttime
    | where username_has == '*' or ServicePrincipalName has username_has
    | extend EventResult = iff(ResultType == '0', 'Success', 'Failure'), TargetUsername = ServicePrincipalName
  };
  parser(starttime, username_has, disabled)
";

/// A function in the `FunctionName`/`FunctionQuery` shape that calls the parser and a `.kql`
/// function.
const FUNCTION: &str = "\
Function:
  Title: Failed service principal sign-ins (test fixture)
FunctionName: FixtureFailures
FunctionParams:
  - Name: limit
    Type: long
    Default: 100
FunctionQuery: |
  ASimAuthenticationFixtureSP
  | where EventResult == 'Failure'
  | lookup FixtureResultNames on ResultType
  | take limit
";

fn functions_dir() -> TempDir {
    let dir = TempDir::new("functions");
    dir.write("parser.yaml", PARSER);
    dir.write("failures.yml", FUNCTION);
    dir.write(
        "FixtureResultNames.kql",
        "// Result codes by name.\ndatatable(ResultType: string, ResultName: string)['7000215', 'invalid secret', '0', 'ok']\n",
    );
    // Not a function (no query): skipped, as a parsers folder's other YAML is.
    dir.write("README.yaml", "Title: notes\n");
    dir
}

struct World {
    catalog: Catalog,
    options: RunOptions,
    _dirs: (TempDir, TempDir),
}

fn options_with(functions: &TempDir) -> Result<RunOptions, String> {
    let loaded = tenantless::function_files::load(&[functions.path().to_owned()], &mut |w| panic!("{w}")).map_err(|e| e.to_string())?;
    Ok(RunOptions {
        functions: Arc::new(loaded),
        ..RunOptions::default()
    })
}

fn seeded() -> World {
    let data = seed_fixture();
    let functions = functions_dir();
    World {
        catalog: kql::load_jsonl_dir(data.path()).expect("load the fixture"),
        options: options_with(&functions).expect("the functions load"),
        _dirs: (data, functions),
    }
}

impl World {
    fn run(&self, query: &str) -> Result<kql::Table, String> {
        kql::run(query, &self.catalog, &self.options)
            .map(|mut t| t.pop().expect("a result"))
            .map_err(|e| e.to_string())
    }

    fn count(&self, query: &str) -> i64 {
        let t = self.run(&format!("{query} | count")).unwrap_or_else(|e| panic!("{query}:\n{e}"));
        match t.rows[0][0] {
            Value::Long(n) => n,
            ref other => panic!("count is {other:?}"),
        }
    }
}

#[test]
fn an_asim_parser_is_called_bare_by_position_by_name_and_by_its_builtin_alias() {
    let w = seeded();
    let all = w.count("AADServicePrincipalSignInLogs");
    assert!(all > 0, "the fixture has service principal sign-ins");
    assert_eq!(w.count("ASimAuthenticationFixtureSP"), all, "bare: every default applies");
    assert_eq!(w.count("_ASim_Authentication_FixtureSP()"), all, "the built-in alias");
    assert_eq!(w.count("ASimAuthenticationFixtureSP(disabled = true)"), 0, "by name");
    assert_eq!(
        w.count("ASimAuthenticationFixtureSP(datetime(null), 'no-such-principal')"),
        0,
        "by position"
    );
    let name = w
        .run("AADServicePrincipalSignInLogs | take 1 | project ServicePrincipalName")
        .unwrap()
        .rows[0][0]
        .to_kql_string();
    let by_name = w.count(&format!("AADServicePrincipalSignInLogs | where ServicePrincipalName has '{name}'"));
    assert_eq!(w.count(&format!("ASimAuthenticationFixtureSP(username_has = '{name}')")), by_name);
    let later = w.count("AADServicePrincipalSignInLogs | where TimeGenerated >= datetime(2026-11-28T10:00:00Z)");
    assert_eq!(
        w.count("ASimAuthenticationFixtureSP(starttime = datetime(2026-11-28T10:00:00Z))"),
        later
    );
    let t = w.run("ASimAuthenticationFixtureSP | take 1").unwrap();
    assert!(t.column_names().contains(&"EventResult") && t.column_names().contains(&"TargetUsername"));
}

#[test]
fn stored_functions_call_each_other_and_kql_files_are_named_by_their_stem() {
    let w = seeded();
    let failures = w.count("AADServicePrincipalSignInLogs | where ResultType != '0'");
    assert_eq!(w.count("FixtureFailures"), failures.min(100));
    assert_eq!(w.count("FixtureFailures(limit = 0)"), 0);
    assert_eq!(w.count("FixtureResultNames"), 2);
}

#[test]
fn a_query_let_shadows_a_stored_function_but_a_body_never_sees_the_query_lets() {
    let w = seeded();
    assert_eq!(w.count("let FixtureResultNames = datatable(a: long)[1]; FixtureResultNames"), 1);
    // The stored FixtureFailures still sees the stored FixtureResultNames, not the query's.
    let failures = w.count("AADServicePrincipalSignInLogs | where ResultType != '0'");
    assert_eq!(
        w.count("let FixtureResultNames = datatable(a: long)[1]; FixtureFailures"),
        failures.min(100)
    );
}

#[test]
fn an_error_inside_a_stored_function_points_at_its_line_in_the_yaml_file() {
    let functions = functions_dir();
    functions.write(
        "broken.yaml",
        "FunctionName: Broken\nFunctionQuery: |\n  AADServicePrincipalSignInLogs\n  | where NoSuchColumn == 1\n",
    );
    let data = seed_fixture();
    let catalog = kql::load_jsonl_dir(data.path()).unwrap();
    let options = options_with(&functions).unwrap();
    let e = kql::run("Broken | count", &catalog, &options).unwrap_err().to_string();
    let file = functions.join("broken.yaml");
    assert!(e.starts_with(&format!("{}:4:11:", file.display())), "{e}");
    assert!(e.contains("NoSuchColumn") && e.contains(" 4 |   | where NoSuchColumn == 1"), "{e}");
    // The caller's own mistakes still point into the query.
    let e = kql::run("FixtureFailures(nope = 1)", &catalog, &options).unwrap_err().to_string();
    assert!(e.starts_with("<query>:1:17: the function has no parameter `nope`"), "{e}");
}

#[test]
fn a_function_that_does_not_parse_loads_as_the_error_calling_it_gives() {
    // A folder of published parsers loads whole: one that does not parse (or uses KQL tenantless
    // lacks) only fails when called, with its own error at its place in its file.
    let functions = functions_dir();
    functions.write(
        "syntax.yaml",
        "ParserName: P\nParserQuery: |\n  AADServicePrincipalSignInLogs\n  | wher x\n",
    );
    functions.write("lacks.yaml", "ParserName: Lacks\nParserQuery: |\n  set querytrace;\n  AuditLogs\n");
    let options = options_with(&functions).expect("the folder loads");
    let catalog = Catalog::new();
    let e = kql::run("P | count", &catalog, &options).unwrap_err().to_string();
    assert!(e.starts_with("<query>:1:1: stored function `P` does not load:"), "{e}");
    assert!(
        e.contains("syntax.yaml:4:5: unknown tabular operator `wher`; did you mean `where`?"),
        "{e}"
    );
    let e = kql::run("Lacks", &catalog, &options).unwrap_err();
    assert!(matches!(&e, kql::KqlError::Unsupported(what) if what.contains("set")), "{e}");
    assert_eq!(options.functions.broken_functions().count(), 2);
    // The others still run.
    assert!(kql::run("FixtureResultNames", &catalog, &options).is_ok());
}

#[test]
fn a_function_file_that_is_not_a_function_is_an_error_at_its_place() {
    let functions = TempDir::new("bad-param");
    functions.write(
        "param.yaml",
        "ParserName: P\nParserParams:\n  - Name: since\n    Type: datetime\n    Default: datetime(2026\nParserQuery: |\n  print 1\n",
    );
    let e = options_with(&functions).unwrap_err();
    assert!(e.contains("param.yaml:3:11: parameter `since`"), "{e}");

    let functions = TempDir::new("nameless");
    functions.write("nameless.yaml", "Title: x\nParserQuery: |\n  print 1\n");
    let e = options_with(&functions).unwrap_err();
    assert!(e.contains("nameless.yaml:3:") && e.contains("add `ParserName:`"), "{e}");

    // Not YAML at all: named, an error; in a folder, skipped with a warning naming its place,
    // as a folder of published parsers holds the odd broken file.
    let functions = TempDir::new("bad-yaml");
    functions.write("broken.yaml", "ParserName: [unclosed\n");
    let e = tenantless::function_files::load(&[functions.join("broken.yaml")], &mut |w| panic!("{w}")).unwrap_err();
    assert!(e.to_string().contains("broken.yaml:"), "{e}");
    functions.write("good.yaml", "ParserName: Good\nParserQuery: |\n  print 1\n");
    let mut warnings = Vec::new();
    let loaded = tenantless::function_files::load(&[functions.path().to_owned()], &mut |w| warnings.push(w)).expect("the folder loads");
    assert!(loaded.get("Good").is_some(), "the good file loads");
    assert!(warnings.len() == 1 && warnings[0].contains("broken.yaml:1:"), "{warnings:?}");
}

#[test]
fn named_arguments_are_checked_against_the_parameters() {
    use crate::support::kql::eval_err;
    let f = "let f = (a: long = 1, b: long = 2) { print x = a + b };\n";
    let e = eval_err(&format!("{f}f(bb = 5)"));
    assert!(
        e.contains("<query>:2:3: the function has no parameter `bb`; did you mean `b`?"),
        "{e}"
    );
    let e = eval_err(&format!("{f}f(b = 5, b = 6)"));
    assert!(e.contains("parameter `b` is given twice"), "{e}");
    let e = eval_err(&format!("{f}f(b = 5, 3)"));
    assert!(e.contains("<query>:2:10: a positional argument cannot follow a named one"), "{e}");
    let e = eval_err("print strlen(s = 'x')");
    assert!(e.contains("<query>:1:14:") && e.contains("names a parameter"), "{e}");
    let t = crate::support::kql::eval(&format!("{f}f(b = 5)"));
    assert_eq!(crate::support::kql::scalar(&t, "x"), Value::Long(6));
}

#[test]
fn the_cli_loads_functions_for_query_and_names_a_bad_file() {
    let data = seed_fixture();
    let functions = functions_dir();
    let dir = functions.path().to_str().unwrap();
    let out = query_bin(
        data.path(),
        &["--functions", dir, "--format", "csv", "ASimAuthenticationFixtureSP | count"],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let all = query_bin(data.path(), &["--format", "csv", "AADServicePrincipalSignInLogs | count"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&all.stdout));

    functions.write("bad.yaml", "ParserName: Bad\nParserQuery: |\n  print (\n");
    let out = query_bin(data.path(), &["--functions", dir, "Bad"]);
    assert_eq!(out.status.code(), Some(1), "a query error");
    assert!(
        stderr_of(&out).contains("bad.yaml:4:1: expected an expression"),
        "{}",
        stderr_of(&out)
    );
    functions.write("bad.yaml", "ParserName: [Bad\n");
    let file = functions.join("bad.yaml");
    let out = query_bin(data.path(), &["--functions", file.to_str().unwrap(), "print 1"]);
    assert_eq!(out.status.code(), Some(2), "bad input");
    assert!(stderr_of(&out).contains("bad.yaml:"), "{}", stderr_of(&out));
    let out = query_bin(data.path(), &["--functions", dir, "print 1"]);
    assert!(out.status.success(), "a folder's broken file is skipped: {}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("warning: skipped") && stderr_of(&out).contains("bad.yaml:"),
        "{}",
        stderr_of(&out)
    );
}
