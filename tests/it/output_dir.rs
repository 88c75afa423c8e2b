//! The output directory of `tenantless generate`: it only ever deletes what it wrote (the files a
//! manifest lists, and its own staging directories), replaces a previous output in one step,
//! cleans up after SIGINT/SIGTERM and after a SIGKILL (on the next run), keeps a symlinked `--out`,
//! and refuses runs the estimate puts above `--max-bytes` unless confirmed.

use crate::support::{FILES, TempDir, crate_dir, run_bin, seed_scenario, stderr_of};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Long enough to be killed: 5,000 daemons reading a secret every 5 minutes for 30 days (about
/// 130 GB), so the volume guard needs `--yes`.
const LONG_SCENARIO: &str = "\
name: long-run
tenant:
  domain: contoso.onmicrosoft.com
period:
  start: 2026-11-01T00:00:00Z
  duration: 30d
subscriptions:
  - name: prod
    resource_groups: [rg-app]
resources:
  key_vaults:
    - { name: kv-prod, resource_group: prod/rg-app, secrets: [db] }
populations:
  - name: daemons
    count: 5000
    identity: { name: \"svc-{n:04}\", kind: service_principal, credentials: [{ type: certificate }] }
    workloads:
      - { kind: keyvault_secret_read, vault: kv-prod, schedule: { every: 5m } }
";

/// `generate <scenario> --out <out> <extra…>`.
fn generate(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<OsString> = vec!["generate".into(), scenario.into(), "--out".into(), out.into()];
    args.extend(extra.iter().map(OsString::from));
    run_bin(&args)
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "generate failed ({:?}):\n{}",
        output.status,
        stderr_of(output)
    );
}

fn assert_refused(output: &Output, mentions: &[&str]) -> String {
    let stderr = stderr_of(output);
    assert_eq!(output.status.code(), Some(2), "exit code; stderr:\n{stderr}");
    for m in mentions {
        assert!(stderr.contains(m), "stderr lacks `{m}`:\n{stderr}");
    }
    stderr
}

/// Every file under `dir` (relative path → content), to compare before and after.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let content = fs::read(&path).expect("read file");
                files.push((path.strip_prefix(dir).expect("prefix").to_owned(), content));
            }
        }
    }
    files.sort();
    files
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn staging_dirs(parent: &Path, name: &str) -> Vec<String> {
    names(parent)
        .into_iter()
        .filter(|n| n.starts_with(&format!(".{name}.tmp-")))
        .collect()
}

fn seed_of(out: &Path) -> u64 {
    let text = fs::read_to_string(out.join("manifest.json")).expect("manifest");
    serde_json::from_str::<serde_json::Value>(&text).expect("json")["seed"]
        .as_u64()
        .expect("seed")
}

#[test]
fn user_files_beside_a_previous_output_are_refused_and_survive_with_and_without_force() {
    let tmp = TempDir::new("userfiles");
    let out = tmp.join("out");
    assert_ok(&generate(&seed_scenario(), &out, &[]));
    fs::write(out.join("notes.md"), "my notes").expect("notes");
    fs::create_dir(out.join("analysis")).expect("subfolder");
    fs::write(out.join("analysis/query.kql"), "SigninLogs | take 1").expect("query");
    let before = snapshot(&out);
    for force in [&[][..], &["--force"][..]] {
        let stderr = assert_refused(
            &generate(&seed_scenario(), &out, force),
            &["notes.md", "analysis/", "did not write"],
        );
        assert!(stderr.contains(&out.display().to_string()), "names the directory:\n{stderr}");
        assert_eq!(snapshot(&out), before, "nothing changed ({force:?})");
        assert!(staging_dirs(tmp.path(), "out").is_empty());
    }
}

#[test]
fn a_copied_manifest_in_a_foreign_directory_is_refused() {
    let tmp = TempDir::new("copiedmanifest");
    assert_ok(&generate(&seed_scenario(), &tmp.join("out"), &[]));
    let foreign = tmp.join("mine");
    fs::create_dir(&foreign).expect("mine");
    fs::copy(tmp.join("out/manifest.json"), foreign.join("manifest.json")).expect("copy manifest");
    fs::write(foreign.join("thesis.tex"), "\\documentclass{article}").expect("thesis");
    let before = snapshot(&foreign);
    for force in [&[][..], &["--force"][..]] {
        assert_refused(&generate(&seed_scenario(), &foreign, force), &["thesis.tex"]);
        assert_eq!(snapshot(&foreign), before);
    }
}

#[test]
fn force_on_a_foreign_directory_refuses_and_deletes_nothing() {
    let tmp = TempDir::new("home");
    let home = tmp.join("home");
    for (path, content) in [(".bashrc", "alias ll='ls -l'"), ("Documents/cv.txt", "me"), ("a.txt", "a")] {
        fs::create_dir_all(home.join(path).parent().expect("parent")).expect("mkdir");
        fs::write(home.join(path), content).expect("write");
    }
    let before = snapshot(&home);
    for i in 0..6 {
        fs::write(home.join(format!("z{i}.txt")), "z").expect("more");
    }
    let stderr = assert_refused(
        &generate(&seed_scenario(), &home, &["--force"]),
        &[".bashrc", "Documents/", "and 4 more"],
    );
    assert!(stderr.contains("9 entries"), "counts what is in the way:\n{stderr}");
    let after = snapshot(&home);
    assert!(before.iter().all(|f| after.contains(f)), "a file was touched");
    assert_eq!(after.len(), before.len() + 6);
    assert_eq!(names(tmp.path()), ["home"], "no staging directory left");
}

#[test]
fn a_previous_output_is_replaced_cleanly_but_a_changed_one_needs_force() {
    let tmp = TempDir::new("replace");
    let out = tmp.join("out");
    fs::create_dir(&out).expect("out");
    fs::write(out.join(".gitkeep"), "").expect("gitkeep");
    assert_ok(&generate(&seed_scenario(), &out, &[]));
    assert_ok(&generate(&seed_scenario(), &out, &["--seed", "7"]));
    assert_eq!(seed_of(&out), 7);
    let mut expected: Vec<String> = FILES.iter().map(|f| (*f).to_owned()).chain([".gitkeep".to_owned()]).collect();
    expected.sort();
    assert_eq!(names(&out), expected, "the new output and the .gitkeep, nothing else");
    assert_eq!(names(tmp.path()), ["out"], "no staging or .old directory left");

    // Edited since it was written: the manifest no longer vouches for it.
    let audit = out.join("AuditLogs.jsonl");
    fs::write(&audit, format!("{}{{\"mine\":1}}\n", fs::read_to_string(&audit).expect("read"))).expect("edit");
    let before = snapshot(&out);
    assert_refused(&generate(&seed_scenario(), &out, &[]), &["AuditLogs.jsonl", "--force"]);
    assert_eq!(snapshot(&out), before);
    assert_ok(&generate(&seed_scenario(), &out, &["--force"]));
    assert_eq!(seed_of(&out), tenantless::generate::DEFAULT_SEED);
}

/// Starts the long run into `out` and waits until it is writing into its staging directory.
fn start_long_run(tmp: &TempDir, out: &Path) -> (Child, PathBuf) {
    let scenario = tmp.join("long.yaml");
    fs::write(&scenario, LONG_SCENARIO).expect("scenario");
    let child = Command::new(env!("CARGO_BIN_EXE_tenantless"))
        .args([
            "generate".as_ref(),
            scenario.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--yes".as_ref(),
        ])
        .current_dir(crate_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tenantless");
    let staging = tmp.join(&format!(".out.tmp-{}", child.id()));
    let deadline = Instant::now() + Duration::from_secs(120);
    let writing = || fs::metadata(staging.join("data/AzureDiagnostics.jsonl")).is_ok_and(|m| m.len() > 0);
    while !writing() {
        assert!(Instant::now() < deadline, "no staging directory {} after 120 s", staging.display());
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, staging)
}

fn signal(child: &Child, signal: i32) {
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: kill(2) with a pid of our own child.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill failed");
}

/// Waits for the child (reaping it, so its pid is dead), killing it if it does not stop.
fn wait(mut child: Child, within: Duration) -> (std::process::ExitStatus, String) {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr).expect("stderr");
            return (status, stderr);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run did not stop within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigint_and_sigterm_remove_the_staging_and_keep_the_previous_output() {
    for (sig, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let tmp = TempDir::new("signal");
        let out = tmp.join("out");
        assert_ok(&generate(&seed_scenario(), &out, &[]));
        let before = snapshot(&out);
        let (child, staging) = start_long_run(&tmp, &out);
        signal(&child, sig);
        let (status, stderr) = wait(child, Duration::from_secs(30));
        assert_eq!(status.code(), Some(code), "exit code after signal {sig}; stderr:\n{stderr}");
        assert!(
            stderr.contains("interrupted") && stderr.contains(&staging.display().to_string()),
            "{stderr}"
        );
        assert!(!staging.exists(), "{} left behind after signal {sig}", staging.display());
        assert_eq!(names(tmp.path()), ["long.yaml", "out"]);
        assert_eq!(snapshot(&out), before, "the previous output changed");
    }
}

#[test]
fn after_sigkill_the_previous_output_is_intact_and_the_next_run_removes_only_its_stale_staging() {
    let tmp = TempDir::new("sigkill");
    let out = tmp.join("out");
    assert_ok(&generate(&seed_scenario(), &out, &[]));
    let before = snapshot(&out);
    let (child, staging) = start_long_run(&tmp, &out);
    signal(&child, libc::SIGKILL);
    let (status, _) = wait(child, Duration::from_secs(30));
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(libc::SIGKILL));
    assert_eq!(snapshot(&out), before, "the previous output changed");
    assert!(
        staging.join("data").is_dir(),
        "SIGKILL cannot clean up: the staging stays until the next run"
    );

    // Look-alikes the next run must leave alone: no marker; a marker but a live process (us); not
    // the name pattern; and a user's file.
    let marker = fs::read(staging.join(".tenantless-staging")).expect("marker");
    let unmarked = tmp.join(".out.tmp-4000000");
    fs::create_dir(&unmarked).expect("unmarked");
    let live = tmp.join(&format!(".out.tmp-{}", std::process::id()));
    fs::create_dir(&live).expect("live");
    let text = String::from_utf8(marker)
        .expect("utf-8")
        .replace(&staging_pid(&staging), &std::process::id().to_string());
    fs::write(live.join(".tenantless-staging"), text).expect("live marker");
    let renamed = tmp.join(".out.tmp-old-copy");
    fs::create_dir(&renamed).expect("renamed");
    fs::write(tmp.join("notes.txt"), "mine").expect("notes");

    let next = generate(&seed_scenario(), &out, &[]);
    assert_ok(&next);
    assert!(
        stderr_of(&next).contains(&format!("removed {}", staging.display())),
        "{}",
        stderr_of(&next)
    );
    assert!(!staging.exists(), "the stale staging directory is still there");
    assert!(unmarked.is_dir() && live.join(".tenantless-staging").is_file() && renamed.is_dir());
    assert_eq!(fs::read_to_string(tmp.join("notes.txt")).expect("notes"), "mine");
    assert_eq!(snapshot(&out), before, "the same run gives the same bytes");
}

fn staging_pid(staging: &Path) -> String {
    let name = staging.file_name().expect("name").to_string_lossy().into_owned();
    name.rsplit('-').next().expect("pid").to_owned()
}

#[test]
fn a_symlinked_out_is_kept_and_its_target_updated() {
    let tmp = TempDir::new("symlink");
    let real = tmp.join("real");
    let link = tmp.join("out");
    assert_ok(&generate(&seed_scenario(), &real, &[]));
    std::os::unix::fs::symlink("real", &link).expect("symlink");
    assert_ok(&generate(&seed_scenario(), &link, &["--seed", "9"]));
    assert!(
        fs::symlink_metadata(&link).expect("link").file_type().is_symlink(),
        "the link was replaced"
    );
    assert_eq!(fs::read_link(&link).expect("read link"), Path::new("real"));
    assert_eq!(seed_of(&real), 9, "the link's target holds the new output");
    assert_eq!(names(tmp.path()), ["out", "real"], "no staging directory left");

    let dangling = tmp.join("dangling");
    std::os::unix::fs::symlink("nowhere", &dangling).expect("symlink");
    assert_refused(&generate(&seed_scenario(), &dangling, &[]), &["symbolic link", "nowhere"]);
    assert!(fs::symlink_metadata(&dangling).expect("link").file_type().is_symlink());
    assert!(!tmp.join("nowhere").exists());
}

#[test]
fn the_volume_guard_refuses_a_huge_run_unless_confirmed() {
    let tmp = TempDir::new("volume");
    // 50 identities reading every second for 30 days: hundreds of GB. Never written here.
    let huge = tmp.join("huge.yaml");
    let text = LONG_SCENARIO.replace("count: 5000", "count: 50").replace("every: 5m", "every: 1s");
    fs::write(&huge, text).expect("scenario");
    let out = tmp.join("out");
    // Spawned and watched: a guard that let it through would otherwise fill the disk.
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantless"))
        .args(["generate".as_ref(), huge.as_os_str(), "--out".as_ref(), out.as_os_str()])
        .current_dir(crate_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tenantless");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("try_wait").is_none() {
        if !staging_dirs(tmp.path(), "out").is_empty() || Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the huge run was not refused before writing");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let output = child.wait_with_output().expect("output");
    let stderr = assert_refused(&output, &["estimate", "GB", "--max-bytes 20.0 GB", "--days", "--yes"]);
    assert!(!out.exists() && staging_dirs(tmp.path(), "out").is_empty(), "{stderr}");

    // The pass-through, on the small seed: a tiny --max-bytes refuses it, --yes or a larger limit lets it.
    assert_refused(&generate(&seed_scenario(), &out, &["--max-bytes", "1KB"]), &["--max-bytes 1.0 KB"]);
    assert!(!out.exists());
    assert_ok(&generate(&seed_scenario(), &out, &["--max-bytes", "1KB", "--yes"]));
    assert_ok(&generate(&seed_scenario(), &out, &["--max-bytes", "10MB"]));
}
