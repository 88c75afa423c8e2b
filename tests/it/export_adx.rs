//! `export adx` (issue 15 §3): every command of the kit parses as a management command with
//! Microsoft's KQL analyzer; each table's mapping covers every column of the table and every field
//! of its records; the data files hold every record once, in order, each at most the size asked;
//! an existing kit is never overwritten.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The analyzer's errors for each command (an empty list: it parses).
fn command_errors(commands: &[String]) -> Vec<Vec<String>> {
    crate::conformance::ensure_oracle();
    let mut child = Command::new("node")
        .arg(crate::conformance::oracle_dir().join("commands.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    let request = serde_json::json!({ "commands": commands }).to_string();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), request.as_bytes()).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn commands(kit: &Path, file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(kit.join(file)).unwrap();
    text.split("\n\n")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_adx_kit_parses_covers_every_column_and_holds_every_record() {
    let dir = std::env::temp_dir().join(format!("tenantless-export-adx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (data, kit) = (dir.join("data"), dir.join("kit"));
    crate::support::generate_scenario(&root().join("scenarios/tenant-small.yaml"), &data);
    let run = |out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_tenantless"))
            .args([
                "export",
                "adx",
                "--data",
                data.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--file-mb",
                "1",
            ])
            .output()
            .unwrap()
    };
    let out = run(&kit);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut all = Vec::new();
    for file in ["tables.kql", "mappings.kql", "ingest.kql"] {
        all.extend(commands(&kit, file));
    }
    for (command, errors) in all.iter().zip(command_errors(&all)) {
        assert!(errors.is_empty(), "{errors:?}\n{}", &command[..command.len().min(300)]);
    }

    let tables = commands(&kit, "tables.kql");
    let mappings = commands(&kit, "mappings.kql");
    assert_eq!(tables.len(), 5);
    for (table, mapping) in tables.iter().zip(&mappings) {
        let name = table.split('\'').nth(1).unwrap();
        let columns: Vec<&str> = table
            .split("(['")
            .nth(1)
            .unwrap()
            .split(", ['")
            .map(|c| c.split('\'').next().unwrap())
            .collect();
        let json = &mapping[mapping.find("@'").unwrap() + 2..mapping.len() - 1].replace("''", "'");
        let mapped: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
        let mapped: Vec<&str> = mapped.iter().map(|m| m["column"].as_str().unwrap()).collect();
        assert_eq!(mapped, columns, "{name}");
        // Every record's every field is mapped, and the files hold the table's records in order.
        let original = std::fs::read_to_string(data.join(format!("{name}.jsonl"))).unwrap();
        let mut files: Vec<_> = std::fs::read_dir(kit.join("data").join(name))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut joined = String::new();
        for file in &files {
            let mut text = String::new();
            flate2::read::GzDecoder::new(std::fs::File::open(file).unwrap())
                .read_to_string(&mut text)
                .unwrap();
            assert!(text.len() <= 1_000_000, "{}: {} bytes", file.display(), text.len());
            joined.push_str(&text);
        }
        assert_eq!(joined, original, "{name}");
        for line in original.lines() {
            let record: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
            for key in record.keys() {
                assert!(mapped.contains(&key.as_str()), "{name}: field {key} unmapped");
            }
        }
        if name == "AzureDiagnostics" {
            assert!(files.len() > 1, "tenant-small's AzureDiagnostics is split in 1 MB files");
        }
    }
    let ingest = commands(&kit, "ingest.kql");
    let files: usize = [
        "AADManagedIdentitySignInLogs",
        "AADServicePrincipalSignInLogs",
        "AuditLogs",
        "AzureActivity",
        "AzureDiagnostics",
    ]
    .iter()
    .map(|t| std::fs::read_dir(kit.join("data").join(t)).unwrap().count())
    .sum();
    assert_eq!(ingest.len(), files);

    // A kit directory that holds files is left alone.
    let again = run(&kit);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists and is not empty"));
    assert!(kit.join("tables.kql").is_file());
}
