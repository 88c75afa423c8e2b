//! `export log-analytics` (issue 15 §4): no declared column breaks a documented limit of custom
//! tables or stream declarations, no batch exceeds the size asked (at most the Logs Ingestion
//! API's 1 MB) and the batches hold every record once, and each shim function — run by
//! tenantless's engine over the records as the DCR's transformation and the workspace would store
//! them — gives back every original column under its original name with its value.

use std::path::Path;
use std::process::Command;
use tenantless::export::log_analytics::{MAX_COLUMN_NAME, RESERVED, WORKSPACE_COLUMNS};
use tenantless::kql::{Catalog, RunOptions, run, table_from_ndjson};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Rows as maps of column to value, for comparing tables whatever their column order.
fn rows(table: &tenantless::kql::Table) -> Vec<serde_json::Map<String, serde_json::Value>> {
    tenantless::kql::format::to_ndjson(table)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_lab_kit_keeps_the_limits_and_its_functions_restore_every_column() {
    let dir = std::env::temp_dir().join(format!("tenantless-export-la-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (data, kit) = (dir.join("data"), dir.join("kit"));
    crate::support::generate_scenario(&root().join("scenarios/tenant-small.yaml"), &data);
    let out = Command::new(env!("CARGO_BIN_EXE_tenantless"))
        .args([
            "export",
            "log-analytics",
            "--data",
            data.to_str().unwrap(),
            "--out",
            kit.to_str().unwrap(),
        ])
        .args(["--batch-bytes", "200000"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dcr = json(&kit.join("dcr.json"));
    let rule = &dcr["resources"][0]["properties"];
    let name_ok = |n: &str| {
        (2..=MAX_COLUMN_NAME).contains(&n.len())
            && n.starts_with(|c: char| c.is_ascii_alphabetic())
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(n))
    };
    let options = RunOptions::default();
    for table in crate::support::TABLES {
        let definition = json(&kit.join(format!("tables/{table}_CL.json")));
        let columns = definition["properties"]["schema"]["columns"].as_array().unwrap();
        let mut seen = std::collections::HashSet::new();
        for c in columns {
            let n = c["name"].as_str().unwrap();
            assert!(name_ok(n), "{table}_CL: column `{n}` breaks a custom table's naming rules");
            assert!(seen.insert(n.to_ascii_lowercase()), "{table}_CL: `{n}` twice");
            let ty = c["type"].as_str().unwrap();
            assert!(
                ["string", "int", "long", "real", "boolean", "dateTime", "dynamic"].contains(&ty),
                "{table}_CL: {n} {ty}"
            );
        }
        assert!(
            columns.iter().any(|c| c["name"] == "TimeGenerated" && c["type"] == "dateTime"),
            "{table}_CL"
        );
        let stream = &rule["streamDeclarations"][format!("Custom-{table}")]["columns"];
        for c in stream.as_array().unwrap() {
            let ty = c["type"].as_str().unwrap();
            assert!(
                ["string", "int", "long", "real", "boolean", "datetime", "dynamic"].contains(&ty),
                "{table} stream: {c}"
            );
        }

        // Batches: within the size, every record once, in order.
        let original = std::fs::read_to_string(data.join(format!("{table}.jsonl"))).unwrap();
        let mut batches: Vec<_> = std::fs::read_dir(kit.join("batches").join(table))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        batches.sort();
        let mut records = Vec::new();
        for batch in &batches {
            assert!(std::fs::metadata(batch).unwrap().len() <= 200_000, "{}", batch.display());
            records.extend(json(batch).as_array().unwrap().iter().cloned());
        }
        let expected: Vec<serde_json::Value> = original.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(records, expected, "{table}");

        // The records as the DCR stores them, with the workspace's own columns, read back by the shim.
        let flow = rule["dataFlows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["streams"][0] == format!("Custom-{table}"))
            .unwrap();
        let transform = flow["transformKql"].as_str().unwrap();
        // `source` holds every declared stream column, as in a DCR: absent fields are null.
        let loaded = table_from_ndjson(table, &original).unwrap();
        let missing: Vec<String> = stream
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| !loaded.columns.iter().any(|l| l.name == c["name"].as_str().unwrap()))
            .map(|c| {
                let null = match c["type"].as_str().unwrap() {
                    "string" => "''",
                    "datetime" => "datetime(null)",
                    "real" => "real(null)",
                    "long" | "int" => "long(null)",
                    "boolean" => "bool(null)",
                    _ => "dynamic(null)",
                };
                format!("['{}'] = {null}", c["name"].as_str().unwrap())
            })
            .collect();
        let mut catalog = Catalog::new();
        catalog.insert("loaded", loaded);
        let full = if missing.is_empty() {
            "loaded".to_owned()
        } else {
            format!("loaded | extend {}", missing.join(", "))
        };
        let source = run(&full, &catalog, &options).unwrap().pop().unwrap();
        let mut catalog = Catalog::new();
        catalog.insert("source", source.clone());
        let stored = run(transform, &catalog, &options).unwrap().pop().unwrap();
        let mut catalog = Catalog::new();
        catalog.insert("source", stored);
        let workspace = format!(
            "source | extend TenantId = 'lab-workspace-id', Type = '{table}_CL', _BilledSize = real(1), _IsBillable = 'True', _ResourceId = '', _SubscriptionId = ''"
        );
        let in_workspace = run(&workspace, &catalog, &options).unwrap().pop().unwrap();
        let mut catalog = Catalog::new();
        catalog.insert(format!("{table}_CL"), in_workspace);
        let shim = std::fs::read_to_string(kit.join(format!("functions/{table}.kql"))).unwrap();
        let restored = run(&shim, &catalog, &options).unwrap().pop().unwrap();
        let names = |t: &tenantless::kql::Table| {
            let mut n: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
            n.sort();
            n
        };
        // Every original column is back; what else there is are the workspace's own columns
        // (a real workspace gives every table `_ResourceId` and the like).
        let (have, want) = (names(&restored), names(&source));
        let extra: Vec<&String> = have.iter().filter(|n| !want.contains(n)).collect();
        assert!(want.iter().all(|n| have.contains(n)), "{table}: {want:?} not all in {have:?}");
        assert!(extra.iter().all(|n| WORKSPACE_COLUMNS.contains(&n.as_str())), "{table}: {extra:?}");
        let only_original = |mut rows: Vec<serde_json::Map<String, serde_json::Value>>| {
            rows.iter_mut().for_each(|r| r.retain(|k, _| want.contains(k)));
            rows
        };
        assert_eq!(only_original(rows(&restored)), rows(&source), "{table}");
    }
}
