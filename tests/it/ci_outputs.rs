//! `verify` in CI (issue 15 §1): SARIF that Microsoft's SARIF Multitool validates against the
//! SARIF 2.1.0 schema, with one result per failed expectation, false positive or broken rule at
//! the rule file's query line; a Markdown job summary; GitHub workflow annotations only inside
//! GitHub Actions.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Microsoft's validator (npm `@microsoft/sarif-multitool`), installed by `npm ci` on first use.
fn sarif_multitool() -> PathBuf {
    let dir = root().join("tools/sarif-validator");
    let platform = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let binary = dir.join(format!("node_modules/@microsoft/sarif-multitool-{platform}/Sarif.Multitool"));
    crate::support::npm_ci(&dir, &binary, "Microsoft's SARIF Multitool");
    // npm may skip the package's postinstall (`chmod u+x`).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    binary
}

const NOISY: &str = "id: 6c1f0d7e-3b2a-4d5e-8f90-1a2b3c4d5e6f
name: Any service principal sign-in
severity: Low
queryFrequency: 1d
queryPeriod: 1d
triggerOperator: gt
triggerThreshold: 0
query: |
  AADServicePrincipalSignInLogs
  | summarize count() by ResultType
kind: Scheduled
";

const BROKEN: &str = "id: 7d2e1f8a-4c3b-5e6f-9a01-2b3c4d5e6f70
name: A rule with a typo
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
query: |
  AADServicePrincipalSignInLogz
  | take 1
kind: Scheduled
";

#[test]
fn sarif_summary_and_annotations_locate_every_finding_in_the_rule_files() {
    let dir = std::env::temp_dir().join(format!("tenantless-ci-outputs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (data, rules) = (dir.join("data"), dir.join("rules"));
    std::fs::create_dir_all(&rules).unwrap();
    crate::support::generate_scenario(&root().join("scenarios/seed.yaml"), &data);
    std::fs::copy(
        root().join("rules/seed-failed-signins.yaml"),
        rules.join("seed-failed-signins.yaml"),
    )
    .unwrap();
    std::fs::write(rules.join("noisy.yaml"), NOISY).unwrap();
    std::fs::write(rules.join("broken.yaml"), BROKEN).unwrap();
    // Dropping the failed sign-ins makes the seed rule miss what it must catch.
    let drop = dir.join("drop-failures.kql");
    std::fs::write(&drop, "source | where ResultType == '0'").unwrap();
    let (sarif, summary) = (dir.join("out.sarif"), dir.join("summary.md"));
    let run = |github: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tenantless"));
        command.args(["verify", "--data", data.to_str().unwrap(), "--rules", rules.to_str().unwrap()]);
        command.args(["--transform", &format!("AADServicePrincipalSignInLogs={}", drop.display())]);
        command.args(["--sarif", sarif.to_str().unwrap(), "--summary", summary.to_str().unwrap()]);
        command.env_remove("GITHUB_ACTIONS");
        if github {
            command.env("GITHUB_ACTIONS", "true");
        }
        command.output().unwrap()
    };
    let outside = run(false);
    assert_eq!(outside.status.code(), Some(1), "{}", String::from_utf8_lossy(&outside.stderr));
    assert!(
        !String::from_utf8_lossy(&outside.stdout).contains("::error"),
        "annotations outside GitHub Actions"
    );

    let log: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let located = |level: &str, file: &str| {
        results.iter().find(|r| {
            r["level"] == level
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .ends_with(file)
        })
    };
    let missed = located("error", "seed-failed-signins.yaml").expect("the missed expectation");
    assert!(missed["message"]["text"].as_str().unwrap().contains("failed"), "{missed}");
    // The rule file's `query:` line.
    let text = std::fs::read_to_string(rules.join("seed-failed-signins.yaml")).unwrap();
    let query_line = text.lines().position(|l| l.starts_with("query:")).unwrap() + 1;
    assert_eq!(missed["locations"][0]["physicalLocation"]["region"]["startLine"], query_line);
    assert!(located("warning", "noisy.yaml").is_some(), "{results:?}");
    assert!(located("error", "broken.yaml").is_some(), "{results:?}");

    // Microsoft's validator finds no error in it (warnings are its best-practice advice).
    let report = dir.join("validation.sarif");
    let validated = Command::new(sarif_multitool())
        .args([
            "validate",
            sarif.to_str().unwrap(),
            "--output",
            report.to_str().unwrap(),
            "--log",
            "ForceOverwrite",
        ])
        .output()
        .unwrap();
    assert!(validated.status.success(), "{}", String::from_utf8_lossy(&validated.stdout));
    let validation: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let errors: Vec<&serde_json::Value> = validation["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:?}");

    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(markdown.starts_with("## tenantless verify"), "{markdown}");
    assert!(
        markdown.contains("❌") && markdown.contains("| Any service principal sign-in |"),
        "{markdown}"
    );
    assert!(markdown.contains("### Findings"), "{markdown}");

    let inside = run(true);
    let stdout = String::from_utf8_lossy(&inside.stdout);
    let annotation = format!(
        "::error file={},line={query_line},",
        rules.join("seed-failed-signins.yaml").display()
    );
    assert!(stdout.contains(&annotation), "{stdout}");
    assert!(stdout.contains("::warning file="), "{stdout}");
    // The summary is appended to, as GitHub's step summary file is.
    assert_eq!(
        std::fs::read_to_string(&summary).unwrap().matches("## tenantless verify").count(),
        2
    );
}

/// The README's GitHub Actions workflow and Azure DevOps pipeline are YAML a runner can read.
#[test]
fn the_readmes_ci_workflows_parse_as_yaml() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = &readme[readme.find("## Rules in CI").expect("the README's CI section")..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let blocks: Vec<&str> = section.split("```yaml\n").skip(1).map(|b| &b[..b.find("```").unwrap()]).collect();
    assert_eq!(blocks.len(), 2, "{section}");
    for block in blocks {
        let doc: serde_json::Value = serde_saphyr::from_str(block).unwrap_or_else(|e| panic!("{e}\n{block}"));
        let steps = doc["jobs"]["verify"]["steps"]
            .as_array()
            .or(doc["steps"].as_array())
            .expect("steps");
        assert!(steps.iter().any(|s| s.to_string().contains("tenantless verify")), "{block}");
        assert!(steps.iter().any(|s| s.to_string().contains("--sarif")), "{block}");
    }
}
