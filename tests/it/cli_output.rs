//! Writing results where they cannot go: a full device is an I/O error with exit code 1 and a message;
//! a closed pipe (`tenantless … | head -1`) is success, as in ripgrep. Before, `println!` panicked.

use crate::support::{TempDir, crate_dir};
use std::process::{Command, Stdio};

/// The commands checked, each writing its result to stdout.
fn commands(out: &TempDir) -> Vec<Vec<String>> {
    let out = out.join("out").display().to_string();
    vec![
        vec!["generate".into(), "scenarios/seed.yaml".into(), "--out".into(), out],
        vec!["estimate".into(), "scenarios/seed.yaml".into()],
        vec!["verify".into(), "--data".into(), "tests/golden/seed".into()],
        vec![
            "query".into(),
            "--data".into(),
            "tests/golden/seed".into(),
            "AuditLogs | take 1".into(),
        ],
    ]
}

fn tenantless(args: &[String]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tenantless"));
    command
        .args(args)
        .current_dir(crate_dir())
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    command
}

#[test]
fn a_full_device_is_an_io_error_not_a_panic() {
    let tmp = TempDir::new("full");
    for args in commands(&tmp) {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("open /dev/full");
        let output = tenantless(&args).stdout(full).output().expect("run tenantless");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("writing to standard output"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_closed_pipe_is_success() {
    let tmp = TempDir::new("pipe");
    for args in commands(&tmp) {
        let mut child = tenantless(&args).stdout(Stdio::piped()).spawn().expect("run tenantless");
        // Close the reading end before the command writes, as `| head -0` would.
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("wait for tenantless");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
