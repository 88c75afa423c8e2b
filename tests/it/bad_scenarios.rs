//! Bad scenarios: each mistake exits with code 2, names `file:line:col` on the offending line, says
//! what is wrong, gives a `hint:`, and leaves no output directory (nor a staging sibling) behind.
//! Also: a non-empty directory that is not a tenantless output is refused, even with `--force`.

use crate::support::{TempDir, run_bin, stderr_of};
use std::path::Path;

/// A valid scenario; each case below changes one thing in it.
const BASE: &str = "\
name: bad
tenant:
  domain: contoso.onmicrosoft.com
period:
  start: 2026-11-27T00:00:00Z
  duration: 1d
subscriptions:
  - name: prod
    resource_groups: [rg-app]
resources:
  virtual_machines:
    - name: vm-01
      resource_group: rg-app
  key_vaults:
    - name: kv-prod
      resource_group: rg-app
      secrets: [db-password]
identities:
  - name: vm-01
    kind: system_assigned_mi
    attached_to: vm-01
  - name: sp-deploy
    kind: service_principal
    credentials:
      - type: client_secret
        start: 2026-01-01T00:00:00Z
        expiry: 2027-01-01T00:00:00Z
workloads:
  - name: read
    identity: vm-01
    kind: keyvault_secret_read
    vault: kv-prod
    schedule: { every: 4h, jitter: 5m }
";

/// `BASE` with `from` (which must occur exactly once) replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "`{from}` must occur once in BASE");
    BASE.replacen(from, to, 1)
}

fn append(tail: &str) -> String {
    format!("{BASE}{tail}")
}

/// The 1-based number of the only line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    let lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "`{needle}` must occur on exactly one line of the case");
    lines[0]
}

/// `(line, column)` of the first `<path>:<line>:<col>:` in `stderr`.
fn location(stderr: &str, path: &Path) -> Option<(usize, usize)> {
    let prefix = format!("{}:", path.display());
    let rest = &stderr[stderr.find(&prefix)? + prefix.len()..];
    let mut parts = rest.splitn(3, ':');
    let line = parts.next()?.parse().ok()?;
    let column = parts.next()?.parse().ok()?;
    Some((line, column))
}

/// Asserts that nothing was written: no `out` directory, no `.out.tmp-*` staging sibling.
fn assert_nothing_written(root: &Path) {
    assert!(!root.join("out").exists(), "the output directory was created");
    let leftovers: Vec<String> = std::fs::read_dir(root)
        .expect("read temp dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out.tmp-") || n.starts_with(".out."))
        .collect();
    assert!(leftovers.is_empty(), "staging directories left behind: {leftovers:?}");
}

/// Runs `generate` on `text`; it must fail with exit code 2 at the line containing `at`, with every
/// one of `messages` and a hint.
fn rejects(text: &str, at: &str, messages: &[&str]) {
    let tmp = TempDir::new("bad");
    let scenario = tmp.join("scenario.yaml");
    std::fs::write(&scenario, text).expect("write scenario");
    let expected_line = line_of(text, at);
    let output = run_bin(&[
        std::ffi::OsStr::new("generate"),
        scenario.as_os_str(),
        std::ffi::OsStr::new("--out"),
        tmp.join("out").as_os_str(),
    ]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "exit code; stderr:\n{stderr}");
    let (line, column) =
        location(&stderr, &scenario).unwrap_or_else(|| panic!("no `{}:line:col:` in stderr:\n{stderr}", scenario.display()));
    assert_eq!(
        line,
        expected_line,
        "the error must point at line {expected_line} (`{}`); stderr:\n{stderr}",
        at.trim()
    );
    assert!(column >= 1, "column {column}; stderr:\n{stderr}");
    for message in messages {
        assert!(stderr.contains(message), "stderr lacks `{message}`:\n{stderr}");
    }
    assert!(
        stderr.lines().any(|l| l.trim_start().starts_with("hint:")),
        "no `hint:` line in stderr:\n{stderr}"
    );
    assert_nothing_written(tmp.path());
}

#[test]
fn the_base_scenario_is_valid() {
    let tmp = TempDir::new("bad-base");
    let scenario = tmp.join("scenario.yaml");
    std::fs::write(&scenario, BASE).expect("write scenario");
    crate::support::generate_bin(&scenario, &tmp.join("out"), &[]);
    assert!(tmp.join("out/manifest.json").exists());
}

#[test]
fn unknown_top_level_field() {
    rejects(&append("colour: blue\n"), "colour: blue", &["unknown field `colour`"]);
}

#[test]
fn unknown_field_in_an_identity() {
    let text = edit("    kind: service_principal\n", "    kind: service_principal\n    colour: blue\n");
    rejects(&text, "colour: blue", &["unknown field `colour`"]);
}

#[test]
fn misspelled_identity_reference_in_a_workload() {
    let text = edit("    identity: vm-01\n", "    identity: vm-001\n");
    rejects(&text, "identity: vm-001", &["unknown identity `vm-001`", "did you mean `vm-01`"]);
}

#[test]
fn workload_references_an_unknown_key_vault() {
    let text = edit("    vault: kv-prod\n", "    vault: kv-staging\n");
    rejects(&text, "vault: kv-staging", &["unknown key vault `kv-staging`"]);
}

#[test]
fn negative_population_count() {
    let text = append(
        "populations:\n  - name: apps\n    count: -2\n    identity:\n      name: \"app-{n}\"\n      kind: service_principal\n      credentials: [{ type: client_secret }]\n",
    );
    rejects(&text, "count: -2", &["count", "-2"]);
}

#[test]
fn negative_per_day_rate() {
    let text = edit("{ every: 4h, jitter: 5m }", "{ per_day: -3 }");
    rejects(&text, "per_day: -3", &["per_day", "-3"]);
}

#[test]
fn credential_expiry_before_start() {
    let text = edit("expiry: 2027-01-01T00:00:00Z", "expiry: 2025-01-01T00:00:00Z");
    rejects(&text, "expiry: 2025-01-01", &["expires before it starts"]);
}

#[test]
fn thumbprint_on_a_client_secret() {
    let text = edit(
        "      - type: client_secret\n",
        "      - type: client_secret\n        thumbprint: 0123456789ABCDEF0123456789ABCDEF01234567\n",
    );
    rejects(&text, "thumbprint:", &["client secret has no thumbprint"]);
}

#[test]
fn bad_duration() {
    let text = edit("every: 4h", "every: 5x");
    rejects(&text, "every: 5x", &["5x", "not a duration"]);
}

#[test]
fn date_that_is_not_rfc3339() {
    let text = edit("  start: 2026-11-27T00:00:00Z\n", "  start: 27/11/2026\n");
    rejects(&text, "start: 27/11/2026", &["27/11/2026", "RFC 3339"]);
}

#[test]
fn schedule_with_both_every_and_at() {
    let text = edit("{ every: 4h, jitter: 5m }", "{ every: 4h, at: [2026-11-27T10:00:00Z] }");
    rejects(&text, "schedule: { every: 4h, at:", &["exactly one of `every`, `per_day` or `at`"]);
}

#[test]
fn at_time_outside_the_period() {
    let text = edit("{ every: 4h, jitter: 5m }", "{ at: [2026-11-29T10:00:00Z] }");
    rejects(&text, "2026-11-29T10:00:00Z", &["outside the simulated period"]);
}

#[test]
fn unknown_workload_kind() {
    let text = edit("kind: keyvault_secret_read", "kind: keyvault_secret_write");
    rejects(&text, "keyvault_secret_write", &["unknown variant `keyvault_secret_write`"]);
}

#[test]
fn managed_identity_with_credentials() {
    let text = edit(
        "    attached_to: vm-01\n",
        "    attached_to: vm-01\n    credentials:\n      - type: certificate\n",
    );
    rejects(&text, "type: certificate", &["managed identities have no credentials"]);
}

#[test]
fn population_template_without_n() {
    let text = append(
        "populations:\n  - name: apps\n    count: 2\n    identity:\n      name: \"app-x\"\n      kind: service_principal\n      credentials: [{ type: client_secret }]\n",
    );
    rejects(&text, "name: \"app-x\"", &["`app-x` has no `{n}`"]);
}

#[test]
fn unknown_region() {
    let text = edit(
        "  domain: contoso.onmicrosoft.com\n",
        "  domain: contoso.onmicrosoft.com\n  region: westeurop\n",
    );
    rejects(
        &text,
        "region: westeurop",
        &["unknown region `westeurop`", "did you mean `westeurope`"],
    );
}

#[test]
fn duplicate_identity_names() {
    let text = edit("  - name: sp-deploy\n", "  - name: \"vm-01\"\n");
    rejects(&text, "name: \"vm-01\"", &["`vm-01` is used twice"]);
}

#[test]
fn malformed_yaml_tab_indenting_a_key() {
    let text = edit("  domain: contoso", "\tdomain: contoso");
    rejects(&text, "\tdomain: contoso", &["tab"]);
}

#[test]
fn malformed_yaml_tab_indenting_a_key_after_a_plain_scalar() {
    // The most common tab mistake: one key of a block mapping indented with a tab.
    let text = edit("    kind: service_principal\n", "\tkind: service_principal\n");
    rejects(&text, "\tkind: service_principal", &["tab"]);
}

#[test]
fn malformed_yaml_unclosed_flow_mapping() {
    let text = edit("{ every: 4h, jitter: 5m }", "{ every: 4h, jitter: 5m");
    rejects(&text, "{ every: 4h, jitter: 5m", &["unclosed"]);
}

#[test]
fn malformed_yaml_unclosed_flow_sequence() {
    let text = edit("resource_groups: [rg-app]", "resource_groups: [rg-app");
    rejects(&text, "resource_groups: [rg-app", &["unclosed"]);
}

#[test]
fn malformed_yaml_unclosed_quote() {
    let text = edit("  - name: sp-deploy\n", "  - name: \"sp-deploy\n");
    rejects(&text, "name: \"sp-deploy", &["unclosed quote"]);
}

#[test]
fn anomaly_outside_the_period() {
    let text =
        append("anomalies:\n  - kind: failed_signins\n    identity: sp-deploy\n    at: 2026-12-05T00:00:00Z\n    reason: wrong_secret\n");
    rejects(&text, "at: 2026-12-05T00:00:00Z", &["outside the simulated period"]);
}

#[test]
fn a_period_running_past_year_9999() {
    // 100 days from December 9999 would end in year 10000, which no log timestamp can show.
    let text = edit(
        "start: 2026-11-27T00:00:00Z\n  duration: 1d",
        "start: 9999-12-01T00:00:00Z\n  duration: 100d",
    );
    rejects(&text, "start: 9999-12-01", &["`9999-12-01T00:00:00Z`", "the latest start accepted"]);
    // A day in June 9999 fits, but `--days 366` would not: refused as well, with the reason.
    let text = edit("start: 2026-11-27T00:00:00Z", "start: 9999-06-01T00:00:00Z");
    rejects(&text, "start: 9999-06-01", &["later than 9998-11-30T00:00:00Z", "--days"]);
}

#[test]
fn an_identity_name_longer_than_256_bytes() {
    let long = "s".repeat(300);
    let text = edit("  - name: sp-deploy\n", &format!("  - name: {long}\n"));
    rejects(&text, &long, &["an identity name is 300 bytes long; at most 256 are accepted"]);
}

#[test]
fn a_foreign_output_directory_is_refused_even_when_forced() {
    let tmp = TempDir::new("foreign");
    let scenario = tmp.join("scenario.yaml");
    std::fs::write(&scenario, BASE).expect("write scenario");
    let out = tmp.join("out");
    std::fs::create_dir(&out).expect("create out");
    std::fs::write(out.join("notes.txt"), "mine").expect("write notes");
    let args = |force: bool| {
        let mut a = vec![
            std::ffi::OsString::from("generate"),
            scenario.clone().into_os_string(),
            "--out".into(),
            out.clone().into_os_string(),
        ];
        if force {
            a.push("--force".into());
        }
        a
    };
    let refused = run_bin(&args(false));
    let stderr = stderr_of(&refused);
    assert_eq!(refused.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(stderr.contains("--force"), "the error says how to proceed:\n{stderr}");
    let entries: Vec<String> = std::fs::read_dir(&out)
        .expect("out still exists")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, vec!["notes.txt".to_owned()], "the directory is untouched");
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).expect("notes"), "mine");

    // --force never deletes files tenantless did not write (tests/output_dir.rs has the rest).
    let forced = run_bin(&args(true));
    assert_eq!(forced.status.code(), Some(2), "--force refuses too:\n{}", stderr_of(&forced));
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).expect("notes"), "mine");
    std::fs::remove_file(out.join("notes.txt")).expect("move the notes away");
    let first = run_bin(&args(false));
    assert!(first.status.success(), "an emptied directory is written:\n{}", stderr_of(&first));
    assert!(out.join("manifest.json").exists());
    // A previous tenantless output is replaced without --force.
    let again = run_bin(&args(false));
    assert!(again.status.success(), "a previous output is replaced:\n{}", stderr_of(&again));
    let leftovers = std::fs::read_dir(tmp.path())
        .expect("read tmp")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".out"))
        .count();
    assert_eq!(leftovers, 0, "no staging directory remains");
}

#[test]
fn a_workload_field_its_kind_does_not_take() {
    // Declared once per kind (`WorkloadKind::fields`): a `logic_app` on a Key Vault read was ignored.
    let text = edit("    vault: kv-prod\n", "    vault: kv-prod\n    logic_app: la-alerts\n");
    rejects(
        &text,
        "logic_app: la-alerts",
        &[
            "`logic_app` does not apply to a `keyvault_secret_read` workload",
            "this kind takes: vault, secrets",
        ],
    );
}

#[test]
fn per_run_token_cache_on_a_managed_identity() {
    let text = edit(
        "    schedule: { every: 4h, jitter: 5m }\n",
        "    schedule: { every: 4h, jitter: 5m }\n    token_cache: per_run\n",
    );
    rejects(
        &text,
        "token_cache: per_run",
        &["`vm-01` is a managed identity", "cached by the platform"],
    );
}

#[test]
fn signins_per_run_with_a_shared_token_cache() {
    let text = append(
        "  - identity: sp-deploy
    kind: arm_deployment
    sql_database: sql-01/appdb
    token_cache: shared
    signins_per_run: 3
    schedule: { every: 4h }
",
    )
    .replace(
        "  key_vaults:\n",
        "  sql_servers:\n    - { name: sql-01, resource_group: rg-app, databases: [appdb] }\n  key_vaults:\n",
    );
    rejects(&text, "signins_per_run: 3", &["fresh logins of a pipeline", "token_cache: shared"]);
}

#[test]
fn signins_per_run_on_a_managed_identity() {
    let text = append(
        "  - identity: vm-01
    kind: arm_deployment
    sql_database: sql-01/appdb
    signins_per_run: 2
    schedule: { every: 4h }
",
    )
    .replace(
        "  key_vaults:\n",
        "  sql_servers:\n    - { name: sql-01, resource_group: rg-app, databases: [appdb] }\n  key_vaults:\n",
    );
    rejects(
        &text,
        "signins_per_run: 2",
        &["`vm-01` is a managed identity", "remove `signins_per_run`"],
    );
}

/// An action of `body` (a YAML flow mapping's inside) at 10:00 by `eve`.
fn action(body: &str) -> String {
    append(&format!(
        "actions:\n  - {{ at: 2026-11-27T10:00:00Z, by: eve@contoso.onmicrosoft.com, {body} }}\n"
    ))
}

#[test]
fn unknown_action_suggests_the_closest() {
    rejects(
        &action("do: add_app_role_asignment, target: x"),
        "add_app_role_asignment",
        &["unknown action `add_app_role_asignment`", "did you mean `add_app_role_assignment`?"],
    );
}

#[test]
fn a_field_the_action_does_not_take() {
    rejects(
        &action("do: add_user, target: bob@contoso.onmicrosoft.com, vm_size: Standard_B2s"),
        "vm_size",
        &["`vm_size`"],
    );
}

#[test]
fn an_action_without_its_required_field() {
    rejects(
        &action("do: add_member_to_role, member: bob@contoso.onmicrosoft.com"),
        "add_member_to_role",
        &["needs `role`"],
    );
}

#[test]
fn an_unknown_directory_role() {
    rejects(
        &action("do: add_member_to_role, member: bob@contoso.onmicrosoft.com, role: Global Admin"),
        "Global Admin",
        &["unknown directory role `Global Admin`", "did you mean `Global Administrator`?"],
    );
}

#[test]
fn an_unknown_application_permission() {
    rejects(
        &action("do: add_app_role_assignment, target: app, app_role: Mail.Reed"),
        "Mail.Reed",
        &["unknown application permission `Mail.Reed`", "did you mean `Mail.Read`?"],
    );
}

#[test]
fn a_value_outside_a_closed_set() {
    rejects(
        &action("do: register_security_info, target: bob@contoso.onmicrosoft.com, method: fido"),
        "method: fido",
        &["`method` of `register_security_info` cannot be `fido`", "did you mean `fido2`?"],
    );
}

#[test]
fn a_country_with_no_known_place() {
    let text = append("actions:\n  - { at: 2026-11-27T10:00:00Z, by: sp-deploy, do: sign_in, country: XX }\n");
    rejects(&text, "country: XX", &["`country` of `sign_in` cannot be `XX`", "BR, CN"]);
}

#[test]
fn an_unknown_token_use() {
    let text = append("actions:\n  - { at: 2026-11-27T10:00:00Z, by: sp-deploy, do: vm_start, token: stolem }\n");
    rejects(&text, "stolem", &["`token` cannot be `stolem`", "did you mean `stolen`?"]);
}

#[test]
fn a_client_for_an_identity() {
    let text = append("actions:\n  - { at: 2026-11-27T10:00:00Z, by: sp-deploy, do: vm_start, client: azure_cli }\n");
    rejects(&text, "client: azure_cli", &["`client` is the app a person works with"]);
}

#[test]
fn a_person_cannot_sign_in_as_a_workload() {
    rejects(
        &action("do: sign_in"),
        "do: sign_in",
        &["`eve@contoso.onmicrosoft.com` cannot `sign_in`"],
    );
}

#[test]
fn a_custom_anomaly_without_a_label() {
    let text = append(
        "anomalies:\n  - kind: custom\n    at: 2026-11-27T10:00:00Z\n    actions: [{ by: eve@contoso.onmicrosoft.com, do: add_user, target: x@contoso.onmicrosoft.com }]\n",
    );
    rejects(&text, "kind: custom", &["a custom anomaly needs a `label`"]);
}

#[test]
fn an_expectation_of_a_behaviour_the_scenario_does_not_inject() {
    let text = append("expectations:\n  - { rule: some-rule, catches: [keyvault_mass_raed] }\n");
    rejects(
        &text,
        "keyvault_mass_raed",
        &["no anomaly of this scenario is `keyvault_mass_raed`"],
    );
}
