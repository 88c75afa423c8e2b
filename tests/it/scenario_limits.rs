//! Inputs that used to hang or exhaust memory: FIFOs and devices given as scenarios or query files,
//! scenarios declaring millions of identities (plainly or through YAML merge keys), huge name
//! templates and huge unknown names. Each run of the binary has a watchdog, so that a regression
//! fails the test instead of hanging it; the estimate of an oversized scenario must still answer.

use crate::support::TempDir;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long any of these refusals may take; today they come in milliseconds.
const WATCHDOG: Duration = Duration::from_secs(20);

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with `args`, killing it and failing the test if it is still running after
/// [`WATCHDOG`]. Its output goes to files, so that a full pipe cannot stall it.
fn run_with_watchdog(args: &[&std::ffi::OsStr]) -> Run {
    let tmp = TempDir::new("watchdog");
    let (out_path, err_path) = (tmp.join("stdout"), tmp.join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantless"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("start tenantless");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll tenantless") {
            break status;
        }
        if started.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tenantless {args:?} still ran after {WATCHDOG:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

fn os(text: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(text)
}

/// A FIFO nobody writes to: opening it for reading would block forever.
fn fifo(dir: &TempDir) -> std::path::PathBuf {
    let path = dir.join("pipe.yaml");
    let made = Command::new("mkfifo").arg(&path).status().expect("run mkfifo");
    assert!(made.success(), "mkfifo failed");
    path
}

/// Asserts a refused scenario: exit code 2 and `path:` followed by `message`, with a hint.
fn assert_refused_scenario(run: &Run, path: &Path, message: &str) {
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    let expected = format!("{}: {message}", path.display());
    assert!(run.stderr.contains(&expected), "stderr lacks `{expected}`:\n{}", run.stderr);
    assert!(run.stderr.contains("hint:"), "no hint:\n{}", run.stderr);
}

#[test]
fn a_fifo_scenario_is_refused_at_once() {
    let tmp = TempDir::new("fifo-scenario");
    let pipe = fifo(&tmp);
    let out = tmp.join("out");
    let run = run_with_watchdog(&[os("generate"), pipe.as_os_str(), os("--out"), out.as_os_str()]);
    assert_refused_scenario(&run, &pipe, "the scenario is a FIFO (named pipe), not a regular file");
    assert!(!out.exists(), "an output directory was created");
    let run = run_with_watchdog(&[os("estimate"), pipe.as_os_str()]);
    assert_refused_scenario(&run, &pipe, "the scenario is a FIFO (named pipe), not a regular file");
}

#[test]
fn dev_zero_as_a_scenario_is_refused_at_once() {
    let zero = Path::new("/dev/zero");
    let tmp = TempDir::new("zero-scenario");
    let out = tmp.join("out");
    let run = run_with_watchdog(&[os("generate"), zero.as_os_str(), os("--out"), out.as_os_str()]);
    assert_refused_scenario(&run, zero, "the scenario is a device, not a regular file");
    assert!(!out.exists(), "an output directory was created");
    let run = run_with_watchdog(&[os("estimate"), zero.as_os_str()]);
    assert_refused_scenario(&run, zero, "the scenario is a device, not a regular file");
}

#[test]
fn dev_zero_and_fifo_query_files_are_refused_at_once() {
    let tmp = TempDir::new("query-file");
    let pipe = fifo(&tmp);
    for file in [Path::new("/dev/zero"), pipe.as_path()] {
        let run = run_with_watchdog(&[os("query"), os("-f"), file.as_os_str(), os("--data"), tmp.path().as_os_str()]);
        assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
        assert!(
            run.stderr.contains(&format!("{} is a", file.display())) && run.stderr.contains("not a regular file"),
            "stderr:\n{}",
            run.stderr
        );
    }
}

/// A scenario header: one vault read by every population member.
const HEAD: &str = "\
name: big
tenant:
  domain: contoso.onmicrosoft.com
period:
  start: 2026-11-27T00:00:00Z
  duration: 2d
subscriptions:
  - name: prod
    resource_groups: [rg-app]
resources:
  key_vaults:
    - name: kv-prod
      resource_group: rg-app
      secrets: [db-password]
populations:
";

/// `populations` populations of `count` members, each reading the vault 24 times a day.
fn populations(populations: usize, count: u64) -> String {
    let mut text = HEAD.to_owned();
    for p in 0..populations {
        text += &format!(
            "  - name: pop{p}
    count: {count}
    identity: {{ name: \"app{p}-{{n}}\", kind: user_assigned_mi, resource_group: rg-app }}
    workloads:
      - {{ kind: keyvault_secret_read, vault: kv-prod, schedule: {{ per_day: 24 }} }}
"
        );
    }
    text
}

/// The `(line, column)` of the first `path:line:col:` in `stderr`.
fn location(stderr: &str, path: &Path) -> Option<(usize, usize)> {
    let prefix = format!("{}:", path.display());
    let rest = &stderr[stderr.find(&prefix)? + prefix.len()..];
    let mut parts = rest.splitn(3, ':');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// `estimate --format json` on `text`, which must succeed — without the background, whose rows
/// do not grow with the populations measured here.
fn estimate_json(tmp: &TempDir, name: &str, text: &str) -> serde_json::Value {
    let path = tmp.join(name);
    std::fs::write(&path, text).expect("write scenario");
    let run = run_with_watchdog(&[
        os("estimate"),
        path.as_os_str(),
        os("--format"),
        os("json"),
        os("--background"),
        os("none"),
    ]);
    assert_eq!(run.code, Some(0), "estimate failed:\n{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("JSON report")
}

/// Total rows per day of `estimate --format json` on `text`.
fn estimated_rows_per_day(tmp: &TempDir, name: &str, text: &str) -> f64 {
    let report = estimate_json(tmp, name, text);
    report["total"]["rows_per_day"].as_f64().expect("total rows per day")
}

#[test]
fn twenty_million_identities_are_refused_by_generate_at_the_count_that_crosses_the_limit() {
    let tmp = TempDir::new("million");
    let text = populations(20, 1_000_000);
    let path = tmp.join("big.yaml");
    std::fs::write(&path, &text).expect("write scenario");
    let out = tmp.join("out");
    // --yes passes the volume guard, so that the identity limit itself is what refuses it.
    let run = run_with_watchdog(&[os("generate"), path.as_os_str(), os("--out"), out.as_os_str(), os("--yes")]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    // The first population alone crosses the limit: its count, on line 17, is pointed at.
    assert_eq!(location(&run.stderr, &path), Some((17, 12)), "stderr:\n{}", run.stderr);
    for needed in [
        "1000000 identities",
        "past 250000",
        "split the tenant into several scenarios",
        "hint:",
    ] {
        assert!(run.stderr.contains(needed), "stderr lacks `{needed}`:\n{}", run.stderr);
    }
    assert!(!out.exists(), "an output directory was created");
    // --exact needs every identity too.
    let run = run_with_watchdog(&[os("estimate"), path.as_os_str(), os("--exact")]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("past 250000"), "stderr:\n{}", run.stderr);
}

#[test]
fn the_estimate_of_millions_of_identities_answers_and_scales_with_the_count() {
    let tmp = TempDir::new("million-estimate");
    // 1,000 members resolve one by one; the millions only through representatives.
    let small = estimated_rows_per_day(&tmp, "small.yaml", &populations(1, 1_000));
    assert!(small > 0.0);
    let one_million = estimated_rows_per_day(&tmp, "one.yaml", &populations(1, 1_000_000));
    let twenty_million = estimated_rows_per_day(&tmp, "twenty.yaml", &populations(20, 1_000_000));
    // Every member runs the same schedule: rows are proportional to the number of members (up to
    // the replay of a sample of members' token caches, see estimate::cached).
    let close = |a: f64, b: f64| (a - b).abs() <= 0.005 * b;
    assert!(close(one_million, 1_000.0 * small), "{one_million} vs 1000 x {small}");
    assert!(close(twenty_million, 20.0 * one_million), "{twenty_million} vs 20 x {one_million}");
}

#[test]
fn members_that_anomalies_and_workloads_name_exist_in_the_estimate_of_millions() {
    let tmp = TempDir::new("named-members");
    let base = populations(20, 1_000_000);
    let named = format!(
        "{base}workloads:
  - {{ name: extra, identity: app0-7, kind: keyvault_secret_read, vault: kv-prod, schedule: {{ per_day: 24 }} }}
anomalies:
  - {{ kind: signin_from_unusual_ip, identity: app3-500000, at: 2026-11-27T10:00:00Z, vault: kv-prod }}
"
    );
    let plain = estimated_rows_per_day(&tmp, "plain.yaml", &base);
    let with_named = estimated_rows_per_day(&tmp, "named.yaml", &named);
    // One more workload's reads (24 a day; the member's token and Key Vault session already
    // serve it) and the anomaly's row, within the sampling of members' token caches.
    let extra = with_named - plain;
    assert!(extra > 23.0 && extra < 200.0, "{with_named} - {plain} = {extra}");
    // A member past the count does not exist.
    let path = tmp.join("past.yaml");
    std::fs::write(&path, named.replace("app3-500000", "app3-1000001")).expect("write scenario");
    let run = run_with_watchdog(&[os("estimate"), path.as_os_str()]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("unknown identity `app3-1000001`"), "stderr:\n{}", run.stderr);
}

#[test]
fn too_many_workloads_are_refused_by_generate_and_estimated() {
    let tmp = TempDir::new("workloads");
    // 200,000 members (under the identity limit) running 3 workloads each: 600,000 workloads.
    let text = populations(1, 200_000).replace(
        "    workloads:\n",
        "    workloads:\n      - { kind: keyvault_secret_read, vault: kv-prod, schedule: { every: 1h } }\n      \
         - { kind: keyvault_secret_read, vault: kv-prod, schedule: { every: 2h } }\n",
    );
    let path = tmp.join("workloads.yaml");
    std::fs::write(&path, &text).expect("write scenario");
    let out = tmp.join("out");
    let run = run_with_watchdog(&[os("generate"), path.as_os_str(), os("--out"), out.as_os_str(), os("--yes")]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert_eq!(location(&run.stderr, &path), Some((17, 12)), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("600000 workload entries"), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("past 500000"), "stderr:\n{}", run.stderr);
    // 24 + 24 + 12 secret reads a day per member; the three workloads share the member's tokens
    // (a managed identity's, cached by the platform), so it still signs in about once a day to each
    // of ARM and Key Vault, as a member reading once an hour does.
    let many = estimated_category_rows(&tmp, "workloads-estimate.yaml", &text);
    let one = estimated_category_rows(&tmp, "one.yaml", &populations(1, 1_000));
    let close = |a: f64, b: f64| (a - b).abs() <= 0.01 * b;
    let (signins, one_signins) = (many["ManagedIdentitySignInLogs"], one["ManagedIdentitySignInLogs"]);
    // The SDK's challenge starts each day's session, as often as the Key Vault sign-ins (half the
    // sign-ins: the other half are ARM's); the rest of the vault's rows are the reads.
    let (reads, one_reads) = (
        many["KeyVault/AuditEvent"] - signins / 2.0,
        one["KeyVault/AuditEvent"] - one_signins / 2.0,
    );
    assert!(close(reads, 200.0 * one_reads * 60.0 / 24.0), "{reads} vs {one_reads}");
    // Sign-ins come from replaying a sample of the members: equal within sampling noise.
    assert!(
        (signins - 200.0 * one_signins).abs() <= 0.01 * signins,
        "{signins} vs {one_signins}"
    );
    assert!(
        (1.9..=2.2).contains(&(one_signins / 1_000.0)),
        "{one_signins} sign-ins a day for 1,000 members"
    );
}

/// Rows per day of each category in `estimate --format json` on `text`, which must succeed.
fn estimated_category_rows(tmp: &TempDir, name: &str, text: &str) -> std::collections::BTreeMap<String, f64> {
    let report = estimate_json(tmp, name, text);
    report["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["rows_per_day"].as_f64().unwrap_or(0.0),
            )
        })
        .collect()
}

#[test]
fn populations_repeated_with_merge_keys_are_refused_or_estimated() {
    let tmp = TempDir::new("merge-bomb");
    // One anchored population of a million, repeated 20 times in a few hundred bytes.
    let mut text = format!(
        "{HEAD}  - &pop {{ name: p0, count: 1000000, identity: &id {{ name: \"a0-{{n}}\", kind: user_assigned_mi, \
         resource_group: rg-app }}, workloads: [{{ kind: keyvault_secret_read, vault: kv-prod, schedule: {{ per_day: 24 }} }}] }}\n"
    );
    for p in 1..20 {
        text += &format!("  - {{ <<: *pop, name: p{p}, identity: {{ <<: *id, name: \"a{p}-{{n}}\" }} }}\n");
    }
    let path = tmp.join("bomb.yaml");
    std::fs::write(&path, &text).expect("write scenario");
    let out = tmp.join("out");
    let run = run_with_watchdog(&[os("generate"), path.as_os_str(), os("--out"), out.as_os_str(), os("--yes")]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("past 250000"), "stderr:\n{}", run.stderr);
    let rows = estimated_rows_per_day(&tmp, "bomb-estimate.yaml", &text);
    let one = estimated_rows_per_day(&tmp, "one.yaml", &populations(1, 1_000_000));
    // Equal up to the replay of sampled members' token caches (each population's own).
    assert!((rows - 20.0 * one).abs() <= 0.01 * rows, "{rows} vs 20 x {one}");
}

#[test]
fn a_three_megabyte_name_template_is_refused_where_it_is_written() {
    let tmp = TempDir::new("long-template");
    let template = format!("{}-{{n}}", "x".repeat(3 << 20));
    let text = format!(
        "{HEAD}  - name: pop
    count: 10
    identity:
      kind: user_assigned_mi
      resource_group: rg-app
      name: \"{template}\"
"
    );
    let path = tmp.join("long.yaml");
    std::fs::write(&path, &text).expect("write scenario");
    for command in ["generate", "estimate"] {
        let out = tmp.join("out");
        let mut args = vec![os(command), path.as_os_str()];
        if command == "generate" {
            args.extend([os("--out"), out.as_os_str()]);
        }
        let run = run_with_watchdog(&args);
        assert_eq!(run.code, Some(2), "stderr:\n{}", &run.stderr[..run.stderr.len().min(2000)]);
        assert_eq!(location(&run.stderr, &path).map(|l| l.0), Some(21), "{command}");
        assert!(run.stderr.contains("at most 256 are accepted"), "{command}");
        assert!(!out.exists(), "an output directory was created");
    }
}

#[test]
fn an_unknown_name_of_a_megabyte_and_a_half_gets_its_error_at_once() {
    let tmp = TempDir::new("long-unknown");
    // A vault with a long name, and a reference one character off: the suggestion search would
    // compare 1.5 MB with 1.5 MB.
    let vault = "k".repeat(1_500_000);
    let text = format!(
        "{HEAD}  - name: pop
    count: 2
    identity: {{ name: \"app-{{n}}\", kind: user_assigned_mi, resource_group: rg-app }}
    workloads:
      - kind: keyvault_secret_read
        vault: {vault}x
        schedule: {{ per_day: 24 }}
"
    )
    .replace("    - name: kv-prod\n", &format!("    - name: {vault}\n"));
    let path = tmp.join("unknown.yaml");
    std::fs::write(&path, &text).expect("write scenario");
    let run = run_with_watchdog(&[os("estimate"), path.as_os_str()]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", &run.stderr[..run.stderr.len().min(2000)]);
    assert_eq!(location(&run.stderr, &path), Some((21, 16)));
    assert!(run.stderr.contains("unknown key vault"));
}

#[test]
fn an_unknown_kql_name_of_a_megabyte_and_a_half_gets_its_error_at_once() {
    let tmp = TempDir::new("long-kql");
    let name = "c".repeat(1_500_000);
    let query = tmp.join("long.kql");
    std::fs::write(&query, format!("print {name} = 1 | project {name}x")).expect("write query");
    let run = run_with_watchdog(&[os("query"), os("-f"), query.as_os_str(), os("--data"), tmp.path().as_os_str()]);
    assert_ne!(run.code, Some(0), "the query must fail");
    assert!(
        run.stderr.contains("unknown column or variable"),
        "stderr:\n{}",
        &run.stderr[..run.stderr.len().min(2000)]
    );
}
